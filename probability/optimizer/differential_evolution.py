"""Differential evolution (Storn and Price 1997, ``DE/rand/1/bin``): ``tfp.optimizer``'s
``differential_evolution_one_step`` and ``differential_evolution_minimize``."""

from __future__ import annotations

import collections

import numpy as np

import workbench as wb

from .. import internal as _pinternal

__all__ = ["differential_evolution_minimize", "differential_evolution_one_step",
           "DifferentialEvolutionOptimizerResults"]

DifferentialEvolutionOptimizerResults = collections.namedtuple(
    "DifferentialEvolutionOptimizerResults",
    ["converged", "failed", "position", "objective_value", "final_population", "final_objective_values",
     "initial_population", "initial_objective_values", "num_iterations"])


def _parts(population, opname):
    is_list = isinstance(population, (list, tuple))
    parts = [wb.convert_to_tensor(p) for p in (population if is_list else [population])]
    for p in parts:
        if not p.dtype.is_floating or p.ndim < 1:
            raise ValueError(f"{opname}: population parts must be floating tensors [population_size, ...], "
                             f"got {p.dtype} of shape {p.shape}")
    sizes = {int(p.shape[0]) for p in parts}
    if len(sizes) != 1:
        raise ValueError(f"{opname}: population parts have sizes {sorted(sizes)}, expected one population size")
    return parts, is_list, sizes.pop()


def _evaluate(objective_function, parts, opname):
    values = wb.convert_to_tensor(objective_function(*parts))
    if tuple(values.shape) != (int(parts[0].shape[0]),):
        raise ValueError(f"{opname}: objective_function must return one value per population member "
                         f"(shape [{parts[0].shape[0]}]), got shape {values.shape}")
    return values


def _split(seed, n, salt):
    return _pinternal.split_seed(_pinternal.sanitize_seed(seed), n, salt=salt)


def differential_evolution_one_step(objective_function, population, population_values=None,
                                    differential_weight=0.5, crossover_prob=0.9, seed=None, name=None):
    """One generation: for each member ``x``, three other distinct members ``a, b, c`` make the
    mutant ``a + differential_weight (b - c)``; each coordinate of the trial comes from the mutant
    with probability ``crossover_prob`` (one random coordinate always does); the trial replaces
    ``x`` where its objective is lower.

    ``objective_function(*parts)`` maps a batch of candidates (``[population_size, ...]`` per part)
    to their values. Returns ``(next_population, next_population_values)`` (a list when
    ``population`` is one)."""
    opname = "differential_evolution_one_step"
    parts, is_list, n = _parts(population, opname)
    if n < 4:
        raise ValueError(f"{opname}: the population needs at least 4 members, got {n}")
    values = (_evaluate(objective_function, parts, opname) if population_values is None
              else wb.convert_to_tensor(population_values))
    dtype = parts[0].dtype
    s_pick, s_cross, s_force = _split(seed, 3, "differential-evolution")
    # three distinct donors other than the member itself: the first three of a random order
    keys = np.asarray(wb.random.stateless_uniform([n, n], seed=s_pick, dtype=wb.float64).numpy())
    keys[np.arange(n), np.arange(n)] = np.inf
    donors = np.argsort(keys, axis=1)[:, :3]
    weight = wb.convert_to_tensor(differential_weight, dtype=dtype)
    sizes = [int(np.prod(p.shape[1:])) for p in parts]
    total = sum(sizes)
    cross = wb.random.stateless_uniform([n, total], seed=s_cross, dtype=dtype) < crossover_prob
    forced = wb.one_hot(wb.random.stateless_uniform([n], seed=s_force, minval=0, maxval=total, dtype=wb.int32),
                        total, dtype=wb.bool)
    take = wb.logical_or(cross, forced)
    trial_parts, offset = [], 0
    for p, size in zip(parts, sizes):
        a, b, c = (wb.gather(p, donors[:, k], axis=0) for k in range(3))
        mutant = a + weight * (b - c)
        mask = wb.reshape(take[:, offset:offset + size], list(p.shape))
        trial_parts.append(wb.where(mask, mutant, p))
        offset += size
    trial_values = _evaluate(objective_function, trial_parts, opname)
    better = trial_values < values
    next_parts = [wb.where(wb.reshape(better, [n] + [1] * (p.ndim - 1)), t, p) for p, t in zip(parts, trial_parts)]
    next_values = wb.where(better, trial_values, values)
    return (next_parts if is_list else next_parts[0]), next_values


def differential_evolution_minimize(objective_function, initial_population=None, initial_position=None,
                                    population_size=50, population_stddev=1.0, max_iterations=100,
                                    func_tolerance=0, position_tolerance=1e-8, differential_weight=0.5,
                                    crossover_prob=0.9, seed=None, name=None):
    """Minimize with differential evolution from ``initial_population`` or from a population of
    ``population_size`` drawn ``Normal(initial_position, population_stddev)`` (its first member
    is ``initial_position`` itself).

    Stops when the spread of the objective over the population is ``<= func_tolerance`` or every
    member lies within ``position_tolerance`` of the best (``converged``), or after
    ``max_iterations``. ``failed`` is set when no member has a finite objective. Returns
    ``DifferentialEvolutionOptimizerResults``.

    >>> r = differential_evolution_minimize(lambda x: wb.reduce_sum((x - 3.) ** 2, axis=-1),
    ...                                     initial_position=wb.constant([0., 0.]), seed=1)
    """
    opname = "differential_evolution_minimize"
    if (initial_population is None) == (initial_position is None):
        raise ValueError(f"{opname}: give exactly one of initial_population and initial_position")
    s_init, s_steps = _split(seed, 2, "differential-evolution-minimize")
    if initial_population is not None:
        parts, is_list, n = _parts(initial_population, opname)
    else:
        is_list = isinstance(initial_position, (list, tuple))
        positions = [wb.convert_to_tensor(p) for p in (initial_position if is_list else [initial_position])]
        n = int(population_size)
        if n < 4:
            raise ValueError(f"{opname}: population_size must be at least 4, got {population_size}")
        parts = []
        for p, s in zip(positions, _split(s_init, len(positions), "population")):
            noise = wb.random.stateless_normal([n - 1] + list(p.shape), seed=s, dtype=p.dtype)
            spread = wb.expand_dims(p, 0) + wb.convert_to_tensor(population_stddev, dtype=p.dtype) * noise
            parts.append(wb.concat([wb.expand_dims(p, 0), spread], axis=0))
    values = _evaluate(objective_function, parts, opname)
    initial_parts, initial_values = list(parts), values

    def converged_now(parts, values):
        v = np.asarray(values.numpy(), np.float64)
        finite = v[np.isfinite(v)]
        if finite.size and finite.max() - finite.min() <= func_tolerance:
            return True
        best = int(np.nanargmin(np.where(np.isfinite(v), v, np.nan))) if finite.size else 0
        spread = max(float(np.max(np.abs(np.asarray(p.numpy()) - np.asarray(p.numpy())[best]))) for p in parts)
        return spread <= position_tolerance

    failed = not np.any(np.isfinite(np.asarray(values.numpy())))
    converged = False if failed else converged_now(parts, values)
    iterations = 0
    step_seeds = _split(s_steps, max(int(max_iterations), 1), "steps")
    while not converged and not failed and iterations < int(max_iterations):
        parts, values = differential_evolution_one_step(objective_function, parts, values,
                                                        differential_weight=differential_weight,
                                                        crossover_prob=crossover_prob, seed=step_seeds[iterations])
        iterations += 1
        converged = converged_now(parts, values)
    v = np.asarray(values.numpy(), np.float64)
    best = int(np.argmin(np.where(np.isfinite(v), v, np.inf)))
    position = [p[best] for p in parts]
    return DifferentialEvolutionOptimizerResults(
        converged=wb.constant(bool(converged)), failed=wb.constant(bool(failed)),
        position=position if is_list else position[0], objective_value=values[best],
        final_population=parts if is_list else parts[0], final_objective_values=values,
        initial_population=initial_parts, initial_objective_values=initial_values,
        num_iterations=wb.constant(iterations, dtype=wb.int32))
