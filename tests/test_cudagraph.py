"""CUDA graph capture of ``wb.function`` programs (workbench.cudagraph).

On the CPU the program's side of it is checked with a stand-in for the graph (which
records the steps and runs them again on launch): when capture happens, that a graph
that disagrees is dropped, that a failed capture falls back to the steps, and that a
moved variable buffer means a new capture. The real graphs run with
``WORKBENCH_DEVICE=gpu``.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

import workbench as wb
from workbench.compiler import cudagraph


def _w3(x):
    with wb.GradientTape() as tape:
        tape.watch(x)
        loss = wb.reduce_sum(wb.tanh(x) * x + wb.exp(-x * x))
    return loss, tape.gradient(loss, x)


def _same(a, b):
    for x, y in zip(wb.nest.flatten(a), wb.nest.flatten(b)):
        np.testing.assert_array_equal(np.asarray(x.numpy()), np.asarray(y.numpy()))


class _StandIn:
    """A graph's interface, on NumPy: capture runs the steps on copies of the inputs (a
    real capture only records them), launch runs them again."""

    captures = 0
    corrupt = False
    fail = False

    def __init__(self, steps, inputs, results, variables):
        self._steps, self._inputs, self._results = steps, inputs, results
        self._variables = variables
        self.launches = 0

    def moved(self):
        return any(v._data is not a for v, a in self._where)

    def capture(self, arrays):
        if _StandIn.fail:
            raise RuntimeError("operation not permitted when stream is capturing")
        _StandIn.captures += 1
        self._where = [(v, v._data) for v in self._variables]
        self.launch(arrays, count=False)

    def launch(self, arrays, count=True):
        self.launches += count
        for t, a in zip(self._inputs, arrays):
            t._data = a.copy()
        for step in self._steps:
            step()
        for t in self._results:
            t._data = t._data.copy() + (1 if _StandIn.corrupt else 0)


@pytest.fixture
def stand_in(monkeypatch):
    monkeypatch.setattr(cudagraph, "on_gpu", lambda arrays: True)
    monkeypatch.setattr(cudagraph, "Graph", _StandIn)
    monkeypatch.setattr(cudagraph, "why_not", lambda steps, held: next(
        (f"step '{s.name}' is stateful or reads values it does not name"
         for s in steps if s.effect), None))
    _StandIn.captures, _StandIn.corrupt, _StandIn.fail = 0, False, False
    yield _StandIn


def test_pure_program_is_captured_on_its_first_replay_then_launched(stand_in):
    rng = np.random.default_rng(0)
    traced = wb.function(_w3)
    xs = [wb.constant(rng.standard_normal(500).astype(np.float32)) for _ in range(4)]
    for x in xs:
        _same(_w3(x), traced(x))
    program = traced.get_concrete_function(xs[0])
    assert stand_in.captures == 1 and program.cuda_graph is not None and program.graph_why is None
    assert program.cuda_graph.launches == 3  # once to check it (call 2), then calls 3 and 4


@pytest.mark.parametrize("trouble, why", [("corrupt", "differ"), ("fail", "capture failed")])
def test_a_graph_that_disagrees_or_fails_is_not_used(stand_in, trouble, why):
    setattr(stand_in, trouble, True)
    rng = np.random.default_rng(1)
    traced = wb.function(_w3)
    for _ in range(3):
        x = wb.constant(rng.standard_normal(100).astype(np.float32))
        _same(_w3(x), traced(x))
    program = traced.get_concrete_function(x)
    assert program.cuda_graph is None and why in program.graph_why


def test_a_moved_variable_buffer_means_a_new_capture(stand_in):
    rng = np.random.default_rng(3)
    w = wb.Variable(rng.standard_normal(64).astype(np.float32))

    def step(x):
        with wb.GradientTape() as tape:
            loss = wb.reduce_sum(wb.tanh(w * x))
        return loss, tape.gradient(loss, w)

    traced = wb.function(step)
    x = wb.constant(rng.standard_normal(64).astype(np.float32))
    traced(x), traced(x), traced(x)
    assert stand_in.captures == 1
    w.assign(wb.constant(rng.standard_normal((64,)).astype(np.float32)))
    w._data = w._data.copy()  # as an assignment that replaces the buffer does
    _same(step(x), traced(x))
    assert stand_in.captures == 2


def test_stateful_programs_are_not_captured(stand_in):
    rng = np.random.default_rng(4)
    w = wb.Variable(rng.standard_normal(64).astype(np.float32))

    def step(x):
        with wb.GradientTape() as tape:
            loss = wb.reduce_sum(wb.tanh(w * x))
        w.assign_sub(0.1 * tape.gradient(loss, w))
        return loss

    traced = wb.function(step)
    x = wb.constant(rng.standard_normal(64).astype(np.float32))
    traced(x), traced(x)
    program = traced.get_concrete_function(x)
    assert stand_in.captures == 0 and "stateful" in program.graph_why


def test_cpu_programs_have_no_graph():
    traced = wb.function(_w3)
    x = wb.constant(np.ones(10, np.float32))
    traced(x), traced(x)
    program = traced.get_concrete_function(x)
    assert program.cuda_graph is None


gpu = pytest.mark.skipif(os.environ.get("WORKBENCH_DEVICE", "").lower() != "gpu",
                         reason="GPU test: run with WORKBENCH_DEVICE=gpu")


@gpu
def test_gpu_graph_replays_equal_eager():
    import cupy

    rng = np.random.default_rng(5)
    traced = wb.function(_w3)
    for _ in range(5):
        x = wb.constant(cupy.asarray(rng.standard_normal((256, 100)).astype(np.float32)))
        _same(_w3(x), traced(x))
    program = traced.get_concrete_function(x)
    assert program.cuda_graph is not None, program.graph_why


@gpu
def test_gpu_graph_follows_a_replaced_variable():
    import cupy

    rng = np.random.default_rng(6)
    w = wb.Variable(cupy.asarray(rng.standard_normal(300).astype(np.float32)))

    def step(x):
        with wb.GradientTape() as tape:
            loss = wb.reduce_sum(wb.tanh(w * x) * x)
        return loss, tape.gradient(loss, w)

    traced = wb.function(step)
    x = wb.constant(cupy.asarray(rng.standard_normal(300).astype(np.float32)))
    for _ in range(3):
        _same(step(x), traced(x))
    assert traced.get_concrete_function(x).cuda_graph is not None
    w.assign(rng.standard_normal(300).astype(np.float32))
    w._data = w._data.copy()
    _same(step(x), traced(x))


@gpu
def test_gpu_graphs_can_be_turned_off():
    import cupy

    cudagraph.set_enabled(False)
    try:
        traced = wb.function(_w3)
        x = wb.constant(cupy.ones(100, np.float32))
        traced(x), traced(x), traced(x)
        assert traced.get_concrete_function(x).cuda_graph is None
    finally:
        cudagraph.set_enabled(True)
