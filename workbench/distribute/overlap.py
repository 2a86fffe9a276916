"""Gradient all-reduce overlapped with the backward pass (DDP's reducer, Horovod's fusion).

Inside ``strategy.run`` a :class:`GradientReducer` listens to the reverse walk
(``gradients.walk.listening``). When ``tape.gradient`` starts a walk over variables, the
reducer groups them into fused buckets in the order their gradients become final (the
reverse of their first use in the forward pass, as DDP orders its buckets); as soon as the
walk has finalized a bucket's last gradient, the bucket is copied into its fusion buffer and
its sum across processes starts (``Collectives.start_bucket``: on a communication thread or
as a nonblocking ``Iallreduce``), while the walk goes on with the layers below.
``optimizer.apply_gradients`` then asks :meth:`GradientReducer.take` for the sums of the very
arrays the walk handed out: it waits for the buckets still in flight and gets views of the
fusion buffers. Gradients changed between ``tape.gradient`` and ``apply_gradients`` (clipped,
scaled, replaced) are different arrays: they are summed there, as before, and a set of
variables whose launched sums go unused is not launched again.

Every process builds the same buckets in the same order from the same tape, so the ranks'
bucket sums pair up as the ranks' collectives must.
"""

from __future__ import annotations

import numpy as np

from .. import backend
from ..core import Tensor, Variable
from .collectives import fuse_buckets

__all__ = ["GradientReducer"]


class GradientReducer:
    """The reverse walk's listener of one strategy: starts bucket sums during the walk and
    hands them to ``apply_gradients``.

    Args:
        collectives: the strategy's :class:`~.collectives.Collectives` (``start_bucket``,
            ``wait_buckets``, ``bucket_bytes``).
        events: a list that, when given, gets ``("final", name)``, ``("start", bucket)`` and
            ``("wait", bucket)`` entries as they happen (what the tests read).
    """

    def __init__(self, collectives, events=None):
        self.collectives = collectives
        self.events = events
        self._plans: dict = {}

    # -- the walk's listener ----------------------------------------------------------
    def __call__(self, sources, order):
        """A callback for a walk over ``sources`` (final in ``order``), or None when the walk
        is not one to reduce: some source is not a variable, or the variables' sums went
        unused before."""
        for s in sources:
            if not isinstance(s, Variable) or s._data.dtype.kind != "f" or not s._tid:
                return None
        size = self.collectives.bucket_bytes
        key = (size, tuple([s._tid for s in sources]), tuple(order))
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = _Plan(sources, order, size)
        if plan.unused:
            return None
        return _Launch(self, plan, sources).final

    # -- apply_gradients --------------------------------------------------------------
    def take(self, arrays, what="gradient all_reduce"):
        """The sums across processes of ``arrays`` when a walk's buckets hold every one of them
        (the same array objects), else None. Waits for that walk's buckets still in flight;
        the sums are views of its fusion buffers, valid until its variables' next walk."""
        by_id = {}
        for plan in self._plans.values():
            launch = plan.live
            if launch is not None and launch.started:
                for k, v in enumerate(launch.values):
                    if v is not None:
                        by_id[id(v)] = (launch, k)
        if not by_id:
            return None
        launch = None
        for a in arrays:
            hit = by_id.get(id(a))
            if hit is None or hit[0].values[hit[1]] is not a or (launch is not None and hit[0] is not launch):
                return None
            launch = hit[0]
            if launch.views[hit[1]] is None:   # its bucket was not started (a gradient kept as rows)
                return None
        launch.wait(what)
        launch.plan.live = None
        return [launch.views[by_id[id(a)][1]] for a in arrays]

    def retire(self, launch, what):
        """``launch``'s sums will not be used: wait for them (every rank takes part) and stop
        launching its variables' buckets during the walk."""
        launch.wait(what)
        launch.plan.unused = True
        if launch.plan.live is launch:
            launch.plan.live = None


class _Plan:
    """The buckets of one set of variables: ``buckets`` lists source positions (in the order
    they become final), ``bucket_of`` maps a position to its bucket; ``buffers`` are the
    fusion buffers, kept between walks; ``live`` the launch whose sums are not taken yet."""

    def __init__(self, sources, order, bucket_bytes):
        groups = fuse_buckets([sources[k]._data for k in order], bucket_bytes)
        self.buckets = [[order[i] for i in g] for g in groups]
        self.bucket_of = {}
        for b, members in enumerate(self.buckets):
            for k in members:
                self.bucket_of[k] = b
        self.names = [getattr(s, "path", "?") for s in sources]
        self.buffers: dict = {}
        self.live = None
        self.unused = False

    def buffer(self, b, n, like):
        key = (b, np.dtype(like.dtype), str(backend.device_of(like)))
        buf = self.buffers.get(key)
        if buf is None or buf.size < n:
            buf = self.buffers[key] = backend.xp_of(like).empty(n, like.dtype)
        return buf[:n]


class _Launch:
    """One walk's gradients: filled in as they become final; a bucket starts summing once its
    last gradient is in."""

    def __init__(self, reducer, plan, sources):
        self.reducer = reducer
        self.plan = plan
        n = len(sources)
        self.shapes = [s._data.shape for s in sources]
        self.dtypes = [s._data.dtype for s in sources]
        self.values = [None] * n
        self.views = [None] * n
        self.left = [len(m) for m in plan.buckets]
        self.usable = [True] * len(plan.buckets)
        self.handles = []       # (bucket, handle) of the started buckets
        self.started = False
        self.done = False

    def final(self, k, value):
        """The walk's callback: source ``k``'s final gradient (an array, a Tensor or None)."""
        plan = self.plan
        b = plan.bucket_of[k]
        if isinstance(value, Tensor):
            value = value._data
        if value is not None and (tuple(np.shape(value)) != tuple(self.shapes[k])
                                  or np.dtype(value.dtype) != np.dtype(self.dtypes[k])):
            self.usable[b] = False   # not what apply_gradients will take: summed there
        self.values[k] = value
        events = self.reducer.events
        if events is not None:
            events.append(("final", plan.names[k]))
        self.left[b] -= 1
        if self.left[b] == 0 and self.usable[b]:
            self._start(b)

    def _start(self, b):
        plan = self.plan
        if not self.started:
            old = plan.live
            if old is not None and old is not self:   # the last walk's sums were never taken
                self.reducer.retire(old, "gradient all_reduce (unused)")
                # nor launched from now on, this walk's included: apply_gradients sums them
                self.usable = [False] * len(self.usable)
                return
            self.started = True
            plan.live = self
        members = [k for k in plan.buckets[b] if self.values[k] is not None]
        if not members:
            return
        first = self.values[members[0]]
        xp = backend.xp_of(first)
        n = sum(int(np.size(self.values[k])) for k in members)
        flat = plan.buffer(b, n, first)
        send = None
        if len(members) == 1:   # summed out of place from the gradient itself: no copy
            send = xp.reshape(first, (-1,))
            self.views[members[0]] = flat.reshape(self.shapes[members[0]])
        else:
            offset = 0
            for k in members:
                v = self.values[k]
                size = int(np.size(v))
                flat[offset:offset + size] = xp.reshape(v, (-1,))
                self.views[k] = flat[offset:offset + size].reshape(self.shapes[k])
                offset += size
        events = self.reducer.events
        if events is not None:
            events.append(("start", b))
        last = b == len(plan.buckets) - 1
        self.handles.append((b, self.reducer.collectives.start_bucket(flat, last, send)))

    def wait(self, what):
        if self.done:
            return
        self.done = True
        if self.handles:
            self.reducer.collectives.wait_buckets([h for _, h in self.handles], what)
            events = self.reducer.events
            if events is not None:
                events.extend(("wait", b) for b, _ in self.handles)
