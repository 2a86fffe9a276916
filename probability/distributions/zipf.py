"""The Zipf distribution on the positive integers: ``P(k) = k**(-power) / zeta(power)``."""

from __future__ import annotations

import numpy as np

import workbench as wb

from workbench.core import Tensor

from .. import internal
from ..internal import samplers
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

    As in TFP, values are first converted to ``dtype`` (an integer dtype truncates them), except
    a float Tensor, which is used as it is. At a float value, with
    ``force_probs_to_zero_outside_support=False`` ``log_prob`` and ``cdf`` evaluate their formulas
    at non-integers too (``-power log(k) - log zeta(power)`` and ``1 - zeta(power, k + 1) /
    zeta(power)``); with ``True`` a non-integer has mass 0 and the CDF steps. The normalizer is
    computed with differentiable ops, so ``log_prob`` has gradients in ``power`` (TFP's has none).
    The mean ``zeta(power - 1) / zeta(power)`` is infinite at ``power = 2`` and NaN below; the
    variance is infinite for ``2 < power <= 3`` and NaN for ``power <= 2`` (TFP returns these
    whatever ``allow_nan_stats``, whose default here is TFP's False).
    Samples are TFP's rejection-inversion draws, at most ``sample_maximum_iterations`` rounds.
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

    def _value(self, x, method):
        # TFP converts a value to ``dtype`` (an integer dtype truncates it) unless it is already a
        # float Tensor, which it keeps as it is (its check then is x >= 0 only)
        if internal.is_tensor_like(x):
            x = wb.convert_to_tensor(x)
        if isinstance(x, Tensor) and x.dtype.kind == "f" and np.dtype(self.dtype).kind in "iu":
            if self._validate_args:
                self._assert_in_support(x, method, x >= 0, "non-negative")
            return x
        return super()._value(x, method)

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

    _sample_n_takes_any_seed = True

    def _sample_n(self, n, seed):
        # TFP's rejection-inversion with the hat h(x) = x**(-power): u uniform on
        # (H(max - 1/2), H(1/2) + 1], x = H^-1(u), k = floor(x + 1/2) accepted when
        # u <= H(k + 1/2) + P(k + 1); each round a new pair split off the "zipf"-salted seed
        power = wb.convert_to_tensor(self._power)
        fdtype = np.dtype(self._float_dtype)
        shape = (n,) + tuple(power.shape)
        t = power - 1.0
        top = float(np.iinfo(self.dtype).max if np.dtype(self.dtype).kind in "iu" else np.finfo(self.dtype).max)
        maxval_u = wb.exp(-t * fdtype.type(np.log1p(0.5)) - wb.log(t)) + 1.0
        minval_u = wb.exp(-t * fdtype.type(np.log1p(top - 0.5)) - wb.log(t))
        log_normalization = wb.log(wb.math.zeta(power, wb.ones_like(power)))
        seed = samplers.sanitize_seed(seed, salt="zipf")
        going = wb.ones(shape, dtype=wb.bool)
        k = wb.zeros(shape, dtype=self._float_dtype)
        for _ in range(self._sample_maximum_iterations):
            u_seed, seed = samplers.split_seed(seed)
            u = samplers.uniform(shape, minval=float(np.finfo(fdtype).tiny), maxval=1.0, dtype=self._float_dtype,
                                 seed=u_seed)
            u = maxval_u + (minval_u - maxval_u) * u
            x = wb.math.expm1(-(wb.log(t) + wb.log(u)) / t)
            k = wb.where(going, wb.math.floor(x + 0.5), k)
            hat = wb.exp(-t * wb.log1p(k + 0.5) - wb.log(t))
            accept = u <= hat + wb.exp(self._unnormalized_log_prob(k + 1.0) - log_normalization)
            going = going & ~accept
            if not bool(wb.reduce_any(going)):
                break
        draws = k + 1.0
        if np.dtype(self.dtype).kind in "iu":
            draws = wb.minimum(draws, top)
        if self._validate_args:   # TFP's mark for a draw that did not converge
            miss = float("nan") if np.dtype(self.dtype).kind == "f" else float(np.iinfo(self.dtype).min)
            draws = wb.where(going, miss, draws)
        return wb.cast(draws, self.dtype)

    def _unnormalized_log_prob(self, x):
        """``-power log(x)`` (TFP's, for the sampler's acceptance test): ``-inf`` below 1 and, when
        forced, off the integers."""
        safe_x = wb.maximum(wb.math.floor(x) if self._force_probs_to_zero_outside_support else x, 1.0)
        y = -self._power * wb.log(safe_x)
        return wb.where(wb.math.equal(x, safe_x), y, float("-inf"))

    def _mean(self):
        p = self._power
        defined = p > 2.0
        safe = wb.where(defined, p, wb.ones_like(p) * 3.0)
        mean = hurwitz_zeta(safe - 1.0, wb.ones_like(p)) / hurwitz_zeta(safe, wb.ones_like(p))
        # TFP's zeta(power - 1): infinite at power 2, NaN below
        undefined = wb.where(wb.math.equal(p, 2.0), wb.zeros_like(mean) + np.inf, wb.zeros_like(mean) + np.nan)
        return wb.where(defined, mean, undefined)

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
