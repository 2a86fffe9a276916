"""``repeat``, ``take`` and ``skip``: how many passes over the input, and which part of it.

Each runs on index streams (cutting chunks) when its input is indexable, and on
elements otherwise; a take or skip of an array source never touches a row it drops.
"""

from __future__ import annotations

from ..errors import argcheck
from .dataset import INFINITE, UNKNOWN, Dataset
from .iterator import Step, expect_kind


class Repeat(Dataset):
    """``Dataset.repeat``."""

    _same_elements = True

    def __init__(self, input_ds, count):
        self._input = input_ds
        # TF: None or any negative count repeats forever
        self._count = -1 if count is None else max(argcheck.integer(count, "count", "repeat"), -1)

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


def _draws_passes(ds, seen):
    """Whether ``ds`` or a dataset it reads draws new seeds for each pass (a reshuffling
    shuffle, a rerandomizing ``Dataset.random`` or ``sample_from_datasets``)."""
    if id(ds) in seen or not isinstance(ds, Dataset):
        return False
    seen.add(id(ds))
    if getattr(ds, "_draws_passes", False):
        return True
    inputs = getattr(ds, "_inputs", None)
    inputs = list(inputs) if isinstance(inputs, (list, tuple)) else []
    return any(_draws_passes(d, seen) for d in [getattr(ds, "_input", None), *inputs])


class _RepeatIter(Step):
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
                if 0 <= self._node._count <= self._passes:
                    self._inner = None
                    inner = self._node._input
                    if not getattr(inner, "_fuses_with_repeat", False) and _draws_passes(inner, set()):
                        # TF's repeat makes the input's next iterator before it sees that the count
                        # is reached (its random transformations take that pass's seeds); TF fuses
                        # a shuffle right before the repeat with it, and that one makes none
                        self._make(None).close()
                    break
                if self._empty:
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

    _same_elements = True

    _what = ""

    def __init__(self, input_ds, count):
        self._input = input_ds
        self._count = max(argcheck.integer(count, "count", self._what), -1)   # TF: any negative is -1

    def _indexable(self):
        return self._input._indexable()

    def _iterator(self, state, indices):
        raise NotImplementedError

    def _index_iter(self, state=None):
        return self._iterator(state, True)

    def _elem_iter(self, state=None):
        return self._iterator(state, False)


class Take(_Counted):
    """``Dataset.take``."""

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


class _CountedIter(Step):
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


class Skip(_Counted):
    """``Dataset.skip``."""

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
