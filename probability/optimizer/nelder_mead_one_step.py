"""``nelder_mead_one_step`` (``tfp.optimizer``): one Nelder-Mead update of a simplex, the worst
vertex replaced in place."""

from __future__ import annotations

import numpy as np

import workbench as wb

__all__ = ["nelder_mead_one_step"]


def nelder_mead_one_step(current_simplex, current_objective_values, objective_function=None, dim=None,
                         func_tolerance=None, position_tolerance=None, batch_evaluate_objective=False,
                         reflection=None, expansion=None, contraction=None, shrinkage=None, name=None):
    """One Nelder-Mead step on ``current_simplex`` (``[dim + 1] + position shape``) with values
    ``current_objective_values``: reflect the worst vertex through the centroid of the others;
    expand, accept, or contract (outside or inside) as Nelder and Mead; shrink toward the best
    vertex when the contraction fails. The replaced vertex keeps its row.

    Returns ``(converged, next_simplex, next_objective_values, num_evaluations)``; ``converged``
    (the objective spread ``<= func_tolerance`` or every vertex within ``position_tolerance`` of the
    best, each test only when given) is judged on the input simplex, which is then returned
    unchanged. Coefficients default to Gao and Han's dimension-dependent values."""
    opname = "nelder_mead_one_step"
    if objective_function is None or not callable(objective_function):
        raise TypeError(f"{opname}: objective_function must be callable, got {objective_function!r}")
    start = wb.convert_to_tensor(current_simplex)
    dtype = start.dtype
    if not dtype.is_floating:
        raise TypeError(f"{opname}: current_simplex has dtype {dtype}, expected a floating dtype")
    simplex = np.asarray(start.numpy(), np.float64)
    shape = simplex.shape[1:]
    simplex = simplex.reshape(simplex.shape[0], -1).copy()
    n = simplex.shape[1] if dim is None else int(dim)
    if simplex.shape[0] != n + 1:
        raise ValueError(f"{opname}: current_simplex must hold dim + 1 = {n + 1} vertices, got shape {start.shape}")
    values = np.asarray(wb.convert_to_tensor(current_objective_values).numpy(), np.float64).reshape(-1).copy()
    if values.shape != (n + 1,):
        raise ValueError(f"{opname}: current_objective_values must have shape [{n + 1}], got {values.shape}")
    alpha = 1.0 if reflection is None else float(reflection)
    gamma = 1.0 + 2.0 / n if expansion is None else float(expansion)
    rho = 0.75 - 0.5 / n if contraction is None else float(contraction)
    sigma = 1.0 - 1.0 / n if shrinkage is None else float(shrinkage)
    evaluations = [0]

    def evaluate(points):
        points = np.atleast_2d(points)
        tensors = wb.cast(wb.constant(points.reshape((points.shape[0],) + tuple(shape))), dtype)
        if batch_evaluate_objective:
            out = np.asarray(wb.convert_to_tensor(objective_function(tensors)).numpy(), np.float64).reshape(-1)
        else:
            out = np.array([float(wb.convert_to_tensor(objective_function(tensors[i])).numpy())
                            for i in range(points.shape[0])])
        evaluations[0] += points.shape[0]
        return out

    def pack(converged):
        return (wb.constant(bool(converged)), wb.cast(wb.constant(simplex.reshape((n + 1,) + tuple(shape))), dtype),
                wb.cast(wb.constant(values), dtype), wb.constant(evaluations[0], dtype=wb.int32))

    best, worst = int(np.argmin(values)), int(np.argmax(values))
    converged = ((func_tolerance is not None and values[worst] - values[best] <= float(func_tolerance))
                 or (position_tolerance is not None
                     and np.max(np.abs(simplex - simplex[best])) <= float(position_tolerance)))
    if converged:
        return pack(True)
    order = np.argsort(values, kind="stable")
    second_worst = values[order[-2]]
    centroid = (simplex.sum(axis=0) - simplex[worst]) / n
    xr = centroid + alpha * (centroid - simplex[worst])
    (fr,) = evaluate(xr)
    if fr < values[best]:
        xe = centroid + gamma * (xr - centroid)
        (fe,) = evaluate(xe)
        simplex[worst], values[worst] = (xe, fe) if fe < fr else (xr, fr)
    elif fr < second_worst:
        simplex[worst], values[worst] = xr, fr
    else:
        outside = fr < values[worst]
        xc = centroid + rho * ((xr if outside else simplex[worst]) - centroid)
        (fc,) = evaluate(xc)
        if fc <= (fr if outside else values[worst]):
            simplex[worst], values[worst] = xc, fc
        else:
            others = [i for i in range(n + 1) if i != best]
            simplex[others] = simplex[best] + sigma * (simplex[others] - simplex[best])
            values[others] = evaluate(simplex[others])
    return pack(False)
