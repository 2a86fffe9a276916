"""Index streams: how a pipeline over an array source runs without per-element Python.

A dataset that starts from arrays (``from_tensor_slices``, ``range``) and is only
shuffled, repeated, taken or skipped is indexable: its iterators yield int64 chunks
of row indices (``next_chunk()``), up to :data:`CHUNK` at a time, rather than
elements. ``batch`` gathers a whole batch from the source with one take per
component; anything else reads the rows one at a time through :class:`EachIndex`.
"""

from __future__ import annotations

import numpy as np

from .iterator import Step, expect_kind

CHUNK = 1 << 16  # indices per chunk of an index stream
NO_INDICES = np.zeros(0, np.int64)


class RangeIndices(Step):
    """Indices ``pos, pos + 1, ... n - 1`` in chunks."""

    _children = ()

    def __init__(self, node, n, state):
        self._node, self._n = node, n
        self._pos = int(expect_kind(state, node)["pos"]) if state is not None else 0

    def next_chunk(self):
        if self._pos >= self._n:
            raise StopIteration
        end = min(self._pos + CHUNK, self._n)
        chunk = np.arange(self._pos, end, dtype=np.int64)
        self._pos = end
        return chunk

    def state(self):
        return self._tag(self._node, pos=self._pos)


class IndexPuller:
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


class EachIndex(Step):
    """The elements of an indexable dataset, one source row at a time."""

    _children = ("_puller",)

    def __init__(self, node, state):
        self._node = node
        self._source = node._source()
        if state is None:
            self._puller = IndexPuller(node._index_iter(None))
        else:
            expect_kind(state, node)
            self._puller = IndexPuller(node._index_iter(state["indices"]["inner"]),
                                        state["indices"]["rest"])

    def __next__(self):
        return self._source.element(self._puller.pull())

    def state(self):
        return self._tag(self._node, indices=self._puller.state())

