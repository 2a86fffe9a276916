"""The NegativeBinomial distribution."""

from __future__ import annotations

import numpy as np

import workbench as wb

from ..math.special import lbeta

from .. import internal
from ._logits_probs import LogitsProbs
from .distribution import NOT_REPARAMETERIZED, Distribution
from ..internal import samplers

__all__ = ["NegativeBinomial"]


@internal.discrete_tails
class NegativeBinomial(LogitsProbs, Distribution):
    """``NegativeBinomial(total_count, logits=None, probs=None)``: the number of successes (each
    with probability ``probs``) before ``total_count`` failures, TFP's convention.

    Mass ``Gamma(k + r) / (k! Gamma(r)) p**k (1 - p)**r`` with ``r = total_count``; SciPy's
    ``nbinom(r, 1 - p)`` is the same law. Samples are counts of the float dtype, drawn as a
    Poisson with a Gamma rate. ``log_prob`` evaluates the formula at any ``k`` (``lgamma``);
    ``require_integer_total_count`` makes ``validate_args=True`` also refuse a non-integer ``r``.

    >>> d = NegativeBinomial(total_count=3.0, probs=0.25)
    >>> float(d.mean())
    1.0
    """

    _param_event_ndims = {"total_count": 0, "logits": 0, "probs": 0}
    _param_constraints = {"total_count": "positive", "probs": "unit_interval"}
    _support = "nonnegative_integer"

    def __init__(self, total_count, logits=None, probs=None, require_integer_total_count=True,
                 validate_args=False, allow_nan_stats=True, name="NegativeBinomial"):
        parameters = dict(locals())
        dtype = self._init_logits_probs(logits, probs, [total_count], "NegativeBinomial")
        self._total_count = internal.as_param(total_count, "total_count", dtype, "NegativeBinomial")
        self._require_integer = bool(require_integer_total_count)
        super().__init__(dtype, NOT_REPARAMETERIZED, validate_args, allow_nan_stats, parameters, name)

    @classmethod
    def experimental_from_mean_dispersion(cls, mean, dispersion, **kwargs):
        """The NegativeBinomial with this ``mean`` and ``dispersion = 1 / total_count`` (variance
        ``mean + dispersion * mean**2``): ``total_count = 1 / dispersion``,
        ``logits = log(mean * dispersion)``."""
        dtype = internal.common_dtype([mean, dispersion])
        mean = internal.as_param(mean, "mean", dtype, "NegativeBinomial.experimental_from_mean_dispersion")
        dispersion = internal.as_param(dispersion, "dispersion", dtype,
                                       "NegativeBinomial.experimental_from_mean_dispersion")
        return cls(total_count=wb.math.reciprocal(wb.convert_to_tensor(dispersion)),
                   logits=wb.math.log(mean * dispersion), **kwargs)

    @property
    def total_count(self):
        return self._total_count

    @property
    def require_integer_total_count(self):
        return self._require_integer

    def _check_parameters(self):
        super()._check_parameters()
        r = self._total_count.numpy()
        if self._require_integer and not np.all(r == np.round(r)):
            raise wb.errors.InvalidArgumentError(f"NegativeBinomial: argument `total_count` must be an integer "
                                                 f"(require_integer_total_count=True), got {r!r}")

    def _odds(self):
        """``p / (1 - p)``, the Gamma scale of the Poisson rate."""
        if self._logits is not None:
            return wb.exp(self._logits)
        return self._probs / (1.0 - self._probs)

    _sample_n_takes_any_seed = True

    def _sample_n(self, n, seed):
        s_gamma, s_poisson = internal.split_seed(seed, 2, salt="NegativeBinomial")
        rate = samplers.gamma((n,), self._total_count, wb.exp(-self.logits_parameter()), dtype=self.dtype,
                              seed=s_gamma)
        rate = wb.broadcast_to(rate, (n,) + self.batch_shape)
        return samplers.poisson((), rate, dtype=self.dtype, seed=s_poisson)

    def _log_prob(self, x):
        # TFP's normalization lbeta(1 + x, r) + log(r + x): its lbeta keeps the digits a sum of
        # lgammas loses for large r (float32 at r = 1e6)
        r = self._total_count
        return (self._x_log_p(x) + self._x_log1m_p(r)) - (lbeta(1.0 + x, r) + wb.log(r + x))

    def _tail(self, x, upper):
        # P(X <= k) = I_{1-p}(r, k + 1) and P(X > k) = I_p(k + 1, r), each computed directly
        # in float64 (see as_float64) so both tails keep their precision; a non-integer x is not
        # floored (TFP's betainc(r, 1 + x, 1 - p) interpolates between the integers)
        k = internal.as_float64(x)
        safe_k = wb.maximum(k, wb.zeros_like(k))
        r = internal.as_float64(self._total_count) * wb.ones_like(safe_k)
        p, q = self._p_q_float64()
        t = wb.math.betainc(safe_k + 1.0, r, p) if upper else wb.math.betainc(r, safe_k + 1.0, q)
        below = wb.ones_like(t) if upper else wb.zeros_like(t)
        return wb.where(k < 0, below, t)

    def _mean(self):
        return self._total_count * self._odds()

    def _variance(self):
        return self._mean() / (1.0 - self.probs_parameter())

    def _mode(self):
        r = self._total_count
        return wb.floor(wb.where(r > 1.0, r - 1.0, wb.zeros_like(r)) * self._odds())
