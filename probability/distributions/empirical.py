"""The Empirical distribution: the uniform measure on a (batch of) multiset(s) of samples."""

from __future__ import annotations

import numpy as np

import workbench as wb
from workbench.core import Tensor

from ..internal import samplers
from .distribution import FULLY_REPARAMETERIZED, Distribution, no_event_space_bijector

__all__ = ["Empirical"]

_MAX_PAIRS = 2 ** 22  # sample pairs compared at once when counting repeats


class Empirical(Distribution):
    """``Empirical(samples, event_ndims=0)``: each of the ``N`` samples with mass ``1 / N``.

    ``samples``: ``batch_shape + [N] + event_shape`` with ``event_ndims`` event dimensions.
    ``prob(x)`` is the fraction of samples equal to ``x``, ``cdf(x)`` the fraction ``<= x``
    (every component, for vector events); ``mean``/``variance`` are the sample moments (the
    variance divides by ``N``); ``mode`` is the most frequent sample (the first one seen among
    ties) and ``entropy`` that of the frequencies. Draws pick samples uniformly (TFP's: one index per draw, shared by the batch), so they are
    differentiable with respect to ``samples``; ``log_prob``, ``cdf``, ``mode`` and
    ``entropy`` are not. Counting repeats compares all pairs of samples (``O(N**2)`` work).

    >>> d = Empirical(samples=[0.0, 1.0, 1.0, 2.0])
    >>> float(d.cdf(1.0)), d.prob([0.0, 1.0]).numpy().tolist()
    (0.75, [0.25, 0.5])
    """

    _param_constraints = {}

    _default_event_space_bijector = no_event_space_bijector

    def __init__(self, samples, event_ndims=0, validate_args=False, allow_nan_stats=True, name="Empirical"):
        parameters = dict(locals())
        if not isinstance(samples, Tensor):
            arr = np.asarray(samples)
            samples = wb.constant(arr, dtype=np.float32 if arr.dtype.kind == "f" else None)
        event_ndims = int(event_ndims)
        if event_ndims < 0 or samples.ndim < event_ndims + 1:
            raise ValueError(f"Empirical: `samples` of shape {list(samples.shape)} has no sample dimension "
                             f"before its {event_ndims} event dimension(s)")
        self._samples = samples
        self._event_ndims = event_ndims
        self._param_event_ndims = {"samples": event_ndims + 1}
        super().__init__(samples.dtype, FULLY_REPARAMETERIZED, validate_args, allow_nan_stats, parameters, name)

    @property
    def samples(self):
        return self._samples

    @property
    def event_ndims(self):
        return self._event_ndims

    @property
    def num_samples(self):
        return self._samples.shape[self._sample_axis()]

    def _sample_axis(self):
        return self._samples.ndim - self._event_ndims - 1

    def _batch_shape(self):
        return tuple(self._samples.shape[:self._sample_axis()])

    def _event_shape(self):
        return tuple(self._samples.shape[self._sample_axis() + 1:])

    def _event_axes(self):
        return list(range(-self._event_ndims, 0))

    _sample_n_takes_any_seed = True

    def _sample_n(self, n, seed):
        # as TFP: one index draw per sample, shared by every batch member
        idx = samplers.uniform([n], minval=0, maxval=self.num_samples, dtype=np.int32, seed=seed)
        nb = len(self.batch_shape)
        picked = wb.gather(self._samples, idx, axis=nb)                          # batch + [n] + event
        perm = [nb] + list(range(nb)) + list(range(nb + 1, picked.ndim))
        return wb.transpose(picked, perm)

    def _compare(self, x, fn):
        """Fraction of samples ``s`` with ``fn(s, x)`` true in every event component."""
        x = wb.expand_dims(x, -self._event_ndims - 1)
        hit = fn(self._samples, x)
        if self._event_ndims:
            hit = wb.reduce_all(hit, axis=self._event_axes())
        return wb.reduce_mean(wb.cast(hit, self._float_dtype()), axis=-1)

    def _float_dtype(self):
        return self.dtype if self.dtype.kind == "f" else np.dtype(np.float32)

    def _prob(self, x):
        return self._compare(x, wb.equal)

    def _log_prob(self, x):
        return wb.log(self._prob(x))

    def _cdf(self, x):
        return self._compare(x, wb.less_equal)

    def _mean(self):
        return wb.reduce_mean(self._samples, axis=self._sample_axis())

    def _variance(self):
        s = self._samples
        d = s - wb.expand_dims(self._mean(), self._sample_axis())
        return wb.reduce_mean(wb.square(d), axis=self._sample_axis())

    def _repeat_counts(self):
        """For each sample, how many samples equal it: ``batch_shape + [N]`` (pairs in blocks)."""
        s = wb.stop_gradient(self._samples)
        axis, n = self._sample_axis(), self.num_samples
        batch_size = int(np.prod(self.batch_shape + self.event_shape, dtype=np.int64)) or 1
        block = max(1, _MAX_PAIRS // max(batch_size * n, 1))
        everyone = wb.expand_dims(s, axis)                                       # batch + [1, N] + event
        counts = []
        for start in range(0, n, block):
            mine = wb.expand_dims(s[(slice(None),) * axis + (slice(start, start + block),)], axis + 1)
            same = wb.equal(mine, everyone)                                       # batch + [b, N] + event
            if self._event_ndims:
                same = wb.reduce_all(same, axis=self._event_axes())
            counts.append(wb.reduce_sum(wb.cast(same, np.int32), axis=-1))
        return wb.concat(counts, axis=-1)

    def _mode(self):
        first = wb.argmax(self._repeat_counts(), axis=-1, output_type=np.int32)   # first among ties
        nb = len(self.batch_shape)
        picked = wb.gather(self._samples, wb.expand_dims(first, -1), axis=nb, batch_dims=nb)
        return wb.squeeze(picked, axis=nb)

    def _entropy(self):
        # -sum_v f_v log f_v = -mean over the samples of log(f of that sample's value)
        freq = wb.cast(self._repeat_counts(), self._float_dtype()) / float(self.num_samples)
        return -wb.reduce_mean(wb.log(freq), axis=-1)
