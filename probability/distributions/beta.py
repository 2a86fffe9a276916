"""The Beta distribution on [0, 1]."""

from __future__ import annotations

import workbench as wb

from ..math.special import lbeta

from .. import internal
from .distribution import FULLY_REPARAMETERIZED, Distribution
from .gamma import random_gamma
from .kullback_leibler import RegisterKL

__all__ = ["Beta"]


class Beta(Distribution):
    """``Beta(concentration1, concentration0)``: density ``x**(c1-1) (1-x)**(c0-1) / B(c1, c0)``.

    ``concentration1`` (often "alpha") weighs towards 1, ``concentration0`` ("beta")
    towards 0. Samples are ``G1 / (G1 + G0)`` for independent Gamma draws, computed
    as ``sigmoid(log G1 - log G0)`` so that tiny concentrations do not give 0/0, and
    they are reparameterized through the Gamma draws' implicit gradients.

    >>> d = Beta(concentration1=[0.5, 2.0], concentration0=3.0)
    >>> d.batch_shape, d.sample(4, seed=1).shape
    ((2,), (4, 2))
    """

    _param_event_ndims = {"concentration1": 0, "concentration0": 0}
    _param_constraints = {"concentration1": "positive", "concentration0": "positive"}
    _support = "unit_interval"

    def __init__(self, concentration1, concentration0, force_probs_to_zero_outside_support=False,
                 validate_args=False, allow_nan_stats=True, name="Beta"):
        parameters = dict(locals())
        dtype = internal.common_dtype([concentration1, concentration0])
        self._concentration1 = internal.as_param(concentration1, "concentration1", dtype, "Beta")
        self._concentration0 = internal.as_param(concentration0, "concentration0", dtype, "Beta")
        self._force_probs_to_zero_outside_support = bool(force_probs_to_zero_outside_support)
        super().__init__(dtype, FULLY_REPARAMETERIZED, validate_args, allow_nan_stats, parameters, name)

    @classmethod
    def experimental_from_mean_concentration(cls, mean, total_concentration, **kwargs):
        """The Beta with this ``mean`` and ``total_concentration = concentration1 + concentration0``
        (> 0): ``concentration1 = mean * total``, ``concentration0 = (1 - mean) * total``. The
        concentrations are ``DeferredTensor``s of ``mean``, so a Variable ``mean`` stays trainable.
        ``kwargs`` go to ``__init__`` (``validate_args``, ``name``, ...)."""
        from ..util.deferred_tensor import DeferredTensor  # util imports the bijectors, which import this package
        owner = f"{cls.__name__}.experimental_from_mean_concentration"
        dtype = internal.common_dtype([mean, total_concentration])
        total = internal.as_param(total_concentration, "total_concentration", dtype, owner)
        mean = internal.as_param(mean, "mean", dtype, owner)
        return cls(concentration1=DeferredTensor(mean, lambda m: m * total),
                   concentration0=DeferredTensor(mean, lambda m: (1.0 - m) * total), **kwargs)

    @classmethod
    def experimental_from_mean_variance(cls, mean, variance, **kwargs):
        """The Beta with this ``mean`` and ``variance`` (which must be below ``mean * (1 - mean)``):
        ``total_concentration = mean * (1 - mean) / variance - 1``."""
        from ..util.deferred_tensor import DeferredTensor  # util imports the bijectors, which import this package
        owner = f"{cls.__name__}.experimental_from_mean_variance"
        dtype = internal.common_dtype([mean, variance])
        variance = internal.as_param(variance, "variance", dtype, owner)
        mean = internal.as_param(mean, "mean", dtype, owner)
        total = DeferredTensor(mean, lambda m: m * (1.0 - m) / variance - 1.0)
        return cls.experimental_from_mean_concentration(mean=mean, total_concentration=total, **kwargs)

    @property
    def concentration1(self):
        return self._concentration1

    @property
    def concentration0(self):
        return self._concentration0

    @property
    def total_concentration(self):
        return self._concentration1 + self._concentration0

    @property
    def force_probs_to_zero_outside_support(self):
        return self._force_probs_to_zero_outside_support

    _sample_n_takes_any_seed = True

    def _sample_n(self, n, seed):
        seed1, seed0 = internal.split_seed(seed, 2, salt="beta")
        c1 = wb.broadcast_to(self._concentration1, self.batch_shape)
        c0 = wb.broadcast_to(self._concentration0, self.batch_shape)
        log_g1 = random_gamma((n,), c1, seed=seed1, log_space=True)
        log_g0 = random_gamma((n,), c0, seed=seed0, log_space=True)
        return wb.sigmoid(log_g1 - log_g0)

    def _log_prob(self, x):
        c1, c0 = self._concentration1, self._concentration0
        lp = internal.xlogy(c1 - 1.0, x) + internal.xlog1py(c0 - 1.0, -x) - lbeta(c1, c0)
        if self._force_probs_to_zero_outside_support:
            return wb.where((x >= 0) & (x <= 1), lp, float("-inf"))
        return lp

    def _cdf(self, x):
        # outside [0, 1] the CDF is 0 or 1: evaluate betainc at a safe point there
        inside = (x >= 0) & (x < 1)
        safe_x = wb.where(inside, x, 0.5)
        value = wb.math.betainc(self._concentration1, self._concentration0, safe_x)
        return wb.where(x < 0, 0.0, wb.where(x >= 1, 1.0, value))

    def _quantile(self, p):
        return wb.math.betaincinv(self._concentration1, self._concentration0, p)

    def _mean(self):
        return self._concentration1 / self.total_concentration

    def _variance(self):
        c1, c0 = self._concentration1, self._concentration0
        total = c1 + c0
        return c1 * c0 / (wb.square(total) * (total + 1.0))

    def _mode(self):
        c1, c0 = self._concentration1, self._concentration0
        mode = (c1 - 1.0) / (c1 + c0 - 2.0)
        return self._undefined(mode, (c1 <= 1.0) | (c0 <= 1.0),
                               "mode (concentration1 <= 1 or concentration0 <= 1)")

    def _entropy(self):
        c1, c0 = self._concentration1, self._concentration0
        total = c1 + c0
        return (lbeta(c1, c0) - (c1 - 1.0) * wb.digamma(c1) - (c0 - 1.0) * wb.digamma(c0)
                + (total - 2.0) * wb.digamma(total))


@RegisterKL(Beta, Beta)
def _kl_beta_beta(a, b, name=None):
    a1, a0, b1, b0 = a.concentration1, a.concentration0, b.concentration1, b.concentration0
    a_total = a1 + a0
    return (lbeta(b1, b0) - lbeta(a1, a0)
            + (a1 - b1) * wb.digamma(a1) + (a0 - b0) * wb.digamma(a0)
            + (b1 - a1 + b0 - a0) * wb.digamma(a_total))
