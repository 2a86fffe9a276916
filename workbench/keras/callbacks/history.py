"""``History``: every epoch's logs, kept as ``model.history`` (Keras 3's ``History``)."""

from .callback import Callback

__all__ = ["History"]


class History(Callback):
    """Records each epoch's logs; ``fit`` adds one itself and returns it.

    Attributes:
        history: ``{metric name: [value per epoch]}``.
        epoch: the epoch numbers recorded (from 0, or from ``initial_epoch``).

    >>> history = model.fit(x, y, epochs=3, verbose=0)              # doctest: +SKIP
    >>> history.history["loss"]                                     # doctest: +SKIP
    [0.69, 0.52, 0.41]
    """

    def __init__(self):
        super().__init__()
        self.history = {}
        self.epoch = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)
        # the model's attribute follows the latest state (a callback may have replaced it)
        if self.model is not None:
            self.model.history = self
