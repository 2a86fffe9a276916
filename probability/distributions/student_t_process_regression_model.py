"""StudentTProcessRegressionModel: a Student-t process's posterior predictive given observations."""

from __future__ import annotations

import workbench as wb

from .. import internal
from . import _gp
from .distribution import FULLY_REPARAMETERIZED
from .gaussian_process_regression_model import GaussianProcessRegressionModel
from .mvst_linear_operator import MultivariateStudentTLinearOperator
from .student_t_process import StudentTProcess

__all__ = ["StudentTProcessRegressionModel"]


class StudentTProcessRegressionModel(StudentTProcess, GaussianProcessRegressionModel):
    """The posterior predictive of ``f(index_points)`` for ``f ~ StP(df, mean_fn, kernel)`` given
    ``observations`` at ``observation_index_points`` (noise variance ``observation_noise_variance``):
    a Student-t process with ``df + n`` degrees of freedom (``n`` observations), the Gaussian
    process regression mean ``m(x) + K_xo (K_oo + s2 I)^-1 (y - m(o))`` and the covariance

        (df + b - 2) / (df + n - 2) * (K_xx - K_xo (K_oo + s2 I)^-1 K_ox) + predictive_noise_variance * I

    with ``b = y^T (K_oo + s2 I)^-1 y`` computed from the observations as given (TFP 0.25 does not
    subtract ``mean_fn`` there). The solves use ``K_oo + (s2 + 1e-6) I``, densities and draws the
    Cholesky factor of the covariance plus ``1e-6 * I``; ``predictive_noise_variance`` defaults to
    ``observation_noise_variance``. Without observations it is the prior ``StudentTProcess``.

    >>> stprm = StudentTProcessRegressionModel(5.0, kernel, index_points=x_new, observation_index_points=x,
    ...                                        observations=y, observation_noise_variance=0.01)
    >>> stprm.mean(), stprm.stddev()
    """

    def __init__(self, df, kernel, index_points=None, observation_index_points=None, observations=None,
                 observation_noise_variance=0.0, predictive_noise_variance=None, mean_fn=None, cholesky_fn=None,
                 marginal_fn=None, always_yield_multivariate_student_t=None, validate_args=False,
                 allow_nan_stats=False, name="StudentTProcessRegressionModel"):
        parameters = dict(locals())
        owner = "StudentTProcessRegressionModel"
        GaussianProcessRegressionModel.__init__(
            self, kernel, index_points=index_points, observation_index_points=observation_index_points,
            observations=observations, observation_noise_variance=observation_noise_variance,
            predictive_noise_variance=predictive_noise_variance, mean_fn=mean_fn, cholesky_fn=cholesky_fn,
            validate_args=False, allow_nan_stats=allow_nan_stats, name=name)
        self._parameters = {k: v for k, v in parameters.items() if k not in ("self", "__class__")}
        self._reparameterization_type = FULLY_REPARAMETERIZED   # TFP's (draws: a Gamma, reparameterized)
        self._validate_args = bool(validate_args)
        self._prior_df = internal.as_param(df, "df", self._gp_dtype, owner)
        if validate_args and not bool(wb.reduce_all(wb.convert_to_tensor(self._prior_df) > 2.0)):
            raise ValueError(f"{owner}: argument `df` must be greater than 2, got {self._prior_df.numpy()!r}")
        n = 0 if self._observations is None else int(self._observations.shape[-1])
        self._num_observations = n
        self._df = self._prior_df + float(n) if n else self._prior_df

    @property
    def df(self):
        """The predictive's degrees of freedom, ``df + n`` (TFP's ``df``)."""
        return self._df

    def _scaling(self):
        """``(df + b - 2) / (df + n - 2)``, batch-shaped (1 without observations)."""
        if self._observations is None:
            return None
        o = self._obs_points
        k_oo = _gp.add_diagonal(self._kernel.matrix(o, o), self._obs_noise + self._jitter)
        chol = self._cholesky_fn(k_oo) if self._cholesky_fn is not None else wb.linalg.cholesky(k_oo)
        batch = internal.broadcast_shapes(tuple(chol.shape[:-2]), tuple(self._observations.shape[:-1]))
        z = wb.linalg.triangular_solve(_gp.broadcast_batch(chol, batch, 2),
                                       _gp.broadcast_batch(self._observations, batch, 1)[..., None], lower=True)
        b = wb.reduce_sum(wb.square(z[..., 0]), axis=-1)
        df = self._prior_df
        return (df + b - 2.0) / (df + float(self._num_observations) - 2.0)

    def _cov(self):
        if self._observations is None:
            return super()._cov()
        x = self._points()
        _, a = self._posterior()
        schur = self._kernel.matrix(x, x) - wb.linalg.matmul(a, a, transpose_a=True)
        scale = self._scaling()
        return _gp.add_diagonal(wb.reshape(scale, tuple(scale.shape) + (1, 1)) * schur,
                                self._observation_noise_variance)

    def _marginal_variance(self):
        if self._observations is None:
            return super()._marginal_variance()
        x = self._points()
        _, a = self._posterior()
        schur = self._kernel.apply(x, x, example_ndims=1) - wb.reduce_sum(wb.square(a), axis=-2)
        return _gp.per_point(self._scaling()) * schur + _gp.per_point(self._observation_noise_variance)

    def _entropy(self):
        return self.get_marginal_distribution().entropy()

    def get_marginal_distribution(self, index_points=None):
        """The multivariate Student-t at these index points (``MultivariateStudentTLinearOperator``
        with scale the Cholesky factor of ``(df - 2) / df`` times the covariance, plus jitter)."""
        p = self if index_points is None else self.copy(index_points=index_points)
        df = p._df
        ratio = wb.reshape((df - 2.0) / df, tuple(df.shape) + (1, 1))
        # as TFP's Student-t process: the jitter goes on the scaled covariance
        cov = _gp.add_diagonal(p._cov() * ratio, p._jitter)
        chol = p._cholesky_fn(cov) if p._cholesky_fn is not None else wb.linalg.cholesky(cov)
        return MultivariateStudentTLinearOperator(df, p._loc(), wb.linalg.LinearOperatorLowerTriangular(chol))
