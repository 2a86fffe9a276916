"""``nelder_mead_minimize`` (``tfp.optimizer``): the derivative-free simplex method."""

from __future__ import annotations

import collections

import numpy as np

import workbench as wb

__all__ = ["nelder_mead_minimize", "NelderMeadOptimizerResults"]

NelderMeadOptimizerResults = collections.namedtuple(
    "NelderMeadOptimizerResults", ["converged", "num_objective_evaluations", "position", "objective_value",
                                   "final_simplex", "final_objective_values", "num_iterations", "initial_simplex",
                                   "initial_objective_values"])


def nelder_mead_minimize(objective_function, initial_simplex=None, initial_vertex=None, step_sizes=None,
                         objective_at_initial_simplex=None, objective_at_initial_vertex=None,
                         batch_evaluate_objective=False, func_tolerance=1e-8, position_tolerance=1e-8,
                         parallel_iterations=1, max_iterations=None, reflection=None, expansion=None,
                         contraction=None, shrinkage=None, name=None):
    """Minimize ``objective_function`` (a position ``[..., ]`` to a scalar) with Nelder-Mead.

    Start from ``initial_simplex`` (``[n + 1] + position shape``) or from ``initial_vertex`` and
    ``step_sizes`` (default 1 along each axis). It stops when the spread of the objective over
    the simplex is within ``func_tolerance`` or the largest coordinate spread is within
    ``position_tolerance`` (``converged``), or after ``max_iterations`` (None: no limit). The
    reflection, expansion, contraction and shrinkage coefficients default to Gao and Han's
    dimension-dependent values. With ``batch_evaluate_objective``, the function maps a batch of
    positions to a vector of values. Returns ``NelderMeadOptimizerResults``.
    """
    opname = "nelder_mead_minimize"
    if not callable(objective_function):
        raise TypeError(f"{opname}: objective_function must be callable, got {type(objective_function).__name__}")
    if (initial_simplex is None) == (initial_vertex is None):
        raise ValueError(f"{opname}: give exactly one of initial_simplex and initial_vertex")
    if initial_simplex is not None:
        start = wb.convert_to_tensor(initial_simplex)
        dtype = start.dtype
        simplex = np.asarray(start.numpy(), np.float64)
        shape = simplex.shape[1:]
        simplex = simplex.reshape(simplex.shape[0], -1)
        if simplex.shape[0] != simplex.shape[1] + 1:
            raise ValueError(f"{opname}: initial_simplex must hold n + 1 vertices of n coordinates, got shape "
                             f"{start.shape}")
    else:
        start = wb.convert_to_tensor(initial_vertex)
        dtype = start.dtype
        vertex = np.asarray(start.numpy(), np.float64)
        shape = vertex.shape
        vertex = vertex.reshape(-1)
        steps = np.ones_like(vertex) if step_sizes is None else np.broadcast_to(
            np.asarray(wb.convert_to_tensor(step_sizes).numpy(), np.float64).reshape(-1), vertex.shape)
        simplex = np.concatenate([vertex[None], vertex[None] + np.diag(steps)], axis=0)
    if dtype not in (wb.float16, wb.float32, wb.float64):
        raise TypeError(f"{opname}: the starting position has dtype {dtype}, expected a floating dtype")
    dim = simplex.shape[1]
    alpha = 1.0 if reflection is None else float(reflection)
    gamma = 1.0 + 2.0 / dim if expansion is None else float(expansion)
    rho = 0.75 - 0.5 / dim if contraction is None else float(contraction)
    sigma = 1.0 - 1.0 / dim if shrinkage is None else float(shrinkage)
    evaluations = [0]

    def evaluate(points):
        points = np.atleast_2d(points)
        tensors = wb.cast(wb.constant(points.reshape((points.shape[0],) + tuple(shape))), dtype)
        if batch_evaluate_objective:
            values = np.asarray(wb.convert_to_tensor(objective_function(tensors)).numpy(), np.float64).reshape(-1)
            evaluations[0] += points.shape[0]
        else:
            values = np.array([float(wb.convert_to_tensor(objective_function(tensors[i])).numpy())
                               for i in range(points.shape[0])])
            evaluations[0] += points.shape[0]
        if values.shape != (points.shape[0],):
            raise ValueError(f"{opname}: the objective must give one value per position, got shape {values.shape}")
        return values

    if objective_at_initial_simplex is not None:
        values = np.asarray(wb.convert_to_tensor(objective_at_initial_simplex).numpy(), np.float64).reshape(-1)
    elif objective_at_initial_vertex is not None and initial_vertex is not None:
        values = np.concatenate([[float(wb.convert_to_tensor(objective_at_initial_vertex).numpy())],
                                 evaluate(simplex[1:])])
    else:
        values = evaluate(simplex)
    initial_simplex_np, initial_values = simplex.copy(), values.copy()

    def done():
        return (np.max(values) - np.min(values) <= func_tolerance
                or np.max(np.abs(simplex - simplex[np.argmin(values)])) <= position_tolerance)

    iterations = 0
    converged = done()
    while not converged and (max_iterations is None or iterations < int(max_iterations)):
        iterations += 1
        order = np.argsort(values, kind="stable")
        simplex, values = simplex[order], values[order]
        centroid = simplex[:-1].mean(axis=0)
        worst = simplex[-1]
        xr = centroid + alpha * (centroid - worst)
        (fr,) = evaluate(xr)
        if fr < values[0]:
            xe = centroid + gamma * (xr - centroid)
            (fe,) = evaluate(xe)
            simplex[-1], values[-1] = (xe, fe) if fe < fr else (xr, fr)
        elif fr < values[-2]:
            simplex[-1], values[-1] = xr, fr
        else:
            outside = fr < values[-1]
            xc = centroid + rho * ((xr if outside else worst) - centroid)
            (fc,) = evaluate(xc)
            if fc <= (fr if outside else values[-1]):
                simplex[-1], values[-1] = xc, fc
            else:
                simplex[1:] = simplex[0] + sigma * (simplex[1:] - simplex[0])
                values[1:] = evaluate(simplex[1:])
        converged = done()
    best = int(np.argmin(values))

    def tensor(a, tail):
        return wb.cast(wb.constant(np.asarray(a).reshape(tail)), dtype)

    return NelderMeadOptimizerResults(
        converged=wb.constant(bool(converged)), num_objective_evaluations=wb.constant(evaluations[0], dtype=wb.int32),
        position=tensor(simplex[best], shape), objective_value=tensor(values[best], ()),
        final_simplex=tensor(simplex, (dim + 1,) + tuple(shape)), final_objective_values=tensor(values, (dim + 1,)),
        num_iterations=wb.constant(iterations, dtype=wb.int32),
        initial_simplex=tensor(initial_simplex_np, (dim + 1,) + tuple(shape)),
        initial_objective_values=tensor(initial_values, (dim + 1,)))
