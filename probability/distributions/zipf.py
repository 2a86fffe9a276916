"""The Zipf distribution on the positive integers: ``P(k) = k**(-power) / zeta(power)``."""

from __future__ import annotations

import math

import numpy as np

import workbench as wb

from .. import internal
from .distribution import NOT_REPARAMETERIZED, Distribution

__all__ = ["Zipf"]

# B_2k / (2k)! for k = 1..7: the Euler-Maclaurin corrections of the zeta tail
_BERNOULLI_OVER_FACTORIAL = (1.0 / 12, -1.0 / 720, 1.0 / 30240, -1.0 / 1209600, 1.0 / 47900160,
                             -691.0 / 1307674368000, 1.0 / 74724249600)
_DIRECT_TERMS = 12


def hurwitz_zeta(s, q):
    """``sum_{n >= 0} (n + q)**(-s)`` for ``s > 1``, ``q > 0``, by Euler-Maclaurin summation: 12 terms
    summed directly, then the integral of the tail and seven Bernoulli corrections (relative
    error below 1e-15 for ``s`` up to about 30). Written with differentiable ops, so it has
    derivatives in ``s`` (``wb.math.zeta``, like TF's, has them in ``q`` only)."""
    total = wb.zeros_like(s * q)
    for n in range(_DIRECT_TERMS):
        total = total + wb.exp(-s * wb.log(q + float(n)))
    a = q + float(_DIRECT_TERMS)
    log_a = wb.log(a)
    a_pow = wb.exp(-s * log_a)                      # a**(-s)
    total = total + a * a_pow / (s - 1.0) + 0.5 * a_pow
    rising = s                                      # s (s+1) ... (s+2k-2)
    inv_a2 = 1.0 / wb.square(a)
    term = a_pow / a                                # a**(-s-2k+1) for k = 1
    for k, c in enumerate(_BERNOULLI_OVER_FACTORIAL, start=1):
        total = total + c * rising * term
        rising = rising * (s + 2.0 * k - 1.0) * (s + 2.0 * k)
        term = term * inv_a2
    return total


class Zipf(Distribution):
    """``Zipf(power, dtype=int32, force_probs_to_zero_outside_support=False, sample_maximum_iterations=100)``:
    ``P(X = k) = k**(-power) / zeta(power)`` on ``k = 1, 2, ...`` (``power > 1``).

    As in TFP, values are first converted to ``dtype`` (an integer dtype truncates them);
    with a float ``dtype`` and ``force_probs_to_zero_outside_support=False``, ``log_prob`` and
    ``cdf`` evaluate their formulas at non-integers too (``-power log(k) - log zeta(power)`` and
    ``1 - zeta(power, k + 1) / zeta(power)``), with ``True`` a non-integer has mass 0 and the CDF
    steps. The normalizer is computed with differentiable ops, so ``log_prob`` has gradients in
    ``power`` (TFP's has none). The mean ``zeta(power - 1) / zeta(power)`` is NaN for
    ``power <= 2``; the variance is infinite for ``2 < power <= 3`` and NaN for ``power <= 2``
    (TFP returns these NaNs whatever ``allow_nan_stats``, whose default here is TFP's False).
    Samples use Devroye's rejection method, at most ``sample_maximum_iterations`` rounds.
    As in TFP there is no ``quantile`` or ``entropy``.

    >>> d = Zipf(power=[1.5, 3.0])
    >>> d.sample(4, seed=1).dtype == np.int32
    True
    """

    _param_event_ndims = {"power": 0}
    _param_constraints = {"power": "positive"}
    _support = "nonnegative_integer"

    def __init__(self, power, dtype=np.int32, force_probs_to_zero_outside_support=False,
                 sample_maximum_iterations=100, validate_args=False, allow_nan_stats=False, name="Zipf"):
        parameters = dict(locals())
        self._float_dtype = internal.common_dtype([power])
        self._power = internal.as_param(power, "power", self._float_dtype, "Zipf")
        self._force_probs_to_zero_outside_support = bool(force_probs_to_zero_outside_support)
        self._sample_maximum_iterations = int(sample_maximum_iterations)
        super().__init__(dtype, NOT_REPARAMETERIZED, validate_args, allow_nan_stats, parameters, name)

    def _check_parameters(self):
        super()._check_parameters()
        p = np.asarray(wb.convert_to_tensor(self._power).numpy())
        if not np.all(p > 1):
            raise ValueError(f"Zipf: argument `power` must be greater than 1, got {p!r}")

    @property
    def power(self):
        return self._power

    @property
    def force_probs_to_zero_outside_support(self):
        return self._force_probs_to_zero_outside_support

    @property
    def sample_maximum_iterations(self):
        return self._sample_maximum_iterations

    def _as_float(self, x):
        return x if x.dtype == self._float_dtype else wb.cast(x, self._float_dtype)

    def _log_normalization(self):
        return wb.log(hurwitz_zeta(self._power, wb.ones_like(self._power)))

    def _log_prob(self, x):
        x = self._as_float(x)
        positive = x >= 1.0
        safe_x = wb.where(positive, x, wb.ones_like(x))
        lp = -self._power * wb.log(safe_x) - self._log_normalization()
        if self._force_probs_to_zero_outside_support:
            positive = positive & wb.math.equal(x, wb.math.floor(x))
        return wb.where(positive, lp, float("-inf"))

    def _upper_tail(self, x):
        """``P(X > x)`` as ``zeta(power, x + 1) / zeta(power)`` (x floored when forced), and where ``x >= 1``."""
        x = self._as_float(x)
        if self._force_probs_to_zero_outside_support:
            x = wb.math.floor(x)
        positive = x >= 1.0
        safe_x = wb.where(positive, x, wb.ones_like(x))
        p = self._power
        return hurwitz_zeta(p, safe_x + 1.0) / hurwitz_zeta(p, wb.ones_like(p)), positive

    def _cdf(self, x):
        tail, positive = self._upper_tail(x)
        return wb.where(positive, 1.0 - tail, wb.zeros_like(tail))

    def _survival_function(self, x):
        tail, positive = self._upper_tail(x)
        return wb.where(positive, tail, wb.ones_like(tail))

    def _log_survival_function(self, x):
        tail, positive = self._upper_tail(x)
        return wb.where(positive, wb.log(tail), wb.zeros_like(tail))

    def _sample_n(self, n, seed):
        # Devroye (1986), X.6: X = floor(U**(-1 / (a - 1))), accepted when
        # V X (T - 1) / (b - 1) <= T / b with T = (1 + 1 / X)**(a - 1), b = 2**(a - 1)
        shape = (n,) + tuple(self.batch_shape)
        a = wb.convert_to_tensor(self._power) * wb.ones(self.batch_shape, dtype=self._float_dtype)
        am1 = a - 1.0
        b = wb.exp(am1 * math.log(2.0))
        limit = float(np.iinfo(self.dtype).max) if np.dtype(self.dtype).kind in "iu" else float("inf")
        draws = wb.zeros(shape, dtype=self._float_dtype)
        done = wb.zeros(shape, dtype=wb.bool)
        tiny = float(np.finfo(self._float_dtype).tiny)
        for round_seed in internal.split_seed(seed, self._sample_maximum_iterations, salt="zipf"):
            u_seed, v_seed = internal.split_seed(round_seed, 2, salt="zipf_round")
            u = wb.random.stateless_uniform(shape, seed=u_seed, minval=tiny, maxval=1.0, dtype=self._float_dtype)
            v = wb.random.stateless_uniform(shape, seed=v_seed, dtype=self._float_dtype)
            x = wb.math.floor(wb.exp(-wb.log(u) / am1))
            t = wb.exp(am1 * wb.log1p(1.0 / x))
            accept = (v * x * (t - 1.0) / (b - 1.0) <= t / b) & ~done
            draws = wb.where(accept, wb.minimum(x, limit), draws)
            done = done | accept
            if bool(wb.reduce_all(done)):
                break
        if self._validate_args:   # TFP's mark for a draw that did not converge
            miss = float("nan") if np.dtype(self.dtype).kind == "f" else float(np.iinfo(self.dtype).min)
            draws = wb.where(done, draws, miss)
        return wb.cast(draws, self.dtype)

    def _mean(self):
        p = self._power
        defined = p > 2.0
        safe = wb.where(defined, p, wb.ones_like(p) * 3.0)
        mean = hurwitz_zeta(safe - 1.0, wb.ones_like(p)) / hurwitz_zeta(safe, wb.ones_like(p))
        return wb.where(defined, mean, float("nan"))

    def _variance(self):
        p = self._power
        finite = p > 3.0
        safe = wb.where(finite, p, wb.ones_like(p) * 4.0)
        one = wb.ones_like(p)
        z = hurwitz_zeta(safe, one)
        var = hurwitz_zeta(safe - 2.0, one) / z - wb.square(hurwitz_zeta(safe - 1.0, one) / z)
        var = wb.where(finite, var, float("inf"))
        return wb.where(p > 2.0, var, float("nan"))

    def _mode(self):
        return wb.ones(self.batch_shape, dtype=self.dtype)

    def _full(self, t):
        # statistics are in the float dtype (the mode in dtype), as TFP's
        shape = self.batch_shape + self.event_shape
        return t if t.shape == shape else wb.broadcast_to(t, shape)
