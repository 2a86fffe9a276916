"""custom_gradient, stop_gradient and recompute_grad."""

from __future__ import annotations

import contextlib
import functools
import inspect

from workbench import core, nest
from workbench.core import Op, Tensor, Variable
from workbench.ops.shape import stop_gradient  # noqa: F401 - re-exported

from .tape import GradientTape
from workbench.ops.reduce import reduce_sum


class _VariableReads(core.Listener):
    """Observer that collects the trainable variables read by ops."""

    def __init__(self):
        self.variables: dict[int, Variable] = {}

    def on_op(self, op, args, params, res):
        for a in args:
            if isinstance(a, Variable) and a.trainable and a._tid not in self.variables:
                self.variables[a._tid] = a


@contextlib.contextmanager
def _paused():
    """Run ops without recording them on any tape or accumulator."""
    tapes = [(t, t._recording) for t in core.tapes()]
    accs = [(a, a._active) for a in core.accumulators()]
    for t, _ in tapes:
        t._recording = False
    for a, _ in accs:
        a._active = False
    try:
        yield
    finally:
        for t, state in tapes:
            t._recording = state
        for a, state in accs:
            a._active = state


def _accepts_variables(fn):
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return True
    return "variables" in sig.parameters or any(
        p.kind is inspect.Parameter.VAR_KEYWORD for p in sig.parameters.values())


def _record_custom(name, inputs, variables, outputs, grad_fn):
    """Hand active tapes and accumulators one op whose reverse rule is ``grad_fn``."""
    n_in = len(inputs)
    multi = len(outputs) > 1

    def call_grad(dys):
        if variables:
            result = grad_fn(*dys, variables=list(variables))
            if not (isinstance(result, (list, tuple)) and len(result) == 2):
                raise TypeError(f"custom_gradient '{name}': with variables, the gradient function must "
                                "return (input_grads, variable_grads)")
            in_grads, var_grads = result
            in_grads = list(nest.flatten(in_grads)) if isinstance(in_grads, (list, tuple)) else [in_grads]
            var_grads = list(var_grads)
            if len(var_grads) != len(variables):
                raise ValueError(f"custom_gradient '{name}': the gradient function returned "
                                 f"{len(var_grads)} variable gradients for {len(variables)} variables")
        else:
            in_grads = grad_fn(*dys)
            in_grads = list(in_grads) if isinstance(in_grads, (list, tuple)) else [in_grads]
            var_grads = []
        if len(in_grads) != n_in:
            raise ValueError(f"custom_gradient '{name}': the gradient function returned {len(in_grads)} "
                             f"gradients for {n_in} tensor inputs")
        return tuple(None if g is None else core.convert_to_tensor(g) for g in in_grads + var_grads)

    def vjp(g, ans, *args):
        gs = list(g) if multi else [g]
        outs = list(ans) if multi else [ans]
        # a cotangent batch (jacobians) has leading dims before the output's: read them from a
        # cotangent that is given (an unused output's is None), and give the zeros the same
        given = [(x, o) for x, o in zip(gs, outs) if x is not None]
        lead = given[0][0].ndim - given[0][1].ndim if given else 0
        batch = tuple(given[0][0].shape[:lead]) if given else ()
        gs = [core.wrap_constant(o.xp.zeros(batch + tuple(o.shape), o.dtype)) if x is None else x
              for x, o in zip(gs, outs)]
        return by_cotangent(gs, lead)

    def by_cotangent(gs, lead):
        if lead == 0:
            return call_grad(gs)
        # the user's function sees one cotangent at a time
        from workbench.ops.shape import stack  # gradients sits below the op modules (layering)
        rows = [by_cotangent([x[i] for x in gs], lead - 1) for i in range(gs[0].shape[0])]
        return tuple(None if rows[0][k] is None else stack([r[k] for r in rows])
                     for k in range(len(rows[0])))

    def jvp(ts, ans, *args):
        # the output tangent is the transpose of the (linear) reverse rule: differentiate
        # <vjp(u), t> with respect to u, at u = 0
        outs = list(ans) if multi else [ans]
        us = [core.wrap_constant(o.xp.zeros(o.shape, o.dtype)) for o in outs]
        with GradientTape() as tape:
            tape.watch(us)
            in_grads = vjp(tuple(us) if multi else us[0], ans, *args)
            total = None
            for gi, ti in zip(in_grads, ts):
                if gi is None or ti is None:
                    continue
                term = reduce_sum(gi * ti)
                total = term if total is None else total + term
        if total is None:
            return tuple(None for _ in outs) if multi else None
        res = tape.gradient(total, us)
        if any(r is None for r in res):
            raise NotImplementedError(
                f"custom_gradient '{name}': forward-mode needs a gradient function built from "
                "differentiable workbench ops")
        return tuple(res) if multi else res[0]

    op = Op(f"custom_gradient:{name}", None, vjp, jvp, nout=len(outputs))
    res = tuple(outputs) if multi else outputs[0]
    if core._slow:
        core.after_op(op, tuple(inputs) + tuple(variables), core._NO_PARAMS, res)


def custom_gradient(f=None):
    """Decorate ``f(*x) -> (y, grad_fn)`` to give ``y`` the gradient ``grad_fn(dy)``.

    ``grad_fn`` returns one gradient per tensor argument of ``f``. When ``f``
    reads trainable variables, ``grad_fn`` must accept ``variables=`` and return
    ``(input_grads, variable_grads)``. A ``grad_fn`` built from workbench ops is
    itself differentiable (higher order) and also gives forward-mode tangents.

    >>> @custom_gradient
    ... def log1pexp(x):
    ...     e = wb.exp(x)
    ...     def grad(dy):
    ...         return dy * (1 - 1 / (1 + e))
    ...     return wb.math.log(1 + e), grad
    """
    if f is None:
        return custom_gradient

    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        # as in TF, positional arguments are converted to tensors: each is an input that
        # grad_fn returns a gradient (or None) for
        args = tuple(nest.map_structure(_as_input, a) if nest.is_nested(a) else _as_input(a) for a in args)
        reads = _VariableReads()
        core.push("obs", reads)
        try:
            # f's own ops are recorded (as TF does): its outputs get their gradient from grad_fn
            # only, but intermediates that grad_fn closes over stay connected to the inputs,
            # so a differentiable grad_fn gives correct higher-order gradients
            result, grad_fn = f(*args, **kwargs)
        finally:
            core.pop("obs", reads)
        inputs = [a for a in nest.flatten(list(args)) if isinstance(a, Tensor)]
        input_ids = {id(a) for a in inputs}
        variables = [v for v in reads.variables.values() if id(v) not in input_ids]
        if variables and not _accepts_variables(grad_fn):
            raise TypeError(f"custom_gradient '{f.__name__}': the function reads trainable variables "
                            f"({', '.join(v.name for v in variables)}), so its gradient function must "
                            "accept a keyword argument 'variables' and return (input_grads, variable_grads)")
        flat = nest.flatten(result)
        fresh = [core.wrap(core.convert_to_tensor(t)._data) for t in flat]
        _record_custom(f.__name__, inputs, variables, fresh, grad_fn)
        return nest.pack_sequence_as(result, fresh)

    return wrapper


def _as_input(value):
    if isinstance(value, (Tensor, core.CompositeTensor)) or value is None:
        return value
    try:
        return core.convert_to_tensor(value)
    except (TypeError, ValueError):
        return value  # not numeric data (a function, a string): passed through, not an input


def recompute_grad(f):
    """Gradient checkpointing: run ``f`` without keeping its intermediates, and run it
    again in the backward pass to compute gradients (memory for compute)."""

    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        inputs = [a for a in nest.flatten(list(args)) if isinstance(a, Tensor)]

        def forward(*xs):
            with _paused():  # keep no intermediates: the backward pass recomputes them
                result = f(*args, **kwargs)

            def grad_fn(*dys, variables=None):
                variables = list(variables or [])
                with GradientTape() as tape:
                    tape.watch(inputs)
                    tape.watch(variables)
                    again = f(*args, **kwargs)
                grads = tape.gradient(nest.flatten(again), inputs + variables,
                                      output_gradients=list(dys),
                                      unconnected_gradients="zero")
                return (grads[:len(inputs)], grads[len(inputs):]) if variables else grads[:len(inputs)]
            return result, grad_fn

        forward.__name__ = getattr(f, "__name__", "recompute_grad")
        return custom_gradient(forward)(*inputs)

    return wrapper
