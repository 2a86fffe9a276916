"""The exponentiated quadratic (squared exponential, RBF) kernel."""

from __future__ import annotations

import workbench as wb

from ._stationary import AmplitudeLengthScaleKernel, parameter

__all__ = ["ExponentiatedQuadratic"]


class ExponentiatedQuadratic(AmplitudeLengthScaleKernel):
    """``k(x, y) = amplitude**2 * exp(-||x - y||**2 / (2 * length_scale**2))``.

    ``amplitude`` None means 1; give ``length_scale`` or ``inverse_length_scale`` (None: 1).
    """

    inverse_length_scale = parameter("inverse_length_scale")
    _inverse_length_scale = True

    def __init__(self, amplitude=None, length_scale=None, inverse_length_scale=None, feature_ndims=1,
                 validate_args=False, name="ExponentiatedQuadratic"):
        self._init_kernel(feature_ndims, name, validate_args, dict(locals()), amplitude=amplitude,
                          length_scale=length_scale, inverse_length_scale=inverse_length_scale)

    def _apply(self, x1, x2, example_ndims):
        return self._amplified(wb.exp(-0.5 * self._scaled_squared_distance(x1, x2, example_ndims)), example_ndims)
