"""Streaming metrics with Keras 3's names and semantics (``keras.metrics``).

A metric keeps its state in non-trainable Variables: ``update_state(y_true, y_pred,
sample_weight=None)`` accumulates, ``result()`` reads the value, ``reset_state()`` starts
over; calling the metric updates and returns the result. ``get`` resolves Keras'
identifiers: names (``"accuracy"``, ``"mae"``, ``"AUC"``), config dicts, Metric instances
and callables.

>>> m = wb.keras.metrics.Accuracy()
>>> m.update_state([[1], [2], [3], [4]], [[0], [2], [3], [4]])
>>> float(m.result())
0.75

Files: ``metric.py`` (base, Sum, Mean, MeanMetricWrapper), ``accuracy.py``, ``loss_means.py``
(running means of loss functions), ``regression.py`` (RootMeanSquaredError, R2Score),
``confusion.py`` (counts, Precision, Recall, AUC, the at-fixed-rate family), ``f_score.py``,
``iou.py``.
"""

from __future__ import annotations

from ..losses import snake_case
from ..serialization import deserialize_object, serialize_object
from .accuracy import (Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy,
                       SparseTopKCategoricalAccuracy, TopKCategoricalAccuracy, accuracy, binary_accuracy,
                       categorical_accuracy, sparse_categorical_accuracy, sparse_top_k_categorical_accuracy,
                       top_k_categorical_accuracy)
from .confusion import (AUC, FalseNegatives, FalsePositives, Precision, PrecisionAtRecall, Recall, RecallAtPrecision,
                        SensitivityAtSpecificity, SpecificityAtSensitivity, TrueNegatives, TruePositives,
                        weighted_counts)
from .f_score import F1Score, FBetaScore
from .iou import BinaryIoU, IoU, MeanIoU, OneHotIoU, OneHotMeanIoU
from .loss_means import (BinaryCrossentropy, CategoricalCrossentropy, CategoricalHinge, CosineSimilarity, Hinge,
                         KLDivergence, LogCoshError, MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredError,
                         MeanSquaredLogarithmicError, Poisson, SparseCategoricalCrossentropy, SquaredHinge)
from .metric import Mean, MeanMetricWrapper, Metric, Sum
from .regression import R2Score, RootMeanSquaredError

_CLASSES = (
    Mean, Sum, Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy, TopKCategoricalAccuracy,
    SparseTopKCategoricalAccuracy, MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError, RootMeanSquaredError, LogCoshError, CosineSimilarity, R2Score, BinaryCrossentropy,
    CategoricalCrossentropy, SparseCategoricalCrossentropy, KLDivergence, Poisson, Hinge, SquaredHinge,
    CategoricalHinge, TruePositives, FalsePositives, TrueNegatives, FalseNegatives, Precision, Recall, AUC,
    PrecisionAtRecall, RecallAtPrecision, SensitivityAtSpecificity, SpecificityAtSensitivity, F1Score, FBetaScore,
    IoU, MeanIoU, BinaryIoU, OneHotIoU, OneHotMeanIoU,
)
# Every class is known by its class name and its snake_case name; plus Keras 3's short names and
# "acc" as Keras' compile accepts it (here always plain Accuracy: the compiling model picks the
# binary/categorical/sparse form by the shapes it sees)
_ALIASES = {"mse": MeanSquaredError, "mae": MeanAbsoluteError, "mape": MeanAbsolutePercentageError,
            "msle": MeanSquaredLogarithmicError, "bce": BinaryCrossentropy, "acc": Accuracy,
            "rmse": RootMeanSquaredError, "kld": KLDivergence, "logcosh": LogCoshError,
            "top_k_categorical_accuracy": TopKCategoricalAccuracy, "mean_iou": MeanIoU, "iou": IoU,
            "binary_iou": BinaryIoU, "one_hot_iou": OneHotIoU, "one_hot_mean_iou": OneHotMeanIoU, "f1_score": F1Score, "fbeta_score": FBetaScore, "r2_score": R2Score}
_BY_NAME = {**{snake_case(c.__name__): c for c in _CLASSES}, **{c.__name__: c for c in _CLASSES}, **_ALIASES,
            "MeanMetricWrapper": MeanMetricWrapper}

__all__ = sorted({c.__name__ for c in _CLASSES} | {
    "Metric", "MeanMetricWrapper", "deserialize", "get", "serialize", "accuracy", "binary_accuracy",
    "categorical_accuracy", "sparse_categorical_accuracy", "top_k_categorical_accuracy",
    "sparse_top_k_categorical_accuracy"})


def known_names():
    """The lower-case names ``get`` accepts (class names and upper-case aliases work too)."""
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
    return deserialize_object(config, "metric", get, builtin_class, known_names(), custom_objects)


def get(identifier):
    """A metric from a name (``"accuracy"``, ``"mae"``, ``"AUC"``), a config dict, a Metric or a
    callable ``fn(y_true, y_pred)``; None gives None. A name gives a new instance of its class
    with the default arguments (names of metrics with required arguments, such as
    ``"mean_iou"``, raise a TypeError that names the missing argument).

    >>> wb.keras.metrics.get("auc")
    <wb.keras.metrics.AUC 'auc'>
    """
    if identifier is None or isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, str):
        cls = builtin_class(identifier)
        if cls is None or cls is MeanMetricWrapper:
            raise ValueError(f"unknown metric {identifier!r}; known: {known_names()}")
        return _instance(cls, identifier)
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return _instance(identifier, identifier.__name__)
    if callable(identifier):
        return identifier
    raise TypeError(f"cannot interpret {identifier!r} as a metric: expected a name, a config dict, "
                    "a Metric or a callable")


def _instance(cls, identifier):
    try:
        return cls()
    except TypeError as exc:
        raise TypeError(f"metric {identifier!r} needs arguments ({exc}); create "
                        f"wb.keras.metrics.{cls.__name__}(...) instead") from None
