"""Keras 3's linear algebra (``keras.ops.linalg``, also ``keras.ops.norm`` …): NumPy's ``norm``
arguments (``ord=None`` is the 2-norm of a vector, Frobenius of a matrix), ``inv``, ``det``,
``solve``, ``cholesky``, ``qr``, ``svd``, ``eigh``.

>>> from workbench.keras import ops
>>> float(ops.norm([3.0, 4.0]).numpy())
5.0
"""

from __future__ import annotations

from ...ops import decompositions, linalg as la, reduce
from .numpy import _floating, _t

__all__ = ["cholesky", "det", "eigh", "inv", "norm", "qr", "solve", "svd"]


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
