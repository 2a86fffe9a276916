"""Metrics, params, tags and artifacts sent to an MLflow run from a background thread.

One ``log_metric`` call to MLflow costs milliseconds (a database write or an
HTTP round trip); on the training loop, :meth:`RunBuffer.log_metric` only
appends a tuple to a queue. A thread drains the queue every ``flush_secs``
with ``MlflowClient.log_batch`` (at most 1,000 metrics, 100 params and 100 tags
a call).

When the store cannot be reached, the thread appends what it could not send
to a JSON-lines *spill file* in the run's folder, warns once (naming the
URI and the file), and retries with exponential backoff by replaying that
file; anything left on disk at exit is sent later by :func:`sync`
(``workbench sync``). Replaying is safe to repeat: MLflow ignores a metric
point it already holds (same key, step, timestamp and value), a param logged
again with the same value, a tag set again, an artifact uploaded again.

A run that starts while a remote server is away is *offline*: it has a
provisional id until the run exists in MLflow, and its spill file (then also
called its journal) is written from the start, its header saying how to create
the run (see :mod:`workbench.tracking.journal`). The thread keeps trying with
backoff (1 s, doubling up to ``WORKBENCH_TRACKING_MAX_BACKOFF`` seconds, 30 by
default); when the server answers it creates the run, replays the journal in
order and goes on online. Otherwise :func:`sync` does the same later.

Spill file format, one JSON value a line: a header object
``{"run_id": ..., "tracking_uri": ...}`` (plus ``"create": {...}`` for an
offline run), then items ``["m", key, value, timestamp_ms, step]``, ``["p",
key, value]``, ``["t", key, value]``, ``["a", local_path, artifact_path]`` (or
``["a", local_path, artifact_path, true]``: delete the local file once
uploaded, for snapshots made for the upload), ``["end", status, end_time_ms]``.
"""

from __future__ import annotations

import atexit
import collections
import glob
import json
import logging
import os
import threading
import time
import uuid
import warnings
import weakref

from . import journal, store

__all__ = ["RunBuffer", "TrackingWarning", "SPILL_NAME", "sync", "spill_files"]

SPILL_NAME = "mlflow-unsent.jsonl"
MAX_METRICS, MAX_PARAMS, MAX_TAGS = 1000, 100, 100
# Errors about the data itself: sending the same item again can never work.
DATA_ERRORS = frozenset({"INVALID_PARAMETER_VALUE", "BAD_REQUEST", "MALFORMED_REQUEST"})
MAX_BACKOFF_SECS = float(os.environ.get("WORKBENCH_TRACKING_MAX_BACKOFF", "30"))
EXIT_TIMEOUT_SECS = float(os.environ.get("WORKBENCH_FLUSH_TIMEOUT", "20"))

log = logging.getLogger("workbench.tracking")


class TrackingWarning(UserWarning):
    """The tracking store could not take what was logged (it is kept on disk), or dropped an invalid item."""


class _SendFailed(Exception):
    """Sending stopped at item ``done`` because of ``cause`` (the store is away)."""

    def __init__(self, done, cause):
        super().__init__(str(cause))
        self.done, self.cause = done, cause


# -- sending ------------------------------------------------------------------
def _groups(items):
    """Consecutive metrics/params/tags packed into batches within MLflow's limits; others alone."""
    batch, counts = [], [0, 0, 0]
    for item in items:
        kind = item[0]
        slot = "mpt".find(kind)
        if slot < 0:
            if batch:
                yield batch
                batch, counts = [], [0, 0, 0]
            yield [item]
            continue
        limit = (MAX_METRICS, MAX_PARAMS, MAX_TAGS)[slot]
        if counts[slot] == limit or sum(counts) == MAX_METRICS:
            yield batch
            batch, counts = [], [0, 0, 0]
        batch.append(item)
        counts[slot] += 1
    if batch:
        yield batch


def _log_batch(client, run_id, batch):
    entities = store.mlflow().entities
    client.log_batch(
        run_id,
        metrics=[entities.Metric(i[1], i[2], i[3], i[4]) for i in batch if i[0] == "m"],
        params=[entities.Param(i[1], i[2]) for i in batch if i[0] == "p"],
        tags=[entities.RunTag(i[1], i[2]) for i in batch if i[0] == "t"])


def _send_batch(client, run_id, batch, dropped):
    """Send one batch; when MLflow rejects its data, split it to find and drop the bad items."""
    try:
        _log_batch(client, run_id, batch)
    except store.mlflow().exceptions.MlflowException as exc:
        if exc.error_code not in DATA_ERRORS:
            raise
        if len(batch) == 1:
            dropped(batch[0], exc)
            return
        half = len(batch) // 2
        _send_batch(client, run_id, batch[:half], dropped)
        _send_batch(client, run_id, batch[half:], dropped)


def send_items(client, run_id, items, dropped):
    """Send ``items`` in order; raises :class:`_SendFailed` at the first failure that may pass."""
    done = 0
    for group in _groups(items):
        try:
            kind = group[0][0]
            if kind == "a":
                _upload(client, run_id, *group[0][1:])
            elif kind == "end":
                client.set_terminated(run_id, status=group[0][1], end_time=group[0][2])
            else:
                _send_batch(client, run_id, group, dropped)
        except Exception as exc:
            raise _SendFailed(done, exc) from exc
        done += len(group)
    return done


def _upload(client, run_id, path, artifact_path, snapshot=False):
    if not os.path.exists(path):  # deleted by the user before it was sent, or a snapshot already sent
        log.info("artifact %s no longer exists; not uploaded", path)
        return
    upload = client.log_artifacts if os.path.isdir(path) else client.log_artifact
    upload(run_id, path, artifact_path)
    if snapshot:  # a copy made only for this upload
        try:
            os.remove(path)
            os.rmdir(os.path.dirname(path))  # the snapshot's folder, once its last file is sent
        except OSError:
            pass


def _warn_dropped(item, exc):
    what = {"m": "metric", "p": "param", "t": "tag", "a": "artifact"}.get(item[0], item[0])
    warnings.warn(f"MLflow refused {what} {item[1]!r}, which is dropped: {_first_line(exc)}",
                  TrackingWarning, stacklevel=2)


def _first_line(exc):
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:300]


# -- the spill file -----------------------------------------------------------
_lock_for = journal.lock_for
SPILL_GLOB = journal.SPILL_GLOB
LOCK_NAME = journal.LOCK_NAME


def _append(path, header, items):
    """Append items (after ``header`` when the file is new) and flush them to the OS."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    lines = [] if os.path.exists(path) and os.path.getsize(path) else [json.dumps(header)]
    lines += [json.dumps(list(item)) for item in items]
    if not lines:
        return
    with open(path, "a", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
        f.flush()


def _read(path):
    """``(header, items)`` of a spill file; a last line cut short by a crash is skipped."""
    header, items = None, []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            try:
                value = json.loads(line)
            except ValueError:
                warnings.warn(f"{path}:{number}: skipped an unreadable line", TrackingWarning, stacklevel=3)
                continue
            if isinstance(value, dict):
                header = header or value
            else:
                items.append(tuple(value))
    if header is None or "run_id" not in header:
        raise ValueError(f"{path} is not a workbench spill file (no header line with a run_id)")
    return header, items


def _rewrite(path, header, items):
    tmp = f"{path}.{uuid.uuid4().hex[:8]}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write("\n".join([json.dumps(header)] + [json.dumps(list(i)) for i in items]) + "\n")
    os.replace(tmp, path)


def replay(path, client=None, dropped=_warn_dropped):
    """Send everything in the spill file ``path`` to its run, then delete the file.

    A run started offline is created first (once: see :mod:`~workbench.tracking.journal`).
    Returns ``(run_id, number of items sent)``, ``run_id`` being MLflow's. When the
    store fails part way, the file keeps what was not sent and the error is raised.
    """
    with _lock_for(path):
        if not os.path.exists(path):
            return None, 0
        header, items = _read(path)
        if client is None:
            client = store.client(header["tracking_uri"])
        run_id = journal.ensure_created(client, header, os.path.dirname(os.path.abspath(path)))
        try:
            sent = send_items(client, run_id, items, dropped)
        except _SendFailed as exc:
            if exc.done:
                _rewrite(path, header, items[exc.done:])
            raise exc.cause from None
        os.remove(path)
        return run_id, sent


def spill_files(path_or_run=None, logdir="runs"):
    """Spill files for ``path_or_run``: a file, a folder (searched recursively), or a run id
    (MLflow's or an offline run's provisional one, searched for under ``logdir``); None:
    every spill file under ``logdir``."""
    if path_or_run is None or not os.path.exists(os.fspath(path_or_run)):
        if path_or_run is not None and os.sep in os.fspath(path_or_run):
            raise FileNotFoundError(f"sync: no file or folder {os.fspath(path_or_run)!r}")
        files = sorted(glob.glob(os.path.join(glob.escape(logdir), "**", SPILL_GLOB), recursive=True))
        if path_or_run is None:
            return files
        return [f for f in files if path_or_run in (_header_run_id(f), _created_id(f))]
    path = os.fspath(path_or_run)
    if os.path.isfile(path):
        return [path]
    return sorted(glob.glob(os.path.join(glob.escape(path), "**", SPILL_GLOB), recursive=True))


def _header_run_id(path):
    header = journal.read_header(path)
    return None if header is None else header.get("run_id")


def _created_id(path):
    """MLflow's id for the offline run whose journal is ``path``, once created."""
    record = journal.read_map(os.path.dirname(os.path.abspath(path)))
    return record["run_id"] if record and record.get("provisional_id") == _header_run_id(path) else None


def sync(path_or_run=None, logdir="runs"):
    """Send what earlier runs could not (metrics, params, tags, artifacts, run ends) to MLflow.

    ``path_or_run``: a spill file, a run folder or a whole log folder (searched
    recursively), or a run id (looked for under ``logdir``); None: every
    spill file under ``logdir``. Each file names its run and tracking URI and is
    deleted once everything in it has arrived, so a second sync sends nothing
    again. A run that started offline is created first (in its experiment, under
    its parent run for a sweep's trial), with the name, tags and start time it
    was started with; ``mlflow-run.json`` in its folder then holds MLflow's id.

    Returns a list of ``{"path", "run_id", "sent", "error", "provisional_id"}``,
    one per file: ``run_id`` is MLflow's id (the provisional one if the run could
    not be created), ``provisional_id`` the offline run's provisional id (else
    None), ``error`` None on success, else the reason (and the file stays).

    >>> wb.tracking.sync()                              # doctest: +SKIP
    [{'path': 'runs/digits-20250101-120000/mlflow-unsent.jsonl', 'run_id': '3f2a...', 'sent': 1200,
      'error': None, 'provisional_id': None}]
    """
    results = []
    for path in spill_files(path_or_run, logdir):
        run_id = _header_run_id(path)
        provisional = run_id if journal.is_provisional(run_id) else None
        try:
            sent_to, sent = replay(path)
            results.append({"path": path, "run_id": sent_to or _created_id(path) or run_id, "sent": sent,
                            "error": None, "provisional_id": provisional})
        except Exception as exc:
            results.append({"path": path, "run_id": run_id, "sent": 0, "error": _first_line(exc),
                            "provisional_id": provisional})
    return results


# -- the buffer ---------------------------------------------------------------
class _Marker:
    """Put in the queue by ``flush``: set once everything queued before it is sent or on disk."""

    __slots__ = ("event",)

    def __init__(self):
        self.event = threading.Event()


class RunBuffer:
    """Queues what is logged to one MLflow run and sends it from a background thread.

    Args:
      client: an ``MlflowClient``.
      run_id: the run to log to (with ``create``: the offline run's provisional id).
      spill_path: the JSON-lines file that keeps what cannot be sent (see :func:`sync`).
      tracking_uri: the store's URI (named in warnings, written in the spill file).
      flush_secs: how often the thread sends what was queued.
      create: for a run started offline, the record that creates it in MLflow
        (see :mod:`~workbench.tracking.journal`). Everything is journaled in
        ``spill_path`` until the thread has created the run; then :attr:`run_id`
        becomes MLflow's id.
      offline_reason: with ``create``, why the store could not be reached; the
        buffer then warns once, at once, naming the URI and the journal.

    >>> buf = RunBuffer(client, run.info.run_id, "runs/r1/mlflow-unsent.jsonl", uri)   # doctest: +SKIP
    >>> buf.log_metric("loss", 0.5, step=1)                                            # doctest: +SKIP
    >>> buf.close("FINISHED")                                                          # doctest: +SKIP
    """

    def __init__(self, client, run_id, spill_path, tracking_uri, flush_secs=2.0, create=None,
                 offline_reason=None):
        self.client = client
        self.run_id = run_id
        self.experiment_id = None  # of an offline run, once the thread has created it
        self.spill_path = os.path.abspath(spill_path)
        self.tracking_uri = tracking_uri
        self.flush_secs = float(flush_secs)
        self._header = {"run_id": run_id, "tracking_uri": tracking_uri}
        self._queue = collections.deque()
        self._wake = threading.Event()
        self._stop = False
        self._closed = False
        self._failing = False   # the store failed; new items go to the spill file until a replay works
        self._warned = False
        self._inflight = ()
        self._held = []         # items neither sent nor written to disk (the disk failed too)
        self.unsent = 0         # items on disk, waiting for the store
        self._offline = create is not None  # the run does not exist in MLflow yet
        if self._offline:
            self._header["create"] = create
            self._failing = True
            with _lock_for(self.spill_path):  # the journal exists from the start: sync can create the run
                _append(self.spill_path, self._header, [])
            self._warn_offline(offline_reason)
        self._thread = threading.Thread(target=self._run, name=f"workbench-mlflow-{run_id[:8]}", daemon=True)
        self._thread.start()
        _live.add(self)

    @property
    def offline(self) -> bool:
        """True until a run started offline has been created in MLflow."""
        return self._offline

    # -- producers (any thread) ---------------------------------------------
    def log_metric(self, key, value, step, timestamp=None):
        """Queue one point; ``value`` a float, ``step`` an int, ``timestamp`` in ms (default now)."""
        self._queue.append(("m", key, value, int(time.time() * 1000) if timestamp is None else timestamp, step))
        if len(self._queue) % MAX_METRICS == 0:  # a full batch waits: send it now
            self._wake.set()

    def log_params(self, params):
        """Queue params (values are sent as strings, as MLflow stores them)."""
        self._queue.extend(("p", str(k), str(v)) for k, v in params.items())

    def set_tags(self, tags):
        self._queue.extend(("t", str(k), str(v)) for k, v in tags.items())

    def log_artifact(self, local_path, artifact_path=None, snapshot=False):
        """Queue an upload of a file or folder; it is read when the thread sends it.

        ``snapshot=True``: the file is a copy made for this upload, deleted once uploaded.
        """
        item = ("a", os.path.abspath(local_path), artifact_path)
        self._queue.append(item + (True,) if snapshot else item)

    def flush(self, timeout=None) -> bool:
        """Wait until everything queued so far is sent (or, when the store is away, on disk).

        Also makes a waiting thread retry the store at once. Returns True when
        everything has arrived, False when some of it waits on disk or the wait timed out.
        """
        if self._closed or not self._thread.is_alive():
            return not self._failing and self.unsent == 0
        marker = _Marker()
        self._queue.append(marker)
        self._wake.set()
        deadline = None if timeout is None else time.monotonic() + timeout
        while not marker.event.wait(0.2 if deadline is None else max(0.0, min(0.2, deadline - time.monotonic()))):
            if not self._thread.is_alive() or (deadline is not None and time.monotonic() >= deadline):
                return False
        return not self._failing and self.unsent == 0 and not self._held

    def close(self, status=None, timeout=EXIT_TIMEOUT_SECS) -> int:
        """End the run with ``status`` (None: leave it open), flush with a bounded wait, stop the thread.

        Returns the number of items that could not be sent (they stay in the
        spill file for :func:`sync`).
        """
        if self._closed:
            return self.unsent
        if status is not None:
            self._queue.append(("end", status, int(time.time() * 1000)))
        done = self.flush(timeout)
        self._stop = True
        self._wake.set()
        if not done and self._thread.is_alive() and (self._queue or self._inflight):
            self._abandon()
        self._thread.join(timeout=1.0 if done else 0.1)
        self._closed = True
        _live.discard(self)
        return self.unsent

    def _abandon(self):
        """The thread is stuck on the store: put what it still holds into a file of our own."""
        items = list(self._inflight)
        while self._queue:
            item = self._queue.popleft()
            if isinstance(item, _Marker):
                item.event.set()
            else:
                items.append(item)
        if items:
            root, ext = os.path.splitext(self.spill_path)
            _append(f"{root}.exit-{uuid.uuid4().hex[:8]}{ext}", self._header, items)
            self.unsent += len(items)
        self._failing = True

    # -- the thread ----------------------------------------------------------
    def _run(self):
        backoff = 1.0
        while True:
            self._wake.wait(backoff if self._failing else self.flush_secs)
            self._wake.clear()
            try:
                if not self._stop and (self._failing or self._held or self._waiting_files()):
                    backoff = 1.0 if self._retry() else min(2 * backoff, MAX_BACKOFF_SECS)
                self._drain()
            except Exception as exc:  # never let the sender die: what it holds would be lost
                log.error("workbench tracking sender: %s", _first_line(exc), exc_info=exc)
            if self._stop and not self._queue:
                return

    def _waiting_files(self):
        """Spill files of this run's folder (this session's, or left by an earlier one)."""
        return glob.glob(os.path.join(glob.escape(os.path.dirname(self.spill_path)), SPILL_GLOB))

    def _drain(self):
        while self._queue:
            items, marker = [], None
            while self._queue and len(items) < MAX_METRICS:
                item = self._queue.popleft()
                if isinstance(item, _Marker):
                    marker = item
                    break
                items.append(item)
            if items:
                self._inflight = items
                self._deliver(items)
                self._inflight = ()
            if marker is not None:
                marker.event.set()

    def _deliver(self, items):
        if not self._failing:
            try:
                send_items(self.client, self.run_id, items, _warn_dropped)
                return
            except _SendFailed as exc:
                items = items[exc.done:]
                self._store_failed(exc.cause)
        self._spill(items)

    def _spill(self, items):
        try:
            with _lock_for(self.spill_path):
                _append(self.spill_path, self._header, items)
        except (OSError, TypeError, ValueError) as exc:
            if not self._held:
                warnings.warn(f"cannot write {self.spill_path} ({_first_line(exc)}); what MLflow has not "
                              "taken is kept in memory until it does", TrackingWarning, stacklevel=2)
            self._held.extend(items)
            return
        self.unsent += len(items)

    def _warn_offline(self, reason):
        if reason is None:
            return
        self._warned = True
        warnings.warn(
            f"the MLflow tracking server at {self.tracking_uri} is not reachable ({_first_line(reason)}). "
            f"The run starts offline as {self.run_id}: everything it logs is journaled in {self.spill_path}. "
            "Training goes on; the run is created and the journal uploaded when the server answers (retried in "
            "the background), or by `workbench sync` (wb.tracking.sync()).", TrackingWarning, stacklevel=4)

    def _store_failed(self, exc):
        self._failing = True
        if not self._warned:
            self._warned = True
            warnings.warn(
                f"the MLflow tracking store at {self.tracking_uri} is not taking data ({_first_line(exc)}). "
                f"Training goes on: what is logged is kept in {self.spill_path} and sent when the "
                f"store is back, or by `workbench sync` (wb.tracking.sync()).", TrackingWarning, stacklevel=2)
        log.debug("tracking store failed", exc_info=exc)

    def _retry(self) -> bool:
        """Send what waits in memory and on disk; True when it all went through (the store is back)."""
        sent = 0
        try:
            if self._offline:
                self._create()
            if self._held:
                sent += send_items(self.client, self.run_id, self._held, _warn_dropped)
                self._held = []
            for path in self._waiting_files():
                sent += replay(path, self.client)[1]
        except Exception as exc:
            if isinstance(exc, _SendFailed):
                del self._held[:exc.done]
            self._failing = True
            log.debug("retry failed: %s", _first_line(exc))
            return False
        if self._failing:
            log.warning("the MLflow tracking store at %s is back; sent %d items kept in %s to run %s",
                        self.tracking_uri, sent, self.spill_path, self.run_id)
        self._failing = False
        self.unsent = 0
        return True


    def _create(self):
        """Create the offline run in MLflow (or learn its id, if ``workbench sync`` did) and log to it."""
        folder = os.path.dirname(self.spill_path)
        with _lock_for(self.spill_path):
            run_id = journal.ensure_created(self.client, self._header, folder)
        record = journal.read_map(folder)
        provisional = self.run_id
        # from here on, new spill files name MLflow's run; the journal's header still maps to it
        self.experiment_id = record and record.get("experiment_id")
        self._header = {"run_id": run_id, "tracking_uri": self.tracking_uri}
        self.run_id = run_id
        self._offline = False
        log.warning("the MLflow tracking server at %s answers: the offline run %s is MLflow run %s",
                    self.tracking_uri, provisional, run_id)


_live = weakref.WeakSet()


@atexit.register
def _flush_at_exit():
    # Daemon threads still run during atexit, so the senders can finish their work.
    for buffer in list(_live):
        buffer.close(None, timeout=EXIT_TIMEOUT_SECS)
