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
    """``x`` and ``y`` as tensors, after the checks TF makes when it builds the graph."""
    x = convert_to_tensor(x)
    y = convert_to_tensor(y, dtype_hint=x.dtype)
    if x.dtype != y.dtype:
        raise TypeError(f"{opname}: x has dtype {x.dtype} and y has dtype {y.dtype}; they must match")
    try:
        np.broadcast_shapes(x.shape, y.shape)
    except ValueError:
        raise ValueError(f"{opname}: shapes x={x.shape} and y={y.shape} are not broadcast-compatible") from None
    return x, y


def _fail(opname, message, what, a, b, summarize, where=None):
    n = 3 if summarize is None else int(summarize)
    head = f"{message}\n" if message else ""
    raise InvalidArgumentError(
        f"{head}{opname}: {what} (at {where or core.user_frame()})\n"
        f"x (shape {a.shape}) = {np.array2string(a.ravel()[:n])}{' ...' if a.size > n else ''}\n"
        f"y (shape {b.shape}) = {np.array2string(b.ravel()[:n])}{' ...' if b.size > n else ''}")


# The value checks run as stateful steps (``core.effect``): inside a ``wb.function`` every
# replay checks that call's values, as TF's Assert ops do; ``where`` is the user's line that
# made the check, found when the check is made (a replay runs outside the user's frames).


@core.effect
def _check_relation(opname, x, y, ufunc, relation, message, summarize, where):
    a, b = x.numpy(), y.numpy()
    ok = np.broadcast_to(ufunc(a, b), np.broadcast_shapes(a.shape, b.shape))
    if not bool(ok.all()):
        idx = np.argwhere(~ok)
        _fail(opname, message, f"x {relation} y fails at {len(idx)} position(s), first at index "
              f"{tuple(int(i) for i in idx[0])}", a, b, summarize, where)


@core.dispatchable   # user types take it over (wb.experimental.dispatch_for_binary_elementwise_assert_apis)
def assert_equal(x, y, message=None, summarize=None, name=None):
    """Raise ``InvalidArgumentError`` unless ``x == y`` everywhere (broadcasting).

    >>> wb.debugging.assert_equal(wb.constant([1, 2]), [1, 2])  # passes, returns None
    """
    x, y = _pair(x, y, "assert_equal")
    _check_equal(x, y, message, summarize, core.user_frame())
    return None


@core.effect
def _check_equal(x, y, message, summarize, where):
    a, b = x.numpy(), y.numpy()
    equal = np.equal(a, b)
    if not bool(equal.all()):
        idx = np.argwhere(~np.broadcast_to(equal, np.broadcast_shapes(a.shape, b.shape)))
        _fail("assert_equal", message,
              f"x != y at {len(idx)} position(s), first at index {tuple(int(i) for i in idx[0])}",
              a, b, summarize, where)


@core.dispatchable   # user types take it over (wb.experimental.dispatch_for_binary_elementwise_assert_apis)
def assert_near(x, y, rtol=None, atol=None, message=None, summarize=None, name=None):
    """Raise ``InvalidArgumentError`` unless ``|x - y| <= atol + rtol * |y|`` everywhere.

    ``rtol`` and ``atol`` default to ten times the dtype's machine epsilon (TF's rule).

    >>> wb.debugging.assert_near(wb.constant([1.0]), [1.0 + 1e-7])
    """
    x, y = _pair(x, y, "assert_near")
    if x.dtype.kind not in "fc":
        raise TypeError(f"assert_near: x has dtype {x.dtype}; expected a floating dtype")
    eps = 10 * np.finfo(np.dtype(x.dtype.as_numpy_dtype)).eps
    rtol = eps if rtol is None else float(rtol)
    atol = eps if atol is None else float(atol)
    _check_near(x, y, rtol, atol, message, summarize, core.user_frame())
    return None


@core.effect
def _check_near(x, y, rtol, atol, message, summarize, where):
    a, b = x.numpy(), y.numpy()
    err = np.abs(a - b)
    ok = err <= atol + rtol * np.abs(b)
    if not bool(ok.all()):
        worst = float(np.max(np.where(ok, 0, err)))
        _fail("assert_near", message,
              f"x and y differ by up to {worst:.3g} (atol={atol:.3g}, rtol={rtol:.3g})", a, b, summarize,
              where)


def _compare(opname, x, y, ufunc, relation, message, summarize):
    x, y = _pair(x, y, opname)
    _check_relation(opname, x, y, ufunc, relation, message, summarize, core.user_frame())
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
# tf.Assert and the one-tensor asserts. Data checks run as a stateful step (``core.effect``),
# so inside a ``wb.function`` every replay checks that call's values, as TF's Assert op does.


def _summarize(value, summarize):
    """One ``data`` entry as TF's eager ``Assert`` shows it: scalars whole, tensors as their
    first ``summarize`` elements (default 3, negative: all) joined by commas, then ``...``."""
    if not isinstance(value, core.Tensor):
        value = convert_to_tensor(value)
    arr = value.numpy()
    if not isinstance(arr, np.ndarray) or arr.ndim == 0:   # a string scalar reads as bytes
        return "" if summarize == 0 else str(arr[()] if isinstance(arr, np.ndarray) else arr)
    flat = arr.reshape(-1)
    n = 3 if summarize is None else flat.size if summarize < 0 else int(summarize)
    items = [str(v) for v in flat[:n]]
    if len(items) < flat.size:
        items.append("...")
    return ", ".join(items)


def _graph_element(v):
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    if isinstance(v, (np.bool_, bool)):
        return "1" if v else "0"
    if isinstance(v, np.floating):
        return f"{v:.{9 if v.dtype.itemsize <= 4 else 17}g}"
    return str(v)


def _graph_summary(arr, limit):
    """TF's ``Tensor::SummarizeValue``: the first ``limit`` elements, bracketed by dimension,
    then ``...`` where elements were left out."""
    if arr.ndim == 0:
        return _graph_element(arr[()])
    flat, shape = arr.reshape(-1), arr.shape
    pos = [0]
    out = []

    def dim(k):
        if pos[0] >= limit:
            return
        if k == len(shape) - 1:
            for i in range(shape[k]):
                if pos[0] >= limit:
                    if k:
                        out.append("...")
                    return
                out.append((" " if i else "") + _graph_element(flat[pos[0]]))
                pos[0] += 1
            return
        for _ in range(shape[k]):
            opened = pos[0] < limit
            if opened:
                out.append("[")
            dim(k + 1)
            if pos[0] < limit or opened:
                out.append("]")

    dim(0)
    return "".join(out) + ("..." if limit < flat.size else "")


def _graph_entry(value, summarize):
    """One ``data`` entry as TF's Assert kernel prints it in a graph: ``[-1 2]``, ``[text]``."""
    if isinstance(value, str):
        return f"[{value}]"
    arr = convert_to_tensor(value).numpy()
    arr = np.asarray(arr, dtype=object) if isinstance(arr, bytes) else arr
    limit = 3 if summarize is None else arr.size if summarize < 0 else int(summarize)
    return f"[{_graph_summary(arr, limit)}]"


@core.effect
def _assert_now(condition, data, summarize, shown, graph):
    cond = condition.numpy() if isinstance(condition, core.Tensor) else np.asarray(condition)
    if cond.size != 1:
        raise InvalidArgumentError(f"Assert: condition must be a scalar (one element), got shape "
                                   f"{tuple(cond.shape)}")
    if bool(cond.reshape(())):
        return None
    if graph:
        raise InvalidArgumentError("assertion failed: " + " ".join(_graph_entry(d, summarize) for d in data))
    raise InvalidArgumentError(f"Expected '{shown}' to be true. Summarized data: "
                               + "\n".join(_summarize(d, summarize) for d in data))


def Assert(condition, data, summarize=None, name=None):  # noqa: N802  (TF's name)
    """Raise ``InvalidArgumentError`` unless the scalar ``condition`` holds, showing the
    first ``summarize`` (default 3) entries of each tensor in ``data`` (TF's ``tf.Assert``).
    Returns None; inside a ``wb.function`` every call checks its own values.

    >>> wb.debugging.Assert(wb.constant(True), [wb.constant([1.0, 2.0])])  # passes
    """
    if isinstance(data, (str, bytes, core.Tensor)) or not isinstance(data, (list, tuple)):
        raise TypeError(f"Assert: data must be a list of tensors (or values), got {type(data).__name__}")
    if summarize is not None and (isinstance(summarize, bool) or not isinstance(summarize, (int, np.integer))):
        raise TypeError(f"Assert: summarize must be an int or None, got {summarize!r}")
    if isinstance(condition, core.Tensor) and condition.dtype != np.bool_:
        raise TypeError(f"Assert: condition must be a boolean tensor, got dtype {condition.dtype}")
    data = [d if isinstance(d, (core.Tensor, str, bytes)) else convert_to_tensor(d) for d in data]
    _assert_now(condition, list(data), summarize, str(condition), core.graph_building())
    return None


def _message_prefix(message):
    return f"{message}.  " if message else ""


def _numeric(x, opname):
    x = convert_to_tensor(x)
    if x.dtype.kind not in "iufc":
        raise TypeError(f"{opname}: x has dtype {as_dtype(x.dtype).name}; expected a numeric tensor "
                        f"(TF: Cannot convert 0 to EagerTensor of dtype {as_dtype(x.dtype).name})")
    return x


def _pretty(x, summarize):
    """``x`` as TF's eager one-tensor asserts show it: ``['1.0', '-2.0', '...']``."""
    arr = x.numpy()
    if arr.ndim == 0:
        return str(arr[()])
    flat = arr.reshape(-1)
    items = [str(v) for v in flat[:3 if summarize is None else int(summarize)]]
    if len(items) < flat.size:
        items.append("...")
    return str(items)


@core.effect
def _sign_now(x, relation, ufunc, message, summarize, glue):
    if bool(np.all(ufunc(x.numpy(), 0))):
        return None
    shown = f"x (shape={tuple(x.shape)} dtype={as_dtype(x.dtype).name}) = "
    raise InvalidArgumentError(f"{_message_prefix(message)}\nCondition x {relation} 0 did not hold "
                               f"element-wise:{glue}{shown}\n{_pretty(x, summarize)}")


def _sign_assert(opname, x, relation, ufunc, message, summarize, glue="\n"):
    x = _numeric(x, opname)
    _sign_now(x, relation, ufunc, message, summarize, glue)
    return None


@core.dispatchable
def assert_positive(x, message=None, summarize=None, name=None):
    """Raise ``InvalidArgumentError`` unless ``x > 0`` everywhere (an empty ``x`` passes).

    >>> wb.debugging.assert_positive(wb.constant([1.0, 2.0]))  # passes, returns None
    """
    return _sign_assert("assert_positive", x, ">", np.greater, message, summarize)


@core.dispatchable
def assert_negative(x, message=None, summarize=None, name=None):
    """Raise ``InvalidArgumentError`` unless ``x < 0`` everywhere (an empty ``x`` passes)."""
    return _sign_assert("assert_negative", x, "<", np.less, message, summarize)


@core.dispatchable
def assert_non_negative(x, message=None, summarize=None, name=None):
    """Raise ``InvalidArgumentError`` unless ``x >= 0`` everywhere (an empty ``x`` passes)."""
    return _sign_assert("assert_non_negative", x, ">=", np.greater_equal, message, summarize)


@core.dispatchable
def assert_non_positive(x, message=None, summarize=None, name=None):
    """Raise ``InvalidArgumentError`` unless ``x <= 0`` everywhere (an empty ``x`` passes)."""
    # TF's message has no line break before the value here (its two strings run together)
    return _sign_assert("assert_non_positive", x, "<=", np.less_equal, message, summarize, glue="")


def _shape_of(x):
    shape = getattr(x, "shape", None)
    if shape is None or isinstance(x, (list, tuple)):
        shape = convert_to_tensor(x).shape
    return tuple(shape)


def _static_int(value, what):
    """A rank given as an int or an integer scalar tensor, as an int."""
    if isinstance(value, core.Tensor):
        if value.dtype.kind not in "iu":
            raise TypeError(f"tensor must be of type tf.int32; got tf.{as_dtype(value.dtype).name}")
        if value.ndim != 0:
            raise ValueError(f"{what} must be a scalar.")
        return int(value.numpy())
    return _static_int(convert_to_tensor(value), what)


def _rank_error(message, what, shape):
    return ValueError(f"{_message_prefix(message)}Tensor  must have rank {what}.  Received rank "
                      f"{len(shape)}, shape {shape}")


def assert_rank(x, rank, message=None, name=None):
    """Raise ``ValueError`` unless ``x`` has rank ``rank`` (an int or integer scalar tensor).

    >>> wb.debugging.assert_rank(wb.zeros([2, 3]), 2)  # passes, returns None
    """
    shape = _shape_of(x)
    want = _static_int(rank, "Rank")
    if len(shape) != want:
        raise _rank_error(message, want, shape)
    return None


def assert_rank_at_least(x, rank, message=None, name=None):
    """Raise ``ValueError`` unless ``x`` has rank ``rank`` or more."""
    shape = _shape_of(x)
    want = _static_int(rank, "Rank")
    if len(shape) < want:
        raise _rank_error(message, f"at least {want}", shape)
    return None


def assert_rank_in(x, ranks, message=None, name=None):
    """Raise ``ValueError`` unless the rank of ``x`` is one of ``ranks``."""
    shape = _shape_of(x)
    if isinstance(ranks, core.Tensor) or not isinstance(ranks, (list, tuple)):
        raise TypeError(f"assert_rank_in: ranks must be a list or tuple of ranks, got {type(ranks).__name__}")
    wants = tuple(_static_int(r, "Rank") for r in ranks)
    if len(shape) not in wants:
        raise _rank_error(message, f"in {wants}", shape)
    return None


def assert_scalar(tensor, message=None, name=None):
    """Raise ``ValueError`` unless ``tensor`` is a scalar (rank 0)."""
    shape = _shape_of(tensor)
    if shape:
        raise ValueError(f"{_message_prefix(message)}Expected scalar shape, saw shape: {shape}.")
    return None


def assert_integer(x, message=None, name=None):
    """Raise ``TypeError`` unless ``x`` has an integer dtype."""
    dtype = getattr(x, "dtype", None)
    dtype = convert_to_tensor(x).dtype if dtype is None else dtype
    if as_dtype(dtype).kind not in "iu":
        raise TypeError(f'{_message_prefix(message)}Expected "x" to be integer type.  Found: tensor of '
                        f"dtype <dtype: '{as_dtype(dtype).name}'>")
    return None


def _dtype_text(d):
    return f"<dtype: '{as_dtype(d).name}'>"


def assert_same_float_dtype(tensors=None, dtype=None):
    """The floating dtype that ``tensors`` share (and ``dtype``, if given); float32 when
    neither says. Raise ``ValueError`` on a mismatch or a non-floating dtype.

    >>> wb.debugging.assert_same_float_dtype([wb.zeros([2]), wb.ones([3])])
    wb.float32
    """
    want = None if dtype is None else as_dtype(dtype)
    first = None
    for k, t in enumerate(tensors or ()):
        have = getattr(t, "dtype", None)
        if have is None:
            raise AttributeError(f"assert_same_float_dtype: tensors[{k}] is a {type(t).__name__}, "
                                 "which has no dtype; expected tensors")
        have = as_dtype(have)
        if want is None:
            want, first = have, t
        elif have != want:
            tail = f" as {first!s}." if first is not None else "."
            raise ValueError(f"{t!s}, type={_dtype_text(have)}, must be of the same type "
                             f"({_dtype_text(want)}){tail}")
    if want is None:
        return as_dtype("float32")
    if not want.is_floating:
        raise ValueError(f"Expected floating point type, got {_dtype_text(want)}.")
    return want


def assert_proper_iterable(values):
    """Raise ``TypeError`` unless ``values`` is an iterable other than a tensor, an array, a
    string or bytes (which iterate, but are one value)."""
    from .sparse import SparseTensor   # wb.sparse loads lazily: not at workbench's import time
    if isinstance(values, (core.Tensor, SparseTensor, np.ndarray, str, bytes)):
        raise TypeError(f'Expected argument "values" to be a "proper" iterable.  Found: {type(values)}')
    if not hasattr(values, "__iter__"):
        raise TypeError(f'Expected argument "values" to be iterable.  Found: {type(values)}')
    return None


def is_numeric_tensor(tensor):
    """True for a tensor (not a variable, as in TF) of a numeric dtype: not bool, not string."""
    return (isinstance(tensor, core.Tensor) and not isinstance(tensor, core.Variable)
            and tensor.dtype.kind in "iufc")


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


def get_log_device_placement():
    """Whether :func:`set_log_device_placement` turned placement logging on (TF's getter)."""
    return _logging_placement


def disable_traceback_filtering():
    """TF's switch that stops TF from hiding its own frames in tracebacks. The workbench never
    hides frames (a traceback shows every frame, its own included), so there is nothing to turn
    off; :func:`is_traceback_filtering_enabled` reports False."""
    return None


def is_traceback_filtering_enabled():
    """False: tracebacks here always show every frame (see :func:`disable_traceback_filtering`)."""
    return False


__all__ = [
    "Assert",
    "disable_traceback_filtering",
    "get_log_device_placement",
    "is_traceback_filtering_enabled",
    "assert_all_finite",
    "assert_equal",
    "assert_greater",
    "assert_greater_equal",
    "assert_less",
    "assert_less_equal",
    "assert_integer",
    "assert_near",
    "assert_negative",
    "assert_non_negative",
    "assert_non_positive",
    "assert_none_equal",
    "assert_positive",
    "assert_proper_iterable",
    "assert_rank",
    "assert_rank_at_least",
    "assert_rank_in",
    "assert_same_float_dtype",
    "assert_scalar",
    "assert_shapes",
    "assert_type",
    "check_numerics",
    "disable_check_numerics",
    "enable_check_numerics",
    "is_numeric_tensor",
    "set_log_device_placement",
]
