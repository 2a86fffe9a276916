"""BetaQuotient: the ratio ``X / Y`` of independent ``X ~ Beta(a0, b0)`` and ``Y ~ Beta(a1, b1)``."""

from __future__ import annotations

import math

import numpy as np

import workbench as wb

from ..math.special import lbeta

from .. import internal
from .distribution import FULLY_REPARAMETERIZED, Distribution
from .beta import Beta

__all__ = ["BetaQuotient"]

# tanh-sinh (double exponential) quadrature on [0, 1]: t = sigmoid(pi sinh(u)), u on a grid of step 1/32
# over [-6, 6]; its nodes crowd both ends doubly exponentially, so endpoint powers t**(p-1), (1-t)**(q-1)
# (p, q down to 0.01) integrate to about 1e-10 relative with fixed nodes (which keeps the integral an
# ordinary differentiable sum in the parameters)
_STEP, _U_MAX = 1.0 / 32.0, 6.0


def _nodes(dtype):
    u = np.arange(-_U_MAX, _U_MAX + _STEP / 2, _STEP)
    v = math.pi * np.sinh(u)
    log_t = -np.logaddexp(0.0, -v)
    log_1mt = -np.logaddexp(0.0, v)
    log_weight = math.log(_STEP * math.pi) + np.log(np.cosh(u)) + log_t + log_1mt
    log_weight[[0, -1]] -= math.log(2.0)     # the trapezoid rule's half weights at the ends
    return [wb.constant(a.astype(dtype)) for a in (log_t, log_1mt, np.exp(log_1mt))] + \
        [wb.constant(log_weight.astype(dtype)), float(log_t[0])]


def _log_euler_integral(p, q, r, z):
    """``log int_0^1 t**(p-1) (1-t)**(q-1) (1 - z t)**(r-1) dt`` for ``p, q, r > 0``, ``0 <= z < 1``
    (``B(p, q) 2F1(r' , p; p + q; z)`` with ``r' = 1 - r``)."""
    log_t, log_1mt, one_m_t, log_weight, log_eps = _nodes(p.dtype)
    p, q, r, z = (t[..., None] for t in (p, q, r, z))
    # 1 - z t as (1 - z) + z (1 - t): exact near t = 1 when z is near 1
    f = ((p - 1.0) * log_t + (q - 1.0) * log_1mt + (r - 1.0) * wb.log((1.0 - z) + z * one_m_t) + log_weight)
    # the mass beyond the outermost nodes (t or 1 - t below exp(log_eps)): t**p / p, and
    # (1-t)**q / q (1 - z)**(r-1)
    tail0 = p * log_eps - wb.log(p)
    tail1 = q * log_eps - wb.log(q) + (r - 1.0) * wb.log1p(-z)
    return wb.reduce_logsumexp(wb.concat([f, tail0, tail1], axis=-1), axis=-1)


class BetaQuotient(Distribution):
    """``BetaQuotient(concentration1_numerator, concentration0_numerator, concentration1_denominator,
    concentration0_denominator)``: ``X / Y`` with ``X ~ Beta(a0, b0)`` and ``Y ~ Beta(a1, b1)``
    independent (``a0, b0`` the numerator's ``concentration1, concentration0``, ``a1, b1`` the
    denominator's), on the positive reals.

    The density is ``w**(a0-1) J(a0+a1, b1, b0; w) / (B(a0, b0) B(a1, b1))`` for ``w <= 1`` and
    ``w**(-a1-1) J(a0+a1, b0, b1; 1/w) / (B(a0, b0) B(a1, b1))`` above, with
    ``J(p, q, r; z) = int_0^1 t**(p-1) (1-t)**(q-1) (1 - z t)**(r-1) dt`` (Pham-Gia's 2F1 forms),
    evaluated by tanh-sinh quadrature in log space; at ``w = 1`` it is ``B(a0+a1, b0+b1-1)``
    (infinite when ``b0 + b1 <= 1``). The mean ``a0 / (a0 + b0) * (a1 + b1 - 1) / (a1 - 1)`` needs
    ``a1 > 1`` (NaN otherwise, or an error with ``allow_nan_stats=False``). Samples
    ``X / Y`` (TFP's two Beta draws) are reparameterized through Gamma draws. As in TFP there is no ``cdf``,
    ``quantile``, ``variance``, ``mode`` or ``entropy``.

    >>> d = BetaQuotient(2.0, 3.0, 4.0, 1.5)
    >>> d.sample(3, seed=1).shape
    (3,)
    """

    _param_event_ndims = {"concentration1_numerator": 0, "concentration0_numerator": 0,
                          "concentration1_denominator": 0, "concentration0_denominator": 0}
    _param_constraints = {k: "positive" for k in _param_event_ndims}
    _support = "positive"

    def __init__(self, concentration1_numerator, concentration0_numerator, concentration1_denominator,
                 concentration0_denominator, validate_args=False, allow_nan_stats=True, name="BetaQuotient"):
        parameters = dict(locals())
        values = dict(concentration1_numerator=concentration1_numerator,
                      concentration0_numerator=concentration0_numerator,
                      concentration1_denominator=concentration1_denominator,
                      concentration0_denominator=concentration0_denominator)
        dtype = internal.common_dtype(list(values.values()))
        for k, v in values.items():
            setattr(self, "_" + k, internal.as_param(v, k, dtype, "BetaQuotient"))
        super().__init__(dtype, FULLY_REPARAMETERIZED, validate_args, allow_nan_stats, parameters, name)

    @property
    def concentration1_numerator(self):
        return self._concentration1_numerator

    @property
    def concentration0_numerator(self):
        return self._concentration0_numerator

    @property
    def concentration1_denominator(self):
        return self._concentration1_denominator

    @property
    def concentration0_denominator(self):
        return self._concentration0_denominator

    def _abab(self):
        return (self._concentration1_numerator, self._concentration0_numerator,
                self._concentration1_denominator, self._concentration0_denominator)

    def _default_event_space_bijector(self):
        from .. import bijectors as tfb  # circular import: bijectors builds distributions in __call__
        return tfb.Exp(validate_args=self._validate_args)   # TFP's choice for this family

    _sample_n_takes_any_seed = True

    def _sample_n(self, n, seed):
        # TFP's flow: two Beta draws on a "beta_quotient" split, divided
        a0, b0, a1, b1 = self._abab()
        seed1, seed2 = internal.split_seed(seed, 2, salt="beta_quotient")
        numerator = Beta(wb.broadcast_to(a0, self.batch_shape), b0)
        denominator = Beta(wb.broadcast_to(a1, self.batch_shape), b1)
        return numerator.sample(n, seed=seed1) / denominator.sample(n, seed=seed2)

    def _log_prob(self, w):
        a0, b0, a1, b1 = self._abab()
        positive = w > 0
        safe_w = wb.where(positive, w, wb.ones_like(w))
        log_w = wb.log(safe_w)
        below = safe_w <= 1.0
        ones = wb.ones_like(log_w)
        p = (a0 + a1) * ones
        # each branch gets z = min(w, 1/w) < 1; w = 1 itself has the closed form below
        z = wb.where(below, safe_w, 1.0 / safe_w)
        at_one = wb.math.equal(safe_w, 1.0)
        z = wb.where(at_one, 0.5 * ones, z)
        lo = (a0 - 1.0) * log_w + _log_euler_integral(p, b1 * ones, b0 * ones, z)
        hi = -(a1 + 1.0) * log_w + _log_euler_integral(p, b0 * ones, b1 * ones, z)
        lp = wb.where(below, lo, hi)
        q = (b0 + b1 - 1.0) * ones
        converges = q > 0
        at_one_value = wb.where(converges, lbeta(p, wb.where(converges, q, ones)), float("inf"))
        lp = wb.where(at_one, at_one_value, lp) - lbeta(a0, b0) - lbeta(a1, b1)
        return wb.where(positive, lp, float("-inf"))

    def _mean(self):
        a0, b0, a1, b1 = self._abab()
        defined = a1 > 1.0
        mean = a0 / (a0 + b0) * (a1 + b1 - 1.0) / wb.where(defined, a1 - 1.0, wb.ones_like(a1))
        return self._undefined(mean, ~defined, "mean (concentration1_denominator <= 1)")
