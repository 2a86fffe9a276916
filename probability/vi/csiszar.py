"""Csiszar f-functions (``tfp.vi``): convex ``f`` on the positive reals, written in ``logu = log u``.

A Csiszar f-divergence is ``D_f[p, q] = E_q[f(p(x) / q(x))]``; ``monte_carlo_variational_loss``
estimates it with draws from ``q`` for any function here (``discrepancy_fn=``). Each function
takes ``logu = log p(x) - log q(x)`` and returns ``f(u)`` elementwise, computed from ``logu``
so that large ratios do not overflow where the form allows it.

``self_normalized=True`` (where TFP offers it) adds the multiple of ``u - 1`` (or of ``1 + u``)
that makes ``f'(1) = 0``, so the divergence stays non-negative for unnormalized ``p``; a
multiple of ``u - 1`` leaves the expectation unchanged when ``p`` is normalized.

>>> vi.jensen_shannon(wb.constant([0.0, 1.0]), self_normalized=True)   # f(1) = 0 and f'(1) = 0
"""

from __future__ import annotations

import math

import workbench as wb
from workbench.core import Tensor

from .. import internal

__all__ = ["amari_alpha", "arithmetic_geometric", "chi_square", "csiszar_vimco", "csiszar_vimco_helper",
           "dual_csiszar_function", "jeffreys", "jensen_shannon", "kl_forward", "kl_reverse", "log1p_abs",
           "modified_gan", "pearson", "squared_hellinger", "symmetrized_csiszar_function", "t_power",
           "total_variation", "triangular"]


def _logu(logu, where):
    if isinstance(logu, Tensor):
        if logu.dtype.kind != "f":
            raise TypeError(f"{where}: `logu` must be floating, got dtype {logu.dtype}")
        return logu
    return wb.convert_to_tensor(logu)


def _number(value, name, where):
    if isinstance(value, Tensor):
        return value
    try:
        return float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{where}: `{name}` must be a number or a Tensor, got {type(value).__name__}") from None


def kl_reverse(logu, self_normalized=False, name=None):
    """The Csiszar function of ``KL[q || p]``: ``f(u) = -log(u)``.

    ``self_normalized=True`` uses ``f(u) = u - 1 - log(u)`` (same expectation when
    ``p`` is normalized, lower variance near ``u = 1``).
    """
    logu = _logu(logu, "kl_reverse")
    if self_normalized:
        return wb.math.expm1(logu) - logu
    return -logu


def kl_forward(logu, self_normalized=False, name=None):
    """The Csiszar function of ``KL[p || q]``: ``f(u) = u log(u)`` (``- (u - 1)`` when self-normalized)."""
    logu = _logu(logu, "kl_forward")
    out = wb.exp(logu) * logu
    if self_normalized:
        out = out - wb.math.expm1(logu)
    return out


def amari_alpha(logu, alpha=1.0, self_normalized=False, name=None):
    """The Amari alpha-divergence's function:
    ``f(u) = -log(u)`` (alpha = 0), ``u log(u)`` (alpha = 1), else ``(u**alpha - 1) / (alpha (alpha - 1))``;
    self-normalized, ``+ (u - 1)``, ``- (u - 1)`` and ``- alpha (u - 1) / (alpha (alpha - 1))`` are added.
    ``alpha`` must be a Python number (it picks the branch)."""
    if isinstance(alpha, Tensor) or not isinstance(alpha, (int, float)) or isinstance(alpha, bool):
        raise TypeError(f"amari_alpha: `alpha` must be a Python float, got {type(alpha).__name__}")
    logu = _logu(logu, "amari_alpha")
    alpha = float(alpha)
    if alpha == 0.0:
        f = -logu
    elif alpha == 1.0:
        f = wb.exp(logu) * logu
    else:
        f = wb.math.expm1(alpha * logu) / (alpha * (alpha - 1.0))
    if not self_normalized:
        return f
    if alpha == 0.0:
        return f + wb.math.expm1(logu)
    if alpha == 1.0:
        return f - wb.math.expm1(logu)
    return f - wb.math.expm1(logu) / (alpha - 1.0)


def arithmetic_geometric(logu, self_normalized=False, name=None):
    """``f(u) = (1 + u) log((1 + u) / sqrt(u))``, minus ``(1 + u) log(2)`` when self-normalized
    (the symmetrized Jensen-Shannon function)."""
    logu = _logu(logu, "arithmetic_geometric")
    f = (1.0 + wb.exp(logu)) * (wb.math.softplus(logu) - 0.5 * logu)
    if self_normalized:
        f = f - (1.0 + wb.exp(logu)) * math.log(2.0)
    return f


def chi_square(logu, name=None):
    """The Chi-square function: ``f(u) = u**2 - 1``."""
    logu = _logu(logu, "chi_square")
    return wb.math.expm1(2.0 * logu)


def dual_csiszar_function(logu, csiszar_function, name=None):
    """The dual ``f^*(u) = u f(1 / u)`` of ``csiszar_function`` (``D_{f^*}[p, q] = D_f[q, p]``)."""
    if not callable(csiszar_function):
        raise TypeError(f"dual_csiszar_function: `csiszar_function` must be callable, got "
                        f"{type(csiszar_function).__name__}")
    logu = _logu(logu, "dual_csiszar_function")
    return wb.exp(logu) * csiszar_function(-logu)


def symmetrized_csiszar_function(logu, csiszar_function, name=None):
    """``g(u) = 0.5 (f(u) + u f(1 / u))``: the symmetrized divergence ``0.5 (D_f[p, q] + D_f[q, p])``."""
    if not callable(csiszar_function):
        raise TypeError(f"symmetrized_csiszar_function: `csiszar_function` must be callable, got "
                        f"{type(csiszar_function).__name__}")
    logu = _logu(logu, "symmetrized_csiszar_function")
    return 0.5 * (csiszar_function(logu) + dual_csiszar_function(logu, csiszar_function))


def jeffreys(logu, name=None):
    """The Jeffreys (symmetrized KL) function: ``f(u) = 0.5 (u log(u) - log(u))``."""
    logu = _logu(logu, "jeffreys")
    return 0.5 * wb.math.expm1(logu) * logu


def jensen_shannon(logu, self_normalized=False, name=None):
    """``f(u) = u log(u) - (1 + u) log(1 + u)``, plus ``(1 + u) log(2)`` when self-normalized
    (then ``D_f`` is twice the Jensen-Shannon divergence)."""
    logu = _logu(logu, "jensen_shannon")
    u = wb.exp(logu)
    f = u * logu - (1.0 + u) * wb.math.softplus(logu)
    if self_normalized:
        f = f + (1.0 + u) * math.log(2.0)
    return f


def log1p_abs(logu, name=None):
    """``f(u) = u**(sign(u - 1)) - 1``: the divergence of ``E_q[|log p - log q|]``'s smooth kin."""
    logu = _logu(logu, "log1p_abs")
    return wb.math.expm1(wb.abs(logu))


def modified_gan(logu, self_normalized=False, name=None):
    """``f(u) = log(1 + u) - log(u)``, plus ``0.5 (u - 1)`` when self-normalized."""
    logu = _logu(logu, "modified_gan")
    f = wb.math.softplus(logu) - logu
    if self_normalized:
        f = f + 0.5 * wb.math.expm1(logu)
    return f


def pearson(logu, name=None):
    """The Pearson function: ``f(u) = (u - 1)**2``."""
    logu = _logu(logu, "pearson")
    return wb.square(wb.math.expm1(logu))


def squared_hellinger(logu, name=None):
    """The squared Hellinger function: ``f(u) = (sqrt(u) - 1)**2``."""
    logu = _logu(logu, "squared_hellinger")
    return wb.square(wb.math.expm1(0.5 * logu))


def t_power(logu, t, self_normalized=False, name=None):
    """``f(u) = s (u**t - 1)`` with ``s = -1`` for ``0 < t < 1`` and ``+1`` otherwise; self-normalized,
    ``s (u**t - 1 - t (u - 1))``. ``t`` may be a Tensor (broadcast against ``logu``)."""
    logu = _logu(logu, "t_power")
    t = _number(t, "t", "t_power")
    t = wb.cast(t, logu.dtype) if isinstance(t, Tensor) else wb.constant(t, dtype=logu.dtype)
    sign = wb.where((t > 0.0) & (t < 1.0), -wb.ones_like(t), wb.ones_like(t))
    f = wb.math.expm1(t * logu)
    if self_normalized:
        f = f - t * wb.math.expm1(logu)
    return sign * f


def total_variation(logu, name=None):
    """The total-variation function: ``f(u) = 0.5 |u - 1|``."""
    logu = _logu(logu, "total_variation")
    return 0.5 * wb.abs(wb.math.expm1(logu))


def triangular(logu, name=None):
    """The triangular-discrimination function: ``f(u) = (u - 1)**2 / (1 + u)``."""
    logu = _logu(logu, "triangular")
    return wb.square(wb.math.expm1(logu)) / (1.0 + wb.exp(logu))


def csiszar_vimco_helper(logu, name=None):
    """``(log_avg_u, log_sooavg_u)`` over axis 0 (the ``n`` draws) of ``logu``:
    ``log(mean_j u_j)`` and, for each ``i``, the "swap-one-out" average
    ``log((sum_{j != i} u_j + exp(mean_{j != i} log u_j)) / n)``, where the left-out draw is
    replaced by the geometric mean of the others (VIMCO's control variate)."""
    logu = _logu(logu, "csiszar_vimco_helper")
    n = logu.shape[0]
    if n < 2:
        raise ValueError(f"csiszar_vimco_helper: needs at least 2 draws along axis 0, got shape {logu.shape}")
    log_n = math.log(n)
    log_avg_u = wb.reduce_logsumexp(logu, axis=0) - log_n
    # the geometric mean of the others, then log-sum-exp over the n values with draw i swapped for it
    log_geo_others = (wb.reduce_sum(logu, axis=0) - logu) / (n - 1)
    rows = []
    for i in range(n):
        swapped = wb.concat([logu[:i], log_geo_others[i:i + 1], logu[i + 1:]], axis=0)
        rows.append(wb.reduce_logsumexp(swapped, axis=0))
    log_sooavg_u = wb.stack(rows, axis=0) - log_n
    return log_avg_u, log_sooavg_u


def csiszar_vimco(f, p_log_prob, q, num_draws, num_batch_draws=1, seed=None, name=None):
    """VIMCO (Mnih and Rezende, 2016): ``E_q[f(mean_j u_j)]`` over groups of ``num_draws`` draws,
    ``u_j = p(x_j) / q(x_j)``, with the leave-one-out score-function gradient.

    The draws are taken without a gradient (``q`` need not be reparameterized); the value is
    the Monte Carlo estimate averaged over ``num_batch_draws`` groups, and its gradient with
    respect to ``q``'s variables is the VIMCO estimator: each ``log q(x_i)`` is weighted by
    ``f(log_avg_u) - f(log_sooavg_u_i)``.
    """
    if not callable(f) or not callable(p_log_prob):
        raise TypeError("csiszar_vimco: `f` and `p_log_prob` must be callable")
    num_draws, num_batch_draws = int(num_draws), int(num_batch_draws)
    if num_draws < 2:
        raise ValueError(f"csiszar_vimco: num_draws must be at least 2, got {num_draws}")
    if num_batch_draws < 1:
        raise ValueError(f"csiszar_vimco: num_batch_draws must be at least 1, got {num_batch_draws}")
    x = q.sample((num_draws, num_batch_draws), seed=internal.sanitize_seed(seed))
    x = wb.nest.map_structure(wb.stop_gradient, x) if isinstance(x, (list, tuple, dict)) else wb.stop_gradient(x)
    log_q = q.log_prob(x)
    logu = p_log_prob(x) - log_q
    log_avg_u, log_sooavg_u = csiszar_vimco_helper(logu)
    f_avg, f_sooavg = f(log_avg_u), f(log_sooavg_u)
    dotprod = wb.reduce_sum(log_q * wb.stop_gradient(f_avg - f_sooavg), axis=0)
    f_avg = f_avg + dotprod - wb.stop_gradient(dotprod)
    return wb.reduce_mean(f_avg, axis=0)
