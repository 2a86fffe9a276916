"""The two-piece (Fernandez-Steel skew) Student's t distribution."""

from __future__ import annotations

import math

import workbench as wb

from .. import internal
from ._two_piece import TwoPieceDistribution
from .gamma import random_gamma
from .student_t import StudentT, _log_gamma_ratio
from .two_piece_normal import random_two_piece_normal

__all__ = ["TwoPieceStudentT"]


class TwoPieceStudentT(TwoPieceDistribution):
    """``TwoPieceStudentT(df, loc, scale, skewness)``: Student's t density with ``df`` degrees of
    freedom stretched by ``scale / skewness`` left of ``loc`` and ``scale * skewness`` right of it:
    ``k * t_df(y * skewness)`` for ``x < loc``, ``k * t_df(y / skewness)`` otherwise, with
    ``y = (x - loc) / scale`` and ``k = 2 skewness / ((1 + skewness**2) scale)``.

    The mean is NaN for ``df <= 1``; the variance is infinite for ``1 < df <= 2`` and NaN for
    ``df <= 1`` (errors instead of NaN when ``allow_nan_stats=False``). Samples are TFP's: a
    two-piece normal draw over ``sqrt(G / df)``, ``G ~ Gamma(df / 2, rate 1/2)``
    (reparameterized). As in TFP there is no ``entropy``.

    >>> d = TwoPieceStudentT(df=3.0, loc=0.0, scale=1.0, skewness=[0.5, 2.0])
    >>> d.batch_shape, d.sample(3, seed=1).shape
    ((2,), (3, 2))
    """

    _param_event_ndims = {"df": 0, "loc": 0, "scale": 0, "skewness": 0}
    _param_constraints = {"df": "positive", "scale": "positive", "skewness": "positive"}

    def __init__(self, df, loc, scale, skewness, validate_args=False, allow_nan_stats=True,
                 name="TwoPieceStudentT"):
        parameters = dict(locals())
        self._init_two_piece(dict(df=df, loc=loc, scale=scale, skewness=skewness), validate_args,
                             allow_nan_stats, parameters, name)

    @property
    def df(self):
        return self._df

    _sample_n_takes_any_seed = True

    def _sample_n(self, n, seed):
        shape = (n,) + self.batch_shape
        df = wb.broadcast_to(self._df, shape)
        normal_seed, gamma_seed = internal.split_seed(seed, 2, salt="two_piece_student_t_split")
        z = random_two_piece_normal(shape, self._skewness, seed=normal_seed)
        g = random_gamma((), 0.5 * df, rate=wb.constant(0.5, dtype=self.dtype), seed=gamma_seed)
        return self._loc + self._scale * (z * wb.math.rsqrt(g / df))

    def _standard(self):
        zero = wb.zeros_like(self._df)
        return StudentT(self._df, zero, zero + 1.0)

    def _std_log_prob(self, t):
        return self._standard()._log_prob(t)

    def _std_cdf(self, t):
        return self._standard()._cdf(t)

    def _std_log_cdf(self, t):
        return wb.log(self._std_cdf(t))

    def _std_quantile(self, p):
        return self._standard()._quantile(p)

    def _std_abs_mean(self):
        # E|T| = 2 sqrt(df) Gamma((df + 1) / 2) / (sqrt(pi) (df - 1) Gamma(df / 2)) for df > 1; a finite
        # stand-in elsewhere (_mean and _variance mark those members), so gradients stay finite
        df = self._df
        dfm1 = wb.where(df > 1.0, df - 1.0, wb.ones_like(df))
        return 2.0 * wb.sqrt(df) * wb.exp(_log_gamma_ratio(0.5 * df)) / (math.sqrt(math.pi) * dfm1)

    def _std_second_moment(self):
        # E T^2 = df / (df - 2) for df > 2 (a finite stand-in elsewhere, as above)
        df = self._df
        return df / wb.where(df > 2.0, df - 2.0, wb.ones_like(df))

    def _mean(self):
        mean = super()._mean()
        return self._undefined(mean, self._df <= 1.0, "mean (df <= 1)")

    def _variance(self):
        df = self._df
        var = wb.where(df > 2.0, super()._variance(), float("inf"))
        return self._undefined(var, df <= 1.0, "variance (df <= 1)")
