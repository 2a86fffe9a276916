"""Layer inputs' dtypes, as Keras 3 (3.15 on TF 2.21) treats them: a floating input is cast to
the layer's dtype (autocast); integer and boolean inputs are left as they are, except where
the layer's Keras 3 ops promote them to its floating dtype (Dense, the normalizations, the
recurrent layers, ...), which here casts them on the way in. Symbolic tensors refuse the
library's ops, as KerasTensors refuse TF's. Each dtype below was checked against Keras 3."""

import numpy as np
import pytest

import workbench as wb

L = wb.keras.layers


def _ints(shape=(2, 4, 3), dtype="int32"):
    return np.random.default_rng(0).integers(0, 3, size=shape).astype(dtype)


@pytest.mark.parametrize("dtype", ["int32", "int64", "uint8", "bool"])
def test_dense_takes_integer_and_boolean_inputs_as_floats(dtype):
    x = _ints(dtype=dtype)
    layer = L.Dense(2)
    y = layer(wb.constant(x))
    assert y.dtype == wb.float32
    np.testing.assert_array_equal(y.numpy(), layer(wb.constant(x.astype("float32"))).numpy())
    # a NumPy array (the path that converts the arguments) gives the same
    np.testing.assert_array_equal(layer(x).numpy(), y.numpy())


def test_integer_input_takes_the_layers_dtype():
    layer = L.Dense(2, dtype="float64")
    y = layer(_ints())
    assert y.dtype == wb.float64
    np.testing.assert_allclose(y.numpy(), layer(_ints().astype("float64")).numpy())


def _promoting_cases():
    return {
        "BatchNormalization": lambda x: L.BatchNormalization()(x, training=True),
        "EinsumDense": lambda x: L.EinsumDense("abc,cd->abd", (4, 2))(x),
        "SimpleRNN": lambda x: L.SimpleRNN(2)(x),
        "LSTM": lambda x: L.LSTM(2)(x),
        "GRU": lambda x: L.GRU(2)(x),
        "MultiHeadAttention": lambda x: L.MultiHeadAttention(2, 2)(x, x),
        "LeakyReLU": lambda x: L.LeakyReLU()(x),
        "GlobalAveragePooling1D": lambda x: L.GlobalAveragePooling1D()(x),
        "Bidirectional": lambda x: L.Bidirectional(L.SimpleRNN(2))(x),
        "TimeDistributed": lambda x: L.TimeDistributed(L.Dense(2))(x),
    }


@pytest.mark.parametrize("name", sorted(_promoting_cases()))
def test_layers_whose_keras_ops_promote_integer_inputs(name):
    f = _promoting_cases()[name]
    x = _ints()
    wb.random.set_seed(3)
    y = f(wb.constant(x))
    assert y.dtype == wb.float32
    wb.random.set_seed(3)
    np.testing.assert_allclose(y.numpy(), f(wb.constant(x.astype("float32"))).numpy(), rtol=1e-6, atol=1e-6)


class _Identity(L.Layer):
    def call(self, x):
        return x


@pytest.mark.parametrize("name,f", [
    ("custom layer", lambda x: _Identity()(x)),
    ("Activation", lambda x: L.Activation("relu")(x)),
    ("ReLU", lambda x: L.ReLU()(x)),
    ("Flatten", lambda x: L.Flatten()(x)),
    ("Reshape", lambda x: L.Reshape((12,))(x)),
    ("Add", lambda x: L.Add()([x, x])),
    ("Concatenate", lambda x: L.Concatenate()([x, x])),
    ("MaxPooling1D", lambda x: L.MaxPooling1D()(x)),
    ("GlobalMaxPooling1D", lambda x: L.GlobalMaxPooling1D()(x)),
])
def test_other_layers_leave_integer_inputs_alone(name, f):
    assert f(wb.constant(_ints())).dtype == wb.int32


def test_integer_inputs_of_lookup_layers_stay_indices():
    x = _ints((2, 4))
    emb = L.Embedding(5, 3)
    y = emb(x)
    assert y.dtype == wb.float32
    np.testing.assert_array_equal(y.numpy(), emb.embeddings.numpy()[x])
    assert L.Hashing(4)(x).dtype == wb.int64
    assert L.IntegerLookup(vocabulary=[1, 2])(x).dtype == wb.int64
    assert L.CategoryEncoding(num_tokens=5)(x[:, 0]).dtype == wb.float32


def test_floating_inputs_are_cast_to_the_layers_dtype():
    layer = L.Dense(2)
    layer(np.ones((1, 3), "float32"))
    assert layer(np.ones((1, 3), "float64")).dtype == wb.float32
    assert layer(wb.ones((1, 3), dtype=wb.float16)).dtype == wb.float32
    assert _Identity(dtype="float32")(wb.ones((1, 3), dtype=wb.float64)).dtype == wb.float32


def test_functional_model_with_an_integer_input():
    inp = wb.keras.Input(shape=(3,), dtype="int32")
    out = L.Dense(2)(inp)
    assert out.dtype == wb.float32 and out.shape == (None, 2)
    model = wb.keras.Model(inp, out)
    x = _ints((4, 3))
    y = model(x)
    assert y.dtype == wb.float32
    np.testing.assert_allclose(y.numpy(), x.astype("float32") @ model.layers[-1].kernel.numpy()
                               + model.layers[-1].bias.numpy(), rtol=1e-6)


def test_symbolic_tensor_has_no_set_shape():
    # Keras 3: AttributeError: 'KerasTensor' object has no attribute 'set_shape'
    x = wb.keras.Input(shape=(3,))
    with pytest.raises(AttributeError, match="'SymbolicTensor' object has no attribute 'set_shape'"):
        x.set_shape((None, 3))


@pytest.mark.parametrize("op", [wb.shape, wb.rank, wb.size, wb.convert_to_tensor,
                                lambda x: wb.matmul(x, wb.ones([3, 2]))])
def test_symbolic_tensor_refuses_the_librarys_ops(op):
    # Keras 3 + TF 2.21: tf.shape(keras.Input(shape=(3,))) raises ValueError("A KerasTensor cannot
    # be used as input to a TensorFlow function. ...")
    x = wb.keras.Input(shape=(3,))
    with pytest.raises(ValueError, match="A SymbolicTensor cannot be used as input to a workbench function"):
        op(x)


@pytest.mark.parametrize("mask_value,mask", [(0.0, [True, False, True]), (0, [True, False, True]),
                                             (0.5, [True, True, True]), (3, [True, True, True]),
                                             (1e12, [True, True, True])])
def test_masking_integer_inputs(mask_value, mask):
    # Keras 3: the input stays int32; a fractional mask_value equals no integer
    x = np.array([[[1, 2], [0, 0], [3, 0]]], "int32")
    layer = L.Masking(mask_value)
    y = layer(x)
    assert y.dtype == wb.int32
    np.testing.assert_array_equal(y.numpy(), x * np.array(mask)[None, :, None])
    np.testing.assert_array_equal(layer.compute_mask(wb.constant(x)).numpy(), [mask])


@pytest.mark.parametrize("dtype", ["int32", "int64", "float32", "float64"])
def test_discretization_gives_int32_bucket_indices(dtype):
    # Keras 3: output_mode="int" gives int32 whatever the input's dtype
    y = L.Discretization(bin_boundaries=[0.5, 1.5])(np.array([[0, 1, 2]], dtype))
    assert y.dtype == wb.int32
    np.testing.assert_array_equal(y.numpy(), [[0, 1, 2]])
