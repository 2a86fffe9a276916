"""``ProgbarLogger``: the progress bar ``fit``, ``evaluate`` and ``predict`` print (Keras 3)."""

from .callback import Callback
from .progbar import Progbar

__all__ = ["ProgbarLogger"]


class ProgbarLogger(Callback):
    """Prints progress and metrics to stdout; ``fit`` adds one when ``verbose`` is not 0.

    ``params["verbose"]``: 1 (or ``"auto"``) draws a bar per epoch, ``"Epoch 1/3"`` above it
    and ``32/32 ━━━━━━━━━━━━━━━━━━━━ 0s 3ms/step - accuracy: 0.8000 - loss: 0.5000`` when it
    ends; 2 prints one line per epoch, ``32/32 - 0s - 3ms/step - accuracy: 0.8000 - loss:
    0.5000``. Inside ``fit``, validation prints nothing of its own (its ``val_`` metrics
    appear on the epoch's line). Metrics are shown by name in alphabetical order, as the
    trainer gives them (running means over the epoch).
    """

    def __init__(self):
        super().__init__()
        self.seen = 0
        self.progbar = None
        self.target = None
        self.verbose = 1
        self.epochs = 1
        self._called_in_fit = False

    def set_params(self, params):
        super().set_params(params)
        verbose = params.get("verbose", 1)
        self.verbose = 1 if verbose == "auto" else verbose
        self.epochs = params.get("epochs", 1)
        self.target = params.get("steps")

    def on_train_begin(self, logs=None):
        self._called_in_fit = True  # validation inside fit draws no bar of its own

    def on_train_end(self, logs=None):
        self._called_in_fit = False  # an evaluate() after fit draws its bar again

    def on_test_begin(self, logs=None):
        if not self._called_in_fit:
            self._reset_progbar()

    def on_predict_begin(self, logs=None):
        self._reset_progbar()

    def on_epoch_begin(self, epoch, logs=None):
        self._reset_progbar()
        if self.verbose and self.epochs > 1:
            print(f"Epoch {epoch + 1}/{self.epochs}", flush=True)

    def on_train_batch_end(self, batch, logs=None):
        self._update_progbar(batch, logs)

    def on_test_batch_end(self, batch, logs=None):
        if not self._called_in_fit:
            self._update_progbar(batch, logs)

    def on_predict_batch_end(self, batch, logs=None):
        self._update_progbar(batch, None)  # predictions are not metrics

    def on_epoch_end(self, epoch, logs=None):
        self._finalize_progbar(logs)

    def on_test_end(self, logs=None):
        if not self._called_in_fit:
            self._finalize_progbar(logs)

    def on_predict_end(self, logs=None):
        self._finalize_progbar(logs)

    def _reset_progbar(self):
        self.seen = 0
        self.progbar = None

    def _maybe_init_progbar(self):
        if self.progbar is None:
            self.progbar = Progbar(target=self.target, verbose=self.verbose, unit_name="step")

    def _update_progbar(self, batch, logs=None):
        self._maybe_init_progbar()
        self.seen = batch + 1
        if self.verbose == 1:
            self.progbar.update(self.seen, sorted((logs or {}).items()), finalize=False)

    def _finalize_progbar(self, logs):
        self._maybe_init_progbar()
        if self.target is None:  # an epoch of unknown length: now we know it
            self.target = self.seen
            self.progbar.target = self.seen
        self.progbar.update(self.target, sorted((logs or {}).items()), finalize=True)
