"""Sample statistics (``tfp.stats``): ``covariance``, ``correlation``, ``cholesky_covariance``,
``auto_correlation``, ``variance``, ``stddev``, ``log_average_probs``."""

from __future__ import annotations

import numpy as np

import workbench as wb

from .quantiles import _axes

__all__ = ["covariance", "correlation", "cholesky_covariance", "auto_correlation", "variance", "stddev",
           "log_average_probs"]


def _event_axis(opname, event_axis, sample_axes, ndim):
    if event_axis is None:
        return None
    if not isinstance(event_axis, (int, np.integer)):
        raise ValueError(f"{opname}: event_axis must be a single int or None, got {event_axis!r}")
    e = _axes(opname, int(event_axis), ndim)[0]
    if e in sample_axes:
        raise ValueError(f"{opname}: sample_axis {sample_axes} and event_axis {event_axis} overlap")
    return e


def covariance(x, y=None, sample_axis=0, event_axis=-1, keepdims=False, name=None):
    """The sample covariance ``N^-1 sum (x - xbar)(y - ybar)`` over ``sample_axis`` (divided by
    ``N``, as TFP does). With ``event_axis`` (an int) the result holds the covariance matrix
    between events in its last two axes; with ``event_axis=None``, elementwise covariances."""
    x = wb.convert_to_tensor(x)
    if x.dtype not in (wb.float16, wb.float32, wb.float64):
        raise TypeError(f"covariance: x has dtype {x.dtype}, expected a floating dtype")
    if y is not None:
        y = wb.convert_to_tensor(y, dtype=x.dtype)
        if tuple(y.shape) != tuple(x.shape):
            raise ValueError(f"covariance: y must have x's shape {tuple(x.shape)}, got {tuple(y.shape)}")
    s_axes = _axes("covariance", sample_axis, x.ndim)
    e = _event_axis("covariance", event_axis, s_axes, x.ndim)
    n = float(np.prod([x.shape[a] for a in s_axes])) if s_axes else 1.0
    xc = x - wb.reduce_mean(x, axis=s_axes, keepdims=True)
    yc = xc if y is None else y - wb.reduce_mean(y, axis=s_axes, keepdims=True)
    if e is None:
        return wb.reduce_sum(xc * yc, axis=s_axes, keepdims=keepdims) / n
    # batch axes first, then samples, then the event axis; the product sums out the samples
    batch = [i for i in range(x.ndim) if i not in s_axes and i != e]
    perm = batch + s_axes + [e]
    xs = wb.reshape(wb.transpose(xc, perm), [x.shape[i] for i in batch] + [int(n), x.shape[e]])
    ys = xs if y is None else wb.reshape(wb.transpose(yc, perm), [x.shape[i] for i in batch] + [int(n), x.shape[e]])
    cov = wb.matmul(xs, ys, transpose_a=True) / n
    if not keepdims:
        return cov
    # size-1 sample axes back in place, the event axis followed by the second event axis
    shape, b = [], iter([x.shape[i] for i in batch])
    for i in range(x.ndim):
        if i in s_axes:
            shape.append(1)
        elif i == e:
            shape += [x.shape[e], x.shape[e]]
        else:
            shape.append(next(b))
    order = []
    cov_axes = list(range(len(batch))) + [len(batch), len(batch) + 1]
    bi = 0
    for i in range(x.ndim):
        if i == e:
            order += cov_axes[-2:]
        elif i not in s_axes:
            order.append(cov_axes[bi])
            bi += 1
    cov = wb.transpose(cov, order)
    return wb.reshape(cov, shape)


def correlation(x, y=None, sample_axis=0, event_axis=-1, keepdims=False, name=None):
    """The sample correlation: ``covariance`` divided by the two standard deviations (each over
    ``sample_axis``, divided by ``N``)."""
    x = wb.convert_to_tensor(x)
    if x.dtype not in (wb.float16, wb.float32, wb.float64):
        raise TypeError(f"correlation: x has dtype {x.dtype}, expected a floating dtype")
    s_axes = _axes("correlation", sample_axis, x.ndim)
    x_std = wb.sqrt(wb.reduce_variance(x, axis=s_axes, keepdims=True))
    y_std = x_std if y is None else wb.sqrt(wb.reduce_variance(wb.convert_to_tensor(y, dtype=x.dtype),
                                                               axis=s_axes, keepdims=True))
    return covariance(x / x_std, None if y is None else wb.convert_to_tensor(y, dtype=x.dtype) / y_std,
                      sample_axis=sample_axis, event_axis=event_axis, keepdims=keepdims)


def cholesky_covariance(x, sample_axis=0, keepdims=False, name=None):
    """The lower Cholesky factor of the sample covariance of the events in ``x``'s last axis."""
    x = wb.convert_to_tensor(x)
    if x.ndim < 2:
        raise ValueError(f"cholesky_covariance: x must have rank >= 2 (samples and events), got shape {x.shape}")
    cov = covariance(x, sample_axis=sample_axis, event_axis=-1, keepdims=keepdims)
    return wb.linalg.cholesky(cov)


def auto_correlation(x, axis=-1, max_lags=None, center=True, normalize=True, name="auto_correlation"):
    """The auto correlation of ``x`` along ``axis`` for lags ``0 .. max_lags``:
    ``rxx[m] = (L - m)^-1 sum_n w[n + m] w[n]`` with ``w = x - mean`` (``x`` if not ``center``),
    divided by ``rxx[0]`` when ``normalize`` (so ``rxx[0] = 1``). The lag axis replaces ``axis``."""
    x = wb.convert_to_tensor(x)
    if x.dtype not in (wb.float16, wb.float32, wb.float64):
        raise TypeError(f"auto_correlation: x has dtype {x.dtype}, expected a floating dtype")
    if x.ndim == 0:
        raise ValueError("auto_correlation: x must have at least one dimension")
    ax = _axes("auto_correlation", axis, x.ndim)[0]
    length = int(x.shape[ax])
    lags = length - 1 if max_lags is None else min(int(max_lags), length - 1)
    if lags < 0:
        raise ValueError(f"auto_correlation: max_lags must be non-negative, got {max_lags}")
    perm = [i for i in range(x.ndim) if i != ax] + [ax]
    w = wb.transpose(x, perm)
    if center:
        w = w - wb.reduce_mean(w, axis=-1, keepdims=True)
    parts = [wb.reduce_sum(w[..., m:] * w[..., :length - m], axis=-1) / float(length - m)
             for m in range(lags + 1)]
    r = wb.stack(parts, axis=-1)
    if normalize:
        r = r / r[..., :1]
    inverse = list(np.argsort(perm))
    return wb.transpose(r, inverse)


def variance(x, sample_axis=0, keepdims=False, name=None):
    """The sample variance over ``sample_axis`` (None: all axes), divided by ``N`` as TFP does."""
    return covariance(x, sample_axis=sample_axis, event_axis=None, keepdims=keepdims)


def stddev(x, sample_axis=0, keepdims=False, name=None):
    """The square root of ``variance``."""
    return wb.sqrt(variance(x, sample_axis=sample_axis, keepdims=keepdims))


def log_average_probs(logits, sample_axis=0, event_axis=None, keepdims=False, validate_args=False, name=None):
    """``log(mean(probs))`` over ``sample_axis`` (all axes but ``event_axis`` for None), the probs being
    ``sigmoid(logits)`` without ``event_axis`` and ``softmax(logits, event_axis)`` with it; computed
    in log space."""
    logits = wb.convert_to_tensor(logits)
    if not logits.dtype.is_floating:
        logits = wb.cast(logits, wb.float32)
    ndim = logits.ndim
    if event_axis is None:
        log_probs = -wb.math.softplus(-logits)
        sample_axes = _axes("log_average_probs", sample_axis, ndim)
    else:
        event_axes = _axes("log_average_probs", event_axis, ndim)
        sample_axes = ([a for a in range(ndim) if a not in event_axes] if sample_axis is None
                       else _axes("log_average_probs", sample_axis, ndim))
        if set(sample_axes) & set(event_axes):
            raise ValueError(f"log_average_probs: sample_axis {sample_axis} and event_axis {event_axis} "
                             "must be distinct")
        log_probs = logits - wb.reduce_logsumexp(logits, axis=event_axes, keepdims=True)
    n = int(np.prod([logits.shape[a] for a in sample_axes])) if sample_axes else 1
    return wb.reduce_logsumexp(log_probs, axis=sample_axes, keepdims=keepdims) - float(np.log(n))
