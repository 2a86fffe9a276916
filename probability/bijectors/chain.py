"""Chain: the composition of bijectors, applied right to left."""

import workbench as wb

from .. import internal
from .bijector import Bijector
from .composition import Composition, min_event_ndims

__all__ = ["Chain"]


class Chain(Composition):
    """``Chain([f, g]).forward(x) == f.forward(g.forward(x))`` (the last bijector acts first).

    Log-determinants add up; each part sees the number of event dims its input has
    at that point (rank-changing parts such as FillTriangular move it).

    >>> Chain([Exp(), Shift(1.0)]).forward(wb.constant(0.0)).numpy()   # exp(0 + 1)
    2.7182817
    """

    def __init__(self, bijectors=None, validate_args=False, name=None):
        parameters = dict(locals())
        bijectors = list(bijectors or [])
        for i, b in enumerate(bijectors):
            if not isinstance(b, Bijector):
                raise TypeError(f"Chain: bijectors[{i}] is a {type(b).__name__}, not a Bijector")
        fmin, imin = min_event_ndims(bijectors[::-1])
        if name is None:
            name = "chain_of_" + "_of_".join(b.name for b in bijectors) if bijectors else "identity"
        super().__init__(bijectors, name=name, parameters=parameters, forward_min_event_ndims=fmin,
                         inverse_min_event_ndims=imin, validate_args=validate_args)

    @property
    def bijectors(self):
        return list(self._bijectors)

    def _walk_forward(self, step_fn, x, **kwargs):
        for b in reversed(self._bijectors):
            x = step_fn(b, x)
        return x

    def _walk_inverse(self, step_fn, y, **kwargs):
        for b in self._bijectors:
            y = step_fn(b, y)
        return y

    def _forward(self, x):
        for b in reversed(self._bijectors):
            x = b.forward(x)
        return x

    def _inverse(self, y):
        for b in self._bijectors:
            y = b.inverse(y)
        return y

    def _fldj_reduced(self, x, ev):
        total = wb.zeros((), dtype=x.dtype)
        for b in reversed(self._bijectors):
            total = total + b.forward_log_det_jacobian(x, event_ndims=ev)
            x = b.forward(x)
            ev = b.forward_event_ndims(ev)
        return total

    def _ildj_reduced(self, y, ev):
        total = wb.zeros((), dtype=y.dtype)
        for b in self._bijectors:
            total = total + b.inverse_log_det_jacobian(y, event_ndims=ev)
            y = b.inverse(y)
            ev = b.inverse_event_ndims(ev)
        return total

    def _forward_event_shape(self, shape):
        for b in reversed(self._bijectors):
            shape = b.forward_event_shape(shape)
        return shape

    def _inverse_event_shape(self, shape):
        for b in self._bijectors:
            shape = b.inverse_event_shape(shape)
        return shape

    def experimental_batch_shape(self, x_event_ndims=None):
        ev = self.forward_min_event_ndims if x_event_ndims is None else int(x_event_ndims)
        shapes = []
        for b in reversed(self._bijectors):
            shapes.append(b.experimental_batch_shape(ev))
            ev = b.forward_event_ndims(ev)
        return internal.broadcast_shapes(*shapes) if shapes else ()

    def _is_increasing(self):
        result = True
        for b in self._bijectors:
            inc = b._is_increasing()
            if isinstance(result, bool) and isinstance(inc, bool):
                result = result == inc
            else:
                # a decreasing part flips the direction
                result = wb.logical_not(wb.logical_xor(wb.convert_to_tensor(result), wb.convert_to_tensor(inc)))
        return result

