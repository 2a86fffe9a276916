"""Sliding windows over 1, 2 or 3 spatial dimensions, shared by convolution and pooling.

Arrays are channels-last inside the ops: ``[..., N, *spatial, C]`` (NWC, NHWC, NDHWC), with
``nd = len(strides)`` spatial dimensions. This module holds TF's argument forms (an int or a
list of 1, nd or nd + 2 ints; ``"SAME"``/``"VALID"``/explicit paddings; data formats) and the
array helpers on ``xp``: padding, a strided *view* of every window (no copy), the slice one
kernel tap reads over all output positions, and col2im (the view's transpose).
"""

from __future__ import annotations

import functools
import itertools
import operator

import numpy as np

from .. import core
from ..errors import argcheck
from .shape import transpose

# channels-last and channels-first layouts by number of spatial dimensions
FORMATS = {1: ("NWC", "NCW"), 2: ("NHWC", "NCHW"), 3: ("NDHWC", "NCDHW")}


def data_format(value, opname, nd):
    """TF's ``data_format`` string for ``nd`` spatial dims (None: channels last)."""
    last, first = FORMATS[nd]
    fmt = last if value is None else str(value)
    if fmt not in (last, first):
        raise ValueError(f"{opname}: data_format must be {last!r} or {first!r}, got {value!r}")
    return fmt


def channels_first(fmt):
    return fmt[1] == "C"


_EXPECTED = {1: "an int or a list of 1 or 3 ints", 2: "an int or a list of 1, 2 or 4 ints",
             3: "an int or a list of 1, 3 or 5 ints"}


def spatial(value, what, opname, fmt, nd, default=None):
    """``nd`` ints from an int or a list of 1, nd or nd + 2 ints (batch and channel entries 1)."""
    if value is None:
        value = default
    if type(value) is int and value >= 1:
        return (value,) * nd
    if type(value) is tuple and len(value) == nd and all(type(v) is int and v >= 1 for v in value):
        return value
    expected = _EXPECTED[nd]
    vals = argcheck.integers(value, what, opname, expected)
    if len(vals) == 1:
        out = vals * nd
    elif len(vals) == nd:
        out = vals
    elif len(vals) == nd + 2:
        idx = spatial_axes(fmt, nd)
        if any(vals[i] != 1 for i in range(nd + 2) if i not in idx):
            raise ValueError(f"{opname}: {what} {list(vals)} must be 1 in the batch and channel "
                             f"dimensions (data_format={fmt!r})")
        out = tuple(vals[i] for i in idx)
    else:
        raise ValueError(f"{opname}: {what} must be {expected}, got {value!r}")
    if any(v < 1 for v in out):
        raise ValueError(f"{opname}: {what} must be positive, got {value!r}")
    return tuple(out)


def spatial_axes(fmt, nd):
    """The positions of the spatial dims in a rank ``nd + 2`` shape of format ``fmt``."""
    return tuple(range(2, nd + 2)) if channels_first(fmt) else tuple(range(1, nd + 1))


def same_pads(size, k, s, d=1):
    """TF's SAME padding of one dimension: output ceil(size / s), the odd pixel at the end."""
    eff = (k - 1) * d + 1
    out = -(-size // s)
    total = max((out - 1) * s + eff - size, 0)
    return (total // 2, total - total // 2)


def pads_of(padding, sizes, ksize, strides, dilations, fmt, opname, explicit=True):
    """Explicit ``((before, after), ...)`` per spatial dim from TF's ``padding`` argument."""
    nd = len(sizes)
    if isinstance(padding, str):
        mode = padding.upper()
        if mode == "VALID":
            return ((0, 0),) * nd
        if mode == "SAME":
            return tuple([same_pads(n, k, s, d) for n, k, s, d in zip(sizes, ksize, strides, dilations)])
    if not explicit or isinstance(padding, str):
        want = "'SAME', 'VALID' or explicit paddings" if explicit else "'SAME' or 'VALID'"
        raise ValueError(f"{opname}: padding must be {want}, got {padding!r}")
    try:
        pads = [argcheck.integers(p, "padding", opname) for p in padding]
    except TypeError:
        raise ValueError(f"{opname}: padding must be 'SAME', 'VALID' or a list of {nd + 2} [before, after] "
                         f"pairs, got {padding!r}") from None
    idx = spatial_axes(fmt, nd)
    if len(pads) != nd + 2 or any(len(p) != 2 for p in pads):
        raise ValueError(f"{opname}: explicit padding must be {nd + 2} [before, after] pairs, got {padding!r}")
    if any(pads[i] != (0, 0) for i in range(nd + 2) if i not in idx):
        raise ValueError(f"{opname}: explicit padding of the batch and channel dimensions must be "
                         f"[0, 0], got {padding!r} (data_format={fmt!r})")
    out = tuple(pads[i] for i in idx)
    if any(v < 0 for p in out for v in p):
        raise ValueError(f"{opname}: explicit paddings must be non-negative, got {padding!r}")
    return out


def out_size(n, pad, k, s, d=1):
    return (n + pad[0] + pad[1] - (k - 1) * d - 1) // s + 1


def out_sizes(sizes, pads, ksize, strides, dilations=None):
    if dilations is None:
        return tuple([(n + p[0] + p[1] - k) // s + 1 for n, p, k, s in zip(sizes, pads, ksize, strides)])
    return tuple([(n + p[0] + p[1] - (k - 1) * d - 1) // s + 1
                  for n, p, k, s, d in zip(sizes, pads, ksize, strides, dilations)])


def static_windowed(out, x, channels):
    """``out``, a window op's channels-last result from the channels-last input ``x``, with TF's
    static shape in a trace: a size of ``x``'s that the trace leaves open leaves the size at its
    place open (batch and spatial sizes; the channels too where ``channels`` follow the input's,
    as in pooling, not the filters', as in a convolution)."""
    if not core.tracing():
        return out
    s = x._static_shape()
    traced = out._data.shape
    dims = [None] * out.ndim if s.rank is None else [None if d is None else t for d, t in zip(s.as_list(), traced)]
    if not channels:
        dims[-1] = out._data.shape[-1]
    return core.static_result(out, tuple(dims))


def to_channels_last(x, fmt, nd):
    if not channels_first(fmt):
        return x
    r = x.ndim
    return transpose(x, tuple(range(r - nd - 1)) + tuple(range(r - nd, r)) + (r - nd - 1,))


def from_channels_last(y, fmt, nd):
    if not channels_first(fmt):
        return y
    r = y.ndim
    return transpose(y, tuple(range(r - nd - 1)) + (r - 1,) + tuple(range(r - nd - 1, r - 1)))


# ---------------------------------------------------------------------------
# array helpers (on ``xp``)


def pad(xp, x, pads, value=0):
    if not any(map(any, pads)):
        return xp.ascontiguousarray(x)
    widths = [(0, 0)] * (x.ndim - len(pads) - 1) + list(pads) + [(0, 0)]
    return xp.pad(x, widths, constant_values=value)


def windows(xp, xpad, ksize, strides, dilations, out):
    """A strided view ``[..., N, *out, *ksize, C]`` of every window of a padded input (no copy)."""
    nd = len(ksize)
    st = xpad.strides
    sp = st[-nd - 1:-1]
    shape = xpad.shape[:-nd - 1] + out + ksize + xpad.shape[-1:]
    steps = st[:-nd - 1] + tuple(map(operator.mul, sp, strides)) + tuple(map(operator.mul, sp, dilations)) + st[-1:]
    return xp.lib.stride_tricks.as_strided(xpad, shape, steps)


@functools.lru_cache(maxsize=256)
def taps(ksize, strides, dilations, out):
    """Every kernel tap in row-major order, as ``(index, where)``: the tap's index in the kernel and
    the slice of the padded input it reads over all output positions (cached: a training loop
    asks for the same geometry at every step)."""
    per_dim = [[slice(i * d, i * d + s * (o - 1) + 1, s) for i in range(k)]
               for k, s, d, o in zip(ksize, strides, dilations, out)]
    where = [(Ellipsis,) + combo + (slice(None),) for combo in itertools.product(*per_dim)]
    return tuple(zip(itertools.product(*[range(k) for k in ksize]), where))


def crop(xpad, pads, sizes):
    return xpad[(Ellipsis,) + tuple(slice(p[0], p[0] + n) for p, n in zip(pads, sizes)) + (slice(None),)]


def padded_zeros(xp, lead, sizes, pads, channels, dtype):
    return xp.zeros(tuple(lead) + tuple(n + p[0] + p[1] for n, p in zip(sizes, pads)) + (channels,), dtype)


def col2im(xp, cols, sizes, ksize, strides, dilations, pads):
    """Add ``cols`` ``[..., N, *out, *ksize, C]`` back into ``[..., N, *sizes, C]`` (im2col's transpose)."""
    nd = len(ksize)
    out_ = cols.shape[-2 * nd - 1:-nd - 1]
    out = padded_zeros(xp, cols.shape[:-2 * nd - 1], sizes, pads, cols.shape[-1], cols.dtype)
    for t, where in taps(ksize, strides, dilations, out_):
        out[where] += cols[(Ellipsis,) + t + (slice(None),)]
    return crop(out, pads, sizes)


def window_counts(sizes, ksize, strides, pads, out):
    """``[*out, 1]`` counts of the real (unpadded) elements in each window, computed on the host."""
    counts = None
    for n, k, s, (p, _), o in zip(sizes, ksize, strides, pads, out):
        start = np.arange(o) * s - p
        c = np.minimum(start + k, n) - np.maximum(start, 0)
        counts = c if counts is None else np.multiply.outer(counts, c)
    return counts[..., None]
