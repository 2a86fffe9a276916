"""Losses with Keras' names, arguments and reductions (``tf.keras.losses``).

Each loss exists as a function returning one value per example (the mean
over the last axis, as in Keras) and as a class whose call applies
``sample_weight`` and a reduction: ``"sum_over_batch_size"`` (default: the sum
divided by the number of per-example values), ``"sum"`` or ``"none"``.

>>> mse = wb.keras.losses.MeanSquaredError()
>>> float(mse(wb.constant([[0.0, 1.0], [0.0, 0.0]]), wb.constant([[1.0, 1.0], [1.0, 0.0]])))
0.5

``from_logits=True`` computes cross-entropies from logits with the stable
softplus / log-softmax forms; probabilities are clipped to ``[1e-7, 1 - 1e-7]``
as Keras does.
"""

from __future__ import annotations

import re

import numpy as np

import workbench as wb

from ..errors import argcheck
from .serialization import deserialize_object, serialize_object

__all__ = [
    "BinaryCrossentropy", "CategoricalCrossentropy", "Huber", "KLDivergence", "Loss",
    "MeanAbsoluteError", "MeanSquaredError", "SparseCategoricalCrossentropy",
    "binary_crossentropy", "categorical_crossentropy", "get", "huber", "kl_divergence",
    "mean_absolute_error", "mean_squared_error", "sparse_categorical_crossentropy",
]

EPSILON = 1e-7
_REDUCTIONS = ("sum_over_batch_size", "sum", "none", "auto")


def _pair(y_true, y_pred, opname):
    """``y_pred`` as a floating tensor and ``y_true`` converted to its dtype."""
    y_pred = wb.convert_to_tensor(y_pred)
    if y_pred.dtype.kind != "f":
        y_pred = wb.cast(y_pred, np.float32)
    y_true = wb.convert_to_tensor(y_true)
    if y_true.dtype != y_pred.dtype:
        y_true = wb.cast(y_true, y_pred.dtype)
    if y_true.shape != y_pred.shape:
        try:
            np.broadcast_shapes(y_true.shape, y_pred.shape)
        except ValueError:
            raise ValueError(f"{opname}: y_true has shape {y_true.shape} and y_pred {y_pred.shape}; "
                             "they must have the same shape") from None
    return y_true, y_pred


def mean_squared_error(y_true, y_pred):
    """``mean(square(y_true - y_pred), axis=-1)``."""
    y_true, y_pred = _pair(y_true, y_pred, "mean_squared_error")
    return wb.reduce_mean(wb.square(y_pred - y_true), axis=-1)


def mean_absolute_error(y_true, y_pred):
    """``mean(abs(y_true - y_pred), axis=-1)``."""
    y_true, y_pred = _pair(y_true, y_pred, "mean_absolute_error")
    return wb.reduce_mean(wb.abs(y_pred - y_true), axis=-1)


def _smooth_binary(y_true, label_smoothing):
    return y_true if not label_smoothing else y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Mean over ``axis`` of ``-(y log p + (1 - y) log(1 - p))``; ``y_pred`` holds logits
    (``from_logits=True``) or probabilities (clipped to ``[eps, 1 - eps]``)."""
    y_true, y_pred = _pair(y_true, y_pred, "binary_crossentropy")
    y_true = _smooth_binary(y_true, label_smoothing)
    if from_logits:
        # max(x, 0) - x y + log(1 + exp(-|x|)), written as softplus(x) - x y
        per = wb.nn.softplus(y_pred) - y_pred * y_true
    else:
        p = wb.clip_by_value(y_pred, EPSILON, 1.0 - EPSILON)
        per = -(y_true * wb.math.log(p + EPSILON) + (1.0 - y_true) * wb.math.log(1.0 - p + EPSILON))
    return wb.reduce_mean(per, axis=axis)


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """``-sum(y_true * log(p), axis)`` with ``p = softmax(y_pred)`` (logits) or ``y_pred``
    rescaled to sum to 1 and clipped (probabilities)."""
    y_true, y_pred = _pair(y_true, y_pred, "categorical_crossentropy")
    if label_smoothing:
        k = y_pred.shape[axis]
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / k
    if from_logits:
        return -wb.reduce_sum(y_true * wb.nn.log_softmax(y_pred, axis=axis), axis=axis)
    p = y_pred / wb.reduce_sum(y_pred, axis=axis, keepdims=True)
    p = wb.clip_by_value(p, EPSILON, 1.0 - EPSILON)
    return -wb.reduce_sum(y_true * wb.math.log(p), axis=axis)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, axis=-1, ignore_class=None):
    """Cross-entropy against integer classes ``y_true`` (shape ``y_pred.shape[:-1]``, or with
    a trailing 1). ``ignore_class``: examples of that class get loss 0."""
    y_pred = wb.convert_to_tensor(y_pred)
    labels = wb.convert_to_tensor(y_true)
    if labels.ndim == y_pred.ndim and labels.shape[-1] == 1:
        labels = wb.squeeze(labels, axis=-1)
    if labels.dtype.kind == "f":
        labels = wb.cast(labels, np.int64)
    if labels.shape != y_pred.shape[:-1]:
        raise ValueError(f"sparse_categorical_crossentropy: y_true must have shape {y_pred.shape[:-1]} "
                         f"(y_pred without its class axis), got {labels.shape}")
    if axis not in (-1, y_pred.ndim - 1):
        raise ValueError("sparse_categorical_crossentropy: the class axis must be the last")
    if from_logits and ignore_class is None:  # TF's fused op, as Keras calls it
        return wb.nn.sparse_softmax_cross_entropy_with_logits(labels, y_pred)
    keep = None
    if ignore_class is not None:
        keep = wb.not_equal(labels, ignore_class)
        labels = wb.where(keep, labels, wb.zeros_like(labels))
    if from_logits:
        logp = wb.nn.log_softmax(y_pred, axis=-1)
    else:
        # probabilities are clipped but, unlike the dense form, not rescaled (as Keras)
        logp = wb.math.log(wb.clip_by_value(y_pred, EPSILON, 1.0 - EPSILON))
    onehot = wb.one_hot(labels, y_pred.shape[-1], dtype=y_pred.dtype)
    loss = -wb.reduce_sum(onehot * logp, axis=-1)
    if keep is not None:
        loss = loss * wb.cast(keep, loss.dtype)
    return loss


def huber(y_true, y_pred, delta=1.0):
    """Mean over the last axis of ``0.5 e^2`` where ``|e| <= delta`` and
    ``delta (|e| - 0.5 delta)`` elsewhere (``e = y_pred - y_true``)."""
    y_true, y_pred = _pair(y_true, y_pred, "huber")
    err = wb.abs(y_pred - y_true)
    quad = wb.minimum(err, delta)
    return wb.reduce_mean(0.5 * quad * quad + delta * (err - quad), axis=-1)


def kl_divergence(y_true, y_pred):
    """``sum(y_true * log(y_true / y_pred), axis=-1)`` with both clipped to ``[eps, 1]``."""
    y_true, y_pred = _pair(y_true, y_pred, "kl_divergence")
    t = wb.clip_by_value(y_true, EPSILON, 1.0)
    p = wb.clip_by_value(y_pred, EPSILON, 1.0)
    return wb.reduce_sum(t * wb.math.log(t / p), axis=-1)


mse, mae, kld = mean_squared_error, mean_absolute_error, kl_divergence


def _weights_like(sample_weight, losses):
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
    if sample_weight is not None:
        losses = losses * _weights_like(sample_weight, losses)
    if reduction == "none":
        return losses
    total = wb.reduce_sum(losses)
    if reduction == "sum":
        return total
    return total / max(1, int(np.prod(losses.shape)))


class Loss:
    """Base class: subclasses implement ``call(y_true, y_pred)`` returning per-example losses;
    calling the loss applies ``sample_weight`` and the reduction."""

    def __init__(self, reduction="sum_over_batch_size", name=None):
        if reduction not in _REDUCTIONS:
            raise ValueError(f"{type(self).__name__}: reduction must be one of "
                             f"{list(_REDUCTIONS[:3])}, got {reduction!r}")
        self.reduction = "sum_over_batch_size" if reduction == "auto" else reduction
        self.name = name or _snake(type(self).__name__)

    def call(self, y_true, y_pred):
        raise NotImplementedError(f"{type(self).__name__} must implement call(y_true, y_pred)")

    def __call__(self, y_true, y_pred, sample_weight=None):
        return reduce_weighted_loss(self.call(y_true, y_pred), sample_weight, self.reduction)

    def get_config(self):
        return {"reduction": self.reduction, "name": self.name}

    @classmethod
    def from_config(cls, config):
        """The loss a :meth:`get_config` dict describes."""
        return cls(**config)

    def __repr__(self):
        return f"{type(self).__name__}(reduction={self.reduction!r})"


def _snake(name):
    """Keras' snake_case of a class name: ``KLDivergence`` -> ``kl_divergence``."""
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)).lower()


class MeanSquaredError(Loss):
    def call(self, y_true, y_pred):
        return mean_squared_error(y_true, y_pred)


class MeanAbsoluteError(Loss):
    def call(self, y_true, y_pred):
        return mean_absolute_error(y_true, y_pred)


def _smoothing(value, where):
    """A label-smoothing factor in [0, 1] (Keras'); anything else is refused by name."""
    v = argcheck.number(value, "label_smoothing", where)
    if not 0.0 <= v <= 1.0:
        raise ValueError(f"{where}: label_smoothing must be in [0, 1], got {value!r}")
    return v


class BinaryCrossentropy(Loss):
    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="binary_crossentropy"):
        super().__init__(reduction, name)
        self.from_logits, self.axis = bool(from_logits), axis
        self.label_smoothing = _smoothing(label_smoothing, type(self).__name__)

    def call(self, y_true, y_pred):
        return binary_crossentropy(y_true, y_pred, self.from_logits, self.label_smoothing, self.axis)

    def get_config(self):
        return {**super().get_config(), "from_logits": self.from_logits,
                "label_smoothing": self.label_smoothing, "axis": self.axis}


class CategoricalCrossentropy(Loss):
    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="categorical_crossentropy"):
        super().__init__(reduction, name)
        self.from_logits, self.axis = bool(from_logits), axis
        self.label_smoothing = _smoothing(label_smoothing, type(self).__name__)

    def call(self, y_true, y_pred):
        return categorical_crossentropy(y_true, y_pred, self.from_logits, self.label_smoothing, self.axis)

    def get_config(self):
        return {**super().get_config(), "from_logits": self.from_logits,
                "label_smoothing": self.label_smoothing, "axis": self.axis}


class SparseCategoricalCrossentropy(Loss):
    def __init__(self, from_logits=False, ignore_class=None, reduction="sum_over_batch_size",
                 name="sparse_categorical_crossentropy"):
        super().__init__(reduction, name)
        self.from_logits, self.ignore_class = bool(from_logits), ignore_class

    def call(self, y_true, y_pred):
        return sparse_categorical_crossentropy(y_true, y_pred, self.from_logits, ignore_class=self.ignore_class)

    def get_config(self):
        return {**super().get_config(), "from_logits": self.from_logits, "ignore_class": self.ignore_class}


class Huber(Loss):
    def __init__(self, delta=1.0, reduction="sum_over_batch_size", name="huber_loss"):
        super().__init__(reduction, name)
        self.delta = argcheck.number(delta, "delta", "Huber")
        if self.delta <= 0:
            raise ValueError(f"Huber: delta must be positive, got {delta!r}")

    def call(self, y_true, y_pred):
        return huber(y_true, y_pred, self.delta)

    def get_config(self):
        return {**super().get_config(), "delta": self.delta}


class KLDivergence(Loss):
    def __init__(self, reduction="sum_over_batch_size", name="kl_divergence"):
        super().__init__(reduction, name)

    def call(self, y_true, y_pred):
        return kl_divergence(y_true, y_pred)


_CLASSES = (MeanSquaredError, MeanAbsoluteError, BinaryCrossentropy, CategoricalCrossentropy,
            SparseCategoricalCrossentropy, Huber, KLDivergence)
# Keras 3's short names; every class is known by its class name and its snake_case name too
_ALIASES = {"mse": MeanSquaredError, "mae": MeanAbsoluteError, "bce": BinaryCrossentropy,
            "kld": KLDivergence, "huber_loss": Huber}
_BY_NAME = {**{_snake(c.__name__): c for c in _CLASSES}, **{c.__name__: c for c in _CLASSES}, **_ALIASES}


def builtin_class(name):
    """The library's loss class called ``name`` (a class name, a snake_case name or an alias such
    as ``"mse"``, ``"MSE"``), else None."""
    if not isinstance(name, str):
        return None
    return _BY_NAME.get(name) or _BY_NAME.get(name.lower() if name.isupper() else _snake(name))


_FUNCTIONS = {fn.__name__: fn for fn in (
    mean_squared_error, mean_absolute_error, binary_crossentropy, categorical_crossentropy,
    sparse_categorical_crossentropy, huber, kl_divergence)}


def builtin_function(name):
    """The library's loss function called ``name`` (``"huber"``), else None."""
    return _FUNCTIONS.get(name) if isinstance(name, str) else None


def serialize(loss):
    """Keras' form ``{"class_name": "Huber", "config": {...}}`` of a Loss; a function becomes a
    function reference (see ``wb.keras.serialization``)."""
    return serialize_object(loss, Loss, get)


def deserialize(config, custom_objects=None):
    """The loss a :func:`serialize` config (or a name) describes."""
    return deserialize_object(config, "loss", get, builtin_class, _known(), custom_objects)


def _known():
    return sorted(k for k in _BY_NAME if k.islower())


def get(identifier):
    """A loss from a name (``"mse"``, ``"sparse_categorical_crossentropy"``, ``"Huber"``), a
    config dict (``{"class_name": ..., "config": {...}}``), a Loss or any callable
    ``fn(y_true, y_pred)``; None gives None. A name gives an instance of its Loss class (with the
    default arguments), so that ``sample_weight`` and the reduction apply to it.

    >>> wb.keras.losses.get("mse")
    MeanSquaredError(reduction='sum_over_batch_size')
    """
    if identifier is None or isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, str):
        cls = builtin_class(identifier)
        if cls is None:
            raise ValueError(f"unknown loss {identifier!r}; known: {_known()}")
        return cls()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, type) and issubclass(identifier, Loss):
        return identifier()
    if callable(identifier):
        return identifier
    raise TypeError(f"cannot interpret {argcheck.describe(identifier)} as a loss: expected a name, "
                    "a config dict, a Loss or a callable")
