"""Sigmoid: ``y = low + (high - low) * sigmoid(x)``, from the reals to ``(low, high)``."""

import workbench as wb

from .bijector import Bijector, as_bijector_param, like

__all__ = ["Sigmoid"]


class Sigmoid(Bijector):
    """``y = sigmoid(x)`` on ``(0, 1)``, or ``high * sigmoid(x) + low * sigmoid(-x)`` on ``(low, high)``.

    ``log|dy/dx| = log(high - low) - softplus(-x) - softplus(x)``, finite for any ``x``.

    >>> Sigmoid(low=-1.0, high=1.0).forward(wb.constant(0.0)).numpy()
    0.0
    """

    _param_event_ndims = {"low": 0, "high": 0}

    def __init__(self, low=None, high=None, validate_args=False, name="sigmoid"):
        parameters = dict(locals())
        if (low is None) != (high is None):
            raise ValueError("Sigmoid: give both `low` and `high`, or neither")
        self._low = as_bijector_param(low, "low", "Sigmoid")
        self._high = as_bijector_param(high, "high", "Sigmoid")
        dtype = next((p.dtype for p in (self._low, self._high) if isinstance(p, wb.Tensor)), None)
        super().__init__(forward_min_event_ndims=0, validate_args=validate_args, dtype=dtype,
                         parameters=parameters, name=name)

    @property
    def low(self):
        return self._low

    @property
    def high(self):
        return self._high

    def _forward(self, x):
        if self._low is None:
            return wb.sigmoid(x)
        # both ends weighted: exact at either bound, where low + (high-low)*s would round
        return like(self._high, x) * wb.sigmoid(x) + like(self._low, x) * wb.sigmoid(-x)

    def _inverse(self, y):
        if self._low is None:
            return wb.log(y) - wb.log1p(-y)
        return wb.log(y - like(self._low, y)) - wb.log(like(self._high, y) - y)

    def _forward_log_det_jacobian(self, x):
        ldj = -wb.softplus(-x) - wb.softplus(x)
        if self._low is None:
            return ldj
        return ldj + wb.log(like(self._high, x) - like(self._low, x))

    def _inverse_log_det_jacobian(self, y):
        if self._low is None:
            return -wb.log(y) - wb.log1p(-y)
        low, high = like(self._low, y), like(self._high, y)
        return wb.log(high - low) - wb.log(y - low) - wb.log(high - y)

    def _is_increasing(self):
        if self._low is None:
            return True
        ref = next((p for p in (self._low, self._high) if isinstance(p, wb.Tensor)), None)
        if ref is None:
            return self._high > self._low
        return like(self._high, ref) > like(self._low, ref)
