"""tnp's array creation: ``array``/``asarray``, filled arrays, ranges, and matrices built from
vectors (``diag``, ``tri``, ``vander``, ``meshgrid``); floats are float64 unless a dtype says.

>>> from workbench.experimental import numpy as tnp
>>> tnp.linspace(0, 1, 3).numpy()
array([0. , 0.5, 1. ])
"""

import builtins
import numbers

import numpy as np

from ... import core
from ...core import Tensor
from ...dtypes import as_dtype
from ...linalg import diag as matrix_diag
from ...linalg import diag_part
from ...ops.create import range as tf_range
from ...ops.elementwise import add, cast, divide, exp, floor, log, multiply, pow, subtract, where
from ...ops.elementwise import round as rint
from ...ops.shape import broadcast_to, concat, expand_dims, reshape, stack, transpose
from ...ops.shape import identity as tf_identity
from .dtypes import asarray, default_float, np_dtype, numpy_result_type as result_type, to_float, weak_result_type

__all__ = ["array", "asarray", "asanyarray", "ascontiguousarray", "copy", "empty", "empty_like", "zeros",
           "zeros_like", "ones", "ones_like", "full", "full_like", "eye", "identity", "arange", "linspace",
           "logspace", "geomspace", "tri", "tril", "triu", "diag", "diagflat", "diag_indices", "vander",
           "meshgrid", "ix_"]


def _shape(shape, what):
    if isinstance(shape, Tensor):
        shape = shape.numpy().tolist()
    if isinstance(shape, numbers.Integral):
        shape = (int(shape),)
    try:
        dims = tuple(int(d) for d in shape)
    except (TypeError, ValueError):
        raise TypeError(f"{what}: shape must be an int or a sequence of ints, got {shape!r}") from None
    for d in dims:
        if d < 0:
            raise ValueError(f"{what}: negative dimensions are not allowed, got shape {dims}")
    return dims


def _dtype_or_default(dtype, what):
    """tnp's ``dtype=float`` default: float64 (float32 under TF's new type promotion)."""
    return as_dtype(default_float() if dtype is None or dtype is float else np_dtype(dtype, what))


def array(val, dtype=None, copy=True, ndmin=0):
    """``val`` as a new tensor (``copy`` is always honoured), with at least ``ndmin`` dimensions."""
    t = asarray(val, dtype)
    if copy:
        t = tf_identity(t)
    if t.ndim < ndmin:
        t = reshape(t, (1,) * (ndmin - t.ndim) + tuple(t.shape))
    return t


def asanyarray(a, dtype=None):
    """As :func:`asarray` (there are no array subclasses)."""
    return asarray(a, dtype)


def ascontiguousarray(a, dtype=None):
    """As :func:`asarray`, with at least one dimension (NumPy's rule)."""
    t = asarray(a, dtype)
    return reshape(t, [1]) if t.ndim == 0 else t


def copy(a):
    """A copy of ``a`` (an identity op, so gradients pass)."""
    return tf_identity(asarray(a))


def zeros(shape, dtype=float):
    """A tensor of zeros (float64 by default)."""
    return core.constant(np.zeros(_shape(shape, "zeros"), _dtype_or_default(dtype, "zeros").as_numpy_dtype))


def ones(shape, dtype=float):
    """A tensor of ones (float64 by default)."""
    return core.constant(np.ones(_shape(shape, "ones"), _dtype_or_default(dtype, "ones").as_numpy_dtype))


def empty(shape, dtype=float):
    """As :func:`zeros` (a tensor always holds defined values)."""
    return zeros(shape, dtype)


def _like(a, dtype, what):
    t = asarray(a)
    return t, (t.dtype if dtype is None else as_dtype(np_dtype(dtype, what)))


def zeros_like(a, dtype=None):
    """Zeros of ``a``'s shape and (by default) dtype."""
    t, dt = _like(a, dtype, "zeros_like")
    return zeros(t.shape, dt)


def ones_like(a, dtype=None):
    """Ones of ``a``'s shape and (by default) dtype."""
    t, dt = _like(a, dtype, "ones_like")
    return ones(t.shape, dt)


def empty_like(a, dtype=None):
    """As :func:`zeros_like`."""
    return zeros_like(a, dtype)


def full(shape, fill_value, dtype=None):
    """``fill_value`` broadcast to ``shape``; the dtype is ``fill_value``'s unless given."""
    value = asarray(fill_value, dtype)
    dims = _shape(shape, "full")
    return broadcast_to(value, dims)


def full_like(a, fill_value, dtype=None, order="K", subok=True, shape=None):
    """``fill_value`` in ``a``'s shape and (by default) dtype."""
    if shape is not None:
        raise ValueError("full_like: overriding the shape is not supported (shape must be None)")
    t, dt = _like(a, dtype, "full_like")
    return full(t.shape, asarray(fill_value, dt), dt)


def eye(N, M=None, k=0, dtype=float):
    """An ``N`` x ``M`` matrix with ones on diagonal ``k``."""
    return core.constant(np.eye(N, M, k, dtype=_dtype_or_default(dtype, "eye").as_numpy_dtype))


def identity(n, dtype=float):
    """The ``n`` x ``n`` identity matrix."""
    return eye(n, dtype=dtype)


def tri(N, M=None, k=0, dtype=None):
    """Ones at and below diagonal ``k`` of an ``N`` x ``M`` matrix, zeros above."""
    return core.constant(np.tri(N, M, k, dtype=_dtype_or_default(dtype, "tri").as_numpy_dtype))


def _triangle(m, k, what, lower):
    t = asarray(m)
    if t.ndim < 2:
        raise ValueError(f"{what}: the argument must have rank at least 2, got shape {tuple(t.shape)}")
    rows, cols = t.shape[-2], t.shape[-1]
    keep = np.tri(rows, cols, k if lower else k - 1, dtype=bool)
    keep = core.constant(keep if lower else ~keep)
    return where(keep, t, zeros((), t.dtype))


def tril(m, k=0):
    """``m`` with the entries above diagonal ``k`` zeroed (over the last two axes)."""
    return _triangle(m, k, "tril", True)


def triu(m, k=0):
    """``m`` with the entries below diagonal ``k`` zeroed (over the last two axes)."""
    return _triangle(m, k, "triu", False)


def diag(v, k=0):
    """A vector's diagonal matrix, or a matrix's diagonal ``k`` as a vector."""
    t = asarray(v)
    if t.ndim == 1:
        return matrix_diag(t, k=k)
    if t.ndim == 2:
        rows, cols = t.shape
        if (k >= 0 and k >= cols) or (k < 0 and -k >= rows):
            return zeros((0,), t.dtype)
        return diag_part(t, k=k)
    raise ValueError(f"diag: v must have rank 1 or 2, got shape {tuple(t.shape)}")


def diagflat(v, k=0):
    """The diagonal matrix of ``v`` flattened."""
    return diag(reshape(asarray(v), [-1]), k)


def diag_indices(n, ndim=2):
    """The indices of the main diagonal of an ``ndim``-dimensional ``n``-sized array (int32, as TF's)."""
    if n < 0:
        raise ValueError(f"diag_indices: n must be non-negative, got {n}")
    idx = core.constant(np.arange(n, dtype=np.int32))
    return tuple(idx for _ in builtins.range(ndim))


def vander(x, N=None, increasing=False):
    """The Vandermonde matrix of the vector ``x``: columns ``x**(N-1) ... x**0`` (reversed when
    ``increasing``)."""
    t = asarray(x)
    if t.ndim != 1:
        raise ValueError(f"vander: x must be a vector, got shape {tuple(t.shape)}")
    n = t.shape[0] if N is None else int(N)
    if n < 0:
        raise ValueError(f"vander: N must be non-negative, got {N}")
    if t.dtype.kind == "b":
        t = cast(t, np.int64)
    # powers by repeated products (not pow, not cumprod): gradients stay finite at x == 0
    columns = [ones(tuple(t.shape), t.dtype)] if n else []
    for _ in builtins.range(n - 1):
        columns.append(multiply(columns[-1], t))
    if not increasing:
        columns = columns[::-1]
    return stack(columns, 1) if columns else zeros((t.shape[0], 0), t.dtype)


def arange(start, stop=None, step=1, dtype=None):
    """Evenly spaced values in ``[start, stop)``; the dtype is the arguments' unless given (the
    values are computed in that dtype and then cast, as TF's)."""
    if stop is None:
        start, stop = 0, start
    if isinstance(step, numbers.Number) and step == 0:
        raise ValueError("arange: step must be non-zero")
    work = result_type(start, stop, step)
    if any(isinstance(v, Tensor) for v in (start, stop, step)):
        # a range op on tensors (traceable under wb.function)
        out = tf_range(*[asarray(v, work) for v in (start, stop, step)], dtype=work)
        return out if dtype is None else cast(out, as_dtype(np_dtype(dtype, "arange")))
    weak = False
    if core._promotion is not None:   # TF's new type promotion: Python bounds give a weak range
        name, weak = weak_result_type(start, stop, step)
        work = as_dtype(name)
    out = np.arange(start, stop, step, dtype=work.as_numpy_dtype)
    if dtype is not None:
        return core.constant(out.astype(np_dtype(dtype, "arange")))
    return core.WeakTensor.from_tensor(core.constant(out)) if weak else core.constant(out)


def _check_num(num, what):
    if not isinstance(num, numbers.Integral) or num < 0:
        raise ValueError(f"{what}: num (the number of samples) must be a non-negative integer, got {num!r}")
    return int(num)


def _spaced(start, stop, num, endpoint, axis):
    """``num`` values from ``start`` to ``stop`` (inclusive when ``endpoint``), as wb ops so
    gradients reach ``start`` and ``stop``; the sample axis first, and the step."""
    dtype = result_type(start, stop)    # before conversion: a Python number stays weak
    lo, hi = to_float(asarray(start, dtype)), to_float(asarray(stop, dtype))
    div = num - 1 if endpoint else num
    batch = np.broadcast_shapes(tuple(lo.shape), tuple(hi.shape))
    grid_shape = (num,) + (1,) * len(batch)
    steps = core.constant(np.arange(num, dtype=lo.dtype.as_numpy_dtype).reshape(grid_shape))
    delta = subtract(hi, lo)
    if div > 0:
        step = divide(delta, core.constant(np.asarray(div, lo.dtype.as_numpy_dtype)))
        values = add(lo, multiply(steps, step))
        if endpoint and num > 1:
            last = expand_dims(add(hi, zeros(batch, lo.dtype)), 0)
            values = concat([values[:num - 1], last], 0)
    else:
        step = multiply(delta, core.constant(np.asarray(np.nan, lo.dtype.as_numpy_dtype)))
        values = add(lo, multiply(steps, delta))
    return _samples_along(values, axis), step


def _samples_along(values, axis):
    """``values`` (samples on axis 0) with the sample axis moved to ``axis``."""
    if axis == 0 or values.ndim < 2:
        return values
    perm = list(builtins.range(1, values.ndim))
    perm.insert(axis % values.ndim, 0)
    return transpose(values, perm)


def _as_output(values, dtype, what):
    if dtype is None or dtype is float:
        return values
    want = as_dtype(np_dtype(dtype, what))
    if want.kind in "iu" and values.dtype.kind == "f":
        values = floor(values)
    return cast(values, want)


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=float, axis=0):
    """``num`` evenly spaced values from ``start`` to ``stop`` (float64 for ints); with
    ``retstep``, also the spacing. Array ``start``/``stop`` give one series each, along ``axis``."""
    num = _check_num(num, "linspace")
    values, step = _spaced(start, stop, num, endpoint, axis)
    values = _as_output(values, dtype, "linspace")
    return (values, step) if retstep else values


def logspace(start, stop, num=50, endpoint=True, base=10.0, dtype=None, axis=0):
    """``base ** linspace(start, stop, num)``."""
    num = _check_num(num, "logspace")
    exps, _ = _spaced(start, stop, num, endpoint, axis)
    return _as_output(pow(asarray(base, exps.dtype), exps), dtype, "logspace")


def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    """``num`` values from ``start`` to ``stop`` spaced evenly on a log scale (both of one sign,
    neither zero); the ends are exactly ``start`` and ``stop``."""
    num = _check_num(num, "geomspace")
    lo, hi = to_float(asarray(start)), to_float(asarray(stop))
    dtype_work = result_type(lo, hi)
    lo, hi = asarray(lo, dtype_work), asarray(hi, dtype_work)
    if not core.tracing() and (np.any(lo.numpy() == 0) or np.any(hi.numpy() == 0)):
        raise ValueError("geomspace: start and stop must be non-zero (a geometric sequence cannot include zero)")
    sign = where(lo < 0, -ones((), dtype_work), ones((), dtype_work))
    exps, _ = _spaced(log(multiply(lo, sign)), log(multiply(hi, sign)), num, endpoint, 0)
    values = multiply(sign, exp(exps))
    batch = values.shape[1:]
    if num >= 1:   # the ends exactly, not exp(log(.)) of them
        first = expand_dims(lo + zeros(batch, dtype_work), 0)
        parts = [first, values[1:]]
        if endpoint and num > 1:
            parts = [first, values[1:num - 1], expand_dims(hi + zeros(batch, dtype_work), 0)]
        values = concat(parts, 0)
    values = _samples_along(values, axis)
    if dtype is not None:
        want = as_dtype(np_dtype(dtype, "geomspace"))
        if want.kind in "iu":
            values = rint(values)
        values = cast(values, want)
    return values


def meshgrid(*xi, **kwargs):
    """Coordinate matrices from coordinate vectors (``indexing='xy'`` or ``'ij'``); each in its
    vector's dtype promoted with the first vector's."""
    indexing = kwargs.pop("indexing", "xy")
    if kwargs.pop("sparse", False):
        raise ValueError("meshgrid: returning sparse arrays is not supported (sparse must be False)")
    if not kwargs.pop("copy", True):
        raise ValueError("meshgrid: only copy=True is supported")
    if kwargs:
        raise TypeError(f"meshgrid: unexpected keyword arguments {sorted(kwargs)}")
    if indexing not in ("xy", "ij"):
        raise ValueError(f"meshgrid: indexing must be 'xy' or 'ij', got {indexing!r}")
    first = asarray(xi[0]) if xi else None
    # TF's rule: each vector promoted with the first (NumPy keeps each vector's dtype)
    ts = [reshape(asarray(x, result_type(x, first)), [-1]) for x in xi]
    sizes = [t.shape[0] for t in ts]
    order = list(builtins.range(len(ts)))
    if indexing == "xy" and len(ts) > 1:
        order[0], order[1] = 1, 0     # x varies along columns, y along rows
    full_shape = [sizes[order.index(i)] for i in builtins.range(len(ts))]
    out = []
    for i, t in enumerate(ts):
        shape = [1] * len(ts)
        shape[order[i]] = -1
        out.append(broadcast_to(reshape(t, shape), full_shape))
    return out


def ix_(*args):
    """Open-mesh index arrays: argument ``i`` (a vector of indices, or a bool mask) reshaped so it
    runs along axis ``i`` of ``len(args)`` axes."""
    out = []
    for i, a in enumerate(args):
        t = asarray(a)
        if t.ndim != 1:
            raise ValueError(f"ix_: arguments must be 1-d, got arg {i} of rank {t.ndim}")
        if t.dtype.kind == "b":
            t = core.constant(np.nonzero(t.numpy())[0].astype(np.int64))
        elif t.dtype.kind not in "iu":
            raise TypeError(f"ix_: arguments must be integer or boolean vectors, got arg {i} of dtype {t.dtype}")
        shape = [1] * len(args)
        shape[i] = -1
        out.append(reshape(t, shape))
    return out

