"""The spectral mixture kernel (Wilson and Adams 2013)."""

from __future__ import annotations

import math

import workbench as wb

from .positive_semidefinite_kernel import PositiveSemidefiniteKernel

__all__ = ["SpectralMixture"]


class SpectralMixture(PositiveSemidefiniteKernel):
    """``k(x, y) = sum_j w_j prod_i exp(-2 (pi d_i scales[j, i])**2) cos(2 pi d_i locs[j, i])`` for
    ``d = x - y``: the stationary kernel whose spectral density is a mixture of ``M`` diagonal
    normals. ``logits`` has shape ``batch + [M]``, ``locs`` and ``scales`` (positive, acting as
    inverse length scales) ``batch + [M] + F``. The weights are ``w = exp(logits)``, unnormalized,
    as TFP 0.25 computes them (its docstring speaks of a softmax). Off-diagonal values may be
    negative."""

    def __init__(self, logits, locs, scales, feature_ndims=1, validate_args=False, name="SpectralMixture"):
        parameters = dict(locals())
        super().__init__(feature_ndims, None, name, validate_args, parameters)
        self._param_feature_ndims = {"logits": 1, "locs": 1 + int(feature_ndims), "scales": 1 + int(feature_ndims)}
        self._init_params(dict(logits=logits, locs=locs, scales=scales), positive=("scales",))
        for pname, nd in self._param_feature_ndims.items():
            if self._params[pname].ndim < nd:
                raise ValueError(f"SpectralMixture: `{pname}` must have at least {nd} dims (the mixture"
                                 f"{' and feature' if nd > 1 else ''} dims), got shape "
                                 f"{tuple(self._params[pname].shape)}")

    @property
    def logits(self):
        return self._params["logits"]

    @property
    def locs(self):
        return self._params["locs"]

    @property
    def scales(self):
        return self._params["scales"]

    def _apply(self, x1, x2, example_ndims):
        f = self._feature_ndims
        d = x1 - x2
        d = wb.reshape(d, tuple(d.shape[:d.ndim - f]) + (1,) + tuple(d.shape[d.ndim - f:]))   # the mixture axis
        locs = self._param("locs", example_ndims)
        scales = self._param("scales", example_ndims)
        decay = self._sum_features(-2.0 * math.pi ** 2 * wb.square(d * scales))
        cosines = wb.cos(2.0 * math.pi * d * locs)
        if f:
            cosines = wb.reduce_prod(cosines, axis=list(range(-f, 0)))
        terms = wb.exp(decay) * cosines
        return wb.reduce_sum(wb.exp(self._param("logits", example_ndims)) * terms, axis=-1)
