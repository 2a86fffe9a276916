"""Cumsum: cumulative sums along an axis."""

import workbench as wb

from .bijector import Bijector

__all__ = ["Cumsum"]


class Cumsum(Bijector):
    """``y = cumsum(x, axis)``; ``x`` is ``y`` minus ``y`` shifted by one along ``axis``.
    Volume preserving: ``log|det J| = 0``. ``axis`` must be negative (it counts event dims).

    >>> Cumsum().forward(wb.constant([1.0, 2.0, 3.0])).numpy()
    array([1., 3., 6.], dtype=float32)
    """

    def __init__(self, axis=-1, validate_args=False, name="cumsum"):
        if not isinstance(axis, int) or axis >= 0:
            raise ValueError(f"Cumsum: argument `axis` must be a negative int, got {axis!r}")
        self._axis = axis
        super().__init__(forward_min_event_ndims=-axis, is_constant_jacobian=True, validate_args=validate_args,
                         parameters=dict(locals()), name=name)

    @property
    def axis(self):
        return self._axis

    def _forward(self, x):
        return wb.cumsum(x, axis=self._axis)

    def _inverse(self, y):
        n = y.shape[self._axis]
        first = wb.gather(y, [0], axis=self._axis)
        later = wb.gather(y, list(range(1, n)), axis=self._axis) - wb.gather(y, list(range(n - 1)), axis=self._axis)
        return wb.concat([first, later], axis=self._axis)

    def _forward_log_det_jacobian(self, x):
        return wb.zeros((), dtype=x.dtype)
