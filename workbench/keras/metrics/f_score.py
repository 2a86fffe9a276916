"""F-beta and F1 scores over the classes of 2-D inputs ``[batch, classes]``.

>>> m = wb.keras.metrics.F1Score(threshold=0.5)
>>> m.update_state([[1, 1, 1], [1, 0, 0], [1, 1, 0]], [[0.2, 0.6, 0.7], [0.2, 0.6, 0.6], [0.6, 0.8, 0.0]])
>>> np.round(m.result().numpy(), 4)
array([0.5   , 0.8   , 0.6667], dtype=float32)
"""

from __future__ import annotations

import workbench as wb

from ...errors import argcheck
from ..losses import EPSILON, weights_like
from .confusion import weighted_counts
from .metric import Metric, to_float

_AVERAGES = (None, "micro", "macro", "weighted")


class FBetaScore(Metric):
    """``(1 + beta^2) P R / (beta^2 P + R)`` from running per-class counts.

    ``threshold``: a prediction is positive when ``> threshold``; None marks each row's
    highest score as its one positive. ``average``: None (one score per class), ``"micro"``
    (counts pooled over classes), ``"macro"`` (the mean of the class scores) or
    ``"weighted"`` (class scores weighted by the (weighted) number of true examples).
    """

    def __init__(self, average=None, beta=1.0, threshold=None, name="fbeta_score", dtype=None):
        super().__init__(name, dtype)
        where = type(self).__name__
        if average not in _AVERAGES:
            raise ValueError(f"{where}: average must be one of {list(_AVERAGES)}, got {average!r}")
        beta = argcheck.number(beta, "beta", where)
        if not beta > 0:
            raise ValueError(f"{where}: beta must be > 0, got {beta!r}")
        if threshold is not None:
            threshold = argcheck.number(threshold, "threshold", where)
            if not 0.0 < threshold <= 1.0:
                raise ValueError(f"{where}: threshold must be in (0, 1], got {threshold!r}")
        self.average, self.beta, self.threshold = average, float(beta), threshold
        self.true_positives = self.false_positives = self.false_negatives = self.intermediate_weights = None

    def _build(self, classes):
        shape = () if self.average == "micro" else (classes,)
        self.true_positives = self.add_weight(name="true_positives", shape=shape)
        self.false_positives = self.add_weight(name="false_positives", shape=shape)
        self.false_negatives = self.add_weight(name="false_negatives", shape=shape)
        self.intermediate_weights = self.add_weight(name="intermediate_weights", shape=shape)
        self._classes = classes

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = to_float(y_true, self.dtype), to_float(y_pred, self.dtype)
        if y_true.ndim != 2 or y_true.shape != y_pred.shape:
            raise ValueError(f"{type(self).__name__}: expected 2-D y_true and y_pred of one shape "
                             f"(batch, classes), got y_true {y_true.shape} and y_pred {y_pred.shape}")
        if self.true_positives is None:
            self._build(y_pred.shape[-1])
        elif y_pred.shape[-1] != self._classes:
            raise ValueError(f"{type(self).__name__}: this metric has seen {self._classes} classes, this batch "
                             f"has {y_pred.shape[-1]}")
        if self.threshold is None:
            top = wb.reduce_max(y_pred, axis=-1, keepdims=True)
            predicted = wb.logical_and(y_pred >= top, wb.abs(y_pred) > 1e-9)
        else:
            predicted = y_pred > self.threshold
        actual = wb.not_equal(y_true, 0.0)
        w = None if sample_weight is None else wb.broadcast_to(weights_like(sample_weight, y_true), y_true.shape)
        axis = None if self.average == "micro" else 0
        tp, fp, _, fn = weighted_counts(predicted, actual, w, axis=axis)
        self.true_positives.assign_add(tp)
        self.false_positives.assign_add(fp)
        self.false_negatives.assign_add(fn)
        self.intermediate_weights.assign_add(wb.reduce_sum(y_true if w is None else y_true * w, axis=axis))

    def result(self):
        if self.true_positives is None:
            return wb.constant(0.0, dtype=self.dtype)
        tp = self.true_positives
        precision = tp / (tp + self.false_positives + EPSILON)
        recall = tp / (tp + self.false_negatives + EPSILON)
        b2 = self.beta ** 2
        score = (1 + b2) * precision * recall / (b2 * precision + recall + EPSILON)
        if self.average == "weighted":
            weights = self.intermediate_weights / (wb.reduce_sum(self.intermediate_weights) + EPSILON)
            return wb.reduce_sum(score * weights)
        if self.average is not None:
            return wb.reduce_mean(score)
        return score

    def get_config(self):
        return {**super().get_config(), "average": self.average, "beta": self.beta, "threshold": self.threshold}


class F1Score(FBetaScore):
    """:class:`FBetaScore` with ``beta = 1``: the harmonic mean of precision and recall."""

    def __init__(self, average=None, threshold=None, name="f1_score", dtype=None):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self):
        config = super().get_config()
        del config["beta"]
        return config
