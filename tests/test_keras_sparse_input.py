"""Keras sparse inputs: ``wb.keras.Input(shape, sparse=True)``, ``Dense`` on a SparseTensor
(sparse-dense matmul), and a functional model called, fit, evaluated and predicted on SparseTensors.

Pinned numbers are TF 2.21 / Keras 3's on the same model (kernel of ones, zero bias)."""

import numpy as np
import pytest

import workbench as wb

IDX = [(0, 0), (0, 1), (0, 2), (4, 3), (5, 0), (5, 1)]


def _guide_sparse():
    # the sparse_tensor guide's input: int32 values for a float32 Input
    return wb.SparseTensor(indices=IDX, values=[1, 1, 1, 1, 1, 1], dense_shape=(6, 4))


def _model(units=4):
    x = wb.keras.Input(shape=(4,), sparse=True)
    y = wb.keras.layers.Dense(units, kernel_initializer="ones")(x)
    return x, y, wb.keras.Model(x, y)


EXPECTED = np.array([[3.0] * 4, [0.0] * 4, [0.0] * 4, [0.0] * 4, [1.0] * 4, [2.0] * 4], np.float32)


def test_sparse_input_symbolic_tensor():
    x, y, _ = _model()
    assert x.sparse and not x.ragged and x.dtype == wb.float32 and x.shape == (None, 4)
    assert repr(x).startswith("<SparseSymbolicTensor shape=(None, 4) dtype=float32")
    assert not y.sparse and y.shape == (None, 4)     # Dense gives a dense output, as in Keras
    assert not wb.keras.Input(shape=(4,)).sparse
    with pytest.raises(ValueError, match="both sparse and ragged"):
        wb.keras.Input(shape=(None,), sparse=True, ragged=True)
    with pytest.raises(TypeError, match="sparse must be a bool"):
        wb.keras.Input(shape=(4,), sparse="yes")


def test_model_call_and_predict_cast_int_values():
    _, _, model = _model()
    out = model(_guide_sparse())
    assert out.dtype == wb.float32
    np.testing.assert_array_equal(out.numpy(), EXPECTED)
    # a dense tensor for the sparse input is cast too, and gives the same result
    np.testing.assert_array_equal(model(wb.sparse.to_dense(_guide_sparse())).numpy(), EXPECTED)
    np.testing.assert_array_equal(model.predict(_guide_sparse(), batch_size=4, verbose=0), EXPECTED)
    np.testing.assert_array_equal(model.predict(_guide_sparse(), verbose=0), EXPECTED)


def test_fit_evaluate_on_sparse_inputs_match_keras():
    _, _, model = _model()
    model.compile("sgd", "mse")
    history = model.fit(_guide_sparse(), np.ones((6, 4), np.float32), batch_size=4, epochs=2, verbose=0,
                        shuffle=False)
    # Keras 3 (TF 2.21) on the same model, data and batches
    np.testing.assert_allclose(history.history["loss"], [1.3320859670639038, 1.3205233812332153], rtol=1e-6)
    ds = wb.data.Dataset.from_tensor_slices((_guide_sparse(), np.ones((6, 4), np.float32))).batch(3)
    assert np.isfinite(model.evaluate(ds, verbose=0))
    shuffled = model.fit(_guide_sparse(), np.ones((6, 4), np.float32), batch_size=4, epochs=1, verbose=0)
    assert np.isfinite(shuffled.history["loss"][0])


def test_dense_sparse_path_matches_dense_path_with_gradients():
    rng = np.random.default_rng(1)
    dense = (rng.random((5, 6)) < 0.4) * rng.normal(size=(5, 6))
    layer = wb.keras.layers.Dense(3, activation="tanh", bias_initializer="glorot_uniform", dtype="float64")
    sp = wb.sparse.from_dense(wb.constant(dense))
    with wb.GradientTape(persistent=True) as tape:
        tape.watch(sp.values)
        y_sparse = layer(sp)
        y_dense = layer(wb.constant(dense))
        loss_sparse = wb.reduce_sum(y_sparse ** 2)
        loss_dense = wb.reduce_sum(y_dense ** 2)
    np.testing.assert_allclose(y_sparse.numpy(), y_dense.numpy(), rtol=1e-12)
    for g_s, g_d in zip(tape.gradient(loss_sparse, layer.trainable_variables),
                        tape.gradient(loss_dense, layer.trainable_variables)):
        np.testing.assert_allclose(g_s.numpy(), g_d.numpy(), rtol=1e-10, atol=1e-12)
    # the gradient with respect to the sparse values, against central differences
    values = sp.values.numpy()
    g = tape.gradient(loss_sparse, sp.values).numpy()

    def f(v):
        return float(wb.reduce_sum(layer(wb.SparseTensor(sp.indices, v, sp.dense_shape)) ** 2).numpy())
    eps = 1e-6
    numeric = [(f(values + eps * e) - f(values - eps * e)) / (2 * eps) for e in np.eye(len(values))]
    np.testing.assert_allclose(g, numeric, rtol=1e-6, atol=1e-8)


def test_dense_on_rank3_sparse_and_float64_values():
    x = wb.ones([2, 3, 4])
    layer = wb.keras.layers.Dense(5, kernel_initializer="ones")
    out = layer(wb.sparse.from_dense(x))
    assert out.shape == (2, 3, 5)
    np.testing.assert_array_equal(out.numpy(), layer(x).numpy())
    # float64 values are cast to the layer's float32, as dense inputs are
    out64 = layer(wb.sparse.from_dense(wb.constant(np.ones((2, 4)))))
    assert out64.dtype == wb.float32


def test_config_round_trip_keeps_sparse():
    _, _, model = _model()
    config = model.get_config()
    assert config["layers"][0]["config"]["sparse"] is True
    again = wb.keras.Model.from_config(config)
    assert wb.nest.flatten(again.inputs)[0].sparse
    assert again(_guide_sparse()).shape == (6, 4)


def test_batch_without_entries_gives_zero_kernel_gradient():
    # a batch whose rows are all empty: the kernel's gradient is zeros (TF's), not missing
    layer = wb.keras.layers.Dense(2)
    empty = wb.SparseTensor(np.zeros((0, 2), np.int64), np.zeros(0, np.float32), [3, 4])
    with wb.GradientTape() as tape:
        y = wb.reduce_sum(layer(empty))
    g_kernel, g_bias = tape.gradient(y, layer.trainable_variables)
    np.testing.assert_array_equal(g_kernel.numpy(), np.zeros((4, 2)))
    np.testing.assert_array_equal(g_bias.numpy(), [3.0, 3.0])
    b = wb.constant([[np.inf, 1.0], [2.0, 3.0]])
    np.testing.assert_array_equal(wb.sparse.sparse_dense_matmul(
        wb.SparseTensor(np.zeros((0, 2), np.int64), np.zeros(0, np.float32), [3, 2]), b).numpy(), np.zeros((3, 2)))
