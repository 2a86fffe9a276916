"""``keras.preprocessing``: Keras 3's legacy preprocessing namespace. ``image`` holds
``ImageDataGenerator`` and its transforms; ``timeseries_dataset_from_array`` is
``keras.utils``'s."""

from . import image  # noqa: F401
from ..timeseries import timeseries_dataset_from_array  # noqa: F401

__all__ = ["image", "timeseries_dataset_from_array"]
