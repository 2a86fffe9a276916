"""The Gumbel (maximum extreme value) distribution."""

from __future__ import annotations

import math

import numpy as np

import workbench as wb

from .. import internal
from ._loc_scale import LocScaleDistribution
from .kullback_leibler import RegisterKL

__all__ = ["Gumbel"]

_EULER_GAMMA = 0.5772156649015329


class Gumbel(LocScaleDistribution):
    """``Gumbel(loc, scale)``: density ``exp(-(z + exp(-z))) / scale``, ``z = (x - loc) / scale``
    (the distribution of a maximum; SciPy's ``gumbel_r``).

    The CDF is ``exp(-exp(-z))``; samples are ``loc - scale * log(-log(U))`` (reparameterized).

    >>> d = Gumbel(loc=0.0, scale=[1.0, 2.0])
    >>> d.batch_shape, d.sample(3, seed=1).shape
    ((2,), (3, 2))
    """

    def __init__(self, loc, scale, validate_args=False, allow_nan_stats=True, name="Gumbel"):
        super().__init__(loc, scale, validate_args, allow_nan_stats, name)

    def _sample_n(self, n, seed):
        # u in [tiny, 1): -log(u) is positive and finite
        u = wb.random.stateless_uniform((n,) + self.batch_shape, seed=seed,
                                        minval=float(np.finfo(self.dtype).tiny), maxval=1.0, dtype=self.dtype)
        return self._loc - self._scale * wb.log(-wb.log(u))

    def _log_prob(self, x):
        z = self._z(x)
        return -(z + wb.exp(-z)) - wb.log(self._scale)

    def _log_cdf(self, x):
        return -wb.exp(-self._z(x))

    def _cdf(self, x):
        return wb.exp(-wb.exp(-self._z(x)))

    def _survival_function(self, x):
        return -wb.expm1(-wb.exp(-self._z(x)))

    def _log_survival_function(self, x):
        return wb.math.log1mexp(wb.exp(-self._z(x)))

    def _quantile(self, p):
        # TFP draws p from Uniform(tiny, 1): p = 0 gives the finite quantile of the smallest normal
        return self._loc - self._scale * wb.log(-wb.log(internal.above_tiny(p)))

    def _mean(self):
        return self._loc + self._scale * _EULER_GAMMA

    def _mode(self):
        return self._loc * wb.ones_like(self._scale)

    def _stddev(self):
        return self._scale * wb.ones_like(self._loc) * (math.pi / math.sqrt(6.0))

    def _entropy(self):
        return wb.log(self._scale) * wb.ones_like(self._loc) + (1.0 + _EULER_GAMMA)


@RegisterKL(Gumbel, Gumbel)
def _kl_gumbel_gumbel(a, b, name=None):
    # E_a[exp(-(x - loc_b) / scale_b)] = exp((loc_b - loc_a) / scale_b) * Gamma(1 + scale_a / scale_b)
    ratio = a.scale / b.scale
    shift = (a.loc - b.loc) / b.scale
    return (-wb.log(ratio) + _EULER_GAMMA * (ratio - 1.0) + shift
            + wb.expm1(wb.lgamma(ratio + 1.0) - shift))
