"""CholeskyToInvCholesky: from the Cholesky factor of a matrix to that of its inverse."""

import math

import workbench as wb

from .. import internal
from .bijector import Bijector

__all__ = ["CholeskyToInvCholesky"]


def _outer_product_fldj(lower):
    """log|det J| of ``L -> L L^T`` on lower-triangular entries: ``n log 2 + sum_i (n - i) log L_ii``."""
    n = lower.shape[-1]
    weights = wb.constant([float(n - i) for i in range(n)], dtype=lower.dtype)
    return n * math.log(2.0) + wb.reduce_sum(weights * wb.log(wb.linalg.diag_part(lower)), axis=-1)


class CholeskyToInvCholesky(Bijector):
    """``Y = cholesky(inverse(X X^T))`` for lower-triangular ``X`` with a positive diagonal.

    The map is its own inverse. As a chain ``X -> C = X X^T -> C^{-1} -> Y``, on the
    ``n(n+1)/2`` lower-triangular (symmetric) coordinates its
    ``log|det J| = fldj_outer(X) - (n + 1) log|det C| - fldj_outer(Y)``, with ``fldj_outer`` the
    log-det of ``CholeskyOuterProduct`` and ``log|det C| = 2 sum_i log X_ii``.

    >>> CholeskyToInvCholesky().forward(wb.constant([[2.0, 0.0], [0.0, 0.5]])).numpy().tolist()
    [[0.5, 0.0], [0.0, 2.0]]
    """

    def __init__(self, validate_args=False, name="cholesky_to_inv_cholesky"):
        super().__init__(forward_min_event_ndims=2, validate_args=validate_args, parameters=dict(locals()),
                         name=name)

    def _map(self, x):
        if self._validate_args:
            internal.assert_all(wb.linalg.diag_part(x) > 0,
                                f"{type(self).__name__}: the input must be lower triangular with a positive diagonal")
        lower = wb.linalg.band_part(x, -1, 0)
        n = x.shape[-1]
        eye = wb.eye(n, batch_shape=tuple(x.shape[:-2]), dtype=x.dtype)
        # (X X^T)^{-1} = X^{-T} X^{-1}: two triangular solves, no general inverse
        x_inv = wb.linalg.triangular_solve(lower, eye, lower=True)
        return wb.linalg.cholesky(wb.matmul(x_inv, x_inv, adjoint_a=True))

    def _forward(self, x):
        return self._map(x)

    def _inverse(self, y):
        return self._map(y)

    def _forward_log_det_jacobian(self, x):
        y = self._map(x)
        n = x.shape[-1]
        log_det_c = 2.0 * wb.reduce_sum(wb.log(wb.linalg.diag_part(x)), axis=-1)
        return _outer_product_fldj(x) - (n + 1) * log_det_c - _outer_product_fldj(y)
