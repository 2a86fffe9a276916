"""The one seam between the strategies and a communication engine.

A :class:`Collectives` object knows its ``rank`` and ``size`` and runs four collectives on
host or device arrays: ``all_reduce`` (a list of arrays, summed elementwise across ranks, in
fused buckets), ``broadcast``, ``all_gather`` and ``barrier``; ``start_bucket`` and
``wait_buckets`` sum one bucket at a time in the background, while the backward pass runs. :class:`LocalCollectives` is the
one-rank case; ``mpi.MPICollectives`` (mpi4py) and ``nccl.NcclCollectives`` (CuPy's NCCL
bindings) are the engines. Tests replace an engine here and nowhere else.
"""

from __future__ import annotations

import numpy as np

from .. import backend

DEFAULT_BUCKET_BYTES = 16 * 1024 * 1024


class Collectives:
    """Collectives across ``size`` ranks; this process is ``rank``.

    Subclasses give :meth:`_start_all_reduce` / :meth:`_finish` (or override the public
    methods); :meth:`all_reduce` does the tensor fusion: arrays of one dtype and device are
    concatenated into buckets of at most ``bucket_bytes`` (an array larger than that is a bucket
    of its own), every bucket's reduction is started, then all are awaited together, so one
    step sends a few large messages instead of one per variable.
    """

    rank = 0
    size = 1
    bucket_bytes = DEFAULT_BUCKET_BYTES

    def all_reduce(self, arrays, what="all_reduce", reuse=False) -> list:
        """The elementwise sums of ``arrays`` (a list) across ranks: a new list, same shapes.

        With ``reuse``, the sums are views of fusion buffers kept for the next call with the
        same bucket sizes (as Horovod's fusion buffer), valid until then: the optimizer uses
        its gradients at once, and fresh buffers of many megabytes would cost more in page
        faults than the reduction itself."""
        arrays = list(arrays)
        if self.size == 1 or not arrays:
            return arrays
        out = [None] * len(arrays)
        buckets = fuse_buckets(arrays, self.bucket_bytes)
        pending = []
        self._begin()
        for b, indices in enumerate(buckets):
            parts = [arrays[i] for i in indices]
            xp = backend.xp_of(parts[0])
            n = sum(p.size for p in parts)
            flat = self._buffer(b, n, parts[0]) if reuse else xp.empty(n, parts[0].dtype)
            if len(parts) == 1:   # summed out of place from the array itself: no copy
                send = xp.reshape(parts[0], (-1,))
            else:
                send, offset = flat, 0
                for p in parts:
                    flat[offset:offset + p.size] = p.reshape(-1)
                    offset += p.size
            # (send is held until the sums are done: a device engine reads it on its own stream)
            pending.append((indices, flat, self._start_all_reduce(send, flat), send))
        self._finish([handle for _, _, handle, _ in pending], what)
        for indices, flat, _, _ in pending:
            offset = 0
            for i in indices:
                n = arrays[i].size
                out[i] = flat[offset:offset + n].reshape(arrays[i].shape)
                offset += n
        return out

    def start_bucket(self, flat, last=False, send=None):
        """Start summing the 1-D array ``send`` (None: ``flat`` itself, in place) across ranks
        into ``flat``; returns a handle for :meth:`wait_buckets`. Every rank starts the same
        buckets in the same order. ``last``: nothing is left to overlap it with (the walk has
        ended), so an engine may as well sum it in :meth:`wait_buckets`, as one that cannot run
        it in the background (this default) does with every bucket."""
        return flat, send

    def wait_buckets(self, handles, what="all_reduce"):
        """Wait until the buckets of ``handles`` (from :meth:`start_bucket`) hold their sums."""
        if self.size == 1 or not handles:
            return
        self._begin()
        self._finish([self._start_all_reduce(flat if send is None else send, flat) for flat, send in handles],
                     what)

    def _buffer(self, index, n, like):
        """Fusion buffer ``index`` for ``n`` elements like ``like`` (kept between calls)."""
        pool = self.__dict__.setdefault("_pool", {})
        key = (index, np.dtype(like.dtype), str(backend.device_of(like)))
        buf = pool.get(key)
        if buf is None or buf.size < n:
            buf = pool[key] = backend.xp_of(like).empty(n, like.dtype)
        return buf[:n]

    def _begin(self):
        """Before the buckets of one :meth:`all_reduce` are started."""

    def _start_all_reduce(self, send, recv):
        """Start summing the 1-D buffer ``send`` across ranks into ``recv`` (the same buffer
        for an in-place sum, else a separate one); returns a handle."""
        raise NotImplementedError

    def _finish(self, handles, what):
        """Wait until every handle of :meth:`_start_all_reduce` has completed."""
        raise NotImplementedError

    def broadcast(self, array, root=0):
        """``array`` overwritten in place by rank ``root``'s (same shape and dtype everywhere)."""
        raise NotImplementedError

    def all_gather(self, array):
        """Every rank's ``array`` concatenated along axis 0 in rank order (first dimensions may
        differ; the others must agree)."""
        raise NotImplementedError

    def barrier(self):
        raise NotImplementedError

    def describe(self) -> str:
        return f"{type(self).__name__}(rank={self.rank}, size={self.size})"


class LocalCollectives(Collectives):
    """One rank: every collective is the identity."""

    def broadcast(self, array, root=0):
        return array

    def all_gather(self, array):
        return array

    def barrier(self):
        pass


def fuse_buckets(arrays, bucket_bytes) -> list:
    """Group the indices of ``arrays`` into buckets: consecutive arrays of one dtype and device,
    at most ``bucket_bytes`` together (an array larger than that alone). Order is kept inside a
    bucket, so every rank builds the same buckets from the same list."""
    buckets, current, key, nbytes = [], [], None, 0
    for i, a in enumerate(arrays):
        k = (np.dtype(a.dtype), str(backend.device_of(a)))
        if current and (k != key or nbytes + a.nbytes > bucket_bytes):
            buckets.append(current)
            current, nbytes = [], 0
        current.append(i)
        key = k
        nbytes += a.nbytes
    if current:
        buckets.append(current)
    return buckets
