"""Keras' small datasets (``keras.datasets``): each ``load_data()`` fetches the files once with
``keras.utils.get_file`` into ``~/.keras/datasets`` and returns NumPy arrays."""

from . import cifar10, fashion_mnist, mnist  # noqa: F401
