"""Fitting an L1 (and L2) regularized GLM by proximal Hessian coordinate descent
(``tfp.glm.fit_sparse``, ``fit_sparse_one_step``), as GLMNET does.

The loss is ``-sum_i log p(y_i | x_i, w) + l1 ||w||_1 + l2 ||w||_2**2``. Each outer step takes
the gradient of the negative log-likelihood and its Fisher information
``X^T diag(grad_mean**2 / variance) X`` at the current ``w`` and runs coordinate sweeps of
``tfp.optimizer.proximal_hessian_sparse_one_step`` on that quadratic model.
"""

from __future__ import annotations

import numpy as np

import workbench as wb

from ..optimizer import proximal_hessian_sparse
from .fisher_scoring import prepare_args

__all__ = ["fit_sparse", "fit_sparse_one_step"]


def _grad_neg_log_likelihood_and_fim(model_matrix, linear_response, response, model):
    """``(gradient of -log-likelihood, X, Fisher weights)``: the Fisher information is
    ``X^T diag(weights) X``. Rows where ``grad_mean`` or ``variance`` is zero or not finite
    contribute nothing."""
    mean, variance, grad_mean = model(linear_response)
    is_valid = (wb.math.is_finite(grad_mean) & wb.math.not_equal(grad_mean, 0.)
                & wb.math.is_finite(variance) & (variance > 0.))
    safe_variance = wb.where(is_valid, variance, wb.ones_like(variance))
    v = wb.where(is_valid, (response - mean) * grad_mean / safe_variance, wb.zeros_like(mean))
    grad_log_likelihood = wb.linalg.matvec(model_matrix, v, adjoint_a=True)
    fim_middle = wb.where(is_valid, grad_mean ** 2 / safe_variance, wb.zeros_like(mean))
    return -grad_log_likelihood, model_matrix, fim_middle


def _check(owner, tolerance, l1_regularizer, maximum_full_sweeps):
    if l1_regularizer is None:
        raise ValueError(f"{owner}: `l1_regularizer` is required (use tfp.glm.fit without L1 regularization)")
    if int(maximum_full_sweeps) < 1:
        raise ValueError(f"{owner}: the number of sweeps must be >= 1, got {maximum_full_sweeps}")
    if tolerance is None:
        raise ValueError(f"{owner}: `tolerance` is required")


def fit_sparse_one_step(model_matrix, response, model, model_coefficients_start, tolerance, l1_regularizer,
                        l2_regularizer=None, maximum_full_sweeps=None, learning_rate=None, name=None):
    """One outer step of ``fit_sparse``. Returns ``(model_coefficients, is_converged, num_iter)``."""
    maximum_full_sweeps = 1 if maximum_full_sweeps is None else maximum_full_sweeps
    _check("tfp.glm.fit_sparse_one_step", tolerance, l1_regularizer, maximum_full_sweeps)
    x, y, w, r, _ = prepare_args(model_matrix, response, model_coefficients_start, None, None,
                                 owner="tfp.glm.fit_sparse_one_step")
    g, h_outer, h_middle = _grad_neg_log_likelihood_and_fim(x, r, y, model)
    return proximal_hessian_sparse.minimize_one_step(g, h_outer, h_middle, w, tolerance, l1_regularizer,
                                                     l2_regularizer, maximum_full_sweeps, learning_rate)


def fit_sparse(model_matrix, response, model, model_coefficients_start, tolerance, l1_regularizer,
               l2_regularizer=None, maximum_iterations=None, maximum_full_sweeps_per_iteration=1,
               learning_rate=None, name=None):
    """Fit a GLM with L1 (and optionally L2) regularization, keeping the coefficients sparse.

    ``model_coefficients_start`` is ``[..., num_features]``. Each of at most
    ``maximum_iterations`` (default 1) outer steps recomputes the gradient and Fisher
    information and runs up to ``maximum_full_sweeps_per_iteration`` coordinate sweeps; the fit
    has converged when a step's sweep moves the coefficients by less than
    ``sqrt(tolerance) * (1 + ||w||_2)``. Returns ``(model_coefficients, is_converged, num_iter)``.

    >>> x = wb.constant([[1., 0.], [0., 1.], [1., 1.]])
    >>> w, converged, _ = fit_sparse(x, wb.constant([2., 0., 2.]), Normal(), wb.zeros([2]),
    ...                              tolerance=1e-8, l1_regularizer=1., maximum_iterations=10)
    >>> w.numpy().round(4)            # the second coefficient is exactly zero
    array([1.5, 0. ], dtype=float32)
    """
    maximum_iterations = 1 if maximum_iterations is None else maximum_iterations
    _check("tfp.glm.fit_sparse", tolerance, l1_regularizer, maximum_full_sweeps_per_iteration)
    x, y, w, _, _ = prepare_args(model_matrix, response, model_coefficients_start, None, None,
                                 owner="tfp.glm.fit_sparse")

    def grad_and_hessian_loss_fn(coefficients):
        r = wb.linalg.matvec(x, coefficients)
        return _grad_neg_log_likelihood_and_fim(x, r, y, model)

    return proximal_hessian_sparse.minimize(grad_and_hessian_loss_fn, w, tolerance, l1_regularizer,
                                            l2_regularizer, maximum_iterations, maximum_full_sweeps_per_iteration,
                                            learning_rate)
