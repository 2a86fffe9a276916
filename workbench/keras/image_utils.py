"""Keras 3's image helpers of ``keras.utils``: ``array_to_img``, ``img_to_array``, ``save_img`` and
``load_img``, on Pillow images (Pillow is optional: these functions import it when called and say
so when it is missing, as Keras does).

>>> img = wb.keras.utils.array_to_img(np.zeros((4, 6, 3)))
>>> img.size, wb.keras.utils.img_to_array(img).shape
((6, 4), (4, 6, 3))
"""

from __future__ import annotations

import warnings

import numpy as np

__all__ = ["array_to_img", "img_to_array", "load_img", "save_img"]

_DATA_FORMATS = ("channels_last", "channels_first")


def _pil_image(where):
    try:
        from PIL import Image  # optional dependency: only the image helpers need Pillow
    except ImportError:
        raise ImportError(f"Could not import PIL.Image. The use of `{where}` requires PIL "
                          "(pip install pillow).") from None
    return Image


def _data_format(data_format, where):
    data_format = data_format or "channels_last"
    if data_format not in _DATA_FORMATS:
        raise ValueError(f"{where}: data_format must be 'channels_last' or 'channels_first', got {data_format!r}")
    return data_format


def array_to_img(x, data_format=None, scale=True, dtype=None):
    """A Pillow image from a rank-3 array (height, width, channels for ``channels_last``); with
    ``scale`` the values are stretched to [0, 255]. 1 channel gives an ``L`` image (``I`` for
    values above 255), 3 ``RGB``, 4 ``RGBA``."""
    image = _pil_image("array_to_img")
    data_format = _data_format(data_format, "array_to_img")
    x = np.asarray(x.numpy() if hasattr(x, "numpy") else x, dtype=dtype or "float32")
    if x.ndim != 3:
        raise ValueError(f"Expected image array to have rank 3 (single image). Got array with shape: {x.shape}")
    if data_format == "channels_first":
        x = x.transpose(1, 2, 0)
    if scale:
        x = x - np.min(x)
        x_max = np.max(x)
        if x_max != 0:
            x = x / x_max
        x = x * 255
    channels = x.shape[2]
    if channels == 4:
        return image.fromarray(x.astype("uint8"), "RGBA")
    if channels == 3:
        return image.fromarray(x.astype("uint8"), "RGB")
    if channels == 1:
        if np.max(x) > 255:
            return image.fromarray(x[:, :, 0].astype("int32"), "I")
        return image.fromarray(x[:, :, 0].astype("uint8"), "L")
    raise ValueError(f"Unsupported channel number: {channels}")


def img_to_array(img, data_format=None, dtype=None):
    """A Pillow image as a float32 array (height, width, channels for ``channels_last``)."""
    data_format = _data_format(data_format, "img_to_array")
    x = np.asarray(img, dtype=dtype or "float32")
    if x.ndim == 3:
        return x.transpose(2, 0, 1) if data_format == "channels_first" else x
    if x.ndim == 2:
        return x[None] if data_format == "channels_first" else x[:, :, None]
    raise ValueError(f"Unsupported image shape: {x.shape}")


def save_img(path, x, data_format=None, file_format=None, scale=True, **kwargs):
    """Write an image array to ``path`` (format from ``file_format`` or the file name)."""
    img = array_to_img(x, data_format=data_format, scale=scale)
    if img.mode == "RGBA" and (file_format in ("jpg", "jpeg") or str(path).lower().endswith((".jpg", ".jpeg"))):
        warnings.warn("The JPG format does not support RGBA images, converting to RGB.", stacklevel=2)
        img = img.convert("RGB")
    img.save(path, format=file_format, **kwargs)


_INTERPOLATIONS = ("nearest", "bilinear", "bicubic", "hamming", "box", "lanczos")


def load_img(path, color_mode="rgb", target_size=None, interpolation="nearest", keep_aspect_ratio=False):
    """A Pillow image read from ``path``, in ``color_mode`` ("grayscale", "rgb" or "rgba"), resized
    to ``target_size`` (height, width) when given (cropped to its aspect ratio first with
    ``keep_aspect_ratio``)."""
    image = _pil_image("load_img")
    modes = {"grayscale": "L", "rgb": "RGB", "rgba": "RGBA"}
    if color_mode not in modes:
        raise ValueError(f'color_mode must be "grayscale", "rgb", or "rgba", got {color_mode!r}')
    if interpolation not in _INTERPOLATIONS:
        raise ValueError(f"load_img: interpolation must be one of {_INTERPOLATIONS}, got {interpolation!r}")
    with open(path, "rb") as f:
        img = image.open(f)
        img.load()
    if color_mode == "grayscale":
        if img.mode not in ("L", "I;16", "I"):
            img = img.convert("L")
    elif img.mode != modes[color_mode]:
        img = img.convert(modes[color_mode])
    if target_size is not None:
        height, width = (int(v) for v in target_size)
        if img.size != (width, height):
            resample = getattr(image, "Resampling", image)
            method = getattr(resample, interpolation.upper())
            if keep_aspect_ratio:
                w, h = img.size
                crop_w, crop_h = min(w, h * width // height), min(h, w * height // width)
                left, top = (w - crop_w) // 2, (h - crop_h) // 2
                img = img.crop((left, top, left + crop_w, top + crop_h))
            img = img.resize((width, height), method)
    return img
