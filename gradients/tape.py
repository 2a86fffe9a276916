"""GradientTape: a list of op records and a reverse walk (TF 2 semantics)."""

from __future__ import annotations

import contextlib
import enum
import warnings

import numpy as np

from workbench import core, nest
from workbench.errors import argcheck, UnconnectedGradientWarning
from workbench.core import Tensor, Variable, convert_to_tensor

from .walk import ArrayRules, TensorRules, reverse_walk
from workbench.ops.shape import IDENTITY_OP, concat, reshape, transpose
from workbench.ops.elementwise import cast


class UnconnectedGradients(enum.Enum):
    """What ``gradient`` returns for a source the target does not depend on."""
    NONE = "none"
    ZERO = "zero"


def _unconnected_mode(value):
    if isinstance(value, UnconnectedGradients):
        return value
    try:
        return UnconnectedGradients(str(value).lower())
    except ValueError:
        raise ValueError(f"unconnected_gradients must be 'none' or 'zero', got {value!r}") from None


def _leaf_tensors(structure, what, where="gradient"):
    """Flatten a structure into Tensors (RaggedTensors contribute their flat values)."""
    flat = nest.flatten(structure)
    out = []
    for i, x in enumerate(flat):
        if x is None:
            raise ValueError(f"{what}[{i}] is None; expected a tensor or variable")
        if isinstance(x, (Tensor, core.CompositeTensor)):
            out.append(x)
        else:
            out.append(_as_tensor(x, what if x is structure else f"{what}[{i}]", where))
    return flat, out


def _as_tensor(value, what, where):
    """``value`` as a Tensor; a string or anything else that is not a tensor is reported as the
    argument ``what`` of ``where``."""
    try:
        t = convert_to_tensor(value)
    except (TypeError, ValueError):
        t = None
    if t is None or t.dtype.kind == "O":   # a string is no tensor to differentiate
        raise TypeError(f"{where}: {what} must be a tensor, a variable or a nested structure of "
                        f"them, got {argcheck.describe(value)}") from None
    return t


def _chunk(parallel_iterations, rows, where):
    """How many jacobian rows one backward pass computes (all of them by default)."""
    if parallel_iterations is None:
        return rows
    n = argcheck.integer(parallel_iterations, "parallel_iterations", where, minimum=0)
    return n or rows


def _plain(structure):
    """The leaves of ``structure`` when it is a tensor or a plain list or tuple of tensors (the
    usual targets and sources: flattened, and packed again, without ``nest``); else None."""
    if isinstance(structure, Tensor):
        return [structure]
    if type(structure) is list or type(structure) is tuple:
        for x in structure:
            if not isinstance(x, Tensor):
                return None
        return list(structure)
    return None


def _expand(tensors):
    """Composite tensors (RaggedTensor) contribute their components (flat values)."""
    return [c for t in tensors for c in _components(t)]


class GradientTape(core.Listener):
    """Record operations for automatic differentiation.

    >>> x = wb.constant(3.0)
    >>> with wb.GradientTape() as tape:
    ...     tape.watch(x)
    ...     y = x * x
    >>> tape.gradient(y, x).numpy()
    6.0

    Trainable variables read inside the block are watched automatically
    (``watch_accessed_variables=True``). A non-persistent tape gives one set of
    gradients (or one jacobian) and then frees its records; ``persistent=True``
    keeps them. Nested tapes give higher-order derivatives.
    """

    kind = "tape"

    def __init__(self, persistent=False, watch_accessed_variables=True):
        self._persistent = bool(persistent)
        self._watch_accessed = bool(watch_accessed_variables)
        self._ids: set[int] = set()
        self._records: list = []
        self._frames: dict[int, str] = {}
        self._watched_vars: dict[int, Variable] = {}
        self._captured: dict[int, Variable] = {}  # variables whose buffers records hold
        self._recording = False
        self._used = False
        self._depth = 0
        self._on_tensors = False   # walks always run on Tensors (see ``over``)
        self._complex = False      # a complex tensor is watched or recorded: the walk conjugates
        self._aliases: dict[int, int] = {}   # identity (read_value) results: their input's id

    # -- context ----------------------------------------------------------
    def __enter__(self):
        self._depth += 1
        core.push("tape", self)
        self._recording = True
        return self

    def __exit__(self, *exc):
        core.pop("tape", self)
        self._depth -= 1
        self._recording = self._depth > 0
        return False

    @contextlib.contextmanager
    def stop_recording(self):
        """Temporarily stop recording ops on this tape."""
        if not self._recording:
            raise RuntimeError("stop_recording: the tape is not recording (use it inside the tape's with-block)")
        self._recording = False
        try:
            yield
        finally:
            self._recording = True

    def reset(self):
        """Forget every recorded op and watched tensor."""
        self._release()
        self._ids.clear()
        self._records.clear()
        self._aliases.clear()
        self._frames.clear()
        self._watched_vars.clear()
        self._used = False

    def watch(self, tensor):
        """Make the tape track ``tensor`` (a tensor, variable, or a nested structure of them)."""
        for i, t in enumerate(nest.flatten(tensor)):
            if isinstance(t, core.CompositeTensor):
                parts = t.components()
            elif isinstance(t, Tensor):
                parts = [t]
            else:
                raise TypeError(f"watch: expected tensors or variables, got {type(t).__name__} at position {i}")
            for p in parts:
                if p._data.dtype.kind not in "fcV":   # V: ml_dtypes' bfloat16
                    warnings.warn(f"watch: tensor of dtype {p.dtype} (shape {p.shape}) cannot carry "
                                  "gradients; only floating and complex dtypes can be watched",
                                  UnconnectedGradientWarning, stacklevel=2)
                    continue
                if not p._tid:
                    p._tid = core.new_id()
                self._ids.add(p._tid)
                self._complex = self._complex or p._data.dtype.kind == "c"
                if isinstance(p, Variable):
                    self._watched_vars.setdefault(p._tid, getattr(p, "_parent", p))

    def watched_variables(self):
        """The variables watched by this tape, in the order they were first watched."""
        return tuple(self._watched_vars.values())

    # -- recording (called by the core for each op while recording) --------
    def on_op(self, op, args, params, res):
        """An op ran: record it when one of its inputs is watched."""
        if not self._recording:
            return
        ids = self._ids
        hit = variables = False
        for a in args:
            tid = a._tid
            if tid:
                if type(a) is not Tensor and isinstance(a, Variable):
                    variables = True
                    if (tid not in ids and self._watch_accessed and a.trainable
                            and a._data.dtype.kind in "fcV"):
                        ids.add(tid)
                        self._watched_vars[tid] = getattr(a, "_parent", a)  # an assign's result: its variable
                        self._complex = self._complex or a._data.dtype.kind == "c"
                if tid in ids:
                    hit = True
        if not hit or op.vjp is None:
            return
        if type(res) is tuple:
            kept = False
            for r in res:
                kind = r._data.dtype.kind
                if kind == "f" or kind == "c" or kind == "V":   # V: ml_dtypes' bfloat16
                    self._complex = self._complex or kind == "c"
                    if not r._tid:
                        r._tid = core.new_id()
                    ids.add(r._tid)
                    kept = True
            if not kept:
                return
        else:
            kind = res._data.dtype.kind
            if kind != "f":
                if kind == "c":
                    self._complex = True   # the walk conjugates (TF's convention for complex gradients)
                elif kind != "V":   # V: ml_dtypes' bfloat16, which carries gradients
                    return
            tid = res._tid
            if not tid:
                tid = res._tid = core.new_id()
            ids.add(tid)
            if op is IDENTITY_OP:
                self._aliases[tid] = args[0]._tid
        if variables:
            # the record keeps each variable's buffer as it is now, under the variable's id
            # (a variable copies its buffer on its next write while a record holds it)
            captured = self._captured
            kept = []
            for a in args:
                if type(a) is not Tensor and isinstance(a, Variable):
                    tid = a._tid
                    if tid not in captured:
                        captured[tid] = a
                        a._captures += 1
                    snap = core.wrap(a._data)
                    snap._tid = tid
                    a = snap
                kept.append(a)
            args = tuple(kept)
        if core.observers():
            self._frames[len(self._records)] = core.user_frame()
        self._records.append((op, args, params, res))

    def _release(self):
        for v in self._captured.values():
            v._captures -= 1
        self._captured = {}

    def __del__(self):
        captured = getattr(self, "_captured", None)
        if captured:
            self._release()

    # -- the reverse walk ---------------------------------------------------
    def _backward(self, targets, seeds, sources, lead, free, sparse=()):
        """Propagate ``seeds`` (cotangents of ``targets``) to ``sources``; a dict tid -> grad.
        The walk runs on raw arrays when nothing records or observes it (first order), else
        on Tensors (so surrounding tapes see the rules: higher order). ``sparse``: ids of
        sources that may get ``IndexedSlices`` (see ``reverse_walk``)."""
        rules = ArrayRules() if self._walks_raw() else TensorRules(self._frames)
        was_recording = self._recording
        self._recording = False
        try:
            return reverse_walk(self._records, self._ids, targets, seeds, sources, rules, lead, free, sparse,
                                conjugate=self._complex)
        finally:
            self._recording = was_recording

    def _walks_raw(self):
        """Whether the reverse walk can run on raw arrays: nothing records or observes it."""
        return not (self._on_tensors or core.observers()
                    or any(t._recording for t in core.tapes() if t is not self)
                    or any(a._active for a in core.accumulators()))

    # -- a read-only view, for what compiles a walk (wb.function) -----------
    @property
    def persistent(self) -> bool:
        return self._persistent

    @property
    def recording(self) -> bool:
        """Whether ops running now are recorded (inside the block, not paused)."""
        return self._recording

    @property
    def records(self) -> list:
        """The records, oldest first: ``(op, args, params, result)`` each (``result`` a tuple
        for several outputs), None where a walk freed one. Read it; never change it."""
        return self._records

    @property
    def watched_ids(self) -> set:
        """The ids (``_tid``) of the tensors this tape watches: only they get gradients."""
        return self._ids

    @classmethod
    def over(cls, records, watched_ids, tensors=False):
        """A new non-persistent tape holding ``records`` (as :attr:`records` gives them) and
        watching ``watched_ids``: one more reverse walk over what another tape recorded.
        ``tensors``: its walks run their rules as ops on Tensors, always (so that whatever
        listens, a ``wb.function`` trace, sees them, and they can be differentiated again)."""
        tape = cls(persistent=False, watch_accessed_variables=False)
        tape._records = list(records)
        tape._ids = set(watched_ids)
        tape._ids.discard(0)   # 0: no id (a tensor no tape has seen)
        tape._on_tensors = bool(tensors)
        return tape

    def walks_first_order(self) -> bool:
        """Whether a reverse walk now would be first order: no other tape records it and
        nothing observes it (its rules may then run on raw arrays)."""
        return self._walks_raw()

    def _check_usable(self, what):
        if self._used and not self._persistent:
            raise RuntimeError(
                f"{what}: a non-persistent GradientTape can only be used to compute one set of "
                "gradients (or jacobians); create it with GradientTape(persistent=True) to call it again")

    def _finish(self):
        self._used = True
        if not self._persistent:
            self._records = []
            self._frames = {}
            self._release()

    def gradient(self, target, sources, output_gradients=None,
                 unconnected_gradients=UnconnectedGradients.NONE):
        """Gradients of ``target`` (summed over a structure of targets) with respect to ``sources``.

        The result has the structure of ``sources``. Sources the target does not
        depend on, and integer sources, give None (or zeros with
        ``unconnected_gradients='zero'``), with a warning that says why.
        """
        return self._gradient(target, sources, output_gradients, unconnected_gradients)

    @core.effect   # a wb.function trace plans a first-order walk as steps
    def _gradient(self, target, sources, output_gradients, unconnected_gradients):
        self._check_usable("gradient")
        mode = _unconnected_mode(unconnected_gradients)
        flat_targets = _plain(target)
        if flat_targets is None:
            flat_targets = _expand(_leaf_tensors(target, "target")[1])
        plain_sources = _plain(sources)
        flat_sources = plain_sources if plain_sources is not None else _leaf_tensors(sources, "sources")[1]
        if output_gradients is None:
            seeds = [_ones_like(t) for t in flat_targets]
        else:
            seeds = _expand(_leaf_tensors(output_gradients, "output_gradients")[1])
            if len(seeds) != len(flat_targets):
                raise ValueError(f"gradient: output_gradients has {len(seeds)} tensors, "
                                 f"target has {len(flat_targets)}")
            for i, (t, s) in enumerate(zip(flat_targets, seeds)):
                if s.shape != t.shape:
                    raise ValueError(f"gradient: output_gradients[{i}] has shape {s.shape}, "
                                     f"target[{i}] has shape {t.shape}")
                if s.dtype != t.dtype:
                    seeds[i] = _cast(s, t.dtype)
        if plain_sources is not None:   # tensors and variables only: no composite to split
            src_parts = None
            flat_parts = flat_sources
            sparse = {s._tid for s in flat_sources if s._tid}
        else:
            src_parts = [_components(s) for s in flat_sources]
            flat_parts = [p for parts in src_parts for p in parts]
            # TF: a variable or tensor source read through a row gather (embedding lookups) gets
            # IndexedSlices; a composite source's components stay dense
            sparse = {s._tid for s in flat_sources if isinstance(s, Tensor) and s._tid}
        if sparse and self._aliases:
            # TF: rows gathered from an identity of a source (v.read_value(), tf.identity(v))
            # pass through it, IndexedSlices still
            for out, src in self._aliases.items():
                if src in sparse:
                    sparse.add(out)
        grads = self._backward(flat_targets, seeds, flat_parts, 0, free=not self._persistent,
                               sparse=sparse)
        self._finish()
        # TF: a tensor or variable that is both target and source has the target's seed as its
        # gradient (ones), whether or not the tape watched it
        var_seeds = {id(t): s for t, s in zip(flat_targets, seeds) if isinstance(t, (Variable, Tensor))}
        out = []
        get = grads.get
        for i, src in enumerate(flat_sources):
            if src_parts is None:
                g = get(src._tid) if src._tid else None
                if g is not None:   # the common case: a gradient, which no seed replaces
                    out.append(g)
                    continue
                parts = [src]
            else:
                parts = src_parts[i]
            if (id(src) in var_seeds and grads.get(src._tid) is None and src.dtype.kind in "fc"):
                out.append(var_seeds[id(src)])
                continue
            gs = []
            for p in parts:   # called from here, not a comprehension: the warning's stacklevel
                gs.append(self._result(grads, p, i, mode, lead_shape=()))
            if isinstance(src, core.CompositeTensor):
                out.append(None if any(g is None for g in gs) else src.from_components(gs))
            else:
                out.append(gs[0])
        if plain_sources is not None:
            return out[0] if isinstance(sources, Tensor) else type(sources)(out)
        return nest.pack_sequence_as(sources, out)

    def _result(self, grads, source, index, mode, lead_shape):
        g = grads.get(source._tid) if source._tid else None
        if g is not None:
            return g
        if source._data.dtype.kind not in "fcV":
            if mode is UnconnectedGradients.ZERO:
                if source._data.dtype.kind in "iub":   # TF: zeros of the source's dtype
                    return core.wrap_constant(source.xp.zeros(tuple(lead_shape) + source.shape,
                                                              source._data.dtype))
                return None
            warnings.warn(f"gradient: sources[{index}] has dtype {source.dtype}; only floating and "
                          "complex tensors carry gradients (integer and bool do not), so None is "
                          "returned", UnconnectedGradientWarning, stacklevel=5)
            return None
        if mode is UnconnectedGradients.ZERO:
            xp = source.xp
            return core.wrap_constant(xp.zeros(tuple(lead_shape) + source.shape, source.dtype))
        if source._tid not in self._ids:
            why = ("it was not watched: call tape.watch(x) inside the tape, or use a trainable "
                   "wb.Variable")
        else:
            why = "no recorded op connects it to the target"
        warnings.warn(f"gradient: sources[{index}] (shape {source.shape}, dtype {source.dtype}) is not "
                      f"connected to the target, so None is returned: {why}",
                      UnconnectedGradientWarning, stacklevel=5)
        return None

    # -- jacobians (one vectorized backward pass per chunk) ---------------
    def jacobian(self, target, sources, unconnected_gradients=UnconnectedGradients.NONE,
                 parallel_iterations=None, experimental_use_pfor=True):
        """The jacobian of ``target`` with respect to each source: shape
        ``target.shape + source.shape``.

        Rules run on a batch of cotangents, one backward pass for all rows of
        the jacobian. ``parallel_iterations`` bounds how many rows are computed
        at once (memory); by default all of them.
        """
        if not experimental_use_pfor:
            self._check_loop("jacobian with eager execution enabled and with ")
        return self._jacobian(target, sources, unconnected_gradients, parallel_iterations)

    def _check_loop(self, what):
        """TF's error for the loop (``experimental_use_pfor=False``) on a tape that is not
        persistent, in eager code: its loop calls the tape once per row."""
        if not self._persistent and not core.tracing():
            raise RuntimeError("GradientTape must be created with persistent=True to compute the "
                               f"{what} experimental_use_pfor set to False.")

    @core.effect
    def _jacobian(self, target, sources, unconnected_gradients, parallel_iterations):
        self._check_usable("jacobian")
        mode = _unconnected_mode(unconnected_gradients)
        target = _as_tensor(target, "target", "jacobian") if not isinstance(target, Tensor) else target
        src_struct, flat_sources = _leaf_tensors(sources, "sources", "jacobian")
        m = target.size
        chunk = _chunk(parallel_iterations, m, "jacobian")
        xp = target.xp
        pieces = [[] for _ in flat_sources]
        start = 0
        while True:
            stop = min(m, start + chunk)
            rows = stop - start
            seed = xp.zeros((rows, m), target.dtype)
            if rows:
                seed[xp.arange(rows), xp.arange(start, stop)] = 1
            seed = core.wrap_constant(seed.reshape((rows,) + target.shape))
            last = stop >= m
            grads = self._backward([target], [seed], flat_sources, 1,
                                   free=last and not self._persistent)
            for i, s in enumerate(flat_sources):
                pieces[i].append(self._result(grads, s, i, mode, lead_shape=(rows,)))
            start = stop
            if last:
                break
        self._finish()
        out = []
        for s, ps in zip(flat_sources, pieces):
            if ps[0] is None:
                out.append(None)
                continue
            j = ps[0] if len(ps) == 1 else concat(ps, axis=0)
            out.append(reshape(j, target.shape + s.shape))
        return nest.pack_sequence_as(sources, out)

    def batch_jacobian(self, target, source, unconnected_gradients=UnconnectedGradients.NONE,
                       parallel_iterations=None, experimental_use_pfor=True):
        """Per-example jacobians: ``target`` ``[b, *y]``, ``source`` ``[b, *x]`` give ``[b, *y, *x]``.

        Assumes row ``i`` of ``target`` depends only on row ``i`` of ``source`` (not checked,
        as in TF).
        """
        if not experimental_use_pfor:
            self._check_loop("batch_jacobian with eager execution enabled and  with")
        return self._batch_jacobian(target, source, unconnected_gradients, parallel_iterations)

    @core.effect
    def _batch_jacobian(self, target, source, unconnected_gradients, parallel_iterations):
        self._check_usable("batch_jacobian")
        mode = _unconnected_mode(unconnected_gradients)
        target = _as_tensor(target, "target", "batch_jacobian") if not isinstance(target, Tensor) else target
        source = _as_tensor(source, "source", "batch_jacobian") if not isinstance(source, Tensor) else source
        for t in (target, source):   # TF 2.21 wants [b, ...] of rank 2 or more for both
            if t.ndim < 2:
                raise ValueError(f"Shape {tuple(t.shape)} must have rank at least 2")
        if target.shape[0] != source.shape[0]:
            raise ValueError(f"batch_jacobian: target {target.shape} and source {source.shape} must "
                             "have the same first (batch) dimension")
        b = target.shape[0]
        ys = target.shape[1:]
        m = int(np.prod(ys))
        chunk = _chunk(parallel_iterations, m, "batch_jacobian")
        xp = target.xp
        pieces = []
        start = 0
        while True:
            stop = min(m, start + chunk)
            rows = stop - start
            eye = xp.zeros((rows, m), target.dtype)
            if rows:
                eye[xp.arange(rows), xp.arange(start, stop)] = 1
            seed = xp.broadcast_to(eye[:, None, :], (rows, b, m)).reshape((rows, b) + ys)
            last = stop >= m
            grads = self._backward([target], [core.wrap_constant(xp.ascontiguousarray(seed))], [source], 1,
                                   free=last and not self._persistent)
            pieces.append(self._result(grads, source, 0, mode, lead_shape=(rows,)))
            start = stop
            if last:
                break
        self._finish()
        if pieces[0] is None:
            # TF 2.21's batch_jacobian gives zeros (of the target's dtype) for an unconnected
            # target whatever unconnected_gradients says
            return core.wrap_constant(xp.zeros((b,) + ys + source.shape[1:], target.dtype))
        j = pieces[0] if len(pieces) == 1 else concat(pieces, axis=0)  # [m, b, *x]
        perm = (1, 0) + tuple(range(2, j.ndim))
        return reshape(transpose(j, perm), (b,) + ys + source.shape[1:])


def _components(t):
    return t.components() if isinstance(t, core.CompositeTensor) else [t]


def _ones_like(t):
    return core.wrap_constant(t.xp.ones(t._data.shape, t._data.dtype))


def _cast(t, dtype):
    return cast(t, dtype)
