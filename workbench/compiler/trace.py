"""The tracer: watches one eager run of a ``wb.function`` and turns what runs into steps."""

from __future__ import annotations

import collections.abc
import linecache
import os
import re
import sys
import sysconfig
import weakref

import numpy as np

from gradients.tape import GradientTape

from .. import backend, core, nest
from .. import random as wbrandom
from ..core import Tensor, Variable
from .planned import try_compile_gradient, try_compile_jacobian
from .signature import Placeholder, as_tensors, derive
from .step import Step

__all__ = ["RELEASED", "Deferrals", "KernelError", "OutOfScopeError", "Tracer", "hold", "raise_kernel_errors",
           "tensor_leaves"]

# id -> weak reference of every tensor a program's replay rebinds (its inputs and the values
# it computes): a trace that meets one of another program's (a function traced while a replay
# runs its stateful step, whose Python closes over the replay's values) reads it where its
# step runs, never as a constant
_HOLDERS: dict = {}


def hold(tensors):
    """Note ``tensors`` as holders a program's replays rebind."""
    for t in tensors:
        key = id(t)
        _HOLDERS[key] = weakref.ref(t, lambda ref, key=key: _HOLDERS.get(key) is ref and _HOLDERS.pop(key))


def _held_by_a_program(t) -> bool:
    ref = _HOLDERS.get(id(t))
    return ref is not None and ref() is t


class OutOfScopeError(AttributeError, TypeError, RuntimeError):
    """A tensor created inside a ``wb.function`` used after the call (TF raises
    ``AttributeError`` for ``.numpy()`` of such a tensor and ``TypeError`` for its use in an op)."""


def _from_numpy_method(frame) -> bool:
    """Whether ``frame`` runs in ``Tensor.numpy`` (or a subclass's), a few callers up."""
    for _ in range(4):
        if frame is None:
            return False
        code = frame.f_code
        if code.co_name == "numpy" and code.co_filename == core.__file__:
            return True
        frame = frame.f_back
    return False


# code that is not the traced body's own: ours, Python's standard library, installed packages
_LIBRARY_ROOTS = core._OUR_ROOTS + tuple({os.path.dirname(os.__file__) + os.sep,
                                          sysconfig.get_paths()["purelib"] + os.sep})


def _called_with(frame, lasti):
    """The names in the source of the expression ``frame`` was running at instruction offset
    ``lasti`` (the call into the library), or None where its source is not at hand."""
    try:
        line, end, col, end_col = list(frame.f_code.co_positions())[lasti // 2]
    except (AttributeError, IndexError, ValueError):
        return None
    if None in (line, end, col, end_col):
        return None
    lines = [linecache.getline(frame.f_code.co_filename, n) for n in range(line, end + 1)]
    if not all(lines):
        return None
    lines[-1] = lines[-1][:end_col]
    lines[0] = lines[0][col:]
    return set(_NAME.findall("".join(lines)))


_NAME = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")


class SymbolicTensor:
    """The value of a traced intermediate after a replay: using it is a mistake. The class is
    named as TF's symbolic tensor, so that Python's own messages (``float(x)``) read as TF's;
    ``x.numpy()`` raises TF's ``AttributeError`` ("'SymbolicTensor' object has no attribute
    'numpy'"), other uses our ``OutOfScopeError``; printing the tensor says what it is."""

    out_of_scope = True   # what Tensor's repr looks for

    def __array__(self, *args, **kwargs):
        if _from_numpy_method(sys._getframe(1)):
            raise OutOfScopeError("'SymbolicTensor' object has no attribute 'numpy'")
        self.__getattr__("value")

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        raise OutOfScopeError("this tensor was created inside a wb.function and is out of scope: it "
                              "cannot be used here. Use return values, explicit Python locals or "
                              "variables to access it")


RELEASED = SymbolicTensor()


class KernelError:
    """The value of an op whose kernel raised a data-dependent error (an ``OpError``: an index
    out of range …) while a trace ran. TF prunes the ops whose results nothing uses, so such
    an error raises only where the value is used: by a later op, ``.numpy()``, a variable
    assignment, the function's results. A trace that ends without using it drops the error,
    and the op is not in the program (its replays skip it)."""

    __slots__ = ("error",)

    def __init__(self, error):
        self.error = error

    def __array__(self, *args, **kwargs):
        raise self.error

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        raise self.error


def _defer(deferred, error):
    if any(e is error for e in deferred):
        return None
    deferred.append(error)
    t = Tensor.__new__(Tensor)
    t._data = KernelError(error)
    t._tid = 0
    return t


class Deferrals:
    """A run of a function that runs eagerly (it cannot be replayed) as a TF function would
    run its graph: an unused op's kernel error does not raise (``core._state.deferrals``)."""

    def __init__(self):
        self.deferred: list = []

    def defer(self, error):
        return _defer(self.deferred, error)

    def __enter__(self):
        self._prev, core._state.deferrals = core._state.deferrals, self
        return self

    def __exit__(self, *exc):
        core._state.deferrals = self._prev


def raise_kernel_errors(result):
    """Raise the kernel error a result of the function stands for, if one does."""
    for leaf in tensor_leaves(result):
        if type(leaf._data) is KernelError:
            raise leaf._data.error


def tensor_leaves(value):
    """The tensors in a nested result (a RaggedTensor contributes its flat values)."""
    out = []
    for leaf in nest.flatten(value):
        if isinstance(leaf, Tensor):
            out.append(leaf)
        elif isinstance(leaf, core.CompositeTensor):
            out.extend(leaf.components())
    return out


def written_variables(args, kwargs):
    """The variables a stateful call on ``args`` and ``kwargs`` may write: those among them,
    and those the objects among them hold (an optimizer's slots and step count, a generator's
    state: attributes that are variables, or dicts, lists and tuples of them two levels deep),
    which such a call writes in place without passing them to a stateful call of their own."""
    out = []
    for leaf in nest.flatten((args, kwargs)):
        if isinstance(leaf, Tensor):
            out.append(leaf)
        elif isinstance(leaf, core.CompositeTensor):
            out.extend(leaf.components())
        elif not isinstance(leaf, (type, str, bytes, int, float, complex, bool, np.ndarray)):
            held = getattr(leaf, "__dict__", None)
            if held:
                _held_variables(held.values(), out, 2)
    return [v for v in out if isinstance(v, Variable)]


def _held_variables(values, out, depth):
    for value in values:
        if isinstance(value, Variable):
            out.append(value)
        elif depth and isinstance(value, (list, tuple)):
            _held_variables(value, out, depth - 1)
        elif depth and isinstance(value, dict):
            _held_variables(value.values(), out, depth - 1)


_VALUE_ARITHMETIC = {"add": lambda a, b: a + b, "subtract": lambda a, b: a - b,
                     "multiply": lambda a, b: a * b, "floordiv": lambda a, b: a // b if b else None}
_VALUE_REDUCTIONS = {"reduce_prod": np.prod, "reduce_sum": np.sum, "reduce_max": np.max, "reduce_min": np.min}
# the ops whose results' values TF's shape inference follows (Tracer._propagate_value)
_VALUE_OPS = frozenset(("getitem", "identity", "cast", "reshape", "expand_dims", "concat", *_VALUE_ARITHMETIC,
                        *_VALUE_REDUCTIONS))


class Tracer(core.Listener):
    """Watches one eager run and records it as steps (closures over the traced tensors,
    whose ``_data`` a replay rebinds)."""

    kind = "tracer"

    def __init__(self, inputs):
        self.steps: list = []        # Step records, in the order they ran
        self.slots: list = []        # values of planned reverse walks (released after a replay)
        self.dynamic: set = set()    # ids of tensors whose value changes between calls
        self.arrays: dict = {}       # id(array) -> the dynamic tensor (or variable) holding it
        self.keep: list = []         # keeps traced objects alive (ids stay unique)
        self.produced: list = []     # tensors a replay writes (released after it)
        self.pinned: set = set()     # ids of tensors handed to stateful calls (never released)
        self.why = None              # why the trace cannot be replayed, if it cannot
        self.created_variables = False
        self.created: list = []      # weak references to the variables the run created
        self.internal: dict = {}     # tensors library code wrapped around arrays during the trace
        self.captures: dict = {}     # id(tape) -> {tid: variable} whose buffers its records hold
        self.held: list = []         # variables held by persistent tapes until a replay ends
        self.captured: list = []     # every variable a tape's records hold
        # (step, id(variable)) -> the buffer an op step read; while tracing, the tracer holds
        # every variable ops read (copy on write, as a tape does), so later updates in the
        # trace replace the buffer and these keep the values the ops saw
        self.var_values: dict = {}
        self.reads: dict = {}
        self.external: list = []    # other programs' holders the trace reads (see ``hold``)
        # every differentiable op the trace saw, constants too, as a tape records it (the
        # variables it read: (variable, the buffer it read) each, or None): wb.gradients
        # differentiates through them (TF's graph-mode gradients; see ``graph_gradients``)
        self.graph: list = []
        self.custom_gradients: list = []   # names of the custom_gradient ops the trace saw
        # id -> the tensors the call was given (their placeholders share their tape ids), and
        # the tensors ops used as constants: the function's key marks a later argument that
        # is one of those, so that its program sees one tensor where eager mode does
        self.arguments: dict = {}
        self.constants: dict = {}
        # what ran, in order, as (name, input tensors, output tensors, an op's parameters or
        # None): every op (those on constants too, which no step replays), draw, stateful
        # call and reverse walk; the graph view (``graphdef``) shows these as nodes, and the
        # output specs follow from them (``signature.output_shapes``)
        self.events: list = []
        for t in inputs:
            self._mark(t)
        # an argument whose static shape leaves sizes open: ops' results that those reach get
        # TF's static shape too (``signature.derive``), kept here to be released at the end
        self.open_shapes = any(type(t) is Placeholder and Placeholder._shown[id(t)][1] != t._data.shape
                               for t in inputs)
        self.derived: list = []
        self.static: dict = {}   # id(derived result) -> its static shape, for the output specs
        # id(shape tensor) -> (it, what TF's shape inference knows of its value: a tuple with
        # None for an entry the arguments decide, or an int or None for a scalar): the shape
        # of an argument with open sizes (wb.shape(x)), and what ops compute from it
        self.values: dict = {}
        self.deferred: list = []   # the kernel errors of ops whose results raise them where used
        # a trace on stand-in values that TF would not run (``get_concrete_function``, a
        # dataset's function when the dataset is built; a cond branch not taken sets it for
        # the branch): id -> (variable, its buffer, a copy of its value) before the trace
        # first wrote it (or as it was made), put back by ``undo`` when the trace ends
        self.undoes = False
        self.saved: dict = {}
        self.stands_in = False  # py_function bodies are not called (``undoes`` traces)
        # a trace on stand-ins: id -> a mask of the arguments whose stand-in is one choice of
        # several (an open size or rank, an integer count, a matrix; bit i: the i-th of them)
        # that the tensor is computed from, for those arguments and what ops compute from them
        self.chosen = None
        self.stood_in = False   # a py_function's body was not called: its results stood in

    # -- bookkeeping ---------------------------------------------------------------
    def _mark(self, t):
        self.dynamic.add(id(t))
        self.arrays[id(t._data)] = t
        self.keep.append(t)

    def _refresh(self, var):
        """Map ``var``'s current buffer to it (and keep the buffer alive, so that its id stays
        this buffer's for the rest of the trace)."""
        if id(var) in self.dynamic and self.arrays.get(id(var._data)) is not var:
            self.arrays[id(var._data)] = var
            self.keep.append(var._data)

    def _produced(self, t):
        self._mark(t)
        self.produced.append(t)

    def on_wrap(self, t):
        self.internal[id(t)] = t

    def symbolic(self, t) -> bool:
        """Whether ``t`` is a tensor of the graph TF would build: one the inputs or variables
        reach, or one made during the trace (not a tensor captured from outside)."""
        return id(t) in self.dynamic or id(t) in self.internal

    def _resolve(self, t, what="an op") -> bool:
        """Whether ``t`` changes between calls; a new wrapper of a dynamic array (a tape's
        snapshot, custom_gradient's outputs) gets a step that binds it."""
        if id(t) in self.dynamic:
            return True
        if isinstance(t, Variable):
            self.dynamic.add(id(t))
            self.keep.append(t)
            self.arrays[id(t._data)] = t
            return True
        if _held_by_a_program(t):
            # another program's value, rebound by each of its replays: read where the step
            # runs (as a variable is), not folded into a constant
            self._mark(t)
            self.external.append(t)
            return True
        if id(t) in self.arguments:
            # an argument the function also captures: a constant (a later call with another
            # argument leaves it be), which this call's key names (see Function._trace)
            self.constants[id(t)] = t
            return False
        src = self.arrays.get(id(t._data))
        if src is not None:
            self._alias(t, src)
            return True
        if id(t) in self.internal:
            # library code computed this array outside any op: it may depend on the inputs
            self._unreplayable(f"a value computed outside the op graph reaches {what} "
                               f"(at {core.user_frame()})")
        elif type(t) is Tensor:
            self.constants[id(t)] = t
        return False  # a constant: computed at trace time, used as it is

    def _alias(self, t, src):
        def bind(t=t, src=src):
            t._data = src._data
        self._add(bind, "bind", (src,), (t,), pure=True)
        self._produced(t)

    def _add(self, compute, name, reads=None, writes=(), pure=False, what=None):
        """Append a step (see :class:`Step`): ``reads`` None means not known."""
        self.steps.append(Step.of(compute, name, reads, writes, pure, what))

    def save(self, var):
        """Keep ``var``'s value as it is before the trace writes it (see ``undoes``)."""
        if self.undoes and isinstance(var, Variable) and id(var) not in self.saved:
            data = var._data
            self.saved[id(var)] = (var, data, backend.xp_of(data).array(data, copy=True))

    def undo(self):
        """Give every variable the trace wrote its value from before the trace."""
        for var, _, data in self.saved.values():
            if var._captures or var._data.shape != data.shape or var._data.dtype != data.dtype:
                var._data = data   # a tape holds the buffer (copy on write): a new one
            else:
                backend.xp_of(var._data).copyto(var._data, data)
        self.saved = {}

    def let_go(self):
        """End the trace's hold on the variables its ops read."""
        for var in self.reads.values():
            var._captures -= 1
        self.reads = {}
        self.graph = []

    def _suspended(self, fn, *args, **kwargs):
        core.set_tracer(None)
        try:
            return fn(*args, **kwargs)
        finally:
            core.set_tracer(self)

    def defer(self, error):
        """A tensor standing for the result of an op whose kernel raised ``error`` (see
        :class:`KernelError`), which the core's op wrappers hand to the function's code; None
        where ``error`` is an earlier op's, raised by a use of its result."""
        return _defer(self.deferred, error)

    def failed_on_stand_ins(self, error) -> int:
        """Which stand-ins ``error``, raised by the traced body, may come from (a mask of
        ``chosen``'s bits; 0 for none): those that the tensors at hand where the library
        raised it, and in the body's frame that called the library, were computed from.
        Other stand-ins cannot change an error that the body's own code raises, nor one an
        op raises on values that do not depend on them."""
        if not self.chosen:
            return 0
        frames, tb = [], error.__traceback__
        while tb is not None:
            frames.append((tb.tb_frame, tb.tb_lasti))
            tb = tb.tb_next
        chosen, mask = self.chosen, 0
        if not frames or not frames[-1][0].f_code.co_filename.startswith(_LIBRARY_ROOTS):
            return 0   # raised by the body's own code
        for frame, at in reversed(frames):   # from where it was raised out to the body's call
            ours = frame.f_code.co_filename.startswith(_LIBRARY_ROOTS)
            names = None if ours else _called_with(frame, at)
            for k, v in frame.f_locals.items():
                if names is not None and k not in names:
                    continue
                for e in (v[:64] if type(v) in (list, tuple) else list(v.values())[:64] if type(v) is dict
                          else (v,)):
                    mask |= chosen.get(id(e), 0)
            if not ours:   # (the body's call: the op's arguments, which the library may have converted)
                return mask
        return mask

    def _unreplayable(self, why):
        if self.why is None:
            self.why = why

    # -- TF's static shapes of values the data decides (see signature.derive) --------------
    def on_static(self, t, shape, value=None):
        """``t`` has TF's static shape ``shape`` (and, for a shape tensor, ``value``: see
        :meth:`static_value`); an argument keeps its own. ``shape`` False and no ``value``
        for a scalar: the arguments decide its value (``wb.size`` of a tensor with open sizes)."""
        if shape is not False and isinstance(t, core.CompositeTensor) and hasattr(t, "dense_shape"):
            # a SparseTensor: its spec in the output signature takes this static dense shape
            self.static[id(t)] = None if shape is None else tuple(shape)
            self.open_shapes = True
            return
        open_ = shape is None or shape is not False and None in shape
        if value is not None:
            self.values[id(t)] = (t, value)
        elif (shape is False or open_) and isinstance(t, Tensor) and t._data.ndim <= 1:
            self.values[id(t)] = (t, None)   # (a vector of open length: no entry known)
        if self.chosen and (shape is False or value is not None or open_):
            self.chosen[id(t)] = -1   # a shape, size or rank of an argument the stand-ins decide
        if shape is False or type(t) not in (Tensor, Placeholder):
            return
        if type(t) is Placeholder and Placeholder._shown[id(t)][0] is not None:
            return
        shape = None if shape is None else tuple(shape)
        if type(t) is Tensor:
            if shape == t._data.shape:
                self.static[id(t)] = shape   # known though its input's rank or sizes are open
                return
            t.__class__ = Placeholder
            self.derived.append(t)
        Placeholder._shown[id(t)] = (None, shape)
        self.static[id(t)] = shape
        self.open_shapes = True   # what it reaches gets TF's static shape too

    def static_value(self, value):
        """What TF's shape inference knows of a shape argument's value (``core.static_value``):
        a tuple, None for each entry that an argument decides (a computed tensor's entries, a
        size an argument leaves open); for a scalar tensor, its int or None."""
        if isinstance(value, Tensor):
            return self._value_of(value)
        if isinstance(value, (list, tuple)):
            return tuple(self._value_of(v) if isinstance(v, Tensor) else
                         int(v) if isinstance(v, (int, np.integer)) else v for v in value)
        return self._value_of(core.convert_to_tensor(value))

    def _value_of(self, t):
        known = self.values.get(id(t))
        if known is not None and known[0] is t:
            return known[1]
        d = t._data
        if type(t) is Placeholder:
            shown = Placeholder._shown[id(t)][1]
            if shown is None or d.ndim == 1 and shown[0] is None:
                return None   # an argument of open length: no entry known
        if id(t) in self.dynamic or id(d) in self.arrays or isinstance(t, Variable):
            return None if d.ndim == 0 else (None,) * d.shape[0] if d.ndim == 1 else None
        v = backend.to_numpy(d) if type(d) is not np.ndarray else d
        if v.dtype.kind not in "iuf" or v.ndim > 1:
            return None
        return v.item() if v.ndim == 0 else tuple(v.tolist())

    def _propagate_value(self, name, args, params, outs):
        """The known entries of a shape tensor through the ops that slice, join and scale it."""
        if len(outs) != 1:
            return
        d = outs[0]._data
        if d.ndim > 1 or d.size > 64 or d.dtype.kind not in "iu":
            return
        if not any(id(a) in self.values or id(a) in self.dynamic for a in args):
            return   # a constant: its value is known
        vals = [self._value_of(a) for a in args if isinstance(a, Tensor)]
        out = None if d.ndim == 0 else (None,) * d.shape[0] if d.ndim == 1 else None   # unless a rule says
        if name in ("getitem", "identity", "cast") and len(vals) == 1 and isinstance(vals[0], tuple):
            key = params.get("key", (slice(None),)) if name == "getitem" else (slice(None),)
            if len(key) == 1 and isinstance(key[0], (int, slice)) and not isinstance(key[0], bool):
                out = vals[0][key[0]]
        elif name in ("reshape", "expand_dims") and len(vals) == 1 and d.ndim == 1:
            v = vals[0]
            out = (v,) if not isinstance(v, tuple) else v
        elif name == "concat" and all(isinstance(v, tuple) for v in vals):
            out = sum(vals, ())
        elif name in _VALUE_REDUCTIONS and d.ndim == 0 and len(vals) == 1 and isinstance(vals[0], tuple):
            # a whole shape reduced (its number of elements): known where every entry is
            known = None not in vals[0] and (vals[0] or name in ("reduce_prod", "reduce_sum"))
            out = int(_VALUE_REDUCTIONS[name](vals[0])) if known else None
        elif name in _VALUE_ARITHMETIC and len(vals) == 2 and (d.ndim == 0 or not any(
                id(a) in self.values for a in args)):   # TF evaluates scalars, not partial vectors
            a, b = vals
            n = max(len(v) if isinstance(v, tuple) else 0 for v in vals)
            if isinstance(a, tuple) or isinstance(b, tuple):
                a = a if isinstance(a, tuple) else (a,) * n
                b = b if isinstance(b, tuple) else (b,) * n
                if len(a) == len(b):
                    f = _VALUE_ARITHMETIC[name]
                    out = tuple(None if x is None or y is None else f(x, y) for x, y in zip(a, b))
            else:
                out = None if a is None or b is None else _VALUE_ARITHMETIC[name](a, b)
        self.values[id(outs[0])] = (outs[0], out)

    # -- what the core reports ---------------------------------------------------------
    def on_op(self, op, args, params, res):
        dyn = False
        for a in args:
            if self._resolve(a, f"op '{op.name}'"):
                dyn = True
        outs = res if type(res) is tuple else (res,)
        self.events.append((op.name, args, outs, params))
        chosen = self.chosen
        if chosen:
            mask = 0
            for a in args:
                mask |= chosen.get(id(a), 0)
            if mask:
                for o in outs:
                    chosen[id(o)] = mask
        hint = core.take_static_shape_hint(op.name)
        if len(outs) == 1 and (self.open_shapes or hint is not False):
            shape = derive(op.name, args, params, outs[0], hint)
            if shape is not False:
                self.derived.append(outs[0])
                self.static[id(outs[0])] = shape
                self.open_shapes = True   # what it reaches gets TF's static shape too
            elif hint is not False:   # the traced sizes are TF's static ones: the output specs say so
                self.static[id(outs[0])] = None if hint is None else tuple(hint)
        elif type(hint) is list and len(hint) == len(outs):   # one static shape per result
            for o, shape in zip(outs, hint):
                self.on_static(o, shape)
        if op.name in _VALUE_OPS:
            self._propagate_value(op.name, args, params, outs)
        if op.vjp is not None:
            self.graph.append((op, args, params, res, None))
        if op.fwd is None:  # custom_gradient: its outputs are new wrappers of computed arrays
            self.custom_gradients.append(op.name)
            for o in outs:
                self._resolve(o)
            return
        if not dyn:
            return  # constant folding: inputs never change, so neither does the result
        for value in params.values():
            if (isinstance(value, Tensor) or backend.is_array(value)) and (
                    id(value) in self.dynamic or id(getattr(value, "_data", value)) in self.arrays):
                self._unreplayable(f"op '{op.name}' takes a computed value as a parameter "
                                   f"(at {core.user_frame()})")
        self._snapshots(res)
        read = None
        for a in args:
            if isinstance(a, Variable):
                if id(a) not in self.reads:
                    self.reads[id(a)] = a
                    a._captures += 1
                self.var_values[(len(self.steps), id(a))] = a._data
                read = (read or ()) + ((a, a._data),)
        if read is not None and op.vjp is not None:
            self.graph[-1] = (op, args, params, res, read)
        self._add(_op_step(op, args, params, res), op.name, args, outs, pure=True,
                  what=("op", op, args, params, res))
        for o in outs:
            self._produced(o)

    def _snapshots(self, res):
        """A tape's record of an op on a variable holds a snapshot of its buffer: bind it to
        the variable's buffer at the same point of a replay, and hold the buffer as the tape
        does (copy on write) until the tape's reverse walk."""
        for tape in core.tapes():
            if not (tape.recording and tape.records):
                continue
            rec = tape.records[-1]
            if rec is None or rec[3] is not res:
                continue
            for a in rec[1]:
                if id(a) in self.dynamic or isinstance(a, Variable) or not a._tid:
                    continue
                var = self.arrays.get(id(a._data))
                if isinstance(var, Variable):
                    self._capture(a, var, tape)

    def _capture(self, snap, var, tape):
        held = self.captures.setdefault(id(tape), {})
        if var._tid not in held:
            held[var._tid] = var
            self.captured.append(var)

            def hold(var=var):
                var._captures += 1
            self._add(hold, "capture", (), (), pure=True)

        def bind(t=snap, var=var):
            t._data = var._data
        self._add(bind, "bind", (var,), (snap,), pure=True)
        self._produced(snap)

    def on_read(self, t):
        if id(t) in self.dynamic or isinstance(t, Variable) or id(t._data) in self.arrays:
            self._unreplayable(f"the function reads a computed tensor's value in Python at "
                               f"{core.user_frame()} (e.g. float(x), bool(x), x.numpy() or `if x:`), "
                               "so what it does depends on the data; use wb.where/wb.cond on tensors, "
                               "or read values outside the function")

    def on_variable(self, var):
        # variables are created on the first call (a layer's lazy build): that call runs
        # eagerly, and the next one traces the function with the variables in place
        self.created_variables = True
        self.created.append(weakref.ref(var))
        self.save(var)   # a trace TF would not run leaves it at its initial value

    def on_draw(self, source, fn, inputs):
        """A random draw: ``fn(source(), *arrays)``, run again (on a fresh stream) by every replay.
        A stateless source's seed is read when the draw runs, so it may be computed."""
        for t in inputs:
            self._resolve(t, "a random draw")
        seed = getattr(source, "seed", None)
        seed = getattr(seed, "tensor", seed)
        if isinstance(seed, Tensor):
            self._resolve(seed, "a random draw's seed")
        self.save(_generator_state(source))
        out = core.wrap_constant(self._suspended(lambda: fn(source(), *[t._data for t in inputs])))

        def draw(out=out, source=source, fn=fn, inputs=tuple(inputs)):
            out._data = fn(source(), *[t._data for t in inputs])
        self._add(draw, "random", list(inputs) + ([seed] if isinstance(seed, Tensor) else []), (out,))
        self.events.append(("random", tuple(inputs), (out,), None))
        self._produced(out)
        return out

    def on_effect(self, fn, args, kwargs):
        if args and isinstance(args[0], GradientTape):
            tape, *rest = args
            if not tape.walks_first_order():  # made of ops, which the trace records one by one
                return fn(*args, **kwargs)
            return self.backward(tape, fn, tuple(rest), kwargs)
        # iterators (zip(grads, vars)) would be spent by the first run: keep their items
        args = tuple(list(a) if isinstance(a, collections.abc.Iterator) else a for a in args)
        kwargs = {k: list(v) if isinstance(v, collections.abc.Iterator) else v for k, v in kwargs.items()}
        for t in tensor_leaves((args, kwargs)):
            self._resolve(t, getattr(fn, "__qualname__", "a stateful call"))
            self.pinned.add(id(t))
        if self.undoes:
            for var in written_variables(args, kwargs):
                self.save(var)
        # the call runs untraced; it may still build variables (slots), and its ops may read
        # values computed earlier in the trace (a closure's tensors), which a replay must keep
        stand_in = getattr(fn, "stand_in", None) if self.stands_in else None
        if self.undoes and stand_in is None:
            # a write outside the variables (a lookup table's insert, a summary write), which
            # a trace TF would not run must not make: its ``dry_stand_in`` takes its place
            stand_in = getattr(fn, "dry_stand_in", None)
        if stand_in is not None:   # a py_function's body, tf.print: TF runs them with the graph
            result = stand_in(*args, **kwargs)
            self.stood_in = self.stood_in or bool(tensor_leaves(result))
        run = wbrandom.graph_call(fn)   # its random ops: a graph of their own at every run
        watch = _CreationWatch(self)
        core.set_tracer(watch)
        try:
            if stand_in is None:
                result = run(*args, **kwargs)
        finally:
            core.set_tracer(self)
        if watch.created:
            self.created_variables = True
            self.created.extend(watch.created)
        for t in tensor_leaves((args, kwargs)):
            if isinstance(t, Variable):   # an update gave it a new buffer: later reads of it are its
                self._refresh(t)          # value at that point of the replay, not constants
        outs = [t for t in tensor_leaves(result) if not isinstance(t, Variable)]

        replay = run if run.drew else fn
        bind = getattr(fn, "bind_at_trace", None)
        if bind is not None:   # the call reads ambient state its trace fixes (a summary's default writer)
            replay = bind(replay)

        def call(fn=replay, args=args, kwargs=kwargs, outs=outs):
            new = fn(*args, **kwargs)
            if outs:
                for o, n in zip(outs, [t for t in tensor_leaves(new) if not isinstance(t, Variable)]):
                    o._data = n._data
        reads = {id(t): t for t in tensor_leaves((args, kwargs))}
        reads.update(watch.reads)
        self._add(call, getattr(fn, "__qualname__", "call"), list(reads.values()), outs)
        self.events.append((getattr(fn, "__qualname__", "call"), tuple(reads.values()), tuple(outs), None))
        for o in outs:
            self._produced(o)
            if stand_in is not None:
                self.on_static(o, None)   # TF's unknown shape
        return result

    def backward(self, tape, method, args, kwargs):
        """A first-order ``gradient``/``jacobian``: run it, and record a step that runs it
        again over a copy of the tape's records (which hold the traced tensors)."""
        records = list(tape.records)
        ids = set(tape.watched_ids)
        persistent = tape.persistent
        captured = self.captures.get(id(tape), {})
        for rec in records:
            if rec is not None:
                for t in rec[1]:
                    self._resolve(t)
        for t in tensor_leaves((args, kwargs)):
            self._resolve(t)
        result = self._suspended(method, tape, *args, **kwargs)
        outs = tensor_leaves(result)
        release = [] if persistent else list(captured.values())
        if not persistent:
            self.captures.pop(id(tape), None)
        plan = {"_gradient": try_compile_gradient, "_jacobian": try_compile_jacobian}.get(method.__name__)
        if plan is not None:
            with as_tensors((args, kwargs)):   # the planner takes exactly Tensors and Variables
                compiled = self._suspended(plan, records, ids, args, kwargs, result)
            if compiled is not None:
                steps, slots, ends, state = compiled
                self.steps.extend(steps)
                self.slots.extend(slots)
                pairs = tuple((s, o) for (s, _), o in zip(ends, outs))

                def end(pairs=pairs, release=tuple(release), state=state):
                    for x in state:
                        x.clear()
                    for var in release:
                        var._captures -= 1
                    for s, o in pairs:
                        o._data = s._data
                self._add(end, "gradient/end", [s for s, _ in pairs], outs, pure=True)
                self.events.append((method.__name__.lstrip("_"), (), tuple(outs), None))
                for o in outs:
                    self._produced(o)
                return result

        def walk(records=records, ids=ids, method=method, args=args, kwargs=kwargs, outs=outs,
                 release=release):
            replay = GradientTape.over(records, ids)
            try:
                new = method(replay, *args, **kwargs)
            finally:
                for var in release:
                    var._captures -= 1
            for o, n in zip(outs, tensor_leaves(new)):
                o._data = n._data
        self._add(walk, method.__name__.lstrip("_"), None, outs)
        self.events.append((method.__name__.lstrip("_"), (), tuple(outs), None))
        for o in outs:
            self._produced(o)
        return result


class _CreationWatch(core.Listener):
    """Stands in for the tracer while a stateful call runs outside the trace: records no steps;
    notes whether the call creates variables (an optimizer's slots), which TF allows on a
    function's first trace only, and which of the trace's values the call's ops and Python
    reads use (a closure over a tensor computed earlier in the function): the call's step
    reads them, so a replay keeps them until it has run."""

    kind = "tracer"

    def __init__(self, tracer=None):
        self.created: list = []   # weak references to the variables the call created
        self.reads: dict = {}     # id -> the trace's holders (tensors, variables) the call read
        self._tracer = tracer

    def _note(self, t):
        tracer = self._tracer
        if tracer is None or not isinstance(t, Tensor):
            return
        if id(t) in tracer.dynamic:
            self.reads[id(t)] = t
            return
        src = tracer.arrays.get(id(t._data))   # a new wrapper of a traced value
        if src is not None:
            self.reads[id(src)] = src

    def on_op(self, op, args, params, res):
        for a in args:
            self._note(a)
        for value in params.values():
            self._note(value)

    def on_variable(self, var):
        self.created.append(weakref.ref(var))
        if self._tracer is not None:   # a slot made by the call: put back to its initial value
            self._tracer.save(var)

    def on_read(self, t):
        self._note(t)

    def on_wrap(self, t):
        pass

    def on_effect(self, fn, args, kwargs):
        if self._tracer is not None and self._tracer.undoes:   # what the call's own calls update
            for var in written_variables(args, kwargs):
                self._tracer.save(var)
        return fn(*args, **kwargs)

    def on_draw(self, source, fn, inputs):
        if self._tracer is not None:
            self._tracer.save(_generator_state(source))
        for t in inputs:
            self._note(t)
        return core.wrap(fn(source(), *[t._data for t in inputs]))


def _generator_state(source):
    """The state variable of the generator a draw's ``source`` (a generator's bound stream
    method) advances, or None."""
    return getattr(getattr(source, "__self__", None), "_state", None)


def random_state():
    """A function that puts ``wb.random``'s module state back as it is now: the global seed,
    the op-seed sequence, TF's kernel counters and the global generator (with its state)."""
    names = ("_global_seed", "_global_generator", "_own_generator", "_op_seed_rng")
    kept = {name: getattr(wbrandom, name) for name in names}
    sequence = wbrandom._op_seed_rng.getstate()
    counters = dict(wbrandom._kernel_counters)
    generator = wbrandom._global_generator
    state = None if generator is None else generator._state._data.copy()

    def restore():
        for name, value in kept.items():
            setattr(wbrandom, name, value)
        wbrandom._op_seed_rng.setstate(sequence)
        wbrandom._kernel_counters.clear()
        wbrandom._kernel_counters.update(counters)
        if generator is not None:
            generator._state._data = state
    return restore


def _op_step(op, args, params, res):
    """The forward of one op on the traced tensors' current arrays."""
    fwd = op.fwd
    data = [a._data for a in args]
    xp = np if backend._cupy is None else backend.xp_for(*data)
    if op.nout != 1:
        def step():
            for r, o in zip(res, fwd(xp, *[a._data for a in args], **params)):
                r._data = o
        return step
    if not params:
        if len(args) == 1:
            (a,) = args

            def step():
                res._data = fwd(xp, a._data)
            return step
        if len(args) == 2:
            a, b = args

            def step():
                res._data = fwd(xp, a._data, b._data)
            return step

    def step():
        res._data = fwd(xp, *[a._data for a in args], **params)
    return step
