"""The Kalman filter and the Rauch-Tung-Striebel smoother on raw arrays (NumPy or CuPy), each with
its reverse-mode rule, for ``LinearGaussianStateSpaceModel``.

A step's model pieces come as distinct values stacked on a leading axis plus, per step, the index
of the one in force (a seasonal model has two transition matrices, not one per step). Arrays
broadcast as NumPy does; gradients are summed back to each input's shape. Covariances are
symmetric: their gradients are returned symmetrized. The filter's covariances have the batch
shape ``cov_batch``, its means ``mean_batch`` (which adds the observations' sample dims).
"""

from __future__ import annotations

import math

_LOG_TWO_PI = math.log(2.0 * math.pi)
_EVENT_NDIMS = (0, 1, 2, 1, 2, 1, 2)   # of the filter's outputs, after the step axis


def _t(a):
    return a.swapaxes(-1, -2)


def _sym(a):
    return 0.5 * (a + a.swapaxes(-1, -2))


def _mv(m, v):
    return (m @ v[..., None])[..., 0]


def _outer(a, b):
    return a[..., :, None] * b[..., None, :]


def unbroadcast(g, shape, lead=0):
    """``g`` summed over the dims that broadcasting added to ``shape`` (after ``lead`` leading
    dims that both share)."""
    extra = g.ndim - len(shape)
    if extra:
        g = g.sum(axis=tuple(range(lead, lead + extra)))
    axes = tuple(i for i, (n, s) in enumerate(zip(g.shape, shape)) if s == 1 and n != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    return g.reshape(shape)


def filter_forward(xp, x, keep, m0, p0, a, b, q, c, d, r, ia, iq, ic, ir, mean_batch, cov_batch):
    """Run the filter. ``x``: ``[..., T, o]``; ``keep``: ``cov_batch + [T]`` (0 where the step's
    observation is masked) or None; ``m0``/``p0``: the prior; ``a``/``b``/``q``: the transition
    matrices, noise means and covariances, ``c``/``d``/``r`` the observation ones (``[K, ...]``);
    ``ia``, ``iq``, ``ic``, ``ir``: per step, the index into each stack.

    Returns ``(outputs, saved)``: outputs ``(log_likelihoods, filtered_means, filtered_covs,
    predicted_means, predicted_covs, observation_means, observation_covs)``, saved what
    :func:`filter_backward` needs."""
    num_steps, l = x.shape[-2], m0.shape[-1]
    o = x.shape[-1]
    dtype = x.dtype
    m = xp.broadcast_to(m0, mean_batch + (l,))
    p = xp.broadcast_to(p0, cov_batch + (l, l))
    out = (xp.empty(mean_batch + (num_steps,), dtype), xp.empty(mean_batch + (num_steps, l), dtype),
           xp.empty(cov_batch + (num_steps, l, l), dtype), xp.empty(mean_batch + (num_steps, l), dtype),
           xp.empty(cov_batch + (num_steps, l, l), dtype), xp.empty(mean_batch + (num_steps, o), dtype),
           xp.empty(cov_batch + (num_steps, o, o), dtype))
    saved = []
    for t in range(num_steps):
        at, bt, qt, ct, dt, rt = a[ia[t]], b[iq[t]], q[iq[t]], c[ic[t]], d[ir[t]], r[ir[t]]
        obs_mean = _mv(ct, m) + dt
        u = ct @ p                                        # C P
        s = _sym(u @ _t(ct) + rt)
        if o == 1:   # one observation per step (the common case): no factorization
            s_inv = 1. / s
            log_det = xp.log(s[..., 0, 0])
        else:
            s_inv = xp.linalg.inv(s)
            log_det = 2. * xp.log(xp.diagonal(xp.linalg.cholesky(s), axis1=-2, axis2=-1)).sum(axis=-1)
        e = x[..., t, :] - obs_mean
        kt = None
        if keep is not None:
            kt = keep[..., t]
            e = xp.where(kt[..., None] > 0, e, 0.)       # a masked step's value may be nan
        v = _mv(s_inv, e)
        ll = -0.5 * (e * v).sum(axis=-1) - 0.5 * log_det - 0.5 * o * _LOG_TWO_PI
        update = _t(u) @ s_inv @ u
        if kt is not None:
            ll = ll * kt
            update = update * kt[..., None, None]
        f_mean = m + _mv(_t(u), v)                        # v is 0 at a masked step
        f_cov = _sym(p - update)
        m_next = _mv(at, f_mean) + bt
        p_next = at @ f_cov @ _t(at) + qt
        for arr, val, event_ndims in zip(out, (ll, f_mean, f_cov, m_next, p_next, obs_mean, s), _EVENT_NDIMS):
            arr[(Ellipsis, t) + (slice(None),) * event_ndims] = val
        saved.append((m, p, u, s_inv, e, v, f_mean, f_cov, kt))
        m, p = m_next, p_next
    return out, saved


def filter_backward(xp, grads, saved, x, m0, p0, a, b, q, c, d, r, ia, iq, ic, ir, mean_batch, cov_batch):
    """The reverse-mode rule of :func:`filter_forward`: gradients of ``(x, m0, p0, a, b, q, c, d,
    r)`` given ``grads``, one per output (None for none)."""
    num_steps, l = x.shape[-2], m0.shape[-1]
    dtype = x.dtype
    g_ll, g_fm, g_fp, g_pm, g_pp, g_om, g_os = grads
    g_fp, g_pp, g_os = (None if g is None else _sym(g) for g in (g_fp, g_pp, g_os))
    # gradients of covariance-like values keep the covariances' batch: terms with the means'
    # (sample) dims are summed down at once
    acc = [xp.zeros((len(z),) + batch + z.shape[z.ndim - n:], dtype)
           for z, n, batch in ((a, 2, cov_batch), (b, 1, mean_batch), (q, 2, cov_batch), (c, 2, cov_batch),
                               (d, 1, mean_batch), (r, 2, cov_batch))]
    l_l, o_o, o_l = cov_batch + (l, l), cov_batch + (x.shape[-1],) * 2, cov_batch + (x.shape[-1], l)
    g_a, g_b, g_q, g_c, g_d, g_r = acc
    g_x = xp.zeros(mean_batch + x.shape[-2:], dtype)
    g_m = xp.zeros(mean_batch + (l,), dtype)
    g_p = xp.zeros(cov_batch + (l, l), dtype)
    for t in range(num_steps - 1, -1, -1):
        m, p, u, s_inv, e, v, f_mean, f_cov, kt = saved[t]
        at, ct = a[ia[t]], c[ic[t]]
        # m' = A f_mean + b, P' = A f_cov A^T + Q
        if g_pm is not None:
            g_m = g_m + g_pm[..., t, :]
        if g_pp is not None:
            g_p = g_p + g_pp[..., t, :, :]
        g_a[ia[t]] += unbroadcast(_outer(g_m, f_mean), l_l) + 2. * (g_p @ at @ f_cov)
        g_b[iq[t]] += g_m
        g_q[iq[t]] += g_p
        g_fmean = _mv(_t(at), g_m)
        g_fcov = _t(at) @ g_p @ at
        if g_fm is not None:
            g_fmean = g_fmean + g_fm[..., t, :]
        if g_fp is not None:
            g_fcov = g_fcov + g_fp[..., t, :, :]
        # f_mean = m + U^T v, f_cov = P - k U^T S^-1 U, ll = k (-e.v / 2 - log|S| / 2 - ...), v = S^-1 e
        g_m, g_p = g_fmean, g_fcov
        g_fcov_k = g_fcov if kt is None else g_fcov * kt[..., None, None]
        gl = 0. if g_ll is None else g_ll[..., t] if kt is None else g_ll[..., t] * kt
        g_u = unbroadcast(_outer(v, g_fmean), o_l) - 2. * (s_inv @ u @ g_fcov_k)
        g_v = _mv(u, g_fmean)
        g_sinv = _outer(g_v, e)
        g_e = _mv(s_inv, g_v)
        if g_ll is not None:
            g_sinv = g_sinv - 0.5 * gl[..., None, None] * _outer(e, e)
            g_e = g_e - gl[..., None] * v
        g_sinv = unbroadcast(g_sinv, o_o) - u @ g_fcov_k @ _t(u)
        g_s = -(s_inv @ _sym(g_sinv) @ s_inv)
        if g_ll is not None:
            g_s = g_s - 0.5 * unbroadcast(xp.broadcast_to(gl, mean_batch), cov_batch)[..., None, None] * s_inv
        if g_os is not None:
            g_s = g_s + g_os[..., t, :, :]
        g_s = _sym(g_s)
        if kt is not None:
            g_e = g_e * kt[..., None]
        # S = C P C^T + R, e = x - obs_mean, obs_mean = C m + d, U = C P
        g_r[ir[t]] += g_s
        g_obs = -g_e if g_om is None else g_om[..., t, :] - g_e
        g_x[..., t, :] = g_e
        g_c[ic[t]] += 2. * (g_s @ ct @ p) + unbroadcast(_outer(g_obs, m), o_l) + g_u @ p
        g_d[ir[t]] += g_obs
        g_m = g_m + _mv(_t(ct), g_obs)
        g_p = _sym(g_p + _t(ct) @ (g_s @ ct + g_u))
    g_m0 = unbroadcast(g_m, m0.shape)
    g_p0 = unbroadcast(g_p, p0.shape)
    stacks = (a, b, q, c, d, r)
    return (unbroadcast(g_x, x.shape), g_m0, g_p0) + tuple(unbroadcast(g, z.shape, lead=1)
                                                          for g, z in zip(acc, stacks))


def smoother_forward(xp, f_means, f_covs, p_means, p_covs, a, ia, mean_batch, cov_batch):
    """The Rauch-Tung-Striebel pass over the filter's results (``[..., T, l]`` means, ``[..., T,
    l, l]`` covariances; ``a``/``ia`` as in :func:`filter_forward`): ``((smoothed_means,
    smoothed_covs), saved)``."""
    num_steps, l = f_means.shape[-2], f_means.shape[-1]
    dtype = f_means.dtype
    means = xp.empty(mean_batch + (num_steps, l), dtype)
    covs = xp.empty(cov_batch + (num_steps, l, l), dtype)
    s_mean = xp.broadcast_to(f_means[..., -1, :], mean_batch + (l,))
    s_cov = xp.broadcast_to(f_covs[..., -1, :, :], cov_batch + (l, l))
    means[..., -1, :], covs[..., -1, :, :] = s_mean, s_cov
    saved = [None] * num_steps
    for t in range(num_steps - 2, -1, -1):
        at, f_cov = a[ia[t]], f_covs[..., t, :, :]
        p_inv = xp.linalg.inv(_sym(p_covs[..., t, :, :]))
        gain = f_cov @ _t(at) @ p_inv                      # J = F A^T P^-1
        dm = s_mean - p_means[..., t, :]
        dc = s_cov - p_covs[..., t, :, :]
        saved[t] = (at, f_cov, p_inv, gain, dm, dc)
        s_mean = f_means[..., t, :] + _mv(gain, dm)
        s_cov = _sym(f_cov + gain @ dc @ _t(gain))
        means[..., t, :], covs[..., t, :, :] = s_mean, s_cov
    return (means, covs), saved


def smoother_backward(xp, grads, saved, f_means, f_covs, p_means, p_covs, a, ia, mean_batch, cov_batch):
    """The reverse-mode rule of :func:`smoother_forward`: gradients of ``(f_means, f_covs,
    p_means, p_covs, a)``."""
    num_steps, l = f_means.shape[-2], f_means.shape[-1]
    dtype = f_means.dtype
    g_means, g_covs = grads
    g_covs = _sym(g_covs)
    l_l = cov_batch + (l, l)
    g_fm = xp.zeros(mean_batch + (num_steps, l), dtype)
    g_pm = xp.zeros(mean_batch + (num_steps, l), dtype)
    g_fc = xp.zeros(cov_batch + (num_steps, l, l), dtype)
    g_pc = xp.zeros(cov_batch + (num_steps, l, l), dtype)
    g_a = xp.zeros((len(a),) + l_l, dtype)
    g_m = xp.zeros(mean_batch + (l,), dtype)      # of the smoothed values at the step being undone
    g_c = xp.zeros(l_l, dtype)
    for t in range(num_steps - 1):
        at, f_cov, p_inv, gain, dm, dc = saved[t]
        g_m = g_m + g_means[..., t, :]
        g_c = g_c + g_covs[..., t, :, :]
        # s_mean = f_mean + J dm, s_cov = F + J dc J^T
        g_fm[..., t, :] += g_m
        g_fc[..., t, :, :] += g_c
        g_gain = unbroadcast(_outer(g_m, dm), l_l) + 2. * (g_c @ gain @ dc)
        g_dm = _mv(_t(gain), g_m)
        g_dc = _t(gain) @ g_c @ gain
        g_pm[..., t, :] -= g_dm
        g_pc[..., t, :, :] -= g_dc
        # J = F A^T P^-1
        g_fc[..., t, :, :] += _sym(g_gain @ p_inv @ at)
        g_a[ia[t]] += p_inv @ _t(g_gain) @ f_cov
        g_pc[..., t, :, :] -= _sym(p_inv @ at @ f_cov @ g_gain @ p_inv)
        g_m, g_c = g_dm, g_dc
    g_fm[..., -1, :] += g_m + g_means[..., -1, :]
    g_fc[..., -1, :, :] += g_c + g_covs[..., -1, :, :]
    return (unbroadcast(g_fm, f_means.shape), unbroadcast(g_fc, f_covs.shape), unbroadcast(g_pm, p_means.shape),
            unbroadcast(g_pc, p_covs.shape), unbroadcast(g_a, a.shape, lead=1))
