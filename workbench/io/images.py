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


def _decode(contents, channels, where, formats, dtype=np.uint8, jpeg="tf"):
    """``jpeg``: how a JPEG is decoded: "tf" (TF's default: the fast IDCT, fancy upscaling),
    "accurate" (the accurate IDCT, fancy upscaling) or "plain" (the fast IDCT, chroma repeated)."""
    if channels not in (0, 1, 2, 3, 4):
        raise ValueError(f"wb.io.{where}: channels must be 0, 1, 2, 3 or 4, got {channels}")
    data = _bytes(contents, where)
    if (formats is None or "PNG" in formats) and data[:8] == _PNG_SIGNATURE and np.dtype(dtype) == np.uint8:
        arr = _small_png(data, channels)
        if arr is not None:
            return convert_to_tensor(arr)
    if (jpeg == "tf" and data[:2] == b"\xff\xd8" and np.dtype(dtype) == np.uint8
            and (formats is None or "JPEG" in formats)):
        arr = _jpeg_fast_fancy(data, channels)
        if arr is not None:
            return convert_to_tensor(arr)
    img = open_image(data, where, f"wb.io.{where}", formats, fast_jpeg=jpeg == "plain")
    if np.dtype(dtype) == np.uint16:
        arr = np.asarray(img)
        arr = arr.astype(np.uint16) if arr.dtype != np.uint16 else arr
    else:
        mode = _MODES.get(channels) or _file_mode(img)
        arr = np.asarray(img.convert(mode), dtype=np.uint8)
    if arr.ndim == 2:
        arr = arr[:, :, None]
    return convert_to_tensor(np.ascontiguousarray(arr))


# -- JPEG as TF's default decodes it --------------------------------------------------------
# libjpeg's fast integer IDCT with "fancy" chroma upsampling (a triangle filter) has no Pillow
# decoder; Pillow's draft mode gives the fast IDCT's planes with the chroma samples repeated,
# from which the stored chroma planes are read back and upsampled, and converted to RGB, as
# libjpeg does (jdsample.c's h2v1/h2v2 filters and edge rules, jdcolor.c's tables).

_SCALE = 16
_HALF = 1 << (_SCALE - 1)
_X = np.arange(256, dtype=np.int64) - 128
_CR_R = (int(1.40200 * (1 << _SCALE) + 0.5) * _X + _HALF) >> _SCALE
_CB_B = (int(1.77200 * (1 << _SCALE) + 0.5) * _X + _HALF) >> _SCALE
_CR_G = -int(0.71414 * (1 << _SCALE) + 0.5) * _X
_CB_G = -int(0.34414 * (1 << _SCALE) + 0.5) * _X + _HALF


def _jpeg_fast_fancy(data, channels):
    """TF's default decode of a baseline or progressive JPEG of 1 or 3 (YCbCr) components with
    chroma halved or not in each direction, for ``channels`` 0, 1 or 3; None for anything else
    (Pillow's decoder then runs)."""
    if channels not in (0, 1, 3):
        return None
    Image = _pil("decode_jpeg")
    try:
        img = Image.open(io.BytesIO(data))
        if img.format != "JPEG":
            return None
        layer = list(getattr(img, "layer", None) or ())
        if img.mode == "L" and len(layer) == 1:
            img.decoderconfig = (1, 1)
            img.load()
            y = np.asarray(img, dtype=np.uint8)[:, :, None]
            return y if channels in (0, 1) else np.repeat(y, 3, axis=2)
        if img.mode != "RGB" or len(layer) != 3 or img.info.get("adobe_transform", 1) != 1:
            return None
        (h0, v0), (h1, v1), (h2, v2) = [(c[1], c[2]) for c in layer]
        if (h1, v1) != (h2, v2) or h0 % h1 or v0 % v1 or h0 // h1 > 2 or v0 // v1 > 2:
            return None
        if img.draft("L" if channels == 1 else "YCbCr", None) is None:
            return None
        img.decoderconfig = (1, 1)   # (scale, draft): the fast IDCT, chroma repeated
        img.load()
        planes = np.asarray(img)
    except Exception:  # noqa: BLE001 -- what this does not cover, Pillow's decoder reports
        return None
    if channels == 1:
        return np.ascontiguousarray(planes[:, :, None], dtype=np.uint8)
    fh, fv = h0 // h1, v0 // v1
    height, width = planes.shape[:2]
    y = planes[:, :, 0].astype(np.int64)
    cb, cr = (_upsample(planes[::fv, ::fh, k].astype(np.int64), fh, fv)[:height, :width] for k in (1, 2))
    rgb = np.stack([y + _CR_R[cr], y + ((_CB_G[cb] + _CR_G[cr]) >> _SCALE), y + _CB_B[cb]], axis=-1)
    return np.clip(rgb, 0, 255).astype(np.uint8)


def _neighbours(p, axis):
    """(the previous, the next) sample along ``axis``, an edge sample standing for its own."""
    first, last = (p[:1], p[-1:]) if axis == 0 else (p[:, :1], p[:, -1:])
    inner_prev, inner_next = (p[:-1], p[1:]) if axis == 0 else (p[:, :-1], p[:, 1:])
    return np.concatenate([first, inner_prev], axis), np.concatenate([inner_next, last], axis)


def _upsample(p, fh, fv):
    """libjpeg's fancy upsampling of a chroma plane by ``fh`` across and ``fv`` down (1 or 2)."""
    if fh == 1 and fv == 1:
        return p
    if fv == 1 or fh == 1:   # one direction: (3 * near + far + 1 or 2) >> 2, edges kept
        axis = 1 if fv == 1 else 0
        before, after = _neighbours(p, axis)
        shape = list(p.shape)
        shape[axis] *= 2
        out = np.empty(shape, np.int64)
        even, odd = (np.s_[:, 0::2], np.s_[:, 1::2]) if axis == 1 else (np.s_[0::2], np.s_[1::2])
        out[even] = (3 * p + before + 1) >> 2
        out[odd] = (3 * p + after + 2) >> 2
        if axis == 1:
            out[:, 0], out[:, -1] = p[:, 0], p[:, -1]
        return out
    above, below = _neighbours(p, 0)
    out = np.empty((2 * p.shape[0], 2 * p.shape[1]), np.int64)
    for half, near in ((0, above), (1, below)):
        s = 3 * p + near             # the column sums of the output row
        left, right = _neighbours(s, 1)
        row = np.empty((p.shape[0], 2 * p.shape[1]), np.int64)
        row[:, 0::2] = (3 * s + left + 8) >> 4
        row[:, 1::2] = (3 * s + right + 7) >> 4
        row[:, 0] = (4 * s[:, 0] + 8) >> 4
        row[:, -1] = (4 * s[:, -1] + 7) >> 4
        out[half::2] = row
    return out


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

    The pixels are TF's: by default (``dct_method`` ``""`` or ``"INTEGER_FAST"``: libjpeg's fast
    IDCT, with fancy upscaling) for JPEGs of 1 or 3 components, with ``"INTEGER_ACCURATE"``, and
    with ``fancy_upscaling=False`` and the fast IDCT. ``"INTEGER_ACCURATE"`` without fancy
    upscaling (and CMYK files) take the nearest decoder here: a few levels apart."""
    if ratio != 1:
        raise ValueError(f"wb.io.decode_jpeg: ratio must be 1 (downscaled decoding is not done here), "
                         f"got {ratio}")
    method = dct_method.numpy() if hasattr(dct_method, "numpy") else dct_method
    method = method.decode() if isinstance(method, bytes) else method
    if method not in ("", "INTEGER_FAST", "INTEGER_ACCURATE"):
        raise InvalidArgumentError(f"wb.io.decode_jpeg: dct_method must be one of {{'', 'INTEGER_FAST', "
                                   f"'INTEGER_ACCURATE'}}, got {dct_method!r}")
    if not fancy_upscaling:
        how = "plain"
    else:
        how = "accurate" if method == "INTEGER_ACCURATE" else "tf"
    # TF's op takes PNG and GIF too
    return _decode(contents, channels, "decode_jpeg", ("JPEG", "PNG", "GIF"), jpeg=how)


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
