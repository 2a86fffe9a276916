"""TF 2's gradient conventions at kinks, ties and unsafe branches."""

import numpy as np
import pytest

import workbench as wb


def grad(f, *xs):
    xs = [wb.constant(np.asarray(x, dtype=np.float64)) for x in xs]
    with wb.GradientTape() as tape:
        tape.watch(xs)
        y = f(*xs)
    return [None if g is None else g.numpy() for g in tape.gradient(y, xs)]


def test_maximum_ties_send_the_gradient_to_x():
    gx, gy = grad(lambda x, y: wb.maximum(x, y), [1.0, 2.0, 3.0], [1.0, 1.0, 4.0])
    assert gx.tolist() == [1.0, 1.0, 0.0] and gy.tolist() == [0.0, 0.0, 1.0]


def test_minimum_ties_send_the_gradient_to_x():
    gx, gy = grad(lambda x, y: wb.minimum(x, y), [1.0, 2.0, 3.0], [1.0, 1.0, 4.0])
    assert gx.tolist() == [1.0, 0.0, 1.0] and gy.tolist() == [0.0, 1.0, 0.0]


def test_clip_by_value_passes_the_gradient_at_the_bounds():
    (g,) = grad(lambda x: wb.clip_by_value(x, -1.0, 1.0), [-2.0, -1.0, 0.0, 1.0, 2.0])
    assert g.tolist() == [0.0, 1.0, 1.0, 1.0, 0.0]


def test_reduce_max_splits_the_gradient_among_ties():
    (g,) = grad(lambda x: wb.reduce_max(x), [1.0, 3.0, 3.0, 2.0])
    assert g.tolist() == [0.0, 0.5, 0.5, 0.0]
    (g,) = grad(lambda x: wb.reduce_min(x, axis=1), [[1.0, 1.0, 1.0], [2.0, 0.0, 5.0]])
    np.testing.assert_allclose(g, [[1 / 3, 1 / 3, 1 / 3], [0.0, 1.0, 0.0]])


def test_abs_and_sign_at_zero():
    (g,) = grad(lambda x: wb.abs(x), [-1.0, 0.0, 2.0])
    assert g.tolist() == [-1.0, 0.0, 1.0]
    (g,) = grad(lambda x: wb.sign(x) * 3.0, [-1.0, 0.0, 2.0])
    assert g.tolist() == [0.0, 0.0, 0.0]


def test_rounding_ops_have_no_gradient():
    with pytest.warns(UserWarning, match="no recorded op"):
        (g,) = grad(lambda x: wb.floor(x) + wb.round(x) + wb.ceil(x), [0.5, 1.5])
    assert g is None


def test_reduce_prod_with_zeros_is_exact():
    (g,) = grad(lambda x: wb.reduce_prod(x), [2.0, 0.0, 3.0])
    assert g.tolist() == [0.0, 6.0, 0.0]
    (g,) = grad(lambda x: wb.reduce_prod(x), [0.0, 0.0, 3.0])
    assert g.tolist() == [0.0, 0.0, 0.0]


def test_sqrt_at_zero_is_infinite_like_tf():
    with np.errstate(divide="ignore"):
        (g,) = grad(lambda x: wb.sqrt(x), [0.0, 4.0])
    assert np.isinf(g[0]) and g[1] == 0.25


def test_pow_gradient_in_y_is_finite_at_x_zero():
    # TF: the y-gradient uses log(x) only where x > 0
    gx, gy = grad(lambda x, y: wb.pow(x, y), [0.0, 2.0], [2.0, 3.0])
    assert gy.tolist() == [0.0, 8.0 * np.log(2.0)] and gx.tolist() == [0.0, 12.0]


def test_xlogy_and_div_no_nan_at_zero():
    gx, gy = grad(lambda x, y: wb.xlogy(x, y), [0.0, 1.0], [0.0, 2.0])
    assert gx[0] == 0.0 and gy[0] == 0.0
    gx, gy = grad(lambda x, y: wb.divide_no_nan(x, y), [1.0, 1.0], [0.0, 2.0])
    assert gx.tolist() == [0.0, 0.5] and gy[0] == 0.0


def test_where_unsafe_branch_gives_nan_and_the_safe_pattern_does_not():
    with np.errstate(all="ignore"):
        (g,) = grad(lambda x: wb.where(x > 0, wb.log(x), wb.zeros_like(x)), [0.0, 2.0])
    assert np.isnan(g[0])  # as in TF: 0 * (1/0) from the unpicked branch

    def safe(x):
        ok = x > 0
        return wb.where(ok, wb.log(wb.where(ok, x, wb.ones_like(x))), wb.zeros_like(x))
    (g,) = grad(safe, [0.0, 2.0])
    assert g.tolist() == [0.0, 0.5]


def test_logsumexp_is_stable_with_large_inputs():
    x = wb.constant([1000.0, 1000.0])
    assert float(wb.reduce_logsumexp(x)) == pytest.approx(1000.0 + np.log(2.0))
    assert float(wb.reduce_logsumexp(wb.constant([-np.inf, -np.inf]))) == -np.inf
    (g,) = grad(lambda x: wb.reduce_logsumexp(x), [1000.0, 1000.0])
    np.testing.assert_allclose(g, [0.5, 0.5], rtol=1e-12)


def test_sigmoid_and_softplus_are_stable():
    x = wb.constant([-1000.0, 0.0, 1000.0])
    np.testing.assert_allclose(wb.sigmoid(x).numpy(), [0.0, 0.5, 1.0])
    np.testing.assert_allclose(wb.softplus(x).numpy(), [0.0, np.log(2.0), 1000.0])
    np.testing.assert_allclose(wb.math.log_sigmoid(x).numpy(), [-1000.0, -np.log(2.0), 0.0])
