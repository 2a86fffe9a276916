"""Statistics with TFP's API (``tfp.stats``): percentiles and quantiles, histograms and integer
counts, sample covariance and correlation, auto correlation, calibration and Brier scores, moving,
windowed and leave-one-out statistics, rank statistics."""

from .calibration import (brier_decomposition, brier_score, expected_calibration_error,
                          expected_calibration_error_quantiles)
from .leave_one_out import log_loomean_exp, log_loosum_exp, log_soomean_exp, log_soosum_exp
from .moving_stats import (assign_log_moving_mean_exp, assign_moving_mean_variance,
                           moving_mean_variance_zero_debiased)
from .quantiles import count_integers, find_bins, histogram, percentile, quantiles
from .ranking import kendalls_tau, quantile_auc
from .sample_stats import (auto_correlation, cholesky_covariance, correlation, covariance, log_average_probs,
                           stddev, variance)
from .windowed import cumulative_variance, windowed_mean, windowed_variance

__all__ = ["percentile", "quantiles", "histogram", "find_bins", "covariance", "correlation", "cholesky_covariance",
           "auto_correlation", "expected_calibration_error", "variance", "stddev",
           "assign_moving_mean_variance", "assign_log_moving_mean_exp", "moving_mean_variance_zero_debiased",
           "brier_score", "brier_decomposition", "count_integers", "cumulative_variance",
           "expected_calibration_error_quantiles", "kendalls_tau", "log_average_probs", "log_loomean_exp",
           "log_loosum_exp", "log_soomean_exp", "log_soosum_exp", "quantile_auc", "windowed_mean",
           "windowed_variance"]
