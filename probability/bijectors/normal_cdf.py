"""NormalCDF: the standard normal CDF, from the reals to ``(0, 1)``."""

import math

import workbench as wb

from .bijector import Bijector

__all__ = ["NormalCDF"]

_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


class NormalCDF(Bijector):
    """``y = ndtr(x)``; ``x = ndtri(y)``; ``log|dy/dx| = -x**2 / 2 - log(2 pi) / 2``.

    >>> NormalCDF().forward(wb.constant(0.0)).numpy()
    0.5
    """

    def __init__(self, validate_args=False, name="normal"):
        super().__init__(forward_min_event_ndims=0, validate_args=validate_args, parameters=dict(locals()),
                         name=name)

    def _forward(self, x):
        return wb.math.ndtr(x)

    def _inverse(self, y):
        return wb.math.ndtri(y)

    def _forward_log_det_jacobian(self, x):
        return -0.5 * wb.square(x) - _HALF_LOG_2PI

    def _is_increasing(self):
        return True
