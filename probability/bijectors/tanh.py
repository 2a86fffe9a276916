"""Tanh: ``y = tanh(x)``, from the reals to ``(-1, 1)``."""

import math

import workbench as wb

from .bijector import Bijector

__all__ = ["Tanh"]

_LOG2 = math.log(2.0)


class Tanh(Bijector):
    """``y = tanh(x)``; ``log|dy/dx| = 2 (log 2 - x - softplus(-2x))`` (finite for any ``x``).

    >>> Tanh().forward_log_det_jacobian(wb.constant(0.0)).numpy()
    0.0
    """

    def __init__(self, validate_args=False, name="tanh"):
        super().__init__(forward_min_event_ndims=0, validate_args=validate_args,
                         parameters=dict(locals()), name=name)

    def _forward(self, x):
        return wb.tanh(x)

    def _inverse(self, y):
        return wb.atanh(y)

    def _forward_log_det_jacobian(self, x):
        # log(1 - tanh(x)^2) = log(4 e^{-2x} / (1 + e^{-2x})^2)
        return 2.0 * (_LOG2 - x - wb.softplus(-2.0 * x))

    def _inverse_log_det_jacobian(self, y):
        return -wb.log1p(-wb.square(y))

    def _is_increasing(self):
        return True
