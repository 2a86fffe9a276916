"""Forecasts, one-step predictions and imputation from a structural time series model and
posterior draws of its parameters."""

from __future__ import annotations

import workbench as wb

from .. import distributions as tfd
from . import util

__all__ = ["forecast", "one_step_predictive", "impute_missing_values"]


def _num_timesteps_and_ssm(model, observed_time_series, parameter_samples):
    x, mask = util.canonicalize_observed_time_series_with_mask(observed_time_series)
    ssm = model.make_state_space_model(num_timesteps=x.shape[-2], param_vals=parameter_samples)
    return x, mask, ssm


def one_step_predictive(model, observed_time_series, parameter_samples, timesteps_are_event_shape=True):
    """``p(x[t] | x[:t])`` for each step, an equal mixture over the posterior draws
    (``parameter_samples``, leading dimension the draws); the steps are the event shape unless
    ``timesteps_are_event_shape=False``."""
    x, mask, ssm = _num_timesteps_and_ssm(model, observed_time_series, parameter_samples)
    r = ssm.forward_filter(x, mask=mask)
    d = util.mix_over_posterior_draws(means=r.observation_means[..., 0], variances=r.observation_covs[..., 0, 0])
    return tfd.Independent(d, reinterpreted_batch_ndims=1) if timesteps_are_event_shape else d


def impute_missing_values(model, observed_time_series, parameter_samples, include_observation_noise=False,
                          timesteps_are_event_shape=True):
    """``p(x[t] | observed values)`` at every step (smoothed), an equal mixture over the posterior
    draws; without ``include_observation_noise`` the distribution is of the noise-free signal."""
    x, mask, ssm = _num_timesteps_and_ssm(model, observed_time_series, parameter_samples)
    means, covs = ssm.posterior_marginals(x, mask=mask)
    obs_means, obs_covs = ssm.latents_to_observations(latent_means=means, latent_covs=covs)
    if not include_observation_noise:
        _, noise_covs = ssm.latents_to_observations(latent_means=means, latent_covs=wb.zeros_like(covs))
        obs_covs = obs_covs - noise_covs
    d = util.mix_over_posterior_draws(means=obs_means[..., 0], variances=obs_covs[..., 0, 0])
    return tfd.Independent(d, reinterpreted_batch_ndims=1) if timesteps_are_event_shape else d


def _event_ndims(prior):
    return len(prior.event_shape)


def forecast(model, observed_time_series, parameter_samples, num_steps_forecast, include_observation_noise=True):
    """The distribution of the next ``num_steps_forecast`` values: for each posterior draw, the
    model's state space model from the filtered state at the end of the series; an equal mixture
    over the draws (event shape ``[num_steps_forecast, 1]``)."""
    x, mask, ssm = _num_timesteps_and_ssm(model, observed_time_series, parameter_samples)
    num_observed = x.shape[-2]
    r = ssm.forward_filter(x, mask=mask, final_step_only=True)
    samples = model._canonicalize_param_vals_as_map(parameter_samples)
    # the posterior draws become the rightmost batch dimension of the forecast model
    moved = {p.name: util._move(wb.convert_to_tensor(samples[p.name]), 0, -(1 + _event_ndims(p.prior)))
             for p in model.parameters}
    prior = tfd.MultivariateNormalTriL(loc=util._move(r.predicted_means, 0, -2),
                                       scale_tril=wb.linalg.cholesky(util._move(r.predicted_covs, 0, -3)))
    kwargs = {}
    if hasattr(model, "constant_offset"):
        kwargs["constant_offset"] = wb.cast(wb.convert_to_tensor(model.constant_offset), prior.dtype)[..., None, :]
    if not include_observation_noise:
        moved["observation_noise_scale"] = wb.zeros_like(moved["observation_noise_scale"])
    f_ssm = model._make_state_space_model(num_timesteps=num_steps_forecast, param_map=moved, initial_state_prior=prior,
                                          initial_step=num_observed, **kwargs)
    n = f_ssm.batch_shape[-1]
    return tfd.MixtureSameFamily(mixture_distribution=tfd.Categorical(logits=wb.zeros([n], dtype=f_ssm.dtype)),
                                 components_distribution=f_ssm)
