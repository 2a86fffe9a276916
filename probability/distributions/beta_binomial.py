"""The beta-binomial distribution: Binomial counts whose success probability is Beta distributed."""

from __future__ import annotations

import workbench as wb

from .. import internal
from .binomial import Binomial
from .distribution import NOT_REPARAMETERIZED, Distribution
from .gamma import random_gamma

__all__ = ["BetaBinomial"]


class BetaBinomial(Distribution):
    """``BetaBinomial(total_count, concentration1, concentration0)``: ``P(k) = C(n, k) B(k + a, n - k + b) / B(a, b)``
    (``a = concentration1``, ``b = concentration0``, ``n = total_count``).

    Samples draw ``p ~ Beta(a, b)`` then ``Binomial(n, p)`` counts (of the parameters' float
    dtype, as TFP); they are not reparameterized.

    >>> d = BetaBinomial(total_count=10.0, concentration1=[1.0, 5.0], concentration0=2.0)
    >>> d.batch_shape, d.sample(3, seed=1).shape
    ((2,), (3, 2))
    """

    _param_event_ndims = {"total_count": 0, "concentration1": 0, "concentration0": 0}
    _param_constraints = {"total_count": "nonnegative_integer", "concentration1": "positive",
                          "concentration0": "positive"}
    _support = "nonnegative_integer"

    def __init__(self, total_count, concentration1, concentration0, validate_args=False, allow_nan_stats=True,
                 name="BetaBinomial"):
        parameters = dict(locals())
        dtype = internal.common_dtype([total_count, concentration1, concentration0])
        self._total_count = internal.as_param(total_count, "total_count", dtype, "BetaBinomial")
        self._concentration1 = internal.as_param(concentration1, "concentration1", dtype, "BetaBinomial")
        self._concentration0 = internal.as_param(concentration0, "concentration0", dtype, "BetaBinomial")
        super().__init__(dtype, NOT_REPARAMETERIZED, validate_args, allow_nan_stats, parameters, name)

    @property
    def total_count(self):
        return self._total_count

    @property
    def concentration1(self):
        return self._concentration1

    @property
    def concentration0(self):
        return self._concentration0

    _sample_n_takes_any_seed = True

    def _sample_n(self, n, seed):
        # TFP's flow: Binomial counts at logits log(g1) - log(g0), from log-space Gamma draws
        g1_seed, g0_seed, binomial_seed = internal.split_seed(seed, 3, salt="beta_binomial")
        c1 = wb.broadcast_to(self._concentration1, self.batch_shape)
        c0 = wb.broadcast_to(self._concentration0, self.batch_shape)
        log_g1 = random_gamma((n,), c1, seed=g1_seed, log_space=True)
        log_g0 = random_gamma((n,), c0, seed=g0_seed, log_space=True)
        return Binomial(self._total_count, logits=log_g1 - log_g0).sample(seed=binomial_seed)

    def _log_prob(self, x):
        n, a, b = self._total_count, self._concentration1, self._concentration0
        # TFP's log C(n, x) = -lbeta(x + 1, n - x + 1) - log(n + 1): no lgamma cancellation at large n
        return -_lbeta(x + 1.0, n - x + 1.0) - wb.log(n + 1.0) + _lbeta(x + a, n - x + b) - _lbeta(a, b)

    def _mean(self):
        a, b = self._concentration1, self._concentration0
        return self._total_count * a / (a + b)

    def _variance(self):
        n, a, b = self._total_count, self._concentration1, self._concentration0
        s = a + b
        return n * a * b * (s + n) / (wb.square(s) * (s + 1.0))


def _lbeta(a, b):
    from ..math.special import lbeta  # TFP's accurate lbeta (large arguments do not cancel)
    return lbeta(a, b)
