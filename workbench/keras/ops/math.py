"""Keras 3's math ops (``keras.ops.math``, also ``keras.ops.*``): ``logsumexp``, ``top_k``,
``erf``/``erfinv``, ``rsqrt`` and the segment reductions.

>>> from workbench.keras import ops
>>> values, indices = ops.top_k([1.0, 3.0, 2.0], k=2)
>>> indices.numpy().tolist()
[1, 2]
"""

from __future__ import annotations

from ...errors import argcheck
from ...ops import elementwise as ew, indexing, reduce, segment, special
from .numpy import _axes, _floating, _t

__all__ = ["erf", "erfinv", "in_top_k", "logsumexp", "rsqrt", "segment_max", "segment_sum", "top_k"]


def logsumexp(x, axis=None, keepdims=False):
    x = _floating(_t(x))
    return reduce.reduce_logsumexp(x, axis=_axes(axis, x, "logsumexp"), keepdims=bool(keepdims))


def top_k(x, k, sorted=True):  # noqa: A002 (Keras' argument name)
    """``(values, indices)`` of the ``k`` largest entries along the last axis."""
    return indexing.top_k(_t(x), k=argcheck.integer(k, "k", "top_k", minimum=0), sorted=bool(sorted))


def in_top_k(targets, predictions, k):
    """Whether each ``targets[i]`` is among the ``k`` largest of ``predictions[i]``."""
    predictions, targets = _t(predictions), _t(targets)
    _, idx = indexing.top_k(predictions, k=argcheck.integer(k, "k", "in_top_k", minimum=0))
    return reduce.reduce_any(ew.equal(idx, ew.cast(targets, idx.dtype)[:, None]), axis=-1)


def erf(x):
    return ew.erf(_floating(_t(x)))


def erfinv(x):
    return special.erfinv(_floating(_t(x)))


def rsqrt(x):
    return ew.rsqrt(_floating(_t(x)))


def _segment(sorted_fn, unsorted_fn, name):
    def op(data, segment_ids, num_segments=None, sorted=False):  # noqa: A002 (Keras' argument name)
        data, segment_ids = _t(data), _t(segment_ids)
        if num_segments is None:
            if not sorted:
                num_segments = int(segment_ids.numpy().max()) + 1 if segment_ids.shape[0] else 0
            else:
                return sorted_fn(data, segment_ids)
        return unsorted_fn(data, segment_ids, argcheck.integer(num_segments, "num_segments", name, minimum=0))
    op.__name__ = name
    return op


segment_sum = _segment(segment.segment_sum, segment.unsorted_segment_sum, "segment_sum")
segment_max = _segment(segment.segment_max, segment.unsorted_segment_max, "segment_max")
