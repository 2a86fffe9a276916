"""MNIST digits: 60000 training and 10000 test 28x28 uint8 images, uint8 labels 0-9."""

import numpy as np

from ..file_utils import get_file

_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"


def load_data(path="mnist.npz"):
    """``(x_train, y_train), (x_test, y_test)``; ``path``: the file's name in the cache."""
    path = get_file(fname=path, origin=_ORIGIN + "mnist.npz", file_hash=_SHA256)
    with np.load(path, allow_pickle=False) as f:
        return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])
