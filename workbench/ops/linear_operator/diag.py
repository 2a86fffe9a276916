"""Diagonal operators: ``LinearOperatorDiag``, ``LinearOperatorIdentity``,
``LinearOperatorScaledIdentity``."""

from __future__ import annotations

import numpy as np

from ...core import Tensor
from ...errors import InvalidArgumentError
from .. import linalg as _la
from ..create import eye, ones, zeros
from ..elementwise import abs as _abs, log, reciprocal, sqrt
from ..reduce import reduce_max, reduce_min, reduce_prod, reduce_sum
from ..shape import broadcast_to, expand_dims, squeeze
from .base import _FLOATS, LinearOperator, _batch_key, _broadcast_shapes, _mt, _t, _tensor_param


class LinearOperatorDiag(LinearOperator):
    """``A = diag(diag)``: ``diag`` ``[..., N]`` gives a batch of ``[N, N]`` diagonal matrices.

    Products and solves are elementwise, ``log|det| = sum(log|diag|)``; the inverse, the
    Cholesky factor and products with other diagonal operators are diagonal operators again.
    A real diagonal operator is always self-adjoint.

    >>> op = wb.linalg.LinearOperatorDiag([[1.0, -1.0], [2.0, 3.0]])
    >>> op.shape, op.to_dense().shape
    (TensorShape([2, 2, 2]), TensorShape([2, 2, 2]))
    """

    _param_ndims = {"diag": 1}

    def __init__(self, diag, is_non_singular=None, is_self_adjoint=None, is_positive_definite=None,
                 is_square=True, name="LinearOperatorDiag"):
        parameters = dict(locals())
        self._diag = _tensor_param(diag, "diag", "LinearOperatorDiag", 1)
        parameters["diag"] = self._diag
        if is_square is False:
            raise ValueError("LinearOperatorDiag: only square diagonal operators are supported (is_square=False)")
        if is_self_adjoint is False:
            raise ValueError("LinearOperatorDiag: a real diagonal operator is always self-adjoint "
                             "(is_self_adjoint=False)")
        super().__init__(self._diag.dtype, is_non_singular, True, is_positive_definite, True,
                         name, parameters)

    @property
    def diag(self):
        return self._diag

    def _matrix_shape(self):
        n = self._diag.shape[-1]
        return (n, n)

    def _matmul(self, x, adjoint=False, adjoint_arg=False):
        x = _mt(x) if adjoint_arg else x
        return expand_dims(_t(self._diag), -1) * x

    def _matvec(self, x, adjoint=False):
        return _t(self._diag) * x

    def _solve(self, rhs, adjoint=False, adjoint_arg=False):
        rhs = _mt(rhs) if adjoint_arg else rhs
        return rhs / expand_dims(_t(self._diag), -1)

    def _solvevec(self, rhs, adjoint=False):
        return rhs / _t(self._diag)

    def _to_dense(self):
        return _la.diag(_t(self._diag))

    def _diag_part(self):
        return _t(self._diag)

    def _add_to_tensor(self, x):
        return _la.set_diag(x, _la.diag_part(x) + _t(self._diag))

    def _determinant(self):
        return reduce_prod(_t(self._diag), axis=-1)

    def _log_abs_determinant(self):
        return reduce_sum(log(_abs(_t(self._diag))), axis=-1)

    def _cholesky(self):
        return LinearOperatorDiag(sqrt(_t(self._diag)), is_non_singular=True, is_self_adjoint=True,
                                  is_positive_definite=True, is_square=True)

    def _inverse(self):
        return LinearOperatorDiag(reciprocal(_t(self._diag)), is_non_singular=self.is_non_singular,
                                  is_positive_definite=self.is_positive_definite)

    def _eigvals(self):
        return _t(self._diag)

    def _cond(self):
        a = _abs(_t(self._diag))
        return reduce_max(a, axis=-1) / reduce_min(a, axis=-1)

    def _assert_non_singular(self):
        if np.any(self._diag_np() == 0):
            raise InvalidArgumentError("LinearOperatorDiag: the operator is singular (a zero on the diagonal)")

    def _assert_positive_definite(self):
        if np.any(self._diag_np() <= 0):
            raise InvalidArgumentError("LinearOperatorDiag: the operator is not positive definite (a diagonal "
                                       "entry <= 0)")

    def _assert_self_adjoint(self):
        pass   # real and diagonal

    def _diag_np(self):
        return np.asarray(_t(self._diag).numpy())


def _num_rows(num_rows, owner):
    value = num_rows.numpy() if isinstance(num_rows, Tensor) else num_rows
    arr = np.asarray(value)
    if arr.ndim != 0 or arr.dtype.kind not in "iu":
        raise TypeError(f"{owner}: argument `num_rows` must be a scalar integer, got {num_rows!r}")
    if int(arr) < 0:
        raise ValueError(f"{owner}: argument `num_rows` must be non-negative, got {int(arr)}")
    return int(arr)


def _batch_shape_arg(batch_shape, owner):
    """``batch_shape`` (None, or a list / 1-D tensor of non-negative ints) as a tuple or None."""
    if batch_shape is None:
        return None
    value = batch_shape.numpy() if isinstance(batch_shape, Tensor) else batch_shape
    arr = np.asarray(value)
    if arr.ndim != 1 or (arr.size and arr.dtype.kind not in "iu") or np.any(arr < 0):
        raise ValueError(f"{owner}: argument `batch_shape` must be a list of non-negative ints, "
                         f"got {batch_shape!r}")
    return tuple(int(b) for b in arr)


class LinearOperatorIdentity(LinearOperator):
    """``A = I``: ``num_rows x num_rows`` identity matrices, optionally a batch of them.

    ``batch_shape`` (a list of ints) gives the batch; ``matmul`` and ``solve`` return their
    argument (broadcast against that batch). No parameters, so nothing to differentiate.

    >>> op = wb.linalg.LinearOperatorIdentity(3, batch_shape=[2], dtype=wb.float64)
    >>> op.shape, float(op.log_abs_determinant()[0])
    (TensorShape([2, 3, 3]), 0.0)
    """

    def __init__(self, num_rows, batch_shape=None, dtype=None, is_non_singular=True, is_self_adjoint=True,
                 is_positive_definite=True, is_square=True, assert_proper_shapes=False,
                 name="LinearOperatorIdentity"):
        parameters = dict(locals())
        owner = "LinearOperatorIdentity"
        self._num_rows = _num_rows(num_rows, owner)
        batch_shape = _batch_shape_arg(batch_shape, owner)
        self._batch_shape_arg = batch_shape
        parameters["batch_shape"] = batch_shape
        dtype = np.dtype(np.float32 if dtype is None else dtype)
        if dtype not in _FLOATS:
            raise TypeError(f"{owner}: argument `dtype` must be a floating dtype, got {dtype}")
        for flag, value in (("non-singular", is_non_singular), ("self-adjoint", is_self_adjoint),
                            ("positive definite", is_positive_definite), ("square", is_square)):
            if not value:
                raise ValueError(f"{owner}: an identity operator is always {flag} (its hint was {value})")
        super().__init__(dtype, True, True, True, True, name, parameters)

    def _matrix_shape(self):
        return (self._num_rows, self._num_rows)

    def _batch_shape(self):
        return self._batch_shape_arg or ()

    def _with_batch(self, x):
        if not self._batch_shape_arg:
            return x
        batch = _broadcast_shapes(tuple(x.shape[:-2]), self._batch_shape_arg, what="operator and argument")
        return x if tuple(x.shape[:-2]) == batch else broadcast_to(x, batch + tuple(x.shape[-2:]))

    def _matmul(self, x, adjoint=False, adjoint_arg=False):
        return self._with_batch(_mt(x) if adjoint_arg else x)

    def _matvec(self, x, adjoint=False):
        return squeeze(self._with_batch(expand_dims(x, -1)), axis=-1)

    _solve = _matmul
    _solvevec = _matvec

    def _to_dense(self):
        return eye(self._num_rows, batch_shape=self._batch_shape_arg or None, dtype=self._dtype)

    def _diag_part(self):
        return ones(tuple(self.batch_shape) + (self._num_rows,), dtype=self._dtype)

    def _add_to_tensor(self, x):
        return self._with_batch(_la.set_diag(x, _la.diag_part(x) + 1.0))

    def _determinant(self):
        return ones(tuple(self.batch_shape), dtype=self._dtype)

    def _log_abs_determinant(self):
        return zeros(tuple(self.batch_shape), dtype=self._dtype)

    def _cholesky(self):
        return self

    def _inverse(self):
        return self

    def _broadcast_batch_shape(self, batch):
        if tuple(self.batch_shape) == tuple(batch):
            return self
        return LinearOperatorIdentity(self._num_rows, batch_shape=list(batch), dtype=self._dtype, name=self._name)

    def __getitem__(self, slices):
        if not isinstance(slices, tuple):
            slices = (slices,)
        batch = tuple(self.batch_shape)
        new = np.empty(batch, dtype=bool)[_batch_key(slices, len(batch), 0)].shape
        return LinearOperatorIdentity(self._num_rows, batch_shape=list(new), dtype=self._dtype, name=self._name)


class LinearOperatorScaledIdentity(LinearOperator):
    """``A = multiplier * I``: ``multiplier`` ``[...]`` scales ``num_rows x num_rows`` identities.

    ``log|det| = num_rows * log|multiplier|``; the inverse and the Cholesky factor are scaled
    identities again.

    >>> op = wb.linalg.LinearOperatorScaledIdentity(3, [2.0, 0.5])
    >>> op.shape, op.determinant().numpy()
    (TensorShape([2, 3, 3]), array([8.   , 0.125], dtype=float32))
    """

    _param_ndims = {"multiplier": 0}

    def __init__(self, num_rows, multiplier, is_non_singular=None, is_self_adjoint=None,
                 is_positive_definite=None, is_square=True, assert_proper_shapes=False,
                 name="LinearOperatorScaledIdentity"):
        parameters = dict(locals())
        owner = "LinearOperatorScaledIdentity"
        self._num_rows = _num_rows(num_rows, owner)
        self._multiplier = _tensor_param(multiplier, "multiplier", owner, 0)
        parameters["multiplier"] = self._multiplier
        if is_square is False:
            raise ValueError(f"{owner}: a scaled identity operator is always square (is_square=False)")
        if is_self_adjoint is False:
            raise ValueError(f"{owner}: a real scaled identity operator is always self-adjoint "
                             "(is_self_adjoint=False)")
        super().__init__(self._multiplier.dtype, is_non_singular, True, is_positive_definite, True,
                         name, parameters)

    @property
    def multiplier(self):
        return self._multiplier

    def _matrix_shape(self):
        return (self._num_rows, self._num_rows)

    def _m(self, extra):
        m = _t(self._multiplier)
        for _ in range(extra):
            m = expand_dims(m, -1)
        return m

    def _matmul(self, x, adjoint=False, adjoint_arg=False):
        return (_mt(x) if adjoint_arg else x) * self._m(2)

    def _matvec(self, x, adjoint=False):
        return x * self._m(1)

    def _solve(self, rhs, adjoint=False, adjoint_arg=False):
        return (_mt(rhs) if adjoint_arg else rhs) / self._m(2)

    def _solvevec(self, rhs, adjoint=False):
        return rhs / self._m(1)

    def _to_dense(self):
        return eye(self._num_rows, dtype=self._dtype) * self._m(2)

    def _diag_part(self):
        return ones((self._num_rows,), dtype=self._dtype) * self._m(1)

    def _add_to_tensor(self, x):
        return x + self._to_dense()

    def _determinant(self):
        return _t(self._multiplier) ** float(self._num_rows)

    def _log_abs_determinant(self):
        return float(self._num_rows) * log(_abs(_t(self._multiplier)))

    def _cholesky(self):
        return LinearOperatorScaledIdentity(self._num_rows, sqrt(_t(self._multiplier)), is_non_singular=True,
                                            is_self_adjoint=True, is_positive_definite=True)

    def _inverse(self):
        return LinearOperatorScaledIdentity(self._num_rows, reciprocal(_t(self._multiplier)),
                                            is_non_singular=self.is_non_singular,
                                            is_positive_definite=self.is_positive_definite)
