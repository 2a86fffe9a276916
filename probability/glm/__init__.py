"""Generalized linear models with TFP's API (``tfp.glm``): exponential families with their link
functions, Fisher scoring (``fit``) and L1-regularized proximal Hessian coordinate descent
(``fit_sparse``)."""

from .family import (Bernoulli, BernoulliNormalCDF, Binomial, CustomExponentialFamily, ExponentialFamily, GammaExp,
                     GammaSoftplus, LogNormal, LogNormalSoftplus, NegativeBinomial, NegativeBinomialSoftplus, Normal,
                     NormalReciprocal, Poisson, PoissonSoftplus)
from .fisher_scoring import (compute_predicted_linear_response,
                             convergence_criteria_small_relative_norm_weights_change, fit, fit_one_step)
from .proximal_hessian import fit_sparse, fit_sparse_one_step

__all__ = [
    "Bernoulli", "BernoulliNormalCDF", "Binomial", "CustomExponentialFamily", "ExponentialFamily", "GammaExp",
    "GammaSoftplus", "LogNormal", "LogNormalSoftplus", "NegativeBinomial", "NegativeBinomialSoftplus", "Normal",
    "NormalReciprocal", "Poisson", "PoissonSoftplus", "compute_predicted_linear_response",
    "convergence_criteria_small_relative_norm_weights_change", "fit", "fit_one_step", "fit_sparse",
    "fit_sparse_one_step",
]
