"""The Moyal distribution (``loc``, ``scale``)."""

from __future__ import annotations

import math

import numpy as np

import workbench as wb

from ._loc_scale import LocScaleDistribution
from .kullback_leibler import RegisterKL

__all__ = ["Moyal"]

_EULER_GAMMA = 0.5772156649015329
_LOG_2 = math.log(2.0)


class Moyal(LocScaleDistribution):
    """``Moyal(loc, scale)``: density ``exp(-(z + exp(-z)) / 2) / (scale sqrt(2 pi))``,
    ``z = (x - loc) / scale`` (SciPy's ``moyal``; ``exp(-z)`` is chi-square with one degree of freedom).

    The CDF is ``erfc(exp(-z / 2) / sqrt(2))``; samples are quantiles of uniforms (reparameterized).

    >>> d = Moyal(loc=0.0, scale=[1.0, 2.0])
    >>> d.batch_shape, d.sample(3, seed=1).shape
    ((2,), (3, 2))
    """

    def __init__(self, loc, scale, validate_args=False, allow_nan_stats=True, name="Moyal"):
        super().__init__(loc, scale, validate_args, allow_nan_stats, name)

    def _sample_n(self, n, seed):
        u = wb.random.stateless_uniform((n,) + self.batch_shape, seed=seed,
                                        minval=float(np.finfo(self.dtype).tiny), maxval=1.0, dtype=self.dtype)
        return self._quantile(u)

    def _log_prob(self, x):
        z = self._z(x)
        return -0.5 * (z + wb.exp(-z) + math.log(2.0 * math.pi)) - wb.log(self._scale)

    def _w(self, x):
        return wb.exp(-0.5 * self._z(x)) * math.sqrt(0.5)

    def _cdf(self, x):
        return wb.math.erfc(self._w(x))

    def _survival_function(self, x):
        return wb.math.erf(self._w(x))

    def _log_cdf(self, x):
        return wb.log(wb.math.erfc(self._w(x)))

    def _log_survival_function(self, x):
        return wb.log(wb.math.erf(self._w(x)))

    def _quantile(self, p):
        e = wb.math.erfcinv(p)
        return self._loc - self._scale * (_LOG_2 + 2.0 * wb.log(e))

    def _mean(self):
        return self._loc + self._scale * (_EULER_GAMMA + _LOG_2)

    def _variance(self):
        return wb.square(self._scale) * wb.ones_like(self._loc) * (math.pi ** 2 / 2.0)

    def _mode(self):
        return self._loc * wb.ones_like(self._scale)

    def _entropy(self):
        return wb.log(self._scale) * wb.ones_like(self._loc) + 0.5 * (1.0 + _EULER_GAMMA + math.log(4.0 * math.pi))


@RegisterKL(Moyal, Moyal)
def _kl_moyal_moyal(a, b, name=None):
    # with r = scale_a / scale_b and X = exp(-z_a) ~ chi2(1): E[X**r] = 2**r Gamma(r + 1/2) / Gamma(1/2)
    r = a.scale / b.scale
    shift = (a.loc - b.loc) / b.scale
    mean_zb = r * (_EULER_GAMMA + _LOG_2) + shift
    mean_exp = wb.exp(-shift + r * _LOG_2 + wb.lgamma(r + 0.5) - 0.5 * math.log(math.pi))
    return -wb.log(r) - 0.5 * (1.0 + _EULER_GAMMA + _LOG_2) + 0.5 * (mean_zb + mean_exp)
