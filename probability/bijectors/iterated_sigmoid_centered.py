"""IteratedSigmoidCentered: ``R^{K-1}`` to the ``K``-simplex by stick breaking."""

import numpy as np

import workbench as wb

from .bijector import Bijector

__all__ = ["IteratedSigmoidCentered"]


class IteratedSigmoidCentered(Bijector):
    """Stick breaking: ``z_k = sigmoid(x_k - log(K - 1 - k))``, ``y_k = z_k prod_{j<k}(1 - z_j)`` and
    ``y_{K-1} = prod_j (1 - z_j)``; ``x = 0`` maps to the uniform vector ``1/K``.

    ``log|det J| = sum_k [log z_k + log(1 - z_k) + log prod_{j<k}(1 - z_j)]``, with respect to the
    first ``K - 1`` coordinates of ``y``. Event shapes ``[K-1] -> [K]``.

    >>> IteratedSigmoidCentered().forward(wb.constant([0.0, 0.0])).numpy()
    array([0.33333334, 0.33333334, 0.33333334], dtype=float32)
    """

    def __init__(self, validate_args=False, name="iterated_sigmoid"):
        super().__init__(forward_min_event_ndims=1, validate_args=validate_args, parameters=dict(locals()),
                         name=name)

    def _forward_event_shape(self, shape):
        return tuple(shape[:-1]) + (shape[-1] + 1,)

    def _inverse_event_shape(self, shape):
        return tuple(shape[:-1]) + (shape[-1] - 1,)

    @staticmethod
    def _offset(k, dtype):
        return wb.constant(-np.log(np.arange(k, 0, -1, dtype=np.float64)), dtype=dtype)

    def _log_z(self, x):
        shifted = x + self._offset(x.shape[-1], x.dtype)
        return wb.math.log_sigmoid(shifted), wb.math.log_sigmoid(-shifted)

    def _forward(self, x):
        log_z, log_1mz = self._log_z(x)
        # log of what is left before each break: exclusive cumulative sums of log(1 - z)
        left = wb.cumsum(log_1mz, axis=-1, exclusive=True)
        last = wb.reduce_sum(log_1mz, axis=-1, keepdims=True)
        return wb.exp(wb.concat([log_z + left, last], axis=-1))

    def _inverse(self, y):
        k = y.shape[-1] - 1
        head = y[..., :k]
        # what is left before break k: 1 - sum_{j<k} y_j, computed as the reverse cumulative sum
        left = wb.cumsum(y, axis=-1, reverse=True)[..., :k]
        z_logit = wb.log(head) - wb.log(left - head)
        return z_logit - self._offset(k, y.dtype)

    def _forward_log_det_jacobian(self, x):
        log_z, log_1mz = self._log_z(x)
        left = wb.cumsum(log_1mz, axis=-1, exclusive=True)
        return wb.reduce_sum(log_z + log_1mz + left, axis=-1)
