"""Keras 3's masking and padding guide: pad_sequences, masks from Embedding(mask_zero=True) and
Masking, masks propagated to an LSTM in Sequential and functional models, compute_mask passed by
hand, custom layers that split, make, pass on (supports_masking) and consume masks. The guide reads
eager masks as ``output._keras_mask``, which the workbench's tensors do not carry: this script
asks the layers' compute_mask instead."""

import numpy as np

from workbench import keras
from workbench.keras import layers, ops

raw_inputs = [
    [711, 632, 71],
    [73, 8, 3215, 55, 927],
    [83, 91, 1, 645, 1253, 927],
]
padded_inputs = keras.utils.pad_sequences(raw_inputs, padding="post")
print(padded_inputs)
assert padded_inputs.shape == (3, 6) and padded_inputs[0].tolist() == [711, 632, 71, 0, 0, 0]

embedding = layers.Embedding(input_dim=5000, output_dim=16, mask_zero=True)
masked_output = embedding(padded_inputs)
print(embedding.compute_mask(padded_inputs))
np.testing.assert_array_equal(ops.convert_to_numpy(embedding.compute_mask(padded_inputs)), padded_inputs != 0)

masking_layer = layers.Masking()
unmasked_embedding = ops.cast(ops.tile(ops.expand_dims(padded_inputs, axis=-1), [1, 1, 10]), dtype="float32")
masked_embedding = masking_layer(unmasked_embedding)
embedding_mask = masking_layer.compute_mask(unmasked_embedding)
print(embedding_mask)
np.testing.assert_array_equal(ops.convert_to_numpy(embedding_mask), padded_inputs != 0)

model = keras.Sequential([layers.Embedding(input_dim=5000, output_dim=16, mask_zero=True), layers.LSTM(32)])
inputs = keras.Input(shape=(None,), dtype="int32")
x = layers.Embedding(input_dim=5000, output_dim=16, mask_zero=True)(inputs)
outputs = layers.LSTM(32)(x)
model = keras.Model(inputs, outputs)
short = model(padded_inputs[:1, :3])
padded = model(padded_inputs[:1])
np.testing.assert_allclose(ops.convert_to_numpy(short), ops.convert_to_numpy(padded), rtol=1e-5, atol=1e-6)


class MyLayer(layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.embedding = layers.Embedding(input_dim=5000, output_dim=16, mask_zero=True)
        self.lstm = layers.LSTM(32)

    def call(self, inputs):
        x = self.embedding(inputs)
        mask = self.embedding.compute_mask(inputs)
        output = self.lstm(x, mask=mask)
        return output


layer = MyLayer()
x = np.random.random((32, 10)) * 100
x = x.astype("int32")
assert tuple(layer(x).shape) == (32, 32)


class TemporalSplit(keras.layers.Layer):
    def call(self, inputs):
        return ops.split(inputs, 2, axis=1)

    def compute_mask(self, inputs, mask=None):
        if mask is None:
            return None
        return ops.split(mask, 2, axis=1)


splitter = TemporalSplit()
first_half, second_half = splitter(masked_embedding)
first_mask, second_mask = splitter.compute_mask(masked_embedding, embedding_mask)
print(first_mask)
print(second_mask)
np.testing.assert_array_equal(ops.convert_to_numpy(second_mask), padded_inputs[:, 3:] != 0)


class CustomEmbedding(keras.layers.Layer):
    def __init__(self, input_dim, output_dim, mask_zero=False, **kwargs):
        super().__init__(**kwargs)
        self.input_dim = input_dim
        self.output_dim = output_dim
        self.mask_zero = mask_zero

    def build(self, input_shape):
        self.embeddings = self.add_weight(shape=(self.input_dim, self.output_dim), initializer="random_normal",
                                          dtype="float32")

    def call(self, inputs):
        inputs = ops.cast(inputs, "int32")
        return ops.take(self.embeddings, inputs)

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        return ops.not_equal(inputs, 0)


layer = CustomEmbedding(10, 32, mask_zero=True)
x = np.random.random((3, 10)) * 9
x = x.astype("int32")
y = layer(x)
mask = layer.compute_mask(x)
print(mask)
np.testing.assert_array_equal(ops.convert_to_numpy(mask), x != 0)


class MyActivation(keras.layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs):
        return ops.relu(inputs)


inputs = keras.Input(shape=(None,), dtype="int32")
x = layers.Embedding(input_dim=5000, output_dim=16, mask_zero=True)(inputs)
x = MyActivation()(x)
outputs = layers.LSTM(32)(x)
model = keras.Model(inputs, outputs)
y = model(np.random.randint(0, 5000, size=(32, 100)))
tokens = np.array([[5, 6, 7, 0, 0]])
np.testing.assert_allclose(ops.convert_to_numpy(model(tokens)), ops.convert_to_numpy(model(tokens[:, :3])),
                           rtol=1e-5, atol=1e-6)  # the mask went through MyActivation to the LSTM


class TemporalSoftmax(keras.layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        assert mask is not None
        broadcast_float_mask = ops.expand_dims(ops.cast(mask, "float32"), -1)
        inputs_exp = ops.exp(inputs) * broadcast_float_mask
        inputs_sum = ops.sum(inputs_exp * broadcast_float_mask, axis=-1, keepdims=True)
        return inputs_exp / inputs_sum


inputs = keras.Input(shape=(None,), dtype="int32")
x = layers.Embedding(input_dim=10, output_dim=32, mask_zero=True)(inputs)
x = layers.Dense(1)(x)
outputs = TemporalSoftmax()(x)
model = keras.Model(inputs, outputs)
y = model(np.random.randint(0, 10, size=(32, 100)))
assert tuple(y.shape) == (32, 100, 1)
print("GUIDE OK")
