"""The No-U-Turn Sampler: HMC that picks its trajectory length, vectorized over chains.

Each step draws a momentum and doubles a trajectory forwards or backwards in
time (a random direction per chain and doubling) until the trajectory makes a
U-turn, diverges, or reaches ``2**max_tree_depth`` leaves. The next state is
drawn from the trajectory by multinomial sampling: progressive sampling in
proportion to ``exp(-H)`` inside each new subtree, and biased progressive
sampling when a subtree joins the tree (Betancourt, 2017, appendix A). The
U-turn criterion is the generalized one on the summed momenta ``rho``
(``p_left . rho >= 0`` and ``p_right . rho >= 0`` to go on), checked on the whole
trajectory after each doubling and, inside a subtree, on every balanced
sub-subtree as its last leaf is built (the iterative scheme of Phan et al., 2019).

The random draws follow TFP 0.25's seed flow, so a seed gives TFP's chain: the
step's seed splits into a momentum seed and a doubling seed; each doubling splits
its seed into the direction's, the subtree's, the merge test's and the next
doubling's; each leaf of a subtree splits the subtree's seed into its own
acceptance test's and the next leaf's.

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
from ..internal import samplers
from ._params import parameter
from .hmc import leapfrog, step_size_parts
from .kernel import TransitionKernel

__all__ = ["NoUTurnSampler", "NUTSKernelResults"]

NUTSKernelResults = collections.namedtuple(
    "NUTSKernelResults",
    ["target_log_prob", "grads_target_log_prob", "step_size", "log_accept_ratio", "leapfrogs_taken",
     "is_accepted", "reach_max_depth", "has_divergence", "energy", "seed"])

# an end of a trajectory, per chain: where the integrator continues from
_End = collections.namedtuple("_End", ["state", "momentum", "target_log_prob", "grads"])
# a candidate for the next state, per chain; ``energy`` is ``-H`` (TFP's sign), ``log_weight``
# the log of the summed ``exp(-H + H0)`` of the leaves it was drawn from
_Candidate = collections.namedtuple("_Candidate", ["state", "target_log_prob", "grads", "energy", "log_weight"])
# what a subtree's leaves carry from one to the next
_Leaves = collections.namedtuple(
    "_Leaves", ["end", "candidate", "rho", "going", "not_diverged", "sum_accept_prob", "leapfrogs"])


def _dot(a_parts, b_parts, chain_ndims):
    return wb.add_n([internal.sum_event(a * b, chain_ndims) for a, b in zip(a_parts, b_parts)])


def _no_u_turn(rho, p_left, p_right, chain_ndims):
    """The generalized criterion holds at both ends: the trajectory may go on."""
    return wb.logical_and(_dot(rho, p_left, chain_ndims) >= 0, _dot(rho, p_right, chain_ndims) >= 0)


def _log_add_exp(a, b):
    """``log(exp(a) + exp(b))`` (NaN where both are -inf, as TFP's)."""
    big = wb.maximum(a, b)
    return big + wb.math.softplus((a - big) + (b - big))


def negative_hamiltonian(target_log_prob, momentum_parts, chain_ndims):
    """``target_log_prob - sum(p**2) / 2`` per chain (what TFP's NUTS calls the energy)."""
    return target_log_prob - 0.5 * wb.add_n([internal.sum_event(wb.square(p), chain_ndims)
                                             for p in momentum_parts])


def _trailing_zeros(n):
    return (n & -n).bit_length() - 1


class NoUTurnSampler(TransitionKernel):
    """The No-U-Turn Sampler (Hoffman & Gelman, 2014) with multinomial sampling.

    Args:
        target_log_prob_fn: ``fn(*state_parts)`` -> one log-density per chain.
        step_size: leapfrog step size (a float, a Tensor broadcasting against the
            state, e.g. per chain, or a list with one per state part).
        max_tree_depth: at most ``2**max_tree_depth - 1`` leapfrog steps per step.
        max_energy_diff: an energy error above this marks the trajectory divergent.
        unrolled_leapfrog_steps: leapfrog steps per tree leaf.

    The results are ``NUTSKernelResults`` (TFP's fields): ``log_accept_ratio`` is the
    log of the mean acceptance probability over the leaves built (what step-size
    adaptation reads), ``is_accepted`` says whether the chain moved,
    ``leapfrogs_taken`` counts leaves times ``unrolled_leapfrog_steps``, ``energy`` is
    the chosen point's ``-H`` (target minus kinetic energy) and ``seed`` the step's seed.

    >>> kernel = NoUTurnSampler(lambda x: -0.5 * wb.reduce_sum(x * x, axis=-1), step_size=0.5)
    >>> x0 = wb.zeros([4, 3])
    >>> x1, kr = kernel.one_step(x0, kernel.bootstrap_results(x0), seed=(1, 2))
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
            raise ValueError(f"max_tree_depth must be known statically and >= 1 but was {max_tree_depth}")
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
    parallel_iterations = parameter("parallel_iterations")

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
            is_accepted=false, reach_max_depth=false, has_divergence=false,
            # TFP's value: -H at a momentum of ones
            energy=negative_hamiltonian(tlp, [wb.ones_like(x) for x in parts], tlp.ndim),
            seed=samplers.zeros_seed())

    # -- one transition ---------------------------------------------------------
    def one_step(self, current_state, previous_kernel_results, seed=None):
        pkr = previous_kernel_results
        seed = samplers.sanitize_seed(seed)
        start_seed, loop_seed = samplers.split_seed(seed)
        parts = internal.float_parts(current_state, "NoUTurnSampler")
        tlp0 = pkr.target_log_prob
        chain_shape, chain_ndims = tuple(tlp0.shape), tlp0.ndim
        sizes = step_size_parts(pkr.step_size, parts, "NoUTurnSampler")
        momentum_seeds = samplers.split_seed(start_seed, n=len(parts) + 1)
        momentum = [samplers.normal(x.shape, seed=s, dtype=x.dtype) for x, s in zip(parts, momentum_seeds)]
        energy0 = negative_hamiltonian(tlp0, momentum, chain_ndims)

        left = right = _End(parts, momentum, tlp0, pkr.grads_target_log_prob)
        candidate = _Candidate(parts, tlp0, pkr.grads_target_log_prob, energy0, wb.zeros_like(energy0))
        rho = momentum
        going = wb.ones_like(tlp0, dtype=bool)
        not_diverged = going
        moved = wb.zeros_like(tlp0, dtype=bool)
        sum_accept_prob = wb.zeros_like(tlp0)
        leapfrogs = wb.zeros_like(tlp0, dtype=np.int32)
        for depth in range(self.max_tree_depth):
            if not bool(wb.reduce_any(going)):
                break
            direction_seed, subtree_seed, merge_seed, loop_seed = samplers.split_seed(loop_seed, n=4)
            forward = wb.cast(samplers.uniform(chain_shape, minval=0, maxval=2, dtype=wb.int32,
                                               seed=direction_seed), bool)
            eps = [wb.where(internal.expand_like(forward, x), s, -s) for s, x in zip(sizes, parts)]
            origin = internal.choose(forward, right, left)
            sub = self._build_subtree(2 ** depth, origin, eps, going, not_diverged, energy0, chain_ndims,
                                      subtree_seed)

            # biased progressive sampling: jump to the new subtree with prob min(1, W_new / W_old)
            tree_log_weight = wb.where(sub.going, sub.candidate.log_weight,
                                       wb.constant(-np.inf, dtype=energy0.dtype))
            log_weight = _log_add_exp(tree_log_weight, candidate.log_weight)
            threshold = tree_log_weight - candidate.log_weight
            threshold = wb.where(wb.math.is_nan(threshold), wb.zeros_like(threshold), threshold)
            log_u = wb.math.log1p(-samplers.uniform(chain_shape, dtype=energy0.dtype, seed=merge_seed))
            jump = wb.logical_and(log_u <= threshold, sub.going)
            candidate = internal.choose(jump, sub.candidate, candidate)._replace(log_weight=log_weight)
            moved = wb.logical_or(moved, jump)

            right = internal.choose(forward, sub.end, right)
            left = internal.choose(forward, left, sub.end)
            rho = [r + s for r, s in zip(rho, sub.rho)]
            going = wb.logical_and(sub.going, _no_u_turn(rho, left.momentum, right.momentum, chain_ndims))
            not_diverged = sub.not_diverged
            sum_accept_prob = sum_accept_prob + sub.sum_accept_prob
            leapfrogs = leapfrogs + sub.leapfrogs

        with np.errstate(divide="ignore", invalid="ignore"):
            log_accept_ratio = wb.math.log(sum_accept_prob / wb.cast(leapfrogs, sum_accept_prob.dtype))
        results = NUTSKernelResults(
            target_log_prob=candidate.target_log_prob,
            grads_target_log_prob=candidate.grads,
            step_size=pkr.step_size,
            log_accept_ratio=log_accept_ratio,
            leapfrogs_taken=leapfrogs * self.unrolled_leapfrog_steps,
            is_accepted=moved,
            reach_max_depth=going,
            has_divergence=wb.logical_not(not_diverged),
            energy=candidate.energy,
            seed=seed)
        return internal.like_input(candidate.state, current_state), results

    def _build_subtree(self, num_leaves, origin, eps, going, not_diverged, energy0, chain_ndims, seed):
        """``num_leaves`` leaves continuing from ``origin`` with signed step sizes ``eps``.

        A chain goes on while it has not diverged and no balanced sub-subtree ending at the
        leaf just built makes a U-turn; a chain that has stopped stays frozen. Returns the
        last ``_Leaves``: its ``candidate`` is drawn in proportion to the leaves' ``exp(-H)``.
        """
        carry = _Leaves(origin,
                        _Candidate(origin.state, origin.target_log_prob, origin.grads, origin.target_log_prob,
                                   wb.zeros_like(energy0) - np.inf),
                        [wb.zeros_like(p) for p in origin.momentum], going, not_diverged,
                        wb.zeros_like(energy0), wb.zeros_like(energy0, dtype=np.int32))
        # the leaves that start a balanced sub-subtree: their momentum and the summed momenta before them
        starts = {}
        top = _trailing_zeros(num_leaves)
        for leaf in range(num_leaves):
            if not bool(wb.reduce_any(carry.going)):
                break
            accept_seed, seed = samplers.split_seed(seed)
            closes = []
            k = 1
            while k <= top and (leaf + 1) % (2 ** k) == 0:
                closes.append(leaf + 1 - 2 ** k)
                k += 1
            rho_before = carry.rho
            carry, momentum = self._leaf(carry, eps, energy0, [starts[j] for j in closes], chain_ndims,
                                         accept_seed)
            if leaf % 2 == 0 and leaf + 1 < num_leaves:
                starts[leaf] = (momentum, rho_before)
            for j in closes:       # a start is last read by the sub-subtree as long as its alignment allows
                if j + 2 ** min(_trailing_zeros(j) if j else top, top) - 1 == leaf:
                    del starts[j]
        return carry

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

    def _leaf(self, carry, eps, energy0, starts, chain_ndims, seed):
        """One leaf of a subtree: a leapfrog step for the live chains, the multinomial draw among
        the leaves so far, and the U-turn checks of the balanced sub-subtrees it closes (which
        begin at ``starts``). Returns the new carry and the leaf's momentum."""
        live = carry.going
        end = carry.end
        state, momentum, tlp, grads = self._integrate(end.state, end.momentum, end.grads, eps)
        rho = [r + p for r, p in zip(carry.rho, momentum)]
        no_turn = wb.ones_like(live)
        for p_start, rho_before in starts:
            span = [r - rb for r, rb in zip(rho, rho_before)]
            no_turn = wb.logical_and(no_turn, _no_u_turn(span, p_start, momentum, chain_ndims))

        energy = negative_hamiltonian(tlp, momentum, chain_ndims)
        energy = wb.where(wb.math.is_nan(energy), wb.constant(-np.inf, dtype=energy.dtype), energy)
        energy_diff = energy - energy0
        not_divergent = -energy_diff < self.max_energy_diff
        log_weight = _log_add_exp(carry.candidate.log_weight, energy_diff)
        log_u = wb.math.log1p(-samplers.uniform(tuple(energy0.shape), dtype=energy0.dtype, seed=seed))
        take = wb.logical_and(live, log_u <= energy_diff - log_weight)
        candidate = internal.choose(take, _Candidate(state, tlp, grads, energy, log_weight), carry.candidate)
        candidate = candidate._replace(log_weight=wb.where(live, log_weight, carry.candidate.log_weight))

        going = wb.logical_and(live, not_divergent)
        accept_prob = wb.exp(wb.minimum(energy_diff, 0.0))
        carry = _Leaves(
            end=internal.choose(live, _End(state, momentum, tlp, grads), end),
            candidate=candidate,
            rho=internal.choose(live, rho, carry.rho),
            going=wb.logical_and(going, no_turn),
            not_diverged=wb.logical_and(carry.not_diverged, wb.logical_or(wb.logical_not(live), not_divergent)),
            sum_accept_prob=wb.where(going, carry.sum_accept_prob + accept_prob, carry.sum_accept_prob),
            leapfrogs=wb.where(live, carry.leapfrogs + 1, carry.leapfrogs))
        return carry, momentum
