"""The half-Cauchy distribution on ``[loc, inf)``."""

from __future__ import annotations

import math

import workbench as wb

from .cauchy import atan_tail, log1psquare
from ._loc_scale import LocScaleDistribution, UndefinedMomentsMixin

__all__ = ["HalfCauchy"]

_LOG_2_OVER_PI = math.log(2.0 / math.pi)


class HalfCauchy(UndefinedMomentsMixin, LocScaleDistribution):
    """``HalfCauchy(loc, scale)``: density ``2 / (pi scale (1 + ((x - loc) / scale)**2))`` for
    ``x >= loc``, zero below (``log_prob`` is ``-inf`` there, as in TFP).

    The mean, variance and standard deviation do not exist: NaN with
    ``allow_nan_stats=True``, a ``ValueError`` otherwise.

    >>> d = HalfCauchy(loc=0.0, scale=[1.0, 2.0])
    >>> d.batch_shape, d.sample(5, seed=1).shape
    ((2,), (5, 2))
    """

    def __init__(self, loc, scale, validate_args=False, allow_nan_stats=True, name="HalfCauchy"):
        super().__init__(loc, scale, validate_args, allow_nan_stats, name)

    def _check_support(self, x, method):
        below = (x < self._loc).numpy()
        if below.any():
            raise wb.errors.InvalidArgumentError(f"HalfCauchy.{method}: the value must be >= loc (the distribution's "
                                                 f"support), got {x.numpy()!r}")

    def _safe_z(self, x):
        # z >= 0 everywhere; values below loc are handled by the callers' where
        return wb.maximum(x - self._loc, 0.0) / self._scale

    def _sample_n(self, n, seed):
        u = wb.random.stateless_uniform((n,) + self.batch_shape, seed=seed, dtype=self.dtype)
        return self._quantile(u)

    def _default_event_space_bijector(self):
        from .. import bijectors as tfb  # circular import: bijectors builds distributions in __call__
        return tfb.Softplus(low=self.loc, validate_args=self._validate_args)

    def _log_prob(self, x):
        lp = _LOG_2_OVER_PI - wb.log(self._scale) - log1psquare(self._safe_z(x))
        return wb.where(x < self._loc, float("-inf"), lp)

    def _cdf(self, x):
        return 2.0 / math.pi * wb.atan(self._safe_z(x))

    def _log_cdf(self, x):
        # right tail: log1p(-sf) with the exact sf = (2/pi) atan(1/z)
        z = self._safe_z(x)
        middle = wb.atan(wb.clip_by_value(z, 1e-30, 1.0))
        return wb.where(z > 1.0, wb.log1p(-2.0 / math.pi * atan_tail(wb.maximum(z, 1.0))),
                        wb.where(z > 0, _LOG_2_OVER_PI + wb.log(middle), float("-inf")))

    def _survival_function(self, x):
        return wb.exp(self._log_survival_function(x))

    def _log_survival_function(self, x):
        # sf = (2/pi) atan(1/z): exact in the right tail, where 1 - cdf would cancel
        z = self._safe_z(x)
        return wb.where(z > 1.0, _LOG_2_OVER_PI + wb.log(atan_tail(wb.maximum(z, 1.0))),
                        wb.log1p(-2.0 / math.pi * wb.atan(wb.minimum(z, 1.0))))

    def _quantile(self, p):
        return self._loc + self._scale * wb.tan(0.5 * math.pi * p)

    def _entropy(self):
        return math.log(2.0 * math.pi) + wb.log(self._scale) * wb.ones_like(self._loc)
