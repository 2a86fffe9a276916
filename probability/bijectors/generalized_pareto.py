"""GeneralizedPareto: the reals onto the support of a generalized Pareto distribution."""

import workbench as wb

from ._param_checks import init_scalar_bijector, param_property
from .bijector import Bijector, like

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
        init_scalar_bijector(self, "GeneralizedPareto", {"loc": loc, "scale": scale,
                             "concentration": concentration}, validate_args, parameters, name, positive=("scale",))

    loc = param_property("loc")
    scale = param_property("scale")
    concentration = param_property("concentration")

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
