"""Cholesky-based helpers of ``tfp.math``: ``cholesky_update``, ``cholesky_concat``,
``pivoted_cholesky``, ``low_rank_cholesky``, ``gram_schmidt`` and the ``hpsd_*`` solves of a
Hermitian positive semi-definite matrix.

All are written with ``wb`` ops, so they differentiate on the tape."""

from __future__ import annotations

import numpy as np

import workbench as wb

__all__ = ["cholesky_update", "cholesky_concat", "pivoted_cholesky", "low_rank_cholesky", "gram_schmidt",
           "hpsd_logdet", "hpsd_solve", "hpsd_solvevec", "hpsd_quadratic_form_solve",
           "hpsd_quadratic_form_solvevec"]


def _square(opname, argname, m):
    m = wb.convert_to_tensor(m)
    if m.ndim < 2 or m.shape[-1] != m.shape[-2]:
        raise ValueError(f"{opname}: {argname} must be a batch of square matrices, got shape {m.shape}")
    return m


def cholesky_update(chol, update_vector, multiplier=1.0, name=None):
    """The lower Cholesky factor of ``chol @ chol^T + multiplier * v v^T`` (``v = update_vector``,
    shape ``[..., n]``); a downdate (``multiplier < 0``) must leave the matrix positive definite.

    Computed with the hyperbolic-rotation sweep, ``O(n^2)`` per matrix."""
    chol = _square("cholesky_update", "chol", chol)
    v = wb.convert_to_tensor(update_vector, dtype=chol.dtype)
    if tuple(v.shape[-1:]) != tuple(chol.shape[-1:]):
        raise ValueError(f"cholesky_update: update_vector has shape {v.shape}, expected last dimension "
                         f"{chol.shape[-1]} (that of chol {chol.shape})")
    n = int(chol.shape[-1])
    batch = np.broadcast_shapes(tuple(chol.shape[:-2]), tuple(v.shape[:-1]))
    chol = wb.broadcast_to(chol, list(batch) + [n, n])
    v = wb.broadcast_to(v, list(batch) + [n])
    mult = wb.convert_to_tensor(multiplier, dtype=chol.dtype)
    cols = [chol[..., :, j] for j in range(n)]
    w = [v[..., i] for i in range(n)]
    b = wb.ones_like(v[..., 0])
    for j in range(n):
        d = cols[j][..., j]
        # the updated diagonal: d'^2 = d^2 + mult * w_j^2 / b
        new_d = wb.sqrt(d * d + mult * w[j] * w[j] / b)
        gamma = d * d * b + mult * w[j] * w[j]
        new_col = []
        for i in range(n):
            if i < j:
                new_col.append(cols[j][..., i])
            elif i == j:
                new_col.append(new_d)
            else:
                w[i] = w[i] - w[j] / d * cols[j][..., i]
                new_col.append(new_d / d * cols[j][..., i] + new_d * mult * w[j] / gamma * w[i])
        b = b + mult * w[j] * w[j] / (d * d)
        cols[j] = wb.stack(new_col, axis=-1)
    return wb.stack(cols, axis=-1)


def cholesky_concat(chol, cols, name=None):
    """The lower Cholesky factor of ``[[A, B], [B^T, C]]`` given ``chol`` (the factor of ``A``,
    ``[..., n, n]``) and ``cols = [B; C]`` (``[..., n + k, k]``), without refactoring ``A``."""
    chol = _square("cholesky_concat", "chol", chol)
    cols = wb.convert_to_tensor(cols, dtype=chol.dtype)
    n = int(chol.shape[-1])
    if cols.ndim < 2 or cols.shape[-2] <= n:
        raise ValueError(f"cholesky_concat: cols must have shape [..., n + k, k] with n = {n}, got {cols.shape}")
    k = int(cols.shape[-1])
    if int(cols.shape[-2]) != n + k:
        raise ValueError(f"cholesky_concat: cols has shape {cols.shape}, expected [..., {n + k}, {k}]")
    batch = list(np.broadcast_shapes(tuple(chol.shape[:-2]), tuple(cols.shape[:-2])))
    chol = wb.broadcast_to(chol, batch + [n, n])
    cols = wb.broadcast_to(cols, batch + [n + k, k])
    top, bottom = cols[..., :n, :], cols[..., n:, :]
    x = wb.linalg.triangular_solve(chol, top, lower=True)            # L x = B
    schur = bottom - wb.linalg.matmul(x, x, adjoint_a=True)
    lower_right = wb.linalg.cholesky(schur)
    left = wb.concat([chol, wb.linalg.adjoint(x)], axis=-2)
    right = wb.concat([wb.zeros(batch + [n, k], dtype=chol.dtype), lower_right], axis=-2)
    return wb.concat([left, right], axis=-1)


def _greedy_pivoted(matrix, max_rank, stop):
    """Greedy pivoted Cholesky: ``max_rank`` columns, each pivoting on the largest residual diagonal;
    ``stop(residual, diag)`` (a boolean per batch member) freezes a member's remaining columns at 0.

    Returns ``(lr, pivots, rank, residual)``."""
    n = int(matrix.shape[-1])
    diag = wb.linalg.diag_part(matrix)
    residual = diag
    columns = []
    chosen = wb.zeros_like(diag)                       # 1 where a row was pivoted on
    done = wb.zeros(list(diag.shape[:-1]), dtype=wb.bool)
    rank = wb.zeros(list(diag.shape[:-1]), dtype=wb.int32)
    pivots = []
    for _ in range(max_rank):
        done = wb.logical_or(done, stop(residual, diag))
        masked = wb.where(chosen > 0, -wb.ones_like(residual) * np.inf, residual)
        p = wb.argmax(masked, axis=-1, output_type=wb.int32)
        pick = wb.one_hot(p, n, dtype=matrix.dtype)                    # [..., n]
        row = wb.linalg.matvec(matrix, pick)                           # A[:, p]
        if columns:
            lr = wb.stack(columns, axis=-1)
            row = row - wb.linalg.matvec(lr, wb.linalg.matvec(lr, pick, adjoint_a=True))
        pivot_value = wb.reduce_sum(residual * pick, axis=-1, keepdims=True)
        active = wb.logical_not(done)
        safe = wb.where(wb.expand_dims(active, -1), pivot_value, wb.ones_like(pivot_value))
        col = row / wb.sqrt(safe)
        col = wb.where(chosen > 0, wb.zeros_like(col), col)            # exact zeros on earlier pivots
        col = wb.where(wb.expand_dims(active, -1), col, wb.zeros_like(col))
        columns.append(col)
        residual = residual - col * col
        chosen = chosen + wb.where(wb.expand_dims(active, -1), pick, wb.zeros_like(pick))
        rank = rank + wb.cast(active, wb.int32)
        pivots.append(p)
    lr = wb.stack(columns, axis=-1) if columns else wb.zeros(list(matrix.shape[:-1]) + [0], dtype=matrix.dtype)
    return lr, pivots, rank, residual


def pivoted_cholesky(matrix, max_rank, diag_rtol=1e-3, return_pivoting_order=False, name=None):
    """A rank-``max_rank`` factor ``lr`` (``[..., n, max_rank]``) with ``lr @ lr^T ~ matrix``, by
    greedy diagonal pivoting (Harbrecht et al. 2012). Once every residual diagonal entry is below
    ``diag_rtol`` times the matrix's own diagonal entry, the remaining columns are 0.

    With ``return_pivoting_order`` also the row pivoted on by each column, then the rows never
    pivoted on in index order (``[..., n]``)."""
    matrix = _square("pivoted_cholesky", "matrix", matrix)
    n = int(matrix.shape[-1])
    max_rank = int(max_rank)
    if not 0 <= max_rank <= n:
        raise ValueError(f"pivoted_cholesky: max_rank must be in [0, {n}], got {max_rank}")
    rtol = wb.convert_to_tensor(diag_rtol, dtype=matrix.dtype)

    def stop(residual, diag):
        return wb.reduce_all(residual < rtol * diag, axis=-1)

    lr, pivots, rank, _ = _greedy_pivoted(matrix, max_rank, stop)
    if not return_pivoting_order:
        return lr
    order = _pivot_order([wb.backend.to_numpy(p._data) for p in pivots],
                         wb.backend.to_numpy(rank._data), tuple(matrix.shape[:-2]), n)
    return lr, wb.constant(order)


def _pivot_order(pivots, rank, batch, n):
    out = np.zeros(batch + (n,), np.int64)
    for idx in np.ndindex(*batch):
        used = [int(p[idx]) for p in pivots[:int(rank[idx])]]
        out[idx] = used + [i for i in range(n) if i not in used]
    return out


def low_rank_cholesky(matrix, max_rank, trace_atol=0, trace_rtol=0, name=None):
    """Greedy pivoted Cholesky stopped by the trace of the residual: columns are added until
    ``trace(matrix - lr lr^T) <= trace_atol`` or ``<= trace_rtol * trace(matrix)``, at most
    ``max_rank``. Returns ``(lr, rank, residual_diag)``; ``lr`` has ``max_rank`` columns, those past
    ``rank`` are 0."""
    matrix = _square("low_rank_cholesky", "matrix", matrix)
    n = int(matrix.shape[-1])
    max_rank = int(max_rank)
    if not 0 <= max_rank <= n:
        raise ValueError(f"low_rank_cholesky: max_rank must be in [0, {n}], got {max_rank}")
    atol = wb.convert_to_tensor(trace_atol, dtype=matrix.dtype)
    rtol = wb.convert_to_tensor(trace_rtol, dtype=matrix.dtype)

    def stop(residual, diag):
        left = wb.reduce_sum(residual, axis=-1)
        return wb.logical_or(left <= atol, left <= rtol * wb.reduce_sum(diag, axis=-1))

    lr, _, rank, residual = _greedy_pivoted(matrix, max_rank, stop)
    if not rank.shape:
        rank = wb.reshape(rank, [])
    return lr, rank, residual


def gram_schmidt(vectors, num_vectors=None):
    """Modified Gram-Schmidt on the columns of ``vectors`` (``[..., d, n]``): each of the first
    ``num_vectors - 1`` columns (default ``n - 1``) in turn is projected out of the columns after it,
    then every column is scaled to unit norm, so the first ``num_vectors`` are orthonormal. Zero
    columns stay zero."""
    vectors = wb.convert_to_tensor(vectors)
    if vectors.ndim < 2:
        raise ValueError(f"gram_schmidt: vectors must have shape [..., d, n], got {vectors.shape}")
    n = int(vectors.shape[-1])
    num = n if num_vectors is None else int(num_vectors)
    if not 0 <= num <= n:
        raise ValueError(f"gram_schmidt: num_vectors must be in [0, {n}], got {num_vectors}")
    cols = [vectors[..., :, j] for j in range(n)]
    for i in range(num - 1):
        u = wb.math.l2_normalize(cols[i], axis=-1)
        for j in range(i + 1, n):
            cols[j] = cols[j] - wb.reduce_sum(u * cols[j], axis=-1, keepdims=True) * u
    out = wb.stack(cols, axis=-1)
    return wb.math.divide_no_nan(out, wb.norm(out, axis=-2, keepdims=True))


def _chol(opname, matrix, cholesky_matrix):
    matrix = _square(opname, "matrix", matrix)
    if cholesky_matrix is None:
        return matrix, wb.linalg.cholesky(matrix)
    return matrix, _square(opname, "cholesky_matrix", cholesky_matrix)


def hpsd_logdet(matrix, cholesky_matrix=None):
    """``log det(matrix)`` of a Hermitian positive definite matrix, ``2 sum(log(diag(chol)))``."""
    _, chol = _chol("hpsd_logdet", matrix, cholesky_matrix)
    return 2.0 * wb.reduce_sum(wb.math.log(wb.abs(wb.linalg.diag_part(chol))), axis=-1)


def hpsd_solve(matrix, rhs, cholesky_matrix=None):
    """``matrix^{-1} rhs`` (``rhs`` ``[..., n, k]``) through the Cholesky factor."""
    matrix, chol = _chol("hpsd_solve", matrix, cholesky_matrix)
    return wb.linalg.cholesky_solve(chol, wb.convert_to_tensor(rhs, dtype=matrix.dtype))


def hpsd_solvevec(matrix, rhs, cholesky_matrix=None):
    """``matrix^{-1} rhs`` for a vector ``rhs`` (``[..., n]``)."""
    matrix, chol = _chol("hpsd_solvevec", matrix, cholesky_matrix)
    rhs = wb.convert_to_tensor(rhs, dtype=matrix.dtype)
    return wb.squeeze(wb.linalg.cholesky_solve(chol, wb.expand_dims(rhs, -1)), -1)


def hpsd_quadratic_form_solve(matrix, rhs, cholesky_matrix=None):
    """``rhs^H matrix^{-1} rhs`` (``[..., k, k]``), as ``x^H x`` with ``chol x = rhs``."""
    matrix, chol = _chol("hpsd_quadratic_form_solve", matrix, cholesky_matrix)
    x = wb.linalg.triangular_solve(chol, wb.convert_to_tensor(rhs, dtype=matrix.dtype), lower=True)
    return wb.linalg.matmul(x, x, adjoint_a=True)


def hpsd_quadratic_form_solvevec(matrix, rhs, cholesky_matrix=None):
    """``rhs^H matrix^{-1} rhs`` for a vector ``rhs`` (``[..., n]``): a scalar per batch member."""
    matrix, chol = _chol("hpsd_quadratic_form_solvevec", matrix, cholesky_matrix)
    rhs = wb.convert_to_tensor(rhs, dtype=matrix.dtype)
    x = wb.linalg.triangular_solve(chol, wb.expand_dims(rhs, -1), lower=True)
    return wb.reduce_sum(wb.square(wb.squeeze(x, -1)), axis=-1)
