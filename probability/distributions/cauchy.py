"""The Cauchy distribution."""

from __future__ import annotations

import math

import numpy as np

import workbench as wb

from ._loc_scale import LocScaleDistribution, UndefinedMomentsMixin
from .kullback_leibler import RegisterKL

__all__ = ["Cauchy"]

_LOG_PI = math.log(math.pi)


def log1psquare(y):
    """``log(1 + y**2)`` without overflow: ``2 log|y|`` once ``y**2`` swamps the 1."""
    big = wb.abs(y) * math.sqrt(float(np.finfo(y.dtype).eps)) > 1.0
    small_y = wb.where(big, 0.0, y)
    big_y = wb.where(big, y, 1.0)
    return wb.where(big, 2.0 * wb.log(wb.abs(big_y)), wb.log1p(wb.square(small_y)))


def atan_tail(z):
    """``atan(1 / z)`` for ``z > 0`` (``pi/2 - atan(z)`` without its cancellation for large ``z``);
    other values give a finite placeholder, for use under ``where``."""
    return wb.atan(1.0 / wb.where(z > 0, z, 1.0))


def _standard_cdf(z):
    # 1/2 + atan(z)/pi cancels in the left tail; there it equals atan(-1/z)/pi
    return wb.where(z < -1.0, atan_tail(-z) / math.pi, 0.5 + wb.atan(wb.maximum(z, -1.0)) / math.pi)


def _standard_log_cdf(z):
    # left tail: log(atan(-1/z)/pi); right tail: log1p(-atan(1/z)/pi), the survival function
    # being exact there; in between the CDF lies in [1/4, 3/4]
    middle = 0.5 + wb.atan(wb.clip_by_value(z, -1.0, 1.0)) / math.pi
    return wb.where(z < -1.0, wb.log(atan_tail(-z)) - _LOG_PI,
                    wb.where(z > 1.0, wb.log1p(-atan_tail(z) / math.pi), wb.log(middle)))


class Cauchy(UndefinedMomentsMixin, LocScaleDistribution):
    """``Cauchy(loc, scale)``: density ``1 / (pi scale (1 + ((x - loc) / scale)**2))``.

    The mean, variance and standard deviation do not exist: NaN with
    ``allow_nan_stats=True``, a ``ValueError`` otherwise.

    >>> d = Cauchy(loc=0.0, scale=[1.0, 2.0])
    >>> d.batch_shape, d.sample(5, seed=1).shape
    ((2,), (5, 2))
    """

    def __init__(self, loc, scale, validate_args=False, allow_nan_stats=True, name="Cauchy"):
        super().__init__(loc, scale, validate_args, allow_nan_stats, name)

    def _sample_n(self, n, seed):
        u = wb.random.stateless_uniform((n,) + self.batch_shape, seed=seed, dtype=self.dtype)
        return self._quantile(u)

    def _log_prob(self, x):
        return -_LOG_PI - wb.log(self._scale) - log1psquare(self._z(x))

    def _cdf(self, x):
        return _standard_cdf(self._z(x))

    def _log_cdf(self, x):
        return _standard_log_cdf(self._z(x))

    def _survival_function(self, x):
        return _standard_cdf(-self._z(x))

    def _log_survival_function(self, x):
        return _standard_log_cdf(-self._z(x))

    def _quantile(self, p):
        return self._loc + self._scale * wb.tan(math.pi * (p - 0.5))

    def _entropy(self):
        return math.log(4.0 * math.pi) + wb.log(self._scale) * wb.ones_like(self._loc)


@RegisterKL(Cauchy, Cauchy)
def _kl_cauchy_cauchy(a, b, name=None):
    return (wb.log(wb.square(a.scale + b.scale) + wb.square(a.loc - b.loc))
            - math.log(4.0) - wb.log(a.scale) - wb.log(b.scale))
