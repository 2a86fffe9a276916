"""Image measures and filters: ``total_variation``, ``psnr``, ``ssim``, ``ssim_multiscale``,
``image_gradients`` and ``sobel_edges`` (TF's ``tf.image`` names and conventions).

Filters are written as weighted sums of shifted slices (the 11-tap Gaussian of SSIM is
separable: TF's normalized 2-D kernel is the outer product of two normalized 1-D ones), so every
measure is differentiable with respect to both images, to any order, on either device.

>>> x = wb.random.stateless_uniform([16, 16, 1], seed=[1, 2])
>>> round(float(wb.image.ssim(x, x, max_val=1.0)), 6)
1.0
"""

from __future__ import annotations

import math

import numpy as np

from ..core import Tensor, convert_to_tensor
from ..errors import InvalidArgumentError, argcheck
from ..ops.elementwise import abs as _abs
from ..ops.elementwise import cast, log, maximum
from ..ops.indexing import pad
from ..ops.reduce import reduce_mean, reduce_sum
from ..ops.shape import reshape, stack
from ._common import batch4d_arg
from .color import convert_image_dtype

__all__ = ["image_gradients", "psnr", "sobel_edges", "ssim", "ssim_multiscale", "total_variation"]

_MSSSIM_WEIGHTS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)


def total_variation(images, name=None):
    """The sum of absolute differences between neighbouring pixel values, per image (TF's
    ``tf.image.total_variation``): a scalar for one ``[h, w, c]`` image, ``[batch]`` for a batch.
    Unsigned integer images are refused, as in TF (their differences wrap)."""
    x = convert_to_tensor(images)
    if x.dtype.kind not in "if":
        raise TypeError(f"wb.image.total_variation: images must be floating or signed integers, got dtype "
                        f"{x.dtype}; convert unsigned images with wb.image.convert_image_dtype first")
    if x.ndim == 3:
        return reduce_sum(_abs(x[1:] - x[:-1])) + reduce_sum(_abs(x[:, 1:] - x[:, :-1]))
    if x.ndim == 4:
        return (reduce_sum(_abs(x[:, 1:] - x[:, :-1]), axis=[1, 2, 3])
                + reduce_sum(_abs(x[:, :, 1:] - x[:, :, :-1]), axis=[1, 2, 3]))
    raise ValueError(f"wb.image.total_variation: images must be 3-D [height, width, channels] or 4-D "
                     f"[batch, height, width, channels], got shape {x.shape}")


def _pair(img1, img2, opname):
    """Both image sets as float32 (integers converted to [0, 1], float16 and float64 cast, as
    TF does), with matching ``[height, width, depth]``, and the dtype the images came in."""
    a, b = convert_to_tensor(img1), convert_to_tensor(img2)
    if a.ndim < 3 or b.ndim < 3 or a.shape[-3:] != b.shape[-3:]:
        raise ValueError(f"{opname}: both image sets must be [..., height, width, depth] with the same last "
                         f"three dimensions, got shapes {a.shape} and {b.shape}")
    if a.dtype != b.dtype:
        raise TypeError(f"{opname}: both image sets must have the same dtype, got {a.dtype} and {b.dtype}")
    src = a.dtype
    if a.dtype != np.float32:
        a, b = convert_image_dtype(a, np.float32), convert_image_dtype(b, np.float32)
    return a, b, src


def _max_val(max_val, src, like, opname):
    """``max_val`` in the images' units converted as the images were (255 for uint8 -> 1.0)."""
    if isinstance(max_val, Tensor):
        m = cast(max_val, src) if max_val.dtype != src else max_val
    elif argcheck.as_float(max_val) is None:
        raise TypeError(f"{opname}: max_val must be a number, got {argcheck.describe(max_val)}")
    else:
        m = convert_to_tensor(np.asarray(max_val, dtype=src))
    return convert_image_dtype(m, like.dtype)


def psnr(a, b, max_val, name=None):
    """Peak signal-to-noise ratio ``20 log10(max_val) - 10 log10(mse)`` per image over the last three
    dimensions (TF's ``tf.image.psnr``). ``max_val`` is the dynamic range in the images' units
    (255 for uint8 images, which are compared as float32 in ``[0, 1]``). Float32 for every
    dtype, as TF: the images are converted to float32 first."""
    opname = "wb.image.psnr"
    x, y, src = _pair(a, b, opname)
    mv = _max_val(max_val, src, x, opname)
    d = x - y
    mse = reduce_mean(d * d, axis=[-3, -2, -1])
    return log(mv) * (20.0 / math.log(10.0)) - log(mse) * (10.0 / math.log(10.0))


def _gauss_taps(size, sigma):
    coords = np.arange(size, dtype=np.float64) - (size - 1) / 2.0
    g = np.exp(-0.5 * coords ** 2 / sigma ** 2)
    return g / g.sum()


def _filter(x, taps):
    """``x [..., h, w, c]`` filtered by the separable kernel ``outer(taps, taps)``, 'VALID'."""
    n = len(taps)
    h, w = x.shape[-3] - n + 1, x.shape[-2] - n + 1
    rows = None
    for k, t in enumerate(taps):
        term = x[..., k:k + h, :, :] * float(t)
        rows = term if rows is None else rows + term
    out = None
    for k, t in enumerate(taps):
        term = rows[..., :, k:k + w, :] * float(t)
        out = term if out is None else out + term
    return out


def _ssim_parts(x, y, mv, taps, k1, k2):
    """TF's luminance and contrast-structure maps ``[..., h', w', c]`` (biased covariances, no
    compensation, as TF and MATLAB's MS-SSIM)."""
    c1 = (mv * k1) ** 2
    c2 = (mv * k2) ** 2
    mean0, mean1 = _filter(x, taps), _filter(y, taps)
    num0 = mean0 * mean1 * 2.0
    den0 = mean0 * mean0 + mean1 * mean1
    luminance = (num0 + c1) / (den0 + c1)
    num1 = _filter(x * y, taps) * 2.0
    den1 = _filter(x * x + y * y, taps)
    cs = (num1 - num0 + c2) / (den1 - den0 + c2)
    return luminance, cs


def _ssim_args(filter_size, filter_sigma, k1, k2, opname):
    size = argcheck.integer(filter_size, "filter_size", opname, minimum=1)
    sigma = argcheck.number(filter_sigma, "filter_sigma", opname)
    if sigma <= 0:
        raise ValueError(f"{opname}: filter_sigma must be positive, got {sigma}")
    return size, _gauss_taps(size, sigma), argcheck.number(k1, "k1", opname), argcheck.number(k2, "k2", opname)


def _check_size(x, size, opname):
    if x.shape[-3] < size or x.shape[-2] < size:
        raise InvalidArgumentError(f"{opname}: images must be at least filter_size = {size} pixels high and wide, "
                                   f"got shape {x.shape}")


def ssim(img1, img2, max_val, filter_size=11, filter_sigma=1.5, k1=0.01, k2=0.03, return_index_map=False):
    """Structural similarity per image (TF's ``tf.image.ssim``): the mean over pixels and channels of
    ``l * cs`` with ``l = (2 mu_x mu_y + c1) / (mu_x^2 + mu_y^2 + c1)``, ``cs = (2 cov_xy + c2) /
    (var_x + var_y + c2)``, ``c1 = (k1 max_val)^2``, ``c2 = (k2 max_val)^2``, local statistics
    under a ``filter_size`` Gaussian window of width ``filter_sigma`` ('VALID': images must be at
    least ``filter_size`` pixels on a side). Shape: the broadcast batch dimensions;
    ``return_index_map=True`` gives the per-pixel map ``[..., h', w']`` instead. Identical images
    score 1. Float32 for every dtype (the images converted to float32 first, as TF)."""
    opname = "wb.image.ssim"
    x, y, src = _pair(img1, img2, opname)
    size, taps, k1, k2 = _ssim_args(filter_size, filter_sigma, k1, k2, opname)
    _check_size(x, size, opname)
    mv = _max_val(max_val, src, x, opname)
    luminance, cs = _ssim_parts(x, y, mv, taps, k1, k2)
    per_pixel = luminance * cs
    if argcheck.flag(return_index_map, "return_index_map", opname):
        return reduce_mean(per_pixel, axis=-1)
    return reduce_mean(per_pixel, axis=[-3, -2, -1])


def _downscale(x):
    """TF's MS-SSIM step: pad an odd height or width at the end (symmetric), then 2x2 average pooling."""
    h, w = x.shape[-3], x.shape[-2]
    head = tuple(x.shape[:-3])
    flat = reshape(x, (-1, h, w, x.shape[-1]))
    if h % 2 or w % 2:
        flat = pad(flat, [[0, 0], [0, h % 2], [0, w % 2], [0, 0]], mode="SYMMETRIC")
        h, w = h + h % 2, w + w % 2
    c = flat.shape[-1]
    pooled = reduce_mean(reshape(flat, (-1, h // 2, 2, w // 2, 2, c)), axis=[2, 4])
    return reshape(pooled, head + (h // 2, w // 2, c))


def ssim_multiscale(img1, img2, max_val, power_factors=_MSSSIM_WEIGHTS, filter_size=11, filter_sigma=1.5,
                    k1=0.01, k2=0.03):
    """Multi-scale SSIM (TF's ``tf.image.ssim_multiscale``): the product over scales of the
    (non-negative) contrast-structure means raised to ``power_factors``, the last scale using full
    SSIM, averaged over channels; each scale halves the images (2x2 average pooling after a
    symmetric pad of odd sizes). With the default five scales, images must be at least
    ``filter_size * 16`` pixels on a side."""
    opname = "wb.image.ssim_multiscale"
    x, y, src = _pair(img1, img2, opname)
    size, taps, k1, k2 = _ssim_args(filter_size, filter_sigma, k1, k2, opname)
    powers = [argcheck.number(p, "power_factors", opname) for p in np.asarray(power_factors).reshape(-1)]
    if not powers:
        raise ValueError(f"{opname}: power_factors must hold at least one weight")
    mv = _max_val(max_val, src, x, opname)
    result = None
    for k, p in enumerate(powers):
        if k:
            x, y = _downscale(x), _downscale(y)
        _check_size(x, size, f"{opname} (scale {k})")
        luminance, cs = _ssim_parts(x, y, mv, taps, k1, k2)
        value = luminance * cs if k == len(powers) - 1 else cs
        term = maximum(reduce_mean(value, axis=[-3, -2]), 0.0) ** p
        result = term if result is None else result * term
    return reduce_mean(result, axis=-1)


def image_gradients(image):
    """``(dy, dx)``: forward differences ``image[:, i + 1] - image[:, i]`` along height and width,
    each ``[batch, h, w, d]`` with a zero last row (column) (TF's ``tf.image.image_gradients``)."""
    x = batch4d_arg(image, "wb.image.image_gradients")
    dy = pad(x[:, 1:] - x[:, :-1], [[0, 0], [0, 1], [0, 0], [0, 0]])
    dx = pad(x[:, :, 1:] - x[:, :, :-1], [[0, 0], [0, 0], [0, 1], [0, 0]])
    return dy, dx


_SOBEL = (((-1, -2, -1), (0, 0, 0), (1, 2, 1)), ((-1, 0, 1), (-2, 0, 2), (-1, 0, 1)))


def sobel_edges(image):
    """Sobel responses ``[batch, h, w, d, 2]`` (vertical ``dy`` then horizontal ``dx``) of floating
    images, each channel filtered on its own after a reflecting pad of one pixel (TF's
    ``tf.image.sobel_edges``)."""
    opname = "wb.image.sobel_edges"
    x = convert_to_tensor(image)
    if x.ndim != 4:    # TF's reflecting pad refuses other ranks at run time
        raise InvalidArgumentError(f"{opname}: image must be 4-D [batch, height, width, channels], got shape "
                                   f"{x.shape}")
    if x.dtype.kind != "f":
        raise TypeError(f"{opname}: image must be floating, got dtype {x.dtype}; convert integer images "
                        "with wb.image.convert_image_dtype first")
    h, w = x.shape[1], x.shape[2]
    padded = pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]], mode="REFLECT")
    edges = []
    for kernel in _SOBEL:
        out = None
        for a in range(3):
            for b in range(3):
                if kernel[a][b]:
                    term = padded[:, a:a + h, b:b + w] * float(kernel[a][b])
                    out = term if out is None else out + term
        edges.append(out)
    return stack(edges, axis=-1)
