"""The Normal (Gaussian) distribution."""

from __future__ import annotations

import math

import workbench as wb

from ._loc_scale import LocScaleDistribution
from .kullback_leibler import RegisterKL
from ..internal import samplers

_HALF_LOG_TWO_PI = 0.5 * math.log(2.0 * math.pi)

__all__ = ["Normal"]


class Normal(LocScaleDistribution):
    """``Normal(loc, scale)``: density ``exp(-((x - loc) / scale)**2 / 2) / (scale * sqrt(2 pi))``.

    >>> d = Normal(loc=0.0, scale=[1.0, 2.0])
    >>> d.batch_shape, d.sample(5, seed=1).shape
    ((2,), (5, 2))
    """

    def __init__(self, loc, scale, validate_args=False, allow_nan_stats=True, name="Normal"):
        super().__init__(loc, scale, validate_args, allow_nan_stats, name)

    _sample_n_takes_any_seed = True

    def _sample_n(self, n, seed):
        eps = samplers.normal((n,) + self.batch_shape, seed=seed, dtype=self.dtype)
        return eps * self._scale + self._loc

    def _log_prob(self, x):
        # TFP's order, which float32 results follow to the last bits: the squared difference of
        # x / scale and loc / scale (TF's kernel, also in the error of shapes that do not
        # broadcast), less log(2 pi) / 2 + log(scale)
        scale = self._scale
        return (-0.5 * wb.math.squared_difference(x / scale, self._loc / scale)
                - (_HALF_LOG_TWO_PI + wb.log(scale)))

    def _cdf(self, x):
        return wb.math.ndtr(self._z(x))

    def _log_cdf(self, x):
        return wb.math.log_ndtr(self._z(x))

    def _survival_function(self, x):
        return wb.math.ndtr(-self._z(x))

    def _log_survival_function(self, x):
        return wb.math.log_ndtr(-self._z(x))

    def _quantile(self, p):
        return self._loc + self._scale * wb.math.ndtri(p)

    def _mean(self):
        return self._loc * wb.ones_like(self._scale)

    def _mode(self):
        return self._mean()

    def _stddev(self):
        return self._scale * wb.ones_like(self._loc)

    def _entropy(self):
        return 0.5 + _HALF_LOG_TWO_PI + wb.log(self._scale) * wb.ones_like(self._loc)


@RegisterKL(Normal, Normal)
def _kl_normal_normal(a, b, name=None):
    diff_log_scale = wb.log(a.scale) - wb.log(b.scale)
    return (0.5 * wb.square(a.loc / b.scale - b.loc / b.scale)
            + 0.5 * wb.expm1(2.0 * diff_log_scale) - diff_log_scale)
