"""Python operators on Tensor, mapped to ops (TF 2 semantics: ``==`` is elementwise)."""

import numpy as np

from .. import core
from ..core import Tensor
from . import bitwise, elementwise as ew
from .shape import getitem


def _matmul(a, b):
    from .linalg import matmul  # circular import with linalg
    return matmul(a, b)


def _rmatmul(a, b):
    from .linalg import matmul  # circular import with linalg
    return matmul(b, a)


def _install():
    T = Tensor
    T.__add__ = ew.add
    T.__radd__ = lambda a, b: ew.add(core.reflected_operand(b, a, "add"), a)   # as TF: b takes a's dtype
    T.__sub__ = ew.subtract
    T.__rsub__ = lambda a, b: ew.subtract(b, a)
    T.__mul__ = ew.multiply
    T.__rmul__ = lambda a, b: ew.multiply(b, a)
    T.__truediv__ = ew.divide
    T.__rtruediv__ = lambda a, b: ew.divide(b, a)
    T.__floordiv__ = ew.floordiv
    T.__rfloordiv__ = lambda a, b: ew.floordiv(b, a)
    T.__mod__ = ew.mod
    T.__rmod__ = lambda a, b: ew.mod(b, a)
    T.__pow__ = ew.pow
    T.__rpow__ = lambda a, b: ew.pow(b, a)
    T.__matmul__ = _matmul
    T.__rmatmul__ = _rmatmul
    T.__neg__ = ew.negative
    T.__pos__ = lambda a: a
    T.__abs__ = ew.abs
    T.__invert__ = lambda a: ew.logical_not(a) if a.dtype.kind == "b" else bitwise.invert(a)
    T.__and__ = lambda a, b: ew.logical_and(a, b) if a.dtype.kind == "b" else ew.bitwise_and(a, b)
    T.__rand__ = lambda a, b: T.__and__(a, b)
    T.__or__ = lambda a, b: ew.logical_or(a, b) if a.dtype.kind == "b" else ew.bitwise_or(a, b)
    T.__ror__ = lambda a, b: T.__or__(a, b)
    T.__xor__ = lambda a, b: ew.logical_xor(a, b) if a.dtype.kind == "b" else bitwise.bitwise_xor(a, b)
    T.__rxor__ = lambda a, b: T.__xor__(a, b)
    T.__eq__ = _eq
    T.__ne__ = _ne
    T.__hash__ = _unhashable
    T.__lt__ = ew.less
    T.__le__ = ew.less_equal
    T.__gt__ = ew.greater
    T.__ge__ = ew.greater_equal
    T.__getitem__ = getitem


def _unhashable(a):
    """TF 2's refusal to hash a tensor, whose ``==`` is elementwise (``.ref()`` is the key)."""
    if isinstance(a, core.Variable):
        raise TypeError(f"Variable is unhashable. Instead, use variable.ref() as the key. (Variable: {a!r})")
    raise TypeError("Tensor is unhashable. Instead, use tensor.ref() as the key.")


def use_tensor_equality(enabled):
    """TF 1's ``enable_tensor_equality`` / ``disable_tensor_equality``: with equality off,
    ``==`` and ``!=`` of tensors and variables compare identity and variables hash by identity
    (TF 2.21 keeps eager tensors unhashable either way)."""
    T = core.Tensor
    if enabled:
        T.__eq__, T.__ne__ = _eq, _ne
        core.Variable.__hash__ = _unhashable
    else:
        T.__eq__ = lambda a, b: a is b
        T.__ne__ = lambda a, b: a is not b
        core.Variable.__hash__ = lambda a: id(a)


def _eq(a, b):
    if b is None:  # TF 2: comparing with None is False, not an error
        return False
    try:
        return ew.equal(a, b)
    except TypeError:
        if a._data.dtype.kind != "O":
            raise
        return _string_compare(a, b, "equal")   # string tensors (only reached on the error path)
    except ValueError:
        return _unequal_shapes(b, False)


def _ne(a, b):
    if b is None:
        return True
    try:
        return ew.not_equal(a, b)
    except TypeError:
        if a._data.dtype.kind != "O":
            raise
        return _string_compare(a, b, "not_equal")
    except ValueError:
        return _unequal_shapes(b, True)


def _unequal_shapes(b, answer):
    """TF's ``==`` / ``!=`` of shapes that do not broadcast: a scalar False / True (a plain bool
    against a RaggedTensor, as TF's ragged operators give); only reached on the error path."""
    return answer if getattr(b, "__wb_dispatch__", False) else core.wrap_constant(np.asarray(answer))


def _string_compare(a, b, how):
    from ..core import string_array, wrap  # circular import with core
    other = b._data if isinstance(b, type(a)) else None
    if other is None:
        try:
            other = string_array(b)
        except TypeError:
            raise TypeError(f"{how}: a string tensor compares with strings, got {type(b).__name__}") from None
    if other.dtype.kind != "O":
        raise TypeError(f"{how}: a string tensor compares with strings, got a tensor of dtype {other.dtype}")
    try:
        out = np.equal(a._data, other) if how == "equal" else np.not_equal(a._data, other)
    except ValueError:
        raise ValueError(f"{how}: shapes {a._data.shape} and {other.shape} do not broadcast") from None
    return wrap(np.asarray(out, dtype=bool))


_install()
