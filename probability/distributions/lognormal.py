"""The log-normal distribution: ``exp(X)`` for ``X ~ Normal(loc, scale)``."""

from __future__ import annotations

import math

import workbench as wb

from .. import internal
from ._loc_scale import LocScaleDistribution
from .kullback_leibler import RegisterKL
from .normal import _kl_normal_normal
from ..internal import samplers

__all__ = ["LogNormal"]

_HALF_LOG_TWO_PI = 0.5 * math.log(2.0 * math.pi)


class LogNormal(LocScaleDistribution):
    """``LogNormal(loc, scale)``: ``log(x)`` is ``Normal(loc, scale)``; density
    ``exp(-((log x - loc) / scale)**2 / 2) / (x scale sqrt(2 pi))`` on ``x > 0``.

    >>> d = LogNormal(loc=0.0, scale=[0.5, 1.0])
    >>> d.batch_shape, d.sample(3, seed=1).shape
    ((2,), (3, 2))
    """

    _param_event_ndims = {"loc": 0, "scale": 0}
    _param_constraints = {"scale": "positive"}
    _support = "nonnegative"

    def __init__(self, loc, scale, validate_args=False, allow_nan_stats=True, name="LogNormal"):
        super().__init__(loc, scale, validate_args, allow_nan_stats, name)

    @classmethod
    def experimental_from_mean_variance(cls, mean, variance, **kwargs):
        """The LogNormal with this ``mean`` and ``variance`` (both > 0):
        ``scale = sqrt(log1p(variance / mean**2))``, ``loc = log(mean) - scale**2 / 2``, as
        ``DeferredTensor``s of ``mean``. ``kwargs`` go to ``__init__``."""
        from ..util.deferred_tensor import DeferredTensor  # util imports the bijectors, which import this package
        owner = f"{cls.__name__}.experimental_from_mean_variance"
        dtype = internal.common_dtype([mean, variance])
        mean = internal.as_param(mean, "mean", dtype, owner)
        variance = internal.as_param(variance, "variance", dtype, owner)
        scale = DeferredTensor(mean, lambda m: wb.sqrt(wb.math.log1p(variance / m ** 2)))
        loc = DeferredTensor(mean, lambda m: wb.math.log(m) - scale ** 2 / 2.0)
        return cls(loc=loc, scale=scale, **kwargs)

    def _log_x(self, x):
        # log x, with x <= 0 sent to -inf (density and CDF 0) without NaN gradients
        positive = x > 0
        return positive, wb.log(wb.where(positive, x, 1.0))

    _sample_n_takes_any_seed = True

    def _sample_n(self, n, seed):
        eps = samplers.normal((n,) + self.batch_shape, seed=seed, dtype=self.dtype)
        return wb.exp(eps * self._scale + self._loc)

    def _nan_region(self, x, method):
        return x < 0.0  # TFP's log(x)

    def _log_prob(self, x):
        positive, log_x = self._log_x(x)
        z = (log_x - self._loc) / self._scale
        lp = -0.5 * z * z - wb.log(self._scale) - _HALF_LOG_TWO_PI - log_x
        return wb.where(positive, lp, float("-inf"))

    def _z_or_minus_inf(self, x):
        positive, log_x = self._log_x(x)
        return wb.where(positive, (log_x - self._loc) / self._scale, float("-inf"))

    def _cdf(self, x):
        return wb.math.ndtr(self._z_or_minus_inf(x))

    def _log_cdf(self, x):
        return wb.math.log_ndtr(self._z_or_minus_inf(x))

    def _survival_function(self, x):
        return wb.math.ndtr(-self._z_or_minus_inf(x))

    def _log_survival_function(self, x):
        return wb.math.log_ndtr(-self._z_or_minus_inf(x))

    def _quantile(self, p):
        return wb.exp(self._loc + self._scale * wb.math.ndtri(p))

    def _mean(self):
        return wb.exp(self._loc + 0.5 * wb.square(self._scale))

    def _variance(self):
        s2 = wb.square(self._scale)
        return wb.expm1(s2) * wb.exp(2.0 * self._loc + s2)

    def _mode(self):
        return wb.exp(self._loc - wb.square(self._scale))

    def _entropy(self):
        return self._loc + 0.5 + _HALF_LOG_TWO_PI + wb.log(self._scale)


@RegisterKL(LogNormal, LogNormal)
def _kl_lognormal_lognormal(a, b, name=None):
    # KL is invariant under the common bijection exp: it is the KL of the underlying Normals
    return _kl_normal_normal(a, b)
