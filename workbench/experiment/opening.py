"""Opening a run: creating it in MLflow (or offline, journaled in its folder), claiming its
folder, or reopening one to resume (its params, steps, best values and folder)."""

from __future__ import annotations

import ast
import contextlib
import datetime
import getpass
import json
import os
import re
import subprocess
import sys
import time

from ..tracking import buffer as _buffer, journal, store

__all__ = ["RunOpening", "folder_name", "journaled", "now_stamp", "open_runs"]

open_runs = []  # open experiments, innermost last: the parent of nested=True


def now_stamp():
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



def _parse_param(text):
    """A param read back from MLflow (a string) as the Python literal it was, where it was one."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return text


class RunOpening:
    """How an :class:`~workbench.experiment.Experiment` opens its run (a mixin: the state it
    sets is the experiment's own)."""

    def _create(self, client):
        """Create the MLflow run; when a remote server cannot be reached, give the run a provisional
        id instead and return ``(create record, reason)`` for its journal (else None)."""
        parent = self._parent_run_id()
        self.run_name = self._claim_folder(self.run_name or f"{self.name}-{now_stamp()}")
        tags = {"mlflow.user": _user(), "mlflow.source.type": "LOCAL"}
        script = os.path.abspath(sys.argv[0]) if sys.argv and sys.argv[0] else ""
        if os.path.isfile(script):
            tags["mlflow.source.name"] = script
        tags.update({str(k): str(v) for k, v in self._tags_in.items()})
        create = {"experiment": self.name, "run_name": self.run_name, "tags": tags,
                  "start_time": int(time.time() * 1000), "parent": parent}
        folder = next((e.logdir for e in open_runs if parent in (e._run_id, e.run_id)), None)
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
                os.mkdir(os.path.join(self.root_logdir, folder_name(candidate)))
            except FileExistsError:
                n += 1
                candidate = f"{run_name}-{n}"
                continue
            self.logdir = os.path.join(self.root_logdir, folder_name(candidate))
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
        folder = os.path.basename(logdir_tag) if logdir_tag else folder_name(self.run_name)
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
        for item in journaled(folder):
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
        return [item[4] for item in journaled(self.logdir) if item[0] == "m"]


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
            if open_runs:
                return open_runs[-1].run_id
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


def journaled(folder):
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


def folder_name(run_name):
    """``run_name`` as one safe path component: separators and other odd characters become ``_``,
    no leading dot (so never ``..``), at most 150 characters."""
    name = re.sub(r"[^\w.\-]", "_", run_name).lstrip(".")[:150]
    return name or "run"

