"""Datasets of datasets: ``flat_map``, ``interleave``, ``unbatch`` and ``window``.

``interleave`` follows TF's cycle: up to ``cycle_length`` inner datasets are open at
once, ``block_length`` consecutive elements are taken from each in turn, and an inner
dataset that ends is replaced (in its place in the cycle) by the one made from the next
input element. ``flat_map`` is the cycle of length one. ``window`` yields elements
whose components are datasets (:class:`ListElements`) holding ``size`` elements.

The iterator state of an open inner dataset is the input element it was made from and
its own position; a restore calls ``map_func`` on that element again to rebuild it.

``map_func`` (and ``group_by_window``'s ``reduce_func``) is traced once when the dataset is
built, as TF traces it (:class:`DatasetFunction`): its Python runs then, on symbolic tensors,
and the dataset it makes there gives ``element_spec``.
"""

from __future__ import annotations

import copy
import os
import types

import numpy as np

from ragged import RaggedTensorSpec

from .. import core, nest
from ..compiler import staged
from ..core import Tensor, wrap
from ..errors import InvalidArgumentError, argcheck
from ..extension_type import ExtensionType, _rebatched
from ..sparse import rows as sparse_rows
from . import structure as st
from .dataset import AUTOTUNE, INFINITE, UNKNOWN, Dataset
from .iterator import Elements, Step, expect_kind
from .prefetch import PrefetchIterator
from .tracing import TracedFunction, debug_mode, record_traced
from ..tensor_shape import TensorSpec


class ListElements(Dataset):
    """A dataset of elements held in memory (a window, a group of ``group_by_window``)."""

    def __init__(self, elements, spec=None):
        self._list = list(elements)
        self._spec = spec   # the elements' spec where it is known without them

    def _known_spec(self):
        return self._spec

    @property
    def element_spec(self):
        return Dataset.element_spec.fget(self) if self._spec is None else self._spec

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


def _checked(out, where, what="map_func"):
    if not isinstance(out, Dataset):
        raise TypeError(f"{where}: {what} must return a Dataset, got {argcheck.describe(out)}")
    return out


def _from_call_values(ds, seen=None) -> bool:
    """Whether ``ds`` or a dataset it is made from was made from a traced call's tensors."""
    seen = set() if seen is None else seen
    if id(ds) in seen:
        return False
    seen.add(id(ds))
    if getattr(ds, "_from_call_values", False):
        return True
    inputs = [getattr(ds, "_input", None)] + list(getattr(ds, "_inputs", None) or ())
    return any(isinstance(d, Dataset) and _from_call_values(d, seen) for d in inputs)


def _unknown_sizes(spec):
    return nest.map_structure(
        lambda s: TensorSpec([None] * s.shape.rank, s.dtype)
        if isinstance(s, TensorSpec) and s.shape.rank is not None else s, spec)


class DatasetFunction:
    """A user function that makes a dataset (``flat_map``'s and ``interleave``'s ``map_func``,
    ``group_by_window``'s ``reduce_func``), traced once on its arguments' specs, as TF traces
    it: its Python side effects (``print``) happen then, once, and the dataset the trace makes
    gives ``element_spec`` (None sizes where the arguments' values decide them). Each call
    after that runs the function with Python's ``print`` silent. Where it cannot be traced,
    it is called as Python code."""

    def __init__(self, fn, where, what="map_func", window=False):
        self._fn, self._where, self._what, self._window = fn, where, what, window
        self.traced = False
        self.element_spec = None

    _traced = None     # the trace, where its program makes the datasets (else Python calls)
    _silent = False    # whether Python calls run with print silent (the trace printed)
    _stand_in = None   # the window the trace's reduce function was given

    def trace(self, spec):
        """Trace on ``spec`` (the input's element spec, or with ``window`` the windows' element
        spec: the function takes an int64 key and a dataset of such elements)."""
        self.traced = True   # traced or not, its Python runs once here
        fn, where = self._fn, self._where
        if self._window:
            window = self._stand_in = ListElements((), spec)
            window._from_call_values = True   # each call's window: the trace's stand-in, filled
            traced = TracedFunction(lambda key: _in_dataset_function(fn, key, window),
                                    TensorSpec((), np.int64), where)
        else:
            traced = TracedFunction(lambda element: _in_dataset_function(st.unpack_call, fn, element),
                                    spec, where)
        out = traced.output_spec
        if out is None:
            return
        _checked(out, where, self._what)
        self._silent = True
        eager = traced._function.get_concrete_function().eager
        if not eager and not _has_functions(out, set()):
            # its program makes the dataset again for each element (functions of the datasets
            # it made, which may read the trace's values after the replay let go of them, are
            # not replayed: the Python function is called for each element)
            traced.replays = True
            self._traced = traced
        try:
            made = out._known_spec()
        except (TypeError, ValueError):
            made = None
        if made is not None:
            self.element_spec = _unknown_sizes(made) if eager or _from_call_values(out) else made

    def trace_on(self, input_ds, element):
        """Trace, if not yet traced, on the spec of ``element`` (an element of ``input_ds``, or
        with ``window`` the first element of a window)."""
        if self.traced:
            return
        try:
            spec = input_ds._spec_of(element)
        except (TypeError, ValueError):   # elements that are not tensors
            spec = None
        if spec is not None and any(getattr(s, "value_type", None) is Dataset for s in nest.flatten(spec)):
            spec = None                   # elements made of datasets (windows) are not traced
        if spec is None:
            self.traced = True
            if not self._window:
                self._spec_on_dataset_elements(element)
        else:
            self.trace(spec)

    def _spec_on_dataset_elements(self, element):
        """Elements made of datasets (windows) are not traced: the spec of what the function
        makes is read from one silent call on empty stand-ins of the element's datasets, whose
        sizes are unknown, as TF's trace sees them (``w.batch(3)`` gives ``[None]``)."""
        leaves = nest.flatten(element)
        if not leaves or not all(isinstance(leaf, Dataset) for leaf in leaves):
            return
        try:
            stand_in = nest.pack_sequence_as(element, [ListElements((), leaf.element_spec) for leaf in leaves])
            with staged.python_prints_silenced():
                out = _in_dataset_function(st.unpack_call, self._fn, stand_in)
            made = out._known_spec() if isinstance(out, Dataset) else None
        except Exception:  # noqa: BLE001 -- the spec is then read from the first element made
            return
        if made is not None:
            self.element_spec = made

    def __call__(self, *args):
        traced = self._traced
        if traced is not None:
            if self._window:
                key, window = args
                self._stand_in._list = window._list
                out = traced(key)
            else:
                out = traced(args[0])
            return _snapshot(_checked(out, self._where, self._what), {})
        with record_traced(self):
            if not self._silent:
                out = self._fn(*args) if self._window else st.unpack_call(self._fn, args[0])
            else:
                with staged.python_prints_silenced():
                    out = self._fn(*args) if self._window else st.unpack_call(self._fn, args[0])
        return _checked(out, self._where, self._what)


class MadeDatasets:
    """What the transformations whose function makes datasets (``_made_by``, a
    :class:`DatasetFunction`) share: their element spec is that of the datasets its trace made."""

    _made_by: DatasetFunction

    def _known_spec(self):
        return self._made_by.element_spec

    @property
    def element_spec(self):
        """The spec of the datasets the function makes, from its trace (read from the first
        element where it could not be traced)."""
        spec = self._made_by.element_spec
        if spec is not None:
            return spec
        read = Dataset.element_spec.fget(self)   # the first element's (it may trace the function)
        spec = self._made_by.element_spec
        return read if spec is None else spec


def _has_functions(ds, seen):
    """Whether ``ds`` or a dataset it is made from holds a function (``map``'s, a generator)."""
    if id(ds) in seen:
        return False
    seen.add(id(ds))
    for v in vars(ds).values():
        if isinstance(v, (types.FunctionType, types.MethodType, TracedFunction, DatasetFunction)):
            return True
        if isinstance(v, Dataset) and _has_functions(v, seen):
            return True
        if isinstance(v, (list, tuple)) and any(isinstance(d, Dataset) and _has_functions(d, seen) for d in v):
            return True
    return False


def _snapshot(ds, memo):
    """``ds`` with a copy of each dataset of its chain that a replay made from the call's
    values (and of those built on them): the next replay makes those again in place."""
    if id(ds) in memo:
        return memo[id(ds)]
    memo[id(ds)] = ds
    inner = getattr(ds, "_input", None)
    new_inner = _snapshot(inner, memo) if isinstance(inner, Dataset) else inner
    inputs = getattr(ds, "_inputs", None)
    new_inputs = None
    if isinstance(inputs, (list, tuple)):
        new_inputs = type(inputs)(_snapshot(d, memo) if isinstance(d, Dataset) else d for d in inputs)
    if not (getattr(ds, "_from_call_values", False) or new_inner is not inner
            or (new_inputs is not None and any(a is not b for a, b in zip(new_inputs, inputs)))):
        return ds
    out = copy.copy(ds)
    if new_inner is not inner:
        out._input = new_inner
    if new_inputs is not None:
        out._inputs = new_inputs
    memo[id(ds)] = out
    return out


def _in_dataset_function(fn, *args):
    with core.dataset_function():
        return fn(*args)




class Interleave(MadeDatasets, Dataset):
    """``Dataset.interleave`` (and ``flat_map``: a cycle of one)."""

    def __init__(self, input_ds, fn, cycle_length, block_length, num_parallel_calls, deterministic,
                 where="interleave"):
        if not callable(fn):
            raise TypeError(f"{where}: map_func must be callable, got {argcheck.describe(fn)}")
        self._input, self._fn, self._where = input_ds, fn, where
        self._made_by = DatasetFunction(fn, where)
        spec = input_ds._known_spec()
        if spec is not None:
            self._made_by.trace(spec)
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

    def _made(self, element):
        self._made_by.trace_on(self._input, element)
        return self._made_by(element)

    def _open(self, element, state=None):
        it = self._made(element)._iter(None if state is None else state["inner"])
        if not self._parallel or debug_mode():
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
    if isinstance(leaf, ExtensionType):   # its tensor fields' rows
        return batch_size(leaf._wb_tensor_fields(), where)
    if st.is_sparse(leaf) and len(leaf.shape):
        return int(leaf.shape[0])
    if st.is_ragged(leaf):
        return leaf.nrows_int()
    if not isinstance(leaf, Tensor) or leaf.ndim == 0:
        raise ValueError(f"unbatch: every component must have a first dimension to split, got a "
                         f"scalar{where}")
    return leaf.shape[0]


def _leaf_row(leaf, j):
    if isinstance(leaf, ExtensionType):
        # a BatchableExtensionType's TensorShape fields lose the batch dimension, as TF's
        return _rebatched(leaf._wb_with_tensor_fields(list(_row(leaf._wb_tensor_fields(), j))), False)
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


def batch_size(element, where=""):
    """The common size of dimension 0 of a batched element's components."""
    flat = nest.flatten(element)
    sizes = [_size(leaf, where if len(flat) == 1 else f"{where} in component {i}") for i, leaf in enumerate(flat)]
    if len(set(sizes)) > 1:
        raise ValueError(f"unbatch: the components of an element have different sizes in dimension 0: "
                         f"{sizes}")
    return sizes[0] if sizes else 0


def split_rows(element):
    """The rows of a batched element, as elements."""
    return [_row(element, j) for j in range(batch_size(element))]


def _row_spec(spec):
    """The spec of one row of a batch of ``spec`` (TF's ``_unbatch``: a ragged batch's rows are
    ragged with one ragged rank less, rank 0 for rows of a ragged_rank-1 batch)."""
    if isinstance(spec, RaggedTensorSpec):
        return RaggedTensorSpec(spec.shape[1:], spec.dtype, max(spec.ragged_rank - 1, 0),
                                spec.row_splits_dtype)
    if hasattr(spec, "_unbatch"):            # an ExtensionType's spec
        return spec._unbatch()
    if not spec.shape.rank:
        raise ValueError(f"unbatch: every component must have a first dimension to split, got {spec}")
    if isinstance(spec, TensorSpec):
        return TensorSpec(spec.shape[1:], spec.dtype)
    return spec._with_shape(spec.shape[1:])   # a SparseTensorSpec


def _static_rows(spec):
    """The rows of each batch where the input's spec says them (None where it does not); the
    errors TF raises when the dataset is built."""
    if spec is None:
        return None
    known = set()
    for s in nest.flatten(spec):
        shape = getattr(s, "shape", None)
        if shape is None or shape.rank is None:   # an ExtensionType's spec, an unknown rank
            continue
        if shape.rank == 0:
            raise ValueError("unbatch: every component must have a first dimension to split (Cannot unbatch "
                             "an input with scalar components.)")
        if shape[0] is not None:
            known.add(int(shape[0]))
    if len(known) > 1:
        a, b = sorted(known)[:2]
        raise ValueError("unbatch: the components of an element have different sizes in dimension 0 (`unbatch()` "
                         "is only supported for datasets of elements whose components have a matching leading "
                         f"dimension. Encountered both {a} and {b}.)")
    unsized = [s for s in nest.flatten(spec) if getattr(getattr(s, "shape", None), "rank", None) is None]
    return known.pop() if known and not unsized else None


class Unbatch(Dataset):
    """``Dataset.unbatch``: each batch split back into its rows."""

    def __init__(self, input_ds):
        self._input = input_ds
        self._rows = _static_rows(input_ds._known_spec())

    @property
    def element_spec(self):
        """The input's spec without its first dimension (see :func:`_row_spec`)."""
        return nest.map_structure(_row_spec, self._input.element_spec)

    def _spec_of(self, element):
        return self.element_spec

    def _known_spec(self):
        spec = self._input._known_spec()
        return None if spec is None else nest.map_structure(_row_spec, spec)

    def _elem_iter(self, state=None):
        return _UnbatchIter(self, state)

    def _cardinality(self):
        n = self._input._cardinality()
        if n in (0, INFINITE):
            return n
        return n * self._rows if n >= 0 and self._rows is not None else UNKNOWN


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
            self._batch, self._next, self._n = None, 0, 0
            batch = next(self._inner)
            self._n = batch_size(batch)
            self._batch = batch
        j, self._next = self._next, self._next + 1
        return _row(self._batch, j)

    def next_rows(self, n):
        """Up to ``n`` next rows as one batch (as ``batch`` stacks them): a slice of the current
        batch where its components are dense tensors."""
        if self._rows:
            rows, self._rows = self._rows[:n], self._rows[n:]
            return st.batch_elements(rows)
        while self._next >= self._n:
            self._batch, self._next, self._n = None, 0, 0
            batch = next(self._inner)
            self._n = batch_size(batch)
            self._batch = batch
        i, j = self._next, min(self._n, self._next + n)
        self._next = j
        flat = nest.flatten(self._batch)
        if all(type(leaf) is Tensor for leaf in flat):
            return nest.pack_sequence_as(self._batch, [wrap(leaf._data[i:j].copy()) for leaf in flat])
        return st.batch_elements([_row(self._batch, k) for k in range(i, j)])

    def state(self):
        rest = [] if self._batch is None else [_row(self._batch, j) for j in range(self._next, self._n)]
        return self._tag(self._node, inner=self._inner.state(), rows=Elements(self._rows + rest))


# -- window -----------------------------------------------------------------------------


class Window(Dataset):
    """``Dataset.window``: elements whose components are datasets of ``size`` elements."""

    def __init__(self, input_ds, size, shift, stride, drop_remainder):
        self._input = input_ds
        self._size = argcheck.integer(size, "size", "window")
        if self._size < 1:
            raise InvalidArgumentError(f"window: size must be a positive integer, got {self._size} (Window size "
                                       "must be greater than zero.)")
        self._shift = self._size if shift is None else argcheck.integer(shift, "shift", "window", 1)
        self._stride = argcheck.integer(stride, "stride", "window", 1)
        self._drop = bool(drop_remainder)

    def _elem_iter(self, state=None):
        return _WindowIter(self, state)

    @property
    def element_spec(self):
        """TF's: the input's structure, each component a ``wb.data.DatasetSpec`` of its spec."""
        from .specs import DatasetSpec  # noqa: PLC0415 (specs imports dataset, which imports this module)
        return nest.map_structure(DatasetSpec, self._input.element_spec)

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

