"""Weight constraints under Keras 3's names (``keras.constraints``): ``MaxNorm``, ``MinMaxNorm``,
``NonNeg``, ``UnitNorm``.

A constraint maps a weight to its constrained value; an optimizer assigns it after each update
of a weight made with ``add_weight(constraint=...)`` (or a layer's ``kernel_constraint``).
Norms are taken along ``axis`` (Keras' default 0: each column of a Dense kernel), with Keras'
epsilon 1e-7 in the divisions.

>>> c = wb.keras.constraints.MaxNorm(max_value=1.0)
>>> c(wb.constant([[3.0], [4.0]])).numpy().round(4).tolist()
[[0.6], [0.8]]
"""

from __future__ import annotations

from ..core import convert_to_tensor
from ..ops.elementwise import clip_by_value, maximum, sqrt, square
from ..ops.reduce import reduce_sum
from .serialization import Configurable, deserialize_object, serialize_object

__all__ = ["Constraint", "MaxNorm", "MinMaxNorm", "NonNeg", "UnitNorm", "deserialize", "get", "max_norm",
           "min_max_norm", "non_neg", "serialize", "unit_norm"]

_EPSILON = 1e-7   # Keras' backend.epsilon()


class Constraint(Configurable):
    """Base class: ``__call__(w)`` returns the constrained weight."""

    def __call__(self, w):
        return w


def _norms(w, axis):
    return sqrt(reduce_sum(square(w), axis=axis, keepdims=True))


def _axis(axis):
    return list(axis) if isinstance(axis, (list, tuple)) else int(axis)


def _number(value, what, where):
    try:
        return float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{where}: {what} must be a number, got {value!r}") from None


class MaxNorm(Constraint):
    """Scale the weights whose norm along ``axis`` exceeds ``max_value`` down to it."""

    def __init__(self, max_value=2, axis=0):
        _number(max_value, "max_value", "MaxNorm")
        self.max_value = max_value
        self.axis = _axis(axis)

    def __call__(self, w):
        norms = _norms(w, self.axis)
        desired = clip_by_value(norms, 0.0, self.max_value)
        return w * (desired / (norms + _EPSILON))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    """Set the negative weights to zero."""

    def __call__(self, w):
        w = convert_to_tensor(w)
        return maximum(w, 0.0)


class UnitNorm(Constraint):
    """Scale the weights to norm 1 along ``axis``."""

    def __init__(self, axis=0):
        self.axis = _axis(axis)

    def __call__(self, w):
        return w / (_norms(w, self.axis) + _EPSILON)

    def get_config(self):
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    """Move the norm along ``axis`` into ``[min_value, max_value]``, by the fraction ``rate``
    of the way (1: all the way)."""

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        for what, value in (("min_value", min_value), ("max_value", max_value), ("rate", rate)):
            _number(value, what, "MinMaxNorm")
        self.min_value, self.max_value, self.rate = min_value, max_value, rate
        self.axis = _axis(axis)

    def __call__(self, w):
        norms = _norms(w, self.axis)
        desired = self.rate * clip_by_value(norms, self.min_value, self.max_value) + (1 - self.rate) * norms
        return w * (desired / (norms + _EPSILON))

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate, "axis": self.axis}


# Keras 3's lower-case aliases are the classes themselves
max_norm, non_neg, unit_norm, min_max_norm = MaxNorm, NonNeg, UnitNorm, MinMaxNorm

_BY_NAME = {"MaxNorm": MaxNorm, "max_norm": MaxNorm, "NonNeg": NonNeg, "non_neg": NonNeg,
            "UnitNorm": UnitNorm, "unit_norm": UnitNorm, "MinMaxNorm": MinMaxNorm, "min_max_norm": MinMaxNorm}


def serialize(constraint):
    """Keras' form: ``{"class_name": "MaxNorm", "config": {"max_value": 2, "axis": 0}}``; None
    stays None."""
    return serialize_object(constraint, Constraint, get)


def deserialize(config, custom_objects=None):
    """The constraint a :func:`serialize` config describes."""
    return deserialize_object(config, "constraint", get, builtin_class,
                              "'MaxNorm', 'MinMaxNorm', 'NonNeg', 'UnitNorm'", custom_objects)


def builtin_class(name):
    """The library's constraint class called ``name`` (``"MaxNorm"``, ``"max_norm"``), else None."""
    return _BY_NAME.get(name) if isinstance(name, str) else None


def get(identifier):
    """A constraint from a name (``"non_neg"``, ``"MaxNorm"``), a config dict, a constraint or a
    callable; None stays None."""
    if identifier is None or isinstance(identifier, Constraint):
        return identifier
    if isinstance(identifier, str):
        cls = _BY_NAME.get(identifier)
        if cls is None:
            raise ValueError(f"Could not interpret constraint identifier: {identifier} (known: "
                             f"{sorted(_BY_NAME)})")
        return cls()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret constraint identifier: {identifier!r}")
