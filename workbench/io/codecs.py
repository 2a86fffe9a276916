"""Byte codecs of ``tf.io`` / ``tf.image`` / ``tf.audio``: web-safe base64, zlib/gzip
decompression, 16-bit PCM WAV (the standard library's ``wave``), and BMP, GIF and WebP images
and JPEG headers and crops (Pillow). String tensors are object arrays of ``bytes``.

>>> wb.io.encode_base64(wb.constant([b"hello?>"])).numpy()
array([b'aGVsbG8_Pg'], dtype=object)
"""

from __future__ import annotations

import base64
import binascii
import gzip
import io
import re
import struct
import wave
import zlib
from collections import namedtuple

import numpy as np

from .. import core, dtypes
from ..core import convert_to_tensor, wrap
from ..errors import DataLossError, InvalidArgumentError
from .images import _bytes, _pil, _string, open_image

__all__ = ["decode_and_crop_jpeg", "decode_base64", "decode_bmp", "decode_compressed", "decode_gif",
           "decode_wav", "decode_webp", "encode_base64", "encode_wav", "extract_jpeg_shape", "is_jpeg"]


def _strings(input, opname, what="input"):
    """``input`` as an object array of bytes (any shape)."""
    x = convert_to_tensor(input)
    if x.dtype != dtypes.string:
        raise TypeError(f"{opname}: {what} must be a string tensor, got dtype {x.dtype}")
    arr = np.asarray(x.numpy(), dtype=object)
    return arr


def _map(arr, fn):
    out = np.empty(arr.shape, dtype=object)
    for i, v in np.ndenumerate(arr):
        out[i] = fn(v if isinstance(v, bytes) else str(v).encode("utf-8"))
    return wrap(out)


# ---------------------------------------------------------------------------
# base64 (web-safe alphabet) and decompression


_WEB_SAFE = re.compile(rb"^[A-Za-z0-9_-]*={0,2}$")


@core.dispatchable   # a RaggedTensor takes it over (ragged registers the handler)
def encode_base64(input, pad=False, name=None):
    """Each string in web-safe base64 (``-`` and ``_`` for ``+`` and ``/``); ``=`` padding
    only with ``pad=True``, as TF."""
    arr = _strings(input, "encode_base64")

    def enc(b):
        out = base64.urlsafe_b64encode(b)
        return out if pad else out.rstrip(b"=")
    return _map(arr, enc)


@core.dispatchable   # a RaggedTensor takes it over (ragged registers the handler)
def decode_base64(input, name=None):
    """The bytes of web-safe base64 strings (padding optional). A character outside the
    web-safe alphabet, or a length of 1 modulo 4, is an ``InvalidArgumentError``, as TF."""
    arr = _strings(input, "decode_base64")

    def dec(b):
        if not _WEB_SAFE.match(b):
            raise InvalidArgumentError(f"decode_base64: invalid character found in base64: {b[:40]!r}")
        core = b.rstrip(b"=")
        if len(core) % 4 == 1:
            raise InvalidArgumentError(f"decode_base64: base64 string length cannot be 1 modulo 4, got "
                                       f"{len(core)} characters")
        try:
            return base64.urlsafe_b64decode(core + b"=" * (-len(core) % 4))
        except binascii.Error as exc:
            raise InvalidArgumentError(f"decode_base64: {exc}") from None
    return _map(arr, dec)


@core.dispatchable   # a RaggedTensor takes it over (ragged registers the handler)
def decode_compressed(bytes, compression_type="", name=None):
    """Each string decompressed: ``compression_type`` ``"ZLIB"``, ``"GZIP"`` or ``""`` (as
    is). Corrupt data is a ``DataLossError``, as TF."""
    arr = _strings(bytes, "decode_compressed", "bytes")
    kind = compression_type.upper() if isinstance(compression_type, str) else compression_type
    if kind not in ("", "NONE", "ZLIB", "GZIP"):
        raise InvalidArgumentError(f"decode_compressed: compression_type must be 'ZLIB', 'GZIP' or '' "
                                   f"(ZSTD is not supported here), got {compression_type!r}")

    def dec(b):
        if kind in ("", "NONE"):
            return b
        try:
            return zlib.decompress(b) if kind == "ZLIB" else gzip.decompress(b)
        except (zlib.error, OSError, EOFError) as exc:
            raise DataLossError(f"decode_compressed: {kind} data could not be inflated: {exc}") from None
    return _map(arr, dec)


# ---------------------------------------------------------------------------
# WAV


DecodeWav = namedtuple("DecodeWav", ["audio", "sample_rate"])


def _int_scalar(value, what, opname):
    v = value.numpy() if hasattr(value, "numpy") else value
    if np.ndim(v) != 0 or np.asarray(v).dtype.kind not in "iu":
        raise TypeError(f"{opname}: {what} must be an integer scalar, got {value!r}")
    return int(v)


def decode_wav(contents, desired_channels=-1, desired_samples=-1, name=None):
    """``(audio, sample_rate)`` of 16-bit PCM WAV bytes: ``audio`` float32
    ``[samples, channels]`` in ``[-1, 1)`` (sample / 32768), ``sample_rate`` an int32 scalar.
    ``desired_samples`` cuts or zero-pads the samples; ``desired_channels`` keeps the first
    channels, or repeats the last (a mono file fills every channel), as TF."""
    data = _bytes(contents, "decode_wav")
    try:
        with wave.open(io.BytesIO(data), "rb") as f:
            if f.getsampwidth() != 2:
                raise InvalidArgumentError(f"decode_wav: only 16-bit PCM WAV is supported, got "
                                           f"{8 * f.getsampwidth()}-bit samples")
            channels, rate = f.getnchannels(), f.getframerate()
            frames = f.readframes(f.getnframes())
    except (wave.Error, EOFError) as exc:
        raise InvalidArgumentError(f"decode_wav: the contents are not a readable WAV file: {exc}") from None
    audio = np.frombuffer(frames, dtype="<i2").reshape(-1, channels).astype(np.float32) / np.float32(32768)
    if desired_samples >= 0:
        audio = audio[:desired_samples]
        if audio.shape[0] < desired_samples:
            audio = np.concatenate([audio, np.zeros((desired_samples - audio.shape[0], channels), np.float32)])
    if desired_channels > 0 and desired_channels != channels:
        if desired_channels < channels:
            audio = audio[:, :desired_channels]
        else:
            audio = np.concatenate([audio] + [audio[:, -1:]] * (desired_channels - channels), axis=1)
    return DecodeWav(convert_to_tensor(np.ascontiguousarray(audio)), convert_to_tensor(np.int32(rate)))


def encode_wav(audio, sample_rate, name=None):
    """16-bit PCM WAV bytes of float32 ``audio`` ``[samples, channels]``: each value clipped
    to ``[-1, 1]``, times 32768, rounded half away from zero and saturated to int16, as TF."""
    x = convert_to_tensor(audio)
    if x.dtype != dtypes.float32:
        raise TypeError(f"encode_wav: audio must be float32, got {x.dtype}")
    if x.ndim != 2:
        raise ValueError(f"encode_wav: audio must be [samples, channels], got shape {x.shape}")
    rate = _int_scalar(sample_rate, "sample_rate", "encode_wav")
    if rate <= 0 or x.shape[1] < 1:
        raise InvalidArgumentError(f"encode_wav: need a positive sample_rate and at least one channel, "
                                   f"got {rate} and shape {x.shape}")
    return _string(wav_bytes(x.numpy(), rate))


def wav_bytes(clip, sample_rate):
    """16-bit PCM WAV bytes of a float clip ``[samples, channels]`` as TF's EncodeWav makes them:
    clipped to [-1, 1], scaled by 32768 and rounded half away from zero (``tf.summary.audio``
    encodes its clips so too)."""
    scaled = np.clip(np.nan_to_num(np.asarray(clip, np.float64)), -1.0, 1.0) * 32768.0
    pcm = np.clip(np.sign(scaled) * np.floor(np.abs(scaled) + 0.5), -32768, 32767).astype("<i2")
    buf = io.BytesIO()
    with wave.open(buf, "wb") as f:
        f.setnchannels(clip.shape[1])
        f.setsampwidth(2)
        f.setframerate(sample_rate)
        f.writeframes(pcm.tobytes())
    return buf.getvalue()


# ---------------------------------------------------------------------------
# BMP, GIF, WebP, JPEG headers


def _open(data, opname, fmt):
    return open_image(data, opname, opname, (fmt,), kind=f"{fmt} image")


def _file_channels(img):
    return 4 if img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info else 3


def decode_bmp(contents, channels=0, name=None):
    """A BMP's pixels as ``uint8 [height, width, channels]``: ``channels`` 0 (the file's:
    3, or 4 with alpha), 3 or 4 (an added alpha is 255)."""
    if channels not in (0, 3, 4):
        raise InvalidArgumentError(f"decode_bmp: channels must be 0, 3 or 4 for BMP, but got {channels}")
    data = _bytes(contents, "decode_bmp")
    arr = _plain_bmp(data)
    if arr is None:   # palette, compressed or other depths: Pillow
        img = _open(data, "decode_bmp", "BMP")
        arr = np.asarray(img.convert("RGBA" if _file_channels(img) == 4 else "RGB"))
    if channels == 4 and arr.shape[2] == 3:
        arr = np.concatenate([arr, np.full(arr.shape[:2] + (1,), 255, np.uint8)], axis=2)
    elif channels == 3 and arr.shape[2] == 4:
        arr = arr[:, :, :3]
    return convert_to_tensor(np.ascontiguousarray(arr))


def _plain_bmp(data):
    """The pixels of an uncompressed 24- or 32-bit BMP (rows of BGR(A), padded to 4 bytes,
    bottom-up unless the height is negative), or None for any other kind. Read here because
    Pillow drops the fourth byte of 32-bit pixels, which TF keeps as alpha."""
    if len(data) < 54 or data[:2] != b"BM":
        return None
    offset, = struct.unpack_from("<I", data, 10)
    width, height, _, bpp, compression = struct.unpack_from("<iiHHI", data, 18)
    if bpp not in (24, 32) or compression not in (0, 3) or width <= 0 or height == 0:
        return None
    if compression == 3 and bpp == 32:   # bit fields: only the plain BGRA masks are read here
        if struct.unpack_from("<III", data, 54) != (0x00FF0000, 0x0000FF00, 0x000000FF):
            return None
    channels = bpp // 8
    stride = (width * channels + 3) // 4 * 4
    rows = abs(height)
    if offset + stride * rows > len(data):
        return None
    px = np.frombuffer(data, np.uint8, stride * rows, offset).reshape(rows, stride)[:, :width * channels]
    px = px.reshape(rows, width, channels)
    if height > 0:
        px = px[::-1]
    return px[:, :, [2, 1, 0, 3][:channels]]


def decode_gif(contents, name=None):
    """Every frame of a GIF as ``uint8 [num_frames, height, width, 3]`` (RGB)."""
    img = _open(_bytes(contents, "decode_gif"), "decode_gif", "GIF")
    frames = []
    for k in range(getattr(img, "n_frames", 1)):
        img.seek(k)
        frames.append(np.asarray(img.convert("RGB")))
    return convert_to_tensor(np.ascontiguousarray(np.stack(frames)))


def decode_webp(contents, channels=0, dtype=np.uint8, name=None):
    """The frames of a WebP image as ``[num_frames, height, width, channels]``: ``channels``
    0 (the file's: 3, or 4 with alpha) or that same number (another is an error, as TF);
    ``dtype`` uint8, or a float dtype (scaled to ``[0, 1]``)."""
    img = _open(_bytes(contents, "decode_webp"), "decode_webp", "WEBP")
    have = 4 if img.mode in ("RGBA", "LA") else 3
    if channels not in (0, have):
        raise InvalidArgumentError(f"decode_webp: number of channels requested ({channels}) does not "
                                   f"match the input's ({have})")
    frames = []
    for k in range(getattr(img, "n_frames", 1)):
        img.seek(k)
        frames.append(np.asarray(img.convert("RGBA" if have == 4 else "RGB")))
    arr = np.stack(frames)
    out = np.dtype(dtypes.as_dtype(dtype).name)
    if out == np.uint8:
        return convert_to_tensor(np.ascontiguousarray(arr))
    if out.kind == "f":
        return convert_to_tensor((arr / np.float64(255)).astype(out))
    raise ValueError(f"decode_webp: dtype must be uint8 or a float dtype, got {out}")


def is_jpeg(contents, name=None):
    """Whether the string scalar starts with the JPEG signature (``FF D8 FF``): a bool scalar."""
    data = _bytes(contents, "is_jpeg")
    return convert_to_tensor(np.bool_(data[:3] == b"\xff\xd8\xff"))


def extract_jpeg_shape(contents, output_type=np.int32, name=None):
    """``[height, width, channels]`` of a JPEG, read from its header only."""
    out = dtypes.as_dtype(output_type)
    if out.name not in ("int32", "int64"):
        raise TypeError(f"extract_jpeg_shape: output_type must be int32 or int64, got {out.name}")
    Image = _pil("extract_jpeg_shape")
    try:
        img = Image.open(io.BytesIO(_bytes(contents, "extract_jpeg_shape")))
    except Exception as exc:  # noqa: BLE001
        raise InvalidArgumentError(f"extract_jpeg_shape: the contents are not a JPEG image: {exc}") from None
    if img.format != "JPEG":
        raise InvalidArgumentError(f"extract_jpeg_shape: expected JPEG data, got {img.format}")
    channels = {"L": 1, "RGB": 3, "YCbCr": 3, "CMYK": 4}.get(img.mode, len(img.getbands()))
    return convert_to_tensor(np.array([img.height, img.width, channels], dtype=out.name))


def decode_and_crop_jpeg(contents, crop_window, channels=0, ratio=1, fancy_upscaling=True,
                         try_recover_truncated=False, acceptable_fraction=1, dct_method="", name=None):
    """The window ``crop_window`` ``[y, x, height, width]`` of a decoded JPEG (as
    ``decode_jpeg`` then a crop); a window outside the image is an ``InvalidArgumentError``."""
    from .images import decode_jpeg   # noqa: PLC0415
    win = np.asarray(crop_window.numpy() if hasattr(crop_window, "numpy") else crop_window)
    if win.shape != (4,) or win.dtype.kind not in "iu":
        raise ValueError(f"decode_and_crop_jpeg: crop_window must be 4 integers [y, x, height, width], "
                         f"got {crop_window!r}")
    img = decode_jpeg(contents, channels=channels, ratio=ratio, fancy_upscaling=fancy_upscaling,
                      try_recover_truncated=try_recover_truncated, acceptable_fraction=acceptable_fraction,
                      dct_method=dct_method).numpy()
    y, x, h, w = (int(v) for v in win)
    if min(y, x) < 0 or h <= 0 or w <= 0 or y + h > img.shape[0] or x + w > img.shape[1]:
        raise InvalidArgumentError(f"decode_and_crop_jpeg: crop window [{y}, {x}, {h}, {w}] is not inside "
                                   f"the {img.shape[0]}x{img.shape[1]} image")
    return convert_to_tensor(np.ascontiguousarray(img[y:y + h, x:x + w]))
