"""Hinge losses for labels in {-1, 1} (labels in {0, 1} are mapped to {-1, 1} first).

>>> round(float(wb.keras.losses.Hinge()([[0.0, 1.0]], [[0.6, 0.4]])), 4)
1.1
"""

from __future__ import annotations

import workbench as wb

from .loss import LossFunctionWrapper, loss_function, pair


def _signed(y_true):
    """``2 y - 1`` when every label is 0 or 1, else the labels unchanged (decided on the device)."""
    binary = wb.reduce_all(wb.logical_or(wb.equal(y_true, 0.0), wb.equal(y_true, 1.0)))
    return wb.where(binary, 2.0 * y_true - 1.0, y_true)


@loss_function
def hinge(y_true, y_pred):
    """``mean(maximum(1 - y_true * y_pred, 0), axis=-1)``."""
    y_true, y_pred = pair(y_true, y_pred, "hinge")
    return wb.reduce_mean(wb.maximum(1.0 - _signed(y_true) * y_pred, 0.0), axis=-1)


@loss_function
def squared_hinge(y_true, y_pred):
    """``mean(square(maximum(1 - y_true * y_pred, 0)), axis=-1)``."""
    y_true, y_pred = pair(y_true, y_pred, "squared_hinge")
    return wb.reduce_mean(wb.square(wb.maximum(1.0 - _signed(y_true) * y_pred, 0.0)), axis=-1)


@loss_function
def categorical_hinge(y_true, y_pred):
    """``maximum(neg - pos + 1, 0)`` with ``pos = sum(y_true * y_pred, -1)`` and
    ``neg = max((1 - y_true) * y_pred, -1)``, for one-hot ``y_true``."""
    y_true, y_pred = pair(y_true, y_pred, "categorical_hinge")
    pos = wb.reduce_sum(y_true * y_pred, axis=-1)
    neg = wb.reduce_max((1.0 - y_true) * y_pred, axis=-1)
    return wb.maximum(neg - pos + 1.0, 0.0)


class Hinge(LossFunctionWrapper):
    """:func:`hinge` as a Loss."""

    def __init__(self, reduction="sum_over_batch_size", name="hinge", dtype=None):
        super().__init__(hinge, reduction=reduction, name=name, dtype=dtype)


class SquaredHinge(LossFunctionWrapper):
    """:func:`squared_hinge` as a Loss."""

    def __init__(self, reduction="sum_over_batch_size", name="squared_hinge", dtype=None):
        super().__init__(squared_hinge, reduction=reduction, name=name, dtype=dtype)


class CategoricalHinge(LossFunctionWrapper):
    """:func:`categorical_hinge` as a Loss."""

    def __init__(self, reduction="sum_over_batch_size", name="categorical_hinge", dtype=None):
        super().__init__(categorical_hinge, reduction=reduction, name=name, dtype=dtype)
