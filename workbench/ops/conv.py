"""Convolutions over 1, 2 or 3 spatial dimensions: TF's ``wb.nn.conv1d``, ``conv2d``, ``conv3d``,
``convolution``, ``depthwise_conv2d``, ``separable_conv2d`` and the transposes
(``conv1d_transpose``, ``conv2d_transpose``, ``conv3d_transpose``, ``conv_transpose``).

Layout inside the ops is channels last (NWC, NHWC, NDHWC), filters ``[*ksize, in, out]``,
as in TF; channels-first formats are served by transposing around them (``windows.py``).
The convolution is im2col: a strided *view* of the padded input holding every window,
copied once into a ``[N * prod(out), prod(ksize) * C]`` matrix (one kernel tap at a time
when there is a single input channel, see ``_im2col``), then one matmul. The way
back (col2im) adds the columns into the input one kernel tap at a time: a Python loop
over the ``prod(ksize)`` taps, each a vectorized add over all positions.

Every op accepts extra *leading* dimensions on each of its arguments and
broadcasts them against each other (``broadcasts=True``). That is what makes
the rules batch-agnostic: a jacobian's cotangent ``[L, N, OH, OW, O]`` runs
through ``conv2d_backprop_filter`` as one batched matmul, and the second-order
rules, which feed such cotangents in as *inputs*, need nothing special.

As in TF, the gradients of a convolution are two primitives, ``conv<n>d_backprop_input``
and ``conv<n>d_backprop_filter``, whose own rules are written with the convolution and
each other, so every order of derivative exists. One set of three op records per number
of spatial dimensions shares one forward each (the dimension count is ``len(strides)``).
A depthwise convolution is the same three ops with ``depthwise=True`` (a multiply-add per
kernel tap instead of im2col): the rules, being the transposes of a bilinear map, are the same.
"""

from __future__ import annotations

import functools
import math
from typing import NamedTuple

import numpy as np

from .. import backend
from ..core import apply, convert_to_tensor, defop
from ._define import bilinear_jvp
from .rules import ARRAYS, TENSORS, tensor_vjp
from .pooling import (  # noqa: F401  (wb.nn's pooling ops are imported from here too)
    avg_pool, avg_pool1d, avg_pool2d, avg_pool3d, max_pool, max_pool1d, max_pool2d, max_pool3d, pool,
)
from .windows import (
    col2im, crop, data_format as _data_format, from_channels_last, out_sizes, pad, pads_of,
    padded_zeros, spatial, static_windowed, taps, to_channels_last,
)

# ---------------------------------------------------------------------------
# the convolution and its two gradient primitives (array level)


def _conv_fwd(xp, x, w, strides, dilations, pads, depthwise):
    if x.dtype.kind == "V":   # bfloat16: accumulated in float32 and rounded once, as TF's kernels
        return _conv_fwd(xp, x.astype(np.float32), w.astype(np.float32), strides, dilations, pads,
                         depthwise).astype(x.dtype)
    nd = len(strides)
    ksize, o = w.shape[-nd - 2:-2], w.shape[-1]
    if depthwise:
        out = out_sizes(x.shape[-nd - 1:-1], pads, ksize, strides, dilations)
        return _depthwise_fwd(xp, pad(xp, x, pads), w, strides, dilations, out)
    plan = _im2col_plan(x.shape, x.dtype.itemsize, ksize, strides, dilations, pads)
    y = xp.matmul(_im2col(xp, x, plan), w.reshape(w.shape[:-nd - 2] + (plan.cols[-1], o)))
    return y.reshape(y.shape[:-2] + plan.n_out + (o,))


class _Im2col(NamedTuple):
    """How ``_im2col`` copies an input of one shape: the geometry, computed once per shape."""

    n_out: tuple        # the output's batch and spatial sizes: (N, *out)
    padded: tuple       # the padded input's shape (None: no padding)
    interior: tuple     # the padded input's index holding the input
    cols: tuple         # the matrix's shape [..., N * prod(out), prod(ksize) * C]
    taps: tuple         # by tap: the input index of each kernel tap (None: through the view)
    by_tap: tuple       # by tap: the shape [..., N, *out, prod(ksize)] the taps are written to
    view: tuple         # through the view: the shape [..., N, *out, *ksize, C] of the windows
    steps: tuple        # through the view: its strides in bytes over the C-contiguous padded input


# one-channel inputs with at least this many output positions are copied tap by tap
TAP_BY_TAP_ROWS = 512


@functools.lru_cache(maxsize=512)
def _im2col_plan(shape, itemsize, ksize, strides, dilations, pads):
    nd = len(ksize)
    lead, sizes, c = shape[:-nd - 1], shape[-nd - 1:-1], shape[-1]
    out = out_sizes(sizes, pads, ksize, strides, dilations)
    padded = interior = None
    full = shape
    if any(map(any, pads)):
        full = padded = lead + tuple(n + a + b for n, (a, b) in zip(sizes, pads)) + (c,)
        interior = (Ellipsis,) + tuple(slice(a, a + n) for n, (a, _) in zip(sizes, pads)) + (slice(None),)
    k = math.prod(ksize)
    rows = shape[-nd - 2] * math.prod(out)
    cols = shape[:-nd - 2] + (rows, k * c)
    if c == 1 and k > 1 and rows >= TAP_BY_TAP_ROWS:
        where = tuple(wh[:-1] + (0,) for _, wh in taps(ksize, strides, dilations, out))
        return _Im2col(shape[-nd - 2:-nd - 1] + out, padded, interior, cols, where, lead + out + (k,), None, None)
    st = [itemsize]                     # the C-contiguous strides of the padded input
    for dim in reversed(full[1:]):
        st.insert(0, st[0] * dim)
    sp = st[-nd - 1:-1]
    steps = (tuple(st[:-nd - 1]) + tuple(a * b for a, b in zip(sp, strides))
             + tuple(a * b for a, b in zip(sp, dilations)) + (itemsize,))
    return _Im2col(shape[-nd - 2:-nd - 1] + out, padded, interior, cols, None, None, lead + out + ksize + (c,), steps)


def _im2col(xp, x, plan):
    """The ``[..., N * prod(out), prod(ksize) * C]`` matrix of every window of ``x``, a row per
    output position, its columns in the filter's ``(*ksize, C)`` order.

    Copied from the strided view of the windows, whose innermost contiguous run is a
    window row (``kw * C`` values); with one input channel that run is a few values long and
    the copy crawls, so there, for more than a few rows, each kernel tap is copied on its own
    instead (one strided copy per tap, a row of output positions at a time): the same
    matrix, 2-3x faster at W10's batch of 256.
    """
    if plan.padded is None:
        xpad = xp.ascontiguousarray(x)
    else:   # zeros around the input: a zeroed array and one copy (np.pad is several times slower)
        xpad = xp.zeros(plan.padded, x.dtype)
        xpad[plan.interior] = x
    if plan.taps is not None:
        cols = xp.empty(plan.by_tap, x.dtype)
        for k, where in enumerate(plan.taps):
            cols[..., k] = xpad[where]
        return cols.reshape(plan.cols)
    if xp is np:
        view = np.ndarray(plan.view, xpad.dtype, xpad, 0, plan.steps)
    else:
        view = xp.lib.stride_tricks.as_strided(xpad, plan.view, plan.steps)
    return view.reshape(plan.cols)   # one copy


# Depthwise convolution has only M multiply-adds per input value and tap: one vectorized
# multiply-add per kernel tap beats an im2col matmul with an inner dimension of prod(ksize).

def _filter_tap(w, t):
    """Filter tap ``[..., C, M]`` shaped to broadcast against ``[..., N, *out, C, M]``."""
    wt = w[(Ellipsis,) + t + (slice(None), slice(None))]
    return wt.reshape(wt.shape[:-2] + (1,) * (len(t) + 1) + wt.shape[-2:])


def _depthwise_fwd(xp, xpad, w, strides, dilations, out):
    nd = len(strides)
    c, m = w.shape[-2:]
    y = None
    for t, where in taps(w.shape[-nd - 2:-2], strides, dilations, out):
        part = xpad[where][..., None] * _filter_tap(w, t)
        y = part if y is None else y + part
    return y.reshape(y.shape[:-2] + (c * m,))


def _backprop_input_fwd(xp, w, dy, input_sizes, strides, dilations, pads, depthwise):
    if dy.dtype.kind == "V":   # bfloat16, as _conv_fwd
        return _backprop_input_fwd(xp, w.astype(np.float32), dy.astype(np.float32), input_sizes, strides,
                                   dilations, pads, depthwise).astype(dy.dtype)
    nd = len(strides)
    ksize, (c, o) = w.shape[-nd - 2:-2], w.shape[-2:]
    n, out = dy.shape[-nd - 2], dy.shape[-nd - 1:-1]
    sizes = input_sizes[1:1 + nd]
    if depthwise:
        dyc = dy.reshape(dy.shape[:-1] + (c, o))
        res = None
        for t, where in taps(ksize, strides, dilations, out):
            part = (dyc * _filter_tap(w, t)).sum(axis=-1)
            if res is None:
                res = padded_zeros(xp, part.shape[:-nd - 1], sizes, pads, c, part.dtype)
            res[where] += part
        return crop(res, pads, sizes)
    kk = math.prod(ksize) * c
    wm = xp.swapaxes(w.reshape(w.shape[:-nd - 2] + (kk, o)), -1, -2)
    cols = xp.matmul(dy.reshape(dy.shape[:-nd - 2] + (n * math.prod(out), o)), wm)
    cols = cols.reshape(cols.shape[:-2] + (n,) + out + ksize + (c,))
    return col2im(xp, cols, sizes, ksize, strides, dilations, pads)


def _backprop_filter_fwd(xp, x, dy, filter_sizes, strides, dilations, pads, depthwise):
    if x.dtype.kind == "V":   # bfloat16, as _conv_fwd
        return _backprop_filter_fwd(xp, x.astype(np.float32), dy.astype(np.float32), filter_sizes, strides,
                                    dilations, pads, depthwise).astype(x.dtype)
    nd = len(strides)
    ksize = filter_sizes[:nd]
    n, out, o = dy.shape[-nd - 2], dy.shape[-nd - 1:-1], dy.shape[-1]
    c = x.shape[-1]
    if depthwise:
        xpad = pad(xp, x, pads)
        dyc = dy.reshape(dy.shape[:-1] + (c, o // c))
        summed = tuple(range(-nd - 3, -2))   # the batch and output positions of [..., N, *out, C, M]
        parts = [(xpad[where][..., None] * dyc).sum(axis=summed)
                 for _, where in taps(ksize, strides, dilations, out)]
        dw = xp.stack(parts, axis=-3)
        return dw.reshape(dw.shape[:-3] + ksize + dw.shape[-2:])
    cols = _im2col(xp, x, _im2col_plan(x.shape, x.dtype.itemsize, ksize, strides, dilations, pads))
    dw = xp.matmul(xp.swapaxes(cols, -1, -2), dy.reshape(dy.shape[:-nd - 2] + (n * math.prod(out), o)))
    return dw.reshape(dw.shape[:-2] + ksize + (c, o))


# ---------------------------------------------------------------------------
# op records, one set per number of spatial dimensions


def _conv(x, w, **geo):
    return static_windowed(apply(_OPS[len(geo["strides"])][0], (x, w), geo), x, channels=False)


def _backprop_input(w, dy, input_sizes, **geo):
    return apply(_OPS[len(geo["strides"])][1], (w, dy), dict(geo, input_sizes=tuple(input_sizes)))


def _backprop_filter(x, dy, filter_sizes, **geo):
    return apply(_OPS[len(geo["strides"])][2], (x, dy), dict(geo, filter_sizes=tuple(filter_sizes)))


def _conv_rule(index, needs, g, ans, x, w, **geo):
    # only the gradients a walk needs: a network's first convolution reads data, whose input
    # gradient (the costliest of the two) nothing uses
    k = len(geo["strides"]) + 2
    if index is ARRAYS:
        xp = backend.xp_of(g)
        return (_backprop_input_fwd(xp, w, g, tuple(x.shape[-k:]), **geo) if needs[0] else None,
                _backprop_filter_fwd(xp, x, g, tuple(w.shape[-k:]), **geo) if needs[1] else None)
    if index is not TENSORS:
        return index.conv_backprop()   # an interpreter of elementwise code (fusion) declines here
    return (_backprop_input(w, g, x.shape[-k:], **geo) if needs[0] else None,
            _backprop_filter(x, g, w.shape[-k:], **geo) if needs[1] else None)


def _backprop_input_vjp(g, ans, w, dy, input_sizes, **geo):
    # g has the input's shape: it is the "input" of the filter gradient and of the forward conv
    k = len(geo["strides"]) + 2
    return (_backprop_filter(g, dy, w.shape[-k:], **geo), _conv(g, w, **geo))


def _backprop_filter_vjp(g, ans, x, dy, filter_sizes, **geo):
    # g has the filter's shape
    k = len(geo["strides"]) + 2
    return (_backprop_input(g, dy, x.shape[-k:], **geo), _conv(x, g, **geo))


def _define(nd):
    conv = defop(
        f"conv{nd}d", _conv_fwd, tensor_vjp(_conv_rule), rule=_conv_rule,
        jvp=lambda ts, ans, x, w, **geo: bilinear_jvp(lambda a, b: _conv(a, b, **geo), ts, x, w),
        broadcasts=True, dtypes="float", domain="conv")
    backprop_input = defop(
        f"conv{nd}d_backprop_input", _backprop_input_fwd, vjp=_backprop_input_vjp,
        jvp=lambda ts, ans, w, dy, input_sizes, **geo: bilinear_jvp(
            lambda a, b: _backprop_input(a, b, input_sizes, **geo), ts, w, dy),
        broadcasts=True, dtypes="float", domain="conv")
    backprop_filter = defop(
        f"conv{nd}d_backprop_filter", _backprop_filter_fwd, vjp=_backprop_filter_vjp,
        jvp=lambda ts, ans, x, dy, filter_sizes, **geo: bilinear_jvp(
            lambda a, b: _backprop_filter(a, b, filter_sizes, **geo), ts, x, dy),
        broadcasts=True, dtypes="float", domain="conv")
    return conv, backprop_input, backprop_filter


_OPS = {nd: _define(nd) for nd in (1, 2, 3)}


# ---------------------------------------------------------------------------
# argument handling


def _float_pair(a, b, names, opname):
    a = convert_to_tensor(a)
    b = convert_to_tensor(b, dtype_hint=a.dtype)
    da, db = a.dtype, b.dtype   # DTypes: bfloat16's kind is "f" (its NumPy kind is "V")
    if da.kind != "f" or db.kind != "f":
        t, nm = (a, names[0]) if da.kind != "f" else (b, names[1])
        raise TypeError(f"{opname}: {nm} has dtype {t.dtype}, expected a floating dtype")
    if da != db:
        raise TypeError(f"{opname}: {names[0]} has dtype {a.dtype} and {names[1]} has dtype {b.dtype}; "
                        "they must match (use wb.cast)")
    return a, b


def _plain(value):
    """Whether an argument is an int, a string, None or a tuple of ints: the forms whose
    equality means the same geometry (a cache key; lists are not hashable, and 1.0 or True
    equal 1 but are errors)."""
    t = type(value)
    return t is int or t is str or value is None or (t is tuple and all(type(v) is int for v in value))


# geometry by (opname, nd, filter name, format, input and filter shapes, strides, padding,
# dilations): a layer calls its convolution with the same arguments at every step
_GEOMETRY: dict = {}


def _conv_args(opname, nd, input, filters, strides, padding, data_format, dilations, fname="filters"):
    """Channels-last input, filters and the geometry (strides, dilations, explicit pads) of a
    convolution with ``nd`` spatial dimensions."""
    fmt = _data_format(data_format, opname, nd)
    x, w = _float_pair(input, filters, ("input", fname), opname)
    key = None
    if _plain(strides) and _plain(padding) and _plain(dilations):
        key = (opname, nd, fname, fmt, x._data.shape, w._data.shape, strides, padding, dilations)
        geo = _GEOMETRY.get(key)
        if geo is not None:
            return to_channels_last(x, fmt, nd), w, fmt, dict(geo)
    if x.ndim < nd + 2 or w.ndim != nd + 2:
        raise ValueError(f"{opname}: input must have rank >= {nd + 2} and {fname} rank {nd + 2}, got shapes "
                         f"input={x.shape} and {fname}={w.shape}")
    x = to_channels_last(x, fmt, nd)
    ksize, c = w.shape[:nd], w.shape[nd]
    if x.shape[-1] != c:
        raise ValueError(f"{opname}: input has {x.shape[-1]} channels but {fname} {w.shape} expect {c} "
                         f"(filters are [*spatial, in_channels, out_channels or multiplier])")
    st = spatial(strides, "strides", opname, fmt, nd)
    dl = spatial(dilations, "dilations", opname, fmt, nd, default=1)
    sizes = x.shape[-nd - 1:-1]
    pads = pads_of(padding, sizes, ksize, st, dl, fmt, opname)
    out = out_sizes(sizes, pads, ksize, st, dl)
    if min(out) < 1:
        raise ValueError(f"{opname}: the filter window {ksize} (dilations {dl}) is larger than the "
                         f"padded input {sizes} with padding {padding!r}: the output would be empty")
    geo = {"strides": st, "dilations": dl, "pads": pads}
    if key is not None and len(_GEOMETRY) < 4096:
        _GEOMETRY[key] = geo
    return x, w, fmt, dict(geo)


def _convolve(opname, nd, input, filters, strides, padding, data_format, dilations):
    x, w, fmt, geo = _conv_args(opname, nd, input, filters, strides, padding, data_format, dilations)
    return from_channels_last(_conv(x, w, depthwise=False, **geo), fmt, nd)


# ---------------------------------------------------------------------------
# public convolutions


def conv1d(input, filters, stride, padding, data_format="NWC", dilations=None, name=None):
    """1-D cross-correlation, TF's ``tf.nn.conv1d``.

    ``input``: ``[..., N, W, C]`` (``[..., N, C, W]`` for NCW), ``filters``: ``[KW, C, O]``;
    ``stride``/``dilations``: an int or a list of 1 or 3 ints; ``padding`` as in :func:`conv2d`.

    >>> wb.nn.conv1d(wb.ones((2, 7, 3)), wb.ones((3, 3, 4)), stride=2, padding="SAME").shape
    (2, 4, 4)
    """
    return _convolve("conv1d", 1, input, filters, stride, padding, data_format, dilations)


def conv2d(input, filters, strides, padding, data_format="NHWC", dilations=None, name=None):
    """2-D cross-correlation, TF's ``tf.nn.conv2d``.

    ``input``: ``[..., N, H, W, C]`` (NHWC; ``[..., N, C, H, W]`` for NCHW; extra
    leading dimensions are batch dimensions), ``filters``: ``[KH, KW, C, O]``.
    ``padding``: ``"SAME"`` (output ``ceil(H / stride)``), ``"VALID"``, or explicit
    ``[[0, 0], [top, bottom], [left, right], [0, 0]]`` (NHWC order).
    ``strides``/``dilations``: an int or a list of 1, 2 or 4 ints.

    >>> x = wb.ones((1, 5, 5, 3)); w = wb.ones((3, 3, 3, 8))
    >>> wb.nn.conv2d(x, w, strides=2, padding="SAME").shape
    (1, 3, 3, 8)
    """
    return _convolve("conv2d", 2, input, filters, strides, padding, data_format, dilations)


def conv3d(input, filters, strides, padding, data_format="NDHWC", dilations=None, name=None):
    """3-D cross-correlation, TF's ``tf.nn.conv3d``.

    ``input``: ``[..., N, D, H, W, C]`` (or NCDHW), ``filters``: ``[KD, KH, KW, C, O]``;
    ``strides``/``dilations``: an int or a list of 1, 3 or 5 ints.

    >>> wb.nn.conv3d(wb.ones((1, 4, 4, 4, 2)), wb.ones((2, 2, 2, 2, 5)), 2, "VALID").shape
    (1, 2, 2, 2, 5)
    """
    return _convolve("conv3d", 3, input, filters, strides, padding, data_format, dilations)


def convolution(input, filters, strides=None, padding="VALID", data_format=None, dilations=None, name=None):
    """A convolution with 1, 2 or 3 spatial dimensions (the filters' rank minus 2), TF's
    ``tf.nn.convolution``; ``strides`` default to 1.

    >>> wb.nn.convolution(wb.ones((1, 5, 2)), wb.ones((3, 2, 4))).shape
    (1, 3, 4)
    """
    w = convert_to_tensor(filters)
    nd = w.ndim - 2
    if nd not in (1, 2, 3):
        raise ValueError(f"convolution: filters must have rank 3, 4 or 5 (1, 2 or 3 spatial dimensions), "
                         f"got shape {w.shape}")
    return _convolve("convolution", nd, input, w, 1 if strides is None else strides, padding,
                     data_format, dilations)


def depthwise_conv2d(input, filter, strides, padding, data_format=None, dilations=None, name=None):
    """Each input channel convolved with its own ``M`` filters, TF's ``tf.nn.depthwise_conv2d``.

    ``input``: ``[N, H, W, C]`` (or NCHW), ``filter``: ``[KH, KW, C, M]``; the result has ``C * M``
    channels, channel ``c * M + m`` from input channel ``c`` and filter ``[:, :, c, m]``.
    ``strides``, ``padding``, ``dilations`` as in :func:`conv2d`.

    >>> wb.nn.depthwise_conv2d(wb.ones((1, 4, 4, 3)), wb.ones((2, 2, 3, 2)), 1, "VALID").shape
    (1, 3, 3, 6)
    """
    x, w, fmt, geo = _conv_args("depthwise_conv2d", 2, input, filter, strides, padding, data_format,
                                dilations, fname="filter")
    return from_channels_last(_conv(x, w, depthwise=True, **geo), fmt, 2)


def separable_conv2d(input, depthwise_filter, pointwise_filter, strides, padding, data_format=None,
                     dilations=None, name=None):
    """A depthwise convolution followed by a 1x1 convolution, TF's ``tf.nn.separable_conv2d``.

    ``depthwise_filter``: ``[KH, KW, C, M]``, ``pointwise_filter``: ``[1, 1, C * M, O]``; ``strides``,
    ``padding`` and ``dilations`` apply to the depthwise step.

    >>> wb.nn.separable_conv2d(wb.ones((1, 5, 5, 3)), wb.ones((3, 3, 3, 2)), wb.ones((1, 1, 6, 4)),
    ...                        strides=1, padding="SAME").shape
    (1, 5, 5, 4)
    """
    pw = convert_to_tensor(pointwise_filter)
    dw = convert_to_tensor(depthwise_filter)
    if pw.ndim != 4 or pw.shape[:2] != (1, 1):
        raise ValueError(f"separable_conv2d: pointwise_filter must have shape [1, 1, in_channels * "
                         f"channel_multiplier, out_channels], got {pw.shape}")
    if dw.ndim == 4 and pw.shape[2] != dw.shape[2] * dw.shape[3]:
        raise ValueError(f"separable_conv2d: pointwise_filter {pw.shape} must have "
                         f"{dw.shape[2] * dw.shape[3]} input channels (depthwise_filter {dw.shape})")
    x, w, fmt, geo = _conv_args("separable_conv2d", 2, input, dw, strides, padding, data_format,
                                dilations, fname="depthwise_filter")
    y = _conv(x, w, depthwise=True, **geo)
    _, pw = _float_pair(y, pw, ("input", "pointwise_filter"), "separable_conv2d")
    y = _conv(y, pw, depthwise=False, strides=(1, 1), dilations=(1, 1), pads=((0, 0), (0, 0)))
    return from_channels_last(y, fmt, 2)


# ---------------------------------------------------------------------------
# transposed convolutions


def _conv_transpose(opname, nd, input, filters, output_shape, strides, padding, data_format, dilations):
    fmt = _data_format(data_format, opname, nd)
    dy, w = _float_pair(input, filters, ("input", "filters"), opname)
    if dy.ndim != nd + 2 or w.ndim != nd + 2:
        raise ValueError(f"{opname}: input and filters must have rank {nd + 2}, got shapes "
                         f"input={dy.shape} and filters={w.shape}")
    out_shape = tuple(int(s) for s in (output_shape.numpy() if hasattr(output_shape, "numpy")
                                       else output_shape))
    if len(out_shape) != nd + 2:
        raise ValueError(f"{opname}: output_shape must have {nd + 2} entries, got {output_shape!r}")
    dy = to_channels_last(dy, fmt, nd)
    sizes = out_shape if fmt[-1] == "C" else (out_shape[0],) + out_shape[2:] + (out_shape[1],)
    ksize, c, o = w.shape[:nd], w.shape[nd], w.shape[nd + 1]
    if dy.shape[-1] != o or sizes[-1] != c or sizes[0] != dy.shape[0]:
        raise ValueError(f"{opname}: input {dy.shape} (channels last), filters {w.shape} and output_shape "
                         f"{out_shape} disagree: filters are [*spatial, output_channels, in_channels]")
    st = spatial(strides, "strides", opname, fmt, nd)
    dl = spatial(dilations, "dilations", opname, fmt, nd, default=1)
    pads = pads_of(padding, sizes[1:-1], ksize, st, dl, fmt, opname)
    expect = out_sizes(sizes[1:-1], pads, ksize, st, dl)
    if expect != dy.shape[1:-1]:
        raise ValueError(f"{opname}: output_shape {out_shape} does not fit: a convolution of that shape "
                         f"gives spatial size {expect}, but input has {dy.shape[1:-1]}")
    out = _backprop_input(w, dy, sizes, strides=st, dilations=dl, pads=pads, depthwise=False)
    return from_channels_last(out, fmt, nd)


def conv1d_transpose(input, filters, output_shape, strides, padding="SAME", data_format="NWC",
                     dilations=None, name=None):
    """The transpose of ``conv1d`` (its gradient with respect to its input), TF's
    ``tf.nn.conv1d_transpose``: ``input`` ``[N, W, in_channels]``, ``filters``
    ``[KW, out_channels, in_channels]``, ``output_shape`` ``[N, OW, out_channels]``.

    >>> wb.nn.conv1d_transpose(wb.ones((1, 3, 4)), wb.ones((3, 2, 4)), [1, 6, 2], strides=2).shape
    (1, 6, 2)
    """
    return _conv_transpose("conv1d_transpose", 1, input, filters, output_shape, strides, padding,
                           data_format, dilations)


def conv2d_transpose(input, filters, output_shape, strides, padding="SAME", data_format="NHWC",
                     dilations=None, name=None):
    """The transpose of ``conv2d`` (the gradient of ``conv2d`` with respect to its input), TF's
    ``tf.nn.conv2d_transpose``.

    ``input``: ``[N, H, W, in_channels]``, ``filters``: ``[KH, KW, out_channels, in_channels]``,
    ``output_shape``: the 4 dims of the result ``[N, OH, OW, out_channels]`` (in ``data_format``
    order), such that ``conv2d`` of a tensor of that shape with the same ``strides``,
    ``padding`` and ``dilations`` has ``input``'s shape.

    >>> y = wb.nn.conv2d_transpose(wb.ones((1, 3, 3, 8)), wb.ones((3, 3, 4, 8)),
    ...                            output_shape=[1, 6, 6, 4], strides=2)
    >>> y.shape
    (1, 6, 6, 4)
    """
    return _conv_transpose("conv2d_transpose", 2, input, filters, output_shape, strides, padding,
                           data_format, dilations)


def conv3d_transpose(input, filters, output_shape, strides, padding="SAME", data_format="NDHWC",
                     dilations=None, name=None):
    """The transpose of ``conv3d``, TF's ``tf.nn.conv3d_transpose``: ``input``
    ``[N, D, H, W, in_channels]``, ``filters`` ``[KD, KH, KW, out_channels, in_channels]``,
    ``output_shape`` the 5 dims of the result."""
    return _conv_transpose("conv3d_transpose", 3, input, filters, output_shape, strides, padding,
                           data_format, dilations)


def conv_transpose(input, filters, output_shape, strides, padding="SAME", data_format=None,
                   dilations=None, name=None):
    """The transpose of :func:`convolution` with 1, 2 or 3 spatial dimensions (the rank of
    ``output_shape`` minus 2), TF's ``tf.nn.conv_transpose``."""
    n = len(output_shape.numpy() if hasattr(output_shape, "numpy") else output_shape)
    if n not in (3, 4, 5):
        raise ValueError(f"conv_transpose: output_shape must have 3, 4 or 5 entries, got {output_shape!r}")
    return _conv_transpose("conv_transpose", n - 2, input, filters, output_shape, strides, padding,
                           data_format, dilations)


__all__ = [
    "avg_pool",
    "avg_pool1d",
    "avg_pool2d",
    "avg_pool3d",
    "conv1d",
    "conv1d_transpose",
    "conv2d",
    "conv2d_transpose",
    "conv3d",
    "conv3d_transpose",
    "conv_transpose",
    "convolution",
    "depthwise_conv2d",
    "max_pool",
    "max_pool1d",
    "max_pool2d",
    "max_pool3d",
    "pool",
    "separable_conv2d",
]
