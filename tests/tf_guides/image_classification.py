# TF tutorial "Image classification" (site/en/tutorials/images/classification.ipynb), tensorflow/docs 7c36502: its code cells with only the imports
# changed (license cell dropped); cells are separated by "# %%".
# The flowers archive's and the sunflower photo's downloads are replaced by synthetic JPEGs (made with Pillow) of the
# same layout, read by the same get_file calls through file:// addresses; the same on TF's side. Training is cut to
# 1 epoch (instead of 10 and 15) on 30 images, identically on both sides.

# %%
import matplotlib.pyplot as plt
import numpy as np
import PIL
import workbench as tf

from workbench import keras
from workbench.keras import layers
from workbench.keras.models import Sequential


# %%
import pathlib

dataset_url = "https://storage.googleapis.com/download.tensorflow.org/example_images/flower_photos.tgz"
# The tutorial downloads 3670 flower photos from that address; a synthetic archive of the same layout is made here
# (flower_photos/<class>/<name>.jpg, 6 JPEGs per class of sizes 200-260 x 180-240, each class its own colour):
import os, tarfile
_rng = np.random.default_rng(0)
os.makedirs('synthetic', exist_ok=True)
for _k, _cls in enumerate(['daisy', 'dandelion', 'roses', 'sunflowers', 'tulips']):
  os.makedirs(os.path.join('synthetic', 'flower_photos', _cls))
  for _i in range(6):
    _h, _w = int(_rng.integers(180, 240)), int(_rng.integers(200, 260))
    _pix = _rng.integers(0, 80, (_h, _w, 3)) + np.array([40 * _k, 200 - 40 * _k, 30 * _k])
    PIL.Image.fromarray(_pix.clip(0, 255).astype(np.uint8)).save(
        os.path.join('synthetic', 'flower_photos', _cls, '%d_%d.jpg' % (1000 + 37 * _i, _k)), quality=90)
with tarfile.open(os.path.join('synthetic', 'flower_photos.tgz'), 'w:gz') as _t:
  _t.add(os.path.join('synthetic', 'flower_photos'), arcname='flower_photos')
dataset_url = 'file://' + os.path.abspath(os.path.join('synthetic', 'flower_photos.tgz'))
data_dir = tf.keras.utils.get_file("flower_photos.tgz", origin=dataset_url, extract=True)
data_dir = pathlib.Path(data_dir).parent / "flower_photos_extracted" / "flower_photos"

# %%
image_count = len(list(data_dir.glob('*/*.jpg')))
print(image_count)


# %%
roses = list(data_dir.glob('roses/*'))
PIL.Image.open(str(roses[0]))


# %%
PIL.Image.open(str(roses[1]))


# %%
tulips = list(data_dir.glob('tulips/*'))
PIL.Image.open(str(tulips[0]))


# %%
PIL.Image.open(str(tulips[1]))


# %%
batch_size = 32
img_height = 180
img_width = 180


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
AUTOTUNE = tf.data.AUTOTUNE

train_ds = train_ds.cache().shuffle(1000).prefetch(buffer_size=AUTOTUNE)
val_ds = val_ds.cache().prefetch(buffer_size=AUTOTUNE)


# %%
normalization_layer = layers.Rescaling(1./255)


# %%
normalized_ds = train_ds.map(lambda x, y: (normalization_layer(x), y))
image_batch, labels_batch = next(iter(normalized_ds))
first_image = image_batch[0]
# Notice the pixel values are now in `[0,1]`.
print(np.min(first_image), np.max(first_image))


# %%
num_classes = len(class_names)

model = Sequential([
  layers.Rescaling(1./255, input_shape=(img_height, img_width, 3)),
  layers.Conv2D(16, 3, padding='same', activation='relu'),
  layers.MaxPooling2D(),
  layers.Conv2D(32, 3, padding='same', activation='relu'),
  layers.MaxPooling2D(),
  layers.Conv2D(64, 3, padding='same', activation='relu'),
  layers.MaxPooling2D(),
  layers.Flatten(),
  layers.Dense(128, activation='relu'),
  layers.Dense(num_classes)
])


# %%
model.compile(optimizer='adam',
              loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
              metrics=['accuracy'])


# %%
model.summary()


# %%
epochs=1  # 10 in the tutorial
history = model.fit(
  train_ds,
  validation_data=val_ds,
  epochs=epochs
)


# %%
acc = history.history['accuracy']
val_acc = history.history['val_accuracy']

loss = history.history['loss']
val_loss = history.history['val_loss']

epochs_range = range(epochs)

plt.figure(figsize=(8, 8))
plt.subplot(1, 2, 1)
plt.plot(epochs_range, acc, label='Training Accuracy')
plt.plot(epochs_range, val_acc, label='Validation Accuracy')
plt.legend(loc='lower right')
plt.title('Training and Validation Accuracy')

plt.subplot(1, 2, 2)
plt.plot(epochs_range, loss, label='Training Loss')
plt.plot(epochs_range, val_loss, label='Validation Loss')
plt.legend(loc='upper right')
plt.title('Training and Validation Loss')
plt.show()


# %%
data_augmentation = keras.Sequential(
  [
    layers.RandomFlip("horizontal",
                      input_shape=(img_height,
                                  img_width,
                                  3)),
    layers.RandomRotation(0.1),
    layers.RandomZoom(0.1),
  ]
)


# %%
plt.figure(figsize=(10, 10))
for images, _ in train_ds.take(1):
  for i in range(9):
    augmented_images = data_augmentation(images)
    ax = plt.subplot(3, 3, i + 1)
    plt.imshow(augmented_images[0].numpy().astype("uint8"))
    plt.axis("off")


# %%
model = Sequential([
  data_augmentation,
  layers.Rescaling(1./255),
  layers.Conv2D(16, 3, padding='same', activation='relu'),
  layers.MaxPooling2D(),
  layers.Conv2D(32, 3, padding='same', activation='relu'),
  layers.MaxPooling2D(),
  layers.Conv2D(64, 3, padding='same', activation='relu'),
  layers.MaxPooling2D(),
  layers.Dropout(0.2),
  layers.Flatten(),
  layers.Dense(128, activation='relu'),
  layers.Dense(num_classes, name="outputs")
])


# %%
model.compile(optimizer='adam',
              loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
              metrics=['accuracy'])


# %%
model.summary()


# %%
epochs = 1  # 15 in the tutorial
history = model.fit(
  train_ds,
  validation_data=val_ds,
  epochs=epochs
)


# %%
acc = history.history['accuracy']
val_acc = history.history['val_accuracy']

loss = history.history['loss']
val_loss = history.history['val_loss']

epochs_range = range(epochs)

plt.figure(figsize=(8, 8))
plt.subplot(1, 2, 1)
plt.plot(epochs_range, acc, label='Training Accuracy')
plt.plot(epochs_range, val_acc, label='Validation Accuracy')
plt.legend(loc='lower right')
plt.title('Training and Validation Accuracy')

plt.subplot(1, 2, 2)
plt.plot(epochs_range, loss, label='Training Loss')
plt.plot(epochs_range, val_loss, label='Validation Loss')
plt.legend(loc='upper right')
plt.title('Training and Validation Loss')
plt.show()


# %%
sunflower_url = "https://storage.googleapis.com/download.tensorflow.org/example_images/592px-Red_sunflower.jpg"
# The tutorial downloads a sunflower photo from that address; a synthetic 592x592 JPEG is made in its place:
PIL.Image.fromarray((_rng.integers(0, 80, (592, 592, 3)) + np.array([120, 80, 90])).astype(np.uint8)).save(
    os.path.join('synthetic', 'sunflower.jpg'))
sunflower_url = 'file://' + os.path.abspath(os.path.join('synthetic', 'sunflower.jpg'))
sunflower_path = tf.keras.utils.get_file('Red_sunflower', origin=sunflower_url)

img = tf.keras.utils.load_img(
    sunflower_path, target_size=(img_height, img_width)
)
img_array = tf.keras.utils.img_to_array(img)
img_array = tf.expand_dims(img_array, 0) # Create a batch

predictions = model.predict(img_array)
score = tf.nn.softmax(predictions[0])

print(
    "This image most likely belongs to {} with a {:.2f} percent confidence."
    .format(class_names[np.argmax(score)], 100 * np.max(score))
)


# %%
# Convert the model.
converter = tf.lite.TFLiteConverter.from_keras_model(model)
tflite_model = converter.convert()

# Save the model.
with open('model.tflite', 'wb') as f:
  f.write(tflite_model)


# %%
TF_MODEL_FILE_PATH = 'model.tflite' # The default path to the saved TensorFlow Lite model

interpreter = tf.lite.Interpreter(model_path=TF_MODEL_FILE_PATH)


# %%
interpreter.get_signature_list()


# %%
classify_lite = interpreter.get_signature_runner('serving_default')
print(classify_lite.get_input_details())
print(classify_lite.get_output_details())


# %%
predictions_lite = classify_lite(keras_tensor_15=img_array)['output_0']
score_lite = tf.nn.softmax(predictions_lite)


# %%
print(
    "This image most likely belongs to {} with a {:.2f} percent confidence."
    .format(class_names[np.argmax(score_lite)], 100 * np.max(score_lite))
)


# %%
print(np.max(np.abs(predictions - predictions_lite)))

