"""``wb.queue``: TF's queues (``tf.queue``): ``FIFOQueue``, ``PaddingFIFOQueue``,
``RandomShuffleQueue`` and ``PriorityQueue``, eager only.

A queue holds elements of one or more components (``dtypes``, optional ``shapes`` and
``names``). ``enqueue`` adds one element, ``enqueue_many`` splits its components along
the first dimension; ``dequeue`` takes one, ``dequeue_many(n)`` / ``dequeue_up_to(n)``
stack ``n`` (they need known shapes, as TF). Calls block as TF's do (an enqueue on a full
queue, a dequeue on an empty one), so threads can produce and consume; ``close`` wakes
them: dequeues then drain what is left and raise ``OutOfRangeError``, enqueues raise
``CancelledError``. Random order (``RandomShuffleQueue``) is NumPy's, not TF's kernel's.

>>> q = wb.queue.FIFOQueue(3, wb.int32, shapes=[[]])
>>> q.enqueue_many([[1, 2, 3]])
>>> q.dequeue_many(2).numpy()
array([1, 2], dtype=int32)
"""

from __future__ import annotations

import collections
import heapq
import itertools
import threading

import numpy as np

from . import core, dtypes, errors
from .core import Tensor
from .tensor_shape import TensorShape

__all__ = ["FIFOQueue", "PaddingFIFOQueue", "PriorityQueue", "QueueBase", "RandomShuffleQueue"]

_ids = itertools.count(1)


def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _shape_text(shape) -> str:
    dims = ["None" if d is None else str(d) for d in shape]
    return "(" + ", ".join(dims) + ("," if len(dims) == 1 else "") + ")"


def _host(value, dtype) -> np.ndarray:
    """One component as an array (strings stay an object array of bytes, as wb.string)."""
    return np.asarray(value, dtype=object if dtype == dtypes.string else None)


def _compatible(shape, spec) -> bool:
    return spec is None or (len(shape) == len(spec) and all(s is None or s == d for d, s in zip(shape, spec)))


class QueueBase:
    """What every queue does; see the module docstring."""

    _kind = "Queue"

    def __init__(self, capacity, dtypes_, shapes=None, names=None, name=None):
        self._dtypes = [dtypes.as_dtype(d) for d in _as_list(dtypes_)]
        if shapes is None:
            self._shapes = [None] * len(self._dtypes)
        else:
            if isinstance(shapes, TensorShape) or (isinstance(shapes, (list, tuple)) and all(
                    d is None or isinstance(d, (int, np.integer)) for d in shapes)):
                shapes = [shapes]   # one shape (TF's rule: a list of dimensions is a single shape)
            self._shapes = [None if s is None else tuple(TensorShape(s).as_list()) for s in shapes]
            if len(self._shapes) != len(self._dtypes):
                raise errors.InvalidArgumentError(
                    f"Different number of component types.  Types: {', '.join(d.name for d in self._dtypes)}, "
                    f"Shapes: [{', '.join('[' + ','.join(str(d) for d in s) + ']' for s in self._shapes)}]")
        if names is not None:
            names = _as_list(names)
            if len(names) != len(self._dtypes):
                raise ValueError(f"List of names must have the same length as the list of dtypes, received "
                                 f"len(names)={len(names)},len(dtypes)={len(self._dtypes)}")
        self._names = names
        if not isinstance(capacity, (int, np.integer)) or isinstance(capacity, bool):
            raise TypeError(f"{type(self).__name__}: capacity must be an integer, got {capacity!r}")
        self._capacity = int(capacity)
        self._name = name or f"{self._kind.lower()}_{next(_ids)}"
        self._lock = threading.Condition()
        self._closed = False
        self._cancelled = False
        self._items = self._store()

    # -- properties ------------------------------------------------------------------
    @property
    def name(self):
        return self._name

    @property
    def dtypes(self):
        return list(self._dtypes)

    @property
    def shapes(self):
        return [TensorShape(s) for s in self._shapes]

    @property
    def names(self):
        return None if self._names is None else list(self._names)

    @property
    def queue_ref(self):
        return self

    @staticmethod
    def from_list(index, queues):
        """``queues[index]`` (TF selects among queues of the same dtypes at run time)."""
        queues = list(queues)
        if not queues:
            raise ValueError("from_list: queues must be a non-empty list")
        first = queues[0]
        for q in queues[1:]:
            if q.dtypes != first.dtypes:
                raise TypeError(f"Queue at index {queues.index(q)} has different dtypes from queue at index 0")
        return queues[int(index.numpy() if isinstance(index, Tensor) else index)]

    # -- storage (the subclasses order elements differently) ------------------------------
    def _store(self):
        return collections.deque()

    def _put(self, element):
        self._items.append(element)

    def _take(self):
        return self._items.popleft()

    def _ready(self, n):
        """Whether ``n`` elements may be taken now (a shuffle queue keeps ``min_after_dequeue``)."""
        return len(self._items) >= n

    # -- conversion --------------------------------------------------------------------
    def _components(self, vals):
        if isinstance(vals, dict):
            if self._names is None:
                raise ValueError("Queues without names cannot be enqueued with a dictionary")
            if sorted(self._names) != sorted(vals):
                raise ValueError(f"Keys in dictionary to enqueue do not match names of Queue.  Dictionary: "
                                 f"{sorted(vals)},Queue: {sorted(self._names)}")
            return [vals[n] for n in self._names]
        if self._names is not None:
            raise ValueError("You must enqueue a dictionary in a Queue with names")
        vals = _as_list(vals)
        if len(vals) != len(self._dtypes):
            raise ValueError(f"{type(self).__name__}: expected {len(self._dtypes)} components "
                             f"({', '.join(d.name for d in self._dtypes)}), got {len(vals)}")
        return vals

    def _arrays(self, vals, many):
        out = []
        for v, dt, spec in zip(self._components(vals), self._dtypes, self._shapes):
            if isinstance(v, Tensor):
                if v.dtype != dt:
                    raise TypeError(f"{type(self).__name__}: a component of dtype {dt.name} was given a tensor of "
                                    f"dtype {v.dtype.name}")
                t = v
            else:
                try:
                    t = core.convert_to_tensor(v, dtype=dt)
                except (TypeError, ValueError):
                    raise TypeError(f"Cannot convert {v!r} to EagerTensor of dtype {dt.name}") from None
            arr = np.asarray(t.numpy())
            shape = arr.shape[1:] if many else arr.shape
            if many and arr.ndim == 0:
                raise ValueError("Shape must be at least rank 1 but is rank 0 (enqueue_many splits the first "
                                 "dimension of each component)")
            if not _compatible(shape, spec):
                raise ValueError(f"Shapes {_shape_text(shape)} and {_shape_text(spec)} are incompatible")
            out.append(arr)
        if many and len({a.shape[0] for a in out}) > 1:
            raise ValueError(f"{type(self).__name__}.enqueue_many: components have different first dimensions "
                             f"{[a.shape[0] for a in out]}")
        return out

    def _result(self, arrays):
        tensors = [core.wrap_constant(a) for a in arrays]
        if self._names is not None:
            return dict(zip(self._names, tensors))
        return tensors[0] if len(tensors) == 1 else tensors

    # -- enqueue -------------------------------------------------------------------------
    def _closed_error(self):
        return errors.CancelledError(f"{self._kind} '{self._name}' is closed.")

    def _enqueue_elements(self, elements):
        with self._lock:
            for element in elements:
                if self._closed:
                    raise self._closed_error()
                while self._capacity > 0 and len(self._items) >= self._capacity:
                    self._lock.wait()
                    if self._cancelled:
                        raise errors.CancelledError("Enqueue operation was cancelled")
                self._put(element)
                self._lock.notify_all()

    def enqueue(self, vals, name=None):
        """Add one element (a tensor, a tuple/list of components, or a dict by ``names``)."""
        self._enqueue_elements([tuple(self._arrays(vals, many=False))])

    def enqueue_many(self, vals, name=None):
        """Add the elements made by slicing each component along its first dimension."""
        arrays = self._arrays(vals, many=True)
        n = arrays[0].shape[0] if arrays else 0
        self._enqueue_elements([tuple(a[i] for a in arrays) for i in range(n)])

    # -- dequeue -------------------------------------------------------------------------
    def _insufficient(self, n):
        return errors.OutOfRangeError(f"{self._kind} '{self._name}' is closed and has insufficient elements "
                                      f"(requested {n}, current size {len(self._items)})")

    def _take_elements(self, n, up_to):
        with self._lock:
            while True:
                if self._closed:
                    available = len(self._items)
                    if available >= n or (up_to and available > 0):
                        n = min(n, available)
                        break
                    raise self._insufficient(n)
                if self._ready(n):
                    break
                self._lock.wait()
            taken = [self._take() for _ in range(n)]
            self._lock.notify_all()
            return taken

    def dequeue(self, name=None):
        """Take one element (blocks while the queue is empty and open)."""
        (element,) = self._take_elements(1, up_to=False)
        return self._result([_host(c, dt) for c, dt in zip(element, self._dtypes)])

    def _batch_check(self, n, what):
        if isinstance(n, Tensor):
            n = int(n.numpy())
        n = int(n)
        if n < 0:
            raise errors.InvalidArgumentError(f"{what} requested {n} < 0 elements")
        if any(s is None for s in self._shapes):
            raise errors.InvalidArgumentError(f"{self._kind}'s DequeueMany and DequeueUpTo require the components "
                                              "to have specified shapes.")
        return n

    def _stack(self, elements):
        out = []
        for i, (dt, spec) in enumerate(zip(self._dtypes, self._shapes)):
            parts = [e[i] for e in elements]
            shape = tuple(spec) if spec is not None else ()
            if not parts:
                out.append(np.zeros((0,) + tuple(0 if d is None else d for d in shape),
                                    dtype=object if dt == dtypes.string else dt.as_numpy_dtype))
            else:
                out.append(self._stacked([_host(p, dt) for p in parts], dt))
        return out

    def _stacked(self, parts, dt):
        return np.stack(parts)

    def dequeue_many(self, n, name=None):
        """Take exactly ``n`` elements, stacked (blocks until there are ``n``, or the queue closes:
        then ``OutOfRangeError`` if fewer remain)."""
        n = self._batch_check(n, "DequeueManyOp")
        return self._result(self._stack(self._take_elements(n, up_to=False) if n else []))

    def dequeue_up_to(self, n, name=None):
        """As ``dequeue_many``, but a closed queue gives what it has left (at least one)."""
        n = self._batch_check(n, "DequeueUpToOp")
        return self._result(self._stack(self._take_elements(n, up_to=True) if n else []))

    # -- state -----------------------------------------------------------------------------
    def close(self, cancel_pending_enqueues=False, name=None):
        """Close the queue: no more enqueues; with ``cancel_pending_enqueues`` blocked ones fail."""
        with self._lock:
            self._closed = True
            self._cancelled = self._cancelled or bool(cancel_pending_enqueues)
            self._lock.notify_all()

    def is_closed(self, name=None):
        return core.wrap_constant(np.bool_(self._closed))

    def size(self, name=None):
        """The number of elements (int32 scalar)."""
        with self._lock:
            return core.wrap_constant(np.int32(len(self._items)))

    def __repr__(self):
        return (f"<{type(self).__name__} '{self._name}' dtypes=[{', '.join(d.name for d in self._dtypes)}] "
                f"size={len(self._items)}{' closed' if self._closed else ''}>")


class FIFOQueue(QueueBase):
    """Elements in the order they were added."""

    _kind = "FIFOQueue"

    def __init__(self, capacity, dtypes, shapes=None, names=None, shared_name=None, name="fifo_queue"):
        super().__init__(capacity, dtypes, shapes, names, name)


class PaddingFIFOQueue(QueueBase):
    """A FIFO queue whose shapes may have ``None`` dimensions: ``dequeue_many`` pads each
    component with zeros (empty strings) to the largest element of the batch."""

    _kind = "PaddingFIFOQueue"

    def __init__(self, capacity, dtypes, shapes, names=None, shared_name=None, name="padding_fifo_queue"):
        if shapes is None:
            raise ValueError("PaddingFIFOQueue: shapes must be given (dimensions may be None)")
        super().__init__(capacity, dtypes, shapes, names, name)

    def _batch_check(self, n, what):
        if isinstance(n, Tensor):
            n = int(n.numpy())
        if int(n) < 0:
            raise errors.InvalidArgumentError(f"{what} requested {int(n)} < 0 elements")
        return int(n)

    def _stacked(self, parts, dt):
        rank = parts[0].ndim
        full = tuple(max(p.shape[d] for p in parts) for d in range(rank))
        out = np.zeros((len(parts),) + full, dtype=parts[0].dtype)
        if dt == dtypes.string:
            out[...] = b""
        for i, p in enumerate(parts):
            out[(i,) + tuple(slice(0, s) for s in p.shape)] = p
        return out


class RandomShuffleQueue(QueueBase):
    """Elements in a random order; a dequeue leaves at least ``min_after_dequeue`` elements
    until the queue is closed. The order is drawn with NumPy (``seed``), not TF's."""

    _kind = "RandomShuffleQueue"

    def __init__(self, capacity, min_after_dequeue, dtypes, shapes=None, names=None, seed=None,
                 shared_name=None, name="random_shuffle_queue"):
        self.min_after_dequeue = int(min_after_dequeue)
        self._rng = np.random.default_rng(seed)
        super().__init__(capacity, dtypes, shapes, names, name)

    def _store(self):
        return []

    def _take(self):
        i = int(self._rng.integers(len(self._items)))
        self._items[i], self._items[-1] = self._items[-1], self._items[i]
        return self._items.pop()

    def _ready(self, n):
        return len(self._items) - n >= self.min_after_dequeue


class PriorityQueue(QueueBase):
    """Elements taken smallest priority first: each element's first component is its int64
    priority (TF prepends it to ``types`` and a ``[]`` shape to ``shapes``); equal priorities
    come out in the order they were added."""

    _kind = "PriorityQueue"

    def __init__(self, capacity, types, shapes=None, names=None, shared_name=None, name="priority_queue"):
        types = _as_list(types)
        if shapes is None or len(_as_list(shapes)) != len(types):
            raise errors.InvalidArgumentError(
                f"PriorityQueue: shapes must give one shape per type ({len(types)}), got {shapes!r}")
        super().__init__(capacity, [dtypes.int64] + types, [()] + list(shapes),
                         None if names is None else ["priority"] + _as_list(names), name)
        self._order = itertools.count()

    def _store(self):
        return []

    def _put(self, element):
        heapq.heappush(self._items, (int(element[0]), next(self._order), element))

    def _take(self):
        return heapq.heappop(self._items)[2]
