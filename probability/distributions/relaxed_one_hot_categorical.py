"""The RelaxedOneHotCategorical (Concrete / Gumbel-softmax) distribution on the simplex."""

from __future__ import annotations

import workbench as wb

from .distribution import Distribution
from .exp_relaxed_one_hot_categorical import ExpRelaxedOneHotCategorical

__all__ = ["RelaxedOneHotCategorical"]


class RelaxedOneHotCategorical(ExpRelaxedOneHotCategorical):
    """``RelaxedOneHotCategorical(temperature, logits=None, probs=None)``: ``softmax((logits + G) / temperature)``
    for Gumbel noise ``G`` (the Gumbel-softmax / Concrete distribution). Event shape ``[K]``.

    The ``exp`` of an :class:`ExpRelaxedOneHotCategorical`: ``log_prob(x)`` is its log density at
    ``log x`` minus ``sum(log x)`` (TFP's Jacobian, which gives Maddison et al.'s Concrete density).
    Samples are reparameterized; as the temperature goes to 0 they approach one-hot vectors.

    >>> d = RelaxedOneHotCategorical(temperature=0.5, probs=[0.2, 0.3, 0.5])
    >>> d.event_shape, d.sample(2, seed=1).shape
    ((3,), (2, 3))
    """

    _support = "simplex"
    _default_event_space_bijector = Distribution._default_event_space_bijector

    def __init__(self, temperature, logits=None, probs=None, validate_args=False, allow_nan_stats=True,
                 name="RelaxedOneHotCategorical"):
        super().__init__(temperature, logits=logits, probs=probs, validate_args=validate_args,
                         allow_nan_stats=allow_nan_stats, name=name)
        self._parameters["name"] = name

    def _sample_n(self, n, seed):
        return wb.exp(super()._sample_n(n, seed))

    def _log_prob(self, x):
        log_x = wb.log(x)
        return super()._log_prob(log_x) - wb.reduce_sum(log_x, axis=-1)
