"""The Pareto distribution (``concentration``, ``scale``)."""

from __future__ import annotations

import numpy as np

import workbench as wb

from .. import internal
from .distribution import FULLY_REPARAMETERIZED, Distribution
from .kullback_leibler import RegisterKL
from ..internal import samplers

__all__ = ["Pareto"]


class Pareto(Distribution):
    """``Pareto(concentration, scale=1.)``: density ``a * s**a / x**(a + 1)`` on ``x >= s``
    (``a = concentration``, ``s = scale``; ``log_prob`` is ``-inf`` below ``scale``).

    Samples are ``scale * U**(-1 / concentration)`` (reparameterized). As TFP, the mean is
    ``inf`` for ``concentration <= 1`` and the variance ``inf`` for ``concentration <= 2``.

    >>> d = Pareto(concentration=[3.0, 5.0], scale=2.0)
    >>> d.batch_shape, d.sample(3, seed=1).shape
    ((2,), (3, 2))
    """

    _param_event_ndims = {"concentration": 0, "scale": 0}
    _param_constraints = {"concentration": "positive", "scale": "positive"}

    def __init__(self, concentration, scale=1.0, validate_args=False, allow_nan_stats=True, name="Pareto"):
        parameters = dict(locals())
        dtype = internal.common_dtype([concentration, scale])
        self._concentration = internal.as_param(concentration, "concentration", dtype, "Pareto")
        self._scale = internal.as_param(scale, "scale", dtype, "Pareto")
        super().__init__(dtype, FULLY_REPARAMETERIZED, validate_args, allow_nan_stats, parameters, name)

    @property
    def concentration(self):
        return self._concentration

    @property
    def scale(self):
        return self._scale

    _sample_n_takes_any_seed = True

    def _sample_n(self, n, seed):
        u = samplers.uniform((n,) + self.batch_shape, maxval=1.0, seed=seed, dtype=self.dtype)
        log_standard = -wb.log1p(-u) / self._concentration
        standard = wb.exp(log_standard)
        # a standard draw that overflows: scale times it computed in log space
        return wb.where(standard > 0.0, self._scale * standard, wb.exp(wb.log(self._scale) + log_standard))

    def _inside(self, x):
        return x >= self._scale

    def _default_event_space_bijector(self):
        from .. import bijectors as tfb  # circular import: bijectors builds distributions in __call__
        return tfb.Softplus(low=self._scale, validate_args=self._validate_args)

    def _check_support(self, x, method):
        if method in ("log_prob", "prob"):  # TFP validates the density's argument only
            self._assert_in_support(x, method, x >= self._scale, ">= scale")

    def _log_prob(self, x):
        a, s = self._concentration, self._scale
        xs = wb.maximum(x, s)
        lp = wb.log(a) + a * wb.log(s) - (a + 1.0) * wb.log(xs)
        return wb.where(self._inside(x), lp, float("-inf"))

    def _log_survival_function(self, x):
        # log (s / x)**a above the scale, 0 below
        return self._concentration * (wb.log(self._scale) - wb.log(wb.maximum(x, self._scale)))

    def _survival_function(self, x):
        return wb.exp(self._log_survival_function(x))

    def _cdf(self, x):
        return -wb.expm1(self._log_survival_function(x))

    def _log_cdf(self, x):
        return wb.math.log1mexp(self._log_survival_function(x))

    def _quantile(self, p):
        return self._scale * wb.exp(-wb.log1p(-p) / self._concentration)

    def _mean(self):
        a = self._concentration
        safe = wb.where(a > 1.0, a, wb.ones_like(a) * 2.0)
        return wb.where(a > 1.0, self._scale * safe / (safe - 1.0), wb.zeros_like(a * self._scale) + np.inf)

    def _variance(self):
        a = self._concentration
        safe = wb.where(a > 2.0, a, wb.ones_like(a) * 3.0)
        var = wb.square(self._scale) * safe / (wb.square(safe - 1.0) * (safe - 2.0))
        return wb.where(a > 2.0, var, wb.zeros_like(var) + np.inf)

    def _mode(self):
        return self._scale * wb.ones_like(self._concentration)

    def _entropy(self):
        a = self._concentration
        return wb.log(self._scale / a) + 1.0 / a + 1.0


@RegisterKL(Pareto, Pareto)
def _kl_pareto_pareto(a, b, name=None):
    # finite only when a's support lies inside b's (scale_a >= scale_b)
    ca, cb = a.concentration, b.concentration
    log_ratio = wb.log(a.scale) - wb.log(b.scale)
    kl = wb.log(ca / cb) + cb * log_ratio + (cb - ca) / ca
    return wb.where(log_ratio >= 0, kl, wb.zeros_like(kl) + np.inf)
