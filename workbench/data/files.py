"""Datasets read from files: ``TextLineDataset``, ``TFRecordDataset``,
``FixedLengthRecordDataset``, ``experimental.CsvDataset``'s records and ``list_files``.

File names may be a string, a list of strings, a string tensor or a dataset of strings;
files are read one after another (``num_parallel_reads``: that many at once, interleaved
record by record, as TF's parallel interleave with ``block_length=1``). The iterator
state is the file and the number of lines or records read from it, and for an
uncompressed TFRecord file the byte offset reached, where a restore resumes; other files
are read again from their start to that point (records of a compressed file have no offsets).
Files are read in chunks, so none needs to fit in memory.
"""

from __future__ import annotations

import itertools

import numpy as np

from ..core import wrap
from ..io.csv import decode_csv
from ..tensor_shape import TensorSpec
from ..errors import InvalidArgumentError, argcheck
from ..io import gfile
from ..io.tfrecord import check_compression, read_fixed_length_records, read_lines, read_records
from .dataset import UNKNOWN, Dataset
from .iterator import Step, expect_kind
from .nesting import Interleave


def _names(filenames, where):
    if isinstance(filenames, Dataset):
        return filenames
    if hasattr(filenames, "numpy"):
        filenames = filenames.numpy()
    arr = np.asarray(filenames, dtype=object).reshape(-1)
    out = []
    for v in arr:
        if hasattr(v, "__fspath__"):
            v = str(v.__fspath__())
        if isinstance(v, bytes):
            v = v.decode("utf-8")
        if not isinstance(v, str):
            raise TypeError(f"{where}: filenames must be strings, got {argcheck.describe(v)}")
        out.append(v)
    if not out:
        raise ValueError(f"{where}: filenames is empty")
    names = np.empty(len(out), dtype=object)
    names[:] = [s.encode("utf-8") for s in out]
    return Dataset.from_tensor_slices(wrap(names))


def _text(name):
    v = name.numpy() if hasattr(name, "numpy") else name
    v = v.item() if isinstance(v, np.ndarray) else v
    return v.decode("utf-8") if isinstance(v, bytes) else str(v)


def _string(data: bytes):
    return wrap(np.array(data, dtype=object))


class _FileReader(Dataset):
    """The lines or records of one file."""

    def __init__(self, filename, compression):
        self._file, self._compression = _text(filename), compression

    def _elem_iter(self, state=None):
        return _FileIter(self, state)

    def _cardinality(self):
        return UNKNOWN

    def _known_spec(self):
        return TensorSpec([], object)   # a string scalar per line or record

    @property
    def element_spec(self):
        return self._known_spec()


class _FileIter(Step):
    _children = ()

    def __init__(self, node, state):
        self._node = node
        self._count, self._offset = 0, None
        if state is not None:
            self._count = int(expect_kind(state, node)["read"])
            self._offset = state.get("offset")
        self._it = node._items(self._count, self._offset)

    def __next__(self):
        item, self._offset = next(self._it)
        self._count += 1
        return _string(item)

    def state(self):
        return self._tag(self._node, read=self._count, offset=self._offset, file=self._node._file)


class TextLines(_FileReader):
    """The lines of one text file, without their ``\\n`` or ``\\r\\n``."""

    def _items(self, start, offset):
        return ((line, None) for line in read_lines(self._file, self._compression, start))


class TFRecords(_FileReader):
    """The records of one TFRecord file."""

    def _items(self, start, offset):
        return read_records(self._file, self._compression, start, offset)


class FixedLengthRecords(_FileReader):
    """The fixed-length records of one file, between its header and footer."""

    def __init__(self, filename, compression, record_bytes, header_bytes, footer_bytes):
        super().__init__(filename, compression)
        self._sizes = (record_bytes, header_bytes, footer_bytes)

    def _items(self, start, offset):
        return ((record, None) for record in read_fixed_length_records(
            self._file, *self._sizes, compression_type=self._compression, start=start))


class CsvRecords(Dataset):
    """``experimental.CsvDataset``: the lines of CSV files (each file's first skipped with
    ``header``), each a tuple of scalars. Lines are parsed many at a time by one
    ``decode_csv``: a ``batch`` right after takes its batches that way (``next_rows``), and
    single elements are cut from a parsed chunk. A line that does not parse raises where its
    element is reached (the elements before it come first; ``ignore_errors`` skips it)."""

    _where = "CsvDataset"   # its repr is TF's CsvDatasetV2
    CHUNK = 256             # lines parsed at a time for single elements

    def __init__(self, filenames, defaults, compression_type, header, decode_args):
        self._names = _names(filenames, "CsvDataset")
        self._compression = check_compression(compression_type, "CsvDataset")
        self._defaults, self._header = defaults, bool(header)
        self._decode_args = decode_args   # (field_delim, use_quote_delim, na_value, select_cols)
        self._spec = tuple(TensorSpec([], c.dtype) for c in self._parse(np.zeros(0, dtype=object)))

    def _parse(self, lines):
        return decode_csv(wrap(lines), self._defaults, *self._decode_args)

    def _elem_iter(self, state=None):
        return _CsvIter(self, state)

    def _cardinality(self):
        return UNKNOWN

    def _known_spec(self):
        return self._spec

    @property
    def element_spec(self):
        return self._spec


class _CsvIter(Step):
    """The state is the file being read (from the names' iterator) and the number of its lines
    whose elements were given (read again from there after a restore)."""

    def __init__(self, node, state):
        self._node = node
        self._cols, self._given = None, 0   # a parsed chunk's columns, and the rows of it given
        self._error, self._carry = None, []  # a bad line's error; lines read after it, not parsed
        if state is None:
            self._names, self._file, self._read = node._names._iter(None), None, 0
        else:
            expect_kind(state, node)
            self._names, self._file, self._read = node._names._iter(state["names"]), state["file"], int(state["read"])
        self._lines = None if self._file is None else self._open(self._read)

    def _open(self, start):
        return read_lines(self._file, self._node._compression, start)

    def _take(self, n):
        """Up to ``n`` next lines of one file (an object array; empty after the last file)."""
        while True:
            if self._carry:
                out, self._carry = self._carry[:n], self._carry[n:]
                break
            if self._lines is None:
                try:
                    self._file = _text(next(self._names))
                except StopIteration:
                    out = []
                    break
                self._read = 0
                self._lines = self._open(0)
                if self._node._header and next(self._lines, None) is not None:
                    self._read = 1
            out = list(itertools.islice(self._lines, n))
            self._read += len(out)
            if out:
                break
            self._lines = None
        arr = np.empty(len(out), dtype=object)
        arr[:] = out
        return arr

    def _parse_chunk(self, lines):
        """The columns (arrays) of ``lines``; where a line does not parse, those of the lines
        before it, its error kept for the element after them, and the lines after it carried."""
        try:
            return [c._data for c in self._node._parse(lines)]
        except InvalidArgumentError:
            for bad in range(len(lines)):
                try:
                    self._node._parse(lines[bad:bad + 1])
                except InvalidArgumentError as error:
                    self._error, self._carry = error, list(lines[bad + 1:])
                    return [c._data for c in self._node._parse(lines[:bad])]
            raise

    def _left(self):
        return 0 if self._cols is None else len(self._cols[0]) - self._given

    def _next_chunk(self, n):
        """Parse the next ``n`` lines into the chunk; False at the end."""
        if self._error is not None:
            error, self._error = self._error, None
            raise error
        lines = self._take(n)
        if not len(lines):
            return False
        self._cols, self._given = self._parse_chunk(lines), 0
        if not self._left():
            return self._next_chunk(n)   # the first line is bad: its error now
        return True

    def __next__(self):
        if not self._left() and not self._next_chunk(self._node.CHUNK):
            raise StopIteration
        j = self._given
        self._given += 1
        return tuple(wrap(c[j, ...]) for c in self._cols)

    def next_rows(self, n):
        """The next elements, at most ``n`` (fewer at the end of a file or before a bad line),
        as one batch per column."""
        if not self._left() and not self._next_chunk(n):
            raise StopIteration
        j = min(len(self._cols[0]), self._given + n)
        whole = self._given == 0 and j == len(self._cols[0])
        out = tuple(wrap(c if whole else c[self._given:j].copy()) for c in self._cols)
        self._given = j
        return out

    def state(self):
        unread = self._left() + (self._error is not None) + len(self._carry)
        return self._tag(self._node, names=self._names.state(), file=self._file, read=self._read - unread)


def _reader_dataset(filenames, compression_type, num_parallel_reads, cls, where, *args):
    compression = check_compression(compression_type, where)
    names = _names(filenames, where)
    if num_parallel_reads is None:
        return Interleave(names, lambda f: cls(f, compression, *args), 1, 1, None, None, where)
    n = argcheck.integer(num_parallel_reads, "num_parallel_reads", where)
    return Interleave(names, lambda f: cls(f, compression, *args), n, 1, n, None, where)


def TextLineDataset(filenames, compression_type=None, buffer_size=None,  # noqa: N802  (TF's name)
                    num_parallel_reads=None, name=None):
    """``tf.data.TextLineDataset``: the lines of text files as string scalars, without the
    line ending; ``compression_type`` None, "GZIP" or "ZLIB"."""
    return _reader_dataset(filenames, compression_type, num_parallel_reads, TextLines, "TextLineDataset")


def TFRecordDataset(filenames, compression_type=None, buffer_size=None,  # noqa: N802  (TF's name)
                    num_parallel_reads=None, name=None):
    """``tf.data.TFRecordDataset``: the records of TFRecord files as string scalars (their
    checksums checked); ``compression_type`` None, "GZIP" or "ZLIB"."""
    return _reader_dataset(filenames, compression_type, num_parallel_reads, TFRecords, "TFRecordDataset")


def FixedLengthRecordDataset(filenames, record_bytes, header_bytes=None,  # noqa: N802  (TF's name)
                             footer_bytes=None, buffer_size=None, compression_type=None,
                             num_parallel_reads=None, name=None):
    """``tf.data.FixedLengthRecordDataset``: the ``record_bytes``-long records of files as
    string scalars, each file's first ``header_bytes`` and last ``footer_bytes`` skipped;
    ``compression_type`` None, "GZIP" or "ZLIB". A file whose body is not a whole number of
    records raises TF's error when it is read."""
    where = "FixedLengthRecordDataset"
    record_bytes = argcheck.integer(record_bytes, "record_bytes", where)
    header_bytes = 0 if header_bytes is None else argcheck.integer(header_bytes, "header_bytes", where)
    footer_bytes = 0 if footer_bytes is None else argcheck.integer(footer_bytes, "footer_bytes", where)
    if record_bytes <= 0:
        raise InvalidArgumentError(f"{where}: `record_bytes` must be > 0, got {record_bytes}")
    for what, value in (("header_bytes", header_bytes), ("footer_bytes", footer_bytes)):
        if value < 0:
            raise InvalidArgumentError(f"{where}: `{what}` must be >= 0, got {value}")
    return _reader_dataset(filenames, compression_type, num_parallel_reads, FixedLengthRecords, where,
                           record_bytes, header_bytes, footer_bytes)


def list_files(file_pattern, shuffle, seed):
    """``Dataset.list_files``: the matching names, sorted, then shuffled unless ``shuffle`` is
    False (a shuffle with a buffer of every name, reshuffled each pass)."""
    patterns = file_pattern.numpy() if hasattr(file_pattern, "numpy") else file_pattern
    patterns = [_text(p) for p in np.asarray(patterns, dtype=object).reshape(-1)]
    found = sorted({m for p in patterns for m in gfile.glob(p)})
    if not found:
        raise InvalidArgumentError(f"Dataset.list_files: no files matched pattern: {', '.join(patterns)}")
    names = np.empty(len(found), dtype=object)
    names[:] = [m.encode("utf-8") for m in found]
    ds = Dataset.from_tensor_slices(wrap(names))
    if shuffle is False:
        return ds
    return ds.shuffle(len(found), seed=seed)
