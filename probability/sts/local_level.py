"""LocalLevel: a Gaussian random walk level, ``level[t] = level[t-1] + Normal(0, level_scale)``."""

from __future__ import annotations

import workbench as wb

from .. import distributions as tfd
from . import _common
from .structural_time_series import Parameter, StructuralTimeSeries

__all__ = ["LocalLevel", "LocalLevelStateSpaceModel"]


class LocalLevelStateSpaceModel(_common.ComponentStateSpaceModel):
    """The local level model as a state space model: latent ``[level]``, observed as
    ``level + Normal(0, observation_noise_scale)``."""

    def __init__(self, num_timesteps, level_scale, initial_state_prior, observation_noise_scale=0., name=None,
                 **linear_gaussian_ssm_kwargs):
        parameters = dict(locals())
        dtype = initial_state_prior.dtype
        self._level_scale = _common.as_tensor(level_scale, dtype, "level_scale")
        self._observation_noise_scale = _common.as_tensor(observation_noise_scale, dtype, "observation_noise_scale")
        super().__init__(num_timesteps=num_timesteps, transition_matrix=wb.ones([1, 1], dtype=dtype),
                         transition_noise=_common.mvn_diag(self._level_scale[..., None]),
                         observation_matrix=wb.ones([1, 1], dtype=dtype),
                         observation_noise=_common.mvn_diag(self._observation_noise_scale[..., None]),
                         initial_state_prior=initial_state_prior, name=name or "LocalLevelStateSpaceModel",
                         **linear_gaussian_ssm_kwargs)
        self._set_parameters(parameters)

    @property
    def level_scale(self):
        return self._level_scale

    @property
    def observation_noise_scale(self):
        return self._observation_noise_scale


class LocalLevel(StructuralTimeSeries):
    """A level following a Gaussian random walk. Default priors from ``observed_time_series``:
    ``level_scale ~ LogNormal(log(.05 * stddev), 3)``, initial level ``Normal(initial, |initial| +
    stddev)`` (``initial`` is the first observed value minus the series' mean)."""

    def __init__(self, level_scale_prior=None, initial_level_prior=None, observed_time_series=None, name=None):
        init_parameters = dict(locals())
        dtype = _common.series_dtype(observed_time_series, level_scale_prior, initial_level_prior)
        _, stddev, initial = _common.series_statistics(observed_time_series, dtype)
        if level_scale_prior is None:
            level_scale_prior = tfd.LogNormal(loc=wb.log(.05 * stddev), scale=wb.constant(3., dtype=dtype),
                                              name="level_scale_prior")
        if initial_level_prior is None:
            self._initial_state_prior = tfd.MultivariateNormalDiag(loc=initial[..., None],
                                                                   scale_diag=(wb.abs(initial) + stddev)[..., None])
        else:
            self._initial_state_prior = tfd.MultivariateNormalDiag(loc=initial_level_prior.mean()[..., None],
                                                                   scale_diag=initial_level_prior.stddev()[..., None])
        super().__init__([Parameter("level_scale", level_scale_prior, _common.scaled_softplus(stddev, dtype))],
                         latent_size=1, init_parameters=init_parameters, name=_common.scope_name(name, "LocalLevel"))

    @property
    def initial_state_prior(self):
        return self._initial_state_prior

    def _make_state_space_model(self, num_timesteps, param_map, initial_state_prior=None, **kwargs):
        kwargs.update(param_map)
        return LocalLevelStateSpaceModel(num_timesteps,
                                         initial_state_prior=initial_state_prior or self._initial_state_prior,
                                         **kwargs)
