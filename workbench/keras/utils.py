"""``wb.keras.utils``: the utilities of Keras' ``keras.utils`` that research code reaches for."""

import random

import numpy as np

from .. import random as wb_random
from ..errors import argcheck
from .audio_dataset import audio_dataset_from_directory
from .callbacks.progbar import Progbar
from .file_utils import get_file, validate_file
from .data_adapter import pack_x_y_sample_weight, unpack_x_y_sample_weight
from .image_dataset import image_dataset_from_directory
from .image_utils import array_to_img, img_to_array, load_img, save_img
from .ops.nn import normalize as _normalize_tensor
from .py_dataset import PyDataset, Sequence
from .timeseries import timeseries_dataset_from_array
from ..data.directory import text_dataset_from_directory
from .saving import (custom_object_scope, deserialize_keras_object, get_custom_objects, get_registered_name,
                     get_registered_object, register_keras_serializable, serialize_keras_object)

__all__ = ["CustomObjectScope", "Progbar", "PyDataset", "Sequence", "array_to_img", "audio_dataset_from_directory", "custom_object_scope",
           "deserialize_keras_object", "get_custom_objects", "get_file", "image_dataset_from_directory", "img_to_array", "load_img", "normalize",
           "pack_x_y_sample_weight", "pad_sequences", "save_img", "serialize_keras_object",
           "timeseries_dataset_from_array", "text_dataset_from_directory", "unpack_x_y_sample_weight", "get_registered_name", "get_registered_object",
           "register_keras_serializable", "set_random_seed", "to_categorical"]


def set_random_seed(seed):
    """Seed Python's, NumPy's and the workbench's global generators (Keras' ``set_random_seed``)."""
    seed = argcheck.integer(seed, "seed", "set_random_seed", minimum=0)
    random.seed(seed)
    np.random.seed(seed % (1 << 32))
    wb_random.set_seed(seed)


def to_categorical(x, num_classes=None):
    """Class vector (integers ``0..num_classes-1``) to a one-hot float32 NumPy array, as Keras."""
    labels = np.asarray(x)
    if labels.dtype.kind not in "iu":
        if labels.dtype.kind == "f" and np.all(labels == np.floor(labels)):
            labels = labels.astype(np.int64)
        else:
            raise TypeError(f"to_categorical: x must hold integer class labels, got dtype {labels.dtype}")
    if labels.ndim and labels.shape[-1] == 1 and labels.ndim > 1:
        labels = labels[..., 0]
    if num_classes is None:
        num_classes = int(labels.max()) + 1 if labels.size else 0
    num_classes = argcheck.integer(num_classes, "num_classes", "to_categorical", minimum=1)
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(f"to_categorical: labels must be in [0, {num_classes}), got values from "
                         f"{labels.min()} to {labels.max()}")
    out = np.zeros(labels.shape + (num_classes,), np.float32)
    np.put_along_axis(out, labels[..., None], 1.0, axis=-1)
    return out


CustomObjectScope = custom_object_scope


def normalize(x, axis=-1, order=2):
    """``x`` divided by its ``order``-norm along ``axis`` (a NumPy array stays one; zero norms
    leave their rows as they are), Keras' ``normalize``."""
    if isinstance(x, np.ndarray):
        norm = np.atleast_1d(np.linalg.norm(x, order, axis))
        norm[norm == 0] = 1
        return x / np.expand_dims(norm, axis if axis is not None else -1)
    return _normalize_tensor(x, axis=axis, order=order)


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre", value=0.0):
    """Lists of sequences as one array ``(len(sequences), maxlen, ...)``: longer ones cut at the
    start (``truncating="pre"``) or end, shorter ones filled with ``value`` before (``padding="pre"``)
    or after, as Keras' ``pad_sequences``."""
    if not hasattr(sequences, "__len__"):
        raise ValueError("pad_sequences: sequences must be iterable")
    if padding not in ("pre", "post"):
        raise ValueError(f'Padding type "{padding}" not understood')
    if truncating not in ("pre", "post"):
        raise ValueError(f'Truncating type "{truncating}" not understood')
    lengths, sample_shape, found = [], (), False
    for s in sequences:
        if not hasattr(s, "__len__"):
            raise ValueError(f"pad_sequences: `sequences` must be a list of iterables. Found non-iterable: {s!r}")
        lengths.append(len(s))
        if not found and len(s):
            sample_shape, found = np.asarray(s).shape[1:], True
    if maxlen is None:
        maxlen = max(lengths) if lengths else 0
    maxlen = argcheck.integer(maxlen, "maxlen", "pad_sequences", minimum=0)
    is_text = np.issubdtype(np.dtype(dtype), np.str_)
    if isinstance(value, str) and np.dtype(dtype) != object and not is_text:
        raise ValueError(f"`dtype` {dtype} is not compatible with `value`'s type: {type(value)}\n"
                         "You should set `dtype=object` for variable length strings.")
    out = np.full((len(lengths), maxlen) + tuple(sample_shape), value, dtype=dtype)
    for i, s in enumerate(sequences):
        if not len(s) or not maxlen:
            continue
        kept = np.asarray(s[-maxlen:] if truncating == "pre" else s[:maxlen], dtype=dtype)
        if kept.shape[1:] != tuple(sample_shape):
            raise ValueError(f"Shape of sample {kept.shape[1:]} of sequence at position {i} is different "
                             f"from expected shape {tuple(sample_shape)}")
        if padding == "post":
            out[i, :len(kept)] = kept
        else:
            out[i, -len(kept):] = kept
    return out
