"""GaussianProcessRegressionModel: a GP's posterior predictive given noisy observations."""

from __future__ import annotations

import workbench as wb

from .. import internal
from . import _gp
from .gaussian_process import GaussianProcess

__all__ = ["GaussianProcessRegressionModel"]


class GaussianProcessRegressionModel(GaussianProcess):
    """The posterior predictive of ``f(index_points)`` given ``observations`` at
    ``observation_index_points`` with Gaussian noise of variance ``observation_noise_variance``:

    ``mean = m(x) + K_xo (K_oo + s2 I)^-1 (y - m(o))``,
    ``cov = K_xx - K_xo (K_oo + s2 I)^-1 K_ox + predictive_noise_variance * I``

    (``predictive_noise_variance`` defaults to ``observation_noise_variance``). The solves use the
    Cholesky factor of ``K_oo + (s2 + jitter) I``; without observations it is the prior GP.

    >>> gprm = GaussianProcessRegressionModel(kernel, index_points=x_new, observation_index_points=x,
    ...                                       observations=y, observation_noise_variance=0.01)
    >>> gprm.mean(), gprm.stddev()
    """

    def __init__(self, kernel, index_points=None, observation_index_points=None, observations=None,
                 observation_noise_variance=0.0, predictive_noise_variance=None, mean_fn=None, cholesky_fn=None,
                 jitter=1e-6, validate_args=False, allow_nan_stats=False, name="GaussianProcessRegressionModel"):
        parameters = dict(locals())
        owner = "GaussianProcessRegressionModel"
        if (observation_index_points is None) != (observations is None):
            raise ValueError(f"{owner}: give both `observation_index_points` and `observations`, or neither")
        noise = observation_noise_variance
        pred = noise if predictive_noise_variance is None else predictive_noise_variance
        self._dtype_args = (observation_index_points, observations, noise)
        super().__init__(kernel, index_points, mean_fn, pred, None, cholesky_fn, jitter, validate_args,
                         allow_nan_stats, parameters, name)
        self._obs_noise = internal.as_param(noise, "observation_noise_variance", self._gp_dtype, owner)
        self._obs_points = _gp.as_index_points(observation_index_points, kernel, owner, "observation_index_points",
                                               self._gp_dtype)
        self._observations = None if observations is None else internal.as_param(
            observations, "observations", self._gp_dtype, owner)
        if self._observations is not None:
            n = _gp.num_points(self._obs_points, kernel)
            if self._observations.ndim < 1 or self._observations.shape[-1] != n:
                raise ValueError(f"{owner}: `observations` has shape {self._observations.shape}; expected [..., {n}] "
                                 f"(one per observation index point, shape {self._obs_points.shape})")

    def _dtype_arguments(self):
        return self._dtype_args

    @property
    def observation_index_points(self):
        return self._obs_points

    @property
    def observations(self):
        return self._observations

    @property
    def observation_noise_variance(self):
        return self._obs_noise

    @property
    def predictive_noise_variance(self):
        return self._observation_noise_variance

    def _batch_shape(self):
        shapes = [super()._batch_shape(), tuple(self._obs_noise.shape)]
        if self._observations is not None:
            shapes += [_gp.points_batch(self._obs_points, self._kernel), tuple(self._observations.shape[:-1])]
        return internal.broadcast_shapes(*shapes)

    def _posterior(self):
        """``(solve, a)``: ``L^-1 (y - m(o))`` and ``L^-1 K_ox`` for ``L L^T = K_oo + (s2 + jitter) I``."""
        o, x = self._obs_points, self._points()
        k_oo = _gp.add_diagonal(self._kernel.matrix(o, o), self._obs_noise + self._jitter)
        chol = self._cholesky_fn(k_oo) if self._cholesky_fn is not None else wb.linalg.cholesky(k_oo)
        k_ox = self._kernel.matrix(o, x)
        resid = self._observations - _gp.mean_at(self._mean_fn, o, self._kernel, self._gp_dtype)
        batch = internal.broadcast_shapes(tuple(chol.shape[:-2]), tuple(k_ox.shape[:-2]), tuple(resid.shape[:-1]))
        chol = _gp.broadcast_batch(chol, batch, 2)
        a = wb.linalg.triangular_solve(chol, _gp.broadcast_batch(k_ox, batch, 2), lower=True)
        solve = wb.linalg.triangular_solve(chol, _gp.broadcast_batch(resid, batch, 1)[..., None], lower=True)
        return solve, a

    def _loc(self):
        prior = super()._loc()
        if self._observations is None:
            return prior
        solve, a = self._posterior()
        return prior + wb.linalg.matmul(a, solve, transpose_a=True)[..., 0]

    def _cov(self):
        if self._observations is None:
            return super()._cov()
        x = self._points()
        _, a = self._posterior()
        cov = self._kernel.matrix(x, x) - wb.linalg.matmul(a, a, transpose_a=True)
        return _gp.add_diagonal(cov, self._observation_noise_variance)

    def _marginal_variance(self):
        if self._observations is None:
            return super()._marginal_variance()
        x = self._points()
        _, a = self._posterior()
        return (self._kernel.apply(x, x, example_ndims=1) - wb.reduce_sum(wb.square(a), axis=-2)
                + _gp.per_point(self._observation_noise_variance))
