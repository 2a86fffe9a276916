"""PowerTransform: the Box-Cox inverse ``y = (1 + x * power)**(1 / power)``, ``exp(x)`` at power 0."""

import numpy as np

import workbench as wb

from ._param_checks import init_scalar_bijector, param_property
from .bijector import Bijector, like

__all__ = ["PowerTransform"]


class PowerTransform(Bijector):
    """``y = (1 + x * c)**(1 / c)`` for ``c = power > 0`` (on ``1 + x * c > 0``), ``y = exp(x)`` for
    ``c = 0``; ``x = (y**c - 1) / c`` (``log y``). ``log dy/dx = (1 / c - 1) log1p(x * c)``
    (``x`` at ``c = 0``).

    >>> PowerTransform(0.5).forward(wb.constant(1.0)).numpy()   # (1 + 0.5)**2
    2.25
    """

    _param_event_ndims = {"power": 0}

    def __init__(self, power=0.0, validate_args=False, parameters=None, name="power_transform"):
        parameters = dict(locals()) if parameters is None else parameters
        init_scalar_bijector(self, "PowerTransform", {"power": power}, validate_args, parameters, name)
        p = self._power.numpy() if isinstance(self._power, wb.Tensor) else self._power
        if np.any(np.asarray(p) < 0):
            raise ValueError(f"PowerTransform: argument `power` must be non-negative, got {p!r}")

    power = param_property("power")

    def _zero(self, t):
        """(c as a tensor with zeros replaced by 1, mask of the zero powers) or None for a Python 0."""
        if not isinstance(self._power, wb.Tensor) and not hasattr(self._power, "shape"):
            return (None, None) if self._power == 0 else (like(self._power, t), None)
        c = like(self._power, t)
        is_zero = wb.equal(c, 0.0)
        return wb.where(is_zero, wb.ones_like(c), c), is_zero

    def _forward(self, x):
        c, is_zero = self._zero(x)
        if c is None:
            return wb.exp(x)
        y = wb.exp(wb.log1p(x * c) / c)
        return y if is_zero is None else wb.where(is_zero, wb.exp(x), y)

    def _inverse(self, y):
        c, is_zero = self._zero(y)
        if c is None:
            return wb.log(y)
        x = wb.expm1(c * wb.log(y)) / c
        return x if is_zero is None else wb.where(is_zero, wb.log(y), x)

    def _forward_log_det_jacobian(self, x):
        c, is_zero = self._zero(x)
        if c is None:
            return x
        ldj = (1.0 / c - 1.0) * wb.log1p(x * c)
        return ldj if is_zero is None else wb.where(is_zero, x, ldj)

    def _inverse_log_det_jacobian(self, y):
        c, is_zero = self._zero(y)
        if c is None:
            return -wb.log(y)
        ldj = (c - 1.0) * wb.log(y)
        return ldj if is_zero is None else wb.where(is_zero, -wb.log(y), ldj)

    def _is_increasing(self):
        return True
