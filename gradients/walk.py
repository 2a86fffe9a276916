"""The reverse walk: one loop over a tape's records, run by an interpreter of the rules.

Every reverse-mode computation in the project is this walk: ``GradientTape.gradient``,
``jacobian`` and ``batch_jacobian`` run it with :class:`TensorRules` (rules on Tensors, so
a surrounding tape records them: higher order) or with :class:`ArrayRules` (rules on raw
arrays, sums in place: first order, when nothing watches), and ``wb.function`` runs it once
with a recording interpreter (a subclass of :class:`ArrayRules`) that keeps every rule and
sum as a step of its program.

A record is ``(op, args, params, res)``: the op, its input tensors, its parameters and its
result (a tuple for several). An interpreter says what a cotangent *is* (a Tensor, an array,
a slot of a program) and provides:

``seed(pairs)``
    the starting cotangents, ``{tid: value}``, from ``(target, seed tensor)`` pairs;
``taken(value)``
    a cotangent leaves the walk's table (its result's rule is about to run);
``rule(index, op, g, res, args, params, ids)``
    the input cotangents of one record given its output cotangent ``g`` (a tuple for
    several outputs): a sequence with None where an input gets nothing; only the inputs
    whose id is in ``ids`` (the watched tensors) are used;
``add(grads, tid, prev, ga, g, op, shape, lead)``
    put input cotangent ``ga`` into ``grads[tid]`` (holding ``prev``, or nothing), summed
    back to ``shape`` over broadcast dimensions when ``shape`` is not None;
``result(grads)``
    the walk's answer, ``{tid: Tensor}`` (or whatever the interpreter hands out).

A source read through a row gather (``gather`` on axis 0, embedding lookups) may keep its
cotangent as rows (TF's ``IndexedSlices``); the array and tensor interpreters provide
``rows(g, indices)``, ``densify(rows)`` and ``slices(rows)`` for that (see ``reverse_walk``).
"""

from __future__ import annotations

import contextlib
import threading

import numpy as np

from workbench import backend, core
from workbench.ops import segment_kernels
from workbench.ops.indexing import ROW_GATHERS, sum_rows_into
from workbench.ops.rules import ARRAYS, TENSORS
from workbench.ops.shape import IDENTITY_OP, concat, reshape
from workbench.sparse import IndexedSlices

__all__ = ["ArrayRules", "TensorRules", "listening", "reverse_walk"]

_ROWS_OR_IDENTITY = ROW_GATHERS | {IDENTITY_OP}   # records the inline path leaves to the full one


@core.quiet   # no NumPy floating-point warnings from the rules (TF's gradients are silent)
def reverse_walk(records, ids, targets, seeds, sources, rules, lead=0, free=False, sparse=(),
                 conjugate=False):
    """Propagate ``seeds`` (cotangents of ``targets``) back through ``records`` to ``sources``.

    ``ids``: the ids of the tensors the tape watches (only they receive cotangents);
    ``lead``: leading dimensions of every cotangent that are not the value's (a jacobian's
    rows); ``free``: drop each record once its rule ran (a non-persistent tape);
    ``sparse``: ids of sources whose cotangent from a row gather
    (``ROW_GATHERS``) is kept as rows and handed out as ``IndexedSlices`` (TF's sparse
    gradient); summed with a dense cotangent it becomes dense.
    Returns ``rules.result(grads)``, ``grads`` mapping a tensor id to its gradient.
    ``conjugate``: complex tensors take part (see :class:`_Conjugating`).

    While a listener of :func:`listening` is active on this thread, a gradient walk (not a
    jacobian's) tells it each source's gradient as soon as that gradient is final (see there).
    """
    if conjugate:
        rules = _Conjugating(rules)
    grads = rules.seed([(t, s) for t, s in zip(targets, seeds) if t._tid and t._tid in ids])
    keep = {s._tid for s in sources}
    listener = _listening.current
    if listener is None or lead:
        kept_rows = _walk(records, len(records), 0, grads, keep, ids, rules, lead, free, sparse)
    else:
        kept_rows = _walk_telling(listener, records, grads, keep, ids, sources, rules, free, sparse)
    if not kept_rows:
        return rules.result(grads)
    slices = {tid: grads.pop(tid) for tid in [t for t, v in grads.items() if type(v) is _Rows]}
    out = rules.result(grads)
    for tid, rows in slices.items():
        out[tid] = rules.slices(rows)
    return out


def _walk(records, hi, lo, grads, keep, ids, rules, lead, free, sparse):
    """The walk over ``records[lo:hi]``, last first: each record's rule, its input cotangents
    summed into ``grads``. Returns whether it kept a cotangent as rows (``sparse``).

    With :class:`ArrayRules` itself (not an interpreter that keeps steps) a record of one
    result whose op has an array rule (most records) runs inline: its rule is called
    directly, and an input's first cotangent goes straight into ``grads`` with the
    bookkeeping ``ArrayRules.add`` would do (the same arrays, summed in the same order)."""
    taken, rule_of, add = rules.taken, rules.rule, rules.add
    direct = type(rules) is ArrayRules
    if direct:
        owned = rules.owned
        discard = owned.discard
    gathers = ROW_GATHERS if sparse else ()
    inline_not = _ROWS_OR_IDENTITY if sparse else ()
    get = grads.get
    kept_rows = False
    for i in range(hi - 1, lo - 1, -1):
        if not grads:
            break
        rec = records[i]
        if rec is None:
            continue
        op, args, params, res = rec
        rule = op.rule
        if direct and rule is not None and type(res) is not tuple and op not in inline_not:
            tid = res._tid
            g = get(tid)
            if g is None:
                continue
            if tid not in keep:
                del grads[tid]
            discard(id(g))   # taken: no longer the walk's to sum into
            n = len(args)
            if n == 2:
                a, b = args
                needs = (a._tid in ids, b._tid in ids)
                if params:
                    in_grads = rule(ARRAYS, needs, g, res._data, a._data, b._data, **params)
                else:
                    in_grads = rule(ARRAYS, needs, g, res._data, a._data, b._data)
            elif n == 1:
                a = args[0]
                needs = (a._tid in ids,)
                if params:
                    in_grads = rule(ARRAYS, needs, g, res._data, a._data, **params)
                else:
                    in_grads = rule(ARRAYS, needs, g, res._data, a._data)
            else:
                needs = tuple([a._tid in ids for a in args])
                in_grads = rule(ARRAYS, needs, g, res._data, *[a._data for a in args], **params)
            broadcasts = op.broadcasts
            for a, need, ga in zip(args, needs, in_grads):
                if not need or ga is None:
                    continue
                t = a._tid
                prev = get(t)
                if prev is None and (not broadcasts or ga.shape[lead:] == a._data.shape):
                    grads[t] = ga
                    if ga is not g and (ga.base is None if type(ga) is np.ndarray else _new_buffer(ga)):
                        if id(ga) in owned:  # the same array reached two places: shared now
                            discard(id(ga))
                        else:
                            owned.add(id(ga))
                    continue
                if type(prev) is _Rows:
                    prev = grads[t] = rules.densify(prev)
                add(grads, t, prev, ga, g, op, a._data.shape if broadcasts else None, lead)
            if free:
                records[i] = None
            continue
        g = _take_cotangent(res, grads, keep, taken)
        if g is None:
            continue
        if type(g) is _Rows:   # an identity of a source (in ``sparse``): the rows pass through
            tid = args[0]._tid
            prev = grads.get(tid)
            if prev is None:
                grads[tid] = g
            elif type(prev) is _Rows:
                prev.pieces[:0] = g.pieces
            else:
                add(grads, tid, prev, rules.densify(g), None, op, None, lead)
            if free:
                records[i] = None
            continue
        if op in gathers and args[0]._tid in sparse:
            tid = args[0]._tid
            kept_rows = True
            rows = _Rows(args[0]._data.shape, [rules.rows(g, args[1])])
            prev = grads.get(tid)
            if prev is None:
                grads[tid] = rows
            elif type(prev) is _Rows:
                # the walk meets the gathers last first: in front, so the rows come in the order
                # the gathers were made (TF's order for a sum of them: y = f(gather(v, a)) + g(gather(v, b)))
                prev.pieces[:0] = rows.pieces
            else:
                add(grads, tid, prev, rules.densify(rows), g, op, None, lead)
        else:
            in_grads = rule_of(i, op, g, res, args, params, ids)
            for a, ga in zip(args, in_grads):
                if ga is not None and a._tid and a._tid in ids:
                    prev = grads.get(a._tid)
                    if type(prev) is _Rows:
                        prev = grads[a._tid] = rules.densify(prev)
                    add(grads, a._tid, prev, ga, g, op,
                        a._data.shape if op.broadcasts else None, lead)
        if free:
            records[i] = None
    return kept_rows


# -- complex tensors ----------------------------------------------------------------------------

# ops whose rules give TF's complex gradients as written (not holomorphic, or real in and out)
# (TF's xlogy, xdivy, xlog1py, cumprod and segment prod rules do not conjugate; the FFTs' rules
# are adjoints; matrix_solve's and eig's are TF's, written with adjoints)
COMPLEX_AS_WRITTEN = frozenset({"real", "imag", "angle", "conj", "complex", "abs", "cast",
                                "squared_difference", "sign", "xlogy", "xdivy", "xlog1py", "cumprod",
                                "segment_prod",
                                "matrix_solve", "eig", "reduce_euclidean_norm", "slogdet",
                                "matrix_determinant", "triangular_solve", "cholesky", "eigh", "svd", "qr",
                                "fft", "ifft", "fft2d", "ifft2d", "fft3d", "ifft3d",
                                "rfft", "rfft_adjoint", "irfft", "irfft_adjoint"})


class _Conjugating:
    """An interpreter's rules in TF's convention for complex values: a holomorphic op's rule,
    written as ``g * f'(z)`` (the transpose), gives ``conj(rule(conj(g)))`` = ``g * conj(f'(z))``
    where its result or an input is complex; real records and the ops of
    ``COMPLEX_AS_WRITTEN`` run as they are. Not the inline path of :func:`_walk` (this is not an
    ``ArrayRules``): every record goes through ``rule``."""

    def __init__(self, inner):
        self.inner = inner

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def rule(self, index, op, g, res, args, params, ids):
        rule = self.inner.rule
        if op.name in COMPLEX_AS_WRITTEN or not (
                any(r._data.dtype.kind == "c" for r in (res if type(res) is tuple else (res,)))
                or any(a._data.dtype.kind == "c" for a in args)):
            return rule(index, op, g, res, args, params, ids)
        g = tuple(_conj(x) for x in g) if type(g) is tuple else _conj(g)
        return [_conj(x) for x in rule(index, op, g, res, args, params, ids)]


def _conj(x):
    """The conjugate of a cotangent (an array or a Tensor), None as None."""
    if x is None:
        return x
    if isinstance(x, core.Tensor):
        if x._data.dtype.kind != "c":
            return x
        from workbench.ops.tf_extra import conj   # the op (differentiable), for the walk on Tensors
        return conj(x)
    return backend.xp_of(x).conj(x) if x.dtype.kind == "c" else x


# -- telling a listener which gradients are final ---------------------------------------------

class _Listening(threading.local):
    current = None   # the listener of this thread


_listening = _Listening()


@contextlib.contextmanager
def listening(listener):
    """While the block runs on this thread, every gradient walk tells ``listener`` (None: no
    one) when each source's gradient is final, so its user can start on it (a data-parallel
    strategy starts summing it across processes) while the rest of the walk runs.

    The walk calls ``listener(sources, order)`` once before it starts: ``sources`` is the
    walk's list of source tensors, ``order`` their positions in the order their gradients
    become final (a source's gradient is final once the walk has passed the earliest record
    that reads it: last first use, first final; sources read nowhere first). It returns None
    (not interested) or ``final(k, value)``, which the walk then calls once for each
    position ``k`` of ``order``, in that order, as soon as ``sources[k]``'s gradient is
    final: ``value`` is the gradient as the walk holds it (an array in a first-order walk, a
    Tensor in one made of ops), None when nothing reached the source. A source whose gradient
    is kept as rows (``sparse``) is not told. ``wb.function``'s planned walk calls the
    listener once when traced and again at every replay, and ``final`` as steps."""
    prev = _listening.current
    _listening.current = listener
    try:
        yield listener
    finally:
        _listening.current = prev


def _walk_telling(listener, records, grads, keep, ids, sources, rules, free, sparse):
    """The walk in pieces: each piece ends at the first use of some sources, whose gradients
    are then final and handed to ``listener``'s callback."""
    tids = [s._tid for s in sources]
    wanted = {t for t in tids if t}
    first = {}
    for i, rec in enumerate(records):
        if len(first) == len(wanted):
            break
        if rec is not None:
            for a in rec[1]:
                t = a._tid
                if t in wanted and t not in first:
                    first[t] = i
    end = len(records)
    at = [first.get(t, end) for t in tids]
    order = sorted(range(len(sources)), key=lambda k: (-at[k], k))
    final = rules.listen(listener, sources, order)
    if final is None:
        return _walk(records, end, 0, grads, keep, ids, rules, 0, free, sparse)
    hi, j = end, 0
    kept_rows = False
    while j < len(order):
        lo = at[order[j]]
        kept_rows |= _walk(records, hi, lo, grads, keep, ids, rules, 0, free, sparse)
        hi = lo
        while j < len(order) and at[order[j]] == lo:
            k = order[j]
            value = grads.get(tids[k]) if tids[k] else None
            if type(value) is not _Rows:
                final(k, value)
            j += 1
    return _walk(records, hi, 0, grads, keep, ids, rules, 0, free, sparse) or kept_rows


class _Rows:
    """A cotangent kept as rows: ``pieces`` of ``(values, indices)`` (the interpreter's values),
    rows of a tensor of ``shape``."""

    __slots__ = ("shape", "pieces")

    def __init__(self, shape, pieces):
        self.shape = shape
        self.pieces = pieces


def _take_cotangent(res, grads, keep, taken):
    """The cotangent of a record's result (a tuple for several results), taken out of ``grads``
    unless it belongs to a source; None when nothing reached it. A source's stays, but is
    ``taken`` all the same: the rule may hand the very array on to an input, where it must not
    be summed into in place."""
    if type(res) is tuple:
        g = tuple(grads.get(r._tid) for r in res)
        if all(x is None for x in g):
            return None
        for r in res:
            if r._tid in grads:
                taken(grads[r._tid] if r._tid in keep else grads.pop(r._tid))
        return g
    tid = res._tid
    g = grads.get(tid)
    if g is not None:
        if tid not in keep:
            del grads[tid]
        taken(g)
    return g


class TensorRules:
    """Rules on Tensors: each rule and sum is made of ops, which the tapes that are recording
    see (higher-order gradients), and ``check_numerics`` names the forward op a NaN came from.

    ``frames``: ``{record index: the user's line}`` for the records that have one."""

    def __init__(self, frames=None):
        self.frames = frames

    def seed(self, pairs):
        grads = {}
        for t, s in pairs:
            prev = grads.get(t._tid)
            grads[t._tid] = s if prev is None else prev + s
        return grads

    def taken(self, value):
        pass

    def rule(self, index, op, g, res, args, params, ids):
        context = _BackwardContext(op, self.frames.get(index)) if self.frames else None
        if context is None:
            rule = op.rule
            if rule is not None:   # op.vjp's body (``rules.tensor_vjp``) without its call
                return rule(TENSORS, tuple([bool(a._tid) for a in args]), g, res, *args, **params)
            return op.vjp(g, res, *args, **params)
        core.push("obs", context)
        try:
            return op.vjp(g, res, *args, **params)
        finally:
            core.pop("obs", context)

    def add(self, grads, tid, prev, ga, g, op, shape, lead):
        if shape is not None and ga._data.shape[lead:] != shape:
            ga = core.unbroadcast(ga, shape, lead)
        grads[tid] = ga if prev is None else prev + ga

    def result(self, grads):
        return grads

    def listen(self, listener, sources, order):
        """The callback the walk hands final gradients to (see :func:`listening`), or None."""
        return listener(sources, order)

    def rows(self, g, indices):
        """``(values, indices)`` of a row gather's cotangent ``g`` (ops: higher order)."""
        k = indices.size
        return reshape(g, (k,) + tuple(g.shape[indices.ndim:])), reshape(indices, (k,))

    def densify(self, rows):
        values, indices = _joined(rows.pieces, concat)
        return sum_rows_into(values, indices, rows.shape[0])

    def slices(self, rows):
        values, indices = _joined(rows.pieces, concat)
        return IndexedSlices(values, indices, _shape_tensor(rows.shape, values.xp))


def _joined(pieces, join):
    if len(pieces) == 1:
        return pieces[0]
    return join([v for v, _ in pieces], 0), join([i for _, i in pieces], 0)


def _shape_tensor(shape, xp):
    return core.wrap_constant(xp.asarray(np.asarray(shape, dtype=np.int32)))  # TF's dtype


class _BackwardContext(core.Listener):
    """While a rule runs in the backward pass: names the forward op for check_numerics."""

    def __init__(self, op, frame):
        self.op = op
        self.frame = frame


class ArrayRules:
    """Rules on raw arrays, for a walk nothing records (first-order gradients).

    An op's ``rule`` runs on the arrays (``workbench.ops.rules.ARRAYS``); an op with only a
    ``vjp`` runs it on wrapped arrays. Gradients are summed in place into arrays that only
    this walk holds (``owned``: ids of arrays it created), which saves a full-size temporary
    per sum."""

    def __init__(self):
        self.owned: set = set()
        discard = self.owned.discard
        self.taken = lambda value: discard(id(value))  # a taken cotangent is no longer owned

    def seed(self, pairs):
        grads = {}
        for t, s in pairs:
            prev = grads.get(t._tid)
            grads[t._tid] = s._data if prev is None else prev + s._data
        return grads

    def rule(self, index, op, g, res, args, params, ids):
        rule = op.rule
        if rule is not None:
            ans = tuple([r._data for r in res]) if type(res) is tuple else res._data
            if not params:  # the common cases, spelled out: this runs once per record
                if len(args) == 2:
                    a, b = args
                    return rule(ARRAYS, (a._tid in ids, b._tid in ids), g, ans, a._data, b._data)
                if len(args) == 1:
                    return rule(ARRAYS, (args[0]._tid in ids,), g, ans, args[0]._data)
            return rule(ARRAYS, tuple([a._tid in ids for a in args]), g, ans, *[a._data for a in args],
                        **params)
        wrap = core.wrap
        gt = tuple(None if x is None else wrap(x) for x in g) if type(g) is tuple else wrap(g)
        return [None if x is None else x._data for x in op.vjp(gt, res, *args, **params)]

    def add(self, grads, tid, prev, ga, g, op, shape, lead):
        """``ga`` into ``grads[tid]``; a rule's result is owned when it is a new buffer (not
        ``g`` itself nor a view: rules never return an input's or the result's array), and an
        owned sum takes the next one in place."""
        owned = self.owned
        fresh = op.rule is not None and ga is not g and (
            ga.base is None if type(ga) is np.ndarray else _new_buffer(ga))
        if shape is not None and ga.shape[lead:] != shape:
            ga = _sum_to(ga, shape, lead)
            fresh = _new_buffer(ga)
        if prev is None:
            grads[tid] = ga
            if fresh:
                if id(ga) in owned:  # the same array reached two places: shared now
                    owned.discard(id(ga))
                else:
                    owned.add(id(ga))
        elif id(prev) in owned:
            prev += ga
        else:
            total = ARRAYS.add(prev, ga)
            grads[tid] = total
            if _new_buffer(total):
                owned.add(id(total))

    def result(self, grads):
        wrap = core.wrap
        return {tid: wrap(arr) for tid, arr in grads.items()}

    listen = TensorRules.listen

    def rows(self, g, indices):
        """``(values, indices)`` arrays of a row gather's cotangent ``g``."""
        k = indices.size
        return g.reshape((k,) + g.shape[indices.ndim:]), indices._data.reshape(k)

    def densify(self, rows):
        """The dense array: the rows' segment sum (the sum a dense gather rule computes)."""
        values, indices = _joined(rows.pieces, _concat_arrays)
        n, inner = rows.shape[0], rows.shape[1:]
        k = values.shape[0]
        xp = backend.xp_of(values)
        flat = values.reshape(k) if _size(inner) == 1 else values.reshape(k, _size(inner))
        return segment_kernels.segment_reduce(xp, "sum", flat, indices, n, sorted=False).reshape(rows.shape)

    def slices(self, rows):
        values, indices = _joined(rows.pieces, _concat_arrays)
        xp = backend.xp_of(values)
        return IndexedSlices(core.wrap(values), core.wrap(indices), _shape_tensor(rows.shape, xp))


def _concat_arrays(arrays, axis):
    return backend.xp_of(arrays[0]).concatenate(arrays, axis=axis)


def _size(shape):
    out = 1
    for s in shape:
        out *= int(s)
    return out


def _new_buffer(a):
    """Whether ``a`` is an array owning its memory (NumPy scalars are immutable: no)."""
    return getattr(a, "base", 0) is None and not isinstance(a, np.generic)


def _sum_to(g, shape, lead):
    """Sum an array of shape ``batch + broadcast(shape, ...)`` back to ``batch + shape``."""
    gshape = g.shape
    extra = len(gshape) - lead - len(shape)
    axes = tuple(range(lead, lead + extra)) + tuple(
        lead + extra + i for i, s in enumerate(shape) if s == 1 and gshape[lead + extra + i] != 1)
    if axes:
        g = g.sum(axis=axes)
    target = gshape[:lead] + tuple(shape)
    return g.reshape(target) if g.shape != target else g
