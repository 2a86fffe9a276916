"""The ExpRelaxedOneHotCategorical (ExpConcrete) distribution: log-probability vectors."""

from __future__ import annotations

import numpy as np

import workbench as wb

from .. import internal
from ._logits_probs import LogitsProbs
from .distribution import FULLY_REPARAMETERIZED, Distribution

__all__ = ["ExpRelaxedOneHotCategorical"]


class ExpRelaxedOneHotCategorical(LogitsProbs, Distribution):
    """``ExpRelaxedOneHotCategorical(temperature, logits=None, probs=None)``: vectors ``y`` with
    ``logsumexp(y) = 0``, ``y = log_softmax((logits + G) / temperature)`` for Gumbel noise ``G``
    (Maddison et al.'s ExpConcrete). Event shape ``[K]``.

    ``log p(y) = lgamma(K) + (K - 1) log t + sum(logits - t y) - K logsumexp(logits - t y)``,
    a density over the first ``K - 1`` coordinates. Working in log space keeps small
    temperatures finite; ``exp`` of a draw is a ``RelaxedOneHotCategorical`` draw.

    >>> d = ExpRelaxedOneHotCategorical(temperature=0.5, logits=[0.0, 1.0, -1.0])
    >>> d.event_shape, d.sample(2, seed=1).shape
    ((3,), (2, 3))
    """

    _param_event_ndims = {"temperature": 0, "logits": 1, "probs": 1}
    _param_constraints = {"temperature": "positive", "probs": "simplex"}
    _multiclass = True

    def _default_event_space_bijector(self):
        from .. import bijectors as tfb  # circular import: bijectors builds distributions in __call__
        return tfb.Chain([tfb.Log(), tfb.SoftmaxCentered()], validate_args=self._validate_args)   # log-simplex

    def __init__(self, temperature, logits=None, probs=None, validate_args=False, allow_nan_stats=True,
                 name="ExpRelaxedOneHotCategorical"):
        parameters = dict(locals())
        dtype = self._init_logits_probs(logits, probs, [temperature], type(self).__name__)
        self._temperature = internal.as_param(temperature, "temperature", dtype, type(self).__name__)
        super().__init__(dtype, FULLY_REPARAMETERIZED, validate_args, allow_nan_stats, parameters, name)

    @property
    def temperature(self):
        return self._temperature

    def _event_shape(self):
        return (self._num_categories(),)

    def _sample_n(self, n, seed):
        shape = (n,) + self.batch_shape + self.event_shape
        tiny = float(np.finfo(self.dtype).tiny)
        u = wb.random.stateless_uniform(shape, seed=seed, minval=tiny, maxval=1.0, dtype=self.dtype)
        gumbel = -wb.log(-wb.log(u))
        t = wb.expand_dims(self._temperature, -1)
        return wb.nn.log_softmax((self.logits_parameter() + gumbel) / t, axis=-1)

    def _log_prob(self, y):
        k = float(self._num_categories())
        t = self._temperature
        scores = self.logits_parameter() - wb.expand_dims(t, -1) * y
        return (wb.lgamma(wb.constant(k, dtype=self.dtype)) + (k - 1.0) * wb.log(t)
                + wb.reduce_sum(scores, axis=-1) - k * wb.reduce_logsumexp(scores, axis=-1))
