"""Division rounded toward zero, as C does (TF's ``tf.truncatediv``, ``tf.truncatemod``).

``truncatemod(x, y)`` has the sign of ``x`` and ``truncatediv(x, y) * y + truncatemod(x, y) ==
x``; compare ``floordiv`` / ``floormod``, which round toward minus infinity. An integer
division by zero raises TF's InternalError; a float one gives inf or nan. TF registers no
gradient for either op: ``truncatediv`` gives None, and a gradient that has to pass through
``truncatemod`` raises TF's LookupError.

>>> wb.truncatediv(wb.constant([7, -7]), wb.constant([2, 2])).numpy()
array([ 3, -3], dtype=int32)
>>> wb.truncatemod(wb.constant([7, -7]), wb.constant([2, 2])).numpy()
array([ 1, -1], dtype=int32)
"""

from __future__ import annotations

import numpy as np

from .. import core
from ..errors import InternalError, InvalidArgumentError, NotFoundError
from .bitwise import kernel_binary

__all__ = ["truncatediv", "truncatemod"]

_TF_NAMES = {"float16": "half", "float32": "float", "float64": "double", "object": "string"}
_DIV_ALLOWED = ("bfloat16, half, float, double, uint8, int8, uint16, int16, int32, uint32, uint64, int64, "
                "complex64, complex128")
_MOD_ALLOWED = "int32, int64, bfloat16, half, float, double"


def _check_no_zero(xp, y, opname):
    if y.dtype.kind in "iu" and bool((y == 0).any()):
        raise InternalError(None, None, f"{opname}: integer division by zero (TF: Unexpected error in binary "
                            "operator (only integer div and mod should have errors))")


def _truncatediv_fwd(xp, x, y):
    if x.dtype.kind == "f":
        return xp.trunc(xp.true_divide(x, y))
    _check_no_zero(xp, y, "truncatediv")
    # x - fmod(x, y) is a multiple of y, so the floor division is exact (it wraps, as TF does,
    # only for the most negative value divided by -1)
    with np.errstate(over="ignore"):
        return xp.floor_divide(x - xp.fmod(x, y), y)


def _truncatemod_fwd(xp, x, y):
    if x.dtype.kind != "f":
        _check_no_zero(xp, y, "truncatemod")
    return xp.fmod(x, y)


def _no_gradient(*args, **params):
    raise LookupError("gradient registry has no entry for: TruncateMod")


_truncatediv_op = core.defop("truncatediv", _truncatediv_fwd, dtypes="real", broadcasts=True)
# TF registers no gradient for TruncateMod: a gradient that must flow through it raises TF's
# LookupError where the reverse walk reaches it. The record stays off the op table, every
# differentiable entry of which is gradient-checked.
_truncatemod_op = core.Op("truncatemod", _truncatemod_fwd, _no_gradient, _no_gradient, dtypes="real",
                          broadcasts=True)


def _dtype_check(a, tf_name, allowed, kernels):
    """TF's errors: InvalidArgumentError for a dtype the op does not take, NotFoundError for one
    it takes but has no CPU or GPU kernel for."""
    dt = str(a.dtype)
    name = _TF_NAMES.get(dt, dt)
    if name not in allowed.split(", "):
        raise InvalidArgumentError(None, None, f"Value for attr 'T' of {name} is not in the list of allowed "
                                   f"values: {allowed} [Op:{tf_name}]")
    if a.dtype.kind not in kernels or (a.dtype.kind == "f" and kernels == "fi" and a.dtype.itemsize < 4):
        raise NotFoundError(None, None, f"Could not find device for node: {{{{node {tf_name}}}}} = "
                            f"{tf_name}[T=DT_{name.upper()}] (TF registers no CPU or GPU kernel for it)")


def _binary(op, public, tf_name, allowed, kernels):
    return kernel_binary(op, public, tf_name, lambda a: _dtype_check(a, tf_name, allowed, kernels))


truncatediv = _binary(_truncatediv_op, "truncatediv", "TruncateDiv", _DIV_ALLOWED, "fiu")
truncatediv.__doc__ = """Elementwise ``x / y`` rounded toward zero (TF's ``tf.truncatediv``); broadcasting.

>>> wb.truncatediv(wb.constant([7., -5.5]), wb.constant([2., 2.])).numpy()
array([ 3., -2.], dtype=float32)
"""
truncatemod = _binary(_truncatemod_op, "truncatemod", "TruncateMod", _MOD_ALLOWED, "fi")
truncatemod.__doc__ = """Elementwise remainder of ``x / y`` rounded toward zero, with the sign of ``x``
(TF's ``tf.truncatemod``, C's ``fmod``); int32, int64, float32 and float64; broadcasting.

>>> wb.truncatemod(wb.constant([5.5, -5.5]), wb.constant([2., 2.])).numpy()
array([ 1.5, -1.5], dtype=float32)
"""
