# TF tutorial "Load and preprocess images" (site/en/tutorials/load_data/images.ipynb), tensorflow/docs 7c36502: its
# code cells with only the imports changed (license cell dropped); cells are separated by "# %%".
# The flower_photos download (3,670 JPEGs) is replaced by a small synthetic archive of the same layout
# (flower_photos/{daisy,dandelion,roses,sunflowers,tulips}/*.jpg of varying sizes, and LICENSE.txt; 8 images per
# class), made with Pillow in the download cell and read by the same get_file call through a file:// address with
# cache_dir='.' (so nothing is written under ~/.keras); the same on TF's side. To keep each cell near a second on a
# CPU, the images are resized to 32x32 instead of 180x180 (img_height, img_width) and the training runs 1 epoch
# instead of 3.
# tensorflow_datasets is installed on neither side: its import and the last part of the tutorial (tfds.load of
# tf_flowers, a download) are dropped.

# %%
import numpy as np
import os
import PIL
import PIL.Image
import workbench as tf

# %%
print(tf.__version__)

# %%
import pathlib
dataset_url = "https://storage.googleapis.com/download.tensorflow.org/example_images/flower_photos.tgz"
# (a synthetic archive of the same layout in place of the download: see the top of the file)
import tarfile
_rng = np.random.default_rng(0)
_classes = ['daisy', 'dandelion', 'roses', 'sunflowers', 'tulips']
for _k, _name in enumerate(_classes):
  _dir = os.path.join('synthetic', 'flower_photos', _name)
  os.makedirs(_dir)
  for _i in range(8):
    _w, _h = int(_rng.integers(80, 121)), int(_rng.integers(70, 101))
    _img = _rng.integers(0, 60, (_h, _w, 3))
    _img[..., _k % 3] += 120 + 20 * _k
    _img[_h // 4: _h // 2, _w // 4: _w // 2] = 255 - 40 * _k
    PIL.Image.fromarray(_img.clip(0, 255).astype(np.uint8)).save(os.path.join(_dir, '%d_%d.jpg' % (1000 + 37 * _i, _k)),
                                                                 quality=90)
with open(os.path.join('synthetic', 'flower_photos', 'LICENSE.txt'), 'w') as _f:
  _f.write('All images in this archive are synthetic.\n')
with tarfile.open(os.path.join('synthetic', 'flower_photos.tgz'), 'w:gz') as _t:
  _t.add(os.path.join('synthetic', 'flower_photos'), arcname='flower_photos')
dataset_url = 'file://' + os.path.abspath(os.path.join('synthetic', 'flower_photos.tgz'))
archive = tf.keras.utils.get_file(origin=dataset_url, extract=True, cache_dir='.')
data_dir = pathlib.Path(archive) / 'flower_photos'

# %%
image_count = len(list(data_dir.glob('*/*.jpg')))
print(image_count)

# %%
roses = list(data_dir.glob('roses/*'))
PIL.Image.open(str(roses[0]))

# %%
roses = list(data_dir.glob('roses/*'))
PIL.Image.open(str(roses[1]))

# %%
batch_size = 32
img_height = 32
img_width = 32

# %%
train_ds = tf.keras.utils.image_dataset_from_directory(
  data_dir,
  validation_split=0.2,
  subset="training",
  seed=123,
  image_size=(img_height, img_width),
  batch_size=batch_size)

# %%
val_ds = tf.keras.utils.image_dataset_from_directory(
  data_dir,
  validation_split=0.2,
  subset="validation",
  seed=123,
  image_size=(img_height, img_width),
  batch_size=batch_size)

# %%
class_names = train_ds.class_names
print(class_names)

# %%
import matplotlib.pyplot as plt

plt.figure(figsize=(10, 10))
for images, labels in train_ds.take(1):
  for i in range(9):
    ax = plt.subplot(3, 3, i + 1)
    plt.imshow(images[i].numpy().astype("uint8"))
    plt.title(class_names[labels[i]])
    plt.axis("off")

# %%
for image_batch, labels_batch in train_ds:
  print(image_batch.shape)
  print(labels_batch.shape)
  break

# %%
normalization_layer = tf.keras.layers.Rescaling(1./255)

# %%
normalized_ds = train_ds.map(lambda x, y: (normalization_layer(x), y))
image_batch, labels_batch = next(iter(normalized_ds))
first_image = image_batch[0]
# Notice the pixel values are now in `[0,1]`.
print(np.min(first_image), np.max(first_image))

# %%
AUTOTUNE = tf.data.AUTOTUNE

train_ds = train_ds.cache().prefetch(buffer_size=AUTOTUNE)
val_ds = val_ds.cache().prefetch(buffer_size=AUTOTUNE)

# %%
num_classes = 5

model = tf.keras.Sequential([
  tf.keras.layers.Rescaling(1./255),
  tf.keras.layers.Conv2D(32, 3, activation='relu'),
  tf.keras.layers.MaxPooling2D(),
  tf.keras.layers.Conv2D(32, 3, activation='relu'),
  tf.keras.layers.MaxPooling2D(),
  tf.keras.layers.Conv2D(32, 3, activation='relu'),
  tf.keras.layers.MaxPooling2D(),
  tf.keras.layers.Flatten(),
  tf.keras.layers.Dense(128, activation='relu'),
  tf.keras.layers.Dense(num_classes)
])

# %%
model.compile(
  optimizer='adam',
  loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
  metrics=['accuracy'])

# %%
model.fit(
  train_ds,
  validation_data=val_ds,
  epochs=1
)

# %%
list_ds = tf.data.Dataset.list_files(str(data_dir/'*/*'), shuffle=False)
list_ds = list_ds.shuffle(image_count, reshuffle_each_iteration=False)

# %%
for f in list_ds.take(5):
  print(f.numpy())

# %%
class_names = np.array(sorted([item.name for item in data_dir.glob('*') if item.name != "LICENSE.txt"]))
print(class_names)

# %%
val_size = int(image_count * 0.2)
train_ds = list_ds.skip(val_size)
val_ds = list_ds.take(val_size)

# %%
print(tf.data.experimental.cardinality(train_ds).numpy())
print(tf.data.experimental.cardinality(val_ds).numpy())

# %%
def get_label(file_path):
  # Convert the path to a list of path components
  parts = tf.strings.split(file_path, os.path.sep)
  # The second to last is the class-directory
  one_hot = parts[-2] == class_names
  # Integer encode the label
  return tf.argmax(one_hot)

# %%
def decode_img(img):
  # Convert the compressed string to a 3D uint8 tensor
  img = tf.io.decode_jpeg(img, channels=3)
  # Resize the image to the desired size
  return tf.image.resize(img, [img_height, img_width])

# %%
def process_path(file_path):
  label = get_label(file_path)
  # Load the raw data from the file as a string
  img = tf.io.read_file(file_path)
  img = decode_img(img)
  return img, label

# %%
# Set `num_parallel_calls` so multiple images are loaded/processed in parallel.
train_ds = train_ds.map(process_path, num_parallel_calls=AUTOTUNE)
val_ds = val_ds.map(process_path, num_parallel_calls=AUTOTUNE)

# %%
for image, label in train_ds.take(1):
  print("Image shape: ", image.numpy().shape)
  print("Label: ", label.numpy())

# %%
def configure_for_performance(ds):
  ds = ds.cache()
  ds = ds.shuffle(buffer_size=1000)
  ds = ds.batch(batch_size)
  ds = ds.prefetch(buffer_size=AUTOTUNE)
  return ds

train_ds = configure_for_performance(train_ds)
val_ds = configure_for_performance(val_ds)

# %%
image_batch, label_batch = next(iter(train_ds))

plt.figure(figsize=(10, 10))
for i in range(9):
  ax = plt.subplot(3, 3, i + 1)
  plt.imshow(image_batch[i].numpy().astype("uint8"))
  label = label_batch[i]
  plt.title(class_names[label])
  plt.axis("off")

# %%
model.fit(
  train_ds,
  validation_data=val_ds,
  epochs=1
)
