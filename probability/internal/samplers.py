"""TFP's seed flow: every seed becomes a stateless int32 ``[2]`` tensor, and samplers draw
from TF's stateless ops with it.

- an ``int`` or ``None`` seed is *stateful*: ``sanitize_seed`` draws the pair with
  ``wb.random.uniform([2], seed=seed, dtype=int32)`` over the whole int32 range, so the
  same int gives a new pair at each call (a sequence fixed by ``wb.random.set_seed``), and a
  ``wb.function`` replay draws again;
- a pair (tuple, list, array or tensor) is *stateless*: used as it is, so the same pair
  gives the same draws;
- a ``salt`` string is hashed (SHA-512) and folded in: into the int itself for an int seed,
  by XOR into the pair's first word for a pair (a None seed ignores it).

``split_seed`` draws ``n`` new pairs with ``stateless_uniform`` over the full int32 range.
These are TFP 0.25's rules and numbers.

>>> [s.numpy().tolist() for s in split_seed((1, 2), 2)]
[[1105988140, 1738052849], [-335576002, 370444179]]
"""

from __future__ import annotations

import contextlib
import hashlib
import threading

import numpy as np

import workbench as wb
from workbench.core import Tensor
from workbench.random import StatelessSource

__all__ = ["categorical", "fold_in", "gamma", "is_stateful_seed", "normal", "parameterized_truncated_normal",
           "poisson", "sanitize_seed", "shuffle", "split_seed", "uniform", "zeros_seed"]

_INT32 = np.iinfo(np.int32)
_SALT_MODULUS = 2 ** 31 - 1


def zeros_seed():
    """The seed ``[0, 0]``."""
    return wb.constant([0, 0], dtype=wb.int32)


def is_stateful_seed(seed):
    """True for the seeds that draw their pair from TF's stateful sequence (``None``, an int)."""
    return seed is None or (isinstance(seed, (int, np.integer)) and not isinstance(seed, bool))


def _salt_int(salt):
    return int(hashlib.sha512(str(salt).encode("utf-8")).hexdigest(), 16) % _SALT_MODULUS


def _as_seed_tensor(seed):
    """A stateless seed as an int32 ``[2]`` tensor (int64 values keep their low 32 bits)."""
    if isinstance(seed, wb.random.Generator):
        return wb.cast(seed.make_seeds(1)[:, 0], wb.int32)
    if isinstance(seed, Tensor):
        t = seed
    else:
        arr = np.asarray(seed)
        if arr.dtype.kind not in "iu":
            raise TypeError(f"seed must be None, an int, a pair of ints or an int tensor of shape [2], "
                            f"got {seed!r}")
        t = wb.constant(arr.astype(np.int64).astype(np.uint32).view(np.int32))
    if t.dtype.kind not in "iu":
        raise TypeError(f"seed must be an integer tensor of shape [2], got dtype {t.dtype}")
    if tuple(t.shape) != (2,):
        raise ValueError(f"a stateless seed must have shape [2] (such as (1, 2)), got shape {list(t.shape)}")
    return t if t.dtype == wb.int32 else wb.cast(t, wb.int32)


def sanitize_seed(seed, salt=None, name=None):
    """``seed`` as an int32 ``[2]`` stateless seed (TFP's ``tfp.random.sanitize_seed``).

    ``None`` or an int draws the pair from the stateful sequence (an int with a ``salt`` is
    first hashed with it); a pair is kept; a ``salt`` then folds into the pair. A callable
    (``SeedStream``) is called for its seed.
    """
    if callable(seed) and not isinstance(seed, (Tensor, wb.random.Generator)):
        seed = seed()
    if salt is not None and not isinstance(salt, str):
        raise TypeError(f"`salt` must be a python `str`, got {salt!r}")
    if is_stateful_seed(seed):
        # the salt goes into an int seed; for None it is dropped (the draw is fresh anyway)
        if salt is not None and seed is not None:
            seed = int(hashlib.sha512(str((int(seed), salt)).encode("utf-8")).hexdigest(), 16) % _SALT_MODULUS
        salt = None
        seed = wb.random.uniform([2], seed=None if seed is None else int(seed), minval=int(_INT32.min),
                                 maxval=int(_INT32.max), dtype=wb.int32)
    else:
        seed = _as_seed_tensor(seed)
    if salt is not None:
        seed = fold_in(seed, _salt_int(salt))
    return seed


def fold_in(seed, salt):
    """A new seed from ``seed`` and ``salt``: an int salt is XORed into the seed's words (its
    64 bits as two int32 words), a tensor salt goes through ``stateless_fold_in``."""
    seed = _as_seed_tensor(seed)
    if isinstance(salt, (int, np.integer)):
        words = wb.constant(np.array([int(salt) & (2 ** 64 - 1)], dtype=np.uint64).view(np.int32))
        # XOR: the bits set in either, less those set in both (a subset, so no borrow)
        return wb.bitwise_or(seed, words) - wb.bitwise_and(seed, words)
    return wb.random.experimental.stateless_fold_in(seed, salt)


def split_seed(seed, n=2, salt=None, name=None):
    """``n`` new stateless seeds from ``seed`` (after :func:`sanitize_seed` with ``salt``): a
    list of int32 ``[2]`` tensors for a Python int ``n``, one ``[n, 2]`` tensor for a tensor ``n``."""
    if isinstance(n, bool) or not isinstance(n, (int, np.ndarray, Tensor)):
        raise TypeError(f"`n` must be a python `int` or an int Tensor, got {n!r}")
    seed = sanitize_seed(seed, salt=salt)
    count = int(n.numpy()) if isinstance(n, Tensor) else int(n)
    if count < 0:
        raise ValueError(f"split_seed: `n` must be non-negative, got {count}")
    seeds = wb.random.stateless_uniform([count, 2], seed=seed, minval=None, maxval=None, dtype=wb.int32)
    if isinstance(n, int):
        return wb.unstack(seeds) if count else []
    return seeds


# ---------------------------------------------------------------------------
# samplers: TF's stateless ops under a sanitized seed


def normal(shape, mean=0.0, stddev=1.0, dtype=np.float32, seed=None, name=None):
    """As ``wb.random.normal``; an int or None seed draws from the stateful op itself (as TFP)."""
    if is_stateful_seed(seed):
        return wb.random.normal(shape, mean=mean, stddev=stddev, dtype=dtype,
                                seed=None if seed is None else int(seed))
    return wb.random.stateless_normal(shape, seed=sanitize_seed(seed), mean=mean, stddev=stddev, dtype=dtype)


def uniform(shape, minval=0, maxval=None, dtype=np.float32, seed=None, name=None):
    return wb.random.stateless_uniform(shape, seed=sanitize_seed(seed), minval=minval, maxval=maxval,
                                       dtype=dtype)


def gamma(shape, alpha, beta=None, dtype=np.float32, seed=None, name=None):
    """Gamma draws of shape ``shape + broadcast(alpha, beta).shape``: TF's ``stateless_gamma``
    numbers (its Marsaglia-Tsang kernel on the seed's stream), reparameterized in ``alpha``."""
    alpha = wb.convert_to_tensor(alpha, dtype=dtype)
    params = tuple(alpha.shape)
    if beta is not None:
        beta = wb.convert_to_tensor(beta, dtype=dtype)
        params = tuple(np.broadcast_shapes(params, tuple(beta.shape)))
    full = tuple(int(s) for s in _shape(shape)) + params
    return wb.random.sample_gamma_tf(StatelessSource(sanitize_seed(seed)), full, alpha, beta, dtype,
                                     "stateless_gamma")


def poisson(shape, lam, dtype=np.float32, seed=None, name=None):
    """Poisson counts of shape ``shape + lam.shape``: TF's ``stateless_poisson`` numbers."""
    lam = wb.convert_to_tensor(lam)
    full = tuple(int(s) for s in _shape(shape)) + tuple(lam.shape)
    return wb.random.sample_poisson_tf(StatelessSource(sanitize_seed(seed)), full, lam, dtype,
                                       "stateless_poisson")


def categorical(logits, num_samples, dtype=None, seed=None, name=None):
    return wb.random.stateless_categorical(logits, num_samples, seed=sanitize_seed(seed),
                                           dtype=np.int64 if dtype is None else dtype)


def shuffle(value, seed=None, name=None):
    """``value`` with its first dimension permuted by the order of uniform sort keys."""
    value = wb.convert_to_tensor(value)
    keys = wb.random.stateless_uniform([value.shape[0]], seed=sanitize_seed(seed))
    return wb.gather(value, wb.argsort(keys))


def parameterized_truncated_normal(shape, means, stddevs, minvals, maxvals, dtype=np.float32, seed=None,
                                   name=None):
    """``tf.random.stateless_parameterized_truncated_normal``'s numbers: TF's CPU kernel on the
    seed's Philox stream, in one shard (the layout of outputs small enough that TF does not split
    the work across threads). The parameters broadcast to the trailing dimensions of ``shape``;
    each of their elements in turn draws all its samples (normal, uniform or exponential
    rejection, by where the bounds lie) from the next blocks of the stream."""
    seed = sanitize_seed(seed)
    dims = tuple(int(s) for s in _shape(shape))
    params = [wb.convert_to_tensor(v, dtype=dtype) for v in (means, stddevs, minvals, maxvals)]
    batch = tuple(np.broadcast_shapes(*(tuple(t.shape) for t in params)))
    if dims[len(dims) - len(batch):] != batch or len(batch) > len(dims):
        raise ValueError(f"parameterized_truncated_normal: shape {list(dims)} must end with the parameters' "
                         f"broadcast shape {list(batch)}")

    def fn(_, seed_arr, *arrays):
        pair = [int(v) for v in np.asarray(wb.backend.to_numpy(seed_arr)).tolist()]
        key, counter = wb.random.key_counter_from_seed(pair)
        flat = [np.broadcast_to(wb.backend.to_numpy(a), batch).reshape(-1) for a in arrays]
        out = _truncated_normal_kernel(key, counter, int(np.prod(dims[:len(dims) - len(batch)], dtype=np.int64)),
                                       *flat, np.dtype(wb.as_dtype(dtype).as_numpy_dtype))
        return wb.backend.get_xp().asarray(out.reshape(dims))

    return wb.random.draw(wb.random.StatelessSource(seed), fn, seed, *params)


_TN_MAX_ITERATIONS = 1000   # TF's kMaxIterations
_TN_RANDN_BOUND = 1.3       # TF's kStdDevsInsideBoundsToUseRandnSampler (CPU)
_TN_CHUNK_BLOCKS = 64       # Philox blocks drawn at a time (256 float32 normals: TF's rounding)


def _truncated_normal_kernel(key, counter, n, means, stddevs, minvals, maxvals, dtype):
    T = dtype.type
    per = 2 if dtype == np.float64 else 4            # values of one block
    out = np.empty((n, means.shape[0]), dtype=dtype)
    pos = 0                                          # blocks of the stream used so far
    for b in range(means.shape[0]):
        mean, sd, lo, hi = T(means[b]), T(stddevs[b]), T(minvals[b]), T(maxvals[b])
        if not (sd > 0 and lo < hi and (np.isfinite(lo) or np.isfinite(hi))):
            raise wb.errors.InvalidArgumentError(
                None, None, f"parameterized_truncated_normal: stddevs must be positive and minvals below maxvals, "
                f"one of them finite; got stddev {sd}, minval {lo}, maxval {hi} at batch index {b}")
        if n == 0:
            continue
        if (np.isinf(lo) and lo < 0) or hi < mean:
            lo, hi, sd = hi, lo, -sd
        with np.errstate(all="ignore"):
            nmin, nmax = (lo - mean) / sd, (hi - mean) / sd
            sqrt_factor = np.sqrt(nmin * nmin + T(4))
            cutoff = T(2) * np.exp(T(0.5) + (nmin * (nmin - sqrt_factor)) / T(4)) / (nmin + sqrt_factor)
            diff = nmax - nmin
            if (nmin < -T(_TN_RANDN_BOUND) and nmax >= 0) or (nmax > T(_TN_RANDN_BOUND) and nmin <= 0):
                kind, blocks_per_try = "randn", 1
            elif diff < cutoff:
                kind, blocks_per_try = "uniform", 2
                plus = T(0) if nmin < 0 else nmin * nmin
            else:
                kind, blocks_per_try = "exponential", 1
                alpha = (nmin + np.sqrt(nmin * nmin + T(4))) / T(2)
            got, rejected_run = [], 0
            while len(got) < n:
                start = pos
                st = wb.random.PhiloxStream(key, counter + start, xp=np)
                tries = _TN_CHUNK_BLOCKS // blocks_per_try
                if kind == "randn":
                    z = st.normal((tries * per,), dtype).reshape(tries, per)
                    accept = (z >= nmin) & (z <= nmax)
                elif kind == "uniform":
                    r = st.uniform((tries * 2 * per,), dtype).reshape(tries, 2, per)
                    z = r[:, 0] * diff + nmin
                    g = (plus - z * z) / T(2.0)
                    accept = r[:, 1] <= np.exp(g)
                else:
                    r = st.uniform((tries * per,), dtype).reshape(tries, per // 2, 2)
                    z = -np.log(r[..., 0]) / alpha + nmin
                    x = alpha - z if nmin < alpha else np.full_like(z, nmin - alpha)
                    g = np.exp(-x * x / T(2.0))
                    accept = (r[..., 1] <= g) & (z < nmax)
                flat_accept, flat_z = accept.reshape(-1), z.reshape(-1)
                cands_per_try = flat_accept.shape[0] // tries
                idx = np.nonzero(flat_accept)[0]
                # the longest run of rejections (TF gives up after kMaxIterations in a row)
                edges = np.concatenate([[-1 - rejected_run], idx, [flat_accept.shape[0]]])
                if np.max(np.diff(edges)) - 1 >= _TN_MAX_ITERATIONS:
                    raise wb.errors.InternalError(
                        None, None, f"parameterized_truncated_normal: the {kind} rejection sampler failed to "
                        f"accept a sample in {_TN_MAX_ITERATIONS} tries (bounds {nmin}, {nmax} in deviations)")
                need = n - len(got)
                take = idx[:need]
                got.extend((flat_z[take] * sd + mean).astype(dtype).tolist())
                if len(take) == need:
                    pos = start + (int(take[-1]) // cands_per_try + 1) * blocks_per_try
                else:
                    pos = start + tries * blocks_per_try
                    rejected_run = flat_accept.shape[0] - 1 - int(idx[-1]) if idx.shape[0] else \
                        rejected_run + flat_accept.shape[0]
        out[:, b] = np.asarray(got, dtype=dtype)
    return out


def _shape(shape):
    if isinstance(shape, Tensor):
        return shape.numpy().reshape(-1).tolist()
    if isinstance(shape, (int, np.integer)):
        return [int(shape)]
    return list(shape)


_vectorized = threading.local()


@contextlib.contextmanager
def vectorized_draw():
    """Within it, samplers whose TFP kernel changes under ``vectorized_map`` draw as TFP does
    there: TFP's implementation selection then runs its portable kernels (Gamma's Python
    rejection sampler) in place of TF's CPU ops, on the same seed."""
    depth = getattr(_vectorized, "depth", 0)
    _vectorized.depth = depth + 1
    try:
        yield
    finally:
        _vectorized.depth = depth


def in_vectorized_draw() -> bool:
    return getattr(_vectorized, "depth", 0) > 0
