"""GumbelCDF: the Gumbel CDF, from the reals to ``(0, 1)``."""

import workbench as wb

from .bijector import Bijector, as_bijector_param, like

__all__ = ["GumbelCDF"]


class GumbelCDF(Bijector):
    """``y = exp(-exp(-(x - loc) / scale))``; ``x = loc - scale * log(-log y)``;
    ``log|dy/dx| = -log(scale) - z - exp(-z)`` with ``z = (x - loc) / scale``.

    >>> GumbelCDF(loc=0.0, scale=1.0).forward(wb.constant(0.0)).numpy()   # exp(-1)
    0.36787945
    """

    _param_event_ndims = {"loc": 0, "scale": 0}

    def __init__(self, loc=0.0, scale=1.0, validate_args=False, name="gumbel_cdf"):
        parameters = dict(locals())
        self._loc = as_bijector_param(loc, "loc", "GumbelCDF")
        self._scale = as_bijector_param(scale, "scale", "GumbelCDF")
        dtype = next((p.dtype for p in (self._loc, self._scale) if isinstance(p, wb.Tensor)), None)
        super().__init__(forward_min_event_ndims=0, validate_args=validate_args, dtype=dtype,
                         parameters=parameters, name=name)
        if validate_args:
            s = self._scale.numpy() if isinstance(self._scale, wb.Tensor) else self._scale
            if not (s > 0).all() if hasattr(s, "all") else not s > 0:
                raise ValueError(f"GumbelCDF: argument `scale` must be positive, got {s!r}")

    @property
    def loc(self):
        return self._loc

    @property
    def scale(self):
        return self._scale

    def _z(self, x):
        return (x - like(self._loc, x)) / like(self._scale, x)

    def _forward(self, x):
        return wb.exp(-wb.exp(-self._z(x)))

    def _inverse(self, y):
        return like(self._loc, y) - like(self._scale, y) * wb.log(-wb.log(y))

    def _forward_log_det_jacobian(self, x):
        z = self._z(x)
        return -wb.log(like(self._scale, x)) - z - wb.exp(-z)

    def _inverse_log_det_jacobian(self, y):
        return wb.log(like(self._scale, y)) - wb.log(-y * wb.log(y))

    def _is_increasing(self):
        return True
