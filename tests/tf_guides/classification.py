# TF tutorial "Basic classification: Classify images of clothing" (site/en/tutorials/keras/classification.ipynb), tensorflow/docs 7c36502: its code cells with only the imports
# changed (license cells dropped); cells are separated by "# %%".
# Fashion-MNIST's download is replaced by small synthetic data of the same shapes and dtypes (the same on TF's side).

# %%
# TensorFlow and tf.keras
import workbench as tf

# Helper libraries
import numpy as np
import matplotlib.pyplot as plt

print(tf.__version__)


# %%
fashion_mnist = tf.keras.datasets.fashion_mnist

# The tutorial downloads Fashion-MNIST here (fashion_mnist.load_data()); synthetic data of the same shapes and dtypes
# (uint8 28x28 images, uint8 labels 0-9; 600 training and 100 test images instead of 60000/10000, so that training
# is short) is used:
import numpy as np
_rng = np.random.default_rng(0)
train_images = _rng.integers(0, 256, (600, 28, 28), dtype=np.uint8)
train_labels = (train_images[:, 10:18, 10:18].mean(axis=(1, 2)) * 10 // 256).astype(np.uint8)
test_images = _rng.integers(0, 256, (100, 28, 28), dtype=np.uint8)
test_labels = (test_images[:, 10:18, 10:18].mean(axis=(1, 2)) * 10 // 256).astype(np.uint8)

# %%
class_names = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat',
               'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot']


# %%
train_images.shape


# %%
len(train_labels)


# %%
train_labels


# %%
test_images.shape


# %%
len(test_labels)


# %%
plt.figure()
plt.imshow(train_images[0])
plt.colorbar()
plt.grid(False)
plt.show()


# %%
train_images = train_images / 255.0

test_images = test_images / 255.0


# %%
plt.figure(figsize=(10,10))
for i in range(25):
    plt.subplot(5,5,i+1)
    plt.xticks([])
    plt.yticks([])
    plt.grid(False)
    plt.imshow(train_images[i], cmap=plt.cm.binary)
    plt.xlabel(class_names[train_labels[i]])
plt.show()


# %%
model = tf.keras.Sequential([
    tf.keras.layers.Flatten(input_shape=(28, 28)),
    tf.keras.layers.Dense(128, activation='relu'),
    tf.keras.layers.Dense(10)
])


# %%
model.compile(optimizer='adam',
              loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
              metrics=['accuracy'])


# %%
model.fit(train_images, train_labels, epochs=10)


# %%
test_loss, test_acc = model.evaluate(test_images,  test_labels, verbose=2)

print('\nTest accuracy:', test_acc)


# %%
probability_model = tf.keras.Sequential([model, 
                                         tf.keras.layers.Softmax()])


# %%
predictions = probability_model.predict(test_images)


# %%
predictions[0]


# %%
np.argmax(predictions[0])


# %%
test_labels[0]


# %%
def plot_image(i, predictions_array, true_label, img):
  true_label, img = true_label[i], img[i]
  plt.grid(False)
  plt.xticks([])
  plt.yticks([])

  plt.imshow(img, cmap=plt.cm.binary)

  predicted_label = np.argmax(predictions_array)
  if predicted_label == true_label:
    color = 'blue'
  else:
    color = 'red'

  plt.xlabel("{} {:2.0f}% ({})".format(class_names[predicted_label],
                                100*np.max(predictions_array),
                                class_names[true_label]),
                                color=color)

def plot_value_array(i, predictions_array, true_label):
  true_label = true_label[i]
  plt.grid(False)
  plt.xticks(range(10))
  plt.yticks([])
  thisplot = plt.bar(range(10), predictions_array, color="#777777")
  plt.ylim([0, 1])
  predicted_label = np.argmax(predictions_array)

  thisplot[predicted_label].set_color('red')
  thisplot[true_label].set_color('blue')


# %%
i = 0
plt.figure(figsize=(6,3))
plt.subplot(1,2,1)
plot_image(i, predictions[i], test_labels, test_images)
plt.subplot(1,2,2)
plot_value_array(i, predictions[i],  test_labels)
plt.show()


# %%
i = 12
plt.figure(figsize=(6,3))
plt.subplot(1,2,1)
plot_image(i, predictions[i], test_labels, test_images)
plt.subplot(1,2,2)
plot_value_array(i, predictions[i],  test_labels)
plt.show()


# %%
# Plot the first X test images, their predicted labels, and the true labels.
# Color correct predictions in blue and incorrect predictions in red.
num_rows = 5
num_cols = 3
num_images = num_rows*num_cols
plt.figure(figsize=(2*2*num_cols, 2*num_rows))
for i in range(num_images):
  plt.subplot(num_rows, 2*num_cols, 2*i+1)
  plot_image(i, predictions[i], test_labels, test_images)
  plt.subplot(num_rows, 2*num_cols, 2*i+2)
  plot_value_array(i, predictions[i], test_labels)
plt.tight_layout()
plt.show()


# %%
# Grab an image from the test dataset.
img = test_images[1]

print(img.shape)


# %%
# Add the image to a batch where it's the only member.
img = (np.expand_dims(img,0))

print(img.shape)


# %%
predictions_single = probability_model.predict(img)

print(predictions_single)


# %%
plot_value_array(1, predictions_single[0], test_labels)
_ = plt.xticks(range(10), class_names, rotation=45)
plt.show()


# %%
np.argmax(predictions_single[0])

