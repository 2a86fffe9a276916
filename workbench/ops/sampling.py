"""Philox streams and the samplers behind ``wb.random``.

A stream is one counter-based Philox stream on the array module of the
default device: ``numpy.random.Generator(numpy.random.Philox(key=...))`` on the
CPU, a CuPy ``RandomState`` running cuRAND's Philox (seeded by a hash of the
same key and counter) on a GPU. Samplers take ``source``, a callable that
returns a fresh stream, so ``Generator`` methods and stateless functions share
them. Samples are constants; location/scale parameters enter through ops.
"""

from __future__ import annotations

import numpy as np

from .. import backend, core, hostcache
from ..errors import argcheck
from ..core import Tensor, convert_to_tensor
from ..dtypes import np_dtype
from . import elementwise as _ew
from .random_gamma import drawn_gamma, standard_gamma
from .shape import _shape_arg, broadcast_to

_U64 = 2 ** 64
# The last Philox counter word separates the two families of streams, so a
# stateless seed (a, b) never replays a Generator's stream.
GENERATOR_STREAM = 0
STATELESS_STREAM = 1

__all__: list = []


# ---------------------------------------------------------------------------
# One Philox stream on the array module of the default device


class _NumpyStream:
    """A Philox stream on the CPU, keyed by two 64-bit words."""

    def __init__(self, key, counter):
        self._g = np.random.Generator(np.random.Philox(
            key=np.asarray(key, np.uint64), counter=np.asarray(counter, np.uint64)))

    def uniform(self, shape, dtype):
        if np.dtype(dtype) == np.float16:
            return _unit_half(self.integers(0, 1024, shape, np.int32))
        return self._g.random(shape, dtype=dtype)

    def normal(self, shape, dtype):
        n = int(np.prod(shape, dtype=np.int64))
        if dtype != np.float32 or n < _BOX_MULLER_MIN:
            return self._g.standard_normal(shape, dtype=dtype)
        return _box_muller32(self._g, n).reshape(shape)

    def integers(self, low, high, shape, dtype):
        return self._g.integers(low, high, size=shape, dtype=dtype)

    def poisson(self, lam, shape):
        return self._g.poisson(lam, size=shape)

    def permutation(self, n):
        return self._g.permutation(n)


# float32 normals from this many on: Box-Muller (vectorised transcendental functions) is
# about 2.4x faster than NumPy's ziggurat on Philox here (1M values: 5.8 vs 13.6 ms);
# below it the ziggurat's lower per-call cost wins
_BOX_MULLER_MIN = 2048
_TWO_PI_2_32 = np.float32(2.0 * np.pi * 2.0 ** -32)
_F32 = np.dtype(np.float32)


def _box_muller32(g, n):
    """``n`` float32 standard normals by the Box-Muller transform of 32-bit uniforms.

    Each 64-bit Philox draw gives one pair: its two 32-bit halves are ``u1`` in ``(0, 1]``
    and the angle ``2 pi u2``; the pair is ``r cos``, ``r sin`` with ``r = sqrt(-2 log u1)``.
    The radius tops out at 6.66 (``u1 = 2**-32``): values beyond 6.66 standard deviations,
    with probability 3e-11 per draw, are not produced."""
    m = (n + 1) // 2
    halves = g.bit_generator.random_raw(m).view(np.uint32).reshape(m, 2)
    r = hostcache.new((m,), _F32)
    np.add(halves[:, 0], np.float32(1.0), out=r, casting="unsafe", dtype=np.float32)
    r *= np.float32(2.0 ** -32)
    np.log(r, out=r)
    r *= np.float32(-2.0)
    np.sqrt(r, out=r)
    angle = hostcache.new((m,), _F32)
    np.multiply(halves[:, 1], _TWO_PI_2_32, out=angle, casting="unsafe", dtype=np.float32)
    out = hostcache.new((2 * m,), _F32)
    np.cos(angle, out=out[:m])
    np.sin(angle, out=out[m:])
    out[:m] *= r
    out[m:] *= r
    return out[:n] if n != 2 * m else out


def _unit_half(mantissas):
    """Halves in [0, 1) from 10-bit ``mantissas`` (TF's construction: ``1.m - 1``)."""
    return (mantissas.astype(np.uint16) | np.uint16(15 << 10)).view(np.float16) - np.float16(1.0)


class _CupyStream(_NumpyStream):
    """A stream on a GPU: cuRAND's Philox seeded by a hash of the same key and counter."""

    def __init__(self, cp, key, counter):
        seed = np.random.SeedSequence([int(k) for k in key] + [int(c) for c in counter])
        self._g = cp.random.RandomState(
            int(seed.generate_state(1, np.uint64)[0]),
            method=cp.cuda.curand.CURAND_RNG_PSEUDO_PHILOX4_32_10)

    def uniform(self, shape, dtype):
        if np.dtype(dtype) == np.float16:
            return _unit_half(self.integers(0, 1024, shape, np.int32))
        return self._g.random_sample(shape, dtype=dtype)

    def normal(self, shape, dtype):
        return self._g.standard_normal(shape, dtype=dtype)

    def integers(self, low, high, shape, dtype):
        return self._g.randint(low, high, size=shape, dtype=dtype)


def stream(key, counter, xp=None):
    """The stream keyed by ``key`` (two 64-bit words) from Philox ``counter`` (four words)."""
    xp = backend.get_xp() if xp is None else xp
    if xp is np:
        return _NumpyStream(key, counter)
    return _CupyStream(xp, key, counter)


def stateless_stream(seed, xp=None):
    """The stream of a stateless seed (shape [2])."""
    return stream(_seed_pair(seed), (0, 0, 0, STATELESS_STREAM), xp)


class StatelessSource:
    """The source of a stateless sampler: a fresh stream of ``seed`` on each call (a
    ``wb.function`` replay reads the seed's value at that call)."""

    __slots__ = ("seed",)

    def __init__(self, seed):
        self.seed = seed

    def __call__(self):
        return stateless_stream(self.seed)


def _seed_pair(seed):
    """A stateless seed (shape [2], integer) as two 64-bit words."""
    if hasattr(seed, "current_pair"):  # a seed drawn from a generator (probability's LiveSeed)
        return tuple(int(v) % _U64 for v in seed.current_pair())
    arr = seed.numpy() if isinstance(seed, Tensor) else np.asarray(seed)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"seed must be an integer tensor of shape [2] (such as [1, 2]), "
                        f"got {argcheck.describe(seed)} of dtype {arr.dtype}")
    if arr.shape != (2,):
        raise ValueError(f"seed must have shape [2] (such as [1, 2]), got shape {list(arr.shape)}")
    return tuple(int(v) % _U64 for v in arr.tolist())


def draw(source, fn, *inputs):
    """Random values ``fn(stream, *arrays)`` from a fresh stream of ``source``, as a tensor.

    Every sampler draws through here: a ``wb.function`` trace records the draw as one
    step that takes a new stream (advancing the generator) each time it runs.
    """
    tracer = core._state.tracer
    if tracer is not None:
        return tracer.on_draw(source, fn, inputs)
    return core.wrap(fn(source(), *[t._data for t in inputs]))


def _input(value, arr):
    """A sampler parameter as the tensor a draw reads (the caller's tensor when it is one)."""
    return value if isinstance(value, Tensor) else _constant(value, arr)


def _constant(value, arr):
    """``arr`` (the array of the non-tensor ``value``) as a tensor: a constant to a
    ``wb.function`` trace, unless ``value`` is a tensor-like whose value is computed at each use."""
    return core.wrap(arr) if hasattr(type(value), "__wb_tensor__") else core.wrap_constant(arr)


def _positive(u):
    """Uniforms in (0, 1): an exact 0 would give a sample of exactly 0 (or an infinite log)."""
    return backend.xp_of(u).where(u > 0, u, np.finfo(u.dtype).tiny)


# ---------------------------------------------------------------------------
# Samplers shared by Generator methods and stateless functions. ``source`` is a
# callable returning a fresh stream on the default device.

_FLOATS = ("float16", "bfloat16", "float32", "float64")


def _out_dtype(dtype, allowed, opname):
    dt = np_dtype(dtype)
    if dt.name not in allowed:
        raise TypeError(f"{opname}: dtype {dt} is not supported; expected one of {list(allowed)}")
    return dt


def check_shape(shape, opname):
    return _shape_arg(shape, "shape", opname)


def _draw_dtype(dt):
    """NumPy and CuPy draw float32 or float64; half precision is drawn in float32."""
    return np.float64 if dt == np.float64 else np.float32


def _as_param(value, dt, what, opname, shape):
    """A parameter as a tensor of the output dtype that broadcasts to the output's shape."""
    if isinstance(value, Tensor):
        if value.dtype != dt:
            raise TypeError(f"{opname}: {what} has dtype {value.dtype}, but dtype {dt} was requested")
        t = value
    else:
        try:
            arr = core.to_array(value, dt)
        except (TypeError, ValueError):
            raise TypeError(f"{opname}: {what} must be a number or a tensor of dtype {dt}, "
                            f"got {argcheck.describe(value)}") from None
        t = _constant(value, arr)
    _check_fits(shape, t.shape, what, opname)
    return t


def _is_number(value, number):
    return not isinstance(value, Tensor) and argcheck.as_float(value) == number


def _loc_scale(z, loc, scale, names, opname):
    """``loc + scale * z`` with ops, so gradients reach tensor parameters (as in TF)."""
    if _is_number(loc, 0.0) and _is_number(scale, 1.0):
        return z
    scale = _as_param(scale, z.dtype, names[1], opname, z.shape)
    loc = _as_param(loc, z.dtype, names[0], opname, z.shape)
    return _ew.add(_ew.multiply(z, scale), loc)


def sample_normal(source, shape, mean, stddev, dtype, opname):
    dt = _out_dtype(dtype, _FLOATS, opname)
    dims = check_shape(shape, opname)
    z = draw(source, lambda st: st.normal(dims, _draw_dtype(dt)).astype(dt, copy=False))
    return _loc_scale(z, mean, stddev, ("mean", "stddev"), opname)


def sample_truncated_normal(source, shape, mean, stddev, dtype, opname):
    dt = _out_dtype(dtype, _FLOATS, opname)
    dims = check_shape(shape, opname)

    def truncated(stream):
        z = stream.normal(dims, _draw_dtype(dt))
        xp = backend.xp_of(z)
        # re-draw values more than two standard deviations out (TF's rule), until none are left
        bad = xp.abs(z) > 2.0
        while bool(bad.any()):
            n = int(bad.sum())
            z[bad] = stream.normal((n,), _draw_dtype(dt))
            bad = xp.abs(z) > 2.0
        return z.astype(dt, copy=False)

    return _loc_scale(draw(source, truncated), mean, stddev, ("mean", "stddev"), opname)


_UNIFORM_DTYPES = _FLOATS + ("int32", "int64", "uint32", "uint64")


def sample_uniform(source, shape, minval, maxval, dtype, opname):
    dt = _out_dtype(dtype, _UNIFORM_DTYPES, opname)
    dims = check_shape(shape, opname)
    if dt.kind == "f" or dt.name == "bfloat16":
        # half precision is drawn as halves (TF's 10 random mantissa bits), not rounded floats;
        # bfloat16 as TF's 7 random mantissa bits, multiples of 2**-7 (a rounded float could be 1)
        if dt.name == "bfloat16":
            def units(stream):
                x = stream.uniform(dims, np.float32)
                return (backend.xp_of(x).floor(x * 128.0) / 128.0).astype(dt)
            u = draw(source, units)
        else:
            u = draw(source, lambda st: st.uniform(dims, dt if dt == np.float16 else _draw_dtype(dt))
                     .astype(dt, copy=False))
        lo = 0 if minval is None else minval
        hi = 1 if maxval is None else maxval
        if _is_number(lo, 0.0) and _is_number(hi, 1.0):
            return u
        lo_t = _as_param(lo, dt, "minval", opname, dims)
        hi_t = _as_param(hi, dt, "maxval", opname, dims)
        return _ew.add(_ew.multiply(u, _ew.subtract(hi_t, lo_t)), lo_t)
    if minval is None and maxval is None:
        return draw(source, lambda st: _full_range_ints(st, dims, dt))
    if maxval is None or minval is None:
        raise ValueError(f"{opname}: an integer dtype needs maxval (and minval), or neither for the "
                         f"full range of {dt}; got minval={minval!r}, maxval={maxval!r}")
    lo, hi = _int_scalar(minval, "minval", opname), _int_scalar(maxval, "maxval", opname)
    if not lo < hi:
        raise ValueError(f"{opname}: need minval < maxval, got minval={lo}, maxval={hi}")
    info = np.iinfo(dt)
    if lo < info.min or hi - 1 > info.max:
        raise ValueError(f"{opname}: [minval, maxval) = [{lo}, {hi}) does not fit dtype {dt}")
    return draw(source, lambda st: st.integers(lo, hi, dims, dt))


def _int_scalar(value, what, opname):
    arr = value.numpy() if isinstance(value, Tensor) else np.asarray(value)
    if arr.ndim != 0 or arr.dtype.kind not in "iu":
        raise TypeError(f"{opname}: {what} must be an integer scalar for an integer dtype, got {value!r}")
    return int(arr)


def _full_range_ints(stream, dims, dt):
    """Integers over the whole range of ``dt`` from two 32-bit halves (both devices draw those)."""
    lo = stream.integers(0, 2 ** 32, dims, np.int64).astype(np.uint64)
    if dt.itemsize <= 4:
        return lo.astype(np.uint32).view(np.int32 if dt.kind == "i" else np.uint32).astype(dt)
    hi = stream.integers(0, 2 ** 32, dims, np.int64).astype(np.uint64)
    return ((hi << np.uint64(32)) | lo).view(dt)


def _param(value, dt, what, opname):
    """A distribution parameter as a float array on the default device."""
    if isinstance(value, Tensor):
        if value.dtype.kind not in "fiu":
            raise TypeError(f"{opname}: {what} must be a real tensor, got dtype {value.dtype}")
        arr = value._data
        return arr if arr.dtype == dt else arr.astype(dt)
    try:
        return core.to_array(value, dt)
    except (TypeError, ValueError):
        raise TypeError(f"{opname}: {what} must be a number or a real tensor, got "
                        f"{argcheck.describe(value)}") from None


def _check_fits(shape, param_shape, what, opname):
    try:
        ok = np.broadcast_shapes(shape, param_shape) == tuple(shape)
    except ValueError:
        ok = False
    if not ok:
        raise ValueError(f"{opname}: {what} of shape {list(param_shape)} must broadcast to the "
                         f"rightmost dimensions of shape {list(shape)}")


def sample_gamma(source, shape, alpha, beta, dtype, opname):
    dt = _out_dtype(dtype, _FLOATS, opname)
    dims = check_shape(shape, opname)
    a = _as_param(alpha, dt, "alpha", opname, dims)
    xp = backend.xp_of(a._data)
    if bool(xp.any(~(a._data > 0))):
        raise ValueError(f"{opname}: alpha must be positive")
    # a uniform of exactly 0 would give a sample of exactly 0: nudge it into (0, 1)
    u = draw(source, lambda st: _positive(st.uniform(dims, np.float64)))
    x = standard_gamma(a, u)
    if beta is None:
        return x
    b = _as_param(beta, dt, "beta", opname, dims)
    return _ew.divide(x, b)


def _trailing(dims, param_shape):
    """The trailing dimensions of ``dims`` of ``param_shape``'s rank (which fits them)."""
    return tuple(dims[len(dims) - len(param_shape):]) if len(param_shape) else ()


def sample_gamma_tf(source, shape, alpha, beta, dtype, opname):
    """``tf.random.gamma``: samples of ``shape + broadcast(alpha, beta).shape`` from TF's
    RandomGamma kernel (the stream's ``gamma``) for ``alpha`` broadcast against ``beta``, over
    ``beta``, and at least the dtype's smallest normal number (TF's ``maximum``). Where the
    parameters' broadcast shape is not the trailing dimensions of ``shape`` (TF refuses), they
    broadcast to those dimensions first: TF's numbers for the broadcast parameters."""
    dt = _out_dtype(dtype, _FLOATS, opname)
    dims = check_shape(shape, opname)
    a = _as_param(alpha, dt, "alpha", opname, dims)
    b = None if beta is None else _as_param(beta, dt, "beta", opname, dims)
    params = _trailing(dims, np.broadcast_shapes(a.shape, () if b is None else b.shape))
    xp = backend.xp_of(a._data)
    if bool(xp.any(~(a._data > 0))):
        raise ValueError(f"{opname}: alpha must be positive")
    a_full = a if a.shape == params else broadcast_to(a, params)
    n = int(np.prod(dims[:len(dims) - len(params)], dtype=np.int64))
    drawn = draw(source, lambda st, al: st.gamma(al, n, dt).astype(dt, copy=False).reshape(dims), a_full)
    x = drawn_gamma(a_full, drawn)
    if b is not None:
        x = _ew.divide(x, b)
    return _ew.maximum(x, core.wrap_constant(np.asarray(np.finfo(dt).tiny, dtype=dt)))


_COUNT_DTYPES = _FLOATS + ("int32", "int64")
_MAX_NOISE = 2 ** 22  # Gumbel noise values held at once by categorical sampling


def sample_poisson(source, shape, lam, dtype, opname):
    dt = _out_dtype(dtype, _COUNT_DTYPES, opname)
    dims = check_shape(shape, opname)
    lam_a = _param(lam, np.float64, "lam", opname)
    _check_fits(dims, lam_a.shape, "lam", opname)
    xp = backend.xp_of(lam_a)
    if bool(xp.any(~(lam_a >= 0))):
        raise ValueError(f"{opname}: lam must be non-negative")
    return draw(source, lambda st, lam: st.poisson(xp.broadcast_to(lam.astype(np.float64), dims), dims)
                .astype(dt), _input(lam, lam_a))


def sample_poisson_tf(source, shape, lam, dtype, opname):
    """``tf.random.poisson``: counts of ``shape`` (the samples' then ``lam``'s dimensions) from
    TF's RandomPoissonV2 kernel (the stream's ``poisson_tf``, in float64 as TF's); ``lam``
    broadcasts to the trailing dimensions of its rank first."""
    dt = _out_dtype(dtype, _COUNT_DTYPES, opname)
    dims = check_shape(shape, opname)
    lam_t = lam if isinstance(lam, Tensor) else convert_to_tensor(lam, dtype_hint=np.float32)
    if lam_t.dtype.kind not in "fiu":
        raise TypeError(f"{opname}: lam must be a number or a real tensor, got {argcheck.describe(lam)}")
    _check_fits(dims, lam_t.shape, "lam", opname)
    xp = backend.xp_of(lam_t._data)
    if bool(xp.any(~(lam_t._data >= 0))):
        raise ValueError(f"{opname}: lam must be non-negative")
    target = _trailing(dims, lam_t.shape)
    if tuple(lam_t.shape) != target:  # TF refuses: TF's numbers for lam broadcast to them
        lam_t = broadcast_to(lam_t, target)
    n = int(np.prod(dims[:len(dims) - lam_t.ndim], dtype=np.int64))
    return draw(source, lambda st, rate: st.poisson_tf(rate, n).astype(dt).reshape(dims), lam_t)


def sample_binomial_tf(source, shape, counts, probs, dtype, opname, stateful=False):
    """``tf.random.stateless_binomial`` / ``Generator.binomial``: counts of ``shape`` (the samples'
    then the parameters' dimensions) from TF's RandomBinomial kernel (the stream's
    ``binomial_tf``), ``counts`` in ``probs``' dtype (float32 for Python numbers) as TF's.
    Parameters whose broadcast shape is not the trailing dimensions of ``shape`` (TF refuses)
    broadcast to them first."""
    dt = _out_dtype(dtype, _COUNT_DTYPES, opname)
    dims = check_shape(shape, opname)
    p_t = probs if isinstance(probs, Tensor) else convert_to_tensor(probs, dtype_hint=np.float32)
    if p_t.dtype.kind != "f":
        raise TypeError(f"{opname}: probs must be floating point, got {argcheck.describe(probs)}")
    n_t = counts if isinstance(counts, Tensor) else convert_to_tensor(counts, dtype_hint=p_t.dtype)
    if n_t.dtype.kind not in "fiu":
        raise TypeError(f"{opname}: counts must be a number or a real tensor, got {argcheck.describe(counts)}")
    _check_fits(dims, n_t.shape, "counts", opname)
    _check_fits(dims, p_t.shape, "probs", opname)
    xp = backend.xp_of(p_t._data)
    n_a, p_a = n_t._data, p_t._data
    if bool(xp.any(~(n_a >= 0))) or bool(xp.any(n_a != xp.floor(n_a))):
        raise ValueError(f"{opname}: counts must be non-negative whole numbers")
    if bool(xp.any(~((p_a >= 0) & (p_a <= 1)))):
        raise ValueError(f"{opname}: probs must lie in [0, 1]")
    target = _trailing(dims, np.broadcast_shapes(n_t.shape, p_t.shape))
    n = int(np.prod(dims[:len(dims) - len(target)], dtype=np.int64))

    def binomial(st, c, p):
        bx = backend.xp_of(p)
        c, p = bx.broadcast_to(c.astype(p.dtype), target), bx.broadcast_to(p, target)
        return st.binomial_tf(c, p, n, stateful).astype(dt).reshape(dims)

    return draw(source, binomial, _input(counts, n_a), _input(probs, p_a))


def sample_categorical(source, logits, num_samples, dtype, opname):
    dt = _out_dtype(np.int64 if dtype is None else dtype, ("int32", "int64"), opname)
    lg = convert_to_tensor(logits)
    if lg.ndim != 2:
        raise ValueError(f"{opname}: logits must have shape [batch_size, num_classes], got {list(lg.shape)}")
    if lg.dtype.kind != "f":
        raise TypeError(f"{opname}: logits must be floating, got dtype {lg.dtype}")
    n = argcheck.integer(num_samples, "num_samples", opname, minimum=0)
    batch, classes = lg.shape
    if classes == 0 and n > 0 and batch > 0:
        raise ValueError(f"{opname}: logits has no classes to sample from")

    def gumbel_max(st, logits):
        if hasattr(st, "multinomial"):         # TF's kernel, on TF's Philox stream
            return st.multinomial(logits, n).astype(dt)
        # argmax(logits + Gumbel noise) is a draw from softmax(logits); the noise is drawn
        # for a block of samples at a time so memory stays bounded for large class counts
        xp = backend.xp_of(logits)
        logits64 = logits.astype(np.float64)[:, None, :]
        block = max(1, _MAX_NOISE // max(batch * classes, 1))
        parts = []
        for start in range(0, n, block):
            u = _positive(st.uniform((batch, min(block, n - start), classes), np.float64))
            parts.append(xp.argmax(logits64 - xp.log(-xp.log(u)), axis=-1))
        out = xp.concatenate(parts, axis=1) if parts else xp.zeros((batch, 0), np.int64)
        return out.astype(dt)

    return draw(source, gumbel_max, lg)
