"""``wb.equal`` / ``wb.not_equal`` (and ``wb.math.equal`` / ``not_equal``) of string tensors: byte
strings compared element by element, broadcasting as for numbers (TF's ``Equal`` / ``NotEqual`` on
``tf.string``). The elementwise ops come here only when their dtype check meets a string tensor;
the other operand is already a string tensor then (a number is refused before)."""

from __future__ import annotations

import numpy as np

from ..core import wrap
from ..errors import InvalidArgumentError

__all__ = ["equal", "not_equal"]


def _compare(x, y, how):
    a, b = x._data, y._data
    if a.dtype.kind != "O" or b.dtype.kind != "O":
        raise TypeError(f"{how}: a string tensor compares with strings, got dtypes {a.dtype} and {b.dtype}")
    try:
        shape = np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise InvalidArgumentError(f"{how}: Incompatible shapes: {list(a.shape)} vs. {list(b.shape)}") from None
    out = np.asarray(np.equal(a, b), dtype=bool).reshape(shape)
    return wrap(out if how == "equal" else ~out)


def equal(x, y):
    """``x == y`` element by element, for string tensors ``x`` and ``y`` (broadcasting)."""
    return _compare(x, y, "equal")


def not_equal(x, y):
    """``x != y`` element by element, for string tensors ``x`` and ``y`` (broadcasting)."""
    return _compare(x, y, "not_equal")
