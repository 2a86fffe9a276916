"""Weight initializers under Keras' names and formulas (``tf.keras.initializers``).

An initializer is called as ``init(shape, dtype)`` and returns a Tensor.
Random ones draw from ``wb.random``: with ``seed=`` they are stateless, so the
same initializer gives the same values on every call; without a seed they use
the global generator, so ``wb.random.set_seed`` makes model creation repeatable.

>>> init = wb.keras.initializers.get("glorot_uniform")
>>> w = init((4, 3))
>>> bool(abs(w.numpy()).max() <= (6 / 7) ** 0.5)
True
"""

from __future__ import annotations

import math
import re

import numpy as np

from .. import core, random as wb_random
from ..dtypes import np_dtype
from ..ops import create
from .serialization import Configurable, deserialize_object, serialize_object
from .dtype_policies import floatx

__all__ = [
    "Constant", "GlorotNormal", "GlorotUniform", "HeNormal", "HeUniform", "Identity", "Initializer",
    "LecunNormal", "LecunUniform", "Ones", "Orthogonal", "RandomNormal", "RandomUniform",
    "TruncatedNormal", "VarianceScaling", "Zeros", "get",
    "constant", "glorot_normal", "glorot_uniform", "he_normal", "he_uniform", "identity",
    "lecun_normal", "lecun_uniform", "ones", "orthogonal", "random_normal", "random_uniform",
    "truncated_normal", "variance_scaling", "zeros", "deserialize", "serialize",
]

# stddev of a unit normal truncated to [-2, 2]; VarianceScaling divides by it
_TRUNCATED_STDDEV = 0.87962566103423978


def _shape(shape):
    try:
        return tuple(int(s) for s in shape)
    except TypeError:
        raise TypeError(f"initializer: shape must be a sequence of integers, got {shape!r}") from None


def _float_dtype(dtype, who):
    dt = np_dtype(dtype if dtype is not None else floatx())
    if dt.kind != "f" and dt.name != "bfloat16":   # ml_dtypes' bfloat16 has NumPy kind "V"
        raise TypeError(f"{who}: expected a floating dtype, got {dt}")
    return dt


def compute_fans(shape):
    """Keras' ``(fan_in, fan_out)``: kernels ``[..., in, out]`` count the receptive field."""
    if len(shape) < 1:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive = int(np.prod(shape[:-2])) if len(shape) > 2 else 1
    return shape[-2] * receptive, shape[-1] * receptive


class Initializer(Configurable):
    """Base class: subclasses implement ``__call__(shape, dtype=None)``."""

    def __call__(self, shape, dtype=None, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must implement __call__")


class _Random(Initializer):
    """Shared seeding: a seed makes the draw stateless (same values on every call)."""

    def __init__(self, seed=None):
        self.seed = None if seed is None else int(seed)

    def _normal(self, shape, stddev, mean, dtype):
        if self.seed is None:
            return wb_random.get_global_generator().normal(shape, mean, stddev, dtype)
        return wb_random.stateless_normal(shape, [self.seed, 0], mean, stddev, dtype)

    def _truncated(self, shape, stddev, mean, dtype):
        if self.seed is None:
            return wb_random.get_global_generator().truncated_normal(shape, mean, stddev, dtype)
        return wb_random.stateless_truncated_normal(shape, [self.seed, 0], mean, stddev, dtype)

    def _uniform(self, shape, lo, hi, dtype):
        if self.seed is None:
            return wb_random.get_global_generator().uniform(shape, lo, hi, dtype)
        return wb_random.stateless_uniform(shape, [self.seed, 0], lo, hi, dtype)


class Zeros(Initializer):
    def __call__(self, shape, dtype=None, **kwargs):
        return create.zeros(_shape(shape), dtype=np.dtype(dtype or floatx()))


class Ones(Initializer):
    def __call__(self, shape, dtype=None, **kwargs):
        return create.ones(_shape(shape), dtype=np.dtype(dtype or floatx()))


class Constant(Initializer):
    """Fill with ``value`` (a scalar, or an array of the requested shape)."""

    def __init__(self, value=0):
        self.value = value

    def __call__(self, shape, dtype=None, **kwargs):
        shape = _shape(shape)
        arr = np.asarray(self.value.numpy() if isinstance(self.value, core.Tensor) else self.value,
                         dtype=np.dtype(dtype or floatx()))
        if arr.shape != shape:
            try:
                arr = np.broadcast_to(arr, shape)
            except ValueError:
                raise ValueError(f"Constant: value of shape {arr.shape} does not fit shape {shape}") from None
        return core.constant(np.array(arr))

    def get_config(self):
        value = self.value.numpy() if isinstance(self.value, core.Tensor) else self.value
        return {"value": np.asarray(value).tolist() if np.ndim(value) else value}


class RandomNormal(_Random):
    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed)
        self.mean, self.stddev = float(mean), float(stddev)

    def __call__(self, shape, dtype=None, **kwargs):
        return self._normal(_shape(shape), self.stddev, self.mean, _float_dtype(dtype, "RandomNormal"))

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class TruncatedNormal(_Random):
    """Normal draws re-drawn beyond two standard deviations of the mean."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed)
        self.mean, self.stddev = float(mean), float(stddev)

    def __call__(self, shape, dtype=None, **kwargs):
        return self._truncated(_shape(shape), self.stddev, self.mean, _float_dtype(dtype, "TruncatedNormal"))

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class RandomUniform(_Random):
    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        super().__init__(seed)
        self.minval, self.maxval = float(minval), float(maxval)

    def __call__(self, shape, dtype=None, **kwargs):
        return self._uniform(_shape(shape), self.minval, self.maxval, _float_dtype(dtype, "RandomUniform"))

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


class VarianceScaling(_Random):
    """Draws with variance ``scale / n``, ``n`` = fan_in, fan_out or their mean (``mode``).

    ``distribution``: 'truncated_normal' (stddev corrected for the truncation),
    'untruncated_normal' or 'uniform' (limit ``sqrt(3 * scale / n)``).
    """

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None):
        super().__init__(seed)
        if scale <= 0:
            raise ValueError(f"VarianceScaling: scale must be positive, got {scale}")
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(f"VarianceScaling: mode must be 'fan_in', 'fan_out' or 'fan_avg', got {mode!r}")
        distribution = distribution.lower()
        if distribution == "normal":
            distribution = "truncated_normal"
        if distribution not in ("truncated_normal", "untruncated_normal", "uniform"):
            raise ValueError("VarianceScaling: distribution must be 'truncated_normal', "
                             f"'untruncated_normal' or 'uniform', got {distribution!r}")
        self.scale, self.mode, self.distribution = float(scale), mode, distribution

    def __call__(self, shape, dtype=None, **kwargs):
        shape = _shape(shape)
        dtype = _float_dtype(dtype, type(self).__name__)
        fan_in, fan_out = compute_fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        var = self.scale / max(1.0, n)
        if self.distribution == "truncated_normal":
            return self._truncated(shape, math.sqrt(var) / _TRUNCATED_STDDEV, 0.0, dtype)
        if self.distribution == "untruncated_normal":
            return self._normal(shape, math.sqrt(var), 0.0, dtype)
        limit = math.sqrt(3.0 * var)
        return self._uniform(shape, -limit, limit, dtype)

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution, "seed": self.seed}


class GlorotUniform(VarianceScaling):
    """Uniform in ``[-limit, limit]``, ``limit = sqrt(6 / (fan_in + fan_out))``."""

    def __init__(self, seed=None):
        super().__init__(1.0, "fan_avg", "uniform", seed)

    def get_config(self):
        return {"seed": self.seed}


class GlorotNormal(VarianceScaling):
    """Truncated normal with stddev ``sqrt(2 / (fan_in + fan_out))``."""

    def __init__(self, seed=None):
        super().__init__(1.0, "fan_avg", "truncated_normal", seed)

    def get_config(self):
        return {"seed": self.seed}


class HeNormal(VarianceScaling):
    """Truncated normal with stddev ``sqrt(2 / fan_in)``."""

    def __init__(self, seed=None):
        super().__init__(2.0, "fan_in", "truncated_normal", seed)

    def get_config(self):
        return {"seed": self.seed}


class HeUniform(VarianceScaling):
    """Uniform in ``[-limit, limit]``, ``limit = sqrt(6 / fan_in)``."""

    def __init__(self, seed=None):
        super().__init__(2.0, "fan_in", "uniform", seed)

    def get_config(self):
        return {"seed": self.seed}


class LecunNormal(VarianceScaling):
    def __init__(self, seed=None):
        super().__init__(1.0, "fan_in", "truncated_normal", seed)

    def get_config(self):
        return {"seed": self.seed}


class LecunUniform(VarianceScaling):
    def __init__(self, seed=None):
        super().__init__(1.0, "fan_in", "uniform", seed)

    def get_config(self):
        return {"seed": self.seed}


class Orthogonal(_Random):
    """A (semi-)orthogonal matrix times ``gain``: the Q of a QR factorization of a normal
    draw, with signs fixed by R's diagonal (Keras' recipe). Shapes of rank > 2 are
    flattened to ``[prod(shape[:-1]), shape[-1]]``."""

    def __init__(self, gain=1.0, seed=None):
        super().__init__(seed)
        self.gain = float(gain)

    def __call__(self, shape, dtype=None, **kwargs):
        shape = _shape(shape)
        dtype = _float_dtype(dtype, "Orthogonal")
        if len(shape) < 2:
            raise ValueError(f"Orthogonal: the shape must have rank >= 2, got {shape}")
        rows, cols = int(np.prod(shape[:-1])), shape[-1]
        flat = (max(rows, cols), min(rows, cols))
        a = self._normal(flat, 1.0, 0.0, np.float64).numpy()
        q, r = np.linalg.qr(a)
        q = q * np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return core.constant((self.gain * q).reshape(shape).astype(dtype))

    def get_config(self):
        return {"gain": self.gain, "seed": self.seed}


class Identity(Initializer):
    """``gain`` times the identity matrix (2-D shapes only)."""

    def __init__(self, gain=1.0):
        self.gain = float(gain)

    def __call__(self, shape, dtype=None, **kwargs):
        shape = _shape(shape)
        if len(shape) != 2:
            raise ValueError(f"Identity: the shape must be 2-D, got {shape}")
        return core.constant(self.gain * np.eye(*shape, dtype=np.dtype(dtype or floatx())))

    def get_config(self):
        return {"gain": self.gain}


# Keras' function-style aliases
zeros, ones, constant = Zeros, Ones, Constant
random_normal, random_uniform, truncated_normal = RandomNormal, RandomUniform, TruncatedNormal
variance_scaling, orthogonal, identity = VarianceScaling, Orthogonal, Identity
glorot_uniform, glorot_normal, he_normal, he_uniform = GlorotUniform, GlorotNormal, HeNormal, HeUniform
lecun_normal, lecun_uniform = LecunNormal, LecunUniform

_BY_NAME = {
    "zeros": Zeros, "ones": Ones, "constant": Constant, "random_normal": RandomNormal,
    "random_uniform": RandomUniform, "uniform": RandomUniform, "normal": RandomNormal,
    "truncated_normal": TruncatedNormal, "variance_scaling": VarianceScaling,
    "orthogonal": Orthogonal, "identity": Identity, "glorot_uniform": GlorotUniform,
    "glorot_normal": GlorotNormal, "he_normal": HeNormal, "he_uniform": HeUniform,
    "lecun_normal": LecunNormal, "lecun_uniform": LecunUniform,
}


def _key(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower() if not name.islower() else name


def serialize(initializer):
    """Keras' form: ``{"class_name": "GlorotUniform", "config": {"seed": None}}``; a plain
    function becomes a function reference (see ``wb.keras.serialization``); None stays None.

    >>> wb.keras.initializers.serialize(wb.keras.initializers.get("he_normal"))
    {'class_name': 'HeNormal', 'config': {'seed': None}}
    """
    return serialize_object(initializer, Initializer, get)


def deserialize(config, custom_objects=None):
    """The initializer a :func:`serialize` config describes."""
    return deserialize_object(config, "initializer", get, builtin_class, sorted(_BY_NAME), custom_objects)


def builtin_class(name):
    """The library's initializer class called ``name`` (any of Keras' spellings), else None."""
    return _BY_NAME.get(_key(name)) if isinstance(name, str) else None


def get(identifier):
    """An initializer from a name (``"glorot_uniform"``, ``"GlorotUniform"``), a config dict
    (``{"class_name": ..., "config": {...}}``), an initializer or any callable; None gives None.

    >>> wb.keras.initializers.get("zeros")((2,)).numpy()
    array([0., 0.], dtype=float32)
    """
    if identifier is None or isinstance(identifier, Initializer):
        return identifier
    if isinstance(identifier, str):
        cls = _BY_NAME.get(_key(identifier))
        if cls is None:
            raise ValueError(f"unknown initializer {identifier!r}; known: {sorted(_BY_NAME)}")
        return cls()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise TypeError(f"cannot interpret {identifier!r} as an initializer")
