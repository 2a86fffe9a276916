"""Norm clipping (TF's ``tf.clip_by_norm``, ``tf.clip_by_global_norm``, ``tf.linalg.global_norm``).

Composed from public ops, so every function here is differentiable on a tape
(and again for second order). The square root is taken only where the sum of
squares is positive, so the gradient at an all-zero tensor is finite, as in TF.
"""

from __future__ import annotations

import numpy as np

from ..errors import argcheck
from ..core import Tensor, convert_to_tensor
from .elementwise import cast, maximum, minimum, multiply, sqrt, where
from .reduce import reduce_sum

__all__ = ["clip_by_norm", "clip_by_global_norm", "global_norm"]


def _float_tensor(t, what):
    t = convert_to_tensor(t)
    if t.dtype.kind not in "fc":
        raise TypeError(f"{what}: expected a floating tensor, got dtype {t.dtype} (shape {t.shape})")
    return t


def _safe_sqrt(sum_sq):
    """sqrt(x) with a finite gradient at x == 0 (the gradient there is zero)."""
    positive = sum_sq > 0
    safe = where(positive, sum_sq, 1)
    return where(positive, sqrt(safe), sum_sq)


def _clip_norm(clip_norm, dtype, opname):
    """``clip_norm`` (a number or a tensor) as a tensor of ``dtype``."""
    if isinstance(clip_norm, Tensor):
        return cast(clip_norm, dtype)
    if argcheck.as_float(clip_norm) is None and not hasattr(clip_norm, "__array__"):
        raise TypeError(f"{opname}: clip_norm must be a number or a scalar tensor, "
                        f"got {argcheck.describe(clip_norm)}")
    return cast(convert_to_tensor(clip_norm, dtype_hint=dtype), dtype)


def clip_by_norm(t, clip_norm, axes=None, name=None):
    """``t * clip_norm / max(||t||, clip_norm)``: rescale ``t`` so its L2 norm is at most ``clip_norm``.

    With ``axes``, the norm is taken over those axes only (each slice is clipped on its own).

    >>> wb.clip_by_norm(wb.constant([3.0, 4.0]), 1.0).numpy()
    array([0.6, 0.8], dtype=float32)
    """
    t = _float_tensor(t, "clip_by_norm")
    clip = _clip_norm(clip_norm, t.dtype, "clip_by_norm")
    if clip.ndim != 0:
        raise ValueError(f"clip_by_norm: clip_norm must be a scalar, got shape {clip.shape}")
    norm = _safe_sqrt(reduce_sum(t * t, axis=axes, keepdims=True))
    return t * clip / maximum(norm, clip)


def global_norm(t_list, name=None):
    """``sqrt(sum_i ||t_i||^2)`` over a list of tensors; ``None`` entries are ignored.

    >>> wb.linalg.global_norm([wb.constant([3.0]), None, wb.constant([4.0])]).numpy()
    5.0
    """
    if isinstance(t_list, (Tensor, str)) or not isinstance(t_list, (list, tuple)):
        raise TypeError(f"global_norm: t_list must be a list or tuple of tensors, got "
                        f"{type(t_list).__name__}")
    tensors = [_float_tensor(t, f"global_norm (entry {i})") for i, t in enumerate(t_list)
               if t is not None]
    if not tensors:
        return convert_to_tensor(0.0)
    dtypes = {t.dtype for t in tensors}
    if len(dtypes) > 1:
        raise TypeError(f"global_norm: all tensors must have the same dtype, got "
                        f"{sorted(str(d) for d in dtypes)}; cast them first")
    # TF's: sqrt(2 * sum of the l2_losses): its gradient at a zero norm is NaN, as TF's
    half = reduce_sum(tensors[0] * tensors[0]) * 0.5
    for t in tensors[1:]:
        half = half + reduce_sum(t * t) * 0.5
    return sqrt(half * 2.0)


def clip_by_global_norm(t_list, clip_norm, use_norm=None, name=None):
    """Scale every tensor in ``t_list`` by ``clip_norm / max(global_norm, clip_norm)``.

    Returns ``(clipped_list, global_norm)``. ``None`` entries stay ``None``. If the
    global norm is infinite or NaN, every clipped value is NaN (TF's rule), so a
    divergent step is visible rather than silently rescaled. ``use_norm`` supplies a
    precomputed global norm.

    >>> grads, norm = wb.clip_by_global_norm([wb.constant([3.0]), wb.constant([4.0])], 1.0)
    >>> norm.numpy(), grads[1].numpy()
    (5.0, array([0.8], dtype=float32))
    """
    if isinstance(t_list, (Tensor, str)) or not isinstance(t_list, (list, tuple)):
        raise TypeError(f"clip_by_global_norm: t_list must be a list or tuple of tensors, got "
                        f"{type(t_list).__name__}")
    norm = global_norm(t_list) if use_norm is None else convert_to_tensor(use_norm)
    clip = _clip_norm(clip_norm, norm.dtype, "clip_by_global_norm")
    one = convert_to_tensor(np.ones((), norm.dtype))
    # min(1/norm, 1/clip) * clip, plus (norm - norm) which is NaN exactly when norm is inf/NaN
    scale = multiply(clip, minimum(one / norm, one / clip)) + (norm - norm)
    clipped = []
    for t in t_list:
        if t is not None:
            t = convert_to_tensor(t)
            t = t * cast(scale, t.dtype)
        clipped.append(t)
    return clipped, norm
