"""Composition: the base class of bijectors built from other bijectors by walking them."""

import workbench as wb

from .. import internal
from ._structured import is_structured, map_parts
from .bijector import Bijector

__all__ = ["Composition"]


class Composition(Bijector):
    """A bijector that applies its ``bijectors`` in an order its subclass defines.

    A subclass implements ``_walk_forward(step_fn, x, **kwargs)`` and
    ``_walk_inverse(step_fn, y, **kwargs)``: call ``step_fn(bijector, value)`` for each part in
    the order of that direction, feeding each result to the next, and return the last one. The
    maps, log-determinants (each part sees the event ndims its input has at that point), event
    shapes, batch shape and, when not given, the min event ndims all follow from the walk.

    >>> class Reversed(Composition):   # applies its bijectors first to last
    ...     def __init__(self, bijectors):
    ...         super().__init__(bijectors, name="reversed", parameters={"bijectors": bijectors})
    ...     def _walk_forward(self, step_fn, x, **kwargs):
    ...         for b in self.bijectors:
    ...             x = step_fn(b, x)
    ...         return x
    ...     def _walk_inverse(self, step_fn, y, **kwargs):
    ...         for b in reversed(self.bijectors):
    ...             y = step_fn(b, y)
    ...         return y
    >>> Reversed([Shift(1.0), Scale(2.0)]).forward(wb.constant(1.0)).numpy()   # (1 + 1) * 2
    4.0
    """

    def __init__(self, bijectors, name, parameters, forward_min_event_ndims=None, inverse_min_event_ndims=None,
                 validate_event_size=False, validate_args=False, **kwargs):
        if isinstance(bijectors, Composition):
            inner = bijectors
            self._walk_forward = inner._walk_forward   # TFP: a Composition given a Composition walks like it
            self._walk_inverse = inner._walk_inverse
            bijectors = inner.bijectors
        bijectors = list(bijectors)
        for i, b in enumerate(bijectors):
            if not isinstance(b, Bijector):
                raise TypeError(f"{type(self).__name__}: bijectors[{i}] is a {type(b).__name__}, not a Bijector")
        self._bijectors = bijectors
        self._validate_event_size = bool(validate_event_size)
        if forward_min_event_ndims is None and inverse_min_event_ndims is None:
            order = []
            self._walk_forward(lambda b, v, **kw: order.append(b), None)
            forward_min_event_ndims, inverse_min_event_ndims = min_event_ndims(order)
        dtype = kwargs.pop("dtype", None) or next((b.dtype for b in bijectors if b.dtype is not None), None)
        is_constant = kwargs.pop("is_constant_jacobian", all(b.is_constant_jacobian for b in bijectors))
        if kwargs:
            raise TypeError(f"{type(self).__name__}: unexpected arguments {sorted(kwargs)}")
        super().__init__(forward_min_event_ndims=forward_min_event_ndims,
                         inverse_min_event_ndims=inverse_min_event_ndims, is_constant_jacobian=is_constant,
                         validate_args=validate_args, dtype=dtype, parameters=parameters, name=name)

    @property
    def bijectors(self):
        return list(self._bijectors)

    @property
    def validate_event_size(self):
        return self._validate_event_size

    def _walk_forward(self, step_fn, x, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} does not implement _walk_forward")

    def _walk_inverse(self, step_fn, y, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} does not implement _walk_inverse")

    # -- compositions holding JointMap / Restructure: values and event ndims are structures, each
    # part is converted by the part's own bijector (no whole-value conversion, no pair cache) ----
    def forward(self, x, name=None):
        if not is_structured(self):
            return super().forward(x, name)
        return self._walk_forward(lambda b, v, **kw: b.forward(v), x)

    def inverse(self, y, name=None):
        if not is_structured(self):
            return super().inverse(y, name)
        return self._walk_inverse(lambda b, v, **kw: b.inverse(v), y)

    def _structured_ldj(self, value, event_ndims, direction):
        if event_ndims is None:
            event_ndims = self._default_event_ndims(value, direction)
        total = [None]

        def step(b, state, **kw):
            v, n = state
            term = getattr(b, f"{direction}_log_det_jacobian")(v, event_ndims=n)
            total[0] = term if total[0] is None else total[0] + term
            nxt = getattr(b, direction)(v)
            return nxt, (None if n is None else getattr(b, f"{direction}_event_ndims")(n))
        walk = self._walk_forward if direction == "forward" else self._walk_inverse
        walk(step, (value, event_ndims))
        return total[0]

    def _default_event_ndims(self, value, direction):
        """TFP's default: the composition's minimum event ndims, for each part of a structured
        value: at least what the bijector that first takes the part needs, and what the far end
        needs carried back through the walk."""
        if isinstance(value, wb.Tensor) or not isinstance(value, (list, tuple, dict)):
            return self.forward_min_event_ndims if direction == "forward" else self.inverse_min_event_ndims
        here = self._entry_event_ndims(value, direction)
        other = "inverse" if direction == "forward" else "forward"
        try:
            far = self._entry_event_ndims(getattr(self, direction)(value), other)
            carried = getattr(self, f"{other}_event_ndims")(far)
            return wb.nest.map_structure(max, here, carried)
        except (TypeError, ValueError):
            return here

    def _entry_event_ndims(self, value, direction):
        least = self.forward_min_event_ndims if direction == "forward" else self.inverse_min_event_ndims
        if isinstance(value, wb.Tensor) or not isinstance(value, (list, tuple, dict)):
            return least
        first = []
        walk = self._walk_forward if direction == "forward" else self._walk_inverse
        walk(lambda b, v, **kw: first.append(b) or v, value)
        parts = getattr(first[0], "bijectors", None) if first and getattr(first[0], "_structure_to_structure",
                                                                           False) else None
        if isinstance(parts, (list, tuple, dict)):
            key = f"{direction}_min_event_ndims"
            return map_parts(lambda b: max(least, getattr(b, key)), parts)
        return map_parts(lambda _: least, value)

    def forward_log_det_jacobian(self, x, event_ndims=None, name=None):
        if not is_structured(self):
            return super().forward_log_det_jacobian(x, event_ndims, name)
        return self._structured_ldj(x, event_ndims, "forward")

    def inverse_log_det_jacobian(self, y, event_ndims=None, name=None):
        if not is_structured(self):
            return super().inverse_log_det_jacobian(y, event_ndims, name)
        return self._structured_ldj(y, event_ndims, "inverse")

    def forward_event_ndims(self, event_ndims):
        if isinstance(event_ndims, (list, tuple, dict)):
            return self._walk_forward(lambda b, n, **kw: b.forward_event_ndims(n), event_ndims)
        return super().forward_event_ndims(event_ndims)

    def inverse_event_ndims(self, event_ndims):
        if isinstance(event_ndims, (list, tuple, dict)):
            return self._walk_inverse(lambda b, n, **kw: b.inverse_event_ndims(n), event_ndims)
        return super().inverse_event_ndims(event_ndims)

    def forward_event_shape(self, input_shape):
        if not is_structured(self):
            return super().forward_event_shape(input_shape)
        return self._walk_forward(lambda b, s, **kw: b.forward_event_shape(s), input_shape)

    def inverse_event_shape(self, output_shape):
        if not is_structured(self):
            return super().inverse_event_shape(output_shape)
        return self._walk_inverse(lambda b, s, **kw: b.inverse_event_shape(s), output_shape)

    def _move_parts(self, value, inverse=False):
        if inverse:
            return self._walk_inverse(lambda b, v, **kw: b._move_parts(v, True), value)
        return self._walk_forward(lambda b, v, **kw: b._move_parts(v), value)

    def _forward(self, x):
        return self._walk_forward(lambda b, v, **kw: b.forward(v), x)

    def _inverse(self, y):
        return self._walk_inverse(lambda b, v, **kw: b.inverse(v), y)

    def _fldj_reduced(self, x, ev):
        total = [wb.zeros((), dtype=x.dtype)]

        def step(b, state, **kw):
            v, n = state
            total[0] = total[0] + b.forward_log_det_jacobian(v, event_ndims=n)
            return b.forward(v), b.forward_event_ndims(n)
        self._walk_forward(step, (x, ev))
        return total[0]

    def _ildj_reduced(self, y, ev):
        total = [wb.zeros((), dtype=y.dtype)]

        def step(b, state, **kw):
            v, n = state
            total[0] = total[0] + b.inverse_log_det_jacobian(v, event_ndims=n)
            return b.inverse(v), b.inverse_event_ndims(n)
        self._walk_inverse(step, (y, ev))
        return total[0]

    def _forward_event_shape(self, shape):
        return tuple(self._walk_forward(lambda b, s, **kw: b.forward_event_shape(s), shape))

    def _inverse_event_shape(self, shape):
        return tuple(self._walk_inverse(lambda b, s, **kw: b.inverse_event_shape(s), shape))

    def experimental_batch_shape(self, x_event_ndims=None):
        shapes = []

        def step(b, n, **kw):
            shapes.append(b.experimental_batch_shape(n))
            return b.forward_event_ndims(n)
        self._walk_forward(step, self.forward_min_event_ndims if x_event_ndims is None else int(x_event_ndims))
        return wb.TensorShape(internal.broadcast_shapes(*shapes) if shapes else ())

    def _is_increasing(self):
        result = [True]

        def step(b, v, **kw):
            inc = b._is_increasing()
            if isinstance(result[0], bool) and isinstance(inc, bool):
                result[0] = result[0] == inc
            else:   # a decreasing part flips the direction
                result[0] = wb.logical_not(wb.logical_xor(wb.convert_to_tensor(result[0]), wb.convert_to_tensor(inc)))
        self._walk_forward(step, None)
        return result[0]


def min_event_ndims(bijectors):
    """(forward, inverse) min event ndims of ``bijectors`` applied one after another, in that order
    (forward): the fewest input dims every part can act on."""
    fwd, delta = 0, 0
    for b in bijectors:                    # forward
        fwd = max(fwd, b.forward_min_event_ndims - delta)
        delta += b.inverse_min_event_ndims - b.forward_min_event_ndims
    inv, back = 0, 0
    for b in reversed(bijectors):          # inverse
        inv = max(inv, b.inverse_min_event_ndims - back)
        back += b.forward_min_event_ndims - b.inverse_min_event_ndims
    fwd = max(fwd, inv - delta)
    return fwd, fwd + delta
