"""Expm1: ``y = exp(x) - 1``, from the reals to ``(-1, inf)``."""

import workbench as wb

from .bijector import Bijector

__all__ = ["Expm1"]


class Expm1(Bijector):
    """``y = expm1(x)``; ``x = log1p(y)``; ``log|dy/dx| = x``.

    >>> Expm1().inverse(wb.constant(0.0)).numpy()
    0.0
    """

    def __init__(self, validate_args=False, name="expm1"):
        super().__init__(forward_min_event_ndims=0, validate_args=validate_args, parameters=dict(locals()),
                         name=name)

    def _forward(self, x):
        return wb.expm1(x)

    def _inverse(self, y):
        return wb.log1p(y)

    def _forward_log_det_jacobian(self, x):
        return x

    def _inverse_log_det_jacobian(self, y):
        return -wb.log1p(y)

    def _is_increasing(self):
        return True
