"""The generalized Pareto distribution (``loc``, ``scale``, ``concentration``)."""

from __future__ import annotations

import numpy as np

import workbench as wb

from .. import internal
from .distribution import FULLY_REPARAMETERIZED, Distribution

__all__ = ["GeneralizedPareto"]


def _safe(c):
    """``c`` with its zeros replaced by ones (for the ``c == 0`` limits taken beside it)."""
    return wb.where(wb.math.equal(c, 0.0), wb.ones_like(c), c)


class GeneralizedPareto(Distribution):
    """``GeneralizedPareto(loc, scale, concentration)``: with ``z = (x - loc) / scale`` and
    ``c = concentration``, the survival function is ``(1 + c z)**(-1 / c)`` (``exp(-z)`` for
    ``c = 0``) on ``z >= 0`` (and ``z <= -1 / c`` when ``c < 0``); SciPy's ``genpareto``.

    Outside the support ``log_prob`` is ``-inf`` and the CDF 0 or 1. Samples are quantiles of uniforms
    (reparameterized). The mean exists for ``c < 1``, the variance for ``c < 1/2`` (NaN otherwise, or
    an error with ``allow_nan_stats=False``); TFP has no mode.

    >>> d = GeneralizedPareto(loc=0.0, scale=[1.0, 2.0], concentration=0.3)
    >>> d.batch_shape, d.sample(3, seed=1).shape
    ((2,), (3, 2))
    """

    _param_event_ndims = {"loc": 0, "scale": 0, "concentration": 0}
    _param_constraints = {"scale": "positive"}

    def __init__(self, loc, scale, concentration, validate_args=False, allow_nan_stats=True, name=None):
        parameters = dict(locals())
        name = name or "GeneralizedPareto"
        dtype = internal.common_dtype([loc, scale, concentration])
        self._loc = internal.as_param(loc, "loc", dtype, "GeneralizedPareto")
        self._scale = internal.as_param(scale, "scale", dtype, "GeneralizedPareto")
        self._concentration = internal.as_param(concentration, "concentration", dtype, "GeneralizedPareto")
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

    def _sample_n(self, n, seed):
        u = wb.random.stateless_uniform((n,) + self.batch_shape, seed=seed, dtype=self.dtype)
        return self._quantile(u)

    def _z(self, x):
        """(z, where x is below the support, where above it)."""
        z = (x - self._loc) / self._scale
        c = self._concentration
        above = (c < 0) & (z * c < -1.0)   # z > -1 / c
        return z, z < 0, above

    def _log_sf_of_z(self, z):
        c = self._concentration
        safe_c = _safe(c)
        return wb.where(wb.math.equal(c, 0.0), -z, -wb.log1p(safe_c * z) / safe_c)

    def _check_support(self, x, method):
        # x >= loc, and x <= loc - scale / concentration when concentration < 0
        c = self._concentration
        top = self._loc - self._scale / wb.where(c < 0, c, -wb.ones_like(c))
        ok = (x >= self._loc) & ((c >= 0) | (x <= top))
        self._assert_in_support(x, method, ok, ">= loc (and <= loc - scale / concentration when concentration < 0)")

    def _log_prob(self, x):
        z, below, above = self._z(x)
        c = self._concentration
        inside = ~(below | above)
        zs = wb.where(inside, z, wb.zeros_like(z))
        safe_c = _safe(c)
        lp = -wb.where(wb.math.equal(c, 0.0), zs, (1.0 + 1.0 / safe_c) * wb.log1p(safe_c * zs)) - wb.log(self._scale)
        return wb.where(inside, lp, float("-inf"))

    def _log_survival_function(self, x):
        z, below, above = self._z(x)
        inside = ~(below | above)
        log_sf = self._log_sf_of_z(wb.where(inside, z, wb.zeros_like(z)))
        return wb.where(below, wb.zeros_like(log_sf), wb.where(above, float("-inf"), log_sf))

    def _survival_function(self, x):
        return wb.exp(self._log_survival_function(x))

    def _cdf(self, x):
        return -wb.expm1(self._log_survival_function(x))

    def _log_cdf(self, x):
        return wb.math.log1mexp(-self._log_survival_function(x))

    def _quantile(self, p):
        c = self._concentration
        safe_c = _safe(c)
        t = -wb.log1p(-p)   # -log S
        z = wb.where(wb.math.equal(c, 0.0), t, wb.expm1(safe_c * t) / safe_c)
        return self._loc + self._scale * z

    def _mean(self):
        c = self._concentration
        ok = c < 1.0
        mean = self._loc + self._scale / (1.0 - wb.where(ok, c, wb.zeros_like(c)))
        return self._undefined(mean, ~ok, "mean (concentration >= 1)")

    def _variance(self):
        c = self._concentration
        ok = c < 0.5
        cs = wb.where(ok, c, wb.zeros_like(c))
        var = wb.square(self._scale / (1.0 - cs)) / (1.0 - 2.0 * cs) * wb.ones_like(self._loc)
        return self._undefined(var, ~ok, "variance (concentration >= 0.5)")

    def _entropy(self):
        return wb.log(self._scale) + self._concentration + 1.0 + wb.zeros_like(self._loc)

    def _default_event_space_bijector(self):
        from .. import bijectors as tfb  # circular import: bijectors builds distributions in __call__
        return tfb.GeneralizedPareto(self._loc, self._scale, self._concentration, validate_args=self._validate_args)
