"""What fills a static table: ``KeyValueTensorInitializer`` (two tensors) and
``TextFileInitializer`` (columns of a text file, or its whole lines and their numbers)."""

from __future__ import annotations

import numpy as np

from .. import core, dtypes, errors

__all__ = ["KeyValueTensorInitializer", "TextFileIndex", "TextFileInitializer"]


def as_dtype(dtype, what, where):
    try:
        return dtypes.as_dtype(dtype)
    except (TypeError, ValueError):
        raise TypeError(f"{where}: {what} must be a dtype, got {dtype!r}") from None


class KeyValueTensorInitializer:
    """Keys and values given as tensors (or lists) of the same length.

    >>> init = wb.lookup.KeyValueTensorInitializer(["a", "b"], [0, 1])
    >>> init.key_dtype.name, init.value_dtype.name
    ('string', 'int32')
    """

    def __init__(self, keys, values, key_dtype=None, value_dtype=None, name=None):
        self._keys = core.convert_to_tensor(keys, dtype=key_dtype)
        self._values = core.convert_to_tensor(values, dtype=value_dtype)
        self._name = name

    @property
    def key_dtype(self):
        return self._keys.dtype

    @property
    def value_dtype(self):
        return self._values.dtype

    def _pairs(self, where):
        """The keys and values as host arrays, one pair per key."""
        keys, values = np.asarray(self._keys.numpy()), np.asarray(self._values.numpy())
        if keys.shape != values.shape:
            raise errors.InvalidArgumentError(
                f"{where}: keys and values must have the same shape, got keys {list(keys.shape)} "
                f"and values {list(values.shape)}")
        return keys.reshape(-1), values.reshape(-1)


class TextFileIndex:
    """The special column numbers of :class:`TextFileInitializer`."""
    WHOLE_LINE = -2
    LINE_NUMBER = -1


class TextFileInitializer:
    """Keys and values read from a text file, one entry a line: column ``key_index`` /
    ``value_index`` of the line split at ``delimiter`` (TF's tab by default), or
    ``TextFileIndex.WHOLE_LINE`` (the line, a string) or ``TextFileIndex.LINE_NUMBER`` (its
    number from 0, int64). ``vocab_size`` reads only that many lines (an error when the file
    has fewer). The file is read when a table is built from it (local paths or fsspec URLs).
    """

    def __init__(self, filename, key_dtype, key_index, value_dtype, value_index, vocab_size=None,
                 delimiter="\t", name=None, value_index_offset=0):
        where = "TextFileInitializer"
        if hasattr(filename, "numpy"):
            filename = filename.numpy()
        self._filename = filename.decode() if isinstance(filename, bytes) else filename
        self._key_dtype = as_dtype(key_dtype, "key_dtype", where)
        self._value_dtype = as_dtype(value_dtype, "value_dtype", where)
        for arg, index in (("key_index", key_index), ("value_index", value_index)):
            if not isinstance(index, (int, np.integer)) or index < TextFileIndex.WHOLE_LINE:
                raise ValueError(f"`{arg}` must be >= -2, received {index!r}")
        if key_index == TextFileIndex.LINE_NUMBER and self._key_dtype not in (dtypes.int64, dtypes.int32):
            raise ValueError(f"`key_dtype` must be int64 if `key_index` is -1, "
                             f"received: <dtype: '{self._key_dtype.name}'>")
        if key_index == TextFileIndex.WHOLE_LINE and self._key_dtype != dtypes.string:
            raise ValueError(f"`key_dtype` must be string if `key_index` is -2, "
                             f"received: <dtype: '{self._key_dtype.name}'>")
        if value_index == TextFileIndex.LINE_NUMBER and self._value_dtype != dtypes.int64:
            raise ValueError(f"`value_dtype` must be int64 if `value_index` is -1, "
                             f"received: <dtype: '{self._value_dtype.name}'>")
        if value_index == TextFileIndex.WHOLE_LINE and self._value_dtype != dtypes.string:
            raise ValueError(f"`value_dtype` must be string if `value_index` is -2, "
                             f"received: <dtype: '{self._value_dtype.name}'>")
        if vocab_size is not None and vocab_size <= 0:
            raise ValueError(f"`vocab_size` must be > 0, received {vocab_size}")
        self._key_index, self._value_index = int(key_index), int(value_index)
        self._vocab_size, self._delimiter, self._name = vocab_size, delimiter, name
        self._offset = int(value_index_offset)

    @property
    def key_dtype(self):
        return self._key_dtype

    @property
    def value_dtype(self):
        return self._value_dtype

    def _column(self, line, number, index, dtype, where):
        if index == TextFileIndex.LINE_NUMBER:
            return number
        if index == TextFileIndex.WHOLE_LINE:
            return line.encode("utf-8")
        cols = line.split(self._delimiter) if self._delimiter else line.split()
        if index >= len(cols):
            raise errors.InvalidArgumentError(
                f"Invalid number of columns in {self._filename} line {number} ({line}) : expected at least "
                f"{index + 1} got {len(cols)}")
        text = cols[index]
        if dtype == dtypes.string:
            return text.encode("utf-8")
        try:
            return int(text) if dtype.is_integer else float(text)
        except ValueError:
            raise errors.InvalidArgumentError(
                f"Field {text} in line {number} is not a valid {dtype.name}.") from None

    def _pairs(self, where):
        from ..io import gfile  # noqa: PLC0415  (local paths and fsspec URLs)
        if not gfile.exists(self._filename):
            raise errors.NotFoundError(f"{self._filename}; No such file or directory")
        with gfile.GFile(self._filename, "r") as f:
            lines = f.read().split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        if self._vocab_size is not None:
            if len(lines) < self._vocab_size:
                raise errors.InvalidArgumentError(
                    f"Invalid vocab_size in {self._filename}: expected {self._vocab_size} but got {len(lines)}")
            lines = lines[:self._vocab_size]
        keys, values = [], []
        for number, line in enumerate(lines):
            line = line.rstrip("\r")
            keys.append(self._column(line, number, self._key_index, self._key_dtype, where))
            value = self._column(line, number, self._value_index, self._value_dtype, where)
            values.append(value + self._offset if self._value_index == TextFileIndex.LINE_NUMBER else value)
        kd = object if self._key_dtype == dtypes.string else self._key_dtype.as_numpy_dtype
        vd = object if self._value_dtype == dtypes.string else self._value_dtype.as_numpy_dtype
        return np.array(keys, dtype=kd).reshape(-1), np.array(values, dtype=vd).reshape(-1)
