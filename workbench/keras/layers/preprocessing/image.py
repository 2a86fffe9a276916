"""Image preprocessing: Resizing, CenterCrop and the training-time augmentations RandomFlip,
RandomRotation, RandomZoom, RandomCrop, RandomTranslation and RandomContrast.

Inputs are one image ``[height, width, channels]`` or a batch ``[batch, height, width, channels]``
(``data_format="channels_first"``: channels before height). The Random* layers change their
inputs only while training (``training=True``, or inside ``fit``) and are the identity
otherwise, as in Keras; ``seed=`` gives a layer its own generator, so a layer built with the
same seed draws the same augmentations call after call. The geometry is ``wb.image``'s
(``resize`` with TF 2's half-pixel centres, ``transform`` with TF's fill modes), so the outputs
are differentiable with respect to the images.

>>> wb.keras.layers.Resizing(2, 3)(wb.ones([4, 8, 8, 3])).shape
(4, 2, 3, 3)
"""

from __future__ import annotations

import math

import numpy as np

import workbench as wb

from ....errors import argcheck
from ..base import Layer
from .common import factor_range, generator, host, seeded

__all__ = ["CenterCrop", "RandomContrast", "RandomCrop", "RandomFlip", "RandomRotation", "RandomTranslation",
           "RandomZoom", "Resizing"]

_FILL_MODES = ("reflect", "wrap", "constant", "nearest")


class _ImageLayer(Layer):
    """Shared handling of one image or a batch, channels last or first, and the float dtype."""

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        if data_format not in (None, "channels_last", "channels_first"):
            raise ValueError(f"{type(self).__name__}: data_format must be 'channels_last' or 'channels_first', "
                             f"got {data_format!r}")
        self.data_format = data_format or "channels_last"
        self.supports_masking = False

    def _batch(self, inputs):
        """``(x [batch, height, width, channels] floating, restore)``."""
        x = wb.convert_to_tensor(inputs)
        if x.ndim not in (3, 4):
            raise ValueError(f"{type(self).__name__} '{self.name}': inputs must be an image [height, width, "
                             f"channels] or a batch [batch, height, width, channels], got shape {x.shape}")
        single = x.ndim == 3
        if single:
            x = x[None]
        if self.data_format == "channels_first":
            x = wb.transpose(x, [0, 2, 3, 1])
        if x.dtype != self.compute_dtype:
            x = wb.cast(x, self.compute_dtype)

        def restore(y):
            if self.data_format == "channels_first":
                y = wb.transpose(y, [0, 3, 1, 2])
            return y[0] if single else y
        return x, restore

    def _base_config(self):
        return {**Layer.get_config(self), "data_format": self.data_format}


def _crop_window(height, width, target_h, target_w):
    """The largest centred window with the target's aspect ratio: ``(top, left, h, w)``."""
    crop_h = max(min(height, int(width * target_h / target_w)), 1)
    crop_w = max(min(width, int(height * target_w / target_h)), 1)
    return int((height - crop_h) / 2), int((width - crop_w) / 2), crop_h, crop_w


def _smart_resize(x, height, width, interpolation="bilinear"):
    """Crop the largest centred window with the target aspect ratio, then resize (Keras' smart resize)."""
    top, left, h, w = _crop_window(x.shape[1], x.shape[2], height, width)
    x = x[:, top:top + h, left:left + w]
    return _resize(x, [height, width], interpolation)


def _resize(x, size, method):
    """``wb.image.resize`` (float32, as TF's) cast back to the layer's dtype, as Keras does."""
    y = wb.image.resize(x, size, method=method)
    return y if y.dtype == x.dtype else wb.cast(y, x.dtype)


_RESIZE_METHODS = ("bilinear", "nearest", "bicubic", "lanczos3", "lanczos5", "area")  # Keras 3's, wb.image.resize's


class Resizing(_ImageLayer):
    """Resize images to ``(height, width)`` (Keras' ``Resizing``); ``interpolation`` is one of
    ``"bilinear"``, ``"nearest"``, ``"bicubic"``, ``"lanczos3"``, ``"lanczos5"``, ``"area"``. ``crop_to_aspect_ratio=True`` first crops the largest centred
    window with the target's aspect ratio; ``pad_to_aspect_ratio=True`` instead pads (centred,
    with ``fill_value``) to that ratio, so nothing is distorted."""

    def __init__(self, height, width, interpolation="bilinear", crop_to_aspect_ratio=False,
                 pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.height = argcheck.integer(height, "height", "Resizing", minimum=1)
        self.width = argcheck.integer(width, "width", "Resizing", minimum=1)
        if interpolation not in _RESIZE_METHODS:
            raise ValueError(f"Resizing: interpolation must be one of {', '.join(map(repr, _RESIZE_METHODS))}, "
                             f"got {interpolation!r}")
        if crop_to_aspect_ratio and pad_to_aspect_ratio:
            raise ValueError("Resizing: crop_to_aspect_ratio and pad_to_aspect_ratio cannot both be True")
        if fill_mode != "constant":
            raise ValueError(f"Resizing: fill_mode must be 'constant' (the padding), got {fill_mode!r}")
        self.interpolation = interpolation
        self.crop_to_aspect_ratio, self.pad_to_aspect_ratio = bool(crop_to_aspect_ratio), bool(pad_to_aspect_ratio)
        self.fill_mode, self.fill_value = fill_mode, argcheck.number(fill_value, "fill_value", "Resizing")

    def call(self, inputs):
        x, restore = self._batch(inputs)
        if self.crop_to_aspect_ratio:
            return restore(_smart_resize(x, self.height, self.width, self.interpolation))
        if self.pad_to_aspect_ratio:
            h, w = x.shape[1], x.shape[2]
            pad_h = max(h, int(round(w * self.height / self.width)))
            pad_w = max(w, int(round(h * self.width / self.height)))
            top, left = (pad_h - h) // 2, (pad_w - w) // 2
            x = wb.pad(x, [[0, 0], [top, pad_h - h - top], [left, pad_w - w - left], [0, 0]],
                       constant_values=self.fill_value)
        return restore(_resize(x, [self.height, self.width], self.interpolation))

    def get_config(self):
        return {**self._base_config(), "height": self.height, "width": self.width,
                "interpolation": self.interpolation, "crop_to_aspect_ratio": self.crop_to_aspect_ratio,
                "pad_to_aspect_ratio": self.pad_to_aspect_ratio, "fill_mode": self.fill_mode,
                "fill_value": self.fill_value}


class CenterCrop(_ImageLayer):
    """The central ``(height, width)`` window of each image (Keras' ``CenterCrop``); an image
    smaller than that in either dimension is smart-resized instead (the largest centred window
    with the target's aspect ratio, resized bilinearly)."""

    def __init__(self, height, width, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.height = argcheck.integer(height, "height", "CenterCrop", minimum=1)
        self.width = argcheck.integer(width, "width", "CenterCrop", minimum=1)

    def call(self, inputs):
        x, restore = self._batch(inputs)
        dh, dw = x.shape[1] - self.height, x.shape[2] - self.width
        if dh < 0 or dw < 0:
            return restore(_smart_resize(x, self.height, self.width))
        top, left = dh // 2, dw // 2
        return restore(x[:, top:top + self.height, left:left + self.width])

    def get_config(self):
        return {**self._base_config(), "height": self.height, "width": self.width}


class _RandomLayer(_ImageLayer):
    def __init__(self, seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.seed = seed
        self._rng = seeded(seed)

    def _uniform(self, shape, low, high):
        """Uniform draws on the host, from the layer's generator."""
        return host(generator(self).uniform(shape, low, high, dtype=np.float64))

    def call(self, inputs, training=None):
        x, restore = self._batch(inputs)
        if not training:
            return restore(x)
        return restore(self._augment(x))

    def _base_config(self):
        return {**super()._base_config(), "seed": self.seed}


class RandomFlip(_RandomLayer):
    """Flip each image left-right and/or up-down with probability 1/2 while training
    (``mode``: ``"horizontal"``, ``"vertical"`` or ``"horizontal_and_vertical"``)."""

    def __init__(self, mode="horizontal_and_vertical", seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        if mode not in ("horizontal", "vertical", "horizontal_and_vertical"):
            raise ValueError(f"RandomFlip: mode must be 'horizontal', 'vertical' or 'horizontal_and_vertical', "
                             f"got {mode!r}")
        self.mode = mode

    def _augment(self, x):
        batch = x.shape[0]
        for axis, on in ((2, "horizontal" in self.mode), (1, "vertical" in self.mode)):
            if on:
                flip = wb.constant(self._uniform((batch,), 0.0, 1.0) < 0.5)[:, None, None, None]
                x = wb.where(flip, wb.reverse(x, axis=[axis]), x)
        return x

    def get_config(self):
        return {**self._base_config(), "mode": self.mode}


class _TransformLayer(_RandomLayer):
    """A random projective warp per image, sampled by ``wb.image.transform``."""

    def __init__(self, fill_mode="reflect", interpolation="bilinear", seed=None, fill_value=0.0, data_format=None,
                 **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        where = type(self).__name__
        if fill_mode not in _FILL_MODES:
            raise ValueError(f"{where}: fill_mode must be one of {', '.join(map(repr, _FILL_MODES))}, "
                             f"got {fill_mode!r}")
        if interpolation not in ("bilinear", "nearest"):
            raise ValueError(f"{where}: interpolation must be 'bilinear' or 'nearest', got {interpolation!r}")
        self.fill_mode, self.interpolation = fill_mode, interpolation
        self.fill_value = argcheck.number(fill_value, "fill_value", where)

    def _augment(self, x):
        return wb.image.transform(x, self._transforms(x.shape[0], x.shape[1], x.shape[2]),
                                  interpolation=self.interpolation, fill_mode=self.fill_mode,
                                  fill_value=self.fill_value)

    def _base_config(self):
        return {**super()._base_config(), "fill_mode": self.fill_mode, "interpolation": self.interpolation,
                "fill_value": self.fill_value}


def _check_fraction(lower, upper, name, where, bound=1.0):
    if lower < -bound or upper > bound:
        raise ValueError(f"{where}: {name} must lie in [-{bound}, {bound}], got ({lower}, {upper})")


class RandomRotation(_TransformLayer):
    """Rotate each image about its centre by a random angle while training: ``factor`` is a
    fraction of a full turn, ``f`` for ``[-f, f]`` or ``(lower, upper)``; positive angles turn
    counter-clockwise. ``value_range`` is recorded for Keras' config."""

    def __init__(self, factor, fill_mode="reflect", interpolation="bilinear", seed=None, fill_value=0.0,
                 value_range=(0, 255), data_format=None, **kwargs):
        super().__init__(fill_mode=fill_mode, interpolation=interpolation, seed=seed, fill_value=fill_value,
                         data_format=data_format, **kwargs)
        self.factor = factor
        self._range = factor_range(factor, "factor", "RandomRotation")
        self.value_range = [float(v) for v in value_range]

    def _transforms(self, batch, h, w):
        angles = self._uniform((batch,), self._range[0] * 2 * math.pi, self._range[1] * 2 * math.pi)
        cos, sin = np.cos(angles), np.sin(angles)
        x_off = ((w - 1) - (cos * (w - 1) - sin * (h - 1))) / 2.0
        y_off = ((h - 1) - (sin * (w - 1) + cos * (h - 1))) / 2.0
        zero = np.zeros(batch)
        return np.stack([cos, -sin, x_off, sin, cos, y_off, zero, zero], axis=1)

    def get_config(self):
        return {**self._base_config(), "factor": _plain(self.factor), "value_range": self.value_range}


class RandomZoom(_TransformLayer):
    """Zoom each image about its centre while training: ``height_factor`` ``f`` draws the zoom from
    ``1 + [-f, f]`` (or ``1 + (lower, upper)``), positive values zooming out; ``width_factor``
    likewise, or (None) the same draw as the height."""

    def __init__(self, height_factor, width_factor=None, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(fill_mode=fill_mode, interpolation=interpolation, seed=seed, fill_value=fill_value,
                         data_format=data_format, **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self._h = factor_range(height_factor, "height_factor", "RandomZoom")
        self._w = None if width_factor is None else factor_range(width_factor, "width_factor", "RandomZoom")
        for name, r in (("height_factor", self._h), ("width_factor", self._w)):
            if r is not None and r[0] < -1.0:
                raise ValueError(f"RandomZoom: {name} must be >= -1 (a zoom factor above 0), got {r}")

    def _transforms(self, batch, h, w):
        zh = 1.0 + self._uniform((batch,), *self._h)
        zw = zh if self._w is None else 1.0 + self._uniform((batch,), *self._w)
        zero = np.zeros(batch)
        return np.stack([zw, zero, (w - 1) / 2.0 * (1.0 - zw), zero, zh, (h - 1) / 2.0 * (1.0 - zh), zero, zero],
                        axis=1)

    def get_config(self):
        return {**self._base_config(), "height_factor": _plain(self.height_factor),
                "width_factor": _plain(self.width_factor)}


class RandomTranslation(_TransformLayer):
    """Shift each image while training by a random fraction of its height and width
    (``f`` for ``[-f, f]``, or ``(lower, upper)``); positive values move the content down/right."""

    def __init__(self, height_factor, width_factor, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(fill_mode=fill_mode, interpolation=interpolation, seed=seed, fill_value=fill_value,
                         data_format=data_format, **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self._h = factor_range(height_factor, "height_factor", "RandomTranslation")
        self._w = factor_range(width_factor, "width_factor", "RandomTranslation")
        _check_fraction(*self._h, "height_factor", "RandomTranslation")
        _check_fraction(*self._w, "width_factor", "RandomTranslation")

    def _transforms(self, batch, h, w):
        dy = self._uniform((batch,), *self._h) * h
        dx = self._uniform((batch,), *self._w) * w
        one, zero = np.ones(batch), np.zeros(batch)
        return np.stack([one, zero, -dx, zero, one, -dy, zero, zero], axis=1)

    def get_config(self):
        return {**self._base_config(), "height_factor": _plain(self.height_factor),
                "width_factor": _plain(self.width_factor)}


class RandomCrop(_RandomLayer):
    """While training, a ``(height, width)`` window at a random offset (one offset per batch, as
    Keras); at inference, and for images smaller than the window, a smart resize (the largest
    centred window with the target aspect ratio, resized bilinearly)."""

    def __init__(self, height, width, seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.height = argcheck.integer(height, "height", "RandomCrop", minimum=1)
        self.width = argcheck.integer(width, "width", "RandomCrop", minimum=1)

    def call(self, inputs, training=None):
        x, restore = self._batch(inputs)
        h, w = x.shape[1], x.shape[2]
        if (h, w) == (self.height, self.width):
            return restore(x)
        if not training or h < self.height or w < self.width:
            return restore(_smart_resize(x, self.height, self.width))
        top = int(self._uniform((), 0.0, h - self.height + 1))
        left = int(self._uniform((), 0.0, w - self.width + 1))
        return restore(x[:, top:top + self.height, left:left + self.width])

    def get_config(self):
        return {**self._base_config(), "height": self.height, "width": self.width}


class RandomContrast(_RandomLayer):
    """While training, scale each image's contrast by a factor drawn from
    ``[1 - lower, 1 + upper]`` (``factor`` ``f`` means ``lower = upper = f``):
    ``(x - mean) * factor + mean`` with the image's per-channel mean, clipped to ``value_range``."""

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.factor = factor
        self._range = factor_range(factor, "factor", "RandomContrast", symmetric=False)
        if self._range[0] < 0 or self._range[0] > 1 or self._range[1] < 0:
            raise ValueError(f"RandomContrast: factor must be in [0, 1] for the lower bound and >= 0 for the upper, "
                             f"got {factor!r}")
        if len(value_range) != 2 or value_range[0] >= value_range[1]:
            raise ValueError(f"RandomContrast: value_range must be (low, high) with low < high, got {value_range!r}")
        self.value_range = [float(v) for v in value_range]

    def _augment(self, x):
        factor = self._uniform((x.shape[0], 1, 1, 1), 1.0 - self._range[0], 1.0 + self._range[1])
        # Keras 3 computes this with its own ops (differentiable), not with tf.image.adjust_contrast,
        # which has no gradient in TF
        mean = wb.reduce_mean(x, axis=[1, 2], keepdims=True)
        y = (x - mean) * wb.constant(factor.astype(x.dtype)) + mean
        return wb.clip_by_value(y, self.value_range[0], self.value_range[1])

    def get_config(self):
        config = self._base_config()
        del config["data_format"]
        return {**config, "factor": _plain(self.factor), "value_range": self.value_range}


def _plain(value):
    """A factor as JSON: a number stays a number, a pair becomes a list."""
    return [float(v) for v in value] if isinstance(value, (list, tuple)) else value
