"""The Poisson distribution."""

from __future__ import annotations

import workbench as wb

from .. import internal
from .distribution import NOT_REPARAMETERIZED, Distribution
from ..internal import samplers

__all__ = ["Poisson"]


@internal.discrete_tails
class Poisson(internal.RateParameterized, Distribution):
    """``Poisson(rate=None, log_rate=None)``: mass ``rate**k exp(-rate) / k!`` on ``k = 0, 1, …``.

    Give exactly one of ``rate`` and ``log_rate``. Samples are counts of the parameters' float
    dtype (as TFP). ``log_prob`` evaluates ``x log(rate) - rate - lgamma(x + 1)`` at any
    ``x >= 0`` (TFP's continuous interpolation; ``-inf`` below 0) unless
    ``force_probs_to_zero_outside_support=True``, which gives ``-inf`` at non-integer ``x`` too.
    ``cdf`` is the step function at ``floor(x)``; it, ``survival_function`` and their logs
    (through the regularized incomplete gamma functions) are evaluated in float64 and keep their
    relative precision in both tails.

    >>> d = Poisson(rate=[1.0, 4.0])
    >>> d.sample(2, seed=1).shape
    (2, 2)
    """

    _param_event_ndims = {"rate": 0, "log_rate": 0}
    _param_constraints = {"rate": "nonnegative"}
    _support = "nonnegative_integer"

    def __init__(self, rate=None, log_rate=None, force_probs_to_zero_outside_support=False,
                 validate_args=False, allow_nan_stats=True, name="Poisson"):
        parameters = dict(locals())
        if (rate is None) == (log_rate is None):
            raise ValueError("Poisson: give exactly one of `rate` and `log_rate`")
        dtype = internal.common_dtype([rate, log_rate])
        self._rate = None if rate is None else internal.as_param(rate, "rate", dtype, "Poisson")
        self._log_rate = None if log_rate is None else internal.as_param(log_rate, "log_rate", dtype, "Poisson")
        self._force_probs_to_zero_outside_support = bool(force_probs_to_zero_outside_support)
        super().__init__(dtype, NOT_REPARAMETERIZED, validate_args, allow_nan_stats, parameters, name)

    _sample_n_takes_any_seed = True

    def _sample_n(self, n, seed):
        rate = wb.broadcast_to(self.rate_parameter(), self.batch_shape)
        return samplers.poisson((n,), rate, dtype=self.dtype, seed=samplers.sanitize_seed(seed))

    def _log_prob(self, x):
        # TFP's order, (x log_rate - lgamma(1 + x)) - rate, but with the rate as given: TFP's
        # exp(log(rate)) is off by an ulp of the rate (100 becomes 100.00001), which the
        # cancellation at x ~ rate ~ 100 turns into 1e-6 of the result. -inf below 0 (and,
        # when forced, off the integers), evaluated at a safe point so gradients stay finite
        log_rate = self.log_rate_parameter()
        safe = wb.maximum(wb.floor(x) if self._force_probs_to_zero_outside_support else x, 0.0)
        y = wb.math.multiply_no_nan(log_rate, safe) - wb.lgamma(1.0 + safe)  # d/dx = log_rate at 0 too
        y = wb.where(wb.equal(x, safe), y, wb.zeros_like(y) + float("-inf"))
        return y - self.rate_parameter()

    def _tail(self, x, upper):
        # P(X <= k) = Q(k + 1, rate) and P(X > k) = P(k + 1, rate), in float64 (see as_float64);
        # as in TFP, a non-integer x is floored only when force_probs_to_zero_outside_support
        # (else the incomplete gamma interpolates between the integers)
        k = internal.as_float64(x)
        k = wb.floor(k) if self._force_probs_to_zero_outside_support else k
        safe = wb.maximum(k, wb.zeros_like(k))
        # from log_rate, exponentiate in float64: a float32 exp(log_rate) misplaces a rate of 1e6 by ~0.1
        rate = (internal.as_float64(self._rate) if self._rate is not None
                else wb.exp(internal.as_float64(self._log_rate)))
        t = (wb.math.igamma if upper else wb.math.igammac)(safe + 1.0, rate)
        below = wb.ones_like(t) if upper else wb.zeros_like(t)
        return wb.where(k < 0, below, t)

    def _mean(self):
        return self.rate_parameter()

    def _variance(self):
        return self.rate_parameter()

    def _mode(self):
        return wb.floor(self.rate_parameter())
