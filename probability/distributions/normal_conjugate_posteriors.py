"""Closed-form posteriors of normal models with conjugate normal priors (TFP's module-level
functions ``mvn_conjugate_linear_update``, ``normal_conjugates_known_scale_posterior`` and
``normal_conjugates_known_scale_predictive``)."""

from __future__ import annotations

import numpy as np

import workbench as wb

from .normal import Normal

__all__ = ["mvn_conjugate_linear_update", "normal_conjugates_known_scale_posterior",
           "normal_conjugates_known_scale_predictive"]


def _dense(m, what):
    if isinstance(m, wb.linalg.LinearOperator):
        return m.to_dense()
    t = m if isinstance(m, wb.Tensor) else wb.constant(np.asarray(m) if isinstance(m, (list, tuple)) else m)
    if t.ndim < 2:
        raise ValueError(f"mvn_conjugate_linear_update: `{what}` must be a matrix or a LinearOperator, got shape "
                         f"{list(t.shape)}")
    return t


def mvn_conjugate_linear_update(prior_scale, linear_transformation, likelihood_scale, observation, prior_mean=None,
                                name=None):
    """The posterior of ``latent ~ MVN(prior_mean, prior_scale)`` given ``observation ~
    MVN(linear_transformation @ latent, likelihood_scale)`` (Bayesian linear regression with the
    design matrix ``linear_transformation``, ``[..., num_outputs, num_features]``).

    Returns ``(posterior_mean, posterior_prec)``: the mean ``[..., num_features]`` and the
    precision ``X^T (L_y L_y^T)^-1 X + (L_0 L_0^T)^-1`` as a ``LinearOperatorFullMatrix`` (marked
    self-adjoint and positive definite); the scales may be Tensors or LinearOperators.

    >>> mean, prec = mvn_conjugate_linear_update(wb.eye(2), x, 0.1 * wb.eye(5), y)
    """
    prior = _dense(prior_scale, "prior_scale")
    design = _dense(linear_transformation, "linear_transformation")
    lik = _dense(likelihood_scale, "likelihood_scale")
    y = observation if isinstance(observation, wb.Tensor) else wb.constant(np.asarray(observation), dtype=design.dtype)
    if design.shape[-1] != prior.shape[-1] or design.shape[-2] != lik.shape[-1] or y.shape[-1] != lik.shape[-1]:
        raise ValueError(f"mvn_conjugate_linear_update: shapes do not line up: prior_scale {list(prior.shape)}, "
                         f"linear_transformation {list(design.shape)} ([..., num_outputs, num_features]), "
                         f"likelihood_scale {list(lik.shape)}, observation {list(y.shape)}")
    prior_inv = wb.linalg.inv(prior)
    prior_prec = wb.matmul(prior_inv, prior_inv, transpose_a=True)
    lik_inv = wb.linalg.inv(lik)
    scaled = wb.matmul(lik_inv, design)                                   # L_y^-1 X
    prec = prior_prec + wb.matmul(scaled, scaled, transpose_a=True)
    prec = 0.5 * (prec + wb.linalg.matrix_transpose(prec))
    white_y = wb.matmul(lik_inv, y[..., None])                            # L_y^-1 y
    rhs = wb.matmul(scaled, white_y, transpose_a=True)[..., 0]
    if prior_mean is not None:
        m0 = prior_mean if isinstance(prior_mean, wb.Tensor) else wb.constant(np.asarray(prior_mean), dtype=y.dtype)
        rhs = rhs + wb.matmul(prior_prec, m0[..., None])[..., 0]
    chol = wb.linalg.cholesky(prec)
    batch = np.broadcast_shapes(tuple(chol.shape[:-2]), tuple(rhs.shape[:-1]))
    chol = wb.broadcast_to(chol, tuple(batch) + tuple(chol.shape[-2:]))
    rhs = wb.broadcast_to(rhs, tuple(batch) + tuple(rhs.shape[-1:]))
    mean = wb.linalg.cholesky_solve(chol, rhs[..., None])[..., 0]
    return mean, wb.linalg.LinearOperatorFullMatrix(prec, is_non_singular=True, is_self_adjoint=True,
                                                    is_positive_definite=True, is_square=True)


def _known_scale_terms(prior, scale, s, n, what):
    if not isinstance(prior, Normal):
        raise TypeError(f"{what}: `prior` must be a Normal, got {type(prior).__name__}")
    s = s if isinstance(s, wb.Tensor) else wb.constant(s, dtype=prior.dtype)
    if s.dtype != prior.dtype:
        raise TypeError(f"{what}: the observation sum `s` has dtype {s.dtype}, the prior has dtype {prior.dtype}")
    scale = scale if isinstance(scale, wb.Tensor) else wb.constant(scale, dtype=prior.dtype)
    n = wb.cast(n if isinstance(n, wb.Tensor) else wb.constant(n), prior.dtype)
    scale0_2, scale_2 = wb.square(prior.scale), wb.square(scale)
    post_var = 1.0 / (1.0 / scale0_2 + n / scale_2)
    return (prior.loc / scale0_2 + s / scale_2) * post_var, post_var, scale_2


def normal_conjugates_known_scale_posterior(prior, scale, s, n):
    """The posterior ``Normal`` of the mean ``loc`` of ``N(loc, scale**2)`` given ``n``
    observations with sum ``s``, under the ``Normal`` ``prior`` on ``loc``:
    ``scale'**2 = 1 / (1 / scale0**2 + n / scale**2)``,
    ``loc' = (loc0 / scale0**2 + s / scale**2) * scale'**2``."""
    loc, var, _ = _known_scale_terms(prior, scale, s, n, "normal_conjugates_known_scale_posterior")
    return Normal(loc=loc, scale=wb.sqrt(var))


def normal_conjugates_known_scale_predictive(prior, scale, s, n):
    """The posterior predictive ``Normal`` of a new observation: the posterior of
    ``normal_conjugates_known_scale_posterior`` widened by the known variance,
    ``N(loc', scale'**2 + scale**2)``."""
    loc, var, scale_2 = _known_scale_terms(prior, scale, s, n, "normal_conjugates_known_scale_predictive")
    return Normal(loc=loc, scale=wb.sqrt(var + scale_2))
