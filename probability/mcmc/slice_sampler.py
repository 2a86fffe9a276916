"""The slice sampler (Neal 2003) along a random direction: stepping out by doubling, then
shrinkage with Neal's acceptance test, independently per chain (``tfp.mcmc.SliceSampler``)."""

from __future__ import annotations

import collections

import numpy as np

import workbench as wb

from . import internal
from ._params import parameter
from .kernel import TransitionKernel

__all__ = ["SliceSampler", "SliceSamplerKernelResults"]

SliceSamplerKernelResults = collections.namedtuple(
    "SliceSamplerKernelResults",
    ["target_log_prob", "bounds_satisfied", "direction", "upper_bounds", "lower_bounds", "seed"])

_MAX_SHRINKS = 200


def _seed_tensor(seed):
    """The step's seed pair as an int64 tensor, for the results (as TFP keeps it)."""
    return wb.cast(internal._pinternal.sanitize_seed(seed), wb.int64)


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
        parts = internal.float_parts(current_state, "SliceSampler")
        tlp0 = previous_kernel_results.target_log_prob
        chain_ndims = tlp0.ndim
        dtype = parts[0].dtype
        seeds = internal.seed_stream(seed, 6 + self.max_doublings + _MAX_SHRINKS, "slice")
        # a direction uniform on the sphere of the whole (per-chain) state
        raw = [wb.random.stateless_normal(p.shape, seed=s, dtype=p.dtype)
               for p, s in zip(parts, internal.seed_stream(seeds[0], len(parts), "slice-direction"))]
        norm = wb.sqrt(sum(internal.sum_event(r * r, chain_ndims) for r in raw))
        direction = [r / internal.expand_like(norm, r) for r in raw]
        steps = internal.broadcast_parts(self.step_size, len(parts), "step_size", "SliceSampler")
        # the step size along the direction: the step sizes of the parts, weighted by the direction
        width = wb.sqrt(sum(internal.sum_event(wb.square(internal.as_float_tensor(s, dtype, "step_size",
                                                                                     "SliceSampler") * d),
                                               chain_ndims) + wb.zeros_like(tlp0)
                            for s, d in zip(steps, direction)))

        def log_prob_at(t):
            moved = [p + internal.expand_like(t, p) * d for p, d in zip(parts, direction)]
            return internal.nan_to_neg_inf(internal.call_fn(self.target_log_prob_fn, moved))

        shape = list(tlp0.shape)
        level = tlp0 + wb.math.log(wb.random.stateless_uniform(shape, seed=seeds[1], minval=np.finfo(
            dtype.as_numpy_dtype).tiny, maxval=1.0, dtype=dtype))      # tlp - Exponential(1)
        u = wb.random.stateless_uniform(shape, seed=seeds[2], dtype=dtype)
        lower = -width * u
        upper = lower + width
        f_lower, f_upper = log_prob_at(lower), log_prob_at(upper)
        open_ = wb.logical_or(f_lower > level, f_upper > level)
        for k in range(self.max_doublings):
            if not bool(wb.reduce_any(open_).numpy()):
                break
            left = wb.random.stateless_uniform(shape, seed=seeds[6 + k], dtype=dtype) < 0.5
            span = upper - lower
            new_lower = wb.where(wb.logical_and(open_, left), lower - span, lower)
            new_upper = wb.where(wb.logical_and(open_, wb.logical_not(left)), upper + span, upper)
            f_lower = wb.where(new_lower != lower, log_prob_at(new_lower), f_lower)
            f_upper = wb.where(new_upper != upper, log_prob_at(new_upper), f_upper)
            lower, upper = new_lower, new_upper
            open_ = wb.logical_or(f_lower > level, f_upper > level)
        bounds_satisfied = wb.logical_not(open_)
        # shrinkage, with the doubling acceptance test
        t_out = wb.zeros_like(tlp0)
        tlp_out = tlp0
        done = wb.zeros(shape, dtype=wb.bool)
        lo, hi = lower, upper
        for k in range(_MAX_SHRINKS):
            if bool(wb.reduce_all(done).numpy()):
                break
            t = lo + (hi - lo) * wb.random.stateless_uniform(shape, seed=seeds[6 + self.max_doublings + k],
                                                             dtype=dtype)
            f_t = log_prob_at(t)
            ok = wb.logical_and(f_t > level, self._doubling_accepts(t, lower, upper, width, level, log_prob_at))
            take = wb.logical_and(ok, wb.logical_not(done))
            t_out = wb.where(take, t, t_out)
            tlp_out = wb.where(take, f_t, tlp_out)
            done = wb.logical_or(done, ok)
            lo = wb.where(wb.logical_and(wb.logical_not(done), t < 0.0), t, lo)
            hi = wb.where(wb.logical_and(wb.logical_not(done), t >= 0.0), t, hi)
        new_parts = [p + internal.expand_like(t_out, p) * d for p, d in zip(parts, direction)]
        results = SliceSamplerKernelResults(
            target_log_prob=tlp_out, bounds_satisfied=bounds_satisfied, direction=direction,
            upper_bounds=upper, lower_bounds=lower,
            seed=_seed_tensor(seeds[-1]))
        return internal.like_input(new_parts, current_state), results

    def _doubling_accepts(self, t, lower, upper, width, level, log_prob_at):
        """Neal's test: would doubling from ``t`` have produced the same interval? (``x0`` is 0.)"""
        lh, rh = lower, upper
        differ = wb.zeros(list(t.shape), dtype=wb.bool)
        accept = wb.ones(list(t.shape), dtype=wb.bool)
        for _ in range(self.max_doublings):
            active = (rh - lh) > 1.1 * width
            if not bool(wb.reduce_any(active).numpy()):
                break
            mid = 0.5 * (lh + rh)
            split = wb.logical_or(wb.logical_and(0.0 < mid, t >= mid), wb.logical_and(0.0 >= mid, t < mid))
            differ = wb.logical_or(differ, wb.logical_and(active, split))
            rh_new = wb.where(wb.logical_and(active, t < mid), mid, rh)
            lh_new = wb.where(wb.logical_and(active, t >= mid), mid, lh)
            lh, rh = lh_new, rh_new
            both_out = wb.logical_and(level >= log_prob_at(lh), level >= log_prob_at(rh))
            accept = wb.logical_and(accept, wb.logical_not(wb.logical_and(active, wb.logical_and(differ, both_out))))
        return accept
