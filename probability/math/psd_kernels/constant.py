"""The constant kernel."""

from __future__ import annotations

import workbench as wb

from ... import internal
from .positive_semidefinite_kernel import PositiveSemidefiniteKernel

__all__ = ["Constant"]


class Constant(PositiveSemidefiniteKernel):
    """``k(x, y) = constant`` (positive) for every pair; a summand or factor of other kernels.

    >>> Constant(2.5).matrix(wb.zeros([3, 1]), wb.ones([2, 1])).numpy()
    array([[2.5, 2.5],
           [2.5, 2.5],
           [2.5, 2.5]], dtype=float32)
    """

    def __init__(self, constant, feature_ndims=1, validate_args=False, name="Constant"):
        parameters = dict(locals())
        if constant is None:
            raise ValueError("Constant: argument `constant` is required (a positive float)")
        super().__init__(feature_ndims, None, name, validate_args, parameters)
        self._init_params(dict(constant=constant), positive=("constant",))

    @property
    def constant(self):
        return self._params["constant"]

    def _apply(self, x1, x2, example_ndims):
        f = self._feature_ndims
        shape = internal.broadcast_shapes(tuple(x1.shape[:x1.ndim - f]), tuple(x2.shape[:x2.ndim - f]))
        c = self._param("constant", example_ndims)
        return c * wb.ones(shape, dtype=c.dtype)
