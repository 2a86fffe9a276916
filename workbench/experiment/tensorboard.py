"""The run's TensorBoard sink: its event writer, and a queue of scalars written by a thread."""

from __future__ import annotations

import collections
import contextlib
import glob
import os
import threading
import warnings

from .. import summary
from ..summary.writer import _state as _summary_state

__all__ = ["ScalarQueue", "TensorBoardSink"]


class ScalarQueue:
    """TensorBoard scalars written by a thread: on the training loop, a scalar is one append.

    ``write(items)`` gets lists of ``(name, value, step)`` in the order they were
    added; one lock keeps the thread and :meth:`flush` from interleaving them.
    """

    def __init__(self, write, interval=0.5):
        self._write = write
        self._interval = interval
        self._queue = collections.deque()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = False
        self._thread = threading.Thread(target=self._run, name="workbench-tensorboard-scalars", daemon=True)
        self._thread.start()

    MAX_QUEUED = 20_000  # scalars waiting in memory before the loop writes them itself

    def add(self, key, value, step):
        self._queue.append((key, value, step))
        if len(self._queue) > self.MAX_QUEUED:
            # the loop logs faster than the thread writes: it writes the backlog itself, in order,
            # so memory stays bounded in a burst
            self.flush()

    def _run(self):
        while not self._stop:
            self._wake.wait(self._interval)
            self._wake.clear()
            try:
                self.flush()
            except Exception as exc:  # keep the queue; flush() on the main thread will raise it
                warnings.warn(f"TensorBoard scalars: {exc}", stacklevel=2)
                return

    def flush(self):
        """Write everything added so far (on the calling thread)."""
        with self._lock:
            items = []
            while self._queue:
                items.append(self._queue.popleft())
            if items:
                self._write(items)

    def close(self):
        self._stop = True
        self._wake.set()
        self._thread.join(timeout=10.0)
        self.flush()



class TensorBoardSink:
    """TensorBoard events in ``logdir``: scalars go through a :class:`ScalarQueue` (one append on
    the training loop); histograms, images, text and hparams are written at once, each with this
    sink's writer as the default of the calling thread."""

    def __init__(self, logdir):
        self.logdir = logdir
        # events reach the file at least every 5 s (TensorBoard shows the run live) and in chunks
        self.writer = summary.create_file_writer(logdir, max_queue=1000, flush_millis=5000)
        self._scalars = ScalarQueue(self._write_scalars)

    def scalar(self, key, value, step):
        """Queue one scalar."""
        self._scalars.add(key, value, step)

    def write(self, fn, *args, **kwargs):
        """Call a ``wb.summary`` function with this sink's writer as the default."""
        with self._writing():
            return fn(*args, **kwargs)

    def _write_scalars(self, items):
        """Write ``(name, value, step)`` scalars (on the queue's thread)."""
        self.writer.write_scalars(items)   # names and values were checked by the Experiment

    @contextlib.contextmanager
    def _writing(self):
        """This sink's writer as the default of the calling thread, whatever the caller set."""
        state = _summary_state
        saved = state.writer, state.condition
        state.writer, state.condition = self.writer, True
        try:
            yield
        finally:
            state.writer, state.condition = saved

    def flush(self):
        """Write the queued scalars and flush the events to disk."""
        self._scalars.flush()
        self.writer.flush()

    def close(self):
        """Write what is queued, stop the thread and close the event file."""
        self._scalars.close()
        self.writer.close()

    def event_files(self) -> list:
        return sorted(glob.glob(os.path.join(glob.escape(self.logdir), "events.out.tfevents.*")))
