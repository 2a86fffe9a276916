"""More of TF's ``wb.sparse`` ops: the union ops ``maximum`` / ``minimum``, row ops
(``softmax``, ``fill_empty_rows``, ``to_indicator``), ``split``, ``eye``, ``reset_shape`` and
the sparse segment reductions (``segment_sum`` / ``segment_mean`` / ``segment_sqrt_n``).

As in ``ops``, indices are bookkeeping on the arrays and values move by gathers and segment
sums, so every result is differentiable with respect to the values.

>>> a = wb.SparseTensor([[0, 0], [1, 2]], [1.0, 2.0], [2, 3])
>>> b = wb.SparseTensor([[0, 0], [1, 1]], [10.0, 20.0], [2, 3])
>>> wb.sparse.to_dense(wb.sparse.maximum(a, b)).numpy().tolist()
[[10.0, 0.0, 0.0], [0.0, 20.0, 2.0]]
"""

from __future__ import annotations

import numpy as np

from .. import backend, core
from ..core import Tensor, convert_to_tensor
from ..dtypes import as_dtype
from ..errors import InvalidArgumentError, argcheck
from ..ops.elementwise import divide, exp, maximum as _maximum, minimum as _minimum, ones_like, sqrt, subtract
from ..ops.indexing import gather, take_rows
from ..ops.segment import segment_sum as _segment_sum, unsorted_segment_max, unsorted_segment_sum
from ..ops.shape import broadcast_to, concat, reshape
from .ops import _const, _keys, _sparse, _sum_into, _take, _unravel, _with_static, slice as _slice
from .sparse_tensor import SparseTensor, from_parts, static_dense

__all__ = ["bincount", "eye", "fill_empty_rows", "maximum", "minimum", "reset_shape", "segment_mean", "segment_sqrt_n",
           "segment_sum", "softmax", "split", "to_indicator"]


# ---------------------------------------------------------------------------
# the union of two SparseTensors' entries


def _union(a, b, opname, fn):
    a, b = _sparse(a, opname, "sp_a"), _sparse(b, opname, "sp_b")
    if a.shape != b.shape:
        raise ValueError(f"sparse.{opname}: sp_a has shape {list(a.shape)}, sp_b {list(b.shape)}; they must match")
    if a.dtype != b.dtype:
        raise TypeError(f"sparse.{opname}: sp_a has dtype {a.dtype}, sp_b {b.dtype}; they must match")
    xp = a.values.xp
    ka, kb = _keys(a.indices._data, a.shape), _keys(b.indices._data, b.shape)
    keys, inverse = xp.unique(xp.concatenate([ka, kb]), return_inverse=True)
    inverse = inverse.reshape(-1)
    n, static = keys.shape[0], a._static and b._static
    # each operand over the union, its implicit zeros made explicit
    va = _sum_into(a.values, inverse[:ka.shape[0]], n, static)
    vb = _sum_into(b.values, inverse[ka.shape[0]:], n, static)
    return from_parts(_const(_unravel(keys, a.shape), static), fn(va, vb), a.shape, static)


def maximum(sp_a, sp_b, name=None) -> SparseTensor:
    """The elementwise maximum of two SparseTensors of one shape, over the union of their
    entries (an entry only one holds meets an implicit zero)."""
    return _union(sp_a, sp_b, "maximum", _maximum)


def minimum(sp_a, sp_b, name=None) -> SparseTensor:
    """The elementwise minimum of two SparseTensors of one shape, over the union of their
    entries (an entry only one holds meets an implicit zero)."""
    return _union(sp_a, sp_b, "minimum", _minimum)


# ---------------------------------------------------------------------------
# row ops (a row: all indices but the last)


def _rows(sp):
    """For each entry, the index of its row among the rows that hold entries, and their count."""
    xp = sp.values.xp
    keys = _keys(sp.indices._data[:, :-1], sp.shape[:-1])
    rows, inverse = xp.unique(keys, return_inverse=True)
    return inverse.reshape(-1), rows.shape[0]


def softmax(sp_input, name=None) -> SparseTensor:
    """The softmax of each row's stored values (the last dimension; implicit zeros take no
    part), in the same entries.

    >>> st = wb.SparseTensor([[0, 0], [0, 2], [1, 1]], [1.0, 2.0, 3.0], [2, 3])
    >>> [round(float(v), 4) for v in wb.sparse.softmax(st).values.numpy()]
    [0.2689, 0.7311, 1.0]
    """
    sp = _sparse(sp_input, "softmax")
    if sp.values._data.dtype.kind != "f":
        raise TypeError(f"sparse.softmax: values must be floating point, got dtype {sp.values.dtype}")
    if len(sp.shape) < 2:
        raise ValueError(f"sparse.softmax: sp_input must have rank >= 2, got shape {list(sp.shape)}")
    if sp.values.shape[0] == 0:
        return sp
    row, n = _rows(sp)
    row_t = _const(row, sp._static)
    top = unsorted_segment_max(sp.values, row_t, n)
    e = exp(subtract(sp.values, gather(top, row_t)))
    return sp.with_values(divide(e, gather(unsorted_segment_sum(e, row_t, n), row_t)))


def fill_empty_rows(sp_input, default_value, name=None):
    """``(filled, empty_row_indicator)``: ``sp_input`` with ``default_value`` at index
    ``[r, 0, ...]`` of every row ``r`` (of dimension 0) that holds no entry, in canonical order;
    and a bool vector marking those rows."""
    sp = _sparse(sp_input, "fill_empty_rows")
    if len(sp.shape) < 1:
        raise ValueError("sparse.fill_empty_rows: sp_input must have rank >= 1")
    xp = sp.values.xp
    idx = sp.indices._data
    nrows = sp.shape[0]
    empty = xp.bincount(idx[:, 0], minlength=nrows)[:nrows] == 0 if idx.shape[0] else xp.ones(nrows, bool)
    missing = xp.nonzero(empty)[0]
    fill = xp.zeros((missing.shape[0], len(sp.shape)), np.int64)
    fill[:, 0] = missing
    default = convert_to_tensor(default_value, dtype=sp.dtype)
    if default.ndim:
        raise ValueError(f"sparse.fill_empty_rows: default_value must be a scalar, got shape {default.shape}")
    both = xp.concatenate([idx, fill])
    order = xp.argsort(_keys(both, sp.shape), kind="stable")
    values = concat([sp.values, broadcast_to(default, (missing.shape[0],))], axis=0)
    filled = from_parts(_const(both[order], sp._static), _take(values, order, sp._static), sp.shape, sp._static)
    return filled, core.wrap(empty)


def to_indicator(sp_input, vocab_size, name=None) -> Tensor:
    """A dense bool tensor of shape ``dense_shape[:-1] + [vocab_size]``: True at
    ``[..., v]`` for each stored (integer) value ``v`` of that row."""
    sp = _sparse(sp_input, "to_indicator")
    if sp.values._data.dtype.kind not in "iu":
        raise TypeError(f"sparse.to_indicator: values must be integers, got dtype {sp.values.dtype}")
    n = argcheck.integer(vocab_size, "vocab_size", "sparse.to_indicator", minimum=0)
    xp = sp.values.xp
    vals = sp.values._data.astype(np.int64)
    if vals.size and (int(vals.min()) < 0 or int(vals.max()) >= n):
        bad = backend.to_numpy(vals[(vals < 0) | (vals >= n)])[0]
        raise InvalidArgumentError(f"sparse.to_indicator: value {bad} is not in [0, vocab_size={n})")
    out = xp.zeros(tuple(sp.shape[:-1]) + (n,), bool)
    out[tuple(sp.indices._data[:, :-1].T) + (vals,)] = True
    return core.wrap(out)


# ---------------------------------------------------------------------------
# shape


def split(sp_input=None, num_split=None, axis=None, name=None) -> list:
    """``sp_input`` cut along ``axis`` into ``num_split`` SparseTensors; when the size does
    not divide, the first ``size % num_split`` pieces are one longer (TF's rule)."""
    sp = _sparse(sp_input, "split")
    k = argcheck.integer(num_split, "num_split", "sparse.split", minimum=1)
    rank = len(sp.shape)
    a = argcheck.integer(axis, "axis", "sparse.split")
    if not -rank <= a < rank:
        raise ValueError(f"sparse.split: axis={axis} is out of range for rank {rank}")
    a %= rank
    size = sp.shape[a]
    pieces, start = [], 0
    for i in range(k):
        length = size // k + (1 if i < size % k else 0)
        begin = [0] * rank
        begin[a] = start
        extent = list(sp.shape)
        extent[a] = length
        pieces.append(_slice(sp, begin, extent))
        start += length
    return pieces


def eye(num_rows, num_columns=None, dtype=np.float32, name=None) -> SparseTensor:
    """The identity as a ``[num_rows, num_columns]`` SparseTensor (ones on the diagonal)."""
    rows = argcheck.integer(num_rows, "num_rows", "sparse.eye", minimum=0)
    cols = rows if num_columns is None else argcheck.integer(num_columns, "num_columns", "sparse.eye", minimum=0)
    diag = np.arange(min(rows, cols), dtype=np.int64)
    return SparseTensor(np.stack([diag, diag], axis=1), np.ones(diag.shape[0], as_dtype(dtype)), [rows, cols])


def reset_shape(sp_input, new_shape=None) -> SparseTensor:
    """The same entries with dense shape ``new_shape`` (no smaller than the current one in any
    dimension), or by default the tightest shape that holds them (each largest index + 1)."""
    sp = _sparse(sp_input, "reset_shape")
    if new_shape is None:
        idx = backend.to_numpy(sp.indices._data)
        shape = (idx.max(axis=0) + 1).tolist() if idx.shape[0] else [0] * len(sp.shape)
    else:
        shape = [argcheck.integer(s, "new_shape", "sparse.reset_shape", minimum=0) for s in
                 (new_shape.numpy().tolist() if isinstance(new_shape, Tensor) else list(new_shape))]
        if len(shape) != len(sp.shape):
            raise ValueError(f"sparse.reset_shape: new_shape {shape} must have rank {len(sp.shape)}, as sp_input")
        if any(n < s for n, s in zip(shape, sp.shape)):
            raise ValueError(f"sparse.reset_shape: new_shape {shape} must be no smaller than the current shape "
                             f"{list(sp.shape)} in every dimension")
    return from_parts(sp.indices, sp.values, tuple(shape), sp._static)


# ---------------------------------------------------------------------------
# sparse segment reductions: rows of a dense tensor picked by indices, reduced by segment


def _picked(data, indices, segment_ids, opname, sparse_gradient=False):
    d = convert_to_tensor(data)
    idx = convert_to_tensor(indices)
    ids = convert_to_tensor(segment_ids)
    if idx.ndim != 1 or ids.shape != idx.shape:
        raise ValueError(f"sparse.{opname}: indices and segment_ids must be vectors of one length, got shapes "
                         f"{idx.shape} and {ids.shape}")
    # TF 2.21: data's gradient is dense unless sparse_gradient=True (then IndexedSlices)
    return take_rows(d, idx, dense=not sparse_gradient) if idx.shape[0] else gather(d, idx), ids


def _segments(kind, data, indices, segment_ids, num_segments, opname, sparse_gradient=False):
    rows, ids = _picked(data, indices, segment_ids, opname, sparse_gradient)
    if num_segments is not None:
        total = unsorted_segment_sum(rows, ids, num_segments)
        counts = unsorted_segment_sum(ones_like(ids, dtype=rows.dtype), ids, num_segments) if kind != "sum" else None
    else:
        total = _segment_sum(rows, ids)
        counts = _segment_sum(ones_like(ids, dtype=rows.dtype), ids) if kind != "sum" else None
    if counts is None:
        return total
    counts = _maximum(counts, 1)   # an empty segment's total is 0, and stays 0
    scale = counts if kind == "mean" else sqrt(counts)
    return divide(total, reshape(scale, tuple(scale.shape) + (1,) * (total.ndim - 1)))


def segment_sum(data, indices, segment_ids, num_segments=None, name=None, sparse_gradient=False) -> Tensor:
    """The sums of ``data[indices]`` by ``segment_ids`` (sorted; ``num_segments`` rows when
    given, else the largest id + 1), TF's ``tf.sparse.segment_sum``. ``data``'s gradient is dense,
    IndexedSlices with ``sparse_gradient=True``, as TF's."""
    return _segments("sum", data, indices, segment_ids, num_segments, "segment_sum", sparse_gradient)


def segment_mean(data, indices, segment_ids, num_segments=None, name=None, sparse_gradient=False) -> Tensor:
    """The means of ``data[indices]`` by ``segment_ids`` (0 for an empty segment)."""
    return _segments("mean", data, indices, segment_ids, num_segments, "segment_mean", sparse_gradient)


def segment_sqrt_n(data, indices, segment_ids, num_segments=None, name=None, sparse_gradient=False) -> Tensor:
    """The sums of ``data[indices]`` by ``segment_ids``, each divided by the square root of
    its segment's size (0 for an empty segment)."""
    return _segments("sqrt_n", data, indices, segment_ids, num_segments, "segment_sqrt_n", sparse_gradient)


# ---------------------------------------------------------------------------
# bincount


def _flat_entries(x, what):
    """``(row ids, values, nrows)`` of a dense, sparse or ragged input of rank 1 or 2 (row ids
    None for rank 1)."""
    if isinstance(x, SparseTensor):
        rows = x.indices._data[:, 0] if len(x.shape) == 2 else None
        return rows, x.values, (x.shape[0] if len(x.shape) == 2 else 1)
    if hasattr(x, "nested_row_splits"):   # a RaggedTensor (the ragged package is a layer above)
        if x.ragged_rank != 1 or x.flat_values.ndim != 1:
            raise ValueError(f"sparse.bincount: {what} must be 2-D, got a RaggedTensor of shape {tuple(x.shape)}")
        return x.value_rowids()._data, x.flat_values, x.nrows_int()
    t = convert_to_tensor(x)
    if t.ndim not in (1, 2):
        raise ValueError(f"sparse.bincount: {what} must have rank 1 or 2, got shape {t.shape}")
    if t.ndim == 1:
        return None, t, 1
    xp = t.xp
    rows = xp.repeat(xp.arange(t.shape[0], dtype=np.int64), t.shape[1])
    return rows, reshape(t, (-1,)), t.shape[0]


def bincount(values, weights=None, axis=0, minlength=None, maxlength=None, binary_output=False,
             name=None) -> SparseTensor:
    """TF's ``tf.sparse.bincount``: how often each non-negative integer occurs in ``values``
    (dense, sparse or ragged), as a SparseTensor; with ``axis=-1`` per row of a 2-D input.
    ``weights`` (shaped as ``values``) are summed instead of counting; ``binary_output`` marks
    presence with 1; the last dimension is ``max(values) + 1``, at least ``minlength`` and at
    most ``maxlength`` (larger values are dropped).

    >>> st = wb.sparse.bincount(wb.constant([[1, 3, 1], [2, 2, 0]]), axis=-1)
    >>> st.indices.numpy().tolist(), st.values.numpy().tolist()
    ([[0, 1], [0, 3], [1, 0], [1, 2]], [2, 1, 1, 2])
    """
    rows, vals, nrows = _flat_entries(values, "values")
    if vals.dtype.kind not in "iu":
        raise TypeError(f"sparse.bincount: values must be integers, got dtype {vals.dtype}")
    a = 0 if axis is None else argcheck.integer(axis, "axis", "sparse.bincount")
    if a not in (0, -1):
        raise ValueError(f"sparse.bincount: axis must be 0 or -1, got {axis}")
    per_row = a == -1 and rows is not None
    xp = vals.xp
    v = vals._data.astype(np.int64)
    if v.size and int(v.min()) < 0:
        raise InvalidArgumentError(f"sparse.bincount: values must be non-negative, got {int(v.min())}")
    size = int(v.max()) + 1 if v.size else 0
    if minlength is not None:
        size = max(size, argcheck.integer(minlength, "minlength", "sparse.bincount", minimum=0))
    if maxlength is not None:
        size = min(size, argcheck.integer(maxlength, "maxlength", "sparse.bincount", minimum=0))
    keep = xp.nonzero(v < size)[0]
    keys = (rows[keep] * size if per_row else 0) + v[keep]
    slots, inverse = xp.unique(keys, return_inverse=True)
    inverse = inverse.reshape(-1)
    if weights is not None:
        w = _flat_entries(weights, "weights")[1]
        if w.shape != vals.shape:
            raise ValueError(f"sparse.bincount: weights must be shaped as values ({vals.shape[0]} entries), "
                             f"got {w.shape[0]}")
        counts = _sum_into(_take(w, keep, False), inverse, slots.shape[0], False)
    else:
        counts = core.wrap(xp.bincount(inverse, minlength=slots.shape[0]).astype(vals._data.dtype))
    if binary_output:
        counts = core.wrap(xp.ones(slots.shape[0], dtype=counts._data.dtype))
    shape = (nrows, size) if per_row else (size,)
    indices = xp.stack([slots // size, slots % size], axis=1) if per_row else slots[:, None]
    return from_parts(_const(indices, False), counts, shape, False)



def _merged_rule(out, sp_a, sp_b, name=None):
    a, b = static_dense(sp_a), static_dense(sp_b)
    if a is None or b is None:
        return a if b is None else b
    return False if None not in a + b else [x if x is not None else y for x, y in zip(a, b)]


def _fill_rule(out, sp_input, default_value, name=None):
    dims = static_dense(sp_input)   # (the filled SparseTensor, the empty-row indicator)
    if dims is not None and None in dims:
        static_dense(out[0], dims)
        static_dense(out[1], dims[:1])
    return False


def _indicator_rule(out, sp_input, vocab_size, name=None):
    dims = static_dense(sp_input)
    if dims is None or None in dims:
        return None if dims is None else dims[:-1] + [int(vocab_size)]
    return False


maximum = _with_static(maximum, _merged_rule)
minimum = _with_static(minimum, _merged_rule)
fill_empty_rows = _with_static(fill_empty_rows, _fill_rule)
to_indicator = _with_static(to_indicator, _indicator_rule)


def _reset_rule(out, sp_input, new_shape=None):
    dims = static_dense(sp_input)   # without a new shape: the indices decide every size
    if new_shape is None:
        return None if dims is None else [None] * len(dims)
    known = core.static_value(new_shape)
    return False if known is not None and None not in known else known


def _eye_rule(out, num_rows, num_columns=None, dtype=None, name=None):
    rows = core.static_value(num_rows)
    cols = rows if num_columns is None else core.static_value(num_columns)
    return False if rows is not None and cols is not None else [rows, cols]


reset_shape = _with_static(reset_shape, _reset_rule)
eye = _with_static(eye, _eye_rule)
