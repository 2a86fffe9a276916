"""PointwiseExponential: ``exp`` of a kernel (positive semidefinite again)."""

from __future__ import annotations

import workbench as wb

from .positive_semidefinite_kernel import PositiveSemidefiniteKernel

__all__ = ["PointwiseExponential"]


class PointwiseExponential(PositiveSemidefiniteKernel):
    """``k(x, y) = exp(kernel(x, y))``: the limit of polynomials with positive coefficients in a
    kernel, so positive semidefinite (Shawe-Taylor and Cristianini 2004, section 3.2)."""

    def __init__(self, kernel, validate_args=False, name="Exponential"):
        parameters = dict(locals())
        if not isinstance(kernel, PositiveSemidefiniteKernel):
            raise TypeError(f"PointwiseExponential: `kernel` must be a PositiveSemidefiniteKernel, got "
                            f"{type(kernel).__name__}")
        super().__init__(kernel.feature_ndims, kernel.dtype, name, validate_args, parameters)
        self._kernel = kernel

    @property
    def kernel(self):
        return self._kernel

    @property
    def batch_shape(self):
        return self._kernel.batch_shape

    def _apply(self, x1, x2, example_ndims):
        return wb.exp(self._kernel._apply(x1, x2, example_ndims))
