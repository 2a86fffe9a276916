# TF tutorial "Custom training: walkthrough" (site/en/tutorials/customization/custom_training_walkthrough.ipynb), tensorflow/docs 7c36502: its code cells with only the imports
# changed (shell and IPython magic lines dropped); cells are separated by "# %%".
# TensorFlow Datasets' penguins download (tfds.load) is replaced by synthetic data of the same layout, the same on TF's
# side: penguins/processed (334 examples; 4 float32 features scaled to [0, 1], an int64 species 0-2), made in NumPy;
# tfds.as_dataframe is replaced by a pandas DataFrame of the same rows. The 201-epoch loop is cut to 21 epochs.

# %%


# %%
import os
import workbench as tf
import matplotlib.pyplot as plt

print("TensorFlow version: {}".format(tf.__version__))

# %%
# (tfds.load('penguins/simple') in the tutorial: a synthetic stand-in of the same columns)
import numpy as np
import pandas as pd
_rng = np.random.default_rng(0)
_species = _rng.integers(0, 3, 334)
_centers = np.array([[0.35, 0.25, 0.6, 0.3], [0.45, 0.75, 0.55, 0.35], [0.75, 0.6, 0.2, 0.75]])
_features = np.clip(_centers[_species] + _rng.normal(0, 0.08, (334, 4)), 0, 1).astype(np.float32)
df = pd.DataFrame({'body_mass_g': _features[:5, 0] * 3600 + 2700, 'culmen_depth_mm': _features[:5, 1] * 8 + 13,
                   'culmen_length_mm': _features[:5, 2] * 27 + 32, 'flipper_length_mm': _features[:5, 3] * 59 + 172,
                   'species': _species[:5]})
print(df)

# %%
class_names = ['Adélie', 'Chinstrap', 'Gentoo']

# %%
# (tfds.load("penguins/processed", split=['train[:20%]', 'train[20%:]'], as_supervised=True) in the tutorial)
ds_split = [tf.data.Dataset.from_tensor_slices((_features[:67], _species[:67].astype(np.int64))),
            tf.data.Dataset.from_tensor_slices((_features[67:], _species[67:].astype(np.int64)))]

ds_test = ds_split[0]
ds_train = ds_split[1]
assert isinstance(ds_test, tf.data.Dataset)

df_test = pd.DataFrame([(list(x.numpy()), int(y)) for x, y in ds_test.take(5)], columns=['features', 'species'])
print("Test dataset sample: ")
print(df_test)

df_train = pd.DataFrame([(list(x.numpy()), int(y)) for x, y in ds_train.take(5)], columns=['features', 'species'])
print("Train dataset sample: ")
print(df_train)

ds_train_batch = ds_train.batch(32)

# %%
features, labels = next(iter(ds_train_batch))

print(features)
print(labels)

# %%
plt.scatter(features[:,0],
            features[:,2],
            c=labels,
            cmap='viridis')

plt.xlabel("Body Mass")
plt.ylabel("Culmen Length")
plt.show()

# %%
model = tf.keras.Sequential([
  tf.keras.layers.Dense(10, activation=tf.nn.relu, input_shape=(4,)),  # input shape required
  tf.keras.layers.Dense(10, activation=tf.nn.relu),
  tf.keras.layers.Dense(3)
])

# %%
predictions = model(features)
predictions[:5]

# %%
tf.nn.softmax(predictions[:5])

# %%
print("Prediction: {}".format(tf.math.argmax(predictions, axis=1)))
print("    Labels: {}".format(labels))

# %%
loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)

# %%
def loss(model, x, y, training):
  # training=training is needed only if there are layers with different
  # behavior during training versus inference (e.g. Dropout).
  y_ = model(x, training=training)

  return loss_object(y_true=y, y_pred=y_)

l = loss(model, features, labels, training=False)
print("Loss test: {}".format(l))

# %%
def grad(model, inputs, targets):
  with tf.GradientTape() as tape:
    loss_value = loss(model, inputs, targets, training=True)
  return loss_value, tape.gradient(loss_value, model.trainable_variables)

# %%
optimizer = tf.keras.optimizers.SGD(learning_rate=0.01)

# %%
loss_value, grads = grad(model, features, labels)

print("Step: {}, Initial Loss: {}".format(optimizer.iterations.numpy(),
                                          loss_value.numpy()))

optimizer.apply_gradients(zip(grads, model.trainable_variables))

print("Step: {},         Loss: {}".format(optimizer.iterations.numpy(),
                                          loss(model, features, labels, training=True).numpy()))

# %%
## Note: Rerunning this cell uses the same model parameters

# Keep results for plotting
train_loss_results = []
train_accuracy_results = []

num_epochs = 21

for epoch in range(num_epochs):
  epoch_loss_avg = tf.keras.metrics.Mean()
  epoch_accuracy = tf.keras.metrics.SparseCategoricalAccuracy()

  # Training loop - using batches of 32
  for x, y in ds_train_batch:
    # Optimize the model
    loss_value, grads = grad(model, x, y)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))

    # Track progress
    epoch_loss_avg.update_state(loss_value)  # Add current batch loss
    # Compare predicted label to actual label
    # training=True is needed only if there are layers with different
    # behavior during training versus inference (e.g. Dropout).
    epoch_accuracy.update_state(y, model(x, training=True))

  # End epoch
  train_loss_results.append(epoch_loss_avg.result())
  train_accuracy_results.append(epoch_accuracy.result())

  if epoch % 5 == 0:
    print("Epoch {:03d}: Loss: {:.3f}, Accuracy: {:.3%}".format(epoch,
                                                                epoch_loss_avg.result(),
                                                                epoch_accuracy.result()))

# %%
fig, axes = plt.subplots(2, sharex=True, figsize=(12, 8))
fig.suptitle('Training Metrics')

axes[0].set_ylabel("Loss", fontsize=14)
axes[0].plot(train_loss_results)

axes[1].set_ylabel("Accuracy", fontsize=14)
axes[1].set_xlabel("Epoch", fontsize=14)
axes[1].plot(train_accuracy_results)
plt.show()

# %%
test_accuracy = tf.keras.metrics.Accuracy()
ds_test_batch = ds_test.batch(10)

for (x, y) in ds_test_batch:
  # training=False is needed only if there are layers with different
  # behavior during training versus inference (e.g. Dropout).
  logits = model(x, training=False)
  prediction = tf.math.argmax(logits, axis=1, output_type=tf.int64)
  test_accuracy(prediction, y)

print("Test set accuracy: {:.3%}".format(test_accuracy.result()))

# %%
tf.stack([y,prediction],axis=1)

# %%
predict_dataset = tf.convert_to_tensor([
    [0.3, 0.8, 0.4, 0.5,],
    [0.4, 0.1, 0.8, 0.5,],
    [0.7, 0.9, 0.8, 0.4]
])

# training=False is needed only if there are layers with different
# behavior during training versus inference (e.g. Dropout).
predictions = model(predict_dataset, training=False)

for i, logits in enumerate(predictions):
  class_idx = tf.math.argmax(logits).numpy()
  p = tf.nn.softmax(logits)[class_idx]
  name = class_names[class_idx]
  print("Example {} prediction: {} ({:4.1f}%)".format(i, name, 100*p))
