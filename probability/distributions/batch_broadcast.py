"""BatchBroadcast: a distribution broadcast to a larger batch shape, with independent members."""

from __future__ import annotations

import numpy as np

import workbench as wb

from .. import internal
from .distribution import Distribution, _batch_key

__all__ = ["BatchBroadcast"]


class BatchBroadcast(Distribution):
    """``distribution`` with its batch shape broadcast ``with_shape`` (or exactly ``to_shape``).
    Members that share parameters are still drawn independently.

    >>> d = BatchBroadcast(Normal(wb.zeros([3]), 1.0), with_shape=[2, 1])
    >>> d.batch_shape
    (2, 3)
    """

    def __init__(self, distribution, with_shape=None, to_shape=None, validate_args=False, name=None):
        parameters = dict(locals())
        if not isinstance(distribution, Distribution):
            raise TypeError(f"BatchBroadcast: `distribution` must be a Distribution, got {type(distribution).__name__}")
        if (with_shape is None) == (to_shape is None):
            raise ValueError("BatchBroadcast: give exactly one of `with_shape` and `to_shape`")
        batch = tuple(distribution.batch_shape)
        if with_shape is not None:
            new = internal.broadcast_shapes(batch, internal.shape_tuple(with_shape, "BatchBroadcast: `with_shape`"))
        else:
            new = internal.shape_tuple(to_shape, "BatchBroadcast: `to_shape`")
            try:
                ok = tuple(np.broadcast_shapes(batch, new)) == new
            except ValueError:
                ok = False
            if not ok:
                raise ValueError(f"BatchBroadcast: the distribution's batch shape {list(batch)} does not broadcast "
                                 f"to `to_shape` {list(new)}")
        self._distribution = distribution
        self._new_batch = tuple(new)
        super().__init__(distribution.dtype, distribution.reparameterization_type, validate_args,
                         distribution.allow_nan_stats, parameters, name or "BatchBroadcast" + distribution.name)

    @property
    def distribution(self):
        return self._distribution

    def _batch_shape(self):
        return self._new_batch

    def _event_shape(self):
        return self._distribution.event_shape

    def _value_dtype(self):
        return self._distribution._value_dtype()

    def _full(self, t):
        shape = self._new_batch + self.event_shape
        return wb.broadcast_to(t, shape) if tuple(t.shape) != shape else t

    def _sample_n(self, n, seed):
        new, old = self._new_batch, self._distribution.batch_shape
        k, r = len(new) - len(old), len(old)
        # new dims, and a dim of extra draws wherever the old batch has size 1 and the new does not
        extra = tuple(new[k + j] if old[j] == 1 else 1 for j in range(r))
        x = self._distribution.sample((n,) + new[:k] + extra, seed=seed)      # n, new[:k], extra, old, event
        lead = 1 + k
        e = len(self.event_shape)
        perm = list(range(lead)) + [d for j in range(r) for d in (lead + j, lead + r + j)] + \
            list(range(lead + 2 * r, lead + 2 * r + e))
        x = wb.transpose(x, perm) if r else x
        return wb.reshape(x, (n,) + new + self.event_shape)

    def _default_event_space_bijector(self):
        return self._distribution.experimental_default_event_space_bijector()

    def _broadcast_value(self, method, x):
        """``distribution.method(x)`` broadcast against the new batch shape."""
        v = getattr(self._distribution, method)(x)
        shape = internal.broadcast_shapes(tuple(v.shape), self._new_batch)
        return wb.broadcast_to(v, shape) if tuple(v.shape) != shape else v

    def _log_prob(self, x):
        return self._broadcast_value("log_prob", x)

    def _cdf(self, x):
        return self._broadcast_value("cdf", x)

    def _log_cdf(self, x):
        return self._broadcast_value("log_cdf", x)

    def _survival_function(self, x):
        return self._broadcast_value("survival_function", x)

    def _log_survival_function(self, x):
        return self._broadcast_value("log_survival_function", x)

    def _quantile(self, p):
        return self._broadcast_value("quantile", p)

    def _mean(self):
        return self._full(self._distribution.mean())

    def _variance(self):
        return self._full(self._distribution.variance())

    def _stddev(self):
        return self._full(self._distribution.stddev())

    def _mode(self):
        return self._full(self._distribution.mode())

    def _entropy(self):
        return wb.broadcast_to(self._distribution.entropy(), self._new_batch)

    def __getitem__(self, slices):
        if not isinstance(slices, tuple):
            slices = (slices,)
        if any(sl is None for sl in slices):
            raise IndexError("BatchBroadcast: slicing with None (a new axis) is not supported")
        new, old = self._new_batch, self._distribution.batch_shape
        k = len(new) - len(old)
        key = _batch_key(slices, len(new), 0)[:len(new)]
        new_shape = np.empty(new, dtype=np.int8)[key].shape
        # dims of size 1 in the wrapped batch stay whole (or drop, for an integer index)
        old_key = tuple((0 if isinstance(key[k + j], (int, np.integer)) else slice(None)) if old[j] == 1
                        else key[k + j] for j in range(len(old)))
        inner = self._distribution[old_key] if old else self._distribution
        return BatchBroadcast(inner, to_shape=new_shape, validate_args=self._validate_args, name=self._name)
