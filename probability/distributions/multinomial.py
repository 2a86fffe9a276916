"""The Multinomial distribution: class counts over ``total_count`` Categorical draws."""

from __future__ import annotations

import workbench as wb

from .. import internal
from ._logits_probs import LogitsProbs
from .distribution import NOT_REPARAMETERIZED, Distribution

__all__ = ["Multinomial"]


class Multinomial(LogitsProbs, Distribution):
    """``Multinomial(total_count, logits=None, probs=None)``: counts ``[..., K]`` of each class.

    ``total_count``: ``[...]``; ``logits``/``probs``: ``[..., K]``. ``batch_shape`` broadcasts
    ``total_count.shape`` with ``logits.shape[:-1]``; ``event_shape`` is ``[K]``. Samples are
    counts of the float dtype (as TFP). ``log_prob(x) = lgamma(n + 1) - sum lgamma(x + 1) +
    sum x log p`` with ``n = total_count``, evaluated at any ``x`` (a class with ``p = 0`` and
    count 0 adds 0).

    >>> d = Multinomial(total_count=5.0, probs=[0.2, 0.3, 0.5])
    >>> d.sample(2, seed=1).numpy().sum(-1)
    array([5., 5.], dtype=float32)
    """

    _param_event_ndims = {"total_count": 0, "logits": 1, "probs": 1}
    _param_constraints = {"total_count": "nonnegative_integer", "probs": "simplex"}
    _support = "nonnegative_integer"
    _multiclass = True

    def __init__(self, total_count, logits=None, probs=None, validate_args=False, allow_nan_stats=True,
                 name="Multinomial"):
        parameters = dict(locals())
        dtype = self._init_logits_probs(logits, probs, [total_count], "Multinomial")
        self._total_count = internal.as_param(total_count, "total_count", dtype, "Multinomial")
        super().__init__(dtype, NOT_REPARAMETERIZED, validate_args, allow_nan_stats, parameters, name)

    @property
    def total_count(self):
        return self._total_count

    def _event_shape(self):
        return (self._num_categories(),)

    def _sample_n(self, n, seed):
        # class by class: x_j ~ Binomial(what is left, p_j / (mass of classes j..K-1))
        k = self._num_categories()
        p = wb.broadcast_to(self.probs_parameter(), self.batch_shape + (k,))
        tail = wb.cumsum(p, axis=-1, reverse=True)
        ratio = wb.minimum(wb.math.divide_no_nan(p, tail), wb.ones_like(p))
        left = wb.broadcast_to(self._total_count, (n,) + self.batch_shape)
        counts = []
        for j, s in enumerate(internal.split_seed(seed, k - 1, salt="Multinomial")):
            x = wb.random.stateless_binomial(left.shape, seed=s, counts=left, probs=ratio[..., j],
                                             output_dtype=self.dtype)
            counts.append(x)
            left = left - x
        counts.append(left)
        return wb.stack(counts, axis=-1)

    def _log_prob(self, x):
        n = self._total_count
        return (wb.lgamma(n + 1.0) - wb.reduce_sum(wb.lgamma(x + 1.0), axis=-1)
                + wb.reduce_sum(self._x_log_p(x), axis=-1))

    def _mean(self):
        return wb.expand_dims(self._total_count, -1) * self.probs_parameter()

    def _variance(self):
        p = self.probs_parameter()
        return wb.expand_dims(self._total_count, -1) * p * (1.0 - p)

    def _covariance(self):
        p = self._full(self.probs_parameter())
        n = wb.expand_dims(wb.expand_dims(self._total_count, -1), -1)
        return n * (wb.linalg.diag(p) - wb.expand_dims(p, -1) * wb.expand_dims(p, -2))
