"""The uniform distribution on the unit sphere."""

from __future__ import annotations

import math

import numpy as np

import workbench as wb

from .. import internal
from .distribution import FULLY_REPARAMETERIZED, Distribution, no_event_space_bijector

__all__ = ["SphericalUniform"]


def log_sphere_area(dimension):
    """``log`` of the surface area of the unit sphere in ``dimension`` dims: ``log 2 + (d/2) log pi - lgamma(d/2)``."""
    d = float(dimension)
    return math.log(2.0) + 0.5 * d * math.log(math.pi) - math.lgamma(0.5 * d)


class SphericalUniform(Distribution):
    """``SphericalUniform(dimension, batch_shape=())``: uniform on the unit sphere in ``dimension``
    dims (event shape ``[dimension]``); draws are normalized Gaussian vectors.

    >>> SphericalUniform(3).entropy().numpy()      # log(4 pi)
    2.5310242
    """

    _default_event_space_bijector = no_event_space_bijector

    def __init__(self, dimension, batch_shape=(), dtype=np.float32, validate_args=False, allow_nan_stats=True,
                 name="SphericalUniform"):
        parameters = dict(locals())
        if int(dimension) != dimension or int(dimension) < 1:
            raise ValueError(f"SphericalUniform: `dimension` must be a positive integer, got {dimension!r}")
        self._dimension = int(dimension)
        self._batch = internal.shape_tuple(batch_shape, "batch_shape")
        super().__init__(dtype, FULLY_REPARAMETERIZED, validate_args, allow_nan_stats, parameters, name)

    @property
    def dimension(self):
        return self._dimension

    def _batch_shape(self):
        return self._batch

    def __getitem__(self, slices):
        # no parameters to slice: the batch shape itself is sliced
        try:
            batch = np.empty(self._batch, dtype=np.int8)[slices].shape
        except IndexError as exc:
            raise IndexError(f"SphericalUniform: cannot slice batch shape {list(self._batch)} with {slices!r}: "
                             f"{exc}") from None
        return self.copy(batch_shape=batch)

    def _event_shape(self):
        return (self._dimension,)

    def _sample_n(self, n, seed):
        z = wb.random.stateless_normal((n,) + self._batch + (self._dimension,), seed=seed, dtype=self.dtype)
        return z / wb.linalg.norm(z, axis=-1, keepdims=True)

    def _log_prob(self, x):
        shape = internal.broadcast_shapes(tuple(x.shape[:-1]), self._batch)
        return wb.zeros(shape, dtype=self.dtype) - log_sphere_area(self._dimension)

    def _entropy(self):
        return wb.fill(self._batch, np.asarray(log_sphere_area(self._dimension), dtype=self.dtype))

    def _mean(self):
        return wb.zeros(self._batch + (self._dimension,), dtype=self.dtype)

    def _covariance(self):
        eye = wb.eye(self._dimension, dtype=self.dtype) / self._dimension
        return wb.broadcast_to(eye, self._batch + (self._dimension, self._dimension))
