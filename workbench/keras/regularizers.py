"""Weight regularizers under Keras' names: ``L1``, ``L2``, ``L1L2`` (``tf.keras.regularizers``).

A regularizer maps a weight tensor to a scalar penalty. As in Keras, ``L2``
is ``l2 * reduce_sum(square(x))`` (no factor 1/2).

>>> reg = wb.keras.regularizers.l2(0.1)
>>> float(reg(wb.constant([1.0, 2.0])))
0.5
"""

from __future__ import annotations

from ..ops.elementwise import abs as _abs, square
from ..ops.reduce import reduce_sum
from .serialization import Configurable, serialize_object, deserialize_object

__all__ = ["L1", "L1L2", "L2", "Regularizer", "deserialize", "get", "l1", "l1_l2", "l2", "serialize"]


class Regularizer(Configurable):
    """Base class: ``__call__(x)`` returns a scalar penalty."""

    def __call__(self, x):
        raise NotImplementedError(f"{type(self).__name__} must implement __call__")


def _factor(value, what):
    value = float(value)
    if value < 0:
        raise ValueError(f"regularizer: {what} must be >= 0, got {value}")
    return value


class L1L2(Regularizer):
    """``l1 * sum(|x|) + l2 * sum(x**2)``."""

    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = _factor(l1, "l1")
        self.l2 = _factor(l2, "l2")

    def __call__(self, x):
        penalty = None
        if self.l1:
            penalty = self.l1 * reduce_sum(_abs(x))
        if self.l2:
            term = self.l2 * reduce_sum(square(x))
            penalty = term if penalty is None else penalty + term
        if penalty is None:
            penalty = reduce_sum(x * 0)
        return penalty

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class L1(L1L2):
    """``l1 * sum(|x|)``."""

    def __init__(self, l1=0.01):
        super().__init__(l1=l1)

    def get_config(self):
        return {"l1": self.l1}


class L2(L1L2):
    """``l2 * sum(x**2)``."""

    def __init__(self, l2=0.01):
        super().__init__(l2=l2)

    def get_config(self):
        return {"l2": self.l2}


def l1(l1=0.01):  # noqa: D103 - Keras' function alias
    return L1(l1)


def l2(l2=0.01):  # noqa: D103
    return L2(l2)


def l1_l2(l1=0.01, l2=0.01):
    """Keras' ``l1_l2``: both factors default to 0.01 (the class defaults to 0)."""
    return L1L2(l1, l2)


_BY_NAME = {"l1": L1, "l2": L2, "l1_l2": L1L2, "l1l2": L1L2}


def serialize(regularizer):
    """Keras' form: ``{"class_name": "L2", "config": {"l2": 0.01}}``; a plain function becomes a
    function reference (see ``wb.keras.serialization``); None stays None.

    >>> wb.keras.regularizers.serialize(wb.keras.regularizers.l2(0.5))
    {'class_name': 'L2', 'config': {'l2': 0.5}}
    """
    return serialize_object(regularizer, Regularizer, get)


def deserialize(config, custom_objects=None):
    """The regularizer a :func:`serialize` config describes."""
    return deserialize_object(config, "regularizer", get, builtin_class, "'L1', 'L2', 'L1L2'", custom_objects)


def builtin_class(name):
    """The library's regularizer class called ``name`` (``"L2"``, ``"l2"``), else None."""
    return _BY_NAME.get(name.lower()) if isinstance(name, str) else None


def get(identifier):
    """A regularizer from a name (``"l2"``), a config dict, a regularizer or a callable."""
    if identifier is None or isinstance(identifier, Regularizer):
        return identifier
    if isinstance(identifier, str):
        cls = _BY_NAME.get(identifier.lower())
        if cls is None:
            raise ValueError(f"unknown regularizer {identifier!r}; known: 'l1', 'l2', 'l1_l2'")
        return cls()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise TypeError(f"cannot interpret {identifier!r} as a regularizer")
