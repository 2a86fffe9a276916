"""Regularization layers that act only while training, with Keras 3's arguments:
SpatialDropout1D/2D/3D (whole channels dropped), GaussianNoise and GaussianDropout.

Randomness is seeded as in ``Dropout``: with ``seed`` the layer owns a ``wb.random.Generator``
seeded by it (a new layer with the same seed draws the same noise, call after call); without
one it draws from the global generator (``wb.random.set_seed``). With ``training`` falsy each
layer is the identity.

>>> wb.keras.layers.GaussianNoise(0.1, seed=1)(wb.ones([2, 3])).numpy().tolist()
[[1.0, 1.0, 1.0], [1.0, 1.0, 1.0]]
"""

from __future__ import annotations

import math

import workbench as wb
from workbench.errors import argcheck

from ... import random as wb_random
from .base import InputSpec, Layer
from .conv import standardize_data_format
from .core import Dropout, _on_values

__all__ = ["GaussianDropout", "GaussianNoise", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D"]


class _SpatialDropout(Dropout):
    """Dropout of whole feature maps: one draw per sample and channel, shared by every position."""

    rank = None

    def __init__(self, rate, data_format=None, seed=None, **kwargs):
        name = type(self).__name__
        if not 0.0 <= argcheck.number(rate, "rate", name) < 1.0:
            raise ValueError(f"{name}: rate must be in [0, 1), got {rate!r}")
        super().__init__(rate, seed=seed, **kwargs)
        self.data_format = standardize_data_format(data_format, type(self).__name__)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def call(self, inputs, training=None):
        if not training or self.rate == 0.0:
            return inputs
        rng = self._rng or wb_random.get_global_generator()
        batch, channels = inputs.shape[0], inputs.shape[1 if self.data_format == "channels_first" else -1]
        ones = [1] * self.rank
        noise = [batch, channels] + ones if self.data_format == "channels_first" else [batch] + ones + [channels]
        seed = rng.make_seeds(1)[:, 0]
        return wb.nn.experimental.stateless_dropout(inputs, self.rate, seed, noise_shape=noise)

    def get_config(self):
        config = super().get_config()
        del config["noise_shape"]
        return {**config, "data_format": self.data_format}


class SpatialDropout1D(_SpatialDropout):
    """Drop whole channels of ``[batch, steps, channels]`` with probability ``rate``."""

    rank = 1

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(rate, seed=seed, **kwargs)

    def get_config(self):
        config = super().get_config()
        del config["data_format"]
        return config


class SpatialDropout2D(_SpatialDropout):
    """Drop whole channels of ``[batch, height, width, channels]`` (or channels first)."""

    rank = 2


class SpatialDropout3D(_SpatialDropout):
    """Drop whole channels of ``[batch, depth, height, width, channels]`` (or channels first)."""

    rank = 3


class _Noise(Layer):
    _built_at_init = True
    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self._rng = None if seed is None else wb_random.Generator.from_seed(seed)
        self.supports_masking = True

    def _normal(self, x, mean, stddev):
        rng = self._rng or wb_random.get_global_generator()
        return rng.normal(x.shape, mean=mean, stddev=stddev, dtype=x.dtype)


class GaussianNoise(_Noise):
    """Add zero-mean normal noise of standard deviation ``stddev`` while training. As in Keras,
    ``stddev`` must lie in [0, 1] (the layer expects inputs scaled to about that range)."""

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.stddev = argcheck.number(stddev, "stddev", "GaussianNoise")
        if not 0.0 <= self.stddev <= 1.0:
            raise ValueError(f"GaussianNoise: stddev must be in [0, 1] (as in Keras), got {stddev!r}")

    def call(self, inputs, training=None):
        if not training or self.stddev == 0:
            return inputs
        return _on_values(lambda x: x + self._normal(x, 0.0, self.stddev), inputs)

    def get_config(self):
        return {**super().get_config(), "stddev": self.stddev, "seed": self.seed}


class GaussianDropout(_Noise):
    """Multiply by normal noise of mean 1 and standard deviation ``sqrt(rate / (1 - rate))`` while
    training (the mean and variance of dropout at ``rate``, without zeros)."""

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.rate = argcheck.number(rate, "rate", "GaussianDropout")
        if not 0.0 <= self.rate < 1.0:
            raise ValueError(f"GaussianDropout: rate must be in [0, 1), got {rate!r}")

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return inputs
        stddev = math.sqrt(self.rate / (1.0 - self.rate))
        return _on_values(lambda x: x * self._normal(x, 1.0, stddev), inputs)

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}
