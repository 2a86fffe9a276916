"""Fitting structural time series models: a factored variational surrogate over the parameters,
and HMC started from a variational fit."""

from __future__ import annotations

import collections

import workbench as wb

from .. import distributions as tfd
from .. import internal
from .. import mcmc
from .. import vi

__all__ = ["build_factored_surrogate_posterior", "fit_with_hmc", "sample_uniform_initial_state"]


def build_factored_surrogate_posterior(model, batch_shape=(), seed=None, name=None):
    """A trainable posterior over ``model``'s parameters: an independent Normal per parameter in its
    unconstrained space, pushed through the parameter's bijector (a ``JointDistributionNamed`` keyed
    by parameter name, batch ``batch_shape + model.batch_shape``)."""
    event_shape = collections.OrderedDict((p.name, tuple(p.prior.event_shape)) for p in model.parameters)
    bijector = collections.OrderedDict((p.name, p.bijector) for p in model.parameters)
    dtype = model.parameters[0].prior.dtype if model.parameters else wb.float32
    batch = internal.shape_tuple(batch_shape, "batch_shape") + tuple(model.batch_shape)
    name = name or "build_factored_surrogate_posterior"
    q = vi.build_factored_surrogate_posterior(event_shape=event_shape, bijector=bijector, batch_shape=batch,
                                              dtype=dtype.as_numpy_dtype if hasattr(dtype, "as_numpy_dtype") else dtype,
                                              seed=seed, name=name)
    # independent parts: the same factors, keyed in the model's parameter order (as TFP)
    return tfd.JointDistributionNamed(collections.OrderedDict((k, q.model[k]) for k in event_shape), name=name)


def sample_uniform_initial_state(parameter, return_constrained=True, init_sample_shape=(), seed=None):
    """A draw uniform in ``(-2, 2)`` in ``parameter``'s unconstrained space, of the shape of
    ``init_sample_shape`` prior draws (pushed through the bijector when ``return_constrained``)."""
    draw = parameter.bijector.inverse(parameter.prior.sample(init_sample_shape, seed=seed))
    u = 4. * wb.random.stateless_uniform(tuple(draw.shape), seed=internal.sanitize_seed(seed), dtype=draw.dtype) - 2.
    return parameter.bijector.forward(u) if return_constrained else u


def _target_log_prob_fn(model, observed_time_series):
    jd = model.joint_distribution(observed_time_series)
    names = [p.name for p in model.parameters]
    return lambda *args: jd.unnormalized_log_prob(dict(zip(names, args)))


def fit_with_hmc(model, observed_time_series, num_results=100, num_warmup_steps=50, num_leapfrog_steps=15,
                 initial_state=None, initial_step_size=None, chain_batch_shape=(), num_variational_steps=150,
                 variational_optimizer=None, variational_sample_size=5, seed=None, name=None):
    """HMC over ``model``'s parameters (in their unconstrained spaces), with dual-averaging step
    size adaptation over the first 80% of ``num_warmup_steps``; started, unless ``initial_state``
    is given, from a variational fit of ``num_variational_steps`` steps (whose scales give the
    initial step sizes). Returns ``(samples, kernel_results)``, ``samples`` a list in the order of
    ``model.parameters`` with a leading ``num_results`` dimension."""
    seed = internal.sanitize_seed(seed)
    vi_seed, init_seed, hmc_seed = internal.split_seed(seed, 3, salt="fit_with_hmc")
    target = _target_log_prob_fn(model, observed_time_series)
    names = [p.name for p in model.parameters]
    if initial_state is None:
        surrogate = build_factored_surrogate_posterior(model, batch_shape=chain_batch_shape, seed=init_seed)
        optimizer = variational_optimizer or wb.optimizers.Adam(learning_rate=0.1)
        vi.fit_surrogate_posterior(lambda **kw: target(*[kw[n] for n in names]), surrogate,
                                   optimizer=optimizer, num_steps=num_variational_steps,
                                   sample_size=variational_sample_size, seed=vi_seed)
        draw = surrogate.sample(seed=init_seed)
        initial_state = [draw[n] for n in names]
        if initial_step_size is None:
            dists = surrogate.sample_distributions(seed=init_seed)[0]
            initial_step_size = [wb.stop_gradient(_base_stddev(dists[n])) for n in names]
    else:
        initial_state = [wb.convert_to_tensor(s) for s in initial_state]
    if initial_step_size is None:
        initial_step_size = [0.1 * wb.ones_like(p.bijector.inverse(s)) for p, s in zip(model.parameters, initial_state)]
    hmc = mcmc.HamiltonianMonteCarlo(target_log_prob_fn=target, step_size=list(initial_step_size),
                                     num_leapfrog_steps=num_leapfrog_steps)
    kernel = mcmc.DualAveragingStepSizeAdaptation(
        mcmc.TransformedTransitionKernel(hmc, bijector=[p.bijector for p in model.parameters]),
        num_adaptation_steps=int(num_warmup_steps * 0.8))
    return mcmc.sample_chain(num_results=num_results, current_state=[wb.stop_gradient(s) for s in initial_state],
                             kernel=kernel, num_burnin_steps=num_warmup_steps, seed=hmc_seed)


def _base_stddev(d):
    """The stddev, in the unconstrained space, of a surrogate factor (a transformed Normal)."""
    while hasattr(d, "distribution"):
        d = d.distribution
    return d.stddev()
