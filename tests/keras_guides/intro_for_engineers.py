"""The getting-started workflow of Keras 3 (a convnet trained with fit, checkpoints and early
stopping, saved and reloaded; custom layers on keras.ops and keras.random; a subclassed model
trained from arrays and from a Dataset), on small random data."""

import numpy as np

from workbench import keras
import workbench as tf

num_classes = 10
input_shape = (28, 28, 1)
rng = np.random.default_rng(0)
x_train = rng.random((96, 28, 28)).astype("float32")
y_train = rng.integers(0, num_classes, 96).astype("uint8")
x_test = rng.random((32, 28, 28)).astype("float32")
y_test = rng.integers(0, num_classes, 32).astype("uint8")
x_train = np.expand_dims(x_train, -1)
x_test = np.expand_dims(x_test, -1)
assert x_train.shape == (96, 28, 28, 1)

model = keras.Sequential(
    [
        keras.layers.Input(shape=input_shape),
        keras.layers.Conv2D(8, kernel_size=(3, 3), activation="relu"),
        keras.layers.Conv2D(8, kernel_size=(3, 3), activation="relu"),
        keras.layers.MaxPooling2D(pool_size=(2, 2)),
        keras.layers.Conv2D(16, kernel_size=(3, 3), activation="relu"),
        keras.layers.GlobalAveragePooling2D(),
        keras.layers.Dropout(0.5),
        keras.layers.Dense(num_classes, activation="softmax"),
    ]
)
model.summary()
model.compile(
    loss=keras.losses.SparseCategoricalCrossentropy(),
    optimizer=keras.optimizers.Adam(learning_rate=1e-3),
    metrics=[keras.metrics.SparseCategoricalAccuracy(name="acc")],
)
callbacks = [
    keras.callbacks.ModelCheckpoint(filepath="model_at_epoch_{epoch}.keras"),
    keras.callbacks.EarlyStopping(monitor="val_loss", patience=2),
]
history = model.fit(x_train, y_train, batch_size=32, epochs=2, validation_split=0.15, callbacks=callbacks)
assert set(history.history) >= {"loss", "acc", "val_loss", "val_acc"}
score = model.evaluate(x_test, y_test, verbose=0)
assert len(score) == 2
model.save("final_model.keras")
reloaded = keras.saving.load_model("final_model.keras")
np.testing.assert_allclose(reloaded.predict(x_test), model.predict(x_test), rtol=1e-5, atol=1e-6)
predictions = reloaded.predict(x_test)
assert predictions.shape == (32, num_classes)
epoch_1 = keras.saving.load_model("model_at_epoch_1.keras")
assert epoch_1.predict(x_test[:2]).shape == (2, num_classes)


class MyDense(keras.layers.Layer):
    def __init__(self, units, activation=None, name=None):
        super().__init__(name=name)
        self.units = units
        self.activation = keras.activations.get(activation)

    def build(self, input_shape):
        input_dim = input_shape[-1]
        self.w = self.add_weight(
            shape=(input_dim, self.units),
            initializer=keras.initializers.GlorotNormal(),
            name="kernel",
            trainable=True,
        )
        self.b = self.add_weight(
            shape=(self.units,),
            initializer=keras.initializers.Zeros(),
            name="bias",
            trainable=True,
        )

    def call(self, inputs):
        x = keras.ops.matmul(inputs, self.w) + self.b
        return self.activation(x)


class MyDropout(keras.layers.Layer):
    def __init__(self, rate, name=None):
        super().__init__(name=name)
        self.rate = rate
        self.seed_generator = keras.random.SeedGenerator(1337)

    def call(self, inputs):
        return keras.random.dropout(inputs, self.rate, seed=self.seed_generator)


class MyModel(keras.Model):
    def __init__(self, num_classes):
        super().__init__()
        self.conv_base = keras.Sequential(
            [
                keras.layers.Conv2D(8, kernel_size=(3, 3), activation="relu"),
                keras.layers.MaxPooling2D(pool_size=(2, 2)),
                keras.layers.Conv2D(16, kernel_size=(3, 3), activation="relu"),
                keras.layers.GlobalAveragePooling2D(),
            ]
        )
        self.dp = MyDropout(0.5)
        self.dense = MyDense(num_classes, activation="softmax")

    def call(self, x):
        x = self.conv_base(x)
        x = self.dp(x)
        return self.dense(x)


def compiled_model():
    model = MyModel(num_classes=10)
    model.compile(
        loss=keras.losses.SparseCategoricalCrossentropy(),
        optimizer=keras.optimizers.Adam(learning_rate=1e-3),
        metrics=[keras.metrics.SparseCategoricalAccuracy(name="acc")],
    )
    return model


model = compiled_model()
model.fit(x_train, y_train, batch_size=32, epochs=1, validation_split=0.15)
state = [v for v in model.non_trainable_variables if v.path.endswith("seed_generator_state")]
assert len(state) == 1 and int(state[0].numpy()[1]) > 0  # the dropout's seed advanced in every step

train_dataset = tf.data.Dataset.from_tensor_slices((x_train, y_train)).batch(32).prefetch(tf.data.AUTOTUNE)
test_dataset = tf.data.Dataset.from_tensor_slices((x_test, y_test)).batch(32).prefetch(tf.data.AUTOTUNE)
model = compiled_model()
history = model.fit(train_dataset, epochs=1, validation_data=test_dataset)
assert "val_acc" in history.history
print("GUIDE OK")
