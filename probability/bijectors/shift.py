"""Shift: ``y = x + shift``."""

import workbench as wb

from .bijector import Bijector, as_bijector_param, like

__all__ = ["Shift"]


class Shift(Bijector):
    """``y = x + shift`` (log-det 0). ``shift``'s shape broadcasts against ``x``.

    >>> Shift([1.0, 2.0]).forward(wb.constant(0.0)).numpy()
    array([1., 2.], dtype=float32)
    """

    _param_event_ndims = {"shift": 0}

    def __init__(self, shift, validate_args=False, name="shift"):
        parameters = dict(locals())
        self._shift = as_bijector_param(shift, "shift", "Shift")
        dtype = self._shift.dtype if isinstance(self._shift, wb.Tensor) else None
        super().__init__(forward_min_event_ndims=0, is_constant_jacobian=True, validate_args=validate_args,
                         dtype=dtype, parameters=parameters, name=name)

    @property
    def shift(self):
        return self._shift

    def _forward(self, x):
        return x + like(self._shift, x)

    def _inverse(self, y):
        return y - like(self._shift, y)

    def _forward_log_det_jacobian(self, x):
        return wb.zeros((), dtype=x.dtype)

    def _inverse_log_det_jacobian(self, y):
        return wb.zeros((), dtype=y.dtype)

    def _is_increasing(self):
        return True
