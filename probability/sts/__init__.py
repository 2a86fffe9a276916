"""Structural time series with TensorFlow Probability's API (``tfp.sts``): components that build
linear Gaussian state space models, their priors, fitting (variational and HMC), forecasts and
decompositions. As in TFP 0.25 a component's name is a name scope (``'trend'`` becomes
``'trend/'``) and a ``Sum`` names its components' parameters ``'<component name>_<parameter>'``.

>>> import numpy as np
>>> from probability import sts
>>> y = np.sin(np.arange(40.) / 3.) + np.arange(40.) / 10.
>>> model = sts.Sum([sts.LocalLinearTrend(observed_time_series=y, name="trend")], observed_time_series=y)
>>> [p.name for p in model.parameters]
['observation_noise_scale', 'trend/_level_scale', 'trend/_slope_scale']
"""

from .structural_time_series import Parameter, StructuralTimeSeries
from .util import MaskedTimeSeries
from .local_level import LocalLevel, LocalLevelStateSpaceModel
from .local_linear_trend import LocalLinearTrend, LocalLinearTrendStateSpaceModel
from .semilocal_linear_trend import SemiLocalLinearTrend, SemiLocalLinearTrendStateSpaceModel
from .seasonal import ConstrainedSeasonalStateSpaceModel, Seasonal, SeasonalStateSpaceModel
from .smooth_seasonal import SmoothSeasonal, SmoothSeasonalStateSpaceModel
from .autoregressive import Autoregressive, AutoregressiveStateSpaceModel
from .autoregressive_integrated_moving_average import (AutoregressiveIntegratedMovingAverage,
                                                    AutoregressiveMovingAverageStateSpaceModel,
                                                    IntegratedStateSpaceModel)
from .dynamic_regression import DynamicLinearRegression, DynamicLinearRegressionStateSpaceModel
from .regression import LinearRegression, SparseLinearRegression
from .sum import AdditiveStateSpaceModel, Sum
from .fitting import build_factored_surrogate_posterior, fit_with_hmc, sample_uniform_initial_state
from .forecast import forecast, impute_missing_values, one_step_predictive
from .regularization import MissingValuesTolerance, regularize_series
from .decomposition import decompose_by_component, decompose_forecast_by_component

__all__ = ["Parameter", "StructuralTimeSeries", "MaskedTimeSeries", "LocalLevel", "LocalLevelStateSpaceModel",
           "LocalLinearTrend", "LocalLinearTrendStateSpaceModel", "AdditiveStateSpaceModel", "Sum",
           "SemiLocalLinearTrend", "SemiLocalLinearTrendStateSpaceModel", "Seasonal", "SeasonalStateSpaceModel",
           "ConstrainedSeasonalStateSpaceModel", "SmoothSeasonal", "SmoothSeasonalStateSpaceModel", "Autoregressive",
           "AutoregressiveStateSpaceModel", "LinearRegression", "SparseLinearRegression",
           "AutoregressiveIntegratedMovingAverage", "AutoregressiveMovingAverageStateSpaceModel",
           "IntegratedStateSpaceModel", "DynamicLinearRegression", "DynamicLinearRegressionStateSpaceModel",
           "build_factored_surrogate_posterior", "fit_with_hmc", "sample_uniform_initial_state", "forecast",
           "impute_missing_values", "one_step_predictive", "decompose_by_component",
           "decompose_forecast_by_component", "MissingValuesTolerance", "regularize_series"]
