"""Sum: an additive model of components plus a constant offset and Gaussian observation noise."""

from __future__ import annotations

import collections

import workbench as wb

from .. import distributions as tfd
from . import _common, util
from .structural_time_series import Parameter, StructuralTimeSeries

__all__ = ["Sum", "AdditiveStateSpaceModel"]


class AdditiveStateSpaceModel(_common.ComponentStateSpaceModel):
    """The sum of independent component state space models: latents concatenated, transitions
    block-diagonal, observations added, plus ``constant_offset`` and ``Normal(0,
    observation_noise_scale)``."""

    def __init__(self, component_ssms, constant_offset=0., observation_noise_scale=None, initial_state_prior=None,
                 initial_step=0, validate_args=False, allow_nan_stats=True, name=None, **linear_gaussian_ssm_kwargs):
        parameters = dict(locals())
        component_ssms = list(component_ssms)
        if not component_ssms:
            raise ValueError("AdditiveStateSpaceModel: `component_ssms` must be a non-empty list")
        num_timesteps = component_ssms[0].num_timesteps
        for c in component_ssms[1:]:
            if c.num_timesteps != num_timesteps:
                raise ValueError(f"AdditiveStateSpaceModel: components have different num_timesteps "
                                 f"{[c.num_timesteps for c in component_ssms]}")
        dtype = component_ssms[0].dtype
        self._component_ssms = component_ssms
        self._constant_offset = _common.as_tensor(constant_offset, dtype, "constant_offset")
        self._observation_noise_scale = (None if observation_noise_scale is None else
                                         _common.as_tensor(observation_noise_scale, dtype, "observation_noise_scale"))
        if initial_state_prior is None:
            initial_state_prior = util.factored_joint_mvn([c.initial_state_prior for c in component_ssms])
        # the components share this model's steps; pieces are built once per distinct combination of
        # the components' step keys (a static component has one key, a seasonal one two)
        cache = {}

        def piece(which, t):
            t = int(t)
            keys = tuple(_step_key(c, which, t) for c in component_ssms)
            if (which, keys) not in cache:
                cache[(which, keys)] = build[which](t)
            return cache[(which, keys)]

        def observation_noise(t):
            noises = [c._noise("observation_noise", t) for c in component_ssms]
            loc = self._constant_offset
            var = wb.zeros_like(self._constant_offset) if self._observation_noise_scale is None else \
                wb.square(self._observation_noise_scale)[..., None]
            for d in noises:
                loc = loc + d.mean()
                var = var + wb.linalg.diag_part(d.covariance())
            return tfd.MultivariateNormalDiag(loc=loc, scale_diag=wb.sqrt(var))

        build = {
            "transition_matrix": lambda t: util.block_diag([c._matrix("transition_matrix", t) for c in component_ssms]),
            "transition_noise": lambda t: util.factored_joint_mvn([c._noise("transition_noise", t)
                                                                   for c in component_ssms]),
            "observation_matrix": lambda t: wb.concat(_broadcast_rows([c._matrix("observation_matrix", t)
                                                                       for c in component_ssms]), axis=-1),
            "observation_noise": observation_noise}

        def transition_matrix(t):
            return piece("transition_matrix", t)

        def transition_noise(t):
            return piece("transition_noise", t)

        def observation_matrix(t):
            return piece("observation_matrix", t)

        def observation_noise_at(t):
            return piece("observation_noise", t)

        super().__init__(num_timesteps=num_timesteps, transition_matrix=transition_matrix,
                         transition_noise=transition_noise, observation_matrix=observation_matrix,
                         observation_noise=observation_noise_at, initial_state_prior=initial_state_prior,
                         initial_step=initial_step, validate_args=validate_args, allow_nan_stats=allow_nan_stats,
                         name=name or "AdditiveStateSpaceModel", **linear_gaussian_ssm_kwargs)
        self._set_parameters(parameters)

    @property
    def component_ssms(self):
        return self._component_ssms

    @property
    def constant_offset(self):
        return self._constant_offset

    @property
    def observation_noise_scale(self):
        return self._observation_noise_scale


def _step_key(ssm, which, t):
    """A key equal at two steps where ``ssm``'s ``which`` piece is the same."""
    if hasattr(ssm, "_step_key"):
        return ssm._step_key(which, t)
    piece = getattr(ssm, "_" + which)
    static = isinstance(piece, (wb.Tensor, wb.linalg.LinearOperator, tfd.Distribution)) or not callable(piece)
    return 0 if static else t


def _broadcast_rows(mats):
    batch = ()
    for m in mats:
        batch = util._bshape(batch, tuple(m.shape[:-2]))
    return [wb.broadcast_to(m, batch + tuple(m.shape[-2:])) for m in mats]


class Sum(StructuralTimeSeries):
    """The sum of ``components`` plus ``constant_offset`` (default: the series' mean) and
    observation noise with scale ``observation_noise_scale`` (default prior ``LogNormal(log(.01 *
    stddev), 2)``). Parameters: ``observation_noise_scale``, then each component's parameters named
    ``<component name>_<parameter name>``."""

    def __init__(self, components, constant_offset=None, observation_noise_scale_prior=None,
                 observed_time_series=None, name=None):
        init_parameters = dict(locals())
        components = list(components)
        dtype = _common.series_dtype(observed_time_series, observation_noise_scale_prior,
                                     *[p.prior for c in components for p in c.parameters])
        mean, stddev, _ = _common.series_statistics(observed_time_series, dtype)
        if observation_noise_scale_prior is None:
            observation_noise_scale_prior = tfd.LogNormal(loc=wb.log(.01 * stddev), scale=wb.constant(2., dtype=dtype),
                                                          name="observation_noise_scale_prior")
        if constant_offset is None:
            constant_offset = mean[..., None]
        self._constant_offset = _common.as_tensor(constant_offset, dtype, "constant_offset") * wb.ones([1], dtype=dtype)
        names = [c.name for c in components]
        if len(names) != len(set(names)):
            raise ValueError(f"Components must have unique names: {names}")
        self._components = components
        self._components_by_name = collections.OrderedDict((c.name, c) for c in components)
        parameters = [Parameter("observation_noise_scale", observation_noise_scale_prior,
                                _common.scaled_softplus(stddev, dtype))]
        for c in components:
            for p in c.parameters:
                parameters.append(Parameter(f"{c.name}_{p.name}", p.prior, p.bijector))
        super().__init__(parameters, latent_size=sum(c.latent_size for c in components),
                         init_parameters=init_parameters, name=_common.scope_name(name, "Sum"))

    @property
    def components(self):
        return self._components

    @property
    def components_by_name(self):
        return self._components_by_name

    @property
    def constant_offset(self):
        return self._constant_offset

    def make_component_state_space_models(self, num_timesteps, param_vals, **linear_gaussian_ssm_kwargs):
        """One state space model per component, each with its own parameters from ``param_vals``."""
        param_map = self._canonicalize_param_vals_as_map(param_vals)
        values = [param_map[p.name] for p in self.parameters][1:]
        ssms = []
        for c in self._components:
            n = len(c.parameters)
            ssms.append(c.make_state_space_model(num_timesteps, param_vals=values[:n], **linear_gaussian_ssm_kwargs))
            values = values[n:]
        return ssms

    def _make_state_space_model(self, num_timesteps, param_map, initial_state_prior=None, constant_offset=None,
                                **kwargs):
        noise_scale = param_map[self.parameters[0].name]
        if initial_state_prior is None:
            ssms = self.make_component_state_space_models(num_timesteps, param_map, **kwargs)
        else:
            # the joint prior replaces the components' own: theirs only give sizes (their batch
            # shapes need not match parameters with extra batch dims, as in a forecast)
            dtype = initial_state_prior.dtype
            values = [param_map[p.name] for p in self.parameters][1:]
            ssms = []
            for c in self._components:
                n = len(c.parameters)
                placeholder = tfd.MultivariateNormalDiag(scale_diag=wb.ones([c.latent_size], dtype=dtype))
                ssms.append(c.make_state_space_model(num_timesteps, param_vals=values[:n],
                                                     initial_state_prior=placeholder, **kwargs))
                values = values[n:]
        return AdditiveStateSpaceModel(ssms, constant_offset=self._constant_offset if constant_offset is None
                                       else constant_offset, observation_noise_scale=noise_scale,
                                       initial_state_prior=initial_state_prior, **kwargs)
