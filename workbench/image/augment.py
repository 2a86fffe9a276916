"""Random augmentations: TF's ``random_*`` ops (seeded by ``wb.random``'s global generator or an
op ``seed``, as ``tf.random.uniform``) and their ``stateless_random_*`` twins (a pure function of
``seed=(a, b)``: the same seed gives the same augmentation on a device).

The random numbers are drawn as tensors and enter through ops (``where``, additions, gathers
at computed offsets), so a ``wb.function`` replay draws fresh ones and no value is read on the
host. As in TF, one draw serves a whole batch (one brightness delta, one contrast factor, one
crop window), except the flips, which pick each image of a batch independently.

>>> a = wb.image.stateless_random_brightness(wb.zeros([2, 2, 1]), 0.2, seed=(1, 2))
>>> bool((a.numpy() == wb.image.stateless_random_brightness(wb.zeros([2, 2, 1]), 0.2, seed=(1, 2)).numpy()).all())
True
"""

from __future__ import annotations

import numpy as np

from .. import random as _random
from ..core import convert_to_tensor
from ..errors import argcheck
from ..ops.elementwise import cast, greater, less, mod, where
from ..ops.indexing import reverse, take_rows
from ..ops.shape import reshape
from ._common import images_arg, index, with_static
from .color import adjust_brightness, adjust_contrast, adjust_hue, adjust_saturation

__all__ = [
    "random_brightness", "random_contrast", "random_crop", "random_flip_left_right", "random_flip_up_down",
    "random_hue", "random_saturation", "stateless_random_brightness", "stateless_random_contrast",
    "stateless_random_crop", "stateless_random_flip_left_right", "stateless_random_flip_up_down",
    "stateless_random_hue", "stateless_random_saturation",
]

def _uniform(shape, seed, stateless, minval=0.0, maxval=1.0, dtype=np.float32):
    if stateless:
        return _random.stateless_uniform(shape, seed=seed, minval=minval, maxval=maxval, dtype=dtype)
    return _random.uniform(shape, minval=minval, maxval=maxval, dtype=dtype, seed=seed)


def _flip(image, axis, seed, stateless, opname):
    x, was_3d = images_arg(image, opname)
    flipped = reverse(x, axis=[axis])
    if was_3d:        # TF: a single image flips when its draw is below one half
        return where(less(_uniform([], seed, stateless), 0.5), flipped, x)[0]
    # TF: each image of a batch flips when round(draw) is 1 (above one half)
    picks = greater(_uniform([x.shape[0]], seed, stateless), 0.5)
    return where(reshape(picks, (x.shape[0], 1, 1, 1)), flipped, x)


def random_flip_left_right(image, seed=None):
    """Mirror each image horizontally with probability 1/2 (TF's ``tf.image.random_flip_left_right``;
    each image of a batch independently)."""
    return _flip(image, 2, seed, False, "wb.image.random_flip_left_right")


def random_flip_up_down(image, seed=None):
    """Mirror each image vertically with probability 1/2 (TF's ``tf.image.random_flip_up_down``)."""
    return _flip(image, 1, seed, False, "wb.image.random_flip_up_down")


def stateless_random_flip_left_right(image, seed):
    """:func:`random_flip_left_right` as a function of ``seed`` (shape ``[2]``)."""
    return _flip(image, 2, seed, True, "wb.image.stateless_random_flip_left_right")


def stateless_random_flip_up_down(image, seed):
    """:func:`random_flip_up_down` as a function of ``seed`` (shape ``[2]``)."""
    return _flip(image, 1, seed, True, "wb.image.stateless_random_flip_up_down")


def _max_delta(max_delta, opname, limit=None):
    d = argcheck.number(max_delta, "max_delta", opname)
    if d < 0:
        raise ValueError(f"{opname}: max_delta must be non-negative, got {d}")
    if limit is not None and d > limit:
        raise ValueError(f"{opname}: max_delta must be <= {limit}, got {d}")
    return d


def _bounds(lower, upper, opname):
    lo = argcheck.number(lower, "lower", opname)
    hi = argcheck.number(upper, "upper", opname)
    if hi <= lo:
        raise ValueError(f"{opname}: upper must be > lower, got lower={lo}, upper={hi}")
    if lo < 0:
        raise ValueError(f"{opname}: lower must be non-negative, got {lo}")
    return lo, hi


def _brightness(image, max_delta, seed, stateless, opname):
    d = _max_delta(max_delta, opname)
    return adjust_brightness(image, _uniform([], seed, stateless, -d, d))


def random_brightness(image, max_delta, seed=None):
    """``adjust_brightness`` by one delta drawn from ``[-max_delta, max_delta)`` (TF's
    ``tf.image.random_brightness``)."""
    return _brightness(image, max_delta, seed, False, "wb.image.random_brightness")


def stateless_random_brightness(image, max_delta, seed):
    """:func:`random_brightness` as a function of ``seed`` (shape ``[2]``)."""
    return _brightness(image, max_delta, seed, True, "wb.image.stateless_random_brightness")


def _contrast(image, lower, upper, seed, stateless, opname):
    lo, hi = _bounds(lower, upper, opname)
    return adjust_contrast(image, _uniform([], seed, stateless, lo, hi))


def random_contrast(image, lower, upper, seed=None):
    """``adjust_contrast`` by one factor drawn from ``[lower, upper)`` (TF's ``tf.image.random_contrast``);
    no gradient, as in TF."""
    return _contrast(image, lower, upper, seed, False, "wb.image.random_contrast")


def stateless_random_contrast(image, lower, upper, seed):
    """:func:`random_contrast` as a function of ``seed`` (shape ``[2]``)."""
    return _contrast(image, lower, upper, seed, True, "wb.image.stateless_random_contrast")


def _saturation(image, lower, upper, seed, stateless, opname):
    lo, hi = _bounds(lower, upper, opname)
    return adjust_saturation(image, _uniform([], seed, stateless, lo, hi))


def random_saturation(image, lower, upper, seed=None):
    """``adjust_saturation`` by one factor drawn from ``[lower, upper)`` (TF's
    ``tf.image.random_saturation``)."""
    return _saturation(image, lower, upper, seed, False, "wb.image.random_saturation")


def stateless_random_saturation(image, lower, upper, seed):
    """:func:`random_saturation` as a function of ``seed`` (shape ``[2]``)."""
    return _saturation(image, lower, upper, seed, True, "wb.image.stateless_random_saturation")


def _hue(image, max_delta, seed, stateless, opname):
    d = _max_delta(max_delta, opname, limit=0.5)
    return adjust_hue(image, _uniform([], seed, stateless, -d, d))


def random_hue(image, max_delta, seed=None):
    """``adjust_hue`` by one delta drawn from ``[-max_delta, max_delta)``, ``max_delta`` in
    ``[0, 0.5]`` (TF's ``tf.image.random_hue``)."""
    return _hue(image, max_delta, seed, False, "wb.image.random_hue")


def stateless_random_hue(image, max_delta, seed):
    """:func:`random_hue` as a function of ``seed`` (shape ``[2]``)."""
    return _hue(image, max_delta, seed, True, "wb.image.stateless_random_hue")


def _crop(value, size, seed, stateless, opname):
    x = convert_to_tensor(value)
    size = argcheck.integers(size, "size", opname, expected="one size per dimension of value")
    if len(size) != x.ndim:
        raise ValueError(f"{opname}: size must have one entry per dimension of value (rank {x.ndim}), "
                         f"got {list(size)}")
    if any(s < 0 or s > n for s, n in zip(size, x.shape)):
        raise ValueError(f"{opname}: size {list(size)} must be non-negative and fit in value's shape "
                         f"{list(x.shape)}")
    # TF: offset = uniform int32 in [0, int32 max) modulo (shape - size + 1), one per dimension
    limit = np.asarray([n - s + 1 for s, n in zip(size, x.shape)], dtype=np.int32)
    offsets = mod(_uniform([x.ndim], seed, stateless, 0, np.iinfo(np.int32).max, np.int32), limit)
    offsets = cast(offsets, np.int64)
    for axis, (s, n) in enumerate(zip(size, x.shape)):
        if s != n:
            x = take_rows(x, offsets[axis] + index(np.arange(s), x), axis=axis)
    return with_static(x, size)   # TF: the window's size, whatever value's sizes are


def random_crop(value, size, seed=None, name=None):
    """A window of ``size`` (one entry per dimension of ``value``) at a uniformly random offset
    (TF's ``tf.image.random_crop``; one window for the whole tensor, so crop a batch with
    ``size = [batch, h, w, c]`` to cut the same window from every image)."""
    return _crop(value, size, seed, False, "wb.image.random_crop")


def stateless_random_crop(value, size, seed, name=None):
    """:func:`random_crop` as a function of ``seed`` (shape ``[2]``)."""
    return _crop(value, size, seed, True, "wb.image.stateless_random_crop")
