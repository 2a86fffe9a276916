"""RowPartition: how a flat list of values is split into rows.

The partition is stored as ``row_splits`` (int64, on the values' device) and
caches its other encodings (row lengths, value row ids, row starts) the first
time they are asked for. Nothing here is differentiable: gradients flow
through the values only.
"""

from __future__ import annotations

import sys

import numpy as np

from workbench import backend, core, dtypes
from workbench.errors import InvalidArgumentError, argcheck
from workbench.core import Tensor


class RowPartition:
    """Row splits ``[0, s1, ..., nvals]`` for ``nrows`` rows, with cached encodings."""

    __slots__ = ("_splits", "_lengths", "_rowids", "_nrows", "_nvals", "_uniform", "_positions", "_dtype",
                 "_known_nvals", "_static_nrows", "_static_uniform")

    def __init__(self, row_splits, uniform_row_length=None, dtype=np.int64):
        self._splits = row_splits
        # the dtype the partition reports (TF's row_splits_dtype); arrays are int64 internally
        self._dtype = np.dtype(dtype)
        self._lengths = None
        self._rowids = None
        self._positions = None
        self._nrows = int(row_splits.shape[0]) - 1
        self._nvals = None
        self._uniform = uniform_row_length
        # whether TF would know nvals statically (from value_rowids, row starts with nvals, uniform rows)
        self._known_nvals = uniform_row_length is not None
        # the row count TF's static shape shows: inside a wb.function trace a partition computed
        # from the data has an unknown one (None) unless its maker knows it (set_static_nrows)
        self._static_nrows = None if core.tracing() else self._nrows
        self._static_uniform = uniform_row_length   # likewise the uniform row length (None: ragged or unknown)

    # -- constructors (all vectorized) ----------------------------------------
    @classmethod
    def from_row_splits(cls, row_splits, nvals=None, validate=True, dtype=None, dtype_hint=None):
        xp = backend.xp_of(row_splits)
        splits = _as_index(row_splits, "row_splits")
        if splits.ndim != 1:   # a static check in TF: made with validate=False too
            raise ValueError(f"row_splits must be a vector, got shape {splits.shape}")
        if validate:
            if splits.shape[0] == 0:
                raise ValueError("row_splits must have at least one element (it starts with 0)")
            if int(splits[0]) != 0:
                raise _invalid(f"row_splits must start with 0, got {int(splits[0])}")
            if splits.shape[0] > 1 and bool(xp.any(splits[1:] < splits[:-1])):
                bad = int(xp.argmax(splits[1:] < splits[:-1]))
                raise _invalid(f"row_splits must be non-decreasing, but row_splits[{bad + 1}] = "
                                 f"{int(splits[bad + 1])} < row_splits[{bad}] = {int(splits[bad])}")
            if nvals is not None and int(splits[-1]) != nvals:
                raise _invalid(f"the last row split ({int(splits[-1])}) must equal the number of "
                                 f"values ({nvals})")
        return cls(splits, dtype=_public_dtype(row_splits, dtype, dtype_hint))

    @classmethod
    def from_row_lengths(cls, row_lengths, nvals=None, validate=True, dtype=None, dtype_hint=None):
        lengths = _as_index(row_lengths, "row_lengths")
        xp = backend.xp_of(lengths)
        if validate:
            if lengths.ndim != 1:
                raise ValueError(f"row_lengths must be a vector, got shape {lengths.shape}")
            if lengths.size and bool(xp.any(lengths < 0)):
                bad = int(xp.argmax(lengths < 0))
                raise _invalid(f"row_lengths must be non-negative, got row_lengths[{bad}] = {int(lengths[bad])}")
        splits = xp.empty(lengths.shape[0] + 1, np.int64)
        splits[0] = 0
        xp.cumsum(lengths, out=splits[1:])
        if validate and nvals is not None and int(splits[-1]) != nvals:
            raise _invalid(f"row_lengths add up to {int(splits[-1])}, but there are {nvals} values")
        part = cls(splits, dtype=_public_dtype(row_lengths, dtype, dtype_hint))
        part._lengths = lengths
        return part

    @classmethod
    def from_value_rowids(cls, value_rowids, nrows=None, nvals=None, validate=True, dtype=None, dtype_hint=None):
        rowids = _as_index(value_rowids, "value_rowids")
        xp = backend.xp_of(rowids)
        if validate:
            if rowids.ndim != 1:
                raise ValueError(f"value_rowids must be a vector, got shape {rowids.shape}")
            if nvals is not None and rowids.shape[0] != nvals:
                raise ValueError(f"value_rowids has {rowids.shape[0]} entries, but there are {nvals} values")
            if rowids.size:
                if int(rowids[0]) < 0:
                    raise _invalid(f"value_rowids must be non-negative, got {int(rowids[0])}")
                if bool(xp.any(rowids[1:] < rowids[:-1])):
                    bad = int(xp.argmax(rowids[1:] < rowids[:-1]))
                    raise _invalid(f"value_rowids must be sorted, but value_rowids[{bad + 1}] < "
                                     f"value_rowids[{bad}]")
        if nrows is None:
            nrows = int(rowids[-1]) + 1 if rowids.size else 0
        nrows = argcheck.integer(nrows, "nrows", "from_value_rowids", 0)
        if validate and rowids.size and int(rowids[-1]) >= nrows:
            raise ValueError(f"value_rowids has row id {int(rowids[-1])}, but nrows is {nrows}")
        splits = xp.searchsorted(rowids, xp.arange(nrows + 1), side="left").astype(np.int64)
        part = cls(splits, dtype=_public_dtype(value_rowids, dtype, dtype_hint))
        part._rowids = rowids
        part._known_nvals = True
        return part

    @classmethod
    def from_row_starts(cls, row_starts, nvals, validate=True, dtype=None, dtype_hint=None):
        """A partition from each row's first value index and the number of values."""
        starts = _as_index(row_starts, "row_starts")
        if starts.ndim != 1:
            raise ValueError(f"row_starts must be a vector, got shape {starts.shape}")
        nvals = argcheck.integer(nvals, "nvals", "from_row_starts", 0)
        xp = backend.xp_of(starts)
        splits = xp.empty(starts.shape[0] + 1, np.int64)
        splits[:-1] = starts
        splits[-1] = nvals
        if validate:
            if starts.shape[0] and int(starts[0]) != 0:
                raise _invalid(f"from_row_starts: row_starts must start with 0, got {int(starts[0])}")
            _check_sorted(xp, splits, "from_row_starts: row_starts (then nvals)")
        part = cls(splits, dtype=_public_dtype(row_starts, dtype, dtype_hint))
        part._known_nvals = True
        return part

    @classmethod
    def from_row_limits(cls, row_limits, validate=True, dtype=None, dtype_hint=None):
        """A partition from the index after each row's last value."""
        limits = _as_index(row_limits, "row_limits")
        if limits.ndim != 1:
            raise ValueError(f"row_limits must be a vector, got shape {limits.shape}")
        xp = backend.xp_of(limits)
        splits = xp.zeros(limits.shape[0] + 1, np.int64)
        splits[1:] = limits
        if validate:
            _check_sorted(xp, splits, "from_row_limits: row_limits (after 0)")
        return cls(splits, dtype=_public_dtype(row_limits, dtype, dtype_hint))

    @classmethod
    def from_uniform_row_length(cls, uniform_row_length, nvals, nrows=None, validate=True, xp=np):
        kind = getattr(getattr(uniform_row_length, "dtype", None), "kind", None)
        if isinstance(uniform_row_length, float) or kind == "f":   # TF 2.21: "UniformRowLength must have dtype ..."
            raise ValueError(f"from_uniform_row_length: uniform_row_length must be a non-negative integer, got "
                             f"{argcheck.describe(uniform_row_length)} (TF: int32 or int64)")
        length = argcheck.integer(uniform_row_length, "uniform_row_length", "from_uniform_row_length", 0)
        if nrows is not None:
            nrows = argcheck.integer(nrows, "nrows", "from_uniform_row_length", 0)
        if nrows is None:
            if length == 0:   # as TF: no rows, which holds only when there are no values
                if nvals:
                    raise ValueError(f"nrows must be given when uniform_row_length is 0 and there are "
                                     f"{nvals} values")
                nrows = 0
            elif nvals % length:
                raise ValueError(f"{nvals} values cannot be split into rows of length {length}")
            else:
                nrows = nvals // length
        if validate and nrows * length != nvals:
            raise ValueError(f"nrows ({nrows}) * uniform_row_length ({length}) must equal the number "
                             f"of values ({nvals})")
        splits = xp.arange(0, (nrows + 1) * length, length if length else 1, dtype=np.int64)[:nrows + 1]
        if length == 0:
            splits = xp.zeros(nrows + 1, np.int64)
        return cls(splits, uniform_row_length=length)

    def __repr__(self):
        # TF's form: wb.RowPartition(row_splits=[0 2 2 5]), nrows and the length when uniform
        if self._uniform is not None:
            return f"wb.RowPartition(nrows={self._nrows}, uniform_row_length={int(self._uniform)})"
        return f"wb.RowPartition(row_splits={backend.to_numpy(self._splits)})"

    # -- encodings (arrays and ints, for the package's own use) --------------
    @property
    def xp(self):
        return backend.xp_of(self._splits)

    def _row_splits_arr(self):
        return self._splits

    def _nrows_int(self) -> int:
        return self._nrows

    def _shown_nrows(self, depth=1):
        """The row count a shape shows: TF's static one to the traced function's own code while
        a ``wb.function`` traces (the library's code, ``depth`` frames up, reads the traced
        size, as it does a placeholder's shape)."""
        if not core.tracing() or sys._getframe(depth).f_code.co_filename.startswith(core._OUR_ROOTS):
            return self._nrows
        return self._static_nrows

    def set_static_nrows(self, nrows):
        """Record the row count TF's shape inference knows (an int, or None); returns self."""
        self._static_nrows = None if nrows is None else int(nrows)
        return self

    def _copy(self):
        """This partition as a new object sharing its arrays (its static sizes may then differ)."""
        out = RowPartition(self._splits, self._uniform, self._dtype)
        out._lengths, out._rowids, out._positions, out._nvals = self._lengths, self._rowids, self._positions, self._nvals
        out._known_nvals, out._static_nrows, out._static_uniform = (self._known_nvals, self._static_nrows,
                                                                   self._static_uniform)
        return out

    def _shown_uniform(self, depth=1):
        """The uniform row length a shape shows (TF's static one to the traced function's code)."""
        if not core.tracing() or sys._getframe(depth).f_code.co_filename.startswith(core._OUR_ROOTS):
            return self._uniform
        return self._static_uniform

    def set_static_uniform(self, length):
        """Record the uniform row length TF's shape inference knows (None: unknown); returns self."""
        if self._uniform is not None:
            self._static_uniform = None if length is None else int(length)
        return self

    def _nvals_int(self) -> int:
        if self._nvals is None:
            self._nvals = int(self._splits[-1])
        return self._nvals

    def _row_lengths_arr(self):
        if self._lengths is None:
            self._lengths = self._splits[1:] - self._splits[:-1]
        return self._lengths

    def _row_starts_arr(self):
        return self._splits[:-1]

    def _row_limits_arr(self):
        return self._splits[1:]

    def _value_rowids_arr(self):
        """The row of each value: ``[0, 0, 1, 3, ...]`` (vectorized: a repeat of row numbers)."""
        if self._rowids is None:
            xp = self.xp
            self._rowids = backend.repeat(xp.arange(self._nrows, dtype=np.int64), self._row_lengths_arr())
        return self._rowids

    def positions(self):
        """Each value's position within its row."""
        if self._positions is None:
            xp = self.xp
            self._positions = xp.arange(self._nvals_int(), dtype=np.int64) - self._splits[:-1][self._value_rowids_arr()]
        return self._positions

    def max_row_length(self) -> int:
        if self._uniform is not None:
            return self._uniform
        lengths = self._row_lengths_arr()
        return int(lengths.max()) if lengths.size else 0

    def _uniform_int(self):
        return self._uniform

    # -- TF's public encodings: tensors of the partition's dtype -------------
    def _tensor(self, arr):
        return core.wrap(arr.astype(self._dtype, copy=False))

    def _scalar(self, value):
        return core.wrap(self.xp.asarray(value, dtype=self._dtype))

    def row_splits(self):
        """The row splits, a vector of ``nrows + 1`` indices starting at 0."""
        return self._tensor(self._splits)

    def row_lengths(self):
        """The length of each row, a vector of ``nrows`` values."""
        return self._tensor(self._row_lengths_arr())

    def row_starts(self):
        """The index of each row's first value (``row_splits[:-1]``)."""
        return self._tensor(self._row_starts_arr())

    def row_limits(self):
        """The index after each row's last value (``row_splits[1:]``)."""
        return self._tensor(self._row_limits_arr())

    def value_rowids(self):
        """The row of each value."""
        return self._tensor(self._value_rowids_arr())

    def offsets_in_rows(self):
        """Each value's position within its row."""
        return self._tensor(self.positions())

    def nrows(self):
        """The number of rows, a scalar tensor."""
        return self._scalar(self._nrows)

    def nvals(self):
        """The number of values, a scalar tensor."""
        return self._scalar(self._nvals_int())

    def uniform_row_length(self):
        """The rows' common length as a scalar tensor, or None when rows may differ."""
        return None if self._uniform is None else self._scalar(self._uniform)

    def is_uniform(self):
        """Whether the partition was made with a uniform row length."""
        return self._uniform is not None

    @property
    def static_nrows(self):
        """The number of rows as a Python int (None inside a ``wb.function`` trace where TF's
        shape inference does not know it)."""
        return self._shown_nrows(2)

    @property
    def static_nvals(self):
        """The number of values as a Python int where TF knows it statically (from value row ids,
        row starts with ``nvals``, a uniform row length), else None."""
        return self._nvals_int() if self._known_nvals else None

    @property
    def static_uniform_row_length(self):
        """The uniform row length as a Python int, or None when the partition is not uniform."""
        return None if self._uniform is None else int(self._uniform)

    def is_same(self, other) -> bool:
        """Whether two partitions split values identically (cheap when they are the same object)."""
        if self is other or self._splits is other._splits:
            return True
        if self._nrows != other._nrows:
            return False
        return bool(self.xp.array_equal(self._splits, other._splits))

    def to(self, device):
        moved = backend.move(self._splits, device)
        if moved is self._splits:
            return self
        out = RowPartition(moved, self._uniform, self._dtype).set_static_nrows(self._static_nrows)
        out._static_uniform = self._static_uniform
        return out

    @property
    def dtype(self):
        """The integer dtype the partition reports its encodings in (``wb.int32`` or ``wb.int64``)."""
        return dtypes.as_dtype(self._dtype)

    def with_dtype(self, dtype):
        """This partition reporting ``dtype`` (its cached encodings are shared)."""
        dtype = splits_dtype(dtype, "row_splits_dtype")
        if dtype == self._dtype:
            return self
        out = RowPartition(self._splits, self._uniform, dtype)
        out._lengths, out._rowids, out._positions, out._nvals = self._lengths, self._rowids, self._positions, self._nvals
        out._known_nvals, out._static_nrows = self._known_nvals, self._static_nrows
        out._static_uniform = self._static_uniform
        return out


def static_size(value):
    """The length TF's shape inference knows of a vector argument (a tensor's static first
    dimension, a list's length), or None."""
    if isinstance(value, (list, tuple)):
        return len(value)
    static = getattr(value, "_static_shape", None)   # a placeholder: the shape TF's inference gives it
    try:
        first = (static() if static is not None else value.shape)[0]
    except (AttributeError, IndexError, TypeError, ValueError):   # no shape, a scalar, an unknown rank
        return None
    return None if first is None else int(first)


def _invalid(message):
    """TF's error for row partition values that fail validation (found when the values are
    read, so an ``InvalidArgumentError``, which is also a ``ValueError``)."""
    return InvalidArgumentError(None, None, message)


def _check_sorted(xp, splits, what):
    """TF's error when row boundaries decrease."""
    if splits.shape[0] > 1 and bool(xp.any(splits[1:] < splits[:-1])):
        bad = int(xp.argmax(splits[1:] < splits[:-1]))
        raise _invalid(f"{what} must be non-decreasing, but {int(splits[bad + 1])} follows {int(splits[bad])}")


def _public_dtype(value, dtype, dtype_hint):
    """The partition dtype TF's constructors give: ``dtype``, else the argument's int32/int64
    dtype (``dtype_hint`` for Python lists), else int64."""
    if dtype is not None:
        return splits_dtype(dtype, "dtype")
    if getattr(value, "dtype", None) is None and dtype_hint is not None:
        return splits_dtype(dtype_hint, "dtype_hint")
    return index_dtype(value)


def splits_dtype(dtype, what, error=ValueError):
    """``dtype`` as int32 or int64, or a clear ``error`` (TF's row partitions are one of the two;
    TF's kernels that take the dtype as an attribute raise InvalidArgumentError)."""
    try:
        d = np.dtype(getattr(dtype, "as_numpy_dtype", dtype))
    except TypeError:
        d = None
    if d not in (np.dtype(np.int32), np.dtype(np.int64)):
        message = f"{what} must be int32 or int64, got {dtype!r}"
        raise _invalid(message) if error is InvalidArgumentError else error(message)
    return d


def index_dtype(value):
    """The row-partition dtype a partitioning argument implies: int32 for int32 tensors and
    arrays, int64 otherwise (Python lists and ints included, as TF)."""
    dt = getattr(value, "dtype", None)
    return np.dtype(np.int32) if dt is not None and np.dtype(dt) == np.int32 else np.dtype(np.int64)


def _as_index(value, what, error=ValueError):
    """``value`` (a list, array or tensor of integers) as an int64 array; floats, bools and
    strings are refused with ``error``, not truncated (TF: row partitions are int32 or int64,
    and a partition of another dtype is its ValueError)."""
    arr = value._data if isinstance(value, Tensor) else value
    if isinstance(arr, (list, tuple, int, np.integer)):
        arr = np.asarray(arr)
        if arr.dtype.kind in "iu" and backend.default_device().kind == "gpu":
            arr = backend.move(arr, backend.default_device())
    if not hasattr(arr, "dtype"):
        arr = np.asarray(arr)
    if arr.dtype.kind in "iu" and arr.dtype not in (np.dtype(np.int32), np.dtype(np.int64)) and \
            not isinstance(value, (list, tuple, int, np.integer)):   # TF 2.21's class and words
        raise ValueError(f"{what} must have dtype int32 or int64, got {argcheck.describe(value)} of dtype {arr.dtype}")
    if arr.dtype.kind not in "iu":
        if arr.size == 0 and arr.dtype.kind == "f":  # [] converts to float64
            return arr.astype(np.int64)
        given = argcheck.describe(value)
        if not hasattr(value, "dtype"):
            given += f", of dtype {arr.dtype}"
        raise error(f"{what} must be integers (int32 or int64), got {given}")
    return arr.astype(np.int64, copy=False)
