"""Log1p: ``y = log(1 + x)``, from ``(-1, inf)`` to the reals."""

import workbench as wb

from .bijector import Bijector

__all__ = ["Log1p"]


class Log1p(Bijector):
    """``y = log1p(x)``; ``x = expm1(y)``; ``log|dy/dx| = -log1p(x)``.

    >>> Log1p().forward(wb.constant(0.0)).numpy()
    0.0
    """

    def __init__(self, validate_args=False, name="log1p"):
        super().__init__(forward_min_event_ndims=0, validate_args=validate_args, parameters=dict(locals()),
                         name=name)

    def _forward(self, x):
        return wb.log1p(x)

    def _inverse(self, y):
        return wb.expm1(y)

    def _forward_log_det_jacobian(self, x):
        return -wb.log1p(x)

    def _inverse_log_det_jacobian(self, y):
        return y

    def _is_increasing(self):
        return True
