"""``extract_glimpse``: windows cut from images at given offsets (TF's ExtractGlimpseV2)."""

from __future__ import annotations

import numpy as np

from ..core import convert_to_tensor
from ._common import static_dims, with_static

__all__ = ["extract_glimpse"]

_NOISES = ("uniform", "gaussian", "zero")


def extract_glimpse(input, size, offsets, centered=True, normalized=True, noise="uniform", name=None):  # noqa: A002
    """Windows of ``size`` ``(height, width)`` from images ``[batch, H, W, C]``, one per image at
    ``offsets`` ``[batch, 2]`` (``(y, x)``; TF's ``tf.image.extract_glimpse``, version 2):

    * not ``centered``: the offset is the window's top-left pixel (times ``H``/``W`` when
      ``normalized``);
    * ``centered`` and not ``normalized``: the top-left is the offset plus ``(H/2, W/2)``;
    * ``centered`` and ``normalized``: the offset, in ``[-1, 1]``, is the window's centre.

    Coordinates truncate toward zero. Pixels outside the image are ``noise``: ``'zero'``,
    ``'uniform'`` (between the channel's minimum and maximum in that image) or ``'gaussian'``
    (its mean and deviation), from NumPy's generator, so not TF's numbers. Not differentiable.

    >>> x = wb.reshape(wb.range(9.0), [1, 3, 3, 1])
    >>> wb.image.extract_glimpse(x, size=(2, 2), offsets=[[1, 1]], centered=False,
    ...                          normalized=False).numpy()[0, :, :, 0]
    array([[4., 5.],
           [7., 8.]], dtype=float32)
    """
    opname = "wb.image.extract_glimpse"
    x = convert_to_tensor(input)
    if x.ndim != 4:
        raise ValueError(f"{opname}: input must be 4-D [batch, height, width, channels], got shape {x.shape}")
    hw = [int(v) for v in np.asarray(convert_to_tensor(size).numpy()).reshape(-1)]
    if len(hw) != 2 or min(hw) < 1:
        raise ValueError(f"{opname}: size must be 2 positive integers (height, width), got {size!r}")
    off = np.asarray(convert_to_tensor(offsets).numpy(), dtype=np.float64)
    n, height, width, channels = x.shape
    if off.shape != (n, 2):
        raise ValueError(f"{opname}: offsets must have shape [{n}, 2] (one (y, x) per image), got {off.shape}")
    if noise not in _NOISES:
        raise ValueError(f"{opname}: noise must be one of {list(_NOISES)}, got {noise!r}")
    img = np.asarray(x.numpy())
    gh, gw = hw
    out = np.zeros((n, gh, gw, channels), dtype=img.dtype)
    rng = np.random.default_rng()
    for b in range(n):
        y0, x0 = float(np.float32(off[b, 0])), float(np.float32(off[b, 1]))
        if normalized:
            y0, x0 = y0 * height, x0 * width
            if centered:
                y0, x0 = y0 / 2.0 + height / 2.0 - gh / 2.0, x0 / 2.0 + width / 2.0 - gw / 2.0
        elif centered:
            y0, x0 = y0 + height / 2.0, x0 + width / 2.0
        top, left = int(y0), int(x0)     # truncation toward zero, as the kernel's cast
        if noise == "uniform":
            lo, hi = img[b].min(axis=(0, 1)), img[b].max(axis=(0, 1))
            out[b] = rng.uniform(lo, hi, size=(gh, gw, channels)).astype(img.dtype)
        elif noise == "gaussian":
            mu, sd = img[b].mean(axis=(0, 1)), img[b].std(axis=(0, 1))
            out[b] = rng.normal(mu, sd, size=(gh, gw, channels)).astype(img.dtype)
        r0, r1 = max(top, 0), min(top + gh, height)
        c0, c1 = max(left, 0), min(left + gw, width)
        if r0 < r1 and c0 < c1:
            out[b, r0 - top:r1 - top, c0 - left:c1 - left] = img[b, r0:r1, c0:c1]
    dims = static_dims(input)
    return with_static(convert_to_tensor(out), None if dims is None else (dims[0], gh, gw, dims[-1]))
