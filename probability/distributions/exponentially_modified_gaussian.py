"""The exponentially modified Gaussian: a Normal plus an independent Exponential."""

from __future__ import annotations

import numpy as np

import workbench as wb

from .. import internal
from .distribution import FULLY_REPARAMETERIZED, Distribution
from ..internal import samplers

__all__ = ["ExponentiallyModifiedGaussian"]


class ExponentiallyModifiedGaussian(Distribution):
    """``ExponentiallyModifiedGaussian(loc, scale, rate)``: ``X + Y`` with ``X ~ Normal(loc, scale)``
    and ``Y ~ Exponential(rate)`` (SciPy's ``exponnorm`` with ``K = 1 / (scale * rate)``).

    Density ``rate * exp((rate scale)**2 / 2 - rate (x - loc)) * ndtr(z - rate scale)``,
    ``z = (x - loc) / scale``, evaluated in log space. Samples are reparameterized. As in TFP
    there is no ``quantile``, ``mode`` or ``entropy``.

    >>> d = ExponentiallyModifiedGaussian(loc=0.0, scale=1.0, rate=[3.0, 0.5])
    >>> d.mean().numpy()
    array([0.33333334, 2.        ], dtype=float32)
    """

    _param_event_ndims = {"loc": 0, "scale": 0, "rate": 0}
    _param_constraints = {"scale": "positive", "rate": "positive"}

    def __init__(self, loc, scale, rate, validate_args=False, allow_nan_stats=True,
                 name="ExponentiallyModifiedGaussian"):
        parameters = dict(locals())
        dtype = internal.common_dtype([loc, scale, rate])
        owner = type(self).__name__
        self._loc = internal.as_param(loc, "loc", dtype, owner)
        self._scale = internal.as_param(scale, "scale", dtype, owner)
        self._rate = internal.as_param(rate, "rate", dtype, owner)
        super().__init__(dtype, FULLY_REPARAMETERIZED, validate_args, allow_nan_stats, parameters, name)

    @property
    def loc(self):
        return self._loc

    @property
    def scale(self):
        return self._scale

    @property
    def rate(self):
        return self._rate

    _sample_n_takes_any_seed = True

    def _sample_n(self, n, seed):
        # TFP's flow: a Normal draw plus an Exponential draw, from a split seed
        normal_seed, exp_seed = internal.split_seed(seed, 2, salt="emg_sample")
        z = samplers.normal((n,) + self.batch_shape, seed=normal_seed, dtype=self.dtype)
        u = samplers.uniform((n,) + self.batch_shape, minval=float(np.finfo(self.dtype).tiny), maxval=1.0,
                             seed=exp_seed, dtype=self.dtype)
        return (z * self._scale + self._loc) + (-wb.log(u) / self._rate)

    def _log_exponential_term(self, x):
        # log of exp((rate scale)^2 / 2 - rate (x - loc)) * ndtr(z - rate scale): the density over rate,
        # and the part of the CDF that the exponential adds
        z = (x - self._loc) / self._scale
        rs = self._rate * self._scale
        return 0.5 * wb.square(rs) - rs * z + wb.math.log_ndtr(z - rs)

    def _log_prob(self, x):
        return wb.log(self._rate) + self._log_exponential_term(x)

    def _cdf(self, x):
        z = (x - self._loc) / self._scale
        return wb.math.ndtr(z) - wb.exp(self._log_exponential_term(x))

    def _survival_function(self, x):
        # a sum of two positive terms: no cancellation in the upper tail
        z = (x - self._loc) / self._scale
        return wb.math.ndtr(-z) + wb.exp(self._log_exponential_term(x))

    def _log_cdf(self, x):
        # log(ndtr(z) - exp(e)) = log_ndtr(z) + log(-expm1(e - log_ndtr(z))): finite far into the
        # lower tail, where both terms underflow; log1p(-survival) where the CDF is near 1
        z = (x - self._loc) / self._scale
        upper = z > 0.0
        log_phi = wb.math.log_ndtr(wb.where(upper, -wb.ones_like(z), z))
        gap = self._log_exponential_term(wb.where(upper, self._loc - self._scale, x)) - log_phi
        lower_tail = log_phi + wb.log(-wb.math.expm1(wb.minimum(gap, 0.0)))
        sf = self._survival_function(wb.where(upper, x, self._loc + self._scale))
        return wb.where(upper, wb.log1p(-sf), lower_tail)

    def _log_survival_function(self, x):
        z = (x - self._loc) / self._scale
        a = wb.math.log_ndtr(-z)
        b = self._log_exponential_term(x)
        hi = wb.maximum(a, b)
        return hi + wb.log1p(wb.exp(-wb.abs(a - b)))

    def _mean(self):
        return self._loc + 1.0 / self._rate * wb.ones_like(self._scale)

    def _variance(self):
        return (wb.square(self._scale) + 1.0 / wb.square(self._rate)) * wb.ones_like(self._loc)
