"""``ReduceLROnPlateau``: lower the learning rate when a metric has stopped improving (Keras 3)."""

import numpy as np

from ...errors import argcheck
from .callback import Callback
from .monitor import check_mode, improves, monitored_value

__all__ = ["ReduceLROnPlateau", "current_learning_rate"]


def current_learning_rate(model, where) -> float:
    """The model's optimizer's learning rate now, as a float."""
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or not hasattr(optimizer, "learning_rate"):
        raise ValueError(f"{where}: the model has no optimizer with a learning_rate (compile it first)")
    return float(np.asarray(optimizer.learning_rate))


class ReduceLROnPlateau(Callback):
    """Multiplies the learning rate by ``factor`` once ``monitor`` has not improved for
    ``patience`` epochs; then waits ``cooldown`` epochs before counting again.

    Args:
        monitor: the metric to watch.
        factor: the new rate is ``rate * factor`` (below 1).
        patience: epochs without improvement before the rate is lowered.
        verbose: 1 prints each change.
        mode: ``"min"``, ``"max"`` or ``"auto"`` (as in ``EarlyStopping``).
        min_delta: a change smaller than this is no improvement.
        cooldown: epochs after a change during which no epoch counts against ``patience``.
        min_lr: the rate never goes below this.

    Each epoch's logs get the rate in force as ``learning_rate``. The optimizer's rate must be
    a number or a Variable (a schedule cannot be lowered from outside).

    >>> reduce = wb.keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.2, patience=5)
    """

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto", min_delta=1e-4,
                 cooldown=0, min_lr=0.0, **kwargs):
        super().__init__()
        if kwargs:
            raise TypeError(f"ReduceLROnPlateau: unexpected keyword arguments {sorted(kwargs)}")
        self.mode = check_mode(mode, monitor, "ReduceLROnPlateau")
        self.monitor = monitor
        self.factor = argcheck.number(factor, "factor", "ReduceLROnPlateau")
        if not 0 <= self.factor < 1:
            raise ValueError(f"ReduceLROnPlateau does not support a factor >= 1.0 (or below 0). Received "
                             f"factor={factor}")
        self.patience = argcheck.integer(patience, "patience", "ReduceLROnPlateau", minimum=0)
        self.verbose = verbose
        self.min_delta = abs(argcheck.number(min_delta, "min_delta", "ReduceLROnPlateau"))
        self.cooldown = argcheck.integer(cooldown, "cooldown", "ReduceLROnPlateau", minimum=0)
        self.min_lr = argcheck.number(min_lr, "min_lr", "ReduceLROnPlateau")
        self._reset()

    def _reset(self):
        self.best = None
        self.wait = 0
        self.cooldown_counter = 0

    def on_train_begin(self, logs=None):
        self._reset()

    def in_cooldown(self) -> bool:
        return self.cooldown_counter > 0

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        logs["learning_rate"] = current_learning_rate(self.model, "ReduceLROnPlateau")
        current = monitored_value(logs, self.monitor, "ReduceLROnPlateau")
        if current is None:
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if improves(current, self.best, self.mode, self.min_delta):
            self.best = current
            self.wait = 0
            return
        if self.in_cooldown():
            return
        self.wait += 1
        if self.wait < self.patience:
            return
        old_lr = logs["learning_rate"]
        if old_lr > np.float32(self.min_lr):
            new_lr = max(old_lr * self.factor, self.min_lr)
            self.model.optimizer.learning_rate = new_lr
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {new_lr}.", flush=True)
            self.cooldown_counter = self.cooldown
            self.wait = 0
