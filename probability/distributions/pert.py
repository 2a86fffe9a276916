"""The (modified) PERT distribution (``low``, ``peak``, ``high``, ``temperature``)."""

from __future__ import annotations

import numpy as np

import workbench as wb

from .. import internal
from .beta import Beta
from .distribution import FULLY_REPARAMETERIZED, Distribution

__all__ = ["PERT"]


class PERT(Distribution):
    """``PERT(low, peak, high, temperature=4.)``: ``low + (high - low) * Beta(a, b)`` with
    ``a = 1 + temperature * (peak - low) / (high - low)`` and ``b = 1 + temperature * (high - peak) / (high - low)``;
    the mode is ``peak``.

    As TFP's, ``log_prob`` is ``-inf`` (``prob`` 0) at ``low`` and ``high`` and nan outside ``[low,
    high]`` (with ``validate_args`` a value outside is an error); the cdf is 0 below, 1 above.
    Samples are the Beta's (implicitly reparameterized). As TFP, ``allow_nan_stats`` defaults to False.

    >>> d = PERT(low=0.0, peak=[0.3, 0.5], high=1.0)
    >>> d.batch_shape, d.sample(3, seed=1).shape
    ((2,), (3, 2))
    """

    _param_event_ndims = {"low": 0, "peak": 0, "high": 0, "temperature": 0}
    _param_constraints = {"temperature": "positive"}

    def __init__(self, low, peak, high, temperature=4.0, validate_args=False, allow_nan_stats=False, name="PERT"):
        parameters = dict(locals())
        dtype = internal.common_dtype([low, peak, high, temperature])
        self._low = internal.as_param(low, "low", dtype, "PERT")
        self._peak = internal.as_param(peak, "peak", dtype, "PERT")
        self._high = internal.as_param(high, "high", dtype, "PERT")
        self._temperature = internal.as_param(temperature, "temperature", dtype, "PERT")
        super().__init__(dtype, FULLY_REPARAMETERIZED, validate_args, allow_nan_stats, parameters, name)

    def _check_parameters(self):
        super()._check_parameters()
        low, peak, high = (np.asarray(t.numpy()) for t in (self._low, self._peak, self._high))
        if not np.all(low < peak):
            raise wb.errors.InvalidArgumentError(
                f"PERT: argument `peak` must be greater than `low`, got peak={peak!r}, low={low!r}")
        if not np.all(peak < high):
            raise wb.errors.InvalidArgumentError(
                f"PERT: argument `high` must be greater than `peak`, got high={high!r}, peak={peak!r}")

    @property
    def low(self):
        return self._low

    @property
    def peak(self):
        return self._peak

    @property
    def high(self):
        return self._high

    @property
    def temperature(self):
        return self._temperature

    def _beta(self):
        width = self._high - self._low
        t = self._temperature
        return Beta(1.0 + t * (self._peak - self._low) / width, 1.0 + t * (self._high - self._peak) / width)

    def _unit(self, x):
        """``x`` mapped onto [0, 1] (clipped), and where it lies outside."""
        u = (x - self._low) / (self._high - self._low)
        outside = (u < 0) | (u > 1)
        return wb.minimum(wb.maximum(u, wb.zeros_like(u)), wb.ones_like(u)), outside

    _sample_n_takes_any_seed = True

    def _sample_n(self, n, seed):
        return self._low + (self._high - self._low) * self._beta()._sample_n(n, seed)

    def _log_prob(self, x):
        u, outside = self._unit(x)
        lp = self._beta()._log_prob(u) - wb.log(self._high - self._low)
        return wb.where(outside, float("nan"), lp)

    def _check_support(self, x, method):
        checks = ((x >= self._low, "greater than or equal to `low`", self._low),
                  (x <= self._high, "less than or equal to `high`", self._high))
        for ok, phrase, bound in checks:
            if not wb.executing_eagerly():
                internal.assert_all(ok, f"PERT.{method}: Sample must be {phrase}.")
            elif not np.all(ok.numpy()):
                raise wb.errors.InvalidArgumentError(
                    None, None, f"PERT.{method}: Sample must be {phrase} ({bound.numpy()!r}), got {x.numpy()!r}")

    def _cdf(self, x):
        return self._beta()._cdf(self._unit(x)[0])

    def _survival_function(self, x):
        # 1 - I_u(a, b) = I_{1-u}(b, a): no cancellation in the upper tail
        b = self._beta()
        return Beta(b.concentration0, b.concentration1)._cdf(1.0 - self._unit(x)[0])

    def _log_cdf(self, x):
        return wb.log(self._cdf(x))

    def _log_survival_function(self, x):
        return wb.log(self._survival_function(x))

    def _quantile(self, p):
        return self._low + (self._high - self._low) * self._beta()._quantile(p)

    def _mean(self):
        return (self._low + self._temperature * self._peak + self._high) / (self._temperature + 2.0)

    def _variance(self):
        return wb.square(self._high - self._low) * self._beta()._variance()

    def _mode(self):
        return self._peak + wb.zeros_like(self._low + self._high + self._temperature)

    def _entropy(self):
        return self._beta()._entropy() + wb.log(self._high - self._low)

    def _default_event_space_bijector(self):
        from .. import bijectors as tfb  # circular import: bijectors builds distributions in __call__
        return tfb.Sigmoid(low=self._low, high=self._high, validate_args=self._validate_args)
