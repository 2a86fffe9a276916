"""KumaraswamyTransformed: a kernel on inputs in [0, 1] warped by the Kumaraswamy CDF."""

from __future__ import annotations

import workbench as wb

from .feature_transformed import FeatureTransformed

__all__ = ["KumaraswamyTransformed"]


class KumaraswamyTransformed(FeatureTransformed):
    """``k(x, y) = kernel(F(x), F(y))`` with the Kumaraswamy CDF
    ``F(u) = 1 - (1 - u**concentration1)**concentration0`` per feature of inputs in ``[0, 1]``: a
    stationary kernel made non-stationary. The concentrations have the feature shape (plus batch
    dims), like FeatureScaled's ``scale_diag``."""

    def __init__(self, kernel, concentration1, concentration0, validate_args=False,
                 name="KumaraswamyTransformedKernel"):
        parameters = dict(locals())
        super().__init__(kernel, self._warp, validate_args, parameters, name)
        self._param_feature_ndims = {"concentration1": kernel.feature_ndims, "concentration0": kernel.feature_ndims}
        self._init_params(dict(concentration1=concentration1, concentration0=concentration0),
                          dtype_hint=kernel.dtype, positive=("concentration1", "concentration0"))

    @property
    def concentration1(self):
        return self._params["concentration1"]

    @property
    def concentration0(self):
        return self._params["concentration0"]

    def _param_nd(self, name, example_ndims):
        """The concentration with ``example_ndims`` ones before its feature dims (a scalar stays one)."""
        v = wb.convert_to_tensor(self._params[name])
        f = min(self._feature_ndims, v.ndim)
        shape = tuple(v.shape)
        return wb.reshape(v, shape[:len(shape) - f] + (1,) * example_ndims + shape[len(shape) - f:])

    def _warp(self, x, feature_ndims, example_ndims):
        c1 = self._param_nd("concentration1", example_ndims)
        c0 = self._param_nd("concentration0", example_ndims)
        # 1 - (1 - x**c1)**c0 as -expm1(c0 log1p(-x**c1)): accurate near 0 and 1
        return -wb.expm1(c0 * wb.log1p(-wb.pow(x, c1)))
