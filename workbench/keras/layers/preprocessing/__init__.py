"""Keras' preprocessing layers: numeric (Normalization, Rescaling, Discretization), categorical
(CategoryEncoding, Hashing, IntegerLookup, StringLookup) and image (Resizing, CenterCrop and the
Random* augmentations)."""

from .categorical import CategoryEncoding, Hashing, IntegerLookup  # noqa: F401
from .image import (  # noqa: F401
    CenterCrop, RandomContrast, RandomCrop, RandomFlip, RandomRotation, RandomTranslation, RandomZoom, Resizing,
)
from .numeric import Discretization, Normalization, Rescaling  # noqa: F401
from .string_lookup import StringLookup  # noqa: F401
from .text_vectorization import TextVectorization  # noqa: F401

__all__ = ["CategoryEncoding", "CenterCrop", "Discretization", "Hashing", "IntegerLookup", "Normalization",
           "RandomContrast", "RandomCrop", "RandomFlip", "RandomRotation", "RandomTranslation", "RandomZoom",
           "Rescaling", "Resizing", "StringLookup", "TextVectorization"]
