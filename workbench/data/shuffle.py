"""``shuffle``: TF's shuffle buffer, over index streams and over elements.

The order is TF 2.21's: the dataset takes its seeds as TF does (``seed``, or the global
seed's rule), each pass draws from the Philox stream of its own pair of seeds (the
dataset's pair, or with ``reshuffle_each_iteration`` the next pair of TF's seed
generator; see :mod:`.seeding`), and the buffer emits the element at ``word % size``
of its oldest-first order, putting the oldest element in its place. Over an array
source whose rows all fit in the buffer, a pass is computed as one permutation of
the indices; otherwise the buffer holds indices (or elements, after ``map``).
"""

from __future__ import annotations

import threading

import numpy as np

from ..errors import InvalidArgumentError, argcheck
from .dataset import Dataset
from .indices import CHUNK, NO_INDICES, IndexPuller
from .iterator import Elements, Step, expect_kind, restore_round
from .seeding import PhiloxWords, dataset_seeds, next_pass, pass_seeds


class Shuffle(Dataset):
    """``Dataset.shuffle``: the seeds, and the number of the next pass (which picks its seeds)."""

    _same_elements = True
    _fuses_with_repeat = True   # TF runs shuffle(...).repeat(n) as one ShuffleAndRepeat dataset
    _draws_passes = property(lambda self: self._reshuffle)

    def __init__(self, input_ds, buffer_size, seed, reshuffle):
        self._input = input_ds
        self._buffer = argcheck.integer(buffer_size, "buffer_size", "shuffle")
        if self._buffer == -2:  # UNKNOWN_CARDINALITY: a buffer that holds the whole input
            self._buffer = 1 << 62
        elif self._buffer <= 0:
            raise InvalidArgumentError(f"shuffle: buffer_size must be positive, got {buffer_size} (buffer_size "
                                       "must be greater than zero or UNKNOWN_CARDINALITY)")
        self._seed_given = seed is not None
        self._seed = dataset_seeds(seed, "shuffle")
        self._reshuffle = bool(reshuffle)
        self._next_epoch = 0
        self._restore_round = None
        self._lock = threading.Lock()

    def _draw_epoch(self):
        """The epoch of a new pass: each pass (each iterator, each repetition) reshuffles."""
        if not self._reshuffle:
            return 0
        return next_pass(self, "_next_epoch")

    def _resume(self, state):
        """Adopt a saved pass: its seed (for a dataset built without one) and its epoch, so the
        passes after it draw the epochs they would have drawn."""
        expect_kind(state, self)
        seed = tuple(int(v) for v in state["seed"])
        if seed != self._seed:
            if self._seed_given:
                raise ValueError(f"the iterator state was saved from a shuffle with seed {seed[1]} (global "
                                 f"seed {seed[0]}), this dataset shuffles with seed {self._seed[1]} "
                                 f"(global seed {self._seed[0]})")
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

    def _words(self, epoch):
        """The random words of pass number ``epoch``."""
        return PhiloxWords(pass_seeds(self._seed, self._reshuffle, epoch))

    def _indexable(self):
        return self._input._indexable()

    def _index_iter(self, state=None):
        return _ShuffleIndices(self, state)

    def _elem_iter(self, state=None):
        return _ShuffleElements(self, state)

    def _cardinality(self):
        return self._input._cardinality()


class _ShuffleIndices(Step):
    """A shuffled index stream: a permutation when the buffer holds the whole input (the order
    TF's buffer gives: a Fisher-Yates shuffle swapping place ``i`` with ``i + word % (n - i)``),
    else TF's buffer over single indices."""

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
                self._buffer = ShuffleBuffer(self._puller.pull, node._buffer, node._words(self._epoch))
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
                self._perm = (_permute(np.concatenate(chunks), self._node._words(self._epoch))
                              if chunks else NO_INDICES)
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
            self._buffer = ShuffleBuffer(self._pull, node._buffer, node._words(self._epoch))
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


def _permute(order, words):
    """The order TF's buffer emits when it holds all of ``order`` at once."""
    n = order.size
    out = order.tolist()
    for i, w in enumerate(words.take(n).tolist()):
        j = i + w % (n - i)
        out[i], out[j] = out[j], out[i]
    return np.asarray(out, np.int64)


# -- the buffer ---------------------------------------------------------------------------


class ShuffleBuffer:
    """TF's shuffle buffer over the items that ``pull()`` returns (raising StopIteration at the end).

    Fill the buffer; then, for each item, take a word ``w`` of the pass's stream, emit the
    buffered item at place ``w % count`` counting from the oldest, move the oldest item into
    its place, and pull the next input; when the input ends, drain the buffer the same way.
    """

    def __init__(self, pull, size, words):
        self.pull = pull
        self.size = size
        self.words = words
        self.buf = []            # the buffered items are buf[start:], oldest first
        self.start = 0
        self.exhausted = False

    def __iter__(self):
        return self

    def __next__(self):
        buf = self.buf
        while not self.exhausted and len(buf) - self.start < self.size:
            try:
                buf.append(self.pull())
            except StopIteration:
                self.exhausted = True
        count = len(buf) - self.start
        if count == 0:
            raise StopIteration
        first = self.start
        j = first + self.words() % count
        out, buf[j], buf[first] = buf[j], buf[first], None
        self.start = first + 1
        if self.start >= 1024 and 2 * self.start >= len(buf):
            del buf[:self.start]
            self.start = 0
        return out

    def state(self, items_as_elements):
        items = self.buf[self.start:]
        buf = Elements(items) if items_as_elements else np.asarray(items, np.int64)
        return {"buf": buf, "seeds": [self.words.key, self.words.counter >> 64],
                "used": self.words.used, "exhausted": self.exhausted}

    @classmethod
    def restore(cls, pull, size, state):
        sb = cls(pull, size, PhiloxWords(state["seeds"], state["used"]))
        buf = state["buf"]
        sb.buf = list(buf) if isinstance(buf, list) else buf.tolist()
        sb.exhausted = bool(state["exhausted"])
        return sb
