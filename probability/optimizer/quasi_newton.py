"""What BFGS and L-BFGS share: batched objective evaluation, the backtracking line search, the
stopping rules and convergence tests. Positions are ``[..., n]``; every batch member is its own
problem, and a member that has converged or failed stops moving."""

from __future__ import annotations

import numpy as np

import workbench as wb

__all__ = ["converged_all", "converged_any", "Objective", "line_search", "convergence"]


def converged_all(converged, failed):
    """Stop when every batch member has converged or failed (the default)."""
    return bool(np.all(np.asarray(converged) | np.asarray(failed)))


def converged_any(converged, failed):
    """Stop when some batch member has converged, or all have failed."""
    return bool(np.any(np.asarray(converged)) or np.all(np.asarray(failed)))


class Objective:
    """``value_and_gradients_function`` on ``[B, n]`` float64 host arrays, counting evaluations."""

    def __init__(self, opname, fn, batch_shape, dtype):
        if not callable(fn):
            raise TypeError(f"{opname}: value_and_gradients_function must be callable, got {type(fn).__name__}")
        self.opname, self.fn, self.batch_shape, self.dtype = opname, fn, tuple(batch_shape), dtype
        self.count = 0

    def __call__(self, x):
        n = x.shape[-1]
        pos = wb.cast(wb.constant(x.reshape(self.batch_shape + (n,))), self.dtype)
        out = self.fn(pos)
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            raise TypeError(f"{self.opname}: value_and_gradients_function must return (value, gradients), "
                            f"got {type(out).__name__}")
        value, grad = out
        value = np.asarray(wb.convert_to_tensor(value).numpy(), np.float64).reshape(-1)
        grad = np.asarray(wb.convert_to_tensor(grad).numpy(), np.float64).reshape(x.shape)
        if value.shape[0] != x.shape[0]:
            raise ValueError(f"{self.opname}: the objective returned {value.shape[0]} values for a batch of "
                             f"{x.shape[0]} positions")
        self.count += 1
        return value, grad


def line_search(objective, x, f, g, d, active, max_iterations, initial_step):
    """Backtracking from ``initial_step`` until the Armijo condition ``f(x + a d) <= f + 1e-4 a g.d``
    holds with finite values; returns the new points, values, gradients and which members failed."""
    slope = np.sum(g * d, axis=-1)
    step = initial_step.copy()
    searching = active.copy()
    x_new, f_new, g_new = x.copy(), f.copy(), g.copy()
    for _ in range(max_iterations):
        if not searching.any():
            break
        trial = np.where(searching[:, None], x + step[:, None] * d, x)
        ft, gt = objective(trial)
        ok = searching & np.isfinite(ft) & np.all(np.isfinite(gt), axis=-1) & (ft <= f + 1e-4 * step * slope)
        x_new[ok], f_new[ok], g_new[ok] = trial[ok], ft[ok], gt[ok]
        searching &= ~ok
        step = np.where(searching, 0.5 * step, step)
    return x_new, f_new, g_new, searching


def convergence(g, x_old, x_new, f_old, f_new, tolerance, x_tolerance, f_relative_tolerance, f_absolute_tolerance):
    """TFP's tests: the gradient's sup norm within ``tolerance``, or the position change within
    ``x_tolerance``, or the objective change within the relative or absolute tolerance."""
    grad_ok = np.max(np.abs(g), axis=-1) <= tolerance
    x_ok = np.max(np.abs(x_new - x_old), axis=-1) <= x_tolerance
    df = np.abs(f_new - f_old)
    f_ok = (df <= f_relative_tolerance * np.abs(f_old)) | (df <= f_absolute_tolerance)
    return grad_ok | x_ok | f_ok


def prepare(opname, initial_position):
    """The position as a float64 ``[B, n]`` array, with its batch shape and dtype."""
    pos = wb.convert_to_tensor(initial_position)
    if pos.dtype not in (wb.float16, wb.float32, wb.float64):
        raise TypeError(f"{opname}: initial_position has dtype {pos.dtype}, expected a floating dtype")
    if pos.ndim < 1:
        raise ValueError(f"{opname}: initial_position must have shape [..., n], got a scalar")
    x = np.asarray(pos.numpy(), np.float64)
    return x.reshape(-1, x.shape[-1]), x.shape[:-1], pos.dtype


def out(array, batch_shape, dtype, tail=None):
    """A float tensor of ``dtype`` shaped ``batch_shape`` (+ ``tail``)."""
    shape = tuple(batch_shape) + (tuple(tail) if tail is not None else ())
    return wb.cast(wb.constant(np.asarray(array, np.float64).reshape(shape)), dtype)
