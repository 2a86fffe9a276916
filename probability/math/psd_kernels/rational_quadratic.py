"""The rational quadratic kernel: a scale mixture of exponentiated quadratics."""

from __future__ import annotations

import workbench as wb

from .positive_semidefinite_kernel import PositiveSemidefiniteKernel

__all__ = ["RationalQuadratic"]


class RationalQuadratic(PositiveSemidefiniteKernel):
    """``k(x, y) = amplitude**2 * (1 + ||x - y||**2 / (2 * scale_mixture_rate * length_scale**2))
    ** -scale_mixture_rate`` (None: amplitude 1, length_scale 1, scale_mixture_rate 1)."""

    def __init__(self, amplitude=None, length_scale=None, scale_mixture_rate=None, feature_ndims=1,
                 validate_args=False, name="RationalQuadratic"):
        parameters = dict(locals())
        super().__init__(feature_ndims, None, name, validate_args, parameters)
        self._init_params(dict(amplitude=amplitude, length_scale=length_scale,
                               scale_mixture_rate=scale_mixture_rate),
                          positive=("amplitude", "length_scale", "scale_mixture_rate"))

    @property
    def amplitude(self):
        return self._params["amplitude"]

    @property
    def length_scale(self):
        return self._params["length_scale"]

    @property
    def scale_mixture_rate(self):
        return self._params["scale_mixture_rate"]

    def _apply(self, x1, x2, example_ndims):
        d2 = self._squared_distance(x1, x2)
        ls = self._param("length_scale", example_ndims)
        if ls is not None:
            d2 = d2 / wb.square(ls)
        alpha = self._param("scale_mixture_rate", example_ndims)
        out = 1.0 / (1.0 + 0.5 * d2) if alpha is None else wb.pow(1.0 + d2 / (2.0 * alpha), -alpha)
        amp = self._param("amplitude", example_ndims)
        return out if amp is None else wb.square(amp) * out
