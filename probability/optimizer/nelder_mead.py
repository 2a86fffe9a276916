"""``nelder_mead_minimize`` (``tfp.optimizer``): the derivative-free simplex method, as TFP 0.25
runs it (its step, defaults and counts)."""

from __future__ import annotations

import collections

import numpy as np

import workbench as wb

from .nelder_mead_one_step import coefficients, evaluators, step

__all__ = ["nelder_mead_minimize", "NelderMeadOptimizerResults"]

NelderMeadOptimizerResults = collections.namedtuple(
    "NelderMeadOptimizerResults", ["converged", "num_objective_evaluations", "position", "objective_value",
                                   "final_simplex", "final_objective_values", "num_iterations", "initial_simplex",
                                   "initial_objective_values"])

_EPSILON = 1e-10


def nelder_mead_minimize(objective_function, initial_simplex=None, initial_vertex=None, step_sizes=None,
                         objective_at_initial_simplex=None, objective_at_initial_vertex=None,
                         batch_evaluate_objective=False, func_tolerance=1e-8, position_tolerance=1e-8,
                         parallel_iterations=1, max_iterations=None, reflection=None, expansion=None,
                         contraction=None, shrinkage=None, name=None):
    """Minimize ``objective_function`` (a position to a scalar) with Nelder-Mead.

    Start from ``initial_simplex`` (``[n + 1] + position shape``) or from ``initial_vertex`` and
    ``step_sizes`` (default: 5% of each coordinate, 0.00025 where it is 0). Each iteration is one
    ``nelder_mead_one_step``; the search stops at the first step that finds the objective's spread
    over the simplex below ``func_tolerance`` or every vertex within ``position_tolerance`` of the
    best (``converged``; that step counts as an iteration and one evaluation), or after
    ``max_iterations`` (None: no limit). With ``batch_evaluate_objective`` the function maps a
    batch of positions to a vector of values. Returns ``NelderMeadOptimizerResults``.

    >>> r = nelder_mead_minimize(lambda x: wb.reduce_sum((x - 1.0) ** 2), initial_vertex=wb.constant([0.0, 0.0]))
    >>> bool(r.converged), r.position.numpy().round(3)
    (True, array([1., 1.], dtype=float32))
    """
    opname = "nelder_mead_minimize"
    if not callable(objective_function):
        raise TypeError(f"{opname}: objective_function must be callable, got {type(objective_function).__name__}")
    if (initial_simplex is None) == (initial_vertex is None):
        raise ValueError(f"{opname}: give exactly one of initial_simplex and initial_vertex")
    if objective_at_initial_simplex is not None and initial_simplex is None:
        raise ValueError(f"{opname}: objective_at_initial_simplex was given without initial_simplex")
    if objective_at_initial_vertex is not None and initial_vertex is None:
        raise ValueError(f"{opname}: objective_at_initial_vertex was given without initial_vertex")
    if initial_simplex is not None and step_sizes is not None:
        raise ValueError(f"{opname}: step_sizes must not be given with initial_simplex")
    start = wb.convert_to_tensor(initial_simplex if initial_simplex is not None else initial_vertex)
    dtype = start.dtype
    if dtype not in (wb.float16, wb.float32, wb.float64):
        raise TypeError(f"{opname}: the starting position has dtype {dtype}, expected a floating dtype")
    np_dtype = np.dtype(dtype.as_numpy_dtype)
    if initial_simplex is not None:
        simplex = np.asarray(start.numpy())
        shape = simplex.shape[1:]
        simplex = simplex.reshape(simplex.shape[0], -1)
        if simplex.shape[0] != simplex.shape[1] + 1:
            raise ValueError(f"{opname}: initial_simplex must hold n + 1 vertices of n coordinates, got shape "
                             f"{start.shape}")
    else:
        vertex = np.asarray(start.numpy())
        shape = vertex.shape
        vertex = vertex.reshape(-1)
        if step_sizes is None:
            steps = np.where(np.abs(vertex) < _EPSILON, np_dtype.type(0.00025), vertex * np_dtype.type(0.05))
        else:
            steps = np.asarray(wb.convert_to_tensor(step_sizes).numpy(), np_dtype)
            steps = np.broadcast_to(steps, shape).reshape(-1)
        simplex = np.concatenate([vertex[None], vertex[None] + steps * np.eye(vertex.size, dtype=np_dtype)], axis=0)
    dim = simplex.shape[1]
    one, many = evaluators(objective_function, shape, dtype, batch_evaluate_objective, opname)
    if objective_at_initial_simplex is not None:
        values = np.asarray(wb.convert_to_tensor(objective_at_initial_simplex).numpy(), np_dtype).reshape(-1)
        evaluations = 0
    elif objective_at_initial_vertex is not None:
        head = np.asarray(wb.convert_to_tensor(objective_at_initial_vertex).numpy(), np_dtype).reshape(1)
        values = np.concatenate([head, many(simplex[1:])])
        evaluations = dim
    else:
        values = many(simplex)
        evaluations = dim + 1
    initial = (simplex.copy(), values.copy())
    coeffs = coefficients(dim, np_dtype, reflection, expansion, contraction, shrinkage)
    converged, iterations = False, 0
    while not converged and (max_iterations is None or iterations < int(max_iterations)):
        converged, simplex, values, n = step(simplex, values, one, many, dim, func_tolerance, position_tolerance,
                                             coeffs)
        iterations += 1
        evaluations += n
    best = int(np.argsort(values, kind="stable")[0])
    tensor = lambda a, tail: wb.constant(np.asarray(a, np_dtype).reshape(tail))
    return NelderMeadOptimizerResults(
        converged=wb.constant(bool(converged)), num_objective_evaluations=wb.constant(evaluations, dtype=wb.int32),
        position=tensor(simplex[best], shape), objective_value=tensor(values[best], ()),
        final_simplex=tensor(simplex, (dim + 1,) + tuple(shape)), final_objective_values=tensor(values, (dim + 1,)),
        num_iterations=wb.constant(iterations, dtype=wb.int32),
        initial_simplex=tensor(initial[0], (dim + 1,) + tuple(shape)),
        initial_objective_values=tensor(initial[1], (dim + 1,)))
