"""Sample: independent draws of a distribution, gathered into one event."""

from __future__ import annotations

import numpy as np

import workbench as wb

from .. import internal
from .distribution import Distribution, _batch_key
from .kullback_leibler import RegisterKL, kl_divergence

__all__ = ["Sample"]


class Sample(Distribution):
    """``sample_shape`` independent draws of ``distribution`` as one event: the event shape is
    ``sample_shape + distribution.event_shape`` and ``log_prob`` sums over the draws.

    >>> d = Sample(Normal(loc=wb.zeros([2]), scale=1.0), sample_shape=3)
    >>> d.batch_shape, d.event_shape
    ((2,), (3,))
    """

    def __init__(self, distribution, sample_shape=(), validate_args=False, experimental_use_kahan_sum=False,
                 name=None):
        parameters = dict(locals())
        if not isinstance(distribution, Distribution):
            raise TypeError(f"Sample: `distribution` must be a Distribution, got {type(distribution).__name__}")
        shape = internal.shape_tuple(sample_shape, "Sample: `sample_shape`")
        if any(s < 0 for s in shape):
            raise ValueError(f"Sample: `sample_shape` must be non-negative, got {list(shape)}")
        self._distribution = distribution
        self._sample_shape = shape
        super().__init__(distribution.dtype, distribution.reparameterization_type, validate_args,
                         distribution.allow_nan_stats, parameters, name or "Sample" + distribution.name)

    @property
    def distribution(self):
        return self._distribution

    @property
    def sample_shape(self):
        return self._sample_shape

    def _batch_shape(self):
        return self._distribution.batch_shape

    def _event_shape(self):
        return self._sample_shape + self._distribution.event_shape

    def _value_dtype(self):
        return self._distribution._value_dtype()

    def _perm(self, lead, first, second):
        """Swap two adjacent blocks of ``first`` and ``second`` dims after ``lead`` dims."""
        e = len(self._distribution.event_shape)
        return (list(range(lead)) + list(range(lead + first, lead + first + second))
                + list(range(lead, lead + first)) + list(range(lead + first + second, lead + first + second + e)))

    _sample_n_takes_any_seed = True

    def _sample_n(self, n, seed):
        s, b = len(self._sample_shape), len(self.batch_shape)
        x = self._distribution.sample((n,) + self._sample_shape, seed=seed)   # n, S, B, E
        return wb.transpose(x, self._perm(1, s, b)) if s and b else x

    def _default_event_space_bijector(self):
        return self._distribution.experimental_default_event_space_bijector()

    def _log_prob(self, x):
        s, b, e = len(self._sample_shape), len(self.batch_shape), len(self._distribution.event_shape)
        lead = x.ndim - s - b - e
        if lead < 0:
            full = internal.broadcast_shapes(x.shape, self.batch_shape + self.event_shape)
            x, lead = wb.broadcast_to(x, full), len(full) - s - b - e
        if x.shape[x.ndim - s - e:x.ndim - e] != self._sample_shape:
            raise ValueError(f"Sample.log_prob: the value's shape {x.shape} does not end in the event shape "
                             f"{list(self.event_shape)}")
        if b and s:
            x = wb.transpose(x, self._perm(lead, b, s))          # ..., S, B, E
        lp = self._distribution.log_prob(x)                       # ..., S, B
        return wb.reduce_sum(lp, axis=list(range(lead, lead + s))) if s else lp

    def _stat(self, t):
        t = wb.reshape(t, self.batch_shape + (1,) * len(self._sample_shape) + self._distribution.event_shape)
        return wb.broadcast_to(t, self.batch_shape + self.event_shape)

    def _mean(self):
        return self._stat(self._distribution.mean())

    def _variance(self):
        return self._stat(self._distribution.variance())

    def _stddev(self):
        return self._stat(self._distribution.stddev())

    def _mode(self):
        return self._stat(self._distribution.mode())

    def _entropy(self):
        return self._distribution.entropy() * float(np.prod(self._sample_shape))

    def __getitem__(self, slices):
        if not isinstance(slices, tuple):
            slices = (slices,)
        key = _batch_key(slices, len(self.batch_shape), 0)
        return Sample(self._distribution[key], self._sample_shape, validate_args=self._validate_args,
                      name=self._name)


@RegisterKL(Sample, Sample)
def _kl_sample_sample(a, b, name=None):
    # the sum over the sample dimensions of the same KL: prod(sample_shape) times it
    if tuple(a._sample_shape) != tuple(b._sample_shape):
        raise ValueError(f"kl_divergence: `a.sample_shape` {list(a._sample_shape)} must be identical to "
                         f"`b.sample_shape` {list(b._sample_shape)}")
    kl = kl_divergence(a.distribution, b.distribution)
    return float(np.prod(a._sample_shape, dtype=np.int64)) * kl
