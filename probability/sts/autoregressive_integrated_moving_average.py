"""AutoregressiveIntegratedMovingAverage: an ARIMA(p, d, q) component, an ARMA state space model
integrated ``d`` times."""

from __future__ import annotations

import workbench as wb

from .. import bijectors as tfb
from .. import distributions as tfd
from . import _common, util
from .autoregressive import make_ar_transition_matrix
from .structural_time_series import Parameter, StructuralTimeSeries

__all__ = ["AutoregressiveIntegratedMovingAverage", "AutoregressiveMovingAverageStateSpaceModel",
           "IntegratedStateSpaceModel", "make_ma_observation_matrix"]


def _pad(x, n):
    """``x`` with ``n`` zeros appended on its last axis."""
    if n <= 0:
        return x
    return wb.concat([x, wb.zeros(tuple(x.shape[:-1]) + (n,), dtype=x.dtype)], axis=-1)


def make_ma_observation_matrix(coefficients):
    """``[[1, coefficients...]]``: the observation reads the current innovation and the lagged ones."""
    batch = tuple(coefficients.shape[:-1])
    return wb.concat([wb.ones(batch + (1, 1), dtype=coefficients.dtype), coefficients[..., None, :]], axis=-1)


class AutoregressiveMovingAverageStateSpaceModel(_common.ComponentStateSpaceModel):
    """ARMA(p, q) with latent size ``max(p, q + 1)``: the AR companion transition (coefficients
    padded with zeros), innovations ``Normal(level_drift / (1 + sum(ma)), level_scale)`` entering
    the first latent, observed through ``[1, ma_coefficients...]``."""

    def __init__(self, num_timesteps, ar_coefficients, ma_coefficients, level_scale, initial_state_prior,
                 level_drift=0., observation_noise_scale=0., name=None, **linear_gaussian_ssm_kwargs):
        parameters = dict(locals())
        dtype = initial_state_prior.dtype
        ar = _common.as_tensor(ar_coefficients, dtype, "ar_coefficients")
        ma = _common.as_tensor(ma_coefficients, dtype, "ma_coefficients")
        self._level_scale = _common.as_tensor(level_scale, dtype, "level_scale")
        self._level_drift = _common.as_tensor(level_drift, dtype, "level_drift")
        self._observation_noise_scale = _common.as_tensor(observation_noise_scale, dtype, "observation_noise_scale")
        p, q = int(ar.shape[-1]), int(ma.shape[-1])
        order = self._order = max(p, q + 1)
        self._ar_coefficients, self._ma_coefficients = _pad(ar, order - p), _pad(ma, order - 1 - q)
        if int(initial_state_prior.event_shape[-1]) != order:
            raise ValueError(f"prior event dimension needs to match max(p, q + 1). prior event dimension: "
                             f"{int(initial_state_prior.event_shape[-1])}, max(p, q + 1): {order}.")
        ma_factor = 1. + wb.reduce_sum(self._ma_coefficients, axis=-1)
        drift = self._level_drift
        latent_drift = drift / wb.where(wb.equal(drift, 0.), wb.ones_like(ma_factor), ma_factor)
        noise = tfd.MultivariateNormalDiag(loc=_pad(latent_drift[..., None], order - 1),
                                           scale_diag=_pad(self._level_scale[..., None], order - 1))
        super().__init__(num_timesteps=num_timesteps,
                         transition_matrix=make_ar_transition_matrix(self._ar_coefficients),
                         transition_noise=noise, observation_matrix=make_ma_observation_matrix(self._ma_coefficients),
                         observation_noise=_common.mvn_diag(self._observation_noise_scale[..., None]),
                         initial_state_prior=initial_state_prior, name=name or "ARMAStateSpaceModel",
                         **linear_gaussian_ssm_kwargs)
        self._set_parameters(parameters)

    order = property(lambda self: self._order)
    ar_coefficients = property(lambda self: self._ar_coefficients)
    ma_coefficients = property(lambda self: self._ma_coefficients)
    level_drift = property(lambda self: self._level_drift)
    level_scale = property(lambda self: self._level_scale)
    observation_noise_scale = property(lambda self: self._observation_noise_scale)


def _pad_mvn_with_trailing_zeros(mvn, num_zeros):
    zeros = wb.zeros([num_zeros], dtype=mvn.dtype)
    return util.factored_joint_mvn([mvn, tfd.MultivariateNormalDiag(loc=zeros, scale_diag=zeros)])


class IntegratedStateSpaceModel(_common.ComponentStateSpaceModel):
    """The cumulative sum of ``original_ssm``'s noise-free observations, observed with its
    observation noise: the latent gains the running sum, ``[[A, 0], [C, I]]`` its transition."""

    def __init__(self, original_ssm, name=None, **linear_gaussian_ssm_kwargs):
        parameters = dict(locals())
        for arg in ("initial_step", "experimental_parallelize"):
            linear_gaussian_ssm_kwargs.setdefault(arg, getattr(original_ssm, arg))
        size = original_ssm._observation_size
        if linear_gaussian_ssm_kwargs.get("initial_state_prior") is None:
            linear_gaussian_ssm_kwargs["initial_state_prior"] = _pad_mvn_with_trailing_zeros(
                original_ssm.initial_state_prior, size)
        self._original_ssm = original_ssm
        dtype = original_ssm.dtype

        def transition_matrix(t):
            a = original_ssm._matrix("transition_matrix", int(t))
            c = original_ssm._matrix("observation_matrix", int(t))
            batch = util._bshape(tuple(a.shape[:-2]), tuple(c.shape[:-2]))
            a = wb.broadcast_to(a, batch + tuple(a.shape[-2:]))
            c = wb.broadcast_to(c, batch + tuple(c.shape[-2:]))
            top = wb.concat([a, wb.zeros(batch + (a.shape[-2], size), dtype=dtype)], axis=-1)
            bottom = wb.concat([c, wb.broadcast_to(wb.eye(size, dtype=dtype), batch + (size, size))], axis=-1)
            return wb.concat([top, bottom], axis=-2)

        def observation_matrix(t):
            c = original_ssm._matrix("observation_matrix", int(t))
            return wb.concat([c, wb.broadcast_to(wb.eye(size, dtype=dtype), tuple(c.shape[:-2]) + (size, size))],
                             axis=-1)

        super().__init__(num_timesteps=original_ssm.num_timesteps, transition_matrix=transition_matrix,
                         transition_noise=lambda t: _pad_mvn_with_trailing_zeros(
                             original_ssm._noise("transition_noise", int(t)), size),
                         observation_matrix=observation_matrix, observation_noise=original_ssm.observation_noise,
                         name=name or "cumsum_" + original_ssm.name, **linear_gaussian_ssm_kwargs)
        self._set_parameters(parameters)

    def _step_key(self, which, t):
        return 0 if _static(self._original_ssm) else t

    @property
    def original_ssm(self):
        return self._original_ssm


def _static(ssm):
    pieces = (ssm.transition_matrix, ssm.transition_noise, ssm.observation_matrix, ssm.observation_noise)
    if isinstance(ssm, IntegratedStateSpaceModel):
        return _static(ssm.original_ssm)
    return all(isinstance(p, (wb.Tensor, tfd.Distribution)) for p in pieces)


class AutoregressiveIntegratedMovingAverage(StructuralTimeSeries):
    """ARIMA(``ar_order``, ``integration_degree``, ``ma_order``). Default priors from the series
    differenced ``integration_degree`` times: coefficients ``MultivariateNormalDiag(0, 1)`` (AR
    constrained by ``Tanh``), ``level_scale ~ LogNormal(log(.05 * stddev), 3)``; an optional
    ``level_drift_prior`` adds a drift. Latent size ``max(ar_order, ma_order + 1) +
    integration_degree``."""

    def __init__(self, ar_order, ma_order, integration_degree=0, ar_coefficients_prior=None,
                 ma_coefficients_prior=None, level_drift_prior=None, level_scale_prior=None, initial_state_prior=None,
                 ar_coefficient_constraining_bijector=None, ma_coefficient_constraining_bijector=None,
                 observed_time_series=None, name=None):
        init_parameters = dict(locals())
        ar_order, ma_order, integration_degree = int(ar_order), int(ma_order), int(integration_degree)
        if min(ar_order, ma_order, integration_degree) < 0:
            raise ValueError(f"AutoregressiveIntegratedMovingAverage: orders must be >= 0, got ar_order={ar_order}, "
                             f"ma_order={ma_order}, integration_degree={integration_degree}")
        dtype = _common.series_dtype(observed_time_series, ar_coefficients_prior, ma_coefficients_prior,
                                     level_scale_prior, initial_state_prior)
        if observed_time_series is not None:
            x, mask = util.canonicalize_observed_time_series_with_mask(observed_time_series)
            for _ in range(integration_degree):
                x = x[..., 1:, :] - x[..., :-1, :]
                mask = None if mask is None else wb.logical_or(mask[..., 1:], mask[..., :-1])
            _, stddev, initial = util.empirical_statistics(util.MaskedTimeSeries(x, mask))
        else:
            stddev, initial = wb.constant(1., dtype=dtype), wb.constant(0., dtype=dtype)
        ones = wb.ones(tuple(initial.shape) + (1,), dtype=dtype)
        if ar_coefficients_prior is None:
            ar_coefficients_prior = tfd.MultivariateNormalDiag(scale_diag=ones * wb.ones([ar_order], dtype=dtype))
        if ma_coefficients_prior is None:
            ma_coefficients_prior = tfd.MultivariateNormalDiag(scale_diag=ones * wb.ones([ma_order], dtype=dtype))
        if level_scale_prior is None:
            level_scale_prior = tfd.LogNormal(loc=wb.log(.05 * stddev), scale=wb.constant(3., dtype=dtype))
        if int(ar_coefficients_prior.event_shape[0]) != ar_order:
            raise ValueError(f"Autoregressive prior dimension {int(ar_coefficients_prior.event_shape[0])} doesn't "
                             f"match order {ar_order}.")
        if int(ma_coefficients_prior.event_shape[0]) != ma_order:
            raise ValueError(f"Moving average prior dimension {int(ma_coefficients_prior.event_shape[0])} doesn't "
                             f"match order {ma_order}.")
        latent_size = max(ar_order, ma_order + 1) + integration_degree
        if initial_state_prior is None:
            initial_state_prior = tfd.MultivariateNormalDiag(
                loc=_pad(initial[..., None] * ones, latent_size - 1),
                scale_diag=_pad((wb.abs(initial) + stddev)[..., None] * ones, latent_size - 1))
        self._ar_order, self._ma_order, self._integration_degree = ar_order, ma_order, integration_degree
        self._initial_state_prior = initial_state_prior
        parameters = []
        if ar_order > 0:
            parameters.append(Parameter("ar_coefficients", ar_coefficients_prior,
                                        ar_coefficient_constraining_bijector or tfb.Tanh()))
        if ma_order > 0:
            parameters.append(Parameter("ma_coefficients", ma_coefficients_prior,
                                        ma_coefficient_constraining_bijector or tfb.Identity()))
        if level_drift_prior is not None:
            parameters.append(Parameter("level_drift", level_drift_prior, tfb.Chain([
                tfb.Scale(scale=stddev), level_drift_prior.experimental_default_event_space_bijector()])))
        parameters.append(Parameter("level_scale", level_scale_prior, _common.scaled_softplus(stddev, dtype)))
        super().__init__(parameters, latent_size=latent_size, init_parameters=init_parameters,
                         name=_common.scope_name(name, "ARIMA"))

    initial_state_prior = property(lambda self: self._initial_state_prior)
    integration_degree = property(lambda self: self._integration_degree)

    def _make_state_space_model(self, num_timesteps, param_map=None, initial_state_prior=None, **kwargs):
        prior = initial_state_prior or self._initial_state_prior
        dtype = prior.dtype

        def prior_at(degree):
            remaining = self._integration_degree - degree
            if remaining == 0:
                return prior
            size = self.latent_size - remaining
            return tfd.MultivariateNormalDiag(loc=wb.zeros([size], dtype=dtype),
                                              scale_diag=wb.ones([size], dtype=dtype))

        arma = dict(kwargs, **(param_map or {}))
        arma.setdefault("ar_coefficients", wb.zeros([0], dtype=dtype))
        arma.setdefault("ma_coefficients", wb.zeros([0], dtype=dtype))
        ssm = AutoregressiveMovingAverageStateSpaceModel(num_timesteps=num_timesteps, initial_state_prior=prior_at(0),
                                                         **arma)
        for degree in range(1, self._integration_degree + 1):
            ssm = IntegratedStateSpaceModel(ssm, initial_state_prior=prior_at(degree), **kwargs)
        return ssm
