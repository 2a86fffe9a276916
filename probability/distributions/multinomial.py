"""The Multinomial distribution: class counts over ``total_count`` Categorical draws."""

from __future__ import annotations

import workbench as wb

from .. import internal
from ._logits_probs import LogitsProbs
from .binomial import Binomial
from .distribution import NOT_REPARAMETERIZED, Distribution

__all__ = ["Multinomial", "draw_sample"]


def draw_sample(num_samples, num_classes, probs, num_trials, dtype, seed):
    """``[num_samples] + batch + [num_classes]`` multinomial counts, one Binomial draw per class
    but the last (TFP's iterated binomial): class ``i`` takes ``Binomial(trials left,
    p_i / (1 - mass of classes before i))`` with the ``i``-th seed split off ``seed`` (salt
    ``"multinomial_draw_sample"``); the last class takes the trials left."""
    seeds = internal.split_seed(seed, num_classes, salt="multinomial_draw_sample")
    probs = wb.convert_to_tensor(probs)
    left = wb.cast(num_trials, probs.dtype) + wb.zeros_like(probs[..., 0])
    left = wb.broadcast_to(left, (num_samples,) + tuple(left.shape))
    consumed = wb.zeros_like(probs[..., 0])
    counts = []
    for i in range(num_classes - 1):
        here = probs[..., i]
        p = wb.clip_by_value(wb.math.divide_no_nan(here, 1.0 - consumed), 0.0, 1.0)
        x = Binomial(total_count=left, probs=p).sample(seed=seeds[i])
        counts.append(wb.cast(x, dtype))
        left = left - x
        consumed = consumed + here
    counts.append(wb.cast(left, dtype))
    return wb.stop_gradient(wb.stack(counts, axis=-1))


class Multinomial(LogitsProbs, Distribution):
    """``Multinomial(total_count, logits=None, probs=None)``: counts ``[..., K]`` of each class.

    ``total_count``: ``[...]``; ``logits``/``probs``: ``[..., K]``. ``batch_shape`` broadcasts
    ``total_count.shape`` with ``logits.shape[:-1]``; ``event_shape`` is ``[K]``. Samples are
    counts of the float dtype (as TFP). ``log_prob(x) = lgamma(n + 1) - sum lgamma(x + 1) +
    sum x log p`` with ``n = total_count``, evaluated at any ``x`` (a class with ``p = 0`` and
    count 0 adds 0); ``validate_args=True`` refuses counts that do not sum to ``n`` (TFP's check).

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

    def _check_support(self, x, method):
        # validate_args: non-negative integer counts that sum to total_count (TFP's checks)
        super()._check_support(x, method)
        self._assert_in_support(x, method, wb.math.equal(wb.reduce_sum(x, axis=-1), self._total_count),
                                "counts summing to total_count")

    _sample_n_takes_any_seed = True

    def _sample_n(self, n, seed):
        n_draws = wb.cast(self._total_count, wb.int32)
        return draw_sample(n, self._num_categories(), self.probs_parameter(), n_draws, self.dtype, seed)

    def _log_prob(self, x):
        n = self._total_count
        return (wb.lgamma(n + 1.0) - wb.reduce_sum(wb.lgamma(x + 1.0), axis=-1)
                + wb.reduce_sum(self._counts_log_p(x), axis=-1))

    def _counts_log_p(self, x):
        # TFP's log(probs) as given (not renormalized: its gradient in probs is x / probs) or
        # log_softmax(logits), times the counts with 0 where a count is 0
        if self._probs is not None:
            return wb.math.multiply_no_nan(wb.log(self._probs), x)
        return self._x_log_p(x)

    def _mean(self):
        return wb.expand_dims(self._total_count, -1) * self.probs_parameter()

    def _variance(self):
        p = self.probs_parameter()
        return wb.expand_dims(self._total_count, -1) * p * (1.0 - p)

    def _covariance(self):
        p = self._full(self.probs_parameter())
        n = wb.expand_dims(wb.expand_dims(self._total_count, -1), -1)
        return n * (wb.linalg.diag(p) - wb.expand_dims(p, -1) * wb.expand_dims(p, -2))
