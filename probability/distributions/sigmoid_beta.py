"""SigmoidBeta: the distribution of ``logit(B)`` for ``B ~ Beta(concentration1, concentration0)``."""

from __future__ import annotations

import workbench as wb

from ..math.special import lbeta

from .. import internal
from .distribution import FULLY_REPARAMETERIZED, Distribution
from .gamma import random_gamma

__all__ = ["SigmoidBeta"]


class SigmoidBeta(Distribution):
    """``SigmoidBeta(concentration1, concentration0)``: ``X`` on the real line with
    ``sigmoid(X) ~ Beta(concentration1, concentration0)``; density
    ``sigmoid(x)**c1 sigmoid(-x)**c0 / B(c1, c0)``.

    Samples are ``log G1 - log G0`` for independent Gamma draws (reparameterized), so they stay
    finite where the Beta draw would round to 0 or 1. The CDF is ``I_{sigmoid(x)}(c1, c0)`` and the
    mode ``log(c1 / c0)``; as in TFP there is no ``mean``, ``variance`` or ``entropy``.

    >>> d = SigmoidBeta(concentration1=[3.0, 1.5], concentration0=2.0)
    >>> d.batch_shape, d.sample(4, seed=1).shape
    ((2,), (4, 2))
    """

    _param_event_ndims = {"concentration1": 0, "concentration0": 0}
    _param_constraints = {"concentration1": "positive", "concentration0": "positive"}

    def __init__(self, concentration1, concentration0, validate_args=False, allow_nan_stats=True,
                 name="SigmoidBeta"):
        parameters = dict(locals())
        dtype = internal.common_dtype([concentration1, concentration0])
        owner = type(self).__name__
        self._concentration1 = internal.as_param(concentration1, "concentration1", dtype, owner)
        self._concentration0 = internal.as_param(concentration0, "concentration0", dtype, owner)
        super().__init__(dtype, FULLY_REPARAMETERIZED, validate_args, allow_nan_stats, parameters, name)

    @property
    def concentration1(self):
        return self._concentration1

    @property
    def concentration0(self):
        return self._concentration0

    _sample_n_takes_any_seed = True

    def _sample_n(self, n, seed):
        seed1, seed0 = internal.split_seed(seed, 2, salt="sigmoid_beta")
        ones = wb.ones(self.batch_shape, dtype=self.dtype)
        return (random_gamma((n,), self._concentration1 * ones, seed=seed1, log_space=True)
                - random_gamma((n,), self._concentration0 * ones, seed=seed0, log_space=True))

    def _log_prob(self, x):
        # c1 log sigmoid(x) + c0 log sigmoid(-x), with log sigmoid(x) = -softplus(-x)
        c1, c0 = self._concentration1, self._concentration0
        return -c1 * wb.nn.softplus(-x) - c0 * wb.nn.softplus(x) - lbeta(c1, c0)

    def _cdf(self, x):
        return wb.math.betainc(self._concentration1, self._concentration0, wb.sigmoid(x))

    def _survival_function(self, x):
        # I_{1-u}(c0, c1) with 1 - u = sigmoid(-x): keeps the upper tail's digits
        return wb.math.betainc(self._concentration0, self._concentration1, wb.sigmoid(-x))

    def _quantile(self, p):
        b = wb.math.betaincinv(self._concentration1, self._concentration0, p)
        return wb.log(b) - wb.log1p(-b)

    def _mode(self):
        return wb.log(self._concentration1) - wb.log(self._concentration0)
