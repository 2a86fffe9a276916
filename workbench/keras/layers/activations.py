"""Activation layers with Keras 3's arguments: ReLU, LeakyReLU, PReLU, ELU and Softmax.

>>> wb.keras.layers.ReLU(max_value=1.0, negative_slope=0.1)(wb.constant([-2.0, 0.5, 3.0])).numpy()
array([-0.2,  0.5,  1. ], dtype=float32)
"""

from __future__ import annotations

import warnings

import numpy as np

import workbench as wb
from workbench.errors import argcheck

from .. import constraints, initializers, regularizers
from .base import InputSpec, Layer
from .core import _constraint

__all__ = ["ELU", "LeakyReLU", "PReLU", "ReLU", "Softmax"]


def _non_negative(value, what, layer, allow_none=False):
    if value is None and allow_none:
        return None
    v = argcheck.number(value, what, layer)
    if v < 0:
        raise ValueError(f"{layer}: {what} must be non-negative, got {value!r}")
    return v


class ReLU(Layer):
    """Keras' rectifier: ``x`` above ``threshold`` (capped at ``max_value``), and
    ``negative_slope * (x - threshold)`` below it."""
    _built_at_init = True

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        self.max_value = _non_negative(max_value, "max_value", "ReLU", allow_none=True)
        self.negative_slope = _non_negative(negative_slope, "negative_slope", "ReLU")
        self.threshold = _non_negative(threshold, "threshold", "ReLU")
        self.supports_masking = True

    def call(self, inputs):
        x = inputs
        negative = None
        if self.negative_slope:
            if self.max_value is None and self.threshold == 0:
                return wb.nn.leaky_relu(x, alpha=self.negative_slope)
            negative = wb.nn.relu(self.threshold - x)
        if self.threshold:
            y = x * wb.cast(wb.greater(x, self.threshold), x.dtype)
        else:
            y = wb.nn.relu(x)
        if self.max_value is not None:
            y = wb.clip_by_value(y, 0.0, self.max_value)
        if negative is not None:
            y = y - self.negative_slope * negative
        return y

    def get_config(self):
        return {**super().get_config(), "max_value": self.max_value, "negative_slope": self.negative_slope,
                "threshold": self.threshold}


class LeakyReLU(Layer):
    """``x`` for ``x >= 0``, ``negative_slope * x`` below (Keras 3's argument; the Keras 2 name
    ``alpha`` is accepted with a warning)."""
    _built_at_init = True
    _promote_int_inputs = True   # Keras 3's ops give a floating result for integer inputs here

    def __init__(self, negative_slope=0.3, **kwargs):
        if "alpha" in kwargs:
            warnings.warn("LeakyReLU: argument 'alpha' is deprecated, use 'negative_slope'", stacklevel=2)
            negative_slope = kwargs.pop("alpha")
        super().__init__(**kwargs)
        self.negative_slope = _non_negative(negative_slope, "negative_slope", "LeakyReLU")
        self.supports_masking = True

    def call(self, inputs):
        return wb.nn.leaky_relu(inputs, alpha=self.negative_slope)

    def get_config(self):
        return {**super().get_config(), "negative_slope": self.negative_slope}


class PReLU(Layer):
    """A leaky ReLU with a learned slope ``alpha`` per input element: ``relu(x) - alpha * relu(-x)``.
    ``alpha`` has the input's shape without the batch axis, except along ``shared_axes`` (axis
    numbers of the inputs, 1 being the first after the batch), which share one slope."""

    def __init__(self, alpha_initializer="Zeros", alpha_regularizer=None, alpha_constraint=None,
                 shared_axes=None, **kwargs):
        super().__init__(**kwargs)
        self.alpha_initializer = alpha_initializer
        self.alpha_regularizer = alpha_regularizer
        self.alpha_constraint = _constraint(alpha_constraint, "alpha_constraint", "PReLU")
        if shared_axes is None:
            self.shared_axes = None
        else:
            self.shared_axes = argcheck.integers(shared_axes, "shared_axes", "PReLU",
                                                 "an integer or a list of integers")
        self.supports_masking = True

    def build(self, input_shape):
        shape = list(input_shape[1:])
        for axis in self.shared_axes or ():
            if not 1 <= axis < len(input_shape):
                raise ValueError(f"PReLU '{self.name}': shared_axes {list(self.shared_axes)} must be in "
                                 f"1..{len(input_shape) - 1} for inputs of shape {input_shape}")
            shape[axis - 1] = 1
        if any(d is None for d in shape):
            raise ValueError(f"PReLU '{self.name}': every axis that is not shared must have a known size, "
                             f"got input shape {input_shape} and shared_axes {self.shared_axes}")
        self.alpha = self.add_weight(name="alpha", shape=shape, initializer=self.alpha_initializer,
                                     regularizer=self.alpha_regularizer, constraint=self.alpha_constraint)
        self.input_spec = InputSpec(ndim=len(input_shape),
                                    axes={i: input_shape[i] for i in range(1, len(input_shape))
                                          if i not in (self.shared_axes or ())})

    def call(self, inputs):
        return wb.nn.relu(inputs) - self.alpha * wb.nn.relu(-inputs)

    def get_config(self):
        return {**super().get_config(), "alpha_initializer": initializers.serialize(self.alpha_initializer),
                "alpha_regularizer": regularizers.serialize(self.alpha_regularizer),
                "alpha_constraint": constraints.serialize(self.alpha_constraint),
                "shared_axes": None if self.shared_axes is None else list(self.shared_axes)}


class ELU(Layer):
    """``x`` for ``x > 0``, ``alpha * (exp(x) - 1)`` below."""
    _built_at_init = True

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = argcheck.number(alpha, "alpha", "ELU")
        self.supports_masking = True

    def call(self, inputs):
        y = wb.nn.elu(inputs)
        if self.alpha == 1.0:
            return y
        positive = wb.nn.relu(inputs)
        return positive + self.alpha * (y - positive)

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha}


def _large_negative(dtype):
    # what Keras adds to masked logits: representable in float16 too
    return -3e4 if np.dtype(dtype) == np.float16 else -1e9


class Softmax(Layer):
    """Softmax over ``axis`` (an int or a list of them). With a boolean ``mask`` (broadcastable to
    the inputs) masked entries get a large negative logit before, and 0 after, as in Keras."""
    _built_at_init = True

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)):
            self.axis = list(argcheck.integers(axis, "axis", "Softmax"))
        else:
            self.axis = argcheck.integer(axis, "axis", "Softmax")
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is not None:
            keep = wb.cast(mask, inputs.dtype)
            inputs = inputs + (1.0 - keep) * _large_negative(inputs.dtype)
        if isinstance(self.axis, list) and len(self.axis) > 1:
            y = wb.exp(inputs - wb.reduce_logsumexp(inputs, axis=self.axis, keepdims=True))
        else:
            y = wb.nn.softmax(inputs, axis=self.axis[0] if isinstance(self.axis, list) else self.axis)
        if mask is not None:
            y = y * keep
        return y

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}
