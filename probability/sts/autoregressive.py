"""Autoregressive: an AR(p) latent process, ``x[t] = sum_k coefficients[k] x[t-1-k] + Normal(0,
level_scale)``."""

from __future__ import annotations

import workbench as wb

from .. import bijectors as tfb
from .. import distributions as tfd
from . import _common
from .structural_time_series import Parameter, StructuralTimeSeries

__all__ = ["Autoregressive", "AutoregressiveStateSpaceModel", "make_ar_transition_matrix"]


def make_ar_transition_matrix(coefficients):
    """The companion matrix: ``coefficients`` on the top row, a shifted identity below."""
    order = coefficients.shape[-1]
    batch = tuple(coefficients.shape[:-1])
    below = wb.concat([wb.broadcast_to(wb.eye(order - 1, dtype=coefficients.dtype), batch + (order - 1, order - 1)),
                       wb.zeros(batch + (order - 1, 1), dtype=coefficients.dtype)], axis=-1)
    return wb.concat([coefficients[..., None, :], below], axis=-2)


class AutoregressiveStateSpaceModel(_common.ComponentStateSpaceModel):
    """Latent ``[x[t], x[t-1], ..., x[t-p+1]]`` with the companion transition matrix; noise
    ``level_scale`` on the first entry; observed as ``x[t] + Normal(0, observation_noise_scale)``."""

    def __init__(self, num_timesteps, coefficients, level_scale, initial_state_prior, observation_noise_scale=0.,
                 name=None, **linear_gaussian_ssm_kwargs):
        parameters = dict(locals())
        dtype = initial_state_prior.dtype
        self._coefficients = _common.as_tensor(coefficients, dtype, "coefficients")
        self._level_scale = _common.as_tensor(level_scale, dtype, "level_scale")
        self._observation_noise_scale = _common.as_tensor(observation_noise_scale, dtype, "observation_noise_scale")
        if self._coefficients.ndim < 1:
            raise ValueError(f"AutoregressiveStateSpaceModel: `coefficients` must have shape [..., order], got "
                             f"{list(self._coefficients.shape)}")
        order = self._order = int(self._coefficients.shape[-1])
        ls = self._level_scale
        noise = wb.stack([ls] + [wb.zeros_like(ls)] * (order - 1), axis=-1)
        obs = wb.concat([wb.ones([1, 1], dtype=dtype), wb.zeros([1, order - 1], dtype=dtype)], axis=-1)
        super().__init__(num_timesteps=num_timesteps, transition_matrix=make_ar_transition_matrix(self._coefficients),
                         transition_noise=_common.mvn_diag(noise), observation_matrix=obs,
                         observation_noise=_common.mvn_diag(self._observation_noise_scale[..., None]),
                         initial_state_prior=initial_state_prior, name=name or "AutoregressiveStateSpaceModel",
                         **linear_gaussian_ssm_kwargs)
        self._set_parameters(parameters)

    order = property(lambda self: self._order)
    coefficients = property(lambda self: self._coefficients)
    level_scale = property(lambda self: self._level_scale)
    observation_noise_scale = property(lambda self: self._observation_noise_scale)


class Autoregressive(StructuralTimeSeries):
    """An AR(``order``) component. Default priors: ``coefficients ~ MultivariateNormalDiag(0, 1)``
    (constrained by ``Tanh`` unless ``coefficient_constraining_bijector`` is given), ``level_scale ~
    LogNormal(log(.05 * stddev), 3)``, initial state ``MultivariateNormalDiag(initial, |initial| +
    stddev)`` in every lag."""

    def __init__(self, order, coefficients_prior=None, level_scale_prior=None, initial_state_prior=None,
                 coefficient_constraining_bijector=None, observed_time_series=None, name=None):
        init_parameters = dict(locals())
        order = int(order)
        if order < 1:
            raise ValueError(f"Autoregressive: `order` must be a positive integer, got {order}")
        dtype = _common.series_dtype(observed_time_series, coefficients_prior, level_scale_prior, initial_state_prior)
        _, stddev, initial = _common.series_statistics(observed_time_series, dtype)
        ones = wb.ones(tuple(initial.shape) + (order,), dtype=dtype)
        if coefficients_prior is None:
            coefficients_prior = tfd.MultivariateNormalDiag(scale_diag=ones)
        if level_scale_prior is None:
            level_scale_prior = tfd.LogNormal(loc=wb.log(.05 * stddev), scale=wb.constant(3., dtype=dtype))
        if tuple(coefficients_prior.event_shape) != (order,):
            raise ValueError(f"Prior dimension {list(coefficients_prior.event_shape)} doesn't match order {order}.")
        if initial_state_prior is None:
            initial_state_prior = tfd.MultivariateNormalDiag(loc=initial[..., None] * ones,
                                                             scale_diag=(wb.abs(initial) + stddev)[..., None] * ones)
        self._order = order
        self._initial_state_prior = initial_state_prior
        if coefficient_constraining_bijector is None:
            coefficient_constraining_bijector = tfb.Tanh()
        super().__init__([Parameter("coefficients", coefficients_prior, coefficient_constraining_bijector),
                          Parameter("level_scale", level_scale_prior, _common.scaled_softplus(stddev, dtype))],
                         latent_size=order, init_parameters=init_parameters,
                         name=_common.scope_name(name, "Autoregressive"))

    @property
    def initial_state_prior(self):
        return self._initial_state_prior

    @property
    def order(self):
        return self._order

    def _make_state_space_model(self, num_timesteps, param_map, initial_state_prior=None, **kwargs):
        kwargs.update(param_map)
        return AutoregressiveStateSpaceModel(num_timesteps,
                                             initial_state_prior=initial_state_prior or self._initial_state_prior,
                                             **kwargs)
