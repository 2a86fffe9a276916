"""Streaming metrics with Keras' names and semantics (``tf.keras.metrics``).

A metric keeps its state in non-trainable Variables: ``update_state(y_true,
y_pred, sample_weight=None)`` accumulates, ``result()`` reads the value,
``reset_state()`` starts over; calling the metric updates and returns the result.

>>> m = wb.keras.metrics.Accuracy()
>>> m.update_state([[1], [2], [3], [4]], [[0], [2], [3], [4]])
>>> float(m.result())
0.75
"""

from __future__ import annotations

import numpy as np

import workbench as wb

from . import losses
from .losses import (binary_crossentropy, categorical_crossentropy, mean_absolute_error,
                     mean_squared_error, snake_case, sparse_categorical_crossentropy, weights_like)
from .serialization import deserialize_object, serialize_object
from ..module import Module, _snake_case

__all__ = [
    "AUC", "Accuracy", "BinaryAccuracy", "BinaryCrossentropy", "CategoricalAccuracy", "CategoricalCrossentropy",
    "Mean", "MeanAbsoluteError", "MeanMetricWrapper", "MeanSquaredError", "Metric", "Precision", "Recall",
    "SparseCategoricalAccuracy", "SparseCategoricalCrossentropy", "Sum", "deserialize", "get", "serialize",
]


class Metric(Module):
    """Base class: state Variables made with :meth:`add_weight`; subclasses implement
    ``update_state`` and ``result``."""

    def __init__(self, name=None, dtype=None):
        super().__init__(name or _snake_case(type(self).__name__))
        self.dtype = np.dtype(dtype or np.float32)
        self._state = []

    def add_weight(self, name, shape=(), initializer="zeros", dtype=None):
        """A non-trainable state Variable, reset to ``initializer``'s value by ``reset_state``."""
        init = wb.keras.initializers.get(initializer)
        dtype = np.dtype(dtype or self.dtype)
        var = wb.Variable(init(tuple(shape), dtype=dtype), trainable=False, name=f"{self.name}/{name}")
        self._state.append((var, init))
        return var

    def reset_state(self):
        for var, init in self._state:
            var.assign(init(var.shape, dtype=var.dtype))

    def update_state(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must implement update_state")

    def result(self):
        raise NotImplementedError(f"{type(self).__name__} must implement result")

    def __call__(self, *args, **kwargs):
        self.update_state(*args, **kwargs)
        return self.result()

    def _own_entries(self):
        return [(k, v) for k, v in super()._own_entries() if k != "_state"]

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype.name}

    @classmethod
    def from_config(cls, config):
        """The metric a :meth:`get_config` dict describes (with fresh state)."""
        return cls(**config)

    def __repr__(self):
        return f"<wb.keras.metrics.{type(self).__name__} '{self.name}'>"


def _float(x, dtype):
    t = wb.convert_to_tensor(x)
    return t if t.dtype == dtype else wb.cast(t, dtype)


class _Reduce(Metric):
    def __init__(self, name=None, dtype=None):
        super().__init__(name, dtype)
        self.total = self.add_weight("total")

    def _weighted(self, values, sample_weight):
        values = _float(values, self.dtype)
        if sample_weight is None:
            return values, None
        w = wb.broadcast_to(weights_like(sample_weight, values), values.shape)
        return values * w, w


class Sum(_Reduce):
    """The (weighted) sum of all values seen.

    >>> wb.keras.metrics.Sum()([1, 3, 5, 7]).numpy()
    array(16., dtype=float32)
    """

    def update_state(self, values, sample_weight=None):
        values, _ = self._weighted(values, sample_weight)
        self.total.assign_add(wb.reduce_sum(values))

    def result(self):
        return wb.identity(self.total)


class Mean(_Reduce):
    """The (weighted) mean of all values seen: ``sum(w * v) / sum(w)``."""

    def __init__(self, name=None, dtype=None):
        super().__init__(name, dtype)
        self.count = self.add_weight("count")

    def update_state(self, values, sample_weight=None):
        weighted, w = self._weighted(values, sample_weight)
        self.total.assign_add(wb.reduce_sum(weighted))
        self.count.assign_add(wb.reduce_sum(w) if w is not None
                              else wb.constant(float(np.prod(weighted.shape)), dtype=self.dtype))

    def result(self):
        return wb.math.divide_no_nan(self.total, self.count)


class MeanMetricWrapper(Mean):
    """The running mean of ``fn(y_true, y_pred)`` (per-example values)."""

    def __init__(self, fn, name=None, dtype=None, **fn_kwargs):
        super().__init__(name, dtype)
        self._fn = fn
        self._fn_kwargs = fn_kwargs

    def update_state(self, y_true, y_pred, sample_weight=None):
        super().update_state(self._fn(y_true, y_pred, **self._fn_kwargs), sample_weight)

    def get_config(self):
        config = {**super().get_config(), **self._fn_kwargs}
        if type(self) is MeanMetricWrapper:  # subclasses name their function by their class
            config["fn"] = losses.function_config(self._fn)
        return config

    @classmethod
    def from_config(cls, config):
        if cls is MeanMetricWrapper:
            config = {**config, "fn": losses.function_from_config(config["fn"])}
        return cls(**config)


def accuracy(y_true, y_pred):
    y_pred = wb.convert_to_tensor(y_pred)
    y_true = wb.convert_to_tensor(y_true)
    if y_true.dtype != y_pred.dtype:
        y_true = wb.cast(y_true, y_pred.dtype)
    return wb.cast(wb.equal(y_true, y_pred), np.float32)


def binary_accuracy(y_true, y_pred, threshold=0.5):
    y_pred = wb.convert_to_tensor(y_pred)
    y_true = _float(y_true, y_pred.dtype)
    hit = wb.equal(y_true, wb.cast(y_pred > threshold, y_pred.dtype))
    return wb.reduce_mean(wb.cast(hit, np.float32), axis=-1)


def categorical_accuracy(y_true, y_pred):
    hit = wb.equal(wb.argmax(wb.convert_to_tensor(y_true), axis=-1), wb.argmax(wb.convert_to_tensor(y_pred), axis=-1))
    return wb.cast(hit, np.float32)


def sparse_categorical_accuracy(y_true, y_pred):
    y_pred = wb.convert_to_tensor(y_pred)
    labels = wb.convert_to_tensor(y_true)
    if labels.ndim == y_pred.ndim and labels.shape[-1] == 1:
        labels = wb.squeeze(labels, axis=-1)
    pred = wb.argmax(y_pred, axis=-1)
    return wb.cast(wb.equal(wb.cast(labels, pred.dtype), pred), np.float32)


class Accuracy(MeanMetricWrapper):
    """How often ``y_pred`` equals ``y_true``."""

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(accuracy, name, dtype)


class BinaryAccuracy(MeanMetricWrapper):
    """How often ``y_pred > threshold`` matches the binary ``y_true``."""

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        super().__init__(binary_accuracy, name, dtype, threshold=threshold)


class CategoricalAccuracy(MeanMetricWrapper):
    """How often ``argmax(y_pred)`` equals ``argmax(y_true)`` (one-hot labels)."""

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(categorical_accuracy, name, dtype)


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often ``argmax(y_pred)`` equals the integer label ``y_true``."""

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(sparse_categorical_accuracy, name, dtype)


class MeanSquaredError(MeanMetricWrapper):
    """The running mean of ``mean(square(y_true - y_pred), axis=-1)``."""

    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, name, dtype)


class MeanAbsoluteError(MeanMetricWrapper):
    """The running mean of ``mean(abs(y_true - y_pred), axis=-1)``."""

    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, name, dtype)


class BinaryCrossentropy(MeanMetricWrapper):
    """The running mean of ``wb.keras.losses.binary_crossentropy`` (same arguments)."""

    def __init__(self, name="binary_crossentropy", dtype=None, from_logits=False, label_smoothing=0.0):
        super().__init__(binary_crossentropy, name, dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing)


class CategoricalCrossentropy(MeanMetricWrapper):
    """The running mean of ``wb.keras.losses.categorical_crossentropy`` (same arguments)."""

    def __init__(self, name="categorical_crossentropy", dtype=None, from_logits=False, label_smoothing=0.0,
                 axis=-1):
        super().__init__(categorical_crossentropy, name, dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)


class SparseCategoricalCrossentropy(MeanMetricWrapper):
    """The running mean of ``wb.keras.losses.sparse_categorical_crossentropy`` (same arguments)."""

    def __init__(self, name="sparse_categorical_crossentropy", dtype=None, from_logits=False, axis=-1):
        super().__init__(sparse_categorical_crossentropy, name, dtype, from_logits=from_logits, axis=axis)


# ---------------------------------------------------------------------------
# Confusion-matrix metrics


def _prepare_confusion(y_true, y_pred, sample_weight, class_id=None, top_k=None):
    """Flat float predictions, boolean labels and weights."""
    y_pred = _float(y_pred, np.float32)
    y_true = wb.convert_to_tensor(y_true)
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


def _confusion_counts(labels, preds, weights, thresholds):
    """Weighted (tp, fp, tn, fn) per threshold: a prediction is positive when ``> threshold``."""
    pos = preds[None, :] > thresholds[:, None]                         # [K, N]
    lab = labels[None, :]
    w = wb.ones_like(preds) if weights is None else weights
    w = w[None, :]

    def count(cond):
        return wb.reduce_sum(wb.cast(cond, np.float32) * w, axis=1)
    not_pos, not_lab = wb.logical_not(pos), wb.logical_not(lab)
    return (count(wb.logical_and(pos, lab)), count(wb.logical_and(pos, not_lab)),
            count(wb.logical_and(not_pos, not_lab)), count(wb.logical_and(not_pos, lab)))


class _Confusion(Metric):
    def __init__(self, thresholds, name=None, dtype=None):
        super().__init__(name, dtype)
        self._thresholds_np = np.asarray(thresholds, np.float32)
        k = self._thresholds_np.shape
        self.true_positives = self.add_weight("true_positives", k)
        self.false_positives = self.add_weight("false_positives", k)
        self.true_negatives = self.add_weight("true_negatives", k)
        self.false_negatives = self.add_weight("false_negatives", k)

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


# ---------------------------------------------------------------------------
# Names

_CLASSES = (Mean, Sum, MeanMetricWrapper, Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy,
            MeanSquaredError, MeanAbsoluteError, BinaryCrossentropy, CategoricalCrossentropy,
            SparseCategoricalCrossentropy, Precision, Recall, AUC)
# Keras 3's short names; "acc" as Keras' compile accepts it (here always plain Accuracy)
_ALIASES = {"mse": MeanSquaredError, "mae": MeanAbsoluteError, "bce": BinaryCrossentropy, "acc": Accuracy}
_BY_NAME = {**{snake_case(c.__name__): c for c in _CLASSES}, **{c.__name__: c for c in _CLASSES}, **_ALIASES}


def _known():
    return sorted(k for k in _BY_NAME if k.islower())


def builtin_class(name):
    """The library's metric class called ``name`` (a class name, a snake_case name or an alias such
    as ``"mae"``, ``"MAE"``), else None."""
    if not isinstance(name, str):
        return None
    return _BY_NAME.get(name) or _BY_NAME.get(name.lower() if name.isupper() else snake_case(name))


def serialize(metric):
    """Keras' form ``{"class_name": "AUC", "config": {...}}`` of a Metric; a function becomes a
    function reference."""
    return serialize_object(metric, Metric, get)


def deserialize(config, custom_objects=None):
    """The metric a :func:`serialize` config (or a name) describes, with fresh state."""
    return deserialize_object(config, "metric", get, builtin_class, _known(), custom_objects)


def get(identifier):
    """A metric from a name (``"accuracy"``, ``"mae"``, ``"AUC"``), a config dict, a Metric or a
    callable ``fn(y_true, y_pred)``; None gives None. A name gives a new instance of its class.

    >>> wb.keras.metrics.get("auc")
    <wb.keras.metrics.AUC 'auc'>
    """
    if identifier is None or isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, str):
        cls = builtin_class(identifier)
        if cls is None:
            raise ValueError(f"unknown metric {identifier!r}; known: {_known()}")
        return cls()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return identifier()
    if callable(identifier):
        return identifier
    raise TypeError(f"cannot interpret {identifier!r} as a metric: expected a name, a config dict, "
                    "a Metric or a callable")
