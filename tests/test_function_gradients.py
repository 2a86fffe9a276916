"""wb.gradients / wb.hessians: TF 2's graph-mode gradients inside a wb.function (checked
against finite differences in float64 and against eager GradientTape); RuntimeError in eager
mode, with TF's message."""

import warnings

import numpy as np
import pytest

import workbench as wb
from gradients import numerical_jacobian

pytestmark = pytest.mark.filterwarnings("error::workbench.compiler.UnreplayableWarning")

EAGER = "tf.gradients is not supported when eager execution is enabled. Use tf.GradientTape instead."


def _f64(values):
    return wb.constant(np.asarray(values, dtype=np.float64))


def _loss(x, w):
    return wb.reduce_sum(wb.tanh(wb.matmul(x, w)) ** 2) + wb.reduce_sum(wb.exp(-x) * x)


def test_eager_mode_raises_tfs_error():
    x = wb.constant([1.0, 2.0])
    with pytest.raises(RuntimeError) as e:
        wb.gradients(x * x, x)
    assert str(e.value) == EAGER
    with pytest.raises(RuntimeError) as e:
        wb.hessians(x * x, x)
    assert str(e.value) == EAGER


def test_run_functions_eagerly_raises_too():
    f = wb.function(lambda x: wb.gradients(x * x, x))
    wb.config.run_functions_eagerly(True)
    try:
        with pytest.raises(RuntimeError, match="not supported when eager execution"):
            f(wb.constant(1.0))
    finally:
        wb.config.run_functions_eagerly(False)


def test_gradients_match_finite_differences_and_the_tape(fused):
    rng = np.random.default_rng(0)
    f = wb.function(lambda x, w: wb.gradients(_loss(x, w), [x, w]))
    for _ in range(3):   # the first call traces, the later ones replay on new values
        x, w = _f64(rng.normal(size=(3, 2))), _f64(rng.normal(size=(2, 4)))
        got = f(x, w)
        with wb.GradientTape() as tape:
            tape.watch([x, w])
            loss = _loss(x, w)
        want = tape.gradient(loss, [x, w])
        _, num = numerical_jacobian(_loss, [x, w])
        for g, t, n in zip(got, want, num):
            np.testing.assert_allclose(g.numpy(), t.numpy(), rtol=1e-12, atol=1e-12)
            np.testing.assert_allclose(g.numpy().ravel(), n.ravel(), rtol=1e-6, atol=1e-8)
    assert f.experimental_get_tracing_count() == 1


def test_grad_ys_stop_gradients_unconnected_variables_and_constants(fused):
    # the values TF 2.21 gives for the same function under tf.function
    v = wb.Variable([1.0, 3.0])
    c = wb.constant(5.0)

    @wb.function
    def f(x):
        y = x * x * v + wb.reduce_sum(x) * c
        z = wb.reduce_sum(y)
        a = x * 2.0
        b = a * a
        return {
            "all": wb.gradients(z, [x, v, c]),
            "grad_ys": wb.gradients(y, x, grad_ys=wb.constant([1.0, 10.0])),
            "none": wb.gradients(z, wb.constant(1.0)),
            "zero": wb.gradients(z, wb.constant(1.0), unconnected_gradients="zero"),
            "stop": wb.gradients(b, [a, x], stop_gradients=[a]),
            "sum": wb.gradients([wb.reduce_sum(x * x), wb.reduce_sum(x)], x),
        }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # the unconnected sources are reported
        for _ in range(2):
            out = f(wb.constant([1.0, 2.0]))
            np.testing.assert_array_equal(out["all"][0].numpy(), [12.0, 22.0])
            np.testing.assert_array_equal(out["all"][1].numpy(), [1.0, 4.0])
            assert float(out["all"][2]) == 6.0
            np.testing.assert_array_equal(out["grad_ys"][0].numpy(), [57.0, 175.0])
            assert out["none"] == [None]
            assert float(out["zero"][0]) == 0.0
            np.testing.assert_array_equal(out["stop"][0].numpy(), [4.0, 8.0])
            assert out["stop"][1] is None
            np.testing.assert_array_equal(out["sum"][0].numpy(), [3.0, 5.0])
        v.assign([2.0, 2.0])   # the replay reads the variable's new value
        out = f(wb.constant([1.0, 2.0]))
        np.testing.assert_array_equal(out["all"][0].numpy(), [14.0, 18.0])


def test_an_assignment_cuts_the_graph_as_in_tf():
    v = wb.Variable([0.0, 0.0])

    @wb.function
    def f(x):
        v.assign(x * x)
        return wb.gradients(wb.reduce_sum(v * 2.0), [x, v])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g = f(wb.constant([1.0, 2.0]))
    assert g[0] is None
    np.testing.assert_array_equal(g[1].numpy(), [2.0, 2.0])


def test_a_read_before_an_assignment_is_refused():
    v = wb.Variable([1.0, 2.0])

    @wb.function
    def f(x):
        y = wb.reduce_sum(v * x)
        v.assign_add(x)
        return wb.gradients(y, v)
    with pytest.raises(NotImplementedError, match="assigned to the variable"):
        f(wb.constant([1.0, 1.0]))


def test_hessians_match_finite_differences_of_the_gradient(fused):
    def cubic(x):
        return wb.reduce_sum(x ** 3) * wb.reduce_sum(wb.sin(x))

    f = wb.function(lambda x: wb.hessians(cubic(x), x))
    rng = np.random.default_rng(1)
    for _ in range(2):
        x = _f64(rng.normal(size=(3,)))
        (h,) = f(x)
        assert h.shape == (3, 3)

        def grad(x):
            with wb.GradientTape() as tape:
                tape.watch(x)
                y = cubic(x)
            return tape.gradient(y, x)
        _, (num,) = numerical_jacobian(grad, [x])
        np.testing.assert_allclose(h.numpy(), num, rtol=1e-6, atol=1e-8)
    # a non-scalar ys is summed first, as TF does: the hessian of sum(x * x) is 2 I
    g = wb.function(lambda x: wb.hessians(x * x, x))
    np.testing.assert_array_equal(g(wb.constant([1.0, 2.0]))[0].numpy(), 2.0 * np.eye(2))


def test_gradients_of_gradients(fused):
    @wb.function
    def f(x):
        (g,) = wb.gradients(wb.reduce_sum(x ** 4), x)   # 4 x^3
        return wb.gradients(wb.reduce_sum(g), x)         # 12 x^2
    for v in ([1.0, 2.0], [0.5, -3.0]):
        np.testing.assert_allclose(f(_f64(v))[0].numpy(), 12.0 * np.asarray(v) ** 2)


def test_hessians_of_unconnected_ys_say_so():
    f = wb.function(lambda x, y: wb.hessians(wb.reduce_sum(y * y), x))
    with pytest.raises(ValueError, match="does not depend on xs"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f(wb.constant([1.0]), wb.constant([2.0]))


def test_an_unconnected_source_is_reported_at_the_callers_line():
    from workbench.errors import UnconnectedGradientWarning

    f = wb.function(lambda x: wb.gradients(x * 2.0, [x, wb.constant(1.0)]))
    with pytest.warns(UnconnectedGradientWarning, match="no recorded op connects it") as said:
        g = f(wb.constant(3.0))
    assert float(g[0]) == 2.0 and g[1] is None
    assert said[0].filename == __file__
