"""The seeds and random words of tf.data's random transformations, as TF draws them.

A transformation takes its pair of seeds when it is built, by ``tf.random``'s rule
(``wb.random.get_seed``: an op seed, the global seed, or a fresh random pair when
neither is set). Each pass over it (a new ``iter``, a ``repeat``) runs under a pair
of its own: the dataset's pair itself, or, when the transformation draws anew each
pass, the next two words of a Philox stream keyed by the dataset's pair (TF's seed
generator resource). A pass draws its numbers one 32-bit word at a time from the
Philox stream keyed by its pair (TF's ``SingleSampleAdapter<PhiloxRandom>``).

>>> words = PhiloxWords((87654321, 1))
>>> [words() % 10 for _ in range(3)]
[7, 9, 3]
"""

from __future__ import annotations

import contextlib
import threading

import numpy as np

from .. import random as wb_random
from ..errors import argcheck
from ..random import philox_blocks, swap_kernel_scope

_U64 = 1 << 64


_local = threading.local()


@contextlib.contextmanager
def peeking():
    """While a dataset's first element is read to learn its structure (TF knows it without
    running): the passes started here take no pass number, so the orders the iterations after
    it draw are TF's."""
    _local.depth = getattr(_local, "depth", 0) + 1
    try:
        yield
    finally:
        _local.depth -= 1


def next_pass(node, attr="_next_pass"):
    """The number of the pass ``node`` starts now (its ``attr`` counts them; a pass started
    while :func:`peeking` takes the next number without using it up)."""
    with node._lock:
        number = getattr(node, attr)
        if not getattr(_local, "depth", 0):
            setattr(node, attr, number + 1)
    return number


def dataset_seeds(seed, where):
    """The ``(seed, seed2)`` of a transformation built now with op seed ``seed`` (None: the
    global seed's rule; neither seed set: a random pair, as TF's kernels pick for ``(0, 0)``)."""
    op_seed = None if seed is None else argcheck.integer(seed, "seed", where)
    seeds = wb_random.get_seed(op_seed)
    if seeds is None:
        words = np.random.SeedSequence().generate_state(2, np.uint64)
        return int(words[0] >> np.uint64(1)) or 1, int(words[1] >> np.uint64(1))
    return int(seeds[0]), int(seeds[1])


def pass_seeds(seeds, fresh_each_pass, number):
    """The seeds of pass ``number`` (0, 1, ...): ``seeds`` itself, or with ``fresh_each_pass``
    words ``2 * number`` and ``2 * number + 1`` of the stream keyed by ``seeds``."""
    if not fresh_each_pass:
        return seeds
    words = PhiloxWords(seeds, 2 * number)
    return words(), words()


class PhiloxWords:
    """The 32-bit words of Philox-4x32-10 keyed by ``seed`` with the counter starting at
    ``seed2 << 64``, one per call; ``used`` counts the words taken (a position to restore)."""

    BLOCKS = 256   # Philox blocks computed at a time

    __slots__ = ("key", "counter", "used", "_cache", "_first")

    def __init__(self, seeds, used=0):
        self.key = int(seeds[0]) % _U64
        self.counter = (int(seeds[1]) % _U64) << 64
        self.used = int(used)
        self._cache, self._first = [], 0

    def __call__(self) -> int:
        i = self.used - self._first
        if not 0 <= i < len(self._cache):
            self._first = self.used - self.used % 4
            self._cache = self.take_at(self._first, 4 * self.BLOCKS).tolist()
            i = self.used - self._first
        self.used += 1
        return self._cache[i]

    def take(self, n) -> np.ndarray:
        """The next ``n`` words as a uint32 array."""
        out = self.take_at(self.used, n)
        self.used += n
        return out

    def take_at(self, first, n) -> np.ndarray:
        if n <= 0:
            return np.zeros(0, np.uint32)
        block = first // 4
        count = (first + n - 1) // 4 - block + 1
        with np.errstate(over="ignore"):
            words = philox_blocks(np, self.counter + block, self.key, count).reshape(-1)
        return words[first % 4:first % 4 + n]


# -- the random ops of dataset functions ------------------------------------------------------
# TF instantiates a dataset's functions for each iterator (``iter(ds)``, ``as_numpy_iterator``, a
# ``reduce``), so the kernels of their stateful random ops start afresh for each one: every new
# iterator of ``ds.map(lambda x: tf.random.uniform([], seed=5))`` gives the same numbers, while a
# ``repeat`` inside one iterator goes on drawing. An iterator's kernels live in its scope (a dict,
# see ``wb.random.swap_kernel_scope``), set while it is made and pulled, and on its threads.


def current_kernel_scope():
    """The kernel scope of the iterator being pulled on this thread (None: none)."""
    prev = swap_kernel_scope(None)
    swap_kernel_scope(prev)
    return prev


class _OneSet(dict):
    """A kernel scope whose functions all keep one set of kernels (the functions that the calls
    of one interleave function make at one place: TF's one function)."""

    def get(self, key, default=None):
        return dict.get(self, None, default)

    def __setitem__(self, key, value):
        dict.__setitem__(self, None, value)


@contextlib.contextmanager
def shared_kernels(key):
    """Run a dataset's function with the kernels ``key`` names in the current iterator's scope."""
    scope = current_kernel_scope()
    if scope is None:
        yield
        return
    kernels = scope.get(key)
    if kernels is None:
        kernels = scope[key] = _OneSet()
    prev = swap_kernel_scope(kernels)
    try:
        yield
    finally:
        swap_kernel_scope(prev)


class KernelScoped:
    """The iterator ``make()`` returns, made and pulled under a kernel scope of its own (one TF
    iterator of a dataset)."""

    __slots__ = ("scope", "it")

    def __init__(self, make, scope=None):
        self.scope = {} if scope is None else scope
        prev = swap_kernel_scope(self.scope)
        try:
            self.it = make()
        finally:
            swap_kernel_scope(prev)

    def __iter__(self):
        return self

    def __next__(self):
        prev = swap_kernel_scope(self.scope)
        try:
            return next(self.it)
        finally:
            swap_kernel_scope(prev)

    def state(self):
        return self.it.state()

    def close(self):
        self.it.close()
