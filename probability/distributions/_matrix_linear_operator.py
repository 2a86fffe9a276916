"""What MatrixNormalLinearOperator and MatrixTLinearOperator share: ``loc`` ``[..., n, p]`` with a row
scale ``A`` ``[..., n, n]`` and a column scale ``B`` ``[..., p, p]`` (``wb.linalg.LinearOperator``s), the
covariance of ``vec(X)`` being ``(B B^T) kron (A A^T)``.
"""

from __future__ import annotations

import workbench as wb

from .. import internal
from .distribution import FULLY_REPARAMETERIZED, Distribution, _batch_key
from .mvn_linear_operator import check_scale, diagonal_variance, slice_scale


class MatrixLinearOperatorBase(Distribution):
    """Base of the matrix families (not built directly)."""

    def _init_matrix(self, loc, scale_row, scale_column, extra, validate_args, allow_nan_stats, parameters, name):
        owner = type(self).__name__
        self._scale_row = _check(scale_row, "scale_row", owner)
        self._scale_column = _check(scale_column, "scale_column", owner)
        if self._scale_row.dtype != self._scale_column.dtype:
            raise TypeError(f"{owner}: `scale_row` has dtype {self._scale_row.dtype} and `scale_column` "
                            f"{self._scale_column.dtype}; they must agree")
        dtype = self._scale_row.dtype
        if loc is None:
            raise ValueError(f"{owner}: missing required argument `loc` ([..., n, p])")
        self._loc = internal.as_param(loc, "loc", dtype, owner)
        n, p = self._scale_row.range_dimension, self._scale_column.range_dimension
        if self._loc.ndim < 2 or tuple(self._loc.shape[-2:]) != (n, p):
            raise ValueError(f"{owner}: argument `loc` must be [..., n, p] with n = {n} (the size of `scale_row`) "
                             f"and p = {p} (the size of `scale_column`), got shape {list(self._loc.shape)}")
        self._n, self._p = int(n), int(p)
        for key, value in extra.items():
            setattr(self, f"_{key}", internal.as_param(value, key, dtype, owner))
        super().__init__(dtype, FULLY_REPARAMETERIZED, validate_args, allow_nan_stats, parameters, name)
        self._batch_shape()   # the parameters must broadcast: fail here, naming their shapes

    @property
    def loc(self):
        return self._loc

    @property
    def scale_row(self):
        """The row scale ``LinearOperator`` ``A`` (row covariance ``A A^T``)."""
        return self._scale_row

    @property
    def scale_column(self):
        """The column scale ``LinearOperator`` ``B`` (column covariance ``B B^T``)."""
        return self._scale_column

    def _batch_shape(self):
        shapes = [tuple(self._loc.shape[:-2]), tuple(self._scale_row.batch_shape),
                  tuple(self._scale_column.batch_shape)]
        shapes += [tuple(getattr(self, k).shape) for k, nd in self._param_event_ndims.items() if nd == 0]
        return internal.broadcast_shapes(*shapes)

    def _event_shape(self):
        return (self._n, self._p)

    def _size(self):
        return self._n * self._p

    def _whiten(self, x):
        """``A^{-1} (x - loc) B^{-T}``."""
        w = self._scale_row.solve(x - self._loc)
        return wb.linalg.matrix_transpose(self._scale_column.solve(wb.linalg.matrix_transpose(w)))

    def _log_abs_det(self):
        """``log|det(B kron A)| = p log|det A| + n log|det B|``."""
        return (self._p * self._scale_row.log_abs_determinant()
                + self._n * self._scale_column.log_abs_determinant())

    _sample_n_takes_any_seed = True   # TFP's flow: the vector family's draw, an int seed included

    def _vec(self, x):
        """``x`` ``[..., n, p]`` flattened row by row, ``[..., n p]`` (TFP's ``vec``)."""
        return wb.reshape(x, tuple(x.shape[:-2]) + (self._n * self._p,))

    def _unvec(self, v):
        """The inverse of ``_vec``."""
        return wb.reshape(v, tuple(v.shape[:-1]) + (self._n, self._p))

    def _vector_scale(self):
        """The scale of ``vec(X)`` as TFP builds it, ``LinearOperatorKronecker([A, B])``."""
        return wb.linalg.LinearOperatorKronecker([self._scale_row, self._scale_column])

    def _matrix_normal_variance(self):
        """``diag(A A^T)_i diag(B B^T)_j``, ``[..., n, p]``."""
        return wb.expand_dims(_row_variance(self._scale_row), -1) * wb.expand_dims(_row_variance(self._scale_column),
                                                                                   -2)

    def _broadcast_loc(self):
        return wb.broadcast_to(self._loc, tuple(self.batch_shape) + (self._n, self._p))

    def __getitem__(self, slices):
        if not isinstance(slices, tuple):
            slices = (slices,)
        batch = tuple(self.batch_shape)
        new = {"loc": self._broadcast_loc()[_batch_key(slices, len(batch), 2)],
               "scale_row": slice_scale(self._scale_row, slices, batch),
               "scale_column": slice_scale(self._scale_column, slices, batch)}
        for key, nd in self._param_event_ndims.items():
            if nd == 0:
                new[key] = wb.broadcast_to(getattr(self, key), batch)[_batch_key(slices, len(batch), 0)]
        return self.copy(**new)


def _check(scale, name, owner):
    if scale is None:
        raise ValueError(f"{owner}: missing required argument `{name}` (a wb.linalg.LinearOperator)")
    if not isinstance(scale, wb.linalg.LinearOperator):
        raise TypeError(f"{owner}: argument `{name}` must be a wb.linalg.LinearOperator, got {type(scale).__name__}")
    return check_scale(scale, owner)


def _row_variance(scale):
    """``diag(S S^T)``: squared diagonal for a diagonal operator, row sums of squares otherwise."""
    var = diagonal_variance(scale)
    return wb.reduce_sum(wb.square(scale.to_dense()), axis=-1) if var is None else var
