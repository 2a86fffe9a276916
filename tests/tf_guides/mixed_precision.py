# TF guide "Mixed precision" (site/en/guide/mixed_precision.ipynb), tensorflow/docs 7c36502: its code
# cells with only the imports changed (shell and IPython magic lines dropped); cells are separated by "# %%".
# Keras' MNIST download is replaced by synthetic data of the same image shape and dtypes (28x28 uint8 images,
# uint8 labels), identical in TF and here, written in that cell's place; 1200 training and 200 test images
# instead of 60000 and 10000 (the guide's reshape(60000, 784) and reshape(10000, 784) follow), so that its
# float16 training runs in seconds on a CPU (TF emulates float16 there). On a CPU the guide's own code
# takes its CPU branch (64 units).
# %%
import workbench as tf

from workbench import keras
from workbench.keras import layers
from workbench.keras import mixed_precision

# %%
policy = mixed_precision.Policy('mixed_float16')
mixed_precision.set_global_policy(policy)

# %%
# Equivalent to the two lines above
mixed_precision.set_global_policy('mixed_float16')

# %%
print('Compute dtype: %s' % policy.compute_dtype)
print('Variable dtype: %s' % policy.variable_dtype)

# %%
inputs = keras.Input(shape=(784,), name='digits')
if tf.config.list_physical_devices('GPU'):
  print('The model will run with 4096 units on a GPU')
  num_units = 4096
else:
  # Use fewer units on CPUs so the model finishes in a reasonable amount of time
  print('The model will run with 64 units on a CPU')
  num_units = 64
dense1 = layers.Dense(num_units, activation='relu', name='dense_1')
x = dense1(inputs)
dense2 = layers.Dense(num_units, activation='relu', name='dense_2')
x = dense2(x)

# %%
print(dense1.dtype_policy)
print('x.dtype: %s' % x.dtype.name)
# 'kernel' is dense1's variable
print('dense1.kernel.dtype: %s' % dense1.kernel.dtype.name)

# %%
# INCORRECT: softmax and model output will be float16, when it should be float32
outputs = layers.Dense(10, activation='softmax', name='predictions')(x)
print('Outputs dtype: %s' % outputs.dtype.name)

# %%
# CORRECT: softmax and model output are float32
x = layers.Dense(10, name='dense_logits')(x)
outputs = layers.Activation('softmax', dtype='float32', name='predictions')(x)
print('Outputs dtype: %s' % outputs.dtype.name)

# %%
# The linear activation is an identity function. So this simply casts 'outputs'
# to float32. In this particular case, 'outputs' is already float32 so this is a
# no-op.
outputs = layers.Activation('linear', dtype='float32')(outputs)

# %%
model = keras.Model(inputs=inputs, outputs=outputs)
model.compile(loss='sparse_categorical_crossentropy',
              optimizer=keras.optimizers.RMSprop(),
              metrics=['accuracy'])

# The guide downloads MNIST here (keras.datasets.mnist.load_data()); synthetic images and labels of the
# same shapes and dtypes stand in for it:
import numpy as np
_rng = np.random.default_rng(0)
(x_train, y_train), (x_test, y_test) = ((_rng.integers(0, 256, (1200, 28, 28), dtype=np.uint8), _rng.integers(0, 10, 1200, dtype=np.uint8)),
                                        (_rng.integers(0, 256, (200, 28, 28), dtype=np.uint8), _rng.integers(0, 10, 200, dtype=np.uint8)))
x_train = x_train.reshape(1200, 784).astype('float32') / 255
x_test = x_test.reshape(200, 784).astype('float32') / 255

# %%
initial_weights = model.get_weights()

# %%
history = model.fit(x_train, y_train,
                    batch_size=8192,
                    epochs=5,
                    validation_split=0.2)
test_scores = model.evaluate(x_test, y_test, verbose=2)
print('Test loss:', test_scores[0])
print('Test accuracy:', test_scores[1])

# %%
x = tf.constant(256, dtype='float16')
(x ** 2).numpy()  # Overflow

# %%
x = tf.constant(1e-5, dtype='float16')
(x ** 2).numpy()  # Underflow

# %%
optimizer = keras.optimizers.RMSprop()
optimizer = mixed_precision.LossScaleOptimizer(optimizer)

# %%
loss_object = tf.keras.losses.SparseCategoricalCrossentropy()
train_dataset = (tf.data.Dataset.from_tensor_slices((x_train, y_train))
                 .shuffle(10000).batch(8192))
test_dataset = tf.data.Dataset.from_tensor_slices((x_test, y_test)).batch(8192)

# %%
@tf.function
def train_step(x, y):
  with tf.GradientTape() as tape:
    predictions = model(x)
    loss = loss_object(y, predictions)
    scaled_loss = optimizer.get_scaled_loss(loss)
  scaled_gradients = tape.gradient(scaled_loss, model.trainable_variables)
  gradients = optimizer.get_unscaled_gradients(scaled_gradients)
  optimizer.apply_gradients(zip(gradients, model.trainable_variables))
  return loss

# %%
@tf.function
def test_step(x):
  return model(x, training=False)

# %%
model.set_weights(initial_weights)

# %%
for epoch in range(5):
  epoch_loss_avg = tf.keras.metrics.Mean()
  test_accuracy = tf.keras.metrics.SparseCategoricalAccuracy(
      name='test_accuracy')
  for x, y in train_dataset:
    loss = train_step(x, y)
    epoch_loss_avg(loss)
  for x, y in test_dataset:
    predictions = test_step(x)
    test_accuracy.update_state(y, predictions)
  print('Epoch {}: loss={}, test accuracy={}'.format(epoch, epoch_loss_avg.result(), test_accuracy.result()))

