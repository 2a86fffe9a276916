"""Seasonal: recurring discrete seasons, each with an effect that drifts between its occurrences."""

from __future__ import annotations

import numpy as np

import workbench as wb

from .. import distributions as tfd
from . import _common
from .structural_time_series import Parameter, StructuralTimeSeries

__all__ = ["Seasonal", "SeasonalStateSpaceModel", "ConstrainedSeasonalStateSpaceModel",
           "build_effects_to_residuals_matrix"]


def _steps_per_season(num_steps_per_season, num_seasons):
    steps = np.squeeze(np.asarray(num_steps_per_season))
    if steps.ndim == 0:
        steps = np.tile(steps, num_seasons)
    elif steps.ndim > 2 or steps.shape[-1] != num_seasons:
        raise ValueError(f"num_steps_per_season must either be scalar (shape []), or have the last dimension equal to "
                         f"[num_seasons] = [{num_seasons}] (saw: shape {list(steps.shape)})")
    if steps.dtype.kind not in "iu" or (steps < 1).any():
        raise ValueError(f"num_steps_per_season must be positive integers, got {num_steps_per_season!r}")
    return steps


def _is_last_day_of_season(steps):
    cycle = int(np.sum(steps))
    changepoints = set((np.cumsum(np.ravel(steps)) - 1).tolist())
    return lambda t: (int(t) % cycle) in changepoints


def build_effects_to_residuals_matrix(num_seasons, dtype):
    """``(effects_to_residuals [n-1, n], residuals_to_effects [n, n-1])``: differences of the
    effects from their mean, and back (the mean taken as zero)."""
    full = np.eye(num_seasons) - 1. / num_seasons
    full[-1, :] = 1. / num_seasons
    inv = np.linalg.inv(full)
    return wb.constant(full[:-1, :], dtype=dtype), wb.constant(inv[:, :-1], dtype=dtype)


def _permutation(num_seasons):
    return np.eye(num_seasons)[np.concatenate([np.arange(1, num_seasons), [0]])]


class SeasonalStateSpaceModel(_common.ComponentStateSpaceModel):
    """Latent: the ``num_seasons`` effects, the current season's first. At the last step of a season
    the effects rotate (the one just ended moves last) and it drifts by ``Normal(0, drift_scale)``."""

    def __init__(self, num_timesteps, num_seasons, drift_scale, initial_state_prior, observation_noise_scale=0.,
                 num_steps_per_season=1, name=None, **linear_gaussian_ssm_kwargs):
        parameters = dict(locals())
        dtype = initial_state_prior.dtype
        self._num_seasons = int(num_seasons)
        self._num_steps_per_season = _steps_per_season(num_steps_per_season, self._num_seasons)
        self._drift_scale = _common.as_tensor(drift_scale, dtype, "drift_scale")
        self._observation_noise_scale = _common.as_tensor(observation_noise_scale, dtype, "observation_noise_scale")
        n, last = self._num_seasons, _is_last_day_of_season(self._num_steps_per_season)
        self._last = last
        perm, eye = wb.constant(_permutation(n), dtype=dtype), wb.eye(n, dtype=dtype)
        ds = self._drift_scale
        drift = wb.stack([wb.zeros_like(ds)] * (n - 1) + [ds], axis=-1)
        super().__init__(num_timesteps=num_timesteps, transition_matrix=lambda t: perm if last(t) else eye,
                         transition_noise=lambda t: _common.mvn_diag(drift if last(t) else wb.zeros_like(drift)),
                         observation_matrix=wb.constant(np.eye(n)[:1], dtype=dtype),
                         observation_noise=_common.mvn_diag(self._observation_noise_scale[..., None]),
                         initial_state_prior=initial_state_prior, name=name or "SeasonalStateSpaceModel",
                         **linear_gaussian_ssm_kwargs)
        self._set_parameters(parameters)

    def _step_key(self, which, t):
        return self._last(t) if which.startswith("transition") else 0

    num_seasons = property(lambda self: self._num_seasons)
    num_steps_per_season = property(lambda self: self._num_steps_per_season)
    drift_scale = property(lambda self: self._drift_scale)
    observation_noise_scale = property(lambda self: self._observation_noise_scale)


class ConstrainedSeasonalStateSpaceModel(_common.ComponentStateSpaceModel):
    """The seasonal model with the mean effect held at zero: latent the ``num_seasons - 1``
    residuals (``build_effects_to_residuals_matrix``); the drift of an ending season is spread
    over the residuals so their mean stays zero."""

    def __init__(self, num_timesteps, num_seasons, drift_scale, initial_state_prior, observation_noise_scale=0.,
                 num_steps_per_season=1, name=None, **linear_gaussian_ssm_kwargs):
        parameters = dict(locals())
        dtype = initial_state_prior.dtype
        self._num_seasons = n = int(num_seasons)
        self._num_steps_per_season = _steps_per_season(num_steps_per_season, n)
        self._drift_scale = ds = _common.as_tensor(drift_scale, dtype, "drift_scale")
        self._observation_noise_scale = _common.as_tensor(observation_noise_scale, dtype, "observation_noise_scale")
        last = self._last = _is_last_day_of_season(self._num_steps_per_season)
        to_res, to_eff = build_effects_to_residuals_matrix(n, dtype)
        perm = wb.matmul(to_res, wb.matmul(wb.constant(_permutation(n), dtype=dtype), to_eff))
        eye = wb.eye(n - 1, dtype=dtype)
        pattern = wb.constant(np.concatenate([np.ones([n - 1, 1]), np.zeros([n - 1, n - 2])], axis=-1), dtype=dtype)
        tril = pattern * ds[..., None, None] / n
        zeros = wb.zeros([n - 1], dtype=dtype)
        super().__init__(num_timesteps=num_timesteps, transition_matrix=lambda t: perm if last(t) else eye,
                         transition_noise=lambda t: tfd.MultivariateNormalTriL(
                             loc=zeros, scale_tril=tril if last(t) else wb.zeros_like(tril)),
                         observation_matrix=wb.matmul(wb.constant(np.eye(n)[:1], dtype=dtype), to_eff),
                         observation_noise=_common.mvn_diag(self._observation_noise_scale[..., None]),
                         initial_state_prior=initial_state_prior, name=name or "ConstrainedSeasonalStateSpaceModel",
                         **linear_gaussian_ssm_kwargs)
        self._set_parameters(parameters)

    def _step_key(self, which, t):
        return self._last(t) if which.startswith("transition") else 0

    num_seasons = property(lambda self: self._num_seasons)
    num_steps_per_season = property(lambda self: self._num_steps_per_season)
    drift_scale = property(lambda self: self._drift_scale)
    observation_noise_scale = property(lambda self: self._observation_noise_scale)


class Seasonal(StructuralTimeSeries):
    """``num_seasons`` recurring seasons of ``num_steps_per_season`` steps (a scalar, one per
    season, or ``[num_cycles, num_seasons]``), each with an effect drifting between occurrences.
    Default priors from ``observed_time_series``: ``drift_scale ~ LogNormal(log(.01 * stddev),
    3)``, each initial effect ``Normal(initial, |initial| + stddev)``. With
    ``constrain_mean_effect_to_zero`` (the default) the latent state is the ``num_seasons - 1``
    residuals."""

    def __init__(self, num_seasons, num_steps_per_season=1, allow_drift=True, drift_scale_prior=None,
                 initial_effect_prior=None, constrain_mean_effect_to_zero=True, observed_time_series=None, name=None):
        init_parameters = dict(locals())
        num_seasons = int(num_seasons)
        if num_seasons < 2:
            raise ValueError(f"Seasonal: `num_seasons` must be at least 2, got {num_seasons}")
        _steps_per_season(num_steps_per_season, num_seasons)
        dtype = _common.series_dtype(observed_time_series, drift_scale_prior, initial_effect_prior)
        _, stddev, initial = _common.series_statistics(observed_time_series, dtype)
        if initial_effect_prior is None:
            initial_effect_prior = tfd.Normal(loc=initial, scale=wb.abs(initial) + stddev)
        dtype = initial_effect_prior.dtype
        if drift_scale_prior is None:
            drift_scale_prior = tfd.LogNormal(loc=wb.log(.01 * stddev), scale=wb.constant(3., dtype=dtype))
        if isinstance(initial_effect_prior, tfd.Normal):
            m, s = initial_effect_prior.mean(), initial_effect_prior.stddev()
            prior = tfd.MultivariateNormalDiag(loc=wb.stack([m] * num_seasons, axis=-1),
                                               scale_diag=wb.stack([s] * num_seasons, axis=-1))
        else:
            prior = initial_effect_prior
        if constrain_mean_effect_to_zero:
            to_res, _ = build_effects_to_residuals_matrix(num_seasons, dtype)
            loc = wb.matmul(to_res, prior.mean()[..., None])[..., 0]
            cov = wb.matmul(to_res, wb.matmul(prior.covariance(), to_res, transpose_b=True))
            prior = tfd.MultivariateNormalTriL(loc=loc, scale_tril=wb.linalg.cholesky(cov))
        self._initial_state_prior = prior
        self._num_seasons = num_seasons
        self._num_steps_per_season = num_steps_per_season
        self._allow_drift = bool(allow_drift)
        self._constrain_mean_effect_to_zero = bool(constrain_mean_effect_to_zero)
        parameters = []
        if allow_drift:
            parameters.append(Parameter("drift_scale", drift_scale_prior, _common.scaled_softplus(stddev, dtype)))
        super().__init__(parameters, latent_size=num_seasons - 1 if constrain_mean_effect_to_zero else num_seasons,
                         init_parameters=init_parameters, name=_common.scope_name(name, "Seasonal"))

    allow_drift = property(lambda self: self._allow_drift)
    constrain_mean_effect_to_zero = property(lambda self: self._constrain_mean_effect_to_zero)
    num_seasons = property(lambda self: self._num_seasons)
    num_steps_per_season = property(lambda self: self._num_steps_per_season)
    initial_state_prior = property(lambda self: self._initial_state_prior)

    def _make_state_space_model(self, num_timesteps, param_map, initial_state_prior=None, **kwargs):
        if not self._allow_drift:
            param_map = dict(param_map, drift_scale=0.)
        kwargs.update(param_map)
        cls = ConstrainedSeasonalStateSpaceModel if self._constrain_mean_effect_to_zero else SeasonalStateSpaceModel
        return cls(num_timesteps=num_timesteps, num_seasons=self._num_seasons,
                   num_steps_per_season=self._num_steps_per_season,
                   initial_state_prior=initial_state_prior or self._initial_state_prior, **kwargs)
