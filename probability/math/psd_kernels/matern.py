"""The Matern kernels with smoothness 1/2, 3/2 and 5/2."""

from __future__ import annotations

import math

import workbench as wb

from .exponentiated_quadratic import length_scale_of
from .positive_semidefinite_kernel import PositiveSemidefiniteKernel

__all__ = ["MaternOneHalf", "MaternThreeHalves", "MaternFiveHalves"]


def safe_norm(d2):
    """``sqrt(d2)`` whose gradient is 0 (not NaN) where ``d2`` is 0 (the diagonal of a matrix)."""
    pos = d2 > 0
    return wb.where(pos, wb.sqrt(wb.where(pos, d2, wb.ones_like(d2))), wb.zeros_like(d2))


class _Matern(PositiveSemidefiniteKernel):
    def __init__(self, amplitude=None, length_scale=None, inverse_length_scale=None, feature_ndims=1,
                 validate_args=False, name=None, parameters=None):
        if length_scale is not None and inverse_length_scale is not None:
            raise ValueError(f"{type(self).__name__}: give `length_scale` or `inverse_length_scale`, not both")
        super().__init__(feature_ndims, None, name or type(self).__name__, validate_args, parameters)
        self._init_params(dict(amplitude=amplitude, length_scale=length_scale,
                               inverse_length_scale=inverse_length_scale),
                          positive=("amplitude", "length_scale"))

    @property
    def amplitude(self):
        return self._params["amplitude"]

    @property
    def length_scale(self):
        return self._params["length_scale"]

    @property
    def inverse_length_scale(self):
        return self._params["inverse_length_scale"]

    def _apply(self, x1, x2, example_ndims):
        r = safe_norm(self._squared_distance(x1, x2))
        ls = length_scale_of(self, example_ndims)
        if ls is not None:
            r = r / ls
        out = self._shape(r)
        amp = self._param("amplitude", example_ndims)
        return out if amp is None else wb.square(amp) * out


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
