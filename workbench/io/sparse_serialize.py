"""``tf.io.serialize_sparse`` / ``serialize_many_sparse`` / ``deserialize_many_sparse``: a
SparseTensor as three serialized TensorProtos (indices, values, dense_shape), byte for byte
TF's (``tensor_proto.py`` writes them)."""

from __future__ import annotations

import numpy as np

from .. import dtypes
from ..core import wrap
from ..errors import InvalidArgumentError
from .tensor_proto import parse_tensor, serialize_tensor

__all__ = ["deserialize_many_sparse", "serialize_many_sparse", "serialize_sparse"]


def _sparse(sp_input, opname):
    from ..sparse import SparseTensor   # noqa: PLC0415
    if not isinstance(sp_input, SparseTensor):
        raise TypeError(f"{opname}: sp_input must be a SparseTensor, got {type(sp_input).__name__}")
    return (np.asarray(sp_input.indices.numpy(), np.int64), np.asarray(sp_input.values.numpy()),
            np.asarray(sp_input.dense_shape.numpy(), np.int64))


def _triple(indices, values, shape):
    return [serialize_tensor(indices).numpy(), serialize_tensor(values).numpy(), serialize_tensor(shape).numpy()]


def _out_type(out_type, opname):
    if dtypes.as_dtype(out_type) != dtypes.string:
        raise TypeError(f"{opname}: out_type must be tf.string here (variant is not supported), got {out_type}")


def serialize_sparse(sp_input, out_type=dtypes.string, name=None):
    """A string vector ``[3]``: the serialized indices, values and dense_shape of ``sp_input``."""
    _out_type(out_type, "serialize_sparse")
    out = np.empty(3, dtype=object)
    out[:] = _triple(*_sparse(sp_input, "serialize_sparse"))
    return wrap(out)


def serialize_many_sparse(sp_input, out_type=dtypes.string, name=None):
    """A string matrix ``[N, 3]``: row ``i`` serializes the minibatch entry ``sp_input[i]``
    (rank one lower: the first index column dropped)."""
    opname = "serialize_many_sparse"
    _out_type(out_type, opname)
    indices, values, shape = _sparse(sp_input, opname)
    if shape.size < 2:
        raise InvalidArgumentError(f"{opname}: sp_input must have rank >= 2 (a minibatch), got dense_shape "
                                   f"{shape.tolist()}")
    out = np.empty((int(shape[0]), 3), dtype=object)
    for i in range(int(shape[0])):
        rows = indices[:, 0] == i
        out[i] = _triple(np.ascontiguousarray(indices[rows, 1:]), values[rows], shape[1:])
    return wrap(out)


def deserialize_many_sparse(serialized_sparse, dtype, rank=None, name=None):
    """The SparseTensor of ``N`` serialized SparseTensors (``[N, 3]`` strings) stacked on a new
    first dimension; the dense_shape is ``N`` then the largest of each dimension, as TF.
    ``dtype`` must be the values' dtype."""
    from ..sparse import SparseTensor   # noqa: PLC0415
    opname = "deserialize_many_sparse"
    data = serialized_sparse.numpy() if hasattr(serialized_sparse, "numpy") else serialized_sparse
    data = np.asarray(data, dtype=object)
    if data.ndim != 2 or data.shape[1] != 3:
        raise InvalidArgumentError(f"{opname}: serialized_sparse must be a [N, 3] string matrix, got shape "
                                   f"{data.shape}")
    want = dtypes.as_dtype(dtype)
    all_idx, all_val, shapes = [], [], []
    for i, (si, sv, ss) in enumerate(data):
        idx = np.asarray(parse_tensor(si, dtypes.int64).numpy())
        try:
            val = np.asarray(parse_tensor(sv, want).numpy())
        except InvalidArgumentError:
            raise InvalidArgumentError(f"{opname}: requested SparseTensor of type {want.name} but "
                                       f"SparseTensor[{i}]'s values have another dtype") from None
        shp = np.asarray(parse_tensor(ss, dtypes.int64).numpy())
        if shapes and shp.size != shapes[0].size:
            raise InvalidArgumentError(f"{opname}: SparseTensor[{i}] has rank {shp.size}, SparseTensor[0] "
                                       f"rank {shapes[0].size}")
        shapes.append(shp)
        all_idx.append(np.concatenate([np.full((idx.shape[0], 1), i, np.int64), idx.reshape(idx.shape[0], -1)], 1))
        all_val.append(val)
    r = shapes[0].size if shapes else (int(rank) - 1 if rank is not None else 1)
    if rank is not None and int(rank) != r + 1:
        raise InvalidArgumentError(f"{opname}: rank {rank} disagrees with the serialized rank {r} + 1")
    dense = [data.shape[0]] + (np.max(np.stack(shapes), axis=0).tolist() if shapes else [0] * r)
    indices = np.concatenate(all_idx) if all_idx else np.zeros((0, r + 1), np.int64)
    values = np.concatenate(all_val) if all_val else np.zeros(0, np.dtype(want.name))
    return SparseTensor(indices, values, dense)
