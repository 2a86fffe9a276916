"""The Parabolic (Epanechnikov) kernel."""

from __future__ import annotations

import workbench as wb

from .positive_semidefinite_kernel import PositiveSemidefiniteKernel

__all__ = ["Parabolic"]


class Parabolic(PositiveSemidefiniteKernel):
    """``k(x, y) = 3/4 * amplitude * max(0, 1 - (||x - y|| / length_scale)**2)`` (TFP's form: the
    amplitude is not squared). With unit amplitude and length scale it is the Epanechnikov
    kernel, which integrates to 1 over ``[-1, 1]``.

    >>> Parabolic().apply([0.], [0.5]).numpy()
    0.5625
    """

    def __init__(self, amplitude=None, length_scale=None, feature_ndims=1, validate_args=False, name="Parabolic"):
        parameters = dict(locals())
        super().__init__(feature_ndims, None, name, validate_args, parameters)
        self._init_params(dict(amplitude=amplitude, length_scale=length_scale),
                          positive=("amplitude", "length_scale"))

    @property
    def amplitude(self):
        return self._params["amplitude"]

    @property
    def length_scale(self):
        return self._params["length_scale"]

    def _apply(self, x1, x2, example_ndims):
        d2 = self._squared_distance(x1, x2)
        ls = self._param("length_scale", example_ndims)
        if ls is not None:
            d2 = d2 / wb.square(ls)
        out = 0.75 * wb.math.maximum(1.0 - d2, 0.0)
        amp = self._param("amplitude", example_ndims)
        return out if amp is None else amp * out
