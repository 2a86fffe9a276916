"""``wb.keras.utils``: the utilities of Keras' ``keras.utils`` that research code reaches for."""

import random

import numpy as np

from .. import random as wb_random
from ..errors import argcheck
from .callbacks.progbar import Progbar
from .py_dataset import PyDataset, Sequence
from .saving import custom_object_scope, get_registered_name, get_registered_object, register_keras_serializable

__all__ = ["Progbar", "PyDataset", "Sequence", "custom_object_scope", "get_registered_name", "get_registered_object",
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
