"""ForwardAccumulator: forward-mode autodiff (JVPs), TF 2 semantics."""

from __future__ import annotations

from workbench import core, nest
from workbench.core import Tensor, convert_to_tensor
from workbench.sparse import IndexedSlices
from workbench.sparse.indexed_slices import convert_to_dense

from .tape import UnconnectedGradients, _unconnected_mode
from workbench.ops.shape import broadcast_to


class ForwardAccumulator(core.Listener):
    """Compute Jacobian-vector products alongside the forward computation.

    >>> x = wb.constant([1.0, 2.0])
    >>> with ForwardAccumulator(x, wb.constant([1.0, 0.0])) as acc:
    ...     y = x * x
    >>> acc.jvp(y).numpy()
    array([2., 0.], dtype=float32)

    Nest it inside or around a GradientTape for forward-over-reverse
    (Hessian-vector products) or reverse-over-forward.

    As TF's, the tangent of an op whose reverse rule is a gather (``segment_sum``,
    ``unsorted_segment_sum``, ``dynamic_stitch``, ``scatter_nd`` by rows) is an
    ``IndexedSlices``; an op that reads it takes its dense value.
    """

    kind = "acc"

    def __init__(self, primals, tangents):
        flat_p = nest.flatten(primals)
        flat_t = nest.flatten(tangents)
        if len(flat_p) != len(flat_t):
            raise ValueError(f"ForwardAccumulator: {len(flat_p)} primals but {len(flat_t)} tangents")
        self._tangents: dict[int, Tensor] = {}   # IndexedSlices where a rule gives one
        self._sparse = False                      # whether any tangent is IndexedSlices
        self._held: dict[int, Tensor] = {}   # the tangents of integer primals
        for i, (p, t) in enumerate(zip(flat_p, flat_t)):
            if not isinstance(p, Tensor):
                raise TypeError(f"ForwardAccumulator: primals[{i}] must be a tensor or variable, "
                                f"got {type(p).__name__}")
            t = convert_to_tensor(t, dtype_hint=p.dtype)
            if t.shape != p.shape:
                raise ValueError(f"ForwardAccumulator: tangents[{i}] has shape {t.shape}, "
                                 f"primals[{i}] has shape {p.shape}")
            if t.dtype != p.dtype:
                raise TypeError(f"ForwardAccumulator: tangents[{i}] has dtype {t.dtype}, "
                                f"primals[{i}] has dtype {p.dtype}")
            if not p._tid:
                p._tid = core.new_id()
            if p._data.dtype.kind not in "fcV":   # V: ml_dtypes' bfloat16, a float
                # TF: an integer primal's tangent is its own jvp, but reaches no op
                self._held[p._tid] = t
                continue
            self._tangents[p._tid] = t
        self._active = False

    def __enter__(self):
        core.push("acc", self)
        self._active = True
        return self

    def __exit__(self, *exc):
        core.pop("acc", self)
        self._active = False
        return False

    def on_op(self, op, args, params, res):
        """An op ran: push the tangents of its inputs through its JVP rule."""
        if not self._active:
            return
        tans = self._tangents
        ts = tuple([tans.get(a._tid) if a._tid else None for a in args])
        if op.jvp is None:
            return
        for t in ts:
            if t is not None:
                break
        else:
            return
        self._active = False
        try:
            if self._sparse:
                ts = tuple([convert_to_dense(t) if type(t) is IndexedSlices else t for t in ts])
            out = op.jvp(ts, res, *args, **params)
        finally:
            self._active = True
        if type(res) is tuple:
            for r, t in zip(res, out):
                self._store(r, t)
        else:
            self._store(res, out)

    def _store(self, r, t):
        if t is None or r._data.dtype.kind not in "fcV":   # V: ml_dtypes' bfloat16
            return
        if type(t) is IndexedSlices:
            self._sparse = True
        elif t._data.shape != r._data.shape:
            t = broadcast_to(t, r._data.shape)
        if not r._tid:
            r._tid = core.new_id()
        self._tangents[r._tid] = t

    def jvp(self, primals, unconnected_gradients=UnconnectedGradients.NONE):
        """The tangents of ``primals`` (a tensor or a structure), None (or zeros) when unconnected."""
        mode = _unconnected_mode(unconnected_gradients)

        def one(p):
            if isinstance(p, core.CompositeTensor):
                parts = [one(c) for c in p.components()]
                return p.from_components(parts) if all(x is not None for x in parts) else None
            t = None
            if p._tid:
                t = self._tangents.get(p._tid)
                if t is None:
                    t = self._held.get(p._tid)
            if t is None and mode is UnconnectedGradients.ZERO:
                t = core.wrap_constant(p.xp.zeros(p.shape, p.dtype))
            return t
        return nest.map_structure(one, primals)
