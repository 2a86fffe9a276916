"""Softfloor: a smooth, invertible approximation of ``floor``."""

import workbench as wb

from .bijector import Bijector, as_bijector_param, like

__all__ = ["Softfloor"]

_LOG2 = 0.6931471805599453


def _log_cosh(z):
    a = wb.abs(z)
    return a + wb.log1p(wb.exp(-2.0 * a)) - _LOG2


class Softfloor(Bijector):
    """A soft ``floor(x)``: on each ``[k + 0.5, k + 1.5]`` a sigmoid step of width ``temperature``,
    rescaled to rise by exactly 1, plus ``sigmoid(-0.5 / temperature)``.

    With ``k = floor(x - 0.5)``, ``f = x - 0.5 - k`` and ``b = (f - 0.5) / (2 t)``:
    ``y = k + 0.5 + 0.5 tanh(b) / tanh(1 / (4 t)) + sigmoid(-0.5 / t)`` (the rescaled sigmoid written
    with ``tanh``, which keeps it exact for small and large ``t``);
    ``log dy/dx = -2 log cosh(b) - log(4 t) - log tanh(1 / (4 t))``. ``t -> 0`` tends to ``floor``
    (away from the integers), ``t -> inf`` to the identity.

    >>> Softfloor(temperature=0.01).forward(wb.constant([2.1, 3.2, 5.5])).numpy()   # about floor
    array([1.9999546, 3.       , 5.       ], dtype=float32)
    """

    _param_event_ndims = {"temperature": 0}

    def __init__(self, temperature, validate_args=False, name="softfloor"):
        parameters = dict(locals())
        self._temperature = as_bijector_param(temperature, "temperature", "Softfloor")
        if self._temperature is None:
            raise ValueError("Softfloor: argument `temperature` is required (a positive float)")
        dtype = self._temperature.dtype if isinstance(self._temperature, wb.Tensor) else None
        super().__init__(forward_min_event_ndims=0, validate_args=validate_args, dtype=dtype,
                         parameters=parameters, name=name)
        if validate_args:
            t = self._temperature.numpy() if isinstance(self._temperature, wb.Tensor) else self._temperature
            if not ((t > 0).all() if hasattr(t, "all") else t > 0):
                raise ValueError(f"Softfloor: argument `temperature` must be positive, got {t!r}")

    @property
    def temperature(self):
        return self._temperature

    def _parts(self, x):
        t = like(self._temperature, x)
        c2 = 0.25 / t
        # tanh(c2) = -expm1(-2 c2) / (1 + exp(-2 c2)): no rounding to 1 before the log, no 0/0 for large t
        e = wb.exp(-2.0 * c2)
        log_tanh_c2 = wb.log(-wb.expm1(-2.0 * c2)) - wb.log1p(e)
        return t, wb.exp(log_tanh_c2), log_tanh_c2

    def _forward(self, x):
        t, tanh_c2, _ = self._parts(x)
        s = x - 0.5
        k = wb.floor(s)
        b = (s - k - 0.5) / (2.0 * t)
        return k + 0.5 + 0.5 * wb.tanh(b) / tanh_c2 + wb.sigmoid(-0.5 / t)

    def _inverse(self, y):
        t, tanh_c2, _ = self._parts(y)
        z = y - wb.sigmoid(-0.5 / t)
        k = wb.floor(z)
        b = wb.atanh((2.0 * (z - k) - 1.0) * tanh_c2)
        return k + 1.0 + 2.0 * t * b

    def _forward_log_det_jacobian(self, x):
        t, _, log_tanh_c2 = self._parts(x)
        s = x - 0.5
        b = (s - wb.floor(s) - 0.5) / (2.0 * t)
        return -2.0 * _log_cosh(b) - wb.log(4.0 * t) - log_tanh_c2

    def _is_increasing(self):
        return True
