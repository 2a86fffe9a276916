"""The polynomial and linear (dot-product) kernels."""

from __future__ import annotations

import workbench as wb

from .positive_semidefinite_kernel import PositiveSemidefiniteKernel

__all__ = ["Polynomial", "Linear"]


class Polynomial(PositiveSemidefiniteKernel):
    """``k(x, y) = bias_amplitude**2 + slope_amplitude**2 * ((x - shift) . (y - shift))**exponent``
    (None: bias 0, slope 1, shift 0, exponent 1)."""

    def __init__(self, bias_amplitude=None, slope_amplitude=None, shift=None, exponent=None, feature_ndims=1,
                 validate_args=False, parameters=None, name="Polynomial"):
        parameters = parameters or dict(locals())
        super().__init__(feature_ndims, None, name, validate_args, parameters)
        self._init_params(dict(bias_amplitude=bias_amplitude, slope_amplitude=slope_amplitude, shift=shift,
                               exponent=exponent), positive=("exponent",))

    @property
    def bias_amplitude(self):
        return self._params["bias_amplitude"]

    @property
    def slope_amplitude(self):
        return self._params["slope_amplitude"]

    @property
    def shift(self):
        return self._params["shift"]

    @property
    def exponent(self):
        return self._params["exponent"]

    def _apply(self, x1, x2, example_ndims):
        shift = self._param("shift", example_ndims)
        if shift is not None:
            shift = wb.reshape(shift, tuple(shift.shape) + (1,) * self._feature_ndims)
            x1, x2 = x1 - shift, x2 - shift
        dot = self._sum_features(x1 * x2)
        exponent = self._param("exponent", example_ndims)
        if exponent is not None:
            dot = wb.pow(dot, exponent)
        slope = self._param("slope_amplitude", example_ndims)
        if slope is not None:
            dot = wb.square(slope) * dot
        bias = self._param("bias_amplitude", example_ndims)
        return dot if bias is None else wb.square(bias) + dot


class Linear(Polynomial):
    """``k(x, y) = bias_amplitude**2 + slope_amplitude**2 * (x - shift) . (y - shift)``."""

    def __init__(self, bias_amplitude=None, slope_amplitude=None, shift=None, feature_ndims=1,
                 validate_args=False, name="Linear"):
        parameters = dict(locals())
        super().__init__(bias_amplitude, slope_amplitude, shift, None, feature_ndims, validate_args, parameters,
                         name)
