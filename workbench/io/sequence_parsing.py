"""``tf.io.parse_sequence_example``: a batch of serialized SequenceExamples, each parsed as
``parse_single_sequence_example`` does, then batched as TF: sequences padded with zeros to the
longest, variable-length lists as 3-D SparseTensors, and the frame counts of each
``FixedLenSequenceFeature``."""

from __future__ import annotations

import numpy as np

from ..core import convert_to_tensor
from ..sparse import SparseTensor
from . import example as pb
from .parsing import FixedLenSequenceFeature, _proto, parse_example, parse_single_sequence_example

__all__ = ["parse_sequence_example"]


def parse_sequence_example(serialized, context_features=None, sequence_features=None, example_names=None,
                           name=None):
    """``(context, feature_lists, feature_list_lengths)`` of serialized SequenceExamples (a 1-D
    string tensor or list; a scalar is one, unbatched): context features as ``parse_example``;
    a ``FixedLenSequenceFeature`` list as ``[batch, longest] + shape`` (zero-padded), a
    ``VarLenFeature`` list as a SparseTensor ``[batch, longest, longest list]``; lengths: the
    frames of each ``FixedLenSequenceFeature`` (int64 ``[batch]``)."""
    where = "parse_sequence_example"
    sequence_features = sequence_features or {}
    for key, spec in sequence_features.items():
        if isinstance(spec, FixedLenSequenceFeature) and spec.default_value is not None:
            raise ValueError(f"{where}: sequence_features[{key!r}].default_value must be None (the "
                             f"sequences are padded with zeros), got {spec.default_value!r}")
    data = serialized.numpy() if hasattr(serialized, "numpy") else serialized
    if isinstance(data, (bytes, bytearray)) or np.ndim(data) == 0:
        context, lists = parse_single_sequence_example(serialized, context_features, sequence_features)
        lengths = {k: convert_to_tensor(np.int64(lists[k].shape[0])) for k, s in sequence_features.items()
                   if isinstance(s, FixedLenSequenceFeature)}
        return context, lists, lengths
    items = list(np.asarray(data, dtype=object).reshape(-1))
    parsed = [parse_single_sequence_example(s, None, sequence_features) for s in items]
    context = {}
    if context_features:
        contexts = [pb.Example(features=_proto(s, pb.SequenceExample, where).context).SerializeToString()
                    for s in items]
        context = parse_example(contexts, context_features)
    lists, lengths = {}, {}
    for key, spec in sequence_features.items():
        per = [p[1][key] for p in parsed]
        if isinstance(spec, FixedLenSequenceFeature):
            arrays = [np.asarray(t.numpy()) for t in per]
            longest = max((a.shape[0] for a in arrays), default=0)
            shape = tuple(int(d) for d in spec.shape)
            out = np.zeros((len(arrays), longest) + shape, dtype=arrays[0].dtype if arrays else np.float32)
            for b, a in enumerate(arrays):
                out[b, :a.shape[0]] = a
            lists[key] = convert_to_tensor(out)
            lengths[key] = convert_to_tensor(np.asarray([a.shape[0] for a in arrays], np.int64))
        else:
            idx, vals, dims = [], [], [0, 0]
            for b, sp in enumerate(per):
                i = np.asarray(sp.indices.numpy(), np.int64)
                idx.append(np.concatenate([np.full((i.shape[0], 1), b, np.int64), i], axis=1))
                vals.append(np.asarray(sp.values.numpy()))
                dims = np.maximum(dims, np.asarray(sp.dense_shape.numpy(), np.int64)).tolist()
            lists[key] = SparseTensor(np.concatenate(idx) if idx else np.zeros((0, 3), np.int64),
                                      np.concatenate(vals) if vals else np.zeros(0, np.float32),
                                      [len(per)] + dims)
    return context, lists, lengths
