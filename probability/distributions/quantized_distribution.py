"""QuantizedDistribution: ``Y = ceiling(X)`` of a scalar distribution, optionally clipped to ``[low, high]``."""

from __future__ import annotations

import math

import workbench as wb

from .. import internal
from ._slicing import as_slices, sliced_base
from .distribution import NOT_REPARAMETERIZED, Distribution

__all__ = ["QuantizedDistribution"]


class QuantizedDistribution(Distribution):
    """``QuantizedDistribution(distribution, low=None, high=None)``: the integer ``Y = ceiling(X)``
    for ``X ~ distribution``, set to ``low`` below it and to ``high`` above it.

    ``P(Y = j)`` is ``P(j - 1 < X <= j)``, ``P(X <= low)`` at ``j = low``, ``P(X > high - 1)``
    at ``j = high`` and 0 outside ``[low, high]`` (``-inf`` log mass, where TFP 0.25 gives NaN).
    Values are floored first (TFP does the same). Interval masses are differences of the base's
    log CDF in the lower half and of its log survival function in the upper half, so far tails
    stay finite. ``cdf(y)`` is ``P(Y <= floor(y))``. ``distribution`` needs a ``cdf``; the
    quantized distribution has its ``dtype`` and batch shape and reads its ``allow_nan_stats``.
    As in TFP there is no ``quantile``, moment or ``entropy``; samples are not reparameterized.

    >>> d = QuantizedDistribution(Normal(loc=0.3, scale=1.0), low=-1.0, high=3.0)
    >>> d.sample(4, seed=1).shape
    (4,)
    """

    def __init__(self, distribution, low=None, high=None, validate_args=False, name="QuantizedDistribution"):
        parameters = dict(locals())
        if not isinstance(distribution, Distribution):
            raise TypeError(f"QuantizedDistribution: argument `distribution` must be a Distribution, "
                            f"got {type(distribution).__name__}")
        if len(distribution.event_shape):
            raise ValueError(f"QuantizedDistribution: argument `distribution` must have a scalar event, got "
                             f"event_shape {list(distribution.event_shape)}")
        self._distribution = distribution
        dtype = distribution.dtype
        self._low = None if low is None else internal.as_param(low, "low", dtype, "QuantizedDistribution")
        self._high = None if high is None else internal.as_param(high, "high", dtype, "QuantizedDistribution")
        super().__init__(dtype, NOT_REPARAMETERIZED, validate_args, distribution.allow_nan_stats, parameters, name)

    def _check_parameters(self):
        for pname, v in (("low", self._low), ("high", self._high)):
            if v is not None and not bool(wb.reduce_all(wb.math.equal(v, wb.math.floor(v)))):
                raise wb.errors.InvalidArgumentError(
                    f"QuantizedDistribution: argument `{pname}` must be a whole number, got {v.numpy()!r}")
        if self._low is not None and self._high is not None and not bool(wb.reduce_all(self._low < self._high)):
            raise wb.errors.InvalidArgumentError(f"QuantizedDistribution: argument `low` must be less than `high`, got "
                                                 f"low={self._low.numpy()!r}, high={self._high.numpy()!r}")

    @property
    def distribution(self):
        return self._distribution

    @property
    def low(self):
        return self._low

    @property
    def high(self):
        return self._high

    def _batch_shape(self):
        shapes = [tuple(self._distribution.batch_shape)]
        shapes += [tuple(t.shape) for t in (self._low, self._high) if t is not None]
        return internal.broadcast_shapes(*shapes)

    def _default_event_space_bijector(self):
        return None   # integer-valued

    def __getitem__(self, slices):
        slices = as_slices(slices)
        batch = tuple(self.batch_shape)

        def cut(t):
            return t if t is None or t.ndim == 0 else wb.broadcast_to(t, batch)[slices]
        return QuantizedDistribution(sliced_base(self._distribution, batch, slices), cut(self._low), cut(self._high), self._validate_args, self._name)

    def _sample_n(self, n, seed):
        y = wb.math.ceil(self._distribution.sample(n, seed=seed))
        if self._low is not None:
            y = wb.maximum(y, self._low)
        if self._high is not None:
            y = wb.minimum(y, self._high)
        return y

    def _clip(self, j, below, inside, above):
        """``inside`` where ``low <= j < high``, ``below`` / ``above`` outside."""
        out = inside
        if self._high is not None:
            out = wb.where(j >= self._high, wb.zeros_like(out) + above, out)
        if self._low is not None:
            out = wb.where(j < self._low, wb.zeros_like(out) + below, out)
        return out

    def _log_prob(self, y):
        base = self._distribution
        j = wb.math.floor(y)
        log_cdf_hi, log_cdf_lo = base.log_cdf(j), base.log_cdf(j - 1.0)
        log_sf_hi, log_sf_lo = base.log_survival_function(j), base.log_survival_function(j - 1.0)
        # log(F(j) - F(j-1)) while F(j-1) <= 1/2, else log(S(j-1) - S(j)): the smaller terms never cancel
        upper = log_cdf_lo > -math.log(2.0)
        lower_form = log_cdf_hi + wb.math.log1mexp(log_cdf_hi - wb.where(upper, log_cdf_hi - 1.0, log_cdf_lo))
        upper_form = log_sf_lo + wb.math.log1mexp(wb.where(upper, log_sf_hi, log_sf_lo - 1.0) - log_sf_lo)
        lp = wb.where(upper, upper_form, lower_form)
        if self._low is not None:
            # evaluated at j (equal to low there): low and high only select, as TFP (no gradient)
            lp = wb.where(wb.math.equal(j, self._low), log_cdf_hi, lp)
            lp = wb.where(j < self._low, wb.zeros_like(lp) + float("-inf"), lp)
        if self._high is not None:
            lp = wb.where(wb.math.equal(j, self._high), log_sf_lo, lp)
            lp = wb.where(j > self._high, wb.zeros_like(lp) + float("-inf"), lp)
        return lp

    def _cdf(self, y):
        j = wb.math.floor(y)
        return self._clip(j, 0.0, self._distribution.cdf(j), 1.0)

    def _log_cdf(self, y):
        j = wb.math.floor(y)
        return self._clip(j, float("-inf"), self._distribution.log_cdf(j), 0.0)

    def _survival_function(self, y):
        j = wb.math.floor(y)
        return self._clip(j, 1.0, self._distribution.survival_function(j), 0.0)

    def _log_survival_function(self, y):
        j = wb.math.floor(y)
        return self._clip(j, 0.0, self._distribution.log_survival_function(j), float("-inf"))
