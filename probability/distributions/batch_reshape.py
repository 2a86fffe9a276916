"""BatchReshape: a distribution whose batch dimensions are reshaped."""

from __future__ import annotations

import numpy as np

import workbench as wb

from .. import internal
from .distribution import Distribution, no_event_space_bijector

__all__ = ["BatchReshape"]


class BatchReshape(Distribution):
    """``distribution`` with batch shape ``batch_shape`` (the same number of members; one entry
    may be -1).

    >>> d = BatchReshape(Normal(wb.zeros([6]), 1.0), [2, 3])
    >>> d.batch_shape
    (2, 3)
    """

    _default_event_space_bijector = no_event_space_bijector

    def __init__(self, distribution, batch_shape, validate_args=False, allow_nan_stats=True, name=None):
        parameters = dict(locals())
        if not isinstance(distribution, Distribution):
            raise TypeError(f"BatchReshape: `distribution` must be a Distribution, got {type(distribution).__name__}")
        shape = list(internal.shape_tuple(batch_shape, "BatchReshape: `batch_shape`"))
        size = int(np.prod(tuple(distribution.batch_shape), dtype=np.int64))
        if shape.count(-1) > 1 or any(s < -1 for s in shape):
            raise ValueError(f"BatchReshape: `batch_shape` {shape} may hold one -1 and otherwise non-negative sizes")
        if -1 in shape:
            known = int(np.prod([s for s in shape if s != -1])) if len(shape) > 1 else 1
            if known == 0 or size % known:
                raise ValueError(f"BatchReshape: cannot reshape batch shape {list(distribution.batch_shape)} "
                                 f"({size} members) to {shape}")
            shape[shape.index(-1)] = size // known
        if int(np.prod(shape)) != size:
            raise ValueError(f"BatchReshape: `batch_shape` {shape} has {int(np.prod(shape))} members, the "
                             f"distribution's batch shape {list(distribution.batch_shape)} has {size}")
        self._distribution = distribution
        self._new_batch = tuple(shape)
        super().__init__(distribution.dtype, distribution.reparameterization_type, validate_args, allow_nan_stats,
                         parameters, name or "BatchReshape" + distribution.name)

    @property
    def distribution(self):
        return self._distribution

    def _batch_shape(self):
        return self._new_batch

    def _event_shape(self):
        return self._distribution.event_shape

    def _value_dtype(self):
        return self._distribution._value_dtype()

    def _stat(self, t):
        return wb.reshape(wb.broadcast_to(t, self._distribution.batch_shape + self.event_shape),
                          self._new_batch + self.event_shape)

    def _sample_n(self, n, seed):
        return wb.reshape(self._distribution.sample(n, seed=seed), (n,) + self._new_batch + self.event_shape)

    def _log_prob(self, x):
        e = len(self.event_shape)
        full = internal.broadcast_shapes(tuple(x.shape), self._new_batch + self.event_shape)
        x = wb.broadcast_to(x, full) if tuple(x.shape) != full else x
        sample = full[:len(full) - len(self._new_batch) - e]
        lp = self._distribution.log_prob(wb.reshape(x, sample + self._distribution.batch_shape + full[len(full) - e:]))
        return wb.reshape(lp, sample + self._new_batch)

    def _mean(self):
        return self._stat(self._distribution.mean())

    def _variance(self):
        return self._stat(self._distribution.variance())

    def _stddev(self):
        return self._stat(self._distribution.stddev())

    def _mode(self):
        return self._stat(self._distribution.mode())

    def _entropy(self):
        return wb.reshape(wb.broadcast_to(self._distribution.entropy(), self._distribution.batch_shape),
                          self._new_batch)

    def __getitem__(self, slices):
        """Slices of the reshaped batch, for a family whose parameters can be reshaped (the slice is
        that family with reshaped, sliced parameters)."""
        d = self._distribution
        params = d._params_tensors()
        if not params or type(d).__getitem__ is not Distribution.__getitem__:
            raise NotImplementedError(f"BatchReshape: slicing a reshaped {type(d).__name__} is not supported")
        reshaped = {}
        for k, t in params.items():
            nd = d._param_event_ndims[k]
            event = tuple(t.shape[t.ndim - nd:]) if nd else ()
            reshaped[k] = wb.reshape(wb.broadcast_to(t, d.batch_shape + event), self._new_batch + event)
        return d.copy(**reshaped)[slices]
