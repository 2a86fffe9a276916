"""Halton's low-discrepancy sequence, optionally randomized by digit permutations
(``tfp.mcmc.sample_halton_sequence``)."""

from __future__ import annotations

import math

import numpy as np

import workbench as wb

from . import internal

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
    positions = indices + 1
    bases = _primes(dim)
    mantissa_bits = 53 if dtype == wb.float64 else 24
    top = int(positions.max()) if positions.size else 1
    if randomized:
        key_seeds = internal.seed_stream(seed, dim, "halton")
    out = np.zeros((positions.size, dim))
    for k, b in enumerate(bases):
        b = int(b)
        # digits beyond the integer part's length matter only once permuted (0 may map elsewhere)
        num_digits = max(1, int(math.ceil(math.log(top + 1) / math.log(b))))
        if randomized:
            num_digits = max(num_digits, int(math.ceil(mantissa_bits * math.log(2) / math.log(b))))
            keys = wb.random.stateless_uniform([num_digits, b], seed=key_seeds[k], dtype=wb.float64)
            perms = np.argsort(np.asarray(keys.numpy()), axis=1)
        rest = positions.copy()
        value = np.zeros(positions.size)
        scale = 1.0 / b
        for j in range(num_digits):
            digit = rest % b
            rest //= b
            if randomized:
                digit = perms[j][digit]
            value += digit * scale
            scale /= b
        out[:, k] = value
    # rounding can reach 1.0 in the target dtype; keep the points inside [0, 1)
    limit = np.nextafter(np.asarray(1.0, dtype.as_numpy_dtype), np.asarray(0.0, dtype.as_numpy_dtype))
    return wb.constant(np.minimum(out.astype(dtype.as_numpy_dtype), limit), dtype=dtype)
