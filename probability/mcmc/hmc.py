"""Hamiltonian Monte Carlo: leapfrog trajectories on gradients from ``wb.GradientTape``."""

from __future__ import annotations

import collections

import workbench as wb

from . import internal
from ..internal import samplers
from ._params import parameter
from .kernel import TransitionKernel
from .metropolis_hastings import MetropolisHastings

__all__ = ["HamiltonianMonteCarlo", "UncalibratedHamiltonianMonteCarlo",
           "UncalibratedHamiltonianMonteCarloKernelResults"]

UncalibratedHamiltonianMonteCarloKernelResults = collections.namedtuple(
    "UncalibratedHamiltonianMonteCarloKernelResults",
    ["log_acceptance_correction", "target_log_prob", "grads_target_log_prob", "initial_momentum",
     "final_momentum", "step_size", "num_leapfrog_steps"])


def leapfrog(target_log_prob_fn, state_parts, momentum_parts, grads, step_sizes, num_steps):
    """``num_steps`` leapfrog steps of Hamiltonian dynamics with an identity mass matrix.

    ``step_sizes`` holds one Tensor per part that broadcasts against it (a
    per-chain sign turns the trajectory backwards in time, as NUTS needs).
    Returns ``(state_parts, momentum_parts, target_log_prob, grads)`` at the end;
    the target is evaluated once per step.
    """
    # TFP's order of operations (a full momentum step after every position step, then half a
    # step back), so float32 trajectories round as TFP's do
    momentum = [p + (0.5 * eps) * g for p, g, eps in zip(momentum_parts, grads, step_sizes)]
    state, tlp = state_parts, None
    for _ in range(num_steps):
        state = [x + eps * p for x, p, eps in zip(state, momentum, step_sizes)]
        tlp, grads = internal.call_fn_and_grads(target_log_prob_fn, state)
        momentum = [p + eps * g for p, g, eps in zip(momentum, grads, step_sizes)]
    momentum = [p - (0.5 * eps) * g for p, g, eps in zip(momentum, grads, step_sizes)]
    return state, momentum, tlp, grads


def kinetic_energy(momentum_parts, chain_ndims):
    """``sum(p**2) / 2`` per chain, over every part."""
    return wb.add_n([internal.sum_event(0.5 * wb.square(p), chain_ndims) for p in momentum_parts])


def step_size_parts(step_size, state_parts, owner):
    """The step size as one Tensor per state part, in the state's dtype."""
    sizes = internal.broadcast_parts(step_size, len(state_parts), "step_size", owner)
    return [internal.as_float_tensor(s, x.dtype, "step_size", owner) for s, x in zip(sizes, state_parts)]


class UncalibratedHamiltonianMonteCarlo(TransitionKernel):
    """The HMC proposal without the accept/reject step (wrap it in ``MetropolisHastings``).

    The step size used by ``one_step`` is the one stored in the previous kernel
    results (``previous_kernel_results.step_size``), so step-size adaptation can
    change it between steps.
    """

    def __init__(self, target_log_prob_fn, step_size, num_leapfrog_steps, state_gradients_are_stopped=False,
                 store_parameters_in_results=False, name=None):
        if int(num_leapfrog_steps) < 1:
            raise ValueError(f"{type(self).__name__}: num_leapfrog_steps must be at least 1, "
                             f"got {num_leapfrog_steps!r}")
        self._parameters = dict(target_log_prob_fn=target_log_prob_fn, step_size=step_size,
                                num_leapfrog_steps=num_leapfrog_steps,
                                state_gradients_are_stopped=state_gradients_are_stopped,
                                store_parameters_in_results=store_parameters_in_results, name=name)

    target_log_prob_fn = parameter("target_log_prob_fn")
    step_size = parameter("step_size")
    num_leapfrog_steps = parameter("num_leapfrog_steps", int)
    state_gradients_are_stopped = parameter("state_gradients_are_stopped")

    @property
    def is_calibrated(self):
        return False

    def bootstrap_results(self, init_state):
        parts = internal.float_parts(init_state, type(self).__name__)
        tlp, grads = internal.call_fn_and_grads(self.target_log_prob_fn, parts,
                                                f"{type(self).__name__}: target_log_prob_fn", check=True)
        sizes = step_size_parts(self.step_size, parts, type(self).__name__)
        return UncalibratedHamiltonianMonteCarloKernelResults(
            log_acceptance_correction=wb.zeros_like(tlp),
            target_log_prob=tlp,
            grads_target_log_prob=grads,
            initial_momentum=[wb.zeros_like(x) for x in parts],
            final_momentum=[wb.zeros_like(x) for x in parts],
            step_size=internal.like_input(sizes, self.step_size),
            num_leapfrog_steps=self.num_leapfrog_steps)

    def one_step(self, current_state, previous_kernel_results, seed=None):
        parts = internal.float_parts(current_state, type(self).__name__)
        seeds = samplers.split_seed(samplers.sanitize_seed(seed), n=len(parts))   # TFP's flow
        momentum = [samplers.normal(x.shape, seed=s, dtype=x.dtype) for x, s in zip(parts, seeds)]
        sizes = step_size_parts(previous_kernel_results.step_size, parts, type(self).__name__)
        chain_ndims = previous_kernel_results.target_log_prob.ndim
        next_parts, next_momentum, tlp, grads = leapfrog(
            self.target_log_prob_fn, parts, momentum, previous_kernel_results.grads_target_log_prob,
            sizes, self.num_leapfrog_steps)
        if self.state_gradients_are_stopped:
            next_parts = [wb.stop_gradient(x) for x in next_parts]
        correction = kinetic_energy(momentum, chain_ndims) - kinetic_energy(next_momentum, chain_ndims)
        results = previous_kernel_results._replace(
            log_acceptance_correction=correction,
            target_log_prob=tlp,
            grads_target_log_prob=grads,
            initial_momentum=momentum,
            final_momentum=next_momentum)
        return internal.like_input(next_parts, current_state), results


class HamiltonianMonteCarlo(TransitionKernel):
    """Hamiltonian Monte Carlo (Neal, 2011): ``num_leapfrog_steps`` leapfrog steps of size
    ``step_size`` with fresh standard-normal momentum, then a Metropolis correction.

    Vectorized over chains: the state's leading dimensions index chains and
    ``target_log_prob_fn(*state_parts)`` returns one log-density per chain.
    The results are ``MetropolisHastingsResults`` whose ``accepted_results``
    carry ``target_log_prob``, ``grads_target_log_prob`` and ``step_size``.

    >>> kernel = HamiltonianMonteCarlo(lambda x: -0.5 * wb.reduce_sum(x * x, axis=-1),
    ...                                step_size=0.3, num_leapfrog_steps=5)
    >>> state, results = kernel.one_step(wb.zeros([4, 2]), kernel.bootstrap_results(wb.zeros([4, 2])), seed=1)
    >>> results.is_accepted.shape
    (4,)
    """

    def __init__(self, target_log_prob_fn, step_size, num_leapfrog_steps, state_gradients_are_stopped=False,
                 store_parameters_in_results=False, name=None):
        self._parameters = dict(target_log_prob_fn=target_log_prob_fn, step_size=step_size,
                                num_leapfrog_steps=num_leapfrog_steps,
                                state_gradients_are_stopped=state_gradients_are_stopped,
                                store_parameters_in_results=store_parameters_in_results, name=name)
        self._impl = MetropolisHastings(UncalibratedHamiltonianMonteCarlo(
            target_log_prob_fn, step_size, num_leapfrog_steps, state_gradients_are_stopped,
            store_parameters_in_results, name))

    target_log_prob_fn = parameter("target_log_prob_fn")
    step_size = parameter("step_size")
    num_leapfrog_steps = parameter("num_leapfrog_steps", int)

    @property
    def is_calibrated(self):
        return True

    def bootstrap_results(self, init_state):
        return self._impl.bootstrap_results(init_state)

    def one_step(self, current_state, previous_kernel_results, seed=None):
        return self._impl.one_step(current_state, previous_kernel_results, seed=seed)
