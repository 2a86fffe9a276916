"""``wb.shape``, ``wb.size`` and ``wb.rank`` of ragged tensors; the shape is a DynamicRaggedShape.

>>> s = wb.shape(ragged.constant([[1, 2], [], [3]]))
>>> s.rank, int(s[0]), s.is_uniform(1)
(2, 3, False)
"""

from __future__ import annotations

import numpy as np

import workbench as wb
from workbench import backend, core
from workbench.dtypes import as_dtype
from workbench.errors import argcheck

from .ragged_tensor import RaggedTensor
from .row_partition import RowPartition


class DynamicRaggedShape:
    """The shape of a RaggedTensor (TF's ``tf.experimental.DynamicRaggedShape``): its row
    partitions, one per ragged (or partitioned uniform) dimension, and ``inner_shape``, the
    shape of its flat values.

    Indexing with an integer gives a dimension as a scalar tensor of ``dtype``: dimension 0
    (the rows), a dimension built with uniform rows, or one of the inner dimensions; a ragged
    dimension raises ``ValueError`` (it has no single size). Slicing gives a shape again:
    ``shape[:k]`` keeps the first ``k`` dimensions; a slice starting after 0 must hold only
    uniform dimensions, and gives a dense shape.

    >>> DynamicRaggedShape.from_lengths([4, (2, 1, 0, 8), 12])
    <DynamicRaggedShape lengths=[4, (2, 1, 0, 8), 12] num_row_partitions=1>

    ``wb.zeros``, ``wb.ones``, ``wb.fill`` and ``wb.reshape`` take one as their shape and give
    a RaggedTensor of that shape (a dense tensor when it has no row partitions).
    """

    __slots__ = ("_partitions", "_inner", "_dtype")
    __wb_dispatch__ = True   # wb.zeros(shape), wb.reshape(x, shape), ... give ragged results

    def __init__(self, row_partitions, inner_shape, dtype=None, validate=True, static_inner_shape=None):
        if isinstance(row_partitions, RowPartition) or not isinstance(row_partitions, (list, tuple)):
            raise TypeError(f"DynamicRaggedShape: row_partitions must be a list of RowPartitions, "
                            f"got {argcheck.describe(row_partitions)}")
        for i, p in enumerate(row_partitions):
            if not isinstance(p, RowPartition):
                raise TypeError(f"DynamicRaggedShape: row_partitions[{i}] must be a RowPartition, got "
                                f"{argcheck.describe(p)}")
        inner = inner_shape.numpy() if isinstance(inner_shape, core.Tensor) else inner_shape
        inner = argcheck.shape(inner, "inner_shape", "DynamicRaggedShape")
        if dtype is None:
            dtype = row_partitions[0].dtype if row_partitions else np.int64
        self._dtype = as_dtype(dtype)
        if self._dtype not in (np.int32, np.int64):
            raise ValueError(f"DynamicRaggedShape: dtype must be int32 or int64, got {dtype!r}")
        if row_partitions and not inner:
            raise ValueError("DynamicRaggedShape: inner_shape must have rank >= 1 when there are row "
                             "partitions (its first size is the number of values of the last one)")
        for i in range(1, len(row_partitions)):
            if row_partitions[i]._nrows_int() != row_partitions[i - 1]._nvals_int():
                raise ValueError(f"DynamicRaggedShape: row_partitions[{i}] has {row_partitions[i]._nrows_int()} "
                                 f"rows, but row_partitions[{i - 1}] has {row_partitions[i - 1]._nvals_int()} values")
        if validate and row_partitions and inner[0] != row_partitions[-1]._nvals_int():
            raise ValueError(f"DynamicRaggedShape: inner_shape[0] is {inner[0]}, but the last row partition "
                             f"has {row_partitions[-1]._nvals_int()} values")
        self._partitions = tuple(p.with_dtype(self._dtype) for p in row_partitions)
        self._inner = tuple(inner)

    @classmethod
    def from_tensor(cls, t, dtype=None):
        """The shape of ``t`` (a RaggedTensor, or a dense tensor: no row partitions), reported
        in ``dtype`` (a RaggedTensor's ``row_splits_dtype``, else int64, by default)."""
        if isinstance(t, RaggedTensor):
            return cls(t.partitions, t.flat_values.shape, t.row_splits_dtype if dtype is None else dtype)
        return cls([], core.convert_to_tensor(t).shape, np.int64 if dtype is None else dtype)

    @classmethod
    def from_lengths(cls, lengths, num_row_partitions=None, dtype=np.int64):
        """The shape with these sizes: an int for a uniform dimension, a tuple of row lengths for
        a ragged one (``[2, (3, 2)]`` is the shape of ``[[0, 0, 0], [0, 0]]``), with the fewest
        row partitions that hold them, or ``num_row_partitions``.

        >>> DynamicRaggedShape.from_lengths([2, (2, 1), 3]).static_lengths()
        [2, (2, 1), 3]
        """
        if not isinstance(lengths, list):
            raise ValueError(f"DynamicRaggedShape.from_lengths: lengths must be a list, got "
                             f"{argcheck.describe(lengths)}")
        for x in lengths:
            if not _is_int_or_tuple_of_ints(x):
                raise ValueError("DynamicRaggedShape.from_lengths: each element of lengths must be an int "
                                 f"or a tuple of ints, got {x!r}")
        ragged = [i for i, x in enumerate(lengths) if isinstance(x, tuple)]
        k = (ragged[-1] if ragged else 0) if num_row_partitions is None else num_row_partitions
        if not isinstance(k, int) or isinstance(k, bool) or k < 0:
            raise ValueError(f"DynamicRaggedShape.from_lengths: num_row_partitions must be a non-negative int "
                             f"or None, got {num_row_partitions!r}")
        if not lengths:
            if k:
                raise ValueError("DynamicRaggedShape.from_lengths: a scalar shape has no row partitions")
            return cls([], [], dtype=dtype)
        if k >= len(lengths) or (ragged and ragged[-1] > k) or isinstance(lengths[0], tuple):
            raise ValueError(f"DynamicRaggedShape.from_lengths: lengths {lengths} cannot be held by "
                             f"{k} row partitions (dimension 0 is an int, and every tuple of row lengths "
                             "needs a partition; num_row_partitions < len(lengths))")
        partitions, nvals = [], lengths[0]
        for i, x in enumerate(lengths[1:k + 1], start=1):
            if isinstance(x, tuple):
                if len(x) != nvals:
                    raise ValueError(f"DynamicRaggedShape.from_lengths: lengths[{i}] has {len(x)} row lengths, "
                                     f"but dimension {i - 1} has {nvals} rows in all")
                part = RowPartition.from_row_lengths(list(x))   # on the default device, as the values
            else:
                part = RowPartition.from_uniform_row_length(x, nvals * x, nrows=nvals, xp=backend.get_xp())
            partitions.append(part)
            nvals = part._nvals_int()
        return cls(partitions, [nvals] + list(lengths[k + 1:]), dtype=dtype)

    @property
    def row_partitions(self):
        return self._partitions

    @property
    def inner_shape(self):
        """The shape of the flat values, as a 1-D tensor of ``dtype``."""
        return core.wrap(np.asarray(self._inner, dtype=self._dtype))

    @property
    def dtype(self):
        return self._dtype

    @property
    def num_row_partitions(self) -> int:
        return len(self._partitions)

    @property
    def rank(self) -> int:
        k = len(self._partitions)
        return k + len(self._inner) if k else len(self._inner)

    def __len__(self):
        return self.rank

    def _static(self, axis):
        k = len(self._partitions)
        if not k:
            return self._inner[axis]
        if axis == 0:
            return self._partitions[0]._nrows_int()
        if axis <= k:
            return self._partitions[axis - 1]._uniform_int()
        return self._inner[axis - k]

    def is_uniform(self, axis) -> bool:
        """Whether dimension ``axis`` has one size (always true outside the ragged dimensions)."""
        return self._static(self._axis(axis)) is not None

    def _axis(self, axis):
        if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
            raise TypeError(f"DynamicRaggedShape indices must be integers or slices, got {type(axis).__name__}")
        if not -self.rank <= axis < self.rank:
            raise IndexError(f"dimension {axis} is out of range for a shape of rank {self.rank}")
        return int(axis) % self.rank

    def __getitem__(self, index):
        if isinstance(index, slice):
            if index.step not in (None, 1):
                raise IndexError(f"DynamicRaggedShape: a slice cannot have a step, got {index.step}")
            start, stop, _ = index.indices(self.rank)
            return self._slice(start, stop)
        a = self._axis(index)
        size = self._static(a)
        if size is None:
            raise ValueError(f"Index {a} is not uniform")   # TF's words
        return core.wrap(np.asarray(size, dtype=self._dtype))

    def _slice(self, start, stop):
        """``self[start:stop]``, as TF: from 0 it keeps the row partitions it reaches; from
        later it needs uniform dimensions and gives a dense shape."""
        k = len(self._partitions)
        if stop <= start:
            return DynamicRaggedShape([], [], dtype=self._dtype)
        if start == 0:
            if stop >= self.rank:
                return self
            if k and stop == 1:
                return DynamicRaggedShape([], [self._partitions[0]._nrows_int()], dtype=self._dtype)
            if k and stop <= k:
                parts = self._partitions[:stop - 1]
                return DynamicRaggedShape(list(parts), [parts[-1]._nvals_int()], dtype=self._dtype)
            if k:
                return DynamicRaggedShape(list(self._partitions), self._inner[:stop - k], dtype=self._dtype)
            return DynamicRaggedShape([], self._inner[:stop], dtype=self._dtype)
        dims = [self._static(a) for a in range(stop)]
        if None in dims:
            raise ValueError(f"DynamicRaggedShape: the slice [{start}:{stop}] needs uniform dimensions "
                             f"0..{stop - 1}, but dimension {dims.index(None)} is ragged")
        return DynamicRaggedShape([], dims[start:], dtype=self._dtype)

    def static_lengths(self, ragged_lengths=True):
        """Each dimension's size: an int for a uniform one, the tuple of row lengths for a
        ragged one (None with ``ragged_lengths=False``, as in the RaggedTensor's ``.shape``)."""
        if not self._partitions:
            return list(self._inner)
        out = [self._partitions[0]._nrows_int()]
        for p in self._partitions:
            n = p._uniform_int()
            if n is None and ragged_lengths:
                n = tuple(int(v) for v in backend.to_numpy(p._row_lengths_arr()).tolist())
            out.append(n)
        return out + list(self._inner[1:])

    def _to_ragged(self, flat_values):
        """``flat_values`` (already of shape ``inner_shape``) under this shape's row partitions."""
        result = flat_values
        for p in reversed(self._partitions):
            result = RaggedTensor(result, p, _internal=True)
        return result

    def __repr__(self):
        return (f"<DynamicRaggedShape lengths=[{', '.join(str(x) for x in self.static_lengths())}] "
                f"num_row_partitions={self.num_row_partitions}>")


def _is_int_or_tuple_of_ints(x):
    is_int = lambda v: isinstance(v, (int, np.integer)) and not isinstance(v, bool)  # noqa: E731
    return is_int(x) or (isinstance(x, tuple) and all(is_int(v) for v in x))


def zeros(shape, dtype=np.float32, name=None):
    """``wb.zeros`` of a DynamicRaggedShape: a RaggedTensor of zeros."""
    return shape._to_ragged(wb.zeros(shape._inner, dtype))


def ones(shape, dtype=np.float32, name=None):
    """``wb.ones`` of a DynamicRaggedShape: a RaggedTensor of ones."""
    return shape._to_ragged(wb.ones(shape._inner, dtype))


def fill(dims, value, name=None):
    """``wb.fill`` of a DynamicRaggedShape: a RaggedTensor holding ``value`` everywhere."""
    return dims._to_ragged(wb.fill(dims._inner, value))


def reshape(tensor, shape, name=None):
    """``wb.reshape`` to a DynamicRaggedShape, or of a RaggedTensor: the values of ``tensor``
    (dense or ragged) in row-major order, laid out in ``shape`` (a dense shape gives a dense
    result, as TF)."""
    values = tensor.flat_values if isinstance(tensor, RaggedTensor) else core.convert_to_tensor(tensor)
    if not isinstance(shape, DynamicRaggedShape):
        return wb.reshape(values, shape)
    return shape._to_ragged(wb.reshape(values, shape._inner))


def broadcast_to(input, shape, name=None):
    """``wb.broadcast_to`` a DynamicRaggedShape: ``input`` (a scalar, a dense or a ragged
    tensor) repeated by the ragged broadcasting rules, a RaggedTensor of that shape (TF's)."""
    from .ops import elementwise   # ops imports ragged_tensor, which this module's callers load first
    target = shape._to_ragged(wb.zeros(shape._inner, np.int8))
    if isinstance(input, RaggedTensor) and input.row_splits_dtype != target.row_splits_dtype:
        raise ValueError(f"Cannot coerce row_splits.dtype: broadcast_to a shape with {target.row_splits_dtype} row "
                         f"partitions, got a RaggedTensor with {input.row_splits_dtype} ones (TF's check)")
    value = input if isinstance(input, RaggedTensor) else core.convert_to_tensor(input)

    def broadcast_to(v, like):   # named for elementwise's error messages
        return wb.broadcast_to(v, like.shape)

    return elementwise(broadcast_to, (value, target), {})


def shape(input, out_type=np.int32, name=None):
    """``wb.shape`` of a RaggedTensor: its :class:`DynamicRaggedShape`, reporting sizes in
    ``out_type`` (TF's ``tf.shape``)."""
    return DynamicRaggedShape.from_tensor(input, out_type)


def size(input, out_type=np.int32, name=None):
    """``wb.size`` of a RaggedTensor: the number of its values."""
    return core.wrap(np.asarray(int(np.prod(input.flat_values.shape)), dtype=as_dtype(out_type)))


def rank(input, name=None):
    """``wb.rank`` of a RaggedTensor: its number of dimensions."""
    return core.wrap(np.asarray(input.ndim, dtype=np.int32))


for _fn, _handler in ((wb.shape, shape), (wb.size, size), (wb.rank, rank), (wb.zeros, zeros),
                      (wb.ones, ones), (wb.fill, fill), (wb.reshape, reshape), (wb.broadcast_to, broadcast_to)):
    core.register_dispatch(_fn, _handler)
del _fn, _handler

__all__ = ["DynamicRaggedShape"]
