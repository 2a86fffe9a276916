"""``wb.matmul`` with ragged operands, as TF 2.21's ragged dispatch.

Rank 2: the matrices may not be ragged in their innermost dimension (rows of one length),
and the result is a dense Tensor. Rank 3 (``[batch, rows, cols]``, ragged in dimension 1):
one product per batch item; the result is ragged in its rows when ``a``'s ragged dimension
gives them, in its columns when ``b``'s does. Both are computed on zero-padded dense
tensors (padding adds nothing to a product), so gradients flow to the flat values.
Rank > 3: both operands' outermost dimensions split alike, then the same one rank lower.
"""

from __future__ import annotations

import numpy as np

import workbench as wb
from workbench import backend, core

from .ragged_tensor import RaggedTensor


def _innermost_error():
    return wb.errors.InvalidArgumentError(
        None, None, "The matrices in `a` and `b` may not be ragged in their innermost dimension.")


def _uniform_inner(x, ragged_rank=1):
    """``x`` (ragged) with its innermost ragged dimensions made uniform down to ``ragged_rank``,
    or TF's error when a matrix is ragged in its innermost dimension."""
    parts, flat = list(x.partitions), x.flat_values
    while len(parts) > ragged_rank:
        lengths = backend.to_numpy(parts[-1]._row_lengths_arr())
        if lengths.size and np.any(lengths != lengths[0]):
            raise _innermost_error()
        width = int(lengths[0]) if lengths.size else 0
        flat = wb.reshape(flat, [parts[-1]._nrows_int(), width] + list(flat.shape[1:]))
        parts.pop()
    for p in reversed(parts):
        flat = RaggedTensor(flat, p, _internal=True)
    return flat


def _dense2(x):
    if not isinstance(x, RaggedTensor):
        return x
    lengths = backend.to_numpy(x._partition._row_lengths_arr())
    if lengths.size and np.any(lengths != lengths[0]):
        raise _innermost_error()
    width = int(lengths[0]) if lengths.size else 0
    return wb.reshape(x.flat_values, [x._partition._nrows_int(), width])


def ragged_matmul(a, b, transpose_a=False, transpose_b=False, adjoint_a=False, adjoint_b=False,
                  a_is_sparse=False, b_is_sparse=False, output_type=None, name=None):
    """``a @ b`` where ``a`` or ``b`` is a RaggedTensor (see the module's docstring)."""
    if not isinstance(a, RaggedTensor):
        a = wb.convert_to_tensor(a)
    if not isinstance(b, RaggedTensor):
        b = wb.convert_to_tensor(b, dtype_hint=a.dtype)
    if a.shape.rank != b.shape.rank:
        raise ValueError(f"`a` and `b` must have the same rank. (matmul: a has rank {a.shape.rank}, "
                         f"b has rank {b.shape.rank})")
    if np.dtype(a.dtype) != np.dtype(b.dtype):
        raise ValueError(f"`a` and `b` must have the same dtype. (matmul: a is {a.dtype}, b is {b.dtype})")
    kwargs = dict(transpose_a=transpose_a, transpose_b=transpose_b, adjoint_a=adjoint_a, adjoint_b=adjoint_b,
                  a_is_sparse=a_is_sparse, b_is_sparse=b_is_sparse, output_type=output_type)
    rank = a.shape.rank
    if rank == 2:
        return wb.matmul(_dense2(a), _dense2(b), **kwargs)
    if rank > 3:
        return _matmul_ragged_batch(a, b, rank, kwargs)
    a = _uniform_inner(a) if isinstance(a, RaggedTensor) else a
    b = _uniform_inner(b) if isinstance(b, RaggedTensor) else b
    na, nb = _nrows(a), _nrows(b)
    if na != nb:
        raise ValueError(f"Dimensions {nb} and {na} are not compatible (matmul: a has {na} batch items, "
                         f"b has {nb})")
    ta, tb = transpose_a or adjoint_a, transpose_b or adjoint_b
    # each item's sizes (rows, cols) before any transpose
    ra, ca = _sizes(a, na)
    rb, cb = _sizes(b, nb)
    m, k = (ca, ra) if ta else (ra, ca)
    k2, n = (cb, rb) if tb else (rb, cb)
    bad = np.nonzero(k != k2)[0]
    if bad.size:
        i = int(bad[0])
        raise wb.errors.InvalidArgumentError(
            None, None, f"Matrix size-incompatible: In[0]: [{m[i]},{k[i]}], In[1]: [{k2[i]},{n[i]}] "
                        f"(matmul: batch item {i})")
    dense_a = a.to_tensor() if isinstance(a, RaggedTensor) else a
    dense_b = b.to_tensor() if isinstance(b, RaggedTensor) else b
    out = wb.matmul(dense_a, dense_b, **kwargs)   # [batch, max rows, max cols]
    rows_ragged = isinstance(a, RaggedTensor) and not ta
    cols_ragged = isinstance(b, RaggedTensor) and tb
    splits_dtype = (a if isinstance(a, RaggedTensor) else b).row_splits_dtype
    row_cols = np.repeat(n, m)   # each result row's length
    if cols_ragged:   # padding beyond the longest result row (an item with no rows has columns)
        out = out[:, :, :int(row_cols.max()) if row_cols.size else 0]
    if rows_ragged and cols_ragged:
        return RaggedTensor.from_tensor(out, lengths=(m, row_cols), row_splits_dtype=splits_dtype)
    if rows_ragged:
        return RaggedTensor.from_tensor(out, lengths=m, row_splits_dtype=splits_dtype)
    width = int(m[0]) if m.size else int(out.shape[1])
    flat = wb.reshape(out, [-1] + list(out.shape[2:]))
    if cols_ragged:
        flat = RaggedTensor.from_tensor(flat, lengths=row_cols, row_splits_dtype=splits_dtype)
    return RaggedTensor.from_uniform_row_length(flat, width).with_row_splits_dtype(splits_dtype)


def _matmul_ragged_batch(a, b, rank, kwargs):
    """Rank > 3: the outermost dimensions of both operands split alike (a dense operand is
    split as the ragged one), then the product of their values, one rank lower."""
    a, b = (x if isinstance(x, RaggedTensor) else RaggedTensor.from_tensor(x) for x in (a, b))
    if not a._partition.is_same(b._partition):
        raise wb.errors.InvalidArgumentError(None, None, "Batch dimensions of `a` and `b` do not have the same size.")
    va, vb = a.values, b.values
    if isinstance(va, RaggedTensor) or isinstance(vb, RaggedTensor):
        return a.with_values(ragged_matmul(va, vb, **kwargs))
    return a.with_values(wb.matmul(va, vb, **kwargs))


def _nrows(x):
    return x._partition._nrows_int() if isinstance(x, RaggedTensor) else int(x.shape[0])


def _sizes(x, n):
    """Each batch item's (rows, cols) as int64 arrays."""
    if isinstance(x, RaggedTensor):
        rows = backend.to_numpy(x._partition._row_lengths_arr()).astype(np.int64)
        return rows, np.full(n, int(x.flat_values.shape[-1]), np.int64)
    return np.full(n, int(x.shape[1]), np.int64), np.full(n, int(x.shape[2]), np.int64)


core.register_dispatch(wb.matmul, ragged_matmul)
