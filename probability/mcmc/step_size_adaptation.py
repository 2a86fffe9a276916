"""Step-size adaptation for HMC-like kernels: a simple multiplicative rule and dual averaging.

Both wrap an inner kernel whose results carry a step size and a
``log_accept_ratio`` (``HamiltonianMonteCarlo``, ``NoUTurnSampler``). Before
each inner step the adapted step size is written into the inner results, so
the inner kernel uses it; after ``num_adaptation_steps`` steps it is frozen.

The acceptance probability is averaged over chains (``log(mean(exp(.)))``)
down to the shape of the step size: a scalar step size adapts to the mean over
all chains, a per-chain step size (e.g. shape ``[num_chains, 1]`` for a state
``[num_chains, d]``) adapts each chain on its own.
"""

from __future__ import annotations

import collections
import math

import numpy as np

import workbench as wb

from . import internal
from .kernel import TransitionKernel

__all__ = ["SimpleStepSizeAdaptation", "SimpleStepSizeAdaptationResults",
           "DualAveragingStepSizeAdaptation", "DualAveragingStepSizeAdaptationResults",
           "hmc_like_step_size_getter_fn", "hmc_like_step_size_setter_fn",
           "hmc_like_log_accept_prob_getter_fn"]

SimpleStepSizeAdaptationResults = collections.namedtuple(
    "SimpleStepSizeAdaptationResults",
    ["inner_results", "target_accept_prob", "adaptation_rate", "step", "new_step_size"])

DualAveragingStepSizeAdaptationResults = collections.namedtuple(
    "DualAveragingStepSizeAdaptationResults",
    ["inner_results", "target_accept_prob", "log_shrinkage_target", "exploration_shrinkage",
     "step_count_smoothing", "decay_rate", "error_sum", "log_averaging_step", "step", "new_step_size",
     "num_adaptation_steps"])


def _unwrap_results(kernel_results):
    """Through ``inner_results`` of wrapping kernels (``TransformedTransitionKernel``) to the
    results of the kernel that holds the step size."""
    while not hasattr(kernel_results, "step_size") and not hasattr(kernel_results, "accepted_results") \
            and hasattr(kernel_results, "inner_results"):
        kernel_results = kernel_results.inner_results
    return kernel_results


def hmc_like_step_size_getter_fn(kernel_results):
    """The step size in HMC results (inside ``accepted_results``) or NUTS results, also under a
    ``TransformedTransitionKernel``."""
    inner = _unwrap_results(kernel_results)
    inner = getattr(inner, "accepted_results", inner)
    if not hasattr(inner, "step_size"):
        raise TypeError(f"step-size adaptation: the inner kernel's results ({type(kernel_results).__name__}) "
                        "have no `step_size`; pass step_size_getter_fn and step_size_setter_fn")
    return inner.step_size


def hmc_like_step_size_setter_fn(kernel_results, new_step_size):
    """HMC or NUTS results (also under a ``TransformedTransitionKernel``) with the step size replaced."""
    if not hasattr(kernel_results, "step_size") and not hasattr(kernel_results, "accepted_results") \
            and hasattr(kernel_results, "inner_results"):
        return kernel_results._replace(
            inner_results=hmc_like_step_size_setter_fn(kernel_results.inner_results, new_step_size))
    if hasattr(kernel_results, "accepted_results"):
        return kernel_results._replace(
            accepted_results=kernel_results.accepted_results._replace(step_size=new_step_size))
    return kernel_results._replace(step_size=new_step_size)


def hmc_like_log_accept_prob_getter_fn(kernel_results):
    """``min(log_accept_ratio, 0)`` of the step, per chain; a ratio that is not finite counts as -inf."""
    while not hasattr(kernel_results, "log_accept_ratio") and hasattr(kernel_results, "inner_results"):
        kernel_results = kernel_results.inner_results
    ratio = kernel_results.log_accept_ratio
    ratio = wb.where(wb.math.is_finite(ratio), ratio, wb.constant(-np.inf, dtype=ratio.dtype))
    return wb.minimum(ratio, wb.zeros([], dtype=ratio.dtype))


def reduce_logmeanexp(input_tensor, axis=None, keepdims=False, experimental_named_axis=None):
    """``log(mean(exp(x)))`` over ``axis`` (the default ``reduce_fn``); an empty ``axis`` keeps ``x``."""
    axis = [int(a) for a in np.atleast_1d(np.asarray(axis if axis is not None else range(input_tensor.ndim)))]
    if not axis:
        return input_tensor
    lse = wb.reduce_logsumexp(input_tensor, axis=axis, keepdims=keepdims)
    n = int(np.prod([input_tensor.shape[a] for a in axis]))
    return lse - wb.math.log(wb.constant(float(n), dtype=lse.dtype))


def _differing_dims(a, b):
    """The dimensions where ``a``'s shape differs from the start of ``b``'s."""
    return [i for i, (m, n) in enumerate(zip(a.shape, b.shape)) if m != n]


class _StepSizeAdaptation(TransitionKernel):
    """Shared plumbing: the inner kernel, getters and setters, multi-part step sizes."""

    def __init__(self, inner_kernel, num_adaptation_steps, target_accept_prob, step_size_setter_fn,
                 step_size_getter_fn, log_accept_prob_getter_fn, reduce_fn):
        if int(num_adaptation_steps) < 0:
            raise ValueError(f"{type(self).__name__}: num_adaptation_steps must be >= 0, "
                             f"got {num_adaptation_steps!r}")
        target = float(target_accept_prob)
        if not 0.0 < target < 1.0:
            raise ValueError(f"{type(self).__name__}: target_accept_prob must be in (0, 1), got {target}")
        self._inner_kernel = inner_kernel
        self._num_adaptation_steps = int(num_adaptation_steps)
        self._target_accept_prob = target
        self._setter = step_size_setter_fn
        self._getter = step_size_getter_fn
        self._log_accept_getter = log_accept_prob_getter_fn
        self._reduce_fn = reduce_fn

    @property
    def inner_kernel(self):
        return self._inner_kernel

    @property
    def num_adaptation_steps(self):
        return self._num_adaptation_steps

    @property
    def is_calibrated(self):
        return self._inner_kernel.is_calibrated

    def _log_accept_prob(self, inner_results):
        # the default getter gives log(min(1, ratio)); another getter's value is used as given (TFP)
        return self._log_accept_getter(inner_results)

    def _reduced(self, log_accept_prob, state_part, step_size_part):
        """The acceptance averaged (``reduce_fn(x, axis, keepdims)``) over the chain dimensions
        the step size does not have, then over those where their shapes differ (TFP's rule)."""
        reduce_fn = self._reduce_fn or reduce_logmeanexp
        num_reduce = max(min(log_accept_prob.ndim, state_part.ndim - step_size_part.ndim), 0)
        reduced = reduce_fn(log_accept_prob, axis=list(range(num_reduce)), keepdims=False)
        return reduce_fn(reduced, axis=_differing_dims(reduced, step_size_part), keepdims=True)

    def _part_states(self, current_state, num_sizes):
        """The state part read for each step-size part (the first for a lone step size)."""
        parts = internal.float_parts(current_state, type(self).__name__)
        return parts[:num_sizes] if num_sizes > 1 else parts[:1]


class SimpleStepSizeAdaptation(_StepSizeAdaptation):
    """Multiply the step size by ``1 + adaptation_rate`` when the acceptance probability is above
    ``target_accept_prob`` and divide by it when below, for ``num_adaptation_steps`` steps.

    >>> kernel = SimpleStepSizeAdaptation(HamiltonianMonteCarlo(fn, 0.1, 5), num_adaptation_steps=200)
    """

    def __init__(self, inner_kernel, num_adaptation_steps, target_accept_prob=0.75, adaptation_rate=0.01,
                 step_size_setter_fn=hmc_like_step_size_setter_fn,
                 step_size_getter_fn=hmc_like_step_size_getter_fn,
                 log_accept_prob_getter_fn=hmc_like_log_accept_prob_getter_fn,
                 reduce_fn=None, experimental_reduce_chain_axis_names=None, validate_args=False, name=None):
        super().__init__(inner_kernel, num_adaptation_steps, target_accept_prob, step_size_setter_fn,
                         step_size_getter_fn, log_accept_prob_getter_fn, reduce_fn)
        self._adaptation_rate = float(adaptation_rate)
        self._parameters = dict(inner_kernel=inner_kernel, num_adaptation_steps=num_adaptation_steps,
                                target_accept_prob=target_accept_prob, adaptation_rate=adaptation_rate,
                                step_size_setter_fn=step_size_setter_fn, step_size_getter_fn=step_size_getter_fn,
                                log_accept_prob_getter_fn=log_accept_prob_getter_fn, reduce_fn=reduce_fn,
                                name=name)

    def bootstrap_results(self, init_state):
        inner = self._inner_kernel.bootstrap_results(init_state)
        step_size = self._getter(inner)
        dtype = internal.as_list(step_size)[0].dtype
        return SimpleStepSizeAdaptationResults(
            inner_results=inner,
            target_accept_prob=wb.constant(self._target_accept_prob, dtype=dtype),
            adaptation_rate=wb.constant(self._adaptation_rate, dtype=dtype),
            step=wb.constant(0, dtype=np.int32),
            new_step_size=step_size)

    def one_step(self, current_state, previous_kernel_results, seed=None):
        pkr = previous_kernel_results
        step_size = pkr.new_step_size
        inner = self._setter(pkr.inner_results, step_size)
        next_state, next_inner = self._inner_kernel.one_step(current_state, inner, seed=seed)
        if self._num_adaptation_steps:
            # a tensor condition rather than a Python branch: the step compiles to one program
            adapting = pkr.step < self._num_adaptation_steps
            log_accept = self._log_accept_prob(next_inner)
            sizes = internal.as_list(step_size)
            log_target = math.log(self._target_accept_prob)
            new_sizes = []
            for s, part in zip(sizes, self._part_states(current_state, len(sizes))):
                reduced = _pad_right(self._reduced(log_accept, part, s), s.ndim)
                adapted = wb.where(reduced > log_target, s * (1.0 + self._adaptation_rate),
                                   s / (1.0 + self._adaptation_rate))
                new_sizes.append(wb.where(adapting, adapted, s))
            step_size = internal.like_input(new_sizes, step_size)
        return next_state, pkr._replace(inner_results=next_inner, step=pkr.step + 1, new_step_size=step_size)


class DualAveragingStepSizeAdaptation(_StepSizeAdaptation):
    """Nesterov dual averaging of the log step size (Hoffman & Gelman, 2014, section 3.2.1).

    With ``e_m = target_accept_prob - accept_prob_m`` summed into ``error_sum``,
    ``log_step_m = mu - sqrt(m) / (gamma * (m + t0)) * error_sum`` and the iterate average
    ``log_avg_m = m**-kappa * log_step_m + (1 - m**-kappa) * log_avg_{m-1}``,
    where ``mu = shrinkage_target`` (default ``log(10 * initial step size)``),
    ``gamma = exploration_shrinkage``, ``t0 = step_count_smoothing`` and
    ``kappa = decay_rate``. During adaptation the kernel uses ``exp(log_step)``;
    from the last adaptation step on it uses the averaged ``exp(log_avg)``.

    >>> kernel = DualAveragingStepSizeAdaptation(NoUTurnSampler(fn, 0.1), num_adaptation_steps=400)
    """

    def __init__(self, inner_kernel, num_adaptation_steps, target_accept_prob=0.75, exploration_shrinkage=0.05,
                 shrinkage_target=None, step_count_smoothing=10, decay_rate=0.75,
                 step_size_setter_fn=hmc_like_step_size_setter_fn,
                 step_size_getter_fn=hmc_like_step_size_getter_fn,
                 log_accept_prob_getter_fn=hmc_like_log_accept_prob_getter_fn,
                 reduce_fn=None, experimental_reduce_chain_axis_names=None, validate_args=False, name=None):
        super().__init__(inner_kernel, num_adaptation_steps, target_accept_prob, step_size_setter_fn,
                         step_size_getter_fn, log_accept_prob_getter_fn, reduce_fn)
        self._exploration_shrinkage = float(exploration_shrinkage)
        self._shrinkage_target = shrinkage_target
        self._step_count_smoothing = float(step_count_smoothing)
        self._decay_rate = float(decay_rate)
        self._parameters = dict(inner_kernel=inner_kernel, num_adaptation_steps=num_adaptation_steps,
                                target_accept_prob=target_accept_prob,
                                exploration_shrinkage=exploration_shrinkage, shrinkage_target=shrinkage_target,
                                step_count_smoothing=step_count_smoothing, decay_rate=decay_rate,
                                step_size_setter_fn=step_size_setter_fn, step_size_getter_fn=step_size_getter_fn,
                                log_accept_prob_getter_fn=log_accept_prob_getter_fn, reduce_fn=reduce_fn,
                                name=name)

    def bootstrap_results(self, init_state):
        inner = self._inner_kernel.bootstrap_results(init_state)
        step_size = self._getter(inner)
        sizes = [wb.convert_to_tensor(x) for x in internal.as_list(step_size)]
        dtype = sizes[0].dtype
        if self._shrinkage_target is None:
            targets = [float(np.log(10.0)) + wb.math.log(s) for s in sizes]
        else:
            targets = [wb.math.log(internal.as_float_tensor(t, dtype, "shrinkage_target", type(self).__name__))
                       for t in internal.broadcast_parts(self._shrinkage_target, len(sizes),
                                                         "shrinkage_target", type(self).__name__)]
        log_accept = self._log_accept_prob(inner)
        # the error sums take the shape of the acceptance after the chain reduction
        error_sum = [wb.zeros_like(self._reduced(log_accept, part, s), dtype=dtype)
                     for s, part in zip(sizes, self._part_states(init_state, len(sizes)))]
        return DualAveragingStepSizeAdaptationResults(
            inner_results=inner,
            target_accept_prob=wb.constant(self._target_accept_prob, dtype=log_accept.dtype),
            log_shrinkage_target=targets,
            exploration_shrinkage=wb.constant(self._exploration_shrinkage, dtype=dtype),
            step_count_smoothing=wb.constant(self._step_count_smoothing, dtype=dtype),
            decay_rate=wb.constant(self._decay_rate, dtype=dtype),
            error_sum=error_sum,
            log_averaging_step=[wb.zeros_like(s, dtype=dtype) for s in sizes],
            step=wb.constant(0, dtype=np.int32),
            new_step_size=step_size,
            num_adaptation_steps=wb.constant(self._num_adaptation_steps, dtype=np.int32))

    def one_step(self, current_state, previous_kernel_results, seed=None):
        pkr = previous_kernel_results
        step_size = pkr.new_step_size
        inner = self._setter(pkr.inner_results, step_size)
        next_state, next_inner = self._inner_kernel.one_step(current_state, inner, seed=seed)
        # tensor conditions rather than Python branches, so that the step compiles to one program;
        # the error sum goes on accumulating after adaptation, as TFP's
        log_accept = self._log_accept_prob(next_inner)
        sizes = internal.as_list(step_size)
        m = pkr.step + 1
        mf = wb.cast(pkr.step, sizes[0].dtype) + 1.0
        soft_t = pkr.step_count_smoothing + mf
        eta = mf ** -pkr.decay_rate
        n = pkr.num_adaptation_steps
        new_sizes, error_sums, log_avgs = [], [], []
        for s, part, log_target, err, log_avg in zip(
                sizes, self._part_states(current_state, len(sizes)), pkr.log_shrinkage_target,
                pkr.error_sum, pkr.log_averaging_step):
            reduced = self._reduced(log_accept, part, s)
            new_err = err + pkr.target_accept_prob - wb.exp(reduced)
            new_err_ext = _pad_right(new_err, log_target.ndim)
            log_step = log_target - (new_err_ext * wb.sqrt(mf)) / (soft_t * pkr.exploration_shrinkage)
            new_log_avg = eta * log_step + (1.0 - eta) * log_avg
            new_sizes.append(wb.where(m < n, wb.exp(log_step), wb.where(m > n, s, wb.exp(new_log_avg))))
            log_avgs.append(wb.where(m > n, log_avg, new_log_avg))
            error_sums.append(new_err)
        return next_state, pkr._replace(
            inner_results=next_inner,
            error_sum=error_sums,
            log_averaging_step=log_avgs,
            step=pkr.step + 1,
            new_step_size=internal.like_input(new_sizes, step_size))


def _pad_right(x, ndim):
    """``x`` with trailing ones added to its shape up to rank ``ndim``."""
    extra = ndim - x.ndim
    return wb.reshape(x, tuple(x.shape) + (1,) * extra) if extra > 0 else x
