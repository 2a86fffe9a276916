"""The program an export translates: ``wb.function``'s tracer run once over stand-in inputs,
keeping every op record with the layer (name scope) and user line that issued it."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .. import backend, core, nest
from ..compiler.trace import Tracer
from ..core import Tensor, Variable
from ..module import current_scope_name

__all__ = ["ExportError", "Record", "Trace", "is_static", "trace", "value_of"]


class ExportError(ValueError):
    """A function or model that cannot be exported to ONNX (the message says why and where)."""


@dataclass
class Record:
    """One traced op: ``res = op(*args, **params)``; ``alias`` marks a rebinding (``res`` is
    ``args[0]``'s value under another holder)."""
    op: object
    args: tuple
    params: dict
    res: tuple
    where: str
    alias: bool = False
    other_params: dict = field(default_factory=dict)  # symbol -> params that differ when it changes

    @property
    def name(self) -> str:
        return "identity" if self.alias else self.op.name


@dataclass
class Trace:
    inputs: list          # the input tensors, in the order of the signature
    outputs: list         # the result's tensors, flattened
    structure: object     # the result as the function returned it
    records: list         # Record per traced op, in the order they ran
    dynamic: set          # ids of tensors whose value depends on the inputs or variables
    custom_gradients: list = field(default_factory=list)  # names of the custom_gradient ops it ran
    updates: list = field(default_factory=list)  # (variable, tensor assigned to it) per assigned variable


class _Recorder(Tracer):
    """The tracer of ``wb.function``, also noting which layer and line issued each op."""

    def __init__(self, inputs):
        super().__init__(inputs)
        self.where: dict = {}
        self.draws: dict = {}   # id(draw's result) -> (source, fn, inputs, where)

    def on_draw(self, source, fn, inputs):
        out = super().on_draw(source, fn, inputs)
        self.draws[id(out)] = (source, fn, tuple(inputs), self._place())
        return out

    def _place(self):
        scope = current_scope_name("").rstrip("/")
        return f"layer '{scope}'" if scope else f"the line {core.user_frame()}"

    def on_op(self, op, args, params, res):
        scope = current_scope_name("").rstrip("/")
        self.where[id(res)] = f"layer '{scope}'" if scope else f"the line {core.user_frame()}"
        super().on_op(op, args, params, res)


def trace(fn, arrays) -> Trace:
    """Run ``fn`` on tensors holding ``arrays`` while the tracer watches; traced again when the
    first run built variables (a model's lazy build), so the program reads them."""
    for _ in range(2):
        inputs = [core.wrap(core.to_array(a)) for a in arrays]
        rec = _Recorder(inputs)
        rec.undoes = True   # the generators a trace draws from (and variables it writes) are put back
        prev = core.set_tracer(rec)
        try:
            result = fn(*inputs)
        finally:
            core.set_tracer(prev)
            rec.let_go()
            rec.undo()
        if not rec.created_variables:
            break
    if rec.why is not None:
        raise ExportError(f"the function cannot be exported: {rec.why}")
    outputs = []
    for leaf in [] if result is None else nest.flatten(result):   # None: a function of effects alone
        if not isinstance(leaf, Tensor):
            raise ExportError(f"the function returned a {type(leaf).__name__}; only tensors (in any "
                              "nest of lists, tuples and dicts) can be graph outputs")
        rec._resolve(leaf, "the function's result")
        outputs.append(leaf)
    records = []
    updates = {}   # id(variable) -> (variable, the tensor assigned to it)
    for step in rec.steps:
        what = step.what
        if what is not None and what[0] == "op":
            _, op, args, params, res = what
            res = res if type(res) is tuple else (res,)
            where = rec.where.get(id(what[4]), "an unknown place")
            for a in args:
                if isinstance(a, Variable) and id(a) in updates:
                    raise ExportError(f"the function reads the variable '{a.path}' at {where} after assigning "
                                      "to it; an exported function may assign to a variable only after its "
                                      "last read of it")
            records.append(Record(op, tuple(args), dict(params), res, where))
        elif step.name == "Variable.assign" and len(step.reads) == 2 and isinstance(step.reads[0], Variable) \
                and isinstance(step.reads[1], Tensor) and not isinstance(step.reads[1], Variable):
            var, value = step.reads
            rec._resolve(value, f"the value assigned to the variable '{var.path}'")
            updates[id(var)] = (var, value)   # the graph gives the new value; the caller assigns it
        elif step.name == "bind" and len(step.reads) == 1 and len(step.writes) == 1:
            records.append(Record(None, step.reads, {}, step.writes, "a rebinding", alias=True))
        elif step.name == "random" and len(step.writes) == 1 and id(step.writes[0]) in rec.draws:
            records.append(_draw_record(step.writes[0], *rec.draws[id(step.writes[0])], rec.dynamic))
        elif step.name == "capture" and not step.reads and not step.writes:
            continue   # a tape's hold on a variable it read (bookkeeping, no value)
        else:
            raise ExportError(f"the function does more than compute: its step '{step.name}' (a variable "
                              "update, random draw, gradient or other effect) has no ONNX form; export "
                              "the inference computation only (e.g. model(x, training=False))")
    return Trace(inputs, outputs, result, records, set(rec.dynamic), list(rec.custom_gradients),
                 list(updates.values()))


RANDOM_DOMAIN = "org.research-workbench.random"   # our own ONNX domain: draws from a Generator's state


@dataclass(frozen=True)
class Draw:
    """A random draw as a traced op: ``generator_draw`` (``args``: the generator's state
    variable) or ``stateless_draw`` (a fixed seed: its value)."""
    name: str = "generator_draw"


class _Probe:
    """A stand-in stream that notes what a draw asks of it (one ``normal`` or ``uniform``)."""

    def __init__(self):
        self.calls = []

    def _draw(self, kind, shape, dtype, fill):
        self.calls.append((kind, tuple(int(d) for d in shape), np.dtype(dtype)))
        if len(self.calls) > 1:
            raise ExportError("a draw of more than one stream call")
        self.value = np.full(shape, fill, dtype)
        return self.value

    def normal(self, shape, dtype):
        return self._draw("normal", shape, dtype, 3.0)   # out of a truncated normal's range: redrawn there

    def uniform(self, shape, dtype):
        return self._draw("uniform", shape, dtype, 0.375)

    def __getattr__(self, name):
        raise ExportError(f"a draw that takes the stream's '{name}'")


def _draw_record(out, source, fn, inputs, where, dynamic=()):
    """A Generator's plain ``normal`` or ``uniform`` draw as a ``generator_draw`` record; a
    stateless draw of a fixed seed as the constant it is (``stateless_draw``); any other draw
    (a computed seed, global-seeded ops, other distributions) has no ONNX form here."""
    from .. import random as wbrandom   # random sits beside the tracer; asked for when a draw is seen
    generator = getattr(source, "__self__", None)
    why = None
    if isinstance(source, wbrandom.StatelessSource):
        seed = getattr(source.seed, "tensor", source.seed)
        if isinstance(seed, Tensor) and (isinstance(seed, Variable) or id(seed) in dynamic):
            why = "a stateless draw with a computed seed"
        elif any(id(t) in dynamic for t in inputs):
            why = "a stateless draw with computed parameters"
        else:   # the same numbers at every call, as TF's graph gives them
            return Record(Draw("stateless_draw"), (), {"value": value_of(out)}, (out,), where)
    elif not isinstance(generator, wbrandom.Generator):
        why = "a draw that is not from a wb.random.Generator nor stateless (a global-seeded op)"
    elif inputs:
        why = "a draw with tensor parameters"
    else:
        probe = _Probe()
        try:
            got = np.asarray(fn(probe))
        except ExportError as exc:
            why = str(exc)
        else:
            if len(probe.calls) != 1 or got.dtype.kind != "f" or got.shape != probe.value.shape or \
                    not np.array_equal(got, probe.value.astype(got.dtype)):
                why = "a draw that transforms the stream's numbers"
    if why is not None:
        raise ExportError(f"the function draws random numbers at {where}: {why} has no ONNX form; a saved "
                          "function may draw from a wb.random.Generator with its normal or uniform methods")
    kind, shape, _ = probe.calls[0]
    params = {"kind": kind, "shape": shape, "dtype": got.dtype.name, "alg": int(generator.algorithm.value)}
    return Record(Draw(), (generator.state,), params, (out,), where)


def is_static(t, dynamic) -> bool:
    """Whether ``t`` holds a value fixed at export time (a constant; variables are weights)."""
    return isinstance(t, Variable) or id(t) not in dynamic


def value_of(t) -> np.ndarray:
    return backend.to_numpy(t._data)
