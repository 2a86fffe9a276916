"""Datasets of datasets: ``flat_map``, ``interleave``, ``unbatch`` and ``window``.

``interleave`` follows TF's cycle: up to ``cycle_length`` inner datasets are open at
once, ``block_length`` consecutive elements are taken from each in turn, and an inner
dataset that ends is replaced (in its place in the cycle) by the one made from the next
input element. ``flat_map`` is the cycle of length one. ``window`` yields elements
whose components are datasets (:class:`ListElements`) holding ``size`` elements.

The iterator state of an open inner dataset is the input element it was made from and
its own position; a restore calls ``map_func`` on that element again to rebuild it.
"""

from __future__ import annotations

import os

from .. import nest
from ..core import Tensor, wrap
from ..errors import argcheck
from ..sparse import rows as sparse_rows
from . import structure as st
from .dataset import AUTOTUNE, INFINITE, UNKNOWN, Dataset
from .iterator import Elements, Step, expect_kind
from .prefetch import PrefetchIterator


class ListElements(Dataset):
    """A dataset of elements held in memory (a window, a group of ``group_by_window``)."""

    def __init__(self, elements):
        self._list = list(elements)

    def _window_elements(self):
        """The elements, for an iterator state that holds this dataset as an element."""
        return self._list

    def _elem_iter(self, state=None):
        return _ListIter(self, state)

    def _cardinality(self):
        return len(self._list)


class _ListIter(Step):
    _children = ()

    def __init__(self, node, state):
        self._node = node
        self._pos = 0 if state is None else int(expect_kind(state, node)["pos"])

    def __next__(self):
        if self._pos >= len(self._node._list):
            raise StopIteration
        self._pos += 1
        return self._node._list[self._pos - 1]

    def state(self):
        return self._tag(self._node, pos=self._pos)


def make_dataset(fn, element, where):
    """``fn(element)`` (a tuple unpacked), checked to be a Dataset."""
    out = st.unpack_call(fn, element)
    if not isinstance(out, Dataset):
        raise TypeError(f"{where}: map_func must return a Dataset, got {argcheck.describe(out)}")
    return out


class Interleave(Dataset):
    """``Dataset.interleave`` (and ``flat_map``: a cycle of one)."""

    def __init__(self, input_ds, fn, cycle_length, block_length, num_parallel_calls, deterministic,
                 where="interleave"):
        if not callable(fn):
            raise TypeError(f"{where}: map_func must be callable, got {argcheck.describe(fn)}")
        self._input, self._fn, self._where = input_ds, fn, where
        cycle = AUTOTUNE if cycle_length is None else argcheck.integer(cycle_length, "cycle_length", where)
        if cycle == AUTOTUNE:
            cycle = os.cpu_count() or 1
        if cycle < 1:
            raise ValueError(f"{where}: cycle_length must be positive or AUTOTUNE (-1), got {cycle_length}")
        self._cycle = cycle
        self._block = argcheck.integer(block_length, "block_length", where, 1)
        workers = (None if num_parallel_calls is None
                   else argcheck.integer(num_parallel_calls, "num_parallel_calls", where))
        if workers is not None and workers < 1 and workers != AUTOTUNE:
            raise ValueError(f"{where}: num_parallel_calls must be positive or AUTOTUNE (-1), "
                             f"got {num_parallel_calls}")
        # in parallel, every open inner dataset produces its next block on its own thread
        self._parallel = workers is not None
        self._deterministic = deterministic

    def _open(self, element, state=None):
        it = make_dataset(self._fn, element, self._where)._iter(None if state is None else state["inner"])
        if not self._parallel:
            return it
        if state is None:
            return PrefetchIterator(it, self._block)
        return PrefetchIterator(it, self._block, state["buffered"], bool(state["ended"]))

    def _elem_iter(self, state=None):
        return _InterleaveIter(self, state)

    def _cardinality(self):
        n = self._input._cardinality()
        return 0 if n == 0 else UNKNOWN


class _InterleaveIter(Step):
    _children = ()

    def __init__(self, node, state):
        self._node = node
        n = node._cycle
        if state is None:
            self._input = node._input._iter(None)
            self._args = [None] * n
            self._open = [None] * n
            self._cycle_index = self._block_index = 0
            self._end_of_input = False
        else:
            expect_kind(state, node)
            slots = state["slots"]
            if len(slots) != n:
                raise ValueError(f"the iterator state interleaves {len(slots)} datasets at a time, this "
                                 f"{node._where} has cycle_length {n}")
            self._input = node._input._iter(state["input"])
            self._args = [None if s is None else s["arg"][0] for s in slots]
            self._open = [None if s is None else node._open(s["arg"][0], s) for s in slots]
            self._cycle_index, self._block_index = int(state["cycle_index"]), int(state["block_index"])
            self._end_of_input = bool(state["end_of_input"])

    def _advance_cycle(self):
        self._block_index = 0
        self._cycle_index = (self._cycle_index + 1) % self._node._cycle

    def __next__(self):
        i = self._cycle_index
        while not self._end_of_input or any(it is not None for it in self._open):
            i = self._cycle_index
            if self._open[i] is not None:
                try:
                    item = next(self._open[i])
                except StopIteration:
                    self._open[i].close()
                    self._open[i] = self._args[i] = None
                    self._advance_cycle()
                    continue
                self._block_index += 1
                if self._block_index == self._node._block:
                    self._advance_cycle()
                return item
            if not self._end_of_input:
                try:
                    element = next(self._input)
                except StopIteration:
                    self._end_of_input = True
                    continue
                self._args[i], self._open[i] = element, self._node._open(element)
            else:
                self._advance_cycle()
        raise StopIteration

    def state(self):
        slots = []
        for arg, it in zip(self._args, self._open):
            if it is None:
                slots.append(None)
            elif self._node._parallel:
                slots.append({"arg": Elements([arg]), **it.state()})
            else:
                slots.append({"arg": Elements([arg]), "inner": it.state()})
        return self._tag(self._node, input=self._input.state(), slots=slots,
                         cycle_index=self._cycle_index, block_index=self._block_index,
                         end_of_input=self._end_of_input)

    def close(self):
        self._input.close()
        for it in self._open:
            if it is not None:
                it.close()


# -- unbatch ----------------------------------------------------------------------------


def _size(leaf, where):
    """The number of rows of one batched component."""
    if st.is_sparse(leaf) and len(leaf.shape):
        return int(leaf.shape[0])
    if st.is_ragged(leaf):
        return leaf.nrows_int()
    if not isinstance(leaf, Tensor) or leaf.ndim == 0:
        raise ValueError(f"unbatch: every component must have a first dimension to split, got a "
                         f"scalar{where}")
    return leaf.shape[0]


def _leaf_row(leaf, j):
    if st.is_sparse(leaf):
        return sparse_rows.row(leaf, j)
    if st.is_ragged(leaf):
        row = leaf[j]
        return row if st.is_ragged(row) else st.ragged_row(row._data.copy())
    return wrap(leaf._data[j, ...].copy())


def _row(element, j):
    """Row ``j`` of a batched element, with the element's structure."""
    if isinstance(element, dict):
        return type(element)((k, _row(v, j)) for k, v in element.items())
    if isinstance(element, tuple):
        parts = [_row(v, j) for v in element]
        return type(element)(*parts) if hasattr(element, "_fields") else tuple(parts)
    if isinstance(element, list):
        return [_row(v, j) for v in element]
    return _leaf_row(element, j)


def batch_size(element):
    """The common size of dimension 0 of a batched element's components."""
    flat = nest.flatten(element)
    sizes = [_size(leaf, "" if len(flat) == 1 else f" in component {i}") for i, leaf in enumerate(flat)]
    if len(set(sizes)) > 1:
        raise ValueError(f"unbatch: the components of an element have different sizes in dimension 0: "
                         f"{sizes}")
    return sizes[0] if sizes else 0


def split_rows(element):
    """The rows of a batched element, as elements."""
    return [_row(element, j) for j in range(batch_size(element))]


class Unbatch(Dataset):
    """``Dataset.unbatch``: each batch split back into its rows."""

    def __init__(self, input_ds):
        self._input = input_ds

    def _elem_iter(self, state=None):
        return _UnbatchIter(self, state)

    def _cardinality(self):
        n = self._input._cardinality()
        return n if n in (0, INFINITE) else UNKNOWN


class _UnbatchIter(Step):
    """Rows are cut from the current batch one at a time, as they are asked for (a filter after
    ``unbatch`` often needs few of them)."""

    def __init__(self, node, state):
        self._node = node
        self._batch, self._next, self._n = None, 0, 0
        if state is None:
            self._inner, self._rows = node._input._iter(None), []
        else:
            self._inner = node._input._iter(expect_kind(state, node)["inner"])
            self._rows = list(state["rows"])    # restored rows, given before the next batch

    def __next__(self):
        if self._rows:
            return self._rows.pop(0)
        while self._next >= self._n:
            self._batch, self._next = None, 0
            batch = next(self._inner)
            self._n = batch_size(batch)
            self._batch = batch
        j, self._next = self._next, self._next + 1
        return _row(self._batch, j)

    def state(self):
        rest = [] if self._batch is None else [_row(self._batch, j) for j in range(self._next, self._n)]
        return self._tag(self._node, inner=self._inner.state(), rows=Elements(self._rows + rest))


# -- window -----------------------------------------------------------------------------


class Window(Dataset):
    """``Dataset.window``: elements whose components are datasets of ``size`` elements."""

    def __init__(self, input_ds, size, shift, stride, drop_remainder):
        self._input = input_ds
        self._size = argcheck.integer(size, "size", "window", 1)
        self._shift = self._size if shift is None else argcheck.integer(shift, "shift", "window", 1)
        self._stride = argcheck.integer(stride, "stride", "window", 1)
        self._drop = bool(drop_remainder)

    def _elem_iter(self, state=None):
        return _WindowIter(self, state)

    def _cardinality(self):
        n = self._input._cardinality()
        if n < 0:
            return n
        if self._drop:
            rest = n - ((self._size - 1) * self._stride + 1)
            return 0 if rest < 0 else rest // self._shift + 1
        return -(-n // self._shift)

    def _make(self, elements):
        """One window: the structure of an element, each component a dataset of its values."""
        flats = [nest.flatten(e) for e in elements]
        parts = [ListElements([f[i] for f in flats]) for i in range(len(flats[0]))]
        return nest.pack_sequence_as(elements[0], parts)


class _WindowIter(Step):
    """A buffer of the input elements from the start of the next window on; ``skip``: input
    elements to drop before the next window starts (a shift longer than the buffer)."""

    def __init__(self, node, state):
        self._node = node
        if state is None:
            self._inner, self._buf, self._skip, self._ended = node._input._iter(None), [], 0, False
        else:
            self._inner = node._input._iter(expect_kind(state, node)["inner"])
            self._buf, self._skip = list(state["buffer"]), int(state["skip"])
            self._ended = bool(state["ended"])

    def __next__(self):
        node = self._node
        span = (node._size - 1) * node._stride + 1
        while self._skip and not self._ended:
            try:
                next(self._inner)
                self._skip -= 1
            except StopIteration:
                self._ended = True
        while len(self._buf) < span and not self._ended:
            try:
                self._buf.append(next(self._inner))
            except StopIteration:
                self._ended = True
        window = self._buf[:span:node._stride]
        if not window or (node._drop and len(window) < node._size):
            self._buf = []
            raise StopIteration
        self._skip = max(0, node._shift - len(self._buf))
        self._buf = self._buf[node._shift:]
        return node._make(window)

    def state(self):
        return self._tag(self._node, inner=self._inner.state(), buffer=Elements(self._buf),
                         skip=self._skip, ended=self._ended)

