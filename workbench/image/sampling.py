"""Resampling: ``resize``, ``resize_with_pad``, ``crop_and_resize`` and ``transform`` (projective
warps: rotations, zooms, shifts).

Each op is a composition of gathers and arithmetic on the image. ``resize`` and ``transform``
compute their sampling positions on the host from the (static) sizes and the transform, so the
result is differentiable with respect to the images (not the positions); ``crop_and_resize``
computes them with tensor ops from the boxes, so it is differentiable with respect to the image
and the boxes, as in TF. All work in both modes, to any order, on either device.

>>> tuple(wb.image.resize(wb.ones([1, 4, 4, 3]), [2, 8]).shape)
(1, 2, 8, 3)
"""

from __future__ import annotations

import numpy as np

from .. import backend, core
from ..core import convert_to_tensor
from ..errors import InvalidArgumentError, argcheck
from ..ops.elementwise import cast, floor, logical_and, maximum, minimum, where
from ..ops.indexing import take_rows
from ..ops.shape import reshape, stop_gradient
from ._common import batch4d_arg, floating as _floating, images_arg as _images, index as _index, restore
from ._common import size_arg as _size_arg, static_dims, weights as _weights, with_static
from .geometry import pad_to_bounding_box

__all__ = ["ResizeMethod", "crop_and_resize", "resize", "resize_with_pad", "transform"]


def _linear_taps(in_size, out_size, dtype=np.float64):
    """TF 2's half-pixel bilinear taps along one axis: ``(lower, upper, lerp)``. In float32 the
    source positions are computed in float32, as TF's kernel does, so the weights round as TF's."""
    f = np.dtype(dtype).type if np.dtype(dtype) in (np.float32, np.float64) else np.float64
    scale = f(in_size) / f(out_size)
    pos = (np.arange(out_size, dtype=f) + f(0.5)) * scale - f(0.5)
    floor = np.floor(pos)
    lower = np.maximum(floor, 0).astype(np.int64)
    upper = np.minimum(np.ceil(pos), in_size - 1).astype(np.int64)
    return lower, upper, pos - floor


def _nearest_taps(in_size, out_size):
    """TF 2's half-pixel nearest-neighbour source index along one axis."""
    scale = in_size / out_size
    return np.clip(np.floor((np.arange(out_size) + 0.5) * scale), 0, in_size - 1).astype(np.int64)


def _float32(x):
    return x if x.dtype == np.float32 else cast(x, np.float32)


def _lerp_axis(x, axis, lower, upper, lerp):
    lo, hi = take_rows(x, _index(lower, x), axis=axis), take_rows(x, _index(upper, x), axis=axis)
    shape = [1] * x.ndim
    shape[axis] = lerp.size
    w = _weights(lerp.reshape(shape), x)
    return lo + (hi - lo) * w


def _mitchell_cubic(x):
    return np.where(x < 1, (7 / 6 * x - 2.0) * x * x + 8 / 9,
                    np.where(x < 2, ((-7 / 18 * x + 2.0) * x - 10 / 3) * x + 16 / 9, 0.0))


def _keys_cubic(x):
    """Keys' cubic convolution kernel with a = -0.5 (TF's ``keyscubic`` and its bicubic resize)."""
    return np.where(x < 1, (1.5 * x - 2.5) * x * x + 1.0,
                    np.where(x < 2, ((-0.5 * x + 2.5) * x - 4.0) * x + 2.0, 0.0))


def _lanczos(radius):
    return lambda x: np.where(x < radius, np.sinc(x) * np.sinc(x / radius), 0.0)


# TF's ScaleAndTranslate kernels, each (function of |distance|, radius)
_KERNELS = {
    "triangle": (lambda x: np.maximum(1.0 - x, 0.0), 1.0),
    "mitchellcubic": (_mitchell_cubic, 2.0),
    "keyscubic": (_keys_cubic, 2.0),
    "lanczos3": (_lanczos(3.0), 3.0),
    "lanczos5": (_lanczos(5.0), 5.0),
    "gaussian": (lambda x: np.where(x < 1.5, np.exp(-2.0 * x * x), 0.0), 1.5),   # sigma 0.5, radius 3 sigma
}


def _bicubic_samples(in_size, out_size):
    """Where TF's ``resize_bicubic`` (half-pixel centres) samples, in pixel-edge coordinates: the
    position ``(i + 0.5) * in / out - 0.5`` in float32, its fraction rounded to 1/1024 (TF reads
    Keys' weights from a table of 1024 steps)."""
    pos = (np.arange(out_size, dtype=np.float32) + np.float32(0.5)) * np.float32(in_size / out_size) - np.float32(0.5)
    floor = np.floor(pos)
    return floor + np.rint((pos - floor) * np.float32(1024)) / 1024.0 + 0.5


def _kernel_taps(in_size, out_size, kernel, antialias, samples=None):
    """TF's ``ScaleAndTranslate`` spans along one axis (no translation): ``(indices, weights)``,
    each ``[out_size, span]``. Output pixel ``i`` samples ``(i + 0.5) * in / out`` (in pixel-edge
    coordinates) unless ``samples`` gives the positions; with ``antialias`` a shrink widens the
    kernel by ``in / out``. Weights of taps inside the image are normalized to sum to one.
    Positions and distances are computed in float32, as TF's kernel does, so taps near the
    kernel's radius are kept or dropped as in TF."""
    f32 = np.float32
    fn, radius = _KERNELS[kernel]
    inv = f32(1) / (f32(out_size) / f32(in_size))
    kscale = max(inv, f32(1)) if antialias else f32(1)
    reach = f32(radius) * kscale
    span = min(2 * int(np.ceil(reach)) + 1, in_size)
    idx = np.zeros((out_size, span), np.int64)
    wts = np.zeros((out_size, span))
    for i in range(out_size):
        sample = (f32(i) + f32(0.5)) * inv if samples is None else f32(samples[i])
        start = min(max(int(np.ceil(sample - reach - f32(0.5))), 0), in_size - 1)
        stop = min(max(int(np.floor(sample + reach - f32(0.5))), 0), in_size - 1) + 1
        src = np.arange(start, stop)
        dist = np.abs((src.astype(f32) + f32(0.5) - sample) * (f32(1) / kscale))
        w = np.where(dist < f32(radius), fn(dist.astype(np.float64)), 0.0)
        total = w.sum()
        idx[i, :stop - start] = src
        if abs(total) >= 1000 * np.finfo(np.float32).tiny:
            wts[i, :stop - start] = (w / total).astype(np.float32)   # TF's float weights
    return idx, wts


def _area_taps(in_size, out_size):
    """TF's ``ResizeArea`` along one axis: each output pixel averages the input pixels its span
    ``[i, i + 1) * in / out`` covers, weighted by the covered fraction."""
    scale = in_size / out_size
    span = int(np.ceil(scale)) + 1
    idx = np.zeros((out_size, span), np.int64)
    wts = np.zeros((out_size, span))
    for i in range(out_size):
        lo, hi = i * scale, (i + 1) * scale
        for k, j in enumerate(range(int(np.floor(lo)), int(np.ceil(hi)))):
            idx[i, k] = min(j, in_size - 1)
            wts[i, k] = (min(j + 1, hi) - max(j, lo)) / scale
    return idx, wts


def _taps_axis(x, axis, idx, wts):
    """``sum_k x[..., idx[:, k], ...] * wts[:, k]`` along ``axis``."""
    shape = [1] * x.ndim
    shape[axis] = idx.shape[0]
    out = None
    for k in range(idx.shape[1]):
        if not wts[:, k].any():
            continue
        term = take_rows(x, _index(idx[:, k], x), axis=axis) * _weights(wts[:, k].reshape(shape), x)
        out = term if out is None else out + term
    return out if out is not None else take_rows(x, _index(idx[:, 0], x), axis=axis) * 0.0


class ResizeMethod:
    """TF's ``tf.image.ResizeMethod`` names for ``resize``'s ``method`` (plain strings)."""

    BILINEAR = "bilinear"
    NEAREST_NEIGHBOR = "nearest"
    BICUBIC = "bicubic"
    AREA = "area"
    LANCZOS3 = "lanczos3"
    LANCZOS5 = "lanczos5"
    GAUSSIAN = "gaussian"
    MITCHELLCUBIC = "mitchellcubic"


_METHODS = ("bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5", "gaussian", "mitchellcubic")


def resize(images, size, method="bilinear", preserve_aspect_ratio=False, antialias=False, name=None):
    """Resize ``images`` to ``size = [new_height, new_width]`` (TF 2's ``tf.image.resize``).

    ``method``: ``"bilinear"`` and ``"nearest"`` use TF 2's half-pixel centres (output pixel
    ``i`` samples input position ``(i + 0.5) * in / out - 0.5``; edges clamp); ``"area"``
    averages the input pixels each output pixel covers (TF's ``resize_area``); ``"bicubic"`` is
    Keys' cubic (a = -0.5) at half-pixel centres, taps outside the image dropped and the rest
    renormalized (TF's ``resize_bicubic``, its 1/1024 weight table included; with ``antialias``
    TF's ``scale_and_translate`` ``keyscubic`` kernel); ``"lanczos3"``,
    ``"lanczos5"``, ``"gaussian"`` (radius 3, sigma 1.5) and ``"mitchellcubic"`` are TF's
    ``scale_and_translate`` kernels. ``antialias=True`` widens the kernel of ``bilinear``
    (a triangle filter, as Pillow's) and the ``scale_and_translate`` kernels when shrinking, so
    every input pixel contributes; ``nearest`` and ``area`` ignore it, as in TF.
    ``preserve_aspect_ratio=True`` scales to the largest size that fits in ``size`` with the
    input's aspect ratio. The result is float32 for every method but ``nearest`` (which keeps
    the images' dtype), whatever the images' dtype, as in TF: images are cast to float32 first.
    """
    opname = "wb.image.resize"
    if core.tracing() and isinstance(images, core.Tensor) and images._static_shape().rank is None:
        raise ValueError("'images' contains no shape.")   # TF's, in a graph: the rank must be known
    x, was_3d = _images(images, opname)
    known = core.static_value(size)   # in a trace: the sizes TF's shape inference knows
    new_h, new_w = _size_arg(size, opname)
    if method not in _METHODS:
        raise ValueError(f"{opname}: method must be 'bilinear' or 'nearest' (or 'bicubic', 'area', 'lanczos3', "
                         f"'lanczos5', 'gaussian', 'mitchellcubic'), got {method!r}")
    antialias = argcheck.flag(antialias, "antialias", opname)
    h, w = x.shape[1], x.shape[2]
    if preserve_aspect_ratio:
        scale = min(new_h / h, new_w / w)
        new_h, new_w = max(int(round(h * scale)), 1), max(int(round(w * scale)), 1)
    if method == "nearest":
        y = take_rows(x, _index(_nearest_taps(h, new_h), x), axis=1)
        y = take_rows(y, _index(_nearest_taps(w, new_w), y), axis=2)
    else:
        y = _float32(x)
        if method == "bilinear" and not antialias:
            if new_w != w:
                y = _lerp_axis(y, 2, *_linear_taps(w, new_w, np.float32))
            if new_h != h:
                y = _lerp_axis(y, 1, *_linear_taps(h, new_h, np.float32))
        else:
            if method == "area":
                taps_w, taps_h = _area_taps(w, new_w), _area_taps(h, new_h)
            elif method == "bicubic" and not antialias:
                taps_w = _kernel_taps(w, new_w, "keyscubic", False, _bicubic_samples(w, new_w))
                taps_h = _kernel_taps(h, new_h, "keyscubic", False, _bicubic_samples(h, new_h))
            elif method == "bicubic":
                taps_w, taps_h = _kernel_taps(w, new_w, "keyscubic", True), _kernel_taps(h, new_h, "keyscubic", True)
            else:
                kernel = "triangle" if method == "bilinear" else method
                taps_w, taps_h = _kernel_taps(w, new_w, kernel, antialias), _kernel_taps(h, new_h, kernel, antialias)
            y = _taps_axis(_taps_axis(y, 2, *taps_w), 1, *taps_h)
    if known:
        static = x._static_shape().as_list()
        if None in known or preserve_aspect_ratio and None in static[1:3]:
            static[1:3] = [None, None] if preserve_aspect_ratio else known
            core.static_result(y, static)
    return y[0] if was_3d else y


# -- projective transforms ---------------------------------------------------------------------------


def _map_coordinates(c, n, fill_mode):
    """TF's mapping of a source coordinate outside ``[0, n - 1]`` back inside (the input extended
    by reflection about the edge pixel, by wrapping, or by its nearest edge pixel); ``constant``
    leaves it (out-of-range taps then read ``fill_value``)."""
    if fill_mode == "constant":
        return c
    if n <= 1:
        return np.zeros_like(c)
    c = c.copy()
    if fill_mode == "reflect":
        sz2 = 2 * n
        neg = c < 0
        cn = sz2 * np.trunc(-c[neg] / sz2) + c[neg]
        c[neg] = np.where(cn < -n, cn + sz2, -cn - 1)
        pos = c > n - 1
        cp = c[pos] - sz2 * np.trunc(c[pos] / sz2)
        c[pos] = np.where(cp >= n, sz2 - cp - 1, cp)
    elif fill_mode == "wrap":
        sz = n - 1
        neg = c < 0
        c[neg] = c[neg] + n * (np.trunc(-c[neg] / sz) + 1)
        pos = c > n - 1
        c[pos] = c[pos] - n * np.trunc(c[pos] / sz)
    return np.clip(c, 0, n - 1)


def _round_half_away(v):
    return np.sign(v) * np.floor(np.abs(v) + 0.5)


def transform(images, transforms, interpolation="nearest", fill_mode="constant", fill_value=0.0,
              output_shape=None, name=None):
    """Warp ``images`` by projective ``transforms`` (TF's ``ImageProjectiveTransformV3``, named
    ``transform`` as in TF Addons and TF.js).

    ``transforms``: ``[8]`` or ``[batch, 8]``; a row ``[a0, a1, a2, b0, b1, b2, c0, c1]`` maps the
    *output* pixel ``(x, y)`` (column, row) to the input position
    ``((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k)``, ``k = c0 x + c1 y + 1``.
    ``interpolation``: ``"nearest"`` or ``"bilinear"``. ``fill_mode`` for positions outside the
    input: ``"constant"`` (``fill_value``), ``"reflect"`` (``dcba|abcd|dcba``), ``"wrap"``
    (``abcd|abcd|abcd``) or ``"nearest"`` (``aaaa|abcd|dddd``). ``output_shape``:
    ``[height, width]`` (default: the input's).
    """
    opname = "wb.image.transform"
    x, was_3d = _images(images, opname)
    if interpolation not in ("nearest", "bilinear"):
        raise ValueError(f"{opname}: interpolation must be 'nearest' or 'bilinear', got {interpolation!r}")
    if fill_mode not in ("constant", "reflect", "wrap", "nearest"):
        raise ValueError(f"{opname}: fill_mode must be 'constant', 'reflect', 'wrap' or 'nearest', "
                         f"got {fill_mode!r}")
    b, h, w, ch = x.shape
    t = transforms.numpy() if isinstance(transforms, core.Tensor) else transforms  # a read a trace sees
    t = np.asarray(t, dtype=np.float64)
    if t.ndim == 1:
        t = t[None]
    if t.ndim != 2 or t.shape[1] != 8 or t.shape[0] not in (1, b):
        raise ValueError(f"{opname}: transforms must be [8] or [batch, 8] (batch {b}), got shape {t.shape}")
    out_h, out_w = (h, w) if output_shape is None else _size_arg(output_shape, opname)
    t = np.broadcast_to(t, (b, 8))
    ys, xs = np.meshgrid(np.arange(out_h, dtype=np.float64), np.arange(out_w, dtype=np.float64), indexing="ij")
    a = t[:, :, None, None]
    k = a[:, 6] * xs + a[:, 7] * ys + 1.0
    infinite = k == 0                       # such points lie outside the input: fill_value
    k = np.where(infinite, 1.0, k)
    src_x = _map_coordinates((a[:, 0] * xs + a[:, 1] * ys + a[:, 2]) / k, w, fill_mode)
    src_y = _map_coordinates((a[:, 3] * xs + a[:, 4] * ys + a[:, 5]) / k, h, fill_mode)
    if interpolation == "nearest":
        taps = [(_round_half_away(src_y), _round_half_away(src_x), None)]
    else:
        y0, x0 = np.floor(src_y), np.floor(src_x)
        dy, dx = src_y - y0, src_x - x0
        taps = [(y0, x0, (1 - dy) * (1 - dx)), (y0, x0 + 1, (1 - dy) * dx),
                (y0 + 1, x0, dy * (1 - dx)), (y0 + 1, x0 + 1, dy * dx)]
    xf = _floating(x) if interpolation == "bilinear" else x
    flat = reshape(xf, (b * h * w, ch))
    rows = np.arange(b)[:, None, None] * (h * w)
    fill = convert_to_tensor(np.asarray(fill_value, dtype=xf.dtype))
    out = None
    for ty, tx, wt in taps:
        inside = (ty >= 0) & (ty < h) & (tx >= 0) & (tx < w) & ~infinite
        idx = rows + np.clip(ty, 0, h - 1).astype(np.int64) * w + np.clip(tx, 0, w - 1).astype(np.int64)
        vals = reshape(take_rows(flat, _index(idx.reshape(-1), flat)), (b, out_h, out_w, ch))
        keep = core.wrap_constant(backend.xp_of(flat._data).asarray(inside[..., None]))
        vals = where(keep, vals, fill)
        term = vals if wt is None else vals * _weights(wt[..., None], xf)
        out = term if out is None else out + term
    return out[0] if was_3d else out


# -- resize with padding, crops resized ----------------------------------------------------------------


def resize_with_pad(image, target_height, target_width, method="bilinear", antialias=False):
    """Resize every image to fit in ``[target_height, target_width]`` without distorting it, then
    zero-pad it (centred) to that size (TF's ``tf.image.resize_with_pad``; sizes computed in
    float32 as TF does)."""
    opname = "wb.image.resize_with_pad"
    x, was_3d = _images(image, opname)
    th = argcheck.integer(target_height, "target_height", opname, minimum=1)
    tw = argcheck.integer(target_width, "target_width", opname, minimum=1)
    f32 = np.float32
    h, w = f32(x.shape[1]), f32(x.shape[2])
    ratio = max(w / f32(tw), h / f32(th))
    new_h, new_w = h / ratio, w / ratio
    rh, rw = int(np.floor(new_h)), int(np.floor(new_w))
    if min(rh, rw) < 1:      # TF's resize refuses the empty size it computes
        raise InvalidArgumentError(f"{opname}: the image {x.shape[1]}x{x.shape[2]} fitted into {th}x{tw} is "
                                   f"{rh}x{rw}: no pixels left")
    top = max(0, int(np.floor((f32(th) - new_h) / f32(2))))
    left = max(0, int(np.floor((f32(tw) - new_w) / f32(2))))
    y = resize(x, [rh, rw], method=method, antialias=antialias)
    return restore(pad_to_bounding_box(y, top, left, th, tw), was_3d)


def _box_positions(lo, hi, size, out, like):
    """TF's crop sampling positions ``[num_boxes, out]`` (in pixels) along one axis of a box
    ``[lo, hi]`` given in normalized coordinates (``[num_boxes, 1]`` tensors), in TF's order of
    float32 operations."""
    if out == 1:
        return (lo + hi) * 0.5 * float(size - 1)
    step = (hi - lo) * float(size - 1) / float(out - 1)
    return lo * float(size - 1) + _weights(np.arange(out)[None], like) * step


def crop_and_resize(image, boxes, box_indices, crop_size, method="bilinear", extrapolation_value=0.0,
                    name=None):
    """Crops of ``image [batch, height, width, depth]`` resized to ``crop_size`` (TF's
    ``tf.image.crop_and_resize``).

    ``boxes [num_boxes, 4]`` holds ``[y1, x1, y2, x2]`` in normalized coordinates (``0`` and
    ``1`` are the first and last pixel centres; ``y1 > y2`` flips the crop, values outside
    ``[0, 1]`` extrapolate); box ``i`` crops image ``box_indices[i]``. Output pixel ``j`` of a
    crop of height ``crop_height > 1`` samples row ``y1 * (height - 1) + j * (y2 - y1) *
    (height - 1) / (crop_height - 1)``; a crop of height 1 samples the box's centre. ``method``:
    ``"bilinear"`` or ``"nearest"``. Samples outside the image read ``extrapolation_value``.
    The result ``[num_boxes, crop_height, crop_width, depth]`` is float32 for every image dtype
    (positions and values computed in float32, as TF's kernel), differentiable with respect to
    the image and the boxes; as in TF, the boxes' gradient of a ``"nearest"`` crop is that of
    the bilinear one.
    """
    opname = "wb.image.crop_and_resize"
    x = _float32(batch4d_arg(image, opname))
    b, h, w, c = x.shape
    ch, cw = _size_arg(crop_size, opname, "crop_size")
    if method not in ("bilinear", "nearest"):
        raise ValueError(f"{opname}: method must be 'bilinear' or 'nearest', got {method!r}")
    bx = convert_to_tensor(boxes)
    if bx.ndim != 2 or bx.shape[1] != 4:
        raise ValueError(f"{opname}: boxes must be [num_boxes, 4] (y1, x1, y2, x2), got shape {bx.shape}")
    if bx.dtype.kind != "f":
        raise TypeError(f"{opname}: boxes must be floating (normalized coordinates), got dtype {bx.dtype}")
    bx = _float32(bx)
    ids = convert_to_tensor(box_indices)
    if ids.ndim != 1 or ids.shape[0] != bx.shape[0]:
        raise ValueError(f"{opname}: box_indices must be [num_boxes] = [{bx.shape[0]}], got shape {ids.shape}")
    if ids.dtype.kind not in "iu":
        raise TypeError(f"{opname}: box_indices must be integers, got dtype {ids.dtype}")
    if core._state.tracer is None:       # a trace may compute them: the gather below cannot check then
        host = backend.to_numpy(ids._data)
        if host.size and (host.min() < 0 or host.max() >= b):
            raise ValueError(f"{opname}: box_indices must lie in [0, {b}) (the batch), got {host.tolist()}")
    n = bx.shape[0]
    in_y = _box_positions(bx[:, 0:1], bx[:, 2:3], h, ch, x)                  # [n, ch] (or [n, 1])
    in_x = _box_positions(bx[:, 1:2], bx[:, 3:4], w, cw, x)
    inside = logical_and(reshape(logical_and(in_y >= 0, in_y <= h - 1), (n, ch, 1)),
                         reshape(logical_and(in_x >= 0, in_x <= w - 1), (n, 1, cw)))
    flat = reshape(x, (b * h * w, c))
    base = reshape(cast(ids, np.int64) * (h * w), (n, 1, 1))

    def pixel(pos, size):       # integer positions clipped into the image (those outside are masked)
        return minimum(maximum(cast(pos, np.int64), 0), size - 1)

    def gather(rows, yi, xi):
        idx = base + reshape(yi, (n, ch, 1)) * w + reshape(xi, (n, 1, cw))
        return reshape(take_rows(rows, reshape(idx, (n * ch * cw,))), (n, ch, cw, c))

    def bilinear(x_rows):
        top, left = floor(in_y), floor(in_x)
        y_lerp = reshape(in_y - top, (n, ch, 1, 1))
        x_lerp = reshape(in_x - left, (n, 1, cw, 1))
        ti, bi = pixel(top, h), pixel(-floor(-in_y), h)            # floor and ceil, as TF
        li, ri = pixel(left, w), pixel(-floor(-in_x), w)
        tl, bl = gather(x_rows, ti, li), gather(x_rows, bi, li)
        upper = tl + (gather(x_rows, ti, ri) - tl) * x_lerp
        lower = bl + (gather(x_rows, bi, ri) - bl) * x_lerp
        return upper + (lower - upper) * y_lerp

    if method == "nearest":
        out = gather(flat, pixel(floor(in_y + 0.5), h), pixel(floor(in_x + 0.5), w))
        # TF's CropAndResizeGradBoxes is bilinear for both methods: add its box gradient, valued 0
        smooth = bilinear(stop_gradient(flat))
        out = out + (smooth - stop_gradient(smooth))
    else:
        out = bilinear(flat)
    fill = convert_to_tensor(np.asarray(argcheck.number(extrapolation_value, "extrapolation_value", opname,
                                                        finite=False), dtype=x.dtype))
    out = where(reshape(inside, (n, ch, cw, 1)), out, fill)
    boxes_dims, image_dims = static_dims(boxes), static_dims(image)
    return with_static(out, (None if boxes_dims is None else boxes_dims[0], ch, cw,
                             None if image_dims is None else image_dims[-1]))
