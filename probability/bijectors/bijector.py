"""The Bijector base class, TFP's model of an invertible, differentiable map.

A bijector maps ``x`` to ``y = forward(x)`` and back with ``inverse(y)``, and
gives the log-determinant of the Jacobian of each direction.
``forward_min_event_ndims`` is the smallest number of rightmost dimensions the
map acts on as a unit (0 for elementwise maps, 1 for maps of vectors, 2 for
matrices); ``forward_log_det_jacobian(x, event_ndims)`` sums the elementwise
(or per-vector, per-matrix) log-determinants over the rightmost
``event_ndims - forward_min_event_ndims`` dimensions.

Subclasses implement ``_forward``, ``_inverse`` and at least one of
``_forward_log_det_jacobian(x)`` / ``_inverse_log_det_jacobian(y)`` (unreduced:
one value per ``min_event_ndims`` block); the base class derives the other one.

Forward/inverse pairs are cached, as in TFP: ``inverse(forward(x))`` returns the
very ``x`` object, and ``inverse_log_det_jacobian(forward(x))`` is computed from
``x``, so it stays exact where ``inverse`` would lose precision (a Sigmoid output
that rounds to 1.0). The cache holds tensors by weak reference; an output keeps
its input alive, never the reverse.
"""

from __future__ import annotations

import re
import weakref

import numpy as np

import workbench as wb
from workbench import core
from workbench.core import Tensor

from .. import _printing, internal
from ..internal.composite import make_composite_if_traced


def _snake(name):
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _recording():
    """True while a tape or forward accumulator is active (a cached result would escape it)."""
    return bool(core.tapes() or core.accumulators())


class _PairCache:
    """One direction's table: ``id(key) -> (weakref(key), partner, partner_is_strong)``.

    A key that is an *output* holds its input strongly (so ``inverse(sample)`` finds the
    sample's base draw); a key that is an *input* holds its output weakly.
    """

    def __init__(self):
        self._entries = {}

    def put(self, key, partner, strong):
        kid = id(key)
        entries = self._entries

        def _drop(ref, kid=kid):
            # only remove the entry that belonged to the dead object
            if entries.get(kid, (None,))[0] is ref:
                del entries[kid]
        ref = weakref.ref(key, _drop)
        entries[kid] = (ref, partner if strong else weakref.ref(partner), strong)

    def get(self, key):
        """``(partner, strong)`` for a live entry of ``key``, else ``(None, False)``."""
        entry = self._entries.get(id(key))
        if entry is None or entry[0]() is not key:
            return None, False
        partner = entry[1] if entry[2] else entry[1]()
        return partner, entry[2]

    def __len__(self):
        return len(self._entries)


def as_bijector_param(value, name, owner):
    """A parameter: Python numbers stay Python floats (they take the dtype of the input they meet,
    as TF's weak typing does); NumPy floats, arrays and lists become Tensors; Variables and tensor-likes
    (``DeferredTensor``: recomputed at each use) stay as they are."""
    if value is None or isinstance(value, Tensor) or internal.is_tensor_like(value):
        return value
    if isinstance(value, np.floating):   # a NumPy float carries its dtype (TFP: Scale(np.float64(2.)) is float64)
        return wb.constant(value)
    if isinstance(value, (int, float, np.integer)) and not isinstance(value, bool):
        return float(value)
    dtype = internal.common_dtype([np.asarray(value)] if isinstance(value, np.ndarray) else [])
    return internal.as_param(value, name, dtype, owner)


def like(value, x):
    """``value`` as a Tensor of ``x``'s dtype (for Python-number parameters)."""
    if isinstance(value, Tensor):
        return value
    if internal.is_tensor_like(value):
        return wb.convert_to_tensor(value)
    return wb.constant(value, dtype=x.dtype)


class Bijector:
    """Base class of every bijector (see the module docstring).

    >>> b = probability.bijectors.Exp()
    >>> x = wb.constant([0.0, 1.0])
    >>> b.inverse(b.forward(x)) is x
    True
    """

    # parameter name -> number of its rightmost dims that are event dims (for batch shapes)
    _param_event_ndims: dict = {}

    def __init__(self, is_constant_jacobian=False, validate_args=False, dtype=None,
                 forward_min_event_ndims=None, inverse_min_event_ndims=None, parameters=None, name=None):
        if forward_min_event_ndims is None and inverse_min_event_ndims is None:
            raise ValueError(f"{type(self).__name__}: give forward_min_event_ndims or inverse_min_event_ndims")
        if forward_min_event_ndims is None:
            forward_min_event_ndims = inverse_min_event_ndims
        if inverse_min_event_ndims is None:
            inverse_min_event_ndims = forward_min_event_ndims
        self._forward_min_event_ndims = int(forward_min_event_ndims)
        self._inverse_min_event_ndims = int(inverse_min_event_ndims)
        self._is_constant_jacobian = bool(is_constant_jacobian)
        self._validate_args = bool(validate_args)
        self._dtype = None if dtype is None else np.dtype(dtype)
        params = dict(parameters or {})
        params.pop("self", None)
        params.pop("__class__", None)
        self._parameters = params
        self._name = _printing.instance_name(name, _snake(type(self).__name__))
        self._from_x = _PairCache()   # x -> y
        self._from_y = _PairCache()   # y -> x
        make_composite_if_traced(self)     # one made in a wb.function can be returned from it

    # -- properties ------------------------------------------------------
    @property
    def name(self):
        return self._name

    @property
    def parameters(self) -> dict:
        """The arguments the bijector was built with (a copy)."""
        return dict(self._parameters)

    @property
    def dtype(self):
        return self._dtype

    @property
    def validate_args(self):
        return self._validate_args

    @property
    def forward_min_event_ndims(self) -> int:
        return self._forward_min_event_ndims

    @property
    def inverse_min_event_ndims(self) -> int:
        return self._inverse_min_event_ndims

    @property
    def is_constant_jacobian(self) -> bool:
        """True when the Jacobian does not depend on the input (the map is affine)."""
        return self._is_constant_jacobian

    @property
    def trainable_variables(self) -> tuple:
        """Trainable Variables among the parameters, sub-bijectors and parameter functions."""
        return tuple(v for v in _variables(self.__dict__, set()) if v.trainable)

    # -- shapes ------------------------------------------------------------
    def forward_event_ndims(self, event_ndims):
        """The number of event dims of ``forward(x)`` when ``x`` has ``event_ndims``."""
        return int(event_ndims) - self._forward_min_event_ndims + self._inverse_min_event_ndims

    def inverse_event_ndims(self, event_ndims):
        return int(event_ndims) - self._inverse_min_event_ndims + self._forward_min_event_ndims

    def _move_parts(self, value, inverse=False):
        """``value`` (a structure of per-part facts: dtypes, shapes) with its parts where ``forward``
        (``inverse``) puts the parts of a value; a bijector of plain tensors leaves it as it is."""
        return value

    def forward_event_shape(self, input_shape):
        """The event shape of ``forward(x)`` for an ``x`` event of ``input_shape``."""
        return wb.TensorShape(self._forward_event_shape(internal.shape_tuple(input_shape, "input_shape")))

    def inverse_event_shape(self, output_shape):
        """The event shape of ``inverse(y)`` for a ``y`` event of ``output_shape`` (a ``wb.TensorShape``)."""
        return wb.TensorShape(self._inverse_event_shape(internal.shape_tuple(output_shape, "output_shape")))

    def forward_event_shape_tensor(self, input_shape):
        return wb.constant(np.asarray(self.forward_event_shape(input_shape), dtype=np.int32))

    def inverse_event_shape_tensor(self, output_shape):
        return wb.constant(np.asarray(self.inverse_event_shape(output_shape), dtype=np.int32))

    def _forward_event_shape(self, shape):
        return shape

    def _inverse_event_shape(self, shape):
        return shape

    def experimental_batch_shape(self, x_event_ndims=None):
        """The batch shape the parameters add when the input has ``x_event_ndims`` event dims:
        parameter dims that fall inside the event are absorbed by it."""
        extra = (self._forward_min_event_ndims if x_event_ndims is None else int(x_event_ndims)) \
            - self._forward_min_event_ndims
        shapes = []
        for pname, nd in self._param_event_ndims.items():
            p = getattr(self, pname, None)
            if isinstance(p, Tensor):
                shapes.append(p.shape[:max(p.ndim - nd - extra, 0)])
        return wb.TensorShape(internal.broadcast_shapes(*shapes) if shapes else ())

    # -- conversion and checks ----------------------------------------------
    def _convert(self, value, method):
        if internal.is_tensor_like(value):
            value = wb.convert_to_tensor(value)
        if isinstance(value, Tensor):
            if self._dtype is not None and value.dtype != self._dtype and value.dtype.kind == "f":
                raise TypeError(f"{type(self).__name__}.{method}: input has dtype {value.dtype}, "
                                f"the bijector's parameters have dtype {self._dtype}")
            return value
        if self._dtype is not None:
            return wb.constant(np.asarray(value), dtype=self._dtype)
        # TF's conversion rules for Python values (float -> float32, int -> int32), as TFP;
        # a NumPy array keeps its dtype
        return wb.convert_to_tensor(value)

    def _check_rank(self, t, min_ndims, method, what):
        if t.ndim < min_ndims:
            raise ValueError(f"{type(self).__name__}.{method}: `{what}` has rank {t.ndim} (shape {t.shape}); "
                             f"the bijector acts on at least {min_ndims} rightmost dims")

    def _event_ndims(self, event_ndims, min_ndims, t, method, what):
        ev = min_ndims if event_ndims is None else event_ndims
        if isinstance(ev, Tensor):
            ev = int(ev.numpy())
        if not isinstance(ev, (int, np.integer)) or ev < min_ndims:
            raise ValueError(f"{type(self).__name__}.{method}: event_ndims must be an int >= {min_ndims} "
                             f"(the bijector's min event ndims), got {event_ndims!r}")
        if t.ndim < ev:
            raise ValueError(f"{type(self).__name__}.{method}: `{what}` has rank {t.ndim} (shape {t.shape}), "
                             f"fewer than event_ndims={ev}")
        return int(ev)

    # -- the maps ------------------------------------------------------------
    def forward(self, x, name=None):
        """``y = f(x)``."""
        x = self._convert(x, "forward")
        y, strong = self._from_x.get(x)
        if y is not None and (strong or not _recording()):
            return y
        self._check_rank(x, self._forward_min_event_ndims, "forward", "x")
        y = self._forward(x)
        self._remember(x, y, self._from_x, self._from_y)
        return y

    def inverse(self, y, name=None):
        """``x = f^{-1}(y)``."""
        y = self._convert(y, "inverse")
        x, strong = self._from_y.get(y)
        if x is not None and (strong or not _recording()):
            return x
        self._check_rank(y, self._inverse_min_event_ndims, "inverse", "y")
        x = self._inverse(y)
        self._remember(y, x, self._from_y, self._from_x)
        return x

    def _remember(self, inp, out, inp_table, out_table):
        # Variables change in place, and a map that returns its input would keep itself alive
        if out is inp or isinstance(inp, wb.Variable) or isinstance(out, wb.Variable):
            return
        inp_table.put(inp, out, strong=False)
        out_table.put(out, inp, strong=True)

    def _forward(self, x):
        raise NotImplementedError(f"{type(self).__name__} does not implement forward")

    def _inverse(self, y):
        raise NotImplementedError(f"{type(self).__name__} does not implement inverse")

    # -- log-determinants --------------------------------------------------------
    def forward_log_det_jacobian(self, x, event_ndims=None, name=None):
        """``log |det J_f(x)|``, summed over the rightmost ``event_ndims - forward_min_event_ndims`` dims.

        ``event_ndims`` defaults to ``forward_min_event_ndims``.
        """
        x = self._convert(x, "forward_log_det_jacobian")
        ev = self._event_ndims(event_ndims, self._forward_min_event_ndims, x, "forward_log_det_jacobian", "x")
        y, strong = self._from_x.get(x)
        if strong and hasattr(self, "_inverse_log_det_jacobian"):
            # x came out of inverse(y): the y side is the exact one
            return -self._ildj_reduced(y, self.forward_event_ndims(ev))
        return self._fldj_reduced(x, ev)

    def inverse_log_det_jacobian(self, y, event_ndims=None, name=None):
        """``log |det J_{f^{-1}}(y)|``, summed over the rightmost ``event_ndims - inverse_min_event_ndims`` dims."""
        y = self._convert(y, "inverse_log_det_jacobian")
        ev = self._event_ndims(event_ndims, self._inverse_min_event_ndims, y, "inverse_log_det_jacobian", "y")
        x, strong = self._from_y.get(y)
        if strong and hasattr(self, "_forward_log_det_jacobian"):
            # y came out of forward(x): compute from x, exact even where inverse(y) is not
            return -self._fldj_reduced(x, self.inverse_event_ndims(ev))
        return self._ildj_reduced(y, ev)

    def _fldj_reduced(self, x, ev):
        if hasattr(self, "_forward_log_det_jacobian"):
            return _reduce(self._forward_log_det_jacobian(x), x, self._forward_min_event_ndims, ev)
        if hasattr(self, "_inverse_log_det_jacobian"):
            return -self._ildj_reduced(self.forward(x), self.forward_event_ndims(ev))
        raise NotImplementedError(f"{type(self).__name__} implements no log-det-Jacobian")

    def _ildj_reduced(self, y, ev):
        if hasattr(self, "_inverse_log_det_jacobian"):
            return _reduce(self._inverse_log_det_jacobian(y), y, self._inverse_min_event_ndims, ev)
        if hasattr(self, "_forward_log_det_jacobian"):
            return -self._fldj_reduced(self.inverse(y), self.inverse_event_ndims(ev))
        raise NotImplementedError(f"{type(self).__name__} implements no log-det-Jacobian")

    # -- monotonicity (scalar maps; used for TransformedDistribution.cdf) -----------
    def _is_increasing(self):
        """True/False (or a boolean Tensor per batch member) for monotone scalar maps."""
        raise NotImplementedError(f"{type(self).__name__} is not a monotone scalar map")

    # -- composition ---------------------------------------------------------------
    def __call__(self, value, name=None):
        """On a distribution: the transformed distribution; on a bijector: the Chain ``self o value``;
        on a tensor: ``forward(value)``."""
        from ..distributions.distribution import Distribution  # circular import with distribution
        if isinstance(value, Distribution):
            from ..distributions.transformed_distribution import TransformedDistribution  # circular import with transformed_distribution
            return TransformedDistribution(distribution=value, bijector=self)
        if isinstance(value, Bijector):
            from .chain import Chain  # circular import with chain
            inner = list(value.bijectors) if type(value) is Chain else [value]
            return Chain([self] + inner)
        return self.forward(value)

    def __repr__(self):
        return _printing.bijector_repr(self)

    def __str__(self):
        return _printing.bijector_str(self)


def _reduce(ldj, t, min_event_ndims, event_ndims):
    """Sum an unreduced log-det over the ``event_ndims - min_event_ndims`` dims just left of the
    minimal event; a log-det that is constant over them (a scalar Scale) counts once per element."""
    ldj = like(ldj, t)
    k = event_ndims - min_event_ndims
    if k == 0:
        return ldj
    n = t.ndim - min_event_ndims
    part = t.shape[n - k:n]
    if ldj.shape[-k:] != part or ldj.ndim < k:
        ldj = ldj * wb.ones(part, dtype=ldj.dtype)
    return wb.reduce_sum(ldj, axis=list(range(-k, 0)))


def _variables(obj, seen):
    """Variables reachable from ``obj`` through containers, bijectors and parameter functions."""
    if id(obj) in seen:
        return
    seen.add(id(obj))
    if isinstance(obj, wb.Variable):
        yield obj
    elif isinstance(obj, Tensor):
        return
    elif isinstance(obj, dict):
        # tf.Module's order: attributes and dict entries by sorted key; a distribution's
        # `_parameters` (TFP does not track it) last, for variables held only there
        for k in sorted(obj, key=lambda k: (k == "_parameters", str(k))):
            yield from _variables(obj[k], seen)
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            yield from _variables(v, seen)
    elif isinstance(obj, Bijector):
        yield from _variables(obj.__dict__, seen)
    elif hasattr(obj, "_parameters") and isinstance(getattr(obj, "_parameters"), dict):
        # distributions: their parameters
        yield from _variables(vars(obj), seen)
    elif hasattr(obj, "trainable_variables") and not isinstance(obj, type):
        # each variable on its own: a temporary list would be freed after the walk passes it, and
        # a later temporary could reuse its id and be taken for seen
        for v in getattr(obj, "variables", obj.trainable_variables):
            yield from _variables(v, seen)


__all__ = ["Bijector"]
