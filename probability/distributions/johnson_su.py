"""Johnson's SU distribution (``skewness``, ``tailweight``, ``loc``, ``scale``)."""

from __future__ import annotations

import math

import workbench as wb

from .. import internal
from .distribution import FULLY_REPARAMETERIZED, Distribution
from ..internal import samplers

__all__ = ["JohnsonSU"]


class JohnsonSU(Distribution):
    """``JohnsonSU(skewness, tailweight, loc, scale)``: ``X = loc + scale * sinh((Z - skewness) / tailweight)``
    for a standard normal ``Z`` (SciPy's ``johnsonsu(skewness, tailweight, loc, scale)``).

    The CDF is ``ndtr(skewness + tailweight * asinh(z))`` with ``z = (x - loc) / scale``; samples are
    reparameterized. As TFP, there is no mode and no entropy.

    >>> d = JohnsonSU(skewness=[0.0, 1.0], tailweight=2.0, loc=0.0, scale=1.0)
    >>> d.batch_shape, d.sample(3, seed=1).shape
    ((2,), (3, 2))
    """

    _param_event_ndims = {"skewness": 0, "tailweight": 0, "loc": 0, "scale": 0}
    _param_constraints = {"tailweight": "positive", "scale": "positive"}

    def __init__(self, skewness, tailweight, loc, scale, validate_args=False, allow_nan_stats=True, name=None):
        parameters = dict(locals())
        dtype = internal.common_dtype([skewness, tailweight, loc, scale])
        self._skewness = internal.as_param(skewness, "skewness", dtype, "JohnsonSU")
        self._tailweight = internal.as_param(tailweight, "tailweight", dtype, "JohnsonSU")
        self._loc = internal.as_param(loc, "loc", dtype, "JohnsonSU")
        self._scale = internal.as_param(scale, "scale", dtype, "JohnsonSU")
        super().__init__(dtype, FULLY_REPARAMETERIZED, validate_args, allow_nan_stats, parameters,
                         name or "JohnsonSU")

    @property
    def skewness(self):
        return self._skewness

    @property
    def tailweight(self):
        return self._tailweight

    @property
    def loc(self):
        return self._loc

    @property
    def scale(self):
        return self._scale

    def _normal_value(self, x):
        """``skewness + tailweight * asinh(z)``, the standard normal value matching ``x``."""
        return self._skewness + self._tailweight * wb.math.asinh((x - self._loc) / self._scale)

    def _from_normal(self, z):
        return self._loc + self._scale * wb.math.sinh((z - self._skewness) / self._tailweight)

    _sample_n_takes_any_seed = True  # an int seed: the stateful normal op, as TFP's

    def _sample_n(self, n, seed):
        z = samplers.normal((n,) + self.batch_shape, seed=seed, dtype=self.dtype)
        return self._from_normal(z)

    def _log_prob(self, x):
        z = (x - self._loc) / self._scale
        u = self._skewness + self._tailweight * wb.math.asinh(z)
        return (wb.log(self._tailweight) - wb.log(self._scale) - 0.5 * wb.log1p(wb.square(z))
                - 0.5 * wb.square(u) - 0.5 * math.log(2.0 * math.pi))

    def _cdf(self, x):
        return wb.math.ndtr(self._normal_value(x))

    def _log_cdf(self, x):
        return wb.math.log_ndtr(self._normal_value(x))

    def _survival_function(self, x):
        return wb.math.ndtr(-self._normal_value(x))

    def _log_survival_function(self, x):
        return wb.math.log_ndtr(-self._normal_value(x))

    def _quantile(self, p):
        return self._from_normal(wb.math.ndtri(p))

    def _mean(self):
        d = self._tailweight
        return self._loc - self._scale * wb.exp(0.5 / wb.square(d)) * wb.math.sinh(self._skewness / d)

    def _variance(self):
        d = self._tailweight
        w = wb.exp(1.0 / wb.square(d))
        return (0.5 * wb.square(self._scale) * (w - 1.0) * (w * wb.math.cosh(2.0 * self._skewness / d) + 1.0)
                * wb.ones_like(self._loc))
