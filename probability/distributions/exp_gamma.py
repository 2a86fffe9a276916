"""ExpGamma: the distribution of ``log X`` for ``X ~ Gamma(concentration, rate)``."""

from __future__ import annotations

import workbench as wb

from .. import internal
from .distribution import FULLY_REPARAMETERIZED, Distribution
from .gamma import random_gamma
from .kullback_leibler import RegisterKL
from ..internal import samplers

__all__ = ["ExpGamma"]


class ExpGamma(internal.RateParameterized, Distribution):
    """``ExpGamma(concentration, rate=None, log_rate=None)``: ``Y = log X``, ``X ~ Gamma(c, rate)``.

    Density ``exp(c (y + log rate) - exp(y + log rate) - lgamma(c))`` on the real line. Draws
    are made on the log scale (``log Gamma(c + 1) + log(U) / c - log rate``), so they stay
    finite where the Gamma draw itself underflows (concentrations of 0.02 and below), and carry
    reparameterization gradients.

    >>> d = ExpGamma(concentration=0.02, rate=1.0)
    >>> bool(wb.reduce_all(wb.math.is_finite(d.sample(1000, seed=1))))
    True
    """

    _param_event_ndims = {"concentration": 0, "rate": 0, "log_rate": 0}
    _param_constraints = {"concentration": "positive", "rate": "positive", "log_rate": "finite"}

    def __init__(self, concentration, rate=None, log_rate=None, validate_args=False, allow_nan_stats=True,
                 name="ExpGamma"):
        parameters = dict(locals())
        if (rate is None) == (log_rate is None):   # TFP's words
            raise ValueError("Exactly one of `rate` and `log_rate` must be specified.")
        dtype = internal.common_dtype([concentration, rate, log_rate])
        owner = type(self).__name__
        self._concentration = internal.as_param(concentration, "concentration", dtype, owner)
        self._rate = None if rate is None else internal.as_param(rate, "rate", dtype, owner)
        self._log_rate = None if log_rate is None else internal.as_param(log_rate, "log_rate", dtype, owner)
        super().__init__(dtype, FULLY_REPARAMETERIZED, validate_args, allow_nan_stats, parameters, name)

    @property
    def concentration(self):
        return self._concentration

    _sample_n_takes_any_seed = True

    def _sample_n(self, n, seed):
        seed = samplers.sanitize_seed(seed, salt="exp_gamma")
        return random_gamma((n,), self._concentration, rate=self._rate, log_rate=self._log_rate, seed=seed,
                            log_space=True)

    def _standardized(self, y):
        return y + self.log_rate_parameter()

    def _log_prob(self, y):
        c = self._concentration
        z = self._standardized(y)
        return c * z - wb.exp(z) - wb.lgamma(c)

    def _cdf(self, y):
        return wb.math.igamma(self._concentration, wb.exp(self._standardized(y)))

    def _survival_function(self, y):
        return wb.math.igammac(self._concentration, wb.exp(self._standardized(y)))

    def _quantile(self, p):
        return wb.log(wb.math.igammainv(self._concentration, p)) - self.log_rate_parameter()

    def _mean(self):
        return wb.digamma(self._concentration) - self.log_rate_parameter()

    def _variance(self):
        return wb.math.polygamma(wb.constant(1.0, dtype=self.dtype), self._concentration) \
            * wb.ones_like(self.log_rate_parameter())

    def _mode(self):
        return wb.log(self._concentration) - self.log_rate_parameter()

    def _entropy(self):
        # -E[c z - e^z - lgamma(c)] with E[z] = digamma(c), E[e^z] = c
        c = self._concentration
        return (wb.lgamma(c) - c * wb.digamma(c) + c) * wb.ones_like(self.log_rate_parameter())


@RegisterKL(ExpGamma, ExpGamma)
def _kl_exp_gamma_exp_gamma(a, b, name=None):
    # log is a bijection, so this is KL(Gamma(c_a, r_a) || Gamma(c_b, r_b))
    ca, cb = a.concentration, b.concentration
    log_ra, log_rb = a.log_rate_parameter(), b.log_rate_parameter()
    return ((ca - cb) * wb.digamma(ca) + wb.lgamma(cb) - wb.lgamma(ca)
            + cb * (log_ra - log_rb) + ca * wb.expm1(log_rb - log_ra))
