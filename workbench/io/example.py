"""``tf.train.Example`` and ``SequenceExample``: the protocol-buffer messages of TensorFlow's
public definitions ``tensorflow/core/example/feature.proto`` and ``example.proto``
(Apache License 2.0, package ``tensorflow``), built here with protobuf's descriptor API so
their wire format is TF's: ``Example.FromString(record)`` reads a record TF wrote, and
``SerializeToString()`` writes one TF reads.

The messages live in a descriptor pool of their own, so they coexist with another copy of
the same definitions in the process.
"""

from __future__ import annotations

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

__all__ = ["BytesList", "Example", "Feature", "FeatureList", "FeatureLists", "Features", "FloatList",
           "Int64List", "SequenceExample"]

_F = descriptor_pb2.FieldDescriptorProto


def _field(msg, name, number, ftype, label=_F.LABEL_OPTIONAL, type_name=None, oneof=None, packed=None):
    f = msg.field.add(name=name, number=number, type=ftype, label=label)
    if type_name:
        f.type_name = type_name
    if oneof is not None:
        f.oneof_index = oneof
    if packed is not None:
        f.options.packed = packed
    return f


def _map(msg, name, value_type):
    """``map<string, value_type> name = 1`` (a repeated nested entry message)."""
    entry_name = "".join(p.capitalize() for p in name.split("_")) + "Entry"
    entry = msg.nested_type.add(name=entry_name)
    entry.options.map_entry = True
    _field(entry, "key", 1, _F.TYPE_STRING)
    _field(entry, "value", 2, _F.TYPE_MESSAGE, type_name=value_type)
    _field(msg, name, 1, _F.TYPE_MESSAGE, _F.LABEL_REPEATED, f".tensorflow.{msg.name}.{entry_name}")


def _feature_file(packed=True):
    fd = descriptor_pb2.FileDescriptorProto(name="tensorflow/core/example/feature.proto",
                                            package="tensorflow", syntax="proto3")
    for name, ftype in (("BytesList", _F.TYPE_BYTES), ("FloatList", _F.TYPE_FLOAT),
                        ("Int64List", _F.TYPE_INT64)):
        m = fd.message_type.add(name=name)
        _field(m, "value", 1, ftype, _F.LABEL_REPEATED, packed=None if ftype == _F.TYPE_BYTES else packed)
    feature = fd.message_type.add(name="Feature")
    feature.oneof_decl.add(name="kind")
    for number, (name, kind) in enumerate((("bytes_list", "BytesList"), ("float_list", "FloatList"),
                                           ("int64_list", "Int64List")), 1):
        _field(feature, name, number, _F.TYPE_MESSAGE, type_name=f".tensorflow.{kind}", oneof=0)
    _map(fd.message_type.add(name="Features"), "feature", ".tensorflow.Feature")
    flist = fd.message_type.add(name="FeatureList")
    _field(flist, "feature", 1, _F.TYPE_MESSAGE, _F.LABEL_REPEATED, ".tensorflow.Feature")
    _map(fd.message_type.add(name="FeatureLists"), "feature_list", ".tensorflow.FeatureList")
    return fd


def _example_file():
    fd = descriptor_pb2.FileDescriptorProto(name="tensorflow/core/example/example.proto",
                                            package="tensorflow", syntax="proto3",
                                            dependency=["tensorflow/core/example/feature.proto"])
    ex = fd.message_type.add(name="Example")
    _field(ex, "features", 1, _F.TYPE_MESSAGE, type_name=".tensorflow.Features")
    seq = fd.message_type.add(name="SequenceExample")
    _field(seq, "context", 1, _F.TYPE_MESSAGE, type_name=".tensorflow.Features")
    _field(seq, "feature_lists", 2, _F.TYPE_MESSAGE, type_name=".tensorflow.FeatureLists")
    return fd


_pool = descriptor_pool.DescriptorPool()
_pool.Add(_feature_file())
_pool.Add(_example_file())


def _cls(name, pool=_pool):
    return message_factory.GetMessageClass(pool.FindMessageTypeByName(f"tensorflow.{name}"))


# The same Example with its numbers written one by one rather than packed: the encoding TF's
# decode_json_example writes (both read back the same)
_unpacked_pool = descriptor_pool.DescriptorPool()
_unpacked_pool.Add(_feature_file(packed=False))
_unpacked_pool.Add(_example_file())
UnpackedExample = _cls("Example", _unpacked_pool)


BytesList = _cls("BytesList")
FloatList = _cls("FloatList")
Int64List = _cls("Int64List")
Feature = _cls("Feature")
Features = _cls("Features")
FeatureList = _cls("FeatureList")
FeatureLists = _cls("FeatureLists")
Example = _cls("Example")
SequenceExample = _cls("SequenceExample")
