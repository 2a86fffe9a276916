"""Small generic helpers of ``tfp.math``: ``soft_threshold``, ``custom_gradient``, ``trapz``,
``soft_sorting_matrix``."""

from __future__ import annotations

import numpy as np

import workbench as wb

__all__ = ["soft_threshold", "custom_gradient", "trapz", "soft_sorting_matrix"]


def soft_threshold(x, threshold, name=None):
    """``sign(x) * max(|x| - threshold, 0)``: the proximity operator of ``threshold * |x|`` (it
    shrinks toward 0 and sets ``|x| <= threshold`` exactly to 0).

    >>> soft_threshold(wb.constant([-3., 0.5, 2.]), 1.).numpy()
    array([-2.,  0.,  1.], dtype=float32)
    """
    x = wb.convert_to_tensor(x)
    return wb.math.sign(x) * wb.math.maximum(wb.math.abs(x) - threshold, 0.)


def _sum_to_shape(t, shape):
    """Sum ``t`` over the axes it has beyond (or broadcasts along compared with) ``shape``."""
    extra = t.ndim - len(shape)
    if extra > 0:
        t = wb.reduce_sum(t, axis=list(range(extra)))
    axes = [i for i, (a, b) in enumerate(zip(t.shape, shape)) if b == 1 and a != 1]
    if axes:
        t = wb.reduce_sum(t, axis=axes, keepdims=True)
    return t


def custom_gradient(fx, gx, x, fx_gx_manually_stopped=False, name=None):
    """A tensor equal to ``fx`` whose gradient with respect to ``x`` is ``gx`` (times the incoming
    gradient); ``gx`` and ``x`` may be matching lists. Terms of other shapes than ``fx`` are summed
    down to it, so a scalar ``fx`` gets the gradient ``gx`` itself.

    >>> x = wb.constant([1., 2.])
    >>> with wb.GradientTape() as t:
    ...     t.watch(x); y = custom_gradient(wb.reduce_sum(x ** 2), 2. * x + 5., x)
    >>> t.gradient(y, x).numpy()
    array([7., 9.], dtype=float32)
    """
    xs = list(x) if isinstance(x, (list, tuple)) else [x]
    gxs = list(gx) if isinstance(gx, (list, tuple)) else [gx]
    if len(xs) != len(gxs):
        raise ValueError(f"custom_gradient: gx has {len(gxs)} parts but x has {len(xs)}, expected as many")
    fx = wb.convert_to_tensor(fx)
    out = fx if fx_gx_manually_stopped else wb.stop_gradient(fx)
    for xi, gi in zip(xs, gxs):
        xi = wb.convert_to_tensor(xi)
        gi = wb.convert_to_tensor(gi, dtype=xi.dtype)
        if not fx_gx_manually_stopped:
            gi = wb.stop_gradient(gi)
        term = gi * (xi - wb.stop_gradient(xi))
        out = out + wb.cast(_sum_to_shape(term, tuple(fx.shape)), fx.dtype)
    return out


def trapz(y, x=None, dx=None, axis=-1, name=None):
    """The trapezoid rule along ``axis``: with sample points ``x`` (broadcast against ``y``, or a 1-D
    grid along ``axis``), or equal spacing ``dx`` (default 1)."""
    y = wb.convert_to_tensor(y)
    if x is not None and dx is not None:
        raise ValueError("trapz: give at most one of x and dx, got both")
    axis = axis % y.ndim
    n = int(y.shape[axis])
    if n < 2:
        raise ValueError(f"trapz: y needs at least 2 points along axis {axis}, got shape {y.shape}")
    lo = wb.gather(y, list(range(n - 1)), axis=axis)
    hi = wb.gather(y, list(range(1, n)), axis=axis)
    if x is None:
        dx = 1.0 if dx is None else wb.convert_to_tensor(dx, dtype=y.dtype)
        return wb.reduce_sum((lo + hi) * 0.5, axis=axis) * dx
    x = wb.convert_to_tensor(x, dtype=y.dtype)
    if x.ndim == 1 and y.ndim > 1:
        x = wb.reshape(x, [n if i == axis else 1 for i in range(y.ndim)])
        xa = axis
    else:
        xa = axis - (y.ndim - x.ndim) if x.ndim < y.ndim else axis
    steps = (wb.gather(x, list(range(1, n)), axis=xa) - wb.gather(x, list(range(n - 1)), axis=xa))
    return wb.reduce_sum((lo + hi) * 0.5 * steps, axis=axis)


def soft_sorting_matrix(x, temperature, name=None):
    """NeuralSort's relaxed permutation matrix (Grover et al. 2019) sorting the last axis of ``x``
    from largest to smallest: row ``i`` is ``softmax(((n + 1 - 2i) x - sum_k |x - x_k|) / temperature)``.
    Shape ``x.shape + [n]``."""
    x = wb.convert_to_tensor(x)
    temperature = wb.convert_to_tensor(temperature, dtype=x.dtype)
    n = int(x.shape[-1])
    pair = wb.abs(wb.expand_dims(x, -1) - wb.expand_dims(x, -2))
    spread = wb.reduce_sum(pair, axis=-1)                                   # [..., n], per column j
    scaling = wb.constant(np.arange(n - 1, -n, -2), dtype=x.dtype)          # n+1-2i for i = 1..n
    logits = wb.expand_dims(scaling, -1) * wb.expand_dims(x, -2) - wb.expand_dims(spread, -2)
    return wb.nn.softmax(logits / temperature, axis=-1)
