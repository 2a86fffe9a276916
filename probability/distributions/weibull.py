"""The Weibull distribution (shape ``concentration``, ``scale``)."""

from __future__ import annotations

import workbench as wb

from .. import internal
from .distribution import FULLY_REPARAMETERIZED, Distribution
from .gamma import Gamma
from .kullback_leibler import RegisterKL

__all__ = ["Weibull"]

_EULER_GAMMA = 0.5772156649015329


class Weibull(Distribution):
    """``Weibull(concentration, scale)``: density ``k / s * (x / s)**(k - 1) * exp(-(x / s)**k)`` on ``x >= 0``
    (``k = concentration``, ``s = scale``; ``log_prob`` is ``-inf`` below 0).

    Samples are ``scale * (-log U)**(1 / concentration)`` (reparameterized).

    >>> d = Weibull(concentration=[0.5, 2.0], scale=1.0)
    >>> d.batch_shape, d.sample(3, seed=1).shape
    ((2,), (3, 2))
    """

    _param_event_ndims = {"concentration": 0, "scale": 0}
    _param_constraints = {"concentration": "positive", "scale": "positive"}
    _support = "nonnegative"

    def __init__(self, concentration, scale, validate_args=False, allow_nan_stats=True, name="Weibull"):
        parameters = dict(locals())
        dtype = internal.common_dtype([concentration, scale])
        self._concentration = internal.as_param(concentration, "concentration", dtype, "Weibull")
        self._scale = internal.as_param(scale, "scale", dtype, "Weibull")
        super().__init__(dtype, FULLY_REPARAMETERIZED, validate_args, allow_nan_stats, parameters, name)

    @property
    def concentration(self):
        return self._concentration

    @property
    def scale(self):
        return self._scale

    def _sample_n(self, n, seed):
        # TFP's draw: the inverse CDF of a uniform in [0, 1)
        u = wb.random.stateless_uniform((n,) + self.batch_shape, seed=seed, dtype=self.dtype)
        return self._scale * wb.pow(-wb.log1p(-u), 1.0 / self._concentration)

    def _log_prob(self, x):
        k, s = self._concentration, self._scale
        xs = wb.maximum(x, 0.0) / s
        lp = wb.log(k) - wb.log(s) + internal.xlogy(k - 1.0, xs) - wb.pow(xs, k)
        # below 0 TFP's formula is NaN, except at concentration 1, where it is log(1 / s) - x / s
        one = wb.math.equal(k, 1.0)
        below = wb.where(one, -wb.log(s) - x / s, wb.zeros_like(lp) + float("nan"))
        return wb.where(x >= 0, lp, below)

    def _nan_region(self, x, method):
        # TFP's tails take (x / scale)**concentration: NaN below 0 for a non-integer concentration
        if method in ("log_prob", "prob"):
            return None
        k = self._concentration
        return (x < 0.0) & wb.math.not_equal(k, wb.math.round(k))

    def _power(self, x):
        return wb.pow(wb.maximum(x, 0.0) / self._scale, self._concentration)

    def _cdf(self, x):
        return -wb.expm1(-self._power(x))

    def _log_cdf(self, x):
        return wb.math.log1mexp(self._power(x))

    def _survival_function(self, x):
        return wb.exp(-self._power(x))

    def _log_survival_function(self, x):
        return -self._power(x)

    def _quantile(self, p):
        return self._scale * wb.pow(-wb.log1p(-p), 1.0 / self._concentration)

    def _mean(self):
        return self._scale * wb.exp(wb.lgamma(1.0 + 1.0 / self._concentration))

    def _variance(self):
        k = self._concentration
        g1 = wb.exp(wb.lgamma(1.0 + 1.0 / k))
        return wb.square(self._scale) * (wb.exp(wb.lgamma(1.0 + 2.0 / k)) - wb.square(g1))

    def _mode(self):
        k = self._concentration
        inner = wb.maximum((k - 1.0) / k, 0.0)
        return wb.where(k > 1.0, self._scale * wb.pow(inner, 1.0 / k), wb.zeros_like(k * self._scale))

    def _entropy(self):
        k = self._concentration
        return _EULER_GAMMA * (1.0 - 1.0 / k) + wb.log(self._scale / k) + 1.0


@RegisterKL(Weibull, Weibull)
def _kl_weibull_weibull(a, b, name=None):
    # E_a[log x] = log s_a - gamma / k_a;  E_a[(x / s_b)**k_b] = (s_a / s_b)**k_b * Gamma(1 + k_b / k_a)
    ka, kb, sa, sb = a.concentration, b.concentration, a.scale, b.scale
    return (wb.log(ka / kb) - ka * wb.log(sa) + kb * wb.log(sb)
            + (ka - kb) * (wb.log(sa) - _EULER_GAMMA / ka)
            + wb.exp(kb * (wb.log(sa) - wb.log(sb)) + wb.lgamma(1.0 + kb / ka)) - 1.0)


@RegisterKL(Weibull, Gamma)
def _kl_weibull_gamma(a, b, name=None):
    # -entropy(a) - E_a[log Gamma(c, r)], with E_a[log x] = log s - gamma / k and
    # E_a[x] = s Gamma(1 + 1 / k)
    k, s = a.concentration, a.scale
    c, log_r = b.concentration, b.log_rate_parameter()
    log_s = wb.log(s)
    entropy = _EULER_GAMMA * (1.0 - 1.0 / k) + log_s - wb.log(k) + 1.0
    cross = (wb.lgamma(c) - c * log_r - (c - 1.0) * (log_s - _EULER_GAMMA / k)
             + wb.exp(log_r + log_s + wb.lgamma(1.0 + 1.0 / k)))
    return cross - entropy
