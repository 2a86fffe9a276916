"""``LambdaCallback``: a callback made of plain functions (Keras 3)."""

from .callback import Callback

__all__ = ["LambdaCallback"]

_HOOKS = frozenset(name for name in vars(Callback) if name.startswith("on_"))


class LambdaCallback(Callback):
    """A callback whose hooks are the functions given.

    Args:
        on_epoch_begin, on_epoch_end: called with ``(epoch, logs)``.
        on_train_begin, on_train_end: called with ``(logs)``.
        on_train_batch_begin, on_train_batch_end: called with ``(batch, logs)``.
        **kwargs: any other hook by its name (``on_test_end=...``, ``on_predict_batch_end=...``).

    >>> import json
    >>> log = open("log.jsonl", "w")                                          # doctest: +SKIP
    >>> wb.keras.callbacks.LambdaCallback(
    ...     on_epoch_end=lambda epoch, logs: log.write(json.dumps({"epoch": epoch, **logs}) + "\\n"),
    ...     on_train_end=lambda logs: log.close())                            # doctest: +SKIP
    """

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_begin=None, on_train_end=None,
                 on_train_batch_begin=None, on_train_batch_end=None, **kwargs):
        super().__init__()
        hooks = dict(on_epoch_begin=on_epoch_begin, on_epoch_end=on_epoch_end, on_train_begin=on_train_begin,
                     on_train_end=on_train_end, on_train_batch_begin=on_train_batch_begin,
                     on_train_batch_end=on_train_batch_end)
        for name, fn in kwargs.items():
            if name not in _HOOKS:
                raise TypeError(f"LambdaCallback: {name!r} is not a callback hook; expected one of "
                                f"{', '.join(sorted(_HOOKS))}")
            hooks[name] = fn
        for name, fn in hooks.items():
            if fn is None:
                continue
            if not callable(fn):
                raise TypeError(f"LambdaCallback: {name} must be a function, got {type(fn).__name__}")
            setattr(self, name, fn)
