"""``wb.io.decode_csv``: CSV records (string tensors) to a list of columns, as TF's."""

from __future__ import annotations

import csv as _csv

import numpy as np

from ..core import convert_to_tensor, wrap
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


def decode_csv(records, record_defaults, field_delim=",", use_quote_delim=True, na_value="",
               select_cols=None, name=None):
    """Parse each string of ``records`` into fields; returns one tensor per column, shaped as
    ``records``. ``record_defaults[i]``: a value (its type sets the column's dtype: int32,
    float32 or string) used for an empty field, or an empty tensor of a dtype for a required
    column. ``select_cols`` picks columns by index."""
    arr = records.numpy() if hasattr(records, "numpy") else np.asarray(records, dtype=object)
    arr = np.asarray(arr, dtype=object)
    shape = arr.shape
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
    cols = list(range(len(columns))) if select_cols is None else list(select_cols)
    if select_cols is not None and len(cols) != len(columns):
        raise ValueError(f"decode_csv: select_cols has {len(cols)} entries, record_defaults has {len(columns)}")
    out = [np.empty(arr.size, dtype=c[0]) for c in columns]
    texts = [rec.decode("utf-8") if isinstance(rec, bytes) else str(rec) for rec in arr.reshape(-1)]
    # one reader over every record (a record holds no line break, so each is one row)
    reader = _csv.reader([t if t else '""' for t in texts] if use_quote_delim else texts,
                         delimiter=field_delim, quotechar='"' if use_quote_delim else None,
                         quoting=_csv.QUOTE_MINIMAL if use_quote_delim else _csv.QUOTE_NONE)
    for r, (text, fields) in enumerate(zip(texts, reader)):
        fields = fields or [""]
        if select_cols is None and len(fields) != len(columns):
            raise InvalidArgumentError(f"decode_csv: expect {len(columns)} fields but have {len(fields)} "
                                       f"in record {r}")
        for j, (c, (dtype, default)) in enumerate(zip(cols, columns)):
            if c >= len(fields):
                raise InvalidArgumentError(f"decode_csv: record {r} has {len(fields)} fields, column {c} "
                                           "was selected")
            field = fields[c]
            if field == "" or field == na_value:
                if default is None:
                    raise InvalidArgumentError(f"decode_csv: field {c} is required but missing in record {r}")
                value = default
            elif dtype == object:
                value = field.encode("utf-8")
            else:
                try:
                    value = dtype.type(int(field) if dtype.kind == "i" else float(field))
                except ValueError:
                    raise InvalidArgumentError(f"decode_csv: field {c} in record {r} is not a valid "
                                               f"{dtype}: {field!r}") from None
            out[j][r] = value
    return [wrap(o.reshape(shape)) if o.dtype == object else convert_to_tensor(o.reshape(shape))
            for o in out]
