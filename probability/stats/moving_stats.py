"""Exponentially weighted moving statistics held in ``wb.Variable`` s (``tfp.stats``):
``assign_moving_mean_variance``, ``moving_mean_variance_zero_debiased``,
``assign_log_moving_mean_exp``."""

from __future__ import annotations

import numpy as np

import workbench as wb

__all__ = ["assign_moving_mean_variance", "moving_mean_variance_zero_debiased", "assign_log_moving_mean_exp"]


def _float_variable(opname, argname, v):
    if not isinstance(v, wb.Variable):
        raise TypeError(f"{opname}: {argname} must be a wb.Variable (it is updated in place), got {type(v).__name__}")
    if not v.dtype.is_floating:
        raise TypeError(f"{opname}: {argname} has dtype {v.dtype}, expected a floating dtype")
    return v


def assign_moving_mean_variance(value, moving_mean, moving_variance=None, zero_debias_count=None, decay=0.99,
                                axis=(), name=None):
    """One step of the exponentially weighted mean and variance (Welford/Finch):

    ``mean += (1 - decay) (mean_axis(value) - mean)`` and
    ``variance += (1 - decay) (decay * mean_axis((value - old_mean)**2) - variance)``,

    reducing ``value`` over ``axis`` first. The variables are updated in place. With an integer
    variable ``zero_debias_count`` (incremented here), the returned values are divided by
    ``1 - decay**count`` (the stored ones are not), and the old mean is debiased the same way.
    Returns the (debiased) mean, or ``(mean, variance)`` when ``moving_variance`` is given."""
    opname = "assign_moving_mean_variance"
    _float_variable(opname, "moving_mean", moving_mean)
    dtype = moving_mean.dtype
    value = wb.convert_to_tensor(value, dtype=dtype)
    decay = wb.convert_to_tensor(decay, dtype=dtype)
    axes = list(axis) if isinstance(axis, (list, tuple)) else [axis]
    reduce = (lambda t: wb.reduce_mean(t, axis=axes)) if axes else (lambda t: t)
    old_mean = wb.identity(moving_mean.read_value() if hasattr(moving_mean, "read_value") else moving_mean)
    moving_mean.assign_add((1.0 - decay) * (reduce(value) - old_mean))
    mean = wb.convert_to_tensor(moving_mean)
    if zero_debias_count is not None:
        zero_debias_count.assign_add(1)
        t = wb.cast(wb.convert_to_tensor(zero_debias_count), dtype)
        correction = 1.0 - decay ** t
        mean = mean / correction
    if moving_variance is None:
        return mean
    _float_variable(opname, "moving_variance", moving_variance)
    if moving_variance.dtype != dtype:
        raise TypeError(f"{opname}: moving_mean has dtype {dtype} but moving_variance has {moving_variance.dtype}, "
                        "expected one dtype")
    if zero_debias_count is not None:
        old_t = wb.where(t > 1.0, t - 1.0, wb.constant(np.inf, dtype=dtype))
        old_mean = old_mean / (1.0 - decay ** old_t)
    mean_sq_diff = reduce(wb.square(value - old_mean))
    moving_variance.assign_add((1.0 - decay) * (decay * mean_sq_diff - wb.convert_to_tensor(moving_variance)))
    variance = wb.convert_to_tensor(moving_variance)
    if zero_debias_count is not None:
        variance = variance / correction
    return mean, variance


def moving_mean_variance_zero_debiased(moving_mean, moving_variance=None, zero_debias_count=None, decay=0.99,
                                       name=None):
    """The moving mean (and variance) divided by ``1 - decay**zero_debias_count`` (unchanged while the
    count is 0), as ``assign_moving_mean_variance`` returns them."""
    mean = wb.convert_to_tensor(moving_mean)
    dtype = mean.dtype
    if zero_debias_count is None:
        return mean if moving_variance is None else (mean, wb.convert_to_tensor(moving_variance, dtype=dtype))
    decay = wb.convert_to_tensor(decay, dtype=dtype)
    t = wb.cast(wb.convert_to_tensor(zero_debias_count), dtype)
    t = wb.where(t > 0.0, t, wb.constant(np.inf, dtype=dtype))
    correction = 1.0 - decay ** t
    if moving_variance is None:
        return mean / correction
    return mean / correction, wb.convert_to_tensor(moving_variance, dtype=dtype) / correction


def assign_log_moving_mean_exp(log_value, moving_log_mean_exp, zero_debias_count=None, decay=0.99, name=None):
    """``moving_log_mean_exp = log(decay exp(moving_log_mean_exp) + (1 - decay) exp(log_value))``,
    updated in place and returned (computed stably in log space). ``zero_debias_count`` is not
    supported, as in TFP."""
    opname = "assign_log_moving_mean_exp"
    if zero_debias_count is not None:
        raise NotImplementedError(f"{opname}: zero_debias_count is not supported (TFP 0.25 does not support it either)")
    _float_variable(opname, "moving_log_mean_exp", moving_log_mean_exp)
    dtype = moving_log_mean_exp.dtype
    log_value = wb.convert_to_tensor(log_value, dtype=dtype)
    decay = wb.convert_to_tensor(decay, dtype=dtype)
    current = wb.convert_to_tensor(moving_log_mean_exp)
    terms = wb.stack([wb.zeros_like(current) + wb.math.log(decay),
                      log_value - current + wb.math.log1p(-decay)], axis=0)
    moving_log_mean_exp.assign_add(wb.reduce_logsumexp(terms, axis=0))
    return wb.convert_to_tensor(moving_log_mean_exp)
