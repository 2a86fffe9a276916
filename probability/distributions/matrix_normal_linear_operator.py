"""The matrix normal distribution on ``n x p`` matrices, scales given as LinearOperators."""

from __future__ import annotations

import math

import workbench as wb

from ._matrix_linear_operator import MatrixLinearOperatorBase
from .kullback_leibler import RegisterKL
from .mvn_linear_operator import MultivariateNormalLinearOperator

__all__ = ["MatrixNormalLinearOperator"]

_LOG_TWO_PI = math.log(2.0 * math.pi)


class MatrixNormalLinearOperator(MatrixLinearOperatorBase):
    """``MatrixNormalLinearOperator(loc, scale_row, scale_column)``: ``X = loc + A Z B^T`` with ``Z`` an
    ``n x p`` matrix of standard normals, ``A = scale_row`` ``[..., n, n]`` and ``B = scale_column``
    ``[..., p, p]`` square ``wb.linalg.LinearOperator``s; ``vec(X) ~ N(vec(loc), (B B^T) kron (A A^T))``:

    ``log p(X) = -|A^{-1} (X - loc) B^{-T}|_F^2 / 2 - p log|det A| - n log|det B| - (n p / 2) log(2 pi)``.

    Samples are reparameterized; ``variance`` is ``diag(A A^T)_i diag(B B^T)_j``; KL between two matrix
    normals is closed form. As TFP, no ``covariance``.

    >>> d = MatrixNormalLinearOperator(wb.zeros([2, 3]), wb.linalg.LinearOperatorIdentity(2),
    ...                                wb.linalg.LinearOperatorDiag([1.0, 2.0, 3.0]))
    >>> d.event_shape, d.variance().numpy()[0].tolist()
    (TensorShape([2, 3]), [1.0, 4.0, 9.0])
    """

    _param_event_ndims = {"loc": 2}

    def __init__(self, loc, scale_row, scale_column, validate_args=False, allow_nan_stats=True,
                 name="MatrixNormalLinearOperator"):
        parameters = dict(locals())
        self._init_matrix(loc, scale_row, scale_column, {}, validate_args, allow_nan_stats, parameters, name)

    def _log_prob(self, x):
        z = self._whiten(x)
        return (-0.5 * wb.reduce_sum(wb.square(z), axis=[-2, -1]) - self._log_abs_det()
                - 0.5 * self._size() * _LOG_TWO_PI)

    def _sample_n(self, n, seed):
        # TFP's draw: the MVN of vec(X), unstacked
        mvn = MultivariateNormalLinearOperator(loc=self._vec(self._loc), scale=self._vector_scale())
        return self._unvec(mvn.sample(n, seed=seed))

    def _mean(self):
        return self._broadcast_loc()

    def _mode(self):
        return self._broadcast_loc()

    def _variance(self):
        return self._matrix_normal_variance()

    def _entropy(self):
        return 0.5 * self._size() * (1.0 + _LOG_TWO_PI) + self._log_abs_det()


@RegisterKL(MatrixNormalLinearOperator, MatrixNormalLinearOperator)
def _kl_matrix_normal_matrix_normal(a, b, name=None):
    if a.event_shape != b.event_shape:
        raise ValueError(f"kl_divergence(MatrixNormalLinearOperator, MatrixNormalLinearOperator): event shapes "
                         f"{list(a.event_shape)} and {list(b.event_shape)} differ")
    # tr((Vb kron Ub)^-1 (Va kron Ua)) = |Ab^-1 Aa|_F^2 |Bb^-1 Ba|_F^2
    row = wb.reduce_sum(wb.square(b.scale_row.solve(a.scale_row.to_dense())), axis=[-2, -1])
    column = wb.reduce_sum(wb.square(b.scale_column.solve(a.scale_column.to_dense())), axis=[-2, -1])
    mahalanobis = wb.reduce_sum(wb.square(b._whiten(a.loc)), axis=[-2, -1])
    return 0.5 * (row * column + mahalanobis - a._size()) + b._log_abs_det() - a._log_abs_det()
