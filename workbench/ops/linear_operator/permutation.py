"""``LinearOperatorPermutation``: the permutation matrices of index vectors (TF's
``tf.linalg.LinearOperatorPermutation``)."""

from __future__ import annotations

import numpy as np

from ...core import Tensor, convert_to_tensor
from ..create import zeros
from ..elementwise import cast, equal
from ..indexing import gather
from ..shape import broadcast_to
from .base import _FLOATS, LinearOperator, _broadcast_shapes, _mt


class LinearOperatorPermutation(LinearOperator):
    """``A[i, perm[i]] = 1``, zeros elsewhere: ``A @ x`` is ``x[perm]``, ``A^T`` is the inverse
    permutation and also ``A^{-1}``; ``det A`` is the permutation's sign. ``perm``: integers
    ``[..., N]``, each row a permutation of ``0..N-1``. Nothing to differentiate but the
    argument of a product or solve.

    >>> op = wb.linalg.LinearOperatorPermutation([2, 0, 1])
    >>> op.matvec([10.0, 20.0, 30.0]).numpy(), float(op.determinant())
    (array([30., 10., 20.], dtype=float32), 1.0)
    """

    _param_ndims = {"perm": 1}

    def __init__(self, perm, dtype=np.float32, is_non_singular=None, is_self_adjoint=None,
                 is_positive_definite=None, is_square=None, name="LinearOperatorPermutation"):
        parameters = dict(locals())
        owner = "LinearOperatorPermutation"
        value = perm.numpy() if isinstance(perm, Tensor) else perm
        arr = np.asarray(value)
        if arr.ndim < 1 or (arr.size and arr.dtype.kind not in "iu"):
            raise TypeError(f"{owner}: argument `perm` must be integers [..., N], got {arr.dtype} of "
                            f"shape {arr.shape}")
        n = arr.shape[-1]
        if not (np.sort(arr, axis=-1) == np.arange(n)).all():
            raise ValueError(f"{owner}: each row of `perm` must hold every index 0..{n - 1} once, got "
                             f"{arr.tolist()}")
        self._perm = arr.astype(np.int64)
        dt = np.dtype(dtype)
        if dt not in _FLOATS:
            raise TypeError(f"{owner}: argument `dtype` must be a floating dtype, got {dt}")
        if is_non_singular is False:
            raise ValueError(f"{owner}: a permutation matrix is always non-singular "
                             "(is_non_singular=False was given)")
        if is_square is False:
            raise ValueError(f"{owner}: a permutation matrix is always square (is_square=False was given)")
        parameters["perm"] = self._perm
        super().__init__(dt, is_non_singular, is_self_adjoint, is_positive_definite, True, name, parameters)

    @property
    def perm(self):
        return convert_to_tensor(self._perm)

    def _matrix_shape(self):
        n = self._perm.shape[-1]
        return (n, n)

    def _batch_shape(self):
        return self._perm.shape[:-1]

    def _rows(self, x, index):
        batch = _broadcast_shapes(tuple(x.shape[:-2]), index.shape[:-1], what="operator and argument")
        if tuple(x.shape[:-2]) != batch:
            x = broadcast_to(x, batch + tuple(x.shape[-2:]))
        return gather(x, np.broadcast_to(index, batch + index.shape[-1:]), axis=-2, batch_dims=len(batch))

    def _inverse_perm(self):
        return np.argsort(self._perm, axis=-1)

    def _matmul(self, x, adjoint=False, adjoint_arg=False):
        x = _mt(x) if adjoint_arg else x
        return self._rows(x, self._inverse_perm() if adjoint else self._perm)

    def _solve(self, rhs, adjoint=False, adjoint_arg=False):
        return self._matmul(rhs, adjoint=not adjoint, adjoint_arg=adjoint_arg)

    def _to_dense(self):
        n = self._perm.shape[-1]
        return convert_to_tensor((self._perm[..., None] == np.arange(n)).astype(self._dtype))

    def _diag_part(self):
        return cast(equal(convert_to_tensor(self._perm), convert_to_tensor(np.arange(self._perm.shape[-1]))),
                    self._dtype)

    def _determinant(self):
        flat = self._perm.reshape(-1, self._perm.shape[-1])
        signs = np.empty(flat.shape[0], self._dtype)
        for i, p in enumerate(flat):
            seen, parity = np.zeros(p.size, bool), 0
            for start in range(p.size):      # a cycle of length L takes L - 1 swaps
                length = 0
                while not seen[start]:
                    seen[start] = True
                    start = p[start]
                    length += 1
                parity += max(length - 1, 0)
            signs[i] = -1.0 if parity % 2 else 1.0
        return convert_to_tensor(signs.reshape(self._perm.shape[:-1]))

    def _log_abs_determinant(self):
        return zeros(self._perm.shape[:-1], dtype=self._dtype)
