"""Keras 3's image ops (``keras.ops.image``): ``resize``.

>>> from workbench.keras import ops
>>> ops.image.resize(ops.ones((1, 4, 4, 3)), (2, 8)).shape
(1, 2, 8, 3)
"""

from __future__ import annotations

from ... import image as wb_image
from ...errors import argcheck
from ...ops import shape as sh
from .numpy import _floating, _t

__all__ = ["resize"]

_METHODS = ("bilinear", "nearest", "bicubic", "lanczos3", "lanczos5", "area")


def resize(images, size, interpolation="bilinear", antialias=False, crop_to_aspect_ratio=False,
           pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0, data_format=None):
    """``images`` (``(h, w, c)`` or ``(batch, h, w, c)`` for ``channels_last``) resized to ``size``
    ``(height, width)``; ``crop_to_aspect_ratio`` first cuts the centre to the target's aspect."""
    x = _floating(_t(images))
    if x.ndim not in (3, 4):
        raise ValueError(f"resize: images must be 3-D or 4-D, got shape {tuple(x.shape)}")
    if interpolation not in _METHODS:
        raise ValueError(f"resize: interpolation must be one of {_METHODS}, got {interpolation!r}")
    if pad_to_aspect_ratio:
        raise ValueError("resize: pad_to_aspect_ratio=True is not supported; use crop_to_aspect_ratio")
    height, width = (argcheck.integer(v, "size", "resize", minimum=1) for v in size)
    data_format = data_format or "channels_last"
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"resize: data_format must be 'channels_last' or 'channels_first', got {data_format!r}")
    single = x.ndim == 3
    if single:
        x = sh.expand_dims(x, 0)
    if data_format == "channels_first":
        x = sh.transpose(x, [0, 2, 3, 1])
    if crop_to_aspect_ratio:
        h, w = x.shape[1:3]
        crop_h, crop_w = min(h, w * height // width), min(w, h * width // height)
        top, left = (h - crop_h) // 2, (w - crop_w) // 2
        x = x[:, top:top + crop_h, left:left + crop_w]
    out = wb_image.resize(x, (height, width), method=interpolation, antialias=bool(antialias))
    if data_format == "channels_first":
        out = sh.transpose(out, [0, 3, 1, 2])
    return out[0] if single else out
