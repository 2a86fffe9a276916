"""Softsign: ``y = x / (1 + |x|)``."""

import workbench as wb

from .bijector import Bijector

__all__ = ["Softsign"]


class Softsign(Bijector):
    """``y = x / (1 + |x|)`` onto ``(-1, 1)``, ``x = y / (1 - |y|)``; ``log|dy/dx| = -2 log1p(|x|)``.

    >>> Softsign().forward(wb.constant([-1.0, 3.0])).numpy()
    array([-0.5 ,  0.75], dtype=float32)
    """

    def __init__(self, validate_args=False, name="softsign"):
        parameters = dict(locals())
        super().__init__(forward_min_event_ndims=0, validate_args=validate_args, parameters=parameters, name=name)

    def _forward(self, x):
        return x / (1.0 + wb.abs(x))

    def _inverse(self, y):
        if self._validate_args and not bool(wb.reduce_all(wb.abs(y) < 1.0).numpy()):
            raise ValueError(f"Softsign.inverse: `y` must lie in (-1, 1), got {y.numpy()!r}")
        return y / (1.0 - wb.abs(y))

    def _forward_log_det_jacobian(self, x):
        return -2.0 * wb.log1p(wb.abs(x))

    def _inverse_log_det_jacobian(self, y):
        return -2.0 * wb.log1p(-wb.abs(y))

    def _is_increasing(self):
        return True
