"""StructuralTimeSeries: a model of a time series as a linear Gaussian state space model whose
matrices depend on a few parameters, each with a prior and a constraining bijector."""

from __future__ import annotations

import collections
import copy as _copy

import numpy as np

import workbench as wb

from .. import distributions as tfd
from .. import internal
from . import util

__all__ = ["Parameter", "StructuralTimeSeries"]

Parameter = collections.namedtuple("Parameter", ["name", "prior", "bijector"])
Parameter.__doc__ = "A model parameter: its ``name``, ``prior`` and the ``bijector`` onto its support."


def _with_default_bijector(prior, bijector):
    """A copy of ``prior`` whose default event space bijector is ``bijector``."""
    d = _copy.copy(prior)
    d._default_event_space_bijector = lambda *args, **kwargs: bijector
    return d


class StructuralTimeSeries:
    """Base class of the components: ``parameters`` (a list of ``Parameter``), ``latent_size``, and
    ``make_state_space_model(num_timesteps, param_vals)`` building the model's
    ``LinearGaussianStateSpaceModel`` at given parameter values."""

    def __init__(self, parameters, latent_size, init_parameters=None, name="StructuralTimeSeries"):
        self._parameters = list(parameters)
        self._latent_size = int(latent_size)
        self._init_parameters = init_parameters
        self._name = name

    @property
    def parameters(self):
        return self._parameters

    @property
    def latent_size(self):
        return self._latent_size

    @property
    def name(self):
        return self._name

    @property
    def init_parameters(self):
        if self._init_parameters is None:
            raise ValueError(f"{type(self).__name__} has `init_parameters` of None")
        return {k: v for k, v in self._init_parameters.items()
                if not k.startswith("__") and v is not self and k != "self"}

    def get_parameter(self, parameter_name):
        for p in self._parameters:
            if p.name == parameter_name:
                return p
        raise KeyError(f'No parameter named "{parameter_name}" in StructureTimeSeries component {self.name}.')

    @property
    def batch_shape(self):
        shape = ()
        for p in self._parameters:
            shape = tuple(np.broadcast_shapes(shape, tuple(p.prior.batch_shape)))
        return shape

    def batch_shape_tensor(self):
        return wb.constant(np.asarray(self.batch_shape, np.int32))

    def copy(self, **override_parameters_kwargs):
        return type(self)(**dict(self.init_parameters, **override_parameters_kwargs))

    def __add__(self, other):
        from .sum import Sum  # circular: sum.py subclasses StructuralTimeSeries
        if isinstance(self, Sum):
            kwargs = dict(self.init_parameters)
        elif isinstance(other, Sum):
            kwargs = dict(other.init_parameters)
        else:
            ots = self.init_parameters.get("observed_time_series")
            if ots is None:
                ots = other.init_parameters.get("observed_time_series")
            if ots is None:
                raise ValueError("Could not automatically create a `Sum` component because neither summand was "
                                 "initialized with an `observed_time_series`. You may still instantiate the component "
                                 "manually as `tfp.sts.Sum(...)`.")
            kwargs = {"observed_time_series": ots}
        kwargs["components"] = list(getattr(self, "components", [self])) + list(getattr(other, "components", [other]))
        return Sum(**kwargs)

    def _canonicalize_param_vals_as_map(self, param_vals):
        if hasattr(param_vals, "keys"):
            return dict(param_vals)
        param_vals = list(param_vals)
        if len(param_vals) != len(self._parameters):
            raise ValueError(f"{self.name}: `param_vals` has {len(param_vals)} values; the model has "
                             f"{len(self._parameters)} parameters {[p.name for p in self._parameters]}")
        return {p.name: v for p, v in zip(self._parameters, param_vals)}

    def make_state_space_model(self, num_timesteps, param_vals, initial_state_prior=None, initial_step=0,
                               **linear_gaussian_ssm_kwargs):
        """The ``LinearGaussianStateSpaceModel`` at parameter values ``param_vals`` (a list in the
        order of ``parameters``, or a dict by name)."""
        return self._make_state_space_model(num_timesteps=num_timesteps,
                                            param_map=self._canonicalize_param_vals_as_map(param_vals),
                                            initial_state_prior=initial_state_prior, initial_step=initial_step,
                                            **linear_gaussian_ssm_kwargs)

    def _make_state_space_model(self, num_timesteps, param_map, initial_state_prior=None, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} does not build a state space model")

    def _joint_prior_distribution(self):
        model = collections.OrderedDict((p.name, _with_default_bijector(p.prior, p.bijector)) for p in self._parameters)
        return tfd.JointDistributionNamedAutoBatched(model, batch_ndims=len(self.batch_shape), use_vectorized_map=False)

    def joint_distribution(self, observed_time_series=None, num_timesteps=None, trajectories_shape=(), initial_step=0,
                           mask=None, experimental_parallelize=False):
        """The joint distribution of the parameters and the series (``observed_time_series``), pinned
        to ``observed_time_series`` when it is given."""
        batch_ndims = len(self.batch_shape)
        if observed_time_series is not None:
            x, is_missing = util.canonicalize_observed_time_series_with_mask(observed_time_series)
            if is_missing is not None:
                if mask is not None:
                    raise ValueError("Passed non-None value for `mask`, but the observed time series already contains "
                                     "an `is_missing` mask.")
                mask = is_missing
            num_timesteps = x.shape[-2]
            trajectories_shape = tuple(x.shape[batch_ndims:-2])
        elif num_timesteps is None:
            raise ValueError("joint_distribution: give `observed_time_series` or `num_timesteps`")

        def likelihood(**param_vals):
            ssm = self.make_state_space_model(num_timesteps=num_timesteps, param_vals=param_vals,
                                              initial_step=initial_step, mask=mask,
                                              experimental_parallelize=experimental_parallelize)
            if tuple(trajectories_shape):
                return tfd.Sample(ssm, sample_shape=tuple(trajectories_shape))
            return ssm

        parts = list(self._joint_prior_distribution().model.items()) + [("observed_time_series", likelihood)]
        jd = tfd.JointDistributionNamedAutoBatched(collections.OrderedDict(parts), batch_ndims=batch_ndims,
                                                   use_vectorized_map=False, name=self.name)
        if observed_time_series is not None:
            return jd.experimental_pin(observed_time_series=x)
        return jd

    def prior_sample(self, num_timesteps, initial_step=0, params_sample_shape=(), trajectories_sample_shape=(),
                     seed=None):
        """``(trajectories, param_samples)``: parameters drawn from their priors (shape
        ``params_sample_shape + batch_shape``), then series drawn from the model at those values
        (``trajectories_sample_shape + params_sample_shape + batch_shape + [num_timesteps, 1]``)."""
        param_seed, trajectory_seed = internal.split_seed(internal.sanitize_seed(seed), 2, salt="prior_sample")
        params = self._joint_prior_distribution().sample(params_sample_shape, seed=param_seed)
        ssm = self.make_state_space_model(num_timesteps=num_timesteps, param_vals=params, initial_step=initial_step)
        return ssm.sample(trajectories_sample_shape, seed=trajectory_seed), [params[p.name] for p in self._parameters]

    def joint_log_prob(self, observed_time_series):
        """``log_joint_fn(*param_vals)``: the parameters' prior log density plus the series' log
        likelihood (summed over any sample dims of the series beyond the parameters')."""
        x, mask = util.canonicalize_observed_time_series_with_mask(observed_time_series)
        num_timesteps = x.shape[-2]
        prior = self._joint_prior_distribution()

        def log_joint_fn(*param_vals, **param_kwargs):
            if param_kwargs:
                if param_vals:
                    raise ValueError("log_joint_fn saw both positional and named args: choose one")
                param_vals = [param_kwargs[p.name] for p in self._parameters]
            param_lp = prior.log_prob({p.name: v for p, v in zip(self._parameters, param_vals)})
            ssm = self.make_state_space_model(num_timesteps=num_timesteps, param_vals=list(param_vals))
            obs_lp = ssm.log_prob(x, mask=mask)
            extra = max(0, obs_lp.ndim - param_lp.ndim)
            if extra:
                obs_lp = wb.reduce_sum(obs_lp, axis=list(range(extra)))
            return param_lp + obs_lp
        return log_joint_fn

    def __repr__(self):
        return (f"<sts.{type(self).__name__} {self.name!r} latent_size={self._latent_size} "
                f"parameters={[p.name for p in self._parameters]} batch_shape={list(self.batch_shape)}>")
