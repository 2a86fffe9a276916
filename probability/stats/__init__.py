"""Statistics with TFP's API (``tfp.stats``): percentiles and quantiles, histograms, sample
covariance and correlation, auto correlation, calibration error."""

from .calibration import expected_calibration_error
from .quantiles import find_bins, histogram, percentile, quantiles
from .sample_stats import auto_correlation, cholesky_covariance, correlation, covariance, stddev, variance

__all__ = ["percentile", "quantiles", "histogram", "find_bins", "covariance", "correlation", "cholesky_covariance",
           "auto_correlation", "expected_calibration_error", "variance", "stddev"]
