"""``LinearOperatorZeros``: all-zero matrices, optionally a batch of them (TF's
``tf.linalg.LinearOperatorZeros``)."""

from __future__ import annotations

import numpy as np

from ..create import zeros
from ..shape import broadcast_to
from .base import _FLOATS, LinearOperator, _broadcast_shapes, _mt
from .diag import _batch_shape_arg, _num_rows


class LinearOperatorZeros(LinearOperator):
    """``A = 0``: ``num_rows x num_columns`` zero matrices (square by default), with an
    optional ``batch_shape``. Products are zeros of the right shape; ``add_to_tensor`` returns
    its argument; the determinant is 0 and there is no solve (the operator is singular).

    >>> op = wb.linalg.LinearOperatorZeros(2, 3, is_square=False, is_self_adjoint=False)
    >>> op.matvec([1.0, 2.0, 3.0]).numpy()
    array([0., 0.], dtype=float32)
    """

    def __init__(self, num_rows, num_columns=None, batch_shape=None, dtype=None, is_non_singular=False,
                 is_self_adjoint=True, is_positive_definite=False, is_square=True,
                 assert_proper_shapes=False, name="LinearOperatorZeros"):
        parameters = dict(locals())
        owner = "LinearOperatorZeros"
        self._rows = _num_rows(num_rows, owner)
        self._cols = self._rows if num_columns is None else _num_rows(num_columns, owner)
        batch_shape = _batch_shape_arg(batch_shape, owner)
        self._batch = batch_shape or ()
        parameters["batch_shape"] = batch_shape
        dt = np.dtype(np.float32 if dtype is None else dtype)
        if dt not in _FLOATS:
            raise TypeError(f"{owner}: argument `dtype` must be a floating dtype, got {dt}")
        if is_non_singular:
            raise ValueError(f"{owner}: a zero operator is always singular (is_non_singular=True was given)")
        if is_positive_definite:
            raise ValueError(f"{owner}: a zero operator is never positive definite")
        if is_square and self._rows != self._cols:
            raise ValueError(f"{owner}: is_square=True (the default), but num_rows={self._rows} != "
                             f"num_columns={self._cols}: pass is_square=False and is_self_adjoint=False")
        super().__init__(dt, False, is_self_adjoint, False, is_square, name, parameters)

    def _matrix_shape(self):
        return (self._rows, self._cols)

    def _batch_shape(self):
        return self._batch

    def _matmul(self, x, adjoint=False, adjoint_arg=False):
        x = _mt(x) if adjoint_arg else x
        batch = _broadcast_shapes(tuple(x.shape[:-2]), self._batch, what="operator and argument")
        rows = self._cols if adjoint else self._rows
        return zeros(batch + (rows, x.shape[-1]), dtype=self._dtype)

    def _to_dense(self):
        return zeros(self._batch + (self._rows, self._cols), dtype=self._dtype)

    def _diag_part(self):
        return zeros(self._batch + (min(self._rows, self._cols),), dtype=self._dtype)

    def _add_to_tensor(self, x):
        batch = _broadcast_shapes(tuple(x.shape[:-2]), self._batch, what="operator and argument")
        return x if tuple(x.shape[:-2]) == batch else broadcast_to(x, batch + tuple(x.shape[-2:]))

    def _determinant(self):
        return zeros(self._batch, dtype=self._dtype)

    def _log_abs_determinant(self):
        return zeros(self._batch, dtype=self._dtype) - np.inf

    def _broadcast_batch_shape(self, batch):
        if tuple(self.batch_shape) == tuple(batch):
            return self
        params = dict(self._parameters)
        params["batch_shape"] = list(batch)
        return type(self)(**params)
