"""Family-specific checks for GeneralizedPareto, GeneralizedExtremeValue, Moyal, JohnsonSU, Triangular,
TruncatedCauchy, DoublesidedMaxwell, PERT, LogLogistic, LogitNormal, NoncentralChi2,
NormalInverseGaussian and ContinuousBernoulli beyond the generic cases: limits, values outside the
support, undefined moments, KL divergences (TFP 0.25's values pinned), TFP's dtypes and names."""

import numpy as np
import pytest
import scipy.stats as st

import probability
import workbench as wb

tfd = probability.distributions


def f64(a):
    return wb.constant(np.asarray(a, dtype=np.float64))


# -- GeneralizedPareto ---------------------------------------------------------------------------

def test_generalized_pareto_zero_concentration_is_shifted_exponential():
    d = tfd.GeneralizedPareto(f64(1.0), f64(2.0), f64(0.0))
    x = np.array([1.5, 3.0, 9.0])
    ref = st.expon(1.0, 2.0)
    np.testing.assert_allclose(d.log_prob(f64(x)).numpy(), ref.logpdf(x), rtol=1e-12)
    np.testing.assert_allclose(d.cdf(f64(x)).numpy(), ref.cdf(x), rtol=1e-12)
    np.testing.assert_allclose(d.quantile(f64(0.3)).numpy(), ref.ppf(0.3), rtol=1e-12)
    np.testing.assert_allclose(d.mean().numpy(), 3.0)
    np.testing.assert_allclose(d.variance().numpy(), 4.0)


def test_generalized_pareto_outside_the_support():
    d = tfd.GeneralizedPareto(f64(0.0), f64(1.0), f64([-0.5, 0.5]))
    x = f64([[-1.0, -1.0], [2.5, 2.5]])   # below loc; above loc + scale / 0.5 = 2 for the first
    lp = d.log_prob(x).numpy()
    assert np.all(np.isneginf(lp[0])) and np.isneginf(lp[1, 0]) and np.isfinite(lp[1, 1])
    np.testing.assert_array_equal(d.cdf(x).numpy()[:, 0], [0.0, 1.0])
    np.testing.assert_array_equal(d.survival_function(x).numpy()[:, 0], [1.0, 0.0])
    assert np.isneginf(d.log_cdf(x).numpy()[0, 0]) and np.isneginf(d.log_survival_function(x).numpy()[1, 0])


def test_generalized_pareto_undefined_moments():
    d = tfd.GeneralizedPareto(f64(0.0), f64(1.0), f64([0.6, 1.5]))
    mean, var = d.mean().numpy(), d.variance().numpy()
    np.testing.assert_allclose(mean[0], 2.5)
    assert np.isnan(mean[1]) and np.all(np.isnan(var))
    strict = tfd.GeneralizedPareto(f64(0.0), f64(1.0), f64(1.5), allow_nan_stats=False)
    with pytest.raises(ValueError, match="mean"):
        strict.mean()
    with pytest.raises(NotImplementedError, match="GeneralizedPareto"):
        d.mode()


# -- GeneralizedExtremeValue ---------------------------------------------------------------------

def test_gev_zero_concentration_is_gumbel():
    d = tfd.GeneralizedExtremeValue(f64(0.5), f64(2.0), f64(0.0))
    g = tfd.Gumbel(f64(0.5), f64(2.0))
    x = f64([-3.0, 0.5, 6.0])
    for m in ("log_prob", "cdf", "log_survival_function"):
        np.testing.assert_allclose(getattr(d, m)(x).numpy(), getattr(g, m)(x).numpy(), rtol=1e-12)
    for m in ("mean", "variance", "entropy", "mode"):
        np.testing.assert_allclose(getattr(d, m)().numpy(), getattr(g, m)().numpy(), rtol=1e-12)


def test_gev_outside_the_support_and_infinite_moments():
    d = tfd.GeneralizedExtremeValue(f64(0.0), f64(1.0), f64([-0.5, 0.5]))
    x = f64([3.0, -3.0])   # above 2 for c = -0.5; below -2 for c = 0.5
    assert np.all(np.isneginf(d.log_prob(x).numpy()))
    np.testing.assert_array_equal(d.cdf(x).numpy(), [1.0, 0.0])
    np.testing.assert_array_equal(d.survival_function(x).numpy(), [0.0, 1.0])
    # TFP 0.25: mean inf for concentration >= 1, variance inf for concentration >= 1/2
    e = tfd.GeneralizedExtremeValue(f64(0.0), f64(1.0), f64([0.6, 1.5]))
    np.testing.assert_allclose(e.mean().numpy(), [2.0302659127190404, np.inf])
    np.testing.assert_array_equal(e.variance().numpy(), [np.inf, np.inf])


def test_gev_event_space_bijector_is_the_inverse_cdf_of_a_sigmoid():
    d = tfd.GeneralizedExtremeValue(f64(1.0), f64(2.0), f64(0.3))
    b = d.experimental_default_event_space_bijector()
    u = f64([-2.0, 0.0, 3.0])
    np.testing.assert_allclose(b.forward(u).numpy(), d.quantile(wb.sigmoid(u)).numpy(), rtol=1e-12)


# -- Moyal ------------------------------------------------------------------------------------------

def test_moyal_kl_matches_tfp():
    a = tfd.Moyal(f64([0.0, 1.5, -2.0]), f64([1.0, 0.5, 3.0]))
    b = tfd.Moyal(f64([0.5, 1.0, 0.0]), f64([2.0, 0.7, 1.0]))
    np.testing.assert_allclose(probability.kl_divergence(a, b).numpy(),
                               [0.2628084970213832, 0.2193354000408526, 54.08967129877327], rtol=1e-10)
    np.testing.assert_allclose(probability.kl_divergence(a, a).numpy(), 0.0, atol=1e-12)


def test_tfp_default_dtypes_and_names():
    assert tfd.GeneralizedPareto(1.0, 2.0, 0.5).dtype == np.float32
    assert tfd.GeneralizedPareto(1.0, 2.0, 0.5).name == "GeneralizedPareto"
    assert tfd.GeneralizedExtremeValue(0.0, 1.0, 0.1).name == "GeneralizedExtremeValue"
    assert tfd.Moyal(0.0, 1.0).name == "Moyal"
