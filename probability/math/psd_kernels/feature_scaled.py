"""FeatureScaled: a kernel applied to inputs divided by a per-feature scale (automatic relevance)."""

from __future__ import annotations

import workbench as wb

from ... import internal
from .positive_semidefinite_kernel import PositiveSemidefiniteKernel

__all__ = ["FeatureScaled"]


class FeatureScaled(PositiveSemidefiniteKernel):
    """``k(x, y) = kernel(x / scale_diag, y / scale_diag)``; ``scale_diag`` has the feature shape
    (plus batch dims), or give ``inverse_scale_diag``."""

    _param_feature_ndims = {"scale_diag": None, "inverse_scale_diag": None}   # set per instance

    def __init__(self, kernel, scale_diag=None, inverse_scale_diag=None, validate_args=False, name="FeatureScaled"):
        parameters = dict(locals())
        if not isinstance(kernel, PositiveSemidefiniteKernel):
            raise TypeError(f"FeatureScaled: `kernel` must be a PositiveSemidefiniteKernel, got "
                            f"{type(kernel).__name__}")
        if (scale_diag is None) == (inverse_scale_diag is None):
            raise ValueError("FeatureScaled: give exactly one of `scale_diag` and `inverse_scale_diag`")
        super().__init__(kernel.feature_ndims, None, name, validate_args, parameters)
        self._kernel = kernel
        self._param_feature_ndims = {"scale_diag": kernel.feature_ndims, "inverse_scale_diag": kernel.feature_ndims}
        self._init_params(dict(scale_diag=scale_diag, inverse_scale_diag=inverse_scale_diag),
                          dtype_hint=kernel.dtype, positive=("scale_diag", "inverse_scale_diag"))
        for k, v in self._params.items():
            if v is not None and v.ndim < kernel.feature_ndims:
                raise ValueError(f"FeatureScaled: `{k}` has shape {v.shape}, which has fewer than the kernel's "
                                 f"feature_ndims={kernel.feature_ndims} dimensions")

    @property
    def kernel(self):
        return self._kernel

    @property
    def scale_diag(self):
        return self._params["scale_diag"]

    @property
    def inverse_scale_diag(self):
        return self._params["inverse_scale_diag"]

    @property
    def batch_shape(self):
        return wb.TensorShape(internal.broadcast_shapes(super().batch_shape, self._kernel.batch_shape))

    def _apply(self, x1, x2, example_ndims):
        scale = self._param("scale_diag", example_ndims)
        if scale is not None:
            x1, x2 = x1 / scale, x2 / scale
        else:
            inv = self._param("inverse_scale_diag", example_ndims)
            x1, x2 = x1 * inv, x2 * inv
        return self._kernel._apply(x1, x2, example_ndims)
