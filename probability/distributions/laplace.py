"""The Laplace (double exponential) distribution."""

from __future__ import annotations

import math

import numpy as np

import workbench as wb

from ._loc_scale import LocScaleDistribution
from .kullback_leibler import RegisterKL

__all__ = ["Laplace"]

_LOG_2 = math.log(2.0)


def _log_cdf_laplace(z):
    """``log`` of the standard Laplace CDF: ``z - log 2`` for ``z < 0``, else
    ``log1p(-exp(-z) / 2)``; each branch sees only its own half of the line."""
    return wb.where(z < 0, wb.minimum(z, 0.0) - _LOG_2, wb.log1p(-0.5 * wb.exp(-wb.maximum(z, 0.0))))


class Laplace(LocScaleDistribution):
    """``Laplace(loc, scale)``: density ``exp(-|x - loc| / scale) / (2 scale)``.

    >>> d = Laplace(loc=0.0, scale=[1.0, 2.0])
    >>> d.stddev().numpy()
    array([1.4142135, 2.828427 ], dtype=float32)
    """

    def __init__(self, loc, scale, validate_args=False, allow_nan_stats=True, name="Laplace"):
        super().__init__(loc, scale, validate_args, allow_nan_stats, name)

    def _sample_n(self, n, seed):
        # u in the open interval (-1, 1), so log1p(-|u|) stays finite
        low = float(np.nextafter(self.dtype.type(-1.0), self.dtype.type(1.0)))
        u = wb.random.stateless_uniform((n,) + self.batch_shape, seed=seed, minval=low, maxval=1.0,
                                        dtype=self.dtype)
        return self._loc - self._scale * wb.sign(u) * wb.log1p(-wb.abs(u))

    def _log_prob(self, x):
        return -wb.abs(self._z(x)) - _LOG_2 - wb.log(self._scale)

    def _cdf(self, x):
        z = self._z(x)
        return 0.5 - 0.5 * wb.sign(z) * wb.expm1(-wb.abs(z))

    def _log_cdf(self, x):
        return _log_cdf_laplace(self._z(x))

    def _survival_function(self, x):
        # -expm1(log_cdf), TFP's path (its Laplace has no survival function of its own), which
        # keeps the upper tail: 0.5 + 0.5 sign(z) expm1(-|z|) cancels it away
        return -wb.expm1(self._log_cdf(x))

    def _log_survival_function(self, x):
        return _log_cdf_laplace(-self._z(x))

    def _quantile(self, p):
        upper = p > 0.5
        return wb.where(upper,
                        self._loc - self._scale * (_LOG_2 + wb.log1p(-wb.where(upper, p, 0.5))),
                        self._loc + self._scale * wb.log(2.0 * wb.where(upper, 0.5, p)))

    def _mean(self):
        return self._loc * wb.ones_like(self._scale)

    def _mode(self):
        return self._mean()

    def _stddev(self):
        return math.sqrt(2.0) * self._scale * wb.ones_like(self._loc)

    def _entropy(self):
        return _LOG_2 + 1.0 + wb.log(self._scale) * wb.ones_like(self._loc)


@RegisterKL(Laplace, Laplace)
def _kl_laplace_laplace(a, b, name=None):
    distance = wb.abs(a.loc - b.loc)
    ratio = a.scale / b.scale
    return -wb.log(ratio) - 1.0 + distance / b.scale + ratio * wb.exp(-distance / a.scale)
