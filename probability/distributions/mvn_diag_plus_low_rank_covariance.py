"""The multivariate normal with covariance ``diag(d) + U U^T`` (diagonal plus low rank)."""

from __future__ import annotations

import math

import workbench as wb

from .. import internal
from ._mvn import MultivariateNormal, _solve_lower
from .mvn_diag import _event_size

__all__ = ["MultivariateNormalDiagPlusLowRankCovariance"]

_LOG_TWO_PI = math.log(2.0 * math.pi)


class MultivariateNormalDiagPlusLowRankCovariance(MultivariateNormal):
    """``MultivariateNormalDiagPlusLowRankCovariance(loc=None, cov_diag_factor, cov_perturb_factor)``:
    the normal on ``R^k`` with covariance ``C = diag(cov_diag_factor) + U U^T``, ``U = cov_perturb_factor``
    ``[..., k, r]`` (unlike ``MultivariateNormalDiagPlusLowRank``, which perturbs the scale).

    ``log_prob`` solves with ``C`` by Woodbury's identity and takes ``log det C`` by the matrix
    determinant lemma (``cov_operator``, a ``wb.linalg.LinearOperatorLowRankUpdate``), so only an
    ``r x r`` matrix is factored. Samples are ``loc + sqrt(d) z1 + U z2`` (reparameterized); the
    variance is ``d + sum_j U[:, j]^2``. ``kl_divergence`` against the multivariate normal families
    is closed form (through the Cholesky factor of ``C``).

    >>> d = MultivariateNormalDiagPlusLowRankCovariance([1., 2.], [1., 1.], [[1.4142135], [1.4142135]])
    >>> d.covariance().numpy().round(4).tolist()
    [[3.0, 2.0], [2.0, 3.0]]
    """

    _param_event_ndims = {"loc": 1, "cov_diag_factor": 1, "cov_perturb_factor": 2}
    _param_constraints = {"cov_diag_factor": "positive"}

    def __init__(self, loc=None, cov_diag_factor=None, cov_perturb_factor=None, validate_args=False,
                 allow_nan_stats=True, name="MultivariateNormalDiagPlusLowRankCovariance"):
        parameters = dict(locals())
        owner = "MultivariateNormalDiagPlusLowRankCovariance"
        if cov_diag_factor is None:
            raise ValueError(f"{owner}: missing required argument `cov_diag_factor` ([..., k])")
        if cov_perturb_factor is None:
            raise ValueError(f"{owner}: missing required argument `cov_perturb_factor` ([..., k, r])")
        dtype = internal.common_dtype([loc, cov_diag_factor, cov_perturb_factor])
        loc = None if loc is None else internal.as_param(loc, "loc", dtype, owner)
        self._cov_diag_factor = internal.as_param(cov_diag_factor, "cov_diag_factor", dtype, owner)
        self._cov_perturb_factor = internal.as_param(cov_perturb_factor, "cov_perturb_factor", dtype, owner)
        u = self._cov_perturb_factor
        if u.ndim < 2:
            raise ValueError(f"{owner}: argument `cov_perturb_factor` must be [..., k, r], got shape {list(u.shape)}")
        rows = wb.zeros(u.shape[:-1], dtype=dtype)
        k = _event_size({"loc": loc, "cov_diag_factor": self._cov_diag_factor, "cov_perturb_factor": rows}, owner)
        self._init_mvn(loc, k, dtype, validate_args, allow_nan_stats, parameters, name)
        self._batch_shape()   # the parameters must broadcast: fail here, naming their shapes

    @property
    def cov_diag_factor(self):
        return self._cov_diag_factor

    @property
    def cov_perturb_factor(self):
        return self._cov_perturb_factor

    @property
    def cov_operator(self):
        """The covariance ``diag(d) + U U^T`` as a ``wb.linalg.LinearOperatorLowRankUpdate``."""
        base = wb.linalg.LinearOperatorDiag(self._cov_diag_factor, is_non_singular=True, is_self_adjoint=True,
                                            is_positive_definite=True)
        return wb.linalg.LinearOperatorLowRankUpdate(base, u=self._cov_perturb_factor, is_positive_definite=True)

    def _log_prob(self, x):
        y = self._centered(x)
        op = self.cov_operator
        quad = wb.reduce_sum(y * op.solvevec(y), axis=-1)
        return -0.5 * (quad + op.log_abs_determinant() + self._k * _LOG_TWO_PI)

    def _log_abs_det_scale(self):
        return 0.5 * self.cov_operator.log_abs_determinant()

    def _sample_n(self, n, seed):
        diag_seed, factor_seed = internal.split_seed(seed, 2)  # as TFP: no salt
        batch = tuple(self.batch_shape)
        r = int(self._cov_perturb_factor.shape[-1])
        z1 = wb.random.stateless_normal((n,) + batch + (self._k,), seed=diag_seed, dtype=self.dtype)
        z2 = wb.random.stateless_normal((n,) + batch + (r,), seed=factor_seed, dtype=self.dtype)
        x = wb.sqrt(self._cov_diag_factor) * z1 + wb.linalg.matvec(self._cov_perturb_factor, z2)
        return x if self._loc is None else x + self._loc

    def _dense_covariance(self):
        u = self._cov_perturb_factor
        return wb.linalg.diag(self._cov_diag_factor) + wb.matmul(u, u, transpose_b=True)

    def _covariance(self):
        cov = self._dense_covariance()
        shape = tuple(self.batch_shape) + (self._k, self._k)
        return cov if tuple(cov.shape) == shape else wb.broadcast_to(cov, shape)

    def _variance(self):
        return self._cov_diag_factor + wb.reduce_sum(wb.square(self._cov_perturb_factor), axis=-1)

    def _scale_matrix(self):
        """The Cholesky factor of the covariance (for KL divergences)."""
        return wb.linalg.cholesky(self._dense_covariance())

    def _solve(self, v):
        return _solve_lower(self._scale_matrix(), v)
