"""``batch``, ``ragged_batch`` and ``padded_batch``.

Over an indexable input a batch is ``batch_size`` indices gathered from the array
source in one take per component; over elements it is ``batch_size`` elements
stacked (``structure.batch_elements``) or padded to a common shape.
"""

from __future__ import annotations

import numpy as np

from .. import backend, nest
from ..core import wrap
from ..errors import argcheck
from . import structure as st
from .dataset import Dataset
from .indices import NO_INDICES
from .iterator import Step, expect_kind


def _batch_count(n, size, drop):
    if n < 0:
        return n
    return n // size if drop else -(-n // size)


class Batch(Dataset):
    """``Dataset.batch`` (``mode`` "dense") and ``Dataset.ragged_batch`` ("ragged")."""

    def __init__(self, input_ds, batch_size, drop_remainder, mode):
        self._input = input_ds
        self._size = argcheck.integer(batch_size, "batch_size", "batch", 1)
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
