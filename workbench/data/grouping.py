"""Transformations that carry something from element to element: ``scan`` (a running
state), ``group_by_window`` (groups of elements by key) and ``bucket_by_sequence_length``
(groups by length, padded and batched).

``group_by_window`` keeps one group per key; a group that reaches its window size goes
to ``reduce_func`` (as a dataset) at once, and when the input ends the groups left are
flushed in ascending key order, as TF does. The groups are part of the iterator state.
"""

from __future__ import annotations

import numpy as np

from .. import core, nest
from ..core import convert_to_tensor
from ..errors import argcheck
from . import structure as st
from .dataset import INFINITE, UNKNOWN, Dataset
from .iterator import Elements, Step, expect_kind
from .nesting import DatasetFunction, ListElements, MadeDatasets
from ..tensor_shape import TensorSpec
from .tracing import Traced, TracedFunction, as_element_spec, state_function


class Scan(Traced, Dataset):
    """``Dataset.scan``: ``(new_state, output) = scan_func(state, element)``, with ``scan_func``
    traced once on the initial state's spec and the input's element structure."""

    def __init__(self, input_ds, initial_state, fn):
        if not callable(fn):
            raise TypeError(f"scan: scan_func must be callable, got {argcheck.describe(fn)}")
        self._input, self._fn = input_ds, fn
        self._initial = st.normalize(initial_state, what="initial_state", where="scan")
        self._trace_now(fn, "scan", True)

    def _make_traced(self, spec):
        return state_function(self._call_user, self._initial, spec, "scan")

    def _call_user(self, state, element):
        args = (state,) + (element if isinstance(element, tuple) and not hasattr(element, "_fields")
                           else (element,))
        with core.dataset_function():
            return self._fn(*args)

    @property
    def element_spec(self):
        """The traced function's output spec (read from the first element where it could not be
        traced)."""
        spec = self._output_spec()
        return Dataset.element_spec.fget(self) if spec is None else spec

    def _spec_of(self, element):
        spec = self._output_spec()
        return Dataset._spec_of(self, element) if spec is None else spec

    def _output_spec(self):
        spec = self._traced_function().output_spec
        return as_element_spec(spec[1]) if isinstance(spec, (tuple, list)) and len(spec) == 2 else None

    def _step(self, state, element):
        out = self._run((state, element), element)
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            raise TypeError(f"scan: scan_func must return a pair (new_state, output_element), got "
                            f"{argcheck.describe(out)}")
        new_state = st.normalize(out[0], what="new_state", where="scan")
        if nest.flatten(new_state) and len(nest.flatten(new_state)) != len(nest.flatten(self._initial)):
            raise ValueError("scan: the new state must have the structure of initial_state")
        return new_state, st.normalize(out[1], what="output_element", where="scan")

    def _elem_iter(self, state=None):
        return _ScanIter(self, state)

    def _cardinality(self):
        return self._input._cardinality()


class _ScanIter(Step):
    def __init__(self, node, state):
        self._node = node
        if state is None:
            self._inner, self._state = node._input._iter(None), node._initial
        else:
            self._inner = node._input._iter(expect_kind(state, node)["inner"])
            self._state = state["state"][0]

    def __next__(self):
        self._state, out = self._node._step(self._state, next(self._inner))
        return out

    def state(self):
        return self._tag(self._node, inner=self._inner.state(), state=Elements([self._state]))


def _key(value, what, where):
    t = convert_to_tensor(value)
    if t.shape != () or t.dtype != np.int64:
        raise TypeError(f"{where}: {what} must return a scalar int64 tensor, got dtype {t.dtype} "
                        f"shape {t.shape}")
    return int(t)


def _in_dataset_function(fn, *args):
    with core.dataset_function():
        return fn(*args)


class GroupByWindow(MadeDatasets, Traced, Dataset):
    """``Dataset.group_by_window``: ``key_func`` and ``window_size_func`` are traced once (as
    ``map``'s function); ``reduce_func``, which makes a dataset, runs as Python for each window."""

    def __init__(self, input_ds, key_func, reduce_func, window_size, window_size_func,
                 where="group_by_window"):
        for f, what in ((key_func, "key_func"), (reduce_func, "reduce_func")):
            if not callable(f):
                raise TypeError(f"{where}: {what} must be callable, got {argcheck.describe(f)}")
        if (window_size is None) == (window_size_func is None):
            raise ValueError(f"{where}: give exactly one of window_size and window_size_func")
        if window_size is not None:
            size = argcheck.integer(window_size, "window_size", where, 1)
            window_size_func = lambda key: size  # noqa: E731
        elif not callable(window_size_func):
            raise TypeError(f"{where}: window_size_func must be callable, got "
                            f"{argcheck.describe(window_size_func)}")
        self._input, self._where = input_ds, where
        self._key_func, self._size_func = key_func, window_size_func
        self._made_by = DatasetFunction(reduce_func, where, "reduce_func", window=True)
        self._trace_now(key_func, where, True)
        spec = input_ds._known_spec()
        if spec is not None:
            self._made_by.trace(spec)
        if window_size is None:
            size_func = window_size_func
            self._size_func = TracedFunction(lambda key: _in_dataset_function(size_func, key),
                                             TensorSpec((), np.int64), where)

    def _window_size(self, key):
        size = self._size_func(convert_to_tensor(np.int64(key)))
        size = argcheck.integer(size.numpy() if hasattr(size, "numpy") else size,
                                "the window size", self._where)
        if size < 1:
            raise ValueError(f"{self._where}: window_size_func returned {size} for key {key}; "
                             "window sizes must be positive")
        return size

    def _reduced(self, key, elements):
        self._made_by.trace_on(self._input, elements[0])   # traced on the first window's structure
        return self._made_by(convert_to_tensor(np.int64(key)), ListElements(elements))

    def _elem_iter(self, state=None):
        return _GroupIter(self, state)

    def _cardinality(self):
        n = self._input._cardinality()
        return n if n in (0, INFINITE) else UNKNOWN


class _GroupIter(Step):
    """``groups``: key -> elements so far; ``current``: the dataset being emitted (the key and
    window it was made from, and its position)."""

    def __init__(self, node, state):
        self._node = node
        self._current = None
        if state is None:
            self._inner, self._groups, self._ended = node._input._iter(None), {}, False
        else:
            expect_kind(state, node)
            self._inner = node._input._iter(state["inner"])
            self._groups = {int(k): list(v) for k, v in state["groups"]}
            self._ended = bool(state["ended"])
            cur = state["current"]
            if cur is not None:
                self._start(int(cur["key"]), list(cur["window"]), cur["inner"])

    def _start(self, key, window, inner_state=None):
        self._current = (key, window, self._node._reduced(key, window)._iter(inner_state))

    def __next__(self):
        while True:
            if self._current is not None:
                try:
                    return next(self._current[2])
                except StopIteration:
                    self._current = None
            if self._ended:
                if not self._groups:
                    raise StopIteration
                key = min(self._groups)
                self._start(key, self._groups.pop(key))
                continue
            try:
                element = next(self._inner)
            except StopIteration:
                self._ended = True
                continue
            key = _key(self._node._run(element, element), "key_func", self._node._where)
            group = self._groups.setdefault(key, [])
            group.append(element)
            if len(group) >= self._node._window_size(key):
                self._start(key, self._groups.pop(key))

    def state(self):
        cur = None
        if self._current is not None:
            key, window, it = self._current
            cur = {"key": key, "window": Elements(window), "inner": it.state()}
        return self._tag(self._node, inner=self._inner.state(), ended=self._ended, current=cur,
                         groups=[[k, Elements(v)] for k, v in sorted(self._groups.items())])

    def close(self):
        self._inner.close()
        if self._current is not None:
            self._current[2].close()


def bucket_by_sequence_length(ds, element_length_func, bucket_boundaries, bucket_batch_sizes,
                              padded_shapes, padding_values, pad_to_bucket_boundary, no_padding,
                              drop_remainder):
    """TF's ``bucket_by_sequence_length``: a ``group_by_window`` keyed by the bucket of each
    element's length, each window batched (padded unless ``no_padding``)."""
    where = "bucket_by_sequence_length"
    bounds = [argcheck.integer(b, "bucket_boundaries", where) for b in bucket_boundaries]
    sizes = [argcheck.integer(b, "bucket_batch_sizes", where, 1) for b in bucket_batch_sizes]
    if len(sizes) != len(bounds) + 1:
        raise ValueError(f"{where}: bucket_batch_sizes must have len(bucket_boundaries) + 1 = "
                         f"{len(bounds) + 1} entries, got {len(sizes)}")
    if any(b <= a for a, b in zip(bounds, bounds[1:])) or any(b < 1 for b in bounds):
        raise ValueError(f"{where}: bucket_boundaries must be positive and increasing, got {bounds}")
    if not callable(element_length_func):
        raise TypeError(f"{where}: element_length_func must be callable, got "
                        f"{argcheck.describe(element_length_func)}")

    def key_func(*element):
        length = int(convert_to_tensor(element_length_func(*element)))
        return np.int64(int(np.searchsorted(bounds, length, side="right")))

    def reduce_func(key, window):
        key = int(key)
        if no_padding:
            return window.batch(sizes[key], drop_remainder=drop_remainder)
        shapes = padded_shapes
        if pad_to_bucket_boundary:
            if key == len(bounds):
                raise ValueError(f"{where}: an element is longer than the last bucket boundary "
                                 f"{bounds[-1] if bounds else 0} and pad_to_bucket_boundary is True")
            first = next(iter(window._list))
            shapes = nest.map_structure(
                lambda leaf: [] if leaf.ndim == 0 else [bounds[key] - 1] + [None] * (leaf.ndim - 1),
                first)
        return window.padded_batch(sizes[key], padded_shapes=shapes, padding_values=padding_values,
                                   drop_remainder=drop_remainder)

    def window_size_func(key):
        return sizes[int(key)]

    return GroupByWindow(ds, key_func, reduce_func, None, window_size_func, where)
