"""The ONNX graph under construction: names for traced tensors, weights as initializers, and
shapes that follow the batch size.

Open sizes are found by tracing once more per open size (the batch, or another None of an
input's shape), that size changed: a size that differs between the first trace and such a
variant follows that open size; a size that follows several is ``c + k1 * n1 + k2 * n2 ...``,
computed in the graph from the inputs' shapes; everything else is fixed.
"""

from __future__ import annotations

import numpy as np
from onnx import TensorProto, helper, numpy_helper

from ..core import Variable
from .trace import ExportError, is_static, value_of

__all__ = ["Graph", "onnx_dtype"]


def onnx_dtype(dtype) -> int:
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return TensorProto.BOOL
    return helper.np_dtype_to_tensor_dtype(dtype)


def _describe(symbol):
    if symbol == "batch":
        return "the batch (leading) dimension"
    if symbol.endswith("_rank"):
        return f"the rank of input '{symbol[:-len('_rank')]}'"
    name, axis = symbol.rsplit("_dim", 1)
    return f"dimension {axis} of input '{name}'"


class Graph:
    """Nodes and initializers for one trace (``first``), with ``variants`` (the same program
    with one open size changed each, ``export.Variant``) telling which sizes follow which open
    size; ``specs`` name the inputs whose shapes hold the open sizes."""

    def __init__(self, first, variants, specs, opset):
        self.first = first
        self.opset = opset
        self.variants = list(variants)
        self._where = {}           # symbol -> (input position, axis)
        for i, s in enumerate(specs):
            for j, d in enumerate(() if s.shape is None or isinstance(s.shape, str) else s.shape):
                if d is None:
                    self._where.setdefault("batch" if j == 0 else f"{s.name}_dim{j}", (i, j))
        self._sizes: dict = {}     # symbol -> its 1-D int64 tensor
        self.nodes: list = []
        self.initializers: list = []
        self.names: dict = {}      # id(tensor) -> ONNX value name
        self.partner: dict = {}    # id(tensor in first) -> {symbol: the same tensor in that variant}
        self._used: set = set()
        self._consts: dict = {}    # id(constant or variable) -> initializer name
        self.variables: dict = {}  # initializer name -> the wb.Variable it holds the value of
        self.record = None         # the record being translated (for errors)
        for v in self.variants:
            for a, b in zip(first.inputs, v.trace.inputs):
                self.partner.setdefault(id(a), {})[v.symbol] = b
            for ra, rb in zip(first.records, v.trace.records):
                for a, b in zip(ra.args + ra.res, rb.args + rb.res):
                    self.partner.setdefault(id(a), {})[v.symbol] = b

    # -- names ------------------------------------------------------------------------
    def fresh(self, hint: str) -> str:
        base = "".join(c if c.isalnum() or c in "_/.:-" else "_" for c in hint) or "v"
        name, k = base, 1
        while name in self._used:
            k += 1
            name = f"{base}_{k}"
        self._used.add(name)
        return name

    def reserve(self, name: str):
        """Keep ``name`` (an input's or output's) from being given to another value."""
        if name in self._used:
            raise ExportError(f"ONNX export: the name {name!r} is used twice")
        self._used.add(name)

    def node(self, op_type, inputs, outputs=1, **attrs) -> list:
        """Append a node; returns its output names (``outputs`` is a count or a list of names)."""
        if isinstance(outputs, int):
            outputs = [self.fresh(f"{op_type}") for _ in range(outputs)]
        self.nodes.append(helper.make_node(op_type, list(inputs), list(outputs),
                                           name=self.fresh(f"node/{op_type}"), **attrs))
        return list(outputs)

    def one(self, op_type, *inputs, **attrs) -> str:
        return self.node(op_type, inputs, 1, **attrs)[0]

    def const(self, array, hint="const") -> str:
        name = self.fresh(hint)
        self.initializers.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def ints(self, values, hint="ints") -> str:
        return self.const(np.asarray(values, np.int64).reshape(-1), hint)

    # -- traced tensors -----------------------------------------------------------------
    def value(self, t) -> str:
        """The ONNX name of a traced tensor: computed, an input, a weight or a constant."""
        name = self.names.get(id(t))
        if name is not None:
            return name
        if not is_static(t, self.first.dynamic):
            raise ExportError(f"{self.where()}: a computed tensor reaches the graph before anything "
                              "computes it")
        name = self._consts.get(id(t))
        if name is None:
            name = self._constant(t)
            self._consts[id(t)] = name
        return name

    def _constant(self, t):
        arr = value_of(t)
        if isinstance(t, Variable):
            name = self.const(arr, t.path or "weight")
            self.variables[name] = t
            return name
        others = {sym: tuple(o.shape) for sym, o in self.partner.get(id(t), {}).items()
                  if tuple(o.shape) != arr.shape}
        if others:
            # a constant whose shape follows an open size (an RNN's zero state): one value, expanded
            flat = arr.reshape(-1)
            if flat.size == 0 or not np.all(flat == flat[0]):
                raise ExportError(f"{self.where()}: a constant of shape {arr.shape} depends on the batch "
                                  "size and is not one repeated value; export with a fixed batch size")
            fill = self.const(flat[:1].reshape(()), "fill")
            for x in self.first.inputs:   # the shape of an input (zeros_like(x)) in every trace
                seen = self.partner.get(id(x), {})
                if tuple(x.shape) == arr.shape and all(
                        v.symbol in seen and tuple(seen[v.symbol].shape) == others.get(v.symbol, arr.shape)
                        for v in self.variants):
                    return self.one("Expand", fill, self.one("Shape", self.value(x)))
            return self.one("Expand", fill, self.dims(arr.shape, others))
        return self.const(arr, "const")

    def static(self, t):
        """The value of ``t`` when it is fixed at export time (weights, constants), else None."""
        return value_of(t) if is_static(t, self.first.dynamic) else None

    def shape(self, t) -> tuple:
        return tuple(t.shape)

    def dtype(self, t):
        return np.dtype(t.dtype if not hasattr(t, "_data") else t._data.dtype)

    # -- sizes that follow the open sizes ----------------------------------------------------
    def size(self, symbol) -> str:
        """A 1-D int64 tensor ``[n]``: the open size ``symbol``, read from an input's shape."""
        if symbol not in self._sizes:
            i, axis = self._where[symbol]
            shape = self.one("Shape", self.names[id(self.first.inputs[i])])
            self._sizes[symbol] = self.one("Slice", shape, self.ints([axis]), self.ints([axis + 1]))
        return self._sizes[symbol]

    def batch(self) -> str:
        """A 1-D int64 tensor ``[batch]``: the inputs' leading dimension."""
        return self.size("batch")

    def dims(self, dims, others=None, infer=False) -> str:
        """A 1-D int64 tensor of ``dims`` (their sizes in the first trace), each size that differs
        in ``others`` (symbol -> the dims in that variant) computed from the open sizes. With
        ``infer`` (a Reshape's shape), one size that is no sum of multiples of the open sizes (a
        product of them: ``[-1, 784]`` of an image batch) is written -1, which Reshape infers."""
        dims = tuple(int(d) for d in dims)
        others = {sym: tuple(o) for sym, o in (others or {}).items() if tuple(o) != dims}
        if not others:
            return self.ints(dims, "shape")
        sizes = {v.symbol: v.sizes for v in self.variants}
        plan, unsolved = [], []   # per size: an int, or (c, [(symbol, k)...]), or None (inferred)
        for p, d1 in enumerate(dims):
            terms, c, problem = [], d1, None
            for sym, other in others.items():
                if len(other) != len(dims):
                    raise ExportError(f"{self.where()}: the rank of a shape depends on {_describe(sym)}")
                d2 = other[p]
                if d2 == d1:
                    continue
                (b1, b2) = sizes[sym]
                k, r = divmod(d2 - d1, b2 - b1)
                if r or k <= 0:
                    problem = (f"{self.where()}: a size ({d1} at {b1}, {d2} at {b2} for {_describe(sym)}) "
                               "is not a multiple of it; give the input_signature a size there")
                    break
                c -= k * b1
                terms.append((sym, k))
            if problem is None and terms and c < 0:
                problem = (f"{self.where()}: a size ({d1} in the first trace) follows "
                           f"{' and '.join(_describe(s) for s, _ in terms)} but is no sum of multiples of "
                           "them (a product of open sizes is not covered); give the input_signature sizes there")
            if problem is not None:
                unsolved.append(problem)
                plan.append(None)
            else:
                plan.append((c, terms) if terms else d1)
        if unsolved and not (infer and len(unsolved) == 1):
            raise ExportError(unsolved[0])
        parts, fixed = [], []
        for item in plan:
            if not isinstance(item, tuple):
                fixed.append(-1 if item is None else item)
                continue
            if fixed:
                parts.append(self.ints(fixed))
                fixed = []
            c, terms = item
            size = None
            for sym, k in terms:
                term = self.size(sym) if k == 1 else self.one("Mul", self.size(sym), self.ints([k]))
                size = term if size is None else self.one("Add", size, term)
            parts.append(size if c == 0 else self.one("Add", size, self.ints([c])))
        if fixed:
            parts.append(self.ints(fixed))
        return parts[0] if len(parts) == 1 else self.one("Concat", *parts, axis=0)

    def other_param(self, key):
        """The current record's parameter ``key`` in each variant where it differs ({symbol: value})."""
        if self.record is None:
            return {}
        return {sym: params[key] for sym, params in self.record.other_params.items() if key in params}

    def where(self) -> str:
        r = self.record
        return "ONNX export" if r is None else f"ONNX export of op '{r.name}' (from {r.where})"
