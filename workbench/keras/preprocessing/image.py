"""Keras' legacy image augmentation, ``keras.preprocessing.image``: ``ImageDataGenerator`` with
its ``flow`` (arrays) and ``flow_from_directory`` (a folder per class) iterators, and the
transforms it is made of (``apply_affine_transform``, ``random_rotation``, ``random_shift``, ...).

Everything works on NumPy arrays, one image at a time, with SciPy's ``ndimage.affine_transform``
for the geometric transforms; Pillow reads image files and shifts brightness. Random draws come
from NumPy's global generator, and a ``seed`` reseeds it, as in Keras, so a seeded run gives
Keras' batches, parameters and pixels. The iterators are ``wb.keras.utils.PyDataset``s (``fit``,
``evaluate`` and ``predict`` take them) and Python iterators that never end (``next(it)``, or a
generator for ``wb.data.Dataset.from_generator``).

>>> gen = wb.keras.preprocessing.image.ImageDataGenerator(rescale=1 / 255, horizontal_flip=True)
>>> x, y = next(gen.flow(np.full((4, 8, 8, 3), 255.0), np.arange(4), batch_size=2, shuffle=False))
>>> x.shape, float(x.max()), y.tolist()
((2, 8, 8, 3), 1.0, [0, 1])

``flow_from_dataframe`` (pandas) is not provided; ``flow`` does not write ``save_to_dir`` images in
formats Pillow cannot write.
"""

from __future__ import annotations

import os
import threading
import warnings

import numpy as np

from ..image_utils import array_to_img, img_to_array, load_img, save_img
from ..py_dataset import PyDataset

__all__ = ["DirectoryIterator", "ImageDataGenerator", "Iterator", "NumpyArrayIterator", "apply_affine_transform",
           "apply_brightness_shift", "apply_channel_shift", "array_to_img", "img_to_array", "load_img",
           "random_brightness", "random_channel_shift", "random_rotation", "random_shear", "random_shift",
           "random_zoom", "save_img"]

_IMAGE_FORMATS = ("png", "jpg", "jpeg", "bmp", "ppm", "tif", "tiff")


# ---------------------------------------------------------------------------
# transforms of one image (rank 3)


def _centered(matrix, height, width):
    """``matrix`` (homogeneous, on (row, col) coordinates) acting about the image's centre."""
    cr, cc = height / 2 - 0.5, width / 2 - 0.5
    to_center = np.array([[1.0, 0.0, cr], [0.0, 1.0, cc], [0.0, 0.0, 1.0]])
    from_center = np.array([[1.0, 0.0, -cr], [0.0, 1.0, -cc], [0.0, 0.0, 1.0]])
    return to_center @ matrix @ from_center


def apply_affine_transform(x, theta=0, tx=0, ty=0, shear=0, zx=1, zy=1, row_axis=1, col_axis=2, channel_axis=0,
                           fill_mode="nearest", cval=0.0, order=1):
    """Rotate (``theta`` degrees), shift (``tx`` rows, ``ty`` columns), shear (``shear`` degrees) and
    zoom (``zx``, ``zy``) the rank-3 image ``x`` about its centre, as Keras does: the matrix maps
    output coordinates to input ones, pixels are interpolated with spline ``order`` and the
    outside filled by ``fill_mode`` ("constant" with ``cval``, "nearest", "reflect", "wrap").
    ``channel_axis`` is 0 or 2 (the default axes are channels-first)."""
    from scipy import ndimage  # noqa: PLC0415 -- SciPy is imported when an image is transformed

    axes = (row_axis, col_axis, channel_axis)
    if len(set(axes)) != 3:
        raise ValueError(f"apply_affine_transform: row_axis, col_axis and channel_axis must be distinct, got {axes}")
    if set(axes) != {0, 1, 2}:
        raise ValueError(f"apply_affine_transform: the axes must be 0, 1 and 2, got {axes}")
    x = np.asarray(x)
    if x.ndim != 3:
        raise ValueError(f"apply_affine_transform: x must be one image of rank 3 (rows, columns and channels), "
                         f"got shape {x.shape}")
    if channel_axis not in (0, 2):
        raise ValueError(f"apply_affine_transform: channel_axis must be 0 or 2, got {channel_axis}")
    parts = []
    if theta != 0:
        t = np.deg2rad(theta)
        parts.append(np.array([[np.cos(t), -np.sin(t), 0.0], [np.sin(t), np.cos(t), 0.0], [0.0, 0.0, 1.0]]))
    if tx != 0 or ty != 0:
        parts.append(np.array([[1.0, 0.0, tx], [0.0, 1.0, ty], [0.0, 0.0, 1.0]]))
    if shear != 0:
        s = np.deg2rad(shear)
        parts.append(np.array([[1.0, -np.sin(s), 0.0], [0.0, np.cos(s), 0.0], [0.0, 0.0, 1.0]]))
    if zx != 1 or zy != 1:
        parts.append(np.array([[zx, 0.0, 0.0], [0.0, zy, 0.0], [0.0, 0.0, 1.0]]))
    if not parts:
        return x
    matrix = parts[0]
    for p in parts[1:]:
        matrix = matrix @ p
    matrix = _centered(matrix, x.shape[row_axis], x.shape[col_axis])
    channels = np.moveaxis(x, channel_axis, 0)
    if col_axis > row_axis:
        # the matrix is written on (x, y) = (row, col) of Keras' formulas, applied to arrays indexed
        # (row, col) after swapping both coordinates: P M P with P the swap
        matrix = matrix[[1, 0, 2]][:, [1, 0, 2]]
    out = np.stack([ndimage.affine_transform(c, matrix[:2, :2], matrix[:2, 2], order=order, mode=fill_mode, cval=cval)
                    for c in channels], axis=0)
    return np.moveaxis(out, 0, channel_axis)


def apply_channel_shift(x, intensity, channel_axis=0):
    """Add ``intensity`` to every channel of the rank-3 image ``x``, clipped to the image's range."""
    x = np.asarray(x)
    return np.clip(x + intensity, np.min(x), np.max(x))


def apply_brightness_shift(x, brightness, scale=True):
    """Pillow's brightness enhancement by ``brightness`` (1: unchanged) of the image ``x`` (1, 3 or 4
    channels last). The image is scaled to [0, 255] for it when ``scale`` is set or its values
    leave that range; with ``scale=False`` such an image is mapped back to its own range."""
    try:
        from PIL import ImageEnhance  # noqa: PLC0415 -- Pillow is optional: imported when used
    except ImportError:
        raise ImportError("apply_brightness_shift needs Pillow (pip install pillow)") from None
    x = np.asarray(x)
    lo, hi = float(np.min(x)), float(np.max(x))
    outside = lo < 0 or hi > 255
    img = ImageEnhance.Brightness(array_to_img(x, scale=outside or scale)).enhance(brightness)
    out = img_to_array(img)
    if outside and not scale:
        out = out / 255 * (hi - lo) + lo
    return out


def _uniform(low, high, size=None):
    return np.random.uniform(low, high, size)


def random_rotation(x, rg, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest", cval=0.0,
                    interpolation_order=1):
    """Rotate ``x`` by a uniform angle in ``[-rg, rg]`` degrees."""
    return apply_affine_transform(x, theta=_uniform(-rg, rg), row_axis=row_axis, col_axis=col_axis,
                                  channel_axis=channel_axis, fill_mode=fill_mode, cval=cval, order=interpolation_order)


def random_shift(x, wrg, hrg, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest", cval=0.0,
                 interpolation_order=1):
    """Shift ``x`` by uniform fractions of its height (``hrg``) and width (``wrg``)."""
    x = np.asarray(x)
    tx = _uniform(-hrg, hrg) * x.shape[row_axis]
    ty = _uniform(-wrg, wrg) * x.shape[col_axis]
    return apply_affine_transform(x, tx=tx, ty=ty, row_axis=row_axis, col_axis=col_axis, channel_axis=channel_axis,
                                  fill_mode=fill_mode, cval=cval, order=interpolation_order)


def random_shear(x, intensity, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest", cval=0.0,
                 interpolation_order=1):
    """Shear ``x`` by a uniform angle in ``[-intensity, intensity]`` degrees."""
    return apply_affine_transform(x, shear=_uniform(-intensity, intensity), row_axis=row_axis, col_axis=col_axis,
                                  channel_axis=channel_axis, fill_mode=fill_mode, cval=cval, order=interpolation_order)


def random_zoom(x, zoom_range, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest", cval=0.0,
                interpolation_order=1):
    """Zoom ``x`` by factors drawn uniformly from ``zoom_range`` (two floats), one per axis."""
    if len(zoom_range) != 2:
        raise ValueError(f"random_zoom: zoom_range should be a tuple or list of two floats, got {zoom_range!r}")
    zx, zy = (1, 1) if zoom_range[0] == 1 and zoom_range[1] == 1 else _uniform(zoom_range[0], zoom_range[1], 2)
    return apply_affine_transform(x, zx=zx, zy=zy, row_axis=row_axis, col_axis=col_axis, channel_axis=channel_axis,
                                  fill_mode=fill_mode, cval=cval, order=interpolation_order)


def random_channel_shift(x, intensity_range, channel_axis=0):
    """Shift every channel of ``x`` by one uniform amount in ``[-intensity_range, intensity_range]``."""
    return apply_channel_shift(x, _uniform(-intensity_range, intensity_range), channel_axis)


def random_brightness(x, brightness_range, scale=True):
    """Brightness shift of ``x`` by a factor drawn uniformly from ``brightness_range`` (two floats)."""
    if len(brightness_range) != 2:
        raise ValueError(f"random_brightness: brightness_range should be a tuple or list of two floats, got "
                         f"{brightness_range!r}")
    return apply_brightness_shift(x, _uniform(brightness_range[0], brightness_range[1]), scale)


# ---------------------------------------------------------------------------
# iterators


class Iterator(PyDataset):
    """Batches of ``n`` samples by index, Keras' legacy iterator: ``it[i]`` is batch ``i`` of the
    current order (``len(it)`` batches, the last one short), ``next(it)`` goes on forever, in a new
    order each pass when ``shuffle``. With a ``seed``, NumPy's global generator is reseeded with
    ``seed`` plus the number of batches made so far before each batch."""

    white_list_formats = _IMAGE_FORMATS

    def __init__(self, n, batch_size, shuffle, seed):
        super().__init__()
        self.n = int(n)
        self.batch_size = int(batch_size)
        if self.batch_size < 1:
            raise ValueError(f"{type(self).__name__}: batch_size must be positive, got {batch_size}")
        self.seed = seed
        self.shuffle = bool(shuffle)
        self.batch_index = 0
        self.total_batches_seen = 0
        self.lock = threading.Lock()
        self.index_array = None
        self.index_generator = self._flow_index()

    def _set_index_array(self):
        self.index_array = np.random.permutation(self.n) if self.shuffle else np.arange(self.n)

    def __getitem__(self, idx):
        if idx >= len(self):
            raise ValueError(f"Asked to retrieve element {idx}, but the Sequence has length {len(self)}")
        if self.seed is not None:
            np.random.seed(self.seed + self.total_batches_seen)
        self.total_batches_seen += 1
        if self.index_array is None:
            self._set_index_array()
        index_array = self.index_array[self.batch_size * idx:self.batch_size * (idx + 1)]
        return self._get_batches_of_transformed_samples(index_array)

    def __len__(self):
        return (self.n + self.batch_size - 1) // self.batch_size

    def on_epoch_end(self):
        self._set_index_array()

    def reset(self):
        self.batch_index = 0

    def _flow_index(self):
        self.reset()
        while True:
            if self.seed is not None:
                np.random.seed(self.seed + self.total_batches_seen)
            if self.batch_index == 0:
                self._set_index_array()
            current = 0 if self.n == 0 else (self.batch_index * self.batch_size) % self.n
            self.batch_index = self.batch_index + 1 if self.n > current + self.batch_size else 0
            self.total_batches_seen += 1
            yield self.index_array[current:current + self.batch_size]

    def __iter__(self):
        return self

    def __next__(self):
        with self.lock:
            index_array = next(self.index_generator)
        return self._get_batches_of_transformed_samples(index_array)

    next = __next__

    def _get_batches_of_transformed_samples(self, index_array):
        raise NotImplementedError(f"{type(self).__name__} must implement _get_batches_of_transformed_samples")


def _dtype(dtype):
    return np.dtype("float32" if dtype is None else dtype)


def _data_format(data_format, where):
    data_format = data_format or "channels_last"
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f'{where}: data_format should be "channels_last" (channel after row and column) or '
                         f'"channels_first" (channel before row and column), got {data_format!r}')
    return data_format


class NumpyArrayIterator(Iterator):
    """Batches of the images ``x`` (rank 4) with their labels ``y`` and ``sample_weight``, each image
    randomly transformed and standardized by ``image_data_generator``. ``x`` may be a tuple
    ``(images, other)`` (``other`` an array or a list of arrays of the same length), whose arrays
    come along untransformed."""

    def __init__(self, x, y, image_data_generator, batch_size=32, shuffle=False, sample_weight=None, seed=None,
                 data_format=None, save_to_dir=None, save_prefix="", save_format="png", subset=None,
                 ignore_class_split=False, dtype=None):
        self.dtype = _dtype(dtype)
        misc = []
        if isinstance(x, (tuple, list)):
            misc = [np.asarray(m) for m in (x[1] if isinstance(x[1], list) else [x[1]])]
            x = x[0]
            for m in misc:
                if len(m) != len(x):
                    raise ValueError(f"NumpyArrayIterator: all arrays in x should have the same length, got "
                                     f"{len(x)} images and an array of length {len(m)}")
        if y is not None and len(x) != len(y):
            raise ValueError(f"`x` (images tensor) and `y` (labels) should have the same length. Found: "
                             f"x.shape = {np.asarray(x).shape}, y.shape = {np.asarray(y).shape}")
        if sample_weight is not None and len(x) != len(sample_weight):
            raise ValueError(f"`x` (images tensor) and `sample_weight` should have the same length. Found: "
                             f"x.shape = {np.asarray(x).shape}, sample_weight.shape = {np.asarray(sample_weight).shape}")
        if subset is not None:
            if subset not in ("training", "validation"):
                raise ValueError(f'Invalid subset name: {subset!r}; expected "training" or "validation"')
            cut = int(len(x) * image_data_generator._validation_split)
            if y is not None and not ignore_class_split and not np.array_equal(
                    np.unique(np.asarray(y)[:cut]), np.unique(np.asarray(y)[cut:])):
                raise ValueError("Training and validation subsets have different number of classes after the "
                                 "split. If your numpy arrays are sorted by the label, you might want to shuffle "
                                 "them.")
            part = slice(None, cut) if subset == "validation" else slice(cut, None)
            x = np.asarray(x)[part]
            misc = [m[part] for m in misc]
            y = None if y is None else np.asarray(y)[part]
            sample_weight = None if sample_weight is None else np.asarray(sample_weight)[part]
        self.x = np.asarray(x, dtype=self.dtype)
        self.x_misc = misc
        if self.x.ndim != 4:
            raise ValueError(f"Input data in `NumpyArrayIterator` should have rank 4. You passed an array with "
                             f"shape {self.x.shape}")
        self.data_format = _data_format(data_format, "NumpyArrayIterator")
        axis = 3 if self.data_format == "channels_last" else 1
        if self.x.shape[axis] not in (1, 3, 4):
            warnings.warn(f'NumpyArrayIterator is set to use the data format convention "{self.data_format}" '
                          f"(channels on axis {axis}), i.e. expected either 1, 3, or 4 channels on axis {axis}. "
                          f"However, it was passed an array with shape {self.x.shape} ({self.x.shape[axis]} "
                          "channels).", stacklevel=2)
        self.y = None if y is None else np.asarray(y)
        self.sample_weight = None if sample_weight is None else np.asarray(sample_weight)
        self.image_data_generator = image_data_generator
        self.save_to_dir, self.save_prefix, self.save_format = save_to_dir, save_prefix, save_format
        super().__init__(self.x.shape[0], batch_size, shuffle, seed)

    def _get_batches_of_transformed_samples(self, index_array):
        gen = self.image_data_generator
        batch_x = np.zeros((len(index_array),) + self.x.shape[1:], dtype=self.dtype)
        for i, j in enumerate(index_array):
            x = self.x[j]
            params = gen.get_random_transform(x.shape)
            batch_x[i] = gen.standardize(gen.apply_transform(x.astype(self.dtype), params))
        if self.save_to_dir:
            _save_batch(batch_x, index_array, self.data_format, self.save_to_dir, self.save_prefix, self.save_format)
        miscs = [m[index_array] for m in self.x_misc]
        first = batch_x if not miscs else [batch_x] + miscs
        if self.y is None:
            return first
        out = (first, self.y[index_array])
        if self.sample_weight is not None:
            out += (self.sample_weight[index_array],)
        return out


def _save_batch(batch_x, index_array, data_format, directory, prefix, file_format):
    for i, j in enumerate(index_array):
        name = f"{prefix}_{j}_{np.random.randint(10_000)}.{file_format}"
        array_to_img(batch_x[i], data_format, scale=True).save(os.path.join(directory, name))


def _image_files(folder, follow_links):
    """The image files under ``folder`` (sub-folders included), as Keras lists them: folders in sorted
    order, files sorted within each."""
    for root, _, files in sorted(os.walk(folder, followlinks=follow_links), key=lambda t: t[0]):
        for name in sorted(files):
            if name.lower().endswith(tuple("." + f for f in _IMAGE_FORMATS)):
                yield root, name


class DirectoryIterator(Iterator):
    """Batches of the images in ``directory``, a sub-folder per class (sorted names, or ``classes``
    in that order), read with ``load_img`` at ``target_size`` (height, width), randomly transformed
    and standardized by ``image_data_generator``. Labels by ``class_mode``: "categorical" (one-hot),
    "binary" or "sparse" (the class index, in ``dtype``), "input" (the images again) or None (no
    labels). ``subset`` ("training"/"validation") takes each class's files after / before the
    generator's ``validation_split``."""

    allowed_class_modes = ("categorical", "binary", "sparse", "input", None)

    def __init__(self, directory, image_data_generator, target_size=(256, 256), color_mode="rgb", classes=None,
                 class_mode="categorical", batch_size=32, shuffle=True, seed=None, data_format=None, save_to_dir=None,
                 save_prefix="", save_format="png", follow_links=False, subset=None, interpolation="nearest",
                 keep_aspect_ratio=False, dtype=None):
        self.dtype = _dtype(dtype)
        self.directory = directory
        self.image_data_generator = image_data_generator
        self.target_size = tuple(int(v) for v in target_size)
        if color_mode not in ("rgb", "rgba", "grayscale"):
            raise ValueError(f'Invalid color mode: {color_mode!r}; expected "rgb", "rgba", or "grayscale".')
        self.color_mode = color_mode
        self.data_format = _data_format(data_format, "DirectoryIterator")
        channels = {"rgb": 3, "rgba": 4, "grayscale": 1}[color_mode]
        self.image_shape = (self.target_size + (channels,) if self.data_format == "channels_last"
                            else (channels,) + self.target_size)
        if class_mode not in self.allowed_class_modes:
            raise ValueError(f"Invalid class_mode: {class_mode!r}; expected one of {self.allowed_class_modes}")
        self.class_mode = class_mode
        self.save_to_dir, self.save_prefix, self.save_format = save_to_dir, save_prefix, save_format
        self.interpolation = interpolation
        self.keep_aspect_ratio = keep_aspect_ratio
        if not os.path.isdir(directory):
            raise FileNotFoundError(f"flow_from_directory: {directory!r} is not a folder")
        if subset is not None:
            split = image_data_generator._validation_split
            if subset == "validation":
                split = (0.0, split)
            elif subset == "training":
                split = (split, 1.0)
            else:
                raise ValueError(f'Invalid subset name: {subset!r}; expected "training" or "validation"')
        else:
            split = None
        self.split = split
        self.subset = subset
        if not classes:
            classes = sorted(d for d in os.listdir(directory) if os.path.isdir(os.path.join(directory, d)))
        self.num_classes = len(classes)
        self.class_indices = dict(zip(classes, range(len(classes))))
        filenames, labels = [], []
        for name in classes:
            folder = os.path.join(directory, name)
            files = list(_image_files(folder, follow_links))
            if split is not None:
                n = len(files)
                files = files[int(split[0] * n):int(split[1] * n)]
            for root, fname in files:
                filenames.append(os.path.relpath(os.path.join(root, fname), directory))
                labels.append(self.class_indices[name])
        self.filenames = filenames
        self.classes = np.asarray(labels, dtype="int32")
        self.samples = len(filenames)
        print(f"Found {self.samples} images belonging to {self.num_classes} classes.")
        self._filepaths = [os.path.join(directory, f) for f in filenames]
        super().__init__(self.samples, batch_size, shuffle, seed)

    @property
    def filepaths(self):
        return self._filepaths

    @property
    def labels(self):
        return self.classes

    def _get_batches_of_transformed_samples(self, index_array):
        gen = self.image_data_generator
        batch_x = np.zeros((len(index_array),) + self.image_shape, dtype=self.dtype)
        for i, j in enumerate(index_array):
            img = load_img(self._filepaths[j], color_mode=self.color_mode, target_size=self.target_size,
                           interpolation=self.interpolation, keep_aspect_ratio=self.keep_aspect_ratio)
            x = img_to_array(img, data_format=self.data_format)
            img.close()
            if gen is not None:
                x = gen.standardize(gen.apply_transform(x, gen.get_random_transform(x.shape)))
            batch_x[i] = x
        if self.save_to_dir:
            _save_batch(batch_x, index_array, self.data_format, self.save_to_dir, self.save_prefix, self.save_format)
        if self.class_mode is None:
            return batch_x
        if self.class_mode == "input":
            return batch_x, batch_x.copy()
        if self.class_mode in ("binary", "sparse"):
            return batch_x, self.classes[index_array].astype(self.dtype)
        batch_y = np.zeros((len(index_array), self.num_classes), dtype=self.dtype)
        batch_y[np.arange(len(index_array)), self.classes[index_array]] = 1.0
        return batch_x, batch_y


# ---------------------------------------------------------------------------
# the generator


def _number(v):
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)


class ImageDataGenerator:
    """Real-time augmentation of image batches (Keras' legacy ``ImageDataGenerator``, its arguments
    and their meaning): each image drawn by ``flow`` / ``flow_from_directory`` gets a random
    transform (``rotation_range`` degrees, ``width_shift_range`` / ``height_shift_range`` as
    fractions of the size when below 1, pixels otherwise, or a list of pixel choices,
    ``shear_range`` degrees, ``zoom_range`` (a float z for [1-z, 1+z] or two floats),
    ``channel_shift_range``, ``brightness_range``, ``horizontal_flip`` / ``vertical_flip``, filled
    by ``fill_mode`` / ``cval``) and is then standardized: ``preprocessing_function``, ``rescale``,
    sample-wise centring and scaling, and the feature-wise statistics and ZCA whitening that
    ``fit`` computes."""

    def __init__(self, featurewise_center=False, samplewise_center=False, featurewise_std_normalization=False,
                 samplewise_std_normalization=False, zca_whitening=False, zca_epsilon=1e-6, rotation_range=0,
                 width_shift_range=0.0, height_shift_range=0.0, brightness_range=None, shear_range=0.0,
                 zoom_range=0.0, channel_shift_range=0.0, fill_mode="nearest", cval=0.0, horizontal_flip=False,
                 vertical_flip=False, rescale=None, preprocessing_function=None, data_format=None,
                 validation_split=0.0, interpolation_order=1, dtype=None):
        self.dtype = _dtype(dtype)
        self.featurewise_center = featurewise_center
        self.samplewise_center = samplewise_center
        self.featurewise_std_normalization = featurewise_std_normalization
        self.samplewise_std_normalization = samplewise_std_normalization
        self.zca_whitening = zca_whitening
        self.zca_epsilon = zca_epsilon
        self.rotation_range = rotation_range
        self.width_shift_range = width_shift_range
        self.height_shift_range = height_shift_range
        self.shear_range = shear_range
        self.channel_shift_range = channel_shift_range
        if fill_mode not in ("constant", "nearest", "reflect", "wrap"):
            raise ValueError(f'ImageDataGenerator: fill_mode must be "constant", "nearest", "reflect" or "wrap", '
                             f"got {fill_mode!r}")
        self.fill_mode = fill_mode
        self.cval = cval
        self.horizontal_flip = horizontal_flip
        self.vertical_flip = vertical_flip
        self.rescale = rescale
        self.preprocessing_function = preprocessing_function
        self.interpolation_order = interpolation_order
        self.data_format = _data_format(data_format, "ImageDataGenerator")
        if self.data_format == "channels_first":
            self.channel_axis, self.row_axis, self.col_axis = 1, 2, 3
        else:
            self.channel_axis, self.row_axis, self.col_axis = 3, 1, 2
        if not 0 <= validation_split < 1:
            raise ValueError(f"`validation_split` must be strictly between 0 and 1. Received: {validation_split}")
        self._validation_split = validation_split
        self.mean = self.std = self.zca_whitening_matrix = None
        if _number(zoom_range):
            self.zoom_range = [1 - zoom_range, 1 + zoom_range]
        elif isinstance(zoom_range, (tuple, list)) and len(zoom_range) == 2 and all(map(_number, zoom_range)):
            self.zoom_range = [zoom_range[0], zoom_range[1]]
        else:
            raise ValueError(f"`zoom_range` should be a float or a tuple or list of two floats. Received: {zoom_range}")
        if zca_whitening:
            if not featurewise_center:
                self.featurewise_center = True
                warnings.warn("This ImageDataGenerator specifies `zca_whitening`, which overrides setting of "
                              "`featurewise_center`.", stacklevel=2)
            if featurewise_std_normalization:
                self.featurewise_std_normalization = False
                warnings.warn("This ImageDataGenerator specifies `zca_whitening` which overrides setting of"
                              "`featurewise_std_normalization`.", stacklevel=2)
        if self.featurewise_std_normalization and not self.featurewise_center:
            self.featurewise_center = True
            warnings.warn("This ImageDataGenerator specifies `featurewise_std_normalization`, which overrides "
                          "setting of `featurewise_center`.", stacklevel=2)
        if samplewise_std_normalization and not samplewise_center:
            self.samplewise_center = True
            warnings.warn("This ImageDataGenerator specifies `samplewise_std_normalization`, which overrides "
                          "setting of `samplewise_center`.", stacklevel=2)
        if brightness_range is not None and (
                not isinstance(brightness_range, (tuple, list, np.ndarray)) or len(brightness_range) != 2):
            raise ValueError(f"`brightness_range should be tuple or list of two floats. Received: {brightness_range}")
        self.brightness_range = brightness_range

    # -- iterators ----------------------------------------------------------------------
    def flow(self, x, y=None, batch_size=32, shuffle=True, sample_weight=None, seed=None, save_to_dir=None,
             save_prefix="", save_format="png", ignore_class_split=False, subset=None):
        """An iterator over batches of the images ``x`` (rank 4) and labels ``y``."""
        return NumpyArrayIterator(x, y, self, batch_size=batch_size, shuffle=shuffle, sample_weight=sample_weight,
                                  seed=seed, data_format=self.data_format, save_to_dir=save_to_dir,
                                  save_prefix=save_prefix, save_format=save_format,
                                  ignore_class_split=ignore_class_split, subset=subset, dtype=self.dtype)

    def flow_from_directory(self, directory, target_size=(256, 256), color_mode="rgb", classes=None,
                            class_mode="categorical", batch_size=32, shuffle=True, seed=None, save_to_dir=None,
                            save_prefix="", save_format="png", follow_links=False, subset=None,
                            interpolation="nearest", keep_aspect_ratio=False):
        """An iterator over batches of the images in ``directory`` (a sub-folder per class)."""
        return DirectoryIterator(directory, self, target_size=target_size, color_mode=color_mode, classes=classes,
                                 class_mode=class_mode, data_format=self.data_format, batch_size=batch_size,
                                 shuffle=shuffle, seed=seed, save_to_dir=save_to_dir, save_prefix=save_prefix,
                                 save_format=save_format, follow_links=follow_links, subset=subset,
                                 interpolation=interpolation, keep_aspect_ratio=keep_aspect_ratio, dtype=self.dtype)

    # -- per image ----------------------------------------------------------------------
    def standardize(self, x):
        """``x`` (an image or a batch) after ``preprocessing_function``, ``rescale`` and the
        sample-wise and feature-wise normalizations that are set."""
        if self.preprocessing_function:
            x = self.preprocessing_function(x)
        x = np.array(x, dtype=np.result_type(np.asarray(x).dtype, self.dtype), copy=True)
        if self.rescale:
            x *= self.rescale
        # sample-wise: over the whole of x (one image, as the iterators call it)
        if self.samplewise_center:
            x -= np.mean(x, keepdims=True)
        if self.samplewise_std_normalization:
            x /= np.std(x, keepdims=True) + 1e-6
        if self.featurewise_center:
            if self.mean is not None:
                x -= self.mean
            else:
                warnings.warn("This ImageDataGenerator specifies `featurewise_center`, but it hasn't been fit on "
                              "any training data. Fit it first by calling `.fit(numpy_data)`.", stacklevel=2)
        if self.featurewise_std_normalization:
            if self.std is not None:
                x /= self.std + 1e-6
            else:
                warnings.warn("This ImageDataGenerator specifies `featurewise_std_normalization`, but it hasn't "
                              "been fit on any training data. Fit it first by calling `.fit(numpy_data)`.",
                              stacklevel=2)
        if self.zca_whitening:
            if self.zca_whitening_matrix is not None:
                flat = x.reshape(-1, int(np.prod(x.shape[-3:])))
                x = (flat @ self.zca_whitening_matrix).reshape(x.shape)
            else:
                warnings.warn("This ImageDataGenerator specifies `zca_whitening`, but it hasn't been fit on any "
                              "training data. Fit it first by calling `.fit(numpy_data)`.", stacklevel=2)
        return x

    def get_random_transform(self, img_shape, seed=None):
        """The parameters of a random transform for an image of ``img_shape`` (a dict for
        ``apply_transform``); ``seed`` reseeds NumPy's global generator first."""
        rows, cols = img_shape[self.row_axis - 1], img_shape[self.col_axis - 1]
        if seed is not None:
            np.random.seed(seed)
        theta = np.random.uniform(-self.rotation_range, self.rotation_range) if self.rotation_range else 0
        tx = self._shift(self.height_shift_range, rows)
        ty = self._shift(self.width_shift_range, cols)
        shear = np.random.uniform(-self.shear_range, self.shear_range) if self.shear_range else 0
        if self.zoom_range[0] == 1 and self.zoom_range[1] == 1:
            zx, zy = 1, 1
        else:
            zx, zy = np.random.uniform(self.zoom_range[0], self.zoom_range[1], 2)
        flip_horizontal = (np.random.random() < 0.5) * self.horizontal_flip
        flip_vertical = (np.random.random() < 0.5) * self.vertical_flip
        channel_shift = None
        if self.channel_shift_range != 0:
            channel_shift = np.random.uniform(-self.channel_shift_range, self.channel_shift_range)
        brightness = None
        if self.brightness_range is not None:
            brightness = np.random.uniform(self.brightness_range[0], self.brightness_range[1])
        return {"theta": theta, "tx": tx, "ty": ty, "shear": shear, "zx": zx, "zy": zy,
                "flip_horizontal": flip_horizontal, "flip_vertical": flip_vertical,
                "channel_shift_intensity": channel_shift, "brightness": brightness}

    @staticmethod
    def _shift(shift_range, size):
        if not (len(shift_range) if isinstance(shift_range, (list, tuple, np.ndarray)) else shift_range):
            return 0
        try:    # pixel choices: an int n draws from 0..n-1, a list from its entries, with a random sign
            shift = np.random.choice(shift_range)
            shift *= np.random.choice([-1, 1])
        except ValueError:   # a float: a uniform shift in [-range, range]
            shift = np.random.uniform(-shift_range, shift_range)
        if np.max(shift_range) < 1:
            shift *= size
        return shift

    def apply_transform(self, x, transform_parameters):
        """The image ``x`` (rank 3) transformed by ``transform_parameters`` (keys as
        ``get_random_transform`` gives; missing ones leave the image as it is)."""
        p = transform_parameters
        rows, cols, channel = self.row_axis - 1, self.col_axis - 1, self.channel_axis - 1
        x = apply_affine_transform(x, p.get("theta", 0), p.get("tx", 0), p.get("ty", 0), p.get("shear", 0),
                                   p.get("zx", 1), p.get("zy", 1), row_axis=rows, col_axis=cols,
                                   channel_axis=channel, fill_mode=self.fill_mode, cval=self.cval,
                                   order=self.interpolation_order)
        if p.get("channel_shift_intensity") is not None:
            x = apply_channel_shift(x, p["channel_shift_intensity"], channel)
        if p.get("flip_horizontal", False):
            x = np.flip(x, cols)
        if p.get("flip_vertical", False):
            x = np.flip(x, rows)
        if p.get("brightness") is not None:
            x = apply_brightness_shift(x, p["brightness"], False)
        return x

    def random_transform(self, x, seed=None):
        """``x`` (rank 3) with a random transform applied."""
        return self.apply_transform(x, self.get_random_transform(np.shape(x), seed))

    def fit(self, x, augment=False, rounds=1, seed=None):
        """Compute the feature-wise mean, standard deviation and ZCA whitening matrix that are set,
        from the images ``x`` (rank 4; rescaled first; with ``augment``, ``rounds`` randomly
        transformed copies of them)."""
        x = np.array(x, dtype=self.dtype, copy=True)
        if x.ndim != 4:
            raise ValueError(f"Input to `.fit()` should have rank 4. Got array with shape: {x.shape}")
        if x.shape[self.channel_axis] not in (1, 3, 4):
            warnings.warn(f'Expected input to be images (as Numpy array) following the data format convention '
                          f'"{self.data_format}" (channels on axis {self.channel_axis}), i.e. expected either 1, 3 '
                          f"or 4 channels on axis {self.channel_axis}. However, it was passed an array with shape "
                          f"{x.shape} ({x.shape[self.channel_axis]} channels).", stacklevel=2)
        if seed is not None:
            np.random.seed(seed)
        if self.rescale:
            x *= self.rescale
        if augment:
            out = np.zeros((rounds * x.shape[0],) + x.shape[1:], dtype=self.dtype)
            for r in range(rounds):
                for i in range(x.shape[0]):
                    out[i + r * x.shape[0]] = self.random_transform(x[i])
            x = out
        shape = [1, 1, 1]
        shape[self.channel_axis - 1] = x.shape[self.channel_axis]
        axes = (0, self.row_axis, self.col_axis)
        if self.featurewise_center:
            self.mean = np.mean(x, axis=axes).reshape(shape)
            x -= self.mean
        if self.featurewise_std_normalization:
            self.std = np.std(x, axis=axes).reshape(shape)
            x /= self.std + 1e-6
        if self.zca_whitening:
            n = len(x)
            flat = x.reshape(n, -1)
            u, s, _ = np.linalg.svd(flat.T, full_matrices=False)
            s_inv = np.sqrt(n) / (s + self.zca_epsilon)
            self.zca_whitening_matrix = (u * s_inv) @ u.T
