"""BatchConcat: distributions side by side along one batch axis."""

from __future__ import annotations

import numpy as np

import workbench as wb

from .. import internal
from .distribution import FULLY_REPARAMETERIZED, NOT_REPARAMETERIZED, Distribution, _batch_key
from .markov_chain import _same_bijector
from .mixture_same_family import _broadcast_batch

__all__ = ["BatchConcat"]


class BatchConcat(Distribution):
    """``BatchConcat(distributions, axis)``: the batches of ``distributions`` concatenated along batch
    axis ``axis``.

    The distributions share an event shape and a batch rank; along the other batch axes each size
    is 1 (broadcast) or the largest one. Densities split the value along ``axis`` and concatenate
    the parts' results; statistics concatenate the parts' statistics; draws concatenate the parts'
    draws.

    >>> d = BatchConcat([Normal(wb.zeros([2, 3]), 1.0), Normal(wb.ones([2, 1]), 2.0)], axis=1)
    >>> d.batch_shape
    (2, 4)
    """

    def __init__(self, distributions, axis, validate_args=False, allow_nan_stats=True, name="BatchConcat"):
        parameters = dict(locals())
        owner = "BatchConcat"
        parts = list(distributions) if isinstance(distributions, (list, tuple)) else None
        if not parts or not all(isinstance(d, Distribution) for d in parts):
            raise TypeError(f"{owner}: `distributions` must be a non-empty list of distributions, got {distributions!r}")
        events = [tuple(d.event_shape) for d in parts]
        if any(e != events[0] for e in events):
            raise ValueError(f"{owner}: the distributions must have the same event_shape; found {[list(e) for e in events]}")
        batches = [tuple(d.batch_shape) for d in parts]
        rank = len(batches[0])
        if any(len(b) != rank for b in batches):
            raise ValueError(f"{owner}: the distributions must have batch shapes of one rank; found "
                             f"{[list(b) for b in batches]}")
        if not isinstance(axis, (int, np.integer)) or not 0 <= int(axis) < rank:
            raise ValueError(f"{owner}: `axis` must be an int in [0, {rank}) (a non-negative batch axis), got {axis!r}")
        axis = int(axis)
        shape = []
        for i in range(rank):
            sizes = [b[i] for b in batches]
            if i == axis:
                shape.append(sum(sizes))
                continue
            big = max(sizes)
            if any(s not in (1, big) for s in sizes):
                raise ValueError(f"{owner}: batch shapes {[list(b) for b in batches]} do not broadcast along axis {i}")
            shape.append(big)
        dtypes = {np.dtype(d.dtype) for d in parts}
        if len(dtypes) > 1:
            raise TypeError(f"{owner}: the distributions must have one dtype; found {sorted(str(d) for d in dtypes)}")
        self._distributions, self._axis, self._batch = parts, axis, tuple(shape)
        rep = FULLY_REPARAMETERIZED if all(d.reparameterization_type is FULLY_REPARAMETERIZED for d in parts) \
            else NOT_REPARAMETERIZED
        super().__init__(parts[0].dtype, rep, validate_args, allow_nan_stats, parameters, name)

    @property
    def distributions(self):
        return list(self._distributions)

    @property
    def axis(self):
        return self._axis

    @property
    def experimental_is_sharded(self):
        return False

    def _batch_shape(self):
        return self._batch

    def _event_shape(self):
        return tuple(self._distributions[0].event_shape)

    def _value_dtype(self):
        return self._distributions[0]._value_dtype()

    def _part_sizes(self):
        return [int(d.batch_shape[self._axis]) for d in self._distributions]

    def _broadcast(self, t, sample_ndims, size, event_ndims):
        """``t`` (``S + part batch + E``) broadcast to ``S + batch + E`` with ``size`` on the axis."""
        batch = list(self._batch)
        batch[self._axis] = size
        lead = tuple(t.shape[:sample_ndims])
        shape = lead + tuple(batch) + tuple(t.shape[t.ndim - event_ndims:] if event_ndims else ())
        return t if tuple(t.shape) == shape else wb.broadcast_to(t, shape)

    def _concat(self, values, sample_ndims, event_ndims):
        full = [self._broadcast(v, sample_ndims, s, event_ndims) for v, s in zip(values, self._part_sizes())]
        return wb.concat(full, axis=sample_ndims + self._axis)

    def _split_call(self, method, x):
        """Split ``x`` along the axis, call ``method`` of each part, concatenate."""
        e = len(self.event_shape)
        if x.ndim < len(self._batch) + e:
            x = wb.broadcast_to(x, internal.broadcast_shapes(tuple(x.shape), self._batch + tuple(self.event_shape)))
        sample_ndims = x.ndim - len(self._batch) - e
        axis = sample_ndims + self._axis
        if x.shape[axis] == 1 and self._batch[self._axis] != 1:
            x = wb.broadcast_to(x, tuple(x.shape[:axis]) + (self._batch[self._axis],) + tuple(x.shape[axis + 1:]))
        out, start = [], 0
        index = [slice(None)] * x.ndim
        for d, size in zip(self._distributions, self._part_sizes()):
            index[axis] = slice(start, start + size)
            out.append(getattr(d, method)(x[tuple(index)]))
            start += size
        return self._concat(out, sample_ndims, 0)

    def _stat(self, method, event_ndims):
        return self._concat([getattr(d, method)() for d in self._distributions], 0, event_ndims)

    # -- methods -----------------------------------------------------------------------
    def _log_prob(self, x):
        return self._split_call("log_prob", x)

    def _prob(self, x):
        return self._split_call("prob", x)

    def _cdf(self, x):
        return self._split_call("cdf", x)

    def _log_cdf(self, x):
        return self._split_call("log_cdf", x)

    def _survival_function(self, x):
        return self._split_call("survival_function", x)

    def _log_survival_function(self, x):
        return self._split_call("log_survival_function", x)

    _sample_n_takes_any_seed = True   # TFP's flow: the salt goes into an int seed before its draw

    def _sample_n(self, n, seed):
        seeds = internal.split_seed(seed, len(self._distributions), salt="BatchConcat")
        draws = [d.sample(n, seed=s) for d, s in zip(self._distributions, seeds)]
        return self._concat(draws, 1, len(self.event_shape))

    def _mean(self):
        return self._stat("mean", len(self.event_shape))

    def _mode(self):
        return self._stat("mode", len(self.event_shape))

    def _variance(self):
        return self._stat("variance", len(self.event_shape))

    def _stddev(self):
        return self._stat("stddev", len(self.event_shape))

    def _covariance(self):
        e = len(self.event_shape)
        return self._stat("covariance", 2 * e if e else 0)

    def _entropy(self):
        return self._stat("entropy", 0)

    def _default_event_space_bijector(self):
        bijectors = [d.experimental_default_event_space_bijector() for d in self._distributions]
        if all(b is None for b in bijectors):
            return None
        if all(_same_bijector(bijectors[0], b) for b in bijectors[1:]):
            return bijectors[0]
        raise NotImplementedError("BatchConcat has no default event space bijector for parts whose bijectors differ "
                                  f"({', '.join(type(b).__name__ for b in bijectors)})")

    def __getitem__(self, slices):
        """Slice the batch dimensions: each part takes its share of the concatenated axis."""
        slices = slices if isinstance(slices, tuple) else (slices,)
        if any(s is None for s in slices):
            raise NotImplementedError("BatchConcat: slicing with None (a new axis) is not supported")
        key = _batch_key(slices, len(self._batch), 0)
        on_axis = key[self._axis]
        new_axis = self._axis - sum(1 for k in key[:self._axis] if not isinstance(k, slice))
        total = self._batch[self._axis]
        picked = np.arange(total)[on_axis]
        starts = np.cumsum([0] + self._part_sizes())

        def part(j, index):
            shape = list(self._batch)
            shape[self._axis] = self._part_sizes()[j]
            return _broadcast_batch(self._distributions[j], tuple(shape))[key[:self._axis] + (index,)
                                                                          + key[self._axis + 1:]]
        if np.ndim(picked) == 0:
            j = int(np.searchsorted(starts, picked, side="right")) - 1
            return part(j, int(picked - starts[j]))
        pieces, runs = [], []
        for g in picked:
            j = int(np.searchsorted(starts, g, side="right")) - 1
            local = int(g - starts[j])
            if runs and runs[-1][0] == j and (len(runs[-1][1]) < 2 or local - runs[-1][1][-1] == runs[-1][1][1]
                                               - runs[-1][1][0]):
                runs[-1][1].append(local)
            else:
                runs.append((j, [local]))
        for j, local in runs:
            step = local[1] - local[0] if len(local) > 1 else 1
            stop = local[-1] + step
            pieces.append(part(j, slice(local[0], stop if stop >= 0 else None, step)))
        if not pieces:
            raise IndexError(f"BatchConcat: the slice {slices!r} selects nothing along the concatenated axis")
        if len(pieces) == 1:
            return pieces[0]
        return BatchConcat(pieces, new_axis, validate_args=self._validate_args,
                           allow_nan_stats=self._allow_nan_stats, name=self._name)

