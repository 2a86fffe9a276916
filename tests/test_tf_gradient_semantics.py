"""TF's gradient semantics at singular points and for variable targets, pinned against TF.

TF's kernels for the gradients of sqrt, rsqrt and reciprocal (``SqrtGrad``, ``RsqrtGrad``,
``ReciprocalGrad`` in cwise_ops_gradients.h) return 0 where the incoming gradient is 0, so a
``tf.where`` that masks the singular point has a finite gradient. ``pow``'s gradient with
respect to the exponent takes log(x) as 0 where x <= 0 (math_grad.py ``_PowGrad``). ``RealDiv``'s
gradient is not guarded in TF (``grad / y``), so a masked ``x / 0`` still gives NaN, here as there.
"""

import numpy as np
import pytest

import gradients
import workbench as wb
from workbench import errors


def grad_of(f, x):
    x = wb.constant(x, dtype=wb.float64)
    with wb.GradientTape() as tape:
        tape.watch(x)
        y = wb.reduce_sum(f(x))
    return tape.gradient(y, x).numpy()


@pytest.mark.parametrize("op,expected", [
    (wb.sqrt, [0.0, 0.5, 0.25]),
    (wb.math.rsqrt, [0.0, -0.5, -0.0625]),
    (wb.math.reciprocal, [0.0, -1.0, -0.0625]),
])
def test_masked_singular_point_has_zero_gradient(op, expected):
    g = grad_of(lambda x: wb.where(x > 0, op(x), wb.zeros_like(x)), [0.0, 1.0, 4.0])
    np.testing.assert_allclose(g, expected)
    assert np.isfinite(g).all()


def test_unmasked_singular_point_keeps_its_infinite_gradient():
    # the guard only applies where the upstream gradient is 0
    assert np.isinf(grad_of(wb.sqrt, [0.0]))[0]
    assert np.isinf(grad_of(wb.math.reciprocal, [0.0]))[0]


def test_second_derivative_through_guarded_rule():
    x = wb.constant([1.0, 4.0], dtype=wb.float64)
    with wb.GradientTape() as outer:
        outer.watch(x)
        with wb.GradientTape() as inner:
            inner.watch(x)
            y = wb.reduce_sum(wb.sqrt(x))
        g = inner.gradient(y, x)
    np.testing.assert_allclose(g.numpy(), 0.5 / np.sqrt([1.0, 4.0]))
    np.testing.assert_allclose(outer.gradient(g, x).numpy(), -0.25 * np.array([1.0, 4.0]) ** -1.5)


def test_forward_mode_zero_tangent_at_the_singular_point():
    # TF 2.21's forward mode transposes the gradient's gradient: SqrtGradGrad is unguarded
    # (0.5 * t / sqrt(x): NaN), RsqrtGradGrad and ReciprocalGradGrad are guarded (0)
    x = wb.constant([0.0, 4.0], dtype=wb.float64)
    with gradients.ForwardAccumulator(x, wb.constant([0.0, 1.0], dtype=wb.float64)) as acc:
        y, r, q = wb.sqrt(x), wb.math.rsqrt(x), wb.math.reciprocal(x)
    np.testing.assert_array_equal(acc.jvp(y).numpy(), [np.nan, 0.25])
    np.testing.assert_array_equal(acc.jvp(r).numpy(), [0.0, -0.0625])
    np.testing.assert_array_equal(acc.jvp(q).numpy(), [0.0, -0.0625])


def test_pow_exponent_gradient_at_nonpositive_base_is_zero():
    x = wb.constant([0.0, -2.0, 2.0], dtype=wb.float64)
    y = wb.constant(2.0, dtype=wb.float64)
    with wb.GradientTape() as tape:
        tape.watch(y)
        z = wb.reduce_sum(wb.pow(x, y))
    np.testing.assert_allclose(tape.gradient(z, y).numpy(), 4.0 * np.log(2.0))


def test_divide_is_not_guarded_as_in_tf():
    x = wb.constant([0.0, 2.0], dtype=wb.float64)
    g = grad_of(lambda d: wb.where(d > 0, 1.0 / d, wb.zeros_like(d)), [0.0, 2.0])
    assert np.isnan(g[0]) and g[1] == pytest.approx(-0.25)
    del x


def test_guarded_rules_match_in_a_function():
    @wb.function
    def grad(x):
        with wb.GradientTape() as tape:
            tape.watch(x)
            y = wb.reduce_sum(wb.where(x > 0, wb.sqrt(x), wb.zeros_like(x)))
        return tape.gradient(y, x)

    for value in ([0.0, 1.0, 4.0], [9.0, 0.0, 0.25]):
        x = wb.constant(value, dtype=wb.float64)
        eager = grad_of(lambda t: wb.where(t > 0, wb.sqrt(t), wb.zeros_like(t)), value)
        np.testing.assert_array_equal(grad(x).numpy(), eager)


def test_gradient_of_a_variable_with_respect_to_itself_is_ones():
    v = wb.Variable([1.0, 2.0])
    with wb.GradientTape() as tape:
        pass
    np.testing.assert_array_equal(tape.gradient(v, v).numpy(), [1.0, 1.0])
    with wb.GradientTape() as tape:
        y = v * 3.0
    np.testing.assert_array_equal(tape.gradient([v, y], v).numpy(), [4.0, 4.0])
    with wb.GradientTape() as tape:
        pass
    seed = wb.constant([5.0, 6.0])
    np.testing.assert_array_equal(tape.gradient(v, v, output_gradients=seed).numpy(), [5.0, 6.0])


def test_unwatched_constant_target_is_its_own_seed():
    # TF 2.21: a target that is also the source gets its seed (ones), watched or not
    x = wb.constant(1.0)
    with wb.GradientTape() as tape:
        pass
    g = tape.gradient(x, x)
    assert g.dtype == wb.float32 and g.numpy() == 1.0
    y = wb.constant([1.0, 2.0])
    with wb.GradientTape() as tape:
        z = y * 2.0
    with pytest.warns(errors.UnconnectedGradientWarning):
        assert tape.gradient(z, y) is None   # unwatched and not the target: None, as TF
