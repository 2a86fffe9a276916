"""The log-logistic distribution (``loc``, ``scale``): ``log X`` is Logistic(``loc``, ``scale``)."""

from __future__ import annotations

import math

import numpy as np

import workbench as wb

from ._loc_scale import LocScaleDistribution

__all__ = ["LogLogistic"]


def _sinc(x):
    """``sin(pi x) / (pi x)``, 1 at 0."""
    zero = wb.math.equal(x, 0.0)
    safe = wb.where(zero, wb.ones_like(x), x)
    return wb.where(zero, wb.ones_like(x), wb.math.sin(math.pi * safe) / (math.pi * safe))


class LogLogistic(LocScaleDistribution):
    """``LogLogistic(loc, scale)``: ``log X ~ Logistic(loc, scale)``; the CDF is ``sigmoid(z)`` with
    ``z = (log x - loc) / scale`` (SciPy's ``fisk(1 / scale, scale=exp(loc))``).

    As TFP, the mean exists for ``scale < 1`` and the variance for ``scale < 1/2`` (NaN above, or an
    error with ``allow_nan_stats=False``); the mode is 0 for ``scale > 1``. Samples are
    ``exp(loc + scale * logit(U))`` (reparameterized).

    >>> d = LogLogistic(loc=0.0, scale=[0.3, 0.6])
    >>> d.batch_shape, d.sample(3, seed=1).shape
    ((2,), (3, 2))
    """

    _support = "positive"

    def __init__(self, loc, scale, validate_args=False, allow_nan_stats=True, name="LogLogistic"):
        super().__init__(loc, scale, validate_args, allow_nan_stats, name)

    def _sample_n(self, n, seed):
        u = wb.random.stateless_uniform((n,) + self.batch_shape, seed=seed,
                                        minval=float(np.finfo(self.dtype).tiny), maxval=1.0, dtype=self.dtype)
        return wb.exp(self._loc + self._scale * (wb.log(u) - wb.log1p(-u)))

    def _log_z(self, x):
        """(z of x where x > 0 (0 elsewhere), where x <= 0)."""
        nonpositive = x <= 0
        safe_x = wb.where(nonpositive, wb.ones_like(x), x)
        return (wb.log(safe_x) - self._loc) / self._scale, nonpositive

    def _nan_region(self, x, method):
        # TFP's log(x); its log survival function is NaN at 0 as well
        return (x <= 0.0) if method == "log_survival_function" else (x < 0.0)

    def _log_prob(self, x):
        z, nonpositive = self._log_z(x)
        safe_x = wb.where(nonpositive, wb.ones_like(x), x)
        lp = -z - 2.0 * wb.softplus(-z) - wb.log(self._scale) - wb.log(safe_x)
        # at 0 the density's limit (TFP's formula there): 0 for scale < 1, inf for scale > 1, nan at 1
        scale = wb.broadcast_to(self._scale, wb.shape(lp))
        at_zero = wb.where(scale < 1.0, float("-inf"), wb.where(scale > 1.0, float("inf"), float("nan")))
        return wb.where(nonpositive, wb.cast(at_zero, lp.dtype), lp)

    def _log_cdf(self, x):
        z, nonpositive = self._log_z(x)
        return wb.where(nonpositive, float("-inf"), -wb.softplus(-z))

    def _cdf(self, x):
        z, nonpositive = self._log_z(x)
        return wb.where(nonpositive, wb.zeros_like(z), wb.sigmoid(z))

    def _log_survival_function(self, x):
        z, nonpositive = self._log_z(x)
        return wb.where(nonpositive, wb.zeros_like(z), -wb.softplus(z))

    def _survival_function(self, x):
        z, nonpositive = self._log_z(x)
        return wb.where(nonpositive, wb.ones_like(z), wb.sigmoid(-z))

    def _quantile(self, p):
        return wb.exp(self._loc + self._scale * (wb.log(p) - wb.log1p(-p)))

    def _mean(self):
        s = self._scale
        ok = s < 1.0
        mean = wb.exp(self._loc) / _sinc(wb.where(ok, s, wb.zeros_like(s)))
        # scale == 1 is infinite (TFP's NaN starts above 1)
        mean = wb.where(wb.math.equal(s, 1.0), wb.zeros_like(mean) + np.inf, mean)
        return self._undefined(mean, s > 1.0, "mean (scale >= 1)")

    def _variance(self):
        s = self._scale
        ok = s < 0.5
        ss = wb.where(ok, s, wb.zeros_like(s))
        var = wb.exp(2.0 * self._loc) * (1.0 / _sinc(2.0 * ss) - 1.0 / wb.square(_sinc(ss)))
        var = wb.where(wb.math.equal(s, 0.5), wb.zeros_like(var) + np.inf, var)
        return self._undefined(var, s > 0.5, "variance (scale >= 1/2)")

    def _mode(self):
        s = self._scale
        ok = s < 1.0
        ss = wb.where(ok, s, wb.zeros_like(s))
        mode = wb.exp(self._loc + ss * (wb.log1p(-ss) - wb.log1p(ss)))
        return wb.where(ok, mode, wb.zeros_like(mode))

    def _entropy(self):
        return 2.0 + self._loc + wb.log(self._scale)

    def _default_event_space_bijector(self):
        from .. import bijectors as tfb  # circular import: bijectors builds distributions in __call__
        return tfb.Exp(validate_args=self._validate_args)
