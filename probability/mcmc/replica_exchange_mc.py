"""Replica exchange Monte Carlo (parallel tempering)."""

from __future__ import annotations

import collections

import numpy as np

import workbench as wb

from . import internal
from .kernel import TransitionKernel

__all__ = ["ReplicaExchangeMC", "ReplicaExchangeMCKernelResults", "default_swap_proposal_fn"]

ReplicaExchangeMCKernelResults = collections.namedtuple(
    "ReplicaExchangeMCKernelResults",
    ["post_swap_replica_states", "pre_swap_replica_results", "post_swap_replica_results",
     "is_swap_proposed_adjacent", "is_swap_accepted_adjacent", "inverse_temperatures", "step_count"])


def default_swap_proposal_fn(prob_swap, name=None):
    """Propose swapping every even adjacent pair ``(0, 1), (2, 3), ...`` or every odd pair
    ``(1, 2), (3, 4), ...`` (alternating with the step), each step with probability ``prob_swap``.
    Returns ``fn(num_replica, step, seed) -> list of proposed pairs``."""
    prob = float(prob_swap)
    if not 0.0 <= prob <= 1.0:
        raise ValueError(f"default_swap_proposal_fn: prob_swap must be in [0, 1], got {prob_swap!r}")

    def fn(num_replica, step, seed):
        u = float(wb.random.stateless_uniform((), seed=seed, dtype=np.float64))
        if u >= prob:
            return []
        return [(i, i + 1) for i in range(step % 2, num_replica - 1, 2)]
    return fn


def _swap_target_fields(mine, theirs, factor, mask):
    """``mine`` with ``target_log_prob`` and ``grads_target_log_prob`` (at any depth) replaced, where
    ``mask`` holds, by ``theirs`` rescaled by ``factor`` (the ratio of inverse temperatures)."""
    if not hasattr(mine, "_fields"):
        return mine
    updates = {}
    for name in mine._fields:
        a, b = getattr(mine, name), getattr(theirs, name)
        if name == "target_log_prob":
            updates[name] = wb.where(mask, factor * b, a)
        elif name == "grads_target_log_prob":
            updates[name] = [wb.where(internal.expand_like(mask, ga), factor * gb, ga) for ga, gb in zip(a, b)]
        elif hasattr(a, "_fields"):
            updates[name] = _swap_target_fields(a, b, factor, mask)
    return mine._replace(**updates)


class ReplicaExchangeMC(TransitionKernel):
    """Parallel tempering (Swendsen & Wang, 1986): one replica per inverse temperature ``b_r``, each
    moved by ``make_kernel_fn(tempered_log_prob_fn)`` on ``b_r * target_log_prob_fn``; then adjacent
    replicas ``i, j`` swap their states, chain by chain, with probability
    ``min(1, exp((b_i - b_j) * (log p(x_j) - log p(x_i))))``.

    The state is that of replica 0 (``inverse_temperatures[0]`` should be 1: the target itself); the
    other replicas live in the kernel results (``post_swap_replica_states``). Inverse temperatures
    must be positive.

    >>> kernel = ReplicaExchangeMC(target, inverse_temperatures=[1.0, 0.3, 0.1],
    ...     make_kernel_fn=lambda fn: HamiltonianMonteCarlo(fn, step_size=0.5, num_leapfrog_steps=3))
    """

    def __init__(self, target_log_prob_fn, inverse_temperatures, make_kernel_fn,
                 swap_proposal_fn=default_swap_proposal_fn(1.0), state_includes_replicas=False,
                 validate_args=False, name=None):
        betas = np.asarray(inverse_temperatures.numpy() if isinstance(inverse_temperatures, wb.Tensor)
                           else inverse_temperatures, dtype=np.float64)
        if betas.ndim != 1 or betas.size < 1:
            raise ValueError(f"ReplicaExchangeMC: `inverse_temperatures` must be a non-empty vector, got "
                             f"{inverse_temperatures!r}")
        if np.any(betas <= 0):
            raise ValueError(f"ReplicaExchangeMC: `inverse_temperatures` must be positive, got {betas.tolist()}")
        if state_includes_replicas:
            raise NotImplementedError("ReplicaExchangeMC: state_includes_replicas=True is not supported; the "
                                      "state is replica 0's")
        self._parameters = dict(target_log_prob_fn=target_log_prob_fn, inverse_temperatures=inverse_temperatures,
                                make_kernel_fn=make_kernel_fn, swap_proposal_fn=swap_proposal_fn,
                                state_includes_replicas=state_includes_replicas, validate_args=validate_args,
                                name=name)
        self._betas = [float(b) for b in betas]
        self._kernels = [make_kernel_fn(self._tempered(b)) for b in self._betas]
        for k in self._kernels:
            if not isinstance(k, TransitionKernel):
                raise TypeError(f"ReplicaExchangeMC: make_kernel_fn returned a {type(k).__name__}, not a "
                                "TransitionKernel")

    def _tempered(self, beta):
        fn = self._parameters["target_log_prob_fn"]
        return lambda *parts: beta * internal.call_fn(fn, list(parts))

    @property
    def target_log_prob_fn(self):
        return self._parameters["target_log_prob_fn"]

    @property
    def inverse_temperatures(self):
        return self._parameters["inverse_temperatures"]

    @property
    def num_replica(self):
        return len(self._betas)

    @property
    def is_calibrated(self):
        return all(k.is_calibrated for k in self._kernels)

    def bootstrap_results(self, init_state):
        parts = internal.float_parts(init_state, "ReplicaExchangeMC")
        states = [internal.like_input(list(parts), init_state) for _ in self._betas]
        results = [k.bootstrap_results(s) for k, s in zip(self._kernels, states)]
        chain_shape = tuple(internal.call_fn(self.target_log_prob_fn, parts).shape)
        none = wb.zeros((max(self.num_replica - 1, 0),) + chain_shape, dtype=bool)
        return ReplicaExchangeMCKernelResults(
            post_swap_replica_states=states, pre_swap_replica_results=results, post_swap_replica_results=results,
            is_swap_proposed_adjacent=none, is_swap_accepted_adjacent=none,
            inverse_temperatures=wb.constant(np.asarray(self._betas, dtype=parts[0].dtype)),
            step_count=wb.constant(0, dtype=np.int32))

    def one_step(self, current_state, previous_kernel_results, seed=None):
        pkr = previous_kernel_results
        n = self.num_replica
        seeds = internal.seed_stream(seed, n + 2, "remc")
        states, results = [], []
        # replica 0 continues from the state it is given (which sample_chain keeps)
        starts = [current_state] + list(pkr.post_swap_replica_states[1:])
        for r, (k, s, kr) in enumerate(zip(self._kernels, starts, pkr.post_swap_replica_results)):
            s, kr = k.one_step(s, kr, seed=seeds[r])
            states.append(internal.as_list(s))
            results.append(kr)
        pre_swap = list(results)
        untempered = [internal.call_fn(self.target_log_prob_fn, s) for s in states]
        chain_shape = tuple(untempered[0].shape)
        pairs = self._parameters["swap_proposal_fn"](n, int(pkr.step_count), seeds[n])
        proposed = np.zeros((max(n - 1, 0),) + chain_shape, dtype=bool)
        accepted = [wb.zeros(chain_shape, dtype=bool) for _ in range(max(n - 1, 0))]
        u_seeds = internal.seed_stream(seeds[n + 1], max(len(pairs), 1), "remc-swap")
        for (i, j), us in zip(pairs, u_seeds):
            if j != i + 1 or not 0 <= i < n - 1:
                raise ValueError(f"ReplicaExchangeMC: swap_proposal_fn proposed the pair {(i, j)}; only adjacent "
                                 f"pairs (i, i + 1) of {n} replicas can swap")
            proposed[i] = True
            log_ratio = (self._betas[i] - self._betas[j]) * (untempered[j] - untempered[i])
            u = wb.random.stateless_uniform(chain_shape, seed=us, dtype=log_ratio.dtype)
            ok = wb.log1p(-u) < internal.nan_to_neg_inf(log_ratio)
            accepted[i] = ok
            si = internal.choose(ok, states[j], states[i])
            sj = internal.choose(ok, states[i], states[j])
            ri = _swap_target_fields(results[i], results[j], self._betas[i] / self._betas[j], ok)
            rj = _swap_target_fields(results[j], results[i], self._betas[j] / self._betas[i], ok)
            states[i], states[j], results[i], results[j] = si, sj, ri, rj
            untempered[i], untempered[j] = wb.where(ok, untempered[j], untempered[i]), \
                wb.where(ok, untempered[i], untempered[j])
        like = [internal.like_input(s, current_state) for s in states]
        acc = wb.stack(accepted, axis=0) if accepted else wb.zeros((0,) + chain_shape, dtype=bool)
        return like[0], pkr._replace(post_swap_replica_states=like, pre_swap_replica_results=pre_swap,
                                     post_swap_replica_results=results,
                                     is_swap_proposed_adjacent=wb.constant(proposed),
                                     is_swap_accepted_adjacent=acc, step_count=pkr.step_count + 1)
