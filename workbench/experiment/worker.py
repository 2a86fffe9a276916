"""The Experiment of a non-chief worker in a job of several processes: rank 0 alone opens the
MLflow run and the TensorBoard folder; the other ranks run the same script against this
stand-in, which keeps the params, steps and metric values in memory and writes nothing."""

from __future__ import annotations

import contextlib
import json
import tempfile

from ..checkpoint import CheckpointManager
from ..distribute.launch import process_rank
from ..distribute.strategy import broadcast_from_chief
from ..summary import create_noop_writer


class WorkerExperiment:
    """``wb.Experiment``'s interface for rank ``rank`` > 0 of a distributed job: logging calls
    are accepted and dropped (the chief logs the same values), checkpoints are left to the
    chief (``CheckpointManager`` writes nothing here), ``progress`` shows no bar."""

    def __init__(self, name=None, run_name=None, params=None, tracking_uri=None, logdir="runs", resume=None,
                 tags=None, system_metrics=True, nested=False):
        self.rank = process_rank()
        self.name = name or "Default"
        self.run_name = run_name or f"{self.name}-rank{self.rank}"
        self.root_logdir = logdir
        self.logdir = None
        self.experiment_id = None
        self.restored_checkpoint = None
        self.status = "NEW"
        self._params = dict(params or {})
        self._resume = resume
        self._step = 0
        self._last = {}
        self._writer = create_noop_writer()

    is_chief = False
    run_id = None
    offline = False
    tracking_uri = None

    def __enter__(self):
        return self.start()

    def __exit__(self, exc_type, exc, tb):
        self.end("FINISHED" if exc_type is None else "FAILED")
        return False

    def start(self):
        if self._resume:   # the resumed run's params, as the chief read them
            self._params = json.loads(broadcast_from_chief(None))
        self.status = "RUNNING"
        return self

    def end(self, status="FINISHED"):
        self.status = status

    @property
    def params(self) -> dict:
        return dict(self._params)

    def log_params(self, params):
        self._params.update(params)

    def set_tags(self, tags):
        pass

    @property
    def step(self) -> int:
        return self._step

    @step.setter
    def step(self, value):
        self._step = int(value)

    def log_metric(self, key, value, step=None):
        self._step = self._step if step is None else int(step)
        self._last[key] = float(value)

    def log_metrics(self, metrics, step=None):
        for key, value in dict(metrics).items():
            self.log_metric(key, value, step)

    def set_best_mode(self, key, mode):
        pass

    @property
    def metrics(self) -> dict:
        return dict(self._last)

    @property
    def best_metrics(self) -> dict:
        return {}

    @property
    def summary_writer(self):
        return self._writer

    def log_histogram(self, name, values, step=None, buckets=None):
        pass

    def log_image(self, name, images, step=None, max_outputs=3, artifact=False):
        pass

    def log_figure(self, name, figure, step=None):
        pass

    def log_text(self, name, text, step=None):
        pass

    def log_artifact(self, path, artifact_path=None):
        pass

    def log_model(self, model, name, registered_model_name=None, input_example=None, input_signature=None):
        pass

    def flush(self, timeout=None) -> bool:
        return True

    def checkpoint_manager(self, checkpoint, max_to_keep=3, **kwargs):
        """A ``CheckpointManager`` that writes nothing (the chief saves the mirrored values);
        ``checkpoint`` is restored from the checkpoint the chief restored (its path comes from
        rank 0 through the job's ``MultiWorkerMirroredStrategy``; the folder must be shared)."""
        self._scratch = tempfile.TemporaryDirectory(prefix=f"workbench-rank{self.rank}-")
        manager = CheckpointManager(checkpoint, self._scratch.name, max_to_keep, **kwargs)
        self.restored_checkpoint = broadcast_from_chief(None)
        if self.restored_checkpoint is not None:
            checkpoint.restore(self.restored_checkpoint)
        return manager

    def progress(self, iterable=None, desc=None, total=None, **kwargs):
        return iterable if iterable is not None else contextlib.nullcontext()

    def __repr__(self):
        return f"<wb.Experiment of worker rank {self.rank}: the chief (rank 0) logs this run>"
