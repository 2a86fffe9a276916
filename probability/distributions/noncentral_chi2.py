"""The noncentral chi-square distribution (``df``, ``noncentrality``)."""

from __future__ import annotations

import math

import numpy as np

import workbench as wb

from .. import internal
from ..internal import samplers
from .distribution import NOT_REPARAMETERIZED, Distribution
from .gamma import random_gamma

__all__ = ["NoncentralChi2"]


class NoncentralChi2(Distribution):
    """``NoncentralChi2(df, noncentrality)``: the distribution of ``sum (Z_i + mu_i)**2`` over ``df``
    standard normals with ``sum mu_i**2 = noncentrality`` (SciPy's ``ncx2``; ``noncentrality = 0`` is
    the central chi-square).

    Densities and CDFs are the Poisson(``noncentrality / 2``) mixture of central chi-squares with
    ``df + 2 j`` degrees of freedom, summed in log space over a window of ``j`` around the largest
    terms (differentiable in both parameters); ``quantile`` bisects the CDF and finishes with Newton
    steps, which give it its derivatives (0 at ``p = 0``, ``inf`` at 1, and 0 where the quantile is below the
    smallest normal number). ``log_prob`` is NaN below 0 (TFP's). Samples are
    ``2 Gamma(df / 2 + N)`` with ``N ~ Poisson(noncentrality / 2)`` (not reparameterized, as TFP). As
    TFP, there is no mode and no entropy.

    >>> d = NoncentralChi2(df=[1.0, 3.0], noncentrality=2.0)
    >>> d.batch_shape, d.sample(3, seed=1).shape
    ((2,), (3, 2))
    """

    _param_event_ndims = {"df": 0, "noncentrality": 0}
    _param_constraints = {"df": "positive", "noncentrality": "nonnegative"}
    _support = "nonnegative"

    def __init__(self, df, noncentrality, validate_args=False, allow_nan_stats=True, name="NoncentralChi2"):
        parameters = dict(locals())
        dtype = internal.common_dtype([df, noncentrality])
        self._df = internal.as_param(df, "df", dtype, "NoncentralChi2")
        self._noncentrality = internal.as_param(noncentrality, "noncentrality", dtype, "NoncentralChi2")
        super().__init__(dtype, NOT_REPARAMETERIZED, validate_args, allow_nan_stats, parameters, name)

    @property
    def df(self):
        return self._df

    @property
    def noncentrality(self):
        return self._noncentrality

    _sample_n_takes_any_seed = True

    def _sample_n(self, n, seed):
        # TFP's flow: chi2(df - 1) + N(sqrt(nc), 1)**2 for df > 1, else a Gamma with a Poisson
        # count in its concentration; a four-way split (no salt)
        shape = (n,) + tuple(self.batch_shape)
        df = wb.broadcast_to(self._df, shape)
        nc = wb.broadcast_to(self._noncentrality, shape)
        chi2_seed, normal_seed, poisson_seed, low_df_seed = internal.split_seed(seed, 4)
        half = wb.constant(0.5, dtype=self.dtype)
        high_df = df > 1.0
        safe_df = wb.where(high_df, df, wb.constant(2.0, dtype=self.dtype))
        chi2 = random_gamma((), 0.5 * (safe_df - 1.0), rate=half, seed=chi2_seed)
        z = samplers.normal(shape, mean=wb.sqrt(nc), dtype=self.dtype, seed=normal_seed)
        counts = samplers.poisson((), 0.5 * nc, dtype=self.dtype, seed=poisson_seed)
        low = random_gamma((), 0.5 * (df + 2.0 * counts), rate=half, seed=low_df_seed)
        return wb.stop_gradient(wb.where(high_df, chi2 + wb.square(z), low))

    # -- the Poisson mixture ------------------------------------------------------------------------
    def _terms(self, x, center):
        """(j, log Poisson(j; nc / 2), df / 2 + j, x / 2) over a window of j starting near ``center``,
        on a new last axis."""
        center = wb.stop_gradient(center)
        centers = center.numpy() if wb.executing_eagerly() else None
        half = (int(np.ceil(np.max(10.0 * np.sqrt(centers + 1.0)))) + 25 if centers is not None and centers.size
                else 400)
        start = wb.maximum(wb.floor(center) - float(half), wb.zeros_like(center))
        j = start[..., None] + wb.range(2 * half + 1, dtype=self.dtype)
        half_nc = (0.5 * self._noncentrality)[..., None]
        central = wb.math.equal(half_nc, 0.0)
        safe = wb.where(central, wb.ones_like(half_nc), half_nc)
        log_w = j * wb.log(safe) - safe - wb.lgamma(j + 1.0)
        # noncentrality 0: all the weight on j = 0
        log_w = wb.where(central, wb.where(wb.math.equal(j, 0.0), wb.zeros_like(j), wb.zeros_like(j) - np.inf), log_w)
        return log_w, (0.5 * self._df)[..., None] + j, (0.5 * x)[..., None]

    def _central_tangent(self, slope):
        """0 in value; where ``noncentrality`` is 0, its derivative in ``noncentrality / 2`` is
        ``slope`` (the mixture's one-sided derivative there, which the j = 0 term alone lacks)."""
        half_nc = 0.5 * self._noncentrality
        tangent = (half_nc - wb.stop_gradient(half_nc)) * slope
        return wb.where(wb.math.equal(half_nc, 0.0) & wb.math.is_finite(tangent), tangent, wb.zeros_like(tangent))

    def _log_prob(self, x):
        k, nc = self._df, self._noncentrality
        positive = x > 0
        safe_x = wb.where(positive, x, wb.ones_like(x))
        # the largest terms: j (j + k / 2) = nc x / 4
        center = 0.5 * (wb.sqrt(0.25 * wb.square(k) + nc * safe_x) - 0.5 * k)
        log_w, a, half_x = self._terms(safe_x, center)
        log_chi2 = (a - 1.0) * wb.log(half_x) - half_x - wb.lgamma(a) - math.log(2.0)
        lp = wb.math.reduce_logsumexp(log_w + log_chi2, axis=-1) + self._central_tangent(
            safe_x / k - 1.0)   # d log p / d(nc / 2) at nc = 0: f_{k+2}(x) / f_k(x) - 1
        # at 0 the density is that of the j = 0 term: infinite for df < 2, exp(-nc / 2) / 2 at df = 2
        at_zero = wb.where(k < 2.0, wb.zeros_like(k) + np.inf,
                           wb.where(wb.math.equal(k, 2.0), -0.5 * nc - math.log(2.0), wb.zeros_like(k) - np.inf))
        return wb.where(positive, lp, at_zero + wb.zeros_like(lp))

    def _nan_region(self, x, method):
        # TFP's density takes the log of x: NaN below 0 (its tails are 0 and 1 there)
        return (x < 0.0) if method in ("log_prob", "prob") else None

    def _mixture(self, x, upper):
        positive = x > 0
        safe_x = wb.where(positive, x, wb.ones_like(x))
        log_w, a, half_x = self._terms(safe_x, 0.5 * self._noncentrality + wb.zeros_like(safe_x))
        tail = wb.math.igammac(a, half_x) if upper else wb.math.igamma(a, half_x)
        value = wb.reduce_sum(wb.exp(log_w) * tail, axis=-1)
        # d F / d(nc / 2) at nc = 0: F_{k+2}(x) - F_k(x) = -(x/2)**(k/2) exp(-x/2) / Gamma(k/2 + 1)
        a = 0.5 * self._df
        step = wb.exp(a * wb.log(0.5 * safe_x) - 0.5 * safe_x - wb.lgamma(a + 1.0))
        value = value + self._central_tangent(step if upper else -step)
        return wb.where(positive, value, wb.ones_like(value) if upper else wb.zeros_like(value))

    def _cdf(self, x):
        return self._mixture(x, upper=False)

    def _survival_function(self, x):
        return self._mixture(x, upper=True)

    def _log_cdf(self, x):
        return wb.log(self._cdf(x))

    def _log_survival_function(self, x):
        return wb.log(self._survival_function(x))

    def _quantile(self, p):
        # bisection of the CDF over log(x) (from the smallest normal number up to far in the upper
        # tail), then Newton steps; 0 at p = 0, inf at p = 1 and NaN off [0, 1], as TFP
        p = p + wb.zeros(self.batch_shape, dtype=self.dtype)
        if self._validate_args:
            ok = (p >= 0.0) & (p <= 1.0)
            message = "NoncentralChi2.quantile: the probability must be in [0, 1]"
            if not wb.executing_eagerly():
                internal.assert_all(ok, message)
            elif not bool(wb.reduce_all(ok)):
                raise wb.errors.InvalidArgumentError(f"{message}, got {p.numpy()!r}")
        target = wb.stop_gradient(p)
        tiny = float(np.finfo(np.dtype(self.dtype)).tiny)
        mean, sd = wb.stop_gradient(self._mean()), wb.stop_gradient(wb.sqrt(self._variance()))
        lo = wb.zeros_like(target) + math.log(tiny)
        hi = wb.log(wb.ones_like(target) * (mean + 40.0 * sd + 50.0))
        underflow = self._cdf(wb.exp(lo)) >= target
        for _ in range(80 if self.dtype == np.float64 else 50):
            mid = 0.5 * (lo + hi)
            below = self._cdf(wb.exp(mid)) < target
            lo, hi = wb.where(below, mid, lo), wb.where(below, hi, mid)
        x0 = wb.exp(0.5 * (lo + hi))
        # two Newton steps, from the bisection's point (held fixed) and then from the first step's
        # (on the tape): the value stays put and the derivatives in p and the parameters are the
        # inverse function's, to second order
        inside = (target > 0) & (target < 1) & ~underflow
        x = wb.where(inside, x0, wb.ones_like(x0))
        for _ in range(2):
            x = x + (p - self._cdf(x)) / wb.exp(self._log_prob(x))
        edge = wb.where(wb.math.equal(target, 1.0), wb.zeros_like(x0) + np.inf, wb.zeros_like(x0))
        edge = wb.where((target < 0) | (target > 1), wb.zeros_like(x0) + np.nan, edge)
        return wb.where(inside, x, edge)

    def _mean(self):
        return self._df + self._noncentrality

    def _variance(self):
        return 2.0 * (self._df + 2.0 * self._noncentrality)

    def _default_event_space_bijector(self):
        from .. import bijectors as tfb  # circular import: bijectors builds distributions in __call__
        return tfb.Softplus(validate_args=self._validate_args)
