"""``wb.io.decode_proto``: fields of serialized protocol-buffer messages as dense tensors, as
TF's ``tf.io.decode_proto``, through the ``protobuf`` package.

The message type is looked up by its full name in the Example messages of ``wb.train``, then
in protobuf's default pool (every ``*_pb2`` module imported in the process, for instance
TensorBoard's), or in a ``FileDescriptorSet`` given as a file or ``bytes://<bytes>``.
"""

from __future__ import annotations

import builtins

import numpy as np
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory, text_format
from google.protobuf.descriptor import FieldDescriptor as _FD

from ..core import convert_to_tensor, wrap
from ..dtypes import as_dtype
from ..errors import DataLossError, InvalidArgumentError
from . import example as _example

__all__ = ["decode_proto"]

# the dtypes each field type may be read as (TF's), the first being the natural one
_ALLOWED = {
    _FD.TYPE_DOUBLE: ("float64",), _FD.TYPE_FLOAT: ("float32", "float64"),
    _FD.TYPE_INT32: ("int32", "int64"), _FD.TYPE_SINT32: ("int32", "int64"), _FD.TYPE_SFIXED32: ("int32", "int64"),
    _FD.TYPE_INT64: ("int64",), _FD.TYPE_SINT64: ("int64",), _FD.TYPE_SFIXED64: ("int64",),
    _FD.TYPE_UINT32: ("int64", "int32", "uint32"), _FD.TYPE_FIXED32: ("int64", "int32", "uint32"),
    _FD.TYPE_UINT64: ("int64", "uint64"), _FD.TYPE_FIXED64: ("int64", "uint64"),
    _FD.TYPE_BOOL: ("bool",), _FD.TYPE_ENUM: ("int32",), _FD.TYPE_STRING: ("string",),
    _FD.TYPE_BYTES: ("string",), _FD.TYPE_MESSAGE: ("string",), _FD.TYPE_GROUP: ("string",),
}
_TYPE_NAMES = {v: k[5:].lower() for k, v in vars(_FD).items() if k.startswith("TYPE_")}


def _pool(descriptor_source, where):
    if descriptor_source in ("", "local://"):
        return None
    if descriptor_source.startswith("bytes://"):
        data = descriptor_source[len("bytes://"):].encode("latin-1")
    else:
        try:
            with open(descriptor_source, "rb") as f:
                data = f.read()
        except OSError as exc:
            raise InvalidArgumentError(f"{where}: could not read descriptor_source {descriptor_source!r}: "
                                       f"{exc}") from None
    files = descriptor_pb2.FileDescriptorSet()
    try:
        files.ParseFromString(data)
    except Exception as exc:  # noqa: BLE001  (protobuf's DecodeError)
        raise InvalidArgumentError(f"{where}: descriptor_source is not a serialized FileDescriptorSet: "
                                   f"{exc}") from None
    pool = descriptor_pool.DescriptorPool()
    pending, loaded = list(files.file), set()
    while pending:      # each file after the files it imports, whatever their order in the set
        ready = [fd for fd in pending if set(fd.dependency) <= loaded]
        if not ready:
            raise InvalidArgumentError(f"{where}: descriptor_source lacks files that "
                                       f"{sorted(fd.name for fd in pending)} import")
        for fd in ready:
            pool.Add(fd)
            loaded.add(fd.name)
        pending = [fd for fd in pending if fd.name not in loaded]
    return pool


def _message_class(message_type, descriptor_source, where):
    pools = [_pool(descriptor_source, where)]
    if pools[0] is None:
        pools = [_example._pool, descriptor_pool.Default()]
    for pool in pools:
        try:
            return message_factory.GetMessageClass(pool.FindMessageTypeByName(message_type))
        except KeyError:
            continue
    raise InvalidArgumentError(f"{where}: No descriptor found for message type {message_type}")


def _entries(msg, field):
    """The values of ``field`` in ``msg``, in order (a map's entries as entry messages)."""
    value = getattr(msg, field.name)
    repeated = field.is_repeated if hasattr(field, "is_repeated") else field.label == _FD.LABEL_REPEATED
    if repeated:
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            entry = message_factory.GetMessageClass(field.message_type)
            out = []
            for k in value:
                e = entry(key=k)
                if field.message_type.fields_by_name["value"].message_type is not None:
                    e.value.CopyFrom(value[k])
                else:
                    e.value = value[k]
                out.append(e)
            return out
        return list(value)
    present = (msg.HasField(field.name) if getattr(field, "has_presence", field.message_type is not None)
               else value != field.default_value)
    return [value] if present else []


def _default(field):
    """What pads a field's values: its declared default (a repeated field's is its type's zero)."""
    if field.type in (_FD.TYPE_MESSAGE, _FD.TYPE_GROUP, _FD.TYPE_STRING, _FD.TYPE_BYTES):
        zero = b""
    else:
        zero = False if field.type == _FD.TYPE_BOOL else 0
    value = field.default_value
    if value is None or isinstance(value, list):     # a message, or a repeated field
        return zero
    return value.encode("utf-8") if isinstance(value, str) else value


def decode_proto(bytes, message_type, field_names, output_types, descriptor_source="local://",  # noqa: A002
                 message_format="binary", sanitize=False, name=None):
    """``(sizes, values)`` for the fields ``field_names`` of the messages ``bytes`` (a string
    tensor of any shape, of type ``message_type``): ``sizes`` int32 ``[..., len(field_names)]``
    counts the values of each field in each message (0 or 1 for a singular field); each of
    ``values`` is ``[..., n]`` of its ``output_types`` dtype, ``n`` the largest count (at least
    1), padded with the field's default. Submessages (and map entries) come out serialized,
    as strings; ``message_format`` "binary" or "text"."""
    where = "decode_proto"
    field_names, output_types = list(field_names), list(output_types)
    if len(field_names) != len(output_types):
        raise InvalidArgumentError(f"{where}: field_names and output_types attributes must have the same "
                                   f"length, got {len(field_names)} and {len(output_types)}")
    if message_format not in ("binary", "text"):
        raise InvalidArgumentError(f"{where}: message_format must be 'binary' or 'text', got {message_format!r}")
    cls = _message_class(message_type, descriptor_source, where)
    fields, dtypes = [], []
    for fname, otype in zip(field_names, output_types):
        field = cls.DESCRIPTOR.fields_by_name.get(fname)
        if field is None:
            raise InvalidArgumentError(f"{where}: Unknown field: {fname} in message type {message_type}")
        dt = as_dtype(otype)
        if dt.name not in _ALLOWED[field.type]:
            raise InvalidArgumentError(f"{where}: Unexpected output type for {field.full_name}: "
                                       f"{_TYPE_NAMES[field.type]} to {dt.name} (it reads as "
                                       f"{' or '.join(_ALLOWED[field.type])})")
        fields.append(field)
        dtypes.append(dt)
    serialized = bytes.numpy() if hasattr(bytes, "numpy") else bytes
    arr = np.asarray(serialized, dtype=object)
    batch = arr.shape
    per_message = []
    for idx, data in np.ndenumerate(arr):
        msg = cls()
        try:
            if message_format == "text":
                text_format.Parse(data if isinstance(data, str) else builtins.bytes(data).decode("utf-8"), msg)
            else:
                msg.ParseFromString(data.encode("utf-8") if isinstance(data, str) else builtins.bytes(data))
        except Exception as exc:  # noqa: BLE001  (protobuf's DecodeError / ParseError)
            raise DataLossError(f"{where}: message {list(idx)} is not a valid {message_type}: {exc}") from None
        per_message.append([_entries(msg, f) for f in fields])
    sizes = np.array([[len(v) for v in row] for row in per_message], dtype=np.int32).reshape(
        batch + (len(fields),))
    values = []
    for j, (field, dt) in enumerate(zip(fields, dtypes)):
        width = max([len(row[j]) for row in per_message] + [1])
        np_type = object if dt.name == "string" else dt.as_numpy_dtype
        out = np.empty((len(per_message), width), dtype=object)
        for i, row in enumerate(per_message):
            items = row[j]
            if field.type in (_FD.TYPE_MESSAGE, _FD.TYPE_GROUP):
                items = [m.SerializeToString() for m in items]
            elif field.type == _FD.TYPE_STRING:
                items = [s.encode("utf-8") for s in items]
            out[i, :len(items)] = items
            out[i, len(items):] = [_default(field)] * (width - len(items))
        if np_type is object:
            values.append(wrap(out.reshape(batch + (width,))))
        else:
            if field.type in (_FD.TYPE_UINT32, _FD.TYPE_FIXED32, _FD.TYPE_UINT64, _FD.TYPE_FIXED64) \
                    and np.dtype(np_type).kind == "i":   # TF: the same bits, read as signed
                bits = np.dtype(np_type).itemsize * 8
                out = np.array([[v - (1 << bits) if v >= 1 << (bits - 1) else v for v in r] for r in out],
                               dtype=object)
            values.append(convert_to_tensor(np.asarray(out.tolist(), dtype=np_type).reshape(batch + (width,))))
    return convert_to_tensor(sizes), values
