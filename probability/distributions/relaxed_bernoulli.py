"""The relaxed Bernoulli (binary Concrete) distribution on ``(0, 1)``."""

from __future__ import annotations

import numpy as np

import workbench as wb

from .. import internal
from ._logits_probs import LogitsProbs
from .distribution import FULLY_REPARAMETERIZED, Distribution

__all__ = ["RelaxedBernoulli"]


class RelaxedBernoulli(LogitsProbs, Distribution):
    """``RelaxedBernoulli(temperature, logits=None, probs=None)``: ``sigmoid(X)`` for
    ``X ~ Logistic(logits / temperature, 1 / temperature)`` (Maddison et al.'s binary Concrete).

    As the temperature goes to 0 the draws approach Bernoulli(probs) 0/1 values. Samples are
    ``sigmoid((logits + logit(U)) / temperature)`` (reparameterized).

    >>> d = RelaxedBernoulli(temperature=0.5, probs=[0.2, 0.9])
    >>> d.batch_shape, d.sample(3, seed=1).shape
    ((2,), (3, 2))
    """

    _param_event_ndims = {"temperature": 0, "logits": 0, "probs": 0}
    _param_constraints = {"temperature": "positive", "probs": "unit_interval"}
    _support = "unit_interval"

    def __init__(self, temperature, logits=None, probs=None, validate_args=False, allow_nan_stats=True,
                 name="RelaxedBernoulli"):
        parameters = dict(locals())
        dtype = self._init_logits_probs(logits, probs, [temperature], "RelaxedBernoulli")
        self._temperature = internal.as_param(temperature, "temperature", dtype, "RelaxedBernoulli")
        super().__init__(dtype, FULLY_REPARAMETERIZED, validate_args, allow_nan_stats, parameters, name)

    @property
    def temperature(self):
        return self._temperature

    def _sample_n(self, n, seed):
        tiny = float(np.finfo(self.dtype).tiny)
        u = wb.random.stateless_uniform((n,) + self.batch_shape, seed=seed, minval=tiny, maxval=1.0,
                                        dtype=self.dtype)
        return wb.sigmoid((self.logits_parameter() + wb.log(u) - wb.log1p(-u)) / self._temperature)

    def _logistic_z(self, x):
        # the standardized logistic variable behind y: z = t * logit(y) - logits
        return self._temperature * (wb.log(x) - wb.log1p(-x)) - self.logits_parameter()

    def _log_prob(self, x):
        z = self._logistic_z(x)
        # logistic log density of logit(y) (scale 1/t) plus log|d logit(y) / dy|
        return (-z - 2.0 * wb.softplus(-z) + wb.log(self._temperature)
                - wb.log(x) - wb.log1p(-x))

    def _cdf(self, x):
        return wb.sigmoid(self._logistic_z(x))

    def _log_cdf(self, x):
        return -wb.softplus(-self._logistic_z(x))

    def _survival_function(self, x):
        return wb.sigmoid(-self._logistic_z(x))
