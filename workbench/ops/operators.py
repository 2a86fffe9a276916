"""Python operators on Tensor, mapped to ops (TF 2 semantics: ``==`` is elementwise)."""

from ..core import Tensor
from . import elementwise as ew
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
    T.__radd__ = lambda a, b: ew.add(b, a)
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
    T.__invert__ = lambda a: ew.logical_not(a) if a.dtype.kind == "b" else _bitwise_not(a)
    T.__and__ = lambda a, b: ew.logical_and(a, b) if a.dtype.kind == "b" else ew.bitwise_and(a, b)
    T.__rand__ = lambda a, b: T.__and__(a, b)
    T.__or__ = lambda a, b: ew.logical_or(a, b) if a.dtype.kind == "b" else ew.bitwise_or(a, b)
    T.__ror__ = lambda a, b: T.__or__(a, b)
    T.__xor__ = ew.logical_xor
    T.__eq__ = _eq
    T.__ne__ = _ne
    T.__lt__ = ew.less
    T.__le__ = ew.less_equal
    T.__gt__ = ew.greater
    T.__ge__ = ew.greater_equal
    T.__getitem__ = getitem


def _eq(a, b):
    if b is None:  # TF 2: comparing with None is False, not an error
        return False
    return ew.equal(a, b)


def _ne(a, b):
    if b is None:
        return True
    return ew.not_equal(a, b)


def _bitwise_not(a):
    from ..core import wrap  # circular import with core
    return wrap(a.xp.invert(a._data))


_install()
