"""The rational quadratic kernel: a scale mixture of exponentiated quadratics."""

from __future__ import annotations

import workbench as wb

from ._stationary import AmplitudeLengthScaleKernel, parameter

__all__ = ["RationalQuadratic"]


class RationalQuadratic(AmplitudeLengthScaleKernel):
    """``k(x, y) = amplitude**2 * (1 + ||x - y||**2 / (2 * scale_mixture_rate * length_scale**2))
    ** -scale_mixture_rate`` (None: amplitude 1, length_scale 1, scale_mixture_rate 1)."""

    scale_mixture_rate = parameter("scale_mixture_rate")

    def __init__(self, amplitude=None, length_scale=None, scale_mixture_rate=None, feature_ndims=1,
                 validate_args=False, name="RationalQuadratic"):
        self._init_kernel(feature_ndims, name, validate_args, dict(locals()), amplitude=amplitude,
                          length_scale=length_scale, scale_mixture_rate=scale_mixture_rate)

    def _apply(self, x1, x2, example_ndims):
        d2 = self._scaled_squared_distance(x1, x2, example_ndims)
        alpha = self._param("scale_mixture_rate", example_ndims)
        out = 1.0 / (1.0 + 0.5 * d2) if alpha is None else wb.pow(1.0 + d2 / (2.0 * alpha), -alpha)
        return self._amplified(out, example_ndims)
