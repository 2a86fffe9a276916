"""TFP's ``prefer_static``: shape arithmetic that stays in NumPy while its inputs are known.

Each function computes with NumPy when no argument is a tensor (Python numbers, lists, NumPy
arrays, shapes) and with the workbench op of the same name otherwise, so code that builds shapes
(bijectors' event shapes, batch shapes of eye/ones) gets plain NumPy values it can index, compare
and pass to ``int``. A tensor's shape, rank and size are always known here, so ``shape``,
``rank`` and ``size`` of a tensor are NumPy values too.

>>> from probability.internal import prefer_static as ps
>>> ps.cast(ps.sqrt(0.25 + 2. * ps.cast(10, np.float32)) - 0.5, np.int32)
array(4, dtype=int32)
"""

from __future__ import annotations

import numpy as np

import workbench as wb
from workbench.core import Tensor

__all__ = [
    "abs", "argmax", "argmin", "broadcast_shape", "broadcast_to", "cast", "ceil", "concat", "cond",
    "convert_to_shape_tensor", "cumprod", "cumsum", "equal", "exp", "expm1", "eye", "fill", "floor",
    "gather", "greater", "greater_equal", "identity", "is_finite", "is_inf", "is_nan", "less",
    "less_equal", "log", "log1p", "logical_and", "logical_not", "logical_or", "maximum", "minimum",
    "non_negative_axis", "not_equal", "one_hot", "ones", "ones_like", "pad", "range", "rank",
    "rank_from_shape", "reduce_all", "reduce_any", "reduce_max", "reduce_min", "reduce_prod",
    "reduce_sum", "reshape", "reverse", "round", "rsqrt", "shape", "sign", "size", "size0", "split",
    "sqrt", "squeeze", "stack", "where", "zeros", "zeros_like",
]

_builtin_range = range
_builtin_abs = abs
_builtin_round = round


def _is_dynamic(value):
    """True when ``value`` (or anything nested in a list/tuple) is a tensor or tensor-like."""
    if isinstance(value, Tensor) or hasattr(type(value), "__wb_tensor__"):
        return True
    if isinstance(value, (list, tuple)):
        return any(_is_dynamic(v) for v in value)
    return False


def _dtype(dtype):
    return None if dtype is None else np.dtype(dtype)


def _static(value):
    """A static argument as a NumPy array (TensorShape and tuples of ints included)."""
    if hasattr(value, "as_list"):
        value = value.as_list()
    return np.asarray(value)


def _unary(name, np_fn):
    def fn(x, name=None):
        if _is_dynamic(x):
            return getattr(wb.math, fn.__name__)(x)
        return np_fn(_static(x))
    fn.__name__ = name
    fn.__doc__ = f"``{name}`` in NumPy for known inputs, else the workbench op."
    return fn


def _binary(name, np_fn):
    def fn(x, y, name=None):
        if _is_dynamic(x) or _is_dynamic(y):
            return getattr(wb.math, fn.__name__)(x, y)
        return np_fn(_static(x), _static(y))
    fn.__name__ = name
    fn.__doc__ = f"``{name}`` in NumPy for known inputs, else the workbench op."
    return fn


def _reduction(name, np_fn):
    def fn(input_tensor, axis=None, keepdims=False, name=None):
        if _is_dynamic(input_tensor):
            return getattr(wb.math, fn.__name__)(input_tensor, axis=axis, keepdims=keepdims)
        ax = tuple(np.ravel(axis).tolist()) if axis is not None else None
        return np_fn(_static(input_tensor), axis=ax, keepdims=keepdims)
    fn.__name__ = name
    fn.__doc__ = f"``{name}`` in NumPy for known inputs, else the workbench op."
    return fn


abs = _unary("abs", np.abs)
ceil = _unary("ceil", np.ceil)
exp = _unary("exp", np.exp)
expm1 = _unary("expm1", np.expm1)
floor = _unary("floor", np.floor)
is_finite = _unary("is_finite", np.isfinite)
is_inf = _unary("is_inf", np.isinf)
is_nan = _unary("is_nan", np.isnan)
log = _unary("log", np.log)
log1p = _unary("log1p", np.log1p)
logical_not = _unary("logical_not", np.logical_not)
round = _unary("round", np.round)
rsqrt = _unary("rsqrt", lambda x: 1. / np.sqrt(x))
sign = _unary("sign", np.sign)
sqrt = _unary("sqrt", np.sqrt)

equal = _binary("equal", np.equal)
greater = _binary("greater", np.greater)
greater_equal = _binary("greater_equal", np.greater_equal)
less = _binary("less", np.less)
less_equal = _binary("less_equal", np.less_equal)
logical_and = _binary("logical_and", np.logical_and)
logical_or = _binary("logical_or", np.logical_or)
maximum = _binary("maximum", np.maximum)
minimum = _binary("minimum", np.minimum)
not_equal = _binary("not_equal", np.not_equal)

reduce_all = _reduction("reduce_all", np.all)
reduce_any = _reduction("reduce_any", np.any)
reduce_max = _reduction("reduce_max", np.max)
reduce_min = _reduction("reduce_min", np.min)
reduce_prod = _reduction("reduce_prod", np.prod)
reduce_sum = _reduction("reduce_sum", np.sum)


def shape(input, out_type=np.int32, name=None):  # noqa: A002 (TF's argument name)
    """The shape as an int32 NumPy vector (a tensor's shape is always known here)."""
    if isinstance(input, Tensor) or hasattr(type(input), "__wb_tensor__"):
        return np.array(tuple(input.shape), dtype=out_type)
    return np.array(np.shape(_static(input)), dtype=out_type)


def rank(input, name=None):  # noqa: A002
    """The number of dimensions, a Python int."""
    return int(len(shape(input)))


def size(input, out_type=np.int32, name=None):  # noqa: A002
    """The number of elements, as a NumPy scalar of ``out_type``."""
    return np.array(np.prod(shape(input), dtype=np.int64), dtype=out_type)


def size0(x, name=None):
    """The length of the first dimension (``x.shape[0]``), 1 for a scalar."""
    s = shape(x)
    return int(s[0]) if len(s) else 1


def rank_from_shape(shape_tensor_fn, tensorshape=None):
    """The rank a shape describes: the length of ``tensorshape`` if given, else of the shape
    ``shape_tensor_fn`` (a shape or a function returning one)."""
    if tensorshape is not None:
        dims = tensorshape.as_list() if hasattr(tensorshape, "as_list") else tensorshape
        return len(dims)
    s = shape_tensor_fn() if callable(shape_tensor_fn) else shape_tensor_fn
    return int(size(s))


def cast(x, dtype, name=None):
    """``x`` as ``dtype``: a NumPy array for known inputs, else ``wb.cast``."""
    if _is_dynamic(x):
        return wb.cast(x, dtype)
    return np.asarray(_static(x), dtype=_dtype(dtype))


def convert_to_shape_tensor(value, dtype=None, dtype_hint=np.int32, name=None):
    """A shape as an integer NumPy vector (a tensor is converted with ``wb.convert_to_tensor``)."""
    if _is_dynamic(value):
        return wb.convert_to_tensor(value, dtype=dtype or dtype_hint)
    return np.asarray(_static(value), dtype=_dtype(dtype or dtype_hint))


def identity(x, name=None):
    return x if _is_dynamic(x) else _static(x)


def concat(values, axis, name=None):
    if _is_dynamic(values):
        return wb.concat(list(values), axis=axis)
    return np.concatenate([np.atleast_1d(_static(v)) for v in values], axis=axis)


def stack(values, axis=0, name=None):
    if _is_dynamic(values):
        return wb.stack(list(values), axis=axis)
    return np.stack([_static(v) for v in values], axis=axis)


def reshape(tensor, shape, name=None):  # noqa: A002 (shadowing is TF's naming)
    if _is_dynamic(tensor) or _is_dynamic(shape):
        return wb.reshape(tensor, shape)
    return np.reshape(_static(tensor), tuple(int(s) for s in np.ravel(_static(shape))))


def range(start, limit=None, delta=1, dtype=None, name=None):  # noqa: A001 (TF's name)
    if _is_dynamic(start) or _is_dynamic(limit) or _is_dynamic(delta):
        return wb.range(start, limit, delta, dtype=dtype)
    if limit is None:
        start, limit = 0, start
    out = np.arange(_static(start), _static(limit), _static(delta))
    if dtype is not None:
        return out.astype(_dtype(dtype))
    return out.astype(np.int32) if out.dtype.kind in "iu" else out.astype(np.float32)


def _shape_arg(shape_):
    return tuple(int(s) for s in np.ravel(_static(shape_)))


def ones(shape, dtype=np.float32, name=None):  # noqa: A002
    if _is_dynamic(shape):
        return wb.ones(shape, dtype=dtype)
    return np.ones(_shape_arg(shape), dtype=_dtype(dtype))


def zeros(shape, dtype=np.float32, name=None):  # noqa: A002
    if _is_dynamic(shape):
        return wb.zeros(shape, dtype=dtype)
    return np.zeros(_shape_arg(shape), dtype=_dtype(dtype))


def ones_like(input, dtype=None, name=None):  # noqa: A002
    if _is_dynamic(input):
        return wb.ones_like(input, dtype=dtype)
    return np.ones_like(_static(input), dtype=_dtype(dtype))


def zeros_like(input, dtype=None, name=None):  # noqa: A002
    if _is_dynamic(input):
        return wb.zeros_like(input, dtype=dtype)
    return np.zeros_like(_static(input), dtype=_dtype(dtype))


def fill(dims, value, name=None):
    if _is_dynamic(dims) or _is_dynamic(value):
        return wb.fill(dims, value)
    return np.full(_shape_arg(dims), _static(value))


def eye(num_rows, num_columns=None, batch_shape=None, dtype=np.float32, name=None):
    if _is_dynamic(num_rows) or _is_dynamic(num_columns) or _is_dynamic(batch_shape):
        return wb.eye(num_rows, num_columns, batch_shape=batch_shape, dtype=dtype)
    out = np.eye(int(num_rows), None if num_columns is None else int(num_columns), dtype=_dtype(dtype))
    if batch_shape is not None:
        batch = _shape_arg(batch_shape)
        out = np.broadcast_to(out, batch + out.shape).copy()
    return out


def one_hot(indices, depth, on_value=None, off_value=None, axis=None, dtype=None, name=None):
    """TF's ``one_hot``; known inputs give a NumPy array (int32 shape arithmetic stays NumPy)."""
    if any(_is_dynamic(v) for v in (indices, depth, on_value, off_value)):
        return wb.one_hot(indices, depth, on_value=on_value, off_value=off_value, axis=axis, dtype=dtype)
    depth = int(depth)
    idx = _static(indices)
    dt = _dtype(dtype) or (np.asarray(on_value).dtype if on_value is not None else np.dtype(np.float32))
    on = np.asarray(1 if on_value is None else on_value, dtype=dt)
    off = np.asarray(0 if off_value is None else off_value, dtype=dt)
    hit = idx[..., None] == np.arange(depth)
    out = np.where(hit, on, off).astype(dt)
    if axis is not None and axis != -1:
        out = np.moveaxis(out, -1, axis)
    return out


def where(condition, x=None, y=None, name=None):
    if _is_dynamic(condition) or _is_dynamic(x) or _is_dynamic(y):
        return wb.where(condition, x, y)
    if x is None and y is None:
        return np.argwhere(_static(condition)).astype(np.int64)
    return np.where(_static(condition), _static(x), _static(y))


def broadcast_shape(x_shape, y_shape, name=None):
    """The shape two shapes broadcast to, an int32 NumPy vector; incompatible shapes raise."""
    xs, ys = _shape_arg(x_shape), _shape_arg(y_shape)
    try:
        return np.array(np.broadcast_shapes(xs, ys), dtype=np.int32)
    except ValueError:
        raise ValueError(f"broadcast_shape: shapes {list(xs)} and {list(ys)} do not broadcast") from None


def broadcast_to(input, shape, name=None):  # noqa: A002
    if _is_dynamic(input) or _is_dynamic(shape):
        return wb.broadcast_to(input, shape)
    return np.broadcast_to(_static(input), _shape_arg(shape))


def gather(params, indices, axis=None, batch_dims=0, name=None):
    if _is_dynamic(params) or _is_dynamic(indices):
        return wb.gather(params, indices, axis=axis, batch_dims=batch_dims)
    if batch_dims:
        raise NotImplementedError("prefer_static.gather: batch_dims is supported for tensors only")
    return np.take(_static(params), _static(indices), axis=0 if axis is None else int(axis))


def pad(x, paddings, constant_values=0, name=None):
    if _is_dynamic(x) or _is_dynamic(paddings):
        return wb.pad(x, paddings, constant_values=constant_values)
    return np.pad(_static(x), _static(paddings).tolist(), constant_values=constant_values)


def reverse(tensor, axis, name=None):
    if _is_dynamic(tensor):
        return wb.reverse(tensor, axis)
    return np.flip(_static(tensor), axis=tuple(np.ravel(axis).tolist()))


def cumsum(x, axis=0, exclusive=False, reverse=False, name=None):  # noqa: A002
    if _is_dynamic(x):
        return wb.math.cumsum(x, axis=axis, exclusive=exclusive, reverse=reverse)
    return _np_cumulative(np.cumsum, 0, _static(x), axis, exclusive, reverse)


def cumprod(x, axis=0, exclusive=False, reverse=False, name=None):  # noqa: A002
    if _is_dynamic(x):
        return wb.math.cumprod(x, axis=axis, exclusive=exclusive, reverse=reverse)
    return _np_cumulative(np.cumprod, 1, _static(x), axis, exclusive, reverse)


def _np_cumulative(fn, unit, x, axis, exclusive, reverse_):
    if reverse_:
        x = np.flip(x, axis)
    out = fn(x, axis=axis)
    if exclusive:
        out = np.concatenate([np.full_like(np.take(out, [0], axis=axis), unit),
                              np.take(out, np.arange(out.shape[axis] - 1), axis=axis)], axis=axis)
    return np.flip(out, axis) if reverse_ else out


def argmax(input, axis=None, output_type=np.int64, name=None):  # noqa: A002
    if _is_dynamic(input):
        return wb.math.argmax(input, axis=axis, output_type=output_type)
    return np.argmax(_static(input), axis=0 if axis is None else axis).astype(_dtype(output_type))


def argmin(input, axis=None, output_type=np.int64, name=None):  # noqa: A002
    if _is_dynamic(input):
        return wb.math.argmin(input, axis=axis, output_type=output_type)
    return np.argmin(_static(input), axis=0 if axis is None else axis).astype(_dtype(output_type))


def squeeze(x, axis=None, name=None):
    if _is_dynamic(x):
        return wb.squeeze(x, axis=axis)
    return np.squeeze(_static(x), axis=None if axis is None else tuple(np.ravel(axis).tolist()))


def split(value, num_or_size_splits, axis=0, num=None, name=None):
    if _is_dynamic(value) or _is_dynamic(num_or_size_splits):
        return wb.split(value, num_or_size_splits, axis=axis, num=num)
    x = _static(value)
    if np.ndim(num_or_size_splits) == 0:
        return np.split(x, int(num_or_size_splits), axis=axis)
    sizes = [int(s) for s in np.ravel(num_or_size_splits)]
    return np.split(x, np.cumsum(sizes)[:-1].tolist(), axis=axis)


def non_negative_axis(axis, rank, name=None):  # noqa: A002 (shadows rank() as TFP's argument does)
    """``axis`` (an int or a vector, negative from the end) counted from the front of ``rank`` dims."""
    if _is_dynamic(axis) or _is_dynamic(rank):
        return wb.where(axis < 0, axis + rank, axis)
    ax, r = _static(axis), int(_static(rank))
    return np.where(ax < 0, ax + r, ax).astype(np.int32)


def cond(pred, true_fn=None, false_fn=None, name=None):
    """Calls the branch ``pred`` chooses when ``pred`` is known, else ``wb.cond``."""
    if _is_dynamic(pred):
        return wb.cond(pred, true_fn, false_fn)
    return true_fn() if bool(_static(pred)) else false_fn()
