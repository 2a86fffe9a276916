"""Keras 3's neural-network ops (``keras.ops.nn``, also ``keras.ops.*``): activations with Keras'
defaults (``gelu`` approximates, ``leaky_relu``'s slope is 0.2), ``one_hot``, ``moments`` and the
cross-entropies, which return one value per example (no reduction over the batch).

>>> from workbench.keras import ops
>>> ops.softmax(ops.zeros((1, 4))).numpy().tolist()
[[0.25, 0.25, 0.25, 0.25]]
"""

from __future__ import annotations

import numpy as np

from ...errors import argcheck
from ...ops import elementwise as ew, indexing, nn as nn_ops, reduce
from .linalg import norm
from .numpy import _dtype, _floating, _t

__all__ = ["binary_crossentropy", "categorical_crossentropy", "elu", "gelu", "hard_sigmoid", "hard_silu",
           "hard_swish", "leaky_relu", "log_sigmoid", "log_softmax", "moments", "multi_hot", "normalize", "one_hot", "relu",
           "relu6", "selu", "sigmoid", "silu", "softmax", "softplus", "softsign",
           "sparse_categorical_crossentropy", "swish"]

_EPSILON = 1e-7  # Keras' backend epsilon, which clips probabilities in the cross-entropies


def relu(x):
    return nn_ops.relu(_t(x))


def relu6(x):
    return nn_ops.relu6(_t(x))


def sigmoid(x):
    return ew.sigmoid(_floating(_t(x)))


def softplus(x):
    return ew.softplus(_floating(_t(x)))


def softsign(x):
    return nn_ops.softsign(_floating(_t(x)))


def silu(x):
    return nn_ops.silu(_floating(_t(x)))


swish = silu


def log_sigmoid(x):
    return ew.log_sigmoid(_floating(_t(x)))


def elu(x, alpha=1.0):
    x = _floating(_t(x))
    alpha = argcheck.number(alpha, "alpha", "elu")
    out = nn_ops.elu(x)
    return out if alpha == 1.0 else ew.where(x > 0, out, out * np.asarray(alpha, x.dtype))


def selu(x):
    return nn_ops.selu(_floating(_t(x)))


def gelu(x, approximate=True):
    return nn_ops.gelu(_floating(_t(x)), approximate=bool(approximate))


def leaky_relu(x, negative_slope=0.2):
    return nn_ops.leaky_relu(_floating(_t(x)), alpha=argcheck.number(negative_slope, "negative_slope", "leaky_relu"))


def hard_sigmoid(x):
    """``relu6(x + 3) / 6``, Keras 3's hard sigmoid."""
    x = _floating(_t(x))
    return nn_ops.relu6(x + np.asarray(3.0, x.dtype)) / np.asarray(6.0, x.dtype)


def hard_silu(x):
    x = _floating(_t(x))
    return x * hard_sigmoid(x)


hard_swish = hard_silu


def softmax(x, axis=-1):
    x = _floating(_t(x))
    if axis is None:  # over every entry
        return ew.exp(x - reduce.reduce_logsumexp(x, keepdims=True))
    return nn_ops.softmax(x, axis=axis)


def log_softmax(x, axis=-1):
    x = _floating(_t(x))
    if axis is None:
        return x - reduce.reduce_logsumexp(x, keepdims=True)
    return nn_ops.log_softmax(x, axis=axis)


def one_hot(x, num_classes, axis=-1, dtype=None, sparse=False):
    """``x``'s integer classes as one-hot vectors (float32 unless ``dtype``), along ``axis``."""
    if sparse:
        raise ValueError("one_hot: sparse=True is not supported (sparse tensors are not Keras tensors here)")
    num_classes = argcheck.integer(num_classes, "num_classes", "one_hot", minimum=1)
    x = _t(x)
    if x.dtype.kind not in "iu":  # Keras casts float labels (``y.astype("float32")``) to integers
        x = ew.cast(x, np.int64)
    return indexing.one_hot(x, num_classes, axis=axis, dtype=_dtype(dtype) or np.float32)


def multi_hot(inputs, num_classes, axis=-1, dtype=None, sparse=False):
    """One row per example, 1 at every class it lists (``inputs`` ``[batch, n]`` of integers)."""
    hot = one_hot(inputs, num_classes, axis=axis, dtype=dtype, sparse=sparse)
    x = _t(inputs)
    reduce_axis = -2 if axis == -1 else axis
    return reduce.reduce_max(hot, axis=reduce_axis) if x.ndim > 1 else hot


def moments(x, axes, keepdims=False, synchronized=False):
    """``(mean, variance)`` of ``x`` over ``axes``."""
    if synchronized:
        raise ValueError("moments: synchronized=True needs a distribution strategy with replicas; use False")
    x = _floating(_t(x))
    axes = [axes] if isinstance(axes, int) else list(axes)
    return nn_ops.moments(x, axes, keepdims=bool(keepdims))


def normalize(x, axis=-1, order=2, epsilon=None):
    """``x`` divided by its ``order``-norm along ``axis``, the norm held at least ``epsilon``
    (``1e-7``), so zero rows stay zero."""
    x = _floating(_t(x))
    eps = np.asarray(_EPSILON if epsilon is None else argcheck.number(epsilon, "epsilon", "normalize"), x.dtype)
    if order == 2:
        inv = ew.minimum(ew.rsqrt(reduce.reduce_sum(ew.square(x), axis=axis, keepdims=True)), 1.0 / eps)
        return x * inv
    return x / ew.maximum(norm(x, ord=order, axis=axis, keepdims=True), eps)


def _check_shapes(target, output, where):
    if tuple(target.shape) != tuple(output.shape):
        raise ValueError(f"{where}: target and output must have the same shape, got {tuple(target.shape)} "
                         f"and {tuple(output.shape)}")


def binary_crossentropy(target, output, from_logits=False):
    """Elementwise binary cross-entropy of probabilities (or logits) ``output``."""
    output = _floating(_t(output))
    target = ew.cast(_t(target), output.dtype)
    _check_shapes(target, output, "binary_crossentropy")
    if from_logits:
        return nn_ops.sigmoid_cross_entropy_with_logits(labels=target, logits=output)
    p = ew.clip_by_value(output, np.asarray(_EPSILON, output.dtype), np.asarray(1.0 - _EPSILON, output.dtype))
    return -(target * ew.log(p) + (1.0 - target) * ew.log(1.0 - p))


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Cross-entropy over ``axis`` between one-hot (or soft) ``target`` and ``output``."""
    output = _floating(_t(output))
    target = ew.cast(_t(target), output.dtype)
    _check_shapes(target, output, "categorical_crossentropy")
    if from_logits:
        logp = nn_ops.log_softmax(output, axis=axis)
    else:
        p = output / reduce.reduce_sum(output, axis=axis, keepdims=True)
        logp = ew.log(ew.clip_by_value(p, np.asarray(_EPSILON, p.dtype), np.asarray(1.0 - _EPSILON, p.dtype)))
    return -reduce.reduce_sum(target * logp, axis=axis)


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Cross-entropy over ``axis`` between integer classes ``target`` and ``output``."""
    output = _floating(_t(output))
    target = _t(target)
    if target.ndim == output.ndim and target.shape[-1] == 1:
        target = target[..., 0]
    if target.dtype.kind not in "iu":
        target = ew.cast(target, np.int64)
    hot = indexing.one_hot(target, output.shape[axis], axis=axis, dtype=output.dtype)
    return categorical_crossentropy(hot, output, from_logits=from_logits, axis=axis)
