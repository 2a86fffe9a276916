"""The zero-inflated negative binomial: a point mass at 0 mixed with a NegativeBinomial."""

from __future__ import annotations

import workbench as wb

from .. import internal
from .categorical import Categorical
from .distribution import NOT_REPARAMETERIZED, Distribution
from .negative_binomial import NegativeBinomial

__all__ = ["ZeroInflatedNegativeBinomial"]


class ZeroInflatedNegativeBinomial(Distribution):
    """``ZeroInflatedNegativeBinomial(inflated_loc_logits=None, inflated_loc_probs=None, total_count, logits=None,
    probs=None)``: 0 with probability ``pi`` (``inflated_loc_probs``, or ``sigmoid(2 * inflated_loc_logits)``
    as TFP 0.25 computes it),
    else a ``NegativeBinomial(total_count, logits / probs)`` count.

    ``P(0) = pi + (1 - pi) NB(0)`` and ``P(k) = (1 - pi) NB(k)`` for ``k > 0``; samples are not
    reparameterized.

    >>> d = ZeroInflatedNegativeBinomial(inflated_loc_probs=0.3, total_count=5.0, probs=[0.2, 0.6])
    >>> d.batch_shape, d.sample(4, seed=1).shape
    ((2,), (4, 2))
    """

    _param_event_ndims = {"inflated_loc_logits": 0, "inflated_loc_probs": 0, "total_count": 0, "logits": 0,
                          "probs": 0}
    _param_constraints = {"inflated_loc_probs": "unit_interval", "total_count": "positive",
                          "probs": "unit_interval"}
    _support = "nonnegative_integer"

    def __init__(self, inflated_loc_logits=None, inflated_loc_probs=None, total_count=None, logits=None, probs=None,
                 require_integer_total_count=True, validate_args=False, allow_nan_stats=True,
                 name="ZeroInflatedNegativeBinomial"):
        parameters = dict(locals())
        owner = "ZeroInflatedNegativeBinomial"
        if (inflated_loc_logits is None) == (inflated_loc_probs is None):
            raise ValueError(f"{owner}: give exactly one of `inflated_loc_logits` and `inflated_loc_probs`")
        if total_count is None:
            raise ValueError(f"{owner}: argument `total_count` is required (the NegativeBinomial's)")
        dtype = internal.common_dtype([inflated_loc_logits, inflated_loc_probs, total_count, logits, probs])
        self._inflated_loc_logits = (None if inflated_loc_logits is None
                                     else internal.as_param(inflated_loc_logits, "inflated_loc_logits", dtype, owner))
        self._inflated_loc_probs = (None if inflated_loc_probs is None
                                    else internal.as_param(inflated_loc_probs, "inflated_loc_probs", dtype, owner))
        self._count = NegativeBinomial(total_count, logits=logits, probs=probs,
                                       require_integer_total_count=require_integer_total_count,
                                       validate_args=validate_args, allow_nan_stats=allow_nan_stats)
        super().__init__(dtype, NOT_REPARAMETERIZED, validate_args, allow_nan_stats, parameters, name)

    @property
    def inflated_loc_logits(self):
        return self._inflated_loc_logits

    @property
    def inflated_loc_probs(self):
        return self._inflated_loc_probs

    @property
    def total_count(self):
        return self._count.total_count

    @property
    def logits(self):
        return self._count.logits

    @property
    def probs(self):
        return self._count.probs

    @property
    def distribution(self):
        """The NegativeBinomial component."""
        return self._count

    def _log_pi(self):
        """``(log pi, log(1 - pi))``."""
        if self._inflated_loc_logits is not None:   # TFP's Inflated: pi = sigmoid(2 l)
            return (wb.math.log_sigmoid(2.0 * self._inflated_loc_logits),
                    wb.math.log_sigmoid(-2.0 * self._inflated_loc_logits))
        p = self._inflated_loc_probs
        return wb.log(p), wb.log1p(-p)

    def _pi(self):
        if self._inflated_loc_logits is not None:
            return wb.sigmoid(2.0 * self._inflated_loc_logits)
        return self._inflated_loc_probs

    _sample_n_takes_any_seed = True

    def _sample_n(self, n, seed):
        # TFP's Inflated is a Mixture of [Deterministic(0), NegativeBinomial]: a "Mixture" split
        # into three (the Categorical's, the point mass's (unused), the count's)
        # (TFP requires the gate's batch shape to be the count's; a smaller one is broadcast first)
        cat_seed, _, count_seed = internal.split_seed(seed, 3, salt="Mixture")
        batch = self.batch_shape
        if self._inflated_loc_logits is not None:
            logit = wb.broadcast_to(self._inflated_loc_logits, batch)
            cat = Categorical(logits=wb.stack([logit, -logit], axis=-1))
        else:
            p = wb.broadcast_to(self._inflated_loc_probs, batch)
            cat = Categorical(probs=wb.stack([p, wb.ones_like(p) - p], axis=-1))
        component = cat.sample(n, seed=cat_seed)
        shape = (n,) + batch
        counts = self._count.sample(n, seed=count_seed)
        counts = wb.reshape(counts, (n,) + (1,) * (len(shape) - counts.ndim) + tuple(counts.shape[1:]))
        counts = wb.broadcast_to(counts, shape)
        return wb.where(component > 0, counts, wb.zeros(shape, self.dtype))

    def _log_prob(self, x):
        log_pi, log_1m_pi = self._log_pi()
        lp_count = log_1m_pi + self._count.log_prob(x)
        at_zero = wb.reduce_logsumexp(wb.stack([log_pi + wb.zeros_like(lp_count), lp_count], axis=0), axis=0)
        return wb.where(wb.equal(x, 0.0), at_zero, lp_count)

    def _cdf(self, x):
        pi = self._pi()
        return wb.where(x >= 0, pi + (1.0 - pi) * self._count.cdf(x), wb.zeros_like(pi * x))

    def _survival_function(self, x):
        # (1 - pi) times the count's survival, not 1 - cdf (which cancels in the upper tail)
        pi = self._pi()
        return wb.where(x >= 0, (1.0 - pi) * self._count.survival_function(x), wb.ones_like(pi * x))

    def _log_survival_function(self, x):
        pi = self._pi()
        return wb.where(x >= 0, wb.log1p(-pi) + self._count.log_survival_function(x), wb.zeros_like(pi * x))

    def _mean(self):
        return (1.0 - self._pi()) * self._count.mean()

    def _variance(self):
        keep = 1.0 - self._pi()
        mean = self._count.mean()
        return keep * (self._count.variance() + wb.square(mean)) - wb.square(keep * mean)
