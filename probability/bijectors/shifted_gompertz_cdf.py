"""ShiftedGompertzCDF: the shifted Gompertz CDF, from ``[0, inf)`` to ``[0, 1)``."""

import workbench as wb

from .. import math as tfp_math
from ._param_checks import init_scalar_bijector, param_property
from .bijector import Bijector, like

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
        init_scalar_bijector(self, "ShiftedGompertzCDF", {"concentration": concentration, "rate": rate}, validate_args,
                             parameters, name, positive=("concentration", "rate"))

    concentration = param_property("concentration")
    rate = param_property("rate")

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
