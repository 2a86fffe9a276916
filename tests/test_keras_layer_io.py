"""Keras 3's layer.input / layer.output (the first call in a functional graph), model.input /
model.output, and default layer names in Keras' snake case (conv2d_transpose, not conv2_d_transpose)."""

import numpy as np
import pytest

import workbench as wb
from workbench import keras
from workbench.keras import layers


def test_layer_and_model_input_output():
    inputs = keras.Input((4,), name="x")
    dense = layers.Dense(3)
    hidden = dense(inputs)
    outputs = layers.Dense(2)(hidden)
    model = keras.Model(inputs, outputs)
    assert dense.input is inputs and dense.output is hidden
    assert model.input is inputs and model.output is outputs
    assert model.layers[-1].output is outputs
    other = keras.Input((4,))
    dense(other)  # a second call does not change the first call's tensors
    assert dense.input is inputs and dense.output is hidden
    assert inputs.node.layer.output is inputs
    features = keras.Model(model.input, [layer.output for layer in model.layers])
    values = features(np.ones((1, 4), np.float32))
    assert [tuple(v.shape) for v in values] == [(1, 3), (1, 2)]
    a, b = keras.Input((2,)), keras.Input((2,))
    added = layers.Add()
    added([a, b])
    assert added.input == [a, b]
    two = keras.Model([a, b], [added.output, a])
    assert two.input == [a, b] and len(two.output) == 2
    with pytest.raises(AttributeError, match="has never been called on symbolic inputs"):
        layers.Dense(1).output


def test_default_names_follow_keras():
    names = [layers.Conv2DTranspose(1, 3).name, layers.Conv1D(1, 3).name, layers.BatchNormalization().name,
             layers.GlobalAveragePooling2D().name, layers.UpSampling2D().name]
    bases = [n.rsplit("_", 1)[0] if n.rsplit("_", 1)[-1].isdigit() else n for n in names]
    assert bases == ["conv2d_transpose", "conv1d", "batch_normalization", "global_average_pooling2d",
                     "up_sampling2d"]


def test_sequential_inputs_outputs_and_pop():
    model = keras.Sequential([keras.Input((5,)), layers.Dense(3), layers.Dense(2)])
    assert model.inputs == [model.input] and tuple(model.input.shape) == (None, 5)
    assert model.output_shape == (None, 2) and model.input_shape == (None, 5)
    assert model.outputs == [model.output]
    extractor = keras.Model(model.inputs, [layer.output for layer in model.layers])
    assert [tuple(v.shape) for v in extractor(np.ones((1, 5), np.float32))] == [(1, 3), (1, 2)]
    model.pop()
    assert model.output_shape == (None, 3) and len(model.layers) == 1
    lazy = keras.Sequential([layers.Dense(2)])
    assert lazy.inputs is None
    with pytest.raises(AttributeError, match="has no defined output yet"):
        lazy.output


def test_windows_over_sequences_of_unknown_length():
    series = keras.Input((None, 10))
    x = layers.Conv1D(3, 3)(series)
    assert tuple(x.shape) == (None, None, 3)
    pooled = layers.GlobalMaxPooling1D()(layers.MaxPooling1D(2)(x))
    model = keras.Model(series, pooled)
    assert model.predict(np.ones((2, 9, 10), np.float32), verbose=0).shape == (2, 3)
    images = keras.Input((None, None, 3))
    y = layers.Conv2D(4, 5, strides=2)(images)
    assert tuple(y.shape) == (None, None, None, 4)


def test_a_call_that_takes_a_mask_gets_one_while_the_graph_is_built():
    seen = []

    class NeedsMask(layers.Layer):
        def __init__(self):
            super().__init__()
            self.supports_masking = True

        def call(self, inputs, mask=None):
            seen.append(None if mask is None else tuple(mask.shape))
            return inputs

    tokens = keras.Input((None,), dtype="int32")
    x = layers.Dense(2)(layers.Embedding(10, 4, mask_zero=True)(tokens))  # Dense passes the mask on
    out = NeedsMask()(x)
    assert seen and all(s is not None and len(s) == 2 for s in seen)
    assert out.mask_shapes is not None
    seen.clear()
    NeedsMask()(layers.Dense(2)(keras.Input((3, 4))))  # no mask upstream: none is made up
    assert seen == [None, None]
    model = keras.Model(tokens, out)
    model(np.array([[1, 2, 0]]))
    assert seen[-1] == (1, 3)


class _Lengths(layers.Layer):
    """Byte lengths of string inputs, as float32 (a first layer that only takes text)."""

    def call(self, inputs):
        if inputs.dtype.kind != "O":
            raise TypeError(f"_Lengths takes strings, got {inputs.dtype}")
        return wb.cast(wb.strings.length(inputs), "float32")


def test_string_input_is_keras_string_dtype():
    text = keras.Input(shape=(1,), dtype="string", name="text")
    assert text.dtype == wb.string and "dtype=string" in repr(text)
    assert keras.Input((None,), dtype=wb.string, ragged=True).dtype == wb.string
    model = keras.Model(text, _Lengths()(text))   # the graph is built on stand-in strings
    assert model.output.shape == (None, 1)
    np.testing.assert_array_equal(model(np.array([["abc"], [""]])).numpy(), [[3.0], [0.0]])
    config = model.get_config()
    assert config["layers"][0]["config"]["dtype"] == "string"
    clone = keras.Model.from_config(config, custom_objects={"_Lengths": _Lengths})
    assert clone.input.dtype == wb.string
    seq = keras.Sequential([keras.Input((1,), dtype="string"), _Lengths()])
    assert seq.get_config()["layers"][0]["config"]["dtype"] == "string"
    with pytest.raises(TypeError, match="InputLayer: dtype must be a dtype name.*'strin'"):
        keras.Input((1,), dtype="strin")
