"""MoyalCDF: the Moyal CDF, from the reals to ``(0, 1)``."""

import numpy as np

import workbench as wb

from ._param_checks import init_scalar_bijector, param_property
from .bijector import Bijector, like

__all__ = ["MoyalCDF"]

_LOG_2PI = float(np.log(2.0 * np.pi))


class MoyalCDF(Bijector):
    """``y = erfc(exp(-z / 2) / sqrt(2))`` with ``z = (x - loc) / scale``;
    ``x = loc - scale * log(2 erfcinv(y)**2)``;
    ``log|dy/dx| = -(z + exp(-z) + log(2 pi)) / 2 - log(scale)``.

    >>> MoyalCDF().forward(wb.constant(0.0)).numpy()   # erfc(1 / sqrt(2))
    0.3173105
    """

    _param_event_ndims = {"loc": 0, "scale": 0}

    def __init__(self, loc=0.0, scale=1.0, validate_args=False, name="moyal_cdf"):
        parameters = dict(locals())
        init_scalar_bijector(self, "MoyalCDF", {"loc": loc, "scale": scale},
                             validate_args, parameters, name, positive=("scale",))

    loc = param_property("loc")
    scale = param_property("scale")

    def _z(self, x):
        return (x - like(self._loc, x)) / like(self._scale, x)

    def _forward(self, x):
        return wb.math.erfc(wb.exp(-0.5 * self._z(x)) * float(np.sqrt(0.5)))

    def _inverse(self, y):
        e = wb.math.erfcinv(y)
        return like(self._loc, y) - like(self._scale, y) * (float(np.log(2.0)) + 2.0 * wb.log(e))

    def _forward_log_det_jacobian(self, x):
        z = self._z(x)
        return -0.5 * (z + wb.exp(-z) + _LOG_2PI) - wb.log(like(self._scale, x))

    def _inverse_log_det_jacobian(self, y):
        # at x = inverse(y): exp(-z) = 2 e**2 with e = erfcinv(y), so -fldj = e**2 - log(e) + log(pi) / 2 + log(scale)
        e = wb.math.erfcinv(y)
        return wb.square(e) - wb.log(e) + 0.5 * float(np.log(np.pi)) + wb.log(like(self._scale, y))

    def _is_increasing(self):
        return True
