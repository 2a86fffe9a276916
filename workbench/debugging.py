"""``wb.debugging``: find where NaN and Inf come from, and cheap value assertions.

``enable_check_numerics()`` makes the first op whose floating output holds a
NaN or an Inf raise :class:`~workbench.errors.InvalidArgumentError`, naming the
op and the user's source line. It watches the backward pass too: while a
gradient rule runs, the tape names the forward op it belongs to and the line
that recorded it, so the error reads "NaN in the gradient of op 'log'
(recorded at train.py:12)". Disabled (the default) it costs nothing: no
observer is registered, so ops take the core's fast path.

>>> wb.debugging.enable_check_numerics()
>>> wb.math.log(wb.constant(-1.0))
Traceback (most recent call last):
InvalidArgumentError: check_numerics: op 'log' produced NaN ...
"""

from __future__ import annotations

import sys

import numpy as np

from . import backend, core
from .core import convert_to_tensor, defop
from .dtypes import as_dtype
from .errors import InvalidArgumentError

# ---------------------------------------------------------------------------
# the observer


def _bad_values(arr):
    """'NaN', 'Inf', 'NaN and Inf', or None for an array with only finite values."""
    if arr.dtype.kind not in "fc":
        return None
    xp = backend.xp_of(arr)
    if bool(xp.isfinite(arr).all()):
        return None
    has_nan = bool(xp.isnan(arr).any())
    has_inf = bool(xp.isinf(arr).any())
    return " and ".join(w for w, hit in (("NaN", has_nan), ("Inf", has_inf)) if hit)


def _backward_context():
    """The forward op whose gradient rule is running now, if the tape is in a backward pass."""
    # the tape pushes a context object (with ``op`` and ``frame``) while a rule runs;
    # recognised by its attributes, since the core does not import the tape
    for obs in reversed(core.observers()):
        if hasattr(obs, "frame") and isinstance(getattr(obs, "op", None), core.Op):
            return obs
    return None


class _CheckNumerics(core.Listener):
    """Observer: raise on the first floating op output that holds NaN or Inf."""

    def on_op(self, op, args, params, res):
        outputs = res if type(res) is tuple else (res,)
        for k, r in enumerate(outputs):
            bad = _bad_values(r._data)
            if bad:
                raise InvalidArgumentError(self._message(op, args, k, len(outputs), bad, r))

    @staticmethod
    def _message(op, args, k, nout, bad, r):
        which = f"output {k} " if nout > 1 else ""
        inputs = ", ".join(f"{a.dtype}{list(a.shape)}" for a in args)
        ctx = _backward_context()
        if ctx is not None:
            where = f" (recorded at {ctx.frame})" if ctx.frame else ""
            return (f"check_numerics: {bad} in the gradient of op '{ctx.op.name}'{where}: "
                    f"op '{op.name}' produced {bad} in its {which}result (shape {r.shape}, "
                    f"dtype {r.dtype}) from inputs ({inputs}), during the backward pass "
                    f"called at {core.user_frame()}")
        return (f"check_numerics: op '{op.name}' produced {bad} in its {which}result "
                f"(shape {r.shape}, dtype {r.dtype}) from inputs ({inputs}), at {core.user_frame()}")


_checker = _CheckNumerics()
_enabled = False


def enable_check_numerics(stack_height_limit=30, path_length_limit=50):
    """Raise ``InvalidArgumentError`` at the first op (forward or backward) whose floating
    output holds NaN or Inf. Calling it again while enabled does nothing.

    (``stack_height_limit`` and ``path_length_limit`` are accepted for TF compatibility;
    the error names the one user line that matters.)
    """
    global _enabled
    if not _enabled:
        core.push("obs", _checker)
        _enabled = True


def disable_check_numerics():
    """Stop checking op outputs; a no-op when checking is not enabled."""
    global _enabled
    if _enabled:
        core.pop("obs", _checker)
        _enabled = False


# ---------------------------------------------------------------------------
# check_numerics as an op: it checks its gradient (and tangent) on the way back too


def _check(arr, message):
    bad = _bad_values(arr)
    if bad:
        raise InvalidArgumentError(f"{message} : Tensor had {bad} values (at {core.user_frame()})")


def _check_fwd(xp, x, message):
    _check(x, message)
    return x


_GRAD_NOTE = "Not a number (NaN) or infinity (Inf) values detected in gradient. "

_check_op = defop(
    "check_numerics", _check_fwd,
    vjp=lambda g, ans, x, message: (check_numerics(g, _GRAD_NOTE + message),),
    jvp=lambda ts, ans, x, message: check_numerics(ts[0], _GRAD_NOTE + message),
    dtypes="float")


@core.dispatchable   # a RaggedTensor takes it over (ragged registers the handler)
def check_numerics(tensor, message, name=None):
    """``tensor`` unchanged, after checking it holds no NaN or Inf (else
    ``InvalidArgumentError`` with ``message``). Its gradient is checked the same way.

    >>> wb.debugging.check_numerics(wb.constant([1.0, 2.0]), "weights").numpy()
    array([1., 2.], dtype=float32)
    """
    x = convert_to_tensor(tensor)
    if x.dtype.kind not in "fc":
        raise TypeError(f"check_numerics: tensor has dtype {x.dtype}; only floating tensors can be checked")
    return core.apply(_check_op, (x,), {"message": str(message)})


def assert_all_finite(x, message, name=None):
    """TF 2's ``tf.debugging.assert_all_finite``: ``check_numerics`` under another name."""
    return check_numerics(x, message, name)


# ---------------------------------------------------------------------------
# assertions (eager: they raise or return None, as TF 2's do outside tf.function)


def _pair(x, y, opname):
    x = convert_to_tensor(x)
    y = convert_to_tensor(y, dtype_hint=x.dtype)
    if x.dtype != y.dtype:
        raise TypeError(f"{opname}: x has dtype {x.dtype} and y has dtype {y.dtype}; they must match")
    try:
        np.broadcast_shapes(x.shape, y.shape)
    except ValueError:
        raise ValueError(f"{opname}: shapes x={x.shape} and y={y.shape} are not broadcast-compatible") from None
    return x.numpy(), y.numpy()


def _fail(opname, message, what, a, b, summarize):
    n = 3 if summarize is None else int(summarize)
    head = f"{message}\n" if message else ""
    raise InvalidArgumentError(
        f"{head}{opname}: {what} (at {core.user_frame()})\n"
        f"x (shape {a.shape}) = {np.array2string(a.ravel()[:n])}{' ...' if a.size > n else ''}\n"
        f"y (shape {b.shape}) = {np.array2string(b.ravel()[:n])}{' ...' if b.size > n else ''}")


@core.dispatchable   # user types take it over (wb.experimental.dispatch_for_binary_elementwise_assert_apis)
def assert_equal(x, y, message=None, summarize=None, name=None):
    """Raise ``InvalidArgumentError`` unless ``x == y`` everywhere (broadcasting).

    >>> wb.debugging.assert_equal(wb.constant([1, 2]), [1, 2])  # passes, returns None
    """
    a, b = _pair(x, y, "assert_equal")
    equal = np.equal(a, b)
    if not bool(equal.all()):
        idx = np.argwhere(~np.broadcast_to(equal, np.broadcast_shapes(a.shape, b.shape)))
        _fail("assert_equal", message,
              f"x != y at {len(idx)} position(s), first at index {tuple(int(i) for i in idx[0])}",
              a, b, summarize)
    return None


@core.dispatchable   # user types take it over (wb.experimental.dispatch_for_binary_elementwise_assert_apis)
def assert_near(x, y, rtol=None, atol=None, message=None, summarize=None, name=None):
    """Raise ``InvalidArgumentError`` unless ``|x - y| <= atol + rtol * |y|`` everywhere.

    ``rtol`` and ``atol`` default to ten times the dtype's machine epsilon (TF's rule).

    >>> wb.debugging.assert_near(wb.constant([1.0]), [1.0 + 1e-7])
    """
    a, b = _pair(x, y, "assert_near")
    if a.dtype.kind not in "fc":
        raise TypeError(f"assert_near: x has dtype {a.dtype}; expected a floating dtype")
    eps = 10 * np.finfo(a.dtype).eps
    rtol = eps if rtol is None else float(rtol)
    atol = eps if atol is None else float(atol)
    err = np.abs(a - b)
    ok = err <= atol + rtol * np.abs(b)
    if not bool(ok.all()):
        worst = float(np.max(np.where(ok, 0, err)))
        _fail("assert_near", message,
              f"x and y differ by up to {worst:.3g} (atol={atol:.3g}, rtol={rtol:.3g})", a, b, summarize)
    return None



def _compare(opname, x, y, ufunc, relation, message, summarize):
    a, b = _pair(x, y, opname)
    ok = np.broadcast_to(ufunc(a, b), np.broadcast_shapes(a.shape, b.shape))
    if not bool(ok.all()):
        idx = np.argwhere(~ok)
        _fail(opname, message, f"x {relation} y fails at {len(idx)} position(s), first at index "
              f"{tuple(int(i) for i in idx[0])}", a, b, summarize)
    return None


@core.dispatchable   # user types take it over (wb.experimental.dispatch_for_binary_elementwise_assert_apis)
def assert_greater(x, y, message=None, summarize=None, name=None):
    """Raise ``InvalidArgumentError`` unless ``x > y`` everywhere (broadcasting)."""
    return _compare("assert_greater", x, y, np.greater, ">", message, summarize)


@core.dispatchable   # user types take it over (wb.experimental.dispatch_for_binary_elementwise_assert_apis)
def assert_greater_equal(x, y, message=None, summarize=None, name=None):
    """Raise ``InvalidArgumentError`` unless ``x >= y`` everywhere (broadcasting)."""
    return _compare("assert_greater_equal", x, y, np.greater_equal, ">=", message, summarize)


@core.dispatchable   # user types take it over (wb.experimental.dispatch_for_binary_elementwise_assert_apis)
def assert_less(x, y, message=None, summarize=None, name=None):
    """Raise ``InvalidArgumentError`` unless ``x < y`` everywhere (broadcasting).

    >>> wb.debugging.assert_less(wb.constant([1, 2]), 3)  # passes, returns None
    """
    return _compare("assert_less", x, y, np.less, "<", message, summarize)


@core.dispatchable   # user types take it over (wb.experimental.dispatch_for_binary_elementwise_assert_apis)
def assert_less_equal(x, y, message=None, summarize=None, name=None):
    """Raise ``InvalidArgumentError`` unless ``x <= y`` everywhere (broadcasting)."""
    return _compare("assert_less_equal", x, y, np.less_equal, "<=", message, summarize)


@core.dispatchable   # user types take it over (wb.experimental.dispatch_for_binary_elementwise_assert_apis)
def assert_none_equal(x, y, summarize=None, message=None, name=None):
    """Raise ``InvalidArgumentError`` unless ``x != y`` everywhere (broadcasting)."""
    return _compare("assert_none_equal", x, y, np.not_equal, "!=", message, summarize)


def assert_type(tensor, tf_type, message=None, name=None):
    """Raise ``TypeError`` unless ``tensor`` (a tensor, variable, sparse or ragged tensor) has
    dtype ``tf_type``.

    >>> wb.debugging.assert_type(wb.constant(1.0), wb.float32)
    """
    want = as_dtype(tf_type)
    have = getattr(tensor, "dtype", None)
    if have is None:
        have = convert_to_tensor(tensor).dtype
    if as_dtype(have) != want:
        head = f"{message}: " if message else ""
        raise TypeError(f"{head}tensor must be of type tf.{want.name}; got tf.{as_dtype(have).name}")
    return None


def assert_shapes(shapes, data=None, summarize=None, message=None, name=None):
    """Check that tensors' shapes agree with symbolic ones: ``shapes`` pairs each tensor with a
    tuple of dimension names (strings, the same name meaning the same size across tensors) or
    sizes (ints); ``None`` or ``'.'`` accepts any size, and a leading ``'*'`` any number of
    leading dimensions. Raise ``ValueError`` naming the first disagreement.

    >>> x, y = wb.zeros([10, 3]), wb.ones([10, 7])
    >>> wb.debugging.assert_shapes([(x, ("N", "Q")), (y, ("N", "D"))])
    """
    items = list(shapes.items()) if isinstance(shapes, dict) else list(shapes)
    sizes = {}
    head = f"{message}\n" if message else ""
    for k, item in enumerate(items):
        if not (isinstance(item, (list, tuple)) and len(item) == 2):
            raise ValueError(f"assert_shapes: shapes[{k}] must be a (tensor, shape) pair, got {item!r}")
        tensor, spec = item
        shape = getattr(tensor, "shape", None)
        shape = tuple(convert_to_tensor(tensor).shape) if shape is None else tuple(shape)
        spec = tuple(spec)
        variadic = bool(spec) and spec[0] == "*"
        dims = spec[1:] if variadic else spec
        if (len(shape) < len(dims)) if variadic else (len(shape) != len(dims)):
            raise ValueError(f"{head}assert_shapes: tensor {k} must have rank "
                             f"{'at least ' if variadic else ''}{len(dims)}, got shape {shape} "
                             f"(expected {spec})")
        got = shape[len(shape) - len(dims):]
        for i, (d, s) in enumerate(zip(dims, got)):
            if d is None or d == ".":
                continue
            if isinstance(d, str):
                if d in sizes and s is not None and sizes[d] is not None and sizes[d] != s:
                    raise ValueError(f"{head}assert_shapes: tensor {k} has shape {shape}, dimension "
                                     f"{i} is {s} but {d!r} is {sizes[d]} elsewhere (expected {spec})")
                sizes.setdefault(d, s)
            elif s is not None and int(d) != s:
                raise ValueError(f"{head}assert_shapes: tensor {k} has shape {shape}, dimension {i} "
                                 f"is {s}, expected {int(d)} (expected {spec})")
    return None


# ---------------------------------------------------------------------------
# device placement logging


class _LogPlacement(core.Listener):
    """Observer: print each op and the device of its result, as TF's placement log."""

    def on_op(self, op, args, params, res):
        first = res[0] if type(res) is tuple else res
        device = getattr(first, "device", None) or "CPU:0"
        print(f"Executing op {op.name} in device {device}", file=sys.stderr)


_placement_logger = _LogPlacement()
_logging_placement = False


def set_log_device_placement(enabled):
    """Log (to stderr) each op run and the device holding its result while ``enabled``."""
    global _logging_placement
    enabled = bool(enabled)
    if enabled and not _logging_placement:
        core.push("obs", _placement_logger)
    elif not enabled and _logging_placement:
        core.pop("obs", _placement_logger)
    _logging_placement = enabled


__all__ = [
    "assert_all_finite",
    "assert_equal",
    "assert_greater",
    "assert_greater_equal",
    "assert_less",
    "assert_less_equal",
    "assert_near",
    "assert_none_equal",
    "assert_shapes",
    "assert_type",
    "check_numerics",
    "disable_check_numerics",
    "enable_check_numerics",
    "set_log_device_placement",
]
