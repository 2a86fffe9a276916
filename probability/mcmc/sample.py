"""sample_chain: run a transition kernel and collect states and traced kernel results."""

from __future__ import annotations

import collections
import warnings

import workbench as wb
from workbench import core, nest

from . import internal
from ..internal import samplers
from .stepper import Stepper

__all__ = ["sample_chain", "StatesAndTrace", "CheckpointableStatesAndTrace"]

StatesAndTrace = collections.namedtuple("StatesAndTrace", ["all_states", "trace"])
CheckpointableStatesAndTrace = collections.namedtuple(
    "CheckpointableStatesAndTrace", ["all_states", "trace", "final_kernel_results"])


def _trace_kernel_results(current_state, kernel_results):
    return kernel_results


def sample_chain(num_results, current_state, previous_kernel_results=None, kernel=None, num_burnin_steps=0,
                 num_steps_between_results=0, trace_fn=_trace_kernel_results, return_final_kernel_results=False,
                 parallel_iterations=10, seed=None, name=None):
    """Run ``kernel`` from ``current_state`` and return ``num_results`` states (TFP's ``sample_chain``).

    The chain takes ``num_burnin_steps`` steps that are not kept, then keeps one
    state out of every ``num_steps_between_results + 1`` steps. States are stacked
    along a new leading axis: a state of shape ``[num_chains, d]`` gives samples of
    shape ``[num_results, num_chains, d]`` (a list state gives a list).

    ``trace_fn(current_state, kernel_results)`` picks what to record for each kept
    step (default: the whole kernel results); its output is stacked leaf-wise.

    Returns ``StatesAndTrace(all_states, trace)``; only ``all_states`` when
    ``trace_fn`` is None; ``CheckpointableStatesAndTrace(all_states, trace,
    final_kernel_results)`` with ``return_final_kernel_results=True`` (``trace`` is ``()``
    without a ``trace_fn``). The same ``seed`` gives the same chain (each step gets its own
    seed split from it); with no seed each step draws from the stateful sequence, as TFP's.

    With a seed, the kernel's step is compiled once (``wb.function``) and replayed for
    every step when its structure is fixed (HMC, random-walk Metropolis, step-size
    adaptation); NUTS steps run eagerly. Inside a ``wb.function`` (TFP's notebooks
    decorate their sampling with ``tf.function``) the whole chain is recorded as one
    step of the program, which runs the chain this way at every call, rather than
    as thousands of traced steps.

    >>> kernel = HamiltonianMonteCarlo(lambda x: -0.5 * x * x, step_size=0.5, num_leapfrog_steps=3)
    >>> samples, is_accepted = sample_chain(100, wb.zeros([4]), kernel=kernel, num_burnin_steps=50,
    ...     trace_fn=lambda _, kr: kr.is_accepted, seed=(1, 2))
    >>> samples.shape, is_accepted.shape
    ((100, 4), (100, 4))
    """
    if kernel is None:
        raise ValueError("sample_chain: `kernel` must be given (a TransitionKernel)")
    num_results = int(num_results)
    num_burnin_steps = int(num_burnin_steps)
    num_steps_between_results = int(num_steps_between_results)
    if num_results < 0:
        raise ValueError(f"sample_chain: num_results must be >= 0, got {num_results}")
    if num_burnin_steps < 0 or num_steps_between_results < 0:
        raise ValueError("sample_chain: num_burnin_steps and num_steps_between_results must be >= 0")
    if not kernel.is_calibrated:
        warnings.warn("supplied `TransitionKernel` is not calibrated. Markov chain may not converge to intended "
                      "target distribution.")
    if core.tracing():
        return _chain_step(num_results, current_state, previous_kernel_results, kernel, num_burnin_steps,
                           num_steps_between_results, trace_fn, return_final_kernel_results, seed)
    return _run_chain(num_results, current_state, previous_kernel_results, kernel, num_burnin_steps,
                      num_steps_between_results, trace_fn, return_final_kernel_results, seed)


def _run_chain(num_results, current_state, previous_kernel_results, kernel, num_burnin_steps,
               num_steps_between_results, trace_fn, return_final_kernel_results, seed):
    state = internal.like_input(internal.float_parts(current_state, "sample_chain"), current_state)
    kernel_results = kernel.bootstrap_results(state) if previous_kernel_results is None \
        else previous_kernel_results

    # TFP's flow: no seed, no step seeds (each step draws its own from the stateful sequence);
    # a seed, salted, hands each step the first half of a split and carries the second on
    seeded = seed is not None
    # drawn even without a seed (unused then), which keeps the stateful sequence in step with TFP's
    seed = samplers.sanitize_seed(seed, salt="mcmc.sample_chain")
    # without a seed each step draws from the stateful sequence as TFP's eager steps do: the step
    # runs eagerly (a compiled step would take one seed pair for all its draws)
    one_step = Stepper.of(kernel) if seeded else kernel.one_step
    states, traces = [], []
    for i in range(num_results):
        for _ in range((num_burnin_steps if i == 0 else num_steps_between_results) + 1):
            step_seed = None
            if seeded:
                step_seed, seed = samplers.split_seed(seed)
            state, kernel_results = one_step(state, kernel_results, seed=step_seed)
        states.append(internal.as_list(state))
        if trace_fn is not None:
            traces.append(trace_fn(state, kernel_results))

    if num_results == 0:    # no step runs (nor burn-in): empty stacks of the state's and trace's structure
        states = [internal.as_list(state)]
        traces = [trace_fn(state, kernel_results)] if trace_fn is not None else []
    all_states = internal.like_input(_stack(states, num_results), current_state)
    if trace_fn is None and not return_final_kernel_results:
        return all_states
    trace = _stack(traces, num_results) if trace_fn is not None else ()
    if return_final_kernel_results:
        return CheckpointableStatesAndTrace(all_states, trace, kernel_results)
    return StatesAndTrace(all_states, trace)


def _stack(items, num_results):
    stacked = internal.stack_structure(items)
    if num_results:
        return stacked
    return nest.map_structure(lambda t: t if t is None else wb.zeros((0,) + tuple(t.shape[1:]), dtype=t.dtype),
                              stacked)


# inside a wb.function trace: the chain is one step of the program (run again by every call)
_chain_step = core.effect(_run_chain)
