# TF tutorial "Overfit and underfit" (site/en/tutorials/keras/overfit_and_underfit.ipynb), tensorflow/docs 7c36502: its code cells with only the imports
# changed (shell and IPython magic lines dropped); cells are separated by "# %%".
# The HIGGS download (2.6 GB) is replaced by a synthetic gzipped CSV of the same layout (a 0/1 label, then 28 float
# features; 2000 rows instead of 11 million), the same on TF's side; max_epochs is cut from 10000 to 2 and N_TRAIN
# from 1e4 to 1e3 (2 steps per epoch instead of 20).
# tensorflow_docs is not installed (in TF's environment either): its import is replaced by a small stand-in for
# tfdocs.modeling.EpochDots and tfdocs.plots.HistoryPlotter, the same on both sides.

# %%
import workbench as tf

from workbench.keras import layers
from workbench.keras import regularizers

print(tf.__version__)

# %%
# (import tensorflow_docs as tfdocs; import tensorflow_docs.modeling; import tensorflow_docs.plots in the tutorial)
# tensorflow_docs is not installed: a small stand-in for the two helpers the tutorial uses, on tf.keras
import types
from matplotlib import pyplot as _plt

class _EpochDots(tf.keras.callbacks.Callback):
  def __init__(self, report_every=100, dot_every=1):
    super().__init__()
    self.report_every, self.dot_every = report_every, dot_every

  def on_epoch_end(self, epoch, logs=None):
    if epoch % self.report_every == 0:
      print()
      print('Epoch: {:d}, '.format(epoch) + ', '.join('{}:{:0.4f}'.format(k, logs[k]) for k in sorted(logs)))
    if epoch % self.dot_every == 0:
      print('.', end='', flush=True)

  def on_train_end(self, logs=None):
    print()

class _HistoryPlotter:
  def __init__(self, metric=None, smoothing_std=None):
    self.metric = metric

  def plot(self, histories, metric=None):
    for name, history in histories.items():
      _plt.plot(history.epoch, history.history[metric or self.metric], label=name)

tfdocs = types.SimpleNamespace(modeling=types.SimpleNamespace(EpochDots=_EpochDots),
                               plots=types.SimpleNamespace(HistoryPlotter=_HistoryPlotter))

# %%
from  IPython import display
from matplotlib import pyplot as plt

import numpy as np

import pathlib
import shutil
import tempfile

# %%
logdir = pathlib.Path(tempfile.mkdtemp())/"tensorboard_logs"
shutil.rmtree(logdir, ignore_errors=True)

# %%
# (tf.keras.utils.get_file('HIGGS.csv.gz', 'http://mlphysics.ics.uci.edu/data/higgs/HIGGS.csv.gz') in the
# tutorial) a synthetic file of the same layout:
import gzip
_rng = np.random.default_rng(0)
_x = _rng.normal(size=(2000, 28)).round(6)
_y = (_x[:, :3].sum(axis=1) + _rng.normal(size=2000) > 0).astype(float)
gz = 'HIGGS.csv.gz'
with gzip.open(gz, 'wt') as _f:
  for _i in range(2000):
    _f.write(','.join([f'{_y[_i]:.18e}'] + [f'{v:.18e}' for v in _x[_i]]) + '\n')

# %%
FEATURES = 28

# %%
ds = tf.data.experimental.CsvDataset(gz,[float(),]*(FEATURES+1), compression_type="GZIP")

# %%
def pack_row(*row):
  label = row[0]
  features = tf.stack(row[1:],1)
  return features, label

# %%
packed_ds = ds.batch(10000).map(pack_row).unbatch()

# %%
for features,label in packed_ds.batch(1000).take(1):
  print(features[0])
  plt.hist(features.numpy().flatten(), bins = 101)

# %%
N_VALIDATION = int(1e3)
N_TRAIN = int(1e3)
BUFFER_SIZE = int(1e4)
BATCH_SIZE = 500
STEPS_PER_EPOCH = N_TRAIN//BATCH_SIZE

# %%
validate_ds = packed_ds.take(N_VALIDATION).cache()
train_ds = packed_ds.skip(N_VALIDATION).take(N_TRAIN).cache()

# %%
train_ds

# %%
validate_ds = validate_ds.batch(BATCH_SIZE)
train_ds = train_ds.shuffle(BUFFER_SIZE).repeat().batch(BATCH_SIZE)

# %%
lr_schedule = tf.keras.optimizers.schedules.InverseTimeDecay(
  0.001,
  decay_steps=STEPS_PER_EPOCH*1000,
  decay_rate=1,
  staircase=False)

def get_optimizer():
  return tf.keras.optimizers.Adam(lr_schedule)

# %%
step = np.linspace(0,100000)
lr = lr_schedule(step)
plt.figure(figsize = (8,6))
plt.plot(step/STEPS_PER_EPOCH, lr)
plt.ylim([0,max(plt.ylim())])
plt.xlabel('Epoch')
_ = plt.ylabel('Learning Rate')

# %%
def get_callbacks(name):
  return [
    tfdocs.modeling.EpochDots(),
    tf.keras.callbacks.EarlyStopping(monitor='val_binary_crossentropy', patience=200),
    tf.keras.callbacks.TensorBoard(logdir/name),
  ]

# %%
def compile_and_fit(model, name, optimizer=None, max_epochs=2):
  if optimizer is None:
    optimizer = get_optimizer()
  model.compile(optimizer=optimizer,
                loss=tf.keras.losses.BinaryCrossentropy(from_logits=True),
                metrics=[
                  tf.keras.metrics.BinaryCrossentropy(
                      from_logits=True, name='binary_crossentropy'),
                  'accuracy'])

  model.summary()

  history = model.fit(
    train_ds.map(lambda x, y: (x, tf.expand_dims(y, axis=-1))),
    steps_per_epoch = STEPS_PER_EPOCH,
    epochs=max_epochs,
    validation_data=validate_ds.map(lambda x, y: (x, tf.expand_dims(y, axis=-1))),
    callbacks=get_callbacks(name),
    verbose=0)
  return history

# %%
tiny_model = tf.keras.Sequential([
    layers.Dense(16, activation='elu', input_shape=(FEATURES,)),
    layers.Dense(1)
])

# %%
size_histories = {}

# %%
size_histories['Tiny'] = compile_and_fit(tiny_model, 'sizes/Tiny')

# %%
plotter = tfdocs.plots.HistoryPlotter(metric = 'binary_crossentropy', smoothing_std=10)
plotter.plot(size_histories)
plt.ylim([0.5, 0.7])

# %%
small_model = tf.keras.Sequential([
    # `input_shape` is only required here so that `.summary` works.
    layers.Dense(16, activation='elu', input_shape=(FEATURES,)),
    layers.Dense(16, activation='elu'),
    layers.Dense(1)
])

# %%
size_histories['Small'] = compile_and_fit(small_model, 'sizes/Small')

# %%
medium_model = tf.keras.Sequential([
    layers.Dense(64, activation='elu', input_shape=(FEATURES,)),
    layers.Dense(64, activation='elu'),
    layers.Dense(64, activation='elu'),
    layers.Dense(1)
])

# %%
size_histories['Medium']  = compile_and_fit(medium_model, "sizes/Medium")

# %%
large_model = tf.keras.Sequential([
    layers.Dense(512, activation='elu', input_shape=(FEATURES,)),
    layers.Dense(512, activation='elu'),
    layers.Dense(512, activation='elu'),
    layers.Dense(512, activation='elu'),
    layers.Dense(1)
])

# %%
size_histories['large'] = compile_and_fit(large_model, "sizes/large")

# %%
plotter.plot(size_histories)
a = plt.xscale('log')
plt.xlim([5, max(plt.xlim())])
plt.ylim([0.5, 0.7])
plt.xlabel("Epochs [Log Scale]")

# %%
# Load the TensorBoard notebook extension

# Open an embedded TensorBoard viewer

# %%
shutil.rmtree(logdir/'regularizers/Tiny', ignore_errors=True)
shutil.copytree(logdir/'sizes/Tiny', logdir/'regularizers/Tiny')

# %%
regularizer_histories = {}
regularizer_histories['Tiny'] = size_histories['Tiny']

# %%
l2_model = tf.keras.Sequential([
    layers.Dense(512, activation='elu',
                 kernel_regularizer=regularizers.l2(0.001),
                 input_shape=(FEATURES,)),
    layers.Dense(512, activation='elu',
                 kernel_regularizer=regularizers.l2(0.001)),
    layers.Dense(512, activation='elu',
                 kernel_regularizer=regularizers.l2(0.001)),
    layers.Dense(512, activation='elu',
                 kernel_regularizer=regularizers.l2(0.001)),
    layers.Dense(1)
])

regularizer_histories['l2'] = compile_and_fit(l2_model, "regularizers/l2")

# %%
plotter.plot(regularizer_histories)
plt.ylim([0.5, 0.7])

# %%
result = l2_model(features)
regularization_loss=tf.add_n(l2_model.losses)

# %%
dropout_model = tf.keras.Sequential([
    layers.Dense(512, activation='elu', input_shape=(FEATURES,)),
    layers.Dropout(0.5),
    layers.Dense(512, activation='elu'),
    layers.Dropout(0.5),
    layers.Dense(512, activation='elu'),
    layers.Dropout(0.5),
    layers.Dense(512, activation='elu'),
    layers.Dropout(0.5),
    layers.Dense(1)
])

regularizer_histories['dropout'] = compile_and_fit(dropout_model, "regularizers/dropout")

# %%
plotter.plot(regularizer_histories)
plt.ylim([0.5, 0.7])

# %%
combined_model = tf.keras.Sequential([
    layers.Dense(512, kernel_regularizer=regularizers.l2(0.0001),
                 activation='elu', input_shape=(FEATURES,)),
    layers.Dropout(0.5),
    layers.Dense(512, kernel_regularizer=regularizers.l2(0.0001),
                 activation='elu'),
    layers.Dropout(0.5),
    layers.Dense(512, kernel_regularizer=regularizers.l2(0.0001),
                 activation='elu'),
    layers.Dropout(0.5),
    layers.Dense(512, kernel_regularizer=regularizers.l2(0.0001),
                 activation='elu'),
    layers.Dropout(0.5),
    layers.Dense(1)
])

regularizer_histories['combined'] = compile_and_fit(combined_model, "regularizers/combined")

# %%
plotter.plot(regularizer_histories)
plt.ylim([0.5, 0.7])

# %%

