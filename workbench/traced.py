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

import collections.abc
import functools
import threading
import warnings

import numpy as np

from gradients.walk import ArrayRules, reverse_walk

from . import backend, core, nest
from .core import Tensor, Variable

__all__ = ["function", "Function", "run_functions_eagerly", "functions_run_eagerly",
           "RetracingWarning"]

_EAGER = {"on": False}
RETRACE_WARNING_AT = 5  # traces of one function before retracing is reported (as TF does)


def run_functions_eagerly(run_eagerly: bool):
    """Run every ``wb.function`` as plain Python (for debugging: prints and breakpoints
    run on every call). TF's ``tf.config.run_functions_eagerly``."""
    _EAGER["on"] = bool(run_eagerly)


def functions_run_eagerly() -> bool:
    return _EAGER["on"]


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
        key = _signature(args, kwargs, flat)
        program = self._programs.get(key)
        if program is None:
            return self._trace(key, args, kwargs, flat)
        if program.eager:
            return self._fn(*args, **kwargs)
        return program.run(flat)

    def get_concrete_function(self, *args, **kwargs) -> "Program":
        """The program for these arguments' signature (traced now if it was not)."""
        flat = nest.flatten((args, kwargs))
        key = _signature(args, kwargs, flat)
        if key not in self._programs:
            self._trace(key, args, kwargs, flat)
        return self._programs[key]

    # -- tracing -------------------------------------------------------------------
    def _trace(self, key, args, kwargs, flat):
        inputs, traced_flat = [], []
        for leaf in flat:
            stand_in = _stand_in(leaf)
            if stand_in is not None:
                inputs.append(stand_in[1])
                traced_flat.append(stand_in[0])
            else:
                inputs.append(None)
                traced_flat.append(leaf)
        targs, tkwargs = nest.pack_sequence_as((args, kwargs), traced_flat)
        tracer = _Tracer([t for t in inputs if t is not None])
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
                          f"for the signature {_describe(key)}); each new shape, dtype or Python value "
                          "traces again. Pass tensors rather than Python numbers, and keep shapes "
                          "fixed (pad or bucket variable-length batches).", RetracingWarning,
                          stacklevel=3)
        for t in _tensor_leaves(result):
            tracer._resolve(t, "the function's result")
        if tracer.created_variables:
            return result  # not kept: the next call traces again, with the variables built
        program = Program(self._name, key, tracer, inputs, result)
        # the signature names objects by identity: keep them alive, so that no new object
        # can take an id a program was traced for
        program._pinned = [leaf for leaf, t in zip(flat, inputs) if t is None]
        self._programs[key] = program
        if program.eager:
            warnings.warn(f"wb.function '{self._name}' runs eagerly for the signature {_describe(key)}: "
                          f"{program.why}", UnreplayableWarning, stacklevel=3)
            return result
        out = program.outputs()
        program.release()
        return out


def _stand_in(leaf):
    """(the value the traced function sees, the input tensor a replay binds) for a tensor
    argument; None for anything else (variables are used as they are)."""
    if isinstance(leaf, Variable):
        return None
    if isinstance(leaf, Tensor):
        t = core.wrap(leaf._data)
        return t, t
    if isinstance(leaf, np.ndarray) or backend.is_array(leaf):
        t = core.wrap(core.to_array(leaf))
        return t, t
    if hasattr(leaf, "flat_values") and hasattr(leaf, "with_flat_values"):  # RaggedTensor
        t = core.wrap(leaf.flat_values._data)
        return leaf.with_flat_values(t), t
    return None


def _signature(args, kwargs, flat):
    """A hashable key: the structure, then per leaf its shape/dtype/device (tensors), its
    identity (variables, other objects) or its value (Python numbers, strings)."""
    parts = [_structure(args), _structure(kwargs)]
    for leaf in flat:
        if isinstance(leaf, Variable):
            parts.append(("V", id(leaf)))
        elif isinstance(leaf, Tensor):
            d = leaf._data
            parts.append(("T", d.shape, d.dtype.str, _device(d)))
        elif isinstance(leaf, np.ndarray) or backend.is_array(leaf):
            parts.append(("A", leaf.shape, leaf.dtype.str, _device(leaf)))
        elif hasattr(leaf, "flat_values") and hasattr(leaf, "partitions"):
            d = leaf.flat_values._data
            splits = tuple(backend.to_numpy(p.row_splits()).tobytes() for p in leaf.partitions)
            parts.append(("R", d.shape, d.dtype.str, _device(d), splits))
        elif leaf is None or isinstance(leaf, (bool, int, float, complex, str, bytes)):
            parts.append(("P", type(leaf).__name__, leaf))
        else:  # modules, optimizers, functions …: by identity, as TF does
            parts.append(("O", type(leaf).__name__, id(leaf)))
    return tuple(parts)


def _structure(s):
    if isinstance(s, dict):
        return ("dict", tuple((k, _structure(s[k])) for k in sorted(s)))
    if isinstance(s, (list, tuple)):
        return (type(s).__name__, tuple(_structure(v) for v in s))
    return "."


def _device(arr):
    return "cpu" if isinstance(arr, np.ndarray) else str(backend.device_of(arr))


def _describe(key):
    shown = []
    for part in key[2:]:
        if part[0] in "TA":
            shown.append(f"tensor{list(part[1])}:{np.dtype(part[2]).name}")
        elif part[0] == "R":
            shown.append(f"ragged(values{list(part[1])}:{np.dtype(part[2]).name})")
        elif part[0] == "V":
            shown.append("variable")
        elif part[0] == "P":
            shown.append(repr(part[2]))
        else:
            shown.append(part[1])
    return "(" + ", ".join(shown) + ")"


# ---------------------------------------------------------------------------
# The tracer: turns what runs into steps


class _Released:
    """The value of a traced intermediate after a replay: using it is a mistake."""

    def __array__(self, *args, **kwargs):
        self.__getattr__("value")

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        raise RuntimeError("this tensor was created inside a wb.function and is not valid outside "
                           "it; return it from the function to use its value")


_RELEASED = _Released()


def _tensor_leaves(value):
    """The tensors in a nested result (a RaggedTensor contributes its flat values)."""
    out = []
    for leaf in nest.flatten(value):
        if isinstance(leaf, Tensor):
            out.append(leaf)
        elif hasattr(leaf, "_watch_components"):
            out.extend(leaf._watch_components())
    return out


class _Tracer:
    """Watches one eager run and records it as steps (closures over the traced tensors,
    whose ``_data`` a replay rebinds)."""

    def __init__(self, inputs):
        self.steps: list = []
        self.names: list = []        # what each step is, for ``Program.ops``
        self.meta: list = []         # per step: (reads, writes, pure, what it computes) for fusion
        self.slots: list = []        # values of planned reverse walks (released after a replay)
        self.dynamic: set = set()    # ids of tensors whose value changes between calls
        self.arrays: dict = {}       # id(array) -> the dynamic tensor (or variable) holding it
        self.keep: list = []         # keeps traced objects alive (ids stay unique)
        self.produced: list = []     # tensors a replay writes (released after it)
        self.pinned: set = set()     # ids of tensors handed to stateful calls (never released)
        self.why = None              # why the trace cannot be replayed, if it cannot
        self.created_variables = False
        self.internal: dict = {}     # tensors library code wrapped around arrays during the trace
        self.captures: dict = {}     # id(tape) -> {tid: variable} whose buffers its records hold
        self.held: list = []         # variables held by persistent tapes until a replay ends
        self.captured: list = []     # every variable a tape's records hold
        # (step, id(variable)) -> the buffer an op step read; while tracing, the tracer holds
        # every variable ops read (copy on write, as a tape does), so later updates in the
        # trace replace the buffer and these keep the values the ops saw
        self.var_values: dict = {}
        self.reads: dict = {}
        for t in inputs:
            self._mark(t)

    # -- bookkeeping ---------------------------------------------------------------
    def _mark(self, t):
        self.dynamic.add(id(t))
        self.arrays[id(t._data)] = t
        self.keep.append(t)

    def _produced(self, t):
        self._mark(t)
        self.produced.append(t)

    def on_wrap(self, t):
        self.internal[id(t)] = t

    def _resolve(self, t, what="an op") -> bool:
        """Whether ``t`` changes between calls; a new wrapper of a dynamic array (a tape's
        snapshot, custom_gradient's outputs) gets a step that binds it."""
        if id(t) in self.dynamic:
            return True
        if isinstance(t, Variable):
            self.dynamic.add(id(t))
            self.keep.append(t)
            self.arrays[id(t._data)] = t
            return True
        src = self.arrays.get(id(t._data))
        if src is not None:
            self._alias(t, src)
            return True
        if id(t) in self.internal:
            # library code computed this array outside any op: it may depend on the inputs
            self._unreplayable(f"a value computed outside the op graph reaches {what} "
                               f"(at {core.user_frame()})")
        return False  # a constant: computed at trace time, used as it is

    def _alias(self, t, src):
        def bind(t=t, src=src):
            t._data = src._data
        self._add(bind, "bind", (src,), (t,), pure=True)
        self._produced(t)

    def _add(self, step, name, ins=None, outs=(), pure=False, ew=None):
        """Append a step. ``ins``/``outs``: the objects whose ``_data`` it reads and writes
        (``ins`` None: unknown, and the step is not pure); ``pure``: it does nothing else, so
        it may move among other pure steps; ``ew``: what it computes, for ``workbench.fusion``."""
        self.steps.append(step)
        self.names.append(name)
        self.meta.append((None if ins is None else tuple(ins), tuple(outs),
                          pure and ins is not None, ew))

    def let_go(self):
        """End the trace's hold on the variables its ops read."""
        for var in self.reads.values():
            var._captures -= 1
        self.reads = {}

    def _suspended(self, fn, *args, **kwargs):
        core._state.tracer = None
        try:
            return fn(*args, **kwargs)
        finally:
            core._state.tracer = self

    def _unreplayable(self, why):
        if self.why is None:
            self.why = why

    # -- what the core reports ---------------------------------------------------------
    def on_op(self, op, args, params, res):
        dyn = False
        for a in args:
            if self._resolve(a, f"op '{op.name}'"):
                dyn = True
        outs = res if type(res) is tuple else (res,)
        if op.fwd is None:  # custom_gradient: its outputs are new wrappers of computed arrays
            for o in outs:
                self._resolve(o)
            return
        if not dyn:
            return  # constant folding: inputs never change, so neither does the result
        for value in params.values():
            if (isinstance(value, Tensor) or backend.is_array(value)) and (
                    id(value) in self.dynamic or id(getattr(value, "_data", value)) in self.arrays):
                self._unreplayable(f"op '{op.name}' takes a computed value as a parameter "
                                   f"(at {core.user_frame()})")
        self._snapshots(res)
        for a in args:
            if isinstance(a, Variable):
                if id(a) not in self.reads:
                    self.reads[id(a)] = a
                    a._captures += 1
                self.var_values[(len(self.steps), id(a))] = a._data
        self._add(_op_step(op, args, params, res), op.name, args, outs, pure=True,
                  ew=("op", op, args, params, res))
        for o in outs:
            self._produced(o)

    def _snapshots(self, res):
        """A tape's record of an op on a variable holds a snapshot of its buffer: bind it to
        the variable's buffer at the same point of a replay, and hold the buffer as the tape
        does (copy on write) until the tape's reverse walk."""
        for tape in core.tapes():
            if not (tape._recording and tape._records):
                continue
            rec = tape._records[-1]
            if rec is None or rec[3] is not res:
                continue
            for a in rec[1]:
                if id(a) in self.dynamic or isinstance(a, Variable) or not a._tid:
                    continue
                var = self.arrays.get(id(a._data))
                if isinstance(var, Variable):
                    self._capture(a, var, tape)

    def _capture(self, snap, var, tape):
        held = self.captures.setdefault(id(tape), {})
        if var._tid not in held:
            held[var._tid] = var
            self.captured.append(var)

            def hold(var=var):
                var._captures += 1
            self._add(hold, "capture", (), (), pure=True)

        def bind(t=snap, var=var):
            t._data = var._data
        self._add(bind, "bind", (var,), (snap,), pure=True)
        self._produced(snap)

    def on_read(self, t):
        if id(t) in self.dynamic or isinstance(t, Variable) or id(t._data) in self.arrays:
            self._unreplayable(f"the function reads a computed tensor's value in Python at "
                               f"{core.user_frame()} (e.g. float(x), bool(x), x.numpy() or `if x:`), "
                               "so what it does depends on the data; use wb.where/wb.cond on tensors, "
                               "or read values outside the function")

    def on_variable(self, var):
        # variables are created on the first call (a layer's lazy build): that call runs
        # eagerly, and the next one traces the function with the variables in place
        self.created_variables = True

    def draw(self, source, fn, inputs):
        """A random draw: ``fn(source(), *arrays)``, run again (on a fresh stream) by every replay.
        A stateless source's seed is read when the draw runs, so it may be computed."""
        for t in inputs:
            self._resolve(t, "a random draw")
        seed = getattr(source, "seed", None)
        seed = getattr(seed, "tensor", seed)
        if isinstance(seed, Tensor):
            self._resolve(seed, "a random draw's seed")
        out = core.wrap_constant(self._suspended(lambda: fn(source(), *[t._data for t in inputs])))

        def draw(out=out, source=source, fn=fn, inputs=tuple(inputs)):
            out._data = fn(source(), *[t._data for t in inputs])
        self._add(draw, "random", list(inputs) + ([seed] if isinstance(seed, Tensor) else []), (out,))
        self._produced(out)
        return out

    def effect(self, fn, args, kwargs):
        # iterators (zip(grads, vars)) would be spent by the first run: keep their items
        args = tuple(list(a) if isinstance(a, collections.abc.Iterator) else a for a in args)
        kwargs = {k: list(v) if isinstance(v, collections.abc.Iterator) else v for k, v in kwargs.items()}
        for t in _tensor_leaves((args, kwargs)):
            self._resolve(t, getattr(fn, "__qualname__", "a stateful call"))
            self.pinned.add(id(t))
        result = self._suspended(fn, *args, **kwargs)
        outs = [t for t in _tensor_leaves(result) if not isinstance(t, Variable)]

        def call(fn=fn, args=args, kwargs=kwargs, outs=outs):
            new = fn(*args, **kwargs)
            if outs:
                for o, n in zip(outs, [t for t in _tensor_leaves(new) if not isinstance(t, Variable)]):
                    o._data = n._data
        self._add(call, getattr(fn, "__qualname__", "call"), _tensor_leaves((args, kwargs)), outs)
        for o in outs:
            self._produced(o)
        return result

    def backward(self, tape, method, args, kwargs):
        """A first-order ``gradient``/``jacobian``: run it, and record a step that runs it
        again over a copy of the tape's records (which hold the traced tensors)."""
        records = list(tape._records)
        ids = set(tape._ids)
        persistent = tape._persistent
        captured = self.captures.get(id(tape), {})
        for rec in records:
            if rec is not None:
                for t in rec[1]:
                    self._resolve(t)
        for t in _tensor_leaves((args, kwargs)):
            self._resolve(t)
        from gradients.tape import GradientTape

        result = self._suspended(method, tape, *args, **kwargs)
        outs = _tensor_leaves(result)
        release = [] if persistent else list(captured.values())
        if not persistent:
            self.captures.pop(id(tape), None)
        if method.__name__ == "_gradient":
            compiled = self._suspended(_try_compile_gradient, records, ids, args, kwargs, result)
            if compiled is not None:
                steps, slots, ends, state = compiled
                for fn, name, ins, outs_, ew in steps:
                    self._add(fn, name, ins, outs_, pure=True, ew=ew)
                self.slots.extend(slots)
                pairs = tuple((s, o) for (s, _), o in zip(ends, outs))

                def end(pairs=pairs, release=tuple(release), state=state):
                    for x in state:
                        x.clear()
                    for var in release:
                        var._captures -= 1
                    for s, o in pairs:
                        o._data = s._data
                self._add(end, "gradient/end", [s for s, _ in pairs], outs, pure=True)
                for o in outs:
                    self._produced(o)
                return result

        def walk(records=records, ids=ids, method=method, args=args, kwargs=kwargs, outs=outs,
                 release=release):
            replay = GradientTape(persistent=False, watch_accessed_variables=False)
            replay._ids = ids
            replay._records = list(records)
            try:
                new = method(replay, *args, **kwargs)
            finally:
                for var in release:
                    var._captures -= 1
            for o, n in zip(outs, _tensor_leaves(new)):
                o._data = n._data
        self._add(walk, method.__name__.lstrip("_"), None, outs)
        for o in outs:
            self._produced(o)
        return result


def _op_step(op, args, params, res):
    """The forward of one op on the traced tensors' current arrays."""
    fwd = op.fwd
    data = [a._data for a in args]
    xp = np if backend._cupy is None else backend.xp_for(*data)
    if op.nout != 1:
        def step():
            for r, o in zip(res, fwd(xp, *[a._data for a in args], **params)):
                r._data = o
        return step
    if not params:
        if len(args) == 1:
            (a,) = args

            def step():
                res._data = fwd(xp, a._data)
            return step
        if len(args) == 2:
            a, b = args

            def step():
                res._data = fwd(xp, a._data, b._data)
            return step

    def step():
        res._data = fwd(xp, *[a._data for a in args], **params)
    return step


# ---------------------------------------------------------------------------
# The program


class Program:
    """One trace of a ``wb.function``: its steps, inputs and outputs."""

    def __init__(self, name, key, tracer, inputs, result):
        self.name = name
        self.key = key
        self.why = tracer.why
        self.eager = tracer.why is not None
        self._steps = tracer.steps
        self.ops = tuple(tracer.names)
        self.fusion = None  # what workbench.fusion did to the steps (a Plan), if anything
        self._inputs = inputs  # per flattened argument: the input tensor it binds, or None
        self._result = result
        self._lock = threading.Lock()
        outputs = {id(t) for t in _tensor_leaves(result)}
        self._dynamic = tracer.dynamic
        self._release = [t for t in tracer.produced + [t for t in inputs if t is not None]
                         if id(t) not in outputs and id(t) not in tracer.pinned] + tracer.slots
        # variables still held when the function returns (persistent tapes): let go after a run
        self._held = [v for held in tracer.captures.values() for v in held.values()]
        self._captured = tracer.captured  # every variable a tape holds during a run
        self._tracer = tracer if not self.eager else None
        self.graph = None     # the CUDA graph replays launch (workbench.cudagraph), once captured
        self.graph_why = None  # why there is none, when capture was tried or ruled out
        if not self.eager:
            self._plan(tracer)
            from . import cudagraph

            self.graph_why = cudagraph.why_not(tracer.meta, tracer.names, self._held)
            self._variables = list({id(h): h for m in tracer.meta for h in (m[0] or ())
                                    if isinstance(h, Variable)}.values())

    def _plan(self, tracer):
        """Fuse elementwise steps (``workbench.fusion``), and let go of each large
        intermediate after the last step that reads it."""
        from . import fusion

        internal = {id(t) for t in self._release}
        meta = tracer.meta
        reads = [m[0] for m in meta]
        if fusion.enabled():
            plan = fusion.plan(self._steps, tracer.names, meta, lambda h: id(h) not in internal,
                               tracer.var_values)
            if plan is not None:
                self.fusion = plan
                if plan.kernels:
                    self._steps, self.ops = plan.steps, tuple(plan.names)
                    kernels = {k.run: k for k in plan.kernels}
                    reads = [kernels[s].reads() if s in kernels else meta[o[0]][0]
                             for s, o in zip(plan.steps, plan.order)]
        tracer.var_values = {}
        if any(r is None for r in reads):
            return  # a step reads values it does not name: keep everything to the end
        last = {}
        for pos, rs in enumerate(reads):
            for h in rs:
                last[id(h)] = pos
        drops = [[] for _ in self._steps]
        for t in self._release:
            pos = last.get(id(t))
            d = getattr(t, "_data", None)
            if pos is not None and getattr(d, "nbytes", 0) >= _EARLY_RELEASE_BYTES:
                drops[pos].append(t)
        self._steps = [_then_release(step, tuple(d)) if d else step
                       for step, d in zip(self._steps, drops)]

    def __repr__(self):
        return f"<wb.function program '{self.name}' {_describe(self.key)}: {len(self._steps)} steps>"

    def __call__(self, *args, **kwargs):
        flat = nest.flatten((args, kwargs))
        if _signature(args, kwargs, flat) != self.key:
            raise ValueError(f"{self!r}: called with the signature {_describe(_signature(args, kwargs, flat))}")
        return self.run(flat)

    def run(self, flat):
        with self._lock:
            arrays = self._graph_inputs(flat)
            if arrays is None:
                return self._run_steps(flat)
            if self.graph is not None and not self.graph.moved():
                self.graph.launch(arrays)
                try:
                    return self.outputs()
                finally:
                    self.release()
            # capture, launch once, and keep the graph if it gives what the steps give
            results = [t for t in _tensor_leaves(self._result)
                       if id(t) in self._dynamic and not isinstance(t, Variable)]
            graph, got = self._capture(arrays, results)
            want = []
            out = self._run_steps(flat, results, want)
            if graph is not None:
                if len(got) == len(want) and all(
                        a.shape == b.shape and a.dtype == b.dtype
                        and bool(backend.xp_of(a).array_equal(a, b, equal_nan=True))
                        for a, b in zip(got, want)):
                    self.graph = graph
                else:
                    self.graph_why = "the captured graph's results differ from the steps'"
            return out

    def _graph_inputs(self, flat):
        """The input arrays, when this call is one for a CUDA graph; else None."""
        if self.graph_why is not None or self.eager:
            return None
        from . import cudagraph

        arrays = [_array_of(leaf) for leaf, t in zip(flat, self._inputs) if t is not None]
        return arrays if cudagraph.enabled() and cudagraph.on_gpu(arrays) else None

    def _capture(self, arrays, results):
        from . import cudagraph

        self.graph = None
        graph = cudagraph.Graph(self._steps, [t for t in self._inputs if t is not None], results,
                                self._variables)
        try:
            graph.capture(arrays)
            graph.launch(arrays)
            return graph, [t._data for t in results]
        except Exception as exc:  # noqa: BLE001 - a program that cannot be captured runs step by step
            self.graph_why = f"capture failed: {type(exc).__name__}: {exc}"
            return None, []
        finally:
            self.release()

    def _run_steps(self, flat, results=(), values=None):
        """Run the steps on the arguments; ``values`` (a list) receives the arrays of
        ``results`` before the intermediates are let go."""
        for leaf, t in zip(flat, self._inputs):
            if t is not None:
                t._data = _array_of(leaf)
        counts = [v._captures for v in self._captured]
        done = False
        try:
            for step in self._steps:
                step()
            out = self.outputs()
            if values is not None:
                values.extend(t._data for t in results)
            done = True
            return out
        finally:
            if done:
                for var in self._held:
                    var._captures -= 1
            else:  # a step failed: the tapes' holds on variables end here
                for var, n in zip(self._captured, counts):
                    var._captures = n
            self.release()

    def outputs(self):
        """The result with new tensors for the values the program computes."""
        dynamic = self._dynamic

        def fresh(leaf):
            if isinstance(leaf, Tensor) and not isinstance(leaf, Variable) and id(leaf) in dynamic:
                return core.wrap(leaf._data)
            if hasattr(leaf, "flat_values") and hasattr(leaf, "with_flat_values"):
                values = leaf.flat_values
                if id(values) in dynamic:
                    return leaf.with_flat_values(core.wrap(values._data))
            return leaf
        return nest.map_structure(fresh, self._result)

    def release(self):
        """Drop the intermediates (memory is not held between calls)."""
        for t in self._release:
            t._data = _RELEASED


_EARLY_RELEASE_BYTES = 1 << 16  # smaller intermediates wait for the end of the run


def _then_release(step, holders):
    def run():
        step()
        for h in holders:
            h._data = _RELEASED
    return run


def _array_of(leaf):
    if isinstance(leaf, Tensor):
        return leaf._data
    if hasattr(leaf, "flat_values"):
        return leaf.flat_values._data
    return core.to_array(leaf)


# ---------------------------------------------------------------------------
# A compiled reverse walk: the tape's first-order walk, planned once


class _Slot:
    """A value of a planned reverse walk (a cotangent, or one rule's result), held from the
    step that computes it to the last step that reads it."""

    __slots__ = ("_data",)

    def __init__(self):
        self._data = None


def _try_compile_gradient(records, ids, args, kwargs, result):
    try:
        return _compile_gradient(records, ids, args, kwargs, result)
    except Exception:  # noqa: BLE001 - any surprise: keep the tape's own walk
        return None


def _compile_gradient(records, ids, args, kwargs, result):
    """``tape.gradient`` as fixed steps over the traced records: the tape's reverse walk run
    once with :class:`_PlannedRules`, which runs the array rules on the trace's values and
    keeps each rule and each sum as one step (``(fn, name, ins, outs, ew)``, ``ew`` saying
    what it computes for ``workbench.fusion``); a replay runs them without the walk's
    bookkeeping. Returns None when the call is one the plan does not cover (composite
    sources, output gradients, zeros for unconnected sources), or when the planned walk does
    not reproduce the tape's result exactly. Otherwise ``(steps, slots, ends, state)``:
    ``slots`` hold this run's values until the program is built; ``ends`` pair the slots of
    the gradients with the tape's results; ``state`` is what the walk keeps between its
    steps (cleared by the last step)."""
    target, sources, output_gradients, mode = args
    if kwargs or output_gradients is not None or str(getattr(mode, "value", mode)).lower() != "none":
        return None
    targets = nest.flatten(target)
    flat_sources = nest.flatten(sources)
    if not all(type(t) in (Tensor, Variable) for t in targets + flat_sources):
        return None
    rules = _PlannedRules()
    grads = reverse_walk(records, ids, targets, targets, flat_sources, rules)
    ends = [grads.get(s._tid) if s._tid else None for s in flat_sources]
    expected = nest.flatten(result)
    if len(ends) != len(expected):
        return None
    for s, e in zip(ends, expected):
        g = None if s is None else s._data
        if (g is None) != (e is None):
            return None
        if g is not None and not (g.shape == e._data.shape and g.dtype == e._data.dtype
                                  and bool((g == e._data).all())):
            return None
    rules.owned.clear()
    rules.pins.clear()
    return (rules.steps, rules.slots, [(s, e) for s, e in zip(ends, expected) if e is not None],
            (rules.owned, rules.pins))


class _PlannedRules(ArrayRules):
    """The array rules of the reverse walk, run once on the trace's values while each seed,
    rule and sum is kept as a step over :class:`_Slot` holders (a new slot per partial sum).
    The steps share the walk's state: ``owned`` (arrays only the walk holds, summed in
    place) and ``pins`` (those arrays, kept alive until a rule takes them: a fused rule
    does not, and the id of a freed array could come back for a new one)."""

    def __init__(self):
        super().__init__()
        self.steps: list = []
        self.slots: list = []
        self.pins: dict = {}
        self.pending: list = []   # slots taken out of the walk's table since the last rule

    def _slot(self):
        s = _Slot()
        self.slots.append(s)
        return s

    def _emit(self, fn, name, ins, outs, ew=None):
        fn()
        self.steps.append((fn, name, None if ins is None else tuple(ins), tuple(outs), ew))

    def seed(self, pairs):
        grads, seeded = {}, []
        for t, _ in pairs:   # the plan covers seeds of ones only
            prev = grads.get(t._tid)
            grads[t._tid] = s = self._slot()
            seeded.append((s, prev, t.xp, t._data.shape, t._data.dtype))
        owned, pins = self.owned, self.pins

        def seed(seeded=tuple(seeded)):
            owned.clear()
            pins.clear()
            for s, prev, xp, shape, dtype in seeded:
                one = xp.ones(shape, dtype)
                s._data = one if prev is None else prev._data + one
        self._emit(seed, "gradient", [p for _, p, *_ in seeded if p is not None], [s for s, *_ in seeded])
        return grads

    def taken(self, slot):
        self.pending.append(slot)

    def rule(self, index, op, g, res, args, params, wanted):
        multi = type(res) is tuple
        gin = g if multi else (g,)
        got = {k: self._slot() for k in wanted}
        taken, self.pending = tuple(self.pending), []
        owned, pins, array_rule = self.owned, self.pins, super().rule

        def rule(gin=gin, res=res, args=args, params=params, got=tuple(got.items())):
            for s in taken:
                owned.discard(id(s._data))
                pins.pop(id(s._data), None)
            garr = tuple(None if s is None else s._data for s in gin) if multi else gin[0]._data
            in_grads = array_rule(index, op, garr, res, args, params, wanted)
            for k, s in got:
                s._data = in_grads[k]
        # a custom gradient's function may read any tensor of the forward pass
        self._emit(rule, f"gradient/{op.name}", None if op.fwd is None else
                   [s for s in gin if s is not None] + list(args) + (list(res) if multi else [res]),
                   got.values(), ("vjp", op, gin, res, args, params, got))
        return [None if s is None or s._data is None else s for s in (got.get(k) for k in range(len(args)))]

    def add(self, grads, tid, prev, ga, g, op, shape, lead):
        grads[tid] = total = self._slot()
        g = None if type(g) is tuple else g
        owned, pins, array_add = self.owned, self.pins, super().add

        def acc(prev=prev, ga=ga, total=total, g=g):
            box = {0: None if prev is None else prev._data}
            x = ga._data
            if x is not None:
                array_add(box, 0, box[0], x, None if g is None else g._data, op, shape, 0)
                if id(box[0]) in owned:
                    pins[id(box[0])] = box[0]
            total._data = box[0]
        self._emit(acc, "gradient/sum", [s for s in (prev, ga, g) if s is not None], [total],
                   ("sum", prev, ga, total, shape))

    def result(self, grads):
        return grads
