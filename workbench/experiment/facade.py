"""``wb.Experiment``, the facade: one run logged to its sinks (MLflow through
:class:`~workbench.tracking.RunBuffer`, TensorBoard through
:class:`~workbench.experiment.tensorboard.TensorBoardSink`), each with its own queue."""

from __future__ import annotations

import atexit
import glob
import html
import io
import json
import math
import os
import re
import shutil
import sys
import warnings

import numpy as np

from .. import summary
from ..checkpoint import INDEX_SUFFIX
from ..distribute.launch import process_rank
from ..distribute.strategy import broadcast_from_chief
from ..tracking import buffer as _buffer, best, journal, store
from ..tracking.system import SystemMonitor
from .checkpoints import TrackedCheckpointManager
from .opening import RunOpening, now_stamp, open_runs
from .tensorboard import TensorBoardSink
from .worker import WorkerExperiment

__all__ = ["Experiment", "active"]

SYSTEM_METRICS_INTERVAL = 10.0
_ONNX_NUMPY = {1: "float32", 2: "uint8", 3: "int8", 5: "int16", 6: "int32", 7: "int64", 9: "bool",
               10: "float16", 11: "float64"}  # ONNX TensorProto element types MLflow's schema takes
_METRIC_NAME = re.compile(r"^[\w./\- :]+$")  # what MLflow accepts in a metric name


def active():
    """The innermost open ``Experiment`` (started and not yet ended), else None: what
    ``Model.fit`` and other library code log to without being handed a run."""
    return open_runs[-1] if open_runs else None


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



def _progress_enabled():
    """Bars are drawn in a terminal and in Jupyter, not under CI nor into a log file."""
    if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
        return False
    if "ipykernel" in sys.modules:
        return True
    isatty = getattr(sys.stdout, "isatty", None)
    return bool(isatty and isatty())



class Experiment(RunOpening):
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

    In a job of several processes (``workbench run --nproc``, ``mpiexec``, ``srun``) rank 0
    opens the run; the other ranks get a :class:`WorkerExperiment`, which writes nothing.
    """

    def __new__(cls, *args, **kwargs):
        if cls is Experiment and process_rank() > 0:
            return WorkerExperiment(*args, **kwargs)
        return super().__new__(cls)

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
        self._buffer = None       # the MLflow sink (its queue, its sender threads)
        self._tensorboard = None  # the TensorBoard sink (its scalar queue, its writer)
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
            self._tensorboard = TensorBoardSink(self.logdir)
            create, reason = offline or (None, None)
            self._buffer = _buffer.RunBuffer(client, self._run_id, os.path.join(self.logdir, _buffer.SPILL_NAME),
                                             self._uri, create=create, offline_reason=reason)
            self._buffer.set_tags({"workbench.logdir": os.path.abspath(self.logdir)})
            if self._resume:
                self._buffer.set_tags({"workbench.resumed": now_stamp()})
            else:
                self._log_source()
            self.log_params(self._params_in)
        except BaseException:  # e.g. a param that cannot change on resume: end the run as failed
            if self._buffer is not None:
                self._buffer.close("FAILED")
                self._buffer = None
            elif not journal.is_provisional(self._run_id):
                client.set_terminated(self._run_id, "FAILED")
            if self._tensorboard is not None:
                self._tensorboard.close()
            self.status = "FAILED"
            raise
        if self._resume:   # the workers of a job of several processes take the same params
            broadcast_from_chief(json.dumps(self._params, default=str))
        self._default = self.summary_writer.as_default()
        self._default.__enter__()
        if self._system_interval is not None:
            self._monitor = SystemMonitor(self._log_system, self._system_interval).start()
        open_runs.append(self)
        atexit.register(self._end_at_exit)
        self.status = "RUNNING"
        return self

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
            self._default.__exit__(None, None, None)
            self._tensorboard.close()
            for path in self._tensorboard.event_files():
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
            if self in open_runs:
                open_runs.remove(self)
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
            self._tensorboard.scalar(f"best_{key}", value, self._step)
        hparams = {k: _hparam_value(v) for k, v in _flatten(self._params).items()}
        if hparams:
            self._tensorboard.write(summary.hparams.hparams, hparams, trial_id=self.run_name)

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
        self._tensorboard.scalar(key, value, step)
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
            self._tensorboard.scalar(key, value, step)

    @property
    def summary_writer(self):
        """The run's TensorBoard writer (the default writer inside ``with exp:``), None before start."""
        return None if self._tensorboard is None else self._tensorboard.writer

    def _tb(self, fn, *args, **kwargs):
        return self._tensorboard.write(fn, *args, **kwargs)

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

    def log_model(self, model, name, registered_model_name=None, input_example=None, input_signature=None):
        """Log ``model`` as ONNX with MLflow's ``onnx`` flavor under the run's artifacts ``name``,
        with a signature (a ``-1`` batch dimension), so that
        ``mlflow.pyfunc.load_model(uri).predict(x)`` and ``mlflow models serve -m URI`` run it.

        ``model``: a Keras model (exported with ``model.export``) or a function, which needs
        ``input_signature`` or ``input_example`` (see ``wb.onnx.export``). ``input_example``
        (an array, or a list of arrays for several inputs) is stored with the model.
        ``registered_model_name`` also registers it as a new version of that MLflow model.
        Returns the model's URI, ``runs:/<run_id>/<name>``. Needs the export extra and MLflow.
        """
        self._check_open("log_model")
        if not isinstance(name, str) or not name or name.startswith("/") or ".." in name.split("/"):
            raise ValueError(f"log_model: name must be a relative artifact path (no '..'), got {name!r}")
        import mlflow.onnx  # optional: MLflow's onnx flavor, loaded when used
        from mlflow.models import ModelSignature  # optional, as above
        from mlflow.types.schema import Schema, TensorSpec  # optional, as above

        from ..onnx import TensorSpec as Spec, export  # optional: needs the export extra
        examples = None if input_example is None else (
            [np.asarray(x) for x in input_example] if isinstance(input_example, (list, tuple))
            else [np.asarray(input_example)])
        if input_signature is None and examples is not None:
            input_signature = [Spec((None,) + x.shape[1:], x.dtype) for x in examples]
        folder = os.path.join(self.logdir, "models", _safe_name(name))
        os.makedirs(os.path.dirname(folder), exist_ok=True)
        onnx_path = folder + ".onnx"
        if input_signature is None and hasattr(model, "export"):
            result = model.export(onnx_path, format="onnx")
        else:
            result = export(model, input_signature, onnx_path)

        def schema(values):
            return Schema([TensorSpec(np.dtype(_ONNX_NUMPY[v.type.tensor_type.elem_type]),
                                      tuple(d.dim_value if d.HasField("dim_value") else -1
                                            for d in v.type.tensor_type.shape.dim), v.name)
                           for v in values])
        graph = result.model.graph
        signature = ModelSignature(inputs=schema(graph.input), outputs=schema(graph.output))
        if os.path.exists(folder):
            shutil.rmtree(folder)
        example = None if examples is None else (
            examples[0] if len(examples) == 1 else dict(zip(result.inputs, examples)))
        # the flavor's own requirements (onnx, onnxruntime at their versions here): inferring
        # them would load the model again in a subprocess
        mlflow.onnx.save_model(result.model, folder, signature=signature, input_example=example,
                               pip_requirements=mlflow.onnx.get_default_pip_requirements())
        self.log_artifact(folder, name)
        uri = f"runs:/{self.run_id}/{name}"
        if registered_model_name is not None:
            if not self.flush() or self.offline:
                raise RuntimeError(f"log_model: the model could not reach MLflow at {self.tracking_uri} "
                                   "yet, so it cannot be registered; register it once the run is synced")
            client = store.client(self._uri)
            try:
                client.get_registered_model(registered_model_name)
            except Exception:  # noqa: BLE001 - MLflow raises its own error for a missing model
                client.create_registered_model(registered_model_name)
            source = client.get_run(self.run_id).info.artifact_uri.rstrip("/") + "/" + name
            client.create_model_version(registered_model_name, source, run_id=self.run_id)
        return uri

    def _log_snapshot(self, path, artifact_path):
        """Upload ``path``, a copy made for this upload, and delete it once sent."""
        self._check_open("log_artifact").log_artifact(path, artifact_path, snapshot=True)

    def flush(self, timeout=None) -> bool:
        """Write TensorBoard events and wait until MLflow has everything; False if some waits on disk."""
        buffer = self._check_open("flush")
        self._tensorboard.flush()
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
        manager = TrackedCheckpointManager(self, checkpoint, directory, max_to_keep, **kwargs)
        self.restored_checkpoint = manager.restore_or_initialize()
        broadcast_from_chief(self.restored_checkpoint)   # the workers of a job restore it too
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

