"""Regression metrics with their own state: the root mean squared error and R^2.

>>> m = wb.keras.metrics.R2Score()
>>> round(float(m([[1.0], [4.0], [3.0]], [[2.0], [4.0], [4.0]])), 4)
0.5714
"""

from __future__ import annotations

import warnings

import workbench as wb

from ...errors import argcheck
from ..losses import same_rank
from .metric import Mean, Metric, to_float


class RootMeanSquaredError(Mean):
    """``sqrt`` of the (weighted) running mean of ``square(y_pred - y_true)``.

    >>> float(wb.keras.metrics.RootMeanSquaredError()([[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [0.0, 0.0]]))
    0.5
    """

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name, dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = same_rank(to_float(y_true, self.dtype), to_float(y_pred, self.dtype))
        super().update_state(wb.square(y_pred - y_true), sample_weight)

    def result(self):
        return wb.sqrt(super().result())


_AGGREGATIONS = (None, "uniform_average", "variance_weighted_average")


class R2Score(Metric):
    """The coefficient of determination ``1 - SS_res / SS_tot`` per output column of 2-D inputs
    ``[batch, outputs]``, from running (weighted) sums, so it is exact over any number of batches.

    ``class_aggregation``: ``"uniform_average"`` (the mean over outputs, default),
    ``"variance_weighted_average"`` (weighted by each output's ``SS_tot``) or None (one per
    output). ``num_regressors > 0`` gives the adjusted R^2,
    ``1 - (1 - R^2) (n - 1) / (n - p - 1)`` (the plain R^2, with a warning, when
    ``n - p - 1 <= 0``). A column with no variance scores 0.
    """

    def __init__(self, class_aggregation="uniform_average", num_regressors=0, name="r2_score", dtype=None):
        super().__init__(name, dtype)
        if class_aggregation not in _AGGREGATIONS:
            raise ValueError(f"R2Score: class_aggregation must be one of {list(_AGGREGATIONS)}, "
                             f"got {class_aggregation!r}")
        p = argcheck.as_int(num_regressors)
        if p is None or p < 0:
            raise ValueError(f"R2Score: num_regressors must be an integer >= 0, got {num_regressors!r}")
        self.class_aggregation, self.num_regressors = class_aggregation, p
        self.num_samples = self.add_weight(name="num_samples")
        self.sum = self.squared_sum = self.total_mse = self.count = None   # built on the first batch

    def _build(self, outputs):
        self.squared_sum = self.add_weight(name="squared_sum", shape=(outputs,))
        self.sum = self.add_weight(name="sum", shape=(outputs,))
        self.total_mse = self.add_weight(name="residual", shape=(outputs,))
        self.count = self.add_weight(name="count", shape=(outputs,))

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = same_rank(to_float(y_true, self.dtype), to_float(y_pred, self.dtype))
        if y_true.ndim != 2 or y_pred.ndim != 2 or y_true.shape != y_pred.shape:
            raise ValueError(f"R2Score: expected 2-D y_true and y_pred of one shape (batch, outputs), got "
                             f"y_true {y_true.shape} and y_pred {y_pred.shape}")
        if self.sum is None:
            self._build(y_true.shape[-1])
        elif self.sum.shape[0] != y_true.shape[-1]:
            raise ValueError(f"R2Score: this metric has seen {self.sum.shape[0]} outputs, this batch has "
                             f"{y_true.shape[-1]}")
        if sample_weight is None:
            w = wb.ones_like(y_true)
        else:
            w = to_float(sample_weight, self.dtype)
            if w.ndim == 1:
                w = wb.expand_dims(w, 1)
            w = wb.broadcast_to(w, y_true.shape)
        wy = y_true * w
        self.sum.assign_add(wb.reduce_sum(wy, axis=0))
        self.squared_sum.assign_add(wb.reduce_sum(y_true * wy, axis=0))
        self.total_mse.assign_add(wb.reduce_sum(wb.square(y_true - y_pred) * w, axis=0))
        self.count.assign_add(wb.reduce_sum(w, axis=0))
        seen = wb.reduce_any(wb.not_equal(w, 0.0), axis=-1)
        self.num_samples.assign_add(wb.reduce_sum(wb.cast(seen, self.dtype)))

    def result(self):
        if self.sum is None:
            return wb.constant(0.0, dtype=self.dtype)
        mean = self.sum / self.count
        total = self.squared_sum - self.sum * mean
        raw = 1.0 - self.total_mse / total
        raw = wb.where(wb.math.is_finite(raw), raw, wb.zeros_like(raw))
        if self.class_aggregation == "uniform_average":
            score = wb.reduce_mean(raw)
        elif self.class_aggregation == "variance_weighted_average":
            score = wb.reduce_sum(total * raw) / wb.reduce_sum(total)
        else:
            score = raw
        if self.num_regressors:
            n, p = float(self.num_samples.numpy()), self.num_regressors
            if n - p - 1 <= 0:
                warnings.warn(f"R2Score: {p} regressors for {n:g} samples leave no degrees of freedom; "
                              "returning the plain R^2 score", stacklevel=2)
            else:
                score = 1.0 - (1.0 - score) * ((n - 1) / (n - p - 1))
        return score

    def get_config(self):
        return {**super().get_config(), "class_aggregation": self.class_aggregation,
                "num_regressors": self.num_regressors}
