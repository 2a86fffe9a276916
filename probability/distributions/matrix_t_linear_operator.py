"""The matrix t distribution on ``n x p`` matrices, scales given as LinearOperators."""

from __future__ import annotations

import math

import workbench as wb

from ._matrix_linear_operator import MatrixLinearOperatorBase
from .mvst_linear_operator import MultivariateStudentTLinearOperator

__all__ = ["MatrixTLinearOperator"]

_LOG_PI = math.log(math.pi)


class MatrixTLinearOperator(MatrixLinearOperatorBase):
    """``MatrixTLinearOperator(df, loc, scale_row, scale_column)``: as TFP, the multivariate Student's t
    of ``vec(X)`` with ``df`` degrees of freedom, location ``vec(loc)`` and scale ``B kron A``
    (``A = scale_row`` ``[..., n, n]``, ``B = scale_column`` ``[..., p, p]``, square
    ``wb.linalg.LinearOperator``s); with ``k = n p`` and ``q = |A^{-1} (X - loc) B^{-T}|_F^2``,

    ``log p(X) = lgamma((df + k)/2) - lgamma(df/2) - (k/2) log(df pi) - p log|det A| - n log|det B|
    - (df + k)/2 log(1 + q / df)``.

    Samples are ``loc + A Z B^T / sqrt(w)``, ``w ~ Gamma(df/2, rate=df/2)`` (reparameterized). As TFP
    0.25, ``mean`` is ``loc`` whatever ``df``; the variance ``df / (df - 2) diag(A A^T)_i diag(B B^T)_j``
    is infinite for ``1 < df <= 2`` and NaN for ``df <= 1`` (an error when ``allow_nan_stats=False``).
    No ``covariance``.

    >>> d = MatrixTLinearOperator(4.0, wb.zeros([2, 2]), wb.linalg.LinearOperatorIdentity(2),
    ...                           wb.linalg.LinearOperatorDiag([1.0, 2.0]))
    >>> d.variance().numpy().tolist()
    [[2.0, 8.0], [2.0, 8.0]]
    """

    _param_event_ndims = {"df": 0, "loc": 2}
    _param_constraints = {"df": "positive"}

    def __init__(self, df, loc, scale_row, scale_column, validate_args=False, allow_nan_stats=True,
                 name="MatrixTLinearOperator"):
        parameters = dict(locals())
        self._init_matrix(loc, scale_row, scale_column, {"df": df}, validate_args, allow_nan_stats, parameters,
                          name)

    @property
    def df(self):
        return self._df

    def _log_normalization(self):
        df, k = self._df, float(self._size())
        return (wb.lgamma(0.5 * df) - wb.lgamma(0.5 * (df + k)) + 0.5 * k * (wb.log(df) + _LOG_PI)
                + self._log_abs_det())

    def _log_prob(self, x):
        df, k = self._df, float(self._size())
        q = wb.reduce_sum(wb.square(self._whiten(x)), axis=[-2, -1])
        return -0.5 * (df + k) * wb.log1p(q / df) - self._log_normalization()

    def _sample_n(self, n, seed):
        # TFP's draw: the multivariate t of vec(X), unstacked
        mvt = MultivariateStudentTLinearOperator(df=self._df, loc=self._vec(self._loc), scale=self._vector_scale())
        return self._unvec(mvt.sample(n, seed=seed))

    def _df_matrix(self):
        return wb.expand_dims(wb.expand_dims(self._df, -1), -1)

    def _mean(self):
        return self._broadcast_loc() * wb.ones_like(self._df_matrix())   # loc for every df, as TFP 0.25

    def _mode(self):
        return self._broadcast_loc() * wb.ones_like(self._df_matrix())

    def _variance(self):
        df = self._df_matrix()
        factor = df / wb.where(df > 2.0, df - 2.0, wb.ones_like(df))
        var = wb.where(df > 2.0, self._matrix_normal_variance() * factor, float("inf"))
        return self._undefined(var, df <= 1.0, "variance (df <= 1)")

    def _entropy(self):
        df, k = self._df, float(self._size())
        half, half_k = 0.5 * df, 0.5 * (df + k)
        return self._log_normalization() + half_k * (wb.digamma(half_k) - wb.digamma(half))
