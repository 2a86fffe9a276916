"""Calibration of probabilistic predictions (``tfp.stats``): ``expected_calibration_error``,
``expected_calibration_error_quantiles``, ``brier_score``, ``brier_decomposition``."""

from __future__ import annotations

import numpy as np

import workbench as wb

from .quantiles import quantiles

__all__ = ["expected_calibration_error", "expected_calibration_error_quantiles", "brier_score",
           "brier_decomposition"]


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


def _labels_logits(opname, labels, logits):
    logits = wb.convert_to_tensor(logits)
    if not logits.dtype.is_floating or logits.ndim < 1:
        raise ValueError(f"{opname}: logits must be a floating tensor [..., num_classes], got {logits.dtype} "
                         f"of shape {logits.shape}")
    labels = wb.convert_to_tensor(labels)
    if labels.dtype.is_floating:
        raise TypeError(f"{opname}: labels has dtype {labels.dtype}, expected integer class indices")
    if tuple(labels.shape) != tuple(logits.shape[:-1]):
        raise ValueError(f"{opname}: labels has shape {labels.shape}, expected {tuple(logits.shape[:-1])} "
                         f"(logits' shape {logits.shape} without its class axis)")
    return labels, logits


def brier_score(labels, logits, name=None):
    """The Brier score of each prediction without its constant 1: ``sum_c p_c**2 - 2 p_label`` with
    ``p = softmax(logits)`` (ranges over ``[-1, 1]``; lower is better)."""
    labels, logits = _labels_logits("brier_score", labels, logits)
    probs = wb.nn.softmax(logits, axis=-1)
    n = int(logits.shape[-1])
    p_label = wb.reduce_sum(probs * wb.one_hot(labels, n, dtype=logits.dtype), axis=-1)
    return wb.reduce_sum(wb.square(probs), axis=-1) - 2.0 * p_label


def brier_decomposition(labels, logits, name=None):
    """``(uncertainty, resolution, reliability)`` of the Brier score (Broecker 2009), predictions
    discretized by their most probable class ``k`` (``labels`` ``[..., n]``, ``logits``
    ``[..., n, C]``). With ``pbar`` the label frequencies and ``q_k`` the label frequencies among the
    predictions of class ``k`` (a fraction ``w_k`` of them):

    ``uncertainty = -sum pbar**2``, ``resolution = sum_k w_k ||q_k - pbar||**2``,
    ``reliability = mean_i ||p_i - q_{k(i)}||**2``.

    The resolution is Broecker's (TFP 0.25 subtracts ``pbar[k]`` from every entry of ``q_k``
    instead, which is not a variance of the ``q_k``)."""
    labels, logits = _labels_logits("brier_decomposition", labels, logits)
    c = int(logits.shape[-1])
    dtype = logits.dtype
    pred = wb.argmax(logits, axis=-1, output_type=labels.dtype)
    onehot_label = wb.one_hot(labels, c, dtype=dtype)            # [..., n, C]
    onehot_pred = wb.one_hot(pred, c, dtype=dtype)
    confusion = wb.linalg.matmul(onehot_pred, onehot_label, transpose_a=True)   # [..., C(pred), C(label)]
    count = wb.reduce_sum(confusion, axis=-1)
    weights = count / wb.reduce_sum(count, axis=-1, keepdims=True)
    pbar = wb.reduce_sum(confusion, axis=-2)
    pbar = pbar / wb.reduce_sum(pbar, axis=-1, keepdims=True)
    eps = float(np.finfo(dtype.as_numpy_dtype).eps)
    q = confusion / (eps + wb.expand_dims(count, -1))
    uncertainty = -wb.reduce_sum(wb.square(pbar), axis=-1)
    resolution = wb.reduce_sum(weights * wb.reduce_sum(wb.square(q - wb.expand_dims(pbar, -2)), axis=-1), axis=-1)
    q_of_each = wb.linalg.matmul(onehot_pred, q)                  # [..., n, C]
    probs = wb.nn.softmax(logits, axis=-1)
    reliability = wb.reduce_mean(wb.reduce_sum(wb.square(probs - q_of_each), axis=-1), axis=-1)
    return uncertainty, resolution, reliability


def expected_calibration_error_quantiles(hit, pred_log_prob, num_buckets=20, axis=0, log_space_buckets=False,
                                         name=None):
    """The expected calibration error over ``num_buckets`` quantile buckets of the predicted
    probabilities ``exp(pred_log_prob)`` (of ``pred_log_prob`` itself with ``log_space_buckets``),
    along ``axis``.

    Returns ``(ece, bucket_accuracy, bucket_confidence, bucket_count, bucket_pred_log_prob,
    bucket)``: per-bucket statistics have the bucket axis first; ``bucket_pred_log_prob`` are the
    ``num_buckets + 1`` edges in log space; ``bucket`` the bucket of each prediction (the last edge
    belongs to the last bucket)."""
    plp = wb.convert_to_tensor(pred_log_prob)
    if not plp.dtype.is_floating:
        plp = wb.cast(plp, wb.float32)
    dtype = plp.dtype
    hit = wb.cast(wb.convert_to_tensor(hit), dtype)
    shape = np.broadcast_shapes(tuple(hit.shape), tuple(plp.shape))
    plp, hit = wb.broadcast_to(plp, list(shape)), wb.broadcast_to(hit, list(shape))
    axis = axis % plp.ndim
    num_buckets = int(num_buckets)
    if num_buckets < 1:
        raise ValueError(f"expected_calibration_error_quantiles: num_buckets must be at least 1, got {num_buckets}")
    if log_space_buckets:
        edges = quantiles(plp, num_quantiles=num_buckets, axis=axis)
    else:
        edges = wb.math.log(quantiles(wb.exp(plp), num_quantiles=num_buckets, axis=axis))
    # the bucket: how many edges are <= x, less one, kept inside [0, num_buckets - 1]
    e = wb.expand_dims(edges, axis + 1)                          # [B+1, ..., 1 at axis, ...]
    below = wb.reduce_sum(wb.cast(wb.expand_dims(plp, 0) >= e, wb.int64), axis=0)
    bucket = wb.clip_by_value(below - 1, 0, num_buckets - 1)
    member = wb.cast(wb.equal(wb.expand_dims(bucket, 0),
                              wb.reshape(wb.range(num_buckets, dtype=wb.int64), [-1] + [1] * plp.ndim)), dtype)
    total_hit = wb.reduce_sum(member * hit, axis=axis + 1)
    count = wb.reduce_sum(member, axis=axis + 1)
    masked = wb.where(member > 0, wb.expand_dims(plp, 0) + wb.zeros_like(member),
                      wb.constant(-np.inf, dtype=dtype) + wb.zeros_like(member))
    log_total_prob = wb.reduce_logsumexp(masked, axis=axis + 1)
    n = wb.maximum(count, 1.0)
    accuracy = total_hit / n
    confidence = wb.exp(log_total_prob - wb.math.log(n))
    ece = wb.reduce_sum(count * wb.abs(accuracy - confidence), axis=0) / float(plp.shape[axis])
    return ece, accuracy, confidence, count, edges, bucket
