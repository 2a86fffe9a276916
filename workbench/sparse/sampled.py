"""``sampled_addmm``: a dense product read only where a sparse pattern has entries."""

from __future__ import annotations

from ..core import convert_to_tensor
from ..ops.indexing import gather
from ..ops.linalg import matrix_transpose
from ..ops.reduce import reduce_sum


def sampled_addmm(indices, values, dense_shape, mat1, mat2, beta=1.0, alpha=1.0, output_type=None):
    """``alpha * (mat1 @ mat2)`` at ``indices`` plus ``beta * values`` (TF's
    ``tf.sparse.sampled_addmm``), returned as ``(indices, values, dense_shape)``. Batch dimensions
    lead every argument (``indices`` ``[..., nnz, 2]``, ``values`` ``[..., nnz]``, ``mat1``
    ``[..., M, N]``, ``mat2`` ``[..., N, P]``); only the sampled dot products are computed.
    Differentiable in ``values``, ``mat1`` and ``mat2``.

    >>> _, v, _ = wb.sparse.sampled_addmm([[0, 0], [1, 1]], [0.5, 0.3], [2, 2],
    ...                                   [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]],
    ...                                   [[7.0, 8.0], [9.0, 10.0], [11.0, 12.0]], alpha=0.75, beta=0.25)
    >>> v.numpy()
    array([ 43.625, 115.575], dtype=float32)
    """
    opname = "sparse.sampled_addmm"
    idx = convert_to_tensor(indices)
    a = convert_to_tensor(mat1)
    b = convert_to_tensor(mat2, dtype=a.dtype)
    vals = convert_to_tensor(values, dtype=a.dtype)
    shape = convert_to_tensor(dense_shape)
    if idx.dtype.kind not in "iu" or idx.ndim < 2 or idx.shape[-1] != 2:
        raise ValueError(f"{opname}: indices must be integers of shape [..., nnz, 2], got {idx.dtype} "
                         f"of shape {idx.shape}")
    if a.ndim < 2 or b.ndim != a.ndim or a.shape[-1] != b.shape[-2]:
        raise ValueError(f"{opname}: mat1 [..., M, N] and mat2 [..., N, P] do not multiply: shapes "
                         f"{a.shape} and {b.shape}")
    if tuple(vals.shape) != tuple(idx.shape[:-1]):
        raise ValueError(f"{opname}: values must have shape {tuple(idx.shape[:-1])} (one per index), got "
                         f"{vals.shape}")
    want = [int(v) for v in shape.numpy().reshape(-1)]
    if want[-2:] != [a.shape[-2], b.shape[-1]]:
        raise ValueError(f"{opname}: dense_shape {want} must end with [{a.shape[-2]}, {b.shape[-1]}], the "
                         "shape of mat1 @ mat2")
    batch = a.ndim - 2
    rows = gather(a, idx[..., 0], axis=batch, batch_dims=batch)
    cols = gather(matrix_transpose(b), idx[..., 1], axis=batch, batch_dims=batch)
    out = alpha * reduce_sum(rows * cols, axis=-1) + beta * vals
    return idx, out, shape
