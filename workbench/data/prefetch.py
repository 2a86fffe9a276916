"""Background producers: ``prefetch`` (one thread, bounded queue) and parallel ``map``.

The producer thread runs the upstream pipeline while the consumer trains on
the previous elements. It stops when the consumer finishes, breaks out of its
loop or drops the iterator; an exception raised upstream is re-raised in the
consumer at the position where it happened. New tensors in the producer go to
the device that was the default when iteration started.
"""

from __future__ import annotations

import collections
import queue
import threading
import weakref

from .. import backend

_END = object()
_POLL = 0.05  # seconds between checks of the stop flag while the queue is full


class _Failure:
    __slots__ = ("exc",)

    def __init__(self, exc):
        self.exc = exc


def _put(q, item, stop) -> bool:
    """Put ``item`` unless asked to stop first; True when it was put."""
    while not stop.is_set():
        try:
            q.put(item, timeout=_POLL)
            return True
        except queue.Full:
            continue
    return False


def _produce(make_iterator, q, stop, device):
    it = None
    try:
        with backend.device(device):
            it = make_iterator()
            for item in it:
                if not _put(q, item, stop):
                    return
        _put(q, _END, stop)
    except BaseException as exc:  # noqa: BLE001  (handed to the consumer, which re-raises it)
        _put(q, _Failure(exc), stop)
    finally:
        close = getattr(it, "close", None)
        if close is not None:
            close()


class PrefetchIterator:
    """Iterates ``make_iterator()`` on a background thread, at most ``buffer_size`` ahead."""

    def __init__(self, make_iterator, buffer_size):
        self._queue = queue.Queue(maxsize=max(1, int(buffer_size)))
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=_produce, args=(make_iterator, self._queue, self._stop, backend.default_device()),
            name="wb.data.prefetch", daemon=True)
        self._done = False
        # dropping the iterator stops the producer (the callback holds the event, not self)
        self._finalizer = weakref.finalize(self, self._stop.set)
        self._thread.start()

    def __iter__(self):
        return self

    def __next__(self):
        if self._done:
            raise StopIteration
        while True:
            try:
                item = self._queue.get(timeout=_POLL)
                break
            except queue.Empty:
                if not self._thread.is_alive() and self._queue.empty():
                    self.close()
                    raise RuntimeError("prefetch: the producer thread stopped without a result") from None
        if item is _END:
            self.close()
            raise StopIteration
        if isinstance(item, _Failure):
            self.close()
            raise item.exc
        return item

    def close(self):
        """Stop the producer thread (it exits within a fraction of a second)."""
        self._done = True
        self._stop.set()

    @property
    def thread(self):
        return self._thread


def parallel_map(fn, items, workers, deterministic=True):
    """``fn(item)`` for each item on a pool of ``workers`` threads, in input order.

    At most ``2 * workers`` calls are in flight; the pool is shut down when the
    generator is closed or exhausted.
    """
    from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
    device = backend.default_device()

    def call(item):
        with backend.device(device):
            return fn(item)

    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="wb.data.map")
    pending = collections.deque()
    try:
        source = iter(items)
        exhausted = False
        while True:
            while not exhausted and len(pending) < 2 * workers:
                try:
                    pending.append(pool.submit(call, next(source)))
                except StopIteration:
                    exhausted = True
            if not pending:
                return
            if deterministic:
                yield pending.popleft().result()
            else:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                first = next(f for f in pending if f in done)
                pending.remove(first)
                yield first.result()
    finally:
        for f in pending:
            f.cancel()
        pool.shutdown(wait=False, cancel_futures=True)
