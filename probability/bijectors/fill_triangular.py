"""FillTriangular: a vector of ``n(n+1)/2`` numbers to an ``n x n`` triangular matrix."""

import math

import workbench as wb

from .bijector import Bijector

__all__ = ["FillTriangular", "fill_triangular", "fill_triangular_inverse"]


def _side(m, what="the last dimension"):
    n = int((math.sqrt(8 * m + 1) - 1) / 2)
    if n * (n + 1) // 2 != m:
        raise ValueError(f"FillTriangular: {what} has size {m}, which is not a triangular number n(n+1)/2")
    return n


def fill_triangular(x, upper=False):
    """``[..., n(n+1)/2] -> [..., n, n]`` lower (or upper) triangular, in TFP's packing order.

    The packing is TFP's (so packed parameters carry over): for ``[1, 2, 3, 4, 5, 6]``
    the lower matrix is ``[[4, 0, 0], [6, 5, 0], [3, 2, 1]]``. It writes the vector and its
    reverse into a square and masks a triangle, with no gather.
    """
    m = x.shape[-1]
    n = _side(m)
    tail = x[..., n:]
    parts = [x, wb.reverse(tail, [-1])] if upper else [tail, wb.reverse(x, [-1])]
    square = wb.reshape(wb.concat(parts, axis=-1), x.shape[:-1] + (n, n))
    return wb.linalg.band_part(square, 0, -1) if upper else wb.linalg.band_part(square, -1, 0)


def fill_triangular_inverse(x, upper=False):
    """The inverse of :func:`fill_triangular`: ``[..., n, n] -> [..., n(n+1)/2]``."""
    n = x.shape[-1]
    m = n * (n + 1) // 2
    if upper:
        first, rest = x[..., 0, :], x[..., 1:, :]
    else:
        first, rest = wb.reverse(x[..., -1, :], [-1]), x[..., :-1, :]
    # the two triangles of ``rest`` and of its 180-degree rotation tile a full rectangle
    folded = rest + wb.reverse(rest, [-2, -1])
    flat = wb.reshape(folded, x.shape[:-2] + (n * (n - 1),))
    return wb.concat([first, flat[..., :m - n]], axis=-1)


class FillTriangular(Bijector):
    """Packs ``[..., n(n+1)/2]`` vectors into ``[..., n, n]`` lower (``upper=True``: upper) triangular
    matrices; volume-preserving (log-det 0).

    >>> FillTriangular().forward(wb.constant([1.0, 2.0, 3.0])).numpy()
    array([[3., 0.],
           [2., 1.]], dtype=float32)
    """

    def __init__(self, upper=False, validate_args=False, name="fill_triangular"):
        parameters = dict(locals())
        self._upper = bool(upper)
        super().__init__(forward_min_event_ndims=1, inverse_min_event_ndims=2, is_constant_jacobian=True,
                         validate_args=validate_args, parameters=parameters, name=name)

    @property
    def upper(self):
        return self._upper

    def _forward(self, x):
        return fill_triangular(x, upper=self._upper)

    def _inverse(self, y):
        if y.shape[-1] != y.shape[-2]:
            raise ValueError(f"FillTriangular.inverse: `y` must be square in its last two dims, got shape {y.shape}")
        return fill_triangular_inverse(y, upper=self._upper)

    def _forward_log_det_jacobian(self, x):
        return wb.zeros((), dtype=x.dtype)

    def _inverse_log_det_jacobian(self, y):
        return wb.zeros((), dtype=y.dtype)

    def _forward_event_shape(self, shape):
        if not shape:
            raise ValueError("FillTriangular: the input event must be a vector")
        n = _side(shape[-1], "the input event")
        return shape[:-1] + (n, n)

    def _inverse_event_shape(self, shape):
        if len(shape) < 2 or shape[-1] != shape[-2]:
            raise ValueError(f"FillTriangular: the output event must be a square matrix, got shape {shape}")
        n = shape[-1]
        return shape[:-2] + (n * (n + 1) // 2,)
