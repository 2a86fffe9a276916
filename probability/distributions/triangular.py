"""The triangular distribution (``low``, ``high``, ``peak``)."""

from __future__ import annotations

import numpy as np

import workbench as wb

from .. import internal
from .distribution import FULLY_REPARAMETERIZED, Distribution
from ..internal import samplers

__all__ = ["Triangular"]


class Triangular(Distribution):
    """``Triangular(low=0., high=1., peak=0.5)``: the density rises linearly from 0 at ``low`` to
    ``2 / (high - low)`` at ``peak`` and falls linearly to 0 at ``high`` (SciPy's
    ``triang((peak - low) / (high - low), low, high - low)``).

    ``log_prob`` is ``-inf`` outside ``(low, high)``. Samples are inverse-CDF draws (reparameterized);
    as TFP, ``quantile`` and ``mode`` are not implemented.

    >>> d = Triangular(low=0.0, high=[1.0, 2.0], peak=0.5)
    >>> d.batch_shape, d.sample(3, seed=1).shape
    ((2,), (3, 2))
    """

    _param_event_ndims = {"low": 0, "high": 0, "peak": 0}

    def __init__(self, low=0.0, high=1.0, peak=0.5, validate_args=False, allow_nan_stats=True, name="Triangular"):
        parameters = dict(locals())
        dtype = internal.common_dtype([low, high, peak])
        self._low = internal.as_param(low, "low", dtype, "Triangular")
        self._high = internal.as_param(high, "high", dtype, "Triangular")
        self._peak = internal.as_param(peak, "peak", dtype, "Triangular")
        super().__init__(dtype, FULLY_REPARAMETERIZED, validate_args, allow_nan_stats, parameters, name)

    def _check_parameters(self):
        super()._check_parameters()
        low, high, peak = (np.asarray(t.numpy()) for t in (self._low, self._high, self._peak))
        if not np.all(low < high):
            raise wb.errors.InvalidArgumentError(
                f"Triangular: argument `low` must be below `high`, got low={low!r}, high={high!r}")
        if not np.all((low <= peak) & (peak <= high)):
            raise wb.errors.InvalidArgumentError(
                f"Triangular: argument `peak` must lie in [low, high], got peak={peak!r}, "
                f"low={low!r}, high={high!r}")

    @property
    def low(self):
        return self._low

    @property
    def high(self):
        return self._high

    @property
    def peak(self):
        return self._peak

    def _parts(self):
        """(low, high, peak, high - low, peak - low, high - peak), the last two 1 where they are 0."""
        low, high, peak = self._low, self._high, self._peak
        left, right = peak - low, high - peak
        return (low, high, peak, high - low, wb.where(left > 0, left, wb.ones_like(left)),
                wb.where(right > 0, right, wb.ones_like(right)))

    _sample_n_takes_any_seed = True

    def _sample_n(self, n, seed):
        seed = samplers.sanitize_seed(seed, salt="triangular")
        u = samplers.uniform((n,) + self.batch_shape, seed=seed, dtype=self.dtype)
        low, high, peak, width, left, right = self._parts()
        split = (peak - low) / width
        rising = low + wb.sqrt(u * width * left)
        falling = high - wb.sqrt((1.0 - u) * width * right)
        return wb.where(u < split, rising, falling)

    def _prob(self, x):
        low, high, peak, width, left, right = self._parts()
        rising = 2.0 * (x - low) / (width * left)
        falling = 2.0 * (high - x) / (width * right)
        # at x == peak == high the rising side holds the density (the falling side has zero width)
        p = wb.where((x < peak) | wb.math.equal(peak, high), rising, falling)
        return wb.where((x < low) | (x > high), wb.zeros_like(p), p)

    def _check_support(self, x, method):
        self._assert_in_support(x, method, (x >= self._low) & (x <= self._high), "in [low, high]")

    def _log_prob(self, x):
        return wb.log(self._prob(x))

    def _cdf(self, x):
        low, high, peak, width, left, right = self._parts()
        xc = wb.minimum(wb.maximum(x, low), high)
        rising = wb.square(xc - low) / (width * left)
        falling = 1.0 - wb.square(high - xc) / (width * right)
        return wb.where(xc < peak, rising, falling)

    def _survival_function(self, x):
        low, high, peak, width, left, right = self._parts()
        xc = wb.minimum(wb.maximum(x, low), high)
        rising = 1.0 - wb.square(xc - low) / (width * left)
        falling = wb.square(high - xc) / (width * right)
        return wb.where(xc < peak, rising, falling)

    def _log_cdf(self, x):
        return wb.log(self._cdf(x))

    def _log_survival_function(self, x):
        return wb.log(self._survival_function(x))

    def _mean(self):
        return (self._low + self._high + self._peak) / 3.0

    def _variance(self):
        low, high, peak = self._low, self._high, self._peak
        return (wb.square(low) + wb.square(high) + wb.square(peak) - low * high - low * peak - high * peak) / 18.0

    def _entropy(self):
        return 0.5 + wb.log(0.5 * (self._high - self._low)) + wb.zeros_like(self._peak)

    def _default_event_space_bijector(self):
        from .. import bijectors as tfb  # circular import: bijectors builds distributions in __call__
        return tfb.Sigmoid(low=self._low, high=self._high, validate_args=self._validate_args)
