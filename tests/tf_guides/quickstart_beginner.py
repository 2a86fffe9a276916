# TF tutorial "TensorFlow 2 quickstart for beginners" (site/en/tutorials/quickstart/beginner.ipynb), tensorflow/docs 7c36502: its code cells with only the imports
# changed (shell and IPython magic lines dropped); cells are separated by "# %%".
# MNIST's download is replaced by small synthetic data of the same shapes and dtypes (the same on TF's side).

# %%
import workbench as tf
print("TensorFlow version:", tf.__version__)

# %%
mnist = tf.keras.datasets.mnist

# The tutorial downloads MNIST here; synthetic data of the same shapes and dtypes (uint8 28x28 images,
# uint8 labels 0-9; 600 training and 100 test images instead of 60000/10000, so that training is short) is used:
import numpy as np
_rng = np.random.default_rng(0)
x_train = _rng.integers(0, 256, (600, 28, 28), dtype=np.uint8)
y_train = (x_train[:, 10:18, 10:18].mean(axis=(1, 2)) * 10 // 256).astype(np.uint8)
x_test = _rng.integers(0, 256, (100, 28, 28), dtype=np.uint8)
y_test = (x_test[:, 10:18, 10:18].mean(axis=(1, 2)) * 10 // 256).astype(np.uint8)
x_train, x_test = x_train / 255.0, x_test / 255.0

# %%
model = tf.keras.models.Sequential([
  tf.keras.layers.Flatten(input_shape=(28, 28)),
  tf.keras.layers.Dense(128, activation='relu'),
  tf.keras.layers.Dropout(0.2),
  tf.keras.layers.Dense(10)
])

# %%
predictions = model(x_train[:1]).numpy()
predictions

# %%
tf.nn.softmax(predictions).numpy()

# %%
loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)

# %%
loss_fn(y_train[:1], predictions).numpy()

# %%
model.compile(optimizer='adam',
              loss=loss_fn,
              metrics=['accuracy'])

# %%
model.fit(x_train, y_train, epochs=5)

# %%
model.evaluate(x_test,  y_test, verbose=2)

# %%
probability_model = tf.keras.Sequential([
  model,
  tf.keras.layers.Softmax()
])

# %%
probability_model(x_test[:5])
