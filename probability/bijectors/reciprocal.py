"""Reciprocal: ``y = 1 / x``."""

import workbench as wb

from .bijector import Bijector

__all__ = ["Reciprocal"]


class Reciprocal(Bijector):
    """``y = 1 / x`` (its own inverse) on the nonzero reals; ``log|dy/dx| = -2 log|x|``.

    >>> Reciprocal().forward(wb.constant([2.0, -0.5])).numpy()
    array([ 0.5, -2. ], dtype=float32)
    """

    def __init__(self, validate_args=False, name="reciprocal"):
        parameters = dict(locals())
        super().__init__(forward_min_event_ndims=0, validate_args=validate_args, parameters=parameters, name=name)

    def _check_nonzero(self, t, what):
        if self._validate_args and not bool(wb.reduce_all(wb.not_equal(t, 0.0)).numpy()):
            raise ValueError(f"Reciprocal: `{what}` must be nonzero, got {t.numpy()!r}")

    def _forward(self, x):
        self._check_nonzero(x, "x")
        return wb.math.reciprocal(x)

    def _inverse(self, y):
        self._check_nonzero(y, "y")
        return wb.math.reciprocal(y)

    def _forward_log_det_jacobian(self, x):
        return -2.0 * wb.log(wb.abs(x))

    def _inverse_log_det_jacobian(self, y):
        return -2.0 * wb.log(wb.abs(y))
