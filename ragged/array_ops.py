"""Ragged concat, stack, gather, boolean_mask, where, softmax, and segment-id conversions.

Every op moves values with index arrays computed from the row partitions
(vectorized: no per-row Python), and moves them through differentiable gathers,
so gradients reach ``flat_values``. ``wb.concat``, ``wb.stack``, ``wb.gather``,
``wb.boolean_mask``, ``wb.where``, ``wb.nn.softmax`` and ``wb.nn.log_softmax``
dispatch here when given ragged tensors.
"""

from __future__ import annotations

import functools

import numpy as np

import workbench as wb
from workbench import backend, core
from workbench.errors import argcheck
from workbench.core import Tensor, convert_to_tensor

from .indexing import _take, gather_rows
from .ops import _check_partitions, _raise_ragged_rank, elementwise
from .ragged_tensor import RaggedTensor, _shape_str
from .reduce import _row_extreme, _splits_only, row_repeat, row_sum
from .row_partition import RowPartition, index_dtype

def _keeps_splits_dtype(fn):
    """``fn``'s ragged result reports the ``row_splits_dtype`` of its ragged inputs, which must
    agree (TF refuses to combine int32 and int64 row partitions)."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        leaves = [a for arg in args for a in (arg if isinstance(arg, (list, tuple)) else [arg])]
        dtypes = {a.row_splits_dtype for a in leaves if isinstance(a, RaggedTensor)}
        if len(dtypes) > 1:
            raise ValueError(f"{fn.__name__}: the ragged inputs have row_splits dtypes "
                             f"{sorted(str(d) for d in dtypes)}; convert them to one with "
                             "RaggedTensor.with_row_splits_dtype")
        out = fn(*args, **kwargs)
        if dtypes and isinstance(out, RaggedTensor):
            out = out.with_row_splits_dtype(dtypes.pop())
        return out
    return wrapper


# ---------------------------------------------------------------------------
# segment ids <-> row splits


def segment_ids_to_row_splits(segment_ids, num_segments=None, out_type=None, name=None):
    """Row splits of sorted segment ids: ``[0, 0, 1, 3] -> [0, 2, 3, 3, 4]`` (``out_type``:
    by default int32 for int32 tensor ids, else int64, as TF)."""
    if out_type is None:
        out_type = index_dtype(segment_ids)
    ids = convert_to_tensor(segment_ids)
    xp = ids.xp
    arr = ids._data.astype(np.int64)
    n = int(num_segments) if num_segments is not None else (int(arr.max()) + 1 if arr.size else 0)
    counts = xp.bincount(arr, minlength=n)[:n] if arr.size else xp.zeros(n, np.int64)
    splits = xp.zeros(n + 1, np.int64)
    xp.cumsum(counts, out=splits[1:])
    known = num_segments if isinstance(num_segments, (int, np.integer)) else None
    return core.static_result(core.wrap(splits.astype(out_type)), (None if known is None else int(known) + 1,))


def row_splits_to_segment_ids(splits, name=None, out_type=None):
    """The row id of each value: ``[0, 2, 3, 3, 4] -> [0, 0, 1, 3]``."""
    if out_type is None:   # TF: the splits' dtype (a Python list's is int64)
        out_type = index_dtype(splits)
    s = convert_to_tensor(splits)
    part = RowPartition.from_row_splits(s._data)
    return core.static_result(core.wrap(part._value_rowids_arr().astype(out_type)), (None,))


# ---------------------------------------------------------------------------
# concat and stack


def _as_ragged(x, ragged_rank):
    if isinstance(x, RaggedTensor):   # a lower ragged rank raised with ragged rows of uniform length
        return _raise_ragged_rank(x, ragged_rank)
    t = convert_to_tensor(x)
    return RaggedTensor.from_tensor(t, ragged_rank=ragged_rank)


def _convert_operand(value, ref):
    return convert_to_tensor(value, dtype_hint=None if ref is None else ref.dtype)


def _check_dtypes(values):
    """TF 2.21's ConcatV2 error for inputs of different dtypes (an InvalidArgumentError)."""
    for i, v in enumerate(values[1:], 1):
        if v.dtype != values[0].dtype:
            raise wb.errors.InvalidArgumentError(
                None, None, f"cannot compute ConcatV2 as input #{i}(zero-based) was expected to be a "
                f"{values[0].dtype} tensor but is a {v.dtype} tensor")


@_keeps_splits_dtype
def concat(values, axis, name=None):
    """Join ragged (and dense) tensors along ``axis``: 0 appends rows, 1 joins each row's
    values end to end (the inputs need the same number of rows), deeper axes recurse."""
    if len(values) == 1 and isinstance(values[0], RaggedTensor):   # TF 2.21: returned as it is
        return values[0]
    ref = next((v for v in values if isinstance(v, RaggedTensor)), None)
    # Python lists and arrays convert to dense tensors (as TF: a ragged list is refused)
    values = [v if isinstance(v, (RaggedTensor, Tensor)) else _convert_operand(v, ref) for v in values]
    _check_dtypes(values)
    rank = max(v.ndim for v in values)
    if any(v.ndim != rank for v in values):
        raise ValueError(f"concat: all inputs must have the same rank, got {[v.ndim for v in values]}")
    axis = argcheck.axis(axis, rank, "ragged.concat")
    k = max((v.ragged_rank for v in values if isinstance(v, RaggedTensor)), default=1)
    rts = [_as_ragged(v, k) for v in values]
    if len(rts) == 1:
        return rts[0]
    if axis == 0:
        return _concat_rows(rts)
    if axis == 1:
        return _concat_within_rows(rts)
    if all(rt.ragged_rank < axis for rt in rts) and all(r._partition.is_same(rts[0]._partition) for r in rts):
        ref = rts[0]
        for r in rts[1:]:
            _check_partitions(ref, r, "concat")
        flat = wb.concat([r.flat_values for r in rts], axis=axis - ref.ragged_rank)
        return _splits_only(ref.with_flat_values(flat))   # TF's shape: no uniform row lengths
    # the outer partition as splits alone: a uniform row length is not kept (TF's shape)
    return RaggedTensor(_concat_inner(rts, axis), RowPartition(rts[0]._partition._row_splits_arr()), _internal=True)


def _concat_inner(rts, axis):
    for r in rts[1:]:
        if not r._partition.is_same(rts[0]._partition):   # TF's RaggedTensor concat check and text
            raise wb.errors.InvalidArgumentError(
                None, None, f"Inputs must have identical ragged splits (concat along axis {axis} keeps the "
                "outer dimensions, which must be split alike)")
    return concat([r._values for r in rts], axis - 1)


def _concat_rows(rts):
    xp = rts[0]._partition.xp
    lengths = xp.concatenate([r._partition._row_lengths_arr() for r in rts])
    part = RowPartition.from_row_lengths(lengths, validate=False)
    vals = [r._values for r in rts]
    if isinstance(vals[0], RaggedTensor):
        inner = _concat_rows(vals)
    else:
        inner = wb.concat(vals, axis=0)
    return RaggedTensor(inner, part, _internal=True)


def _concat_within_rows(rts):
    n = rts[0].nrows_int()
    for r in rts[1:]:
        if r.nrows_int() != n:
            raise wb.errors.InvalidArgumentError(   # TF 2.21: its shape assertion's error
                None, None, f"Input tensors have incompatible shapes: concat along axis 1: inputs have {n} and "
                f"{r.nrows_int()} rows; they must match")
    xp = rts[0]._partition.xp
    lengths = [r._partition._row_lengths_arr() for r in rts]
    total = sum(lengths[1:], lengths[0])
    part = RowPartition.from_row_lengths(total, validate=False)
    # destination of each input's values: its row's new start, plus the lengths of the
    # earlier inputs in that row, plus the value's position in its row
    dest = []
    offset = xp.zeros(n, np.int64)
    for r, length in zip(rts, lengths):
        rowids = r._partition._value_rowids_arr()
        dest.append(part._row_starts_arr()[rowids] + offset[rowids] + r._partition.positions())
        offset = offset + length
    order = xp.argsort(xp.concatenate(dest), kind="stable")
    vals = [r._values for r in rts]
    if isinstance(vals[0], RaggedTensor):
        joined = _concat_rows(vals)
        inner = gather_rows(joined, order)
    else:
        inner = wb.getitem(wb.concat(vals, axis=0), order)
    return RaggedTensor(inner, part, _internal=True)


@_keeps_splits_dtype
def stack(values, axis=0, name=None):
    """Stack ragged (and dense) tensors along a new ``axis`` (0 or 1)."""
    ref = next((v for v in values if isinstance(v, RaggedTensor)), None)
    # Python lists and arrays convert to dense tensors (as TF: a ragged list is refused)
    values = [v if isinstance(v, (RaggedTensor, Tensor)) else _convert_operand(v, ref) for v in values]
    _check_dtypes(values)
    rank = max(v.ndim for v in values)
    axis = argcheck.axis(axis, rank + 1, "ragged.stack")
    if ref is None and (axis > 0 or rank == 0):   # TF: dense inputs stack densely except along a new axis 0
        return wb.stack(values, axis=axis)
    if ref is None and rank == 1 and axis == 0:
        # dense vectors: one row each, row lengths from their shapes (int32, as TF's tf.shape)
        lengths = wb.constant([v.shape[0] for v in values], dtype=wb.int32)
        return RaggedTensor.from_row_lengths(wb.concat(values, axis=0), lengths)
    if axis >= 2:   # a new inner dimension: each input expanded there, then joined along it
        return concat([expand_dims(v if isinstance(v, RaggedTensor) else _as_ragged(v, 1), axis) for v in values],
                      axis)
    k = max((v.ragged_rank for v in values if isinstance(v, RaggedTensor)), default=1)   # all dense: rank 1
    rts = [_as_ragged(v, k) for v in values]
    xp = rts[0]._partition.xp
    if axis == 0:
        joined = _concat_rows(rts)
        outer = RowPartition.from_row_lengths(xp.asarray([r.nrows_int() for r in rts], dtype=np.int64),
                                              validate=False).set_static_nrows(len(rts))
        return RaggedTensor(joined, outer, _internal=True)
    if axis == 1:
        n = rts[0].nrows_int()
        for r in rts[1:]:
            if r.nrows_int() != n:   # TF 2.21: its shape assertion's error class
                raise wb.errors.InvalidArgumentError(
                    None, None, "Input tensors have incompatible shapes: stack along axis 1 needs inputs with the "
                    "same number of rows")
        joined = _concat_rows(rts)
        m = len(rts)
        order = (xp.arange(m, dtype=np.int64)[None, :] * n + xp.arange(n, dtype=np.int64)[:, None]).reshape(-1)
        rows = gather_rows(joined, order)
        # TF's shape: the new dimension counts as ragged ([nrows, None, ...])
        part = RowPartition.from_row_lengths(xp.full(n, m, np.int64), validate=False)
        return RaggedTensor(rows, part.set_static_nrows(rts[0]._partition._static_nrows), _internal=True)


# ---------------------------------------------------------------------------
# gather and boolean_mask


@_keeps_splits_dtype
def gather(params, indices, validate_indices=None, axis=None, batch_dims=0, name=None):
    """Rows of a ragged ``params`` picked by dense or ragged ``indices`` (``axis=0``).

    Dense ``indices`` of shape ``[a, b]`` give ``[a, b, ...]`` (the extra dims uniform);
    ragged ``indices`` give a result with their row partition on top.
    """
    if isinstance(params, RaggedTensor):
        axis, batch_dims = _gather_axes(params, indices, axis, batch_dims)
        if axis >= 2 and batch_dims <= 1:
            # each row's own gather along a deeper axis: the rows' values gathered one axis up,
            # with batch_dims=1 each value takes the indices of its row
            if batch_dims:
                if not isinstance(indices, RaggedTensor):
                    indices = convert_to_tensor(indices)
                rows = indices.nrows_int() if isinstance(indices, RaggedTensor) else (
                    indices.shape[0] if indices.ndim else None)
                if rows != params.nrows_int():   # TF 2.21's class and words
                    raise ValueError(f"batch shape from indices ({rows},) does not match params shape "
                                     f"{_shape_str(params.shape)}")
                indices = wb.gather(indices, core.wrap(params._partition._value_rowids_arr()))
            return params.with_values(wb.gather(params.values, indices, axis=axis - 1, batch_dims=batch_dims))
        if axis == 1 and batch_dims <= 1:
            return _gather_in_rows(params, indices, batch_dims)
    elif isinstance(indices, RaggedTensor) and batch_dims == 1 and axis in (None, 1, -convert_to_tensor(
            params).ndim + 1) and indices.ragged_rank == 1:
        # dense params, ragged indices: each row's indices gather in that row of params
        rows = wb.gather(convert_to_tensor(params), core.wrap(indices._partition._value_rowids_arr()))
        return indices.with_values(wb.gather(rows, indices.values, axis=1, batch_dims=1))
    axis = batch_dims if axis is None else axis
    if axis != 0 or batch_dims:
        raise NotImplementedError("gather on a RaggedTensor supports axis=0, axis=1 and batch_dims=1 "
                                  f"(of ragged params), got axis={axis}, batch_dims={batch_dims}")
    if not isinstance(params, RaggedTensor):
        # dense params, ragged indices: gather the flat indices, keep their partition (TF's
        # GatherV2 of a tensor, whose error text ends with " name: ")
        return indices.with_flat_values(wb.gather(convert_to_tensor(params), indices.flat_values))
    if isinstance(indices, RaggedTensor):
        return indices.with_flat_values(gather(params, indices.flat_values)) if indices.ragged_rank == 1 \
            else indices.with_values(gather(params, indices.values))
    idx = convert_to_tensor(indices)
    if idx.dtype.kind not in "iu":
        raise wb.errors.InvalidArgumentError(   # TF 2.21's class and words
            None, None, f"gather: Value for attr 'Tindices' of {idx.dtype} is not in the list of allowed values: "
            "int32, int64")
    n = params.nrows_int()
    a = backend.to_numpy(idx._data).astype(np.int64)
    bad = (a < 0) | (a >= n)
    if bad.any():   # TF's RaggedGather kernel's error and text (its function names the ragged ranks)
        pos = np.unravel_index(int(bad.reshape(-1).argmax()), a.shape)
        at = "[" + ",".join(str(int(i)) for i in pos) + "]" if pos else ""
        op = (f"RaggedGather_OUTPUT_RAGGED_RANK_{params.ragged_rank + idx.ndim - 1}"
              f"_PARAMS_RAGGED_RANK_{params.ragged_rank}")
        raise wb.errors.InvalidArgumentError(
            wb.errors.eager_op_message(op, f"indices{at} = {int(a[pos])} is not in [0, {n})", params.device, "")
            .replace("[Op:" + op + "]", "[Op:RaggedGather]"))
    if idx.ndim == 0:   # one row: a tensor where params has ragged rank 1 (as TF)
        return params[int(a)]
    arr = idx._data.astype(np.int64).reshape(-1)   # the indices on their own device (the check read a host copy)
    out = gather_rows(params, arr)
    xp = params._partition.xp
    for size in reversed(idx.shape[1:]):   # the indices' inner dimensions (ragged in TF's shape)
        rows = out.nrows_int()
        count = rows // size if size else 0
        out = RaggedTensor(out, RowPartition.from_row_lengths(xp.full(count, size, np.int64), validate=False),
                           _internal=True)
    return out


def _gather_axes(params, indices, axis, batch_dims):
    """``axis`` and ``batch_dims`` made non-negative, with TF 2.21's checks and words."""
    nd = params.ndim
    batch_dims = argcheck.integer(batch_dims, "batch_dims", "gather")
    if batch_dims < 0:
        batch_dims += indices.ndim if isinstance(indices, (Tensor, RaggedTensor)) else np.ndim(indices)
    axis = batch_dims if axis is None else argcheck.integer(axis, "axis", "gather")
    if not -nd <= axis < nd:
        raise ValueError(f"axis={axis} out of bounds: expected {-nd}<=axis<{nd}")
    if batch_dims >= nd:
        raise ValueError("batch_dims must be less than rank(params)")
    axis %= nd
    if batch_dims > axis:
        raise ValueError(f"axis must be greater than or equal to batch_dims (axis={axis}, batch_dims={batch_dims})")
    return axis, batch_dims


def _gather_in_rows(params, indices, batch_dims):
    """``params[i][indices[i]]`` for each row ``i`` (``batch_dims=1``), or ``params[i][indices]``
    (``axis=1``): TF's batched gather of a RaggedTensor, dense when the indices are dense and
    ``params`` has ragged rank 1."""
    xp = params._partition.xp
    n = params.nrows_int()
    if isinstance(indices, RaggedTensor):
        if not batch_dims or indices.flat_values.ndim != 1:
            raise NotImplementedError("gather with ragged indices into the rows of a RaggedTensor takes "
                                      "batch_dims=1 and indices with no uniform inner dimensions")
        if indices.nrows_int() != n:   # TF 2.21's class and words
            raise ValueError(f"batch shape from indices ({indices.nrows_int()},) does not match params shape "
                             f"{_shape_str(params.shape)} (gather with batch_dims=1 takes one row of indices per "
                             "row of params)")
        parts = indices.partitions
        rowids = parts[-1]._value_rowids_arr()   # the params row of each index: its outermost row
        for p in reversed(parts[:-1]):
            rowids = p._value_rowids_arr()[rowids]
        picked = _pick(params, backend.move(rowids, params.device), indices.flat_values)
        for p in reversed(parts):
            picked = RaggedTensor(picked, p, _internal=True)
        return picked
    idx = convert_to_tensor(indices)
    if idx.dtype.kind not in "iu":
        raise wb.errors.InvalidArgumentError(   # TF 2.21's class and words
            None, None, f"gather: Value for attr 'Tindices' of {idx.dtype} is not in the list of allowed values: "
            "int32, int64")
    if batch_dims and (idx.ndim == 0 or idx.shape[0] != n):
        raise ValueError(f"gather: batch_dims=1 needs indices with {n} rows (one per row of params), got "
                         f"shape {idx.shape}")
    shape = tuple(idx.shape) if batch_dims else (n,) + tuple(idx.shape)
    lead = xp.arange(n, dtype=np.int64).reshape((n,) + (1,) * (len(shape) - 1))
    rowids = xp.broadcast_to(lead, shape).reshape(-1)
    within = xp.broadcast_to(backend.move(idx._data, params.device).astype(np.int64), shape).reshape(-1)
    picked = _pick(params, rowids, core.wrap(within))
    if not isinstance(picked, RaggedTensor):
        return wb.reshape(picked, shape + tuple(picked.shape[1:]))
    for size in reversed(shape[1:]):
        count = picked.nrows_int() // size if size else 0
        picked = RaggedTensor(picked, RowPartition.from_row_lengths(xp.full(count, size, np.int64), validate=False),
                              _internal=True)
    return picked


def _pick(params, rowids, within):
    """The entries ``params[rowids[j]][within[j]]`` (one per j), checked against each row's length."""
    part = params._partition
    w = backend.move(within._data, params.device).astype(np.int64).reshape(-1)
    lengths = part._row_lengths_arr()[rowids]
    bad = (w < 0) | (w >= lengths)
    if bool(bad.any()):
        j = int(part.xp.argmax(bad))
        raise wb.errors.InvalidArgumentError(
            None, None, f"gather: index {int(w[j])} is not in [0, {int(lengths[j])}) (the length of params row "
            f"{int(rowids[j])})")
    return _take(params._values, part._row_starts_arr()[rowids] + w)


@_keeps_splits_dtype
def gather_nd(params, indices, batch_dims=0, name=None):
    """``params[indices[i]]`` for each index tuple (TF's ``tf.gather_nd`` of a RaggedTensor):
    a full index gives a value, a shorter one a (ragged) slice.

    >>> wb.gather_nd(ragged.constant([[3, 1, 4], [], [5, 9]]), [[2, 1], [0, 0]]).numpy()
    array([9, 3], dtype=int32)
    """
    if batch_dims:
        raise ValueError("gather_nd: a RaggedTensor takes batch_dims=0 only")
    if isinstance(indices, RaggedTensor):   # TF 2.21's class and text
        raise ValueError("The innermost dimension of indices may not be ragged (gather_nd into a RaggedTensor takes "
                         "dense indices here)")
    idx = convert_to_tensor(indices)
    if idx.dtype.kind not in "iu" or idx.ndim < 1:
        raise TypeError(f"gather_nd: indices must be integers of rank >= 1, got dtype {idx.dtype}, shape {idx.shape}")
    k = idx.shape[-1]
    if not 1 <= k <= params.ndim:
        raise wb.errors.InvalidArgumentError(   # TF 2.21: its GatherNd kernel's error
            None, None, f"gather_nd: index innermost dimension length must be <= params rank: index tuples of "
            f"length {k} do not fit a RaggedTensor of rank {params.ndim}")
    xp = params._partition.xp
    flat = backend.move(idx._data, params.device).reshape(-1, k).astype(np.int64)
    lead = idx.shape[:-1]
    n = params.nrows_int()
    pos = flat[:, 0]
    if pos.size and (int(pos.min()) < 0 or int(pos.max()) >= n):
        raise wb.errors.InvalidArgumentError(f"gather_nd: a row index is out of range for {n} rows")
    cur = params
    for c in range(1, k):
        if not isinstance(cur, RaggedTensor):   # the rest of the tuple picks into uniform dimensions
            out = wb.gather_nd(cur, core.wrap(xp.concatenate([pos[:, None], flat[:, c:]], axis=1)))
            return wb.reshape(out, tuple(lead) + tuple(out.shape[1:]))
        j = flat[:, c]
        length = cur._partition._row_lengths_arr()[pos]
        if bool(((j < 0) | (j >= length)).any()):
            bad = int(((j < 0) | (j >= length)).argmax())
            raise wb.errors.InvalidArgumentError(f"gather_nd: indices{[int(v) for v in flat[bad]]} is out of "
                                                 f"range: that row has {int(length[bad])} entries")
        pos = cur._partition._row_starts_arr()[pos] + j
        cur = cur._values
    if not isinstance(cur, RaggedTensor):
        out = _take(cur, pos)
        return wb.reshape(out, tuple(lead) + tuple(out.shape[1:]))
    out = gather_rows(cur, pos)
    for size in reversed(lead[1:]):   # leading index dimensions: uniform rows, as gather's
        rows = out.nrows_int()
        out = RaggedTensor(out, RowPartition.from_uniform_row_length(size, rows, rows // size if size else 0, xp=xp),
                           _internal=True)
    return out


@_keeps_splits_dtype
def boolean_mask(tensor, mask, axis=None, name=None):
    """Keep the entries where ``mask`` is true. A ragged mask partitioned as the data's first
    dimensions filters its innermost dimension (``[[[1, 2], [3]]]`` masked by ``> 1`` is
    ``[[[2], [3]]]``); a dense ``[nrows]`` mask keeps whole rows."""
    if axis not in (None, 0):
        raise NotImplementedError("boolean_mask on ragged tensors supports axis=0")
    if isinstance(mask, RaggedTensor):
        if mask.dtype != np.bool_:
            raise TypeError(f"boolean_mask: mask must be bool, got {mask.dtype}")
        data = tensor if isinstance(tensor, RaggedTensor) else RaggedTensor.from_tensor(
            convert_to_tensor(tensor), lengths=mask.row_lengths())
        if mask.flat_values.ndim != 1:   # uniform mask dimensions: ragged ones of uniform rows
            k = mask.ndim - 1
            mask, data = _raise_ragged_rank(mask, k), _raise_ragged_rank(data, max(k, data.ragged_rank))
        return _splits_only(_mask_innermost(data, mask))   # TF's shape: no uniform row lengths
    m = convert_to_tensor(mask)
    if m.dtype != np.bool_:
        raise TypeError(f"boolean_mask: mask must be bool, got {m.dtype}")
    if m.ndim > 1 and isinstance(tensor, RaggedTensor) and m.ndim <= tensor.ndim:
        # TF: a dense mask over ragged data becomes ragged (as deep as both allow) and must then
        # share the data's row partitions
        rank = min(tensor.ragged_rank, m.ndim - 1)
        return boolean_mask(tensor, _splits_only(RaggedTensor.from_tensor(m, ragged_rank=rank)))
    if m.ndim != 1 or m.shape[0] != tensor.nrows_int():
        # TF 2.21: a vector of another length is its static shape check's ValueError, another rank
        # its kernel's InvalidArgumentError
        error = ValueError if m.ndim == 1 else functools.partial(wb.errors.InvalidArgumentError, None, None)
        raise error(f"boolean_mask: a dense mask for a RaggedTensor must have shape [{tensor.nrows_int()}], "
                    f"got {m.shape}")
    xp = m.xp
    return _splits_only(gather_rows(tensor, xp.nonzero(m._data)[0].astype(np.int64)))


def ragged_boolean_mask(data, mask, name=None):
    """TF's ``tf.ragged.boolean_mask``: the entries of ``data`` where ``mask`` is true, the
    mask's innermost dimension filtered. A dense mask of rank 1 keeps rows; a deeper dense
    mask over dense data gives a RaggedTensor.

    >>> ragged.boolean_mask(data=[[1, 2, 3], [4, 5, 6]], mask=[[True, False, True], [False, False, False]]).to_list()
    [[1, 3], []]
    """
    if isinstance(mask, (RaggedTensor, Tensor)) and mask.dtype != np.bool_:   # TF 2.21's class and words
        raise ValueError(f"Tensor conversion requested dtype bool for {type(mask).__name__} with dtype "
                         f"{mask.dtype}: boolean_mask's mask must be bool")
    if isinstance(data, RaggedTensor) or isinstance(mask, RaggedTensor):
        return boolean_mask(data, mask)
    d, m = convert_to_tensor(data), convert_to_tensor(mask)
    if m.ndim <= 1:
        return wb.boolean_mask(d, m)
    if m.dtype != np.bool_:
        raise TypeError(f"boolean_mask: mask must be bool, got {m.dtype}")
    if d.shape[:m.ndim] != m.shape:
        raise ValueError(f"boolean_mask: mask shape {m.shape} must be a prefix of data shape {d.shape}")
    k = m.ndim - 1
    out = _mask_innermost(_splits_only(RaggedTensor.from_tensor(d, ragged_rank=k)),
                          _splits_only(RaggedTensor.from_tensor(m, ragged_rank=k)))
    out = _splits_only(out)   # TF's shape: the masked dimensions ragged, [d0, None, ..., None, inner...]
    if core.tracing():
        out._partition.set_static_nrows(m._static_shape()[0])
    return out


def _mask_innermost(data, mask):
    """``data`` with the entries of its dimension ``mask.ragged_rank`` kept where the ragged
    ``mask`` (partitioned as ``data`` down to there) is true; outer rows keep their counts."""
    if not isinstance(data, RaggedTensor) or not data._partition.is_same(mask._partition):
        raise wb.errors.InvalidArgumentError(   # TF 2.21: its check that the splits are identical
            None, None, f"boolean_mask: the mask (shape {mask.shape}) must have the row partitions of the "
            f"data's first {mask.ndim} dimensions (data shape {getattr(data, 'shape', None)})")
    if mask.ragged_rank > 1:
        return RaggedTensor(_mask_innermost(data._values, mask._values), data._partition, _internal=True)
    keep = mask.flat_values._data
    idx = mask._partition.xp.nonzero(keep)[0]
    lengths = row_sum(core.wrap(keep.astype(np.int64)), mask._partition)._data
    part = RowPartition.from_row_lengths(lengths.astype(np.int64), validate=False)
    return RaggedTensor(_take(data._values, idx), part, _internal=True)


# ---------------------------------------------------------------------------
# where and softmax


def where(condition, x=None, y=None, name=None):
    """Elementwise choice between ragged (or broadcastable dense) ``x`` and ``y``; with
    ``condition`` alone, the coordinates of its true entries as an int64 tensor of shape
    ``[num_true, rank]`` in row-major order (TF's ``tf.where``)."""
    if x is None and y is None:
        return _true_coordinates(condition)
    if (x is None) != (y is None):
        raise ValueError("where: give both x and y, or neither")
    ragged = [a for a in (condition, x, y) if isinstance(a, RaggedTensor)]
    cond = condition._values if isinstance(condition, RaggedTensor) else convert_to_tensor(condition)
    while isinstance(cond, RaggedTensor):
        cond = cond._values
    if cond.dtype.kind != "b":   # TF 2.21: its SelectV2 kernel's error
        raise wb.errors.InvalidArgumentError(None, None, f"where: condition must be bool, got {cond.dtype}")

    _check_where_shapes(condition, x, y)

    def pick(c, a, b):
        return wb.where(c, a, b)
    pick.__name__ = "where"
    try:
        out = elementwise(pick, (condition, x, y), {})
    except ValueError as exc:   # shapes that do not broadcast: TF 2.21's class
        if isinstance(exc, wb.errors.InvalidArgumentError) or "row_splits dtypes" in str(exc):
            raise
        raise wb.errors.InvalidArgumentError(None, None, str(exc)) from None
    if isinstance(out, RaggedTensor) and out.ndim > max(r.ndim for r in ragged):
        out = _splits_only(out)   # TF's shape: dimensions a denser operand adds carry no uniform lengths
    return out


def _where_dims(a):
    """``a``'s dimensions as TF 2.21's ragged ``where`` sees them (its older ragged shape): an int
    for a uniform dimension, the row lengths (a host array, one per row of all the outer
    dimensions) for a partitioned one, uniform row length or not."""
    if not isinstance(a, RaggedTensor):
        return list(np.shape(a.numpy() if isinstance(a, Tensor) else a))
    dims = [a.nrows_int()] + [backend.to_numpy(p._row_lengths_arr()).astype(np.int64) for p in a.partitions]
    return dims + list(a.flat_values.shape[1:])


def _check_where_shapes(*operands):
    """TF 2.21's ragged ``where`` broadcasts with its older ragged shape rules, stricter than
    the elementwise ops': a partitioned dimension takes only a uniform dimension of size 1
    and a partitioned one with the same row lengths; operands whose shapes are fully known and
    equal skip broadcasting, so a dense one meets the flat values as they are. Shapes it
    refuses are its InvalidArgumentError."""
    shapes = [tuple(a.shape) if isinstance(a, RaggedTensor) else np.shape(a.numpy() if isinstance(a, Tensor) else a)
              for a in operands]
    if all(None not in sh for sh in shapes) and len(set(shapes)) == 1:
        flat = [a.flat_values.shape if isinstance(a, RaggedTensor) else s for a, s in zip(operands, shapes)]
        try:
            np.broadcast_shapes(*flat)
        except ValueError:
            raise wb.errors.InvalidArgumentError(
                None, None, f"where: condition, x and y of shapes {[list(f) for f in flat]} must be broadcastable "
                "(TF 2.21 passes a dense operand of the ragged operands' full shape to the flat values)") from None
        return
    inner = [d for a in operands if isinstance(a, RaggedTensor) for d in a.flat_values.shape[1:]]
    if any(d > 1 for d in inner) and any(len(sh) == 0 for sh in shapes):
        # TF 2.21 reshapes a scalar broadcast into inner dimensions wrongly: its Reshape's error
        raise wb.errors.InvalidArgumentError(
            None, None, "where: a scalar does not broadcast into a RaggedTensor's uniform inner dimensions "
            f"{list(inner)} (TF 2.21: its Reshape error)")
    dims = [_where_dims(a) for a in operands]
    rank = max(len(d) for d in dims)
    dims = [[1] * (rank - len(d)) + d for d in dims]
    counts = [1] * len(dims)   # each operand's own number of entries in the dimensions so far
    target = 1   # the broadcast result's
    for axis in range(rank):
        sizes = [d[axis] for d in dims]
        ragged = [(j, v) for j, v in enumerate(sizes) if isinstance(v, np.ndarray)]
        if not ragged:
            target *= max(sizes)
            counts = [c * v for c, v in zip(counts, sizes)]
            continue
        # an operand with fewer entries so far was broadcast along a leading dimension of size 1
        lengths = [np.tile(v, target // max(counts[j], 1)) for j, v in ragged]
        bad = any(not np.array_equal(lengths[0], v) for v in lengths[1:]) or any(
            not isinstance(v, np.ndarray) and v != 1 for v in sizes)
        if bad:
            raise wb.errors.InvalidArgumentError(
                None, None, f"where: Unable to broadcast: dimension size mismatch in dimension {axis} (TF 2.21's "
                "ragged where broadcasts a partitioned dimension only with equal row lengths or a size of 1)")
        target = int(lengths[0].sum())
        counts = [int(v.sum()) if isinstance(v, np.ndarray) else c for c, v in zip(counts, sizes)]


def _true_coordinates(condition):
    if not isinstance(condition, RaggedTensor):
        raise TypeError(f"where: condition must be a RaggedTensor here, got {type(condition).__name__}")
    flat = condition.flat_values
    if flat.dtype != np.bool_:
        raise TypeError(f"where: condition must be bool, got {flat.dtype}")
    xp = flat.xp
    hits = xp.nonzero(flat._data)
    ids, inner = hits[0].astype(np.int64), [h.astype(np.int64) for h in hits[1:]]
    cols = []
    for part in reversed(condition.partitions):
        cols.append(part.positions()[ids])
        ids = part._value_rowids_arr()[ids]
    cols.append(ids)
    coords = cols[::-1] + inner
    return core.wrap(xp.stack(coords, axis=1) if coords else xp.zeros((0, condition.ndim), np.int64))


def reverse(tensor, axis, name=None):
    """``tensor`` with the order of entries reversed along each dimension in ``axis``: a ragged
    dimension reverses within every row (``[[1, 2], [3]] -> [[2, 1], [3]]`` for axis 1)."""
    raw = [axis] if isinstance(axis, (int, np.integer)) else list(np.asarray(
        axis.numpy() if isinstance(axis, Tensor) else axis).reshape(-1))
    axes = {argcheck.axis(int(a), tensor.ndim, "reverse") for a in raw}   # TF 2.21: a repeated axis reverses once
    return tensor[tuple(slice(None, None, -1) if i in axes else slice(None) for i in range(tensor.ndim))]


def _normalizer(logits, axis, log):
    rt = logits
    axis = -1 if axis is None else int(axis)
    nd = rt.ndim
    if not -nd <= axis < nd:   # TF 2.21's text
        raise ValueError(f"axis={axis} out of bounds: expected {-nd}<=axis<{nd}")
    a = axis % nd
    if a > rt.ragged_rank:
        inner = a - rt.ragged_rank
        fn = wb.nn.log_softmax if log else wb.nn.softmax
        return rt.with_flat_values(fn(rt.flat_values, axis=inner))
    if a != rt.ragged_rank or rt.flat_values.ndim != 1:
        if log:   # TF 2.21 has no ragged log_softmax: its conversion's ValueError
            raise ValueError(f"log_softmax over axis {axis} of a RaggedTensor of shape {rt.shape}: computed over "
                             "the innermost ragged axis or uniform inner axes (TF 2.21 refuses ragged log_softmax)")
        # TF 2.21's ragged softmax: exp over the sum of exps along the axis, kept and broadcast
        # back (its values where that broadcasts, its InvalidArgumentError where not)
        e = wb.exp(rt)
        return e / wb.reduce_sum(e, axis=a, keepdims=True)
    inner_rt = rt
    while isinstance(inner_rt._values, RaggedTensor):
        inner_rt = inner_rt._values
    part, v = inner_rt._partition, inner_rt._values
    m = wb.stop_gradient(_row_extreme(v, part, "max"))
    shifted = v - row_repeat(m, part)
    if log:
        with np.errstate(divide="ignore"):  # an empty row's sum is 0; it has no values to use it
            lse = wb.log(row_sum(wb.exp(shifted), part))
        out = shifted - row_repeat(lse, part)
    else:
        e = wb.exp(shifted)
        out = e / row_repeat(row_sum(e, part), part)
    return rt.with_flat_values(out)


def softmax(logits, axis=None, name=None):
    """Softmax over a ragged row (each row sums to 1), or over a uniform inner axis."""
    return _normalizer(logits, axis, log=False)


def log_softmax(logits, axis=None, name=None):
    return _normalizer(logits, axis, log=True)


# ---------------------------------------------------------------------------
# tile


@_keeps_splits_dtype
def tile(input, multiples, name=None):
    """``input`` repeated ``multiples[d]`` times along each dimension ``d`` (TF's ``tf.tile``
    of a RaggedTensor): along a ragged dimension each row repeats its own values.

    >>> wb.tile(ragged.constant([[1, 2], [3]]), [2, 2]).to_list()
    [[1, 2, 1, 2], [3, 3], [1, 2, 1, 2], [3, 3]]
    """
    m = multiples.numpy().tolist() if isinstance(multiples, Tensor) else list(multiples)
    if len(m) != input.ndim:   # TF 2.21's classes: its Tile kernel's error, or an IndexError for too few
        message = f"tile: multiples has {len(m)} entries for a RaggedTensor of rank {input.ndim} ({input.shape})"
        # too few for the ragged dimensions: TF's IndexError; otherwise its dense Tile's error
        if len(m) <= input.ragged_rank:
            raise IndexError(message)
        raise wb.errors.InvalidArgumentError(None, None, message)
    if any(isinstance(v, (int, np.integer)) and v < 0 for v in m):
        raise wb.errors.InvalidArgumentError(   # TF 2.21's class and first words
            None, None, f"Input argument 'repeats' must be non-negative: tile multiples {m}")
    if len(m) != input.ndim or not all(isinstance(v, (int, np.integer)) and v >= 0 for v in m):
        raise ValueError(f"tile: multiples must be {input.ndim} non-negative integers (one per dimension "
                         f"of the input, shape {input.shape}), got {multiples!r}")
    out = _tile_within_rows(input, [int(v) for v in m[1:]])
    if m[0] != 1:
        xp = out._partition.xp
        out = gather_rows(out, xp.tile(xp.arange(out.nrows_int(), dtype=np.int64), int(m[0])))
    return _splits_only(out)   # TF's shape: no uniform row lengths


def _tile_within_rows(rt, multiples):
    """``rt`` with dimensions 1, 2, ... repeated ``multiples`` times (dimension 0 kept)."""
    values = rt._values
    if isinstance(values, RaggedTensor):
        values = _tile_within_rows(values, multiples[1:])
    elif any(v != 1 for v in multiples[1:]):
        values = wb.tile(values, [1] + multiples[1:])
    if multiples[0] == 1:
        return RaggedTensor(values, rt._partition, _internal=True)
    part = rt._partition
    lengths = part._row_lengths_arr()
    new = RowPartition.from_row_lengths(lengths * multiples[0], validate=False)
    rowids = new._value_rowids_arr()
    # each new value's source: its row's start plus its position modulo the row's length
    src = part._row_starts_arr()[rowids] + new.positions() % part.xp.maximum(lengths[rowids], 1)
    return RaggedTensor(_take(values, src), new, _internal=True)


def stack_dynamic_partitions(data, partitions, num_partitions, name=None):
    """Row ``i`` holds the entries (slices) of ``data`` whose partition is ``i``, in their order
    (TF's ``tf.ragged.stack_dynamic_partitions``).

    >>> ragged.stack_dynamic_partitions(wb.constant([1, 2, 3, 4, 5]), [1, 0, 1, 2, 0], 3).to_list()
    [[2, 5], [1, 3], [4]]
    """
    if isinstance(data, RaggedTensor):   # its rows are the entries; the result keeps its splits dtype
        rows = stack_dynamic_partitions(wb.range(data.nrows_int()), partitions, num_partitions)
        return rows.with_values(gather(data, rows.values)).with_row_splits_dtype(data.row_splits_dtype)
    d = convert_to_tensor(data)
    p = convert_to_tensor(partitions)
    n = argcheck.integer(num_partitions, "num_partitions", "stack_dynamic_partitions", minimum=0)
    if p.dtype.kind not in "iu" or p.ndim != 1 or d.ndim == 0 or d.shape[0] != p.shape[0]:
        raise ValueError(f"stack_dynamic_partitions: partitions must be an integer vector with one entry per "
                         f"row of data (data shape {d.shape}), got dtype {p.dtype} and shape {p.shape}")
    xp = d.xp
    ids = backend.move(p._data, d.device).astype(np.int64)
    if ids.size and (int(ids.min()) < 0 or int(ids.max()) >= n):
        bad = int(ids[(ids < 0) | (ids >= n)][0])
        raise wb.errors.InvalidArgumentError(f"stack_dynamic_partitions: partition {bad} is not in [0, {n})")
    order = xp.argsort(ids, kind="stable")
    counts = xp.bincount(ids, minlength=n)[:n].astype(np.int64)
    part = RowPartition.from_row_lengths(counts, validate=False).with_dtype(p.dtype)   # TF: the partitions' dtype
    return RaggedTensor(_take(d, order), part.set_static_nrows(n), _internal=True)


def split(value, num_or_size_splits, axis=0, num=None, name=None):
    """``wb.split`` of a RaggedTensor (TF's): along the rows, or along a uniform inner
    dimension (the flat values split); a ragged dimension has no one size to split.

    >>> [r.to_list() for r in wb.split(ragged.constant([[1], [2, 3], [], [4]]), [1, 3])]
    [[[1]], [[2, 3], [], [4]]]
    """
    a = argcheck.axis(axis, value.ndim, "split")
    k = value.ragged_rank
    if a > k:
        parts = wb.split(value.flat_values, num_or_size_splits, axis=a - k)
        return [value.with_flat_values(p) for p in parts]
    if a != 0:
        raise ValueError(f"split: dimension {a} of a RaggedTensor of shape {value.shape} is ragged; split along "
                         "the rows (axis 0) or a uniform inner dimension")
    n = value.nrows_int()
    if isinstance(num_or_size_splits, (int, np.integer)):
        parts = int(num_or_size_splits)
        if parts <= 0 or n % parts:
            raise wb.errors.InvalidArgumentError(f"split: num_or_size_splits={parts}: {n} rows cannot be split into "
                                                 f"{parts} equal parts")
        sizes = [n // parts] * parts
    else:
        sizes = list(argcheck.integers(num_or_size_splits, "num_or_size_splits", "split"))
        if any(s < 0 for s in sizes):   # TF 2.21: no -1 (inferred size) for a RaggedTensor
            raise wb.errors.InvalidArgumentError(f"split: `num_or_size_splits` must be non-negative, got "
                                                 f"{tuple(sizes)}")
        if sum(sizes) != n:
            raise wb.errors.InvalidArgumentError(f"split: sizes {tuple(sizes)} do not add up to the {n} rows")
    out, start = [], 0
    for size in sizes:
        out.append(value[start:start + size])
        start += size
    return out


# ---------------------------------------------------------------------------
# expand_dims and squeeze


def _insert_axis(axis, ndim, opname):
    a = argcheck.integer(axis, "axis", opname)
    if not -ndim - 1 <= a <= ndim:
        raise ValueError(f"{opname}: axis={axis} is out of range for a result of rank {ndim + 1}")
    return a % (ndim + 1)


def expand_dims(input, axis, name=None):
    """``input`` with a new dimension of size 1 at ``axis`` (TF's ``tf.expand_dims`` of a
    RaggedTensor): at 0 one row holding everything, at a ragged position rows of one
    element, among the inner dimensions a uniform 1.

    >>> wb.expand_dims(ragged.constant([[1, 2], [3]]), 1).to_list()
    [[[1, 2]], [[3]]]
    """
    a = _insert_axis(axis, input.ndim, "expand_dims")
    if a == 0:   # TF's static shape: one row of a length the data decides (the input's row count)
        out = RaggedTensor.from_uniform_row_length(input, input.nrows_int(), nrows=1)
        out._partition.set_static_nrows(1).set_static_uniform(input._partition._static_nrows)
        return out
    if a == 1:
        out = RaggedTensor.from_uniform_row_length(input, 1, nrows=input.nrows_int())
        out._partition.set_static_nrows(input._partition._static_nrows).set_static_uniform(1)
        return out
    if a <= input.ragged_rank:
        return input.with_values(expand_dims(input.values, a - 1))
    return input.with_flat_values(wb.expand_dims(input.flat_values, a - input.ragged_rank))


def squeeze(input, axis=None, name=None):
    """``input`` without the dimensions in ``axis``, each of size 1: an inner dimension, a
    ragged one whose rows all hold one element, or the rows when there is one (TF's
    ``tf.squeeze`` of a RaggedTensor needs ``axis``)."""
    if axis is None:
        raise ValueError("squeeze: a RaggedTensor needs axis (the dimensions of size 1 to remove)")
    axes = sorted({argcheck.axis(a, input.ndim, "squeeze") for a in (axis if isinstance(axis, (list, tuple))
                                                                      else [axis])}, reverse=True)
    out = input
    for a in axes:
        out = _squeeze_one(out, a)
    return _splits_only(out)   # TF rebuilds the result from its row splits: no uniform lengths


def _squeeze_one(rt, a):
    if not isinstance(rt, RaggedTensor):   # an inner axis squeezed first left a dense tensor
        return wb.squeeze(rt, [a])
    if a == 0:   # one row: its values (TF 2.21; more rows are its assertion's error class)
        if rt.nrows_int() != 1:
            raise wb.errors.InvalidArgumentError(
                None, None, f"squeeze: the given axis (axis = 0) is not squeezable! (a RaggedTensor of "
                f"{rt.nrows_int()} rows)")
        return rt._values
    if a > rt.ragged_rank:
        size = rt.flat_values.shape[a - rt.ragged_rank]
        if size != 1:   # TF 2.21: its Squeeze kernel's error
            raise wb.errors.InvalidArgumentError(
                None, None, f"squeeze: Can not squeeze dim[{a}], expected a dimension of 1, got {size}")
        return rt.with_flat_values(wb.squeeze(rt.flat_values, [a - rt.ragged_rank]))
    if a == 1:
        lengths = rt._partition._row_lengths_arr()
        if rt._partition._uniform_int() != 1 and bool((lengths != 1).any()):
            row = int(rt._partition.xp.argmax(lengths != 1))
            raise wb.errors.InvalidArgumentError(
                f"squeeze: dimension 1 of a RaggedTensor of shape {rt.shape} is not of size 1: row {row} "
                f"has length {int(lengths[row])}")
        return rt._values
    return rt.with_values(_squeeze_one(rt._values, a - 1))


def dynamic_partition(data, partitions, num_partitions, name=None):
    """``wb.dynamic_partition`` of a RaggedTensor (TF's): dense ``partitions`` (one per row)
    split the rows, each part a RaggedTensor; ragged ``partitions`` with ``data``'s row splits
    split the flat values, each part a dense tensor.

    >>> [p.to_list() for p in wb.dynamic_partition(ragged.constant([[1, 2], [3], []]), [1, 0, 1], 2)]
    [[[3]], [[1, 2], []]]
    """
    n = argcheck.integer(num_partitions, "num_partitions", "dynamic_partition", minimum=1)
    if isinstance(partitions, RaggedTensor):
        if not isinstance(data, RaggedTensor):
            raise TypeError("dynamic_partition: ragged partitions need ragged data with the same row splits")
        _check_partitions(data, partitions, "dynamic_partition")
        return wb.dynamic_partition(data.flat_values, partitions.flat_values, n)
    p = convert_to_tensor(partitions)
    if p.dtype != np.int32:   # TF 2.21: its DynamicPartition kernel takes int32 partitions
        raise TypeError(f"dynamic_partition: partitions must be int32, got {p.dtype}")
    if p.ndim != 1 or p.shape[0] != data.nrows_int():
        raise ValueError(f"dynamic_partition: partitions must have one entry per row of data ({data.nrows_int()}), "
                         f"got shape {p.shape}")
    ids = backend.to_numpy(p._data).astype(np.int64)
    bad = (ids < 0) | (ids >= n)
    if bad.any():
        raise wb.errors.InvalidArgumentError(
            None, None, f"dynamic_partition: partitions[{int(bad.argmax())}] = {int(ids[bad.argmax()])} is not in "
            f"[0, {n})")
    xp = data._partition.xp
    return [gather_rows(data, xp.asarray(np.flatnonzero(ids == i).astype(np.int64))) for i in range(n)]


def repeat(input, repeats, axis=None, name=None):
    """``wb.repeat`` of a RaggedTensor with ``axis=None``: its flat values repeated (a dense
    result), as TF 2.21; along an axis TF converts the RaggedTensor to a tensor, which fails.

    >>> wb.repeat(ragged.constant([[1, 2], [3]]), 2).numpy()
    array([1, 1, 2, 2, 3, 3], dtype=int32)
    """
    if axis is not None:   # TF 2.21's class and words
        raise ValueError("TypeError: object of type 'RaggedTensor' has no len() (tf.repeat takes a RaggedTensor "
                         "with axis=None only)")
    return wb.repeat(wb.reshape(input.flat_values, [-1]), repeats)


def bincount(arr, weights=None, minlength=None, maxlength=None, dtype=np.int32, name=None, axis=None,
             binary_output=False):
    """``wb.math.bincount`` of a RaggedTensor (TF's): the counts of its flat values, or with
    ``axis=-1`` one row of counts per row (``[nrows, size]``, ``ragged_rank`` 1).

    >>> wb.math.bincount(ragged.constant([[1, 1], [3]]), axis=-1).numpy().tolist()
    [[0, 2, 0, 0], [0, 0, 0, 1]]
    """
    w = weights.flat_values if isinstance(weights, RaggedTensor) else weights
    if axis in (None, 0):   # TF: axis 0 counts over every value, as None
        return wb.math.bincount(arr.flat_values, weights=w, minlength=minlength, maxlength=maxlength, dtype=dtype,
                                binary_output=binary_output)
    if axis not in (-1, 1) or arr.ndim != 2:
        raise ValueError(f"bincount: a RaggedTensor takes axis=None, 0 or -1 (rank 2), got axis={axis} and "
                         f"shape {arr.shape}")
    flat = backend.to_numpy(arr.flat_values._data).astype(np.int64)
    if flat.size and flat.min() < 0:   # TF 2.21: its kernel's error
        raise wb.errors.InvalidArgumentError(None, None, f"bincount: input must be non-negative, got {int(flat.min())}")
    size = int(flat.max()) + 1 if flat.size else 0
    size = max(size, int(minlength or 0))
    if maxlength is not None:
        size = min(size, int(maxlength))
    rows = backend.to_numpy(arr._partition._value_rowids_arr())
    keep = flat < size
    wv = None if w is None else backend.to_numpy(convert_to_tensor(w)._data)[keep]
    out_dtype = np.dtype(getattr(dtype, "as_numpy_dtype", dtype)) if w is None else wv.dtype
    out = np.zeros((arr.nrows_int(), size), out_dtype)
    if binary_output:
        out[rows[keep], flat[keep]] = 1
    else:
        np.add.at(out, (rows[keep], flat[keep]), 1 if wv is None else wv)
    return core.wrap(backend.move(out, arr.device))


def embedding_lookup(ids, params, max_norm=None, name=None):
    """``wb.nn.embedding_lookup`` with ragged ``ids``: the embeddings of the flat ids under the
    ids' row partitions (shape ``ids.shape + params.shape[1:]``)."""
    return ids.with_flat_values(wb.nn.embedding_lookup(params, ids.flat_values, max_norm=max_norm))


def _register():
    for fn, handler in ((wb.concat, concat), (wb.stack, stack), (wb.gather, gather), (wb.tile, tile),
                        (wb.boolean_mask, boolean_mask), (wb.where, where), (wb.reverse, reverse),
                        (wb.nn.softmax, softmax), (wb.nn.log_softmax, log_softmax),
                        (wb.nn.embedding_lookup, embedding_lookup), (wb.expand_dims, expand_dims),
                        (wb.squeeze, squeeze), (wb.gather_nd, gather_nd), (wb.split, split),
                        # served once they dispatch composite arguments (TF's ragged dispatch has them)
                        (wb.dynamic_partition, dynamic_partition), (wb.repeat, repeat),
                        (wb.math.bincount, bincount)):
        core.register_dispatch(fn, handler)


_register()

