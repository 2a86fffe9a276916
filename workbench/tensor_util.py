"""TF's ``tf.make_tensor_proto`` and ``tf.make_ndarray``: arrays to and from ``TensorProto``
messages (the ``tensorboard`` package's protos, which need no TensorFlow).

A proto is encoded as TF encodes it: numeric arrays of more than one element whose size matches
the shape go into ``tensor_content`` (raw little-endian bytes), everything else (scalars, bools,
complex numbers, uint16, strings, a value broadcast to a larger shape) into the typed ``*_val``
field, so ``proto.SerializeToString()`` gives TF's bytes.

>>> proto = wb.make_tensor_proto([[1, 2], [3, 4]])
>>> wb.make_ndarray(proto).tolist()
[[1, 2], [3, 4]]
"""

from __future__ import annotations

import numbers

import numpy as np

from . import backend
from .core import Tensor, convert_to_tensor
from .dtypes import as_dtype

__all__ = ["make_ndarray", "make_tensor_proto"]

# dtypes whose multi-element arrays TF writes as raw bytes
_CONTENT = {"float16", "bfloat16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "uint32", "uint64"}
# the typed field of each dtype: (field name, how an array becomes its entries)
_FIELDS = {
    "float16": ("half_val", lambda a: a.view(np.uint16).astype(np.int32)),
    "bfloat16": ("half_val", lambda a: a.view(np.uint16).astype(np.int32)),   # TF's: the bits, as float16's
    "float32": ("float_val", None), "float64": ("double_val", None),
    "int8": ("int_val", None), "int16": ("int_val", None), "int32": ("int_val", None),
    "uint8": ("int_val", None), "uint16": ("int_val", None),
    "int64": ("int64_val", None), "uint32": ("uint32_val", None), "uint64": ("uint64_val", None),
    "bool": ("bool_val", None),
    "complex64": ("scomplex_val", lambda a: a.view(np.float32)),
    "complex128": ("dcomplex_val", lambda a: a.view(np.float64)),
    "string": ("string_val", None),
}


def _protos():
    try:
        # tensorboard (a dependency) is imported only when a TensorProto is made or read
        from tensorboard.compat.proto import tensor_pb2, tensor_shape_pb2
    except ImportError as e:   # pragma: no cover  (tensorboard is a dependency)
        raise ImportError("make_tensor_proto / make_ndarray use the TensorProto of the `tensorboard` "
                          "package, which is not installed: pip install tensorboard") from e
    return tensor_pb2, tensor_shape_pb2


def _python_kind_ok(value, dtype) -> bool:
    """Whether a Python element may become ``dtype`` (TF's check for lists: no silent
    float-to-int or int-to-bool conversion)."""
    if isinstance(value, (list, tuple)):
        return all(_python_kind_ok(v, dtype) for v in value)
    if dtype.name == "string":
        return isinstance(value, (str, bytes))
    if dtype.kind == "b":
        return isinstance(value, (bool, np.bool_))
    if dtype.kind in "iu":
        return isinstance(value, (numbers.Integral, np.bool_))
    if dtype.kind == "f":
        return isinstance(value, (numbers.Real, np.bool_))
    return isinstance(value, (numbers.Number, np.bool_))


def _first_bad(value, dtype):
    if isinstance(value, (list, tuple)):
        for v in value:
            bad = _first_bad(v, dtype)
            if bad is not None:
                return bad
        return None
    return None if _python_kind_ok(value, dtype) else value


def _as_array(values, dtype):
    if values is None:
        raise ValueError("None values not supported.")
    if isinstance(values, Tensor):
        values = values.numpy()
    if dtype is not None:
        dtype = as_dtype(dtype)
        if not isinstance(values, (np.ndarray, np.generic)):
            bad = _first_bad(values, dtype)
            if bad is not None:
                raise TypeError(f"Expected {dtype.name}, but got {bad!r} of type '{type(bad).__name__}'.")
        if dtype.name == "string":
            arr = np.asarray(values, dtype=object)
            return np.vectorize(lambda s: s if isinstance(s, bytes) else str(s).encode(), otypes=[object])(arr) \
                if arr.size else arr, dtype
        return np.asarray(values).astype(dtype.as_numpy_dtype), dtype
    if isinstance(values, (np.ndarray, np.generic)):
        arr = np.asarray(values)
        if arr.dtype.kind in "SUO":
            return _as_array(arr, "string")
        return arr, as_dtype(arr.dtype)
    t = convert_to_tensor(values)   # Python values: TF's defaults (float32, int32, ...)
    return _as_array(backend.to_numpy(t._data) if t.dtype.name != "string" else t.numpy(), t.dtype)


def make_tensor_proto(values, dtype=None, shape=None, verify_shape=False, allow_broadcast=False):
    """A ``TensorProto`` holding ``values`` (a tensor, array or Python value), as ``dtype`` if
    given, with ``shape`` if given: ``values`` then has that many elements, or fewer (TF's proto
    repeats the last one; with ``allow_broadcast=True`` only a single value may stand for all).
    ``verify_shape=True`` requires ``values`` to have exactly ``shape``.
    """
    tensor_pb2, tensor_shape_pb2 = _protos()
    arr, dtype = _as_array(values, dtype)
    if shape is None:
        shape = arr.shape
    else:
        shape = tuple(int(d) for d in shape)
        size = int(np.prod(shape, dtype=np.int64))
        if verify_shape and arr.shape != shape:
            raise TypeError(f"Expected Tensor's shape: {shape}, but got {arr.shape}.")
        if allow_broadcast:
            if arr.shape not in ((), (1,)) and arr.size != size:
                raise TypeError(f"Expected Tensor's shape: {shape}, but got {arr.shape}.")
        elif arr.size > size:
            raise ValueError(f"Too many elements provided. Takes at most {size}, but got {arr.size}.")
    size = int(np.prod(shape, dtype=np.int64))
    proto = tensor_pb2.TensorProto(
        dtype=dtype.as_datatype_enum,
        tensor_shape=tensor_shape_pb2.TensorShapeProto(
            dim=[tensor_shape_pb2.TensorShapeProto.Dim(size=d) for d in shape]))
    if dtype.name in _CONTENT and arr.size == size and size > 1:
        proto.tensor_content = np.ascontiguousarray(arr).astype(arr.dtype.newbyteorder("<")).tobytes()
        return proto
    if dtype.name not in _FIELDS:
        raise TypeError(f"make_tensor_proto: dtype {dtype.name} has no TensorProto encoding here")
    field, convert = _FIELDS[dtype.name]
    flat = arr.reshape(-1)
    entries = flat if convert is None else convert(np.ascontiguousarray(flat))
    getattr(proto, field).extend(entries.tolist())
    return proto


def _dtype_of(proto):
    try:
        return as_dtype(proto.dtype)
    except (TypeError, ValueError, KeyError):
        raise TypeError(f"make_ndarray: the TensorProto's dtype enum {proto.dtype} is not supported") from None


def make_ndarray(tensor):
    """The NumPy array a ``TensorProto`` holds (strings as ``bytes`` in an object array). A
    typed field with fewer values than the shape holds is padded with its last value (zeros when
    it has none), as TF reads it."""
    if not hasattr(tensor, "tensor_shape") or not hasattr(tensor, "tensor_content"):
        raise TypeError(f"make_ndarray: tensor must be a TensorProto, got {type(tensor).__name__}")
    shape = tuple(d.size for d in tensor.tensor_shape.dim)
    size = int(np.prod(shape, dtype=np.int64))
    dtype = _dtype_of(tensor)
    if dtype.name != "string" and tensor.tensor_content:
        np_dtype = np.dtype(dtype.as_numpy_dtype).newbyteorder("<")
        return np.frombuffer(tensor.tensor_content, np_dtype).astype(dtype.as_numpy_dtype).reshape(shape)
    if dtype.name not in _FIELDS:
        raise TypeError(f"make_ndarray: dtype {dtype.name} has no TensorProto encoding here")
    field = _FIELDS[dtype.name][0]
    raw = list(getattr(tensor, field))
    if dtype.name == "string":
        values = np.empty(len(raw), object)
        values[:] = raw
    elif dtype.name in ("float16", "bfloat16"):
        values = np.asarray(raw, np.uint16).view(dtype.as_numpy_dtype)
    elif dtype.kind == "c":
        part = np.float32 if dtype.name == "complex64" else np.float64
        values = np.asarray(raw, part).view(dtype.as_numpy_dtype)
    else:
        values = np.asarray(raw, dtype.as_numpy_dtype)
    if values.size == size:
        return values.reshape(shape)
    if values.size == 0:
        return np.full(shape, b"", object) if dtype.name == "string" else np.zeros(shape, dtype.as_numpy_dtype)
    return np.pad(values, (0, size - values.size), mode="edge").reshape(shape)
