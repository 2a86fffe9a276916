"""UnitVector: the inverse stereographic projection of ``R^n`` onto the unit sphere in ``R^(n+1)``."""

import numpy as np

import workbench as wb

from .bijector import Bijector

__all__ = ["UnitVector"]

_LOG2 = 0.6931471805599453


class UnitVector(Bijector):
    """``y = (2 x, |x|**2 - 1) / (|x|**2 + 1)`` maps ``x`` of shape ``[..., n]`` to the unit sphere in
    ``R^(n+1)`` (every point but the north pole ``(0, ..., 0, 1)``); ``x = y[:-1] / (1 - y[-1])``.
    The map is conformal with factor ``2 / (1 + |x|**2)``, so the log-volume change is
    ``n log(2 / (1 + |x|**2)) = n log(1 - y[-1])``.

    >>> UnitVector().inverse(wb.constant([0.6, 0.0, 0.8])).numpy()
    array([3.0000002, 0.       ], dtype=float32)
    """

    def __init__(self, validate_args=False, name="unit_vector"):
        parameters = dict(locals())
        super().__init__(forward_min_event_ndims=1, validate_args=validate_args, parameters=parameters, name=name)

    def _forward(self, x):
        sq = wb.reduce_sum(wb.square(x), axis=-1, keepdims=True)
        return wb.concat([2.0 * x, sq - 1.0], axis=-1) / (sq + 1.0)

    def _inverse(self, y):
        if self._validate_args:
            norm = np.linalg.norm(y.numpy(), axis=-1)
            if not np.allclose(norm, 1.0, rtol=1e-5 if y.dtype == np.float32 else 1e-10):
                raise ValueError(f"UnitVector.inverse: `y` must have unit norm along its last dim, got norms {norm!r}")
        return y[..., :-1] / (1.0 - y[..., -1:])

    def _forward_log_det_jacobian(self, x):
        n = x.shape[-1]
        return n * (_LOG2 - wb.log1p(wb.reduce_sum(wb.square(x), axis=-1)))

    def _inverse_log_det_jacobian(self, y):
        n = y.shape[-1] - 1
        return -n * wb.log1p(-y[..., -1])

    def _forward_event_shape(self, shape):
        return shape[:-1] + (None if shape[-1] is None else shape[-1] + 1,)

    def _inverse_event_shape(self, shape):
        if shape[-1] is not None and shape[-1] < 1:
            raise ValueError(f"UnitVector: the event shape {shape} has no room for a point on a sphere")
        return shape[:-1] + (None if shape[-1] is None else shape[-1] - 1,)
