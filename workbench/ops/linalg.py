"""Linear algebra: matmul and friends, decompositions and solves.

Batched everywhere (leading dimensions broadcast, as in TF); gradient rules
accept cotangents with extra leading dimensions.
"""

from __future__ import annotations

import numpy as np

from .. import core
from ..core import apply, binary_arrays, convert_to_tensor, defop
from .shape import transpose


def matrix_transpose(a, conjugate=False, name=None):
    """Swap the last two dimensions."""
    x = convert_to_tensor(a)
    if x.ndim < 2:
        raise ValueError(f"matrix_transpose: a must have rank >= 2, got shape {x.shape}")
    perm = tuple(range(x.ndim - 2)) + (x.ndim - 1, x.ndim - 2)
    return transpose(x, perm)


def _mt(x):
    return matrix_transpose(x)


def _matmul_jvp(ts, ans, a, b):
    ta, tb = ts
    out = None if ta is None else _matmul(ta, b)
    if tb is not None:
        part = _matmul(a, tb)
        out = part if out is None else out + part
    return out


_matmul_op = defop("matmul", lambda xp, a, b: xp.matmul(a, b),
                   vjp=lambda g, ans, a, b: (_matmul(g, _mt(b)), _matmul(_mt(a), g)),
                   jvp=_matmul_jvp, broadcasts=True, dtypes="numeric", domain="matrix")


def _matmul(a, b):
    return apply(_matmul_op, (a, b))


def matmul(a, b, transpose_a=False, transpose_b=False, adjoint_a=False, adjoint_b=False,
           a_is_sparse=False, b_is_sparse=False, output_type=None, name=None):
    """``a @ b`` over the last two dimensions, broadcasting leading (batch) dimensions.

    ``a``: ``[..., m, k]``, ``b``: ``[..., k, n]`` (after the optional transposes) → ``[..., m, n]``.
    """
    a, b = binary_arrays(a, b, "matmul")
    if a.ndim < 2 or b.ndim < 2:
        raise ValueError(f"matmul: both operands must have rank >= 2, got shapes a={a.shape} and "
                         f"b={b.shape}; use wb.linalg.matvec or wb.tensordot for vectors")
    if a.dtype.kind == "b":
        raise TypeError("matmul: bool operands are not supported")
    if transpose_a or adjoint_a:
        a = matrix_transpose(a)
    if transpose_b or adjoint_b:
        b = matrix_transpose(b)
    if a.shape[-1] != b.shape[-2]:
        raise ValueError(f"matmul: inner dimensions differ: a has shape {a.shape} and b has shape "
                         f"{b.shape} (after transposes); a.shape[-1] must equal b.shape[-2]")
    try:
        np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    except ValueError:
        raise ValueError(f"matmul: batch dimensions {a.shape[:-2]} and {b.shape[:-2]} do not broadcast") from None
    return _matmul(a, b)


def matvec(a, b, transpose_a=False, adjoint_a=False, name=None):
    """``a @ b`` for matrices ``a`` ``[..., m, n]`` and vectors ``b`` ``[..., n]``."""
    from .shape import expand_dims, squeeze
    b = convert_to_tensor(b)
    return squeeze(matmul(a, expand_dims(b, -1), transpose_a=transpose_a, adjoint_a=adjoint_a), axis=-1)


del core

__all__ = [
    "matmul",
    "matrix_transpose",
    "matvec",
]
