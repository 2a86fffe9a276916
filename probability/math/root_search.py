"""Scalar root finding of ``tfp.math``: ``find_root_secant`` (``secant_root``),
``find_root_chandrupatla`` and ``bracket_root``, elementwise over a batch of problems.

Each iteration is a handful of ``wb`` ops on the whole batch; members that have converged keep
their values while the others go on."""

from __future__ import annotations

import collections

import numpy as np

import workbench as wb

__all__ = ["RootSearchResults", "find_root_secant", "secant_root", "find_root_chandrupatla", "bracket_root"]

RootSearchResults = collections.namedtuple(
    "RootSearchResults", ["estimated_root", "objective_at_estimated_root", "num_iterations"])


def _done(stopping_policy_fn, finished):
    return bool(wb.backend.to_numpy(wb.convert_to_tensor(stopping_policy_fn(finished))._data))


def find_root_secant(objective_fn, initial_position, next_position=None, value_at_position=None,
                     position_tolerance=1e-8, value_tolerance=1e-8, max_iterations=50,
                     stopping_policy_fn=wb.reduce_all, validate_args=False, name=None):
    """The secant method from ``initial_position`` (and ``next_position``, by default
    ``initial_position * (1 + 1e-4) + sign(initial_position) * 1e-4``).

    A member stops once its step is below ``position_tolerance`` or ``|f|`` below
    ``value_tolerance``; the search stops when ``stopping_policy_fn`` of the stopped flags is true
    or after ``max_iterations``. Returns ``RootSearchResults``.

    >>> r = find_root_secant(lambda x: x ** 3 - 2., wb.constant(1., wb.float64))
    >>> round(float(r.estimated_root), 6)
    1.259921
    """
    x0 = wb.convert_to_tensor(initial_position)
    if not x0.dtype.is_floating:
        raise TypeError(f"find_root_secant: initial_position has dtype {x0.dtype}, expected a floating dtype")
    x1 = (x0 * (1.0 + 1e-4) + wb.sign(x0) * 1e-4 if next_position is None
          else wb.convert_to_tensor(next_position, dtype=x0.dtype))
    f0 = objective_fn(x0) if value_at_position is None else wb.convert_to_tensor(value_at_position, dtype=x0.dtype)
    f1 = objective_fn(x1)
    shape = np.broadcast_shapes(tuple(x0.shape), tuple(f0.shape), tuple(f1.shape))
    x0, x1, f0, f1 = (wb.broadcast_to(t, list(shape)) for t in (x0, x1, f0, f1))
    pos_tol = wb.convert_to_tensor(position_tolerance, dtype=x0.dtype)
    val_tol = wb.convert_to_tensor(value_tolerance, dtype=x0.dtype)
    iterations = wb.zeros(list(shape), dtype=wb.int32)
    # the estimate is the initial position until the first step
    finished = wb.logical_or(wb.abs(x1 - x0) < pos_tol, wb.abs(f0) < val_tol)
    root, froot = x0, f0
    for _ in range(int(max_iterations)):
        if _done(stopping_policy_fn, finished):
            break
        denom = f1 - f0
        safe = wb.where(denom == 0.0, wb.ones_like(denom), denom)
        step = wb.where(denom == 0.0, wb.zeros_like(f1), f1 * (x1 - x0) / safe)
        x2 = x1 - step
        active = wb.logical_not(finished)
        f2 = objective_fn(wb.where(active, x2, root))
        root = wb.where(active, x2, root)
        froot = wb.where(active, f2, froot)
        iterations = iterations + wb.cast(active, wb.int32)
        finished = wb.logical_or(finished, wb.logical_or(wb.abs(step) < pos_tol, wb.abs(f2) < val_tol))
        x0, f0 = wb.where(active, x1, x0), wb.where(active, f1, f0)
        x1, f1 = wb.where(active, x2, x1), wb.where(active, f2, f1)
    return RootSearchResults(root, froot, iterations)


secant_root = find_root_secant


def bracket_root(objective_fn, dtype=wb.float32, num_points=512, name="bracket_root"):
    """``(low, high)`` bracketing a root: ``objective_fn`` is evaluated on ``num_points`` points
    ``+-exp(linspace(-10, log(finfo.max), num_points // 2))`` and the first adjacent pair where it is
    finite and changes sign is returned; where none does, ``[finfo.min, finfo.max]``."""
    dtype = wb.as_dtype(dtype)
    np_dtype = dtype.as_numpy_dtype
    info = np.finfo(np_dtype)
    half = int(num_points) // 2
    positive = np.exp(np.linspace(-10.0, np.log(info.max), half, dtype=np.float64)).astype(np_dtype)
    positive[-1] = min(positive[-1], info.max) if np.isfinite(positive[-1]) else info.max
    xs = np.concatenate([-positive[::-1], positive])
    values = [wb.convert_to_tensor(objective_fn(wb.constant(x, dtype=dtype)), dtype=dtype) for x in xs]
    f = np.stack([wb.backend.to_numpy(v._data) for v in values], axis=0)     # [points, batch...]
    finite = np.isfinite(f)
    change = (np.sign(f[:-1]) != np.sign(f[1:])) & finite[:-1] & finite[1:]
    found = change.any(axis=0)
    first = np.argmax(change, axis=0)
    low = np.where(found, xs[first], info.min).astype(np_dtype)
    high = np.where(found, xs[np.minimum(first + 1, len(xs) - 1)], info.max).astype(np_dtype)
    return wb.constant(low, dtype=dtype), wb.constant(high, dtype=dtype)


def find_root_chandrupatla(objective_fn, low=None, high=None, position_tolerance=1e-8, value_tolerance=0.0,
                           max_iterations=50, stopping_policy_fn=wb.reduce_all, validate_args=False,
                           name="find_root_chandrupatla"):
    """Chandrupatla's bracketing method (inverse quadratic interpolation guarded by bisection) on
    ``[low, high]``, which must bracket a sign change; without them ``bracket_root`` finds one.

    A member stops when the bracket is narrower than about ``position_tolerance`` or
    ``|f| <= value_tolerance``. Returns ``RootSearchResults``."""
    if low is None or high is None:
        dtype = wb.convert_to_tensor(low if low is not None else high).dtype if (
            low is not None or high is not None) else wb.float32
        low, high = bracket_root(objective_fn, dtype=dtype)
    a = wb.convert_to_tensor(low)
    b = wb.convert_to_tensor(high, dtype=a.dtype)
    if not a.dtype.is_floating:
        raise TypeError(f"find_root_chandrupatla: low has dtype {a.dtype}, expected a floating dtype")
    fa, fb = objective_fn(a), objective_fn(b)
    shape = list(np.broadcast_shapes(tuple(a.shape), tuple(b.shape), tuple(fa.shape), tuple(fb.shape)))
    a, b, fa, fb = (wb.broadcast_to(t, shape) for t in (a, b, fa, fb))
    eps = float(np.finfo(a.dtype.as_numpy_dtype).eps)
    pos_tol = wb.convert_to_tensor(position_tolerance, dtype=a.dtype)
    val_tol = wb.convert_to_tensor(value_tolerance, dtype=a.dtype)
    c, fc = a, fa
    t = 0.5 * wb.ones_like(a)
    iterations = wb.zeros(shape, dtype=wb.int32)
    finished = wb.zeros(shape, dtype=wb.bool)
    best, fbest = a, fa
    for _ in range(int(max_iterations)):
        if _done(stopping_policy_fn, finished):
            break
        active = wb.logical_not(finished)
        xt = a + t * (b - a)
        ft = objective_fn(xt)
        same = wb.sign(ft) == wb.sign(fa)
        new_c = wb.where(same, a, b)
        new_fc = wb.where(same, fa, fb)
        new_b = wb.where(same, b, a)
        new_fb = wb.where(same, fb, fa)
        c, fc = wb.where(active, new_c, c), wb.where(active, new_fc, fc)
        b, fb = wb.where(active, new_b, b), wb.where(active, new_fb, fb)
        a, fa = wb.where(active, xt, a), wb.where(active, ft, fa)
        iterations = iterations + wb.cast(active, wb.int32)
        a_better = wb.abs(fa) < wb.abs(fb)
        best = wb.where(a_better, a, b)
        fbest = wb.where(a_better, fa, fb)
        tol = 2.0 * eps * wb.abs(best) + 0.5 * pos_tol
        width = wb.abs(b - c)
        tlim = tol / wb.where(width > 0, width, wb.ones_like(width))
        finished = wb.logical_or(finished, wb.logical_or(
            wb.logical_or(tlim > 0.5, width == 0.0), wb.abs(fbest) <= val_tol))
        # inverse quadratic interpolation when it stays inside the bracket, else bisection
        db = wb.where(c == b, wb.ones_like(b), c - b)
        xi = (a - b) / db
        dfb = wb.where(fc == fb, wb.ones_like(fb), fc - fb)
        phi = (fa - fb) / dfb
        use_iqi = wb.logical_and(phi * phi < xi, (1.0 - phi) * (1.0 - phi) < 1.0 - xi)

        def _safe(d):
            return wb.where(d == 0.0, wb.ones_like(d), d)
        iqi = (fa / _safe(fb - fa) * fc / _safe(fb - fc)
               + (c - a) / _safe(b - a) * fa / _safe(fc - fa) * fb / _safe(fc - fb))
        t = wb.where(use_iqi, iqi, 0.5 * wb.ones_like(t))
        t = wb.minimum(wb.maximum(t, tlim), 1.0 - tlim)
    return RootSearchResults(best, fbest, iterations)
