"""wb.function where a tensor's identity matters: one tensor passed twice, a tensor passed and
captured, a variable passed twice (a tape sees one tensor, as in eager mode), and a stateful
step whose Python closes over a large tensor computed earlier in the function."""

import numpy as np
import pytest

import workbench as wb
from workbench import core
from probability import mcmc

pytestmark = pytest.mark.filterwarnings("error::workbench.compiler.UnreplayableWarning")


def _grads(a, b):
    with wb.GradientTape() as tape:
        tape.watch(a)
        tape.watch(b)
        y = a * b + a
    return tape.gradient(y, [a, b])


def _check(got, want):
    got, want = wb.nest.flatten(got), wb.nest.flatten(want)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        np.testing.assert_array_equal(np.asarray(g), np.asarray(w))


def test_same_tensor_twice_gives_the_eager_gradients(fused):
    x = wb.constant([1.0, 2.0])
    y = wb.constant([3.0, -1.0])
    f = wb.function(_grads)
    for a, b in [(x, x), (x, y), (x, x), (y, y), (x, y)]:
        _check(f(a, b), _grads(a, b))
    # the same tensor twice is a new program of the same concrete function, not a new trace
    assert f.experimental_get_tracing_count() == 1
    np.testing.assert_array_equal(f(x, x)[0].numpy(), [3.0, 5.0])   # d(x*x + x)/dx = 2x + 1


def test_variable_twice_gives_the_eager_gradients(fused):
    v = wb.Variable([1.0, 2.0])
    w = wb.Variable([0.5, 4.0])

    def body(a, b):
        with wb.GradientTape() as tape:
            y = wb.reduce_sum(a * b + a)
        return tape.gradient(y, [a, b])
    f = wb.function(body)
    for a, b in [(v, v), (v, w), (v, v)]:
        _check(f(a, b), body(a, b))


def test_argument_also_captured_gives_the_eager_gradient_and_stays_intact(fused):
    x = wb.constant([1.0, 2.0])
    y = wb.constant([3.0, -1.0])

    def body(a):
        with wb.GradientTape() as tape:
            tape.watch(a)
            out = a * x + a
        return out, tape.gradient(out, a)
    f = wb.function(body)
    for a in [x, x, y, x, y, y]:
        _check(f(a), body(a))
    # the captured tensor is the caller's: a replay neither rebinds nor lets go of it
    np.testing.assert_array_equal(x.numpy(), [1.0, 2.0])
    np.testing.assert_array_equal(f(x)[1].numpy(), [3.0, 5.0])   # 2x + 1, as in eager mode
    np.testing.assert_array_equal(f(y)[1].numpy(), [2.0, 3.0])   # x + 1
    assert f.experimental_get_tracing_count() == 1


def test_argument_captured_first_seen_as_another_tensor(fused):
    # traced first with a tensor the function does not capture, then with the captured one
    x = wb.constant([1.0, 2.0])
    y = wb.constant([3.0, -1.0])

    def body(a):
        with wb.GradientTape() as tape:
            tape.watch(a)
            out = wb.reduce_sum(a * x * a)
        return tape.gradient(out, a)
    f = wb.function(body)
    for a in [y, x, y, x]:
        _check(f(a), body(a))


def test_effect_reads_a_large_tensor_computed_in_the_function(fused):
    # the chain's ops read `data` (80 KB, let go after its last reader), through the target's
    # closure: the chain's step must read it, or the second call finds it released
    def body(x0):
        data = wb.random.stateless_normal([20000], seed=[1, 2]) + x0
        centre = wb.reduce_mean(data)        # an op step that reads data before the chain
        target = lambda x: -wb.reduce_sum((x - wb.reduce_mean(data)) ** 2)   # noqa: E731
        kernel = mcmc.HamiltonianMonteCarlo(target, step_size=0.1, num_leapfrog_steps=3)
        states = mcmc.sample_chain(4, current_state=wb.zeros([2]), kernel=kernel, trace_fn=None,
                                   seed=[3, 4])
        return states, centre
    f = wb.function(body)
    for v in [1.0, 1.0, 3.0, -2.0]:
        _check(f(wb.constant(v)), body(wb.constant(v)))


def test_effect_step_reads_what_its_ops_read(fused):
    # any stateful call whose ops read a value computed earlier in the function, not only MCMC
    big = wb.constant(np.arange(20000, dtype=np.float32))
    v = wb.Variable(0.0)

    def body(x):
        data = big * x                        # 80 KB, computed in the function
        total = wb.reduce_sum(data)           # its last reader among the op steps
        core.effect(lambda: v.assign(wb.reduce_max(data)))()   # reads data through its closure
        return total
    f = wb.function(body)
    for x in [1.0, 2.0, 0.5]:
        f(wb.constant(x))
        assert float(v.numpy()) == 19999.0 * x
    steps = f.get_concrete_function(wb.constant(1.0)).steps
    effect = [s for s in steps if s.effect]
    assert len(effect) == 1 and any(not isinstance(r, wb.Variable) for r in effect[0].reads)
