"""Tensor, Variable, conversion rules, the op record and the recording hook.

An op is one :class:`Op` record: its forward (given the array module ``xp``),
its reverse-mode rule (``vjp``) and its forward-mode rule (``jvp``). Rules are
written with the library's own ops so they can be differentiated again. The
core knows nothing about tapes beyond this module's hook: ``gradients``
registers tapes and accumulators here, and :func:`apply` hands each op to
them. With nothing registered an op costs one flag check on top of the
NumPy/CuPy call.
"""

from __future__ import annotations

import html

import enum
import contextlib
import dis
import functools
import itertools
import os
import sys
import re
import threading
import warnings

import numpy as np

from . import backend
from .errors import InvalidArgumentError, OperatorNotAllowedInGraphError, OpError, argcheck
from .backend import Device
from .dtypes import PROMOTION_TYPES, DType, as_dtype, np_dtype, of_array, promoted_type
from .tensor_shape import TensorShape

_new = object.__new__
_next_id = itertools.count(1).__next__

# ---------------------------------------------------------------------------
# Hook state, per thread (as TF's tapes are): a tape entered on one thread does not
# record ops that run on another (prefetch or parallel map threads). ``_slow`` is the
# single global flag the fast path checks: true while any thread has something active.


class Listener:
    """What watches the core's work on one thread. Tapes, forward accumulators, observers
    (``check_numerics``, variable-access recorders) and the ``wb.function`` tracer all speak
    this protocol; each overrides the events it needs.

    - ``on_op(op, args, params, res)``: an op ran. Every active listener hears it, in the
      order of their ``kind``: observers, tapes, accumulators, then the tracer (which looks
      at what the tapes recorded).
    - ``on_read(t)``, ``on_wrap(t)``, ``on_variable(var)``: Python read a tensor's value,
      library code wrapped an array, a variable was created (the tracer only).
    - ``on_effect(fn, args, kwargs)``, ``on_draw(source, fn, inputs)``: a call marked
      :func:`effect`, a random draw; the tracer runs it, records it as one step and
      returns its result.
    """

    kind = "obs"

    def on_op(self, op, args, params, res):
        pass


_RANK = {"obs": 0, "tape": 1, "acc": 2, "tracer": 3}


class _HookState(threading.local):
    def __init__(self):
        self.listeners = []      # every active listener, in on_op order (see Listener)
        self.ranks = []          # their ranks (_RANK of the kind each was pushed as)
        self.tapes = []          # active GradientTapes, innermost last
        self.accumulators = []   # active ForwardAccumulators
        self.observers = []      # other per-op observers (check_numerics, variable-access recorders)
        self.tracer = None       # the wb.function trace being recorded on this thread, if any
        self.scope = ""          # the active name scope, "outer/inner/" (wb.name_scope)
        self.distribution = None  # the distribution strategy whose scope is entered (wb.distribute)
        self.dataset_fns = 0     # tf.data functions running on this thread (TF traces them as graphs)
        self.shape_hint = None   # (op name, static shape) for the next op a trace records (static_shape_hint)
        self.deferrals = None    # outside a trace, a wb.function's run whose kernel errors wait for a use


_state = _HookState()
_active = 0
_slow = False
_lock = threading.Lock()


def tapes() -> list:
    """The current thread's active tapes, innermost last."""
    return _state.tapes


def accumulators() -> list:
    return _state.accumulators


def observers() -> list:
    return _state.observers


def _list(kind):
    return {"tape": _state.tapes, "acc": _state.accumulators, "obs": _state.observers}[kind]


def _listen(kind, obj):
    global _active, _slow
    listeners, ranks = _state.listeners, _state.ranks
    rank = _RANK[kind]
    at = len(listeners)
    while at and ranks[at - 1] > rank:
        at -= 1
    listeners.insert(at, obj)
    ranks.insert(at, rank)
    with _lock:
        _active += 1
        _slow = True


def _unlisten(obj):
    global _active, _slow
    listeners = _state.listeners
    for i in range(len(listeners) - 1, -1, -1):
        if listeners[i] is obj:
            del listeners[i]
            del _state.ranks[i]
            with _lock:
                _active -= 1
                _slow = _active > 0
            return


def push(kind: str, obj):
    """Make ``obj`` (a :class:`Listener`: a tape ``'tape'``, a forward accumulator ``'acc'``
    or an observer ``'obs'``, or anything with an ``on_op`` method) active on the current
    thread."""
    _list(kind).append(obj)
    _listen(kind, obj)


def pop(kind: str, obj):
    lst = _list(kind)
    for i in range(len(lst) - 1, -1, -1):
        if lst[i] is obj:
            del lst[i]
            _unlisten(obj)
            break


def set_tracer(tracer):
    """Install (or, with None, remove) the current thread's ``wb.function`` tracer (a
    :class:`Listener` of kind ``'tracer'``); returns the previous one."""
    prev = _state.tracer
    if prev is tracer:
        return prev
    if prev is not None:
        _unlisten(prev)
    _state.tracer = tracer
    if tracer is not None:
        _listen("tracer", tracer)
    return prev


def effect(fn):
    """Mark ``fn`` as a call that ``wb.function`` records as one step instead of recording the
    ops inside it (``Listener.on_effect``): a stateful call (variable assignment, optimizer
    step, summary write), which a replay runs again, or a tape's reverse walk, which the
    tracer plans once."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        tracer = _state.tracer
        if tracer is None:
            return fn(*args, **kwargs)
        return tracer.on_effect(fn, args, kwargs)
    return wrapper


def tracing() -> bool:
    """Whether a ``wb.function`` trace is recording on this thread (``wb.executing_eagerly``
    is its negation)."""
    return _state.tracer is not None


def graph_building() -> bool:
    """Whether TF would be running graph code here: a ``wb.function`` trace, or a ``tf.data``
    function (``map``, ``filter``, ``scan``...), which TF traces once and this library calls on
    each element (:func:`dataset_function`)."""
    return _state.tracer is not None or _state.dataset_fns > 0


@contextlib.contextmanager
def dataset_function():
    """Run a ``tf.data`` user function: :func:`graph_building` is true inside it."""
    _state.dataset_fns += 1
    try:
        yield
    finally:
        _state.dataset_fns -= 1


def name_scope_prefix() -> str:
    """The current thread's name scope, ``"outer/inner/"`` (``""`` at the top level)."""
    return _state.scope


def open_shapes_traced() -> bool:
    """True while a ``wb.function`` trace whose arguments leave sizes open (an input signature
    with None) records ops: ops whose static shape their arguments' traced shapes do not say
    then tell it with :func:`static_shape_hint`."""
    tracer = _state.tracer
    return tracer is not None and getattr(tracer, "open_shapes", False)


def static_value(value):
    """While a ``wb.function`` trace runs: what TF's shape inference knows of ``value``, a
    shape argument (a list of ints and scalar tensors, or an integer tensor), as a tuple with
    None for an entry the trace's arguments decide (an argument, a size it leaves open), or
    None for a scalar it does not know; False outside a trace (everything is known)."""
    tracer = _state.tracer
    known = getattr(tracer, "static_value", None)
    return False if known is None else known(value)


def static_result(t, shape, value=None):
    """While a ``wb.function`` trace runs: ``t``, a result computed outside the op table (or
    by several ops), has TF's static shape ``shape`` (a tuple with None for a size the data
    or the arguments decide; None for an unknown rank); ``value``: what TF knows of its value,
    for a shape tensor (see :func:`static_value`). Returns ``t``."""
    tracer = _state.tracer
    on_static = getattr(tracer, "on_static", None)
    if on_static is not None:
        on_static(t, shape, value)
    return t


def static_shape_hint(op_name: str, shape) -> None:
    """TF's static shape (a tuple, None for an open size; None for an unknown rank) of the
    result of the next op, named ``op_name``, that the current trace records: the op's
    parameters are the traced sizes, this is what TF's shape inference says of them."""
    _state.shape_hint = (op_name, shape)


def take_static_shape_hint(op_name: str):
    """The hint :func:`static_shape_hint` left for an op named ``op_name`` (False if none);
    any hint is used up."""
    hint, _state.shape_hint = _state.shape_hint, None
    return hint[1] if hint is not None and hint[0] == op_name else False


def set_name_scope_prefix(prefix: str) -> str:
    """Make ``prefix`` (``""`` or a name ending in ``/``) the current thread's name scope;
    returns the previous one. ``wb.name_scope`` enters and leaves scopes with it."""
    prev = _state.scope
    _state.scope = prefix
    return prev


class DeviceName(str):
    """A tensor's device as TF names it, ``'/job:localhost/replica:0/task:0/device:CPU:0'``,
    that serves too where the library takes a ``workbench.backend.Device``: it has ``kind``
    (``"cpu"``, ``"gpu"``), ``index`` and ``xp``, and equals the Device and the strings that
    name it (``"cpu"``, ``"/GPU:0"``)."""

    _cache: dict = {}

    @classmethod
    def of(cls, device: Device) -> "DeviceName":
        key = (device.kind, device.index)
        name = cls._cache.get(key)
        if name is None:
            kind = "CPU" if device.kind == "cpu" else "GPU"
            name = cls._cache[key] = cls(f"/job:localhost/replica:0/task:0/device:{kind}:{device.index}")
        return name

    @property
    def kind(self) -> str:
        return "gpu" if "device:GPU" in self else "cpu"

    @property
    def index(self) -> int:
        return int(self.rsplit(":", 1)[1])

    @property
    def xp(self):
        return Device(self).xp

    def __eq__(self, other):
        if isinstance(other, str) and str.__eq__(self, other):
            return True
        if isinstance(other, (Device, str)):
            try:
                return Device(self) == Device(other)
            except (TypeError, ValueError):
                return False
        return NotImplemented

    def __ne__(self, other):
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    def __hash__(self):   # as the Device's, which it equals
        return hash(Device(self))


class ScopedName(str):
    """A variable name that already carries its name scopes (``"outer/dense/kernel"``): a
    Variable created with one takes it as it is instead of prefixing the current scope
    (``wb.Module.scoped_name`` and Keras variables' paths make them)."""

    __slots__ = ()


def distribution():
    """The ``wb.distribute`` strategy whose scope (or ``run``) is active on this thread, or None:
    how core ops (``wb.nn.compute_average_loss``) read ``num_replicas_in_sync`` and how a new
    Variable is mirrored, without the core importing the kit."""
    return _state.distribution


def set_distribution(strategy):
    """Make ``strategy`` (an object with ``num_replicas_in_sync`` and ``on_variable_created(var)``,
    or None) the current thread's active strategy; returns the previous one."""
    prev = _state.distribution
    _state.distribution = strategy
    return prev


_UNPACKS = frozenset(dis.opmap[n] for n in ("UNPACK_SEQUENCE", "UNPACK_EX"))
_CALLS = frozenset(dis.opmap[n] for n in ("CALL", "CALL_FUNCTION", "CALL_FUNCTION_EX", "PRECALL")
                   if n in dis.opmap)
_GRAPH_REFUSALS = {
    "iter": ("Iterating over a symbolic `tf.Tensor` is not allowed. Inside a wb.function, unpack it with "
             "wb.unstack(t, num=...) or loop over it with a Python for loop."),
    "bool": ("Using a symbolic `tf.Tensor` as a Python `bool` is not allowed. Inside a wb.function, "
             "branch on it with a Python if (or wb.cond) rather than calling bool() on it."),
}


def _refuse_in_graph(t, what, opcodes):
    """TF's ``OperatorNotAllowedInGraphError`` for what TF refuses in a graph even with
    AutoGraph: the user's code (not the library's) unpacking a tensor of the trace (``a, b = t``)
    or calling ``bool(t)`` on one, told by the instruction that asked (``opcodes``). A ``for``
    loop and ``if t:`` are what AutoGraph converts, which the trace serves as it does."""
    frame = sys._getframe(2)
    if frame.f_code.co_filename.startswith(_OUR_ROOTS):
        return
    code = frame.f_code.co_code
    if not (0 <= frame.f_lasti < len(code) and code[frame.f_lasti] in opcodes):
        return
    tracer = _state.tracer
    symbolic = getattr(tracer, "symbolic", None)
    if symbolic is not None and symbolic(t):
        raise OperatorNotAllowedInGraphError(_GRAPH_REFUSALS[what])


def _read(t):
    """A Python read of ``t``'s value: a trace cannot replay code that branches on it."""
    tracer = _state.tracer
    if tracer is not None:
        tracer.on_read(t)


def new_id() -> int:
    return _next_id()


# ---------------------------------------------------------------------------
# Tensor

_new_shape = tuple.__new__  # an array's shape as a TensorShape, without re-checking it
_SHAPES: dict = {}          # array shape -> its TensorShape (immutable, so shared): .shape is hot


def _shape_of(shape: tuple) -> TensorShape:
    if len(_SHAPES) > 4096:
        _SHAPES.clear()
    ts = _SHAPES[shape] = _new_shape(TensorShape, shape)
    return ts


class Tensor:
    """An immutable n-dimensional array on a device (NumPy on the CPU, CuPy on a GPU).

    >>> x = wb.constant([[1.0, 2.0]])
    >>> x.shape, x.dtype
    (TensorShape([1, 2]), wb.float32)
    """

    __slots__ = ("_data", "_tid", "__weakref__")
    __array_priority__ = 100  # NumPy arrays defer binary operators to Tensor
    __hash__ = None           # == is elementwise, as in TF 2; use .ref() as a key

    def __init__(self, value, dtype=None):
        self._data = to_array(value, dtype)
        self._tid = 0

    # -- metadata ---------------------------------------------------------
    @property
    def shape(self) -> TensorShape:
        shape = self._data.shape
        try:
            return _SHAPES[shape]
        except KeyError:
            return _shape_of(shape)

    def get_shape(self) -> TensorShape:
        """``self.shape`` (TF's alias)."""
        return self.shape

    def _static_shape(self) -> TensorShape:
        """TF's static shape, for ops that refuse what it leaves open: the shape, except for
        an argument of a function being traced (the shape its trace serves, None where open)."""
        return self.shape

    def set_shape(self, shape) -> None:
        """Check that ``shape`` (None for unknown sizes) fits this tensor's shape, as TF does
        for a tensor whose shape is known; ``ValueError`` when it does not."""
        if not self.shape.is_compatible_with(shape):
            raise ValueError(f"Tensor's shape {self.shape} is not compatible with supplied shape "
                             f"{TensorShape(shape)}.")

    @property
    def dtype(self) -> DType:
        return of_array(self._data.dtype)

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def size(self) -> int:
        return int(self._data.size)

    @property
    def device(self) -> "DeviceName":
        """TF's device string, ``'/job:localhost/replica:0/task:0/device:CPU:0'`` (also usable
        as the ``workbench.backend.Device`` holding the values: :class:`DeviceName`)."""
        return DeviceName.of(backend.device_of(self._data))

    @property
    def xp(self):
        return backend.xp_of(self._data)

    # -- conversion -------------------------------------------------------
    def numpy(self) -> np.ndarray:
        """The value as a NumPy array (copied from the GPU when it lives there); a NumPy scalar
        for a scalar tensor, as TF gives."""
        if _state.tracer is not None:
            _read(self)
        arr = backend.to_numpy(self._data)
        # a scalar is a NumPy scalar (np.float32(6.0)), a scalar string its bytes, as in TF
        return arr[()] if arr.ndim == 0 else arr

    def to_numpy(self) -> np.ndarray:
        """The value as a NumPy array, scalars too (not in TF: the name matplotlib and pandas
        look for, so that a plot or a DataFrame takes a tensor as TF's tensors are taken)."""
        return np.asarray(self.numpy())

    def __array__(self, dtype=None, copy=None):
        if _state.tracer is not None:
            _read(self)
        arr = backend.to_numpy(self._data)
        if dtype is not None and arr.dtype != dtype:
            return arr.astype(dtype)
        return np.array(arr, copy=True) if copy else arr

    def to(self, device) -> "Tensor":
        """A copy on ``device`` (``"cpu"``, ``"gpu"``, ``"gpu:1"``); itself when already there."""
        dev = Device(device)
        moved = backend.move(self._data, dev)
        if moved is self._data:
            return self
        from .ops.shape import _copy_to_device  # circular import with shape
        return _copy_to_device(self, dev)

    def cpu(self) -> "Tensor":
        return self.to("cpu")

    def gpu(self, index: int = 0) -> "Tensor":
        return self.to(f"gpu:{index}")

    def __dlpack__(self, *args, **kwargs):
        return self._data.__dlpack__(*args, **kwargs)

    def __dlpack_device__(self):
        return self._data.__dlpack_device__()

    def ref(self):
        """A hashable reference to this tensor (TF's ``Tensor.ref()``)."""
        return _Ref(self)

    def __bool__(self):
        if self._data.size != 1:
            raise ValueError(
                f"the truth value of a tensor with shape {self.shape} is ambiguous; "
                "use wb.reduce_any or wb.reduce_all")
        if _state.tracer is not None:
            _refuse_in_graph(self, "bool", _CALLS)
            _read(self)
        return bool(self._data)

    def __float__(self):
        if _state.tracer is not None:
            _read(self)
        return float(self._data)

    def __int__(self):
        if _state.tracer is not None:
            _read(self)
        return int(self._data)

    def __index__(self):
        if self._data.dtype.kind not in "iu" or self._data.ndim != 0:
            raise TypeError(f"only integer scalar tensors can be used as an index, got dtype "
                            f"{self.dtype} and shape {self.shape}")
        if _state.tracer is not None:
            _read(self)
        return int(self._data)

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a scalar tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a scalar tensor")
        if _state.tracer is not None:
            _refuse_in_graph(self, "iter", _UNPACKS)
        from .ops.shape import unstack  # circular import with shape
        return iter(unstack(self, num=self._data.shape[0]))

    def __repr__(self):
        if getattr(type(self._data), "out_of_scope", False):
            # a traced intermediate kept after its wb.function returned (TF shows its graph name)
            return "<wb.Tensor: created inside a wb.function, out of scope>"
        dtype = self.dtype.name
        if isinstance(self, Variable):
            head = f"<wb.Variable '{self.name}' shape={self.shape} dtype={dtype}"
        else:
            head = f"<wb.Tensor: shape={self.shape}, dtype={dtype}"
        dev = self.device
        where = "" if dev.kind == "cpu" else f", device={dev}"
        # the value as it is now, without counting as a read (printing inside a wb.function
        # shows the traced values, as TF prints at trace time)
        arr = backend.to_numpy(self._data)
        # a scalar shows its Python value as TF's (numpy=1.100000023841858), arrays NumPy's repr
        value = repr(arr.item()) if arr.ndim == 0 else np.array_repr(arr)
        # TF starts a value of several lines on a line of its own
        return f"{head}{where}, numpy={chr(10) if chr(10) in value else ''}{value}>"

    def __str__(self):
        # TF's: ``tf.Tensor([1 2], shape=(2,), dtype=int32)``; a variable prints as its repr
        if isinstance(self, Variable) or getattr(type(self._data), "out_of_scope", False):
            return repr(self)
        arr = backend.to_numpy(self._data)   # without counting as a read, as __repr__
        value = repr(arr[()]) if arr.dtype.kind == "O" and arr.ndim == 0 else str(arr)
        dtype = self.dtype.name
        return f"wb.Tensor({chr(10) if chr(10) in value else ''}{value}, shape={self.shape}, dtype={dtype})"

    def __format__(self, format_spec):
        # TF's rule: a scalar formats as its NumPy value (f"{loss:.3f}"); other shapes take
        # only the empty spec (their str)
        if self._data.ndim == 0:
            value = self.numpy()
            return format(value if type(value) is bytes else value[()], format_spec)
        if format_spec:
            raise TypeError(f"unsupported format string {format_spec!r} for a tensor of shape "
                            f"{self.shape}; only scalar tensors take a format spec")
        return str(self.numpy())   # TF formats the NumPy value: f"{t}" is "[1 2]", str(t) is not

    def _repr_html_(self):
        arr = self.numpy()
        with np.printoptions(threshold=200, edgeitems=4, precision=4):
            body = html.escape(np.array2string(arr))
        return (f"<div><b>{type(self).__name__}</b> shape={self.shape} dtype={self.dtype.name} "
                f"device={self.device}<pre>{body}</pre></div>")


class _Ref:
    __slots__ = ("_t",)

    def __init__(self, t):
        self._t = t

    def deref(self):
        return self._t

    def __hash__(self):
        return id(self._t)

    def __eq__(self, other):
        return isinstance(other, _Ref) and other._t is self._t


class WeakTensor(Tensor):
    """A tensor whose dtype gives way in TF's new type promotion (``dtype_conversion_mode`` 'all'
    or 'safe'; :func:`set_promotion_mode`): Python numbers, and results of ops on weak tensors
    only. Prints with ``weak=True``; only made while such a mode is on."""

    __slots__ = ()

    def __repr__(self):
        return Tensor.__repr__(self)[:-1] + ", weak=True>"

    def __str__(self):
        return Tensor.__str__(self)[:-1] + ", weak=True)"

    def __format__(self, format_spec):
        return Tensor.__format__(self, format_spec) + " weakly typed"

    @classmethod
    def from_tensor(cls, t: Tensor) -> "WeakTensor":
        """A weak tensor holding ``t``'s value (TF's ``WeakTensor.from_tensor``)."""
        out = _new(cls)
        out._data = t._data
        out._tid = 0
        return out


# the new type promotion's mode, 'all' or 'safe' (set_promotion_mode); None: TF's
# default rules. Read only where operands' dtypes differ or a non-tensor meets a tensor.
_promotion = None


def _wrap(data) -> Tensor:
    t = _new(Tensor)
    t._data = data
    t._tid = 0
    return t


def wrap(data) -> Tensor:
    """A Tensor around ``data`` (an array), for library code that computes on arrays.

    Inside a ``wb.function`` trace such a tensor may hold a value computed from other
    tensors' arrays outside any op, which a replay could not recompute: the trace runs
    eagerly when an op uses one (see ``wrap_constant`` for values that are constants).
    """
    t = _new(Tensor)
    t._data = data
    t._tid = 0
    if _state.tracer is not None:
        _state.tracer.on_wrap(t)
    return t


# a Tensor around an array that depends on nothing computed (shapes, Python values): a
# constant to a wb.function trace
wrap_constant = _wrap


# ---------------------------------------------------------------------------
# Conversion rules (TF's): Python floats become float32, ints int32, complex numbers
# complex128, arrays keep their dtype; a Python number meeting a tensor takes the tensor's dtype.

_PY_DEFAULT = {"f": np.dtype("float32"), "i": np.dtype("int32"), "c": np.dtype("complex128"),
               "b": np.dtype("bool"), "u": np.dtype("int32")}


def _python_array(value, dtype, xp):
    """Convert Python numbers / nested lists to an array on ``xp``."""
    if dtype is not None:
        dtype = np_dtype(dtype)
        arr = _asarray(value)
        if dtype.kind == "O":
            return string_array(value)
        if arr.dtype.kind in "OUS":
            raise TypeError(f"cannot convert {_short(value)} of type {type(value).__name__} to a tensor "
                            f"of dtype {dtype}")
        if arr.dtype.kind in "fc" and dtype.kind in "iub" and arr.size:
            raise TypeError(f"cannot convert {_short(value)} to a tensor of dtype {dtype}: "
                            "it holds non-integer numbers")
        if arr.dtype.kind == "c" and dtype.kind == "f":
            raise TypeError(f"cannot convert {_short(value)} to a tensor of dtype {dtype}: "
                            "it holds complex numbers")
        out = arr.astype(dtype, copy=False)
    else:
        arr = _asarray(value)
        kind = arr.dtype.kind
        if kind == "O" or kind in "US":
            if kind in "US" or _all_strings(arr):
                return string_array(value)   # strings stay on the host, as in TF
            raise TypeError(f"cannot convert {_short(value)} of type {type(value).__name__} to a tensor")
        if kind == "i" and arr.size and (arr.max() > 2**31 - 1 or arr.min() < -2**31):
            out = arr.astype(np.int64)
        else:
            out = arr.astype(_PY_DEFAULT[kind], copy=False)
    if xp is not np:
        out = xp.asarray(out)
    return out


def _asarray(value, given=None):
    """``np.asarray(value)``; a ragged nested list (``given``, as the caller gave it) is
    reported as one."""
    try:
        return np.asarray(value)
    except ValueError:
        message = ragged_list_error(value if given is None else given, "value")
        if message is None:
            raise
        raise ValueError(message) from None


def ragged_list_error(value, what):
    """The message for a nested list whose rows differ in length (a tensor cannot hold it),
    or None when ``value`` is not one."""
    try:
        _nested_shape(value, what)
    except _RaggedRows as exc:
        return (f"{what} is a ragged nested list: {exc}; a tensor needs rows of equal length "
                f"(use ragged.constant for ragged data), got {_short(value)}")
    return None


class _RaggedRows(Exception):
    pass


def _nested_shape(value, path):
    if not isinstance(value, (list, tuple)):
        return tuple(np.shape(value)) if hasattr(value, "shape") else ()
    shapes = [_nested_shape(v, f"{path}[{i}]") for i, v in enumerate(value)]
    for i, s in enumerate(shapes[1:], 1):
        if s != shapes[0]:
            raise _RaggedRows(f"{path}[{i}] has shape {s} but {path}[0] has shape {shapes[0]}")
    return (len(value),) + (shapes[0] if shapes else ())


def _short(value):
    text = repr(value)
    return text if len(text) < 60 else text[:57] + "..."


def _from_tensor_like(value, dtype=None, name=None):
    """The Tensor of a tensor-like ``value``: its ``__wb_tensor__()``, or TF's protocol
    ``__tf_tensor__(dtype, name)`` (a class written for TF converts here unchanged)."""
    if hasattr(type(value), "__wb_tensor__"):
        return value.__wb_tensor__()
    out = value.__tf_tensor__(dtype, name)
    if not isinstance(out, Tensor):
        raise TypeError(f"{type(value).__name__}.__tf_tensor__ must return a tensor, got "
                        f"{type(out).__name__}")
    return out


def to_array(value, dtype=None, device=None):
    """The array behind ``value`` (Tensor, NumPy/CuPy array, DLPack object or Python data)."""
    if dtype is not None:
        dtype = np_dtype(dtype)
    if not isinstance(value, Tensor) and (hasattr(type(value), "__wb_tensor__") or
                                          hasattr(type(value), "__tf_tensor__")):
        value = _from_tensor_like(value)
    if isinstance(value, Tensor):
        arr = value._data
        if dtype is not None and arr.dtype != np.dtype(dtype):
            arr = arr.astype(dtype)
        if device is not None:
            arr = backend.move(arr, Device(device))
        return arr
    dev = Device(device) if device is not None else backend.default_device()
    xp = dev.xp
    if isinstance(value, np.ndarray) or (xp is not np and isinstance(value, xp.ndarray)):
        if value.dtype.kind in "USO" and (value.dtype.kind != "O" or _all_strings(value)):
            return string_array(value)     # strings stay on the host, as in TF
        arr = value if dtype is None else value.astype(dtype, copy=False)
        return backend.move(arr, dev) if backend.device_of(arr) != dev else arr
    if isinstance(value, np.generic):
        arr = np.asarray(value, dtype=dtype)
        return backend.move(arr, dev) if dev.kind != "cpu" else arr
    if hasattr(value, "__array__") and type(value).__module__.partition(".")[0] == "pandas":
        value = np.asarray(value)   # a DataFrame or Series: its array's dtype, as TF's conversion
        return to_array(value, dtype, device)
    if hasattr(value, "__cuda_array_interface__") or hasattr(value, "__array_interface__"):
        arr = np.asarray(value) if not hasattr(value, "__cuda_array_interface__") else xp.asarray(value)
        if dtype is not None:
            arr = arr.astype(dtype, copy=False)
        return backend.move(arr, dev)
    if type(value) is TensorShape:
        return to_array(_shape_array(value, dtype), None, device)
    if isinstance(value, (list, tuple)) and any(isinstance(v, Tensor) for v in _flat(value)):
        arr = _asarray([np.asarray(v) for v in value], value) if value else np.asarray(value)
        return to_array(arr, dtype, device)
    return _python_array(value, dtype, xp)


def _all_strings(arr) -> bool:
    return arr.size > 0 and all(isinstance(v, (str, bytes)) for v in arr.flat)


def string_array(value) -> np.ndarray:
    """``value`` (a str, bytes, nested list of them or a NumPy string array) as a host NumPy
    object array of ``bytes`` (TF's ``tf.string``); str is encoded as UTF-8."""
    arr = value if isinstance(value, np.ndarray) and value.dtype.kind == "O" else None
    if arr is None:
        if isinstance(value, np.ndarray):
            arr = value.astype(object)
        elif isinstance(value, (str, bytes)):
            arr = np.empty((), dtype=object)
            arr[()] = value
        else:
            shape = _nested_shape(value, "value") if isinstance(value, (list, tuple)) else ()
            arr = np.empty(shape, dtype=object)
            arr[...] = value if shape else np.asarray(value, dtype=object)
    out = np.empty(arr.shape, dtype=object)
    flat = out.reshape(-1)
    for i, v in enumerate(arr.flat):
        if isinstance(v, bytes):
            flat[i] = v
        elif isinstance(v, str):
            flat[i] = v.encode("utf-8")
        else:
            raise TypeError(f"a string tensor holds str or bytes, got {_short(v)} of type "
                            f"{type(v).__name__} in {_short(value)}")
    return out


def _flat(seq):
    for v in seq:
        if isinstance(v, (list, tuple)):
            yield from _flat(v)
        else:
            yield v


# ---------------------------------------------------------------------------
# Dispatch: composite types (RaggedTensor) take over public functions. A type
# opts in with a class attribute ``__wb_dispatch__ = True``; handlers are
# registered per public function by the package that defines the type. Only
# arguments that are not Tensors are ever looked at, so the Tensor path pays nothing.

DISPATCH: dict = {}


class CompositeTensor:
    """A value made of Tensors (TF's ``CompositeTensor``): a RaggedTensor is its flat values
    and its row partitions. Tapes watch and differentiate a composite value's
    ``components()`` (the tensors its values live in), ``wb.function`` binds them, and
    ``from_components(parts)`` gives the same structure around other parts (gradients,
    a replay's values); ``structure_key()`` is what else tells two values apart (row
    splits), for a ``wb.function`` signature. Composite values take over public functions
    through dispatch."""

    __slots__ = ()
    __wb_dispatch__ = True

    def components(self) -> list:
        raise NotImplementedError

    def from_components(self, parts):
        raise NotImplementedError

    def structure_key(self):
        raise NotImplementedError


def register_dispatch(fn, handler):
    """Make ``handler(*args, **kwargs)`` serve ``fn`` when an argument is a dispatching type."""
    DISPATCH[fn] = handler


def dispatch(fn, args, kwargs=None):
    """The handler's result when ``args`` or ``kwargs``' values hold a dispatching type, else
    ``NotImplemented``."""
    for a in (*args, *kwargs.values()) if kwargs else args:
        if _composite(a):
            handler = DISPATCH.get(fn)
            if handler is None and getattr(fn, "elementwise", False):
                generic = getattr(type(a), "__wb_elementwise__", None)
                if generic is not None:
                    return generic(fn, args, kwargs or {})
            if handler is None:
                raise _unsupported(a)(f"{getattr(fn, '__name__', fn)} does not support {type(a).__name__} "
                                "arguments")
            return handler(*args, **(kwargs or {}))
    return NotImplemented


_PLAIN = frozenset({Tensor, int, float, bool, str, type(None)})   # never composite: skipped fast


def _composite(a) -> bool:
    """Whether ``a`` (or an element of a list or tuple ``a``) is a dispatching type."""
    return bool(getattr(a, "__wb_dispatch__", False) or (
        isinstance(a, (list, tuple)) and a and any(getattr(v, "__wb_dispatch__", False) for v in a)))


def _unsupported(a):
    """The error class for an op that ``a``'s type does not serve: the type's
    ``__wb_unsupported__`` (TF's class for it: a RaggedTensor fails to convert with a
    ValueError), else TypeError."""
    if isinstance(a, (list, tuple)):   # a list argument: its composite element's type
        a = next((v for v in a if getattr(v, "__wb_dispatch__", False)), a)
    return getattr(type(a), "__wb_unsupported__", TypeError)


def _dispatch_to(wrapper, fn, a, args, kwargs):
    handler = DISPATCH.get(wrapper)
    if handler is None:
        raise _unsupported(a)(f"{fn.__name__} does not support {type(a).__name__} arguments")
    return handler(*args, **kwargs)


def dispatchable(fn):
    """Let composite types take over ``fn`` when an argument, positional or keyword (or an
    element of a list argument), is one of them (TF's dispatch sees both); Tensors go straight
    through."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        for a in args:
            if type(a) is Tensor:
                continue
            if getattr(a, "__wb_dispatch__", False) or (
                    isinstance(a, (list, tuple)) and a
                    and any(getattr(v, "__wb_dispatch__", False) for v in a)):
                return _dispatch_to(wrapper, fn, a, args, kwargs)
        if kwargs:
            for a in kwargs.values():
                if type(a) not in _PLAIN and _composite(a):
                    return _dispatch_to(wrapper, fn, a, args, kwargs)
        try:
            return fn(*args, **kwargs)
        except OpError as exc:
            return _deferred(fn, exc, sys._getframe(1))
    return wrapper


def deferrable(fn):
    """An op whose kernel errors (``OpError``: an index out of range …) wait, in a
    ``wb.function``'s trace, for a use of its result, as in TF's pruned graphs (ops of the
    table of composite types get this from :func:`dispatchable`)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except OpError as exc:
            return _deferred(fn, exc, sys._getframe(1))
    return wrapper


def _deferred(fn, exc, caller):
    """In a wb.function's trace, the result of an op the function's own code calls (from
    ``caller``) whose kernel raised ``exc``: a tensor that raises it where it is used (TF
    prunes the ops nothing uses). Elsewhere, for a use of an earlier such result, and for
    the checks TF runs anyway (its automatic control dependencies), ``exc`` raises now."""
    defer = getattr(_state.tracer or _state.deferrals, "defer", None)
    if defer is None or _runs_unused(fn) or caller.f_code.co_filename.startswith(_OUR_ROOTS):
        raise exc
    deferred = defer(exc)
    if deferred is None:
        raise exc
    return deferred


def _runs_unused(fn) -> bool:
    """Whether TF runs ``fn``'s op though nothing uses its result: the checks (asserts,
    check_numerics: stateful ops, which its automatic control dependencies keep)."""
    return fn.__module__ == "workbench.debugging" or fn.__name__.lower().startswith("assert")


def convert_to_tensor(value, dtype=None, dtype_hint=None, name=None) -> Tensor:
    """TF's ``convert_to_tensor``: a Tensor passes through (its dtype must match ``dtype``).

    A tensor-like object (one whose type defines ``__wb_tensor__()``, returning a Tensor: e.g.
    ``probability.util.DeferredTensor``, or TF's ``__tf_tensor__(dtype=None, name=None)``)
    converts to what that method returns, computed afresh at each conversion so that tapes see
    it."""
    if not isinstance(value, Tensor) and (hasattr(type(value), "__wb_tensor__") or
                                          hasattr(type(value), "__tf_tensor__")):
        value = _from_tensor_like(value, dtype, name)
    if isinstance(value, Tensor):
        if dtype is not None and value._data.dtype != as_dtype(dtype):
            raise TypeError(f"convert_to_tensor: tensor has dtype {value.dtype}, but dtype "
                            f"{as_dtype(dtype)} was requested; use wb.cast to change it")
        return value
    if type(value) in (list, tuple) and _holds_tensor(value):
        return _autopack(value, dtype)
    if dtype is None and dtype_hint is not None and not isinstance(value, np.ndarray):
        try:
            return _wrap(to_array(value, dtype_hint))
        except TypeError:
            pass
    if _promotion is not None and dtype is None and type(value) in _WEAK_INPUTS:
        weak = _weak_constant(value)
        if weak is not None:
            return weak
    return _wrap(to_array(value, dtype))


# what converts to a weak tensor under the new type promotion (Python numbers and lists of them)
_WEAK_INPUTS = frozenset({int, float, complex, list, tuple})


def _shape_array(shape, dtype):
    """TF's conversion of a TensorShape: its sizes as int32 (int64 when a size needs it, or when
    asked); a shape with an unknown size or rank does not convert."""
    if shape.rank is None or None in shape.as_list():
        raise ValueError(f"Cannot convert a partially known TensorShape {_dims_text(shape)} to a Tensor.")
    dims = shape.as_list()
    want = np.dtype(np.int64 if any(d >= 2**31 for d in dims) else np.int32) if dtype is None else np.dtype(dtype)
    if want not in (np.dtype(np.int32), np.dtype(np.int64)):
        raise TypeError(f"Cannot convert TensorShape {_dims_text(shape)} to dtype {as_dtype(want)!s}. "
                        "Allowed dtypes are tf.int32 and tf.int64.")
    return np.array(dims, dtype=want)


def _dims_text(shape):
    """A shape as TF writes it in these messages: ``(None, 3)``, ``(2,)``, ``<unknown>``."""
    if shape.rank is None:
        return "<unknown>"
    dims = shape.as_list()
    return "(" + ", ".join(str(d) for d in dims) + ("," if len(dims) == 1 else "") + ")"


def _holds_tensor(value) -> bool:
    for x in value:
        if isinstance(x, Tensor) or (type(x) in (list, tuple) and _holds_tensor(x)):
            return True
    return False


def _first_tensor_dtype(value):
    for x in value:
        if isinstance(x, Tensor):
            return x.dtype
        if type(x) in (list, tuple):
            found = _first_tensor_dtype(x)
            if found is not None:
                return found
    return None


_TF_TYPE_NAME = {"float32": "float", "float64": "double", "float16": "half"}   # TF's DataTypeString


def _autopack(value, dtype):
    """TF's autopacking: a (nested) list holding tensors becomes their stack, an op that tapes
    record, so gradients reach the tensors (and traces see them); Python numbers in it take the
    tensors' dtype."""
    from .ops.shape import stack   # ops build on core: reached at call time
    dtype = _first_tensor_dtype(value) if dtype is None else as_dtype(dtype)

    def pack(v):
        if type(v) in (list, tuple):
            if not v:
                raise ValueError("convert_to_tensor: a list holding tensors has an empty list inside, "
                                 "which cannot be stacked with them")
            parts = [pack(x) for x in v]
            for i, t in enumerate(parts):
                if t.dtype != dtype:
                    raise InvalidArgumentError(
                        f"cannot compute Pack as input #{i}(zero-based) was expected to be a "
                        f"{_TF_TYPE_NAME.get(dtype.name, dtype.name)} tensor but is a "
                        f"{_TF_TYPE_NAME.get(t.dtype.name, t.dtype.name)} tensor [Op:Pack] name: packed")
            return stack(parts)
        return v if isinstance(v, Tensor) else convert_to_tensor(v, dtype)
    return pack(value)


def convert_to_tensor_v2(value, dtype=None, dtype_hint=None, name=None) -> Tensor:
    """TF's public ``tf.convert_to_tensor``: as :func:`convert_to_tensor`, except that a Variable
    gives a Tensor of its current value (a read, which tapes record, so gradients still reach the
    variable), as in TF; the library's own ops take variables as they are."""
    if isinstance(value, Variable):
        convert_to_tensor(value, dtype)   # the dtype check
        return value.read_value()
    out = convert_to_tensor(value, dtype, dtype_hint, name)
    # TF's public conversion gives a normal tensor under the new type promotion, weak input or not
    return _wrap(out._data) if type(out) is WeakTensor else out


def constant(value, dtype=None, shape=None, name=None) -> Tensor:
    """A tensor holding ``value``; with ``shape``, a scalar is broadcast to it (TF's rule).

    >>> wb.constant(1.5).dtype        # Python floats are float32
    wb.float32
    >>> wb.constant(0, shape=(2, 3)).shape
    TensorShape([2, 3])
    """
    if (shape is None and isinstance(value, Tensor) and not isinstance(value, Variable)
            and (dtype is None or as_dtype(dtype) == value._data.dtype)):
        # TF hands a tensor of the asked dtype back as it is (so tapes still see it); a
        # variable gives a constant of its current value, which tapes do not record (as TF)
        if dtype is not None and type(value) is WeakTensor:
            return _wrap(value._data)   # a dtype given: a normal tensor (the new type promotion)
        return value
    if _promotion is not None and dtype is None and type(value) in _WEAK_INPUTS:
        weak = _weak_constant(value)
        if weak is not None:
            return weak if shape is None else _make_weak(constant(weak.numpy(), None, shape))
    arr = to_array(value.numpy() if isinstance(value, Tensor) and dtype is not None else value, dtype)
    if shape is not None:
        shape = argcheck.shape(shape, "shape", "constant")
        xp = backend.xp_of(arr)
        if arr.size == int(np.prod(shape)):
            arr = arr.reshape(shape)
        elif arr.size == 1:
            arr = xp.broadcast_to(arr.reshape(()), shape).copy()
        else:
            raise ValueError(f"constant: value has {arr.size} elements, which cannot fill shape {shape}")
    return _wrap(arr)


_PY_SCALARS = (float, int, bool)


def binary_arrays(x, y, opname):
    """The operands as Tensors under TF's dtype rules (a Python number takes the tensor's dtype)."""
    tx = isinstance(x, Tensor)
    ty = isinstance(y, Tensor)
    if tx != ty:
        # a tensor-like meeting a tensor converts first, so its value is recorded by tapes
        other = y if tx else x
        if type(other) not in _PY_SCALARS and (hasattr(type(other), "__wb_tensor__") or
                                               hasattr(type(other), "__tf_tensor__")):
            return binary_arrays(convert_to_tensor(x), convert_to_tensor(y), opname)
    if tx:
        a = x._data
        if ty:
            b = y._data
            if a.dtype != b.dtype:
                if _promotion is not None:
                    promoted = _promoted(x, y, opname)
                    if promoted is not None:
                        return promoted
                raise TypeError(
                    f"{opname}: both operands must have the same dtype, got {a.dtype} "
                    f"(shape {a.shape}) and {b.dtype} (shape {b.shape}); use wb.cast to convert one")
            return x, y
        if _promotion is not None:
            promoted = _promoted(x, y, opname)
            if promoted is not None:
                return promoted
        return x, _wrap(_coerce(y, a, opname))
    if ty:
        if _promotion is not None:
            promoted = _promoted(x, y, opname)
            if promoted is not None:
                return promoted
        if opname == "add" and isinstance(x, (np.ndarray, np.generic)) and x.dtype != y._data.dtype:
            _add_refusal(x, y)
        b = y._data
        return _wrap(_coerce(x, b, opname)), y
    x = convert_to_tensor(x)
    return binary_arrays(x, y, opname)


def _add_refusal(x, y):
    """``tf.add(x, y)`` with ``x`` a NumPy value: TF takes ``x``'s dtype for the op, so ``y`` of
    another dtype is refused (the other binary ops, and ``x + y``, convert ``x`` to ``y``'s dtype).
    TF refuses a Python number of another type than ``y``'s too (``tf.add(1, f32)``); here it
    converts, as the library's own rules rely on it."""
    want, got = (_TF_TYPE_NAME.get(t.name, t.name) for t in (as_dtype(x.dtype), of_array(y._data.dtype)))
    raise InvalidArgumentError(None, None, f"cannot compute AddV2 as input #1(zero-based) was expected to "
                               f"be a {want} tensor but is a {got} tensor [Op:AddV2] name: ")


def reflected_operand(other, t, opname):
    """The left operand of a reflected operator (``np_array + t``): TF converts it to ``t``'s
    dtype before the op (``tf.add(np_array, t)`` itself takes the array's dtype); under the new
    type promotion it stays as it is, for the op to promote."""
    if _promotion is None and isinstance(other, (np.ndarray, np.generic)):
        return _wrap(_coerce(other, t._data, opname))
    return other


def _promoted(x, y, opname):
    """The operands under the new type promotion (None where ``opname`` keeps TF's default rules)."""
    return _promote(x, y, opname, _promotion)


def _coerce(value, like, opname):
    """Convert a non-tensor operand to ``like``'s dtype and device."""
    dt = like.dtype
    t = type(value)
    if t is float or t is int or t is bool:
        # fast path: a NumPy scalar of the tensor's dtype (CuPy kernels take it as a scalar too)
        kind = dt.kind
        if kind == "O":
            raise TypeError(f"{opname}: a string tensor meets the {t.__name__} {value!r}; both operands "
                            "must be strings (wb.strings.as_string converts numbers)")
        if t is float and kind not in "fc" and dt.name != "bfloat16":   # ml_dtypes' bfloat16: kind "V"
            raise TypeError(f"{opname}: cannot convert {value!r} to a tensor of dtype {dt}: it is not an integer")
        try:
            return dt.type(value)
        except OverflowError:
            raise TypeError(f"{opname}: {value!r} does not fit in dtype {dt}") from None
    if isinstance(value, (np.ndarray, np.generic)) or (type(value).__module__.startswith("cupy")
                                                        and hasattr(value, "dtype")):
        if value.dtype != dt:
            # TF casts a NumPy operand to the tensor's dtype (as astype does: 1.5 -> 1 for an int
            # tensor, 300 -> 44 for uint8); only non-numbers are refused
            if (value.dtype.kind not in "biufc" and value.dtype.name != "bfloat16") or (
                    dt.kind not in "biufc" and dt.name != "bfloat16"):   # ml_dtypes' bfloat16: kind "V"
                raise TypeError(f"{opname}: operands must have the same dtype, got {dt} and an "
                                f"array of {value.dtype}; use wb.cast to convert one")
            value = value.astype(dt)
        return backend.move(value, backend.device_of(like))
    if isinstance(value, (bool, np.bool_)) and dt.kind != "b":
        value = int(value)
    xp = backend.xp_of(like)
    try:
        return _python_array(value, dt, xp)
    except TypeError as exc:
        raise TypeError(f"{opname}: {exc}") from None


# ---------------------------------------------------------------------------
# TF's new type promotion (``tnp.experimental_enable_numpy_behavior(dtype_conversion_mode='all' |
# 'safe')``): Python numbers are weak tensors, which give way to the other operand's dtype
# (``int8 + 5`` is int8); ops of weak operands give weak results (``-wb.constant(5)``); the
# arithmetic ops promote mixed operands by ``dtypes.promoted_type`` (``int32 + float32`` is float32),
# ``'safe'`` refusing what can lose values. None of it runs in TF's default mode: the functions
# below are reached only where operands' dtypes differ or a non-tensor meets a tensor.

_MODES = ("off", "legacy", "safe", "all")

# the ops that promote mixed operands in these modes (TF patches these; the rest keep the rule
# that operands' dtypes must match), by the names they give binary_arrays
_PROMOTING = frozenset({"add", "subtract", "multiply", "multiply_no_nan", "divide", "divide_no_nan",
                       "floordiv", "mod", "pow", "maximum", "minimum", "equal", "matmul"})

# the ops whose results are weak when every input is (TF's list of ops with weak tensor support,
# by op record name); others (cast, concat, getitem, softmax, comparisons...) give normal tensors
_WEAK_RESULTS = frozenset("""
    abs acos acosh add angle asin asinh atan atanh bessel_i0 bessel_i0e bessel_i1 bessel_i1e bessel_j0
    bessel_j1 bessel_k0 bessel_k0e bessel_k1 bessel_k1e bessel_y0 bessel_y1 ceil check_numerics conj cos
    cosh dawsn digamma divide divide_no_nan erf erfc erfcinv erfinv exp expint expm1 floor floordiv
    fresnel_cos fresnel_sin gelu identity imag leaky_relu lgamma log log1p log_sigmoid log_softmax matmul
    matrix_diag matrix_diag_part matvec mod multiply multiply_no_nan ndtri negative pow real reciprocal
    reduce_euclidean_norm reduce_logsumexp reduce_max reduce_mean reduce_min reduce_prod reduce_sum relu6
    reshape round rsqrt sigmoid sign sin sinh softplus spence sqrt square stop_gradient subtract tan tanh
    transpose truncatediv""".split())


def _operand_type(value):
    """``(dtype name, weak)`` of an operand: a tensor's dtype (weak for a WeakTensor), a NumPy
    value's (strong), a Python number's or list's default type (weak; a bool is strong)."""
    if isinstance(value, Tensor):
        return value.dtype.name, type(value) is WeakTensor
    if isinstance(value, (np.ndarray, np.generic)):
        return (as_dtype(value.dtype).name if value.dtype.kind != "O" else None), False
    try:
        kind = np.asarray(value).dtype.kind
    except ValueError:
        return None, False
    if kind not in "biufc":
        return None, False
    arr = _python_values(value)
    return arr.dtype.name, kind != "b"


def _python_values(value):
    """A Python number or (nested) list as a NumPy array of TF's default type (int32, float32,
    complex128, bool); ints outside int32 raise OverflowError, as TF's weak conversion does."""
    arr = np.asarray(value)
    kind = arr.dtype.kind
    if kind in "iu":
        if arr.size and (arr.max() > 2**31 - 1 or arr.min() < -2**31):
            big = max(np.ravel(arr).tolist(), key=abs)
            raise OverflowError(f"Python int {big} too large to convert to np.int32")
        return arr.astype(np.int32)
    if kind in "fcb":
        return arr.astype({"f": np.float32, "c": np.complex128, "b": np.bool_}[kind], copy=False)
    raise TypeError(f"cannot convert {value!r:.60} to a tensor")


def _make_weak(t: Tensor) -> Tensor:
    """``t`` marked weak (its class changes; the value and identity stay)."""
    if type(t) is Tensor:
        t.__class__ = WeakTensor
    return t


def _weak_constant(value, device=None):
    """A Python number or list as a weak tensor of its default type (a bool list: a normal
    tensor), on ``device`` (default: the current one); None for what is not numbers."""
    try:
        arr = np.asarray(value)
    except ValueError:
        return None
    if arr.dtype.kind not in "biufc":
        return None
    arr = _python_values(arr)
    t = _wrap(to_array(arr, None, device))
    return _make_weak(t) if arr.dtype.kind != "b" else t


# the dtypes TF 2.21's conversion takes Python bools to (True + an int8 tensor is refused)
_PYTHON_BOOL_TARGETS = frozenset({"bool", "int32", "int64", "uint64", "float16", "float32", "float64", "complex128"})


def _promoted_operand(value, like, name, weak_result):
    """``value`` as a tensor of dtype ``name`` on ``like``'s device (a cast op for tensors, so
    tapes see it), weak when the result is."""
    if isinstance(value, Tensor):
        if value.dtype.name == name:
            t = value
        else:
            from .ops.elementwise import cast  # circular import with elementwise
            t = cast(value, as_dtype(name))
    else:
        arr = value if isinstance(value, (np.ndarray, np.generic)) else np.asarray(value)
        if arr.dtype.kind == "b" and arr is not value and name not in _PYTHON_BOOL_TARGETS:
            raise TypeError(f"Cannot convert {value!r} to EagerTensor of dtype {name}")
        t = _wrap(to_array(arr, as_dtype(name), like.device))
    # an operand kept as it is never needs marking: a weak result's operands of its dtype are weak
    return _make_weak(t) if weak_result and t is not value else t


def _promote(x, y, opname, mode):
    """``x`` and ``y`` (at least one a Tensor) as tensors of their promoted dtype, both weak when
    the result is; None when ``opname`` does not promote (the caller applies the default rules)."""
    if opname not in _PROMOTING:
        return None
    a, b = _operand_type(x), _operand_type(y)
    if a[0] not in PROMOTION_TYPES or b[0] not in PROMOTION_TYPES:
        return None
    name, weak_result = promoted_type(a, b, mode)
    like = x if isinstance(x, Tensor) else y
    return _promoted_operand(x, like, name, weak_result), _promoted_operand(y, like, name, weak_result)


def _variable_value(var, value, what, mode):
    """The value an assignment of a mode-on variable takes: ``value`` converted to the variable's
    dtype when the lattice promotes the pair to it; TypeError when it would need another dtype."""
    a = (var.dtype.name, False)
    name, _ = promoted_type(a, _operand_type(value), mode)
    if name != a[0]:
        shown = value.numpy() if isinstance(value, Tensor) else value
        raise TypeError(f"Variable dtype is immutable. Calling {what} of Variable (with dtype {var.dtype!s}) "
                        f"on {shown} requires converting {shown} to {var.dtype!s}. This is disabled in the "
                        f"current promotion semantics. Please convert {shown} manually before calling {what}.")
    return _promoted_operand(value, var, name, False)._data


class _WeakResults(Listener):
    """Marks the results of ops on weak inputs weak (TF's ops with weak tensor support), while a
    mode is on: it listens on the thread that switched the mode on."""

    kind = "obs"

    def on_op(self, op, args, params, res):
        if op.name in _WEAK_RESULTS and args and all(type(a) is WeakTensor for a in args):
            if type(res) is tuple:
                for r in res:
                    _make_weak(r)
            elif type(res) is Tensor:
                _make_weak(res)


_weak_results = _WeakResults()


def set_promotion_mode(mode: str):
    """Switch TF's dtype conversion mode: ``'all'`` / ``'safe'`` turn the new promotion on,
    ``'off'`` / ``'legacy'`` off."""
    if mode not in _MODES:
        raise ValueError(f"The provided promotion mode {mode} does not exist. Make sure the provided dtype "
                         "conversion mode is one of the followings: 'off', 'legacy', 'safe' or 'all'.")
    on = mode in ("all", "safe")
    global _promotion
    was = _promotion is not None
    _promotion = mode if on else None
    if on and not was:
        _listen("obs", _weak_results)
    elif was and not on:
        _unlisten(_weak_results)


def promotion_mode():
    """The new promotion's mode, ``'all'`` or ``'safe'``; None when it is off."""
    return _promotion


# ---------------------------------------------------------------------------
# Variable


class VariableSynchronization(enum.Enum):
    """When a distributed variable's copies are brought in line (TF's
    ``tf.VariableSynchronization``): ``AUTO`` (the strategy's choice), ``NONE`` (a single
    copy), ``ON_WRITE`` (on every update), ``ON_READ`` (when read across replicas; such
    variables are not trainable unless ``trainable=True`` is given)."""

    AUTO = 0
    NONE = 1
    ON_WRITE = 2
    ON_READ = 3


class _AggregationEq:
    # TF's two aggregation enums (tf.VariableAggregation and tf.compat.v1's) compare equal
    # member by member and hash as their values
    def __hash__(self):
        return hash(self.value)

    def __eq__(self, other):
        if self is other:
            return True
        if isinstance(other, (VariableAggregationV2, VariableAggregation)):
            return int(self.value) == int(other.value)
        return False


class VariableAggregationV2(_AggregationEq, enum.Enum):
    """How the updates of a distributed variable's replicas are combined (TF 2's
    ``tf.VariableAggregation``): ``NONE``, ``SUM``, ``MEAN``, ``ONLY_FIRST_REPLICA``.
    Its members equal the same members of :class:`VariableAggregation` (TF 1's enum)."""

    NONE = 0
    SUM = 1
    MEAN = 2
    ONLY_FIRST_REPLICA = 3

    __hash__ = _AggregationEq.__hash__
    __eq__ = _AggregationEq.__eq__


class VariableAggregation(_AggregationEq, enum.Enum):
    """TF 1's aggregation enum (``tf.compat.v1.VariableAggregation``): the members of
    :class:`VariableAggregationV2` plus the alias ``ONLY_FIRST_TOWER``. A variable made
    without ``aggregation`` reports this enum's ``NONE``, as in TF."""

    NONE = 0
    SUM = 1
    MEAN = 2
    ONLY_FIRST_REPLICA = 3
    ONLY_FIRST_TOWER = 3

    __hash__ = _AggregationEq.__hash__
    __eq__ = _AggregationEq.__eq__


def _variable_modes(synchronization, aggregation, trainable, name):
    """TF's checks of a variable's synchronization, aggregation and trainable arguments:
    the enums or their values; ``trainable=None`` means trainable unless ``ON_READ``."""
    if aggregation is None:
        aggregation = VariableAggregation.NONE
    elif not isinstance(aggregation, (VariableAggregation, VariableAggregationV2)):
        try:
            aggregation = VariableAggregationV2(aggregation)
        except (ValueError, TypeError):
            raise ValueError(f"Invalid variable aggregation mode: {aggregation} for variable: {name}") from None
    if synchronization is None:
        synchronization = VariableSynchronization.AUTO
    else:
        try:
            synchronization = VariableSynchronization(synchronization)
        except (ValueError, TypeError):
            raise ValueError(f"Invalid variable synchronization mode: {synchronization} for variable: "
                             f"{name}") from None
    if trainable is None:
        trainable = synchronization != VariableSynchronization.ON_READ
    return synchronization, aggregation, trainable


class Variable(Tensor):
    """A mutable tensor for model state. Trainable variables are watched by tapes when read.

    >>> v = wb.Variable([1.0, 2.0], name="w")
    >>> v.assign_add([1.0, 1.0]).numpy()
    array([2., 3.], dtype=float32)

    Assignments update the buffer in place, on its device.
    """

    __slots__ = ("trainable", "_name", "_shape_fixed", "_captures", "_sync", "_agg")

    def __init__(self, initial_value=None, trainable=None, name=None, dtype=None, shape=None,
                 validate_shape=True, synchronization=None, aggregation=None):
        if initial_value is None:
            raise ValueError("Variable: initial_value must be given")
        synchronization, aggregation, trainable = _variable_modes(synchronization, aggregation, trainable, name)
        if _state.distribution is not None and synchronization == VariableSynchronization.NONE:
            raise ValueError("`NONE` variable synchronization mode is not supported with tf.distribute "
                             f"strategy. Please change the `synchronization` for variable: {name}")
        if callable(initial_value):
            initial_value = initial_value()
        if shape is not None:
            if isinstance(shape, (list, tuple)) and not isinstance(shape, TensorShape):
                # named errors for bad sizes before TensorShape's own
                argcheck.shape([-1 if d is None else d for d in shape], "shape", "Variable", unknown=True)
            shape = TensorShape(shape)
        arr = to_array(initial_value, dtype)
        if shape is not None and not shape.is_compatible_with(arr.shape):
            raise ValueError(f"Variable: initial_value has shape {arr.shape}, which does not fit "
                             f"the shape {shape} given")
        xp = backend.xp_of(arr)
        self._data = xp.array(arr, copy=True)
        self._tid = _next_id()
        self.trainable = bool(trainable)
        self._sync = synchronization
        self._agg = aggregation
        # the scoped name without TF's output suffix: `name` adds ":0", `path` is this
        self._name = name if isinstance(name, ScopedName) else _state.scope + (name or "Variable")
        # True: assignments keep the shape; a TensorShape (the shape given, None dims
        # included): they must fit it; False (validate_shape=False): any shape
        self._shape_fixed = shape if shape is not None else bool(validate_shape)
        # live tapes holding a read of this buffer: while any do, assignments write a new
        # buffer (copy on write) so recorded reads keep the value they saw, as in TF
        self._captures = 0
        if _state.distribution is not None:
            _state.distribution.on_variable_created(self)
        if _state.tracer is not None:
            _state.tracer.on_variable(self)

    @property
    def shape(self) -> TensorShape:
        """The variable's shape: the ``shape`` it was created with (None dims and unknown
        rank kept, as TF), else its value's."""
        fixed = self._shape_fixed
        if fixed is True or fixed is False:
            shape = self._data.shape
            try:
                return _SHAPES[shape]
            except KeyError:
                return _shape_of(shape)
        return fixed

    @property
    def synchronization(self) -> VariableSynchronization:
        """When distributed copies are synced (``VariableSynchronization.AUTO`` unless given)."""
        return self._sync

    @property
    def aggregation(self):
        """How replicas' updates combine (TF 1's ``VariableAggregation.NONE`` unless given,
        as TF reports it; equal to the same member of ``wb.VariableAggregation``)."""
        return self._agg

    @property
    def name(self) -> str:
        """TF's name: the scoped name with the output suffix, ``'w:0'``, ``'dense/kernel:0'``;
        unnamed variables are ``'Variable:0'`` (names need not be unique, as in TF)."""
        return self._name + ":0"

    @property
    def path(self) -> str:
        """The scoped name without TF's suffix, as Keras 3's ``variable.path``: ``'dense/kernel'``."""
        return self._name

    def _check_value(self, value, what):
        if isinstance(value, Tensor):
            arr = value._data
            data = self._data
            if (type(arr) is np.ndarray and type(data) is np.ndarray and arr.shape == data.shape
                    and arr.dtype == data.dtype):
                return arr   # the common case (an update of the variable's shape, on the host)
            if arr.dtype != self._data.dtype:
                if _promotion is not None:
                    return self._check_value(_variable_value(self, value, what, _promotion), what)
                raise TypeError(f"Variable '{self.name}'.{what}: value has dtype {arr.dtype}, "
                                f"the variable has dtype {self._data.dtype}")
            arr = backend.move(arr, self.device) if backend.device_of(arr) != self.device else arr
        else:
            if (_promotion is not None and isinstance(value, (np.ndarray, np.generic))
                    and value.dtype != self._data.dtype):
                value = _variable_value(self, value, what, _promotion)
            arr = _coerce(value, self._data, f"Variable '{self.name}'.{what}")
        if arr.shape != self._data.shape:
            try:
                np.broadcast_shapes(arr.shape, self._data.shape)
                ok = np.broadcast_shapes(arr.shape, self._data.shape) == self._data.shape
            except ValueError:
                ok = False
            if not ok or what == "assign":
                fixed = self._shape_fixed
                if what == "assign" and fixed is not True:
                    if fixed is False or fixed.is_compatible_with(arr.shape):
                        return arr
                    raise ValueError(f"Variable '{self.name}'.assign: value has shape {arr.shape}, "
                                     f"which does not fit the variable's shape {fixed}")
                if what == "assign":   # TF's words
                    raise ValueError(f"Cannot assign value to variable ' {self.name}': Shape mismatch.The "
                                     f"variable shape {self._data.shape}, and the assigned value shape "
                                     f"{arr.shape} are incompatible.")
                raise ValueError(f"Variable '{self.name}'.{what}: value has shape {arr.shape}, "
                                 f"the variable has shape {self._data.shape}")
        return arr

    @effect
    def assign(self, value, use_locking=False, name=None, read_value=True):
        arr = self._check_value(value, "assign")
        if arr.shape != self._data.shape or self._captures:
            self._data = backend.xp_of(arr).array(arr, dtype=self._data.dtype, copy=True)
        else:
            backend.xp_of(self._data).copyto(self._data, arr)
        return _UnreadVariable(self) if read_value else None

    @effect
    def assign_add(self, delta, use_locking=False, name=None, read_value=True):
        arr = self._check_value(delta, "assign_add")
        if self._captures:
            xp = backend.xp_of(self._data)
            self._data = xp.add(self._data, arr, out=xp.empty_like(self._data))
        else:
            self._data += arr
        return _UnreadVariable(self) if read_value else None

    @effect
    def assign_sub(self, delta, use_locking=False, name=None, read_value=True):
        arr = self._check_value(delta, "assign_sub")
        if self._captures:
            xp = backend.xp_of(self._data)
            self._data = xp.subtract(self._data, arr, out=xp.empty_like(self._data))
        else:
            self._data -= arr
        return _UnreadVariable(self) if read_value else None

    def numpy(self) -> np.ndarray:
        """A copy of the current value (the buffer changes on assignment)."""
        if _state.tracer is not None:
            _read(self)
        arr = backend.to_numpy(self._data)
        if arr.ndim == 0:
            return arr[()]   # a NumPy scalar, as TF's
        return arr.copy() if arr is self._data else arr

    def __array__(self, dtype=None, copy=None):
        arr = np.asarray(self.numpy())
        return arr if dtype is None else arr.astype(dtype, copy=False)

    def read_value(self) -> Tensor:
        """The current value as a Tensor (recorded by tapes, like TF's ReadVariableOp)."""
        from .ops.shape import identity  # circular import with shape
        return identity(self)

    def value(self) -> Tensor:
        return self.read_value()

    def sparse_read(self, indices, name=None) -> Tensor:
        """The variable's rows at ``indices`` (TF's ``sparse_read``, a ResourceGather: its
        gradient for the variable is an IndexedSlices)."""
        from .ops.indexing import gather  # circular import with indexing
        return gather(self, indices)

    def ref(self):
        return _Ref(self)


def _delegate(slot):
    return property(lambda self: getattr(self._parent, slot),
                    lambda self, value: setattr(self._parent, slot, value))


class _UnreadVariable(Variable):
    """What ``assign``/``assign_add``/``assign_sub`` return, as TF's ``_UnreadVariable``: the
    same variable (its buffer, identity on tapes, trainability: reads see the current value,
    assignments through it update it) under TF's name ``'UnreadVariable'``, so that printing
    the result of an assignment shows what TF shows."""

    __slots__ = ("_parent",)

    _data = _delegate("_data")
    _tid = _delegate("_tid")
    trainable = _delegate("trainable")
    _shape_fixed = _delegate("_shape_fixed")
    _captures = _delegate("_captures")
    _sync = _delegate("_sync")
    _agg = _delegate("_agg")

    def __init__(self, parent):
        self._parent = parent._parent if type(parent) is _UnreadVariable else parent

    @property
    def name(self) -> str:
        return "UnreadVariable"

    @property
    def _name(self):
        return self._parent._name

    def ref(self):
        return self._parent.ref()


# ---------------------------------------------------------------------------
# Ops


class Op:
    """One op: forward, reverse-mode rule and forward-mode rule, side by side.

    ``fwd(xp, *arrays, **params)`` returns an array (or a tuple when ``nout > 1``).
    ``vjp(g, ans, *inputs, **params)`` returns one gradient (or None) per input;
    ``g`` and ``ans`` are Tensors (tuples when ``nout > 1``). Rules must accept
    cotangents with extra leading (batch) dimensions, so that jacobians run as
    one vectorized backward pass.
    ``jvp(tangents, ans, *inputs, **params)`` returns the output tangent; a None
    tangent means zero.
    ``broadcasts``: the op broadcasts its inputs, so gradients are summed back to
    each input's shape centrally (by the tape), not by the rule.
    ``rule(e, needs, g, ans, *inputs, **params)``: the reverse rule written against an
    interpreter ``e`` (``workbench.ops.rules``), which a first-order walk runs on arrays and
    ``wb.function`` fuses; ``vjp`` is then the same rule run on Tensors. Ops without one
    have their ``vjp`` only (written with ops), and the other walks run that.
    """

    __slots__ = ("name", "fwd", "vjp", "jvp", "rule", "nout", "broadcasts", "domain", "dtypes",
                 "__weakref__")

    def __init__(self, name, fwd, vjp=None, jvp=None, nout=1, broadcasts=False,
                 domain=None, dtypes="numeric", rule=None):
        self.name = name
        self.fwd = fwd
        self.vjp = vjp
        self.jvp = jvp
        self.rule = rule
        self.nout = nout
        self.broadcasts = broadcasts
        self.domain = domain
        self.dtypes = dtypes

    @property
    def differentiable(self) -> bool:
        return self.vjp is not None

    def __repr__(self):
        return f"Op({self.name})"


OPS: dict[str, Op] = {}


def defop(name, fwd, vjp=None, jvp=None, **kw) -> Op:
    """Create and register an op record."""
    if name in OPS:
        raise ValueError(f"op {name!r} is defined twice")
    op = Op(name, fwd, vjp, jvp, **kw)
    OPS[name] = op
    return op


_NO_PARAMS: dict = {}


# NumPy's floating-point warnings (log(0), 0/0, overflow) never reach the user: TF returns
# inf and nan silently. Per op this costs one identity check: the warnings NumPy raises from
# the library's modules are dropped by one warnings filter, consulted only when a warning is
# raised (entering np.errstate around each op made the W1 op chain 4-6% slower, even
# through the context variable np.errstate sets). ``warnings.catch_warnings`` restores the
# filter list it saved when it ends, which drops a filter added inside it (an import inside
# a test runner's block): ops see the list change and add the filter again. Whole passes (a
# reverse walk, a wb.function replay) also run under np.errstate (:func:`quiet`), which no
# user filter can undo.
_FP_FILTER = ("ignore", re.compile(r"(divide by zero|invalid value|overflow|underflow) encountered", re.I),
              RuntimeWarning, re.compile(r"(workbench|gradients|ragged|probability)(\.|$)"), 0)
_filters_seen = [None]


def silence_numpy_warnings():
    """Make sure the filter that drops NumPy's floating-point warnings from the library's
    modules is first in ``warnings.filters`` (ops call this when the list object changed:
    ``warnings.catch_warnings`` swaps it, and a user's ``simplefilter("error")`` inside, or
    pytest's ``-W error``, must not turn an op's inf or nan into an exception)."""
    filters = warnings.filters
    if not filters or filters[0] != _FP_FILTER:
        if _FP_FILTER in filters:
            filters.remove(_FP_FILTER)
        warnings.filterwarnings(_FP_FILTER[0], message=_FP_FILTER[1].pattern, category=RuntimeWarning,
                                module=_FP_FILTER[3].pattern)
    _filters_seen[0] = warnings.filters


silence_numpy_warnings()


def quiet(fn):
    """``fn`` run under ``np.errstate(all="ignore")`` (for whole passes, not single ops)."""
    return np.errstate(all="ignore")(fn)


def apply(op: Op, args: tuple, params: dict = _NO_PARAMS):
    """Run ``op`` on Tensors ``args``; hand it to active tapes and accumulators."""
    if warnings.filters is not _filters_seen[0]:
        silence_numpy_warnings()
    if backend._cupy is None:
        out = op.fwd(np, *[a._data for a in args], **params)
    else:
        data = [a._data for a in args]
        out = op.fwd(backend.xp_for(*data), *data, **params)
    if op.nout == 1:
        res = _wrap(out)
    else:
        res = tuple([_wrap(o) for o in out])
    if _slow:
        after_op(op, args, params, res)
    return res


def after_op(op, args, params, res):
    for listener in _state.listeners:
        listener.on_op(op, args, params, res)


def dims(x) -> tuple:
    """The plain shape tuple of a Tensor or an array (for hot paths: slicing and joining a
    ``TensorShape`` costs ten times a tuple's)."""
    return getattr(x, "_data", x).shape


def unbroadcast(g: Tensor, shape: tuple, batch_ndim: int = 0) -> Tensor:
    """Sum ``g`` (shape ``batch + broadcast(shape, ...)``) back to ``batch + shape``."""
    gshape = g._data.shape
    if gshape[batch_ndim:] == shape:
        return g
    from .ops.reduce import reduce_sum  # circular import with reduce
    from .ops.shape import reshape  # circular import with shape
    extra = len(gshape) - batch_ndim - len(shape)
    axes = list(range(batch_ndim, batch_ndim + extra))
    for i, s in enumerate(shape):
        if s == 1 and gshape[batch_ndim + extra + i] != 1:
            axes.append(batch_ndim + extra + i)
    if axes:
        g = reduce_sum(g, axis=axes)
    return reshape(g, gshape[:batch_ndim] + shape) if g._data.shape != gshape[:batch_ndim] + shape else g


_PARENT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_OUR_ROOTS = tuple(os.path.join(_PARENT, name) + os.sep
                   for name in ("workbench", "gradients", "ragged", "probability"))


def user_frame() -> str:
    """The innermost source line outside this library (for error messages)."""
    f = sys._getframe(1)
    while f is not None:
        if not f.f_code.co_filename.startswith(_OUR_ROOTS):
            return f"{f.f_code.co_filename}:{f.f_lineno}"
        f = f.f_back
    return "<unknown>"
