"""GeneralizedPareto: the reals onto the support of a generalized Pareto distribution."""

import workbench as wb

from ._param_checks import check_positive
from .bijector import Bijector, as_bijector_param, like

__all__ = ["GeneralizedPareto"]


class GeneralizedPareto(Bijector):
    """The reals onto ``[loc, inf)`` where ``concentration >= 0`` (``y = loc + softplus(x)``) and onto
    ``[loc, loc + scale / |concentration|]`` where ``concentration < 0``
    (``y = loc + (scale / |concentration|) * sigmoid(x)``).

    >>> GeneralizedPareto(loc=1.0, scale=2.0, concentration=-0.5).forward(wb.constant(0.0)).numpy()
    3.0
    """

    _param_event_ndims = {"loc": 0, "scale": 0, "concentration": 0}

    def __init__(self, loc, scale, concentration, validate_args=False, name="generalized_pareto"):
        parameters = dict(locals())
        owner = "GeneralizedPareto"
        self._loc = as_bijector_param(loc, "loc", owner)
        self._scale = as_bijector_param(scale, "scale", owner)
        self._concentration = as_bijector_param(concentration, "concentration", owner)
        dtype = next((p.dtype for p in (self._loc, self._scale, self._concentration)
                      if isinstance(p, wb.Tensor)), None)
        super().__init__(forward_min_event_ndims=0, validate_args=validate_args, dtype=dtype,
                         parameters=parameters, name=name)
        if validate_args:
            check_positive(owner, scale=self._scale)

    @property
    def loc(self):
        return self._loc

    @property
    def scale(self):
        return self._scale

    @property
    def concentration(self):
        return self._concentration

    def _width(self, x):
        """(bounded, width): where the support is bounded, and its width there (1 elsewhere)."""
        width = like(self._scale, x) / like(self._concentration, x)
        # a huge scale over a tiny negative concentration overflows: the support is then unbounded
        bounded = (like(self._concentration, x) < 0) & wb.math.is_finite(width)
        return bounded, wb.where(bounded, -width, wb.ones_like(width))

    def _forward(self, x):
        bounded, width = self._width(x)
        return like(self._loc, x) + wb.where(bounded, width * wb.sigmoid(x), wb.softplus(x))

    def _inverse(self, y):
        bounded, width = self._width(y)
        u = y - like(self._loc, y)
        safe_u = wb.where(bounded, wb.ones_like(u), u)
        return wb.where(bounded, wb.log(u) - wb.log(width - u), wb.math.softplus_inverse(safe_u))

    def _forward_log_det_jacobian(self, x):
        bounded, width = self._width(x)
        return wb.where(bounded, wb.log(width) - wb.softplus(-x) - wb.softplus(x), -wb.softplus(-x))

    def _inverse_log_det_jacobian(self, y):
        bounded, width = self._width(y)
        u = y - like(self._loc, y)
        # softplus' = sigmoid: at x = softplus_inverse(u), log dx/du = -log(-expm1(-u))
        return wb.where(bounded, wb.log(width) - wb.log(u) - wb.log(width - u), -wb.math.log1mexp(u))

    def _is_increasing(self):
        return True
