"""Pad: appends constant entries to the event (its inverse drops them)."""

import numpy as np

import workbench as wb

from .bijector import Bijector

__all__ = ["Pad"]


class Pad(Bijector):
    """``y = pad(x, paddings, constant_values)`` along ``axis`` (default: the last ``len(paddings)``
    dims); ``x`` is ``y`` with the padding sliced off. The map embeds ``x`` isometrically,
    so ``log|det J| = 0`` (TFP's convention).

    >>> Pad(paddings=[[0, 1]]).forward(wb.constant([1.0, 2.0])).numpy()
    array([1., 2., 0.], dtype=float32)
    """

    def __init__(self, paddings=((0, 1),), mode="CONSTANT", constant_values=0, axis=None, validate_args=False,
                 name="pad"):
        parameters = dict(locals())
        pads = np.asarray(paddings)
        if pads.ndim != 2 or pads.shape[1] != 2 or pads.dtype.kind not in "iu" or np.any(pads < 0):
            raise ValueError(f"Pad: argument `paddings` must be pairs of non-negative ints [[before, after], ...], "
                             f"got {paddings!r}")
        if mode != "CONSTANT":
            raise ValueError(f"Pad: argument `mode` must be 'CONSTANT' (the only invertible mode), got {mode!r}")
        axes = list(range(-len(pads), 0)) if axis is None else list(np.atleast_1d(axis))
        if len(axes) != len(pads) or any(int(a) >= 0 for a in axes):
            raise ValueError(f"Pad: argument `axis` must be {len(pads)} negative ints (one per padding), got {axis!r}")
        self._paddings = [tuple(int(v) for v in p) for p in pads]
        self._axis = [int(a) for a in axes]
        self._constant_values = constant_values
        super().__init__(forward_min_event_ndims=-min(self._axis), is_constant_jacobian=True,
                         validate_args=validate_args, parameters=parameters, name=name)

    @property
    def paddings(self):
        return self._paddings

    @property
    def axis(self):
        return self._axis

    def _full_paddings(self, ndim):
        full = [[0, 0] for _ in range(ndim)]
        for (before, after), a in zip(self._paddings, self._axis):
            full[ndim + a] = [before, after]
        return full

    def _forward(self, x):
        return wb.pad(x, self._full_paddings(x.ndim), constant_values=self._constant_values)

    def _inverse(self, y):
        index = [slice(None)] * y.ndim
        for (before, after), a in zip(self._paddings, self._axis):
            index[y.ndim + a] = slice(before, y.shape[a] - after)
        return y[tuple(index)]

    def _forward_event_shape(self, shape):
        shape = list(shape)
        for (before, after), a in zip(self._paddings, self._axis):
            shape[len(shape) + a] += before + after
        return tuple(shape)

    def _inverse_event_shape(self, shape):
        shape = list(shape)
        for (before, after), a in zip(self._paddings, self._axis):
            shape[len(shape) + a] -= before + after
        return tuple(shape)

    def _forward_log_det_jacobian(self, x):
        return wb.zeros((), dtype=x.dtype)

    def _inverse_log_det_jacobian(self, y):
        return wb.zeros((), dtype=y.dtype)
