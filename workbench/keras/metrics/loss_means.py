"""Metrics that are the running mean of a loss function: regression errors, cross-entropies,
divergences and hinges, with Keras 3's names and arguments.

>>> m = wb.keras.metrics.MeanAbsolutePercentageError()
>>> float(m([[2.0, 1.0]], [[1.0, 1.0]]))
25.0
"""

from __future__ import annotations

from .. import losses
from ..losses.loss import check_axis
from .metric import MeanMetricWrapper


class MeanSquaredError(MeanMetricWrapper):
    """The running mean of ``mean(square(y_true - y_pred), axis=-1)``."""

    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(losses.mean_squared_error, name, dtype)


class MeanAbsoluteError(MeanMetricWrapper):
    """The running mean of ``mean(abs(y_true - y_pred), axis=-1)``."""

    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(losses.mean_absolute_error, name, dtype)


class MeanAbsolutePercentageError(MeanMetricWrapper):
    """The running mean of ``wb.keras.losses.mean_absolute_percentage_error``."""

    def __init__(self, name="mean_absolute_percentage_error", dtype=None):
        super().__init__(losses.mean_absolute_percentage_error, name, dtype)


class MeanSquaredLogarithmicError(MeanMetricWrapper):
    """The running mean of ``wb.keras.losses.mean_squared_logarithmic_error``."""

    def __init__(self, name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(losses.mean_squared_logarithmic_error, name, dtype)


class LogCoshError(MeanMetricWrapper):
    """The running mean of ``log(cosh(y_pred - y_true))``."""

    def __init__(self, name="logcosh", dtype=None):
        super().__init__(losses.log_cosh, name, dtype)


class CosineSimilarity(MeanMetricWrapper):
    """The running mean of the cosine similarity of ``y_true`` and ``y_pred`` along ``axis``
    (1 for parallel vectors: the negative of the loss of the same name)."""

    def __init__(self, name="cosine_similarity", dtype=None, axis=-1):
        super().__init__(cosine_similarity, name, dtype, axis=check_axis(axis, "axis", "CosineSimilarity"))


def cosine_similarity(y_true, y_pred, axis=-1):
    """``sum(l2_normalize(y_true) * l2_normalize(y_pred), axis)``."""
    return -losses.cosine_similarity(y_true, y_pred, axis=axis)


class BinaryCrossentropy(MeanMetricWrapper):
    """The running mean of ``wb.keras.losses.binary_crossentropy`` (same arguments)."""

    def __init__(self, name="binary_crossentropy", dtype=None, from_logits=False, label_smoothing=0.0):
        super().__init__(losses.binary_crossentropy, name, dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing)


class CategoricalCrossentropy(MeanMetricWrapper):
    """The running mean of ``wb.keras.losses.categorical_crossentropy`` (same arguments)."""

    def __init__(self, name="categorical_crossentropy", dtype=None, from_logits=False, label_smoothing=0.0,
                 axis=-1):
        super().__init__(losses.categorical_crossentropy, name, dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)


class SparseCategoricalCrossentropy(MeanMetricWrapper):
    """The running mean of ``wb.keras.losses.sparse_categorical_crossentropy`` (same arguments)."""

    def __init__(self, name="sparse_categorical_crossentropy", dtype=None, from_logits=False, axis=-1):
        super().__init__(losses.sparse_categorical_crossentropy, name, dtype, from_logits=from_logits, axis=axis)


class KLDivergence(MeanMetricWrapper):
    """The running mean of ``wb.keras.losses.kl_divergence``."""

    def __init__(self, name="kl_divergence", dtype=None):
        super().__init__(losses.kl_divergence, name, dtype)


class Poisson(MeanMetricWrapper):
    """The running mean of ``wb.keras.losses.poisson``."""

    def __init__(self, name="poisson", dtype=None):
        super().__init__(losses.poisson, name, dtype)


class Hinge(MeanMetricWrapper):
    """The running mean of ``wb.keras.losses.hinge``."""

    def __init__(self, name="hinge", dtype=None):
        super().__init__(losses.hinge, name, dtype)


class SquaredHinge(MeanMetricWrapper):
    """The running mean of ``wb.keras.losses.squared_hinge``."""

    def __init__(self, name="squared_hinge", dtype=None):
        super().__init__(losses.squared_hinge, name, dtype)


class CategoricalHinge(MeanMetricWrapper):
    """The running mean of ``wb.keras.losses.categorical_hinge``."""

    def __init__(self, name="categorical_hinge", dtype=None):
        super().__init__(losses.categorical_hinge, name, dtype)
