"""Student's t distribution (``df`` degrees of freedom, location and scale)."""

from __future__ import annotations

import math

import workbench as wb

from .. import internal
from .cauchy import log1psquare
from .distribution import FULLY_REPARAMETERIZED, Distribution
from .gamma import random_gamma
from ..internal import samplers

__all__ = ["StudentT"]

_HALF_LOG_PI = 0.5 * math.log(math.pi)
_CORNISH_FISHER_FROM = 1e4  # df from which the quantile is a series around the normal one
_ASYMPTOTIC_FROM = 20.0  # half-df from which the series below are used (error < 1e-14)


def _log_gamma_ratio(h):
    """``lgamma(h + 1/2) - lgamma(h)`` for ``h > 0``.

    For large ``h`` the two lgammas are huge and nearly equal (df = 1e6 in float32 would
    lose every digit), so from h = 20 on an asymptotic series in 1/h is used.
    """
    hb = wb.maximum(h, _ASYMPTOTIC_FROM)
    r = 1.0 / hb
    r2 = r * r
    series = 0.5 * wb.log(hb) - r * (1.0 / 8 - r2 * (1.0 / 192 - r2 * (1.0 / 640 - r2 * (17.0 / 14336))))
    hs = wb.minimum(h, _ASYMPTOTIC_FROM)
    direct = wb.lgamma(hs + 0.5) - wb.lgamma(hs)
    return wb.where(h >= _ASYMPTOTIC_FROM, series, direct)


def _digamma_difference(h):
    """``digamma(h + 1/2) - digamma(h)``, with the derivative of the same series for large ``h``."""
    hb = wb.maximum(h, _ASYMPTOTIC_FROM)
    r = 1.0 / hb
    r2 = r * r
    series = 0.5 * r + r2 * (1.0 / 8 - r2 * (1.0 / 64 - r2 * (1.0 / 128 - r2 * (17.0 / 2048))))
    hs = wb.minimum(h, _ASYMPTOTIC_FROM)
    direct = wb.digamma(hs + 0.5) - wb.digamma(hs)
    return wb.where(h >= _ASYMPTOTIC_FROM, series, direct)


class StudentT(Distribution):
    """``StudentT(df, loc, scale)``: density
    ``Gamma((df+1)/2) / (Gamma(df/2) sqrt(df pi) scale) * (1 + y**2/df)**(-(df+1)/2)``, ``y = (x-loc)/scale``.

    Samples are ``loc + scale * Z / sqrt(2 G / df)`` with ``Z`` normal and ``G ~ Gamma(df/2)``,
    reparameterized in all three parameters. The mean is NaN for ``df <= 1``; the variance
    is infinite for ``1 < df <= 2`` and NaN for ``df <= 1`` (errors instead of NaN when
    ``allow_nan_stats=False``). With ``df`` of 1e6 the density is the Normal's to float precision.

    >>> d = StudentT(df=[1.0, 5.0], loc=0.0, scale=1.0)
    >>> d.batch_shape, d.sample(4, seed=1).shape
    ((2,), (4, 2))
    """

    _param_event_ndims = {"df": 0, "loc": 0, "scale": 0}
    _param_constraints = {"df": "positive", "scale": "positive"}

    def __init__(self, df, loc, scale, validate_args=False, allow_nan_stats=True, name="StudentT"):
        parameters = dict(locals())
        dtype = internal.common_dtype([df, loc, scale])
        self._df = internal.as_param(df, "df", dtype, "StudentT")
        self._loc = internal.as_param(loc, "loc", dtype, "StudentT")
        self._scale = internal.as_param(scale, "scale", dtype, "StudentT")
        super().__init__(dtype, FULLY_REPARAMETERIZED, validate_args, allow_nan_stats, parameters, name)

    @property
    def df(self):
        return self._df

    @property
    def loc(self):
        return self._loc

    @property
    def scale(self):
        return self._scale

    _sample_n_takes_any_seed = True

    def _sample_n(self, n, seed):
        normal_seed, gamma_seed = internal.split_seed(seed, 2, salt="student_t")
        shape = (n,) + self.batch_shape
        z = samplers.normal(shape, seed=normal_seed, dtype=self.dtype)
        df = self._df * wb.ones(self.batch_shape, dtype=self.dtype)
        g = random_gamma((n,), 0.5 * df, rate=wb.constant(0.5, dtype=self.dtype), seed=gamma_seed)
        return z * wb.math.rsqrt(g / df) * self._scale + self._loc

    def _log_normalization(self):
        # log(scale) + log(df)/2 + lbeta(1/2, df/2), with the lgamma difference computed stably
        half_df = 0.5 * self._df
        return (wb.log(self._scale) + 0.5 * wb.log(self._df) + _HALF_LOG_PI
                - _log_gamma_ratio(half_df))

    def _log_prob(self, x):
        # TFP's y = (x - loc) * (rsqrt(df) / scale)
        y = (x - self._loc) * (wb.math.rsqrt(self._df) / self._scale)
        return -0.5 * (self._df + 1.0) * log1psquare(y) - self._log_normalization()

    def _nan_region(self, x, method):
        # TFP's incomplete beta at df = inf is NaN (its density is the Normal limit)
        if method in ("log_prob", "prob"):
            return None
        return wb.math.is_inf(self._df) & wb.ones_like(x, dtype=wb.bool)

    def _cdf(self, x):
        return self._tail_cdf((x - self._loc) / self._scale)

    def _survival_function(self, x):
        return self._tail_cdf((self._loc - x) / self._scale)

    def _log_cdf(self, x):
        # log(cdf), or log1p(-sf) where the CDF is close to 1: both tails keep their digits
        # (TFP's log(cdf) and log1p(-cdf) each lose one)
        return internal.log_tail(self._cdf(x), self._survival_function(x))

    def _log_survival_function(self, x):
        return internal.log_tail(self._survival_function(x), self._cdf(x))

    def _tail_cdf(self, t):
        # float32 works in float64: for large df (1e4 and up) the incomplete beta's argument
        # df / (df + t^2) is within float32's rounding of 1 and the tails lose their digits
        if self.dtype == wb.float32:
            return wb.cast(self._tail_cdf_of(wb.cast(t, wb.float64), wb.cast(self._df, wb.float64)), wb.float32)
        return self._tail_cdf_of(t, self._df)

    @staticmethod
    def _tail_cdf_of(t, df):
        # P(T <= t) = tail / 2 for t < 0 and 1 - tail / 2 for t >= 0, with the two-sided tail
        # P(|T| > |t|) = I_{df/(df+t^2)}(df/2, 1/2) = 1 - I_{t^2/(df+t^2)}(1/2, df/2). Near the
        # centre df/(df+t^2) rounds to 1 for large df: use the second form there (t^2 < min(df, 4),
        # where the tail is not small); beyond it 1 minus the near form would cancel to 0.
        # At t = 0 exactly the incomplete beta's derivative is inf * 0 (NaN): there the CDF is
        # 1/2 + t * density(0), whose derivative in t is the density and in df 0 (by symmetry).
        at_centre = wb.equal(t, 0.0)
        safe_t = wb.where(at_centre, wb.ones_like(t), t)
        t2 = wb.square(safe_t)
        half = wb.ones_like(df) * 0.5
        central = t2 < wb.minimum(df, 4.0)
        far_tail = wb.math.betainc(0.5 * df, half, df / (df + t2))
        near_tail = 1.0 - wb.math.betainc(half, 0.5 * df, t2 / (df + t2))
        half_tail = 0.5 * wb.where(central, near_tail, far_tail)
        value = wb.where(safe_t < 0, half_tail, 1.0 - half_tail)
        density0 = wb.exp(_log_gamma_ratio(0.5 * df) - 0.5 * wb.log(df) - _HALF_LOG_PI)
        return wb.where(at_centre, 0.5 + t * density0, value)

    def _quantile(self, p):
        # The two-sided tail P(|T| > |t|) = 2 min(p, 1 - p) is I_x(df/2, 1/2) with x = df / (df + t^2),
        # and its complement is I_{1-x}(1/2, df/2). Invert the first in the tails (1 - x = t^2 / (df + t^2)
        # is then not small) and the second near the centre, where x rounds towards 1 for large df.
        df = self._df
        half_df = 0.5 * df
        half = wb.ones_like(half_df) * 0.5
        tail = 2.0 * wb.minimum(p, 1.0 - p)
        central = tail > 0.5
        # at the median (t = 0) sqrt has an infinite slope: there t = (p - 1/2) / density(0), which
        # has the right value and the right derivatives; the branches not taken get safe inputs
        median = tail >= 1.0
        x = wb.math.betaincinv(half_df, half, wb.where(central, 0.5, tail))
        y = wb.math.betaincinv(half, half_df, wb.where(central & ~median, 1.0 - tail, 0.5))
        t2 = df * wb.where(central, y / (1.0 - y), (1.0 - x) / x)
        inv_density0 = wb.exp(0.5 * wb.log(df) + _HALF_LOG_PI - _log_gamma_ratio(half_df))
        t = wb.where(median, (p - 0.5) * inv_density0, wb.sqrt(t2))
        # from df = 1e4 on the incomplete beta's argument is too close to 1 (float32 loses every
        # digit by df = 1e8): there the Cornish-Fisher series in 1/df around the normal quantile
        # (Abramowitz & Stegun 26.7.5) is exact to the last digit
        big = df >= _CORNISH_FISHER_FROM
        z = wb.math.ndtri(wb.where(p < 0.5, p, 1.0 - p))
        r = 1.0 / wb.where(big, df, wb.ones_like(df) * _CORNISH_FISHER_FROM)
        z2 = wb.square(z)
        g1 = z * (z2 + 1.0) / 4.0
        g2 = z * ((5.0 * z2 + 16.0) * z2 + 3.0) / 96.0
        g3 = z * (((3.0 * z2 + 19.0) * z2 + 17.0) * z2 - 15.0) / 384.0
        g4 = z * ((((79.0 * z2 + 776.0) * z2 + 1482.0) * z2 - 1920.0) * z2 - 945.0) / 92160.0
        series = -(z + r * (g1 + r * (g2 + r * (g3 + r * g4))))
        t = wb.where(big & ~median, series, t)
        q = self._loc + self._scale * wb.where(p < 0.5, -t, t)
        # TFP's stdtrit: NaN at p = 0 and 1 and for df = inf
        return wb.where((p <= 0.0) | (p >= 1.0) | wb.math.is_inf(df), wb.zeros_like(q) + float("nan"), q)

    def _mean(self):
        mean = self._loc * wb.ones_like(self._df) * wb.ones_like(self._scale)
        return self._undefined(mean, self._df <= 1.0, "mean (df <= 1)")

    def _variance(self):
        df = self._df
        # the where inside keeps the gradient finite where the variance is infinite
        denom = wb.where(df > 2.0, df - 2.0, wb.ones_like(df))
        var = wb.square(self._scale) * df / denom * wb.ones_like(self._loc)
        var = wb.where(df > 2.0, var, float("inf"))
        return self._undefined(var, df <= 1.0, "variance (df <= 1)")

    def _mode(self):
        return self._loc * wb.ones_like(self._df) * wb.ones_like(self._scale)

    def _entropy(self):
        half_df = 0.5 * self._df
        return ((self._df + 1.0) * 0.5 * _digamma_difference(half_df)
                + self._log_normalization())
