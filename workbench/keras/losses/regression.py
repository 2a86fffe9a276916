"""Regression losses: squared, absolute, percentage, logarithmic, Huber, log-cosh and cosine.

>>> round(float(wb.keras.losses.LogCosh()([[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [0.0, 0.0]])), 3)
0.108
"""

from __future__ import annotations

import math

import workbench as wb

from ...errors import argcheck
from .loss import EPSILON, LossFunctionWrapper, check_axis, loss_function, pair


@loss_function
def mean_squared_error(y_true, y_pred):
    """``mean(square(y_true - y_pred), axis=-1)``."""
    y_true, y_pred = pair(y_true, y_pred, "mean_squared_error")
    return wb.reduce_mean(wb.square(y_pred - y_true), axis=-1)


@loss_function
def mean_absolute_error(y_true, y_pred):
    """``mean(abs(y_true - y_pred), axis=-1)``."""
    y_true, y_pred = pair(y_true, y_pred, "mean_absolute_error")
    return wb.reduce_mean(wb.abs(y_pred - y_true), axis=-1)


@loss_function
def mean_absolute_percentage_error(y_true, y_pred):
    """``100 * mean(abs((y_true - y_pred) / max(abs(y_true), eps)), axis=-1)``."""
    y_true, y_pred = pair(y_true, y_pred, "mean_absolute_percentage_error")
    diff = wb.abs((y_true - y_pred) / wb.maximum(wb.abs(y_true), EPSILON))
    return 100.0 * wb.reduce_mean(diff, axis=-1)


@loss_function
def mean_squared_logarithmic_error(y_true, y_pred):
    """``mean(square(log(1 + max(y_pred, eps)) - log(1 + max(y_true, eps))), axis=-1)``."""
    y_true, y_pred = pair(y_true, y_pred, "mean_squared_logarithmic_error")
    first = wb.math.log1p(wb.maximum(y_pred, EPSILON))
    second = wb.math.log1p(wb.maximum(y_true, EPSILON))
    return wb.reduce_mean(wb.square(first - second), axis=-1)


def _l2_normalize(x, axis):
    # x / ||x||, with the squared norm floored at eps**2 so a zero vector stays finite (Keras')
    return x * wb.math.rsqrt(wb.maximum(wb.reduce_sum(wb.square(x), axis=axis, keepdims=True), EPSILON * EPSILON))


@loss_function
def cosine_similarity(y_true, y_pred, axis=-1):
    """``-sum(l2_normalize(y_true) * l2_normalize(y_pred), axis)``: -1 for parallel vectors, 0
    for orthogonal ones (or a zero vector), 1 for opposite ones."""
    y_true, y_pred = pair(y_true, y_pred, "cosine_similarity")
    return -wb.reduce_sum(_l2_normalize(y_true, axis) * _l2_normalize(y_pred, axis), axis=axis)


@loss_function
def huber(y_true, y_pred, delta=1.0):
    """Mean over the last axis of ``0.5 e^2`` where ``|e| <= delta`` and
    ``delta (|e| - 0.5 delta)`` elsewhere (``e = y_pred - y_true``)."""
    y_true, y_pred = pair(y_true, y_pred, "huber")
    err = wb.abs(y_pred - y_true)
    quad = wb.minimum(err, delta)
    return wb.reduce_mean(0.5 * quad * quad + delta * (err - quad), axis=-1)


@loss_function
def log_cosh(y_true, y_pred):
    """``mean(log(cosh(y_pred - y_true)), axis=-1)``, computed as ``x + softplus(-2x) - log 2``,
    which does not overflow for large errors."""
    y_true, y_pred = pair(y_true, y_pred, "log_cosh")
    x = y_pred - y_true
    return wb.reduce_mean(x + wb.nn.softplus(-2.0 * x) - math.log(2.0), axis=-1)


class MeanSquaredError(LossFunctionWrapper):
    """:func:`mean_squared_error` as a Loss."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, reduction=reduction, name=name, dtype=dtype)


class MeanAbsoluteError(LossFunctionWrapper):
    """:func:`mean_absolute_error` as a Loss."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, reduction=reduction, name=name, dtype=dtype)


class MeanAbsolutePercentageError(LossFunctionWrapper):
    """:func:`mean_absolute_percentage_error` as a Loss."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_percentage_error", dtype=None):
        super().__init__(mean_absolute_percentage_error, reduction=reduction, name=name, dtype=dtype)


class MeanSquaredLogarithmicError(LossFunctionWrapper):
    """:func:`mean_squared_logarithmic_error` as a Loss."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(mean_squared_logarithmic_error, reduction=reduction, name=name, dtype=dtype)


class CosineSimilarity(LossFunctionWrapper):
    """:func:`cosine_similarity` along ``axis`` as a Loss (minimizing it aligns the vectors)."""

    def __init__(self, axis=-1, reduction="sum_over_batch_size", name="cosine_similarity", dtype=None):
        super().__init__(cosine_similarity, reduction=reduction, name=name, dtype=dtype,
                         axis=check_axis(axis, "axis", "CosineSimilarity"))


class Huber(LossFunctionWrapper):
    """:func:`huber` with threshold ``delta`` (> 0) as a Loss."""

    def __init__(self, delta=1.0, reduction="sum_over_batch_size", name="huber_loss", dtype=None):
        delta = argcheck.number(delta, "delta", "Huber")
        if not delta > 0:
            raise ValueError(f"Huber: delta must be positive, got {delta!r}")
        super().__init__(huber, reduction=reduction, name=name, dtype=dtype, delta=delta)


class LogCosh(LossFunctionWrapper):
    """:func:`log_cosh` as a Loss."""

    def __init__(self, reduction="sum_over_batch_size", name="log_cosh", dtype=None):
        super().__init__(log_cosh, reduction=reduction, name=name, dtype=dtype)
