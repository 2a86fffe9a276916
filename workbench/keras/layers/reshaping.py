"""Reshaping layers with Keras 3's arguments: UpSampling1D/2D/3D, ZeroPadding1D/2D/3D,
Cropping1D/2D/3D, Permute and RepeatVector (Flatten and Reshape live in ``core``).

>>> wb.keras.layers.UpSampling2D(2, interpolation="bilinear")(wb.ones([1, 3, 3, 2])).shape
(1, 6, 6, 2)
"""

from __future__ import annotations

import numpy as np

import workbench as wb
from workbench.errors import argcheck

from .base import InputSpec, Layer
from .conv import standardize_data_format, standardize_tuple

__all__ = ["Cropping1D", "Cropping2D", "Cropping3D", "Permute", "RepeatVector", "UpSampling1D", "UpSampling2D",
           "UpSampling3D", "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D"]


def _spatial_axes(data_format, rank):
    first = 2 if data_format == "channels_first" else 1
    return list(range(first, first + rank))


# ---------------------------------------------------------------------------
# upsampling


def _bilinear_matrix(n, scale, dtype):
    """``[n * scale, n]``: TF 2's bilinear resize (half-pixel centers) of one axis as a matrix."""
    out = n * scale
    src = np.clip((np.arange(out) + 0.5) / scale - 0.5, 0, n - 1)
    lo = np.floor(src).astype(np.int64)
    hi = np.minimum(lo + 1, n - 1)
    frac = src - lo
    m = np.zeros((out, n))
    np.add.at(m, (np.arange(out), lo), 1 - frac)
    np.add.at(m, (np.arange(out), hi), frac)
    return m.astype(dtype)


class _UpSampling(Layer):
    rank = None

    def __init__(self, size=2, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.size = standardize_tuple(size, self.rank, "size", type(self).__name__)
        self.data_format = standardize_data_format(data_format, type(self).__name__)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def call(self, inputs):
        for axis, s in zip(_spatial_axes(self.data_format, self.rank), self.size):
            if s > 1:
                inputs = wb.repeat(inputs, s, axis=axis)
        return inputs

    def get_config(self):
        return {**super().get_config(), "size": list(self.size), "data_format": self.data_format}


class UpSampling1D(_UpSampling):
    """Repeat each step ``size`` times: ``[batch, steps, features] -> [batch, steps * size, features]``."""

    rank = 1

    def __init__(self, size=2, **kwargs):
        super().__init__(size, **kwargs)
        self.input_spec = InputSpec(ndim=3)

    def get_config(self):
        config = super().get_config()
        del config["data_format"]
        config["size"] = self.size[0]
        return config


class UpSampling2D(_UpSampling):
    """Enlarge height and width by ``size``: ``interpolation="nearest"`` repeats rows and
    columns; ``"bilinear"`` interpolates with half-pixel centers, as ``tf.image.resize`` (and Keras)."""

    rank = 2

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(size, data_format, **kwargs)
        if interpolation not in ("nearest", "bilinear"):
            raise ValueError(f"UpSampling2D: interpolation must be 'nearest' or 'bilinear', got {interpolation!r}")
        self.interpolation = interpolation

    def call(self, inputs):
        if self.interpolation == "nearest":
            return super().call(inputs)
        h_axis, w_axis = _spatial_axes(self.data_format, 2)
        mh = wb.constant(_bilinear_matrix(inputs.shape[h_axis], self.size[0], inputs.dtype))
        mw = wb.constant(_bilinear_matrix(inputs.shape[w_axis], self.size[1], inputs.dtype))
        eq = "oh,nchw->ncow" if self.data_format == "channels_first" else "oh,nhwc->nowc"
        y = wb.einsum(eq, mh, inputs)
        eq = "pw,nchw->nchp" if self.data_format == "channels_first" else "pw,nhwc->nhpc"
        return wb.einsum(eq, mw, y)

    def get_config(self):
        return {**super().get_config(), "interpolation": self.interpolation}


class UpSampling3D(_UpSampling):
    """Repeat along depth, height and width by ``size``."""

    rank = 3

    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        super().__init__(size, data_format, **kwargs)


# ---------------------------------------------------------------------------
# zero padding and cropping


def _pairs(value, rank, what, layer):
    """``((before, after),) * rank`` from an int, ``rank`` ints, or ``rank`` pairs (Keras' forms)."""
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, (list, tuple)) for v in value):
        if len(value) != rank:
            raise ValueError(f"{layer}: {what} must have {rank} (before, after) pairs, got {value!r}")
        out = tuple(standardize_tuple(v, 2, what, layer, allow_zero=True) for v in value)
    elif rank == 1:
        out = (standardize_tuple(value, 2, what, layer, allow_zero=True),)
    else:
        out = tuple((v, v) for v in standardize_tuple(value, rank, what, layer, allow_zero=True))
    return out


class _ZeroPadding(Layer):
    rank = None

    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(**kwargs)
        name = type(self).__name__
        self.padding = _pairs(padding, self.rank, "padding", name)
        self.data_format = standardize_data_format(data_format, name)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def call(self, inputs):
        widths = [[0, 0] for _ in range(inputs.ndim)]
        for axis, pair in zip(_spatial_axes(self.data_format, self.rank), self.padding):
            widths[axis] = list(pair)
        return wb.pad(inputs, widths)

    def get_config(self):
        return {**super().get_config(), "padding": [list(p) for p in self.padding],
                "data_format": self.data_format}


class ZeroPadding1D(_ZeroPadding):
    """Zeros before and after the steps: ``padding`` an int or ``(before, after)``."""

    rank = 1

    def get_config(self):
        return {**super().get_config(), "padding": list(self.padding[0])}


class ZeroPadding2D(_ZeroPadding):
    """Zero rows and columns around an image: ``padding`` an int, ``(rows, cols)`` or
    ``((top, bottom), (left, right))``."""

    rank = 2

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)


class ZeroPadding3D(_ZeroPadding):
    """Zeros around a volume: an int, three ints or three ``(before, after)`` pairs."""

    rank = 3

    def __init__(self, padding=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)


class _Cropping(Layer):
    rank = None

    def __init__(self, cropping, data_format=None, **kwargs):
        super().__init__(**kwargs)
        name = type(self).__name__
        self.cropping = _pairs(cropping, self.rank, "cropping", name)
        self.data_format = standardize_data_format(data_format, name)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def call(self, inputs):
        index = [slice(None)] * inputs.ndim
        for axis, (a, b) in zip(_spatial_axes(self.data_format, self.rank), self.cropping):
            if a + b >= inputs.shape[axis]:
                raise ValueError(f"{type(self).__name__} '{self.name}': cropping {self.cropping} removes all of "
                                 f"axis {axis} (size {inputs.shape[axis]}) of inputs of shape {inputs.shape}")
            index[axis] = slice(a, inputs.shape[axis] - b)
        return inputs[tuple(index)]

    def get_config(self):
        return {**super().get_config(), "cropping": [list(p) for p in self.cropping],
                "data_format": self.data_format}


class Cropping1D(_Cropping):
    """Remove ``cropping = (before, after)`` steps (an int: the same at both ends)."""

    rank = 1

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(cropping, **kwargs)
        self.input_spec = InputSpec(ndim=3)

    def get_config(self):
        config = super().get_config()
        del config["data_format"]
        return {**config, "cropping": list(self.cropping[0])}


class Cropping2D(_Cropping):
    """Remove rows and columns at the edges: ``((top, bottom), (left, right))``, ``(rows, cols)`` or an int."""

    rank = 2

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(cropping, data_format, **kwargs)


class Cropping3D(_Cropping):
    """Remove entries at the edges of a volume: three ``(before, after)`` pairs, three ints or an int."""

    rank = 3

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(cropping, data_format, **kwargs)


# ---------------------------------------------------------------------------


class Permute(Layer):
    """Permute the non-batch axes: ``dims`` is a permutation of ``1..rank-1`` (1-based, as in Keras),
    e.g. ``Permute((2, 1))`` swaps the two axes of ``[batch, a, b]``."""

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        self.dims = argcheck.integers(dims, "dims", "Permute", "a tuple of integers")
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError(f"Permute: dims must be a permutation of 1..{len(self.dims)} (the batch axis is "
                             f"not counted), got {dims!r}")
        self.input_spec = InputSpec(ndim=len(self.dims) + 1)

    def call(self, inputs):
        return wb.transpose(inputs, (0,) + tuple(self.dims))

    def get_config(self):
        return {**super().get_config(), "dims": list(self.dims)}


class RepeatVector(Layer):
    """Repeat a vector ``n`` times: ``[batch, features] -> [batch, n, features]``."""

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        self.n = argcheck.integer(n, "n", "RepeatVector", minimum=1)
        self.input_spec = InputSpec(ndim=2)

    def call(self, inputs):
        return wb.repeat(wb.expand_dims(inputs, 1), self.n, axis=1)

    def get_config(self):
        return {**super().get_config(), "n": self.n}
