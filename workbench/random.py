"""``wb.random``: seeded generators and stateless sampling, under TF 2's ``tf.random`` names.

Every draw comes from a counter-based Philox stream keyed by a seed, so the
numbers are a pure function of (seed, counter) on a given device:

- **stateless** functions (``stateless_normal(shape, seed=[1, 2])``) key the
  stream by the shape-[2] seed: the same seed always gives the same numbers;
- a :class:`Generator` keys it by its own key and a counter that advances by
  one on every call, so successive calls give fresh, independent numbers and
  ``Generator.from_seed(s)`` replays them;
- module functions (``wb.random.normal``) use the global generator, or, with
  ``seed=``, TF's per-op-seed sequence (see :func:`set_seed`).

On the CPU a stream is ``numpy.random.Generator(numpy.random.Philox(key=...))``;
on a GPU it is a CuPy ``RandomState`` with cuRAND's Philox, seeded from the same
(key, counter), and samples are made directly on the default device. The two
devices give different numbers for the same seed.

>>> wb.random.stateless_normal([2], seed=[1, 2]).shape
(2,)
>>> g = wb.random.Generator.from_seed(7)
>>> g.uniform([3], maxval=10, dtype=wb.int32).dtype
dtype('int32')

Samples are constants for tapes, except that ``mean``/``stddev``,
``minval``/``maxval`` and gamma's ``beta`` enter through ordinary ops (as in
TF), and gamma samples carry the implicit-reparameterization gradient with
respect to ``alpha``.
"""

from __future__ import annotations

import enum

import numpy as np

from . import backend, core
from .errors import argcheck
from .core import Tensor, convert_to_tensor
from .ops.sampling import (
    GENERATOR_STREAM, check_shape, sample_binomial, sample_categorical, sample_gamma, sample_normal,
    sample_poisson, sample_truncated_normal, sample_uniform, stateless_stream, stream, StatelessSource,
)
from .ops.shape import getitem

__all__ = [
    "Algorithm", "Generator", "categorical", "gamma", "get_global_generator", "normal",
    "poisson", "set_global_generator", "set_seed", "shuffle", "stateless_binomial",
    "stateless_categorical", "stateless_gamma", "stateless_normal", "stateless_poisson",
    "stateless_truncated_normal", "stateless_uniform", "truncated_normal", "uniform",
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
# Generator


class Generator:
    """A random number generator: an explicit object holding a Philox key and counter.

    ``state`` is an int64 Variable ``[counter_low, counter_high, key]`` (on the
    CPU); every sampling call draws from the stream keyed by (key, counter)
    and then advances the counter by one.

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
        with backend.device("cpu"):
            self._state = core.Variable(_state_array(state), trainable=False, name="rng_state")

    # -- construction -----------------------------------------------------
    @classmethod
    def from_seed(cls, seed, alg=None):
        """A generator whose stream is a function of ``seed`` (an integer, or a list of them)."""
        return cls(state=[0, 0, _key_from_seed(seed)], alg=alg)

    @classmethod
    def from_non_deterministic_state(cls, alg=None):
        """A generator keyed from operating-system entropy."""
        key = int(np.random.SeedSequence().generate_state(1, np.uint64)[0])
        return cls(state=[0, 0, key], alg=alg)

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
        self.reset([0, 0, _key_from_seed(seed)])

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
        """Advance the counter by ``delta`` calls."""
        self._advance(int(delta))

    def _counter(self):
        s = self._state._data
        return (int(s[0]) % _U64) + ((int(s[1]) % _U64) << 64)

    def _advance(self, delta):
        c = (self._counter() + delta) % (_U64 * _U64)
        s = self._state._data
        s[0] = np.uint64(c % _U64).view(np.int64)
        s[1] = np.uint64(c >> 64).view(np.int64)

    def _next_stream(self, xp=None):
        """The stream for this call; advances the counter."""
        c = self._counter()
        key = int(self._state._data[2]) % _U64
        self._advance(1)
        return stream((key, c % _U64), (0, 0, c >> 64, GENERATOR_STREAM), xp)

    # -- sampling ---------------------------------------------------------
    def normal(self, shape, mean=0.0, stddev=1.0, dtype=np.float32, name=None):
        """Normal samples of ``shape``; ``mean``/``stddev`` broadcast to it."""
        return sample_normal(self._next_stream, shape, mean, stddev, dtype, "Generator.normal")

    def truncated_normal(self, shape, mean=0.0, stddev=1.0, dtype=np.float32, name=None):
        """Normal samples re-drawn until within two standard deviations of the mean."""
        return sample_truncated_normal(self._next_stream, shape, mean, stddev, dtype, "Generator.truncated_normal")

    def uniform(self, shape, minval=0, maxval=None, dtype=np.float32, name=None):
        """Uniform samples in ``[minval, maxval)`` (``maxval`` defaults to 1 for floats;
        integer dtypes need it, or neither bound for the full range)."""
        return sample_uniform(self._next_stream, shape, minval, maxval, dtype, "Generator.uniform")

    def uniform_full_int(self, shape, dtype=np.uint64, name=None):
        """Integers over the whole range of ``dtype``."""
        return sample_uniform(self._next_stream, shape, None, None, dtype, "Generator.uniform_full_int")

    def binomial(self, shape, counts, probs, dtype=np.int32, name=None):
        """Binomial counts of ``shape``; ``counts`` and ``probs`` broadcast to its rightmost dims."""
        return sample_binomial(self._next_stream, shape, counts, probs, dtype, "Generator.binomial")

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
        """``count`` seeds for stateless functions: an int64 tensor of shape ``[2, count]``.

        Drawn on the CPU, so split generators are the same on every device.
        """
        seeds = self._next_stream(np).integers(np.iinfo(np.int64).min, np.iinfo(np.int64).max,
                                               (2, int(count)), np.int64)
        return core.wrap(core.to_array(seeds))

    def split(self, count=1):
        """``count`` new generators with independent streams (advances this one)."""
        keys = self._next_stream(np).integers(np.iinfo(np.int64).min, np.iinfo(np.int64).max,
                                              (int(count),), np.int64)
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


def _key_from_seed(seed):
    vals = _int_list(seed, "seed")
    if not isinstance(seed, (list, tuple, np.ndarray, Tensor)) or (
            isinstance(seed, (np.ndarray, Tensor)) and seed.ndim == 0):
        return vals[0] % _U64
    return int(np.random.SeedSequence([v % _U64 for v in vals]).generate_state(1, np.uint64)[0])


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
_op_generators: dict = {}


def get_global_generator() -> Generator:
    """The generator module functions use; created from OS entropy on first use."""
    global _global_generator, _own_generator
    if _global_generator is None:
        _global_generator = _own_generator = Generator.from_non_deterministic_state()
    return _global_generator


def set_global_generator(generator):
    """Replace the global generator (functions keep using the object they were given)."""
    global _global_generator
    if not isinstance(generator, Generator):
        raise TypeError(f"set_global_generator: expected a Generator, got {type(generator).__name__}")
    _global_generator = generator


def set_seed(seed):
    """TF's ``tf.random.set_seed``: reseed the global generator, and restart every op-seed sequence.

    After ``set_seed(s)``, module functions give the same sequence of numbers
    again. A call with ``seed=k`` draws from a sequence determined by
    ``(s, k)``: repeated calls give different numbers, and the sequence
    restarts at the next ``set_seed``. A generator installed with
    :func:`set_global_generator` is not reseeded: a new one takes its place.
    """
    global _global_seed, _global_generator, _own_generator
    _global_seed = None if seed is None else argcheck.integer(seed, "seed", "set_seed")
    fresh = Generator.from_seed(seed) if seed is not None else Generator.from_non_deterministic_state()
    # the module's own generators are reseeded in place, so that wb.function programs
    # (which hold the generator objects they drew from when traced) follow the new seed too
    if _global_generator is not None and _global_generator is _own_generator:
        _global_generator._state.assign(fresh._state._data)
    else:
        _global_generator = _own_generator = fresh
    for op_seed, gen in _op_generators.items():
        gen._state.assign(_op_seed_generator(op_seed)._state._data)


def _op_seed_generator(op_seed):
    """A new generator for the sequence of ``op_seed`` under the current global seed."""
    base = _DEFAULT_GLOBAL_SEED if _global_seed is None else _global_seed
    return Generator.from_seed([base % _U64, op_seed % _U64])


def op_generator(seed):
    """The generator behind an op-level ``seed`` (None: the global generator)."""
    if seed is None:
        return get_global_generator()
    op_seed = argcheck.integer(seed, "seed", "wb.random")
    gen = _op_generators.get(op_seed)
    if gen is None:
        gen = _op_generators[op_seed] = _op_seed_generator(op_seed)
    return gen


# ---------------------------------------------------------------------------
# Stateless functions


def stateless_normal(shape, seed, mean=0.0, stddev=1.0, dtype=np.float32, name=None, alg="auto_select"):
    """Normal samples of ``shape``, a pure function of ``seed`` (shape [2]) on a device.

    >>> a = wb.random.stateless_normal([3], seed=[1, 2])
    >>> bool((a.numpy() == wb.random.stateless_normal([3], seed=[1, 2]).numpy()).all())
    True
    """
    _check_alg(alg)
    return sample_normal(StatelessSource(seed), shape, mean, stddev, dtype, "stateless_normal")


def stateless_truncated_normal(shape, seed, mean=0.0, stddev=1.0, dtype=np.float32, name=None,
                               alg="auto_select"):
    """Normal samples within two standard deviations of ``mean``, a function of ``seed``."""
    _check_alg(alg)
    return sample_truncated_normal(StatelessSource(seed), shape, mean, stddev, dtype,
                             "stateless_truncated_normal")


def stateless_uniform(shape, seed, minval=0, maxval=None, dtype=np.float32, name=None, alg="auto_select"):
    """Uniform samples in ``[minval, maxval)``, a function of ``seed``.

    Floats default to ``[0, 1)``; integer dtypes need both bounds, or neither for
    the full range of the dtype (TF's rule).
    """
    _check_alg(alg)
    return sample_uniform(StatelessSource(seed), shape, minval, maxval, dtype, "stateless_uniform")


def stateless_gamma(shape, seed, alpha, beta=None, dtype=np.float32, name=None):
    """Gamma(``alpha``, rate ``beta``) samples of ``shape``, a function of ``seed``.

    ``alpha`` and ``beta`` broadcast to the rightmost dimensions of ``shape``.
    Differentiable with respect to ``alpha`` (implicit reparameterization: for
    a fixed seed, exactly the derivative of the sample) and ``beta``.

    >>> wb.random.stateless_gamma([10, 2], seed=[12, 34], alpha=[0.5, 1.5]).shape
    (10, 2)
    """
    return sample_gamma(StatelessSource(seed), shape, alpha, beta, dtype, "stateless_gamma")


def stateless_poisson(shape, seed, lam, dtype=np.int32, name=None):
    """Poisson counts of ``shape`` (``lam`` broadcasts to its rightmost dims), a function of ``seed``."""
    return sample_poisson(StatelessSource(seed), shape, lam, dtype, "stateless_poisson")


def stateless_binomial(shape, seed, counts, probs, output_dtype=np.int32, name=None, dtype=None):
    """Binomial counts of ``shape``, a function of ``seed`` (TF's argument is ``output_dtype``)."""
    return sample_binomial(StatelessSource(seed), shape, counts, probs,
                     output_dtype if dtype is None else dtype, "stateless_binomial")


def stateless_categorical(logits, num_samples, seed, dtype=np.int64, name=None):
    """Class indices ``[batch_size, num_samples]`` drawn from ``softmax(logits)``, a function of ``seed``."""
    return sample_categorical(StatelessSource(seed), logits, num_samples, dtype, "stateless_categorical")


# ---------------------------------------------------------------------------
# Module functions (global generator, or TF's op-seed sequences)


def normal(shape, mean=0.0, stddev=1.0, dtype=np.float32, seed=None, name=None):
    """Normal samples of ``shape`` (TF's ``tf.random.normal``)."""
    return op_generator(seed).normal(shape, mean, stddev, dtype)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=np.float32, seed=None, name=None):
    """Normal samples within two standard deviations of ``mean`` (``tf.random.truncated_normal``)."""
    return op_generator(seed).truncated_normal(shape, mean, stddev, dtype)


def uniform(shape, minval=0, maxval=None, dtype=np.float32, seed=None, name=None):
    """Uniform samples in ``[minval, maxval)`` (``tf.random.uniform``)."""
    return op_generator(seed).uniform(shape, minval, maxval, dtype)


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
    return op_generator(seed).categorical(logits, num_samples, dtype)


def shuffle(value, seed=None, name=None):
    """``value`` with its first dimension randomly permuted (``tf.random.shuffle``)."""
    x = convert_to_tensor(value)
    if x.ndim == 0:
        raise ValueError("shuffle: value must have at least one dimension, got a scalar")
    perm = op_generator(seed)._next_stream().permutation(x.shape[0])
    return getitem(x, core.wrap(perm))
