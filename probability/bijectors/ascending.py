"""Ascending: unconstrained vectors to strictly increasing ones."""

import workbench as wb

from .bijector import Bijector

__all__ = ["Ascending"]


def to_ascending(x):
    """``y[0] = x[0]``, ``y[i] = y[i-1] + exp(x[i])`` along the last axis."""
    n = x.shape[-1]
    first = x[..., :1]
    if n == 1:
        return first
    return wb.concat([first, first + wb.cumsum(wb.exp(x[..., 1:]), axis=-1)], axis=-1)


def from_ascending(y):
    """The inverse of :func:`to_ascending`: ``x[0] = y[0]``, ``x[i] = log(y[i] - y[i-1])``."""
    if y.shape[-1] == 1:
        return y
    return wb.concat([y[..., :1], wb.log(y[..., 1:] - y[..., :-1])], axis=-1)


class Ascending(Bijector):
    """``y[0] = x[0]``, ``y[i] = y[i-1] + exp(x[i])``: maps R^n onto increasing vectors.
    ``log|det J| = sum(x[1:])``.

    >>> Ascending().forward(wb.constant([0.0, 0.0, 0.0])).numpy()
    array([0., 1., 2.], dtype=float32)
    """

    def __init__(self, validate_args=False, name="ascending"):
        super().__init__(forward_min_event_ndims=1, validate_args=validate_args, parameters=dict(locals()),
                         name=name)

    def _forward(self, x):
        return to_ascending(x)

    def _inverse(self, y):
        return from_ascending(y)

    def _forward_log_det_jacobian(self, x):
        return wb.reduce_sum(x[..., 1:], axis=-1)

    def _inverse_log_det_jacobian(self, y):
        return -wb.reduce_sum(wb.log(y[..., 1:] - y[..., :-1]), axis=-1)
