"""Reshape: changes the event shape, keeping the batch dims."""

import numpy as np

import workbench as wb

from .bijector import Bijector

__all__ = ["Reshape"]


def _spec(shape, what):
    shape = tuple(int(s) for s in (shape.numpy().tolist() if isinstance(shape, wb.Tensor) else shape))
    if sum(s == -1 for s in shape) > 1 or any(s < -1 for s in shape):
        raise ValueError(f"Reshape: `{what}` may hold one -1 and otherwise non-negative sizes, got {shape}")
    return shape


def _resolve(spec, size, what):
    known = int(np.prod([s for s in spec if s != -1])) if spec else 1
    if -1 in spec:
        if known == 0 or size % known:
            raise ValueError(f"Reshape: an event of {size} elements does not fit `{what}`={spec}")
        return tuple(size // known if s == -1 else s for s in spec)
    if known != size:
        raise ValueError(f"Reshape: an event of {size} elements does not fit `{what}`={spec}")
    return spec


def _matches(spec, shape):
    return len(spec) == len(shape) and all(s in (-1, d) for s, d in zip(spec, shape))


class Reshape(Bijector):
    """Reshapes the rightmost ``len(event_shape_in)`` dims to ``event_shape_out`` (one ``-1`` allowed
    in each); volume-preserving.

    >>> Reshape(event_shape_out=[2, 3]).forward(wb.zeros([4, 6])).shape
    (4, 2, 3)
    """

    def __init__(self, event_shape_out, event_shape_in=(-1,), validate_args=False, name="reshape"):
        parameters = dict(locals())
        self._event_shape_out = _spec(event_shape_out, "event_shape_out")
        self._event_shape_in = _spec(event_shape_in, "event_shape_in")
        super().__init__(forward_min_event_ndims=len(self._event_shape_in),
                         inverse_min_event_ndims=len(self._event_shape_out), is_constant_jacobian=True,
                         validate_args=validate_args, parameters=parameters, name=name)

    @property
    def event_shape_out(self):
        return self._event_shape_out

    @property
    def event_shape_in(self):
        return self._event_shape_in

    def _map(self, t, spec_from, spec_to, what_from, what_to):
        k = len(spec_from)
        event = t.shape[t.ndim - k:]
        if not _matches(spec_from, event):
            raise ValueError(f"Reshape: the input's event shape {event} does not match `{what_from}`={spec_from}")
        out = _resolve(spec_to, int(np.prod(event)), what_to)
        return wb.reshape(t, t.shape[:t.ndim - k] + out)

    def _forward(self, x):
        return self._map(x, self._event_shape_in, self._event_shape_out, "event_shape_in", "event_shape_out")

    def _inverse(self, y):
        return self._map(y, self._event_shape_out, self._event_shape_in, "event_shape_out", "event_shape_in")

    def _forward_log_det_jacobian(self, x):
        return wb.zeros((), dtype=x.dtype)

    def _inverse_log_det_jacobian(self, y):
        return wb.zeros((), dtype=y.dtype)

    def _forward_event_shape(self, shape):
        k = len(self._event_shape_in)
        event = shape[len(shape) - k:]
        if len(shape) < k or not _matches(self._event_shape_in, event):
            raise ValueError(f"Reshape: event shape {shape} does not match `event_shape_in`={self._event_shape_in}")
        return shape[:len(shape) - k] + _resolve(self._event_shape_out, int(np.prod(event)), "event_shape_out")

    def _inverse_event_shape(self, shape):
        k = len(self._event_shape_out)
        event = shape[len(shape) - k:]
        if len(shape) < k or not _matches(self._event_shape_out, event):
            raise ValueError(f"Reshape: event shape {shape} does not match `event_shape_out`={self._event_shape_out}")
        return shape[:len(shape) - k] + _resolve(self._event_shape_in, int(np.prod(event)), "event_shape_in")
