"""FeatureTransformed: a kernel applied to transformed inputs."""

from __future__ import annotations

import workbench as wb

from ... import internal
from .positive_semidefinite_kernel import PositiveSemidefiniteKernel

__all__ = ["FeatureTransformed"]


class FeatureTransformed(PositiveSemidefiniteKernel):
    """``k(x, y) = kernel(f(x), f(y))`` for ``f = transformation_fn(x, feature_ndims, example_ndims)``
    (``example_ndims``: how many example dims sit between the batch and feature dims of ``x``, so
    that ``f``'s own parameters can be reshaped to broadcast).

    >>> k = FeatureTransformed(ExponentiatedQuadratic(), lambda x, f, e: wb.exp(x))
    """

    def __init__(self, kernel, transformation_fn, validate_args=False, parameters=None, name="FeatureTransformed"):
        parameters = dict(locals()) if parameters is None else parameters
        if not isinstance(kernel, PositiveSemidefiniteKernel):
            raise TypeError(f"{type(self).__name__}: `kernel` must be a PositiveSemidefiniteKernel, got "
                            f"{type(kernel).__name__}")
        if not callable(transformation_fn):
            raise TypeError(f"{type(self).__name__}: `transformation_fn` must be callable, got "
                            f"{type(transformation_fn).__name__}")
        super().__init__(kernel.feature_ndims, kernel.dtype, name, validate_args, parameters)
        self._kernel = kernel
        self._transformation_fn = transformation_fn

    @property
    def kernel(self):
        return self._kernel

    @property
    def transformation_fn(self):
        return self._transformation_fn

    @property
    def batch_shape(self):
        return wb.TensorShape(internal.broadcast_shapes(super().batch_shape, self._kernel.batch_shape))

    def _apply(self, x1, x2, example_ndims):
        f = self._transformation_fn
        return self._kernel._apply(f(x1, self._feature_ndims, example_ndims),
                                   f(x2, self._feature_ndims, example_ndims), example_ndims)
