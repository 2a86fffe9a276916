"""The half-Student's t distribution: ``loc + |T|`` for ``T ~ StudentT(df, 0, scale)``."""

from __future__ import annotations

import math

import workbench as wb

from .. import internal
from .distribution import FULLY_REPARAMETERIZED, Distribution
from .student_t import StudentT

__all__ = ["HalfStudentT"]

_LOG_2 = math.log(2.0)


class HalfStudentT(Distribution):
    """``HalfStudentT(df, loc, scale)``: twice the ``StudentT(df, loc, scale)`` density on ``x >= loc``
    (``log_prob`` is ``-inf`` below ``loc``).

    Samples are ``loc + scale * |T|`` with ``T`` a standard Student's t draw (reparameterized
    in all three parameters). The mean is NaN for ``df <= 1``; the variance is infinite for
    ``1 < df <= 2`` and NaN for ``df <= 1``.

    >>> d = HalfStudentT(df=[3.0, 10.0], loc=0.0, scale=1.0)
    >>> d.batch_shape, d.sample(2, seed=1).shape
    ((2,), (2, 2))
    """

    _param_event_ndims = {"df": 0, "loc": 0, "scale": 0}
    _param_constraints = {"df": "positive", "scale": "positive"}

    def __init__(self, df, loc, scale, validate_args=False, allow_nan_stats=True, name="HalfStudentT"):
        parameters = dict(locals())
        dtype = internal.common_dtype([df, loc, scale])
        self._df = internal.as_param(df, "df", dtype, "HalfStudentT")
        self._loc = internal.as_param(loc, "loc", dtype, "HalfStudentT")
        self._scale = internal.as_param(scale, "scale", dtype, "HalfStudentT")
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

    def _student_t(self):
        return StudentT(self._df, self._loc, self._scale, allow_nan_stats=self._allow_nan_stats)

    _sample_n_takes_any_seed = True

    def _sample_n(self, n, seed):
        # TFP's draw: |StudentT(df, 0, scale)| + loc, with StudentT's seed flow
        zeros = wb.zeros(self.batch_shape, dtype=self.dtype)
        t = StudentT(self._df + zeros, zeros, self._scale + zeros)._sample_n(n, seed)
        return wb.abs(t) + self._loc

    def _default_event_space_bijector(self):
        from .. import bijectors as tfb  # circular import: bijectors builds distributions in __call__
        return tfb.Softplus(low=self._loc, validate_args=self._validate_args)

    def _check_support(self, x, method):
        self._assert_in_support(x, method, x >= self._loc, ">= loc")

    def _log_prob(self, x):
        lp = _LOG_2 + self._student_t().log_prob(wb.maximum(x, self._loc))
        return wb.where(x >= self._loc, lp, float("-inf"))

    def _cdf(self, x):
        return wb.maximum(2.0 * self._student_t().cdf(wb.maximum(x, self._loc)) - 1.0, 0.0)

    def _survival_function(self, x):
        return wb.minimum(2.0 * self._student_t().survival_function(wb.maximum(x, self._loc)), 1.0)

    def _quantile(self, p):
        return self._student_t().quantile(0.5 + 0.5 * p)

    def _log_mean_abs_ratio(self):
        # log(2 sqrt(df / pi) Gamma((df + 1)/2) / (Gamma(df/2) (df - 1))) for df > 1
        df = wb.where(self._df > 1.0, self._df, wb.ones_like(self._df) * 2.0)
        return (_LOG_2 + 0.5 * (wb.log(df) - math.log(math.pi)) + wb.lgamma(0.5 * (df + 1.0))
                - wb.lgamma(0.5 * df) - wb.log(df - 1.0)), df

    def _mean(self):
        log_ratio, _ = self._log_mean_abs_ratio()
        mean = self._loc + self._scale * wb.exp(log_ratio)
        return self._undefined(mean, self._df <= 1.0, "mean (df <= 1)")

    def _variance(self):
        log_ratio, _ = self._log_mean_abs_ratio()
        df = wb.where(self._df > 2.0, self._df, wb.ones_like(self._df) * 3.0)
        var = wb.square(self._scale) * (df / (df - 2.0) - wb.exp(2.0 * log_ratio))
        var = wb.where(self._df > 2.0, var, float("inf"))
        return self._undefined(var, self._df <= 1.0, "variance (df <= 1)")

    def _mode(self):
        return self._loc * wb.ones_like(self._df) * wb.ones_like(self._scale)

    def _entropy(self):
        return self._student_t().entropy() - _LOG_2
