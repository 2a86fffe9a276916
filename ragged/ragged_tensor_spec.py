"""``RaggedTensorSpec``: the shape, dtype, ragged rank and row-splits dtype of ragged tensors
(TF's ``tf.RaggedTensorSpec``).

>>> spec = ragged.RaggedTensorSpec([None, None], wb.float32, ragged_rank=1)
>>> spec.is_compatible_with(ragged.constant([[1.0, 2.0], [3.0]]))
True
"""

from __future__ import annotations

import numpy as np

from workbench.core import Tensor
from workbench.dtypes import as_dtype
from workbench.tensor_shape import as_shape

from .ragged_tensor import RaggedTensor
from .row_partition import splits_dtype

__all__ = ["RaggedTensorSpec"]


class RaggedTensorSpec:
    """Ragged tensors of one shape (``None`` for ragged or unknown sizes), dtype,
    ``ragged_rank`` (default: rank - 1) and ``row_splits_dtype`` (int64 or int32)."""

    __slots__ = ("_shape", "_dtype", "_ragged_rank", "_row_splits_dtype", "_flat_values_spec")

    def __init__(self, shape=None, dtype="float32", ragged_rank=None, row_splits_dtype=np.int64,
                 flat_values_spec=None):
        self._shape = as_shape(shape)
        self._dtype = as_dtype(flat_values_spec.dtype if flat_values_spec is not None else dtype)
        self._row_splits_dtype = splits_dtype(row_splits_dtype, "RaggedTensorSpec: row_splits_dtype")
        rank = self._shape.rank
        if ragged_rank is None:
            if rank is None:
                raise ValueError("RaggedTensorSpec: Must specify ragged_rank or a shape with a known rank.")
            ragged_rank = rank - 1
        if not isinstance(ragged_rank, (int, np.integer)) or isinstance(ragged_rank, bool):
            raise TypeError(f"RaggedTensorSpec: ragged_rank must be an int, got {ragged_rank!r}")
        if ragged_rank < 0 or (rank is not None and ragged_rank >= rank and rank > 0) or (rank == 0):
            raise ValueError(f"RaggedTensorSpec: ragged_rank must be at least 0 and less than the "
                             f"rank ({rank}), got {ragged_rank}")
        self._ragged_rank = int(ragged_rank)
        self._flat_values_spec = flat_values_spec

    @classmethod
    def from_value(cls, value) -> "RaggedTensorSpec":
        if not isinstance(value, RaggedTensor):
            raise TypeError(f"RaggedTensorSpec.from_value: expected a RaggedTensor, got "
                            f"{type(value).__name__}")
        return cls(value.shape, value.dtype, value.ragged_rank, value.row_splits_dtype)

    shape = property(lambda self: self._shape)
    dtype = property(lambda self: self._dtype)
    ragged_rank = property(lambda self: self._ragged_rank)
    row_splits_dtype = property(lambda self: as_dtype(self._row_splits_dtype))
    value_type = property(lambda self: RaggedTensor)

    @property
    def flat_values_spec(self):
        """The ``TensorSpec`` given for the flat values, else None."""
        return self._flat_values_spec

    def _type_spec_key(self):
        return (self._dtype, self._ragged_rank, self._row_splits_dtype)

    def is_compatible_with(self, spec_or_value) -> bool:
        """Whether a ragged tensor (or spec) fits: the same dtype, ragged rank and row-splits
        dtype, and a compatible shape."""
        other = spec_or_value
        dense = isinstance(other, Tensor) or (type(other).__name__ == "TensorSpec" and hasattr(other, "shape"))
        if self._ragged_rank == 0 and dense:   # TF: a ragged_rank-0 spec takes dense tensors and their specs
            return as_dtype(other.dtype) == self._dtype and self._shape.is_compatible_with(as_shape(other.shape))
        if isinstance(other, RaggedTensor):
            other = RaggedTensorSpec.from_value(other)
        if not isinstance(other, RaggedTensorSpec):
            return False
        return (other._type_spec_key() == self._type_spec_key()
                and self._shape.is_compatible_with(other._shape))

    def is_subtype_of(self, other) -> bool:
        if not isinstance(other, RaggedTensorSpec) or other._type_spec_key() != self._type_spec_key():
            return False
        if other._shape.rank is None:
            return True
        return self._shape.rank == other._shape.rank and all(
            b is None or a == b for a, b in zip(self._shape, other._shape))

    def most_specific_common_supertype(self, others):
        shape = self._shape
        for o in others:
            if not isinstance(o, RaggedTensorSpec) or o._type_spec_key() != self._type_spec_key():
                return None
            shape = shape.most_specific_compatible_shape(o._shape)
        return RaggedTensorSpec(shape, self._dtype, self._ragged_rank, self._row_splits_dtype)

    def __eq__(self, other):
        return (type(other) is type(self) and self._type_spec_key() == other._type_spec_key()
                and self._shape == other._shape)

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return hash((type(self), self._shape) + self._type_spec_key())

    def __reduce__(self):
        return (type(self), (self._shape, self._dtype, self._ragged_rank, self._row_splits_dtype,
                             self._flat_values_spec))

    def __repr__(self):
        dtype = "string" if self._dtype.kind == "O" else self._dtype.name   # wb.string: object arrays of bytes
        flat = "" if self._flat_values_spec is None else f", {self._flat_values_spec!r}"
        return (f"RaggedTensorSpec({self._shape!r}, wb.{dtype}, {self._ragged_rank}, "
                f"wb.{self._row_splits_dtype.name}{flat})")
