# TF guide "Using the SavedModel format" (site/en/guide/saved_model.ipynb), tensorflow/docs 7c36502: its code
# cells with only the imports changed (shell and IPython magic lines dropped); cells are separated by "# %%".
# Its downloads are replaced in the downloading cell's place (each such cell says so): a synthetic JPEG
# photo, a synthetic ImageNet label list, and MobileNet built without its ImageNet weights, which are
# set from a seeded NumPy generator in the model's weight order (identical in TF and here).
# %%
import os
import tempfile

from matplotlib import pyplot as plt
import numpy as np
import workbench as tf

tmpdir = tempfile.mkdtemp()

# %%
physical_devices = tf.config.list_physical_devices('GPU')
for device in physical_devices:
  tf.config.experimental.set_memory_growth(device, True)

# %%
# The guide downloads grace_hopper.jpg (a 517x606 RGB photo) here; a synthetic JPEG of that size is
# written in its place:
import PIL.Image
_rng = np.random.default_rng(0)
_yy, _xx = np.mgrid[0:606, 0:517]
_photo = np.stack([(_yy * 255 // 606), (_xx * 255 // 517), ((_xx + _yy) * 255 // 1123)], -1)
_photo = np.clip(_photo + _rng.integers(-20, 20, _photo.shape), 0, 255).astype(np.uint8)
file = os.path.join(tmpdir, "grace_hopper.jpg")
PIL.Image.fromarray(_photo).save(file, quality=95)
img = tf.keras.utils.load_img(file, target_size=[224, 224])
plt.imshow(img)
plt.axis('off')
x = tf.keras.utils.img_to_array(img)
x = tf.keras.applications.mobilenet.preprocess_input(
    x[tf.newaxis,...])

# %%
# The guide downloads ImageNetLabels.txt (1001 lines: "background", then the 1000 class names) here;
# a synthetic list of the same length is written in its place:
labels_path = os.path.join(tmpdir, 'ImageNetLabels.txt')
with open(labels_path, 'w') as _f:
  _f.write('\n'.join(['background'] + [f'class {_i}' for _i in range(1000)]) + '\n')
imagenet_labels = np.array(open(labels_path).read().splitlines())
# %%
# MobileNet() downloads its ImageNet weights here; the model is built without them, and its weights are
# set from a seeded generator (He-scaled normal kernels, BatchNorm statistics near 0 and 1):
pretrained_model = tf.keras.applications.MobileNet(weights=None)
_rng = np.random.default_rng(1)
for _w in pretrained_model.weights:
  _shape = tuple(_w.shape)
  _name = _w.name.split('/')[-1].split(':')[0]
  if _name in ('gamma', 'moving_variance'):
    _v = _rng.uniform(0.5, 1.5, _shape)
  elif _name in ('beta', 'moving_mean', 'bias'):
    _v = _rng.normal(0.0, 0.1, _shape)
  else:
    _fan_in = np.prod(_shape[:2]) if _name == 'depthwise_kernel' else np.prod(_shape[:-1])
    _v = _rng.normal(0.0, np.sqrt(2.0 / _fan_in), _shape)
  _w.assign(_v.astype(np.float32))
result_before_save = pretrained_model(x)

decoded = imagenet_labels[np.argsort(result_before_save)[0,::-1][:5]+1]

print("Result before saving:\n", decoded)

# %%
mobilenet_save_path = os.path.join(tmpdir, "mobilenet/1/")
tf.saved_model.save(pretrained_model, mobilenet_save_path)

# %%
loaded = tf.saved_model.load(mobilenet_save_path)
print(list(loaded.signatures.keys()))  # ["serving_default"]

# %%
infer = loaded.signatures["serving_default"]
print(infer.structured_outputs)

# %%
labeling = infer(tf.constant(x))[pretrained_model.output_names[0]]

decoded = imagenet_labels[np.argsort(labeling)[0,::-1][:5]+1]

print("Result after saving and loading:\n", decoded)

# %%
class CustomModule(tf.Module):

  def __init__(self):
    super(CustomModule, self).__init__()
    self.v = tf.Variable(1.)

  @tf.function
  def __call__(self, x):
    print('Tracing with', x)
    return x * self.v

  @tf.function(input_signature=[tf.TensorSpec([], tf.float32)])
  def mutate(self, new_v):
    self.v.assign(new_v)

module = CustomModule()

# %%
module_no_signatures_path = os.path.join(tmpdir, 'module_no_signatures')
module(tf.constant(0.))
print('Saving model...')
tf.saved_model.save(module, module_no_signatures_path)

# %%
imported = tf.saved_model.load(module_no_signatures_path)
assert imported(tf.constant(3.)).numpy() == 3
imported.mutate(tf.constant(2.))
assert imported(tf.constant(3.)).numpy() == 6

# %%
optimizer = tf.keras.optimizers.SGD(0.05)

def train_step():
  with tf.GradientTape() as tape:
    loss = (10. - imported(tf.constant(2.))) ** 2
  variables = tape.watched_variables()
  grads = tape.gradient(loss, variables)
  optimizer.apply_gradients(zip(grads, variables))
  return loss

# %%
for _ in range(10):
  # "v" approaches 5, "loss" approaches 0
  print("loss={:.2f} v={:.2f}".format(train_step(), imported.v.numpy()))

# %%
loaded = tf.saved_model.load(mobilenet_save_path)
print("MobileNet has {} trainable variables: {}, ...".format(
          len(loaded.trainable_variables),
          ", ".join([v.name for v in loaded.trainable_variables[:5]])))

# %%
trainable_variable_ids = {id(v) for v in loaded.trainable_variables}
non_trainable_variables = [v for v in loaded.variables
                           if id(v) not in trainable_variable_ids]
print("MobileNet also has {} non-trainable variables: {}, ...".format(
          len(non_trainable_variables),
          ", ".join([v.name for v in non_trainable_variables[:3]])))

# %%
assert len(imported.signatures) == 0

# %%
module_with_signature_path = os.path.join(tmpdir, 'module_with_signature')
call = module.__call__.get_concrete_function(tf.TensorSpec(None, tf.float32))
tf.saved_model.save(module, module_with_signature_path, signatures=call)

# %%
imported_with_signatures = tf.saved_model.load(module_with_signature_path)
list(imported_with_signatures.signatures.keys())  # ["serving_default"]

# %%
module_multiple_signatures_path = os.path.join(tmpdir, 'module_with_multiple_signatures')
signatures = {"serving_default": call,
              "array_input": module.__call__.get_concrete_function(tf.TensorSpec([None], tf.float32))}

tf.saved_model.save(module, module_multiple_signatures_path, signatures=signatures)

# %%
imported_with_multiple_signatures = tf.saved_model.load(
    module_multiple_signatures_path
)
list(
    imported_with_multiple_signatures.signatures.keys()
)  # ["serving_default", "array_input"]

# %%
class CustomModuleWithOutputName(tf.Module):
  def __init__(self):
    super(CustomModuleWithOutputName, self).__init__()
    self.v = tf.Variable(1.)

  @tf.function(input_signature=[tf.TensorSpec(None, tf.float32)])
  def __call__(self, x):
    return {'custom_output_name': x * self.v}

module_output = CustomModuleWithOutputName()
call_output = module_output.__call__.get_concrete_function(tf.TensorSpec(None, tf.float32))
module_output_path = os.path.join(tmpdir, 'module_with_output_name')
tf.saved_model.save(module_output, module_output_path,
                    signatures={'serving_default': call_output})

# %%
imported_with_output_name = tf.saved_model.load(module_output_path)
imported_with_output_name.signatures[
    'serving_default'
].structured_outputs  # {'custom_output_name': TensorSpec(shape=<unknown>, dtype=tf.float32, name='custom_output_name')}

