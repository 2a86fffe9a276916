"""Mathematical building blocks with TFP's API (``tfp.math``): special functions, triangular
packing, log-space reductions, ``value_and_gradient`` and ``minimize``, root finding, interpolation,
Cholesky helpers, and positive-semidefinite kernels."""

from . import hypergeometric, ode, psd_kernels
from .cholesky import (cholesky_concat, cholesky_update, gram_schmidt, hpsd_logdet, hpsd_quadratic_form_solve,
                       hpsd_quadratic_form_solvevec, hpsd_solve, hpsd_solvevec, low_rank_cholesky,
                       pivoted_cholesky)
from .diag_jacobian import diag_jacobian
from .elementary import (atan_difference, clip_by_value_preserve_gradient, log1psquare, log_cosh,
                         round_exponential_bump_function, smootherstep, sqrt1pm1)
from .generic import custom_gradient, soft_sorting_matrix, soft_threshold, trapz
from .interpolation import (batch_interp_rectilinear_nd_grid, batch_interp_regular_1d_grid,
                            batch_interp_regular_nd_grid, interp_regular_1d_grid)
from .linalg import fill_triangular, fill_triangular_inverse, lu_matrix_inverse, lu_reconstruct, lu_solve
from .reductions import (log_combinations, log_cumsum_exp, reduce_kahan_sum, reduce_log_harmonic_mean_exp,
                         reduce_logmeanexp, reduce_weighted_logsumexp)
from .optimization import MinimizeTraceableQuantities, minimize, minimize_stateless, value_and_gradient
from .root_search import bracket_root, find_root_chandrupatla, find_root_secant, secant_root
from .scan_associative import scan_associative
from .sparse import dense_to_sparse, sparse_or_dense_matmul, sparse_or_dense_matvecmul
from .special import (bessel_ive, bessel_kve, erfcinv, lambertw, lbeta, log1mexp, log_add_exp, log_ndtr,
                      log_sub_exp, ndtri, owens_t, softplus_inverse)
from .special_scaled import (bessel_iv_ratio, betainc, betaincinv, dawsn, erfcx, igammacinv, igammainv,
                             lambertw_winitzki_approx, log_bessel_ive, log_bessel_kve, log_gamma_correction,
                             log_gamma_difference, logerfc, logerfcx)

__all__ = ["psd_kernels", "hypergeometric", "ode", "fill_triangular", "fill_triangular_inverse", "value_and_gradient",
           "minimize",
           "MinimizeTraceableQuantities", "bessel_ive", "bessel_kve", "erfcinv", "lambertw", "lbeta", "log1mexp",
           "log_add_exp", "log_ndtr", "log_sub_exp", "ndtri", "owens_t", "softplus_inverse",
           "reduce_logmeanexp", "reduce_weighted_logsumexp", "log_combinations", "soft_threshold",
           "lu_solve", "lu_matrix_inverse", "lu_reconstruct", "scan_associative", "log_cumsum_exp",
           "log1psquare", "log_cosh", "logerfc", "logerfcx", "erfcx", "dawsn", "sqrt1pm1", "atan_difference",
           "log_gamma_difference", "log_gamma_correction", "betainc", "betaincinv", "igammainv", "igammacinv",
           "bessel_iv_ratio", "log_bessel_ive", "log_bessel_kve", "lambertw_winitzki_approx",
           "reduce_kahan_sum", "reduce_log_harmonic_mean_exp", "clip_by_value_preserve_gradient",
           "custom_gradient", "diag_jacobian", "trapz", "interp_regular_1d_grid", "batch_interp_regular_1d_grid",
           "batch_interp_regular_nd_grid", "batch_interp_rectilinear_nd_grid", "cholesky_update",
           "cholesky_concat", "pivoted_cholesky", "low_rank_cholesky", "gram_schmidt", "hpsd_logdet",
           "hpsd_solve", "hpsd_solvevec", "hpsd_quadratic_form_solve", "hpsd_quadratic_form_solvevec",
           "find_root_chandrupatla", "find_root_secant", "secant_root", "bracket_root", "smootherstep",
           "round_exponential_bump_function", "soft_sorting_matrix", "sparse_or_dense_matmul",
           "sparse_or_dense_matvecmul", "dense_to_sparse", "minimize_stateless"]
