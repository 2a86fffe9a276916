"""Sparse-or-dense products and ``dense_to_sparse`` of ``tfp.math``."""

from __future__ import annotations

import numpy as np

import workbench as wb

__all__ = ["sparse_or_dense_matmul", "sparse_or_dense_matvecmul", "dense_to_sparse"]


def sparse_or_dense_matmul(sparse_or_dense_a, dense_b, validate_args=False, name=None, **kwargs):
    """``a @ b`` where ``a`` is a ``wb.sparse.SparseTensor`` (rank 2) or a dense tensor; ``kwargs``
    (``adjoint_a``, ``adjoint_b``, ...) go to ``wb.sparse.sparse_dense_matmul`` or ``wb.matmul``."""
    if isinstance(sparse_or_dense_a, wb.sparse.SparseTensor):
        if len(sparse_or_dense_a.shape) != 2:
            raise ValueError("sparse_or_dense_matmul: a sparse sparse_or_dense_a must have rank 2, "
                             f"got shape {sparse_or_dense_a.shape}")
        return wb.sparse.sparse_dense_matmul(sparse_or_dense_a, dense_b, **kwargs)
    return wb.linalg.matmul(sparse_or_dense_a, dense_b, **kwargs)


def sparse_or_dense_matvecmul(sparse_or_dense_matrix, dense_vector, validate_args=False, name=None, **kwargs):
    """``matrix @ vector`` (``dense_vector`` ``[n]``) for a sparse or dense ``matrix``."""
    product = sparse_or_dense_matmul(sparse_or_dense_matrix, wb.expand_dims(dense_vector, -1),
                                     validate_args=validate_args, **kwargs)
    return wb.squeeze(product, -1)


def dense_to_sparse(x, ignore_value=None, name=None):
    """A ``SparseTensor`` holding the entries of ``x`` that differ from ``ignore_value`` (default 0,
    or ``''`` for strings)."""
    x = wb.convert_to_tensor(x)
    data = wb.backend.to_numpy(x._data)
    if ignore_value is None:
        ignore_value = b"" if data.dtype.kind in "SOU" else 0
    if data.dtype.kind == "O":
        keep = np.vectorize(lambda v: v != ignore_value and v != getattr(ignore_value, "decode",
                                                                          lambda: ignore_value)())(data)
    else:
        keep = data != ignore_value
    indices = np.argwhere(keep).astype(np.int64).reshape(-1, x.ndim)
    values = wb.gather_nd(x, wb.constant(indices)) if indices.size else wb.constant(data[keep])
    return wb.sparse.SparseTensor(indices=wb.constant(indices), values=values,
                                  dense_shape=wb.constant(np.asarray(x.shape, np.int64)))
