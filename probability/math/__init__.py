"""Mathematical building blocks with TFP's API (``tfp.math``): special functions, triangular
packing, log-space reductions, ``value_and_gradient`` and ``minimize``, and positive-semidefinite kernels."""

from . import psd_kernels
from .generic import soft_threshold
from .linalg import fill_triangular, fill_triangular_inverse
from .reductions import log_combinations, reduce_logmeanexp, reduce_weighted_logsumexp
from .optimization import MinimizeTraceableQuantities, minimize, value_and_gradient
from .special import (bessel_ive, bessel_kve, erfcinv, lambertw, lbeta, log1mexp, log_add_exp, log_ndtr,
                      log_sub_exp, ndtri, owens_t, softplus_inverse)

__all__ = ["psd_kernels", "fill_triangular", "fill_triangular_inverse", "value_and_gradient", "minimize",
           "MinimizeTraceableQuantities", "bessel_ive", "bessel_kve", "erfcinv", "lambertw", "lbeta", "log1mexp",
           "log_add_exp", "log_ndtr", "log_sub_exp", "ndtri", "owens_t", "softplus_inverse",
           "reduce_logmeanexp", "reduce_weighted_logsumexp", "log_combinations", "soft_threshold"]
