"""TF 2's eager glue: ``wb.print``, ``executing_eagerly``, ``name_scope``,
``control_dependencies``, ``group``, ``py_function`` and ``numpy_function``.

Inside a ``wb.function`` the printing and the Python calls are stateful steps of the traced
program (``core.effect``): every call of the compiled function prints again and calls the
Python function again, as TF's ``tf.print`` and ``tf.py_function`` do.

>>> wb.print("x:", wb.constant([[1, 2, 3], [4, 5, 6]]), output_stream=sys.stdout)
x: [[1 2 3]
 [4 5 6]]
"""

from __future__ import annotations

import contextlib
import functools
import sys
import threading

import numpy as np

from . import core, nest
from . import dtypes as dtypes_
from .core import Tensor, convert_to_tensor
from .dtypes import as_dtype
from .ops.printing import format_tensor
from .errors import InvalidArgumentError

__all__ = ["print", "format_tensor", "executing_eagerly", "name_scope", "control_dependencies",
           "group", "py_function", "numpy_function"]

_print = print  # noqa: A001  (the builtin, before this module's ``print`` hides it)


# ---------------------------------------------------------------------------
# printing, in TF's format


def _format(value, summarize, top):
    if isinstance(value, Tensor):
        return format_tensor(value, summarize)
    if isinstance(value, core.CompositeTensor) and hasattr(value, "to_list"):
        return str(value.to_list())
    if isinstance(value, np.ndarray):
        return format_tensor(value, summarize)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {_format(v, summarize, False)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_format(v, summarize, False) for v in value) + "]"
    if isinstance(value, tuple):
        inner = ", ".join(_format(v, summarize, False) for v in value)
        return "(" + inner + ("," if len(value) == 1 else "") + ")"
    if isinstance(value, str):
        return value if top else repr(value)
    return str(value)


def _write(text, stream):
    if isinstance(stream, str):
        if not stream.startswith("file://"):
            raise ValueError(f"print: output_stream must be a stream (sys.stdout, sys.stderr), a "
                             f"callable or a 'file://PATH' string, got {stream!r}")
        with open(stream[len("file://"):], "a", encoding="utf-8") as f:
            f.write(text)
    elif hasattr(stream, "write"):
        # a wb.function running its Python again silences Python's print, not wb.print
        stream = getattr(stream, "unsilenced", stream)
        stream.write(text)
        if hasattr(stream, "flush"):
            stream.flush()
    elif callable(stream):   # a logging function (logging.info): one message, no line end
        stream(text[:-1] if text.endswith("\n") else text)
    else:
        raise ValueError(f"print: output_stream must be a stream (sys.stdout, sys.stderr), a "
                         f"callable or a 'file://PATH' string, got {type(stream).__name__}")


@core.effect
def _print_now(inputs, output_stream, summarize, sep, end):
    # output_stream comes in a 1-tuple: a file is an iterator, which a trace would drain
    if len(inputs) == 1 and isinstance(inputs[0], Tensor) and inputs[0].ndim == 0 and inputs[0].dtype.kind == "O":
        # TF prints a lone string scalar as its text (it is the formatted string itself)
        text = inputs[0].numpy()
        _write((text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)) + end, output_stream[0])
        return
    _write(sep.join(_format(v, summarize, True) for v in inputs) + end, output_stream[0])


# a trace that runs nothing (get_concrete_function, a dataset built) prints nothing
_print_now.__wrapped__.stand_in = lambda *args, **kwargs: None


def print(*inputs, output_stream=None, summarize=3, sep=" ", end="\n", name=None):  # noqa: A001
    """Print ``inputs`` (tensors, nested structures of them, Python values) to
    ``output_stream`` (default ``sys.stderr``, as TF's ``tf.print``), tensors in TF's format
    (see :func:`format_tensor`); strings at the top level print without quotes.

    ``output_stream`` may also be a callable (``logging.info``) or ``"file://PATH"`` (appended
    to). Inside a ``wb.function`` every call prints the values of that call.

    >>> wb.print(wb.range(10), output_stream=sys.stdout)
    [0 1 2 ... 7 8 9]
    """
    if not isinstance(sep, str) or not isinstance(end, str):
        raise TypeError(f"print: sep and end must be strings, got {type(sep).__name__} and "
                        f"{type(end).__name__}")
    if summarize is not None and (isinstance(summarize, bool) or not isinstance(summarize, (int, np.integer))):
        raise TypeError(f"print: summarize must be an int (-1 for every element) or None, got {summarize!r}")
    _print_now(inputs, (sys.stderr if output_stream is None else output_stream,), summarize, sep, end)


# ---------------------------------------------------------------------------
# eager execution, scopes, control dependencies


def executing_eagerly() -> bool:
    """False while a ``wb.function`` is being traced and inside a ``tf.data`` function
    (``Dataset.map``'s, ``filter``'s...: TF traces those), True otherwise (also when
    ``wb.config.run_functions_eagerly(True)`` runs functions as plain Python), as TF's
    ``tf.executing_eagerly``. The body of a py/numpy function runs eagerly, as in TF."""
    return not core.graph_building() or getattr(_bodies, "depth", 0) > 0


@contextlib.contextmanager
def init_scope():
    """Run the block outside the ``wb.function`` being traced and outside the active gradient
    tapes (TF's ``tf.init_scope``): its ops run once, while tracing, and are not part of the
    traced program (a replay does not run them again); tapes do not record them.

    >>> v = wb.Variable(0)
    >>> @wb.function
    ... def f():
    ...     with wb.init_scope():
    ...         v.assign_add(1)    # once, when f is traced
    ...     return v + 0
    >>> [int(f()) for _ in range(3)]
    [1, 1, 1]
    """
    tracer = core.set_tracer(None)
    paused = [t for t in core.tapes() if getattr(t, "_recording", False)]
    for t in paused:
        t._recording = False
    try:
        yield
    finally:
        for t in paused:
            t._recording = True
        core.set_tracer(tracer)


class name_scope:  # noqa: N801  (TF's name)
    """``with wb.name_scope("block"):``: variables created inside with a ``name`` are named
    ``"block/name"`` (nested scopes join with ``/``), as TF 2 names them.

    The context value is the full scope with a trailing ``/`` (``"outer/block/"``). A name that
    ends in ``/`` is taken as a whole scope (not nested), and ``""`` returns to the top level.
    Unnamed variables keep their default names. Scopes are per thread.

    >>> with wb.name_scope("block") as scope:
    ...     v = wb.Variable(1.0, name="w")
    >>> scope, v.name
    ('block/', 'block/w:0')
    """

    def __init__(self, name):
        if not isinstance(name, str):
            raise TypeError(f"name_scope: name must be a string, got {type(name).__name__}")
        if name and not all(part for part in name.rstrip("/").split("/")):
            raise ValueError(f"name_scope: name {name!r} has an empty part between slashes")
        self._name = name
        self._prev = []

    @property
    def name(self) -> str:
        return self._name

    def __enter__(self):
        outer = core.name_scope_prefix()
        if not self._name:
            scope = ""
        elif self._name.endswith("/"):
            scope = self._name
        else:
            scope = outer + self._name + "/"
        self._prev.append(core.set_name_scope_prefix(scope))
        return scope

    def __exit__(self, *exc):
        core.set_name_scope_prefix(self._prev.pop())
        return False


@contextlib.contextmanager
def control_dependencies(control_inputs):
    """TF's ``tf.control_dependencies``: ops run in program order here (eagerly, and in a
    ``wb.function``'s replay), so what ``control_inputs`` names has already run; a callable
    among them is called, as TF does in eager mode. ``None`` is accepted (TF's way to clear
    dependencies)."""
    if control_inputs is not None:
        if not isinstance(control_inputs, (list, tuple)):
            raise TypeError(f"control_dependencies: control_inputs must be a list of tensors, ops or "
                            f"callables (or None), got {type(control_inputs).__name__}")
        for c in control_inputs:
            if callable(c) and not isinstance(c, Tensor):
                c()
    yield


def group(*inputs, name=None):
    """TF's ``tf.group``: the inputs have already run (eager order), so this returns None, as
    TF does when executing eagerly. Inputs are tensors, ops (None) or nested structures."""
    for leaf in nest.flatten(list(inputs)):
        if leaf is not None and not isinstance(leaf, (Tensor, core.CompositeTensor)) and not callable(leaf):
            raise TypeError(f"group: inputs must be tensors, ops or None, got {type(leaf).__name__}")
    return None


# ---------------------------------------------------------------------------
# Python functions as ops


def _tout(Tout, where):
    """(dtypes, single): ``Tout`` as a list of dtypes; ``single`` when one dtype was given
    (the result is then one tensor, not a list)."""
    if Tout is None:
        return [], False
    if isinstance(Tout, (list, tuple)):
        try:
            return [as_dtype(t) for t in Tout], False
        except TypeError:
            raise TypeError(f"{where}: Tout must be a dtype or a list of dtypes, got {Tout!r}") from None
    try:
        return [as_dtype(Tout)], True
    except TypeError:
        raise TypeError(f"{where}: Tout must be a dtype or a list of dtypes, got {Tout!r}") from None


def _inputs(inp, where):
    if inp is None:
        return []
    if not isinstance(inp, (list, tuple)):
        inp = [inp]
    out = []
    for i, x in enumerate(inp):
        try:
            out.append(convert_to_tensor(x))
        except (TypeError, ValueError) as exc:
            raise TypeError(f"{where}: inp[{i}] cannot become a tensor ({exc})") from None
    return out


def _results(value, dtypes, single, where, func):
    """``func``'s return value as tensors of ``dtypes`` (a list, or one tensor when ``single``)."""
    fname = getattr(func, "__name__", "func")
    if not dtypes:
        if value is None or (isinstance(value, (list, tuple)) and not value):
            return []
        _count_error(where, fname, 0, value)
    if single:
        values = [value]
    elif isinstance(value, (list, tuple)):
        values = list(value)
    else:
        values = [value]
    if len(values) != len(dtypes):
        _count_error(where, fname, len(dtypes), values)
    out = []
    for i, (v, dt) in enumerate(zip(values, dtypes)):
        if isinstance(v, Tensor):
            t = v
        elif dt == dtypes_.string and isinstance(v, (str, bytes, np.ndarray, np.generic)) \
                and np.asarray(v).dtype.kind in "SUO":
            t = convert_to_tensor(v, dtype=dt)   # bytes, str and arrays of them, as TF takes
        elif isinstance(v, np.ndarray) or isinstance(v, np.generic):
            t = core.wrap_constant(np.asarray(v))
        else:
            try:
                t = convert_to_tensor(v, dtype=dt)
            except (TypeError, ValueError) as exc:
                raise InvalidArgumentError(f"{where}: value {i} returned by {fname} cannot become a "
                                           f"tensor of dtype {dt} ({exc})") from None
        if t.dtype != dt:
            raise InvalidArgumentError(f"{where}: value {i} returned by {fname} has dtype {t.dtype}, "
                                       f"but Tout[{i}] is {dt}")
        out.append(t)
    return out[0] if single else out


def _count_error(where, fname, n, values):
    got = 1 if not isinstance(values, (list, tuple)) else len(values)
    raise InvalidArgumentError(f"{where}: {fname} returned {got} value(s), but Tout names {n}")


@contextlib.contextmanager
def _prints_shown():
    """``func`` of py_function/numpy_function prints on every call, as TF runs it on every
    call, also where a ``wb.function`` runs its Python body again with the body's own prints
    silenced (a ``sys.stdout`` that keeps the real one as ``unsilenced``)."""
    out = sys.stdout
    real = getattr(out, "unsilenced", None)
    if real is None:
        yield
        return
    sys.stdout = real
    try:
        yield
    finally:
        sys.stdout = out


def _run_py(func, inputs, dtypes, single):
    with _prints_shown(), _python_body():
        value = func(*inputs)
    return _results(value, dtypes, single, "py_function", func)


def _py_op(func, dtypes, single):
    """An op (not in the op table: one per traced call) whose forward calls ``func`` on
    tensors under a tape and whose reverse rule differentiates through what ``func`` did,
    so that a tape around a replayed ``wb.function`` gets gradients of each call."""
    from gradients import GradientTape  # kit over gradients: the tape differentiates func
    state = {}
    n = len(dtypes)

    def fwd(xp, *arrays):
        ins = [core.wrap_constant(a) for a in arrays]
        with GradientTape(persistent=True) as tape:
            tape.watch([t for t in ins if t.dtype.kind == "f"])
            res = _run_py(func, ins, dtypes, single)
        outs = [res] if single else list(res)
        state["tape"], state["ins"], state["outs"] = tape, ins, outs
        return outs[0]._data if n == 1 else tuple(o._data for o in outs)

    def vjp(g, ans, *inputs):
        gs = g if isinstance(g, tuple) else (g,)
        pairs = [(o, gi) for o, gi in zip(state["outs"], gs) if gi is not None and o.dtype.kind == "f"]
        if not pairs:
            return [None] * len(inputs)
        return state["tape"].gradient([o for o, _ in pairs], state["ins"],
                                      output_gradients=[gi for _, gi in pairs])

    return core.Op("py_function", fwd, vjp, nout=n)


@core.effect
def _py_traced(func, inputs, dtypes, single, op):
    if op is None:
        return _run_py(func, inputs, dtypes, single)
    res = core.apply(op, tuple(inputs))
    if single:
        return res
    return [res] if len(dtypes) == 1 else list(res)


def _stand_in(func, inputs, dtypes, single, *rest):
    """What a py/numpy function gives a trace that TF does not run (``get_concrete_function``, a
    dataset's function traced when the dataset is built): zeros of each ``Tout`` dtype, of TF's
    unknown shape there; ``func`` is not called."""
    outs = [core.wrap(np.array(b"", dtype=object) if d == dtypes_.string else np.zeros((), d.as_numpy_dtype))
            for d in dtypes]
    return outs[0] if single else outs


_py_traced.__wrapped__.stand_in = _stand_in   # core.effect hands the tracer the unwrapped call


def _decorator(wrap, where, Tout, **extra):
    """``@wb.py_function(Tout=...)`` / ``@wb.numpy_function(Tout=...)``: the decorated function,
    called with its arguments as ``inp``."""
    def decorate(func):
        if not callable(func):
            raise TypeError(f"{where}: the decorated object must be callable, got {type(func).__name__}")

        @functools.wraps(func)
        def call(*args):
            return wrap(func, list(args), Tout, **extra)
        return call
    return decorate


def py_function(func=None, inp=None, Tout=None, name=None):
    """Call the Python function ``func`` on the tensors ``inp`` (TF's ``tf.py_function``).

    ``Tout`` is the result's dtype (one tensor comes back), a list of dtypes (a list comes
    back) or None / ``[]`` (``func`` returns nothing). ``func`` sees tensors; what it returns is
    converted to ``Tout`` (a tensor or array of another dtype is an ``InvalidArgumentError``).
    Gradients flow through what ``func`` computes with the library's ops, as in TF. Inside a
    ``wb.function`` every call of the compiled function calls ``func`` again. Without ``func``
    it is a decorator, as in TF: ``@wb.py_function(Tout=wb.float32)`` makes ``f(x, y)`` call
    ``wb.py_function(f, [x, y], Tout=wb.float32)``.

    >>> wb.py_function(lambda x: x * 2, [wb.constant(3.0)], Tout=wb.float32).numpy()
    6.0
    """
    if func is None:   # @wb.py_function(Tout=...)
        return _decorator(py_function, "py_function", Tout)
    if not callable(func):
        raise TypeError(f"py_function: func must be callable, got {type(func).__name__}")
    inputs = _inputs(inp, "py_function")
    dtypes, single = _tout(Tout, "py_function")
    if not core.tracing():
        return _run_py(func, inputs, dtypes, single)   # tapes record func's ops themselves
    differentiable = bool(core.tapes()) and any(d.kind == "f" for d in dtypes)
    op = _py_op(func, dtypes, single) if differentiable else None
    return _py_traced(func, inputs, dtypes, single, op)


def _numpy_value(t, graph):
    """What ``func`` receives for ``t``, as TF hands it over: an array (object dtype of bytes for
    strings); a 0-d value is a 0-d array in eager code and a NumPy scalar (``bytes`` for a string)
    where TF runs a graph (a ``wb.function``, a ``tf.data`` function)."""
    a = np.asarray(t.numpy())
    if t.dtype == dtypes_.string and a.dtype.kind != "O":
        a = a.astype(object)
    return a[()] if graph and a.ndim == 0 else a


@core.effect
def _numpy_call(func, inputs, dtypes, single, graph=False):
    arrays = [_numpy_value(t, graph) for t in inputs]
    with _prints_shown(), _python_body():
        value = func(*arrays)
    return _results(value, dtypes, single, "numpy_function", func)


_numpy_call.__wrapped__.stand_in = _stand_in


_bodies = threading.local()   # .depth: py/numpy function bodies running on this thread


@contextlib.contextmanager
def _python_body():
    """TF runs the body of a py/numpy function eagerly, also inside a graph: a
    ``numpy_function`` called there takes the eager path."""
    _bodies.depth = getattr(_bodies, "depth", 0) + 1
    try:
        yield
    finally:
        _bodies.depth -= 1


def _numpy_eager(func, inp):
    """TF's eager ``tf.numpy_function``: ``func`` gets ``np.array`` of each input (a Python
    float is a float64 array); its result is flattened and each value converted as
    ``convert_to_tensor`` does, whatever ``Tout`` says; one value comes back alone."""
    if not isinstance(inp, (list, tuple)):
        inp = [inp]
    arrays = [_numpy_value(x, False) if isinstance(x, Tensor) else np.array(x) for x in inp]
    with _prints_shown(), _python_body():
        value = func(*arrays)
    out = [None if v is None else convert_to_tensor(v) for v in nest.flatten(value)]
    return out[0] if len(out) == 1 else out


def numpy_function(func=None, inp=None, Tout=None, stateful=True, name=None):
    """Call ``func`` on NumPy arrays (TF's ``tf.numpy_function``); not differentiable.

    ``func`` receives the values of ``inp`` as NumPy arrays and returns arrays (or Python
    values) of the dtypes ``Tout`` (see :func:`py_function`); an array of another dtype is an
    ``InvalidArgumentError``, as in TF, while a Python number or list converts to its
    ``Tout``. Inside a ``wb.function`` every call of the compiled function calls ``func``
    again, ``stateful`` or not (a replay never skips it). Called eagerly it does what TF's
    eager path does: ``func`` gets ``np.array(x)`` of each input and its results become
    tensors of their own dtypes, ``Tout`` unchecked.

    >>> wb.numpy_function(np.sort, [wb.constant([3, 1, 2])], Tout=wb.int32).numpy()
    array([1, 2, 3], dtype=int32)
    """
    if Tout is None:
        raise TypeError("numpy_function: missing required argument 'Tout' (as a decorator, set it "
                        "by name: @numpy_function(Tout=...))")
    if func is None:   # @wb.numpy_function(Tout=...)
        if inp is not None:
            raise TypeError("numpy_function: don't set `inp` when using it as a decorator (func=None)")
        return _decorator(numpy_function, "numpy_function", Tout, stateful=stateful)
    if not callable(func):
        raise TypeError(f"numpy_function: func must be callable, got {type(func).__name__}")
    if inp is None:
        raise TypeError("numpy_function: missing argument `inp`, the list of arguments to func "
                        "(only as a decorator, func=None, does it go without)")
    dtypes, single = _tout(Tout, "numpy_function")
    if not core.graph_building() or getattr(_bodies, "depth", 0):
        return _numpy_eager(func, inp)
    inputs = _inputs(inp, "numpy_function")
    return _numpy_call(func, inputs, dtypes, single, core.graph_building())
