# TF tutorial "Transfer learning and fine-tuning" (site/en/tutorials/images/transfer_learning.ipynb), tensorflow/docs 7c36502: its code
# cells with only the imports changed (license cells dropped); cells are separated by "# %%".
# The cats-and-dogs archive's download is replaced by a synthetic zip of the same layout (cats_and_dogs_filtered/
# {train,validation}/{cats,dogs}/*.jpg; 4 training and 12 validation JPEGs per class), read by the same get_file call
# through a file:// address, and PATH points into the folder Keras 3 extracts it to (the tutorial's PATH fails in
# TF 2.21). MobileNetV2 is built with weights=None (the ImageNet weights are a download). BATCH_SIZE is 4 (instead
# of 32) and initial_epochs and fine_tune_epochs are 1 (instead of 10), so that the CPU run is short. All of this
# is the same on TF's side.

# %%
import matplotlib.pyplot as plt
import numpy as np
import os
import workbench as tf


# %%
_URL = 'https://download.mlcc.google.com/mledu-datasets/cats_and_dogs_filtered.zip'
# The tutorial downloads 3000 photos from that address; a synthetic archive of the same layout is made here:
import zipfile, io
import PIL.Image
_rng = np.random.default_rng(0)
os.makedirs('synthetic', exist_ok=True)
with zipfile.ZipFile(os.path.join('synthetic', 'cats_and_dogs.zip'), 'w') as _z:
  for _split, _n in [('train', 4), ('validation', 12)]:
    for _k, _cls in enumerate(['cats', 'dogs']):
      for _i in range(_n):
        _pix = _rng.integers(0, 100, (int(_rng.integers(150, 260)), int(_rng.integers(150, 260)), 3)) + 100 * _k
        _buf = io.BytesIO()
        PIL.Image.fromarray(_pix.astype(np.uint8)).save(_buf, format='JPEG')
        _z.writestr('cats_and_dogs_filtered/%s/%s/%s.%d.jpg' % (_split, _cls, _cls[:-1], 2000 * (_split == 'validation') + _i), _buf.getvalue())
_URL = 'file://' + os.path.abspath(os.path.join('synthetic', 'cats_and_dogs.zip'))
path_to_zip = tf.keras.utils.get_file('cats_and_dogs.zip', origin=_URL, extract=True)
# PATH = os.path.join(os.path.dirname(path_to_zip), 'cats_and_dogs_filtered')
# In TF 2.21 that names no folder (Keras 3's get_file returns the extraction folder, ~/.keras/datasets/
# cats_and_dogs_extracted); the photos are read from there, on both sides:
PATH = os.path.join(path_to_zip, 'cats_and_dogs_filtered')

train_dir = os.path.join(PATH, 'train')
validation_dir = os.path.join(PATH, 'validation')

BATCH_SIZE = 4  # 32 in the tutorial
IMG_SIZE = (160, 160)

train_dataset = tf.keras.utils.image_dataset_from_directory(train_dir,
                                                            shuffle=True,
                                                            batch_size=BATCH_SIZE,
                                                            image_size=IMG_SIZE)


# %%
validation_dataset = tf.keras.utils.image_dataset_from_directory(validation_dir,
                                                                 shuffle=True,
                                                                 batch_size=BATCH_SIZE,
                                                                 image_size=IMG_SIZE)


# %%
class_names = train_dataset.class_names

plt.figure(figsize=(10, 10))
for images, labels in train_dataset.take(1):
  for i in range(9):
    ax = plt.subplot(3, 3, i + 1)
    plt.imshow(images[i].numpy().astype("uint8"))
    plt.title(class_names[labels[i]])
    plt.axis("off")


# %%
val_batches = tf.data.experimental.cardinality(validation_dataset)
test_dataset = validation_dataset.take(val_batches // 5)
validation_dataset = validation_dataset.skip(val_batches // 5)


# %%
print('Number of validation batches: %d' % tf.data.experimental.cardinality(validation_dataset))
print('Number of test batches: %d' % tf.data.experimental.cardinality(test_dataset))


# %%
AUTOTUNE = tf.data.AUTOTUNE

train_dataset = train_dataset.prefetch(buffer_size=AUTOTUNE)
validation_dataset = validation_dataset.prefetch(buffer_size=AUTOTUNE)
test_dataset = test_dataset.prefetch(buffer_size=AUTOTUNE)


# %%
data_augmentation = tf.keras.Sequential([
  tf.keras.layers.RandomFlip('horizontal'),
  tf.keras.layers.RandomRotation(0.2),
])


# %%
for image, _ in train_dataset.take(1):
  plt.figure(figsize=(10, 10))
  first_image = image[0]
  for i in range(9):
    ax = plt.subplot(3, 3, i + 1)
    augmented_image = data_augmentation(tf.expand_dims(first_image, 0))
    plt.imshow(augmented_image[0] / 255)
    plt.axis('off')


# %%
preprocess_input = tf.keras.applications.mobilenet_v2.preprocess_input


# %%
rescale = tf.keras.layers.Rescaling(1./127.5, offset=-1)


# %%
# Create the base model from the pre-trained model MobileNet V2
IMG_SHAPE = IMG_SIZE + (3,)
base_model = tf.keras.applications.MobileNetV2(input_shape=IMG_SHAPE,
                                               include_top=False,
                                               weights=None)  # 'imagenet' in the tutorial: a download


# %%
image_batch, label_batch = next(iter(train_dataset))
feature_batch = base_model(image_batch)
print(feature_batch.shape)


# %%
base_model.trainable = False


# %%
# Let's take a look at the base model architecture
base_model.summary()


# %%
global_average_layer = tf.keras.layers.GlobalAveragePooling2D()
feature_batch_average = global_average_layer(feature_batch)
print(feature_batch_average.shape)


# %%
prediction_layer = tf.keras.layers.Dense(1, activation='sigmoid')
prediction_batch = prediction_layer(feature_batch_average)
print(prediction_batch.shape)


# %%
inputs = tf.keras.Input(shape=(160, 160, 3))
x = data_augmentation(inputs)
x = preprocess_input(x)
x = base_model(x, training=False)
x = global_average_layer(x)
x = tf.keras.layers.Dropout(0.2)(x)
outputs = prediction_layer(x)
model = tf.keras.Model(inputs, outputs)


# %%
model.summary()


# %%
len(model.trainable_variables)


# %%
tf.keras.utils.plot_model(model, show_shapes=True)


# %%
base_learning_rate = 0.0001
model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate=base_learning_rate),
              loss=tf.keras.losses.BinaryCrossentropy(),
              metrics=[tf.keras.metrics.BinaryAccuracy(threshold=0.5, name='accuracy')])


# %%
initial_epochs = 1  # 10 in the tutorial

loss0, accuracy0 = model.evaluate(validation_dataset)


# %%
print("initial loss: {:.2f}".format(loss0))
print("initial accuracy: {:.2f}".format(accuracy0))


# %%
history = model.fit(train_dataset,
                    epochs=initial_epochs,
                    validation_data=validation_dataset)


# %%
acc = history.history['accuracy']
val_acc = history.history['val_accuracy']

loss = history.history['loss']
val_loss = history.history['val_loss']

plt.figure(figsize=(8, 8))
plt.subplot(2, 1, 1)
plt.plot(acc, label='Training Accuracy')
plt.plot(val_acc, label='Validation Accuracy')
plt.legend(loc='lower right')
plt.ylabel('Accuracy')
plt.ylim([min(plt.ylim()),1])
plt.title('Training and Validation Accuracy')

plt.subplot(2, 1, 2)
plt.plot(loss, label='Training Loss')
plt.plot(val_loss, label='Validation Loss')
plt.legend(loc='upper right')
plt.ylabel('Cross Entropy')
plt.ylim([0,1.0])
plt.title('Training and Validation Loss')
plt.xlabel('epoch')
plt.show()


# %%
base_model.trainable = True


# %%
# Let's take a look to see how many layers are in the base model
print("Number of layers in the base model: ", len(base_model.layers))

# Fine-tune from this layer onwards
fine_tune_at = 100

# Freeze all the layers before the `fine_tune_at` layer
for layer in base_model.layers[:fine_tune_at]:
  layer.trainable = False


# %%
model.compile(loss=tf.keras.losses.BinaryCrossentropy(),
              optimizer = tf.keras.optimizers.RMSprop(learning_rate=base_learning_rate/10),
              metrics=[tf.keras.metrics.BinaryAccuracy(threshold=0.5, name='accuracy')])


# %%
model.summary()


# %%
len(model.trainable_variables)


# %%
fine_tune_epochs = 1  # 10 in the tutorial
total_epochs =  initial_epochs + fine_tune_epochs

history_fine = model.fit(train_dataset,
                         epochs=total_epochs,
                         initial_epoch=len(history.epoch),
                         validation_data=validation_dataset)


# %%
acc += history_fine.history['accuracy']
val_acc += history_fine.history['val_accuracy']

loss += history_fine.history['loss']
val_loss += history_fine.history['val_loss']


# %%
plt.figure(figsize=(8, 8))
plt.subplot(2, 1, 1)
plt.plot(acc, label='Training Accuracy')
plt.plot(val_acc, label='Validation Accuracy')
plt.ylim([0.8, 1])
plt.plot([initial_epochs-1,initial_epochs-1],
          plt.ylim(), label='Start Fine Tuning')
plt.legend(loc='lower right')
plt.title('Training and Validation Accuracy')

plt.subplot(2, 1, 2)
plt.plot(loss, label='Training Loss')
plt.plot(val_loss, label='Validation Loss')
plt.ylim([0, 1.0])
plt.plot([initial_epochs-1,initial_epochs-1],
         plt.ylim(), label='Start Fine Tuning')
plt.legend(loc='upper right')
plt.title('Training and Validation Loss')
plt.xlabel('epoch')
plt.show()


# %%
loss, accuracy = model.evaluate(test_dataset)
print('Test accuracy :', accuracy)


# %%
# Retrieve a batch of images from the test set
image_batch, label_batch = test_dataset.as_numpy_iterator().next()
predictions = model.predict_on_batch(image_batch).flatten()
predictions = tf.where(predictions < 0.5, 0, 1)

print('Predictions:\n', predictions.numpy())
print('Labels:\n', label_batch)

plt.figure(figsize=(10, 10))
for i in range(9):
  ax = plt.subplot(3, 3, i + 1)
  plt.imshow(image_batch[i].astype("uint8"))
  plt.title(class_names[predictions[i]])
  plt.axis("off")

