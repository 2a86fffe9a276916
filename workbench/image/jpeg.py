"""JPEG artifacts: ``adjust_jpeg_quality`` and its ``random_`` / ``stateless_random_`` forms
(TF's), an image encoded as a JPEG of a given quality and decoded again, through Pillow.

The decoding is ``wb.io.decode_jpeg``'s with ``dct_method``: TF's pixels for the default fast
integer DCT (``""``) and for ``"INTEGER_ACCURATE"``.
"""

from __future__ import annotations

import numpy as np

from .. import random as _random
from ..core import Tensor, convert_to_tensor
from ..errors import argcheck
from ..io.images import decode_jpeg, encode_jpeg
from .color import convert_image_dtype

__all__ = ["adjust_jpeg_quality", "random_jpeg_quality", "stateless_random_jpeg_quality"]


def _quality(value, what, opname):
    if isinstance(value, Tensor):
        value = value.numpy()
    q = argcheck.integer(value.item() if isinstance(value, np.ndarray) and value.ndim == 0 else value,
                         what, opname)
    if not 0 <= q <= 100:
        raise ValueError(f"{opname}: {what} must be between 0 and 100, got {q}")
    return q


def _recompress(image, quality, dct_method, opname):
    x = convert_to_tensor(image)
    if x.ndim != 3 or x.shape[-1] not in (1, 3):
        raise ValueError(f"{opname}: image must be 3-D [height, width, channels] with 1 or 3 channels, "
                         f"got shape {tuple(x.shape)}")
    if dct_method not in ("", "INTEGER_FAST", "INTEGER_ACCURATE"):
        raise ValueError(f"{opname}: dct_method must be '', 'INTEGER_FAST' or 'INTEGER_ACCURATE', "
                         f"got {dct_method!r}")
    pixels = convert_image_dtype(x, np.uint8, saturate=True)
    decoded = decode_jpeg(encode_jpeg(pixels, quality=quality), channels=int(x.shape[-1]), dct_method=dct_method)
    return convert_image_dtype(decoded, x.dtype, saturate=True)


def adjust_jpeg_quality(image, jpeg_quality, dct_method="", name=None):
    """``image`` (3-D, 1 or 3 channels) encoded as a JPEG of quality ``jpeg_quality`` (0 to
    100) and decoded, in its own dtype (floating images are taken as ``[0, 1]`` and saturated).

    >>> x = wb.constant([[[255, 0, 0], [0, 255, 0]], [[0, 0, 255], [255, 255, 255]]], wb.uint8)
    >>> wb.image.adjust_jpeg_quality(x, 100).shape
    TensorShape([2, 2, 3])
    """
    opname = "wb.image.adjust_jpeg_quality"
    return _recompress(image, _quality(jpeg_quality, "jpeg_quality", opname), dct_method, opname)


def _range(lo, hi, opname):
    lo = _quality(lo, "min_jpeg_quality", opname)
    hi = _quality(hi, "max_jpeg_quality", opname)
    if lo >= hi:
        raise ValueError(f"{opname}: min_jpeg_quality must be less than max_jpeg_quality, got {lo} and {hi}")
    return lo, hi


def random_jpeg_quality(image, min_jpeg_quality, max_jpeg_quality, seed=None):
    """:func:`adjust_jpeg_quality` with a quality drawn uniformly from
    ``[min_jpeg_quality, max_jpeg_quality)``."""
    opname = "wb.image.random_jpeg_quality"
    lo, hi = _range(min_jpeg_quality, max_jpeg_quality, opname)
    q = int(_random.uniform([], minval=lo, maxval=hi, dtype=np.int32, seed=seed).numpy())
    return _recompress(image, q, "", opname)


def stateless_random_jpeg_quality(image, min_jpeg_quality, max_jpeg_quality, seed):
    """:func:`random_jpeg_quality` as a function of ``seed`` (shape ``[2]``): the quality is
    TF's draw for the same seed."""
    opname = "wb.image.stateless_random_jpeg_quality"
    lo, hi = _range(min_jpeg_quality, max_jpeg_quality, opname)
    q = int(_random.stateless_uniform([], seed=seed, minval=lo, maxval=hi, dtype=np.int32).numpy())
    return _recompress(image, q, "", opname)
