"""Indexing and slicing ragged tensors as TF allows, vectorized over rows."""

from __future__ import annotations

import numpy as np

import workbench as wb
from workbench import backend, core
from workbench.core import Tensor

from .ragged_tensor import RaggedTensor
from .row_partition import RowPartition


def _int(k):
    if isinstance(k, Tensor):
        if k.ndim != 0 or k.dtype.kind not in "iu":
            raise TypeError(f"ragged index tensors must be integer scalars, got shape {k.shape} dtype {k.dtype}")
        return int(k)
    if isinstance(k, (int, np.integer)) and not isinstance(k, bool):
        return int(k)
    return None


def gather_rows(rt, rows):
    """The rows ``rows`` (int64 array on rt's device) of ``rt``, vectorized: no per-row loop."""
    part = rt._partition
    xp = part.xp
    lengths = part._row_lengths_arr()[rows]
    new = RowPartition.from_row_lengths(lengths, validate=False)
    total = new._nvals_int()
    starts = part._row_starts_arr()[rows]
    idx = backend.repeat(starts - new._row_starts_arr(), lengths) + xp.arange(total, dtype=np.int64)
    return RaggedTensor(_take(rt._values, idx), new, _internal=True)


def _take(values, idx):
    if isinstance(values, RaggedTensor):
        return gather_rows(values, idx)
    return wb.getitem(values, idx)


def _slice_rows(rt, s):
    n = rt.nrows_int()
    if s.step is not None and _int(s.step) == 0:   # TF 2.21: StridedSlice's error class
        raise wb.errors.InvalidArgumentError(None, None, "slice step must be a nonzero integer, got 0")
    start, stop, step = s.indices(n)
    width = rt._partition._uniform_int()   # rows of one length keep it (TF's shape)
    if step != 1:
        xp = rt._partition.xp
        out = gather_rows(rt, xp.arange(start, stop, step, dtype=np.int64))
        if width is not None:
            out = RaggedTensor(out._values, RowPartition(out._partition._row_splits_arr(), width), _internal=True)
        return out
    stop = max(stop, start)
    splits = rt._partition._row_splits_arr()
    lo, hi = int(splits[start]), int(splits[stop])
    new = RowPartition(splits[start:stop + 1] - lo, width)
    values = rt._values
    sub = _slice_rows(values, slice(lo, hi)) if isinstance(values, RaggedTensor) else wb.getitem(values, slice(lo, hi))
    return RaggedTensor(sub, new, _internal=True)


def _row(rt, i):
    n = rt.nrows_int()
    if i >= n:   # TF's check in Python: an IndexError, with its text
        raise IndexError(f"Row key {i} out of bounds")
    if i < -n:   # TF's row starts sliced at i: its StridedSlice kernel's error (i + n reported)
        raise wb.errors.InvalidArgumentError(wb.errors.eager_op_message(
            "StridedSlice", f"slice index {i + n} of dimension 0 out of bounds.", rt.device, "strided_slice/"))
    i %= n
    splits = rt._partition._row_splits_arr()
    lo, hi = int(splits[i]), int(splits[i + 1])
    values = rt._values
    if isinstance(values, RaggedTensor):
        return _slice_rows(values, slice(lo, hi))
    return wb.getitem(values, slice(lo, hi))


def _expand_ellipsis(key, ndim):
    if sum(k is Ellipsis for k in key) > 1:
        raise IndexError("an index can have only one Ellipsis")
    if Ellipsis not in key:
        return key
    i = key.index(Ellipsis)
    fill = ndim - (len(key) - 1)
    return key[:i] + (slice(None),) * max(fill, 0) + key[i + 1:]


def _expand_leading_ellipses(key, rt):
    """A key with several Ellipses as TF 2.21 reads it: an Ellipsis met first at a ragged
    level stands for the dimensions no later entry names (a later Ellipsis counting as one);
    more than one Ellipsis reaching the uniform inner dimensions is TF's StridedSlice error."""
    key, i, level = list(key), 0, 0
    while i < len(key) and level < rt.ragged_rank:
        if key[i] is Ellipsis:
            fill = (rt.ndim - level) - (len(key) - i - 1)
            key[i:i + 1] = [slice(None)] * max(fill, 0)
            continue
        level += 1
        i += 1
    if sum(k is Ellipsis for k in key[i:]) > 1:
        raise wb.errors.InvalidArgumentError(None, None, "Multiple ellipses in slice spec not allowed")
    return tuple(key)


def _with_new_axes(rt, key):
    """``rt[key]`` where ``key`` holds ``None`` (``wb.newaxis``): the key without them, then a
    dimension of size 1 inserted at each of their places in the result (as TF)."""
    plain = tuple(k for k in key if k is not None)
    if sum(k is Ellipsis for k in plain) > 1:
        raise IndexError("an index can have only one Ellipsis")
    if Ellipsis in plain:   # the Ellipsis stands for the dimensions no other entry names
        i = key.index(Ellipsis)
        fill = (slice(None),) * max(rt.ndim - (len(plain) - 1), 0)
        key, plain = key[:i] + fill + key[i + 1:], _expand_ellipsis(plain, rt.ndim)
    axes, position = [], 0
    for k in key:
        if k is None:
            axes.append(position)
            position += 1
        elif _int(k) is None:   # a slice keeps its dimension; an integer removes it
            position += 1
    out = _getitem(rt, plain)
    for a in axes:
        out = wb.expand_dims(out, a)
    return out


def getitem(rt, key):
    """``rt[key]``: ints and slices (any step, negative ones included) on the rows and on
    ragged and uniform dimensions. A ragged result keeps ``rt``'s ``row_splits_dtype``."""
    out = _getitem(rt, key)
    return out.with_row_splits_dtype(rt.row_splits_dtype) if isinstance(out, RaggedTensor) else out


def _plain(k):
    """A key entry with integer scalar tensors made Python ints (in slice bounds too), so that
    the key's entries compare as Python objects (``Ellipsis in key``)."""
    if isinstance(k, Tensor):
        return _int(k)
    if isinstance(k, slice) and any(isinstance(v, Tensor) for v in (k.start, k.stop, k.step)):
        return slice(*(_int(v) if isinstance(v, Tensor) else v for v in (k.start, k.stop, k.step)))
    return k


def _getitem(rt, key):
    if isinstance(key, list):   # TF reads a list key as a tuple of indices
        key = tuple(key)
    if not isinstance(key, tuple):
        key = (key,)
    if any(isinstance(k, (bool, np.bool_)) or (isinstance(k, Tensor) and k.dtype.kind == "b") for k in key):
        raise ValueError("mask cannot be scalar.")   # TF 2.21: a bool index is a (scalar) boolean mask
    key = tuple(_plain(k) for k in key)
    if any(k is None for k in key):
        return _with_new_axes(rt, key)
    if sum(k is Ellipsis for k in key) > 1:
        key = _expand_leading_ellipses(key, rt)
    key = _expand_ellipsis(key, rt.ndim)
    if len(key) > rt.ndim:   # TF 2.21: its StridedSlice kernel's error class
        raise wb.errors.InvalidArgumentError(
            None, None, f"Index out of range: too many indices ({len(key)}) for a RaggedTensor of rank {rt.ndim}")
    if not key:
        return rt
    first, rest = key[0], key[1:]
    i = _int(first)
    if i is not None:
        row = _row(rt, i)
        if not rest:
            return row
        return _getitem(row, rest) if isinstance(row, RaggedTensor) else wb.getitem(row, rest)
    if isinstance(first, slice):
        sub = _slice_rows(rt, first)
        return _inner(sub, rest) if rest else sub
    raise TypeError(f"RaggedTensor indices must be ints or slices, got {type(first).__name__}")


def _inner(rt, rest):
    """Apply ``rest`` to dimensions 1.. of ``rt`` (every row)."""
    k, more = rest[0], rest[1:]
    values = rt._values
    part = rt._partition
    xp = part.xp
    if isinstance(k, slice) and k == slice(None):
        if not more:
            return rt
        if isinstance(values, RaggedTensor):
            return rt.with_values(_inner(values, more))
        return rt.with_values(wb.getitem(values, (slice(None),) + tuple(more)))
    j = _int(k)
    if j is not None:
        width = part._uniform_int()
        if width is None:   # TF picks one entry per row only from uniform dimensions
            raise ValueError("Cannot index into an inner ragged dimension.")
        if not -width <= j < width and part._nrows_int():
            raise wb.errors.InvalidArgumentError(
                None, None, f"Index out of bounds when indexing into a ragged tensor: index {j} in a "
                f"dimension of size {width}")
        idx = (part._row_starts_arr() + j) if j >= 0 else (part._row_limits_arr() + j)
        picked = _take(values, idx)
        if isinstance(picked, RaggedTensor) and values._partition._uniform_int() is not None:
            # one row of a uniform dimension each: the rows keep their length (TF's shape)
            picked = RaggedTensor(picked._values, RowPartition(picked._partition._row_splits_arr(),
                                                               values._partition._uniform_int()),
                                  _internal=True)
        if not more:
            return picked
        if isinstance(picked, RaggedTensor):
            return _inner(picked, more)
        return wb.getitem(picked, (slice(None),) + tuple(more))
    if isinstance(k, slice):
        step = 1 if k.step is None else _int(k.step)
        if step is None or step == 0:   # TF 2.21: StridedSlice's "strides[i] must be non-zero"
            raise wb.errors.InvalidArgumentError(None, None, f"slice step must be a nonzero integer, got {k.step!r}")
        starts, lengths = part._row_starts_arr(), part._row_lengths_arr()
        if step > 0:
            lo = _bound(k.start, 0, lengths, xp)
            hi = _bound(k.stop, None, lengths, xp)
        else:
            # Python's rules per row: start defaults to the last entry, stop to before the first
            lo = _bound_down(k.start, lengths - 1, lengths, xp)
            hi = _bound_down(k.stop, xp.full(lengths.shape, -1, np.int64), lengths, xp)
        span = abs(step)
        count = xp.maximum(((hi - lo) * (1 if step > 0 else -1) + span - 1) // span, 0)
        new = RowPartition.from_row_lengths(count.astype(np.int64), validate=False)
        width = part._uniform_int()
        if width is not None:   # a slice of a uniform dimension stays uniform (as TF's shape)
            new = RowPartition(new._row_splits_arr(), uniform_row_length=len(range(*k.indices(width))))
        idx = backend.repeat(starts + lo, count) + new.positions() * step
        sub = RaggedTensor(_take(values, idx), new, _internal=True)
        return _inner(sub, (slice(None),) + tuple(more)) if more else sub
    raise TypeError(f"RaggedTensor indices must be ints or slices, got {type(k).__name__}")


def _bound_down(v, default, lengths, xp):
    """Per-row bound of a slice with a negative step, clipped to ``[-1, length - 1]``."""
    if v is None:
        return default
    v = int(v)
    b = xp.full(lengths.shape, v, dtype=np.int64) if v >= 0 else lengths + v
    return xp.clip(b, -1, lengths - 1)


def _bound(v, default, lengths, xp):
    """Per-row slice bound, clipped to ``[0, length]`` (negative counts from each row's end)."""
    if v is None:
        return xp.zeros_like(lengths) if default == 0 else lengths
    v = int(v)
    b = xp.full(lengths.shape, v, dtype=np.int64) if v >= 0 else lengths + v
    return xp.clip(b, 0, lengths)


del core
