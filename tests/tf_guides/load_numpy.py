# TF tutorial "Load NumPy data" (site/en/tutorials/load_data/numpy.ipynb), tensorflow/docs 7c36502: its code
# cells with only the imports changed; cells are separated by "# %%".
# The download of mnist.npz is replaced by a small synthetic mnist.npz of the same layout (uint8 images
# 28x28, uint8 labels; 2,000 training and 500 test examples) that the downloading cell writes itself,
# the same on both sides; the training runs 2 epochs instead of 10.

# %%
import numpy as np
import workbench as tf

# %%
# (synthetic data in place of the download: see the top of the file)
_rng = np.random.default_rng(0)
def _digits(n):
  labels = _rng.integers(0, 10, n).astype(np.uint8)
  images = _rng.integers(0, 64, (n, 28, 28)).astype(np.uint8)
  for i, c in enumerate(labels):
    images[i, 2 * c + 4:2 * c + 7, 4:24] = 255
  return images, labels
_x_train, _y_train = _digits(2000)
_x_test, _y_test = _digits(500)
np.savez('mnist.npz', x_train=_x_train, y_train=_y_train, x_test=_x_test, y_test=_y_test)
path = 'mnist.npz'
with np.load(path) as data:
  train_examples = data['x_train']
  train_labels = data['y_train']
  test_examples = data['x_test']
  test_labels = data['y_test']

# %%
train_dataset = tf.data.Dataset.from_tensor_slices((train_examples, train_labels))
test_dataset = tf.data.Dataset.from_tensor_slices((test_examples, test_labels))

# %%
BATCH_SIZE = 64
SHUFFLE_BUFFER_SIZE = 100

train_dataset = train_dataset.shuffle(SHUFFLE_BUFFER_SIZE).batch(BATCH_SIZE)
test_dataset = test_dataset.batch(BATCH_SIZE)

# %%
model = tf.keras.Sequential([
    tf.keras.layers.Flatten(input_shape=(28, 28)),
    tf.keras.layers.Dense(128, activation='relu'),
    tf.keras.layers.Dense(10)
])

model.compile(optimizer=tf.keras.optimizers.RMSprop(),
              loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
              metrics=['sparse_categorical_accuracy'])

# %%
model.fit(train_dataset, epochs=2)

# %%
model.evaluate(test_dataset)
