"""``percentile``, ``quantiles``, ``histogram``, ``find_bins`` and ``count_integers`` (``tfp.stats``)."""

from __future__ import annotations

import numpy as np

import workbench as wb

__all__ = ["percentile", "quantiles", "histogram", "find_bins", "count_integers"]

_INTERPOLATIONS = ("nearest", "linear", "lower", "higher", "midpoint")


def _axes(opname, axis, ndim):
    """The sorted, non-negative axes ``axis`` names (all for None), checked against ``ndim``."""
    if axis is None:
        return list(range(ndim))
    axes = [axis] if isinstance(axis, (int, np.integer)) else list(axis)
    out = []
    for a in axes:
        a = int(a)
        if not -ndim <= a < ndim:
            raise ValueError(f"{opname}: axis {a} is out of range for a tensor of rank {ndim}")
        out.append(a % ndim)
    if len(set(out)) != len(out):
        raise ValueError(f"{opname}: axis {axis} repeats an axis")
    return sorted(out)


def _move_to_end(x, axes):
    """``x`` with ``axes`` moved last and flattened into one; also the kept axes."""
    keep = [i for i in range(x.ndim) if i not in axes]
    y = wb.transpose(x, keep + axes) if x.ndim else x
    n = int(np.prod([x.shape[a] for a in axes])) if axes else 1
    return wb.reshape(y, [x.shape[i] for i in keep] + [n]), keep


def _restore(result, x, axes, keepdims, q_rank):
    """Put size-1 axes back where ``axes`` were (after ``q_rank`` leading q axes) when ``keepdims``."""
    if not keepdims:
        return result
    shape = list(result.shape[:q_rank]) + [1 if i in axes else x.shape[i] for i in range(x.ndim)]
    return wb.reshape(result, shape)


def percentile(x, q, axis=None, interpolation=None, keepdims=False, validate_args=False,
               preserve_gradients=True, name=None):
    """The ``q``-th percentile(s) of ``x`` over ``axis`` (all axes for None).

    ``interpolation`` is one of ``'nearest'`` (the default), ``'linear'``, ``'lower'``,
    ``'higher'``, ``'midpoint'``, as in ``np.percentile``'s ``method`` (the last two need a
    floating ``x``; the others keep an integer dtype). A vector ``q`` puts its axis first in the
    result; a batch member holding a NaN gets NaN. Gradients flow to the order statistics used.

    >>> percentile([1., 2., 3., 4.], 50., interpolation='linear').numpy()
    2.5
    """
    interpolation = "nearest" if interpolation is None else interpolation
    if interpolation not in _INTERPOLATIONS:
        raise ValueError(f"percentile: interpolation must be one of {_INTERPOLATIONS}, got {interpolation!r}")
    x = wb.convert_to_tensor(x)
    if x.dtype == wb.bool or "complex" in str(x.dtype):
        raise TypeError(f"percentile: x has dtype {x.dtype}, expected a real numeric dtype")
    floating = x.dtype in (wb.float16, wb.float32, wb.float64)
    if interpolation in ("linear", "midpoint") and not floating:
        raise TypeError(f"percentile: {interpolation} interpolation needs a floating x, got dtype {x.dtype}")
    q_np = np.asarray(q.numpy() if hasattr(q, "numpy") else q, dtype=np.float64)
    if q_np.ndim > 1:
        raise ValueError(f"percentile: q must be a scalar or a vector, got shape {q_np.shape}")
    if np.any((q_np < 0) | (q_np > 100)) or np.any(np.isnan(q_np)):
        raise ValueError(f"percentile: q must lie in [0, 100], got {q_np.tolist()}")
    axes = _axes("percentile", axis, x.ndim)
    flat, _ = _move_to_end(x, axes)
    d = int(flat.shape[-1])
    if d == 0:
        raise ValueError("percentile: x has no elements along the reduced axes")
    ys = wb.sort(flat, axis=-1)
    pos = q_np.reshape(-1) / 100.0 * (d - 1)
    lo = np.floor(pos).astype(np.int64)
    hi = np.ceil(pos).astype(np.int64)
    if interpolation == "nearest":
        res = wb.gather(ys, np.round(pos).astype(np.int64), axis=-1)
    elif interpolation == "lower":
        res = wb.gather(ys, lo, axis=-1)
    elif interpolation == "higher":
        res = wb.gather(ys, hi, axis=-1)
    else:
        a, b = wb.gather(ys, lo, axis=-1), wb.gather(ys, hi, axis=-1)
        frac = 0.5 * (hi > lo) if interpolation == "midpoint" else pos - lo
        res = a + wb.cast(wb.constant(np.asarray(frac, np.float64)), x.dtype) * (b - a)
    if floating:   # a batch member holding a NaN has NaN percentiles
        has_nan = wb.reduce_any(wb.is_nan(flat), axis=-1, keepdims=True)
        res = wb.where(has_nan, wb.zeros_like(res) + float("nan"), res)
    # res: kept-axes shape + [len(q)] -> q first
    nq = res.ndim - 1
    res = wb.transpose(res, [nq] + list(range(nq)))
    if q_np.ndim == 0:
        res = wb.reshape(res, res.shape[1:])
    return _restore(res, x, axes, keepdims, q_np.ndim)


def quantiles(x, num_quantiles, axis=None, interpolation=None, keepdims=False, validate_args=False, name=None):
    """The ``num_quantiles + 1`` cut points splitting ``x`` into equal-count parts: ``percentile`` at
    ``linspace(0, 100, num_quantiles + 1)``, the quantile axis first (``interpolation`` default
    ``'nearest'``)."""
    num_quantiles = int(num_quantiles)
    if num_quantiles < 1:
        raise ValueError(f"quantiles: num_quantiles must be at least 1, got {num_quantiles}")
    q = np.linspace(0.0, 100.0, num_quantiles + 1)
    return percentile(x, q, axis=axis, interpolation=interpolation, keepdims=keepdims)


def find_bins(x, edges, extend_lower_interval=False, extend_upper_interval=False, dtype=None, name=None):
    """The index ``k`` of the interval ``[edges[k], edges[k + 1])`` (the last closed) holding each
    value of ``x``; outside the intervals (unless extended) and at NaN: NaN for a floating
    ``dtype`` (default ``x``'s), ``-1`` / ``len(edges) - 1`` below / above for an integer one."""
    x = wb.convert_to_tensor(x)
    e = _edges("find_bins", edges)
    values = np.asarray(x.numpy(), np.float64)
    nb = e.size - 1
    idx = np.clip(np.searchsorted(e, values, side="right") - 1, 0, nb - 1).astype(np.float64)
    out_dtype = x.dtype if dtype is None else wb.as_dtype(dtype)
    floating = out_dtype in (wb.float16, wb.float32, wb.float64)
    if not extend_lower_interval:
        idx = np.where(values < e[0], np.nan if floating else -1, idx)
    if not extend_upper_interval:
        idx = np.where(values > e[-1], np.nan if floating else nb, idx)
    idx = np.where(np.isnan(values), np.nan if floating else 0, idx)
    return wb.cast(wb.constant(idx), out_dtype)


def _edges(opname, edges):
    e = np.asarray(edges.numpy() if hasattr(edges, "numpy") else edges, dtype=np.float64)
    if e.ndim != 1 or e.size < 2:
        raise ValueError(f"{opname}: edges must be a vector of at least 2 values, got shape {e.shape}")
    if np.any(np.diff(e) <= 0):
        raise ValueError(f"{opname}: edges must be strictly increasing")
    return e


def histogram(x, edges, axis=None, extend_lower_interval=False, extend_upper_interval=False, dtype=None, name=None,
              *, weights=None):
    """Counts (or summed ``weights``; in ``dtype``, default that of ``x`` or ``weights``) of ``x`` in
    the intervals ``[edges[k], edges[k + 1])``, the last closed, over ``axis`` (all axes for None). Values outside are dropped unless the first/last
    interval is extended to -inf/+inf. The result has shape ``[len(edges) - 1] + kept axes``.
    ``weights`` (keyword only, ``x``'s shape) sums weights instead of counting, as ``np.histogram``."""
    x = wb.convert_to_tensor(x)
    e = _edges("histogram", edges)
    axes = _axes("histogram", axis, x.ndim)
    flat, keep = _move_to_end(x, axes)
    values = flat.numpy().astype(np.float64)
    if weights is None:
        w = np.ones_like(values)
        out_dtype = x.dtype
    else:
        wt = wb.convert_to_tensor(weights)
        if tuple(wt.shape) != tuple(x.shape):
            raise ValueError(f"histogram: weights must have x's shape {tuple(x.shape)}, got {tuple(wt.shape)}")
        w = _move_to_end(wt, axes)[0].numpy().astype(np.float64)
        out_dtype = wt.dtype
    nb = e.size - 1
    idx = np.searchsorted(e, values, side="right") - 1
    idx = np.where(values == e[-1], nb - 1, idx)
    lower = idx < 0
    upper = idx >= nb
    idx = np.where(lower & extend_lower_interval, 0, idx)
    idx = np.where(upper & extend_upper_interval, nb - 1, idx)
    valid = (idx >= 0) & (idx < nb) & ~np.isnan(values)
    counts = np.zeros(values.shape[:-1] + (nb,), np.float64)
    lead = values.shape[:-1]
    for j in np.ndindex(*lead) if lead else [()]:
        counts[j] = np.bincount(idx[j][valid[j]], weights=w[j][valid[j]], minlength=nb)
    counts = np.moveaxis(counts, -1, 0)
    return wb.cast(wb.constant(counts), out_dtype if dtype is None else dtype)


def count_integers(arr, weights=None, minlength=None, maxlength=None, axis=None, dtype=wb.int32, name=None):
    """Counts of each value ``0..K-1`` in the non-negative integer ``arr`` (sums of ``weights`` where
    given), reducing over ``axis`` (all axes for None): shape ``[K] + arr.shape[kept axes]``.

    ``K`` is ``max(arr) + 1``, raised to ``minlength`` and capped at ``maxlength`` (values at or past
    it are skipped). With ``axis`` given, an unset ``minlength``/``maxlength`` defaults to
    ``max(arr) + 1``, as in TFP."""
    arr = wb.convert_to_tensor(arr)
    if arr.dtype.is_floating or arr.dtype == wb.bool:
        raise TypeError(f"count_integers: arr has dtype {arr.dtype}, expected an integer dtype")
    values = np.asarray(wb.backend.to_numpy(arr._data))
    if values.size and values.min() < 0:
        raise ValueError(f"count_integers: arr holds negative values (min {values.min()}), expected values >= 0")
    top = int(values.max()) + 1 if values.size else 0
    axes = _axes("count_integers", axis, arr.ndim)
    kept = [a for a in range(arr.ndim) if a not in axes]
    if axis is None or not kept:
        length = max(top, int(minlength) if minlength is not None else 0)
        if maxlength is not None:
            length = min(length, int(maxlength))
    else:
        lo = int(minlength) if minlength is not None else top
        hi = int(maxlength) if maxlength is not None else top
        length = min(hi, max(lo, top))
    out_dtype = wb.as_dtype(dtype) if weights is None else wb.convert_to_tensor(weights).dtype
    w = (wb.ones(list(arr.shape), dtype=out_dtype) if weights is None
         else wb.broadcast_to(wb.convert_to_tensor(weights, dtype=out_dtype), list(arr.shape)))
    onehot = wb.one_hot(arr, length, dtype=out_dtype)             # values >= length give zero rows
    counts = wb.reduce_sum(onehot * wb.expand_dims(w, -1), axis=axes)       # [kept..., K]
    if not kept:
        return counts
    return wb.transpose(counts, [counts.ndim - 1] + list(range(counts.ndim - 1)))
