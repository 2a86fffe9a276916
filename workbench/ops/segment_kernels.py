"""Segment reductions on raw arrays: the forward kernels behind ``wb.math.segment_*``.

These take the array module ``xp`` and plain NumPy/CuPy arrays, record nothing on
tapes and validate nothing: callers check the ids and drop negative ones first.
The ragged package builds its row reductions on them.

Shapes: ``data`` is ``[n, ...]``, ``segment_ids`` is ``[n]`` with values in
``[0, num_segments)``, the result is ``[num_segments, ...]``. ``row_splits`` is
``[num_segments + 1]``, non-decreasing: segment ``s`` is ``data[splits[s]:splits[s+1]]``.

>>> segment_reduce(np, "sum", np.array([1., 2., 3.]), np.array([0, 0, 2]), 3, sorted=True)
array([3., 0., 3.])

On the CPU, sorted ids and row splits go through ``ufunc.reduceat`` (only over the
non-empty segments: ``reduceat`` returns the element at an offset, not the
identity, when two consecutive offsets are equal). Unsorted vectors are summed by
``np.bincount`` or ``ufunc.at``; unsorted rows of several columns are sorted by
id first (a stable argsort is cheaper than ``ufunc.at`` on rows). Sums of rows with several columns are a sparse 0/1 matrix
times the data (SciPy's CSR product): NumPy's ``reduceat`` along axis 0 runs
column by column and is about 20 times slower there.

On a GPU, sums, maxima and minima scatter atomically (``ufunc.at`` /
``cupyx.scatter_*``); products, which have no atomic form, sort the ids and run
one thread per output element over its segment's rows.
"""

from __future__ import annotations

import numpy as np

from .. import dtypes

KINDS = ("sum", "prod", "max", "min")
_UFUNC = {"sum": "add", "prod": "multiply", "max": "maximum", "min": "minimum"}


def lowest(dtype):
    """The smallest value of ``dtype`` (TF's ``numeric_limits<T>::lowest()``)."""
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        return np.finfo(dtype).min
    if dtype.name == "bfloat16":   # ml_dtypes' (NumPy kind "V")
        return dtypes.as_dtype(dtype).min
    if dtype.kind == "b":
        return False
    return np.iinfo(dtype).min


def highest(dtype):
    """The largest value of ``dtype`` (TF's ``numeric_limits<T>::max()``)."""
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        return np.finfo(dtype).max
    if dtype.name == "bfloat16":   # ml_dtypes' (NumPy kind "V")
        return dtypes.as_dtype(dtype).max
    if dtype.kind == "b":
        return True
    return np.iinfo(dtype).max


def identity(kind, dtype):
    """The value a reduction starts from (-inf for a float max, so that -inf data survives)."""
    dtype = np.dtype(dtype)
    if kind == "sum":
        return 0
    if kind == "prod":
        return 1
    if kind == "max":
        return -np.inf if dtype.kind == "f" else lowest(dtype)
    return np.inf if dtype.kind == "f" else highest(dtype)


def splits_from_sorted_ids(xp, segment_ids, num_segments):
    """Row splits ``[num_segments + 1]`` of sorted segment ids."""
    return xp.searchsorted(segment_ids, xp.arange(num_segments + 1, dtype=segment_ids.dtype),
                           side="left")


def segment_count(xp, segment_ids, num_segments):
    """How many rows each segment has, ``[num_segments]`` int64."""
    if segment_ids.size == 0:
        return xp.zeros((num_segments,), np.int64)
    return xp.bincount(segment_ids, minlength=num_segments).astype(np.int64, copy=False)


def segment_reduce(xp, kind, data, segment_ids, num_segments, sorted=False, empty=None):
    """Reduce the rows of ``data`` by segment: ``kind`` is 'sum', 'prod', 'max' or 'min'.

    ``sorted``: the ids are non-decreasing (a faster path). ``empty``: the value of
    segments with no rows (default: the reduction's identity; lowest/highest value
    of the dtype for max/min).
    """
    num_segments = int(num_segments)
    if sorted:
        return reduce_row_splits(xp, kind, data, splits_from_sorted_ids(xp, segment_ids, num_segments),
                                 empty)
    if empty is None and kind in ("max", "min"):
        empty = lowest(data.dtype) if kind == "max" else highest(data.dtype)
    if xp is not np and kind == "prod":
        order = xp.argsort(segment_ids)
        return reduce_row_splits(xp, kind, data[order],
                                 splits_from_sorted_ids(xp, segment_ids[order], num_segments), empty)
    if xp is np and segment_ids.size:
        if kind == "sum" and data.ndim == 1 and data.dtype.kind == "f" and empty is None:
            return np.bincount(segment_ids, weights=data, minlength=num_segments).astype(data.dtype)
        if kind == "sum" and _sparse_sum_ok(data) and empty is None:
            return _csr_sum(data, num_segments, ids=segment_ids)
        if data.ndim > 1 and data[0].size > 1:  # ufunc.at is fast on vectors only
            order = np.argsort(segment_ids, kind="stable")
            return reduce_row_splits(np, kind, data[order],
                                     splits_from_sorted_ids(np, segment_ids[order], num_segments), empty)
    out = xp.full((num_segments,) + data.shape[1:], identity(kind, data.dtype), data.dtype)
    _scatter(xp, kind, out, segment_ids, data)
    if empty is not None and empty != identity(kind, data.dtype):
        out[segment_count(xp, segment_ids, num_segments) == 0] = empty
    return out


def reduce_row_splits(xp, kind, data, row_splits, empty=None):
    """Reduce contiguous runs of rows: segment ``s`` is ``data[row_splits[s]:row_splits[s+1]]``."""
    nseg = int(row_splits.shape[0]) - 1
    ident = identity(kind, data.dtype)
    fill = ident if empty is None else empty
    if xp is not np:
        return _gpu_reduce_splits(xp, kind, data, row_splits, ident, fill)
    if kind == "sum" and _sparse_sum_ok(data) and fill == 0:
        return _csr_sum(data, nseg, splits=row_splits)
    out = np.full((nseg,) + data.shape[1:], fill, data.dtype)
    starts = row_splits[:-1]
    nonempty = row_splits[1:] > starts
    if nseg and nonempty.any():
        ufunc = getattr(np, _UFUNC[kind])
        # the last non-empty segment runs to the end of what reduceat sees
        out[nonempty] = ufunc.reduceat(data[:int(row_splits[-1])], starts[nonempty], axis=0)
    return out


def segment_mean(xp, data, segment_ids, num_segments, sorted=False):
    """Mean per segment; 0 for empty segments. Integer data: the sum divided with truncation."""
    total = segment_reduce(xp, "sum", data, segment_ids, num_segments, sorted)
    count = segment_count(xp, segment_ids, num_segments)
    count = xp.maximum(count, 1).reshape((-1,) + (1,) * (data.ndim - 1))
    if data.dtype.kind in "iu":
        return (xp.sign(total) * (xp.abs(total) // count)).astype(data.dtype)
    return (total / count.astype(data.dtype)).astype(data.dtype, copy=False)


# ---------------------------------------------------------------------------
# the CPU's sparse sum, the scatters and the GPU kernel

_SPARSE_DTYPES = frozenset(np.dtype(t) for t in ("float32", "float64", "complex64", "complex128",
                                                  "int32", "int64"))


def _sparse_sum_ok(data):
    return data.ndim > 1 and data.shape[0] > 0 and data[0].size > 1 and data.dtype in _SPARSE_DTYPES


def _csr_sum(data, num_segments, ids=None, splits=None):
    """Segment sums as ``A @ data`` with ``A[s, r] = 1`` where row ``r`` is in segment ``s``."""
    import scipy.sparse  # optional: imported only when this is used
    n = data.shape[0]
    rows = data.reshape(n, -1)
    if splits is not None:
        lo, hi = int(splits[0]), int(splits[-1])
        a = scipy.sparse.csr_matrix((np.ones(hi - lo, data.dtype), np.arange(lo, hi), splits - lo),
                                    shape=(num_segments, n))
    else:
        a = scipy.sparse.csr_matrix((np.ones(n, data.dtype), (ids, np.arange(n))), shape=(num_segments, n))
    out = np.asarray(a @ rows, dtype=data.dtype)
    return out.reshape((num_segments,) + data.shape[1:])


def _scatter(xp, kind, out, ids, data):
    """``out[ids] = op(out[ids], data)`` with repeated ids combined."""
    name = _UFUNC[kind]
    if xp is np:
        getattr(np, name).at(out, ids, data)
        return
    try:
        getattr(xp, name).at(out, ids, data)
    except (AttributeError, NotImplementedError):
        import cupyx  # CuPy before ufunc.at: the scatter functions do the same
        {"add": cupyx.scatter_add, "maximum": cupyx.scatter_max,
         "minimum": cupyx.scatter_min}[name](out, ids, data)


_COMBINE = {"sum": "a + b", "prod": "a * b", "max": "(b > a || b != b) ? b : a",
            "min": "(b < a || b != b) ? b : a"}
_KERNELS: dict = {}


def _gpu_kernel(xp, kind):
    kernel = _KERNELS.get(kind)
    if kernel is None:
        # one thread per output element walks its segment's rows; the row range
        # comes from the splits, so empty segments cost nothing
        kernel = xp.ElementwiseKernel(
            "raw T data, raw S splits, int64 inner, T init, T fill",
            "T out",
            f"""
            const long long seg = i / inner;
            const long long col = i % inner;
            const long long lo = splits[seg];
            const long long hi = splits[seg + 1];
            T acc = init;
            for (long long r = lo; r < hi; ++r) {{
                const T a = acc;
                const T b = data[r * inner + col];
                acc = {_COMBINE[kind]};
            }}
            out = (hi > lo) ? acc : fill;
            """,
            f"workbench_segment_{kind}")
        _KERNELS[kind] = kernel
    return kernel


def _gpu_reduce_splits(xp, kind, data, row_splits, ident, fill):
    nseg = int(row_splits.shape[0]) - 1
    inner = int(np.prod(data.shape[1:], dtype=np.int64))
    out = xp.empty((nseg,) + data.shape[1:], data.dtype)
    if out.size == 0:
        return out
    flat = xp.ascontiguousarray(data).reshape(-1) if data.size else xp.zeros(1, data.dtype)
    dt = data.dtype.type
    _gpu_kernel(xp, kind)(flat, row_splits.astype(np.int64), np.int64(inner),
                          dt(ident), dt(fill), out.reshape(-1))
    return out
