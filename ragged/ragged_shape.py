"""``wb.shape``, ``wb.size`` and ``wb.rank`` of ragged tensors; the shape is a DynamicRaggedShape.

>>> s = wb.shape(ragged.constant([[1, 2], [], [3]]))
>>> s.rank, int(s[0]), s.is_uniform(1)
(2, 3, False)
"""

from __future__ import annotations

import numpy as np

import workbench as wb
from workbench import core
from workbench.dtypes import as_dtype

from .ragged_tensor import RaggedTensor, _shape_str


class DynamicRaggedShape:
    """The shape of a RaggedTensor (TF's ``tf.experimental.DynamicRaggedShape``): its row
    partitions, one per ragged dimension, and ``inner_shape``, the shape of its flat values.

    Indexing gives a dimension as a scalar tensor of ``dtype``: dimension 0 (the rows), a
    dimension built with uniform rows, or one of the inner dimensions. Indexing a ragged
    dimension raises ``ValueError``: it has no single size (``row_partitions`` hold its
    lengths).
    """

    __slots__ = ("_partitions", "_inner", "_dtype")

    def __init__(self, row_partitions, inner_shape, dtype=np.int64):
        self._partitions = tuple(row_partitions)
        self._inner = tuple(int(d) for d in inner_shape)
        self._dtype = as_dtype(dtype)

    @classmethod
    def from_tensor(cls, rt, dtype=None):
        """The shape of ``rt`` (a RaggedTensor), reported in ``dtype`` (its ``row_splits_dtype``
        by default)."""
        if not isinstance(rt, RaggedTensor):
            raise TypeError(f"DynamicRaggedShape.from_tensor: expected a RaggedTensor, got {type(rt).__name__}")
        return cls(rt.partitions, rt.flat_values.shape, rt.row_splits_dtype if dtype is None else dtype)

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
        return len(self._partitions) + len(self._inner)

    def __len__(self):
        return self.rank

    def _static(self, axis):
        k = len(self._partitions)
        if axis == 0:
            return self._partitions[0].nrows() if k else self._inner[0]
        if axis <= k:
            return self._partitions[axis - 1].uniform_row_length()
        return self._inner[axis - k]

    def is_uniform(self, axis) -> bool:
        """Whether dimension ``axis`` has one size (always true outside the ragged dimensions)."""
        return self._static(self._axis(axis)) is not None

    def _axis(self, axis):
        if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
            raise TypeError(f"DynamicRaggedShape indices must be integers, got {type(axis).__name__}")
        if not -self.rank <= axis < self.rank:
            raise IndexError(f"dimension {axis} is out of range for a shape of rank {self.rank}")
        return int(axis) % self.rank

    def __getitem__(self, axis):
        a = self._axis(axis)
        size = self._static(a)
        if size is None:
            raise ValueError(f"dimension {a} of the shape {self} is ragged: it has no single size "
                             "(its row lengths are in row_partitions)")
        return core.wrap(np.asarray(size, dtype=self._dtype))

    def static_lengths(self):
        """Each dimension's size, None for ragged ones (the RaggedTensor's ``.shape``)."""
        return tuple(self._static(a) for a in range(self.rank))

    def __repr__(self):
        return f"<DynamicRaggedShape {_shape_str(self.static_lengths())} dtype={self._dtype}>"


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


for _fn, _handler in ((wb.shape, shape), (wb.size, size), (wb.rank, rank)):
    core.register_dispatch(_fn, _handler)
del _fn, _handler

__all__ = ["DynamicRaggedShape"]
