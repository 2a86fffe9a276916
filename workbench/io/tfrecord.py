"""TFRecord files, byte-compatible with TF's: each record is

    uint64 length (little endian) | uint32 masked crc32c of the length bytes |
    data | uint32 masked crc32c of the data

with ``masked(crc) = ((crc >> 15) | (crc << 17)) + 0xa282ead8`` (mod 2**32). A ``GZIP`` or
``ZLIB`` file is the same stream compressed as a whole. crc32c comes from the
``google-crc32c`` package when it is installed, else from a table in Python.
"""

from __future__ import annotations

import struct
import zlib

from . import gfile
from ..errors import DataLossError, InvalidArgumentError

__all__ = ["TFRecordOptions", "TFRecordWriter", "masked_crc32c", "read_fixed_length_records", "read_lines",
           "read_records"]

try:
    import google_crc32c as _crc_lib
except ImportError:  # the pure-Python table below
    _crc_lib = None


def _table():
    poly, table = 0x82F63B78, []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ poly if c & 1 else c >> 1
        table.append(c)
    return table


_TABLE = _table()


def crc32c(data: bytes) -> int:
    """The CRC-32C (Castagnoli) of ``data``."""
    if _crc_lib is not None:
        return _crc_lib.value(bytes(data))
    c = 0xFFFFFFFF
    for b in data:
        c = _TABLE[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def masked_crc32c(data: bytes) -> int:
    c = crc32c(data)
    return (((c >> 15) | (c << 17)) + 0xA282EAD8) & 0xFFFFFFFF


_COMPRESSIONS = {None: None, "": None, "NONE": None, "GZIP": "GZIP", "ZLIB": "ZLIB"}


class TFRecordOptions:
    """``tf.io.TFRecordOptions``: ``compression_type`` None, "", "GZIP" or "ZLIB";
    ``compression_level`` 0-9 (default: zlib's)."""

    def __init__(self, compression_type=None, compression_level=None, **_ignored):
        self.compression_type = check_compression(compression_type, "TFRecordOptions")
        level = -1 if compression_level is None else int(compression_level)
        if not -1 <= level <= 9:
            raise ValueError(f"TFRecordOptions: compression_level must be 0-9, got {compression_level}")
        self.compression_level = level


def check_compression(value, where):
    if isinstance(value, TFRecordOptions):
        return value.compression_type
    key = value.upper() if isinstance(value, str) else value
    if key not in _COMPRESSIONS:
        raise ValueError(f"{where}: compression_type must be None, '', 'GZIP' or 'ZLIB', got {value!r}")
    return _COMPRESSIONS[key]


class _Compressor:
    def __init__(self, f, kind, level):
        self.f = f
        self.z = None if kind is None else zlib.compressobj(level, zlib.DEFLATED,
                                                            31 if kind == "GZIP" else 15)

    def write(self, data):
        self.f.write(data if self.z is None else self.z.compress(data))

    def flush(self):
        if self.z is not None:
            self.f.write(self.z.flush(zlib.Z_SYNC_FLUSH))
        self.f.flush()

    def close(self):
        if self.z is not None:
            self.f.write(self.z.flush(zlib.Z_FINISH))
            self.z = None
        self.f.close()


class TFRecordWriter:
    """``tf.io.TFRecordWriter``: writes records (bytes) to a TFRecord file.

    >>> with wb.io.TFRecordWriter("/tmp/x.tfrecord") as w:
    ...     w.write(b"record")
    """

    def __init__(self, path, options=None):
        if isinstance(options, TFRecordOptions):
            kind, level = options.compression_type, options.compression_level
        else:
            kind, level = check_compression(options, "TFRecordWriter"), -1
        out = gfile.GFile(path, "wb")
        out.write(b"")   # the file exists from here on, as TF's writer makes it when it opens
        self._out = _Compressor(out, kind, level)

    def write(self, record):
        """Append one record (bytes, or a string scalar tensor)."""
        data = _as_bytes(record, "TFRecordWriter.write")
        if self._out is None:
            raise ValueError("TFRecordWriter.write: the writer is closed")
        length = struct.pack("<Q", len(data))
        self._out.write(length + struct.pack("<I", masked_crc32c(length)) + data
                        + struct.pack("<I", masked_crc32c(data)))

    def flush(self):
        self._out.flush()

    def close(self):
        if self._out is not None:
            self._out.close()
            self._out = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _as_bytes(value, where):
    if hasattr(value, "numpy"):
        value = value.numpy()
        value = value.item() if hasattr(value, "item") and getattr(value, "ndim", 0) == 0 else value
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    raise TypeError(f"{where}: record must be bytes or a string scalar, got {type(value).__name__}")


class _Decompressor:
    """A readable stream of the uncompressed bytes, with the compressed offset it has reached
    kept out of the way: positions are counted in uncompressed bytes."""

    def __init__(self, f, kind):
        self.f = f
        self.z = None if kind is None else zlib.decompressobj(31 if kind == "GZIP" else 15)
        self.buf = b""
        self.eof = False

    def read(self, n):
        if self.z is None:
            return self.f.read(n)
        while len(self.buf) < n and not self.eof:
            chunk = self.f.read(1 << 16)
            if not chunk:
                self.buf += self.z.flush()
                self.eof = True
                break
            self.buf += self.z.decompress(chunk)
            while self.z.eof and self.z.unused_data:  # concatenated gzip members
                rest = self.z.unused_data
                self.z = zlib.decompressobj(31)
                self.buf += self.z.decompress(rest)
        out, self.buf = self.buf[:n], self.buf[n:]
        return out


def read_records(path, compression_type=None, start=0, offset=None, check_crc=True):
    """Yield ``(record, offset_after)`` for the records of a TFRecord file from record number
    ``start`` on. ``offset_after`` is the byte offset after the record in an uncompressed
    file (None in a compressed one); given back as ``offset`` (with ``start``, the records
    before it), reading resumes there without reading the records before it."""
    kind = check_compression(compression_type, "TFRecordDataset")
    with gfile.GFile(path, "rb") as f:
        n, pos = 0, 0
        if offset is not None and kind is None:
            f.seek(int(offset))
            n, pos = int(start), int(offset)
        stream = _Decompressor(f, kind)
        while True:
            header = stream.read(12)
            if not header:
                return
            if len(header) < 12:
                raise ValueError(f"TFRecord file {path!r}: truncated record header at record {n}")
            length_bytes = header[:8]
            (length,), (crc,) = struct.unpack("<Q", length_bytes), struct.unpack("<I", header[8:])
            if check_crc and masked_crc32c(length_bytes) != crc:
                raise ValueError(f"TFRecord file {path!r}: corrupted record {n} (the crc of its length "
                                 "does not match; is the compression_type right?)")
            body = stream.read(length + 4)
            if len(body) < length + 4:
                raise ValueError(f"TFRecord file {path!r}: truncated record {n}")
            data = body[:length]
            if check_crc and masked_crc32c(data) != struct.unpack("<I", body[length:])[0]:
                raise ValueError(f"TFRecord file {path!r}: corrupted record {n} (data crc mismatch)")
            n += 1
            pos += 16 + length
            if n > start:
                yield data, (pos if kind is None else None)


def read_lines(path, compression_type=None, start=0, chunk=1 << 16):
    """Yield the lines of a text file from line number ``start`` on, without ``\n`` or ``\r\n``
    (TF's TextLineDataset), reading ``chunk`` bytes at a time (a file need not fit in memory)."""
    kind = check_compression(compression_type, "TextLineDataset")
    with gfile.GFile(path, "rb") as f:
        stream = _Decompressor(f, kind)
        rest, n = b"", 0
        while True:
            data = stream.read(chunk)
            if not data:
                break
            lines = (rest + data).split(b"\n")
            rest = lines.pop()
            for line in lines:
                n += 1
                if n > start:
                    yield line[:-1] if line.endswith(b"\r") else line
        if rest:
            n += 1
            if n > start:
                yield rest[:-1] if rest.endswith(b"\r") else rest


def read_fixed_length_records(path, record_bytes, header_bytes=0, footer_bytes=0, compression_type=None,
                              start=0, chunk=1 << 16):
    """Yield the ``record_bytes``-long records of a file between its ``header_bytes`` and its
    ``footer_bytes`` (TF's FixedLengthRecordDataset), from record number ``start`` on. A body
    that is not a whole number of records raises TF's error: InvalidArgumentError before the
    first record of an uncompressed file, DataLossError at the end of a compressed one."""
    kind = check_compression(compression_type, "FixedLengthRecordDataset")

    def uneven(body, error):
        return error(f"Excluding the header ({header_bytes} bytes) and footer ({footer_bytes} bytes), "
                     f"input file \"{path}\" has body length {body} bytes, which is not an exact "
                     f"multiple of the record length ({record_bytes} bytes).")

    with gfile.GFile(path, "rb") as f:
        if kind is None:     # the size is known: check it, then read from the record wanted
            f.seek(0, 2)
            size = f.tell()
            body = size - header_bytes - footer_bytes
            if body < 0:
                raise InvalidArgumentError(f"input file \"{path}\" has {size} bytes, fewer than its "
                                           f"header ({header_bytes} bytes) and footer ({footer_bytes} bytes)")
            if body % record_bytes:
                raise uneven(body, InvalidArgumentError)
            f.seek(header_bytes + start * record_bytes)
            for _ in range(start, body // record_bytes):
                yield f.read(record_bytes)
            return
        stream = _Decompressor(f, kind)
        header = stream.read(header_bytes)
        if len(header) < header_bytes:
            raise DataLossError(f"input file \"{path}\" has {len(header)} bytes, fewer than its header "
                                f"({header_bytes} bytes)")
        buf, n = b"", 0
        while True:
            data = stream.read(chunk)
            buf += data
            while len(buf) >= record_bytes + footer_bytes:   # a whole record, and the footer still after it
                record, buf = buf[:record_bytes], buf[record_bytes:]
                n += 1
                if n > start:
                    yield record
            if not data:
                break
        if len(buf) != footer_bytes:
            raise uneven(n * record_bytes + len(buf) - footer_bytes, DataLossError)
