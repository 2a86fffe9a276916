# TF tutorial "Convolutional Neural Network (CNN)" (site/en/tutorials/images/cnn.ipynb), tensorflow/docs 7c36502: its code cells with only the imports
# changed (shell and IPython magic lines dropped); cells are separated by "# %%".
# CIFAR-10's download is replaced by synthetic data of the same shapes and dtypes (512 training, 128 test images
# instead of 50000/10000), the same on TF's side; fit runs 3 epochs instead of 10.

# %%
import workbench as tf

from workbench.keras import datasets, layers, models
import matplotlib.pyplot as plt

# %%
# (datasets.cifar10.load_data() in the tutorial) synthetic uint8 32x32x3 images, uint8 labels of shape (n, 1):
import numpy as np
_rng = np.random.default_rng(0)
train_images = _rng.integers(0, 256, (512, 32, 32, 3), dtype=np.uint8)
train_labels = (train_images[:, 8:24, 8:24, 0].mean(axis=(1, 2)) * 10 // 256).astype(np.uint8).reshape(-1, 1)
test_images = _rng.integers(0, 256, (128, 32, 32, 3), dtype=np.uint8)
test_labels = (test_images[:, 8:24, 8:24, 0].mean(axis=(1, 2)) * 10 // 256).astype(np.uint8).reshape(-1, 1)

# Normalize pixel values to be between 0 and 1
train_images, test_images = train_images / 255.0, test_images / 255.0

# %%
class_names = ['airplane', 'automobile', 'bird', 'cat', 'deer',
               'dog', 'frog', 'horse', 'ship', 'truck']

plt.figure(figsize=(10,10))
for i in range(25):
    plt.subplot(5,5,i+1)
    plt.xticks([])
    plt.yticks([])
    plt.grid(False)
    plt.imshow(train_images[i])
    # The CIFAR labels happen to be arrays, 
    # which is why you need the extra index
    plt.xlabel(class_names[train_labels[i][0]])
plt.show()

# %%
model = models.Sequential()
model.add(layers.Conv2D(32, (3, 3), activation='relu', input_shape=(32, 32, 3)))
model.add(layers.MaxPooling2D((2, 2)))
model.add(layers.Conv2D(64, (3, 3), activation='relu'))
model.add(layers.MaxPooling2D((2, 2)))
model.add(layers.Conv2D(64, (3, 3), activation='relu'))

# %%
model.summary()

# %%
model.add(layers.Flatten())
model.add(layers.Dense(64, activation='relu'))
model.add(layers.Dense(10))

# %%
model.summary()

# %%
model.compile(optimizer='adam',
              loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
              metrics=['accuracy'])

history = model.fit(train_images, train_labels, epochs=3, 
                    validation_data=(test_images, test_labels))

# %%
plt.plot(history.history['accuracy'], label='accuracy')
plt.plot(history.history['val_accuracy'], label = 'val_accuracy')
plt.xlabel('Epoch')
plt.ylabel('Accuracy')
plt.ylim([0.5, 1])
plt.legend(loc='lower right')

test_loss, test_acc = model.evaluate(test_images,  test_labels, verbose=2)

# %%
print(test_acc)
