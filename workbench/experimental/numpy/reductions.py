"""tnp's reductions and scans with NumPy's arguments (``axis`` an int, a tuple or None for all,
``keepdims``, ``dtype``) and NumPy's result dtypes (sums of narrow ints are int64, means of ints
float64); ``out`` is refused as TF's tnp refuses it.

>>> from workbench.experimental import numpy as tnp
>>> tnp.sum(tnp.asarray([1, 2], tnp.int32)).dtype
wb.int64
"""

import builtins

import numpy as np

from ... import core
from ...dtypes import as_dtype
from ...ops import elementwise as ew
from ...ops import tf_extra
from ...ops import reduce as red
from ...ops.indexing import argsort as tf_argsort
from ...ops.indexing import sort as tf_sort
from ...ops.shape import reshape
from ...ops.tf_extra import count_nonzero as tf_count_nonzero
from .dtypes import asarray, is_inexact, np_dtype, operands, to_float

__all__ = ["sum", "prod", "mean", "var", "std", "max", "min", "amax", "amin", "all", "any", "argmax",
           "argmin", "cumsum", "cumprod", "count_nonzero", "nansum", "nanprod", "nanmean", "average", "ptp",
           "sort", "argsort"]


def _no_out(out):
    if out is not None:
        raise ValueError("Setting out is not supported.")


def _axis(axis, t, what):
    if axis is None:
        return None
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    for a in axes:
        if not -t.ndim <= int(a) < builtins.max(t.ndim, 1):
            raise ValueError(f"{what}: axis {a} is out of bounds for a tensor of rank {t.ndim}")
    return [int(a) for a in axes] if isinstance(axis, (tuple, list)) else int(axis)


def _accumulator(t, dtype, what):
    """NumPy's dtype for a sum or product: ``dtype`` if given, else int64/uint64 for narrower
    ints and bools, else ``t``'s."""
    if dtype is not None:
        return ew.cast(t, as_dtype(np_dtype(dtype, what)))
    # TF's new type promotion widens to 32 bits only
    width = 4 if core._promotion is not None else 8
    if t.dtype.kind == "b" or (t.dtype.kind == "i" and t.dtype.itemsize < width):
        return ew.cast(t, np.int64 if width == 8 else np.int32)
    if t.dtype.kind == "u" and t.dtype.itemsize < width:
        return ew.cast(t, np.uint64 if width == 8 else np.uint32)
    return t


def sum(a, axis=None, dtype=None, keepdims=None):  # noqa: A001  (NumPy's name)
    """The sum over ``axis`` (all axes for None)."""
    t = asarray(a)
    return red.reduce_sum(_accumulator(t, dtype, "sum"), _axis(axis, t, "sum"), bool(keepdims))


def prod(a, axis=None, dtype=None, keepdims=None):
    """The product over ``axis`` (all axes for None)."""
    t = asarray(a)
    return red.reduce_prod(_accumulator(t, dtype, "prod"), _axis(axis, t, "prod"), bool(keepdims))


def _float_input(t, dtype, what):
    if dtype is not None:
        return ew.cast(t, as_dtype(np_dtype(dtype, what)))
    return to_float(t)


def mean(a, axis=None, dtype=None, out=None, keepdims=None):
    """The mean over ``axis`` (float64 for ints)."""
    _no_out(out)
    t = asarray(a)
    return red.reduce_mean(_float_input(t, dtype, "mean"), _axis(axis, t, "mean"), bool(keepdims))


def var(a, axis=None, dtype=None, out=None, ddof=0, keepdims=None):
    """The variance over ``axis``, divided by ``n - ddof``."""
    _no_out(out)
    t = asarray(a)
    x = _float_input(t, dtype, "var")
    ax = _axis(axis, t, "var")
    centred = ew.subtract(x, red.reduce_mean(x, ax, True))
    sq = tf_extra.real(ew.multiply(centred, tf_extra.conj(centred))) if x.dtype.kind == "c" else ew.square(centred)
    total = red.reduce_sum(sq, ax, bool(keepdims))
    n = int(np.prod([x.shape[i] for i in (range(x.ndim) if ax is None else np.atleast_1d(ax))]))
    return ew.divide(total, core.constant(np.asarray(builtins.max(n - ddof, 0), total.dtype.as_numpy_dtype)))


def std(a, axis=None, keepdims=None):
    """The standard deviation over ``axis``."""
    return ew.sqrt(var(a, axis=axis, keepdims=keepdims))


def _extreme(name, numeric, boolean):
    def fn(a, axis=None, keepdims=None):
        t = asarray(a)
        ax = _axis(axis, t, name)
        if t.shape.num_elements() == 0 and ax is None:
            raise ValueError(f"{name}: zero-size array to reduction operation which has no identity")
        op = boolean if t.dtype.kind == "b" else numeric
        return op(t, ax, bool(keepdims))
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"The {'largest' if 'max' in name else 'smallest'} element over ``axis`` (NaN wins)."
    return fn


max = _extreme("max", red.reduce_max, red.reduce_any)  # noqa: A001  (NumPy's name)
min = _extreme("min", red.reduce_min, red.reduce_all)  # noqa: A001  (NumPy's name)


def amax(a, axis=None, out=None, keepdims=None):
    """As :func:`max`."""
    _no_out(out)
    return max(a, axis, keepdims)


def amin(a, axis=None, out=None, keepdims=None):
    """As :func:`min`."""
    _no_out(out)
    return min(a, axis, keepdims)


def _truth(t):
    return t if t.dtype.kind == "b" else ew.not_equal(t, ew.zeros_like(t))


def all(a, axis=None, keepdims=None):  # noqa: A001  (NumPy's name)
    """Whether every element over ``axis`` is non-zero."""
    t = asarray(a)
    return red.reduce_all(_truth(t), _axis(axis, t, "all"), bool(keepdims))


def any(a, axis=None, keepdims=None):  # noqa: A001  (NumPy's name)
    """Whether some element over ``axis`` is non-zero."""
    t = asarray(a)
    return red.reduce_any(_truth(t), _axis(axis, t, "any"), bool(keepdims))


def _arg(name, op):
    def fn(a, axis=None):
        t = asarray(a)
        if t.dtype.kind == "b":
            t = ew.cast(t, np.int8)
        if axis is None:
            t, axis = reshape(t, [-1]), 0
        if t.shape.num_elements() == 0:
            raise ValueError(f"{name}: attempt to get {name} of an empty sequence")
        return op(t, _axis(axis, t, name))
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"The index of the {'largest' if 'max' in name else 'smallest'} element (of the flattened input for axis None)."
    return fn


argmax = _arg("argmax", red.argmax)
argmin = _arg("argmin", red.argmin)


def _scan(name, op):
    def fn(a, axis=None, dtype=None):
        t = asarray(a)
        if axis is None:
            t, axis = reshape(t, [-1]), 0
        return op(_accumulator(t, dtype, name), _axis(axis, t, name))
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"The cumulative {'sum' if 'sum' in name else 'product'} along ``axis`` (of the flattened input for None)."
    return fn


cumsum = _scan("cumsum", red.cumsum)
cumprod = _scan("cumprod", red.cumprod)


def count_nonzero(a, axis=None):
    """The number of non-zero elements over ``axis`` (int64)."""
    t = asarray(a)
    return tf_count_nonzero(t, _axis(axis, t, "count_nonzero"), dtype=np.int64)


def _nan_to(t, value):
    if not is_inexact(t):
        return t
    return ew.where(ew.is_nan(t), ew.zeros_like(t) + core.constant(np.asarray(value, t.dtype.as_numpy_dtype)), t)


def nansum(a, axis=None, dtype=None, keepdims=False):
    """The sum over ``axis``, NaNs counted as zero."""
    return sum(_nan_to(asarray(a), 0), axis, dtype, keepdims)


def nanprod(a, axis=None, dtype=None, keepdims=False):
    """The product over ``axis``, NaNs counted as one."""
    return prod(_nan_to(asarray(a), 1), axis, dtype, keepdims)


def nanmean(a, axis=None, dtype=None, keepdims=None):
    """The mean over ``axis`` of the non-NaN elements."""
    t = asarray(a)
    if not is_inexact(t):
        return mean(t, axis, dtype, keepdims=keepdims)
    x = _float_input(t, dtype, "nanmean")
    valid = ew.logical_not(ew.is_nan(x))
    total = sum(_nan_to(x, 0), axis, keepdims=keepdims)
    n = sum(ew.cast(valid, x.dtype), axis, keepdims=keepdims)
    return ew.divide(total, n)


def average(a, axis=None, weights=None, returned=False):
    """The mean over ``axis``, weighted by ``weights`` (of ``a``'s shape, or a vector along
    ``axis``); with ``returned``, also the sum of the weights."""
    t = asarray(a)
    if weights is None:
        avg = mean(t, axis)
        if not returned:
            return avg
        count = t.shape.num_elements() if axis is None else int(np.prod([t.shape[i] for i in np.atleast_1d(axis)]))
        return avg, ew.zeros_like(avg) + core.constant(np.asarray(count, avg.dtype.as_numpy_dtype))
    x, w = (to_float(v) for v in operands(t, weights))
    if tuple(w.shape) != tuple(x.shape):
        if axis is None or w.ndim != 1 or w.shape[0] != x.shape[axis]:
            raise ValueError(f"average: weights of shape {tuple(w.shape)} do not match a of shape "
                             f"{tuple(x.shape)} (the same shape, or a vector along axis {axis})")
        shape = [1] * x.ndim
        shape[axis] = -1
        w = reshape(w, shape) + ew.zeros_like(x)
    total_w = red.reduce_sum(w, _axis(axis, x, "average"))
    avg = ew.divide(red.reduce_sum(ew.multiply(x, w), _axis(axis, x, "average")), total_w)
    return (avg, total_w) if returned else avg


def ptp(a, axis=None, keepdims=None):
    """The range (max - min) over ``axis``."""
    return ew.subtract(max(a, axis, keepdims), min(a, axis, keepdims))


def _sort_args(name, a, axis, kind, order):
    if kind != "quicksort":
        raise ValueError(f'{name}: only kind="quicksort" is supported, got kind={kind!r}')
    if order is not None:
        raise ValueError(f"{name}: the order argument is not supported (pass order=None)")
    t = asarray(a)
    if axis is None:
        return reshape(t, [-1]), 0
    return t, _axis(axis, t, name)


def sort(a, axis=-1, kind="quicksort", order=None):
    """``a`` sorted along ``axis`` (flattened for None)."""
    t, ax = _sort_args("sort", a, axis, kind, order)
    if t.dtype.kind == "b":
        return ew.cast(tf_sort(ew.cast(t, np.int8), ax), np.bool_)
    return tf_sort(t, ax)


def argsort(a, axis=-1, kind="quicksort", order=None):
    """The indices that sort ``a`` along ``axis`` (int64; ties keep their order)."""
    t, ax = _sort_args("argsort", a, axis, kind, order)
    if t.dtype.kind == "b":
        t = ew.cast(t, np.int8)
    return ew.cast(tf_argsort(t, ax, stable=True), np.int64)
