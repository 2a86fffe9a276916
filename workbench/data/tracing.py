"""The user functions of ``map``, ``filter``, ``take_while``, ``scan`` and ``reduce``, traced
once on the input's element structure, as tf.data traces them.

The trace runs when the dataset is built (or, where the input's element structure is only
known from its first element, when that element is first needed): Python side effects
(``print``, appending to a list) happen then, once, while what TF's graph would do runs
nothing (a variable's update is undone, a random draw advances no stream, a ``py_function``'s
body is not called: its result has an unknown shape), and the function sees symbolic tensors
(``Tensor("args_0:0", shape=(), dtype=int64)``, TF's names). The trace's output specs,
with TF's None sizes, are the dataset's ``element_spec``. Each element then replays the
traced program for its concrete shapes (a new shape records a program of its own, with
Python's ``print`` silent). Where the trace cannot replay (the function reads a value in
Python, calls ``wb.py_function``, returns something a program cannot rebuild) or cannot run
at all on symbolic tensors, the Python function is called on each element, as eager code.
(The functions that make datasets, ``flat_map``'s, ``interleave``'s and ``group_by_window``'s,
are traced the same way: ``nesting.DatasetFunction``.) A function traced while a
``wb.function`` trace runs reads that trace's values where its steps run: they change with
each call.

>>> ds = wb.data.Dataset.from_tensor_slices(["a b", "c d e"]).map(wb.strings.split)
>>> ds.element_spec
TensorSpec(shape=(None,), dtype=wb.string, name=None)
"""

from __future__ import annotations

import threading
import warnings

import numpy as np

from .. import nest
from ..compiler import UnreplayableWarning, function, staged
from ..core import Tensor
from ..tensor_shape import TensorShape, TensorSpec
from . import structure as st
from .seeding import shared_kernels

_LOCK = threading.RLock()   # traces of data functions, one at a time (tracing keeps global state)
_DEBUG = [False]            # tf.data.experimental.enable_debug_mode() was called


def enable_debug_mode():
    """``tf.data.experimental.enable_debug_mode``: from now on the user functions of ``map``,
    ``filter``... run as Python on each element (still traced once, for their structure), and
    parallel ``map``/``interleave`` and ``prefetch`` run in the caller's thread, in order.
    Call it before building the pipelines it should apply to."""
    _DEBUG[0] = True


def debug_mode() -> bool:
    """Whether :func:`enable_debug_mode` was called."""
    return _DEBUG[0]
_made = threading.local()   # the Traced datasets made while ``record_traced`` runs on this thread


def _trace_spec(spec):
    """The spec a trace argument takes for an element leaf's spec (a RaggedTensorSpec of
    ragged_rank 0 describes a dense row: a tensor), or None where none can be traced."""
    if isinstance(spec, TensorSpec):
        return spec
    if hasattr(spec, "ragged_rank") and hasattr(spec, "row_splits_dtype"):
        if spec.ragged_rank == 0:
            return TensorSpec(spec.shape, spec.dtype)
        return spec
    return None


def _replayable(spec) -> bool:
    """Whether every leaf of a traced result (by its spec) is one a program rebuilds (a tensor,
    a ragged tensor): datasets, sparse tensors and other objects are made by Python code."""
    return all(isinstance(s, TensorSpec) or (hasattr(s, "ragged_rank") and hasattr(s, "row_splits_dtype"))
               for s in nest.flatten(spec))


class TracedFunction:
    """``call(arguments)`` (a Python function of one structure of tensors) traced on the
    structure of specs ``spec``; calling the object with such a structure replays the trace.

    ``output_spec`` is the result's structure of specs as the trace gives it (None sizes where
    the arguments leave sizes open, or the data decides), or None where no trace could run."""

    def __init__(self, call, spec, name="args"):
        self._call = call
        self._spec = spec
        self._programs: dict = {}    # (shape, dtype, array type) per argument -> a program's run
        self.output_spec = None
        self.replays = False         # whether elements replay the trace (else call Python)
        self._function = None
        flat = nest.flatten(spec)
        trace_specs = [_trace_spec(s) for s in flat]
        if not flat or any(s is None for s in trace_specs):
            return
        def traced(*args):
            return call(nest.pack_sequence_as(spec, list(args)))
        traced.__name__ = name
        fn = function(traced, input_signature=trace_specs)
        # built inside a wb.function's trace: the values the function reads from that
        # trace change with each call, so this trace reads them where its steps run
        staged.hold_trace_values()
        with _LOCK, warnings.catch_warnings():
            warnings.simplefilter("ignore", UnreplayableWarning)
            try:
                concrete = fn.get_concrete_function()
            except Exception:  # noqa: BLE001 -- what symbolic tensors cannot run, runs eagerly
                return
        self.output_spec = concrete.structured_outputs
        self._function = fn
        self.replays = not concrete.eager and _replayable(concrete.structured_outputs)

    def __call__(self, arguments):
        if not self.replays or _DEBUG[0]:
            return self._call(arguments)
        if isinstance(arguments, Tensor):   # one tensor: the common case, without a walk
            flat = [arguments]
            data = arguments._data
            key = ((data.shape, data.dtype, type(data)),)
        else:
            flat = nest.flatten(arguments)
            try:
                key = tuple((leaf._data.shape, leaf._data.dtype, type(leaf._data)) for leaf in flat)
            except AttributeError:   # a composite argument: the function's own signature decides
                return self._replay_call(flat, arguments)
        run = self._programs.get(key)
        if run is None:
            run = self._program_for(key, flat)
            if run is None:
                return self._replay_call(flat, arguments)
        return run(flat)

    def _program_for(self, key, flat):
        """The replay of the program for these concrete shapes (recorded now if new), or None
        where it runs eagerly or the arguments do not fit the traced specs."""
        with _LOCK, warnings.catch_warnings():
            warnings.simplefilter("ignore", UnreplayableWarning)
            try:
                concrete = self._function.get_concrete_function(*flat)
            except TypeError:    # outside the traced specs (a structure read from one element)
                return None
            run = None if concrete.eager else getattr(concrete, "run", None)
            if run is not None:
                self._programs[key] = run
            return run

    def _replay_call(self, flat, arguments):
        with _LOCK, warnings.catch_warnings():
            warnings.simplefilter("ignore", UnreplayableWarning)
            try:
                bound = self._function.get_concrete_function(*flat)
            except TypeError:    # outside the traced specs: called as eager code
                return self._call(arguments)
        return bound(*flat)


class Traced:
    """A dataset whose user function is traced on its input's element structure: when the
    dataset is built where that structure is known without running anything, else on the
    structure of the first element it is given. ``trace=False`` (the library's own functions
    that keep Python state) calls the function on each element."""

    _traced = None
    # the key of the kernels its function shares with the same function of the other datasets that
    # one interleave (flat_map, ...) function makes (see ``record_traced``); None: its own
    _kernel_key = None

    def _trace_now(self, fn, name, trace):
        made = getattr(_made, "datasets", None)
        if made is not None:
            made.append(self)
        self._fn_name = name
        self._lock = threading.Lock()
        self._user_function = fn
        if not trace:
            self._traced = _Untraced(fn)
            return
        spec = self._input._known_spec()
        if spec is not None:
            self._traced = self._make_traced(spec)

    def _make_traced(self, spec):
        """The traced function for the input's element spec ``spec`` (None: not traced)."""
        fn = self._user_function
        return TracedFunction(lambda element: st.unpack_call(fn, element), spec, self._fn_name)

    def _traced_function(self, element=None):
        """The traced function; traced now, on ``element``'s structure (as the input shows its
        elements' specs), where it was not yet."""
        if self._traced is None:
            with self._lock:
                if self._traced is None:
                    if element is None:
                        try:
                            element = self._input._first_element()
                        except StopIteration:   # an empty input: nothing to trace on
                            element = None
                    try:
                        spec = None if element is None else self._input._spec_of(element)
                    except (TypeError, ValueError):   # elements that are not tensors (datasets)
                        spec = None
                    self._traced = self._make_traced(spec)
        return self._traced


    def _run(self, arguments, element):
        """The function on ``arguments`` (traced on ``element``'s structure where it was not yet)."""
        fn = self._traced_function(element)
        if self._kernel_key is None:
            return fn(arguments)
        with shared_kernels(self._kernel_key):
            return fn(arguments)


class record_traced:  # noqa: N801 -- a context, named as the others here
    """While a dataset function (interleave's, flat_map's) runs as Python: the datasets with
    functions it makes, by place (the ``k``-th made), share their random ops' kernels with those
    its other calls make at that place, within one iterator, as TF's one function in the
    interleave function's graph does (``key``: the dataset function)."""

    __slots__ = ("_key", "_prev")

    def __init__(self, key):
        self._key = key

    def __enter__(self):
        self._prev = getattr(_made, "datasets", None)
        _made.datasets = []
        return self

    def __exit__(self, *exc):
        made, _made.datasets = _made.datasets, self._prev
        for k, ds in enumerate(made):
            ds._kernel_key = (self._key, k)
        return False


class _Untraced:
    """A function called on each element as Python code."""

    output_spec = None

    def __init__(self, fn):
        self._fn = fn

    def __call__(self, element):
        return st.unpack_call(self._fn, element)


def as_element_spec(spec):
    """A traced result's specs as an element's: a top-level list is a tuple (TF's map rule), a
    list inside it one stacked tensor (as its values are converted), a dataset its
    ``DatasetSpec``; None where the spec of a dataset the trace made cannot be read."""
    if spec is None:
        return None
    try:
        if isinstance(spec, list):
            return tuple(_stacked(s) for s in spec)
        return _stacked(spec)
    except _UnknownSpec:
        return None


class _UnknownSpec(Exception):
    """A dataset made by a trace whose element structure depends on the trace's values."""


def _stacked(spec):
    if isinstance(spec, dict):
        return type(spec)((k, _stacked(v)) for k, v in spec.items())
    if isinstance(spec, tuple) and not hasattr(spec, "_fields") and not isinstance(spec, TensorShape):
        return tuple(_stacked(v) for v in spec)
    if getattr(spec, "_is_dataset", False):   # a function that makes a dataset: its spec
        from .specs import DatasetSpec  # noqa: PLC0415 (specs imports dataset, which imports this module)
        try:
            known = spec._known_spec()
        except Exception:  # noqa: BLE001 -- it reads tensors of the finished trace
            known = None
        if known is None:
            raise _UnknownSpec
        return DatasetSpec(known)
    if isinstance(spec, list):
        parts = [_stacked(v) for v in spec]
        if parts and all(isinstance(p, TensorSpec) and p.dtype == parts[0].dtype and p.shape == parts[0].shape
                         for p in parts):
            return TensorSpec([len(parts), *parts[0].shape], parts[0].dtype)
        return spec
    return spec


def check_predicate(traced, where):
    """TF's check, when the dataset is built, that a traced predicate returns a bool scalar."""
    spec = None if traced is None else traced.output_spec
    if spec is not None and not (isinstance(spec, TensorSpec) and spec.shape == () and spec.dtype == np.bool_):
        raise ValueError(f"Invalid `predicate`. `predicate` must return a `wb.bool` scalar tensor, but its "
                         f"return type is {spec!r}.")


def value_spec(value):
    """The spec of a structure of tensors (a reduce's or scan's state)."""
    return nest.map_structure(lambda t: t._spec() if hasattr(t, "_spec") else TensorSpec.from_tensor(t), value)


def state_function(fn, state, element_spec, name):
    """``fn(state, element)`` traced on the state's exact spec and ``element_spec`` (TF's
    ``reduce``/``scan`` functions); None ``element_spec``: called as Python."""
    spec = None if element_spec is None else (value_spec(state), element_spec)
    return TracedFunction(lambda pair: fn(pair[0], pair[1]), spec, name)
