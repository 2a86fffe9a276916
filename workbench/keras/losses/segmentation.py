"""Overlap losses for segmentation: Dice and Tversky, over ``axis`` (None: every axis, one value
for the whole batch).

>>> round(float(wb.keras.losses.dice([[1.0, 0.0], [1.0, 1.0]], [[0.8, 0.1], [0.6, 0.9]])), 4)
0.1481
"""

from __future__ import annotations

import workbench as wb

from .loss import EPSILON, LossFunctionWrapper, check_axis, check_nonnegative, loss_function, pair


@loss_function
def dice(y_true, y_pred, axis=None):
    """``1 - 2 sum(y_true * y_pred) / (sum(y_true) + sum(y_pred) + eps)`` over ``axis``."""
    y_true, y_pred = pair(y_true, y_pred, "dice")
    inter = wb.reduce_sum(y_true * y_pred, axis=axis)
    total = wb.reduce_sum(y_true, axis=axis) + wb.reduce_sum(y_pred, axis=axis)
    return 1.0 - 2.0 * inter / (total + EPSILON)


@loss_function
def tversky(y_true, y_pred, alpha=0.5, beta=0.5, axis=None):
    """``1 - tp / (tp + alpha fp + beta fn + eps)`` with soft counts ``tp = sum(y_true y_pred)``,
    ``fp = sum((1 - y_true) y_pred)``, ``fn = sum(y_true (1 - y_pred))`` over ``axis``;
    ``alpha = beta = 0.5`` is the Dice loss."""
    y_true, y_pred = pair(y_true, y_pred, "tversky")
    tp = wb.reduce_sum(y_true * y_pred, axis=axis)
    fp = wb.reduce_sum((1.0 - y_true) * y_pred, axis=axis)
    fn = wb.reduce_sum(y_true * (1.0 - y_pred), axis=axis)
    return 1.0 - tp / (tp + alpha * fp + beta * fn + EPSILON)


class Dice(LossFunctionWrapper):
    """:func:`dice` as a Loss."""

    def __init__(self, reduction="sum_over_batch_size", name="dice", axis=None, dtype=None):
        super().__init__(dice, reduction=reduction, name=name, dtype=dtype,
                         axis=check_axis(axis, "axis", "Dice", allow_none=True))


class Tversky(LossFunctionWrapper):
    """:func:`tversky` with weights ``alpha`` (false positives) and ``beta`` (false negatives)."""

    def __init__(self, alpha=0.5, beta=0.5, reduction="sum_over_batch_size", name="tversky", axis=None, dtype=None):
        super().__init__(tversky, reduction=reduction, name=name, dtype=dtype,
                         alpha=check_nonnegative(alpha, "alpha", "Tversky"),
                         beta=check_nonnegative(beta, "beta", "Tversky"),
                         axis=check_axis(axis, "axis", "Tversky", allow_none=True))
