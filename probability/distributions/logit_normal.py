"""The logit-normal distribution (``loc``, ``scale``): ``sigmoid(X)`` for a Normal ``X``."""

from __future__ import annotations

import math

import numpy as np

import workbench as wb

from ._loc_scale import LocScaleDistribution
from .kullback_leibler import RegisterKL, kl_divergence
from .normal import Normal
from ..internal import samplers

__all__ = ["LogitNormal"]


class LogitNormal(LocScaleDistribution):
    """``LogitNormal(loc, scale)``: ``Y = sigmoid(X)`` with ``X ~ Normal(loc, scale)``, on ``(0, 1)``;
    the CDF is ``ndtr((logit(y) - loc) / scale)``.

    ``log_prob`` is ``-inf`` outside ``(0, 1)``. Samples are reparameterized. The moments have no
    closed form: as TFP, ``mean``/``variance`` are not implemented and ``mean_approx``,
    ``variance_approx`` and ``stddev_approx`` approximate them. Here they use Gauss-Hermite quadrature
    of ``gauss_hermite_degree`` points for every ``scale`` (TFP uses it below
    ``gauss_hermite_scale_limit`` and a ``num_probit_terms_approx``-term probit mixture elsewhere);
    ``num_probit_terms_approx`` is checked (1 to 8) and kept.

    >>> d = LogitNormal(loc=0.0, scale=[1.0, 2.0])
    >>> d.batch_shape, d.sample(3, seed=1).shape
    ((2,), (3, 2))
    """

    _support = "unit_interval"

    def __init__(self, loc, scale, num_probit_terms_approx=2, gauss_hermite_scale_limit=None,
                 gauss_hermite_degree=20, validate_args=False, allow_nan_stats=True, name="LogitNormal"):
        k = int(num_probit_terms_approx)
        if k != num_probit_terms_approx or not 1 <= k <= 8:
            raise ValueError("LogitNormal: argument `num_probit_terms_approx` must be an integer between 1 and 8 "
                             f"(inclusive), got {num_probit_terms_approx!r}")
        super().__init__(loc, scale, validate_args, allow_nan_stats, name)
        self._parameters.update(num_probit_terms_approx=num_probit_terms_approx,
                                gauss_hermite_scale_limit=gauss_hermite_scale_limit,
                                gauss_hermite_degree=gauss_hermite_degree)
        self._num_probit_terms_approx = k
        self._gauss_hermite_scale_limit = gauss_hermite_scale_limit
        self._gauss_hermite_degree = int(gauss_hermite_degree)

    @property
    def distribution(self):
        """The underlying Normal."""
        return Normal(self._loc, self._scale)

    @property
    def num_probit_terms_approx(self):
        return self._num_probit_terms_approx

    @property
    def gauss_hermite_scale_limit(self):
        return self._gauss_hermite_scale_limit

    @property
    def gauss_hermite_degree(self):
        return self._gauss_hermite_degree

    _sample_n_takes_any_seed = True  # an int seed: the stateful normal op, as TFP's

    def _sample_n(self, n, seed):
        eps = samplers.normal((n,) + self.batch_shape, seed=seed, dtype=self.dtype)
        return wb.sigmoid(self._loc + self._scale * eps)

    def _logit(self, y):
        """(logit(y) where 0 < y < 1 (0 elsewhere), where y <= 0, where y >= 1)."""
        low, high = y <= 0, y >= 1
        safe = wb.where(low | high, wb.zeros_like(y) + 0.5, y)
        return wb.log(safe) - wb.log1p(-safe), low, high

    def _nan_region(self, y, method):
        # TFP's logit(y) off [0, 1]; its density is NaN at the ends as well
        if method in ("log_prob", "prob"):
            return (y <= 0.0) | (y >= 1.0)
        return (y < 0.0) | (y > 1.0)

    def _log_prob(self, y):
        x, low, high = self._logit(y)
        safe = wb.where(low | high, wb.zeros_like(y) + 0.5, y)
        z = (x - self._loc) / self._scale
        lp = -0.5 * wb.square(z) - 0.5 * math.log(2.0 * math.pi) - wb.log(self._scale) - wb.log(safe) - wb.log1p(-safe)
        return wb.where(low | high, float("-inf"), lp)

    def _z(self, y):
        x, low, high = self._logit(y)
        z = (x - self._loc) / self._scale
        inf = wb.zeros_like(z) + np.inf
        return wb.where(low, -inf, wb.where(high, inf, z))

    def _cdf(self, y):
        return wb.math.ndtr(self._z(y))

    def _log_cdf(self, y):
        return wb.math.log_ndtr(self._z(y))

    def _survival_function(self, y):
        return wb.math.ndtr(-self._z(y))

    def _log_survival_function(self, y):
        return wb.math.log_ndtr(-self._z(y))

    def _quantile(self, p):
        return wb.sigmoid(self._loc + self._scale * wb.math.ndtri(p))

    def _gauss_hermite(self, fn):
        """``E[fn(sigmoid(X))]`` by Gauss-Hermite quadrature."""
        t, w = np.polynomial.hermite.hermgauss(self._gauss_hermite_degree)
        t = wb.constant(t * math.sqrt(2.0), dtype=self.dtype)
        w = wb.constant(w / math.sqrt(math.pi), dtype=self.dtype)
        loc, scale = self._loc[..., None], self._scale[..., None]
        return wb.reduce_sum(w * fn(wb.sigmoid(loc + scale * t)), axis=-1)

    def mean_approx(self, name="mean_approx"):
        """An approximation of the mean (see the class docstring)."""
        return self._full(self._gauss_hermite(lambda y: y))

    def variance_approx(self, name="variance_approx"):
        """An approximation of the variance (see the class docstring)."""
        mean = self._gauss_hermite(lambda y: y)[..., None]
        return self._full(self._gauss_hermite(lambda y: wb.square(y - mean)))

    def stddev_approx(self, name="stddev_approx"):
        """An approximation of the standard deviation (see the class docstring)."""
        return wb.sqrt(self.variance_approx())

    def _default_event_space_bijector(self):
        from .. import bijectors as tfb  # circular import: bijectors builds distributions in __call__
        return tfb.Sigmoid(validate_args=self._validate_args)


@RegisterKL(LogitNormal, LogitNormal)
def _kl_logitnormal_logitnormal(a, b, name=None):
    # KL is invariant under the shared bijection sigmoid
    return kl_divergence(a.distribution, b.distribution)
