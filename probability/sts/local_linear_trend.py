"""LocalLinearTrend: a level and a slope, each a Gaussian random walk, the level moving by the slope."""

from __future__ import annotations

import workbench as wb

from .. import distributions as tfd
from . import _common
from .structural_time_series import Parameter, StructuralTimeSeries

__all__ = ["LocalLinearTrend", "LocalLinearTrendStateSpaceModel"]


class LocalLinearTrendStateSpaceModel(_common.ComponentStateSpaceModel):
    """Latent ``[level, slope]``: ``level[t] = level[t-1] + slope[t-1] + Normal(0, level_scale)``,
    ``slope[t] = slope[t-1] + Normal(0, slope_scale)``, observed as ``level + Normal(0,
    observation_noise_scale)``."""

    def __init__(self, num_timesteps, level_scale, slope_scale, initial_state_prior, observation_noise_scale=0.,
                 name=None, **linear_gaussian_ssm_kwargs):
        parameters = dict(locals())
        dtype = initial_state_prior.dtype
        self._level_scale = _common.as_tensor(level_scale, dtype, "level_scale")
        self._slope_scale = _common.as_tensor(slope_scale, dtype, "slope_scale")
        self._observation_noise_scale = _common.as_tensor(observation_noise_scale, dtype, "observation_noise_scale")
        ls, ss = self._level_scale, self._slope_scale
        ls, ss = ls + wb.zeros_like(ss), ss + wb.zeros_like(ls)
        super().__init__(num_timesteps=num_timesteps, transition_matrix=wb.constant([[1., 1.], [0., 1.]], dtype=dtype),
                         transition_noise=_common.mvn_diag(wb.stack([ls, ss], axis=-1)),
                         observation_matrix=wb.constant([[1., 0.]], dtype=dtype),
                         observation_noise=_common.mvn_diag(self._observation_noise_scale[..., None]),
                         initial_state_prior=initial_state_prior, name=name or "LocalLinearTrendStateSpaceModel",
                         **linear_gaussian_ssm_kwargs)
        self._set_parameters(parameters)

    @property
    def level_scale(self):
        return self._level_scale

    @property
    def slope_scale(self):
        return self._slope_scale

    @property
    def observation_noise_scale(self):
        return self._observation_noise_scale


class LocalLinearTrend(StructuralTimeSeries):
    """A level and slope following Gaussian random walks. Default priors from
    ``observed_time_series``: both scales ``LogNormal(log(.05 * stddev), 3)``, initial level
    ``Normal(initial, |initial| + stddev)``, initial slope ``Normal(0, stddev)``."""

    def __init__(self, level_scale_prior=None, slope_scale_prior=None, initial_level_prior=None,
                 initial_slope_prior=None, observed_time_series=None, name=None):
        init_parameters = dict(locals())
        dtype = _common.series_dtype(observed_time_series, level_scale_prior, slope_scale_prior, initial_level_prior,
                                     initial_slope_prior)
        _, stddev, initial = _common.series_statistics(observed_time_series, dtype)
        three = wb.constant(3., dtype=dtype)
        if level_scale_prior is None:
            level_scale_prior = tfd.LogNormal(loc=wb.log(.05 * stddev), scale=three, name="level_scale_prior")
        if slope_scale_prior is None:
            slope_scale_prior = tfd.LogNormal(loc=wb.log(.05 * stddev), scale=three, name="slope_scale_prior")
        if initial_level_prior is None:
            initial_level_prior = tfd.Normal(loc=initial, scale=wb.abs(initial) + stddev, name="initial_level_prior")
        if initial_slope_prior is None:
            initial_slope_prior = tfd.Normal(loc=wb.zeros_like(stddev), scale=stddev, name="initial_slope_prior")
        self._initial_state_prior = _stacked_prior(initial_level_prior, initial_slope_prior)
        bij = _common.scaled_softplus(stddev, dtype)
        super().__init__([Parameter("level_scale", level_scale_prior, bij),
                          Parameter("slope_scale", slope_scale_prior, bij)],
                         latent_size=2, init_parameters=init_parameters,
                         name=_common.scope_name(name, "LocalLinearTrend"))

    @property
    def initial_state_prior(self):
        return self._initial_state_prior

    def _make_state_space_model(self, num_timesteps, param_map, initial_state_prior=None, **kwargs):
        kwargs.update(param_map)
        return LocalLinearTrendStateSpaceModel(num_timesteps,
                                               initial_state_prior=initial_state_prior or self._initial_state_prior,
                                               **kwargs)


def _stacked_prior(*priors):
    """``MultivariateNormalDiag`` with the scalar priors' means and stddevs stacked."""
    means = [p.mean() for p in priors]
    stds = [p.stddev() for p in priors]
    z = wb.zeros_like(means[0])
    for m, s in zip(means, stds):
        z = z + wb.zeros_like(m) + wb.zeros_like(s)
    return tfd.MultivariateNormalDiag(loc=wb.stack([m + z for m in means], axis=-1),
                                      scale_diag=wb.stack([s + z for s in stds], axis=-1))
