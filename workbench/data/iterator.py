"""``iter(dataset)``: an iterator whose position can be saved in a checkpoint (TF's ``tf.data.Iterator``).

Each transformation iterates with a small object (a :class:`Step`) that knows its own position
(how far its source got, the epoch its shuffle draws from, the indices left
over from a half-used chunk, the elements sitting in a shuffle or prefetch
buffer) and can report it as a plain tree: JSON values, NumPy arrays and lists
of elements. Restoring rebuilds the same chain of objects from that tree, so
the iterator yields exactly the elements it would have yielded next, without
replaying what came before and without calling ``map`` or ``filter``
functions again.

In a checkpoint the tree becomes two kinds of arrays: ``state`` (the JSON text,
as bytes) and one ``pool_<dtype>`` array per dtype that holds every array of
the tree back to back (a shuffle buffer of ten thousand elements is a handful
of arrays, not twenty thousand).

>>> it = iter(wb.data.Dataset.range(10).shuffle(10, seed=0).batch(3))
>>> first = next(it)
>>> ckpt = wb.Checkpoint(iterator=it)
>>> path = ckpt.save("/tmp/it/ckpt")
>>> second = next(it)
>>> status = ckpt.restore(path)
>>> bool((next(it).numpy() == second.numpy()).all())
True
"""

from __future__ import annotations

import collections
import json

import numpy as np

from ragged import RaggedTensor

from .. import backend, core
from ..compiler import staged
from ..checkpoint.graph import Trackable
from ..core import Tensor, wrap
from ..sparse.sparse_tensor import from_parts
from ..errors import OutOfRangeError
from . import structure as st
from .optional import Optional, StagedOptional, empty_value
from .seeding import KernelScoped

__all__ = ["Iterator", "NumpyIterator"]

STATE_VERSION = 1


class Elements(list):
    """Dataset elements inside an iterator state (a buffer's content)."""


# -- encoding a state tree as arrays ---------------------------------------------------


class _Pool:
    """Arrays appended back to back, one flat array per dtype; a reference is
    ``[dtype, offset, shape]``."""

    def __init__(self, arrays=None):
        self.parts: dict = {}
        self.sizes: dict = {}
        self.flat = arrays or {}

    def put(self, arr):
        arr = np.asarray(arr)  # (ascontiguousarray would make a 0-d array 1-d)
        if arr.dtype.kind not in "biufc":
            raise TypeError(f"dtype {arr.dtype} cannot be saved")
        name = arr.dtype.name
        offset = self.sizes.get(name, 0)
        self.parts.setdefault(name, []).append(arr.reshape(-1))
        self.sizes[name] = offset + arr.size
        return [name, offset, list(arr.shape)]

    def arrays(self):
        return {f"pool_{name}": np.concatenate(parts) for name, parts in self.parts.items()}

    def get(self, ref):
        name, offset, shape = ref
        flat = self.flat.get(f"pool_{name}")
        size = int(np.prod(shape, dtype=np.int64))
        if flat is None or offset + size > flat.size:
            raise ValueError(f"the iterator state refers to {size} values of dtype {name} that its "
                             "arrays do not hold")
        return flat[offset:offset + size].reshape(shape).copy()


def _encode(node, pool, where):
    if isinstance(node, Elements):
        return {"__elements__": [_encode_element(e, pool, where) for e in node]}
    if isinstance(node, np.ndarray):
        return {"__array__": pool.put(node)}
    if isinstance(node, dict):
        return {k: _encode(v, pool, where) for k, v in node.items()}
    if isinstance(node, (list, tuple)):
        return [_encode(v, pool, where) for v in node]
    if isinstance(node, (np.integer, np.bool_)):
        return node.item()
    return node


def _decode(node, pool):
    if isinstance(node, dict):
        if "__elements__" in node:
            return Elements(_decode_element(e, pool) for e in node["__elements__"])
        if "__array__" in node:
            return pool.get(node["__array__"])
        return {k: _decode(v, pool) for k, v in node.items()}
    if isinstance(node, list):
        return [_decode(v, pool) for v in node]
    return node


def _encode_element(x, pool, where):
    if isinstance(x, dict):
        if type(x) not in (dict, collections.OrderedDict):
            raise TypeError(f"{where}: elements that are {type(x).__name__}s cannot be saved in a "
                            "checkpoint; use a dict")
        if not all(isinstance(k, str) for k in x):
            raise TypeError(f"{where}: elements that are dicts with non-string keys cannot be saved "
                            "in a checkpoint")
        if type(x) is collections.OrderedDict:   # make_csv_dataset's features: the order is kept
            return {"odict": [[k, _encode_element(v, pool, where)] for k, v in x.items()]}
        return {"dict": {k: _encode_element(v, pool, where) for k, v in x.items()}}
    if isinstance(x, tuple):
        if hasattr(x, "_fields"):
            raise TypeError(f"{where}: namedtuple elements ({type(x).__name__}) cannot be saved in a "
                            "checkpoint (only arrays and JSON are stored); use a tuple or a dict")
        return {"tuple": [_encode_element(v, pool, where) for v in x]}
    if st.is_sparse(x):
        return {"sparse": _encode_element(x.values, pool, where), "indices": pool.put(x.indices.numpy()),
                "dense_shape": [int(d) for d in x.shape]}
    if st.is_ragged(x):
        return {"ragged": pool.put(x.flat_values.numpy()),
                "splits": [pool.put(backend.to_numpy(s._data if isinstance(s, Tensor) else s))
                           for s in x.nested_row_splits]}
    if isinstance(x, Tensor) and x.dtype == object:  # strings: their bytes and lengths
        flat = [bytes(v) for v in backend.to_numpy(x._data).reshape(-1)]
        return {"strings": pool.put(np.frombuffer(b"".join(flat), np.uint8)),
                "lengths": pool.put(np.asarray([len(v) for v in flat], np.int64)),
                "shape": list(x.shape), "row": isinstance(x, st.RaggedRow)}
    if isinstance(x, Tensor):
        key = "row" if isinstance(x, st.RaggedRow) else "tensor"
        try:
            return {key: pool.put(x.numpy())}
        except TypeError:
            raise TypeError(f"{where}: an element of dtype {x.dtype} cannot be saved in a "
                            "checkpoint") from None
    if hasattr(x, "_window_elements"):  # a window (a dataset of elements held in memory)
        return {"window": [_encode_element(e, pool, where) for e in x._window_elements()]}
    if hasattr(x, "_saved_shard"):  # a shard of a saved dataset (``load``'s and ``snapshot``'s readers)
        return {"saved": list(x._saved_shard())}
    raise TypeError(f"{where}: an element leaf of type {type(x).__name__} cannot be saved in a checkpoint")


def _on_device(arr):
    xp = backend.get_xp()
    return arr if xp is np else xp.asarray(arr)


def _decode_element(node, pool):
    if "dict" in node:
        return {k: _decode_element(v, pool) for k, v in node["dict"].items()}
    if "odict" in node:
        return collections.OrderedDict((k, _decode_element(v, pool)) for k, v in node["odict"])
    if "tuple" in node:
        return tuple(_decode_element(v, pool) for v in node["tuple"])
    if "sparse" in node:
        values = _decode_element(node["sparse"], pool)
        indices = pool.get(node["indices"])
        return from_parts(wrap(indices if values._data.dtype == object else _on_device(indices)), values,
                          tuple(node["dense_shape"]), True)
    if "ragged" in node:
        return RaggedTensor.from_nested_row_splits(
            wrap(_on_device(pool.get(node["ragged"]))),
            [wrap(_on_device(pool.get(s))) for s in node["splits"]], validate=False)
    if "saved" in node:
        from .storage import Load  # noqa: PLC0415 (storage imports this module)
        path, shard = node["saved"]
        return Load(path, shard=shard)
    if "window" in node:
        # nesting imports this module (through dataset), so its window class is imported here
        from .nesting import ListElements  # noqa: PLC0415
        return ListElements([_decode_element(e, pool) for e in node["window"]])
    if "strings" in node:
        data, lengths = pool.get(node["strings"]).tobytes(), pool.get(node["lengths"])
        cuts = np.concatenate([[0], np.cumsum(lengths)])
        arr = np.empty(len(lengths), dtype=object)
        arr[:] = [data[cuts[i]:cuts[i + 1]] for i in range(len(lengths))]
        arr = arr.reshape(node["shape"])
        return st.ragged_row(arr) if node["row"] else wrap(arr)
    if "row" in node:
        return st.ragged_row(_on_device(pool.get(node["row"])))
    return wrap(_on_device(pool.get(node["tensor"])))


def encode_state(tree, where="iterator") -> dict:
    """``{name: array}`` holding a state tree: ``state`` (JSON bytes) and the pooled arrays."""
    pool = _Pool()
    body = {"version": STATE_VERSION, "tree": _encode(tree, pool, where)}
    text = json.dumps(body, sort_keys=True).encode("utf-8")
    return {"state": np.frombuffer(text, np.uint8).copy(), **pool.arrays()}


def decode_state(arrays) -> dict:
    """The state tree held by :func:`encode_state`'s arrays."""
    if "state" not in arrays:
        raise ValueError("the checkpoint holds no iterator state")
    try:
        body = json.loads(np.asarray(arrays["state"], np.uint8).tobytes().decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError(f"the iterator state is not readable: {exc}") from None
    if not isinstance(body, dict) or body.get("version") != STATE_VERSION:
        raise ValueError(f"unknown iterator state version {body.get('version') if isinstance(body, dict) else '?'}")
    return _decode(body["tree"], _Pool(dict(arrays)))


# -- the position of one transformation -------------------------------------------------


class Step:
    """Base of the per-transformation iterators: each yields elements (or, over an array
    source, int64 index chunks with ``next_chunk()``) and ``state()`` is its position as a tree
    tagged with the transformation's kind. A transformation rebuilds its iterator from that
    tree (``Dataset._iter(state)``). A step whose elements come many at a time (a CSV reader's
    parsed lines, ``unbatch``'s rows) may also have ``next_rows(n)``: up to ``n`` next elements
    stacked as ``batch`` stacks them (StopIteration at the end), which a ``batch`` right after
    it takes instead of its elements one by one."""

    _children = ("_inner",)  # attributes holding the iterators this one pulls from

    def __iter__(self):
        return self

    def close(self):
        """Stop the background threads (prefetch, parallel map) here and upstream."""
        for name in self._children:
            child = getattr(self, name, None)
            if child is not None:
                child.close()

    def _tag(self, node, **fields):
        return {"kind": type(node).__name__.lstrip("_"), **fields}


def expect_kind(state, node):
    """Check that a saved state belongs to a transformation of ``node``'s kind."""
    want = type(node).__name__.lstrip("_")
    got = state.get("kind") if isinstance(state, dict) else None
    if got != want:
        raise ValueError(f"the iterator state does not match the dataset: a {want} transformation "
                         f"was expected where the checkpoint has {got or 'nothing'} (the pipeline must "
                         "be built the same way it was when the checkpoint was saved)")
    return state


_restores = 0  # iterator restores so far (see restore_round)


def restore_round() -> int:
    """The number of the restore under way: the passes of one restored iterator share it, so a
    shuffle can tell its first restored pass from a later one (see ``shuffle.Shuffle._resume``)."""
    return _restores


def _begin_restore():
    global _restores
    _restores += 1


# -- the public iterator -----------------------------------------------------------------


class Iterator(Trackable):
    """An iterator over a dataset, whose position a ``wb.Checkpoint`` saves and restores.

    >>> it = iter(ds)
    >>> ckpt = wb.Checkpoint(model=model, iterator=it)

    After ``ckpt.restore(path)`` the iterator yields exactly the elements it would have
    yielded next when the checkpoint was saved: shuffle buffers, seeds, epochs, the
    position in a ``repeat`` and elements waiting in a ``prefetch`` buffer are part of
    the state. The dataset must be built the same way as when the checkpoint was saved.
    """

    def __init__(self, dataset, state=None):
        self._dataset = dataset
        if core._state.tracer is not None and state is None:
            # ``iter(ds)`` inside a wb.function: each call of the function starts a new pass
            # (TF's iterator op in the function's graph), so the start is a step of the program
            self._it = None
            _start(_Source(self, None))
        else:
            self._it = KernelScoped(lambda: dataset._iter(state))

    def __iter__(self):
        return self

    def __next__(self):
        if core._state.tracer is not None:   # inside a wb.function: a step that each call runs
            try:
                return _get_next(_Source(self, StopIteration))
            except StopIteration:
                # a Python loop (AutoGraph off) ran to the end: how many steps it takes depends
                # on each call's data, so the function runs eagerly
                staged.reads_dataset()
                raise
        return next(self._it)

    def next(self):
        """The next element; at the end StopIteration, and inside a ``wb.function``
        ``wb.errors.OutOfRangeError`` (TF's ``OwnedIterator.next``)."""
        if core._state.tracer is not None:
            return _get_next(_Source(self, OutOfRangeError))
        return next(self._it)

    def _elements(self):
        """The elements from the current position on (a ``for`` loop over the iterator inside a
        ``wb.function`` runs over them each call, see ``wb.data.loops``)."""
        it = self._it
        while True:
            try:
                yield next(it)
            except StopIteration:
                return

    def get_next(self):
        """The next element; at the end ``wb.errors.OutOfRangeError``, as TF raises there
        (``next(it)`` and ``for`` loops end with StopIteration instead, except inside a
        ``wb.function``, where ``next(it)`` is TF's ``IteratorGetNext`` too)."""
        if core._state.tracer is not None:
            return _get_next(_Source(self, OutOfRangeError))
        try:
            return next(self._it)
        except StopIteration:
            raise OutOfRangeError("get_next: the iterator has no more elements (End of sequence)") from None

    def get_next_as_optional(self):
        """The next element as a ``wb.data.experimental.Optional``; at the end an empty one
        whose ``element_spec`` is the dataset's (TF's ``Iterator.get_next_as_optional``). Inside
        a ``wb.function`` the read is a step of its own and ``has_value()`` a tensor it computes."""
        if core._state.tracer is not None:
            has, value = _next_or_end(_Source(self, OutOfRangeError))
            return StagedOptional(value, self._dataset.element_spec, has)
        try:
            return Optional.from_value(next(self._it))
        except StopIteration:
            try:
                spec = self._dataset.element_spec
            except ValueError:     # an empty dataset: no structure is known
                spec = ()
            return Optional(None, spec, False)

    @property
    def element_spec(self):
        """The structure of the dataset's elements (``Dataset.element_spec``)."""
        return self._dataset.element_spec

    def _state(self) -> dict:
        """The position as a state tree (see the module docstring)."""
        return {"dataset": self._it.state()}

    # -- the checkpoint protocol (Trackable: arrays in, arrays out) -------------------
    _tracked_by_modules = False   # a module holding an iterator does not own its position

    def _checkpoint_arrays(self) -> dict:
        return encode_state(self._state())

    def _prepare_restore(self, arrays):
        """Check ``arrays`` and build the restored iterator; returns ``install()`` (with a
        ``cancel()`` attribute that keeps the current position instead), so a checkpoint
        assigns nothing until everything has been checked.

        The background threads of the current position are stopped first (they draw shuffle
        epochs from the dataset, which the restored position sets); the current position is
        saved before that and rebuilt when the restore fails or is cancelled."""
        tree = decode_state(arrays)
        current = self._state()
        self._it.close()
        try:
            _begin_restore()
            fresh = KernelScoped(lambda: self._dataset._iter(tree["dataset"]), self._it.scope)
        except BaseException as exc:
            self._rebuild(current)
            if isinstance(exc, (KeyError, IndexError, TypeError)):
                # a state of another shape (e.g. a shuffle buffer that now holds the whole input)
                raise ValueError(f"the iterator state does not match the dataset ({type(exc).__name__}: "
                                 f"{exc}); build the pipeline the same way it was when the checkpoint "
                                 "was saved") from exc
            raise

        def install():
            self._it = fresh

        def cancel():
            fresh.close()
            self._rebuild(current)
        install.cancel = cancel
        return install

    def _rebuild(self, state):
        _begin_restore()
        self._it = KernelScoped(lambda: self._dataset._iter(state["dataset"]), self._it.scope)

    def __repr__(self):
        return f"<wb.data.Iterator over {self._dataset!r}>"


class NumpyIterator(Trackable):
    """``tf.data.NumpyIterator``, what ``Dataset.as_numpy_iterator()`` returns: the elements
    with every leaf converted to NumPy (RaggedTensors to object arrays of rows). Its position
    is that of the :class:`Iterator` it reads, which a ``wb.Checkpoint`` saves and restores."""

    _tracked_by_modules = False

    def __init__(self, dataset):
        if core._state.tracer is not None:
            raise RuntimeError("`tf.data.Dataset.as_numpy_iterator()` is only supported in eager mode.")
        self._iterator = Iterator(dataset)

    def __iter__(self):
        return self

    def __next__(self):
        return st.to_numpy(next(self._iterator))

    def next(self):
        """The next element (StopIteration at the end)."""
        return self.__next__()

    def _checkpoint_arrays(self) -> dict:
        return self._iterator._checkpoint_arrays()

    def _prepare_restore(self, arrays):
        return self._iterator._prepare_restore(arrays)

    def __repr__(self):
        return f"NumpyIterator(iterator={self._iterator!r})"


class _Source:
    """An iterator as the argument of a step (a step's iterator arguments are read into lists),
    and what its end raises (``next``'s StopIteration, ``get_next``'s OutOfRangeError)."""

    __slots__ = ("iterator", "end")

    def __init__(self, iterator, end):
        self.iterator, self.end = iterator, end


@core.effect
def _get_next(source):
    # a step of a wb.function's program: each call takes the iterator's next element
    try:
        return next(source.iterator._it)
    except StopIteration:
        if source.end is StopIteration:
            raise
        raise OutOfRangeError("get_next: the iterator has no more elements (End of sequence)") from None


@core.effect
def _next_or_end(source):
    # a step of a wb.function's program: (whether the iterator had a next element, that element
    # or, at the end, empty tensors of the dataset's structure)
    iterator = source.iterator
    try:
        return core.convert_to_tensor(True), next(iterator._it)
    except StopIteration:
        return core.convert_to_tensor(False), empty_value(iterator._dataset.element_spec)


@core.effect
def _start(source):
    # a step of a wb.function's program: the iterator made in the function starts a new pass
    dataset = source.iterator._dataset
    source.iterator._it = KernelScoped(lambda: dataset._iter(None))
