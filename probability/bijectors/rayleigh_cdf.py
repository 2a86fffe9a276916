"""RayleighCDF: the Rayleigh CDF, from ``[0, inf)`` to ``[0, 1)``."""

import workbench as wb

from .bijector import Bijector, as_bijector_param, like

__all__ = ["RayleighCDF"]


class RayleighCDF(Bijector):
    """``y = 1 - exp(-x**2 / (2 scale**2))``; ``x = scale * sqrt(-2 log1p(-y))``;
    ``log|dy/dx| = log(x / scale**2) - x**2 / (2 scale**2)``. Its inverse maps uniform draws to
    Rayleigh draws.

    >>> RayleighCDF(scale=1.0).forward(wb.constant(1.0)).numpy()   # 1 - exp(-1/2)
    0.39346933
    """

    _param_event_ndims = {"scale": 0}

    def __init__(self, scale=1.0, validate_args=False, name="rayleigh_cdf"):
        parameters = dict(locals())
        self._scale = as_bijector_param(scale, "scale", "RayleighCDF")
        dtype = self._scale.dtype if isinstance(self._scale, wb.Tensor) else None
        super().__init__(forward_min_event_ndims=0, validate_args=validate_args, dtype=dtype,
                         parameters=parameters, name=name)
        if validate_args:
            v = self._scale.numpy() if isinstance(self._scale, wb.Tensor) else self._scale
            if not ((v > 0).all() if hasattr(v, "all") else v > 0):
                raise ValueError(f"RayleighCDF: argument `scale` must be positive, got {v!r}")

    @property
    def scale(self):
        return self._scale

    def _forward(self, x):
        s = like(self._scale, x)
        return -wb.expm1(-0.5 * wb.square(x / s))

    def _inverse(self, y):
        s = like(self._scale, y)
        return s * wb.sqrt(-2.0 * wb.log1p(-y))

    def _forward_log_det_jacobian(self, x):
        s = like(self._scale, x)
        return wb.log(x) - 2.0 * wb.log(s) - 0.5 * wb.square(x / s)

    def _is_increasing(self):
        return True
