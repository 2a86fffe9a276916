"""Keras 3's NumPy-like ops (``keras.ops.numpy``, also ``keras.ops.*``), with NumPy's names and
argument names, on the workbench's ops: ``mean(x, axis=None, keepdims=False)``,
``concatenate(xs, axis=0)``, ``take(x, indices, axis=None)``, ``split(x, indices_or_sections)``.

Every function takes tensors, NumPy arrays or Python numbers and returns a tensor (``shape``,
``ndim`` and ``size`` return Python values). Integer inputs to ``mean``, ``std``, ``var`` and
``average`` give float32, as in Keras.

>>> from workbench.keras import ops
>>> float(ops.mean(ops.arange(6), axis=0))
2.5
>>> ops.concatenate([ops.ones((1, 2)), ops.zeros((1, 2))]).shape
TensorShape([2, 2])
"""

from __future__ import annotations

import builtins

import numpy as np

from ...core import Tensor, convert_to_tensor as _tf_convert
from ...errors import argcheck
from ...ops import create, einsum as einsum_ops, elementwise as ew, indexing, linalg as la, reduce, shape as sh
from ...ops import tf_extra
from ...ops.tf_extra import bessel_i0 as _bessel_i0

__all__ = [
    "abs", "absolute", "add", "all", "any", "append", "arange", "arccos", "arccosh", "arcsin", "arcsinh",
    "arctan", "arctan2", "arctanh", "argmax", "argmin", "argsort", "array", "average", "broadcast_to", "ceil",
    "clip", "concatenate", "convert_to_tensor", "copy", "cos", "cosh", "count_nonzero", "cumprod", "cumsum", "diag", "diagonal", "digitize", "divide", "dot",
    "einsum", "equal", "exp", "expand_dims", "expm1", "eye", "flip", "floor", "floor_divide", "full",
    "full_like", "greater", "greater_equal", "hstack", "identity", "isclose", "isfinite", "isinf", "isnan", "less",
    "less_equal", "linspace", "log", "log10", "log1p", "log2", "logaddexp", "logical_and", "logical_not", "logspace",
    "logical_or", "logical_xor", "matmul", "max", "maximum", "mean", "meshgrid", "min", "minimum", "mod", "moveaxis",
    "multiply", "nan_to_num", "ndim", "negative", "nonzero", "not_equal", "ones", "ones_like", "outer", "pad", "power",
    "prod", "searchsorted", "select",
    "ravel", "reciprocal", "repeat", "reshape", "roll", "round", "shape", "sign", "sin", "sinh", "size", "sort",
    "split", "sqrt", "square", "squeeze", "stack", "std", "subtract", "sum", "swapaxes", "take",
    "take_along_axis", "tan", "tanh", "tensordot", "tile", "trace", "transpose", "tri", "tril", "triu",
    "true_divide", "var", "vstack", "where", "zeros", "zeros_like",
] + [
    "allclose", "amax", "amin", "angle", "argpartition", "array_split", "bartlett", "bincount", "bitwise_and",
    "bitwise_invert", "bitwise_left_shift", "bitwise_not", "bitwise_or", "bitwise_right_shift", "bitwise_xor",
    "blackman", "cbrt", "cdist", "conj", "conjugate", "corrcoef", "correlate", "cross", "deg2rad", "diagflat",
    "diff", "divide_no_nan", "dsplit", "dstack", "empty", "empty_like", "exp2", "fabs", "fliplr", "flipud",
    "fmax", "fmin", "fmod", "gcd", "geomspace", "get_item", "hamming", "hanning", "heaviside", "histogram",
    "hsplit", "hypot", "i0", "imag", "inner", "isin", "isneginf", "isposinf", "isreal", "kaiser", "kron",
    "lcm", "ldexp", "left_shift", "logaddexp2", "median", "nanargmax", "nanargmin", "nancumprod", "nancumsum",
    "nanmax", "nanmean", "nanmedian", "nanmin", "nanpercentile", "nanprod", "nanquantile", "nanstd", "nansum",
    "nanvar", "nextafter", "percentile", "polar", "ptp", "quantile", "rad2deg", "real", "right_shift",
    "rot90", "signbit", "sinc", "trapezoid", "trunc", "unique", "unravel_index", "vander", "vdot", "view",
    "view_as_complex", "view_as_real", "vsplit", "rearrange", "vectorize",
]

_FLOATX = np.dtype("float32")


def _t(x):
    return x if isinstance(x, Tensor) else _tf_convert(x)


def _dtype(dtype):
    """A NumPy dtype from Keras' spellings ("float32", np.float32, wb.float32), or None."""
    if dtype is None:
        return None
    return np.dtype(getattr(dtype, "name", dtype) if not isinstance(dtype, type) else dtype)


def _axes(axis, x, where):
    """``axis`` (None, an int or a sequence) checked against ``x``: None or a tuple of ints."""
    if axis is None:
        return None
    if isinstance(axis, (list, tuple)):
        return tuple(argcheck.axis(a, x.ndim, where) for a in axis)
    return argcheck.axis(axis, x.ndim, where)


def _floating(x):
    return x if x.dtype.kind in "fc" else ew.cast(x, _FLOATX)


# -- creation ---------------------------------------------------------------------------------

def array(x, dtype=None):
    return convert_to_tensor(x, dtype)


def convert_to_tensor(x, dtype=None):
    dt = _dtype(dtype)
    t = _t(x) if dt is None else _tf_convert(np.asarray(x, dt) if not isinstance(x, Tensor) else x)
    return t if dt is None or t.dtype == dt else ew.cast(t, dt)


def zeros(shape, dtype=None):
    return create.zeros(shape, _dtype(dtype) or _FLOATX)


def ones(shape, dtype=None):
    return create.ones(shape, _dtype(dtype) or _FLOATX)


def full(shape, fill_value, dtype=None):
    value = _t(fill_value)
    dt = _dtype(dtype) or (value.dtype if isinstance(fill_value, (Tensor, np.ndarray)) else
                           np.dtype("int32") if isinstance(fill_value, int) else _FLOATX)
    return ew.cast(sh.broadcast_to(value, shape), dt)


def zeros_like(x, dtype=None):
    x = _t(x)
    return create.zeros(x.shape, _dtype(dtype) or x.dtype)


def ones_like(x, dtype=None):
    x = _t(x)
    return create.ones(x.shape, _dtype(dtype) or x.dtype)


def full_like(x, fill_value, dtype=None):
    x = _t(x)
    return full(x.shape, fill_value, _dtype(dtype) or x.dtype)


def arange(start, stop=None, step=1, dtype=None):
    """``[start, stop)`` by ``step``; int32 when every bound is an integer, else float32."""
    if stop is None:
        start, stop = 0, start
    values = [argcheck.as_float(v) if argcheck.as_int(v) is None else argcheck.as_int(v) for v in (start, stop, step)]
    if builtins.any(v is None for v in values):
        raise TypeError(f"arange: start, stop and step must be numbers, got {start!r}, {stop!r}, {step!r}")
    default = np.dtype("int32") if builtins.all(isinstance(v, int) for v in values) else _FLOATX
    return _tf_convert(np.arange(*values, dtype=_dtype(dtype) or default))


def linspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    num = argcheck.integer(num, "num", "linspace", minimum=0)
    start, stop = _floating(_t(start)), _floating(_t(stop))
    if not endpoint and num:
        stop = start + (stop - start) * ((num - 1) / num)
    out = create.linspace(start, stop, num, axis=axis)
    return out if dtype is None else ew.cast(out, _dtype(dtype))


def eye(N, M=None, k=0, dtype=None):
    n = argcheck.integer(N, "N", "eye", minimum=0)
    m = n if M is None else argcheck.integer(M, "M", "eye", minimum=0)
    return _tf_convert(np.eye(n, m, argcheck.integer(k, "k", "eye"), dtype=_dtype(dtype) or _FLOATX))


def identity(n, dtype=None):
    return eye(n, dtype=dtype)


def _band(x, k, lower):
    x = _t(x)
    if x.ndim < 2:
        raise ValueError(f"{'tril' if lower else 'triu'}: x must have at least 2 dimensions, got shape {x.shape}")
    rows, cols = x.shape[-2:]
    keep = np.tri(rows, cols, k, dtype=bool) if lower else ~np.tri(rows, cols, k - 1, dtype=bool)
    return ew.where(_tf_convert(keep), x, create.zeros(x.shape, x.dtype))


def tril(x, k=0):
    return _band(x, argcheck.integer(k, "k", "tril"), True)


def triu(x, k=0):
    return _band(x, argcheck.integer(k, "k", "triu"), False)


def diag(x, k=0):
    """A 1-D ``x`` as the ``k``-th diagonal of a square matrix; a 2-D ``x``'s ``k``-th diagonal."""
    x = _t(x)
    k = argcheck.integer(k, "k", "diag")
    if x.ndim == 1:
        n = x.shape[0] + (k if k >= 0 else -k)
        rows = np.arange(x.shape[0]) + builtins.max(-k, 0)
        cols = np.arange(x.shape[0]) + builtins.max(k, 0)
        idx = _tf_convert(np.stack([rows, cols], axis=1).astype(np.int64))
        return indexing.scatter_nd(idx, x, (n, n))
    if x.ndim == 2:
        rows, cols = x.shape
        i = np.arange(builtins.max(-k, 0), rows)
        i = i[i + k < cols]
        return x[i, i + k] if len(i) else create.zeros((0,), x.dtype)
    raise ValueError(f"diag: x must be 1-D or 2-D, got shape {x.shape}")


def trace(x, offset=0, axis1=0, axis2=1):
    x = _t(x)
    a1, a2 = argcheck.axis(axis1, x.ndim, "trace"), argcheck.axis(axis2, x.ndim, "trace")
    rest = [d for d in range(x.ndim) if d not in (a1, a2)]
    m = sh.transpose(x, rest + [a1, a2])
    rows, cols = m.shape[-2:]
    mask = np.eye(rows, cols, argcheck.integer(offset, "offset", "trace"), dtype=bool)
    return reduce.reduce_sum(ew.where(_tf_convert(mask), m, create.zeros(m.shape, m.dtype)), axis=[-2, -1])


# -- shape ------------------------------------------------------------------------------------

def shape(x):
    """The static shape, a tuple of ints."""
    return tuple(_t(x).shape)


def ndim(x):
    return _t(x).ndim


def size(x):
    return int(np.prod(_t(x).shape, dtype=np.int64))


def reshape(x, newshape):
    return sh.reshape(_t(x), [newshape] if isinstance(newshape, int) else list(newshape))


def ravel(x):
    return sh.reshape(_t(x), [-1])


def transpose(x, axes=None):
    return sh.transpose(_t(x), None if axes is None else list(axes))


def swapaxes(x, axis1, axis2):
    x = _t(x)
    perm = list(range(x.ndim))
    a1, a2 = argcheck.axis(axis1, x.ndim, "swapaxes"), argcheck.axis(axis2, x.ndim, "swapaxes")
    perm[a1], perm[a2] = perm[a2], perm[a1]
    return sh.transpose(x, perm)


def moveaxis(x, source, destination):
    x = _t(x)
    src = [source] if isinstance(source, int) else list(source)
    dst = [destination] if isinstance(destination, int) else list(destination)
    src = [argcheck.axis(a, x.ndim, "moveaxis") for a in src]
    dst = [argcheck.axis(a, x.ndim, "moveaxis") for a in dst]
    perm = [d for d in range(x.ndim) if d not in src]
    for d, s in sorted(zip(dst, src)):
        perm.insert(d, s)
    return sh.transpose(x, perm)


def expand_dims(x, axis):
    x = _t(x)
    for a in sorted(axis) if isinstance(axis, (list, tuple)) else [axis]:
        x = sh.expand_dims(x, a)
    return x


def squeeze(x, axis=None):
    x = _t(x)
    return sh.squeeze(x, None if axis is None else [axis] if isinstance(axis, int) else list(axis))


def concatenate(xs, axis=0):
    return sh.concat([_t(x) for x in xs], axis=axis if axis is not None else 0) if axis is not None else \
        sh.concat([ravel(x) for x in xs], axis=0)


def append(x1, x2, axis=None):
    return concatenate([x1, x2], axis=axis)


def stack(x, axis=0):
    return sh.stack([_t(v) for v in x], axis=axis)


def hstack(xs):
    xs = [_t(x) for x in xs]
    return sh.concat(xs, axis=0 if xs[0].ndim == 1 else 1)


def vstack(xs):
    return sh.concat([x if x.ndim > 1 else sh.reshape(x, [1, -1]) for x in map(_t, xs)], axis=0)


def split(x, indices_or_sections, axis=0):
    """NumPy's split: an int is a number of equal sections, a list gives the split indices."""
    x = _t(x)
    axis = argcheck.axis(axis, x.ndim, "split")
    n = x.shape[axis]
    if isinstance(indices_or_sections, (list, tuple)):
        bounds = [0] + [builtins.min(builtins.max(int(i), 0), n) for i in indices_or_sections] + [n]
        sizes = [builtins.max(b - a, 0) for a, b in zip(bounds, bounds[1:])]
        return sh.split(x, sizes, axis=axis)
    sections = argcheck.integer(indices_or_sections, "indices_or_sections", "split", minimum=1)
    if n % sections:
        raise ValueError(f"split: axis {axis} of size {n} does not split into {sections} equal sections")
    return sh.split(x, sections, axis=axis)


def broadcast_to(x, shape):
    return sh.broadcast_to(_t(x), list(shape))


def tile(x, repeats):
    x = _t(x)
    reps = [repeats] if isinstance(repeats, int) else list(repeats)
    if len(reps) < x.ndim:
        reps = [1] * (x.ndim - len(reps)) + reps
    elif len(reps) > x.ndim:
        x = sh.reshape(x, [1] * (len(reps) - x.ndim) + list(x.shape))
    return indexing.tile(x, reps)


def repeat(x, repeats, axis=None):
    x = _t(x)
    if axis is None:
        x, axis = ravel(x), 0
    return indexing.repeat(x, repeats, axis=axis)


def flip(x, axis=None):
    x = _t(x)
    axes = list(range(x.ndim)) if axis is None else [axis] if isinstance(axis, int) else list(axis)
    return indexing.reverse(x, axes)


def roll(x, shift, axis=None):
    x = _t(x)
    if axis is None:
        return sh.reshape(indexing.roll(ravel(x), shift, 0), list(x.shape))
    return indexing.roll(x, shift, axis)


def pad(x, pad_width, mode="constant", constant_values=None):
    """NumPy's ``pad_width``: an int, ``(before, after)``, or one pair per axis."""
    x = _t(x)
    widths = np.broadcast_to(np.asarray(pad_width, np.int64).reshape(-1, 2) if np.ndim(pad_width) else
                             np.full((1, 2), pad_width, np.int64), (x.ndim, 2))
    modes = {"constant": "CONSTANT", "reflect": "REFLECT", "symmetric": "SYMMETRIC"}
    if mode not in modes:
        raise ValueError(f"pad: mode must be one of {sorted(modes)}, got {mode!r}")
    if constant_values is not None and mode != "constant":
        raise ValueError(f"pad: constant_values is only used with mode='constant', got mode={mode!r}")
    return indexing.pad(x, widths.tolist(), modes[mode], 0 if constant_values is None else constant_values)


# -- indexing ---------------------------------------------------------------------------------

def take(x, indices, axis=None):
    x = _t(x)
    if axis is None:
        x, axis = ravel(x), 0
    indices = _t(indices)
    n = x.shape[argcheck.axis(axis, x.ndim, "take")]
    if indices.dtype.kind in "iu":  # NumPy and Keras count negative indices from the end
        indices = ew.where(indices < 0, indices + n, indices)
    return indexing.gather(x, indices, axis=axis)


def take_along_axis(x, indices, axis=None):
    x, indices = _t(x), _t(indices)
    if axis is None:
        x, axis = ravel(x), 0
    axis = argcheck.axis(axis, x.ndim, "take_along_axis")
    if indices.ndim != x.ndim:
        raise ValueError(f"take_along_axis: indices must have as many dimensions as x ({x.ndim}), "
                         f"got shape {indices.shape}")
    shape = [builtins.max(a, b) for a, b in zip(x.shape, indices.shape)]
    shape[axis] = indices.shape[axis]
    idx = sh.broadcast_to(indices, shape)
    grids = np.meshgrid(*[np.arange(s) for s in shape], indexing="ij")
    parts = [_tf_convert(g.astype(np.int64)) for g in grids]
    parts[axis] = ew.cast(ew.where(idx < 0, idx + x.shape[axis], idx), np.int64)
    xs = sh.broadcast_to(x, [s if d == axis else builtins.max(s, shape[d]) for d, s in enumerate(x.shape)])
    return indexing.gather_nd(xs, sh.stack(parts, axis=-1))


def where(condition, x1=None, x2=None):
    """``x1`` where ``condition`` holds, else ``x2``; with neither, the indices of the nonzero
    entries, one index tensor per dimension (as ``numpy.nonzero``)."""
    condition = _t(condition)
    if x1 is None and x2 is None:
        return tuple(_tf_convert(i.astype(np.int32)) for i in np.nonzero(condition.numpy()))
    if x1 is None or x2 is None:
        raise ValueError("where: give both x1 and x2, or neither")
    return ew.where(ew.cast(condition, bool) if condition.dtype != bool else condition, _t(x1), _t(x2))


# -- elementwise ------------------------------------------------------------------------------

def _binary(fn):
    def op(x1, x2):
        a, b = _t(x1), _t(x2)
        if a.dtype != b.dtype:  # Keras promotes (int with float gives the float)
            a, b = _promote(a, b)
        return fn(a, b)
    return op


def _promote(a, b):
    dt = np.result_type(a.dtype, b.dtype)
    if a.dtype.kind in "iub" and b.dtype.kind == "f":
        dt = b.dtype
    elif b.dtype.kind in "iub" and a.dtype.kind == "f":
        dt = a.dtype
    return (a if a.dtype == dt else ew.cast(a, dt)), (b if b.dtype == dt else ew.cast(b, dt))


add = _binary(ew.add)
subtract = _binary(ew.subtract)
multiply = _binary(ew.multiply)
maximum = _binary(ew.maximum)
minimum = _binary(ew.minimum)
mod = _binary(ew.floormod)
floor_divide = _binary(ew.floor_div)
arctan2 = _binary(ew.atan2)
equal = _binary(ew.equal)
not_equal = _binary(ew.not_equal)
less = _binary(ew.less)
less_equal = _binary(ew.less_equal)
greater = _binary(ew.greater)
greater_equal = _binary(ew.greater_equal)


def divide(x1, x2):
    a, b = _binary(lambda a, b: (a, b))(x1, x2)
    return ew.divide(_floating(a), _floating(b))


true_divide = divide


def power(x1, x2):
    return _binary(ew.pow)(x1, x2)


def logaddexp(x1, x2):
    a, b = _binary(lambda a, b: (_floating(a), _floating(b)))(x1, x2)
    m = ew.maximum(a, b)
    return m + ew.log1p(ew.exp(-ew.abs(a - b)))


def _logical(fn):
    def op(x1, x2):
        return fn(ew.cast(_t(x1), bool), ew.cast(_t(x2), bool))
    return op


logical_and = _logical(ew.logical_and)
logical_or = _logical(ew.logical_or)
logical_xor = _logical(ew.logical_xor)


def logical_not(x):
    return ew.logical_not(ew.cast(_t(x), bool))


def _unary(fn, floating=False):
    def op(x):
        x = _t(x)
        return fn(_floating(x) if floating else x)
    return op


abs = _unary(ew.abs)  # noqa: A001 (NumPy's name)
absolute = abs
negative = _unary(ew.negative)
sign = _unary(ew.sign)
square = _unary(ew.square)
sqrt = _unary(ew.sqrt, True)
exp = _unary(ew.exp, True)
expm1 = _unary(ew.expm1, True)
log = _unary(ew.log, True)
log1p = _unary(ew.log1p, True)
sin = _unary(ew.sin, True)
cos = _unary(ew.cos, True)
tan = _unary(ew.tan, True)
arcsin = _unary(ew.asin, True)
arccos = _unary(ew.acos, True)
arctan = _unary(ew.atan, True)
sinh = _unary(ew.sinh, True)
cosh = _unary(ew.cosh, True)
tanh = _unary(ew.tanh, True)
arcsinh = _unary(ew.asinh, True)
arccosh = _unary(ew.acosh, True)
arctanh = _unary(ew.atanh, True)
reciprocal = _unary(ew.reciprocal, True)
isnan = _unary(ew.is_nan)
isinf = _unary(ew.is_inf)
isfinite = _unary(ew.is_finite)


def floor(x):
    x = _t(x)
    return ew.floor(_floating(x))


def ceil(x):
    x = _t(x)
    return ew.ceil(_floating(x))


def log2(x):
    return ew.log(_floating(_t(x))) / np.log(2.0).astype(np.float32)


def log10(x):
    return ew.log(_floating(_t(x))) / np.log(10.0).astype(np.float32)


def round(x, decimals=0):  # noqa: A001 (NumPy's name)
    """Half to even, as NumPy; ``decimals`` digits after the point."""
    x = _t(x)
    decimals = argcheck.integer(decimals, "decimals", "round")
    if x.dtype.kind in "iu":
        return x
    if decimals == 0:
        return ew.round(x)
    scale = np.asarray(10.0 ** decimals, x.dtype)
    return ew.round(x * scale) / scale


def clip(x, x_min, x_max):
    x = _t(x)
    return ew.clip_by_value(x, ew.cast(_t(x_min), x.dtype), ew.cast(_t(x_max), x.dtype))


# -- reductions -------------------------------------------------------------------------------

def _reducer(fn, floating=False, name=""):
    def op(x, axis=None, keepdims=False):
        x = _t(x)
        if floating:
            x = _floating(x)
        return fn(x, axis=_axes(axis, x, name), keepdims=bool(keepdims))
    op.__name__ = name
    return op


sum = _reducer(reduce.reduce_sum, name="sum")  # noqa: A001 (NumPy's name)
prod = _reducer(reduce.reduce_prod, name="prod")
mean = _reducer(reduce.reduce_mean, True, "mean")
std = _reducer(reduce.reduce_std, True, "std")
var = _reducer(reduce.reduce_variance, True, "var")


def max(x, axis=None, keepdims=False, initial=None):  # noqa: A001 (NumPy's name)
    out = reduce.reduce_max(_t(x), axis=_axes(axis, _t(x), "max"), keepdims=bool(keepdims))
    return out if initial is None else ew.maximum(out, ew.cast(_t(initial), out.dtype))


def min(x, axis=None, keepdims=False, initial=None):  # noqa: A001 (NumPy's name)
    out = reduce.reduce_min(_t(x), axis=_axes(axis, _t(x), "min"), keepdims=bool(keepdims))
    return out if initial is None else ew.minimum(out, ew.cast(_t(initial), out.dtype))


def all(x, axis=None, keepdims=False):  # noqa: A001 (NumPy's name)
    x = _t(x)
    return reduce.reduce_all(ew.cast(x, bool), axis=_axes(axis, x, "all"), keepdims=bool(keepdims))


def any(x, axis=None, keepdims=False):  # noqa: A001 (NumPy's name)
    x = _t(x)
    return reduce.reduce_any(ew.cast(x, bool), axis=_axes(axis, x, "any"), keepdims=bool(keepdims))


def count_nonzero(x, axis=None):
    x = _t(x)
    return reduce.reduce_sum(ew.cast(ew.not_equal(x, create.zeros((), x.dtype)), np.int32),
                             axis=_axes(axis, x, "count_nonzero"))


def average(x, axis=None, weights=None):
    x = _floating(_t(x))
    if weights is None:
        return mean(x, axis)
    w = ew.cast(_t(weights), x.dtype)
    if axis is not None and w.ndim == 1 and x.ndim > 1:
        a = argcheck.axis(axis, x.ndim, "average")
        w = sh.reshape(w, [-1 if d == a else 1 for d in range(x.ndim)])
    return reduce.reduce_sum(x * w, axis=_axes(axis, x, "average")) / reduce.reduce_sum(
        sh.broadcast_to(w, x.shape), axis=_axes(axis, x, "average"))


def _arg(fn, name):
    def op(x, axis=None, keepdims=False):
        x = _t(x)
        flat = axis is None
        out = fn(ravel(x) if flat else x, axis=0 if flat else axis, output_type=np.int32)
        if keepdims:
            out = sh.reshape(out, [1] * x.ndim) if flat else sh.expand_dims(out, axis)
        return out
    op.__name__ = name
    return op


argmax = _arg(reduce.argmax, "argmax")
argmin = _arg(reduce.argmin, "argmin")


def argsort(x, axis=-1):
    x = _t(x)
    if axis is None:
        x, axis = ravel(x), 0
    return ew.cast(indexing.argsort(x, axis=axis, stable=True), np.int32)


def sort(x, axis=-1):
    x = _t(x)
    if axis is None:
        x, axis = ravel(x), 0
    return indexing.sort(x, axis=axis)


def cumsum(x, axis=None, dtype=None):
    x = _t(x) if dtype is None else ew.cast(_t(x), _dtype(dtype))
    if axis is None:
        x, axis = ravel(x), 0
    return reduce.cumsum(x, axis=axis)


def cumprod(x, axis=None, dtype=None):
    x = _t(x) if dtype is None else ew.cast(_t(x), _dtype(dtype))
    if axis is None:
        x, axis = ravel(x), 0
    return reduce.cumprod(x, axis=axis)


# -- products ---------------------------------------------------------------------------------

def matmul(x1, x2):
    a, b = _binary(lambda a, b: (a, b))(x1, x2)
    if a.ndim == 1 and b.ndim == 1:
        return reduce.reduce_sum(a * b)
    if a.ndim == 1:
        return sh.squeeze(la.matmul(sh.expand_dims(a, 0), b), [-2])
    if b.ndim == 1:
        return sh.squeeze(la.matmul(a, sh.expand_dims(b, -1)), [-1])
    return la.matmul(a, b)


def dot(x1, x2):
    """NumPy's dot: a product over ``x1``'s last axis and ``x2``'s second-to-last (its only
    axis when 1-D)."""
    a, b = _binary(lambda a, b: (a, b))(x1, x2)
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    return einsum_ops.tensordot(a, b, [[a.ndim - 1], [b.ndim - 2 if b.ndim > 1 else 0]])


def tensordot(x1, x2, axes=2):
    a, b = _binary(lambda a, b: (a, b))(x1, x2)
    return einsum_ops.tensordot(a, b, axes)


def outer(x1, x2):
    a, b = _binary(lambda a, b: (a, b))(x1, x2)
    return sh.reshape(a, [-1, 1]) * sh.reshape(b, [1, -1])


def einsum(subscripts, *operands):
    return einsum_ops.einsum(subscripts, *[_t(o) for o in operands])


# -- more of NumPy's names ----------------------------------------------------------------------

def copy(x):
    return sh.identity(_t(x))


def nonzero(x):
    """The indices of the nonzero entries, one int32 tensor per dimension (``numpy.nonzero``)."""
    return tuple(_tf_convert(i.astype(np.int32)) for i in np.nonzero(_t(x).numpy()))


def isclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    a, b = _binary(lambda a, b: (_floating(a), _floating(b)))(x1, x2)
    close = ew.less_equal(ew.abs(a - b), atol + rtol * ew.abs(b))
    if equal_nan:
        close = ew.logical_or(close, ew.logical_and(ew.is_nan(a), ew.is_nan(b)))
    return close


def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    """NaN to ``nan`` and infinities to ``posinf``/``neginf`` (the dtype's largest values by default)."""
    x = _t(x)
    if x.dtype.kind != "f":
        return x
    info = np.finfo(x.dtype)
    big = np.asarray(info.max if posinf is None else posinf, x.dtype)
    small = np.asarray(info.min if neginf is None else neginf, x.dtype)
    x = ew.where(ew.is_nan(x), create.fill(x.shape, np.asarray(nan, x.dtype)), x)
    x = ew.where(ew.equal(x, np.asarray(np.inf, x.dtype)), create.fill(x.shape, big), x)
    return ew.where(ew.equal(x, np.asarray(-np.inf, x.dtype)), create.fill(x.shape, small), x)


def tri(N, M=None, k=0, dtype=None):
    n = argcheck.integer(N, "N", "tri", minimum=0)
    m = n if M is None else argcheck.integer(M, "M", "tri", minimum=0)
    return _tf_convert(np.tri(n, m, argcheck.integer(k, "k", "tri"), dtype=_dtype(dtype) or _FLOATX))


def diagonal(x, offset=0, axis1=0, axis2=1):
    """The ``offset`` diagonal of the planes ``(axis1, axis2)``, as the last axis (``numpy.diagonal``)."""
    x = _t(x)
    if x.ndim < 2:
        raise ValueError(f"diagonal: x must have at least 2 dimensions, got shape {x.shape}")
    a1, a2 = argcheck.axis(axis1, x.ndim, "diagonal"), argcheck.axis(axis2, x.ndim, "diagonal")
    m = moveaxis(x, [a1, a2], [-2, -1])
    rows, cols = m.shape[-2:]
    offset = argcheck.integer(offset, "offset", "diagonal")
    i = np.arange(builtins.max(-offset, 0), rows)
    i = i[(i + offset >= 0) & (i + offset < cols)]
    if not len(i):
        return create.zeros(tuple(m.shape[:-2]) + (0,), m.dtype)
    return m[..., i, i + offset]


def logspace(start, stop, num=50, endpoint=True, base=10, dtype=None, axis=0):
    exponents = linspace(start, stop, num, endpoint=endpoint, axis=axis)
    out = ew.pow(ew.cast(_t(base), exponents.dtype), exponents)
    return out if dtype is None else ew.cast(out, _dtype(dtype))


def meshgrid(*x, indexing="xy"):
    """Coordinate grids from 1-D tensors (``indexing`` "xy": the first two axes swapped, as NumPy)."""
    if indexing not in ("xy", "ij"):
        raise ValueError(f"meshgrid: indexing must be 'xy' or 'ij', got {indexing!r}")
    vectors = [ravel(v) for v in x]
    shape = [v.shape[0] for v in vectors]
    if indexing == "xy" and len(shape) >= 2:
        shape[0], shape[1] = shape[1], shape[0]
    grids = []
    for d, v in enumerate(vectors):
        axis = d if not (indexing == "xy" and d < 2 and len(vectors) >= 2) else 1 - d
        grids.append(sh.broadcast_to(sh.reshape(v, [-1 if a == axis else 1 for a in range(len(shape))]), shape))
    return grids


def searchsorted(sorted_sequence, values, side="left"):
    """Where ``values`` would go in the 1-D ``sorted_sequence`` to keep it sorted."""
    seq, v = _t(sorted_sequence), _t(values)
    if seq.ndim != 1:
        raise ValueError(f"searchsorted: sorted_sequence must be 1-D, got shape {seq.shape}")
    if side not in ("left", "right"):
        raise ValueError(f"searchsorted: side must be 'left' or 'right', got {side!r}")
    if v.dtype != seq.dtype:
        seq, v = _promote(seq, v)
    flat = sh.reshape(v, [1, -1])
    out = indexing.searchsorted(sh.reshape(seq, [1, -1]), flat, side=side, out_type=np.int32)
    return sh.reshape(out, list(v.shape))


def digitize(x, bins):
    """The bin of each entry: ``i`` with ``bins[i-1] <= x < bins[i]`` (``numpy.digitize``)."""
    return searchsorted(bins, x, side="right")


def select(condlist, choicelist, default=0):
    """The first choice whose condition holds, else ``default`` (``numpy.select``)."""
    if len(condlist) != len(choicelist):
        raise ValueError(f"select: condlist and choicelist must have the same length, got {len(condlist)} and "
                         f"{len(choicelist)}")
    if not condlist:
        raise ValueError("select: condlist must not be empty")
    choices = [_t(c) for c in choicelist]
    out = ew.cast(sh.broadcast_to(_t(default), choices[0].shape), choices[0].dtype)
    for cond, choice in reversed(list(zip(condlist, choices))):
        out = ew.where(ew.cast(_t(cond), bool), choice, out)
    return out


# -- Keras 3.15's further NumPy-like ops ------------------------------------------------------

def _host(fn, *xs, dtype=None):
    """``fn`` on the host values of ``xs`` (for ops with no gradient: integer, boolean, counting)."""
    out = np.asarray(fn(*[_t(x).numpy() for x in xs]))
    return _tf_convert(out if dtype is None else out.astype(dtype))


def amax(x, axis=None, keepdims=False):
    return max(x, axis=axis, keepdims=keepdims)


def amin(x, axis=None, keepdims=False):
    return min(x, axis=axis, keepdims=keepdims)


def ptp(x, axis=None, keepdims=False):
    """``max - min`` along ``axis``."""
    return max(x, axis=axis, keepdims=keepdims) - min(x, axis=axis, keepdims=keepdims)


def allclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    return all(isclose(x1, x2, rtol=rtol, atol=atol, equal_nan=equal_nan))


fabs = _unary(ew.abs, True)
exp2 = _unary(lambda x: ew.pow(np.asarray(2, x.dtype), x), True)


def trunc(x):
    """Rounds toward zero; integer inputs are returned as they are."""
    x = _t(x)
    return x if x.dtype.kind in "iub" else ew.sign(x) * ew.floor(ew.abs(x))


def cbrt(x):
    x = _floating(_t(x))
    return ew.sign(x) * ew.pow(ew.abs(x), np.asarray(1 / 3, x.dtype))


def deg2rad(x):
    x = _floating(_t(x))
    return x * np.asarray(np.pi / 180, x.dtype)


def rad2deg(x):
    x = _floating(_t(x))
    return x * np.asarray(180 / np.pi, x.dtype)


def sinc(x):
    """``sin(pi x) / (pi x)``, 1 at 0."""
    x = _floating(_t(x))
    px = x * np.asarray(np.pi, x.dtype)
    safe = ew.where(ew.equal(x, np.asarray(0, x.dtype)), ew.ones_like(x), px)
    return ew.where(ew.equal(x, np.asarray(0, x.dtype)), ew.ones_like(x), ew.sin(safe) / safe)


def signbit(x):
    x = _t(x)
    if x.dtype.kind == "f":
        return _host(np.signbit, x)
    return ew.less(x, np.asarray(0, x.dtype)) if x.dtype.kind == "i" else ew.zeros_like(x, dtype=bool)


def isneginf(x):
    x = _t(x)
    return ew.equal(x, np.asarray(-np.inf, x.dtype)) if x.dtype.kind == "f" else ew.zeros_like(x, dtype=bool)


def isposinf(x):
    x = _t(x)
    return ew.equal(x, np.asarray(np.inf, x.dtype)) if x.dtype.kind == "f" else ew.zeros_like(x, dtype=bool)


def hypot(x1, x2):
    a, b = _binary(lambda a, b: (_floating(a), _floating(b)))(x1, x2)
    return ew.sqrt(ew.square(a) + ew.square(b))


def logaddexp2(x1, x2):
    a, b = _binary(lambda a, b: (_floating(a), _floating(b)))(x1, x2)
    ln2 = np.asarray(np.log(2.0), a.dtype)
    return logaddexp(a * ln2, b * ln2) / ln2


def fmax(x1, x2):
    """The larger entry, ignoring NaN where only one side is NaN."""
    a, b = _binary(lambda a, b: (a, b))(x1, x2)
    if a.dtype.kind != "f":
        return ew.maximum(a, b)
    return ew.where(ew.is_nan(a), b, ew.where(ew.is_nan(b), a, ew.maximum(a, b)))


def fmin(x1, x2):
    a, b = _binary(lambda a, b: (a, b))(x1, x2)
    if a.dtype.kind != "f":
        return ew.minimum(a, b)
    return ew.where(ew.is_nan(a), b, ew.where(ew.is_nan(b), a, ew.minimum(a, b)))


def fmod(x1, x2):
    """The remainder with the sign of ``x1`` (C's ``fmod``)."""
    a, b = _binary(lambda a, b: (a, b))(x1, x2)
    if a.dtype.kind != "f":
        return _host(np.fmod, a, b)
    return a - b * trunc(a / b)


def heaviside(x1, x2):
    """0 below 0, 1 above, ``x2`` at 0."""
    a, b = _binary(lambda a, b: (a, b))(x1, x2)
    a, b = _floating(a), _floating(b)
    zero = np.asarray(0, a.dtype)
    shape = np.broadcast_shapes(tuple(a.shape), tuple(b.shape))
    a, b = sh.broadcast_to(a, shape), sh.broadcast_to(b, shape)
    return ew.where(ew.less(a, zero), ew.zeros_like(a), ew.where(ew.greater(a, zero), ew.ones_like(a), b))


def divide_no_nan(x1, x2):
    """``x1 / x2``, 0 where ``x2`` is 0."""
    a, b = _binary(lambda a, b: (_floating(a), _floating(b)))(x1, x2)
    zero = ew.equal(b, np.asarray(0, b.dtype))
    return ew.where(zero, ew.zeros_like(a * b), a / ew.where(zero, ew.ones_like(b), b))


def ldexp(x1, x2):
    """``x1 * 2**x2`` (``x2`` integer)."""
    a, b = _t(x1), _t(x2)
    if b.dtype.kind not in "iu":
        raise TypeError(f"ldexp: x2 must be an integer tensor, got dtype {b.dtype}")
    a = _floating(a)
    return a * ew.pow(np.asarray(2, a.dtype), ew.cast(b, a.dtype))


def _int_binary(fn, name):
    def op(x1, x2):
        a, b = _t(x1), _t(x2)
        for v, what in ((a, "x1"), (b, "x2")):
            if v.dtype.kind not in "iub":
                raise TypeError(f"{name}: {what} must be an integer tensor, got dtype {v.dtype}")
        if a.dtype != b.dtype:
            a, b = _promote(a, b)
        return _host(fn, a, b)
    op.__name__ = name
    return op


gcd = _int_binary(np.gcd, "gcd")
lcm = _int_binary(np.lcm, "lcm")
bitwise_and = _int_binary(np.bitwise_and, "bitwise_and")
bitwise_or = _int_binary(np.bitwise_or, "bitwise_or")
bitwise_xor = _int_binary(np.bitwise_xor, "bitwise_xor")
bitwise_left_shift = left_shift = _int_binary(np.left_shift, "bitwise_left_shift")
bitwise_right_shift = right_shift = _int_binary(np.right_shift, "bitwise_right_shift")


def bitwise_invert(x):
    x = _t(x)
    if x.dtype.kind not in "iub":
        raise TypeError(f"bitwise_invert: x must be an integer or bool tensor, got dtype {x.dtype}")
    return _host(np.invert, x)


bitwise_not = bitwise_invert


def nextafter(x1, x2):
    a, b = _binary(lambda a, b: (_floating(a), _floating(b)))(x1, x2)
    return _host(np.nextafter, a, b)


def real(x):
    x = _t(x)
    return tf_extra.real(x) if x.dtype.kind == "c" else x


def imag(x):
    x = _t(x)
    return tf_extra.imag(x) if x.dtype.kind == "c" else ew.zeros_like(x)


def conj(x):
    x = _t(x)
    return tf_extra.conj(x) if x.dtype.kind == "c" else x


conjugate = conj


def angle(x):
    """The complex argument; for real input ``pi`` where negative (not at -0.0), else 0 (float32 for
    integers)."""
    x = _t(x)
    if x.dtype.kind == "c":
        return ew.atan2(tf_extra.imag(x), tf_extra.real(x))
    x = _floating(x)
    return ew.where(ew.less(x, np.asarray(0, x.dtype)), ew.zeros_like(x) + np.asarray(np.pi, x.dtype),
                    ew.zeros_like(x))


def isreal(x):
    x = _t(x)
    if x.dtype.kind != "c":
        return ew.ones_like(x, dtype=bool)
    im = tf_extra.imag(x)
    return ew.equal(im, np.asarray(0, im.dtype))


def fliplr(x):
    x = _t(x)
    if x.ndim < 2:
        raise ValueError(f"fliplr: x must have at least 2 dimensions, got shape {tuple(x.shape)}")
    return flip(x, 1)


def flipud(x):
    x = _t(x)
    if x.ndim < 1:
        raise ValueError(f"flipud: x must have at least 1 dimension, got shape {tuple(x.shape)}")
    return flip(x, 0)


def rot90(array, k=1, axes=(0, 1)):
    """Rotates by 90 degrees ``k`` times in the plane of ``axes``, from the first toward the second."""
    x = _t(array)
    if x.ndim < 2:
        raise ValueError(f"rot90: array must have at least 2 dimensions, got shape {tuple(x.shape)}")
    a0, a1 = (argcheck.axis(a, x.ndim, "rot90") for a in axes)
    if a0 == a1:
        raise ValueError(f"rot90: axes must differ, got {axes}")
    k = argcheck.integer(k, "k", "rot90") % 4
    if k == 0:
        return x
    if k == 2:
        return flip(flip(x, a0), a1)
    perm = list(range(x.ndim))
    perm[a0], perm[a1] = perm[a1], perm[a0]
    if k == 1:
        return transpose(flip(x, a1), perm)
    return flip(transpose(x, perm), a1)


def array_split(x, indices_or_sections, axis=0):
    """Like :func:`split`, but an int need not divide the axis: the first parts get one more."""
    x = _t(x)
    axis = argcheck.axis(axis, x.ndim, "array_split")
    if not isinstance(indices_or_sections, (int, np.integer)) or isinstance(indices_or_sections, bool):
        raise TypeError(f"array_split: indices_or_sections must be an int (a number of sections), got "
                        f"{indices_or_sections!r}")
    n = argcheck.integer(indices_or_sections, "indices_or_sections", "array_split", minimum=1)
    size, extra = divmod(x.shape[axis], n)
    return sh.split(x, [size + 1] * extra + [size] * (n - extra), axis=axis)


def hsplit(x, indices_or_sections):
    x = _t(x)
    return split(x, indices_or_sections, axis=1 if x.ndim > 1 else 0)


def vsplit(x, indices_or_sections):
    return split(x, indices_or_sections, axis=0)


def dsplit(x, indices_or_sections):
    x = _t(x)
    if x.ndim < 3:
        raise ValueError(f"dsplit: x must have at least 3 dimensions, got shape {tuple(x.shape)}")
    return split(x, indices_or_sections, axis=2)


def dstack(xs):
    """Stacks along the third axis (1-D ``(n,)`` as ``(1, n, 1)``, 2-D ``(m, n)`` as ``(m, n, 1)``)."""
    parts = []
    for v in xs:
        v = _t(v)
        if v.ndim == 0:
            v = sh.reshape(v, [1, 1, 1])
        elif v.ndim == 1:
            v = sh.reshape(v, [1, -1, 1])
        elif v.ndim == 2:
            v = expand_dims(v, 2)
        parts.append(v)
    return concatenate(parts, axis=2)


def diff(a, n=1, axis=-1):
    """The ``n``-th difference along ``axis``."""
    x = _t(a)
    axis = argcheck.axis(axis, x.ndim, "diff")
    n = argcheck.integer(n, "n", "diff", minimum=0)
    for _ in range(n):
        m = x.shape[axis]
        hi = sh.split(x, [1, m - 1], axis=axis)[1] if m > 1 else None
        lo = sh.split(x, [m - 1, 1], axis=axis)[0] if m > 1 else None
        x = subtract(hi, lo) if m > 1 else sh.split(x, [0, m], axis=axis)[0]
    return x


def diagflat(x, k=0):
    """``x`` flattened onto the ``k``-th diagonal of a square matrix."""
    return diag(ravel(x), k)


def inner(x1, x2):
    """Sum over the last axes of both: ``tensordot(x1, x2, [[-1], [-1]])``."""
    a, b = _binary(lambda a, b: (a, b))(x1, x2)
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    return einsum_ops.tensordot(a, b, [[a.ndim - 1], [b.ndim - 1]])


def vdot(x1, x2):
    """The dot product of the flattened inputs (the first conjugated)."""
    return inner(conj(ravel(x1)), ravel(x2))


def kron(x1, x2):
    """The Kronecker product."""
    a, b = _binary(lambda a, b: (a, b))(x1, x2)
    nd = builtins.max(a.ndim, b.ndim)
    a = sh.reshape(a, [1] * (nd - a.ndim) + list(a.shape))
    b = sh.reshape(b, [1] * (nd - b.ndim) + list(b.shape))
    a_ex = sh.reshape(a, [d for s in a.shape for d in (s, 1)])
    b_ex = sh.reshape(b, [d for s in b.shape for d in (1, s)])
    return sh.reshape(a_ex * b_ex, [p * q for p, q in zip(a.shape, b.shape)])


def cross(x1, x2, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """The cross product of 3-vectors (2-vectors get a zero third entry) along the given axes."""
    a, b = _binary(lambda a, b: (a, b))(x1, x2)
    if axis is not None:
        axisa = axisb = axisc = axis
    a, b = moveaxis(a, axisa, -1), moveaxis(b, axisb, -1)
    for v, what in ((a, "x1"), (b, "x2")):
        if v.shape[-1] not in (2, 3):
            raise ValueError(f"cross: the vectors of {what} must have 2 or 3 entries, got shape {tuple(v.shape)}")
    if a.shape[-1] == 2 and b.shape[-1] == 2:
        out = a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0]
        return out
    pad3 = (lambda v: v if v.shape[-1] == 3 else concatenate([v, zeros_like(v[..., :1])], axis=-1))
    a, b = pad3(a), pad3(b)
    out = stack([a[..., 1] * b[..., 2] - a[..., 2] * b[..., 1], a[..., 2] * b[..., 0] - a[..., 0] * b[..., 2],
                 a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0]], axis=-1)
    return moveaxis(out, -1, axisc)


def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    """``num`` numbers spaced evenly on a log scale from ``start`` to ``stop``."""
    start, stop = _floating(_t(start)), _floating(_t(stop))
    out = ew.exp(linspace(ew.log(start), ew.log(stop), num, endpoint=endpoint, axis=axis))
    return out if dtype is None else ew.cast(out, _dtype(dtype))


def empty(shape, dtype=None):
    """A tensor of ``shape`` (filled with zeros)."""
    return zeros(shape, dtype)


def empty_like(x, dtype=None):
    return zeros_like(x, dtype)


def get_item(x, key):
    return _t(x)[key]


def vander(x, N=None, increasing=False):
    """The Vandermonde matrix of the 1-D ``x``: columns ``x**(N-1) ... x**0`` (reversed if ``increasing``)."""
    x = _t(x)
    if x.ndim != 1:
        raise ValueError(f"vander: x must be 1-D, got shape {tuple(x.shape)}")
    n = x.shape[0] if N is None else argcheck.integer(N, "N", "vander", minimum=0)
    powers = np.arange(n) if increasing else np.arange(n)[::-1]
    return ew.pow(expand_dims(x, 1), _tf_convert(powers.astype(x.dtype)))


def trapezoid(y, x=None, dx=1.0, axis=-1):
    """The trapezoidal-rule integral of ``y`` along ``axis`` (samples at ``x``, or spaced ``dx``)."""
    y = _floating(_t(y))
    axis = argcheck.axis(axis, y.ndim, "trapezoid")
    n = y.shape[axis]
    lo, hi = sh.split(y, [n - 1, 1], axis=axis)[0], sh.split(y, [1, n - 1], axis=axis)[1]
    if x is None:
        d = np.asarray(dx, y.dtype)
    else:
        x = ew.cast(_t(x), y.dtype)
        d = diff(x, axis=-1 if x.ndim == 1 else axis)
        if x.ndim == 1:
            d = sh.reshape(d, [-1 if a == axis else 1 for a in range(y.ndim)])
    return reduce.reduce_sum(d * (lo + hi) / np.asarray(2, y.dtype), axis=axis)


def isin(x1, x2, assume_unique=False, invert=False):
    """Whether each entry of ``x1`` occurs in ``x2``."""
    a, b = _t(x1), _t(x2)
    out = reduce.reduce_any(ew.equal(expand_dims(a, -1), sh.reshape(ew.cast(b, a.dtype), [-1])), axis=-1)
    return ew.logical_not(out) if invert else out


def unravel_index(indices, shape):
    """The coordinates of flat ``indices`` in an array of ``shape``: a tuple of tensors."""
    idx = _t(indices)
    return tuple(_tf_convert(c.astype(idx.dtype)) for c in np.unravel_index(idx.numpy(), tuple(shape)))


def bincount(x, weights=None, minlength=0, sparse=False):
    """Counts of each non-negative integer in the 1-D or 2-D (per row) ``x``, weighted if ``weights``."""
    if sparse:
        raise NotImplementedError("bincount: sparse=True is not supported")
    x = _t(x)
    if x.dtype.kind not in "iu":
        raise TypeError(f"bincount: x must be an integer tensor, got dtype {x.dtype}")
    xv = x.numpy()
    if xv.size and xv.min() < 0:
        raise ValueError("bincount: x must be non-negative")
    length = builtins.max(int(xv.max()) + 1 if xv.size else 0, int(minlength))
    if x.ndim not in (1, 2):
        raise ValueError(f"bincount: x must be 1-D or 2-D, got shape {tuple(x.shape)}")
    rows = xv if x.ndim == 2 else xv[None]
    onehot = np.arange(length) == rows[..., None]  # (rows, n, length)
    hot = ew.cast(_tf_convert(onehot), x.dtype if weights is None else _t(weights).dtype)
    if weights is None:
        out = reduce.reduce_sum(hot, axis=-2)
    else:
        w = _t(weights)
        w = sh.reshape(w, list(rows.shape) + [1])
        out = reduce.reduce_sum(hot * w, axis=-2)
    return out if x.ndim == 2 else out[0]


def histogram(x, bins=10, range=None):  # noqa: A002 (NumPy's name)
    """Counts of the 1-D ``x`` in ``bins`` equal bins over ``range`` and the bin edges (``numpy.histogram``),
    both of ``x``'s dtype as in Keras."""
    x = _t(x)
    if x.ndim != 1:
        raise ValueError(f"histogram: x must be 1-D, got shape {tuple(x.shape)}")
    counts, edges = np.histogram(x.numpy(), bins=int(bins), range=range)
    return _tf_convert(counts.astype(x.dtype)), _tf_convert(edges.astype(x.dtype))


def argpartition(x, kth, axis=-1):
    """Indices that put the ``kth`` entry in its sorted place, smaller ones before it (int32)."""
    x = _t(x)
    axis = argcheck.axis(axis, x.ndim, "argpartition")
    return _host(lambda v: np.argpartition(v, kth, axis=axis), x, dtype=np.int32)


# -- windows (NumPy's symmetric ones, float32) ------------------------------------------------

def _window_length(x, name):
    n = x.numpy() if isinstance(x, Tensor) else x
    return argcheck.integer(int(n) if np.ndim(n) == 0 else n, "x", name, minimum=0)


def _cosine_window(name, coefficients):
    def op(x):
        n = _window_length(x, name)
        if n <= 1:
            return ones((n,), _FLOATX)
        t = 2 * np.pi * np.arange(n) / (n - 1)
        w = builtins.sum(c * np.cos(k * t) for k, c in enumerate(coefficients))
        return _tf_convert(w.astype(_FLOATX))
    op.__name__ = name
    op.__doc__ = f"The symmetric {name} window of ``x`` points (``numpy.{name}``), float32."
    return op


hamming = _cosine_window("hamming", (0.54, -0.46))
hanning = _cosine_window("hanning", (0.5, -0.5))
blackman = _cosine_window("blackman", (0.42, -0.5, 0.08))


def bartlett(x):
    """The triangular window of ``x`` points (``numpy.bartlett``), float32."""
    n = _window_length(x, "bartlett")
    if n <= 1:
        return ones((n,), _FLOATX)
    k = np.arange(n)
    return _tf_convert((1 - np.abs(2 * k - (n - 1)) / (n - 1)).astype(_FLOATX))


def kaiser(x, beta):
    """The Kaiser window of ``x`` points with shape ``beta`` (``numpy.kaiser``), float32."""
    n = _window_length(x, "kaiser")
    if n <= 1:
        return ones((n,), _FLOATX)
    beta = argcheck.number(beta, "beta", "kaiser")
    r = 2 * np.arange(n) / (n - 1) - 1
    arg = _tf_convert(np.asarray(beta * np.sqrt(np.clip(1 - r * r, 0, None)), _FLOATX))
    return _bessel_i0(arg) / _bessel_i0(_tf_convert(np.asarray(beta, _FLOATX)))


def i0(x):
    """The modified Bessel function of the first kind, order 0."""
    return _bessel_i0(_floating(_t(x)))


# -- order statistics and NaN-ignoring reductions ---------------------------------------------

_QUANTILE_METHODS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile(x, q, axis, method, keepdims, name, scale=1.0, nan=False):
    if method not in _QUANTILE_METHODS:
        raise ValueError(f"{name}: method must be one of {_QUANTILE_METHODS}, got {method!r}")
    x = _floating(_t(x))
    q = ew.cast(_t(q), x.dtype) / np.asarray(scale, x.dtype)
    qv = q.numpy()
    if np.any((qv < 0) | (qv > 1)):
        raise ValueError(f"{name}: q must lie in [0, {scale:g}], got {qv * scale}")
    nd = x.ndim
    axes = tuple(range(nd)) if axis is None else _axes(axis, x, name)
    axes = (axes,) if isinstance(axes, int) else tuple(axes)
    rest = [a for a in range(nd) if a not in axes]
    flat = sh.reshape(transpose(x, rest + list(axes)), [x.shape[a] for a in rest] + [-1])
    n = flat.shape[-1]
    if nan:  # NaN sorted last; each slice's count of numbers sets its positions
        isn = ew.is_nan(flat)
        s = indexing.sort(ew.where(isn, ew.zeros_like(flat) + np.asarray(np.inf, x.dtype), flat), axis=-1)
        count = reduce.reduce_sum(ew.cast(ew.logical_not(isn), x.dtype), axis=-1, keepdims=True)
    else:
        s = indexing.sort(flat, axis=-1)
        count = ew.zeros_like(s[..., :1]) + np.asarray(n, x.dtype)
    qs = sh.reshape(q, [-1])
    pos = ew.maximum((count - np.asarray(1, x.dtype)) * qs, np.asarray(0, x.dtype))  # (..., nq)
    lo, hi = ew.floor(pos), ew.ceil(pos)
    if method == "lower":
        hi = lo
    elif method == "higher":
        lo = hi
    elif method == "nearest":
        lo = hi = ew.round(pos)
    frac = {"linear": pos - lo, "midpoint": np.asarray(0.5, x.dtype)}.get(method, np.asarray(0, x.dtype))
    top = np.asarray(builtins.max(n - 1, 0), np.int32)
    a = take_along_axis(s, ew.minimum(ew.cast(lo, np.int32), top), axis=-1)
    b = take_along_axis(s, ew.minimum(ew.cast(hi, np.int32), top), axis=-1)
    out = a + (b - a) * frac if method in ("linear", "midpoint") else a  # (..., nq)
    if nan:
        out = ew.where(ew.equal(sh.broadcast_to(count, out.shape), np.asarray(0, x.dtype)),
                       ew.zeros_like(out) + np.asarray(np.nan, x.dtype), out)
    out = moveaxis(out, -1, 0)  # (nq, ...rest)
    if keepdims:
        out = sh.reshape(out, [out.shape[0]] + [1 if a in axes else x.shape[a] for a in range(nd)])
    return out if q.ndim else out[0]


def quantile(x, q, axis=None, method="linear", keepdims=False):
    """The ``q``-th quantiles (``q`` in [0, 1]) along ``axis`` (``numpy.quantile``'s methods "linear",
    "lower", "higher", "midpoint", "nearest"); the quantiles lead the output's axes."""
    return _quantile(x, q, axis, method, keepdims, "quantile")


def percentile(x, q, axis=None, method="linear", keepdims=False):
    """:func:`quantile` with ``q`` in percent."""
    return _quantile(x, q, axis, method, keepdims, "percentile", 100.0)


def median(x, axis=None, keepdims=False):
    return _quantile(x, 0.5, axis, "linear", keepdims, "median")


def nanquantile(x, q, axis=None, method="linear", keepdims=False):
    """:func:`quantile` ignoring NaN (NaN where a slice has no numbers)."""
    return _quantile(x, q, axis, method, keepdims, "nanquantile", nan=True)


def nanpercentile(x, q, axis=None, method="linear", keepdims=False):
    return _quantile(x, q, axis, method, keepdims, "nanpercentile", 100.0, nan=True)


def nanmedian(x, axis=None, keepdims=False):
    return _quantile(x, 0.5, axis, "linear", keepdims, "nanmedian", nan=True)


def _nan_filled(x, value):
    x = _t(x)
    if x.dtype.kind not in "fc":
        return x, None
    isn = ew.is_nan(x)
    return ew.where(isn, ew.zeros_like(x) + np.asarray(value, x.dtype), x), isn


def nansum(x, axis=None, keepdims=False):
    return sum(_nan_filled(x, 0)[0], axis=axis, keepdims=keepdims)


def nanprod(x, axis=None, keepdims=False):
    return prod(_nan_filled(x, 1)[0], axis=axis, keepdims=keepdims)


def _nan_count(x, axis, keepdims):
    x = _floating(_t(x))
    filled, isn = _nan_filled(x, 0)
    n = sum(ew.cast(ew.logical_not(isn), x.dtype), axis=axis, keepdims=keepdims)
    return x, filled, n


def nanmean(x, axis=None, keepdims=False):
    """The mean of the numbers (NaN where a slice has none)."""
    _, filled, n = _nan_count(x, axis, keepdims)
    return sum(filled, axis=axis, keepdims=keepdims) / n


def nanvar(x, axis=None, keepdims=False):
    x, filled, n = _nan_count(x, axis, True)
    m = sum(filled, axis=axis, keepdims=True) / n
    dev = ew.where(ew.is_nan(x), ew.zeros_like(x), ew.square(filled - m))
    out = sum(dev, axis=axis, keepdims=True) / n
    return out if keepdims else squeeze(out, _axes(axis, x, "nanvar"))


def nanstd(x, axis=None, keepdims=False):
    return ew.sqrt(nanvar(x, axis=axis, keepdims=keepdims))


def _nan_extreme(x, axis, keepdims, fill, fn, name):
    x = _t(x)
    if x.dtype.kind not in "fc":
        return fn(x, axis=axis, keepdims=keepdims)
    filled, isn = _nan_filled(x, fill)
    out = fn(filled, axis=axis, keepdims=keepdims)
    none = all(isn, axis=axis, keepdims=keepdims)
    return ew.where(none, ew.zeros_like(out) + np.asarray(np.nan, x.dtype), out)


def nanmax(x, axis=None, keepdims=False):
    return _nan_extreme(x, axis, keepdims, -np.inf, max, "nanmax")


def nanmin(x, axis=None, keepdims=False):
    return _nan_extreme(x, axis, keepdims, np.inf, min, "nanmin")


def nanargmax(x, axis=None, keepdims=False):
    """The index of the largest number, ignoring NaN (int32)."""
    x = _t(x)
    filled = _nan_filled(x, -np.inf)[0] if x.dtype.kind in "fc" else x
    out = argmax(filled, axis=axis, keepdims=keepdims)
    return out


def nanargmin(x, axis=None, keepdims=False):
    x = _t(x)
    filled = _nan_filled(x, np.inf)[0] if x.dtype.kind in "fc" else x
    return argmin(filled, axis=axis, keepdims=keepdims)


def nancumsum(x, axis=None, dtype=None):
    return cumsum(_nan_filled(x, 0)[0], axis=axis, dtype=dtype)


def nancumprod(x, axis=None, dtype=None):
    return cumprod(_nan_filled(x, 1)[0], axis=axis, dtype=dtype)


# -- distances, correlation, complex views ----------------------------------------------------

def cdist(x, y):
    """Euclidean distances between the rows of ``x`` ``(..., m, d)`` and ``y`` ``(..., n, d)``: ``(..., m, n)``."""
    a, b = _binary(lambda a, b: (_floating(a), _floating(b)))(x, y)
    if a.shape[-1] != b.shape[-1]:
        raise ValueError(f"cdist: x and y must have the same last dimension, got {tuple(a.shape)} and {tuple(b.shape)}")
    diff = expand_dims(a, -2) - expand_dims(b, -3)
    return ew.sqrt(reduce.reduce_sum(ew.square(diff), axis=-1))


def corrcoef(x):
    """The correlation coefficients of the rows of ``x`` (variables) over its columns (``numpy.corrcoef``)."""
    x = _floating(_t(x))
    if x.ndim not in (1, 2):
        raise ValueError(f"corrcoef: x must be 1-D or 2-D, got shape {tuple(x.shape)}")
    if x.ndim == 1:
        x = expand_dims(x, 0)
    c = x - reduce.reduce_mean(x, axis=1, keepdims=True)
    cov = matmul(c, transpose(c))
    d = ew.sqrt(diagonal(cov))
    out = cov / (expand_dims(d, 1) * expand_dims(d, 0))
    return ew.minimum(ew.maximum(out, np.asarray(-1, x.dtype)), np.asarray(1, x.dtype))


def correlate(x1, x2, mode="valid"):
    """The cross-correlation of two 1-D tensors (``numpy.correlate``; modes "valid", "same", "full")."""
    if mode not in ("valid", "same", "full"):
        raise ValueError(f"correlate: mode must be 'valid', 'same' or 'full', got {mode!r}")
    a, b = _binary(lambda a, b: (_floating(a), _floating(b)))(x1, x2)
    if a.ndim != 1 or b.ndim != 1:
        raise ValueError(f"correlate: x1 and x2 must be 1-D, got shapes {tuple(a.shape)} and {tuple(b.shape)}")
    n, m = a.shape[0], b.shape[0]
    full = n + m - 1
    pa = pad(a, [(m - 1, m - 1)])
    idx = np.arange(full)[:, None] + np.arange(m)[None, :]   # windows of the padded x1
    prod_ = take(pa, _tf_convert(idx.astype(np.int32)), axis=0) * b
    out = reduce.reduce_sum(prod_, axis=1)
    if mode == "full":
        return out
    if mode == "same":
        size = builtins.max(n, m)
        start = (full - size) // 2
        return out[start:start + size]
    lo, hi = builtins.min(n, m), builtins.max(n, m)
    return out[lo - 1:hi]


def polar(abs_, angle):
    """The complex number ``abs_ * exp(i angle)``."""
    r, th = _binary(lambda a, b: (_floating(a), _floating(b)))(abs_, angle)
    return tf_extra.complex(r * ew.cos(th), r * ew.sin(th))


def view_as_real(x):
    """A complex tensor as its ``(..., 2)`` real and imaginary parts."""
    x = _t(x)
    if x.dtype.kind != "c":
        raise ValueError(f"view_as_real: x must be complex, got dtype {x.dtype}")
    return stack([tf_extra.real(x), tf_extra.imag(x)], axis=-1)


def view_as_complex(x):
    """A ``(..., 2)`` real tensor as complex numbers."""
    x = _t(x)
    if x.ndim == 0 or x.shape[-1] != 2:
        raise ValueError(f"view_as_complex: the last dimension of x must be 2, got shape {tuple(x.shape)}")
    x = _floating(x)
    return tf_extra.complex(x[..., 0], x[..., 1])


def unique(x, sorted=True, return_index=False, return_inverse=False, return_counts=False, axis=None,  # noqa: A002
           size=None, fill_value=None):
    """The unique entries (or slices along ``axis``) of ``x``, sorted or in order of first appearance,
    padded to ``size`` with ``fill_value`` (0 by default); optional first indices,
    inverse and counts (int32). Not differentiable."""
    xv = _t(x).numpy()
    if axis is not None:
        axis = argcheck.axis(axis, xv.ndim, "unique")
    vals, index, inverse, counts = np.unique(xv, return_index=True, return_inverse=True, return_counts=True,
                                             axis=axis)
    inverse = inverse.reshape(-1)
    if not sorted:
        order = np.argsort(index, kind="stable")
        rank = np.empty_like(order)
        rank[order] = np.arange(len(order))
        vals = np.take(vals, order, axis=0 if axis is None else axis)
        index, counts, inverse = index[order], counts[order], rank[inverse]
    if size is not None:
        size = argcheck.integer(size, "size", "unique", minimum=0)
        n = vals.shape[0 if axis is None else axis]
        if n < size:
            fill = 0 if fill_value is None else fill_value
            shape = list(vals.shape)
            shape[0 if axis is None else axis] = size - n
            vals = np.concatenate([vals, np.full(shape, fill, vals.dtype)], axis=0 if axis is None else axis)
            index = np.concatenate([index, np.zeros(size - n, index.dtype)])
            counts = np.concatenate([counts, np.zeros(size - n, counts.dtype)])
        else:
            vals = np.take(vals, np.arange(size), axis=0 if axis is None else axis)
            index, counts = index[:size], counts[:size]
    out = [_tf_convert(vals)]
    if return_index:
        out.append(_tf_convert(index.astype(np.int32)))
    if return_inverse:
        out.append(_tf_convert(inverse.astype(np.int32)))
    if return_counts:
        out.append(_tf_convert(counts.astype(np.int32)))
    return out[0] if len(out) == 1 else tuple(out)


def view(x, dtype=None):
    """The bytes of ``x`` read as ``dtype`` (``numpy.ndarray.view``): the last axis grows or shrinks
    by the ratio of the item sizes."""
    x = _t(x)
    if dtype is None:
        return x
    dt = _dtype(dtype)
    old, new = x.dtype.itemsize, dt.itemsize
    if x.ndim == 0 and old != new:
        raise ValueError(f"view: a scalar cannot change its item size ({x.dtype} to {dt})")
    if old == new:
        return tf_extra.bitcast(x, dt)
    if old > new:   # each item becomes old // new items
        return sh.reshape(tf_extra.bitcast(x, dt), list(x.shape[:-1]) + [-1])
    ratio = new // old
    if x.shape[-1] % ratio:
        raise ValueError(f"view: the last axis of x ({x.shape[-1]}) must be a multiple of {ratio} to view "
                         f"{x.dtype} as {dt}")
    return tf_extra.bitcast(sh.reshape(x, list(x.shape[:-1]) + [x.shape[-1] // ratio, ratio]), dt)



# -- einops' rearrange and NumPy's vectorize -------------------------------------------------------

def _einops_side(text, where):
    """``"b (h1 h) w"`` as groups of axis names: ``[["b"], ["h1", "h"], ["w"]]``."""
    groups, current = [], None
    for token in text.replace("(", " ( ").replace(")", " ) ").split():
        if token == "(":
            if current is not None:
                raise ValueError(f"{where}: nested parentheses are not supported")
            current = []
        elif token == ")":
            if current is None:
                raise ValueError(f"{where}: unbalanced parentheses")
            groups.append(current)
            current = None
        elif not token.isidentifier():
            raise ValueError(f"{where}: axis names must be identifiers, got {token!r} ('...' and numbers are not "
                             "supported)")
        elif current is not None:
            current.append(token)
        else:
            groups.append([token])
    if current is not None:
        raise ValueError(f"{where}: unbalanced parentheses")
    return groups


def rearrange(tensor, pattern, **axes_lengths):
    """einops' ``rearrange``: reorder, merge (``(b h)``) and split (``(h1 h)``, sizes given by
    ``axes_lengths``) axes as ``pattern`` (``"b h w c -> b c h w"``) says."""
    where = "rearrange"
    x = _t(tensor)
    if not isinstance(pattern, str) or pattern.count("->") != 1:
        raise ValueError(f"{where}: pattern must be 'left -> right', got {pattern!r}")
    left, right = (_einops_side(side, where) for side in pattern.split("->"))
    names_l = [n for g in left for n in g]
    names_r = [n for g in right for n in g]
    if sorted(names_l) != sorted(names_r) or len(set(names_l)) != len(names_l):
        raise ValueError(f"{where}: both sides of {pattern!r} must name the same axes, each once")
    if len(left) != x.ndim:
        raise ValueError(f"{where}: the pattern's left side has {len(left)} axes, the tensor {x.ndim} (shape "
                         f"{tuple(x.shape)})")
    unknown = sorted(set(axes_lengths) - set(names_l))
    if unknown:
        raise ValueError(f"{where}: axes_lengths names axes {unknown} that the pattern does not have")
    sizes = {}
    for group, dim in zip(left, x.shape):
        known = [n for n in group if n in axes_lengths]
        missing = [n for n in group if n not in axes_lengths]
        product = int(np.prod([axes_lengths[n] for n in known], dtype=np.int64))
        if len(missing) > 1:
            raise ValueError(f"{where}: give the sizes of all but one of the axes {group} in axes_lengths")
        if missing:
            if product == 0 or dim % product:
                raise ValueError(f"{where}: axis of size {dim} cannot be split as {group} with {axes_lengths}")
            sizes[missing[0]] = dim // product
        elif product != dim:
            raise ValueError(f"{where}: axes {group} of sizes {[axes_lengths[n] for n in group]} do not make "
                             f"the dimension {dim}")
        for n in known:
            sizes[n] = int(axes_lengths[n])
    x = sh.reshape(x, [sizes[n] for n in names_l])
    perm = [names_l.index(n) for n in names_r]
    if perm != list(builtins.range(len(perm))):
        x = sh.transpose(x, perm)
    return sh.reshape(x, [int(np.prod([sizes[n] for n in g], dtype=np.int64)) for g in right])


def _core_dims(signature, where):
    try:
        ins, outs = signature.replace(" ", "").split("->")
    except ValueError:
        raise ValueError(f"{where}: signature must look like '(m,n),(n)->(m)', got {signature!r}") from None

    def parse(text):
        import re  # noqa: PLC0415  (only signatures need it)
        groups = re.findall(r"\(([^()]*)\)", text)
        if ",".join(f"({g})" for g in groups) != text:
            raise ValueError(f"{where}: signature must look like '(m,n),(n)->(m)', got {signature!r}")
        return [tuple(d for d in g.split(",") if d) for g in groups]
    return parse(ins), parse(outs)


def vectorize(pyfunc, *, excluded=None, signature=None):
    """NumPy's ``vectorize``: a function that applies ``pyfunc`` to each element (or, with a
    ``signature`` such as ``"(m,n),(n)->(m)"``, each core block) of its broadcast arguments and
    stacks the results. Positional arguments whose index is in ``excluded`` pass unchanged."""
    skip = set(excluded or ())
    if not builtins.all(isinstance(i, (int, np.integer)) for i in skip):
        raise TypeError(f"vectorize: excluded must be positional indices, got {excluded!r}")

    def vectorized(*args):
        pos = [i for i in builtins.range(len(args)) if i not in skip]
        tensors = [_t(args[i]) for i in pos]
        if signature is None:
            cores, out_cores = [()] * len(tensors), None
        else:
            cores, out_cores = _core_dims(signature, "vectorize")
            if len(cores) != len(tensors):
                raise ValueError(f"vectorize: signature {signature!r} takes {len(cores)} arguments, got "
                                 f"{len(tensors)}")
        loops = []
        for t, core in zip(tensors, cores):
            if t.ndim < len(core):
                raise ValueError(f"vectorize: an argument of shape {tuple(t.shape)} has fewer axes than its core "
                                 f"dimensions {core}")
            loops.append(tuple(t.shape[:t.ndim - len(core)]))
        loop = np.broadcast_shapes(*loops) if loops else ()
        tensors = [sh.broadcast_to(t, list(loop) + list(t.shape[t.ndim - len(core):]))
                   for t, core in zip(tensors, cores)]
        count = int(np.prod(loop, dtype=np.int64))
        flat = [sh.reshape(t, [count] + list(t.shape[len(loop):])) for t in tensors]
        results = []
        for k in builtins.range(count):
            call = list(args)
            for i, t in zip(pos, flat):
                call[i] = t[k]
            results.append(pyfunc(*call))
        if not results:
            raise ValueError("vectorize: the arguments have no elements to apply the function to")
        single = not isinstance(results[0], (tuple, list))
        parts = [results] if single else [list(r) for r in zip(*results)]
        outs = []
        for part in parts:
            stacked = sh.stack([_t(r) for r in part], axis=0)
            outs.append(sh.reshape(stacked, list(loop) + list(stacked.shape[1:])))
        return outs[0] if single else tuple(outs)

    vectorized.__name__ = getattr(pyfunc, "__name__", "vectorized")
    vectorized.__doc__ = getattr(pyfunc, "__doc__", None)
    return vectorized
