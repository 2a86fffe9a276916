"""WeibullCDF: the Weibull CDF, from ``[0, inf)`` to ``[0, 1)``."""

import workbench as wb

from .bijector import Bijector, as_bijector_param, like

__all__ = ["WeibullCDF"]


class WeibullCDF(Bijector):
    """``y = 1 - exp(-(x / scale)**concentration)``; ``x = scale * (-log1p(-y))**(1 / concentration)``;
    ``log|dy/dx| = log(k / scale) + (k - 1) log(x / scale) - (x / scale)**k`` (``k = concentration``).

    >>> WeibullCDF(scale=1.0, concentration=1.0).forward(wb.constant(1.0)).numpy()   # 1 - exp(-1)
    0.63212055
    """

    _param_event_ndims = {"scale": 0, "concentration": 0}

    def __init__(self, scale=1.0, concentration=1.0, validate_args=False, name="weibull_cdf"):
        parameters = dict(locals())
        self._scale = as_bijector_param(scale, "scale", "WeibullCDF")
        self._concentration = as_bijector_param(concentration, "concentration", "WeibullCDF")
        dtype = next((p.dtype for p in (self._scale, self._concentration) if isinstance(p, wb.Tensor)), None)
        super().__init__(forward_min_event_ndims=0, validate_args=validate_args, dtype=dtype,
                         parameters=parameters, name=name)
        if validate_args:
            for pname, p in (("scale", self._scale), ("concentration", self._concentration)):
                v = p.numpy() if isinstance(p, wb.Tensor) else p
                if not ((v > 0).all() if hasattr(v, "all") else v > 0):
                    raise ValueError(f"WeibullCDF: argument `{pname}` must be positive, got {v!r}")

    @property
    def scale(self):
        return self._scale

    @property
    def concentration(self):
        return self._concentration

    def _forward(self, x):
        k, s = like(self._concentration, x), like(self._scale, x)
        return -wb.expm1(-wb.pow(x / s, k))

    def _inverse(self, y):
        k, s = like(self._concentration, y), like(self._scale, y)
        return s * wb.pow(-wb.log1p(-y), 1.0 / k)

    def _forward_log_det_jacobian(self, x):
        k, s = like(self._concentration, x), like(self._scale, x)
        xs = x / s
        return wb.log(k / s) + (k - 1.0) * wb.log(xs) - wb.pow(xs, k)

    def _is_increasing(self):
        return True
