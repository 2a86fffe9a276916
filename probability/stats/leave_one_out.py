"""Leave-one-out and swap-one-out log-sum-exp (``tfp.stats``): ``log_loosum_exp``,
``log_loomean_exp``, ``log_soosum_exp``, ``log_soomean_exp``."""

from __future__ import annotations

import numpy as np

import workbench as wb

from ..math.special import log_sub_exp
from .quantiles import _axes

__all__ = ["log_loosum_exp", "log_loomean_exp", "log_soosum_exp", "log_soomean_exp"]


def _count(x, axes):
    return int(np.prod([x.shape[a] for a in axes])) if axes else 1


def _loo(opname, logx, axis, keepdims):
    x = wb.convert_to_tensor(logx)
    axes = _axes(opname, axis, x.ndim)
    total = wb.reduce_logsumexp(x, axis=axes, keepdims=True)
    # log(sum - exp(x_i)): the sum minus one term, stably in log space
    loo = log_sub_exp(total, x)
    total_out = total if keepdims else wb.reduce_sum(total, axis=axes)
    return x, axes, loo, total_out


def log_loosum_exp(logx, axis=None, keepdims=False, name=None):
    """``(log(sum_{j != i} exp(logx_j)), log(sum_j exp(logx_j)))`` over ``axis``: the first has
    ``logx``'s shape (each element left out in turn), the second is reduced (unless ``keepdims``)."""
    _, _, loo, total = _loo("log_loosum_exp", logx, axis, keepdims)
    return loo, total


def log_loomean_exp(logx, axis, keepdims=False, name=None):
    """As ``log_loosum_exp`` but means: the leave-one-out sums over ``n - 1``, the total over ``n``."""
    x, axes, loo, total = _loo("log_loomean_exp", logx, axis, keepdims)
    n = _count(x, axes)
    return loo - float(np.log(n - 1)), total - float(np.log(n))


def _soo(opname, logx, axis, keepdims):
    x = wb.convert_to_tensor(logx)
    axes = _axes(opname, axis, x.ndim)
    n = _count(x, axes)
    # swap x_i for the mean of the other log values, then sum
    others_mean = (wb.reduce_sum(x, axis=axes, keepdims=True) - x) / float(n - 1)
    total = wb.reduce_logsumexp(x, axis=axes, keepdims=True)
    soo = wb.math.log(wb.exp(log_sub_exp(total, x) - total) + wb.exp(others_mean - total)) + total
    total_out = total if keepdims else wb.reduce_sum(total, axis=axes)
    return x, n, soo, total_out


def log_soosum_exp(logx, axis, keepdims=False, name=None):
    """``(log(sum_{j != i} exp(logx_j) + exp(mean_{j != i} logx_j)), log(sum_j exp(logx_j)))``: each
    element swapped for the (log-space) mean of the others, as a control variate."""
    _, _, soo, total = _soo("log_soosum_exp", logx, axis, keepdims)
    return soo, total


def log_soomean_exp(logx, axis, keepdims=False, name=None):
    """As ``log_soosum_exp`` but means (both over ``n``)."""
    _, n, soo, total = _soo("log_soomean_exp", logx, axis, keepdims)
    return soo - float(np.log(n)), total - float(np.log(n))
