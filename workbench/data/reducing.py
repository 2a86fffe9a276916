"""``tf.data.experimental``'s ``assert_cardinality``, ``group_by_reducer`` (with ``Reducer``)
and ``pad_to_cardinality``: transformations over elements whose iterators report their
position (``state()``), so an iterator holding one can be saved in a checkpoint and resumed.
"""

from __future__ import annotations

import numpy as np

from ..core import convert_to_tensor
from ..errors import FailedPreconditionError, argcheck, eager_op_message
from . import structure as st
from .dataset import INFINITE, UNKNOWN, Dataset
from .grouping import _key
from .iterator import Elements, Step, expect_kind


class AssertCardinality(Dataset):
    """``tf.data.experimental.assert_cardinality``: the input's elements, with ``cardinality()``
    ``expected``; iterating raises TF's FailedPreconditionError as soon as the input has more
    elements, or ends with fewer."""

    _same_elements = True

    def __init__(self, input_ds, expected):
        where = "assert_cardinality"
        value = expected.numpy() if hasattr(expected, "numpy") else expected
        self._expected = argcheck.integer(value, "expected_cardinality", where)
        if self._expected < 0 and self._expected not in (INFINITE, UNKNOWN):
            raise ValueError(f"{where}: expected_cardinality must be >= 0 (or INFINITE_CARDINALITY), "
                             f"got {self._expected}")
        self._input = input_ds

    def _cardinality(self):
        return self._expected

    def _elem_iter(self, state=None):
        return _AssertCardinalityIter(self, state)


def _iterator_error(message):
    # TF raises it from the iterator's IteratorGetNext op
    return FailedPreconditionError(eager_op_message("IteratorGetNext", message, name="",
                                                    kernel="IteratorGetNext_output_types_1"))


class _AssertCardinalityIter(Step):
    def __init__(self, node, state):
        self._node = node
        if state is None:
            self._count, inner = 0, None
        else:
            self._count, inner = int(expect_kind(state, node)["count"]), state["inner"]
        self._inner = node._input._iter(inner)

    def __next__(self):
        expected = self._node._expected
        try:
            element = next(self._inner)
        except StopIteration:
            if expected != INFINITE and self._count != expected:
                raise _iterator_error(f"Input dataset was expected to contain {expected} elements but "
                                      f"contained only {self._count} elements.") from None
            raise
        self._count += 1
        if expected >= 0 and self._count > expected:
            raise _iterator_error(f"Input dataset was expected to contain {expected} elements but "
                                  f"contained at least {self._count} elements.")
        return element

    def state(self):
        return self._tag(self._node, count=self._count, inner=self._inner.state())


class Reducer:
    """TF's ``tf.data.experimental.Reducer``: a group's state starts as ``init_func(key)``, takes
    each element with ``state = reduce_func(state, element)`` and ends as ``finalize_func(state)``."""

    def __init__(self, init_func, reduce_func, finalize_func):
        for f, what in ((init_func, "init_func"), (reduce_func, "reduce_func"), (finalize_func, "finalize_func")):
            if not callable(f):
                raise TypeError(f"Reducer: {what} must be callable, got {argcheck.describe(f)}")
        self._init_func, self._reduce_func, self._finalize_func = init_func, reduce_func, finalize_func

    @property
    def init_func(self):
        return self._init_func

    @property
    def reduce_func(self):
        return self._reduce_func

    @property
    def finalize_func(self):
        return self._finalize_func


def _to_tensors(value):
    if isinstance(value, dict):
        return {k: _to_tensors(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)) and not hasattr(value, "_fields"):
        return type(value)(_to_tensors(v) for v in value)
    return convert_to_tensor(value)


class GroupByReducer(Dataset):
    """``tf.data.experimental.group_by_reducer``: one element per key of ``key_func`` (an int64
    scalar), the finalized state of the reducer over that key's elements, emitted in ascending
    key order once the input ends."""

    def __init__(self, input_ds, key_func, reducer):
        where = "group_by_reducer"
        if not callable(key_func):
            raise TypeError(f"{where}: key_func must be callable, got {argcheck.describe(key_func)}")
        if not isinstance(reducer, Reducer):
            raise TypeError(f"{where}: reducer must be a tf.data.experimental.Reducer, got "
                            f"{argcheck.describe(reducer)}")
        self._input, self._key_func, self._reducer = input_ds, key_func, reducer

    def _elem_iter(self, state=None):
        return _GroupByReducerIter(self, state)

    def _cardinality(self):
        n = self._input._cardinality()
        return INFINITE if n == INFINITE else (0 if n == 0 else UNKNOWN)


class _GroupByReducerIter(Step):
    """``states``: key -> the reducer's state so far (until the input ends); then ``out``: the
    finalized keys still to emit."""

    def __init__(self, node, state):
        self._node = node
        if state is None:
            self._inner, self._states, self._ended = node._input._iter(None), {}, False
        else:
            expect_kind(state, node)
            self._inner = node._input._iter(state["inner"])
            self._states = {int(k): v[0] for k, v in state["states"]}
            self._ended = bool(state["ended"])

    def __next__(self):
        node = self._node
        while not self._ended:
            try:
                element = next(self._inner)
            except StopIteration:
                self._ended = True
                break
            key = _key(st.unpack_call(node._key_func, element), "key_func", "group_by_reducer")
            if key not in self._states:
                self._states[key] = _to_tensors(node._reducer.init_func(convert_to_tensor(np.int64(key))))
            current = self._states[key]
            args = (current,) + (element if isinstance(element, tuple) else (element,))
            self._states[key] = _to_tensors(node._reducer.reduce_func(*args))
        if not self._states:
            raise StopIteration
        key = min(self._states)
        return _to_tensors(node._reducer.finalize_func(self._states.pop(key)))

    def state(self):
        return self._tag(self._node, inner=self._inner.state(), ended=self._ended,
                         states=[[k, Elements([v])] for k, v in sorted(self._states.items())])


def padded_to_cardinality(dataset, cardinality, mask_key="valid"):
    """``tf.data.experimental.pad_to_cardinality``'s dataset: the input's elements (dicts) with
    ``mask_key: True``, then elements of zeros with ``mask_key: False`` up to ``cardinality``."""
    where = "pad_to_cardinality"
    n = argcheck.integer(cardinality, "cardinality", where, 0)
    spec = dataset.element_spec
    if not isinstance(spec, dict):
        raise ValueError(f"{where}: the dataset's elements must be dicts, got {type(spec).__name__} elements")
    if mask_key in spec:
        raise ValueError(f"{where}: mask_key {mask_key!r} is already a key of the elements")
    have = int(dataset.cardinality())
    if have < 0:
        raise ValueError(f"{where}: the dataset's cardinality must be known, got "
                         f"{'infinite' if have == INFINITE else 'unknown'}")
    if have > n:
        raise ValueError(f"{where}: the dataset has {have} elements, more than cardinality {n}")
    real = dataset.map(lambda element: {**element, mask_key: True})
    if have == n:
        return real
    zeros = {k: _zeros(s, where) for k, s in spec.items()}
    return real.concatenate(Dataset.from_tensors({**zeros, mask_key: False}).repeat(n - have))


def _zeros(spec, where):
    dims = spec.shape.as_list() if spec.shape.rank is not None else None
    if dims is None or None in dims:
        raise ValueError(f"{where}: every component must have a fully known shape, got {spec}")
    if spec.dtype.name == "string":
        return np.full(dims, b"", dtype=object)
    return np.zeros(dims, spec.dtype.as_numpy_dtype)
