"""The Logistic distribution."""

from __future__ import annotations

import math

import numpy as np

import workbench as wb

from ._loc_scale import LocScaleDistribution

__all__ = ["Logistic"]


class Logistic(LocScaleDistribution):
    """``Logistic(loc, scale)``: density ``exp(-z) / (scale * (1 + exp(-z))**2)``, ``z = (x - loc) / scale``.

    The CDF is ``sigmoid(z)``; samples are ``loc + scale * logit(U)`` (reparameterized).

    >>> d = Logistic(loc=0.0, scale=[1.0, 2.0])
    >>> d.batch_shape, d.sample(3, seed=1).shape
    ((2,), (3, 2))
    """

    def __init__(self, loc, scale, validate_args=False, allow_nan_stats=True, name="Logistic"):
        super().__init__(loc, scale, validate_args, allow_nan_stats, name)

    def _sample_n(self, n, seed):
        # the smallest normal number keeps log(u) finite
        u = wb.random.stateless_uniform((n,) + self.batch_shape, seed=seed,
                                        minval=float(np.finfo(self.dtype).tiny), maxval=1.0, dtype=self.dtype)
        return self._loc + self._scale * (wb.log(u) - wb.log1p(-u))

    def _log_prob(self, x):
        z = self._z(x)
        return -z - 2.0 * wb.softplus(-z) - wb.log(self._scale)

    def _cdf(self, x):
        return wb.sigmoid(self._z(x))

    def _log_cdf(self, x):
        return -wb.softplus(-self._z(x))

    def _survival_function(self, x):
        return wb.sigmoid(-self._z(x))

    def _log_survival_function(self, x):
        return -wb.softplus(self._z(x))

    def _quantile(self, p):
        return self._loc + self._scale * (wb.log(p) - wb.log1p(-p))

    def _mean(self):
        return self._loc * wb.ones_like(self._scale)

    def _mode(self):
        return self._mean()

    def _stddev(self):
        return self._scale * wb.ones_like(self._loc) * (math.pi / math.sqrt(3.0))

    def _entropy(self):
        return 2.0 + wb.log(self._scale) * wb.ones_like(self._loc)
