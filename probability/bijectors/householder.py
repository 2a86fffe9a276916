"""Householder: the reflection about the hyperplane orthogonal to ``reflection_axis``."""

import numpy as np

import workbench as wb

from .. import internal
from .bijector import Bijector

__all__ = ["Householder"]


class Householder(Bijector):
    """``y = x - 2 v (v . x) / (v . v)`` for ``v = reflection_axis`` (shape ``batch + [n]``): its own
    inverse, orthogonal, so ``log|det J| = 0``.

    >>> Householder([0.0, 1.0]).forward(wb.constant([3.0, 4.0])).numpy()
    array([ 3., -4.], dtype=float32)
    """

    _param_event_ndims = {"reflection_axis": 1}

    def __init__(self, reflection_axis, validate_args=False, name="householder"):
        parameters = dict(locals())
        dtype = internal.common_dtype([reflection_axis], np.float32)
        self._reflection_axis = internal.as_param(reflection_axis, "reflection_axis", dtype, "Householder")
        if self._reflection_axis.ndim < 1:
            raise ValueError(f"Householder: argument `reflection_axis` must be a vector (rank >= 1), got shape "
                             f"{tuple(self._reflection_axis.shape)}")
        super().__init__(forward_min_event_ndims=1, is_constant_jacobian=True, validate_args=validate_args,
                         dtype=self._reflection_axis.dtype, parameters=parameters, name=name)
        if validate_args and not np.all(np.any(wb.convert_to_tensor(self._reflection_axis).numpy() != 0, axis=-1)):
            raise ValueError("Householder: argument `reflection_axis` must be nonzero")

    @property
    def reflection_axis(self):
        return self._reflection_axis

    def _reflect(self, x):
        v = wb.convert_to_tensor(self._reflection_axis)
        if x.shape[-1] != v.shape[-1]:
            raise ValueError(f"Householder: the input's last dimension is {x.shape[-1]}, `reflection_axis` has "
                             f"{v.shape[-1]} entries")
        coef = 2.0 * wb.reduce_sum(v * x, axis=-1, keepdims=True) / wb.reduce_sum(v * v, axis=-1, keepdims=True)
        return x - coef * v

    def _forward(self, x):
        return self._reflect(x)

    def _inverse(self, y):
        return self._reflect(y)

    def _forward_log_det_jacobian(self, x):
        return wb.zeros((), dtype=x.dtype)

    def _inverse_log_det_jacobian(self, y):
        return wb.zeros((), dtype=y.dtype)
