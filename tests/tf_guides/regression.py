# TF tutorial "Basic regression: Predict fuel efficiency" (site/en/tutorials/keras/regression.ipynb), tensorflow/docs 7c36502: its code cells with only the imports
# changed (shell and IPython magic lines dropped); cells are separated by "# %%".
# Its download is replaced by a synthetic file of the same layout (as in quickstart_core.py), the same on TF's side;
# every fit runs 10 epochs instead of 100.

# %%
# Use seaborn for pairplot.

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

# Make NumPy printouts easier to read.
np.set_printoptions(precision=3, suppress=True)

# %%
import workbench as tf

from workbench import keras
from workbench.keras import layers

print(tf.__version__)

# %%
url = 'http://archive.ics.uci.edu/ml/machine-learning-databases/auto-mpg/auto-mpg.data'
# The tutorial reads UCI's auto-mpg.data from that address here; a synthetic file of the same layout
# (398 cars: MPG, cylinders, displacement, horsepower ('?' for 6 of them), weight, acceleration,
# model year, origin 1-3, then a tab and the car's name in quotes) is read in its place:
import numpy as np
_rng = np.random.default_rng(0)
_cyl = _rng.choice([4, 6, 8], 398, p=[0.5, 0.25, 0.25])
_disp = _cyl * 40.0 + _rng.normal(0, 15, 398).round(0)
_hp = (_disp * 0.45 + 20 + _rng.normal(0, 8, 398)).round(0)
_weight = (_disp * 7 + 1400 + _rng.normal(0, 150, 398)).round(0)
_acc = (21 - _hp / 25 + _rng.normal(0, 1, 398)).round(1)
_year = _rng.integers(70, 83, 398)
_origin = np.where(_cyl == 8, 1, _rng.integers(1, 4, 398))
_mpg = (48 - _weight / 150 + (_year - 70) * 0.7 + _rng.normal(0, 2, 398)).round(1)
url = 'auto-mpg.data'
with open(url, 'w') as _f:
  for _i in range(398):
    _h = '?' if _i % 66 == 5 else f'{_hp[_i]:.1f}'
    _f.write(f'{_mpg[_i]:.1f}   {_cyl[_i]}   {_disp[_i]:.1f}      {_h}      {_weight[_i]:.0f}.      '
             f'{_acc[_i]:.1f}   {_year[_i]}  {_origin[_i]}\t"car {_i}"\n')
column_names = ['MPG', 'Cylinders', 'Displacement', 'Horsepower', 'Weight',
                'Acceleration', 'Model Year', 'Origin']

raw_dataset = pd.read_csv(url, names=column_names,
                          na_values='?', comment='\t',
                          sep=' ', skipinitialspace=True)

# %%
dataset = raw_dataset.copy()
dataset.tail()

# %%
dataset.isna().sum()

# %%
dataset = dataset.dropna()

# %%
dataset['Origin'] = dataset['Origin'].map({1: 'USA', 2: 'Europe', 3: 'Japan'})

# %%
dataset = pd.get_dummies(dataset, columns=['Origin'], prefix='', prefix_sep='', dtype=float)
dataset.tail()

# %%
train_dataset = dataset.sample(frac=0.8, random_state=0)
test_dataset = dataset.drop(train_dataset.index)

# %%
sns.pairplot(train_dataset[['MPG', 'Cylinders', 'Displacement', 'Weight']], diag_kind='kde')

# %%
train_dataset.describe().transpose()

# %%
train_features = train_dataset.copy()
test_features = test_dataset.copy()

train_labels = train_features.pop('MPG')
test_labels = test_features.pop('MPG')

# %%
train_dataset.describe().transpose()[['mean', 'std']]

# %%
normalizer = tf.keras.layers.Normalization(axis=-1)

# %%
normalizer.adapt(np.array(train_features))

# %%
print(normalizer.mean.numpy())

# %%
first = np.array(train_features[:1])

with np.printoptions(precision=2, suppress=True):
  print('First example:', first)
  print()
  print('Normalized:', normalizer(first).numpy())

# %%
horsepower = np.array(train_features['Horsepower'])

horsepower_normalizer = layers.Normalization(input_shape=[1,], axis=None)
horsepower_normalizer.adapt(horsepower)

# %%
horsepower_model = tf.keras.Sequential([
    horsepower_normalizer,
    layers.Dense(units=1)
])

horsepower_model.summary()

# %%
horsepower_model.predict(horsepower[:10])

# %%
horsepower_model.compile(
    optimizer=tf.keras.optimizers.Adam(learning_rate=0.1),
    loss='mean_absolute_error')

# %%
history = horsepower_model.fit(
    train_features['Horsepower'],
    train_labels,
    epochs=10,
    # Suppress logging.
    verbose=0,
    # Calculate validation results on 20% of the training data.
    validation_split = 0.2)

# %%
hist = pd.DataFrame(history.history)
hist['epoch'] = history.epoch
hist.tail()

# %%
def plot_loss(history):
  plt.plot(history.history['loss'], label='loss')
  plt.plot(history.history['val_loss'], label='val_loss')
  plt.ylim([0, 10])
  plt.xlabel('Epoch')
  plt.ylabel('Error [MPG]')
  plt.legend()
  plt.grid(True)

# %%
plot_loss(history)

# %%
test_results = {}

test_results['horsepower_model'] = horsepower_model.evaluate(
    test_features['Horsepower'],
    test_labels, verbose=0)

# %%
x = tf.linspace(0.0, 250, 251)
y = horsepower_model.predict(x)

# %%
def plot_horsepower(x, y):
  plt.scatter(train_features['Horsepower'], train_labels, label='Data')
  plt.plot(x, y, color='k', label='Predictions')
  plt.xlabel('Horsepower')
  plt.ylabel('MPG')
  plt.legend()

# %%
plot_horsepower(x, y)

# %%
linear_model = tf.keras.Sequential([
    normalizer,
    layers.Dense(units=1)
])

# %%
linear_model.predict(train_features[:10])

# %%
linear_model.layers[1].kernel

# %%
linear_model.compile(
    optimizer=tf.keras.optimizers.Adam(learning_rate=0.1),
    loss='mean_absolute_error')

# %%
history = linear_model.fit(
    train_features,
    train_labels,
    epochs=10,
    # Suppress logging.
    verbose=0,
    # Calculate validation results on 20% of the training data.
    validation_split = 0.2)

# %%
plot_loss(history)

# %%
test_results['linear_model'] = linear_model.evaluate(
    test_features, test_labels, verbose=0)

# %%
def build_and_compile_model(norm):
  model = keras.Sequential([
      norm,
      layers.Dense(64, activation='relu'),
      layers.Dense(64, activation='relu'),
      layers.Dense(1)
  ])

  model.compile(loss='mean_absolute_error',
                optimizer=tf.keras.optimizers.Adam(0.001))
  return model

# %%
dnn_horsepower_model = build_and_compile_model(horsepower_normalizer)

# %%
dnn_horsepower_model.summary()

# %%
history = dnn_horsepower_model.fit(
    train_features['Horsepower'],
    train_labels,
    validation_split=0.2,
    verbose=0, epochs=10)

# %%
plot_loss(history)

# %%
x = tf.linspace(0.0, 250, 251)
y = dnn_horsepower_model.predict(x)

# %%
plot_horsepower(x, y)

# %%
test_results['dnn_horsepower_model'] = dnn_horsepower_model.evaluate(
    test_features['Horsepower'], test_labels,
    verbose=0)

# %%
dnn_model = build_and_compile_model(normalizer)
dnn_model.summary()

# %%
history = dnn_model.fit(
    train_features,
    train_labels,
    validation_split=0.2,
    verbose=0, epochs=10)

# %%
plot_loss(history)

# %%
test_results['dnn_model'] = dnn_model.evaluate(test_features, test_labels, verbose=0)

# %%
pd.DataFrame(test_results, index=['Mean absolute error [MPG]']).T

# %%
test_predictions = dnn_model.predict(test_features).flatten()

a = plt.axes(aspect='equal')
plt.scatter(test_labels, test_predictions)
plt.xlabel('True Values [MPG]')
plt.ylabel('Predictions [MPG]')
lims = [0, 50]
plt.xlim(lims)
plt.ylim(lims)
_ = plt.plot(lims, lims)

# %%
error = test_predictions - test_labels
plt.hist(error, bins=25)
plt.xlabel('Prediction Error [MPG]')
_ = plt.ylabel('Count')

# %%
dnn_model.save('dnn_model.keras')

# %%
reloaded = tf.keras.models.load_model('dnn_model.keras')

test_results['reloaded'] = reloaded.evaluate(
    test_features, test_labels, verbose=0)

# %%
pd.DataFrame(test_results, index=['Mean absolute error [MPG]']).T
