"""The truncated normal distribution: a Normal restricted to ``[low, high]``."""

from __future__ import annotations

import math


import workbench as wb

from .. import internal
from ..internal import samplers
from ._truncated import TruncatedLocScale
from .distribution import FULLY_REPARAMETERIZED

__all__ = ["TruncatedNormal"]

_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


def _log_ndtr_diff(a, b):
    """``log(ndtr(b) - ndtr(a))`` for ``a <= b``, in the lower tail of both (upper tails are
    mirrored) so that neither ndtr rounds to 1."""
    flip = a > 0
    lo, hi = wb.where(flip, -b, a), wb.where(flip, -a, b)
    log_lo, log_hi = wb.math.log_ndtr(lo), wb.math.log_ndtr(hi)
    return log_hi + wb.math.log1mexp(log_hi - log_lo)


def implicit_reparameterization(x, cdf, log_prob):
    """``x`` with the gradient of an implicitly reparameterized draw: ``dx/dtheta = -dF/dtheta / p(x)``
    (the derivative of ``F(x; theta) = u`` held fixed). ``cdf`` and ``log_prob`` map the
    (gradient-stopped) draw to the CDF and log density, differentiable in the parameters."""
    x0 = wb.stop_gradient(x)
    f = cdf(x0)
    density = wb.stop_gradient(wb.exp(log_prob(x0)))
    return x0 - (f - wb.stop_gradient(f)) / density


class TruncatedNormal(TruncatedLocScale):
    """``TruncatedNormal(loc, scale, low, high)``: the ``Normal(loc, scale)`` density renormalized on
    ``[low, high]`` (``log_prob`` is ``-inf`` outside).

    Samples are TF's stateless parameterized truncated normal draws (TFP's) and carry
    implicit-reparameterization gradients (``-dF/dtheta / p``) with respect to all four
    parameters, as TFP's.

    >>> d = TruncatedNormal(loc=0.0, scale=1.0, low=[-1.0, 0.5], high=[1.0, 3.0])
    >>> d.batch_shape, d.sample(2, seed=1).shape
    ((2,), (2, 2))
    """

    _reparameterization = FULLY_REPARAMETERIZED

    def __init__(self, loc, scale, low, high, validate_args=False, allow_nan_stats=True, name="TruncatedNormal"):
        parameters = dict(locals())
        self._init_truncated(loc, scale, low, high, validate_args, allow_nan_stats, parameters, name)

    def _bounds(self):
        return (self._low - self._loc) / self._scale, (self._high - self._loc) / self._scale

    def _log_z(self):
        a, b = self._bounds()
        return _log_ndtr_diff(a, b)

    _sample_n_takes_any_seed = True

    def _sample_n(self, n, seed):
        # TF's stateless parameterized truncated normal on the sanitized seed, as TFP
        params = [wb.stop_gradient(t) for t in (self._loc, self._scale, self._low, self._high)]
        x = samplers.parameterized_truncated_normal([n] + list(self.batch_shape), *params, dtype=self.dtype,
                                                    seed=samplers.sanitize_seed(seed))
        return implicit_reparameterization(x, self._cdf, self._log_prob)

    def _default_event_space_bijector(self):
        from .. import bijectors as tfb  # circular import: bijectors builds distributions in __call__
        return tfb.Sigmoid(low=self._low, high=self._high, validate_args=self._validate_args)

    def _log_prob(self, x):
        z = (x - self._loc) / self._scale
        lp = -0.5 * wb.square(z) - _HALF_LOG_2PI - wb.log(self._scale) - self._log_z()
        return wb.where((x >= self._low) & (x <= self._high), lp, float("-inf"))

    def _cdf(self, x):
        a, b = self._bounds()
        z = (wb.minimum(wb.maximum(x, self._low), self._high) - self._loc) / self._scale
        # (ndtr(z) - ndtr(a)) / Z, in the tail where neither rounds
        # at or below the lower bound the branch not taken sees a + 1, so its gradient stays finite
        inside = z > a
        log_part = _log_ndtr_diff(a, wb.where(inside, z, a + 1.0))
        return wb.where(inside, wb.exp(log_part - self._log_z()), wb.zeros_like(log_part))

    def _survival_function(self, x):
        a, b = self._bounds()
        z = (wb.minimum(wb.maximum(x, self._low), self._high) - self._loc) / self._scale
        inside = z < b
        log_part = _log_ndtr_diff(wb.where(inside, z, b - 1.0), b)
        return wb.where(inside, wb.exp(log_part - self._log_z()), wb.zeros_like(log_part))

    def _quantile(self, p):
        a, b = self._bounds()
        z_mass = wb.exp(self._log_z())
        # ndtri(ndtr(a) + p Z) where that mass is below 1/2; above it the same point from the upper
        # bound, -ndtri(ndtr(-b) + (1 - p) Z), so neither form takes ndtri of a sum rounded near 1
        use_upper = wb.math.ndtr(a) + p * z_mass > 0.5
        half = wb.ones_like(p * z_mass) * 0.5
        lower = wb.math.ndtri(wb.where(use_upper, half, wb.math.ndtr(a) + p * z_mass))
        upper = -wb.math.ndtri(wb.where(use_upper, wb.math.ndtr(-b) + (1.0 - p) * z_mass, half))
        return self._loc + self._scale * wb.where(use_upper, upper, lower)

    def _phi_terms(self):
        a, b = self._bounds()
        log_z = self._log_z()
        pa = wb.exp(-0.5 * wb.square(a) - _HALF_LOG_2PI - log_z)
        pb = wb.exp(-0.5 * wb.square(b) - _HALF_LOG_2PI - log_z)
        # phi(a)/Z, phi(b)/Z and (a phi(a) - b phi(b))/Z, with 0 * inf = 0 at infinite bounds
        return pa, pb, internal.mul_no_nan(a, pa) - internal.mul_no_nan(b, pb), log_z

    def _mean(self):
        pa, pb, _, _ = self._phi_terms()
        return self._loc + self._scale * (pa - pb)

    def _variance(self):
        pa, pb, d, _ = self._phi_terms()
        return wb.square(self._scale) * (1.0 + d - wb.square(pa - pb))

    def _mode(self):
        return wb.minimum(wb.maximum(self._loc, self._low), self._high) * wb.ones_like(self._scale)

    def _entropy(self):
        _, _, d, log_z = self._phi_terms()
        return _HALF_LOG_2PI + 0.5 + wb.log(self._scale) + log_z + 0.5 * d
