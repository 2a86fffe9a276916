"""The change-point kernel: a smooth switch between kernels along a weight of the input."""

from __future__ import annotations

import numpy as np

import workbench as wb

from ... import internal
from .positive_semidefinite_kernel import PositiveSemidefiniteKernel

__all__ = ["ChangePoint"]


def sum_rightmost_ndims_preserving_shape(x, ndims):
    """The sum of ``x`` over its rightmost ``ndims`` dims (``x`` itself when ``ndims`` is 0)."""
    return wb.reduce_sum(x, axis=list(range(-ndims, 0))) if ndims else x


class ChangePoint(PositiveSemidefiniteKernel):
    """``k(x, y) = sum_i w_i(x) kernels[i](x, y) w_i(y)`` with ``w_i = s_{i-1} (1 - s_i)``,
    ``s_i(x) = sigmoid(slopes[i] (weight_fn(x) - locs[i]))``, ``s_{-1} = 1`` and ``s_{n-1} = 0``:
    near ``kernels[i]`` between ``locs[i-1]`` and ``locs[i]`` (Wilson's change-point kernel).

    ``locs`` (ascending) and ``slopes`` (positive) have shape ``batch + [n - 1]`` for ``n`` kernels;
    ``weight_fn(x, feature_ndims)`` gives one number per point (default: the sum of its features).
    """

    _param_feature_ndims = {"locs": 1, "slopes": 1}

    def __init__(self, kernels, locs, slopes, weight_fn=sum_rightmost_ndims_preserving_shape, validate_args=False,
                 name="ChangePoint"):
        parameters = dict(locals())
        kernels = list(kernels)
        if len(kernels) < 2:
            raise ValueError(f"ChangePoint: `kernels` must hold at least 2 kernels, got {len(kernels)}")
        for i, k in enumerate(kernels):
            if not isinstance(k, PositiveSemidefiniteKernel):
                raise TypeError(f"ChangePoint: kernels[{i}] is a {type(k).__name__}, not a PositiveSemidefiniteKernel")
        if len({k.feature_ndims for k in kernels}) != 1:
            raise ValueError(f"ChangePoint: the kernels have different feature_ndims "
                             f"{[k.feature_ndims for k in kernels]}")
        if not callable(weight_fn):
            raise TypeError(f"ChangePoint: `weight_fn` must be callable, got {type(weight_fn).__name__}")
        dtypes = {np.dtype(k.dtype) for k in kernels if k.dtype is not None}
        if len(dtypes) > 1:
            raise TypeError(f"ChangePoint: the kernels have different dtypes {sorted(map(str, dtypes))}")
        super().__init__(kernels[0].feature_ndims, None, name, validate_args, parameters)
        self._kernels = kernels
        self._weight_fn = weight_fn
        self._init_params(dict(locs=locs, slopes=slopes), dtype_hint=dtypes.pop() if dtypes else np.float32,
                          positive=("slopes",))
        for pname in ("locs", "slopes"):
            v = self._params[pname]
            if v.ndim and v.shape[-1] not in (1, len(kernels) - 1):
                raise ValueError(f"ChangePoint: `{pname}` must have shape [..., {len(kernels) - 1}] (one per change "
                                 f"between {len(kernels)} kernels), got shape {tuple(v.shape)}")
        if validate_args and not np.all(np.diff(wb.convert_to_tensor(self._params["locs"]).numpy(), axis=-1) >= 0):
            raise ValueError("ChangePoint: argument `locs` must be ascending along its last dim")

    @property
    def kernels(self):
        return list(self._kernels)

    @property
    def locs(self):
        return self._params["locs"]

    @property
    def slopes(self):
        return self._params["slopes"]

    @property
    def weight_fn(self):
        return self._weight_fn

    @property
    def batch_shape(self):
        return wb.TensorShape(internal.broadcast_shapes(super().batch_shape, *[k.batch_shape for k in self._kernels]))

    def _weights(self, x, example_ndims):
        """``[w_0(x), ..., w_{n-1}(x)]``, each of shape ``batch + E``."""
        n = len(self._kernels)
        w = wb.convert_to_tensor(self._weight_fn(x, self._feature_ndims))
        locs = self._param("locs", example_ndims)
        slopes = self._param("slopes", example_ndims)
        s = wb.sigmoid(slopes * (w[..., None] - locs))
        s = s * wb.ones([n - 1], dtype=s.dtype)
        s = [s[..., i] for i in range(n - 1)]
        return [(s[i - 1] if i else 1.0) * ((1.0 - s[i]) if i < n - 1 else 1.0) for i in range(n)]

    def _apply(self, x1, x2, example_ndims):
        w1, w2 = self._weights(x1, example_ndims), self._weights(x2, example_ndims)
        return wb.add_n([a * k._apply(x1, x2, example_ndims) * b for a, k, b in zip(w1, self._kernels, w2)])
