"""GompertzCDF: the Gompertz CDF, from ``[0, inf)`` to ``[0, 1)``."""

import workbench as wb

from ._param_checks import check_positive
from .bijector import Bijector, as_bijector_param, like

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
        self._concentration = as_bijector_param(concentration, "concentration", "GompertzCDF")
        self._rate = as_bijector_param(rate, "rate", "GompertzCDF")
        dtype = next((p.dtype for p in (self._concentration, self._rate) if isinstance(p, wb.Tensor)), None)
        super().__init__(forward_min_event_ndims=0, validate_args=validate_args, dtype=dtype,
                         parameters=parameters, name=name)
        if validate_args:
            check_positive("GompertzCDF", concentration=self._concentration, rate=self._rate)

    @property
    def concentration(self):
        return self._concentration

    @property
    def rate(self):
        return self._rate

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
