"""The Hager-Zhang inexact line search (CG_DESCENT's, Hager and Zhang 2006):
``tfp.optimizer.linesearch.hager_zhang``."""

from __future__ import annotations

import collections

import numpy as np

import workbench as wb

__all__ = ["hager_zhang", "HagerZhangLineSearchResults"]

HagerZhangLineSearchResults = collections.namedtuple(
    "HagerZhangLineSearchResults", ["converged", "failed", "func_evals", "iterations", "left", "right"])


class _Line:
    """Evaluates the (possibly batched) line function for one batch member, keeping the namedtuple
    each point came from; the other members are evaluated at their last points."""

    def __init__(self, fn, points, evals, batched, shape):
        self.fn, self.points, self.evals = fn, points, evals
        self.batched, self.shape = batched, shape

    def __call__(self, i, x):
        xs = self.points.copy()
        xs[i] = x
        value = self.fn(wb.constant(xs.reshape(self.shape)) if self.batched else wb.constant(xs[0]))
        self.evals[0] += 1
        return _Point(x, float(np.asarray(value.f.numpy()).reshape(-1)[i]),
                      float(np.asarray(value.df.numpy()).reshape(-1)[i]), value, i)


class _Point:
    __slots__ = ("x", "f", "df", "full", "index")

    def __init__(self, x, f, df, full, index):
        self.x, self.f, self.df, self.full, self.index = x, f, df, full, index


def _search(line, i, zero, first, delta, sigma, eps, theta, gamma, rho, max_iterations):
    """One member's search: ``(converged, failed, iterations, left, right)``."""
    f_lim = zero.f + eps * abs(zero.f)

    def satisfied(c):
        wolfe = c.f - zero.f <= delta * c.x * zero.df and c.df >= sigma * zero.df
        approx = (2 * delta - 1) * zero.df >= c.df >= sigma * zero.df and c.f <= f_lim
        return wolfe or approx

    def finite(c):
        return np.isfinite(c.f) and np.isfinite(c.df)

    def bisect(a, b):
        # U3: shrink [a, b] (f'(a) < 0, f(a) <= f_lim, f(b) > f_lim) until the ends bracket again
        for _ in range(max_iterations):
            d = line(i, (1 - theta) * a.x + theta * b.x)
            if not finite(d):
                return None
            if d.df >= 0:
                return a, d
            if d.f <= f_lim:
                a = d
            else:
                b = d
        return a, b

    def update(a, b, c):
        if not (min(a.x, b.x) < c.x < max(a.x, b.x)):
            return a, b
        if c.df >= 0:
            return a, c
        if c.f <= f_lim:
            return c, b
        return bisect(a, c)

    def secant(a, b):
        if b.df == a.df:
            return 0.5 * (a.x + b.x)
        return (a.x * b.df - b.x * a.df) / (b.df - a.df)

    if not (zero.df < 0 and finite(zero)) or not (first.x > 0 and np.isfinite(first.x)):
        return False, True, 0, zero, first
    # the bracketing phase (B0-B3); each expansion counts as an iteration. As TFP, points met
    # here are not tested against the Wolfe conditions: only the secant steps' points are
    iteration = 0
    c, best_left = first, zero
    while True:
        if not finite(c):
            return False, True, iteration, zero, c
        if c.df >= 0:
            a, b = best_left, c
            break
        if c.f > f_lim:
            bracket = bisect(zero, c)
            if bracket is None:
                return False, True, iteration, zero, c
            a, b = bracket
            break
        if iteration >= max_iterations:
            return False, False, iteration, best_left, c
        best_left = c
        c = line(i, rho * c.x)
        iteration += 1
    # secant^2 steps, bisecting when the interval does not shrink by gamma
    while iteration < max_iterations:
        iteration += 1
        width = b.x - a.x
        c = line(i, secant(a, b))
        if not finite(c):
            return False, True, iteration, a, b
        if satisfied(c):
            return True, False, iteration, c, c
        new = update(a, b, c)
        if new is None:
            return False, True, iteration, a, b
        A, B = new
        if c is A or c is B:
            c2 = line(i, secant(b, B) if c is B else secant(a, A))
            if finite(c2) and satisfied(c2):
                return True, False, iteration, c2, c2
            new = update(A, B, c2) if finite(c2) else (A, B)
            if new is None:
                return False, True, iteration, A, B
            A, B = new
        a, b = A, B
        if b.x - a.x > gamma * width:
            mid = line(i, 0.5 * (a.x + b.x))
            if finite(mid) and satisfied(mid):
                return True, False, iteration, mid, mid
            new = update(a, b, mid) if finite(mid) else (a, b)
            if new is None:
                return False, True, iteration, a, b
            a, b = new
    return False, False, iteration, a, b


def _field(points, name, batched):
    values = [np.asarray(getattr(p.full, name).numpy()).reshape(-1)[p.index] for p in points]
    return wb.constant(np.asarray(values) if batched else values[0])


def hager_zhang(value_and_gradients_function, initial_step_size=None, value_at_initial_step=None,
                value_at_zero=None, converged=None, threshold_use_approximate_wolfe_condition=1e-6,
                shrinkage_param=0.66, expansion_param=5.0, sufficient_decrease_param=0.1, curvature_param=0.9,
                max_iterations=50, name=None):
    """Find a step satisfying the Wolfe conditions (or, near the minimum, Hager and Zhang's
    approximate ones) along a line, as CG_DESCENT does: bracket from ``initial_step_size``
    (expanding by ``expansion_param``), then secant^2 steps, bisecting when the bracket shrinks by
    less than ``shrinkage_param``.

    ``value_and_gradients_function(x)`` returns a namedtuple with fields ``x``, ``f``, ``df`` (the
    value and derivative along the line; ``df`` at 0 must be negative); it may be batched over
    ``n`` lines (``x`` of shape ``[n]``). Members already ``converged`` are skipped. Returns
    ``HagerZhangLineSearchResults(converged, failed, func_evals, iterations, left, right)`` with
    ``left``/``right`` the ends of the final bracket (the same point once converged), built as the
    function's namedtuples. A search that meets a non-finite value or a non-descent start has
    ``failed``. ``iterations`` counts the bracket's expansions and the secant^2 steps, as TFP's.
    Batched lines are searched one after another (each call evaluates the others at their current
    points), so ``func_evals`` counts calls per member, where TFP's counts batched calls."""
    delta, sigma = float(sufficient_decrease_param), float(curvature_param)
    if not 0 < delta <= sigma < 1:
        raise ValueError("hager_zhang: need 0 < sufficient_decrease_param <= curvature_param < 1, got "
                         f"{sufficient_decrease_param} and {curvature_param}")
    step = np.asarray(1.0 if initial_step_size is None else wb.convert_to_tensor(initial_step_size).numpy(),
                      np.float64)
    batched = step.ndim > 0
    shape = step.shape
    n = int(step.size)
    evals = [0]
    line = _Line(value_and_gradients_function, np.zeros(n), evals, batched, shape)
    dtype = wb.convert_to_tensor(initial_step_size).dtype if initial_step_size is not None else wb.float32
    zero_full = value_at_zero if value_at_zero is not None else value_and_gradients_function(
        wb.zeros(list(shape), dtype=dtype))
    if value_at_zero is None:
        evals[0] += 1
    first_full = value_at_initial_step if value_at_initial_step is not None else value_and_gradients_function(
        wb.constant(step.reshape(shape), dtype=dtype))
    if value_at_initial_step is None:
        evals[0] += 1
    done = (np.zeros(n, bool) if converged is None
            else np.asarray(wb.convert_to_tensor(converged).numpy(), bool).reshape(-1))

    def point(full, i):
        return _Point(float(np.asarray(full.x.numpy()).reshape(-1)[i]),
                      float(np.asarray(full.f.numpy()).reshape(-1)[i]),
                      float(np.asarray(full.df.numpy()).reshape(-1)[i]), full, i)

    out = []
    line.points = np.asarray(first_full.x.numpy(), np.float64).reshape(-1).copy()
    for i in range(n):
        zero, first = point(zero_full, i), point(first_full, i)
        if done[i]:
            out.append((True, False, 0, first, first))
            continue
        result = _search(line, i, zero, first, delta, sigma, float(threshold_use_approximate_wolfe_condition),
                         0.5, float(shrinkage_param), float(expansion_param), int(max_iterations))
        out.append(result)
        line.points[i] = result[3].x
    conv, fail, iters, lefts, rights = zip(*out)
    make = type(first_full)
    fields = [f for f in first_full._fields]

    def end(points):
        return make(**{f: _field(points, f, batched) for f in fields})
    as_tensor = (lambda v, dt: wb.constant(np.asarray(v).reshape(shape), dtype=dt)) if batched else \
        (lambda v, dt: wb.constant(v[0], dtype=dt))
    return HagerZhangLineSearchResults(converged=as_tensor(conv, wb.bool), failed=as_tensor(fail, wb.bool),
                                       func_evals=wb.constant(evals[0], dtype=wb.int32),
                                       iterations=as_tensor(iters, wb.int32), left=end(lefts), right=end(rights))
