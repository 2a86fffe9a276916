"""PNG and JPEG bytes to ``uint8`` tensors ``[height, width, channels]`` and back, through
Pillow (``pip install pillow``; the ``io`` extra). ``channels``: 0 keeps the file's,
1 gray, 3 RGB, 4 RGBA (PNG). ``decode_png`` with ``dtype=uint16`` reads 16-bit PNGs.

Small 8-bit PNGs whose channels are kept as they are (grey, grey + alpha, RGB, RGBA; not
interlaced or animated, no palette, no transparency chunk) are decoded here, with ``zlib`` and
NumPy: for an 8x8 image Pillow's per-file work costs several times the decoding itself. The
pixels are the same as Pillow's; every other file goes to Pillow.
"""

from __future__ import annotations

import io
import struct
import zlib

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


def open_image(data, where, label, formats=None, kind="image", fast_jpeg=False):
    """Pillow's image of ``data``, loaded: InvalidArgumentError naming ``label`` when the bytes do
    not decode or are not one of ``formats`` (Pillow's format names: ``"PNG"``, ``"BMP"``...).
    ``fast_jpeg``: a JPEG is decoded in libjpeg's draft mode (the fast integer IDCT, chroma
    upsampled without smoothing)."""
    Image = _pil(where)
    try:
        img = Image.open(io.BytesIO(data))
        if fast_jpeg and img.format == "JPEG":
            img.decoderconfig = (1, 1)   # (scale, draft): what Image.draft sets, at full size
        img.load()
    except Exception as exc:  # noqa: BLE001  (Pillow's UnidentifiedImageError and friends)
        raise InvalidArgumentError(f"{label}: the contents are not a decodable {kind}: {exc}") from None
    if formats and img.format not in formats:
        raise InvalidArgumentError(f"{label}: expected {'/'.join(formats)} data, got {img.format}")
    return img


def _bytes(contents, where):
    if hasattr(contents, "numpy"):
        contents = contents.numpy()
    if isinstance(contents, np.ndarray) and contents.ndim == 0:
        contents = contents.item()
    if not isinstance(contents, (bytes, bytearray)):
        raise TypeError(f"wb.io.{where}: contents must be a string scalar (bytes), got "
                        f"{type(contents).__name__}")
    return bytes(contents)


def _decode(contents, channels, where, formats, dtype=np.uint8, fast_jpeg=False):
    if channels not in (0, 1, 2, 3, 4):
        raise ValueError(f"wb.io.{where}: channels must be 0, 1, 2, 3 or 4, got {channels}")
    data = _bytes(contents, where)
    if (formats is None or "PNG" in formats) and data[:8] == _PNG_SIGNATURE and np.dtype(dtype) == np.uint8:
        arr = _small_png(data, channels)
        if arr is not None:
            return convert_to_tensor(arr)
    img = open_image(data, where, f"wb.io.{where}", formats, fast_jpeg=fast_jpeg)
    if np.dtype(dtype) == np.uint16:
        arr = np.asarray(img)
        arr = arr.astype(np.uint16) if arr.dtype != np.uint16 else arr
    else:
        mode = _MODES.get(channels) or _file_mode(img)
        arr = np.asarray(img.convert(mode), dtype=np.uint8)
    if arr.ndim == 2:
        arr = arr[:, :, None]
    return convert_to_tensor(np.ascontiguousarray(arr))


_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_CHANNELS = {0: 1, 4: 2, 2: 3, 6: 4}   # colour type -> channels (8-bit samples)
_SMALL_PNG = 1 << 16   # at most this many bytes of pixels are decoded here, and of them at
_SLOW_FILTER = 256     # most this many in rows with the average or Paeth filter (a Python loop)
_running_sum = np.add.accumulate   # in uint8, wrapping as PNG's sums do (np.cumsum would widen)


def _small_png(data, channels):
    """The pixels ``uint8 [height, width, channels]`` of a small plain 8-bit PNG whose
    channels are kept (``channels`` 0 or the file's), or None for Pillow to decode: another
    kind of PNG, a larger one, or anything unexpected (a bad checksum, a chunk out of place,
    data of the wrong length), which Pillow then reports as it does."""
    unpack, crc32 = struct.unpack_from, zlib.crc32
    end, pos, header, idat, previous = len(data), 8, None, [], None
    while True:
        if pos + 12 > end:
            return None
        length, kind = unpack(">I4s", data, pos)
        body = pos + 8
        stop = body + length
        if stop + 4 > end or crc32(data[pos + 4:stop]) != unpack(">I", data, stop)[0]:
            return None
        if kind == b"IDAT":
            if header is None or idat and previous != b"IDAT":
                return None
            idat.append(data[body:stop])
        elif kind == b"IHDR":
            if pos != 8 or length != 13:
                return None
            header = unpack(">IIBBBBB", data, body)
        elif kind == b"IEND":
            break
        elif kind in (b"tRNS", b"acTL") or not kind[0] & 0x20:
            return None   # transparency, animation, or a critical chunk (PLTE, an unknown one)
        previous, pos = kind, stop + 4
    if header is None or not idat:
        return None
    width, height, depth, colour, compression, method, interlace = header
    depth_channels = _PNG_CHANNELS.get(colour)
    if (depth != 8 or depth_channels is None or compression or method or interlace
            or channels not in (0, depth_channels) or width * height * depth_channels > _SMALL_PNG
            or not width or not height):
        return None
    row = width * depth_channels
    expected = height * (row + 1)
    try:   # never more than the header's size (a small header over a large stream goes to Pillow)
        inflate = zlib.decompressobj()
        raw = inflate.decompress(b"".join(idat), expected + 1)
    except zlib.error:
        return None
    if len(raw) != expected or not inflate.eof:
        return None
    filters = raw[::row + 1]
    if max(filters) > 4 or (filters.count(3) + filters.count(4)) * row > _SLOW_FILTER:
        return None
    pixels = np.frombuffer(raw, np.uint8).reshape(height, row + 1)[:, 1:].copy()
    if any(filters):
        _unfilter(pixels, list(filters), depth_channels)
    return pixels.reshape(height, width, depth_channels)


def _unfilter(pixels, filters, bpp):
    """Undo the PNG filters (0 none, 1 sub, 2 up, 3 average, 4 Paeth) of ``pixels`` ``uint8
    [rows, bytes]`` in place; ``filters``: each row's (a list); ``bpp``: bytes per pixel."""
    height = len(filters)
    sub = [r for r, f in enumerate(filters) if f == 1]
    if sub:   # a row's own running sums (per channel): the rows at once
        by_pixel = pixels.reshape(height, -1, bpp)
        by_pixel[sub] = _running_sum(by_pixel[sub], 1)
    r = 0
    while r < height:
        f = filters[r]
        if f == 2:   # a run of rows adding the row above: running sums down from the row before
            first = max(r - 1, 0)
            while r + 1 < height and filters[r + 1] == 2:
                r += 1
            block = pixels[first:r + 1]
            _running_sum(block, 0, None, block)   # the same view in and out: no copy first
        elif f > 2:
            pixels[r] = _average_or_paeth(pixels[r].tolist(), pixels[r - 1].tolist() if r else None, f, bpp)
        r += 1


def _average_or_paeth(out, up, f, bpp):
    """One row with the average (3) or Paeth (4) filter undone: ``out`` its bytes (a list,
    changed in place), ``up`` the row above (None for the first)."""
    if up is None:
        up = [0] * len(out)
    if f == 3:
        for i in range(bpp):   # no pixel on the left: half the byte above
            out[i] = (out[i] + (up[i] >> 1)) & 255
        for i in range(bpp, len(out)):
            out[i] = (out[i] + ((out[i - bpp] + up[i]) >> 1)) & 255
        return out
    for i in range(bpp):   # no pixel on the left: the byte above
        out[i] = (out[i] + up[i]) & 255
    for i in range(bpp, len(out)):
        left, above, corner = out[i - bpp], up[i], up[i - bpp]
        pa, pb = above - corner, left - corner
        pc = abs(pa + pb)
        pa, pb = abs(pa), abs(pb)
        out[i] = (out[i] + (left if pa <= pb and pa <= pc else above if pb <= pc else corner)) & 255
    return out


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
    return _decode(contents, channels, "decode_png", ("PNG", "JPEG", "GIF"), dtype)   # TF's op takes all three


def decode_jpeg(contents, channels=0, ratio=1, fancy_upscaling=True, try_recover_truncated=False,
                acceptable_fraction=1, dct_method="", name=None):
    """A JPEG's pixels as ``uint8 [height, width, channels]``, by Pillow's decoder (libjpeg).

    The pixels are TF's exactly with ``dct_method="INTEGER_ACCURATE"`` (the accurate IDCT, fancy
    upscaling) and with ``fancy_upscaling=False`` and the fast IDCT (``""``, ``"INTEGER_FAST"``).
    TF's default (the fast IDCT with fancy upscaling) has no Pillow decoder: the accurate one
    is used, whose pixels can differ from TF's by a few levels."""
    if ratio != 1:
        raise ValueError(f"wb.io.decode_jpeg: ratio must be 1 (downscaled decoding is not done here), "
                         f"got {ratio}")
    method = dct_method.numpy() if hasattr(dct_method, "numpy") else dct_method
    method = method.decode() if isinstance(method, bytes) else method
    if method not in ("", "INTEGER_FAST", "INTEGER_ACCURATE"):
        raise InvalidArgumentError(f"wb.io.decode_jpeg: dct_method must be one of {{'', 'INTEGER_FAST', "
                                   f"'INTEGER_ACCURATE'}}, got {dct_method!r}")
    # TF's op takes PNG and GIF too
    return _decode(contents, channels, "decode_jpeg", ("JPEG", "PNG", "GIF"), fast_jpeg=not fancy_upscaling)


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
