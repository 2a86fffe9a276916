"""GompertzCDF: the Gompertz CDF, from ``[0, inf)`` to ``[0, 1)``."""

import workbench as wb

from ._param_checks import init_scalar_bijector, param_property
from .bijector import Bijector, like

__all__ = ["GompertzCDF"]


class GompertzCDF(Bijector):
    """``y = 1 - exp(-concentration * (exp(rate * x) - 1))``;
    ``x = log1p(-log1p(-y) / concentration) / rate``;
    ``log|dy/dx| = rate * x + log(concentration * rate) - concentration * expm1(rate * x)``.

    >>> GompertzCDF(concentration=1.0, rate=1.0).forward(wb.constant(0.0)).numpy()
    0.0
    """

    _param_event_ndims = {"concentration": 0, "rate": 0}

    def __init__(self, concentration, rate, validate_args=False, name="gompertz_cdf"):
        parameters = dict(locals())
        init_scalar_bijector(self, "GompertzCDF", {"concentration": concentration, "rate": rate}, validate_args,
                             parameters, name, positive=("concentration", "rate"))

    concentration = param_property("concentration")
    rate = param_property("rate")

    def _forward(self, x):
        c, r = like(self._concentration, x), like(self._rate, x)
        return -wb.expm1(-c * wb.expm1(r * x))

    def _inverse(self, y):
        c, r = like(self._concentration, y), like(self._rate, y)
        return wb.log1p(-wb.log1p(-y) / c) / r

    def _forward_log_det_jacobian(self, x):
        c, r = like(self._concentration, x), like(self._rate, x)
        z = r * x
        return z + wb.log(c * r) - c * wb.expm1(z)

    def _inverse_log_det_jacobian(self, y):
        # with s = -log1p(-y): x = log1p(s / c) / r and dx/dy = 1 / (r (c + s) (1 - y))
        c, r = like(self._concentration, y), like(self._rate, y)
        s = -wb.log1p(-y)
        return -wb.log(r * (c + s)) - wb.log1p(-y)

    def _is_increasing(self):
        return True
