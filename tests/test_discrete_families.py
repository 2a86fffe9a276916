"""Discrete families: TFP's parameterizations, dtypes, edge values and KL rules."""

import numpy as np
import pytest
import scipy.special as sp
import scipy.stats as st

import probability
import workbench as wb
from gradients import GradientTape

tfd = probability.distributions


def c64(x):
    return wb.constant(np.asarray(x, dtype=np.float64))


def _grad(fn, x):
    x = c64(x)
    with GradientTape() as tape:
        tape.watch(x)
        y = wb.reduce_sum(fn(x))
    return y.numpy(), tape.gradient(y, x).numpy()


# -- Bernoulli ------------------------------------------------------------------

def test_bernoulli_probs_zero_and_one_give_exact_log_probs():
    d = tfd.Bernoulli(probs=c64([0.0, 1.0, 0.0, 1.0]))
    np.testing.assert_array_equal(d.log_prob(c64([0.0, 1.0, 1.0, 0.0])).numpy(), [0.0, 0.0, -np.inf, -np.inf])
    np.testing.assert_array_equal(d.entropy().numpy(), [0.0, 0.0, 0.0, 0.0])


def test_bernoulli_extreme_logits_are_finite_with_finite_gradients():
    x = c64([0.0, 1.0, 0.0, 1.0])
    val, g = _grad(lambda l: tfd.Bernoulli(logits=l).log_prob(x), [-50.0, -50.0, 50.0, 50.0])
    assert np.isfinite(val) and np.all(np.isfinite(g))
    lp = tfd.Bernoulli(logits=c64([-50.0, 50.0])).log_prob(c64([1.0, 0.0])).numpy()
    np.testing.assert_allclose(lp, [-50.0, -50.0], rtol=1e-12)


def test_bernoulli_logits_and_probs_agree():
    logits = np.array([-2.0, 0.3, 4.0])
    a, b = tfd.Bernoulli(logits=c64(logits)), tfd.Bernoulli(probs=c64(sp.expit(logits)))
    x = c64([1.0, 0.0, 1.0])
    np.testing.assert_allclose(a.log_prob(x).numpy(), b.log_prob(x).numpy(), rtol=1e-10)
    np.testing.assert_allclose(a.entropy().numpy(), b.entropy().numpy(), rtol=1e-10)
    np.testing.assert_allclose(b.logits_parameter().numpy(), logits, rtol=1e-10)
    np.testing.assert_allclose(a.probs_parameter().numpy(), sp.expit(logits), rtol=1e-12)
    assert a.probs is None and b.logits is None


def test_bernoulli_dtypes_and_non_binary_values():
    d = tfd.Bernoulli(probs=0.3)
    assert d.sample(4, seed=1).dtype == np.int32 and d.mode().dtype == np.int32
    assert tfd.Bernoulli(probs=0.3, dtype=wb.float32).sample(2, seed=1).dtype == np.float32
    assert d.log_prob(1).dtype == np.float32            # an int argument is cast to the float dtype
    # a non-binary value is evaluated by the formula (TFP); validate_args refuses it
    np.testing.assert_allclose(float(d.log_prob(0.5)), 0.5 * np.log(0.3) + 0.5 * np.log(0.7), rtol=1e-6)
    with pytest.raises(ValueError, match="0 or 1"):
        tfd.Bernoulli(probs=0.3, validate_args=True).log_prob(0.5)
    with pytest.raises(ValueError, match="exactly one"):
        tfd.Bernoulli(logits=0.0, probs=0.5)


def _kl_mc(a, b, n=200_000):
    x = a.sample(n, seed=3)
    return wb.reduce_mean(a.log_prob(x) - b.log_prob(x), axis=0).numpy()


def test_kl_bernoulli_matches_monte_carlo_and_closed_form():
    a, b = tfd.Bernoulli(probs=c64([0.2, 0.7])), tfd.Bernoulli(logits=c64([1.0, -0.5]))
    kl = probability.kl_divergence(a, b).numpy()
    pa, pb = np.array([0.2, 0.7]), sp.expit([1.0, -0.5])
    np.testing.assert_allclose(kl, pa * np.log(pa / pb) + (1 - pa) * np.log((1 - pa) / (1 - pb)), rtol=1e-10)
    np.testing.assert_allclose(_kl_mc(a, b), kl, atol=1e-2)


# -- Categorical / OneHotCategorical ------------------------------------------------

def test_categorical_values_are_truncated_and_out_of_range_is_flagged():
    d = tfd.Categorical(logits=c64([0.0, 1.0, 2.0]))
    lp = sp.log_softmax([0.0, 1.0, 2.0])
    np.testing.assert_allclose(d.log_prob(c64([1.7, 2.0])).numpy(), [lp[1], lp[2]], rtol=1e-12)
    for bad in (-1.0, 3.0):   # TF's CPU kernel refuses a class index outside [0, K)
        with pytest.raises(wb.errors.InvalidArgumentError):
            d.log_prob(c64(bad))
    forced = tfd.Categorical(logits=c64([0.0, 1.0, 2.0]), force_probs_to_zero_outside_support=True)
    assert np.all(forced.log_prob(c64([-1.0, 3.0])).numpy() == -np.inf)
    checked = tfd.Categorical(logits=c64([0.0, 1.0, 2.0]), validate_args=True)
    for bad in (1.5, 3.0, -1.0):
        with pytest.raises(ValueError, match=r"\[0, 3\)"):
            checked.log_prob(c64(bad))


def test_categorical_zero_probability_class():
    d = tfd.Categorical(probs=c64([0.0, 0.25, 0.75]))
    lp = d.log_prob(c64([0.0, 1.0, 2.0])).numpy()
    assert lp[0] == -np.inf and np.allclose(lp[1:], np.log([0.25, 0.75]))
    np.testing.assert_allclose(float(d.entropy()), -(0.25 * np.log(0.25) + 0.75 * np.log(0.75)))
    assert not np.any(d.sample(1000, seed=2).numpy() == 0)


def test_categorical_sample_frequencies_mode_and_cdf():
    p = np.array([[0.1, 0.6, 0.3], [0.5, 0.2, 0.3]])
    d = tfd.Categorical(probs=c64(p))
    x = d.sample(20_000, seed=5).numpy()
    assert x.shape == (20_000, 2) and x.dtype == np.int32
    freq = np.stack([(x == k).mean(0) for k in range(3)], -1)
    assert np.all(np.abs(freq - p) < 5 * np.sqrt(p * (1 - p) / 20_000))
    np.testing.assert_array_equal(d.mode().numpy(), [1, 0])
    np.testing.assert_allclose(d.cdf(c64([[-1.0], [0.0], [1.0], [5.0]])).numpy(),
                               [[0, 0], [0.1, 0.5], [0.7, 0.7], [1, 1]], atol=1e-12)


def test_categorical_logits_gradient_at_extremes():
    _, g = _grad(lambda l: tfd.Categorical(logits=l).log_prob(c64(1.0)), [-50.0, 50.0, 0.0])
    assert np.all(np.isfinite(g))
    np.testing.assert_allclose(g, [0.0, 0.0, 0.0], atol=1e-12)   # onehot - softmax, both ~[0, 1, 0]


def test_kl_categorical_and_one_hot_match_monte_carlo():
    la, lb = np.array([[0.5, -1.0, 2.0], [0.0, 0.0, 0.0]]), np.array([1.0, 0.0, -1.0])
    want = np.sum(sp.softmax(la, -1) * (sp.log_softmax(la, -1) - sp.log_softmax(lb)), -1)
    for cls in (tfd.Categorical, tfd.OneHotCategorical):
        a, b = cls(logits=c64(la)), cls(probs=c64(sp.softmax(lb)))
        kl = probability.kl_divergence(a, b).numpy()
        np.testing.assert_allclose(kl, want, rtol=1e-10)
        np.testing.assert_allclose(_kl_mc(a, b), kl, atol=1e-2)


def test_one_hot_categorical_samples_dtype_and_covariance():
    p = np.array([0.2, 0.5, 0.3])
    d = tfd.OneHotCategorical(probs=c64(p))
    x = d.sample(7, seed=1).numpy()
    assert x.dtype == np.int32 and x.shape == (7, 3) and np.all(x.sum(-1) == 1)
    np.testing.assert_allclose(d.covariance().numpy(), np.diag(p) - np.outer(p, p), rtol=1e-12)
    np.testing.assert_array_equal(d.mode().numpy(), [0, 1, 0])
    np.testing.assert_allclose(float(d.log_prob(x[0])), np.log(p[x[0].argmax()]), rtol=1e-12)
    with pytest.raises(ValueError, match="one-hot"):
        tfd.OneHotCategorical(probs=c64(p), validate_args=True).log_prob(c64([1.0, 1.0, 0.0]))


# -- counts -------------------------------------------------------------------------

def test_poisson_non_integer_values_and_force_probs_to_zero():
    rate = 2.5
    d = tfd.Poisson(rate=c64(rate))
    want = 1.5 * np.log(rate) - rate - sp.gammaln(2.5)
    np.testing.assert_allclose(float(d.log_prob(c64(1.5))), want, rtol=1e-12)
    forced = tfd.Poisson(rate=c64(rate), force_probs_to_zero_outside_support=True)
    lp = forced.log_prob(c64([1.5, -1.0, 2.0])).numpy()
    assert lp[0] == -np.inf and lp[1] == -np.inf
    np.testing.assert_allclose(lp[2], st.poisson(rate).logpmf(2), rtol=1e-12)
    # TFP's cdf interpolates between the counts, Q(x + 1, rate), unless forced to the integers
    np.testing.assert_allclose(d.cdf(c64([-0.5, 2.7])).numpy(), [0.0, sp.gammaincc(3.7, rate)], rtol=1e-10)
    np.testing.assert_allclose(forced.cdf(c64(2.7)).numpy(), st.poisson(rate).cdf(2.7), rtol=1e-10)
    assert tfd.Poisson(rate=1.0).sample(3, seed=1).dtype == np.float32   # TFP: counts in the float dtype


def test_poisson_extreme_rates():
    val, g = _grad(lambda lr: tfd.Poisson(log_rate=lr).log_prob(c64([0.0, 3.0, 1e6])), [-30.0, 0.0, 14.0])
    assert np.isfinite(val) and np.all(np.isfinite(g))
    np.testing.assert_allclose(float(tfd.Poisson(rate=c64(0.0)).log_prob(c64(0.0))), 0.0)


def test_binomial_degenerate_probs_and_cdf():
    d = tfd.Binomial(total_count=c64(5.0), probs=c64([0.0, 1.0]))
    np.testing.assert_array_equal(d.log_prob(c64([0.0, 5.0])).numpy(), [0.0, 0.0])
    d = tfd.Binomial(total_count=c64(6.0), logits=c64(0.4))
    x = np.array([-1.0, 0.0, 2.0, 5.0, 6.0, 9.0])   # scipy floors a non-integer; TFP does not (test_tfp_edge_golden_more)
    np.testing.assert_allclose(d.cdf(c64(x)).numpy(), st.binom(6, sp.expit(0.4)).cdf(x), rtol=1e-9)
    val, g = _grad(lambda l: tfd.Binomial(total_count=c64(20.0), logits=l).log_prob(c64([0.0, 20.0])),
                   [50.0, -50.0])
    assert np.isfinite(val) and np.all(np.isfinite(g))


def test_negative_binomial_matches_scipy_convention_and_cdf():
    r, p = 3.0, 0.4
    d = tfd.NegativeBinomial(total_count=c64(r), probs=c64(p))
    ref = st.nbinom(r, 1 - p)   # TFP counts successes (prob p) before r failures
    x = np.array([-2.0, 0.0, 1.0, 4.0, 12.0])
    np.testing.assert_allclose(d.cdf(c64(x)).numpy(), ref.cdf(x), rtol=1e-9)
    # at a non-integer TFP's I_{1-p}(r, 1 + x) interpolates between the counts
    np.testing.assert_allclose(float(d.cdf(c64(4.5))), sp.betainc(r, 5.5, 1 - p), rtol=1e-9)
    np.testing.assert_allclose(float(d.mode()), np.floor((r - 1) * p / (1 - p)))
    with pytest.raises(ValueError, match="total_count"):
        tfd.NegativeBinomial(total_count=c64(2.5), probs=c64(p), validate_args=True)
    tfd.NegativeBinomial(total_count=c64(2.5), probs=c64(p), require_integer_total_count=False,
                         validate_args=True)


def test_geometric_floor_and_certain_success():
    d = tfd.Geometric(probs=c64(0.3))
    np.testing.assert_allclose(float(d.log_prob(c64(2.7))), st.geom(0.3, loc=-1).logpmf(2), rtol=1e-12)
    forced = tfd.Geometric(probs=c64(0.3), force_probs_to_zero_outside_support=True)
    assert float(forced.log_prob(c64(2.7))) == -np.inf
    certain = tfd.Geometric(probs=c64(1.0))
    np.testing.assert_array_equal(certain.log_prob(c64([0.0, 1.0])).numpy(), [0.0, -np.inf])
    assert np.all(certain.sample(10, seed=1).numpy() == 0)
    x = np.array([-1.0, 0.0, 3.2])
    np.testing.assert_allclose(d.cdf(c64(x)).numpy(), st.geom(0.3, loc=-1).cdf(x), rtol=1e-12)


def test_multinomial_samples_sum_to_total_count_and_covariance():
    p = np.array([[0.2, 0.0, 0.8], [0.5, 0.25, 0.25]])
    d = tfd.Multinomial(total_count=c64([7.0, 3.0]), probs=c64(p))
    x = d.sample(500, seed=4).numpy()
    assert x.dtype == np.float64 and x.shape == (500, 2, 3)
    np.testing.assert_array_equal(x.sum(-1), np.broadcast_to([7.0, 3.0], (500, 2)))
    assert np.all(x[:, 0, 1] == 0)                      # a class of probability 0 is never drawn
    n = np.array([7.0, 3.0])[:, None, None]
    want = n * (np.apply_along_axis(np.diag, -1, p) - p[..., :, None] * p[..., None, :])
    np.testing.assert_allclose(d.covariance().numpy(), want, rtol=1e-12)
    # a zero-probability class with count 0 adds nothing
    np.testing.assert_allclose(float(d[0].log_prob(c64([2.0, 0.0, 5.0]))),
                               st.multinomial(7, p[0]).logpmf([2, 0, 5]), rtol=1e-10)


def test_negative_binomial_from_mean_dispersion():
    # TFP's parameterization: dispersion = 1 / total_count, variance = mean + dispersion * mean**2
    d = tfd.NegativeBinomial.experimental_from_mean_dispersion(c64([30.0, 2.0]), c64([0.01, 0.5]))
    np.testing.assert_allclose(d.total_count.numpy(), [100.0, 2.0], rtol=1e-12)
    np.testing.assert_allclose(d.mean().numpy(), [30.0, 2.0], rtol=1e-12)
    np.testing.assert_allclose(d.variance().numpy(), [30.0 + 9.0, 2.0 + 2.0], rtol=1e-12)
    k = np.array([25.0, 3.0])
    r, m = np.array([100.0, 2.0]), np.array([30.0, 2.0])
    np.testing.assert_allclose(d.log_prob(c64(k)).numpy(), st.nbinom(r, r / (r + m)).logpmf(k), rtol=1e-10)
    f32 = tfd.NegativeBinomial.experimental_from_mean_dispersion(30., .01)
    assert f32.dtype == np.float32 and f32.sample(3, seed=1).shape == (3,)
