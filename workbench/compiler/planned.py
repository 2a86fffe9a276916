"""The planned reverse walk: a first-order ``tape.gradient`` inside a trace, as fixed steps."""

from __future__ import annotations

import numpy as np

from gradients.walk import ArrayRules, reverse_walk

from .. import core, nest
from ..core import Tensor, Variable
from ..ops.rules import ARRAYS
from .step import Step

__all__ = ["try_compile_gradient", "try_compile_jacobian"]


class _Slot:
    """A value of a planned reverse walk (a cotangent, or one rule's result), held from the
    step that computes it to the last step that reads it."""

    __slots__ = ("_data",)

    def __init__(self):
        self._data = None


def try_compile_gradient(records, ids, args, kwargs, result):
    try:
        return _compile_gradient(records, ids, args, kwargs, result)
    except Exception:  # noqa: BLE001 - any surprise: keep the tape's own walk
        return None


def _compile_gradient(records, ids, args, kwargs, result):
    """``tape.gradient`` as fixed steps over the traced records: the tape's reverse walk run
    once with :class:`_PlannedRules`, which runs the array rules on the trace's values and
    keeps each rule and each sum as one :class:`Step` (pure: they only compute); a replay runs them without the walk's
    bookkeeping. Returns None when the call is one the plan does not cover (composite
    sources, output gradients, zeros for unconnected sources), or when the planned walk does
    not reproduce the tape's result exactly. Otherwise ``(steps, slots, ends, state)``:
    ``slots`` hold this run's values until the program is built; ``ends`` pair the slots of
    the gradients with the tape's results; ``state`` is what the walk keeps between its
    steps (cleared by the last step)."""
    target, sources, output_gradients, mode = args
    if kwargs or output_gradients is not None or str(getattr(mode, "value", mode)).lower() != "none":
        return None
    targets = nest.flatten(target)
    flat_sources = nest.flatten(sources)
    if not all(map(_dense, targets + flat_sources)):
        return None
    rules = _PlannedRules()
    grads = reverse_walk(records, ids, targets, targets, flat_sources, rules)
    ends = [grads.get(s._tid) if s._tid else None for s in flat_sources]
    return _checked(rules, ends, result)


def try_compile_jacobian(records, ids, args, kwargs, result):
    try:
        return _compile_jacobian(records, ids, args, kwargs, result)
    except Exception:  # noqa: BLE001 - any surprise: keep the tape's own walk
        return None


def _compile_jacobian(records, ids, args, kwargs, result):
    """``tape.jacobian`` as fixed steps, as :func:`_compile_gradient` plans ``gradient``: one
    walk whose cotangents carry a leading dimension of the target's size, seeded with the
    identity, each source's rows reshaped to ``target.shape + source.shape`` at the end.
    Covers one chunk (``parallel_iterations`` None or at least the target's size) and
    sources the target reaches (None for the others, as the tape gives)."""
    target, sources, mode, parallel_iterations = args
    if kwargs or str(getattr(mode, "value", mode)).lower() != "none" or not _dense(target):
        return None
    m = target._data.size
    if parallel_iterations is not None and parallel_iterations < m:
        return None
    flat_sources = nest.flatten(sources)
    if not all(map(_dense, flat_sources)):
        return None
    rules = _PlannedRules(rows=m)
    grads = reverse_walk(records, ids, [target], [target], flat_sources, rules, lead=1)
    ends = []
    for s in flat_sources:
        rows = grads.get(s._tid) if s._tid else None
        if rows is None:
            ends.append(None)
            continue
        shape = target._data.shape + s._data.shape
        end = rules._slot()

        def reshape(rows=rows, end=end, shape=shape):
            end._data = rows._data.reshape(shape)
        rules._emit(reshape, "jacobian/reshape", [rows], [end])
        ends.append(end)
    return _checked(rules, ends, result)


def _owns_memory(a) -> bool:
    """Whether ``a`` is an array owning its memory (as the walk decides it: NumPy scalars are
    immutable, so no)."""
    return getattr(a, "base", 0) is None and not isinstance(a, np.generic)


def _dense(t) -> bool:
    """A plain tensor, or a variable of any class (a Keras variable too): one array each."""
    return type(t) is Tensor or isinstance(t, Variable)


def _checked(rules, ends, result):
    """The plan's ``(steps, slots, ends, state)`` when its values are the tape's result bit for
    bit (same presence, shape, dtype and values), else None."""
    expected = nest.flatten(result)
    if len(ends) != len(expected):
        return None
    for s, e in zip(ends, expected):
        g = None if s is None else s._data
        if (g is None) != (e is None):
            return None
        if g is not None and not (g.shape == e._data.shape and g.dtype == e._data.dtype
                                  and bool((g == e._data).all())):
            return None
    rules.owned.clear()
    rules.pins.clear()
    return (rules.steps, rules.slots, [(s, e) for s, e in zip(ends, expected) if e is not None],
            (rules.owned, rules.pins))


class _PlannedRules(ArrayRules):
    """The array rules of the reverse walk, run once on the trace's values while each seed,
    rule and sum is kept as a step over :class:`_Slot` holders (a new slot per partial sum).
    The steps share the walk's state: ``owned`` (arrays only the walk holds, summed in
    place) and ``pins`` (those arrays, kept alive until a rule takes them: a fused rule
    does not, and the id of a freed array could come back for a new one)."""

    def __init__(self, rows=None):
        super().__init__()
        self.rows = rows          # a jacobian's: cotangents lead with this many rows (else None)
        self.steps: list = []
        self.slots: list = []
        self.pins: dict = {}
        self.pending: list = []   # slots taken out of the walk's table since the last rule
        self.taken = self.pending.append

    def _slot(self):
        s = _Slot()
        self.slots.append(s)
        return s

    def _emit(self, fn, name, ins, outs, ew=None):
        fn()
        if self.rows is not None:   # fusion's rule and sum forms have no leading rows
            ew = None
        self.steps.append(Step.of(fn, name, ins, outs, pure=True, what=ew))

    def seed(self, pairs):
        grads, seeded = {}, []
        for t, _ in pairs:   # the plan covers seeds of ones (gradient) or the identity (jacobian)
            prev = grads.get(t._tid)
            grads[t._tid] = s = self._slot()
            seeded.append((s, prev, t.xp, t._data.shape, t._data.dtype))
        owned, pins, rows = self.owned, self.pins, self.rows

        def seed(seeded=tuple(seeded)):
            owned.clear()
            pins.clear()
            for s, prev, xp, shape, dtype in seeded:
                one = xp.ones(shape, dtype) if rows is None else xp.eye(rows, dtype=dtype).reshape((rows,) + shape)
                s._data = one if prev is None else prev._data + one
        self._emit(seed, "gradient", [p for _, p, *_ in seeded if p is not None], [s for s, *_ in seeded])
        return grads

    def rule(self, index, op, g, res, args, params, ids):
        multi = type(res) is tuple
        gin = g if multi else (g,)
        got = {k: self._slot() for k, a in enumerate(args) if a._tid in ids}
        taken = tuple(self.pending)
        self.pending.clear()
        owned, pins, array_rule = self.owned, self.pins, super().rule

        def rule(gin=gin, res=res, args=args, params=params, got=tuple(got.items())):
            for s in taken:
                owned.discard(id(s._data))
                pins.pop(id(s._data), None)
            garr = tuple(None if s is None else s._data for s in gin) if multi else gin[0]._data
            in_grads = array_rule(index, op, garr, res, args, params, ids)
            for k, s in got:
                s._data = in_grads[k]
        array_fn = op.rule
        if array_fn is not None and not multi and not params and len(args) == 2:
            # the walk's common case with what it decides per record decided here, once
            needs = tuple(a._tid in ids for a in args)

            def rule(g=gin[0], res=res, a=args[0], b=args[1], got=tuple(got.items())):
                for s in taken:
                    owned.discard(id(s._data))
                    pins.pop(id(s._data), None)
                in_grads = array_fn(ARRAYS, needs, g._data, res._data, a._data, b._data)
                for k, s in got:
                    s._data = in_grads[k]
        elif array_fn is not None and not multi and not params and len(args) == 1:
            needs = (args[0]._tid in ids,)

            def rule(g=gin[0], res=res, a=args[0], got=tuple(got.items())):
                for s in taken:
                    owned.discard(id(s._data))
                    pins.pop(id(s._data), None)
                in_grads = array_fn(ARRAYS, needs, g._data, res._data, a._data)
                for k, s in got:
                    s._data = in_grads[k]
        # a custom gradient's function may read any tensor of the forward pass
        self._emit(rule, f"gradient/{op.name}", None if op.fwd is None else
                   [s for s in gin if s is not None] + list(args) + (list(res) if multi else [res]),
                   got.values(), ("vjp", op, gin, res, args, params, got))
        return [None if s is None or s._data is None else s for s in (got.get(k) for k in range(len(args)))]

    def add(self, grads, tid, prev, ga, g, op, shape, lead):
        grads[tid] = total = self._slot()
        g = None if type(g) is tuple else g
        owned, pins, array_add = self.owned, self.pins, super().add

        def acc(prev=prev, ga=ga, total=total, g=g):
            box = {0: None if prev is None else prev._data}
            x = ga._data
            if x is not None:
                array_add(box, 0, box[0], x, None if g is None else g._data, op, shape, lead)
                if id(box[0]) in owned:
                    pins[id(box[0])] = box[0]
            total._data = box[0]
        if prev is None:
            # the first addend (most sums: each source's only one) is the sum: the walk's own
            # ``add`` only where it must reduce a broadcast; else its bookkeeping of buffers it
            # may sum into in place later (a rule's new buffer is owned, unless it reached
            # another place already)
            rule_made = op.rule is not None

            def acc(ga=ga, total=total, g=g):
                x = ga._data
                if x is not None:
                    if shape is not None and x.shape[lead:] != shape:
                        box = {0: None}
                        array_add(box, 0, None, x, None if g is None else g._data, op, shape, lead)
                        x = box[0]
                    elif rule_made and (g is None or x is not g._data) and (
                            x.base is None if type(x) is np.ndarray else _owns_memory(x)):
                        if id(x) in owned:
                            owned.discard(id(x))
                        else:
                            owned.add(id(x))
                    if id(x) in owned:
                        pins[id(x)] = x
                total._data = x
        self._emit(acc, "gradient/sum", [s for s in (prev, ga, g) if s is not None], [total],
                   ("sum", prev, ga, total, shape))

    def result(self, grads):
        return grads

    def listen(self, listener, sources, order):
        """Final gradients as steps: one that asks ``listener`` for this run's callback, and one
        per source that hands it the source's slot. Steps with effects, kept in place, and not
        run now: the tape's own walk already told the listener in this trace."""
        if self.rows is not None or listener(sources, order) is None:
            return None
        box = [None]

        def begin(sources=tuple(sources), order=tuple(order)):
            box[0] = listener(list(sources), list(order))
        self.steps.append(Step.of(begin, "gradient/listen", ()))

        def final(k, slot):
            def hand(k=k, slot=slot):
                if box[0] is not None:   # None: the listener declined this run
                    box[0](k, None if slot is None else slot._data)
            self.steps.append(Step.of(hand, "gradient/final", () if slot is None else (slot,)))
        return final
