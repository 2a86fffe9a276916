"""DynamicLinearRegression: regression weights that follow Gaussian random walks."""

from __future__ import annotations

import workbench as wb

from .. import distributions as tfd
from . import _common, util
from .structural_time_series import Parameter, StructuralTimeSeries

__all__ = ["DynamicLinearRegression", "DynamicLinearRegressionStateSpaceModel"]


class DynamicLinearRegressionStateSpaceModel(_common.ComponentStateSpaceModel):
    """Latent: the weights, ``weights[t] = weights[t-1] + Normal(0, drift_scale)``; observed as
    ``design_matrix[t] @ weights[t] + Normal(0, observation_noise_scale)``."""

    def __init__(self, num_timesteps, design_matrix, drift_scale, initial_state_prior, observation_noise_scale=0.,
                 name=None, **linear_gaussian_ssm_kwargs):
        parameters = dict(locals())
        dtype = initial_state_prior.dtype
        dm = _common.as_tensor(design_matrix.to_dense() if isinstance(design_matrix, wb.linalg.LinearOperator)
                               else design_matrix, dtype, "design_matrix")
        if dm.ndim < 2:
            raise ValueError(f"DynamicLinearRegressionStateSpaceModel: `design_matrix` has shape {list(dm.shape)}; "
                             f"expected [..., num_timesteps, num_features]")
        self._design_matrix = dm
        self._drift_scale = _common.as_tensor(drift_scale, dtype, "drift_scale")
        self._observation_noise_scale = _common.as_tensor(observation_noise_scale, dtype, "observation_noise_scale")
        k, rows = int(dm.shape[-1]), int(dm.shape[-2])

        def observation_matrix(t):
            t = int(t)
            if not 0 <= t < rows:
                raise ValueError(f"DynamicLinearRegression: step {t} is outside the design matrix's {rows} rows")
            return dm[..., t, None, :]

        super().__init__(num_timesteps=num_timesteps, transition_matrix=wb.eye(k, dtype=dtype),
                         transition_noise=_common.mvn_diag(self._drift_scale[..., None] * wb.ones([k], dtype=dtype)),
                         observation_matrix=observation_matrix,
                         observation_noise=_common.mvn_diag(self._observation_noise_scale[..., None]),
                         initial_state_prior=initial_state_prior, name=name or "DynamicLinearRegressionStateSpaceModel",
                         **linear_gaussian_ssm_kwargs)
        self._set_parameters(parameters)

    design_matrix = property(lambda self: self._design_matrix)
    drift_scale = property(lambda self: self._drift_scale)
    observation_noise_scale = property(lambda self: self._observation_noise_scale)


class DynamicLinearRegression(StructuralTimeSeries):
    """Regression on ``design_matrix`` (``[..., num_timesteps, num_features]``) with drifting
    weights. Default priors: ``drift_scale ~ LogNormal(log(.05 * stddev), 3)`` (stddev of
    ``observed_time_series``, else 1), initial weights ``MultivariateNormalDiag(0, 10)``."""

    def __init__(self, design_matrix, drift_scale_prior=None, initial_weights_prior=None, observed_time_series=None,
                 name=None):
        init_parameters = dict(locals())
        dm = design_matrix.to_dense() if isinstance(design_matrix, wb.linalg.LinearOperator) else design_matrix
        dm = dm if isinstance(dm, wb.Tensor) else wb.convert_to_tensor(dm)
        dtype = dm.dtype if dm.dtype in (wb.float32, wb.float64) else _common.dtype_of(drift_scale_prior,
                                                                                      initial_weights_prior)
        if dm.ndim < 2:
            raise ValueError(f"DynamicLinearRegression: `design_matrix` has shape {list(dm.shape)}; expected "
                             f"[..., num_timesteps, num_features]")
        design_matrix = wb.cast(dm, dtype)
        num_features = int(design_matrix.shape[-1])
        if initial_weights_prior is None:
            initial_weights_prior = tfd.MultivariateNormalDiag(scale_diag=10. * wb.ones([num_features], dtype=dtype))
        if observed_time_series is None:
            stddev = wb.constant(1., dtype=dtype)
        else:
            _, stddev, _ = util.empirical_statistics(observed_time_series)
        if drift_scale_prior is None:
            drift_scale_prior = tfd.LogNormal(loc=wb.log(.05 * stddev), scale=wb.constant(3., dtype=dtype),
                                              name="drift_scale_prior")
        self._initial_state_prior = initial_weights_prior
        self._design_matrix = design_matrix
        super().__init__([Parameter("drift_scale", drift_scale_prior, _common.scaled_softplus(stddev, dtype))],
                         latent_size=num_features, init_parameters=init_parameters,
                         name=_common.scope_name(name, "DynamicLinearRegression"))

    initial_state_prior = property(lambda self: self._initial_state_prior)
    design_matrix = property(lambda self: self._design_matrix)

    def _make_state_space_model(self, num_timesteps, param_map, initial_state_prior=None, **kwargs):
        kwargs.update(param_map)
        return DynamicLinearRegressionStateSpaceModel(
            num_timesteps=num_timesteps, design_matrix=self._design_matrix,
            initial_state_prior=initial_state_prior or self._initial_state_prior, **kwargs)
