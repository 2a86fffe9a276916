"""``wb.gradients`` and ``wb.hessians``: TF 2's graph-mode gradients, inside a ``wb.function``.

While a function is traced, the tracer keeps every differentiable op it sees (constant ones
too), as a tape records them; ``gradients`` walks back through them with the tape's rules,
as ops, so the trace records the walk as steps of the program (and a second ``gradients``,
or ``hessians``, differentiates the walk again). In eager mode, as in TF 2, both raise
``RuntimeError``: use ``wb.GradientTape``.

>>> @wb.function
... def slope(x):
...     return wb.gradients(wb.reduce_sum(x ** 2), x)
>>> slope(wb.constant([1.0, 2.0]))[0].numpy()
array([2., 4.], dtype=float32)

Gradients flow through the ops of the function, its captured tensors and its variables'
reads; not through stateful calls (an assignment, an optimizer step, ``sample_chain``) nor
through a ``GradientTape``'s first-order gradient (which the trace plans as steps of its own).
A function called while a tape watches, or run eagerly, runs its Python as eager code: there
``gradients`` raises as in eager mode.
"""

from __future__ import annotations

import warnings

from gradients.tape import GradientTape, UnconnectedGradients

from .. import core, nest
from ..core import Tensor, Variable
from ..ops.shape import reshape
from .trace import Tracer

__all__ = ["gradients", "hessians"]

_EAGER_MESSAGE = ("tf.gradients is not supported when eager execution is enabled. Use tf.GradientTape "
                  "instead.")


def gradients(ys, xs, grad_ys=None, name="gradients", gate_gradients=False, aggregation_method=None,
              stop_gradients=None, unconnected_gradients=UnconnectedGradients.NONE):
    """The sum of the derivatives of ``ys`` with respect to each of ``xs`` (TF 2's
    ``tf.gradients``): a list with one entry per ``x`` (None where ``ys`` does not depend on
    it, or zeros with ``unconnected_gradients='zero'``).

    ``grad_ys``: the cotangents of ``ys`` (ones by default); ``stop_gradients``: tensors
    held constant (nothing flows back through what computed them; they still get their own
    gradient). ``name``, ``gate_gradients`` and ``aggregation_method`` are accepted for TF's
    signature. Only inside a ``wb.function`` trace; ``RuntimeError`` in eager mode.
    """
    tracer = _tracer()
    flat_ys = _tensors(ys, "ys")
    flat_xs = _sources(xs)
    if grad_ys is not None:
        grad_ys = [None if g is None else core.convert_to_tensor(g) for g in nest.flatten(grad_ys)]
        if len(grad_ys) != len(flat_ys):
            raise ValueError(f"gradients: grad_ys has {len(grad_ys)} entries, ys has {len(flat_ys)}")
        grad_ys = [_ones_like(y) if g is None else g for y, g in zip(flat_ys, grad_ys)]
    stops = [] if stop_gradients is None else _tensors(stop_gradients, "stop_gradients")
    tape = _tape(tracer, stops, flat_xs)
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        out = list(tape.gradient(flat_ys, flat_xs, output_gradients=grad_ys,
                                 unconnected_gradients=unconnected_gradients))
    for w in said:   # the tape's warnings (unconnected sources), at the caller's line
        warnings.warn(w.message, w.category, stacklevel=2)
    return out


def hessians(ys, xs, name="hessians", colocate_gradients_with_ops=False, gate_gradients=False,
             aggregation_method=None):
    """The second derivatives of the sum of ``ys`` with respect to each of ``xs`` (TF 2's
    ``tf.hessians``): a list with, per ``x``, a tensor of shape ``x.shape + x.shape``. Only
    inside a ``wb.function`` trace; ``RuntimeError`` in eager mode."""
    tracer = _tracer()
    flat_xs = _sources(xs)
    firsts = gradients(ys, flat_xs)
    out = []
    for i, (x, g) in enumerate(zip(flat_xs, firsts)):
        if g is None:
            raise ValueError(f"hessians: ys does not depend on xs[{i}] (shape {x.shape}), so it has no "
                             "hessian")
        tape = _tape(tracer, [], [x])
        h = tape.jacobian(g, x, unconnected_gradients=UnconnectedGradients.ZERO)
        out.append(reshape(h, tuple(x.shape) + tuple(x.shape)))
    return out


def _ones_like(t):
    return core.wrap_constant(t.xp.ones(t.shape, t.dtype))


def _tracer():
    tracer = core._state.tracer
    if not isinstance(tracer, Tracer):
        raise RuntimeError(_EAGER_MESSAGE)
    return tracer


def _tensors(values, what):
    out = []
    for i, v in enumerate(nest.flatten(values)):
        if isinstance(v, core.CompositeTensor):
            out.extend(v.components())
        elif isinstance(v, Tensor):
            out.append(v)
        else:
            try:
                out.append(core.convert_to_tensor(v))
            except (TypeError, ValueError):
                raise TypeError(f"gradients: {what}[{i}] must be a tensor, got {type(v).__name__}") from None
    return out


def _sources(xs):
    """``xs`` flat; a Python number or array becomes a new constant (which nothing reaches)."""
    return [v if isinstance(v, Tensor) else core.convert_to_tensor(v) for v in nest.flatten(xs)]


def _tape(tracer, stops, sources):
    """A tape over the ops the trace saw so far, every floating tensor (and ``sources``)
    watched, and the ops that computed ``stops`` left out."""
    stopped = {id(t) for t in stops}
    records, ids = [], set()
    for t in sources:
        if _floating(t):
            if not t._tid:
                t._tid = core.new_id()
            ids.add(t._tid)
    for op, args, params, res, read in tracer.graph:
        outs = res if type(res) is tuple else (res,)
        if stopped and any(id(o) in stopped for o in outs):
            continue
        if not any(_floating(o) for o in outs):
            continue
        if read is not None:
            for var, buffer in read:
                if var._data is not buffer:
                    raise NotImplementedError(
                        f"wb.gradients: the function assigned to the variable '{var.name}' after op "
                        f"'{op.name}' read it: differentiate before the assignment, or use a "
                        "wb.GradientTape")
        for t in args + outs:
            if _floating(t):
                if not t._tid:
                    t._tid = core.new_id()
                ids.add(t._tid)
        records.append((op, args, params, res))
    return GradientTape.over(records, ids, tensors=True)


def _floating(t) -> bool:
    return isinstance(t, Tensor) and getattr(t._data, "dtype", None) is not None and t._data.dtype.kind == "f"
