"""The solver interface of ``tfp.math.ode``: ``Solver``, ``Results``, ``ChosenBySolver``,
``Diagnostics``."""

from __future__ import annotations

import abc
import collections

__all__ = ["Solver", "Results", "ChosenBySolver", "Diagnostics"]

Results = collections.namedtuple("Results", ["times", "states", "diagnostics", "solver_internal_state"])
Results.__doc__ = ("The solution: ``times`` ``[n]``, ``states`` (the state's structure, each part with a leading "
                   "``[n]`` axis), the solver's ``diagnostics`` and its final ``solver_internal_state``.")


class ChosenBySolver(collections.namedtuple("ChosenBySolver", ["final_time"])):
    """``solution_times``: every time the solver steps to, up to and including ``final_time``."""
    __slots__ = ()


class Diagnostics(abc.ABC):
    """What a solve cost: ``num_ode_fn_evaluations``, ``num_jacobian_evaluations``,
    ``num_matrix_factorizations`` and ``status`` (0 on success)."""

    @property
    @abc.abstractmethod
    def num_ode_fn_evaluations(self):
        ...

    @property
    @abc.abstractmethod
    def num_jacobian_evaluations(self):
        ...

    @property
    @abc.abstractmethod
    def num_matrix_factorizations(self):
        ...

    @property
    @abc.abstractmethod
    def status(self):
        ...


class Solver(abc.ABC):
    """Base class of the ODE solvers: ``solve(ode_fn, initial_time, initial_state, solution_times,
    ...)`` returns ``Results``."""

    @abc.abstractmethod
    def solve(self, ode_fn, initial_time, initial_state, solution_times, jacobian_fn=None, jacobian_sparsity=None,
              batch_ndims=None, previous_solver_internal_state=None, constants=None):
        """Integrate ``dy/dt = ode_fn(t, y)`` from ``initial_time``."""
