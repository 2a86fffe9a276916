"""``bfgs_minimize`` (``tfp.optimizer``): BFGS with a dense inverse-Hessian estimate and the
Hager-Zhang line search."""

from __future__ import annotations

import collections

import numpy as np

import workbench as wb

from .quasi_newton import Objective, converged_all, initial_state, line_search_step, out, prepare, \
    terminate_if_not_finite

__all__ = ["bfgs_minimize", "BfgsOptimizerResults"]

BfgsOptimizerResults = collections.namedtuple(
    "BfgsOptimizerResults", ["converged", "failed", "num_iterations", "num_objective_evaluations", "position",
                             "objective_value", "objective_gradient", "inverse_hessian_estimate",
                             "scale_initial_inverse_hessian"])


def _initial_inverse_hessian(estimate, b, n, batch_shape, np_dtype, validate_args):
    if estimate is None:
        return np.broadcast_to(np.eye(n, dtype=np_dtype), (b, n, n)).copy()
    h0 = np.asarray(wb.convert_to_tensor(estimate).numpy(), np_dtype)
    try:
        h0 = np.broadcast_to(h0, tuple(batch_shape) + (n, n)).reshape(b, n, n).copy()
    except ValueError:
        raise ValueError(f"bfgs_minimize: initial_inverse_hessian_estimate must broadcast to "
                         f"{list(batch_shape) + [n, n]}, got shape {list(h0.shape)}") from None
    if validate_args:
        if np.any(h0 != np.swapaxes(h0, -1, -2)):
            raise wb.errors.InvalidArgumentError(
                None, None, "bfgs_minimize: initial_inverse_hessian_estimate is not symmetric")
        if not np.all(np.isfinite(h0)) or np.any(np.linalg.eigvalsh(h0.astype(np.float64)) <= 0):
            raise wb.errors.InvalidArgumentError(
                None, None, "bfgs_minimize: initial_inverse_hessian_estimate is not positive definite")
    return h0


def _matvec(h, v, batched):
    """``h @ v`` for ``[B, n, n]`` and ``[B, n]``. TF's batched float32 matmul accumulates with fused
    multiply-adds in index order; that is followed (through float64) so the steps round as TFP's."""
    if not (batched and h.dtype == np.float32):
        return np.einsum("bij,bj->bi", h, v)
    acc = h[:, :, 0] * v[:, None, 0]
    for k in range(1, h.shape[-1]):
        acc = (h[:, :, k].astype(np.float64) * v[:, None, k].astype(np.float64) + acc).astype(np.float32)
    return acc


def _bfgs_update(y, s, sy, h, batched):
    """``(I - rho s y') H (I - rho y s') + rho s s'`` with ``rho = 1 / s'y``, expanded into
    rank-one terms."""
    hy = _matvec(h, y, batched)
    yhy = np.sum(hy * y, axis=-1)
    cross = s[:, :, None] * hy[:, None, :] + hy[:, :, None] * s[:, None, :]
    ss = s[:, :, None] * s[:, None, :] * (1 + yhy / sy)[:, None, None]
    return h + (ss - cross) / sy[:, None, None]


def bfgs_minimize(value_and_gradients_function, initial_position, tolerance=1e-8, x_tolerance=0,
                  f_relative_tolerance=0, initial_inverse_hessian_estimate=None, scale_initial_inverse_hessian=True,
                  max_iterations=50, parallel_iterations=1, stopping_condition=None, validate_args=True,
                  max_line_search_iterations=50, f_absolute_tolerance=0, name=None):
    """Minimize ``value_and_gradients_function`` (``position -> (value, gradient)``) by BFGS.

    ``initial_position`` is ``[..., n]``: a batch of independent problems. Each iteration searches
    along ``-H g`` with Hager-Zhang from a unit step (a member whose direction is not a descent
    one restarts from the initial estimate). A member has converged once the gradient's sup norm
    is within ``tolerance``, the position moves at most ``x_tolerance``, or the objective changes
    by at most ``f_relative_tolerance * f`` or ``f_absolute_tolerance``; it has failed when its
    line search does not converge or a value is not finite. The estimate starts at the identity
    (or ``initial_inverse_hessian_estimate``, symmetric positive definite), scaled after the first
    step by ``s'y / y'y`` when ``scale_initial_inverse_hessian``; the update is skipped where
    ``s'y == 0``. ``stopping_condition(converged, failed)`` ends the loop (default
    ``converged_all``). Returns ``BfgsOptimizerResults``.

    >>> quad = lambda x: (wb.reduce_sum((x - 2.0) ** 2, axis=-1), 2.0 * (x - 2.0))
    >>> bfgs_minimize(quad, wb.constant([0.0, 0.0])).position.numpy()
    array([2., 2.], dtype=float32)
    """
    x, batch_shape, dtype = prepare("bfgs_minimize", initial_position)
    b, n = x.shape
    stop = converged_all if stopping_condition is None else stopping_condition
    objective = Objective("bfgs_minimize", value_and_gradients_function, batch_shape, dtype)
    np_dtype = x.dtype
    h0 = _initial_inverse_hessian(initial_inverse_hessian_estimate, b, n, batch_shape, np_dtype, validate_args)
    h = h0.copy()
    batched = len(batch_shape) > 0
    state = initial_state(objective, x, np_dtype.type(tolerance))
    while state.num_iterations < int(max_iterations) and not stop(state.converged, state.failed):
        terminate_if_not_finite(state)
        g = state.objective_gradient
        direction = -_matvec(h, g, batched)
        reset = ~state.failed & ~state.converged & (np.sum(g * direction, axis=-1) >= 0)
        direction = np.where(reset[:, None], -_matvec(h0, g, batched), direction)
        h = np.where(reset[:, None, None], h0, h)
        first = state.num_iterations == 0
        x_prev, g_prev = state.position, g
        line_search_step(state, objective, direction, tolerance, f_relative_tolerance, x_tolerance, stop,
                         max_line_search_iterations, f_absolute_tolerance)
        update = ~state.converged & ~state.failed
        y = state.objective_gradient - g_prev
        s = state.position - x_prev
        sy = np.sum(y * s, axis=-1)
        update &= sy != 0
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            scale = (sy / np.sum(y * y, axis=-1) if first and scale_initial_inverse_hessian
                     else np.ones_like(sy))
            scaled = scale[:, None, None] * h
            if update.any():
                h = np.where(update[:, None, None], _bfgs_update(y, s, sy, scaled, batched), scaled)
    return BfgsOptimizerResults(
        converged=wb.constant(state.converged.reshape(batch_shape)),
        failed=wb.constant(state.failed.reshape(batch_shape)),
        num_iterations=wb.constant(state.num_iterations, dtype=wb.int32),
        num_objective_evaluations=wb.constant(objective.count, dtype=wb.int32),
        position=out(state.position, batch_shape, dtype, (n,)),
        objective_value=out(state.objective_value, batch_shape, dtype),
        objective_gradient=out(state.objective_gradient, batch_shape, dtype, (n,)),
        inverse_hessian_estimate=out(h, batch_shape, dtype, (n, n)),
        scale_initial_inverse_hessian=wb.constant(bool(scale_initial_inverse_hessian)))
