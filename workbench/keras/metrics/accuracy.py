"""Accuracy metrics: exact, binary, categorical, sparse categorical and top-k.

>>> m = wb.keras.metrics.Accuracy()
>>> m.update_state([[1], [2], [3], [4]], [[0], [2], [3], [4]])
>>> float(m.result())
0.75
"""

from __future__ import annotations

import numpy as np

import workbench as wb

from ...errors import argcheck
from ..losses import same_rank
from .metric import MeanMetricWrapper, to_float


def accuracy(y_true, y_pred):
    """1 where ``y_pred`` equals ``y_true``, else 0 (elementwise, after Keras' squeeze-or-expand
    to one rank, so labels ``(n,)`` meet predictions ``(n, 1)`` row by row)."""
    y_pred = wb.convert_to_tensor(y_pred)
    y_true = wb.convert_to_tensor(y_true)
    if y_true.dtype != y_pred.dtype:
        y_true = wb.cast(y_true, y_pred.dtype)
    y_true, y_pred = same_rank(y_true, y_pred)
    return wb.cast(wb.equal(y_true, y_pred), np.float32)


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """1 where ``y_true == (y_pred > threshold)``, else 0, elementwise as Keras 3 returns it
    (the mean metric averages; a per-entry ``sample_weight`` then weighs each entry).
    Labels ``(n,)`` and predictions ``(n, 1)`` are first brought to one rank.

    >>> wb.keras.metrics.binary_accuracy([1.0, 0.0], [[0.7], [0.2]]).numpy().ravel()
    array([1., 1.], dtype=float32)
    """
    y_pred = wb.convert_to_tensor(y_pred)
    y_true = to_float(y_true, y_pred.dtype)
    y_true, y_pred = same_rank(y_true, y_pred)
    hit = wb.equal(y_true, wb.cast(y_pred > threshold, y_pred.dtype))
    return wb.cast(hit, np.float32)


def categorical_accuracy(y_true, y_pred):
    """1 where ``argmax(y_pred)`` equals ``argmax(y_true)`` (one-hot labels)."""
    hit = wb.equal(wb.argmax(wb.convert_to_tensor(y_true), axis=-1), wb.argmax(wb.convert_to_tensor(y_pred), axis=-1))
    return wb.cast(hit, np.float32)


def _sparse_labels(y_true, y_pred):
    labels = wb.convert_to_tensor(y_true)
    if labels.ndim == y_pred.ndim and labels.shape[-1] == 1:
        labels = wb.squeeze(labels, axis=-1)
    return labels


def sparse_categorical_accuracy(y_true, y_pred):
    """1 where ``argmax(y_pred)`` equals the integer label ``y_true``."""
    y_pred = wb.convert_to_tensor(y_pred)
    labels = _sparse_labels(y_true, y_pred)
    pred = wb.argmax(y_pred, axis=-1)
    return wb.cast(wb.equal(wb.cast(labels, pred.dtype), pred), np.float32)


def _in_top_k(labels, y_pred, k):
    """Whether the score of class ``labels`` is among the ``k`` largest of its row; scores tied
    with the k-th largest count as inside (TF's ``in_top_k``)."""
    classes = y_pred.shape[-1]
    target = wb.reduce_sum(wb.one_hot(wb.cast(labels, np.int64), classes, dtype=y_pred.dtype) * y_pred, axis=-1)
    kth = wb.math.top_k(y_pred, k=min(k, classes)).values[..., -1]
    return wb.cast(target >= kth, np.float32)


def _check_k(k, where):
    k = argcheck.as_int(k)
    if k is None or k < 1:
        raise ValueError(f"{where}: k must be a positive integer, got {k!r}")
    return k


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1 where the class of the one-hot ``y_true`` is among the ``k`` highest scores."""
    y_pred = wb.convert_to_tensor(y_pred)
    labels = wb.argmax(wb.convert_to_tensor(y_true), axis=-1)
    return _in_top_k(labels, y_pred, _check_k(k, "top_k_categorical_accuracy"))


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5, from_sorted_ids=False):
    """1 where the integer label ``y_true`` is among the ``k`` highest scores; with
    ``from_sorted_ids``, ``y_pred`` holds class ids sorted by score, best first."""
    y_pred = wb.convert_to_tensor(y_pred)
    k = _check_k(k, "sparse_top_k_categorical_accuracy")
    labels = _sparse_labels(y_true, y_pred)
    if from_sorted_ids:
        ids = y_pred[..., :k]
        hit = wb.equal(wb.expand_dims(wb.cast(labels, ids.dtype), -1), ids)
        return wb.cast(wb.reduce_any(hit, axis=-1), np.float32)
    return _in_top_k(labels, y_pred, k)


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


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the one-hot target is among the ``k`` highest scores.

    >>> m = wb.keras.metrics.TopKCategoricalAccuracy(k=1)
    >>> float(m([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]]))
    0.5
    """

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        super().__init__(top_k_categorical_accuracy, name, dtype, k=_check_k(k, "TopKCategoricalAccuracy"))


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the integer target is among the ``k`` highest scores."""

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None, from_sorted_ids=False):
        super().__init__(sparse_top_k_categorical_accuracy, name, dtype,
                         k=_check_k(k, "SparseTopKCategoricalAccuracy"), from_sorted_ids=bool(from_sorted_ids))
