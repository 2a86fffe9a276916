"""Log-space reductions (``tfp.math``): ``reduce_logmeanexp``, ``reduce_weighted_logsumexp``,
``log_combinations``,
``log_cumsum_exp``, ``reduce_log_harmonic_mean_exp``, ``reduce_kahan_sum``."""

from __future__ import annotations

import collections

import numpy as np

import workbench as wb

__all__ = ["reduce_logmeanexp", "reduce_weighted_logsumexp", "log_combinations", "log_cumsum_exp",
           "reduce_log_harmonic_mean_exp", "reduce_kahan_sum", "Kahan"]


def _count(x, axis):
    if axis is None:
        return int(np.prod(x.shape))
    axes = [axis] if isinstance(axis, (int, np.integer)) else list(axis)
    return int(np.prod([x.shape[a] for a in axes]))


def reduce_logmeanexp(input_tensor, axis=None, keepdims=False, experimental_named_axis=None,
                      experimental_allow_all_gather=False, name=None):
    """``log(mean(exp(x)))`` over ``axis``, computed stably as ``logsumexp(x) - log(n)``."""
    x = wb.convert_to_tensor(input_tensor)
    n = _count(x, axis)
    if n == 0:
        raise ValueError(f"reduce_logmeanexp: no elements to reduce over axis {axis} of shape {x.shape}")
    return wb.reduce_logsumexp(x, axis=axis, keepdims=keepdims) - float(np.log(n))


def reduce_weighted_logsumexp(logx, w=None, axis=None, keep_dims=False, return_sign=False, name=None):
    """``log(|sum(w * exp(logx))|)`` over ``axis``, stably; with ``return_sign`` also the sign of the
    sum. Without ``w`` it is ``reduce_logsumexp``."""
    logx = wb.convert_to_tensor(logx)
    if w is None:
        lse = wb.reduce_logsumexp(logx, axis=axis, keepdims=keep_dims)
        return (lse, wb.ones_like(lse)) if return_sign else lse
    w = wb.convert_to_tensor(w, dtype=logx.dtype)
    log_absw_x = logx + wb.math.log(wb.abs(w))
    big = wb.stop_gradient(wb.reduce_max(log_absw_x, axis=axis, keepdims=True))
    big = wb.where(wb.is_finite(big), big, wb.zeros_like(big))
    total = wb.reduce_sum(wb.sign(w) * wb.exp(log_absw_x - big), axis=axis, keepdims=True)
    sign = wb.sign(total)
    lse = wb.math.log(wb.abs(total)) + big
    if not keep_dims:
        axes = list(range(logx.ndim)) if axis is None else axis
        lse, sign = wb.squeeze(lse, axis=axes), wb.squeeze(sign, axis=axes)
    return (lse, sign) if return_sign else lse


def log_combinations(n, counts, name="log_combinations"):
    """The log multinomial coefficient ``log(n! / prod(counts!))``, ``counts`` summed over the last
    axis to ``n``."""
    n = wb.convert_to_tensor(n)
    counts = wb.convert_to_tensor(counts, dtype=n.dtype)
    return wb.lgamma(n + 1.0) - wb.reduce_sum(wb.lgamma(counts + 1.0), axis=-1)


def log_cumsum_exp(x, axis=-1, name=None):
    """``log(cumsum(exp(x)))`` along ``axis``, computed stably (``wb.math.cumulative_logsumexp``)."""
    return wb.math.cumulative_logsumexp(wb.convert_to_tensor(x), axis=axis)


def reduce_log_harmonic_mean_exp(input_tensor, axis=None, keepdims=False, experimental_named_axis=None,
                                 experimental_allow_all_gather=False, name=None):
    """``log(1 / mean(1 / exp(x)))`` over ``axis``: ``-reduce_logmeanexp(-x)``."""
    x = wb.convert_to_tensor(input_tensor)
    return -reduce_logmeanexp(-x, axis=axis, keepdims=keepdims)


class Kahan(collections.namedtuple("Kahan", ["total", "correction"])):
    """A compensated sum: the sum is ``total - correction`` in higher precision; ``total`` holds all
    its high-order bits."""
    __slots__ = ()


def _combine(xp, t1, c1, t2, c2):
    """Add two compensated sums: Knuth's two-sum of the totals, the rounding error folded into the
    corrections, then the corrections folded back into the total (Dekker's fast two-sum)."""
    s = t1 + t2
    bp = s - t1
    err = (t1 - (s - bp)) + (t2 - bp)            # t1 + t2 == s + err exactly
    c = (c1 + c2) - err
    total = s - c
    return total, -((s - total) - c)


def reduce_kahan_sum(input_tensor, axis=None, keepdims=False, name=None):
    """Compensated summation over ``axis``, pairwise in a tree of compensated sums; returns
    ``Kahan(total, correction)`` with the sum ``total - correction``. The total differentiates as
    a sum (the correction does not).

    >>> reduce_kahan_sum(wb.constant([1e8, 1., -1e8, 3.])).total.numpy()
    4.0
    """
    x = wb.convert_to_tensor(input_tensor)
    if axis is None:
        axes = list(range(x.ndim))
    else:
        axes = sorted({a % max(x.ndim, 1) for a in ([axis] if isinstance(axis, (int, np.integer)) else axis)})
    xp = x.xp
    data = x._data
    kept = [a for a in range(x.ndim) if a not in axes]
    total = xp.transpose(data, kept + axes).reshape([x.shape[a] for a in kept] + [-1])
    comp = xp.zeros_like(total)
    while total.shape[-1] > 1:
        if total.shape[-1] % 2:
            pad = [(0, 0)] * (total.ndim - 1) + [(0, 1)]
            total, comp = xp.pad(total, pad), xp.pad(comp, pad)
        total, comp = _combine(xp, total[..., 0::2], comp[..., 0::2], total[..., 1::2], comp[..., 1::2])
    if total.shape[-1] == 0:
        total, comp = xp.zeros(total.shape[:-1], data.dtype), xp.zeros(total.shape[:-1], data.dtype)
    else:
        total, comp = total[..., 0], comp[..., 0]
    if keepdims:
        shape = [1 if a in axes else x.shape[a] for a in range(x.ndim)]
        total, comp = total.reshape(shape), comp.reshape(shape)
    total_t = wb.convert_to_tensor(xp.asarray(total))
    kept_shape = [1 if a in axes else x.shape[a] for a in range(x.ndim)]

    @wb.custom_gradient
    def _total(t):
        def grad(dy):
            # the total is a sum: every element gets the incoming gradient
            return wb.broadcast_to(wb.reshape(dy, kept_shape), list(x.shape))
        return total_t, grad
    return Kahan(_total(x), wb.convert_to_tensor(xp.asarray(comp)))
