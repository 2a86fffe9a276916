"""The half-normal distribution: ``|X|`` for ``X ~ Normal(0, scale)``."""

from __future__ import annotations

import math

import workbench as wb

from .. import internal
from .distribution import FULLY_REPARAMETERIZED, Distribution
from .kullback_leibler import RegisterKL
from ..internal import samplers

__all__ = ["HalfNormal"]

_HALF_LOG_PI_OVER_2 = 0.5 * math.log(math.pi / 2.0)
_SQRT_2 = math.sqrt(2.0)


class HalfNormal(Distribution):
    """``HalfNormal(scale)``: density ``sqrt(2/pi) / scale * exp(-(x / scale)**2 / 2)`` on ``x >= 0``
    (``log_prob`` is ``-inf`` below 0).

    >>> d = HalfNormal(scale=[1.0, 2.0])
    >>> d.batch_shape, d.sample(3, seed=1).shape
    ((2,), (3, 2))
    """

    _param_event_ndims = {"scale": 0}
    _param_constraints = {"scale": "positive"}
    _support = "nonnegative"

    def __init__(self, scale, validate_args=False, allow_nan_stats=True, name="HalfNormal"):
        parameters = dict(locals())
        dtype = internal.common_dtype([scale])
        self._scale = internal.as_param(scale, "scale", dtype, "HalfNormal")
        super().__init__(dtype, FULLY_REPARAMETERIZED, validate_args, allow_nan_stats, parameters, name)

    @property
    def scale(self):
        return self._scale

    _sample_n_takes_any_seed = True

    def _sample_n(self, n, seed):
        eps = samplers.normal((n,) + self.batch_shape, seed=seed, dtype=self.dtype)
        return wb.abs(eps * self._scale)

    def _log_prob(self, x):
        z = x / self._scale
        lp = -0.5 * z * z - wb.log(self._scale) - _HALF_LOG_PI_OVER_2
        return wb.where(x >= 0, lp, float("-inf"))

    def _z(self, x):
        return wb.maximum(x, 0.0) / self._scale

    def _cdf(self, x):
        return wb.math.erf(self._z(x) / _SQRT_2)

    def _survival_function(self, x):
        return wb.math.erfc(self._z(x) / _SQRT_2)

    def _log_survival_function(self, x):
        # erfc(z / sqrt 2) = 2 Phi(-z): log_ndtr keeps the far tail finite
        return math.log(2.0) + wb.math.log_ndtr(-self._z(x))

    def _quantile(self, p):
        return _SQRT_2 * self._scale * wb.math.erfinv(p)

    def _mean(self):
        return self._scale * math.sqrt(2.0 / math.pi)

    def _variance(self):
        return wb.square(self._scale) * (1.0 - 2.0 / math.pi)

    def _mode(self):
        return wb.zeros_like(self._scale)

    def _entropy(self):
        return 0.5 * math.log(math.pi / 2.0) + wb.log(self._scale) + 0.5


@RegisterKL(HalfNormal, HalfNormal)
def _kl_half_normal_half_normal(a, b, name=None):
    return (wb.log(b.scale) - wb.log(a.scale)
            + (wb.square(a.scale) - wb.square(b.scale)) / (2.0 * wb.square(b.scale)))
