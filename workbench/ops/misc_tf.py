"""TF's top-level helpers that no topic module holds: ``case``, ``no_op``, ``tuple``,
``identity_n``, ``guarantee_const``, ``no_gradient``, ``realdiv``, ``timestamp``,
``parallel_stack``, ``unravel_index``, ``get_current_name_scope``, ``is_symbolic_tensor`` and
``fingerprint`` (FarmHash's Fingerprint64, byte for byte as TF's).

>>> x = wb.constant(3)
>>> wb.case([(x < 0, lambda: -1), (x > 0, lambda: 1)], default=lambda: 0)
1
"""

from __future__ import annotations

import builtins
import struct
import time

import numpy as np

from .. import backend, core
from ..core import Tensor, apply, convert_to_tensor
from ..errors import InvalidArgumentError, NotFoundError
from ..strings.hashes import fingerprint64
from .control_flow import cond
from .elementwise import cast, divide
from .reduce import reduce_any, reduce_sum
from .shape import identity, stack, stop_gradient

__all__ = ["case", "fingerprint", "get_current_name_scope", "guarantee_const", "identity_n",
           "is_symbolic_tensor", "no_gradient", "no_op", "parallel_stack", "realdiv", "timestamp",
           "tuple", "unravel_index"]


# ---------------------------------------------------------------------------
# control


def _case_pairs(pred_fn_pairs):
    if isinstance(pred_fn_pairs, dict):
        pairs = list(pred_fn_pairs.items())
    elif isinstance(pred_fn_pairs, (list, builtins.tuple)):
        pairs = list(pred_fn_pairs)
    else:
        raise TypeError(f"'pred_fn_pairs' must be a list, tuple, or dict. Received: {type(pred_fn_pairs)}")
    out = []
    for k, pair in enumerate(pairs):
        if not isinstance(pair, (list, builtins.tuple)) or len(pair) != 2:
            raise TypeError(f"Each entry in 'pred_fn_pairs' must be a 2-tuple. Received {pair}.")
        pred, fn = pair
        if not callable(fn):
            raise TypeError(f"case: pred_fn_pairs[{k}] has fn of type {type(fn).__name__}; "
                            "expected a callable")
        if isinstance(pred, Tensor):
            if pred.dtype.kind != "b" or pred.ndim != 0:
                raise TypeError(f"case: pred_fn_pairs[{k}] has predicate of dtype {pred.dtype} and shape "
                                f"{pred.shape}; expected a scalar bool tensor")
        elif not isinstance(pred, (bool, np.bool_)):
            raise TypeError(f"case: pred_fn_pairs[{k}] has predicate {pred!r}; expected a scalar bool "
                            "tensor (or a Python bool)")
        out.append((convert_to_tensor(pred), fn))
    return out


def case(pred_fn_pairs, default=None, exclusive=False, strict=False, name="case"):
    """The result of the ``fn`` of the first pair of ``pred_fn_pairs`` (a list of
    ``(pred, fn)``, or a dict) whose scalar bool ``pred`` is true, else of ``default()``.

    Without ``default`` the last pair's ``fn`` serves as the default and some predicate must
    hold (else ``InvalidArgumentError``); with ``exclusive=True`` at most one may hold. Built
    on ``wb.cond``, so inside a ``wb.function`` every call chooses again. Unless ``strict``, a
    one-element list or tuple result is unpacked, as TF's ``tf.case`` does.
    """
    from ..debugging import Assert   # debugging sits beside the ops, above this module
    pairs = _case_pairs(pred_fn_pairs)
    if default is not None and not callable(default):
        raise TypeError(f"case: default must be callable, got {type(default).__name__}")
    if not pairs and default is None:
        raise ValueError("case: pred_fn_pairs is empty and there is no default")
    preds = stack([p for p, _ in pairs]) if pairs else None
    if exclusive and len(pairs) > 1:
        names = ", ".join("?" for _ in pairs)   # TF names each predicate; eager tensors have no names
        Assert(reduce_sum(cast(preds, "int32")) <= 1,
               [f"Input error: exclusive=True: more than 1 conditions ({names}) evaluated as True:", preds],
               summarize=len(pairs))
    if default is None:
        Assert(reduce_any(preds), ["Input error: None of conditions evaluated as True:", preds],
               summarize=len(pairs))
        pairs, default = pairs[:-1], pairs[-1][1]
    chosen = default
    for pred, fn in reversed(pairs):
        chosen = (lambda pred=pred, fn=fn, rest=chosen: cond(pred, fn, rest))
    result = chosen()
    if not strict and isinstance(result, (list, builtins.tuple)) and len(result) == 1:
        return result[0]
    return result


def no_op(name=None):
    """Do nothing (TF's ``tf.no_op``; None, as in eager TF)."""
    return None


def tuple(tensors, control_inputs=None, name=None):  # noqa: A001  (TF's name)
    """``tensors`` themselves, after what ``control_inputs`` names (which here has already
    run: ops run in program order, eagerly and in a ``wb.function`` replay), as eager TF returns
    them."""
    if control_inputs is not None and not isinstance(control_inputs, (list, builtins.tuple)):
        raise TypeError(f"tuple: control_inputs must be a list of tensors or ops (or None), got "
                        f"{type(control_inputs).__name__}")
    return tensors


def identity_n(input, name=None):  # noqa: A002  (TF's name)
    """A list holding an identity of each tensor in ``input`` (gradients pass through)."""
    if isinstance(input, (str, bytes)) or not hasattr(input, "__iter__"):
        raise TypeError(f"identity_n: input must be a list of tensors, got {type(input).__name__}")
    return [identity(convert_to_tensor(t)) for t in input]


def guarantee_const(input, name=None):  # noqa: A002  (TF's name)
    """``input`` unchanged, promised constant. TF registers no gradient for it (its tape raises
    ``LookupError``); here it is ``stop_gradient``, so a gradient through it is None."""
    return stop_gradient(convert_to_tensor(input))


_NO_GRADIENT: set = set()


def no_gradient(op_type):
    """Declare the op type ``op_type`` (an op's name) as having no gradient, as TF's registry
    does. An op here without a gradient rule already gives None gradients; a name that has a
    rule, or that is declared twice, raises ``KeyError`` as TF's registry does."""
    if not isinstance(op_type, str):
        raise TypeError("op_type must be a string")
    op = core.OPS.get(op_type)
    if op_type in _NO_GRADIENT or (op is not None and op.differentiable):
        raise KeyError(f"Registering two gradient with name '{op_type}'! (it is already registered)")
    _NO_GRADIENT.add(op_type)


def is_symbolic_tensor(tensor):
    """True for a tensor of the graph a ``wb.function`` trace builds (an argument, or any tensor
    made during the trace), False outside traces and for other values."""
    tracer = core._state.tracer
    return isinstance(tensor, Tensor) and tracer is not None and hasattr(tracer, "symbolic") \
        and bool(tracer.symbolic(tensor))


def get_current_name_scope():
    """The current name scope without its trailing slash (``"a/b"``; ``""`` at the top)."""
    return core.name_scope_prefix().rstrip("/")


# ---------------------------------------------------------------------------
# ops


@core.dispatchable
def realdiv(x, y, name=None):
    """``x / y`` for floating and complex tensors of one dtype (TF's ``RealDiv``, which has no
    CPU kernel for integers)."""
    x = convert_to_tensor(x)
    y = convert_to_tensor(y, dtype_hint=x.dtype)
    for arg, t in (("x", x), ("y", y)):
        if t.dtype.kind not in "fc":
            if t.dtype.kind in "iu":
                raise NotFoundError(None, None, f"realdiv: {arg} has dtype {t.dtype}; RealDiv has kernels for "
                                    "floating and complex dtypes only (use wb.math.truediv or floordiv)")
            raise TypeError(f"realdiv: {arg} has dtype {t.dtype}; expected a floating or complex dtype")
    return divide(x, y)


@core.effect
def _clock():
    return convert_to_tensor(np.float64(time.time()))


def timestamp(name=None):
    """Seconds since the epoch, a float64 scalar; inside a ``wb.function`` each call reads the
    clock again."""
    return _clock()


def parallel_stack(values, name="parallel_stack"):
    """``wb.stack(values)`` inside a ``wb.function``; as in TF, not available eagerly."""
    if not core.graph_building():
        raise RuntimeError("tf.parallel_stack() is not compatible with eager execution.")
    return stack(values)


def _unravel_fwd(xp, indices, dims):
    if dims.ndim != 1:
        raise InvalidArgumentError(f"unravel_index: the dims can only be 1-D, got shape {list(dims.shape)}")
    host_dims = backend.to_numpy(dims)
    for k, d in enumerate(host_dims.tolist()):
        if d < 0:
            raise InvalidArgumentError(f"Input dims cannot be negative. Got dim = {d} at index {k}")
        if d == 0:
            raise InvalidArgumentError(f"Input dims cannot contain a dim of zero, but dims contains zero "
                                       f"at index {k}")
    total = int(np.prod(host_dims, dtype=np.int64))
    if indices.size and bool((indices >= total).any()):
        raise InvalidArgumentError(f"index is out of bound as with dims (unravel_index: indices must "
                                   f"be less than {total}, the product of dims {host_dims.tolist()})")
    rest = indices
    parts = []
    for d in reversed(host_dims.tolist()):
        part = xp.fmod(rest, d)              # C's remainder: TF's kernel on a negative index
        parts.append(part)
        rest = (rest - part) // d
    parts.reverse()
    if not parts:
        return xp.zeros((0,) + indices.shape, indices.dtype)
    return xp.stack(parts).astype(indices.dtype)


_unravel_op = core.defop("unravel_index", _unravel_fwd)


def unravel_index(indices, dims, name=None):
    """The coordinates of the flat ``indices`` (a scalar or vector) in an array of shape
    ``dims``: shape ``[len(dims)] + indices.shape``, int32 or int64 as ``indices``.

    >>> wb.unravel_index([22, 41, 37], (7, 6)).numpy().tolist()
    [[3, 6, 6], [4, 5, 1]]
    """
    indices = convert_to_tensor(indices)
    dims = convert_to_tensor(dims, dtype_hint=indices.dtype)
    for arg, t in (("indices", indices), ("dims", dims)):
        if t.dtype not in (np.int32, np.int64):
            raise TypeError(f"unravel_index: {arg} has dtype {t.dtype}; expected int32 or int64")
    if dims.dtype != indices.dtype:
        raise TypeError(f"unravel_index: indices has dtype {indices.dtype} and dims {dims.dtype}; they "
                        "must match")
    if indices.ndim > 1:
        raise InvalidArgumentError(f'The indices can only be scalar or vector, got "{list(indices.shape)}"')
    return apply(_unravel_op, (indices, dims))


# ---------------------------------------------------------------------------
# fingerprint


def _row_bytes(arr):
    """Each row (first dimension) of ``arr`` as the bytes TF's Fingerprint hashes."""
    n = arr.shape[0]
    if arr.dtype.kind == "O":   # strings: each hashed; a row of several hashes their fingerprints
        flat = [s.encode() if isinstance(s, str) else bytes(s) for s in arr.reshape(-1).tolist()]
        if len(flat) == n:
            return flat
        per = len(flat) // n if n else 0
        fps = [struct.pack("<Q", fingerprint64(s)) for s in flat]
        return [b"".join(fps[i * per:(i + 1) * per]) for i in range(n)]
    per = int(np.prod(arr.shape[1:], dtype=np.int64))
    flat = np.ascontiguousarray(arr).reshape(n, per).astype(arr.dtype.newbyteorder("<"), copy=False)
    return [row.tobytes() for row in flat]


def _fingerprint_fwd(xp, data):
    host = backend.to_numpy(data)
    out = np.empty((host.shape[0], 8), np.uint8)
    for i, row in enumerate(_row_bytes(host)):
        out[i] = np.frombuffer(struct.pack("<Q", fingerprint64(row)), np.uint8)
    return out if xp is np else xp.asarray(out)


_fingerprint_op = core.defop("fingerprint", _fingerprint_fwd)


def fingerprint(data, method="farmhash64", name=None):
    """A uint8 ``[data.shape[0], 8]`` tensor: FarmHash's Fingerprint64 of each row of ``data``
    (its bytes, little-endian; strings each hashed, several in a row hashed again through their
    fingerprints), byte for byte as TF's ``tf.fingerprint``.

    >>> wb.fingerprint(wb.constant(["hello"])).numpy().tolist()
    [[232, 12, 56, 49, 169, 229, 139, 180]]
    """
    if isinstance(method, Tensor):
        method = method.numpy()
        method = method.decode() if isinstance(method, bytes) else str(method)
    if method != "farmhash64":
        raise InvalidArgumentError(f"Unsupported fingerprint method: {method}")
    data = convert_to_tensor(data)
    if data.ndim < 1:
        raise InvalidArgumentError(f"`data` should have at least one dimension: {list(data.shape)}")
    return apply(_fingerprint_op, (data,))
