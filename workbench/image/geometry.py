"""Where pixels go: crops, pads, flips, rotations by quarter turns, transposition and patch
extraction (TF's ``crop_to_bounding_box``, ``pad_to_bounding_box``, ``central_crop``,
``resize_with_crop_or_pad``, ``flip_left_right``, ``flip_up_down``, ``rot90``, ``transpose``,
``extract_patches``).

Each is a slice, a pad, a reversal, a transposition or a gather with positions computed on the
host from the static shapes, so it is differentiable with respect to the images and keeps a
``wb.function`` trace replayable.

>>> wb.image.rot90(wb.reshape(wb.range(4.0), [2, 2, 1]))[..., 0].numpy()
array([[1., 3.],
       [0., 2.]], dtype=float32)
"""

from __future__ import annotations

import numpy as np

from .. import core
from ..core import Tensor
from ..errors import InvalidArgumentError, argcheck
from ..ops.indexing import pad, reverse, take_rows
from ..ops.shape import reshape, transpose as _transpose
from ._common import batch4d_arg, images_arg, index, restore, static_dims, with_static

__all__ = ["central_crop", "crop_to_bounding_box", "extract_patches", "flip_left_right", "flip_up_down",
           "pad_to_bounding_box", "resize_with_crop_or_pad", "rot90", "transpose"]


def crop_to_bounding_box(image, offset_height, offset_width, target_height, target_width):
    """The window ``[offset_height : offset_height + target_height, offset_width : ... + target_width]``
    of every image (TF's ``tf.image.crop_to_bounding_box``); it must lie inside the image."""
    opname = "wb.image.crop_to_bounding_box"
    x, was_3d = images_arg(image, opname)
    oh = argcheck.integer(offset_height, "offset_height", opname, minimum=0)
    ow = argcheck.integer(offset_width, "offset_width", opname, minimum=0)
    th = argcheck.integer(target_height, "target_height", opname, minimum=1)
    tw = argcheck.integer(target_width, "target_width", opname, minimum=1)
    if oh + th > x.shape[1] or ow + tw > x.shape[2]:
        raise ValueError(f"{opname}: the box [{oh}:{oh + th}, {ow}:{ow + tw}] does not fit in images of height "
                         f"{x.shape[1]} and width {x.shape[2]}")
    return _boxed(restore(x[:, oh:oh + th, ow:ow + tw], was_3d), image, th, tw)


def _boxed(out, image, th, tw):
    """``out`` with TF's static shape in a trace: the image's, at height ``th`` and width ``tw``."""
    dims = static_dims(image)
    if dims is None or len(dims) not in (3, 4):
        return out
    dims[-3:-1] = [th, tw]
    return with_static(out, dims)


def pad_to_bounding_box(image, offset_height, offset_width, target_height, target_width):
    """Zero-pad every image to ``[target_height, target_width]`` with the image's top-left corner at
    ``(offset_height, offset_width)`` (TF's ``tf.image.pad_to_bounding_box``)."""
    opname = "wb.image.pad_to_bounding_box"
    x, was_3d = images_arg(image, opname)
    oh = argcheck.integer(offset_height, "offset_height", opname, minimum=0)
    ow = argcheck.integer(offset_width, "offset_width", opname, minimum=0)
    th = argcheck.integer(target_height, "target_height", opname, minimum=1)
    tw = argcheck.integer(target_width, "target_width", opname, minimum=1)
    h, w = x.shape[1], x.shape[2]
    if th < oh + h:
        raise ValueError(f"{opname}: target_height must be >= offset_height + height = {oh} + {h}, got {th}")
    if tw < ow + w:
        raise ValueError(f"{opname}: target_width must be >= offset_width + width = {ow} + {w}, got {tw}")
    return _boxed(restore(pad(x, [[0, 0], [oh, th - oh - h], [ow, tw - ow - w], [0, 0]]), was_3d), image, th, tw)


def central_crop(image, central_fraction):
    """The central ``central_fraction`` (in ``(0, 1]``) of every image along height and width
    (TF's ``tf.image.central_crop``: the window starts at ``int((h - h * fraction) / 2)``)."""
    opname = "wb.image.central_crop"
    x, was_3d = images_arg(image, opname)
    f = argcheck.number(central_fraction, "central_fraction", opname)
    if not 0.0 < f <= 1.0:
        raise ValueError(f"{opname}: central_fraction must be within (0, 1], got {f}")
    if f == 1.0:
        return restore(x, was_3d)
    h, w = x.shape[1], x.shape[2]
    top, left = int((h - h * f) / 2), int((w - w * f) / 2)
    return restore(x[:, top:h - top, left:w - left], was_3d)


def resize_with_crop_or_pad(image, target_height, target_width):
    """Centre-crop and/or zero-pad every image to ``[target_height, target_width]`` (TF's
    ``tf.image.resize_with_crop_or_pad``: an odd excess is cropped or padded more at the end)."""
    opname = "wb.image.resize_with_crop_or_pad"
    x, was_3d = images_arg(image, opname)
    th = argcheck.integer(target_height, "target_height", opname, minimum=1)
    tw = argcheck.integer(target_width, "target_width", opname, minimum=1)
    h, w = x.shape[1], x.shape[2]
    dh, dw = th - h, tw - w
    crop_top, crop_left = max(-dh // 2, 0), max(-dw // 2, 0)
    pad_top, pad_left = max(dh // 2, 0), max(dw // 2, 0)
    y = crop_to_bounding_box(x, crop_top, crop_left, min(th, h), min(tw, w))
    return _boxed(restore(pad_to_bounding_box(y, pad_top, pad_left, th, tw), was_3d), image, th, tw)


def flip_left_right(image):
    """Mirror every image horizontally (reverse the width axis)."""
    x, was_3d = images_arg(image, "wb.image.flip_left_right")
    return restore(reverse(x, axis=[2]), was_3d)


def flip_up_down(image):
    """Mirror every image vertically (reverse the height axis)."""
    x, was_3d = images_arg(image, "wb.image.flip_up_down")
    return restore(reverse(x, axis=[1]), was_3d)


def rot90(image, k=1, name=None):
    """Rotate every image ``k`` quarter turns counter-clockwise (TF's ``tf.image.rot90``; NumPy's
    ``rot90`` over the height and width axes)."""
    opname = "wb.image.rot90"
    x, was_3d = images_arg(image, opname)
    k = argcheck.integer(k, "k", opname) % 4
    if k == 0:
        y = x
    elif k == 2:
        y = reverse(x, axis=[1, 2])
    elif k == 1:
        y = _transpose(reverse(x, axis=[2]), [0, 2, 1, 3])
    else:
        y = reverse(_transpose(x, [0, 2, 1, 3]), axis=[2])
    y = restore(y, was_3d)
    dims = static_dims(image)
    if dims is not None and len(dims) in (3, 4):
        # TF: one branch per k (a tensor), merged: height and width known only when they agree
        h, w = dims[-3:-1]
        dims[-3:-1] = [h, w] if h == w else [None, None]
        return with_static(y, dims)
    return y


def transpose(image, name=None):
    """Swap the height and width axes of every image (TF's ``tf.image.transpose``)."""
    x, was_3d = images_arg(image, "wb.image.transpose")
    return restore(_transpose(x, [0, 2, 1, 3]), was_3d)


def _window_arg(value, what, opname):
    v = argcheck.integers(value, what, opname, expected="[1, rows, cols, 1]")
    if len(v) != 4 or v[0] != 1 or v[3] != 1 or min(v) < 1:
        raise ValueError(f"{opname}: {what} must be four positive integers [1, rows, cols, 1], got {list(v)}")
    return v[1], v[2]


def _patch_axis(n, k, s, r, padding):
    """Output size, padding before and the window starts along one axis (TF's conv arithmetic)."""
    k_eff = (k - 1) * r + 1
    if padding == "VALID":
        out = max((n - k_eff) // s + 1, 0)
        before = 0
    else:
        out = -(-n // s)
        before = max((out - 1) * s + k_eff - n, 0) // 2
    return out, before, np.arange(out) * s


def extract_patches(images, sizes, strides, rates, padding, name=None):
    """Patches of ``images [batch, height, width, depth]`` as the last dimension (TF's
    ``tf.image.extract_patches``).

    ``sizes = [1, rows, cols, 1]`` is the patch size, ``strides = [1, sr, sc, 1]`` the distance
    between patch starts, ``rates = [1, rr, rc, 1]`` the dilation inside a patch; ``padding``
    ``"VALID"`` (only whole patches) or ``"SAME"`` (zero padding, ``ceil(size / stride)``
    patches). The result is ``[batch, out_rows, out_cols, rows * cols * depth]``, each patch
    flattened in (row, col, depth) order.
    """
    opname = "wb.image.extract_patches"
    x = batch4d_arg(images, opname)
    kh, kw = _window_arg(sizes, "sizes", opname)
    sh, sw = _window_arg(strides, "strides", opname)
    rh, rw = _window_arg(rates, "rates", opname)
    mode = str(padding).upper() if isinstance(padding, str) else None
    if mode not in ("VALID", "SAME"):
        raise InvalidArgumentError(f"{opname}: padding must be 'VALID' or 'SAME', got {padding!r}")
    b, h, w, c = x.shape
    out_h, top, rows = _patch_axis(h, kh, sh, rh, mode)
    out_w, left, cols = _patch_axis(w, kw, sw, rw, mode)
    if mode == "SAME":
        need_h = max((out_h - 1) * sh + (kh - 1) * rh + 1, h + top)
        need_w = max((out_w - 1) * sw + (kw - 1) * rw + 1, w + left)
        x = pad(x, [[0, 0], [top, need_h - h - top], [left, need_w - w - left], [0, 0]])
        h, w = need_h, need_w
    if out_h == 0 or out_w == 0:
        return _patches_static(reshape(x[:, :0, :0], (b, out_h, out_w, kh * kw * c)), images, (kh, kw),
                               (sh, sw), (rh, rw), mode)
    # index of every (out row, out col, patch row, patch col) pixel in the flattened image
    ys = rows[:, None, None, None] + (np.arange(kh) * rh)[None, None, :, None]
    xs = cols[None, :, None, None] + (np.arange(kw) * rw)[None, None, None, :]
    flat = reshape(x, (b, h * w, c))
    picked = take_rows(flat, index((ys * w + xs).reshape(-1), flat), axis=1)
    return _patches_static(reshape(picked, (b, out_h, out_w, kh * kw * c)), images, (kh, kw), (sh, sw), (rh, rw),
                           mode)


def _patches_static(out, images, sizes, strides, rates, mode):
    """``out`` with TF's static shape in a trace: each size the images' static shape knows."""
    if not core.tracing() or not isinstance(images, Tensor):
        return out
    s = images._static_shape()
    b, h, w, c = [None] * 4 if s.rank != 4 else s.as_list()
    dims = [None if n is None else _patch_axis(n, k, st, r, mode)[0]
            for n, k, st, r in zip((h, w), sizes, strides, rates)]
    return core.static_result(out, (b, *dims, None if c is None else sizes[0] * sizes[1] * c))
