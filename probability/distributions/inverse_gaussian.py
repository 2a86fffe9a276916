"""The inverse Gaussian (Wald) distribution."""

from __future__ import annotations

import math


import workbench as wb

from .. import internal
from .distribution import NOT_REPARAMETERIZED, Distribution

__all__ = ["InverseGaussian"]

_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


class InverseGaussian(Distribution):
    """``InverseGaussian(loc, concentration)``: density
    ``sqrt(c / (2 pi x**3)) exp(-c (x - loc)**2 / (2 loc**2 x))`` on ``x > 0``
    (mean ``loc``, shape ``c = concentration``; SciPy's ``invgauss(loc / c, scale=c)``).

    Sampled with Michael, Schucany and Haas's transformation (a normal and a uniform draw
    per sample); as in TFP the samples are not reparameterized.

    >>> d = InverseGaussian(loc=[1.0, 2.0], concentration=3.0)
    >>> d.batch_shape, d.sample(2, seed=1).shape
    ((2,), (2, 2))
    """

    _param_event_ndims = {"loc": 0, "concentration": 0}
    _param_constraints = {"loc": "positive", "concentration": "positive"}
    _support = "positive"

    def __init__(self, loc, concentration, validate_args=False, allow_nan_stats=True, name="InverseGaussian"):
        parameters = dict(locals())
        dtype = internal.common_dtype([loc, concentration])
        self._loc = internal.as_param(loc, "loc", dtype, "InverseGaussian")
        self._concentration = internal.as_param(concentration, "concentration", dtype, "InverseGaussian")
        super().__init__(dtype, NOT_REPARAMETERIZED, validate_args, allow_nan_stats, parameters, name)

    @property
    def loc(self):
        return self._loc

    @property
    def concentration(self):
        return self._concentration

    _sample_n_takes_any_seed = True

    def _sample_n(self, n, seed):
        # TFP salts the seed with "inverse_gaussian" twice: sanitizing it, then splitting it
        seed = internal.sanitize_seed(seed, salt="inverse_gaussian")
        normal_seed, uniform_seed = internal.split_seed(seed, 2, salt="inverse_gaussian")
        shape = (n,) + self.batch_shape
        mu = wb.stop_gradient(self._loc)
        lam = wb.stop_gradient(self._concentration)
        v = wb.square(wb.random.stateless_normal(shape, seed=normal_seed, dtype=self.dtype))
        w = mu * v
        # the smaller root of the quadratic, written to avoid cancellation: mu * 2 lam / (2 lam + w + sqrt(...))
        y = mu * 2.0 * lam / (2.0 * lam + w + wb.sqrt(w * (4.0 * lam + w)))
        u = wb.random.stateless_uniform(shape, seed=uniform_seed, dtype=self.dtype)
        return wb.where(u <= mu / (mu + y), y, wb.square(mu) / y)

    def _nan_region(self, x, method):
        # TFP's log(x) and sqrt(x): its density is NaN at and below 0, its tails below 0
        return (x <= 0.0) if method in ("log_prob", "prob") else (x < 0.0)

    def _log_prob(self, x):
        mu, c = self._loc, self._concentration
        xs = wb.where(x > 0, x, wb.ones_like(x))
        lp = (0.5 * (wb.log(c) - 3.0 * wb.log(xs)) - _HALF_LOG_2PI
              - c * wb.square(xs - mu) / (2.0 * wb.square(mu) * xs))
        return wb.where(x > 0, lp, float("-inf"))

    def _cdf(self, x):
        mu, c = self._loc, self._concentration
        xs = wb.where(x > 0, x, wb.ones_like(x))
        r = wb.sqrt(c / xs)
        # Phi(r (x/mu - 1)) + exp(2 c / mu) Phi(-r (x/mu + 1)), the second term in log space
        second = wb.exp(2.0 * c / mu + wb.math.log_ndtr(-r * (xs / mu + 1.0)))
        return wb.where(x > 0, wb.math.ndtr(r * (xs / mu - 1.0)) + second, wb.zeros_like(second))

    def _mean(self):
        return self._loc * wb.ones_like(self._concentration)

    def _variance(self):
        return self._loc ** 3 / self._concentration

    def _mode(self):
        mu, c = self._loc, self._concentration
        ratio = 1.5 * mu / c
        return mu * (wb.sqrt(1.0 + wb.square(ratio)) - ratio)
