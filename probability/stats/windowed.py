"""Windowed and cumulative moments (``tfp.stats``): ``windowed_mean``, ``windowed_variance``,
``cumulative_variance``."""

from __future__ import annotations

import numpy as np

import workbench as wb

__all__ = ["windowed_mean", "windowed_variance", "cumulative_variance"]


def _windows(opname, x, low_indices, high_indices, axis):
    """Index tensors shaped to broadcast against ``x`` with the window axis at ``axis``."""
    n = int(x.shape[axis])
    if low_indices is None and high_indices is None:
        # TFP's default: the trailing half ending at i, [ (i + 1) // 2, i ]
        low = (np.arange(n) + 1) // 2
        high = np.arange(n) + 1
        shape = [1] * x.ndim
        shape[axis] = n
        return wb.constant(low.reshape(shape)), wb.constant(high.reshape(shape))
    if low_indices is None or high_indices is None:
        raise ValueError(f"{opname}: give both low_indices and high_indices, or neither")
    low = wb.cast(wb.convert_to_tensor(low_indices), wb.int64)
    high = wb.cast(wb.convert_to_tensor(high_indices), wb.int64)
    if low.ndim == 1 and x.ndim > 1:
        shape = [1] * x.ndim
        shape[axis] = -1
        low, high = wb.reshape(low, shape), wb.reshape(high, shape)
    return low, high


def _prefix(x, axis):
    """Cumulative sums along ``axis`` with a leading 0: ``s[k] = sum(x[:k])``."""
    pad = [[0, 0]] * x.ndim
    pad[axis] = [1, 0]
    return wb.pad(wb.cumsum(x, axis=axis), pad)


def _take(prefix, idx, axis):
    """``prefix`` gathered along ``axis`` at the (broadcast) indices ``idx``."""
    perm = [a for a in range(prefix.ndim) if a != axis] + [axis]
    inv = np.argsort(perm).tolist()
    p = wb.transpose(prefix, perm)
    i = wb.transpose(idx, perm)
    batch = np.broadcast_shapes(tuple(p.shape[:-1]), tuple(i.shape[:-1]))
    p = wb.broadcast_to(p, list(batch) + [int(p.shape[-1])])
    i = wb.broadcast_to(i, list(batch) + [int(i.shape[-1])])
    return wb.transpose(wb.gather(p, i, axis=-1, batch_dims=len(batch)), inv)


def windowed_mean(x, low_indices=None, high_indices=None, axis=0, name=None):
    """Means of ``x[low:high]`` along ``axis`` for each pair of indices (``high`` exclusive).
    Without indices, the window for position ``i`` is ``[(i + 1) // 2, i]`` (the trailing half)."""
    x = wb.convert_to_tensor(x)
    axis = axis % x.ndim
    low, high = _windows("windowed_mean", x, low_indices, high_indices, axis)
    prefix = _prefix(x, axis)
    count = wb.cast(high - low, x.dtype)
    return (_take(prefix, high, axis) - _take(prefix, low, axis)) / count


def windowed_variance(x, low_indices=None, high_indices=None, axis=0, name=None):
    """Population variances (divided by the window size) of ``x[low:high]`` along ``axis``, windows
    as in ``windowed_mean``; computed about the whole series' mean to limit cancellation."""
    x = wb.convert_to_tensor(x)
    axis = axis % x.ndim
    low, high = _windows("windowed_variance", x, low_indices, high_indices, axis)
    centred = x - wb.stop_gradient(wb.reduce_mean(x, axis=axis, keepdims=True))
    p1, p2 = _prefix(centred, axis), _prefix(wb.square(centred), axis)
    count = wb.cast(high - low, x.dtype)
    s1 = _take(p1, high, axis) - _take(p1, low, axis)
    s2 = _take(p2, high, axis) - _take(p2, low, axis)
    mean = s1 / count
    return wb.maximum(s2 / count - wb.square(mean), wb.zeros_like(mean))


def cumulative_variance(x, sample_axis=0, name=None):
    """Population variances of ``x[:1], x[:2], ...`` along ``sample_axis``."""
    x = wb.convert_to_tensor(x)
    axis = sample_axis % x.ndim
    n = int(x.shape[axis])
    return windowed_variance(x, low_indices=np.zeros(n, np.int64), high_indices=np.arange(1, n + 1), axis=axis)
