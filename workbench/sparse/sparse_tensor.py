"""``SparseTensor``: TF's coordinate (COO) form of a mostly-zero tensor."""

from __future__ import annotations

import collections

import numpy as np

from .. import backend, core
from ..core import Tensor, convert_to_tensor
from ..ops.indexing import take_rows
from ..ops.shape import broadcast_to, reshape
from ..dtypes import as_dtype
from ..tensor_shape import TensorShape, _dtype_name, as_shape

__all__ = ["SparseTensor", "SparseTensorSpec", "SparseTensorValue", "from_parts"]

# TF's ``tf.compat.v1.SparseTensorValue``: a SparseTensor's parts as NumPy arrays (what
# ``Dataset.as_numpy_iterator`` yields for a sparse component)
SparseTensorValue = collections.namedtuple("SparseTensorValue", ["indices", "values", "dense_shape"])


class SparseTensor(core.CompositeTensor):
    """A tensor of shape ``dense_shape`` holding ``values[i]`` at ``indices[i]`` and zeros
    elsewhere (TF's ``tf.sparse.SparseTensor``).

    ``indices``: int64 ``[N, rank]``; ``values``: ``[N]``; ``dense_shape``: int64 ``[rank]``.
    Ops expect TF's canonical order (indices in row-major order, each once):
    ``wb.sparse.reorder`` makes it. Gradients flow to ``values``, the composite's one
    component (the indices are its structure), so a tape watches and differentiates a
    SparseTensor as it does its values.

    >>> st = wb.SparseTensor(indices=[[0, 0], [1, 2]], values=[1.0, 2.0], dense_shape=[3, 4])
    >>> wb.sparse.to_dense(st).numpy()[1]
    array([0., 0., 2., 0.], dtype=float32)
    """

    _is_tensor_like = True   # wb.is_tensor is True for it, as TF's

    __slots__ = ("_indices", "_values", "_dense_shape", "_shape", "_static", "_static_dense")

    def __init__(self, indices, values, dense_shape):
        shape = _shape_tuple(dense_shape)
        values = convert_to_tensor(values)
        xp = values.xp
        idx = indices if isinstance(indices, Tensor) else convert_to_tensor(
            indices if not (isinstance(indices, (list, tuple)) and len(indices) == 0)
            else np.zeros((0, len(shape)), np.int64))
        if idx.dtype.kind not in "iu":
            raise TypeError(f"SparseTensor: indices must be integers, got dtype {idx.dtype}")
        arr = idx._data
        if arr.size == 0 and arr.ndim != 2:
            arr = arr.reshape(0, len(shape))
        if arr.ndim != 2 or arr.shape[1] != len(shape):
            raise ValueError(f"SparseTensor: indices must have shape [N, {len(shape)}] (rank of "
                             f"dense_shape {list(shape)}), got {tuple(idx.shape)}")
        if values.ndim != 1 or values.shape[0] != arr.shape[0]:
            raise ValueError(f"SparseTensor: values must have shape [{arr.shape[0]}] (one per index), "
                             f"got {values.shape}")
        if arr.size:
            bound = xp.asarray(np.asarray(shape, np.int64))
            bad = (arr < 0) | (arr >= bound)
            if bool(bad.any()):
                row = int(bad.any(axis=1).argmax())
                raise ValueError(f"SparseTensor: indices[{row}] = {backend.to_numpy(arr[row]).tolist()} "
                                 f"is out of bounds for dense_shape {list(shape)}")
        if arr.dtype != np.int64 or backend.device_of(arr) != values.device:
            arr = backend.move(arr, values.device).astype(np.int64)
        # static: the indices do not change between calls of a wb.function being traced
        # (built from Python data, or outside a trace); ops carry it to what they derive
        self._static = not isinstance(indices, Tensor) or not core.tracing()
        self._indices = idx if arr is idx._data else _host_tensor(arr, self._static)
        self._values = values
        self._static_dense = False   # in a trace: TF's static dense shape where ops said it (static_dense)
        self._shape = shape
        self._dense_shape = core.wrap_constant(xp.asarray(np.asarray(shape, np.int64)))

    @classmethod
    def from_value(cls, value):
        """``value`` itself when it is a SparseTensor."""
        if not isinstance(value, SparseTensor):
            raise TypeError(f"SparseTensor.from_value: expected a SparseTensor, got {type(value).__name__}")
        return value

    @property
    def indices(self) -> Tensor:
        return self._indices

    @property
    def values(self) -> Tensor:
        return self._values

    @property
    def dense_shape(self) -> Tensor:
        return self._dense_shape

    @property
    def shape(self) -> TensorShape:
        """The dense shape as a ``wb.TensorShape`` (a tuple of ints), as TF."""
        return self._shape

    def get_shape(self) -> TensorShape:
        return self._shape

    def set_shape(self, shape) -> None:
        """Check that the dense shape fits ``shape`` (None for any size), as TF's
        ``SparseTensor.set_shape``; an eager value's shape is already known, so nothing changes."""
        want = as_shape(shape)
        if not self._shape.is_compatible_with(want):
            raise ValueError(f"SparseTensor.set_shape: the dense shape {self._shape} is not compatible with {want}")

    @property
    def dtype(self):
        return self._values.dtype

    @property
    def device(self):
        return self._values.device

    @property
    def ndim(self) -> int:
        return len(self._shape)

    def with_values(self, new_values) -> "SparseTensor":
        """The same indices and shape holding ``new_values`` (one per index)."""
        out = from_parts(self._indices, new_values, self._shape, self._static)
        if self._static_dense is not False and core.tracing():   # the same static dense shape too
            static_dense(out, self._static_dense)
        return out

    # -- composite protocol -----------------------------------------------------------
    def _spec(self) -> "SparseTensorSpec":
        return SparseTensorSpec(self._shape, self.dtype)

    def components(self) -> list:
        return [self._values]

    def from_components(self, parts):
        return self.with_values(parts[0])

    def structure_key(self):
        return ("SparseTensor", self._shape, backend.to_numpy(self._indices._data).tobytes())

    # -- elementwise with a dense operand (TF's SparseTensor operators) -----------------
    def __mul__(self, other):
        """``self * other`` at the entries (``other`` dense, broadcast to the shape): sparse."""
        return self.with_values(self._values * _at_entries(self, other, "*"))

    __rmul__ = __mul__

    def __truediv__(self, other):
        """``self / other`` at the entries (``other`` dense, broadcast to the shape): sparse."""
        return self.with_values(self._values / _at_entries(self, other, "/"))

    def __neg__(self):
        return self.with_values(-self._values)

    def __repr__(self):
        # TF's text: each part as str(tensor) prints it
        return (f"SparseTensor(indices={self._indices!s}, values={self._values!s}, "
                f"dense_shape={self._dense_shape!s})")


class SparseTensorSpec:
    """SparseTensors of one dense shape (``None`` for unknown sizes, ``shape=None`` for any
    rank) and dtype (TF's ``tf.SparseTensorSpec``): a ``Dataset.element_spec`` leaf for sparse
    elements, and what ``wb.type_spec_from_value`` gives for a SparseTensor.

    >>> spec = wb.SparseTensorSpec([None, 4], wb.int32)
    >>> spec.is_compatible_with(wb.SparseTensor([[0, 1]], [7], [3, 4]))
    True
    >>> spec
    SparseTensorSpec(TensorShape([None, 4]), wb.int32)
    """

    __slots__ = ("_shape", "_dtype")

    def __init__(self, shape=None, dtype="float32"):
        self._shape = as_shape(shape)
        self._dtype = as_dtype(dtype)

    @classmethod
    def from_value(cls, value) -> "SparseTensorSpec":
        """The spec of the SparseTensor ``value``."""
        if not isinstance(value, SparseTensor):
            raise TypeError(f"SparseTensorSpec.from_value: expected a SparseTensor, got {type(value).__name__}")
        return value._spec()

    @property
    def shape(self) -> TensorShape:
        return self._shape

    @property
    def dtype(self):
        return self._dtype

    @property
    def value_type(self):
        return SparseTensor

    def _type_spec_key(self):
        return (self._dtype,)

    def _as_spec(self, value):
        if isinstance(value, SparseTensor):
            return value._spec()
        return value if isinstance(value, SparseTensorSpec) else None

    def is_compatible_with(self, spec_or_value) -> bool:
        """Whether a SparseTensor (or a SparseTensorSpec) fits: the same dtype and a compatible
        dense shape. Dense tensors and their specs do not."""
        other = self._as_spec(spec_or_value)
        return (other is not None and other._dtype == self._dtype
                and self._shape.is_compatible_with(other._shape))

    def is_subtype_of(self, other) -> bool:
        """Whether every value of this spec is a value of ``other``."""
        if not isinstance(other, SparseTensorSpec) or other._dtype != self._dtype:
            return False
        if other._shape.rank is None:
            return True
        return self._shape.rank == other._shape.rank and all(
            b is None or a == b for a, b in zip(self._shape, other._shape))

    def most_specific_common_supertype(self, others):
        """The most specific spec that ``self`` and every one of ``others`` fit: sizes that
        differ become None, a rank that differs unknown rank; None when a dtype differs or one
        of ``others`` is not a SparseTensorSpec."""
        shape = self._shape
        for o in others:
            if not isinstance(o, SparseTensorSpec) or o._dtype != self._dtype:
                return None
            shape = shape.most_specific_compatible_shape(o._shape)
        return SparseTensorSpec(shape, self._dtype)

    def most_specific_compatible_type(self, other) -> "SparseTensorSpec":
        spec = self.most_specific_common_supertype([other])
        if spec is None:
            raise ValueError(f"No TypeSpec is compatible with both {self} and {other}")
        return spec

    def _with_shape(self, shape) -> "SparseTensorSpec":
        return SparseTensorSpec(shape, self._dtype)

    def __eq__(self, other):
        return type(other) is type(self) and self._dtype == other._dtype and self._shape == other._shape

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return hash((type(self), self._shape, self._dtype))

    def __reduce__(self):
        return (type(self), (self._shape, self._dtype))

    def __repr__(self):
        return f"SparseTensorSpec({self._shape!r}, wb.{_dtype_name(self._dtype)})"


def _at_entries(sp, other, op):
    """The dense ``other`` (broadcast to ``sp``'s shape) read at ``sp``'s entries."""
    other = convert_to_tensor(other, dtype_hint=sp.dtype)
    if isinstance(other, SparseTensor) or other.dtype != sp.dtype:
        raise TypeError(f"SparseTensor {op}: expected a dense tensor of dtype {sp.dtype}, got "
                        f"{type(other).__name__} of dtype {getattr(other, 'dtype', '?')}")
    if other.ndim == 0:
        return other
    try:
        np.broadcast_shapes(other.shape, sp.shape)
    except ValueError:
        raise ValueError(f"SparseTensor {op}: a dense operand of shape {other.shape} does not "
                         f"broadcast to the sparse shape {list(sp.shape)}") from None
    flat = reshape(broadcast_to(other, sp.shape), (-1,))
    keys = sp.indices._data @ sp.values.xp.asarray(_row_major_strides(sp.shape))
    return take_rows(flat, _host_tensor(keys, sp._static))


def _host_tensor(arr, static) -> Tensor:
    """A tensor around an array computed on the host from indices: a constant of a trace when
    the indices are static, else one a trace cannot replay (it then runs eagerly)."""
    return core.wrap_constant(arr) if static else core.wrap(arr)


def static_dense(value, dims=False):
    """In a trace: TF's static (dense) shape of ``value`` (a SparseTensor, or a tensor) as a
    list with None for each open size, or None for an unknown rank; with ``dims`` (a sequence,
    or None), set it first (on a SparseTensor, for the ops after it and the output signature).
    Outside a trace: the shape as a list."""
    if dims is not False:
        if core.tracing():
            if isinstance(value, SparseTensor):
                value._static_dense = None if dims is None else list(dims)
            core.static_result(value, None if dims is None else tuple(dims))
        return value
    if isinstance(value, SparseTensor):
        return list(value._shape) if value._static_dense is False else value._static_dense
    if isinstance(value, Tensor):
        st = value._static_shape()
        return None if st.rank is None else st.as_list()
    return list(np.shape(value))


def from_parts(indices, values, shape, static) -> SparseTensor:
    """A SparseTensor around an int64 ``indices`` tensor that ops derived (static or not)."""
    out = SparseTensor(indices, values, shape)
    out._static = static
    return out


def _row_major_strides(shape) -> np.ndarray:
    out = np.ones(len(shape), np.int64)
    for j in range(len(shape) - 2, -1, -1):
        out[j] = out[j + 1] * shape[j + 1]
    return out


def _shape_tuple(dense_shape) -> tuple:
    if isinstance(dense_shape, Tensor):
        dense_shape = backend.to_numpy(dense_shape._data).tolist()
    try:
        shape = tuple(int(s) for s in dense_shape)
    except (TypeError, ValueError):
        raise TypeError(f"SparseTensor: dense_shape must be a list of non-negative integers, got "
                        f"{dense_shape!r}") from None
    if any(s < 0 for s in shape):
        raise ValueError(f"SparseTensor: dense_shape must be non-negative, got {list(shape)}")
    return TensorShape(shape)
