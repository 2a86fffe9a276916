"""The inverse Gamma distribution: ``1 / X`` for ``X ~ Gamma(concentration, rate=scale)``."""

from __future__ import annotations

import workbench as wb

from .. import internal
from .distribution import FULLY_REPARAMETERIZED, Distribution
from .gamma import random_gamma

__all__ = ["InverseGamma"]


class InverseGamma(Distribution):
    """``InverseGamma(concentration, scale)``: density
    ``scale**c x**(-c-1) exp(-scale / x) / Gamma(c)`` on ``x > 0``.

    The mean exists for ``concentration > 1`` and the variance for ``concentration > 2``:
    elsewhere they are NaN (``allow_nan_stats=True``) or raise ``ValueError``.
    Samples are reparameterized through the Gamma draws' implicit gradients.

    >>> d = InverseGamma(concentration=[3.0, 0.5], scale=2.0)
    >>> d.mean().numpy()
    array([ 1., nan], dtype=float32)
    """

    _param_event_ndims = {"concentration": 0, "scale": 0}
    _param_constraints = {"concentration": "positive", "scale": "positive"}
    _support = "nonnegative"

    def __init__(self, concentration, scale, validate_args=False, allow_nan_stats=True, name="InverseGamma"):
        parameters = dict(locals())
        dtype = internal.common_dtype([concentration, scale])
        self._concentration = internal.as_param(concentration, "concentration", dtype, "InverseGamma")
        self._scale = internal.as_param(scale, "scale", dtype, "InverseGamma")
        super().__init__(dtype, FULLY_REPARAMETERIZED, validate_args, allow_nan_stats, parameters, name)

    @property
    def concentration(self):
        return self._concentration

    @property
    def scale(self):
        return self._scale

    _sample_n_takes_any_seed = True

    def _sample_n(self, n, seed):
        # scale / G computed in log space: a Gamma draw that underflows gives inf, not a NaN
        return wb.exp(-random_gamma((n,), self._concentration, rate=self._scale, seed=seed, log_space=True))

    def _nan_region(self, x, method):
        # TFP's x**(-c - 1) and scale / x: its density is NaN at and below 0, its tails below 0
        return (x <= 0.0) if method in ("log_prob", "prob") else (x < 0.0)

    def _log_prob(self, x):
        c = self._concentration
        positive = x > 0
        safe_x = wb.where(positive, x, 1.0)
        # TFP's grouping: unnormalized minus normalization
        lp = ((-(1.0 + c) * wb.log(safe_x) - self._scale / safe_x)
              - (wb.lgamma(c) - c * wb.log(self._scale)))
        return wb.where(positive, lp, float("-inf"))

    def _cdf(self, x):
        # Q(c, scale / x) for x > 0; 0 at and below 0 (where scale / x would be +inf)
        positive = x > 0
        y = self._scale / wb.where(positive, x, 1.0)
        return wb.where(positive, wb.math.igammac(self._concentration, y), 0.0)

    def _survival_function(self, x):
        positive = x > 0
        y = self._scale / wb.where(positive, x, 1.0)
        return wb.where(positive, wb.math.igamma(self._concentration, y), 1.0)

    def _log_cdf(self, x):
        # log(cdf), or log1p(-sf) where the CDF is close to 1: both tails keep their digits
        # (TFP's log(cdf) and log1p(-cdf) each lose one)
        return internal.log_tail(self._cdf(x), self._survival_function(x))

    def _log_survival_function(self, x):
        return internal.log_tail(self._survival_function(x), self._cdf(x))

    def _quantile(self, p):
        # P(scale / G <= x) = Q(c, scale / x): invert Q, which keeps the left tail (small p) exact
        return self._scale / wb.math.igammacinv(self._concentration, p)

    def _mean(self):
        c = self._concentration
        mean = self._scale / wb.where(c > 1.0, c - 1.0, wb.ones_like(c))
        return self._undefined(mean, c <= 1.0, "mean (concentration <= 1)")

    def _variance(self):
        c = self._concentration
        defined = c > 2.0
        cm1 = wb.where(defined, c - 1.0, wb.ones_like(c))
        cm2 = wb.where(defined, c - 2.0, wb.ones_like(c))
        var = wb.square(self._scale) / (wb.square(cm1) * cm2)
        return self._undefined(var, c <= 2.0, "variance (concentration <= 2)")

    def _mode(self):
        return self._scale / (1.0 + self._concentration)

    def _entropy(self):
        c = self._concentration
        return c + wb.log(self._scale) + wb.lgamma(c) - (1.0 + c) * wb.digamma(c)
