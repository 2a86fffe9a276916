"""Helpers that turn op records into public, TF-named functions.

Unary and binary elementwise functions get a hand-inlined fast path: convert,
check the dtype, call the forward, wrap, and hand the op to active tapes only
when ``core._slow`` says someone is listening.
"""

from __future__ import annotations

import inspect
import warnings

import numpy as np

from .. import backend, core, hostcache
from ..errors import InvalidArgumentError, eager_op_message
from ..core import Tensor, _wrap, binary_arrays, convert_to_tensor
from .rules import tensor_vjp

_NO_PARAMS = core._NO_PARAMS
_filters_seen = core._filters_seen   # see core.silence_numpy_warnings

# dtype classes an op accepts, by NumPy dtype kind
KINDS = {
    "float": "fc",
    "real": "f",
    "numeric": "fciu",
    "int": "iu",
    "bool": "b",
    "any": "fciub",
    "string": "O",
}


def bfloat16_taken(dtype, kinds) -> bool:
    """Whether an op accepting the dtype kinds ``kinds`` takes ``dtype`` as bfloat16, a floating
    type: ml_dtypes' bfloat16 has NumPy kind "V". Called only where the kind check fails, so
    other dtypes pay nothing for it."""
    return "f" in kinds and dtype.name == "bfloat16"


def dtype_error(opname, what, dtype, accepted):
    want = {"fc": "floating or complex", "f": "floating", "fciu": "numeric (not bool)",
            "iu": "integer", "b": "bool", "fciub": "any",
            "O": "string"}[accepted]
    return TypeError(f"{opname}: {what} has dtype {dtype}, expected a {want} dtype")


def defop(name, fwd, vjp=None, jvp=None, *, rule=None, **kw):
    """Create and register an op record (``core.defop``); given a ``rule`` (see ``rules``),
    its ``vjp`` is that rule run on Tensors (the reverse walks run ``rule`` directly, so an op
    has one or the other)."""
    if rule is not None:
        if vjp is not None:
            raise TypeError(f"defop {name!r}: give a rule or a vjp, not both")
        vjp = tensor_vjp(rule)
    return core.defop(name, fwd, vjp, jvp, rule=rule, **kw)


def bilinear_jvp(fn, ts, a, b):
    """The tangent of ``fn(a, b)``, linear in each operand: ``fn(ta, b) + fn(a, tb)``."""
    ta, tb = ts
    out = None if ta is None else fn(ta, b)
    if tb is not None:
        part = fn(a, tb)
        out = part if out is None else out + part
    return out


def ufunc1(name):
    """The forward of an op that is the array module's unary ufunc ``name``. On NumPy a large
    floating result goes into a reused buffer (``workbench.hostcache``)."""
    f = getattr(np, name)
    like = hostcache.like

    def fwd(xp, x):
        if xp is np:
            out = like(x)
            return f(x) if out is None else f(x, out=out)
        return getattr(xp, name)(x)
    fwd.__name__ = name
    fwd.ufunc = name  # what fusion computes for this op
    return fwd


def ufunc2(name):
    """The forward of an op that is the array module's binary ufunc ``name`` (see ``ufunc1``)."""
    f = getattr(np, name)
    like2 = hostcache.like2

    def fwd(xp, x, y):
        if xp is np:
            out = like2(x, y)
            return f(x, y) if out is None else f(x, y, out=out)
        return getattr(xp, name)(x, y)
    fwd.__name__ = name
    fwd.ufunc = name
    return fwd


def unary(name, fwd, vjp=None, jvp=None, *, dtypes="float", domain="real", public=None, refusal=None, **kw):
    """Define an elementwise op of one tensor (its reverse rule a ``vjp`` or a ``rule``) and
    return its public function. ``refusal(opname, what, dtype, kinds)`` makes the error for a
    dtype outside ``dtypes`` where TF's differs from ``dtype_error``'s."""
    op = defop(name, fwd, vjp, jvp, dtypes=dtypes, domain=domain, **kw)
    kinds = KINDS[dtypes]
    refusal = refusal or dtype_error

    def fn(x, name=None):
        if not isinstance(x, Tensor):
            if getattr(x, "__wb_dispatch__", False):
                return core.dispatch(fn, (x,))
            x = convert_to_tensor(x)
        d = x._data
        if d.dtype.kind not in kinds and not bfloat16_taken(d.dtype, kinds):
            raise refusal(op.name, "x", d.dtype, kinds)
        if warnings.filters is not _filters_seen[0]:
            core.silence_numpy_warnings()
        out = _wrap(fwd(np if backend._cupy is None else backend.xp_of(d), d))
        if core._slow:
            core.after_op(op, (x,), _NO_PARAMS, out)
        return out

    fn.__name__ = fn.__qualname__ = public or name
    fn.__doc__ = f"Elementwise ``{public or name}(x)`` (TF's ``tf.math.{public or name}``)."
    fn.op = op
    fn.elementwise = True
    return fn


def binary(name, fwd, vjp=None, jvp=None, *, dtypes="numeric", domain="real", public=None,
           argnames=("x", "y"), strings=None, **kw):
    """Define a broadcasting elementwise op of two tensors and return its public function.
    ``strings``: the public function string tensors go to instead (``add`` concatenates), reached
    only where the dtype check fails, so numeric calls pay nothing for it."""
    op = defop(name, fwd, vjp, jvp, dtypes=dtypes, domain=domain, broadcasts=True, **kw)
    kinds = KINDS[dtypes]
    label = public or name

    def fn(x, y, name=None):
        if not (isinstance(x, Tensor) and isinstance(y, Tensor)) and (
                getattr(x, "__wb_dispatch__", False) or getattr(y, "__wb_dispatch__", False)):
            return core.dispatch(public_fn, (x, y))
        x, y = binary_arrays(x, y, label)
        a = x._data
        if a.dtype.kind not in kinds and not bfloat16_taken(a.dtype, kinds):
            if strings is not None and a.dtype.kind == "O":
                return strings(x, y)
            raise dtype_error(label, argnames[0], a.dtype, kinds)
        if warnings.filters is not _filters_seen[0]:
            core.silence_numpy_warnings()
        try:
            out = fwd(np if backend._cupy is None else backend.xp_for(a, y._data), a, y._data)
        except ValueError as exc:
            raise broadcast_error(label, a.shape, y._data.shape, argnames, x.device) from exc
        out = _wrap(out)
        if core._slow:
            core.after_op(op, (x, y), _NO_PARAMS, out)
        return out

    public_fn = fn if argnames == ("x", "y") else _with_parameter_names(fn, argnames)
    public_fn.__name__ = public_fn.__qualname__ = label
    public_fn.__doc__ = (f"Elementwise, broadcasting ``{label}({argnames[0]}, {argnames[1]})`` "
                         f"(TF's ``tf.math.{label}``).")
    public_fn.op = op
    public_fn.elementwise = True
    return public_fn


def _with_parameter_names(fn, argnames):
    """``fn(x, y, name=None)`` whose parameters are TF's ``argnames`` (``atan2(y, x)``), so that a
    keyword call binds each value to its place."""
    P = inspect.Parameter
    signature = inspect.Signature([P(argnames[0], P.POSITIONAL_OR_KEYWORD), P(argnames[1], P.POSITIONAL_OR_KEYWORD),
                                   P("name", P.POSITIONAL_OR_KEYWORD, default=None)])

    def named(*args, **kwargs):
        if kwargs:
            bound = signature.bind(*args, **kwargs)
            args = (bound.arguments[argnames[0]], bound.arguments[argnames[1]])
        return fn(*args)

    named.__signature__ = signature
    return named


# the TF kernels of the broadcasting binary ops: their errors name them ("[Op:AddV2]")
_TF_OP_TYPES = {
    "add": "AddV2", "subtract": "Sub", "multiply": "Mul", "divide": "RealDiv", "floordiv": "FloorDiv",
    "mod": "FloorMod", "pow": "Pow", "maximum": "Maximum", "minimum": "Minimum", "atan2": "Atan2",
    "squared_difference": "SquaredDifference", "xlogy": "Xlogy", "xlog1py": "Xlog1py", "xdivy": "Xdivy",
    "divide_no_nan": "DivNoNan", "multiply_no_nan": "MulNoNan", "polygamma": "Polygamma",
    "equal": "Equal", "not_equal": "NotEqual", "less": "Less", "less_equal": "LessEqual", "greater": "Greater",
    "greater_equal": "GreaterEqual", "logical_and": "LogicalAnd", "logical_or": "LogicalOr"}


def broadcast_error(opname, sa, sb, argnames=("x", "y"), device=None):
    """The error of a binary op whose operands' shapes do not broadcast: TF's kernel's words
    ("Incompatible shapes: [5,3] vs. [7] [Op:Mul]") for the ops TF runs as one kernel."""
    try:
        np.broadcast_shapes(sa, sb)
    except ValueError:
        op_type = _TF_OP_TYPES.get(opname)
        if op_type is not None:
            dims = ("[" + ",".join(str(d) for d in s) + "]" for s in (sa, sb))
            return InvalidArgumentError(None, None, eager_op_message(
                op_type, "Incompatible shapes: {} vs. {}".format(*dims), device, name=""))
        # TF's kernels raise InvalidArgumentError ("Incompatible shapes"); it is a ValueError too
        return InvalidArgumentError(None, None, f"{opname}: shapes {argnames[0]}={tuple(sa)} and "
                                    f"{argnames[1]}={tuple(sb)} are not broadcast-compatible")
    return ValueError(f"{opname}: failed on shapes {tuple(sa)} and {tuple(sb)}")
