"""ForwardAccumulator (tf.autodiff.ForwardAccumulator): TF 2's documented semantics."""

import numpy as np
import pytest

import workbench as wb
from gradients import ForwardAccumulator, GradientTape, numerical_jacobian, recompute_grad

from tests.conftest import assert_close, f64


def _f(x):
    return wb.stack([wb.reduce_sum(wb.sin(x) * x), x[0] * x[1] * x[2], wb.reduce_logsumexp(x)])


def test_jvp_is_the_jacobian_times_the_tangent():
    x = f64([0.4, -1.1, 0.7])
    v = np.array([1.0, 2.0, -0.5])
    with ForwardAccumulator(x, f64(v)) as acc:
        y = _f(x)
    _, (jac,) = numerical_jacobian(_f, [x])
    assert_close(acc.jvp(y), jac @ v, rtol=1e-7, atol=1e-9)


def test_variable_primal_as_in_tfs_linear_regression_example():
    x = wb.constant([[2.0, 3.0], [1.0, 4.0]])
    targets = wb.constant([[1.0], [-1.0]])
    kernel = wb.Variable([[0.5], [-0.25]])
    bias = wb.Variable([0.1])
    with ForwardAccumulator(primals=kernel, tangents=wb.constant([[1.0], [0.0]])) as acc:
        loss = wb.reduce_sum((wb.matmul(x, kernel) + bias - targets) ** 2.0)
    resid = x.numpy() @ kernel.numpy() + bias.numpy() - targets.numpy()
    assert_close(acc.jvp(loss), np.sum(2 * resid * x.numpy()[:, :1]), rtol=1e-6)


def test_nested_primals_and_jvp_structure():
    a, b = wb.constant(2.0), wb.constant(3.0)
    with ForwardAccumulator({"a": a, "b": [b]}, {"a": wb.constant(1.0), "b": [wb.constant(10.0)]}) as acc:
        y = a * b
        z = a + b
    out = acc.jvp({"y": y, "z": [z]})
    assert out["y"].numpy() == 3.0 + 20.0 and out["z"][0].numpy() == 11.0


def test_jvp_of_the_primal_is_its_tangent():
    x = wb.constant([1.0, 2.0])
    with ForwardAccumulator(x, wb.constant([5.0, 6.0])) as acc:
        pass
    assert_close(acc.jvp(x), [5.0, 6.0])


def test_unconnected_and_unwatched_give_none_or_zeros():
    x, c = wb.constant([1.0, 2.0]), wb.constant([3.0, 4.0])
    before = x * 2.0  # computed before the accumulator existed
    with ForwardAccumulator(x, wb.constant([1.0, 1.0])) as acc:
        k = c * c
    after = x * 3.0  # computed after the accumulator was exited
    assert acc.jvp(k) is None and acc.jvp(before) is None and acc.jvp(after) is None
    assert acc.jvp(k, unconnected_gradients="zero").numpy().tolist() == [0.0, 0.0]


def test_stop_gradient_blocks_tangents():
    x = wb.constant(3.0)
    with ForwardAccumulator(x, wb.constant(1.0)) as acc:
        y = x * wb.stop_gradient(x)
    assert acc.jvp(y).numpy() == 3.0


def test_tangent_must_match_primal():
    x = wb.constant([1.0, 2.0])
    with pytest.raises(ValueError, match="shape"):
        ForwardAccumulator(x, wb.constant([1.0]))
    with pytest.raises(TypeError, match="dtype"):
        ForwardAccumulator(x, wb.constant(np.array([1.0, 2.0])))
    with pytest.raises(ValueError, match="tangents"):
        ForwardAccumulator([x, x], [wb.constant([1.0, 2.0])])
    # TF 2.21: an integer primal's tangent is its own jvp but reaches no op
    a, b = wb.constant([1, 2]), wb.constant([1.0, 2.0], dtype=wb.float64)
    with ForwardAccumulator([a, b], [wb.constant([1, 1]), wb.constant([3.0, 4.0], dtype=wb.float64)]) as acc:
        y = wb.cast(a, wb.float64) * b
        z = a + 1
    np.testing.assert_array_equal(acc.jvp(y).numpy(), [3.0, 8.0])
    assert acc.jvp(z) is None
    np.testing.assert_array_equal(acc.jvp(a).numpy(), [1, 1])


def test_hessian_vector_product_forward_over_backward():
    # TF's recipe: the accumulator outside, the tape inside, jvp of the gradient
    x = f64([0.5, -0.3])
    v = f64([1.0, 2.0])
    with ForwardAccumulator(x, v) as acc:
        with GradientTape() as tape:
            tape.watch(x)
            y = wb.reduce_sum(x ** 3) + x[0] * x[1]
        g = tape.gradient(y, x)
    h = np.array([[6 * 0.5, 1.0], [1.0, 6 * -0.3]])
    assert_close(acc.jvp(g), h @ v.numpy(), rtol=1e-12)


def test_reverse_over_forward():
    x = f64([0.5, -0.3])
    v = f64([1.0, 2.0])
    with GradientTape() as tape:
        tape.watch(x)
        with ForwardAccumulator(x, v) as acc:
            y = wb.reduce_sum(x ** 3) + x[0] * x[1]
        jvp = acc.jvp(y)
    h = np.array([[6 * 0.5, 1.0], [1.0, 6 * -0.3]])
    assert_close(tape.gradient(jvp, x), h @ v.numpy(), rtol=1e-12)


def test_nested_accumulators_give_second_derivatives():
    x = f64(1.5)
    with ForwardAccumulator(x, f64(1.0)) as outer:
        with ForwardAccumulator(x, f64(1.0)) as inner:
            y = x ** 3
        dy = inner.jvp(y)
    assert_close(dy, 3 * 1.5 ** 2)
    assert_close(outer.jvp(dy), 6 * 1.5)


def test_recompute_grad_under_forward_accumulator():
    f = recompute_grad(lambda t: wb.sin(t) * t)
    x = f64([0.2, 1.0])
    with ForwardAccumulator(x, f64([1.0, -1.0])) as acc:
        y = f(x)
    xn = x.numpy()
    assert_close(acc.jvp(y), (np.cos(xn) * xn + np.sin(xn)) * np.array([1.0, -1.0]), rtol=1e-12)
