"""ShiftedGompertzCDF: the shifted Gompertz CDF, from ``[0, inf)`` to ``[0, 1)``."""

import workbench as wb

from .. import math as tfp_math
from ._param_checks import check_positive
from .bijector import Bijector, as_bijector_param, like

__all__ = ["ShiftedGompertzCDF"]


class ShiftedGompertzCDF(Bijector):
    """``y = (1 - exp(-rate * x)) * exp(-exp(-rate * x) / concentration)``;
    ``log|dy/dx| = log(rate) - z - exp(-z) / c + log1p((1 - exp(-z)) / c)`` with ``z = rate * x``,
    ``c = concentration``. The inverse uses the Lambert W function:
    ``x = -log1p(-c W(exp(1 / c) y / c)) / rate``.

    >>> ShiftedGompertzCDF(concentration=1.0, rate=1.0).forward(wb.constant(0.0)).numpy()
    0.0
    """

    _param_event_ndims = {"concentration": 0, "rate": 0}

    def __init__(self, concentration, rate, validate_args=False, name="shifted_gompertz_cdf"):
        parameters = dict(locals())
        self._concentration = as_bijector_param(concentration, "concentration", "ShiftedGompertzCDF")
        self._rate = as_bijector_param(rate, "rate", "ShiftedGompertzCDF")
        dtype = next((p.dtype for p in (self._concentration, self._rate) if isinstance(p, wb.Tensor)), None)
        super().__init__(forward_min_event_ndims=0, validate_args=validate_args, dtype=dtype,
                         parameters=parameters, name=name)
        if validate_args:
            check_positive("ShiftedGompertzCDF", concentration=self._concentration, rate=self._rate)

    @property
    def concentration(self):
        return self._concentration

    @property
    def rate(self):
        return self._rate

    def _forward(self, x):
        c, r = like(self._concentration, x), like(self._rate, x)
        e = wb.exp(-r * x)
        return wb.exp(wb.math.log1mexp(r * x) - e / c)

    def _inverse(self, y):
        # u = exp(-rate x) solves (1 - u) exp(-u / c) = y: with w = (1 - u) / c, w exp(w) = y exp(1 / c) / c
        c, r = like(self._concentration, y), like(self._rate, y)
        w = tfp_math.lambertw(wb.exp(1.0 / c + wb.log(y)) / c)
        one_minus_u = wb.minimum(c * w, wb.ones_like(w))
        return -wb.log1p(-one_minus_u) / r

    def _forward_log_det_jacobian(self, x):
        c, r = like(self._concentration, x), like(self._rate, x)
        z = r * x
        return wb.log(r) - z - wb.exp(-z) / c + wb.log1p(-wb.expm1(-z) / c)

    def _is_increasing(self):
        return True
