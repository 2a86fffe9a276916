"""A traced ``wb.function``'s program: its steps, how a replay runs them, and what it lets go."""

from __future__ import annotations

import threading

from .. import backend, core, nest
from ..core import Tensor, Variable
from . import cudagraph, fusion
from .signature import describe, signature
from .trace import RELEASED, hold, tensor_leaves

__all__ = ["Program"]


# ops whose purpose is the error they raise: kept when nothing reads their value (a validation
# that checks a mask with check_numerics must run on every replay)
_CHECKS = frozenset({"check_numerics"})


class Program:
    """One trace of a ``wb.function``: its steps, inputs and outputs."""

    def __init__(self, name, key, tracer, inputs, result):
        self.name = name
        self.key = key
        self.why = tracer.why
        self.eager = tracer.why is not None
        self.steps = tracer.steps  # the typed program (Step records), after fusion's regrouping
        self.fusion = None  # what fusion did to the steps (a Plan), if anything
        # the custom gradients the function's ops have ("custom_gradient:<name>"): what a saved
        # copy of the program (ONNX, which differentiates its ops) cannot keep
        self.custom_gradients = tuple(dict.fromkeys(tracer.custom_gradients))
        self._inputs = inputs  # per flattened argument: the input tensor it binds, or None
        self._result = result
        self._lock = threading.Lock()
        outputs = {id(t) for t in tensor_leaves(result)}
        self._dynamic = tracer.dynamic
        self._release = [t for t in tracer.produced + [t for t in inputs if t is not None]
                         if id(t) not in outputs and id(t) not in tracer.pinned] + tracer.slots
        # the traced results: a replay hands out fresh tensors, and these, which Python code
        # may have kept (a global assigned in the function), are let go as intermediates are
        self._returned = [t for t in tensor_leaves(result) if id(t) in tracer.dynamic
                          and not isinstance(t, Variable) and id(t) not in tracer.pinned]
        # variables still held when the function returns (persistent tapes): let go after a run
        self._held = [v for held in tracer.captures.values() for v in held.values()]
        self._captured = tracer.captured  # every variable a tape holds during a run
        self.cuda_graph = None     # the CUDA graph replays launch (workbench.compiler.cudagraph), once captured
        self.graph_why = None  # why there is none, when capture was tried or ruled out
        self._steps = [step.compute for step in self.steps]  # what a replay calls
        if not self.eager:
            self._prune({id(t) for t in tensor_leaves(result)} | tracer.pinned)
            self._plan(tracer.var_values)
            tracer.var_values = {}
            self.graph_why = cudagraph.why_not(self.steps, self._held)
            if tracer.external and self.graph_why is None:
                self.graph_why = "it reads values another function's program computes at each call"
            hold(tracer.produced + [t for t in inputs if t is not None])
            self._variables = list({id(h): h for step in self.steps for h in (step.reads or ())
                                    if isinstance(h, Variable)}.values())
        # what a replay gives values to: the inputs and the holders the steps write (a value
        # inside a fused group is never stored); the others keep the first release's RELEASED
        written = {id(h) for step in self.steps for h in step.writes}
        written.update(id(t) for t in inputs if t is not None)
        self._rebound = [t for t in self._release if id(t) in written]
        self._all_released = False

    @property
    def ops(self) -> tuple:
        """What each step is: op names, ``gradient/...`` for the reverse walk, ``fused(...)``."""
        return tuple(step.name for step in self.steps)

    def _prune(self, live):
        """TF's pruning of a graph: drop the op steps whose values no later step reads and the
        function does not return (``live``: ids of the values that are). Other steps (effects,
        bindings, reverse walks, whose bookkeeping must run) are kept, as is everything where
        a step reads values it does not name."""
        if any(step.reads is None for step in self.steps):
            return
        kept = []
        for step in reversed(self.steps):
            if (step.effect or step.what is None or step.what[0] != "op" or step.what[1].name in _CHECKS
                    or any(id(h) in live for h in step.writes)):
                kept.append(step)
                live.update(id(h) for h in step.reads)
        if len(kept) < len(self.steps):
            self.steps = kept[::-1]
            self._steps = [step.compute for step in self.steps]

    def _plan(self, var_values):
        """Fuse elementwise steps (``fusion``), and let go of each large intermediate after the
        last step that reads it."""
        internal = {id(t) for t in self._release}
        if fusion.enabled():
            plan = fusion.plan(self.steps, lambda h: id(h) not in internal, var_values)
            if plan is not None:
                self.fusion = plan
                if plan.kernels:
                    self.steps = plan.steps
        if any(step.reads is None for step in self.steps):
            self._steps = [step.compute for step in self.steps]
            return  # a step reads values it does not name: keep everything to the end
        last = {}
        for pos, step in enumerate(self.steps):
            for h in step.reads:
                last[id(h)] = pos
        drops = [[] for _ in self.steps]
        for t in self._release:
            pos = last.get(id(t))
            d = getattr(t, "_data", None)
            if pos is not None and getattr(d, "nbytes", 0) >= _EARLY_RELEASE_BYTES:
                drops[pos].append(t)
        self._steps = [_then_release(step.compute, tuple(d)) if d else step.compute
                       for step, d in zip(self.steps, drops)]

    def __repr__(self):
        return f"<wb.function program '{self.name}' {describe(self.key)}: {len(self._steps)} steps>"

    def __call__(self, *args, **kwargs):
        flat = nest.flatten((args, kwargs))
        if signature(args, kwargs, flat) != self.key:
            raise ValueError(f"{self!r}: called with the signature {describe(signature(args, kwargs, flat))}")
        return self.run(flat)

    @core.quiet   # no NumPy floating-point warnings from the replayed steps, as in eager ops
    def run(self, flat):
        with self._lock:
            arrays = self._graph_inputs(flat)
            if arrays is None:
                return self._run_steps(flat)
            if self.cuda_graph is not None and not self.cuda_graph.moved():
                self.cuda_graph.launch(arrays)
                try:
                    return self.outputs()
                finally:
                    self.release()
            # capture, launch once, and keep the graph if it gives what the steps give
            results = [t for t in tensor_leaves(self._result)
                       if id(t) in self._dynamic and not isinstance(t, Variable)]
            graph, got = self._capture(arrays, results)
            want = []
            out = self._run_steps(flat, results, want)
            if graph is not None:
                if len(got) == len(want) and all(
                        a.shape == b.shape and a.dtype == b.dtype
                        and bool(backend.xp_of(a).array_equal(a, b, equal_nan=True))
                        for a, b in zip(got, want)):
                    self.cuda_graph = graph
                else:
                    self.graph_why = "the captured graph's results differ from the steps'"
            return out

    def _graph_inputs(self, flat):
        """The input arrays, when this call is one for a CUDA graph; else None."""
        if self.graph_why is not None or self.eager:
            return None

        arrays = [_array_of(leaf) for leaf, t in zip(flat, self._inputs) if t is not None]
        return arrays if cudagraph.enabled() and cudagraph.on_gpu(arrays) else None

    def _capture(self, arrays, results):

        self.cuda_graph = None
        graph = cudagraph.Graph(self._steps, [t for t in self._inputs if t is not None], results,
                                self._variables)
        try:
            graph.capture(arrays)
            graph.launch(arrays)
            return graph, [t._data for t in results]
        except Exception as exc:  # noqa: BLE001 - a program that cannot be captured runs step by step
            self.graph_why = f"capture failed: {type(exc).__name__}: {exc}"
            return None, []
        finally:
            self.release()

    def _run_steps(self, flat, results=(), values=None):
        """Run the steps on the arguments; ``values`` (a list) receives the arrays of
        ``results`` before the intermediates are let go."""
        for leaf, t in zip(flat, self._inputs):
            if t is not None:
                t._data = _array_of(leaf)
        counts = [v._captures for v in self._captured]
        done = False
        try:
            for step in self._steps:
                step()
            out = self.outputs()
            if values is not None:
                values.extend(t._data for t in results)
            done = True
            return out
        finally:
            if done:
                for var in self._held:
                    var._captures -= 1
            else:  # a step failed: the tapes' holds on variables end here
                for var, n in zip(self._captured, counts):
                    var._captures = n
            self.release()

    def outputs(self):
        """The result with new tensors for the values the program computes."""
        dynamic = self._dynamic
        result = self._result
        if type(result) is Tensor:   # one tensor (the common result): no walk of a structure
            return core.wrap(result._data) if id(result) in dynamic else result

        def fresh(leaf):
            if isinstance(leaf, Tensor) and not isinstance(leaf, Variable) and id(leaf) in dynamic:
                return core.wrap(leaf._data)
            if isinstance(leaf, Variable):   # a returned variable: its value now, as TF returns it
                return core.wrap(backend.xp_of(leaf._data).array(leaf._data, copy=True))
            if isinstance(leaf, core.CompositeTensor):
                parts = leaf.components()
                if any(id(p) in dynamic for p in parts):
                    return leaf.from_components([core.wrap(p._data) if id(p) in dynamic else p
                                                 for p in parts])
            return leaf
        return nest.map_structure(fresh, self._result)

    def release(self):
        """Drop the intermediates (memory is not held between calls): all of them the first
        time, then those a replay gives values to."""
        for t in self._rebound if self._all_released else self._release:
            t._data = RELEASED
        self._all_released = True
        for t in self._returned:
            t._data = RELEASED


_EARLY_RELEASE_BYTES = 1 << 16  # smaller intermediates wait for the end of the run


def _then_release(step, holders):
    def run():
        step()
        for h in holders:
            h._data = RELEASED
    return run


def _array_of(leaf):
    if isinstance(leaf, Tensor):
        return leaf._data
    if isinstance(leaf, core.CompositeTensor):
        return leaf.components()[0]._data
    return core.to_array(leaf)
