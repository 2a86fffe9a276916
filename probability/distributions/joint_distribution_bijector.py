"""The default event space bijector of a joint distribution: each part's own
``experimental_default_event_space_bijector``, applied part by part (a ``JointMap``).

A part's bijector may depend on earlier parts (``Uniform(0.0, x0)`` has support ``(0, x0)``),
so the bijectors are made from the model run at the values at hand: ``inverse(y)`` runs the
model at ``y``; ``forward(x)`` runs it part by part, each part's constrained value feeding the
later parts' distributions. Discrete parts map through ``Identity``, as in TFP. A pinned model
transforms its free parts only.

>>> jd = JointDistributionSequential([Exponential(1.0), lambda s: Uniform(0.0, s)])
>>> b = jd.experimental_default_event_space_bijector()
>>> y = b.forward([wb.constant(0.3), wb.constant(-1.0)])     # y[0] > 0, 0 < y[1] < y[0]
>>> b.inverse(y)                                              # [0.3, -1.0]
"""

from __future__ import annotations

import collections

import workbench as wb

from .. import internal
from ..bijectors import Bijector, Identity, JointMap
from ..bijectors._structured import as_part

__all__ = ["JointDistributionDefaultBijector"]


def _holds_tensors(value):
    """Whether a bijector's parameter holds a tensor (which may come from an earlier part)."""
    if isinstance(value, (list, tuple)):
        return any(_holds_tensors(v) for v in value)
    if isinstance(value, Bijector):
        return any(_holds_tensors(v) for v in value.parameters.values())
    return isinstance(value, wb.Tensor) or hasattr(type(value), "__wb_tensor__")


def _as_value(value, dtype):
    """A part's value as a tensor; Python numbers and lists take the part's dtype, as TF converts them."""
    if isinstance(value, (bool, int, float, list, tuple)):
        return as_part(value, dtype=dtype)
    return as_part(value)


def _part_bijector(d):
    b = d.experimental_default_event_space_bijector()
    return Identity() if b is None else b


class JointDistributionDefaultBijector(JointMap):
    """``JointMap`` of the parts' default event space bijectors of ``distribution`` (a joint
    distribution), with the parts named in ``pins`` fixed at their pinned values and left out
    of the bijector's input and output.

    Values are structured as the model's (a list, a dict or a StructTuple; a pinned model's
    free parts in the same kind of structure, as TFP; a StructTuple, a dict or a list in model
    order is accepted). ``forward_log_det_jacobian``
    sums each part's over its event dimensions (the part's ``event_shape``; for an AutoBatched
    model every dimension after its ``batch_ndims``), one number per batch member and draw.
    """

    def __init__(self, distribution, pins=None, validate_args=False, name=None):
        self._jd = distribution
        names = [n for n, _ in distribution.resolve_graph()]
        pins = dict(pins or {})
        self._pinned = [pins.get(k) for k in names]
        self._free = [i for i, k in enumerate(names) if k not in pins]
        self._free_names = [names[i] for i in self._free]
        dists = distribution._single_sample_distributions()
        static = [_part_bijector(dists[i]) for i in self._free]
        self._event_ndims = distribution._part_event_ndims()
        # the event rank on the unconstrained side (SoftmaxCentered maps k - 1 reals onto k)
        self._x_event_ndims = [
            self._event_ndims[i] + len(b.inverse_event_shape(tuple(dists[i].event_shape)))
            - len(dists[i].event_shape) for i, b in zip(self._free, static)]
        self._pinned_model = bool(pins)
        # bijectors without tensor parameters (Softplus(), Identity()) are the same in every run of
        # the model, so they apply directly, over all draws at once
        self._static = all(not _holds_tensors(b) for b in static)
        structure = dict(zip(self._free_names, static)) if self._by_name() else static
        super().__init__(structure, validate_args=validate_args,
                         name=name or f"default_event_space_bijector_of_{distribution.name}")

    def _by_name(self):
        return isinstance(self._jd._structure([None] * len(self._jd._parts)), dict) and not self._pinned_model

    # -- values in and out ------------------------------------------------------------
    def _free_flat(self, value, what):
        """The free parts' values as a list in model order."""
        owner = type(self).__name__
        if isinstance(value, dict):
            unknown = sorted(set(value) - set(self._free_names))
            missing = [k for k in self._free_names if k not in value]
            if unknown or missing:
                raise ValueError(f"{owner}: `{what}` must hold the parts {self._free_names}; missing {missing}, "
                                 f"unexpected {unknown}")
            return [value[k] for k in self._free_names]
        if isinstance(value, (list, tuple)) and len(value) == len(self._free):
            return list(value)
        got = len(value) if isinstance(value, (list, tuple)) else type(value).__name__
        raise ValueError(f"{owner}: `{what}` must be {len(self._free)} values, one per part "
                         f"{self._free_names}, got {got}")

    def _restructure(self, flat_free):
        if self._pinned_model:
            # TFP: the free parts in the model's kind of structure (dict, StructTuple or list)
            whole = self._jd._structure(list(range(len(self._jd._parts))))
            if isinstance(whole, dict):
                return dict(zip(self._free_names, flat_free))
            if hasattr(whole, "_fields"):
                return collections.namedtuple("StructTuple", self._free_names)(*flat_free)
            return list(flat_free)
        if self._by_name():
            return dict(zip(self._free_names, flat_free))
        return self._jd._structure(flat_free)

    def _event_ndims_flat(self, event_ndims, defaults):
        if event_ndims is None:
            return defaults
        flat = self._free_flat(event_ndims, "event_ndims")
        return [int(e) for e in flat]

    # -- one run of the model -------------------------------------------------------------
    def _sample_shape(self, given, direction):
        """The draws' dimensions in front of an AutoBatched model's values (``()`` otherwise)."""
        if not getattr(self._jd, "_autobatched", False):
            return ()
        shapes = self._jd._draw_shapes()
        dists = self._jd._single_sample_distributions()
        static = self._static_bijectors()
        shape = ()
        pairs = [(v, shapes[i]) for i, v in enumerate(self._pinned) if v is not None]
        for k, (i, v) in enumerate(zip(self._free, given)):
            ref = shapes[i]
            if direction == "forward":
                ref = tuple(dists[i].batch_shape) + static[k].inverse_event_shape(tuple(dists[i].event_shape))
            pairs.append((v, ref))
        for v, ref in pairs:
            nd = len(getattr(v, "shape", ()))
            lead = tuple(v.shape[:max(nd - len(ref), 0)]) if nd else ()
            shape = tuple(self._broadcast(shape, lead))
        return shape

    def _part_dtypes(self):
        return [d.dtype for d in self._jd._single_sample_distributions()]

    @staticmethod
    def _broadcast(a, b):
        return internal.broadcast_shapes(a, b)

    def _run(self, value, direction, event_ndims=None):
        """``(outputs, log_det)``: ``value`` (free parts) mapped ``forward`` or ``inverse``."""
        dtypes = self._part_dtypes()
        given = [_as_value(v, dtypes[i]) for i, v in zip(self._free, self._free_flat(
            value, "x" if direction == "forward" else "y"))]
        defaults = self._x_event_ndims if direction == "forward" else [self._event_ndims[i] for i in self._free]
        evs = self._event_ndims_flat(event_ndims, defaults)
        pinned = [None if v is None else _as_value(v, dt) for v, dt in zip(self._pinned, dtypes)]
        if self._static:
            return self._apply(self._static_bijectors(), given, direction, evs)
        shape = self._sample_shape(given, direction)
        if not shape or self._jd._vectorizes(shape):
            return self._run_once(given, pinned, direction, evs, shape)
        # a model that does not broadcast over the draws: one run per draw, stacked
        n = 1
        for s in shape:
            n *= s

        def per_draw(t, k):
            if t is None or tuple(t.shape[:len(shape)]) != shape:
                return t          # no draws' dimensions: the same value for every draw
            return wb.reshape(t, (n,) + tuple(t.shape[len(shape):]))[k]
        runs = [self._run_once([per_draw(v, k) for v in given], [per_draw(v, k) for v in pinned], direction, evs, ())
                for k in range(n)]
        outputs = [wb.reshape(wb.stack([r[0][j] for r in runs]), shape + tuple(runs[0][0][j].shape))
                   for j in range(len(given))]
        ldj = wb.reshape(wb.stack([r[1] for r in runs]), shape + tuple(runs[0][1].shape))
        return outputs, ldj

    @staticmethod
    def _apply(bijectors, given, direction, evs):
        outputs, total = [], None
        for b, v, ev in zip(bijectors, given, evs):
            if direction == "forward":
                outputs.append(b.forward(v))
                t = b.forward_log_det_jacobian(v, event_ndims=ev)
            else:
                outputs.append(b.inverse(v))
                t = b.inverse_log_det_jacobian(v, event_ndims=ev)
            total = t if total is None else total + t
        return outputs, total

    def _run_once(self, given, pinned, direction, evs, sample_shape):
        by_index = dict(zip(self._free, given))
        position = {i: k for k, i in enumerate(self._free)}
        outputs = [None] * len(self._free)
        terms = []

        def draw(i, d, value):
            if i not in position:
                return value if isinstance(value, wb.Tensor) else d._value(value, "bijector")
            k = position[i]
            b = _part_bijector(d)
            v = by_index[i]
            if direction == "forward":
                out = b.forward(v)
                terms.append(b.forward_log_det_jacobian(v, event_ndims=evs[k]))
                outputs[k] = out
                return out
            outputs[k] = b.inverse(v)
            terms.append(b.inverse_log_det_jacobian(v, event_ndims=evs[k]))
            return v

        values = list(pinned)
        if direction == "inverse":
            for i, v in by_index.items():
                values[i] = v
        self._jd._run_with(values, draw, sample_shape)
        total = terms[0]
        for t in terms[1:]:
            total = total + t
        return outputs, total

    def _forward(self, x):
        return self._restructure(self._run(x, "forward")[0])

    def _inverse(self, y):
        return self._restructure(self._run(y, "inverse")[0])

    def _fldj(self, x, event_ndims):
        return self._run(x, "forward", event_ndims)[1]

    def _ildj(self, y, event_ndims):
        return self._run(y, "inverse", event_ndims)[1]

    def _move_parts(self, value, inverse=False):
        # each part keeps its dtype, in the model's structure (the default bijectors keep dtypes)
        if not isinstance(value, (list, tuple, dict)):
            return self._restructure([value] * len(self._free))
        return self._restructure(self._free_flat(value, "value"))

    def _forward_event_shape(self, shapes):
        bijs = self._static_bijectors()
        return self._restructure([b.forward_event_shape(s) for b, s in zip(bijs, self._free_flat(shapes, "shape"))])

    def _inverse_event_shape(self, shapes):
        bijs = self._static_bijectors()
        return self._restructure([b.inverse_event_shape(s) for b, s in zip(bijs, self._free_flat(shapes, "shape"))])

    def _static_bijectors(self):
        b = self.bijectors
        return [b[k] for k in self._free_names] if isinstance(b, dict) else list(b)
