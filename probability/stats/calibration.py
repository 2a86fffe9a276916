"""``expected_calibration_error`` (``tfp.stats``)."""

from __future__ import annotations

import numpy as np

import workbench as wb

__all__ = ["expected_calibration_error"]


def expected_calibration_error(num_bins, logits=None, labels_true=None, labels_predicted=None, name=None):
    """The expected calibration error of a classifier: ``sum_b (n_b / N) |acc_b - conf_b|`` over
    ``num_bins`` equal-width confidence bins on [0, 1].

    ``logits`` is ``[N, num_classes]``; ``labels_true`` the ``[N]`` integer labels;
    ``labels_predicted`` defaults to ``argmax(logits)``. The confidence of an example is the
    softmax probability of its predicted label; empty bins contribute nothing."""
    num_bins = int(num_bins)
    if num_bins < 1:
        raise ValueError(f"expected_calibration_error: num_bins must be at least 1, got {num_bins}")
    if logits is None or labels_true is None:
        raise ValueError("expected_calibration_error: logits and labels_true are required")
    logits = wb.convert_to_tensor(logits)
    if logits.ndim != 2:
        raise ValueError(f"expected_calibration_error: logits must be [N, num_classes], got shape {logits.shape}")
    lg = logits.numpy().astype(np.float64)
    true = np.asarray(labels_true.numpy() if hasattr(labels_true, "numpy") else labels_true).astype(np.int64)
    if true.shape != (lg.shape[0],):
        raise ValueError(f"expected_calibration_error: labels_true must have shape ({lg.shape[0]},), "
                         f"got {true.shape}")
    if labels_predicted is None:
        pred = np.argmax(lg, axis=-1)
    else:
        pred = np.asarray(labels_predicted.numpy() if hasattr(labels_predicted, "numpy")
                          else labels_predicted).astype(np.int64)
        if pred.shape != true.shape:
            raise ValueError(f"expected_calibration_error: labels_predicted must have shape {true.shape}, "
                             f"got {pred.shape}")
    z = lg - lg.max(axis=-1, keepdims=True)
    probs = np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True)
    conf = probs[np.arange(lg.shape[0]), pred]
    bins = np.clip(np.floor(conf * num_bins).astype(np.int64), 0, num_bins - 1)
    n_b = np.bincount(bins, minlength=num_bins).astype(np.float64)
    correct_b = np.bincount(bins, weights=(pred == true).astype(np.float64), minlength=num_bins)
    conf_b = np.bincount(bins, weights=conf, minlength=num_bins)
    nz = n_b > 0
    ece = np.sum(n_b[nz] / lg.shape[0] * np.abs(correct_b[nz] / n_b[nz] - conf_b[nz] / n_b[nz]))
    return wb.cast(wb.constant(ece), logits.dtype)
