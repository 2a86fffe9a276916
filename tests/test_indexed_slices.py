"""IndexedSlices: the gradient of gather / embedding lookups for a variable (TF 2 semantics)."""

import numpy as np
import pytest

import workbench as wb
from gradients import numerical_jacobian


def _table(rows=6, cols=3, dtype="float64"):
    return wb.Variable(np.random.default_rng(0).normal(size=(rows, cols)).astype(dtype))


def _fd_grad(f, value):
    """Central differences of scalar ``f`` (a function of a float64 tensor) at ``value``."""
    _, jac = numerical_jacobian(lambda x: f(x), [wb.constant(value)])
    return jac[0].reshape(value.shape)


def test_gather_of_a_variable_gives_indexed_slices_as_tf():
    v = _table()
    ids = [4, 1, 4]
    w = wb.constant(np.arange(9.0).reshape(3, 3))
    with wb.GradientTape() as tape:
        loss = wb.reduce_sum(wb.gather(v, ids) * w)
    g = tape.gradient(loss, v)
    assert isinstance(g, wb.IndexedSlices)
    np.testing.assert_array_equal(g.indices.numpy(), ids)          # duplicates kept, as TF
    np.testing.assert_array_equal(g.values.numpy(), w.numpy())
    assert g.dense_shape.dtype == np.int64
    np.testing.assert_array_equal(g.dense_shape.numpy(), [6, 3])
    assert g.shape == (6, 3) and g.dtype == np.float64
    want = _fd_grad(lambda x: wb.reduce_sum(wb.gather(x, ids) * w), v.numpy())
    np.testing.assert_allclose(wb.convert_to_tensor(g).numpy(), want, atol=1e-6)


def test_embedding_lookup_and_keras_embedding_give_indexed_slices():
    v = _table(5, 2)
    ids = wb.constant([[0, 3], [3, 3]])
    with wb.GradientTape() as tape:
        loss = wb.reduce_sum(wb.nn.embedding_lookup(v, ids) ** 2)
    g = tape.gradient(loss, v)
    assert isinstance(g, wb.IndexedSlices)
    np.testing.assert_array_equal(g.indices.numpy(), [0, 3, 3, 3])
    want = _fd_grad(lambda x: wb.reduce_sum(wb.nn.embedding_lookup(x, ids) ** 2), v.numpy())
    np.testing.assert_allclose(g.numpy(), want, atol=1e-6)

    layer = wb.keras.layers.Embedding(7, 4)
    with wb.GradientTape() as tape:
        loss = wb.reduce_sum(layer(wb.constant([[1, 6], [2, 1]])))
    g = tape.gradient(loss, layer.trainable_variables)[0]
    assert isinstance(g, wb.IndexedSlices)
    assert g.values.shape == (4, 4) and g.shape == (7, 4)


def test_a_watched_tensor_and_a_jacobian_stay_dense():
    v = _table()
    x = wb.constant(v.numpy())
    with wb.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = wb.gather(x, [1, 2])
        z = wb.gather(v, [1, 2])
    assert type(tape.gradient(y, x)) is wb.Tensor
    j = tape.jacobian(z, v)
    assert type(j) is wb.Tensor and j.shape == (2, 3, 6, 3)


def test_two_lookups_concatenate_and_a_dense_use_densifies():
    v = _table()
    with wb.GradientTape() as tape:
        loss = wb.reduce_sum(wb.gather(v, [0, 1])) + 2.0 * wb.reduce_sum(wb.gather(v, [1, 5]))
    g = tape.gradient(loss, v)
    assert isinstance(g, wb.IndexedSlices)
    assert sorted(g.indices.numpy().tolist()) == [0, 1, 1, 5]
    dense = np.zeros((6, 3))
    dense[0] += 1
    dense[1] += 3
    dense[5] += 2
    np.testing.assert_allclose(g.numpy(), dense)

    def f(x):
        return wb.reduce_sum(wb.gather(x, [0, 4]) ** 2) + wb.reduce_sum(x * x * x)
    with wb.GradientTape() as tape:
        loss = f(v)
    g = tape.gradient(loss, v)
    assert type(g) is wb.Tensor
    np.testing.assert_allclose(g.numpy(), _fd_grad(f, v.numpy()), atol=1e-6)


def test_converts_to_dense_where_used_densely():
    s = wb.IndexedSlices(wb.constant([[1.0, 2.0], [3.0, 4.0]]), wb.constant([2, 2]),
                         wb.constant([3, 2], dtype="int64"))
    dense = np.array([[0, 0], [0, 0], [4, 6]], dtype=np.float32)
    np.testing.assert_array_equal(wb.convert_to_tensor(s).numpy(), dense)
    np.testing.assert_array_equal((s + 1.0).numpy(), dense + 1)
    np.testing.assert_array_equal((1.0 + s).numpy(), dense + 1)
    np.testing.assert_array_equal((s * 2.0).numpy(), dense * 2)
    np.testing.assert_array_equal(wb.add(s, wb.ones((3, 2))).numpy(), dense + 1)
    np.testing.assert_array_equal(wb.add_n([s, wb.ones((3, 2)), s]).numpy(), 2 * dense + 1)
    np.testing.assert_array_equal(wb.reduce_sum(s).numpy(), dense.sum())
    neg = -s
    assert isinstance(neg, wb.IndexedSlices)
    np.testing.assert_array_equal(neg.numpy(), -dense)


def test_second_order_through_the_values():
    v = _table(4, 2)
    with wb.GradientTape() as outer:
        with wb.GradientTape() as inner:
            loss = wb.reduce_sum(wb.gather(v, [0, 2, 0]) ** 3)
        g = inner.gradient(loss, v)
        assert isinstance(g, wb.IndexedSlices)
        s = wb.reduce_sum(wb.convert_to_tensor(g))
    h = outer.gradient(s, v)
    x = v.numpy()
    counts = np.array([2, 0, 1, 0])[:, None]
    np.testing.assert_allclose(wb.convert_to_tensor(h).numpy(), 6 * x * counts, rtol=1e-12)


def test_function_replays_indexed_slices_bitwise():
    v = _table(50, 8, "float32")
    w = wb.constant(np.random.default_rng(1).normal(size=(8,)).astype(np.float32))

    def step(ids):
        with wb.GradientTape() as tape:
            loss = wb.reduce_sum(wb.tanh(wb.nn.embedding_lookup(v, ids) * w))
        return tape.gradient(loss, v)

    fn = wb.function(step)
    for seed in range(3):
        ids = wb.constant(np.random.default_rng(seed).integers(0, 50, size=(4, 5)))
        eager, traced = step(ids), fn(ids)
        assert isinstance(traced, wb.IndexedSlices)
        np.testing.assert_array_equal(traced.values.numpy(), eager.values.numpy())
        np.testing.assert_array_equal(traced.indices.numpy(), eager.indices.numpy())


def test_bad_input_is_named():
    with pytest.raises(TypeError, match="indices must be a 1-D integer"):
        wb.IndexedSlices(wb.ones((2, 2)), wb.constant([0.0, 1.0]), [3, 2])
    with pytest.raises(ValueError, match="one row per index"):
        wb.IndexedSlices(wb.ones((2, 2)), wb.constant([0, 1, 2]), [3, 2])
    with pytest.raises(ValueError, match="do not fit dense_shape"):
        wb.IndexedSlices(wb.ones((2, 2)), wb.constant([0, 1]), [3, 5])
    with pytest.raises(ValueError, match="without dense_shape"):
        wb.convert_to_tensor(wb.IndexedSlices(wb.ones((2, 2)), wb.constant([0, 1])))
