"""VariationalGaussianProcess: a sparse GP with a variational distribution over inducing values."""

from __future__ import annotations

import math

import workbench as wb

from .. import internal
from . import _gp
from .gaussian_process import GaussianProcess

__all__ = ["VariationalGaussianProcess"]


class VariationalGaussianProcess(GaussianProcess):
    """The predictive distribution of a sparse variational GP (Titsias, 2009; Hensman et al., 2013).

    The inducing values ``u = f(inducing_index_points)`` have the variational distribution
    ``q(u) = N(variational_inducing_observations_loc, S S^T)`` with ``S =
    variational_inducing_observations_scale`` (lower triangular). At ``index_points`` ``x``, with
    ``C = K_zz^-1 K_zx`` (``K_zz`` with ``jitter`` on its diagonal):

    ``mean = m(x) + C^T (loc - m(z))``,
    ``cov = K_xx - C^T (K_zz - S S^T) C + predictive_noise_variance * I`` (``K_zz`` here without jitter).

    ``variational_loss(observations)`` is the negative evidence lower bound with Gaussian noise
    ``observation_noise_variance``, to minimize over the kernel, the inducing points and ``q``.
    """

    def __init__(self, kernel, index_points, inducing_index_points, variational_inducing_observations_loc,
                 variational_inducing_observations_scale, mean_fn=None, observation_noise_variance=None,
                 predictive_noise_variance=None, jitter=1e-6, validate_args=False, allow_nan_stats=False,
                 name="VariationalGaussianProcess"):
        parameters = dict(locals())
        owner = "VariationalGaussianProcess"
        noise = 0.0 if observation_noise_variance is None else observation_noise_variance
        pred = noise if predictive_noise_variance is None else predictive_noise_variance
        self._dtype_args = (inducing_index_points, variational_inducing_observations_loc,
                            variational_inducing_observations_scale, noise)
        super().__init__(kernel, index_points, mean_fn, pred, None, None, jitter, validate_args, allow_nan_stats,
                         parameters, name)
        self._obs_noise = internal.as_param(noise, "observation_noise_variance", self._gp_dtype, owner)
        self._inducing = _gp.as_index_points(inducing_index_points, kernel, owner, "inducing_index_points",
                                              self._gp_dtype)
        self._q_loc = internal.as_param(variational_inducing_observations_loc, "variational_inducing_observations_loc",
                                        self._gp_dtype, owner)
        self._q_scale = internal.as_param(variational_inducing_observations_scale,
                                          "variational_inducing_observations_scale", self._gp_dtype, owner)
        m = _gp.num_points(self._inducing, kernel)
        if self._q_loc.ndim < 1 or self._q_loc.shape[-1] != m:
            raise ValueError(f"{owner}: `variational_inducing_observations_loc` has shape {self._q_loc.shape}; "
                             f"expected [..., {m}] (one per inducing point)")
        if self._q_scale.ndim < 2 or tuple(self._q_scale.shape[-2:]) != (m, m):
            raise ValueError(f"{owner}: `variational_inducing_observations_scale` has shape {self._q_scale.shape}; "
                             f"expected [..., {m}, {m}]")

    def _dtype_arguments(self):
        return self._dtype_args

    @property
    def inducing_index_points(self):
        return self._inducing

    @property
    def variational_inducing_observations_loc(self):
        return self._q_loc

    @property
    def variational_inducing_observations_scale(self):
        return self._q_scale

    @property
    def observation_noise_variance(self):
        return self._obs_noise

    @property
    def predictive_noise_variance(self):
        return self._observation_noise_variance

    def _batch_shape(self):
        return internal.broadcast_shapes(super()._batch_shape(), tuple(self._obs_noise.shape),
                                         _gp.points_batch(self._inducing, self._kernel),
                                         tuple(self._q_loc.shape[:-1]), tuple(self._q_scale.shape[:-2]))

    def _zz_chol(self):
        z = self._inducing
        return wb.linalg.cholesky(_gp.add_diagonal(self._kernel.matrix(z, z), self._jitter))

    def _predictive(self, x, full_cov, jitter_free_kzz=True):
        """``(mean, cov or marginal variance)`` of q(f(x)) without predictive noise; the loss takes
        ``jitter_free_kzz=False`` (its trace term uses the jittered ``K_zz`` throughout)."""
        z = self._inducing
        chol = self._zz_chol()
        k_zx = self._kernel.matrix(z, x)
        batch = internal.broadcast_shapes(tuple(chol.shape[:-2]), tuple(k_zx.shape[:-2]),
                                          tuple(self._q_scale.shape[:-2]), tuple(self._q_loc.shape[:-1]))
        chol = _gp.broadcast_batch(chol, batch, 2)
        a = wb.linalg.triangular_solve(chol, _gp.broadcast_batch(k_zx, batch, 2), lower=True)   # L^-1 K_zx
        c = wb.linalg.triangular_solve(chol, a, lower=True, adjoint=True)                        # K_zz^-1 K_zx
        resid = self._q_loc - _gp.mean_at(self._mean_fn, z, self._kernel, self._gp_dtype)
        mean = _gp.mean_at(self._mean_fn, x, self._kernel, self._gp_dtype) + \
            wb.linalg.matvec(c, _gp.broadcast_batch(resid, batch, 1), transpose_a=True)
        sc = wb.linalg.matmul(_gp.broadcast_batch(self._q_scale, batch, 2), c, transpose_a=True)  # S^T C
        # TFP subtracts C^T K_zz C with K_zz free of jitter: a^T a = C^T (K_zz + jitter I) C, so the
        # jitter's part, jitter C^T C, is added back
        jitter = self._jitter if jitter_free_kzz else 0.0
        if full_cov:
            cov = self._kernel.matrix(x, x) - wb.linalg.matmul(a, a, transpose_a=True) + \
                wb.linalg.matmul(sc, sc, transpose_a=True) + jitter * wb.linalg.matmul(c, c, transpose_a=True)
            return mean, cov
        var = self._kernel.apply(x, x, example_ndims=1) - wb.reduce_sum(wb.square(a), axis=-2) + \
            wb.reduce_sum(wb.square(sc), axis=-2) + jitter * wb.reduce_sum(wb.square(c), axis=-2)
        return mean, var

    def _loc(self):
        return self._predictive(self._points(), False)[0]

    def _cov(self):
        return _gp.add_diagonal(self._predictive(self._points(), True)[1], self._observation_noise_variance)

    def _marginal_variance(self):
        return self._predictive(self._points(), False)[1] + _gp.per_point(self._observation_noise_variance)

    def surrogate_posterior_kl_divergence_prior(self, name=None):
        """``KL(q(u) || p(u))`` with ``p(u) = N(m(z), K_zz)``."""
        chol = self._zz_chol()
        m = self._q_scale.shape[-1]
        batch = internal.broadcast_shapes(tuple(chol.shape[:-2]), tuple(self._q_scale.shape[:-2]),
                                          tuple(self._q_loc.shape[:-1]))
        chol = _gp.broadcast_batch(chol, batch, 2)
        scale = _gp.broadcast_batch(wb.linalg.band_part(self._q_scale, -1, 0), batch, 2)
        resid = _gp.broadcast_batch(
            self._q_loc - _gp.mean_at(self._mean_fn, self._inducing, self._kernel, self._gp_dtype), batch, 1)
        trace = wb.reduce_sum(wb.square(wb.linalg.triangular_solve(chol, scale, lower=True)), axis=[-2, -1])
        maha = wb.reduce_sum(wb.square(wb.linalg.triangular_solve(chol, resid[..., None], lower=True)), axis=[-2, -1])
        logdet_p = 2.0 * wb.reduce_sum(wb.log(wb.linalg.diag_part(chol)), axis=-1)
        logdet_q = 2.0 * wb.reduce_sum(wb.log(wb.abs(wb.linalg.diag_part(scale))), axis=-1)
        return 0.5 * (trace + maha - m + logdet_p - logdet_q)

    def variational_loss(self, observations, observation_index_points=None, kl_weight=1.0, name=None):
        """The negative evidence lower bound:

        ``-sum_i E_q[log N(y_i | f(x_i), s2)] + kl_weight * KL(q(u) || p(u))``, where
        ``E_q[log N(y | f, s2)] = log N(y | mean, s2) - var / (2 s2)`` with ``mean`` and ``var``
        the marginals of q(f(x_i)) and ``s2 = observation_noise_variance`` (which must be > 0).
        ``observation_index_points`` default to ``index_points``.
        """
        owner = "VariationalGaussianProcess.variational_loss"
        x = self._points() if observation_index_points is None else \
            _gp.as_index_points(observation_index_points, self._kernel, owner, "observation_index_points",
                                self._gp_dtype)
        y = internal.as_param(observations, "observations", self._gp_dtype, owner)
        n = _gp.num_points(x, self._kernel)
        if y.ndim < 1 or y.shape[-1] != n:
            raise ValueError(f"{owner}: `observations` has shape {y.shape}; expected [..., {n}]")
        if not bool(wb.reduce_all(self._obs_noise > 0)):
            raise ValueError(f"{owner}: needs a positive `observation_noise_variance`, got {self._obs_noise.numpy()!r}")
        mean, var = self._predictive(x, False, jitter_free_kzz=False)
        s2 = _gp.per_point(self._obs_noise)
        expected = -0.5 * math.log(2 * math.pi) - 0.5 * wb.log(s2) - 0.5 * (wb.square(y - mean) + var) / s2
        return -wb.reduce_sum(expected, axis=-1) + kl_weight * self.surrogate_posterior_kl_divergence_prior()
