"""Identity: ``y = x``."""

import workbench as wb

from .bijector import Bijector

__all__ = ["Identity"]


class Identity(Bijector):
    """``y = x`` (log-det 0).

    >>> Identity().forward([1.0, 2.0]).numpy()
    array([1., 2.], dtype=float32)
    """

    def __init__(self, validate_args=False, name="identity"):
        super().__init__(forward_min_event_ndims=0, is_constant_jacobian=True, validate_args=validate_args,
                         parameters=dict(locals()), name=name)

    def _forward(self, x):
        return x

    def _inverse(self, y):
        return y

    def _forward_log_det_jacobian(self, x):
        return wb.zeros((), dtype=x.dtype)

    def _inverse_log_det_jacobian(self, y):
        return wb.zeros((), dtype=y.dtype)

    def _is_increasing(self):
        return True
