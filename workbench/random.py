"""``wb.random``: seeded generators and stateless sampling, under TF 2's ``tf.random`` names.

Every draw comes from TF's counter-based Philox-4x32-10 stream, so the numbers
are a pure function of (key, counter), and the same as TF's where TF's kernels
are followed:

- **stateless** functions (``stateless_normal(shape, seed=[1, 2])``) derive a key
  and counter from the shape-[2] seed as TF does: the same seed always gives the
  same numbers, and ``stateless_normal``/``stateless_truncated_normal``/
  ``stateless_uniform`` give TF 2.21's;
- a :class:`Generator` holds TF's state ``[counter_low, counter_high, key]``
  (``from_seed(1)`` is ``[1, 0, 0]``, as in TF) and advances the counter by 256
  per element drawn, so ``normal``, ``truncated_normal``, ``uniform``,
  ``uniform_full_int``, ``split`` and ``make_seeds`` give TF's numbers and states;
  ``Generator.from_seed(s)`` replays them;
- module functions (``wb.random.normal``, ``uniform``, ...) follow TF's eager rules for
  op and global seeds and its cached kernels' streams (see :func:`set_seed`), and its graph
  rules inside a ``wb.function`` (see :class:`function_graph`), so
  ``uniform``, ``normal``, ``truncated_normal``, ``shuffle``, ``categorical``, ``gamma``
  and ``poisson`` give TF 2.21's numbers with ``seed=`` or after ``set_seed``, call
  after call; with neither seed they draw from the global generator.

Normal, truncated normal and uniform floats (half precision too) and integers use TF's
conversions of the Philox words (``random_distributions.h``: Box-Muller on 32-bit
uniforms, rejection outside two standard deviations, mantissa-filling for floats, modulo
for integer ranges); categorical draws and shuffles follow TF's CPU kernels (running sums
searched with 52-bit uniforms; a Fisher-Yates shuffle on 32-bit words), so
``stateless_categorical`` is TF's too, and so do the module's and the stateless ``gamma``
(Marsaglia and Tsang) and ``poisson`` (Knuth; Hormann), and the stateless and Generator
``binomial`` (inversion; BTRS). The Generator's ``gamma`` and ``poisson`` (which TF's
Generator lacks) draw from the same stream with their own algorithms (gamma by
inversion), so their numbers are not TF's. The stream
is computed with the array module of the default device, so a GPU gives the CPU's
numbers. A draw of more than ``TF_EXACT_MAX`` (4,096) values comes from NumPy's
(CuPy's) own Philox generator at the same place of the stream, 20-30x faster than
TF's Philox in NumPy arithmetic: the same distributions, not TF's numbers (the module's
``gamma`` and ``poisson``, the stateless ``gamma``, ``poisson`` and ``binomial``, and
``Generator.binomial`` give TF's numbers at every size: their kernels run on arrays). Float32
normals in draws of more than 256 values may differ from TF's in the last bit
(about 1 value in 60).

>>> wb.random.stateless_normal([2], seed=[1, 2]).numpy()
array([0.5441101 , 0.20738031], dtype=float32)
>>> g = wb.random.Generator.from_seed(7)
>>> g.uniform([3], maxval=10, dtype=wb.int32).dtype
wb.int32

Samples are constants for tapes, except that ``mean``/``stddev``,
``minval``/``maxval`` and gamma's ``beta`` enter through ordinary ops (as in
TF), and gamma samples carry the implicit-reparameterization gradient with
respect to ``alpha``.
"""

from __future__ import annotations

import ctypes
import enum
import math
import random as pyrandom
import threading
import types
import weakref

import numpy as np

from . import backend, core, dtypes
from .errors import InvalidArgumentError, argcheck
from .core import Tensor, convert_to_tensor
from .ops.sampling import (
    _FLOATS, _loc_scale, _out_dtype, _seed_pair, check_shape, draw, sample_binomial_tf, sample_categorical,
    sample_gamma, sample_gamma_tf, sample_normal, sample_poisson, sample_poisson_tf, sample_uniform, stream,
)
from .ops.indexing import gather
from .ops.shape import concat, stack

__all__ = [
    "Algorithm", "Generator", "categorical", "create_rng_state", "experimental", "fold_in", "gamma",
    "get_global_generator", "normal", "poisson", "set_global_generator", "set_seed", "shuffle", "stateless_binomial",
    "stateless_categorical", "stateless_gamma", "stateless_normal", "stateless_poisson",
    "split", "stateless_parameterized_truncated_normal", "stateless_truncated_normal", "stateless_uniform", "truncated_normal", "uniform",
]

_U64 = 2 ** 64
_DEFAULT_GLOBAL_SEED = 87654321  # used for op seeds when no global seed is set (as TF)


class Algorithm(enum.Enum):
    """TF's RNG algorithms. Philox is the one implemented (``AUTO_SELECT`` picks it)."""

    PHILOX = 1
    THREEFRY = 2
    AUTO_SELECT = 3


def _check_alg(alg, what="alg"):
    if alg is None:
        return Algorithm.PHILOX
    if isinstance(alg, str):
        name = alg.strip().upper()
        alg = Algorithm[name] if name in Algorithm.__members__ else alg
    elif isinstance(alg, (int, np.integer)) and int(alg) in (1, 2, 3):
        alg = Algorithm(int(alg))
    if alg in (Algorithm.PHILOX, Algorithm.AUTO_SELECT):
        return Algorithm.PHILOX
    raise ValueError(f"{what}={alg!r} is not supported: use 'philox' (or 'auto_select', or None)")


# ---------------------------------------------------------------------------
# TF's Philox-4x32-10 and its conversions to numbers (tensorflow/core/lib/random/
# philox_random.h and random_distributions.h), computed with the array module ``xp``

_M0, _M1 = 0xD2511F53, 0xCD9E8D57       # the round multipliers
_W0, _W1 = 0x9E3779B9, 0xBB67AE85       # the key increments (Weyl sequence)
_SEED_KEY = (0x3EC8F720, 0x02461E29)    # the key that scrambles a stateless seed
_RESERVED = 256                          # counter steps a Generator reserves per element (TF's)


_CHUNK = 32768   # blocks computed at a time: the round's arrays stay in the cache (3x faster)


def philox_blocks(xp, counter, key, n):
    """``n`` Philox-4x32-10 outputs, ``uint32[n, 4]``, for the 128-bit counters ``counter``,
    ``counter + 1``, ... (a Python int) under the 64-bit ``key``."""
    if n <= _PYTHON_BLOCKS:
        out = np.array(_philox_python(counter, key, n), dtype=np.uint32).reshape(n, 4)
        return out if xp is np else xp.asarray(out)
    if n <= _CHUNK:
        return _philox_chunk(xp, counter, key, n)
    out = xp.empty((n, 4), dtype=np.uint32)
    for first in range(0, n, _CHUNK):
        m = min(_CHUNK, n - first)
        out[first:first + m] = _philox_chunk(xp, counter + first, key, m)
    return out


_PYTHON_BLOCKS = 8   # up to this many blocks, Python integers beat NumPy's per-call cost (~10x)


def _philox_python(counter, key, n):
    """The same rounds as :func:`_philox_rounds` on Python integers, as a flat list."""
    out = []
    k0_start, k1_start = key % _U64 & 0xFFFFFFFF, key % _U64 >> 32
    for i in range(n):
        c = (counter + i) % (_U64 * _U64)
        c0, c1, c2, c3 = c & 0xFFFFFFFF, c >> 32 & 0xFFFFFFFF, c >> 64 & 0xFFFFFFFF, c >> 96
        k0, k1 = k0_start, k1_start
        for _ in range(10):
            p0, p1 = c0 * _M0, c2 * _M1
            c0, c1, c2, c3 = (p1 >> 32) ^ c1 ^ k0, p1 & 0xFFFFFFFF, (p0 >> 32) ^ c3 ^ k1, p0 & 0xFFFFFFFF
            k0, k1 = (k0 + _W0) & 0xFFFFFFFF, (k1 + _W1) & 0xFFFFFFFF
        out += (c0, c1, c2, c3)
    return out


def _philox_chunk(xp, counter, key, n):
    return _philox_rounds(xp, counter, xp.arange(n, dtype=np.uint64), key)


def philox_at(xp, counter, offsets, key):
    """Philox-4x32-10 outputs, ``uint32[len(offsets), 4]``, for the 128-bit counters
    ``counter + offsets`` (``offsets`` a uint64 array) under the 64-bit ``key``."""
    n = offsets.shape[0]
    if n <= _CHUNK:
        return _philox_rounds(xp, counter, offsets, key)
    out = xp.empty((n, 4), dtype=np.uint32)
    for first in range(0, n, _CHUNK):
        out[first:first + _CHUNK] = _philox_rounds(xp, counter, offsets[first:first + _CHUNK], key)
    return out


def _philox_rounds(xp, counter, offsets, key):
    # the 32-bit words are held in uint64 arrays, so each round's 32x32-bit products are exact
    counter %= _U64 * _U64
    n = offsets.shape[0]
    start = np.uint64(counter % _U64)
    lo = offsets + start
    hi = (lo < start).astype(np.uint64)       # the carry into the high word
    hi += np.uint64(counter >> 64)
    mask, shift = np.uint64(0xFFFFFFFF), np.uint64(32)
    c0, c1 = lo & mask, lo >> shift
    c2, c3 = hi & mask, hi >> shift
    del lo, hi
    k0, k1 = key % _U64 & 0xFFFFFFFF, key % _U64 >> 32
    m0, m1 = np.uint64(_M0), np.uint64(_M1)
    for _ in range(10):
        p0 = c0 * m0
        p1 = c2 * m1
        # (c0, c1, c2, c3) <- (hi(p1) ^ c1 ^ k0, lo(p1), hi(p0) ^ c3 ^ k1, lo(p0))
        c1 ^= np.uint64(k0)
        c1 ^= p1 >> shift
        c3 ^= np.uint64(k1)
        c3 ^= p0 >> shift
        p1 &= mask
        p0 &= mask
        c0, c1, c2, c3 = c1, p1, c3, p0
        k0, k1 = (k0 + _W0) & 0xFFFFFFFF, (k1 + _W1) & 0xFFFFFFFF
    out = xp.empty((n, 4), dtype=np.uint32)
    for j, c in enumerate((c0, c1, c2, c3)):
        out[:, j] = c
    return out


def key_counter_from_seed(seed_pair):
    """TF's key and counter of a stateless seed (two 64-bit words): the seed as a counter, run
    once under a fixed key; two of the words are the key, two the counter's high half."""
    s0, s1 = seed_pair
    mix = [int(v) for v in philox_blocks(np, s0 % _U64 + (s1 % _U64 << 64), _SEED_KEY[0] | _SEED_KEY[1] << 32, 1)[0]]
    return mix[0] | mix[1] << 32, (mix[2] | mix[3] << 32) << 64


def _unit_float32(xp, bits):
    """TF's Uint32ToFloat: 23 random mantissa bits as a float32 in [0, 1)."""
    return (xp.uint32(127 << 23) | (bits & xp.uint32(0x7FFFFF))).view(np.float32) - np.float32(1.0)


def _unit_float16(xp, bits):
    """TF's Uint16ToHalf: 10 random mantissa bits (the low ones of ``bits``) as a half in [0, 1)."""
    man = (bits & xp.uint32(0x3FF)).astype(np.uint16)
    return (xp.uint16(15 << 10) | man).view(np.float16) - np.float16(1.0)


def _unit_float64(xp, hi_bits, lo_bits):
    """TF's Uint64ToDouble: 52 random mantissa bits (20 of ``hi_bits``, all of ``lo_bits``)."""
    man = ((hi_bits & xp.uint32(0xFFFFF)).astype(np.uint64) << np.uint64(32)) | lo_bits.astype(np.uint64)
    return (np.uint64(1023 << 52) | man).view(np.float64) - 1.0


def _libm():
    """The C math library (loaded on first use), or None where it cannot be loaded."""
    global _LIBM
    if _LIBM is False:
        import ctypes.util  # noqa: PLC0415  (only when the library is first asked for)
        _LIBM = None
        for name in ("libm.so.6", "libm.dylib", ctypes.util.find_library("m")):
            try:
                libm = ctypes.CDLL(name)
                for fn in ("logf", "sinf", "cosf"):
                    getattr(libm, fn).restype = ctypes.c_float
                    getattr(libm, fn).argtypes = [ctypes.c_float]
            except (OSError, AttributeError, TypeError):
                continue
            _LIBM = libm
            break
    return _LIBM


_LIBM = False       # not loaded yet
# float32 values per draw for which the C library is asked where its rounding may differ (about
# two thirds of the values, 1 us a call): larger draws differ from TF's in the last bit in about
# 1 value in 60
_LIBM_MAX = 256
# Draws of more values than this come from NumPy's (CuPy's) own Philox generator at the same
# place of the stream: the same distributions, 5-30x faster than TF's Philox in NumPy arithmetic,
# but not TF's numbers
TF_EXACT_MAX = 4096
_KERNEL_CHUNK = 1 << 16          # outputs of TF's gamma/Poisson kernels computed at a time
_SHUFFLE_EXACT_MAX = 1 << 16     # TF's shuffle is a Python loop here: about 20 ms at this size


def _float32_as_libm(xp, exact, args, name, band):
    """``exact`` (float64 values of ``name`` at the float32 ``args``) rounded to float32 as the C
    library's float function rounds them, which TF's kernel calls: its result differs from
    correct rounding only for values near a rounding midpoint (more than ``band`` of a unit in
    the last place from the float32 below), and those are asked of it directly (on the CPU,
    for draws of up to ``_LIBM_MAX`` values; in larger ones about 1 value in 60 differs from
    TF's in its last bit)."""
    out = exact.astype(np.float32)
    libm = _libm() if xp is np and out.size <= _LIBM_MAX else None
    if libm is None:
        return out
    ulp = np.abs(np.spacing(out)).astype(np.float64)
    near = np.nonzero(np.abs(exact - out.astype(np.float64)) > band * ulp)[0]
    fn = getattr(libm, name)
    for i in near.tolist():
        out[i] = fn(float(args[i]))
    return out


def _box_muller(xp, u1, u2, dtype):
    """TF's BoxMullerFloat/Double: ``(sin, cos)(2 pi u2) * sqrt(-2 log u1)``, ``u1`` at least 1e-7
    (float32: ``2 pi u2`` rounded from double, as C++ evaluates it; log, sin and cos as the C
    library's ``logf``, ``sinf``, ``cosf``)."""
    if np.dtype(dtype) == np.float64:
        u1 = xp.maximum(u1, 1e-7)
        r = xp.sqrt(-2.0 * xp.log(u1))
        v = 2.0 * np.pi * u2
        return xp.stack([xp.sin(v) * r, xp.cos(v) * r], axis=-1)
    u1 = xp.maximum(u1, np.float32(1e-7))
    v = (2.0 * np.pi * u2.astype(np.float64)).astype(np.float32)
    log = _float32_as_libm(xp, xp.log(u1.astype(np.float64)), u1, "logf", 0.15)
    r = xp.sqrt((np.float32(-2.0) * log).astype(np.float64)).astype(np.float32)
    v64 = v.astype(np.float64)
    sin = _float32_as_libm(xp, xp.sin(v64), v, "sinf", 0.35)
    cos = _float32_as_libm(xp, xp.cos(v64), v, "cosf", 0.35)
    return xp.stack([sin * r, cos * r], axis=-1)


class PhiloxStream:
    """Numbers from TF's Philox stream at ``counter`` under ``key``, converted as TF's kernels do.

    Each draw takes the next blocks of the stream (``normal``, ``uniform`` and ``integers`` as
    TF's ``NormalDistribution``, ``UniformDistribution``; ``full_range_ints`` as
    ``UniformFullIntDistribution``). ``on_first(n)`` is called with the number of values of
    the first draw (a Generator advances its state by it); the other samplers (Poisson,
    permutations), and draws of more than ``TF_EXACT_MAX`` values, use the NumPy
    (CuPy) Philox generator keyed from the same place.
    """

    def __init__(self, key, counter, xp=None, on_first=None):
        self._key, self._pos = key % _U64, counter
        self._xp = backend.get_xp() if xp is None else xp
        self._on_first = on_first

    def _blocks(self, n_values, per_block):
        if self._on_first is not None:
            self._on_first(n_values)
            self._on_first = None
        n = -(-n_values // per_block)
        with np.errstate(over="ignore"):
            out = philox_blocks(self._xp, self._pos, self._key, n)
        self._pos += n
        return out

    def _fast(self, n):
        """The NumPy (CuPy) Philox stream at this place, for a draw of ``n`` values."""
        if self._on_first is not None:
            self._on_first(n)
            self._on_first = None
        fast = stream((self._key, self._pos % _U64), (0, 0, self._pos >> 64 & (_U64 - 1), 2), self._xp)
        self._pos += n
        return fast

    def normal(self, shape, dtype):
        xp, n = self._xp, int(np.prod(shape, dtype=np.int64))
        if n > TF_EXACT_MAX:
            return self._fast(n).normal(shape, dtype)
        if np.dtype(dtype) == np.float64:
            b = self._blocks(n, 2)
            z = _box_muller(xp, _unit_float64(xp, b[:, 0], b[:, 1]), _unit_float64(xp, b[:, 2], b[:, 3]), np.float64)
        else:
            u = _unit_float32(xp, self._blocks(n, 4).reshape(-1, 2))
            z = _box_muller(xp, u[:, 0], u[:, 1], np.float32).astype(dtype)
        return z.reshape(-1)[:n].reshape(shape)

    def truncated_normal(self, shape, dtype):
        """TF's TruncatedNormalDistribution: each group of outputs (4 float32, 2 float64) reads
        its own stretch of the stream (256 or 128 counters further on per group), takes
        Box-Muller values in order and keeps those under 2 in absolute value until the group is
        full."""
        xp, n = self._xp, int(np.prod(shape, dtype=np.int64))
        if n > TF_EXACT_MAX:
            fast = self._fast(n)
            z = fast.normal(shape, dtype)
            bad = xp.abs(z) >= 2.0                 # re-drawn until none is left
            while bool(bad.any()):
                z[bad] = fast.normal((int(bad.sum()),), dtype)
                bad = xp.abs(z) >= 2.0
            return z
        wide = np.dtype(dtype) == np.float64
        per_group = 2 if wide else 4
        groups = -(-n // per_group)
        if self._on_first is not None:
            self._on_first(n)
            self._on_first = None
        start, self._pos = self._pos, self._pos + groups * _RESERVED * per_group // 4
        out = xp.empty((groups, per_group), dtype=np.float64 if wide else np.float32)
        rows = xp.arange(groups, dtype=np.uint64)
        drawn = 0                                   # blocks read so far by every open group
        values = xp.empty((groups, 0), dtype=out.dtype)
        while rows.shape[0]:
            step = 2 if not drawn else 4            # two blocks fill a group almost always
            offsets = (rows[:, None] * np.uint64(_RESERVED * per_group // 4)
                       + xp.arange(drawn, drawn + step, dtype=np.uint64)[None, :]).reshape(-1)
            with np.errstate(over="ignore"):
                b = philox_at(xp, start, offsets, self._key).reshape(rows.shape[0], step * 4)
            if wide:
                b = b.reshape(-1, 4)
                z = _box_muller(xp, _unit_float64(xp, b[:, 0], b[:, 1]), _unit_float64(xp, b[:, 2], b[:, 3]),
                                np.float64)
            else:
                u = _unit_float32(xp, b.reshape(-1, 2))
                z = _box_muller(xp, u[:, 0], u[:, 1], np.float32)
            values = xp.concatenate([values, z.reshape(rows.shape[0], -1)], axis=1)
            drawn += step
            kept = (xp.abs(values) < 2.0).view(np.int8)
            full = kept.sum(axis=1, dtype=np.int16) >= per_group
            if bool(full.any()):
                done = xp.nonzero(full)[0]
                picked = xp.cumsum(kept[done], axis=1, dtype=np.int16) <= per_group
                take = kept[done].view(bool) & picked
                out[rows[done].astype(np.int64)] = values[done][take].reshape(-1, per_group)
            rows, values = rows[~full], values[~full]
        return out.reshape(-1)[:n].astype(dtype).reshape(shape)

    def uniform(self, shape, dtype):
        xp, n = self._xp, int(np.prod(shape, dtype=np.int64))
        if n > TF_EXACT_MAX:
            return self._fast(n).uniform(shape, dtype)
        if np.dtype(dtype) == np.float64:
            b = self._blocks(n, 2).reshape(-1, 2)
            u = _unit_float64(xp, b[:, 0], b[:, 1])
        elif np.dtype(dtype) == np.float16:
            u = _unit_float16(xp, self._blocks(n, 4).reshape(-1))
        else:
            u = _unit_float32(xp, self._blocks(n, 4).reshape(-1)).astype(dtype)
        return u[:n].reshape(shape)

    def _words64(self, n):
        b = self._blocks(n, 2).reshape(-1, 2)
        return (b[:, 0].astype(np.uint64) | (b[:, 1].astype(np.uint64) << np.uint64(32)))[:n]

    def integers(self, low, high, shape, dtype):
        """``low + bits % (high - low)``: 32 bits a value for 32-bit types, 64 for 64-bit ones."""
        n, dt = int(np.prod(shape, dtype=np.int64)), np.dtype(dtype)
        if n > TF_EXACT_MAX:
            return self._fast(n).integers(low, high, shape, dtype)
        span = int(high) - int(low)
        if dt.itemsize <= 4:
            bits = self._blocks(n, 4).reshape(-1)[:n]
            offset = (bits % np.uint32(span % 2 ** 32 or 2 ** 32)) if span < 2 ** 32 else bits
        else:
            bits = self._words64(n)
            offset = bits % np.uint64(span) if span < _U64 else bits
        with np.errstate(over="ignore"):
            out = (offset.astype(np.uint64) + np.uint64(int(low) % _U64)).astype(dt)
        return out.reshape(shape)

    def full_range_ints(self, shape, dtype):
        n, dt = int(np.prod(shape, dtype=np.int64)), np.dtype(dtype)
        if n > TF_EXACT_MAX:
            fast = self._fast(n)
            lo = fast.integers(0, 2 ** 32, shape, np.int64).astype(np.uint64)
            if dt.itemsize <= 4:
                return lo.astype(np.uint32).view(np.int32 if dt.kind == "i" else np.uint32).astype(dt)
            hi = fast.integers(0, 2 ** 32, shape, np.int64).astype(np.uint64)
            return ((hi << np.uint64(32)) | lo).view(dt)
        if dt.itemsize <= 4:
            return self._blocks(n, 4).reshape(-1)[:n].astype(dt).reshape(shape)
        return self._words64(n).view(dt).reshape(shape)

    def _numpy(self, n):
        if self._on_first is not None:
            self._on_first(n)
            self._on_first = None
        g = np.random.Generator(np.random.Philox(
            key=np.asarray([self._key, 0], np.uint64),
            counter=np.asarray([self._pos % _U64, self._pos >> 64 & (_U64 - 1), 0, 1], np.uint64)))
        self._pos += n
        return g

    def _to_device(self, arr):
        return arr if self._xp is np else self._xp.asarray(arr)

    def poisson(self, lam, shape):
        return self._to_device(self._numpy(int(np.prod(shape, dtype=np.int64))).poisson(backend.to_numpy(lam), size=shape))

    def poisson_tf(self, rate, num_samples):
        """TF's RandomPoissonV2 kernel: output ``i`` (``[num_samples, rates]``, filled rate by
        rate) reads its own stretch of the stream, 256 counters on; rates under 10 multiply
        uniforms (two a block, used last first) until the product falls to ``exp(-rate)``
        (Knuth), others take Hormann's transformed rejection (two uniforms a try, one block);
        in float64 whatever the dtypes, with the C library's ``exp``, ``log`` and ``lgamma``, as
        TF's. Every output's uniforms are drawn at once, try by try, for the outputs still open."""
        rate = backend.to_numpy(rate).reshape(-1).astype(np.float64)
        n_rate, n = rate.shape[0], int(num_samples)
        if self._on_first is not None:
            self._on_first(n * n_rate)
            self._on_first = None
        exp, log, lgamma = (np.frompyfunc(f, 1, 1) for f in _libm_functions(True))
        lam = np.repeat(rate, n)                 # output i = r_idx * n + s_idx, at counter 256 i on
        out = np.empty(lam.shape[0], dtype=np.float64)
        for first in range(0, lam.shape[0], _KERNEL_CHUNK):
            part = slice(first, first + _KERNEL_CHUNK)
            idx = np.arange(first, min(first + _KERNEL_CHUNK, lam.shape[0]), dtype=np.uint64)
            small = lam[part] < 10.0
            out[part][small] = self._knuth(lam[part][small], idx[small], exp)
            out[part][~small] = self._hormann(lam[part][~small], idx[~small], log, lgamma)
        self._pos += _RESERVED * n * n_rate
        return self._to_device(out.reshape(n_rate, n).T)

    def _uniform_pairs(self, counters):
        """TF's two float64 uniforms of the block at each of ``counters`` (offsets from here)."""
        with np.errstate(over="ignore"):
            b = philox_at(np, self._pos, counters, self._key)
        return _unit_float64(np, b[:, 0], b[:, 1]), _unit_float64(np, b[:, 2], b[:, 3])

    def _knuth(self, lam, idx, exp):
        """Knuth's counts for ``lam`` (each under 10) at the outputs ``idx``: every open output
        takes one uniform a step, the same one of the same block, so the steps go in lockstep."""
        out = np.zeros(lam.shape[0], dtype=np.float64)
        if not lam.shape[0]:
            return out
        exp_neg = _per_value(exp, -lam)
        prod = np.ones(lam.shape[0], dtype=np.float64)
        rows = np.arange(lam.shape[0])
        step = 0
        while rows.shape[0]:
            if step % 2 == 0:
                pair = self._uniform_pairs(idx[rows] * np.uint64(_RESERVED) + np.uint64(step // 2))
            u = pair[1 - step % 2]               # the block's last value first
            prod[rows] = prod[rows] * u
            done = prod[rows] <= exp_neg[rows]
            out[rows[done]] = step
            rows = rows[~done]
            if step % 2 == 0:
                pair = (pair[0][~done], pair[1][~done])
            step += 1
        return out

    def _hormann(self, lam, idx, log, lgamma):
        """Hormann's transformed rejection for ``lam`` (each at least 10) at the outputs ``idx``:
        try ``t`` of every open output reads its block ``t`` (``u`` the last value, ``v`` the
        first)."""
        out = np.empty(lam.shape[0], dtype=np.float64)
        if not lam.shape[0]:
            return out
        log_rate = _per_value(log, lam)
        b = 0.931 + 2.53 * np.sqrt(lam)
        a = -0.059 + 0.02483 * b
        inv_alpha = 1.1239 + 1.1328 / (b - 3.4)
        v_r = 0.9277 - 3.6224 / (b - 2.0)
        rows = np.arange(lam.shape[0])
        t = 0
        while rows.shape[0]:
            v, u = self._uniform_pairs(idx[rows] * np.uint64(_RESERVED) + np.uint64(t))
            u = u - 0.5
            lr, ar, br = lam[rows], a[rows], b[rows]
            us = 0.5 - np.abs(u)
            k = np.floor((2.0 * ar / us + br) * u + lr + 0.43)
            done = (us >= 0.07) & (v <= v_r[rows])
            test = np.nonzero(~done & ~((k < 0) | ((us < 0.013) & (v > us))))[0]
            if test.shape[0]:
                ut, bt = us[test], br[test]
                s = log(v[test] * inv_alpha[rows[test]] / (ar[test] / (ut * ut) + bt)).astype(np.float64)
                kt = k[test]
                tt = -lr[test] + kt * log_rate[rows[test]] - lgamma(kt + 1.0).astype(np.float64)
                done[test] = s <= tt
            out[rows[done]] = k[done]
            rows = rows[~done]
            t += 1
        return out

    def binomial_tf(self, counts, probs, num_samples, stateful=False):
        """TF's RandomBinomial kernel: output ``i`` (``[num_samples, batch]``, filled batch member
        by member) reads its own stretch of the stream: inversion (summed geometric waits, one
        uniform a step) 42 counters on where ``count * p < 10``, else Hormann's BTRS (two
        uniforms a try, one block) 256 counters on; ``p > 0.5`` draws ``count - X(1 - p)``. Each
        block's two float64 uniforms are used last first. The tests ``p <= 0`` and
        ``count * p >= 10`` are in the parameters' dtype, as TF's; the rest in float64 with the
        C library's ``log``. A Generator (``stateful``) moves on as TF's, as if drawing
        ``batch * 200 * (num_samples + 3) / 4`` values (256 counters each)."""
        counts, probs = backend.to_numpy(counts).reshape(-1), backend.to_numpy(probs).reshape(-1)
        n_b, n = counts.shape[0], int(num_samples)
        if self._on_first is not None:
            self._on_first(n_b * 2 * 100 * (n + 3) // 4 if stateful else 0)
            self._on_first = None
        t = probs.dtype.type
        cnt_t, prob_t = np.repeat(counts, n), np.repeat(probs, n)    # output i = b_idx * n + s_idx
        dcount = cnt_t.astype(np.float64)
        out = np.full(cnt_t.shape[0], np.nan)
        zero = (dcount <= 0.0) | (prob_t <= t(0))
        out[zero] = 0.0
        out[~zero & (prob_t >= t(1))] = dcount[~zero & (prob_t >= t(1))]
        open_ = ~zero & (prob_t < t(1))
        flip = open_ & (prob_t > t(0.5))
        q = np.where(flip, t(1) - prob_t, prob_t)
        with np.errstate(invalid="ignore", over="ignore"):
            big = (cnt_t.astype(t) * q) >= t(10)
        idx = np.arange(cnt_t.shape[0], dtype=np.uint64)
        dq = q.astype(np.float64)
        for sel, fn, reserve in ((open_ & big, self._btrs, _RESERVED), (open_ & ~big, self._inversion, 42)):
            rows = np.nonzero(sel)[0]
            if rows.shape[0]:
                x = fn(dcount[rows], dq[rows], idx[rows] * np.uint64(reserve))
                out[rows] = np.where(flip[rows], dcount[rows] - x, x)
        return self._to_device(out.reshape(n_b, n).T)

    def _inversion(self, count, prob, ctr):
        """Binomial inversion: geometric waits ``ceil(log(u) / log1p(-p))`` summed until they pass
        ``count``; the number before that."""
        out = np.zeros(count.shape[0])
        total = np.zeros(count.shape[0])
        denom = _libm_ufunc("log1p")(-prob)
        log = np.frompyfunc(math.log, 1, 1)
        rows = np.arange(count.shape[0])
        step = 0
        while rows.shape[0]:
            if step % 2 == 0:
                pair = self._uniform_pairs(ctr[rows] + np.uint64(step // 2))
            u = pair[1 - step % 2]
            with np.errstate(divide="ignore"):
                total[rows] += np.ceil(log(u).astype(np.float64) / denom[rows])
            done = total[rows] > count[rows]
            out[rows[~done]] += 1.0
            rows = rows[~done]
            if step % 2 == 0:
                pair = (pair[0][~done], pair[1][~done])
            step += 1
        return out

    def _btrs(self, count, prob, ctr):
        """Hormann's BTRS: try ``t`` reads block ``t`` (``u`` its last value, ``v`` its first)."""
        log = np.frompyfunc(math.log, 1, 1)
        stddev = np.sqrt(count * prob * (1 - prob))
        b = 1.15 + 2.53 * stddev
        a = -0.0873 + 0.0248 * b + 0.01 * prob
        c = count * prob + 0.5
        v_r = 0.92 - 4.2 / b
        r = prob / (1 - prob)
        alpha = (2.83 + 5.1 / b) * stddev
        m = np.floor((count + 1) * prob)
        out = np.empty(count.shape[0])
        rows = np.arange(count.shape[0])
        t = 0
        while rows.shape[0]:
            v, u = self._uniform_pairs(ctr[rows] + np.uint64(t))
            u = u - 0.5
            us = 0.5 - np.abs(u)
            ar, br = a[rows], b[rows]
            k = np.floor((2 * ar / us + br) * u + c[rows])
            done = (us >= 0.07) & (v <= v_r[rows])
            n_ = count[rows]
            test = np.nonzero(~done & (k >= 0) & (k <= n_))[0]
            if test.shape[0]:
                rw = rows[test]
                kt, nt, mt, rt, ut = k[test], count[rw], m[rw], r[rw], us[test]
                lv = log(v[test] * alpha[rw] / (ar[test] / (ut * ut) + br[test])).astype(np.float64)
                bound = ((mt + 0.5) * log((mt + 1) / (rt * (nt - mt + 1))).astype(np.float64)
                         + (nt + 1) * log((nt - mt + 1) / (nt - kt + 1)).astype(np.float64)
                         + (kt + 0.5) * log(rt * (nt - kt + 1) / (kt + 1)).astype(np.float64)
                         + _stirling_tail(mt) + _stirling_tail(nt - mt)
                         - _stirling_tail(kt) - _stirling_tail(nt - kt))
                done[test] = lv <= bound
            out[rows[done]] = k[done]
            rows = rows[~done]
            t += 1
        return out

    def permutation(self, n):
        return self._to_device(self._numpy(int(n)).permutation(int(n)))

    def shuffle_permutation(self, n):
        """TF's RandomShuffle: a Fisher-Yates shuffle of ``range(n)`` that swaps place ``i`` with
        ``i + w % (n - i)`` for the next 32-bit word ``w`` of the stream (``n - 1`` words;
        ``n`` values at most 1 draw none). Shuffles of more than ``_SHUFFLE_EXACT_MAX`` values
        use NumPy's Philox generator at the same place: not TF's order."""
        n = int(n)
        if n <= 1:
            return self._to_device(np.arange(n))
        if n - 1 > _SHUFFLE_EXACT_MAX:
            return self._to_device(self._numpy(n - 1).permutation(n))
        words = backend.to_numpy(self._blocks(n - 1, 4)).reshape(-1)[:n - 1].tolist()
        perm = list(range(n))
        for i, w in enumerate(words):
            j = i + w % (n - i)
            perm[i], perm[j] = perm[j], perm[i]
        return self._to_device(np.asarray(perm, dtype=np.int64))

    def gamma(self, alpha, num_samples, dtype):
        """TF's RandomGamma kernel, in float64 whatever ``dtype``: output ``i`` (``[num_samples,
        alphas]``, filled alpha by alpha) reads its own stretch of the stream, 256 counters on;
        ``alpha == 1`` gives ``-log1p(-u)``, other values Marsaglia and Tsang's rejection on
        normals and uniforms (two a block, used last first, the blocks taken in turn as each
        kind runs out), times ``u ** (1 / alpha)`` for ``alpha < 1``. ``log``, ``log1p`` and
        ``pow`` are the C library's, as TF's. Every output's first try is drawn at once; later
        tries go over the outputs still open."""
        alpha = backend.to_numpy(alpha).reshape(-1).astype(np.float64)
        n_alpha, n = alpha.shape[0], int(num_samples)
        if self._on_first is not None:
            self._on_first(n * n_alpha)
            self._on_first = None
        flat = np.repeat(alpha, n)               # output i = a_idx * n + s_idx, at counter 256 i on
        out = np.empty(flat.shape[0], dtype=np.float64)
        for first in range(0, flat.shape[0], _KERNEL_CHUNK):
            a = flat[first:first + _KERNEL_CHUNK]
            ctr = np.arange(first, first + a.shape[0], dtype=np.uint64) * np.uint64(_RESERVED)
            res = out[first:first + a.shape[0]]
            one = a == 1.0
            if one.any():
                res[one] = -_libm_ufunc("log1p")(-self._uniform_pairs(ctr[one])[1])
            rest = np.nonzero(~one)[0]
            if rest.shape[0]:
                res[rest] = self._marsaglia_tsang(a[rest], ctr[rest])
        self._pos += _RESERVED * n * n_alpha
        return self._to_device(out.reshape(n_alpha, n).T.astype(dtype))

    def _marsaglia_tsang(self, alpha, ctr):
        """Marsaglia and Tsang's samples for ``alpha`` (none 1) whose blocks start at the counter
        offsets ``ctr``: each output keeps its next counter and the value left of its last
        normal and uniform blocks, and every loop is one try of every open output."""
        m = alpha.shape[0]
        below = alpha < 1.0
        d = alpha + np.where(below, 2.0 / 3, -1.0 / 3)
        c = 1.0 / 3 / np.sqrt(d)
        ctr = ctr.copy()
        n_left, n_val = np.zeros(m, dtype=bool), np.empty(m)     # a normal left of the last block
        u_left, u_val = np.zeros(m, dtype=bool), np.empty(m)     # a uniform left
        out = np.empty(m)
        log = np.frompyfunc(math.log, 1, 1)

        def uniforms(rows):
            """The next uniform of each of ``rows``: the one left, else a new block's last."""
            u = u_val[rows]
            fresh = rows[~u_left[rows]]
            if fresh.shape[0]:
                first_val, last_val = self._uniform_pairs(ctr[fresh])
                ctr[fresh] += np.uint64(1)
                u[~u_left[rows]] = last_val
                u_val[fresh] = first_val
            u_left[rows] = ~u_left[rows]
            return u

        rows = np.arange(m)
        while rows.shape[0]:
            x = n_val[rows]
            fresh = rows[~n_left[rows]]
            if fresh.shape[0]:
                with np.errstate(over="ignore"):
                    b = philox_at(np, self._pos, ctr[fresh], self._key)
                z = _box_muller(np, _unit_float64(np, b[:, 0], b[:, 1]), _unit_float64(np, b[:, 2], b[:, 3]),
                                np.float64)
                ctr[fresh] += np.uint64(1)
                x[~n_left[rows]] = z[:, 1]
                n_val[fresh] = z[:, 0]
            n_left[rows] = ~n_left[rows]
            v = 1.0 + c[rows] * x
            pos = v > 0.0
            tried, x, v = rows[pos], x[pos], v[pos]
            v = v * v * v
            u = uniforms(tried)
            ok = u < 1.0 - 0.0331 * (x * x) * (x * x)
            test = np.nonzero(~ok)[0]
            if test.shape[0]:
                dt, vt, xt = d[tried[test]], v[test], x[test]
                ok[test] = (log(u[test]).astype(np.float64)
                            < 0.5 * xt * xt + dt * (1.0 - vt + log(vt).astype(np.float64)))
            done, res = tried[ok], d[tried[ok]] * v[ok]
            small = below[done]
            if small.any():
                res[small] = res[small] * _libm_ufunc("pow")(uniforms(done[small]), 1.0 / alpha[done[small]])
            out[done] = res
            still = np.ones(m, dtype=bool)
            still[done] = False
            rows = rows[still[rows]]
        return out

    def multinomial(self, logits, num_samples):
        """TF's Multinomial kernel on the CPU: for each row of ``logits`` (``[batch, classes]``),
        the running sum of ``exp(logit - max)`` over the finite logits in float64, and for each
        sample the first class whose running sum exceeds ``u * total`` (``u`` a 52-bit double from
        two words of the stream), the rows one after another. (TF's kernel splits rows over
        threads when ``batch * 50 * (num_samples * log2(classes) + classes)`` exceeds 10,000, and
        each thread then starts at its own place of the stream: there its numbers differ.)"""
        xp = self._xp
        batch, classes = logits.shape
        n = int(num_samples)
        if self._on_first is not None:          # TF reserves two words per sample, 4 samples a row
            self._on_first(batch * (-(-n // 4) * 4) * 2)
            self._on_first = None
        if batch * n == 0:
            return xp.zeros((batch, n), dtype=np.int64)
        b = self._blocks(batch * n * 2, 4).reshape(-1, 2)[:batch * n]
        u = _unit_float64(xp, b[:, 0], b[:, 1]).reshape(batch, n)
        lg = logits.astype(np.float64)
        finite = xp.isfinite(lg)
        lowest = float(np.finfo(logits.dtype).min) if logits.dtype.kind == "f" else float(np.iinfo(logits.dtype).min)
        top = xp.max(xp.where(finite, lg, lowest), axis=1, keepdims=True)
        with np.errstate(over="ignore", invalid="ignore"):
            cdf = xp.cumsum(xp.where(finite, xp.exp(lg - top), 0.0), axis=1)
        find = u * cdf[:, -1:]
        return xp.stack([xp.searchsorted(cdf[r], find[r], side="right") for r in range(batch)]).astype(np.int64)


_STIRLING_TAIL = np.array([0.0810614667953272, 0.0413406959554092, 0.0276779256849983, 0.02079067210376509,
                           0.0166446911898211, 0.0138761288230707, 0.0118967099458917, 0.0104112652619720,
                           0.00925546218271273, 0.00833056343336287])


def _stirling_tail(k):
    """``log(k!) - (k + 0.5) log(k + 1) + (k + 1) - log(sqrt(2 pi))``: tabulated to 9, else its
    series in ``1 / (k + 1)`` (TF's BTRS)."""
    kp1sq = (k + 1) * (k + 1)
    series = (1.0 / 12 - (1.0 / 360 - 1.0 / 1260 / kp1sq) / kp1sq) / (k + 1)
    return np.where(k <= 9, _STIRLING_TAIL[np.clip(k, 0, 9).astype(np.int64)], series)


def _libm_functions(wide):
    """``exp``, ``log`` and ``lgamma`` of the C library in float64 (``wide``) or float32."""
    if wide in _LIBM_FUNCTIONS:
        return _LIBM_FUNCTIONS[wide]
    libm = _libm()
    names = ("exp", "log", "lgamma") if wide else ("expf", "logf", "lgammaf")
    if libm is None:
        import scipy.special  # noqa: PLC0415  (only where the C library cannot be loaded)
        t = np.float64 if wide else np.float32
        return (lambda v: float(np.exp(t(v))), lambda v: float(np.log(t(v))),
                lambda v: float(scipy.special.gammaln(t(v))))
    out = []
    for name in names:
        fn = getattr(libm, name)
        ctype = ctypes.c_double if wide else ctypes.c_float
        fn.restype, fn.argtypes = ctype, [ctype]
        out.append(fn)
    _LIBM_FUNCTIONS[wide] = tuple(out)
    return _LIBM_FUNCTIONS[wide]


_LIBM_FUNCTIONS: dict = {}


def _per_value(fn, x):
    """``fn`` (a function of one float, over an object array) at ``x``, called once per distinct
    value (the rates repeat once per sample)."""
    values, where = np.unique(x, return_inverse=True)
    return fn(values).astype(np.float64)[where.reshape(x.shape)]


def _libm_ufunc(name):
    """``math``'s ``log1p`` or ``pow`` (the C library's) over arrays: NumPy's ufunc where it gives
    the same bits on a fixed probe of 65,536 inputs (NumPy's SIMD loops may round otherwise on
    some processors), else the ``math`` function value by value."""
    if name not in _LIBM_UFUNCS:
        fn, uf, arity = {"log1p": (math.log1p, np.log1p, 1), "pow": (math.pow, np.power, 2)}[name]
        rng = np.random.Generator(np.random.Philox(12345))
        probe = [-rng.random(1 << 16)] if arity == 1 else [rng.random(1 << 16), 1.0 / rng.uniform(1e-3, 1.0, 1 << 16)]
        scalar = np.frompyfunc(fn, arity, 1)
        same = np.array_equal(uf(*probe), scalar(*probe).astype(np.float64))
        _LIBM_UFUNCS[name] = uf if same else (lambda *args: scalar(*args).astype(np.float64))
    return _LIBM_UFUNCS[name]


_LIBM_UFUNCS: dict = {}


def _truncated_normal(source, shape, mean, stddev, dtype, opname):
    """Normal samples within two standard deviations of ``mean``, drawn as TF's kernel draws them."""
    dt = _out_dtype(dtype, _FLOATS, opname)
    dims = check_shape(shape, opname)
    wide = np.float64 if dt == np.float64 else np.float32
    z = draw(source, lambda st: st.truncated_normal(dims, wide).astype(dt, copy=False))
    return _loc_scale(z, mean, stddev, ("mean", "stddev"), opname)


class StatelessSource:
    """The source of a stateless sampler: a fresh stream of ``seed`` on each call (a
    ``wb.function`` replay reads the seed's value at that call)."""

    __slots__ = ("seed",)

    def __init__(self, seed):
        self.seed = seed

    def __call__(self):
        key, counter = key_counter_from_seed(_seed_pair(self.seed))
        return PhiloxStream(key, counter)


# ---------------------------------------------------------------------------
# Generator


class Generator:
    """A random number generator: an explicit object holding a Philox key and counter.

    ``state`` is an int64 Variable ``[counter_low, counter_high, key]`` (on the
    CPU), TF's layout; every sampling call draws from TF's Philox stream at (key,
    counter) and then advances the counter by 256 per value drawn, as TF does, so a
    seeded generator gives TF's numbers for ``normal``, ``uniform`` and
    ``uniform_full_int`` (and TF's ``split``/``make_seeds``).

    >>> g = wb.random.Generator.from_seed(1234)
    >>> x = g.normal([2, 3])
    >>> wb.random.Generator.from_seed(1234).normal([2, 3]).numpy().tolist() == x.numpy().tolist()
    True
    """

    def __init__(self, copy_from=None, state=None, alg=None):
        if copy_from is not None:
            if not isinstance(copy_from, Generator):
                raise TypeError(f"Generator: copy_from must be a Generator, got {type(copy_from).__name__}")
            state = copy_from.state.numpy()
            alg = copy_from.algorithm
        elif state is None:
            raise ValueError("Generator: give copy_from or state, or use Generator.from_seed / "
                             "Generator.from_non_deterministic_state")
        self._alg = _check_alg(alg)
        # made inside a distribution strategy's scope (or run): each replica's draws use a key
        # hashed with its replica id, as TF's generators do (``_replica_key``)
        active = core.distribution()
        self._strategy_ref = weakref.ref(active) if active is not None else None
        with backend.device("cpu"):
            self._state = core.Variable(_state_array(state), trainable=False, name="StateVar")

    # -- construction -----------------------------------------------------
    @classmethod
    def from_seed(cls, seed, alg=None):
        """A generator whose stream is a function of ``seed``, with TF's state: an integer is cut
        into 64-bit words from the counter on (``1`` gives ``[1, 0, 0]``); a list of integers
        fills the state from its end (``[1]`` gives ``[0, 0, 1]``)."""
        return cls(state=_state_from_seed(seed), alg=alg)

    @classmethod
    def from_non_deterministic_state(cls, alg=None):
        """A generator whose state is drawn from operating-system entropy."""
        words = np.random.SeedSequence().generate_state(3, np.uint64)
        return cls(state=[int(w) for w in words], alg=alg)

    @classmethod
    def from_key_counter(cls, key, counter, alg=None):
        """A generator from a key (an integer) and a counter (one or two integers)."""
        return cls(state=_key_counter_state(key, counter), alg=alg)

    @classmethod
    def from_state(cls, state, alg=None):
        return cls(state=state, alg=alg)

    @core.effect
    def reset(self, state):
        """Set the state (``[counter_low, counter_high, key]``)."""
        self._state.assign(_state_array(state))

    @core.effect
    def reset_from_seed(self, seed):
        """Restart the stream as ``Generator.from_seed(seed)`` would."""
        self.reset(_state_from_seed(seed))

    @core.effect
    def reset_from_key_counter(self, key, counter):
        self.reset(_key_counter_state(key, counter))

    # -- state ------------------------------------------------------------
    @property
    def state(self) -> core.Variable:
        """The int64 state Variable ``[counter_low, counter_high, key]``."""
        return self._state

    @property
    def algorithm(self) -> Algorithm:
        return self._alg

    @property
    def key(self) -> Tensor:
        return core.wrap(self._state._data[2:3].copy().reshape(()))

    @core.effect
    def skip(self, delta):
        """Advance the state as drawing ``delta`` values would (TF's ``skip``)."""
        self._advance(int(delta) * _RESERVED)

    def _counter(self):
        s = self._state._data
        return (int(s[0]) % _U64) + ((int(s[1]) % _U64) << 64)

    def _advance(self, delta):
        c = (self._counter() + delta) % (_U64 * _U64)
        s = self._state._data
        s[0] = np.uint64(c % _U64).view(np.int64)
        s[1] = np.uint64(c >> 64).view(np.int64)

    def _next_stream(self, xp=None):
        """The stream for this call; its first draw advances the counter by 256 per value."""
        key = self._replica_key(int(self._state._data[2]) % _U64)
        return PhiloxStream(key, self._counter(), xp, lambda n: self._advance(n * _RESERVED))

    def _replica_key(self, key):
        """``key`` as the replica running now uses it: for a generator made under a strategy and
        drawn from inside its ``run``, TF's hash of the key with the replica id (one 64-bit
        word of the Philox stream at counter ``[replica_id, 0]`` under ``key``), so every
        replica has its own stream; ``key`` itself elsewhere (and for a generator made outside
        any strategy, whose replicas draw from the one stream in turn)."""
        strategy = self._strategy_ref() if self._strategy_ref is not None else None
        if strategy is None:
            return key
        active = core.distribution()
        if active is not None and active is not strategy:
            raise RuntimeError(f"Mixing different tf.distribute.Strategy objects: {active!r} is not "
                               f"{strategy!r} (this Generator was made under the second; use it "
                               "under that strategy, or outside any)")
        replica_id = strategy.current_replica_id()
        if replica_id is None:
            return key
        return int(PhiloxStream(key, int(replica_id), np).full_range_ints((1,), np.uint64)[0])

    # -- sampling ---------------------------------------------------------
    def normal(self, shape, mean=0.0, stddev=1.0, dtype=np.float32, name=None):
        """Normal samples of ``shape``; ``mean``/``stddev`` broadcast to it."""
        return sample_normal(self._next_stream, shape, mean, stddev, dtype, "Generator.normal")

    def truncated_normal(self, shape, mean=0.0, stddev=1.0, dtype=np.float32, name=None):
        """Normal samples re-drawn until within two standard deviations of the mean."""
        return _truncated_normal(self._next_stream, shape, mean, stddev, dtype, "Generator.truncated_normal")

    def uniform(self, shape, minval=0, maxval=None, dtype=np.float32, name=None):
        """Uniform samples in ``[minval, maxval)`` (``maxval`` defaults to 1 for floats;
        integer dtypes need it, or neither bound for the full range)."""
        return sample_uniform(self._next_stream, shape, minval, maxval, dtype, "Generator.uniform")

    def uniform_full_int(self, shape, dtype=np.uint64, name=None):
        """Integers over the whole range of ``dtype`` (int32, int64, uint32 or uint64)."""
        dims = check_shape(shape, "Generator.uniform_full_int")
        dt = dtypes.as_dtype(dtype)
        if dt.name not in ("int32", "int64", "uint32", "uint64"):
            raise TypeError(f"Generator.uniform_full_int: dtype must be int32, int64, uint32 or uint64, "
                            f"got {dt}")
        return draw(self._next_stream, lambda st: st.full_range_ints(dims, dt))

    def binomial(self, shape, counts, probs, dtype=np.int32, name=None):
        """Binomial counts of ``shape``; ``counts`` and ``probs`` broadcast to its rightmost dims.
        TF's StatefulRandomBinomial numbers and state."""
        return sample_binomial_tf(self._next_stream, shape, counts, probs, dtype, "Generator.binomial", stateful=True)

    def gamma(self, shape, alpha, beta=None, dtype=np.float32, name=None):
        """Gamma samples of ``shape`` (which ``alpha``/``beta`` broadcast to, as in
        ``stateless_gamma``); differentiable in ``alpha`` and ``beta``."""
        return sample_gamma(self._next_stream, shape, alpha, beta, dtype, "Generator.gamma")

    def poisson(self, shape, lam, dtype=np.int32, name=None):
        """Poisson counts of ``shape`` (``lam`` broadcasts to it, as in ``stateless_poisson``)."""
        return sample_poisson(self._next_stream, shape, lam, dtype, "Generator.poisson")

    def categorical(self, logits, num_samples, dtype=None, name=None):
        """Class indices, shape ``[batch_size, num_samples]``, from ``logits`` ``[batch_size, num_classes]``."""
        return sample_categorical(self._next_stream, logits, num_samples, dtype, "Generator.categorical")

    @core.effect
    def make_seeds(self, count=1):
        """``count`` seeds for stateless functions: an int64 tensor of shape ``[2, count]``,
        ``count`` drawn keys over zeros (TF's)."""
        keys = self._next_stream(np).full_range_ints((int(count),), np.int64)
        return core.wrap(core.to_array(np.stack([keys, np.zeros_like(keys)])))

    def split(self, count=1):
        """``count`` new generators, each keyed by a value drawn from this one (counters at 0,
        as TF's)."""
        keys = self._next_stream(np).full_range_ints((int(count),), np.int64)
        return [Generator(state=[0, 0, int(k)], alg=self._alg) for k in keys]

    def __repr__(self):
        s = self._state._data
        return f"<wb.random.Generator alg={self._alg.name.lower()} state={s.tolist()}>"


def _int_list(value, what):
    """Python ints from an int, a list of ints (any size), or an integer array or tensor."""
    if isinstance(value, Tensor):
        value = value.numpy()
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "iu":
            raise TypeError(f"Generator: {what} must be integers, got dtype {value.dtype}")
        return [int(v) for v in value.ravel().tolist()]
    vals = list(value) if isinstance(value, (list, tuple)) else [value]
    if not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in vals):
        raise TypeError(f"Generator: {what} must be integers, got {value!r}")
    return [int(v) for v in vals]


def _state_array(state):
    vals = _int_list(state, "state")
    if len(vals) != 3:
        raise ValueError(f"Generator: state must be 3 integers [counter_low, counter_high, key], "
                         f"got {vals!r}")
    return np.asarray([v % _U64 for v in vals], np.uint64).view(np.int64)


def _state_from_seed(seed):
    """TF's ``create_rng_state``: an integer cut into 64-bit words (lowest first, then zeros); a
    list or array of integers, its first three, padded with zeros on the left."""
    vals = _int_list(seed, "seed")
    if not isinstance(seed, (list, tuple, np.ndarray, Tensor)) or (
            isinstance(seed, (np.ndarray, Tensor)) and seed.ndim == 0):
        value, words = vals[0], []
        for _ in range(3):     # Python's >> keeps a negative number's sign: -1 gives three -1 words
            words.append(value & (_U64 - 1))
            value >>= 64
        return words
    vals = vals[:3]
    return [0] * (3 - len(vals)) + vals


def create_rng_state(seed, alg):
    """TF's ``tf.random.create_rng_state``: the int64 state a ``Generator`` of algorithm ``alg``
    starts from for ``seed`` (3 words for 'philox' and 'auto_select', 2 for 'threefry'): an
    integer cut into 64-bit words, lowest first; a list, its first words, zero-padded on the left.

    >>> wb.random.create_rng_state(1234, "philox").numpy()
    array([1234,    0,    0])
    """
    if isinstance(alg, str) and alg.strip().upper() in Algorithm.__members__:
        alg = Algorithm[alg.strip().upper()]
    elif isinstance(alg, (int, np.integer)) and int(alg) in (1, 2, 3):
        alg = Algorithm(int(alg))
    if not isinstance(alg, Algorithm):
        raise ValueError(f"create_rng_state: alg must be 'philox', 'threefry' or 'auto_select' (or "
                         f"an Algorithm), got {alg!r}")
    size = 2 if alg is Algorithm.THREEFRY else 3
    vals = _int_list(seed, "seed")
    if not isinstance(seed, (list, tuple, np.ndarray, Tensor)) or (
            isinstance(seed, (np.ndarray, Tensor)) and seed.ndim == 0):
        value, words = vals[0], []
        for _ in range(size):
            words.append(value & (_U64 - 1))
            value >>= 64
    else:
        words = [v % _U64 for v in vals[:size]]
        words = [0] * (size - len(words)) + words
    return convert_to_tensor(np.asarray(words, np.uint64).view(np.int64))


def _key_counter_state(key, counter):
    c = _int_list(counter, "counter")
    k = _int_list(key, "key")
    if len(c) not in (1, 2) or len(k) != 1:
        raise ValueError(f"Generator: key must be one integer and counter one or two, "
                         f"got key={key!r}, counter={counter!r}")
    return [c[0], c[1] if len(c) == 2 else 0, k[0]]


# ---------------------------------------------------------------------------
# The global generator and TF's op seeds

_global_generator: Generator | None = None
_own_generator: Generator | None = None  # the global generator when this module created it
_global_seed: int | None = None
_MAXINT32 = 2 ** 31 - 1
# TF's eager context: op seeds for ops without one while a global seed is set, a
# ``random.Random(global_seed)`` sequence (``context.internal_operation_seed``)
_op_seed_rng = pyrandom.Random(None)
# TF's cached eager kernels of the stateful random ops: ``(kernel, dtype, seed, seed2)`` -> the
# kernel's Philox counter (``set_seed`` clears them, as TF clears its kernel cache)
_kernel_counters: dict = {}
# kernels remembered at most: with a global seed and no op seed every call makes a new one, as in
# TF (whose cache keeps them all); one forgotten here differs from TF's only if its pair of seeds
# comes again
_MAX_KERNELS = 1 << 16


def get_global_generator() -> Generator:
    """The generator module functions use; created from OS entropy on first use."""
    global _global_generator, _own_generator
    if _global_generator is None:
        _global_generator = _own_generator = _unbound(Generator.from_non_deterministic_state)
    return _global_generator


def _unbound(make):
    """``make()`` (a module-level generator: the global one, an op seed's) outside any strategy
    scope: it belongs to no strategy (made first inside one, it would be refused under any
    other) and its state is not mirrored across replicas."""
    prev = core.set_distribution(None)
    # made eagerly, outside a wb.function being traced (TF's init_scope): its state variable is
    # no variable the function creates (which a trace refuses on later calls)
    tracer = core.set_tracer(None)
    try:
        return make()
    finally:
        core.set_tracer(tracer)
        core.set_distribution(prev)


def set_global_generator(generator):
    """Replace the global generator (functions keep using the object they were given)."""
    global _global_generator
    if not isinstance(generator, Generator):
        raise TypeError(f"set_global_generator: expected a Generator, got {type(generator).__name__}")
    _global_generator = generator


def set_seed(seed):
    """TF's ``tf.random.set_seed``: reseed the global generator and restart every op seed's numbers.

    Module functions (``wb.random.uniform``, ``normal``, ``truncated_normal``, ...)
    follow TF's eager rules (``random_seed.get_seed``): an op ``seed`` with no global
    seed runs under TF's default global seed 87654321; with a global seed ``s``, an
    op without ``seed`` takes the next value of a ``random.Random(s)`` sequence as
    its op seed. The pair ``(global, op)`` keys TF's Philox stream (key = the global
    seed, counter = the op seed shifted 64 bits), one stream per op and dtype, which
    advances by 256 counters per value drawn across calls; ``set_seed`` restarts them
    all. Uniform, normal and truncated normal numbers are TF 2.21's; the other ops
    keep TF's seed rules with their own algorithms. With neither seed, draws come
    from the global generator. A generator installed with :func:`set_global_generator`
    is not reseeded: a new one takes its place. Inside a ``wb.function``, TF's graph rule
    holds instead: the function's graph keeps the global seed of its trace, an op without
    ``seed`` takes the graph's count of such ops (0, 1, ...) as its op seed, and each op's
    stream goes on across calls; ``set_seed`` between calls restarts those streams (no
    retrace), and inside a trace it sets only the graph's seed.

    >>> wb.random.set_seed(5)
    >>> wb.random.uniform([3], seed=5).numpy()
    array([0.15474987, 0.85654056, 0.84221935], dtype=float32)
    >>> wb.random.uniform([3]).numpy()
    array([0.6263931, 0.5298432, 0.7584572], dtype=float32)
    """
    global _global_seed, _global_generator, _own_generator, _op_seed_rng
    value = None if seed is None else argcheck.integer(seed, "seed", "set_seed")
    graph = _local.graph
    if graph is not None:   # inside a wb.function: the function graph's seed, as TF's graph mode
        graph.seed = value
        return
    _global_seed = value
    if seed is not None:
        state = _state_array(_state_from_seed(seed))
    else:
        state = _state_array([int(w) for w in np.random.SeedSequence().generate_state(3, np.uint64)])
    # the module's own generator is reseeded in place, so that wb.function programs
    # (which hold the generator objects they drew from when traced) follow the new seed too;
    # no variable is made here when there is one to reseed (set_seed inside a wb.function)
    if _global_generator is not None and _global_generator is _own_generator:
        _global_generator._state.assign(state)
    else:
        _global_generator = _own_generator = _unbound(lambda: Generator(state=state))
    _op_seed_rng = pyrandom.Random(_global_seed)
    _kernel_counters.clear()
    _restart_function_kernels()


def get_seed(op_seed):
    """TF's ``random_seed.get_seed``: the ``(seed, seed2)`` an op runs with, or None where
    neither a global nor an op seed is set. Each call without ``op_seed`` under a global seed
    takes the next op seed: in eager mode, the next value of the global seed's sequence; while
    a ``wb.function`` is traced, the count of such ops traced so far in its graph (0, 1, ...),
    under the seed the graph took when its tracing began."""
    graph = _local.graph
    global_seed = _global_seed if graph is None else graph.seed
    if global_seed is not None:
        if op_seed is None:
            if graph is None:
                op_seed = _op_seed_rng.randint(0, _MAXINT32)
            else:
                op_seed = graph.next_op_seed
                graph.next_op_seed += 1
        seeds = (global_seed % _MAXINT32, op_seed % _MAXINT32)
    elif op_seed is not None:
        seeds = (_DEFAULT_GLOBAL_SEED, op_seed % _MAXINT32)
    else:
        return None
    return (0, _MAXINT32) if seeds == (0, 0) else seeds


class _KernelSource:
    """The source of a module function's draw: the stream of TF's kernel for ``kernel`` (an op
    and dtype) under the op's seeds, or the global generator's with neither seed. In eager
    mode the seeds are taken at each call and the kernel is TF's cached one for them; made
    while a ``wb.function`` is traced, the source is one op of the function's graph: its seeds
    are fixed then, and its kernel is its own (see :class:`FunctionSeeds`)."""

    __slots__ = ("kernel", "op_seed", "seeds", "owner", "entry")

    def __init__(self, kernel, op_seed):
        self.kernel, self.op_seed = kernel, op_seed
        graph = _local.graph
        self.owner = None if graph is None else graph.owner
        if graph is not None:
            self.seeds = get_seed(op_seed)
            self.entry = (graph.owner.take_position(), kernel, self.seeds)

    def _counters(self, n):
        """The Philox counters TF's kernel reserves for a draw of ``n`` values (words, for a
        shuffle: ``ReserveSamples32``; ``ReserveRandomOutputs(n, 256)`` otherwise)."""
        return -(-n // 4) if self.kernel[0] == "RandomShuffle" else n * _RESERVED

    def __call__(self, xp=None):
        if self.owner is not None:
            return self._graph_stream(xp)
        seeds = get_seed(self.op_seed)
        if seeds is None:
            return get_global_generator()._next_stream(xp)
        entry = (self.kernel,) + seeds
        counter = _kernel_counters.get(entry, seeds[1] << 64)

        def reserve(n, entry=entry, counter=counter):
            _kernel_counters[entry] = (counter + self._counters(n)) % (_U64 * _U64)
            if len(_kernel_counters) > _MAX_KERNELS:   # the oldest goes (a fresh op seed each call)
                del _kernel_counters[next(iter(_kernel_counters))]
        return PhiloxStream(seeds[0], counter, xp, reserve)

    def _graph_stream(self, xp):
        seeds = self.seeds
        if seeds is None:   # no seed at all: TF's kernel seeds itself at random
            return get_global_generator()._next_stream(xp)
        kernels = self.owner.kernels()
        counter = kernels.get(self.entry, seeds[1] << 64)

        def reserve(n, entry=self.entry, counter=counter):
            kernels[entry] = (counter + self._counters(n)) % (_U64 * _U64)
        return PhiloxStream(seeds[0], counter, xp, reserve)


# ---------------------------------------------------------------------------
# TF's seeds inside a wb.function. TF traces a function into a graph that takes the global
# seed when its tracing begins (a nested function's graph, its caller's); an op without a
# seed takes the graph's count of such ops as its op seed (0, 1, ...: the same ops in two
# functions give the same numbers); each op has a kernel of its own, whose stream the calls
# of the function continue, and which ``set_seed`` restarts (TF clears its caches) without
# changing the graph's seed (the function is not traced again).

class _Local(threading.local):
    graph = None          # the _Graph this thread traces, or None (eager)
    kernel_scope = None   # see swap_kernel_scope


_local = _Local()
_kernels_epoch = 0        # set_seed's count: function kernels of an older epoch restart


def _restart_function_kernels():
    global _kernels_epoch
    _kernels_epoch += 1


def swap_kernel_scope(scope):
    """Make ``scope`` (a dict, or None) this thread's kernel scope and return the one before: while
    a scope is set, the random ops of functions keep their kernels' counters in it, one set per
    function (tf.data: each iterator instantiates its functions' kernels anew, so each iterator of a
    dataset whose map draws with seeds repeats the same numbers)."""
    prev = _local.kernel_scope
    _local.kernel_scope = scope
    return prev


class FunctionSeeds:
    """The random state of one concrete ``wb.function``: the global seed when its tracing
    began (its graph's seed) and the Philox counter of each random op's kernel, keyed by the
    op's place in the trace (so the programs of one concrete function, one per input shape,
    continue the same streams)."""

    __slots__ = ("seed", "positions", "_kernels", "_epoch")

    def __init__(self):
        self.seed = _global_seed
        self.positions = 0          # random ops traced so far in the current trace
        self._kernels: dict = {}
        self._epoch = _kernels_epoch

    def take_position(self):
        self.positions += 1
        return self.positions - 1

    def kernels(self):
        """The op kernels' counters (emptied when ``set_seed`` ran since they were last used); the
        kernel scope's set for this function where one is set (see :func:`swap_kernel_scope`)."""
        scope = _local.kernel_scope
        if scope is not None:
            kernels = scope.get(self)
            if kernels is None:
                kernels = scope[self] = {}
            return kernels
        if self._epoch != _kernels_epoch:
            self._kernels.clear()
            self._epoch = _kernels_epoch
        return self._kernels


class _Graph:
    __slots__ = ("seed", "next_op_seed", "owner")

    def __init__(self, seed, owner):
        self.seed, self.next_op_seed, self.owner = seed, 0, owner


class function_graph:
    """Context of one ``wb.function`` trace (or of a call that runs its body in its place):
    random ops follow TF's graph-mode seeds. ``owner()`` gives the :class:`FunctionSeeds` of
    the concrete function; it is asked only outside another function's graph: inside one, this
    is a nested graph (a nested function's, a branch's or a loop body's: its ops are the
    outermost function's, with op seeds counted from 0 again under its caller's seed), and
    ``owner`` may be None (then, outside any graph, the context does nothing). ``undo``: the
    kernels' counters are put back at the end (code TF would not run: a ``get_concrete_function``
    trace, a branch traced but not taken)."""

    __slots__ = ("_owner", "_undo", "_prev", "_saved")

    def __init__(self, owner=None, undo=False):
        self._owner, self._undo = owner, undo

    def __enter__(self):
        prev = self._prev = _local.graph
        self._saved = None
        if prev is not None:
            owner, seed = prev.owner, prev.seed
        elif self._owner is None:
            return self
        else:
            owner = self._owner()
            owner.positions = 0
            seed = owner.seed
        if self._undo:
            self._saved = dict(owner.kernels())
        _local.graph = _Graph(seed, owner)
        return self

    def __exit__(self, *exc):
        if self._saved is not None:
            kernels = _local.graph.owner.kernels()
            kernels.clear()
            kernels.update(self._saved)
        _local.graph = self._prev
        return False


class graph_call:
    """``fn``, a call a ``wb.function`` program runs again at each replay (a stateful call),
    made while a function is traced: each run's random ops form a graph of their own (op
    seeds counted from 0 under the traced graph's seed, kernels whose streams go on from run
    to run), so the trace's run and the replays follow one rule. ``drew`` says whether the
    last run made random ops."""

    __slots__ = ("_fn", "_owner")

    def __init__(self, fn):
        self._fn = fn
        graph = _local.graph
        self._owner = None
        if graph is not None:
            self._owner = FunctionSeeds()
            self._owner.seed = graph.seed

    @property
    def drew(self):
        return self._owner is not None and self._owner.positions > 0

    def __call__(self, *args, **kwargs):
        owner = self._owner
        if owner is None:
            return self._fn(*args, **kwargs)
        prev = _local.graph
        owner.positions = 0
        _local.graph = _Graph(owner.seed, owner)
        try:
            return self._fn(*args, **kwargs)
        finally:
            _local.graph = prev


class _OpSeeded:
    """The samplers of TF's stateful random ops under an op ``seed`` (None: the global seed's
    sequence, or the global generator): what :func:`op_generator` returns."""

    __slots__ = ("_seed",)

    def __init__(self, seed):
        self._seed = seed

    def _source(self, op, dtype):
        return _KernelSource((op, np.dtype(dtypes.np_dtype(dtype)).name), self._seed)

    def normal(self, shape, mean=0.0, stddev=1.0, dtype=np.float32, name=None):
        return sample_normal(self._source("RandomStandardNormal", dtype), shape, mean, stddev, dtype, "normal")

    def truncated_normal(self, shape, mean=0.0, stddev=1.0, dtype=np.float32, name=None):
        return _truncated_normal(self._source("TruncatedNormal", dtype), shape, mean, stddev, dtype,
                                 "truncated_normal")

    def uniform(self, shape, minval=0, maxval=None, dtype=np.float32, name=None):
        dt = dtypes.as_dtype(dtype)
        op = "RandomUniform" if dt.kind == "f" else (
            "RandomUniformInt" if minval is not None or maxval is not None else "RandomUniformFullInt")
        return sample_uniform(self._source(op, dtype), shape, minval, maxval, dtype, "uniform")

    def gamma(self, shape, alpha, beta=None, dtype=np.float32, name=None):
        """``shape`` is the whole output's (the samples' then the parameters' dimensions)."""
        return sample_gamma_tf(self._source("RandomGamma", dtype), shape, alpha, beta, dtype, "gamma")

    def poisson(self, shape, lam, dtype=np.float32, name=None):
        """``shape`` is the whole output's (the samples' then ``lam``'s dimensions)."""
        rate = lam.dtype.name if isinstance(lam, Tensor) else "float32"
        kernel = ("RandomPoissonV2", f"{rate}->{np.dtype(dtypes.np_dtype(dtype)).name}")
        return sample_poisson_tf(_KernelSource(kernel, self._seed), shape, lam, dtype, "poisson")

    def categorical(self, logits, num_samples, dtype=None, name=None):
        lg = convert_to_tensor(logits)
        kernel = ("Multinomial", f"{lg.dtype.name}->{np.dtype(dtypes.np_dtype(dtype or np.int64)).name}")
        return sample_categorical(_KernelSource(kernel, self._seed), lg, num_samples, dtype, "categorical")

    def shuffle(self, x):
        """``x`` with its first dimension permuted by TF's RandomShuffle kernel."""
        n = x.shape[0]
        perm = draw(_KernelSource(("RandomShuffle", x.dtype.name), self._seed), lambda st: st.shuffle_permutation(n))
        return gather(x, perm)


def op_generator(seed):
    """The samplers behind an op-level ``seed`` (None: TF's global-seed rule), with the
    methods of a :class:`Generator` that module functions use."""
    if seed is not None:
        seed = argcheck.integer(seed, "seed", "wb.random")
    return _OpSeeded(seed)


def _drawn(out, shape):
    """``out``, a draw of ``shape``, with TF's static shape in a trace: None for each size an
    argument decides (a shape tensor's entries), unknown rank for a shape of open length; the
    sizes the parameters add (gamma's ``alpha``) as drawn."""
    if core.tracing():
        known = core.static_value(shape)
        if known is None:
            core.static_result(out, None)
        elif known is not False and None in known:
            core.static_result(out, tuple(known) + tuple(out.shape[len(known):]))
    return out


def _categorical_static(out, logits, num_samples):
    """``out``, ``[batch, num_samples]`` class indices, with TF's static shape in a trace."""
    if core.tracing():
        lead = logits._static_shape() if isinstance(logits, Tensor) else None
        batch = None if lead is None or lead.rank != 2 else lead.as_list()[0]
        n = core.static_value(num_samples)
        if batch is None or n is None:
            core.static_result(out, (batch, n))
    return out


# ---------------------------------------------------------------------------
# Stateless functions


def stateless_normal(shape, seed, mean=0.0, stddev=1.0, dtype=np.float32, name=None, alg="auto_select"):
    """Normal samples of ``shape``, a pure function of ``seed`` (shape [2]) on a device.

    >>> a = wb.random.stateless_normal([3], seed=[1, 2])
    >>> bool((a.numpy() == wb.random.stateless_normal([3], seed=[1, 2]).numpy()).all())
    True
    """
    _check_alg(alg)
    return _drawn(sample_normal(StatelessSource(seed), shape, mean, stddev, dtype, "stateless_normal"), shape)


def stateless_truncated_normal(shape, seed, mean=0.0, stddev=1.0, dtype=np.float32, name=None,
                               alg="auto_select"):
    """Normal samples within two standard deviations of ``mean``, a function of ``seed``."""
    _check_alg(alg)
    return _drawn(_truncated_normal(StatelessSource(seed), shape, mean, stddev, dtype, "stateless_truncated_normal"),
                  shape)


def stateless_uniform(shape, seed, minval=0, maxval=None, dtype=np.float32, name=None, alg="auto_select"):
    """Uniform samples in ``[minval, maxval)``, a function of ``seed``.

    Floats default to ``[0, 1)``; integer dtypes need both bounds, or neither for
    the full range of the dtype (TF's rule).
    """
    _check_alg(alg)
    dt = dtypes.as_dtype(dtype)
    if dt.kind in "iu" and minval is None and maxval is None:
        dims = check_shape(shape, "stateless_uniform")
        if dt.name not in ("int32", "int64", "uint32", "uint64"):
            raise TypeError(f"stateless_uniform: dtype {dt} is not supported; expected int32, int64, "
                            "uint32 or uint64 for the full range")
        return _drawn(draw(StatelessSource(seed), lambda st: st.full_range_ints(dims, dt)), shape)
    return _drawn(sample_uniform(StatelessSource(seed), shape, minval, maxval, dtype, "stateless_uniform"), shape)


def stateless_gamma(shape, seed, alpha, beta=None, dtype=np.float32, name=None):
    """Gamma(``alpha``, rate ``beta``) samples of ``shape``, a function of ``seed``.

    ``alpha`` and ``beta`` broadcast to the rightmost dimensions of ``shape``.
    TF's StatelessRandomGammaV3 numbers. Differentiable with respect to
    ``alpha`` (TF's implicit reparameterization gradient ``-(dF/dalpha) / f``,
    ``F`` and ``f`` the gamma CDF and density at the sample) and ``beta``.

    >>> wb.random.stateless_gamma([10, 2], seed=[12, 34], alpha=[0.5, 1.5]).shape
    (10, 2)
    """
    return _drawn(sample_gamma_tf(StatelessSource(seed), shape, alpha, beta, dtype, "stateless_gamma"), shape)


def stateless_poisson(shape, seed, lam, dtype=np.int32, name=None):
    """Poisson counts of ``shape`` (``lam`` broadcasts to its rightmost dims), a function of ``seed``:
    TF's StatelessRandomPoisson numbers."""
    return _drawn(sample_poisson_tf(StatelessSource(seed), shape, lam, dtype, "stateless_poisson"), shape)


def stateless_binomial(shape, seed, counts, probs, output_dtype=np.int32, name=None, dtype=None):
    """Binomial counts of ``shape``, a function of ``seed`` (TF's argument is ``output_dtype``):
    TF's StatelessRandomBinomial numbers."""
    return _drawn(sample_binomial_tf(StatelessSource(seed), shape, counts, probs,
                                     output_dtype if dtype is None else dtype, "stateless_binomial"), shape)


def stateless_categorical(logits, num_samples, seed, dtype=np.int64, name=None):
    """Class indices ``[batch_size, num_samples]`` drawn from ``softmax(logits)``, a function of ``seed``."""
    return _categorical_static(sample_categorical(StatelessSource(seed), logits, num_samples, dtype,
                                                  "stateless_categorical"), logits, num_samples)


# ---------------------------------------------------------------------------
# Module functions (global generator, or TF's op-seed sequences)


def normal(shape, mean=0.0, stddev=1.0, dtype=np.float32, seed=None, name=None):
    """Normal samples of ``shape`` (TF's ``tf.random.normal``)."""
    return _drawn(op_generator(seed).normal(shape, mean, stddev, dtype), shape)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=np.float32, seed=None, name=None):
    """Normal samples within two standard deviations of ``mean`` (``tf.random.truncated_normal``)."""
    return _drawn(op_generator(seed).truncated_normal(shape, mean, stddev, dtype), shape)


def uniform(shape, minval=0, maxval=None, dtype=np.float32, seed=None, name=None):
    """Uniform samples in ``[minval, maxval)`` (``tf.random.uniform``)."""
    return _drawn(op_generator(seed).uniform(shape, minval, maxval, dtype), shape)


def _prepended(shape, opname, **params):
    """TF's ``gamma``/``poisson`` shapes: ``shape`` + the broadcast shape of the parameters."""
    dims = check_shape(shape, opname)
    shapes = []
    for what, p in params.items():
        if p is None:
            continue
        try:
            t = convert_to_tensor(p)
        except (TypeError, ValueError):
            t = None
        if t is None or t.dtype.kind == "O":    # a string is no parameter
            raise TypeError(f"{opname}: {what} must be a number or a real tensor, got "
                            f"{argcheck.describe(p)}") from None
        shapes.append(t.shape)
    return dims + tuple(np.broadcast_shapes(*shapes))


def gamma(shape, alpha, beta=None, dtype=np.float32, seed=None, name=None):
    """Gamma samples of shape ``shape + broadcast(alpha, beta).shape`` (``tf.random.gamma``).

    Differentiable with respect to ``alpha`` and ``beta``.
    """
    full = _prepended(shape, "gamma", alpha=alpha, beta=beta)
    return op_generator(seed).gamma(full, alpha, beta, dtype)


def poisson(shape, lam, dtype=np.float32, seed=None, name=None):
    """Poisson counts of shape ``shape + lam.shape`` (``tf.random.poisson``; float32 by default)."""
    full = _prepended(shape, "poisson", lam=lam)
    return op_generator(seed).poisson(full, lam, dtype)


def categorical(logits, num_samples, dtype=None, seed=None, name=None):
    """Class indices ``[batch_size, num_samples]`` from ``logits`` (``tf.random.categorical``)."""
    return _categorical_static(op_generator(seed).categorical(logits, num_samples, dtype), logits, num_samples)


def shuffle(value, seed=None, name=None):
    """``value`` with its first dimension randomly permuted (``tf.random.shuffle``)."""
    x = convert_to_tensor(value)
    if x.ndim == 0:
        raise ValueError("shuffle: value must have at least one dimension, got a scalar")
    return op_generator(seed).shuffle(x)


def split(seed, num=2, alg="auto_select"):
    """``num`` new stateless seeds from ``seed`` (shape ``[num, 2]``, the seed's integer dtype;
    TF's ``tf.random.split``, also ``tf.random.experimental.stateless_split``): full-range
    integers drawn with ``stateless_uniform``, so they equal TF's.

    >>> wb.random.split([1, 2], num=1).numpy()
    array([[1105988140, 1738052849]], dtype=int32)
    """
    s = convert_to_tensor(seed)
    if s.dtype.kind not in "iu" or s.shape != (2,):
        raise ValueError(f"split: seed must be 2 integers, got dtype {s.dtype} and shape {s.shape}")
    n = int(num)
    if n < 0:
        raise ValueError(f"split: num must be non-negative, got {n}")
    return stateless_uniform([n, 2], s, minval=None, maxval=None, dtype=s.dtype, alg=alg)


def fold_in(seed, data, alg="auto_select"):
    """A new stateless seed from ``seed`` and the integer ``data`` (TF's ``tf.random.fold_in``,
    also ``tf.random.experimental.stateless_fold_in``): ``[a full-range integer drawn from seed,
    data]`` in ``data``'s dtype.

    >>> wb.random.fold_in([1, 2], 3).numpy()
    array([1105988140,          3], dtype=int32)
    """
    d = convert_to_tensor(data)
    if d.dtype.kind not in "iu" or d.ndim != 0:
        raise ValueError(f"fold_in: data must be an integer scalar, got dtype {d.dtype} and shape {d.shape}")
    first = stateless_uniform([], seed, minval=None, maxval=None, dtype=d.dtype, alg=alg)
    return stack([first, d])


# tf.random.experimental: the stateless seed helpers and the generator functions under TF's names
experimental = types.SimpleNamespace(
    Algorithm=Algorithm, Generator=Generator, create_rng_state=create_rng_state,
    get_global_generator=get_global_generator, set_global_generator=set_global_generator,
    stateless_fold_in=fold_in, stateless_split=split)


def stateless_parameterized_truncated_normal(shape, seed, means=0.0, stddevs=1.0, minvals=-2.0, maxvals=2.0,
                                             name=None):
    """Normal samples of ``shape`` with mean ``means`` and deviation ``stddevs``, truncated to
    ``[minvals, maxvals]`` (each broadcasting to ``shape``), a function of ``seed`` (TF's
    ``tf.random.stateless_parameterized_truncated_normal``).

    Drawn by inverting the truncated CDF of a stateless uniform draw (scipy's ``truncnorm``,
    accurate far into the tails), so the distribution is TF's but the numbers are not TF's
    rejection sampler's. The dtype is ``means``' (float32 for Python numbers).

    >>> y = wb.random.stateless_parameterized_truncated_normal([4], seed=[7, 17], minvals=0.0, maxvals=1.0)
    >>> bool(wb.reduce_all((y >= 0.0) & (y <= 1.0)))
    True
    """
    from scipy import stats   # scipy loads on first use (the rest of the module does not need it)
    opname = "stateless_parameterized_truncated_normal"
    dims = tuple(check_shape(shape, opname))
    mean_t = convert_to_tensor(means)
    dt = mean_t.dtype if mean_t.dtype.kind == "f" else dtypes.float32
    params = []
    for arg, value in (("means", mean_t), ("stddevs", stddevs), ("minvals", minvals), ("maxvals", maxvals)):
        v = np.asarray(convert_to_tensor(value).numpy(), dtype=np.float64)
        try:
            params.append(np.broadcast_to(v, dims))
        except ValueError:
            raise ValueError(f"{opname}: {arg} of shape {v.shape} does not broadcast to shape {dims}") from None
    mu, sd, lo, hi = params
    if np.any(sd <= 0) or np.any(lo >= hi):
        raise InvalidArgumentError(None, None, f"{opname}: stddevs must be positive and minvals "
                                          "below maxvals everywhere")
    u = np.asarray(stateless_uniform(dims, seed, dtype=np.float64).numpy())
    z = stats.truncnorm.ppf(u, (lo - mu) / sd, (hi - mu) / sd)
    x = np.clip(mu + sd * z, lo, hi)
    return core.wrap(x.astype(dtypes.np_dtype(dt)))


# ---------------------------------------------------------------------------
# tf.random.experimental.index_shuffle: TF's RandomIndexShuffle kernel, a cycle-walking
# permutation (Black and Rogaway) whose block cipher is Simon (Beaulieu et al., 2013) reduced
# to 4 rounds, on a block of 2W bits: the smallest even number of bits that holds max_index
# (as ceil(log2(max_index)) in doubles), at least 16. The key is three 32-bit words: a fixed
# first word (TF's Python wrapper prepends it to the [2] seed), then the seed's low words.

_INDEX_SHUFFLE_PAD = 498247692     # the word TF's index_shuffle puts before the seed
_INDEX_SHUFFLE_ROUNDS = 4
_SIMON_C = 0xFFFFFFFC
_SIMON_Z = 0x7369F885192C0EF5
_INDEX_DTYPES = ("int32", "uint32", "int64", "uint64")


def _simon_round_keys(key, half):
    """The round keys of Simon with ``half``-bit words (TF's key schedule, any word size)."""
    mask = (1 << half) - 1

    def rotr(x, r):
        return ((x >> r) | (x << (half - r))) & mask
    keys, z = [k & mask for k in key], _SIMON_Z & mask
    for i in range(3, _INDEX_SHUFFLE_ROUNDS):
        keys.append((_SIMON_C & mask) ^ (z & 1) ^ keys[i - 3] ^ rotr(keys[i - 1], 3) ^ rotr(keys[i - 1], 4))
        z >>= 1
    return keys


def _simon_encrypt(values, round_keys, half):
    """One Simon encryption of each 2*half-bit block of ``values`` (uint64 array)."""
    mask = np.uint64((1 << half) - 1)
    h = np.uint64(half)

    def rotl(x, r):
        return ((x << np.uint64(r)) | (x >> (h - np.uint64(r)))) & mask

    def f(x):
        return (rotl(x, 1) & rotl(x, 8)) ^ rotl(x, 2)
    left, right = (values >> h) & mask, values & mask
    for i in range(0, len(round_keys), 2):
        left = left ^ f(right) ^ np.uint64(round_keys[i])
        right = right ^ f(left) ^ np.uint64(round_keys[i + 1])
    return (left << h) | right


def _index_shuffle_one(index, key, max_index):
    """The positions of ``index`` (uint64 array) in the permutation of ``[0, max_index]``."""
    if max_index == 0:
        return np.zeros_like(index)
    bits = int(np.ceil(np.log2(np.float64(max_index))))
    bits = max(bits + bits % 2, 16)
    half = min(bits, 64) // 2
    round_keys = _simon_round_keys(key, half)
    out = _simon_encrypt(index, round_keys, half)
    over = out > np.uint64(max_index)
    while over.any():   # cycle walking: encrypt again until the value falls in range
        out[over] = _simon_encrypt(out[over], round_keys, half)
        over = out > np.uint64(max_index)
    return out


def _index_shuffle_fwd(xp, index, seed, max_index):
    index, seed, max_index = (backend.to_numpy(a) for a in (index, seed, max_index))
    n = max(index.size, max_index.size, seed.size // 3)
    if not (index.ndim == 0 or (index.ndim == 1 and index.shape[0] == n)):
        raise InvalidArgumentError(None, None, "Index bust be a scalar or vector.")   # TF's words
    if not ((seed.ndim == 1 and seed.shape[0] == 3) or (seed.ndim == 2 and seed.shape == (n, 3))):
        raise InvalidArgumentError(None, None, f"Seed must be a vector of size [3] or a matrix of size [{n}, 3] "
                                               f"but got [{','.join(str(d) for d in seed.shape)}].")
    if not (max_index.ndim == 0 or (max_index.ndim == 1 and max_index.shape[0] == n)):
        raise InvalidArgumentError(None, None, "Maxval must be a scalar or a vector of the same size as index "
                                               f"but got [{','.join(str(d) for d in max_index.shape)}]")
    idx = np.broadcast_to(index, (n,)).astype(np.int64 if index.dtype.kind == "i" else np.uint64)
    top = np.broadcast_to(max_index, (n,)).astype(idx.dtype)
    if idx.dtype.kind == "i" and (idx < 0).any():
        raise InvalidArgumentError(None, None, f"index must be >= 0 but was {int(idx[idx < 0][0])}")
    if (top < idx).any():
        i = int(np.argmax(top < idx))
        raise InvalidArgumentError(None, None, f"max_index must be >= index, but {int(top[i])} < {int(idx[i])}")
    words = (seed.reshape(-1, 3).astype(np.int64 if seed.dtype.kind == "i" else np.uint64)
             .astype(np.uint64) & np.uint64(0xFFFFFFFF))
    words = np.broadcast_to(words, (n, 3))
    out = np.empty(n, dtype=np.uint64)
    groups: dict = {}
    for i in range(n):   # one cipher per (key, max_index): the usual call has a single group
        groups.setdefault((tuple(int(w) for w in words[i]), int(top[i])), []).append(i)
    for (key, top_i), rows in groups.items():
        out[rows] = _index_shuffle_one(idx[rows].astype(np.uint64), list(key), top_i)
    shape = () if index.ndim == 0 and seed.ndim == 1 and max_index.ndim == 0 else (n,)
    return out.astype(index.dtype).reshape(shape)


def _tf_type_name(dtype) -> str:
    """TF's DataTypeString of ``dtype`` (the name its kernels' messages use)."""
    return {"float32": "float", "float64": "double", "float16": "half"}.get(dtype.name, dtype.name)


_INDEX_SHUFFLE_OP = core.defop("random_index_shuffle", _index_shuffle_fwd, dtypes="integer")


def index_shuffle(index, seed, max_index):
    """The position of ``index`` in a pseudorandom permutation of ``[0, max_index]`` fixed by
    ``seed`` (shape [2]); TF's ``tf.random.experimental.index_shuffle``, with TF's numbers.
    ``index`` and ``max_index`` are scalars or vectors of one integer dtype (int32, uint32,
    int64, uint64); the result has ``index``'s dtype.

    >>> wb.random.experimental.index_shuffle(wb.range(4), seed=[5, 9], max_index=3).numpy()
    array([2, 0, 1, 3], dtype=int32)
    """
    index = convert_to_tensor(index)
    if index.dtype.name not in _INDEX_DTYPES:
        raise InvalidArgumentError(None, None, f"Value for attr 'dtype' of {_tf_type_name(index.dtype)} is not in "
                                               f"the list of allowed values: {', '.join(_INDEX_DTYPES)}")
    if isinstance(max_index, Tensor):
        if max_index.dtype != index.dtype:
            raise InvalidArgumentError(None, None, f"index_shuffle: max_index must have index's dtype "
                                                   f"{index.dtype.name}, got {max_index.dtype.name}")
    else:
        max_index = convert_to_tensor(max_index, dtype=index.dtype)
    seed = convert_to_tensor(seed)
    if seed.dtype.name not in _INDEX_DTYPES:
        raise InvalidArgumentError(None, None, f"Value for attr 'Tseed' of {_tf_type_name(seed.dtype)} is not in "
                                               f"the list of allowed values: {', '.join(_INDEX_DTYPES)}")
    # TF's wrapper prepends one word along the seed's first dimension (for a [n, 2] seed that
    # adds a row, which the kernel then rejects, as TF 2.21 does)
    pad = np.full((1,) + tuple(seed.shape[1:]), _INDEX_SHUFFLE_PAD, dtype=dtypes.np_dtype(seed.dtype))
    seed = concat([core.wrap_constant(pad), seed], axis=0)
    return core.apply(_INDEX_SHUFFLE_OP, (index, seed, max_index))


def stateless_shuffle(value, seed, alg="auto_select", name=None):
    """``value`` with its first dimension permuted as a function of ``seed`` (shape [2]);
    TF's ``tf.random.experimental.stateless_shuffle``, with TF's order (its Fisher-Yates
    shuffle on the Philox stream of the seed) for up to 65537 rows.

    >>> wb.random.experimental.stateless_shuffle(wb.constant([[1, 2], [3, 4], [5, 6]]), seed=[8, 9]).numpy()
    array([[5, 6],
           [1, 2],
           [3, 4]], dtype=int32)
    """
    _check_alg(alg)
    x = convert_to_tensor(value)
    if x.ndim == 0:
        raise ValueError("stateless_shuffle: value must have at least one dimension, got a scalar")
    n = x.shape[0]
    perm = draw(StatelessSource(seed), lambda st: st.shuffle_permutation(n))
    return gather(x, perm)


experimental.index_shuffle = index_shuffle
experimental.stateless_shuffle = stateless_shuffle

from .ops.candidate_sampling import (  # noqa: E402,F401  (tf.random's candidate samplers)
    all_candidate_sampler, fixed_unigram_candidate_sampler, learned_unigram_candidate_sampler,
    log_uniform_candidate_sampler, uniform_candidate_sampler,
)
__all__ += ["all_candidate_sampler", "fixed_unigram_candidate_sampler", "learned_unigram_candidate_sampler",
            "log_uniform_candidate_sampler", "uniform_candidate_sampler"]
