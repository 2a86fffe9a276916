"""Convolution and pooling layers (NHWC): Conv2D, MaxPool2D, AvgPool2D, GlobalAveragePooling2D.

>>> conv = wb.keras.layers.Conv2D(8, 3, padding="same", activation="relu")
>>> conv(wb.ones([2, 5, 5, 3])).shape, conv.kernel.shape
((2, 5, 5, 8), (3, 3, 3, 8))
"""

from __future__ import annotations

import workbench as wb
from workbench.errors import argcheck

from .base import InputSpec, Layer
from .core import _weight_args, get_activation, serialize_activation

__all__ = ["AvgPool2D", "AveragePooling2D", "Conv2D", "GlobalAveragePooling2D", "MaxPool2D",
           "MaxPooling2D"]


def _pair(value, what, layer):
    """``(h, w)`` from a positive integer or a pair of them."""
    pair = argcheck.integers(value, what, layer, "an integer or a pair of integers")
    if len(pair) == 1:
        pair = pair * 2
    if len(pair) != 2:
        raise ValueError(f"{layer}: {what} must be an integer or a pair of integers, got {value!r}")
    if min(pair) < 1:
        raise ValueError(f"{layer}: {what} must be positive, got {value!r}")
    return pair


def _padding(padding, layer):
    p = str(padding).upper()
    if p not in ("VALID", "SAME"):
        raise ValueError(f"{layer}: padding must be 'valid' or 'same', got {padding!r}")
    return p


class Conv2D(Layer):
    """2-D convolution on ``[batch, height, width, channels]``; kernel
    ``[kh, kw, in_channels, filters]``, bias ``[filters]``."""

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", dilation_rate=(1, 1),
                 activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 data_format=None, **kwargs):
        super().__init__(**kwargs)
        if data_format not in (None, "channels_last"):
            raise ValueError(f"Conv2D: only data_format='channels_last' (NHWC) is supported, got {data_format!r}")
        self.filters = argcheck.integer(filters, "filters", "Conv2D", minimum=1)
        self.kernel_size = _pair(kernel_size, "kernel_size", "Conv2D")
        self.strides = _pair(strides, "strides", "Conv2D")
        self.dilation_rate = _pair(dilation_rate, "dilation_rate", "Conv2D")
        self.padding = _padding(padding, "Conv2D")
        self.activation = get_activation(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer, self.bias_initializer = kernel_initializer, bias_initializer
        self.kernel_regularizer, self.bias_regularizer = kernel_regularizer, bias_regularizer

    def build(self, input_shape):
        if len(input_shape) != 4 or input_shape[-1] is None:
            raise ValueError(f"Conv2D '{self.name}': inputs must be [batch, height, width, channels] with "
                             f"known channels, got shape {input_shape}")
        channels = input_shape[-1]
        self.kernel = self.add_weight("kernel", self.kernel_size + (channels, self.filters),
                                      initializer=self.kernel_initializer, regularizer=self.kernel_regularizer)
        self.bias = (self.add_weight("bias", (self.filters,), initializer=self.bias_initializer,
                                     regularizer=self.bias_regularizer) if self.use_bias else None)
        self.input_spec = InputSpec(ndim=4, axes={-1: channels})

    def call(self, inputs):
        y = wb.nn.conv2d(inputs, self.kernel, strides=self.strides, padding=self.padding,
                         dilations=self.dilation_rate)
        if self.use_bias:
            y = y + self.bias
        return self.activation(y)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "kernel_size": list(self.kernel_size),
                "strides": list(self.strides), "padding": self.padding.lower(),
                "data_format": "channels_last", "dilation_rate": list(self.dilation_rate),
                "activation": serialize_activation(self.activation), "use_bias": self.use_bias,
                **_weight_args(self, "kernel", "bias")}


class _Pool2D(Layer):
    _fn = None

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        name = type(self).__name__
        if data_format not in (None, "channels_last"):
            raise ValueError(f"{name}: only data_format='channels_last' (NHWC) is supported")
        self.pool_size = _pair(pool_size, "pool_size", name)
        self.strides = self.pool_size if strides is None else _pair(strides, "strides", name)
        self.padding = _padding(padding, name)
        self.input_spec = InputSpec(ndim=4)

    def call(self, inputs):
        return type(self)._fn(inputs, ksize=self.pool_size, strides=self.strides, padding=self.padding)

    def get_config(self):
        return {**super().get_config(), "pool_size": list(self.pool_size), "strides": list(self.strides),
                "padding": self.padding.lower(), "data_format": "channels_last"}


class MaxPool2D(_Pool2D):
    """Max over ``pool_size`` windows moved by ``strides`` (default: ``pool_size``)."""

    _fn = staticmethod(wb.nn.max_pool2d)


class AvgPool2D(_Pool2D):
    """Mean over ``pool_size`` windows (with 'same' padding, over the valid entries only)."""

    _fn = staticmethod(wb.nn.avg_pool2d)


class GlobalAveragePooling2D(Layer):
    """Mean over height and width: ``[batch, h, w, c] -> [batch, c]``."""

    def __init__(self, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.keepdims = bool(keepdims)
        self.input_spec = InputSpec(ndim=4)

    def call(self, inputs):
        return wb.reduce_mean(inputs, axis=[1, 2], keepdims=self.keepdims)

    def get_config(self):
        return {**super().get_config(), "keepdims": self.keepdims}


MaxPooling2D, AveragePooling2D = MaxPool2D, AvgPool2D
