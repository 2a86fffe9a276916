"""Keras 3's linear algebra (``keras.ops.linalg``, also ``keras.ops.norm`` …): NumPy's ``norm``
arguments (``ord=None`` is the 2-norm of a vector, Frobenius of a matrix), ``inv``, ``det``,
``solve``, ``cholesky``, ``qr``, ``svd``, ``eigh``.

>>> from workbench.keras import ops
>>> float(ops.norm([3.0, 4.0]).numpy())
5.0
"""

from __future__ import annotations

import numpy as np

from ... import linalg as _tfl
from ...ops import create, decompositions, elementwise as ew, linalg as la, reduce, shape as sh
from ...ops.tf_extra import invert_permutation
from .numpy import _floating, _t

__all__ = ["cholesky", "cholesky_inverse", "det", "eig", "eigh", "inv", "jvp", "lstsq", "lu_factor", "norm", "matrix_rank",
           "pinv", "qr", "slogdet", "solve", "solve_triangular", "svd"]


def norm(x, ord=None, axis=None, keepdims=False):  # noqa: A002 (NumPy's argument name)
    x = _floating(_t(x))
    if isinstance(axis, list):
        axis = tuple(axis)
    matrix = (axis is None and x.ndim == 2) or (isinstance(axis, tuple) and len(axis) == 2)
    if ord is None:
        ord = "fro" if matrix else "euclidean"  # noqa: A001
        if axis is None and x.ndim > 2:  # NumPy: the 2-norm of the flattened array
            return reduce.norm(x, "euclidean", axis=None, keepdims=bool(keepdims))
    if axis is None and x.ndim == 2:
        axis = (0, 1)
    return reduce.norm(x, ord, axis=axis, keepdims=bool(keepdims))


def inv(x):
    return la.inv(_floating(_t(x)))


def det(x):
    return la.det(_floating(_t(x)))


def solve(a, b):
    return la.solve(_floating(_t(a)), _floating(_t(b)))


def cholesky(x):
    return la.cholesky(_floating(_t(x)))


def qr(x, mode="reduced"):
    if mode not in ("reduced", "complete"):
        raise ValueError(f"qr: mode must be 'reduced' or 'complete', got {mode!r}")
    return decompositions.qr(_floating(_t(x)), full_matrices=mode == "complete")


def svd(x, full_matrices=True, compute_uv=True):
    s, u, v = decompositions.svd(_floating(_t(x)), full_matrices=bool(full_matrices), compute_uv=True)
    if not compute_uv:
        return s
    return u, s, la.matrix_transpose(v)


def eigh(x):
    return decompositions.eigh(_floating(_t(x)))


def eig(x):
    """``(eigenvalues, eigenvectors)`` of a general square matrix (complex)."""
    return _tfl.eig(_floating(_t(x)))


def lu_factor(x):
    """``(lu, pivots)``: the packed LU factors and the row permutation (int32), as Keras' TF backend."""
    lu, p = _tfl.lu(_floating(_t(x)))
    return lu, invert_permutation(p) if p.ndim == 1 else p


def solve_triangular(a, b, lower=False):
    """Solves ``a x = b`` for triangular ``a`` (upper unless ``lower``); ``b`` may be a vector."""
    a, b = _floating(_t(a)), _floating(_t(b))
    if b.ndim == a.ndim - 1:
        return sh.squeeze(la.triangular_solve(a, sh.expand_dims(b, -1), lower=bool(lower)), [-1])
    return la.triangular_solve(a, b, lower=bool(lower))


def cholesky_inverse(x, upper=False):
    """The inverse of ``L L^T`` from its Cholesky factor ``L`` (``U^T U`` from ``U`` if ``upper``)."""
    x = _floating(_t(x))
    eye = create.eye(x.shape[-1], dtype=x.dtype)
    inv_chol = la.triangular_solve(x, eye, lower=not upper)
    if upper:
        return la.matmul(inv_chol, inv_chol, transpose_b=True)
    return la.matmul(inv_chol, inv_chol, transpose_a=True)


def pinv(x, rcond=None):
    """The Moore-Penrose pseudo-inverse (singular values below ``rcond`` times the largest dropped)."""
    return decompositions.pinv(_floating(_t(x)), rcond=rcond)


def lstsq(a, b, rcond=None):
    """The least-squares solution of ``a x = b`` for a 2-D ``a`` (NumPy's ``rcond``: singular values
    below ``rcond`` times the largest are dropped; by default ``eps * max(m, n)``)."""
    a, b = _floating(_t(a)), _floating(_t(b))
    if a.ndim != 2:
        raise TypeError(f"lstsq: a must be 2-D, got shape {tuple(a.shape)}")
    if b.ndim not in (1, 2):
        raise TypeError(f"lstsq: b must be 1-D or 2-D, got shape {tuple(b.shape)}")
    if a.shape[0] != b.shape[0]:
        raise ValueError(f"lstsq: a and b must have the same number of rows, got {a.shape[0]} and {b.shape[0]}")
    vector = b.ndim == 1
    if vector:
        b = sh.expand_dims(b, -1)
    m, n = a.shape
    eps = np.finfo(a.dtype).eps
    rcond = eps * max(m, n) if rcond is None else (eps if rcond < 0 else rcond)
    s, u, v = decompositions.svd(a, full_matrices=False)
    keep = ew.greater_equal(s, s[0] * np.asarray(rcond, a.dtype))
    s_inv = ew.where(keep, ew.reciprocal(ew.where(keep, s, ew.ones_like(s))), ew.zeros_like(s))
    x = la.matmul(v, sh.expand_dims(s_inv, -1) * la.matmul(u, b, transpose_a=True))
    return sh.squeeze(x, [-1]) if vector else x


def slogdet(x):
    """``(sign, log|det x|)``."""
    return la.slogdet(_floating(_t(x)))


def matrix_rank(x, tol=None):
    """The number of singular values above ``tol`` (by default ``max(m, n) * eps`` times the largest), int32."""
    return _tfl.matrix_rank(_floating(_t(x)), tol=tol)


def jvp(fun, primals, tangents, has_aux=False):
    """Forward-mode Jacobian-vector product: ``(fun(*primals), J @ tangents)`` (plus ``fun``'s
    auxiliary output when ``has_aux``, where ``fun`` returns ``(output, aux)``). ``primals`` and
    ``tangents`` are tuples or lists of the same structure; each tangent takes its primal's dtype."""
    from ... import autodiff, nest  # noqa: PLC0415  (lazy: forward mode loads only when used)
    if not isinstance(primals, (list, tuple)) or not isinstance(tangents, (list, tuple)):
        raise TypeError(f"jvp: primals and tangents must be tuples or lists, got {type(primals).__name__} and "
                        f"{type(tangents).__name__}")
    primals = nest.map_structure(_t, primals)
    flat_p, flat_t = nest.flatten(primals), nest.flatten(tangents)
    if len(flat_p) != len(flat_t):
        raise ValueError(f"jvp: primals and tangents must have the same structure, got {len(flat_p)} primals and "
                         f"{len(flat_t)} tangents")
    flat_t = [ew.cast(_t(t), p.dtype) for t, p in zip(flat_t, flat_p)]
    with autodiff.ForwardAccumulator(flat_p, flat_t) as acc:
        out = fun(*primals)
        if has_aux:
            out, aux = out
        tangents_out = nest.map_structure(acc.jvp, out)
    return (out, tangents_out, aux) if has_aux else (out, tangents_out)
