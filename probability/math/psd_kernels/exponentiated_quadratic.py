"""The exponentiated quadratic (squared exponential, RBF) kernel."""

from __future__ import annotations

import workbench as wb

from .positive_semidefinite_kernel import PositiveSemidefiniteKernel

__all__ = ["ExponentiatedQuadratic"]


def length_scale_of(kernel, example_ndims):
    """The length scale, from ``length_scale`` or ``inverse_length_scale`` (None: 1)."""
    ls = kernel._param("length_scale", example_ndims)
    if ls is not None:
        return ls
    inv = kernel._param("inverse_length_scale", example_ndims)
    return None if inv is None else 1.0 / inv


class ExponentiatedQuadratic(PositiveSemidefiniteKernel):
    """``k(x, y) = amplitude**2 * exp(-||x - y||**2 / (2 * length_scale**2))``.

    ``amplitude`` None means 1; give ``length_scale`` or ``inverse_length_scale`` (None: 1).
    """

    def __init__(self, amplitude=None, length_scale=None, inverse_length_scale=None, feature_ndims=1,
                 validate_args=False, name="ExponentiatedQuadratic"):
        parameters = dict(locals())
        if length_scale is not None and inverse_length_scale is not None:
            raise ValueError("ExponentiatedQuadratic: give `length_scale` or `inverse_length_scale`, not both")
        super().__init__(feature_ndims, None, name, validate_args, parameters)
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
        d2 = self._squared_distance(x1, x2)
        ls = length_scale_of(self, example_ndims)
        if ls is not None:
            d2 = d2 / wb.square(ls)
        out = wb.exp(-0.5 * d2)
        amp = self._param("amplitude", example_ndims)
        return out if amp is None else wb.square(amp) * out
