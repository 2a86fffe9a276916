"""``wb.data.Dataset``: in-memory input pipelines with tf.data's semantics.

A dataset is a chain of transformations, evaluated lazily each time it is
iterated. Pipelines that start from arrays (``from_tensor_slices``,
``range``) and only shuffle, repeat, take or skip them are carried as streams
of integer indices: ``batch`` then gathers each batch from the arrays in one
vectorized ``take`` on the device, with no per-element Python. After ``map``
or ``filter`` elements are produced one at a time and batched by stacking.

``iter(ds)`` returns a :class:`wb.data.Iterator` whose position (shuffle
buffers, seeds, epochs, prefetched elements) a ``wb.Checkpoint`` saves.

>>> ds = wb.data.Dataset.from_tensor_slices((np.arange(6), np.arange(6) * 10))
>>> ds = ds.shuffle(6, seed=1).batch(4)
>>> [x.shape for x, y in ds]
[(4,), (2,)]
"""

from __future__ import annotations

import os
import threading

import numpy as np

from .. import backend, nest
from ..errors import argcheck
from ..core import Tensor, convert_to_tensor, wrap
from . import structure as st
from .iterator import Iterator, ShuffleBuffer, expect_kind
from .prefetch import ParallelMapIterator, PrefetchIterator
from ragged import gather_rows

INFINITE = -1
UNKNOWN = -2
AUTOTUNE = -1
_CHUNK = 1 << 16  # indices per chunk of an index stream


def _count(value, where, what, minimum=None):
    """An integer argument (a Python or NumPy integer or an integer scalar tensor), at least
    ``minimum``."""
    return argcheck.integer(value, what, where, minimum)


class Dataset:
    """A sequence of elements (nested tuples/dicts of Tensors and RaggedTensors).

    Build one with :meth:`from_tensor_slices`, :meth:`from_tensors` or :meth:`range`,
    chain transformations, and iterate it with ``for``.
    """

    # -- what subclasses provide ---------------------------------------------------
    # Iteration goes through small iterator objects that report their position as a state
    # tree (``state()``) and are rebuilt from one (``_iter(state)``), so ``iter(ds)`` can be
    # saved in a checkpoint and resumed exactly (see ``iterator.py``).

    def _indexable(self) -> bool:
        """True when the elements are rows of an array source picked by a stream of int64
        index arrays (then ``batch`` gathers whole batches in one vectorized take)."""
        return False

    def _source(self):
        """The array source of an indexable dataset."""
        return self._input._source()

    def _index_iter(self, state=None):
        """An iterator of int64 index chunks (indexable datasets only), with ``state()``."""
        raise NotImplementedError

    def _elem_iter(self, state=None):
        """An iterator of elements, with ``state()`` (datasets that are not indexable)."""
        raise NotImplementedError

    def _iter(self, state=None):
        """An iterator of elements starting at ``state`` (None: the beginning)."""
        if self._indexable():
            return _EachIndex(self, state)
        return self._elem_iter(state)

    def _elements(self):
        return self._iter(None)

    def _cardinality(self) -> int:
        return UNKNOWN

    # -- iteration ------------------------------------------------------------------
    def __iter__(self):
        """A :class:`wb.data.Iterator`; its position can be saved with ``wb.Checkpoint``."""
        return Iterator(self)

    def as_numpy_iterator(self):
        """Iterate with every leaf converted to NumPy (RaggedTensors to object arrays of rows)."""
        for element in self._elements():
            yield st.to_numpy(element)

    def cardinality(self) -> Tensor:
        """The number of elements as an int64 scalar; ``wb.data.INFINITE_CARDINALITY`` (-1) or
        ``wb.data.UNKNOWN_CARDINALITY`` (-2) when it is infinite or unknown (after ``filter``)."""
        return convert_to_tensor(np.int64(self._cardinality()))

    def __len__(self):
        n = self._cardinality()
        if n == INFINITE:
            raise TypeError("the dataset is infinite")
        if n == UNKNOWN:
            raise TypeError("the dataset's length is unknown (it follows a filter); use cardinality()")
        return n

    def __bool__(self):
        return True

    def __repr__(self):
        n = self._cardinality()
        size = {INFINITE: "infinite", UNKNOWN: "unknown"}.get(n, str(n))
        return f"<wb.data.{type(self).__name__.lstrip('_')} cardinality={size}>"

    # -- sources --------------------------------------------------------------------
    @staticmethod
    def from_tensor_slices(tensors, name=None):
        """One element per row of ``tensors`` (an array, tensor, RaggedTensor, or a tuple/dict of
        them with the same first dimension). Rows of a RaggedTensor batch into RaggedTensors.

        >>> list(wb.data.Dataset.from_tensor_slices([1, 2, 3]).as_numpy_iterator())
        [1, 2, 3]
        """
        return _TensorSlices(tensors)

    @staticmethod
    def from_tensors(tensors, name=None):
        """A dataset with ``tensors`` as its single element."""
        return _FromTensors(st.normalize(tensors, what="tensors", where="from_tensors"))

    @staticmethod
    def range(*args, dtype=np.int64, name=None):
        """Like Python's ``range``: ``Dataset.range(5)``, ``Dataset.range(2, 10, 3)``."""
        return _Range(*args, dtype=dtype)

    @staticmethod
    def zip(*datasets, name=None):
        """Elements of several datasets side by side: ``Dataset.zip(a, b)`` or a tuple/dict of
        datasets. Stops with the shortest."""
        if len(datasets) == 1 and not isinstance(datasets[0], Dataset):
            datasets = datasets[0]
        return _Zip(datasets)

    # -- transformations ------------------------------------------------------------
    def map(self, map_func, num_parallel_calls=None, deterministic=None, name=None):
        """Apply ``map_func`` to each element; a tuple element is unpacked as positional arguments.

        ``num_parallel_calls`` (an int or ``wb.data.AUTOTUNE``) runs calls on a thread pool; the
        output order is the input order unless ``deterministic=False``.
        """
        return _Map(self, map_func, num_parallel_calls, deterministic)

    def filter(self, predicate, name=None):
        """Keep the elements for which ``predicate`` (called like ``map``) is true."""
        return _Filter(self, predicate)

    def batch(self, batch_size, drop_remainder=False, num_parallel_calls=None, deterministic=None,
              name=None):
        """Stack ``batch_size`` consecutive elements; the last batch is smaller unless
        ``drop_remainder``. Dense components must agree in shape; rows of a RaggedTensor and
        RaggedTensor elements are batched into RaggedTensors."""
        return _Batch(self, batch_size, drop_remainder, "dense")

    def ragged_batch(self, batch_size, drop_remainder=False, row_splits_dtype=np.int64, name=None):
        """Batch elements whose first dimension varies into RaggedTensors ``[batch, None, ...]``.
        Scalar components are stacked densely, as are components of an array source."""
        return _Batch(self, batch_size, drop_remainder, "ragged")

    def padded_batch(self, batch_size, padded_shapes=None, padding_values=None, drop_remainder=False,
                     name=None):
        """Batch elements of different shapes by padding each component to ``padded_shapes``
        (entries None or -1: the largest in the batch; default: the largest in every dimension)
        with ``padding_values`` (default 0).

        >>> ds = wb.data.Dataset.range(1, 4).map(lambda n: wb.fill([n], n))
        >>> next(iter(ds.padded_batch(3))).numpy()
        array([[1, 0, 0],
               [2, 2, 0],
               [3, 3, 3]])
        """
        return _PaddedBatch(self, batch_size, padded_shapes, padding_values, drop_remainder)

    def shuffle(self, buffer_size, seed=None, reshuffle_each_iteration=True, name=None):
        """Shuffle with a buffer of ``buffer_size`` elements (TF's algorithm: fill the buffer, then
        repeatedly emit a random buffered element and refill its place from the input).

        With ``seed``, the sequence of orders is reproducible; ``reshuffle_each_iteration``
        draws a new order for each pass over the data.
        """
        return _Shuffle(self, buffer_size, seed, reshuffle_each_iteration)

    def repeat(self, count=None, name=None):
        """Repeat the dataset ``count`` times (forever when None or -1)."""
        return _Repeat(self, count)

    def take(self, count, name=None):
        """The first ``count`` elements (all when -1)."""
        return _Take(self, count)

    def skip(self, count, name=None):
        """All but the first ``count`` elements (none when -1)."""
        return _Skip(self, count)

    def enumerate(self, start=0, name=None):
        """Pairs ``(index, element)`` with an int64 index counting from ``start``."""
        return _Enumerate(self, start)

    def concatenate(self, dataset, name=None):
        """The elements of this dataset followed by those of ``dataset``."""
        return _Concatenate(self, dataset)

    def prefetch(self, buffer_size, name=None):
        """Produce up to ``buffer_size`` elements ahead on a background thread
        (``wb.data.AUTOTUNE`` picks 2), so input work overlaps the training step."""
        return _Prefetch(self, buffer_size)

    def apply(self, transformation_func):
        """``transformation_func(self)``, for chaining reusable transformations."""
        out = transformation_func(self)
        if not isinstance(out, Dataset):
            raise TypeError(f"apply: the transformation must return a Dataset, got {type(out).__name__}")
        return out

    def reduce(self, initial_state, reduce_func, name=None):
        """Fold the elements: ``state = reduce_func(state, element)``."""
        state = st.normalize(initial_state)
        for element in self._elements():
            state = st.normalize(reduce_func(state, element))
        return state


INFINITE_CARDINALITY = INFINITE
UNKNOWN_CARDINALITY = UNKNOWN


# -- array sources ----------------------------------------------------------------------


class _ArraySource:
    """Rows of arrays (on the default device) and RaggedTensors, gathered by index arrays."""

    def __init__(self, structure, leaves, n):
        self.structure = structure
        self.leaves = leaves
        self.n = n

    def _device_index(self, idx, like):
        xp = backend.xp_of(like)
        return idx if xp is np else xp.asarray(idx)

    def gather(self, idx):
        """The batch of rows ``idx`` (int64 NumPy array): one vectorized take per component."""
        out = []
        for leaf in self.leaves:
            if st.is_ragged(leaf):
                out.append(gather_rows(leaf, self._device_index(idx, leaf.flat_values._data)))
            else:
                xp = backend.xp_of(leaf)
                out.append(wrap(xp.take(leaf, self._device_index(idx, leaf), axis=0)))
        return nest.pack_sequence_as(self.structure, out)

    def element(self, i):
        out = []
        for leaf in self.leaves:
            if st.is_ragged(leaf):
                row = leaf[i]
                out.append(row if st.is_ragged(row) else st.ragged_row(row._data.copy()))
            else:
                out.append(wrap(leaf[i, ...].copy()))
        return nest.pack_sequence_as(self.structure, out)


_NO_INDICES = np.zeros(0, np.int64)
_restore_round = [0]  # counts iterator restores (see _Shuffle._resume)


def begin_restore():
    """Mark the start of rebuilding an iterator from a saved state."""
    _restore_round[0] += 1


class _State:
    """Base of the per-transformation iterators: ``state()`` is the position as a tree."""

    _children = ("_inner",)  # attributes holding the iterators this one pulls from

    def __iter__(self):
        return self

    def close(self):
        """Stop the background threads (prefetch, parallel map) here and upstream."""
        for name in self._children:
            child = getattr(self, name, None)
            if child is not None:
                child.close()

    def _tag(self, node, **fields):
        return {"kind": type(node).__name__.lstrip("_"), **fields}


class _RangeIndices(_State):
    """Indices ``pos, pos + 1, ... n - 1`` in chunks."""

    _children = ()

    def __init__(self, node, n, state):
        self._node, self._n = node, n
        self._pos = int(expect_kind(state, node)["pos"]) if state is not None else 0

    def next_chunk(self):
        if self._pos >= self._n:
            raise StopIteration
        end = min(self._pos + _CHUNK, self._n)
        chunk = np.arange(self._pos, end, dtype=np.int64)
        self._pos = end
        return chunk

    def state(self):
        return self._tag(self._node, pos=self._pos)


class _IndexPuller:
    """Single indices out of an index iterator (the leftover of the current chunk is state)."""

    def __init__(self, inner, rest=None):
        self.inner = inner
        self.rest = [] if rest is None else rest.tolist()
        self.pos = 0

    def pull(self):
        while self.pos >= len(self.rest):
            self.rest, self.pos = self.inner.next_chunk().tolist(), 0
        self.pos += 1
        return self.rest[self.pos - 1]

    def close(self):
        self.inner.close()

    def state(self):
        return {"inner": self.inner.state(), "rest": np.asarray(self.rest[self.pos:], np.int64)}


class _EachIndex(_State):
    """The elements of an indexable dataset, one source row at a time."""

    _children = ("_puller",)

    def __init__(self, node, state):
        self._node = node
        self._source = node._source()
        if state is None:
            self._puller = _IndexPuller(node._index_iter(None))
        else:
            expect_kind(state, node)
            self._puller = _IndexPuller(node._index_iter(state["indices"]["inner"]),
                                        state["indices"]["rest"])

    def __next__(self):
        return self._source.element(self._puller.pull())

    def state(self):
        return self._tag(self._node, indices=self._puller.state())


class _TensorSlices(Dataset):
    def __init__(self, tensors):
        element = _slice_structure(tensors)
        flat = nest.flatten(element)
        if not flat:
            raise ValueError("from_tensor_slices: the structure holds no tensors")
        dev = backend.default_device()
        leaves, sizes = [], []
        for i, leaf in enumerate(flat):
            if st.is_ragged(leaf):
                leaves.append(leaf.to(dev))
                sizes.append(leaf.nrows_int())
                continue
            arr = leaf._data
            if arr.ndim == 0:
                raise ValueError(f"from_tensor_slices: component {i} of tensors is a scalar "
                                 f"({argcheck.describe(leaf)}); every component needs a first "
                                 "dimension to slice")
            leaves.append(backend.get_xp(dev).array(backend.move(arr, dev), copy=True))
            sizes.append(arr.shape[0])
        if len(set(sizes)) > 1:
            shapes = [(leaf.shape if not st.is_ragged(leaf) else leaf.shape) for leaf in leaves]
            raise ValueError(f"from_tensor_slices: all components of tensors must have the same "
                             f"size in dimension 0, got shapes {shapes}")
        self._array_source = _ArraySource(element, leaves, sizes[0])

    def _indexable(self):
        return True

    def _source(self):
        return self._array_source

    def _index_iter(self, state=None):
        return _RangeIndices(self, self._array_source.n, state)

    def _cardinality(self):
        return self._array_source.n


def _slice_structure(tensors, what="tensors"):
    """The input of from_tensor_slices with leaves as Tensors/RaggedTensors (lists are tensors)."""
    if isinstance(tensors, dict):
        return {k: _slice_structure(v, f"{what}[{k!r}]") for k, v in tensors.items()}
    if isinstance(tensors, tuple):
        parts = [_slice_structure(v, f"{what}[{i}]") for i, v in enumerate(tensors)]
        return type(tensors)(*parts) if hasattr(tensors, "_fields") else tuple(parts)
    if isinstance(tensors, Tensor) or st.is_ragged(tensors):
        return tensors
    return st.to_tensor(tensors, what, "from_tensor_slices")


class _RangeSource:
    """The values ``start + i * step`` of a range, computed for an index array."""

    def __init__(self, start, step, dtype):
        self.start, self.step, self.dtype = start, step, np.dtype(dtype)

    def gather(self, idx):
        xp = backend.get_xp()
        values = (self.start + idx * self.step).astype(self.dtype)
        return wrap(values if xp is np else xp.asarray(values))

    def element(self, i):
        return convert_to_tensor(np.asarray(self.start + i * self.step, dtype=self.dtype))


class _Range(Dataset):
    def __init__(self, *args, dtype=np.int64):
        if not 1 <= len(args) <= 3:
            raise TypeError(f"range expects 1 to 3 arguments (start, stop, step), got {len(args)}")
        names = ("stop",) if len(args) == 1 else ("start", "stop", "step")
        r = [_count(a, "Dataset.range", what) for a, what in zip(args, names)]
        if len(r) == 3 and r[2] == 0:
            raise ValueError("Dataset.range: step must not be 0")
        r = range(*r)
        self._range = r
        self._range_source = _RangeSource(r.start, r.step, dtype)

    def _indexable(self):
        return True

    def _source(self):
        return self._range_source

    def _index_iter(self, state=None):
        return _RangeIndices(self, len(self._range), state)

    def _cardinality(self):
        return len(self._range)


class _FromTensors(Dataset):
    def __init__(self, element):
        self._element = element

    def _elem_iter(self, state=None):
        return _Once(self, state)

    def _cardinality(self):
        return 1


class _Once(_State):
    _children = ()

    def __init__(self, node, state):
        self._node = node
        self._done = bool(expect_kind(state, node)["done"]) if state is not None else False

    def __next__(self):
        if self._done:
            raise StopIteration
        self._done = True
        return self._node._element

    def state(self):
        return self._tag(self._node, done=self._done)


# -- shuffle, repeat, take, skip: on index streams and on elements ------------------------


class _Shuffle(Dataset):
    def __init__(self, input_ds, buffer_size, seed, reshuffle):
        self._input = input_ds
        self._buffer = _count(buffer_size, "shuffle", "buffer_size")
        if self._buffer == -1:  # AUTOTUNE
            self._buffer = 1 << 62
        if self._buffer <= 0:
            raise ValueError(f"shuffle: buffer_size must be positive, got {buffer_size}")
        self._seed_given = seed is not None
        self._seed = (_count(seed, "shuffle", "seed") if seed is not None
                      else int(np.random.SeedSequence().entropy % (1 << 63)))
        self._reshuffle = bool(reshuffle)
        self._next_epoch = 0
        self._restore_round = None
        self._lock = threading.Lock()

    def _draw_epoch(self):
        """The epoch of a new pass: each pass (each iterator, each repetition) reshuffles."""
        if not self._reshuffle:
            return 0
        with self._lock:
            epoch, self._next_epoch = self._next_epoch, self._next_epoch + 1
        return epoch

    def _resume(self, state):
        """Adopt a saved pass: its seed (for a dataset built without one) and its epoch, so the
        passes after it draw the epochs they would have drawn."""
        expect_kind(state, self)
        seed = int(state["seed"])
        if seed != self._seed:
            if self._seed_given:
                raise ValueError(f"the iterator state was saved from a shuffle with seed {seed}, this "
                                 f"dataset shuffles with seed {self._seed}")
            self._seed = seed
        epoch = int(state["epoch"])
        with self._lock:
            # the passes after the restored ones draw the epochs that came next when the state
            # was saved: one past the newest epoch among this restore's passes
            if self._restore_round != _restore_round[0]:
                self._restore_round, self._next_epoch = _restore_round[0], epoch + 1
            else:
                self._next_epoch = max(self._next_epoch, epoch + 1)
        return epoch

    def _rng(self, epoch):
        return np.random.default_rng([self._seed, epoch])

    def _indexable(self):
        return self._input._indexable()

    def _index_iter(self, state=None):
        return _ShuffleIndices(self, state)

    def _elem_iter(self, state=None):
        return _ShuffleElements(self, state)

    def _cardinality(self):
        return self._input._cardinality()


class _ShuffleIndices(_State):
    """A shuffled index stream: a permutation when the buffer holds the whole input, else
    TF's buffer over single indices."""

    _children = ("_inner", "_puller")

    def __init__(self, node, state):
        self._node = node
        n = node._input._cardinality()
        self._whole = 0 <= n <= node._buffer
        if state is None:
            self._epoch = node._draw_epoch()
            self._seed = node._seed
        else:
            self._epoch = node._resume(state)
            self._seed = node._seed
        if self._whole:
            # the permutation needs the whole pass of the input: keep where the input started
            self._inner = node._input._index_iter(None if state is None else state["inner_start"])
            self._inner_start = self._inner.state()
            self._emitted = 0 if state is None else int(state["emitted"])
            self._perm = None
        else:
            if state is None:
                self._puller = _IndexPuller(node._input._index_iter(None))
                self._buffer = ShuffleBuffer(self._puller.pull, node._buffer, node._rng(self._epoch))
            else:
                self._puller = _IndexPuller(node._input._index_iter(state["indices"]["inner"]),
                                            state["indices"]["rest"])
                self._buffer = ShuffleBuffer.restore(self._puller.pull, node._buffer, state["buffer"])

    def next_chunk(self):
        if self._whole:
            if self._perm is None:
                chunks = []
                while True:
                    try:
                        chunks.append(self._inner.next_chunk())
                    except StopIteration:
                        break
                rng = self._node._rng(self._epoch)
                self._perm = rng.permutation(np.concatenate(chunks)) if chunks else _NO_INDICES
            if self._emitted >= self._perm.size:
                raise StopIteration
            chunk = self._perm[self._emitted:self._emitted + _CHUNK]
            self._emitted += chunk.size
            return chunk
        out = []
        for i in self._buffer:
            out.append(i)
            if len(out) == _CHUNK:
                break
        if not out:
            raise StopIteration
        return np.asarray(out, np.int64)

    def state(self):
        base = self._tag(self._node, seed=self._seed, epoch=self._epoch)
        if self._whole:
            return {**base, "inner_start": self._inner_start, "emitted": self._emitted}
        return {**base, "indices": self._puller.state(), "buffer": self._buffer.state(False)}


class _ShuffleElements(_State):
    def __init__(self, node, state):
        self._node = node
        if state is None:
            self._epoch = node._draw_epoch()
            self._inner = node._input._iter(None)
            self._buffer = ShuffleBuffer(self._pull, node._buffer, node._rng(self._epoch))
        else:
            self._epoch = node._resume(state)
            self._inner = node._input._iter(state["inner"])
            self._buffer = ShuffleBuffer.restore(self._pull, node._buffer, state["buffer"])

    def _pull(self):
        return next(self._inner)

    def __next__(self):
        return next(self._buffer)

    def state(self):
        return self._tag(self._node, seed=self._node._seed, epoch=self._epoch,
                         inner=self._inner.state(), buffer=self._buffer.state(True))


class _Repeat(Dataset):
    def __init__(self, input_ds, count):
        self._input = input_ds
        self._count = -1 if count is None else _count(count, "repeat", "count", -1)

    def _indexable(self):
        return self._input._indexable()

    def _index_iter(self, state=None):
        return _RepeatIter(self, state, indices=True)

    def _elem_iter(self, state=None):
        return _RepeatIter(self, state, indices=False)

    def _cardinality(self):
        n = self._input._cardinality()
        if n == 0:
            return 0
        if self._count < 0:
            return INFINITE if n != UNKNOWN else UNKNOWN
        if n < 0:
            return n if self._count else 0
        return n * self._count


class _RepeatIter(_State):
    """Pass ``passes`` over the input; a new pass is a new input iterator (a shuffle draws a
    new epoch). Repeating an empty dataset is empty, not an endless loop."""

    def __init__(self, node, state, indices):
        self._node, self._indices = node, indices
        make = node._input._index_iter if indices else node._input._iter
        self._make = make
        if state is None:
            self._passes, self._empty = 0, True
            self._inner = make(None) if node._count != 0 else None
        else:
            expect_kind(state, node)
            self._passes, self._empty = int(state["passes"]), bool(state["empty"])
            self._inner = make(state["inner"]) if state["inner"] is not None else None

    def _next(self):
        while self._inner is not None:
            try:
                item = self._inner.next_chunk() if self._indices else next(self._inner)
            except StopIteration:
                self._passes += 1
                if self._empty or (0 <= self._node._count <= self._passes):
                    self._inner = None
                    break
                self._inner, self._empty = self._make(None), True
                continue
            if not self._indices or item.size:
                self._empty = False
            return item
        raise StopIteration

    next_chunk = _next
    __next__ = _next

    def state(self):
        return self._tag(self._node, passes=self._passes, empty=self._empty,
                         inner=None if self._inner is None else self._inner.state())


class _Counted(Dataset):
    """take/skip: a count of elements from the front of the input."""

    _what = ""

    def __init__(self, input_ds, count):
        self._input = input_ds
        self._count = _count(count, self._what, "count", -1)

    def _indexable(self):
        return self._input._indexable()

    def _iterator(self, state, indices):
        raise NotImplementedError

    def _index_iter(self, state=None):
        return self._iterator(state, True)

    def _elem_iter(self, state=None):
        return self._iterator(state, False)


class _Take(_Counted):
    _what = "take"

    def _iterator(self, state, indices):
        return _TakeIter(self, state, indices=indices)

    def _cardinality(self):
        n = self._input._cardinality()
        if self._count < 0:
            return n
        if n == INFINITE:
            return self._count
        if n == UNKNOWN:
            return 0 if self._count == 0 else UNKNOWN
        return min(n, self._count)


class _CountedIter(_State):
    """take/skip iterators: ``_left`` elements still to take (or skip) from the input."""

    def __init__(self, node, state, indices):
        self._node, self._indices = node, indices
        make = node._input._index_iter if indices else node._input._iter
        if state is None:
            self._left = node._count
            self._inner = make(None)
        else:
            self._left = int(expect_kind(state, node)["left"])
            self._inner = make(state["inner"])

    def next_chunk(self):
        return self._next()

    def __next__(self):
        return self._next()

    def state(self):
        return self._tag(self._node, left=self._left, inner=self._inner.state())


class _TakeIter(_CountedIter):

    def _next(self):
        if self._left == 0:
            raise StopIteration
        if not self._indices:
            item = next(self._inner)
            self._left -= self._left > 0
            return item
        chunk = self._inner.next_chunk()
        if self._left > 0:
            chunk = chunk[:self._left]
            self._left -= chunk.size
        return chunk


class _Skip(_Counted):
    _what = "skip"

    def _iterator(self, state, indices):
        return _SkipIter(self, state, indices=indices)

    def _cardinality(self):
        n = self._input._cardinality()
        if n < 0:
            return n
        return 0 if self._count < 0 else max(0, n - self._count)


class _SkipIter(_CountedIter):

    def _next(self):
        if self._left < 0:  # skip(-1): nothing
            raise StopIteration
        if not self._indices:
            while self._left:
                next(self._inner)
                self._left -= 1
            return next(self._inner)
        while True:
            chunk = self._inner.next_chunk()
            if self._left:
                cut = min(self._left, chunk.size)
                chunk, self._left = chunk[cut:], self._left - cut
            if chunk.size:
                return chunk


# -- batching ---------------------------------------------------------------------------


def _batch_count(n, size, drop):
    if n < 0:
        return n
    return n // size if drop else -(-n // size)


class _Batch(Dataset):
    def __init__(self, input_ds, batch_size, drop_remainder, mode):
        self._input = input_ds
        self._size = _count(batch_size, "batch", "batch_size", 1)
        self._drop = bool(drop_remainder)
        self._mode = mode

    def _elem_iter(self, state=None):
        if self._input._indexable():
            return _GatherBatches(self, state)
        return _StackBatches(self, state)

    def _from_gathered(self, batch):
        return batch

    def _from_elements(self, elements):
        return st.batch_elements(elements, self._mode)

    def _cardinality(self):
        return _batch_count(self._input._cardinality(), self._size, self._drop)


class _GatherBatches(_State):
    """Batches of an indexable input: ``size`` indices at a time, gathered in one take. The
    indices left over from the last chunk are part of the state."""

    def __init__(self, node, state):
        self._node = node
        self._source = node._input._source()
        if state is None:
            self._inner, self._pending, self._ended = node._input._index_iter(None), _NO_INDICES, False
        else:
            expect_kind(state, node)
            self._inner = node._input._index_iter(state["inner"])
            self._pending, self._ended = state["pending"], bool(state["ended"])

    def __next__(self):
        size = self._node._size
        if self._pending.size < size and not self._ended:
            parts, have = [self._pending], self._pending.size
            while have < size:
                try:
                    chunk = self._inner.next_chunk()
                except StopIteration:
                    self._ended = True
                    break
                parts.append(chunk)
                have += chunk.size
            self._pending = np.concatenate(parts)
        if self._pending.size >= size:
            idx, self._pending = self._pending[:size], self._pending[size:]
        elif self._pending.size and not self._node._drop:
            idx, self._pending = self._pending, _NO_INDICES
        else:
            raise StopIteration
        return self._node._from_gathered(self._source.gather(idx))

    def state(self):
        return self._tag(self._node, inner=self._inner.state(), pending=np.array(self._pending),
                         ended=self._ended)


class _StackBatches(_State):
    """Batches of elements, stacked (a batch is built within one ``next``, so between calls
    the only state is the input's)."""

    def __init__(self, node, state):
        self._node = node
        self._inner = node._input._iter(None if state is None else expect_kind(state, node)["inner"])

    def __next__(self):
        buf = []
        for element in self._inner:
            buf.append(element)
            if len(buf) == self._node._size:
                break
        if not buf or (len(buf) < self._node._size and self._node._drop):
            raise StopIteration
        return self._node._from_elements(buf)

    def state(self):
        return self._tag(self._node, inner=self._inner.state())


class _PaddedBatch(_Batch):
    def __init__(self, input_ds, batch_size, padded_shapes, padding_values, drop_remainder):
        super().__init__(input_ds, batch_size, drop_remainder, "padded")
        self._shapes = padded_shapes
        self._values = padding_values

    def _from_gathered(self, batch):
        return self._pad_gathered(batch)

    def _from_elements(self, elements):
        return self._pad_elements(elements)

    def _specs(self, element):
        return (st.per_leaf(self._shapes, element, "padded_shapes"),
                st.per_leaf(self._values, element, "padding_values"))

    def _pad_elements(self, elements):
        shapes, values = self._specs(elements[0])
        flats = [nest.flatten(e) for e in elements]
        out = []
        for i, (shape, value) in enumerate(zip(shapes, values)):
            leaves = [f[i] for f in flats]
            where = "" if len(shapes) == 1 else f" in component {i}"
            if any(st.is_ragged(x) for x in leaves):
                raise TypeError(f"padded_batch: component {i} holds RaggedTensors; use ragged_batch, "
                                "or convert them with to_tensor() in a map first")
            out.append(wrap(st.pad_dense([x._data for x in leaves], shape, value, where)))
        return nest.pack_sequence_as(elements[0], out)

    def _pad_gathered(self, batch):
        """Pad a batch gathered from an array source: ragged components become dense."""
        shapes, values = self._specs(batch)
        out = []
        for i, (leaf, shape, value) in enumerate(zip(nest.flatten(batch), shapes, values)):
            where = "" if len(shapes) == 1 else f" in component {i}"
            if st.is_ragged(leaf):
                biggest = tuple(int(d) for d in leaf.bounding_shape().numpy()[1:])
                target = st.resolve_shape(shape, biggest, where)
                pad = st._pad_value(value, leaf.dtype, where)
                out.append(leaf.to_tensor(default_value=pad, shape=(leaf.nrows_int(),) + target))
            else:
                arr = leaf._data
                target = st.resolve_shape(shape, arr.shape[1:], where)
                if target != arr.shape[1:]:
                    xp = backend.xp_of(arr)
                    full = xp.full((arr.shape[0],) + target, st._pad_value(value, arr.dtype, where),
                                   dtype=arr.dtype)
                    full[(slice(None),) + tuple(slice(0, s) for s in arr.shape[1:])] = arr
                    arr = full
                out.append(wrap(arr))
        return nest.pack_sequence_as(batch, out)


# -- element-wise transformations -------------------------------------------------------


class _Map(Dataset):
    def __init__(self, input_ds, fn, num_parallel_calls, deterministic):
        if not callable(fn):
            raise TypeError(f"map: map_func must be callable, got {argcheck.describe(fn)}")
        self._input = input_ds
        self._fn = fn
        workers = None if num_parallel_calls is None else _count(num_parallel_calls, "map", "num_parallel_calls")
        if workers is not None and workers < 1 and workers != AUTOTUNE:
            raise ValueError(f"map: num_parallel_calls must be positive or AUTOTUNE (-1), got {workers}")
        if workers == AUTOTUNE:
            workers = min(8, os.cpu_count() or 1)
        self._workers = workers if workers and workers > 1 else None
        self._deterministic = deterministic is not False

    def _call(self, element):
        return st.normalize(st.unpack_call(self._fn, element))

    def _elem_iter(self, state=None):
        return _MapIter(self, state)

    def _cardinality(self):
        return self._input._cardinality()


class _MapIter(_State):
    """The map function is called once per element and never again on restore: its results
    still in flight on the thread pool are saved as elements."""

    _children = ("_it",)

    def __init__(self, node, state):
        self._node = node
        if state is not None:
            expect_kind(state, node)
        inner = node._input._iter(None if state is None else state["inner"])
        if node._workers is None:
            self._it = inner
            self._inner = inner
        else:
            ready = () if state is None else state.get("ready") or ()
            exhausted = False if state is None else bool(state.get("exhausted", False))
            self._it = ParallelMapIterator(node._call, inner, node._workers, node._deterministic,
                                           ready, exhausted)
            self._inner = None

    def __next__(self):
        item = next(self._it)
        return item if self._inner is None else self._node._call(item)

    def state(self):
        if self._inner is not None:
            return self._tag(self._node, inner=self._inner.state())
        return self._tag(self._node, **self._it.state())


class _Filter(Dataset):
    def __init__(self, input_ds, predicate):
        if not callable(predicate):
            raise TypeError(f"filter: predicate must be callable, got {argcheck.describe(predicate)}")
        self._input = input_ds
        self._predicate = predicate

    def _keep(self, element):
        keep_t = convert_to_tensor(st.unpack_call(self._predicate, element))
        if keep_t.shape != () or keep_t.dtype != np.bool_:
            raise TypeError(f"filter: the predicate must return a scalar bool, got dtype "
                            f"{keep_t.dtype} shape {keep_t.shape}")
        return bool(keep_t)

    def _elem_iter(self, state=None):
        return _FilterIter(self, state)

    def _cardinality(self):
        return 0 if self._input._cardinality() == 0 else UNKNOWN


class _FilterIter(_State):
    def __init__(self, node, state):
        self._node = node
        self._inner = node._input._iter(None if state is None else expect_kind(state, node)["inner"])

    def __next__(self):
        for element in self._inner:
            if self._node._keep(element):
                return element
        raise StopIteration

    def state(self):
        return self._tag(self._node, inner=self._inner.state())


class _Enumerate(Dataset):
    def __init__(self, input_ds, start):
        self._input = input_ds
        self._start = _count(start, "enumerate", "start")

    def _elem_iter(self, state=None):
        return _EnumerateIter(self, state)

    def _cardinality(self):
        return self._input._cardinality()


class _EnumerateIter(_State):
    def __init__(self, node, state):
        self._node = node
        if state is None:
            self._i, self._inner = node._start, node._input._iter(None)
        else:
            self._i = int(expect_kind(state, node)["next"])
            self._inner = node._input._iter(state["inner"])

    def __next__(self):
        element = next(self._inner)
        self._i += 1
        return convert_to_tensor(np.int64(self._i - 1)), element

    def state(self):
        return self._tag(self._node, next=self._i, inner=self._inner.state())


class _Zip(Dataset):
    def __init__(self, datasets):
        flat = nest.flatten(datasets)
        if not flat or not all(isinstance(d, Dataset) for d in flat):
            bad = next((d for d in flat if not isinstance(d, Dataset)), None)
            raise TypeError(f"zip: datasets must be Datasets (or a tuple/dict of Datasets), "
                            f"got {argcheck.describe(bad)}")
        self._structure = datasets
        self._inputs = flat

    def _elem_iter(self, state=None):
        return _ZipIter(self, state)

    def _cardinality(self):
        ns = [d._cardinality() for d in self._inputs]
        finite = [n for n in ns if n >= 0]
        if finite:
            return min(finite) if UNKNOWN not in ns or min(finite) == 0 else UNKNOWN
        return UNKNOWN if UNKNOWN in ns else INFINITE


class _ZipIter(_State):
    def __init__(self, node, state):
        self._node = node
        states = [None] * len(node._inputs) if state is None else expect_kind(state, node)["inputs"]
        if len(states) != len(node._inputs):
            raise ValueError(f"the iterator state zips {len(states)} datasets, this zip has "
                             f"{len(node._inputs)}")
        self._inners = [d._iter(s) for d, s in zip(node._inputs, states)]

    def __next__(self):
        # like zip(): stop at the first input that ends (the ones before it moved on)
        return nest.pack_sequence_as(self._node._structure, [next(it) for it in self._inners])

    def state(self):
        return self._tag(self._node, inputs=[it.state() for it in self._inners])

    def close(self):
        for it in self._inners:
            it.close()


class _Concatenate(Dataset):
    def __init__(self, first, second):
        if not isinstance(second, Dataset):
            raise TypeError(f"concatenate: dataset must be a Dataset, got {argcheck.describe(second)}")
        self._first, self._second = first, second

    def _elem_iter(self, state=None):
        return _ConcatenateIter(self, state)

    def _cardinality(self):
        a, b = self._first._cardinality(), self._second._cardinality()
        if INFINITE in (a, b):
            return INFINITE
        if UNKNOWN in (a, b):
            return UNKNOWN
        return a + b


class _ConcatenateIter(_State):
    def __init__(self, node, state):
        self._node = node
        if state is None:
            self._second, self._inner = False, node._first._iter(None)
        else:
            self._second = bool(expect_kind(state, node)["second"])
            self._inner = (node._second if self._second else node._first)._iter(state["inner"])

    def __next__(self):
        try:
            return next(self._inner)
        except StopIteration:
            if self._second:
                raise
        self._second, self._inner = True, self._node._second._iter(None)
        return next(self._inner)

    def state(self):
        return self._tag(self._node, second=self._second, inner=self._inner.state())


class _Prefetch(Dataset):
    def __init__(self, input_ds, buffer_size):
        self._input = input_ds
        size = _count(buffer_size, "prefetch", "buffer_size")
        self._size = 2 if size == AUTOTUNE else size
        if self._size < 0:
            raise ValueError(f"prefetch: buffer_size must be positive or AUTOTUNE, got {buffer_size}")

    def _elem_iter(self, state=None):
        return _PrefetchIter(self, state)

    def _cardinality(self):
        return self._input._cardinality()


class _PrefetchIter(_State):
    """Elements produced ahead on a background thread; produced but not consumed elements are
    saved with the upstream position, so a save neither loses nor repeats them."""

    _children = ("_it",)

    def __init__(self, node, state):
        self._node = node
        if state is not None:
            expect_kind(state, node)
        inner = node._input._iter(None if state is None else state["inner"])
        if node._size == 0:
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
