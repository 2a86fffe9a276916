"""Confusion-count metrics: counts, precision, recall, AUC, and the "X at fixed Y" family
(PrecisionAtRecall, RecallAtPrecision, SensitivityAtSpecificity, SpecificityAtSensitivity).

Every one keeps weighted true/false positive/negative counts at a list of thresholds (a
prediction is positive when it is ``> threshold``), counted by :func:`weighted_counts`.

>>> m = wb.keras.metrics.PrecisionAtRecall(0.5, num_thresholds=3)
>>> float(m([0, 0, 1, 1], [0, 0.5, 0.3, 0.9]))
1.0
"""

from __future__ import annotations

import numpy as np

import workbench as wb

from ...errors import argcheck
from ..losses import same_rank, weights_like
from .metric import Metric, to_float


def _prepare_confusion(y_true, y_pred, sample_weight, class_id=None, top_k=None):
    """Flat float predictions, boolean labels and weights; labels ``(n,)`` against predictions
    ``(n, 1)`` are first brought to one rank (Keras' squeeze-or-expand)."""
    y_pred = to_float(y_pred, np.float32)
    y_true, y_pred = same_rank(wb.convert_to_tensor(y_true), y_pred)
    if top_k is not None:
        # exactly k entries per row stay candidates (ties go to the lower index, as tf.math.top_k)
        picked = wb.one_hot(wb.math.top_k(y_pred, k=int(top_k)).indices, y_pred.shape[-1])
        keep = wb.reduce_sum(picked, axis=-2) > 0
        y_pred = wb.where(keep, y_pred, wb.fill(y_pred.shape, float("-inf")))
    if class_id is not None:
        y_true, y_pred = y_true[..., class_id], y_pred[..., class_id]
    labels = y_true if y_true.dtype.kind == "b" else wb.not_equal(y_true, wb.zeros_like(y_true))
    if labels.shape != y_pred.shape:
        labels = wb.broadcast_to(labels, y_pred.shape)
    w = None
    if sample_weight is not None:
        w = wb.broadcast_to(weights_like(sample_weight, y_pred), y_pred.shape)
        w = wb.reshape(w, (-1,))
    return wb.reshape(labels, (-1,)), wb.reshape(y_pred, (-1,)), w


def weighted_counts(predicted, actual, weights=None, axis=None):
    """Weighted ``(tp, fp, tn, fn)`` of boolean ``predicted`` against boolean ``actual``, summed
    over ``axis``: the one counting rule of every confusion metric here."""
    w = wb.ones(predicted.shape, dtype=np.float32) if weights is None else weights

    def count(cond):
        return wb.reduce_sum(wb.cast(cond, np.float32) * w, axis=axis)
    not_pred, not_act = wb.logical_not(predicted), wb.logical_not(actual)
    return (count(wb.logical_and(predicted, actual)), count(wb.logical_and(predicted, not_act)),
            count(wb.logical_and(not_pred, not_act)), count(wb.logical_and(not_pred, actual)))


def _confusion_counts(labels, preds, weights, thresholds):
    """Weighted (tp, fp, tn, fn) per threshold: a prediction is positive when ``> threshold``."""
    pos = preds[None, :] > thresholds[:, None]                         # [K, N]
    w = None if weights is None else wb.broadcast_to(weights[None, :], pos.shape)
    return weighted_counts(pos, wb.broadcast_to(labels[None, :], pos.shape), w, axis=1)


class _Confusion(Metric):
    """State: weighted true/false positives/negatives at each of ``thresholds``."""

    def __init__(self, thresholds, name=None, dtype=None):
        super().__init__(name, dtype)
        self._thresholds_np = np.asarray(thresholds, np.float32)
        k = self._thresholds_np.shape
        self.true_positives = self.add_weight(name="true_positives", shape=k)
        self.false_positives = self.add_weight(name="false_positives", shape=k)
        self.true_negatives = self.add_weight(name="true_negatives", shape=k)
        self.false_negatives = self.add_weight(name="false_negatives", shape=k)

    @property
    def thresholds(self):
        return self._thresholds_np.tolist()

    def _update(self, y_true, y_pred, sample_weight, class_id=None, top_k=None):
        labels, preds, w = _prepare_confusion(y_true, y_pred, sample_weight, class_id, top_k)
        tp, fp, tn, fn = _confusion_counts(labels, preds, w, wb.constant(self._thresholds_np))
        self.true_positives.assign_add(tp)
        self.false_positives.assign_add(fp)
        self.true_negatives.assign_add(tn)
        self.false_negatives.assign_add(fn)


def _threshold_list(thresholds, top_k=None):
    if thresholds is None:
        # Keras: 0.5, or with top_k every top-k prediction counts as positive
        return [0.5 if top_k is None else float("-inf")], True
    single = np.ndim(thresholds) == 0
    vals = [float(thresholds)] if single else [float(t) for t in thresholds]
    if any(not 0.0 <= t <= 1.0 for t in vals):
        raise ValueError(f"thresholds must be in [0, 1], got {vals}")
    return vals, single


class _Ratio(_Confusion):
    """``tp / (tp + other)`` for predictions ``> thresholds`` (default 0.5; a list gives a
    vector). ``top_k``: only the k largest predictions of each row count as positive;
    ``class_id``: look at one class (last axis) only."""

    _other = None  # the count beside true positives in the denominator

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        vals, self._single = _threshold_list(thresholds, top_k)
        super().__init__(vals, name, dtype)
        self._default = thresholds is None
        self.top_k, self.class_id = top_k, class_id

    def update_state(self, y_true, y_pred, sample_weight=None):
        self._update(y_true, y_pred, sample_weight, self.class_id, self.top_k)

    def result(self):
        r = wb.math.divide_no_nan(self.true_positives, self.true_positives + getattr(self, self._other))
        return r[0] if self._single else r

    def get_config(self):
        thresholds = None if self._default else (self.thresholds[0] if self._single else self.thresholds)
        return {**super().get_config(), "thresholds": thresholds, "top_k": self.top_k, "class_id": self.class_id}


class Precision(_Ratio):
    """``tp / (tp + fp)`` (see ``_Ratio`` for the arguments)."""

    _other = "false_positives"


class Recall(_Ratio):
    """``tp / (tp + fn)`` (see ``_Ratio`` for the arguments)."""

    _other = "false_negatives"


class AUC(_Confusion):
    """Area under the ROC or the precision-recall curve from ``num_thresholds`` evenly spaced
    thresholds in [0, 1] (plus one just below 0 and one just above 1), as Keras computes it.
    Predictions must be probabilities.

    ``curve='ROC'``: true-positive rate over false-positive rate.
    ``curve='PR'``: precision over recall.
    ``summation_method``: 'interpolation' (default) is the trapezoid rule for ROC; for PR it
    interpolates the true and false positive counts linearly between thresholds, not the
    precision (Davis & Goadrich, 2006), and integrates that curve exactly. 'minoring' and
    'majoring' take the lower and the upper rectangle of each step.

    >>> m = wb.keras.metrics.AUC(num_thresholds=3, curve="PR")
    >>> m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
    >>> round(float(m.result()), 4)
    0.8207
    """

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation", name=None,
                 dtype=None, thresholds=None):
        curve = str(curve).upper()
        if curve not in ("ROC", "PR"):
            raise ValueError(f"AUC: curve must be 'ROC' or 'PR', got {curve!r}")
        if summation_method not in ("interpolation", "minoring", "majoring"):
            raise ValueError("AUC: summation_method must be 'interpolation', 'minoring' or 'majoring', "
                             f"got {summation_method!r}")
        if thresholds is not None:
            inner = sorted(float(t) for t in thresholds)
        else:
            if int(num_thresholds) <= 1:
                raise ValueError(f"AUC: num_thresholds must be > 1, got {num_thresholds}")
            n = int(num_thresholds)
            inner = [(i + 1) / (n - 1) for i in range(n - 2)]
        eps = 1e-7
        super().__init__([0.0 - eps] + inner + [1.0 + eps], name, dtype)
        self.num_thresholds = len(self._thresholds_np)
        self.curve, self.summation_method = curve, summation_method
        self._given_thresholds = None if thresholds is None else inner

    def get_config(self):
        return {**super().get_config(), "num_thresholds": self.num_thresholds, "curve": self.curve,
                "summation_method": self.summation_method, "thresholds": self._given_thresholds}

    def update_state(self, y_true, y_pred, sample_weight=None):
        self._update(y_true, y_pred, sample_weight)

    def result(self):
        tp, fp, tn, fn = self.true_positives, self.false_positives, self.true_negatives, self.false_negatives
        if self.curve == "PR" and self.summation_method == "interpolation":
            return _interpolated_pr_auc(tp, fp, fn)
        if self.curve == "ROC":
            x, y = wb.math.divide_no_nan(fp, fp + tn), wb.math.divide_no_nan(tp, tp + fn)
        else:
            x, y = wb.math.divide_no_nan(tp, tp + fn), wb.math.divide_no_nan(tp, tp + fp)
        if self.summation_method == "interpolation":
            height = (y[:-1] + y[1:]) * 0.5
        elif self.summation_method == "minoring":
            height = wb.minimum(y[:-1], y[1:])
        else:
            height = wb.maximum(y[:-1], y[1:])
        return wb.reduce_sum((x[:-1] - x[1:]) * height)


def _interpolated_pr_auc(tp, fp, fn):
    """The PR-AUC of Davis & Goadrich: between neighbouring thresholds, true positives grow
    linearly with the predicted positives ``p = tp + fp`` (``tp = slope * p + intercept``), so
    precision ``tp / p`` integrates over recall ``tp / (tp + fn)`` in closed form:
    ``slope * (dtp + intercept * log(p_lo / p_hi)) / positives``."""
    dtp = tp[:-1] - tp[1:]
    p = tp + fp
    dp = p[:-1] - p[1:]
    slope = wb.math.divide_no_nan(dtp, wb.maximum(dp, 0.0))
    intercept = tp[1:] - slope * p[1:]
    both = wb.logical_and(p[:-1] > 0, p[1:] > 0)
    # where a segment starts at p = 0 the intercept is 0 and the log term drops out
    ratio = wb.where(both, wb.math.divide_no_nan(p[:-1], wb.maximum(p[1:], 0.0)), wb.ones_like(p[1:]))
    pieces = wb.math.divide_no_nan(slope * (dtp + intercept * wb.math.log(ratio)),
                                   wb.maximum(tp[1:] + fn[1:], 0.0))
    return wb.reduce_sum(pieces)


class _Count(_Confusion):
    """One of the four weighted counts at ``thresholds`` (default 0.5; a list gives a vector)."""

    _which = None

    def __init__(self, thresholds=None, name=None, dtype=None):
        vals, self._single = _threshold_list(thresholds)
        super().__init__(vals, name, dtype)
        self._default = thresholds is None

    def update_state(self, y_true, y_pred, sample_weight=None):
        self._update(y_true, y_pred, sample_weight)

    def result(self):
        r = wb.identity(getattr(self, self._which))
        return r[0] if self._single else r

    def get_config(self):
        thresholds = None if self._default else (self.thresholds[0] if self._single else self.thresholds)
        return {**super().get_config(), "thresholds": thresholds}


class TruePositives(_Count):
    """The weighted number of true positives."""

    _which = "true_positives"


class FalsePositives(_Count):
    """The weighted number of false positives."""

    _which = "false_positives"


class TrueNegatives(_Count):
    """The weighted number of true negatives."""

    _which = "true_negatives"


class FalseNegatives(_Count):
    """The weighted number of false negatives."""

    _which = "false_negatives"


def _rates(tp, fp, tn, fn):
    """Recall (= sensitivity), precision and specificity at each threshold."""
    return {"recall": wb.math.divide_no_nan(tp, tp + fn), "precision": wb.math.divide_no_nan(tp, tp + fp),
            "specificity": wb.math.divide_no_nan(tn, tn + fp)}


class _AtFixed(_Confusion):
    """The best ``_dependent`` rate over the thresholds whose ``_constrained`` rate is at least
    ``value`` (0 when none is): ``num_thresholds`` thresholds evenly spaced over [0, 1]
    (``[0.5]`` when it is 1); ``class_id`` looks at one class (last axis) only."""

    _constrained = _dependent = _argument = None

    def __init__(self, value, num_thresholds=200, class_id=None, name=None, dtype=None):
        where = type(self).__name__
        v = argcheck.number(value, self._argument, where)
        if not 0.0 <= v <= 1.0:
            raise ValueError(f"{where}: {self._argument} must be in [0, 1], got {value!r}")
        n = argcheck.as_int(num_thresholds)
        if n is None or n <= 0:
            raise ValueError(f"{where}: num_thresholds must be an integer > 0, got {num_thresholds!r}")
        inner = [(i + 1) / (n - 1) for i in range(n - 2)]
        super().__init__([0.5] if n == 1 else [0.0] + inner + [1.0], name, dtype)
        self.value, self.num_thresholds, self.class_id = v, n, class_id
        setattr(self, self._argument, v)

    def update_state(self, y_true, y_pred, sample_weight=None):
        self._update(y_true, y_pred, sample_weight, self.class_id)

    def result(self):
        rates = _rates(self.true_positives, self.false_positives, self.true_negatives, self.false_negatives)
        feasible = rates[self._constrained] >= self.value
        return wb.reduce_max(wb.where(feasible, rates[self._dependent], wb.zeros_like(self.true_positives)))

    def get_config(self):
        return {**super().get_config(), self._argument: self.value, "num_thresholds": self.num_thresholds,
                "class_id": self.class_id}


class PrecisionAtRecall(_AtFixed):
    """The best precision where recall >= ``recall``."""

    _constrained, _dependent, _argument = "recall", "precision", "recall"

    def __init__(self, recall, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(recall, num_thresholds, class_id, name, dtype)


class RecallAtPrecision(_AtFixed):
    """The best recall where precision >= ``precision``."""

    _constrained, _dependent, _argument = "precision", "recall", "precision"

    def __init__(self, precision, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(precision, num_thresholds, class_id, name, dtype)


class SensitivityAtSpecificity(_AtFixed):
    """The best sensitivity (recall) where specificity >= ``specificity``."""

    _constrained, _dependent, _argument = "specificity", "recall", "specificity"

    def __init__(self, specificity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(specificity, num_thresholds, class_id, name, dtype)


class SpecificityAtSensitivity(_AtFixed):
    """The best specificity where sensitivity (recall) >= ``sensitivity``."""

    _constrained, _dependent, _argument = "recall", "specificity", "sensitivity"

    def __init__(self, sensitivity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(sensitivity, num_thresholds, class_id, name, dtype)
