"""Stopping rules for ``probability.math.minimize`` (``tfp.optimizer.convergence_criteria``)."""

from __future__ import annotations

import collections

import workbench as wb

__all__ = ["ConvergenceCriterion", "LossNotDecreasing", "LossNotDecreasingState"]

LossNotDecreasingState = collections.namedtuple(
    "LossNotDecreasingState", ["previous_loss", "average_decrease_in_loss", "average_initial_decrease_in_loss"])


class ConvergenceCriterion:
    """Base class: subclasses implement ``_bootstrap(loss, grads, parameters)`` (the state at step 0)
    and ``_one_step(step, loss, grads, parameters, auxiliary_state)`` returning ``(has_converged,
    new_state)`` for ``step >= 1``. ``has_converged`` is ignored until ``step >= min_num_steps``."""

    def __init__(self, min_num_steps=None, name=None):
        self._min_num_steps = None if min_num_steps is None else int(min_num_steps)
        self._name = name or type(self).__name__

    @property
    def min_num_steps(self):
        return self._min_num_steps

    @property
    def name(self):
        return self._name

    def bootstrap(self, loss, grads, parameters):
        """The criterion's state after the first optimization step."""
        return self._bootstrap(loss, grads, parameters)

    def one_step(self, step, loss, grads, parameters, auxiliary_state):
        """``(has_converged, new_state)`` after optimization step ``step`` (``>= 1``)."""
        has_converged, state = self._one_step(step, loss, grads, parameters, auxiliary_state)
        if self._min_num_steps is not None and int(step) < self._min_num_steps:
            has_converged = wb.zeros_like(wb.convert_to_tensor(has_converged))
        return has_converged, state

    def _bootstrap(self, loss, grads, parameters):
        raise NotImplementedError(f"{type(self).__name__} must implement _bootstrap")

    def _one_step(self, step, loss, grads, parameters, auxiliary_state):
        raise NotImplementedError(f"{type(self).__name__} must implement _one_step")


class LossNotDecreasing(ConvergenceCriterion):
    """Converged when the moving average of the loss decrease,
    ``avg[t] = ((window_size - 1) * avg[t - 1] + (loss[t - 1] - loss[t])) / window_size``, falls
    below ``atol`` or below ``rtol * avg[window_size]`` (either, when both are given)."""

    def __init__(self, atol=None, rtol=None, window_size=10, min_num_steps=20, name=None):
        if atol is None and rtol is None:
            raise ValueError("LossNotDecreasing: give at least one of atol and rtol")
        window_size = int(window_size)
        if window_size < 1:
            raise ValueError(f"LossNotDecreasing: window_size must be at least 1, got {window_size}")
        super().__init__(min_num_steps=min_num_steps, name=name)
        self._atol, self._rtol, self._window_size = atol, rtol, window_size

    atol = property(lambda self: self._atol)
    rtol = property(lambda self: self._rtol)
    window_size = property(lambda self: self._window_size)

    def _bootstrap(self, loss, grads, parameters):
        loss = wb.convert_to_tensor(loss)
        zero = wb.zeros_like(loss)
        return LossNotDecreasingState(loss, zero, zero)

    def _one_step(self, step, loss, grads, parameters, auxiliary_state):
        loss = wb.convert_to_tensor(loss)
        w = float(self._window_size)
        avg = ((w - 1.0) * auxiliary_state.average_decrease_in_loss + (auxiliary_state.previous_loss - loss)) / w
        initial = avg if int(step) <= self._window_size else auxiliary_state.average_initial_decrease_in_loss
        has_converged = wb.zeros_like(loss) > 0.0
        if self._atol is not None:
            has_converged = wb.logical_or(has_converged, avg < self._atol)
        if self._rtol is not None:
            has_converged = wb.logical_or(has_converged, avg < self._rtol * initial)
        return has_converged, LossNotDecreasingState(loss, avg, initial)

