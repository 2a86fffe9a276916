"""Pooling over 1, 2 or 3 spatial dimensions: TF's ``wb.nn.max_pool1d``/``2d``/``3d``,
``avg_pool1d``/``2d``/``3d`` and the rank-generic ``max_pool``, ``avg_pool`` and ``pool``.

Channels last inside the ops (see ``windows.py``). The gradients are primitives too, one set
per number of spatial dimensions: ``max_pool<n>d_grad`` (the cotangent scattered onto each
window's maximum) and its transpose ``max_pool<n>d_grad_grad``, and ``avg_pool<n>d_grad``.
"""

from __future__ import annotations

import collections
import functools

import numpy as np

from ..core import apply, convert_to_tensor, defop
from ..dtypes import np_dtype
from ..errors import argcheck
from .windows import (
    crop, data_format as _data_format, from_channels_last, out_sizes, pad, padded_zeros, pads_of,
    spatial, static_windowed, taps, to_channels_last, window_counts, windows,
)


def _lowest(dtype):
    return -np.inf if dtype.kind == "f" else np.iinfo(dtype).min


def _max_pool_fwd(xp, x, ksize, strides, pads):
    """Max pooling one spatial dimension at a time (the maximum over a box is the maximum
    over one side of the maxima along the other): ``k - 1`` elementwise maximums of strided
    slices per dimension, over ever smaller arrays. A reduction over the strided view of
    every window was several times slower: its inner loops run over a handful of elements.
    The maximum is exact in any order, so the values are the same; NaN propagates."""
    padded, interior, passes = _max_pool_plan(x.shape, ksize, strides, pads)
    y, fresh = x, False
    if padded is not None:   # padding never wins: the lowest value around the input
        y, fresh = xp.full(padded, _lowest(x.dtype), x.dtype), True
        y[interior] = x
    for slices in passes:
        if len(slices) == 1:   # a window of one, strided: a subsample
            y, fresh = y[slices[0]], False
            continue
        acc = xp.maximum(y[slices[0]], y[slices[1]])
        for where in slices[2:]:
            xp.maximum(acc, y[where], out=acc)
        y, fresh = acc, True
    return y if fresh else xp.array(y)


@functools.lru_cache(maxsize=512)
def _max_pool_plan(shape, ksize, strides, pads):
    """For an input of ``shape``: the padded shape and the input's place in it (None, None
    without padding), and per pooled dimension the slices of its ``k`` window taps."""
    nd = len(ksize)
    sizes = shape[-nd - 1:-1]
    out = out_sizes(sizes, pads, ksize, strides)
    padded = interior = None
    if any(map(any, pads)):
        padded = shape[:-nd - 1] + tuple(n + a + b for n, (a, b) in zip(sizes, pads)) + shape[-1:]
        interior = (Ellipsis,) + tuple(slice(a, a + n) for n, (a, _) in zip(sizes, pads)) + (slice(None),)
    passes = []
    for d, (k, s, o) in enumerate(zip(ksize, strides, out)):
        if k == 1 and s == 1:
            continue
        rest = (slice(None),) * (nd - d)   # the later spatial dims and the channels
        passes.append(tuple((Ellipsis, slice(i, i + s * (o - 1) + 1, s)) + rest for i in range(k)))
    return padded, interior, tuple(passes)


def _argmax_taps(xp, x, ksize, strides, pads, out):
    """For each window, the index (row-major) of the tap holding its maximum.

    Ties go to the first maximum in row-major order within the window, as TF's CPU kernel
    does: a later tap wins only when strictly greater.
    """
    xpad = pad(xp, x, pads, _lowest(x.dtype))
    ones = (1,) * len(ksize)
    best = idx = None
    for k, (_, where) in enumerate(taps(ksize, strides, ones, out)):
        v = xpad[where]
        if best is None:
            best, idx = v, xp.zeros(v.shape, np.int32)
            continue
        better = v > best
        best = xp.where(better, v, best)
        idx = xp.where(better, np.int32(k), idx)
    return idx


def _max_pool_grad_fwd(xp, x, g, ksize, strides, pads):
    """Scatter ``g`` (pooled shape) onto the argmax of each window; adds where windows overlap."""
    nd = len(ksize)
    out = g.shape[-nd - 1:-1]
    idx = _argmax_taps(xp, x, ksize, strides, pads, out)
    lead = np.broadcast_shapes(idx.shape, g.shape)[:-nd - 1]
    sizes = x.shape[-nd - 1:-1]
    res = padded_zeros(xp, lead, sizes, pads, x.shape[-1], g.dtype)
    zero = xp.zeros((), g.dtype)
    ones = (1,) * nd
    for k, (_, where) in enumerate(taps(ksize, strides, ones, out)):
        res[where] += xp.where(idx == k, g, zero)
    return crop(res, pads, sizes)


def _max_pool_grad_grad_fwd(xp, x, h, ksize, strides, pads):
    """Gather ``h`` (input shape) at the argmax of each window: the transpose of ``_max_pool_grad_fwd``."""
    nd = len(ksize)
    out = out_sizes(x.shape[-nd - 1:-1], pads, ksize, strides)
    idx = _argmax_taps(xp, x, ksize, strides, pads, out)
    hpad = pad(xp, h, pads)
    lead = np.broadcast_shapes(x.shape, h.shape)[:-nd - 1]
    res = xp.zeros(lead + out + (x.shape[-1],), h.dtype)
    zero = xp.zeros((), h.dtype)
    ones = (1,) * nd
    for k, (_, where) in enumerate(taps(ksize, strides, ones, out)):
        res += xp.where(idx == k, hpad[where], zero)
    return res


def _avg_pool_fwd(xp, x, ksize, strides, pads):
    if x.dtype.kind == "V":   # bfloat16: summed in float32 and rounded once, as TF's kernel
        return _avg_pool_fwd(xp, x.astype(np.float32), ksize, strides, pads).astype(x.dtype)
    nd = len(ksize)
    sizes = x.shape[-nd - 1:-1]
    out = out_sizes(sizes, pads, ksize, strides)
    view = windows(xp, pad(xp, x, pads), ksize, strides, (1,) * nd, out)
    counts = xp.asarray(window_counts(sizes, ksize, strides, pads, out).astype(x.dtype))
    return view.sum(axis=tuple(range(-nd - 1, -1))) / counts


def _avg_pool_grad_fwd(xp, g, input_hw, ksize, strides, pads):
    if g.dtype.kind == "V":   # bfloat16, as _avg_pool_fwd
        return _avg_pool_grad_fwd(xp, g.astype(np.float32), input_hw, ksize, strides, pads).astype(g.dtype)
    nd = len(ksize)
    out = g.shape[-nd - 1:-1]
    counts = xp.asarray(window_counts(input_hw, ksize, strides, pads, out).astype(g.dtype))
    share = g / counts
    res = padded_zeros(xp, g.shape[:-nd - 1], input_hw, pads, g.shape[-1], g.dtype)
    ones = (1,) * nd
    for _, where in taps(ksize, strides, ones, out):
        res[where] += share
    return crop(res, pads, input_hw)


# ---------------------------------------------------------------------------
# op records, one set per number of spatial dimensions


def _zeros_for(x, h, ans):
    """Zeros for ``x``'s cotangent, with ``h``'s leading (jacobian) dimensions."""
    from .create import zeros   # circular import with create
    return zeros(h.shape[:h.ndim - ans.ndim] + x.shape, dtype=x.dtype)


def _max_pool_grad(x, g, **pp):
    return apply(_OPS[len(pp["ksize"])]["max_grad"], (x, g), pp)


def _max_pool_grad_grad(x, h, **pp):
    return apply(_OPS[len(pp["ksize"])]["max_grad_grad"], (x, h), pp)


def _avg_pool(x, **pp):
    return apply(_OPS[len(pp["ksize"])]["avg"], (x,), pp)


def _avg_pool_grad(g, input_hw, **pp):
    return apply(_OPS[len(pp["ksize"])]["avg_grad"], (g,), dict(pp, input_hw=tuple(input_hw)))


def _linear_in_second(fn):
    """The forward rule of an op that is linear in its second input and locally constant in its first."""
    return lambda ts, ans, x, v, **pp: None if ts[1] is None else fn(x, ts[1], **pp)


def _define(nd):
    # The location of each maximum is locally constant in x, so the pooling gradients have
    # zero derivative with respect to x (as TF's MaxPoolGrad: zeros, not None), and are linear in
    # their second input.
    ops = {}
    ops["max"] = defop(
        f"max_pool{nd}d", _max_pool_fwd,
        vjp=lambda g, ans, x, **pp: (_max_pool_grad(x, g, **pp),),
        jvp=lambda ts, ans, x, **pp: _max_pool_grad_grad(x, ts[0], **pp),
        dtypes="numeric", domain="ties")
    ops["max_grad"] = defop(
        f"max_pool{nd}d_grad", _max_pool_grad_fwd,
        vjp=lambda h, ans, x, g, **pp: (_zeros_for(x, h, ans), _max_pool_grad_grad(x, h, **pp)),
        jvp=_linear_in_second(_max_pool_grad),
        broadcasts=True, dtypes="float", domain="ties")
    ops["max_grad_grad"] = defop(
        f"max_pool{nd}d_grad_grad", _max_pool_grad_grad_fwd,
        vjp=lambda h, ans, x, hh, **pp: (_zeros_for(x, h, ans), _max_pool_grad(x, h, **pp)),
        jvp=_linear_in_second(_max_pool_grad_grad),
        broadcasts=True, dtypes="float", domain="ties")
    # average pooling is linear: its gradient and the gradient's gradient are each other
    ops["avg"] = defop(
        f"avg_pool{nd}d", _avg_pool_fwd,
        vjp=lambda g, ans, x, **pp: (_avg_pool_grad(g, x.shape[-len(pp["ksize"]) - 1:-1], **pp),),
        jvp=lambda ts, ans, x, **pp: _avg_pool(ts[0], **pp),
        dtypes="float", domain="real")
    ops["avg_grad"] = defop(
        f"avg_pool{nd}d_grad", _avg_pool_grad_fwd,
        vjp=lambda h, ans, g, input_hw, **pp: (_avg_pool(h, **pp),),
        jvp=lambda ts, ans, g, input_hw, **pp: _avg_pool_grad(ts[0], input_hw, **pp),
        dtypes="float", domain="real")
    return ops


_OPS = {nd: _define(nd) for nd in (1, 2, 3)}


# ---------------------------------------------------------------------------
# public functions


# geometry by (opname, nd, dtype kinds, format, input shape, ksize, strides, padding): a
# layer pools with the same arguments at every step
_GEOMETRY: dict = {}


def _plain(value):
    """Whether an argument is an int, a string or a tuple of ints: the forms whose equality
    means the same geometry (lists are not hashable; 2.0 or True equal ints but are errors)."""
    t = type(value)
    return t is int or t is str or (t is tuple and all(type(v) is int for v in value))


def _pool_args(opname, nd, input, ksize, strides, padding, data_format, kinds):
    fmt = _data_format(data_format, opname, nd)
    x = convert_to_tensor(input)
    if x.dtype.kind not in kinds:   # the DType's: bfloat16's kind is "f" (its NumPy kind is "V")
        want = "floating" if kinds == "f" else "real (floating or integer)"
        raise TypeError(f"{opname}: input has dtype {x.dtype}, expected a {want} dtype")
    key = None
    if _plain(ksize) and _plain(strides) and _plain(padding):
        key = (opname, nd, kinds, fmt, x._data.shape, ksize, strides, padding)
        pp = _GEOMETRY.get(key)
        if pp is not None:
            return to_channels_last(x, fmt, nd), fmt, dict(pp)
    if x.ndim != nd + 2:
        raise ValueError(f"{opname}: input must have rank {nd + 2} ({fmt}), got shape {x.shape}")
    x = to_channels_last(x, fmt, nd)
    ks = spatial(ksize, "ksize", opname, fmt, nd)
    st = spatial(strides, "strides", opname, fmt, nd)
    sizes = x.shape[1:-1]
    # TF takes explicit paddings for max pooling over 1 or 2 dimensions only
    explicit = kinds != "f" and nd < 3
    pads = pads_of(padding, sizes, ks, st, (1,) * nd, fmt, opname, explicit=explicit)
    if any(max(p) > k for p, k in zip(pads, ks)):
        raise ValueError(f"{opname}: explicit paddings {padding!r} cannot be larger than the window {ks}")
    out = out_sizes(sizes, pads, ks, st)
    if min(out) < 1:
        raise ValueError(f"{opname}: the window {ks} is larger than the input's spatial size {sizes} "
                         f"with padding {padding!r}: the output would be empty")
    pp = {"ksize": ks, "strides": st, "pads": pads}
    if key is not None and len(_GEOMETRY) < 4096:
        _GEOMETRY[key] = pp
    return x, fmt, dict(pp)


def _max_pool(opname, nd, input, ksize, strides, padding, data_format):
    x, fmt, pp = _pool_args(opname, nd, input, ksize, strides, padding, data_format, "fiu")
    return from_channels_last(static_windowed(apply(_OPS[nd]["max"], (x,), pp), x, channels=True), fmt, nd)


def _avg_pool_public(opname, nd, input, ksize, strides, padding, data_format):
    x, fmt, pp = _pool_args(opname, nd, input, ksize, strides, padding, data_format, "f")
    return from_channels_last(static_windowed(_avg_pool(x, **pp), x, channels=True), fmt, nd)


def max_pool1d(input, ksize, strides, padding, data_format="NWC", name=None):
    """Max pooling over ``[N, W, C]`` (or NCW), TF's ``tf.nn.max_pool1d``; see :func:`max_pool2d`.

    >>> wb.nn.max_pool1d(wb.reshape(wb.range(6.0), (1, 6, 1)), 2, 2, "VALID")[0, :, 0].numpy()
    array([1., 3., 5.], dtype=float32)
    """
    return _max_pool("max_pool1d", 1, input, ksize, strides, padding, data_format)


def max_pool2d(input, ksize, strides, padding, data_format="NHWC", name=None):
    """Max pooling over ``[N, H, W, C]`` (or NCHW), TF's ``tf.nn.max_pool2d``.

    ``padding``: ``"SAME"``, ``"VALID"`` or explicit pairs (padding counts as minus infinity).
    The gradient of each window goes to its maximum; where several elements tie, it goes to
    the first in row-major order within the window (top-left first), as TF's CPU kernel does.

    >>> x = wb.reshape(wb.range(16.0), (1, 4, 4, 1))
    >>> wb.nn.max_pool2d(x, 2, 2, "VALID")[0, :, :, 0].numpy()
    array([[ 5.,  7.],
           [13., 15.]], dtype=float32)
    """
    return _max_pool("max_pool2d", 2, input, ksize, strides, padding, data_format)


def max_pool3d(input, ksize, strides, padding, data_format="NDHWC", name=None):
    """Max pooling over ``[N, D, H, W, C]`` (or NCDHW), TF's ``tf.nn.max_pool3d``;
    ``padding``: ``"SAME"`` or ``"VALID"``."""
    return _max_pool("max_pool3d", 3, input, ksize, strides, padding, data_format)


def avg_pool1d(input, ksize, strides, padding, data_format="NWC", name=None):
    """Average pooling over ``[N, W, C]`` (or NCW), TF's ``tf.nn.avg_pool1d``; see :func:`avg_pool2d`."""
    return _avg_pool_public("avg_pool1d", 1, input, ksize, strides, padding, data_format)


def avg_pool2d(input, ksize, strides, padding, data_format="NHWC", name=None):
    """Average pooling over ``[N, H, W, C]`` (or NCHW), TF's ``tf.nn.avg_pool2d``.

    With ``"SAME"`` padding each window averages over its real elements only (padding is not
    counted), as in TF.
    """
    return _avg_pool_public("avg_pool2d", 2, input, ksize, strides, padding, data_format)


def avg_pool3d(input, ksize, strides, padding, data_format="NDHWC", name=None):
    """Average pooling over ``[N, D, H, W, C]`` (or NCDHW), TF's ``tf.nn.avg_pool3d``."""
    return _avg_pool_public("avg_pool3d", 3, input, ksize, strides, padding, data_format)


def _rank_generic(opname, input, data_format):
    x = convert_to_tensor(input)
    nd = x.ndim - 2
    if nd not in (1, 2, 3):
        raise ValueError(f"{opname}: input must have rank 3, 4 or 5 (1, 2 or 3 spatial dimensions), "
                         f"got shape {x.shape}")
    return x, nd


def max_pool(input, ksize, strides, padding, data_format=None, name=None):
    """Max pooling over 1, 2 or 3 spatial dimensions (the input's rank minus 2), TF's ``tf.nn.max_pool``."""
    x, nd = _rank_generic("max_pool", input, data_format)
    return _max_pool("max_pool", nd, x, ksize, strides, padding, data_format)


def avg_pool(input, ksize, strides, padding, data_format=None, name=None):
    """Average pooling over 1, 2 or 3 spatial dimensions (the input's rank minus 2), TF's ``tf.nn.avg_pool``."""
    x, nd = _rank_generic("avg_pool", input, data_format)
    return _avg_pool_public("avg_pool", nd, x, ksize, strides, padding, data_format)


def pool(input, window_shape, pooling_type, strides=None, padding="VALID", data_format=None, dilations=None,
         name=None):
    """Max or average pooling over 1, 2 or 3 spatial dimensions (``len(window_shape)``), TF's
    ``tf.nn.pool``: ``pooling_type`` ``"MAX"`` or ``"AVG"``, ``strides`` default 1. Only
    ``dilations`` of 1 are supported (dilated pooling raises a ``ValueError``).

    >>> wb.nn.pool(wb.ones((1, 6, 2)), [2], "AVG", strides=[2]).shape
    TensorShape([1, 3, 2])
    """
    kind = str(pooling_type).upper()
    if kind not in ("MAX", "AVG"):
        raise ValueError(f"pool: pooling_type must be 'MAX' or 'AVG', got {pooling_type!r}")
    window = argcheck.integers(window_shape, "window_shape", "pool", "a list of 1, 2 or 3 ints")
    nd = len(window)
    if nd not in (1, 2, 3):
        raise ValueError(f"pool: window_shape must have 1, 2 or 3 entries, got {window_shape!r}")
    if dilations is not None and any(d != 1 for d in argcheck.integers(dilations, "dilations", "pool")):
        raise ValueError(f"pool: dilations other than 1 are not supported, got {dilations!r}")
    x = convert_to_tensor(input)
    if x.ndim != nd + 2:
        raise ValueError(f"pool: input must have rank {nd + 2} for a window of {nd} dims, got shape {x.shape}")
    strides = (1,) * nd if strides is None else strides
    if kind == "MAX":
        return _max_pool("pool", nd, x, window, strides, padding, data_format)
    return _avg_pool_public("pool", nd, x, window, strides, padding, data_format)


def max_pool_with_argmax(input, ksize, strides, padding, data_format="NHWC", output_dtype=np.int64,
                         include_batch_in_index=False, name=None):
    """:func:`max_pool2d` and where each maximum is (TF's ``tf.nn.max_pool_with_argmax``, NHWC):
    ``(output, argmax)`` with ``argmax`` the flat index ``(y * width + x) * channels + c`` of
    the first maximum of each window in row-major order (plus ``b * height * width *
    channels`` with ``include_batch_in_index``). The output is differentiable as
    ``max_pool2d``'s; the indices are not.

    >>> out, arg = wb.nn.max_pool_with_argmax(wb.reshape(wb.range(4.0), (1, 2, 2, 1)), 2, 2, "VALID")
    >>> float(out[0, 0, 0, 0]), int(arg[0, 0, 0, 0])
    (3.0, 3)
    """
    if data_format != "NHWC":
        raise ValueError(f"max_pool_with_argmax: only data_format='NHWC' is supported, got "
                         f"{data_format!r}")
    index_dtype = np_dtype(output_dtype)
    if index_dtype not in (np.int32, np.int64):
        raise TypeError(f"max_pool_with_argmax: output_dtype must be int32 or int64, got {output_dtype}")
    x, _, pp = _pool_args("max_pool_with_argmax", 2, input, ksize, strides, padding, data_format, "fiu")
    output = apply(_OPS[2]["max"], (x,), dict(pp))
    (kh, kw), (sh, sw), ((top, bottom), (left, right)) = pp["ksize"], pp["strides"], pp["pads"]
    data = np.asarray(x.numpy())
    b, h, w, c = data.shape
    low = -np.inf if data.dtype.kind == "f" else np.iinfo(data.dtype).min
    padded = np.pad(data.astype(np.float64), ((0, 0), (top, bottom), (left, right), (0, 0)),
                    constant_values=low)
    oh, ow = output.shape[1:3]
    rows = (np.arange(oh) * sh)[:, None] + np.arange(kh)[None, :]          # [oh, kh]
    cols = (np.arange(ow) * sw)[:, None] + np.arange(kw)[None, :]          # [ow, kw]
    win = padded[:, rows[:, None, :, None], cols[None, :, None, :], :]     # [b, oh, ow, kh, kw, c]
    best = win.reshape(b, oh, ow, kh * kw, c).argmax(axis=3)               # first maximum
    wy = best // kw + (np.arange(oh) * sh)[None, :, None, None] - top
    wx = best % kw + (np.arange(ow) * sw)[None, None, :, None] - left
    flat = (wy * w + wx) * c + np.arange(c)
    if include_batch_in_index:
        flat = flat + (np.arange(b) * h * w * c)[:, None, None, None]
    return MaxPoolWithArgmax(output, convert_to_tensor(flat.astype(index_dtype)))


# TF's result: a namedtuple (output, argmax)
MaxPoolWithArgmax = collections.namedtuple("MaxPoolWithArgmax", ["output", "argmax"])


__all__ = ["avg_pool", "avg_pool1d", "avg_pool2d", "avg_pool3d", "max_pool", "max_pool1d",
           "max_pool2d", "max_pool3d", "max_pool_with_argmax", "pool"]
