"""The von Mises distribution on the circle ``[-pi, pi)``."""

from __future__ import annotations

import math

import numpy as np

import workbench as wb

from .. import internal
from ..internal import samplers
from .distribution import FULLY_REPARAMETERIZED, Distribution
from .kullback_leibler import RegisterKL
from .truncated_normal import implicit_reparameterization

__all__ = ["VonMises"]

_LOG_2PI = math.log(2.0 * math.pi)
_SERIES_BELOW = 40.0      # log I0 by its power series below this concentration, asymptotically above
_SERIES_TERMS = 90        # enough for 1e-16 relative error up to the switch
_ASYMPTOTIC_TERMS = 14


def _log_bessel_i0_branches(k):
    """``(series, asymptotic_e, big)``: ``log I0(k)`` by its power series ``sum (k/2)**(2j) / (j!)**2``
    (in log space) at ``min(k, 40)``, and ``log I0(k) - k`` by Hankel's expansion
    ``log(sum c_j / k**j) - log(2 pi k) / 2`` at ``big = max(k, 40)``."""
    small = wb.minimum(k, _SERIES_BELOW)
    j = wb.constant(np.arange(_SERIES_TERMS, dtype=k.dtype))
    log_half = wb.expand_dims(wb.log(wb.maximum(small, float(np.finfo(k.dtype).tiny)) * 0.5), -1)
    terms = internal.mul_no_nan(log_half, 2.0 * j) - 2.0 * wb.lgamma(j + 1.0)
    series = wb.reduce_logsumexp(terms, axis=-1)
    big = wb.maximum(k, _SERIES_BELOW)
    coef, total, power = 1.0, wb.ones_like(big), wb.ones_like(big)
    for n in range(1, _ASYMPTOTIC_TERMS):
        coef *= (2.0 * n - 1.0) ** 2 / (8.0 * n)
        power = power / big
        total = total + coef * power
    return series, wb.log(total) - 0.5 * (_LOG_2PI + wb.log(big)), big


def log_bessel_i0(k):
    """``log I0(k)`` for ``k >= 0``: the power series below 40, Hankel's asymptotic expansion
    ``e**k / sqrt(2 pi k) * sum c_j / k**j`` above. Differentiable."""
    series, asymptotic_e, big = _log_bessel_i0_branches(k)
    return wb.where(k < _SERIES_BELOW, series, big + asymptotic_e)


def _log_bessel_i0e(k):
    """``log I0(k) - k`` without forming ``k`` and subtracting it for large ``k``."""
    series, asymptotic_e, _ = _log_bessel_i0_branches(k)
    return wb.where(k < _SERIES_BELOW, series - wb.minimum(k, _SERIES_BELOW), asymptotic_e)


# the upper tail P(Y >= a), 0 <= a <= pi, as an integral of the density over [a, pi]: Gauss-Legendre
# rules on _TAIL_PANELS panels whose widths double from a first width fitted to the density's decay
_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(12)
_GL_NODES, _GL_WEIGHTS = 0.5 * (_GL_NODES + 1.0), 0.5 * _GL_WEIGHTS       # on [0, 1]
_TAIL_PANELS = 40


def _log_upper_tail(a, c):
    """``log P(Y >= a)`` for ``Y ~ VonMises(0, c)`` and ``0 <= a <= pi``, accurate far into the tail
    (float64). With ``w = t - a`` the density over its value at ``a`` is
    ``exp(-2 c sin(a + w/2) sin(w/2))`` (no cancellation near ``w = 0``), integrated on panels
    ``[h (2**k - 1), h (2**(k+1) - 1)]`` clipped to ``pi - a``, ``h`` an eighth of the decay length."""
    length = math.pi - a
    empty = length <= 0.0
    length = wb.where(empty, wb.ones_like(length), length)
    decay = wb.stop_gradient(1.0 / (c * wb.sin(a) + wb.sqrt(c) + 1e-300))
    h = wb.stop_gradient(wb.maximum(wb.minimum(length, decay) / 8.0, length * 2.0 ** -(_TAIL_PANELS - 4)))
    k = wb.constant(2.0 ** np.arange(_TAIL_PANELS + 1, dtype=np.float64) - 1.0)
    edges = wb.minimum(wb.expand_dims(h, -1) * k, wb.expand_dims(length, -1))
    lo, width = edges[..., :-1], edges[..., 1:] - edges[..., :-1]
    shape = tuple(lo.shape[:-1]) + (_TAIL_PANELS * len(_GL_NODES),)
    w = wb.reshape(wb.expand_dims(lo, -1) + wb.expand_dims(width, -1) * _GL_NODES, shape)
    weights = wb.reshape(wb.expand_dims(width, -1) * _GL_WEIGHTS, shape)
    a_, c_ = wb.expand_dims(a, -1), wb.expand_dims(c, -1)
    q = wb.reduce_sum(weights * wb.exp(-2.0 * c_ * wb.sin(a_ + 0.5 * w) * wb.sin(0.5 * w)), axis=-1)
    log_tail = wb.log(q) - 2.0 * c * wb.sin(0.5 * a) ** 2 - _LOG_2PI - _log_bessel_i0e(c)
    return wb.where(empty, wb.zeros_like(log_tail) + float("-inf"), log_tail)


def _bessel_ratios(k, n_terms):
    """``[I_n(k) / I_0(k) for n = 1..n_terms]`` stacked on a new last axis, by the backward recurrence
    ``I_n / I_{n-1} = 1 / (2n / k + I_{n+1} / I_n)`` started from 0 past ``n_terms``."""
    rho = wb.zeros_like(k)
    steps = []
    for n in range(n_terms + 20, 0, -1):
        rho = 1.0 / (2.0 * n / k + rho)
        if n <= n_terms:
            steps.append(rho)
    steps.reverse()                     # steps[n - 1] = I_n / I_{n-1}
    return wb.math.cumprod(wb.stack(steps, axis=-1), axis=-1)


class VonMises(Distribution):
    """``VonMises(loc, concentration)``: density ``exp(c cos(x - loc)) / (2 pi I0(c))`` on ``[-pi, pi)``.

    Samples use Best and Fisher's rejection sampler, wrapped to ``[-pi, pi)``, and carry
    implicit-reparameterization gradients (``-dF/dtheta / p`` through the CDF) as TFP's. The CDF at
    ``y = x - loc`` wrapped to ``[-pi, pi)`` integrates the density by Gauss-Legendre panels over
    the smaller tail, so ``log_cdf`` stays accurate far out (``-44.99`` at ``y = -2``, ``c = 30``,
    where TFP's normal approximation gives ``-45.01``); plus one per full turn (so it increases
    over the reals).
    ``variance`` is the circular variance ``1 - I1(c)/I0(c)``, as TFP's.

    >>> d = VonMises(loc=0.0, concentration=[0.5, 10.0])
    >>> d.batch_shape, d.sample(3, seed=1).shape
    ((2,), (3, 2))
    """

    _param_event_ndims = {"loc": 0, "concentration": 0}
    _param_constraints = {"concentration": "nonnegative"}

    def __init__(self, loc, concentration, validate_args=False, allow_nan_stats=True, name="VonMises"):
        parameters = dict(locals())
        dtype = internal.common_dtype([loc, concentration])
        self._loc = internal.as_param(loc, "loc", dtype, "VonMises")
        self._concentration = internal.as_param(concentration, "concentration", dtype, "VonMises")
        super().__init__(dtype, FULLY_REPARAMETERIZED, validate_args, allow_nan_stats, parameters, name)

    @property
    def loc(self):
        return self._loc

    @property
    def concentration(self):
        return self._concentration

    def _default_event_space_bijector(self):
        from .. import bijectors as tfb  # circular import: bijectors builds distributions in __call__
        return tfb.Sigmoid(low=-math.pi, high=math.pi, validate_args=self._validate_args)

    def _log_prob(self, x):
        c = self._concentration
        return c * wb.cos(x - self._loc) - _LOG_2PI - log_bessel_i0(c)

    def _n_terms(self):
        # I_n / I_0 ~ exp(-n**2 / (2c)): 9 sqrt(c) terms reach below 1e-17
        c_max = float(np.max(wb.stop_gradient(self._concentration).numpy(), initial=0.0))
        return int(min(max(math.ceil(9.0 * math.sqrt(c_max)) + 10, 20), 4000))

    def _turns_and_tails(self, x):
        """Whole turns of ``x - loc``, and the CDF and survival function within its turn with their
        logs: the smaller of the two is the upper tail at ``|x - loc|`` (the density is symmetric
        about loc), the larger one minus it. Computed in float64."""
        f64 = lambda v: v if v.dtype == wb.float64 else wb.cast(v, wb.float64)
        y = f64(x) - f64(self._loc)
        c = f64(self._concentration)
        turns = wb.floor((y + math.pi) / (2.0 * math.pi))
        y = y - 2.0 * math.pi * turns
        below = y < 0.0
        log_small = _log_upper_tail(wb.where(below, -y, y), c)
        small = wb.exp(log_small)
        large, log_large = 1.0 - small, wb.log1p(-small)
        parts = (turns, wb.where(below, small, large), wb.where(below, large, small),
                 wb.where(below, log_small, log_large), wb.where(below, log_large, log_small))
        return parts if self.dtype == wb.float64 else tuple(wb.cast(v, self.dtype) for v in parts)

    def _cdf(self, x):
        turns, lower, _, _, _ = self._turns_and_tails(x)
        return turns + lower

    def _survival_function(self, x):
        # one minus the CDF, full turns included (as TFP)
        turns, _, upper, _, _ = self._turns_and_tails(x)
        return upper - turns

    def _log_cdf(self, x):
        turns, lower, upper, log_lower, _ = self._turns_and_tails(x)
        return wb.where(turns == 0.0, log_lower, internal.log_tail(turns + lower, upper - turns))

    def _log_survival_function(self, x):
        turns, lower, upper, _, log_upper = self._turns_and_tails(x)
        return wb.where(turns == 0.0, log_upper, internal.log_tail(upper - turns, turns + lower))

    _sample_n_takes_any_seed = True

    # below these concentrations s = 1/c (TFP's cutoffs: the exact form cancels)
    _S_CUTOFF = {np.dtype(np.float16): 1.8e-1, np.dtype(np.float32): 2e-2, np.dtype(np.float64): 1.2e-4}

    def _sample_n(self, n, seed):
        # Best & Fisher's wrapped-Cauchy rejection as TFP's random_von_mises: "von_mises" salt, each
        # round splits its seed in three (u, v, next); the sign is the last round's u, as TFP's
        shape = [n] + list(self.batch_shape)
        dtype = self.dtype
        c = wb.broadcast_to(wb.stop_gradient(self._concentration), self.batch_shape)
        c = wb.maximum(c, np.finfo(dtype).tiny)
        r = 1.0 + wb.sqrt(1.0 + 4.0 * c ** 2)
        rho = (r - wb.sqrt(2.0 * r)) / (2.0 * c)
        s_exact = (1.0 + rho ** 2) / (2.0 * rho)
        s = wb.where(c > self._S_CUTOFF[np.dtype(dtype)], s_exact, 1.0 / c)
        seed = internal.sanitize_seed(seed, salt="von_mises")
        done = wb.zeros(shape, dtype=wb.bool)
        u = wb.zeros(shape, dtype=dtype)
        w = wb.zeros(shape, dtype=dtype)
        for _ in range(100):
            if bool(wb.reduce_all(done).numpy()):
                break
            u_seed, v_seed, seed = internal.split_seed(seed, 3)
            u = samplers.uniform(shape, minval=-1.0, maxval=1.0, dtype=dtype, seed=u_seed)
            z = wb.cos(np.pi * u)
            w = wb.where(done, w, (1.0 + s * z) / (s + z))
            y = c * (s - w)
            v = samplers.uniform(shape, minval=0.0, maxval=1.0, dtype=dtype, seed=v_seed)
            accept = (y * (2.0 - y) >= v) | (wb.math.log(y / v) + 1.0 >= y)
            done = done | accept
        x = wb.sign(u) * wb.acos(w) + wb.stop_gradient(self._loc)
        x = x - 2.0 * np.pi * wb.round(x / (2.0 * np.pi))
        return implicit_reparameterization(x, self._cdf, self._log_prob)

    def _mean(self):
        return self._loc * wb.ones_like(self._concentration)

    def _mode(self):
        return self._mean()

    def _i1_over_i0(self):
        c = wb.maximum(self._concentration, float(np.finfo(self.dtype).tiny))
        return _bessel_ratios(c, self._n_terms())[..., 0]

    def _variance(self):
        return (1.0 - self._i1_over_i0()) * wb.ones_like(self._loc)

    def _entropy(self):
        c = self._concentration
        return (-c * self._i1_over_i0() + _LOG_2PI + log_bessel_i0(c)) * wb.ones_like(self._loc)


@RegisterKL(VonMises, VonMises)
def _kl_von_mises_von_mises(a, b, name=None):
    # E_a[cos(x - loc_a)] = A(c_a) = I1(c_a)/I0(c_a), and E_a[cos(x - loc_b)] = A(c_a) cos(loc_a - loc_b)
    # A(c_a) is one minus a's circular variance
    ratio = (1.0 - a.variance()) * wb.ones_like(b.concentration)
    return (log_bessel_i0(b.concentration) - log_bessel_i0(a.concentration)
            + ratio * (a.concentration - b.concentration * wb.cos(a.loc - b.loc)))
