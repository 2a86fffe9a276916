"""Exp: ``y = exp(x)``, from the reals to the positive reals."""

import workbench as wb

from .bijector import Bijector

__all__ = ["Exp"]


class Exp(Bijector):
    """``y = exp(x)``; ``log|dy/dx| = x``.

    >>> Exp().inverse_log_det_jacobian(wb.constant(2.0)).numpy()   # -log(2)
    -0.6931472
    """

    def __init__(self, validate_args=False, name="exp"):
        super().__init__(forward_min_event_ndims=0, validate_args=validate_args,
                         parameters=dict(locals()), name=name)

    def _forward(self, x):
        return wb.exp(x)

    def _inverse(self, y):
        return wb.log(y)

    def _forward_log_det_jacobian(self, x):
        return x

    def _inverse_log_det_jacobian(self, y):
        return -wb.log(y)

    def _is_increasing(self):
        return True
