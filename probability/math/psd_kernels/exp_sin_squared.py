"""The exponentiated sine squared (periodic) kernel."""

from __future__ import annotations

import math

import workbench as wb

from .positive_semidefinite_kernel import PositiveSemidefiniteKernel

__all__ = ["ExpSinSquared"]


class ExpSinSquared(PositiveSemidefiniteKernel):
    """``k(x, y) = amplitude**2 * exp(-2 / length_scale**2 * sum_i sin(pi |x_i - y_i| / period)**2)``
    (None: amplitude 1, length_scale 1, period 1)."""

    def __init__(self, amplitude=None, length_scale=None, period=None, feature_ndims=1, validate_args=False,
                 name="ExpSinSquared"):
        parameters = dict(locals())
        super().__init__(feature_ndims, None, name, validate_args, parameters)
        self._init_params(dict(amplitude=amplitude, length_scale=length_scale, period=period),
                          positive=("amplitude", "length_scale", "period"))

    @property
    def amplitude(self):
        return self._params["amplitude"]

    @property
    def length_scale(self):
        return self._params["length_scale"]

    @property
    def period(self):
        return self._params["period"]

    def _apply(self, x1, x2, example_ndims):
        diff = (x1 - x2) * math.pi
        period = self._param("period", example_ndims)
        if period is not None:
            diff = diff / wb.reshape(period, tuple(period.shape) + (1,) * self._feature_ndims)
        s = self._sum_features(wb.square(wb.sin(diff)))
        ls = self._param("length_scale", example_ndims)
        if ls is not None:
            s = s / wb.square(ls)
        out = wb.exp(-2.0 * s)
        amp = self._param("amplitude", example_ndims)
        return out if amp is None else wb.square(amp) * out
