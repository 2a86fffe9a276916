"""``ExperimentLogger``: a ``fit`` logged to the open ``wb.Experiment`` (MLflow and TensorBoard)."""

import os
import warnings

import numpy as np

from ... import experiment as experiment_module
from .callback import Callback

__all__ = ["ExperimentLogger"]


class ExperimentLogger(Callback):
    """Logs training to a ``wb.Experiment``: the workbench's counterpart of Keras'
    ``RemoteMonitor``, for a run tracked in MLflow and TensorBoard.

    Args:
        experiment: the ``wb.Experiment`` to log to; None: the one open when training starts
            (``workbench.experiment.active()``; ``fit`` adds this callback by itself when one
            is open).
        log_model: True or ``"keras"``: save the trained model (``model.save``) as
            ``<run folder>/model.keras`` and log it as an artifact when training ends (a model
            that cannot be saved, having no config, or with h5py missing, is skipped with a
            warning). ``"onnx"``: log it as an MLflow model, ONNX with MLflow's ``onnx`` flavor
            under the artifact path ``model`` (``Experiment.log_model``), so that
            ``mlflow.pyfunc.load_model(f"runs:/{run_id}/model")`` and ``mlflow models serve``
            run it (needs the export extra; a model that cannot be exported is skipped with a
            warning). False: no model.
        registered_model_name: with ``log_model="onnx"``, also register the model as a new
            version of this MLflow model.

    At the start of training it logs the params ``optimizer`` (the class name),
    ``learning_rate`` (its value as training starts), ``epochs``, ``batch_size`` and
    ``steps_per_epoch`` (when ``fit`` gives them) and ``loss`` (a second ``fit`` in the same
    run logs only params not yet logged: MLflow params never change); after each epoch, every
    metric in the epoch's logs (``loss``, ``accuracy``, ``val_loss``...) with step = epoch.

    >>> with wb.Experiment("digits") as exp:                                    # doctest: +SKIP
    ...     model.fit(x, y, epochs=5, callbacks=[wb.keras.callbacks.ExperimentLogger(exp)])
    """

    def __init__(self, experiment=None, log_model=True, registered_model_name=None):
        super().__init__()
        if log_model not in (True, False, "keras", "onnx"):
            raise ValueError(f"ExperimentLogger: log_model must be True, False, 'keras' or 'onnx', got {log_model!r}")
        if registered_model_name is not None and log_model != "onnx":
            raise ValueError("ExperimentLogger: registered_model_name needs log_model='onnx' (an MLflow model), "
                             f"got log_model={log_model!r}")
        if experiment is not None and not all(hasattr(experiment, m) for m in ("log_params", "log_metrics",
                                                                                "log_artifact")):
            raise TypeError(f"ExperimentLogger: experiment must be a wb.Experiment (or None for the open one), got "
                            f"{type(experiment).__name__}")
        self.experiment = experiment
        self.log_model = "keras" if log_model is True else log_model
        self.registered_model_name = registered_model_name
        self._run = None

    def on_train_begin(self, logs=None):
        self._run = self.experiment if self.experiment is not None else experiment_module.active()
        if self._run is None:
            raise RuntimeError("ExperimentLogger: no wb.Experiment is open; train inside `with wb.Experiment(...)` "
                               "or pass experiment=")
        logged = self._run.params
        params = self._params()
        new = {k: v for k, v in params.items() if k not in logged}
        changed = sorted(k for k, v in params.items() if k in logged and str(logged[k]) != str(v))
        if changed:  # a second fit in the same run: MLflow params cannot change
            warnings.warn(f"ExperimentLogger: run {self._run.run_id} already has params {', '.join(changed)} with "
                          "other values; they keep their first values", stacklevel=2)
        if new:
            self._run.log_params(new)

    def _params(self) -> dict:
        params = {}
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is not None:
            params["optimizer"] = type(optimizer).__name__
            # the shortest decimal of the stored (often float32) value: 0.004, not 0.004000000189989805,
            # so the run's own learning_rate param given as 0.004 matches it
            params["learning_rate"] = float(str(np.asarray(optimizer.learning_rate)[()]))
        for key in ("epochs", "batch_size"):
            if (self.params or {}).get(key) is not None:
                params[key] = self.params[key]
        if (self.params or {}).get("steps") is not None:
            params["steps_per_epoch"] = self.params["steps"]
        loss = getattr(self.model, "loss", None)
        if loss is not None:
            params["loss"] = _name_of(loss)
        return params

    def on_epoch_end(self, epoch, logs=None):
        metrics = {k: float(v) for k, v in (logs or {}).items() if np.ndim(v) == 0 and not isinstance(v, str)}
        if metrics and self._run is not None:
            self._run.log_metrics(metrics, step=epoch)

    def on_train_end(self, logs=None):
        run, self._run = self._run, None
        if run is None or not self.log_model:
            return
        if self.log_model == "onnx":
            self._log_onnx(run)
            return
        if not hasattr(self.model, "save"):
            return
        path = os.path.join(run.logdir, "model.keras")
        try:
            self.model.save(path, overwrite=True)
        except (NotImplementedError, ImportError) as e:
            # a model without a config, or h5py not installed: the run keeps its metrics
            warnings.warn(f"ExperimentLogger: the trained model was not logged ({type(e).__name__}: {e}); pass "
                          "log_model=False to skip it", stacklevel=2)
            return
        run.log_artifact(path)

    def _log_onnx(self, run):
        try:
            from ...onnx import ExportError  # optional: the export extra, needed only for this format
            run.log_model(self.model, "model", registered_model_name=self.registered_model_name)
        except ImportError as e:
            warnings.warn(f"ExperimentLogger: the trained model was not logged as ONNX ({e}); pip install "
                          "'research-workbench[export]', or pass log_model=False to skip it", stacklevel=2)
        except ExportError as e:
            warnings.warn(f"ExperimentLogger: the trained model was not logged as ONNX ({type(e).__name__}: {e}); "
                          "pass log_model=False to skip it", stacklevel=2)


def _name_of(loss) -> str:
    if isinstance(loss, str):
        return loss
    if isinstance(loss, dict):
        return ",".join(f"{k}:{_name_of(v)}" for k, v in loss.items())
    if isinstance(loss, (list, tuple)):
        return ",".join(_name_of(v) for v in loss)
    return getattr(loss, "name", None) or getattr(loss, "__name__", None) or type(loss).__name__
