"""JointMap: a structure of bijectors applied part by part to a structure of tensors."""

from ._structured import StructuredBijector, as_part, flatten, map_parts, rebuild

__all__ = ["JointMap"]


def _zip_map(fn, bijectors, values, what):
    if isinstance(bijectors, dict):
        if not isinstance(values, dict) or set(values) != set(bijectors):
            raise ValueError(f"JointMap: `{what}` must be a dict with keys {sorted(bijectors)}, got "
                             f"{sorted(values) if isinstance(values, dict) else type(values).__name__}")
        return {k: _zip_map(fn, bijectors[k], values[k], what) for k in bijectors}
    if isinstance(bijectors, (list, tuple)):
        if not isinstance(values, (list, tuple)) or len(values) != len(bijectors):
            raise ValueError(f"JointMap: `{what}` must be a list of {len(bijectors)} parts, got "
                             f"{len(values) if isinstance(values, (list, tuple)) else type(values).__name__}")
        return rebuild(bijectors, (_zip_map(fn, b, v, what) for b, v in zip(bijectors, values)))
    return fn(bijectors, values)


class JointMap(StructuredBijector):
    """``forward`` maps ``x[k]`` through ``bijectors[k]`` for every part of a list or dict structure;
    the log-det is the sum of the parts'. ``event_ndims`` is a matching structure (default: each
    bijector's minimum).

    >>> JointMap({"a": Exp(), "b": Identity()}).forward({"a": wb.constant(0.0), "b": wb.constant(2.0)})["a"].numpy()
    1.0
    """

    _structure_to_structure = True

    def __init__(self, bijectors, validate_args=False, name=None):
        parameters = dict(locals())
        self._bijectors = bijectors
        leaves = flatten(bijectors)
        if not leaves:
            raise ValueError("JointMap: argument `bijectors` must hold at least one bijector")
        super().__init__(forward_min_event_ndims=0, validate_args=validate_args, parameters=parameters,
                         name=name or "jointmap_of_" + "_and_".join(b.name for b in leaves))

    @property
    def bijectors(self):
        return self._bijectors

    def _forward(self, x):
        return _zip_map(lambda b, v: b.forward(as_part(v)), self._bijectors, x, "x")

    def _inverse(self, y):
        return _zip_map(lambda b, v: b.inverse(as_part(v)), self._bijectors, y, "y")

    def _ldj(self, values, event_ndims, direction):
        if event_ndims is None:
            event_ndims = map_parts(lambda b: (b.forward_min_event_ndims if direction == "forward"
                                               else b.inverse_min_event_ndims), self._bijectors)
        terms = []

        def one(b, v, ev):
            terms.append(getattr(b, f"{direction}_log_det_jacobian")(as_part(v), event_ndims=ev))
            return None
        evs = _zip_map(lambda b, ev: ev, self._bijectors, event_ndims, "event_ndims")
        values_by_part = _zip_map(lambda b, v: v, self._bijectors, values, "x" if direction == "forward" else "y")
        for b, v, ev in zip(flatten(self._bijectors), flatten(values_by_part), flatten(evs)):
            one(b, v, ev)
        return sum(terms[1:], terms[0])

    def _fldj(self, x, event_ndims):
        return self._ldj(x, event_ndims, "forward")

    def _ildj(self, y, event_ndims):
        return self._ldj(y, event_ndims, "inverse")

    def _forward_event_shape(self, shapes):
        return _zip_map(lambda b, s: b.forward_event_shape(s), self._bijectors, shapes, "input_shape")

    def _inverse_event_shape(self, shapes):
        return _zip_map(lambda b, s: b.inverse_event_shape(s), self._bijectors, shapes, "output_shape")

    def forward_event_ndims(self, event_ndims):
        if isinstance(event_ndims, (list, tuple, dict)):
            return _zip_map(lambda b, n: b.forward_event_ndims(n), self._bijectors, event_ndims, "event_ndims")
        return super().forward_event_ndims(event_ndims)

    def inverse_event_ndims(self, event_ndims):
        if isinstance(event_ndims, (list, tuple, dict)):
            return _zip_map(lambda b, n: b.inverse_event_ndims(n), self._bijectors, event_ndims, "event_ndims")
        return super().inverse_event_ndims(event_ndims)

    def _move_parts(self, value, inverse=False):
        if not isinstance(value, (list, tuple, dict)):     # one dtype for every part
            bs = self._bijectors
            value = {k: value for k in bs} if isinstance(bs, dict) else type(bs)([value] * len(bs))
        return _zip_map(lambda b, v: b._move_parts(v, inverse), self._bijectors, value, "value")
