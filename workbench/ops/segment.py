"""Segment reductions (``wb.math.segment_*`` and ``wb.math.unsorted_segment_*``), TF's semantics.

Sorted variants take non-decreasing ids ``[n]`` and return ``max(id) + 1`` rows;
unsorted variants take ids whose shape is a prefix of ``data.shape`` and
``num_segments``, and drop rows with negative ids. Empty segments hold TF's
documented values: 0 for sum and mean, 1 for prod; max/min give 0 in the sorted
variants and the dtype's lowest/highest value in the unsorted ones.

Gradients follow TF: a sum's gradient gathers the output gradient back to the
rows (the ``gather``/``gather_transpose`` pair in ``indexing``); a max or min
splits it equally among the tied rows; a mean divides it by the counts; a prod's
is the product of the other rows, exact where rows are zero.

The forward work happens in ``segment_kernels`` (NumPy ``reduceat``/``bincount``/
``ufunc.at`` on the CPU, atomic scatters and a segment kernel on a GPU).
"""

from __future__ import annotations

import numpy as np

from .. import core
from ..errors import argcheck, InvalidArgumentError
from ..core import Tensor, apply, convert_to_tensor, defop
from ._define import dtype_error
from .indexing import _first_bad, _gather, _reshape, sum_rows_into, take_rows
from .segment_kernels import lowest, highest, segment_count, segment_mean as _mean_kernel, segment_reduce
from .shape import IDENTITY_OP, _lead


# ---------------------------------------------------------------------------
# argument checks; afterwards data is [n, ...] and ids a valid [n] vector


def _int_ids(segment_ids, opname):
    ids = convert_to_tensor(segment_ids)
    if ids.dtype.kind not in "iu":
        raise TypeError(f"{opname}: segment_ids must be an integer tensor, got dtype {ids.dtype}")
    return ids


def _numeric(data, opname):
    d = convert_to_tensor(data)
    if d.dtype.kind not in "fciu":
        raise dtype_error(opname, "data", d.dtype, "fciu")
    return d


def _sorted_args(data, segment_ids, opname):
    d = _numeric(data, opname)
    ids = _int_ids(segment_ids, opname)
    if ids.ndim != 1:
        raise InvalidArgumentError(f"{opname}: segment_ids must be a vector, got shape {ids.shape}")
    if d.ndim == 0 or d.shape[0] != ids.shape[0]:
        raise InvalidArgumentError(f"{opname}: segment_ids has {ids.shape[0]} entries but data has shape "
                                   f"{d.shape}; they must match data's first dimension")
    a = ids._data
    if a.size == 0:
        return d, ids, 0
    pos = _first_bad(a[1:] < a[:-1])
    if pos is not None:
        i = pos[0] + 1
        raise InvalidArgumentError(
            f"{opname}: segment_ids must be sorted (non-decreasing), but segment_ids[{i}] = {int(a[i])} "
            f"follows segment_ids[{i - 1}] = {int(a[i - 1])}; use unsorted_{opname} for unsorted ids")
    if int(a[0]) < 0:
        raise InvalidArgumentError(f"{opname}: segment_ids must be non-negative, got segment_ids[0] = {int(a[0])}")
    return d, ids, int(a[-1]) + 1


def _unsorted_args(data, segment_ids, num_segments, opname, drop=True):
    d = _numeric(data, opname)
    ids = _int_ids(segment_ids, opname)
    nseg = argcheck.integer(num_segments, "num_segments", opname, minimum=0)
    if d.shape[:ids.ndim] != ids.shape:
        raise InvalidArgumentError(f"{opname}: segment_ids shape {ids.shape} must be a prefix of data "
                                   f"shape {d.shape}")
    n = ids.size
    d = _reshape(d, (n,) + d.shape[ids.ndim:])
    a = ids._data.reshape(-1)
    pos = _first_bad(a >= nseg) if n else None
    if pos is not None:
        where = [int(i) for i in np.unravel_index(pos[0], ids.shape)] if ids.ndim else []
        raise InvalidArgumentError(f"{opname}: segment_ids{where} = {int(a[pos])} is out of range "
                                   f"[0, num_segments={nseg})")
    if drop and n and bool((a < 0).any()):  # TF drops rows with negative ids
        keep = ids.xp.flatnonzero(a >= 0)
        d = _gather(d, core.wrap(keep), 0, dense=True)   # TF's gradient here is dense
        a = a[keep]
    return d, core.wrap(a), nseg


# ---------------------------------------------------------------------------
# ops: sum and mean ride on gather_transpose; max, min and prod are ops of their own


def _constant(x, arr):
    return core.wrap(x.xp.asarray(arr))


def _extreme_weights(ans, data, ids):
    """Which rows attain their segment's extreme (0/1, data's dtype) and how many tie, per
    segment (0 for an empty one: TF divides by it, so an empty segment's tangent is NaN)."""
    xp = data.xp
    hit = (ans._data[ids._data] == data._data).astype(data.dtype)
    ties = segment_reduce(xp, "sum", hit, ids._data, ans.shape[0])
    return core.wrap(hit), core.wrap(ties)


def _extreme_vjp(g, ans, data, ids, num_segments, kind, sorted_ids, empty):
    from .elementwise import multiply_no_nan  # circular import with elementwise
    hit, ties = _extreme_weights(ans, data, ids)
    # TF's where(is_selected, gathered g / ties, 0): 0 off the selected rows even where g / ties is not finite
    return (multiply_no_nan(take_rows(g / ties, ids, axis=_lead(g, ans)), hit), None)


def _extreme_jvp(ts, ans, data, ids, num_segments, kind, sorted_ids, empty):
    hit, ties = _extreme_weights(ans, data, ids)
    return sum_rows_into(ts[0] * hit, ids, num_segments, sorted_ids) / ties


def _reduce_fwd(xp, data, ids, num_segments, kind, sorted_ids, empty):
    return segment_reduce(xp, kind, data, ids, num_segments, sorted=sorted_ids, empty=empty)


_max_op = defop("segment_max", _reduce_fwd, vjp=_extreme_vjp, jvp=_extreme_jvp, domain="ties")
_min_op = defop("segment_min", _reduce_fwd, vjp=_extreme_vjp, jvp=_extreme_jvp, domain="ties")


def _prod_partials(ans, data, ids, num_segments, sorted_ids):
    """TF's SegmentProd / UnsortedSegmentProd gradient pieces: where a segment (at an inner
    position) has two or more zeros (its cotangent is dropped there), and each row's partial
    derivative: the product of the segment's nonzero rows at a zero row, else the product
    divided by the row (the sorted op divides by the row with its zeros set to 1, the unsorted
    one by the row itself). Written with the op's own result, so its second derivative is TF's."""
    from .elementwise import ones_like, where  # circular import with elementwise
    xp = data.xp
    zero = data._data == 0
    many = core.wrap(segment_reduce(xp, "sum", zero.astype(np.int64), ids._data, num_segments) > 1)
    is_zero = core.wrap(zero)
    non_zero_data = where(is_zero, ones_like(data), data)
    non_zero_prod = take_rows(_prod(non_zero_data, ids, num_segments, sorted_ids), ids)
    divided = take_rows(ans, ids) / (non_zero_data if sorted_ids else data)
    return many, where(is_zero, non_zero_prod, divided)


def _prod_vjp(g, ans, data, ids, num_segments, kind, sorted_ids, empty):
    from .elementwise import where, zeros_like  # circular import with elementwise
    many, partial = _prod_partials(ans, data, ids, num_segments, sorted_ids)
    g = where(many, zeros_like(g), g)
    return (take_rows(g, ids, axis=_lead(g, ans)) * partial, None)


def _prod_jvp(ts, ans, data, ids, num_segments, kind, sorted_ids, empty):
    from .elementwise import where, zeros_like  # circular import with elementwise
    many, partial = _prod_partials(ans, data, ids, num_segments, sorted_ids)
    if partial.dtype.kind == "c":   # the transpose of TF's rule, which is as written (not conjugated)
        from .tf_extra import conj  # circular import with tf_extra
        partial = conj(partial)
    out = sum_rows_into(ts[0] * partial, ids, num_segments, sorted_ids)
    return where(many, zeros_like(out), out)


_prod_op = defop("segment_prod", _reduce_fwd, vjp=_prod_vjp, jvp=_prod_jvp)


def _rows_fwd(xp, data, ids, num_segments, sorted_ids, shape_dtype="int32"):
    if not sorted_ids and ids.size and bool((ids < 0).any()):
        keep = ids >= 0
        data, ids = data[keep], ids[keep]
    return segment_reduce(xp, "sum", data, ids, num_segments, sorted=sorted_ids)


def _kept_rows(x, ids, sorted_ids, inner):
    """``x`` (rows by ``ids``, maybe with leading cotangent dimensions) with the rows of
    negative ids zeroed, and the ids clipped at 0: TF's gather-and-drop-negatives. ``inner``:
    how many dimensions follow the rows."""
    if sorted_ids or not bool((ids._data < 0).any()):
        return x, ids
    from .elementwise import where, zeros_like  # circular import with elementwise
    keep = core.wrap((ids._data >= 0).reshape(ids.shape + (1,) * inner))
    return where(keep, x, zeros_like(x)), _constant(ids, ids.xp.maximum(ids._data, 0))


def _rows_vjp(g, ans, data, ids, num_segments, sorted_ids, shape_dtype="int32"):
    _, clipped = _kept_rows(data, ids, sorted_ids, data.ndim - 1)
    out = take_rows(g, clipped, axis=_lead(g, ans))
    return (out if clipped is ids else _kept_rows(out, ids, sorted_ids, data.ndim - 1)[0]), None


def _rows_jvp(ts, ans, data, ids, num_segments, sorted_ids, shape_dtype="int32"):
    """TF's tangent: the transpose of its gather, rows of ``IndexedSlices`` at the ids."""
    from ..sparse import IndexedSlices  # the sparse package builds on the ops
    values, indices = _kept_rows(ts[0], ids, sorted_ids, data.ndim - 1)
    shape = core.wrap_constant(ids.xp.asarray((num_segments,) + data.shape[1:], shape_dtype))
    return IndexedSlices(values, indices, shape)


# the public segment sums and scatter_nd by rows: their tangent is IndexedSlices (library
# code uses sum_rows_into)
_rows_sum_op = defop("segment_sum", _rows_fwd, vjp=_rows_vjp, jvp=_rows_jvp, dtypes="numeric")


def scatter_rows(updates, ids, num_rows):
    """``updates`` ``[n, ...]`` summed into ``[num_rows, ...]`` at the valid ``ids`` ``[n]``,
    as ``scatter_nd`` by rows: its tangent is ``IndexedSlices`` (indices and dense_shape of
    ``ids``' dtype), as TF's."""
    return apply(_rows_sum_op, (updates, ids), {"num_segments": int(num_rows), "sorted_ids": False,
                                                "shape_dtype": ids.dtype.name})


def _mean_fwd(xp, data, ids, num_segments, sorted_ids):
    return _mean_kernel(xp, data, ids, num_segments, sorted_ids)


def _counts(data, ids, num_segments, clip):
    count = segment_count(data.xp, ids._data, num_segments)
    if clip:
        count = data.xp.maximum(count, 1)
    return _constant(data, count.astype(data.dtype).reshape((-1,) + (1,) * (data.ndim - 1)))


def _mean_vjp(g, ans, data, ids, num_segments, sorted_ids):
    return take_rows(g / _counts(data, ids, num_segments, True), ids, axis=_lead(g, ans)), None


def _mean_jvp(ts, ans, data, ids, num_segments, sorted_ids):
    # TF divides by the counts: the sorted op's by the raw ones (NaN for an empty segment),
    # the unsorted one's by the counts clipped at 1
    total = sum_rows_into(ts[0], ids, num_segments, sorted_ids)
    return total / _counts(data, ids, num_segments, not sorted_ids)


_mean_op = defop("segment_mean", _mean_fwd, vjp=_mean_vjp, jvp=_mean_jvp, dtypes="numeric")


def _public_sum(data, ids, num_segments, sorted_ids):
    if data.dtype.kind in "iu":  # no gradient: the kernel alone
        return core.wrap(_rows_fwd(data.xp, data._data, ids._data, num_segments, sorted_ids))
    return apply(_rows_sum_op, (data, ids), {"num_segments": num_segments, "sorted_ids": sorted_ids})


def _public_mean(data, ids, num_segments, sorted_ids):
    if data.dtype.kind in "iu":
        return _mean(data, ids, num_segments, sorted_ids)
    return apply(_mean_op, (data, ids), {"num_segments": num_segments, "sorted_ids": sorted_ids})


def _prod(data, ids, num_segments, sorted_ids):
    return apply(_prod_op, (data, ids), {"num_segments": num_segments, "kind": "prod",
                                         "sorted_ids": sorted_ids, "empty": None})


def _sum(data, ids, num_segments, sorted_ids):
    if data.dtype.kind in "iu":  # no gradient: skip the reshapes around the primitive
        return core.wrap(segment_reduce(data.xp, "sum", data._data, ids._data, num_segments, sorted_ids))
    return sum_rows_into(data, ids, num_segments, sorted_ids)


def _mean(data, ids, num_segments, sorted_ids):
    if data.dtype.kind in "iu":
        return core.wrap(_mean_kernel(data.xp, data._data, ids._data, num_segments, sorted_ids))
    count = segment_count(data.xp, ids._data, num_segments)
    count = data.xp.maximum(count, 1).astype(data.dtype).reshape((-1,) + (1,) * (data.ndim - 1))
    return _sum(data, ids, num_segments, sorted_ids) / _constant(data, count)


def _extreme(op, kind, data, ids, num_segments, sorted_ids, empty):
    return apply(op, (data, ids), {"num_segments": num_segments, "kind": kind,
                                   "sorted_ids": sorted_ids, "empty": empty})


def reduce_segments(data, segment_ids, num_segments, kind, sorted_ids=False, empty=None):
    """Differentiable segment reduction without argument checks, for library code (ragged).

    ``data`` ``[n, ...]`` and ``segment_ids`` ``[n]`` are Tensors, the ids valid (in
    ``[0, num_segments)``, non-decreasing when ``sorted_ids``); ``kind`` is 'sum',
    'mean', 'prod', 'max' or 'min'; ``empty`` sets the value of empty max/min segments
    (default: the dtype's lowest/highest value).
    """
    n = int(num_segments)
    if kind == "sum":
        return _sum(data, segment_ids, n, sorted_ids)
    if kind == "mean":
        return _mean(data, segment_ids, n, sorted_ids)
    if kind == "prod":
        return _prod(data, segment_ids, n, sorted_ids)
    if kind == "max":
        return _extreme(_max_op, "max", data, segment_ids, n, sorted_ids,
                        lowest(data.dtype) if empty is None else empty)
    if kind == "min":
        return _extreme(_min_op, "min", data, segment_ids, n, sorted_ids,
                        highest(data.dtype) if empty is None else empty)
    raise ValueError(f"reduce_segments: kind must be 'sum', 'mean', 'prod', 'max' or 'min', got {kind!r}")


# ---------------------------------------------------------------------------
# public functions


def _static_rows(out, data, segment_ids, num_segments):
    """``out`` with TF's static shape in a trace: ``[rows] + data.shape[segment_ids.ndim:]``,
    ``rows`` being ``num_segments`` where TF knows it (never for sorted ids: None)."""
    if not core.tracing():
        return out
    ds, ids = convert_to_tensor(data)._static_shape(), convert_to_tensor(segment_ids)._static_shape()
    rows = core.static_value(num_segments) if isinstance(num_segments, Tensor) else num_segments
    static = None if ds.rank is None or ids.rank is None else (rows,) + tuple(ds.as_list()[ids.rank:])
    if static == out._data.shape and type(out) is Tensor:
        if not core.open_shapes_traced():
            return out
        core.static_shape_hint(IDENTITY_OP.name, static)   # as traced, yet its ops' inputs may be open
        return apply(IDENTITY_OP, (out,))
    return core.static_result(out, static)


def segment_sum(data, segment_ids, name=None):
    """Sum of the rows of ``data`` in each segment; ``segment_ids`` sorted, ``[data.shape[0]]``.

    >>> c = wb.constant([[1, 2, 3, 4], [4, 3, 2, 1], [5, 6, 7, 8]])
    >>> wb.math.segment_sum(c, [0, 0, 1]).numpy()
    array([[5, 5, 5, 5],
           [5, 6, 7, 8]], dtype=int32)
    """
    d, ids, n = _sorted_args(data, segment_ids, "segment_sum")
    return _static_rows(_public_sum(d, ids, n, True), data, segment_ids, None)


def segment_mean(data, segment_ids, name=None):
    """Mean of the rows in each segment (0 for empty segments); ids sorted."""
    d, ids, n = _sorted_args(data, segment_ids, "segment_mean")
    return _static_rows(_public_mean(d, ids, n, True), data, segment_ids, None)


def segment_prod(data, segment_ids, name=None):
    """Product of the rows in each segment (1 for empty segments); ids sorted."""
    d, ids, n = _sorted_args(data, segment_ids, "segment_prod")
    return _static_rows(_prod(d, ids, n, True), data, segment_ids, None)


def segment_max(data, segment_ids, name=None):
    """Maximum of the rows in each segment (0 for empty segments); ids sorted.
    Tied maxima share the gradient equally.

    >>> c = wb.constant([[1, 2, 3, 4], [4, 3, 2, 1], [5, 6, 7, 8]])
    >>> wb.math.segment_max(c, [0, 0, 1]).numpy()
    array([[4, 3, 3, 4],
           [5, 6, 7, 8]], dtype=int32)
    """
    d, ids, n = _sorted_args(data, segment_ids, "segment_max")
    return _static_rows(_extreme(_max_op, "max", d, ids, n, True, 0), data, segment_ids, None)


def segment_min(data, segment_ids, name=None):
    """Minimum of the rows in each segment (0 for empty segments); ids sorted."""
    d, ids, n = _sorted_args(data, segment_ids, "segment_min")
    return _static_rows(_extreme(_min_op, "min", d, ids, n, True, 0), data, segment_ids, None)


@core.dispatchable
def unsorted_segment_sum(data, segment_ids, num_segments, name=None):
    """Sum of the entries of ``data`` by ``segment_ids`` (shape a prefix of ``data.shape``), into
    ``[num_segments] + data.shape[segment_ids.ndim:]``; negative ids are dropped.

    >>> c = wb.constant([[1, 2, 3, 4], [5, 6, 7, 8], [4, 3, 2, 1]])
    >>> wb.math.unsorted_segment_sum(c, [0, 1, 0], num_segments=2).numpy()
    array([[5, 5, 5, 5],
           [5, 6, 7, 8]], dtype=int32)
    """
    d, ids, n = _unsorted_args(data, segment_ids, num_segments, "unsorted_segment_sum", drop=False)
    return _static_rows(_public_sum(d, ids, n, False), data, segment_ids, num_segments)


@core.dispatchable
def unsorted_segment_mean(data, segment_ids, num_segments, name=None):
    """Mean by segment (0 for empty segments); negative ids are dropped."""
    d, ids, n = _unsorted_args(data, segment_ids, num_segments, "unsorted_segment_mean")
    return _static_rows(_public_mean(d, ids, n, False), data, segment_ids, num_segments)


@core.dispatchable
def unsorted_segment_prod(data, segment_ids, num_segments, name=None):
    """Product by segment (1 for empty segments); negative ids are dropped."""
    d, ids, n = _unsorted_args(data, segment_ids, num_segments, "unsorted_segment_prod")
    return _static_rows(_prod(d, ids, n, False), data, segment_ids, num_segments)


@core.dispatchable
def unsorted_segment_max(data, segment_ids, num_segments, name=None):
    """Maximum by segment; empty segments hold the dtype's lowest value (TF's
    ``numeric_limits<T>::lowest()``, a finite number for floats); negative ids are dropped."""
    d, ids, n = _unsorted_args(data, segment_ids, num_segments, "unsorted_segment_max")
    out = _extreme(_max_op, "max", d, ids, n, False, lowest(d.dtype))
    return _static_rows(out, data, segment_ids, num_segments)


@core.dispatchable
def unsorted_segment_min(data, segment_ids, num_segments, name=None):
    """Minimum by segment; empty segments hold the dtype's largest value; negative ids are dropped."""
    d, ids, n = _unsorted_args(data, segment_ids, num_segments, "unsorted_segment_min")
    out = _extreme(_min_op, "min", d, ids, n, False, highest(d.dtype))
    return _static_rows(out, data, segment_ids, num_segments)


__all__ = [
    "segment_max",
    "segment_mean",
    "segment_min",
    "segment_prod",
    "segment_sum",
    "unsorted_segment_max",
    "unsorted_segment_mean",
    "unsorted_segment_min",
    "unsorted_segment_prod",
    "unsorted_segment_sum",
]
