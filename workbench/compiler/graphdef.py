"""A traced program seen as TF's graph: ``concrete.graph.as_graph_def().node``.

TF builds a graph and runs it; ``wb.function`` records the steps one eager run took (see
``trace``). This module shows those steps in the shape of TF's ``GraphDef``, so that code that
counts or lists a function's nodes runs: one ``Placeholder`` per tensor argument, one node
per step (named after its op, numbered as TF numbers repeated names), one node per variable
a step reads, and one ``Identity`` per returned tensor. Constants computed once at trace
time are not nodes (TF would show them as ``Const``).

>>> f = wb.function(lambda x: wb.matmul(x, x) + 1.0)
>>> [n.op for n in f.get_concrete_function(wb.ones([2, 2])).graph.as_graph_def().node]
['Placeholder', 'matmul', 'add', 'Identity']
"""

from __future__ import annotations

from .. import core, nest

__all__ = ["FuncGraph", "GraphDef", "NodeDef"]


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


class FuncGraph:
    """The graph of one concrete function (its latest program): ``name``, ``as_graph_def()``,
    ``inputs`` and ``outputs`` (node names)."""

    def __init__(self, name, program, parameter_names):
        self.name = name
        self._program = program
        self._names = parameter_names

    def as_graph_def(self) -> GraphDef:
        nodes, names, used = [], {}, {}

        def unique(base):
            n = used.get(base, 0)
            used[base] = n + 1
            return base if n == 0 else f"{base}_{n}"

        program = self._program
        flat_names = self._names
        for i, holder in enumerate(program._inputs):
            if holder is not None:
                name = unique(flat_names[i] if i < len(flat_names) else f"args_{i}")
                names[id(holder)] = name
                nodes.append(NodeDef(name, "Placeholder"))
        for step in program.steps:
            inputs = []
            for h in step.reads or ():
                if id(h) not in names and isinstance(h, core.Variable):
                    names[id(h)] = unique(h.name.split(":")[0].replace("/", "_") or "Variable")
                    nodes.append(NodeDef(names[id(h)], "VarHandleOp"))
                if id(h) in names:
                    inputs.append(names[id(h)])
            name = unique(step.name)
            nodes.append(NodeDef(name, step.name, inputs))
            for k, h in enumerate(step.writes):
                names[id(h)] = name if k == 0 else f"{name}:{k}"
        for t in nest.flatten(program._result):
            if isinstance(t, core.Tensor) and id(t) in names:
                nodes.append(NodeDef(unique("Identity"), "Identity", [names[id(t)]]))
        return GraphDef(nodes)

    @property
    def inputs(self) -> list:
        return [n.name for n in self.as_graph_def().node if n.op == "Placeholder"]

    @property
    def outputs(self) -> list:
        return [n.name for n in self.as_graph_def().node if n.op == "Identity"]

    def __repr__(self):
        return f"FuncGraph(name={self.name})"
