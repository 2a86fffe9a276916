"""``wb.cond`` and ``wb.while_loop`` inside a ``wb.function`` trace: one step that chooses.

The tracer records the ops one eager run takes, so a branch or a loop count read from a
tensor would be fixed by the trace. Here, while a trace runs, ``cond`` records both
branches (as TF traces both) and ``while_loop`` records ``cond`` and ``body`` once each, as
lists of steps; the program gets one step that evaluates the predicate on each replay and
runs the chosen steps (or the body's steps while the predicate holds). The trace still
returns the eager values: the taken branch, the first iteration, run for real; the other
branch (or the body of a loop that does not start) is traced "dry": its stateful calls run,
and the variables they write (those given, and those their objects hold: an optimizer's
slots and step count) get their values back afterwards; its ``wb.print`` calls
print only on replays.

A trace that records a tape (a ``GradientTape`` or ``ForwardAccumulator`` active inside the
function) through such control flow runs eagerly instead (the tape's reverse walk over a
program's records is straight-line).
"""

from __future__ import annotations

import functools

from .. import backend, core, nest
from .. import random as wbrandom
from ..core import Tensor, Variable
from ..ops import control_flow
from .trace import Tracer, hold, tensor_leaves

__all__ = ["install"]


def _watched():
    return any(getattr(t, "recording", True) for t in core.tapes()) or bool(core._state.accumulators)


def _fresh(data):
    """A new traced value holding ``data`` (a view: the tracer keys values by their array)."""
    t = Tensor.__new__(Tensor)
    t._data = data.view() if hasattr(data, "view") else data
    t._tid = 0
    return t


def _is_print(fn):
    """A call that only prints (``wb.print``)."""
    return getattr(fn, "__qualname__", "") == "_print_now" and getattr(fn, "__module__", "") == "workbench.eager"


class _Recording:
    """Steps recorded into a list of their own; ``dry``: the code runs only to be traced."""

    def __init__(self, tracer, dry):
        self.tracer, self.dry = tracer, dry
        self.steps: list = []
        self._saved: dict = {}

    def __enter__(self):
        tr = self.tracer
        self._outer, self._var_values = tr.steps, dict(tr.var_values)
        tr.steps = self.steps
        # a branch or loop body is a graph of its own for random ops (op seeds from 0 under the
        # caller's seed, as TF); a dry run (a branch traced but not taken) advances no stream
        self._graph = wbrandom.function_graph(undo=self.dry)
        self._graph.__enter__()
        if self.dry:
            self._had = "on_effect" in tr.__dict__
            self._prev = tr.on_effect
            tr.on_effect = self._dry_effect
            # the variables the branch writes or makes (Tracer.save): put back on exit
            self._undoes, self._outer_saved = tr.undoes, tr.saved
            tr.undoes, tr.saved = True, self._saved
        return self

    def _dry_effect(self, fn, args, kwargs):
        if _is_print(fn):   # recorded for the replays; not printed by this dry run
            fn = _FromSecondCall(fn)
        return self._prev(fn, args, kwargs)

    def __exit__(self, *exc):
        tr = self.tracer
        tr.steps = self._outer
        tr.var_values = self._var_values   # positions in the outer program only (fusion reads them)
        if self.dry:
            if self._had:
                tr.on_effect = self._prev
            else:
                del tr.on_effect
            tr.undoes, tr.saved = self._undoes, self._outer_saved
            for v, buf, value in self._saved.values():
                if buf.shape == value.shape:
                    backend.xp_of(buf).copyto(buf, value)
                v._data = buf if buf.shape == value.shape else value
                tr._refresh(v)
        self._graph.__exit__(*exc)
        return False

    def calls(self):
        return [s.compute for s in self.steps]


class _FromSecondCall:
    """``fn`` that does nothing on its first call (the dry trace) and runs on later ones."""

    def __init__(self, fn):
        functools.update_wrapper(self, fn)
        self._fn, self._first = fn, True

    def __call__(self, *args, **kwargs):
        if self._first:
            self._first = False
            return None
        return self._fn(*args, **kwargs)


def _outer_reads(recordings, extra):
    """The holders the recorded steps read that they do not write (None where a step's reads
    are not known), and every holder they write."""
    reads, writes, written = {id(t): t for t in extra}, {}, set()
    for rec in recordings:
        for step in rec.steps:
            if step.reads is None:
                reads = None
            elif reads is not None:
                for h in step.reads:
                    if id(h) not in written:
                        reads[id(h)] = h
            for h in step.writes:
                written.add(id(h))
                writes[id(h)] = h
    return (None if reads is None else list(reads.values())), list(writes.values())


def _truth(data):
    return bool(data) if not hasattr(data, "get") else bool(data.get())   # a CuPy scalar: one read


def _leaves(value, where):
    """``value``'s leaves as tensors (None stays None, composite values and TensorArrays as
    they are)."""
    return [v if v is None or control_flow._is_composite(v) else control_flow._to_tensor(v, where)
            for v in nest.flatten(value)]


def stage_cond(tracer, pred, true_fn, false_fn):
    if not isinstance(tracer, Tracer) or not tracer._resolve(pred, "wb.cond"):
        return NotImplemented   # a predicate fixed for every call: the eager choice is the program's
    if _watched():
        tracer._unreplayable(f"a tape records through wb.cond on a computed predicate (at "
                             f"{core.user_frame()}); the function runs eagerly")
        return NotImplemented
    take = _truth(pred._data)
    with _Recording(tracer, dry=not take) as t_rec:
        t_out = true_fn()
        t_flat = _leaves(t_out, "cond: true_fn's result")
    with _Recording(tracer, dry=take) as f_rec:
        f_out = false_fn()
        f_flat = _leaves(f_out, "cond: false_fn's result")
    if control_flow._signature(t_out) != control_flow._signature(f_out) or len(t_flat) != len(f_flat):
        raise ValueError("cond: true_fn and false_fn must return the same structure; true_fn returned "
                         f"{control_flow._describe(t_out)}, false_fn {control_flow._describe(f_out)}")
    layout, t_comps, f_comps = [], [], []
    for i, (a, b) in enumerate(zip(t_flat, f_flat)):
        if (a is None) != (b is None):
            raise ValueError(f"cond: output {i} is None in one branch only")
        if a is not None and a.dtype != b.dtype:
            raise TypeError(f"cond: output {i} has dtype {a.dtype} in true_fn, but dtype {b.dtype} in "
                            "false_fn; the branches must return the same dtypes")
        if a is None:
            layout.append("none")
        elif isinstance(a, Tensor) and isinstance(b, Tensor):
            layout.append(None)
            t_comps.append(a)
            f_comps.append(b)
        elif (isinstance(a, core.CompositeTensor) and type(a) is type(b) and _same_structure(a, b)):
            ta, fb = list(a.components()), list(b.components())
            layout.append((a if take else b, len(ta)))
            t_comps.extend(ta)
            f_comps.extend(fb)
        else:   # values a traced cond cannot choose between (other structures, TensorArrays)
            tracer._unreplayable(f"the branches of wb.cond return {type(a).__name__} values a traced "
                                 f"cond cannot choose between (at {core.user_frame()}); the function "
                                 "runs eagerly")
            return t_out if take else f_out
    chosen = t_comps if take else f_comps
    outs = [_fresh(c._data) for c in chosen]
    pairs_t = list(zip(outs, t_comps))
    pairs_f = list(zip(outs, f_comps))
    t_calls, f_calls = t_rec.calls(), f_rec.calls()

    def run(pred=pred):
        if _truth(pred._data):
            calls, pairs = t_calls, pairs_t
        else:
            calls, pairs = f_calls, pairs_f
        for c in calls:
            c()
        for o, s in pairs:
            o._data = s._data
    produced = outs
    reads, writes = _outer_reads([t_rec, f_rec], [pred] + [s for _, s in pairs_t + pairs_f])
    tracer._add(run, "cond", reads, writes + produced)
    tracer.events.append(("cond", tuple(r for r in (reads or [pred]) if isinstance(r, Tensor)),
                          tuple(produced), None))
    for o in produced:
        tracer._produced(o)
    leaves, k = [], 0
    for item in layout:
        if item == "none":
            leaves.append(None)
        elif item is None:
            leaves.append(outs[k])
            k += 1
        else:
            like, n = item
            leaves.append(like.from_components(outs[k:k + n]))
            k += n
    like = t_out if take else f_out
    return nest.pack_sequence_as(like, leaves) if nest.is_nested(like) else leaves[0]


def _components(flat):
    """The tensors that hold ``flat``'s values (a composite value's components), and per leaf
    None (a tensor) or the composite value and its number of components; None where a leaf
    is neither (a TensorArray)."""
    comps, layout = [], []
    for t in flat:
        if isinstance(t, Tensor):
            comps.append(t)
            layout.append(None)
        elif isinstance(t, core.CompositeTensor):
            parts = list(t.components())
            comps.extend(parts)
            layout.append((t, len(parts)))
        else:
            return None, None
    return comps, layout


def _rebuild(layout, comps):
    out, k = [], 0
    for item in layout:
        if item is None:
            out.append(comps[k])
            k += 1
        else:
            like, n = item
            out.append(like.from_components(list(comps[k:k + n])))
            k += n
    return out


def _same_structure(a, b):
    try:
        return bool(a.structure_key() == b.structure_key())
    except Exception:  # noqa: BLE001 - a key that does not compare: not provably the same
        return False


def stage_while(tracer, cond, body, structure, flat, conform, maximum_iterations):
    """``flat``: the initial values (tensors, composite values); ``conform(out)``: the body's
    result checked and flattened; returns the final values, flat, or NotImplemented (run
    eagerly). A composite value is carried as its components, and must keep its structure
    (a RaggedTensor its row partition) from one iteration to the next."""
    if not isinstance(tracer, Tracer):
        return NotImplemented
    if _watched():
        tracer._unreplayable(f"a tape records through wb.while_loop (at {core.user_frame()}); the "
                             "function runs eagerly")
        return NotImplemented
    init_comps, layout = _components(flat)
    if init_comps is None:
        kind = next(type(t).__name__ for t in flat if not isinstance(t, (Tensor, core.CompositeTensor)))
        tracer._unreplayable(f"wb.while_loop carries a {kind} (at {core.user_frame()}), which a traced "
                             "loop cannot; the function runs eagerly")
        return NotImplemented
    for t in init_comps:
        tracer._resolve(t, "wb.while_loop")
    loop = [_fresh(t._data) for t in init_comps]
    for v in loop:
        tracer._produced(v)

    def pack(comps):
        return nest.pack_sequence_as(structure, _rebuild(layout, comps))
    with _Recording(tracer, dry=False) as c_rec:
        pred = cond(*pack(loop))
        if not isinstance(pred, (bool, Tensor)) and type(pred).__name__ != "bool_":
            raise TypeError(f"while_loop: cond must return a bool or a scalar bool tensor, got "
                            f"{type(pred).__name__}")
        pred = control_flow._to_tensor(pred, "while_loop: cond's result")
        control_flow._truth(pred, "while_loop: the value returned by cond")   # checks dtype and rank
    first = _truth(pred._data) and (maximum_iterations is None or maximum_iterations > 0)
    with _Recording(tracer, dry=not first) as b_rec:
        new_flat = conform(body(*pack(loop)))
    limit = maximum_iterations
    changed = [item[0] for item, v in zip(layout, new_flat) if item is not None and not _same_structure(item[0], v)]
    if changed:
        if not first:   # the loop does not start: its values are the initial ones
            return list(flat)
        tracer._unreplayable(f"a {type(changed[0]).__name__} that wb.while_loop carries changes its "
                             f"structure in the loop (at {core.user_frame()}); the function runs eagerly")
        current, n = new_flat, 1
        while limit is None or n < limit:
            if not control_flow._truth(cond(*nest.pack_sequence_as(structure, current)),
                                       "while_loop: the value returned by cond"):
                break
            current = conform(body(*nest.pack_sequence_as(structure, current)))
            n += 1
        return current
    new, _ = _components(new_flat)
    c_calls, b_calls = c_rec.calls(), b_rec.calls()

    def iterate(n):
        while limit is None or n < limit:
            for c in c_calls:
                c()
            if not _truth(pred._data):
                break
            for c in b_calls:
                c()
            values = [t._data for t in new]
            for v, d in zip(loop, values):
                v._data = d
            n += 1
    outs = [_fresh(t._data) for t in init_comps]
    inits = list(init_comps)

    def run():
        for v, t in zip(loop, inits):
            v._data = t._data
        iterate(0)
        for o, v in zip(outs, loop):
            o._data = v._data
    reads, writes = _outer_reads([c_rec, b_rec], inits + [pred] + new)
    # the trace's own values: the first iteration ran (or not) while it was traced
    if first:
        values = [t._data for t in new]
        for v, d in zip(loop, values):
            v._data = d
        # the holders get their traced arrays back afterwards: the tracer knows values by
        # their arrays, and those must stay alive (an array freed here could lend its id)
        traced = [(h, h._data) for h in writes + loop]
        tracer._suspended(iterate, 1)   # the recorded steps (their effects read values freely)
        final = [v._data for v in loop]
        for h, d in traced:
            h._data = d
    else:
        final = [t._data for t in inits]
        for v, d in zip(loop, final):
            v._data = d
    for o, d in zip(outs, final):
        o._data = d.view() if hasattr(d, "view") else d
    tracer._add(run, "while_loop", reads, writes + loop + outs)
    tracer.events.append(("while_loop", tuple(inits), tuple(outs), None))
    for o in outs:
        tracer._produced(o)
    for o, t, n in zip(outs, inits, new):   # TF's static shapes: the loop values', open where they change
        s = t._static_shape()
        if s.rank is None or t._data.ndim != n._data.ndim:
            static = None
        else:
            static = tuple(d if a == b else None for d, a, b in zip(s.as_list(), t._data.shape, n._data.shape))
        if tracer.open_shapes or static != o._data.shape:
            tracer.on_static(o, static)
    return _rebuild(layout, outs)


def hold_trace_values(tracer=None):
    """Let the traces that run inside ``tracer``'s (the trace running now, if any): a
    dataset's functions, read its values where their steps run, not as constants: the values
    change with each replay of the outer program."""
    tracer = core._state.tracer if tracer is None else tracer
    if isinstance(tracer, Tracer):
        hold([t for t in tracer.keep if isinstance(t, Tensor)])


def stage_dataset_loop(tracer, loop, dataset, init):
    """A ``for`` loop over ``dataset`` (``loop(dataset, state)``: the final state, a list of
    tensors, from ``init``) as one step that runs the loop again on each replay (TF's
    ``ReduceDataset``); returns the final values, or NotImplemented (run eagerly)."""
    if not isinstance(tracer, Tracer):
        return NotImplemented
    if _watched():
        tracer._unreplayable(f"a tape records through a loop over a dataset (at {core.user_frame()}); the "
                             "function runs eagerly")
        return NotImplemented
    for t in init:
        tracer._resolve(t, "a loop over a dataset")
    hold_trace_values(tracer)
    inits = list(init)
    final = tracer._suspended(loop, dataset, [core.wrap(t._data) for t in inits])
    outs = [_fresh(t._data) for t in final]

    def run():
        for o, t in zip(outs, loop(dataset, [core.wrap(t._data) for t in inits])):
            o._data = t._data
    tracer._add(run, "ReduceDataset", None, outs)
    tracer.events.append(("ReduceDataset", tuple(inits), tuple(outs), None))
    for o in outs:
        tracer._produced(o)
    return outs


def dataset_made(cls, make, node, args, kwargs):
    """``make()``: a new ``cls`` (a dataset) from ``args`` and ``kwargs``, inside a trace
    (``node``: its TF graph node's name). Where those hold tensors that change between calls,
    it is made outside the trace, and each replay runs its ``__init__`` again on them, in
    place, so that what the trace built on it (a loop over it, the datasets made from it)
    sees the call's values, as TF's graph makes the dataset anew on each run. Returns the
    dataset and whether it is made from such values."""
    tracer = core._state.tracer
    if not isinstance(tracer, Tracer):
        return make(), False
    changing = [t for t in tensor_leaves((args, kwargs))
                if id(t) in tracer.dynamic or isinstance(t, Variable) or id(t._data) in tracer.arrays]
    for t in changing:
        tracer._resolve(t, f"{node} (a dataset)")
    tracer.events.append((node, tuple(changing), (), None))
    if not changing:
        return make(), False
    obj = tracer._suspended(make)
    init = cls.__init__

    held = {id(t) for t in changing if not isinstance(t, Variable)}

    def detached(v):   # the value now, in a tensor of its own (a replay lets go of its holders)
        return core.wrap(v._data) if id(v) in held else v

    def rebuild():
        init(obj, *nest.map_structure(detached, args), **nest.map_structure(detached, kwargs))
    tracer._add(rebuild, node, changing, ())
    return obj, True


def reads_dataset():
    """A dataset is iterated in Python while a trace runs (not by a staged loop): what it
    gives depends on the dataset each call passes, so the function runs eagerly."""
    tracer = core._state.tracer
    if isinstance(tracer, Tracer):
        tracer._unreplayable(f"the function reads a dataset's elements in Python (at {core.user_frame()}); "
                             "only a for loop over a dataset is staged")


def outside_trace(fn):
    """``fn()`` with the trace running now (if any) suspended: library code reading what does
    not change between calls (a dataset's element structure)."""
    tracer = core._state.tracer
    return tracer._suspended(fn) if isinstance(tracer, Tracer) else fn()


def python_prints_silenced():
    """A context in which Python's ``print`` is silent and ``wb.print`` is not: Python code run
    again where TF would run a graph it traced once."""
    from .api import _python_prints_silenced   # api imports this module (a cycle at import time)
    return _python_prints_silenced()


def install():
    control_flow.STAGING.cond = stage_cond
    control_flow.STAGING.while_loop = stage_while


install()
