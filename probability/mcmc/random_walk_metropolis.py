"""Random-walk Metropolis: symmetric proposals around the current state, then accept/reject."""

from __future__ import annotations

import collections

import workbench as wb

from . import internal
from ..internal import samplers
from .kernel import TransitionKernel
from .metropolis_hastings import MetropolisHastings

__all__ = ["RandomWalkMetropolis", "UncalibratedRandomWalk", "UncalibratedRandomWalkResults",
           "random_walk_normal_fn", "random_walk_uniform_fn"]

UncalibratedRandomWalkResults = collections.namedtuple(
    "UncalibratedRandomWalkResults", ["log_acceptance_correction", "target_log_prob"])


def random_walk_normal_fn(scale=1.0, name=None):
    """A proposal ``new_state_fn(state_parts, seed)`` adding ``Normal(0, scale)`` noise to each part.

    ``scale`` is a number, a Tensor broadcasting against the parts, or a list with one per part.
    """
    def _fn(state_parts, seed):
        scales = internal.broadcast_parts(scale, len(state_parts), "scale", "random_walk_normal_fn")
        seeds = samplers.split_seed(seed, n=len(state_parts))
        return [samplers.normal(x.shape, mean=x, dtype=x.dtype, seed=sd,
                                stddev=internal.as_float_tensor(s, x.dtype, "scale", "random_walk_normal_fn"))
                for x, s, sd in zip(state_parts, scales, seeds)]
    return _fn


def random_walk_uniform_fn(scale=1.0, name=None):
    """A proposal adding ``Uniform(-scale, scale)`` noise to each state part."""
    def _fn(state_parts, seed):
        scales = internal.broadcast_parts(scale, len(state_parts), "scale", "random_walk_uniform_fn")
        seeds = samplers.split_seed(seed, n=len(state_parts))
        scales = [internal.as_float_tensor(s, x.dtype, "scale", "random_walk_uniform_fn")
                  for x, s in zip(state_parts, scales)]
        return [samplers.uniform(x.shape, minval=x - s, maxval=x + s, dtype=x.dtype, seed=sd)
                for x, s, sd in zip(state_parts, scales, seeds)]
    return _fn


class UncalibratedRandomWalk(TransitionKernel):
    """The random-walk proposal alone; ``new_state_fn`` must be symmetric (the correction is 0)."""

    def __init__(self, target_log_prob_fn, new_state_fn=None, name=None):
        self._parameters = dict(target_log_prob_fn=target_log_prob_fn, new_state_fn=new_state_fn, name=name)
        self._new_state_fn = new_state_fn if new_state_fn is not None else random_walk_normal_fn()

    @property
    def target_log_prob_fn(self):
        return self._parameters["target_log_prob_fn"]

    @property
    def new_state_fn(self):
        return self._new_state_fn

    @property
    def is_calibrated(self):
        return False

    def bootstrap_results(self, init_state):
        parts = internal.float_parts(init_state, type(self).__name__)
        tlp = internal.call_fn(self.target_log_prob_fn, parts)
        internal.check_log_prob(tlp, parts, f"{type(self).__name__}: target_log_prob_fn")
        return UncalibratedRandomWalkResults(log_acceptance_correction=wb.zeros_like(tlp), target_log_prob=tlp)

    def one_step(self, current_state, previous_kernel_results, seed=None):
        parts = internal.float_parts(current_state, type(self).__name__)
        proposed = internal.as_list(self._new_state_fn(parts, samplers.sanitize_seed(seed)))
        if len(proposed) != len(parts):
            raise ValueError(f"{type(self).__name__}: new_state_fn returned {len(proposed)} parts, "
                             f"the state has {len(parts)}")
        tlp = internal.call_fn(self.target_log_prob_fn, proposed)
        return (internal.like_input(proposed, current_state),
                UncalibratedRandomWalkResults(log_acceptance_correction=wb.zeros_like(tlp), target_log_prob=tlp))


class RandomWalkMetropolis(TransitionKernel):
    """Random-walk Metropolis: propose with ``new_state_fn`` (default: ``Normal(0, 1)`` steps),
    accept with probability ``min(1, p(x') / p(x))``, independently per chain.

    >>> kernel = RandomWalkMetropolis(lambda x: -0.5 * x * x,
    ...                               new_state_fn=random_walk_normal_fn(scale=2.0))
    """

    def __init__(self, target_log_prob_fn, new_state_fn=None, name=None):
        self._parameters = dict(target_log_prob_fn=target_log_prob_fn, new_state_fn=new_state_fn, name=name)
        self._impl = MetropolisHastings(UncalibratedRandomWalk(target_log_prob_fn, new_state_fn, name))

    @property
    def target_log_prob_fn(self):
        return self._parameters["target_log_prob_fn"]

    @property
    def new_state_fn(self):
        return self._impl.inner_kernel.new_state_fn

    @property
    def is_calibrated(self):
        return True

    def bootstrap_results(self, init_state):
        return self._impl.bootstrap_results(init_state)

    def one_step(self, current_state, previous_kernel_results, seed=None):
        return self._impl.one_step(current_state, previous_kernel_results, seed=seed)
