"""A ``for`` loop over a dataset inside a ``wb.function``, as TF's AutoGraph stages it: a
reduce over the dataset (with a take_while for a ``break``) whose body is traced once, on the
loop state's and the first element's specs, and replayed for each element of the dataset each
call iterates anew (see ``wb.autograph``); ``Dataset.reduce`` inside a trace is the same step.

A ``for`` loop over an iterator (``for x in iter(ds)``, an iterator argument) is staged the
same way, over the elements from the iterator's position: an iterator made in the function
starts a new pass each call, an argument goes on where the last call left it (TF's
``get_next_as_optional`` loop).

A dataset argument keys the function's traces by its class and element spec (TF's
``DatasetSpec``): another dataset of that kind replays the trace; an iterator argument by its
element spec (TF's ``IteratorSpec``). Reading a dataset's elements in Python inside a trace
(``next(iter(ds))`` outside a loop) runs the function eagerly.

>>> @wb.function
... def total(ds):
...     s = wb.constant(0, wb.int64)
...     for x in ds:
...         s += x
...     return s
>>> int(total(wb.data.Dataset.range(4))), int(total(wb.data.Dataset.range(5)))
(6, 10)
"""

from __future__ import annotations

from ..compiler import autograph, staged
from .dataset import Dataset
from .iterator import Iterator
from .tracing import TracedFunction, value_spec

__all__ = ["DatasetLoop"]


class DatasetLoop:
    """``state = step(state, element)`` over a dataset's elements while ``more(state)`` holds
    (``step`` returns the new state and ``more`` of it, a bool tensor, or None): the step is
    traced once, when the loop first runs, and replayed for each element after that."""

    def __init__(self, step, more):
        self._step, self._more = step, more
        self._traced = None
        self._quiet = False   # after the trace: Python's print is silent in the body's Python calls

    def _call(self, pair):
        if not self._quiet:
            return self._step(list(pair[0]), pair[1])
        with staged.python_prints_silenced():
            return self._step(list(pair[0]), pair[1])

    def _traced_step(self, state, first):
        if self._traced is None:
            # traced on the first element's exact specs: an element of other sizes (a short last
            # batch) calls the body as Python code rather than tracing it again
            try:
                spec = (value_spec(tuple(state)), value_spec(first))
            except (TypeError, ValueError, AttributeError):   # elements that are not tensors
                spec = None
            self._traced = TracedFunction(self._call, spec, "loop_body")
            self._quiet = True
        return self._traced

    def __call__(self, dataset, state):
        """The final state (a list of tensors) after the loop over ``dataset``."""
        more = self._more
        if more is not None and not bool(more(state)):
            return state
        for element in dataset._elements():
            traced = self._traced_step(state, element)
            if more is None:
                state = list(traced((tuple(state), element)))
                continue
            new, go = traced((tuple(state), element))
            state = list(new)
            if not bool(go):
                break
        return state


class DatasetArgumentType:
    """How a dataset argument keys ``wb.function``'s traces (TF's ``DatasetSpec`` as a trace
    type): by its element spec, where that is known without running anything (else by the
    dataset itself), as TF keys them: datasets of any class with one spec share a trace, which
    runs on the dataset it was traced with; a replay runs that object as the call's dataset
    (``rebinds``: ``wb.function`` lends it the call's dataset's class and attributes for the
    run)."""

    rebinds = True

    def __init__(self, dataset, spec):
        self._dataset = dataset
        self._key = ("Dataset", spec if _hashable(spec) else repr(spec))

    def placeholder_value(self, placeholder_context=None):
        return self._dataset

    def is_subtype_of(self, other):
        return self == other

    def most_specific_common_supertype(self, others):
        return self if all(self == o for o in others) else None

    def __eq__(self, other):
        return type(other) is DatasetArgumentType and self._key == other._key

    def __hash__(self):
        return hash(self._key)

    def __repr__(self):
        return f"DatasetSpec({self._key[1]!r})"


def _hashable(value):
    try:
        hash(value)
    except TypeError:
        return False
    return True


class _Identity:
    """A dataset (an iterator) whose element spec is not known without running it: keyed by itself."""

    def __init__(self, dataset):
        self._dataset = dataset

    def placeholder_value(self, placeholder_context=None):
        return self._dataset

    def __eq__(self, other):
        return type(other) is _Identity and other._dataset is self._dataset

    def __hash__(self):
        return id(self._dataset)


def _tracing_type(dataset, context=None):
    spec = dataset._known_spec()
    return _Identity(dataset) if spec is None else DatasetArgumentType(dataset, spec)


def _iterator_tracing_type(iterator, context=None):
    spec = iterator._dataset._known_spec()
    if spec is None:
        return _Identity(iterator)
    key = DatasetArgumentType(iterator, spec)
    key._key = (Iterator, key._key[1])   # TF's IteratorSpec: the element spec alone
    return key


Dataset.__tf_tracing_type__ = _tracing_type
Iterator.__tf_tracing_type__ = _iterator_tracing_type
autograph.register_dataset_loop((Dataset, Iterator), DatasetLoop)
