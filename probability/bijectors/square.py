"""Square: ``y = x**2`` on the non-negative reals."""

import math

import workbench as wb

from .bijector import Bijector

__all__ = ["Square"]

_LOG2 = math.log(2.0)


class Square(Bijector):
    """``y = x**2`` for ``x >= 0``; ``log|dy/dx| = log 2 + log|x|``; ``inverse = sqrt``.

    >>> Square().inverse(wb.constant(9.0)).numpy()
    3.0
    """

    def __init__(self, validate_args=False, name="square"):
        super().__init__(forward_min_event_ndims=0, validate_args=validate_args,
                         parameters=dict(locals()), name=name)

    def _forward(self, x):
        return wb.square(x)

    def _inverse(self, y):
        return wb.sqrt(y)

    def _forward_log_det_jacobian(self, x):
        return _LOG2 + wb.log(x)  # NaN below 0 (off the domain), as TFP

    def _inverse_log_det_jacobian(self, y):
        return -_LOG2 - 0.5 * wb.log(y)

    def _is_increasing(self):
        return True
