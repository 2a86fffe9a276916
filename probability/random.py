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

__all__ = ["rademacher", "rayleigh", "sanitize_seed", "spherical_uniform", "split_seed"]


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


def rayleigh(shape, scale=None, dtype=np.float32, seed=None, name=None):
    """Rayleigh draws ``scale * sqrt(-2 log U)``, ``U`` uniform on ``(0, 1)``; ``shape`` is broadcast
    with ``scale``'s shape, so every scale gets its own draw (TFP's numbers for a seed pair).

    >>> rayleigh([3], scale=2., seed=(1, 2)).numpy()
    array([1.1645813, 3.6332066, 0.1739871], dtype=float32)
    """
    shape = internal.shape_tuple(shape, "shape")
    dtype = wb.as_dtype(dtype)
    if not dtype.is_floating:
        raise TypeError(f"rayleigh: dtype must be floating, got {dtype}")
    if scale is not None:
        scale = wb.convert_to_tensor(scale, dtype=dtype)
        shape = tuple(np.broadcast_shapes(shape, tuple(scale.shape)))
    u = wb.random.stateless_uniform(shape, seed=internal.sanitize_seed(seed), dtype=dtype)
    x = wb.sqrt(-2.0 * wb.math.log(u))
    return x if scale is None else x * scale
