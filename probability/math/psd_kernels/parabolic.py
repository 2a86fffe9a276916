"""The Parabolic (Epanechnikov) kernel."""

from __future__ import annotations

import workbench as wb

from ._stationary import AmplitudeLengthScaleKernel

__all__ = ["Parabolic"]


class Parabolic(AmplitudeLengthScaleKernel):
    """``k(x, y) = 3/4 * amplitude * max(0, 1 - (||x - y|| / length_scale)**2)`` (TFP's form: the
    amplitude is not squared). With unit amplitude and length scale it is the Epanechnikov
    kernel, which integrates to 1 over ``[-1, 1]``.

    >>> Parabolic().apply([0.], [0.5]).numpy()
    0.5625
    """

    def __init__(self, amplitude=None, length_scale=None, feature_ndims=1, validate_args=False, name="Parabolic"):
        self._init_kernel(feature_ndims, name, validate_args, dict(locals()), amplitude=amplitude,
                          length_scale=length_scale)

    def _apply(self, x1, x2, example_ndims):
        out = 0.75 * wb.math.maximum(1.0 - self._scaled_squared_distance(x1, x2, example_ndims), 0.0)
        return self._amplified(out, example_ndims, squared=False)
