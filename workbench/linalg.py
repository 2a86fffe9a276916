"""``wb.linalg``: TF's ``tf.linalg`` names."""

from .ops.create import eye  # noqa: F401
from .ops.linalg import *  # noqa: F401,F403
from .ops.linalg import matmul, matrix_transpose, matvec  # noqa: F401
from .ops.reduce import norm  # noqa: F401
from .ops.clip import global_norm  # noqa: F401
from .ops.linear_operator import *  # noqa: F401,F403  (tf.linalg.LinearOperator*)

import numpy as _np  # noqa: E402

from .core import convert_to_tensor as _convert  # noqa: E402
from .ops.elementwise import where as _where  # noqa: E402
from .ops.indexing import gather as _gather  # noqa: E402
from .ops.shape import reshape as _reshape  # noqa: E402


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
