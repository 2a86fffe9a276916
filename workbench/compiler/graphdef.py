"""A traced program seen as TF's graph: ``concrete.graph.as_graph_def().node``.

TF builds a graph and runs it; ``wb.function`` records what one eager run did (see ``trace``).
This module shows that record in the shape of TF's ``GraphDef``, so that code that counts or
lists a function's nodes runs: one ``Placeholder`` per tensor argument, one node per op the
trace ran (named after the op, numbered as TF numbers repeated names; ops on constants
too, which the program computed once at trace time and does not replay, as TF keeps them in
its graph), per random draw, stateful call and reverse walk, one ``Const`` per constant an op
used, one ``VarHandleOp`` per variable, and one ``Identity`` per returned tensor.

The nodes are ours, not TF's: an op here may be several TF nodes or several ops here one TF
node (TF adds ``ReadVariableOp`` and ``NoOp`` nodes, writes a loop over a dataset as one
``While`` node where the trace here unrolls it, and prunes unused nodes), so node counts
match TF's for plain arithmetic and differ elsewhere.

>>> f = wb.function(lambda x: wb.matmul(x, x) + 1.0)
>>> [n.op for n in f.get_concrete_function(wb.ones([2, 2])).graph.as_graph_def().node]
['Placeholder', 'matmul', 'Const', 'add', 'Identity']
"""

from __future__ import annotations

from .. import core
from .trace import tensor_leaves

__all__ = ["FuncGraph", "Graph", "GraphDef", "NodeDef", "record"]

# op records whose TF node has another name (string ``+`` is TF's ``add``)
_TF_NAMES = {"string_add": "add"}


class NodeDef:
    """One node: ``name``, ``op`` and the names of the nodes it reads (``input``)."""

    __slots__ = ("name", "op", "input")

    def __init__(self, name, op, inputs=()):
        self.name, self.op, self.input = name, op, list(inputs)

    def __repr__(self):
        lines = [f'name: "{self.name}"', f'op: "{self.op}"'] + [f'input: "{i}"' for i in self.input]
        return "node {\n" + "".join(f"  {line}\n" for line in lines) + "}"


class GraphDef:
    """The nodes of a graph, in the order its steps run (``node``)."""

    def __init__(self, nodes):
        self.node = list(nodes)

    def __repr__(self):
        return "\n".join(repr(n) for n in self.node)


class Graph:
    """TF's ``tf.Graph`` as far as this library has graphs: the type of a concrete function's
    ``graph`` (:class:`FuncGraph`). TF 1's graph building (``Graph().as_default()`` with
    placeholders and sessions) has no counterpart: ``wb.function`` traces Python into programs."""

    def as_default(self):
        raise NotImplementedError("Graph.as_default: TF 1's graph building (placeholders, sessions) is "
                                  "not supported; trace a Python function with wb.function instead")


class FuncGraph(Graph):
    """The graph of one concrete function (its latest program): ``name``, ``as_graph_def()``,
    ``inputs`` and ``outputs`` (node names)."""

    def __init__(self, name, program, parameter_names):
        self.name = name
        self._program = program
        self._names = parameter_names

    def as_graph_def(self) -> GraphDef:
        nodes, used = [], {}

        def unique(base):
            n = used.get(base, 0)
            used[base] = n + 1
            return base if n == 0 else f"{base}_{n}"

        flat_names = self._names
        names = []
        for kind, what, refs in self._program.graph_nodes:
            inputs = [names[j] if k == 0 else f"{names[j]}:{k}" for j, k in refs]
            if kind == "Placeholder":
                name = unique(flat_names[what] if what < len(flat_names) else f"args_{what}")
            elif kind == "VarHandleOp":
                name = unique(what.path.replace("/", "_") or "Variable")
            else:
                kind = _TF_NAMES.get(kind, kind)
                name = unique(kind)
            names.append(name)
            nodes.append(NodeDef(name, kind, inputs))
        return GraphDef(nodes)

    @property
    def inputs(self) -> list:
        return [n.name for n in self.as_graph_def().node if n.op == "Placeholder"]

    @property
    def outputs(self) -> list:
        return [n.name for n in self.as_graph_def().node if n.op == "Identity"]

    def __repr__(self):
        return f"FuncGraph(name={self.name})"


def record(events, inputs, arrays, result) -> tuple:
    """The nodes of a trace, as ``(kind, what, inputs)``: ``kind`` an op's name or
    ``Placeholder`` (``what``: the flat argument's index), ``VarHandleOp`` (``what``: the
    variable), ``Const`` or ``Identity``; ``inputs`` the ``(node index, output index)`` each
    reads. ``events``: what the tracer saw run (``Tracer.events``); ``inputs``: the tensor each
    flat argument binds, or None; ``arrays``: id(array) -> the traced value that holds it (a
    new wrapper of a traced value reads that value); ``result``: the traced result."""
    nodes, where = [], {}
    for i, t in enumerate(inputs):
        if t is not None:
            where[id(t)] = (len(nodes), 0)
            nodes.append(("Placeholder", i, ()))

    def ref(t):
        r = where.get(id(t))
        if r is not None:
            return r
        if not isinstance(t, core.Variable):
            src = arrays.get(id(getattr(t, "_data", None)))
            if src is not None and src is not t:
                r = where[id(t)] = ref(src)
                return r
        nodes.append(("VarHandleOp", t, ()) if isinstance(t, core.Variable) else ("Const", None, ()))
        r = where[id(t)] = (len(nodes) - 1, 0)
        return r

    for name, args, outs, _ in events:
        refs = tuple(ref(a) for a in args if isinstance(a, core.Tensor))
        for k, o in enumerate(outs):
            where[id(o)] = (len(nodes), k)
        nodes.append((name, None, refs))
    for leaf in tensor_leaves(result):
        nodes.append(("Identity", None, (ref(leaf),)))
    return tuple(nodes)
