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


class _Recorder(Tracer):
    """The tracer of ``wb.function``, also noting which layer and line issued each op."""

    def __init__(self, inputs):
        super().__init__(inputs)
        self.where: dict = {}

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
        prev = core.set_tracer(rec)
        try:
            result = fn(*inputs)
        finally:
            core.set_tracer(prev)
            rec.let_go()
        if not rec.created_variables:
            break
    if rec.why is not None:
        raise ExportError(f"the function cannot be exported: {rec.why}")
    outputs = []
    for leaf in nest.flatten(result):
        if not isinstance(leaf, Tensor):
            raise ExportError(f"the function returned a {type(leaf).__name__}; only tensors (in any "
                              "nest of lists, tuples and dicts) can be graph outputs")
        rec._resolve(leaf, "the function's result")
        outputs.append(leaf)
    records = []
    for step in rec.steps:
        what = step.what
        if what is not None and what[0] == "op":
            _, op, args, params, res = what
            res = res if type(res) is tuple else (res,)
            records.append(Record(op, tuple(args), dict(params), res,
                                  rec.where.get(id(what[4]), "an unknown place")))
        elif step.name == "bind" and len(step.reads) == 1 and len(step.writes) == 1:
            records.append(Record(None, step.reads, {}, step.writes, "a rebinding", alias=True))
        elif step.name == "capture" and not step.reads and not step.writes:
            continue   # a tape's hold on a variable it read (bookkeeping, no value)
        else:
            raise ExportError(f"the function does more than compute: its step '{step.name}' (a variable "
                              "update, random draw, gradient or other effect) has no ONNX form; export "
                              "the inference computation only (e.g. model(x, training=False))")
    return Trace(inputs, outputs, result, records, set(rec.dynamic), list(rec.custom_gradients))


def is_static(t, dynamic) -> bool:
    """Whether ``t`` holds a value fixed at export time (a constant; variables are weights)."""
    return isinstance(t, Variable) or id(t) not in dynamic


def value_of(t) -> np.ndarray:
    return backend.to_numpy(t._data)
