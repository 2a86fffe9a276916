"""Intersection-over-union metrics from a running confusion matrix over classes.

>>> m = wb.keras.metrics.MeanIoU(num_classes=2)
>>> float(m([0, 0, 1, 1], [0, 1, 0, 1]))
0.3333333432674408
"""

from __future__ import annotations

import numpy as np

import workbench as wb

from ...errors import argcheck
from ..losses import EPSILON
from .metric import Metric, to_float


def _class_count(value, where):
    n = argcheck.as_int(value)
    if n is None or n < 1:
        raise ValueError(f"{where}: num_classes must be a positive integer, got {value!r}")
    return n


class IoU(Metric):
    """The mean, over ``target_class_ids``, of ``tp / (tp + fp + fn)`` per class, where a class
    that never occurs in either labels or predictions is left out of the mean.

    Labels and predictions are integer class ids (``sparse_y_true`` / ``sparse_y_pred``) or
    scores whose argmax over ``axis`` is taken. Entries whose label or prediction is outside
    ``[0, num_classes)``, or whose label is ``ignore_class``, are not counted. The confusion
    matrix (rows: labels, columns: predictions) is kept as float32 weighted counts.
    """

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(name, dtype)
        where = type(self).__name__
        self.num_classes = _class_count(num_classes, where)
        ids = [argcheck.as_int(i) for i in target_class_ids]
        if not ids or any(i is None or not 0 <= i < self.num_classes for i in ids):
            raise ValueError(f"{where}: target_class_ids must be class ids in [0, {self.num_classes}), got "
                             f"{list(target_class_ids)!r}")
        self.target_class_ids = ids
        self.ignore_class, self.axis = ignore_class, axis
        self.sparse_y_true, self.sparse_y_pred = bool(sparse_y_true), bool(sparse_y_pred)
        self.total_cm = self.add_weight(name="total_confusion_matrix", shape=(self.num_classes, self.num_classes))

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = wb.convert_to_tensor(y_true), wb.convert_to_tensor(y_pred)
        if not self.sparse_y_true:
            y_true = wb.argmax(y_true, axis=self.axis)
        if not self.sparse_y_pred:
            y_pred = wb.argmax(y_pred, axis=self.axis)
        labels = wb.reshape(wb.cast(y_true, np.int64), (-1,))
        preds = wb.reshape(wb.cast(y_pred, np.int64), (-1,))
        if labels.shape != preds.shape:
            raise ValueError(f"{type(self).__name__}: y_true has {labels.shape[0]} entries and y_pred "
                             f"{preds.shape[0]}; they must match")
        n = self.num_classes
        valid = wb.logical_and(wb.logical_and(labels >= 0, labels < n), wb.logical_and(preds >= 0, preds < n))
        if self.ignore_class is not None:
            valid = wb.logical_and(valid, wb.not_equal(labels, self.ignore_class))
        w = wb.cast(valid, self.dtype)
        if sample_weight is not None:
            sw = wb.reshape(to_float(sample_weight, self.dtype), (-1,))
            w = w * wb.broadcast_to(sw, w.shape)
        # cm[i, j] = sum of weights of entries labelled i and predicted j
        rows = wb.one_hot(labels, n, dtype=self.dtype) * w[:, None]   # out-of-range ids give zero rows
        self.total_cm.assign_add(wb.matmul(rows, wb.one_hot(preds, n, dtype=self.dtype), transpose_a=True))

    def result(self):
        cm = self.total_cm
        tp = wb.linalg.diag_part(cm)
        denominator = wb.reduce_sum(cm, axis=0) + wb.reduce_sum(cm, axis=1) - tp
        ids = wb.constant(np.asarray(self.target_class_ids, np.int64))
        tp, denominator = wb.gather(tp, ids), wb.gather(denominator, ids)
        valid = denominator > 1e-9
        iou = wb.where(valid, tp / (denominator + EPSILON), wb.zeros_like(tp))
        return wb.reduce_sum(iou) / (wb.reduce_sum(wb.cast(valid, self.dtype)) + EPSILON)

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes, "target_class_ids": self.target_class_ids,
                "ignore_class": self.ignore_class, "sparse_y_true": self.sparse_y_true,
                "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


class MeanIoU(IoU):
    """:class:`IoU` averaged over every class."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_true=True,
                 sparse_y_pred=True, axis=-1):
        n = _class_count(num_classes, "MeanIoU")
        super().__init__(n, list(range(n)), name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=sparse_y_true, sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        config = super().get_config()
        del config["target_class_ids"]
        return config


class BinaryIoU(IoU):
    """:class:`IoU` of binary labels against scores thresholded at ``threshold`` (``>=``), over
    ``target_class_ids`` among 0 and 1."""

    def __init__(self, target_class_ids=(0, 1), threshold=0.5, name=None, dtype=None):
        super().__init__(2, target_class_ids, name=name, dtype=dtype)
        self.threshold = argcheck.number(threshold, "threshold", "BinaryIoU")

    def update_state(self, y_true, y_pred, sample_weight=None):
        predicted = wb.cast(to_float(y_pred, np.float32) >= self.threshold, np.int64)
        super().update_state(wb.cast(wb.not_equal(to_float(y_true, np.float32), 0.0), np.int64), predicted,
                             sample_weight)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype.name, "target_class_ids": self.target_class_ids,
                "threshold": self.threshold}


class OneHotIoU(IoU):
    """:class:`IoU` of one-hot labels against scores (both reduced by argmax over ``axis``)."""

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_pred=False, axis=-1):
        super().__init__(num_classes, target_class_ids, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=False, sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        config = super().get_config()
        del config["sparse_y_true"]
        return config


class OneHotMeanIoU(MeanIoU):
    """:class:`MeanIoU` of one-hot labels against scores (both reduced by argmax over ``axis``)."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_pred=False, axis=-1):
        super().__init__(num_classes, name=name, dtype=dtype, ignore_class=ignore_class, sparse_y_true=False,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        config = super().get_config()
        del config["sparse_y_true"]
        return config
