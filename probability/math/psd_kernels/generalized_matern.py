"""The Matern kernel of any smoothness ``df``."""

from __future__ import annotations

import math

import workbench as wb

from ..special import bessel_kve
from .exponentiated_quadratic import length_scale_of
from .matern import safe_norm
from .positive_semidefinite_kernel import PositiveSemidefiniteKernel

__all__ = ["GeneralizedMatern"]


class GeneralizedMatern(PositiveSemidefiniteKernel):
    """``k = amplitude**2 * 2**(1 - df) / Gamma(df) * (sqrt(2 df) z)**df * K_df(sqrt(2 df) z)`` with
    ``z = ||x - y|| / length_scale`` and ``K`` the modified Bessel function of the second kind;
    ``k = amplitude**2`` at ``z = 0``. ``df`` of 1/2, 3/2 and 5/2 give ``MaternOneHalf``,
    ``MaternThreeHalves`` and ``MaternFiveHalves``; ``df`` may be batched.

    >>> k = GeneralizedMatern(df=[0.5, 1.5], length_scale=1., amplitude=0.5)
    >>> k.matrix([[0.]], [[1.]]).shape
    (2, 1, 1)
    """

    def __init__(self, df, amplitude=None, length_scale=None, inverse_length_scale=None, feature_ndims=1,
                 validate_args=False, name="GeneralizedMatern"):
        parameters = dict(locals())
        if length_scale is not None and inverse_length_scale is not None:
            raise ValueError("GeneralizedMatern: give `length_scale` or `inverse_length_scale`, not both")
        super().__init__(feature_ndims, None, name, validate_args, parameters)
        self._init_params(dict(df=df, amplitude=amplitude, length_scale=length_scale,
                               inverse_length_scale=inverse_length_scale),
                          positive=("df", "amplitude", "length_scale"))

    @property
    def df(self):
        return self._params["df"]

    @property
    def amplitude(self):
        return self._params["amplitude"]

    @property
    def length_scale(self):
        return self._params["length_scale"]

    @property
    def inverse_length_scale(self):
        return self._params["inverse_length_scale"]

    def _apply(self, x1, x2, example_ndims):
        r = safe_norm(self._squared_distance(x1, x2))
        ls = length_scale_of(self, example_ndims)
        if ls is not None:
            r = r / ls
        df = self._param("df", example_ndims)
        z = wb.math.sqrt(2.0 * df) * r
        pos = z > 0
        safe_z = wb.where(pos, z, wb.ones_like(z))
        # log of 2**(1-df) / Gamma(df) * z**df * K_df(z), with K_df(z) = kve(df, z) exp(-z)
        log_k = ((1.0 - df) * math.log(2.0) - wb.lgamma(df) + df * wb.log(safe_z)
                 + wb.log(bessel_kve(df, safe_z)) - safe_z)
        out = wb.where(pos, wb.exp(log_k), wb.ones_like(log_k))
        amp = self._param("amplitude", example_ndims)
        return out if amp is None else wb.square(amp) * out
