"""``bfgs_minimize`` (``tfp.optimizer``): BFGS with a dense inverse-Hessian estimate."""

from __future__ import annotations

import collections

import numpy as np

import workbench as wb

from .quasi_newton import Objective, convergence, converged_all, line_search, out, prepare

__all__ = ["bfgs_minimize", "BfgsOptimizerResults"]

BfgsOptimizerResults = collections.namedtuple(
    "BfgsOptimizerResults", ["converged", "failed", "num_iterations", "num_objective_evaluations", "position",
                             "objective_value", "objective_gradient", "inverse_hessian_estimate"])


def bfgs_minimize(value_and_gradients_function, initial_position, tolerance=1e-8, x_tolerance=0,
                  f_relative_tolerance=0, initial_inverse_hessian_estimate=None, max_iterations=50,
                  parallel_iterations=1, stopping_condition=None, validate_args=True, max_line_search_iterations=50,
                  f_absolute_tolerance=0, name=None):
    """Minimize ``value_and_gradients_function`` (``position -> (value, gradient)``) by BFGS.

    ``initial_position`` is ``[..., n]``: a batch of independent problems, each stopping on its
    own when the gradient's sup norm is within ``tolerance``, the position moves at most
    ``x_tolerance``, or the objective changes within ``f_relative_tolerance`` (relative) or
    ``f_absolute_tolerance``. A member whose line search finds no decrease is ``failed``.
    ``stopping_condition(converged, failed)`` ends the loop (default ``converged_all``).
    Returns ``BfgsOptimizerResults``.

    >>> quad = lambda x: (wb.reduce_sum((x - 2.0) ** 2), 2.0 * (x - 2.0))
    >>> bfgs_minimize(quad, wb.constant([0.0, 0.0])).position.numpy()
    array([2., 2.], dtype=float32)
    """
    x, batch_shape, dtype = prepare("bfgs_minimize", initial_position)
    b, n = x.shape
    stop = converged_all if stopping_condition is None else stopping_condition
    objective = Objective("bfgs_minimize", value_and_gradients_function, batch_shape, dtype)
    if initial_inverse_hessian_estimate is None:
        h = np.broadcast_to(np.eye(n), (b, n, n)).copy()
        scale_first = True
    else:
        h0 = np.asarray(wb.convert_to_tensor(initial_inverse_hessian_estimate).numpy(), np.float64)
        if h0.shape[-2:] != (n, n):
            raise ValueError(f"bfgs_minimize: initial_inverse_hessian_estimate must be [..., {n}, {n}], "
                             f"got shape {h0.shape}")
        if validate_args and not np.allclose(h0, np.swapaxes(h0, -1, -2)):
            raise ValueError("bfgs_minimize: initial_inverse_hessian_estimate must be symmetric")
        h = np.broadcast_to(h0, (b, n, n)).copy()
        scale_first = False
    f, g = objective(x)
    converged = np.max(np.abs(g), axis=-1) <= tolerance
    failed = ~np.isfinite(f)
    iterations = 0
    while iterations < int(max_iterations) and not stop(converged, failed):
        iterations += 1
        active = ~(converged | failed)
        d = -np.einsum("bij,bj->bi", h, g)
        uphill = np.sum(d * g, axis=-1) >= 0
        if uphill.any():   # a stale estimate: restart that member from the gradient
            h[uphill] = np.eye(n)
            d[uphill] = -g[uphill]
        first_step = np.where(iterations == 1, np.minimum(1.0, 1.0 / np.maximum(np.max(np.abs(g), -1), 1e-300)),
                              1.0)
        x_new, f_new, g_new, ls_failed = line_search(objective, x, f, g, d, active, int(max_line_search_iterations),
                                                     first_step)
        failed |= ls_failed
        moved = active & ~ls_failed
        s, y = x_new - x, g_new - g
        sy = np.sum(s * y, axis=-1)
        upd = moved & (sy > 1e-12 * np.maximum(1.0, np.sum(y * y, axis=-1)))
        if scale_first and iterations == 1:
            gamma = np.where(upd, sy / np.maximum(np.sum(y * y, -1), 1e-300), 1.0)
            h[upd] = gamma[upd, None, None] * np.eye(n)
        for i in np.flatnonzero(upd):
            rho = 1.0 / sy[i]
            v = np.eye(n) - rho * np.outer(s[i], y[i])
            h[i] = v @ h[i] @ v.T + rho * np.outer(s[i], s[i])
        converged |= moved & convergence(g_new, x, x_new, f, f_new, tolerance, x_tolerance, f_relative_tolerance,
                                         f_absolute_tolerance)
        x, f, g = np.where(moved[:, None], x_new, x), np.where(moved, f_new, f), np.where(moved[:, None], g_new, g)
    return BfgsOptimizerResults(
        converged=wb.constant(converged.reshape(batch_shape)), failed=wb.constant(failed.reshape(batch_shape)),
        num_iterations=wb.constant(iterations, dtype=wb.int32),
        num_objective_evaluations=wb.constant(objective.count, dtype=wb.int32),
        position=out(x, batch_shape, dtype, (n,)), objective_value=out(f, batch_shape, dtype),
        objective_gradient=out(g, batch_shape, dtype, (n,)),
        inverse_hessian_estimate=out(h, batch_shape, dtype, (n, n)))
