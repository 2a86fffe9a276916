"""Ordered: increasing vectors to unconstrained ones (the inverse of Ascending)."""

import workbench as wb

from .. import internal
from .ascending import from_ascending, to_ascending
from .bijector import Bijector

# TFP 0.25 no longer exports Ordered (Ascending replaced it); it stays here for old code
__all__ = []


class Ordered(Bijector):
    """``y[0] = x[0]``, ``y[i] = log(x[i] - x[i-1])``: maps increasing vectors onto R^n
    (TFP's ``Ordered``; ``Ascending`` is its inverse). ``log|det J| = -sum(log(diff(x)))``.

    >>> Ordered().forward(wb.constant([0.0, 1.0, 2.0])).numpy()
    array([0., 0., 0.], dtype=float32)
    """

    def __init__(self, validate_args=False, name="ordered"):
        super().__init__(forward_min_event_ndims=1, validate_args=validate_args, parameters=dict(locals()),
                         name=name)

    def _forward(self, x):
        if self._validate_args and x.shape[-1] > 1:
            internal.assert_all(x[..., 1:] > x[..., :-1],
                                "Ordered.forward: `x` must be strictly increasing along its last axis")
        return from_ascending(x)

    def _inverse(self, y):
        return to_ascending(y)

    def _forward_log_det_jacobian(self, x):
        return -wb.reduce_sum(wb.log(x[..., 1:] - x[..., :-1]), axis=-1)

    def _inverse_log_det_jacobian(self, y):
        return wb.reduce_sum(y[..., 1:], axis=-1)
