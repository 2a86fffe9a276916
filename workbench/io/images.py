"""PNG and JPEG bytes to ``uint8`` tensors ``[height, width, channels]`` and back, through
Pillow (``pip install pillow``; the ``io`` extra). ``channels``: 0 keeps the file's,
1 gray, 3 RGB, 4 RGBA (PNG). ``decode_png`` with ``dtype=uint16`` reads 16-bit PNGs."""

from __future__ import annotations

import io

import numpy as np

from ..core import convert_to_tensor, wrap
from ..errors import InvalidArgumentError

__all__ = ["decode_image", "decode_jpeg", "decode_png", "encode_jpeg", "encode_png"]

_MODES = {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}


def _pil(where):
    try:
        from PIL import Image  # noqa: PLC0415  (optional: only images need Pillow)
    except ImportError:
        raise ImportError(f"wb.io.{where} needs Pillow (pip install pillow, or the io extra)") from None
    return Image


def _bytes(contents, where):
    if hasattr(contents, "numpy"):
        contents = contents.numpy()
    if isinstance(contents, np.ndarray) and contents.ndim == 0:
        contents = contents.item()
    if not isinstance(contents, (bytes, bytearray)):
        raise TypeError(f"wb.io.{where}: contents must be a string scalar (bytes), got "
                        f"{type(contents).__name__}")
    return bytes(contents)


def _decode(contents, channels, where, formats, dtype=np.uint8):
    Image = _pil(where)
    if channels not in (0, 1, 2, 3, 4):
        raise ValueError(f"wb.io.{where}: channels must be 0, 1, 2, 3 or 4, got {channels}")
    try:
        img = Image.open(io.BytesIO(_bytes(contents, where)))
        img.load()
    except Exception as exc:  # noqa: BLE001  (Pillow's UnidentifiedImageError and friends)
        raise InvalidArgumentError(f"wb.io.{where}: the contents are not a decodable image: {exc}") from None
    if formats and img.format not in formats:
        raise InvalidArgumentError(f"wb.io.{where}: expected {'/'.join(formats)} data, got {img.format}")
    if np.dtype(dtype) == np.uint16:
        arr = np.asarray(img)
        arr = arr.astype(np.uint16) if arr.dtype != np.uint16 else arr
    else:
        mode = _MODES.get(channels) or _file_mode(img)
        arr = np.asarray(img.convert(mode), dtype=np.uint8)
    if arr.ndim == 2:
        arr = arr[:, :, None]
    return convert_to_tensor(np.ascontiguousarray(arr))


def _file_mode(img):
    """The channels an image file has (``channels=0``)."""
    if img.mode in ("L", "1", "I", "I;16"):
        return "L"
    if img.mode == "LA":
        return "LA"
    if img.mode == "RGBA" or (img.mode == "P" and "transparency" in img.info):
        return "RGBA"
    return "RGB"


def decode_png(contents, channels=0, dtype=np.uint8, name=None):
    """A PNG's pixels as ``[height, width, channels]`` (``uint8``, or ``uint16``)."""
    return _decode(contents, channels, "decode_png", ("PNG",), dtype)


def decode_jpeg(contents, channels=0, ratio=1, fancy_upscaling=True, try_recover_truncated=False,
                acceptable_fraction=1, dct_method="", name=None):
    """A JPEG's pixels as ``uint8 [height, width, channels]``. Pillow's decoder (libjpeg) is
    used; pixel values can differ from TF's by a small amount."""
    if ratio != 1:
        raise ValueError(f"wb.io.decode_jpeg: ratio must be 1 (downscaled decoding is not done here), "
                         f"got {ratio}")
    return _decode(contents, channels, "decode_jpeg", ("JPEG",))


def decode_image(contents, channels=None, dtype=np.uint8, name=None, expand_animations=True):
    """PNG, JPEG, GIF or BMP bytes to ``[height, width, channels]`` (an animated GIF: its
    first frame); ``dtype`` float32 scales to [0, 1] as TF's ``convert_image_dtype``."""
    arr = _decode(contents, channels or 0, "decode_image", None).numpy()
    dtype = np.dtype(dtype)
    if dtype == np.uint8:
        return convert_to_tensor(arr)
    if dtype.kind == "f":
        return convert_to_tensor((arr / np.float64(255)).astype(dtype))
    raise ValueError(f"wb.io.decode_image: dtype must be uint8 or a float dtype, got {dtype}")


def _pixels(image, where):
    arr = np.asarray(image.numpy() if hasattr(image, "numpy") else image)
    if arr.ndim != 3 or arr.shape[2] not in (1, 2, 3, 4):
        raise ValueError(f"wb.io.{where}: image must have shape [height, width, channels] with 1-4 "
                         f"channels, got shape {arr.shape}")
    return arr


def encode_png(image, compression=-1, name=None):
    """PNG bytes (a string scalar) of a ``uint8``/``uint16`` ``[height, width, channels]`` image."""
    Image = _pil("encode_png")
    arr = _pixels(image, "encode_png")
    if arr.dtype not in (np.uint8, np.uint16):
        raise TypeError(f"wb.io.encode_png: image must be uint8 or uint16, got {arr.dtype}")
    if arr.dtype == np.uint16:
        if arr.shape[2] != 1:
            raise ValueError("wb.io.encode_png: uint16 images must have one channel here")
        img = Image.fromarray(np.ascontiguousarray(arr[:, :, 0]))   # Pillow's "I;16"
    else:   # the mode (L, LA, RGB, RGBA) follows from the channels
        img = Image.fromarray(np.ascontiguousarray(arr[:, :, 0] if arr.shape[2] == 1 else arr))
    buf = io.BytesIO()
    img.save(buf, "PNG", compress_level=6 if compression == -1 else int(compression))
    return _string(buf.getvalue())


def encode_jpeg(image, format="", quality=95, progressive=False, optimize_size=False,
                chroma_downsampling=True, name=None, **_unused):
    """JPEG bytes (a string scalar) of a ``uint8`` image with 1 or 3 channels."""
    Image = _pil("encode_jpeg")
    arr = _pixels(image, "encode_jpeg")
    if arr.dtype != np.uint8 or arr.shape[2] not in (1, 3):
        raise ValueError(f"wb.io.encode_jpeg: image must be uint8 with 1 or 3 channels, got "
                         f"{arr.dtype} shape {arr.shape}")
    img = Image.fromarray(np.ascontiguousarray(arr[:, :, 0] if arr.shape[2] == 1 else arr))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=int(quality), progressive=bool(progressive), optimize=bool(optimize_size),
             subsampling=2 if chroma_downsampling else 0)
    return _string(buf.getvalue())


def _string(data: bytes):
    return wrap(np.array(data, dtype=object))
