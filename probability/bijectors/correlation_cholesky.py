"""CorrelationCholesky: unconstrained vectors to Cholesky factors of correlation matrices."""

import workbench as wb

from .bijector import Bijector
from .fill_triangular import fill_triangular, fill_triangular_inverse

__all__ = ["CorrelationCholesky"]


def _side_from_size(m, owner):
    n = int(round((1 + (1 + 8 * m) ** 0.5) / 2))
    if n * (n - 1) // 2 != m:
        raise ValueError(f"{owner}: the last dimension ({m}) must be n(n-1)/2 for some n")
    return n


class CorrelationCholesky(Bijector):
    """``[..., n(n-1)/2] -> [..., n, n]``: the lower-triangular ``L`` with unit-norm rows and a
    positive diagonal, so ``L L^T`` is a correlation matrix.

    ``x`` fills the strictly lower triangle (TFP's packing of an ``n-1`` triangle), the diagonal is
    set to 1 and each row is divided by its norm. Row ``i`` maps ``R^i`` onto the unit ball with
    ``log|det| = -(i + 2)/2 log(1 + |x_i|**2)``; the log-det is their sum, with respect to the
    strictly lower entries of ``L``.

    >>> CorrelationCholesky().forward(wb.constant([0.0])).numpy().tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """

    def __init__(self, validate_args=False, name="correlation_cholesky"):
        super().__init__(forward_min_event_ndims=1, inverse_min_event_ndims=2, validate_args=validate_args,
                         parameters=dict(locals()), name=name)

    def _forward_event_shape(self, shape):
        n = _side_from_size(shape[-1], "CorrelationCholesky")
        return tuple(shape[:-1]) + (n, n)

    def _inverse_event_shape(self, shape):
        n = shape[-1]
        return tuple(shape[:-2]) + (n * (n - 1) // 2,)

    def _unnormalized(self, x):
        n = _side_from_size(x.shape[-1], "CorrelationCholesky")
        if n == 1:
            return wb.ones(x.shape[:-1] + (1, 1), dtype=x.dtype)
        tri = fill_triangular(x)                                   # [..., n-1, n-1]
        lead = [[0, 0]] * (tri.ndim - 2)
        strict = wb.pad(tri, lead + [[1, 0], [0, 1]])               # strictly lower [..., n, n]
        return strict + wb.eye(n, dtype=x.dtype)

    def _forward(self, x):
        m = self._unnormalized(x)
        return m / wb.sqrt(wb.reduce_sum(wb.square(m), axis=-1, keepdims=True))

    def _inverse(self, y):
        n = y.shape[-1]
        m = y / wb.expand_dims(wb.linalg.diag_part(y), -1)
        if n == 1:
            return wb.zeros(y.shape[:-2] + (0,), dtype=y.dtype)
        return fill_triangular_inverse(wb.linalg.band_part(m[..., 1:, :-1], -1, 0))

    def _forward_log_det_jacobian(self, x):
        m = self._unnormalized(x)
        n = m.shape[-1]
        sq = wb.reduce_sum(wb.square(m), axis=-1)                  # 1 + |x_i|^2 per row
        weights = wb.constant([-(i + 2) / 2.0 for i in range(n)], dtype=x.dtype)
        return wb.reduce_sum(weights * wb.log(sq), axis=-1)
