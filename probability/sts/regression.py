"""LinearRegression: a time-varying effect ``design_matrix[t] @ weights`` with static weights."""

from __future__ import annotations

import numpy as np

import workbench as wb

from .. import bijectors as tfb
from .. import distributions as tfd
from . import _common
from .structural_time_series import Parameter, StructuralTimeSeries

__all__ = ["LinearRegression", "SparseLinearRegression"]


def _zero_dimensional_mvn(dtype):
    return tfd.MultivariateNormalDiag(scale_diag=wb.ones([0], dtype=dtype))


class LinearRegression(StructuralTimeSeries):
    """``design_matrix`` (``[..., num_timesteps, num_features]``, a Tensor or LinearOperator)
    times ``weights``. Default prior: each weight ``StudentT(df=5, loc=0, scale=10)``. No latent
    state: the regression enters the observation model's mean."""

    def __init__(self, design_matrix, weights_prior=None, name=None):
        init_parameters = dict(locals())
        dm = _design(design_matrix, "LinearRegression")
        num_features = int(dm.shape[-1])
        dtype = dm.dtype
        if weights_prior is None:
            weights_prior = tfd.StudentT(df=wb.constant(5., dtype=dtype),
                                         loc=wb.zeros(tuple(dm.shape[:-2]), dtype=dtype),
                                         scale=wb.constant(10., dtype=dtype))
        if len(weights_prior.event_shape) == 0:
            weights_prior = tfd.Sample(weights_prior, sample_shape=[num_features])
        if weights_prior.dtype != dtype:
            raise TypeError(f"LinearRegression: `weights_prior` has dtype {weights_prior.dtype}, design_matrix {dtype}")
        self._design_matrix = dm
        bijector = weights_prior.experimental_default_event_space_bijector()
        super().__init__([Parameter("weights", weights_prior, bijector)], latent_size=0,
                         init_parameters=init_parameters, name=_common.scope_name(name, "LinearRegression"))

    @property
    def design_matrix(self):
        return self._design_matrix

    def _make_state_space_model(self, num_timesteps, param_map, initial_state_prior=None, initial_step=0, **kwargs):
        weights = _common.as_tensor(param_map["weights"], self._design_matrix.dtype, "weights")
        return _regression_ssm(self._design_matrix, weights, num_timesteps, initial_state_prior, initial_step, kwargs)


def _design(design_matrix, owner):
    if isinstance(design_matrix, wb.linalg.LinearOperator):
        design_matrix = design_matrix.to_dense()
    dm = design_matrix if isinstance(design_matrix, wb.Tensor) else wb.convert_to_tensor(design_matrix)
    if dm.dtype not in (wb.float32, wb.float64):
        raise TypeError(f"{owner}: `design_matrix` must be float32 or float64, got {dm.dtype}")
    if dm.ndim < 2:
        raise ValueError(f"{owner}: `design_matrix` has shape {list(dm.shape)}; expected "
                         f"[..., num_timesteps, num_features]")
    return dm


def _regression_ssm(design_matrix, weights, num_timesteps, initial_state_prior, initial_step, kwargs):
    """A state space model with no latent state whose observation mean at step ``t`` is
    ``design_matrix[t] @ weights``."""
    predicted = wb.matmul(design_matrix, weights[..., None])         # batch + [T, 1]
    dtype = design_matrix.dtype
    dummy = _zero_dimensional_mvn(dtype)
    num_rows = int(predicted.shape[-2])

    def observation_noise(t):
        t = int(t)
        if not 0 <= t < num_rows:
            raise ValueError(f"regression: step {t} is outside the design matrix's {num_rows} rows")
        loc = predicted[..., t, :]
        return tfd.MultivariateNormalDiag(loc=loc, scale_diag=wb.zeros_like(loc))

    return tfd.LinearGaussianStateSpaceModel(
        num_timesteps=num_timesteps, transition_matrix=wb.zeros([0, 0], dtype=dtype), transition_noise=dummy,
        observation_matrix=wb.zeros([1, 0], dtype=dtype), observation_noise=observation_noise,
        initial_state_prior=initial_state_prior or dummy, initial_step=initial_step, **kwargs)


class SparseLinearRegression(StructuralTimeSeries):
    """Linear regression with a horseshoe prior on the weights, written non-centered:
    ``weights = weights_noncentered * local_scales * global_scale`` with ``local_scales =
    local_scales_noncentered * sqrt(local_scale_variances)`` and ``global_scale =
    global_scale_noncentered * sqrt(global_scale_variance) * weights_prior_scale``; the variances
    ``InverseGamma(1/2, 1/2)``, the non-centered scales ``HalfNormal(1)``, the non-centered weights
    ``Normal(0, 1)``."""

    def __init__(self, design_matrix, weights_prior_scale=0.1, weights_batch_shape=None, name=None):
        init_parameters = dict(locals())
        dm = _design(design_matrix, "SparseLinearRegression")
        dtype = dm.dtype
        batch = tuple(dm.shape[:-2]) if weights_batch_shape is None else tuple(int(d) for d in weights_batch_shape)
        self._design_matrix = dm
        self._weights_prior_scale = weights_prior_scale
        ones_b = wb.ones(batch, dtype=dtype)
        ones_w = wb.ones(batch + (int(dm.shape[-1]),), dtype=dtype)
        soft = tfb.Softplus(low=float(np.finfo(np.dtype(dtype.name)).eps))
        parameters = [
            Parameter("global_scale_variance", tfd.InverseGamma(0.5 * ones_b, 0.5 * ones_b), soft),
            Parameter("global_scale_noncentered", tfd.HalfNormal(scale=ones_b), soft),
            Parameter("local_scale_variances",
                      tfd.Independent(tfd.InverseGamma(0.5 * ones_w, 0.5 * ones_w), reinterpreted_batch_ndims=1), soft),
            Parameter("local_scales_noncentered",
                      tfd.Independent(tfd.HalfNormal(scale=ones_w), reinterpreted_batch_ndims=1), soft),
            Parameter("weights_noncentered",
                      tfd.Independent(tfd.Normal(loc=wb.zeros_like(ones_w), scale=ones_w), reinterpreted_batch_ndims=1),
                      tfb.Identity())]
        super().__init__(parameters, latent_size=0, init_parameters=init_parameters,
                         name=_common.scope_name(name, "SparseLinearRegression"))

    @property
    def design_matrix(self):
        return self._design_matrix

    @property
    def weights_prior_scale(self):
        return self._weights_prior_scale

    def params_to_weights(self, global_scale_variance, global_scale_noncentered, local_scale_variances,
                          local_scales_noncentered, weights_noncentered):
        """The regression weights from the non-centered parameters."""
        global_scale = global_scale_noncentered * wb.sqrt(global_scale_variance) * self._weights_prior_scale
        local_scales = local_scales_noncentered * wb.sqrt(local_scale_variances)
        return weights_noncentered * local_scales * global_scale[..., None]

    def _make_state_space_model(self, num_timesteps, param_map, initial_state_prior=None, initial_step=0, **kwargs):
        dtype = self._design_matrix.dtype
        values = {p.name: _common.as_tensor(param_map[p.name], dtype, p.name) for p in self.parameters}
        return _regression_ssm(self._design_matrix, self.params_to_weights(**values), num_timesteps,
                               initial_state_prior, initial_step, kwargs)
