"""``LinearOperatorTridiag``: square tridiagonal matrices given by their three diagonals."""

from __future__ import annotations

import numpy as np

from .. import linalg as _la
from ..elementwise import where
from ..indexing import gather
from ..shape import reshape, stack
from .base import LinearOperator, _t, _tensor_param

_FORMATS = ("compact", "matrix", "sequence")


class LinearOperatorTridiag(LinearOperator):
    """``A``: square tridiagonal matrices ``[..., N, N]`` (TF's ``tf.linalg.LinearOperatorTridiag``).

    ``diagonals_format``:

    * ``'compact'``: ``diagonals`` ``[..., 3, N]``: the superdiagonal (its last entry unused), the
      diagonal, the subdiagonal (its first entry unused);
    * ``'sequence'``: the same three as a list ``[superdiag, diag, subdiag]`` of ``[..., N]``;
    * ``'matrix'``: ``[..., N, N]``, of which only the tridiagonal band is read.

    Products, solves and determinants work on the dense matrix (differentiable in ``diagonals``).

    >>> op = wb.linalg.LinearOperatorTridiag([[3.0, 4.0, 5.0], [1.0, -1.0, 2.0], [6.0, 7.0, 8.0]],
    ...                                      diagonals_format="sequence")
    >>> op.to_dense().numpy()
    array([[ 1.,  3.,  0.],
           [ 7., -1.,  4.],
           [ 0.,  8.,  2.]], dtype=float32)
    """

    _param_ndims = {"diagonals": 2}

    def __init__(self, diagonals, diagonals_format="compact", is_non_singular=None, is_self_adjoint=None,
                 is_positive_definite=None, is_square=None, name="LinearOperatorTridiag"):
        owner = "LinearOperatorTridiag"
        if diagonals_format not in _FORMATS:
            raise ValueError(f"{owner}: diagonals_format must be one of {list(_FORMATS)}, got "
                             f"{diagonals_format!r}")
        if diagonals_format == "sequence":
            if not isinstance(diagonals, (list, tuple)) or len(diagonals) != 3:
                raise ValueError(f"{owner}: with diagonals_format='sequence', diagonals must be a list "
                                 f"of 3 tensors [superdiag, diag, subdiag], got {diagonals!r}")
            parts = [_tensor_param(d, "diagonals", owner, 1) for d in diagonals]
            dtype = parts[1].dtype
            parts = [_tensor_param(d, "diagonals", owner, 1, dtype=dtype) for d in parts]
            diagonals, diagonals_format = stack([_t(p) for p in parts], axis=-2), "compact"
        self._diagonals = _tensor_param(diagonals, "diagonals", owner, 2)
        self._format = diagonals_format
        shape = tuple(self._diagonals.shape)
        if diagonals_format == "compact" and shape[-2] != 3:
            raise ValueError(f"{owner}: with diagonals_format='compact', diagonals must have shape "
                             f"[..., 3, N], got {list(shape)}")
        if diagonals_format == "matrix" and shape[-1] != shape[-2]:
            raise ValueError(f"{owner}: with diagonals_format='matrix', diagonals must be square "
                             f"[..., N, N], got {list(shape)}")
        if is_square is False:
            raise ValueError(f"{owner}: a tridiagonal operator is always square (is_square=False)")
        parameters = {"diagonals": self._diagonals, "diagonals_format": self._format,
                      "is_non_singular": is_non_singular, "is_self_adjoint": is_self_adjoint,
                      "is_positive_definite": is_positive_definite, "is_square": is_square, "name": name}
        super().__init__(self._diagonals.dtype, is_non_singular, is_self_adjoint, is_positive_definite,
                         True, name, parameters)

    @property
    def diagonals(self):
        return self._diagonals

    @property
    def diagonals_format(self):
        return self._format

    def _matrix_shape(self):
        n = self._diagonals.shape[-1]
        return (n, n)

    def _dense(self):
        d = _t(self._diagonals)
        if self._format == "matrix":
            return _la.band_part(d, 1, 1)
        n = d.shape[-1]
        rows, cols = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
        offset = cols - rows                  # +1: superdiagonal, 0: diagonal, -1: subdiagonal
        inside = np.abs(offset) <= 1
        # A[i, i + 1] = superdiag[i], A[i, i] = diag[i], A[i, i - 1] = subdiag[i]: row (1 - offset)
        index = np.where(inside, (1 - offset) * n + rows, 0).astype(np.int64)
        flat = reshape(d, tuple(d.shape[:-2]) + (3 * n,))
        dense = gather(flat, index, axis=-1)
        return where(np.broadcast_to(inside, dense.shape), dense, np.zeros((), d.dtype))

    def _matmul(self, x, adjoint=False, adjoint_arg=False):
        return _la.matmul(self._dense(), x, adjoint_a=adjoint, adjoint_b=adjoint_arg)

    def _to_dense(self):
        return self._dense()

    def _diag_part(self):
        d = _t(self._diagonals)
        return _la.diag_part(d) if self._format == "matrix" else d[..., 1, :]
