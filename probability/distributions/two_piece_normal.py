"""The two-piece (Fernandez-Steel skew, split) normal distribution."""

from __future__ import annotations

import math

import workbench as wb

from ..internal import samplers
from ._two_piece import TwoPieceDistribution

__all__ = ["TwoPieceNormal", "random_two_piece_normal"]

_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


def random_two_piece_normal(sample_shape, skewness, seed=None):
    """Standard (``loc`` 0, ``scale`` 1) two-piece normal draws of shape ``sample_shape``, as TFP
    0.25 draws them: ``|normal| * (-1 / s if uniform < 1 / (1 + s**2) else s)`` with
    ``s = |skewness|`` (salts ``"two_piece_normal"`` then ``"two_piece_normal_split"``, the
    uniform's seed first). The gradient in ``skewness`` is the implicit one,
    ``dz/ds = -(dF(z; s)/ds) / p(z; s)``."""
    skewness = wb.convert_to_tensor(skewness)
    dtype = skewness.dtype
    seed = samplers.sanitize_seed(seed, salt="two_piece_normal")
    uniform_seed, normal_seed = samplers.split_seed(seed, salt="two_piece_normal_split")
    s = wb.abs(skewness)
    s0 = wb.stop_gradient(s)
    u = samplers.uniform(sample_shape, maxval=1.0, dtype=dtype, seed=uniform_seed)
    z = wb.abs(samplers.normal(sample_shape, dtype=dtype, seed=normal_seed)) * wb.where(
        u < 1.0 / (1.0 + s0 ** 2), -1.0 / s0, s0)
    # dz/ds = 2 Phi(t) / ((1 + s**2) phi(t)) + |z| / s, t = z s left of 0 and -z / s right of it
    # (a draw on the left moves out as s shrinks, one on the right as s grows)
    t = -wb.abs(z) * wb.where(z <= 0.0, s0 * wb.ones_like(z), 1.0 / s0 * wb.ones_like(z))
    mills = wb.exp(wb.math.log_ndtr(t) + 0.5 * wb.square(t) + _HALF_LOG_2PI)
    dz_ds = wb.stop_gradient(2.0 * mills / (1.0 + s0 ** 2) + wb.abs(z) / s0)
    return z + dz_ds * (s - s0)


class TwoPieceNormal(TwoPieceDistribution):
    """``TwoPieceNormal(loc, scale, skewness)``: density
    ``k * phi(y * skewness)`` for ``x < loc`` and ``k * phi(y / skewness)`` for ``x >= loc``,
    ``y = (x - loc) / scale``, ``k = 2 skewness / ((1 + skewness**2) scale)``.

    ``skewness > 1`` skews right, ``skewness < 1`` left, ``1`` is the Normal. Samples are TFP's
    (:func:`random_two_piece_normal`, reparameterized). As in TFP there is no ``entropy``.

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

    _sample_n_takes_any_seed = True

    def _sample_n(self, n, seed):
        z = random_two_piece_normal((n,) + self.batch_shape, self._skewness, seed=seed)
        return self._loc + self._scale * z

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
