"""Rank statistics (``tfp.stats``): ``kendalls_tau`` and ``quantile_auc``."""

from __future__ import annotations

import numpy as np

import workbench as wb

__all__ = ["kendalls_tau", "quantile_auc"]


def kendalls_tau(y_true, y_pred, name=None):
    """Kendall's tau-b between two vectors: ``(concordant - discordant) /
    sqrt((n0 - ties_true)(n0 - ties_pred))`` over all ``n0 = n(n-1)/2`` pairs (not differentiable).

    >>> float(kendalls_tau([1., 2., 3., 4., 5.], [2., 1., 4., 3., 6.]))
    0.6
    """
    y_true = wb.convert_to_tensor(y_true)
    y_pred = wb.convert_to_tensor(y_pred)
    if y_true.ndim != 1 or tuple(y_true.shape) != tuple(y_pred.shape):
        raise ValueError(f"kendalls_tau: y_true and y_pred must be vectors of one length, got shapes "
                         f"{y_true.shape} and {y_pred.shape}")
    a = np.asarray(wb.backend.to_numpy(y_true._data), np.float64)
    b = np.asarray(wb.backend.to_numpy(y_pred._data), np.float64)
    i, j = np.triu_indices(a.size, k=1)
    sa, sb = np.sign(a[j] - a[i]), np.sign(b[j] - b[i])
    n0 = i.size
    num = float(np.sum(sa * sb))
    den = np.sqrt(float(n0 - np.sum(sa == 0)) * float(n0 - np.sum(sb == 0)))
    out_dtype = y_pred.dtype if y_pred.dtype.is_floating else wb.float32
    return wb.constant(num / den if den > 0 else np.nan, dtype=out_dtype)


def _survival(q, k):
    """``P(score > k)`` for the piecewise-linear distribution with evenly spaced quantiles ``q``
    (``[..., m]``), at the points ``k`` (``[..., K]``)."""
    m = q.shape[-1]
    levels = np.linspace(0.0, 1.0, m)
    out = np.empty(np.broadcast_shapes(q.shape[:-1], k.shape[:-1]) + k.shape[-1:])
    for idx in np.ndindex(*out.shape[:-1]):
        qi = q[idx if q.ndim > 1 else ()]
        ki = k[idx if k.ndim > 1 else ()]
        out[idx] = 1.0 - np.interp(ki, qi, levels, left=0.0, right=1.0)
    return out


def quantile_auc(q0, n0, q1, n1, curve="ROC", name=None):
    """The area under the ROC (``curve='ROC'``) or precision-recall (``'PR'``) curve of a score whose
    distribution is given by quantiles: ``q0`` (``[..., m0]``) for ``n0`` negative trials, ``q1`` for
    ``n1`` positive ones. Each distribution is taken uniform between its quantiles, so both
    survival functions are piecewise linear; the areas are integrated exactly piece by piece."""
    if curve not in ("ROC", "PR"):
        raise ValueError(f"quantile_auc: curve must be 'ROC' or 'PR', got {curve!r}")
    t0 = wb.convert_to_tensor(q0)
    dtype = t0.dtype if t0.dtype.is_floating else wb.float32
    q0 = np.asarray(wb.backend.to_numpy(t0._data), np.float64)
    q1 = np.asarray(wb.backend.to_numpy(wb.convert_to_tensor(q1)._data), np.float64)
    n0 = np.asarray(wb.backend.to_numpy(wb.convert_to_tensor(n0)._data), np.float64)
    n1 = np.asarray(wb.backend.to_numpy(wb.convert_to_tensor(n1)._data), np.float64)
    knots = np.sort(np.concatenate(np.broadcast_arrays(q0, q1), axis=-1), axis=-1)
    s0, s1 = _survival(q0, knots), _survival(q1, knots)
    # on [knots[i], knots[i+1]] both survivals are linear; u runs from the right end (0) to the left (1)
    p0, p1 = s0[..., 1:], s1[..., 1:]
    d0, d1 = s0[..., :-1] - p0, s1[..., :-1] - p1
    if curve == "ROC":
        auc = np.sum(d0 * (p1 + 0.5 * d1), axis=-1)
    else:
        nn0, nn1 = n0[..., None], n1[..., None]
        a, b = nn1 * p1, nn1 * d1
        c, d = nn1 * p1 + nn0 * p0, nn1 * d1 + nn0 * d0
        with np.errstate(divide="ignore", invalid="ignore"):
            # int_0^1 (a + b u) / (c + d u) du
            exact = b / d + (a - b * c / d) * np.log1p(d / c) / d
            flat = (a + 0.5 * b) / c                     # d ~ 0: the integrand is constant
            from_zero = b / d                            # c == 0: precision constant b / d
        small = np.abs(d) <= 1e-8 * np.abs(c)
        integral = np.where(c == 0, from_zero, np.where(small, flat, exact))
        integral = np.where(d1 == 0, 0.0, integral)
        auc = np.sum(d1 * np.nan_to_num(integral), axis=-1)
    return wb.constant(auc, dtype=dtype)
