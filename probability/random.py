"""TFP's ``tfp.random``: stateless seed handling and a few samplers.

Seeds follow TFP's rules (see ``probability.internal.samplers``): a pair is stateless (the
same pair, the same draws), an int or None draws a pair from TF's stateful sequence;
``split_seed`` derives independent pairs from one.

>>> s1, s2 = split_seed((1, 2))
>>> bool(wb.reduce_all(rademacher([3], seed=s1) == rademacher([3], seed=s1)))
True
"""

from __future__ import annotations

import numpy as np

import workbench as wb

from . import internal
from .internal import samplers

__all__ = ["rademacher", "rayleigh", "sanitize_seed", "spherical_uniform", "split_seed"]


sanitize_seed = samplers.sanitize_seed
split_seed = samplers.split_seed


def rademacher(shape, dtype=np.float32, seed=None, name=None):
    """Draws of -1 or +1 with equal probability, of ``shape`` and ``dtype``."""
    shape = internal.shape_tuple(shape, "shape")
    gen_dtype = wb.int32 if wb.as_dtype(dtype) == wb.int32 else wb.int64
    bits = samplers.uniform(shape, minval=0, maxval=2, dtype=gen_dtype, seed=seed)
    return wb.cast(2 * bits - 1, dtype)


def spherical_uniform(shape, dimension, dtype=np.float32, seed=None, name=None):
    """Points drawn uniformly on the unit sphere in ``dimension`` dims: shape ``shape + [dimension]``."""
    shape = internal.shape_tuple(shape, "shape")
    if int(dimension) < 1:
        raise ValueError(f"spherical_uniform: `dimension` must be >= 1, got {dimension!r}")
    seed = samplers.sanitize_seed(seed)
    if int(dimension) == 1:
        return rademacher(shape + (1,), dtype=dtype, seed=seed)
    if int(dimension) == 2:
        u = samplers.uniform(shape, minval=0, maxval=2 * np.pi, dtype=dtype, seed=seed)
        return wb.stack([wb.cos(u), wb.sin(u)], axis=-1)
    z = samplers.normal(shape + (int(dimension),), seed=seed, dtype=dtype)
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
    u = samplers.uniform(shape, minval=0, maxval=1, dtype=dtype, seed=seed)
    x = wb.sqrt(-2.0 * wb.math.log(u))
    return x if scale is None else x * scale
