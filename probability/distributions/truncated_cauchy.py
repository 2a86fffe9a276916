"""The truncated Cauchy distribution (``loc``, ``scale``, ``low``, ``high``)."""

from __future__ import annotations

import workbench as wb

from ._truncated import TruncatedLocScale
from .distribution import NOT_REPARAMETERIZED

__all__ = ["TruncatedCauchy"]


def _atan_diff(b, a):
    """``atan(b) - atan(a)``, without the cancellation of two angles near +-pi/2 when ``a b > -1``."""
    d = 1.0 + a * b
    same_side = d > 0
    safe_d = wb.where(same_side, d, wb.ones_like(d))
    return wb.where(same_side, wb.math.atan((b - a) / safe_d), wb.math.atan(b) - wb.math.atan(a))


class TruncatedCauchy(TruncatedLocScale):
    """``TruncatedCauchy(loc, scale, low, high)``: the Cauchy density restricted to ``[low, high]`` and
    renormalized: ``1 / (scale (1 + z**2) (atan(b) - atan(a)))`` with ``z = (x - loc) / scale`` and
    ``a``, ``b`` the standardized bounds.

    ``log_prob`` is ``-inf`` outside ``[low, high]``. The mean and variance always exist. Samples are
    inverse-CDF draws, not reparameterized (as TFP); as TFP there is no entropy.

    >>> d = TruncatedCauchy(loc=0.0, scale=1.0, low=-1.0, high=[1.0, 2.0])
    >>> d.batch_shape, d.sample(3, seed=1).shape
    ((2,), (3, 2))
    """

    _reparameterization = NOT_REPARAMETERIZED

    def __init__(self, loc, scale, low, high, validate_args=False, allow_nan_stats=True, name="TruncatedCauchy"):
        parameters = dict(locals())
        self._init_truncated(loc, scale, low, high, validate_args, allow_nan_stats, parameters, name)

    def _bounds(self):
        """The standardized bounds and the normalizer ``atan(b) - atan(a)``."""
        a = (self._low - self._loc) / self._scale
        b = (self._high - self._loc) / self._scale
        return a, b, _atan_diff(b, a)

    def _sample_n(self, n, seed):
        u = wb.random.stateless_uniform((n,) + self.batch_shape, seed=seed, dtype=self.dtype)
        return wb.stop_gradient(self._quantile(u))

    def _log_prob(self, x):
        a, b, norm = self._bounds()
        z = (x - self._loc) / self._scale
        lp = -wb.log1p(wb.square(z)) - wb.log(self._scale) - wb.log(norm)
        return wb.where((x < self._low) | (x > self._high), float("-inf"), lp)

    def _clipped_z(self, x):
        return (wb.minimum(wb.maximum(x, self._low), self._high) - self._loc) / self._scale

    def _cdf(self, x):
        a, b, norm = self._bounds()
        return _atan_diff(self._clipped_z(x), a) / norm

    def _survival_function(self, x):
        a, b, norm = self._bounds()
        return _atan_diff(b, self._clipped_z(x)) / norm

    def _log_cdf(self, x):
        return wb.log(self._cdf(x))

    def _log_survival_function(self, x):
        return wb.log(self._survival_function(x))

    def _quantile(self, p):
        a, b, norm = self._bounds()
        return self._loc + self._scale * wb.math.tan(wb.math.atan(a) + p * norm)

    def _mean_z(self, a, b, norm):
        return (wb.log1p(wb.square(b)) - wb.log1p(wb.square(a))) / (2.0 * norm)

    def _mean(self):
        a, b, norm = self._bounds()
        return self._loc + self._scale * self._mean_z(a, b, norm)

    def _variance(self):
        # E[z**2] = (b - a) / norm - 1 over the truncated standard Cauchy
        a, b, norm = self._bounds()
        m = self._mean_z(a, b, norm)
        return wb.square(self._scale) * ((b - a) / norm - 1.0 - wb.square(m))

    def _mode(self):
        return wb.minimum(wb.maximum(self._loc, self._low), self._high) + wb.zeros_like(self._scale)

    def _default_event_space_bijector(self):
        from .. import bijectors as tfb  # circular import: bijectors builds distributions in __call__
        return tfb.Sigmoid(low=self._low, high=self._high, validate_args=self._validate_args)
