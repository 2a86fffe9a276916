"""Probabilistic losses: binary, categorical and sparse cross-entropies, their focal forms,
the KL divergence and the Poisson loss.

``from_logits=True`` computes cross-entropies from logits with the stable softplus /
log-softmax forms; probabilities are clipped to ``[1e-7, 1 - 1e-7]`` as Keras does.

>>> round(float(wb.keras.losses.BinaryFocalCrossentropy(gamma=2.0)([[0.0, 1.0]], [[0.4, 0.6]])), 4)
0.0817
"""

from __future__ import annotations

import numpy as np

import workbench as wb

from ...errors import argcheck
from .loss import EPSILON, LossFunctionWrapper, check_axis, check_fraction, check_nonnegative, loss_function, pair


def _smooth_binary(y_true, label_smoothing):
    return y_true if not label_smoothing else y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing


def _smooth_categorical(y_true, label_smoothing, classes):
    return y_true if not label_smoothing else y_true * (1.0 - label_smoothing) + label_smoothing / classes


@loss_function
def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Mean over ``axis`` of ``-(y log p + (1 - y) log(1 - p))``; ``y_pred`` holds logits
    (``from_logits=True``) or probabilities (clipped to ``[eps, 1 - eps]``)."""
    y_true, y_pred = pair(y_true, y_pred, "binary_crossentropy")
    y_true = _smooth_binary(y_true, label_smoothing)
    if from_logits:
        # max(x, 0) - x y + log(1 + exp(-|x|)), written as softplus(x) - x y
        per = wb.nn.softplus(y_pred) - y_pred * y_true
    else:
        p = wb.clip_by_value(y_pred, EPSILON, 1.0 - EPSILON)
        per = -(y_true * wb.math.log(p + EPSILON) + (1.0 - y_true) * wb.math.log(1.0 - p + EPSILON))
    return wb.reduce_mean(per, axis=axis)


@loss_function
def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """``-sum(y_true * log(p), axis)`` with ``p = softmax(y_pred)`` (logits) or ``y_pred``
    rescaled to sum to 1 and clipped (probabilities)."""
    y_true, y_pred = pair(y_true, y_pred, "categorical_crossentropy")
    y_true = _smooth_categorical(y_true, label_smoothing, y_pred.shape[axis])
    if from_logits:
        return -wb.reduce_sum(y_true * wb.nn.log_softmax(y_pred, axis=axis), axis=axis)
    p = y_pred / wb.reduce_sum(y_pred, axis=axis, keepdims=True)
    p = wb.clip_by_value(p, EPSILON, 1.0 - EPSILON)
    return -wb.reduce_sum(y_true * wb.math.log(p), axis=axis)


@loss_function
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


@loss_function
def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing=False, alpha=0.25, gamma=2.0,
                              from_logits=False, label_smoothing=0.0, axis=-1):
    """Focal loss (Lin et al., 2017): the binary cross-entropy of each entry scaled by
    ``(1 - p_t) ** gamma``, where ``p_t = y p + (1 - y)(1 - p)`` is the probability given to
    the true label, so that well-classified entries count less; with
    ``apply_class_balancing`` also by ``alpha`` for positives and ``1 - alpha`` for negatives.
    The mean over ``axis``. With ``from_logits`` the cross-entropy uses the stable logits form."""
    y_true, y_pred = pair(y_true, y_pred, "binary_focal_crossentropy")
    y_true = _smooth_binary(y_true, label_smoothing)
    if from_logits:
        bce = wb.nn.softplus(y_pred) - y_pred * y_true
        p = wb.sigmoid(y_pred)
    else:
        p = y_pred
        clipped = wb.clip_by_value(y_pred, EPSILON, 1.0 - EPSILON)
        bce = -(y_true * wb.math.log(clipped) + (1.0 - y_true) * wb.math.log(1.0 - clipped))
    p_t = y_true * p + (1.0 - y_true) * (1.0 - p)
    focal = wb.pow(1.0 - p_t, gamma) * bce
    if apply_class_balancing:
        focal = (y_true * alpha + (1.0 - y_true) * (1.0 - alpha)) * focal
    return wb.reduce_mean(focal, axis=axis)


@loss_function
def categorical_focal_crossentropy(y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False,
                                   label_smoothing=0.0, axis=-1):
    """Focal categorical cross-entropy: ``sum(alpha * (1 - p) ** gamma * -y_true * log(p), axis)``
    with ``p`` the probabilities (softmax of logits, or ``y_pred`` rescaled to sum to 1),
    clipped to ``[eps, 1 - eps]``."""
    y_true, y_pred = pair(y_true, y_pred, "categorical_focal_crossentropy")
    y_true = _smooth_categorical(y_true, label_smoothing, y_pred.shape[axis])
    if from_logits:
        y_pred = wb.nn.softmax(y_pred, axis=axis)
    p = wb.clip_by_value(y_pred / wb.reduce_sum(y_pred, axis=axis, keepdims=True), EPSILON, 1.0 - EPSILON)
    focal = alpha * wb.pow(1.0 - p, gamma) * (-y_true * wb.math.log(p))
    return wb.reduce_sum(focal, axis=axis)


@loss_function
def kl_divergence(y_true, y_pred):
    """``sum(y_true * log(y_true / y_pred), axis=-1)`` with both clipped to ``[eps, 1]``."""
    y_true, y_pred = pair(y_true, y_pred, "kl_divergence")
    t = wb.clip_by_value(y_true, EPSILON, 1.0)
    p = wb.clip_by_value(y_pred, EPSILON, 1.0)
    return wb.reduce_sum(t * wb.math.log(t / p), axis=-1)


@loss_function
def poisson(y_true, y_pred):
    """``mean(y_pred - y_true * log(y_pred + eps), axis=-1)``: the negative Poisson log-likelihood
    of counts ``y_true`` with rates ``y_pred``, up to a term free of ``y_pred``."""
    y_true, y_pred = pair(y_true, y_pred, "poisson")
    return wb.reduce_mean(y_pred - y_true * wb.math.log(y_pred + EPSILON), axis=-1)


class BinaryCrossentropy(LossFunctionWrapper):
    """:func:`binary_crossentropy` as a Loss."""

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="binary_crossentropy", dtype=None):
        super().__init__(binary_crossentropy, reduction=reduction, name=name, dtype=dtype,
                         from_logits=bool(from_logits),
                         label_smoothing=check_fraction(label_smoothing, "label_smoothing", "BinaryCrossentropy"),
                         axis=check_axis(axis, "axis", "BinaryCrossentropy"))


class CategoricalCrossentropy(LossFunctionWrapper):
    """:func:`categorical_crossentropy` as a Loss."""

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="categorical_crossentropy", dtype=None):
        super().__init__(categorical_crossentropy, reduction=reduction, name=name, dtype=dtype,
                         from_logits=bool(from_logits),
                         label_smoothing=check_fraction(label_smoothing, "label_smoothing",
                                                        "CategoricalCrossentropy"),
                         axis=check_axis(axis, "axis", "CategoricalCrossentropy"))


class SparseCategoricalCrossentropy(LossFunctionWrapper):
    """:func:`sparse_categorical_crossentropy` as a Loss."""

    def __init__(self, from_logits=False, ignore_class=None, reduction="sum_over_batch_size",
                 name="sparse_categorical_crossentropy", dtype=None):
        if ignore_class is not None and argcheck.as_int(ignore_class) is None:
            raise TypeError("SparseCategoricalCrossentropy: ignore_class must be an integer or None, got "
                            f"{argcheck.describe(ignore_class)}")
        super().__init__(sparse_categorical_crossentropy, reduction=reduction, name=name, dtype=dtype,
                         from_logits=bool(from_logits), ignore_class=ignore_class)


class BinaryFocalCrossentropy(LossFunctionWrapper):
    """:func:`binary_focal_crossentropy` as a Loss.

    >>> loss = wb.keras.losses.BinaryFocalCrossentropy(apply_class_balancing=True, alpha=0.25)
    """

    def __init__(self, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0,
                 axis=-1, reduction="sum_over_batch_size", name="binary_focal_crossentropy", dtype=None):
        where = "BinaryFocalCrossentropy"
        super().__init__(binary_focal_crossentropy, reduction=reduction, name=name, dtype=dtype,
                         apply_class_balancing=bool(apply_class_balancing),
                         alpha=check_fraction(alpha, "alpha", where), gamma=check_nonnegative(gamma, "gamma", where),
                         from_logits=bool(from_logits),
                         label_smoothing=check_fraction(label_smoothing, "label_smoothing", where),
                         axis=check_axis(axis, "axis", where))


class CategoricalFocalCrossentropy(LossFunctionWrapper):
    """:func:`categorical_focal_crossentropy` as a Loss."""

    def __init__(self, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_focal_crossentropy", dtype=None):
        where = "CategoricalFocalCrossentropy"
        super().__init__(categorical_focal_crossentropy, reduction=reduction, name=name, dtype=dtype,
                         alpha=check_nonnegative(alpha, "alpha", where), gamma=check_nonnegative(gamma, "gamma", where),
                         from_logits=bool(from_logits),
                         label_smoothing=check_fraction(label_smoothing, "label_smoothing", where),
                         axis=check_axis(axis, "axis", where))


class KLDivergence(LossFunctionWrapper):
    """:func:`kl_divergence` as a Loss."""

    def __init__(self, reduction="sum_over_batch_size", name="kl_divergence", dtype=None):
        super().__init__(kl_divergence, reduction=reduction, name=name, dtype=dtype)


class Poisson(LossFunctionWrapper):
    """:func:`poisson` as a Loss."""

    def __init__(self, reduction="sum_over_batch_size", name="poisson", dtype=None):
        super().__init__(poisson, reduction=reduction, name=name, dtype=dtype)
