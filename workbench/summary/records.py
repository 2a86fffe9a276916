"""TFRecord framing of event files, with the CRC-32C checksums it needs.

An event file is a sequence of records, each laid out as::

    <u64 length> <u32 masked_crc32c(length bytes)> <data> <u32 masked_crc32c(data)>

all little-endian, where ``data`` is one serialized ``Event`` proto. The checksum
is google-crc32c's compiled one when that package is installed, else a
table-driven one in pure Python (about 60 ns a byte: fine for scalars, slower for
large images).

>>> masked_crc32c(b"123456789") == (((0xE3069283 >> 15) | (0xE3069283 << 17)) + 0xA282EAD8) & 0xFFFFFFFF
True
"""

from __future__ import annotations

import struct

__all__ = ["crc32c", "masked_crc32c", "frame_record", "scalar_event", "scalar_prefix"]

_POLY = 0x82F63B78  # CRC-32C (Castagnoli), reflected
_MASK_DELTA = 0xA282EAD8


def _make_table():
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ _POLY if crc & 1 else crc >> 1
        table.append(crc)
    return tuple(table)


_TABLE = _make_table()


def crc32c_python(data: bytes) -> int:
    """CRC-32C of ``data`` computed one byte at a time from a 256-entry table."""
    crc = 0xFFFFFFFF
    table = _TABLE
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def _fast_crc32c():
    """google-crc32c's compiled checksum when it is installed (its pure-Python fallback is slower than ours)."""
    try:
        import google_crc32c  # optional: imported only when this is used
    except ImportError:
        return None
    if getattr(google_crc32c, "implementation", None) != "c":
        return None
    return google_crc32c.value


#: CRC-32C (Castagnoli) of a bytes object, as an unsigned 32-bit int.
crc32c = _fast_crc32c() or crc32c_python


def masked_crc32c(data: bytes, crc=None) -> int:
    """The masked CRC-32C that TFRecords store: a rotation plus a constant.

    Masking keeps a CRC of data that itself holds CRCs from looking like one.
    ``crc`` is the checksum function (default: :data:`crc32c`).
    """
    c = (crc or crc32c)(data)
    return (((c >> 15) | (c << 17)) + _MASK_DELTA) & 0xFFFFFFFF


_pack_u64 = struct.Struct("<Q").pack
_pack_u32 = struct.Struct("<I").pack


def frame_record(data: bytes, crc=None) -> bytes:
    """One TFRecord holding ``data``: length, its checksum, the data, its checksum.

    ``crc`` is the checksum function (default: :data:`crc32c`).
    """
    if crc is not None and crc is not crc32c:
        header = _pack_u64(len(data))
        return b"".join((header, _pack_u32(masked_crc32c(header, crc)),
                         data, _pack_u32(masked_crc32c(data, crc))))
    n = len(data)
    head = _HEADS.get(n)
    if head is None:
        header = _pack_u64(n)
        head = header + _pack_u32(masked_crc32c(header))
        if n < 4096:   # small records repeat their sizes (scalar events): keep their heads
            _HEADS[n] = head
    return b"".join((head, data, _pack_u32(masked_crc32c(data))))


_HEADS: dict = {}   # a record's length -> its first 12 bytes (length, masked checksum)


# -- a scalar's Event, encoded by hand -------------------------------------------------------
# ``Event{wall_time, step, summary{value{tag, tensor{dtype: DT_FLOAT, tensor_shape{},
# float_val}}}}``: the bytes protobuf writes for TF 2's scalar summary (fields in number order,
# proto3 zeros left out), for writers that log many scalars (a fifth of protobuf's time).
# Everything after the step is fixed for a tag but the value (:func:`scalar_prefix`). The
# first value of a tag carries plugin metadata and goes through the protos.

_pack_f64 = struct.Struct("<d").pack
_pack_f32 = struct.Struct("<f").pack
_FLOAT_TENSOR = b"\x42\x0a\x08\x01\x12\x00\x2a\x04"  # tensor (10 bytes): dtype, shape {}, float_val
_U64 = (1 << 64) - 1


def _varint(n: int) -> bytes:
    if 0 <= n < 0x4000:   # most steps and every length here: one or two bytes
        return bytes((n,)) if n < 0x80 else bytes(((n & 0x7F) | 0x80, n >> 7))
    n &= _U64   # int64: a negative value is its two's complement, ten bytes
    out = bytearray()
    while n > 0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def scalar_prefix(tag: str) -> bytes:
    """An ``Event``'s ``summary`` field for a scalar of ``tag``, all but the value's 4 bytes."""
    raw = tag.encode("utf-8")
    value = b"\x0a" + _varint(len(raw)) + raw + _FLOAT_TENSOR        # Value{tag, tensor{...}}
    summary = b"\x0a" + _varint(len(value) + 4) + value              # Summary{value}
    return b"\x2a" + _varint(len(summary) + 4) + summary             # Event.summary


def scalar_event(prefix: bytes, value: float, step: int, wall_time: float) -> bytes:
    """The serialized ``Event`` of one float32 scalar; ``prefix`` from :func:`scalar_prefix`."""
    try:
        f32 = _pack_f32(value)
    except OverflowError:   # beyond float32's range: infinity, as protobuf stores it
        f32 = _pack_f32(float("inf") if value > 0 else float("-inf"))
    if step:
        head = b"\x09" + _pack_f64(wall_time) + b"\x10" + _varint(step) if wall_time else b"\x10" + _varint(step)
    else:
        head = b"\x09" + _pack_f64(wall_time) if wall_time else b""
    return head + prefix + f32
