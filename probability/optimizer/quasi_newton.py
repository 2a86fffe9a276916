"""What BFGS and L-BFGS share, as TFP's ``bfgs_utils``: batched objective evaluation in the
position's dtype, the Hager-Zhang line-search step, the stopping rules and convergence tests.

Positions are ``[..., n]`` and are handled as ``[B, n]`` host arrays; every batch member is its
own problem. The objective is always called on the whole batch, so ``num_objective_evaluations``
counts batched calls, as TFP's does."""

from __future__ import annotations

import collections

import numpy as np

import workbench as wb

from .linesearch import hager_zhang_lib as hzl

__all__ = ["converged_all", "converged_any", "Objective", "State", "initial_state", "terminate_if_not_finite",
           "line_search_step", "prepare", "out"]

ValueAndGradient = collections.namedtuple("ValueAndGradient", ["x", "f", "df", "full_gradient"])


def converged_all(converged, failed):
    """Stop when every batch member has converged or failed (the default)."""
    return bool(np.all(np.asarray(converged) | np.asarray(failed)))


def converged_any(converged, failed):
    """Stop when some batch member has converged, or all have failed."""
    return bool(np.any(np.asarray(converged)) or np.all(np.asarray(failed)))


class Objective:
    """``value_and_gradients_function`` on ``[B, n]`` host arrays of the position's dtype,
    counting calls."""

    def __init__(self, opname, fn, batch_shape, dtype):
        if not callable(fn):
            raise TypeError(f"{opname}: value_and_gradients_function must be callable, got {type(fn).__name__}")
        self.opname, self.fn, self.batch_shape, self.dtype = opname, fn, tuple(batch_shape), dtype
        self.np_dtype = np.dtype(dtype.as_numpy_dtype)
        self.count = 0

    def __call__(self, x):
        n = x.shape[-1]
        out = self.fn(wb.constant(np.asarray(x, self.np_dtype).reshape(self.batch_shape + (n,))))
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            raise TypeError(f"{self.opname}: value_and_gradients_function must return (value, gradients), "
                            f"got {type(out).__name__}")
        value, grad = (np.asarray(wb.convert_to_tensor(v).numpy(), self.np_dtype) for v in out)
        if value.size != x.shape[0] or grad.size != x.size:
            raise ValueError(f"{self.opname}: the objective returned a value of shape {value.shape} and a gradient "
                             f"of shape {grad.shape} for positions of shape {self.batch_shape + (n,)}")
        self.count += 1
        return value.reshape(-1), grad.reshape(x.shape)


class State:
    """The loop state of BFGS / L-BFGS: per-member flags and the current point."""

    __slots__ = ("converged", "failed", "num_iterations", "position", "objective_value", "objective_gradient")

    def __init__(self, converged, failed, num_iterations, position, objective_value, objective_gradient):
        self.converged, self.failed, self.num_iterations = converged, failed, num_iterations
        self.position, self.objective_value, self.objective_gradient = position, objective_value, objective_gradient


def _sup_norm(v):
    return np.max(np.abs(v), axis=-1)


def initial_state(objective, position, tolerance):
    """Evaluate at the start; a member whose gradient is already below ``tolerance`` has converged."""
    f, g = objective(position)
    converged = np.isfinite(f) & (_sup_norm(g) < tolerance)
    return State(converged, np.zeros_like(converged), 0, position, f, g)


def terminate_if_not_finite(state, value=None, gradient=None):
    """A value of -inf is a minimum (converged); any other non-finite value or gradient fails."""
    value = state.objective_value if value is None else value
    gradient = state.objective_gradient if gradient is None else gradient
    state.converged = state.converged | (value == -np.inf)
    bad = ~np.isfinite(value) | np.any(~np.isfinite(gradient), axis=-1)
    state.failed = state.failed | (~state.converged & bad)


def _converged(x_old, x_new, f_old, f_new, g_new, tolerance, f_relative_tolerance, x_tolerance,
               f_absolute_tolerance):
    # TFP's tests; the relative one compares with f_old itself (not |f_old|)
    df = np.abs(f_new - f_old)
    return ((_sup_norm(g_new) <= tolerance) | (_sup_norm(x_new - x_old) <= x_tolerance)
            | (df <= f_relative_tolerance * f_old) | (df <= f_absolute_tolerance))


def line_search_step(state, objective, direction, tolerance, f_relative_tolerance, x_tolerance, stopping_condition,
                     max_line_search_iterations, f_absolute_tolerance):
    """Search along ``direction`` from unit steps (Hager-Zhang, TFP's defaults) for the members
    still running, and move every member to the left end of its final bracket (a member whose
    search did not converge has failed, but moves too, as in TFP). Updates ``state`` in place and
    returns the number of objective calls made."""
    dt = state.position.dtype.type
    x0 = state.position
    tol, f_rel, x_tol, f_abs = (dt(t) for t in (tolerance, f_relative_tolerance, x_tolerance, f_absolute_tolerance))

    def line(t):
        f, g = objective(x0 + t[:, None] * direction)
        return ValueAndGradient(t, f, np.sum(g * direction, axis=-1), g)

    zero = np.zeros(x0.shape[0], x0.dtype)
    val_0 = ValueAndGradient(zero, state.objective_value, np.sum(state.objective_gradient * direction, axis=-1),
                             state.objective_gradient)
    inactive = state.failed | state.converged
    f_lim = val_0.f + dt(1e-6) * np.abs(val_0.f)
    lines = hzl.Lines(line, val_0, f_lim, max_line_search_iterations, 0.1, 0.9, 0.66, 5.0)
    val_1 = lines(np.ones_like(zero))
    result = hzl.run(lines, val_0, val_1, inactive)
    stop = stopping_condition(state.converged, state.failed)
    state.failed = state.failed | (~state.converged & ~result.converged)
    state.num_iterations += 1
    if stop:
        return lines.evals
    delta = np.where(inactive[:, None], np.zeros_like(direction), direction * result.left.x[:, None])
    terminate_if_not_finite(state, result.left.f, result.left.full_gradient)
    new_position = state.position + delta
    converged = ~state.failed & _converged(state.position, new_position, state.objective_value, result.left.f,
                                           result.left.full_gradient, tol, f_rel, x_tol, f_abs)
    state.converged = state.converged | converged
    state.position, state.objective_value = new_position, result.left.f
    state.objective_gradient = result.left.full_gradient
    return lines.evals


def prepare(opname, initial_position):
    """The position as a ``[B, n]`` array of its own dtype, with its batch shape and dtype."""
    pos = wb.convert_to_tensor(initial_position)
    if pos.dtype not in (wb.float16, wb.float32, wb.float64):
        raise TypeError(f"{opname}: initial_position has dtype {pos.dtype}, expected a floating dtype")
    if pos.ndim < 1:
        raise ValueError(f"{opname}: initial_position must have shape [..., n], got a scalar")
    x = np.asarray(pos.numpy())
    return x.reshape(-1, x.shape[-1]).copy(), x.shape[:-1], pos.dtype


def out(array, batch_shape, dtype, tail=None):
    """A float tensor of ``dtype`` shaped ``batch_shape`` (+ ``tail``)."""
    shape = tuple(batch_shape) + (tuple(tail) if tail is not None else ())
    return wb.constant(np.asarray(array, np.dtype(dtype.as_numpy_dtype)).reshape(shape))
