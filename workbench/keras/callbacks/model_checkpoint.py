"""``ModelCheckpoint``: save the model (or its weights) during training (Keras 3)."""

import math
import os
import warnings

from ...errors import argcheck
from .callback import Callback
from .monitor import check_mode, improves

__all__ = ["ModelCheckpoint"]


class ModelCheckpoint(Callback):
    """Saves the model or its weights at the end of every epoch or every ``save_freq`` batches.

    Args:
        filepath: where to save; it may name the epoch (from 1), the batch (from 1, when
            saving every few batches) and any logged metric: ``"ckpt/{epoch:02d}-{val_loss:.2f}.keras"``.
            It must end in ``.keras`` (``model.save``), or in ``.weights.h5`` with
            ``save_weights_only=True`` (``model.save_weights``).
        monitor: the metric ``save_best_only`` compares.
        verbose: 1 prints a line for each save (or each epoch that did not improve).
        save_best_only: save only when ``monitor`` improved on the best so far (with a fixed
            ``filepath`` the file always holds the best model).
        save_weights_only: save the weights alone.
        mode: ``"min"``, ``"max"`` or ``"auto"`` (as in ``EarlyStopping``).
        save_freq: ``"epoch"``, or an int: save after every that many batches (the logs are
            then the running batch metrics, so ``monitor`` should be a training metric).
        initial_value_threshold: with ``save_best_only``, a value the metric must beat first.

    Attributes: ``best`` (the best monitored value so far, or ``initial_value_threshold``).

    >>> checkpoint = wb.keras.callbacks.ModelCheckpoint(
    ...     "checkpoints/best.keras", monitor="val_accuracy", mode="max", save_best_only=True)
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False, save_weights_only=False,
                 mode="auto", save_freq="epoch", initial_value_threshold=None):
        super().__init__()
        try:
            self.filepath = os.fspath(filepath)
        except TypeError:
            raise TypeError(f"ModelCheckpoint: filepath must be a path, got {type(filepath).__name__}") from None
        self.mode = check_mode(mode, monitor, "ModelCheckpoint")
        self.monitor = monitor
        self.verbose = verbose
        self.save_best_only = bool(save_best_only)
        self.save_weights_only = bool(save_weights_only)
        if save_freq != "epoch":
            if argcheck.as_int(save_freq) is None or argcheck.as_int(save_freq) < 1:
                raise ValueError(f"ModelCheckpoint: unrecognized save_freq {save_freq!r}; expected 'epoch' or a "
                                 "positive integer (a number of batches)")
            save_freq = argcheck.as_int(save_freq)
        self.save_freq = save_freq
        self.initial_value_threshold = (None if initial_value_threshold is None else argcheck.number(
            initial_value_threshold, "initial_value_threshold", "ModelCheckpoint"))
        self.best = self.initial_value_threshold
        if self.save_weights_only:
            if not self.filepath.endswith(".weights.h5"):
                raise ValueError("When using `save_weights_only=True` in `ModelCheckpoint`, the filepath provided "
                                 "must end in `.weights.h5` (Keras weights format). Received: "
                                 f"filepath={self.filepath}")
        elif not self.filepath.endswith(".keras"):
            raise ValueError("The filepath provided must end in `.keras` (Keras model format). Received: "
                             f"filepath={self.filepath}")
        self._current_epoch = 0
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self._should_save_on_batch(batch):
            self._save_model(self._current_epoch, batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._save_model(epoch, None, logs)

    def _should_save_on_batch(self, batch) -> bool:
        if self.save_freq == "epoch":
            return False
        # batch numbers restart at 0 each epoch
        self._batches_seen_since_last_saving += batch + 1 if batch <= self._last_batch_seen else \
            batch - self._last_batch_seen
        self._last_batch_seen = batch
        if self._batches_seen_since_last_saving >= self.save_freq:
            self._batches_seen_since_last_saving = 0
            return True
        return False

    def _should_save_model(self, epoch, logs, filepath) -> bool:
        if not self.save_best_only:
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: saving model to {filepath}", flush=True)
            return True
        current = (logs or {}).get(self.monitor)
        if current is None:
            warnings.warn(f"Can save best model only with {self.monitor} available, skipping.", stacklevel=3)
            return False
        current = float(current)
        best = "None" if self.best is None else f"{self.best:.5f}"
        if not math.isnan(current) and improves(current, self.best, self.mode):
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: {self.monitor} improved from {best} to {current:.5f}, saving model "
                      f"to {filepath}", flush=True)
            self.best = current
            return True
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {best}", flush=True)
        return False

    def _save_model(self, epoch, batch, logs):
        filepath = self._get_file_path(epoch, batch, logs or {})
        if not self._should_save_model(epoch, logs, filepath):
            return
        if os.path.isdir(filepath):
            raise IsADirectoryError(f"ModelCheckpoint: filepath {filepath!r} is an existing folder; give a file "
                                    "path ending in .keras or .weights.h5")
        folder = os.path.dirname(filepath)
        if folder:
            os.makedirs(folder, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(filepath, overwrite=True)
        else:
            self.model.save(filepath, overwrite=True)

    def _get_file_path(self, epoch, batch, logs) -> str:
        fields = dict(logs)
        fields["epoch"] = epoch + 1
        if batch is not None and "batch" not in logs:
            fields["batch"] = batch + 1
        try:
            return self.filepath.format(**fields)
        except KeyError as e:
            raise KeyError(f"ModelCheckpoint: failed to format the filepath {self.filepath!r}: it names {e}, "
                           f"which is not among the logs ({', '.join(sorted(logs)) or 'none'}) or epoch/batch") \
                from None
