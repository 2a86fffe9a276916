"""The continuous uniform distribution on ``[low, high]``."""

from __future__ import annotations

import math

import workbench as wb

from .. import internal
from .distribution import FULLY_REPARAMETERIZED, Distribution
from .kullback_leibler import RegisterKL

__all__ = ["Uniform"]


class Interval(Distribution):
    """What Uniform and Bates share: ``low < high`` (checked with ``validate_args``), their
    properties, and ``Sigmoid(low, high)`` onto the support."""

    def _check_parameters(self):
        super()._check_parameters()
        if not bool(wb.reduce_all(self._low < self._high)):
            raise wb.errors.InvalidArgumentError(f"{type(self).__name__}: argument `low` must be less than `high`, got "
                                                 f"low={self._low.numpy()!r}, high={self._high.numpy()!r}")

    @property
    def low(self):
        return self._low

    @property
    def high(self):
        return self._high

    def _default_event_space_bijector(self):
        from .. import bijectors as tfb  # circular import: bijectors builds distributions in __call__
        return tfb.Sigmoid(low=self._low, high=self._high, validate_args=self._validate_args)


class Uniform(Interval):
    """``Uniform(low=0., high=1.)``: density ``1 / (high - low)`` on ``[low, high]``, 0 elsewhere
    (``log_prob`` is ``-inf`` outside; both ends count as inside, as in TFP).

    >>> d = Uniform(low=0.0, high=[1.0, 4.0])
    >>> d.mean().numpy()
    array([0.5, 2. ], dtype=float32)
    """

    _param_event_ndims = {"low": 0, "high": 0}
    _param_constraints = {"low": "finite", "high": "finite"}

    def __init__(self, low=0.0, high=1.0, validate_args=False, allow_nan_stats=True, name="Uniform"):
        parameters = dict(locals())
        dtype = internal.common_dtype([low, high])
        self._low = internal.as_param(low, "low", dtype, "Uniform")
        self._high = internal.as_param(high, "high", dtype, "Uniform")
        super().__init__(dtype, FULLY_REPARAMETERIZED, validate_args, allow_nan_stats, parameters, name)

    def range(self, name=None):
        """``high - low``."""
        return self._high - self._low

    def _sample_n(self, n, seed):
        u = wb.random.stateless_uniform((n,) + self.batch_shape, seed=seed, dtype=self.dtype)
        return self._low + self.range() * u

    def _check_support(self, x, method):
        self._assert_in_support(x, method, (x >= self._low) & (x <= self._high), "in [low, high]")

    def _log_prob(self, x):
        inside = (x >= self._low) & (x <= self._high)
        # NaN in, NaN out, as TFP (whose x-gradient is then zeros, not None)
        return wb.where(wb.math.is_nan(x), x, wb.where(inside, -wb.log(self.range()), float("-inf")))

    def _cdf(self, x):
        return wb.clip_by_value((x - self._low) / self.range(), 0.0, 1.0)

    def _survival_function(self, x):
        return wb.clip_by_value((self._high - x) / self.range(), 0.0, 1.0)

    def _quantile(self, p):
        return self._low + self.range() * p

    def _mean(self):
        return 0.5 * (self._low + self._high)

    def _variance(self):
        return wb.square(self.range()) / 12.0

    def _stddev(self):
        return self.range() / math.sqrt(12.0)

    def _entropy(self):
        return wb.log(self.range())


@RegisterKL(Uniform, Uniform)
def _kl_uniform_uniform(a, b, name=None):
    # finite only when a's support lies inside b's
    inside = (b.low <= a.low) & (a.high <= b.high)
    return wb.where(inside, wb.log(b.range()) - wb.log(a.range()), float("inf"))
