"""CUDA graphs for ``wb.function`` programs on the GPU.

A replayed program still launches its kernels one by one from Python: on small
arrays the GPU waits for the launches. A program whose steps only compute (no
variable updates, random draws, summaries or other stateful calls; no persistent
tape) is captured once, on its first replay, as one CUDA graph: later calls copy
their inputs into the graph's input buffers, launch the graph, and copy its
outputs out, with no Python between the kernels.

The graph owns its memory (a private CuPy memory pool, so that nothing else is
placed where a later launch writes). It reads variables where they were when it
was captured: when a variable's buffer has moved since (an assignment that
replaced it), the program is captured again. The first launch is checked against
the steps run one by one; a graph that does not reproduce them exactly, or a
program whose capture fails (a step that reads a value on the host), keeps
running step by step. ``WORKBENCH_CUDA_GRAPHS=0`` (or ``set_enabled(False)``)
turns capture off.
"""

from __future__ import annotations

import os

from .. import backend

__all__ = ["enabled", "set_enabled", "why_not", "Graph"]

_ON = {"on": os.environ.get("WORKBENCH_CUDA_GRAPHS", "1") not in ("0", "false", "off", "")}


def enabled() -> bool:
    return _ON["on"]


def set_enabled(on: bool):
    """Capture the replays of programs on the GPU as CUDA graphs (default on)."""
    _ON["on"] = bool(on)


def on_gpu(arrays) -> bool:
    return bool(arrays) and all(type(a).__module__.startswith("cupy") for a in arrays)


def why_not(steps, held) -> str | None:
    """Why a program (its :class:`Step` records, the variables it holds between calls)
    cannot be captured; None when it can."""
    if backend._cupy is None:
        return "CuPy is not installed"
    for step in steps:
        if step.effect:
            return f"step '{step.name}' is stateful or reads values it does not name"
    if held:
        return "a persistent tape holds variables between calls"
    return None


class Graph:
    """One capture of a program's steps. ``launch(arrays)`` runs it on new input arrays and
    returns nothing; the program's result holders then hold fresh copies of the outputs."""

    def __init__(self, steps, inputs, results, variables):
        import cupy  # optional: imported only when this is used

        self._cupy = cupy
        self._stream = cupy.cuda.Stream(non_blocking=True)
        self._pool = cupy.cuda.MemoryPool()
        self._inputs = inputs      # the program's input tensors
        self._results = results    # the tensors whose values the program returns
        self._variables = variables
        self._static = None
        self._outs = None
        self._graph = None
        self._steps = steps
        self._where = []

    def moved(self) -> bool:
        """Whether a variable's buffer has moved since the capture."""
        return any(v._data.data.ptr != ptr for v, ptr in self._where)

    def capture(self, arrays):
        """Record the steps on the inputs ``arrays`` (their values are copied in)."""
        cupy = self._cupy
        stream = self._stream
        stream.wait_event(cupy.cuda.get_current_stream().record())
        with cupy.cuda.using_allocator(self._pool.malloc), stream:
            self._static = [cupy.empty_like(a) for a in arrays]
            for s, a in zip(self._static, arrays):
                s[...] = a
            for t, s in zip(self._inputs, self._static):
                t._data = s
            stream.begin_capture()
            try:
                for step in self._steps:
                    step()
            finally:
                graph = stream.end_capture()
            self._outs = [t._data for t in self._results]
        self._graph = graph
        self._where = [(v, v._data.data.ptr) for v in self._variables]

    def launch(self, arrays):
        cupy = self._cupy
        stream = self._stream
        current = cupy.cuda.get_current_stream()
        stream.wait_event(current.record())
        with stream:
            for s, a in zip(self._static, arrays):
                s[...] = a
            self._graph.launch(stream)
            for t, o in zip(self._results, self._outs):
                t._data = o.copy()
        current.wait_event(stream.record())
