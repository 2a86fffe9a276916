"""Fusion of elementwise steps in a ``wb.function`` program.

A traced program is a list of steps (``workbench.compiler``): op forwards, the
rules and sums of a planned reverse walk, bindings and stateful calls. Many of
them are elementwise arithmetic on arrays of one shape and dtype: ``tanh(x)*x``
forward, ``g*(1-t*t)`` backward. Run one by one, each makes a full pass over
memory and a full-size temporary. This module groups such steps (forward and
backward together) and runs each group as one kernel:

- on the GPU, one generated ``cupy.ElementwiseKernel`` per group: one read of its
  inputs and one write of the values something outside the group needs;
- on the CPU, the group's NumPy ufuncs run over blocks of the arrays small
  enough to stay in the CPU cache, with scratch buffers reused between blocks and
  between calls; or, when numba is installed, loops compiled to machine code
  (``fusion_numba``; ``WORKBENCH_FUSION=auto|numba|numpy``, ``set_cpu_backend``).

Results are the eager results bit for bit (but under ``WORKBENCH_FUSION=numba``, and in a
small CPU group of many functions under ``auto``, within a few ulp: see ``fusion_numba``): a kernel performs the same IEEE
operations in the same order on every element (on the GPU with ``__fmul_rn``
and friends, so that the compiler cannot contract a multiply and an add into
one rounding), and every group is checked against the trace's own values when
the program is built; a group that does not reproduce them is not fused.

Grouping: within a run of pure steps (those with no effect beyond their
outputs), an elementwise step joins a group of its shape and dtype unless one of
its operands depends on that group through a step outside it (which would make
a cycle); the groups and the other steps are then ordered by their data
dependences, each group at the earliest point its inputs allow. Stateful steps
(variable updates, random draws, summaries) keep their places and bound the
groups. With numba (``fusion_numba``), a reduction of a group's value over all
axes or the last one joins the group as its end (``Tail``).
"""

from __future__ import annotations

import heapq
import os

import numpy as np

from .. import backend, hostcache
from ..core import Tensor
from ..ops.rules import multiply_no_nan_arrays
from .step import Step

__all__ = ["enabled", "set_enabled", "cpu_backend", "set_cpu_backend", "plan"]

_SETTING = os.environ.get("WORKBENCH_FUSION", "auto").strip().lower()
_ON = {"on": _SETTING not in ("0", "false", "off", ""),
       "cpu": _SETTING if _SETTING in ("numba", "numpy") else "auto"}

CHUNK_BYTES = 256 * 1024  # CPU block per scratch buffer: a group's few buffers stay in L2


def enabled() -> bool:
    return _ON["on"]


def set_enabled(on: bool):
    """Fuse elementwise steps of programs traced from now on (default on;
    ``WORKBENCH_FUSION=0`` turns it off)."""
    _ON["on"] = bool(on)


def cpu_backend() -> str:
    """How CPU groups run: ``"auto"``, ``"numba"`` or ``"numpy"`` (see ``fusion_numba``)."""
    return _ON["cpu"]


def set_cpu_backend(name: str):
    """How the CPU groups of programs traced from now on run (``WORKBENCH_FUSION=auto|numba|numpy``
    at start): ``"numpy"`` ufuncs over blocks; ``"numba"`` one compiled loop per group when numba
    is installed; ``"auto"`` (default) the compiled loop where it gives the same bits."""
    if name not in ("auto", "numba", "numpy"):
        raise ValueError(f"set_cpu_backend: name must be 'auto', 'numba' or 'numpy', got {name!r}")
    _ON["cpu"] = name


class _Temp:
    """A value inside one step's instructions (never stored unless a group needs it)."""

    __slots__ = ("_data",)

    def __init__(self):
        self._data = None


# ---------------------------------------------------------------------------
# What steps compute, as elementwise instructions ``(ufunc, operands, result)``:
# operands are objects holding arrays (``_data``) or Python numbers; ``alias``
# gives the result its operand's value (a 0-d operand broadcast to the result's shape)

class _NotFusable(Exception):
    pass


class _Value:
    """A value a rule computes with while fusion reads it: a holder (or an instruction's
    result) with its shape and dtype."""

    __slots__ = ("ref", "shape", "dtype")

    def __init__(self, ref, shape, dtype):
        self.ref, self.shape, self.dtype = ref, shape, dtype

    @property
    def ndim(self):
        return len(self.shape)


def _lowered(ufunc):
    def fn(self, *operands):
        return self.emit(ufunc, operands)
    fn.__name__ = ufunc
    return fn


class _Emitter:
    """The fusion interpreter of reverse rules (see ``workbench.ops.rules``): the elementwise
    functions become instructions; a rule that needs anything else is not fused. A value
    holding one element stands for itself broadcast (``reshape``/``broadcast_to`` of it)."""

    def __init__(self):
        self.instrs = []

    def value(self, holder):
        d = holder._data
        return _Value(holder, tuple(getattr(d, "shape", ())), getattr(d, "dtype", None))

    def emit(self, ufunc, operands):
        refs, shapes, dtype = [], [], None
        for a in operands:
            if isinstance(a, _Value):
                refs.append(a.ref)
                shapes.append(a.shape)
                dtype = a.dtype
            elif isinstance(a, (int, float)) and not isinstance(a, bool):
                refs.append(a)
            else:
                raise _NotFusable(ufunc)
        out = _Temp()
        self.instrs.append((ufunc, tuple(refs), out))
        return _Value(out, np.broadcast_shapes(*shapes) if shapes else (), dtype)

    def reshape(self, x, shape):
        return self._one_value(x)

    def broadcast_to(self, x, shape):
        return self._one_value(x)

    @staticmethod
    def _one_value(x):
        if isinstance(x, _Value) and int(np.prod(x.shape)) == 1:
            return x
        raise _NotFusable("reshape")

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        raise _NotFusable(name)


# the interpreter's names for the ufuncs a kernel computes (each has a CUDA form in _CUDA)
for _tf_name, _ufunc in {"add": "add", "subtract": "subtract", "multiply": "multiply",
                         "divide": "true_divide", "negative": "negative", "reciprocal": "reciprocal",
                         "square": "square", "sqrt": "sqrt", "exp": "exp", "expm1": "expm1",
                         "log": "log", "log1p": "log1p", "sin": "sin", "cos": "cos",
                         "tanh": "tanh", "multiply_no_nan": "multiply_no_nan"}.items():
    setattr(_Emitter, _tf_name, _lowered(_ufunc))


def instructions(ew):
    """The instructions of a step (``ew`` as ``workbench.compiler`` records it), or None when
    the step is not elementwise arithmetic."""
    kind = ew[0]
    if kind == "op":
        _, op, args, params, res = ew
        name = getattr(op.fwd, "ufunc", None)
        if name not in _CUDA or params or type(res) is tuple:
            return None
        return [(name, tuple(args), res)]
    if kind == "vjp":
        _, op, gin, res, rargs, params, got = ew
        if op.rule is None or len(gin) != 1 or gin[0] is None or type(res) is tuple:
            return None
        e = _Emitter()
        try:
            values = op.rule(e, tuple(k in got for k in range(len(rargs))), e.value(gin[0]), e.value(res),
                             *[e.value(a) for a in rargs], **params)
        except _NotFusable:
            return None
        instrs = e.instrs
        for k, s in got.items():
            v = values[k]
            if not isinstance(v, _Value):
                return None
            instrs.append(("alias", (v.ref,), s))
        return instrs
    if kind == "sum":
        _, prev, ga, total, shape = ew
        if shape is not None and getattr(ga._data, "shape", None) != shape:
            return None  # summed back over broadcast dimensions: a reduction
        if prev is None:
            return [("alias", (ga,), total)]
        return [("add", (prev, ga), total)]
    return None


# ---------------------------------------------------------------------------
# Which steps can join which group

_FLOATS = ("float16", "float32", "float64")


def _key(instrs):
    """(shape, dtype, device) of a step's instructions when every array it reads is of that
    shape or holds one value and every value it writes has that shape; else None."""
    written = {id(r) for _, _, r in instrs}
    shape = dtype = kind = None
    for _, _, r in instrs:
        if isinstance(r, _Temp):
            continue
        d = r._data
        if not hasattr(d, "dtype") or d.dtype.name not in _FLOATS or not d.shape:
            return None
        if shape is None:
            shape, dtype, kind = d.shape, d.dtype, type(d)
        elif d.shape != shape or d.dtype != dtype or type(d) is not kind:
            return None
    if shape is None:
        return None
    size = 1
    for n in shape:
        size *= n
    if size < 2:
        return None
    gpu = kind is not np.ndarray
    if gpu and (dtype.name == "float16" or not kind.__module__.startswith("cupy")):
        return None
    for _, operands, _ in instrs:
        for a in operands:
            if isinstance(a, (int, float)) or id(a) in written:
                continue
            d = getattr(a, "_data", None)
            if not hasattr(d, "dtype") or d.dtype != dtype or (type(d) is not kind and not isinstance(d, np.generic)):
                return None
            if d.shape != shape and (d.size != 1 or d.ndim > len(shape)):
                return None
    return shape, dtype.str, gpu


def _reads(instrs):
    written = {id(r) for _, _, r in instrs}
    seen, out = set(), []
    for _, operands, _ in instrs:
        for a in operands:
            if not isinstance(a, (int, float)) and id(a) not in written and id(a) not in seen:
                seen.add(id(a))
                out.append(a)
    return out


# ---------------------------------------------------------------------------
# The plan


class Plan:
    """A program's steps in their new order; ``kernels`` are the groups that replaced some
    steps, ``rejected`` the groups left as they were, with why."""

    def __init__(self, steps, order, kernels, rejected):
        self.steps = steps        # Step records: the kept steps and one per kernel
        self.order = order        # per new step: the old step indices it stands for
        self.kernels = kernels
        self.rejected = rejected


def plan(steps, visible, var_values=None):
    """Fuse the elementwise steps of a program (a list of :class:`Step`);
    ``visible(holder)`` says whether a value is seen outside the program's steps (an
    output, a variable). Holders hold the trace's values, and each group is checked against
    them; ``var_values[(i, id(variable))]`` is the buffer step ``i`` read from a variable
    (which may hold another one by now). Returns a ``Plan``, or None when nothing could be
    fused."""
    n = len(steps)
    info = [None] * n
    for i, step in enumerate(steps):
        if not step.effect and step.what is not None:
            instrs = instructions(step.what)
            if instrs is not None:
                key = _key(instrs)
                if key is not None:
                    info[i] = (instrs, key, _reads(instrs))
    order, groups = [], []
    start = 0
    while start < n:
        end = start
        while end < n and not steps[end].effect:
            end += 1
        if end == start:  # a stateful step keeps its place
            order.append(start)
            start += 1
            continue
        seg_order, seg_groups = _fuse_segment(list(range(start, end)), steps, info)
        base = len(groups)
        order.extend(("g", base + u[1]) if isinstance(u, tuple) else u for u in seg_order)
        groups.extend(seg_groups)
        start = end
    if not groups:
        return None
    tails = _reduction_tails(groups, steps, info, order)
    readers: dict = {}
    for i, step in enumerate(steps):
        for h in step.reads or ():
            readers.setdefault(id(h), set()).add(i)
    unknown = any(step.reads is None for step in steps)
    # values no step writes and no caller changes: constants, captured tensors
    written = {id(h) for step in steps for h in step.writes}
    fixed = {id(h) for k in range(n) if info[k] is not None for h in info[k][2]
             if id(h) not in written and visible(h) and type(h) is Tensor}
    built, rejected = {}, []
    for k, members in enumerate(groups):
        label = [steps[i].name for i in members]
        try:
            values = {id(h): var_values[(i, id(h))] for i in members for h in steps[i].reads
                      if (i, id(h)) in (var_values or {})}
            built[k] = _build(members, info, steps, readers, visible, unknown, label, values, fixed,
                              tails.get(k))
        except _Reject as exc:
            rejected.append((label, str(exc)))
    new_steps, new_order = [], []
    for u in order:
        if isinstance(u, int):
            new_steps.append(steps[u])
            new_order.append((u,))
            continue
        k = u[1]
        tail = tails.get(k)
        if k in built:
            kern = built[k]
            taken = getattr(kern, "tail", None) is not None
            writes = tuple(h for h, _ in kern.binds) + ((kern.tail.res,) if taken else ())
            new_steps.append(Step(kern.run, kern.name, tuple(kern.reads()), writes, effect=False))
            new_order.append(tuple(groups[k]) + ((tail,) if taken else ()))
        else:
            taken = False
            for i in groups[k]:
                new_steps.append(steps[i])
                new_order.append((i,))
        if tail is not None and not taken:  # the reduction runs as its own step, right after
            new_steps.append(steps[tail])
            new_order.append((tail,))
    return Plan(new_steps, new_order, [built[k] for k in sorted(built)], rejected)


class _Reject(Exception):
    pass


# reductions a compiled CPU group can end with (``fusion_numba``): op name -> kind
REDUCTIONS = {"reduce_sum": "sum", "reduce_mean": "mean", "reduce_max": "max"}


def _reduction_tails(groups, steps, info, order):
    """The reduction step that ends each group a compiled CPU kernel can accumulate:
    ``{group: step}``. A reduction ends a group when it is ``reduce_sum``, ``reduce_mean`` or
    ``reduce_max`` over all axes or the last one, of a value one of the group's steps writes,
    in the same run of pure steps; each group takes one (the first). The steps taken are
    removed from ``order`` (the kernel runs them)."""
    if _ON["cpu"] not in ("auto", "numba"):
        return {}
    from . import fusion_numba  # circular import; numba itself is not imported
    writer = {}
    for k, members in enumerate(groups):
        for i in members:
            for h in steps[i].writes:
                writer[id(h)] = (k, i)
    in_group = {i for members in groups for i in members}
    tails = {}
    for i, step in enumerate(steps):
        what = step.what
        if (step.effect or i in in_group or what is None or what[0] != "op"
                or what[1].name not in REDUCTIONS or type(what[4]) is tuple or len(what[2]) != 1):
            continue
        found = writer.get(id(what[2][0]))
        if found is None or found[0] in tails:
            continue
        k, _ = found
        shape, dtype, gpu = info[groups[k][0]][1]
        first = min(groups[k])
        if gpu or not fusion_numba.wanted((), dtype, _ON["cpu"]) or any(
                steps[j].effect for j in range(first, i)):
            continue
        axis, ndim = what[3].get("axis"), len(shape)
        res = getattr(what[4], "_data", None)
        if (axis not in (tuple(range(ndim)), (ndim - 1,)) or getattr(res, "dtype", None) != np.dtype(dtype)
                or what[2][0]._data.shape != shape):
            continue
        tails[k] = i
    for i in tails.values():
        order.remove(i)
    return tails


class Tail:
    """A reduction that ends a fused group: ``kind`` (``"sum"``, ``"mean"`` or ``"max"``) of the
    group's value ``src`` over all its axes (``rows`` 1) or its last one, into ``res``. The
    NumPy kernel runs the op's own forward (``fwd``) on ``src``; a compiled one accumulates."""

    def __init__(self, kind, src, res, fwd, params, shape):
        self.kind, self.src, self.res, self.fwd, self.params = kind, src, res, fwd, params
        size = int(np.prod(shape))
        self.cols = size if len(params["axis"]) == len(shape) else shape[-1]
        self.rows = size // self.cols
        value = res._data
        self.scalar = isinstance(value, np.generic)  # NumPy gives a scalar, not a 0-d array
        self.shape = tuple(np.shape(value))

    def reduce(self, src):
        """The eager forward on the whole ``src``."""
        return self.fwd(np, src, **self.params)


def _build(members, info, steps, readers, visible, unknown, label, var_values, fixed=frozenset(),
           tail=None):
    """The kernel of one group, checked against the trace's values; ``tail``: the index of a
    reduction step that ends it (``_reduction_tails``), which a compiled kernel may take."""
    shape, dtype, gpu = info[members[0]][1]
    dtype = np.dtype(dtype)
    rename: dict = {}

    def resolve(a):
        while not isinstance(a, (int, float)) and id(a) in rename:
            a = rename[id(a)]
        return a

    compute, written = [], []
    for i in members:
        for name, operands, result in info[i][0]:
            if name == "alias":
                rename[id(result)] = operands[0]
            else:
                compute.append((name, tuple(resolve(a) for a in operands), result))
            if not isinstance(result, _Temp):
                written.append(result)
    computed = {id(r) for _, _, r in compute}
    if tail is not None:
        from . import fusion_numba  # circular import; numba itself is not imported
        if not fusion_numba.takes_reduction(compute, int(np.prod(shape)), _ON["cpu"]):
            tail = None  # it stays a step of its own, after the kernel
    member_set = set(members) | ({tail} if tail is not None else set())
    # the values something outside the group reads
    needed = []
    for h in written:
        if unknown or visible(h) or any(j not in member_set for j in readers.get(id(h), ())):
            needed.append(h)
    tail_spec = None
    if tail is not None:
        _, op, (src,), params, res = steps[tail].what
        src = resolve(src)
        if id(src) in computed:
            tail_spec = Tail(REDUCTIONS[op.name], src, res, op.fwd, params, shape)
    if tail_spec is None and tail is not None:  # the reduction reads the group's value as a step
        needed.extend(h for h in steps[tail].reads if id(h) in {id(w) for w in written}
                      and not any(h is x for x in needed))
    if not needed and tail_spec is None:
        raise _Reject("nothing outside the group reads its values")
    out_refs, binds = [], []
    for h in needed:
        r = resolve(h)
        if id(r) in computed:
            if not any(r is o for o in out_refs):
                out_refs.append(r)
        binds.append((h, r))
    # drop what no needed value depends on
    live = {id(r) for r in out_refs} | ({id(tail_spec.src)} if tail_spec is not None else set())
    kept = []
    for name, operands, result in reversed(compute):
        if id(result) in live:
            kept.append((name, operands, result))
            live.update(id(a) for a in operands if not isinstance(a, (int, float)))
    compute = kept[::-1]
    inputs, seen = [], set()
    for _, operands, _ in compute:
        for a in operands:
            if not isinstance(a, (int, float)) and id(a) not in computed and id(a) not in seen:
                seen.add(id(a))
                inputs.append(a)
    names = []
    for i in members:
        what = steps[i].what
        base = what[1].name if what[0] in ("op", "vjp") else "sum"
        nm = base if what[0] != "vjp" else f"d{base}"
        if nm not in names:
            names.append(nm)
    title = f"fused({','.join(names[:8])}{',…' if len(names) > 8 else ''})"
    args = (title, compute, inputs, out_refs, binds, shape, dtype, label)
    if gpu:
        kern = _GpuKernel(*args)
    else:
        from . import fusion_numba  # imports this module (circular); numba itself only when compiling
        if fusion_numba.wanted(compute, dtype, _ON["cpu"]):
            kern = fusion_numba.NumbaKernel(*args, fixed=fixed, setting=_ON["cpu"], tail=tail_spec)
        else:
            if tail_spec is not None:
                raise _Reject("a reduction ends the group, and numba does not run it")
            kern = _CpuKernel(*args)
    swapped = [(h, h._data) for h in inputs if id(h) in var_values]
    try:
        for h, _ in swapped:
            h._data = var_values[id(h)]
        kern.check()
    finally:
        for h, d in swapped:
            h._data = d
    return kern


# ---------------------------------------------------------------------------
# Running a group


class _Kernel:
    def __init__(self, name, compute, inputs, out_refs, binds, shape, dtype, label):
        self.name = name
        self.steps = label  # the steps it replaces
        self.compute = compute
        self.inputs = inputs
        self.out_refs = out_refs
        self.binds = binds
        self.shape = shape
        self.dtype = dtype
        self.size = int(np.prod(shape))
        self._slot = {id(r): k for k, r in enumerate(out_refs)}
        # which inputs hold one value (broadcast to every element)
        self.scalar = [h._data.shape != shape for h in inputs]

    def __repr__(self):
        return (f"<fused kernel {self.name}: {len(self.compute)} operations, {len(self.inputs)} "
                f"inputs, {len(self.out_refs)} outputs, {tuple(self.shape)} {self.dtype.name}>")

    def reads(self):
        """The values it reads: its inputs, and those it passes on unchanged."""
        out = list(self.inputs)
        for _, r in self.binds:
            if id(r) not in self._slot and not any(r is x for x in out):
                out.append(r)
        return out

    def _operand(self, h):
        d = h._data
        if d.shape != self.shape and d.ndim:
            return d.reshape(())
        return d

    def _bind(self, outs):
        slot = self._slot
        for h, r in self.binds:
            k = slot.get(id(r))
            if k is not None:
                h._data = outs[k]
            else:  # the value of an input: a 0-d one broadcast, as the step did
                d = r._data
                h._data = d if d.shape == self.shape else backend.xp_of(d).broadcast_to(d, self.shape)

    def check(self):
        """Run once on the trace's values; the values it writes must equal them exactly."""
        before = [(h, h._data) for h, _ in self.binds]
        try:
            self.run()
            for h, old in before:
                new = h._data
                xp = backend.xp_of(new)
                if new.shape != old.shape or new.dtype != old.dtype or not bool(
                        xp.array_equal(new, old, equal_nan=True)):
                    raise _Reject(f"the fused result differs from the steps' ({h!r:.40})")
        except _Reject:
            for h, old in before:
                h._data = old
            raise
        except Exception as exc:  # noqa: BLE001 - a kernel that cannot run is not used
            for h, old in before:
                h._data = old
            raise _Reject(f"{type(exc).__name__}: {exc}") from None


class _CpuKernel(_Kernel):
    """NumPy ufuncs over blocks of ``CHUNK_BYTES``: the group's temporaries live in a few
    scratch blocks (kept between calls) that stay in the CPU cache."""

    def __init__(self, *args):
        super().__init__(*args)
        ni, no = len(self.inputs), len(self.out_refs)
        self._nout = no  # the arrays a run makes (a subclass may show fewer as ``out_refs``)
        index = {id(r): k for k, r in enumerate(self.inputs)}
        index.update({id(r): ni + k for k, r in enumerate(self.out_refs)})
        last = {}
        for pos, (_, operands, _) in enumerate(self.compute):
            for a in operands:
                last[id(a)] = pos
        consts, free, nregs, prog = [], [], 0, []
        base = ni + no
        reg_of = {}
        for pos, (name, operands, result) in enumerate(self.compute):
            args = []
            for a in operands:
                if isinstance(a, (int, float)):
                    args.append(("c", len(consts)))
                    consts.append(self.dtype.type(a))
                elif id(a) in index:
                    args.append(index[id(a)])
                else:
                    args.append(base + reg_of[id(a)])
            for a in operands:  # registers read here for the last time can take the result
                if id(a) in reg_of and last.get(id(a)) == pos:
                    free.append(reg_of.pop(id(a)))
            if id(result) in index:
                dest = index[id(result)]
            else:
                r = free.pop() if free else nregs
                nregs = max(nregs, r + 1)
                reg_of[id(result)] = r
                dest = base + r
            prog.append((array_function(name), args, dest))
        # the current arrays: inputs, outputs, registers, then the constants
        ncur = base + nregs
        self._consts = consts
        self._prog = [(f, a[0], a[1] if len(a) > 1 else -1, d)
                      for f, args, d in prog
                      for a in [[x if isinstance(x, int) else ncur + x[1] for x in args]]]
        self.nregs = nregs
        self.block = max(1024, CHUNK_BYTES // self.dtype.itemsize)
        self._regs = {}

    def _registers(self, shape):
        regs = self._regs.get(shape)
        if regs is None:
            regs = self._regs[shape] = [np.empty(shape, self.dtype) for _ in range(self.nregs)]
        return regs

    def run(self):
        shape, dtype, n = self.shape, self.dtype, self.size
        outs = [hostcache.new(shape, dtype) for _ in range(self._nout)]
        ins = [self._operand(h) for h in self.inputs]
        prog = self._prog
        if n <= self.block:
            cur = ins + outs + self._registers(shape) + self._consts
            for f, a, b, d in prog:
                if b < 0:
                    f(cur[a], cur[d])
                else:
                    f(cur[a], cur[b], cur[d])
        else:
            block = self.block
            flat_in = [_flat(x, shape) for x in ins]
            flat_out = [o.reshape(-1) for o in outs]
            regs = self._registers((block,))
            tail = regs
            for lo in range(0, n, block):
                hi = min(lo + block, n)
                if hi - lo != block:
                    tail = [r[:hi - lo] for r in regs]
                cur = ([x if x.ndim == 0 else x[lo:hi] for x in flat_in] + [o[lo:hi] for o in flat_out]
                       + tail + self._consts)
                for f, a, b, d in prog:
                    if b < 0:
                        f(cur[a], cur[d])
                    else:
                        f(cur[a], cur[b], cur[d])
        self._bind(outs)


def _flat(x, shape):
    """A 1-D view of an operand of ``shape`` (a copy only when its layout needs one)."""
    if x.ndim == 0:
        return x
    if x.flags.c_contiguous:
        return x.reshape(-1)
    if not any(x.strides):  # a broadcast value
        return x.reshape(-1)[:1].reshape(()) if x.size else x
    return np.ascontiguousarray(x).reshape(-1)


# CUDA forms of the ufuncs: IEEE round-to-nearest intrinsics for arithmetic, so that no two
# operations are contracted into one rounding (the eager kernels run them one at a time)
_CUDA = {
    "add": "__{p}add_rn({0}, {1})", "subtract": "__{p}sub_rn({0}, {1})",
    "multiply": "__{p}mul_rn({0}, {1})", "true_divide": "__{p}div_rn({0}, {1})",
    "negative": "(-{0})", "reciprocal": "__{p}div_rn(({t})1, {0})", "square": "__{p}mul_rn({0}, {0})",
    "sqrt": "__{p}sqrt_rn({0})", "exp": "exp({0})", "expm1": "expm1({0})", "log": "log({0})",
    "log1p": "log1p({0})", "sin": "sin({0})", "cos": "cos({0})", "tanh": "tanh({0})",
    "multiply_no_nan": "(({1}) == ({t})0 ? ({t})0 : __{p}mul_rn({0}, {1}))",
}


def _multiply_no_nan(a, b, out=None):
    """TF's ``multiply_no_nan``: ``a * b``, 0 where ``b`` is 0; into ``out`` (which may be
    ``a`` or ``b``) when given, with the values of ``rules.multiply_no_nan_arrays``."""
    if out is None:
        return multiply_no_nan_arrays(a, b)
    zero = b == 0
    with np.errstate(invalid="ignore"):
        np.multiply(a, b, out=out)
    np.copyto(out, 0, where=zero)
    return out


# the instructions that are not NumPy ufuncs, on the CPU
_CPU = {"multiply_no_nan": _multiply_no_nan}


def array_function(name):
    """The NumPy function that computes instruction ``name`` (``f(*operands[, out])``)."""
    return _CPU.get(name) or getattr(np, name)


def cuda_source(compute, inputs, out_refs, dtype):
    """``(in_params, out_params, body)`` of the ``cupy.ElementwiseKernel`` of a group."""
    ctype, p = {"float32": ("float", "f"), "float64": ("double", "d")}[np.dtype(dtype).name]
    names = {id(r): f"x{k}" for k, r in enumerate(inputs)}
    lines = []
    for k, (name, operands, result) in enumerate(compute):
        args = [f"(({ctype}){float(a)!r})" if isinstance(a, (int, float)) else names[id(a)]
                for a in operands]
        names[id(result)] = f"v{k}"
        lines.append(f"const {ctype} v{k} = {_CUDA[name].format(*args, p=p, t=ctype)};")
    for k, r in enumerate(out_refs):
        lines.append(f"y{k} = {names[id(r)]};")
    dt = np.dtype(dtype).name
    return (", ".join(f"{dt} x{k}" for k in range(len(inputs))),
            ", ".join(f"{dt} y{k}" for k in range(len(out_refs))), "\n".join(lines))


class _GpuKernel(_Kernel):
    """One generated ``cupy.ElementwiseKernel``: reads the inputs once, writes the outputs once."""

    _cache: dict = {}

    def __init__(self, *args):
        super().__init__(*args)
        import cupy  # optional: imported only when this is used

        self._cupy = cupy
        src = cuda_source(self.compute, self.inputs, self.out_refs, self.dtype)
        kern = self._cache.get(src)
        if kern is None:
            kern = self._cache[src] = cupy.ElementwiseKernel(*src, name="workbench_fused")
        self._kernel = kern
        self.source = src

    def run(self):
        empty = self._cupy.empty
        outs = [empty(self.shape, self.dtype) for _ in self.out_refs]
        self._kernel(*[self._operand(h) for h in self.inputs], *outs)
        self._bind(outs)


def _fuse_segment(seg, steps, info):
    """Group the elementwise steps of a run of pure steps. Returns the new order (step
    indices, and ``("g", k)`` for group ``k``) and the groups (lists of step indices)."""
    prod = {}        # id(holder) -> the step that writes it
    group_of = {}    # step -> group number
    groups = []      # [key, members, groups it depends on through steps outside them]
    after = {}       # id(holder) -> groups it depends on through a step outside them
    open_by_key = {}
    for i in seg:
        ins, outs = steps[i].reads, steps[i].writes
        inf = info[i]
        dep_after, dep_groups = set(), []
        for h in (inf[2] if inf is not None else ins):
            dep_after |= after.get(id(h), set())
            j = prod.get(id(h))
            if j in group_of and group_of[j] not in dep_groups:
                dep_groups.append(group_of[j])
        if inf is None:
            out_after = dep_after | set(dep_groups)
        else:
            key = inf[1]
            blocked = set(dep_after)
            for gk in dep_groups:
                blocked |= groups[gk][2]
            cands = [gk for gk in reversed(dep_groups) if groups[gk][0] == key]
            if key in open_by_key:
                cands.append(open_by_key[key])
            chosen = next((gk for gk in cands if gk not in blocked), None)
            if chosen is None:
                chosen = len(groups)
                groups.append([key, [], set()])
            others = {gk for gk in dep_groups if gk != chosen}
            for gk in others:
                groups[chosen][2] |= groups[gk][2]
            groups[chosen][2] |= dep_after | others
            groups[chosen][1].append(i)
            open_by_key[key] = group_of[i] = chosen
            out_after = dep_after | others
        for o in outs:
            prod[id(o)] = i
            if out_after:
                after[id(o)] = out_after
    # a group of fewer than two operations gains nothing
    keep = [m for _, m, _ in groups
            if sum(1 for i in m for name, _, _ in info[i][0] if name != "alias") >= 2]
    while True:
        order = _schedule(seg, steps, info, keep, prod)
        if order is not None:
            return order, keep
        keep = keep[:-1]  # a cycle through groups: give up the latest group and retry


def _schedule(seg, steps, info, groups, prod):
    """A topological order of the segment's units (steps outside groups, and groups), each
    as early as its inputs allow, ties broken by original position; None on a cycle."""
    unit = {i: i for i in seg}
    for k, members in enumerate(groups):
        for i in members:
            unit[i] = ("g", k)
    first = {}
    for i in seg:
        first.setdefault(unit[i], i)
    deps = {u: set() for u in first}
    for i in seg:
        u = unit[i]
        reads = info[i][2] if isinstance(u, tuple) else steps[i].reads
        for h in reads:
            j = prod.get(id(h))
            if j is not None and j in unit and unit[j] != u:
                deps[u].add(unit[j])
    users = {u: [] for u in first}
    count = {u: len(ds) for u, ds in deps.items()}
    for u, ds in deps.items():
        for d in ds:
            users[d].append(u)
    ready = [(first[u], u) for u in first if count[u] == 0]
    heapq.heapify(ready)
    out = []
    while ready:
        _, u = heapq.heappop(ready)
        out.append(u)
        for v in users[u]:
            count[v] -= 1
            if count[v] == 0:
                heapq.heappush(ready, (first[v], v))
    return out if len(out) == len(first) else None
