"""float32 values of the common families as TFP 0.25 prints them (the literal numbers below
were computed with TFP 0.25 on a CPU), and the places where we keep a more accurate formula
than TFP's, checked against float64 references instead.

TF's float32 ``exp``/``log``/``lgamma`` kernels round differently from NumPy's in about a
fifth of the arguments, so values are compared to within 2 float32 ulps: what is pinned here
is the order of the operations, which can move a result by many ulps where terms cancel."""

import math

import numpy as np
import pytest
import scipy.special as sc
import scipy.stats as st

from probability.distributions import (Bernoulli, Binomial, Categorical, Chi2, Dirichlet, Gamma, Kumaraswamy,
                                       Laplace, MixtureSameFamily, MultivariateNormalDiag, Normal, Poisson,
                                       InverseGamma, StudentT)


def f32(x):
    return np.asarray(x, dtype=np.float32)


def assert_ulps(actual, expected, maxulp=2):
    np.testing.assert_array_max_ulp(np.asarray(actual, np.float32), f32(expected), maxulp=maxulp)


def test_normal_log_prob_in_tfps_order():
    # TFP: -0.5 * (x / scale - loc / scale)**2 - (log(2 pi) / 2 + log(scale)); the standardized
    # (x - loc) / scale gives -3.2705207 for the second value (4 ulps away)
    d = Normal(f32([0.0, 1.5, -3.0]), f32([1.0, 0.3, 7.0]))
    assert_ulps(d.log_prob(f32(0.7)), [-1.1639385223388672, -3.270521640777588, -3.004542589187622], 0)


def test_poisson_log_prob_is_minus_inf_below_zero():
    # TFP: -inf at any negative x, with or without force_probs_to_zero_outside_support
    d = Poisson(rate=f32([0.0, 1.0]))
    for x in (-1.0, -0.5):
        np.testing.assert_array_equal(d.log_prob(f32(x)).numpy(), [-np.inf, -np.inf])
    np.testing.assert_array_equal(d.log_prob(f32(0.0)).numpy(), f32([0.0, -1.0]))
    np.testing.assert_array_equal(Poisson(log_rate=f32(0.0)).log_prob(f32(-2.0)).numpy(), -np.inf)


def test_poisson_log_prob_values():
    # TFP prints -3.2223587 for the last value: it evaluates exp(log(100.)) = 100.00001; the
    # rate as given keeps the float32 value the formula's cancellation allows
    d = Poisson(rate=f32([1.0, 10.0, 100.0]))
    lp = d.log_prob(f32(100.0)).numpy()
    assert_ulps(lp[:2], [-364.73938, -143.48087])
    exact = 100.0 * math.log(100.0) - math.lgamma(101.0) - 100.0
    assert abs(lp[2] - exact) < 1e-5


def test_laplace_survival_function_keeps_the_upper_tail():
    # TFP: exp(log_survival_function); 0.5 + 0.5 sign(z) expm1(-|z|) gave 0 at z = 26.7
    d = Laplace(f32(-3.0), f32(0.3))
    assert_ulps(d.survival_function(f32([0.7, 2.0, 5.0])),
                [2.2012609406374395e-06, 2.8888761605116997e-08, 1.3115477670924691e-12])
    d = Laplace(f32(0.0), f32(1.0))
    assert_ulps(d.survival_function(f32([2.0, 10.0, 20.0])),
                [0.0676676407456398, 2.2699965484207496e-05, 1.030576846083875e-09])


@pytest.mark.parametrize("family", ["Gamma", "Chi2"])
def test_gamma_log_survival_function_in_both_tails(family):
    # TFP's log1p(-cdf) where the CDF is small (TFP: -3.4058107e-16 at the first point, which
    # log(igammac) rounds to 0), log(igammac) in the upper tail (where TFP's log1p(-cdf) gives
    # -10.71933 for -10.720363)
    if family == "Gamma":
        c, r = f32([17.0, 2.3, 0.5]), f32([3.1, 0.4, 1.0])
        d, ref = Gamma(c, r), st.gamma(c.astype(np.float64), scale=1.0 / r.astype(np.float64))
        x = f32([0.3, 9.0, 27.0])
    else:
        df = f32([17.0, 2.3, 0.5])
        d, ref = Chi2(df), st.chi2(df.astype(np.float64))
        x = f32([0.3, 9.0, 2e-8])
    got = d.log_survival_function(x).numpy()
    np.testing.assert_allclose(got, ref.logsf(x.astype(np.float64)), rtol=2e-6)


def test_kumaraswamy_variance_without_cancellation():
    a, b = f32([0.5, 2.3, 17.0]), f32([1.0, 0.4, 3.1])

    def raw_moment(n):
        a64, b64 = a.astype(np.float64), b.astype(np.float64)
        return b64 * np.exp(sc.betaln(1.0 + n / a64, b64))
    ref = raw_moment(2.0) - raw_moment(1.0) ** 2
    got = Kumaraswamy(a, b).variance().numpy()
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, ref, rtol=1e-6)


def test_categorical_mean_and_variance():
    # TFP 0.25's Categorical has them: sum_k k p_k and sum_k (k - mean)**2 p_k, float dtype
    d = Categorical(logits=f32([[0.1, 1.2, -0.3], [2.0, -1.0, 0.5]]))
    assert d.mean().dtype == np.float32
    assert_ulps(d.mean(), [0.9294725060462952, 0.38969334959983826])
    assert_ulps(d.variance(), [0.35235288739204407, 0.5884132385253906])
    d = Categorical(probs=f32([[0.2, 0.7, 0.1], [0.05, 0.35, 0.6]]))
    assert_ulps(d.mean(), [0.8999999761581421, 1.5500000715255737])
    assert_ulps(d.variance(), [0.28999999165534973, 0.3475000262260437])
    assert_ulps(d.stddev(), np.sqrt(f32([0.28999999165534973, 0.3475000262260437])))


def test_bernoulli_entropy_and_variance_from_logits():
    # TFP's terms -(log(1-p) (1-p) + log(p) p) and sigmoid(-l) sigmoid(l): softplus(l) - p l and
    # p (1 - p) lost everything at |l| = 20 or 30
    d = Bernoulli(logits=f32([0.3, -1.7, 4.0, 20.0, -30.0]))
    assert_ulps(d.entropy(), [0.6820225715637207, 0.43037694692611694, 0.09009476751089096,
                              4.328422775756735e-08, 2.900863143445731e-12])
    assert_ulps(d.variance(), [0.24445831775665283, 0.13060574233531952, 0.01766270585358143,
                               2.06115369216775e-09, 9.357622912219837e-14])


def test_binomial_log_prob_normalization_without_cancellation():
    # TFP's accurate lbeta(1 + k, 1 + n - k) + log(1 + n); the float32 sum
    # lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1) was 1e-5 off at n = 30, k = 3
    n, p = f32([5.0, 10.0, 30.0]), f32([0.3, 0.77, 0.1])
    k = f32([[0.0], [3.0], [5.0]])
    got = Binomial(total_count=n, probs=p).log_prob(k).numpy()
    ref = st.binom.logpmf(k.astype(np.float64), n.astype(np.float64), p.astype(np.float64))
    # (TFP prints -1.4435501 at n = 30, k = 3, 8e-7 from scipy's -1.44355095)
    np.testing.assert_allclose(got, ref, rtol=1e-6)


def test_mixture_same_family_moments_weight_by_probs():
    # TFP: sum_k probs_k mean_k with the probs as given (exp(log_softmax(log(probs))) gave
    # 0.40000007 for 0.39999998); the variance as sum_k w_k var_k + sum_k w_k (m_k - m)**2
    d = MixtureSameFamily(Categorical(probs=f32([0.3, 0.7])), Normal(f32([-1.0, 1.0]), f32([0.5, 2.0])))
    assert_ulps(d.mean(), 0.3999999761581421)
    assert_ulps(d.variance(), 3.7150001525878906)
    d = MixtureSameFamily(Categorical(logits=f32([0.1, -0.7, 1.3])),
                          MultivariateNormalDiag(f32([[-1.0, 2.0], [1.0, 0.3], [0.2, -4.0]]),
                                                 f32([[0.5, 1.0], [2.0, 0.1], [1.3, 0.7]])))
    np.testing.assert_allclose(d.mean().numpy(), [0.023766353726387024, -2.3368895053863525], atol=1e-8)
    assert_ulps(d.variance(), [1.9368605613708496, 7.075760841369629])


def test_dirichlet_variance_in_tfps_form():
    d = Dirichlet(f32([[0.5, 2.3, 1.7], [4.0, 1.0, 0.3]]))
    assert_ulps(d.variance(), [[0.017957350239157677, 0.04543209820985794, 0.04273849353194237],
                               [0.029384007677435875, 0.02429831214249134, 0.008476155810058117]], 1)


def test_student_t_log_prob_values():
    # TFP: y = (x - loc) * (rsqrt(df) / scale); its float32 lbeta differs from ours by an ulp
    d = StudentT(f32([1.5, 3.0, 30.0]), f32([0.0, 1.0, -2.0]), f32([1.0, 0.3, 5.0]))
    assert_ulps(d.log_prob(f32([[0.7], [-1.3], [10.0]])),
                [[-1.4299871921539307, -0.37228021025657654, -2.686640977859497],
                 [-2.0198450088500977, -5.846778869628906, -2.5468316078186035],
                 [-6.344892501831055, -11.211136817932129, -5.2590131759643555]], 4)


@pytest.mark.parametrize("family", ["StudentT", "InverseGamma"])
def test_log_cdf_and_log_survival_function_keep_both_tails(family):
    # TFP's log(cdf) and log1p(-cdf) lose the tail where the CDF is close to 1 (TFP: 0 for
    # -9.97e-15, and -inf for -51.95); ours take whichever tail is small
    if family == "StudentT":
        df, loc, scale = f32([1.5, 3.0, 30.0]), f32([0.0, 1.0, -2.0]), f32([1.0, 0.3, 5.0])
        d = StudentT(df, loc, scale)
        ref = st.t(df.astype(np.float64), loc.astype(np.float64), scale.astype(np.float64))
        x = f32([[-40.0], [-1.3], [10.0], [60.0]])
    else:
        c, s = f32([0.5, 2.3, 17.0]), f32([1.0, 0.4, 3.1])
        d, ref = InverseGamma(c, s), st.invgamma(c.astype(np.float64), scale=s.astype(np.float64))
        x = f32([[0.3], [2.7], [9.0]])
    x64 = x.astype(np.float64)
    np.testing.assert_allclose(d.log_cdf(x).numpy(), ref.logcdf(x64), rtol=3e-6)
    np.testing.assert_allclose(d.log_survival_function(x).numpy(), ref.logsf(x64), rtol=3e-6)
