"""``wb.image``: TF's ``tf.image`` ops on ``[batch, height, width, channels]`` (or one
``[height, width, channels]``) images: ``resize``, ``transform`` (projective warps: rotations,
zooms, shifts), ``crop_to_bounding_box``, ``flip_left_right``, ``flip_up_down``,
``adjust_contrast``.

Every op is a composition of gathers and arithmetic on the image, with the sampling positions
computed on the host from the (static) sizes and the transform, so the result is
differentiable with respect to the images (not the positions), in both modes and to any
order, on either device.

>>> wb.image.resize(wb.ones([1, 4, 4, 3]), [2, 8]).shape
(1, 2, 8, 3)
"""

from __future__ import annotations

import numpy as np

from . import backend, core
from .core import convert_to_tensor
from .errors import argcheck
from .ops.elementwise import cast, where
from .ops.indexing import reverse, take_rows
from .ops.reduce import reduce_mean
from .ops.shape import reshape

__all__ = ["adjust_contrast", "crop_to_bounding_box", "flip_left_right", "flip_up_down", "resize", "transform"]


def _images(images, opname):
    """``(4-D tensor, was_3d)``; raises naming ``opname`` for another rank."""
    x = convert_to_tensor(images)
    if x.ndim not in (3, 4):
        raise ValueError(f"{opname}: images must be [batch, height, width, channels] or [height, width, "
                         f"channels], got shape {x.shape}")
    return (x[None], True) if x.ndim == 3 else (x, False)


def _floating(x):
    """Floating images keep their dtype; integer images become float32 (as TF's resize)."""
    return x if x.dtype.kind == "f" else cast(x, np.float32)


def _index(arr, like):
    """An int64 index tensor on ``like``'s device (positions computed on the host)."""
    xp = backend.xp_of(like._data)
    return core.wrap_constant(xp.asarray(np.ascontiguousarray(arr, dtype=np.int64)))


def _weights(arr, like):
    xp = backend.xp_of(like._data)
    return core.wrap_constant(xp.asarray(np.ascontiguousarray(arr, dtype=like.dtype)))


def _size_arg(size, opname):
    size = argcheck.integers(size, "size", opname, expected="[new_height, new_width]")
    if len(size) != 2 or min(size) < 1:
        raise ValueError(f"{opname}: size must be two positive integers [new_height, new_width], got {list(size)}")
    return int(size[0]), int(size[1])


def _linear_taps(in_size, out_size):
    """TF 2's half-pixel bilinear taps along one axis: ``(lower, upper, lerp)``."""
    scale = in_size / out_size
    pos = (np.arange(out_size) + 0.5) * scale - 0.5
    floor = np.floor(pos)
    lower = np.maximum(floor, 0).astype(np.int64)
    upper = np.minimum(np.ceil(pos), in_size - 1).astype(np.int64)
    return lower, upper, pos - floor


def _nearest_taps(in_size, out_size):
    """TF 2's half-pixel nearest-neighbour source index along one axis."""
    scale = in_size / out_size
    return np.clip(np.floor((np.arange(out_size) + 0.5) * scale), 0, in_size - 1).astype(np.int64)


def _lerp_axis(x, axis, lower, upper, lerp):
    lo, hi = take_rows(x, _index(lower, x), axis=axis), take_rows(x, _index(upper, x), axis=axis)
    shape = [1] * x.ndim
    shape[axis] = lerp.size
    w = _weights(lerp.reshape(shape), x)
    return lo + (hi - lo) * w


def resize(images, size, method="bilinear", preserve_aspect_ratio=False, antialias=False, name=None):
    """Resize ``images`` to ``size = [new_height, new_width]`` (TF 2's ``tf.image.resize``).

    ``method``: ``"bilinear"`` or ``"nearest"``, with TF 2's half-pixel centres (output pixel
    ``i`` samples input position ``(i + 0.5) * in / out - 0.5``; edges clamp).
    ``preserve_aspect_ratio=True`` scales to the largest size that fits in ``size`` with the
    input's aspect ratio. ``antialias=True`` (an area filter when shrinking) is not provided
    and raises. Integer images come back as float32 for bilinear (as in TF); floating images
    keep their dtype (TF returns float32 for every dtype but float16/bfloat16 nearest), so a
    float64 pipeline stays float64.
    """
    opname = "wb.image.resize"
    x, was_3d = _images(images, opname)
    new_h, new_w = _size_arg(size, opname)
    if method not in ("bilinear", "nearest"):
        raise ValueError(f"{opname}: method must be 'bilinear' or 'nearest', got {method!r}")
    if antialias:
        raise ValueError(f"{opname}: antialias=True is not supported; resize with antialias=False")
    h, w = x.shape[1], x.shape[2]
    if preserve_aspect_ratio:
        scale = min(new_h / h, new_w / w)
        new_h, new_w = max(int(round(h * scale)), 1), max(int(round(w * scale)), 1)
    if method == "nearest":
        y = take_rows(x, _index(_nearest_taps(h, new_h), x), axis=1)
        y = take_rows(y, _index(_nearest_taps(w, new_w), y), axis=2)
    else:
        y = _floating(x)
        if new_w != w:
            y = _lerp_axis(y, 2, *_linear_taps(w, new_w))
        if new_h != h:
            y = _lerp_axis(y, 1, *_linear_taps(h, new_h))
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


# -- crops, flips, contrast ----------------------------------------------------------------------------


def crop_to_bounding_box(image, offset_height, offset_width, target_height, target_width):
    """The window ``[offset_height : offset_height + target_height, offset_width : ... + target_width]``
    of every image (TF's ``tf.image.crop_to_bounding_box``); it must lie inside the image."""
    opname = "wb.image.crop_to_bounding_box"
    x, was_3d = _images(image, opname)
    oh = argcheck.integer(offset_height, "offset_height", opname, minimum=0)
    ow = argcheck.integer(offset_width, "offset_width", opname, minimum=0)
    th = argcheck.integer(target_height, "target_height", opname, minimum=1)
    tw = argcheck.integer(target_width, "target_width", opname, minimum=1)
    if oh + th > x.shape[1] or ow + tw > x.shape[2]:
        raise ValueError(f"{opname}: the box [{oh}:{oh + th}, {ow}:{ow + tw}] does not fit in images of height "
                         f"{x.shape[1]} and width {x.shape[2]}")
    y = x[:, oh:oh + th, ow:ow + tw]
    return y[0] if was_3d else y


def flip_left_right(image):
    """Mirror every image horizontally (reverse the width axis)."""
    x, was_3d = _images(image, "wb.image.flip_left_right")
    y = reverse(x, axis=[2])
    return y[0] if was_3d else y


def flip_up_down(image):
    """Mirror every image vertically (reverse the height axis)."""
    x, was_3d = _images(image, "wb.image.flip_up_down")
    y = reverse(x, axis=[1])
    return y[0] if was_3d else y


def adjust_contrast(images, contrast_factor):
    """``(x - mean) * contrast_factor + mean`` with the mean of each image and channel over its
    pixels (TF's ``tf.image.adjust_contrast``); ``contrast_factor`` may be a scalar or broadcast
    against ``[batch, 1, 1, 1]`` (one factor per image)."""
    x, was_3d = _images(images, "wb.image.adjust_contrast")
    x = _floating(x)
    factor = convert_to_tensor(contrast_factor)
    factor = cast(factor, x.dtype) if factor.dtype != x.dtype else factor
    mean = reduce_mean(x, axis=[1, 2], keepdims=True)
    y = (x - mean) * factor + mean
    return y[0] if was_3d else y
