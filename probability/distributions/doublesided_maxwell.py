"""The double-sided Maxwell distribution (``loc``, ``scale``)."""

from __future__ import annotations

import math

import workbench as wb

from .. import internal
from ._loc_scale import LocScaleDistribution

__all__ = ["DoublesidedMaxwell"]


class DoublesidedMaxwell(LocScaleDistribution):
    """``DoublesidedMaxwell(loc, scale)``: density ``z**2 exp(-z**2 / 2) / (scale sqrt(2 pi))``,
    ``z = (x - loc) / scale``: a Maxwell variable times a random sign (Mohamed et al., 2019, the
    measure-valued derivative of the Normal).

    Samples are ``loc + scale * s * |N3|`` (``s`` a random sign, ``N3`` a standard normal 3-vector),
    reparameterized. As TFP, only ``log_prob``, the mean and the variance are implemented.

    >>> d = DoublesidedMaxwell(loc=0.0, scale=[1.0, 2.0])
    >>> d.batch_shape, d.sample(3, seed=1).shape
    ((2,), (3, 2))
    """

    def __init__(self, loc, scale, validate_args=False, allow_nan_stats=True, name="doublesided_maxwell"):
        super().__init__(loc, scale, validate_args, allow_nan_stats, name)

    def _sample_n(self, n, seed):
        normal_seed, sign_seed = internal.split_seed(seed, 2, salt="DoublesidedMaxwell")
        shape = (n,) + tuple(self.batch_shape)
        normals = wb.random.stateless_normal(shape + (3,), seed=normal_seed, dtype=self.dtype)
        radius = wb.sqrt(wb.reduce_sum(wb.square(normals), axis=-1))
        u = wb.random.stateless_uniform(shape, seed=sign_seed, dtype=self.dtype)
        sign = wb.where(u < 0.5, -wb.ones_like(u), wb.ones_like(u))
        return self._loc + self._scale * sign * radius

    def _log_prob(self, x):
        z = self._z(x)
        return 2.0 * wb.log(wb.math.abs(z)) - 0.5 * wb.square(z) - 0.5 * math.log(2.0 * math.pi) - wb.log(self._scale)

    def _mean(self):
        return self._loc * wb.ones_like(self._scale)

    def _variance(self):
        return 3.0 * wb.square(self._scale) * wb.ones_like(self._loc)
