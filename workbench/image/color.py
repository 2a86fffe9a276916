"""Pixel values: dtype conversion (``convert_image_dtype``), colour spaces (RGB, HSV, YUV, grayscale)
and the colour adjustments (brightness, contrast, gamma, saturation, hue, standardization).

TF's conventions: floating images hold values in ``[0, 1]``, integer images the whole range of
their dtype (``[0, 255]`` for uint8); an adjustment of an integer image works on the image converted
to float32 and converts the result back (saturating). A float64 image is computed in float32 and
returned as float64, as TF does (its values and gradients round as TF's). Every adjustment is a composition of
differentiable ops on the image, except ``adjust_contrast``, which has no gradient (as in TF).

>>> gray = wb.image.rgb_to_grayscale(wb.constant([[[1.0, 0.0, 0.0]]]))
>>> round(float(gray.numpy()[0, 0, 0]), 4)
0.2989
"""

from __future__ import annotations

import numpy as np

from .. import core
from ..core import convert_to_tensor
from ..dtypes import as_dtype
from ..errors import argcheck
from ..ops.elementwise import abs as _abs
from ..ops.elementwise import cast, clip_by_value, divide_no_nan, equal, floordiv, logical_and, maximum, minimum
from ..ops.elementwise import mod, where
from ..ops.reduce import reduce_mean
from ..ops.shape import concat, stack
from ._common import float_dtype_arg, images_arg, last_dim, restore, scalar_factor

__all__ = [
    "adjust_brightness", "adjust_contrast", "adjust_gamma", "adjust_hue", "adjust_saturation",
    "convert_image_dtype", "grayscale_to_rgb", "hsv_to_rgb", "per_image_standardization", "rgb_to_grayscale",
    "rgb_to_hsv", "rgb_to_yiq", "rgb_to_yuv", "yiq_to_rgb", "yuv_to_rgb",
]

_IMAGE_DTYPES = ("uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64",
                 "float16", "float32", "float64")


def _image_dtype(dtype, opname, what):
    try:
        dt = np.dtype(as_dtype(dtype))
    except (TypeError, ValueError):
        dt = None
    if dt is None or dt.name not in _IMAGE_DTYPES:
        raise TypeError(f"{opname}: {what} must be one of {', '.join(_IMAGE_DTYPES)}, got {dtype!r}")
    return dt


def _saturate_cast(x, dtype):
    """``cast`` after clipping ``x`` to the range of ``dtype`` (bounds that the source dtype holds)."""
    if x.dtype.kind in "iu":
        src, dst = np.iinfo(x.dtype), np.iinfo(dtype)
        lo, hi = max(src.min, dst.min), min(src.max, dst.max)
        if lo > src.min or hi < src.max:
            x = clip_by_value(x, np.asarray(lo, x.dtype), np.asarray(hi, x.dtype))
        return cast(x, dtype)
    info, finfo = np.iinfo(dtype), np.finfo(x.dtype)
    with np.errstate(over="ignore"):   # a bound past the float range clips at the float's largest
        lo, hi = (np.asarray(max(b, -finfo.max) if b < 0 else min(b, finfo.max), x.dtype)
                  for b in (np.asarray(info.min, x.dtype), np.asarray(info.max, x.dtype)))
    if int(hi) > info.max:           # float32(2**31 - 1) rounds up to 2**31: step down into range
        hi = np.nextafter(hi, np.asarray(0, x.dtype))
    return cast(clip_by_value(x, lo, hi), dtype)


@core.dispatchable   # a RaggedTensor takes it over (ragged registers the handler)
def convert_image_dtype(image, dtype, saturate=False, name=None):
    """``image`` converted to ``dtype``, rescaling values to the new dtype's range (TF's
    ``tf.image.convert_image_dtype``).

    Floating images are taken to hold values in ``[0, 1]`` and integer images the whole
    non-negative range of their dtype: uint8 -> float32 divides by 255, float32 -> uint8
    multiplies by ``255.5`` and truncates, uint8 -> int32 multiplies by ``2**23``, int32 -> uint8
    divides (flooring) by ``2**23``. Float -> float is a cast (differentiable). ``saturate=True``
    clips to the target range before casting to an integer dtype (otherwise values outside it
    wrap, as in TF).

    >>> wb.image.convert_image_dtype(wb.constant([[[255]]], dtype=wb.uint8), wb.float32).numpy()
    array([[[1.]]], dtype=float32)
    """
    opname = "wb.image.convert_image_dtype"
    x = convert_to_tensor(image)
    src = _image_dtype(x.dtype, opname, "image's dtype")
    dst = _image_dtype(dtype, opname, "dtype")
    saturate = argcheck.flag(saturate, "saturate", opname)
    if src == dst:
        return x
    if src.kind in "iu" and dst.kind in "iu":
        scale_in, scale_out = np.iinfo(src).max, np.iinfo(dst).max
        if scale_in > scale_out:
            scaled = floordiv(x, np.asarray((scale_in + 1) // (scale_out + 1), src))
            return _saturate_cast(scaled, dst) if saturate else cast(scaled, dst)
        y = _saturate_cast(x, dst) if saturate else cast(x, dst)
        return y * np.asarray((scale_out + 1) // (scale_in + 1), dst)
    if src.kind == "f" and dst.kind == "f":
        return cast(x, dst)
    if src.kind in "iu":
        return cast(x, dst) * np.asarray(1.0 / np.iinfo(src).max, dst)
    with np.errstate(over="ignore"):     # 2**31 is inf in float16, as in TF (saturate clips it)
        factor = np.asarray(np.iinfo(dst).max + 0.5, src)
    scaled = x * factor
    return _saturate_cast(scaled, dst) if saturate else cast(scaled, dst)


def _to_float(x, keep_half=False):
    """The image as floats for an adjustment, as TF's: float32 as it is, float16 kept
    (``keep_half``) or cast to float32, float64 cast to float32, integers converted (rescaled)
    to float32."""
    if x.dtype == np.float32 or keep_half and x.dtype == np.float16:
        return x
    if x.dtype.kind == "f":
        return cast(x, np.float32)
    return convert_image_dtype(x, np.float32)


def _back(y, dtype, saturate=True):
    return y if y.dtype == dtype else convert_image_dtype(y, dtype, saturate=saturate)


# -- colour spaces -------------------------------------------------------------------------------------

_GRAY = (0.2989, 0.5870, 0.1140)


def rgb_to_grayscale(images, name=None):
    """One luma channel ``0.2989 R + 0.5870 G + 0.1140 B`` from RGB images ``[..., 3]`` (shape
    ``[..., 1]``, the input's dtype, computed in float32; TF's ``tf.image.rgb_to_grayscale``)."""
    opname = "wb.image.rgb_to_grayscale"
    x = convert_to_tensor(images)
    last_dim(x, 3, opname)
    f = _to_float(x)
    gray = f[..., 0:1] * _GRAY[0] + f[..., 1:2] * _GRAY[1] + f[..., 2:3] * _GRAY[2]
    return _back(gray, x.dtype, saturate=False)


def grayscale_to_rgb(images, name=None):
    """The one channel of ``images [..., 1]`` repeated into three (TF's ``tf.image.grayscale_to_rgb``)."""
    x = convert_to_tensor(images)
    last_dim(x, 1, "wb.image.grayscale_to_rgb")
    return concat([x, x, x], axis=-1)


def _safe_divide(num, den, ok):
    return num / where(ok, den, 1.0)


def _rgb_to_hsv_fwd(xp, x):
    r, g, b = x[..., 0], x[..., 1], x[..., 2]
    v = xp.maximum(xp.maximum(r, g), b)
    chroma = v - xp.minimum(xp.minimum(r, g), b)
    s = xp.where(v > 0, chroma / xp.where(v > 0, v, 1), 0)
    span = xp.where(chroma > 0, chroma, 1)
    h = xp.where(r == v, (g - b) / span, xp.where(g == v, (b - r) / span + 2, (r - g) / span + 4)) / 6
    h = xp.where(chroma > 0, xp.where(h < 0, h + 1, h), 0)
    return xp.stack([h, s, v], axis=-1).astype(x.dtype, copy=False)


def _hsv_partials(x, ans):
    """TF's RGBToHSV gradient, per pixel: ``[d(h, s, v) / d(r, g, b)]`` as nine tensors. At ties
    the largest channel is taken in the order red, green, blue and the smallest in the order
    blue, green, red (TF's masks), and a reciprocal of 0 is 0 (its ``div_no_nan``)."""
    c = [x[..., 0], x[..., 1], x[..., 2]]
    s, v = ans[..., 1], ans[..., 2]
    f = lambda t: cast(t, x.dtype)                                      # noqa: E731
    rec = lambda t: divide_no_nan(1.0, t)                               # noqa: E731
    r, g, b = c
    big = [f(logical_and(r >= b, r >= g)), f(logical_and(g > r, g >= b)), f(logical_and(b > r, b > g))]
    small = [f(logical_and(r < b, r < g)), f(logical_and(g <= r, g < b)), f(logical_and(b <= r, b <= g))]
    pos = [f(t > 0) for t in c]
    inv_sv2 = rec(s * s) * rec(v * v)
    dh, ds = [], []
    for k in range(3):
        n, p = (k + 1) % 3, (k + 2) % 3                                 # the next and previous channel
        xk, xn, xp_ = c[k], c[n], c[p]
        dh.append((pos[k] * big[k] * -(xn - xp_) * inv_sv2
                   + pos[n] * big[n] * small[k] * (xp_ - xn) * rec((xk - xn) * (xk - xn))
                   - pos[n] * big[n] * small[p] * rec(xn - xp_)
                   + pos[p] * big[p] * small[k] * (xp_ - xn) * rec((xp_ - xk) * (xp_ - xk))
                   + pos[p] * big[p] * small[n] * rec(xp_ - xn)) / 6.0)
        ds.append(pos[k] * (big[k] * (small[n] * xn + small[p] * xp_) * rec(xk * xk)
                            - small[k] * rec(big[n] * xn + big[p] * xp_)))
    return dh, ds, big


def _rgb_to_hsv_vjp(g, ans, x):
    dh, ds, dv = _hsv_partials(x, ans)
    gh, gs, gv = g[..., 0], g[..., 1], g[..., 2]
    return [stack([gh * dh[k] + gs * ds[k] + gv * dv[k] for k in range(3)], axis=-1)]


def _rgb_to_hsv_jvp(ts, ans, x):
    t = ts[0]
    dh, ds, dv = _hsv_partials(x, ans)
    return stack([sum(d[k] * t[..., k] for k in range(3)) for d in (dh, ds, dv)], axis=-1)


# TF's RGBToHSV with TF's own gradient (which picks a side at every tie between channels); the
# record stays off the op table, whose entries are checked one by one (its rule is checked
# against finite differences through wb.image.rgb_to_hsv's gradient cases)
_RGB_TO_HSV = core.Op("RGBToHSV", _rgb_to_hsv_fwd, _rgb_to_hsv_vjp, _rgb_to_hsv_jvp, dtypes="float")


def rgb_to_hsv(images, name=None):
    """RGB ``[..., 3]`` (floats in ``[0, 1]``) to HSV, each component in ``[0, 1]`` (TF's
    ``tf.image.rgb_to_hsv``; Python's ``colorsys.rgb_to_hsv`` per pixel). Hue is 0 for grays,
    saturation 0 for black. The gradient is TF's, ties between channels included."""
    opname = "wb.image.rgb_to_hsv"
    x = convert_to_tensor(images)
    last_dim(x, 3, opname)
    float_dtype_arg(x, opname)
    return core.apply(_RGB_TO_HSV, (x,))


def hsv_to_rgb(images, name=None):
    """HSV ``[..., 3]`` (each in ``[0, 1]``) to RGB (TF's ``tf.image.hsv_to_rgb``; ``colorsys``'s
    ``hsv_to_rgb`` per pixel)."""
    opname = "wb.image.hsv_to_rgb"
    x = convert_to_tensor(images)
    last_dim(x, 3, opname)
    float_dtype_arg(x, opname)
    h, s, v = x[..., 0], x[..., 1], x[..., 2]
    dh = h * 6.0
    dr = clip_by_value(_abs(dh - 3.0) - 1.0, 0.0, 1.0)
    dg = clip_by_value(2.0 - _abs(dh - 2.0), 0.0, 1.0)
    db = clip_by_value(2.0 - _abs(dh - 4.0), 0.0, 1.0)
    gray = 1.0 - s
    return stack([(gray + s * dr) * v, (gray + s * dg) * v, (gray + s * db) * v], axis=-1)


def _linear_color(images, kernel, opname):
    x = convert_to_tensor(images)
    last_dim(x, 3, opname)
    float_dtype_arg(x, opname)
    k = kernel
    return stack([x[..., 0] * k[0][j] + x[..., 1] * k[1][j] + x[..., 2] * k[2][j] for j in range(3)], axis=-1)


_RGB_TO_YUV = ((0.299, -0.14714119, 0.61497538), (0.587, -0.28886916, -0.51496512), (0.114, 0.43601035, -0.10001026))
_YUV_TO_RGB = ((1.0, 1.0, 1.0), (0.0, -0.394642334, 2.03206185), (1.13988303, -0.58062185, 0.0))
_RGB_TO_YIQ = ((0.299, 0.59590059, 0.2115), (0.587, -0.27455667, -0.52273617), (0.114, -0.32134392, 0.31119955))
_YIQ_TO_RGB = ((1.0, 1.0, 1.0), (0.95598634, -0.27201283, -1.10674021), (0.6208248, -0.64720424, 1.70423049))


def rgb_to_yuv(images):
    """RGB ``[..., 3]`` floats to YUV (TF's ``tf.image.rgb_to_yuv``: Y in ``[0, 1]``, U and V in
    ``[-0.5, 0.5]`` for RGB in ``[0, 1]``); a linear map."""
    return _linear_color(images, _RGB_TO_YUV, "wb.image.rgb_to_yuv")


def yuv_to_rgb(images):
    """YUV ``[..., 3]`` to RGB (TF's ``tf.image.yuv_to_rgb``; the inverse of :func:`rgb_to_yuv`)."""
    return _linear_color(images, _YUV_TO_RGB, "wb.image.yuv_to_rgb")


def rgb_to_yiq(images):
    """RGB ``[..., 3]`` floats to YIQ (TF's ``tf.image.rgb_to_yiq``); a linear map."""
    return _linear_color(images, _RGB_TO_YIQ, "wb.image.rgb_to_yiq")


def yiq_to_rgb(images):
    """YIQ ``[..., 3]`` to RGB (TF's ``tf.image.yiq_to_rgb``)."""
    return _linear_color(images, _YIQ_TO_RGB, "wb.image.yiq_to_rgb")


# -- adjustments ---------------------------------------------------------------------------------------


@core.dispatchable   # a RaggedTensor takes it over (ragged registers the handler)
def adjust_brightness(image, delta):
    """``image + delta`` (TF's ``tf.image.adjust_brightness``); an integer image is converted to
    float32 in ``[0, 1]``, shifted, and converted back with saturation."""
    x = convert_to_tensor(image)
    f = _to_float(x, keep_half=True)
    return _back(f + scalar_factor(delta, f), x.dtype)


def _adjust_contrast_fwd(xp, x, factor):
    mean = xp.mean(x, axis=(1, 2), keepdims=True)
    return (x - mean) * factor + mean


def _no_contrast_gradient(*args, **params):
    raise LookupError("gradient registry has no entry for: AdjustContrastv2")


# TF registers no gradient for its AdjustContrastv2 kernel: a gradient that has to flow through
# the adjustment raises TF's LookupError when the tape reaches it (a result that only feeds
# integer casts or nothing the target needs raises nothing). The record stays off the op table,
# every entry of which is differentiable and gradient-checked.
_ADJUST_CONTRAST = core.Op("AdjustContrastv2", _adjust_contrast_fwd, _no_contrast_gradient,
                           _no_contrast_gradient, dtypes="float")


def adjust_contrast(images, contrast_factor):
    """``(x - mean) * contrast_factor + mean`` with the mean of each image and channel over its
    pixels (TF's ``tf.image.adjust_contrast``); ``contrast_factor`` may be a scalar or broadcast
    against ``[batch, 1, 1, 1]`` (one factor per image). Integer images come back in their dtype
    (saturated), as in TF. Not differentiable, as in TF: a gradient through it raises
    ``LookupError``."""
    x, was_3d = images_arg(images, "wb.image.adjust_contrast")
    f = _to_float(x)
    factor = scalar_factor(contrast_factor, f)
    return restore(_back(core.apply(_ADJUST_CONTRAST, (f, factor)), x.dtype), was_3d)


@core.dispatchable   # a RaggedTensor takes it over (ragged registers the handler)
def adjust_gamma(image, gamma=1, gain=1):
    """``gain * image ** gamma`` (TF's ``tf.image.adjust_gamma``); ``gamma`` must be non-negative.
    An integer image is converted to float32 in ``[0, 1]`` and back (saturating)."""
    opname = "wb.image.adjust_gamma"
    x = convert_to_tensor(image)
    g = argcheck.as_float(gamma)
    if g is not None and g < 0:
        raise ValueError(f"{opname}: gamma should be a non-negative real number, got {g}")
    f = _to_float(x, keep_half=True)
    return _back(scalar_factor(gain, f) * f ** (g if g is not None else scalar_factor(gamma, f)), x.dtype)


def _channels(f):
    return f[..., 0], f[..., 1], f[..., 2]


def _plus(t, offset):
    """``t + offset`` for a double ``offset``, added in double and rounded once, as C++ does
    for a float plus a double constant."""
    if t.dtype == np.float64:
        return t + offset
    return cast(cast(t, np.float64) + offset, t.dtype)


def _tf_rgb_to_hsv(f):
    """TF's AdjustSaturation kernel's HSV (per pixel, in the image's float dtype): the maximum
    channel decides the hue's sector, checked in the order red, green, blue."""
    r, g, b = _channels(f)
    v = maximum(r, maximum(g, b))
    span = v - minimum(r, minimum(g, b))
    s = where(v > 0, span / where(v > 0, v, 1.0), 0.0)
    norm = 1.0 / (6.0 * where(span > 0, span, 1.0))
    h = where(equal(r, v), norm * (g - b),
              where(equal(g, v), _plus(norm * (b - r), 2.0 / 6.0), _plus(norm * (r - g), 4.0 / 6.0)))
    h = where(span > 0, h, 0.0)
    return where(h < 0, h + 1.0, h), s, v


def _tf_hsv_to_rgb(h, s, v):
    """TF's AdjustSaturation kernel's way back from HSV to RGB."""
    c = s * v
    m = v - c
    dh = h * 6.0
    sector = floordiv(dh, 1.0)
    mod2 = dh - 2.0 * floordiv(dh, 2.0)
    x = c * (1.0 - _abs(mod2 - 1.0))
    zero = 0.0 * c

    def pick(*per_sector):
        out = zero
        for k, val in enumerate(per_sector):
            out = where(equal(sector, float(k)), val, out)
        return out + m
    return stack([pick(c, x, zero, zero, x, c), pick(x, c, c, x, zero, zero),
                  pick(zero, zero, x, c, c, x)], axis=-1)


def adjust_saturation(image, saturation_factor, name=None):
    """Scale the saturation of RGB images ``[..., 3]`` by ``saturation_factor`` (clipped to
    ``[0, 1]`` in HSV; TF's ``tf.image.adjust_saturation``, with its kernel's HSV formulas, so
    the values round as TF's)."""
    opname = "wb.image.adjust_saturation"
    x = convert_to_tensor(image)
    last_dim(x, 3, opname, "image")
    f = _to_float(x)
    h, s, v = _tf_rgb_to_hsv(f)
    s = clip_by_value(s * scalar_factor(saturation_factor, f), 0.0, 1.0)
    return _back(_tf_hsv_to_rgb(h, s, v), x.dtype)


def adjust_hue(image, delta, name=None):
    """Rotate the hue of RGB images ``[..., 3]`` by ``delta`` (a fraction of the colour circle,
    in ``[-1, 1]``; TF's ``tf.image.adjust_hue``). As TF's kernel, each pixel keeps its largest
    and smallest channel values exactly: only the middle one is recomputed, and which channel
    holds which changes with the hue."""
    opname = "wb.image.adjust_hue"
    x = convert_to_tensor(image)
    last_dim(x, 3, opname, "image")
    d = argcheck.as_float(delta)
    if d is not None and not -1.0 <= d <= 1.0:
        raise ValueError(f"{opname}: delta must be in the interval [-1, 1], got {d}")
    f = _to_float(x)
    r, g, b = _channels(f)
    # the hue's sector 0..5 and the max, middle and min channels, by TF's comparisons
    rg, br, bg = r < g, b < r, b > g
    gb, brr = b < g, b > r
    vmax = where(rg, where(br, g, where(bg, b, g)), where(gb, r, where(brr, b, r)))
    vmid = where(rg, where(br, r, where(bg, g, b)), where(gb, g, where(brr, r, b)))
    vmin = where(rg, where(br, b, where(bg, r, r)), where(gb, b, where(brr, g, g)))
    k = [np.asarray(i, dtype=f.dtype) for i in range(6)]
    sector = where(rg, where(br, k[1], where(bg, k[3], k[2])), where(gb, k[0], where(brr, k[4], k[5])))
    span = vmax - vmin
    ratio = (vmid - vmin) / where(span > 0, span, 1.0)
    even = equal(sector - 2.0 * floordiv(sector, 2.0), 0.0)
    h = where(span > 0, sector + where(even, ratio, 1.0 - ratio), 0.0)
    h = h + 6.0 * scalar_factor(delta, f)
    h = where(h < 0, h + 6.0, h)
    h = where(h >= 6.0, h - 6.0, h)
    sector = floordiv(h, 1.0)
    ratio = h - sector
    even = equal(sector - 2.0 * floordiv(sector, 2.0), 0.0)
    mid = vmin + where(even, ratio, 1.0 - ratio) * span

    def pick(*per_sector):
        out = per_sector[-1]
        for k, val in enumerate(per_sector[:-1]):
            out = where(equal(sector, float(k)), val, out)
        return out
    rgb = stack([pick(vmax, mid, vmin, vmin, mid, vmax), pick(mid, vmax, vmax, mid, vmin, vmin),
                 pick(vmin, vmin, mid, vmax, vmax, mid)], axis=-1)
    return _back(rgb, x.dtype)


def per_image_standardization(image):
    """``(x - mean) / max(stddev, 1 / sqrt(N))`` for each image over its last three dimensions
    (``N`` values; TF's ``tf.image.per_image_standardization``). The result is float32 for
    every dtype, as in TF: images are cast (integers not rescaled) to float32 first."""
    opname = "wb.image.per_image_standardization"
    x = convert_to_tensor(image)
    if x.ndim < 3:
        raise ValueError(f"{opname}: image must have at least 3 dimensions [height, width, channels], "
                         f"got shape {x.shape}")
    f = x if x.dtype == np.float32 else cast(x, np.float32)
    n = int(np.prod(x.shape[-3:]))
    mean = reduce_mean(f, axis=[-3, -2, -1], keepdims=True)
    centred = f - mean
    variance = reduce_mean(centred * centred, axis=[-3, -2, -1], keepdims=True)
    # the floor on the variance, not the deviation: a uniform image keeps a finite gradient
    return centred / maximum(variance, 1.0 / max(n, 1)) ** 0.5
