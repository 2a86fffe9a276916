"""Runs started while the tracking server was away: provisional ids, and creating the run later.

MLflow assigns run ids, so a run that starts while its server cannot be
reached has none. :class:`wb.Experiment <workbench.experiment.Experiment>`
then gives it a *provisional id* ``offline-<32 hex digits>`` and writes
everything creating the run needs into the header of its spill file (the
*journal*, see :mod:`workbench.tracking.buffer`)::

    {"run_id": "offline-3f2a...", "tracking_uri": "http://...",
     "create": {"experiment": "digits", "run_name": "digits-20250101-120000",
                "tags": {...}, "start_time": 1735732800000, "parent": null}}

Whoever reaches the server first (the run's own sender thread when the server
comes back, or ``workbench sync`` later) creates the MLflow run from that
record, in the experiment named there (created if missing) or beside its
parent run, and writes ``mlflow-run.json`` into the run's folder::

    {"provisional_id": "offline-3f2a...", "run_id": "<MLflow's id>", "experiment_id": "1", ...}

Later replays read the id from that file. The run is also tagged
``workbench.provisional_id``: a process that died between creating the run and
writing the file finds the run by that tag instead of creating it twice.

``parent`` may itself be provisional (a sweep whose parent run started
offline): the parent is then created first, from its own journal, looked for
in ``parent_folder`` when the record names it, else in the run folders beside
this one (a sweep's trials and its parent share one log folder).
"""

from __future__ import annotations

import collections
import contextlib
import glob
import json
import os
import threading
import time
import uuid

from . import signing, spillfile, store

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None

__all__ = ["PROVISIONAL_PREFIX", "RUN_MAP", "PROVISIONAL_TAG", "new_provisional_id", "is_provisional",
           "read_map", "ensure_created", "create_run", "resolve", "find", "owner_lock", "is_live"]

PROVISIONAL_PREFIX = "offline-"
RUN_MAP = "mlflow-run.json"
PROVISIONAL_TAG = "workbench.provisional_id"
LOCK_NAME = ".mlflow-unsent.lock"
OWNER_LOCK_NAME = ".mlflow-sender.lock"
SPILL_GLOB = spillfile.SPILL_GLOB


def new_provisional_id() -> str:
    """A fresh provisional run id: ``offline-`` and 32 hex digits."""
    return PROVISIONAL_PREFIX + uuid.uuid4().hex


def is_provisional(run_id) -> bool:
    return isinstance(run_id, str) and run_id.startswith(PROVISIONAL_PREFIX)


# -- locking a run folder -------------------------------------------------------
_path_locks = collections.defaultdict(threading.Lock)
_path_locks_guard = threading.Lock()


@contextlib.contextmanager
def lock_for(path):
    """Hold ``path`` against other threads, and its folder's spill files against other processes
    (a training run appending while ``workbench sync`` replays; a lock file that is never deleted).

    Not re-entrant: code holding it for one file of a folder must not take it for another.
    """
    with _path_locks_guard:
        thread_lock = _path_locks[os.path.abspath(path)]
    with thread_lock:
        if fcntl is None:  # Windows: threads only
            yield
            return
        folder = os.path.dirname(os.path.abspath(path))
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, LOCK_NAME), "a") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)


class owner_lock:
    """Held by a run's live sender for as long as it runs: ``workbench sync`` leaves the folder's
    spill files to it (two senders would send the same records)."""

    def __init__(self, folder):
        self._file = None
        if fcntl is None:
            return
        os.makedirs(folder, exist_ok=True)
        self._file = open(os.path.join(folder, OWNER_LOCK_NAME), "a")
        try:
            fcntl.flock(self._file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # another sender holds it (a resumed run still open elsewhere): share the folder
            self._file.close()
            self._file = None

    def release(self):
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None


def is_live(folder) -> bool:
    """True while a run's sender is working on ``folder`` (in this process or another)."""
    if fcntl is None or not os.path.exists(os.path.join(folder, OWNER_LOCK_NAME)):
        return False
    with open(os.path.join(folder, OWNER_LOCK_NAME), "a") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return True
        fcntl.flock(f, fcntl.LOCK_UN)
        return False


# -- the map file ---------------------------------------------------------------
def read_map(folder):
    """The ``mlflow-run.json`` record of a run folder, or None when the run was never offline-created
    (or the file is not signed by the folder's secret)."""
    try:
        with open(os.path.join(folder, RUN_MAP), encoding="utf-8") as f:
            record = signing.verify_record(signing.run_key(folder), json.load(f))
    except (OSError, ValueError):
        return None
    return record if "run_id" in record else None


def _write_map(folder, record):
    key = signing.run_key(folder, record["provisional_id"])
    signing.write_private(os.path.join(folder, RUN_MAP), json.dumps(signing.sign_record(key, record), indent=1))


# -- creating the run -----------------------------------------------------------
def create_run(client, create, provisional_id=None, root=None):
    """Create the MLflow run described by the ``create`` record; returns ``(run_id, experiment_id)``.

    With ``provisional_id``, the run is tagged with it, and a run that already
    carries the tag (created by an earlier attempt) is returned instead.
    ``root``: where a provisional parent's folder is looked for.
    """
    tags = {str(k): str(v) for k, v in (create.get("tags") or {}).items()}
    parent = create.get("parent")
    if parent:
        parent = resolve(client, parent, create.get("parent_folder") or root)
        experiment = client.get_run(parent).info.experiment_id  # children live beside their parent
        tags["mlflow.parentRunId"] = parent
    else:
        experiment = store.experiment_id(client, create.get("experiment") or "Default")
    if provisional_id is not None:
        tags[PROVISIONAL_TAG] = provisional_id
        found = client.search_runs([experiment], filter_string=f"tags.`{PROVISIONAL_TAG}` = '{provisional_id}'",
                                   run_view_type=store.mlflow().entities.ViewType.ALL, max_results=1)
        if found:
            return found[0].info.run_id, experiment
    run = client.create_run(experiment, start_time=create.get("start_time"), tags=tags,
                            run_name=create.get("run_name"))
    return run.info.run_id, experiment


def ensure_created(client, header, folder, root=None) -> str:
    """MLflow's id for the run a spill file's ``header`` names, creating the run when it was
    started offline and nobody has created it yet.

    The caller holds :func:`lock_for` on a file of ``folder`` (the journal's folder).
    """
    run_id = header["run_id"]
    if not is_provisional(run_id):
        return run_id
    record = read_map(folder)
    if record is not None and record.get("provisional_id") == run_id:
        return record["run_id"]
    create = header.get("create")
    if not isinstance(create, dict):
        raise ValueError(f"the journal in {folder} names the offline run {run_id} but not how to create it "
                         "(no 'create' record in its header)")
    real, experiment = create_run(client, create, run_id, root or os.path.dirname(os.path.abspath(folder)))
    _write_map(folder, {"provisional_id": run_id, "run_id": real, "experiment_id": experiment,
                        "tracking_uri": store.display_uri(header.get("tracking_uri") or ""),
                        "created": int(time.time() * 1000)})
    return real


def find(run_id, root):
    """Where the offline run ``run_id`` keeps its folder under ``root``: ``(folder, header, record)``.

    ``header`` is its journal's header (None once everything was sent), ``record``
    its ``mlflow-run.json`` (None until the run is created). ``(None, None, None)``
    when no folder under ``root`` belongs to it.
    """
    root = os.fspath(root)
    for path in glob.glob(os.path.join(glob.escape(root), "**", RUN_MAP), recursive=True):
        folder = os.path.dirname(path)
        record = read_map(folder)
        if record is not None and record.get("provisional_id") == run_id:
            return folder, _journal_header(folder, run_id), record
    for path in glob.glob(os.path.join(glob.escape(root), "**", SPILL_GLOB), recursive=True):
        header = read_header(path)
        if header is not None and header.get("run_id") == run_id:
            return os.path.dirname(path), header, None
    return None, None, None


def resolve(client, run_id, root) -> str:
    """MLflow's id for ``run_id``: itself when it is one, else the offline run's, created from its
    journal under ``root`` when nobody has created it yet."""
    if not is_provisional(run_id):
        return run_id
    folder, header, record = find(run_id, root) if root else (None, None, None)
    if record is not None:
        return record["run_id"]
    if header is None:
        raise LookupError(f"the offline run {run_id} has no journal under {os.path.abspath(root or '.')}, "
                          "so it cannot be created in MLflow (run `workbench sync` on the folder that holds it)")
    journal = sorted(glob.glob(os.path.join(glob.escape(folder), SPILL_GLOB)))[0]
    with lock_for(journal):
        return ensure_created(client, header, folder, root)


def _journal_header(folder, run_id):
    for path in glob.glob(os.path.join(glob.escape(folder), SPILL_GLOB)):
        header = read_header(path)
        if header is not None and header.get("run_id") == run_id:
            return header
    return None


def read_header(path):
    """The first line of a spill file (its run's header), or None when it is not signed by its folder's secret."""
    try:
        key = signing.run_key(os.path.dirname(os.path.abspath(path)))
        with open(path, encoding="utf-8") as f:
            value = json.loads(signing.verify(key, f.readline()))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None
