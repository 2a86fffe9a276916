"""The Bates distribution: the mean of ``total_count`` independent ``Uniform(low, high)`` draws."""

from __future__ import annotations

import numpy as np

import workbench as wb

from .. import internal
from ..internal import samplers
from .distribution import NOT_REPARAMETERIZED
from .uniform import Interval

__all__ = ["Bates"]


class Bates(Interval):
    """``Bates(total_count, low=0., high=1.)``: the mean of ``n = total_count`` uniform draws on
    ``[low, high]``. On the unit interval, with ``y = n u``,

    ``pdf(u) = n / (n-1)! sum_{k <= y} (-1)**k C(n, k) (y - k)**(n-1)``,
    ``cdf(u) = 1 / n! sum_{k <= y} (-1)**k C(n, k) (y - k)**n``.

    The sums alternate in sign; they are taken on the nearer half of the (symmetric) support,
    which keeps them accurate up to ``total_count`` of about 75 in float64 and 25 in float32
    (TFP's limits). ``total_count`` must hold positive integers (it is read when sampling and
    evaluating, so it cannot be traced). Samples are not reparameterized; as in TFP there is
    no ``quantile`` or ``entropy``.

    >>> d = Bates(total_count=[1.0, 3.0], low=0.0, high=2.0)
    >>> d.variance().numpy()
    array([0.33333334, 0.11111111], dtype=float32)
    """

    _param_event_ndims = {"total_count": 0, "low": 0, "high": 0}
    _param_constraints = {"low": "finite", "high": "finite"}

    def __init__(self, total_count, low=0.0, high=1.0, validate_args=False, allow_nan_stats=True, name="Bates"):
        parameters = dict(locals())
        dtype = internal.common_dtype([total_count, low, high])
        owner = type(self).__name__
        self._total_count = internal.as_param(total_count, "total_count", dtype, owner)
        self._low = internal.as_param(low, "low", dtype, owner)
        self._high = internal.as_param(high, "high", dtype, owner)
        super().__init__(dtype, NOT_REPARAMETERIZED, validate_args, allow_nan_stats, parameters, name)

    def _check_parameters(self):
        super()._check_parameters()
        n = np.asarray(self._total_count.numpy())
        if not np.all((n >= 1) & (n == np.round(n))):
            raise ValueError(f"Bates: argument `total_count` must be a positive integer, got {n!r}")

    @property
    def total_count(self):
        return self._total_count

    def _max_count(self):
        return int(np.max(wb.convert_to_tensor(self._total_count).numpy()))

    _sample_n_takes_any_seed = True

    def _sample_n(self, n, seed):
        # TFP's layout: one [sum(total_count), n] uniform draw, rows grouped by batch member
        # (segment means), then moved to [n] + batch
        counts = wb.reshape(wb.broadcast_to(wb.cast(self._total_count, wb.int32), self.batch_shape), [-1])
        total = int(wb.reduce_sum(counts).numpy())
        u = samplers.uniform([total, n], minval=0.0, maxval=1.0, dtype=self.dtype, seed=seed)
        ids = wb.repeat(wb.range(int(counts.shape[0])), counts)
        means = wb.reshape(wb.math.segment_mean(u, ids), tuple(self.batch_shape) + (n,))
        means = wb.transpose(means, [len(self.batch_shape)] + list(range(len(self.batch_shape))))
        return self._low + (self._high - self._low) * means

    def _alternating_sum(self, v, power):
        """``sum_{k <= n v} (-1)**k C(n, k) (n v - k)**(n - 1 + power) / (n - 1 + power)!`` for
        ``v`` in ``[0, 1/2]``: the unit-interval density over ``n`` (``power=0``) or CDF (``power=1``)."""
        n = self._total_count[..., None]
        y = v[..., None] * n
        k = wb.cast(wb.range(self._max_count() + 1), self.dtype)
        used = (k <= y) & (k <= n)
        d = wb.where(used, y - k, wb.ones_like(y))
        safe_n = wb.where(k <= n, n, k)
        log_binom = wb.lgamma(safe_n + 1.0) - wb.lgamma(k + 1.0) - wb.lgamma(safe_n - k + 1.0)
        e = n - 1.0 + power
        sign = 1.0 - 2.0 * wb.math.floormod(k, 2.0)
        terms = sign * wb.exp(log_binom - wb.lgamma(e + 1.0)) * wb.pow(d, e)
        return wb.reduce_sum(wb.where(used, terms, wb.zeros_like(terms)), axis=-1)

    def _unit(self, x):
        u = (x - self._low) / (self._high - self._low)
        inside = (u >= 0.0) & (u <= 1.0)
        near = wb.where(inside, wb.minimum(u, 1.0 - u), wb.zeros_like(u))   # the nearer end: v in [0, 1/2]
        return u, inside, near

    def _log_prob(self, x):
        _, inside, v = self._unit(x)
        density = self._total_count * self._alternating_sum(v, 0.0) / (self._high - self._low)
        return wb.where(inside, wb.log(wb.where(inside, density, wb.ones_like(density))), float("-inf"))

    def _lower_tail(self, x, upper):
        u, inside, v = self._unit(x)
        tail = self._alternating_sum(v, 1.0)     # the mass between the nearer end and u
        near_low = u <= 0.5
        mass = wb.where(near_low != upper, tail, 1.0 - tail)
        below = u < 0.0
        above = u > 1.0
        outside = wb.where(below != upper, wb.zeros_like(mass), wb.ones_like(mass))
        return wb.where(below | above, outside, mass)

    def _cdf(self, x):
        return self._lower_tail(x, upper=False)

    def _survival_function(self, x):
        return self._lower_tail(x, upper=True)

    def _mean(self):
        return 0.5 * (self._low + self._high) * wb.ones_like(self._total_count)

    def _variance(self):
        return wb.square(self._high - self._low) / (12.0 * self._total_count)

    def _mode(self):
        return self._mean()
