"""The horseshoe distribution: a normal scale mixture with half-Cauchy scales."""

from __future__ import annotations

import math


import workbench as wb

from .. import internal
from .distribution import FULLY_REPARAMETERIZED, Distribution
from .half_cauchy import HalfCauchy
from ..internal import samplers

__all__ = ["Horseshoe"]

_EULER_GAMMA = 0.5772156649015329
_SERIES_TERMS = 40          # the power series of E1 below 1 (error < 1e-17)
_FRACTION_DEPTH = 80        # the continued fraction of E1 from 1 on (error < 1e-15)


def log_exp1_scaled(u):
    """``log(exp(u) E1(u))`` for ``u > 0``, with ``E1`` the exponential integral: its power series
    below 1 and the continued fraction ``1 / (u + 1 - 1/(u + 3 - 4/(u + 5 - ...)))`` from 1 on."""
    small = wb.minimum(u, 1.0)
    total = wb.zeros_like(small)
    term = wb.ones_like(small)
    for k in range(1, _SERIES_TERMS + 1):
        term = -term * small / k            # (-u)^k / k!
        total = total + term / k
    series = wb.log(-_EULER_GAMMA - wb.log(small) - total) + small
    big = wb.maximum(u, 1.0)
    t = big + (2.0 * _FRACTION_DEPTH + 1.0)
    for k in range(_FRACTION_DEPTH, 0, -1):
        t = big + (2.0 * k - 1.0) - float(k * k) / t
    fraction = -wb.log(t)
    return wb.where(u < 1.0, series, fraction)


class Horseshoe(Distribution):
    """``Horseshoe(scale)``: ``X ~ Normal(0, scale * lambda)`` with ``lambda ~ HalfCauchy(0, 1)``
    (Carvalho, Polson and Scott's shrinkage prior). The density is exact:
    ``exp(u) E1(u) / (scale sqrt(2 pi**3))`` with ``u = x**2 / (2 scale**2)``, infinite at 0.

    Samples are reparameterized (a normal and a half-Cauchy draw). The mode is 0; the mean and
    variance do not exist (the tails fall as ``1 / x**2``).

    >>> d = Horseshoe(scale=[1.0, 0.1])
    >>> d.batch_shape, d.sample(3, seed=1).shape
    ((2,), (3, 2))
    """

    _param_event_ndims = {"scale": 0}
    _param_constraints = {"scale": "positive"}

    def __init__(self, scale, validate_args=False, allow_nan_stats=True, name="Horseshoe"):
        parameters = dict(locals())
        dtype = internal.common_dtype([scale])
        self._scale = internal.as_param(scale, "scale", dtype, "Horseshoe")
        super().__init__(dtype, FULLY_REPARAMETERIZED, validate_args, allow_nan_stats, parameters, name)

    @property
    def scale(self):
        return self._scale

    _sample_n_takes_any_seed = True

    def _sample_n(self, n, seed):
        # TFP's flow: local shrinkage from a standard HalfCauchy, then normal noise
        shrinkage_seed, sample_seed = internal.split_seed(seed, 2, salt="random_horseshoe")
        shape = (n,) + self.batch_shape
        standard = HalfCauchy(wb.zeros([], dtype=self.dtype), wb.ones([], dtype=self.dtype))
        shrinkage = self._scale * standard.sample(shape, seed=shrinkage_seed)
        return samplers.normal(shape, seed=sample_seed, dtype=self.dtype) * shrinkage

    def _log_prob(self, x):
        u = 0.5 * wb.square(x / self._scale)
        return log_exp1_scaled(u) - wb.log(self._scale) - 0.5 * (math.log(2.0) + 3.0 * math.log(math.pi))

    def _mode(self):
        return wb.zeros_like(self._scale)

    def _mean(self):
        # 0 (the symmetric centre), as TFP gives it, though the integral diverges
        return wb.zeros_like(self._scale)

    def _variance(self):
        return self._undefined(wb.zeros_like(self._scale), True, "variance")
