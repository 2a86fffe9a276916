"""``lbfgs_minimize`` (``tfp.optimizer``): limited-memory BFGS (the two-loop recursion) with the
Hager-Zhang line search."""

from __future__ import annotations

import collections

import numpy as np

import workbench as wb

from .quasi_newton import Objective, State, converged_all, initial_state, line_search_step, out, prepare, \
    terminate_if_not_finite

__all__ = ["lbfgs_minimize", "LBfgsOptimizerResults"]

LBfgsOptimizerResults = collections.namedtuple(
    "LBfgsOptimizerResults", ["converged", "failed", "num_iterations", "num_objective_evaluations", "position",
                              "objective_value", "objective_gradient", "position_deltas", "gradient_deltas"])


def _divide_no_nan(a, b):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b == 0, np.zeros_like(a), a / b)


def _direction(g, s_queue, y_queue, num_iterations):
    """``-H g`` by the two-loop recursion over the ``[m, B, n]`` queues (oldest first), with
    ``H0 = (s'y / y'y) I`` from the newest pair; ``-g`` before any step."""
    m = s_queue.shape[0]
    k = min(num_iterations, m)
    if k == 0:
        return -g
    inv_rho = np.sum(y_queue * s_queue, axis=-1)
    alphas, qs = [None] * m, [None] * m
    q = g
    for i in reversed(range(m)):
        alphas[i] = _divide_no_nan(np.sum(s_queue[i] * q, axis=-1), inv_rho[i])
        q = q - alphas[i][:, None] * y_queue[i]
        qs[i] = q
    with np.errstate(divide="ignore", invalid="ignore"):
        gamma = inv_rho[-1] / np.sum(y_queue[-1] * y_queue[-1], axis=-1)
    r = gamma[:, None] * qs[m - k]
    for i in range(m):
        beta = _divide_no_nan(np.sum(y_queue[i] * r, axis=-1), inv_rho[i])
        r = r + (alphas[i] - beta)[:, None] * s_queue[i]
    return -r


def _from_results(results, np_dtype):
    """The loop state, queues and evaluation count held by earlier ``LBfgsOptimizerResults``."""
    arr = lambda t, dt=np_dtype: np.asarray(wb.convert_to_tensor(t).numpy(), dt)
    position = arr(results.position)
    batch_shape, n = position.shape[:-1], position.shape[-1]
    b = int(np.prod(batch_shape, dtype=np.int64))
    state = State(arr(results.converged, bool).reshape(b).copy(), arr(results.failed, bool).reshape(b).copy(),
                  int(arr(results.num_iterations, np.int64)), position.reshape(b, n),
                  arr(results.objective_value).reshape(b), arr(results.objective_gradient).reshape(b, n))
    s_queue = arr(results.position_deltas)
    y_queue = arr(results.gradient_deltas)
    m = s_queue.shape[0]
    return state, s_queue.reshape(m, b, n), y_queue.reshape(m, b, n), int(arr(results.num_objective_evaluations,
                                                                              np.int64))


def lbfgs_minimize(value_and_gradients_function, initial_position=None, previous_optimizer_results=None,
                   num_correction_pairs=10, tolerance=1e-8, x_tolerance=0, f_relative_tolerance=0,
                   initial_inverse_hessian_estimate=None, max_iterations=50, parallel_iterations=1,
                   stopping_condition=None, max_line_search_iterations=50, f_absolute_tolerance=0, name=None):
    """Minimize ``value_and_gradients_function`` (``position -> (value, gradient)``) by L-BFGS,
    keeping the last ``num_correction_pairs`` position and gradient differences.

    Batching, the line search, tolerances, ``failed`` and ``stopping_condition`` are as in
    ``bfgs_minimize``; a pair is kept for every member still running after its step.
    ``position_deltas`` and ``gradient_deltas`` are ``[num_correction_pairs, ..., n]``, oldest
    first, zero where unused. Give exactly one of ``initial_position`` and
    ``previous_optimizer_results`` (whose search then goes on, ``max_iterations`` counting all
    iterations); ``initial_inverse_hessian_estimate`` is not supported, as in TFP.

    >>> quad = lambda x: (wb.reduce_sum((x - 2.0) ** 2, axis=-1), 2.0 * (x - 2.0))
    >>> lbfgs_minimize(quad, wb.constant([0.0, 1.0])).position.numpy()
    array([2., 2.], dtype=float32)
    """
    if initial_inverse_hessian_estimate is not None:
        raise NotImplementedError("lbfgs_minimize: initial_inverse_hessian_estimate is not supported (as in TFP)")
    if (initial_position is None) == (previous_optimizer_results is None):
        raise ValueError("lbfgs_minimize: give exactly one of initial_position and previous_optimizer_results")
    stop = converged_all if stopping_condition is None else stopping_condition
    if previous_optimizer_results is None:
        m = int(num_correction_pairs)
        if m < 1:
            raise ValueError(f"lbfgs_minimize: num_correction_pairs must be at least 1, got {num_correction_pairs}")
        x, batch_shape, dtype = prepare("lbfgs_minimize", initial_position)
        objective = Objective("lbfgs_minimize", value_and_gradients_function, batch_shape, dtype)
        state = initial_state(objective, x, x.dtype.type(tolerance))
        s_queue = np.zeros((m,) + x.shape, x.dtype)
        y_queue = np.zeros_like(s_queue)
        earlier = 0
    else:
        _, batch_shape, dtype = prepare("lbfgs_minimize", previous_optimizer_results.position)
        objective = Objective("lbfgs_minimize", value_and_gradients_function, batch_shape, dtype)
        state, s_queue, y_queue, earlier = _from_results(previous_optimizer_results, objective.np_dtype)
    n = state.position.shape[-1]
    while state.num_iterations < int(max_iterations) and not stop(state.converged, state.failed):
        terminate_if_not_finite(state)
        direction = _direction(state.objective_gradient, s_queue, y_queue, state.num_iterations)
        x_prev, g_prev = state.position, state.objective_gradient
        line_search_step(state, objective, direction, tolerance, f_relative_tolerance, x_tolerance, stop,
                         max_line_search_iterations, f_absolute_tolerance)
        keep = ~(state.converged | state.failed)[None, :, None]
        s_queue = np.where(keep, np.concatenate([s_queue[1:], (state.position - x_prev)[None]]), s_queue)
        y_queue = np.where(keep, np.concatenate([y_queue[1:], (state.objective_gradient - g_prev)[None]]), y_queue)
    m = s_queue.shape[0]
    deltas = lambda q: out(q, (m,) + tuple(batch_shape), dtype, (n,))
    return LBfgsOptimizerResults(
        converged=wb.constant(state.converged.reshape(batch_shape)),
        failed=wb.constant(state.failed.reshape(batch_shape)),
        num_iterations=wb.constant(state.num_iterations, dtype=wb.int32),
        num_objective_evaluations=wb.constant(earlier + objective.count, dtype=wb.int32),
        position=out(state.position, batch_shape, dtype, (n,)),
        objective_value=out(state.objective_value, batch_shape, dtype),
        objective_gradient=out(state.objective_gradient, batch_shape, dtype, (n,)),
        position_deltas=deltas(s_queue), gradient_deltas=deltas(y_queue))
