"""The Matern kernel of any smoothness ``df``."""

from __future__ import annotations

import math

import workbench as wb

from ..special import bessel_kve
from ._stationary import AmplitudeLengthScaleKernel, parameter

__all__ = ["GeneralizedMatern"]


class GeneralizedMatern(AmplitudeLengthScaleKernel):
    """``k = amplitude**2 * 2**(1 - df) / Gamma(df) * (sqrt(2 df) z)**df * K_df(sqrt(2 df) z)`` with
    ``z = ||x - y|| / length_scale`` and ``K`` the modified Bessel function of the second kind;
    ``k = amplitude**2`` at ``z = 0``. ``df`` of 1/2, 3/2 and 5/2 give ``MaternOneHalf``,
    ``MaternThreeHalves`` and ``MaternFiveHalves``; ``df`` may be batched.

    >>> k = GeneralizedMatern(df=[0.5, 1.5], length_scale=1., amplitude=0.5)
    >>> k.matrix([[0.]], [[1.]]).shape
    (2, 1, 1)
    """

    df = parameter("df")
    inverse_length_scale = parameter("inverse_length_scale")
    _inverse_length_scale = True

    def __init__(self, df, amplitude=None, length_scale=None, inverse_length_scale=None, feature_ndims=1,
                 validate_args=False, name="GeneralizedMatern"):
        self._init_kernel(feature_ndims, name, validate_args, dict(locals()), df=df, amplitude=amplitude,
                          length_scale=length_scale, inverse_length_scale=inverse_length_scale)

    def _apply(self, x1, x2, example_ndims):
        df = self._param("df", example_ndims)
        z = wb.math.sqrt(2.0 * df) * self._scaled_distance(x1, x2, example_ndims)
        pos = z > 0
        safe_z = wb.where(pos, z, wb.ones_like(z))
        # log of 2**(1-df) / Gamma(df) * z**df * K_df(z), with K_df(z) = kve(df, z) exp(-z)
        log_k = ((1.0 - df) * math.log(2.0) - wb.lgamma(df) + df * wb.log(safe_z)
                 + wb.log(bessel_kve(df, safe_z)) - safe_z)
        return self._amplified(wb.where(pos, wb.exp(log_k), wb.ones_like(log_k)), example_ndims)
