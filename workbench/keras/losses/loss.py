"""The loss base class, Keras 3's reductions, and the wrapper that turns a loss function into a Loss.

A loss function returns one value per example (``[batch, d0, .. dN-1]`` for inputs
``[batch, d0, .. dN]``); a :class:`Loss` applies ``sample_weight`` and a reduction to it:
``"sum_over_batch_size"`` (default) divides the weighted sum by the number of values,
``"mean_with_sample_weight"`` by the sum of the weights, ``"sum"`` keeps the sum and ``"none"``
(or None) keeps the values; ``"mean"`` is Keras 3's synonym of the default.
"""

from __future__ import annotations

import re

import numpy as np

import workbench as wb

from ...errors import argcheck
from ..dtype_policies import floatx
from ..serialization import deserialize_function, serialize_function

EPSILON = 1e-7
REDUCTIONS = ("sum_over_batch_size", "mean", "sum", "mean_with_sample_weight", "none", None)


FUNCTIONS: dict = {}   # name -> the library's loss functions, filled by @loss_function


def loss_function(fn):
    """Decorator: make ``fn`` known by name to ``get``, configs and metrics."""
    FUNCTIONS[fn.__name__] = fn
    return fn


def snake_case(name):
    """Keras' snake_case of a class name: ``KLDivergence`` -> ``kl_divergence``."""
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)).lower()


def pair(y_true, y_pred, opname):
    """``y_pred`` as a floating tensor and ``y_true`` converted to its dtype, brought to the same
    rank (:func:`same_rank`) and checked to broadcast."""
    y_pred = wb.convert_to_tensor(y_pred)
    if y_pred.dtype.kind != "f":
        y_pred = wb.cast(y_pred, np.float32)
    y_true = wb.convert_to_tensor(y_true)
    if y_true.dtype != y_pred.dtype:
        y_true = wb.cast(y_true, y_pred.dtype)
    y_true, y_pred = same_rank(y_true, y_pred)
    if y_true.shape != y_pred.shape:
        try:
            np.broadcast_shapes(y_true.shape, y_pred.shape)
        except ValueError:
            raise ValueError(f"{opname}: y_true has shape {y_true.shape} and y_pred {y_pred.shape}; "
                             "they must have the same shape") from None
    return y_true, y_pred


def same_rank(a, b):
    """Keras' squeeze-or-expand: when the ranks differ by one and the longer has a trailing axis
    of 1, a rank-1 partner gains that axis, any other partner keeps its shape and the axis goes."""
    if a.ndim == b.ndim + 1 and a.shape[-1] == 1:
        return (a, wb.expand_dims(b, -1)) if b.ndim == 1 else (wb.squeeze(a, axis=-1), b)
    if b.ndim == a.ndim + 1 and b.shape[-1] == 1:
        return (wb.expand_dims(a, -1), b) if a.ndim == 1 else (a, wb.squeeze(b, axis=-1))
    return a, b


def weights_like(sample_weight, losses):
    """``sample_weight`` shaped to broadcast against ``losses`` (Keras' squeeze-or-expand)."""
    w = wb.convert_to_tensor(sample_weight)
    if w.dtype != losses.dtype:
        w = wb.cast(w, losses.dtype)
    while w.ndim > losses.ndim and w.shape[-1] == 1:
        w = wb.squeeze(w, axis=-1)
    while w.ndim < losses.ndim:
        w = wb.expand_dims(w, -1)
    return w


def reduce_weighted_loss(losses, sample_weight=None, reduction="sum_over_batch_size"):
    """Apply ``sample_weight`` and ``reduction`` to per-example ``losses``."""
    w = None
    if sample_weight is not None:
        w = weights_like(sample_weight, losses)
        losses = losses * w
    if reduction in ("none", None) or losses.ndim == 0:
        return losses
    total = wb.reduce_sum(losses)
    if reduction == "sum":
        return total
    if reduction == "mean_with_sample_weight" and w is not None:
        return wb.math.divide_no_nan(total, wb.reduce_sum(wb.broadcast_to(w, losses.shape)))
    return total / max(1, int(np.prod(losses.shape)))


def check_reduction(reduction, where):
    if reduction == "auto":   # TF 2 (Keras 2) spelling of the default
        return "sum_over_batch_size"
    if reduction not in REDUCTIONS:
        raise ValueError(f"{where}: reduction must be one of {list(REDUCTIONS)}, got {reduction!r}")
    return reduction


def check_fraction(value, name, where, low=0.0, high=1.0):
    """A number in ``[low, high]`` (label smoothing, alpha), refused by name otherwise."""
    v = argcheck.number(value, name, where)
    if not low <= v <= high:
        raise ValueError(f"{where}: {name} must be in [{low:g}, {high:g}], got {value!r}")
    return v


def check_nonnegative(value, name, where):
    v = argcheck.number(value, name, where)
    if not v >= 0:
        raise ValueError(f"{where}: {name} must be a non-negative number, got {value!r}")
    return v


def check_axis(axis, name, where, allow_none=False):
    """An integer axis, a list of them, or (``allow_none``) None."""
    if axis is None and allow_none:
        return None
    if isinstance(axis, (list, tuple)) and axis and all(argcheck.as_int(a) is not None for a in axis):
        return [int(a) for a in axis]
    if argcheck.as_int(axis) is None:
        expected = "an integer, a list of integers or None" if allow_none else "an integer"
        raise TypeError(f"{where}: {name} must be {expected}, got {argcheck.describe(axis)}")
    return int(axis)


class Loss:
    """Base class: subclasses implement ``call(y_true, y_pred)`` returning per-example losses;
    calling the loss applies ``sample_weight`` and the reduction.

    ``dtype``: when given, both inputs are cast to it first; by default a floating ``y_pred`` is
    computed in ``floatx()`` (float32: a float16 or float64 prediction is cast to it, as Keras 3's
    losses do; the loss functions such as ``mean_squared_error`` keep their inputs' dtype), other
    predictions in float32, and ``y_true`` is cast to the prediction's dtype.

    >>> class MeanCubedError(wb.keras.losses.Loss):
    ...     def call(self, y_true, y_pred):
    ...         return wb.reduce_mean(wb.abs(y_pred - y_true) ** 3, axis=-1)
    >>> float(MeanCubedError()(wb.constant([[0.0, 2.0]]), wb.constant([[1.0, 0.0]])))
    4.5
    """

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        where = type(self).__name__
        self.reduction = check_reduction(reduction, where)
        self.name = name or snake_case(where)
        self.dtype = None if dtype is None else np.dtype(dtype)
        if self.dtype is not None and self.dtype.kind != "f":
            raise TypeError(f"{where}: dtype must be a floating dtype, got {dtype!r}")

    def call(self, y_true, y_pred):
        raise NotImplementedError(f"{type(self).__name__} must implement call(y_true, y_pred)")

    def __call__(self, y_true, y_pred, sample_weight=None):
        if self.dtype is not None:
            y_true, y_pred = (wb.cast(wb.convert_to_tensor(y), self.dtype) for y in (y_true, y_pred))
        elif isinstance(y_pred, wb.Tensor) or not hasattr(type(y_pred), "__wb_tensor__"):
            # Keras 3 computes in floatx(): a float16 or float64 prediction is cast to float32; a
            # tensor-like object (a probability layer's distribution) reaches the loss as it is,
            # so that `lambda y, rv_y: -rv_y.log_prob(y)` works as with TFP's layers
            y_pred = wb.convert_to_tensor(y_pred)
            want = np.dtype(floatx())
            if y_pred.dtype.kind == "f" and y_pred.dtype != want:
                y_pred = wb.cast(y_pred, want)
        return reduce_weighted_loss(self.call(y_true, y_pred), sample_weight, self.reduction)

    def get_config(self):
        config = {"name": self.name, "reduction": self.reduction}
        if self.dtype is not None:   # Keras' configs carry no dtype for the default
            config["dtype"] = self.dtype.name
        return config

    @classmethod
    def from_config(cls, config):
        """The loss a :meth:`get_config` dict describes."""
        return cls(**config)

    def __repr__(self):
        return f"{type(self).__name__}(reduction={self.reduction!r})"


class LossFunctionWrapper(Loss):
    """A Loss computing ``fn(y_true, y_pred, **kwargs)``; the keyword arguments become attributes
    and part of the config.

    >>> loss = wb.keras.losses.LossFunctionWrapper(wb.keras.losses.huber, delta=0.5)
    >>> round(float(loss(wb.constant([[0.0]]), wb.constant([[2.0]]))), 3)
    0.875
    """

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        super().__init__(name=name or getattr(fn, "__name__", None), reduction=reduction, dtype=dtype)
        if not callable(fn):
            raise TypeError(f"{type(self).__name__}: fn must be callable, got {argcheck.describe(fn)}")
        self.fn = fn
        self._fn_kwargs = kwargs
        for key, value in kwargs.items():
            setattr(self, key, value)

    def call(self, y_true, y_pred):
        # Keras matches the ranks before calling fn: targets [n] against outputs [n, 1] become [n, 1]
        # (a distribution output, as tfp.layers give, is left whole: only the targets change)
        if isinstance(y_pred, wb.Tensor):
            y_true, y_pred = same_rank(wb.convert_to_tensor(y_true), y_pred)
        elif hasattr(y_pred, "__wb_tensor__"):
            y_true = wb.convert_to_tensor(y_true)
            shape = tuple(y_pred.shape)
            if y_true.ndim == 1 and len(shape) == 2 and shape[-1] == 1:
                y_true = wb.expand_dims(y_true, -1)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self):
        config = {**super().get_config(), **self._fn_kwargs}
        if type(self) is LossFunctionWrapper:  # a subclass names its function by its class
            config["fn"] = function_config(self.fn)
        return config

    @classmethod
    def from_config(cls, config):
        if cls is LossFunctionWrapper:
            config = {**config, "fn": function_from_config(config["fn"])}
        return cls(**config)


def function_config(fn):
    """A function reference for a config: a library loss function by its bare name."""
    if FUNCTIONS.get(getattr(fn, "__name__", None)) is fn:
        return {"class_name": "function", "config": fn.__name__, "module": "workbench.keras.losses"}
    return serialize_function(fn)


def function_from_config(ref, custom_objects=None):
    """The function a :func:`function_config` reference names."""
    if isinstance(ref, dict) and ref.get("module") == "workbench.keras.losses" and ref.get("config") in FUNCTIONS:
        return FUNCTIONS[ref["config"]]
    return deserialize_function(ref, custom_objects)
