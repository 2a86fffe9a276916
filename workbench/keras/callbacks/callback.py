"""``Callback``: the hooks ``Model.fit``, ``evaluate`` and ``predict`` call (Keras 3's base class)."""

__all__ = ["Callback"]


class Callback:
    """Base class of callbacks: override the hooks you need; each default does nothing.

    ``fit`` calls ``on_train_begin``, then per epoch ``on_epoch_begin``, per batch
    ``on_train_batch_begin``/``on_train_batch_end``, ``on_epoch_end``, and at last
    ``on_train_end``; ``evaluate`` and ``predict`` call the ``test`` and ``predict`` hooks the
    same way. ``logs`` is a dict of floats (``{"loss": 0.5, "val_loss": 0.6}``; at
    ``on_epoch_end`` the epoch's metrics and, when there is validation, ``val_``-prefixed ones).

    Attributes:
        model: the model being trained (set by :meth:`set_model`).
        params: a dict of the run's parameters (``verbose``, ``epochs``, ``steps``), set by
            :meth:`set_params`.

    >>> class Stop(wb.keras.callbacks.Callback):
    ...     def on_epoch_end(self, epoch, logs=None):
    ...         if logs["loss"] < 0.1:
    ...             self.model.stop_training = True
    """

    def __init__(self):
        self.params = None
        self._model = None

    def set_params(self, params):
        self.params = params

    def set_model(self, model):
        self._model = model

    @property
    def model(self):
        return self._model

    # -- fit / evaluate / predict ---------------------------------------------------------
    def on_train_begin(self, logs=None):
        """Called at the start of ``fit``."""

    def on_train_end(self, logs=None):
        """Called at the end of ``fit``; ``logs`` holds the last epoch's."""

    def on_test_begin(self, logs=None):
        """Called at the start of ``evaluate`` (and of validation inside ``fit``)."""

    def on_test_end(self, logs=None):
        """Called at the end of ``evaluate``; ``logs`` holds its results."""

    def on_predict_begin(self, logs=None):
        """Called at the start of ``predict``."""

    def on_predict_end(self, logs=None):
        """Called at the end of ``predict``."""

    # -- epochs ----------------------------------------------------------------------------
    def on_epoch_begin(self, epoch, logs=None):
        """Called at the start of an epoch of ``fit`` (``epoch`` counts from 0)."""

    def on_epoch_end(self, epoch, logs=None):
        """Called at the end of an epoch with its metrics (validation ones ``val_``-prefixed)."""

    # -- batches ---------------------------------------------------------------------------
    def on_batch_begin(self, batch, logs=None):
        """Alias kept for old code: what ``on_train_batch_begin`` calls by default."""

    def on_batch_end(self, batch, logs=None):
        """Alias kept for old code: what ``on_train_batch_end`` calls by default."""

    def on_train_batch_begin(self, batch, logs=None):
        """Called before a training batch (``batch`` counts from 0 in each epoch)."""
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None):
        """Called after a training batch with the epoch's running metrics."""
        self.on_batch_end(batch, logs=logs)

    def on_test_batch_begin(self, batch, logs=None):
        """Called before a batch of ``evaluate`` (or of validation)."""

    def on_test_batch_end(self, batch, logs=None):
        """Called after a batch of ``evaluate`` with the running metrics."""

    def on_predict_batch_begin(self, batch, logs=None):
        """Called before a batch of ``predict``."""

    def on_predict_batch_end(self, batch, logs=None):
        """Called after a batch of ``predict``; ``logs["outputs"]`` holds its outputs."""
