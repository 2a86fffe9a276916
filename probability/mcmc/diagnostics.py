"""Convergence diagnostics: effective sample size and potential scale reduction (R-hat)."""

from __future__ import annotations

import numpy as np

import workbench as wb
from workbench import backend
from workbench.core import Tensor

from . import internal

__all__ = ["effective_sample_size", "potential_scale_reduction"]


def _as_tensor(x, what):
    t = x if isinstance(x, Tensor) else wb.convert_to_tensor(np.asarray(x) if internal.is_list_like(x) else x)
    if t.dtype.kind != "f":
        t = wb.cast(t, np.float32)
    return t


def _per_part(value, n, name):
    if internal.is_list_like(value):
        if len(value) != n:
            raise ValueError(f"effective_sample_size: `{name}` has {len(value)} entries for {n} state parts")
        return list(value)
    return [value] * n


def effective_sample_size(states, filter_threshold=0.0, filter_beyond_lag=None, filter_beyond_positive_pairs=False,
                          cross_chain_dims=None, validate_args=False, name=None):
    """ESS of each component of ``states`` (TFP's estimator), over dimension 0 (the draws).

    ``ESS = N / (-1 + 2 * sum_k (N - k) / N * R_k)`` with ``R_k`` the estimated
    auto-correlation at lag ``k`` (``R_0 = 1``), truncated by the filters:
    ``filter_threshold`` (the sum stops before the first ``R_k`` below it; None:
    no threshold), ``filter_beyond_lag`` (at most that lag) and
    ``filter_beyond_positive_pairs`` (Geyer's initial positive sequence, in place of
    the threshold: stop before the first pair ``R_2m + R_2m+1`` that is negative).

    ``cross_chain_dims``: the dimensions of ``states`` that index chains. Then
    one ESS is returned for all those chains together, with the auto-correlation
    estimated from within- and between-chain variances (Stan's formula;
    needs at least 2 chains). None: an ESS per chain (result shape
    ``states.shape[1:]``).

    ``states`` may be a list of Tensors (then ``filter_*`` and
    ``cross_chain_dims`` may be lists with one entry per part). The
    auto-correlation is computed with an FFT on the tensors' device; the result is
    not differentiable.

    >>> x = wb.random.stateless_normal([1000, 4], seed=[1, 2])
    >>> effective_sample_size(x).shape
    (4,)
    """
    parts = [_as_tensor(s, "states") for s in internal.as_list(states)]
    n = len(parts)
    thresholds = _per_part(filter_threshold, n, "filter_threshold")
    lags = _per_part(filter_beyond_lag, n, "filter_beyond_lag")
    if internal.is_list_like(states):
        chain_dims = _per_part(cross_chain_dims, n, "cross_chain_dims")
    else:
        chain_dims = [cross_chain_dims]
    out = [_ess_one(p, t, lag, filter_beyond_positive_pairs, cd)
           for p, t, lag, cd in zip(parts, thresholds, lags, chain_dims)]
    return internal.like_input(out, states)


def _auto_cov(x, xp):
    """Auto-covariance along axis 0 (divided by ``N - k`` at lag ``k``, as TFP's), by FFT."""
    n = x.shape[0]
    centered = x - x.mean(axis=0, keepdims=True)
    size = 1 << int(2 * n - 1).bit_length()
    spectrum = xp.fft.rfft(centered, n=size, axis=0)
    acov = xp.fft.irfft(spectrum * xp.conj(spectrum), n=size, axis=0)[:n]
    return acov.real / (n - xp.arange(n, dtype=np.float64)).reshape((n,) + (1,) * (x.ndim - 1))


def _ess_one(state, filter_threshold, filter_beyond_lag, positive_pairs, cross_chain_dims):
    arr = state._data
    xp = backend.xp_of(arr)
    dtype = arr.dtype
    x = arr.astype(np.float64)
    n = x.shape[0]
    acov = _auto_cov(x, xp)
    if cross_chain_dims is None:
        num_chains = 1
        with np.errstate(invalid="ignore", divide="ignore"):
            auto_corr = acov / acov[:1]
    else:
        dims = sorted({int(d) % x.ndim for d in np.atleast_1d(cross_chain_dims)})
        if 0 in dims:
            raise ValueError("effective_sample_size: cross_chain_dims cannot include dimension 0 (the draws)")
        num_chains = int(np.prod([x.shape[d] for d in dims]))
        if num_chains < 2:
            raise ValueError(f"effective_sample_size: cross_chain_dims {dims} hold {num_chains} chain; "
                             "at least 2 are needed")
        # TFP's estimate: the within-chain variance as the lag-0 auto-covariance (divided by N)
        within = acov[0].mean(axis=tuple(d - 1 for d in dims))
        between_div_n = x.mean(axis=0).var(axis=tuple(d - 1 for d in dims), ddof=1)
        var_plus = within + between_div_n
        with np.errstate(invalid="ignore", divide="ignore"):
            auto_corr = 1.0 - (within - acov.mean(axis=tuple(dims))) / var_plus
    if filter_beyond_lag is not None:
        auto_corr = auto_corr[:int(filter_beyond_lag) + 1]
    m = auto_corr.shape[0]
    lag_shape = (m,) + (1,) * (auto_corr.ndim - 1)
    weights = ((n - xp.arange(m, dtype=np.float64)) / n).reshape(lag_shape)
    weighted = weights * auto_corr
    if positive_pairs:    # Geyer's pairs take the place of the threshold (TFP)
        even = m - m % 2
        pair = lambda a: a[:even].reshape((even // 2, 2) + a.shape[1:]).sum(axis=1)  # noqa: E731
        negative = pair(auto_corr) < 0
        weighted = pair(weighted) * (xp.cumsum(negative, axis=0) == 0)
    elif filter_threshold is not None:
        below = auto_corr < float(filter_threshold)
        weighted = weighted * (xp.cumsum(below, axis=0) == 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        ess = num_chains * n / (-1.0 + 2.0 * weighted.sum(axis=0))
    return wb.convert_to_tensor(xp.asarray(ess, dtype=dtype))


def potential_scale_reduction(chains_states, independent_chain_ndims=1, split_chains=False, validate_args=False,
                              name=None):
    """Gelman and Rubin's potential scale reduction R-hat (Brooks & Gelman's corrected form).

    ``chains_states``: a Tensor (or a list) of shape ``[num_draws, chain dims…, state dims…]``
    with ``independent_chain_ndims`` chain dimensions after the draws. With ``W`` the
    mean within-chain variance and ``B / n`` the variance of the chain means
    (both unbiased), ``n`` draws and ``m`` chains::

        R-hat = (m + 1) / m * ((n - 1) / n * W + B / n) / W - (n - 1) / (m n)

    R-hat near 1 says the chains agree; values well above 1 (say 1.05) say they have
    not mixed. ``split_chains=True`` treats each chain's first and second halves
    as two chains (split R-hat, which also catches drifting chains, and the way to
    check a single chain, shape ``[num_draws, 1, ...]``; with an odd number of draws
    the last one is dropped, and at least 4 draws are needed). Without it, one chain
    gives NaN, as TFP's formula does. Result shape: the state dims.

    >>> x = wb.random.stateless_normal([500, 4, 2], seed=[3, 4])
    >>> potential_scale_reduction(x).shape
    (2,)
    """
    icn = int(independent_chain_ndims)
    if icn < 1:
        raise ValueError(f"potential_scale_reduction: independent_chain_ndims must be >= 1, got {icn}")
    out = []
    for state in internal.as_list(chains_states):
        state = _as_tensor(state, "chains_states")
        if state.ndim < 1 + icn:
            raise ValueError(f"potential_scale_reduction: states of shape {state.shape} have fewer than "
                             f"1 + independent_chain_ndims = {1 + icn} dimensions")
        out.append(_rhat_one(state, icn, split_chains))
    return internal.like_input(out, chains_states)


def _rhat_one(state, icn, split_chains):
    if split_chains:
        n_all = state.shape[0]
        half = n_all // 2
        if half < 2:
            raise ValueError(f"potential_scale_reduction: split_chains needs at least 4 draws, got {n_all}")
        state = wb.reshape(state[:2 * half], (2, half) + tuple(state.shape[1:]))
        state = wb.transpose(state, [1, 0] + list(range(2, state.ndim)))
        icn += 1
    n = state.shape[0]
    m = int(np.prod(state.shape[1:1 + icn]))
    if n < 2:
        raise ValueError(f"potential_scale_reduction: need at least 2 draws, got {n} (shape {state.shape})")
    if m < 2:
        # one chain: no between-chain variance to compare with; TFP's formula gives NaN here
        # (split_chains=True makes two chains of one)
        return wb.fill(tuple(state.shape[1 + icn:]), wb.constant(np.nan, dtype=state.dtype))
    chain_axes = list(range(1, 1 + icn))
    chain_means = wb.reduce_mean(state, axis=0)
    b_div_n = wb.reduce_variance(chain_means, axis=[a - 1 for a in chain_axes]) * (m / (m - 1.0))
    w = wb.reduce_mean(wb.reduce_variance(state, axis=0), axis=[a - 1 for a in chain_axes]) * (n / (n - 1.0))
    sigma_2_plus = ((n - 1.0) / n) * w + b_div_n
    return ((m + 1.0) / m) * sigma_2_plus / w - (n - 1.0) / (m * n)
