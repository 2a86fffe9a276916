"""``keras.utils.image_dataset_from_directory``: the images of a folder of class folders as a dataset
of ``(images, labels)`` batches, as Keras 3 (in TF 2.21) builds it.

Files (``.bmp .gif .jpeg .jpg .png``) are listed and shuffled as ``text_dataset_from_directory``
lists them (class folders sorted, NumPy's ``RandomState(seed)`` for the order, the last
``int(validation_split * n)`` files for validation), then each is read, decoded to
``num_channels`` (3 for ``color_mode="rgb"``, 4 ``"rgba"``, 1 ``"grayscale"``; an animated GIF's
first frame) and resized to ``image_size`` with ``wb.image.resize`` (``interpolation``), so images
are float32 ``[height, width, channels]`` (uint8 for ``"nearest"``, as TF's resize keeps the dtype) (``crop_to_aspect_ratio``: the largest centred window
first; ``pad_to_aspect_ratio``: ``resize_with_pad``). The training dataset is shuffled by a buffer
of ``8 * batch_size`` under ``seed`` before the images are read. The dataset has ``class_names``
and ``file_paths``.

>>> train = image_dataset_from_directory("flowers", validation_split=0.2, subset="training", seed=1,
...                                      image_size=(180, 180))
Found 60 files belonging to 5 classes.
Using 48 files for training.
"""

from __future__ import annotations

import os

import numpy as np

from .. import image as wb_image
from ..data.dataset import AUTOTUNE
from ..data.directory import _list_files, _split, labeled_files
from ..ops.shape import transpose
from .config import image_data_format

__all__ = ["image_dataset_from_directory"]

ALLOWLIST_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
_CHANNELS = {"rgb": 3, "rgba": 4, "grayscale": 1}
_INTERPOLATIONS = ("bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5", "gaussian", "mitchellcubic")


def _load_image(path, image_size, num_channels, interpolation, data_format, crop, pad):
    from ..io import decode_image, read_file  # noqa: PLC0415 (wb.io's readers import wb.data)

    img = decode_image(read_file(path), channels=num_channels, expand_animations=False)
    height, width = image_size
    if crop:
        h, w = int(img.shape[0]), int(img.shape[1])
        crop_h = max(min(h, int(w * height / width)), 1)
        crop_w = max(min(w, int(h * width / height)), 1)
        top, left = int((h - crop_h) / 2), int((w - crop_w) / 2)
        img = wb_image.resize(img[top:top + crop_h, left:left + crop_w], image_size, method=interpolation)
    elif pad:
        img = wb_image.resize_with_pad(img, height, width, method=interpolation)
    else:
        img = wb_image.resize(img, image_size, method=interpolation)
    return transpose(img, (2, 0, 1)) if data_format == "channels_first" else img


def image_dataset_from_directory(directory, labels="inferred", label_mode="int", class_names=None, color_mode="rgb",
                                 batch_size=32, image_size=(256, 256), shuffle=True, seed=None, validation_split=None,
                                 subset=None, interpolation="bilinear", follow_links=False, crop_to_aspect_ratio=False,
                                 pad_to_aspect_ratio=False, data_format=None, verbose=True):
    """The images under ``directory`` (one folder per class) as a dataset of ``(images, labels)``
    batches (see the module docstring); with ``subset="both"``, the training and validation pair."""
    if labels not in ("inferred", None) and not isinstance(labels, (list, tuple)):
        raise ValueError("`labels` argument should be a list/tuple of integer labels, of the same size as the "
                         "number of image files in the target directory. If you wish to infer the labels from "
                         'the subdirectory names in the target directory, pass `labels="inferred"`. If you '
                         "wish to get a dataset that only contains images (no labels), pass `labels=None`. "
                         f"Received: labels={labels}")
    if label_mode not in ("int", "categorical", "binary", None):
        raise ValueError('`label_mode` argument must be one of "int", "categorical", "binary", or None. '
                         f"Received: label_mode={label_mode}")
    if labels is None or label_mode is None:
        labels = label_mode = None
    if color_mode not in _CHANNELS:
        raise ValueError('`color_mode` must be one of {"rgb", "rgba", "grayscale"}. '
                         f"Received: color_mode={color_mode}")
    if isinstance(image_size, int):
        image_size = (image_size, image_size)
    elif not isinstance(image_size, (list, tuple)) or len(image_size) != 2:
        raise ValueError(f"Invalid `image_size` value. Expected a tuple of 2 integers. Received: image_size={image_size}")
    image_size = (int(image_size[0]), int(image_size[1]))
    interpolation = str(interpolation).lower()
    if interpolation not in _INTERPOLATIONS:
        raise ValueError(f"Argument `interpolation` should be one of {_INTERPOLATIONS}. "
                         f"Received: interpolation={interpolation}")
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ValueError("Only one of `pad_to_aspect_ratio`, `crop_to_aspect_ratio` can be set to `True`.")
    if validation_split is not None:
        if not 0 < validation_split < 1:
            raise ValueError(f"`validation_split` must be between 0 and 1, received: {validation_split}")
        if subset not in ("training", "validation", "both"):
            raise ValueError('If `validation_split` is set, `subset` must be "training", "validation" or '
                             f'"both", received: {subset}')
        if shuffle and seed is None:
            raise ValueError("If using `validation_split` and shuffling the data, you must provide a `seed` "
                             "argument, to make sure that there is no overlap between the training and "
                             "validation subset.")
    elif subset is not None:
        raise ValueError("If `subset` is set, `validation_split` must be set, and inversely.")
    data_format = data_format or image_data_format()
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"The `data_format` argument must be one of {{'channels_first', 'channels_last'}}. "
                         f"Received: data_format={data_format}")
    if seed is None:
        seed = np.random.randint(1e6)
    paths, found, names = _list_files(os.fspath(directory), labels, class_names, ALLOWLIST_FORMATS, follow_links)
    if verbose:
        print(f"Found {len(paths)} files." if found is None else
              f"Found {len(paths)} files belonging to {len(names)} classes.")
    if shuffle:
        np.random.RandomState(seed).shuffle(paths)
        if found is not None:
            np.random.RandomState(seed).shuffle(found)
    if label_mode == "binary" and len(names) != 2:
        raise ValueError(f'When passing `label_mode="binary"`, there must be exactly 2 class_names. Received: '
                         f"class_names={names}")
    num_channels = _CHANNELS[color_mode]

    def load(path):
        return _load_image(path, image_size, num_channels, interpolation, data_format, crop_to_aspect_ratio,
                           pad_to_aspect_ratio)

    buffer_size = 8 * batch_size if batch_size is not None else 1024
    subsets = ("training", "validation") if subset == "both" else (subset,)
    out = []
    for part in subsets:
        part_paths, part_labels = _split(paths, found, validation_split, part)
        if not part_paths:
            kind = "" if subset != "both" else f"{part} "
            raise ValueError(f"No {kind}images found in directory {directory}. Allowed formats: {ALLOWLIST_FORMATS}")
        ds = labeled_files(part_paths, part_labels, label_mode, len(names) if names else 0, load,
                      shuffle and (part != "validation" or subset != "both"), buffer_size, seed)
        if batch_size is not None:
            ds = ds.batch(batch_size)
        ds = ds.prefetch(AUTOTUNE)
        ds.class_names = names
        ds.file_paths = list(part_paths)
        out.append(ds)
    return out if subset == "both" else out[0]
