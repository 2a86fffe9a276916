"""Keras 3's Sequential model guide: a stack called on ops.ones, add/pop, names, lazy weights,
an Input first for summaries while stacking, feature extraction from layer outputs (all layers,
one layer by name), and freezing layers for transfer learning."""

import numpy as np

from workbench import keras
from workbench.keras import layers, ops

model = keras.Sequential(
    [
        layers.Dense(2, activation="relu", name="layer1"),
        layers.Dense(3, activation="relu", name="layer2"),
        layers.Dense(4, name="layer3"),
    ]
)
x = ops.ones((3, 3))
y = model(x)
assert tuple(y.shape) == (3, 4)

layer1 = layers.Dense(2, activation="relu", name="layer1")
layer2 = layers.Dense(3, activation="relu", name="layer2")
layer3 = layers.Dense(4, name="layer3")
x = ops.ones((3, 3))
y = layer3(layer2(layer1(x)))

model = keras.Sequential([layers.Dense(2, activation="relu"), layers.Dense(3, activation="relu"), layers.Dense(4)])
assert len(model.layers) == 3
model = keras.Sequential()
model.add(layers.Dense(2, activation="relu"))
model.add(layers.Dense(3, activation="relu"))
model.add(layers.Dense(4))
model.pop()
print(len(model.layers))
assert len(model.layers) == 2

model = keras.Sequential(name="my_sequential")
model.add(layers.Dense(2, activation="relu", name="layer1"))
model.add(layers.Dense(3, activation="relu", name="layer2"))
model.add(layers.Dense(4, name="layer3"))
assert model.name == "my_sequential"

layer = layers.Dense(3)
assert layer.weights == []
x = ops.ones((1, 4))
y = layer(x)
assert [tuple(w.shape) for w in layer.weights] == [(4, 3), (3,)]

model = keras.Sequential([layers.Dense(2, activation="relu"), layers.Dense(3, activation="relu"), layers.Dense(4)])
x = ops.ones((1, 4))
y = model(x)
print("Number of weights after calling the model:", len(model.weights))
assert len(model.weights) == 6
model.summary()

model = keras.Sequential()
model.add(keras.Input(shape=(4,)))
model.add(layers.Dense(2, activation="relu"))
model.summary()
assert len(model.layers) == 1

model = keras.Sequential()
model.add(keras.Input(shape=(250, 250, 3)))
model.add(layers.Conv2D(32, 5, strides=2, activation="relu"))
model.add(layers.Conv2D(32, 3, activation="relu"))
model.add(layers.MaxPooling2D(3))
model.summary()
assert tuple(model.output_shape) == (None, 40, 40, 32)
model.add(layers.Conv2D(32, 3, activation="relu"))
model.add(layers.Conv2D(32, 3, activation="relu"))
model.add(layers.MaxPooling2D(3))
model.add(layers.Conv2D(32, 3, activation="relu"))
model.add(layers.Conv2D(32, 3, activation="relu"))
model.add(layers.MaxPooling2D(2))
model.summary()
assert tuple(model.output_shape) == (None, 4, 4, 32)
model.add(layers.GlobalMaxPooling2D())
model.add(layers.Dense(10))

initial_model = keras.Sequential(
    [
        keras.Input(shape=(64, 64, 3)),
        layers.Conv2D(8, 5, strides=2, activation="relu"),
        layers.Conv2D(8, 3, activation="relu"),
        layers.Conv2D(8, 3, activation="relu"),
    ]
)
feature_extractor = keras.Model(
    inputs=initial_model.inputs,
    outputs=[layer.output for layer in initial_model.layers],
)
x = ops.ones((1, 64, 64, 3))
features = feature_extractor(x)
assert [tuple(f.shape) for f in features] == [(1, 30, 30, 8), (1, 28, 28, 8), (1, 26, 26, 8)]

initial_model = keras.Sequential(
    [
        keras.Input(shape=(64, 64, 3)),
        layers.Conv2D(8, 5, strides=2, activation="relu"),
        layers.Conv2D(8, 3, activation="relu", name="my_intermediate_layer"),
        layers.Conv2D(8, 3, activation="relu"),
    ]
)
feature_extractor = keras.Model(
    inputs=initial_model.inputs,
    outputs=initial_model.get_layer(name="my_intermediate_layer").output,
)
features = feature_extractor(ops.ones((1, 64, 64, 3)))
assert tuple(features.shape) == (1, 28, 28, 8)

model = keras.Sequential(
    [
        keras.Input(shape=(784,)),
        layers.Dense(32, activation="relu"),
        layers.Dense(32, activation="relu"),
        layers.Dense(10),
    ]
)
model.save_weights("pretrained.weights.h5")
model.load_weights("pretrained.weights.h5")
for layer in model.layers[:-1]:
    layer.trainable = False
model.compile(optimizer="adam", loss="mse")
before = [w.numpy().copy() for w in model.weights]
model.fit(np.random.random((32, 784)), np.random.random((32, 10)), epochs=1)
after = [w.numpy() for w in model.weights]
assert all(np.array_equal(a, b) for a, b in zip(before[:4], after[:4]))
assert not np.array_equal(before[4], after[4])

base_model = keras.Sequential([keras.Input((16,)), layers.Dense(8, activation="relu")])
base_model.trainable = False
model = keras.Sequential([base_model, layers.Dense(3)])
model.compile(optimizer="adam", loss="mse")
model.fit(np.random.random((16, 16)), np.random.random((16, 3)), epochs=1)
assert len(model.trainable_weights) == 2
print("GUIDE OK")
