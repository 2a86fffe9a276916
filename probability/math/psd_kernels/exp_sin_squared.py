"""The exponentiated sine squared (periodic) kernel."""

from __future__ import annotations

import math

import workbench as wb

from ._stationary import AmplitudeLengthScaleKernel, parameter

__all__ = ["ExpSinSquared"]


class ExpSinSquared(AmplitudeLengthScaleKernel):
    """``k(x, y) = amplitude**2 * exp(-2 / length_scale**2 * sum_i sin(pi |x_i - y_i| / period)**2)``
    (None: amplitude 1, length_scale 1, period 1)."""

    period = parameter("period")

    def __init__(self, amplitude=None, length_scale=None, period=None, feature_ndims=1, validate_args=False,
                 name="ExpSinSquared"):
        self._init_kernel(feature_ndims, name, validate_args, dict(locals()), amplitude=amplitude,
                          length_scale=length_scale, period=period)

    def _apply(self, x1, x2, example_ndims):
        diff = (x1 - x2) * math.pi
        period = self._param("period", example_ndims)
        if period is not None:
            diff = diff / wb.reshape(period, tuple(period.shape) + (1,) * self._feature_ndims)
        s = self._sum_features(wb.square(wb.sin(diff)))
        ls = self._length_scale(example_ndims)
        if ls is not None:
            s = s / wb.square(ls)
        return self._amplified(wb.exp(-2.0 * s), example_ndims)
