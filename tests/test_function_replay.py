"""What a ``wb.function`` replay pays for besides the arithmetic: the planned reverse walk over
variables of any class, and letting go of intermediates."""

import numpy as np
import pytest

import workbench as wb
from workbench.compiler.trace import RELEASED


class _Subclassed(wb.Variable):
    """A variable class of its own (as Keras 3's ``keras.Variable`` is)."""


def _same(a, b):
    fa, fb = wb.nest.flatten(a), wb.nest.flatten(b)
    assert len(fa) == len(fb)
    for x, y in zip(fa, fb):
        np.testing.assert_array_equal(np.asarray(x), np.asarray(y))


def test_the_walk_is_planned_for_variables_of_a_subclass(monkeypatch, fused):
    rng = np.random.default_rng(0)
    w = _Subclassed(rng.standard_normal((4, 3)).astype(np.float32))
    b = _Subclassed(np.zeros(3, np.float32))

    def step(x):
        with wb.GradientTape() as tape:
            loss = wb.reduce_mean(wb.tanh(wb.matmul(x, w) + b) ** 2)
        return loss, tape.gradient(loss, [w, b])

    traced = wb.function(step)
    x = wb.constant(rng.standard_normal((5, 4)).astype(np.float32))
    _same(step(x), traced(x))
    assert any(op.startswith("gradient/") for op in traced.get_concrete_function(x).ops)

    def no_walk(*a, **k):
        raise AssertionError("the replay walked the tape")
    monkeypatch.setattr(wb.GradientTape, "over", staticmethod(no_walk))
    for _ in range(3):
        x = wb.constant(rng.standard_normal((5, 4)).astype(np.float32))
        got = traced(x)
        monkeypatch.undo()
        _same(step(x), got)
        monkeypatch.setattr(wb.GradientTape, "over", staticmethod(no_walk))


@pytest.mark.parametrize("n", [16, 50_000])
def test_a_replay_lets_go_of_every_intermediate(fused, n):
    """After each call every intermediate holds RELEASED (a replay rebinds only those its
    steps write: values inside a fused group are never stored)."""
    rng = np.random.default_rng(1)

    def step(x):
        with wb.GradientTape() as tape:
            tape.watch(x)
            y = wb.reduce_sum(wb.exp(wb.tanh(x) * x) - x * 3.0)
        return y, tape.gradient(y, x)

    traced = wb.function(step)
    x = wb.constant(rng.standard_normal(n).astype(np.float32))
    traced(x)
    program = traced.get_concrete_function(x)._latest
    assert program._release and len(program._rebound) <= len(program._release)
    for _ in range(3):
        x = wb.constant(rng.standard_normal(n).astype(np.float32))
        _same(step(x), traced(x))
        assert all(t._data is RELEASED for t in program._release)
        assert all(t._data is RELEASED for t in program._returned)
    if fused:
        assert len(program._rebound) < len(program._release)
