"""``shard``, ``take_while``, ``unique``, ``ignore_errors``, ``rebatch`` and ``Dataset.random``.

Each is a transformation over elements; its iterator reports its position (``state()``) so
an iterator holding one can be saved in a checkpoint and resumed.
"""

from __future__ import annotations

import logging
import threading

import numpy as np

from .. import backend, dtypes, nest
from ..core import Tensor, convert_to_tensor, wrap
from ..errors import FailedPreconditionError, InvalidArgumentError, argcheck
from ..tensor_shape import TensorSpec
from . import structure as st
from .dataset import INFINITE, UNKNOWN, Dataset
from .iterator import Elements, Step, expect_kind
from .seeding import PhiloxWords, dataset_seeds, next_pass, pass_seeds
from .tracing import Traced, check_predicate

_log = logging.getLogger("workbench.data")


def _bool_scalar(value, where):
    arr = np.asarray(backend.to_numpy(value._data) if isinstance(value, Tensor) else value)
    if arr.shape != () or arr.dtype != np.bool_:
        raise TypeError(f"{where}: predicate must return a bool scalar, got dtype "
                        f"{arr.dtype} and shape {arr.shape}")
    return bool(arr)


SHARD_HINT = -1   # tf.data.experimental.SHARD_HINT: shard(SHARD_HINT, SHARD_HINT) is filled in by auto-sharding


class Shard(Dataset):
    """``Dataset.shard``: every ``num_shards``-th element, starting at ``index``."""

    _same_elements = True

    def __init__(self, input_ds, num_shards, index):
        self._input = input_ds
        self._num = argcheck.integer(num_shards, "num_shards", "shard")
        self._index = argcheck.integer(index, "index", "shard")
        if self._num == SHARD_HINT:   # a place for a distribution's auto-sharding to fill in
            return
        if self._num <= 0:
            raise InvalidArgumentError(None, None, "shard: Number of shards must be greater than zero "
                                       f"(currently num_shards = {self._num}).")
        if not 0 <= self._index < self._num:
            raise InvalidArgumentError(None, None, f"shard: Index must be between 0 and {self._num - 1} "
                                       f"(currently index = {self._index}).")

    def _elem_iter(self, state=None):
        if self._num == SHARD_HINT:
            raise FailedPreconditionError(
                None, None, "`tf.data.Dataset.shard(SHARD_HINT, ...)` can only be used in "
                "`tf.distribute.Strategy.experimental_distribute_dataset()` with "
                "`tf.data.experimental.AutoShardPolicy.HINT` policy, or tf.data service with "
                "`tf.data.experimental.service.ShardingPolicy.HINT` processing mode.")
        return _ShardIter(self, state)

    def _cardinality(self):
        n = self._input._cardinality()
        if n < 0 or self._num == SHARD_HINT:
            return n if n < 0 else UNKNOWN
        return n // self._num + (self._index < n % self._num)


class _ShardIter(Step):
    def __init__(self, node, state):
        self._node = node
        if state is None:
            self._seen, inner = 0, None
        else:
            self._seen, inner = int(expect_kind(state, node)["seen"]), state["inner"]
        self._inner = node._input._iter(inner)

    def __next__(self):
        node = self._node
        while True:
            element = next(self._inner)
            position, self._seen = self._seen, self._seen + 1
            if position % node._num == node._index:
                return element

    def state(self):
        return self._tag(self._node, seen=self._seen, inner=self._inner.state())


class TakeWhile(Traced, Dataset):
    """``Dataset.take_while``: elements up to the first for which ``predicate`` (traced once,
    as ``filter``'s) is false."""

    _same_elements = True

    def __init__(self, input_ds, predicate):
        if not callable(predicate):
            raise TypeError(f"take_while: predicate must be callable, got {argcheck.describe(predicate)}")
        self._input, self._predicate = input_ds, predicate
        self._trace_now(predicate, "take_while", True)
        check_predicate(self._traced, "take_while")

    def _elem_iter(self, state=None):
        return _TakeWhileIter(self, state)

    def _cardinality(self):
        return UNKNOWN if self._input._cardinality() != 0 else 0


class _TakeWhileIter(Step):
    def __init__(self, node, state):
        self._node = node
        if state is None:
            self._done, inner = False, None
        else:
            self._done, inner = bool(expect_kind(state, node)["done"]), state["inner"]
        self._inner = node._input._iter(inner)

    def __next__(self):
        if self._done:
            raise StopIteration
        element = next(self._inner)
        if _bool_scalar(self._node._run(element, element), "take_while"):
            return element
        self._done = True
        raise StopIteration

    def state(self):
        return self._tag(self._node, done=self._done, inner=self._inner.state())


_UNIQUE_KINDS = "iu"   # integer dtypes; strings (object) are accepted separately


class Unique(Dataset):
    """``Dataset.unique``: the first occurrence of each element (int32/int64/string scalars)."""

    _same_elements = True

    def __init__(self, input_ds):
        self._input = input_ds
        spec = input_ds._known_spec()
        if isinstance(spec, TensorSpec) and spec.dtype not in (np.int32, np.int64, dtypes.string):
            # TF checks the element type when the dataset is built
            raise TypeError(f"`tf.data.Dataset.unique` does not support type <dtype: '{spec.dtype.name}'> -- only "
                            "`tf.int32`, `tf.int64`, and `tf.string` are supported.")

    def _elem_iter(self, state=None):
        return _UniqueIter(self, state)

    def _cardinality(self):
        return UNKNOWN if self._input._cardinality() != 0 else 0


def _unique_key(element):
    if not isinstance(element, Tensor) or st.is_ragged(element) or st.is_sparse(element):
        raise TypeError(f"unique: elements must be single tensors, got {argcheck.describe(element)}")
    arr = backend.to_numpy(element._data)
    if arr.dtype == object:
        arr = np.asarray(arr)
    elif arr.dtype.kind not in _UNIQUE_KINDS or arr.dtype.itemsize < 4:
        raise TypeError(f"`tf.data.Dataset.unique` does not support type {element.dtype!s} -- only "
                        "`tf.int32`, `tf.int64`, and `tf.string` are supported.")
    if arr.ndim != 0:
        raise TypeError(f"unique: elements must be scalars, got shape {tuple(arr.shape)}")
    value = arr.item()
    return (arr.dtype.kind, value.encode() if isinstance(value, str) else value)


class _UniqueIter(Step):
    def __init__(self, node, state):
        self._node = node
        if state is None:
            self._kept, inner = Elements(), None
        else:
            self._kept, inner = Elements(expect_kind(state, node)["kept"]), state["inner"]
        self._seen = {_unique_key(e) for e in self._kept}
        self._inner = node._input._iter(inner)

    def __next__(self):
        while True:
            element = next(self._inner)
            key = _unique_key(element)
            if key not in self._seen:
                self._seen.add(key)
                self._kept.append(element)
                return element

    def state(self):
        return self._tag(self._node, kept=Elements(self._kept), inner=self._inner.state())


class IgnoreErrors(Dataset):
    """``Dataset.ignore_errors``: drop the elements whose computation raises an error."""

    _same_elements = True

    def __init__(self, input_ds, log_warning):
        self._input, self._log = input_ds, bool(log_warning)

    def _elem_iter(self, state=None):
        return _IgnoreErrorsIter(self, state)

    def _cardinality(self):
        return UNKNOWN if self._input._cardinality() != 0 else 0


class _IgnoreErrorsIter(Step):
    # an input that keeps failing without moving on (a dead generator) would loop for ever
    _MAX_IN_A_ROW = 1_000_000

    def __init__(self, node, state):
        self._node = node
        self._inner = node._input._iter(None if state is None else expect_kind(state, node)["inner"])

    def __next__(self):
        for _ in range(self._MAX_IN_A_ROW):
            try:
                return next(self._inner)
            except StopIteration:
                raise
            except Exception as exc:  # noqa: BLE001 -- TF drops every error the input raises
                if self._node._log:
                    _log.warning("ignore_errors: an element was dropped: %s: %s", type(exc).__name__, exc)
        raise RuntimeError(f"ignore_errors: the input raised {self._MAX_IN_A_ROW} errors in a row "
                           "without producing an element")

    def state(self):
        return self._tag(self._node, inner=self._inner.state())


def _batch_sizes(batch_size):
    if isinstance(batch_size, Tensor):
        batch_size = backend.to_numpy(batch_size._data)
    arr = np.asarray(batch_size)
    if arr.size == 0:
        raise ValueError("rebatch: batch_size must not be an empty list")
    if arr.dtype.kind not in "iu" or arr.ndim > 1:
        raise TypeError(f"rebatch: batch_size must be an int or a list of ints, got "
                        f"{argcheck.describe(batch_size)}")
    sizes = [int(v) for v in arr.reshape(-1)]
    if any(s < 0 for s in sizes) or (arr.ndim == 0 and sizes[0] == 0) or not any(sizes):
        raise ValueError(f"rebatch: batch_size must be positive (a list may hold zeros, not only "
                         f"zeros), got {batch_size!r}")
    return sizes


class Rebatch(Dataset):
    """``Dataset.rebatch``: the rows of the input batches, regrouped into batches of
    ``batch_size`` (a list of sizes is used in turn, round and round)."""

    def __init__(self, input_ds, batch_size, drop_remainder):
        self._input = input_ds
        self._sizes = _batch_sizes(batch_size)
        self._drop = bool(drop_remainder)

    def _elem_iter(self, state=None):
        return _RebatchIter(self, state)

    def _cardinality(self):
        n = self._input._cardinality()
        return n if n == INFINITE else UNKNOWN if n != 0 else 0


def _slice_rows(element, start, stop):
    return nest.map_structure(lambda leaf: wrap(leaf._data[start:stop]), element)


def _concat_rows(parts):
    xp = backend.get_xp()
    flat = [nest.flatten(p) for p in parts]
    leaves = [wrap(xp.concatenate([f[i]._data for f in flat], axis=0)) for i in range(len(flat[0]))]
    return nest.pack_sequence_as(parts[0], leaves)


class _RebatchIter(Step):
    """Rows left over from the input batch being cut (``pending``, a list of row-slices of it)
    and the place in the list of sizes."""

    def __init__(self, node, state):
        self._node = node
        if state is None:
            self._turn, self._pending, inner = 0, Elements(), None
        else:
            expect_kind(state, node)
            self._turn, self._pending, inner = int(state["turn"]), Elements(state["pending"]), state["inner"]
        self._inner = node._input._iter(inner)
        self._ended = False

    def _count(self, element):
        leaves = nest.flatten(element)
        if any(st.is_composite(leaf) for leaf in leaves):
            raise TypeError("rebatch: ragged and sparse components are not supported here; only "
                            "dense batches can be rebatched")
        sizes = {int(leaf.shape[0]) if leaf.shape.rank else None for leaf in leaves}
        if None in sizes:
            raise ValueError("rebatch: the input elements must be batches (every component needs "
                             "a batch dimension), got a scalar component")
        if len(sizes) != 1:
            raise ValueError(f"rebatch: the components of an input batch differ in size: {sorted(sizes)}")
        return sizes.pop()

    def __next__(self):
        node = self._node
        while True:
            want = node._sizes[self._turn % len(node._sizes)]
            have = sum(self._count(p) for p in self._pending)
            while have < want and not self._ended:
                try:
                    element = next(self._inner)
                except StopIteration:
                    self._ended = True
                    break
                if self._count(element):
                    self._pending.append(element)
                    have += self._count(element)
            if have == 0 and self._ended:
                raise StopIteration
            if have < want and (node._drop or want == 0):
                self._pending = Elements()
                raise StopIteration
            take = min(want, have)
            self._turn += 1
            parts, left = [], take
            while left:
                head = self._pending[0]
                n = self._count(head)
                if n <= left:
                    parts.append(self._pending.pop(0))
                    left -= n
                else:
                    parts.append(_slice_rows(head, 0, left))
                    self._pending[0] = _slice_rows(head, left, n)
                    left = 0
            if not parts:   # a size of zero in the list: an empty batch cut from the next rows
                if not self._pending:
                    continue
                parts = [_slice_rows(self._pending[0], 0, 0)]
            return parts[0] if len(parts) == 1 else _concat_rows(parts)

    def state(self):
        return self._tag(self._node, turn=self._turn, pending=Elements(self._pending),
                         inner=self._inner.state())


class RandomSource(Dataset):
    """``Dataset.random``: TF's endless stream of 32-bit words as int64 scalars (see :mod:`.seeding`)."""

    _draws_passes = property(lambda self: self._rerandomize)

    def __init__(self, seed, rerandomize_each_iteration):
        self._seeds = dataset_seeds(seed, "Dataset.random")
        self._rerandomize = bool(rerandomize_each_iteration)
        self._epoch = 0
        self._lock = threading.Lock()

    def _elem_iter(self, state=None):
        return _RandomIter(self, state)

    def _cardinality(self):
        return INFINITE


class _RandomIter(Step):
    def __init__(self, node, state):
        self._node = node
        if state is None:
            self._epoch, count = (next_pass(node, "_epoch") if node._rerandomize else 0), 0
        else:
            expect_kind(state, node)
            self._epoch, count = int(state["epoch"]), int(state["count"])
            node._epoch = max(node._epoch, self._epoch + node._rerandomize)
        self._words = PhiloxWords(pass_seeds(node._seeds, node._rerandomize, self._epoch), count)

    def __next__(self):
        return convert_to_tensor(np.int64(self._words()))

    def state(self):
        return self._tag(self._node, epoch=self._epoch, count=self._words.used)
