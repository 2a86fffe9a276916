"""GradientTape: TF 2's documented semantics, one test per behaviour."""

import warnings

import numpy as np
import pytest

import workbench as wb
from gradients import ForwardAccumulator, GradientTape, numerical_jacobian
from workbench.errors import UnconnectedGradientWarning

from tests.conftest import assert_close, f64


def _ops_recorded(tape):
    return sum(r is not None for r in tape._records)


# ---------------------------------------------------------------------------
# recording and watching


def test_watched_constant_gives_the_gradient():
    x = wb.constant(3.0)
    with GradientTape() as g:
        g.watch(x)
        y = x * x
    assert g.gradient(y, x).numpy() == 6.0


def test_non_persistent_tape_used_twice_raises_runtime_error():
    x = wb.constant(3.0)
    with GradientTape() as g:
        g.watch(x)
        y = x * x
    g.gradient(y, x)
    with pytest.raises(RuntimeError, match="persistent"):
        g.gradient(y, x)


def test_persistent_tape_gives_several_gradients():
    x = wb.constant(3.0)
    with GradientTape(persistent=True) as g:
        g.watch(x)
        y = x * x
        z = y * y
    assert g.gradient(z, x).numpy() == 108.0  # 4 x^3
    assert g.gradient(y, x).numpy() == 6.0
    assert g.gradient(z, y).numpy() == 18.0


def test_trainable_variables_are_watched_automatically():
    v = wb.Variable(2.0)
    with GradientTape() as g:
        y = v * v
    assert g.gradient(y, v).numpy() == 4.0
    assert g.watched_variables() == (v,)


def test_non_trainable_variables_are_not_watched():
    v = wb.Variable(2.0, trainable=False)
    with GradientTape() as g:
        y = v * v
    with pytest.warns(UnconnectedGradientWarning, match="not watched"):
        assert g.gradient(y, v) is None
    assert g.watched_variables() == ()


def test_watch_accessed_variables_false_watches_only_what_is_asked():
    a, b = wb.Variable(2.0), wb.Variable(3.0)
    with GradientTape(watch_accessed_variables=False) as g:
        g.watch(a)
        y = a * b
    assert g.watched_variables() == (a,)
    with pytest.warns(UnconnectedGradientWarning):
        ga, gb = g.gradient(y, [a, b])
    assert ga.numpy() == 3.0 and gb is None


def test_watched_variables_in_first_watched_order():
    a, b, c = wb.Variable(1.0), wb.Variable(2.0), wb.Variable(3.0, trainable=False)
    with GradientTape() as g:
        y = c * b
        y = y + a * b
        g.watch(c)  # an explicitly watched non-trainable variable counts as well
    assert g.watched_variables() == (b, a, c)


def test_stop_recording_suspends_recording():
    x = wb.constant(4.0)
    with GradientTape(persistent=True) as g:
        g.watch(x)
        with g.stop_recording():
            y = x * x * x
        z = x * x
    with pytest.warns(UnconnectedGradientWarning):
        assert g.gradient(y, x) is None
    assert g.gradient(z, x).numpy() == 8.0


def test_stop_recording_outside_the_tape_raises():
    g = GradientTape()
    with pytest.raises(RuntimeError):
        with g.stop_recording():
            pass


def test_reset_forgets_recorded_ops():
    x = wb.constant(2.0)
    with GradientTape() as g:
        g.watch(x)
        y = x * x * x  # discarded by the reset below
        g.reset()
        g.watch(x)
        y = x * x
    assert g.gradient(y, x).numpy() == 4.0


def test_operations_on_unwatched_tensors_are_not_recorded():
    x, c = wb.constant(2.0), wb.constant(5.0)
    with GradientTape() as g:
        g.watch(x)
        k = c * c  # nothing watched: not recorded
        y = x * k
    assert _ops_recorded(g) == 1
    assert g.gradient(y, x).numpy() == 25.0


# ---------------------------------------------------------------------------
# structures, output_gradients, unconnected sources


def test_nested_sources_give_the_same_structure():
    a, b, c = wb.constant(1.0), wb.constant(2.0), wb.constant(3.0)
    with GradientTape() as g:
        g.watch([a, b, c])
        y = a * b * c
    grads = g.gradient(y, {"a": a, "bc": [b, (c,)]})
    assert set(grads) == {"a", "bc"} and isinstance(grads["bc"], list) and isinstance(grads["bc"][1], tuple)
    assert grads["a"].numpy() == 6.0 and grads["bc"][0].numpy() == 3.0 and grads["bc"][1][0].numpy() == 2.0


def test_a_list_of_targets_is_summed():
    x = wb.constant(3.0)
    with GradientTape() as g:
        g.watch(x)
        ys = [x * x, 2.0 * x, {"z": x * x * x}]
    assert g.gradient(ys, x).numpy() == 6.0 + 2.0 + 27.0


def test_non_scalar_target_is_summed():
    x = wb.constant([1.0, 2.0])
    with GradientTape() as g:
        g.watch(x)
        y = x * x
    assert_close(g.gradient(y, x), [2.0, 4.0])


def test_output_gradients_weight_the_target():
    x = wb.constant([1.0, 2.0])
    with GradientTape() as g:
        g.watch(x)
        y = x * x
    assert_close(g.gradient(y, x, output_gradients=wb.constant([10.0, -1.0])), [20.0, -4.0])


def test_output_gradients_shape_must_match():
    x = wb.constant([1.0, 2.0])
    with GradientTape() as g:
        g.watch(x)
        y = x * x
    with pytest.raises(ValueError, match="shape"):
        g.gradient(y, x, output_gradients=wb.constant([1.0]))


def test_unconnected_gradients_none_and_zero():
    x, z = wb.constant([1.0, 2.0]), wb.constant([3.0])
    with GradientTape(persistent=True) as g:
        g.watch([x, z])
        y = x * x
    with pytest.warns(UnconnectedGradientWarning, match="no recorded op connects it"):
        assert g.gradient(y, z) is None
    zero = g.gradient(y, z, unconnected_gradients="zero")
    assert zero.shape == (1,) and zero.numpy().tolist() == [0.0]
    zero = g.gradient(y, z, unconnected_gradients=wb.UnconnectedGradients.ZERO)
    assert zero.numpy().tolist() == [0.0]
    with pytest.raises(ValueError, match="unconnected_gradients"):
        g.gradient(y, z, unconnected_gradients="zeros")


def test_integer_sources_get_none_with_a_warning():
    n = wb.constant(3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnconnectedGradientWarning)
        with GradientTape() as g:
            g.watch(n)  # warns: integer tensors cannot be watched
            y = n * n
    with pytest.warns(UnconnectedGradientWarning, match="int32"):
        assert g.gradient(y, n) is None


def test_watching_an_integer_tensor_warns():
    with GradientTape() as g:
        with pytest.warns(UnconnectedGradientWarning, match="cannot carry gradients"):
            g.watch(wb.constant([1, 2]))


def test_unwatched_source_warns_and_says_why():
    x = wb.constant(2.0)
    with GradientTape() as g:
        y = x * x
    with pytest.warns(UnconnectedGradientWarning, match="not watched"):
        assert g.gradient(y, x) is None


def test_gradient_with_respect_to_an_intermediate_tensor():
    x = wb.constant(3.0)
    with GradientTape() as g:
        g.watch(x)
        y = x * x
        z = y * y
    dz_dy, dz_dx = g.gradient(z, [y, x])
    assert dz_dy.numpy() == 18.0 and dz_dx.numpy() == 108.0


def test_target_is_the_source():
    x = wb.constant([1.0, 2.0])
    with GradientTape() as g:
        g.watch(x)
    assert_close(g.gradient(x, x), [1.0, 1.0])


def test_gradient_after_a_variable_update_uses_the_read_value():
    v = wb.Variable(2.0)
    with GradientTape() as g:
        y = v * v
        v.assign(10.0)  # the tape keeps the value that was read
    assert g.gradient(y, v).numpy() == 4.0
    assert float(v) == 10.0


def test_variable_updates_are_in_place_once_no_tape_holds_a_read():
    v = wb.Variable([1.0, 2.0])
    with GradientTape() as g:
        y = wb.reduce_sum(v * v)
    grad = g.gradient(y, v)  # a non-persistent tape lets go of its records here
    buf = v._data
    v.assign_sub(0.1 * grad)
    assert v._data is buf
    np.testing.assert_allclose(v.numpy(), [0.8, 1.6], rtol=1e-6)


def test_assign_add_inside_a_persistent_tape_keeps_recorded_reads():
    v = wb.Variable(3.0)
    with GradientTape(persistent=True) as g:
        y = v * v
        v.assign_add(1.0)
        z = v * v
    assert g.gradient(y, v).numpy() == 6.0 and g.gradient(z, v).numpy() == 8.0
    del g
    buf = v._data
    v.assign_add(1.0)
    assert v._data is buf and float(v) == 5.0


def test_stop_gradient_blocks_reverse_mode():
    x = wb.constant(3.0)
    with GradientTape() as g:
        g.watch(x)
        y = x * wb.stop_gradient(x)
    assert g.gradient(y, x).numpy() == 3.0


# ---------------------------------------------------------------------------
# higher order


def test_nested_tapes_give_second_derivatives():
    x = wb.constant(5.0)
    with GradientTape() as outer:
        outer.watch(x)
        with GradientTape() as inner:
            inner.watch(x)
            y = x * x * x
        dy = inner.gradient(y, x)
    assert dy.numpy() == 75.0
    assert outer.gradient(dy, x).numpy() == 30.0


def test_hessian_as_the_jacobian_of_the_gradient():
    a = np.array([[2.0, 0.5, 0.0], [0.5, 3.0, 1.0], [0.0, 1.0, 4.0]])
    x = f64([0.3, -0.2, 0.7])
    with GradientTape() as outer:
        outer.watch(x)
        with GradientTape() as inner:
            inner.watch(x)
            y = 0.5 * wb.reduce_sum(x * wb.linalg.matvec(f64(a), x)) + wb.reduce_sum(x ** 3)
        g = inner.gradient(y, x)
    h = outer.jacobian(g, x)
    assert_close(h, a + np.diag(6 * x.numpy()))


def test_hessian_vector_product_forward_over_reverse():
    x = f64([0.3, -0.2, 0.7])
    v = f64([1.0, 2.0, -1.0])
    with ForwardAccumulator(x, v) as acc:
        with GradientTape() as tape:
            tape.watch(x)
            y = wb.reduce_sum(wb.sin(x) * x * x)
        g = tape.gradient(y, x)
    xn = x.numpy()
    h = np.diag(2 * np.sin(xn) + 4 * xn * np.cos(xn) - xn * xn * np.sin(xn))
    assert_close(acc.jvp(g), h @ v.numpy(), rtol=1e-10)


# ---------------------------------------------------------------------------
# jacobian, batch_jacobian


def _fn(x):
    return wb.stack([wb.reduce_sum(wb.sin(x) * x), wb.reduce_prod(x), x[0] * x[2]])


def test_jacobian_shape_and_values_against_finite_differences():
    x = f64([[0.5, 1.2], [-0.3, 0.8]])
    with GradientTape() as g:
        g.watch(x)
        y = wb.reshape(wb.stack([_fn(wb.reshape(x, (4,)))] * 2), (2, 3))
    j = g.jacobian(y, x)
    assert j.shape == (2, 3, 2, 2)
    _, (num,) = numerical_jacobian(lambda t: wb.reshape(wb.stack([_fn(wb.reshape(t, (4,)))] * 2), (2, 3)), [x])
    assert_close(j.numpy().reshape(6, 4), num, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("chunk", [1, 2, 5, None])
def test_jacobian_parallel_iterations_chunks_agree(chunk):
    x = f64(np.linspace(-1, 1, 5))
    with GradientTape(persistent=True) as g:
        g.watch(x)
        y = wb.sin(x)[:, None] * x[None, :]
    full = g.jacobian(y, x)
    part = g.jacobian(y, x, parallel_iterations=chunk)
    assert part.shape == (5, 5, 5)
    assert_close(part, full.numpy(), rtol=0, atol=0)


def test_jacobian_of_structures_and_unconnected():
    x, z = f64([1.0, 2.0]), f64([3.0])
    with GradientTape(persistent=True) as g:
        g.watch([x, z])
        y = x * x
    jx, jz = g.jacobian(y, [x, z], unconnected_gradients="zero")
    assert_close(jx, np.diag([2.0, 4.0]))
    assert jz.shape == (2, 1) and not jz.numpy().any()
    with pytest.warns(UnconnectedGradientWarning):
        assert g.jacobian(y, {"z": z}) == {"z": None}


def test_jacobian_on_a_non_persistent_tape_once():
    x = f64([1.0, 2.0])
    with GradientTape() as g:
        g.watch(x)
        y = x * x
    assert_close(g.jacobian(y, x), np.diag([2.0, 4.0]))
    with pytest.raises(RuntimeError):
        g.jacobian(y, x)


@pytest.mark.parametrize("chunk", [None, 1, 2])
def test_batch_jacobian(chunk):
    rng = np.random.default_rng(0)
    w = f64(rng.standard_normal((3, 2)))
    x = f64(rng.standard_normal((4, 3)))
    with GradientTape() as g:
        g.watch(x)
        y = wb.tanh(wb.matmul(x, w))  # [4, 2]
    bj = g.batch_jacobian(y, x, parallel_iterations=chunk)
    assert bj.shape == (4, 2, 3)
    d = 1 - np.tanh(x.numpy() @ w.numpy()) ** 2
    want = d[:, :, None] * w.numpy().T[None, :, :]
    assert_close(bj, want, rtol=1e-10)


def test_batch_jacobian_needs_matching_batch_dimension():
    x = f64(np.ones((3, 2)))
    with GradientTape() as g:
        g.watch(x)
        y = wb.reduce_sum(x)
        z = wb.ones((2, 2), dtype=wb.float64) * wb.reduce_sum(x)
    with pytest.raises(ValueError, match=r"Shape \(\) must have rank at least 2"):   # TF 2.21's words
        g.batch_jacobian(y, x)
    with pytest.raises(ValueError, match="batch"):
        g.batch_jacobian(z, x)


def test_jacobian_of_a_variable():
    v = wb.Variable(np.array([1.0, 2.0, 3.0]))
    with GradientTape() as g:
        y = v * v
    assert_close(g.jacobian(y, v), np.diag([2.0, 4.0, 6.0]))


def test_complex_sources_get_tfs_conjugate_gradient():
    # TF's convention: for holomorphic f the gradient is conj(f'(z)) times the incoming one
    z = wb.constant(np.array([1 + 2j], dtype=np.complex128))
    with GradientTape() as g:
        g.watch(z)
        y = z * z
    np.testing.assert_allclose(g.gradient(y, z).numpy(), [2 - 4j])
    s = wb.constant(np.array([1], dtype=np.int32))
    with GradientTape() as g:
        with pytest.warns(UserWarning, match="floating and complex"):
            g.watch(s)


def test_tapes_are_per_thread():
    # TF's tapes are thread-local: an op run on another thread is not recorded
    import threading
    x = wb.constant(2.0)
    out = {}
    with GradientTape(persistent=True) as g:
        g.watch(x)
        t = threading.Thread(target=lambda: out.setdefault("y", x * x))
        t.start()
        t.join()
        z = x * 3.0
    assert float(g.gradient(z, x)) == 3.0
    with pytest.warns(UserWarning, match="not connected"):
        assert g.gradient(out["y"], x) is None
