"""``wb.io.decode_csv``: CSV records (string tensors) to a list of columns, as TF's.

The parse is one op (``decode_csv``, one result per column), so a ``wb.function`` or a
``Dataset.map`` function that calls it is traced and replayed like any other: the columns'
dtypes come from ``record_defaults`` and their shapes are the records'. Records are split by
one ``csv.reader`` pass and each column is converted by one NumPy cast; the field-by-field
loop runs only to name the record and field of an error.
"""

from __future__ import annotations

import csv as _csv

import numpy as np

from .. import backend, core
from ..core import Tensor, convert_to_tensor
from ..errors import InvalidArgumentError

__all__ = ["decode_csv"]


def _column_default(d, i):
    """(dtype, default or None when the column is required)."""
    if hasattr(d, "numpy"):
        d = d.numpy()
    if isinstance(d, np.ndarray):
        d = d.tolist()
    if isinstance(d, list):
        if len(d) > 1:
            raise ValueError(f"decode_csv: record_defaults[{i}] must be a scalar or a 1-element list")
        if not d:
            return None, None
        d = d[0]
    if d is None:
        return None, None
    if isinstance(d, (str, bytes)):
        return np.dtype(object), d.encode() if isinstance(d, str) else d
    if isinstance(d, (bool, np.bool_)):
        raise TypeError(f"decode_csv: record_defaults[{i}] must be a number or a string, got a bool")
    if isinstance(d, (int, np.integer)):
        return np.dtype(np.int32 if not isinstance(d, np.integer) else d.dtype), d
    return np.dtype(np.float32 if not isinstance(d, np.floating) else d.dtype), d


def _dtype_of(d):
    """A dtype given as an empty default (TF: ``tf.constant([], tf.int64)``)."""
    if hasattr(d, "dtype") and getattr(d, "shape", None) in ((0,), [0]):
        return np.dtype(d.dtype)
    return None


def _columns(record_defaults):
    """((dtype, default or None), ...) per column of ``record_defaults``."""
    columns = []
    for i, d in enumerate(record_defaults):
        required_dtype = _dtype_of(d)
        if required_dtype is not None:
            columns.append((np.dtype(object) if required_dtype.kind in "OSU" else required_dtype, None))
        else:
            dtype, default = _column_default(d, i)
            if dtype is None:
                raise ValueError(f"decode_csv: record_defaults[{i}] must give a value or a dtype")
            columns.append((dtype, default))
    return tuple(columns)


def _texts(flat):
    """The records as str, one per record."""
    items = flat.tolist()
    if items and all(type(b) is bytes for b in items):
        joined = b"\n".join(items)
        if joined.count(b"\n") == len(items) - 1:   # no record holds a line break: one decode
            return joined.decode("utf-8").split("\n")
    return [rec.decode("utf-8") if isinstance(rec, bytes) else str(rec) for rec in items]


def _split(texts, field_delim, use_quote_delim):
    """Each record's fields (one reader over every record: a record is one row)."""
    reader = _csv.reader([t if t else '""' for t in texts] if use_quote_delim else texts,
                         delimiter=field_delim, quotechar='"' if use_quote_delim else None,
                         quoting=_csv.QUOTE_MINIMAL if use_quote_delim else _csv.QUOTE_NONE)
    return [fields or [""] for fields in reader]


def _field_error(rows, c, dtype, default, na_value):
    """TF's error for the first bad field of column ``c`` (field-by-field, for the message)."""
    for r, fields in enumerate(rows):
        field = fields[c]
        if field == "" or field == na_value:
            if default is None:
                return InvalidArgumentError(f"decode_csv: field {c} is required but missing in record {r}")
            continue
        try:
            dtype.type(int(field) if dtype.kind == "i" else float(field))
        except (ValueError, OverflowError):
            return InvalidArgumentError(f"decode_csv: field {c} in record {r} is not a valid {dtype}: {field!r}")
    return InvalidArgumentError(f"decode_csv: field {c} holds a value that is not a valid {dtype}")


def _parse_column(rows, c, dtype, default, na_value):
    """Column ``c`` of ``rows`` as a 1-D array of ``dtype`` (``default`` in empty fields)."""
    texts = [fields[c] for fields in rows]
    if dtype == object:
        out = np.empty(len(texts), dtype=object)
        out[:] = [t.encode("utf-8") for t in texts]
        empty = [i for i, t in enumerate(texts) if t == "" or t == na_value]
        if empty:
            if default is None:
                raise _field_error(rows, c, dtype, default, na_value)
            out[empty] = default
        return out
    arr = np.array(texts, dtype=str) if texts else np.zeros(0, dtype="<U1")
    missing = (arr == "") | (arr == na_value) if na_value else arr == ""
    try:
        if missing.any():
            if default is None:
                raise ValueError
            out = np.full(len(texts), default, dtype=dtype)
            out[~missing] = _cast(arr[~missing], dtype)
            return out
        return _cast(arr, dtype)
    except (ValueError, OverflowError):
        raise _field_error(rows, c, dtype, default, na_value) from None


def _cast(arr, dtype):
    """Decimal strings to ``dtype`` (integers checked against its range, as C's strtol)."""
    if dtype.kind == "i":
        wide = arr.astype(np.int64)
        info = np.iinfo(dtype)
        if wide.size and (wide.min() < info.min or wide.max() > info.max):
            raise OverflowError
        return wide.astype(dtype)
    return arr.astype(np.float64).astype(dtype)


def _decode_fwd(xp, records, columns, select_cols, field_delim, use_quote_delim, na_value):
    shape = records.shape
    tracer = core._state.tracer
    if tracer is not None and getattr(tracer, "stands_in", False):
        # a trace on stand-in records that TF would not run (a dataset's map function traced when
        # the dataset is built): the columns' dtypes and shapes, without parsing the stand-ins
        return tuple(_placed(np.full(shape, b"" if dtype == object else 0, dtype=dtype)) for dtype, _ in columns)
    rows = _split(_texts(np.asarray(records, dtype=object).reshape(-1)), field_delim, use_quote_delim)
    cols = list(range(len(columns))) if select_cols is None else list(select_cols)
    last = max(cols, default=-1)
    for r, fields in enumerate(rows):
        if select_cols is None and len(fields) != len(columns):
            raise InvalidArgumentError(f"decode_csv: expect {len(columns)} fields but have {len(fields)} "
                                       f"in record {r}")
        if select_cols is not None and len(fields) <= last:
            c = next(c for c in cols if c >= len(fields))
            raise InvalidArgumentError(f"decode_csv: record {r} has {len(fields)} fields, column {c} "
                                       "was selected")
    return tuple(_placed(_parse_column(rows, c, dtype, default, na_value).reshape(shape))
                 for c, (dtype, default) in zip(cols, columns))


def _placed(arr):
    """A numeric column on the default device (strings stay host object arrays)."""
    return arr if arr.dtype == object else backend.move(arr, backend.default_device())


_DECODE_CSV = core.defop("decode_csv", _decode_fwd, nout=-1, dtypes="any")


def decode_csv(records, record_defaults, field_delim=",", use_quote_delim=True, na_value="",
               select_cols=None, name=None):
    """Parse each string of ``records`` into fields; returns one tensor per column, shaped as
    ``records``. ``record_defaults[i]``: a value (its type sets the column's dtype: int32,
    float32 or string) used for an empty field, or an empty tensor of a dtype for a required
    column. ``select_cols`` picks columns by index."""
    columns = _columns(record_defaults)
    if select_cols is not None:
        select_cols = tuple(int(c) for c in select_cols)
        if len(select_cols) != len(columns):
            raise ValueError(f"decode_csv: select_cols has {len(select_cols)} entries, record_defaults has "
                             f"{len(columns)}")
    if not isinstance(records, Tensor):
        records = convert_to_tensor(np.asarray(records, dtype=object) if not hasattr(records, "numpy")
                                    else records)
    if records._data.dtype.kind != "O":
        raise TypeError(f"decode_csv: records must be a string tensor, got dtype {records.dtype}")
    if not columns:
        return []
    out = core.apply(_DECODE_CSV, (records,), {"columns": columns, "select_cols": select_cols,
                                               "field_delim": field_delim, "use_quote_delim": use_quote_delim,
                                               "na_value": na_value})
    if core.tracing():   # TF's static shape: the records'
        static = records._static_shape()
        dims = None if static.rank is None else tuple(static.as_list())
        for t in out:
            core.static_result(t, dims)
    return list(out)
