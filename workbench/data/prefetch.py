"""``prefetch`` (elements made ahead on a background thread, in a bounded buffer), and the
thread pool behind ``map(..., num_parallel_calls=n)``.

The producer thread runs the upstream pipeline while the consumer trains on
the previous elements. It stops when the consumer finishes, breaks out of its
loop or drops the iterator; an exception raised upstream is re-raised in the
consumer at the position where it happened. New tensors in the producer go to
the device that was the default when iteration started.

Both keep their position exact for checkpoints: the state of a prefetch is the
upstream position after the last element it produced plus the elements
produced but not yet consumed (they are not "consumed" by a save and come
first after a restore); a parallel map waits for the calls in flight and
saves their results the same way.
"""

from __future__ import annotations

import collections
import threading
import weakref
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

from .. import backend
from ..errors import InvalidArgumentError, argcheck
from .dataset import AUTOTUNE, Dataset
from .iterator import Elements, Step, expect_kind
from .seeding import current_kernel_scope, swap_kernel_scope
from .tracing import debug_mode

_END = object()
_POLL = 0.05  # seconds between checks of the stop flag while waiting
_JOIN = 5.0   # seconds close() waits for a producer to finish the element it is making


class _Failure:
    __slots__ = ("exc",)

    def __init__(self, exc):
        self.exc = exc


def _produce(inner, buf, cond, produce_lock, stop, size, device, kernels):
    swap_kernel_scope(kernels)   # the random kernels of the iterator this thread works for
    try:
        with backend.device(device):
            while not stop.is_set():
                with cond:
                    while len(buf) >= size and not stop.is_set():
                        cond.wait(_POLL)
                # the lock covers taking an element from upstream and buffering it, so a save
                # (which holds it) sees the upstream position and the buffer agree
                with produce_lock:
                    if stop.is_set():
                        return
                    try:
                        item = next(inner)
                    except StopIteration:
                        item = _END
                    except BaseException as exc:  # noqa: BLE001  (re-raised by the consumer)
                        item = _Failure(exc)
                    with cond:
                        buf.append(item)
                        cond.notify_all()
                if item is _END or isinstance(item, _Failure):
                    return
    finally:
        inner.close()  # stops the threads upstream (nested prefetch, parallel map)


class PrefetchIterator:
    """Iterates ``inner`` on a background thread, at most ``buffer_size`` elements ahead.

    ``buffered``: elements that come first (restored from a checkpoint); ``ended``: the
    upstream was already exhausted.
    """

    def __init__(self, inner, buffer_size, buffered=(), ended=False):
        self._inner = inner
        self._size = max(1, int(buffer_size))
        self._buf = collections.deque(buffered)
        self._cond = threading.Condition()
        self._produce_lock = threading.Lock()
        self._stop = threading.Event()
        self._done = False
        self._thread = None
        if ended:
            self._buf.append(_END)
        else:
            self._thread = threading.Thread(
                target=_produce, args=(inner, self._buf, self._cond, self._produce_lock, self._stop,
                                       self._size, backend.default_device(), current_kernel_scope()),
                name="wb.data.prefetch", daemon=True)
            self._thread.start()
        # dropping the iterator stops the producer (the callback holds the event, not self)
        self._finalizer = weakref.finalize(self, self._stop.set)

    def __iter__(self):
        return self

    def __next__(self):
        if self._done:
            raise StopIteration
        with self._cond:
            while not self._buf:
                if self._thread is None or not self._thread.is_alive():
                    if not self._buf:
                        self.close()
                        raise RuntimeError("prefetch: the producer thread stopped without a result")
                self._cond.wait(_POLL)
            item = self._buf.popleft()
            self._cond.notify_all()
        if item is _END:
            self.close()
            raise StopIteration
        if isinstance(item, _Failure):
            self.close()
            raise item.exc
        return item

    def state(self) -> dict:
        """``{"inner": upstream position, "buffered": elements not consumed yet, "ended"}``."""
        with self._produce_lock:
            with self._cond:
                items = list(self._buf)
            ended = any(i is _END for i in items)
            for i in items:
                if isinstance(i, _Failure):
                    raise RuntimeError("prefetch: cannot save the iterator's position: the input "
                                       f"pipeline raised {type(i.exc).__name__}: {i.exc}") from i.exc
            return {"inner": self._inner.state(), "ended": ended or self._done,
                    "buffered": Elements(i for i in items if i is not _END)}

    def close(self):
        """Stop the producer thread and everything upstream of it; waits (a few seconds at
        most) for the producer to finish the element it is making."""
        self._done = True
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        if self._thread is None:
            self._inner.close()
        else:
            self._thread.join(_JOIN)  # the producer closes the upstream as it exits


class ParallelMapIterator:
    """``fn(item)`` for the items of ``inner`` on a pool of ``workers`` threads.

    Items go to the pool in chunks (one task maps a run of consecutive items: a task per item
    cost more in thread hand-offs than a small ``fn`` itself); a chunk starts at one item and
    doubles up to ``MAX_CHUNK`` as the iterator runs, so the first elements come as soon as
    they are mapped. At most ``2 * workers`` chunks are in flight; outputs come in input order
    unless ``deterministic`` is False (then chunk by chunk as they finish). ``ready``: results
    that come first (restored from a checkpoint).
    """

    MAX_CHUNK = 16

    def __init__(self, fn, inner, workers, deterministic=True, ready=(), exhausted=False):
        self._inner = inner
        self._workers = workers
        self._deterministic = deterministic
        self._exhausted = exhausted
        self._chunk = 1
        device = backend.default_device()
        kernels = current_kernel_scope()

        def call(items):
            prev = swap_kernel_scope(kernels)
            try:
                with backend.device(device):
                    return [fn(item) for item in items]
            finally:
                swap_kernel_scope(prev)
        self._call = call
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="wb.data.map")
        self._pending = collections.deque()
        self._ready = collections.deque(ready)   # results of the chunk being handed out
        self._finalizer = weakref.finalize(self, self._pool.shutdown, wait=False, cancel_futures=True)

    def __iter__(self):
        return self

    def _fill(self):
        while not self._exhausted and len(self._pending) < 2 * self._workers:
            items = []
            try:
                while len(items) < self._chunk:
                    items.append(next(self._inner))
            except StopIteration:
                self._exhausted = True
            if items:
                self._pending.append(self._pool.submit(self._call, items))
                self._chunk = min(self.MAX_CHUNK, self._chunk * 2)

    def __next__(self):
        if self._ready:
            return self._ready.popleft()
        self._fill()
        if not self._pending:
            self.close()
            raise StopIteration
        if self._deterministic:
            first = self._pending.popleft()
        else:
            done, _ = wait(self._pending, return_when=FIRST_COMPLETED)
            first = next(f for f in self._pending if f in done)
            self._pending.remove(first)
        self._ready.extend(first.result())
        self._fill()   # keep the pool busy while the caller uses this chunk
        return self._ready.popleft()

    def state(self) -> dict:
        """The upstream position after the items taken so far, and the results not returned
        yet (the calls in flight waited for), in the order they will be returned."""
        return {"inner": self._inner.state(), "exhausted": self._exhausted,
                "ready": Elements(list(self._ready) + [r for f in self._pending for r in f.result()])}

    def close(self):
        """Stop the pool (calls in flight finish in the background) and everything upstream."""
        for f in list(self._pending):
            f.cancel()
        self._finalizer()
        self._inner.close()


# -- the transformation -------------------------------------------------------------------


class Prefetch(Dataset):
    """``Dataset.prefetch``."""

    _same_elements = True

    def __init__(self, input_ds, buffer_size):
        self._input = input_ds
        size = argcheck.integer(buffer_size, "buffer_size", "prefetch")
        self._size = 2 if size == AUTOTUNE else size
        if self._size < 0:
            raise InvalidArgumentError(f"prefetch: buffer_size must be >= 0 or set buffer_size to be -1 for "
                                       f"auto-tuning, got {buffer_size}")

    def _elem_iter(self, state=None):
        return _PrefetchIter(self, state)

    def _cardinality(self):
        return self._input._cardinality()


class _PrefetchIter(Step):
    """Elements produced ahead on a background thread; produced but not consumed elements are
    saved with the upstream position, so a save neither loses nor repeats them."""

    _children = ("_it",)

    def __init__(self, node, state):
        self._node = node
        if state is not None:
            expect_kind(state, node)
        inner = node._input._iter(None if state is None else state["inner"])
        if node._size == 0 or debug_mode():
            self._it, self._inner = inner, inner
            return
        self._inner = None
        if state is None:
            self._it = PrefetchIterator(inner, node._size)
        else:
            self._it = PrefetchIterator(inner, node._size, state.get("buffered") or (),
                                        bool(state.get("ended", False)))

    def __next__(self):
        return next(self._it)

    def state(self):
        if self._inner is not None:
            return self._tag(self._node, inner=self._inner.state())
        return self._tag(self._node, **self._it.state())
