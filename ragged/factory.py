"""``ragged.constant`` and ``ragged.range``: building ragged tensors from Python data."""

from __future__ import annotations

import builtins

import numpy as np

import workbench as wb
from workbench import core
from workbench.errors import argcheck
from workbench.core import Tensor

from .ragged_tensor import RaggedTensor
from .row_partition import RowPartition, splits_dtype, static_size


def _is_seq(x):
    return isinstance(x, (list, tuple)) or (isinstance(x, (np.ndarray, Tensor)) and x.ndim > 0)


def _scalar_depth(x, depth=0):
    """The nesting depth of the scalars in ``x`` (None when it holds only empty lists)."""
    if not _is_seq(x):
        return depth
    if isinstance(x, (np.ndarray, Tensor)):
        return depth + x.ndim
    found = None
    for item in x:
        d = _scalar_depth(item, depth + 1)
        if d is None:
            continue
        if found is not None and d != found:
            raise ValueError("all scalar values must have the same nesting depth")   # TF's text
        found = d
    return found


def _max_depth(x):
    """The nesting depth of ``x``, empty lists included (``[[[]], []]`` is 3 deep)."""
    if not _is_seq(x):
        return 0
    if isinstance(x, (np.ndarray, Tensor)):
        return x.ndim
    return 1 + max((_max_depth(item) for item in x), default=0)


def constant(pylist, dtype=None, ragged_rank=None, inner_shape=None, name=None, row_splits_dtype=np.int64):
    """A RaggedTensor from a nested Python list (TF's ``tf.ragged.constant``).

    >>> ragged.constant([[1, 2], [3]]).to_list()
    [[1, 2], [3]]
    >>> ragged.constant([[[1, 2]], [[3, 4], [5, 6]]], inner_shape=(2,)).shape
    TensorShape([2, None, 2])

    ``ragged_rank`` defaults to the scalar nesting depth minus one minus
    ``len(inner_shape)``; the dimensions below it must be uniform.
    """
    if isinstance(pylist, RaggedTensor):
        raise TypeError("ragged.constant: pylist may not be a RaggedTensor")
    inner = tuple(argcheck.shape(inner_shape, "inner_shape", "ragged.constant")) if inner_shape is not None else None
    if ragged_rank is not None:
        ragged_rank = argcheck.integer(ragged_rank, "ragged_rank", "ragged.constant")
        if ragged_rank < 0:
            raise ValueError(f"ragged.constant: ragged_rank must be non-negative, got {ragged_rank}")
    if not _is_seq(pylist):   # a scalar: a dense scalar tensor, as TF
        if ragged_rank or inner:
            raise ValueError(f"ragged.constant: a scalar pylist ({pylist!r}) has no ragged_rank={ragged_rank} "
                             f"or inner_shape={inner}")
        return wb.constant(pylist, dtype=dtype)
    depth = _scalar_depth(pylist)
    max_depth = _max_depth(pylist)
    if depth is not None:
        if max_depth > depth:
            raise ValueError(f"ragged.constant: empty lists are nested deeper ({max_depth}) than the scalar "
                             f"values ({depth})")
        if ragged_rank is not None and ragged_rank >= depth:
            raise ValueError(f"ragged.constant: ragged_rank={ragged_rank} must be less than the nesting "
                             f"depth of the values ({depth})")
    if inner is not None and ragged_rank is not None:
        want = ragged_rank + len(inner) + 1
        if (depth is not None and want != depth) or (depth is None and want < max_depth):
            raise ValueError(f"ragged.constant: ragged_rank={ragged_rank} and inner_shape={inner} need values "
                             f"nested {want} deep, got {depth if depth is not None else max_depth}")
    # TF's rule: a dense tensor when there is no ragged dimension to make
    if ragged_rank == 0 or (ragged_rank is None and (
            max_depth < 2 or (inner is not None and max_depth - len(inner) < 2))):
        out = wb.constant(pylist, dtype=dtype)
        if inner is None:
            return out
        if int(np.prod(out.shape)) != int(np.prod(inner)):   # TF 2.21: tf.constant(pylist, shape=inner_shape)
            raise TypeError(f"Eager execution of tf.constant with unsupported shape. Tensor {pylist!r} has "
                            f"{int(np.prod(out.shape))} elements, but got `shape` {inner} with "
                            f"{int(np.prod(inner))} elements).")
        return wb.reshape(out, inner)
    if ragged_rank is None:
        inner_rank = len(inner) if inner is not None else 0
        ragged_rank = max(1, (max_depth if depth is None else depth - inner_rank) - 1)
    items = list(pylist) if not isinstance(pylist, Tensor) else list(pylist.numpy())
    lengths_per_level = []
    for level in builtins.range(ragged_rank):
        lengths = []
        nxt = []
        for it in items:
            if not _is_seq(it):
                raise ValueError(f"ragged.constant: expected a list at nesting level {level + 1}, got a scalar")
            seq = list(it) if not isinstance(it, Tensor) else list(it.numpy())
            lengths.append(len(seq))
            nxt.extend(seq)
        lengths_per_level.append(lengths)
        items = nxt
    if items:
        texts = {isinstance(v, (str, bytes)) for v in items if not isinstance(v, (np.ndarray, Tensor))}
        bools = {isinstance(v, (bool, np.bool_)) for v in items
                 if isinstance(v, (bool, int, float, np.generic)) and not isinstance(v, (str, bytes))}
        # TF's text and class; TF reads the dtype off the first value, so numbers after a bool
        # are refused while a bool after a number counts as one
        if len(texts) > 1 or (len(bools) > 1 and isinstance(items[0], (bool, np.bool_))):
            raise ValueError("Can't convert Python sequence with mixed types to Tensor.")
        if bools == {False} and dtype is not None and np.dtype(getattr(dtype, "as_numpy_dtype", dtype)) == np.bool_:
            raise TypeError(f"Cannot convert {items!r} to EagerTensor of dtype bool")   # TF 2.21's class and text
        for v in items:
            if v is None:   # TF's text and class
                raise ValueError("Attempt to convert a value (None) with an unsupported type "
                                 "(<class 'NoneType'>) to a Tensor.")
        try:
            arr = np.asarray([np.asarray(v) if isinstance(v, Tensor) else v for v in items])
        except ValueError:
            raise ValueError("ragged.constant: the dimensions below ragged_rank must be uniform "
                             "(rows of different lengths were found there); raise ragged_rank") from None
        if arr.dtype == object:
            raise ValueError("ragged.constant: the dimensions below ragged_rank must be uniform")
        if inner is not None and arr.shape[1:] != inner:
            raise ValueError(f"ragged.constant: inner_shape {inner} does not match the values' inner shape "
                             f"{arr.shape[1:]}")
        if arr.dtype.kind in "iuUS" or (arr.dtype.kind in "fb" and not isinstance(items[0], (np.ndarray, np.generic))):
            flat = wb.constant(arr.tolist() if arr.dtype.kind != "b" else arr, dtype=dtype)
        else:
            flat = wb.constant(arr, dtype=dtype)
    else:
        flat = wb.zeros((0,) + (inner or ()), dtype=dtype or np.float32)
    xp = flat.xp
    result = flat
    for lengths in reversed(lengths_per_level):
        part = RowPartition.from_row_lengths(xp.asarray(np.asarray(lengths, dtype=np.int64)), validate=False)
        result = RaggedTensor(result, part.set_static_nrows(len(lengths)), _internal=True)   # a constant: known
    return result.with_row_splits_dtype(row_splits_dtype)


def range(starts, limits=None, deltas=1, dtype=None, name=None, row_splits_dtype=np.int64):  # noqa: A001
    """Row ``i`` is ``range(starts[i], limits[i], deltas[i])`` (TF's ``tf.ragged.range``); vectorized."""
    splits_dtype(row_splits_dtype, "ragged.range: row_splits_dtype", wb.errors.InvalidArgumentError)   # TF's class
    if limits is None:
        starts, limits = 0, starts
    s = wb.convert_to_tensor(starts)
    lim = wb.convert_to_tensor(limits)
    d = wb.convert_to_tensor(deltas)
    for what, t in (("starts", s), ("limits", lim), ("deltas", d)):
        if t.ndim > 1:   # TF 2.21: its RaggedRange kernel's error
            raise wb.errors.InvalidArgumentError(None, None, f"ragged.range: {what} must be a scalar or vector, "
                                                 f"got shape {t.shape}")
    sizes = {t._data.shape[0] for t in (s, lim, d) if t.ndim}
    if len(sizes) > 1:
        raise wb.errors.InvalidArgumentError(None, None, "ragged.range: starts, limits, and deltas must have the "
                                             f"same shape, got {[tuple(t.shape) for t in (s, lim, d)]}")
    if dtype is not None and np.dtype(getattr(dtype, "as_numpy_dtype", dtype)).kind not in "iuf":
        raise TypeError(f"ragged.range: Cannot convert 0 to a tensor of dtype {dtype!r} (dtype must be numeric)")
    kinds = {t.dtype.kind for t in (s, lim, d)}
    if dtype is None:
        dtype = np.float32 if "f" in kinds else np.int32 if all(
            t.dtype == np.int32 for t in (s, lim, d)) else np.int64
    xp = s.xp
    sa, la, da = (xp.asarray(t._data, dtype=np.float64 if "f" in kinds else np.int64) for t in (s, lim, d))
    sa, la, da = xp.broadcast_arrays(sa, la, da)
    if sa.ndim != 1:
        sa, la, da = (a.reshape(-1) for a in (sa, la, da))
    if bool(xp.any(da == 0)):
        raise wb.errors.InvalidArgumentError(None, None, "ragged.range: Requires delta != 0")   # TF 2.21's class
    counts = xp.maximum(xp.ceil((la - sa) / da), 0).astype(np.int64)
    part = RowPartition.from_row_lengths(counts, validate=False)
    rowids = part._value_rowids_arr()
    pos = part.positions()
    values = (sa[rowids] + pos * da[rowids]).astype(dtype)
    if core.tracing():   # TF's static shape: the rows the arguments' static shapes give, values unknown
        known = {static_size(t) for t in (s, lim, d) if t.ndim} or {1}
        part.set_static_nrows(next((n for n in known if n is not None), None))
        values = core.static_result(core.wrap(values), (None,))
    else:
        values = core.wrap(values)
    return RaggedTensor(values, part, _internal=True).with_row_splits_dtype(row_splits_dtype)
