"""Softplus: ``y = c * log(1 + exp(x / c)) + low``, from the reals to ``(low, inf)``."""

import workbench as wb

from .bijector import Bijector, as_bijector_param, like

__all__ = ["Softplus"]


class Softplus(Bijector):
    """``y = hinge_softness * softplus(x / hinge_softness) + low``.

    ``hinge_softness`` (default 1) sharpens the hinge as it goes to 0; ``low`` (default 0)
    shifts the lower bound. ``log|dy/dx| = log sigmoid(x / c) = -softplus(-x / c)``.

    >>> Softplus().forward(wb.constant([0.0])).numpy()   # log 2
    array([0.6931472], dtype=float32)
    """

    _param_event_ndims = {"hinge_softness": 0, "low": 0}

    def __init__(self, hinge_softness=None, low=None, validate_args=False, name="softplus"):
        parameters = dict(locals())
        self._hinge_softness = as_bijector_param(hinge_softness, "hinge_softness", "Softplus")
        self._low = as_bijector_param(low, "low", "Softplus")
        dtype = next((p.dtype for p in (self._hinge_softness, self._low) if isinstance(p, wb.Tensor)), None)
        super().__init__(forward_min_event_ndims=0, validate_args=validate_args, dtype=dtype,
                         parameters=parameters, name=name)

    @property
    def hinge_softness(self):
        return self._hinge_softness

    @property
    def low(self):
        return self._low

    def _forward(self, x):
        c = self._hinge_softness
        y = wb.softplus(x) if c is None else like(c, x) * wb.softplus(x / like(c, x))
        return y if self._low is None else y + like(self._low, x)

    def _inverse(self, y):
        if self._low is not None:
            y = y - like(self._low, y)
        c = self._hinge_softness
        return wb.math.softplus_inverse(y) if c is None else like(c, y) * wb.math.softplus_inverse(y / like(c, y))

    def _forward_log_det_jacobian(self, x):
        c = self._hinge_softness
        return -wb.softplus(-x if c is None else -x / like(c, x))

    def _inverse_log_det_jacobian(self, y):
        # dx/dy = 1 / (1 - exp(-y/c)): -log1mexp, exact for large and tiny y
        if self._low is not None:
            y = y - like(self._low, y)
        c = self._hinge_softness
        z = y if c is None else y / like(c, y)
        ildj = -wb.math.log1mexp(-z)
        # NaN off the range (y below low), as TFP's log(-expm1(-y)); log1mexp alone takes |y|
        return wb.where(z < 0, wb.zeros_like(ildj) + float("nan"), ildj)

    def _is_increasing(self):
        c = self._hinge_softness
        return True if c is None else c > 0
