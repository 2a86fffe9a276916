"""tnp's products: ``dot``, ``vdot``, ``inner``, ``outer``, ``matmul``, ``tensordot``, ``kron``,
``cross`` and ``einsum``, with NumPy's rules for vectors and scalars and operands promoted as
NumPy promotes them.

>>> from workbench.experimental import numpy as tnp
>>> tnp.dot([1, 2], [3, 4]).numpy()
np.int64(11)
"""

import builtins

import numpy as np

from ...ops import elementwise as ew
from ...ops import tf_extra
from ...ops import shape as sh
from ...ops.einsum import einsum as tf_einsum
from ...ops.einsum import tensordot as tf_tensordot
from ...ops.linalg import matmul as tf_matmul
from ...ops.reduce import reduce_sum
from .dtypes import operands
from .manipulation import moveaxis

__all__ = ["dot", "vdot", "inner", "outer", "matmul", "tensordot", "kron", "cross", "einsum"]


def _numeric(ts):
    """Bools multiply as ints (NumPy's products of bools are bools: any pair both True)."""
    if ts[0].dtype.kind == "b":
        return [ew.cast(t, np.int64) for t in ts], True
    return ts, False


def _back(t, was_bool):
    return ew.not_equal(t, ew.zeros_like(t)) if was_bool else t


def dot(a, b):
    """NumPy's ``dot``: a scalar times an array, the inner product of vectors, the matrix product,
    and for higher ranks the sum over ``a``'s last axis and ``b``'s second-to-last."""
    (x, y), was_bool = _numeric(operands(a, b))
    if x.ndim == 0 or y.ndim == 0:
        return _back(ew.multiply(x, y), was_bool)
    if y.ndim == 1:
        return _back(tf_tensordot(x, y, [[x.ndim - 1], [0]]), was_bool)
    return _back(tf_tensordot(x, y, [[x.ndim - 1], [y.ndim - 2]]), was_bool)


def vdot(a, b):
    """The inner product of ``a`` and ``b`` flattened, ``a`` conjugated."""
    (x, y), was_bool = _numeric(operands(a, b))
    x, y = sh.reshape(x, [-1]), sh.reshape(y, [-1])
    if x.dtype.kind == "c":
        x = tf_extra.conj(x)
    return _back(reduce_sum(ew.multiply(x, y)), was_bool)


def inner(a, b):
    """The sum over the last axes of ``a`` and ``b`` (a scalar times an array for scalars)."""
    (x, y), was_bool = _numeric(operands(a, b))
    if x.ndim == 0 or y.ndim == 0:
        return _back(ew.multiply(x, y), was_bool)
    return _back(tf_tensordot(x, y, [[x.ndim - 1], [y.ndim - 1]]), was_bool)


def outer(a, b):
    """Every product of an element of ``a`` with one of ``b`` (both flattened)."""
    x, y = operands(a, b)
    x, y = sh.reshape(x, [-1, 1]), sh.reshape(y, [1, -1])
    return ew.logical_and(x, y) if x.dtype.kind == "b" else ew.multiply(x, y)


def matmul(x1, x2):
    """The matrix product, broadcast over leading axes; a vector operand is a row (first) or a
    column (second) that is dropped from the result."""
    (a, b), was_bool = _numeric(operands(x1, x2))
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(f"matmul: the operands must not be scalars, got shapes {tuple(a.shape)} and {tuple(b.shape)}")
    va, vb = a.ndim == 1, b.ndim == 1
    if va:
        a = sh.expand_dims(a, 0)
    if vb:
        b = sh.expand_dims(b, 1)
    if a.shape[-1] != b.shape[-2]:
        raise ValueError(f"matmul: the inner sizes differ: {a.shape[-1]} (x1's last axis) and "
                         f"{b.shape[-2]} (x2's {'only' if vb else 'second-to-last'} axis)")
    out = tf_matmul(a, b)
    if va:
        out = sh.squeeze(out, [-2])
    if vb:
        out = sh.squeeze(out, [-1])
    return _back(out, was_bool)


def tensordot(a, b, axes=2):
    """The sum over the last ``axes`` axes of ``a`` and the first of ``b``, or over the axis
    pairs ``axes = (a_axes, b_axes)``."""
    (x, y), was_bool = _numeric(operands(a, b))
    return _back(tf_tensordot(x, y, axes), was_bool)


def kron(a, b):
    """The Kronecker product: ``b`` scaled by each element of ``a``, blocks laid out as ``a``."""
    (x, y), was_bool = _numeric(operands(a, b))
    rank = builtins.max(x.ndim, y.ndim)
    x = sh.reshape(x, [1] * (rank - x.ndim) + list(x.shape))
    y = sh.reshape(y, [1] * (rank - y.ndim) + list(y.shape))
    # interleave the axes: x's axis i with y's axis i, then merge each pair
    xs = sh.reshape(x, [d for s in x.shape for d in (s, 1)])
    ys = sh.reshape(y, [d for s in y.shape for d in (1, s)])
    out = ew.multiply(xs, ys)
    return _back(sh.reshape(out, [p * q for p, q in zip(x.shape, y.shape)]), was_bool)


def cross(a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """The cross product of 3-vectors (the z component alone for 2-vectors) along the given axes."""
    x, y = operands(a, b)
    if axis is not None:
        axisa = axisb = axisc = axis
    x, y = moveaxis(x, axisa, -1), moveaxis(y, axisb, -1)
    for name, t in (("a", x), ("b", y)):
        if t.shape[-1] not in (2, 3):
            raise ValueError(f"cross: the vectors of {name} must have 2 or 3 components, got {t.shape[-1]}")
    if x.shape[-1] == 2 and y.shape[-1] == 2:
        return ew.subtract(ew.multiply(x[..., 0], y[..., 1]), ew.multiply(x[..., 1], y[..., 0]))

    def comps(t):
        z = ew.zeros_like(t[..., 0])
        return (t[..., 0], t[..., 1], t[..., 2] if t.shape[-1] == 3 else z)
    (x0, x1, x2), (y0, y1, y2) = comps(x), comps(y)
    out = sh.stack([ew.subtract(ew.multiply(x1, y2), ew.multiply(x2, y1)),
                    ew.subtract(ew.multiply(x2, y0), ew.multiply(x0, y2)),
                    ew.subtract(ew.multiply(x0, y1), ew.multiply(x1, y0))], -1)
    return moveaxis(out, -1, axisc)


def einsum(subscripts, *operands_, **kwargs):
    """NumPy's ``einsum`` over the operands promoted together (``optimize`` is accepted)."""
    kwargs.pop("optimize", None)
    casting = kwargs.pop("casting", "safe")
    if casting != "safe":
        raise ValueError(f"einsum: only casting='safe' is supported, got {casting!r}")
    if kwargs:
        raise TypeError(f"einsum: unexpected keyword arguments {sorted(kwargs)}")
    ts, was_bool = _numeric(operands(*operands_))
    return _back(tf_einsum(subscripts, *ts), was_bool)
