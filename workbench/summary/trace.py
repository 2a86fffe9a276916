"""``wb.summary.trace_on`` / ``trace_export``: the graphs of the ``wb.function`` traces made in
between, written for TensorBoard's graph dashboard.

Each program traced while tracing is on is written as ``wb.function``'s graph view shows it
(``ConcreteFunction.graph``: a node per argument, step, variable and result; see
``workbench.compiler.graphdef``), the nodes of each function under its name, in one
``GraphDef`` event. ``profiler=True`` starts ``wb.profiler`` (a Python profile, not TF's).
"""

from __future__ import annotations

import threading
import time

from .. import profiler
from ..compiler import api
from .writer import _resolve_step, _state

__all__ = ["trace_on", "trace_off", "trace_export"]

_lock = threading.Lock()
_active: dict = {"graphs": None, "profiler": False}


def trace_on(graph=True, profiler=False, profiler_outdir=None):
    """Start collecting the graphs of new ``wb.function`` traces (``graph``) and, with
    ``profiler``, start ``wb.profiler`` writing to ``profiler_outdir``."""
    with _lock:
        if _active["graphs"] is not None or _active["profiler"]:
            return   # TF warns and keeps the trace that is on
        if graph:
            _active["graphs"] = []
            api.TRACE_LOGS.append(_active["graphs"])
    if profiler:
        if profiler_outdir is None:
            raise ValueError("trace_on: profiler=True needs profiler_outdir (where the profile is written)")
        profiler.experimental.start(profiler_outdir)
        _active["profiler"] = True


def trace_off():
    """Stop collecting (and the profiler trace_on started); what was collected is dropped."""
    with _lock:
        graphs = _active["graphs"]
        if graphs is not None:
            api.TRACE_LOGS.remove(graphs)
        _active["graphs"] = None
        profiling, _active["profiler"] = _active["profiler"], False
    if profiling:
        profiler.experimental.stop()


def trace_export(name, step=None, profiler_outdir=None):
    """Write the graphs collected since ``trace_on`` to the default writer as one
    ``GraphDef`` event at ``step`` (``name`` prefixes nothing: TensorBoard shows one graph per
    run and step), then stop tracing as TF does."""
    if not isinstance(name, str) or not name:
        raise TypeError(f"trace_export: name must be a non-empty string, got {name!r}")
    graphs = _active["graphs"]
    writer = _state.writer
    try:
        if graphs is None:
            return   # TF warns: trace_on was not called
        if writer is None:
            raise ValueError("trace_export: no default summary writer (use `with writer.as_default():`)")
        step = _resolve_step(step)
        from tensorboard.compat.proto import event_pb2, graph_pb2  # optional: the [tracking] extra
        merged = graph_pb2.GraphDef()
        for g in graphs:
            for node in g.as_graph_def().node:
                n = merged.node.add()
                n.name = f"{g.name}/{node.name}"
                n.op = node.op
                n.input.extend(f"{g.name}/{i}" for i in node.input)
        writer.write_event(event_pb2.Event(wall_time=time.time(), step=step,
                                           graph_def=merged.SerializeToString()))
    finally:
        trace_off()
