"""The chi distribution: the square root of a ``Chi2(df)`` variable."""

from __future__ import annotations

import math

import workbench as wb

from .. import internal
from .distribution import FULLY_REPARAMETERIZED, Distribution
from .gamma import random_gamma
from .kullback_leibler import RegisterKL

__all__ = ["Chi"]

_LOG_2 = math.log(2.0)


class Chi(Distribution):
    """``Chi(df)``: density ``2**(1 - df/2) x**(df - 1) exp(-x**2 / 2) / Gamma(df/2)`` on ``x > 0``.

    Samples are ``sqrt(2 G)`` with ``G ~ Gamma(df / 2)`` (reparameterized in ``df``).

    >>> d = Chi(df=[1.0, 3.0])
    >>> d.batch_shape, d.sample(2, seed=1).shape
    ((2,), (2, 2))
    """

    _param_event_ndims = {"df": 0}
    _param_constraints = {"df": "positive"}
    _support = "nonnegative"

    def __init__(self, df, validate_args=False, allow_nan_stats=True, name="Chi"):
        parameters = dict(locals())
        dtype = internal.common_dtype([df])
        self._df = internal.as_param(df, "df", dtype, "Chi")
        super().__init__(dtype, FULLY_REPARAMETERIZED, validate_args, allow_nan_stats, parameters, name)

    @property
    def df(self):
        return self._df

    _sample_n_takes_any_seed = True

    def _sample_n(self, n, seed):
        # TFP's Chi is the square root of a Chi2 draw
        return wb.sqrt(random_gamma((n,), 0.5 * self._df, rate=wb.constant(0.5, dtype=self.dtype), seed=seed))

    def _log_prob(self, x):
        half_df = 0.5 * self._df
        lp = ((1.0 - half_df) * _LOG_2 - wb.lgamma(half_df)
              + internal.xlogy(self._df - 1.0, x) - 0.5 * wb.square(x))
        return wb.where(x >= 0, lp, float("-inf"))

    def _nan_region(self, x, method):
        # TFP's log(x) in the density (also NaN at 0 for df < 1); its tails square x, so they
        # are even in x (below)
        if method in ("log_prob", "prob"):
            return (x < 0.0) | (wb.math.equal(x, 0.0) & (self._df < 1.0))
        return None

    def _cdf(self, x):
        return wb.math.igamma(0.5 * self._df, 0.5 * wb.square(x))

    def _survival_function(self, x):
        return wb.math.igammac(0.5 * self._df, 0.5 * wb.square(x))

    def _quantile(self, p):
        return wb.sqrt(2.0 * wb.math.igammainv(0.5 * self._df, p))

    def _mean(self):
        half_df = 0.5 * self._df
        return math.sqrt(2.0) * wb.exp(wb.lgamma(half_df + 0.5) - wb.lgamma(half_df))

    def _variance(self):
        return self._df - wb.square(self._mean())

    def _mode(self):
        df = self._df
        return self._undefined(wb.sqrt(wb.maximum(df - 1.0, 0.0)), df < 1.0, "mode (df < 1)")

    def _entropy(self):
        df = self._df
        half_df = 0.5 * df
        return wb.lgamma(half_df) + 0.5 * (df - _LOG_2 - (df - 1.0) * wb.digamma(half_df))


@RegisterKL(Chi, Chi)
def _kl_chi_chi(a, b, name=None):
    # E_a[log x] = (digamma(df_a / 2) + log 2) / 2; E_a[x**2] = df_a
    return (0.5 * wb.digamma(0.5 * a.df) * (a.df - b.df)
            + wb.lgamma(0.5 * b.df) - wb.lgamma(0.5 * a.df))
