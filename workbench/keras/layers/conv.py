"""Convolution layers over 1, 2 or 3 spatial dimensions, with Keras 3's arguments and weight
layouts: Conv1D/2D/3D, Conv1DTranspose/2DTranspose/3DTranspose, DepthwiseConv1D/2D and
SeparableConv1D/2D. ``data_format`` is ``"channels_last"`` (the default) or ``"channels_first"``.

>>> conv = wb.keras.layers.Conv2D(8, 3, padding="same", activation="relu")
>>> conv(wb.ones([2, 5, 5, 3])).shape, conv.kernel.shape
((2, 5, 5, 8), (3, 3, 3, 8))
"""

from __future__ import annotations

import workbench as wb
from workbench.errors import argcheck

from .. import constraints
from .base import InputSpec, Layer
from .core import _built_weight, _constraint, _weight_args, get_activation, serialize_activation

__all__ = ["Conv1D", "Conv1DTranspose", "Conv2D", "Conv2DTranspose", "Conv3D", "Conv3DTranspose",
           "Convolution1D", "Convolution1DTranspose", "Convolution2D", "Convolution2DTranspose",
           "Convolution3D", "Convolution3DTranspose", "DepthwiseConv1D", "DepthwiseConv2D",
           "SeparableConv1D", "SeparableConv2D", "SeparableConvolution1D", "SeparableConvolution2D"]

# TF's channels-last and channels-first format strings by number of spatial dimensions
_FORMATS = {1: ("NWC", "NCW"), 2: ("NHWC", "NCHW"), 3: ("NDHWC", "NCDHW")}


def standardize_tuple(value, n, what, layer, allow_zero=False):
    """``n`` ints from an int or a list of ``n`` (Keras' ``standardize_tuple``)."""
    vals = argcheck.integers(value, what, layer, f"an integer or a tuple of {n} integers")
    if len(vals) == 1:
        vals = vals * n
    if len(vals) != n:
        raise ValueError(f"{layer}: {what} must be an integer or a tuple of {n} integers, got {value!r}")
    if min(vals) < (0 if allow_zero else 1):
        raise ValueError(f"{layer}: {what} must be {'non-negative' if allow_zero else 'positive'}, "
                         f"got {value!r}")
    return tuple(vals)


def standardize_data_format(data_format, layer):
    fmt = "channels_last" if data_format is None else str(data_format).lower()
    if fmt not in ("channels_last", "channels_first"):
        raise ValueError(f"{layer}: data_format must be 'channels_last' or 'channels_first', got {data_format!r}")
    return fmt


def standardize_padding(padding, layer, allow_causal=False):
    p = str(padding).lower()
    allowed = ("valid", "same", "causal") if allow_causal else ("valid", "same")
    if p not in allowed:
        raise ValueError(f"{layer}: padding must be one of {allowed}, got {padding!r}")
    return p


class _BaseConv(Layer):
    """What every convolution layer shares: the arguments, the channel axis, bias and activation."""

    rank = None

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        name = type(self).__name__
        self.rank = rank
        self.filters = None if filters is None else argcheck.integer(filters, "filters", name, minimum=1)
        self.groups = argcheck.integer(groups, "groups", name, minimum=1)
        self.kernel_size = standardize_tuple(kernel_size, rank, "kernel_size", name)
        self.strides = standardize_tuple(strides, rank, "strides", name)
        self.dilation_rate = standardize_tuple(dilation_rate, rank, "dilation_rate", name)
        self.padding = standardize_padding(padding, name, allow_causal=rank == 1)
        self.data_format = standardize_data_format(data_format, name)
        self.activation = get_activation(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer, self.bias_initializer = kernel_initializer, bias_initializer
        self.kernel_regularizer, self.bias_regularizer = kernel_regularizer, bias_regularizer
        self.kernel_constraint = _constraint(kernel_constraint, "kernel_constraint", name)
        self.bias_constraint = _constraint(bias_constraint, "bias_constraint", name)
        if self.filters is not None and self.filters % self.groups:
            raise ValueError(f"{name}: filters ({self.filters}) must be divisible by groups ({self.groups})")
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(f"{name}: strides > 1 cannot be combined with dilation_rate > 1, got "
                             f"strides={self.strides} and dilation_rate={self.dilation_rate}")
        self.input_spec = InputSpec(min_ndim=rank + 2)

    @property
    def _channel_axis(self):
        return 1 if self.data_format == "channels_first" else -1

    @property
    def _tf_format(self):
        return _FORMATS[self.rank][self.data_format == "channels_first"]

    def _input_channels(self, input_shape):
        name = type(self).__name__
        if len(input_shape) != self.rank + 2 or input_shape[self._channel_axis] is None:
            raise ValueError(f"{name} '{self.name}': inputs must have rank {self.rank + 2} "
                             f"({self._tf_format}) with known channels, got shape {input_shape}")
        channels = input_shape[self._channel_axis]
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={self._channel_axis: channels})
        return channels

    def _bias_and_activation(self, y):
        if self.use_bias:
            y = y + (self.bias if self.data_format == "channels_last" else
                     wb.reshape(self.bias, (-1,) + (1,) * self.rank))
        return self.activation(y)

    def _pads(self):
        """TF's ``padding`` argument: the string, or explicit pairs for causal padding."""
        if self.padding != "causal":
            return self.padding.upper()
        left = (self.kernel_size[0] - 1) * self.dilation_rate[0]
        pads = [[0, 0], [left, 0], [0, 0]]
        return pads if self.data_format == "channels_last" else [pads[0], pads[2], pads[1]]

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "kernel_size": list(self.kernel_size),
                "strides": list(self.strides), "padding": self.padding, "data_format": self.data_format,
                "dilation_rate": list(self.dilation_rate), "groups": self.groups,
                "activation": serialize_activation(self.activation), "use_bias": self.use_bias,
                **_weight_args(self, "kernel", "bias"),
                "kernel_constraint": constraints.serialize(self.kernel_constraint),
                "bias_constraint": constraints.serialize(self.bias_constraint)}


_CONV_OPS = {1: wb.nn.conv1d, 2: wb.nn.conv2d, 3: wb.nn.conv3d}


class _Conv(_BaseConv):
    """``activation(conv(inputs, kernel) + bias)``; kernel ``kernel_size + (in_channels // groups,
    filters)``, bias ``[filters]``. ``groups > 1`` convolves each group of input channels with its
    own ``filters // groups`` filters."""

    def __init__(self, filters, kernel_size, **kwargs):
        super().__init__(self.rank, filters, kernel_size, **kwargs)

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        if channels % self.groups:
            raise ValueError(f"{type(self).__name__} '{self.name}': the number of input channels ({channels}) "
                             f"must be divisible by groups ({self.groups})")
        self._kernel = self.add_weight(name="kernel", shape=self.kernel_size + (channels // self.groups, self.filters),
                                       initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
                                       constraint=self.kernel_constraint)
        self.bias = (self.add_weight(name="bias", shape=(self.filters,), initializer=self.bias_initializer,
                                     regularizer=self.bias_regularizer, constraint=self.bias_constraint)
                     if self.use_bias else None)

    # Keras 3's Conv1D/2D/3D keep the kernel in `_kernel` (TF checkpoints key it '.../_kernel/...');
    # its transposed, depthwise and separable convolutions do not
    @property
    def kernel(self):
        return _built_weight(self, "_kernel", "kernel")

    def _convolve(self, x, kernel):
        return _CONV_OPS[self.rank](x, kernel, self.strides, self._pads(), self._tf_format, self.dilation_rate)

    def call(self, inputs):
        if self.groups == 1:
            y = self._convolve(inputs, self.kernel)
        else:
            cin, cout = self.kernel.shape[-2], self.filters // self.groups
            lead = (slice(None),) * (1 if self.data_format == "channels_first" else self.rank + 1)
            parts = [self._convolve(inputs[lead + (slice(g * cin, (g + 1) * cin),)],
                                    self.kernel[..., g * cout:(g + 1) * cout])
                     for g in range(self.groups)]
            y = wb.concat(parts, axis=self._channel_axis)
        return self._bias_and_activation(y)


class Conv1D(_Conv):
    """1-D convolution on ``[batch, steps, channels]``; ``padding="causal"`` pads only on the left,
    so output step ``t`` sees input steps ``<= t``."""

    rank = 1


class Conv2D(_Conv):
    """2-D convolution on ``[batch, height, width, channels]``; kernel ``[kh, kw, in, filters]``."""

    rank = 2

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), **kwargs):
        super().__init__(filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
                         dilation_rate=dilation_rate, **kwargs)


class Conv3D(_Conv):
    """3-D convolution on ``[batch, depth, height, width, channels]``."""

    rank = 3

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1, 1), **kwargs):
        super().__init__(filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
                         dilation_rate=dilation_rate, **kwargs)


def conv_transpose_length(n, k, padding, output_padding, stride, dilation):
    """Keras' output length of a transposed convolution of an input of length ``n``."""
    k = (k - 1) * dilation + 1
    if output_padding is None:
        return n * stride + max(k - stride, 0) if padding == "valid" else n * stride
    pad = k // 2 if padding == "same" else 0
    return (n - 1) * stride + k - 2 * pad + output_padding


class _ConvTranspose(_BaseConv):
    """The transpose of a convolution (its gradient with respect to its input); kernel
    ``kernel_size + (filters, in_channels)``. The output length per spatial dim is
    ``n * stride`` ('same') or ``n * stride + max(kernel - stride, 0)`` ('valid'), or, given
    ``output_padding``, ``(n - 1) * stride + kernel - 2 * pad + output_padding`` (pad:
    ``kernel // 2`` for 'same', 0 for 'valid')."""

    def __init__(self, filters, kernel_size, strides=1, padding="valid", output_padding=None,
                 data_format=None, dilation_rate=1, **kwargs):
        if "groups" in kwargs:
            raise TypeError(f"{type(self).__name__}: unexpected keyword argument 'groups'")
        super().__init__(self.rank, filters, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate, **kwargs)
        name = type(self).__name__
        self.output_padding = (None if output_padding is None else
                               standardize_tuple(output_padding, self.rank, "output_padding", name, allow_zero=True))
        if self.output_padding is not None and any(p >= s for p, s in zip(self.output_padding, self.strides)):
            raise ValueError(f"{name}: output_padding {self.output_padding} must be smaller than strides "
                             f"{self.strides} in every dimension")

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        self.kernel = self.add_weight(name="kernel", shape=self.kernel_size + (self.filters, channels),
                                      initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.bias = (self.add_weight(name="bias", shape=(self.filters,), initializer=self.bias_initializer,
                                     regularizer=self.bias_regularizer, constraint=self.bias_constraint)
                     if self.use_bias else None)

    def call(self, inputs):
        first = self.data_format == "channels_first"
        sizes = inputs.shape[2:] if first else inputs.shape[1:-1]
        pads = self.output_padding or (None,) * self.rank
        out = [conv_transpose_length(n, k, self.padding, p, s, d)
               for n, k, p, s, d in zip(sizes, self.kernel_size, pads, self.strides, self.dilation_rate)]
        shape = [inputs.shape[0], self.filters] + out if first else [inputs.shape[0]] + out + [self.filters]
        y = wb.nn.conv_transpose(inputs, self.kernel, shape, strides=self.strides, padding=self.padding.upper(),
                                 data_format=self._tf_format, dilations=self.dilation_rate)
        return self._bias_and_activation(y)

    def get_config(self):
        config = super().get_config()
        del config["groups"]
        config["output_padding"] = None if self.output_padding is None else list(self.output_padding)
        return config


class Conv1DTranspose(_ConvTranspose):
    """Transposed 1-D convolution: ``[batch, steps, channels] -> [batch, new_steps, filters]``."""

    rank = 1


class Conv2DTranspose(_ConvTranspose):
    """Transposed 2-D convolution (an upsampling convolution), kernel ``[kh, kw, filters, in]``."""

    rank = 2

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", output_padding=None,
                 data_format=None, dilation_rate=(1, 1), **kwargs):
        super().__init__(filters, kernel_size, strides=strides, padding=padding, output_padding=output_padding,
                         data_format=data_format, dilation_rate=dilation_rate, **kwargs)


class Conv3DTranspose(_ConvTranspose):
    """Transposed 3-D convolution, kernel ``[kd, kh, kw, filters, in]``."""

    rank = 3

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid", output_padding=None,
                 data_format=None, dilation_rate=(1, 1, 1), **kwargs):
        super().__init__(filters, kernel_size, strides=strides, padding=padding, output_padding=output_padding,
                         data_format=data_format, dilation_rate=dilation_rate, **kwargs)


def _as_2d(layer, x):
    """A 1-D layer's input as a 2-D one with height 1 (and the matching format string)."""
    first = layer.data_format == "channels_first"
    return wb.expand_dims(x, 2 if first else 1), ("NCHW" if first else "NHWC")


def _from_2d(layer, y):
    return wb.squeeze(y, 2 if layer.data_format == "channels_first" else 1)


class _DepthwiseConv(_BaseConv):
    """Each input channel convolved with its own ``depth_multiplier`` filters; kernel
    ``kernel_size + (in_channels, depth_multiplier)``, bias ``[in_channels * depth_multiplier]``."""

    def __init__(self, kernel_size, strides=1, padding="valid", depth_multiplier=1, data_format=None,
                 dilation_rate=1, activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(self.rank, None, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate, activation=activation,
                         use_bias=use_bias, bias_initializer=bias_initializer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer, bias_constraint=bias_constraint, **kwargs)
        name = type(self).__name__
        if self.padding == "causal":
            raise ValueError(f"{name}: padding must be 'valid' or 'same', got {padding!r}")
        self.depth_multiplier = argcheck.integer(depth_multiplier, "depth_multiplier", name, minimum=1)
        self.depthwise_initializer, self.depthwise_regularizer = depthwise_initializer, depthwise_regularizer
        self.depthwise_constraint = _constraint(depthwise_constraint, "depthwise_constraint", name)

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        self.kernel = self.add_weight(name="kernel", shape=self.kernel_size + (channels, self.depth_multiplier),
                                      initializer=self.depthwise_initializer,
                                      regularizer=self.depthwise_regularizer, constraint=self.depthwise_constraint)
        self.bias = (self.add_weight(name="bias", shape=(channels * self.depth_multiplier,),
                                     initializer=self.bias_initializer, regularizer=self.bias_regularizer,
                                     constraint=self.bias_constraint) if self.use_bias else None)

    def call(self, inputs):
        if self.rank == 2:
            y = wb.nn.depthwise_conv2d(inputs, self.kernel, self.strides, self.padding.upper(),
                                       data_format=self._tf_format, dilations=self.dilation_rate)
        else:
            x, fmt = _as_2d(self, inputs)
            y = _from_2d(self, wb.nn.depthwise_conv2d(
                x, wb.expand_dims(self.kernel, 0), (1,) + self.strides, self.padding.upper(),
                data_format=fmt, dilations=(1,) + self.dilation_rate))
        return self._bias_and_activation(y)

    def get_config(self):
        config = super().get_config()
        for key in ("filters", "groups", "kernel_initializer", "kernel_regularizer", "kernel_constraint"):
            del config[key]
        return {**config, "depth_multiplier": self.depth_multiplier,
                **_weight_args(self, "depthwise"),
                "depthwise_constraint": constraints.serialize(self.depthwise_constraint)}


class DepthwiseConv1D(_DepthwiseConv):
    """Depthwise 1-D convolution on ``[batch, steps, channels]``."""

    rank = 1


class DepthwiseConv2D(_DepthwiseConv):
    """Depthwise 2-D convolution on ``[batch, height, width, channels]``, kernel ``[kh, kw, in, multiplier]``."""

    rank = 2

    def __init__(self, kernel_size, strides=(1, 1), padding="valid", depth_multiplier=1, data_format=None,
                 dilation_rate=(1, 1), **kwargs):
        super().__init__(kernel_size, strides=strides, padding=padding, depth_multiplier=depth_multiplier,
                         data_format=data_format, dilation_rate=dilation_rate, **kwargs)


class _SeparableConv(_BaseConv):
    """A depthwise convolution followed by a pointwise (1x1) one mixing the channels:
    ``depthwise_kernel`` ``kernel_size + (in, depth_multiplier)``, ``pointwise_kernel``
    ``(1,) * rank + (in * depth_multiplier, filters)``, bias ``[filters]``."""

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 depth_multiplier=1, activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 pointwise_initializer="glorot_uniform", bias_initializer="zeros", depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(self.rank, filters, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate, activation=activation,
                         use_bias=use_bias, bias_initializer=bias_initializer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer, bias_constraint=bias_constraint, **kwargs)
        name = type(self).__name__
        if self.padding == "causal":
            raise ValueError(f"{name}: padding must be 'valid' or 'same', got {padding!r}")
        self.depth_multiplier = argcheck.integer(depth_multiplier, "depth_multiplier", name, minimum=1)
        self.depthwise_initializer, self.depthwise_regularizer = depthwise_initializer, depthwise_regularizer
        self.pointwise_initializer, self.pointwise_regularizer = pointwise_initializer, pointwise_regularizer
        self.depthwise_constraint = _constraint(depthwise_constraint, "depthwise_constraint", name)
        self.pointwise_constraint = _constraint(pointwise_constraint, "pointwise_constraint", name)

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        self.depthwise_kernel = self.add_weight(
            name="depthwise_kernel", shape=self.kernel_size + (channels, self.depth_multiplier),
            initializer=self.depthwise_initializer, regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint)
        self.pointwise_kernel = self.add_weight(
            name="pointwise_kernel", shape=(1,) * self.rank + (channels * self.depth_multiplier, self.filters),
            initializer=self.pointwise_initializer, regularizer=self.pointwise_regularizer,
            constraint=self.pointwise_constraint)
        self.bias = (self.add_weight(name="bias", shape=(self.filters,), initializer=self.bias_initializer,
                                     regularizer=self.bias_regularizer, constraint=self.bias_constraint)
                     if self.use_bias else None)

    def call(self, inputs):
        if self.rank == 2:
            y = wb.nn.separable_conv2d(inputs, self.depthwise_kernel, self.pointwise_kernel, self.strides,
                                       self.padding.upper(), data_format=self._tf_format,
                                       dilations=self.dilation_rate)
        else:
            x, fmt = _as_2d(self, inputs)
            y = _from_2d(self, wb.nn.separable_conv2d(
                x, wb.expand_dims(self.depthwise_kernel, 0), wb.expand_dims(self.pointwise_kernel, 0),
                (1,) + self.strides, self.padding.upper(), data_format=fmt, dilations=(1,) + self.dilation_rate))
        return self._bias_and_activation(y)

    def get_config(self):
        config = super().get_config()
        for key in ("groups", "kernel_initializer", "kernel_regularizer", "kernel_constraint"):
            del config[key]
        return {**config, "depth_multiplier": self.depth_multiplier,
                **_weight_args(self, "depthwise", "pointwise"),
                "depthwise_constraint": constraints.serialize(self.depthwise_constraint),
                "pointwise_constraint": constraints.serialize(self.pointwise_constraint)}


class SeparableConv1D(_SeparableConv):
    """Depthwise-separable 1-D convolution on ``[batch, steps, channels]``."""

    rank = 1


class SeparableConv2D(_SeparableConv):
    """Depthwise-separable 2-D convolution on ``[batch, height, width, channels]``."""

    rank = 2

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), **kwargs):
        super().__init__(filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
                         dilation_rate=dilation_rate, **kwargs)


Convolution1D, Convolution2D, Convolution3D = Conv1D, Conv2D, Conv3D
Convolution1DTranspose, Convolution2DTranspose, Convolution3DTranspose = (
    Conv1DTranspose, Conv2DTranspose, Conv3DTranspose)
SeparableConvolution1D, SeparableConvolution2D = SeparableConv1D, SeparableConv2D
