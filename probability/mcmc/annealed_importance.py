"""Annealed importance sampling (Neal 2001): ``tfp.mcmc.sample_annealed_importance_chain``."""

from __future__ import annotations

import collections

import workbench as wb

from . import internal

__all__ = ["sample_annealed_importance_chain", "AISResults"]

AISResults = collections.namedtuple("AISResults", ["proposal_log_prob", "target_log_prob", "inner_results"])


def sample_annealed_importance_chain(num_steps, proposal_log_prob_fn, target_log_prob_fn, current_state,
                                     make_kernel_fn, parallel_iterations=10, seed=None, name=None):
    """Anneal chains from ``proposal_log_prob_fn`` (``current_state`` must be drawn from it) to
    ``target_log_prob_fn`` through the geometric path ``(1 - beta) proposal + beta target``,
    ``beta = 1/num_steps, ..., 1``: at each step the log weight gains the change of the annealed
    log-density at the current state, then ``make_kernel_fn(annealed_log_prob_fn)`` moves the
    state (a kernel leaving that density invariant).

    Returns ``(next_state, ais_weights, kernel_results)``; ``reduce_logmeanexp(ais_weights)``
    estimates ``log(Z_target / Z_proposal)`` without bias in ``exp``.

    >>> state, w, _ = sample_annealed_importance_chain(
    ...     50, proposal.log_prob, target_fn, proposal.sample(100, seed=1),
    ...     lambda fn: HamiltonianMonteCarlo(fn, step_size=0.3, num_leapfrog_steps=2), seed=2)
    """
    num_steps = int(num_steps)
    if num_steps < 1:
        raise ValueError(f"sample_annealed_importance_chain: num_steps must be at least 1, got {num_steps}")
    parts = internal.float_parts(current_state, "sample_annealed_importance_chain")
    seeds = internal.seed_stream(seed, num_steps, "ais")

    def annealed(beta):
        def fn(*state_parts):
            p = internal.call_fn(proposal_log_prob_fn, list(state_parts))
            t = internal.call_fn(target_log_prob_fn, list(state_parts))
            return (1.0 - beta) * p + beta * t
        return fn

    proposal_lp = internal.call_fn(proposal_log_prob_fn, parts)
    target_lp = internal.call_fn(target_log_prob_fn, parts)
    weights = wb.zeros_like(target_lp)
    state = internal.like_input(parts, current_state)
    inner = None
    for step in range(num_steps):
        beta_prev, beta = step / num_steps, (step + 1) / num_steps
        weights = weights + (beta - beta_prev) * (target_lp - proposal_lp)
        kernel = make_kernel_fn(annealed(beta))
        inner = kernel.bootstrap_results(state)
        state, inner = kernel.one_step(state, inner, seed=seeds[step])
        parts = internal.as_list(state)
        proposal_lp = internal.call_fn(proposal_log_prob_fn, parts)
        target_lp = internal.call_fn(target_log_prob_fn, parts)
    results = AISResults(proposal_log_prob=proposal_lp, target_log_prob=target_lp, inner_results=inner)
    return state, weights, results
