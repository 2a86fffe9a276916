"""windowed_adaptive_nuts / windowed_adaptive_hmc: sample a joint distribution's posterior with
step-size and diagonal mass-matrix adaptation in windows (TFP's ``tfp.experimental.mcmc``
functions of the same names, as in Stan's warm-up).

Every free part runs in an unconstrained space: the pinned model's
``experimental_default_event_space_bijector()`` (each part's own, made from its distribution
given the pins and the earlier parts, so ``Uniform(0, x)`` maps onto ``(0, x)``). Chains start
uniformly in ``[-2, 2]`` there. Warm-up
has a fast window (step size only, dual averaging), slow windows that double in length (at
the end of each, the per-coordinate variance of the draws sets the diagonal mass matrix,
as Stan regularizes it), then a final fast window. A diagonal mass matrix ``M = 1 / s**2`` is
the change of variables ``u = s * z`` sampled with unit mass.

Each window's HMC step is compiled once and replayed (NUTS steps run eagerly); inside a
``wb.function`` the whole run is one step of the program.
"""

from __future__ import annotations

import collections

import numpy as np

import workbench as wb
from workbench import core

from .. import distributions as tfd
from .. import internal as pinternal
from . import internal
from .hmc import HamiltonianMonteCarlo
from .nuts import NoUTurnSampler
from .sample import CheckpointableStatesAndTrace, StatesAndTrace
from .step_size_adaptation import DualAveragingStepSizeAdaptation
from .stepper import Stepper

__all__ = ["windowed_adaptive_nuts", "windowed_adaptive_hmc", "default_nuts_trace_fn", "default_hmc_trace_fn"]


def _check_continuous(dists, free, owner):
    for k in free:
        d = dists[k]
        if np.dtype(d.dtype).kind != "f" or d.experimental_default_event_space_bijector() is None:
            raise TypeError(f"{owner}: the part {k!r} ({type(d).__name__}) is discrete; pin it (a keyword "
                            "argument) or marginalize it out")


def default_nuts_trace_fn(state, bijector, is_adapting, pkr):
    """The per-draw diagnostics TFP records for NUTS."""
    kr = pkr.inner_results if hasattr(pkr, "inner_results") else pkr
    return {"step_size": kr.step_size, "tune": is_adapting, "target_log_prob": kr.target_log_prob,
            "diverging": kr.has_divergence, "accept_ratio": wb.exp(wb.minimum(kr.log_accept_ratio, 0.0)),
            "n_steps": kr.leapfrogs_taken, "is_accepted": kr.is_accepted}


def default_hmc_trace_fn(state, bijector, is_adapting, pkr):
    """The per-draw diagnostics TFP records for HMC."""
    kr = pkr.inner_results if hasattr(pkr, "inner_results") else pkr
    acc = kr.accepted_results
    return {"step_size": acc.step_size, "tune": is_adapting, "target_log_prob": acc.target_log_prob,
            "diverging": wb.abs(kr.log_accept_ratio) > 500.0,
            "log_acceptance_correction": kr.proposed_results.log_acceptance_correction,
            "accept_ratio": wb.exp(wb.minimum(kr.log_accept_ratio, 0.0)), "is_accepted": kr.is_accepted}


def _windows(num_adaptation_steps):
    """Window lengths: a fast window, slow windows that double, a fast window (Stan's 75/25/50
    split of 1000 steps, scaled down for short warm-ups). Returns [(length, updates_mass)]."""
    n = int(num_adaptation_steps)
    if n < 20:
        return [(n, False)] if n else []
    first, last = max(int(0.15 * n), 1), max(int(0.1 * n), 1)
    slow_total, slow, size = n - first - last, [], max(int(0.05 * n), 1) if n < 500 else 25
    while slow_total > 0:
        take = size if slow_total >= 3 * size else slow_total   # the last slow window absorbs the rest
        slow.append(take)
        slow_total -= take
        size *= 2
    return [(first, False)] + [(s, True) for s in slow] + [(last, False)]


def _windowed(kind, n_draws, joint_dist, n_chains, num_adaptation_steps, current_state, init_step_size,
              target_accept_prob, kernel_kwargs, trace_fn, return_final_kernel_results, discard_tuning, seed,
              pins):
    owner = f"windowed_adaptive_{kind}"
    if not isinstance(joint_dist, tfd.JointDistribution):
        raise TypeError(f"{owner}: `joint_dist` must be a joint distribution, got {type(joint_dist).__name__}")
    names = [name for name, _ in joint_dist.resolve_graph()]
    unknown = sorted(set(pins) - set(names))
    if unknown:
        raise ValueError(f"{owner}: pinned names {unknown} are not parts of the model {names}")
    free = [k for k in names if k not in pins]
    init_seed, chain_seed = pinternal.split_seed(pinternal.sanitize_seed(seed), 2, salt=owner)
    draw = joint_dist.sample(int(n_chains), seed=init_seed, **pins)
    dists, _ = joint_dist.sample_distributions(seed=init_seed, **pins)
    by_name = lambda s: dict(s) if isinstance(s, dict) else dict(zip(names, s))  # noqa: E731
    draw, dists = by_name(draw), by_name(dists)
    _check_continuous(dists, free, owner)
    # the free parts' default bijectors, each made from its part given the pins and earlier parts
    bij = (joint_dist.experimental_pin(**pins) if pins else joint_dist).experimental_default_event_space_bijector()
    flat = lambda out: [out[k] for k in free] if isinstance(out, dict) else list(out)  # noqa: E731
    if current_state is None:
        seeds = pinternal.split_seed(init_seed, len(free), salt="init")
        u0 = []
        for k, u, s in zip(free, flat(bij.inverse([draw[k] for k in free])), seeds):
            u0.append(wb.random.stateless_uniform(u.shape, seed=s, minval=-2.0, maxval=2.0, dtype=draw[k].dtype))
    else:
        given = by_name(current_state) if isinstance(current_state, dict) or hasattr(current_state, "_fields") \
            else dict(zip(free, current_state))
        u0 = [wb.identity(u) for u in flat(bij.inverse([wb.convert_to_tensor(given[k]) for k in free]))]
    dtype = u0[0].dtype
    chain_ndims = 1

    def constrained(us):
        return flat(bij.forward(list(us)))

    def make_target(scales):
        def target(*zs):
            us = [z * s for z, s in zip(zs, scales)]
            xs = constrained(us)
            lp = joint_dist.log_prob(**dict(zip(free, xs)), **pins)
            ldj = bij.forward_log_det_jacobian(us)
            if ldj.ndim > chain_ndims:      # a model's batch dims beyond the chains: one density per chain
                ldj = wb.reduce_sum(ldj, axis=list(range(chain_ndims, ldj.ndim)))
            return lp + ldj
        return target

    def make_kernel(scales, step_size, n_adapt):
        fn = make_target(scales)
        if kind == "nuts":
            inner = NoUTurnSampler(fn, step_size, **kernel_kwargs)
        else:
            inner = HamiltonianMonteCarlo(fn, step_size, **kernel_kwargs)
        return DualAveragingStepSizeAdaptation(inner, num_adaptation_steps=n_adapt,
                                               target_accept_prob=target_accept_prob)

    trace_fn = trace_fn or (default_nuts_trace_fn if kind == "nuts" else default_hmc_trace_fn)
    scales = [wb.ones(u.shape[chain_ndims:], dtype=dtype) for u in u0]
    z = list(u0)
    step_size = wb.constant(1e-1 if init_step_size is None else init_step_size, dtype=dtype)
    windows = _windows(num_adaptation_steps) + [(int(n_draws), None)]
    step_seeds = internal.seed_stream(chain_seed, sum(w for w, _ in windows), owner)
    states, traces, step = [], [], 0
    kr = None
    for length, update_mass in windows:
        adapting = update_mass is not None
        kernel = make_kernel(scales, step_size, length if adapting else 0)
        kr = kernel.bootstrap_results(z)
        one_step = Stepper.of(kernel)   # HMC's step compiled once per window; NUTS runs eagerly
        kept = []
        for _ in range(length):
            z, kr = one_step(z, kr, step_seeds[step])
            step += 1
            us = [zi * s for zi, s in zip(z, scales)]
            if adapting and update_mass:
                kept.append([u.numpy() for u in us])
            if not (adapting and discard_tuning):
                states.append(constrained(us))
                traces.append(trace_fn(states[-1], bij, wb.constant(adapting), kr))
        if adapting:
            step_size = kr.new_step_size
        if update_mass and len(kept) > 1:
            new_scales = []
            for j in range(len(z)):
                draws = np.stack([k[j] for k in kept]).reshape((-1,) + tuple(z[j].shape[chain_ndims:]))
                m = draws.shape[0]
                var = (m / (m + 5.0)) * draws.var(axis=0) + 1e-3 * (5.0 / (m + 5.0))
                new_scales.append(wb.constant(np.sqrt(var), dtype=dtype))
            z = [zi * (s / ns) for zi, s, ns in zip(z, scales, new_scales)]
            scales = new_scales
    stacked = internal.stack_structure(states)
    trace = internal.stack_structure(traces)
    out = _like_model(joint_dist, free, stacked)
    if return_final_kernel_results:
        return CheckpointableStatesAndTrace(out, trace, kr)
    return StatesAndTrace(out, trace)


# inside a wb.function trace: the whole warm-up and sampling is one step of the program
_windowed_step = core.effect(_windowed)


def _run(*args):
    return (_windowed_step if core.tracing() else _windowed)(*args)


def _like_model(joint_dist, free, parts):
    """Free parts in the model's structure: a dict for named models, a namedtuple of the free
    parts for coroutine models, a list otherwise."""
    if isinstance(joint_dist, (tfd.JointDistributionNamed,)):
        return dict(zip(free, parts))
    if isinstance(joint_dist, tfd.JointDistributionCoroutine):
        return collections.namedtuple("StructTuple", free)(*parts)
    return list(parts)


def _target_accept_prob(dual_averaging_kwargs, default, owner):
    """TFP's ``dual_averaging_kwargs``: ``target_accept_prob`` (default 0.85 for NUTS, 0.75 for HMC);
    the adaptation's other settings follow the windows here."""
    kwargs = dict(dual_averaging_kwargs or {})
    target = kwargs.pop("target_accept_prob", default)
    unknown = sorted(set(kwargs) - {"num_adaptation_steps", "experimental_reduce_chain_axis_names"})
    if unknown:
        raise ValueError(f"{owner}: dual_averaging_kwargs {unknown} are not supported here; give "
                         "target_accept_prob")
    return target


def windowed_adaptive_nuts(n_draws, joint_dist, *, n_chains=64, num_adaptation_steps=500, current_state=None,
                           init_step_size=None, dual_averaging_kwargs=None, max_tree_depth=10,
                           max_energy_diff=500.0, unrolled_leapfrog_steps=1, parallel_iterations=10,
                           trace_fn=default_nuts_trace_fn, return_final_kernel_results=False, discard_tuning=True,
                           chain_axis_names=None, seed=None, **pins):
    """``n_draws`` NUTS draws per chain from ``joint_dist`` given ``pins`` (observed parts by name).

    Returns ``StatesAndTrace(all_states, trace)``: the free parts (shape
    ``[n_draws, n_chains, ...]``, in the model's structure) and ``trace_fn(state, bijectors,
    is_adapting, kernel_results)`` stacked (default: a dict with ``step_size``, ``tune``,
    ``target_log_prob``, ``diverging``, ``accept_ratio``, ``n_steps``, ``is_accepted``).
    ``discard_tuning=False`` keeps the ``num_adaptation_steps`` warm-up draws in front.

    >>> draws, trace = windowed_adaptive_nuts(200, model, n_chains=4, num_adaptation_steps=200, y=data)
    """
    kwargs = dict(max_tree_depth=max_tree_depth, max_energy_diff=max_energy_diff,
                  unrolled_leapfrog_steps=unrolled_leapfrog_steps)
    target = _target_accept_prob(dual_averaging_kwargs, 0.85, "windowed_adaptive_nuts")
    return _run("nuts", n_draws, joint_dist, n_chains, num_adaptation_steps, current_state, init_step_size,
                target, kwargs, trace_fn, return_final_kernel_results, discard_tuning, seed, pins)


def windowed_adaptive_hmc(n_draws, joint_dist, *, num_leapfrog_steps, n_chains=64, num_adaptation_steps=500,
                          current_state=None, init_step_size=None, dual_averaging_kwargs=None,
                          trace_fn=default_hmc_trace_fn, return_final_kernel_results=False, discard_tuning=True,
                          chain_axis_names=None, seed=None, **pins):
    """As :func:`windowed_adaptive_nuts` with ``num_leapfrog_steps`` steps of HMC per draw
    (``dual_averaging_kwargs``' ``target_accept_prob`` defaults to 0.75)."""
    kwargs = dict(num_leapfrog_steps=num_leapfrog_steps)
    target = _target_accept_prob(dual_averaging_kwargs, 0.75, "windowed_adaptive_hmc")
    return _run("hmc", n_draws, joint_dist, n_chains, num_adaptation_steps, current_state, init_step_size,
                target, kwargs, trace_fn, return_final_kernel_results, discard_tuning, seed, pins)
