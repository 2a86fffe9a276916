"""``EarlyStopping``: stop ``fit`` when a monitored metric has stopped improving (Keras 3)."""

from ...errors import argcheck
from .callback import Callback
from .monitor import check_mode, improves, monitored_value

__all__ = ["EarlyStopping"]


class EarlyStopping(Callback):
    """Stops training once ``monitor`` has not improved for ``patience`` epochs.

    Args:
        monitor: the metric to watch (``"val_loss"``, ``"accuracy"``, ...).
        min_delta: a change smaller than this is no improvement.
        patience: epochs without improvement before training stops.
        verbose: 1 prints the epoch training stopped at (and the weights restored).
        mode: ``"min"``, ``"max"``, or ``"auto"`` (a loss is minimized; accuracies, AUCs,
            scores... are maximized; other names minimized).
        baseline: training stops unless the metric beats this within ``patience`` epochs.
        restore_best_weights: at the end, set the model's weights to those of the best epoch
            (the last epoch's weights stay if no epoch beat the first).
        start_from_epoch: epochs to wait before watching at all (a warm-up).

    Attributes: ``stopped_epoch`` (0 if training was not stopped), ``best``, ``best_epoch``,
    ``wait``.

    >>> stop = wb.keras.callbacks.EarlyStopping(monitor="loss", patience=3)
    >>> history = model.fit(x, y, epochs=100, callbacks=[stop], verbose=0)   # doctest: +SKIP
    >>> len(history.history["loss"])                                        # doctest: +SKIP
    7
    """

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto", baseline=None,
                 restore_best_weights=False, start_from_epoch=0):
        super().__init__()
        self.mode = check_mode(mode, monitor, "EarlyStopping")
        self.monitor = monitor
        self.min_delta = abs(argcheck.number(min_delta, "min_delta", "EarlyStopping"))
        self.patience = argcheck.integer(patience, "patience", "EarlyStopping", minimum=0)
        self.verbose = verbose
        self.baseline = None if baseline is None else argcheck.number(baseline, "baseline", "EarlyStopping")
        self.restore_best_weights = bool(restore_best_weights)
        self.start_from_epoch = argcheck.integer(start_from_epoch, "start_from_epoch", "EarlyStopping",
                                                 minimum=0)
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_epoch = 0
        self.best_weights = None

    def on_train_begin(self, logs=None):
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_epoch = 0
        self.best_weights = None

    def on_epoch_end(self, epoch, logs=None):
        current = monitored_value(logs, self.monitor, "EarlyStopping")
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            # until an epoch improves on it, the first watched epoch's weights are the best
            self.best_weights = self.model.get_weights()
            self.best_epoch = epoch
        self.wait += 1
        if improves(current, self.best, self.mode, self.min_delta):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            # the count restarts only when the metric beats the baseline too; an epoch that
            # improves but stays short of the baseline still counts against patience
            if self.baseline is None or improves(current, self.baseline, self.mode, self.min_delta):
                self.wait = 0
                return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping", flush=True)
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print(f"Restoring model weights from the end of the best epoch: {self.best_epoch + 1}.", flush=True)
            self.model.set_weights(self.best_weights)

    def get_monitor_value(self, logs):
        """The monitored metric's value in ``logs`` (None, with a warning, if absent)."""
        return monitored_value(logs, self.monitor, "EarlyStopping")
