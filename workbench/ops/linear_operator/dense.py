"""Operators given by a matrix: ``LinearOperatorLowerTriangular``, ``LinearOperatorFullMatrix``."""

from __future__ import annotations

import numpy as np

from ...errors import InvalidArgumentError
from .. import linalg as _la
from ..elementwise import abs as _abs, log
from ..reduce import reduce_prod, reduce_sum
from ..shape import broadcast_to
from .base import LinearOperator, _broadcast_shapes, _mt, _t, _tensor_param


class LinearOperatorLowerTriangular(LinearOperator):
    """``A = tril``: square lower-triangular matrices ``[..., N, N]``; only the lower triangle
    of ``tril`` is read (the rest is ignored, as in TF).

    Solves are triangular substitutions and ``log|det| = sum(log|diag(tril)|)``.

    >>> op = wb.linalg.LinearOperatorLowerTriangular([[2.0, 9.0], [1.0, 1.0]])
    >>> op.to_dense().numpy()
    array([[2., 0.],
           [1., 1.]], dtype=float32)
    """

    _param_ndims = {"tril": 2}

    def __init__(self, tril, is_non_singular=None, is_self_adjoint=None, is_positive_definite=None,
                 is_square=None, name="LinearOperatorLowerTriangular"):
        parameters = dict(locals())
        owner = "LinearOperatorLowerTriangular"
        self._tril = _tensor_param(tril, "tril", owner, 2)
        parameters["tril"] = self._tril
        if self._tril.shape[-1] != self._tril.shape[-2]:
            raise ValueError(f"{owner}: argument `tril` must be square in its last two dimensions "
                             f"([..., N, N]), got shape {list(self._tril.shape)}")
        if is_square is False:
            raise ValueError(f"{owner}: only square lower-triangular operators are supported (is_square=False)")
        super().__init__(self._tril.dtype, is_non_singular, is_self_adjoint, is_positive_definite, True,
                         name, parameters)

    @property
    def tril(self):
        return self._tril

    def _matrix_shape(self):
        return tuple(self._tril.shape[-2:])

    def _get_tril(self):
        return _la.band_part(_t(self._tril), -1, 0)

    def _matmul(self, x, adjoint=False, adjoint_arg=False):
        return _la.matmul(self._get_tril(), x, adjoint_a=adjoint, adjoint_b=adjoint_arg)

    def _solve(self, rhs, adjoint=False, adjoint_arg=False):
        rhs = _mt(rhs) if adjoint_arg else rhs
        tril = self._get_tril()
        batch = _broadcast_shapes(tuple(tril.shape[:-2]), tuple(rhs.shape[:-2]), what="operator and rhs")
        if tuple(rhs.shape[:-2]) != batch:
            rhs = broadcast_to(rhs, batch + tuple(rhs.shape[-2:]))
        return _la.triangular_solve(tril, rhs, lower=True, adjoint=adjoint)

    def _to_dense(self):
        return self._get_tril()

    def _diag_part(self):
        return _la.diag_part(_t(self._tril))

    def _determinant(self):
        return reduce_prod(self._diag_part(), axis=-1)

    def _log_abs_determinant(self):
        return reduce_sum(log(_abs(self._diag_part())), axis=-1)

    def _eigvals(self):
        return self._diag_part()

    def _assert_non_singular(self):
        if np.any(np.asarray(self._diag_part().numpy()) == 0):
            raise InvalidArgumentError("LinearOperatorLowerTriangular: the operator is singular (a zero on the "
                                       "diagonal)")


class LinearOperatorFullMatrix(LinearOperator):
    """``A = matrix``: a dense ``[..., M, N]`` matrix with no known structure.

    Solves are LU solves, or Cholesky solves when the operator is declared self-adjoint and
    positive definite (which also gives its log-determinant from the Cholesky factor).

    >>> op = wb.linalg.LinearOperatorFullMatrix([[4.0, 1.0], [1.0, 3.0]], is_self_adjoint=True,
    ...                                         is_positive_definite=True)
    >>> op.cholesky().to_dense().shape
    TensorShape([2, 2])
    """

    _param_ndims = {"matrix": 2}

    def __init__(self, matrix, is_non_singular=None, is_self_adjoint=None, is_positive_definite=None,
                 is_square=None, name="LinearOperatorFullMatrix"):
        parameters = dict(locals())
        self._matrix = _tensor_param(matrix, "matrix", "LinearOperatorFullMatrix", 2)
        parameters["matrix"] = self._matrix
        super().__init__(self._matrix.dtype, is_non_singular, is_self_adjoint, is_positive_definite,
                         is_square, name, parameters)

    @property
    def matrix(self):
        return self._matrix

    def _matrix_shape(self):
        return tuple(self._matrix.shape[-2:])

    def _matmul(self, x, adjoint=False, adjoint_arg=False):
        return _la.matmul(_t(self._matrix), x, adjoint_a=adjoint, adjoint_b=adjoint_arg)

    def _matvec(self, x, adjoint=False):
        return _la.matvec(_t(self._matrix), x, adjoint_a=adjoint)

    def _to_dense(self):
        return _t(self._matrix)
