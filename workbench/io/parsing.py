"""``wb.io.parse_single_example`` / ``parse_example`` / ``parse_single_sequence_example``:
serialized ``tf.train.Example`` protos to tensors, with TF's feature configurations.

    FixedLenFeature(shape, dtype, default_value)  a dense tensor of ``shape`` ([batch] + shape)
    VarLenFeature(dtype)                          a ``wb.SparseTensor`` (int64 indices, dense_shape)
    RaggedFeature(dtype, value_key)               a 1-D tensor ([batch, None] RaggedTensor, once
                                                  ``wb.data`` has registered the ragged package)
    FixedLenSequenceFeature(shape, dtype)         the frames of a SequenceExample's feature list

dtypes: ``int64`` (int64_list), ``float32`` (float_list) and strings (``"string"``, ``bytes``
or ``object``: bytes_list, as object arrays of bytes).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..core import convert_to_tensor, wrap
from ..errors import InvalidArgumentError
from ..sparse import SparseTensor
from . import example as pb
from .composites import ragged_from_row_splits as _ragged

__all__ = ["FixedLenFeature", "FixedLenSequenceFeature", "RaggedFeature", "VarLenFeature",
           "parse_example", "parse_single_example", "parse_single_sequence_example"]


class FixedLenFeature(NamedTuple):
    shape: tuple
    dtype: object
    default_value: object = None


class VarLenFeature(NamedTuple):
    dtype: object


class FixedLenSequenceFeature(NamedTuple):
    shape: tuple
    dtype: object
    allow_missing: bool = False
    default_value: object = None


class RaggedFeature(NamedTuple):
    dtype: object
    value_key: str | None = None
    partitions: tuple = ()
    row_splits_dtype: object = np.int32
    validate: bool = False


def _kind(dtype, where):
    if dtype in (str, bytes, object, "string") or getattr(dtype, "name", None) == "string":
        return "bytes_list", np.dtype(object)
    d = np.dtype(getattr(dtype, "as_numpy_dtype", dtype))
    if d == np.int64:
        return "int64_list", d
    if d == np.float32:
        return "float_list", d
    raise TypeError(f"{where}: a feature's dtype must be int64, float32 or string, got {dtype!r}")


def _values(feature, kind, dtype, key, where):
    """The values of one Feature message as a 1-D NumPy array of ``dtype``."""
    got = feature.WhichOneof("kind")
    if got is None:
        values = []
    elif got != kind:
        raise InvalidArgumentError(f"{where}: feature {key!r} holds a {got}, its configuration "
                                   f"expects a {kind} (dtype {dtype})")
    else:
        values = getattr(feature, kind).value
    if dtype == object:
        arr = np.empty(len(values), dtype=object)
        arr[:] = [bytes(v) for v in values]
        return arr
    return np.asarray(values, dtype=dtype)


def _proto(serialized, cls, where):
    if hasattr(serialized, "numpy"):
        serialized = serialized.numpy()
    if isinstance(serialized, np.ndarray) and serialized.ndim == 0:
        serialized = serialized.item()
    if isinstance(serialized, cls):
        return serialized
    if not isinstance(serialized, (bytes, bytearray)):
        raise TypeError(f"{where}: serialized must be a string scalar (bytes), got "
                        f"{type(serialized).__name__}")
    msg = cls()
    try:
        msg.ParseFromString(bytes(serialized))
    except Exception as exc:  # noqa: BLE001  (protobuf's DecodeError)
        raise InvalidArgumentError(f"{where}: could not parse a {cls.DESCRIPTOR.name}: {exc}") from None
    return msg


def _fixed(values, spec, key, where):
    shape = tuple(int(d) for d in spec.shape) if spec.shape is not None else ()
    n = int(np.prod(shape, dtype=np.int64))
    if values is None:
        if spec.default_value is None:
            raise InvalidArgumentError(f"{where}: feature {key!r} is required but could not be found")
        _, dtype = _kind(spec.dtype, where)
        default = np.asarray(spec.default_value.numpy() if hasattr(spec.default_value, "numpy")
                             else spec.default_value, dtype=dtype)
        return np.broadcast_to(default, shape).copy() if default.size in (1, n) else default.reshape(shape)
    if values.size != n:
        raise InvalidArgumentError(f"{where}: key {key!r}: can't parse serialized Example: it has "
                                   f"{values.size} values, the FixedLenFeature shape {shape} needs {n}")
    return values.reshape(shape)


def _feature_values(features_msg, features, where):
    """{key: 1-D values or None when absent} for the keys the configurations read."""
    out = {}
    for key, spec in features.items():
        name = spec.value_key if isinstance(spec, RaggedFeature) and spec.value_key else key
        kind, dtype = _kind(spec.dtype, where)
        if name in features_msg.feature:
            out[key] = _values(features_msg.feature[name], kind, dtype, name, where)
        else:
            out[key] = None
    return out


def _check_features(features, where):
    if not isinstance(features, dict) or not features:
        raise TypeError(f"{where}: features must be a non-empty dict of feature configurations")
    for k, spec in features.items():
        if not isinstance(spec, (FixedLenFeature, VarLenFeature, RaggedFeature)):
            raise TypeError(f"{where}: features[{k!r}] must be a FixedLenFeature, VarLenFeature or "
                            f"RaggedFeature, got {type(spec).__name__}")
        if isinstance(spec, RaggedFeature) and spec.partitions:
            raise ValueError(f"{where}: features[{k!r}]: RaggedFeature partitions are not supported "
                             "(only the one ragged dimension of value_key's values)")


def _tensor(arr):
    return wrap(arr) if arr.dtype == object else convert_to_tensor(arr)


def parse_example(serialized, features, example_names=None, name=None):
    """A batch of serialized Examples (a 1-D string tensor, a list of bytes) to a dict of
    batched tensors: FixedLen ``[batch] + shape``, VarLen ``wb.SparseTensor`` of
    ``[batch, longest]``, Ragged ``[batch, None]`` RaggedTensor."""
    where = "parse_example"
    _check_features(features, where)
    if hasattr(serialized, "numpy"):
        serialized = serialized.numpy()
    rows = [pb.Example() if s is None else _proto(s, pb.Example, where)
            for s in np.asarray(serialized, dtype=object).reshape(-1)]
    per_row = [_feature_values(r.features, features, where) for r in rows]
    out = {}
    for key, spec in features.items():
        vals = [p[key] for p in per_row]
        _, dtype = _kind(spec.dtype, where)
        if isinstance(spec, FixedLenFeature):
            fixed = [_fixed(v, spec, key, where) for v in vals]
            shape = tuple(int(d) for d in spec.shape) if spec.shape is not None else ()
            out[key] = _tensor(np.stack(fixed) if fixed else np.zeros((0,) + shape, dtype))
            continue
        vals = [np.zeros(0, dtype) if v is None else v for v in vals]
        flat = np.concatenate(vals) if vals else np.zeros(0, dtype)
        lengths = np.asarray([len(v) for v in vals], np.int64)
        if isinstance(spec, VarLenFeature):
            idx = np.asarray([[b, i] for b, n in enumerate(lengths) for i in range(n)], np.int64).reshape(-1, 2)
            out[key] = SparseTensor(idx, _tensor(flat),
                                    [len(vals), int(lengths.max()) if len(lengths) else 0])
        else:
            splits = np.concatenate([[0], np.cumsum(lengths)]).astype(np.dtype(spec.row_splits_dtype))
            out[key] = _ragged(_tensor(flat), convert_to_tensor(splits), where)
    return out


def parse_single_example(serialized, features, example_names=None, name=None):
    """One serialized Example (a string scalar) to a dict of tensors: FixedLen ``shape``,
    VarLen a 1-D ``wb.SparseTensor``, Ragged a 1-D tensor."""
    where = "parse_single_example"
    _check_features(features, where)
    values = _feature_values(_proto(serialized, pb.Example, where).features, features, where)
    out = {}
    for key, spec in features.items():
        v = values[key]
        if isinstance(spec, FixedLenFeature):
            out[key] = _tensor(_fixed(v, spec, key, where))
            continue
        _, dtype = _kind(spec.dtype, where)
        v = np.zeros(0, dtype) if v is None else v
        if isinstance(spec, VarLenFeature):
            out[key] = SparseTensor(np.arange(len(v), dtype=np.int64).reshape(-1, 1), _tensor(v), [len(v)])
        else:
            out[key] = _tensor(v)
    return out


def parse_single_sequence_example(serialized, context_features=None, sequence_features=None,
                                  example_name=None, name=None):
    """One serialized SequenceExample to ``(context, sequences)``: context features as
    :func:`parse_single_example`; ``FixedLenSequenceFeature`` lists as ``[frames] + shape``
    tensors, ``VarLenFeature`` lists as 2-D ``wb.SparseTensor``."""
    where = "parse_single_sequence_example"
    msg = _proto(serialized, pb.SequenceExample, where)
    context = {}
    if context_features:
        context = parse_single_example(pb.Example(features=msg.context), context_features)
    sequences = {}
    for key, spec in (sequence_features or {}).items():
        kind, dtype = _kind(spec.dtype, where)
        present = key in msg.feature_lists.feature_list
        frames = ([_values(f, kind, dtype, key, where) for f in msg.feature_lists.feature_list[key].feature]
                  if present else [])
        if isinstance(spec, FixedLenSequenceFeature):
            if not present and not spec.allow_missing:
                raise InvalidArgumentError(f"{where}: feature list {key!r} is required but could not be found")
            shape = tuple(int(d) for d in spec.shape)
            n = int(np.prod(shape, dtype=np.int64))
            for t, f in enumerate(frames):
                if f.size != n:
                    raise InvalidArgumentError(f"{where}: feature list {key!r} frame {t} has {f.size} "
                                               f"values, the shape {shape} needs {n}")
            arr = np.stack([f.reshape(shape) for f in frames]) if frames else np.zeros((0,) + shape, dtype)
            sequences[key] = _tensor(arr)
        elif isinstance(spec, VarLenFeature):
            lengths = [len(f) for f in frames]
            idx = np.asarray([[t, i] for t, n in enumerate(lengths) for i in range(n)], np.int64).reshape(-1, 2)
            flat = np.concatenate(frames) if frames else np.zeros(0, dtype)
            sequences[key] = SparseTensor(idx, _tensor(flat), [len(frames), max(lengths, default=0)])
        else:
            raise TypeError(f"{where}: sequence_features[{key!r}] must be a FixedLenSequenceFeature or "
                            f"VarLenFeature, got {type(spec).__name__}")
    return context, sequences
