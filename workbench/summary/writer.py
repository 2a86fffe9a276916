"""Event-file writers and the summary state (default writer, step, recording condition).

TF 2's model: a writer writes ``Event`` protos to one file in a log directory;
summary functions write to the *default* writer of the current thread, at the
step given or set with :func:`experimental.set_step`. Writes are framed and
buffered in memory, then written out when more than ``max_queue`` are pending,
when ``flush_millis`` have passed since the last flush (checked at each write,
as TF does: there is no background thread), on ``flush()``/``close()``, when
the writer is garbage-collected, and at interpreter exit.

>>> import workbench as wb
>>> writer = wb.summary.create_file_writer("/tmp/logs")      # doctest: +SKIP
>>> with writer.as_default(step=0):                          # doctest: +SKIP
...     wb.summary.scalar("loss", 0.5)
"""

from __future__ import annotations

import contextlib
import itertools
import os
import socket
import threading
import time
import weakref

from ..distribute.launch import is_chief
from ._tb import tb
from .records import frame_record, scalar_event, scalar_prefix

__all__ = [
    "SummaryWriter", "create_file_writer", "create_noop_writer", "flush",
    "record_if", "should_record_summaries", "write",
]

_DEFAULT_MAX_QUEUE = 10
_DEFAULT_FLUSH_MILLIS = 120_000
_DEFAULT_SUFFIX = ".v2"
_file_ids = itertools.count()  # tells apart two files opened by one process in the same second


class _State(threading.local):
    """Per-thread summary state, as in TF: default writer, default step, recording condition."""

    def __init__(self):
        self.writer = None
        self.step = None
        self.condition = True


_state = _State()


class _EventFile:
    """One open event file and the framed records waiting to go into it.

    Holds no reference to its writer, so a ``weakref.finalize`` on the writer can
    close it (flushing what is pending) when the writer is collected or at exit.
    """

    def __init__(self, path, max_queue, flush_secs):
        self.path = path
        self.tags_seen = set()  # plugin metadata goes with a tag's first value only
        self.tag_fields = {}    # tag -> its scalar events' fixed bytes, for write_scalars
        self._file = open(path, "xb")
        self._pending = []
        self._lock = threading.Lock()
        self._max_queue = max_queue
        self._flush_secs = flush_secs
        self._last_flush = time.monotonic()

    def write(self, event_bytes: bytes):
        record = frame_record(event_bytes)
        with self._lock:
            if self._file is None:
                raise RuntimeError(f"the event file {self.path} is closed")
            self._pending.append(record)
            if len(self._pending) > self._max_queue or time.monotonic() - self._last_flush >= self._flush_secs:
                self._flush_locked()

    def write_many(self, records: list):
        """Append already framed records (one lock, one check of the queue)."""
        with self._lock:
            if self._file is None:
                raise RuntimeError(f"the event file {self.path} is closed")
            self._pending.extend(records)
            if len(self._pending) > self._max_queue or time.monotonic() - self._last_flush >= self._flush_secs:
                self._flush_locked()

    def _flush_locked(self):
        if self._pending:
            self._file.write(b"".join(self._pending))
            self._pending.clear()
        self._file.flush()
        self._last_flush = time.monotonic()

    def flush(self):
        with self._lock:
            if self._file is not None:
                self._flush_locked()

    def close(self):
        with self._lock:
            if self._file is not None:
                self._flush_locked()
                self._file.close()
                self._file = None


def _event_file_name(suffix):
    # TF's EventsWriter naming: time, host, pid, a per-process file id, suffix.
    return (f"events.out.tfevents.{int(time.time()):010d}.{socket.gethostname()}."
            f"{os.getpid()}.{next(_file_ids):06d}{suffix}")  # padded: names sort in the order opened


class SummaryWriter:
    """Writes summaries to an event file in ``logdir``; make it with :func:`create_file_writer`.

    Used in a ``with`` statement, the writer is the default writer inside the
    block and is closed at its end; ``as_default()`` makes it the default
    without closing it.
    """

    _records = True

    def __init__(self, logdir, max_queue=None, flush_millis=None, filename_suffix=None, name=None):
        if logdir is None or not isinstance(logdir, (str, os.PathLike)):
            raise ValueError(f"create_file_writer: logdir must be a path (str or os.PathLike), got {logdir!r}")
        self._logdir = os.fspath(logdir)
        self._max_queue = _DEFAULT_MAX_QUEUE if max_queue is None else int(max_queue)
        self._flush_secs = (_DEFAULT_FLUSH_MILLIS if flush_millis is None else flush_millis) / 1000.0
        self._suffix = _DEFAULT_SUFFIX if filename_suffix is None else str(filename_suffix)
        if self._max_queue < 0 or self._flush_secs < 0:
            raise ValueError(f"create_file_writer: max_queue and flush_millis must be >= 0, "
                             f"got {max_queue!r} and {flush_millis!r}")
        self.name = name
        self._file = None
        self._finalizer = None
        self._exit_stack = []
        self.init()

    # -- lifecycle ----------------------------------------------------------
    def init(self):
        """Open a new event file (if none is open) and write its ``file_version`` header."""
        if self._file is not None:
            return
        os.makedirs(self._logdir, exist_ok=True)
        pb = tb()
        event_file = _EventFile(os.path.join(self._logdir, _event_file_name(self._suffix)),
                                self._max_queue, self._flush_secs)
        event_file.write(pb.event_pb2.Event(wall_time=time.time(), file_version="brain.Event:2")
                         .SerializeToString())
        event_file.flush()  # a readable file from the start, even if the process dies
        self._file = event_file
        self._finalizer = weakref.finalize(self, event_file.close)

    def flush(self):
        """Write out every pending event."""
        if self._file is not None:
            self._file.flush()

    def close(self):
        """Flush and close the event file; ``init()`` opens a new one."""
        if self._file is not None:
            self._finalizer()
            self._file = None

    @property
    def closed(self) -> bool:
        return self._file is None

    @property
    def logdir(self) -> str:
        return self._logdir

    @property
    def path(self):
        """The path of the open event file (None once closed)."""
        return None if self._file is None else self._file.path

    # -- default writer -----------------------------------------------------
    @contextlib.contextmanager
    def as_default(self, step=None):
        """Make this the default writer inside the block (and ``step`` the default step if given).

        The previous writer (and step) come back at the end, and this writer is flushed.
        """
        self._check_open("as_default")
        old_writer, old_step = _state.writer, _state.step
        _state.writer = self
        if step is not None:
            _state.step = step
        try:
            yield self
        finally:
            _state.writer = old_writer
            if step is not None:
                _state.step = old_step
            self.flush()

    def set_as_default(self, step=None):
        """Make this the default writer of the current thread (and ``step`` the default step if given)."""
        self._check_open("set_as_default")
        _state.writer = self
        if step is not None:
            _state.step = step

    def __enter__(self):
        context = self.as_default()
        context.__enter__()
        self._exit_stack.append(context)
        return self

    def __exit__(self, *exc):
        self._exit_stack.pop().__exit__(*exc)
        self.close()
        return False

    # -- writing ------------------------------------------------------------
    def write_value(self, tag, step, tensor, metadata=None):
        """Write one summary value (a ``TensorProto``) for ``tag`` at ``step``.

        ``metadata`` is a ``SummaryMetadata`` proto or a function making one; it
        is attached only to the tag's first value in this file, as TF does.
        """
        event_file = self._check_open("write")
        pb = tb()
        value = pb.summary_pb2.Summary.Value(tag=tag, tensor=tensor)
        if metadata is not None and tag not in event_file.tags_seen:
            value.metadata.CopyFrom(metadata() if callable(metadata) else metadata)
            event_file.tags_seen.add(tag)
        event = pb.event_pb2.Event(wall_time=time.time(), step=step,
                                   summary=pb.summary_pb2.Summary(value=[value]))
        event_file.write(event.SerializeToString())

    def write_scalars(self, items):
        """Write ``(tag, value, step)`` float32 scalars, in order: the events ``wb.summary.scalar``
        writes (TF 2's), encoded without building protos (``records.scalar_event``). For
        callers that checked the tags and values (real numbers) themselves."""
        event_file = self._check_open("write_scalars")
        fields = event_file.tag_fields
        framed = []
        for tag, value, step in items:
            field = fields.get(tag)
            if field is None:   # a tag's first value carries the scalars plugin's metadata
                if framed:
                    event_file.write_many(framed)
                    framed = []
                pb = tb()
                tensor = pb.tensor_pb2.TensorProto(dtype=pb.types_pb2.DT_FLOAT, float_val=(value,),
                                                   tensor_shape=pb.tensor_shape_pb2.TensorShapeProto())
                self.write_value(tag, step, tensor, lambda: pb.scalar_metadata.create_summary_metadata(None, None))
                fields[tag] = scalar_prefix(tag)
                continue
            framed.append(frame_record(scalar_event(field, value, step, time.time())))
        if framed:
            event_file.write_many(framed)

    def write_event(self, event):
        """Write an ``Event`` proto as it is."""
        self._check_open("write").write(event.SerializeToString())

    def _check_open(self, what):
        if self._file is None:
            raise RuntimeError(f"{what}: the summary writer for {self._logdir!r} is closed; "
                               "call writer.init() to open a new event file")
        return self._file

    def __repr__(self):
        state = "closed" if self._file is None else os.path.basename(self._file.path)
        return f"<SummaryWriter logdir={self._logdir!r} {state}>"


class _NoopSummaryWriter(SummaryWriter):
    """A writer that writes nothing: summaries written to it are dropped (and report False)."""

    _records = False

    def __init__(self):
        self._logdir = None
        self._file = None
        self._exit_stack = []
        self.name = None

    def init(self):
        pass

    def close(self):
        pass

    def _check_open(self, what):
        return None


def create_file_writer(logdir, max_queue=None, flush_millis=None, filename_suffix=None, name=None,
                       all_workers=False):
    """A :class:`SummaryWriter` writing a new event file in ``logdir`` (created if missing).

    Args:
      logdir: directory of the run; TensorBoard shows each directory as a run.
      max_queue: events kept in memory before they are written (default 10).
      flush_millis: longest time between writes to disk, in ms (default 120,000).
      filename_suffix: ends the event file's name (default ``".v2"``).
      all_workers: in a job of several processes (``mpiexec``, ``workbench run --nproc``)
        only rank 0 writes, the other ranks get a writer that records nothing; True makes
        every rank write (give each its own ``logdir``).

    >>> w = wb.summary.create_file_writer("/tmp/logs/run1")   # doctest: +SKIP
    >>> with w.as_default(step=3):                             # doctest: +SKIP
    ...     wb.summary.scalar("loss", 0.25)
    """
    if not all_workers and not is_chief():
        return _NoopSummaryWriter()
    return SummaryWriter(logdir, max_queue=max_queue, flush_millis=flush_millis,
                         filename_suffix=filename_suffix, name=name)


def create_noop_writer():
    """A writer that records nothing, for code that always wants a writer to make default."""
    return _NoopSummaryWriter()


def flush(writer=None, name=None):
    """Flush ``writer`` (default: the current default writer, if any)."""
    writer = _state.writer if writer is None else writer
    if writer is not None:
        writer.flush()


# -- step and recording condition ---------------------------------------------
def get_step():
    """The default step set by ``set_step`` or ``as_default(step=...)`` (None if unset)."""
    return _state.step


def set_step(step):
    """Set the default step for summaries of this thread (an int, a Tensor or a Variable; None unsets).

    A Variable is read at each write, so ``set_step(optimizer.iterations)`` follows training.
    """
    _state.step = step


def _truth(condition):
    if callable(condition):
        condition = condition()
    if hasattr(condition, "numpy"):
        condition = condition.numpy()
    return bool(condition)


@contextlib.contextmanager
def record_if(condition):
    """Record summaries inside the block only while ``condition`` holds.

    ``condition`` is a bool, a boolean Tensor or a callable returning one; a
    callable is evaluated at each write, e.g. ``record_if(lambda: step % 100 == 0)``.
    """
    old = _state.condition
    _state.condition = condition
    try:
        yield
    finally:
        _state.condition = old


def should_record_summaries():
    """True when a default writer is set and the ``record_if`` condition holds."""
    writer = _state.writer
    return writer is not None and writer._records and _truth(_state.condition)


def _resolve_step(step):
    if step is None:
        step = _state.step
        if step is None:
            raise ValueError("No step set for the summary: pass step=..., or call "
                             "wb.summary.experimental.set_step(step), or use writer.as_default(step=...)")
    if type(step) is int:
        return step
    if hasattr(step, "numpy"):
        step = step.numpy()
    try:
        return int(step)
    except (TypeError, ValueError):
        raise TypeError(f"summary step must be an integer (int, integer Tensor or Variable), got {step!r}") from None


def _bound_to_defaults(fn):
    """``fn`` run with the default writer, step and recording condition as they are now: a
    ``wb.function`` replays its summary writes with those of its trace, as TF's write ops
    capture them when traced."""
    writer, step, condition = _state.writer, _state.step, _state.condition

    def run(*args, **kwargs):
        old = _state.writer, _state.step, _state.condition
        _state.writer, _state.step, _state.condition = writer, step, condition
        try:
            return fn(*args, **kwargs)
        finally:
            _state.writer, _state.step, _state.condition = old
    return run


def _recording_writer():
    """The writer to write to, or None when nothing should be recorded now."""
    writer = _state.writer
    if writer is None or not writer._records:
        return None
    condition = _state.condition
    if condition is not True and not _truth(condition):
        return None
    return writer


def write(tag, tensor, step=None, metadata=None, name=None):
    """Write ``tensor`` (an array, Tensor, or a callable making one) under ``tag`` to the default writer.

    ``metadata`` is a ``SummaryMetadata`` proto or its serialized bytes.
    Returns True when written, False when no writer is set or recording is off.
    """
    writer = _recording_writer()
    if writer is None:
        return False
    step = _resolve_step(step)
    if callable(tensor):
        tensor = tensor()
    from .ops import to_numpy, tensor_proto  # circular import with ops
    if isinstance(metadata, (bytes, bytearray)):
        metadata = tb().summary_pb2.SummaryMetadata.FromString(bytes(metadata))
    writer.write_value(tag, step, tensor_proto(to_numpy(tensor)), metadata)
    return True


def write_raw_pb(tensor, step=None, name=None):
    """Write serialized ``Summary`` protos (bytes, or a list of them) as events at ``step``."""
    writer = _recording_writer()
    if writer is None:
        return False
    step = _resolve_step(step)
    pb = tb()
    for raw in [tensor] if isinstance(tensor, (bytes, bytearray)) else list(tensor):
        summary = pb.summary_pb2.Summary.FromString(bytes(raw))
        writer.write_event(pb.event_pb2.Event(wall_time=time.time(), step=step, summary=summary))
    return True
