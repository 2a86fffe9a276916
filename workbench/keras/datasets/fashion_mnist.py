"""Fashion-MNIST: 60000 training and 10000 test 28x28 uint8 images of clothes, uint8 labels 0-9."""

import gzip
import os

import numpy as np

from ..file_utils import get_file

_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
_FILES = ["train-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz",
          "t10k-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz"]


def load_data():
    """``(x_train, y_train), (x_test, y_test)``, read from the four IDX files."""
    paths = [get_file(name, origin=_ORIGIN + name, cache_subdir=os.path.join("datasets", "fashion-mnist"))
             for name in _FILES]
    arrays = []
    for path, offset in zip(paths, (8, 16, 8, 16)):
        with gzip.open(path, "rb") as f:
            arrays.append(np.frombuffer(f.read(), np.uint8, offset=offset))
    y_train, x_train, y_test, x_test = arrays
    return (x_train.reshape(len(y_train), 28, 28), y_train), (x_test.reshape(len(y_test), 28, 28), y_test)
