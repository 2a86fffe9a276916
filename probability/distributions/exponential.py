"""The Exponential distribution: ``Gamma(concentration=1, rate)``."""

from __future__ import annotations

import numpy as np

import workbench as wb

from .. import internal
from .gamma import Gamma
from ..internal import samplers

__all__ = ["Exponential"]


class Exponential(Gamma):
    """``Exponential(rate)``: density ``rate * exp(-rate x)`` on ``x >= 0``.

    A subclass of :class:`Gamma` (as in TFP), so Gamma's KL rule applies. With
    ``force_probs_to_zero_outside_support=False`` (the default) ``log_prob`` of a
    negative value is the formula's continuation, ``log(rate) - rate * x``.
    As in TFP, ``mode()`` is Gamma's: NaN (concentration 1), or an error with ``allow_nan_stats=False``.

    >>> d = Exponential(rate=[1.0, 4.0])
    >>> d.mean().numpy()
    array([1.  , 0.25], dtype=float32)
    """

    _param_event_ndims = {"rate": 0}
    _param_constraints = {"rate": "positive"}

    def __init__(self, rate, force_probs_to_zero_outside_support=False, validate_args=False,
                 allow_nan_stats=True, name="Exponential"):
        parameters = dict(locals())
        dtype = internal.common_dtype([rate])
        rate = internal.as_param(rate, "rate", dtype, "Exponential")
        super().__init__(concentration=wb.constant(1.0, dtype=dtype), rate=rate,
                         force_probs_to_zero_outside_support=force_probs_to_zero_outside_support,
                         validate_args=validate_args, allow_nan_stats=allow_nan_stats, name=name)
        parameters.pop("self", None)
        parameters.pop("__class__", None)
        self._parameters = parameters

    def _sample_n(self, n, seed):
        # inversion of the CDF; the smallest normal number keeps -log(u) finite
        u = samplers.uniform((n,) + self.batch_shape, seed=seed,
                             minval=float(np.finfo(self.dtype).tiny), maxval=1.0, dtype=self.dtype)
        return -wb.log(u) / self._rate

    def _log_prob(self, x):
        lp = wb.log(self._rate) - self._rate * x
        if self._force_probs_to_zero_outside_support:
            return wb.where(x >= 0, lp, float("-inf"))
        return lp

    def _cdf(self, x):
        return wb.where(x >= 0, -wb.expm1(-self._rate * wb.maximum(x, 0.0)), 0.0)

    def _survival_function(self, x):
        # 1 below 0 even when the log survival function continues the formula (as TFP)
        return wb.exp(-self._rate * wb.maximum(x, 0.0))

    def _log_survival_function(self, x):
        log_sf = -self._rate * x
        if self._force_probs_to_zero_outside_support:
            return wb.where(x < 0, 0.0, log_sf)
        return log_sf

    def _quantile(self, p):
        return -wb.log1p(-p) / self._rate

    def _mean(self):
        return 1.0 / self._rate

    def _variance(self):
        return 1.0 / wb.square(self._rate)

    def _stddev(self):
        return 1.0 / self._rate

    def _entropy(self):
        return 1.0 - wb.log(self._rate)
