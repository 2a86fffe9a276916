"""GeneralizedExtremeValueCDF: the GEV CDF, from the GEV support to ``(0, 1)``."""

import workbench as wb

from ._param_checks import init_scalar_bijector, param_property
from .bijector import Bijector, like

__all__ = ["GeneralizedExtremeValueCDF"]


def gev_t(z, conc):
    """``t(z) = (1 + conc z)**(-1 / conc)``, ``exp(-z)`` where ``conc == 0``; the GEV CDF is ``exp(-t)``."""
    zero = wb.math.equal(conc, 0.0)
    safe = wb.where(zero, wb.ones_like(conc), conc)
    return wb.where(zero, wb.exp(-z), wb.exp(-wb.log1p(z * safe) / safe))


def gev_z(t, conc):
    """The inverse of ``gev_t``: ``z = expm1(-conc log t) / conc``, ``-log t`` where ``conc == 0``."""
    zero = wb.math.equal(conc, 0.0)
    safe = wb.where(zero, wb.ones_like(conc), conc)
    log_t = wb.log(t)
    return wb.where(zero, -log_t, wb.expm1(-log_t * safe) / safe)


class GeneralizedExtremeValueCDF(Bijector):
    """``y = exp(-t)`` with ``t = (1 + concentration * z)**(-1 / concentration)``
    (``exp(-z)`` for ``concentration == 0``), ``z = (x - loc) / scale``, on ``1 + concentration * z > 0``;
    ``log|dy/dx| = (1 + concentration) log t - t - log(scale)``.

    >>> GeneralizedExtremeValueCDF().forward(wb.constant(0.0)).numpy()   # the Gumbel CDF: exp(-1)
    0.36787942
    """

    _param_event_ndims = {"loc": 0, "scale": 0, "concentration": 0}

    def __init__(self, loc=0.0, scale=1.0, concentration=0, validate_args=False,
                 name="generalizedextremevalue_cdf"):
        parameters = dict(locals())
        init_scalar_bijector(self, "GeneralizedExtremeValueCDF", {"loc": loc, "scale": scale,
                             "concentration": concentration}, validate_args, parameters, name, positive=("scale",))

    loc = param_property("loc")
    scale = param_property("scale")
    concentration = param_property("concentration")

    def _t(self, x):
        z = (x - like(self._loc, x)) / like(self._scale, x)
        return gev_t(z, like(self._concentration, x))

    def _forward(self, x):
        return wb.exp(-self._t(x))

    def _inverse(self, y):
        return like(self._loc, y) + like(self._scale, y) * gev_z(-wb.log(y), like(self._concentration, y))

    def _forward_log_det_jacobian(self, x):
        t = self._t(x)
        return (1.0 + like(self._concentration, x)) * wb.log(t) - t - wb.log(like(self._scale, x))

    def _inverse_log_det_jacobian(self, y):
        t = -wb.log(y)
        return wb.log(like(self._scale, y)) - (1.0 + like(self._concentration, y)) * wb.log(t) + t

    def _is_increasing(self):
        return True
