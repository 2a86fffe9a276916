"""A ``for`` loop over a dataset inside a ``wb.function``, as TF's AutoGraph stages it: a
reduce over the dataset (with a take_while for a ``break``) whose body is traced once, on the
loop state's and the element's specs, and replayed for each element of the dataset each call
iterates anew (see ``wb.autograph``).

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

from ..compiler import autograph
from .dataset import Dataset
from .tracing import TracedFunction, value_spec

__all__ = ["DatasetLoop"]


class DatasetLoop:
    """``state = step(state, element)`` over a dataset's elements while ``more(state)`` holds
    (``step`` returns the new state and ``more`` of it, a bool tensor, or None): the step is
    traced once, when the loop first runs, and replayed for each element after that."""

    def __init__(self, step, more):
        self._step, self._more = step, more
        self._traced = None

    def _traced_step(self, dataset, state, first):
        if self._traced is None:
            spec = dataset._known_spec()
            if spec is None:
                try:
                    spec = dataset._spec_of(first)
                except (TypeError, ValueError):   # elements that are not tensors
                    spec = None
            step = self._step
            self._traced = TracedFunction(lambda pair: step(list(pair[0]), pair[1]),
                                          None if spec is None else (value_spec(tuple(state)), spec),
                                          "loop_body")
        return self._traced

    def __call__(self, dataset, state):
        """The final state (a list of tensors) after the loop over ``dataset``."""
        more = self._more
        if more is not None and not bool(more(state)):
            return state
        for element in dataset._elements():
            traced = self._traced_step(dataset, state, element)
            if more is None:
                state = list(traced((tuple(state), element)))
                continue
            new, go = traced((tuple(state), element))
            state = list(new)
            if not bool(go):
                break
        return state


autograph.register_dataset_loop(Dataset, DatasetLoop)
