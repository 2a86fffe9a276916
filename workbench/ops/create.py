"""Tensor creation: zeros, ones, fill, eye, range, linspace, and shape queries."""

from __future__ import annotations

import numpy as np

from .. import backend, core
from ..errors import argcheck
from ..core import Tensor, convert_to_tensor
from ..dtypes import np_dtype
from .shape import _shape_arg


def _xp():
    return backend.get_xp()


def _ragged_shape(shape):
    """Whether ``shape`` is a composite shape (a DynamicRaggedShape) that takes the call over."""
    return not isinstance(shape, (list, tuple)) and getattr(shape, "__wb_dispatch__", False)


def _static_dims(shape):
    """What TF's shape inference knows of a shape argument in a trace (``core.static_value``),
    an unknown rank for a shape tensor whose length is open."""
    if isinstance(shape, Tensor) and not shape._static_shape().is_fully_defined():
        return None
    return core.static_value(shape)


def zeros(shape, dtype=np.float32, name=None):
    if _ragged_shape(shape):
        return core.dispatch(zeros, (shape,), {"dtype": dtype})
    out = core.wrap_constant(_xp().zeros(_shape_arg(shape, "shape", "zeros"), np_dtype(dtype)))
    return core.static_result(out, _static_dims(shape))


def ones(shape, dtype=np.float32, name=None):
    if _ragged_shape(shape):
        return core.dispatch(ones, (shape,), {"dtype": dtype})
    out = core.wrap_constant(_xp().ones(_shape_arg(shape, "shape", "ones"), np_dtype(dtype)))
    return core.static_result(out, _static_dims(shape))


def fill(dims, value, name=None):
    """A tensor of shape ``dims`` filled with ``value`` (its dtype follows TF's conversion)."""
    if _ragged_shape(dims):
        return core.dispatch(fill, (dims, value))
    v = convert_to_tensor(value)
    if v.ndim != 0:
        raise ValueError(f"fill: value must be a scalar, got shape {v.shape}")
    if v._tid and v.dtype.kind in "fc":   # a value a tape or accumulator follows: TF's gradient, a sum
        from .shape import broadcast_to   # circular import with shape
        return broadcast_to(v, _shape_arg(dims, "dims", "fill"))
    out = core.wrap_constant(_xp().full(_shape_arg(dims, "dims", "fill"), v.numpy(), v.dtype))
    return core.static_result(out, _static_dims(dims))


def eye(num_rows, num_columns=None, batch_shape=None, dtype=np.float32, name=None):
    xp = _xp()
    rows = argcheck.integer(num_rows, "num_rows", "eye", minimum=0)
    cols = None if num_columns is None else argcheck.integer(num_columns, "num_columns", "eye", minimum=0)
    m = xp.eye(rows, cols, dtype=np_dtype(dtype))
    if batch_shape is not None:
        m = xp.broadcast_to(m, _shape_arg(batch_shape, "batch_shape", "eye") + m.shape).copy()
    out = core.wrap_constant(m)
    if core.tracing() and core.static_value(num_rows) is not False:   # TF's static shape: sizes the data
        known_rows = core.static_value(num_rows)                        # decides are None
        known_cols = known_rows if num_columns is None else core.static_value(num_columns)
        lead = () if batch_shape is None else core.static_value(batch_shape)
        core.static_result(out, None if lead is None else tuple(lead) + (known_rows, known_cols))
    return out


def range(start, limit=None, delta=1, dtype=None, name=None):  # noqa: A001 - TF's name
    """``[start, limit)`` in steps of ``delta``; ``range(n)`` counts from 0 (TF's ``tf.range``)."""
    if limit is None:
        start, limit = 0, start
    known = core.static_value([start, limit, delta])   # in a trace: a bound an argument decides
    vals = [float(v) if isinstance(v, Tensor) and v.dtype.kind == "f" else
            (int(v) if isinstance(v, Tensor) else v) for v in (start, limit, delta)]
    for v, what in zip(vals, ("start", "limit", "delta")):
        argcheck.number(v, what, "range")
    if vals[2] == 0:
        raise ValueError("range: delta must not be zero")
    if dtype is None:
        dtype = max((_range_dtype(v, what) for v, what in zip((start, limit, delta), ("start", "limit", "delta"))),
                    key=_RANGE_DTYPES.index)
    out = core.wrap_constant(_xp().arange(vals[0], vals[1], vals[2], dtype=np_dtype(dtype)))
    return core.static_result(out, (None,)) if known and None in known else out


# TF's order for the dtype range infers from its arguments: the last one present wins
# (TF's has bfloat16 between float16 and float32; there is no bfloat16 here)
_RANGE_DTYPES = [np.dtype(np.int32), np.dtype(np.int64), np.dtype(np.float16), np.dtype(np.float32),
                 np.dtype(np.float64)]


def _range_dtype(v, what):
    """The dtype TF's range reads from one argument: a tensor's or NumPy value's own, a Python
    int's int32 (int64 past int32), a Python float's float32."""
    if isinstance(v, (Tensor, np.ndarray, np.generic)):
        d = np.dtype(v.dtype)
    elif isinstance(v, float):
        d = np.dtype(np.float32)
    elif isinstance(v, int) and not isinstance(v, bool):
        d = np.dtype(np.int32) if -2**31 <= v < 2**31 else np.dtype(np.int64)
    else:
        d = None
    if d not in _RANGE_DTYPES:
        raise TypeError(f"range: {what} has dtype {d if d is not None else type(v).__name__}; without dtype= "
                        "the result's dtype is inferred only from int32, int64, float16, float32 and "
                        "float64 values")
    return d


def linspace(start, stop, num, name=None, axis=0):
    s = convert_to_tensor(start)
    e = convert_to_tensor(stop, dtype=s.dtype)
    xp = s.xp
    num_arg = num
    num = argcheck.integer(num, "num", "linspace", minimum=0)
    axis = argcheck.axis(axis, s.ndim + 1, "linspace")
    known = core.static_value(num_arg)   # in a trace: None where the data decides num
    if (s._tid or e._tid) and s.dtype.kind == "f":
        out = _linspace_tf(s, e, num, axis)
    else:
        # integers give floats as TF casts them: float64 from 32 and 64 bits, else float32
        to = s.dtype if s.dtype.kind == "f" else np.float64 if s._data.dtype.itemsize >= 4 else np.float32
        out = core.wrap_constant(xp.linspace(s._data, e._data, num, axis=axis).astype(to))
    if known is not False:
        lead = s._static_shape()
        if lead.rank is None:
            core.static_result(out, None)
        else:
            dims = list(lead.as_list())
            dims.insert(axis, known)
            core.static_result(out, tuple(dims))
    return out


def _linspace_tf(s, e, num, axis):
    """TF's linspace from ops (differentiable in start and stop): start, start + i * delta for
    0 < i < num - 1, stop, with delta = (stop - start) / max(num - 1, 1)."""
    from .shape import concat, expand_dims   # circular import with shape
    from .elementwise import add, divide, multiply, subtract   # circular import with elementwise
    es, ee = expand_dims(s, axis), expand_dims(e, axis)
    if num <= 1:
        return es if num == 1 else es[(slice(None),) * axis + (slice(0, 0),)]
    delta = divide(subtract(ee, es), core.wrap_constant(np.asarray(num - 1, s._data.dtype)))
    shape = [1] * (s.ndim + 1)
    shape[axis] = num - 2
    steps = core.wrap_constant(np.arange(1, num - 1, dtype=s._data.dtype).reshape(shape))
    return concat([es, add(es, multiply(steps, delta)), ee], axis=axis)


@core.dispatchable
def shape(input, out_type=np.int32, name=None):
    """The shape of ``input`` as an integer tensor."""
    x = input if isinstance(input, Tensor) else convert_to_tensor(input)
    out = core.wrap_constant(np.asarray(x.shape, dtype=np_dtype(out_type)))
    if core.tracing():   # a size an argument leaves open is not known to TF's shape inference
        static = x._static_shape()
        if static.rank is None:   # TF: a vector of unknown length
            core.static_result(out, (None,))
        elif static.as_list() != list(x.shape):
            core.static_result(out, False, tuple(static.as_list()))
    return out


@core.dispatchable
def size(input, out_type=np.int32, name=None):
    x = input if isinstance(input, Tensor) else convert_to_tensor(input)
    out = core.wrap_constant(np.asarray(x.size, dtype=np_dtype(out_type)))
    if core.tracing() and not x._static_shape().is_fully_defined():   # TF: a value the arguments decide
        core.static_result(out, False)
    return out


@core.dispatchable
def rank(input, name=None):
    x = input if isinstance(input, Tensor) else convert_to_tensor(input)
    out = core.wrap_constant(np.asarray(x.ndim, dtype=np.int32))
    if core.tracing() and x._static_shape().rank is None:   # TF: a value the arguments decide
        core.static_result(out, False)
    return out


def from_dlpack(capsule_or_array):
    """A tensor sharing memory with a DLPack-capable array (PyTorch, JAX, CuPy, NumPy)."""
    obj = capsule_or_array
    dev_type = None
    if hasattr(obj, "__dlpack_device__"):
        dev_type = obj.__dlpack_device__()[0]
    if dev_type in (2, 3, 13):  # CUDA, CUDA host, CUDA managed
        cp = backend.cupy_module()
        return core.wrap_constant(cp.from_dlpack(obj))
    return core.wrap_constant(np.from_dlpack(obj))

__all__ = [
    "eye",
    "fill",
    "from_dlpack",
    "linspace",
    "ones",
    "range",
    "rank",
    "shape",
    "size",
    "zeros",
]
