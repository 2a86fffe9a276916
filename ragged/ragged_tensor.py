"""RaggedTensor: ``flat_values`` plus one row partition per ragged dimension (TF's model).

>>> rt = ragged.constant([[1.0, 2.0], [], [3.0]])
>>> rt.shape
TensorShape([3, None])
>>> rt.row_lengths().numpy()
array([2, 0, 1])

Every op differentiates with respect to ``flat_values``: watch a RaggedTensor
on a tape (or take the gradient with respect to it) and you get a RaggedTensor
of gradients with the same partition.
"""

from __future__ import annotations

import html
import sys

import numpy as np

import workbench as wb
from workbench import backend, core
from workbench.errors import argcheck
from workbench.core import Tensor, convert_to_tensor
from workbench.tensor_shape import TensorShape

from .row_partition import RowPartition, _as_index, index_dtype, splits_dtype, static_size


class RaggedTensor(core.CompositeTensor):
    """A tensor with one or more ragged (variable-length) dimensions.

    Dimension 0 is the rows; dimensions ``1..ragged_rank`` are ragged; the
    remaining dimensions are uniform (those of ``flat_values`` after its first).
    Build one with :func:`ragged.constant` or the ``from_*`` class methods.
    """

    _is_tensor_like = True   # wb.is_tensor is True for it, as TF's
    __wb_unsupported__ = ValueError   # an op without a ragged handler: TF's conversion error class

    __slots__ = ("_values", "_partition", "__weakref__")
    __array_priority__ = 110
    __hash__ = None

    def __init__(self, values, row_partition=None, _internal=False):
        if not _internal:   # TF 2.21's class and text
            raise ValueError("RaggedTensor constructor is private; please use one of the factory methods "
                             "instead (e.g., RaggedTensor.from_row_lengths())")
        partition = row_partition
        self._values = values
        self._partition = partition

    # -- constructors -----------------------------------------------------
    @staticmethod
    def _prepare_values(values):
        if isinstance(values, RaggedTensor):
            return values, values.nrows_int()
        v = convert_to_tensor(values)
        if v.ndim == 0:   # TF 2.21: its StridedSlice kernel's error class
            raise wb.errors.InvalidArgumentError(None, None, "values must have rank >= 1, got a scalar")
        return v, v.shape[0]

    @classmethod
    def from_row_splits(cls, values, row_splits, name=None, validate=True):
        """Rows ``values[row_splits[i]:row_splits[i+1]]``."""
        values, nvals = cls._prepare_values(values)
        n = static_size(row_splits)
        part = _checked(lambda: RowPartition.from_row_splits(
            _on_device(row_splits, values, "from_row_splits: row_splits"), nvals, validate),
            values, nvals, row_splits, None if n is None else n - 1)
        return cls._build(values, _static_rows(part, None if n is None else n - 1, 2), _partition_dtype(row_splits, values))

    @classmethod
    def from_row_lengths(cls, values, row_lengths, name=None, validate=True):
        """Rows of the given lengths, taken in order from ``values``."""
        values, nvals = cls._prepare_values(values)
        part = _checked(lambda: RowPartition.from_row_lengths(
            _on_device(row_lengths, values, "from_row_lengths: row_lengths"), nvals, validate),
            values, nvals, row_lengths, static_size(row_lengths))
        return cls._build(values, _static_rows(part, static_size(row_lengths), 2), _partition_dtype(row_lengths, values))

    @classmethod
    def from_value_rowids(cls, values, value_rowids, nrows=None, name=None, validate=True):
        """Row ``i`` holds the values whose ``value_rowids`` is ``i`` (ids sorted)."""
        values, nvals = cls._prepare_values(values)
        _same_index_dtype(nrows, value_rowids, "nrows")
        part = _checked(lambda: RowPartition.from_value_rowids(
            _on_device(value_rowids, values, "from_value_rowids: value_rowids"), nrows, nvals, validate),
            values, nvals, value_rowids, _static_int(nrows))
        return cls._build(values, _static_rows(part, _static_int(nrows), 2), _partition_dtype(value_rowids, values))

    @classmethod
    def from_row_starts(cls, values, row_starts, name=None, validate=True):
        values, nvals = cls._prepare_values(values)
        starts = _on_device(row_starts, values, "from_row_starts: row_starts")
        if starts.ndim != 1:   # TF 2.21's class
            raise ValueError(f"from_row_starts: row_starts must have rank 1, got shape {starts.shape}")
        xp = backend.xp_of(starts)
        splits = xp.concatenate([starts, xp.asarray([nvals], np.int64)])
        # TF checks the first start only when there is one: no starts make no rows
        part = _checked(lambda: RowPartition.from_row_splits(splits, nvals, validate and starts.shape[0] > 0),
                        values, nvals, row_starts, static_size(row_starts))
        return cls._build(values, _static_rows(part, static_size(row_starts), 2), _partition_dtype(row_starts, values))

    @classmethod
    def from_row_limits(cls, values, row_limits, name=None, validate=True):
        values, nvals = cls._prepare_values(values)
        limits = _on_device(row_limits, values, "from_row_limits: row_limits")
        if limits.ndim != 1:   # TF 2.21's class
            raise ValueError(f"from_row_limits: row_limits must have rank 1, got shape {limits.shape}")
        xp = backend.xp_of(limits)
        splits = xp.concatenate([xp.zeros(1, np.int64), limits])
        part = _checked(lambda: RowPartition.from_row_splits(splits, nvals, validate), values, nvals, row_limits,
                        static_size(row_limits))
        part = _static_rows(part, static_size(row_limits), 2)
        return cls._build(values, part, _partition_dtype(row_limits, values))

    @classmethod
    def from_uniform_row_length(cls, values, uniform_row_length, nrows=None, validate=True, name=None):
        """Rows of ``uniform_row_length`` values each (``nrows`` of them; needed when the length
        is 0). ``values`` may be ragged: ``from_uniform_row_length(rt, 2)`` groups its rows in
        pairs, giving shape ``[nrows, 2, None, ...]``."""
        values, nvals = cls._prepare_values(values)
        if isinstance(values, RaggedTensor):
            _same_index_dtype(uniform_row_length, values.row_splits, "uniform_row_length")
        xp = values.flat_values.xp if isinstance(values, RaggedTensor) else values.xp
        part = RowPartition.from_uniform_row_length(uniform_row_length, nvals, nrows, validate, xp)
        length = _static_int(uniform_row_length)
        if nrows is None:   # TF's shape inference: the values' static size over the length
            have = _static_nvals(values)
            static = None if have is None or not length else have // length
        else:
            static = _static_int(nrows)
        _static_rows(part, static, 2)
        if core.tracing():
            part.set_static_uniform(length)
        dtype = values.row_splits_dtype if isinstance(values, RaggedTensor) else index_dtype(uniform_row_length)
        return cls._build(values, part, dtype)

    @classmethod
    def _build(cls, values, part, dtype):
        """A RaggedTensor over ``values`` with partition ``part`` reporting ``dtype``; ragged
        ``values`` must report the same dtype (TF refuses mixed row-partition dtypes)."""
        if isinstance(values, RaggedTensor) and values.row_splits_dtype != dtype:
            raise ValueError(f"row partition dtypes differ: {dtype} for the new dimension, "
                             f"{values.row_splits_dtype} in the ragged values; convert them with "
                             "RaggedTensor.with_row_splits_dtype")
        return cls(values, part.with_dtype(dtype), _internal=True)

    @classmethod
    def from_nested_row_splits(cls, flat_values, nested_row_splits, name=None, validate=True):
        _check_nested(nested_row_splits, "nested_row_splits")
        result = flat_values
        for splits in reversed(list(nested_row_splits)):
            result = cls.from_row_splits(result, splits, validate=validate)
        return result

    @classmethod
    def from_nested_row_lengths(cls, flat_values, nested_row_lengths, name=None, validate=True):
        _check_nested(nested_row_lengths, "nested_row_lengths")
        result = flat_values
        for lengths in reversed(list(nested_row_lengths)):
            result = cls.from_row_lengths(result, lengths, validate=validate)
        return result

    @classmethod
    def from_nested_value_rowids(cls, flat_values, nested_value_rowids, nested_nrows=None, name=None,
                                 validate=True):
        _check_nested(nested_value_rowids, "nested_value_rowids")
        ids = list(nested_value_rowids)
        nrows = list(nested_nrows) if nested_nrows is not None else [None] * len(ids)
        if len(nrows) != len(ids):   # TF 2.21's text
            raise ValueError(f"Argument `nested_nrows` must have the same length as argument `nested_value_rowids`. "
                             f"len(nested_nrows) = {len(nrows)} vs. len(nested_values_rowids) = {len(ids)}.")
        result = flat_values
        for rowids, n in zip(reversed(ids), reversed(nrows)):
            result = cls.from_value_rowids(result, rowids, n, validate=validate)
        return result

    @classmethod
    def from_tensor(cls, tensor, lengths=None, padding=None, ragged_rank=1, name=None,
                    row_splits_dtype=np.int64):
        """A RaggedTensor from a dense ``[nrows, ncols, ...]`` tensor.

        ``lengths`` keeps the first ``lengths[i]`` entries of row ``i`` (negative lengths count
        as 0); ``padding`` drops each row's trailing entries equal to ``padding`` (a value of
        shape ``tensor.shape[ragged_rank + 1:]``); with neither, all rows keep every entry.
        With ``ragged_rank = k > 1`` the first ``k`` dimensions are flattened, ``lengths`` (of
        size ``d0 * ... * d(k-1)``) or ``padding`` apply to dimension ``k``, and dimensions
        ``1..k-1`` stay uniform. ``lengths`` may also be a list of nested row lengths (one
        vector per ragged dimension, ``ragged_rank`` their number), as TF. The partitions report
        ``row_splits_dtype``. Differentiable with respect to ``tensor``.
        """
        t = convert_to_tensor(tensor)
        rs_dtype = splits_dtype(row_splits_dtype, "from_tensor: row_splits_dtype", wb.errors.InvalidArgumentError)
        if lengths is not None and padding is not None:
            raise ValueError("from_tensor: give lengths or padding, not both")
        if not isinstance(ragged_rank, (int, np.integer)) or isinstance(ragged_rank, bool) or ragged_rank < 1:
            raise ValueError(f"Argument `ragged_rank` must be greater than 0. Received {ragged_rank}.")
        if _is_nested_lengths(lengths):
            if ragged_rank not in (1, len(lengths)):
                raise ValueError(f"from_tensor: {len(lengths)} nested row lengths need ragged_rank "
                                 f"{len(lengths)}, got ragged_rank={ragged_rank}")
            return cls._from_tensor_nested(t, list(lengths)).with_row_splits_dtype(rs_dtype)
        if t.ndim < ragged_rank + 1:
            raise ValueError(f"from_tensor: a tensor of rank {t.ndim} cannot have ragged_rank {ragged_rank}")
        if ragged_rank > 1:
            lead = t.shape[:ragged_rank]
            flat = wb.reshape(t, (int(np.prod(lead)),) + t.shape[ragged_rank:])
            result = cls.from_tensor(flat, lengths=lengths, padding=padding)
            for axis in range(ragged_rank - 1, 0, -1):
                result = cls.from_uniform_row_length(result, lead[axis], nrows=int(np.prod(lead[:axis])))
            if core.tracing():   # TF's static shape: the tensor's outer dimensions
                static = t._static_shape()
                result._partition.set_static_nrows(static[0])
                for p, d in zip(result.partitions, static[1:ragged_rank]):
                    p.set_static_uniform(d)
            return result.with_row_splits_dtype(rs_dtype)
        return cls._from_tensor_rank1(t, lengths, padding).with_row_splits_dtype(rs_dtype)

    @classmethod
    def _from_tensor_nested(cls, t, nested):
        """``t``'s entries at the positions a list of nested row lengths describes, gathered in
        one step: each level's flat index is the parent's index times the dimension's size plus
        the position in the row."""
        k = len(nested)
        if t.ndim < k + 1:
            raise ValueError(f"from_tensor: a tensor of rank {t.ndim} cannot hold {k} nested row lengths")
        xp = t.xp
        parts, idx = [], xp.arange(t.shape[0], dtype=np.int64)
        for level, lens in enumerate(nested):
            lens = _on_device(lens, t, f"from_tensor: lengths[{level}]", TypeError)   # TF: a TypeError here
            size = t.shape[level + 1]
            if lens.shape != idx.shape:
                raise ValueError(f"from_tensor: lengths[{level}] must have shape {idx.shape}, got {lens.shape}")
            if lens.size and (bool(xp.any(lens < 0)) or bool(xp.any(lens > size))):
                raise ValueError(f"from_tensor: lengths[{level}] must be in [0, {size}] (dimension "
                                 f"{level + 1} has size {size})")
            part = RowPartition.from_row_lengths(lens.astype(np.int64), validate=False)
            idx = idx[part._value_rowids_arr()] * size + part.positions()
            parts.append(part)
        # TF's check: the tensor is exactly the bounding box of the rows the lengths describe
        bounding = (t.shape[0],) + tuple(p.max_row_length() for p in parts) + tuple(t.shape[k + 1:])
        if bounding != tuple(t.shape):
            raise ValueError(f"Shapes {_shape_str(t.shape)} and {_shape_str(bounding)} are incompatible: "
                             "from_tensor's nested lengths must describe rows as long as the tensor's dimensions")
        flat = wb.reshape(t, (-1,) + t.shape[k + 1:])
        result = wb.gather(flat, core.wrap(idx))
        for part in reversed(parts):
            result = cls(result, part, _internal=True)
        return result

    @classmethod
    def _from_tensor_rank1(cls, t, lengths, padding):
        from .ops import _dense_to_values  # circular import with ops
        xp = t.xp
        nrows, ncols = t.shape[0], t.shape[1]
        if padding is not None:
            pad = convert_to_tensor(padding, dtype=t.dtype)
            if tuple(pad.shape) != tuple(t.shape[2:]):
                raise ValueError(f"from_tensor: padding must have shape {_shape_str(t.shape[2:])} (the "
                                 f"tensor's dimensions after the ragged one), got {_shape_str(pad.shape)}")
            is_pad = t._data == pad._data
            if is_pad.ndim > 2:
                is_pad = is_pad.reshape(nrows, ncols, -1).all(axis=2)
            keep = ~is_pad
            # length = 1 + index of the last non-padding entry
            idx = xp.arange(1, ncols + 1, dtype=np.int64)
            lens = (keep * idx).max(axis=1) if ncols else xp.zeros(nrows, np.int64)
        elif lengths is not None:
            lens = _on_device(lengths, t, "from_tensor: lengths", TypeError)   # TF: a TypeError here
            if lens.shape != (nrows,):   # TF 2.21: a ValueError ("Shapes (2, 2) and (2, 1) are incompatible")
                raise ValueError(f"from_tensor: lengths must have shape ({nrows},), got {lens.shape}")
            lens = xp.clip(lens, 0, ncols)   # as TF: longer lengths keep the whole row
        else:
            out = cls.from_uniform_row_length(wb.reshape(t, (-1,) + t.shape[2:]), ncols, nrows=nrows)
            if core.tracing():   # TF's static shape: the tensor's first two dimensions
                static = t._static_shape()
                out._partition.set_static_nrows(static[0]).set_static_uniform(static[1])
            return out
        part = _static_rows(RowPartition.from_row_lengths(lens.astype(np.int64), validate=False), static_size(t))
        values = _dense_to_values(t, part)
        return cls(values, part, _internal=True)

    # -- structure ----------------------------------------------------------
    @property
    def values(self):
        """The values one ragged level down (a Tensor or a RaggedTensor)."""
        return self._values

    @property
    def flat_values(self) -> Tensor:
        v = self._values
        while isinstance(v, RaggedTensor):
            v = v._values
        return v

    @property
    def ragged_rank(self) -> int:
        return 1 + (self._values.ragged_rank if isinstance(self._values, RaggedTensor) else 0)

    @property
    def partitions(self):
        """The row partitions from the outermost ragged dimension in."""
        out = [self._partition]
        v = self._values
        while isinstance(v, RaggedTensor):
            out.append(v._partition)
            v = v._values
        return out

    @property
    def row_splits_dtype(self):
        """The dtype of ``row_splits`` and the other partition encodings: int64, or int32 when
        the tensor was built with int32 partitions or ``row_splits_dtype=int32``."""
        return self._partition.dtype

    @property
    def row_splits(self) -> Tensor:
        return _encoding(self._partition._row_splits_arr(), self._partition, 1)

    @property
    def nested_row_splits(self):
        return tuple(_encoding(p._row_splits_arr(), p, 1) for p in self.partitions)

    @property
    def uniform_row_length(self):
        """The length of every row (a scalar tensor of ``row_splits_dtype``) when this tensor was
        built with uniform rows (``from_uniform_row_length``, a dense conversion), else None."""
        n = self._partition._uniform_int()
        return None if n is None else core.wrap(np.asarray(n, dtype=self.row_splits_dtype))

    @property
    def dtype(self):
        return self.flat_values.dtype

    @property
    def device(self):
        return self.flat_values.device

    @property
    def shape(self) -> TensorShape:
        """``TensorShape([nrows, None or uniform length, ..., *inner])``: None marks ragged
        dimensions."""
        dims = [self._partition._shown_nrows(2)]
        for p in self.partitions:
            dims.append(p._shown_uniform(2))
        return TensorShape(tuple(dims) + tuple(self.flat_values.shape[1:]))

    def get_shape(self) -> TensorShape:
        """``self.shape`` (TF's alias)."""
        return self.shape

    def _spec(self):
        """This tensor's ``RaggedTensorSpec`` (what ``wb.TensorSpec`` and ``wb.function``
        compare ragged values by)."""
        from .ragged_tensor_spec import RaggedTensorSpec  # the spec module imports this one
        return RaggedTensorSpec(self._static_dims(), self.dtype, self.ragged_rank, self.row_splits_dtype)

    def __wb_trace_as__(self, spec):
        """While a ``wb.function`` traces with this value for ``spec`` (a ``RaggedTensorSpec`` of
        the signature): take the spec's static shape, as TF's traced argument has it (sizes the
        spec leaves open are None; the partitions are copied, the caller's value keeps its own)."""
        rank = self.ragged_rank + self.flat_values.ndim
        dims = list(spec.shape) if spec.shape.rank == rank else [None] * rank
        node, k = self, 0
        while isinstance(node, RaggedTensor):
            part = node._partition._copy()
            if k == 0:
                part.set_static_nrows(dims[0])
            part._static_uniform = dims[k + 1] if part._uniform is not None else None
            node._partition = part
            node, k = node._values, k + 1
        core.static_result(node, (None,) + tuple(dims[self.ragged_rank + 1:]))

    def _static_dims(self):
        """TF's static shape as a tuple: the sizes TF's shape inference gave it where it was made
        inside a ``wb.function`` trace (None where the data decides), else its shape."""
        inner = self.flat_values._static_shape()
        inner = None if inner.rank is None else tuple(inner)[1:]
        return ((self._partition._static_nrows,) + tuple(p._static_uniform for p in self.partitions)
                + (tuple(self.flat_values.shape[1:]) if inner is None else inner))

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def rank(self) -> int:
        return self.ndim

    def nrows_int(self) -> int:
        return self._partition._nrows_int()

    def nrows(self, out_type=None, name=None) -> Tensor:
        out_type = self.row_splits_dtype if out_type is None else out_type
        return core.wrap(np.asarray(self._partition._nrows_int(), dtype=out_type))

    def row_lengths(self, axis=1, name=None):
        """Lengths of the rows of ragged dimension ``axis`` (a RaggedTensor for ``axis > 1``)."""
        axis = argcheck.axis(axis, self.ndim, "row_lengths", "axis")
        if axis == 0:
            return self.nrows()
        if axis == 1:
            return _encoding(self._partition._row_lengths_arr(), self._partition)
        if axis > self.ragged_rank:   # a uniform inner dimension: its size at every position
            flat = self.flat_values
            lead = tuple(flat.shape[:axis - self.ragged_rank])
            return self.with_flat_values(core.wrap(flat.xp.full(lead, flat.shape[axis - self.ragged_rank],
                                                                self.row_splits_dtype)))
        return self.with_values(self._values.row_lengths(axis - 1))

    def nested_row_lengths(self, name=None):
        return tuple(_encoding(p._row_lengths_arr(), p) for p in self.partitions)

    def value_rowids(self, name=None) -> Tensor:
        out = self._partition._tensor(self._partition._value_rowids_arr())
        if core.tracing():   # TF's static shape: one per value, as many as the values' static rows
            v = self._values
            rows = v._static_dims()[0] if isinstance(v, RaggedTensor) else (
                None if v._static_shape().rank is None else v._static_shape().as_list()[0])
            core.static_result(out, (rows,))
        return out

    def nested_value_rowids(self, name=None):
        return tuple(p._tensor(p._value_rowids_arr()) for p in self.partitions)

    def row_starts(self, name=None) -> Tensor:
        return _encoding(self._partition._row_starts_arr(), self._partition)

    def row_limits(self, name=None) -> Tensor:
        return _encoding(self._partition._row_limits_arr(), self._partition)

    def bounding_shape(self, axis=None, name=None, out_type=None) -> Tensor:
        """The smallest dense shape holding every row: ``[nrows, max lengths..., *inner]``."""
        dims = [self._partition._nrows_int()] + [p.max_row_length() for p in self.partitions]
        dims += list(self.flat_values.shape[1:])
        arr = np.asarray(dims, dtype=self.row_splits_dtype if out_type is None else out_type)
        if axis is not None:
            try:
                arr = arr[axis]
            except IndexError:   # TF 2.21: its GatherV2 kernel's error
                raise wb.errors.InvalidArgumentError(
                    None, None, f"bounding_shape: axis {axis} is not in [0, {len(dims)})") from None
        return core.wrap(arr)

    def with_values(self, new_values):
        new_values = new_values if isinstance(new_values, RaggedTensor) else convert_to_tensor(new_values)
        if new_values.ndim == 0:   # TF 2.21: "Shape () must have rank at least 1"
            raise ValueError("with_values: new values must have rank at least 1, got a scalar")
        n = new_values.nrows_int() if isinstance(new_values, RaggedTensor) else new_values.shape[0]
        if n != self._partition._nvals_int():
            raise ValueError(f"with_values: new values have {n} rows, expected {self._partition._nvals_int()}")
        return RaggedTensor(new_values, self._partition, _internal=True)

    def with_flat_values(self, new_values):
        if isinstance(self._values, RaggedTensor):
            return RaggedTensor(self._values.with_flat_values(new_values), self._partition, _internal=True)
        return self.with_values(new_values)

    def with_row_splits_dtype(self, dtype):
        """This tensor with every row partition reporting ``dtype`` (int32 or int64)."""
        dtype = splits_dtype(dtype, "with_row_splits_dtype: dtype")
        values = self._values.with_row_splits_dtype(dtype) if isinstance(self._values, RaggedTensor) else self._values
        return RaggedTensor(values, self._partition.with_dtype(dtype), _internal=True)

    # -- conversion ---------------------------------------------------------
    def to_tensor(self, default_value=None, name=None, shape=None) -> Tensor:
        """A dense tensor, padded with ``default_value`` (zero by default) to the bounding shape,
        or cropped/padded to ``shape`` (None entries keep the bounding size)."""
        from .ops import _values_to_dense  # circular import with ops
        if isinstance(shape, (list, tuple)) and any(isinstance(d, (int, np.integer)) and d < 0 for d in shape):
            # TF 2.21's class and words: None keeps a bounding size, a negative size is refused
            raise ValueError(f"to_tensor: Dimension {min(d for d in shape if d is not None)} must be >= 0 "
                             f"(shape={list(shape)}; None keeps the bounding size)")
        if shape is not None:
            shape = tuple(None if d == -1 else d
                          for d in argcheck.shape(shape, "shape", "RaggedTensor.to_tensor", unknown=True))
        inner = None if shape is None else (None,) + shape[2:]   # the values' own rows are not cropped
        values = (self._values.to_tensor(default_value, shape=inner) if isinstance(self._values, RaggedTensor)
                  else self._values)
        dense = _values_to_dense(values, self._partition, default_value, shape)
        if core.tracing():   # TF's static shape: the ragged tensor's, sizes in ``shape`` win
            static = self._static_dims()
            if shape is not None and len(shape) == len(static):
                static = tuple(d if s is None else int(s) for s, d in zip(shape, static))
            core.static_result(dense, static)
        return dense

    def to_sparse(self, name=None):
        """A ``wb.sparse.SparseTensor`` holding every value at its position (TF's
        ``RaggedTensor.to_sparse``): indices in row-major order, ``dense_shape`` the bounding
        shape; ``ragged_rank > 1`` and uniform inner dimensions included. Gradients flow to
        ``flat_values``.

        >>> ragged.constant([[1, 2], [], [3]]).to_sparse().indices.numpy().tolist()
        [[0, 0], [0, 1], [2, 0]]
        """
        from workbench.sparse.sparse_tensor import SparseTensor  # core's sparse package
        flat = self.flat_values
        n = flat.shape[0]
        # each flat row's position in every ragged dimension, innermost first
        cols, rows = [], np.arange(n, dtype=np.int64)
        for p in reversed(self.partitions):
            splits = backend.to_numpy(p._row_splits_arr()).astype(np.int64)
            rowids = backend.to_numpy(p._value_rowids_arr()).astype(np.int64)[rows]
            cols.append(rows - splits[rowids])
            rows = rowids
        lead = np.stack([rows] + cols[::-1], axis=1) if n else np.zeros((0, self.ragged_rank + 1), np.int64)
        inner = tuple(flat.shape[1:])
        if inner:
            within = np.asarray(list(np.ndindex(*inner)), dtype=np.int64).reshape(-1, len(inner))
            lead = np.concatenate([np.repeat(lead, len(within), axis=0), np.tile(within, (n, 1))], axis=1)
        shape = backend.to_numpy(self.bounding_shape(out_type=np.int64)._data).tolist()
        out = SparseTensor(lead, wb.reshape(flat, (-1,)), shape)
        if core.tracing():   # TF's static dense shape: the ragged tensor's static shape
            from workbench.sparse.sparse_tensor import static_dense  # core's sparse package
            static_dense(out, list(self._static_dims()))
        return out

    @classmethod
    def from_sparse(cls, st_input, name=None, row_splits_dtype=np.int64):
        """The RaggedTensor of a rank-2 SparseTensor's rows (TF's ``RaggedTensor.from_sparse``):
        row ``i`` holds the values whose index is ``[i, j]``, in order. The indices must be
        ragged-right (in row-major order, each row's columns ``0, 1, 2, ...``), else
        ``InvalidArgumentError``. Gradients flow to ``values``.

        >>> st = wb.SparseTensor([[0, 0], [0, 1], [2, 0]], [1, 2, 3], dense_shape=[3, 4])
        >>> ragged.RaggedTensor.from_sparse(st).to_list()
        [[1, 2], [], [3]]
        """
        from workbench.sparse.sparse_tensor import SparseTensor  # core's sparse package
        if not isinstance(st_input, SparseTensor):
            raise TypeError(f"from_sparse: st_input must be a wb.sparse.SparseTensor, got "
                            f"{type(st_input).__name__}")
        shape = tuple(st_input.shape)
        if len(shape) != 2:
            raise ValueError(f"from_sparse: st_input must have rank 2, got dense_shape {list(shape)}")
        rs_dtype = splits_dtype(row_splits_dtype, "from_sparse: row_splits_dtype")
        idx = backend.to_numpy(st_input.indices._data).astype(np.int64).reshape(-1, 2)
        if len(idx):
            first = idx[0, 1] == 0
            same_row = idx[1:, 0] == idx[:-1, 0]
            ok = np.where(same_row, idx[1:, 1] == idx[:-1, 1] + 1, (idx[1:, 0] > idx[:-1, 0]) & (idx[1:, 1] == 0))
            if not first or not ok.all():
                at = 0 if not first else int(np.argmin(ok)) + 1
                raise wb.errors.InvalidArgumentError(
                    None, None, f"from_sparse: the SparseTensor is not ragged-right: indices[{at}] = "
                    f"{idx[at].tolist()} (each row's columns must be 0, 1, 2, ... in row-major order)")
        return cls.from_value_rowids(st_input.values, core.wrap(idx[:, 0].astype(rs_dtype)), nrows=shape[0],
                                     validate=False)

    def to_list(self):
        """Nested Python lists."""
        flat = self.flat_values.numpy().tolist()
        for p in reversed(self.partitions):
            splits = backend.to_numpy(p._row_splits_arr()).tolist()
            flat = [flat[splits[i]:splits[i + 1]] for i in range(len(splits) - 1)]
        return flat

    def numpy(self):
        """A NumPy array of rows, as TF's: rows of one length stack into one array, rows of
        different lengths make a 1-D object array of arrays (nested for ``ragged_rank > 1``).

        >>> ragged.constant([[1, 2], [3]]).numpy()
        array([array([1, 2], dtype=int32), array([3], dtype=int32)], dtype=object)
        """
        values = self._values.numpy()
        splits = backend.to_numpy(self._partition._row_splits_arr())
        rows = [values[splits[i]:splits[i + 1]] for i in range(len(splits) - 1)]
        if not rows:
            return np.zeros((0, 0) + values.shape[1:], dtype=values.dtype)
        if any(len(row) != len(rows[0]) for row in rows):
            out = np.empty(len(rows), dtype=object)   # filled one by one: NumPy would try to stack rows
            for i, row in enumerate(rows):
                out[i] = row
            return out
        return np.array(rows)

    def to(self, device):
        dev = wb.Device(device)
        values = self._values.to(dev)
        return RaggedTensor(values, self._partition.to(dev), _internal=True)

    def merge_dims(self, outer_axis, inner_axis):
        """Dimensions ``outer_axis..inner_axis`` merged into one (TF's ``merge_dims``):
        ``merge_dims(0, 1)`` is the values, ``merge_dims(1, 2)`` joins each row's sublists.

        >>> ragged.constant([[[1, 2], [3]], [[4]]]).merge_dims(1, 2).to_list()
        [[1, 2, 3], [4]]
        """
        outer = argcheck.axis(outer_axis, self.ndim, "merge_dims", "outer_axis")
        inner = argcheck.axis(inner_axis, self.ndim, "merge_dims", "inner_axis")
        if outer > inner:
            raise ValueError(f"merge_dims: outer_axis ({outer_axis}) must not come after inner_axis ({inner_axis})")
        if outer == inner:
            return self
        if outer == 0:
            return self.merge_dims(1, inner)._values if inner > 1 else self._values
        if outer > 1:
            values = self._values
            merged = (values.merge_dims(outer - 1, inner - 1) if isinstance(values, RaggedTensor)
                      else wb.reshape(values, tuple(values.shape[:outer - 1]) + (-1,) + tuple(values.shape[inner:])))
            return RaggedTensor(merged, self._partition, _internal=True)
        out = self
        for _ in range(inner - outer):   # fold dimension 2 into dimension 1, one at a time
            out = out._merge_rows_with_next()
        return out

    def _merge_rows_with_next(self):
        """Dimensions 1 and 2 merged: each row's sublists joined end to end."""
        values, splits = self._values, self._partition._row_splits_arr()
        if isinstance(values, RaggedTensor):
            merged, new_splits = values._values, values._partition._row_splits_arr()[splits]
        else:
            width = values.shape[1]
            merged, new_splits = wb.reshape(values, (-1,) + tuple(values.shape[2:])), splits * width
        part = RowPartition.from_row_splits(new_splits, validate=False).with_dtype(self.row_splits_dtype)
        return RaggedTensor(merged, part, _internal=True)

    # -- composite protocol: gradients flow through flat_values ---------------
    def components(self):
        return [self.flat_values]

    def from_components(self, parts):
        return self.with_flat_values(parts[0])

    def structure_key(self):
        return tuple(wb.backend.to_numpy(p._row_splits_arr()).tobytes() for p in self.partitions)

    # -- elementwise dispatch (every elementwise op of the table) --------------
    @classmethod
    def __wb_elementwise__(cls, fn, args, kwargs):
        from .ops import elementwise  # circular import with ops
        return elementwise(fn, args, kwargs)

    # -- Python protocol ------------------------------------------------------
    def __getitem__(self, key):
        from .indexing import getitem  # circular import with indexing
        return getitem(self, key)

    # no __len__ and no __array__, as TF's: len() is a TypeError (nrows() gives the count), and
    # NumPy makes a 0-d object array holding the RaggedTensor (np.array(rt), as TF 2.21); no
    # dense tensor: converting to one is TF's ValueError
    def __wb_tensor__(self):
        raise ValueError("TypeError: object of type 'RaggedTensor' has no len() (a RaggedTensor does not "
                         "convert to a dense tensor or array; use to_tensor() or numpy())")

    def __iter__(self):
        return (self[i] for i in range(self._partition._nrows_int()))

    def __bool__(self):
        raise TypeError("RaggedTensor may not be used as a boolean.")

    def __wb_format__(self, summarize=3):
        """The text ``wb.strings.format`` gives this tensor, as TF 2.21: nested rows joined by
        ``", "``, floats as ``%f``, bools as ``true``/``false``, strings quoted with ``'``, and
        only ``summarize`` items at each end of a dimension (``-1`` or None: all)."""
        if summarize is None:
            summarize = -1
        if isinstance(summarize, bool) or not isinstance(summarize, (int, np.integer)) or \
                (summarize != -1 and summarize < 1):
            raise ValueError(f"Expected summarize to be -1 or a positive int, got {summarize}")
        kind = np.dtype(self.dtype.as_numpy_dtype if hasattr(self.dtype, "as_numpy_dtype") else self.dtype).kind
        if kind == "V":   # ml_dtypes' bfloat16: a float
            kind = "f"

        def item(v):
            if kind == "b":
                return "true" if v else "false"
            if kind == "f":
                return f"{v:f}"
            if kind == "c":
                return f"({v.real:f},{v.imag:f})"
            if kind == "O":
                b = v if isinstance(v, bytes) else str(v).encode("utf-8")
                text = b.replace(b"\\", b"\\\\").replace(b"'", b"\\'").decode("utf-8", "replace")
                return f"'{text}'"
            return str(v)

        def walk(x):
            if not isinstance(x, list):
                return item(x)
            if summarize != -1 and len(x) > 2 * summarize:
                parts = [walk(v) for v in x[:summarize]] + ["..."] + [walk(v) for v in x[-summarize:]]
            else:
                parts = [walk(v) for v in x]
            return "[" + ", ".join(parts) + "]"

        return walk(self.to_list())

    def __repr__(self):
        # TF's text: the rows through NumPy's printer with comma separators, so long values wrap
        # and summarize as a NumPy array does (``<wb.RaggedTensor [[1, 2], [3]]>``)
        with np.printoptions(formatter={"all": _format_rows}):
            text = _format_rows(self.numpy())
        return f"<wb.RaggedTensor {text}>"

    __str__ = __repr__

    def _repr_html_(self):
        lengths = backend.to_numpy(self._partition._row_lengths_arr())
        rows = self.to_list()
        shown = []
        for i, (row, n) in enumerate(zip(rows[:20], lengths[:20])):
            shown.append(f"<tr><td>{i}</td><td>{n}</td><td><code>{html.escape(_short_list(row, 120))}</code></td></tr>")
        more = f"<tr><td colspan=3>… {len(rows) - 20} more rows</td></tr>" if len(rows) > 20 else ""
        return (f"<div><b>RaggedTensor</b> shape={_shape_str(self.shape)} dtype={self.dtype} "
                f"ragged_rank={self.ragged_rank} device={self.device}"
                f"<table><tr><th>row</th><th>length</th><th>values</th></tr>{''.join(shown)}{more}</table></div>")


def _shape_str(shape):
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + (",)" if len(shape) == 1 else ")")


def _short_list(obj, limit=400):
    text = repr(obj)
    return text if len(text) <= limit else text[:limit - 4] + " ...]"


def _format_rows(x):
    """NumPy print formatter for :meth:`RaggedTensor.__repr__`: arrays with ", " between
    elements (an empty array as its nested list, so shape (0, 3) shows its rows), scalars as str."""
    if isinstance(x, np.ndarray):
        return np.array2string(x, separator=", ") if x.size else repr(x.tolist())
    return str(x)


def _checked(make, values, nvals, arg, rows):
    """``make()``, a partition of ``nvals`` values; in a trace that TF would not run
    (``get_concrete_function``) on stand-in values whose sizes do not fit together, TF checks
    the partition only when it runs, so a partition of the static row count (every value in
    its last row) stands in and the trace goes on to give TF's specs."""
    try:
        return make()
    except ValueError:
        tracer = core._state.tracer
        if not getattr(tracer, "undoes", False) or not any(   # an argument's stand-in, or sizes it leaves open
                isinstance(a, Tensor) and (type(a).__name__ == "Placeholder" or _open(a._static_shape()))
                for a in (values, arg)):
            raise
    n = max(rows if rows is not None else 1, 1 if nvals else 0)
    xp = values.flat_values.xp if isinstance(values, RaggedTensor) else values.xp
    splits = xp.zeros(n + 1, np.int64)
    splits[-1] = nvals
    return RowPartition(splits)


def _open(shape) -> bool:
    return shape.rank is None or None in shape.as_list()


def _static_rows(part, nrows, caller=None):
    """``part`` with the row count TF's shape inference knows (an int or None) while a
    ``wb.function`` traces (outside one every size is known). ``caller``: the frames up to the
    code that called a public constructor; when that is the library's own code (which passes
    arrays it computed) the row count stays unknown."""
    if core.tracing() and (caller is None or not sys._getframe(caller).f_code.co_filename.startswith(
            core._OUR_ROOTS)):
        part.set_static_nrows(nrows)
    return part


def _static_int(value):
    """What TF's shape inference knows of a scalar integer argument: a Python int, a constant
    tensor's value, or None (a value the trace's arguments decide)."""
    if value is None:
        return None
    if isinstance(value, (int, np.integer)):
        return int(value)
    known = core.static_value(value)
    if known is False:   # outside a trace: its value
        return int(np.asarray(backend.to_numpy(convert_to_tensor(value)._data)))
    return known if isinstance(known, int) else None


def _static_nvals(values):
    """The static number of rows of ``values`` (a tensor's first dimension, a ragged tensor's
    row count) as TF's shape inference sees it."""
    if isinstance(values, RaggedTensor):
        return values._partition._static_nrows if core.tracing() else values.nrows_int()
    return static_size(values)


def _check_nested(nested, what):
    """TF's check on the nested factories' partition argument: a list or tuple of vectors (an
    empty one gives the flat values back unchanged)."""
    if not isinstance(nested, (list, tuple)):
        raise TypeError(f"Argument `{what}` must be a list of Tensors. Received {argcheck.describe(nested)}.")


def _is_nested_lengths(lengths):
    """Whether ``lengths`` is a list of row-length vectors rather than one vector."""
    return (isinstance(lengths, (list, tuple)) and len(lengths) > 0
            and isinstance(lengths[0], (list, tuple, np.ndarray, Tensor))
            and np.ndim(lengths[0] if not isinstance(lengths[0], Tensor) else lengths[0].numpy()) == 1)


def _same_index_dtype(value, like, what):
    """TF converts ``value`` (a count) to the row partition's dtype: a tensor of the other
    integer dtype is its ValueError."""
    have, want = getattr(value, "dtype", None), getattr(like, "dtype", None)
    if isinstance(value, Tensor) and have != want and want is not None and {np.dtype(have), np.dtype(want)} == {
            np.dtype(np.int32), np.dtype(np.int64)}:
        raise ValueError(f"{what}: Tensor conversion requested dtype {np.dtype(want)} for Tensor with dtype "
                         f"{np.dtype(have)} (the row partition's dtype)")


def _partition_dtype(index, values):
    """The dtype a new partition reports: the index's own (int32 or int64), or for a Python
    list the ragged values' row-partition dtype (TF converts lists with that dtype as a hint)."""
    if isinstance(index, (list, tuple)) and isinstance(values, RaggedTensor):
        return values.row_splits_dtype
    return index_dtype(index)


def _encoding(arr, part, extra=0):
    """A partition encoding (int64 internally) as a tensor of the partition's dtype: a vector of
    ``nrows + extra`` entries (TF's static size: unknown where the row count is, in a trace)."""
    out = core.wrap(arr.astype(part.dtype, copy=False))
    if core.tracing():
        n = part._static_nrows
        core.static_result(out, (None if n is None else n + extra,))
    return out


def _index_array(value, what="index", error=ValueError):
    return _as_index(value, what, error)


def _on_device(index, values, what="index", error=ValueError):
    """Index data (lists, arrays, tensors) on the values' device, as int64 (other dtypes are
    ``error``)."""
    arr = _index_array(index, what, error)
    dev = values.device if isinstance(values, (Tensor, RaggedTensor)) else backend.default_device()
    return backend.move(arr, dev) if backend.device_of(arr) != dev else arr


def _compare(fn, a, b, otherwise):
    """``==`` / ``!=`` as TF's RaggedTensor: elementwise, and a plain ``otherwise`` (False for
    ``==``) when ``b`` is None or the shapes do not broadcast."""
    if b is None:
        return otherwise
    try:
        return fn(a, b)
    except ValueError:   # InvalidArgumentError included: shapes that do not broadcast
        return otherwise


def _install_operators():
    ops = {
        "__add__": lambda a, b: wb.add(a, b), "__radd__": lambda a, b: wb.add(b, a),
        "__sub__": lambda a, b: wb.subtract(a, b), "__rsub__": lambda a, b: wb.subtract(b, a),
        "__mul__": lambda a, b: wb.multiply(a, b), "__rmul__": lambda a, b: wb.multiply(b, a),
        "__truediv__": lambda a, b: wb.divide(a, b), "__rtruediv__": lambda a, b: wb.divide(b, a),
        "__floordiv__": lambda a, b: wb.floordiv(a, b), "__mod__": lambda a, b: wb.mod(a, b),
        "__pow__": lambda a, b: wb.pow(a, b), "__rpow__": lambda a, b: wb.pow(b, a),
        "__neg__": lambda a: wb.negative(a), "__abs__": lambda a: wb.abs(a),
        "__lt__": lambda a, b: wb.less(a, b), "__le__": lambda a, b: wb.less_equal(a, b),
        "__gt__": lambda a, b: wb.greater(a, b), "__ge__": lambda a, b: wb.greater_equal(a, b),
        "__and__": lambda a, b: wb.logical_and(a, b), "__or__": lambda a, b: wb.logical_or(a, b),
        "__invert__": lambda a: wb.logical_not(a), "__xor__": lambda a, b: wb.logical_xor(a, b),
        "__rand__": lambda a, b: wb.logical_and(b, a), "__ror__": lambda a, b: wb.logical_or(b, a),
        "__rxor__": lambda a, b: wb.logical_xor(b, a), "__rfloordiv__": lambda a, b: wb.floordiv(b, a),
        "__rmod__": lambda a, b: wb.mod(b, a),
        "__eq__": lambda a, b: _compare(wb.equal, a, b, False),
        "__ne__": lambda a, b: _compare(wb.not_equal, a, b, True),
    }
    for name, fn in ops.items():
        setattr(RaggedTensor, name, fn)


_install_operators()
