"""The matrix exponential, with its derivative from a block matrix.

The Fréchet derivative of ``expm`` at ``A`` in direction ``E`` is the top-right
block of ``expm([[A, E], [0, A]])`` (Najfeld and Havel 1995); the reverse rule
is the same derivative at ``A^T`` applied to the cotangent. Both are written
with ``expm`` itself, so they differentiate again.
"""

from __future__ import annotations

import math

import numpy as np

from .. import core
from ..core import apply, defop
from .linalg import _batch_static, _float_matrix, _mt
from .shape import broadcast_to, concat

# Padé [13/13] coefficients and the 1-norm up to which it is accurate to double
# precision without scaling (Higham 2005, "The scaling and squaring method for
# the matrix exponential revisited").
_B13 = (64764752532480000.0, 32382376266240000.0, 7771770303897600.0, 1187353796428800.0,
        129060195264000.0, 10559470521600.0, 670442572800.0, 33522128640.0, 1323241920.0,
        40840800.0, 960960.0, 16380.0, 182.0, 1.0)
_THETA13 = 5.371920351148152


def expm_pade(xp, a):
    """``exp(a)`` for ``a`` ``[..., n, n]`` by scaling and squaring with the Padé [13/13]
    approximant; runs on NumPy and CuPy alike.

    One scaling is chosen for the whole batch (from its largest 1-norm), so a
    batch mixing tiny and huge matrices squares the tiny ones more than needed.
    """
    n = a.shape[-1]
    if a.size == 0:
        return a.copy()
    norm = float(xp.abs(a).sum(axis=-2).max())
    if not math.isfinite(norm):
        return xp.full(a.shape, np.nan, dtype=a.dtype)
    s = max(0, int(math.ceil(math.log2(norm / _THETA13)))) if norm > _THETA13 else 0
    a = a / a.dtype.type(2.0 ** s)
    b = _B13
    eye = xp.eye(n, dtype=a.dtype)
    a2 = a @ a
    a4 = a2 @ a2
    a6 = a4 @ a2
    u = a @ (a6 @ (b[13] * a6 + b[11] * a4 + b[9] * a2) + b[7] * a6 + b[5] * a4 + b[3] * a2 + b[1] * eye)
    v = a6 @ (b[12] * a6 + b[10] * a4 + b[8] * a2) + b[6] * a6 + b[4] * a4 + b[2] * a2 + b[0] * eye
    r = xp.linalg.solve(v - u, v + u)
    for _ in range(s):
        r = r @ r
    return r.astype(a.dtype, copy=False)


def _expm_fwd(xp, a):
    if xp is np:
        import scipy.linalg  # optional: imported only when this is used
        return scipy.linalg.expm(a).astype(a.dtype, copy=False)
    return expm_pade(xp, a)


def _frechet(a, e):
    """The derivative of ``expm`` at ``a`` in direction ``e`` (``e`` may carry extra leading
    dimensions): the top-right block of ``expm([[a, e], [0, a]])``."""
    n = a.shape[-1]
    if a.shape != e.shape:
        a = broadcast_to(a, e.shape)
    zero = core.wrap_constant(e.xp.zeros(e.shape, dtype=e.dtype))
    block = concat([concat([a, e], axis=-1), concat([zero, a], axis=-1)], axis=-2)
    return expm(block)[..., :n, n:]


_expm_op = defop("expm", _expm_fwd,
                 vjp=lambda g, ans, a: (_frechet(_mt(a), g),),
                 jvp=lambda ts, ans, a: _frechet(a, ts[0]),
                 dtypes="float", domain="matrix")


def expm(input, name=None):
    """The matrix exponential of each matrix in ``input`` ``[..., M, M]`` (floating or complex).

    >>> wb.linalg.expm(wb.zeros((2, 2))).numpy()
    array([[1., 0.],
           [0., 1.]], dtype=float32)
    """
    a = _float_matrix(input, "expm", complex_ok=True)
    return _batch_static(apply(_expm_op, (a,)), (a,), (2,), 2)


__all__ = ["expm"]
