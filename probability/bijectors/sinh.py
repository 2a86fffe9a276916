"""Sinh: ``y = sinh(x)``."""

import workbench as wb

from .bijector import Bijector

__all__ = ["Sinh"]

_LOG2 = 0.6931471805599453


class Sinh(Bijector):
    """``y = sinh(x)``, ``x = asinh(y)``; ``log|dy/dx| = log cosh(x)``, computed as
    ``|x| + log1p(exp(-2|x|)) - log 2`` so that it stays finite where ``cosh`` overflows.

    >>> Sinh().inverse(wb.constant(0.0)).numpy()
    0.0
    """

    def __init__(self, validate_args=False, name="sinh"):
        parameters = dict(locals())
        super().__init__(forward_min_event_ndims=0, validate_args=validate_args, parameters=parameters, name=name)

    def _forward(self, x):
        return wb.sinh(x)

    def _inverse(self, y):
        return wb.asinh(y)

    def _forward_log_det_jacobian(self, x):
        a = wb.abs(x)
        return a + wb.log1p(wb.exp(-2.0 * a)) - _LOG2

    def _inverse_log_det_jacobian(self, y):
        return -0.5 * wb.log1p(wb.square(y))

    def _is_increasing(self):
        return True
