"""``wb.linalg``: TF's ``tf.linalg`` names."""

from .ops.create import eye  # noqa: F401
from .ops.linalg import *  # noqa: F401,F403
from .ops.linalg import matmul, matrix_transpose, matvec  # noqa: F401
from .ops.reduce import norm  # noqa: F401
from .ops.clip import global_norm  # noqa: F401
from .ops.linear_operator import *  # noqa: F401,F403  (tf.linalg.LinearOperator*)

import numpy as _np  # noqa: E402

from .core import convert_to_tensor as _convert  # noqa: E402
from .errors import InvalidArgumentError  # noqa: E402
from .ops.elementwise import where as _where  # noqa: E402
from .ops.indexing import gather as _gather  # noqa: E402
from .ops.shape import broadcast_to as _broadcast, reshape as _reshape  # noqa: E402


def banded_triangular_solve(bands, rhs, lower=True, adjoint=False, name=None):
    """Solve ``A x = rhs`` for a banded triangular ``A`` given by its ``K + 1`` diagonals
    ``bands`` (shape ``[..., K + 1, M]``; TF's ``tf.linalg.banded_triangular_solve``).

    ``lower=True``: row 0 is the main diagonal and row ``k`` the ``k``-th subdiagonal, aligned
    right (``A[i, i - k] = bands[k, i]``). ``lower=False``: the last row is the main diagonal
    and row ``K - k`` the ``k``-th superdiagonal, aligned left (``A[i, i + k] = bands[K - k, i]``).
    Entries of ``bands`` outside the matrix are ignored. ``adjoint`` solves ``A^H x = rhs``.
    Differentiable in ``bands`` and ``rhs``.

    >>> wb.linalg.banded_triangular_solve([[2.0, 3.0, 4.0], [1.0, 2.0, 3.0]], wb.ones([3, 1])).numpy()
    array([[0.5 ],
           [0.  ],
           [0.25]], dtype=float32)
    """
    b = _convert(bands)
    r = _convert(rhs, dtype_hint=b.dtype)
    if b.ndim < 2:
        raise ValueError(f"banded_triangular_solve: bands must have shape [..., K + 1, M], got {b.shape}")
    k1, m = b.shape[-2], b.shape[-1]
    if r.ndim < 2 or r.shape[-2] != m:
        raise ValueError(f"banded_triangular_solve: rhs must have shape [..., {m}, N] to match bands "
                         f"of shape {b.shape}, got {r.shape}")
    rows, cols = _np.meshgrid(_np.arange(m), _np.arange(m), indexing="ij")
    k = rows - cols if lower else cols - rows
    inside = (k >= 0) & (k < k1)
    kk = _np.clip(k, 0, k1 - 1)
    band_row = kk if lower else (k1 - 1) - kk
    # A[i, j] is bands[band_row, i]: gather from the flattened last two dimensions
    flat_index = band_row * m + rows
    flat = _reshape(b, tuple(b.shape[:-2]) + (k1 * m,))
    dense = _gather(flat, _np.where(inside, flat_index, 0).astype(_np.int64), axis=-1,
                    batch_dims=0)
    dense = _where(_np.broadcast_to(inside, dense.shape), dense, _np.zeros((), b.dtype))
    return triangular_solve(dense, r, lower=lower, adjoint=adjoint)


def tensor_diag_part(input, name=None):
    """The diagonal of a tensor of shape ``[D1, ..., Dk, D1, ..., Dk]``: shape ``[D1, ..., Dk]``
    with ``out[i1, ..., ik] = input[i1, ..., ik, i1, ..., ik]`` (TF's ``tf.linalg.tensor_diag_part``).

    >>> wb.linalg.tensor_diag_part([[1, 0], [0, 2]]).numpy()
    array([1, 2], dtype=int32)
    """
    x = _convert(input)
    half = x.ndim // 2
    if x.ndim % 2 or tuple(x.shape[:half]) != tuple(x.shape[half:]):
        raise ValueError(f"tensor_diag_part: input must have shape [D1, ..., Dk, D1, ..., Dk], got "
                         f"{x.shape}")
    n = int(_np.prod(x.shape[:half]))
    return _reshape(diag_part(_reshape(x, (n, n))), tuple(x.shape[:half]))


# ---------------------------------------------------------------------------
# bands of diagonals: k = (low, high) with TF's alignment of the shorter diagonals

from .ops import linalg as _ops_linalg  # noqa: E402

_ALIGNS = ("LEFT_RIGHT", "RIGHT_LEFT", "LEFT_LEFT", "RIGHT_RIGHT")


def _band(k, opname):
    """``(low, high)`` from ``k`` (an integer or a pair), or None for a single diagonal."""
    arr = _np.asarray(k.numpy() if hasattr(k, "numpy") else k)
    if arr.dtype.kind not in "iu" or arr.ndim > 1 or arr.size not in (1, 2):
        raise ValueError(f"{opname}: k must be an integer or a pair (low, high) of integers, "
                         f"got {k!r}")
    if arr.size == 1 or arr[0] == arr[1]:
        return None, int(arr.reshape(-1)[0])
    low, high = int(arr[0]), int(arr[1])
    if low > high:
        raise InvalidArgumentError(f"{opname}: k=(low, high) needs low <= high, got {low} > {high}")
    return (low, high), None


def _check_align(align, opname):
    if align not in _ALIGNS:
        raise ValueError(f"{opname}: align must be one of {', '.join(_ALIGNS)}, got {align!r}")


def _band_layout(m, n, low, high, align):
    """For a band of diagonals of an ``m x n`` matrix laid out as TF's ``[num_diags, max_len]``
    (row ``r`` is diagonal ``high - r``; a short diagonal is padded on the side ``align``
    says: its first word for diagonals >= 0, its second for those below): for each slot the
    matrix row and column it holds, and whether it holds one."""
    def length(d):
        return max(0, min(m + min(d, 0), n - max(d, 0)))
    max_len = max(length(d) for d in range(low, high + 1))
    diags = _np.arange(high, low - 1, -1)[:, None]
    slot = _np.arange(max_len)[None, :]
    lens = _np.array([length(int(d)) for d in diags[:, 0]])[:, None]
    sup, sub = align.split("_")
    right = _np.where(diags >= 0, sup == "RIGHT", sub == "RIGHT")
    pos = slot - _np.where(right, max_len - lens, 0)
    valid = (pos >= 0) & (pos < lens)
    rows = pos + _np.maximum(-diags, 0)
    cols = pos + _np.maximum(diags, 0)
    return max_len, _np.where(valid, rows, 0), _np.where(valid, cols, 0), valid


def _check_band(m, n, low, high, opname):
    for what, d in (("low", low), ("high", high)):
        if (m or n) and not -m < d < n:
            raise InvalidArgumentError(f"{opname}: k's {what} diagonal {d} is outside a matrix of "
                                       f"shape {(m, n)} (it must be in ({-m}, {n}))")


def diag_part(input, name=None, k=0, padding_value=0, align="RIGHT_LEFT"):
    """Diagonals of each matrix (TF's ``tf.linalg.diag_part``): ``[..., M, N]`` gives
    ``[..., L]`` for one diagonal ``k`` (0 main, > 0 above, < 0 below), or, for
    ``k=(low, high)``, ``[..., high - low + 1, max_len]``: diagonal ``high`` first, the shorter
    ones padded with ``padding_value`` where ``align`` says ("RIGHT_LEFT": superdiagonals to
    the right, subdiagonals to the left). Differentiable.

    >>> x = wb.reshape(wb.range(1, 13), [3, 4])
    >>> wb.linalg.diag_part(x, k=(-1, 1)).numpy()
    array([[ 2,  7, 12],
           [ 1,  6, 11],
           [ 5, 10,  0]], dtype=int32)
    """
    band, single = _band(k, "diag_part")
    _check_align(align, "diag_part")
    if band is None:
        return _ops_linalg.diag_part(input, k=single)
    x = _convert(input)
    if x.ndim < 2:
        raise ValueError(f"diag_part: input must have rank >= 2, got shape {x.shape}")
    m, n = x.shape[-2:]
    _check_band(m, n, band[0], band[1], "diag_part")
    _, rows, cols, valid = _band_layout(m, n, band[0], band[1], align)
    flat = _reshape(x, tuple(x.shape[:-2]) + (m * n,))
    picked = _gather(flat, (rows * n + cols).reshape(-1), axis=-1)
    picked = _reshape(picked, tuple(x.shape[:-2]) + rows.shape)
    pad = _convert(padding_value, dtype=x.dtype)
    return _where(_np.broadcast_to(valid, picked.shape), picked, pad)


def _from_band(d, m, n, low, high, align, fill, opname):
    """The ``m x n`` matrices whose band ``(low, high)`` is ``d`` ``[..., num_diags, max_len]``
    (TF's layout) and ``fill`` (broadcast to ``[..., m, n]``) elsewhere."""
    max_len, rows, cols, valid = _band_layout(m, n, low, high, align)
    if d.shape[-2:] != (high - low + 1, max_len):
        raise InvalidArgumentError(
            f"{opname}: diagonal must have shape [..., {high - low + 1}, {max_len}] for k=({low}, "
            f"{high}) of a {m}x{n} matrix, got {d.shape}")
    # for each matrix entry, the slot of the band holding it (if any)
    source = _np.full((m, n), -1, _np.int64)
    r_idx, s_idx = _np.nonzero(valid)
    source[rows[valid], cols[valid]] = r_idx * max_len + s_idx
    inside = source >= 0
    flat = _reshape(d, tuple(d.shape[:-2]) + (d.shape[-2] * max_len,))
    spread = _reshape(_gather(flat, _np.where(inside, source, 0).reshape(-1), axis=-1),
                      tuple(d.shape[:-2]) + (m, n))
    return _where(_np.broadcast_to(inside, spread.shape), spread, fill)


def diag(diagonal, name=None, k=0, num_rows=-1, num_cols=-1, padding_value=0, align="RIGHT_LEFT"):
    """Matrices with ``diagonal`` on diagonal ``k`` (or, for ``k=(low, high)``, the band laid
    out as :func:`diag_part` gives it) and ``padding_value`` elsewhere (TF's
    ``tf.linalg.diag``). By default the matrices are the smallest square that fits;
    ``num_rows`` / ``num_cols`` ask for another shape (the other side is then the smallest
    that fits). Differentiable.

    >>> wb.linalg.diag([[1, 2], [3, 4]], k=(0, 1)).numpy()
    array([[3, 2],
           [0, 4]], dtype=int32)
    """
    band, single = _band(k, "diag")
    _check_align(align, "diag")
    if band is None:
        return _ops_linalg.diag(diagonal, k=single, num_rows=num_rows, num_cols=num_cols,
                                padding_value=padding_value)
    d = _convert(diagonal)
    low, high = band
    if d.ndim < 2 or d.shape[-2] != high - low + 1:
        raise InvalidArgumentError(f"diag: for k=({low}, {high}) diagonal must have shape "
                                   f"[..., {high - low + 1}, max_len], got {d.shape}")
    max_len = d.shape[-1]
    min_rows, min_cols = max_len - min(high, 0), max_len + max(low, 0)
    rows, cols = int(num_rows), int(num_cols)
    if rows < 0 and cols < 0:
        rows = cols = max(min_rows, min_cols)
    elif rows < 0:
        rows = min_rows
    elif cols < 0:
        cols = min_cols
    if rows < min_rows or cols < min_cols:
        raise InvalidArgumentError(f"diag: a {rows}x{cols} matrix is too small for diagonals of "
                                   f"length {max_len} at k=({low}, {high}) (it needs at least "
                                   f"{min_rows}x{min_cols})")
    if rows != min_rows and cols != min_cols:
        raise InvalidArgumentError(f"diag: num_rows={rows} and num_cols={cols} do not match "
                                   f"diagonals of length {max_len} at k=({low}, {high})")
    fill = _convert(padding_value, dtype=d.dtype)
    return _from_band(d, rows, cols, low, high, align, fill, "diag")


def set_diag(input, diagonal, name=None, k=0, align="RIGHT_LEFT"):
    """``input`` with diagonal ``k`` (or the band ``k=(low, high)``, laid out as
    :func:`diag_part` gives it) replaced by ``diagonal`` (TF's ``tf.linalg.set_diag``).
    Differentiable in both.

    >>> wb.linalg.set_diag(wb.zeros([2, 3], wb.int32), [[7, 8], [1, 2]], k=(0, 1)).numpy()
    array([[1, 7, 0],
           [0, 2, 8]], dtype=int32)
    """
    band, single = _band(k, "set_diag")
    _check_align(align, "set_diag")
    if band is None:
        return _ops_linalg.set_diag(input, diagonal, k=single)
    x = _convert(input)
    d = _convert(diagonal, dtype_hint=x.dtype)
    if x.ndim < 2:
        raise ValueError(f"set_diag: input must have rank >= 2, got shape {x.shape}")
    if d.dtype != x.dtype:
        raise TypeError(f"set_diag: diagonal has dtype {d.dtype} but input has dtype {x.dtype}")
    m, n = x.shape[-2:]
    _check_band(m, n, band[0], band[1], "set_diag")
    return _from_band(d, m, n, band[0], band[1], align, x, "set_diag")


# TF 1's names, kept in tf.compat.v1
matrix_diag = diag
matrix_diag_part = diag_part
matrix_set_diag = set_diag


# ---------------------------------------------------------------------------
# more of tf.linalg

from .ops.nn import l2_normalize  # noqa: E402,F401  (tf.linalg's too)
from .ops.reduce import reduce_sum as _reduce_sum  # noqa: E402
from .ops.shape import concat as _concat, stack as _stack  # noqa: E402
from .ops.indexing import pad as _pad  # noqa: E402


def normalize(tensor, ord="euclidean", axis=None, name=None):
    """``(tensor / norm(tensor), norm(tensor))`` with the norm over ``axis`` kept as a size-1
    dimension (TF's ``tf.linalg.normalize``; ``ord`` and ``axis`` as :func:`norm`).

    >>> x, n = wb.linalg.normalize([[3.0, 4.0]], axis=1)
    >>> x.numpy(), n.numpy()
    (array([[0.6, 0.8]], dtype=float32), array([[5.]], dtype=float32))
    """
    x = _convert(tensor)
    n = norm(x, ord=ord, axis=axis, keepdims=True)
    return x / n, n


def tensor_diag(diagonal, name=None):
    """The tensor of shape ``[D1, ..., Dk, D1, ..., Dk]`` with ``diagonal`` ``[D1, ..., Dk]`` on
    its diagonal and zeros elsewhere (TF's ``tf.linalg.tensor_diag``).

    >>> wb.linalg.tensor_diag([1, 2]).numpy()
    array([[1, 0],
           [0, 2]], dtype=int32)
    """
    d = _convert(diagonal)
    if d.ndim == 0:
        raise ValueError("tensor_diag: diagonal must have rank >= 1, got a scalar")
    return _reshape(diag(_reshape(d, (-1,))), tuple(d.shape) * 2)


def cross(a, b, name=None):
    """The cross product of 3-vectors along the last axis (TF's ``tf.linalg.cross``).
    Differentiable.

    >>> wb.linalg.cross([1.0, 0.0, 0.0], [0.0, 1.0, 0.0]).numpy()
    array([0., 0., 1.], dtype=float32)
    """
    x = _convert(a)
    y = _convert(b, dtype_hint=x.dtype)
    if x.dtype != y.dtype:
        raise TypeError(f"cross: a and b must have one dtype, got {x.dtype} and {y.dtype}")
    if x.ndim < 1 or y.ndim < 1 or x.shape[-1] != 3 or y.shape[-1] != 3:
        raise ValueError(f"cross: a and b must be 3-vectors along their last axis, got shapes "
                         f"{x.shape} and {y.shape}")
    parts = [x[..., 1:2] * y[..., 2:3] - x[..., 2:3] * y[..., 1:2],
             x[..., 2:3] * y[..., 0:1] - x[..., 0:1] * y[..., 2:3],
             x[..., 0:1] * y[..., 1:2] - x[..., 1:2] * y[..., 0:1]]
    return _concat(parts, axis=-1)


def matrix_rank(a, tol=None, validate_args=False, name=None):
    """The rank of each matrix ``[..., M, N]``: its singular values above ``tol`` (by default
    ``max(M, N) * eps * largest singular value``, as TF), int32 ``[...]``.

    >>> wb.linalg.matrix_rank([[1.0, 2.0], [2.0, 4.0]]).numpy()
    np.int32(1)
    """
    x = _convert(a)
    if x.ndim < 2 or x.dtype.kind != "f":
        raise ValueError(f"matrix_rank: a must be floating matrices [..., M, N], got {x.dtype} of "
                         f"shape {x.shape}")
    s = _np.linalg.svd(_np.asarray(x.numpy()), compute_uv=False)
    if tol is None:
        eps = _np.finfo(_np.dtype(x.dtype)).eps
        cut = max(x.shape[-2:]) * eps * (s.max(axis=-1, keepdims=True) if s.size else 0.0)
    else:
        cut = _np.asarray(_convert(tol).numpy())[..., None]
    return _ops_linalg._batch_static(_convert(_np.asarray((s > cut).sum(axis=-1), _np.int32)), (x,), (2,), 0)


# ---------------------------------------------------------------------------
# LU factorization with partial pivoting

import warnings  # noqa: E402
from collections import namedtuple as _namedtuple  # noqa: E402

from .dtypes import np_dtype  # noqa: E402
from .ops._define import defop as _defop  # noqa: E402
from .core import apply as _apply, wrap as _wrap  # noqa: E402
from .core import static_result as _static_result, tracing as _tracing  # noqa: E402


def _lu_fwd(xp, a, index_dtype):
    import scipy.linalg   # scipy loads on first use only
    host = a if xp is _np else a.get()
    m = host.shape[-1]
    flat = host.reshape((-1, m, m))
    packed = _np.empty_like(flat)
    perms = _np.empty(flat.shape[:2], index_dtype)
    with warnings.catch_warnings():   # a singular matrix factors as well; TF does not warn
        warnings.simplefilter("ignore", scipy.linalg.LinAlgWarning)
        for i, mat in enumerate(flat):
            packed[i], piv = scipy.linalg.lu_factor(mat, check_finite=False)
            perm = _np.arange(m)
            for row, other in enumerate(piv):   # LAPACK's row swaps, in order
                perm[row], perm[other] = perm[other], perm[row]
            perms[i] = perm
    packed, perms = packed.reshape(host.shape), perms.reshape(host.shape[:-1])
    return (packed, perms) if xp is _np else (xp.asarray(packed), xp.asarray(perms))


# not differentiable, as TF's Lu (it has no gradient); lu_solve and lu_reconstruct are, in
# lower_upper and rhs
_lu_op = _defop("lu", _lu_fwd, nout=2, dtypes="float")

Lu = _namedtuple("Lu", ["lu", "p"])


def lu(input, output_idx_type=_np.int32, name=None):
    """The LU factorization with partial pivoting of each square matrix (TF's
    ``tf.linalg.lu``): ``Lu(lu, p)`` with ``lu`` holding the unit lower-triangular ``L``
    below its diagonal and ``U`` on and above it, and ``p`` ``[..., M]`` the row permutation:
    ``L @ U == input[..., p, :]``. Not differentiable (as in TF).

    >>> lu_, p = wb.linalg.lu([[1.0, 2.0], [3.0, 4.0]])
    >>> lu_.numpy(), p.numpy()
    (array([[3.        , 4.        ],
           [0.33333334, 0.6666666 ]], dtype=float32), array([1, 0], dtype=int32))
    """
    x = _convert(input)
    if x.ndim < 2 or x.shape[-1] != x.shape[-2] or x.dtype.kind not in "fc":
        raise ValueError(f"lu: input must be square floating or complex matrices [..., M, M], got "
                         f"{x.dtype} of shape {x.shape}")
    index_dtype = np_dtype(output_idx_type)
    if index_dtype not in (_np.int32, _np.int64):
        raise TypeError(f"lu: output_idx_type must be int32 or int64, got {output_idx_type}")
    return Lu(*_apply(_lu_op, (x,), {"index_dtype": index_dtype}))


def _lu_parts(lower_upper, perm, opname):
    a = _convert(lower_upper)
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise ValueError(f"{opname}: lower_upper must be square matrices [..., M, M], got shape "
                         f"{a.shape}")
    p = _np.asarray(_convert(perm).numpy())
    if p.dtype.kind not in "iu" or p.shape[-1:] != a.shape[-1:]:
        raise ValueError(f"{opname}: perm must be integers of shape [..., {a.shape[-1]}], got "
                         f"{p.dtype} of shape {p.shape}")
    m = a.shape[-1]
    eye_m = _np.eye(m, dtype=bool)
    lower = _where(_np.broadcast_to(eye_m, a.shape), _np.ones((), _np.dtype(a.dtype)),
                   band_part(a, -1, 0))
    upper = band_part(a, 0, -1)
    return lower, upper, p


def _rows(x, index):
    """``x[..., index[...], :]`` (``index`` ``[..., M]``, broadcast against ``x``'s batch)."""
    batch = _np.broadcast_shapes(tuple(x.shape[:-2]), index.shape[:-1])
    x = _broadcast(x, batch + tuple(x.shape[-2:]))
    index = _np.broadcast_to(index, batch + index.shape[-1:]).astype(_np.int64)
    return _gather(x, index, axis=-2, batch_dims=len(batch))


def lu_reconstruct(lower_upper, perm, validate_args=False, name=None):
    """The matrices ``lu`` factors (TF's ``tf.linalg.lu_reconstruct``): ``P^T L U``.
    Differentiable in ``lower_upper``.

    >>> wb.linalg.lu_reconstruct(*wb.linalg.lu([[1.0, 2.0], [3.0, 4.0]])).numpy()
    array([[1., 2.],
           [3., 4.]], dtype=float32)
    """
    lower, upper, p = _lu_parts(lower_upper, perm, "lu_reconstruct")
    return _ops_linalg._batch_static(_rows(matmul(lower, upper), _np.argsort(p, axis=-1)), (lower,), (2,), 2)


def lu_solve(lower_upper, perm, rhs, validate_args=False, name=None):
    """Solve ``A X = rhs`` given ``lu(A)`` (TF's ``tf.linalg.lu_solve``): two triangular solves
    on the permuted ``rhs`` ``[..., M, K]``. Differentiable in ``lower_upper`` and ``rhs``.

    >>> lu_, p = wb.linalg.lu([[1.0, 2.0], [3.0, 4.0]])
    >>> wb.linalg.lu_solve(lu_, p, [[5.0], [6.0]]).numpy().round(4)
    array([[-4. ],
           [ 4.5]], dtype=float32)
    """
    lower, upper, p = _lu_parts(lower_upper, perm, "lu_solve")
    b = _convert(rhs, dtype_hint=lower.dtype)
    if b.ndim < 2 or b.shape[-2] != lower.shape[-1]:
        raise ValueError(f"lu_solve: rhs must have shape [..., {lower.shape[-1]}, K], got {b.shape}")
    permuted = _rows(b, p)
    batch = tuple(permuted.shape[:-2])
    lower = _broadcast(lower, _np.broadcast_shapes(batch, tuple(lower.shape[:-2])) + tuple(lower.shape[-2:]))
    upper = _broadcast(upper, tuple(lower.shape))
    permuted = _broadcast(permuted, tuple(lower.shape[:-2]) + tuple(permuted.shape[-2:]))
    out = triangular_solve(upper, triangular_solve(lower, permuted, lower=True), lower=False)
    return _ops_linalg._batch_static(out, (lower, b), (2, 2), 2, solved=True)


def lu_matrix_inverse(lower_upper, perm, validate_args=False, name=None):
    """The inverse of the matrices ``lu`` factors (TF's ``tf.linalg.lu_matrix_inverse``).
    Differentiable in ``lower_upper``.

    >>> wb.linalg.lu_matrix_inverse(*wb.linalg.lu([[2.0, 0.0], [0.0, 4.0]])).numpy()
    array([[0.5 , 0.  ],
           [0.  , 0.25]], dtype=float32)
    """
    a = _convert(lower_upper)
    m = a.shape[-1]
    identity = _np.broadcast_to(_np.eye(m, dtype=_np.dtype(a.dtype)), tuple(a.shape))
    return lu_solve(a, perm, identity)


# ---------------------------------------------------------------------------
# tridiagonal systems: through the dense matrix (O(M^2) memory; TF's kernels are O(M))


def _tridiagonal_dense(diagonals, diagonals_format, opname, rhs_dtype=None):
    if diagonals_format == "matrix":
        a = _convert(diagonals)
        if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
            raise ValueError(f"{opname}: diagonals in 'matrix' format must be [..., M, M], got "
                             f"shape {a.shape}")
        return band_part(a, 1, 1)
    if diagonals_format == "sequence":
        if not isinstance(diagonals, (list, tuple)) or len(diagonals) != 3:
            raise ValueError(f"{opname}: diagonals in 'sequence' format must be a list of three "
                             "tensors (superdiagonal, diagonal, subdiagonal)")
        sup, main, sub = (_convert(d) for d in diagonals)
        m = main.shape[-1]
        # TF's sequence format: the off-diagonals have M entries (one ignored) or M - 1
        sup = _pad(sup, [[0, 0]] * (sup.ndim - 1) + [[0, m - sup.shape[-1]]])
        sub = _pad(sub, [[0, 0]] * (sub.ndim - 1) + [[m - sub.shape[-1], 0]])
        batch = _np.broadcast_shapes(tuple(sup.shape[:-1]), tuple(main.shape[:-1]),
                                     tuple(sub.shape[:-1]))
        diagonals = _stack([_broadcast(d, batch + (m,)) for d in (sup, main, sub)], axis=-2)
    elif diagonals_format != "compact":
        raise ValueError(f"{opname}: diagonals_format must be 'compact', 'sequence' or 'matrix', "
                         f"got {diagonals_format!r}")
    d = _convert(diagonals)
    if d.ndim < 2 or d.shape[-2] != 3:
        raise ValueError(f"{opname}: diagonals in 'compact' format must be [..., 3, M], got shape "
                         f"{d.shape}")
    m = d.shape[-1]
    # superdiagonal first, its last entry unused; subdiagonal last, its first entry unused
    return diag(d, k=(-1, 1), num_rows=m, num_cols=m, align="LEFT_RIGHT")


def tridiagonal_solve(diagonals, rhs, diagonals_format="compact", transpose_rhs=False,
                      conjugate_rhs=False, name=None, partial_pivoting=True,
                      perturb_singular=False):
    """Solve ``A x = rhs`` for tridiagonal ``A`` (TF's ``tf.linalg.tridiagonal_solve``).

    ``diagonals``: "compact" ``[..., 3, M]`` (superdiagonal, diagonal, subdiagonal; the
    superdiagonal's last and the subdiagonal's first entries are ignored), "sequence" (a list
    of the three) or "matrix" ``[..., M, M]``. ``rhs``: ``[..., M, K]`` or ``[..., M]``
    (``transpose_rhs``: ``[..., K, M]``). Solved with pivoting through the dense matrix.
    Differentiable in ``diagonals`` and ``rhs``.

    >>> wb.linalg.tridiagonal_solve([[1.0, 1.0, 0.0], [2.0, 2.0, 2.0], [0.0, 1.0, 1.0]],
    ...                             [[3.0], [4.0], [3.0]]).numpy().round(4)
    array([[1.],
           [1.],
           [1.]], dtype=float32)
    """
    if perturb_singular:
        raise NotImplementedError("tridiagonal_solve: perturb_singular=True is not supported")
    a = _tridiagonal_dense(diagonals, diagonals_format, "tridiagonal_solve")
    b = _convert(rhs, dtype_hint=a.dtype)
    vector = b.ndim == a.ndim - 1
    if vector:
        b = b[..., None]
    elif transpose_rhs:
        b = matrix_transpose(b)
    if conjugate_rhs and b.dtype.kind == "c":
        from .ops.tf_extra import conj   # tf_extra is loaded by then; kept out of the module's imports
        b = conj(b)
    if b.shape[-2] != a.shape[-1]:
        raise ValueError(f"tridiagonal_solve: rhs must have {a.shape[-1]} rows (the size of the "
                         f"system), got shape {tuple(b.shape)}")
    batch = _np.broadcast_shapes(tuple(a.shape[:-2]), tuple(b.shape[:-2]))
    x = solve(_broadcast(a, batch + tuple(a.shape[-2:])), _broadcast(b, batch + tuple(b.shape[-2:])))
    return x[..., 0] if vector else x


def tridiagonal_matmul(diagonals, rhs, diagonals_format="compact", name=None):
    """``A @ rhs`` for tridiagonal ``A`` given as in :func:`tridiagonal_solve` (TF's
    ``tf.linalg.tridiagonal_matmul``; ``rhs`` ``[..., M, N]``). Differentiable.

    >>> wb.linalg.tridiagonal_matmul([[1.0, 1.0, 0.0], [2.0, 2.0, 2.0], [0.0, 1.0, 1.0]],
    ...                              [[1.0], [1.0], [1.0]]).numpy()
    array([[3.],
           [4.],
           [3.]], dtype=float32)
    """
    a = _tridiagonal_dense(diagonals, diagonals_format, "tridiagonal_matmul")
    b = _convert(rhs, dtype_hint=a.dtype)
    if b.ndim < 2 or b.shape[-2] != a.shape[-1]:
        raise ValueError(f"tridiagonal_matmul: rhs must have shape [..., {a.shape[-1]}, N], got "
                         f"{tuple(b.shape)}")
    out = matmul(a, b)
    if _tracing():   # TF's static shape: the right-hand side's
        rs = b._static_shape()
        _static_result(out, None if rs.rank is None else tuple(rs.as_list()))
    return out


# ---------------------------------------------------------------------------
# matrix square root and logarithm


def _sylvester(a, b, c):
    """``Y`` with ``a @ Y + Y @ b == c`` (``[..., n, n]`` each), by one dense solve of the
    ``n^2 x n^2`` Kronecker system: written with ops, so it differentiates again (its cost,
    ``O(n^6)``, suits the gradients of small matrices)."""
    n = a.shape[-1]
    eye_n = _convert(_np.eye(n, dtype=_np.dtype(a.dtype)))
    batch = tuple(a.shape[:-2])
    # row-major vec: vec(a Y) = (a kron I) vec(Y), vec(Y b) = (I kron b^T) vec(Y)
    k = (_reshape(a, batch + (n, 1, n, 1)) * _reshape(eye_n, (1, n, 1, n))
         + _reshape(eye_n, (n, 1, n, 1)) * _reshape(matrix_transpose(b), batch + (1, n, 1, n)))
    k = _reshape(k, batch + (n * n, n * n))
    y = solve(k, _reshape(c, tuple(c.shape[:-2]) + (n * n, 1)))
    return _reshape(y, tuple(c.shape[:-2]) + (n, n))


def _sqrtm_fwd(xp, a):
    import scipy.linalg   # scipy loads on first use only
    host = a if xp is _np else a.get()
    m = host.shape[-1]
    flat = host.reshape((-1, m, m))
    out = _np.empty_like(flat)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i, mat in enumerate(flat):
            try:
                root = scipy.linalg.sqrtm(mat.astype(_np.float64) if mat.dtype.kind == "f" else mat)
            except Exception:   # noqa: BLE001  (scipy raises for some singular matrices)
                root = _np.full(mat.shape, _np.nan)
            if mat.dtype.kind == "f" and _np.iscomplexobj(root):
                # no real square root (a negative eigenvalue): TF returns NaNs
                scale = max(_np.abs(root).max(initial=0.0), 1.0)
                root = root.real if _np.abs(root.imag).max(initial=0.0) <= 1e-10 * scale \
                    else _np.full(mat.shape, _np.nan)
            out[i] = _np.asarray(root).astype(out.dtype, copy=False)
    out = out.reshape(host.shape)
    return out if xp is _np else xp.asarray(out)


def _sqrtm_vjp(g, ans, a):
    # dA = X dX + dX X, so the cotangent solves X^T G_A + G_A X^T = G
    xt = matrix_transpose(ans)
    batch = tuple(g.shape[:g.ndim - ans.ndim])
    if batch:
        xt = _broadcast(xt, batch + tuple(xt.shape))
    return (_sylvester(xt, xt, g),)


def _sqrtm_jvp(ts, ans, a):
    return None if ts[0] is None else _sylvester(ans, ans, ts[0])


_sqrtm_op = _defop("sqrtm", _sqrtm_fwd, vjp=_sqrtm_vjp, jvp=_sqrtm_jvp, dtypes="real")


def sqrtm(input, name=None):
    """The principal square root of each square matrix (TF's ``tf.linalg.sqrtm``): ``X`` with
    ``X @ X == input``; NaNs for a real matrix without a real square root, as TF.
    Differentiable (the gradient solves a Sylvester equation, densely: meant for small
    matrices).

    >>> wb.linalg.sqrtm([[4.0, 1.0], [0.0, 9.0]]).numpy()
    array([[2. , 0.2],
           [0. , 3. ]], dtype=float32)
    """
    x = _convert(input)
    if x.ndim < 2 or x.shape[-1] != x.shape[-2] or x.dtype.kind != "f":
        raise ValueError(f"sqrtm: input must be square floating matrices [..., M, M], got "
                         f"{x.dtype} of shape {x.shape}")
    return _apply(_sqrtm_op, (x,))


def logm(input, name=None):
    """The principal logarithm of each square complex matrix (TF's ``tf.linalg.logm``, which
    takes complex64/complex128 only). Not differentiable (the tapes carry real tensors).

    >>> wb.linalg.logm(wb.constant([[1.0 + 0j, 0.0], [0.0, 1.0]], wb.complex64)).numpy()
    array([[0.+0.j, 0.+0.j],
           [0.+0.j, 0.+0.j]], dtype=complex64)
    """
    import scipy.linalg   # scipy loads on first use only
    x = _convert(input)
    if x.ndim < 2 or x.shape[-1] != x.shape[-2] or x.dtype.kind != "c":
        raise TypeError(f"logm: input must be square complex matrices [..., M, M] (complex64 or "
                        f"complex128, as TF), got {x.dtype} of shape {x.shape}")
    host = _np.asarray(x.numpy())
    m = host.shape[-1]
    flat = host.reshape((-1, m, m))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = _np.stack([scipy.linalg.logm(mat) for mat in flat]) if flat.size else flat.copy()
    out = _convert(out.astype(host.dtype).reshape(host.shape))
    if _tracing():   # TF's static shape: the input's
        st = x._static_shape()
        _static_result(out, None if st.rank is None else tuple(st.as_list()))
    return out


# ---------------------------------------------------------------------------
# general eigendecomposition and the symmetric tridiagonal eigenproblem

_EIG_COMPLEX = {"float32": _np.complex64, "float64": _np.complex128, "complex64": _np.complex64,
                "complex128": _np.complex128}


from .ops.elementwise import cast as _cast  # noqa: E402
from .ops.shape import expand_dims as _expand_dims  # noqa: E402
from .ops.elementwise import zeros_like as _zeros_like  # noqa: E402
from .core import wrap_constant as _wrap_constant  # noqa: E402
from .ops.linalg import diag as _diag, diag_part as _diag_part  # noqa: E402
from .ops.tf_extra import conj as _conj, real as _real  # noqa: E402


def _square_host(tensor, opname, kinds="fc"):
    x = _convert(tensor)
    if x.dtype.kind not in kinds:
        raise TypeError(f"{opname}: tensor has dtype {x.dtype}, expected float32, float64, "
                        f"complex64 or complex128")
    if x.ndim < 2 or x.shape[-1] != x.shape[-2]:
        raise InvalidArgumentError(f"{opname}: input matrix must be square [..., N, N], got shape {x.shape}")
    return _np.asarray(x.numpy())


def _modulus_order(e):
    """The order of Eigen's ``ComplexEigenSolver`` (TF's eig of a complex matrix): by
    increasing modulus, a selection sort that swaps each smallest remaining value into place."""
    n = e.shape[-1]
    flat = _np.abs(e).reshape(-1, n)
    perm = _np.tile(_np.arange(n), (flat.shape[0], 1))
    for mods, p in zip(flat, perm):
        for i in range(n - 1):
            k = i + int(_np.argmin(mods[i:]))
            if k != i:
                mods[[i, k]] = mods[[k, i]]
                p[[i, k]] = p[[k, i]]
    return perm.reshape(e.shape)


def _eig_fwd(xp, a):
    host = a if xp is _np else a.get()
    e, v = _np.linalg.eig(host)
    out = _EIG_COMPLEX[host.dtype.name]
    if host.dtype.kind == "c":   # a real input keeps the real Schur form's order (LAPACK's, mostly TF's)
        perm = _modulus_order(e)
        e = _np.take_along_axis(e, perm, axis=-1)
        v = _np.take_along_axis(v, perm[..., None, :], axis=-1)
    e, v = e.astype(out), v.astype(out)
    return (e, v) if xp is _np else (xp.asarray(e), xp.asarray(v))


def _gap_reciprocals(e):
    """TF's ``_SafeReciprocal(e_j - e_i)`` at ``[..., i, j]``, ``d / (d * d + 1e-20)``, its
    diagonal set to 0 (nothing differentiates through it)."""
    d = _expand_dims(e, -2) - _expand_dims(e, -1)
    off = _wrap_constant(1 - e.xp.eye(e.shape[-1], dtype=e.dtype))
    return d / (d * d + 1e-20) * off


def _eig_vjp(gs, ans, a):
    # TF's Eig gradient (Boeddeker et al. 2017, eq. 4.77), in TF's complex convention; for a
    # real input its real part
    ge, gv = gs
    e, v = ans
    vt = adjoint(v)
    mid = _diag(ge) if ge is not None else _zeros_like(vt)
    if gv is not None:
        vgv = matmul(vt, gv)
        real_diag = _diag(_diag_part(_cast(_real(vgv), vgv.dtype)))
        mid = mid + _conj(_gap_reciprocals(e)) * (vgv - matmul(matmul(vt, v), real_diag))
    return (_cast(solve(vt, matmul(mid, vt)), a.dtype),)


def _eig_jvp(ts, ans, a):
    e, v = ans
    p = solve(v, matmul(_cast(ts[0], v.dtype), v))   # v^-1 da v
    dv = matmul(v, _gap_reciprocals(e) * p)
    # the columns keep unit length: take away each one's real part along itself
    along = _real(_reduce_sum(_conj(v) * dv, axis=-2, keepdims=True))
    return _diag_part(p), dv - v * _cast(along, v.dtype)


_eig_op = _defop("eig", _eig_fwd, vjp=_eig_vjp, jvp=_eig_jvp, nout=2, dtypes="float")


def eig(tensor, name=None):
    """``(e, v)``: the eigenvalues ``[..., N]`` and eigenvectors (columns, unit 2-norm,
    ``[..., N, N]``) of general square ``tensor`` ``[..., N, N]``, both complex (complex64 for
    float32 and complex64 input, complex128 otherwise), so ``tensor @ v == v * e[..., None, :]``.
    The eigenvalues of a complex matrix come in TF's order (increasing modulus), a real one's in
    its real Schur form's (LAPACK's, which may differ from TF's); an eigenvector's phase is not
    unique and may differ from TF's. Differentiable with TF's rule (distinct eigenvalues; a
    real input's gradient is the real part).

    >>> wb.linalg.eig([[2.0, 0.0], [0.0, 3.0]])[0].numpy()
    array([2.+0.j, 3.+0.j], dtype=complex64)
    """
    x = _convert(tensor)
    _square_host(x, "eig")
    return _apply(_eig_op, (x,))


def eigvals(tensor, name=None):
    """The eigenvalues ``[..., N]`` (complex, as :func:`eig`) of general square ``tensor``."""
    x = _convert(tensor)
    _square_host(x, "eigvals")
    return _apply(_eig_op, (x,))[0]


def eigh_tridiagonal(alpha, beta, eigvals_only=True, select="a", select_range=None, tol=None,
                     name=None):
    """Eigenvalues (ascending) and, with ``eigvals_only=False``, eigenvectors (columns) of the
    Hermitian tridiagonal matrix with diagonal ``alpha`` ``[n]`` and superdiagonal ``beta``
    ``[n - 1]`` (SciPy's LAPACK ``stebz``/``stemr``). ``select``: ``'a'`` all, ``'i'`` the
    eigenvalues with indices ``select_range[0]..select_range[1]`` (inclusive), ``'v'`` those in
    ``(select_range[0], select_range[1]]``. Eigenvalues are real (float64 for complex128).
    Not differentiable.

    >>> wb.linalg.eigh_tridiagonal([1.0, 1.0], [1.0]).numpy()
    array([0., 2.], dtype=float32)
    """
    import scipy.linalg   # scipy loads on first use only
    a, b = _convert(alpha), _convert(beta)
    if a.dtype.kind not in "fc" or b.dtype != a.dtype:
        raise TypeError(f"eigh_tridiagonal: alpha and beta must share a floating or complex "
                        f"dtype, got {a.dtype} and {b.dtype}")
    if a.ndim != 1 or b.ndim != 1 or b.shape[0] != max(a.shape[0] - 1, 0):
        raise ValueError(f"eigh_tridiagonal: alpha must be [n] and beta [n - 1], got shapes "
                         f"{a.shape} and {b.shape}")
    if select not in ("a", "i", "v"):
        raise ValueError(f"eigh_tridiagonal: select must be one of 'a', 'i', 'v', got {select!r}")
    if select != "a":
        if select_range is None or len(select_range) != 2:
            raise ValueError(f"eigh_tridiagonal: select={select!r} needs select_range [lo, hi], "
                             f"got {select_range!r}")
        select_range = tuple(int(v) for v in select_range) if select == "i" else \
            tuple(float(v) for v in select_range)
    ah, bh = _np.asarray(a.numpy()), _np.asarray(b.numpy())
    real = _np.dtype(ah.dtype.char.lower()) if ah.dtype.kind == "c" else ah.dtype
    d = ah.real.astype(_np.float64)
    mag = _np.abs(bh).astype(_np.float64)
    kw = dict(select=select, select_range=select_range)
    if tol is not None:
        kw.update(tol=float(tol), lapack_driver="stebz")
    if d.shape[0] == 0:
        w, v = _np.zeros(0), _np.zeros((0, 0))
    elif eigvals_only:
        w = scipy.linalg.eigh_tridiagonal(d, mag, eigvals_only=True, **kw)
    else:
        w, v = scipy.linalg.eigh_tridiagonal(d, mag, eigvals_only=False, **kw)
    w = _convert(w.astype(real))
    if eigvals_only:
        return w
    # T = D R D^H with R's off-diagonals |beta| and d[k + 1] = d[k] conj(beta[k]) / |beta[k]|
    # (signs for a real T, phases for a complex one)
    unit = _np.where(mag > 0, _np.conj(bh) / _np.where(mag > 0, mag, 1.0), 1.0)
    phases = _np.concatenate([_np.ones(1, unit.dtype), _np.cumprod(unit)])
    v = phases[:, None] * v
    return w, _convert(v.astype(ah.dtype))
