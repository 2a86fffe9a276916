"""TF's ``TensorProto`` wire format, written and read with NumPy alone: ``serialize_tensor`` and
``parse_tensor`` (byte-compatible with TF's for every numeric, bool and string dtype).

A TensorProto holds the dtype enum (field 1), the shape (field 2: one ``dim`` message per
dimension, its ``size`` in field 1) and the values: numeric tensors as little-endian bytes in
``tensor_content`` (field 4), strings as repeated ``string_val`` (field 8). ``parse_tensor`` also
reads the typed value fields that other writers use (``float_val``, ``int_val``, ... with TF's
rule that a short list repeats its last value).
"""

from __future__ import annotations

import numpy as np

from .. import dtypes
from ..core import Tensor, convert_to_tensor, string_array, wrap
from ..errors import InvalidArgumentError

_DTYPES = [dtypes.float32, dtypes.float64, dtypes.int32, dtypes.uint8, dtypes.int16, dtypes.int8,
           dtypes.string, dtypes.complex64, dtypes.int64, dtypes.bool, dtypes.uint16,
           dtypes.complex128, dtypes.float16, dtypes.uint32, dtypes.uint64]
_BY_ENUM = {d.as_datatype_enum: d for d in _DTYPES}

# the typed value fields: number -> (wire kind, NumPy dtype of one value)
_VALUE_FIELDS = {5: ("f32", np.float32), 6: ("f64", np.float64), 7: ("varint", np.int64),
                 10: ("varint", np.int64), 11: ("varint", np.int64), 13: ("varint", np.int64),
                 16: ("varint", np.int64), 17: ("varint", np.int64),
                 9: ("f32", np.float32), 12: ("f64", np.float64)}


def _tf_name(d):
    """TF's kernel-message name of a dtype (DataTypeString: 'float' for float32, ...)."""
    return {"float32": "float", "float64": "double", "float16": "half"}.get(d.name, d.name)


def _varint(n: int) -> bytes:
    out = bytearray()
    n &= (1 << 64) - 1
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _field(number: int, payload: bytes) -> bytes:
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def _shape_proto(shape) -> bytes:
    return b"".join(_field(2, (_varint(1 << 3) + _varint(d)) if d else b"") for d in shape)


def serialize_tensor(tensor, name=None):
    """``tensor`` as a serialized TensorProto, in a string scalar (TF's ``tf.io.serialize_tensor``).

    >>> wb.io.serialize_tensor(wb.constant(1)).numpy()
    b'\\x08\\x03\\x12\\x00"\\x04\\x01\\x00\\x00\\x00'
    """
    t = tensor if isinstance(tensor, Tensor) else convert_to_tensor(tensor)
    d = dtypes.as_dtype(t.dtype)
    if d.as_datatype_enum not in _BY_ENUM:
        raise TypeError(f"serialize_tensor: tensor has dtype {d}, which has no TensorProto encoding here")
    arr = np.asarray(t.numpy())
    out = _varint(1 << 3) + _varint(d.as_datatype_enum) + _field(2, _shape_proto(arr.shape))
    if d == dtypes.string:
        out += b"".join(_field(8, v if isinstance(v, bytes) else str(v).encode()) for v in arr.reshape(-1))
    elif arr.size:
        out += _field(4, np.ascontiguousarray(arr).astype(arr.dtype.newbyteorder("<")).tobytes())
    return wrap(np.array(out, dtype=object))


def _read_varint(buf, pos):
    result = shift = 0
    while True:
        if pos >= len(buf):
            raise InvalidArgumentError(None, None, "Could not parse `serialized` as TensorProto: truncated")
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return result, pos


def _fields(buf):
    """(number, wire type, value) for each field of a message: an int for varints and fixed
    widths, bytes for length-delimited ones."""
    pos = 0
    while pos < len(buf):
        key, pos = _read_varint(buf, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _read_varint(buf, pos)
        elif wire == 2:
            size, pos = _read_varint(buf, pos)
            value, pos = bytes(buf[pos:pos + size]), pos + size
        elif wire in (1, 5):
            width = 8 if wire == 1 else 4
            value, pos = bytes(buf[pos:pos + width]), pos + width
        else:
            raise InvalidArgumentError(None, None, "Could not parse `serialized` as TensorProto: "
                                       f"unsupported wire type {wire}")
        if pos > len(buf):
            raise InvalidArgumentError(None, None, "Could not parse `serialized` as TensorProto: truncated")
        yield number, wire, value


def _values(number, wire, value):
    kind, np_type = _VALUE_FIELDS[number]
    if kind == "varint":
        if wire == 0:
            return [value]
        vals, pos = [], 0
        while pos < len(value):
            v, pos = _read_varint(value, pos)
            vals.append(v)
        return vals
    return list(np.frombuffer(value, dtype=np.dtype(np_type).newbyteorder("<")))


def parse_tensor(serialized, out_type, name=None):
    """The tensor in a serialized TensorProto (TF's ``tf.io.parse_tensor``); ``out_type`` must
    be its dtype (TF's ``InvalidArgumentError`` otherwise).

    >>> wb.io.parse_tensor(wb.io.serialize_tensor(wb.constant([1.5, 2.0])), wb.float32).numpy()
    array([1.5, 2. ], dtype=float32)
    """
    want = dtypes.as_dtype(out_type)
    data = string_array(serialized) if not isinstance(serialized, Tensor) else serialized._data
    if np.ndim(data) != 0:
        raise ValueError(f"parse_tensor: serialized must be a string scalar, got shape {np.shape(data)}")
    buf = data.item() if isinstance(data, np.ndarray) else data
    if isinstance(buf, str):
        buf = buf.encode()
    enum, shape, content, strings, typed = 0, [], None, [], []
    for number, wire, value in _fields(buf):
        if number == 1 and wire == 0:
            enum = value
        elif number == 2 and wire == 2:
            for dnum, dwire, dim in _fields(value):
                if dnum == 2 and dwire == 2:
                    size = 0
                    for snum, swire, v in _fields(dim):
                        if snum == 1 and swire == 0:
                            size = v - (1 << 64) if v >= 1 << 63 else v
                    shape.append(size)
                elif dnum == 3 and dwire == 0 and dim:
                    raise InvalidArgumentError(None, None, "parse_tensor: the TensorProto has an unknown rank")
        elif number == 4 and wire == 2:
            content = value
        elif number == 8 and wire == 2:
            strings.append(value)
        elif number in _VALUE_FIELDS:
            typed.extend(_values(number, wire, value))
    have = _BY_ENUM.get(enum)
    if have is None:
        raise InvalidArgumentError(None, None, f"parse_tensor: the TensorProto's dtype enum {enum} is not "
                                   "supported")
    if have != want:
        raise InvalidArgumentError(None, None, f"Type mismatch between parsed tensor ({_tf_name(have)}) "
                                   f"and dtype ({_tf_name(want)})")
    n = int(np.prod(shape, dtype=np.int64))
    np_type = np.dtype(dtypes.np_dtype(have))
    if have == dtypes.string:
        vals = strings
        arr_dtype = object
    elif content is not None:
        arr = np.frombuffer(content, dtype=np_type.newbyteorder("<"))
        if arr.size != n:
            raise InvalidArgumentError(None, None, f"parse_tensor: tensor_content holds {arr.size} values "
                                       f"for shape {shape}")
        return wrap(arr.astype(np_type).reshape(shape))
    else:
        vals, arr_dtype = typed, np_type
        if np_type.kind == "c":   # complex values come as (real, imaginary) pairs
            vals = [complex(a, b) for a, b in zip(vals[0::2], vals[1::2])]
        elif np_type == np.float16:   # half_val holds the bits of each half in an int
            vals = list(np.asarray(vals, np.uint16).view(np.float16))
    if n and not vals:
        vals = [b"" if have == dtypes.string else 0]
    if len(vals) > n:
        raise InvalidArgumentError(None, None, f"parse_tensor: {len(vals)} values for shape {shape}")
    vals = list(vals) + [vals[-1]] * (n - len(vals)) if n else []
    if np_type.kind in "iu" and have != dtypes.bool:
        bits = np_type.itemsize * 8
        vals = [int(v) & ((1 << bits) - 1) for v in vals]
        arr = np.asarray(vals, dtype=np.uint64).astype(np_type.newbyteorder("=").str.replace("i", "u"))
        return wrap(arr.view(np_type).reshape(shape))
    out = np.empty(n, dtype=object) if arr_dtype is object else None
    if out is not None:
        out[:] = vals
        return wrap(out.reshape(shape))
    return wrap(np.asarray(vals, dtype=arr_dtype).reshape(shape))
