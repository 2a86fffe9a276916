"""The Gamma-Gamma compound distribution (the beta distribution of the second kind)."""

from __future__ import annotations

import workbench as wb

from ..math.special import lbeta

from .. import internal
from .distribution import FULLY_REPARAMETERIZED, Distribution
from .gamma import random_gamma

__all__ = ["GammaGamma"]


class GammaGamma(Distribution):
    """``GammaGamma(concentration, mixing_concentration, mixing_rate)``: ``X | b ~ Gamma(alpha, rate=b)``
    with ``b ~ Gamma(alpha0, rate=beta0)`` integrated out (SciPy's ``betaprime(alpha, alpha0,
    scale=beta0)``); density ``x**(alpha-1) beta0**alpha0 / (B(alpha, alpha0) (x + beta0)**(alpha+alpha0))``.

    The mean ``alpha beta0 / (alpha0 - 1)`` needs ``alpha0 > 1``, the variance
    ``alpha beta0**2 (alpha + alpha0 - 1) / ((alpha0 - 1)**2 (alpha0 - 2))`` needs ``alpha0 > 2``
    (NaN elsewhere, or an error with ``allow_nan_stats=False``). TFP 0.25's variance leaves out
    the first term of ``E[Var(X | b)] + Var(E[X | b])``; this one is the variance of the
    distribution. Samples ``beta0 G_alpha / G_alpha0`` are reparameterized. As in TFP there is
    no ``cdf``, ``quantile``, ``mode`` or ``entropy``.

    >>> d = GammaGamma(concentration=2.0, mixing_concentration=[3.0, 5.0], mixing_rate=1.0)
    >>> d.mean().numpy()
    array([1. , 0.5], dtype=float32)
    """

    _param_event_ndims = {"concentration": 0, "mixing_concentration": 0, "mixing_rate": 0}
    _param_constraints = {"concentration": "positive", "mixing_concentration": "positive", "mixing_rate": "positive"}
    _support = "positive"

    def __init__(self, concentration, mixing_concentration, mixing_rate, validate_args=False, allow_nan_stats=True,
                 name="GammaGamma"):
        parameters = dict(locals())
        dtype = internal.common_dtype([concentration, mixing_concentration, mixing_rate])
        owner = type(self).__name__
        self._concentration = internal.as_param(concentration, "concentration", dtype, owner)
        self._mixing_concentration = internal.as_param(mixing_concentration, "mixing_concentration", dtype, owner)
        self._mixing_rate = internal.as_param(mixing_rate, "mixing_rate", dtype, owner)
        super().__init__(dtype, FULLY_REPARAMETERIZED, validate_args, allow_nan_stats, parameters, name)

    @property
    def concentration(self):
        return self._concentration

    @property
    def mixing_concentration(self):
        return self._mixing_concentration

    @property
    def mixing_rate(self):
        return self._mixing_rate

    def _default_event_space_bijector(self):
        from .. import bijectors as tfb  # circular import: bijectors builds distributions in __call__
        return tfb.Exp(validate_args=self._validate_args)   # TFP's choice for this family

    _sample_n_takes_any_seed = True

    def _sample_n(self, n, seed):
        # TFP's flow: the rate drawn (in log space) from Gamma(mixing), then Gamma(concentration, rate)
        seed_rate, seed_samples = internal.split_seed(seed, 2, salt="gamma_gamma")
        log_rate = random_gamma((n,), self._mixing_concentration + wb.zeros_like(self._concentration),
                                rate=self._mixing_rate, seed=seed_rate, log_space=True)
        return random_gamma((), self._concentration, log_rate=log_rate, seed=seed_samples)

    def _nan_region(self, x, method):
        # TFP's density formula takes log(x): NaN below 0
        return (x < 0.0) if method in ("log_prob", "prob") else None

    def _log_prob(self, x):
        a, a0, b0 = self._concentration, self._mixing_concentration, self._mixing_rate
        nonneg = x >= 0
        safe_x = wb.where(nonneg, x, wb.zeros_like(x))
        lp = (internal.xlogy(a - 1.0, safe_x) - (a + a0) * wb.log(safe_x + b0) + a0 * wb.log(b0)
              - lbeta(a, a0))
        return wb.where(nonneg, lp, float("-inf"))

    def _mean(self):
        a, a0, b0 = self._concentration, self._mixing_concentration, self._mixing_rate
        defined = a0 > 1.0
        mean = a * b0 / wb.where(defined, a0 - 1.0, wb.ones_like(a0))
        return self._undefined(mean, ~defined, "mean (mixing_concentration <= 1)")

    def _variance(self):
        a, a0, b0 = self._concentration, self._mixing_concentration, self._mixing_rate
        defined = a0 > 2.0
        a0m1 = wb.where(defined, a0 - 1.0, wb.ones_like(a0) * 2.0)
        var = a * wb.square(b0) * (a + a0m1) / (wb.square(a0m1) * (a0m1 - 1.0))
        return self._undefined(var, ~defined, "variance (mixing_concentration <= 2)")
