"""CholeskyOuterProduct: ``Y = L L^T`` for lower-triangular ``L`` with a positive diagonal."""

import math

import workbench as wb

from .. import internal
from .bijector import Bijector

__all__ = ["CholeskyOuterProduct"]


class CholeskyOuterProduct(Bijector):
    """``Y = L @ L^T``; the inverse is the Cholesky factor of ``Y``.

    As a map of the ``n(n+1)/2`` lower-triangular entries onto those of the symmetric ``Y``,
    ``log|det J| = n log 2 + sum_i (n - i) log L_ii`` (``i = 0..n-1``). Only the lower
    triangle of the input is read.

    >>> CholeskyOuterProduct().forward(wb.constant([[2.0, 0.0], [1.0, 1.0]])).numpy().tolist()
    [[4.0, 2.0], [2.0, 2.0]]
    """

    def __init__(self, validate_args=False, name="cholesky_outer_product"):
        super().__init__(forward_min_event_ndims=2, validate_args=validate_args, parameters=dict(locals()),
                         name=name)

    def _forward(self, x):
        if self._validate_args:
            internal.assert_all(wb.linalg.diag_part(x) > 0, "CholeskyOuterProduct.forward: `x` must have a positive "
                                "diagonal")
        lower = wb.linalg.band_part(x, -1, 0)
        return wb.matmul(lower, wb.linalg.matrix_transpose(lower))

    def _inverse(self, y):
        return wb.linalg.cholesky(y)

    def _forward_log_det_jacobian(self, x):
        n = x.shape[-1]
        weights = wb.constant([float(n - i) for i in range(n)], dtype=x.dtype)
        return n * math.log(2.0) + wb.reduce_sum(weights * wb.log(wb.linalg.diag_part(x)), axis=-1)
