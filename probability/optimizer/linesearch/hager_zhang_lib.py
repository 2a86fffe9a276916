"""The steps of the Hager-Zhang line search on batches of lines, as NumPy arrays: bracketing (B0-B3),
the update U0-U3 with its bisection, and secant^2 (Hager and Zhang 2006, CG_DESCENT).

A point on the lines is a namedtuple (or tuple) of arrays with at least the fields ``x``, ``f``
and ``df``, each of shape ``[n]`` (or ``[]``); other fields may hold ``[n, ...]`` arrays or
nested tuples of them. Every step keeps the whole batch in lock step: the line function is
called on all ``n`` lines at once (members with no work evaluate somewhere harmless), and
:class:`Lines` counts those calls, which is what TFP reports as ``func_evals``. Where a step
runs only if some member needs it, the count follows that rule too."""

from __future__ import annotations

import collections

import numpy as np

__all__ = ["Lines", "Interval", "select"]

# the state of a search: per-member flags, iteration counts and bracket ends
Interval = collections.namedtuple("Interval", ["converged", "failed", "iterations", "left", "right"])


def select(mask, a, b):
    """``a`` where ``mask`` else ``b``, field by field; ``mask`` is ``[n]`` and lines up with the
    leading axis of every field."""
    if isinstance(a, tuple):
        parts = [select(mask, u, v) for u, v in zip(a, b)]
        return type(a)(*parts) if hasattr(a, "_fields") else type(a)(parts)
    a, b = np.asarray(a), np.asarray(b)
    m = np.reshape(mask, np.shape(mask) + (1,) * (max(a.ndim, b.ndim) - np.ndim(mask)))
    return np.where(m, a, b)


def finite(v):
    return np.isfinite(v.f) & np.isfinite(v.df)


def _bad_nan(v):
    # a NaN value, or a NaN derivative at a finite value
    return np.isnan(v.f) | (np.isfinite(v.f) & np.isnan(v.df))


def _minus_inf(f):
    return f == -np.inf


def _rising(v):
    return np.isfinite(v.f) & (v.df >= 0)


def _divide_no_nan(a, b):
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return np.where(b == 0, np.zeros_like(a), a / b)


def secant_point(a, b):
    """Where the secant through the derivatives at ``a`` and ``b`` crosses zero (0 for equal slopes)."""
    with np.errstate(invalid="ignore", over="ignore"):
        return _divide_no_nan(a.x * b.df - b.x * a.df, b.df - a.df)


def very_close(x, y):
    """``x`` is at least ``y``, or one representable step below it (TFP's test, which is one-sided)."""
    return np.nextafter(x, y) >= y


class Lines:
    """The line function with the search's constants in the lines' dtype, counting calls."""

    def __init__(self, fn, val_0, f_lim, max_iterations, sufficient_decrease_param, curvature_param,
                 shrinkage_param, expansion_param):
        self.fn, self.val_0, self.f_lim = fn, val_0, f_lim
        dtype = np.asarray(val_0.f).dtype
        self.dtype = dtype
        self.max_iterations = int(max_iterations)
        self.delta = dtype.type(sufficient_decrease_param)
        self.sigma = dtype.type(curvature_param)
        self.approx_slope = dtype.type(2 * float(sufficient_decrease_param) - 1)
        self.gamma = dtype.type(shrinkage_param)
        self.rho = dtype.type(expansion_param)
        self.evals = 0

    def __call__(self, x):
        self.evals += 1
        return self.fn(np.asarray(x, self.dtype))

    def too_high(self, v):
        """A point past which the bracket must be bisected: descending but above ``f_lim``, or +inf."""
        return (v.f == np.inf) | ((v.df < 0) & (v.f > self.f_lim))

    def wolfe(self, c):
        """The Wolfe conditions, or the approximate ones where ``f(c) <= f_lim``."""
        zero = self.val_0
        with np.errstate(invalid="ignore", over="ignore"):
            decrease = self.delta * zero.df >= _divide_no_nan(c.f - zero.f, c.x)
            curvature = c.df >= self.sigma * zero.df
            approx = (c.f <= self.f_lim) & (self.approx_slope * zero.df >= c.df)
        return (decrease & curvature) | (approx & curvature)

    # -- U3 and the update ---------------------------------------------------------------------

    def bisect(self, stopped, failed, left, right):
        """Halve ``[left, right]`` for members not ``stopped`` until the right end rises."""
        while not np.all(stopped):
            mid = self((left.x + right.x) / 2)
            finished = _minus_inf(mid.f)
            failed = failed | (~finished & ~stopped & (_bad_nan(mid) | (mid.x == left.x) | (mid.x == right.x)))
            moving = ~(stopped | failed)
            goes_left = (mid.df < 0) & (mid.f <= self.f_lim)
            left = select(moving & (goes_left | finished), mid, left)
            right = select(moving & (~goes_left | finished), mid, right)
            stopped = stopped | failed | finished | _rising(right)
        return failed, left, right

    def update(self, left, right, trial, active):
        """U0-U3: move an end of the bracket to ``trial`` (inside it, for ``active`` members),
        bisecting where ``trial`` descends above ``f_lim``. Returns ``(failed, left, right)``."""
        inside = (left.x < trial.x) & (trial.x < right.x) & active
        good_left = (trial.df < 0) & (trial.f <= self.f_lim)
        needs_bisect = inside & (trial.df < 0) & (trial.f > self.f_lim)
        left = select(inside & good_left, trial, left)
        right = select(inside & ~good_left, trial, right)
        return self.bisect(~needs_bisect, np.zeros_like(inside), left, right)

    # -- bracketing --------------------------------------------------------------------------

    def bracket(self, interval):
        """Expand the right end by ``expansion_param`` until it rises or must be bisected; each
        expansion counts as an iteration. Returns ``(iterations, failed, left, right)``."""
        left, right, failed = interval.left, interval.right, interval.failed
        done = interval.failed | interval.converged
        bad = _bad_nan(right)
        failed = failed | bad
        stopped = done | bad | _minus_inf(right.f) | _rising(right) | self.too_high(right)
        iterations = interval.iterations.copy()
        while np.any((iterations < self.max_iterations) & ~stopped):
            expanded = self(self.rho * right.x)
            left = select(stopped, left, right)
            right = select(stopped, right, expanded)
            failed = failed | _bad_nan(right)
            iterations = iterations + (~stopped).astype(iterations.dtype)
            stopped = stopped | failed | _minus_inf(right.f) | _rising(right) | self.too_high(right)
        finished = _minus_inf(right.f)
        stopped = done | failed | finished | _rising(right)
        left = select(finished, right, select(self.too_high(right), interval.left, left))
        failed, left, right = self.bisect(stopped, failed, left, right)
        return iterations, failed, left, right

    # -- secant^2 ------------------------------------------------------------------------------

    def secant2(self, interval):
        """One secant^2 step (S1-S4). Returns ``(converged, failed, left, right)``."""
        c = self(secant_point(interval.left, interval.right))
        finished = _minus_inf(c.f)
        failed = ~interval.converged & (interval.failed | (~finished & ~finite(c)))
        converged = interval.converged | finished | (~failed & self.wolfe(c))
        new = converged & ~interval.converged
        left = select(new, c, interval.left)
        right = select(new, c, interval.right)
        active = ~failed & ~converged
        if not active.any():
            return converged, failed, left, right
        # S2-S3: update with c, then a second secant from the end that moved to c
        up_failed, up_left, up_right = self.update(left, right, c, active)
        active = active & ~up_failed
        failed = failed | up_failed
        new_left = select(active, up_left, left)
        new_right = select(active, up_right, right)
        moved_left = active & (new_left.x == c.x)
        moved_right = active & (new_right.x == c.x)
        next_c = np.where(moved_left, secant_point(left, new_left), c.x)
        next_c = np.where(moved_right, secant_point(right, new_right), next_c)
        in_range = (new_left.x <= next_c) & (next_c <= new_right.x)
        extra = bool(np.any(in_range & (moved_left | moved_right)))
        active = active & in_range
        left, right = new_left, new_right
        if not active.any():
            return converged, failed, left, right
        c = self(next_c) if extra else c
        # S4: test the second point, then update with it
        bad = active & ~finite(c)
        active = active & ~bad
        failed = failed | bad
        found = active & self.wolfe(c)
        left = select(found, c, left)
        right = select(found, c, right)
        converged = converged | found
        active = active & ~found
        if active.any():
            up_failed, left, right = self.update(left, right, c, active)
            failed = failed | up_failed
        return converged, failed, left, right

    # -- the whole search ----------------------------------------------------------------------

    def search(self, interval):
        """Bracket, then secant^2 steps until every member converges, fails or runs out of
        iterations; a step that shrinks the bracket by less than ``shrinkage_param`` is followed
        by a bisection."""
        iterations, failed, left, right = self.bracket(interval)
        converged = interval.converged | very_close(left.x, right.x)
        failed = failed | (~converged & (iterations >= self.max_iterations))
        state = Interval(converged, failed, iterations, left, right)
        while np.any((state.iterations < self.max_iterations) & ~(state.converged | state.failed)):
            state = self._step(state)
        return state

    def _step(self, state):
        active = ~(state.converged | state.failed)
        converged, failed, left, right = self.secant2(state)
        converged = converged & ~state.failed
        failed = failed | state.failed
        iterations = state.iterations + active.astype(state.iterations.dtype)
        check = ~(converged | failed)
        if check.any():
            with np.errstate(over="ignore", invalid="ignore"):
                shrunk = (right.x - left.x) < (state.right.x - state.left.x) * self.gamma
            flat = very_close(state.left.f, state.right.f) & very_close(left.f, right.f)
            converged = converged | (check & shrunk & flat)
            needs_bisect = check & ~shrunk
            if needs_bisect.any():
                mid = self((left.x + right.x) / 2)
                ok = finite(mid)
                failed = failed | (needs_bisect & ~ok)
                if np.any(needs_bisect & ok):
                    up_failed, left, right = self.update(left, right, mid, needs_bisect & ok)
                    failed = failed | up_failed
        converged = converged | (~failed & very_close(left.x, right.x))
        return Interval(converged, failed, iterations, left, right)


def start(val_0, val_initial, converged):
    """The initial interval ``[0, initial step]``; members with a non-descent or non-finite start
    (or a bad initial step) have failed, ``converged`` ones keep ``[0, 0]``."""
    valid = finite(val_0) & (val_0.df < 0) & np.isfinite(val_initial.x) & (val_initial.x > 0)
    failed = ~converged & ~valid
    return Interval(converged, failed, np.zeros(np.shape(converged), np.int32), val_0,
                    select(converged, val_0, val_initial))


def run(lines, val_0, val_initial, converged):
    """The search from ``[0, initial step]``, or the initial interval when no member needs one."""
    interval = start(val_0, val_initial, converged)
    if not np.any(~interval.failed & ~interval.converged):
        return interval
    return lines.search(interval)
