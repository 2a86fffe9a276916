"""TF's ``tf.bitwise`` ops on integer tensors (int8 ... uint64).

Shifts follow TF's kernels: the shift amount is clamped to ``[0, bits - 1]`` of the dtype
(an unsigned ``-1`` is its maximum), so a shift by a negative amount is no shift and a shift by
the width or more is a shift by ``bits - 1``; ``right_shift`` is arithmetic for signed types.
None of these ops has a gradient (TF registers none); a float or bool operand raises TF's
InvalidArgumentError.

>>> wb.bitwise.left_shift(wb.constant([1, 5], wb.int8), wb.constant([2, 7], wb.int8)).numpy()
array([   4, -128], dtype=int8)
"""

from __future__ import annotations

import warnings

import numpy as np

from .. import backend, core
from ..core import Tensor, _wrap, binary_arrays, convert_to_tensor
from ..errors import InvalidArgumentError, eager_op_message
from . import elementwise as _ew

__all__ = ["bitwise_and", "bitwise_or", "bitwise_xor", "invert", "left_shift", "right_shift"]

_ALLOWED = "int8, int16, int32, int64, uint8, uint16, uint32, uint64"


def _dtype_error(tf_name, dtype):
    # TF's eager text for an op whose attr T excludes the dtype
    name = {"float32": "float", "float64": "double", "float16": "half"}.get(str(dtype), str(dtype))
    if dtype == object:
        name = "string"
    return InvalidArgumentError(None, None, f"Value for attr 'T' of {name} is not in the list of allowed "
                                f"values: {_ALLOWED} [Op:{tf_name}]")


def _clamped(xp, y, dtype):
    """The shift amount as TF's kernels take it: clamped to ``[0, bits - 1]``."""
    return xp.clip(y, 0, dtype.itemsize * 8 - 1).astype(dtype, copy=False)


def kernel_binary(op, public, tf_name, check_dtype):
    """The public function of a broadcasting binary op that TF runs as the kernel ``tf_name``:
    ``check_dtype(array)`` raises TF's error for a dtype it does not take; shapes that do not
    broadcast raise TF's kernel text."""
    fwd = op.fwd

    def fn(x, y, name=None):
        if not (isinstance(x, Tensor) and isinstance(y, Tensor)) and (
                getattr(x, "__wb_dispatch__", False) or getattr(y, "__wb_dispatch__", False)):
            return core.dispatch(fn, (x, y))
        x, y = binary_arrays(x, y, public)
        a, b = x._data, y._data
        check_dtype(a)
        if warnings.filters is not core._filters_seen[0]:
            core.silence_numpy_warnings()
        try:
            out = _wrap(fwd(np if backend._cupy is None else backend.xp_for(a, b), a, b))
        except ValueError as exc:
            if isinstance(exc, InvalidArgumentError):
                raise
            shapes = ("[" + ",".join(str(d) for d in s) + "]" for s in (a.shape, b.shape))
            raise InvalidArgumentError(None, None, eager_op_message(
                tf_name, "Incompatible shapes: {} vs. {}".format(*shapes), x.device)) from exc
        if core._slow:
            if core.open_shapes_traced():
                core.static_shape_hint(op.name, _broadcast_static(x._static_shape(), y._static_shape()))
            core.after_op(op, (x, y), core._NO_PARAMS, out)
        return out

    fn.__name__ = fn.__qualname__ = public
    fn.op = op
    fn.elementwise = True
    return fn


def _broadcast_static(a, b):
    """TF's static broadcast shape of two static shapes (None: an unknown rank; None sizes
    open)."""
    if a.rank is None or b.rank is None:
        return None
    a, b = a.as_list(), b.as_list()
    n = max(len(a), len(b))
    a, b = [1] * (n - len(a)) + a, [1] * (n - len(b)) + b
    return tuple(q if p == 1 else p if q == 1 else p if q is None else q for p, q in zip(a, b))


def _binary(op, public, tf_name):
    def check(a):
        if a.dtype.kind not in "iu":
            raise _dtype_error(tf_name, a.dtype)
    fn = kernel_binary(op, public, tf_name, check)
    fn.__doc__ = f"Elementwise, broadcasting ``{public}(x, y)`` of integer tensors (TF's ``tf.bitwise.{public}``)."
    return fn


_xor_op = core.defop("bitwise_xor", lambda xp, x, y: xp.bitwise_xor(x, y), dtypes="int", broadcasts=True)
_left_shift_op = core.defop("left_shift", lambda xp, x, y: xp.left_shift(x, _clamped(xp, y, x.dtype)),
                            dtypes="int", broadcasts=True)
_right_shift_op = core.defop("right_shift", lambda xp, x, y: xp.right_shift(x, _clamped(xp, y, x.dtype)),
                             dtypes="int", broadcasts=True)
_invert_op = core.defop("invert", lambda xp, x: xp.invert(x), dtypes="int")

bitwise_and = _binary(_ew.bitwise_and.op, "bitwise_and", "BitwiseAnd")
bitwise_or = _binary(_ew.bitwise_or.op, "bitwise_or", "BitwiseOr")
bitwise_xor = _binary(_xor_op, "bitwise_xor", "BitwiseXor")
left_shift = _binary(_left_shift_op, "left_shift", "LeftShift")
right_shift = _binary(_right_shift_op, "right_shift", "RightShift")


def invert(x, name=None):
    """Elementwise bitwise NOT of an integer tensor (TF's ``tf.bitwise.invert``).

    >>> wb.bitwise.invert(wb.constant([0, 5], wb.uint8)).numpy()
    array([255, 250], dtype=uint8)
    """
    if not isinstance(x, Tensor):
        if getattr(x, "__wb_dispatch__", False):
            return core.dispatch(invert, (x,))
        x = convert_to_tensor(x)
    d = x._data
    if d.dtype.kind not in "iu":
        raise _dtype_error("Invert", d.dtype)
    out = _wrap(_invert_op.fwd(np if backend._cupy is None else backend.xp_of(d), d))
    if core._slow:
        if core.open_shapes_traced():
            s = x._static_shape()
            core.static_shape_hint(_invert_op.name, None if s.rank is None else tuple(s.as_list()))
        core.after_op(_invert_op, (x,), core._NO_PARAMS, out)
    return out


invert.op = _invert_op
invert.elementwise = True
