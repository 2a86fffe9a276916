"""SmoothSeasonal: seasonality as a sum of drifting sinusoids at multiples of ``2 pi / period``."""

from __future__ import annotations

import math

import numpy as np

import workbench as wb

from .. import distributions as tfd
from . import _common, util
from .structural_time_series import Parameter, StructuralTimeSeries

__all__ = ["SmoothSeasonal", "SmoothSeasonalStateSpaceModel"]


def _multipliers(frequency_multipliers):
    m = np.asarray(frequency_multipliers.numpy() if isinstance(frequency_multipliers, wb.Tensor)
                   else frequency_multipliers, dtype=np.float64)
    if m.ndim != 1 or m.size == 0:
        raise ValueError(f"`frequency_multipliers` must be a non-empty vector, got shape {list(m.shape)}")
    return m


class SmoothSeasonalStateSpaceModel(_common.ComponentStateSpaceModel):
    """Latent ``[effect_j, auxiliary_j]`` per frequency ``w_j = 2 pi frequency_multipliers[j] /
    period``, rotated by ``w_j`` each step with ``Normal(0, drift_scale)`` noise on every latent;
    observed as the sum of the effects plus ``Normal(0, observation_noise_scale)``."""

    def __init__(self, num_timesteps, period, frequency_multipliers, drift_scale, initial_state_prior,
                 observation_noise_scale=0., name=None, **linear_gaussian_ssm_kwargs):
        parameters = dict(locals())
        dtype = initial_state_prior.dtype
        self._period = float(period.numpy() if isinstance(period, wb.Tensor) else period)
        self._frequency_multipliers = mult = _multipliers(frequency_multipliers)
        self._drift_scale = _common.as_tensor(drift_scale, dtype, "drift_scale")
        self._observation_noise_scale = _common.as_tensor(observation_noise_scale, dtype, "observation_noise_scale")
        blocks = []
        for w in 2. * math.pi * mult / self._period:
            c, s = math.cos(w), math.sin(w)
            blocks.append(wb.constant([[c, s], [-s, c]], dtype=dtype))
        k = len(mult)
        super().__init__(num_timesteps=num_timesteps, transition_matrix=util.block_diag(blocks),
                         transition_noise=_common.mvn_diag(self._drift_scale[..., None]
                                                           * wb.ones([2 * k], dtype=dtype)),
                         observation_matrix=wb.constant(np.tile([[1., 0.]], [1, k]), dtype=dtype),
                         observation_noise=_common.mvn_diag(self._observation_noise_scale[..., None]),
                         initial_state_prior=initial_state_prior, name=name or "SmoothSeasonalStateSpaceModel",
                         **linear_gaussian_ssm_kwargs)
        self._set_parameters(parameters)

    period = property(lambda self: self._period)
    frequency_multipliers = property(lambda self: self._frequency_multipliers)
    drift_scale = property(lambda self: self._drift_scale)
    observation_noise_scale = property(lambda self: self._observation_noise_scale)


class SmoothSeasonal(StructuralTimeSeries):
    """Drifting sinusoids of period ``period / frequency_multipliers[j]``. Default priors from
    ``observed_time_series``: ``drift_scale ~ LogNormal(log(.01 * stddev), 3)``, initial state
    ``MultivariateNormalDiag(0, |initial| + stddev)``."""

    def __init__(self, period, frequency_multipliers, allow_drift=True, drift_scale_prior=None,
                 initial_state_prior=None, observed_time_series=None, name=None):
        init_parameters = dict(locals())
        dtype = _common.series_dtype(observed_time_series, drift_scale_prior, initial_state_prior)
        _, stddev, initial = _common.series_statistics(observed_time_series, dtype)
        latent_size = 2 * len(_multipliers(frequency_multipliers))
        if drift_scale_prior is None:
            drift_scale_prior = tfd.LogNormal(loc=wb.log(.01 * stddev), scale=wb.constant(3., dtype=dtype))
        if initial_state_prior is None:
            initial_state_prior = tfd.MultivariateNormalDiag(
                scale_diag=(wb.abs(initial) + stddev)[..., None] * wb.ones([latent_size], dtype=dtype))
        self._initial_state_prior = initial_state_prior
        self._period = period
        self._frequency_multipliers = frequency_multipliers
        self._allow_drift = bool(allow_drift)
        parameters = []
        if allow_drift:
            parameters.append(Parameter("drift_scale", drift_scale_prior, _common.scaled_softplus(stddev, dtype)))
        super().__init__(parameters, latent_size=latent_size, init_parameters=init_parameters,
                         name=_common.scope_name(name, "SmoothSeasonal"))

    allow_drift = property(lambda self: self._allow_drift)
    period = property(lambda self: self._period)
    frequency_multipliers = property(lambda self: self._frequency_multipliers)
    initial_state_prior = property(lambda self: self._initial_state_prior)

    def _make_state_space_model(self, num_timesteps, param_map, initial_state_prior=None, **kwargs):
        if not self._allow_drift:
            param_map = dict(param_map, drift_scale=0.)
        kwargs.update(param_map)
        return SmoothSeasonalStateSpaceModel(num_timesteps=num_timesteps, period=self._period,
                                             frequency_multipliers=self._frequency_multipliers,
                                             initial_state_prior=initial_state_prior or self._initial_state_prior,
                                             **kwargs)
