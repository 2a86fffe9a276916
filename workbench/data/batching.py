"""``batch``, ``ragged_batch``, ``padded_batch`` and ``sparse_batch``.

Over an indexable input a batch is ``batch_size`` indices gathered from the array
source in one take per component; over elements it is ``batch_size`` elements
stacked (``structure.batch_elements``) or padded to a common shape.
"""

from __future__ import annotations

import numpy as np

from ragged import RaggedTensorSpec
from ragged.row_partition import splits_dtype

from .. import backend, nest
from ..core import Tensor, wrap
from ..errors import DataLossError, InvalidArgumentError, argcheck
from ..sparse.sparse_tensor import SparseTensorSpec, from_parts
from ..tensor_shape import TensorSpec, as_shape
from . import structure as st
from .dataset import Dataset
from .indices import NO_INDICES
from .iterator import Step, expect_kind
from .nesting import split_rows


def _batch_count(n, size, drop):
    if n < 0:
        return n
    return n // size if drop else -(-n // size)


class Batch(Dataset):
    """``Dataset.batch`` (``mode`` "dense") and ``Dataset.ragged_batch`` ("ragged")."""

    def __init__(self, input_ds, batch_size, drop_remainder, mode, row_splits_dtype=np.int64):
        self._input = input_ds
        self._size = argcheck.integer(batch_size, "batch_size", "batch")
        if self._size < 1:
            raise InvalidArgumentError(f"batch: batch_size must be a positive integer, got {self._size} (Batch size "
                                       "must be greater than zero.)")
        self._drop = bool(drop_remainder)
        self._mode = mode
        self._splits_dtype = splits_dtype(row_splits_dtype, "ragged_batch: row_splits_dtype")

    def _elem_iter(self, state=None):
        if self._input._indexable():
            return _GatherBatches(self, state)
        return _StackBatches(self, state)

    def _from_gathered(self, batch):
        return batch

    def _from_elements(self, elements):
        if self._mode == "ragged":
            return st.batch_elements(elements, "ragged", self._ragged_levels(), self._splits_dtype)
        return st.batch_elements(elements, self._mode)

    def _ragged_levels(self):
        """``ragged_batch``'s plan for each leaf (see ``structure.batch_elements``) from the
        input's spec where it is known: TF batches a leaf of known shape (or unknown rank)
        dense, and makes a leaf ragged up to its last None size."""
        levels = self.__dict__.get("_levels", False)
        if levels is False:
            spec = self._input._known_spec()
            levels = None if spec is None else [_ragged_level(s) for s in nest.flatten(spec)]
            self._levels = levels
        return levels

    def _ragged_spec(self):
        """TF's spec of ``ragged_batch``'s batches where the input's spec is known and made of
        dense leaves, else None."""
        levels = self._ragged_levels() if self._mode == "ragged" and type(self) is Batch else None
        if levels is None or None in levels:
            return None
        size = self._size if self._drop else None
        spec = self._input._known_spec()
        return nest.pack_sequence_as(spec, [_ragged_batch_spec(s, k, size, self._splits_dtype)
                                            for s, k in zip(nest.flatten(spec), levels)])

    @property
    def element_spec(self):
        spec = self._ragged_spec()
        return Dataset.element_spec.fget(self) if spec is None else spec

    def _spec_of(self, element):
        spec = self._ragged_spec()
        return super()._spec_of(element) if spec is None else spec

    def _cardinality(self):
        return _batch_count(self._input._cardinality(), self._size, self._drop)

    def _known_spec(self):
        """TF's spec of a dense batch of elements whose specs are known dense ones: a leading
        dimension of the batch size (None when a short last batch is kept)."""
        spec = self._input._known_spec()
        if type(self) is Batch and self._mode == "ragged":
            return self._ragged_spec()
        if type(self) is not Batch or self._mode != "dense" or spec is None:
            return None
        leaves = nest.flatten(spec)
        if not all(isinstance(s, TensorSpec) and s.shape.rank is not None for s in leaves):
            return None
        size = self._size if self._drop else None
        return nest.pack_sequence_as(spec, [TensorSpec((size,) + tuple(s.shape), s.dtype) for s in leaves])


def _ragged_level(spec):
    """0: a dense leaf of known shape or unknown rank; k: the position (from 1) of its last
    None size; None: a leaf ``ragged_batch`` batches as it is (ragged, sparse, ...)."""
    if not isinstance(spec, TensorSpec):
        return None
    if spec.shape.rank is None:
        return 0
    dims = tuple(spec.shape.as_list())
    return max((i + 1 for i, d in enumerate(dims) if d is None), default=0)


def _ragged_batch_spec(spec, level, size, row_splits_dtype):
    """TF's spec of ``ragged_batch``'s batches of a leaf of ``spec``."""
    if spec.shape.rank is None:
        return TensorSpec(None, spec.dtype)
    shape = (size,) + tuple(spec.shape.as_list())
    if level == 0:
        return TensorSpec(shape, spec.dtype)
    return RaggedTensorSpec(shape, spec.dtype, level, row_splits_dtype)


class _GatherBatches(Step):
    """Batches of an indexable input: ``size`` indices at a time, gathered in one take. The
    indices left over from the last chunk are part of the state."""

    def __init__(self, node, state):
        self._node = node
        self._source = node._input._source()
        if state is None:
            self._inner, self._pending, self._ended = node._input._index_iter(None), NO_INDICES, False
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
            idx, self._pending = self._pending, NO_INDICES
        else:
            raise StopIteration
        return self._node._from_gathered(self._source.gather(idx))

    def state(self):
        return self._tag(self._node, inner=self._inner.state(), pending=np.array(self._pending),
                         ended=self._ended)


class _StackBatches(Step):
    """Batches of elements, stacked (a batch is built within one ``next``, so between calls
    the only state is the input's)."""

    def __init__(self, node, state):
        self._node = node
        self._inner = node._input._iter(None if state is None else expect_kind(state, node)["inner"])

    def __next__(self):
        node = self._node
        if type(node) is Batch and node._mode == "dense" and hasattr(self._inner, "next_rows"):
            return self._rows()
        buf = []
        for element in self._inner:
            buf.append(element)
            if len(buf) == self._node._size:
                break
        if not buf or (len(buf) < self._node._size and self._node._drop):
            raise StopIteration
        return self._node._from_elements(buf)

    def _rows(self):
        """A batch of an input that gives its elements many at a time, stacked already
        (``next_rows``: a reader's parsed lines, the rows of an unbatched batch)."""
        size, parts, have = self._node._size, [], 0
        while have < size:
            try:
                part = self._inner.next_rows(size - have)
            except StopIteration:
                break
            parts.append(part)
            have += nest.flatten(part)[0].shape[0]
        if not have or (have < size and self._node._drop):
            raise StopIteration
        if len(parts) == 1:
            return parts[0]
        flats = [nest.flatten(p) for p in parts]
        if not all(type(leaf) is Tensor and leaf._data.shape[1:] == flats[0][i]._data.shape[1:]
                   for f in flats for i, leaf in enumerate(f)):
            # composite components, or rows of other shapes: stacked (or refused) row by row
            return self._node._from_elements([row for p in parts for row in split_rows(p)])
        joined = []
        for leaves in zip(*flats):
            arrays = [leaf._data for leaf in leaves]
            joined.append(wrap(backend.xp_of(arrays[0]).concatenate(arrays)))
        return nest.pack_sequence_as(parts[0], joined)

    def state(self):
        return self._tag(self._node, inner=self._inner.state())


class PaddedBatch(Batch):
    """``Dataset.padded_batch``."""

    def __init__(self, input_ds, batch_size, padded_shapes, padding_values, drop_remainder):
        super().__init__(input_ds, batch_size, drop_remainder, "padded")
        self._shapes = padded_shapes
        self._values = padding_values

    def _from_gathered(self, batch):
        return self._pad_gathered(batch)

    def _from_elements(self, elements):
        return self._pad_elements(elements)

    @property
    def element_spec(self):
        """TF's: ``[batch_size]`` (None unless ``drop_remainder``) and the padded shape of each
        component (its own where ``padded_shapes`` is not given; a -1 or None size is None),
        of the input's dtypes."""
        return self._padded_spec(self._input.element_spec)

    def _known_spec(self):
        spec = self._input._known_spec()
        if spec is None or not all(isinstance(s, TensorSpec) for s in nest.flatten(spec)):
            return None
        return self._padded_spec(spec)

    def _padded_spec(self, spec):
        shapes = st.per_leaf(self._shapes, spec, "padded_shapes")
        batch = self._size if self._drop else None
        out = []
        for leaf, shape in zip(nest.flatten(spec), shapes):
            if shape is None:
                dims = list(leaf.shape) if leaf.shape.rank is not None else None
            else:
                given = shape.as_list() if hasattr(shape, "as_list") else list(np.asarray(
                    shape.numpy() if hasattr(shape, "numpy") else shape).reshape(-1))
                dims = [None if d is None or int(d) < 0 else int(d) for d in given]
            out.append(TensorSpec(None if dims is None else [batch, *dims], leaf.dtype))
        return nest.pack_sequence_as(spec, out)

    def _spec_of(self, element):
        return self.element_spec

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
            if any(st.is_sparse(x) for x in leaves):
                raise TypeError(f"padded_batch: component {i} holds SparseTensors; padded_batch takes "
                                "dense components (use batch, which batches SparseTensors)")
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
            if st.is_sparse(leaf):
                raise TypeError(f"padded_batch: component {i} holds SparseTensors; padded_batch takes "
                                "dense components (use batch, which batches SparseTensors)")
            if st.is_ragged(leaf):
                biggest = tuple(int(d) for d in leaf.bounding_shape().numpy()[1:])
                target = st.resolve_shape(shape, biggest, where)
                pad = st.pad_value(value, leaf.dtype, where)
                out.append(leaf.to_tensor(default_value=pad, shape=(leaf.nrows_int(),) + target))
            else:
                arr = leaf._data
                target = st.resolve_shape(shape, arr.shape[1:], where)
                if target != arr.shape[1:]:
                    xp = backend.xp_of(arr)
                    full = xp.full((arr.shape[0],) + target, st.pad_value(value, arr.dtype, where),
                                   dtype=arr.dtype)
                    full[(slice(None),) + tuple(slice(0, s) for s in arr.shape[1:])] = arr
                    arr = full
                out.append(wrap(arr))
        return nest.pack_sequence_as(batch, out)


class SparseBatch(Batch):
    """``Dataset.sparse_batch`` (``experimental.dense_to_sparse_batch``): elements of one rank, each
    no larger than ``row_shape`` (None entries: the largest in the batch), batched into a
    SparseTensor of dense shape ``[batch] + row_shape`` holding every value of every element (zeros
    included), as TF does."""

    def __init__(self, input_ds, batch_size, row_shape):
        super().__init__(input_ds, batch_size, False, "sparse")
        shape = as_shape(row_shape)
        if shape.rank is None:
            raise ValueError("sparse_batch: row_shape must have a known rank")
        self._row_shape = tuple(shape)

    def _elem_iter(self, state=None):
        return _StackBatches(self, state)

    def _from_elements(self, elements):
        leaves = [nest.flatten(e) for e in elements]
        if any(len(f) != 1 for f in leaves) or not isinstance(leaves[0][0], Tensor) or st.is_composite(leaves[0][0]):
            raise TypeError(f"sparse_batch: the elements must be single dense tensors, got "
                            f"{argcheck.describe(elements[0])}")
        arrays = [backend.to_numpy(f[0]._data) for f in leaves]
        rank = len(self._row_shape)
        for a in arrays:
            if a.ndim != rank:
                raise InvalidArgumentError(f"sparse_batch: Input element had shape ({list(a.shape)}) that is "
                                           f"incompatible with the row shape ({list(self._row_shape)})")
            if any(want is not None and size > want for size, want in zip(a.shape, self._row_shape)):
                # TF's kernel reports this one as a DataLossError
                raise DataLossError(f"sparse_batch: Input element had shape ({list(a.shape)}) that is larger "
                                    f"than the row shape ({list(self._row_shape)})")
        row = tuple(max(a.shape[d] for a in arrays) if want is None else int(want)
                    for d, want in enumerate(self._row_shape))
        indices = [np.concatenate([np.full((a.size, 1), j, np.int64), np.argwhere(np.ones(a.shape, bool))], axis=1)
                   for j, a in enumerate(arrays)]
        values = np.concatenate([a.reshape(-1) for a in arrays])
        dev = backend.default_device()
        if values.dtype.kind != "O":
            values = backend.move(values, dev)
        idx = np.concatenate(indices).astype(np.int64) if indices else np.zeros((0, rank + 1), np.int64)
        return from_parts(wrap(idx if values.dtype.kind == "O" else backend.move(idx, dev)), wrap(values),
                          (len(arrays),) + row, True)

    @property
    def element_spec(self):
        """TF's spec: ``SparseTensorSpec([None] + row_shape)`` of the elements' dtype."""
        return SparseTensorSpec((None,) + self._row_shape, nest.flatten(self._input.element_spec)[0].dtype)
