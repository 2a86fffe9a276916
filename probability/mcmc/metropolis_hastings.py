"""MetropolisHastings: the accept/reject step that calibrates a proposal kernel."""

from __future__ import annotations

import collections
import warnings

import workbench as wb

from . import internal
from ..internal import samplers
from .kernel import TransitionKernel

__all__ = ["MetropolisHastings", "MetropolisHastingsResults"]

MetropolisHastingsResults = collections.namedtuple(
    "MetropolisHastingsResults",
    ["accepted_results", "is_accepted", "log_accept_ratio", "proposed_state", "proposed_results", "extra"])


class MetropolisHastings(TransitionKernel):
    """Accepts or rejects the proposal of an uncalibrated ``inner_kernel``, chain by chain.

    The inner kernel's results must have ``target_log_prob`` and
    ``log_acceptance_correction`` (``log q(x | x') - log q(x' | x)``); the
    acceptance log-ratio is ``tlp(x') - tlp(x) + log_acceptance_correction``,
    and a NaN ratio rejects.

    >>> kernel = MetropolisHastings(UncalibratedRandomWalk(target_log_prob_fn))
    """

    def __init__(self, inner_kernel, name=None):
        self._parameters = dict(inner_kernel=inner_kernel, name=name)
        self._inner_kernel = inner_kernel

    @property
    def inner_kernel(self):
        return self._inner_kernel

    @property
    def is_calibrated(self):
        return True

    def bootstrap_results(self, init_state):
        pkr = self._inner_kernel.bootstrap_results(init_state)
        if pkr is None or not hasattr(pkr, "target_log_prob"):
            raise TypeError("MetropolisHastings: the inner kernel's results need a `target_log_prob` field")
        if self._inner_kernel.is_calibrated:
            warnings.warn("MetropolisHastings: the inner kernel is already calibrated; the extra "
                          "accept/reject step is unnecessary", stacklevel=2)
        tlp = pkr.target_log_prob
        return MetropolisHastingsResults(
            accepted_results=pkr,
            is_accepted=wb.ones_like(tlp, dtype=bool),
            log_accept_ratio=wb.zeros_like(tlp),
            proposed_state=init_state,
            proposed_results=pkr,
            extra=[])

    def one_step(self, current_state, previous_kernel_results, seed=None):
        # TFP's flow: the proposal's and the acceptance test's seeds split from the step's; with
        # no seed the inner kernel is called without one (it draws its own from the sequence)
        inner_seed, accept_seed = samplers.split_seed(samplers.sanitize_seed(seed))
        proposed_state, proposed_results = self._inner_kernel.one_step(
            current_state, previous_kernel_results.accepted_results, seed=None if seed is None else inner_seed)
        if not hasattr(proposed_results, "log_acceptance_correction"):
            raise TypeError("MetropolisHastings: the inner kernel's results need a "
                            "`log_acceptance_correction` field")
        previous_tlp = previous_kernel_results.accepted_results.target_log_prob
        log_accept_ratio = internal.nan_to_neg_inf(
            proposed_results.target_log_prob - previous_tlp + proposed_results.log_acceptance_correction)
        # log(u) with u in [0, 1), as TFP (log(0) = -inf accepts)
        log_uniform = wb.log(samplers.uniform(log_accept_ratio.shape, seed=accept_seed,
                                              dtype=log_accept_ratio.dtype))
        is_accepted = log_uniform < log_accept_ratio
        next_state = internal.like_input(
            internal.choose(is_accepted, internal.as_list(proposed_state), internal.as_list(current_state)),
            current_state)
        accepted_results = internal.choose(is_accepted, proposed_results,
                                           previous_kernel_results.accepted_results)
        return next_state, MetropolisHastingsResults(
            accepted_results=accepted_results,
            is_accepted=is_accepted,
            log_accept_ratio=log_accept_ratio,
            proposed_state=proposed_state,
            proposed_results=proposed_results,
            extra=previous_kernel_results.extra)

