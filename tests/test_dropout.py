"""wb.nn.dropout and wb.nn.stateless_dropout: TF's scaling, noise_shape, seeds and gradients."""

import numpy as np
import pytest

import workbench as wb
from gradients import ForwardAccumulator, GradientTape, check_gradients


def test_kept_values_are_scaled_and_about_rate_are_dropped():
    x = np.random.default_rng(0).uniform(1.0, 2.0, (200, 100)).astype(np.float32)
    rate = 0.3
    y = wb.nn.stateless_dropout(wb.constant(x), rate, seed=[1, 2]).numpy()
    kept = y != 0
    np.testing.assert_allclose(y[kept], x[kept] / (1 - rate), rtol=1e-6)
    n = x.size
    frac = 1 - kept.mean()
    assert abs(frac - rate) < 4 * np.sqrt(rate * (1 - rate) / n)
    assert y.dtype == np.float32 and y.shape == x.shape


def test_dropout_preserves_the_mean():
    y = wb.nn.stateless_dropout(wb.ones([100000], dtype=wb.float64), 0.5, seed=[3, 4]).numpy()
    assert abs(y.mean() - 1.0) < 4 * 1.0 / np.sqrt(y.size)


def test_rate_zero_is_identity():
    x = wb.constant([[1.0, -2.0], [3.0, 4.0]])
    assert wb.nn.dropout(x, 0.0) is x
    assert wb.nn.stateless_dropout(x, 0, seed=[1, 1]) is x


@pytest.mark.parametrize("rate", [1.0, -0.1, 1.5])
def test_rate_outside_unit_interval_is_a_value_error(rate):
    with pytest.raises(ValueError, match=r"rate must be a number in the range \[0, 1\)"):
        wb.nn.dropout(wb.ones([3]), rate)
    with pytest.raises(ValueError, match="rate"):
        wb.nn.stateless_dropout(wb.ones([3]), rate, seed=[1, 2])


def test_rate_may_be_a_scalar_tensor():
    y = wb.nn.stateless_dropout(wb.ones([1000]), wb.constant(0.5), seed=[1, 2]).numpy()
    assert set(np.unique(y).tolist()) == {0.0, 2.0}


def test_integer_input_is_a_type_error():
    with pytest.raises(TypeError, match="floating"):
        wb.nn.dropout(wb.constant([1, 2, 3]), 0.5)


def test_noise_shape_shares_decisions_along_size_one_dims():
    x = wb.ones([50, 8, 6])
    y = wb.nn.stateless_dropout(x, 0.5, seed=[5, 6], noise_shape=[50, 1, 6]).numpy()
    # the same features dropped at every position of dimension 1
    np.testing.assert_array_equal(y, np.broadcast_to(y[:, :1, :], y.shape))
    assert 0 < (y == 0).mean() < 1
    # None copies x's size (TF's rule)
    z = wb.nn.stateless_dropout(x, 0.5, seed=[5, 6], noise_shape=[None, 1, None]).numpy()
    np.testing.assert_array_equal(z, y)
    w = wb.nn.dropout(x, 0.5, noise_shape=[1, 1, 6], seed=3).numpy()
    np.testing.assert_array_equal(w, np.broadcast_to(w[:1, :1, :], w.shape))


def test_bad_noise_shape_is_a_value_error():
    with pytest.raises(ValueError, match="noise_shape"):
        wb.nn.dropout(wb.ones([4, 3]), 0.5, noise_shape=[4, 2])
    with pytest.raises(ValueError, match="noise_shape"):
        wb.nn.dropout(wb.ones([4, 3]), 0.5, noise_shape=[4])


def test_stateless_dropout_is_a_function_of_the_seed():
    assert wb.nn.experimental.stateless_dropout is wb.nn.stateless_dropout  # TF's home for it
    x = wb.ones([64])
    a = wb.nn.stateless_dropout(x, 0.5, seed=[1, 2]).numpy()
    np.testing.assert_array_equal(a, wb.nn.stateless_dropout(x, 0.5, seed=wb.constant([1, 2])).numpy())
    assert not np.array_equal(a, wb.nn.stateless_dropout(x, 0.5, seed=[1, 3]).numpy())


def test_seeded_dropout_follows_tf_seed_rules():
    x = wb.ones([64])
    wb.random.set_seed(10)
    a1 = wb.nn.dropout(x, 0.5, seed=1).numpy()
    a2 = wb.nn.dropout(x, 0.5, seed=1).numpy()
    assert not np.array_equal(a1, a2)  # a new mask every call
    wb.random.set_seed(10)
    np.testing.assert_array_equal(wb.nn.dropout(x, 0.5, seed=1).numpy(), a1)
    np.testing.assert_array_equal(wb.nn.dropout(x, 0.5, seed=1).numpy(), a2)
    wb.random.set_seed(10)
    b = wb.nn.dropout(x, 0.5).numpy()  # global generator: also reproducible after set_seed
    wb.random.set_seed(10)
    np.testing.assert_array_equal(wb.nn.dropout(x, 0.5).numpy(), b)


def test_gradient_is_mask_over_keep_probability():
    x = wb.Variable(np.random.default_rng(1).uniform(0.5, 1.5, (10, 7)))
    rate = 0.4
    with GradientTape() as tape:
        y = wb.nn.stateless_dropout(x, rate, seed=[7, 8])
        loss = wb.reduce_sum(y)
    g = tape.gradient(loss, x).numpy()
    mask = (y.numpy() != 0).astype(np.float64)
    np.testing.assert_allclose(g, mask / (1 - rate), rtol=1e-12)
    with ForwardAccumulator(x, wb.ones([10, 7], dtype=wb.float64)) as acc:
        y2 = wb.nn.stateless_dropout(x, rate, seed=[7, 8])
    np.testing.assert_allclose(acc.jvp(y2).numpy(), mask / (1 - rate), rtol=1e-12)


def test_gradient_check_with_fixed_seed():
    check_gradients(lambda x: wb.nn.stateless_dropout(x * x, 0.3, seed=[2, 3], noise_shape=[3, 1]),
                    [wb.constant(np.random.default_rng(2).uniform(-1, 1, (3, 4)))], order=2)


# TF 2.21: tf.random.set_seed(5); tf.nn.dropout(ones(12, dtype), 0.5, seed=3), then
# tf.nn.dropout(..., 0.3) unseeded, and stateless_dropout(..., 0.5, seed=[1, 2]): kept positions
_TF_DROPOUT_KEPT = {
    "float16": ([1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0, 0],
                [1, 1, 0, 1, 1, 0, 1, 1, 1, 1, 1, 0],
                [1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0]),
    "float32": ([0, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1],
                [1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0],
                [1, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]),
    "float64": ([0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1],
                [0, 0, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1],
                [1, 1, 0, 1, 1, 1, 1, 0, 1, 1, 1, 0]),
}


@pytest.mark.parametrize("dtype", sorted(_TF_DROPOUT_KEPT))
def test_dropout_draws_its_uniforms_in_x_dtype_as_tf(dtype):
    seeded, unseeded, stateless = _TF_DROPOUT_KEPT[dtype]
    x = wb.ones([12], dtype=dtype)
    wb.random.set_seed(5)
    a = wb.nn.dropout(x, 0.5, seed=3).numpy()
    b = wb.nn.dropout(x, 0.3).numpy()
    c = wb.nn.experimental.stateless_dropout(x, 0.5, seed=[1, 2]).numpy()
    assert a.dtype == np.dtype(dtype)
    assert (a != 0).astype(int).tolist() == seeded and set(a[a != 0].tolist()) == {2.0}
    assert (b != 0).astype(int).tolist() == unseeded
    assert np.allclose(b[b != 0], 1 / 0.7, rtol=2e-3)
    assert (c != 0).astype(int).tolist() == stateless
