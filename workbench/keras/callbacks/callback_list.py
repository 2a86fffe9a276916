"""``CallbackList``: many callbacks called as one, the way ``fit`` drives them (Keras 3)."""

from .callback import Callback
from .history import History
from .progbar_logger import ProgbarLogger

__all__ = ["CallbackList"]


def _flatten(callbacks):
    if isinstance(callbacks, Callback):
        return [callbacks]
    out = []
    for item in callbacks:
        if isinstance(item, (list, tuple)):
            out.extend(_flatten(item))
        elif isinstance(item, Callback):
            out.append(item)
        else:
            raise TypeError(f"CallbackList: callbacks must be keras.callbacks.Callback instances, "
                            f"got {type(item).__name__}: {item!r}")
    return out


def _dict(logs):
    # the same dict reaches every callback, so one that adds a key (ReduceLROnPlateau's
    # learning_rate) is seen by the next (History)
    return {} if logs is None else logs


def _plain(logs):
    """Logs with scalar Tensors and NumPy numbers made floats (nested dicts flattened)."""
    out = {}
    for key, value in sorted(logs.items()):
        if isinstance(value, dict):
            out.update(_plain(value))
            continue
        try:
            value = float(value)
        except (TypeError, ValueError):
            pass  # an array or a string stays as it is
        out[key] = value
    return out


# the hooks a batch hook of the base Callback passes its call on to
_BATCH_HOOKS = {
    "on_train_batch_begin": ("on_train_batch_begin", "on_batch_begin"),
    "on_train_batch_end": ("on_train_batch_end", "on_batch_end"),
}


def _reads(callback, hook):
    """Whether ``callback`` does anything on ``hook``: its class overrides the hook (or the
    alias the base hook calls), or the instance has it as an attribute (``LambdaCallback``),
    or its class looks its attributes up itself (``__getattribute__``)."""
    cls = type(callback)
    if cls.__getattribute__ is not object.__getattribute__:
        return True
    attrs = getattr(callback, "__dict__", None) or ()
    for name in _BATCH_HOOKS.get(hook, (hook,)):
        if name in attrs or getattr(cls, name) is not getattr(Callback, name):
            return True
    return False


class CallbackList(Callback):
    """Wraps callbacks so that one call (``callbacks.on_epoch_end(epoch, logs)``) reaches all.

    Args:
        callbacks: a list of ``Callback`` instances (nested lists are flattened).
        add_history: append a :class:`History` unless the list has one.
        add_progbar: append a :class:`ProgbarLogger` unless the list has one.
        model: the model the callbacks act on (``model.history`` is set to the History).
        **params: passed to every callback's ``set_params`` (``verbose``, ``epochs``, ``steps``).

    Callbacks run in list order, the added History and ProgbarLogger last. Batch-end logs
    reach callbacks as floats.
    """

    def __init__(self, callbacks=None, add_history=False, add_progbar=False, model=None, **params):
        super().__init__()
        self.callbacks = _flatten(callbacks) if callbacks else []
        self._add_default_callbacks(add_history, add_progbar)
        self.set_model(model)
        self.set_params(params)

    def _add_default_callbacks(self, add_history, add_progbar):
        self._history = next((cb for cb in self.callbacks if isinstance(cb, History)), None)
        self._progbar = next((cb for cb in self.callbacks if isinstance(cb, ProgbarLogger)), None)
        if self._history is None and add_history:
            self._history = History()
            self.callbacks.append(self._history)
        if self._progbar is None and add_progbar:
            self._progbar = ProgbarLogger()
            self.callbacks.append(self._progbar)

    def append(self, callback):
        """Add one more callback (given this list's model and params)."""
        if not isinstance(callback, Callback):
            raise TypeError(f"CallbackList.append: expected a keras.callbacks.Callback, got "
                            f"{type(callback).__name__}")
        self.callbacks.append(callback)
        if self._model is not None:
            callback.set_model(self._model)
        if self.params:
            callback.set_params(self.params)

    def set_params(self, params):
        self.params = params
        if params:
            for callback in self.callbacks:
                callback.set_params(params)

    def set_model(self, model):
        if model is None:
            return
        super().set_model(model)
        if self._history is not None:
            model.history = self._history
        for callback in self.callbacks:
            callback.set_model(model)

    def _call(self, hook, *args):
        for callback in self.callbacks:
            getattr(callback, hook)(*args)

    def _call_batch(self, hook, batch, logs, plain):
        """A batch hook, called on the callbacks that do something on it (the base hooks do
        nothing), with the logs made floats (``plain``) only when one of them will read them:
        these run once per step, so that a fit with no batch callbacks pays for neither."""
        readers = [cb for cb in self.callbacks if _reads(cb, hook)]
        if not readers:
            return
        logs = _dict(logs)
        if plain:
            logs = _plain(logs)
        for callback in readers:
            getattr(callback, hook)(batch, logs)

    def on_train_begin(self, logs=None):
        self._call("on_train_begin", _dict(logs))

    def on_train_end(self, logs=None):
        self._call("on_train_end", _dict(logs))

    def on_test_begin(self, logs=None):
        self._call("on_test_begin", _dict(logs))

    def on_test_end(self, logs=None):
        self._call("on_test_end", _dict(logs))

    def on_predict_begin(self, logs=None):
        self._call("on_predict_begin", _dict(logs))

    def on_predict_end(self, logs=None):
        self._call("on_predict_end", _dict(logs))

    def on_epoch_begin(self, epoch, logs=None):
        self._call("on_epoch_begin", epoch, _dict(logs))

    def on_epoch_end(self, epoch, logs=None):
        self._call("on_epoch_end", epoch, _dict(logs))

    def on_batch_begin(self, batch, logs=None):
        self._call_batch("on_batch_begin", batch, logs, plain=False)

    def on_batch_end(self, batch, logs=None):
        self._call_batch("on_batch_end", batch, logs, plain=True)

    def on_train_batch_begin(self, batch, logs=None):
        self._call_batch("on_train_batch_begin", batch, logs, plain=False)

    def on_train_batch_end(self, batch, logs=None):
        self._call_batch("on_train_batch_end", batch, logs, plain=True)

    def on_test_batch_begin(self, batch, logs=None):
        self._call_batch("on_test_batch_begin", batch, logs, plain=False)

    def on_test_batch_end(self, batch, logs=None):
        self._call_batch("on_test_batch_end", batch, logs, plain=True)

    def on_predict_batch_begin(self, batch, logs=None):
        self._call_batch("on_predict_batch_begin", batch, logs, plain=False)

    def on_predict_batch_end(self, batch, logs=None):
        self._call("on_predict_batch_end", batch, _dict(logs))  # outputs stay arrays
