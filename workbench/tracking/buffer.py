"""Metrics, params, tags and artifacts sent to an MLflow run from background threads.

One ``log_metric`` call to MLflow costs milliseconds (a database write or an
HTTP round trip); on the training loop, :meth:`RunBuffer.log_metric` only
appends a tuple to the current block of at most 1,000 points (MLflow's largest
batch). A sender thread hands full blocks to ``MlflowClient.log_batch`` calls
run by worker threads: one at a time into a local store (SQLite takes one
writer), several at once to a server.

The queue is bounded: past ``WORKBENCH_TRACKING_MEMORY_POINTS`` points (50,000
by default) waiting in memory, the oldest blocks go to the run's *spill file*
(:mod:`~workbench.tracking.spillfile`) and are read back from it in order, so
memory stays flat however fast the loop logs. When the store cannot be reached,
everything goes to that file, one warning names the URI and the file, and the
sender retries with backoff (1 s, doubling up to ``WORKBENCH_TRACKING_MAX_BACKOFF``
seconds, 30 by default). A record read back from the file and sent is marked
done in it, so nothing is sent twice; anything left at exit is sent by
:func:`sync` (``workbench sync``).

What the store *refuses* (a 4xx answer, or a name or path MLflow's own checks
reject) is not an outage: the item is named in one warning, kept in
``mlflow-refused.jsonl`` in the run's folder, and the rest goes on.

A run that starts while a remote server is away is *offline*: it has a
provisional id until the run exists in MLflow, and its spill file (then also
called its journal) is written from the start, its header saying how to create
the run (see :mod:`workbench.tracking.journal`). When the server answers, the
sender creates the run, replays the journal in order and goes on online.
"""

from __future__ import annotations

import atexit
import collections
import glob
import logging
import os
import queue
import threading
import time
import warnings
import weakref

from . import journal, signing, spillfile, store

__all__ = ["RunBuffer", "TrackingWarning", "SPILL_NAME", "sync", "spill_files", "replay"]

SPILL_NAME = spillfile.SPILL_NAME
SPILL_GLOB = spillfile.SPILL_GLOB
LOCK_NAME = journal.LOCK_NAME
MAX_METRICS, MAX_PARAMS, MAX_TAGS = 1000, 100, 100  # MLflow's limits for one log_batch call
MAX_BACKOFF_SECS = float(os.environ.get("WORKBENCH_TRACKING_MAX_BACKOFF", "30"))
EXIT_TIMEOUT_SECS = float(os.environ.get("WORKBENCH_FLUSH_TIMEOUT", "20"))
MEMORY_POINTS = int(os.environ.get("WORKBENCH_TRACKING_MEMORY_POINTS", "50000"))
REMOTE_INFLIGHT = int(os.environ.get("WORKBENCH_TRACKING_INFLIGHT", "4"))

log = logging.getLogger("workbench.tracking")
_lock_for = journal.lock_for


class TrackingWarning(UserWarning):
    """The tracking store could not take what was logged (it is kept on disk), or refused an item."""


def _first_line(exc):
    text = str(exc).strip().splitlines()
    return store.redact(text[0] if text else type(exc).__name__)[:300]


def _describe(unit):
    kind = unit[0]
    if kind == "a":
        return f"artifact {unit[1]!r}" + (f" (to {unit[2]!r})" if unit[2] else "")
    if kind == "end":
        return f"the run's end ({unit[1]})"
    what = {"m": "metric", "p": "param", "t": "tag"}[kind]
    return f"{what} {unit[1][0][0]!r}"


# -- sending ------------------------------------------------------------------
def _log_batch(client, run_id, kind, rows):
    entities = store.mlflow().entities
    if kind == "m":
        client.log_batch(run_id, metrics=[entities.Metric(k, v, ts, step) for k, v, ts, step in rows])
    elif kind == "p":
        client.log_batch(run_id, params=[entities.Param(k, v) for k, v in rows])
    else:
        client.log_batch(run_id, tags=[entities.RunTag(k, v) for k, v in rows])


def _send_rows(client, run_id, kind, rows, refused):
    """Send rows of one kind; when the store refuses them, split to find the bad ones and refuse only those."""
    limit = MAX_METRICS if kind == "m" else MAX_PARAMS
    if len(rows) > limit:
        for start in range(0, len(rows), limit):
            _send_rows(client, run_id, kind, rows[start:start + limit], refused)
        return
    try:
        _log_batch(client, run_id, kind, rows)
    except Exception as exc:
        if not store.is_refusal(exc):
            raise
        if len(rows) == 1:
            refused((kind, rows), exc)
            return
        half = len(rows) // 2
        _send_rows(client, run_id, kind, rows[:half], refused)
        _send_rows(client, run_id, kind, rows[half:], refused)


def send_unit(client, run_id, unit, refused):
    """Send one unit of the queue; ``refused(unit, exc)`` gets what the store refuses, other errors raise."""
    kind = unit[0]
    if kind in ("m", "p", "t"):
        _send_rows(client, run_id, kind, unit[1], refused)
        return
    try:
        if kind == "a":
            _upload(client, run_id, *unit[1:])
        elif kind == "end":
            client.set_terminated(run_id, status=unit[1], end_time=unit[2])
        else:
            raise ValueError(f"unknown unit {kind!r}")
    except Exception as exc:
        if not store.is_refusal(exc) and not isinstance(exc, (PermissionError, IsADirectoryError)):
            raise
        refused(unit, exc)


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


def _merged(units):
    """Consecutive metric units joined into batches of at most MAX_METRICS points."""
    out = []
    for unit in units:
        if unit[0] == "m" and out and out[-1][0] == "m" and len(out[-1][1]) + len(unit[1]) <= MAX_METRICS:
            out[-1] = ("m", out[-1][1] + unit[1])
        else:
            out.append(unit)
    return out


class _Refusals:
    """What the store refused for one run folder: kept in ``mlflow-refused.jsonl``, told once."""

    def __init__(self, folder):
        self.folder = folder
        self.count = 0
        self._lock = threading.Lock()

    def __call__(self, unit, exc):
        reason = _first_line(exc)
        with self._lock:
            self.count += 1
            first = self.count == 1
            try:
                spillfile.dead_letter(self.folder, unit, reason)
                kept = f"kept in {os.path.join(self.folder, spillfile.DEAD_LETTER_NAME)}"
            except OSError as write_error:
                kept = f"and could not be kept ({_first_line(write_error)})"
        if first:
            warnings.warn(f"MLflow refused {_describe(unit)}: {reason}. It is not sent again, {kept}; "
                          "the run goes on (later refusals are added there without a warning)",
                          TrackingWarning, stacklevel=2)
        else:
            log.info("MLflow refused %s: %s", _describe(unit), reason)


# -- replaying files (workbench sync) ------------------------------------------
def _connect_uri(written):
    """The URI to reach the store a file names: the configured one when it is the same store (it may
    carry credentials that files never hold), else the file's."""
    try:
        configured = store.resolve_tracking_uri()
    except ValueError:
        return written
    return configured if store.display_uri(configured) == written else written


def replay(path, client=None, refused=None, upload=(), allow=None):
    """Send the records of the spill file ``path`` not sent yet to its run, marking each done; delete
    the file once all are.

    A run started offline is created first (once: see :mod:`~workbench.tracking.journal`).
    Artifacts are uploaded only from inside the run's folder, or when their path
    is in ``upload`` (given again by the user); others stay in the file.
    Returns ``(run_id, sent, skipped)``: MLflow's run id, the items sent, the
    artifact paths left. A file that does not verify sends nothing
    (:class:`~workbench.tracking.signing.UntrustedFile`); when the store fails
    part way, the file keeps what was not sent and the error is raised.
    """
    folder = os.path.dirname(os.path.abspath(path))
    upload = {os.path.realpath(p) for p in upload}
    with _lock_for(path):
        if not os.path.exists(path):
            return None, 0, []
        spilled = spillfile.Spilled(path)
        if spilled.cut_line is not None:
            warnings.warn(f"{path}:{spilled.cut_line}: skipped a line cut short", TrackingWarning, stacklevel=3)
        header = spilled.header
        if client is None:
            client = store.client(_connect_uri(header["tracking_uri"]))
        run_id = journal.ensure_created(client, header, folder)
        refused = refused or _Refusals(folder)
        sent, skipped, batch = 0, [], []

        def send(batch):
            for unit in _merged([u for _, u in batch]):
                send_unit(client, run_id, unit, refused)
            items = sum(spillfile.count_items(u) for _, u in batch)
            spilled.done([seq for seq, _ in batch], items)
            return items

        for seq, unit in spilled.records():
            if unit[0] == "a" and not spillfile.inside(unit[1], folder) \
                    and os.path.realpath(unit[1]) not in upload and not (allow and allow(unit[1])):
                skipped.append(unit[1])
                continue
            if unit[0] != "m" or sum(len(u[1]) for _, u in batch) + len(unit[1]) > MAX_METRICS:
                if batch:
                    sent += send(batch)
                batch = []
            batch.append((seq, unit))
            if unit[0] != "m":
                sent += send(batch)
                batch = []
        if batch:
            sent += send(batch)
        if not skipped:
            spilled.remove()
        return run_id, sent, skipped


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


def sync(path_or_run=None, logdir="runs", upload=()):
    """Send what earlier runs could not (metrics, params, tags, artifacts, run ends) to MLflow.

    ``path_or_run``: a spill file, a run folder or a whole log folder (searched
    recursively), or a run id (looked for under ``logdir``); None: every
    spill file under ``logdir``. Each file is signed by its run folder's secret
    and replays only into the run and store it was written for; a file that does
    not verify sends nothing. Artifacts outside the run's folder are uploaded only
    when their paths are given again in ``upload``. Records are marked done as they
    arrive and a file is deleted once all are, so a second sync sends nothing again.
    A run that started offline is created first (in its experiment, under its
    parent run for a sweep's trial), with the name, tags and start time it was
    started with; ``mlflow-run.json`` in its folder then holds MLflow's id. A run
    still running (its sender holds the folder) is left to its own sender.

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
        result = {"path": path, "run_id": run_id, "sent": 0, "error": None, "provisional_id": provisional}
        results.append(result)
        if journal.is_live(os.path.dirname(os.path.abspath(path))):
            result["error"] = "its run is still running and sends it itself"
            continue
        try:
            sent_to, sent, skipped = replay(path, upload=upload)
        except Exception as exc:
            result["error"] = _first_line(exc)
            continue
        result.update(run_id=sent_to or _created_id(path) or run_id, sent=sent)
        if skipped:
            result["error"] = (f"{len(skipped)} artifact(s) outside the run folder were not uploaded: "
                               + ", ".join(repr(p) for p in skipped[:3])
                               + "; give their paths again to upload them (`workbench sync --upload PATH`)")
    return results


# -- the buffer ---------------------------------------------------------------
class _Job:
    """One call to the store, run by a worker thread."""

    __slots__ = ("units", "acks", "fn", "event", "exc", "late", "wake")

    def __init__(self, units, acks, fn, wake):
        self.units, self.acks, self.fn, self.wake = units, acks, fn, wake
        self.event, self.exc, self.late = threading.Event(), None, None


def _worker(jobs):
    while True:
        job = jobs.get()
        if job is None:
            return
        try:
            job.fn()
        except BaseException as exc:  # noqa: B036 - handed to the sender thread
            job.exc = exc
        job.event.set()
        job.wake.set()  # the sender hands out the next batch at once
        if job.late is not None and job.exc is None:
            job.late()  # sent after the run gave up on it: mark its spilled copy done


class RunBuffer:
    """Queues what is logged to one MLflow run and sends it from background threads.

    Args:
      client: an ``MlflowClient``.
      run_id: the run to log to (with ``create``: the offline run's provisional id).
      spill_path: the spill file (see :mod:`~workbench.tracking.spillfile`); its folder is the run's.
      tracking_uri: the store's URI (shown in warnings and written in the spill file
        without its password).
      flush_secs: how often the sender sends a block that is not full yet.
      create: for a run started offline, the record that creates it in MLflow
        (see :mod:`~workbench.tracking.journal`). Everything is journaled in
        ``spill_path`` until the sender has created the run; then :attr:`run_id`
        becomes MLflow's id.
      offline_reason: with ``create``, why the store could not be reached; the
        buffer then warns once, at once, naming the URI and the journal.
      inflight: ``log_batch`` calls at once (default: 1 for a local store, 4 for a server).
      artifacts_from: paths outside the run folder this run logged artifacts from before
        (a resumed run's own), uploaded from earlier spill files.

    >>> buf = RunBuffer(client, run.info.run_id, "runs/r1/mlflow-unsent.jsonl", uri)   # doctest: +SKIP
    >>> buf.log_metric("loss", 0.5, step=1)                                            # doctest: +SKIP
    >>> buf.close("FINISHED")                                                          # doctest: +SKIP
    """

    def __init__(self, client, run_id, spill_path, tracking_uri, flush_secs=2.0, create=None,
                 offline_reason=None, inflight=None):
        self.client = client
        self.run_id = run_id
        self.experiment_id = None  # of an offline run, once the sender has created it
        self.spill_path = os.path.abspath(spill_path)
        self.folder = os.path.dirname(self.spill_path)
        self.tracking_uri = store.display_uri(tracking_uri)
        self.flush_secs = float(flush_secs)
        self.sent = 0               # items MLflow has taken (or refused)
        self._owner = journal.owner_lock(self.folder)
        self._key = signing.run_key(self.folder, run_id)
        header = {"run_id": run_id, "tracking_uri": self.tracking_uri}
        if create is not None:
            header["create"] = create
        self._disk = spillfile.SpillQueue(self.spill_path, header, self._key)
        with _lock_for(self.spill_path):  # what an earlier session left is sent first
            self._disk.adopt()
        # producers' side
        self._lock = threading.Lock()
        self._open = []             # points not yet in a block
        self._tail = collections.deque()
        self._tail_points = 0       # points in the blocks of _tail
        self._room = threading.Event()  # set when the sender has taken the producers' blocks
        self._wake = threading.Event()
        # the sender's side
        self._pending = collections.deque()   # units in memory, after everything on disk
        self._pending_points = 0
        self._from_disk = collections.deque()  # (seq, unit) read back from the spill file
        self._inflight = []
        self._failing = False
        self._retry_at = 0.0
        self._backoff = 1.0
        self._retry_now = False
        self._failed_retry = 0      # retries that failed (close gives up after one since it began)
        self._stop = False
        self._closed = False
        self._warned = False
        self._disk_warned = False
        self._replayed = False      # earlier sessions' files are sent first, once the store answers
        self._own_artifacts = set()
        self.refused = _Refusals(self.folder)
        self._other_pending = sum(_pending_in(p) for p in self._others())
        self._offline = create is not None
        if self._offline:
            self._failing = True
            with _lock_for(self.spill_path):  # the journal exists from the start: sync can create the run
                self._disk.create()
            self._warn_offline(offline_reason)
        remote = store.is_remote(tracking_uri)
        self._max_inflight = max(1, inflight or (REMOTE_INFLIGHT if remote else 1))
        self._jobs = queue.Queue()
        for i in range(self._max_inflight):
            threading.Thread(target=_worker, args=(self._jobs,), name=f"workbench-mlflow-call-{i}",
                             daemon=True).start()
        self._thread = threading.Thread(target=self._run, name=f"workbench-mlflow-{run_id[:8]}", daemon=True)
        self._thread.start()
        _live.add(self)

    @property
    def offline(self) -> bool:
        """True until a run started offline has been created in MLflow."""
        return self._offline

    @property
    def unsent(self) -> int:
        """Items on disk waiting for the store (in this run's spill files)."""
        return self._disk.pending_items + self._other_pending

    # -- producers (any thread) ---------------------------------------------
    def log_metric(self, key, value, step, timestamp=None):
        """Queue one point; ``value`` a float, ``step`` an int, ``timestamp`` in ms (default now)."""
        point = (key, value, int(time.time() * 1000) if timestamp is None else timestamp, step)
        with self._lock:
            block = self._open
            block.append(point)
            if len(block) < MAX_METRICS:
                return
            # a full block: hand it over, and send it now
            self._tail.append(("m", block))
            self._open = []
            self._tail_points += len(block)
            self._wake.set()
            behind = self._tail_points >= MEMORY_POINTS
        if behind:
            self._make_room()

    def _make_room(self):
        """The loop logs faster than the sender takes blocks: wait until it has taken them (it
        writes what is beyond the memory bound to the spill file, in order), so that memory
        stays bounded. Bounded too: after a few seconds the loop goes on (nothing is lost)."""
        deadline = time.monotonic() + 5.0
        while (self._tail_points >= MEMORY_POINTS and not self._stop and self._thread.is_alive()
               and time.monotonic() < deadline):
            self._room.clear()
            self._wake.set()
            self._room.wait(0.05)

    def _put(self, unit):
        with self._lock:
            if self._open:
                self._tail.append(("m", self._open))
                self._open = []
            self._tail.append(unit)

    def log_params(self, params):
        """Queue params (values are sent as strings, as MLflow stores them)."""
        rows = [[str(k), str(v)] for k, v in params.items()]
        for start in range(0, len(rows), MAX_PARAMS):
            self._put(("p", rows[start:start + MAX_PARAMS]))

    def set_tags(self, tags):
        rows = [[str(k), str(v)] for k, v in tags.items()]
        for start in range(0, len(rows), MAX_TAGS):
            self._put(("t", rows[start:start + MAX_TAGS]))

    def log_artifact(self, local_path, artifact_path=None, snapshot=False):
        """Queue an upload of a file or folder; it is read when the sender sends it.

        ``snapshot=True``: the file is a copy made for this upload, deleted once uploaded.
        """
        path = os.path.abspath(local_path)
        self._own_artifacts.add(os.path.realpath(path))
        self._put(("a", path, artifact_path, bool(snapshot)))

    def flush(self, timeout=None) -> bool:
        """Wait until everything queued so far is sent (or, when the store is away, on disk).

        Also makes a waiting sender retry the store at once. Returns True when
        everything has arrived, False when some of it waits on disk or the wait timed out.
        """
        if self._closed or not self._thread.is_alive():
            return not self._failing and self.unsent == 0
        marker = threading.Event()
        self._put(("marker", marker))
        self._retry_now = True
        self._wake.set()
        deadline = None if timeout is None else time.monotonic() + timeout
        while not marker.wait(0.2 if deadline is None else max(0.0, min(0.2, deadline - time.monotonic()))):
            if not self._thread.is_alive() or (deadline is not None and time.monotonic() >= deadline):
                return False
        return not self._failing and self.unsent == 0

    def close(self, status=None, timeout=EXIT_TIMEOUT_SECS, progress=True) -> int:
        """End the run with ``status`` (None: leave it open), deliver what waits, stop the threads.

        Delivery goes on as long as the store takes data (with a progress bar when it
        takes more than a second); it stops when the store is away (one retry fails)
        or has taken nothing for ``timeout`` seconds. Returns the number of items that
        could not be sent: they are in the run's spill files, for :func:`sync`.
        """
        if self._closed:
            return self.unsent
        if status is not None:
            self._put(("end", status, int(time.time() * 1000)))
        self._deliver(timeout, progress)
        self._stop = True
        self._wake.set()
        self._thread.join()
        for _ in range(self._max_inflight):
            self._jobs.put(None)
        self._owner.release()
        self._closed = True
        _live.discard(self)
        return self.unsent

    def _deliver(self, timeout, progress):
        if not self._thread.is_alive():
            return False
        marker = threading.Event()
        self._put(("marker", marker))
        self._retry_now = True
        failed_before = self._failed_retry
        self._wake.set()
        start = last = time.monotonic()
        sent, bar = self.sent, None
        try:
            while not marker.wait(0.2):
                now = time.monotonic()
                if self.sent != sent:
                    sent, last = self.sent, now
                if not self._thread.is_alive() or now - last > timeout or self._failed_retry > failed_before:
                    return False
                if progress and bar is None and now - start > 1.0:
                    bar = _progress_bar(self.sent + self.waiting())
                if bar is not None:
                    bar.total = max(bar.total, self.sent + self.waiting())
                    bar.update(self.sent - bar.n)
            return not self._failing
        finally:
            if bar is not None:
                bar.update(self.sent - bar.n)
                bar.close()

    def waiting(self) -> int:
        """Items queued and not sent yet (in memory, in flight and on disk); approximate while logging goes on."""
        with self._lock:
            tail = len(self._open) + sum(spillfile.count_items(u) for u in self._tail if u[0] != "marker")
        inflight = sum(spillfile.count_items(u) for job in list(self._inflight) for u in job.units)
        return tail + self._pending_points + inflight + self.unsent

    # -- the sender thread ----------------------------------------------------
    def _run(self):
        while True:
            self._wake.wait(0.05 if self._inflight else self.flush_secs)
            self._wake.clear()
            try:
                self._cycle()
            except Exception as exc:  # never let the sender die: what it holds would be lost
                log.error("workbench tracking sender: %s", _first_line(exc), exc_info=exc)
                time.sleep(0.5)
            if self._stop and self._finish():
                return

    def _collect(self, seal=True):
        """Take the producers' units (and, with ``seal``, the block being filled)."""
        with self._lock:
            if seal and self._open:
                self._tail.append(("m", self._open))
                self._open = []
            units, self._tail = self._tail, collections.deque()
            self._tail_points = 0
        self._room.set()
        for unit in units:
            self._pending.append(unit)
            if unit[0] == "m":
                self._pending_points += len(unit[1])

    def _cycle(self):
        self._collect(seal=False)
        self._reap()
        if self._idle():  # a block not full yet goes only when it would not delay a full one
            self._collect(seal=True)
        if self._failing:
            if self._retry_now or time.monotonic() >= self._retry_at:
                self._retry_now = False
                if not self._inflight:
                    self._retry()
            self._spool(everything=True)
            return
        self._spool(everything=False)
        self._dispatch()

    def _idle(self):
        """No full block waits and a worker is free: sending a partial block now costs no throughput."""
        return (len(self._inflight) < self._max_inflight and not self._pending_points and not self._from_disk
                and not self._disk.unread)

    def _reap(self):
        """Take up the calls that ended."""
        still = []
        for job in self._inflight:
            if not job.event.is_set():
                still.append(job)
                continue
            if job.exc is None:
                self._acked(job)
            else:
                self._outage(job)
        self._inflight = still

    def _acked(self, job):
        items = sum(spillfile.count_items(u) for u in job.units)
        self.sent += items
        if job.acks:
            with _lock_for(self.spill_path):
                self._disk.done(job.acks, items)
        if job.fn.__name__ == "_create":
            self._retry_now = True  # the run exists: send its journal at once
        elif self._failing and job.fn.__name__ != "_replay_others":
            log.warning("the MLflow tracking store at %s is back; sending what waited in %s to run %s",
                        self.tracking_uri, self.spill_path, self.run_id)
            self._failing = False
            self._backoff = 1.0

    def _outage(self, job):
        exc = job.exc
        if not self._failing:
            self._store_failed(exc)
        self._failing = True
        self._retry_at = time.monotonic() + self._backoff
        self._backoff = min(2 * self._backoff, MAX_BACKOFF_SECS)
        self._failed_retry += 1
        if job.fn.__name__ == "_replay_others":
            self._replayed = False
        if job.acks:  # records of the spill file: they wait there, read again first
            self._from_disk.extendleft(reversed(list(zip(job.acks, job.units))))
        elif job.units:
            self._pending.extendleft(reversed(job.units))
            self._pending_points += sum(len(u[1]) for u in job.units if u[0] == "m")
        log.debug("tracking store failed: %s", _first_line(exc))

    def _submit(self, units, acks, fn):
        job = _Job(units, acks, fn, self._wake)
        self._inflight.append(job)
        self._jobs.put(job)

    def _send_fn(self, units):
        client, run_id, refused = self.client, self.run_id, self.refused

        def send():
            for unit in units:
                send_unit(client, run_id, unit, refused)
        return send

    def _next(self):
        """The next batch to send: ``(units, acks)`` from the spill file first, else from memory."""
        if not self._from_disk and self._disk.unread:
            with _lock_for(self.spill_path):
                self._from_disk.extend(self._disk.read())
        source = self._from_disk if self._from_disk else None
        if source is None:
            if not self._pending or self._pending[0][0] == "marker":
                return None, None
            if self._pending[0][0] != "m":
                return [self._pending.popleft()], ()
            rows = []  # exactly MAX_METRICS points when that many wait: blocks are cut to fill the batch
            while self._pending and self._pending[0][0] == "m" and len(rows) < MAX_METRICS:
                block = self._pending.popleft()[1]
                room = MAX_METRICS - len(rows)
                if len(block) > room:
                    self._pending.appendleft(("m", block[room:]))
                    block = block[:room]
                rows += block
            self._pending_points -= len(rows)
            return [("m", rows)], ()
        seq, unit = source.popleft()
        units, acks = [unit], [seq]
        if unit[0] == "m":
            points = len(unit[1])
            while source and source[0][1][0] == "m" and points + len(source[0][1][1]) <= MAX_METRICS:
                seq, more = source.popleft()
                units.append(more)
                acks.append(seq)
                points += len(more[1])
        return units, acks

    def _dispatch(self):
        if not self._replayed:
            self._replayed = True
            if self._others():
                self._submit([], (), self._replay_others)
        while len(self._inflight) < self._max_inflight + 1:  # one more waits queued: no worker idles
            if any(not job.units or job.units[0][0] != "m" for job in self._inflight):
                return  # params, tags, artifacts and the end go alone, in order
            if not self._from_disk and self._disk.unread:
                with _lock_for(self.spill_path):
                    self._from_disk.extend(self._disk.read())
            if self._pending and self._pending[0][0] == "marker" and not self._from_disk and not self._disk.unread:
                if self._inflight:
                    return
                self._pending.popleft()[1].set()
                continue
            peek_kind = self._peek_kind()
            if peek_kind is None:
                return
            if peek_kind != "m" and self._inflight:
                return
            units, acks = self._next()
            if not units:
                return
            self._submit(units, acks, self._send_fn(units))

    def _peek_kind(self):
        if self._from_disk:
            return self._from_disk[0][1][0]
        if self._pending and self._pending[0][0] != "marker":
            return self._pending[0][0]
        return None

    def _spool(self, everything, reach=True):
        """Move units from memory to the spill file, in order: all of them (the store is away), or the
        oldest beyond the memory bound. Flush markers stay in memory (they follow everything on disk);
        with ``everything`` and nothing in flight, they are reached and set."""
        if not everything and self._pending_points <= MEMORY_POINTS:
            return
        units, markers = [], []
        target = 0 if everything else MEMORY_POINTS // 2
        while self._pending and (everything or self._pending_points > target):
            unit = self._pending.popleft()
            if unit[0] == "marker":
                markers.append(unit)
                continue
            if unit[0] == "m":
                self._pending_points -= len(unit[1])
            units.append(unit)
        if units:
            self._write(units)
        if everything and reach and not self._inflight and not self._from_disk:
            for marker in markers:
                marker[1].set()
        else:
            self._pending.extendleft(reversed(markers))

    def _write(self, units):
        try:
            with _lock_for(self.spill_path):
                self._disk.append(units)
        except (OSError, TypeError, ValueError) as exc:
            if not self._disk_warned:
                self._disk_warned = True
                warnings.warn(f"cannot write {self.spill_path} ({_first_line(exc)}); what MLflow has not "
                              "taken is kept in memory until it can", TrackingWarning, stacklevel=2)
            self._pending.extendleft(reversed(units))
            self._pending_points += sum(len(u[1]) for u in units if u[0] == "m")

    def _retry(self):
        """Try the store again with the first thing waiting (creating an offline run first)."""
        if self._offline:
            self._submit([], (), self._create)
            return
        if not self._replayed and self._others():
            self._replayed = True
            self._submit([], (), self._replay_others)
            return
        self._spool(everything=True, reach=False)
        units, acks = self._next()
        if units:
            self._submit(units, acks, self._send_fn(units))
        else:  # nothing waits: the store counts as back
            self._failing = False
            self._backoff = 1.0

    def _finish(self) -> bool:
        """On close: let calls in flight end, put whatever is left in memory on disk. True when done."""
        self._collect()
        deadline = time.monotonic() + float(os.environ.get("MLFLOW_HTTP_REQUEST_TIMEOUT", "15")) + 5
        while self._inflight and time.monotonic() < deadline:
            self._inflight[0].event.wait(0.1)
            self._reap()
        for job in self._inflight:  # stuck in a call: keep its units on disk, done if the call ends well
            if job.acks:
                continue
            seq = self._disk._seq + 1
            self._write(job.units)
            count = sum(spillfile.count_items(u) for u in job.units)
            job.late = lambda seqs=list(range(seq, self._disk._seq + 1)), n=count: self._late_done(seqs, n)
        self._inflight = []
        self._spool(everything=True)
        for unit in self._pending:
            if unit[0] == "marker":
                unit[1].set()
        return True

    def _late_done(self, seqs, items):
        with _lock_for(self.spill_path):
            self._disk.done(seqs, items)

    # -- earlier sessions' files ----------------------------------------------
    def _others(self):
        return [p for p in glob.glob(os.path.join(glob.escape(self.folder), SPILL_GLOB)) if p != self.spill_path]

    def _replay_others(self):
        for path in self._others():
            try:
                run_id, sent, skipped = replay(path, self.client, self.refused, allow=self._allowed)
            except signing.UntrustedFile as exc:
                warnings.warn(f"{_first_line(exc)}; it is not sent", TrackingWarning, stacklevel=2)
                continue
            self.sent += sent
            if skipped:
                warnings.warn(f"{path}: {len(skipped)} artifact(s) outside the run folder were not uploaded "
                              f"({skipped[0]!r}...); give their paths to `workbench sync --upload PATH`",
                              TrackingWarning, stacklevel=2)
        self._other_pending = sum(_pending_in(p) for p in self._others())

    def _allowed(self, path):
        return os.path.realpath(path) in self._own_artifacts

    # -- offline runs -----------------------------------------------------------
    def _create(self):
        """Create the offline run in MLflow (or learn its id, if ``workbench sync`` did) and log to it."""
        with _lock_for(self.spill_path):
            run_id = journal.ensure_created(self.client, self._disk.header, self.folder)
        record = journal.read_map(self.folder)
        provisional = self.run_id
        self.experiment_id = record and record.get("experiment_id")
        self._disk.header = {"run_id": run_id, "tracking_uri": self.tracking_uri}  # for files made from now on
        self.run_id = run_id
        self._offline = False
        log.warning("the MLflow tracking server at %s answers: the offline run %s is MLflow run %s",
                    self.tracking_uri, provisional, run_id)

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
        if not self._warned:
            self._warned = True
            warnings.warn(
                f"the MLflow tracking store at {self.tracking_uri} is not taking data ({_first_line(exc)}). "
                f"Training goes on: what is logged is kept in {self.spill_path} and sent when the "
                f"store is back, or by `workbench sync` (wb.tracking.sync()).", TrackingWarning, stacklevel=2)
        log.debug("tracking store failed", exc_info=exc)


def _pending_in(path):
    try:
        return spillfile.Spilled(path).pending_items
    except (OSError, ValueError):
        return 0


def pending(folder):
    """``(items, metric points, files)``: what waits in a run folder's spill files for ``workbench sync``."""
    items, points, files = 0, 0, []
    for path in sorted(glob.glob(os.path.join(glob.escape(folder), SPILL_GLOB))):
        try:
            spilled = spillfile.Spilled(path)
        except (OSError, ValueError):
            continue
        if spilled.pending_items:
            items, points = items + spilled.pending_items, points + spilled.pending_points
            files.append(path)
    return items, points, files


def _progress_bar(total):
    try:
        from tqdm.auto import tqdm  # optional: imported only when this is used
    except ImportError:
        return None
    return tqdm(total=total, desc="sending to MLflow", unit="item", unit_scale=True, leave=False,
                disable=None if not os.environ.get("CI") else True)


_live = weakref.WeakSet()


@atexit.register
def _flush_at_exit():
    # Daemon threads still run during atexit, so the senders can finish their work.
    for buffer in list(_live):
        buffer.close(None, timeout=EXIT_TIMEOUT_SECS)
