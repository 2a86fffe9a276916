"""The gamma-exponential kernel, a generalization of the exponentiated quadratic."""

from __future__ import annotations

import workbench as wb

from ._stationary import AmplitudeLengthScaleKernel, parameter

__all__ = ["GammaExponential"]


class GammaExponential(AmplitudeLengthScaleKernel):
    """``k(x, y) = amplitude**2 * exp(-(||x - y||**2 / (2 * length_scale**2))**power)``, ``power`` in
    ``(0, 1]`` (None: amplitude 1, length_scale 1, power 1, the ExponentiatedQuadratic); give
    ``length_scale`` or ``inverse_length_scale``."""

    inverse_length_scale = parameter("inverse_length_scale")
    power = parameter("power")
    _inverse_length_scale = True

    def __init__(self, amplitude=None, length_scale=None, inverse_length_scale=None, power=None, feature_ndims=1,
                 validate_args=False, name="GammaExponential"):
        self._init_kernel(feature_ndims, name, validate_args, dict(locals()), amplitude=amplitude,
                          length_scale=length_scale, inverse_length_scale=inverse_length_scale, power=power)
        if validate_args and power is not None and not bool(wb.reduce_all(
                wb.convert_to_tensor(self._params["power"]) <= 1.0).numpy()):
            raise ValueError(f"GammaExponential: argument `power` must be in (0, 1], got "
                             f"{wb.convert_to_tensor(self._params['power']).numpy()!r}")

    def _apply(self, x1, x2, example_ndims):
        u = 0.5 * self._scaled_squared_distance(x1, x2, example_ndims)
        power = self._param("power", example_ndims)
        if power is not None:
            # u**power with a finite gradient where the points coincide (u = 0)
            pos = u > 0
            u = wb.where(pos, wb.pow(wb.where(pos, u, wb.ones_like(u)), power), wb.zeros_like(u))
        return self._amplified(wb.exp(-u), example_ndims)
