"""Power: ``y = x**power`` on the positive reals."""

import workbench as wb

from ._param_checks import init_scalar_bijector, param_property
from .bijector import Bijector, like

__all__ = ["Power"]


class Power(Bijector):
    """``y = x**power`` for ``x > 0`` and ``power != 0``; ``log|dy/dx| = log|power| + (power - 1) log x``.

    >>> Power(3.0).inverse(wb.constant(8.0)).numpy()
    2.0
    """

    _param_event_ndims = {"power": 0}

    def __init__(self, power, validate_args=False, name="power"):
        parameters = dict(locals())
        init_scalar_bijector(self, "Power", {"power": power}, validate_args, parameters, name)
        p = self._power.numpy() if isinstance(self._power, wb.Tensor) else self._power
        if (p == 0).any() if hasattr(p, "any") else p == 0:
            raise ValueError("Power: argument `power` must be non-zero (power 0 is not invertible; use Exp)")

    power = param_property("power")

    def _forward(self, x):
        return wb.pow(x, like(self._power, x))

    def _inverse(self, y):
        return wb.pow(y, 1.0 / like(self._power, y))

    def _forward_log_det_jacobian(self, x):
        p = like(self._power, x)
        return wb.log(wb.abs(p)) + (p - 1.0) * wb.log(x)

    def _inverse_log_det_jacobian(self, y):
        p = like(self._power, y)
        return -wb.log(wb.abs(p)) + (1.0 / p - 1.0) * wb.log(y)

    def _is_increasing(self):
        return self._power > 0
