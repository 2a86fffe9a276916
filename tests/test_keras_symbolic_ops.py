"""Python operators on ``wb.keras.Input`` tensors record graph nodes as Keras 3's KerasTensor
operators do (``inputs / 255.0``, ``1 - x``, ``a + b``, ``-x``, ``abs(x)``, ``x[:, :2]``), with
Keras 3.15's dtypes (pinned from Keras 3.15 with the TF backend), and save/load in .keras files."""

import numpy as np
import pytest

import workbench as wb

keras = wb.keras


def test_operators_build_nodes_with_keras_dtypes_and_values():
    i = keras.Input((2,), dtype="int32")
    f = keras.Input((2,))
    outs = [i * 2, i / 2, i * 2.5, i + f, 1 - i, f * 2, f / 2, i // 2]
    assert [str(o.dtype) for o in outs] == ["int32", "float32", "float32", "float32", "int32", "float32",
                                           "float32", "int32"]
    model = keras.Model([i, f], outs)
    got = model([np.array([[3, 4]], np.int32), np.array([[0.5, 1.0]], np.float32)])
    assert [g.numpy().tolist() for g in got] == [[[6, 8]], [[1.5, 2.0]], [[7.5, 10.0]], [[3.5, 5.0]],
                                                 [[-2, -3]], [[1.0, 2.0]], [[0.25, 0.5]], [[1, 2]]]
    assert [g.dtype for g in got] == [wb.int32, wb.float32, wb.float32, wb.float32, wb.int32, wb.float32,
                                      wb.float32, wb.int32]


def test_unary_indexing_and_save_load(tmp_path):
    x = keras.Input((3,))
    y = keras.Input((3,))
    outs = [-x, abs(x), x ** 2, x - np.array([1.0, 2.0, 3.0], np.float32), x[:, :2], x[..., 0],
            x[:, None, 1:], (x + y) / 255.0]
    assert [o.shape for o in outs] == [(None, 3), (None, 3), (None, 3), (None, 3), (None, 2), (None,),
                                       (None, 1, 2), (None, 3)]
    model = keras.Model([x, y], outs)
    a, b = np.array([[1.0, -2.0, 3.0]], np.float32), np.ones((1, 3), np.float32)
    got = model([a, b])
    np.testing.assert_allclose(got[0].numpy(), -a)
    np.testing.assert_allclose(got[1].numpy(), np.abs(a))
    np.testing.assert_allclose(got[6].numpy(), a[:, None, 1:])
    np.testing.assert_allclose(got[7].numpy(), (a + b) / 255.0, rtol=1e-6)
    path = str(tmp_path / "ops.keras")
    model.save(path)
    again = keras.models.load_model(path)
    for g, h in zip(got, again([a, b])):
        np.testing.assert_allclose(g.numpy(), h.numpy())


def test_a_layer_after_an_operator_trains():
    inputs = keras.Input((4,))
    outputs = keras.layers.Dense(1)(inputs / 10.0 - 0.5)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(np.ones((8, 4), np.float32), np.ones((8, 1), np.float32), epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2


def test_unsupported_operands_and_keys_are_refused():
    x = keras.Input((3,))
    with pytest.raises(TypeError):
        x * "a"
    with pytest.raises(TypeError, match="indexing a symbolic tensor takes ints, slices"):
        x[[0, 1]]
