"""SinhArcsinh: ``y = c * sinh((arcsinh(x) + skewness) * tailweight)``, ``c = 2 / sinh(asinh(2) * tailweight)``."""

import workbench as wb

from .bijector import Bijector, as_bijector_param, like

__all__ = ["SinhArcsinh"]


class SinhArcsinh(Bijector):
    """``y = c * sinh((asinh(x) + skewness) * tailweight)``; ``x = sinh(asinh(y / c) / tailweight - skewness)``,
    with TFP's ``c = 2 / sinh(asinh(2) * tailweight)`` (so that, without skewness, 2 maps to 2).

    ``log|dy/dx| = log(c tailweight) + log cosh((asinh(x) + skewness) * tailweight) - log1p(x**2) / 2``.
    ``skewness=0, tailweight=1`` is the identity; ``tailweight > 1`` fattens the tails.

    >>> SinhArcsinh(skewness=0.0, tailweight=1.0).forward(wb.constant(2.0)).numpy()
    2.0
    """

    _param_event_ndims = {"skewness": 0, "tailweight": 0}

    def __init__(self, skewness=None, tailweight=None, validate_args=False, name="sinh_arcsinh"):
        parameters = dict(locals())
        self._skewness = as_bijector_param(0.0 if skewness is None else skewness, "skewness", "SinhArcsinh")
        self._tailweight = as_bijector_param(1.0 if tailweight is None else tailweight, "tailweight", "SinhArcsinh")
        dtype = next((p.dtype for p in (self._skewness, self._tailweight) if isinstance(p, wb.Tensor)), None)
        super().__init__(forward_min_event_ndims=0, validate_args=validate_args, dtype=dtype,
                         parameters=parameters, name=name)
        if validate_args:
            v = self._tailweight.numpy() if isinstance(self._tailweight, wb.Tensor) else self._tailweight
            if not ((v > 0).all() if hasattr(v, "all") else v > 0):
                raise ValueError(f"SinhArcsinh: argument `tailweight` must be positive, got {v!r}")

    @property
    def skewness(self):
        return self._skewness

    @property
    def tailweight(self):
        return self._tailweight

    def _log_multiplier(self, tw):
        """``log c``, ``c = 2 / sinh(asinh(2) * tailweight)``."""
        two = wb.constant(2.0, dtype=tw.dtype)
        return wb.log(two) - wb.log(wb.sinh(wb.asinh(two) * tw))

    def _forward(self, x):
        tw = like(self._tailweight, x)
        return wb.sinh((wb.asinh(x) + like(self._skewness, x)) * tw) * wb.exp(self._log_multiplier(tw))

    def _inverse(self, y):
        tw = like(self._tailweight, y)
        return wb.sinh(wb.asinh(y * wb.exp(-self._log_multiplier(tw))) / tw - like(self._skewness, y))

    def _forward_log_det_jacobian(self, x):
        tw = like(self._tailweight, x)
        u = (wb.asinh(x) + like(self._skewness, x)) * tw
        # log cosh(u) = |u| + log1p(exp(-2|u|)) - log 2: finite for large |u|
        log_cosh = wb.abs(u) + wb.log1p(wb.exp(-2.0 * wb.abs(u))) - 0.6931471805599453
        return self._log_multiplier(tw) + wb.log(tw) + log_cosh - 0.5 * wb.log1p(wb.square(x))

    def _is_increasing(self):
        return True
