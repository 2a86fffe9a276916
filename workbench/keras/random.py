"""``wb.keras.random``: Keras 3's random ops, each a pure function of a seed.

``seed`` is, as in Keras:

- an integer: the same numbers on every call (``normal((2,), seed=1)`` twice gives one answer);
- a :class:`SeedGenerator`: fresh numbers on every call, replayed by a generator made with the
  same seed (its state is a Variable, so checkpoints keep it and ``wb.function`` programs
  advance it on every run);
- ``None``: fresh numbers from the workbench's global generator (``keras.utils.set_random_seed``
  makes them repeatable).

The draws are TF's stateless ops (``wb.random.stateless_*``) keyed by the seed pair.

>>> keras = wb.keras
>>> gen = keras.random.SeedGenerator(1337)
>>> keras.random.normal((2, 3), seed=gen).shape
(2, 3)
>>> bool((keras.random.uniform((4,), seed=7).numpy() == keras.random.uniform((4,), seed=7).numpy()).all())
True
"""

from __future__ import annotations

import random as py_random

import numpy as np

from .variables import Variable as KerasVariable
from .. import random as wb_random
from ..core import convert_to_tensor
from ..errors import argcheck
from ..backend import device
from ..module import _NameScope
from ..ops.elementwise import cast, where, zeros_like
from ..ops.indexing import argsort, gather

__all__ = ["SeedGenerator", "beta", "binomial", "categorical", "dropout", "gamma", "normal", "randint",
           "shuffle", "truncated_normal", "uniform"]

_FLOATX = "float32"
_MASK = (1 << 63) - 1


class SeedGenerator:
    """A stateful seed: ``next()`` gives the current seed pair ``[seed, counter]`` and advances the
    counter, so random ops given this object draw new numbers on every call.

    ``state`` is an int64 Variable of shape ``[2]`` (not trainable), found by the layers and
    checkpoints that hold the generator, as Keras tracks it in ``layer.variables``.

    >>> g = wb.keras.random.SeedGenerator(42)
    >>> g.next().numpy().tolist(), g.next().numpy().tolist()
    ([42, 0], [42, 1])
    """

    def __init__(self, seed=None, name=None, **kwargs):
        if kwargs:
            raise TypeError(f"SeedGenerator: unexpected arguments {sorted(kwargs)}")
        if seed is None:
            # Python's generator, which keras.utils.set_random_seed seeds, as Keras does
            seed = py_random.randint(1, int(1e9))
        elif argcheck.as_int(seed) is None or isinstance(seed, bool):
            raise ValueError(f"SeedGenerator: seed must be an integer or None, got {argcheck.describe(seed)}")
        self._initial_seed = int(seed)
        self.name = name or "seed_generator"
        # Keras 3's state variable: name 'seed_generator_state', path '<generator>/seed_generator_state'
        with device("cpu"), _NameScope(self.name):  # on the CPU, as wb.random keeps its generators' states
            self.state = KerasVariable(np.asarray([self._initial_seed & _MASK, 0], np.int64), trainable=False,
                                       name="seed_generator_state")

    # checkpoints reach the state through this object (a module holding it owns the Variable)
    def _trackable_children(self):
        return {"state": self.state}

    def next(self, ordered=True):
        """The seed pair to draw with now (an int64 tensor ``[2]``); advances the state.

        ``ordered=False`` scrambles the state instead of counting (Keras' option for draws
        whose order does not matter)."""
        value = self.state * 1
        if ordered:
            self.state.assign_add(np.asarray([0, 1], np.int64))
        else:
            self.state.assign(((self.state + 1) * 5387) % 933199)
        return value

    def get_config(self):
        return {"seed": self._initial_seed}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<SeedGenerator seed={self._initial_seed} state={self.state.numpy().tolist()}>"


def draw_seed(seed):
    """The seed pair (int64 ``[2]``) for one draw, from an int, a SeedGenerator or None."""
    if isinstance(seed, SeedGenerator):
        return seed.next()
    if seed is None:
        return wb_random.get_global_generator().make_seeds(1)[:, 0]
    value = argcheck.as_int(seed)
    if value is None or isinstance(seed, bool):
        raise ValueError(f"seed must be an integer, a keras.random.SeedGenerator or None, got "
                         f"{argcheck.describe(seed)}")
    return convert_to_tensor(np.asarray([value & _MASK, 0], np.int64))


def _float_dtype(dtype, where):
    dt = np.dtype(_FLOATX if dtype is None else getattr(dtype, "name", dtype))
    if dt.kind != "f":
        raise ValueError(f"{where}: dtype must be a floating dtype, got {dt.name}")
    return dt


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Normal samples of ``shape`` (Keras' ``keras.random.normal``)."""
    return wb_random.stateless_normal(shape, draw_seed(seed), mean, stddev, _float_dtype(dtype, "normal"))


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Uniform samples in ``[minval, maxval)``; float dtypes only (use :func:`randint` for integers)."""
    return wb_random.stateless_uniform(shape, draw_seed(seed), minval, maxval, _float_dtype(dtype, "uniform"))


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Normal samples re-drawn until within two standard deviations of ``mean``."""
    return wb_random.stateless_truncated_normal(shape, draw_seed(seed), mean, stddev,
                                                _float_dtype(dtype, "truncated_normal"))


def randint(shape, minval, maxval, dtype="int32", seed=None):
    """Integers in ``[minval, maxval)``."""
    dt = np.dtype(getattr(dtype, "name", dtype))
    if dt.kind not in "iu":
        raise ValueError(f"randint: dtype must be an integer dtype, got {dt.name}")
    return wb_random.stateless_uniform(shape, draw_seed(seed), minval, maxval, dt)


def categorical(logits, num_samples, dtype="int32", seed=None):
    """Class indices ``[batch_size, num_samples]`` drawn from ``softmax(logits)`` (``[batch_size,
    num_classes]``)."""
    logits = convert_to_tensor(logits)
    if logits.ndim != 2:
        raise ValueError(f"categorical: logits must have shape [batch_size, num_classes], got shape "
                         f"{list(logits.shape)}")
    return wb_random.stateless_categorical(logits, num_samples, draw_seed(seed),
                                           np.dtype(getattr(dtype, "name", dtype)))


def gamma(shape, alpha, dtype=None, seed=None):
    """Gamma(``alpha``, rate 1) samples of ``shape``."""
    return wb_random.stateless_gamma(shape, draw_seed(seed), alpha, dtype=_float_dtype(dtype, "gamma"))


def beta(shape, alpha, beta, dtype=None, seed=None):
    """Beta(``alpha``, ``beta``) samples of ``shape``, as ``X / (X + Y)`` of two gamma draws."""
    dt = _float_dtype(dtype, "beta")
    seed_1 = draw_seed(seed)
    seed_2 = seed_1 + 12  # a second stream, a fixed offset from the first so that int seeds repeat
    x = wb_random.stateless_gamma(shape, seed_1, alpha, dtype=dt)
    y = wb_random.stateless_gamma(shape, seed_2, beta, dtype=dt)
    return x / (x + y)


def binomial(shape, counts, probabilities, dtype=None, seed=None):
    """Binomial counts of ``shape`` (``counts`` trials of probability ``probabilities``), as floats."""
    dt = _float_dtype(dtype, "binomial")
    draws = wb_random.stateless_binomial(shape, draw_seed(seed), counts, probabilities, output_dtype=np.int64)
    return cast(draws, dt)


def dropout(inputs, rate, noise_shape=None, seed=None):
    """``inputs`` with a fraction ``rate`` of entries zeroed and the rest scaled by ``1 / (1 - rate)``.

    ``noise_shape`` (broadcast to ``inputs``; ``None`` entries take the input's size) shares one
    keep-or-drop draw along the dimensions where it is 1."""
    x = convert_to_tensor(inputs)
    rate = argcheck.number(rate, "rate", "dropout")
    if not 0.0 <= rate < 1.0:
        raise ValueError(f"dropout: rate must be in [0, 1), got {rate}")
    if noise_shape is None:
        shape = x.shape
    else:
        given = list(noise_shape)
        if len(given) != x.ndim:
            raise ValueError(f"dropout: noise_shape must have one entry per input dimension ({x.ndim}), "
                             f"got {tuple(noise_shape)}")
        shape = tuple(d if n is None else argcheck.integer(n, "noise_shape", "dropout", minimum=1)
                      for n, d in zip(given, x.shape))
    keep = wb_random.stateless_uniform(shape, draw_seed(seed), 0.0, 1.0, x.dtype) >= rate
    scale = 1.0 / (1.0 - rate)
    return where(keep, x * scale, zeros_like(x))


def shuffle(x, axis=0, seed=None):
    """``x`` with its slices along ``axis`` in a random order."""
    x = convert_to_tensor(x)
    if x.ndim == 0:
        raise ValueError("shuffle: x must have at least one dimension, got a scalar")
    axis = argcheck.axis(axis, x.ndim, "shuffle")
    keys = wb_random.stateless_uniform((x.shape[axis],), draw_seed(seed), 0.0, 1.0, np.float64)
    return gather(x, argsort(keys), axis=axis)
