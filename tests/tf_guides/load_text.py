# TF tutorial "Load text" (site/en/tutorials/load_data/text.ipynb), tensorflow/docs 7c36502: its code cells
# with only the imports changed (shell magic lines dropped); cells are separated by "# %%".
# Its downloads are replaced by small synthetic files of the same layout that the downloading cells write
# themselves, the same on both sides: stack_overflow/{train,test}/{csharp,java,javascript,python}/*.txt
# (40 training and 10 test questions per language, python/1755.txt among them) and the three Iliad
# translations cowper.txt, derby.txt, butler.txt (150 lines each). The training runs 2 epochs where the
# tutorial runs 10 or 3. tensorflow_text and tensorflow_datasets are not installed on either side.

# %%
import collections
import pathlib

import matplotlib.pyplot as plt
import workbench as tf

from workbench.keras import layers
from workbench.keras import losses
from workbench.keras import utils
from workbench.keras.layers import TextVectorization

import tensorflow_datasets as tfds
import tensorflow_text as tf_text

# %%
# (a synthetic stack_overflow folder in place of the download: see the top of the file)
import random as _random
_random.seed(0)
_words = {'csharp': 'linq nuget dotnet var class async task string list', 'java': 'jvm maven spring class void public static arraylist',
          'javascript': 'node npm function var let const promise array', 'python': 'pip def import list dict numpy pandas lambda'}
_common = 'how do i make the my a in with to get error when using this code not working'.split()
for _split, _n in (('train', 40), ('test', 10)):
  for _lang, _vocab in _words.items():
    (pathlib.Path('stack_overflow') / _split / _lang).mkdir(parents=True, exist_ok=True)
    for _k in range(_n):
      _name = 1755 if (_split, _lang, _k) == ('train', 'python', 0) else 1000 + _k
      _text = ' '.join(_random.choice(_vocab.split() + _common) for _ in range(30))
      (pathlib.Path('stack_overflow') / _split / _lang / f'{_name}.txt').write_text(f'"{_text}"\n')
pathlib.Path('stack_overflow/README.md').write_text('synthetic questions\n')
dataset_dir = 'stack_overflow/stack_overflow_16k.tar.gz'

dataset_dir = pathlib.Path(dataset_dir).parent

# %%
list(dataset_dir.iterdir())

# %%
train_dir = dataset_dir/'train'
list(train_dir.iterdir())

# %%
sample_file = train_dir/'python/1755.txt'

with open(sample_file) as f:
  print(f.read())

# %%
batch_size = 32
seed = 42

raw_train_ds = utils.text_dataset_from_directory(
    train_dir,
    batch_size=batch_size,
    validation_split=0.2,
    subset='training',
    seed=seed)

# %%
for text_batch, label_batch in raw_train_ds.take(1):
  for i in range(10):
    print("Question: ", text_batch.numpy()[i])
    print("Label:", label_batch.numpy()[i])

# %%
for i, label in enumerate(raw_train_ds.class_names):
  print("Label", i, "corresponds to", label)

# %%
# Create a validation set.
raw_val_ds = utils.text_dataset_from_directory(
    train_dir,
    batch_size=batch_size,
    validation_split=0.2,
    subset='validation',
    seed=seed)

# %%
test_dir = dataset_dir/'test'

# Create a test set.
raw_test_ds = utils.text_dataset_from_directory(
    test_dir,
    batch_size=batch_size)

# %%
raw_train_ds = raw_train_ds.cache().prefetch(buffer_size=tf.data.AUTOTUNE)
raw_val_ds = raw_val_ds.cache().prefetch(buffer_size=tf.data.AUTOTUNE)
raw_test_ds = raw_test_ds.prefetch(buffer_size=tf.data.AUTOTUNE)

# %%
VOCAB_SIZE = 10000

binary_vectorize_layer = TextVectorization(
    max_tokens=VOCAB_SIZE,
    output_mode='binary')

# %%
MAX_SEQUENCE_LENGTH = 250

int_vectorize_layer = TextVectorization(
    max_tokens=VOCAB_SIZE,
    output_mode='int',
    output_sequence_length=MAX_SEQUENCE_LENGTH)

# %%
# Make a text-only dataset (without labels), then call `TextVectorization.adapt`.
train_text = raw_train_ds.map(lambda text, labels: text)
binary_vectorize_layer.adapt(train_text)
int_vectorize_layer.adapt(train_text)

# %%
# Retrieve a batch (of 32 reviews and labels) from the dataset.
text_batch, label_batch = next(iter(raw_train_ds))
first_question, first_label = text_batch[0], label_batch[0]
print("Question:", first_question)
print("Label:", first_label)

# %%
print("'binary' vectorized question:",
      list(binary_vectorize_layer(first_question).numpy()))

plt.plot(binary_vectorize_layer(first_question).numpy())
plt.xlim(0,1000)

# %%
print("'int' vectorized question:",
      int_vectorize_layer(first_question).numpy())

# %%
print("1289 ---> ", int_vectorize_layer.get_vocabulary()[1289])
print("313 ---> ", int_vectorize_layer.get_vocabulary()[313])
print("Vocabulary size: {}".format(len(int_vectorize_layer.get_vocabulary())))

# %%
binary_model = tf.keras.Sequential([
    binary_vectorize_layer,
    layers.Dense(4)])

binary_model.compile(
    loss=losses.SparseCategoricalCrossentropy(from_logits=True),
    optimizer='adam',
    metrics=['accuracy'])

tf.keras.utils.plot_model(binary_model, show_shapes=True)

# %%
bin_history = binary_model.fit(
    raw_train_ds, validation_data=raw_val_ds, epochs=2)

print()

# %%
def create_model(vocab_size, num_labels, vectorizer=None):
  my_layers =[]
  if vectorizer is not None:
    my_layers = [vectorizer]

  my_layers.extend([
      layers.Embedding(vocab_size, 64, mask_zero=True),
      layers.Dropout(0.5),
      layers.Conv1D(64, 5, padding="valid", activation="relu", strides=2),
      layers.GlobalMaxPooling1D(),
      layers.Dense(num_labels)
  ])

  model = tf.keras.Sequential(my_layers)
  return model

# %%
# `vocab_size` is `VOCAB_SIZE + 1` since `0` is used additionally for padding.
int_model = create_model(vocab_size=VOCAB_SIZE + 1, num_labels=4, vectorizer=int_vectorize_layer)

tf.keras.utils.plot_model(int_model, show_shapes=True)

# %%

int_model.compile(
    loss=losses.SparseCategoricalCrossentropy(from_logits=True),
    optimizer='adam',
    metrics=['accuracy'])
int_history = int_model.fit(raw_train_ds, validation_data=raw_val_ds, epochs=2)

# %%
loss = plt.plot(bin_history.epoch, bin_history.history['loss'], label='bin-loss')
plt.plot(bin_history.epoch, bin_history.history['val_loss'], '--', color=loss[0].get_color(), label='bin-val_loss')

loss = plt.plot(int_history.epoch, int_history.history['loss'], label='int-loss')
plt.plot(int_history.epoch, int_history.history['val_loss'], '--', color=loss[0].get_color(), label='int-val_loss')

plt.legend()
plt.xlabel('Epoch')
plt.ylabel('CE/token')

# %%
binary_train_ds = raw_train_ds.map(lambda x,y: (binary_vectorize_layer(x), y))
binary_val_ds = raw_val_ds.map(lambda x,y: (binary_vectorize_layer(x), y))
binary_test_ds = raw_test_ds.map(lambda x,y: (binary_vectorize_layer(x), y))

int_train_ds = raw_train_ds.map(lambda x,y: (int_vectorize_layer(x), y))
int_val_ds = raw_val_ds.map(lambda x,y: (int_vectorize_layer(x), y))
int_test_ds = raw_test_ds.map(lambda x,y: (int_vectorize_layer(x), y))

# %%
binary_model.export('bin.tf')

# %%
loaded = tf.saved_model.load('bin.tf')

# %%
binary_model.predict(['How do you sort a list?'])

# %%
loaded.serve(tf.constant(['How do you sort a list?'])).numpy()

# %%
# (synthetic Iliad translations in place of the downloads: see the top of the file)
import random as _random
_random.seed(1)
FILE_NAMES = ['cowper.txt', 'derby.txt', 'butler.txt']
_styles = {'cowper.txt': "thou thee hath th' o'er whom", 'derby.txt': 'thus spake the son of atreus king of men',
           'butler.txt': 'then he said achilles and the achaeans'}
pathlib.Path('illiad').mkdir(exist_ok=True)
for name in FILE_NAMES:
  _vocab = (_styles[name] + ' the of and to his ships spear hector troy gods').split()
  _lines = [' '.join(_random.choice(_vocab) for _ in range(_random.randint(5, 12))).capitalize() + ','
            for _ in range(150)]
  (pathlib.Path('illiad') / name).write_text('\n'.join(_lines) + '\n')
  text_dir = str(pathlib.Path('illiad') / name)

parent_dir = pathlib.Path(text_dir).parent
list(parent_dir.iterdir())

# %%
def labeler(example, index):
  return example, tf.cast(index, tf.int64)

# %%
labeled_data_sets = []

for i, file_name in enumerate(FILE_NAMES):
  lines_dataset = tf.data.TextLineDataset(str(parent_dir/file_name))
  labeled_dataset = lines_dataset.map(lambda ex: labeler(ex, i))
  labeled_data_sets.append(labeled_dataset)

# %%
BUFFER_SIZE = 50000
BATCH_SIZE = 64
VALIDATION_SIZE = 5000

# %%
all_labeled_data = labeled_data_sets[0]
for labeled_dataset in labeled_data_sets[1:]:
  all_labeled_data = all_labeled_data.concatenate(labeled_dataset)

all_labeled_data = all_labeled_data.shuffle(
    BUFFER_SIZE, reshuffle_each_iteration=False)

# %%
for text, label in all_labeled_data.take(10):
  print("Sentence: ", text.numpy())
  print("Label:", label.numpy())

# %%
class MyTokenizer(tf.keras.layers.Layer):
  def __init__(self):
    super().__init__()
    self.tokenizer = tf_text.UnicodeScriptTokenizer()

  def call(self, text):
    lower_case = tf_text.case_fold_utf8(text)
    result = self.tokenizer.tokenize(lower_case)
    # If you pass a batch of strings, it will return a RaggedTensor.
    if isinstance(result, tf.RaggedTensor):
      # Convert to dense 0-padded.
      result = result.to_tensor()
    return result

# %%
tokenizer = MyTokenizer()

# %%
tokenized_ds = all_labeled_data.map(lambda text, label: (tokenizer(text), label))
tokenized_ds

# %%
for tokens, label in tokenized_ds.take(1):
  break

print(tokens)
print()
print(label)

# %%
tokenized_ds = tokenized_ds.cache().prefetch(tf.data.AUTOTUNE)

vocab_count = collections.Counter()
for toks, labels in tokenized_ds.ragged_batch(1000):
  toks = tf.reshape(toks, [-1])
  for tok in toks.numpy():
    vocab_count[tok] += 1

vocab = [tok for tok, count in vocab_count.most_common(VOCAB_SIZE)]

print("First five vocab entries:", vocab[:5])
print()

# %%
class MyVocabTable(tf.keras.layers.Layer):
  def __init__(self, vocab):
    super().__init__()
    self.keys = [''] + vocab
    self.values = range(len(self.keys))

    self.init = tf.lookup.KeyValueTensorInitializer(
        self.keys, self.values, key_dtype=tf.string, value_dtype=tf.int64)

    num_oov_buckets = 1

    self.table = tf.lookup.StaticVocabularyTable(self.init, num_oov_buckets)

  def call(self, x):
    result = self.table.lookup(x)
    return result

# %%
vocab_table = MyVocabTable(['a','b','c'])
vocab_table(tf.constant([''] + list('abcdefghi')))

# %%
vocab_table = MyVocabTable(vocab)

# %%
preprocess_text = tf.keras.Sequential([
    tokenizer,
    vocab_table
])

# %%
example_text, example_label = next(iter(all_labeled_data))
print("Sentence: ", example_text.numpy())
vectorized_text = preprocess_text(example_text)
print("Vectorized sentence: ", vectorized_text.numpy())

# %%
all_encoded_data = all_labeled_data.map(lambda text, labels:(preprocess_text(text), labels))

for ids, label in all_encoded_data.take(1):
  break

print("Ids: ", ids.numpy())
print("Label: ", label.numpy())

# %%
train_data = all_encoded_data.skip(VALIDATION_SIZE).shuffle(BUFFER_SIZE).padded_batch(BATCH_SIZE)
validation_data = all_encoded_data.take(VALIDATION_SIZE).padded_batch(BATCH_SIZE)

# %%
sample_text, sample_labels = next(iter(validation_data))
print("Text batch shape: ", sample_text.shape)
print("Label batch shape: ", sample_labels.shape)
print("First text example: ", sample_text[0])
print("First label example: ", sample_labels[0])

# %%
train_data = train_data.prefetch(tf.data.AUTOTUNE)
validation_data = validation_data.prefetch(tf.data.AUTOTUNE)

# %%
model = create_model(vocab_size=VOCAB_SIZE+2, num_labels=3)

model.compile(
    optimizer='adam',
    loss=losses.SparseCategoricalCrossentropy(from_logits=True),
    metrics=['accuracy'])

# %%
tf.keras.utils.plot_model(model, show_shapes=True)

# %%
history = model.fit(train_data, validation_data=validation_data, epochs=2)

# %%
metrics = model.evaluate(validation_data, return_dict=True)

print("Loss: ", metrics['loss'])
print("Accuracy: {:2.2%}".format(metrics['accuracy']))

# %%
export_model = tf.keras.Sequential([
    preprocess_text,
    model
])

# %%
export_model.compile(
    loss=losses.SparseCategoricalCrossentropy(from_logits=False),
    optimizer='adam',
    metrics=['accuracy'])

# %%
# Create a test dataset of raw strings.
test_ds = all_labeled_data.take(VALIDATION_SIZE).batch(BATCH_SIZE)
test_ds = test_ds.cache().prefetch(tf.data.AUTOTUNE)
test_ds

# %%
loss, accuracy = export_model.evaluate(test_ds)

print("Loss: ", loss)
print("Accuracy: {:2.2%}".format(accuracy))

# %%
tf.saved_model.save(export_model, 'export.tf')

# %%
loaded = tf.saved_model.load('export.tf')

# %%
export_model(tf.constant(['The field bristled with the long and deadly spears which they bore.'])).numpy()

# %%
loaded(tf.constant(['The field bristled with the long and deadly spears which they bore.'])).numpy()

# %%
inputs = [
    "Join'd to th' Ionians with their flowing robes,",  # Label: 1
    "the allies, and his armour flashed about him so that he seemed to all",  # Label: 2
    "And with loud clangor of his arms he fell.",  # Label: 0
]

predicted_scores = export_model.predict(inputs)
predicted_labels = tf.math.argmax(predicted_scores, axis=1)

for input, label in zip(inputs, predicted_labels):
  print("Question: ", input)
  print("Predicted label: ", label.numpy())

# %%
# Training set.
train_ds = tfds.load(
    'imdb_reviews',
    split='train[:80%]',
    batch_size=BATCH_SIZE,
    shuffle_files=True,
    as_supervised=True)

# %%
# Validation set.
val_ds = tfds.load(
    'imdb_reviews',
    split='train[80%:]',
    batch_size=BATCH_SIZE,
    shuffle_files=True,
    as_supervised=True)

# %%
for review_batch, label_batch in val_ds.take(1):
  for i in range(5):
    print("Review: ", review_batch[i].numpy())
    print("Label: ", label_batch[i].numpy())

# %%
vectorize_layer = TextVectorization(
    max_tokens=VOCAB_SIZE,
    output_mode='int',
    output_sequence_length=MAX_SEQUENCE_LENGTH)

# Make a text-only dataset (without labels), then call `TextVectorization.adapt`.
train_text = train_ds.map(lambda text, labels: text)
vectorize_layer.adapt(train_text)

# %%
def vectorize_text(text, label):
  text = tf.expand_dims(text, -1)
  return vectorize_layer(text), label

# %%
train_ds = train_ds.map(vectorize_text)
val_ds = val_ds.map(vectorize_text)

# %%
# Configure datasets for performance as before.
train_ds = train_ds.cache().prefetch(tf.data.AUTOTUNE)
val_ds = val_ds.cache().prefetch(tf.data.AUTOTUNE)

# %%
model = create_model(vocab_size=VOCAB_SIZE, num_labels=1)
model.summary()

# %%
model.compile(
    loss=losses.BinaryCrossentropy(from_logits=True),
    optimizer='adam',
    metrics=['accuracy'])

# %%
history = model.fit(train_ds, validation_data=val_ds, epochs=2)

# %%
loss, accuracy = model.evaluate(val_ds)

print("Loss: ", loss)
print("Accuracy: {:2.2%}".format(accuracy))

# %%
export_model = tf.keras.Sequential(
    [vectorize_layer, model,
     layers.Activation('sigmoid')])

export_model.compile(
    loss=losses.SparseCategoricalCrossentropy(from_logits=False),
    optimizer='adam',
    metrics=['accuracy'])

# %%
# 0 --> negative review
# 1 --> positive review
inputs = [
    "This is a fantastic movie.",
    "This is a bad movie.",
    "This movie was so bad that it was good.",
    "I will never say yes to watching this movie.",
]

predicted_scores = export_model.predict(inputs)
predicted_labels = [int(round(x[0])) for x in predicted_scores]

for input, label in zip(inputs, predicted_labels):
  print("Question: ", input)
  print("Predicted label: ", label)
