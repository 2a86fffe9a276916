"""The Gamma distribution (shape ``concentration``, inverse scale ``rate`` or ``log_rate``)."""

from __future__ import annotations

import numpy as np

import workbench as wb

from .. import internal
from ..internal import samplers
from .distribution import FULLY_REPARAMETERIZED, Distribution
from .kullback_leibler import RegisterKL
from .truncated_normal import implicit_reparameterization

__all__ = ["Gamma"]


class Gamma(internal.RateParameterized, Distribution):
    """``Gamma(concentration, rate)``: density ``rate**c x**(c-1) exp(-rate x) / Gamma(c)`` on ``x > 0``.

    Give exactly one of ``rate`` and ``log_rate`` (TFP's choice of parameterization).
    Samples carry implicit-reparameterization gradients with respect to ``concentration``.

    >>> d = Gamma(concentration=[0.5, 3.0], rate=2.0)
    >>> d.batch_shape, d.sample(4, seed=1).shape
    ((2,), (4, 2))
    """

    _param_event_ndims = {"concentration": 0, "rate": 0, "log_rate": 0}
    _param_constraints = {"concentration": "positive", "rate": "positive", "log_rate": "finite"}
    _support = "nonnegative"

    def __init__(self, concentration, rate=None, log_rate=None, force_probs_to_zero_outside_support=False,
                 validate_args=False, allow_nan_stats=True, name="Gamma"):
        parameters = dict(locals())
        if (rate is None) == (log_rate is None):
            raise ValueError("Gamma: give exactly one of `rate` and `log_rate`")
        dtype = internal.common_dtype([concentration, rate, log_rate])
        owner = type(self).__name__
        self._concentration = internal.as_param(concentration, "concentration", dtype, owner)
        self._rate = None if rate is None else internal.as_param(rate, "rate", dtype, owner)
        self._log_rate = None if log_rate is None else internal.as_param(log_rate, "log_rate", dtype, owner)
        self._force_probs_to_zero_outside_support = bool(force_probs_to_zero_outside_support)
        super().__init__(dtype, FULLY_REPARAMETERIZED, validate_args, allow_nan_stats, parameters, name)

    @classmethod
    def experimental_from_mean_variance(cls, mean, variance, **kwargs):
        """The Gamma with this ``mean`` and ``variance`` (both > 0): ``rate = mean / variance``,
        ``concentration = mean * rate``, as ``DeferredTensor``s of ``mean`` (a Variable ``mean``
        stays trainable). ``kwargs`` go to ``__init__``."""
        from ..util.deferred_tensor import DeferredTensor  # util imports the bijectors, which import this package
        owner = f"{cls.__name__}.experimental_from_mean_variance"
        dtype = internal.common_dtype([mean, variance])
        mean = internal.as_param(mean, "mean", dtype, owner)
        variance = internal.as_param(variance, "variance", dtype, owner)
        rate = DeferredTensor(mean, lambda m: m / variance)
        return cls(concentration=DeferredTensor(mean, lambda m: m * rate), rate=rate, **kwargs)

    @property
    def concentration(self):
        return self._concentration

    _sample_n_takes_any_seed = True

    def _sample_n(self, n, seed):
        seed = samplers.sanitize_seed(seed, salt="gamma")
        return random_gamma((n,), self._concentration, rate=self._rate, log_rate=self._log_rate, seed=seed)

    def _log_prob(self, x):
        c = self._concentration
        # TFP's grouping: unnormalized minus normalization
        lp = ((internal.xlogy(c - 1.0, x) - self.rate_parameter() * x)
              - (wb.lgamma(c) - c * self.log_rate_parameter()))
        if self._force_probs_to_zero_outside_support:
            return wb.where(x >= 0, lp, float("-inf"))
        return lp

    def _cdf(self, x):
        # below zero the CDF is 0: evaluate at 0 there (igamma's domain is x >= 0)
        return wb.math.igamma(self._concentration, self.rate_parameter() * wb.maximum(x, 0.0))

    def _survival_function(self, x):
        return wb.math.igammac(self._concentration, self.rate_parameter() * wb.maximum(x, 0.0))

    def _log_survival_function(self, x):
        # TFP's log1p(-cdf) where the CDF is below 1/2; log(igammac) above, where log1p(-cdf)
        # would lose the upper tail (and log(igammac) alone loses the lower one: sf rounds to 1)
        return internal.log_tail(self._survival_function(x), self._cdf(x))

    def _quantile(self, p):
        # the standard Gamma's quantile, scaled; p = 1 gives inf
        return wb.math.igammainv(self._concentration, p) / self.rate_parameter()

    def _mean(self):
        return self._concentration / self.rate_parameter()

    def _variance(self):
        if self._rate is not None:
            return self._concentration / wb.square(self._rate)
        return self._concentration * wb.exp(-2.0 * self._log_rate)

    def _stddev(self):
        return wb.sqrt(self._concentration) / self.rate_parameter()

    def _mode(self):
        c = self._concentration
        mode = (c - 1.0) / self.rate_parameter()
        return self._undefined(mode * wb.ones_like(c), c <= 1.0, "mode (concentration <= 1)")

    def _entropy(self):
        c = self._concentration
        return c - self.log_rate_parameter() + wb.lgamma(c) + (1.0 - c) * wb.digamma(c)


def random_gamma(shape, concentration, rate=None, log_rate=None, seed=None, log_space=False):
    """Gamma draws of shape ``shape + broadcast(concentration, rate or log_rate).shape``, as TFP
    draws them on a CPU (its seed flow and TF's ``stateless_gamma`` numbers); the log of the draws
    when ``log_space`` (for concentrations below 1, ``log G(c + 1) + log(U) / c``, which stays
    finite where the draw underflows). Reparameterized in every parameter; NaN for a negative
    or NaN parameter, ``inf`` for a zero rate."""
    if rate is not None and log_rate is not None:
        raise ValueError("random_gamma: at most one of `rate` and `log_rate` may be given")
    dtype = concentration.dtype
    params = [tuple(concentration.shape)] + [tuple(p.shape) for p in (rate, log_rate) if p is not None]
    full = internal.shape_tuple(shape, "shape") + internal.broadcast_shapes(*params)
    seed = samplers.sanitize_seed(seed, salt="random_gamma")
    bad_conc = (concentration < 0.0) | wb.math.is_nan(concentration)
    safe_conc = wb.where(bad_conc, wb.constant(100.0, dtype=dtype), concentration)
    if rate is None:
        if log_rate is None:
            rate, log_rate = wb.ones([], dtype), wb.zeros([], dtype)
        else:
            rate = wb.exp(log_rate)
    bad_rate = (rate <= 0.0) | wb.math.is_nan(rate)
    if log_space:
        orig_conc = safe_conc
        safe_conc = wb.where(orig_conc < 1.0, orig_conc + 1.0, orig_conc)
        seed, fix_seed = samplers.split_seed(seed)
        log_rate = wb.log(rate) if log_rate is None else log_rate
        rate = wb.ones_like(log_rate)
    if samplers.in_vectorized_draw():
        # TFP's kernel under vectorized_map; the implicit gradient through the CDF
        conc = concentration
        if rate is None and log_rate is not None:
            rate = wb.exp(log_rate)
        r = wb.ones([], dtype) if rate is None else rate
        x = _random_gamma_rejection(full, wb.stop_gradient(conc), None if rate is None else wb.stop_gradient(rate),
                                    seed, log_space)
        if log_space:
            return implicit_reparameterization(x, lambda v: wb.math.igamma(conc, wb.exp(v) * r),
                                               lambda v: Gamma(conc, r).log_prob(wb.exp(v)) + v)
        return implicit_reparameterization(x, lambda v: wb.math.igamma(conc, v * r),
                                           lambda v: Gamma(conc, r).log_prob(v))
    safe_rate = wb.where(bad_rate, wb.constant(100.0, dtype=dtype), rate)
    draws = samplers.gamma(full[:len(full) - len(internal.broadcast_shapes(safe_conc.shape, safe_rate.shape))],
                           safe_conc, safe_rate, dtype=dtype, seed=seed)
    if log_space:
        u = samplers.uniform(full, dtype=dtype, seed=fix_seed)
        one = wb.ones_like(orig_conc)
        fix = wb.where(orig_conc < 1.0, wb.log1p(-u) / wb.where(orig_conc < 1.0, orig_conc, one),
                       wb.zeros([], dtype))
        draws = wb.log(draws) + (fix - log_rate)
        infinite = log_rate <= -np.inf
    else:
        infinite = wb.equal(rate, 0.0)
    nan, inf = wb.constant(np.nan, dtype=dtype), wb.constant(np.inf, dtype=dtype)
    return wb.where(infinite, inf, wb.where(bad_rate | bad_conc, nan, draws))


def _random_gamma_rejection(full, concentration, rate, seed, log_space=False):
    """TFP's portable Gamma kernel (what it runs under ``vectorized_map``): Marsaglia and Tsang's
    rejection in float64 (in log space, ``3 log v``, in the draws' dtype, as TFP), rounds of
    (normal, uniform) draws on split seeds until every member is accepted (a later accepted round
    replaces an earlier one, as TFP's batched loop), shape below 1 boosted by ``U**(1/c)``;
    divided by ``rate``, zeros raised to the smallest normal."""
    dtype = concentration.dtype
    work = dtype if log_space else np.float64      # TFP's internal dtype
    gen_seed, fix_seed = samplers.split_seed(seed, salt="random_gamma")
    conc = wb.broadcast_to(wb.cast(concentration, work), full)
    good_params = conc >= 0.0
    safe = wb.where(good_params, conc, wb.constant(100.0, dtype=work))
    boosted = wb.where(safe < 1.0, safe + 1.0, safe)
    d = boosted - 1.0 / 3.0
    c = (1.0 / 3.0) / wb.sqrt(d)

    def trial(trial_seed):
        v_seed, u_seed = samplers.split_seed(trial_seed)
        x = samplers.normal(full, dtype=work, seed=v_seed)
        v = 1.0 + c * x
        logv3 = 3.0 * wb.math.log1p(c * x)
        u = samplers.uniform(full, dtype=work, seed=u_seed)
        good = (wb.math.log(u) < x * x / 2.0 + d * (1.0 - v * v * v + logv3)) & (v > 0.0)
        return (logv3 if log_space else v * v * v), good

    init_seed, loop_seed = samplers.split_seed(gen_seed)
    draws, accepted = trial(init_seed)
    while not bool(wb.reduce_all(accepted)):
        trial_seed, loop_seed = samplers.split_seed(loop_seed)
        new, new_good = trial(trial_seed)
        draws = wb.where(new_good, new, draws)
        accepted = accepted | new_good
    fix = samplers.uniform(full, dtype=work, seed=fix_seed)
    if log_space:
        boost = wb.where(safe < 1.0, wb.math.log1p(-fix) / safe, wb.zeros_like(safe))
        draws = wb.where(good_params, draws + wb.math.log(d) + boost, wb.constant(np.nan, dtype=work))
        draws = wb.cast(draws, dtype)
        if rate is None:
            return draws
        return draws - wb.math.log(wb.where(rate >= 0.0, rate, wb.constant(np.nan, dtype=dtype)))
    boost = wb.where(safe < 1.0, fix ** (1.0 / safe), wb.ones_like(safe))
    draws = wb.where(good_params, draws * d * boost, wb.constant(np.nan, dtype=work))
    draws = wb.cast(draws, dtype)
    tiny = wb.constant(np.finfo(dtype).tiny, dtype=dtype)
    if rate is None:
        return wb.where(wb.equal(draws, 0.0), tiny, draws)
    rate = wb.where(rate >= 0.0, rate, wb.constant(np.nan, dtype=dtype))
    scaled = draws / rate
    return wb.where(wb.equal(rate, 0.0), wb.constant(np.inf, dtype=dtype),
                    wb.where(wb.equal(scaled, 0.0), tiny, scaled))


def log_standard_gamma(shape, seed, alpha):
    """``log`` of standard Gamma(``alpha``) draws of ``shape``, finite even where the draw itself
    underflows (``alpha`` of 1e-3 gives draws below 1e-300).

    Uses ``Gamma(alpha) = Gamma(alpha + 1) * U**(1/alpha)``: the log is ``log G + log(U) / alpha``.
    Differentiable in ``alpha`` (implicit gradient of the Gamma(alpha + 1) draw plus the explicit
    term), so Beta, StudentT and InverseGamma samples built on it are reparameterized.
    ``alpha`` is a float Tensor broadcasting to the rightmost dimensions of ``shape``.
    """
    gamma_seed, uniform_seed = internal.split_seed(seed, 2, salt="log_standard_gamma")
    dtype = alpha.dtype
    g = wb.random.stateless_gamma(shape, seed=gamma_seed, alpha=alpha + 1.0, dtype=dtype)
    # the smallest normal number keeps log(u) finite
    u = wb.random.stateless_uniform(shape, seed=uniform_seed, minval=float(np.finfo(dtype).tiny),
                                    maxval=1.0, dtype=dtype)
    return wb.log(g) + wb.log(u) / alpha


@RegisterKL(Gamma, Gamma)
def _kl_gamma_gamma(a, b, name=None):
    # (c_a - c_b) psi(c_a) + lgamma(c_b) - lgamma(c_a) + c_b (log r_a - log r_b) + c_a (r_b / r_a - 1)
    ca, cb = a.concentration, b.concentration
    log_ra, log_rb = a.log_rate_parameter(), b.log_rate_parameter()
    return ((ca - cb) * wb.digamma(ca) + wb.lgamma(cb) - wb.lgamma(ca)
            + cb * (log_ra - log_rb) + ca * wb.expm1(log_rb - log_ra))
