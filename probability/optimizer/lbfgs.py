"""``lbfgs_minimize`` (``tfp.optimizer``): limited-memory BFGS with the two-loop recursion."""

from __future__ import annotations

import collections

import numpy as np

import workbench as wb

from .quasi_newton import Objective, convergence, converged_all, line_search, out, prepare

__all__ = ["lbfgs_minimize", "LBfgsOptimizerResults"]

LBfgsOptimizerResults = collections.namedtuple(
    "LBfgsOptimizerResults", ["converged", "failed", "num_iterations", "num_objective_evaluations", "position",
                              "objective_value", "objective_gradient", "position_deltas", "gradient_deltas"])


def _two_loop(g, s_hist, y_hist, count):
    """``-H g`` for one member from its last ``count`` pairs (oldest first in the histories)."""
    q = g.copy()
    m = s_hist.shape[0]
    pairs = list(range(m - count, m))
    alphas = []
    for k in reversed(pairs):
        rho = 1.0 / np.dot(y_hist[k], s_hist[k])
        a = rho * np.dot(s_hist[k], q)
        q -= a * y_hist[k]
        alphas.append((k, rho, a))
    if count:
        k = pairs[-1]
        q *= np.dot(s_hist[k], y_hist[k]) / np.dot(y_hist[k], y_hist[k])
    for k, rho, a in reversed(alphas):
        beta = rho * np.dot(y_hist[k], q)
        q += (a - beta) * s_hist[k]
    return -q


def lbfgs_minimize(value_and_gradients_function, initial_position, previous_optimizer_results=None,
                   num_correction_pairs=10, tolerance=1e-8, x_tolerance=0, f_relative_tolerance=0,
                   initial_inverse_hessian_estimate=None, max_iterations=50, parallel_iterations=1,
                   stopping_condition=None, max_line_search_iterations=50, f_absolute_tolerance=0, name=None):
    """Minimize ``value_and_gradients_function`` (``position -> (value, gradient)``) by L-BFGS,
    keeping the last ``num_correction_pairs`` position and gradient differences.

    Batching, tolerances, ``failed`` and ``stopping_condition`` are as in ``bfgs_minimize``.
    ``position_deltas`` and ``gradient_deltas`` are ``[num_correction_pairs, ..., n]``, oldest
    first, zero where unused. ``previous_optimizer_results`` and
    ``initial_inverse_hessian_estimate`` are not supported (pass None).
    """
    if previous_optimizer_results is not None or initial_inverse_hessian_estimate is not None:
        raise ValueError("lbfgs_minimize: previous_optimizer_results and initial_inverse_hessian_estimate are "
                         "not supported; pass None")
    m = int(num_correction_pairs)
    if m < 1:
        raise ValueError(f"lbfgs_minimize: num_correction_pairs must be at least 1, got {num_correction_pairs}")
    x, batch_shape, dtype = prepare("lbfgs_minimize", initial_position)
    b, n = x.shape
    stop = converged_all if stopping_condition is None else stopping_condition
    objective = Objective("lbfgs_minimize", value_and_gradients_function, batch_shape, dtype)
    s_hist, y_hist = np.zeros((b, m, n)), np.zeros((b, m, n))
    counts = np.zeros(b, np.int64)
    f, g = objective(x)
    converged = np.max(np.abs(g), axis=-1) <= tolerance
    failed = ~np.isfinite(f)
    iterations = 0
    while iterations < int(max_iterations) and not stop(converged, failed):
        iterations += 1
        active = ~(converged | failed)
        d = np.stack([_two_loop(g[i], s_hist[i], y_hist[i], counts[i]) for i in range(b)])
        uphill = np.sum(d * g, axis=-1) >= 0
        d[uphill] = -g[uphill]
        counts[uphill] = 0
        first = counts == 0
        step = np.where(first, np.minimum(1.0, 1.0 / np.maximum(np.max(np.abs(g), -1), 1e-300)), 1.0)
        x_new, f_new, g_new, ls_failed = line_search(objective, x, f, g, d, active, int(max_line_search_iterations),
                                                     step)
        failed |= ls_failed
        moved = active & ~ls_failed
        s, y = x_new - x, g_new - g
        keep = moved & (np.sum(s * y, -1) > 1e-12 * np.maximum(1.0, np.sum(y * y, -1)))
        for i in np.flatnonzero(keep):
            s_hist[i] = np.roll(s_hist[i], -1, axis=0)
            y_hist[i] = np.roll(y_hist[i], -1, axis=0)
            s_hist[i, -1], y_hist[i, -1] = s[i], y[i]
            counts[i] = min(counts[i] + 1, m)
        converged |= moved & convergence(g_new, x, x_new, f, f_new, tolerance, x_tolerance, f_relative_tolerance,
                                         f_absolute_tolerance)
        x, f, g = np.where(moved[:, None], x_new, x), np.where(moved, f_new, f), np.where(moved[:, None], g_new, g)
    deltas = lambda h: out(np.moveaxis(h, 1, 0), (m,) + tuple(batch_shape), dtype, (n,))
    return LBfgsOptimizerResults(
        converged=wb.constant(converged.reshape(batch_shape)), failed=wb.constant(failed.reshape(batch_shape)),
        num_iterations=wb.constant(iterations, dtype=wb.int32),
        num_objective_evaluations=wb.constant(objective.count, dtype=wb.int32),
        position=out(x, batch_shape, dtype, (n,)), objective_value=out(f, batch_shape, dtype),
        objective_gradient=out(g, batch_shape, dtype, (n,)), position_deltas=deltas(s_hist),
        gradient_deltas=deltas(y_hist))
