"""The stopping ratio logistic distribution: ordered classes ``{0, ..., K}`` reached one after another."""

from __future__ import annotations

import numpy as np

import workbench as wb

from .categorical import _check_labels, _gather_classes
from .kullback_leibler import RegisterKL
from .ordered_logistic import OrderedCutpoints, kl_classes

__all__ = ["StoppingRatioLogistic"]


class StoppingRatioLogistic(OrderedCutpoints):
    """``StoppingRatioLogistic(cutpoints, loc, dtype=int32)``: a walk through the classes ``0, 1, ..., K``
    that stops at class ``c`` (having reached it) with probability ``sigmoid(cutpoints[c] - loc)``:

    ``P(X = c) = sigmoid(cutpoints[c] - loc) * prod_{s < c} sigmoid(loc - cutpoints[s])``, and the last
    class ``K`` takes the rest. Log-probabilities are sums of log-sigmoids, so far tails keep their
    value. ``cutpoints``: ``[..., K]``, non-decreasing (checked with ``validate_args``); ``loc``:
    ``[...]``. TFP defines no mean, variance or entropy for it.

    >>> d = StoppingRatioLogistic(cutpoints=[-1., 1.], loc=0.)
    >>> [round(float(p), 4) for p in d.categorical_probs().numpy()]
    [0.2689, 0.5344, 0.1966]
    """

    def __init__(self, cutpoints, loc, dtype=np.int32, validate_args=False, allow_nan_stats=True,
                 name="StoppingRatioLogistic"):
        parameters = dict(locals())
        self._init_cutpoints(cutpoints, loc, dtype, validate_args, allow_nan_stats, parameters, name)

    def _log_prob(self, x):
        # TFP evaluates it as a Categorical over the K + 1 classes, so an index outside them raises
        _check_labels(x, self._num_categories(), "StoppingRatioLogistic")
        return super()._log_prob(x)

    def _log_continue(self):
        """``log P(X > k | X >= k) = log sigmoid(loc - cutpoints[k])``, ``[..., K]``."""
        return wb.math.log_sigmoid(self._latent())

    def categorical_log_probs(self):
        """The log-probabilities of the ``K + 1`` classes, ``[..., K + 1]``."""
        z = self._latent()
        passed = wb.cumsum(wb.math.log_sigmoid(z), axis=-1, exclusive=True)   # log P(X >= k)
        stop = wb.math.log_sigmoid(-z) + passed
        return wb.concat([stop, passed[..., -1:] + wb.math.log_sigmoid(z[..., -1:])], axis=-1)

    def _log_sf_table(self):
        """``log P(X > k)`` for ``k = 0..K-1``: the sum of the first ``k + 1`` log-continue terms."""
        return wb.cumsum(self._log_continue(), axis=-1)

    def _tail_inside(self, inside, upper, log):
        log_sf = _gather_classes(self._log_sf_table(), inside, 0.0)
        if upper:
            return log_sf if log else wb.exp(log_sf)
        return wb.math.log1mexp(log_sf) if log else -wb.math.expm1(log_sf)


@RegisterKL(StoppingRatioLogistic, StoppingRatioLogistic)
def _kl_stopping_ratio_logistic_stopping_ratio_logistic(a, b, name=None):
    return kl_classes(a.categorical_log_probs(), b.categorical_log_probs())
