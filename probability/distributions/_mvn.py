"""What the multivariate normal families share: ``loc + scale @ z`` with ``z ~ N(0, I)``.

A family supplies the lower-triangular ``scale`` through three methods: ``_solve(v)``
(``scale^{-1} v``), ``_scale_matvec(v)`` (``scale @ v``) and ``_scale_diag_part()``; and
``_scale_matrix()`` for what needs the whole matrix (covariance, KL). A family whose scale is
not lower triangular (``MultivariateNormalLinearOperator``) also overrides
``_log_abs_det_scale()`` and ``_solve_matrix(m)``.
"""

from __future__ import annotations

import math

import workbench as wb

from .distribution import FULLY_REPARAMETERIZED, Distribution
from .kullback_leibler import RegisterKL
from ..internal import samplers

_LOG_TWO_PI = math.log(2.0 * math.pi)


class MultivariateNormal(Distribution):
    """Base of MultivariateNormalDiag / TriL / FullCovariance (not built directly)."""

    _param_constraints = {}

    def _init_mvn(self, loc, k, dtype, validate_args, allow_nan_stats, parameters, name):
        self._loc = loc
        self._k = int(k)
        super().__init__(dtype, FULLY_REPARAMETERIZED, validate_args, allow_nan_stats, parameters, name)

    @property
    def loc(self):
        """The ``loc`` given (None when it was left out: the mean is then zero)."""
        return self._loc

    def _event_shape(self):
        return (self._k,)

    def _centered(self, x):
        return x if self._loc is None else x - self._loc

    def _log_abs_det_scale(self):
        return wb.reduce_sum(wb.log(wb.abs(self._scale_diag_part())), axis=-1)

    _sample_n_takes_any_seed = True  # an int seed: the stateful normal op, as TFP's

    def _sample_n(self, n, seed):
        # TFP's layout: Sample(Normal(zeros(batch)), [k]) draws [n, k] + batch, moved to [n] + batch + [k]
        b = len(self.batch_shape)
        eps = samplers.normal((n, self._k) + self.batch_shape, seed=seed, dtype=self.dtype)
        if b:
            eps = wb.transpose(eps, [0] + list(range(2, 2 + b)) + [1])
        x = self._scale_matvec(eps)
        return x if self._loc is None else x + self._loc

    def _log_prob(self, x):
        z = self._solve(self._centered(x))
        return (-0.5 * wb.reduce_sum(wb.square(z), axis=-1) - self._log_abs_det_scale()
                - 0.5 * self._k * _LOG_TWO_PI)

    def _mean(self):
        shape = tuple(self.batch_shape) + (self._k,)
        if self._loc is None:
            return wb.zeros(shape, dtype=self.dtype)
        return self._loc if tuple(self._loc.shape) == shape else wb.broadcast_to(self._loc, shape)

    def _mode(self):
        return self._mean()

    def _variance(self):
        s = self._scale_matrix()
        return wb.reduce_sum(wb.square(s), axis=-1)

    def _covariance(self):
        s = self._scale_matrix()
        cov = wb.matmul(s, s, transpose_b=True)
        shape = self.batch_shape + (self._k, self._k)
        return cov if cov.shape == shape else wb.broadcast_to(cov, shape)

    def _entropy(self):
        return 0.5 * self._k * (1.0 + _LOG_TWO_PI) + self._log_abs_det_scale()

    def _solve_matrix(self, m):
        """``scale^{-1} m`` for matrices ``m`` ``[..., k, r]`` (a family with another scale overrides it)."""
        return wb.linalg.triangular_solve(self._scale_matrix(), m, lower=True)


def _solve_lower(scale, v):
    """``scale^{-1} v`` for lower-triangular ``scale`` ``[..., k, k]`` and vectors ``v`` ``[..., k]``."""
    return wb.squeeze(wb.linalg.triangular_solve(scale, wb.expand_dims(v, -1), lower=True), axis=-1)


@RegisterKL(MultivariateNormal, MultivariateNormal)
def _kl_mvn_mvn(a, b, name=None):
    # 0.5 (tr(Sb^-1 Sa) + |Lb^-1 (mu_b - mu_a)|^2 - k) + log|det Lb| - log|det La|
    if a._k != b._k:
        raise ValueError(f"kl_divergence: event sizes differ ({a._k} and {b._k})")
    m = b._solve_matrix(a._scale_matrix())
    trace = wb.reduce_sum(wb.square(m), axis=[-2, -1])
    y = b._solve(a._mean() - b._mean())
    return (0.5 * (trace + wb.reduce_sum(wb.square(y), axis=-1) - a._k)
            + b._log_abs_det_scale() - a._log_abs_det_scale())
