"""The flat Dirichlet: the uniform distribution on the probability simplex."""

from __future__ import annotations

import math

import numpy as np

import workbench as wb

from .. import internal
from .dirichlet import Dirichlet
from ..internal import samplers

__all__ = ["FlatDirichlet"]


class FlatDirichlet(Dirichlet):
    """``FlatDirichlet(concentration_shape, dtype=float32)``: ``Dirichlet`` with every concentration 1,
    uniform on the simplex, so the density is ``(K - 1)!`` everywhere on it.

    ``concentration_shape``: ``batch_shape + [K]`` (a shape, not a tensor of parameters). Samples are
    the spacings of ``K - 1`` sorted uniforms. With ``force_probs_to_zero_outside_support=True``,
    ``log_prob`` is ``-inf`` off the simplex (a negative entry, or a sum off 1 by ``10 eps`` or more),
    as TFP's Dirichlet.

    >>> FlatDirichlet([2, 3]).log_prob([0.2, 0.3, 0.5]).numpy()      # log 2!
    array([0.6931472, 0.6931472], dtype=float32)
    """

    _param_event_ndims = {}

    @classmethod
    def parameter_properties(cls, dtype=np.float32, num_classes=None):
        return {}   # a shape, no tensor parameter (TFP's ShapeParameterProperties)

    def __init__(self, concentration_shape, dtype=np.float32, validate_args=False, allow_nan_stats=True,
                 force_probs_to_zero_outside_support=False, name="FlatDirichlet"):
        parameters = dict(locals())
        shape = internal.shape_tuple(concentration_shape, "concentration_shape")
        if not shape:
            raise ValueError("FlatDirichlet: argument `concentration_shape` must have rank at least 1 "
                             "(batch_shape + [K]), got []")
        if np.dtype(dtype).kind != "f":
            raise TypeError(f"FlatDirichlet: `dtype` must be a floating dtype, got {np.dtype(dtype)}")
        self._concentration_shape = shape
        self._force_probs_to_zero_outside_support = bool(force_probs_to_zero_outside_support)
        super().__init__(wb.ones(shape, dtype=dtype), validate_args, allow_nan_stats, name)
        self._parameters = {k: v for k, v in parameters.items() if k not in ("self", "__class__")}

    @property
    def concentration_shape(self):
        return self._concentration_shape

    @property
    def force_probs_to_zero_outside_support(self):
        return self._force_probs_to_zero_outside_support

    def _batch_shape(self):
        return self._concentration_shape[:-1]

    def __getitem__(self, slices):
        # no parameters to slice: the batch shape itself is sliced
        batch = self._concentration_shape[:-1]
        try:
            batch = np.empty(batch, dtype=np.int8)[slices].shape
        except IndexError as exc:
            raise IndexError(f"FlatDirichlet: cannot slice batch shape {list(batch)} with {slices!r}: "
                             f"{exc}") from None
        return self.copy(concentration_shape=tuple(batch) + self._concentration_shape[-1:])

    def _log_prob(self, x):
        k = self._concentration_shape[-1]
        shape = internal.broadcast_shapes(tuple(x.shape[:-1]), self._concentration_shape[:-1])
        lp = wb.fill(shape, np.asarray(math.lgamma(k), dtype=self.dtype))
        if self._force_probs_to_zero_outside_support:
            eps = float(np.finfo(self.dtype).eps)
            inside = wb.reduce_all(x >= 0, axis=-1) & (wb.math.abs(wb.reduce_sum(x, axis=-1) - 1.0) < 10 * eps)
            return wb.where(inside, lp, wb.zeros_like(lp) + float("-inf"))
        return lp

    def _sample_n(self, n, seed):
        k = self._concentration_shape[-1]
        batch = self._concentration_shape[:-1]
        u = wb.sort(samplers.uniform((n,) + batch + (k - 1,), minval=0.0, maxval=1.0, seed=seed, dtype=self.dtype), axis=-1)
        edges = wb.concat([wb.zeros((n,) + batch + (1,), dtype=self.dtype), u,
                           wb.ones((n,) + batch + (1,), dtype=self.dtype)], axis=-1)
        return edges[..., 1:] - edges[..., :-1]
