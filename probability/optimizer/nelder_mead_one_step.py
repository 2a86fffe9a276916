"""``nelder_mead_one_step`` (``tfp.optimizer``): one Nelder-Mead update of a simplex, the worst
vertex replaced in place; :func:`step` is the NumPy core that ``nelder_mead_minimize`` shares."""

from __future__ import annotations

import numpy as np

import workbench as wb

__all__ = ["nelder_mead_one_step"]


def coefficients(dim, dtype, reflection=None, expansion=None, contraction=None, shrinkage=None):
    """TFP's defaults, Gao and Han's dimension-dependent values, in ``dtype``."""
    n = dtype.type(dim)
    one = dtype.type(1)
    return (one if reflection is None else dtype.type(reflection),
            one + dtype.type(2) / n if expansion is None else dtype.type(expansion),
            dtype.type(0.75) - one / (dtype.type(2) * n) if contraction is None else dtype.type(contraction),
            one - one / n if shrinkage is None else dtype.type(shrinkage))


def step(simplex, values, evaluate, evaluate_many, dim, func_tolerance, position_tolerance, coeffs):
    """One step on ``[dim + 1, k]`` arrays: ``(converged, simplex, values, evaluations)``.

    As TFP, the reflected point is evaluated before the convergence test (so a converged step
    still counts one evaluation), vertices are ranked by a stable sort of ``values``, and a shrink
    moves (and re-evaluates) every vertex toward the best."""
    reflection, expansion, contraction, shrinkage = coeffs
    tolerance = lambda t: None if t is None else simplex.dtype.type(np.asarray(wb.convert_to_tensor(t).numpy()))
    func_tolerance, position_tolerance = tolerance(func_tolerance), tolerance(position_tolerance)
    order = np.argsort(values, kind="stable")
    best, worst, second = order[0], order[-1], order[-2]
    f_best, f_worst, f_second = values[best], values[worst], values[second]
    centroid = (np.sum(simplex, axis=0) - simplex[worst]) / simplex.dtype.type(dim)
    reflected = centroid + reflection * (centroid - simplex[worst])
    f_reflected = evaluate(reflected)
    converged = ((func_tolerance is not None and abs(f_worst - f_best) < func_tolerance)
                 or (position_tolerance is not None
                     and np.max(np.abs(simplex - simplex[best])) < position_tolerance))
    if converged:
        return True, simplex, values, 1
    simplex, values = simplex.copy(), values.copy()

    def replace(point, value, evaluations):
        simplex[worst], values[worst] = point, value
        return False, simplex, values, evaluations

    def shrink():
        shrunk = simplex[best] + shrinkage * (simplex - simplex[best])
        return False, shrunk, evaluate_many(shrunk), 1 + shrunk.shape[0]

    if f_best <= f_reflected < f_second:
        return replace(reflected, f_reflected, 1)
    if f_reflected < f_best:
        expanded = centroid + expansion * (reflected - centroid)
        f_expanded = evaluate(expanded)
        if f_expanded < f_reflected:
            return replace(expanded, f_expanded, 2)
        return replace(reflected, f_reflected, 2)
    if f_second <= f_reflected < f_worst:
        contracted = centroid + contraction * (reflected - centroid)
        f_contracted = evaluate(contracted)
        return replace(contracted, f_contracted, 2) if f_contracted <= f_reflected else shrink()
    contracted = centroid - contraction * (centroid - simplex[worst])
    f_contracted = evaluate(contracted)
    return replace(contracted, f_contracted, 2) if f_contracted <= f_worst else shrink()


def evaluators(objective_function, shape, dtype, batch_evaluate_objective, opname):
    """``(evaluate one point, evaluate many points)`` on flat NumPy arrays of ``dtype``."""
    np_dtype = np.dtype(dtype.as_numpy_dtype)

    def one(point):
        value = wb.convert_to_tensor(objective_function(wb.constant(point.reshape(shape))))
        return np.asarray(value.numpy(), np_dtype).reshape(())[()]

    def many(points):
        if batch_evaluate_objective:
            out = objective_function(wb.constant(points.reshape((points.shape[0],) + tuple(shape))))
            out = np.asarray(wb.convert_to_tensor(out).numpy(), np_dtype).reshape(-1)
        else:
            out = np.array([one(p) for p in points], np_dtype)
        if out.shape != (points.shape[0],):
            raise ValueError(f"{opname}: the objective must give one value per vertex, got shape {out.shape}")
        return out
    return one, many


def nelder_mead_one_step(current_simplex, current_objective_values, objective_function=None, dim=None,
                         func_tolerance=None, position_tolerance=None, batch_evaluate_objective=False,
                         reflection=None, expansion=None, contraction=None, shrinkage=None, name=None):
    """One Nelder-Mead step on ``current_simplex`` (``[dim + 1] + position shape``) with values
    ``current_objective_values``: reflect the worst vertex through the centroid of the others;
    expand, accept, or contract (outside or inside) as Nelder and Mead; shrink every vertex toward
    the best when the contraction fails. The replaced vertex keeps its row.

    Returns ``(converged, next_simplex, next_objective_values, num_evaluations)``; ``converged``
    (the objective spread ``< func_tolerance`` or every vertex within ``position_tolerance`` of the
    best, each test only when given) is judged on the input simplex, which is then returned
    unchanged (the reflected point has still been evaluated, as in TFP). Coefficients default to
    Gao and Han's dimension-dependent values."""
    opname = "nelder_mead_one_step"
    if objective_function is None or not callable(objective_function):
        raise TypeError(f"{opname}: objective_function must be callable, got {objective_function!r}")
    start = wb.convert_to_tensor(current_simplex)
    dtype = start.dtype
    if not dtype.is_floating:
        raise TypeError(f"{opname}: current_simplex has dtype {dtype}, expected a floating dtype")
    simplex = np.asarray(start.numpy())
    shape = simplex.shape[1:]
    simplex = simplex.reshape(simplex.shape[0], -1)
    n = simplex.shape[1] if dim is None else int(dim)
    if simplex.shape[0] != n + 1:
        raise ValueError(f"{opname}: current_simplex must hold dim + 1 = {n + 1} vertices, got shape {start.shape}")
    values = np.asarray(wb.convert_to_tensor(current_objective_values).numpy(), simplex.dtype).reshape(-1)
    if values.shape != (n + 1,):
        raise ValueError(f"{opname}: current_objective_values must have shape [{n + 1}], got {values.shape}")
    one, many = evaluators(objective_function, shape, dtype, batch_evaluate_objective, opname)
    converged, simplex, values, evaluations = step(
        simplex, values, one, many, n, func_tolerance, position_tolerance,
        coefficients(n, simplex.dtype, reflection, expansion, contraction, shrinkage))
    return (wb.constant(bool(converged)), wb.constant(simplex.reshape((n + 1,) + tuple(shape))),
            wb.constant(values), wb.constant(evaluations, dtype=wb.int32))
