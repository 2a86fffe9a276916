"""StudentTProcess: the marginal distribution of a Student-t process at index points."""

from __future__ import annotations

import math

import workbench as wb

from .. import internal
from . import _gp
from .distribution import FULLY_REPARAMETERIZED
from .gaussian_process import GaussianProcess
from .mvst_linear_operator import MultivariateStudentTLinearOperator

__all__ = ["StudentTProcess"]


class StudentTProcess(GaussianProcess):
    """``f(index_points)`` for a Student-t process with ``df > 2`` degrees of freedom: a multivariate
    Student-t whose mean is ``mean_fn(index_points)`` and whose covariance is
    ``K = kernel.matrix(x, x) + observation_noise_variance * I`` (its scale matrix is
    ``K * (df - 2) / df``)::

        log p(y) = lgamma((df + n) / 2) - lgamma(df / 2) - n / 2 * log((df - 2) * pi)
                   - log|L| - (df + n) / 2 * log1p(b / (df - 2)),   b = |L^-1 (y - m)|^2

    with ``L`` the Cholesky factor of ``K + jitter * I``. Draws are ``m + sqrt((df - 2) / g) L z``
    with ``g ~ Chi2(df)`` (reparameterized, as TFP's).
    """

    def __init__(self, df, kernel, index_points=None, mean_fn=None, observation_noise_variance=0.0,
                 marginal_fn=None, cholesky_fn=None, jitter=1e-6, validate_args=False, allow_nan_stats=False,
                 name="StudentTProcess"):
        parameters = dict(locals())
        self._init_gp(kernel, index_points, mean_fn, observation_noise_variance, cholesky_fn, jitter)
        self._df = internal.as_param(df, "df", self._gp_dtype, "StudentTProcess")
        super(GaussianProcess, self).__init__(self._gp_dtype, FULLY_REPARAMETERIZED, validate_args, allow_nan_stats,
                                              parameters, name)
        if validate_args and not bool(wb.reduce_all(wb.convert_to_tensor(self._df) > 2.0)):
            raise ValueError(f"StudentTProcess: argument `df` must be greater than 2, got {self._df.numpy()!r}")

    @property
    def df(self):
        return self._df

    def _batch_shape(self):
        return internal.broadcast_shapes(super()._batch_shape(), tuple(self._df.shape))

    def _log_prob(self, x):
        loc, chol = self._loc(), self._chol()
        diff = x - loc
        batch = internal.broadcast_shapes(tuple(diff.shape[:-1]), tuple(chol.shape[:-2]))
        diff, chol = _gp.broadcast_batch(diff, batch, 1), _gp.broadcast_batch(chol, batch, 2)
        b = wb.reduce_sum(wb.square(wb.linalg.triangular_solve(chol, diff[..., None], lower=True)[..., 0]), axis=-1)
        n = float(x.shape[-1])
        df = self._df
        return (wb.math.lgamma(0.5 * (df + n)) - wb.math.lgamma(0.5 * df) - 0.5 * n * wb.log((df - 2.0) * math.pi)
                - wb.reduce_sum(wb.log(wb.linalg.diag_part(chol)), axis=-1)
                - 0.5 * (df + n) * wb.log1p(b / (df - 2.0)))

    def _sample_n(self, n, seed):
        # as TFP: the marginal multivariate t's draw (salt, normal and Chi2 parts)
        return self.get_marginal_distribution().sample(n, seed=seed)

    def get_marginal_distribution(self, index_points=None):
        """The multivariate Student-t at these index points (TFP's
        ``MultivariateStudentTLinearOperator``, scale ``cholesky(K * (df - 2) / df)``)."""
        tp = self if index_points is None else self.copy(index_points=index_points)
        df = tp._df
        ratio = wb.reshape((df - 2.0) / df, tuple(df.shape) + (1, 1))
        # TFP adds the jitter to the scaled covariance
        cov = _gp.add_diagonal(tp._cov() * ratio, tp._jitter)
        chol = tp._cholesky_fn(cov) if tp._cholesky_fn is not None else wb.linalg.cholesky(cov)
        scale = wb.linalg.LinearOperatorLowerTriangular(chol)
        return MultivariateStudentTLinearOperator(df, tp._loc(), scale, validate_args=self.validate_args,
                                                  allow_nan_stats=self.allow_nan_stats)

    def _entropy(self):
        return self.get_marginal_distribution().entropy()

    def _variance(self):
        return self._undefined(self._marginal_variance(), _gp.per_point(self._df) <= 2.0, "variance")

    def _covariance(self):
        cov = _gp.broadcast_batch(self._cov(), self.batch_shape, 2)
        df = wb.reshape(self._df, tuple(self._df.shape) + (1, 1))
        return self._undefined(cov, df <= 2.0, "covariance")
