"""``wb.function``: trace a Python function once per input signature and replay it.

The first call with a new signature (argument shapes, dtypes and devices, Python
values, variables by identity) runs the function eagerly while a tracer watches:
every op, random draw, stateful call (variable assignment, optimizer step,
summary write) and first-order reverse walk of a ``GradientTape`` becomes one
step of a program. Later calls with the same signature replay the program: each
op's forward runs straight on the arrays, with no conversion, dispatch, dtype
checks or tape bookkeeping; the reverse walk runs over the records the trace
kept; stateful calls run again; ops on constants were computed once, at trace
time. Results are the eager results, bit for bit (the same forward functions run
on the same arrays in the same order).

What cannot be replayed is run eagerly instead, with one warning that names the
line: a Python read of a computed value (``float(loss)``, ``if x > 0:``,
``x.numpy()``), which makes the program depend on data. As in TF, Python side
effects in the function (printing, appending to a list) happen only while
tracing, and tensors created inside the function are valid only when returned.

>>> w = wb.Variable([[1.0], [2.0]])
>>> @wb.function
... def step(x):
...     with wb.GradientTape() as tape:
...         loss = wb.reduce_sum(wb.matmul(x, w) ** 2)
...     w.assign_sub(0.01 * tape.gradient(loss, w))
...     return loss
>>> float(step(wb.ones([3, 2])))
27.0
"""

from __future__ import annotations

import functools
import warnings

from .. import core, nest
from ..config import _EAGER, functions_run_eagerly, run_functions_eagerly  # noqa: F401 (re-exported)
from .program import Program
from .signature import describe, signature, stand_in
from .trace import Tracer, tensor_leaves

__all__ = ["function", "Function", "run_functions_eagerly", "functions_run_eagerly",
           "RetracingWarning", "UnreplayableWarning"]

RETRACE_WARNING_AT = 5  # traces of one function before retracing is reported (as TF does)


class RetracingWarning(UserWarning):
    """A ``wb.function`` traced again for a new signature many times."""


class UnreplayableWarning(UserWarning):
    """A ``wb.function`` whose trace depends on data runs eagerly for that signature."""


def function(func=None, input_signature=None, autograph=True, jit_compile=None,
             reduce_retracing=False, experimental_relax_shapes=None, name=None):
    """Trace ``func`` once per input signature and replay it (TF 2's ``tf.function``).

    Use as ``@wb.function`` or ``wb.function(f)``. ``input_signature``,
    ``reduce_retracing`` and ``jit_compile`` are accepted for TF compatibility;
    traces are always specialized to concrete shapes (a new shape traces again,
    which ``experimental_get_tracing_count`` counts and a warning reports after
    several traces).
    """
    if func is None:
        return lambda f: Function(f, name=name)
    return Function(func, name=name)


class Function:
    """A traced function: ``__call__`` replays the trace for the arguments' signature."""

    def __init__(self, python_function, name=None):
        if not callable(python_function):
            raise TypeError(f"wb.function: expected a callable, got {type(python_function).__name__}")
        functools.update_wrapper(self, python_function)
        self._fn = python_function
        self._name = name or getattr(python_function, "__name__", "function")
        self._programs: dict = {}
        self._traces = 0
        self._warned_retrace = False

    @property
    def python_function(self):
        return self._fn

    def experimental_get_tracing_count(self) -> int:
        """How many times the function has been traced."""
        return self._traces

    def __get__(self, obj, objtype=None):
        # a decorated method: bind the instance as the first argument (part of the signature)
        if obj is None:
            return self
        return functools.partial(self.__call__, obj)

    def __call__(self, *args, **kwargs):
        st = core._state
        if _EAGER["on"] or st.tracer is not None or st.tapes or st.accumulators or st.observers:
            # inside another trace, or watched by a tape: run the Python code, so that the
            # enclosing trace or tape sees every op
            return self._fn(*args, **kwargs)
        flat = nest.flatten((args, kwargs))
        key = signature(args, kwargs, flat)
        program = self._programs.get(key)
        if program is None:
            return self._trace(key, args, kwargs, flat)
        if program.eager:
            return self._fn(*args, **kwargs)
        return program.run(flat)

    def get_concrete_function(self, *args, **kwargs) -> "Program":
        """The program for these arguments' signature (traced now if it was not)."""
        flat = nest.flatten((args, kwargs))
        key = signature(args, kwargs, flat)
        if key not in self._programs:
            self._trace(key, args, kwargs, flat)
        return self._programs[key]

    # -- tracing -------------------------------------------------------------------
    def _trace(self, key, args, kwargs, flat):
        inputs, traced_flat = [], []
        for leaf in flat:
            pair = stand_in(leaf)
            if pair is not None:
                inputs.append(pair[1])
                traced_flat.append(pair[0])
            else:
                inputs.append(None)
                traced_flat.append(leaf)
        targs, tkwargs = nest.pack_sequence_as((args, kwargs), traced_flat)
        tracer = Tracer([t for t in inputs if t is not None])
        prev = core.set_tracer(tracer)
        try:
            result = self._fn(*targs, **tkwargs)
        finally:
            core.set_tracer(prev)
            tracer.let_go()
        self._traces += 1
        if self._traces >= RETRACE_WARNING_AT and not self._warned_retrace:
            self._warned_retrace = True
            warnings.warn(f"wb.function '{self._name}' has been traced {self._traces} times (the last "
                          f"for the signature {describe(key)}); each new shape, dtype or Python value "
                          "traces again. Pass tensors rather than Python numbers, and keep shapes "
                          "fixed (pad or bucket variable-length batches).", RetracingWarning,
                          stacklevel=3)
        for t in tensor_leaves(result):
            tracer._resolve(t, "the function's result")
        if tracer.created_variables:
            return result  # not kept: the next call traces again, with the variables built
        program = Program(self._name, key, tracer, inputs, result)
        # the signature names objects by identity: keep them alive, so that no new object
        # can take an id a program was traced for
        program._pinned = [leaf for leaf, t in zip(flat, inputs) if t is None]
        self._programs[key] = program
        if program.eager:
            warnings.warn(f"wb.function '{self._name}' runs eagerly for the signature {describe(key)}: "
                          f"{program.why}", UnreplayableWarning, stacklevel=3)
            return result
        out = program.outputs()
        program.release()
        return out


