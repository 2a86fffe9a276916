# TF tutorial "Basic text classification" (site/en/tutorials/keras/text_classification.ipynb), tensorflow/docs 7c36502: its code cells with only the imports
# changed (license cells dropped); cells are separated by "# %%".
# The IMDB archive's download is replaced by a small synthetic archive of the same layout (aclImdb/train/{pos,neg,unsup},
# aclImdb/test/{pos,neg}, one review per .txt file), made here and read by the same get_file call through a file:// address;
# the same on TF's side.

# %%
import matplotlib.pyplot as plt
import os
import re
import shutil
import string
import workbench as tf

from workbench.keras import layers
from workbench.keras import losses



# %%
print(tf.__version__)


# %%
url = "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz"
# The tutorial downloads the IMDB archive from that address; a synthetic archive of the same layout is made here
# (110 training reviews per class and 20 unlabelled ones, 50 test reviews per class, words drawn from a synthetic
# vocabulary with class-dependent sentiment words, '<br />' and punctuation as in the real reviews):
import numpy as np, tarfile
_rng = np.random.default_rng(0)
_neutral = ['word%d' % _i for _i in range(1500)] + ['the', 'a', 'and', 'of', 'to', 'is', 'movie', 'film', 'this', 'it']
_good = ['great', 'wonderful', 'excellent', 'loved', 'best', 'superb']
_bad = ['terrible', 'awful', 'boring', 'worst', 'waste', 'bad']
def _review(words):
  n = int(_rng.integers(20, 60))
  toks = [str(w) for w in _rng.choice(_neutral, n)] + [str(w) for w in _rng.choice(words, 4)]
  toks = [toks[_j] for _j in _rng.permutation(len(toks))]
  return 'The ' + ' '.join(toks[:n // 2]) + '.<br /><br />' + ' '.join(toks[n // 2:]).capitalize() + '!'
for _split, _counts in [('train', {'pos': 110, 'neg': 110, 'unsup': 20}), ('test', {'pos': 50, 'neg': 50})]:
  for _label, _n in _counts.items():
    _dir = os.path.join('synthetic', 'aclImdb', _split, _label)
    os.makedirs(_dir)
    for _i in range(_n):
      _rating = int(_rng.integers(7, 11)) if _label == 'pos' else int(_rng.integers(1, 5))
      _name = '1181_9.txt' if (_split, _label, _i) == ('train', 'pos', 0) else '%d_%d.txt' % (_i + 2000, _rating)
      with open(os.path.join(_dir, _name), 'w') as _f:
        _f.write(_review(_good if _label == 'pos' else _bad if _label == 'neg' else _good + _bad))
with tarfile.open(os.path.join('synthetic', 'aclImdb_v1.tar.gz'), 'w:gz') as _t:
  _t.add(os.path.join('synthetic', 'aclImdb'), arcname='aclImdb')
url = 'file://' + os.path.abspath(os.path.join('synthetic', 'aclImdb_v1.tar.gz'))

dataset = tf.keras.utils.get_file("aclImdb_v1", url,
                                    untar=True, cache_dir='.',
                                    cache_subdir='')

dataset_dir = os.path.join(os.path.dirname(dataset), 'aclImdb_v1')

# %%
os.listdir(dataset_dir)


# %%
train_dir = os.path.join(dataset_dir, 'aclImdb', 'train')
test_dir = os.path.join(dataset_dir, 'aclImdb', 'test')
os.listdir(train_dir)


# %%
sample_file = os.path.join(train_dir, 'pos', '1181_9.txt')
with open(sample_file) as f:
  print(f.read())


# %%
remove_dir = os.path.join(train_dir, 'unsup')
shutil.rmtree(remove_dir)


# %%
batch_size = 32
seed = 42

raw_train_ds = tf.keras.utils.text_dataset_from_directory(
    train_dir,
    batch_size=batch_size,
    validation_split=0.2,
    subset='training',
    seed=seed)


# %%
for text_batch, label_batch in raw_train_ds.take(1):
  for i in range(3):
    print("Review", text_batch.numpy()[i])
    print("Label", label_batch.numpy()[i])


# %%
print("Label 0 corresponds to", raw_train_ds.class_names[0])
print("Label 1 corresponds to", raw_train_ds.class_names[1])


# %%
raw_val_ds = tf.keras.utils.text_dataset_from_directory(
    train_dir,
    batch_size=batch_size,
    validation_split=0.2,
    subset='validation',
    seed=seed)


# %%
raw_test_ds = tf.keras.utils.text_dataset_from_directory(
    test_dir,
    batch_size=batch_size)


# %%
def custom_standardization(input_data):
  lowercase = tf.strings.lower(input_data)
  stripped_html = tf.strings.regex_replace(lowercase, '<br />', ' ')
  return tf.strings.regex_replace(stripped_html,
                                  '[%s]' % re.escape(string.punctuation),
                                  '')


# %%
max_features = 10000
sequence_length = 250

vectorize_layer = layers.TextVectorization(
    standardize=custom_standardization,
    max_tokens=max_features,
    output_mode='int',
    output_sequence_length=sequence_length)


# %%
# Make a text-only dataset (without labels), then call adapt
train_text = raw_train_ds.map(lambda x, y: x)
vectorize_layer.adapt(train_text)


# %%
def vectorize_text(text, label):
  text = tf.expand_dims(text, -1)
  return vectorize_layer(text), label


# %%
# retrieve a batch (of 32 reviews and labels) from the dataset
text_batch, label_batch = next(iter(raw_train_ds))
first_review, first_label = text_batch[0], label_batch[0]
print("Review", first_review)
print("Label", raw_train_ds.class_names[first_label])
print("Vectorized review", vectorize_text(first_review, first_label))


# %%
print("1287 ---> ",vectorize_layer.get_vocabulary()[1287])
print(" 313 ---> ",vectorize_layer.get_vocabulary()[313])
print('Vocabulary size: {}'.format(len(vectorize_layer.get_vocabulary())))


# %%
train_ds = raw_train_ds.map(vectorize_text)
val_ds = raw_val_ds.map(vectorize_text)
test_ds = raw_test_ds.map(vectorize_text)


# %%
AUTOTUNE = tf.data.AUTOTUNE

train_ds = train_ds.cache().prefetch(buffer_size=AUTOTUNE)
val_ds = val_ds.cache().prefetch(buffer_size=AUTOTUNE)
test_ds = test_ds.cache().prefetch(buffer_size=AUTOTUNE)


# %%
embedding_dim = 16


# %%
model = tf.keras.Sequential([
  layers.Embedding(max_features, embedding_dim),
  layers.Dropout(0.2),
  layers.GlobalAveragePooling1D(),
  layers.Dropout(0.2),
  layers.Dense(1, activation='sigmoid')])

model.summary()


# %%
model.compile(loss=losses.BinaryCrossentropy(),
              optimizer='adam',
              metrics=[tf.metrics.BinaryAccuracy(threshold=0.5)])


# %%
epochs = 10
history = model.fit(
    train_ds,
    validation_data=val_ds,
    epochs=epochs)


# %%
loss, accuracy = model.evaluate(test_ds)

print("Loss: ", loss)
print("Accuracy: ", accuracy)


# %%
history_dict = history.history
history_dict.keys()


# %%
acc = history_dict['binary_accuracy']
val_acc = history_dict['val_binary_accuracy']
loss = history_dict['loss']
val_loss = history_dict['val_loss']

epochs = range(1, len(acc) + 1)

# "bo" is for "blue dot"
plt.plot(epochs, loss, 'bo', label='Training loss')
# b is for "solid blue line"
plt.plot(epochs, val_loss, 'b', label='Validation loss')
plt.title('Training and validation loss')
plt.xlabel('Epochs')
plt.ylabel('Loss')
plt.legend()

plt.show()


# %%
plt.plot(epochs, acc, 'bo', label='Training acc')
plt.plot(epochs, val_acc, 'b', label='Validation acc')
plt.title('Training and validation accuracy')
plt.xlabel('Epochs')
plt.ylabel('Accuracy')
plt.legend(loc='lower right')

plt.show()


# %%
export_model = tf.keras.Sequential([
  vectorize_layer,
  model,
  layers.Activation('sigmoid')
])

export_model.compile(
    loss=losses.BinaryCrossentropy(from_logits=False), optimizer="adam", metrics=['accuracy']
)

# Test it with `raw_test_ds`, which yields raw strings
metrics = export_model.evaluate(raw_test_ds, return_dict=True)
print(metrics)


# %%
examples = tf.constant([
  "The movie was great!",
  "The movie was okay.",
  "The movie was terrible..."
])

export_model.predict(examples)

