"""Each component's contribution to a series (or to its forecast) under the posterior."""

from __future__ import annotations

import collections

import workbench as wb

from . import util

__all__ = ["decompose_by_component", "decompose_forecast_by_component"]


def _split(means, covs, sizes):
    out, start = [], 0
    for k in sizes:
        out.append((means[..., start:start + k], covs[..., start:start + k, start:start + k]))
        start += k
    return out


def _decompose(model, latent_means, latent_covs, parameter_samples, initial_step=0):
    """Per component, the mixture over draws of its observed contribution from its block of the
    latent moments (draws the leading dimension)."""
    num_timesteps = latent_means.shape[-2]
    ssms = model.make_component_state_space_models(num_timesteps=num_timesteps, param_vals=parameter_samples,
                                                   initial_step=initial_step)
    out = collections.OrderedDict()
    for c, ssm, (m, s) in zip(model.components, ssms, _split(latent_means, latent_covs,
                                                             [c.latent_size for c in model.components])):
        obs_means, obs_covs = ssm.latents_to_observations(latent_means=m, latent_covs=s)
        out[c] = util.mix_over_posterior_draws(means=obs_means[..., 0], variances=obs_covs[..., 0, 0])
    return out


def decompose_by_component(model, observed_time_series, parameter_samples):
    """An ``OrderedDict`` from each component of the ``Sum`` ``model`` to the distribution of its
    contribution at each step given the whole series (smoothed), an equal mixture over the
    posterior draws (batch shape ``[num_timesteps]``)."""
    x, mask = util.canonicalize_observed_time_series_with_mask(observed_time_series)
    ssm = model.make_state_space_model(num_timesteps=x.shape[-2], param_vals=parameter_samples)
    means, covs = ssm.posterior_marginals(x, mask=mask)
    return _decompose(model, means, covs, parameter_samples)


def _latent_prior_moments(ssm):
    """Prior means and covariances of the latent states: ``batch + [T, latent]``, ``batch + [T,
    latent, latent]`` (the filter's, with every observation masked)."""
    x = wb.zeros(tuple(ssm.batch_shape) + tuple(ssm.event_shape), dtype=ssm.dtype)
    r = ssm.forward_filter(x, mask=wb.ones([ssm.num_timesteps], dtype=wb.bool))
    return r.filtered_means, r.filtered_covs


def decompose_forecast_by_component(model, forecast_dist, parameter_samples):
    """``decompose_by_component`` for a ``forecast``: each component's contribution over the
    forecast steps."""
    f_ssm = forecast_dist.components_distribution
    means, covs = _latent_prior_moments(f_ssm)
    # the forecast's posterior draws are its rightmost batch dimension: back to the front
    means, covs = util._move(means, -3, 0), util._move(covs, -4, 0)
    return _decompose(model, means, covs, parameter_samples, initial_step=f_ssm.initial_step)
