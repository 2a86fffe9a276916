"""Halton's low-discrepancy sequence, optionally randomized by digit permutations
(``tfp.mcmc.sample_halton_sequence``)."""

from __future__ import annotations

import math

import numpy as np

import workbench as wb

from . import internal
from ..internal import samplers

__all__ = ["sample_halton_sequence"]

_MAX_DIMENSION = 1000


def _primes(n):
    """The first ``n`` primes."""
    limit = max(16, int(n * (math.log(n + 2) + math.log(math.log(n + 2)) + 3)))
    sieve = np.ones(limit, bool)
    sieve[:2] = False
    for i in range(2, int(limit ** 0.5) + 1):
        if sieve[i]:
            sieve[i * i::i] = False
    return np.nonzero(sieve)[0][:n]


def sample_halton_sequence(dim, num_results=None, sequence_indices=None, dtype=wb.float32, randomized=True,
                           seed=None, name=None):
    """Points of the ``dim``-dimensional Halton sequence in ``[0, 1)^dim``: coordinate ``k`` of point
    ``i`` is the radical inverse of ``i + 1`` in the ``k``-th prime base.

    Give ``num_results`` (points ``0 .. num_results - 1``) or ``sequence_indices`` (their indices).
    With ``randomized`` (the default), the digits of each base are scrambled by random permutations,
    one per digit position (Owen 2017), drawn from ``seed``: every point stays uniformly distributed
    and the set keeps its low discrepancy. Returns ``[n, dim]`` in ``dtype``.

    >>> sample_halton_sequence(2, num_results=3, randomized=False).numpy()
    array([[0.5       , 0.33333334],
           [0.25      , 0.6666667 ],
           [0.75      , 0.11111111]], dtype=float32)
    """
    dim = int(dim)
    if not 1 <= dim <= _MAX_DIMENSION:
        raise ValueError(f"sample_halton_sequence: dim must be in [1, {_MAX_DIMENSION}], got {dim}")
    if (num_results is None) == (sequence_indices is None):
        raise ValueError("sample_halton_sequence: give exactly one of num_results and sequence_indices")
    dtype = wb.as_dtype(dtype)
    if not dtype.is_floating:
        raise TypeError(f"sample_halton_sequence: dtype must be floating, got {dtype}")
    if num_results is not None:
        n = int(wb.backend.to_numpy(wb.convert_to_tensor(num_results)._data))
        if n < 0:
            raise ValueError(f"sample_halton_sequence: num_results must be >= 0, got {n}")
        indices = np.arange(n, dtype=np.int64)
    else:
        indices = np.asarray(wb.backend.to_numpy(wb.convert_to_tensor(sequence_indices)._data), np.int64).reshape(-1)
        if indices.size and indices.min() < 0:
            raise ValueError(f"sample_halton_sequence: sequence_indices must be >= 0, got min {indices.min()}")
    np_dtype = dtype.as_numpy_dtype
    positions = (indices + 1).astype(np_dtype).reshape(-1, 1, 1)
    bases = np.asarray(_primes(dim), dtype=np_dtype).reshape(-1, 1)
    # digits per base: those of num_results (or of the largest index + 1), as TFP counts them
    top = np_dtype(n if num_results is not None else (positions.max() if positions.size else 0))
    with np.errstate(divide="ignore"):
        sizes = np.floor(np.log(top) / np.log(bases)) + 1
    sizes = np.maximum(sizes, 0).astype(np_dtype) if np.isfinite(sizes).all() else np.ones_like(bases)
    max_size = int(sizes.max()) if sizes.size else 1
    exponents = np.tile(np.arange(max_size, dtype=np_dtype), (dim, 1))
    mask = exponents < sizes
    weights = bases ** np.where(mask, exponents, 0).astype(np_dtype)
    coeffs = np.floor_divide(positions, weights) * mask % bases           # [n, dim, max_size]
    if not randomized:
        out = np.sum(coeffs / bases / weights, axis=-1)
    else:
        # Owen's scrambling as TFP draws it: one permutation per digit position and base, from
        # argsorted uniforms; then a uniform shift below the last digit
        shuffle_seed, zero_seed = samplers.split_seed(seed, salt="MCMCSampleHaltonSequence")
        radixes = bases.reshape(-1).astype(np.int64)
        top_radix = int(radixes.max())
        keys = np.asarray(samplers.uniform([max_size, dim, top_radix], seed=shuffle_seed).numpy())
        unused = np.arange(top_radix) >= radixes[:, None]
        keys = np.where(unused, (np.arange(top_radix) + 10.0).astype(keys.dtype), keys)
        order = np.argsort(keys, axis=-1, kind="stable")                   # [max_size, dim, top_radix]
        perms = order[np.broadcast_to(~unused, order.shape)].reshape(-1)   # [max_size * sum(radixes)]
        offsets = (np.concatenate([[0], np.cumsum(radixes)[:-1]])[:, None]
                   + np.arange(max_size) * int(radixes.sum()))             # [dim, max_size]
        permuted = perms[coeffs.astype(np.int64) + offsets].astype(np_dtype) * mask
        out = np.sum(permuted / bases / weights, axis=-1)
        shift = np.asarray(samplers.uniform([dim, 1], seed=zero_seed, dtype=dtype).numpy())
        out = out + (shift / (bases ** sizes).astype(np_dtype)).reshape(-1)
    # rounding can reach 1.0 in the target dtype; keep the points inside [0, 1)
    limit = np.nextafter(np.asarray(1.0, dtype.as_numpy_dtype), np.asarray(0.0, dtype.as_numpy_dtype))
    return wb.constant(np.minimum(out.astype(dtype.as_numpy_dtype), limit), dtype=dtype)
