"""SoftmaxCentered: ``R^n`` to the interior of the ``n``-simplex in ``R^{n+1}``."""

import math

import workbench as wb

from .bijector import Bijector

__all__ = ["SoftmaxCentered"]


class SoftmaxCentered(Bijector):
    """``y = softmax([x, 0])``: ``[..., n] -> [..., n+1]`` probability vectors.

    The log-det is that of the map onto the simplex as an ``n``-dimensional surface in
    ``R^{n+1}`` (TFP's convention): ``0.5 log(n+1) + sum(log y)``. Densities of transformed
    distributions are therefore with respect to the simplex's surface measure.

    >>> SoftmaxCentered().forward(wb.constant([0.0])).numpy()
    array([0.5, 0.5], dtype=float32)
    """

    def __init__(self, validate_args=False, name="softmax_centered"):
        super().__init__(forward_min_event_ndims=1, validate_args=validate_args,
                         parameters=dict(locals()), name=name)

    def _forward(self, x):
        padded = wb.concat([x, wb.zeros(x.shape[:-1] + (1,), dtype=x.dtype)], axis=-1)
        return wb.nn.softmax(padded, axis=-1)

    def _inverse(self, y):
        log_y = wb.log(y)
        return log_y[..., :-1] - log_y[..., -1:]

    def _forward_log_det_jacobian(self, x):
        # sum(log y) with log y_i = x_i - softplus(logsumexp(x)) (and x_{n+1} = 0)
        np1 = x.shape[-1] + 1
        return 0.5 * math.log(np1) + wb.reduce_sum(x, axis=-1) \
            - np1 * wb.softplus(wb.reduce_logsumexp(x, axis=-1))

    def _inverse_log_det_jacobian(self, y):
        return -(0.5 * math.log(y.shape[-1]) + wb.reduce_sum(wb.log(y), axis=-1))

    def _forward_event_shape(self, shape):
        if not shape:
            raise ValueError("SoftmaxCentered: the input event must be a vector")
        return shape[:-1] + (shape[-1] + 1,)

    def _inverse_event_shape(self, shape):
        if not shape or shape[-1] < 2:
            raise ValueError(f"SoftmaxCentered: the output event must be a vector of size >= 2, got {shape}")
        return shape[:-1] + (shape[-1] - 1,)
