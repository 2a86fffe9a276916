"""The exponential curve kernel (Swersky et al. 2014, freeze-thaw Bayesian optimization)."""

from __future__ import annotations

import workbench as wb

from .positive_semidefinite_kernel import PositiveSemidefiniteKernel

__all__ = ["ExponentialCurve"]


class ExponentialCurve(PositiveSemidefiniteKernel):
    """``k(x, y) = int_0^inf exp(-s x) exp(-s y) Gamma(s | concentration, rate) ds
    = (rate / (rate + x + y))**concentration`` for ``x, y >= 0``; with several feature dims
    ``x`` and ``y`` are the sums of their features. Its draws favour decaying exponentials."""

    def __init__(self, concentration, rate, feature_ndims=1, validate_args=False, name="ExponentialCurve"):
        parameters = dict(locals())
        super().__init__(feature_ndims, None, name, validate_args, parameters)
        self._init_params(dict(concentration=concentration, rate=rate), positive=("concentration", "rate"))

    @property
    def concentration(self):
        return self._params["concentration"]

    @property
    def rate(self):
        return self._params["rate"]

    def _apply(self, x1, x2, example_ndims):
        rate = self._param("rate", example_ndims)
        conc = self._param("concentration", example_ndims)
        s = self._sum_features(x1) + self._sum_features(x2)
        return wb.exp(conc * (wb.log(rate) - wb.log(rate + s)))
