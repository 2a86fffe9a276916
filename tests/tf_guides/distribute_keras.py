# TF tutorial "Distributed training with Keras" (site/en/tutorials/distribute/keras.ipynb), tensorflow/docs 7c36502:
# its code cells with only the imports changed (shell and IPython magic lines dropped); cells are
# separated by "# %%".
# tensorflow_datasets' MNIST download is replaced by synthetic data of the same layout (the first
# cell says so), and its 12 epochs by 4.

# %%
import workbench as tf

# tensorflow_datasets' tfds.load downloads MNIST; this stand-in gives synthetic data of MNIST's
# layout instead (28x28x1 uint8 images, int64 labels 0-9; 256 training and 64 test examples), the
# same numbers on both sides.
import types
import numpy as np

def _synthetic_mnist(name, with_info=False, as_supervised=False):
  rng = np.random.default_rng(0)
  sizes = {'train': 256, 'test': 64}
  datasets = {split: tf.data.Dataset.from_tensor_slices(
                  (rng.integers(0, 256, (n, 28, 28, 1), dtype=np.uint8), rng.integers(0, 10, n).astype(np.int64)))
              for split, n in sizes.items()}
  info = types.SimpleNamespace(splits={split: types.SimpleNamespace(num_examples=n) for split, n in sizes.items()})
  return (datasets, info) if with_info else datasets

tfds = types.SimpleNamespace(load=_synthetic_mnist)

import os

# Load the TensorBoard notebook extension.

# %%
print(tf.__version__)

# %%
datasets, info = tfds.load(name='mnist', with_info=True, as_supervised=True)

mnist_train, mnist_test = datasets['train'], datasets['test']

# %%
strategy = tf.distribute.MirroredStrategy()

# %%
print('Number of devices: {}'.format(strategy.num_replicas_in_sync))

# %%
# You can also do info.splits.total_num_examples to get the total
# number of examples in the dataset.

num_train_examples = info.splits['train'].num_examples
num_test_examples = info.splits['test'].num_examples

BUFFER_SIZE = 10000

BATCH_SIZE_PER_REPLICA = 64
BATCH_SIZE = BATCH_SIZE_PER_REPLICA * strategy.num_replicas_in_sync

# %%
def scale(image, label):
  image = tf.cast(image, tf.float32)
  image /= 255

  return image, label

# %%
train_dataset = mnist_train.map(scale).cache().shuffle(BUFFER_SIZE).batch(BATCH_SIZE)
eval_dataset = mnist_test.map(scale).batch(BATCH_SIZE)

# %%
with strategy.scope():
  model = tf.keras.Sequential([
      tf.keras.layers.Conv2D(32, 3, activation='relu', input_shape=(28, 28, 1)),
      tf.keras.layers.MaxPooling2D(),
      tf.keras.layers.Flatten(),
      tf.keras.layers.Dense(64, activation='relu'),
      tf.keras.layers.Dense(10)
  ])

  model.compile(loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                optimizer=tf.keras.optimizers.Adam(learning_rate=0.001),
                metrics=['accuracy'])

# %%
# Define the checkpoint directory to store the checkpoints.
checkpoint_dir = './training_checkpoints'
# Define the name of the checkpoint files.
checkpoint_prefix = os.path.join(checkpoint_dir, "ckpt_{epoch:04d}.weights.h5")

# %%
# Define a function for decaying the learning rate.
# You can define any decay function you need.
def decay(epoch):
  if epoch < 3:
    return 1e-3
  elif epoch >= 3 and epoch < 7:
    return 1e-4
  else:
    return 1e-5

# %%
# Define a callback for printing the learning rate at the end of each epoch.
class PrintLR(tf.keras.callbacks.Callback):
  def on_epoch_end(self, epoch, logs=None):
    print('\nLearning rate for epoch {} is {}'.format(epoch + 1, model.optimizer.learning_rate.numpy()))

# %%
# Put all the callbacks together.
callbacks = [
    tf.keras.callbacks.TensorBoard(log_dir='./logs'),
    tf.keras.callbacks.ModelCheckpoint(filepath=checkpoint_prefix,
                                       save_weights_only=True),
    tf.keras.callbacks.LearningRateScheduler(decay),
    PrintLR()
]

# %%
EPOCHS = 4  # the tutorial trains 12 epochs; cut to 4 on both sides

model.fit(train_dataset, epochs=EPOCHS, callbacks=callbacks)

# %%
# Check the checkpoint directory.

# %%
import pathlib
latest_checkpoint = sorted(pathlib.Path(checkpoint_dir).glob('*'))[-1]

model.load_weights(latest_checkpoint)

eval_loss, eval_acc = model.evaluate(eval_dataset)

print('Eval loss: {}, Eval accuracy: {}'.format(eval_loss, eval_acc))

# %%
path = 'my_model.keras'

# %%
model.save(path)

# %%
unreplicated_model = tf.keras.models.load_model(path)

unreplicated_model.compile(
    loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    optimizer=tf.keras.optimizers.Adam(),
    metrics=['accuracy'])

eval_loss, eval_acc = unreplicated_model.evaluate(eval_dataset)

print('Eval loss: {}, Eval Accuracy: {}'.format(eval_loss, eval_acc))

# %%
with strategy.scope():
  replicated_model = tf.keras.models.load_model(path)
  replicated_model.compile(loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                           optimizer=tf.keras.optimizers.Adam(),
                           metrics=['accuracy'])

  eval_loss, eval_acc = replicated_model.evaluate(eval_dataset)
  print ('Eval loss: {}, Eval Accuracy: {}'.format(eval_loss, eval_acc))
