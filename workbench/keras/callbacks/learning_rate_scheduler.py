"""``LearningRateScheduler``: set the learning rate from a function of the epoch (Keras 3)."""

import inspect

import numpy as np

from .callback import Callback
from .reduce_lr_on_plateau import current_learning_rate

__all__ = ["LearningRateScheduler"]


def _takes_rate(schedule) -> bool:
    """Whether ``schedule`` accepts ``(epoch, lr)``, not only ``(epoch)``."""
    try:
        params = list(inspect.signature(schedule).parameters.values())
    except (TypeError, ValueError):  # a builtin without a signature: assume Keras' current form
        return True
    if any(p.kind == p.VAR_POSITIONAL for p in params):
        return True
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return len(positional) >= 2


class LearningRateScheduler(Callback):
    """At the start of each epoch, sets the learning rate to ``schedule(epoch, lr)``.

    Args:
        schedule: a function of the epoch (from 0) and the current rate (a float) that returns
            the new rate as a float; a function of the epoch alone is accepted too.
        verbose: 1 prints each rate set.

    Each epoch's logs get the rate as ``learning_rate``.

    >>> def schedule(epoch, lr):
    ...     return lr if epoch < 10 else lr * 0.9
    >>> callback = wb.keras.callbacks.LearningRateScheduler(schedule)
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        if not callable(schedule):
            raise TypeError(f"LearningRateScheduler: schedule must be a function of (epoch, lr), got "
                            f"{type(schedule).__name__}")
        self.schedule = schedule
        self.verbose = verbose
        self._with_rate = _takes_rate(schedule)

    def on_epoch_begin(self, epoch, logs=None):
        lr = current_learning_rate(self.model, "LearningRateScheduler")
        new_lr = self.schedule(epoch, lr) if self._with_rate else self.schedule(epoch)
        if isinstance(new_lr, (np.ndarray, np.generic)) and np.ndim(new_lr) == 0:
            new_lr = new_lr.item()
        if not isinstance(new_lr, float) and not (isinstance(new_lr, int) and not isinstance(new_lr, bool)):
            raise ValueError(f"LearningRateScheduler: the output of the `schedule` function should be a float. "
                             f"Got: {new_lr!r}")
        self.model.optimizer.learning_rate = float(new_lr)
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to {float(new_lr)}.",
                  flush=True)

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = current_learning_rate(self.model, "LearningRateScheduler")
