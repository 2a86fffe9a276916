"""The Binomial distribution."""

from __future__ import annotations

import workbench as wb

from .. import internal
from ._logits_probs import LogitsProbs
from .distribution import NOT_REPARAMETERIZED, Distribution

__all__ = ["Binomial"]


def log_choose(n, k):
    """``log(n choose k)`` through ``lgamma`` (defined for real ``n >= k >= 0``)."""
    return wb.lgamma(n + 1.0) - wb.lgamma(k + 1.0) - wb.lgamma(n - k + 1.0)


@internal.discrete_tails
class Binomial(LogitsProbs, Distribution):
    """``Binomial(total_count, logits=None, probs=None)``: successes in ``total_count`` trials.

    Samples are counts of the parameters' float dtype (as TFP). ``log_prob(k)`` evaluates
    ``log C(n, k) + k log p + (n - k) log(1 - p)`` with ``lgamma`` at any ``k`` (TFP's
    formula; ``validate_args=True`` refuses non-integers); ``cdf`` and ``survival_function`` are
    TFP's regularized incomplete betas, also at non-integer ``k`` (not floored), evaluated in
    float64, each directly (not as one minus the other).

    >>> d = Binomial(total_count=10.0, probs=[0.1, 0.9])
    >>> d.mean().numpy()
    array([1., 9.], dtype=float32)
    """

    _param_event_ndims = {"total_count": 0, "logits": 0, "probs": 0}
    _param_constraints = {"total_count": "nonnegative_integer", "probs": "unit_interval"}
    _support = "nonnegative_integer"

    def __init__(self, total_count, logits=None, probs=None, validate_args=False, allow_nan_stats=True,
                 name="Binomial"):
        parameters = dict(locals())
        dtype = self._init_logits_probs(logits, probs, [total_count], "Binomial")
        self._total_count = internal.as_param(total_count, "total_count", dtype, "Binomial")
        super().__init__(dtype, NOT_REPARAMETERIZED, validate_args, allow_nan_stats, parameters, name)

    @property
    def total_count(self):
        return self._total_count

    _sample_n_takes_any_seed = True

    def _sample_n(self, n, seed):
        # TFP's CPU path: TF's stateless binomial kernel on the seed salted "binomial", with
        # probs 0 where total_count is 0
        seed = internal.sanitize_seed(seed, salt="binomial")
        counts = self._total_count
        probs = wb.where(counts > 0, self.probs_parameter(), wb.zeros([], self.dtype))
        return wb.random.stateless_binomial((n,) + self.batch_shape, seed=seed, counts=counts, probs=probs,
                                            output_dtype=self.dtype)

    def _log_prob(self, x):
        # TFP's terms: k log p + (n - k) log(1 - p), less the normalization
        # lbeta(1 + k, 1 + n - k) + log(1 + n) = -log C(n, k). TFP's lbeta is accurate where a
        # float32 sum of lgammas cancels (1e-5 lost at n = 30); ours is evaluated in float64
        n = self._total_count
        unnormalized = self._x_log_p(x) + self._x_log1m_p(n - x)
        normalization = -log_choose(internal.as_float64(n), internal.as_float64(x))
        return unnormalized - wb.cast(normalization, unnormalized.dtype)

    def _tail(self, x, upper):
        # P(X <= k) = I_{1-p}(n - k, k + 1) and P(X > k) = I_p(k + 1, n - k) for 0 <= k < n, at
        # any real k (TFP's: not floored, so they interpolate between the integers), 0 and 1
        # below 0 and from n on; each computed directly in float64 (see as_float64) so both tails
        # keep their precision
        n = internal.as_float64(self._total_count)
        k = internal.as_float64(x)
        inside = wb.logical_and(k >= 0, k < n)
        safe_k = wb.where(inside, k, wb.zeros_like(k))
        safe_a = wb.where(inside, n - safe_k, wb.ones_like(k))
        p, q = self._p_q_float64()
        t = wb.math.betainc(safe_k + 1.0, safe_a, p) if upper else wb.math.betainc(safe_a, safe_k + 1.0, q)
        zero, one = wb.zeros_like(t), wb.ones_like(t)
        return wb.where(inside, t, wb.where(k < 0, one if upper else zero, zero if upper else one))

    def _mean(self):
        return self._total_count * self.probs_parameter()

    def _variance(self):
        p = self.probs_parameter()
        return self._total_count * p * (1.0 - p)

    def _mode(self):
        # the larger of the two modes when (n + 1) p is a whole number, as TFP
        n = self._total_count
        return wb.minimum(n, wb.floor((n + 1.0) * self.probs_parameter()))
