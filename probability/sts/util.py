"""Helpers shared by the structural time series components: observed series with masks, empirical
statistics for default priors, and joint Gaussians built from per-component pieces."""

from __future__ import annotations

import collections

import numpy as np

import workbench as wb

from .. import distributions as tfd

__all__ = ["MaskedTimeSeries", "canonicalize_observed_time_series_with_mask", "empirical_statistics",
           "mix_over_posterior_draws"]


class MaskedTimeSeries(collections.namedtuple("MaskedTimeSeries", ["time_series", "is_missing"])):
    """A time series (``[..., num_timesteps]`` or ``[..., num_timesteps, 1]``) with a boolean
    ``is_missing`` mask (``[..., num_timesteps]``, True where the value is unobserved)."""
    __slots__ = ()


def _host(x):
    return np.asarray(x.numpy() if isinstance(x, wb.Tensor) else x)


def canonicalize_observed_time_series_with_mask(maybe_masked_observed_time_series):
    """``MaskedTimeSeries(series [..., T, 1], is_missing [..., T] or None)``. NaNs count as missing
    where no mask is given; missing values are set to 0 (they never enter a likelihood)."""
    s = maybe_masked_observed_time_series
    is_missing = None
    if isinstance(s, MaskedTimeSeries):
        s, is_missing = s.time_series, s.is_missing
    elif hasattr(s, "index") and hasattr(s, "to_numpy"):           # pandas Series / DataFrame
        s = np.squeeze(np.transpose(s.to_numpy()))
    if not isinstance(s, wb.Tensor):
        arr = np.asarray(s)
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"observed_time_series must be a numeric series, got {type(s).__name__} of dtype "
                            f"{arr.dtype}")
        s = wb.constant(arr if arr.dtype.kind == "f" else arr.astype(np.float32))
    x = s if s.dtype in (wb.float32, wb.float64) else wb.cast(s, wb.float32)
    if x.ndim == 0:
        raise ValueError(f"observed_time_series must have a time dimension, got a scalar {s!r}")
    if x.ndim == 1 or x.shape[-1] != 1:
        x = x[..., None]
    if is_missing is None:
        miss = np.isnan(_host(x)[..., 0])
    else:
        miss = _host(is_missing).astype(bool)
        if miss.shape[-1:] != tuple(x.shape[-2:-1]):
            raise ValueError(f"is_missing has shape {list(miss.shape)}; its last dimension must be the number of "
                             f"timesteps, {x.shape[-2]}")
    if not miss.any():
        return MaskedTimeSeries(x, None)
    full = np.broadcast_to(miss, tuple(x.shape[:-1]))
    x = wb.where(wb.constant(full[..., None]), wb.zeros_like(x), x)
    return MaskedTimeSeries(x, wb.constant(miss))


def empirical_statistics(observed_time_series):
    """``(mean, stddev, initial_centered)`` of each series (shape the batch), from its observed
    values: a series with no observed value gives 0, 1, 0, and a zero stddev is replaced by 1."""
    x, mask = canonicalize_observed_time_series_with_mask(observed_time_series)
    v = _host(x)[..., 0].astype(np.float64)
    obs = np.ones(v.shape, bool) if mask is None else ~np.broadcast_to(_host(mask), v.shape)
    count = obs.sum(-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(obs, v, 0.).sum(-1) / count
        var = np.where(obs, (v - mean[..., None]) ** 2, 0.).sum(-1) / count
        first = np.take_along_axis(v, np.argmax(obs, axis=-1)[..., None], -1)[..., 0]
    first = np.where(count > 0, first, np.nan)
    std = np.sqrt(var)
    mean = np.where(np.isfinite(mean), mean, 0.)
    std = np.where(np.isfinite(std) & (std != 0), std, 1.)
    init = np.where(np.isfinite(first - mean), first - mean, 0.)
    dt = x.dtype
    return wb.constant(mean, dtype=dt), wb.constant(std, dtype=dt), wb.constant(init, dtype=dt)


def mix_over_posterior_draws(means, variances):
    """An equal mixture over the leading (posterior draws) dimension of Normals with these moments."""
    n = means.shape[0]
    comp = tfd.Normal(loc=_move(means, 0, -1),
                      scale=wb.sqrt(_move(variances, 0, -1)))
    return tfd.MixtureSameFamily(mixture_distribution=tfd.Categorical(logits=wb.zeros([n], dtype=means.dtype)),
                                 components_distribution=comp)


def _move(x, src, dst):
    perm = list(range(x.ndim))
    src, dst = src % x.ndim, dst % x.ndim
    perm.insert(dst, perm.pop(src))
    return wb.transpose(x, perm)


def _dense_scale(d):
    """A lower-triangular (or diagonal) ``S`` with ``S S^T`` the covariance of the MVN ``d``."""
    if hasattr(d, "_scale_matrix"):
        return d._scale_matrix()
    return wb.linalg.cholesky(d.covariance())


def _broadcast_matrices(mats):
    batch = ()
    for m in mats:
        batch = _bshape(batch, tuple(m.shape[:-2]))
    return [wb.broadcast_to(m, batch + tuple(m.shape[-2:])) for m in mats], batch


def _bshape(a, b):
    return tuple(np.broadcast_shapes(a, b))


def block_diag(mats):
    """The block-diagonal matrix of ``mats`` (each ``[..., n_i, m_i]``, batch dims broadcast)."""
    mats, batch = _broadcast_matrices(mats)
    cols = sum(m.shape[-1] for m in mats)
    rows, start = [], 0
    for m in mats:
        c = m.shape[-1]
        parts = []
        if start:
            parts.append(wb.zeros(batch + (m.shape[-2], start), dtype=m.dtype))
        parts.append(m)
        if cols - start - c:
            parts.append(wb.zeros(batch + (m.shape[-2], cols - start - c), dtype=m.dtype))
        rows.append(wb.concat(parts, axis=-1) if len(parts) > 1 else m)
        start += c
    return wb.concat(rows, axis=-2) if len(rows) > 1 else rows[0]


def factored_joint_mvn(dists):
    """The joint MVN of independent MVNs (locs concatenated, scales block-diagonal)."""
    locs = [d.mean() for d in dists]
    scales = [_dense_scale(d) for d in dists]
    batch = ()
    for l in locs:
        batch = _bshape(batch, tuple(l.shape[:-1]))
    for s in scales:
        batch = _bshape(batch, tuple(s.shape[:-2]))
    loc = wb.concat([wb.broadcast_to(l, batch + tuple(l.shape[-1:])) for l in locs], axis=-1)
    scale = wb.broadcast_to(block_diag(scales), batch + (loc.shape[-1],) * 2)
    return tfd.MultivariateNormalTriL(loc=loc, scale_tril=scale)
