"""The two-piece (Fernandez-Steel skew, split) normal distribution."""

from __future__ import annotations

import math

import workbench as wb

from ._two_piece import TwoPieceDistribution

__all__ = ["TwoPieceNormal"]

_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


class TwoPieceNormal(TwoPieceDistribution):
    """``TwoPieceNormal(loc, scale, skewness)``: density
    ``k * phi(y * skewness)`` for ``x < loc`` and ``k * phi(y / skewness)`` for ``x >= loc``,
    ``y = (x - loc) / scale``, ``k = 2 skewness / ((1 + skewness**2) scale)``.

    ``skewness > 1`` skews right, ``skewness < 1`` left, ``1`` is the Normal. Samples are the
    quantile of a uniform draw (reparameterized). As in TFP there is no ``entropy``.

    >>> d = TwoPieceNormal(loc=0.0, scale=1.0, skewness=[0.5, 2.0])
    >>> d.batch_shape, d.sample(3, seed=1).shape
    ((2,), (3, 2))
    """

    _param_event_ndims = {"loc": 0, "scale": 0, "skewness": 0}
    _param_constraints = {"scale": "positive", "skewness": "positive"}

    def __init__(self, loc, scale, skewness, validate_args=False, allow_nan_stats=True, name="TwoPieceNormal"):
        parameters = dict(locals())
        self._init_two_piece(dict(loc=loc, scale=scale, skewness=skewness), validate_args, allow_nan_stats,
                             parameters, name)

    def _std_log_prob(self, t):
        return -0.5 * wb.square(t) - _HALF_LOG_2PI

    def _std_cdf(self, t):
        return wb.math.ndtr(t)

    def _std_log_cdf(self, t):
        return wb.math.log_ndtr(t)

    def _std_quantile(self, p):
        return wb.math.ndtri(p)

    def _std_abs_mean(self):
        return math.sqrt(2.0 / math.pi)

    def _std_second_moment(self):
        return 1.0
