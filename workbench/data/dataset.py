"""``wb.data.Dataset``: in-memory input pipelines with tf.data's semantics.

A dataset is a chain of transformations, evaluated lazily each time it is
iterated. Pipelines that start from arrays (``from_tensor_slices``,
``range``) and only shuffle, repeat, take or skip them are carried as streams
of integer indices: ``batch`` then gathers each batch from the arrays in one
vectorized ``take`` on the device, with no per-element Python. After ``map``
or ``filter`` elements are produced one at a time and batched by stacking.

>>> ds = wb.data.Dataset.from_tensor_slices((np.arange(6), np.arange(6) * 10))
>>> ds = ds.shuffle(6, seed=1).batch(4)
>>> [x.shape for x, y in ds]
[(4,), (2,)]
"""

from __future__ import annotations

import itertools
import os

import numpy as np

from .. import backend, nest
from ..core import Tensor, convert_to_tensor, wrap
from . import structure as st
from .prefetch import PrefetchIterator, parallel_map

INFINITE = -1
UNKNOWN = -2
AUTOTUNE = -1
_CHUNK = 1 << 16  # indices per chunk of an index stream


def _count(value, what):
    if isinstance(value, Tensor):
        value = int(value)
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool):
        raise TypeError(f"{what} must be an integer, got {type(value).__name__}")
    return int(value)


class Dataset:
    """A sequence of elements (nested tuples/dicts of Tensors and RaggedTensors).

    Build one with :meth:`from_tensor_slices`, :meth:`from_tensors` or :meth:`range`,
    chain transformations, and iterate it with ``for``.
    """

    # -- what subclasses provide ---------------------------------------------------
    def _elements(self):
        """A fresh iterator over the elements."""
        stream = self._indexed()
        if stream is None:
            raise NotImplementedError
        source, make_chunks = stream
        for chunk in make_chunks():
            for i in chunk.tolist():
                yield source.element(i)

    def _indexed(self):
        """``(source, make_chunks)`` when the elements are rows of an array source picked by an
        index stream (``make_chunks()`` starts a new pass and yields int64 index arrays), else None."""
        return None

    def _cardinality(self) -> int:
        return UNKNOWN

    # -- iteration ------------------------------------------------------------------
    def __iter__(self):
        return iter(self._elements())

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
        return _FromTensors(st.normalize(tensors))

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
        from ragged import gather_rows
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
                raise ValueError(f"from_tensor_slices: component {i} is a scalar; every component "
                                 "needs a first dimension to slice")
            leaves.append(backend.get_xp(dev).array(backend.move(arr, dev), copy=True))
            sizes.append(arr.shape[0])
        if len(set(sizes)) > 1:
            shapes = [(leaf.shape if not st.is_ragged(leaf) else leaf.shape) for leaf in leaves]
            raise ValueError(f"from_tensor_slices: all components must have the same size in "
                             f"dimension 0, got shapes {shapes}")
        self._source = _ArraySource(element, leaves, sizes[0])

    def _indexed(self):
        n = self._source.n

        def make_chunks():
            for start in range(0, n, _CHUNK):
                yield np.arange(start, min(start + _CHUNK, n), dtype=np.int64)
        return self._source, make_chunks

    def _cardinality(self):
        return self._source.n


def _slice_structure(tensors):
    """The input of from_tensor_slices with leaves as Tensors/RaggedTensors (lists are tensors)."""
    if isinstance(tensors, dict):
        return {k: _slice_structure(v) for k, v in tensors.items()}
    if isinstance(tensors, tuple):
        if hasattr(tensors, "_fields"):
            return type(tensors)(*[_slice_structure(v) for v in tensors])
        return tuple(_slice_structure(v) for v in tensors)
    if isinstance(tensors, Tensor) or st.is_ragged(tensors):
        return tensors
    return convert_to_tensor(tensors)


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
        r = range(*[_count(a, "range argument") for a in args])
        self._range = r
        self._source = _RangeSource(r.start, r.step, dtype)

    def _indexed(self):
        n = len(self._range)

        def make_chunks():
            for start in range(0, n, _CHUNK):
                yield np.arange(start, min(start + _CHUNK, n), dtype=np.int64)
        return self._source, make_chunks

    def _cardinality(self):
        return len(self._range)


class _FromTensors(Dataset):
    def __init__(self, element):
        self._element = element

    def _elements(self):
        yield self._element

    def _cardinality(self):
        return 1


# -- index-stream transformations -------------------------------------------------------


class _Shuffle(Dataset):
    def __init__(self, input_ds, buffer_size, seed, reshuffle):
        self._input = input_ds
        self._buffer = _count(buffer_size, "shuffle: buffer_size")
        if self._buffer == -1:  # AUTOTUNE
            self._buffer = 1 << 62
        if self._buffer <= 0:
            raise ValueError(f"shuffle: buffer_size must be positive, got {buffer_size}")
        self._seed = int(seed) if seed is not None else int(np.random.SeedSequence().entropy % (1 << 63))
        self._reshuffle = bool(reshuffle)
        self._epoch = itertools.count()

    def _rng(self):
        epoch = next(self._epoch) if self._reshuffle else 0
        return np.random.default_rng([self._seed, epoch])

    def _indexed(self):
        stream = self._input._indexed()
        if stream is None:
            return None
        source, inner = stream
        n = self._input._cardinality()

        def make_chunks():
            rng = self._rng()
            if 0 <= n <= self._buffer:
                # the buffer holds everything: the output is a uniform random permutation
                chunks = list(inner())
                if chunks:
                    yield rng.permutation(np.concatenate(chunks))
                return
            out = []
            for i in _shuffle_buffer(itertools.chain.from_iterable(c.tolist() for c in inner()),
                                     self._buffer, rng):
                out.append(i)
                if len(out) == _CHUNK:
                    yield np.asarray(out, np.int64)
                    out = []
            if out:
                yield np.asarray(out, np.int64)
        return source, make_chunks

    def _elements(self):
        if self._indexed() is not None:
            yield from Dataset._elements(self)
            return
        yield from _shuffle_buffer(self._input._elements(), self._buffer, self._rng())

    def _cardinality(self):
        return self._input._cardinality()


def _shuffle_buffer(items, buffer_size, rng):
    """TF's shuffle buffer over any iterator of items."""
    buf = list(itertools.islice(items, buffer_size)) if buffer_size < (1 << 62) else list(items)
    draws = iter(())
    for item in items:
        # while the buffer is full the draws are uniform over a fixed size: take them in blocks
        j = next(draws, None)
        if j is None:
            draws = iter(rng.integers(0, len(buf), size=1024).tolist())
            j = next(draws)
        yield buf[j]
        buf[j] = item
    while buf:
        j = int(rng.integers(0, len(buf)))
        buf[j], buf[-1] = buf[-1], buf[j]
        yield buf.pop()


class _Repeat(Dataset):
    def __init__(self, input_ds, count):
        self._input = input_ds
        self._count = -1 if count is None else _count(count, "repeat: count")

    def _passes(self):
        return itertools.count() if self._count < 0 else range(self._count)

    def _indexed(self):
        stream = self._input._indexed()
        if stream is None:
            return None
        source, inner = stream

        def make_chunks():
            for _ in self._passes():
                empty = True
                for chunk in inner():
                    empty = empty and chunk.size == 0
                    yield chunk
                if empty:  # repeating an empty dataset is empty, not an endless loop
                    return
        return source, make_chunks

    def _elements(self):
        if self._indexed() is not None:
            yield from Dataset._elements(self)
            return
        for _ in self._passes():
            empty = True
            for element in self._input._elements():
                empty = False
                yield element
            if empty:
                return

    def _cardinality(self):
        n = self._input._cardinality()
        if n == 0:
            return 0
        if self._count < 0:
            return INFINITE if n != UNKNOWN else UNKNOWN
        if n < 0:
            return n if self._count else 0
        return n * self._count


class _Take(Dataset):
    def __init__(self, input_ds, count):
        self._input = input_ds
        self._count = _count(count, "take: count")

    def _indexed(self):
        stream = self._input._indexed()
        if stream is None or self._count < 0:
            return stream
        source, inner = stream

        def make_chunks():
            left = self._count
            if left == 0:
                return
            for chunk in inner():
                yield chunk[:left]
                left -= min(left, chunk.size)
                if left == 0:
                    return
        return source, make_chunks

    def _elements(self):
        if self._indexed() is not None:
            yield from Dataset._elements(self)
            return
        it = self._input._elements()
        yield from (it if self._count < 0 else itertools.islice(it, self._count))

    def _cardinality(self):
        n = self._input._cardinality()
        if self._count < 0:
            return n
        if n == INFINITE:
            return self._count
        if n == UNKNOWN:
            return 0 if self._count == 0 else UNKNOWN
        return min(n, self._count)


class _Skip(Dataset):
    def __init__(self, input_ds, count):
        self._input = input_ds
        self._count = _count(count, "skip: count")

    def _indexed(self):
        stream = self._input._indexed()
        if stream is None:
            return None
        source, inner = stream

        def make_chunks():
            if self._count < 0:
                return
            left = self._count
            for chunk in inner():
                if left:
                    cut = min(left, chunk.size)
                    chunk, left = chunk[cut:], left - cut
                if chunk.size:
                    yield chunk
        return source, make_chunks

    def _elements(self):
        if self._indexed() is not None:
            yield from Dataset._elements(self)
            return
        if self._count < 0:
            return
        yield from itertools.islice(self._input._elements(), self._count, None)

    def _cardinality(self):
        n = self._input._cardinality()
        if n < 0:
            return n
        return 0 if self._count < 0 else max(0, n - self._count)


# -- batching ---------------------------------------------------------------------------


def _rechunk(chunks, size, drop_remainder):
    """Index arrays of exactly ``size`` from a stream of arrays of any size."""
    pending, have = [], 0
    for chunk in chunks:
        pending.append(chunk)
        have += chunk.size
        if have >= size:
            flat = np.concatenate(pending)
            whole = (flat.size // size) * size
            for start in range(0, whole, size):
                yield flat[start:start + size]
            pending, have = [flat[whole:]], flat.size - whole
    if have and not drop_remainder:
        yield np.concatenate(pending)


def _batch_count(n, size, drop):
    if n < 0:
        return n
    return n // size if drop else -(-n // size)


class _Batch(Dataset):
    def __init__(self, input_ds, batch_size, drop_remainder, mode):
        self._input = input_ds
        self._size = _count(batch_size, "batch: batch_size")
        if self._size <= 0:
            raise ValueError(f"batch: batch_size must be positive, got {batch_size}")
        self._drop = bool(drop_remainder)
        self._mode = mode

    def _elements(self):
        stream = self._input._indexed()
        if stream is not None:
            source, make_chunks = stream
            for idx in _rechunk(make_chunks(), self._size, self._drop):
                yield source.gather(idx)
            return
        buf = []
        for element in self._input._elements():
            buf.append(element)
            if len(buf) == self._size:
                yield st.batch_elements(buf, self._mode)
                buf = []
        if buf and not self._drop:
            yield st.batch_elements(buf, self._mode)

    def _cardinality(self):
        return _batch_count(self._input._cardinality(), self._size, self._drop)


class _PaddedBatch(_Batch):
    def __init__(self, input_ds, batch_size, padded_shapes, padding_values, drop_remainder):
        super().__init__(input_ds, batch_size, drop_remainder, "padded")
        self._shapes = padded_shapes
        self._values = padding_values

    def _elements(self):
        stream = self._input._indexed()
        if stream is not None:
            source, make_chunks = stream
            for idx in _rechunk(make_chunks(), self._size, self._drop):
                yield self._pad_gathered(source.gather(idx))
            return
        buf = []
        for element in self._input._elements():
            buf.append(element)
            if len(buf) == self._size:
                yield self._pad_elements(buf)
                buf = []
        if buf and not self._drop:
            yield self._pad_elements(buf)

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
            raise TypeError(f"map: map_func must be callable, got {type(fn).__name__}")
        self._input = input_ds
        self._fn = fn
        workers = None if num_parallel_calls is None else _count(num_parallel_calls, "num_parallel_calls")
        if workers == AUTOTUNE:
            workers = min(8, os.cpu_count() or 1)
        self._workers = workers if workers and workers > 1 else None
        self._deterministic = deterministic is not False

    def _call(self, element):
        return st.normalize(st.unpack_call(self._fn, element))

    def _elements(self):
        if self._workers is None:
            for element in self._input._elements():
                yield self._call(element)
            return
        yield from parallel_map(self._call, self._input._elements(), self._workers, self._deterministic)

    def _cardinality(self):
        return self._input._cardinality()


class _Filter(Dataset):
    def __init__(self, input_ds, predicate):
        if not callable(predicate):
            raise TypeError(f"filter: predicate must be callable, got {type(predicate).__name__}")
        self._input = input_ds
        self._predicate = predicate

    def _elements(self):
        for element in self._input._elements():
            keep = st.unpack_call(self._predicate, element)
            keep_t = convert_to_tensor(keep)
            if keep_t.shape != () or keep_t.dtype != np.bool_:
                raise TypeError(f"filter: the predicate must return a scalar bool, got dtype "
                                f"{keep_t.dtype} shape {keep_t.shape}")
            if bool(keep_t):
                yield element

    def _cardinality(self):
        return 0 if self._input._cardinality() == 0 else UNKNOWN


class _Enumerate(Dataset):
    def __init__(self, input_ds, start):
        self._input = input_ds
        self._start = _count(start, "enumerate: start")

    def _elements(self):
        for i, element in enumerate(self._input._elements(), self._start):
            yield convert_to_tensor(np.int64(i)), element

    def _cardinality(self):
        return self._input._cardinality()


class _Zip(Dataset):
    def __init__(self, datasets):
        flat = nest.flatten(datasets)
        if not flat or not all(isinstance(d, Dataset) for d in flat):
            raise TypeError("zip: expected datasets (or a tuple/dict of datasets)")
        self._structure = datasets
        self._inputs = flat

    def _elements(self):
        for elements in zip(*[d._elements() for d in self._inputs]):
            yield nest.pack_sequence_as(self._structure, list(elements))

    def _cardinality(self):
        ns = [d._cardinality() for d in self._inputs]
        finite = [n for n in ns if n >= 0]
        if finite:
            return min(finite) if UNKNOWN not in ns or min(finite) == 0 else UNKNOWN
        return UNKNOWN if UNKNOWN in ns else INFINITE


class _Concatenate(Dataset):
    def __init__(self, first, second):
        if not isinstance(second, Dataset):
            raise TypeError(f"concatenate: expected a Dataset, got {type(second).__name__}")
        self._first, self._second = first, second

    def _elements(self):
        yield from self._first._elements()
        yield from self._second._elements()

    def _cardinality(self):
        a, b = self._first._cardinality(), self._second._cardinality()
        if INFINITE in (a, b):
            return INFINITE
        if UNKNOWN in (a, b):
            return UNKNOWN
        return a + b


class _Prefetch(Dataset):
    def __init__(self, input_ds, buffer_size):
        self._input = input_ds
        size = _count(buffer_size, "prefetch: buffer_size")
        self._size = 2 if size == AUTOTUNE else size
        if self._size < 0:
            raise ValueError(f"prefetch: buffer_size must be positive or AUTOTUNE, got {buffer_size}")

    def _elements(self):
        if self._size == 0:
            yield from self._input._elements()
            return
        it = PrefetchIterator(self._input._elements, self._size)
        try:
            yield from it
        finally:
            it.close()

    def _cardinality(self):
        return self._input._cardinality()
