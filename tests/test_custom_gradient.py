"""custom_gradient and recompute_grad: TF 2's documented semantics."""

import numpy as np
import pytest

import workbench as wb
from gradients import ForwardAccumulator, GradientTape, check_gradients, custom_gradient, recompute_grad

from tests.conftest import assert_close, f64


@custom_gradient
def log1pexp(x):
    e = wb.exp(x)

    def grad(dy):
        return dy * (1 - 1 / (1 + e))
    return wb.math.log(1 + e), grad


def _grad(f, *xs):
    with GradientTape() as g:
        g.watch(list(xs))
        y = f(*xs)
    return g.gradient(y, list(xs))


def test_custom_gradient_replaces_the_rule():
    # TF's example: the plain formula's gradient is NaN at x = 100 in float32, the custom one is 1
    x = wb.constant(100.0)
    (g,) = _grad(log1pexp, x)
    assert g.numpy() == 1.0
    with np.errstate(over="ignore", invalid="ignore"):
        (plain,) = _grad(lambda t: wb.math.log(1 + wb.exp(t)), x)
    assert np.isnan(plain.numpy())


def test_custom_gradient_is_used_even_when_it_is_not_the_true_gradient():
    @custom_gradient
    def clip_gradients(y):
        def backward(dy):
            return wb.clip_by_value(dy, -0.5, 0.5)
        return wb.identity(y), backward

    x = wb.constant([1.0, 2.0])
    (g,) = _grad(lambda t: clip_gradients(t) * 3.0, x)
    assert_close(g, [0.5, 0.5])


def test_multiple_inputs_and_outputs():
    @custom_gradient
    def f(a, b):
        def grad(dp, dq):  # one upstream gradient per output
            return dp * b + dq, dp * a - dq
        return (a * b, a - b), grad

    a, b = wb.constant(2.0), wb.constant(5.0)
    with GradientTape() as g:
        g.watch([a, b])
        p, q = f(a, b)
        y = 3.0 * p + q
    ga, gb = g.gradient(y, [a, b])
    assert ga.numpy() == 3.0 * 5.0 + 1.0 and gb.numpy() == 3.0 * 2.0 - 1.0


def test_unused_output_gets_a_zero_upstream_gradient():
    seen = []

    @custom_gradient
    def f(a):
        def grad(dp, dq):
            seen.append(dq.numpy())
            return dp * 2.0
        return (a * 2.0, a * 3.0), grad

    a = wb.constant([1.0, 1.0])
    with GradientTape() as g:
        g.watch(a)
        p, _ = f(a)
    assert_close(g.gradient(p, a), [2.0, 2.0])
    assert seen[0].tolist() == [0.0, 0.0]


def test_a_none_input_gradient_means_no_gradient():
    @custom_gradient
    def f(a, b):
        return a * b, lambda dy: (dy * b, None)

    a, b = wb.constant(2.0), wb.constant(3.0)
    with GradientTape() as g:
        g.watch([a, b])
        y = f(a, b)
    ga, gb = g.gradient(y, [a, b], unconnected_gradients="zero")
    assert ga.numpy() == 3.0 and gb.numpy() == 0.0


def test_wrong_number_of_gradients_is_an_error():
    @custom_gradient
    def f(a, b):
        return a * b, lambda dy: dy

    a, b = wb.constant(2.0), wb.constant(3.0)
    with GradientTape() as g:
        g.watch([a, b])
        y = f(a, b)
    with pytest.raises(ValueError, match="1 gradients for 2 tensor inputs"):
        g.gradient(y, [a, b])


def test_variables_are_passed_to_grad_fn():
    v = wb.Variable(3.0)

    @custom_gradient
    def f(x):
        def grad(dy, variables=None):
            assert variables == [v]
            return dy * v * 10.0, [dy * x * 100.0]
        return x * v, grad

    x = wb.constant(2.0)
    with GradientTape() as g:
        g.watch(x)
        y = f(x)
    gx, gv = g.gradient(y, [x, v])
    assert gx.numpy() == 30.0 and gv.numpy() == 200.0


def test_variables_need_a_grad_fn_that_accepts_them():
    v = wb.Variable(3.0)

    @custom_gradient
    def f(x):
        return x * v, lambda dy: dy * v

    with pytest.raises(TypeError, match="variables"):
        f(wb.constant(2.0))


def test_differentiable_grad_fn_gives_second_order():
    @custom_gradient
    def cube(x):
        return x * x * x, lambda dy: dy * 3.0 * x * x

    check_gradients(lambda x: cube(x) * x, [f64([0.3, -1.2])], order=2)


def test_nested_custom_gradient_defines_the_second_order():
    # TF's pattern: the first-order gradient is itself a custom_gradient function
    @custom_gradient
    def f(x):
        def first(dy):
            @custom_gradient
            def inner(u):
                return 2.0 * u, lambda ddy: ddy * 100.0  # a deliberately "wrong" second order
            return dy * inner(x)
        return x * x, first

    x = wb.constant(3.0)
    with GradientTape() as outer:
        outer.watch(x)
        with GradientTape() as tape:
            tape.watch(x)
            y = f(x)
        dy = tape.gradient(y, x)
    assert dy.numpy() == 6.0
    assert outer.gradient(dy, x).numpy() == 100.0


def test_custom_gradient_under_forward_accumulator():
    x = wb.constant(np.array([0.5, 100.0]))
    t = wb.constant(np.array([2.0, 1.0]))
    with ForwardAccumulator(x, t) as acc:
        y = log1pexp(x)
    want = 1 / (1 + np.exp(-x.numpy())) * t.numpy()
    assert_close(acc.jvp(y), want, rtol=1e-12)


def test_custom_gradient_checks_against_finite_differences():
    check_gradients(lambda x: log1pexp(x) * x, [f64([0.4, -1.5, 2.0])], order=2)


def test_stop_gradient_inside_custom_function_does_not_matter():
    # the custom rule decides, whatever ops the forward used
    @custom_gradient
    def f(x):
        return wb.stop_gradient(x) * 2.0, lambda dy: dy * 2.0
    (g,) = _grad(f, wb.constant(1.0))
    assert g.numpy() == 2.0


# ---------------------------------------------------------------------------
# recompute_grad


def _block(x, w):
    h = wb.tanh(wb.matmul(x, w))
    return wb.reduce_sum(wb.sin(h) * h)


def test_recompute_grad_gives_the_same_gradients_with_fewer_records():
    rng = np.random.default_rng(1)
    x = f64(rng.standard_normal((3, 4)))
    w = f64(rng.standard_normal((4, 2)))
    with GradientTape() as plain:
        plain.watch([x, w])
        y1 = _block(x, w)
    n_plain = sum(r is not None for r in plain._records)
    g1 = plain.gradient(y1, [x, w])
    with GradientTape() as ckpt:
        ckpt.watch([x, w])
        y2 = recompute_grad(_block)(x, w)
    n_ckpt = sum(r is not None for r in ckpt._records)
    g2 = ckpt.gradient(y2, [x, w])
    assert n_ckpt == 1 < n_plain  # only the call is recorded, not its intermediates
    assert_close(y2, y1.numpy(), rtol=0, atol=0)
    for a, b in zip(g1, g2):
        assert_close(b, a.numpy(), rtol=1e-12, atol=1e-12)


def test_recompute_grad_runs_the_function_again_in_the_backward_pass():
    calls = []
    v = wb.Variable(1.5)

    def f(x):
        calls.append(1)
        return x * v

    g = recompute_grad(f)
    with GradientTape() as tape:
        r = wb.constant(1.0)
        for _ in range(4):
            r = g(r)
    assert len(calls) == 4
    (gv,) = tape.gradient(r, [v])  # variables captured by f get gradients too (TF's example)
    assert len(calls) == 8
    assert_close(gv, 4 * 1.5 ** 3)


def test_recompute_grad_second_order():
    check_gradients(recompute_grad(lambda x: wb.reduce_sum(wb.exp(x) * x)), [f64([0.2, -0.4])], order=2)


def test_python_number_arguments_are_inputs_as_in_tf():
    # TF converts every positional argument to a tensor; grad_fn returns one gradient each
    @wb.custom_gradient
    def clip_gradient_by_norm(x, norm):
        y = wb.identity(x)

        def grad(dy):
            return wb.clip_by_norm(dy, norm), None
        return y, grad

    x = wb.constant([3.0, 4.0])
    with wb.GradientTape() as tape:
        tape.watch(x)
        y = wb.reduce_sum(clip_gradient_by_norm(x, 1.0) * 10.0)
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), [1 / np.sqrt(2), 1 / np.sqrt(2)], rtol=1e-6)


def test_jacobian_through_an_output_that_is_not_the_first():
    """The jacobian's cotangents come one row at a time also when the first output is unused
    (its cotangent is None, so the batch is read from another output's)."""
    seen = []

    @wb.custom_gradient
    def f(x):
        def grad(dy1, dy2):
            seen.append((tuple(dy1.shape), tuple(dy2.shape)))
            return dy1 * 2.0 + dy2 * 3.0
        return (x * 2.0, x * 3.0), grad

    x = wb.constant([1., 2.])
    with wb.GradientTape(persistent=True) as tape:
        tape.watch(x)
        _, b = f(x)
    np.testing.assert_array_equal(tape.jacobian(b, x).numpy(), 3.0 * np.eye(2))
    assert set(seen) == {((2,), (2,))}
