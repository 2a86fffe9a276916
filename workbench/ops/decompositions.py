"""QR, symmetric eigendecomposition and SVD, with their gradients.

Rules follow the standard results (Seeger et al. 2017, "Auto-differentiating
linear algebra"; Townsend 2016 for the thin SVD; TF's ``linalg_grad.py`` for
the conventions). Eigenvector and singular-vector gradients divide by gaps
between eigenvalues (squared singular values) with TF's safe reciprocal: where
two are equal that factor is 0, as in TF (the vectors of a repeated eigenvalue
are not unique, so the result is one choice among many). A gradient that reaches
only the eigenvalues (singular values) never divides by a gap and stays
finite for repeated ones.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from .. import core
from ..core import apply, defop
from ..errors import argcheck
from .linalg import (_batch_static, _float_matrix, _mt, _phi, adjoint, band_part, diag, diag_part, matmul,
                     triangular_solve)
from .shape import concat, expand_dims


def _zeros(x, lead_shape):
    return core.wrap_constant(x.xp.zeros(tuple(lead_shape) + x.shape, dtype=x.dtype))


def _fill(gs, ans):
    """Cotangents of a multi-output op with zeros for the outputs that got none."""
    k = next(i for i, g in enumerate(gs) if g is not None)
    lead = gs[k].shape[:gs[k].ndim - ans[k].ndim]
    return tuple(_zeros(a, lead) if g is None else g for g, a in zip(gs, ans))


def _inv_gaps(e):
    """``F[..., i, j] = 1 / (e_j - e_i)``, as TF's safe reciprocal ``d / (d * d + 1e-20)``: 0 on
    the diagonal and where values repeat (huge where they nearly do); the diagonal is set to 0
    as TF's ``matrix_set_diag``, so nothing differentiates through it."""
    d = expand_dims(e, -2) - expand_dims(e, -1)
    off = core.wrap_constant(1 - e.xp.eye(e.shape[-1], dtype=e.dtype))
    return d / (d * d + 1e-20) * off


def _safe_reciprocal(x):
    """TF's ``_SafeReciprocal``: ``x / (x * x + 1e-20)``, 0 at 0 (a zero singular value)."""
    return x / (x * x + 1e-20)


def _strictly_lower(x):
    return band_part(x, -1, 0) - diag(diag_part(x))


# ---------------------------------------------------------------------------
# QR


def _qr_fwd(xp, a, full_matrices):
    return tuple(xp.linalg.qr(a, mode="complete" if full_matrices else "reduced"))


def _solve_rt(x, r):
    """``x @ adjoint(inv(r))`` for upper-triangular ``r`` (TF's ``_TriangularSolve``)."""
    return adjoint(triangular_solve(r, adjoint(x), lower=False))


def _qr_grad_tall(q, r, dq, dr):
    # the cotangent of A = QR with Q [m, n], R [n, n] square upper triangular (m >= n): TF's,
    # written with adjoints, with its correction for complex input (R's diagonal is real)
    qdq = matmul(q, dq, adjoint_a=True)
    rdr = matmul(r, dr, adjoint_b=True)
    low = band_part(qdq - adjoint(qdq) + rdr - adjoint(rdr), -1, 0)
    grad_a = matmul(q, dr + _solve_rt(low, r))
    out = grad_a + _solve_rt(dq - matmul(q, qdq), r)
    if q.dtype.kind == "c":
        from .elementwise import cast  # circular import with elementwise
        from .tf_extra import real  # circular import with tf_extra
        d = diag(diag_part(rdr - adjoint(qdq)))
        out = out + _solve_rt(matmul(q, adjoint(d - cast(real(d), d.dtype))), r)
    return out


def _qr_tangent_tall(q, r, da):
    # dA R^-1 = X; C = Q^H X = Omega + dR R^-1 with Omega anti-Hermitian (imaginary on the
    # diagonal, which keeps R's diagonal real), dR R^-1 upper
    x = adjoint(triangular_solve(r, adjoint(da), lower=False, adjoint=True))
    c = matmul(q, x, adjoint_a=True)
    low = _strictly_lower(c)
    upper = c - low + adjoint(low)  # C - Omega
    if c.dtype.kind == "c":
        from .elementwise import cast  # circular import with elementwise
        from .tf_extra import imag  # circular import with tf_extra
        upper = upper - diag(cast(imag(diag_part(c)), c.dtype) * 1j)
    return x - matmul(q, upper), matmul(upper, r)


def _qr_unsupported(a, full_matrices):
    m, n = a.shape[-2:]
    if full_matrices and m > n:
        raise NotImplementedError(
            f"qr: no gradient with full_matrices=True for matrices with more rows than columns "
            f"(shape {a.shape}): the extra columns of q are not determined by the input (TF "
            "has none either); use full_matrices=False")


def _qr_vjp(gs, ans, a, full_matrices):
    _qr_unsupported(a, full_matrices)
    q, r = ans
    gq, gr = _fill(gs, ans)
    m, n = a.shape[-2:]
    if m >= n:
        return (_qr_grad_tall(q, r, gq, gr),)
    # wide: A = [X | Y], R = [U | V] with X = QU square and Y = QV
    y, u = a[..., :, m:], r[..., :, :m]
    du, dv = gr[..., :, :m], gr[..., :, m:]
    dx = _qr_grad_tall(q, u, gq + matmul(y, dv, adjoint_b=True), du)
    return (concat([dx, matmul(q, dv)], axis=-1),)


def _qr_jvp(ts, ans, a, full_matrices):
    _qr_unsupported(a, full_matrices)
    q, r = ans
    da = ts[0]
    m, n = a.shape[-2:]
    if m >= n:
        return _qr_tangent_tall(q, r, da)
    dq, du = _qr_tangent_tall(q, r[..., :, :m], da[..., :, :m])
    dv = matmul(q, da[..., :, m:] - matmul(dq, r[..., :, m:]), adjoint_a=True)
    return dq, concat([du, dv], axis=-1)


_qr_op = defop("qr", _qr_fwd, vjp=_qr_vjp, jvp=_qr_jvp, nout=2, dtypes="float", domain="full_rank")


def qr(input, full_matrices=False, name=None):
    """``(q, r)`` with ``q @ r = input`` for ``input`` ``[..., M, N]``: ``q`` has orthonormal
    columns, ``r`` is upper triangular.

    With ``full_matrices=False`` ``q`` is ``[..., M, K]`` and ``r`` ``[..., K, N]``,
    ``K = min(M, N)``; with ``True``, ``q`` is ``[..., M, M]`` and ``r`` ``[..., M, N]``.
    Gradients need full-rank input (``r`` invertible) and are not defined for
    ``full_matrices=True`` with ``M > N``.
    """
    a = _float_matrix(input, "qr", square=False, complex_ok=True)
    q, r = apply(_qr_op, (a,), {"full_matrices": argcheck.flag(full_matrices, "full_matrices", "qr")})
    return Qr(_batch_static(q, (a,), (2,), 2), _batch_static(r, (a,), (2,), 2))


Qr = namedtuple("Qr", ["q", "r"])   # TF's result type: .q and .r, or unpacked as a pair


# ---------------------------------------------------------------------------
# symmetric eigendecomposition


def _eigh_fwd(xp, a):
    e, v = xp.linalg.eigh(a)   # the lower triangle, as TF
    return e.astype(a.dtype, copy=False), v   # complex input: complex eigenvalues (real values), as TF


def _eigh_vjp(gs, ans, a):
    # TF's SelfAdjointEigV2 gradient, written with adjoints (taken as written for complex input)
    ge, gv = gs
    e, v = ans
    inner = None if ge is None else diag(ge)
    if gv is not None:
        part = _inv_gaps(e) * matmul(v, gv, adjoint_a=True)
        inner = part if inner is None else inner + part
    grad = matmul(v, matmul(inner, v, adjoint_b=True))
    # only the lower triangle is read: entry (i, j), i > j, stands for both (i, j) and (j, i)
    return (_phi(grad + adjoint(grad)),)


def _eigh_jvp(ts, ans, a):
    e, v = ans
    low = band_part(ts[0], -1, 0)
    da = low + adjoint(low) - diag(diag_part(ts[0]))  # the Hermitian matrix the lower triangle means
    p = matmul(v, matmul(da, v), adjoint_a=True)
    return diag_part(p), matmul(v, _inv_gaps(e) * p)


_eigh_op = defop("eigh", _eigh_fwd, vjp=_eigh_vjp, jvp=_eigh_jvp, nout=2, dtypes="float",
                 domain="symmetric")


def eigh(tensor, name=None):
    """``(e, v)``: eigenvalues (ascending, ``[..., N]``) and eigenvectors (the columns of
    ``v``, ``[..., N, N]``) of symmetric ``tensor`` ``[..., N, N]``.

    Only the lower triangle of ``tensor`` is read, and the gradient is lower
    triangular to match (TF's convention). Eigenvectors are defined up to sign,
    and for a repeated eigenvalue up to a rotation: their gradient is then
    ``inf``/``NaN`` (see the module notes); the eigenvalues' is not.
    """
    a = _float_matrix(tensor, "eigh", "tensor", complex_ok=True)
    e, v = apply(_eigh_op, (a,))
    return _batch_static(e, (a,), (2,), 1), _batch_static(v, (a,), (2,), 2)


def eigvalsh(tensor, name=None):
    """The eigenvalues of symmetric ``tensor`` ``[..., N, N]``, ascending ``[..., N]``."""
    return eigh(tensor)[0]


# ---------------------------------------------------------------------------
# SVD


def _svd_fwd(xp, a, full_matrices):
    u, s, vh = xp.linalg.svd(a, full_matrices=full_matrices)
    v = xp.swapaxes(vh, -1, -2)
    return s, u, (xp.conj(v) if v.dtype.kind == "c" else v)   # a = u diag(s) adjoint(v)


def _complex_svd_vjp(gs, ans, a):
    # TF's Svd gradient of the singular values alone, u diag(g) adjoint(v) (taken as written)
    from .elementwise import cast  # circular import with elementwise
    gsv, gu, gv = gs
    if gu is not None or gv is not None:
        raise NotImplementedError("svd: gradients through the singular vectors of a complex matrix are not "
                                  "implemented (the singular values' are)")
    s, u, v = ans
    k = min(a.shape[-2:])
    u, v = u[..., :, :k], v[..., :, :k]
    return (matmul(u * expand_dims(cast(gsv, u.dtype), -2), v, adjoint_b=True),)


def _complex_svd_jvp(ts, ans, a):
    from .elementwise import cast  # circular import with elementwise
    from .tf_extra import real  # circular import with tf_extra
    s, u, v = ans
    k = min(a.shape[-2:])
    u, v = u[..., :, :k], v[..., :, :k]
    ds = real(diag_part(matmul(u, matmul(ts[0], v), adjoint_a=True)))
    return cast(ds, s.dtype), None, None


def _svd_full_unsupported(a, full_matrices):
    m, n = a.shape[-2:]
    if full_matrices and abs(m - n) > 1:
        raise NotImplementedError(
            f"svd: no gradient through u and v with full_matrices=True where the matrix's sides differ "
            f"by more than 1 (shape {a.shape}): the extra singular vectors are not determined by the input "
            "(TF has none either); use full_matrices=False")


def _split_full(x, k, full):
    """The first ``k`` columns of a singular-vector matrix and, with ``full_matrices``, the rest."""
    if x is None:
        return None, None
    if not full or x.shape[-1] == k:
        return x, None
    return x[..., :, :k], x[..., :, k:]


def _svd_vjp(gs, ans, a, full_matrices):
    if a.dtype.kind == "c":
        return _complex_svd_vjp(gs, ans, a)
    gsv, gu, gv = gs
    s, u, v = ans
    m, n = a.shape[-2:]
    k = min(m, n)
    if gu is not None or gv is not None:
        _svd_full_unsupported(a, full_matrices)
    u, u2 = _split_full(u, k, full_matrices)
    v, v2 = _split_full(v, k, full_matrices)
    gu, gu2 = _split_full(gu, k, full_matrices)
    gv, gv2 = _split_full(gv, k, full_matrices)
    s_row, s_col = expand_dims(s, -2), expand_dims(s, -1)
    inner = None if gsv is None else diag(gsv)
    f = None if gu is None and gv is None else _inv_gaps(s * s)
    if gu is not None:
        j = f * matmul(u, gu, transpose_a=True)
        part = (j + _mt(j)) * s_row
        inner = part if inner is None else inner + part
    if gv is not None:
        j = f * matmul(v, gv, transpose_a=True)
        part = s_col * (j + _mt(j))
        inner = part if inner is None else inner + part
    grad = matmul(u, matmul(inner, v, transpose_b=True))
    if gu is not None and m > k:  # the part of gu outside the span of u
        out = gu - matmul(u, matmul(u, gu, transpose_a=True))
        if gu2 is not None:   # TF's rule for the one extra column of a full u: it follows u's span
            out = out - matmul(u2, matmul(gu2, u, transpose_a=True))
        grad = grad + matmul(out * _safe_reciprocal(s_row), v, transpose_b=True)
    if gv is not None and n > k:
        out = gv - matmul(v, matmul(v, gv, transpose_a=True))
        if gv2 is not None:
            out = out - matmul(v2, matmul(gv2, v, transpose_a=True))
        grad = grad + matmul(u, out * _safe_reciprocal(s_row), transpose_b=True)
    return (grad,)


def _svd_jvp(ts, ans, a, full_matrices):
    if a.dtype.kind == "c":
        return _complex_svd_jvp(ts, ans, a)
    _svd_full_unsupported(a, full_matrices)
    s, u, v = ans
    da = ts[0]
    m, n = a.shape[-2:]
    k = min(m, n)
    u, u2 = _split_full(u, k, full_matrices)
    v, v2 = _split_full(v, k, full_matrices)
    s_row, s_col = expand_dims(s, -2), expand_dims(s, -1)
    dp = matmul(u, matmul(da, v), transpose_a=True)
    f = _inv_gaps(s * s)
    du = matmul(u, f * (dp * s_row + s_col * _mt(dp)))
    dv = matmul(v, f * (s_col * dp + _mt(dp) * s_row))
    if m > n:
        du = du + (matmul(da, v) - matmul(u, dp)) / s_row
    if n > m:
        dv = dv + (matmul(da, u, transpose_a=True) - matmul(v, dp, transpose_b=True)) / s_row
    # the extra column of a full u or v stays orthogonal to the others: d u2 = -u S^-1 v^T da^T u2
    if u2 is not None:
        du = concat([du, -matmul(u, matmul(v, matmul(da, u2, transpose_a=True), transpose_a=True) / s_col)], -1)
    if v2 is not None:
        dv = concat([dv, -matmul(v, matmul(u, matmul(da, v2), transpose_a=True) / s_col)], -1)
    return diag_part(dp), du, dv


_svd_op = defop("svd", _svd_fwd, vjp=_svd_vjp, jvp=_svd_jvp, nout=3, dtypes="float",
                domain="distinct_singular_values")


def svd(tensor, full_matrices=False, compute_uv=True, name=None):
    """Singular value decomposition ``tensor = u @ diag(s) @ v^T`` of ``[..., M, N]``.

    Returns ``(s, u, v)`` in TF's order (``v``, not its transpose), or ``s``
    alone when ``compute_uv=False``. ``s`` is ``[..., K]``, descending,
    ``K = min(M, N)``; ``u`` is ``[..., M, K]`` and ``v`` ``[..., N, K]``
    (``[..., M, M]`` and ``[..., N, N]`` with ``full_matrices=True``; gradients through them as
    TF's: for square input and where ``M`` and ``N`` differ by 1).

    Singular vectors are defined up to a joint sign; gradients through ``u``
    and ``v`` are ``inf``/``NaN`` where singular values repeat, and for
    non-square input where one is zero. The gradient of ``s`` alone is finite.
    Complex input (``tensor = u @ diag(s) @ adjoint(v)``, ``s`` real): only the singular
    values are differentiable.

    >>> s, u, v = wb.linalg.svd(wb.constant([[3., 0.], [0., 2.]]))
    >>> s.numpy()
    array([3., 2.], dtype=float32)
    """
    a = _float_matrix(tensor, "svd", "tensor", square=False, complex_ok=True)
    full, compute_uv = (argcheck.flag(full_matrices, "full_matrices", "svd"),
                        argcheck.flag(compute_uv, "compute_uv", "svd"))
    s, u, v = apply(_svd_op, (a,), {"full_matrices": full and compute_uv})
    s, u, v = _batch_static(s, (a,), (2,), 1), _batch_static(u, (a,), (2,), 2), _batch_static(v, (a,), (2,), 2)
    return (s, u, v) if compute_uv else s


def pinv(a, rcond=None, validate_args=False, name=None):
    """The Moore-Penrose pseudo-inverse ``[..., N, M]`` of ``a`` ``[..., M, N]``, from its SVD.

    Singular values at most ``rcond * max(s)`` count as zero; ``rcond`` defaults
    to ``10 * max(M, N) * eps`` (TF's default).
    """
    from .elementwise import greater, where  # circular import with elementwise
    from .reduce import reduce_max  # circular import with reduce
    x = _float_matrix(a, "pinv", "a", square=False)
    if rcond is None:
        rcond = 10.0 * max(x.shape[-2:]) * float(np.finfo(x.dtype).eps)
    s, u, v = svd(x)
    keep = greater(s, rcond * reduce_max(s, axis=-1, keepdims=True))
    s_inv = where(keep, 1.0 / where(keep, s, 1.0), 0.0)  # 1/s computed only where kept
    return matmul(v * expand_dims(s_inv, -2), u, transpose_b=True)


__all__ = ["eigh", "eigvalsh", "pinv", "qr", "svd"]
