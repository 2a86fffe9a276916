"""``wb.io.parse_single_example`` / ``parse_example`` / ``parse_single_sequence_example``:
serialized ``tf.train.Example`` protos to tensors, with TF's feature configurations.

    FixedLenFeature(shape, dtype, default_value)  a dense tensor of ``shape`` ([batch] + shape)
    VarLenFeature(dtype)                          a ``wb.SparseTensor`` (int64 indices, dense_shape)
    RaggedFeature(dtype, value_key, partitions)   a 1-D tensor, a RaggedTensor with partitions
                                                  ([batch, None, ...] RaggedTensor in a batch), once
                                                  ``wb.data`` has registered the ragged package
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
from .composites import ragged_from_row_splits as _ragged, ragged_from_uniform_row_length

__all__ = ["FixedLenFeature", "FixedLenSequenceFeature", "RaggedFeature", "VarLenFeature", "decode_json_example",
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
    """A ragged feature: the values of ``value_key`` (default: the feature's own key), split
    by ``partitions`` (outermost first; each a ``RaggedFeature.RowSplits``, ``RowLengths``,
    ``RowStarts``, ``RowLimits`` or ``ValueRowIds`` naming an int64 feature, or
    ``UniformRowLength(length)``). One Example gives a 1-D tensor (no partitions) or a
    RaggedTensor of rank ``1 + len(partitions)``; a batch adds a ragged batch dimension."""
    dtype: object
    value_key: str | None = None
    partitions: tuple = ()
    row_splits_dtype: object = np.int32
    validate: bool = False


class _RowSplits(NamedTuple):
    key: str


class _RowLengths(NamedTuple):
    key: str


class _RowStarts(NamedTuple):
    key: str


class _RowLimits(NamedTuple):
    key: str


class _ValueRowIds(NamedTuple):
    key: str


class _UniformRowLength(NamedTuple):
    length: int


for _part in (_RowSplits, _RowLengths, _RowStarts, _RowLimits, _ValueRowIds, _UniformRowLength):
    _part.__name__ = _part.__qualname__ = _part.__name__[1:]
    setattr(RaggedFeature, _part.__name__, _part)
_PARTITIONS = (_RowSplits, _RowLengths, _RowStarts, _RowLimits, _ValueRowIds, _UniformRowLength)


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
        if isinstance(spec, RaggedFeature):
            for part in spec.partitions:
                if not isinstance(part, _PARTITIONS):
                    raise TypeError(f"{where}: features[{k!r}]: a RaggedFeature partition must be a "
                                    f"RaggedFeature.RowSplits, RowLengths, RowStarts, RowLimits, "
                                    f"ValueRowIds or UniformRowLength, got {part!r}")
                if isinstance(part, _UniformRowLength) and (
                        not isinstance(part.length, (int, np.integer)) or part.length < 1):
                    raise ValueError(f"{where}: features[{k!r}]: UniformRowLength's length must be a "
                                     f"positive int, got {part.length!r}")


def _partition_levels(features_msg, spec, nvals, key, where):
    """The partitions of one Example's ragged feature, outermost first: ``("splits", int64
    row splits)`` or ``("uniform", length)``, each checked against the size below it."""
    levels = []
    for part in reversed(spec.partitions):      # innermost first: each splits what is below it
        if isinstance(part, _UniformRowLength):
            n = int(part.length)
            if nvals % n:
                raise InvalidArgumentError(f"{where}: feature {key!r}: UniformRowLength({n}) does not "
                                           f"divide the {nvals} rows below it")
            levels.append(("uniform", n))
            nvals //= n
            continue
        name = part.key
        p = (_values(features_msg.feature[name], "int64_list", np.dtype(np.int64), name, where)
             if name in features_msg.feature else np.zeros(0, np.int64))
        kind = type(part).__name__
        if kind == "RowSplits":
            splits = p if len(p) else np.zeros(1, np.int64)
        elif kind == "RowLengths":
            splits = np.concatenate([[0], np.cumsum(p)]).astype(np.int64)
        elif kind == "RowStarts":
            splits = np.concatenate([p, [nvals]]).astype(np.int64)
        elif kind == "RowLimits":
            splits = np.concatenate([[0], p]).astype(np.int64)
        else:   # ValueRowIds: as many rows as the largest id says
            if len(p) != nvals or (len(p) and (p.min() < 0 or np.any(np.diff(p) < 0))):
                raise InvalidArgumentError(f"{where}: feature {key!r}: the value_rowids in {name!r} "
                                           f"must be {nvals} sorted non-negative ids, got {p.tolist()}")
            counts = np.bincount(p, minlength=int(p.max()) + 1 if len(p) else 0)
            splits = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        if splits[0] != 0 or splits[-1] != nvals or np.any(np.diff(splits) < 0):
            raise InvalidArgumentError(f"{where}: feature {key!r}: the {kind} partition {name!r} gives "
                                       f"row splits {splits.tolist()}, which must rise from 0 to the "
                                       f"{nvals} rows below it")
        levels.append(("splits", splits))
        nvals = len(splits) - 1
    return levels[::-1], nvals


def _build_ragged(values, levels, spec, where, outer_splits=None):
    """``values`` with the partition ``levels`` (outermost first) applied, under a batch of
    ``outer_splits`` when given; a uniform partition below every ragged one is a dense
    dimension of the values, as in TF."""
    split_type = np.dtype(getattr(spec.row_splits_dtype, "as_numpy_dtype", spec.row_splits_dtype))
    values = _tensor(values)
    inner = list(levels)
    dense = []
    while inner and inner[-1][0] == "uniform":
        dense.insert(0, inner.pop()[1])
    if dense:   # the innermost uniform partitions: dense dimensions of the values
        arr = values.numpy()
        values = _tensor(arr.reshape((-1,) + tuple(dense) + arr.shape[1:]))
    rt = values
    for kind, part in reversed(inner):
        if kind == "uniform":
            rt = ragged_from_uniform_row_length(rt, part, where)
        else:
            rt = _ragged(rt, convert_to_tensor(part.astype(split_type)), where)
    if outer_splits is not None:
        rt = _ragged(rt, convert_to_tensor(np.asarray(outer_splits).astype(split_type)), where)
    return rt


def _ragged_single(features_msg, spec, values, key, where):
    levels, _ = _partition_levels(features_msg, spec, len(values), key, where)
    return _build_ragged(values, levels, spec, where)


def _ragged_batch(messages, spec, per_row_values, key, where):
    """A batch's ragged feature: each Example's partitions, joined under a ragged batch
    dimension."""
    rows = [_partition_levels(m, spec, len(v), key, where) for m, v in zip(messages, per_row_values)]
    depth = len(spec.partitions)
    joined = []
    for level in range(depth):
        if isinstance(spec.partitions[level], _UniformRowLength):
            joined.append(("uniform", int(spec.partitions[level].length)))
            continue
        parts, offset = [np.zeros(1, np.int64)], 0
        for levels, _ in rows:
            splits = levels[level][1]
            parts.append(splits[1:] + offset)
            offset += int(splits[-1])
        joined.append(("splits", np.concatenate(parts)))
    flat = np.concatenate(per_row_values) if per_row_values else np.zeros(0, _kind(spec.dtype, where)[1])
    outer = np.concatenate([[0], np.cumsum([n for _, n in rows])]).astype(np.int64)
    return _build_ragged(flat, joined, spec, where, outer_splits=outer)


def _ordered(out, features):
    """The results in TF's order: the sparse features, then the dense, then the ragged, each by
    sorted key."""
    group = {VarLenFeature: 0, FixedLenFeature: 1, RaggedFeature: 2}
    return {k: out[k] for k in sorted(out, key=lambda k: (group[type(features[k])], k))}


def _tensor(arr):
    return wrap(arr) if arr.dtype == object else convert_to_tensor(arr)


def parse_example(serialized, features, example_names=None, name=None):
    """A batch of serialized Examples (a 1-D string tensor, a list of bytes) to a dict of
    batched tensors: FixedLen ``[batch] + shape``, VarLen ``wb.SparseTensor`` of
    ``[batch, longest]``, Ragged ``[batch, None, ...]`` RaggedTensor (one more dimension a
    partition). A string scalar is one Example: :func:`parse_single_example`'s tensors, as in
    TF. The dict lists the sparse features, then the dense, then the ragged, each by key."""
    where = "parse_example"
    _check_features(features, where)
    if hasattr(serialized, "numpy"):
        serialized = serialized.numpy()
    serialized = np.asarray(serialized, dtype=object)
    if serialized.ndim == 0:     # one Example: its tensors without a batch dimension, as in TF
        return parse_single_example(serialized.item(), features)
    if serialized.ndim != 1:
        raise ValueError(f"{where}: serialized must be a string scalar or vector, got shape "
                         f"{serialized.shape}")
    rows = [pb.Example() if s is None else _proto(s, pb.Example, where) for s in serialized]
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
            out[key] = _ragged_batch([r.features for r in rows], spec, vals, key, where)
    return _ordered(out, features)


def parse_single_example(serialized, features, example_names=None, name=None):
    """One serialized Example (a string scalar) to a dict of tensors: FixedLen ``shape``,
    VarLen a 1-D ``wb.SparseTensor``, Ragged a 1-D tensor (a RaggedTensor with partitions)."""
    where = "parse_single_example"
    _check_features(features, where)
    msg = _proto(serialized, pb.Example, where).features
    values = _feature_values(msg, features, where)
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
            out[key] = _ragged_single(msg, spec, v, key, where)
    return _ordered(out, features)


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


def decode_json_example(json_examples, name=None):
    """``tf.train.Example`` protos written in JSON (protobuf's JSON mapping, as
    ``google.protobuf.json_format.MessageToJson`` writes them), as serialized Examples: a
    string tensor of the same shape."""
    from google.protobuf import json_format  # noqa: PLC0415  (protobuf loads with the Example messages)
    where = "decode_json_example"
    if hasattr(json_examples, "numpy"):
        json_examples = json_examples.numpy()
    arr = np.asarray(json_examples, dtype=object)
    out = np.empty(arr.shape, dtype=object)
    for idx, text in np.ndenumerate(arr):
        if isinstance(text, (bytes, bytearray)):
            text = bytes(text).decode("utf-8")
        if not isinstance(text, str):
            raise TypeError(f"{where}: json_examples must hold strings, got {type(text).__name__}")
        try:
            msg = json_format.Parse(text, pb.UnpackedExample())   # TF writes the numbers unpacked
        except json_format.ParseError as exc:
            raise InvalidArgumentError(f"{where}: Error while parsing JSON: {exc}") from None
        out[idx] = msg.SerializeToString()
    return wrap(out)
