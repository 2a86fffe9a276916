"""``shuffle``: TF's shuffle buffer, over index streams and over elements.

Over an array source whose rows all fit in the buffer, a pass is one permutation of
the indices; otherwise TF's algorithm runs on a buffer of indices (or of elements
after ``map``). Each pass draws its order from ``(seed, epoch)``, and the epoch
moves on with every new pass when ``reshuffle_each_iteration`` is on.
"""

from __future__ import annotations

import threading

import numpy as np

from ..errors import argcheck
from .dataset import Dataset
from .indices import CHUNK, NO_INDICES, IndexPuller
from .iterator import Elements, Step, expect_kind, restore_round


class Shuffle(Dataset):
    """``Dataset.shuffle``: the seed, and the epoch each new pass draws its order from."""

    _same_elements = True

    def __init__(self, input_ds, buffer_size, seed, reshuffle):
        self._input = input_ds
        self._buffer = argcheck.integer(buffer_size, "buffer_size", "shuffle")
        if self._buffer == -1:  # AUTOTUNE
            self._buffer = 1 << 62
        if self._buffer <= 0:
            raise ValueError(f"shuffle: buffer_size must be positive, got {buffer_size}")
        self._seed_given = seed is not None
        self._seed = (argcheck.integer(seed, "seed", "shuffle") if seed is not None
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
            if self._restore_round != restore_round():
                self._restore_round, self._next_epoch = restore_round(), epoch + 1
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


class _ShuffleIndices(Step):
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
                self._puller = IndexPuller(node._input._index_iter(None))
                self._buffer = ShuffleBuffer(self._puller.pull, node._buffer, node._rng(self._epoch))
            else:
                self._puller = IndexPuller(node._input._index_iter(state["indices"]["inner"]),
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
                self._perm = rng.permutation(np.concatenate(chunks)) if chunks else NO_INDICES
            if self._emitted >= self._perm.size:
                raise StopIteration
            chunk = self._perm[self._emitted:self._emitted + CHUNK]
            self._emitted += chunk.size
            return chunk
        out = []
        for i in self._buffer:
            out.append(i)
            if len(out) == CHUNK:
                break
        if not out:
            raise StopIteration
        return np.asarray(out, np.int64)

    def state(self):
        base = self._tag(self._node, seed=self._seed, epoch=self._epoch)
        if self._whole:
            return {**base, "inner_start": self._inner_start, "emitted": self._emitted}
        return {**base, "indices": self._puller.state(), "buffer": self._buffer.state(False)}


class _ShuffleElements(Step):
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


# -- the buffer ---------------------------------------------------------------------------


class ShuffleBuffer:
    """TF's shuffle buffer over the items that ``pull()`` returns (raising StopIteration at the end).

    Fill the buffer, then repeatedly emit a random buffered item and put the next input in its
    place; when the input ends, drain the buffer in random order. While the buffer is full the
    draws are uniform over a fixed size, so they are taken from the generator 1024 at a time.
    """

    BLOCK = 1024

    def __init__(self, pull, size, rng):
        self.pull = pull
        self.size = size
        self.rng = rng
        self.buf = []
        self.draws = []          # pre-drawn slots, next one last
        self.filled = False
        self.exhausted = False

    def __iter__(self):
        return self

    def __next__(self):
        if not self.filled:
            while len(self.buf) < self.size:
                try:
                    self.buf.append(self.pull())
                except StopIteration:
                    self.exhausted = True
                    break
            self.filled = True
        if not self.exhausted:
            try:
                item = self.pull()
            except StopIteration:
                self.exhausted = True
            else:
                if not self.draws:
                    self.draws = self.rng.integers(0, len(self.buf), size=self.BLOCK).tolist()[::-1]
                j = self.draws.pop()
                out, self.buf[j] = self.buf[j], item
                return out
        if not self.buf:
            raise StopIteration
        j = int(self.rng.integers(0, len(self.buf)))
        self.buf[j], self.buf[-1] = self.buf[-1], self.buf[j]
        return self.buf.pop()

    def state(self, items_as_elements):
        buf = Elements(self.buf) if items_as_elements else np.asarray(self.buf, np.int64)
        return {"buf": buf, "draws": np.asarray(self.draws, np.int64), "rng": self.rng.bit_generator.state,
                "filled": self.filled, "exhausted": self.exhausted}

    @classmethod
    def restore(cls, pull, size, state):
        rng = np.random.default_rng()
        rng.bit_generator.state = state["rng"]
        sb = cls(pull, size, rng)
        buf = state["buf"]
        sb.buf = list(buf) if isinstance(buf, list) else buf.tolist()
        sb.draws = state["draws"].tolist()
        sb.filled, sb.exhausted = bool(state["filled"]), bool(state["exhausted"])
        return sb
