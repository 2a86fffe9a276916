"""2-D convolution and pooling (``wb.nn.conv2d``, ``depthwise_conv2d``, ``max_pool2d``, ``avg_pool2d``).

Layout inside the ops is NHWC, filters HWIO, as in TF; ``data_format="NCHW"``
is served by transposing around them. The convolution is im2col: a strided
*view* of the padded input holding every window, copied once into a
``[N*OH*OW, KH*KW*C]`` matrix, then one matmul. The way back (col2im) adds
the columns into the input one kernel tap at a time: a Python loop over the
``KH*KW`` taps, each a vectorized add over all pixels.

Every op accepts extra *leading* dimensions on each of its arguments and
broadcasts them against each other (``broadcasts=True``). That is what makes
the rules batch-agnostic: a jacobian's cotangent ``[L, N, OH, OW, O]`` runs
through ``conv2d_backprop_filter`` as one batched matmul, and the second-order
rules, which feed such cotangents in as *inputs*, need nothing special.

As in TF, the gradients of ``conv2d`` are two primitives,
``conv2d_backprop_input`` and ``conv2d_backprop_filter``, whose own rules are
written with ``conv2d`` and each other, so every order of derivative exists.
A depthwise convolution is the same three ops with ``depthwise=True`` (a
multiply-add per kernel tap instead of im2col): the rules, being the
transposes of a bilinear map, are the same.
Pooling's gradients are primitives too (``max_pool2d_grad`` and
``max_pool2d_grad_grad``, ``avg_pool2d_grad``).
"""

from __future__ import annotations

import numpy as np

from ..errors import argcheck
from ..core import apply, convert_to_tensor, defop
from ._define import bilinear_jvp
from .shape import transpose

# ---------------------------------------------------------------------------
# argument handling (TF's forms: int, or lists of length 1, 2 or 4)


def _spatial_pair(value, what, opname, data_format, default=None):
    """``(h, w)`` from an int or a list of 1, 2 or 4 ints (batch and channel entries must be 1)."""
    if value is None:
        value = default
    vals = argcheck.integers(value, what, opname, "an int or a list of 1, 2 or 4 ints")
    if len(vals) == 1:
        pair = vals * 2
    elif len(vals) == 2:
        pair = vals
    elif len(vals) == 4:
        hw = (1, 2) if data_format == "NHWC" else (2, 3)
        others = [vals[i] for i in range(4) if i not in hw]
        if any(v != 1 for v in others):
            raise ValueError(f"{opname}: {what} {list(vals)} must be 1 in the batch and channel "
                             f"dimensions (data_format={data_format!r})")
        pair = (vals[hw[0]], vals[hw[1]])
    else:
        raise ValueError(f"{opname}: {what} must be an int or a list of 1, 2 or 4 ints, got {value!r}")
    if any(v < 1 for v in pair):
        raise ValueError(f"{opname}: {what} must be positive, got {value!r}")
    return pair


def _data_format(data_format, opname):
    fmt = "NHWC" if data_format is None else str(data_format)
    if fmt not in ("NHWC", "NCHW"):
        raise ValueError(f"{opname}: data_format must be 'NHWC' or 'NCHW', got {data_format!r}")
    return fmt


def _same_pads(size, k, s, d=1):
    """TF's SAME padding of one dimension: output ceil(size / s), the odd pixel at the end."""
    eff = (k - 1) * d + 1
    out = -(-size // s)
    total = max((out - 1) * s + eff - size, 0)
    return (total // 2, total - total // 2)


def _pads(padding, hw, ksize, strides, dilations, data_format, opname):
    """Explicit ``((top, bottom), (left, right))`` from TF's ``padding`` argument."""
    if isinstance(padding, str):
        mode = padding.upper()
        if mode == "VALID":
            return ((0, 0), (0, 0))
        if mode == "SAME":
            return tuple(_same_pads(n, k, s, d) for n, k, s, d in zip(hw, ksize, strides, dilations))
        raise ValueError(f"{opname}: padding must be 'SAME', 'VALID' or explicit paddings, got {padding!r}")
    try:
        pads = [argcheck.integers(p, "padding", opname) for p in padding]
    except TypeError:
        raise ValueError(f"{opname}: padding must be 'SAME', 'VALID' or a list of 4 [before, after] pairs, "
                         f"got {padding!r}") from None
    hw_idx = (1, 2) if data_format == "NHWC" else (2, 3)
    if len(pads) != 4 or any(len(p) != 2 for p in pads):
        raise ValueError(f"{opname}: explicit padding must be 4 [before, after] pairs, got {padding!r}")
    if any(pads[i] != (0, 0) for i in range(4) if i not in hw_idx):
        raise ValueError(f"{opname}: explicit padding of the batch and channel dimensions must be "
                         f"[0, 0], got {padding!r} (data_format={data_format!r})")
    out = (pads[hw_idx[0]], pads[hw_idx[1]])
    if any(v < 0 for p in out for v in p):
        raise ValueError(f"{opname}: explicit paddings must be non-negative, got {padding!r}")
    return out


def _out_size(n, pad, k, s, d=1):
    return (n + pad[0] + pad[1] - (k - 1) * d - 1) // s + 1


def _to_nhwc(x, data_format):
    if data_format == "NHWC":
        return x
    nd = x.ndim
    return transpose(x, tuple(range(nd - 3)) + (nd - 2, nd - 1, nd - 3))


def _from_nhwc(y, data_format):
    if data_format == "NHWC":
        return y
    nd = y.ndim
    return transpose(y, tuple(range(nd - 3)) + (nd - 1, nd - 3, nd - 2))


# ---------------------------------------------------------------------------
# array helpers (on ``xp``): padding, window views, col2im


def _pad(xp, x, pads, value=0):
    (pt, pb), (pl, pr) = pads
    if not (pt or pb or pl or pr):
        return xp.ascontiguousarray(x)
    widths = [(0, 0)] * (x.ndim - 3) + [(pt, pb), (pl, pr), (0, 0)]
    return xp.pad(x, widths, constant_values=value)


def _windows(xp, xpad, ksize, strides, dilations, out_hw):
    """A strided view ``[..., N, OH, OW, KH, KW, C]`` of every window of a padded input (no copy)."""
    (kh, kw), (sh, sw), (dh, dw), (oh, ow) = ksize, strides, dilations, out_hw
    st = xpad.strides
    shape = xpad.shape[:-3] + (oh, ow, kh, kw, xpad.shape[-1])
    strides_ = st[:-3] + (st[-3] * sh, st[-2] * sw, st[-3] * dh, st[-2] * dw, st[-1])
    return xp.lib.stride_tricks.as_strided(xpad, shape, strides_)


def _tap(i, j, strides, dilations, out_hw):
    """The slice of the padded input that kernel tap ``(i, j)`` reads, over all output pixels."""
    (sh, sw), (dh, dw), (oh, ow) = strides, dilations, out_hw
    return (Ellipsis, slice(i * dh, i * dh + sh * (oh - 1) + 1, sh),
            slice(j * dw, j * dw + sw * (ow - 1) + 1, sw), slice(None))


def _crop(xpad, pads, hw):
    (pt, _), (pl, _) = pads
    return xpad[..., pt:pt + hw[0], pl:pl + hw[1], :]


def _col2im(xp, cols, hw, ksize, strides, dilations, pads):
    """Add ``cols`` ``[..., N, OH, OW, KH, KW, C]`` back into ``[..., N, H, W, C]`` (im2col's transpose)."""
    kh, kw = ksize
    oh, ow = cols.shape[-5], cols.shape[-4]
    hp = hw[0] + pads[0][0] + pads[0][1]
    wp = hw[1] + pads[1][0] + pads[1][1]
    out = xp.zeros(cols.shape[:-5] + (hp, wp, cols.shape[-1]), cols.dtype)
    for i in range(kh):
        for j in range(kw):
            out[_tap(i, j, strides, dilations, (oh, ow))] += cols[..., i, j, :]
    return _crop(out, pads, hw)


# ---------------------------------------------------------------------------
# conv2d and its two gradient primitives


def _conv_fwd(xp, x, w, strides, dilations, pads, depthwise):
    kh, kw, c, o = w.shape[-4:]
    n, h, wd = x.shape[-4:-1]
    out_hw = tuple(_out_size(s, p, k, st, d) for s, p, k, st, d in
                   zip((h, wd), pads, (kh, kw), strides, dilations))
    xpad = _pad(xp, x, pads)
    if depthwise:
        return _depthwise_fwd(xp, xpad, w, strides, dilations, out_hw)
    view = _windows(xp, xpad, (kh, kw), strides, dilations, out_hw)
    cols = view.reshape(x.shape[:-4] + (n * out_hw[0] * out_hw[1], kh * kw * c))  # im2col: one copy
    y = xp.matmul(cols, w.reshape(w.shape[:-4] + (kh * kw * c, o)))
    return y.reshape(y.shape[:-2] + (n,) + out_hw + (o,))


# Depthwise convolution has only M multiply-adds per input value and tap: one vectorized
# multiply-add per kernel tap beats an im2col matmul with an inner dimension of KH*KW.

def _filter_tap(w, i, j):
    """Filter tap ``[..., C, M]`` shaped to broadcast against ``[..., N, OH, OW, C, M]``."""
    wt = w[..., i, j, :, :]
    return wt.reshape(wt.shape[:-2] + (1, 1, 1) + wt.shape[-2:])


def _depthwise_fwd(xp, xpad, w, strides, dilations, out_hw):
    kh, kw, c, m = w.shape[-4:]
    y = None
    for i in range(kh):
        for j in range(kw):
            part = xpad[_tap(i, j, strides, dilations, out_hw)][..., None] * _filter_tap(w, i, j)
            y = part if y is None else y + part
    return y.reshape(y.shape[:-2] + (c * m,))


def _backprop_input_fwd(xp, w, dy, input_sizes, strides, dilations, pads, depthwise):
    kh, kw, c, o = w.shape[-4:]
    n, oh, ow = dy.shape[-4:-1]
    if depthwise:
        dyc = dy.reshape(dy.shape[:-1] + (c, o))
        hp, wp = (input_sizes[1] + sum(pads[0]), input_sizes[2] + sum(pads[1]))
        out = None
        for i in range(kh):
            for j in range(kw):
                part = (dyc * _filter_tap(w, i, j)).sum(axis=-1)
                if out is None:
                    out = xp.zeros(part.shape[:-3] + (hp, wp, c), part.dtype)
                out[_tap(i, j, strides, dilations, (oh, ow))] += part
        return _crop(out, pads, input_sizes[1:3])
    wm = xp.swapaxes(w.reshape(w.shape[:-4] + (kh * kw * c, o)), -1, -2)
    cols = xp.matmul(dy.reshape(dy.shape[:-4] + (n * oh * ow, o)), wm)
    cols = cols.reshape(cols.shape[:-2] + (n, oh, ow, kh, kw, c))
    return _col2im(xp, cols, input_sizes[1:3], (kh, kw), strides, dilations, pads)


def _backprop_filter_fwd(xp, x, dy, filter_sizes, strides, dilations, pads, depthwise):
    kh, kw = filter_sizes[:2]
    n, oh, ow, o = dy.shape[-4:]
    c = x.shape[-1]
    xpad = _pad(xp, x, pads)
    if depthwise:
        dyc = dy.reshape(dy.shape[:-1] + (c, o // c))
        taps = [(xpad[_tap(i, j, strides, dilations, (oh, ow))][..., None] * dyc).sum(axis=(-5, -4, -3))
                for i in range(kh) for j in range(kw)]
        dw = xp.stack(taps, axis=-3)
        return dw.reshape(dw.shape[:-3] + (kh, kw) + dw.shape[-2:])
    view = _windows(xp, xpad, (kh, kw), strides, dilations, (oh, ow))
    cols = view.reshape(x.shape[:-4] + (n * oh * ow, kh * kw * c))
    dw = xp.matmul(xp.swapaxes(cols, -1, -2), dy.reshape(dy.shape[:-4] + (n * oh * ow, o)))
    return dw.reshape(dw.shape[:-2] + (kh, kw, c, o))


def _conv(x, w, **geo):
    return apply(_conv_op, (x, w), geo)


def _backprop_input(w, dy, input_sizes, **geo):
    return apply(_backprop_input_op, (w, dy), dict(geo, input_sizes=tuple(input_sizes)))


def _backprop_filter(x, dy, filter_sizes, **geo):
    return apply(_backprop_filter_op, (x, dy), dict(geo, filter_sizes=tuple(filter_sizes)))


def _conv_vjp(g, ans, x, w, **geo):
    return (_backprop_input(w, g, x.shape[-4:], **geo), _backprop_filter(x, g, w.shape[-4:], **geo))


def _backprop_input_vjp(g, ans, w, dy, input_sizes, **geo):
    # g has the input's shape: it is the "input" of the filter gradient and of the forward conv
    return (_backprop_filter(g, dy, w.shape[-4:], **geo), _conv(g, w, **geo))


def _backprop_filter_vjp(g, ans, x, dy, filter_sizes, **geo):
    # g has the filter's shape
    return (_backprop_input(g, dy, x.shape[-4:], **geo), _conv(x, g, **geo))


_conv_op = defop(
    "conv2d", _conv_fwd, vjp=_conv_vjp,
    jvp=lambda ts, ans, x, w, **geo: bilinear_jvp(lambda a, b: _conv(a, b, **geo), ts, x, w),
    broadcasts=True, dtypes="float", domain="conv")

_backprop_input_op = defop(
    "conv2d_backprop_input", _backprop_input_fwd, vjp=_backprop_input_vjp,
    jvp=lambda ts, ans, w, dy, input_sizes, **geo: bilinear_jvp(
        lambda a, b: _backprop_input(a, b, input_sizes, **geo), ts, w, dy),
    broadcasts=True, dtypes="float", domain="conv")

_backprop_filter_op = defop(
    "conv2d_backprop_filter", _backprop_filter_fwd, vjp=_backprop_filter_vjp,
    jvp=lambda ts, ans, x, dy, filter_sizes, **geo: bilinear_jvp(
        lambda a, b: _backprop_filter(a, b, filter_sizes, **geo), ts, x, dy),
    broadcasts=True, dtypes="float", domain="conv")


def _float_pair(a, b, names, opname):
    a = convert_to_tensor(a)
    b = convert_to_tensor(b, dtype_hint=a.dtype)
    for t, nm in zip((a, b), names):
        if t.dtype.kind != "f":
            raise TypeError(f"{opname}: {nm} has dtype {t.dtype}, expected a floating dtype")
    if a.dtype != b.dtype:
        raise TypeError(f"{opname}: {names[0]} has dtype {a.dtype} and {names[1]} has dtype {b.dtype}; "
                        "they must match (use wb.cast)")
    return a, b


def _conv_args(opname, input, filters, strides, padding, data_format, dilations, fname="filters"):
    """NHWC input, filters and the geometry (strides, dilations, explicit pads) of a convolution."""
    fmt = _data_format(data_format, opname)
    x, w = _float_pair(input, filters, ("input", fname), opname)
    if x.ndim < 4 or w.ndim != 4:
        raise ValueError(f"{opname}: input must have rank >= 4 and {fname} rank 4, got shapes "
                         f"input={x.shape} and {fname}={w.shape}")
    x = _to_nhwc(x, fmt)
    kh, kw, c, _ = w.shape
    if x.shape[-1] != c:
        raise ValueError(f"{opname}: input has {x.shape[-1]} channels but {fname} {w.shape} expect {c} "
                         "(filters are [height, width, in_channels, out_channels or multiplier])")
    st = _spatial_pair(strides, "strides", opname, fmt)
    dl = _spatial_pair(dilations, "dilations", opname, fmt, default=1)
    hw = x.shape[-3:-1]
    pads = _pads(padding, hw, (kh, kw), st, dl, fmt, opname)
    out_hw = [_out_size(n, p, k, s, d) for n, p, k, s, d in zip(hw, pads, (kh, kw), st, dl)]
    if min(out_hw) < 1:
        raise ValueError(f"{opname}: the filter window ({kh}x{kw}, dilations {dl}) is larger than the "
                         f"padded input {hw} with padding {padding!r}: the output would be empty")
    return x, w, fmt, {"strides": st, "dilations": dl, "pads": pads}


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
    x, w, fmt, geo = _conv_args("conv2d", input, filters, strides, padding, data_format, dilations)
    return _from_nhwc(_conv(x, w, depthwise=False, **geo), fmt)


def depthwise_conv2d(input, filter, strides, padding, data_format=None, dilations=None, name=None):
    """Each input channel convolved with its own ``M`` filters, TF's ``tf.nn.depthwise_conv2d``.

    ``input``: ``[N, H, W, C]`` (or NCHW), ``filter``: ``[KH, KW, C, M]``; the result has ``C * M``
    channels, channel ``c * M + m`` from input channel ``c`` and filter ``[:, :, c, m]``.
    ``strides``, ``padding``, ``dilations`` as in :func:`conv2d`.

    >>> wb.nn.depthwise_conv2d(wb.ones((1, 4, 4, 3)), wb.ones((2, 2, 3, 2)), 1, "VALID").shape
    (1, 3, 3, 6)
    """
    x, w, fmt, geo = _conv_args("depthwise_conv2d", input, filter, strides, padding, data_format, dilations,
                                fname="filter")
    return _from_nhwc(_conv(x, w, depthwise=True, **geo), fmt)


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
    fmt = _data_format(data_format, "conv2d_transpose")
    dy, w = _float_pair(input, filters, ("input", "filters"), "conv2d_transpose")
    if dy.ndim != 4 or w.ndim != 4:
        raise ValueError(f"conv2d_transpose: input and filters must have rank 4, got shapes "
                         f"input={dy.shape} and filters={w.shape}")
    out_shape = tuple(int(s) for s in (output_shape.numpy() if hasattr(output_shape, "numpy")
                                       else output_shape))
    if len(out_shape) != 4:
        raise ValueError(f"conv2d_transpose: output_shape must have 4 entries, got {output_shape!r}")
    dy = _to_nhwc(dy, fmt)
    sizes = out_shape if fmt == "NHWC" else (out_shape[0], out_shape[2], out_shape[3], out_shape[1])
    kh, kw, c, o = w.shape
    if dy.shape[-1] != o or sizes[-1] != c or sizes[0] != dy.shape[0]:
        raise ValueError(f"conv2d_transpose: input {dy.shape} (NHWC), filters {w.shape} and output_shape "
                         f"{out_shape} disagree: filters are [height, width, output_channels, "
                         "in_channels]")
    st = _spatial_pair(strides, "strides", "conv2d_transpose", fmt)
    dl = _spatial_pair(dilations, "dilations", "conv2d_transpose", fmt, default=1)
    pads = _pads(padding, sizes[1:3], (kh, kw), st, dl, fmt, "conv2d_transpose")
    expect = tuple(_out_size(n, p, k, s, d) for n, p, k, s, d in zip(sizes[1:3], pads, (kh, kw), st, dl))
    if expect != dy.shape[1:3]:
        raise ValueError(f"conv2d_transpose: output_shape {out_shape} does not fit: conv2d of that shape "
                         f"gives spatial size {expect}, but input has {dy.shape[1:3]}")
    out = _backprop_input(w, dy, sizes, strides=st, dilations=dl, pads=pads, depthwise=False)
    return _from_nhwc(out, fmt)


# ---------------------------------------------------------------------------
# pooling


def _lowest(dtype):
    return -np.inf if dtype.kind == "f" else np.iinfo(dtype).min


def _max_pool_fwd(xp, x, ksize, strides, pads):
    out_hw = tuple(_out_size(n, p, k, s) for n, p, k, s in zip(x.shape[-3:-1], pads, ksize, strides))
    view = _windows(xp, _pad(xp, x, pads, _lowest(x.dtype)), ksize, strides, (1, 1), out_hw)
    return view.max(axis=(-3, -2))


def _argmax_taps(xp, x, ksize, strides, pads, out_hw):
    """For each window, the tap index ``i * KW + j`` of its maximum.

    Ties go to the first maximum in row-major order within the window (top-left first),
    as TF's CPU kernel does: a later tap wins only when strictly greater.
    """
    xpad = _pad(xp, x, pads, _lowest(x.dtype))
    best = idx = None
    for t in range(ksize[0] * ksize[1]):
        v = xpad[_tap(t // ksize[1], t % ksize[1], strides, (1, 1), out_hw)]
        if best is None:
            best, idx = v, xp.zeros(v.shape, np.int32)
            continue
        better = v > best
        best = xp.where(better, v, best)
        idx = xp.where(better, np.int32(t), idx)
    return idx


def _max_pool_grad_fwd(xp, x, g, ksize, strides, pads):
    """Scatter ``g`` (pooled shape) onto the argmax of each window; adds where windows overlap."""
    out_hw = g.shape[-3:-1]
    idx = _argmax_taps(xp, x, ksize, strides, pads, out_hw)
    lead = np.broadcast_shapes(idx.shape, g.shape)[:-3]
    hw = x.shape[-3:-1]
    out = xp.zeros(lead + (hw[0] + sum(pads[0]), hw[1] + sum(pads[1]), x.shape[-1]), g.dtype)
    zero = xp.zeros((), g.dtype)
    for t in range(ksize[0] * ksize[1]):
        out[_tap(t // ksize[1], t % ksize[1], strides, (1, 1), out_hw)] += xp.where(idx == t, g, zero)
    return _crop(out, pads, hw)


def _max_pool_grad_grad_fwd(xp, x, h, ksize, strides, pads):
    """Gather ``h`` (input shape) at the argmax of each window: the transpose of ``_max_pool_grad_fwd``."""
    out_hw = tuple(_out_size(n, p, k, s) for n, p, k, s in zip(x.shape[-3:-1], pads, ksize, strides))
    idx = _argmax_taps(xp, x, ksize, strides, pads, out_hw)
    hpad = _pad(xp, h, pads)
    lead = np.broadcast_shapes(x.shape, h.shape)[:-3]
    out = xp.zeros(lead + out_hw + (x.shape[-1],), h.dtype)
    zero = xp.zeros((), h.dtype)
    for t in range(ksize[0] * ksize[1]):
        out += xp.where(idx == t, hpad[_tap(t // ksize[1], t % ksize[1], strides, (1, 1), out_hw)], zero)
    return out


def _max_pool_grad(x, g, **pp):
    return apply(_max_pool_grad_op, (x, g), pp)


def _max_pool_grad_grad(x, h, **pp):
    return apply(_max_pool_grad_grad_op, (x, h), pp)


def _linear_in_second(fn):
    """The forward rule of an op that is linear in its second input and locally constant in its first."""
    return lambda ts, ans, x, v, **pp: None if ts[1] is None else fn(x, ts[1], **pp)


# The location of each maximum is locally constant in x, so the pooling gradients have
# zero derivative with respect to x (as TF's MaxPoolGrad), and are linear in their second input.
_max_pool_op = defop(
    "max_pool2d", _max_pool_fwd,
    vjp=lambda g, ans, x, **pp: (_max_pool_grad(x, g, **pp),),
    jvp=lambda ts, ans, x, **pp: _max_pool_grad_grad(x, ts[0], **pp),
    dtypes="numeric", domain="ties")

_max_pool_grad_op = defop(
    "max_pool2d_grad", _max_pool_grad_fwd,
    vjp=lambda h, ans, x, g, **pp: (None, _max_pool_grad_grad(x, h, **pp)),
    jvp=_linear_in_second(_max_pool_grad),
    broadcasts=True, dtypes="float", domain="ties")

_max_pool_grad_grad_op = defop(
    "max_pool2d_grad_grad", _max_pool_grad_grad_fwd,
    vjp=lambda h, ans, x, hh, **pp: (None, _max_pool_grad(x, h, **pp)),
    jvp=_linear_in_second(_max_pool_grad_grad),
    broadcasts=True, dtypes="float", domain="ties")


def _window_counts(hw, ksize, strides, pads, out_hw):
    """``[OH, OW, 1]`` counts of the real (unpadded) elements in each window, computed on the host."""
    per_dim = []
    for n, k, s, (p, _), o in zip(hw, ksize, strides, pads, out_hw):
        start = np.arange(o) * s - p
        per_dim.append(np.minimum(start + k, n) - np.maximum(start, 0))
    return (per_dim[0][:, None] * per_dim[1][None, :])[:, :, None]


def _avg_pool_fwd(xp, x, ksize, strides, pads):
    hw = x.shape[-3:-1]
    out_hw = tuple(_out_size(n, p, k, s) for n, p, k, s in zip(hw, pads, ksize, strides))
    view = _windows(xp, _pad(xp, x, pads), ksize, strides, (1, 1), out_hw)
    counts = xp.asarray(_window_counts(hw, ksize, strides, pads, out_hw).astype(x.dtype))
    return view.sum(axis=(-3, -2)) / counts


def _avg_pool_grad_fwd(xp, g, input_hw, ksize, strides, pads):
    out_hw = g.shape[-3:-1]
    counts = xp.asarray(_window_counts(input_hw, ksize, strides, pads, out_hw).astype(g.dtype))
    share = g / counts
    out = xp.zeros(g.shape[:-3] + (input_hw[0] + sum(pads[0]), input_hw[1] + sum(pads[1]), g.shape[-1]),
                   g.dtype)
    for i in range(ksize[0]):
        for j in range(ksize[1]):
            out[_tap(i, j, strides, (1, 1), out_hw)] += share
    return _crop(out, pads, input_hw)


def _avg_pool(x, **pp):
    return apply(_avg_pool_op, (x,), pp)


def _avg_pool_grad(g, input_hw, **pp):
    return apply(_avg_pool_grad_op, (g,), dict(pp, input_hw=tuple(input_hw)))


# average pooling is linear: its gradient and the gradient's gradient are each other
_avg_pool_op = defop(
    "avg_pool2d", _avg_pool_fwd,
    vjp=lambda g, ans, x, **pp: (_avg_pool_grad(g, x.shape[-3:-1], **pp),),
    jvp=lambda ts, ans, x, **pp: _avg_pool(ts[0], **pp),
    dtypes="float", domain="real")

_avg_pool_grad_op = defop(
    "avg_pool2d_grad", _avg_pool_grad_fwd,
    vjp=lambda h, ans, g, input_hw, **pp: (_avg_pool(h, **pp),),
    jvp=lambda ts, ans, g, input_hw, **pp: _avg_pool_grad(ts[0], input_hw, **pp),
    dtypes="float", domain="real")


def _pool_args(opname, input, ksize, strides, padding, data_format, kinds):
    fmt = _data_format(data_format, opname)
    x = convert_to_tensor(input)
    if x.dtype.kind not in kinds:
        want = "floating" if kinds == "f" else "real (floating or integer)"
        raise TypeError(f"{opname}: input has dtype {x.dtype}, expected a {want} dtype")
    if x.ndim != 4:
        raise ValueError(f"{opname}: input must have rank 4 ({fmt}), got shape {x.shape}")
    x = _to_nhwc(x, fmt)
    ks = _spatial_pair(ksize, "ksize", opname, fmt)
    st = _spatial_pair(strides, "strides", opname, fmt)
    hw = x.shape[1:3]
    if isinstance(padding, str) or opname == "max_pool2d":
        pads = _pads(padding, hw, ks, st, (1, 1), fmt, opname)
    else:
        raise ValueError(f"{opname}: padding must be 'SAME' or 'VALID', got {padding!r}")
    if any(max(p) > k for p, k in zip(pads, ks)):
        raise ValueError(f"{opname}: explicit paddings {padding!r} cannot be larger than the window {ks}")
    out_hw = [_out_size(n, p, k, s) for n, p, k, s in zip(hw, pads, ks, st)]
    if min(out_hw) < 1:
        raise ValueError(f"{opname}: the window {ks} is larger than the input's spatial size {hw} "
                         f"with padding {padding!r}: the output would be empty")
    return x, fmt, {"ksize": ks, "strides": st, "pads": pads}


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
    x, fmt, pp = _pool_args("max_pool2d", input, ksize, strides, padding, data_format, "fiu")
    return _from_nhwc(apply(_max_pool_op, (x,), pp), fmt)


def avg_pool2d(input, ksize, strides, padding, data_format="NHWC", name=None):
    """Average pooling over ``[N, H, W, C]`` (or NCHW), TF's ``tf.nn.avg_pool2d``.

    With ``"SAME"`` padding each window averages over its real elements only (padding is not
    counted), as in TF.
    """
    x, fmt, pp = _pool_args("avg_pool2d", input, ksize, strides, padding, data_format, "f")
    return _from_nhwc(_avg_pool(x, **pp), fmt)


__all__ = [
    "avg_pool2d",
    "conv2d",
    "conv2d_transpose",
    "depthwise_conv2d",
    "max_pool2d",
]
