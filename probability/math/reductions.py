"""Log-space reductions (``tfp.math``): ``reduce_logmeanexp``, ``reduce_weighted_logsumexp``,
``log_combinations``."""

from __future__ import annotations

import numpy as np

import workbench as wb

__all__ = ["reduce_logmeanexp", "reduce_weighted_logsumexp", "log_combinations"]


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
