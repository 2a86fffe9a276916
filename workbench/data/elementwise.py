"""``map``, ``filter`` and ``enumerate``: one element at a time.

After these a pipeline is no longer indexable: elements are produced one by one
and batched by stacking. A map function or predicate is traced once on the input's
element structure (``tracing``) and replayed for each element, on a thread pool with
``num_parallel_calls`` (``prefetch.ParallelMapIterator``); it is never run again when an
iterator is restored.
"""

from __future__ import annotations

import os

import numpy as np

from ..core import convert_to_tensor
from ..errors import argcheck
from . import structure as st
from .dataset import AUTOTUNE, UNKNOWN, Dataset
from .iterator import Step, expect_kind
from .options import current_options
from .prefetch import ParallelMapIterator
from .tracing import Traced, as_element_spec, check_predicate, debug_mode


class Map(Traced, Dataset):
    """``Dataset.map``."""

    def __init__(self, input_ds, fn, num_parallel_calls, deterministic, trace=True):
        if not callable(fn):
            raise TypeError(f"map: map_func must be callable, got {argcheck.describe(fn)}")
        self._input = input_ds
        self._fn = fn
        workers = (None if num_parallel_calls is None
                   else argcheck.integer(num_parallel_calls, "num_parallel_calls", "map"))
        if workers is not None and workers < 1 and workers != AUTOTUNE:
            raise ValueError(f"map: num_parallel_calls must be positive or AUTOTUNE (-1), got {workers}")
        if workers == AUTOTUNE:
            workers = min(8, os.cpu_count() or 1)
        self._workers = workers if workers and workers > 1 else None
        self._deterministic = deterministic   # None: the pipeline's options decide (default True)
        self._trace_now(fn, "map", trace)

    def _call(self, element):
        return st.normalize(self._run(element, element))

    # the result's spec where the library knows it and the trace cannot tell it (a function that
    # runs as Python per element: make_csv_dataset's parser)
    _declared_spec = None

    def _known_spec(self):
        traced = self._traced
        spec = None if traced is None else as_element_spec(traced.output_spec)
        return self._declared_spec if spec is None else spec

    @property
    def element_spec(self):
        """The structure of the traced function's result, with TF's None sizes (read from the
        first element where the function could not be traced)."""
        spec = as_element_spec(self._traced_function().output_spec) or self._declared_spec
        return Dataset.element_spec.fget(self) if spec is None else spec

    def _spec_of(self, element):
        spec = as_element_spec(self._traced_function().output_spec) or self._declared_spec
        return Dataset._spec_of(self, element) if spec is None else spec

    def _elem_iter(self, state=None):
        return _MapIter(self, state)

    def _cardinality(self):
        return self._input._cardinality()


class _MapIter(Step):
    """The map function is called once per element and never again on restore: its results
    still in flight on the thread pool are saved as elements."""

    _children = ("_it",)

    def __init__(self, node, state):
        self._node = node
        if state is not None:
            expect_kind(state, node)
        inner = node._input._iter(None if state is None else state["inner"])
        if node._workers is None or debug_mode():
            self._it = inner
            self._inner = inner
        else:
            ready = () if state is None else state.get("ready") or ()
            exhausted = False if state is None else bool(state.get("exhausted", False))
            opts = current_options()
            deterministic = node._deterministic
            if deterministic is None:
                deterministic = opts is None or opts.deterministic is not False
            workers = node._workers
            if opts is not None and opts.threading.private_threadpool_size:
                workers = max(1, min(workers, int(opts.threading.private_threadpool_size)))
            self._it = ParallelMapIterator(node._call, inner, workers, deterministic is not False,
                                           ready, exhausted)
            self._inner = None

    def __next__(self):
        item = next(self._it)
        return item if self._inner is None else self._node._call(item)

    def state(self):
        if self._inner is not None:
            return self._tag(self._node, inner=self._inner.state())
        return self._tag(self._node, **self._it.state())


class Filter(Traced, Dataset):
    """``Dataset.filter``."""

    _same_elements = True

    def __init__(self, input_ds, predicate, trace=True):
        if not callable(predicate):
            raise TypeError(f"filter: predicate must be callable, got {argcheck.describe(predicate)}")
        self._input = input_ds
        self._predicate = predicate
        self._trace_now(predicate, "filter", trace)
        check_predicate(self._traced, "filter")

    def _keep(self, element):
        keep_t = convert_to_tensor(self._run(element, element))
        if keep_t.shape != () or keep_t.dtype != np.bool_:
            raise TypeError(f"filter: the predicate must return a scalar bool, got dtype "
                            f"{keep_t.dtype} shape {keep_t.shape}")
        return bool(keep_t)

    def _elem_iter(self, state=None):
        return _FilterIter(self, state)

    def _cardinality(self):
        return 0 if self._input._cardinality() == 0 else UNKNOWN


class _FilterIter(Step):
    def __init__(self, node, state):
        self._node = node
        self._inner = node._input._iter(None if state is None else expect_kind(state, node)["inner"])

    def __next__(self):
        for element in self._inner:
            if self._node._keep(element):
                return element
        raise StopIteration

    def state(self):
        return self._tag(self._node, inner=self._inner.state())


class Enumerate(Dataset):
    """``Dataset.enumerate``."""

    def __init__(self, input_ds, start):
        self._input = input_ds
        self._start = argcheck.integer(start, "start", "enumerate")

    def _elem_iter(self, state=None):
        return _EnumerateIter(self, state)

    def _cardinality(self):
        return self._input._cardinality()


class _EnumerateIter(Step):
    def __init__(self, node, state):
        self._node = node
        if state is None:
            self._i, self._inner = node._start, node._input._iter(None)
        else:
            self._i = int(expect_kind(state, node)["next"])
            self._inner = node._input._iter(state["inner"])

    def __next__(self):
        element = next(self._inner)
        self._i += 1
        return convert_to_tensor(np.int64(self._i - 1)), element

    def state(self):
        return self._tag(self._node, next=self._i, inner=self._inner.state())
