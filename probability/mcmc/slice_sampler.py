"""The slice sampler (Neal 2003) along a random direction: stepping out by doubling, then
shrinkage with Neal's acceptance test, independently per chain (``tfp.mcmc.SliceSampler``)."""

from __future__ import annotations

import collections

import numpy as np

import workbench as wb

from ..distributions.bernoulli import Bernoulli
from ..distributions.gamma import random_gamma
from ..internal import samplers
from ..random import spherical_uniform
from . import internal
from ._params import parameter
from .kernel import TransitionKernel

__all__ = ["SliceSampler", "SliceSamplerKernelResults"]

SliceSamplerKernelResults = collections.namedtuple(
    "SliceSamplerKernelResults",
    ["target_log_prob", "bounds_satisfied", "direction", "upper_bounds", "lower_bounds", "seed"])

_MAX_SHRINKS = 1000   # TFP loops until every chain accepts; this only stops a target that never does


class SliceSampler(TransitionKernel):
    """Slice sampling along a direction drawn uniformly on the unit sphere of the whole state (all
    parts together, per chain); a one-dimensional state gets plain univariate slice sampling.

    Each step draws a slice level ``tlp(x) - Exponential(1)``, places an interval of width
    ``step_size`` at random around ``x``, doubles it (at most ``max_doublings`` times) until both ends
    fall below the level, then samples uniformly in it, shrinking toward ``x`` on rejection. The
    acceptance test of Neal (2003, fig. 6) keeps the doubling reversible, so the kernel leaves the
    target invariant (``is_calibrated``). ``bounds_satisfied`` reports the chains whose interval
    reached both ends of the slice.

    >>> kernel = SliceSampler(lambda x: -0.5 * x * x, step_size=1.0, max_doublings=5)
    """

    # the doubling and shrinking loops end when every chain is done: the step reads values
    _step_reads_values = True

    def __init__(self, target_log_prob_fn, step_size, max_doublings, experimental_shard_axis_names=None,
                 name=None):
        self._parameters = dict(target_log_prob_fn=target_log_prob_fn, step_size=step_size,
                                max_doublings=max_doublings, experimental_shard_axis_names=None, name=name)
        if int(max_doublings) < 0:
            raise ValueError(f"SliceSampler: max_doublings must be >= 0, got {max_doublings}")

    target_log_prob_fn = parameter("target_log_prob_fn")
    step_size = parameter("step_size")
    max_doublings = parameter("max_doublings", int)

    @property
    def is_calibrated(self):
        return True

    def bootstrap_results(self, init_state):
        parts = internal.float_parts(init_state, "SliceSampler")
        tlp = internal.call_fn(self.target_log_prob_fn, parts)
        internal.check_log_prob(tlp, parts, "SliceSampler: target_log_prob_fn")
        zero = wb.zeros_like(tlp)
        return SliceSamplerKernelResults(
            target_log_prob=tlp, bounds_satisfied=wb.zeros(list(tlp.shape), dtype=wb.bool),
            direction=[wb.zeros_like(p) for p in parts], upper_bounds=zero, lower_bounds=zero,
            seed=wb.zeros([2], dtype=wb.int64))

    def one_step(self, current_state, previous_kernel_results, seed=None):
        # TFP 0.25's algorithm and seed flow: a direction per part (spherical_uniform of its
        # event), then one-dimensional slice sampling of the distance along it
        parts = internal.float_parts(current_state, "SliceSampler")
        chain_ndims = previous_kernel_results.target_log_prob.ndim
        dtype = parts[0].dtype
        seed = samplers.sanitize_seed(seed)
        direction_seed, slice_seed = samplers.split_seed(seed)
        direction = []
        for p, s in zip(parts, samplers.split_seed(direction_seed, n=len(parts))):
            batch, event = tuple(p.shape[:chain_ndims]), tuple(p.shape[chain_ndims:])
            unit = spherical_uniform(batch, int(np.prod(event, dtype=np.int64)), dtype=dtype, seed=s)
            direction.append(wb.reshape(unit, tuple(p.shape)))
        steps = [internal.as_float_tensor(v, dtype, "step_size", "SliceSampler")
                 for v in internal.broadcast_parts(self.step_size, len(parts), "step_size", "SliceSampler")]
        # the step size along the direction: 1 / |direction / step_size|
        width = wb.math.rsqrt(wb.add_n([internal.sum_event(wb.square(d / st), chain_ndims)
                                        for d, st in zip(direction, steps)]))

        def log_prob_at(t):
            return internal.call_fn(self.target_log_prob_fn,
                                    [p + internal.expand_like(t, p) * d for p, d in zip(parts, direction)])

        x0 = wb.zeros_like(previous_kernel_results.target_log_prob)
        t, tlp, bounds_satisfied, upper, lower = _slice_one_dim(log_prob_at, x0, width, self.max_doublings,
                                                                slice_seed)
        new_parts = [p + internal.expand_like(t, p) * d for p, d in zip(parts, direction)]
        results = SliceSamplerKernelResults(
            target_log_prob=tlp, bounds_satisfied=bounds_satisfied, direction=direction,
            upper_bounds=upper, lower_bounds=lower, seed=wb.cast(seed, wb.int64))
        return internal.like_input(new_parts, current_state), results


def _slice_one_dim(log_prob_at, x0, step_size, max_doublings, seed):
    """One-dimensional slice sampling from ``x0`` per chain (Neal 2003): ``(x, log_prob(x),
    bounds_satisfied, upper, lower)``, with TFP's seeds and its doubling all drawn at once."""
    gamma_seed, bounds_seed, sample_seed = samplers.split_seed(seed, n=3, salt="ssu.slice_sampler_one_dim")
    dtype = x0.dtype
    heights = log_prob_at(x0) - random_gamma(tuple(x0.shape), wb.ones([], dtype=dtype), seed=gamma_seed)
    upper, lower, satisfied = _bounds_by_doubling(x0, log_prob_at, heights, max_doublings, step_size, bounds_seed)
    x = _sample_with_shrinkage(x0, log_prob_at, heights, step_size, lower, upper, sample_seed)
    return x, log_prob_at(x), satisfied, upper, lower


def _bounds_by_doubling(x0, log_prob_at, heights, max_doublings, step_size, seed):
    """The interval of each chain: all ``max_doublings + 1`` doublings drawn at once (a coin picks
    the side of each), the first whose ends both lie below the slice kept (the widest if none)."""
    left_seed, increments_seed = samplers.split_seed(seed, salt="slice_bounds_by_doubling")
    shape, dtype, k = tuple(x0.shape), x0.dtype, max_doublings + 1
    left0 = x0 + step_size * samplers.uniform(shape, minval=-1.0, maxval=0.0, dtype=dtype, seed=left_seed)
    # TFP 0.25 builds this coin as ``Bernoulli(0.5)``, which is logits 0.5: it goes left with
    # probability sigmoid(0.5) ~ 0.62, not 1/2 (the interval stays valid either way)
    expand_left = Bernoulli(logits=wb.constant(0.5, dtype=dtype), dtype=dtype).sample((k,) + shape,
                                                                                      seed=increments_seed)
    widths = wb.reshape(wb.constant(2.0 ** np.arange(k), dtype=dtype), (k,) + (1,) * len(shape)) * step_size
    left = left0 - wb.math.cumsum(widths * expand_left, axis=0, exclusive=True)
    right = left + widths
    left_ok = wb.stack([log_prob_at(left[i]) for i in range(k)]) < heights
    right_ok = wb.stack([log_prob_at(right[i]) for i in range(k)]) < heights
    both_ok = wb.logical_and(left_ok, right_ok)
    # the first doubling whose ends are both out, else the last: argmax of (2k - i) flag + i
    score = (wb.reshape(wb.range(2 * k, k, -1), (k,) + (1,) * len(shape)) * wb.cast(both_ok, wb.int32)
             + wb.reshape(wb.range(k), (k,) + (1,) * len(shape)))
    pick = wb.one_hot(wb.argmax(score, axis=0, output_type=wb.int32), k, on_value=True, off_value=False,
                      axis=0, dtype=wb.bool)
    lower = wb.reduce_sum(wb.where(pick, left, wb.zeros_like(left)), axis=0)
    upper = wb.reduce_sum(wb.where(pick, right, wb.zeros_like(right)), axis=0)
    return upper, lower, wb.reduce_any(both_ok, axis=0)


def _sample_with_shrinkage(x0, log_prob_at, heights, step_size, lower, upper, seed):
    """Uniform proposals in the interval, shrunk toward ``x0`` on rejection, until every chain
    takes one that is in the slice and passes Neal's test for doubled intervals."""
    seed = samplers.sanitize_seed(seed)
    found = wb.zeros(list(x0.shape), dtype=wb.bool)
    x, left, right = x0, lower, upper
    for _ in range(_MAX_SHRINKS):
        if bool(wb.reduce_all(found).numpy()):
            return x
        proportions_seed, seed = samplers.split_seed(seed)
        u = samplers.uniform(tuple(x0.shape), dtype=x0.dtype, seed=proportions_seed)
        x = wb.where(found, x, left + u * (right - left))
        acceptable = _doubling_accepts(x0, log_prob_at, found, heights, x, step_size, left, right)
        found = wb.logical_or(found, wb.logical_and(heights < log_prob_at(x), acceptable))
        left = wb.where(x < x0, x, left)
        right = wb.where(x >= x0, x, right)
    raise wb.errors.InternalError(None, None, f"SliceSampler: no chain state accepted in {_MAX_SHRINKS} "
                                  "shrinkage steps")


def _doubling_accepts(x0, log_prob_at, decided, heights, x, step_size, lower, upper):
    """Neal's test (2003, fig. 6): could doubling from ``x`` have produced this interval?"""
    d = wb.zeros(list(x0.shape), dtype=wb.bool)
    acceptable = wb.ones(list(x0.shape), dtype=wb.bool)
    left, right = lower, upper
    while not bool(wb.reduce_all(decided).numpy()):
        mid = (left + right) / 2.0
        divided = wb.logical_or(wb.logical_and(x0 < mid, x >= mid), wb.logical_and(x < mid, x0 >= mid))
        d = wb.logical_or(d, divided)
        right = wb.where(x < mid, mid, right)
        left = wb.where(x >= mid, mid, left)
        unacceptable = wb.logical_and(d, wb.logical_and(heights >= log_prob_at(left), heights >= log_prob_at(right)))
        now_decided = wb.logical_and(wb.logical_not(decided), unacceptable)
        acceptable = wb.where(now_decided, wb.logical_not(unacceptable), acceptable)
        decided = wb.logical_or(wb.logical_or(decided, right - left <= 1.1 * step_size), now_decided)
    return acceptable
