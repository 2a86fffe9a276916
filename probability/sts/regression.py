"""LinearRegression: a time-varying effect ``design_matrix[t] @ weights`` with static weights."""

from __future__ import annotations

import workbench as wb

from .. import distributions as tfd
from . import _common
from .structural_time_series import Parameter, StructuralTimeSeries

__all__ = ["LinearRegression"]


def _zero_dimensional_mvn(dtype):
    return tfd.MultivariateNormalDiag(scale_diag=wb.ones([0], dtype=dtype))


class LinearRegression(StructuralTimeSeries):
    """``design_matrix`` (``[..., num_timesteps, num_features]``, a Tensor or LinearOperator)
    times ``weights``. Default prior: each weight ``StudentT(df=5, loc=0, scale=10)``. No latent
    state: the regression enters the observation model's mean."""

    def __init__(self, design_matrix, weights_prior=None, name=None):
        init_parameters = dict(locals())
        if isinstance(design_matrix, wb.linalg.LinearOperator):
            design_matrix = design_matrix.to_dense()
        dm = design_matrix if isinstance(design_matrix, wb.Tensor) else wb.convert_to_tensor(design_matrix)
        if dm.dtype not in (wb.float32, wb.float64):
            raise TypeError(f"LinearRegression: `design_matrix` must be float32 or float64, got {dm.dtype}")
        if dm.ndim < 2:
            raise ValueError(f"LinearRegression: `design_matrix` has shape {list(dm.shape)}; expected "
                             f"[..., num_timesteps, num_features]")
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
        predicted = wb.matmul(self._design_matrix, weights[..., None])         # batch + [T, 1]
        dtype = self._design_matrix.dtype
        dummy = _zero_dimensional_mvn(dtype)
        num_rows = int(predicted.shape[-2])

        def observation_noise(t):
            t = int(t)
            if not 0 <= t < num_rows:
                raise ValueError(f"LinearRegression: step {t} is outside the design matrix's {num_rows} rows")
            loc = predicted[..., t, :]
            return tfd.MultivariateNormalDiag(loc=loc, scale_diag=wb.zeros_like(loc))

        return tfd.LinearGaussianStateSpaceModel(
            num_timesteps=num_timesteps, transition_matrix=wb.zeros([0, 0], dtype=dtype), transition_noise=dummy,
            observation_matrix=wb.zeros([1, 0], dtype=dtype), observation_noise=observation_noise,
            initial_state_prior=initial_state_prior or dummy, initial_step=initial_step, **kwargs)
