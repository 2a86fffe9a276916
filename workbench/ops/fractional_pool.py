"""TF's ``nn.fractional_max_pool`` / ``fractional_avg_pool`` (Graham 2014): pooling regions of
``floor(ratio)`` or ``ceil(ratio)`` rows (columns) whose boundaries are drawn at random
(``pseudo_random=False``: the sizes shuffled) or from one offset ``u``
(``pseudo_random=True``: ``ceil(ratio * (i + u))``). With ``overlapping`` a region also takes
the next region's first row and column.

The boundaries come from the library's generator seeded by ``seed`` (0: unseeded); TF's
Philox stream is not reproduced, so the same seed gives other (equally valid) regions than TF.
The pooling itself is separable (a rectangle's max or mean is the max or mean over its rows of
that over its columns) and written with gather and reductions, so it differentiates to any
order.
"""

from __future__ import annotations

import math

import numpy as np

from ..core import convert_to_tensor
from .indexing import gather
from .reduce import reduce_max, reduce_sum
from .shape import reshape

__all__ = ["fractional_avg_pool", "fractional_max_pool"]


def _sequence(n_in, n_out, pseudo_random, rng):
    """Region starts ``[0, ..., n_in]`` (``n_out + 1`` values), each region ``k`` or ``k + 1``."""
    k = n_in // n_out
    if pseudo_random:
        alpha = n_in / n_out
        u_max = min((k + 2) / alpha - 1, (n_in + 1 - k) / alpha - (n_out - 1))
        u = rng.random() * u_max
        cum = [1] + [int(math.ceil(alpha * (i + u))) for i in range(1, n_out)] + [n_in + 1]
        diff = np.diff(cum)
    else:
        diff = np.full(n_out, k)
        diff[:n_in % n_out] += 1
        rng.shuffle(diff)
    return np.concatenate([[0], np.cumsum(diff)]).astype(np.int64)


def _regions(seq, n_in, overlapping):
    """``(index [n_out, L], weight [n_out, L])``: each region's rows, padded by repeating its
    last row (weight 0), and ``1 / size`` weights for the mean."""
    starts, ends = seq[:-1], seq[1:] + (1 if overlapping else 0)
    ends = np.minimum(ends, n_in)
    sizes = ends - starts
    width = int(sizes.max())
    offs = np.arange(width)[None, :]
    index = np.minimum(starts[:, None] + offs, ends[:, None] - 1)
    weight = np.where(offs < sizes[:, None], 1.0 / sizes[:, None], 0.0)
    return index, weight


def _pool(x, rows, cols, overlapping, mode):
    """Pool ``x [b, h, w, c]`` over the regions of the sequences ``rows`` and ``cols``."""
    out = x
    for axis, seq in ((1, rows), (2, cols)):
        index, weight = _regions(seq, x.shape[axis], overlapping)
        picked = gather(out, index.reshape(-1), axis=axis)
        shape = list(out.shape)
        shape[axis:axis + 1] = list(index.shape)
        picked = reshape(picked, shape)
        if mode == "max":
            out = reduce_max(picked, axis=axis + 1)
        else:
            w = weight.reshape([1] * axis + list(weight.shape) + [1] * (len(shape) - axis - 2))
            out = reduce_sum(picked * convert_to_tensor(w.astype(np.dtype(x.dtype.name))), axis=axis + 1)
    return out


def _fractional(value, pooling_ratio, pseudo_random, overlapping, seed, mode, opname):
    x = convert_to_tensor(value)
    if x.ndim != 4:
        raise ValueError(f"{opname}: value must be 4-D [batch, height, width, channels], got shape {x.shape}")
    if x.dtype.kind not in "fiu" or x.dtype.kind == "b":
        raise TypeError(f"{opname}: value has dtype {x.dtype}, expected a real numeric dtype")
    ratio = [float(r) for r in (pooling_ratio if isinstance(pooling_ratio, (list, tuple)) else [pooling_ratio])]
    if len(ratio) == 1:
        ratio = [1.0, ratio[0], ratio[0], 1.0]
    if len(ratio) != 4:
        raise ValueError(f"{opname}: pooling_ratio must have 4 elements, got {pooling_ratio!r}")
    if ratio[0] != 1.0 or ratio[3] != 1.0:
        raise ValueError(f"{opname}: `pooling_ratio` should have first and last elements with value 1.0. "
                         f"Received: pooling_ratio={pooling_ratio}")
    if min(ratio) < 1.0:
        raise ValueError(f"{opname}: `pooling_ratio` elements should be >= 1.0. Received: "
                         f"pooling_ratio={pooling_ratio}")
    h, w = x.shape[1], x.shape[2]
    out_h, out_w = int(h / ratio[1]), int(w / ratio[2])
    if out_h < 1 or out_w < 1:
        raise ValueError(f"{opname}: pooling_ratio {ratio} leaves no output for input {x.shape}")
    rng = np.random.default_rng(None if not seed else int(seed))
    rows = _sequence(h, out_h, pseudo_random, rng)
    cols = _sequence(w, out_w, pseudo_random, rng)
    out = _pool(x, rows, cols, overlapping, mode)
    return out, convert_to_tensor(rows), convert_to_tensor(cols)


def fractional_max_pool(value, pooling_ratio, pseudo_random=False, overlapping=False, seed=0, name=None):
    """``(output, row_pooling_sequence, col_pooling_sequence)``: the max over each region of
    ``value`` ``[batch, height, width, channels]``; ``pooling_ratio`` ``[1, rows, cols, 1]``
    (each >= 1) gives ``floor(height / rows)`` by ``floor(width / cols)`` regions, bounded by the
    int64 sequences returned."""
    return _fractional(value, pooling_ratio, pseudo_random, overlapping, seed, "max", "fractional_max_pool")


def fractional_avg_pool(value, pooling_ratio, pseudo_random=False, overlapping=False, seed=0, name=None):
    """As :func:`fractional_max_pool`, with the mean over each region."""
    return _fractional(value, pooling_ratio, pseudo_random, overlapping, seed, "mean", "fractional_avg_pool")
