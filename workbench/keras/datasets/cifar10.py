"""CIFAR-10: 50000 training and 10000 test 32x32x3 uint8 images, uint8 labels 0-9 of shape (n, 1)."""

import os
import pickle

import numpy as np

from .. import config
from ..file_utils import get_file

_ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
_SHA256 = "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"


def _batch(path):
    with open(path, "rb") as f:
        d = pickle.load(f, encoding="bytes")
    d = {k.decode("utf8") if isinstance(k, bytes) else k: v for k, v in d.items()}
    return np.asarray(d["data"], np.uint8).reshape(-1, 3, 32, 32), np.asarray(d["labels"], np.uint8)


def load_data():
    """``(x_train, y_train), (x_test, y_test)``: images channels-last (channels-first when
    ``keras.config.image_data_format()`` is ``'channels_first'``)."""
    root = get_file(fname="cifar-10-batches-py-target", origin=_ORIGIN, untar=True, file_hash=_SHA256)
    folder = os.path.join(root, "cifar-10-batches-py")
    if not os.path.isdir(folder):
        folder = root
    parts = [_batch(os.path.join(folder, f"data_batch_{i}")) for i in range(1, 6)]
    x_train = np.concatenate([p[0] for p in parts])
    y_train = np.concatenate([p[1] for p in parts]).reshape(-1, 1)
    x_test, y_test = _batch(os.path.join(folder, "test_batch"))
    y_test = y_test.reshape(-1, 1)
    if config.image_data_format() == "channels_last":
        x_train, x_test = x_train.transpose(0, 2, 3, 1), x_test.transpose(0, 2, 3, 1)
    return (x_train, y_train), (x_test, y_test)
