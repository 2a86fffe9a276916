"""``wb.autograph``: TF's AutoGraph, which rewrites a function's Python control flow so that
``if``/``while``/``for`` on tensors become ``wb.cond``/``wb.while_loop``.

``wb.function`` (``autograph=True``, the default) runs the converted source of its function
(and of the user functions it calls). The conversion is an ``ast`` rewrite of the source:

- ``if``, ``while``, ``for`` bodies become local functions of the variables they assign; a
  runtime helper chooses when it runs: a tensor condition (or a tensor to iterate over,
  ``wb.range(n)`` included) gives ``wb.cond``/``wb.while_loop``, anything else plain Python;
- ``break``, ``continue`` and a ``return`` inside an ``if`` become flags and branches;
- ``and``/``or``/``not`` and ``a if t else b`` on tensors become lazy ``wb.cond`` (or
  ``wb.logical_not``); ``for i in range(n)``/``wb.range(n)`` with a tensor ``n`` counts
  without making the range; ``set_loop_options`` at the top of a loop body gives its
  ``shape_invariants`` and ``maximum_iterations``; ``for x in dataset`` (a ``wb.data.Dataset``)
  is TF's dataset reduce: one step that iterates the dataset each call, its body traced once
  (a ``break`` ends it; a ``return`` inside it is TF's NotImplementedError; its state may
  change shape). Python's ``print`` stays Python's (it
  prints while tracing, symbolic tensors and all, as in TF); ``wb.print`` prints on every run.

A loop variable is a variable the body assigns; one undefined before the loop is local to
the body, or, where it is read after the loop, carried from the first iteration (TF's "loop
must iterate at least once to initialize x" when there is none). A variable of a tensor
``if`` read after it must be set in both branches (TF's "'y' must also be initialized in the
else branch"), with one dtype (TF's "'y' has dtype float32 in the main branch, but dtype
int32 in the else branch"); a loop variable keeps its dtype and shape. A loop whose body
changes a non-tensor object (a list, a ``TensorArray``) runs in Python, and its function
eagerly (an ``UnreplayableWarning`` says why); a loop with a ``return`` inside, and an
``if`` that returns inside such a loop, stay Python. Conversion keeps the user's line
numbers, so errors point at the original lines. The user functions a converted function
calls are converted too, lambdas (found in their source by their line and parameters, TF's
error where two on a line match) and nested functions included. Not converted: generators,
decorated wrappers, and the project's and installed libraries' own code.

>>> def f(x):
...     if x > 0:
...         x = x * 2
...     return x
>>> g = wb.autograph.to_graph(f)
>>> float(g(wb.constant(3.0))), float(g(wb.constant(-1.0)))
(6.0, -1.0)
"""

from __future__ import annotations

import ast
import builtins
import copy
import enum
import inspect
import os
import sysconfig
import textwrap
import types

import numpy as np

from .. import backend, core, errors, nest
from ..core import Tensor, Variable
from ..ops import control_flow, elementwise
from ..ops.create import range as wb_range, shape as shape_of
from ..ops.indexing import gather
from . import staged
from .api import _python_prints_silenced

__all__ = ["to_code", "to_graph", "do_not_convert", "set_verbosity", "get_verbosity", "trace",
           "experimental"]

_VERBOSITY = [0]


# =============================================================================================
# the runtime the converted code calls (``ag__``)


class Undefined:
    """The value of a variable not assigned yet where converted control flow passes it on."""

    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"<undefined '{self.name}'>"

    def _raise(self, *args, **kwargs):
        raise UnboundLocalError(f"local variable '{self.name}' referenced before assignment")

    __getattr__ = __bool__ = __call__ = __iter__ = __len__ = __index__ = __float__ = __int__ = _raise
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __getitem__ = _raise


def ld(scope, names):
    """The current values of ``names`` in ``scope`` (a ``locals()``), Undefined where unset."""
    return tuple(scope[n] if n in scope else Undefined(n) for n in names)


def _is_tensor(v):
    return isinstance(v, Tensor)


_TENSOR_LIKE = (Tensor, bool, int, float, complex, str, bytes, np.ndarray, np.generic)


def _tensor_like(v):
    """Whether ``v`` (maybe nested) converts to tensors (or is a composite tensor: ragged,
    sparse) as a loop or branch value."""
    kinds = _TENSOR_LIKE + (core.CompositeTensor,)
    if isinstance(v, Variable):
        return False
    if isinstance(v, (list, tuple, dict)):
        leaves = nest.flatten(v)
        return bool(leaves) and all(isinstance(x, kinds) and not isinstance(x, Variable) for x in leaves)
    return isinstance(v, kinds)


def _as_tensors(v, where):
    return nest.map_structure(
        lambda x: x if isinstance(x, core.CompositeTensor) else control_flow._to_tensor(x, where), v)


def _dtype_name(t):
    return getattr(t.dtype, "name", str(t.dtype))


class _LoopChangedObject(Exception):
    """A tensor loop's body changed a variable that holds a non-tensor object."""

    def __init__(self, name, value, state, ran):
        super().__init__(name)
        self.name, self.value, self.state, self.ran = name, value, state, ran


# -- if -------------------------------------------------------------------------------------

def if_stmt(test, body, orelse, init, names):
    """``if test:`` with ``body(*init)``/``orelse(*init)`` returning the values of ``names``
    (or, with ``names`` None, the function's return value)."""
    if not _is_tensor(test):
        return body(*init) if test else orelse(*init)
    raw = {}

    def branch(key, fn):
        def run():
            out = fn(*init)
            raw[key] = out
            if names is None:
                if out is None:
                    return None
                return _as_tensors(out, f"the {key} branch's return value")
            if key == "else" and "main" in raw:
                _check_branches(raw["main"], out, names)
            return tuple(_as_tensors(v, f"'{n}' in the {key} branch") if _tensor_like(v) else None
                         for v, n in zip(out, names))
        return run
    result = control_flow.cond(test, branch("main", body), branch("else", orelse))
    if names is None:
        return result
    taken = [raw[k] for k in ("main", "else") if k in raw]
    return tuple(r if r is not None else taken[0][i] for i, r in enumerate(result))


def retval(value):
    """``value`` (a returned name or tuple), which must not be an unassigned variable."""
    for v in (value if type(value) is tuple else (value,)):
        if isinstance(v, Undefined):
            v._raise()
    return value


def if_exp(test, body, orelse):
    """``body() if test else orelse()``: ``wb.cond`` for a tensor ``test``."""
    if not _is_tensor(test):
        return body() if test else orelse()
    return control_flow.cond(test, lambda: _as_tensors(body(), "the `if` expression's value"),
                             lambda: _as_tensors(orelse(), "the `else` expression's value"))


def _check_branches(main, other, names):
    for n, a, b in zip(names, main, other):
        if isinstance(a, Undefined) and isinstance(b, Undefined):
            continue
        if isinstance(a, Undefined) or isinstance(b, Undefined):
            raise ValueError(f"'{n}' must also be initialized in the "
                             f"{'main' if isinstance(a, Undefined) else 'else'} branch")
        if a is None or b is None:
            if a is b:
                continue
            raise ValueError(f"'{n}' is None at the end of the {'main' if a is None else 'else'} branch.")
        if _tensor_like(a) and _tensor_like(b):
            ta, tb = nest.flatten(_as_tensors(a, n)), nest.flatten(_as_tensors(b, n))
            if len(ta) != len(tb):
                raise ValueError(f"'{n}' must have the same nested structure in the main and else "
                                 "branches")
            for x, y in zip(ta, tb):
                if x.dtype != y.dtype:
                    raise TypeError(f"'{n}' has dtype {_dtype_name(x)} in the main branch, but dtype "
                                    f"{_dtype_name(y)} in the else branch")
        elif a is not b:
            raise ValueError(f"'{n}' must be a tensor (or a Python number) in both branches of an "
                             f"`if` on a tensor, or the same object; got {type(a).__name__} in the main "
                             f"branch and {type(b).__name__} in the else branch")


# -- while, for -----------------------------------------------------------------------------

def _mutable(v):
    """A container the body may change in place (a list, a dict, a set, a TensorArray), which
    a staged loop would change once, while it is traced."""
    if isinstance(v, (list, dict, set, bytearray)):
        return True
    return type(v).__name__ == "TensorArray" and hasattr(v, "write") and hasattr(v, "stack")


def _carry_plan(init, names, live):
    """Which state slots a tensor loop carries: (indices carried, their initial tensors);
    ``_LoopChangedObject`` for a slot only a Python loop can carry."""
    carried, values, pending = [], [], []
    for i, (v, n) in enumerate(zip(init, names)):
        if _mutable(v) and not _tensor_like(v):
            raise _LoopChangedObject(n, v, init, False)
        if v is None and n in live:
            raise ValueError(f"'{n}' is not allowed to be None before the loop")
        if isinstance(v, Undefined) and n in live:
            pending.append(i)   # defined by the body, read after the loop (see _placeholders)
            continue
        if isinstance(v, Undefined) or v is None:
            continue
        if _tensor_like(v):
            carried.append(i)
            values.append(_as_tensors(v, f"'{n}' before the loop"))
    return carried, values, pending


def _tracing():
    tracer = core._state.tracer
    return tracer is not None and hasattr(tracer, "_unreplayable")


def _placeholders(run_body, pending, names):
    """Zeros of the dtype and shape one iteration gives each variable in ``pending`` (defined
    in the body, read after the loop), found by tracing the body once more without effects:
    TF's loop carries them from the first iteration on."""
    tracer = core._state.tracer
    with staged._Recording(tracer, dry=True), _python_prints_silenced():
        out = run_body()
    zeros = {}
    for i in pending:
        v = out[i]
        if isinstance(v, Undefined) or not _tensor_like(v):
            raise ValueError(f"'{names[i]}' must be defined before the loop")
        zeros[i] = nest.map_structure(
            lambda t: core.wrap_constant(backend.xp_of(t._data).zeros(t._data.shape, t._data.dtype)),
            _as_tensors(v, f"'{names[i]}'"))
    return zeros


def _require_iterations(count, names):
    if int(count._data) == 0:
        raise errors.InvalidArgumentError(
            f"assertion failed: [loop must iterate at least once to initialize {', '.join(names)}]")


_require_iterations_step = core.effect(_require_iterations)


def _with_pending(cond, step, carried, entry, pending, zeros):
    """The loop's functions and initial values with the pending variables carried too, and
    an iteration count last (for TF's check that the loop ran)."""
    carried, entry = carried + pending, entry + [zeros[i] for i in pending]

    def c(*values):
        return cond(*values[:-1])

    def b(*values):
        return list(step(*values[:-1])) + [values[-1] + 1]
    return c, b, carried, entry + [control_flow._to_tensor(0, "count")]


def _compatible(shape, invariant):
    return len(shape) == len(invariant) and all(d is None or d == s for s, d in zip(shape, invariant))


def _conform(out, init, names, carried, entry, ran, invariants=None, shapes=True):
    """The carried values after one iteration, checked as TF checks them (``invariants``:
    id(initial tensor) -> the shape set_loop_options gave it; ``shapes`` False: a loop over a
    dataset, whose state may change its shape, as TF's reduce relaxes it)."""
    for i, (v, n) in enumerate(zip(out, names)):
        if i in carried or isinstance(init[i], Undefined) or init[i] is None:
            continue
        if v is not init[i]:
            raise _LoopChangedObject(n, init[i], out, ran)
    new = []
    for i, e in zip(carried, entry):
        n, v = names[i], out[i]
        if isinstance(v, Undefined) or v is None:
            raise ValueError(f"'{n}' is {'None' if v is None else 'undefined'} after one iteration "
                             "of the loop")
        if not _tensor_like(v):
            raise TypeError(f"'{n}' is a tensor before the loop, but a {type(v).__name__} after one "
                            "iteration")
        v = _as_tensors(v, f"'{n}' after one iteration")
        fe, fv = nest.flatten(e), nest.flatten(v)
        if len(fe) != len(fv):   # a list that grows: only a Python loop can carry it
            raise _LoopChangedObject(n, out[i], out, ran)
        for a, b in zip(fe, fv):
            if a.dtype != b.dtype:
                raise TypeError(f"'{n}' has dtype {_dtype_name(a)} before the loop, but dtype "
                                f"{_dtype_name(b)} after one iteration")
            inv = invariants.get(id(a)) if invariants else None
            if inv is not None:
                if not _compatible(tuple(b.shape), inv):
                    raise ValueError(f"'{n}' has shape {tuple(b.shape)} after one iteration, which does "
                                     f"not conform with the shape invariant {_shape_text(inv)}.")
            elif shapes and tuple(a.shape) != tuple(b.shape):
                raise ValueError(f"'{n}' has shape {tuple(a.shape)} before the loop, but shape "
                                 f"{tuple(b.shape)} after one iteration. Use "
                                 "wb.autograph.experimental.set_loop_options to set shape invariants.")
        new.append(v)
    return new


def _shape_text(shape):
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def _loop_options(opts, init, loop_vars):
    """(maximum_iterations, shape_invariants for ``loop_vars``, id -> invariant) from the
    loop's ``set_loop_options`` call (``opts(*init)``), TF's loop hints."""
    given = opts(*init) if opts is not None else None
    if not given:
        return None, None, None
    pairs = given.get("shape_invariants") or []
    invariants = {}
    for pair in pairs:
        if not (isinstance(pair, (list, tuple)) and len(pair) == 2 and _is_tensor(pair[0])):
            raise ValueError("set_loop_options: shape_invariants must be a list of (tensor, shape) "
                             f"pairs, got {pair!r}")
        t, shape = pair
        dims = shape.as_list() if hasattr(shape, "as_list") else shape
        dims = tuple(None if d is None else int(d) for d in dims)
        if not _compatible(tuple(t.shape), dims):
            raise ValueError(f"'{_name_of(t, init)}' has shape {tuple(t.shape)} before the loop, which does "
                             f"not conform with the shape invariant {_shape_text(dims)}.")
        invariants[id(t)] = dims
    shapes = [nest.map_structure(lambda t: invariants.get(id(t), tuple(t.shape)), v) for v in loop_vars]
    limit = given.get("maximum_iterations")
    return limit, (shapes if invariants else None), invariants


def _name_of(t, init):
    return next((f"loop variable {i}" for i, v in enumerate(init) if v is t), "a loop variable")


def _fill(init, carried, values):
    state = list(init)
    for i, v in zip(carried, values):
        state[i] = v
    return state


def _python_loop_reason(stop):
    tracer = core._state.tracer
    if tracer is not None and hasattr(tracer, "_unreplayable"):
        tracer._unreplayable(f"a loop on a tensor changes '{stop.name}', a {type(stop.value).__name__} "
                             "(not a tensor), which wb.while_loop cannot carry: the loop runs in Python "
                             f"(at {core.user_frame()})")


def _tensor_loop(pred_of, run_body, head, init, names, live, restart, opts=None):
    """A loop on tensors as one ``wb.while_loop``: ``head`` the loop's own tensors (a ``for``'s
    index), ``pred_of(head, state)`` its condition, ``run_body(head, state)`` -> (the next
    head, the state after one iteration); ``restart(stop)`` runs it in Python instead (from
    where ``stop``, a _LoopChangedObject or None, left it)."""
    try:
        carried, entry, pending = _carry_plan(init, names, live)
    except _LoopChangedObject as stop:
        _python_loop_reason(stop)
        return restart(None)
    if pending:
        if not _tracing():   # eager: Python's loop defines them as it goes
            return restart(None)
        zeros = _placeholders(lambda: run_body(head, init)[1], pending, names)
        carried, entry = carried + pending, entry + [zeros[i] for i in pending]
    nh, nc = len(head), len(carried)
    seen = {}

    def cond(*values):
        pred = pred_of(values[:nh], _fill(init, carried, values[nh:nh + nc]))
        seen["pred"] = pred
        return pred

    def step(*values):
        pred = seen["pred"]
        ran = bool(control_flow._truth(pred, "the loop condition")) if _is_tensor(pred) else bool(pred)
        new_head, out = run_body(values[:nh], _fill(init, carried, values[nh:nh + nc]))
        new = _conform(out, init, names, carried, entry, ran, invariants)
        return list(new_head) + new + [values[-1] + 1]
    loop_vars = list(head) + entry + [control_flow._to_tensor(0, "the iteration count")]
    limit, shapes, invariants = _loop_options(opts, init, loop_vars)
    try:
        final = control_flow.while_loop(cond, step, loop_vars, shape_invariants=shapes,
                                         maximum_iterations=limit)
    except _LoopChangedObject as stop:
        _python_loop_reason(stop)
        return restart(stop)
    if pending:
        _require_iterations_step(final[-1], [names[i] for i in pending])
    return tuple(_fill(init, carried, final[nh:nh + nc]))


def while_stmt(test, body, init, names, live, opts=None):
    """``while test(*state): state = body(*state)``, over the variables ``names``."""
    first = test(*init)
    if not _is_tensor(first):
        return _python_while(first, test, body, init)

    def restart(stop):
        state = stop.state if stop is not None and stop.ran else init
        return _python_while(test(*state), test, body, state)
    return _tensor_loop(lambda head, state: test(*state), lambda head, state: ((), body(*state)),
                        [], init, names, live, restart, opts)


def _python_while(pred, test, body, state):
    while pred:
        state = body(*state)
        pred = test(*state)
    return state


class _TensorRange:
    """``range``/``wb.range`` with tensor bounds as the iterable of a ``for``: the loop counts
    without making the range (TF's converted ``for i in tf.range(n)``)."""

    def __init__(self, make, args, kwargs):
        self.make, self.args, self.kwargs = make, args, kwargs

    def bounds(self):
        args = list(self.args)
        start, limit = (0, args[0]) if len(args) == 1 else (args[0], args[1])
        delta = args[2] if len(args) > 2 else self.kwargs.get("delta", 1)
        if "limit" in self.kwargs:
            start, limit = args[0] if args else self.kwargs.get("start", 0), self.kwargs["limit"]
        dtype = self.kwargs.get("dtype")
        values = [control_flow._to_tensor(v, "range") for v in (start, limit, delta)]
        if dtype is None:   # TF's: the widest of the arguments' dtypes (int32 < int64 < floats)
            order = [np.dtype(d) for d in ("int32", "int64", "float16", "float32", "float64")]
            dtype = max((t.dtype for t in values), key=lambda d: order.index(np.dtype(d)) if np.dtype(d) in order else -1)
        cast = _ops().cast
        return [cast(t, dtype) for t in values]

    def materialize(self):
        return self.make(*self.args, **self.kwargs)


def range_iter(make, *args, **kwargs):
    """The iterable of ``for ... in range(...)``/``wb.range(...)``: a counting loop where a
    bound is a tensor, else the range itself."""
    if (make is builtins.range or make is wb_range) and any(
            _is_tensor(a) for a in list(args) + list(kwargs.values())):
        return _TensorRange(wb_range, args, kwargs)
    return make(*args, **kwargs)


def _more(more, extra_test, state):
    if extra_test is None:
        return more
    go = extra_test(*state)
    if _is_tensor(go):
        return _ops().logical_and(more, go)
    return more if go else control_flow._to_tensor(False, "the loop condition")


def for_stmt(iterable, extra_test, body, init, names, live, opts=None):
    """``for target in iterable: state = body(item, *state)`` (``extra_test(*state)``, when
    given, ends the loop when false: a ``break``)."""
    if isinstance(iterable, _TensorRange):
        return _range_for(iterable, extra_test, body, init, names, live, opts)
    if _DATASET_LOOPS and isinstance(iterable, _DATASET_LOOPS[0][0]):
        return _dataset_for(iterable, extra_test, body, init, names, live)
    if not _is_tensor(iterable):
        return _python_for(iter(iterable), extra_test, body, init)
    if iterable.ndim == 0:
        raise TypeError("Tensor objects are only iterable when eager execution is enabled, or when "
                        "they have at least one dimension: cannot iterate over a scalar tensor")
    n = shape_of(iterable)[0]

    def restart(stop):
        # the loop goes on in Python from where the staged one stopped
        ran = stop is not None and stop.ran
        return _python_for(iter(iterable[1:] if ran else iterable), extra_test, body,
                           stop.state if ran else init)
    return _tensor_loop(lambda head, state: _more(head[0] < n, extra_test, state),
                        lambda head, state: ((head[0] + 1,), body(gather(iterable, head[0]), *state)),
                        [control_flow._to_tensor(0, "the index")], init, names, live, restart, opts)


def _range_for(rng, extra_test, body, init, names, live, opts=None):
    """``for i in range(start, limit, delta)`` with tensor bounds, as a ``wb.while_loop``."""
    start, limit, delta = rng.bounds()
    ops = _ops()
    up = delta > 0

    def pred_of(head, state):
        i = head[0]
        more = ops.logical_or(ops.logical_and(up, i < limit), ops.logical_and(ops.logical_not(up), i > limit))
        return _more(more, extra_test, state)

    def restart(stop):
        items = iter(rng.materialize())
        ran = stop is not None and stop.ran
        if ran:
            next(items)
        return _python_for(items, extra_test, body, stop.state if ran else init)
    return _tensor_loop(pred_of, lambda head, state: ((head[0] + delta,), body(head[0], *state)),
                        [start], init, names, live, restart, opts)


# (the dataset class, the loop it runs: ``loop(step, more)(dataset, state)``), registered by
# ``wb.data`` (which this layer does not import)
_DATASET_LOOPS: list = []


def register_dataset_loop(cls, loop):
    """Stage ``for`` loops over ``cls`` objects (``wb.data.Dataset``) inside a ``wb.function``
    with ``loop(step, more)``, a callable ``(dataset, state) -> state`` that runs
    ``step(state, element)`` (the new state; with ``more``, also whether to go on) over the
    dataset's elements while ``more(state)`` holds (see ``wb.data.loops``)."""
    _DATASET_LOOPS[:] = [(cls, loop)]


def _dataset_for(ds, extra_test, body, init, names, live):
    """``for x in dataset`` inside a trace: one step that iterates the dataset each call gives
    (TF's dataset reduce), its body traced once; eager code loops in Python."""
    if not _tracing():
        return _python_for(iter(ds), extra_test, body, init)

    def python_loop(stop):
        _python_loop_reason(stop)
        return _python_for(iter(ds), extra_test, body, init)
    try:
        carried, entry, pending = _carry_plan(init, names, live)
    except _LoopChangedObject as stop:
        return python_loop(stop)
    if pending:
        raise ValueError(f"'{names[pending[0]]}' must be defined before the loop")
    flat = nest.flatten(entry)
    other = next((t for t in flat if not isinstance(t, Tensor)), None)
    if other is not None:   # a RaggedTensor: carried by Python
        core._state.tracer._unreplayable(f"a loop over a dataset carries a {type(other).__name__}, which "
                                         f"the staged loop cannot (at {core.user_frame()}): the loop runs "
                                         "in Python")
        return _python_for(iter(ds), extra_test, body, init)

    def state_of(values):
        return _fill(init, carried, nest.pack_sequence_as(entry, list(values)))

    def step(values, element):
        out = body(element, *state_of(values))
        new = nest.flatten(_conform(out, init, names, carried, entry, True, shapes=False))
        if extra_test is None:
            return new
        return new, control_flow._to_tensor(extra_test(*state_of(new)), "the loop condition")
    more = None if extra_test is None else (lambda values: extra_test(*state_of(values)))
    loop = _DATASET_LOOPS[0][1](step, more)
    try:
        final = staged.stage_dataset_loop(core._state.tracer, loop, ds, flat)
    except _LoopChangedObject as stop:
        return python_loop(stop)
    if final is NotImplemented:
        return python_loop(None)
    return tuple(state_of(final))


_RETURN_IN_LOOP = ("a return statement cannot be placed inside this TensorFlow loop; this may happen if "
                   "a return statement depends on a static Python condition such as a hyperparameter")


def for_iterable(iterable):
    """The iterable of a ``for`` loop that stays Python (one with a ``return`` inside): a
    dataset, a tensor or a range with tensor bounds there is TF's error inside a
    ``wb.function`` (TF would make it a loop of the graph, which cannot return)."""
    tensor_loop = isinstance(iterable, _TensorRange) or _is_tensor(iterable) or (
        _DATASET_LOOPS and isinstance(iterable, _DATASET_LOOPS[0][0]))
    if tensor_loop and _tracing():
        raise NotImplementedError(_RETURN_IN_LOOP)
    if isinstance(iterable, _TensorRange):   # run as Python (under a tape): the range itself
        return iterable.materialize()
    return iterable


def while_test(value):
    """The condition of a ``while`` loop that stays Python (one with a ``return`` inside): a
    tensor there is TF's error inside a ``wb.function``."""
    if _is_tensor(value) and _tracing():
        raise NotImplementedError(_RETURN_IN_LOOP)
    return value


def _python_for(it, extra_test, body, state):
    for item in it:
        if extra_test is not None and not extra_test(*state):
            break
        state = body(item, *state)
    return state


# -- operators ------------------------------------------------------------------------------

def and_(*fns):
    """``a and b and ...`` (each operand a thunk): lazy ``wb.cond`` from a tensor on."""
    return _short_circuit(fns, True)


def or_(*fns):
    """``a or b or ...`` (each operand a thunk): lazy ``wb.cond`` from a tensor on."""
    return _short_circuit(fns, False)


def _short_circuit(fns, is_and):
    """Python's ``and`` (``is_and``) or ``or`` over thunks: a Python value decides as Python
    does; from the first tensor on, the rest is a ``wb.cond`` on it."""
    value = fns[0]()
    for k in range(1, len(fns)):
        if _is_tensor(value):
            rest, first = fns[k:], value
            more = lambda: _bool_tensor(_short_circuit(rest, is_and))   # noqa: E731
            keep = lambda: first   # noqa: E731
            return control_flow.cond(first, more, keep) if is_and else control_flow.cond(first, keep, more)
        if bool(value) != is_and:
            return value
        value = fns[k]()
    return value


def not_(value):
    if _is_tensor(value):
        return _ops().logical_not(value)
    return not value


def _ops():
    return elementwise


def _bool_tensor(v):
    t = control_flow._to_tensor(v, "an operand of and/or")
    if t.dtype != np.bool_:
        raise TypeError(f"and/or on tensors needs bool operands, got dtype {_dtype_name(t)}")
    return t


# -- calls ----------------------------------------------------------------------------------

_SKIP_PACKAGES = frozenset({"workbench", "gradients", "probability", "ragged", "numpy", "scipy",
                            "builtins", "functools", "collections", "abc", "typing", "contextlib"})
# the project's own packages and the installed libraries: their code runs as it is
_LIBRARY_DIRS = tuple({sysconfig.get_paths()[k] for k in ("stdlib", "platstdlib", "purelib", "platlib")}
                      | {os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(__file__))), p) + os.sep
                         for p in ("workbench", "gradients", "probability", "ragged")})
_CACHE: dict = {}   # code object -> the converted code (None: not convertible)


def _convertible(fn):
    if type(fn) is not types.FunctionType or _PREFIX in fn.__code__.co_freevars:
        return False   # (a function of converted code, converted with it)
    if getattr(fn, "__wb_do_not_convert__", False) or hasattr(fn, "__wrapped__"):
        return False   # a decorator's wrapper (its source is not the code that runs)
    if (fn.__module__ or "").partition(".")[0] in _SKIP_PACKAGES:
        return False
    filename = fn.__code__.co_filename
    return not filename.startswith(_LIBRARY_DIRS)


def converted_call(fn):
    """``fn`` as converted code where it is a user function (``fn`` itself otherwise)."""
    if type(fn) is types.MethodType:
        inner = converted_call(fn.__func__)
        return fn if inner is fn.__func__ else types.MethodType(inner, fn.__self__)
    if not _convertible(fn):
        return fn
    out = convert(fn, strict=False)
    return fn if out is None else out


def len_(obj):
    """``len`` (a dataset's ``cardinality()`` inside a trace, as TF's converted ``len``)."""
    if _DATASET_LOOPS and isinstance(obj, _DATASET_LOOPS[0][0]) and _tracing():
        return obj.cardinality()
    return builtins.len(obj)


def next_(iterator, *default):
    """``next`` (a dataset iterator's ``get_next()`` inside a trace: TF's OutOfRangeError at
    the end, as TF's converted ``next``)."""
    if not default and _tracing() and hasattr(type(iterator), "get_next") and hasattr(type(iterator), "get_next_as_optional"):
        return iterator.get_next()
    return builtins.next(iterator, *default)


def range_(*args):
    """``range`` (``wb.range`` where an argument is a tensor, as TF's converted ``range``)."""
    if any(_is_tensor(a) for a in args):
        return wb_range(*args)
    return builtins.range(*args)


# =============================================================================================
# the conversion


_PREFIX = "ag__"


def _assigned(stmts):
    """Names the statements bind (not inside nested functions, classes or comprehensions,
    whose own names count; not an ``except ... as e`` name, which Python unbinds)."""
    out = []

    def visit(node):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            out.append(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.append(node.name)
            for d in getattr(node, "decorator_list", []):
                visit(d)
            return
        elif isinstance(node, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            return
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            out.extend((a.asname or a.name).partition(".")[0] for a in node.names)
        elif isinstance(node, ast.NamedExpr):
            out.append(node.target.id)
        for child in ast.iter_child_nodes(node):
            visit(child)
    for s in stmts:
        visit(s)
    return list(dict.fromkeys(n for n in out if not n.startswith(_PREFIX + "fn_")))


def _contains(stmts, kinds, into_loops=False):
    """Whether ``kinds`` occur in the statements (not in nested functions; in nested loops
    only with ``into_loops``)."""
    def visit(node):
        if isinstance(node, kinds):
            return True
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            return False
        if not into_loops and isinstance(node, (ast.While, ast.For, ast.AsyncFor)):
            return any(visit(n) for n in node.orelse)
        return any(visit(c) for c in ast.iter_child_nodes(node))
    return any(visit(s) for s in stmts)


def _name(id_, store=False):
    return ast.Name(id=id_, ctx=ast.Store() if store else ast.Load())


def _ag(attr):
    return ast.Attribute(value=_name("ag__"), attr=attr, ctx=ast.Load())


def _strs(names):
    return ast.Tuple(elts=[ast.Constant(n) for n in names], ctx=ast.Load())


def _located(nodes, like):
    """Generated ``nodes`` placed on ``like``'s first line (errors point at the user's line)."""
    for n in nodes:
        for sub in ast.walk(n):
            if "lineno" in sub._attributes and getattr(sub, "lineno", None) is None:
                sub.lineno = sub.end_lineno = like.lineno
                sub.col_offset = sub.end_col_offset = like.col_offset
    return nodes


class _Converter(ast.NodeTransformer):
    """Rewrites one function's body (and its nested functions')."""

    def __init__(self):
        self.count = 0
        self.scopes = []   # per function being converted: (global names, nonlocal names, loads)
        self.first_params = []   # per function being converted: its first parameter (super())

    def fresh(self, kind):
        self.count += 1
        return f"{_PREFIX}{kind}_{self.count}"

    # -- functions ------------------------------------------------------------------------
    def convert_function(self, node):
        declared_global, declared_nonlocal = set(), set()
        for sub in ast.walk(node):
            if isinstance(sub, ast.Global):
                declared_global.update(sub.names)
            elif isinstance(sub, ast.Nonlocal):
                declared_nonlocal.update(sub.names)
        node.body = _fold_returns(node.body, self)
        node.body = _lower_jumps(node.body, self)
        loads = [(sub.lineno, sub.col_offset, sub.id) for sub in ast.walk(node)
                 if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load) and hasattr(sub, "lineno")]
        self.scopes.append((declared_global, declared_nonlocal, loads, []))
        params = node.args.posonlyargs + node.args.args
        self.first_params.append(params[0].arg if params else None)
        try:
            node.body = self._block(node.body)
        finally:
            self.scopes.pop()
            self.first_params.pop()
        return node

    def visit_FunctionDef(self, node):
        node.decorator_list = [self.visit(d) for d in node.decorator_list]
        return self.convert_function(node)

    def visit_AsyncFunctionDef(self, node):
        return node   # left as it is

    def visit_ClassDef(self, node):
        return node

    def visit_Lambda(self, node):
        node.body = self.visit(node.body)
        return node

    def _block(self, stmts):
        out = []
        for s in stmts:
            r = self.visit(s)
            if r is None:
                continue
            out.extend(r if isinstance(r, list) else [r])
        return out or [ast.Pass()]

    # -- liveness --------------------------------------------------------------------------
    def _live_after(self, node):
        """Names read after ``node`` in the function, or in a loop around it where the read may
        see the value of an earlier pass (not after a statement that binds the name on every
        pass: TF's liveness keeps a name bound and used within each pass out of the loop state)."""
        _, _, loads, loops = self.scopes[-1]
        end = (node.end_lineno, node.end_col_offset)
        live = {n for line, col, n in loads if (line, col) > end}
        for lo, hi, stores in loops:
            live.update(n for line, col, n in loads
                        if lo <= (line, col) <= hi and not (n in stores and stores[n] <= (line, col)))
        return live

    def _declarations(self, names):
        glob, nonloc = self.scopes[-1][0], self.scopes[-1][1]
        out = []
        g = sorted(glob & names)
        n = sorted(nonloc & names)
        if g:
            out.append(ast.Global(names=g))
        if n:
            out.append(ast.Nonlocal(names=n))
        return out

    def _state_names(self, stmts):
        glob, nonloc = self.scopes[-1][0], self.scopes[-1][1]
        return [n for n in _assigned(stmts) if n not in glob and n not in nonloc]

    def _def(self, name, params, body, like, all_assigned):
        fn = ast.FunctionDef(name=name, args=ast.arguments(
            posonlyargs=[], args=[ast.arg(arg=p) for p in params], vararg=None, kwonlyargs=[],
            kw_defaults=[], kwarg=None, defaults=[]),
            body=self._declarations(set(all_assigned)) + body, decorator_list=[], returns=None,
            type_params=[])
        return _located([fn], like)[0]

    # -- if ---------------------------------------------------------------------------------
    def visit_If(self, node):
        returns = _ends_in_return(node.body) and _ends_in_return(node.orelse or [])
        if not returns and _contains([node], (ast.Return,), into_loops=True):
            self.generic_visit(node)   # a return inside a loop that stays Python: a Python `if`
            return node
        node.test = self.visit(node.test)
        body, orelse = self._block(node.body), self._block(node.orelse)
        state = self._state_names(node.body + node.orelse)
        live = self._live_after(node)
        outs = [n for n in state if n in live]
        t_name, f_name = self.fresh("fn_if_true"), self.fresh("fn_if_false")
        ret = [] if returns else [ast.Return(value=ast.Tuple(elts=[_name(n) for n in outs], ctx=ast.Load()))]
        declared = _assigned(node.body + node.orelse)   # globals and nonlocals too
        defs = [self._def(t_name, state, body + ret, node, declared),
                self._def(f_name, state, orelse + ret, node, declared)]
        call = ast.Call(func=_ag("if_stmt"), args=[
            node.test, _name(t_name), _name(f_name),
            ast.Call(func=_ag("ld"), args=[ast.Call(func=_name("locals"), args=[], keywords=[]),
                                           _strs(state)], keywords=[]),
            ast.Constant(None) if returns else _strs(outs)], keywords=[])
        if returns:
            stmt = ast.Return(value=call)
        elif outs:
            stmt = ast.Assign(targets=[ast.Tuple(elts=[_name(n, True) for n in outs], ctx=ast.Store())],
                              value=call)
        else:
            stmt = ast.Expr(value=call)
        return _located(defs + [stmt], node)

    # -- loops ------------------------------------------------------------------------------
    def _options(self, node, state):
        """The loop's leading ``set_loop_options(...)`` calls, taken out of its body, as a
        function of the state that returns the options (None when there are none)."""
        calls = []
        while node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Call):
            f = node.body[0].value.func
            name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", None)
            if name != "set_loop_options":
                break
            calls.append(node.body.pop(0).value)
        if not node.body:
            node.body = [ast.Pass()]
        if not calls:
            return None, []
        fn = self.fresh("fn_loop_options")
        return fn, [self._def(fn, state, [ast.Return(value=self.visit(calls[-1]))], node, [])]

    def _loop(self, node):
        if _contains(node.body, (ast.Return,), into_loops=True) or _contains(
                node.body, (ast.Break, ast.Continue)) or getattr(node, "type_comment", None):
            # a return inside a loop (or a jump the lowering left): the loop stays Python
            self.generic_visit(node)
            return None
        self.scopes[-1][3].append(((node.lineno, node.col_offset), (node.end_lineno, node.end_col_offset),
                                   _pass_stores(node)))
        try:
            body = self._block(node.body)
        finally:
            self.scopes[-1][3].pop()
        return body

    def visit_While(self, node):
        node.test = self.visit(node.test)
        options, option_defs = self._options(node, self._state_names(node.body))
        body = self._loop(node)
        if body is None:
            if _contains(node.body, (ast.Return,), into_loops=True):
                node.test = _located([ast.Call(func=_ag("while_test"), args=[node.test], keywords=[])],
                                     node.test)[0]
            return node
        state = self._state_names(node.body)
        live = sorted(self._live_after(node))
        test_name, body_name = self.fresh("fn_loop_test"), self.fresh("fn_loop_body")
        ret = ast.Return(value=ast.Tuple(elts=[_name(n) for n in state], ctx=ast.Load()))
        defs = [self._def(test_name, state, [ast.Return(value=node.test)], node, []),
                self._def(body_name, state, body + [ret], node, _assigned(node.body))]
        call = ast.Call(func=_ag("while_stmt"), args=[
            _name(test_name), _name(body_name),
            ast.Call(func=_ag("ld"), args=[ast.Call(func=_name("locals"), args=[], keywords=[]),
                                           _strs(state)], keywords=[]),
            _strs(state), _strs(live)], keywords=self._options_keyword(options))
        stmts = option_defs + defs + [self._assign_state(state, call)]
        stmts += self._block(node.orelse) if node.orelse else []
        return _located(stmts, node)

    @staticmethod
    def _options_keyword(options):
        return [ast.keyword(arg="opts", value=_name(options))] if options else []

    def visit_For(self, node):
        it = node.iter
        if (isinstance(it, ast.Call) and not any(isinstance(a, ast.Starred) for a in it.args)
                and ((isinstance(it.func, ast.Name) and it.func.id == "range")
                     or (isinstance(it.func, ast.Attribute) and it.func.attr == "range"))):
            # range(n) / wb.range(n) with a tensor bound: a counting loop, not a made range
            it.args = [self.visit(a) for a in it.args]
            it.keywords = [self.visit(k) for k in it.keywords]
            node.iter = _located([ast.Call(func=_ag("range_iter"), args=[it.func] + it.args,
                                           keywords=it.keywords)], it)[0]
        else:
            node.iter = self.visit(node.iter)
        extra = getattr(node, "ag_extra_test", None)
        target = [ast.Assign(targets=[node.target], value=ast.Constant(0))]
        options, option_defs = self._options(node, self._state_names(target + node.body))
        body = self._loop(node)
        if body is None:
            node.iter = _located([ast.Call(func=_ag("for_iterable"), args=[node.iter], keywords=[])], node.iter)[0]
            return node
        state = self._state_names(target + node.body)
        live = sorted(self._live_after(node))
        body_name = self.fresh("fn_loop_body")
        item = self.fresh("item")
        unpack = ast.Assign(targets=[node.target], value=_name(item))
        ret = ast.Return(value=ast.Tuple(elts=[_name(n) for n in state], ctx=ast.Load()))
        defs = [self._def(body_name, [item] + state, [unpack] + body + [ret], node, _assigned(target + node.body))]
        extra_arg = ast.Constant(None)
        if extra is not None:
            test_name = self.fresh("fn_extra_test")
            defs.append(self._def(test_name, state, [ast.Return(value=self.visit(extra))], node, []))
            extra_arg = _name(test_name)
        call = ast.Call(func=_ag("for_stmt"), args=[
            node.iter, extra_arg, _name(body_name),
            ast.Call(func=_ag("ld"), args=[ast.Call(func=_name("locals"), args=[], keywords=[]),
                                           _strs(state)], keywords=[]),
            _strs(state), _strs(live)], keywords=self._options_keyword(options))
        stmts = option_defs + defs + [self._assign_state(state, call)]
        stmts += self._block(node.orelse) if node.orelse else []
        return _located(stmts, node)

    @staticmethod
    def _assign_state(state, call):
        if not state:
            return ast.Expr(value=call)
        return ast.Assign(targets=[ast.Tuple(elts=[_name(n, True) for n in state], ctx=ast.Store())],
                          value=call)

    # -- expressions ------------------------------------------------------------------------
    def visit_BoolOp(self, node):
        self.generic_visit(node)
        thunks = [ast.Lambda(args=ast.arguments(posonlyargs=[], args=[], vararg=None, kwonlyargs=[],
                                                kw_defaults=[], kwarg=None, defaults=[]), body=v)
                  for v in node.values]
        call = ast.Call(func=_ag("and_" if isinstance(node.op, ast.And) else "or_"), args=thunks,
                        keywords=[])
        return _located([call], node)[0]

    def visit_Return(self, node):
        # a returned name that converted control flow left unassigned raises as Python would
        self.generic_visit(node)
        v = node.value
        if isinstance(v, ast.Name) or (isinstance(v, ast.Tuple) and any(isinstance(e, ast.Name) for e in v.elts)):
            node.value = _located([ast.Call(func=_ag("retval"), args=[v], keywords=[])], v)[0]
        return node

    def visit_IfExp(self, node):
        self.generic_visit(node)
        thunks = [ast.Lambda(args=ast.arguments(posonlyargs=[], args=[], vararg=None, kwonlyargs=[],
                                                kw_defaults=[], kwarg=None, defaults=[]), body=v)
                  for v in (node.body, node.orelse)]
        return _located([ast.Call(func=_ag("if_exp"), args=[node.test] + thunks, keywords=[])], node)[0]

    def visit_UnaryOp(self, node):
        self.generic_visit(node)
        if isinstance(node.op, ast.Not):
            return _located([ast.Call(func=_ag("not_"), args=[node.operand], keywords=[])], node)[0]
        return node

    def visit_Call(self, node):
        self.generic_visit(node)
        f = node.func
        if isinstance(f, ast.Name) and f.id in ("range", "len", "next"):
            node.func = _located([_ag(f.id + "_")], f)[0]
        elif isinstance(f, ast.Name) and f.id == "super":
            if not node.args and self.first_params and self.first_params[-1]:
                # zero-argument super() would find the generated branch function's arguments
                node.args = _located([_name("__class__"), _name(self.first_params[-1])], node)
        elif isinstance(f, ast.Name) and f.id in ("locals", "globals", "vars", "eval", "exec"):
            pass
        elif not (isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id == "ag__"):
            node.func = _located([ast.Call(func=_ag("converted_call"), args=[f], keywords=[])], f)[0]
        return node


def _ends_in_return(stmts):
    """Whether every path through ``stmts`` ends in a ``return`` (after ``_fold_returns``)."""
    if not stmts:
        return False
    last = stmts[-1]
    if isinstance(last, ast.Return):
        return True
    if isinstance(last, ast.If):
        return _ends_in_return(last.body) and _ends_in_return(last.orelse)
    return False


def _fold_returns(stmts, conv):
    """Move what follows an ``if`` that returns into both its branches, so that each path
    ends in one ``return`` (TF's conversion of early returns, for returns outside loops)."""
    out = []
    for i, s in enumerate(stmts):
        if isinstance(s, ast.If) and _contains([s], (ast.Return,)):
            rest = stmts[i + 1:]
            s.body = _fold_returns(s.body + copy.deepcopy(rest), conv)
            s.orelse = _fold_returns((s.orelse or []) + copy.deepcopy(rest), conv)
            for branch in (s.body, s.orelse):
                if not _ends_in_return(branch):
                    branch.append(_located([ast.Return(value=ast.Constant(None))], s)[0])
            out.append(s)
            return out
        out.append(s)
    return out


def _lower_jumps(stmts, conv):
    """``break`` and ``continue`` of the loops in ``stmts`` as flags and guards."""
    out = []
    for s in stmts:
        if isinstance(s, (ast.While, ast.For)):
            s.body = _lower_jumps(s.body, conv)   # inner loops first
            if _contains(s.body, (ast.Return,), into_loops=True):
                out.append(s)   # a loop with a return stays Python, jumps and all
                continue
            if _contains(s.body, (ast.Continue,)):
                flag = conv.fresh("continue")
                s.body = _located([ast.Assign(targets=[_name(flag, True)], value=ast.Constant(False))],
                                  s.body[0]) + _guard(s.body, flag, ast.Continue)
            if _contains(s.body, (ast.Break,)):
                flag = conv.fresh("break")
                s.body = _guard(s.body, flag, ast.Break)
                not_broken = _located([ast.UnaryOp(op=ast.Not(), operand=_name(flag))], s)[0]
                if isinstance(s, ast.While):
                    s.test = _located([ast.BoolOp(op=ast.And(), values=[not_broken, s.test])], s)[0]
                else:
                    s.ag_extra_test = not_broken
                if s.orelse:
                    s.orelse = _located([ast.If(test=copy.deepcopy(not_broken), body=s.orelse, orelse=[])], s)
                out.extend(_located([ast.Assign(targets=[_name(flag, True)], value=ast.Constant(False))], s))
            out.append(s)
        elif isinstance(s, (ast.If, ast.With, ast.Try)):
            for field in ("body", "orelse", "finalbody"):
                if getattr(s, field, None):
                    setattr(s, field, _lower_jumps(getattr(s, field), conv))
            out.append(s)
        else:
            out.append(s)
    return out


def _pass_stores(loop):
    """name -> where the first statement of ``loop``'s body that binds it on every pass ends: a
    statement of the body itself or inside the guards of its lowered jumps (a pass that skips
    a guarded statement does not read on in that pass: the rest of it is guarded too)."""
    out = {}

    def walk(stmts):
        for s in stmts:
            if isinstance(s, ast.If) and getattr(s, "ag_guard", False):
                walk(s.body)
            elif not isinstance(s, (ast.If, ast.For, ast.AsyncFor, ast.While, ast.Try, ast.With, ast.AsyncWith,
                                    ast.Match)):
                for n in _assigned([s]):
                    out.setdefault(n, (s.end_lineno, s.end_col_offset))
    walk(loop.body)
    return out


def _guard(stmts, flag, kind):
    """``stmts`` with each ``kind`` jump (of this loop) set ``flag`` instead, and what follows
    a statement that may set it run only while it is not set."""
    out = []
    for i, s in enumerate(stmts):
        if isinstance(s, kind):
            out.extend(_located([ast.Assign(targets=[_name(flag, True)], value=ast.Constant(True))], s))
            return out   # the rest of the block never runs
        if isinstance(s, (ast.If, ast.With, ast.Try)) and _contains([s], (kind,)):
            for field in ("body", "orelse", "finalbody"):
                if getattr(s, field, None):
                    setattr(s, field, _guard(getattr(s, field), flag, kind))
            out.append(s)
            rest = stmts[i + 1:]
            if rest:
                test = _located([ast.UnaryOp(op=ast.Not(), operand=_name(flag))], rest[0])[0]
                guard = ast.If(test=test, body=_guard(rest, flag, kind), orelse=[])
                guard.ag_guard = True
                guard.lineno, guard.col_offset = rest[0].lineno, rest[0].col_offset
                guard.end_lineno, guard.end_col_offset = rest[-1].end_lineno, rest[-1].end_col_offset
                out.append(guard)
            return out
        out.append(s)
    return out


class ConversionError(Exception):
    """The source of a function could not be converted."""


def _source_tree(fn):
    try:
        lines, first = inspect.getsourcelines(fn)
    except (OSError, TypeError) as e:
        raise ConversionError(f"the source of {fn!r} is not available: {e}") from None
    source = textwrap.dedent("".join(lines))
    # columns in the file: what dedent took from each line (the converted code's positions
    # are the source's, for tracebacks and for what a trace reads of its calls)
    indent = len(lines[0].rstrip("\r\n")) - len(source.split("\n", 1)[0].rstrip("\r")) if lines else 0
    if fn.__name__ == "<lambda>":
        return _lambda_tree(fn, source, first, indent)
    try:
        tree = ast.parse(source)
    except SyntaxError as e:
        raise ConversionError(f"the source of {fn!r} does not parse on its own: {e}") from None
    node = tree.body[0] if tree.body else None
    if not isinstance(node, ast.FunctionDef) or node.name != fn.__name__:
        raise ConversionError(f"the source of {fn!r} is not one function definition")
    _shift_columns(tree, indent, 0)
    ast.increment_lineno(tree, first - 1)
    return node


def _shift_columns(tree, indent, first_line):
    """Columns of ``tree``'s nodes moved right by ``indent`` (and by ``first_line`` more on
    its first line): from the text parsed to the file's."""
    for n in ast.walk(tree):
        if getattr(n, "col_offset", None) is not None:
            n.col_offset += indent + (first_line if n.lineno == 1 else 0)
        if getattr(n, "end_col_offset", None) is not None and getattr(n, "end_lineno", None) is not None:
            n.end_col_offset += indent + (first_line if n.end_lineno == 1 else 0)


def _lambda_tree(fn, source, first, indent=0):
    """A lambda's source as ``def <lambda>(...): return body``: the one lambda with ``fn``'s
    parameters on its first line (TF's error where there are several)."""
    found = []
    try:
        trees = [ast.parse(source)]
        _shift_columns(trees[0], indent, 0)
    except SyntaxError:   # the lambda is part of a statement its lines do not hold
        trees = []
        line = source.splitlines()[0] if source else ""
        start = line.find("lambda")
        while start >= 0:
            text = source[start:]
            for end in range(len(text), 0, -1):
                try:
                    trees.append(ast.parse(text[:end], mode="eval"))
                    _shift_columns(trees[-1], indent, start)
                    break
                except SyntaxError:
                    continue
            start = line.find("lambda", start + 1)
    code = fn.__code__
    params = code.co_varnames[:code.co_argcount + code.co_kwonlyargcount
                              + bool(code.co_flags & inspect.CO_VARARGS)
                              + bool(code.co_flags & inspect.CO_VARKEYWORDS)]
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Lambda) and node.lineno == 1:
                a = node.args
                names = [x.arg for x in a.posonlyargs + a.args + a.kwonlyargs]
                names += [x.arg for x in (a.vararg, a.kwarg) if x is not None]
                if tuple(sorted(names)) == tuple(sorted(params)) and ast.dump(node) not in {ast.dump(f) for f in found}:
                    found.append(node)
    if len(found) != 1:
        shown = "".join(f"\nMatch {i}:\n{ast.unparse(n)}\n" for i, n in enumerate(found))
        raise ConversionError(
            f"could not parse the source code of {fn!r}: " + (
                "found multiple definitions with identical signatures at the location. This error may be "
                "avoided by defining each lambda on a single line and with unique argument names. The "
                f"matching definitions were:{shown}" if found else "no matching AST found"))
    lam = found[0]
    body = _located([ast.Return(value=lam.body)], lam.body)
    node = ast.FunctionDef(name=fn.__name__, args=lam.args, body=body, decorator_list=[], returns=None,
                           type_params=[])
    node.lineno, node.col_offset = lam.lineno, lam.col_offset
    node.end_lineno, node.end_col_offset = lam.end_lineno, lam.end_col_offset
    node.ag_lambda = True
    ast.increment_lineno(node, first - 1)
    return node


def _converted_node(fn):
    node = _source_tree(fn)
    node.decorator_list = []
    if any(isinstance(n, (ast.Yield, ast.YieldFrom, ast.Await)) for n in ast.walk(node)):
        raise ConversionError(f"{fn!r} is a generator; generators run as they are")
    return _Converter().convert_function(node)


def convert(fn, strict=True):
    """``fn`` with its control flow converted (a new function with ``fn``'s globals, closure
    and defaults); None where it cannot be converted and ``strict`` is False."""
    code = fn.__code__
    entry = _CACHE.get(code, False)
    if entry is False:
        try:
            entry = _compile(fn)
        except ConversionError:
            if strict:
                raise
            entry = None
        _CACHE[code] = entry
    if entry is None:
        if strict:
            raise ConversionError(f"{fn!r} cannot be converted")
        return None
    inner, freevars = entry
    cells = dict(zip(code.co_freevars, fn.__closure__ or ()))
    closure = tuple(cells[n] if n in cells else types.CellType(_RUNTIME) for n in inner.co_freevars)
    new = types.FunctionType(inner, fn.__globals__, fn.__name__, fn.__defaults__, closure)
    new.__kwdefaults__ = fn.__kwdefaults__
    new.__dict__.update(fn.__dict__)
    new.__wrapped__ = fn
    new.__qualname__ = fn.__qualname__
    new.__module__ = fn.__module__
    new.__doc__ = fn.__doc__
    new.__wb_converted__ = True
    return new


def _compile(fn):
    if getattr(fn, "__wb_converted__", False):
        return fn.__code__, ()
    node = _converted_node(fn)
    # named apart inside the factory: the function's own name in its body stays a global
    # (or the closure cell it was), as in the original
    node.name = "ag__converted"
    freevars = [n for n in fn.__code__.co_freevars if n != "ag__"]
    factory = ast.FunctionDef(
        name="ag__factory", args=ast.arguments(posonlyargs=[], args=[ast.arg(arg=n) for n in freevars + ["ag__"]],
                                               vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None,
                                               defaults=[]),
        body=[node, ast.Return(value=_name(node.name))], decorator_list=[], returns=None, type_params=[])
    factory.lineno = factory.end_lineno = node.lineno
    factory.col_offset = factory.end_col_offset = 0
    module = ast.Module(body=[factory], type_ignores=[])
    ast.fix_missing_locations(module)
    try:
        code = compile(module, fn.__code__.co_filename, "exec")
    except (SyntaxError, ValueError, TypeError) as e:
        raise ConversionError(f"the converted source of {fn!r} does not compile: {e}") from None
    factory_code = next(c for c in code.co_consts if isinstance(c, types.CodeType))
    inner = next(c for c in factory_code.co_consts if isinstance(c, types.CodeType) and c.co_name == node.name)
    return inner.replace(co_name=fn.__name__, co_qualname=fn.__qualname__), freevars


_RUNTIME = types.SimpleNamespace(
    if_stmt=if_stmt, if_exp=if_exp, retval=retval, while_stmt=while_stmt, for_stmt=for_stmt, ld=ld,
    and_=and_, or_=or_, not_=not_,
    range_=range_, len_=len_, next_=next_, range_iter=range_iter, converted_call=converted_call, Undefined=Undefined,
    for_iterable=for_iterable, while_test=while_test)


# =============================================================================================
# TF's tf.autograph API


def _callable(entity, where):
    if not callable(entity):
        raise TypeError(f"autograph.{where}: entity must be a function, method or class, "
                        f"got {type(entity).__name__}")
    return getattr(entity, "python_function", entity)  # a wb.function: the Python it traces


def to_code(entity, recursive=True, experimental_optional_features=None) -> str:
    """The converted source of ``entity`` (a function, a method, a ``wb.function``'s Python
    function), as ``wb.function`` runs it. ``OSError`` where Python cannot find the source."""
    fn = _callable(entity, "to_code")
    fn = getattr(fn, "__func__", fn)
    try:
        node = _converted_node(fn)
    except ConversionError as e:
        raise OSError(f"autograph.to_code: {e}") from None
    if getattr(node, "ag_lambda", False) and len(node.body) == 1 and isinstance(node.body[0], ast.Return):
        # a lambda stays one (TF's ``tf__lam = lambda x: ...``)
        node = ast.Assign(targets=[_name("lam", True)], value=ast.Lambda(args=node.args, body=node.body[0].value))
    return ast.unparse(ast.fix_missing_locations(node)) + "\n"


def to_graph(entity, recursive=True, experimental_optional_features=None):
    """``entity`` with its Python control flow converted (a function or a bound method)."""
    fn = _callable(entity, "to_graph")
    if isinstance(fn, types.MethodType):
        return types.MethodType(to_graph(fn.__func__), fn.__self__)
    if type(fn) is not types.FunctionType:
        return fn
    try:
        return convert(fn)
    except ConversionError as e:
        raise ValueError(f"autograph.to_graph: {e}") from None


def do_not_convert(func=None):
    """``func`` marked so that AutoGraph runs it as it is (also as a decorator)."""
    if func is None:
        return do_not_convert
    fn = _callable(func, "do_not_convert")
    target = getattr(fn, "__func__", fn)
    try:
        target.__wb_do_not_convert__ = True
    except (AttributeError, TypeError):
        pass
    return fn


def set_verbosity(level, alsologtostdout=False):
    """Keep AutoGraph's logging level (an int >= 0), as TF's ``set_verbosity``."""
    if isinstance(level, bool) or not isinstance(level, int) or level < 0:
        raise ValueError(f"autograph.set_verbosity: level must be an int >= 0, got {level!r}")
    _VERBOSITY[0] = level


def get_verbosity() -> int:
    return _VERBOSITY[0]


def trace(*args):
    """Print the arguments (TF's ``tf.autograph.trace`` in eager code)."""
    print(*args)


class Feature(enum.Enum):
    """TF's optional AutoGraph features (accepted; the conversion here has one set)."""

    ALL = "ALL"
    AUTO_CONTROL_DEPS = "AUTO_CONTROL_DEPS"
    ASSERT_STATEMENTS = "ASSERT_STATEMENTS"
    BUILTIN_FUNCTIONS = "BUILTIN_FUNCTIONS"
    EQUALITY_OPERATORS = "EQUALITY_OPERATORS"
    LISTS = "LISTS"
    NAME_SCOPES = "NAME_SCOPES"


def set_loop_options(parallel_iterations=None, swap_memory=None, maximum_iterations=None,
                     shape_invariants=None):
    """TF's loop hints, as the first statement of a loop's body in converted code: a loop on
    tensors gets ``maximum_iterations`` and ``shape_invariants`` (a list of (loop variable,
    shape) pairs, None for a size that may change); a Python loop ignores them. Returns the
    options given."""
    return {k: v for k, v in (("parallel_iterations", parallel_iterations), ("swap_memory", swap_memory),
                              ("maximum_iterations", maximum_iterations),
                              ("shape_invariants", shape_invariants)) if v is not None}


experimental = types.SimpleNamespace(do_not_convert=do_not_convert, Feature=Feature,
                                     set_loop_options=set_loop_options)
