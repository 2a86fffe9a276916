"""``LinearOperatorToeplitz`` (constant diagonals from a first column and row) and
``LinearOperatorHouseholder`` (the reflection through the hyperplane orthogonal to a vector)."""

from __future__ import annotations

import numpy as np

from .. import linalg as _la
from ..elementwise import sqrt
from ..indexing import gather
from ..reduce import reduce_sum
from ..create import eye
from ..shape import broadcast_to, concat, expand_dims
from .base import LinearOperator, _t, _tensor_param


class LinearOperatorToeplitz(LinearOperator):
    """``A[i, j] = col[i - j]`` below and on the diagonal, ``row[j - i]`` above it: a square
    ``[..., N, N]`` Toeplitz matrix (TF's ``tf.linalg.LinearOperatorToeplitz``; ``row[0]`` is
    not read, the diagonal is ``col[0]``). Products, solves and determinants work on the dense
    matrix (differentiable in ``col`` and ``row``).

    >>> wb.linalg.LinearOperatorToeplitz(col=[1.0, 2.0, 3.0], row=[9.0, 4.0, 5.0]).to_dense().numpy()
    array([[1., 4., 5.],
           [2., 1., 4.],
           [3., 2., 1.]], dtype=float32)
    """

    _param_ndims = {"col": 1, "row": 1}

    def __init__(self, col, row, is_non_singular=None, is_self_adjoint=None, is_positive_definite=None,
                 is_square=None, name="LinearOperatorToeplitz"):
        owner = "LinearOperatorToeplitz"
        self._col = _tensor_param(col, "col", owner, 1)
        self._row = _tensor_param(row, "row", owner, 1, dtype=self._col.dtype)
        if self._col.shape[-1] != self._row.shape[-1]:
            raise ValueError(f"{owner}: col and row must have the same last dimension, got "
                             f"{list(self._col.shape)} and {list(self._row.shape)}")
        if is_square is False:
            raise ValueError(f"{owner}: a Toeplitz operator is always square (is_square=False)")
        parameters = {"col": self._col, "row": self._row, "is_non_singular": is_non_singular,
                      "is_self_adjoint": is_self_adjoint, "is_positive_definite": is_positive_definite,
                      "is_square": is_square, "name": name}
        super().__init__(self._col.dtype, is_non_singular, is_self_adjoint, is_positive_definite, True, name,
                         parameters)

    @property
    def col(self):
        return self._col

    @property
    def row(self):
        return self._row

    def _matrix_shape(self):
        n = self._col.shape[-1]
        return (n, n)

    def _dense(self):
        n = self._col.shape[-1]
        # entries [col[n-1], ..., col[1], col[0], row[1], ..., row[n-1]]: A[i, j] = entry[n - 1 + j - i]
        col, row = _t(self._col), _t(self._row)
        col, row = _broadcast_pair(col, row)
        entries = concat([gather(col, np.arange(n - 1, 0, -1), axis=-1), row[..., :1] * 0 + col[..., :1],
                          row[..., 1:]], axis=-1)
        i, j = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
        return gather(entries, (n - 1 + j - i).astype(np.int64), axis=-1)

    def _matmul(self, x, adjoint=False, adjoint_arg=False):
        return _la.matmul(self._dense(), x, adjoint_a=adjoint, adjoint_b=adjoint_arg)

    def _to_dense(self):
        return self._dense()


def _broadcast_pair(a, b):
    shape = np.broadcast_shapes(tuple(a.shape[:-1]), tuple(b.shape[:-1]))
    return (broadcast_to(a, shape + tuple(a.shape[-1:])), broadcast_to(b, shape + tuple(b.shape[-1:])))


class LinearOperatorHouseholder(LinearOperator):
    """``A = I - 2 v v^T / (v^T v)`` for ``v = reflection_axis`` ``[..., N]``: the reflection
    through the hyperplane orthogonal to ``v`` (TF's ``tf.linalg.LinearOperatorHouseholder``).
    Self-adjoint, orthogonal and its own inverse; determinant -1. Products cost ``O(N)`` per
    column; no dense matrix is made except by ``to_dense``.

    >>> op = wb.linalg.LinearOperatorHouseholder([0.0, 1.0])
    >>> op.matvec([3.0, 4.0]).numpy()
    array([ 3., -4.], dtype=float32)
    """

    _param_ndims = {"reflection_axis": 1}

    def __init__(self, reflection_axis, is_non_singular=None, is_self_adjoint=None, is_positive_definite=None,
                 is_square=None, name="LinearOperatorHouseholder"):
        owner = "LinearOperatorHouseholder"
        self._axis = _tensor_param(reflection_axis, "reflection_axis", owner, 1)
        if is_self_adjoint is False:
            raise ValueError("A Householder operator is always self adjoint.")
        if is_non_singular is False:
            raise ValueError("A Householder operator is always non-singular.")
        if is_positive_definite is True:
            raise ValueError("A Householder operator is always non-positive definite.")
        if is_square is False:
            raise ValueError("A Householder operator is always square.")
        parameters = {"reflection_axis": self._axis, "is_non_singular": is_non_singular,
                      "is_self_adjoint": is_self_adjoint, "is_positive_definite": is_positive_definite,
                      "is_square": is_square, "name": name}
        super().__init__(self._axis.dtype, is_non_singular, True, False, True, name, parameters)

    @property
    def reflection_axis(self):
        return self._axis

    def _matrix_shape(self):
        n = self._axis.shape[-1]
        return (n, n)

    def _unit(self):
        v = _t(self._axis)
        return v / sqrt(reduce_sum(v * v, axis=-1, keepdims=True))

    def _matmul(self, x, adjoint=False, adjoint_arg=False):
        x = _la.matrix_transpose(x) if adjoint_arg else x
        u = expand_dims(self._unit(), -1)                       # [..., N, 1]
        return x - 2.0 * u * reduce_sum(u * x, axis=-2, keepdims=True)

    def _to_dense(self):
        u = self._unit()
        return eye(u.shape[-1], dtype=u.dtype) - 2.0 * expand_dims(u, -1) * expand_dims(u, -2)

    def _determinant(self):
        return -1.0 + 0.0 * reduce_sum(_t(self._axis), axis=-1)

    def _log_abs_determinant(self):
        return 0.0 * reduce_sum(_t(self._axis), axis=-1)

    def _solve(self, rhs, adjoint=False, adjoint_arg=False):
        return self._matmul(rhs, adjoint, adjoint_arg)

    def _inverse(self):
        return self

    def _eigvals(self):
        n = self._axis.shape[-1]
        ones = 1.0 + 0.0 * _t(self._axis)
        return concat([-ones[..., :1], ones[..., 1:n]], axis=-1)
