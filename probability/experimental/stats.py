"""Streaming moments (TFP's ``tfp.experimental.stats``): ``RunningMean``, ``RunningVariance`` and
``RunningCovariance`` hold the count, the mean and the sum of squared residuals, and ``update``
returns a new state (Welford's update for one sample, Chan et al.'s merge for a chunk along
``axis``), so they can be carried through loops.

>>> rv = RunningCovariance.from_shape((2,))
>>> for x in ([1., 2.], [3., 0.], [2., 4.]):
...     rv = rv.update(wb.constant(x))
>>> rv.covariance(ddof=1).numpy()
array([[ 1., -1.],
       [-1.,  4.]], dtype=float32)
"""

from __future__ import annotations

import numpy as np

import workbench as wb
from workbench.core import Tensor

from .. import internal

__all__ = ["RunningCovariance", "RunningMean", "RunningVariance"]


def _tensor(value, dtype, name, owner):
    if isinstance(value, Tensor):
        return value if value.dtype == dtype else wb.cast(value, dtype)
    try:
        return wb.constant(np.asarray(value, dtype=dtype))
    except (TypeError, ValueError):
        raise TypeError(f"{owner}: `{name}` must be numeric, got {value!r}") from None


def _chunk(new_sample, axis, event_rank, owner):
    """The sample as ``[n] + batch + event`` with the chunk's axis first (``axis=None``: one sample)."""
    x = wb.convert_to_tensor(new_sample)
    if axis is None:
        return x[None], 1
    axis = int(axis)
    if axis < 0:
        axis += x.ndim
    if not 0 <= axis < x.ndim - event_rank:
        raise ValueError(f"{owner}.update: `axis` {axis} must be a batch axis of a sample of shape {tuple(x.shape)} "
                         f"(the last {event_rank} are event axes)")
    perm = [axis] + [i for i in range(x.ndim) if i != axis]
    return wb.transpose(x, perm), int(x.shape[axis])


class RunningMean:
    """The running mean of samples of one shape: ``num_samples`` and ``mean``."""

    def __init__(self, num_samples, mean):
        self.mean = wb.convert_to_tensor(mean)
        self.num_samples = _tensor(num_samples, self.mean.dtype, "num_samples", type(self).__name__)

    @classmethod
    def from_shape(cls, shape=(), dtype=np.float32):
        """No samples yet; samples of ``shape``."""
        return cls(num_samples=wb.zeros([], dtype), mean=wb.zeros(internal.shape_tuple(shape, "shape"), dtype))

    def update(self, new_sample, axis=None):
        """The state after ``new_sample`` (a chunk of samples along ``axis`` when given)."""
        x, n_b = _chunk(new_sample, axis, self.mean.ndim, type(self).__name__)
        x = wb.cast(x, self.mean.dtype)
        n = self.num_samples + n_b
        mean_b = wb.reduce_mean(x, axis=0)
        return type(self)(num_samples=n, mean=self.mean + (mean_b - self.mean) * (n_b / n))

    def __repr__(self):
        return f"{type(self).__name__}(num_samples={float(self.num_samples.numpy())}, shape={tuple(self.mean.shape)})"


class RunningCovariance:
    """Running covariance of samples with ``event_ndims`` event dimensions (the rest are batch):
    ``num_samples``, ``mean`` (batch + event) and ``sum_squared_residuals``
    (batch + event + event)."""

    def __init__(self, num_samples, mean, sum_squared_residuals, event_ndims):
        self.mean = wb.convert_to_tensor(mean)
        dtype = self.mean.dtype
        owner = type(self).__name__
        self.num_samples = _tensor(num_samples, dtype, "num_samples", owner)
        self.sum_squared_residuals = _tensor(sum_squared_residuals, dtype, "sum_squared_residuals", owner)
        self.event_ndims = int(event_ndims)
        if not 0 <= self.event_ndims <= self.mean.ndim:
            raise ValueError(f"{owner}: `event_ndims` must be between 0 and the rank of `mean` "
                             f"({self.mean.ndim}), got {event_ndims}")
        event = tuple(self.mean.shape[self.mean.ndim - self.event_ndims:])
        want = tuple(self.mean.shape) + event
        if tuple(self.sum_squared_residuals.shape) != want:
            raise ValueError(f"{owner}: `sum_squared_residuals` has shape {tuple(self.sum_squared_residuals.shape)}, "
                             f"expected {want} (the mean's shape followed by its event shape)")

    @classmethod
    def from_shape(cls, shape=(), dtype=np.float32, event_ndims=None):
        """No samples yet; samples of ``shape``, whose last ``event_ndims`` (default: all) dims
        are the event."""
        shape = internal.shape_tuple(shape, "shape")
        k = len(shape) if event_ndims is None else int(event_ndims)
        return cls(num_samples=wb.zeros([], dtype), mean=wb.zeros(shape, dtype),
                   sum_squared_residuals=wb.zeros(shape + shape[len(shape) - k:], dtype), event_ndims=k)

    def _event(self):
        return tuple(self.mean.shape[self.mean.ndim - self.event_ndims:])

    def _outer(self, a, b):
        """Per batch member, the outer product of the event parts: batch + event + event."""
        event = self._event()
        d = int(np.prod(event, dtype=np.int64))
        lead = tuple(a.shape[:a.ndim - self.event_ndims])
        af = wb.reshape(a, lead + (d, 1))
        bf = wb.reshape(b, lead + (1, d))
        return wb.reshape(af * bf, lead + event + event)

    def update(self, new_sample, axis=None):
        """The state after ``new_sample`` (a chunk of samples along the batch axis ``axis``)."""
        x, n_b = _chunk(new_sample, axis, self.event_ndims, type(self).__name__)
        x = wb.cast(x, self.mean.dtype)
        n_a = self.num_samples
        n = n_a + n_b
        mean_b = wb.reduce_mean(x, axis=0)
        delta = mean_b - self.mean
        mean = self.mean + delta * (n_b / n)
        centered = x - mean_b
        ssr_b = wb.reduce_sum(self._outer(centered, centered), axis=0)
        ssr = self.sum_squared_residuals + ssr_b + self._outer(delta, delta) * (n_a * n_b / n)
        return type(self)._rebuild(self, n, mean, ssr)

    @classmethod
    def _rebuild(cls, old, n, mean, ssr):
        return cls(num_samples=n, mean=mean, sum_squared_residuals=ssr, event_ndims=old.event_ndims)

    def covariance(self, ddof=0):
        """``sum_squared_residuals / (num_samples - ddof)``."""
        return self.sum_squared_residuals / (self.num_samples - ddof)

    def __repr__(self):
        return (f"{type(self).__name__}(num_samples={float(self.num_samples.numpy())}, "
                f"shape={tuple(self.mean.shape)}, event_ndims={self.event_ndims})")


class RunningVariance(RunningCovariance):
    """Running elementwise variance: a ``RunningCovariance`` with no event dimensions."""

    def __init__(self, num_samples, mean, sum_squared_residuals):
        super().__init__(num_samples, mean, sum_squared_residuals, event_ndims=0)

    @classmethod
    def from_shape(cls, shape=(), dtype=np.float32):
        shape = internal.shape_tuple(shape, "shape")
        return cls(num_samples=wb.zeros([], dtype), mean=wb.zeros(shape, dtype),
                   sum_squared_residuals=wb.zeros(shape, dtype))

    @classmethod
    def _rebuild(cls, old, n, mean, ssr):
        return cls(num_samples=n, mean=mean, sum_squared_residuals=ssr)

    def variance(self, ddof=0):
        return self.covariance(ddof)
