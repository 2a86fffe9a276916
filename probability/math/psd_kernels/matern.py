"""The Matern kernels with smoothness 1/2, 3/2 and 5/2."""

from __future__ import annotations

import math

import workbench as wb

from ._stationary import AmplitudeLengthScaleKernel, parameter

__all__ = ["MaternOneHalf", "MaternThreeHalves", "MaternFiveHalves"]


class _Matern(AmplitudeLengthScaleKernel):
    inverse_length_scale = parameter("inverse_length_scale")
    _inverse_length_scale = True

    def __init__(self, amplitude=None, length_scale=None, inverse_length_scale=None, feature_ndims=1,
                 validate_args=False, name=None, parameters=None):
        self._init_kernel(feature_ndims, name, validate_args, parameters, amplitude=amplitude,
                          length_scale=length_scale, inverse_length_scale=inverse_length_scale)

    def _apply(self, x1, x2, example_ndims):
        return self._amplified(self._shape(self._scaled_distance(x1, x2, example_ndims)), example_ndims)


class MaternOneHalf(_Matern):
    """``k(x, y) = amplitude**2 * exp(-r / length_scale)`` with ``r = ||x - y||``."""

    def __init__(self, amplitude=None, length_scale=None, inverse_length_scale=None, feature_ndims=1,
                 validate_args=False, name="MaternOneHalf"):
        super().__init__(amplitude, length_scale, inverse_length_scale, feature_ndims, validate_args, name,
                         dict(locals()))

    def _shape(self, z):
        return wb.exp(-z)


class MaternThreeHalves(_Matern):
    """``k = amplitude**2 * (1 + sqrt(3) z) * exp(-sqrt(3) z)``, ``z = ||x - y|| / length_scale``."""

    def __init__(self, amplitude=None, length_scale=None, inverse_length_scale=None, feature_ndims=1,
                 validate_args=False, name="MaternThreeHalves"):
        super().__init__(amplitude, length_scale, inverse_length_scale, feature_ndims, validate_args, name,
                         dict(locals()))

    def _shape(self, z):
        s = math.sqrt(3.0) * z
        return (1.0 + s) * wb.exp(-s)


class MaternFiveHalves(_Matern):
    """``k = amplitude**2 * (1 + sqrt(5) z + 5 z**2 / 3) * exp(-sqrt(5) z)``, ``z = ||x - y|| / length_scale``."""

    def __init__(self, amplitude=None, length_scale=None, inverse_length_scale=None, feature_ndims=1,
                 validate_args=False, name="MaternFiveHalves"):
        super().__init__(amplitude, length_scale, inverse_length_scale, feature_ndims, validate_args, name,
                         dict(locals()))

    def _shape(self, z):
        s = math.sqrt(5.0) * z
        return (1.0 + s + wb.square(s) / 3.0) * wb.exp(-s)
