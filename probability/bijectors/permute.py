"""Permute: reorders the entries along an axis."""

import numpy as np

import workbench as wb

from .bijector import Bijector

__all__ = ["Permute"]


class Permute(Bijector):
    """``y = gather(x, permutation, axis)``; volume preserving (``log|det J| = 0``).
    ``axis`` must be negative (it counts event dims).

    >>> Permute(permutation=[2, 0, 1]).forward(wb.constant([10.0, 20.0, 30.0])).numpy()
    array([30., 10., 20.], dtype=float32)
    """

    def __init__(self, permutation, axis=-1, validate_args=False, name="permute"):
        parameters = dict(locals())
        perm = np.asarray(permutation.numpy() if isinstance(permutation, wb.Tensor) else permutation)
        if perm.ndim != 1 or perm.dtype.kind not in "iu" or sorted(perm.tolist()) != list(range(perm.size)):
            raise ValueError(f"Permute: argument `permutation` must be a permutation of 0..n-1 (a 1-D int "
                             f"vector), got {permutation!r}")
        if not isinstance(axis, int) or axis >= 0:
            raise ValueError(f"Permute: argument `axis` must be a negative int, got {axis!r}")
        self._permutation = perm.astype(np.int64)
        self._inverse_permutation = np.argsort(self._permutation)
        self._axis = axis
        super().__init__(forward_min_event_ndims=-axis, is_constant_jacobian=True, validate_args=validate_args,
                         parameters=parameters, name=name)

    @property
    def permutation(self):
        return wb.constant(self._permutation)

    @property
    def axis(self):
        return self._axis

    def _check(self, t, what):
        if t.shape[self._axis] != self._permutation.size:
            raise ValueError(f"Permute: `{what}` has {t.shape[self._axis]} entries along axis {self._axis}, "
                             f"the permutation has {self._permutation.size}")

    def _forward(self, x):
        self._check(x, "x")
        return wb.gather(x, self._permutation.tolist(), axis=self._axis)

    def _inverse(self, y):
        self._check(y, "y")
        return wb.gather(y, self._inverse_permutation.tolist(), axis=self._axis)

    def _forward_log_det_jacobian(self, x):
        return wb.zeros((), dtype=x.dtype)
