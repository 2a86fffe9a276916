"""The No-U-Turn Sampler: HMC that picks its trajectory length, vectorized over chains.

Each step draws a momentum and doubles a trajectory forwards or backwards in
time (a random direction per chain and doubling) until the trajectory makes a
U-turn, diverges, or reaches ``2**max_tree_depth`` leaves. The next state is
drawn from the trajectory by multinomial sampling: uniform progressive sampling
inside each new subtree, and biased progressive sampling when a subtree joins
the tree (Betancourt, 2017, appendix A; as in Stan and TFP). The U-turn
criterion is the generalized one on the summed momenta ``rho``
(``p_left . rho > 0`` and ``p_right . rho > 0``), checked on every balanced
sub-subtree as it completes (the iterative scheme of Phan et al., 2019), and,
as in Stan, also across each merge (the left half plus the first point of the
right half, and the last point of the left half plus the right half), which
stops trajectories that would otherwise circle a whole period.

All chains double together, one leapfrog step at a time for the whole batch;
a chain whose trajectory has stopped keeps its state frozen while the others
continue, so a step costs as many gradient evaluations as its longest chain
(each evaluation is one batched call of ``target_log_prob_fn``).
"""

from __future__ import annotations

import collections
import warnings

import numpy as np

import workbench as wb
from workbench import core
from workbench.compiler import RetracingWarning, UnreplayableWarning

from . import internal
from ._params import parameter
from .hmc import kinetic_energy, leapfrog, step_size_parts
from .kernel import TransitionKernel

__all__ = ["NoUTurnSampler", "NUTSKernelResults"]

NUTSKernelResults = collections.namedtuple(
    "NUTSKernelResults",
    ["target_log_prob", "grads_target_log_prob", "step_size", "log_accept_ratio", "leapfrogs_taken",
     "is_accepted", "reach_max_depth", "has_divergence", "energy"])

# an end of a trajectory, per chain: where the integrator continues from
_End = collections.namedtuple("_End", ["state", "momentum", "grads"])
# a candidate for the next state, per chain
_Candidate = collections.namedtuple("_Candidate", ["state", "target_log_prob", "grads", "energy"])

# what a subtree's leaves carry from one to the next
_Leaves = collections.namedtuple(
    "_Leaves", ["point", "proposal", "log_weight", "rho", "turning", "diverging", "sum_accept_prob", "num_leaves",
                "previous"])

_Subtree = collections.namedtuple(
    "_Subtree", ["end", "first_momentum", "proposal", "log_weight", "rho", "turning", "diverging",
                 "sum_accept_prob", "num_leaves"])


def _dot(a_parts, b_parts, chain_ndims):
    return wb.add_n([internal.sum_event(a * b, chain_ndims) for a, b in zip(a_parts, b_parts)])


def _is_turning(p_left, p_right, rho, chain_ndims):
    """The generalized no-U-turn criterion fails at either end of a (sub)trajectory."""
    return wb.logical_or(_dot(p_left, rho, chain_ndims) <= 0, _dot(p_right, rho, chain_ndims) <= 0)


def _logaddexp(a, b):
    """``log(exp(a) + exp(b))``; -inf when both are -inf (an empty tree has weight 0)."""
    big = wb.maximum(a, b)
    out = big + wb.math.softplus(-wb.abs(a - b))
    return wb.where(wb.math.is_nan(out), big, out)


def _checkpoint_range(leaf):
    """Checkpoint slots for leaf ``leaf`` of a subtree (Phan et al., 2019).

    An even leaf stores its momentum and running ``rho`` in slot ``hi``; an odd
    leaf closes the balanced sub-subtrees that start at the leaves stored in slots
    ``lo..hi`` (one per trailing 1 bit of ``leaf``).
    """
    hi = bin(leaf >> 1).count("1")
    trailing_ones = len(bin(leaf)) - len(bin(leaf).rstrip("1"))
    return hi - trailing_ones + 1, hi


class NoUTurnSampler(TransitionKernel):
    """The No-U-Turn Sampler (Hoffman & Gelman, 2014) with multinomial sampling.

    Args:
        target_log_prob_fn: ``fn(*state_parts)`` -> one log-density per chain.
        step_size: leapfrog step size (a float, a Tensor broadcasting against the
            state, e.g. per chain, or a list with one per state part).
        max_tree_depth: at most ``2**max_tree_depth - 1`` leapfrog steps per step.
        max_energy_diff: an energy error above this marks the trajectory divergent.
        unrolled_leapfrog_steps: leapfrog steps per tree leaf.

    The results are ``NUTSKernelResults``; ``log_accept_ratio`` is the log of the
    mean acceptance probability over the new leaves (what step-size adaptation
    reads), ``is_accepted`` says whether the chain moved, ``leapfrogs_taken``
    counts gradient evaluations per chain.

    >>> kernel = NoUTurnSampler(lambda x: -0.5 * wb.reduce_sum(x * x, axis=-1), step_size=0.5)
    >>> x0 = wb.zeros([4, 3])
    >>> x1, kr = kernel.one_step(x0, kernel.bootstrap_results(x0), seed=0)
    >>> x1.shape, kr.leapfrogs_taken.shape
    ((4, 3), (4,))
    """

    # the trajectory's length is decided in Python from the data: sample_chain runs the step
    # eagerly rather than trying to compile it
    _step_reads_values = True

    def __init__(self, target_log_prob_fn, step_size, max_tree_depth=10, max_energy_diff=1000.0,
                 unrolled_leapfrog_steps=1, parallel_iterations=10, experimental_shard_axis_names=None,
                 name=None):
        if int(max_tree_depth) < 1:
            raise ValueError(f"NoUTurnSampler: max_tree_depth must be at least 1, got {max_tree_depth!r}")
        if int(unrolled_leapfrog_steps) < 1:
            raise ValueError("NoUTurnSampler: unrolled_leapfrog_steps must be at least 1, "
                             f"got {unrolled_leapfrog_steps!r}")
        self._parameters = dict(target_log_prob_fn=target_log_prob_fn, step_size=step_size,
                                max_tree_depth=max_tree_depth, max_energy_diff=max_energy_diff,
                                unrolled_leapfrog_steps=unrolled_leapfrog_steps,
                                parallel_iterations=parallel_iterations,
                                experimental_shard_axis_names=experimental_shard_axis_names, name=name)

    target_log_prob_fn = parameter("target_log_prob_fn")
    step_size = parameter("step_size")
    max_tree_depth = parameter("max_tree_depth", int)
    max_energy_diff = parameter("max_energy_diff", float)
    unrolled_leapfrog_steps = parameter("unrolled_leapfrog_steps", int)

    @property
    def is_calibrated(self):
        return True

    def bootstrap_results(self, init_state):
        parts = internal.float_parts(init_state, "NoUTurnSampler")
        tlp, grads = internal.call_fn_and_grads(self.target_log_prob_fn, parts,
                                                "NoUTurnSampler: target_log_prob_fn", check=True)
        sizes = step_size_parts(self.step_size, parts, "NoUTurnSampler")
        false = wb.zeros_like(tlp, dtype=bool)
        return NUTSKernelResults(
            target_log_prob=tlp, grads_target_log_prob=grads,
            step_size=internal.like_input(sizes, self.step_size),
            log_accept_ratio=wb.zeros_like(tlp), leapfrogs_taken=wb.zeros_like(tlp, dtype=np.int32),
            is_accepted=false, reach_max_depth=false, has_divergence=false, energy=-tlp)

    # -- one transition ---------------------------------------------------------
    def one_step(self, current_state, previous_kernel_results, seed=None):
        pkr = previous_kernel_results
        parts = internal.float_parts(current_state, "NoUTurnSampler")
        tlp0 = pkr.target_log_prob
        chain_shape, chain_ndims = tuple(tlp0.shape), tlp0.ndim
        sizes = step_size_parts(pkr.step_size, parts, "NoUTurnSampler")
        seeds = internal.seed_stream(seed, self.max_tree_depth + len(parts), "nuts")
        momentum = [wb.random.stateless_normal(x.shape, seed=s, dtype=x.dtype)
                    for x, s in zip(parts, seeds[self.max_tree_depth:])]
        energy0 = kinetic_energy(momentum, chain_ndims) - tlp0
        left = right = _End(parts, momentum, pkr.grads_target_log_prob)
        proposal = _Candidate(parts, tlp0, pkr.grads_target_log_prob, energy0)
        log_weight = wb.zeros_like(tlp0)
        rho = momentum
        done = wb.zeros_like(tlp0, dtype=bool)
        moved = done
        diverged = done
        sum_accept_prob = wb.zeros_like(tlp0)
        num_leaves = wb.zeros_like(tlp0)
        for depth in range(self.max_tree_depth):
            if bool(wb.reduce_all(done)):
                break
            active = wb.logical_not(done)
            u = wb.random.stateless_uniform((2 + 2 ** depth,) + chain_shape, seed=seeds[depth], dtype=tlp0.dtype)
            going_right = u[0] < 0.5
            direction = 2.0 * wb.cast(going_right, tlp0.dtype) - 1.0
            eps = [s * internal.expand_like(direction, x) for s, x in zip(sizes, parts)]
            origin = internal.choose(going_right, right, left)
            outer = internal.choose(going_right, left, right)
            sub = self._build_subtree(depth, origin, eps, active, wb.log1p(-u[2:]), energy0, chain_ndims)

            # biased progressive sampling: jump to the new subtree with prob min(1, W_new / W_old)
            usable = wb.logical_and(active, wb.logical_not(wb.logical_or(sub.turning, sub.diverging)))
            jump = wb.logical_and(usable, wb.log1p(-u[1]) < sub.log_weight - log_weight)
            proposal = internal.choose(jump, sub.proposal, proposal)
            moved = wb.logical_or(moved, jump)
            log_weight = wb.where(usable, _logaddexp(log_weight, sub.log_weight), log_weight)
            right = internal.choose(wb.logical_and(active, going_right), sub.end, right)
            left = internal.choose(wb.logical_and(active, wb.logical_not(going_right)), sub.end, left)
            # the merged tree, and the checks across the merge (Stan's extra criteria)
            across_old = _is_turning(outer.momentum, sub.first_momentum,
                                     [r + p for r, p in zip(rho, sub.first_momentum)], chain_ndims)
            across_new = _is_turning(origin.momentum, sub.end.momentum,
                                     [r + p for r, p in zip(sub.rho, origin.momentum)], chain_ndims)
            rho = internal.choose(active, [r + s for r, s in zip(rho, sub.rho)], rho)
            turning = wb.logical_or(_is_turning(left.momentum, right.momentum, rho, chain_ndims),
                                    wb.logical_or(across_old, across_new))
            sum_accept_prob = sum_accept_prob + sub.sum_accept_prob
            num_leaves = num_leaves + sub.num_leaves
            diverged = wb.logical_or(diverged, wb.logical_and(active, sub.diverging))
            stop = wb.logical_or(wb.logical_or(sub.turning, sub.diverging), turning)
            done = wb.logical_or(done, wb.logical_and(active, stop))

        mean_accept = sum_accept_prob / wb.maximum(num_leaves, 1.0)
        with np.errstate(divide="ignore"):  # every leaf divergent: the log is -inf, as in TFP
            log_accept_ratio = wb.log(mean_accept)
        next_parts = proposal.state
        results = NUTSKernelResults(
            target_log_prob=proposal.target_log_prob,
            grads_target_log_prob=proposal.grads,
            step_size=pkr.step_size,
            log_accept_ratio=log_accept_ratio,
            leapfrogs_taken=wb.cast(num_leaves, np.int32) * self.unrolled_leapfrog_steps,
            is_accepted=moved,
            reach_max_depth=wb.logical_not(done),
            has_divergence=diverged,
            energy=proposal.energy)
        return internal.like_input(next_parts, current_state), results

    def _build_subtree(self, depth, origin, eps, active, log_u, energy0, chain_ndims):
        """``2**depth`` leaves continuing from ``origin`` with signed step sizes ``eps``.

        Chains not ``active`` (and chains whose subtree has already turned or
        diverged) stay frozen. Within the subtree the proposal is drawn uniformly
        in proportion to the leaves' weights ``exp(energy0 - energy)``.

        Each leaf is :meth:`_leaf`, a fixed computation given its kind (even or odd, how many
        checkpoints it closes); only the decision to go on (is a chain still live?) reads data.
        """
        zeros = wb.zeros_like(energy0)
        no = wb.zeros_like(active)
        carry = _Leaves(point=origin, proposal=_Candidate(origin.state, zeros, origin.grads, energy0),
                        log_weight=zeros - np.inf, rho=[wb.zeros_like(p) for p in origin.momentum],
                        turning=no, diverging=no, sum_accept_prob=zeros, num_leaves=zeros,
                        previous=origin.momentum)
        # checkpoint slots (Phan et al., 2019): (momentum, rho, the momentum before) of an even leaf
        checkpoints = [None] * max(depth, 1)
        for leaf in range(2 ** depth):
            lo, hi = _checkpoint_range(leaf)
            even = leaf % 2 == 0
            previous = carry.previous
            carry, momentum, any_live = self._leaf(carry, active, eps, log_u[leaf], energy0,
                                                   [] if even else checkpoints[lo:hi + 1], even, chain_ndims)
            if even:
                checkpoints[hi] = (momentum, carry.rho, previous)
            if not bool(any_live):
                break
        first_momentum = checkpoints[0][0] if checkpoints[0] is not None else origin.momentum
        return _Subtree(carry.point, first_momentum, carry.proposal, carry.log_weight, carry.rho, carry.turning,
                        carry.diverging, carry.sum_accept_prob, carry.num_leaves)

    def _leapfrog(self, state, momentum, grads, eps):
        return leapfrog(self.target_log_prob_fn, state, momentum, grads, eps, self.unrolled_leapfrog_steps)

    def _integrate(self, state, momentum, grads, eps):
        """The leaf's leapfrog steps. The tree around them reads values in Python and runs
        eagerly, but the integrator has a fixed structure: outside a trace it runs as a
        ``wb.function`` program, traced once per state structure and replayed at every leaf
        (the target and its gradient without eager dispatch); a target that cannot be traced
        runs eagerly from then on, as does every leaf while a tape or accumulator watches."""
        program = self.__dict__.get("_leapfrog_program")
        if program is False or wb.config.functions_run_eagerly() or core.tracing() or core.tapes() or core.accumulators():
            return self._leapfrog(state, momentum, grads, eps)
        if program is None:
            program = self.__dict__["_leapfrog_program"] = wb.function(self._leapfrog, autograph=False)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UnreplayableWarning)
                warnings.simplefilter("ignore", RetracingWarning)
                out = program(list(state), list(momentum), list(grads), list(eps))
        except Exception:
            self.__dict__["_leapfrog_program"] = False
            return self._leapfrog(state, momentum, grads, eps)
        if program.experimental_get_tracing_count() > 3:      # a target that retraces: not worth a program
            self.__dict__["_leapfrog_program"] = False
        return list(out[0]), list(out[1]), out[2], list(out[3])

    def _leaf(self, carry, active, eps, log_u, energy0, checkpoints, even, chain_ndims):
        """One leaf of a subtree: a leapfrog step for the live chains, the multinomial draw
        among the leaves so far, and (for an odd leaf) the U-turn checks of the balanced
        sub-subtrees it closes, which start at ``checkpoints``. Returns the new carry, the
        leaf's momentum and whether any chain is still live."""
        live = wb.logical_and(active, wb.logical_not(wb.logical_or(carry.turning, carry.diverging)))
        point = carry.point
        state, momentum, tlp, grads = self._integrate(point.state, point.momentum, point.grads, eps)
        energy = kinetic_energy(momentum, chain_ndims) - tlp
        delta = wb.where(wb.math.is_nan(energy), np.inf, energy - energy0)
        point = internal.choose(live, _End(state, momentum, grads), point)

        leaf_log_weight = -delta
        new_log_weight = _logaddexp(carry.log_weight, leaf_log_weight)
        take = wb.logical_and(live, log_u < leaf_log_weight - new_log_weight)
        proposal = internal.choose(take, _Candidate(state, tlp, grads, energy), carry.proposal)
        log_weight = wb.where(live, new_log_weight, carry.log_weight)
        rho = internal.choose(live, [r + p for r, p in zip(carry.rho, momentum)], carry.rho)
        live_f = wb.cast(live, energy0.dtype)
        sum_accept_prob = carry.sum_accept_prob + live_f * wb.exp(wb.minimum(-delta, 0.0))
        num_leaves = carry.num_leaves + live_f
        diverging = wb.logical_or(carry.diverging, wb.logical_and(live, delta > self.max_energy_diff))

        turning = carry.turning
        if not even:
            last = len(checkpoints) - 1
            for k in range(last, -1, -1):
                p_k, rho_k, _ = checkpoints[k]
                turn = _is_turning(p_k, momentum, _span(rho, momentum, rho_k, p_k), chain_ndims)
                if k < last:
                    # the two halves start at slots k and k + 1: check across their junction
                    p_j, rho_j, p_before_j = checkpoints[k + 1]
                    first_half = [rj - pj - ra + pa for rj, pj, ra, pa in zip(rho_j, p_j, rho_k, p_k)]
                    second_half = _span(rho, momentum, rho_j, p_j)
                    turn = wb.logical_or(turn, wb.logical_or(
                        _is_turning(p_k, p_j, [r + p for r, p in zip(first_half, p_j)], chain_ndims),
                        _is_turning(p_before_j, momentum, [r + p for r, p in zip(second_half, p_before_j)],
                                    chain_ndims)))
                turning = wb.logical_or(turning, wb.logical_and(live, turn))
        carry = _Leaves(point, proposal, log_weight, rho, turning, diverging, sum_accept_prob, num_leaves, momentum)
        still = wb.logical_and(active, wb.logical_not(wb.logical_or(turning, diverging)))
        return carry, momentum, wb.reduce_any(still)


def _span(rho, momentum, rho_at_start, momentum_at_start):
    """Summed momenta from a checkpointed leaf to the current one (both included)."""
    return [r - rs + ps for r, rs, ps in zip(rho, rho_at_start, momentum_at_start)]
