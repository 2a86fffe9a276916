"""TFP's ``tfp.random``: stateless seed handling and a few samplers.

A seed is an int32 tensor of shape ``[2]``; ``split_seed`` derives independent seeds from one, so
code that passes seeds down gets the same draws for the same seed.

>>> s1, s2 = split_seed((1, 2))
>>> bool(wb.reduce_all(rademacher([3], seed=s1) == rademacher([3], seed=s1)))
True
"""

from __future__ import annotations

import numpy as np

import workbench as wb
from workbench.core import Tensor

from . import internal

__all__ = ["rademacher", "sanitize_seed", "spherical_uniform", "split_seed"]


def _as_int32_pair(pair):
    # the split pairs are uint32 words; an int32 seed keeps their bits
    return wb.constant(np.array(pair, dtype=np.int64).astype(np.uint32).view(np.int32))


def _pair(seed, salt=None):
    pair = internal.sanitize_seed(seed)
    if isinstance(pair, internal.LiveSeed):
        pair = pair.current_pair()
    if salt is not None:
        pair = internal._split_pair(tuple(pair), 1, str(salt))[0]
    return pair


def sanitize_seed(seed, salt=None, name=None):
    """``seed`` as an int32 ``[2]`` tensor: an int ``s`` becomes ``(s, 0)``, a pair stays, ``None``
    draws one from the global generator. A ``salt`` (any string) derives a distinct seed."""
    return _as_int32_pair(_pair(seed, salt))


def split_seed(seed, n=2, salt=None, name=None):
    """``n`` independent seeds from ``seed``: a tuple of int32 ``[2]`` tensors when ``n`` is a
    Python int, else one ``[n, 2]`` tensor."""
    if isinstance(n, Tensor):
        count = int(n.numpy())
        as_tensor = True
    else:
        count, as_tensor = n, False
    if not isinstance(count, (int, np.integer)) or count < 1:
        raise ValueError(f"split_seed: `n` must be a positive integer, got {n!r}")
    pairs = internal._split_pair(tuple(_pair(seed)), int(count), "" if salt is None else str(salt))
    if as_tensor:
        return wb.stack([_as_int32_pair(p) for p in pairs])
    return tuple(_as_int32_pair(p) for p in pairs)


def rademacher(shape, dtype=np.float32, seed=None, name=None):
    """Draws of -1 or +1 with equal probability, of ``shape`` and ``dtype``."""
    shape = internal.shape_tuple(shape, "shape")
    u = wb.random.stateless_uniform(shape, seed=internal.sanitize_seed(seed), dtype=np.float32)
    return wb.cast(wb.where(u < 0.5, -wb.ones_like(u), wb.ones_like(u)), dtype)


def spherical_uniform(shape, dimension, dtype=np.float32, seed=None, name=None):
    """Points drawn uniformly on the unit sphere in ``dimension`` dims: shape ``shape + [dimension]``."""
    shape = internal.shape_tuple(shape, "shape")
    if int(dimension) < 1:
        raise ValueError(f"spherical_uniform: `dimension` must be >= 1, got {dimension!r}")
    z = wb.random.stateless_normal(shape + (int(dimension),), seed=internal.sanitize_seed(seed), dtype=dtype)
    return z / wb.linalg.norm(z, axis=-1, keepdims=True)
