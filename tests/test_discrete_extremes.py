"""Discrete families' cdf, log_cdf, survival_function and log_survival_function at extreme
parameters against references that are exact there, and the incomplete gamma and beta functions
(and their gradients) at the same extremes.

References: SciPy's ``pdtr``/``pdtrc`` and ``betainc`` at the binomial and negative-binomial
identities (each tail computed directly; SciPy's own ``bdtr`` is off by 1e-8 at ``n = 1e7``, as an
explicit sum shows below), with probabilities chosen so that ``1 - p`` is exact in float64, and
the closed forms of the Geometric and Bernoulli laws. A log of a tail close to 1 is referred to
``log1p(-other tail)``, which is exact where ``log(tail)`` is not.
"""

import numpy as np
import pytest
import scipy.special as sp

import probability as tfp
import workbench as wb
from gradients import check_gradients

tfd = tfp.distributions
F64_RTOL = 1e-10
F32_RTOL = 2e-6


def _log_ref(t, other):
    with np.errstate(divide="ignore"):
        return np.where(other < 0.5, np.log1p(-other), np.log(t))


def _refs(cdf, sf):
    return {"cdf": cdf, "survival_function": sf, "log_cdf": _log_ref(cdf, sf),
            "log_survival_function": _log_ref(sf, cdf)}


def _assert_close(got, want, dtype, what):
    got = np.asarray(got, np.float64)
    if dtype == np.float32:
        # the float32 answer is the float64 one rounded: compare where float32 can hold it
        want32 = np.asarray(want, np.float64).astype(np.float32).astype(np.float64)
        tiny = np.abs(want32) < np.finfo(np.float32).tiny
        np.testing.assert_allclose(np.where(tiny, 0.0, got), np.where(tiny, 0.0, want32),
                                   rtol=F32_RTOL, atol=0, err_msg=what)
    else:
        np.testing.assert_allclose(got, want, rtol=F64_RTOL, atol=0, err_msg=what)


def _log1mexp(lsf):
    """``log(1 - exp(lsf))`` for ``lsf <= 0``, exact in both regimes."""
    with np.errstate(divide="ignore"):
        return np.where(lsf < -np.log(2), np.log1p(-np.exp(lsf)), np.log(-np.expm1(lsf)))


def _check(dist, x, refs, dtype, label):
    x = np.asarray(x, dtype)
    for method, want in refs.items():
        got = getattr(dist, method)(x)
        assert got.dtype == dtype, (label, method, got.dtype)
        _assert_close(got.numpy(), want, dtype, f"{label} {method} at {x}")


def _spread(mean, sd, dtype, top=None):
    """Counts across the law (both tails, the bulk, 1e7), as held in ``dtype``."""
    pts = [0, 1, 2, mean - 10 * sd, mean - 3 * sd, mean, mean + 3 * sd, mean + 10 * sd, 1e7]
    pts = np.floor(np.clip(pts, 0, top))
    return np.unique(pts.astype(dtype).astype(np.float64))


DTYPES = [np.float64, np.float32]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("rate", [1e-8, 1e-3, 1.0, 30.0, 1e3, 1e6, 1e8])
def test_poisson_tails(rate, dtype):
    r = float(np.asarray(rate, dtype))
    x = _spread(r, np.sqrt(r), dtype)
    _check(tfd.Poisson(rate=np.asarray(rate, dtype)), x, _refs(sp.pdtr(x, r), sp.pdtrc(x, r)), dtype,
           f"Poisson({rate})")


def test_poisson_cdf_at_large_rates_is_the_step_at_floor():
    # the regression: counts near a large rate, including past 2**24 in float32
    for dtype in DTYPES:
        d = tfd.Poisson(rate=np.asarray([1e6, 1e8], dtype))
        x = np.asarray([[1e6 - 1000, 1e8 - 8000], [1e6 + 0.5, 1e8 + 0.5]], dtype)
        # TFP interpolates between the counts: Q(x + 1, rate), not floor(x) (float32 rounds 1e8 + 0.5)
        want = sp.gammaincc(x.astype(np.float64) + 1.0, [1e6, 1e8])
        _assert_close(d.cdf(x).numpy(), want, dtype, "Poisson cdf near large rates")
    # below zero the cdf is 0 and the survival function 1
    d = tfd.Poisson(rate=wb.constant(5.0, dtype=wb.float64))
    np.testing.assert_array_equal(d.cdf(np.array([-1.0, -0.5])).numpy(), [0.0, 0.0])
    np.testing.assert_array_equal(d.survival_function(np.array([-1.0])).numpy(), [1.0])
    np.testing.assert_array_equal(d.log_cdf(np.array([-1.0])).numpy(), [-np.inf])


@pytest.mark.parametrize("dtype", DTYPES)
def test_poisson_log_rate_parameterization(dtype):
    lr = np.log(np.array([1e-8, 1.0, 1e6, 1e8])).astype(dtype)
    d = tfd.Poisson(log_rate=wb.constant(lr))
    r = np.exp(lr.astype(np.float64))   # the rate the given log_rate names, exactly
    x = (np.floor(r) - np.array([0.0, 0.0, 1000.0, 1e4])).astype(dtype).astype(np.float64)
    _check(d, x, _refs(sp.pdtr(x, r), sp.pdtrc(x, r)), dtype, "Poisson(log_rate)")


# probabilities whose complement is exact in float64, so SciPy's bdtr (which forms 1 - p) is exact
BINOMIAL_P = [2.0 ** -40, 2.0 ** -20, 0.001, 0.25, 0.5, 1 - 2.0 ** -20, 1 - 2.0 ** -40]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", [1.0, 10.0, 1e3, 1e7])
@pytest.mark.parametrize("p", BINOMIAL_P)
def test_binomial_tails(n, p, dtype):
    p = float(np.asarray(p, dtype))
    if dtype == np.float32 and p == 1.0:
        pytest.skip("1 - 2**-40 rounds to 1 in float32")
    mean, sd = n * p, np.sqrt(n * p * (1 - p))
    x = np.unique(np.concatenate([_spread(mean, sd, dtype, top=n), [n - 1, n]]))
    d = tfd.Binomial(total_count=np.asarray(n, dtype), probs=np.asarray(p, dtype))
    inside = x < n
    k, a = np.where(inside, x, 0.0), np.where(inside, n - x, 1.0)
    cdf = np.where(inside, sp.betainc(a, k + 1, 1 - p), 1.0)
    sf = np.where(inside, sp.betainc(k + 1, a, p), 0.0)
    _check(d, x, _refs(cdf, sf), dtype, f"Binomial({n}, {p})")


def test_binomial_cdf_against_an_explicit_sum():
    # sum_{j <= k} C(n, j) p^j (1 - p)^(n - j) in log space, independent of any incomplete beta
    n, p = 1e7, 2.0 ** -20
    for k in (2, 9):
        log_terms, log_choose = [], 0.0
        for j in range(k + 1):
            if j:
                log_choose += np.log((n - j + 1) / j)
            log_terms.append(log_choose + j * np.log(p) + (n - j) * np.log1p(-p))
        want = np.exp(sp.logsumexp(log_terms))
        got = tfd.Binomial(total_count=wb.constant(n, dtype=wb.float64), probs=wb.constant(p, dtype=wb.float64))
        np.testing.assert_allclose(got.cdf(np.float64(k)).numpy(), want, rtol=1e-12)


def test_binomial_logits_keep_both_tails():
    # from logits, p and 1 - p both come from a sigmoid: no digit of a tiny p is lost
    logits = np.array([-30.0, -5.0, 0.0, 5.0, 30.0])
    p = sp.expit(logits)
    n, x = 1e6, np.array([0.0, 5.0, 5e5, 1e6 - 5, 1e6 - 1])
    d = tfd.Binomial(total_count=wb.constant(n, dtype=wb.float64), logits=wb.constant(logits))
    sf = sp.betainc(x + 1, n - x, p)
    cdf = sp.betainc(n - x, x + 1, sp.expit(-logits))
    _check(d, x, _refs(cdf, sf), np.float64, "Binomial(logits)")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("r", [0.5, 1.0, 10.0, 1e3, 1e6])
@pytest.mark.parametrize("p", BINOMIAL_P[:-1])
def test_negative_binomial_tails(r, p, dtype):
    p = float(np.asarray(p, dtype))
    mean = r * p / (1 - p)
    x = _spread(mean, np.sqrt(mean / (1 - p)), dtype)
    d = tfd.NegativeBinomial(total_count=np.asarray(r, dtype), probs=np.asarray(p, dtype))
    # P(X <= k) = I_{1-p}(r, k + 1), P(X > k) = I_p(k + 1, r)
    _check(d, x, _refs(sp.betainc(r, x + 1, 1 - p), sp.betainc(x + 1, r, p)), dtype,
           f"NegativeBinomial({r}, {p})")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("p", [1e-8, 1e-3, 0.25, 0.5, 1 - 2.0 ** -20, 1.0])
def test_geometric_tails(p, dtype):
    p = float(np.asarray(p, dtype))
    x = np.array([0.0, 1.0, 10.0, 1e3, 1e7])
    with np.errstate(divide="ignore"):
        lsf = (x + 1) * np.log1p(-p)
        refs = {"cdf": -np.expm1(lsf), "survival_function": np.exp(lsf),
                "log_cdf": _log1mexp(lsf), "log_survival_function": lsf}
    _check(tfd.Geometric(probs=np.asarray(p, dtype)), x, refs, dtype, f"Geometric({p})")
    below = tfd.Geometric(probs=np.asarray(p, dtype)).cdf(np.asarray([-1.0], dtype)).numpy()
    np.testing.assert_array_equal(below, [0.0])


def test_geometric_logits():
    logits = np.array([-40.0, 0.0, 40.0])
    x = np.array([0.0, 1e3, 5.0])
    lsf = -(x + 1) * np.logaddexp(0.0, logits)   # (k + 1) log(1 - p) = -(k + 1) softplus(logits)
    refs = {"cdf": -np.expm1(lsf), "survival_function": np.exp(lsf), "log_cdf": _log1mexp(lsf),
            "log_survival_function": lsf}
    _check(tfd.Geometric(logits=wb.constant(logits)), x, refs, np.float64, "Geometric(logits)")


@pytest.mark.parametrize("p", [1e-300, 1e-8, 0.3, 1 - 2.0 ** -40])
def test_bernoulli_tails(p):
    d = tfd.Bernoulli(probs=wb.constant(p, dtype=wb.float64), dtype=wb.float64)
    x = np.array([-1.0, 0.0, 0.5, 1.0, 2.0])
    with np.errstate(divide="ignore"):
        refs = {"cdf": np.array([0, 1 - p, 1 - p, 1, 1]), "survival_function": np.array([1, p, p, 0, 0]),
                "log_cdf": np.array([-np.inf, np.log1p(-p), np.log1p(-p), 0, 0]),
                "log_survival_function": np.array([0, np.log(p), np.log(p), -np.inf, -np.inf])}
    _check(d, x, refs, np.float64, f"Bernoulli({p})")


def test_categorical_survival_keeps_small_last_masses():
    probs = np.array([1.0 - 3e-12, 1e-12, 2e-12])
    d = tfd.Categorical(probs=wb.constant(probs))
    got = d.survival_function(np.array([-1, 0, 1, 2])).numpy()
    np.testing.assert_allclose(got, [1.0, 3e-12, 2e-12, 0.0], rtol=1e-4)
    np.testing.assert_allclose(d.cdf(np.array([0, 2])).numpy(), [1 - 3e-12, 1.0], rtol=1e-15)


# ---------------------------------------------------------------------------
# the special functions themselves


@pytest.mark.parametrize("dtype", DTYPES)
def test_igamma_igammac_against_scipy_at_extremes(dtype):
    a = np.array([1e-8, 1e-3, 0.5, 1.0, 30.0, 1e3, 1e6, 1e6, 1e8, 1e8, 1e8, 2.0])
    x = np.array([1e-8, 1e-3, 1e-10, 50.0, 5.0, 1e3, 1e6 - 3e3, 1e6 + 1e4, 1e8, 1e8 - 1e5, 1e8 + 6e4, 800.0])
    a, x = a.astype(dtype), x.astype(dtype)
    a64, x64 = a.astype(np.float64), x.astype(np.float64)
    _assert_close(wb.math.igamma(a, x).numpy(), sp.gammainc(a64, x64), dtype, "igamma")
    _assert_close(wb.math.igammac(a, x).numpy(), sp.gammaincc(a64, x64), dtype, "igammac")


@pytest.mark.parametrize("dtype", DTYPES)
def test_betainc_against_scipy_at_extremes(dtype):
    a = np.array([1e-8, 1.0, 1e7, 1.0, 5e6, 1e3, 0.5, 1e7])
    b = np.array([1.0, 1e7, 1.0, 1e-3, 5e6, 1e3, 0.5, 1e7])
    x = np.array([0.5, 1e-7, 1 - 2.0 ** -20, 2.0 ** -30, 0.5 - 2.0 ** -12, 1e-3, 1 - 2.0 ** -40, 0.5])
    a, b, x = a.astype(dtype), b.astype(dtype), x.astype(dtype)
    want = sp.betainc(a.astype(np.float64), b.astype(np.float64), x.astype(np.float64))
    _assert_close(wb.math.betainc(a, b, x).numpy(), want, dtype, "betainc")


@pytest.mark.parametrize("a, x", [(1e6, 1e6), (1e6, 1.003e6), (1e8, 1e8 - 1e4), (0.5, 1e-6), (30.0, 5.0),
                                  (1e-3, 1e-3)])
def test_igamma_gradients_at_extremes(a, x):
    # x and a both differentiated (a to first order); the step is relative to the scale of each
    eps = 1e-4 * max(np.sqrt(x), 1.0) if x > 1e-2 else 1e-4 * x
    check_gradients(lambda x_: wb.math.igamma(wb.constant(a, dtype=wb.float64), x_), [np.float64(x)],
                    order=1, eps=eps, rtol=1e-5, atol=1e-12)
    check_gradients(lambda x_: wb.math.igammac(wb.constant(a, dtype=wb.float64), x_), [np.float64(x)],
                    order=1, eps=eps, rtol=1e-5, atol=1e-12)
    eps_a = 1e-4 * max(np.sqrt(a), 1.0) if a > 1e-2 else 1e-4 * a
    check_gradients(lambda a_: wb.math.igamma(a_, wb.constant(x, dtype=wb.float64)), [np.float64(a)],
                    order=1, eps=eps_a, rtol=1e-5, atol=1e-12)


def test_discrete_tail_gradients_match_finite_differences():
    def poisson(rate):
        d = tfd.Poisson(rate=rate)
        x = np.array([990.0, 1000.0, 1100.0])
        return [d.cdf(x), d.survival_function(x), d.log_cdf(x), d.log_survival_function(x)]

    check_gradients(poisson, [np.array([1000.0, 1000.0, 1000.0])], order=1, eps=1e-3, rtol=1e-5, atol=1e-12)

    def binomial(p):
        d = tfd.Binomial(total_count=wb.constant(1e4, dtype=wb.float64), probs=p)
        x = np.array([10.0, 2500.0, 9990.0])
        return [d.cdf(x), d.survival_function(x), d.log_cdf(x), d.log_survival_function(x)]

    check_gradients(binomial, [np.array([1e-3, 0.25, 0.999])], order=1, eps=1e-8, rtol=1e-5, atol=1e-12)

    def negative_binomial(logits):
        d = tfd.NegativeBinomial(total_count=wb.constant(50.0, dtype=wb.float64), logits=logits)
        x = np.array([0.0, 50.0, 500.0])
        return [d.cdf(x), d.survival_function(x), d.log_cdf(x), d.log_survival_function(x)]

    check_gradients(negative_binomial, [np.array([-3.0, 0.0, 2.0])], order=1, eps=1e-6, rtol=1e-5, atol=1e-12)

    def geometric(p):
        d = tfd.Geometric(probs=p)
        x = np.array([0.0, 10.0, 1e3])
        return [d.cdf(x), d.survival_function(x), d.log_cdf(x), d.log_survival_function(x)]

    check_gradients(geometric, [np.array([1e-4, 0.5, 1e-3])], order=1, eps=1e-8, rtol=1e-5, atol=1e-12)


def test_float32_tails_differentiate_through_the_float64_evaluation():
    rate = wb.Variable(np.float32(1e6))
    with wb.GradientTape() as tape:
        c = tfd.Poisson(rate=rate).cdf(np.float32(1e6))
    g = tape.gradient(c, rate)
    assert g.dtype == np.float32
    # dQ(k + 1, rate)/drate = -pmf(k)
    want = -np.exp(1e6 * np.log(1e6) - 1e6 - sp.gammaln(1e6 + 1))
    np.testing.assert_allclose(g.numpy(), want, rtol=1e-5)
