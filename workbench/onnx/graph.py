"""The ONNX graph under construction: names for traced tensors, weights as initializers, and
shapes that follow the batch size.

A dynamic batch dimension is found by tracing twice, at two batch sizes: a size that differs
between the traces is ``k * batch + c``, computed in the graph from the first input's leading
dimension; everything else is fixed.
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


class Graph:
    """Nodes and initializers for one trace (``first``), with ``second`` (the same program at
    another batch size, or None when the batch is fixed) telling which sizes follow the batch."""

    def __init__(self, first, second, batches, opset):
        self.first = first
        self.opset = opset
        self.batches = batches  # (batch of first, batch of second)
        self.nodes: list = []
        self.initializers: list = []
        self.names: dict = {}      # id(tensor) -> ONNX value name
        self.partner: dict = {}    # id(tensor in first) -> the same tensor in second
        self._used: set = set()
        self._consts: dict = {}    # id(constant or variable) -> initializer name
        self.variables: dict = {}  # initializer name -> the wb.Variable it holds the value of
        self._batch = None
        self.record = None         # the record being translated (for errors)
        if second is not None:
            for a, b in zip(first.inputs, second.inputs):
                self.partner[id(a)] = b
            for ra, rb in zip(first.records, second.records):
                for a, b in zip(ra.args + ra.res, rb.args + rb.res):
                    self.partner[id(a)] = b

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
        other = self.partner.get(id(t))
        if other is not None and tuple(other.shape) != arr.shape:
            # a constant whose shape follows the batch (an RNN's zero state): one value, expanded
            flat = arr.reshape(-1)
            if flat.size == 0 or not np.all(flat == flat[0]):
                raise ExportError(f"{self.where()}: a constant of shape {arr.shape} depends on the batch "
                                  "size and is not one repeated value; export with a fixed batch size")
            return self.one("Expand", self.const(flat[:1].reshape(()), "fill"),
                            self.dims(arr.shape, tuple(other.shape)))
        return self.const(arr, "const")

    def static(self, t):
        """The value of ``t`` when it is fixed at export time (weights, constants), else None."""
        return value_of(t) if is_static(t, self.first.dynamic) else None

    def shape(self, t) -> tuple:
        return tuple(t.shape)

    def dtype(self, t):
        return np.dtype(t.dtype if not hasattr(t, "_data") else t._data.dtype)

    # -- sizes that follow the batch -------------------------------------------------------
    def batch(self) -> str:
        """A 1-D int64 tensor ``[batch]``: the first input's leading dimension."""
        if self._batch is None:
            shape = self.one("Shape", self.names[id(self.first.inputs[0])])
            self._batch = self.one("Slice", shape, self.ints([0]), self.ints([1]))
        return self._batch

    def dims(self, dims, other=None) -> str:
        """A 1-D int64 tensor of ``dims`` (their sizes in the first trace), each size that differs
        in ``other`` (the second trace's) computed from the batch."""
        dims = tuple(int(d) for d in dims)
        if other is None or tuple(other) == dims:
            return self.ints(dims, "shape")
        if len(other) != len(dims):
            raise ExportError(f"{self.where()}: the rank of a shape depends on the batch size")
        (b1, b2), parts, fixed = self.batches, [], []
        for d1, d2 in zip(dims, other):
            if d1 == d2:
                fixed.append(d1)
                continue
            k, r = divmod(d2 - d1, b2 - b1)
            c = d1 - k * b1
            if r or k <= 0 or c < 0:
                raise ExportError(f"{self.where()}: a size ({d1} at batch {b1}, {d2} at batch {b2}) "
                                  "is not a multiple of the batch size; export with a fixed batch size")
            if fixed:
                parts.append(self.ints(fixed))
                fixed = []
            size = self.batch() if k == 1 else self.one("Mul", self.batch(), self.ints([k]))
            parts.append(size if c == 0 else self.one("Add", size, self.ints([c])))
        if fixed:
            parts.append(self.ints(fixed))
        return parts[0] if len(parts) == 1 else self.one("Concat", *parts, axis=0)

    def other_param(self, key):
        """The value of the current record's parameter ``key`` in the second trace (or None)."""
        return None if self.record is None else self.record.other_params.get(key)

    def where(self) -> str:
        r = self.record
        return "ONNX export" if r is None else f"ONNX export of op '{r.name}' (from {r.where})"
