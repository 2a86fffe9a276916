"""``IndexedSlices``: some rows of a dense tensor, TF's form of a gather's gradient."""

from __future__ import annotations

import numpy as np

from .. import backend, core
from ..core import Tensor, convert_to_tensor
from ..ops.indexing import gather, sum_rows_into

__all__ = ["IndexedSlices", "convert_to_dense"]


class IndexedSlices(core.CompositeTensor):
    """A tensor of shape ``dense_shape`` given by some of its rows (TF's ``tf.IndexedSlices``):
    row ``indices[i]`` of the dense value is ``values[i]``; rows not named are zero and rows
    named twice add up. ``GradientTape.gradient`` returns one for a variable read through
    ``wb.gather`` (axis 0) or ``wb.nn.embedding_lookup``; optimizers apply it to those rows
    only. Used as a tensor (``wb.convert_to_tensor``, arithmetic, any op) it is made dense.

    >>> s = wb.IndexedSlices(wb.constant([[1., 2.]]), wb.constant([2]), wb.constant([3, 2]))
    >>> wb.convert_to_tensor(s).numpy()
    array([[0., 0.],
           [0., 0.],
           [1., 2.]], dtype=float32)
    """

    _is_tensor_like = True   # wb.is_tensor is True for it, as TF's

    __slots__ = ("_values", "_indices", "_dense_shape")
    __wb_dispatch__ = False  # every op takes it as its dense value (convert_to_tensor)

    def __init__(self, values, indices, dense_shape=None):
        values = convert_to_tensor(values)
        indices = convert_to_tensor(indices)
        if indices.dtype.kind not in "iu" or indices.ndim != 1:
            raise TypeError(f"IndexedSlices: indices must be a 1-D integer tensor, got dtype "
                            f"{indices.dtype} and shape {indices.shape}")
        if values.ndim < 1 or values.shape[0] != indices.shape[0]:
            raise ValueError(f"IndexedSlices: values (shape {values.shape}) must have one row per "
                             f"index ({indices.shape[0]} indices)")
        if dense_shape is not None:
            dense_shape = convert_to_tensor(dense_shape)
            if dense_shape.dtype.kind not in "iu" or dense_shape.ndim != 1:
                raise TypeError(f"IndexedSlices: dense_shape must be a 1-D integer tensor, got dtype "
                                f"{dense_shape.dtype} and shape {dense_shape.shape}")
            shape = tuple(int(s) for s in backend.to_numpy(dense_shape._data))
            if shape[1:] != values.shape[1:]:
                raise ValueError(f"IndexedSlices: values rows of shape {values.shape[1:]} do not fit "
                                 f"dense_shape {list(shape)}")
        self._values, self._indices, self._dense_shape = values, indices, dense_shape

    @property
    def values(self) -> Tensor:
        return self._values

    @property
    def indices(self) -> Tensor:
        return self._indices

    @property
    def dense_shape(self):
        """The dense value's shape: a 1-D integer tensor (int32 in a gradient, as TF), or None
        when it was not given."""
        return self._dense_shape

    @property
    def dtype(self):
        return self._values.dtype

    @property
    def device(self):
        return self._values.device

    @property
    def shape(self) -> tuple:
        """The dense value's shape; its first dimension is None when ``dense_shape`` is None."""
        if self._dense_shape is None:
            return (None,) + self._values.shape[1:]
        return tuple(int(s) for s in backend.to_numpy(self._dense_shape._data))

    # -- composite protocol -----------------------------------------------------------
    def components(self) -> list:
        parts = [self._values, self._indices]
        return parts if self._dense_shape is None else parts + [self._dense_shape]

    def from_components(self, parts):
        return IndexedSlices(*parts)

    def structure_key(self):
        return ("IndexedSlices", self.shape)

    # -- as a dense tensor --------------------------------------------------------------
    def __wb_tensor__(self) -> Tensor:
        return convert_to_dense(self)

    def numpy(self):
        """The dense value as a NumPy array."""
        return convert_to_dense(self).numpy()

    def __array__(self, dtype=None, copy=None):
        out = self.numpy()
        return out if dtype is None else out.astype(dtype)

    def __neg__(self):
        return IndexedSlices(-self._values, self._indices, self._dense_shape)

    def __add__(self, other):
        return convert_to_dense(self) + other

    def __radd__(self, other):
        return other + convert_to_dense(self)

    def __sub__(self, other):
        return convert_to_dense(self) - other

    def __rsub__(self, other):
        return other - convert_to_dense(self)

    def __mul__(self, other):
        return convert_to_dense(self) * other

    def __rmul__(self, other):
        return other * convert_to_dense(self)

    def __truediv__(self, other):
        return convert_to_dense(self) / other

    def __str__(self):
        shape = "" if self._dense_shape is None else f", dense_shape={self._dense_shape!s}"
        return f"IndexedSlices(indices={self._indices!s}, values={self._values!s}{shape})"

    # repr: Python's default object repr, as TF's


def convert_to_dense(slices: IndexedSlices) -> Tensor:
    """The dense tensor ``slices`` stands for (rows at repeated indices add up);
    differentiable with respect to ``slices.values``."""
    if slices.dense_shape is None:
        raise ValueError("IndexedSlices: cannot convert to a dense tensor without dense_shape")
    shape = slices.shape
    values, indices = slices.values, slices.indices
    if values.shape[0] == 0:
        return core.wrap_constant(values.xp.zeros(shape, values._data.dtype))
    return sum_rows_into(values, indices, shape[0])



def mask(a, mask_indices, name=None):
    """The rows of ``a`` (an IndexedSlices) whose index is not in ``mask_indices`` (TF's
    ``tf.sparse.mask``); ``dense_shape`` is kept. Differentiable in ``a.values``.

    >>> s = wb.IndexedSlices(wb.constant([[1.0], [2.0], [3.0]]), wb.constant([4, 7, 9]))
    >>> wb.sparse.mask(s, [7]).indices.numpy()
    array([4, 9], dtype=int32)
    """
    if not isinstance(a, IndexedSlices):
        raise TypeError(f"mask: a must be an IndexedSlices, got {type(a).__name__}")
    drop = np.asarray(convert_to_tensor(mask_indices).numpy()).reshape(-1)
    idx = np.asarray(a.indices.numpy())
    keep = np.flatnonzero(~np.isin(idx, drop))
    return IndexedSlices(gather(a.values, keep), gather(a.indices, keep), a.dense_shape)
