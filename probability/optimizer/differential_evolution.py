"""Differential evolution (Storn and Price 1997, ``DE/rand/1/bin``): ``tfp.optimizer``'s
``differential_evolution_one_step`` and ``differential_evolution_minimize``."""

from __future__ import annotations

import collections

import numpy as np

import workbench as wb

from ..distributions import Categorical
from ..util.seed_stream import SeedStream

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


def _mixing_indices(n, seed):
    """For each member, three distinct donor indices other than its own: ``[n, 3]`` int32."""
    stream = SeedStream(seed, salt="get_mixing_indices")
    first, second, third = (np.asarray(wb.random.uniform([n], maxval=n - k, dtype=wb.int32, seed=stream()).numpy())
                            for k in (1, 2, 3))
    second = np.where(first < second, second, second + 1)
    smaller, larger = np.minimum(first, second), np.maximum(first, second)
    third = np.where(third < smaller, third, third + 1)
    third = np.where(third < larger, third, third + 1)
    sample = np.stack([first, second, third], axis=1)
    return np.where(sample < np.arange(n)[:, None], sample, sample + 1)


def _crossover(parts, n, mutants, crossover_prob, seed):
    """Binary crossover: each coordinate from the mutant with probability ``crossover_prob``; one
    coordinate per member (in a part drawn with weight ``exp(part size)``) always is."""
    stream = SeedStream(seed, salt="binary_crossover")
    sizes = wb.constant([float(np.prod(p.shape)) for p in parts], dtype=wb.float64)
    group = np.asarray(Categorical(sizes).sample([n, 1], seed=stream()).numpy())
    out = []
    for i, (part, mutant) in enumerate(zip(parts, mutants)):
        size = int(np.prod(part.shape)) // n
        forced = np.asarray(wb.random.uniform([n], minval=0, maxval=size, dtype=wb.int32, seed=stream()).numpy())
        forced = (np.arange(size)[None, :] == forced[:, None]) & (group == i)
        draws = wb.random.uniform([n, size], dtype=crossover_prob.dtype, seed=stream())
        take = (np.asarray(draws.numpy()) < np.asarray(crossover_prob.numpy())) | forced
        flat = np.where(take, np.asarray(mutant).reshape(n, -1), np.asarray(part.numpy()).reshape(n, -1))
        out.append(wb.constant(flat.reshape(part.shape)))
    return out


def differential_evolution_one_step(objective_function, population, population_values=None,
                                    differential_weight=0.5, crossover_prob=0.9, seed=None, name=None):
    """One generation, as TFP 0.25 draws it: for each member ``x``, three other distinct members
    ``a, b, c`` make the mutant ``a + differential_weight (b - c)``; each coordinate of the trial
    comes from the mutant with probability ``crossover_prob`` (one random coordinate always does);
    the trial replaces ``x`` where its objective is lower (a NaN value counts as +inf). The draws
    are seeded ops keyed by ``SeedStream(seed, salt="one_step")``, so an int ``seed`` continues its
    sequence on each call, as TF's stateful random ops do.

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
    np_dtype = np.dtype(dtype.as_numpy_dtype)
    stream = SeedStream(seed, salt="one_step")
    donors = _mixing_indices(n, stream())
    weight = np_dtype.type(np.asarray(wb.convert_to_tensor(differential_weight, dtype=dtype).numpy()))
    mutants = []
    for p in parts:
        a, b, c = (np.asarray(p.numpy())[donors[:, k]] for k in range(3))
        mutants.append(a + b * weight + c * -weight)
    trial_parts = _crossover(parts, n, mutants, wb.convert_to_tensor(crossover_prob), stream())
    trial_values = np.asarray(_evaluate(objective_function, trial_parts, opname).numpy())
    values = np.asarray(values.numpy())
    values = np.where(np.isnan(values), np.asarray(np.inf, values.dtype), values)
    better = trial_values < values
    next_parts = [wb.constant(np.where(better.reshape([n] + [1] * (p.ndim - 1)), np.asarray(t.numpy()),
                                       np.asarray(p.numpy()))) for p, t in zip(parts, trial_parts)]
    next_values = wb.constant(np.where(better, trial_values, values))
    return (next_parts if is_list else next_parts[0]), next_values


def differential_evolution_minimize(objective_function, initial_population=None, initial_position=None,
                                    population_size=50, population_stddev=1.0, max_iterations=100,
                                    func_tolerance=0, position_tolerance=1e-8, differential_weight=0.5,
                                    crossover_prob=0.9, seed=None, name=None):
    """Minimize with differential evolution from ``initial_population`` or from a population of
    ``population_size`` drawn ``Normal(initial_position, population_stddev)`` (its first member
    is ``initial_position`` itself), as TFP 0.25 runs it (its draws for a given ``seed``).

    After each generation it stops when the spread of the objective over the population is
    ``<= func_tolerance`` or every member lies within ``position_tolerance / 2`` of the first one
    (``converged``), when every value is infinite (``failed``), or after ``max_iterations``.
    Each generation is ``differential_evolution_one_step`` with the same ``seed``. Returns
    ``DifferentialEvolutionOptimizerResults``.

    >>> r = differential_evolution_minimize(lambda x: wb.reduce_sum((x - 3.) ** 2, axis=-1),
    ...                                     initial_position=wb.constant([0., 0.]), seed=1)
    """
    opname = "differential_evolution_minimize"
    if (initial_population is None) == (initial_position is None):
        raise ValueError(f"{opname}: give exactly one of initial_population and initial_position")
    if initial_population is not None:
        parts, is_list, n = _parts(initial_population, opname)
    else:
        is_list = isinstance(initial_position, (list, tuple))
        positions = [wb.convert_to_tensor(p) for p in (initial_position if is_list else [initial_position])]
        n = int(population_size)
        if n < 4:
            raise ValueError(f"{opname}: population_size must be at least 4, got {population_size}")
        stream = SeedStream(seed, salt="get_starting_population")
        parts = []
        for p in positions:
            spread = wb.random.normal([n - 1] + list(p.shape), stddev=population_stddev, dtype=p.dtype, seed=stream())
            parts.append(wb.concat([wb.expand_dims(p, 0), spread + p], axis=0))
    values = _evaluate(objective_function, parts, opname)
    initial_parts, initial_values = list(parts), values
    dtype = np.dtype(values.dtype.as_numpy_dtype)
    f_tol = dtype.type(func_tolerance)
    half_x_tol = np.dtype(parts[0].dtype.as_numpy_dtype).type(position_tolerance) / 2

    def converged_now(parts, values):
        v = np.asarray(values.numpy())
        if np.abs(np.max(v) - np.min(v)) <= f_tol:
            return True
        return all(np.max(np.abs(np.asarray(p.numpy()) - np.asarray(p.numpy())[0])) <= half_x_tol for p in parts)

    converged = failed = False
    iterations = 0
    while not (converged or failed) and (max_iterations is None or iterations < int(max_iterations)):
        parts, values = differential_evolution_one_step(objective_function, parts, values,
                                                        differential_weight=differential_weight,
                                                        crossover_prob=crossover_prob, seed=seed)
        parts = parts if isinstance(parts, list) else [parts]
        iterations += 1
        converged = bool(converged_now(parts, values))
        failed = bool(np.all(np.isinf(np.asarray(values.numpy()))))
    v = np.asarray(values.numpy())
    best = int(np.flatnonzero(v == np.min(v))[0]) if np.any(v == np.min(v)) else 0
    position = [p[best] for p in parts]
    return DifferentialEvolutionOptimizerResults(
        converged=wb.constant(converged), failed=wb.constant(failed),
        position=position if is_list else position[0], objective_value=wb.constant(np.min(v)),
        final_population=parts if is_list else parts[0], final_objective_values=values,
        initial_population=initial_parts, initial_objective_values=initial_values,
        num_iterations=wb.constant(iterations, dtype=wb.int32))
