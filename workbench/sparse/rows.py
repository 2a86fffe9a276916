"""Rows of SparseTensors as ``wb.data`` moves them: picking rows out of a SparseTensor (a slice of
``from_tensor_slices``, a row of ``unbatch``) and stacking SparseTensors into a batch.

These work on the raw index and value arrays, so a dataset pipeline never records them on a tape.
The results are in TF's canonical (row-major) order when the inputs are.
"""

from __future__ import annotations

import numpy as np

from .. import backend, core
from .sparse_tensor import SparseTensor, from_parts

__all__ = ["gather_rows", "row", "stack"]


def _canonical(sp) -> SparseTensor:
    """``sp`` with its entries in row-major order (sorted once, only when they are not)."""
    idx = sp.indices._data
    if idx.shape[0] < 2:
        return sp
    xp = backend.xp_of(idx)
    strides = np.ones(idx.shape[1], np.int64)
    for j in range(idx.shape[1] - 2, -1, -1):
        strides[j] = strides[j + 1] * max(int(sp.shape[j + 1]), 1)
    keys = idx @ xp.asarray(strides)
    if bool((keys[1:] >= keys[:-1]).all()):
        return sp
    order = xp.argsort(keys, kind="stable")
    return from_parts(core.wrap(idx[order]), core.wrap(sp.values._data[order]), sp.shape, True)


def gather_rows(sp, idx, keep_dim=True) -> SparseTensor:
    """The rows ``idx`` (an int64 array, on any device) of ``sp`` along its first dimension, in
    that order: a SparseTensor of dense shape ``[len(idx)] + shape[1:]``, or, with
    ``keep_dim=False`` and one index, the row itself (dense shape ``shape[1:]``)."""
    if len(sp.shape) == 0:
        raise ValueError("a scalar SparseTensor has no rows")
    sp = _canonical(sp)
    indices, values = sp.indices._data, sp.values._data
    xp = backend.xp_of(indices)
    # the positions are worked out on the host (CuPy's repeat takes no array of counts)
    want = np.asarray(backend.to_numpy(idx), np.int64).reshape(-1)
    first = backend.to_numpy(indices[:, 0])
    starts = np.searchsorted(first, want, side="left")
    lengths = np.searchsorted(first, want, side="right") - starts
    out_row = np.repeat(np.arange(want.shape[0], dtype=np.int64), lengths)
    # entry k of the result is entry starts[r] + (k - offsets[r]) of sp, r its row
    offsets = np.cumsum(lengths) - lengths
    pos = np.arange(int(lengths.sum()), dtype=np.int64) + np.repeat(starts - offsets, lengths)
    dev_pos = pos if xp is np else xp.asarray(pos)
    rest = indices[dev_pos, 1:]
    vals = core.wrap(values[pos] if values.dtype == object else values[dev_pos])
    if keep_dim:
        new_idx = xp.concatenate([xp.asarray(out_row)[:, None], rest], axis=1)
        shape = (int(want.shape[0]),) + tuple(sp.shape[1:])
    else:
        new_idx = rest
        shape = tuple(sp.shape[1:])
    return from_parts(core.wrap(xp.ascontiguousarray(new_idx)), vals, shape, True)


def row(sp, j) -> SparseTensor:
    """Row ``j`` of ``sp``: a SparseTensor of dense shape ``shape[1:]``."""
    return gather_rows(sp, np.asarray([j], np.int64), keep_dim=False)


def stack(items, where="") -> SparseTensor:
    """SparseTensors of one rank and dtype stacked along a new first dimension; the dense shape
    of the batch is the largest size of each dimension among them (TF's rule for batching
    sparse elements)."""
    ranks = {len(s.shape) for s in items}
    if len(ranks) > 1:
        raise ValueError(f"batch: SparseTensor elements{where} have different ranks {sorted(ranks)}")
    dtypes = {np.dtype(s.dtype).str for s in items}
    if len(dtypes) > 1:
        raise ValueError(f"batch: SparseTensor elements{where} have different dtypes "
                         f"{sorted(str(s.dtype) for s in items)}")
    items = [_canonical(s) for s in items]
    rank = ranks.pop()
    shape = (len(items),) + tuple(max(int(s.shape[d]) for s in items) for d in range(rank))
    xp = backend.xp_of(items[0].indices._data)
    parts = []
    for j, s in enumerate(items):
        idx = s.indices._data
        parts.append(xp.concatenate([xp.full((idx.shape[0], 1), j, dtype=np.int64), idx], axis=1))
    new_idx = xp.concatenate(parts) if parts else xp.zeros((0, rank + 1), np.int64)
    vals = [s.values._data for s in items]
    values = np.concatenate(vals) if vals[0].dtype == object else xp.concatenate(vals)
    return from_parts(core.wrap(new_idx), core.wrap(values), shape, True)


def to_device(sp, device) -> SparseTensor:
    """``sp`` with its indices and values on ``device`` (string values stay on the host)."""
    values = sp.values._data
    if values.dtype == object:
        return sp
    moved = backend.move(values, device)
    if moved is values:
        return sp
    return from_parts(core.wrap(backend.move(sp.indices._data, device)), core.wrap(moved), sp.shape, True)
