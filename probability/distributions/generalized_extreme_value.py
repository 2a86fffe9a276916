"""The generalized extreme value (GEV) distribution (``loc``, ``scale``, ``concentration``)."""

from __future__ import annotations

import math

import numpy as np

import workbench as wb

from .. import internal
from .distribution import FULLY_REPARAMETERIZED, Distribution

__all__ = ["GeneralizedExtremeValue"]

_EULER_GAMMA = 0.5772156649015329


class GeneralizedExtremeValue(Distribution):
    """``GeneralizedExtremeValue(loc, scale, concentration)``: CDF ``exp(-t(x))`` with
    ``t = (1 + c z)**(-1 / c)`` (``exp(-z)`` for ``c = 0``, the Gumbel), ``z = (x - loc) / scale``,
    ``c = concentration``, on ``1 + c z > 0``; SciPy's ``genextreme`` with ``c = -concentration``.

    Outside the support ``log_prob`` is ``-inf`` and the CDF 0 or 1. Samples are quantiles of uniforms
    (reparameterized). As TFP, the mean is ``inf`` for ``c >= 1`` and the variance ``inf`` for
    ``c >= 1/2``.

    >>> d = GeneralizedExtremeValue(loc=0.0, scale=[1.0, 2.0], concentration=0.2)
    >>> d.batch_shape, d.sample(3, seed=1).shape
    ((2,), (3, 2))
    """

    _param_event_ndims = {"loc": 0, "scale": 0, "concentration": 0}
    _param_constraints = {"scale": "positive"}

    def __init__(self, loc, scale, concentration, validate_args=False, allow_nan_stats=True,
                 name="GeneralizedExtremeValue"):
        parameters = dict(locals())
        dtype = internal.common_dtype([loc, scale, concentration])
        owner = "GeneralizedExtremeValue"
        self._loc = internal.as_param(loc, "loc", dtype, owner)
        self._scale = internal.as_param(scale, "scale", dtype, owner)
        self._concentration = internal.as_param(concentration, "concentration", dtype, owner)
        super().__init__(dtype, FULLY_REPARAMETERIZED, validate_args, allow_nan_stats, parameters, name)

    @property
    def loc(self):
        return self._loc

    @property
    def scale(self):
        return self._scale

    @property
    def concentration(self):
        return self._concentration

    def _c(self):
        """(c, c with zeros replaced by ones, where c == 0)."""
        c = self._concentration
        zero = wb.math.equal(c, 0.0)
        return c, wb.where(zero, wb.ones_like(c), c), zero

    def _log_t(self, x):
        """(log t(x) inside the support, where x lies below it, where above it)."""
        c, safe_c, zero = self._c()
        z = (x - self._loc) / self._scale
        cz1 = 1.0 + c * z
        outside = cz1 <= 0
        safe_cz1 = wb.where(outside, wb.ones_like(cz1), cz1)
        log_t = wb.where(zero, -z, -wb.log(safe_cz1) / safe_c)
        return wb.where(outside, wb.zeros_like(log_t), log_t), outside & (c > 0), outside & (c < 0)

    def _sample_n(self, n, seed):
        u = wb.random.stateless_uniform((n,) + self.batch_shape, seed=seed,
                                        minval=float(np.finfo(self.dtype).tiny), maxval=1.0, dtype=self.dtype)
        return self._quantile(u)

    def _check_support(self, x, method):
        # 1 + concentration (x - loc) / scale >= 0
        ok = 1.0 + self._concentration * (x - self._loc) / self._scale >= 0
        self._assert_in_support(x, method, ok, "where 1 + concentration * (x - loc) / scale >= 0")

    def _log_prob(self, x):
        log_t, below, above = self._log_t(x)
        lp = (1.0 + self._concentration) * log_t - wb.exp(log_t) - wb.log(self._scale)
        return wb.where(below | above, float("-inf"), lp)

    def _log_cdf(self, x):
        log_t, below, above = self._log_t(x)
        log_cdf = -wb.exp(log_t)
        return wb.where(below, float("-inf"), wb.where(above, wb.zeros_like(log_cdf), log_cdf))

    def _cdf(self, x):
        return wb.exp(self._log_cdf(x))

    def _log_survival_function(self, x):
        log_t, below, above = self._log_t(x)
        log_sf = wb.math.log1mexp(wb.exp(log_t))
        return wb.where(below, wb.zeros_like(log_sf), wb.where(above, float("-inf"), log_sf))

    def _survival_function(self, x):
        log_t, below, above = self._log_t(x)
        sf = -wb.expm1(-wb.exp(log_t))
        return wb.where(below, wb.ones_like(sf), wb.where(above, wb.zeros_like(sf), sf))

    def _quantile(self, p):
        c, safe_c, zero = self._c()
        log_t = wb.log(-wb.log(internal.above_tiny(p)))  # as Gumbel's: finite at p = 0
        z = wb.where(zero, -log_t, wb.expm1(-safe_c * log_t) / safe_c)
        return self._loc + self._scale * z

    def _mean(self):
        c, safe_c, zero = self._c()
        ok = c < 1.0
        cs = wb.where(ok, safe_c, wb.zeros_like(c) + 0.5)
        m = wb.where(zero, wb.zeros_like(c) + _EULER_GAMMA, wb.expm1(wb.lgamma(1.0 - cs)) / cs)
        mean = self._loc + self._scale * m
        return wb.where(ok, mean, wb.zeros_like(mean) + np.inf)

    def _variance(self):
        c, safe_c, zero = self._c()
        ok = c < 0.5
        cs = wb.where(ok, safe_c, wb.zeros_like(c) + 0.25)
        g1, g2 = wb.exp(wb.lgamma(1.0 - cs)), wb.exp(wb.lgamma(1.0 - 2.0 * cs))
        v = wb.where(zero, wb.zeros_like(c) + math.pi ** 2 / 6.0, (g2 - wb.square(g1)) / wb.square(cs))
        var = wb.square(self._scale) * v * wb.ones_like(self._loc)
        return wb.where(ok, var, wb.zeros_like(var) + np.inf)

    def _mode(self):
        c, safe_c, zero = self._c()
        m = wb.where(zero, wb.zeros_like(c), wb.expm1(-safe_c * wb.log1p(safe_c)) / safe_c)
        return self._loc + self._scale * m

    def _entropy(self):
        return wb.log(self._scale) + _EULER_GAMMA * self._concentration + (_EULER_GAMMA + 1.0) + wb.zeros_like(self._loc)

    def _default_event_space_bijector(self):
        from .. import bijectors as tfb  # circular import: bijectors builds distributions in __call__
        cdf = tfb.GeneralizedExtremeValueCDF(self._loc, self._scale, self._concentration,
                                             validate_args=self._validate_args)
        return tfb.Chain([tfb.Invert(cdf), tfb.Sigmoid()], validate_args=self._validate_args)
