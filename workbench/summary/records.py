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

__all__ = ["crc32c", "masked_crc32c", "frame_record"]

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
    crc = crc or crc32c
    header = _pack_u64(len(data))
    return b"".join((header, _pack_u32(masked_crc32c(header, crc)),
                     data, _pack_u32(masked_crc32c(data, crc))))
