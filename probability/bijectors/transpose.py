"""Transpose: permutes the rightmost dimensions of each event."""

import numpy as np

import workbench as wb

from .bijector import Bijector

__all__ = ["Transpose"]


class Transpose(Bijector):
    """``y = transpose(x)`` over the rightmost ``len(perm)`` dims: ``y[..., perm-ordered dims]``.
    Volume preserving (``log|det J| = 0``). Give ``perm`` (a permutation of ``0..n-1`` naming
    the rightmost ``n`` dims) or ``rightmost_transposed_ndims`` (``n``: those dims reversed).

    >>> Transpose(perm=[1, 0]).forward(wb.constant([[1, 2], [3, 4], [5, 6]])).numpy()
    array([[1, 3, 5],
           [2, 4, 6]], dtype=int32)
    """

    def __init__(self, perm=None, rightmost_transposed_ndims=None, validate_args=False, name="transpose"):
        parameters = dict(locals())
        if (perm is None) == (rightmost_transposed_ndims is None):
            raise ValueError("Transpose: give exactly one of `perm` and `rightmost_transposed_ndims`")
        if perm is None:
            n = rightmost_transposed_ndims.numpy() if isinstance(rightmost_transposed_ndims, wb.Tensor) \
                else rightmost_transposed_ndims
            if not isinstance(n, (int, np.integer)) and not (isinstance(n, np.ndarray) and n.ndim == 0
                                                              and n.dtype.kind in "iu"):
                raise TypeError(f"Transpose: argument `rightmost_transposed_ndims` must be an int, got {n!r}")
            if int(n) < 0:
                raise ValueError(f"Transpose: argument `rightmost_transposed_ndims` must be >= 0, got {int(n)}")
            p = np.arange(int(n))[::-1]
        else:
            p = np.asarray(perm.numpy() if isinstance(perm, wb.Tensor) else perm)
            if p.ndim != 1 or (p.size and p.dtype.kind not in "iu") or sorted(p.tolist()) != list(range(p.size)):
                raise ValueError(f"Transpose: argument `perm` must be a permutation of 0..n-1 (a 1-D int vector), "
                                 f"got {perm!r}")
        self._perm = p.astype(np.int32)
        self._inverse_perm = np.argsort(self._perm).astype(np.int32)
        n = int(self._perm.size)
        super().__init__(forward_min_event_ndims=n, is_constant_jacobian=True, validate_args=validate_args,
                         parameters=parameters, name=name)

    @property
    def perm(self):
        return wb.constant(self._perm)

    @property
    def rightmost_transposed_ndims(self):
        return int(self._perm.size)

    def _apply(self, t, perm):
        lead = t.ndim - perm.size
        return wb.transpose(t, list(range(lead)) + [lead + int(i) for i in perm])

    def _forward(self, x):
        return self._apply(x, self._perm)

    def _inverse(self, y):
        return self._apply(y, self._inverse_perm)

    def _forward_log_det_jacobian(self, x):
        return wb.zeros((), dtype=x.dtype)

    def _inverse_log_det_jacobian(self, y):
        return wb.zeros((), dtype=y.dtype)

    def _forward_event_shape(self, shape):
        return self._permute_shape(shape, self._perm, "input_shape")

    def _inverse_event_shape(self, shape):
        return self._permute_shape(shape, self._inverse_perm, "output_shape")

    def _permute_shape(self, shape, perm, what):
        shape = tuple(shape)
        if len(shape) < perm.size:
            raise ValueError(f"Transpose: `{what}` {list(shape)} has fewer than the {perm.size} dims it transposes")
        lead = len(shape) - perm.size
        return shape[:lead] + tuple(shape[lead + int(i)] for i in perm)
