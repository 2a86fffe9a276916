"""MatrixInverseTriL: the inverse of a lower-triangular matrix."""

import numpy as np

import workbench as wb

from .bijector import Bijector

__all__ = ["MatrixInverseTriL"]


class MatrixInverseTriL(Bijector):
    """``y = inv(x)`` for lower-triangular ``x`` (shape ``batch + [n, n]``, nonzero diagonal); the
    inverse is lower triangular too. On the ``n (n + 1) / 2`` free entries
    ``log|det J| = -(n + 1) sum_i log|x_ii|``.

    >>> MatrixInverseTriL().forward(wb.constant([[2.0, 0.0], [1.0, 4.0]])).numpy()
    array([[ 0.5  ,  0.   ],
           [-0.125,  0.25 ]], dtype=float32)
    """

    def __init__(self, validate_args=False, name="matrix_inverse_tril"):
        parameters = dict(locals())
        super().__init__(forward_min_event_ndims=2, validate_args=validate_args, parameters=parameters, name=name)

    def _invert(self, m, what):
        n = m.shape[-1]
        if m.shape[-2] != n:
            raise ValueError(f"MatrixInverseTriL: `{what}` must be square in its last two dims, got shape {m.shape}")
        if self._validate_args:
            d = wb.linalg.diag_part(m).numpy()
            if np.any(d == 0):
                raise ValueError(f"MatrixInverseTriL: `{what}` must have a nonzero diagonal, got {d!r}")
            if np.any(np.triu(m.numpy(), 1) != 0):
                raise ValueError(f"MatrixInverseTriL: `{what}` must be lower triangular")
        eye = wb.eye(n, batch_shape=m.shape[:-2], dtype=m.dtype)
        return wb.linalg.triangular_solve(m, eye, lower=True)

    def _forward(self, x):
        return self._invert(x, "x")

    def _inverse(self, y):
        return self._invert(y, "y")

    def _forward_log_det_jacobian(self, x):
        n = x.shape[-1]
        return -(n + 1.0) * wb.reduce_sum(wb.log(wb.abs(wb.linalg.diag_part(x))), axis=-1)

    def _inverse_log_det_jacobian(self, y):
        n = y.shape[-1]
        return -(n + 1.0) * wb.reduce_sum(wb.log(wb.abs(wb.linalg.diag_part(y))), axis=-1)
