"""``wb.Experiment``: one run in MLflow and in TensorBoard, under one name.

>>> import workbench as wb
>>> with wb.Experiment("digits", params={"lr": 0.1, "layers": 2}) as exp:     # doctest: +SKIP
...     manager = exp.checkpoint_manager(wb.Checkpoint(model=model, optimizer=opt))
...     for epoch in exp.progress(range(10), desc="epoch"):
...         for x, y in data:
...             loss = train_step(x, y)
...             exp.log_metric("loss", loss, step=int(opt.iterations))
...         exp.log_metrics({"val/loss": val_loss, "val/accuracy": val_acc})
...         manager.save()
>>> exp                                     # in Jupyter: the run's name, id and where to see it

Entering the block opens an MLflow run (a local SQLite store ``mlflow.db`` in
the working folder by default, or the server named by ``tracking_uri``,
``WORKBENCH_TRACKING_URI`` or ``MLFLOW_TRACKING_URI``) and a TensorBoard writer
in ``<logdir>/<run_name>``; the writer is also the default writer inside the
block, so plain ``wb.summary.scalar(...)`` calls land in the same run.
Params (with the git commit of the working folder), metrics (to both sinks),
system metrics (CPU, memory, GPU) and checkpoints are logged; at the end the
final and best value of every metric go to MLflow (``best_<metric>``) and to
TensorBoard's HParams dashboard. Metrics reach MLflow from a background thread
(:mod:`workbench.tracking`); if the store is away, nothing logged is lost.

``Experiment(resume=run_id)`` reopens a run: its params, its step counter, its
TensorBoard folder, and (through :meth:`Experiment.checkpoint_manager`) its
latest checkpoint.

When a remote tracking server cannot be reached as the run starts, the run
starts *offline* (one warning names the server and the journal file): it gets a
provisional id ``offline-<hex>``, and everything it logs is journaled in its
folder. The sender keeps trying; when the server answers, the MLflow run is
created, the journal replayed, and the run goes on online (:attr:`run_id` is
then MLflow's id). If the server never comes back during the run, ``workbench
sync`` creates the run and uploads everything later.
"""

from __future__ import annotations

import io

import ast
import atexit
import collections
import contextlib
import datetime
import getpass
import glob
import html
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import warnings

import numpy as np

from . import summary
from .checkpoint import INDEX_SUFFIX, STATE_FILE, CheckpointManager
from .summary.writer import _state as _summary_state
from .tracking import buffer as _buffer, best, journal, store
from .tracking.system import SystemMonitor

__all__ = ["Experiment", "active"]

SYSTEM_METRICS_INTERVAL = 10.0
UPLOAD_STAGING = ".mlflow-upload"  # snapshots of files waiting to be uploaded (see _TrackedCheckpointManager)
_METRIC_NAME = re.compile(r"^[\w./\- :]+$")  # what MLflow accepts in a metric name
_active = []  # open experiments, innermost last: the parent of nested=True


def active():
    """The innermost open ``Experiment`` (started and not yet ended), else None: what
    ``Model.fit`` and other library code log to without being handed a run."""
    return _active[-1] if _active else None


def _now_stamp():
    return datetime.datetime.now().strftime("%Y%m%d-%H%M%S")


def _user():
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # a container user with no passwd entry
        return "unknown"


def _git_commit(folder):
    """``(commit, dirty)`` of the git checkout holding ``folder``, or None outside one."""
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=folder, capture_output=True, text=True, timeout=5)
        if head.returncode != 0:
            return None
        status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=folder,
                                capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return head.stdout.strip(), bool(status.stdout.strip())


def _flatten(params, prefix=""):
    """Nested dicts as one level with dotted keys: ``{"opt": {"lr": 1}}`` -> ``{"opt.lr": 1}``."""
    out = {}
    for key, value in params.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            out.update(_flatten(value, name + "."))
        else:
            out[name] = value
    return out


def _hparam_value(value):
    """A value TensorBoard's HParams dashboard takes: bool, int, float or str."""
    if isinstance(value, np.generic):
        value = value.item()
    return value if isinstance(value, (bool, int, float, str)) else str(value)


def _parse_param(text):
    """A param read back from MLflow (a string) as the Python literal it was, where it was one."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return text


def _progress_enabled():
    """Bars are drawn in a terminal and in Jupyter, not under CI nor into a log file."""
    if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
        return False
    if "ipykernel" in sys.modules:
        return True
    isatty = getattr(sys.stdout, "isatty", None)
    return bool(isatty and isatty())


class _ScalarThread:
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


class _TrackedCheckpointManager(CheckpointManager):
    """A ``CheckpointManager`` whose saves are also logged as MLflow artifacts (``checkpoints/``).

    Every checkpoint saved reaches MLflow, also those that ``max_to_keep`` later
    deletes from the run folder, and ``checkpoints/checkpoint.json`` there is the
    state file of the last save sent. Uploads happen in the background (or at
    ``workbench sync``), after rotation may have run, so each save is first
    snapshotted: hard links (copies where links fail) of its files and of the
    state file in ``<run folder>/.mlflow-upload/<n>/``, deleted once uploaded.
    Checkpoint files are never rewritten in place (they are replaced), so a link
    keeps the content of the save.
    """

    def __init__(self, experiment, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._experiment = experiment

    def save(self, checkpoint_number=None, check_interval=True, options=None):
        prefix = super().save(checkpoint_number, check_interval, options)
        if prefix is not None:
            files = sorted(glob.glob(glob.escape(prefix) + ".*")) + [os.path.join(self.directory, STATE_FILE)]
            for path in self._snapshot(files):
                self._experiment._log_snapshot(path, "checkpoints")
        return prefix

    def _snapshot(self, files):
        staging = os.path.join(self._experiment.logdir, UPLOAD_STAGING)
        os.makedirs(staging, exist_ok=True)
        folder = tempfile.mkdtemp(prefix=f"{len(os.listdir(staging)):06d}-", dir=staging)
        copies = []
        for path in files:
            copy = os.path.join(folder, os.path.basename(path))
            try:
                os.link(path, copy)
            except OSError:  # a file system without hard links
                shutil.copy2(path, copy)
            copies.append(copy)
        return copies


class Experiment:
    """One training run, logged to MLflow and TensorBoard under one run name.

    Args:
      name: the MLflow experiment (created if missing; default ``"Default"``). After
        ``resume``, the run's own experiment (and its run name) are used instead.
      run_name: the run's name in both tools (default ``"<name>-<YYYYmmdd-HHMMSS>"``;
        ``-2``, ``-3``... is added if ``<logdir>/<run_name>`` is taken).
      params: dict logged as MLflow params (nested dicts with dotted keys) and
        TensorBoard hparams; the whole dict is also saved as ``params.json``.
      tracking_uri: the MLflow store (default ``WORKBENCH_TRACKING_URI``,
        ``MLFLOW_TRACKING_URI``, else ``sqlite:///mlflow.db`` in the working folder).
      logdir: root of the TensorBoard logs; this run writes to ``<logdir>/<run_name>``.
      resume: a run id to continue (its params, steps, folder, checkpoints): MLflow's,
        or the provisional ``offline-...`` id of a run that started offline (its
        folder is looked for under ``logdir``; it continues offline while the
        server is still away).
      tags: dict of MLflow tags.
      system_metrics: True (every 10 s), a number of seconds, or False.
      nested: True makes the run a child of the innermost open Experiment (or of
        ``WORKBENCH_PARENT_RUN_ID``); a run id string names the parent. A sweep
        sets ``WORKBENCH_PARENT_RUN_ID`` for its trial processes, whose runs then
        become children of the sweep's run (in its MLflow experiment).

    Attributes: ``run_id``, ``run_name``, ``experiment_id``, ``tracking_uri``,
    ``logdir`` (the run's folder ``<logdir>/<run_name>``), ``summary_writer``,
    ``params``, ``step``, ``offline``.

    If a remote server cannot be reached at :meth:`start`, the run starts
    offline (see :attr:`run_id`); a local store must be reachable.
    """

    def __init__(self, name=None, run_name=None, params=None, tracking_uri=None, logdir="runs", resume=None,
                 tags=None, system_metrics=True, nested=False):
        if name is not None and not isinstance(name, str):
            raise TypeError(f"Experiment: name must be a str, got {name!r}")
        for arg, value in (("params", params), ("tags", tags)):
            if value is not None and not isinstance(value, dict):
                raise TypeError(f"Experiment: {arg} must be a dict, got {type(value).__name__}")
        if system_metrics is True:
            interval = SYSTEM_METRICS_INTERVAL
        elif system_metrics is False or system_metrics is None:
            interval = None
        elif isinstance(system_metrics, (int, float)) and system_metrics > 0:
            interval = float(system_metrics)
        else:
            raise ValueError(f"Experiment: system_metrics must be True, False or seconds > 0, got {system_metrics!r}")
        self.name = name or "Default"
        self.run_name = run_name
        self.root_logdir = os.fspath(logdir)
        self._uri_source = store.uri_source(tracking_uri)
        self._uri = store.resolve_tracking_uri(tracking_uri)
        self._run_id = resume
        self.experiment_id = None
        self.logdir = None
        self.summary_writer = None
        self.restored_checkpoint = None
        self.status = "NEW"
        self._params_in = dict(params or {})
        self._tags_in = dict(tags or {})
        self._resume = resume
        self._nested = nested
        self._system_interval = interval
        self._params = {}        # name -> value as given
        self._logged = {}        # flattened name -> the string MLflow holds
        self._step = 0
        self._last = {}          # metric -> (value, step)
        self._best = {}          # metric -> (value, step)
        self._modes = {}         # metric -> "min" | "max"
        self._names_ok = set()
        self._buffer = None
        self._scalars = None
        self._monitor = None
        self._default = None

    # -- lifecycle -----------------------------------------------------------
    def __enter__(self):
        return self.start()

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            status = "FINISHED"
        else:
            status = "KILLED" if issubclass(exc_type, KeyboardInterrupt) else "FAILED"
        self.end(status)
        return False

    def start(self):
        """Open the MLflow run and the TensorBoard writer (``with exp:`` does this); returns ``self``."""
        if self._buffer is not None:
            raise RuntimeError(f"Experiment {self.run_name!r} is already started")
        if self.status != "NEW":
            raise RuntimeError(f"Experiment {self.run_name!r} has ended; resume it with "
                               f"wb.Experiment(resume={self.run_id!r})")
        client = store.client(self._uri)
        offline = self._reopen(client) if self._resume else self._create(client)
        try:
            # events reach the file at least every 5 s (TensorBoard shows the run live) and in chunks
            self.summary_writer = summary.create_file_writer(self.logdir, max_queue=1000, flush_millis=5000)
            self._scalars = _ScalarThread(self._write_scalars)
            create, reason = offline or (None, None)
            self._buffer = _buffer.RunBuffer(client, self._run_id, os.path.join(self.logdir, _buffer.SPILL_NAME),
                                             self._uri, create=create, offline_reason=reason)
            self._buffer.set_tags({"workbench.logdir": os.path.abspath(self.logdir)})
            if self._resume:
                self._buffer.set_tags({"workbench.resumed": _now_stamp()})
            else:
                self._log_source()
            self.log_params(self._params_in)
        except BaseException:  # e.g. a param that cannot change on resume: end the run as failed
            if self._buffer is not None:
                self._buffer.close("FAILED")
                self._buffer = None
            elif not journal.is_provisional(self._run_id):
                client.set_terminated(self._run_id, "FAILED")
            if self._scalars is not None:
                self._scalars.close()
            if self.summary_writer is not None:
                self.summary_writer.close()
            self.status = "FAILED"
            raise
        self._default = self.summary_writer.as_default()
        self._default.__enter__()
        if self._system_interval is not None:
            self._monitor = SystemMonitor(self._log_system, self._system_interval).start()
        _active.append(self)
        atexit.register(self._end_at_exit)
        self.status = "RUNNING"
        return self

    def _create(self, client):
        """Create the MLflow run; when a remote server cannot be reached, give the run a provisional
        id instead and return ``(create record, reason)`` for its journal (else None)."""
        parent = self._parent_run_id()
        self.run_name = self._claim_folder(self.run_name or f"{self.name}-{_now_stamp()}")
        tags = {"mlflow.user": _user(), "mlflow.source.type": "LOCAL"}
        script = os.path.abspath(sys.argv[0]) if sys.argv and sys.argv[0] else ""
        if os.path.isfile(script):
            tags["mlflow.source.name"] = script
        tags.update({str(k): str(v) for k, v in self._tags_in.items()})
        create = {"experiment": self.name, "run_name": self.run_name, "tags": tags,
                  "start_time": int(time.time() * 1000), "parent": parent}
        folder = next((e.logdir for e in _active if parent in (e._run_id, e.run_id)), None)
        if folder is not None:  # where an offline parent's journal is (else: beside this run's folder)
            create["parent_folder"] = os.path.abspath(folder)
        try:
            store.check_reachable(self._uri, source=self._uri_source)
            self._run_id, self.experiment_id = journal.create_run(client, create, root=self.root_logdir)
        except Exception as exc:
            if store.is_unavailable(self._uri, exc):
                self._run_id = journal.new_provisional_id()
                return create, exc
            self._release_folder()
            if isinstance(exc, LookupError):  # an offline parent whose journal is not here
                raise ValueError(f"Experiment: cannot nest under {parent}: {exc}") from None
            raise
        return None

    def _release_folder(self):
        with contextlib.suppress(OSError):
            os.rmdir(self.logdir)  # only while it is still empty

    def _claim_folder(self, run_name):
        """Take ``<logdir>/<folder>`` (made here, so two processes never share it), ``<folder>`` being
        the run name made one safe path component (:func:`_folder_name`); ``-2``, ``-3``... is added
        to both when taken. Returns the run's name (MLflow keeps it as given, suffix aside)."""
        if not isinstance(run_name, str) or not run_name.strip():
            raise ValueError(f"Experiment: run_name must be a non-empty str, got {run_name!r}")
        os.makedirs(self.root_logdir, exist_ok=True)
        candidate, n = run_name, 1
        while True:
            try:
                os.mkdir(os.path.join(self.root_logdir, _folder_name(candidate)))
            except FileExistsError:
                n += 1
                candidate = f"{run_name}-{n}"
                continue
            self.logdir = os.path.join(self.root_logdir, _folder_name(candidate))
            return candidate

    def _reopen(self, client):
        """Reopen the run to resume; returns ``(create record, reason)`` when it goes on offline, else None."""
        resume = self._resume
        if not isinstance(resume, str) or not resume:
            raise ValueError(f"Experiment(resume={resume!r}): expected a run id (MLflow's, a unique prefix of "
                             "it, or an offline run's 'offline-...' id)")
        if journal.is_provisional(resume):
            folder, header, record = journal.find(resume, self.root_logdir)
            if record is not None:
                resume = record["run_id"]
            elif header is None:
                raise ValueError(f"Experiment(resume={resume!r}): no offline run with this id under "
                                 f"{os.path.abspath(self.root_logdir)} (its folder holds {_buffer.SPILL_NAME})")
            else:
                try:
                    store.check_reachable(self._uri, source=self._uri_source)
                    resume = journal.resolve(client, resume, folder)
                except Exception as exc:
                    if not store.is_unavailable(self._uri, exc):
                        raise
                    return self._reopen_offline(folder, header, exc)
        store.check_reachable(self._uri, source=self._uri_source)
        exc_type = store.mlflow().exceptions.MlflowException
        if not journal.is_provisional(resume) and not re.fullmatch(r"[0-9a-f]{32}", resume):
            resume = self._by_prefix(client, resume)
        try:
            run = client.get_run(resume)
        except exc_type as exc:
            raise ValueError(f"Experiment(resume={self._resume!r}): no such run in {self.tracking_uri} "
                             f"({_buffer._first_line(exc)})") from None
        if run.info.lifecycle_stage == "deleted":
            raise ValueError(f"Experiment(resume={self._resume!r}): the run is deleted in {self.tracking_uri}")
        self._run_id, self.experiment_id = run.info.run_id, run.info.experiment_id
        self.name = client.get_experiment(run.info.experiment_id).name
        self.run_name = run.info.run_name
        logdir_tag = run.data.tags.get("workbench.logdir")
        folder = os.path.basename(logdir_tag) if logdir_tag else _folder_name(self.run_name)
        self.logdir = os.path.join(self.root_logdir, folder)
        os.makedirs(self.logdir, exist_ok=True)
        client.update_run(run.info.run_id, status="RUNNING")
        metrics = [(m.key, m.value, m.step) for m in getattr(run.data, "_metric_objs", [])]
        step = int(run.data.tags.get("workbench.step", 0))
        self._absorb(run.data.params, metrics, [step] + self._waiting_steps())
        return None

    def _by_prefix(self, client, prefix):
        """MLflow's id of the one run whose id starts with ``prefix`` (as ``workbench runs`` prints them)."""
        if not re.fullmatch(r"[0-9a-f]{1,31}", prefix):
            raise ValueError(f"Experiment(resume={prefix!r}): expected a run id (32 hex digits), a unique prefix "
                             "of one (as `workbench runs` prints), or an offline run's 'offline-...' id")
        view = store.mlflow().entities.ViewType.ACTIVE_ONLY
        experiments = [e.experiment_id for e in client.search_experiments(view_type=view)]
        found, token = [], None
        while True:
            page = client.search_runs(experiments, run_view_type=view, max_results=5000, page_token=token)
            found += [r.info.run_id for r in page if r.info.run_id.startswith(prefix)]
            token = page.token
            if not token or len(found) > 1:
                break
        if not found:
            raise ValueError(f"Experiment(resume={prefix!r}): no run id in {self.tracking_uri} starts with {prefix!r}")
        if len(found) > 1:
            raise ValueError(f"Experiment(resume={prefix!r}): the prefix is ambiguous in {self.tracking_uri}: "
                             f"{', '.join(found[:5])} ... start with it; give more of the id")
        return found[0]

    def _absorb(self, params, metrics, steps):
        """Take up a resumed run's logged ``params``, its ``metrics`` (key, value, step) and the
        ``steps`` it reached; the params saved with their types in params.json win."""
        self._logged = dict(params)
        saved = os.path.join(self.logdir, "params.json")
        if os.path.exists(saved):
            with open(saved, encoding="utf-8") as f:
                self._params = json.load(f)
        else:
            self._params = {k: _parse_param(v) for k, v in params.items()}
        for key, value, step in metrics:
            if key.startswith("best_"):
                self._best[key[5:]] = (value, step)
            elif not key.startswith("system/"):
                self._last[key] = (value, step)
        self._step = max([0] + list(steps) + [step for _, _, step in metrics])

    def _reopen_offline(self, folder, header, reason):
        """Resume a run that has never reached MLflow, from its folder: params, steps and metrics
        as journaled. Returns ``(create record, reason)``."""
        create = header.get("create") or {}
        self._run_id = header["run_id"]
        self.name = create.get("experiment") or self.name
        self.run_name = create.get("run_name") or os.path.basename(folder)
        self.logdir = folder
        params, metrics, steps = {}, [], []
        for item in _journaled(folder):
            if item[0] == "p":
                params[item[1]] = item[2]
            elif item[0] == "m":
                metrics.append((item[1], item[2], item[4]))
            elif item[0] == "t" and item[1] == "workbench.step":
                steps.append(int(item[2]))
        self._absorb(params, metrics, steps)
        return create, reason

    def _waiting_steps(self):
        """The steps of metrics still waiting on disk to reach MLflow."""
        return [item[4] for item in _journaled(self.logdir) if item[0] == "m"]

    @property
    def run_id(self):
        """The run's id. A run that started offline has a provisional id ``offline-<hex>`` until it
        is created in MLflow (by the background sender once the server answers, or later by
        ``workbench sync``, whose id this then returns once it has run); MLflow's id from then on.
        ``Experiment(resume=...)``, ``workbench sync RUN`` and ``WORKBENCH_PARENT_RUN_ID`` take either."""
        if journal.is_provisional(self._run_id):
            self._learn_run_id()
        return self._run_id

    @property
    def offline(self) -> bool:
        """True while the run exists only in its folder (started offline, not yet created in MLflow)."""
        return journal.is_provisional(self.run_id)

    def _learn_run_id(self):
        buffer = self._buffer
        if buffer is not None:
            if not buffer.offline:
                self._run_id, self.experiment_id = buffer.run_id, buffer.experiment_id
        elif self.logdir is not None:
            record = journal.read_map(self.logdir)
            if record is not None and record.get("provisional_id") == self._run_id:
                self._run_id, self.experiment_id = record["run_id"], record.get("experiment_id")

    def _parent_run_id(self):
        if isinstance(self._nested, str):
            return self._nested
        if self._nested:
            if _active:
                return _active[-1].run_id
            parent = os.environ.get("WORKBENCH_PARENT_RUN_ID")
            if not parent:
                raise ValueError("Experiment(nested=True): no open Experiment to nest in (open the parent "
                                 "first, or set WORKBENCH_PARENT_RUN_ID, or pass the parent's run id)")
            return parent
        return os.environ.get("WORKBENCH_PARENT_RUN_ID") or None

    def _log_source(self):
        git = _git_commit(os.getcwd())
        if git is not None:
            commit, dirty = git
            self._params_in.setdefault("git_commit", commit)
            self._buffer.set_tags({"mlflow.source.git.commit": commit, "workbench.git_dirty": str(dirty).lower()})

    def end(self, status="FINISHED"):
        """Close the run (``with`` does this): final and best metrics, flush both sinks, end the MLflow run.

        ``status`` is ``"FINISHED"``, ``"FAILED"`` or ``"KILLED"``. What could not
        reach MLflow stays in the run folder for ``workbench sync``, with a warning.
        """
        if self._buffer is None:
            return
        atexit.unregister(self._end_at_exit)
        try:
            if self._monitor is not None:
                self._monitor.stop()
            self._log_final()
            self._scalars.close()
            self._default.__exit__(None, None, None)
            self.summary_writer.close()
            for path in sorted(glob.glob(os.path.join(glob.escape(self.logdir), "events.out.tfevents.*"))):
                self._buffer.log_artifact(path, "tensorboard")
            params_file = os.path.join(self.logdir, "params.json")
            if os.path.exists(params_file):
                self._buffer.log_artifact(params_file)
            self._buffer.set_tags({"workbench.step": self._step})
        finally:  # whatever failed above, the MLflow run is ended and what was logged is kept
            buffer = self._buffer
            unsent = buffer.close(status)
            refused = buffer.refused.count
            if journal.is_provisional(self._run_id):
                self._learn_run_id()
            self._buffer = None
            if self in _active:
                _active.remove(self)
            self.status = status
        if buffer.offline:
            items, points, files = _buffer.pending(self.logdir)
            warnings.warn(f"Experiment {self.run_name!r} stays offline as {self._run_id}: its {items} item(s) "
                          f"({points} metric point(s)) wait in {', '.join(files)}; `workbench sync {self.logdir}` "
                          "(wb.tracking.sync()) creates the run in MLflow and sends them.",
                          _buffer.TrackingWarning, stacklevel=3)
        elif unsent:
            items, points, files = _buffer.pending(self.logdir)
            warnings.warn(f"Experiment {self.run_name!r}: {items} item(s) ({points} metric point(s)) could not be "
                          f"sent to MLflow at {self.tracking_uri}; they wait in {', '.join(files)} and are sent by "
                          f"`workbench sync {self.logdir}` (wb.tracking.sync()) once it is reachable.",
                          _buffer.TrackingWarning, stacklevel=3)
        if refused:
            warnings.warn(f"Experiment {self.run_name!r}: MLflow refused {refused} item(s); they are kept in "
                          f"{os.path.join(self.logdir, 'mlflow-refused.jsonl')}", _buffer.TrackingWarning, stacklevel=3)

    def _end_at_exit(self):
        self.end("FINISHED")

    def _log_final(self):
        """``best_<metric>`` to MLflow and TensorBoard, and the params with final metrics to HParams."""
        for key, (value, step) in sorted(self._best.items()):
            self._buffer.log_metric(f"best_{key}", value, step)
            self._scalars.add(f"best_{key}", value, self._step)
        hparams = {k: _hparam_value(v) for k, v in _flatten(self._params).items()}
        if hparams:
            self._tb(summary.hparams.hparams, hparams, trial_id=self.run_name)

    # -- params and tags -----------------------------------------------------
    @property
    def params(self) -> dict:
        """The run's params (after ``resume``: those it was started with, plus any added)."""
        return dict(self._params)

    def log_params(self, params):
        """Log params: MLflow params (strings; nested dicts get dotted keys) and, at the end, HParams.

        A param keeps its first value: giving another raises ValueError (log a
        metric or a tag for values that change).
        """
        self._check_open("log_params")
        if not isinstance(params, dict):
            raise TypeError(f"log_params: expected a dict, got {type(params).__name__}")
        flat = {str(k): str(v) for k, v in _flatten(params).items()}
        limit = store.mlflow().utils.validation.MAX_PARAM_VAL_LENGTH
        for key, text in flat.items():
            old = self._logged.get(key)
            if old is not None and old != text:
                raise ValueError(f"log_params: param {key!r} is already {old!r} in run {self.run_id}; MLflow "
                                 f"params cannot change (got {text!r}); log it as a metric or a tag instead")
            if len(text) > limit:
                raise ValueError(f"log_params: the value of {key!r} has {len(text)} characters; MLflow "
                                 f"keeps at most {limit} (save it with log_artifact instead)")
        new = {k: v for k, v in flat.items() if k not in self._logged}
        self._logged.update(new)
        self._params.update(params)
        if new:
            self._buffer.log_params(new)
        with open(os.path.join(self.logdir, "params.json"), "w", encoding="utf-8") as f:
            json.dump(self._params, f, indent=1, default=str)

    def set_tags(self, tags):
        """Set MLflow tags on the run (a tag may change; the last value stays)."""
        self._check_open("set_tags")
        self._buffer.set_tags(tags)

    # -- metrics -------------------------------------------------------------
    @property
    def step(self) -> int:
        """The largest step logged so far (after ``resume``: continues from the run's)."""
        return self._step

    @step.setter
    def step(self, value):
        self._step = int(value)

    def log_metric(self, key, value, step=None):
        """Log one value to MLflow and TensorBoard at ``step`` (default: :attr:`step`).

        Queues the value; the training loop never waits for MLflow.
        ``value`` is a number or a scalar Tensor/array.
        """
        buffer = self._check_open("log_metric")
        if key not in self._names_ok:
            self._check_name(key)
        if step is None:
            step = self._step
        else:
            step = int(step)
            if step > self._step:
                self._step = step
        value = _number(key, value)
        buffer.log_metric(key, value, step)
        self._scalars.add(key, value, step)
        self._last[key] = (value, step)
        if value == value:  # NaN is never the best
            best = self._best.get(key)
            if best is None or (value > best[0] if self._mode(key) == "max" else value < best[0]):
                self._best[key] = (value, step)

    def log_metrics(self, metrics, step=None):
        """Log several metrics at one step: ``exp.log_metrics({"loss": l, "acc": a}, step=s)``."""
        if not isinstance(metrics, dict):
            raise TypeError(f"log_metrics: expected a dict of name -> value, got {type(metrics).__name__}")
        for key, value in metrics.items():
            self.log_metric(key, value, step)

    def set_best_mode(self, key, mode):
        """Whether ``best_<key>`` is the ``"min"`` or ``"max"`` value. By default names with
        acc, auc, precision, recall, f1, score, reward, return... are maximized, others minimized."""
        if mode not in ("min", "max"):
            raise ValueError(f"set_best_mode: mode must be 'min' or 'max', got {mode!r}")
        self._modes[key] = mode

    def _mode(self, key):
        mode = self._modes.get(key)
        if mode is None:
            mode = self._modes[key] = best.mode(key)
        return mode

    def _check_name(self, key):
        if not isinstance(key, str) or not _METRIC_NAME.match(key) or ".." in key or key.startswith("/"):
            raise ValueError(f"log_metric: {key!r} is not a valid metric name: use letters, digits and "
                             "_ - . / : or spaces (MLflow's rule), not starting with '/'")
        self._names_ok.add(key)

    @property
    def metrics(self) -> dict:
        """The last value logged for each metric: ``{name: value}``."""
        return {k: v for k, (v, _) in self._last.items()}

    @property
    def best_metrics(self) -> dict:
        """The best value of each metric so far: ``{name: value}`` (see :meth:`set_best_mode`)."""
        return {k: v for k, (v, _) in self._best.items()}

    def _log_system(self, metrics):
        buffer, step = self._buffer, self._step
        if buffer is None:
            return
        for key, value in metrics.items():
            buffer.log_metric(key, value, step)
            self._scalars.add(key, value, step)

    def _write_scalars(self, items):
        """Write ``(name, value, step)`` scalars to the run's writer (on the scalar thread)."""
        with self._writing():
            for key, value, step in items:
                summary.scalar(key, value, step=step)

    @contextlib.contextmanager
    def _writing(self):
        """This run's writer as the default of the calling thread, whatever the caller set."""
        state = _summary_state
        saved = state.writer, state.condition
        state.writer, state.condition = self.summary_writer, True
        try:
            yield
        finally:
            state.writer, state.condition = saved

    def _tb(self, fn, *args, **kwargs):
        """Call a ``wb.summary`` function with this run's writer as the default."""
        with self._writing():
            return fn(*args, **kwargs)

    # -- TensorBoard-only data -----------------------------------------------
    def log_histogram(self, name, values, step=None, buckets=None):
        """A histogram of ``values`` (any shape) in TensorBoard."""
        self._check_open("log_histogram")
        self._tb(summary.histogram, name, values, step=self._step if step is None else int(step), buckets=buckets)

    def log_image(self, name, images, step=None, max_outputs=3, artifact=False):
        """Images ``[k, h, w, c]`` (or one image ``[h, w]`` / ``[h, w, c]``), uint8 or floats in [0, 1].

        ``artifact=True`` also saves them as PNG files logged to MLflow under ``images/``.
        """
        self._check_open("log_image")
        step = self._step if step is None else int(step)
        array = summary.ops.to_numpy(images)
        if array.ndim == 2:
            array = array[None, :, :, None]
        elif array.ndim == 3 and array.shape[-1] in (1, 2, 3, 4):
            array = array[None]
        self._tb(summary.image, name, array, step=step, max_outputs=max_outputs)
        if artifact:
            folder = os.path.join(self.logdir, "images")
            os.makedirs(folder, exist_ok=True)
            safe = _safe_name(name)
            for i, image in enumerate(summary.ops._to_uint8("log_image", name, array[:max_outputs])):
                path = os.path.join(folder, f"{safe}-step{step}-{i}.png")
                with open(path, "wb") as f:
                    f.write(summary.ops._png(np.ascontiguousarray(image)))
                self.log_artifact(path, "images")

    def log_figure(self, name, figure, step=None):
        """A matplotlib figure: as an image in TensorBoard and a PNG artifact under ``figures/``."""

        from PIL import Image  # optional: imported only when this is used
        self._check_open("log_figure")
        step = self._step if step is None else int(step)
        folder = os.path.join(self.logdir, "figures")
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, f"{_safe_name(name)}-step{step}.png")
        buf = io.BytesIO()
        figure.savefig(buf, format="png")
        with open(path, "wb") as f:
            f.write(buf.getvalue())
        image = np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGBA"))
        self._tb(summary.image, name, image[None], step=step)
        self.log_artifact(path, "figures")

    def log_text(self, name, text, step=None):
        """Markdown text in TensorBoard."""
        self._check_open("log_text")
        self._tb(summary.text, name, text, step=self._step if step is None else int(step))

    def log_artifact(self, path, artifact_path=None):
        """Upload a file or folder to the run's MLflow artifacts (in the background; read when sent)."""
        buffer = self._check_open("log_artifact")
        if not os.path.exists(path):
            raise FileNotFoundError(f"log_artifact: no file or folder {os.fspath(path)!r}")
        if artifact_path is not None and (not isinstance(artifact_path, str) or artifact_path.startswith("/")
                                          or ".." in artifact_path.replace("\\", "/").split("/")):
            raise ValueError(f"log_artifact: artifact_path must be a relative folder inside the run's artifacts "
                             f"(no '..', not absolute), got {artifact_path!r}")
        buffer.log_artifact(path, artifact_path)

    def _log_snapshot(self, path, artifact_path):
        """Upload ``path``, a copy made for this upload, and delete it once sent."""
        self._check_open("log_artifact").log_artifact(path, artifact_path, snapshot=True)

    def flush(self, timeout=None) -> bool:
        """Write TensorBoard events and wait until MLflow has everything; False if some waits on disk."""
        buffer = self._check_open("flush")
        self._scalars.flush()
        self.summary_writer.flush()
        return buffer.flush(timeout)

    # -- checkpoints and progress --------------------------------------------
    def checkpoint_manager(self, checkpoint, max_to_keep=3, **kwargs):
        """A ``wb.CheckpointManager`` saving to ``<logdir>/<run_name>/checkpoints``, each save
        also logged as MLflow artifacts under ``checkpoints/``: MLflow gets every checkpoint
        saved (``max_to_keep`` applies to the run folder only) and the state file of the last.

        The latest checkpoint is restored at once (``restore_or_initialize``): after
        ``resume`` training continues from it. Its prefix is in :attr:`restored_checkpoint`.
        When the run folder has no checkpoints (resumed on another machine), they are
        downloaded from the run's artifacts first. Other keyword arguments go to
        ``CheckpointManager``.
        """
        self._check_open("checkpoint_manager")
        directory = os.path.join(self.logdir, "checkpoints")
        if self._resume and not glob.glob(os.path.join(glob.escape(directory), "*" + INDEX_SUFFIX)):
            self._download_checkpoints()
        manager = _TrackedCheckpointManager(self, checkpoint, directory, max_to_keep, **kwargs)
        self.restored_checkpoint = manager.restore_or_initialize()
        return manager

    def _download_checkpoints(self):
        try:
            store.client(self._uri).download_artifacts(self.run_id, "checkpoints", self.logdir)
        except Exception as exc:  # nothing uploaded yet, or the store is away: start from scratch
            warnings.warn(f"Experiment {self.run_name!r}: no checkpoints to restore from MLflow "
                          f"({_buffer._first_line(exc)})", _buffer.TrackingWarning, stacklevel=3)

    def progress(self, iterable=None, desc=None, total=None, **kwargs):
        """``iterable`` wrapped in a ``tqdm.auto`` progress bar; a plain iterable under ``CI``,
        when stdout is not a terminal (outside Jupyter), or without tqdm."""
        if not _progress_enabled():
            return iterable if iterable is not None else range(total or 0)
        try:
            from tqdm.auto import tqdm  # optional: imported only when this is used
        except ImportError:
            return iterable if iterable is not None else range(total or 0)
        return tqdm(iterable, desc=desc, total=total, **kwargs)

    # -- display -------------------------------------------------------------
    def _check_open(self, what):
        if self._buffer is None:
            state = "has ended" if self.status != "NEW" else "is not started"
            raise RuntimeError(f"Experiment.{what}: the experiment {state}; use it inside `with exp:` "
                               "(or between exp.start() and exp.end())")
        return self._buffer

    def _links(self):
        url = store.run_url(self._uri, self.experiment_id, self.run_id) \
            if self.run_id and not self.offline else None
        if url is None and self._uri.startswith("sqlite:"):
            mlflow_ui = f"mlflow ui --backend-store-uri {self.tracking_uri}"
        else:
            mlflow_ui = url or self.tracking_uri  # an offline run: no page yet
        tensorboard = f"tensorboard --logdir {os.path.abspath(self.root_logdir)}"
        return url, mlflow_ui, tensorboard

    @property
    def tracking_uri(self) -> str:
        """The MLflow store's URI, without a password (an HTTP server's credentials travel in
        ``MLFLOW_TRACKING_USERNAME`` / ``MLFLOW_TRACKING_PASSWORD``; others show ``***``)."""
        return store.display_uri(self._uri)

    def __repr__(self):
        return (f"<Experiment {self.name!r} run={self.run_name!r} id={self.run_id} status={self.status} "
                f"step={self._step} logdir={self.logdir!r} tracking_uri={self.tracking_uri!r}>")

    def _repr_html_(self):
        url, mlflow_ui, tensorboard = self._links()
        esc = html.escape
        mlflow_cell = (f'<a href="{esc(url)}" target="_blank">{esc(url)}</a>' if url
                       else f"<code>{esc(mlflow_ui)}</code>")
        rows = [("experiment", esc(self.name)), ("run", f"<b>{esc(str(self.run_name))}</b>"),
                ("run id", f"<code>{esc(str(self.run_id))}</code>"), ("status", esc(self.status)),
                ("step", str(self._step)),
                ("TensorBoard", f"<code>{esc(str(self.logdir and os.path.abspath(self.logdir)))}</code><br>"
                                f"<code>{esc(tensorboard)}</code>"),
                ("MLflow", mlflow_cell)]
        last = sorted(self._last.items())[:8]
        if last:
            rows.append(("metrics", ", ".join(f"{esc(k)} = {_fmt(v)}" for k, (v, _) in last)))
        body = "".join(f"<tr><th style='text-align:left'>{k}</th><td style='text-align:left'>{v}</td></tr>"
                       for k, v in rows)
        return f"<table>{body}</table>"


def _journaled(folder):
    """The items waiting in a run folder's spill files, oldest file first: ``("m", key, value,
    timestamp, step)``, ``("p", key, value)``, ``("t", key, value)``."""
    items = []
    for path in sorted(_buffer.spill_files(folder), key=os.path.getmtime):
        try:
            units = _buffer.spillfile.read(path)[1]
        except (OSError, ValueError):
            continue
        for unit in units:
            if unit[0] in ("m", "p", "t"):
                items += [(unit[0], *row) for row in unit[1]]
    return items


def _folder_name(run_name):
    """``run_name`` as one safe path component: separators and other odd characters become ``_``,
    no leading dot (so never ``..``), at most 150 characters."""
    name = re.sub(r"[^\w.\-]", "_", run_name).lstrip(".")[:150]
    return name or "run"


def _number(key, value):
    """``value`` as a float, or a TypeError naming the metric."""
    if type(value) is float:
        return value
    try:
        if isinstance(value, (str, bytes)):
            raise TypeError
        return float(value)
    except (TypeError, ValueError):
        raise TypeError(f"log_metric: the value of {key!r} must be a number or a scalar tensor, "
                        f"got {type(value).__name__} {value!r:.60}") from None


def _safe_name(name):
    """``name`` usable as a file name."""
    return re.sub(r"[^\w.-]", "_", name)


def _fmt(value):
    return "nan" if math.isnan(value) else f"{value:.6g}"
