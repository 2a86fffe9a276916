"""Linear algebra: products, matrix structure (diagonals, bands), solves, determinants,
Cholesky and the matrix exponential; QR, eigh and SVD live in ``decompositions``,
``einsum``/``tensordot`` in ``einsum``.

Batched everywhere: matrices are the last two dimensions, and leading (batch)
dimensions broadcast where TF's ops broadcast them. Gradient rules accept
cotangents with extra leading dimensions: they are written with batched ops
(``matmul``, ``triangular_solve``, ``solve``) that broadcast those dimensions
like any other batch dimension.

The factorizations and solves take float32 or float64 (complex matrices need
a conjugation op the library does not have yet). The few primitives are
``matrix_diag_part``/``matrix_diag`` (transposes of each other),
``triangular_solve``, ``matrix_solve``, ``cholesky``, ``slogdet`` and
``expm``; the rest is composed from them: ``inv`` is a solve against the
identity, ``det`` comes from ``slogdet``, ``logdet`` and ``cholesky_solve``
from ``cholesky``, ``trace`` from ``diag_part``, ``band_part`` and
``set_diag`` are ``where`` with a constant mask.
"""

from __future__ import annotations

import contextlib

import platform

import numpy as np

from .. import core
from ..core import Tensor, apply, binary_arrays, convert_to_tensor, defop
from ..errors import InvalidArgumentError, argcheck, eager_op_message
from ._define import bilinear_jvp, defop as defrule
from .rules import ARRAYS
from .blas import ACTIVE as _BLAS
from .einsum import einsum, tensordot  # noqa: F401  (exported in wb.linalg)
from .shape import reshape, transpose


def matrix_transpose(a, name="matrix_transpose", conjugate=False):
    """Swap the last two dimensions."""
    x = convert_to_tensor(a)
    if x.ndim < 2:
        raise ValueError(f"matrix_transpose: a must have rank >= 2, got shape {x.shape}")
    perm = tuple(range(x.ndim - 2)) + (x.ndim - 1, x.ndim - 2)
    out = transpose(x, perm)
    if core.open_shapes_traced() and x._static_shape().rank is None:
        core.static_result(out, None)   # TF: a perm built from the rank, which is unknown
    return out


def _mt(x):
    return matrix_transpose(x)


def _matmul_fwd(xp, a, b):
    # the BLAS chosen in ``blas`` (None, the default: the array module's own)
    fn = _BLAS[0]
    out = xp.matmul(a, b) if fn is None or xp is not np else fn(a, b)
    # ml_dtypes' bfloat16 product is float32; TF's is bfloat16 (accumulated in float32, rounded once)
    return out if out.dtype is a.dtype else out.astype(a.dtype, copy=False)


_matmul_op = defrule("matmul", _matmul_fwd,
                   rule=lambda e, needs, g, ans, a, b: (
                       e.matmul(g, e.matrix_transpose(b)) if needs[0] else None,
                       e.matmul(e.matrix_transpose(a), g) if needs[1] else None),
                   jvp=lambda ts, ans, a, b: bilinear_jvp(_matmul, ts, a, b),
                   broadcasts=True, dtypes="numeric", domain="matrix")


def _matmul(a, b):
    return apply(_matmul_op, (a, b))


def matmul(a, b, transpose_a=False, transpose_b=False, adjoint_a=False, adjoint_b=False,
           a_is_sparse=False, b_is_sparse=False, output_type=None, name=None):
    """``a @ b`` over the last two dimensions, broadcasting leading (batch) dimensions.

    ``a``: ``[..., m, k]``, ``b``: ``[..., k, n]`` (after the optional transposes) → ``[..., m, n]``.
    A composite operand (a RaggedTensor, a user's ExtensionType) goes to its dispatch.
    """
    if not (isinstance(a, Tensor) and isinstance(b, Tensor)):   # tensors and variables (the hot path) skip it
        out = core.dispatch(matmul, (a, b), dict(
            transpose_a=transpose_a, transpose_b=transpose_b, adjoint_a=adjoint_a, adjoint_b=adjoint_b,
            a_is_sparse=a_is_sparse, b_is_sparse=b_is_sparse, output_type=output_type, name=name))
        if out is not NotImplemented:
            return out
    a, b = _operands("matmul", a, b, 2)
    ta, tb = bool(transpose_a or adjoint_a), bool(transpose_b or adjoint_b)
    _check_product("MatMul" if a.ndim == 2 and b.ndim == 2 else "BatchMatMulV2",
                   a, b, ta, -1 if tb else -2, b._data.shape, tb)
    if ta:
        a = _conj_if(matrix_transpose(a), adjoint_a)
    if tb:
        b = _conj_if(matrix_transpose(b), adjoint_b)
    return _matmul(a, b)


def _conj_if(x, conjugate):
    """``x``, conjugated where ``conjugate`` and ``x`` is complex (an adjoint's conjugation)."""
    if conjugate and x.dtype.kind == "c":
        from .tf_extra import conj   # circular import with tf_extra
        return conj(x)
    return x


def _operands(opname, a, b, b_rank):
    """``a`` (rank >= 2) and ``b`` (rank >= ``b_rank``) as tensors of one non-bool dtype."""
    a, b = binary_arrays(a, b, opname)
    if a.ndim < 2 or b.ndim < b_rank:   # TF's kernel: InvalidArgumentError (a ValueError here too)
        hint = "; use wb.linalg.matvec or wb.tensordot for vectors" if b_rank == 2 else ""
        raise InvalidArgumentError(f"{opname}: a must have rank >= 2 and b rank >= {b_rank}, got shapes "
                                   f"a={a.shape} and b={b.shape}{hint}")
    if a.dtype.kind == "b":
        raise TypeError(f"{opname}: bool operands are not supported")
    return a, b


def _check_product(op_type, a, b, transpose_a, inner, in1_shape, transpose_b=False):
    """``a``'s last dimension (its second last where ``transpose_a``) meets ``b``'s dimension
    ``inner`` and the batch dimensions broadcast; else TF's eager kernel's InvalidArgumentError
    (a ValueError here too) with its text. ``op_type``: TF's kernel ("MatMul", "BatchMatMulV2");
    ``in1_shape``: ``b``'s shape as that kernel sees it (matvec's vector with a last 1), whose
    last two dimensions are the matrix and the rest the batch."""
    ashape, bshape = a._data.shape, b._data.shape
    abatch, bbatch = ashape[:-2], bshape[:len(in1_shape) - 2]
    if abatch and bbatch and abatch != bbatch:   # an empty batch broadcasts against anything
        try:
            np.broadcast_shapes(abatch, bbatch)
        except ValueError:
            raise InvalidArgumentError(_kernel_message(
                op_type, a, "In[0] and In[1] must have compatible batch dimensions: "
                f"{_dims(ashape)} vs. {_dims(in1_shape)}")) from None
    if ashape[-2 if transpose_a else -1] != bshape[inner]:
        message = f"Matrix size-incompatible: In[0]: {_dims(ashape)}, In[1]: {_dims(in1_shape)}"
        if op_type == "BatchMatMulV2" and _onednn(a):   # oneDNN's kernel adds its adj_x adj_y flags
            message += f" {int(transpose_a)} {int(transpose_b)}"
        raise InvalidArgumentError(_kernel_message(op_type, a, message))


def _dims(shape):
    return "[" + ",".join(str(d) for d in shape) + "]"


def _kernel_message(op_type, a, message):
    # TF's matmul passes its (eager: empty) name scope to the kernel: the text ends in "name: ".
    # TF's x86 CPU builds run float32, float16 and bfloat16 products through oneDNN, whose kernels are
    # named "_Mkl<op>" ("__wrapped____MklMatMul_device_..."); other dtypes and GPUs keep the op's name
    return eager_op_message(op_type, message, a.device, name="", kernel=f"__Mkl{op_type}" if _onednn(a) else None)


def _onednn(a):
    """Whether TF's x86 CPU build runs a product of ``a``'s dtype through oneDNN."""
    return (getattr(a.device, "kind", "cpu") == "cpu" and a._data.dtype.name in ("float32", "float16", "bfloat16")
            and platform.machine().lower() in ("x86_64", "amd64"))


def _matvec_fwd(xp, a, b):
    return ARRAYS.matvec(a, b)


def _matvec(a, b):
    return apply(_matvec_op, (a, b))


# one op rather than expand_dims / matmul / squeeze: a third of the records and rules
_matvec_op = defrule(
    "matvec", _matvec_fwd,
    rule=lambda e, needs, g, ans, a, b: (
        e.multiply(e.expand_dims(g, -1), e.expand_dims(b, -2)) if needs[0] else None,
        e.matvec(e.matrix_transpose(a), g) if needs[1] else None),
    jvp=lambda ts, ans, a, b: bilinear_jvp(_matvec, ts, a, b),
    broadcasts=True, dtypes="numeric", domain="matrix")


def matvec(a, b, transpose_a=False, adjoint_a=False, name=None):
    """``a @ b`` for matrices ``a`` ``[..., m, n]`` and vectors ``b`` ``[..., n]``."""
    a, b = _operands("matvec", a, b, 1)
    given = (a, b)
    ta = bool(transpose_a or adjoint_a)
    # TF's matvec is a matmul of b with a last 1
    _check_product("MatMul" if a.ndim == 2 and b.ndim == 1 else "BatchMatMulV2",
                   a, b, ta, -1, b._data.shape + (1,))
    if ta:
        a = _conj_if(matrix_transpose(a), adjoint_a)
    return _batch_static(_matvec(a, b), given, (2, 1), 1)


def _batch_static(out, xs, ranks, out_rank, solved=False):
    """``out`` with TF's static shape in a trace: the broadcast of the batch sizes of ``xs``
    (each with ``ranks[i]`` trailing matrix or vector dims), then ``out_rank`` trailing sizes,
    as traced where every input's own trailing sizes are known, else open."""
    if not core.tracing():
        return out
    batches, inner_open = [], False
    for x, r in zip(xs, ranks):
        st = x._static_shape()
        if st.rank is None:
            return core.static_result(out, None)
        dims = st.as_list()
        batches.append(dims[:len(dims) - r])
        inner_open = inner_open or None in dims[len(dims) - r:]
    width = max(map(len, batches))
    batch = []
    for col in zip(*[[1] * (width - len(b)) + b for b in batches]):
        known = [d for d in col if d is not None and d != 1]
        batch.append(known[0] if known else None if None in col else 1)
    inner = (None,) * out_rank if inner_open else out._data.shape[out.ndim - out_rank:]
    if solved:   # a solve: [M, K], M from the matrix or the right-hand side, K from the latter
        a, b = (x._static_shape().as_list() for x in xs)
        inner = (next((d for d in (a[-2], a[-1], b[-2]) if d is not None), None), b[-1])
    return core.static_result(out, tuple(batch) + tuple(inner))


def adjoint(matrix, name=None):
    """The conjugate transpose of the last two dimensions (the transpose, for real matrices)."""
    x = convert_to_tensor(matrix)
    return _conj_if(matrix_transpose(x), True)


# ---------------------------------------------------------------------------
# argument checks and small helpers

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


_COMPLEXES = (np.dtype(np.complex64), np.dtype(np.complex128))


def _float_matrix(x, opname, argname="input", square=True, complex_ok=False):
    """``x`` as a float (or, with ``complex_ok``, complex) tensor of rank >= 2 (square in its
    last two dimensions if asked)."""
    x = convert_to_tensor(x)
    if x.dtype not in _FLOATS and not (complex_ok and x.dtype in _COMPLEXES):
        want = "float32, float64, complex64 or complex128" if complex_ok else "float32 or float64"
        raise TypeError(f"{opname}: {argname} has dtype {x.dtype}, expected {want}")
    if x.ndim < 2:
        raise ValueError(f"{opname}: {argname} must be a matrix or a batch of matrices "
                         f"([..., M, N]), got shape {x.shape}")
    if square and x.shape[-1] != x.shape[-2]:
        raise ValueError(f"{opname}: {argname} must be square in its last two dimensions "
                         f"([..., M, M]), got shape {x.shape}")
    return x


def _rhs(rhs, matrix, opname):
    """``rhs`` checked against ``matrix``: same dtype, shape ``[..., M, K]``, batches broadcast."""
    b = convert_to_tensor(rhs)
    if b.dtype != matrix.dtype:
        raise TypeError(f"{opname}: rhs has dtype {b.dtype} but matrix has dtype {matrix.dtype}")
    if b.ndim < 2:
        raise ValueError(f"{opname}: rhs must have shape [..., M, K], got shape {b.shape}; for a "
                         "vector right-hand side add a last dimension (wb.expand_dims(rhs, -1))")
    if b.shape[-2] != matrix.shape[-1]:
        raise ValueError(f"{opname}: matrix has shape {matrix.shape} and rhs has shape {b.shape}: "
                         f"rhs.shape[-2] must equal the matrix size {matrix.shape[-1]}")
    _batch_shape(matrix, b, opname)
    return b


def _batch_shape(a, b, opname):
    try:
        return np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    except ValueError:
        raise ValueError(f"{opname}: batch dimensions of matrix {a.shape} and rhs {b.shape} "
                         "do not broadcast") from None


def _broadcast_batch(xp, a, b):
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    return xp.broadcast_to(a, batch + a.shape[-2:]), xp.broadcast_to(b, batch + b.shape[-2:])


@contextlib.contextmanager
def _factorization_errors(xp, opname, what):
    """Report a failed factorization as InvalidArgumentError (TF's error). CuPy only checks
    when asked (a device sync), so ask it here."""
    check = contextlib.nullcontext()
    if xp is not np:
        import cupyx  # optional: imported only when this is used
        check = cupyx.errstate(linalg="raise")
    try:
        with check:
            yield
    except np.linalg.LinAlgError as exc:
        raise InvalidArgumentError(f"{opname}: {what} ({exc})") from None


def _eye(x, n=None):
    """A constant identity matrix with ``x``'s dtype, on ``x``'s device."""
    return core.wrap_constant(x.xp.eye(x.shape[-1] if n is None else n, dtype=x.dtype))


def _sym(x):
    return (x + _mt(x)) * 0.5


def _band_mask(xp, m, n, num_lower, num_upper):
    """Bool ``[m, n]``: True inside the band (a negative bound keeps that whole triangle)."""
    rows = xp.arange(m)[:, None]
    cols = xp.arange(n)[None, :]
    mask = xp.ones((m, n), dtype=bool)
    if num_lower >= 0:
        mask &= rows - cols <= num_lower
    if num_upper >= 0:
        mask &= cols - rows <= num_upper
    return mask


def _int_arg(value, what, opname):
    if isinstance(value, core.Tensor):
        if value.ndim != 0 or value.dtype.kind not in "iu":
            raise TypeError(f"{opname}: {what} must be an integer scalar, got {value!r}")
        return int(value)
    if isinstance(value, (tuple, list)):
        extra = " (a range of diagonals, k=(low, high), is not supported)" if what == "k" else ""
        raise ValueError(f"{opname}: {what} must be a single integer, got {value!r}{extra}")
    return int(value)


# ---------------------------------------------------------------------------
# diagonals and bands


def _diag_len(m, n, k):
    return max(0, min(m + min(k, 0), n - max(k, 0)))


def _diag_part_fwd(xp, x, k):
    return xp.diagonal(x, offset=k, axis1=-2, axis2=-1).copy()


_diag_part_op = defop(
    "matrix_diag_part", _diag_part_fwd,
    vjp=lambda g, ans, x, k: (diag(g, k=k, num_rows=x.shape[-2], num_cols=x.shape[-1]),),
    jvp=lambda ts, ans, x, k: diag_part(ts[0], k=k), dtypes="any")


def diag_part(input, name=None, k=0, padding_value=0, align="RIGHT_LEFT"):
    """Diagonal ``k`` (0 main, > 0 above, < 0 below) of each matrix: ``[..., M, N]`` → ``[..., L]``.

    >>> wb.linalg.diag_part(wb.constant([[1., 2.], [3., 4.]])).numpy()
    array([1., 4.], dtype=float32)
    """
    x = convert_to_tensor(input)
    if x.ndim < 2:
        raise ValueError(f"diag_part: input must have rank >= 2, got shape {x.shape}")
    k = _int_arg(k, "k", "diag_part")
    m, n = x.shape[-2:]
    if (m or n) and not -m < k < n:
        raise ValueError(f"diag_part: diagonal k={k} is outside a matrix of shape {(m, n)}")
    return _batch_static(apply(_diag_part_op, (x,), {"k": k}), (x,), (2,), 1)


def _diag_fwd(xp, d, k, num_rows, num_cols, padding_value):
    out = xp.full(d.shape[:-1] + (num_rows, num_cols), padding_value, dtype=d.dtype)
    i = xp.arange(d.shape[-1])
    out[..., i + max(-k, 0), i + max(k, 0)] = d
    return out


_diag_op = defop(
    "matrix_diag", _diag_fwd,
    vjp=lambda g, ans, d, k, num_rows, num_cols, padding_value: (diag_part(g, k=k),),
    jvp=lambda ts, ans, d, k, num_rows, num_cols, padding_value: diag(
        ts[0], k=k, num_rows=num_rows, num_cols=num_cols),
    dtypes="any")


def diag(diagonal, name=None, k=0, num_rows=-1, num_cols=-1, padding_value=0, align="RIGHT_LEFT"):
    """Matrices with ``diagonal`` ``[..., L]`` on diagonal ``k`` and ``padding_value`` elsewhere.

    By default the matrices are square, ``L + |k|`` on a side; ``num_rows`` /
    ``num_cols`` choose another shape whose diagonal ``k`` has length ``L``.

    >>> wb.linalg.diag(wb.constant([1., 2.])).numpy()
    array([[1., 0.],
           [0., 2.]], dtype=float32)
    """
    d = convert_to_tensor(diagonal)
    if d.ndim < 1:
        raise ValueError("diag: diagonal must have rank >= 1, got a scalar")
    k = _int_arg(k, "k", "diag")
    length = d.shape[-1]
    rows, cols = _int_arg(num_rows, "num_rows", "diag"), _int_arg(num_cols, "num_cols", "diag")
    if rows < 0 and cols < 0:
        rows = cols = length + abs(k)
    elif rows < 0:
        rows = length + max(-k, 0)
    elif cols < 0:
        cols = length + max(k, 0)
    if _diag_len(rows, cols, k) != length:
        raise ValueError(f"diag: a diagonal of length {length} does not fill diagonal k={k} of a "
                         f"{rows}x{cols} matrix")
    out = apply(_diag_op, (d,), {"k": k, "num_rows": rows, "num_cols": cols, "padding_value": padding_value})
    return _batch_static(out, (d,), (1,), 2)


def band_part(input, num_lower, num_upper, name=None):
    """Zero everything outside a band: ``num_lower`` subdiagonals and ``num_upper``
    superdiagonals are kept (a negative count keeps the whole triangle).

    ``band_part(x, -1, 0)`` is the lower triangle, ``band_part(x, 0, 0)`` the diagonal.
    """
    from .elementwise import where  # circular import with elementwise
    x = convert_to_tensor(input)
    if x.ndim < 2:
        raise ValueError(f"band_part: input must have rank >= 2, got shape {x.shape}")
    lo = _int_arg(num_lower, "num_lower", "band_part")
    up = _int_arg(num_upper, "num_upper", "band_part")
    mask = core.wrap_constant(_band_mask(x.xp, x.shape[-2], x.shape[-1], lo, up))
    return where(mask, x, 0)


def set_diag(input, diagonal, name=None, k=0, align="RIGHT_LEFT"):
    """``input`` with diagonal ``k`` replaced by ``diagonal`` (``[..., L]``)."""
    from .elementwise import where  # circular import with elementwise
    x = convert_to_tensor(input)
    d = convert_to_tensor(diagonal)
    if x.ndim < 2:
        raise ValueError(f"set_diag: input must have rank >= 2, got shape {x.shape}")
    if d.dtype != x.dtype:
        raise TypeError(f"set_diag: diagonal has dtype {d.dtype} but input has dtype {x.dtype}")
    k = _int_arg(k, "k", "set_diag")
    m, n = x.shape[-2:]
    length = _diag_len(m, n, k)
    if d.ndim < 1 or d.shape[-1] != length:
        raise ValueError(f"set_diag: diagonal k={k} of input shape {x.shape} has length {length}, "
                         f"but diagonal has shape {d.shape}")
    try:
        np.broadcast_shapes(x.shape[:-2], d.shape[:-1])
    except ValueError:
        raise ValueError(f"set_diag: batch dimensions of input {x.shape} and diagonal {d.shape} "
                         "do not broadcast") from None
    mask = core.wrap_constant(_diag_mask(x.xp, m, n, k))
    return where(mask, diag(d, k=k, num_rows=m, num_cols=n), x)


def _diag_mask(xp, m, n, k):
    return xp.arange(n)[None, :] - xp.arange(m)[:, None] == k


def trace(x, name=None):
    """Sum of the main diagonal of each matrix: ``[..., M, N]`` → ``[...]``."""
    from .reduce import reduce_sum  # circular import with reduce
    return reduce_sum(diag_part(x), axis=-1)


# ---------------------------------------------------------------------------
# solves

def _trisolve_fwd(xp, a, b, lower, adjoint):
    a, b = _broadcast_batch(xp, a, b)
    n = a.shape[-1]
    count = int(np.prod(a.shape[:-2]))
    if (a.ndim > 2 and xp is not np) or (count > 64 and n < 32):
        # a batch of systems: one batched LU solve on the triangle; on the CPU for many
        # small matrices this beats a Python loop of triangular solves
        t = xp.where(_band_mask(xp, n, n, -1, 0) if lower else _band_mask(xp, n, n, 0, -1), a, 0)
        if adjoint:
            t = xp.swapaxes(t, -1, -2)
            if t.dtype.kind == "c":
                t = xp.conj(t)
        with _factorization_errors(xp, "triangular_solve", "the matrix is singular"):
            return xp.linalg.solve(t, b)
    if xp is np:
        import scipy.linalg  # optional: imported only when this is used
        try:
            x = scipy.linalg.solve_triangular(a, b, lower=lower, trans=(2 if a.dtype.kind == "c" else 1) if adjoint else 0,
                                              check_finite=False)
        except np.linalg.LinAlgError as exc:
            raise InvalidArgumentError(f"triangular_solve: the matrix is singular ({exc})") from None
        return x.astype(a.dtype, copy=False)
    from cupyx.scipy.linalg import solve_triangular  # optional: imported only when this is used
    return solve_triangular(a, b, lower=lower, trans=(2 if a.dtype.kind == "c" else 1) if adjoint else 0)


# TF's MatrixTriangularSolve gradient, written with adjoints (the complex walk takes it as written)
def _trisolve_vjp(g, ans, a, b, lower, adjoint):
    gb = triangular_solve(a, g, lower=lower, adjoint=not adjoint)
    ga = -matmul(ans, gb, adjoint_b=True) if adjoint else -matmul(gb, ans, adjoint_b=True)
    return (band_part(ga, -1, 0) if lower else band_part(ga, 0, -1)), gb


def _trisolve_jvp(ts, ans, a, b, lower, adjoint):
    ta, rhs = ts
    if ta is not None:
        ta = band_part(ta, -1, 0) if lower else band_part(ta, 0, -1)
        part = matmul(ta, ans, adjoint_a=adjoint)
        rhs = -part if rhs is None else rhs - part
    return triangular_solve(a, rhs, lower=lower, adjoint=adjoint)


_trisolve_op = defop("triangular_solve", _trisolve_fwd, vjp=_trisolve_vjp, jvp=_trisolve_jvp,
                     broadcasts=True, dtypes="float", domain="triangular")


def triangular_solve(matrix, rhs, lower=True, adjoint=False, name=None):
    """Solve ``matrix @ x = rhs`` (``adjoint``: ``adjoint(matrix) @ x = rhs``) for triangular
    ``matrix`` (floating or complex).

    ``matrix``: ``[..., M, M]``, only its lower (``lower=True``) or upper triangle
    is read; ``rhs``: ``[..., M, K]``; batch dimensions broadcast. On the CPU a
    singular matrix raises ``InvalidArgumentError``.

    >>> l = wb.constant([[2., 0.], [1., 1.]]); b = wb.constant([[2.], [3.]])
    >>> wb.linalg.triangular_solve(l, b).numpy()
    array([[1.],
           [2.]], dtype=float32)
    """
    a = _float_matrix(matrix, "triangular_solve", "matrix", complex_ok=True)
    b = _rhs(rhs, a, "triangular_solve")
    out = apply(_trisolve_op, (a, b), {"lower": argcheck.flag(lower, "lower", "triangular_solve"),
                                       "adjoint": argcheck.flag(adjoint, "adjoint", "triangular_solve")})
    return _batch_static(out, (a, b), (2, 2), 2, solved=True)


def _solve_fwd(xp, a, b, adjoint):
    a, b = _broadcast_batch(xp, a, b)
    if adjoint:
        a = xp.swapaxes(a, -1, -2)
        if a.dtype.kind == "c":
            a = xp.conj(a)
    with _factorization_errors(xp, "solve", "the matrix is not invertible"):
        return xp.linalg.solve(a, b)


# TF's MatrixSolve gradient, written with adjoints (the tapes' complex walk takes it as written)
def _solve_vjp(g, ans, a, b, adjoint):
    gb = solve(a, g, adjoint=not adjoint)
    ga = -matmul(ans, gb, adjoint_b=True) if adjoint else -matmul(gb, ans, adjoint_b=True)
    return ga, gb


def _solve_jvp(ts, ans, a, b, adjoint):
    ta, rhs = ts
    if ta is not None:
        part = matmul(ta, ans, adjoint_a=adjoint)
        rhs = -part if rhs is None else rhs - part
    return solve(a, rhs, adjoint=adjoint)


_solve_op = defop("matrix_solve", _solve_fwd, vjp=_solve_vjp, jvp=_solve_jvp,
                  broadcasts=True, dtypes="float", domain="invertible")


def solve(matrix, rhs, adjoint=False, name=None):
    """Solve ``matrix @ x = rhs`` (``adjoint``: ``adjoint(matrix) @ x = rhs``) by LU factorization.

    ``matrix``: ``[..., M, M]``, ``rhs``: ``[..., M, K]`` → ``[..., M, K]``, floating or complex;
    batch dimensions broadcast. A singular matrix raises ``InvalidArgumentError``.
    """
    a = _float_matrix(matrix, "solve", "matrix", complex_ok=True)
    b = _rhs(rhs, a, "solve")
    out = apply(_solve_op, (a, b), {"adjoint": argcheck.flag(adjoint, "adjoint", "solve")})
    return _batch_static(out, (a, b), (2, 2), 2, solved=True)


@core.deferrable
def inv(input, adjoint=False, name=None):
    """The inverse of each matrix in ``input`` ``[..., M, M]`` (of its adjoint with ``adjoint``),
    floating or complex."""
    a = _float_matrix(input, "inv", complex_ok=True)
    return _batch_static(solve(a, _eye(a), adjoint=adjoint), (a,), (2,), 2)   # (not the identity's traced size)


# ---------------------------------------------------------------------------
# determinants


def _slogdet_fwd(xp, a):
    sign, logdet = xp.linalg.slogdet(a)   # complex input: a complex log_abs_determinant, as TF's
    return sign.astype(a.dtype, copy=False), logdet.astype(a.dtype, copy=False)


def _slogdet_vjp(gs, ans, a):
    g = gs[1]  # the sign is piecewise constant: no gradient (TF's zeros)
    if g is None:
        return (core.wrap_constant(a.xp.zeros(a.shape, a.dtype)),)
    return (reshape(g, g.shape + (1, 1)) * inv(a, adjoint=True),)


def _slogdet_jvp(ts, ans, a):
    # trace(inv(a) da): for complex a TF's (the transpose of its rule), log(det)'s tangent
    from .reduce import reduce_sum  # circular import with reduce
    return None, reduce_sum(matrix_transpose(inv(a)) * ts[0], axis=[-2, -1])


# (TF's LogMatrixDeterminant gradient g * inv(a, adjoint=True): the tapes' complex walk takes it
# as written)
_slogdet_op = defop("slogdet", _slogdet_fwd, vjp=_slogdet_vjp, jvp=_slogdet_jvp, nout=2,
                    dtypes="float", domain="invertible")


def slogdet(input, name=None):
    """``(sign, log_abs_determinant)`` of each matrix in ``input`` ``[..., M, M]``, both ``[...]``
    (floating or complex; for complex input both are complex, as TF).

    Stable where the determinant itself would overflow or underflow. A singular
    matrix gives sign 0 and ``-inf``.
    """
    a = _float_matrix(input, "slogdet", complex_ok=True)
    sign, logabs = apply(_slogdet_op, (a,))
    return _batch_static(sign, (a,), (2,), 0), _batch_static(logabs, (a,), (2,), 0)


def _det_vjp(g, ans, a):
    return (reshape(g * ans, g.shape + (1, 1)) * inv(a, adjoint=True),)


def _det_jvp(ts, ans, a):
    # TF's forward mode transposes its rule: conj(det) * trace(inv(a) da)
    from .reduce import reduce_sum  # circular import with reduce
    from .tf_extra import conj  # circular import with tf_extra
    return conj(ans) * reduce_sum(matrix_transpose(inv(a)) * ts[0], axis=[-2, -1])


# TF's MatrixDeterminant for complex matrices, its gradient g * det * inv(a, adjoint=True) as
# TF writes it (not conj(det): the derivative only where det is real); slogdet's likewise treats
# log|det| as log(det). Their tangents are TF's too, the transposes of these rules.
_complex_det_op = defop("matrix_determinant", lambda xp, a: xp.linalg.det(a), vjp=_det_vjp, jvp=_det_jvp,
                        dtypes="float", domain="invertible")


def det(input, name=None):
    """The determinant of each matrix in ``input`` ``[..., M, M]`` → ``[...]`` (floating or complex).

    Its gradient, ``det(a) * inv(a)^T`` (``adjoint(inv(a))`` for complex), is not finite at singular
    matrices (as in TF).
    """
    from .elementwise import exp  # circular import with elementwise
    a = _float_matrix(input, "det", complex_ok=True)
    if a.dtype.kind == "c":
        return _batch_static(apply(_complex_det_op, (a,)), (a,), (2,), 0)
    sign, logabs = slogdet(a)
    return sign * exp(logabs)


def logdet(matrix, name=None):
    """``log(det(matrix))`` for symmetric positive definite ``matrix``, via its Cholesky factor."""
    from .elementwise import log  # circular import with elementwise
    from .reduce import reduce_sum  # circular import with reduce
    return 2.0 * reduce_sum(log(diag_part(cholesky(matrix))), axis=-1)


# ---------------------------------------------------------------------------
# Cholesky


def _cholesky_fwd(xp, a):
    with _factorization_errors(xp, "cholesky", "Cholesky decomposition was not successful: "
                                               "the input is not symmetric positive definite"):
        return xp.linalg.cholesky(a)


def _phi(x):
    """The lower triangle of ``x`` with its diagonal halved."""
    return band_part(x, -1, 0) - 0.5 * diag(diag_part(x))


def _herm(x):
    return (x + adjoint(x)) * 0.5


def _cholesky_vjp(g, ans, a):
    # Murray (2016): A_bar = herm(L^-H phi(L^H L_bar) L^-1); Hermitian, as TF's (written with
    # adjoints, taken as written for complex input)
    low = ans
    p = _phi(matmul(low, g, adjoint_a=True))
    left = triangular_solve(low, p, lower=True, adjoint=True)                  # L^-H phi
    x = adjoint(triangular_solve(low, adjoint(left), lower=True, adjoint=True))  # ... L^-1
    return (_herm(x),)


def _cholesky_jvp(ts, ans, a):
    # dL = L phi(L^-1 herm(dA) L^-H)
    low = ans
    y = triangular_solve(low, _herm(ts[0]), lower=True)
    x = adjoint(triangular_solve(low, adjoint(y), lower=True))
    return matmul(low, _phi(x))


_cholesky_op = defop("cholesky", _cholesky_fwd, vjp=_cholesky_vjp, jvp=_cholesky_jvp,
                     dtypes="float", domain="spd")


@core.deferrable
def cholesky(input, name=None):
    """The lower-triangular ``L`` with ``L @ adjoint(L) = input`` for symmetric (Hermitian)
    positive definite ``input`` ``[..., M, M]``; only the lower triangle of ``input`` is read.

    A matrix that is not positive definite raises ``InvalidArgumentError``. The
    gradient is symmetric (it treats ``input`` as a symmetric matrix, as TF does).
    """
    a = _float_matrix(input, "cholesky", complex_ok=True)
    return _batch_static(apply(_cholesky_op, (a,)), (a,), (2,), 2)


def cholesky_solve(chol, rhs, name=None):
    """Solve ``A @ x = rhs`` given ``chol``, the Cholesky factor of ``A`` (``[..., M, M]``)."""
    low = _float_matrix(chol, "cholesky_solve", "chol")
    _rhs(rhs, low, "cholesky_solve")
    y = triangular_solve(low, rhs, lower=True)
    return triangular_solve(low, y, lower=True, adjoint=True)


def lstsq(matrix, rhs, l2_regularizer=0.0, fast=True, name=None):
    """Least-squares solution of ``matrix @ x ≈ rhs``: ``[..., M, N]``, ``[..., M, K]`` → ``[..., N, K]``.

    ``fast=True`` solves the (regularized) normal equations by Cholesky, as TF
    does: ``(A^T A + l2 I)^-1 A^T b`` when ``M >= N``, the minimum-norm
    ``A^T (A A^T + l2 I)^-1 b`` when ``M < N``; the matrix must have full rank
    (or ``l2_regularizer > 0``). ``fast=False`` uses a QR factorization instead,
    which is more accurate for ill-conditioned full-rank matrices and supports
    no regularizer.
    """
    a = _float_matrix(matrix, "lstsq", "matrix", square=False)
    b = convert_to_tensor(rhs)
    if b.dtype != a.dtype:
        raise TypeError(f"lstsq: rhs has dtype {b.dtype} but matrix has dtype {a.dtype}")
    if b.ndim < 2 or b.shape[-2] != a.shape[-2]:
        raise ValueError(f"lstsq: rhs must have shape [..., M, K] with M = {a.shape[-2]} (the rows "
                         f"of matrix {a.shape}), got shape {b.shape}")
    _batch_shape(a, b, "lstsq")
    m, n = a.shape[-2:]
    if not fast:
        if float(l2_regularizer) != 0.0:
            raise ValueError("lstsq: l2_regularizer is only supported with fast=True")
        from .decompositions import qr  # circular import with decompositions
        if m >= n:
            q, r = qr(a)
            return triangular_solve(r, matmul(q, b, transpose_a=True), lower=False)
        q, r = qr(_mt(a))
        return matmul(q, triangular_solve(r, b, lower=False, adjoint=True))
    if m >= n:
        gram = matmul(a, a, transpose_a=True)
        if float(l2_regularizer):
            gram = gram + l2_regularizer * _eye(a, n)
        return cholesky_solve(cholesky(gram), matmul(a, b, transpose_a=True))
    gram = matmul(a, a, transpose_b=True)
    if float(l2_regularizer):
        gram = gram + l2_regularizer * _eye(a, m)
    return matmul(a, cholesky_solve(cholesky(gram), b), transpose_a=True)


from .expm import expm  # noqa: E402  (both use this module's helpers)
from .decompositions import eigh, eigvalsh, pinv, qr, svd  # noqa: E402

__all__ = [
    "adjoint",
    "band_part",
    "cholesky",
    "cholesky_solve",
    "det",
    "diag",
    "diag_part",
    "eigh",
    "eigvalsh",
    "einsum",
    "expm",
    "inv",
    "logdet",
    "lstsq",
    "matmul",
    "matrix_transpose",
    "matvec",
    "pinv",
    "qr",
    "set_diag",
    "slogdet",
    "solve",
    "svd",
    "tensordot",
    "trace",
    "triangular_solve",
]
