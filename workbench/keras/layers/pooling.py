"""Pooling layers over 1, 2 or 3 spatial dimensions, with Keras 3's arguments: MaxPooling1D/2D/3D,
AveragePooling1D/2D/3D, GlobalAveragePooling1D/2D/3D and GlobalMaxPooling1D/2D/3D (with
``keepdims``), ``data_format`` ``"channels_last"`` (default) or ``"channels_first"``.

>>> wb.keras.layers.MaxPooling1D(2)(wb.ones([4, 10, 3])).shape
(4, 5, 3)
"""

from __future__ import annotations

import workbench as wb

from .base import InputSpec, Layer
from .conv import _FORMATS, standardize_data_format, standardize_padding, standardize_tuple

__all__ = ["AveragePooling1D", "AveragePooling2D", "AveragePooling3D", "AvgPool1D", "AvgPool2D", "AvgPool3D",
           "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D", "GlobalAvgPool1D",
           "GlobalAvgPool2D", "GlobalAvgPool3D", "GlobalMaxPool1D", "GlobalMaxPool2D", "GlobalMaxPool3D",
           "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D", "MaxPool1D", "MaxPool2D",
           "MaxPool3D", "MaxPooling1D", "MaxPooling2D", "MaxPooling3D"]


class _Pooling(Layer):
    """Windows of ``pool_size`` moved by ``strides`` (default: ``pool_size``)."""
    _built_at_init = True

    rank = None
    _fn = None

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        name = type(self).__name__
        self.pool_size = standardize_tuple(pool_size, self.rank, "pool_size", name)
        self.strides = self.pool_size if strides is None else standardize_tuple(strides, self.rank, "strides", name)
        self.padding = standardize_padding(padding, name)
        self.data_format = standardize_data_format(data_format, name)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def call(self, inputs):
        fmt = _FORMATS[self.rank][self.data_format == "channels_first"]
        return type(self)._fn(inputs, ksize=self.pool_size, strides=self.strides, padding=self.padding.upper(),
                              data_format=fmt)

    def get_config(self):
        return {**super().get_config(), "pool_size": list(self.pool_size), "strides": list(self.strides),
                "padding": self.padding, "data_format": self.data_format}


class MaxPooling1D(_Pooling):
    """Max over windows of ``[batch, steps, channels]``."""

    rank, _fn = 1, staticmethod(wb.nn.max_pool1d)


class MaxPooling2D(_Pooling):
    """Max over ``pool_size`` windows of ``[batch, height, width, channels]``."""

    rank, _fn = 2, staticmethod(wb.nn.max_pool2d)

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class MaxPooling3D(_Pooling):
    """Max over windows of ``[batch, depth, height, width, channels]``."""

    rank, _fn = 3, staticmethod(wb.nn.max_pool3d)

    def __init__(self, pool_size=(2, 2, 2), strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class AveragePooling1D(_Pooling):
    """Mean over windows of ``[batch, steps, channels]`` (with 'same' padding, over the real entries only)."""

    rank, _fn = 1, staticmethod(wb.nn.avg_pool1d)


class AveragePooling2D(_Pooling):
    """Mean over ``pool_size`` windows (with 'same' padding, over the real entries only)."""

    rank, _fn = 2, staticmethod(wb.nn.avg_pool2d)

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class AveragePooling3D(_Pooling):
    """Mean over windows of ``[batch, depth, height, width, channels]``."""

    rank, _fn = 3, staticmethod(wb.nn.avg_pool3d)

    def __init__(self, pool_size=(2, 2, 2), strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class _GlobalPooling(Layer):
    """A reduction over every spatial axis: ``[batch, *spatial, channels] -> [batch, channels]``
    (``keepdims=True`` keeps the spatial axes with size 1)."""
    _built_at_init = True

    rank = None
    _reduce = None

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format, type(self).__name__)
        self.keepdims = bool(keepdims)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    @property
    def _axes(self):
        first = 2 if self.data_format == "channels_first" else 1
        return list(range(first, first + self.rank))

    def call(self, inputs):
        return type(self)._reduce(inputs, axis=self._axes, keepdims=self.keepdims)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format, "keepdims": self.keepdims}


class GlobalAveragePooling1D(_GlobalPooling):
    """Mean over the steps of ``[batch, steps, channels]``; with a ``mask`` ``[batch, steps]``, over
    the unmasked steps only (as Keras does)."""
    _promote_int_inputs = True   # Keras 3's ops give a floating result for integer inputs here

    rank, _reduce = 1, staticmethod(wb.reduce_mean)

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(data_format, keepdims, **kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return super().call(inputs)
        steps = 2 if self.data_format == "channels_first" else 1
        weights = wb.expand_dims(wb.cast(mask, inputs.dtype), 3 - steps)
        total = wb.reduce_sum(inputs * weights, axis=steps, keepdims=self.keepdims)
        return total / wb.reduce_sum(weights, axis=steps, keepdims=self.keepdims)

    def compute_mask(self, inputs, mask=None):
        return None


class GlobalAveragePooling2D(_GlobalPooling):
    """Mean over height and width: ``[batch, h, w, c] -> [batch, c]``."""
    _promote_int_inputs = True   # Keras 3's ops give a floating result for integer inputs here

    rank, _reduce = 2, staticmethod(wb.reduce_mean)


class GlobalAveragePooling3D(_GlobalPooling):
    """Mean over depth, height and width."""
    _promote_int_inputs = True   # Keras 3's ops give a floating result for integer inputs here

    rank, _reduce = 3, staticmethod(wb.reduce_mean)


class GlobalMaxPooling1D(_GlobalPooling):
    """Max over the steps of ``[batch, steps, channels]``."""

    rank, _reduce = 1, staticmethod(wb.reduce_max)


class GlobalMaxPooling2D(_GlobalPooling):
    """Max over height and width."""

    rank, _reduce = 2, staticmethod(wb.reduce_max)


class GlobalMaxPooling3D(_GlobalPooling):
    """Max over depth, height and width."""

    rank, _reduce = 3, staticmethod(wb.reduce_max)


# the 2-D classes keep the names they had before the 1-D and 3-D ones joined them
MaxPool1D, MaxPool2D, MaxPool3D = MaxPooling1D, MaxPooling2D, MaxPooling3D  # Keras 3's aliases
AvgPool1D, AvgPool2D, AvgPool3D = AveragePooling1D, AveragePooling2D, AveragePooling3D
GlobalAvgPool1D, GlobalAvgPool2D, GlobalAvgPool3D = (
    GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalAveragePooling3D)
GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPool3D = GlobalMaxPooling1D, GlobalMaxPooling2D, GlobalMaxPooling3D
