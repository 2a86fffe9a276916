"""FrechetCDF: the Frechet CDF, from ``(loc, inf)`` to ``(0, 1)``."""

import workbench as wb

from ._param_checks import init_scalar_bijector, param_property
from .bijector import Bijector, like

__all__ = ["FrechetCDF"]


class FrechetCDF(Bijector):
    """``y = exp(-z**(-concentration))`` with ``z = (x - loc) / scale > 0``;
    ``x = loc + scale * (-log y)**(-1 / concentration)``;
    ``log|dy/dx| = log(concentration / scale) - (1 + concentration) log z - z**(-concentration)``.

    >>> FrechetCDF(loc=0.0, scale=1.0, concentration=2.0).forward(wb.constant(1.0)).numpy()   # exp(-1)
    0.36787942
    """

    _param_event_ndims = {"loc": 0, "scale": 0, "concentration": 0}

    def __init__(self, loc=0.0, scale=1.0, concentration=1.0, validate_args=False, name="frechet_cdf"):
        parameters = dict(locals())
        init_scalar_bijector(self, "FrechetCDF", {"loc": loc, "scale": scale, "concentration": concentration},
                             validate_args, parameters, name, positive=("scale", "concentration"))

    loc = param_property("loc")
    scale = param_property("scale")
    concentration = param_property("concentration")

    def _log_z(self, x):
        return wb.log((x - like(self._loc, x)) / like(self._scale, x))

    def _forward(self, x):
        return wb.exp(-wb.exp(-like(self._concentration, x) * self._log_z(x)))

    def _inverse(self, y):
        k = like(self._concentration, y)
        return like(self._loc, y) + like(self._scale, y) * wb.exp(-wb.log(-wb.log(y)) / k)

    def _forward_log_det_jacobian(self, x):
        k = like(self._concentration, x)
        log_z = self._log_z(x)
        return wb.log(k) - wb.log(like(self._scale, x)) - (1.0 + k) * log_z - wb.exp(-k * log_z)

    def _inverse_log_det_jacobian(self, y):
        # t = -log y = z**(-k): dx/dy = scale / k * t**(-1 - 1 / k) / y
        k = like(self._concentration, y)
        t = -wb.log(y)
        return wb.log(like(self._scale, y) / k) - (1.0 + 1.0 / k) * wb.log(t) + t

    def _is_increasing(self):
        return True
