"""The Hager-Zhang inexact line search (CG_DESCENT's, Hager and Zhang 2006):
``tfp.optimizer.linesearch.hager_zhang``."""

from __future__ import annotations

import collections

import numpy as np

import workbench as wb

from . import hager_zhang_lib as hzl

__all__ = ["hager_zhang", "HagerZhangLineSearchResults"]

HagerZhangLineSearchResults = collections.namedtuple(
    "HagerZhangLineSearchResults", ["converged", "failed", "func_evals", "iterations", "left", "right"])


def _to_numpy(value):
    if isinstance(value, tuple):
        parts = [_to_numpy(v) for v in value]
        return type(value)(*parts) if hasattr(value, "_fields") else type(value)(parts)
    return np.asarray(wb.convert_to_tensor(value).numpy())


def _to_tensor(value):
    if isinstance(value, tuple):
        parts = [_to_tensor(v) for v in value]
        return type(value)(*parts) if hasattr(value, "_fields") else type(value)(parts)
    return wb.constant(value)


def hager_zhang(value_and_gradients_function, initial_step_size=None, value_at_initial_step=None,
                value_at_zero=None, converged=None, threshold_use_approximate_wolfe_condition=1e-6,
                shrinkage_param=0.66, expansion_param=5.0, sufficient_decrease_param=0.1, curvature_param=0.9,
                max_iterations=50, name=None):
    """Find a step satisfying the Wolfe conditions (or, where ``f <= f(0) + eps |f(0)|``, Hager and
    Zhang's approximate ones) along a line, as CG_DESCENT does: bracket from ``initial_step_size``
    (default 1.0 as float32), expanding by ``expansion_param``; then secant^2 steps, bisecting when
    the bracket shrinks by less than ``shrinkage_param``.

    ``value_and_gradients_function(x)`` returns a namedtuple with fields ``x``, ``f``, ``df`` (the
    value and derivative along the line, ``df(0) < 0``) and possibly others; it may be batched over
    ``n`` lines (``x`` of shape ``[n]``), and is then always called on the whole batch.
    ``value_at_initial_step`` / ``value_at_zero`` save those evaluations; ``converged`` members
    are not searched. Returns ``HagerZhangLineSearchResults(converged, failed, func_evals,
    iterations, left, right)``: ``left``/``right`` end the final bracket (the same point once
    converged); ``iterations`` counts expansions and secant^2 steps per line, ``func_evals`` the
    calls. A non-descent or non-finite start, or a non-finite value met, has ``failed``.

    >>> import collections
    >>> P = collections.namedtuple("P", ["x", "f", "df"])
    >>> r = hager_zhang(lambda x: P(x, (x - 2.0) ** 2, 2.0 * (x - 2.0)))
    >>> float(r.left.x), int(r.func_evals)
    (2.0, 4)
    """
    delta, sigma = float(sufficient_decrease_param), float(curvature_param)
    if not 0 < delta <= sigma < 1:
        raise ValueError("hager_zhang: need 0 < sufficient_decrease_param <= curvature_param < 1, got "
                         f"{sufficient_decrease_param} and {curvature_param}")
    if not 0 < float(shrinkage_param) < 1:
        raise ValueError(f"hager_zhang: shrinkage_param must be in (0, 1), got {shrinkage_param}")
    if not float(expansion_param) > 1:
        raise ValueError(f"hager_zhang: expansion_param must be greater than 1, got {expansion_param}")
    if not callable(value_and_gradients_function):
        raise TypeError("hager_zhang: value_and_gradients_function must be callable, got "
                        f"{type(value_and_gradients_function).__name__}")

    def line(x):
        out = value_and_gradients_function(wb.constant(x))
        if not all(hasattr(out, f) for f in ("x", "f", "df")):
            raise TypeError("hager_zhang: value_and_gradients_function must return a namedtuple with fields "
                            f"x, f and df, got {type(out).__name__}")
        return _to_numpy(out)

    calls = 0
    if value_at_initial_step is None:
        step = wb.convert_to_tensor(1.0 if initial_step_size is None else initial_step_size)
        val_initial = line(np.asarray(step.numpy()))
        calls += 1
    else:
        val_initial = _to_numpy(value_at_initial_step)
    if value_at_zero is None:
        val_0 = line(np.zeros_like(val_initial.x))
        calls += 1
    else:
        val_0 = _to_numpy(value_at_zero)
    dtype = val_0.f.dtype
    f_lim = val_0.f + dtype.type(threshold_use_approximate_wolfe_condition) * np.abs(val_0.f)
    lines = hzl.Lines(line, val_0, f_lim, max_iterations, delta, sigma, shrinkage_param, expansion_param)
    done = (np.zeros(np.shape(val_initial.x), bool) if converged is None
            else np.broadcast_to(_to_numpy(converged).astype(bool), np.shape(val_initial.x)).copy())
    result = hzl.run(lines, val_0, val_initial, done)
    return HagerZhangLineSearchResults(
        converged=wb.constant(result.converged), failed=wb.constant(result.failed),
        func_evals=wb.constant(calls + lines.evals, dtype=wb.int32),
        iterations=wb.constant(result.iterations, dtype=wb.int32),
        left=_to_tensor(result.left), right=_to_tensor(result.right))
