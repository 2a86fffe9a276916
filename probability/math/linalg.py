"""``fill_triangular`` and its inverse with TFP's packing order (``tfp.math``); the LU helpers
``lu_solve``, ``lu_matrix_inverse``, ``lu_reconstruct``."""

from __future__ import annotations

import math

import numpy as np

import workbench as wb

__all__ = ["fill_triangular", "fill_triangular_inverse", "lu_solve", "lu_matrix_inverse", "lu_reconstruct"]

# TFP exports TF's LU helpers under the same names and arguments (lower_upper, perm, rhs)
lu_solve = wb.linalg.lu_solve
lu_matrix_inverse = wb.linalg.lu_matrix_inverse
lu_reconstruct = wb.linalg.lu_reconstruct


def _side(m, opname):
    n = int(round((math.sqrt(8 * m + 1) - 1) / 2))
    if n * (n + 1) // 2 != m:
        raise ValueError(f"{opname}: the last dimension must be a triangular number n(n+1)/2, got {m}")
    return n


def _positions(n, upper):
    """For each matrix cell ``(row, col)`` (flattened), the index into the packed vector, and the mask.

    TFP's layout: the packed vector (and, for the part that does not fit, its reversed tail) is
    written row by row, so the last row of a lower matrix holds ``x`` reversed."""
    m = n * (n + 1) // 2
    idx = np.arange(m)
    order = (np.concatenate([idx, idx[n:][::-1]]) if upper
             else np.concatenate([idx[n:], idx[::-1]]))
    table = order.reshape(n, n)
    mask = np.triu(np.ones((n, n), bool)) if upper else np.tril(np.ones((n, n), bool))
    return table, mask


def fill_triangular(x, upper=False, name=None):
    """Pack the last axis of ``x`` (length ``n(n+1)/2``) into an ``n x n`` lower (or upper)
    triangular matrix, in TFP's order.

    >>> fill_triangular([1., 2., 3., 4., 5., 6.]).numpy()
    array([[4., 0., 0.],
           [6., 5., 0.],
           [3., 2., 1.]], dtype=float32)
    """
    x = wb.convert_to_tensor(x)
    if x.ndim < 1:
        raise ValueError(f"fill_triangular: x must have at least one dimension, got shape {x.shape}")
    n = _side(int(x.shape[-1]), "fill_triangular")
    table, mask = _positions(n, upper)
    flat = wb.gather(x, table.reshape(-1), axis=-1)
    mat = wb.reshape(flat, list(x.shape[:-1]) + [n, n])
    return wb.where(wb.constant(mask), mat, wb.zeros_like(mat))


def fill_triangular_inverse(x, upper=False, name=None):
    """The packed vector of the lower (or upper) triangle of ``x``, so that
    ``fill_triangular(fill_triangular_inverse(x)) == x`` for triangular ``x``."""
    x = wb.convert_to_tensor(x)
    if x.ndim < 2 or x.shape[-1] != x.shape[-2]:
        raise ValueError(f"fill_triangular_inverse: x must be a batch of square matrices, got shape {x.shape}")
    n = int(x.shape[-1])
    table, mask = _positions(n, upper)
    where_from = np.empty(n * (n + 1) // 2, np.int64)
    cells = np.flatnonzero(mask.reshape(-1))
    where_from[table.reshape(-1)[cells]] = cells
    flat = wb.reshape(x, list(x.shape[:-2]) + [n * n])
    return wb.gather(flat, where_from, axis=-1)
