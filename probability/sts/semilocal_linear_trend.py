"""SemiLocalLinearTrend: a random walk level whose slope follows an AR(1) process around a mean."""

from __future__ import annotations

import workbench as wb

from .. import bijectors as tfb
from .. import distributions as tfd
from . import _common
from .local_linear_trend import _stacked_prior
from .structural_time_series import Parameter, StructuralTimeSeries

__all__ = ["SemiLocalLinearTrend", "SemiLocalLinearTrendStateSpaceModel"]


class SemiLocalLinearTrendStateSpaceModel(_common.ComponentStateSpaceModel):
    """Latent ``[level, slope]``: ``level[t] = level[t-1] + slope[t-1] + Normal(0, level_scale)``,
    ``slope[t] = slope_mean + autoregressive_coef * (slope[t-1] - slope_mean) + Normal(0,
    slope_scale)``, observed as ``level + Normal(0, observation_noise_scale)``."""

    def __init__(self, num_timesteps, level_scale, slope_mean, slope_scale, autoregressive_coef, initial_state_prior,
                 observation_noise_scale=0., name=None, **linear_gaussian_ssm_kwargs):
        parameters = dict(locals())
        dtype = initial_state_prior.dtype
        t = lambda v, n: _common.as_tensor(v, dtype, n)  # noqa: E731
        self._level_scale, self._slope_mean = t(level_scale, "level_scale"), t(slope_mean, "slope_mean")
        self._slope_scale, self._autoregressive_coef = t(slope_scale, "slope_scale"), t(autoregressive_coef,
                                                                                         "autoregressive_coef")
        self._observation_noise_scale = t(observation_noise_scale, "observation_noise_scale")
        ones = (wb.ones_like(self._level_scale) * wb.ones_like(self._slope_mean) * wb.ones_like(self._slope_scale)
                * wb.ones_like(self._autoregressive_coef))
        rho = self._autoregressive_coef * ones
        zero, one = wb.zeros_like(rho), wb.ones_like(rho)
        transition = wb.stack([wb.stack([one, one], axis=-1), wb.stack([zero, rho], axis=-1)], axis=-2)
        noise = tfd.MultivariateNormalDiag(
            loc=wb.stack([zero, self._slope_mean * (1. - self._autoregressive_coef) * ones], axis=-1),
            scale_diag=wb.stack([self._level_scale * ones, self._slope_scale * ones], axis=-1))
        super().__init__(num_timesteps=num_timesteps, transition_matrix=transition, transition_noise=noise,
                         observation_matrix=wb.constant([[1., 0.]], dtype=dtype),
                         observation_noise=_common.mvn_diag(self._observation_noise_scale[..., None]),
                         initial_state_prior=initial_state_prior, name=name or "SemiLocalLinearTrendStateSpaceModel",
                         **linear_gaussian_ssm_kwargs)
        self._set_parameters(parameters)

    level_scale = property(lambda self: self._level_scale)
    slope_mean = property(lambda self: self._slope_mean)
    slope_scale = property(lambda self: self._slope_scale)
    autoregressive_coef = property(lambda self: self._autoregressive_coef)
    observation_noise_scale = property(lambda self: self._observation_noise_scale)


class SemiLocalLinearTrend(StructuralTimeSeries):
    """A level random walk with an AR(1) slope. Default priors from ``observed_time_series``:
    both scales ``LogNormal(log(.01 * stddev), 2)``, ``slope_mean ~ Normal(0, stddev)``,
    ``autoregressive_coef ~ Normal(0, 1)`` (constrained by ``Tanh`` when
    ``constrain_ar_coef_stationary``, ``Sigmoid`` when also ``constrain_ar_coef_positive``), initial
    level ``Normal(initial, |initial| + stddev)``, initial slope ``Normal(0, stddev)``."""

    def __init__(self, level_scale_prior=None, slope_mean_prior=None, slope_scale_prior=None,
                 autoregressive_coef_prior=None, initial_level_prior=None, initial_slope_prior=None,
                 observed_time_series=None, constrain_ar_coef_stationary=True, constrain_ar_coef_positive=False,
                 name=None):
        init_parameters = dict(locals())
        dtype = _common.series_dtype(observed_time_series, level_scale_prior, slope_mean_prior, slope_scale_prior,
                                     autoregressive_coef_prior, initial_level_prior, initial_slope_prior)
        _, stddev, initial = _common.series_statistics(observed_time_series, dtype)
        two = wb.constant(2., dtype=dtype)
        if level_scale_prior is None:
            level_scale_prior = tfd.LogNormal(loc=wb.log(.01 * stddev), scale=two, name="level_scale_prior")
        if slope_mean_prior is None:
            slope_mean_prior = tfd.Normal(loc=wb.zeros_like(stddev), scale=stddev, name="slope_mean_prior")
        if slope_scale_prior is None:
            slope_scale_prior = tfd.LogNormal(loc=wb.log(.01 * stddev), scale=two, name="slope_scale_prior")
        if autoregressive_coef_prior is None:
            autoregressive_coef_prior = tfd.Normal(loc=wb.zeros_like(initial), scale=wb.ones_like(initial),
                                                   name="autoregressive_coef_prior")
        if initial_level_prior is None:
            initial_level_prior = tfd.Normal(loc=initial, scale=wb.abs(initial) + stddev, name="initial_level_prior")
        if initial_slope_prior is None:
            initial_slope_prior = tfd.Normal(loc=wb.zeros_like(stddev), scale=stddev, name="initial_slope_prior")
        self._initial_state_prior = _stacked_prior(initial_level_prior, initial_slope_prior)
        if constrain_ar_coef_stationary and constrain_ar_coef_positive:
            ar_bijector = tfb.Sigmoid()
        elif constrain_ar_coef_positive:
            ar_bijector = tfb.Softplus()
        elif constrain_ar_coef_stationary:
            ar_bijector = tfb.Tanh()
        else:
            ar_bijector = tfb.Identity()
        soft = _common.scaled_softplus(stddev, dtype)
        super().__init__([Parameter("level_scale", level_scale_prior, soft),
                          Parameter("slope_mean", slope_mean_prior, tfb.Scale(scale=stddev)),
                          Parameter("slope_scale", slope_scale_prior, soft),
                          Parameter("autoregressive_coef", autoregressive_coef_prior, ar_bijector)],
                         latent_size=2, init_parameters=init_parameters,
                         name=_common.scope_name(name, "SemiLocalLinearTrend"))

    @property
    def initial_state_prior(self):
        return self._initial_state_prior

    def _make_state_space_model(self, num_timesteps, param_map, initial_state_prior=None, **kwargs):
        kwargs.update(param_map)
        return SemiLocalLinearTrendStateSpaceModel(
            num_timesteps, initial_state_prior=initial_state_prior or self._initial_state_prior, **kwargs)
