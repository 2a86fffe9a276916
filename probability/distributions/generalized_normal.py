"""The generalized normal (exponential power) distribution."""

from __future__ import annotations

import math

import workbench as wb

from .. import internal
from .distribution import FULLY_REPARAMETERIZED, Distribution
from .gamma import Gamma
from ..random import rademacher

__all__ = ["GeneralizedNormal"]

_LOG_2 = math.log(2.0)


class GeneralizedNormal(Distribution):
    """``GeneralizedNormal(loc, scale, power)``: density
    ``power / (2 scale Gamma(1 / power)) * exp(-|(x - loc) / scale|**power)`` (SciPy's ``gennorm``).

    ``power = 2`` is ``Normal(loc, scale / sqrt(2))``, ``power = 1`` is ``Laplace(loc, scale)``.
    Samples are ``loc + scale * S * G**(1 / power)`` with ``G ~ Gamma(1 / power)`` and a random
    sign ``S`` (reparameterized in all three parameters).

    >>> d = GeneralizedNormal(loc=0.0, scale=1.0, power=[1.0, 2.0, 8.0])
    >>> d.batch_shape, d.sample(2, seed=1).shape
    ((3,), (2, 3))
    """

    _param_event_ndims = {"loc": 0, "scale": 0, "power": 0}
    _param_constraints = {"scale": "positive", "power": "positive"}

    def __init__(self, loc, scale, power, validate_args=False, allow_nan_stats=True, name="GeneralizedNormal"):
        parameters = dict(locals())
        dtype = internal.common_dtype([loc, scale, power])
        self._loc = internal.as_param(loc, "loc", dtype, "GeneralizedNormal")
        self._scale = internal.as_param(scale, "scale", dtype, "GeneralizedNormal")
        self._power = internal.as_param(power, "power", dtype, "GeneralizedNormal")
        super().__init__(dtype, FULLY_REPARAMETERIZED, validate_args, allow_nan_stats, parameters, name)

    @property
    def loc(self):
        return self._loc

    @property
    def scale(self):
        return self._scale

    @property
    def power(self):
        return self._power

    _sample_n_takes_any_seed = True

    def _sample_n(self, n, seed):
        # TFP's flow: a Gamma(1 / power) draw to the power 1 / power, with a Rademacher sign
        sign_seed, gamma_seed = internal.split_seed(seed, 2, salt="GenNormal")
        ipower = wb.broadcast_to(1.0 / self._power, self.batch_shape)
        g = Gamma(ipower, wb.ones([], dtype=self.dtype)).sample(n, seed=gamma_seed)
        sign = rademacher((n,) + self.batch_shape, dtype=self.dtype, seed=sign_seed)
        return self._loc + self._scale * (sign * wb.pow(wb.abs(g), ipower))

    def _z(self, x):
        return (x - self._loc) / self._scale

    def _log_prob(self, x):
        p = self._power
        return (-wb.pow(wb.abs(self._z(x)), p) + wb.log(p) - _LOG_2 - wb.log(self._scale)
                - wb.lgamma(1.0 / p))

    def _half_tail(self, x):
        # P(|Z| > |z|) / 2 = igammac(1/p, |z|**p) / 2
        p = self._power
        z = self._z(x)
        return z, 0.5 * wb.math.igammac(1.0 / p, wb.pow(wb.abs(z), p))

    def _cdf(self, x):
        z, tail = self._half_tail(x)
        return wb.where(z < 0, tail, 1.0 - tail)

    def _survival_function(self, x):
        z, tail = self._half_tail(x)
        return wb.where(z > 0, tail, 1.0 - tail)

    def _quantile(self, p):
        power = self._power
        # P(1/power, g) = |2p - 1|, inverted as the upper tail 2 min(p, 1 - p) (1 - 2p rounds for small p)
        g = wb.math.igammacinv(1.0 / power, 2.0 * wb.minimum(p, 1.0 - p))
        sign = wb.where(p < 0.5, -wb.ones_like(g), wb.ones_like(g))
        return self._loc + self._scale * sign * wb.pow(g, 1.0 / power)

    def _mean(self):
        return self._loc * wb.ones_like(self._scale * self._power)

    def _mode(self):
        return self._mean()

    def _variance(self):
        p = self._power
        return wb.square(self._scale) * wb.exp(wb.lgamma(3.0 / p) - wb.lgamma(1.0 / p)) * wb.ones_like(self._loc)

    def _entropy(self):
        p = self._power
        return (1.0 / p - wb.log(p) + _LOG_2 + wb.log(self._scale) + wb.lgamma(1.0 / p)) * wb.ones_like(self._loc)
