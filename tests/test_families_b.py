"""The second batch of TFP scalar families: TFP 0.25's values pinned (printed by TFP 0.25), the
methods TFP does not implement, KL divergences, parameterizations and edge cases. The generic
checks against SciPy are in tests/distribution_cases/families_b.py."""

import numpy as np
import pytest

import probability as tfp
import workbench as wb

tfd = tfp.distributions
f64 = np.float64
X2 = f64([0.3, -0.2])


def _close(t, want, rtol=1e-7):
    np.testing.assert_allclose(t.numpy(), want, rtol=rtol, atol=1e-8)  # TFP printed 8 decimals


def _missing(d, *methods):
    for m in methods:
        with pytest.raises(NotImplementedError, match=type(d).__name__):
            getattr(d, m)()


def test_exp_inverse_gamma_matches_tfp():
    d = tfd.ExpInverseGamma(f64([2.0, 3.5]), scale=f64(1.5))
    _close(d.log_prob(X2), [-0.90029711, -0.91394986])
    _close(d.cdf(X2), [0.69492046, 0.81753909])
    _close(d.log_survival_function(X2), [-1.18718277, -1.70121929])
    _close(d.quantile(f64(0.3)), [-0.48621177, -1.02764495])
    _close(d.mean(), [-0.01731923, -0.69769153])
    _close(d.variance(), [0.64493407, 0.33035776])
    _missing(d, "mode", "entropy")
    assert d.scale is not None and d.log_scale is None
    assert d.experimental_default_event_space_bijector().__class__.__name__ == "Identity"


def test_exp_inverse_gamma_needs_exactly_one_scale():
    with pytest.raises(ValueError, match="`scale` and `log_scale`"):
        tfd.ExpInverseGamma(2.0)
    with pytest.raises(ValueError, match="`scale` and `log_scale`"):
        tfd.ExpInverseGamma(2.0, scale=1.0, log_scale=0.0)


def test_exp_inverse_gamma_kl_matches_tfp_and_monte_carlo():
    a = tfd.ExpInverseGamma(f64([2.0, 0.6]), scale=f64(1.5))
    b = tfd.ExpInverseGamma(f64(3.0), log_scale=f64(-0.4))
    kl = tfp.kl_divergence(a, b)
    _close(kl, [1.58051823, 6.07692278])
    x = a.sample(200_000, seed=3)
    mc = wb.reduce_mean(a.log_prob(x) - b.log_prob(x), axis=0).numpy()
    np.testing.assert_allclose(mc, kl.numpy(), rtol=0.03)


def test_exp_inverse_gamma_tiny_concentration_draws_are_finite():
    x = tfd.ExpInverseGamma(f64(0.01), scale=f64(1.0)).sample(1000, seed=1).numpy()
    assert np.all(np.isfinite(x)) and np.median(x) > 20   # log(1 / G) with G of about exp(-70)


def test_exponentially_modified_gaussian_matches_tfp_and_its_tails():
    d = tfd.ExponentiallyModifiedGaussian(f64([0.5, -1.0]), f64(1.3), f64([0.7, 2.0]))
    _close(d.log_prob(X2), [-1.742658, -1.27363093])
    _close(d.cdf(X2), [0.18878768, 0.59094273])
    _close(d.log_survival_function(X2), [-0.20922546, -0.89390011])
    _close(d.mean(), [1.92857143, -0.5])
    _close(d.variance(), [3.73081633, 1.94])
    _missing(d, "mode", "entropy")
    with pytest.raises(NotImplementedError, match="quantile"):
        d.quantile(0.3)
    d = tfd.ExponentiallyModifiedGaussian(f64(0.0), f64(1.0), f64(3.0))
    x = f64([-40.0, -5.0, 0.0, 30.0])
    _close(d.log_prob(x), [-803.58206646, -14.41482487, -1.00911393, -84.40138771], rtol=1e-6)
    _close(d.survival_function(x), [1.0, 9.99999896e-01, 6.21513948e-01, 7.37601510e-38], rtol=1e-6)


def test_two_piece_normal_matches_tfp():
    d = tfd.TwoPieceNormal(f64([0.5, -1.0]), f64(1.3), f64([0.7, 2.0]))
    _close(d.log_prob(X2), [-1.2494055, -1.45178363])
    _close(d.cdf(X2), [0.61358374, 0.39334682])
    _close(d.log_cdf(X2), [-0.48843853, -0.93306356])
    _close(d.log_survival_function(X2), [-0.9508401, -0.49979802])
    _close(d.quantile(f64(0.3)), [-0.91221967, -0.59099222])
    _close(d.mean(), [-0.25571066, 0.55587489])
    _close(d.variance(), [2.01598099, 3.07175332])
    _close(d.mode(), [0.5, -1.0])
    _missing(d, "entropy")


def test_two_piece_normal_tails_stay_finite():
    # TFP 0.25 gives -inf for log_cdf(-40) and quantile(1e-30); the values here come from log_ndtr
    d = tfd.TwoPieceNormal(f64(0.0), f64(1.0), f64(2.0))
    lc = d.log_cdf(f64([-40.0, 40.0])).numpy()
    assert np.isfinite(lc[0]) and lc[0] < -3000 and abs(lc[1]) < 1e-80
    q = d.quantile(f64([1e-30, 0.2, 0.5])).numpy()
    np.testing.assert_allclose(q[1:], [0.0, 0.97755282], atol=1e-8)
    assert np.isfinite(q[0]) and q[0] < -5


def test_two_piece_student_t_matches_tfp():
    d = tfd.TwoPieceStudentT(f64([3.0, 1.5]), f64([0.5, -1.0]), f64(1.3), f64([0.7, 2.0]))
    _close(d.log_prob(X2), [-1.33327385, -1.63866381])
    _close(d.cdf(X2), [0.61814641, 0.36351419])
    _close(d.log_survival_function(X2), [-0.96271801, -0.45179316])
    _close(d.quantile(f64(0.3)), [-1.12094446, -0.51857428])
    _close(d.mean(), [-0.54437445, 2.98659928])
    _close(d.variance(), [6.67052078, np.inf])
    _close(d.mode(), [0.5, -1.0])
    _missing(d, "entropy")


def test_two_piece_student_t_undefined_moments():
    d = tfd.TwoPieceStudentT(f64([0.8, 1.5, 3.0]), f64(0.0), f64(1.0), f64(2.0))
    _close(d.mean(), [np.nan, 3.06661483, 1.65398669])
    _close(d.variance(), [np.nan, np.inf, 7.01432804])
    strict = tfd.TwoPieceStudentT(f64([0.8, 3.0]), f64(0.0), f64(1.0), f64(2.0), allow_nan_stats=False)
    with pytest.raises(ValueError, match="df <= 1"):
        strict.mean()
    with pytest.raises(ValueError, match="df <= 1"):
        strict.variance()


def test_sigmoid_beta_matches_tfp():
    d = tfd.SigmoidBeta(f64([3.0, 1.5]), f64([0.5, 2.0]))
    _close(d.log_prob(X2), [-2.15478188, -1.0717302])
    _close(d.cdf(X2), [0.07956005, 0.55114091])
    _close(d.log_survival_function(X2), [-0.08290352, -0.80104627])
    _close(d.quantile(f64(0.3)), [1.5399803, -0.97306609])
    _close(d.mode(), [1.79175947, -0.28768207])
    _missing(d, "mean", "variance", "stddev", "entropy")


def test_sigmoid_beta_small_concentrations_sample_finite_values():
    # the Beta draw itself would round to 0 or 1 here; its logit is computed from the Gamma logs
    x = tfd.SigmoidBeta(f64(0.05), f64(0.02)).sample(2000, seed=1).numpy()
    assert np.all(np.isfinite(x)) and np.abs(x).max() > 50


@pytest.mark.parametrize("make", [
    lambda: tfd.ExpInverseGamma(2.0, scale=1.0), lambda: tfd.ExponentiallyModifiedGaussian(0.0, 1.0, 2.0),
    lambda: tfd.TwoPieceNormal(0.0, 1.0, 2.0), lambda: tfd.TwoPieceStudentT(3.0, 0.0, 1.0, 2.0),
    lambda: tfd.SigmoidBeta(1.0, 2.0)])
def test_python_floats_make_float32_families(make):
    d = make()
    assert d.dtype == np.float32 and d.sample(3, seed=1).dtype == np.float32


def test_bates_matches_tfp():
    d = tfd.Bates(f64([1.0, 3.0, 10.0]), f64(-1.0), f64([1.0, 2.0, 3.0]))
    x = f64([0.3, 0.5, 1.2])
    _close(d.log_prob(x), [-0.69314718, -0.28768207, -0.06827241])
    _close(d.cdf(x), [0.65, 0.5, 0.70548132])
    _close(d.log_survival_function(x), [-1.04982212, -0.69314718, -1.22241285])
    _close(d.variance(), [0.33333333, 0.25, 0.13333333])
    _close(d.mode(), [0.0, 0.5, 1.0])
    outside = f64([-2.0, 1.5, 3.0])
    _close(d.log_prob(outside), [-np.inf, -2.07944154, -np.inf])
    _close(d.cdf(outside), [0.0, 0.97916667, 1.0])
    _close(d.survival_function(outside), [1.0, 0.02083333, 0.0])
    assert d.reparameterization_type is tfd.NOT_REPARAMETERIZED
    _missing(d, "entropy")
    with pytest.raises(NotImplementedError, match="quantile"):
        d.quantile(0.3)


def test_bates_bijector_maps_into_low_high_and_checks_arguments():
    d = tfd.Bates(f64(4.0), f64(-1.0), f64(3.0))
    y = d.experimental_default_event_space_bijector().forward(f64([-100.0, 0.0, 100.0])).numpy()
    np.testing.assert_allclose(y, [-1.0, 1.0, 3.0])
    with pytest.raises(ValueError, match="`total_count`"):
        tfd.Bates(f64(0.0), validate_args=True)
    with pytest.raises(ValueError, match="`low`"):
        tfd.Bates(f64(2.0), f64(1.0), f64(0.0), validate_args=True)


def test_gamma_gamma_log_prob_matches_tfp_and_variance_is_the_distributions():
    d = tfd.GammaGamma(f64([3.0, 1.5]), f64([2.5, 3.0]), f64([2.0, 0.7]))
    _close(d.log_prob(f64([0.3, 2.2])), [-2.27609392, -3.58562284])
    _close(d.mean(), [4.0, 0.525])
    # TFP 0.25 gives [32., 0.275625] (Var(E[X | b]) alone); the variance adds E[Var(X | b)]
    _close(d.variance(), [48.0, 0.643125])
    x = tfd.GammaGamma(f64(1.5), f64(5.0), f64(0.7)).sample(400_000, seed=2).numpy()
    np.testing.assert_allclose(x.var(), 0.08421875, rtol=0.05)     # TFP: 0.02296875
    _missing(d, "mode", "entropy")
    with pytest.raises(NotImplementedError, match="cdf"):
        d.cdf(1.0)
    assert d.experimental_default_event_space_bijector().__class__.__name__ == "Exp"


def test_gamma_gamma_undefined_moments():
    d = tfd.GammaGamma(f64(3.0), f64([0.5, 1.5, 3.0]), f64(2.0))
    _close(d.mean(), [np.nan, 12.0, 3.0])
    assert np.isnan(d.variance().numpy()[:2]).all()
    with pytest.raises(ValueError, match="mixing_concentration <= 2"):
        tfd.GammaGamma(f64(3.0), f64([1.5, 3.0]), f64(2.0), allow_nan_stats=False).variance()


def test_probit_bernoulli_matches_tfp():
    d = tfd.ProbitBernoulli(probits=f64([-0.3, 1.2]))
    assert d.dtype == np.int32 and d.sample(3, seed=1).dtype == np.int32
    _close(d.log_prob(f64([0.0, 1.0])), [-0.4814102, -0.12224638])
    _close(d.mean(), [0.38208857, 0.8849303])
    _close(d.variance(), [0.2360969, 0.10182866])
    _close(d.entropy(), [0.6650773, 0.3569852])
    np.testing.assert_array_equal(d.mode().numpy(), [0, 1])
    b = tfd.ProbitBernoulli(probs=f64([0.2, 0.9]))
    # ndtri(probs) in float64 (TFP 0.25 prints 1.2815511 for ndtri(0.9): float32 digits)
    _close(b.probits_parameter(), [-0.8416212335729143, 1.2815515655446004])
    _close(tfp.kl_divergence(d, b), [0.08775344, 0.00120926], rtol=1e-5)
    assert d.experimental_default_event_space_bijector() is None
    for m in ("cdf", "quantile"):
        with pytest.raises(NotImplementedError, match=m):
            getattr(d, m)(wb.constant(0.5, dtype=wb.float64))
    with pytest.raises(ValueError, match="`probits` and `probs`"):
        tfd.ProbitBernoulli()


def test_probit_bernoulli_far_tails():
    d = tfd.ProbitBernoulli(probits=[-40.0, 40.0])
    lp = d.log_prob([1.0, 1.0]).numpy()
    assert np.isfinite(lp[0]) and lp[0] < -800 and lp[1] == 0.0
    np.testing.assert_array_equal(d.log_prob([0.0, 0.0]).numpy()[0], 0.0)


def test_zipf_matches_tfp():
    d = tfd.Zipf(f64([1.5, 3.0, 6.0]))
    assert d.dtype == np.int32 and not d.allow_nan_stats
    x = f64([1.0, 2.0, 7.0])
    _close(d.log_prob(x), [-0.9602599, -2.26347572, -11.69265528])
    _close(d.cdf(x), [0.38279338, 0.93589579, 0.99999189])
    _close(d.survival_function(x), [6.17206616e-01, 6.41042058e-02, 8.10534520e-06])
    _close(d.log_survival_function(x), [-0.48255144, -2.7472453, -11.72298681])
    np.testing.assert_array_equal(d.mode().numpy(), [1, 1, 1])
    _missing(d, "entropy")
    assert d.experimental_default_event_space_bijector() is None


def test_zipf_values_are_converted_to_its_dtype_as_in_tfp():
    d = tfd.Zipf(f64([1.5, 3.0]))       # int32: 2.5 -> 2, -1.5 -> -1, 0.7 -> 0
    _close(d.log_prob(f64([2.5, 2.5])), [-1.99998067, -2.26347572])
    _close(d.log_prob(f64([-1.5, 0.7])), [-np.inf, -np.inf])
    _close(d.cdf(f64([-1.5, 3.7])), [0.0, 0.96670718])
    d = tfd.Zipf(f64([1.5, 3.0]), dtype=np.float64)
    _close(d.log_prob(f64([2.5, 2.5])), [-2.334696, -2.93290637])
    _close(d.cdf(f64([2.5, 2.5])), [0.55948231, 0.95499213])
    d = tfd.Zipf(f64([1.5, 3.0]), dtype=np.float64, force_probs_to_zero_outside_support=True)
    _close(d.log_prob(f64([2.5, 2.5])), [-np.inf, -np.inf])
    _close(d.cdf(f64([2.5, 2.5])), [0.51813128, 0.93589579])


def test_zipf_moments_where_they_do_not_exist():
    d = tfd.Zipf(f64([1.5, 2.5, 3.0, 3.5]))
    _close(d.mean(), [np.nan, 1.94737247, 1.36843278, 1.19059815])
    # TFP 0.25: [nan, nan, inf, 0.9010141]; for 2 < power < 3 the variance is infinite
    _close(d.variance(), [np.nan, np.inf, np.inf, 0.9010141])


def test_zipf_log_prob_gradient_in_power():
    import scipy.special as sp
    p = wb.Variable(f64([1.5, 4.0]))
    with wb.GradientTape() as tape:
        lp = tfd.Zipf(p).log_prob(f64([3.0, 1.0]))
    g = tape.gradient(lp, p).numpy()
    h = 1e-6
    pn = np.array([1.5, 4.0])
    fd = -np.log([3.0, 1.0]) - (np.log(sp.zeta(pn + h)) - np.log(sp.zeta(pn - h))) / (2 * h)
    np.testing.assert_allclose(g, fd, rtol=1e-6)


def test_zipf_heavy_tailed_draws_match_the_pmf():
    d = tfd.Zipf(f64(1.5))
    x = d.sample(20000, seed=4).numpy()
    assert x.dtype == np.int32 and x.min() >= 1
    ks = np.arange(1, 6)
    freq = np.array([(x == k).mean() for k in ks])
    pmf = np.exp(d.log_prob(f64(ks)).numpy())
    assert np.all(np.abs(freq - pmf) <= 4 * np.sqrt(pmf * (1 - pmf) / x.size)), (freq, pmf)
    tail = (x > 100).mean()
    np.testing.assert_allclose(tail, d.survival_function(f64(100.0)).numpy(), rtol=0.15)


def test_finite_discrete_matches_tfp():
    d = tfd.FiniteDiscrete(f64([-1.0, 0.5, 2.0, 3.0]), probs=f64([[0.1, 0.2, 0.3, 0.4], [0.25, 0.25, 0.25, 0.25]]))
    # within 10 eps of an outcome counts as the outcome; 1e-9 away does not
    _close(d.log_prob(f64([0.5 + 1e-15, 3.0])), [-1.60943791, -1.38629436])
    _close(d.log_prob(f64([0.5 + 1e-9, -7.0])), [-np.inf, -np.inf])
    _close(d.cdf(f64([-1.0 + 1e-12, 2.0 - 1e-12])), [0.1, 0.5])
    _close(d.mode(), [3.0, -1.0])
    _close(d.entropy(), [1.27985423, 1.38629436])
    assert d.experimental_default_event_space_bijector() is None
    with pytest.raises(NotImplementedError, match="quantile"):
        d.quantile(f64(0.5))


def test_finite_discrete_integer_outcomes():
    d = tfd.FiniteDiscrete(np.int32([1, 3, 7]), logits=f64([0.0, 1.0, -1.0]))
    assert d.dtype == np.int32 and d.sample(4, seed=1).dtype == np.int32
    _close(d.log_prob(np.int32([3, 2, 7])), [-0.40760596, -np.inf, -2.40760596])
    _close(d.cdf(np.int32([2, 7, 0])), [0.24472847, 1.0, 0.0])
    _close(d.mean(), 2.87066535)       # float64, the logits' dtype
    _close(d.variance(), 2.4026756)
    assert d.mode().numpy() == 3 and d.mode().dtype == np.int32
    assert set(np.unique(d.sample(200, seed=2).numpy())) <= {1, 3, 7}


def test_finite_discrete_dtypes_and_argument_errors():
    assert tfd.FiniteDiscrete([1.0, 2.0], probs=[0.5, 0.5]).dtype == np.float32
    assert tfd.FiniteDiscrete(f64([1.0, 2.0]), probs=[0.5, 0.5]).dtype == np.float64
    assert tfd.FiniteDiscrete([1, 2], probs=[0.5, 0.5]).dtype == np.int32
    with pytest.raises(ValueError, match="`outcomes` must be a 1-D"):
        tfd.FiniteDiscrete([[1.0, 2.0]], probs=[0.5, 0.5])
    with pytest.raises(ValueError, match="3 classes.*`outcomes` has 2"):
        tfd.FiniteDiscrete([1.0, 2.0], probs=[0.2, 0.3, 0.5])
    with pytest.raises(ValueError, match="`outcomes` must be in strictly ascending order"):
        tfd.FiniteDiscrete([2.0, 1.0], probs=[0.5, 0.5], validate_args=True)
    with pytest.raises(ValueError, match="`logits` and `probs`"):
        tfd.FiniteDiscrete([1.0, 2.0])


def _quantized(low=f64(-1.0), high=f64(3.0)):
    return tfd.QuantizedDistribution(tfd.Normal(f64([0.3, 1.2]), f64([1.0, 2.5])), low=low, high=high)


def test_quantized_distribution_matches_tfp():
    d = _quantized()
    _close(d.log_prob(f64([0.0, 3.0])), [-1.25425576, -0.98220576])
    _close(d.log_prob(f64([[-1.0], [0.5]])), [[-2.33510328, -1.66373754], [-1.25425576, -2.07001379]])
    _close(d.cdf(f64([[-1.0], [-2.0], [0.5], [4.0], [2.5]])),
           [[0.09680048, 0.18942965], [0.0, 0.0], [0.38208858, 0.3156137], [1.0, 1.0], [0.95543454, 0.62551583]])
    _close(d.log_survival_function(f64([0.0, 3.0])), [-0.48141016, -np.inf])
    assert d.dtype == np.float64 and d.reparameterization_type is tfd.NOT_REPARAMETERIZED
    assert d.experimental_default_event_space_bijector() is None
    _missing(d, "mean", "variance", "mode", "entropy")


def test_quantized_distribution_where_tfp_differs():
    d = _quantized()
    # outside [low, high] the mass is 0 (TFP 0.25: NaN)
    _close(d.log_prob(f64([[-2.0], [4.0]])), [[-np.inf, -np.inf], [-np.inf, -np.inf]])
    # P(Y > y) = P(Y > floor(y)) = 1 - cdf(y) (TFP 0.25 uses ceil(y) here: 0.24196365 and 0 below)
    y = f64([[0.5], [2.5]])
    _close(d.survival_function(y), 1.0 - d.cdf(y).numpy())


def test_quantized_distribution_far_tails_match_tfp():
    d = tfd.QuantizedDistribution(tfd.Normal(f64([0.3, 1.2]), f64([1.0, 2.5])))
    _close(d.log_prob(f64([[-40.0], [40.0]])), [[-816.66090479, -139.52117162], [-753.42044472, -117.9486117]])
    _close(d.log_survival_function(f64([[40.0]])), [[-792.645923, -124.100377]])


def test_quantized_distribution_draws_match_its_mass():
    d = _quantized()
    x = d.sample(20000, seed=5).numpy()
    assert x.shape == (20000, 2) and set(np.unique(x)) <= {-1.0, 0.0, 1.0, 2.0, 3.0}
    ks = f64([-1.0, 0.0, 1.0, 2.0, 3.0])
    pmf = np.exp(d.log_prob(ks[:, None]).numpy())
    np.testing.assert_allclose(pmf.sum(0), 1.0, rtol=1e-12)
    freq = np.stack([(x == k).mean(0) for k in ks])
    assert np.all(np.abs(freq - pmf) <= 4 * np.sqrt(pmf * (1 - pmf) / 20000)), (freq, pmf)


def test_quantized_distribution_log_prob_gradients_reach_the_base_parameters():
    from gradients import check_gradients

    def f(loc, scale):
        d = tfd.QuantizedDistribution(tfd.Normal(loc, scale), low=f64(-1.0), high=f64(3.0))
        return d.log_prob(f64([-1.0, 1.0, 3.0]))
    check_gradients(f, [f64([0.3, 1.2, -2.0]), f64([1.0, 2.5, 0.5])], order=1, modes=("rev",), jacobian=False,
                    atol=1e-6, rtol=1e-5)


def test_quantized_distribution_of_a_discrete_base_and_argument_errors():
    d = tfd.QuantizedDistribution(tfd.Poisson(f64(2.0)), low=f64(0.0))
    _close(d.log_prob(f64([0.0, 1.0])), [-2.0, -1.30685282])
    with pytest.raises(ValueError, match="`low` must be less than `high`"):
        _quantized(low=f64(3.0), high=f64(1.0)).copy(validate_args=True)
    with pytest.raises(ValueError, match="`high` must be a whole number"):
        tfd.QuantizedDistribution(tfd.Normal(f64(0.0), f64(1.0)), high=f64(2.5), validate_args=True)
    with pytest.raises(TypeError, match="`distribution`"):
        tfd.QuantizedDistribution(3.0)


def test_inflated_matches_tfp():
    d = tfd.Inflated(tfd.Poisson(f64([2.0, 0.5])), inflated_loc_probs=f64([0.3, 0.3]))
    x = f64([0.0, 2.0])
    _close(d.log_prob(x), [-0.92954139, -2.93611649])
    _close(d.cdf(x), [0.3947347, 0.98992863])
    _close(d.log_survival_function(x), [-0.5020884, -4.59805808])
    _close(d.mean(), [1.4, 0.35])
    _close(d.variance(), [2.24, 0.4025])
    assert isinstance(d, tfd.Mixture) and d.num_components == 2
    assert d.experimental_default_event_space_bijector() is None
    _missing(d, "mode", "entropy")


def test_inflated_continuous_base_is_censored_as_in_tfp():
    import scipy.stats as st
    d = tfd.Inflated(tfd.Normal(f64([2.0, 0.5]), f64(1.0)), inflated_loc_probs=f64([0.3, 0.3]),
                     inflated_loc_atol=f64(0.1))
    x = f64([0.05, 2.0])
    _close(d.log_prob(x), [-1.2039728, -2.40061348])     # log pi within atol of 0; else log(1 - pi) + log p
    _close(d.cdf(x), [0.31791164, 0.95323496])
    _close(d.mean(), [1.4, 0.35])
    _close(d.variance(), [1.54, 0.7525])
    np.testing.assert_allclose(d.log_prob(f64([[0.5], [-3.0]])).numpy(),
                               np.log(0.7) + st.norm([2.0, 0.5], 1.0).logpdf([[0.5], [-3.0]]), rtol=1e-12)
    assert d.experimental_default_event_space_bijector() is None
    # the base density at a safe point inside the tolerance: finite gradients there
    p = wb.Variable(f64(0.3))
    loc = wb.Variable(f64(2.0))
    with wb.GradientTape() as tape:
        lp = wb.reduce_sum(tfd.Inflated(tfd.Normal(loc, f64(1.0)), inflated_loc_probs=p).log_prob(f64([0.0, 1.0])))
    gp, gl = tape.gradient(lp, [p, loc])
    np.testing.assert_allclose(gp.numpy(), 1 / 0.3 - 1 / 0.7)
    np.testing.assert_allclose(gl.numpy(), 1.0 - 2.0)      # d/dloc of log N(1; loc, 1) only


def test_inflated_logits_give_tfps_gate():
    # TFP 0.25 builds Categorical(logits=[l, -l]), so pi = sigmoid(2 l) (its docstring's "log-odds"
    # would say sigmoid(l)); TFP's values: Inflated(Poisson(2.), inflated_loc_logits=0.5).prob(0.)
    # = 0.7674558, ZeroInflatedNegativeBinomial(3., logits=0.2, inflated_loc_logits=0.5).prob(0.)
    # = 0.75559306
    assert np.isclose(np.exp(tfd.Inflated(tfd.Poisson(2.0), inflated_loc_logits=0.5).log_prob(0.0).numpy()),
                      0.7674558, rtol=1e-6)
    zinb = tfd.ZeroInflatedNegativeBinomial(total_count=3.0, logits=0.2, inflated_loc_logits=0.5)
    assert np.isclose(np.exp(zinb.log_prob(0.0).numpy()), 0.75559306, rtol=1e-6)
    l = f64([0.3, -1.0])
    d = tfd.Inflated(tfd.Poisson(f64([2.0, 0.5])), inflated_loc_logits=l, inflated_loc=f64(2.0))
    pi = 1 / (1 + np.exp(-2.0 * l))
    _close(d.mean(), pi * 2.0 + (1 - pi) * np.array([2.0, 0.5]), rtol=1e-12)
    import scipy.stats as st
    want = np.log(pi * np.array([0.0, 1.0]) + (1 - pi) * st.poisson([2.0, 0.5]).pmf([0.0, 2.0]))
    _close(d.log_prob(f64([0.0, 2.0])), want, rtol=1e-12)
    with pytest.raises(ValueError, match="`inflated_loc_logits` and `inflated_loc_probs`"):
        tfd.Inflated(tfd.Poisson(f64(1.0)))


def test_inflated_batch_slicing_and_samples():
    d = tfd.Inflated(tfd.Poisson(f64([2.0, 0.5, 7.0])), inflated_loc_probs=f64(0.4))
    sub = d[1:]
    assert sub.batch_shape == (2,)
    _close(sub.log_prob(f64([0.0, 3.0])), d.log_prob(f64([0.0, 0.0, 3.0])).numpy()[1:])
    x = d.sample(20000, seed=6).numpy()
    np.testing.assert_allclose((x == 0).mean(0), np.exp(d.log_prob(f64(0.0)).numpy()), atol=0.015)


def test_lambertw_tail_bijector_matches_tfp():
    b = tfp.bijectors.LambertWTail(f64(0.3), f64(2.0), f64([0.0, 0.1, 0.5]))
    x = f64([4.0, -1.0, 10.0])
    _close(b.forward(x), [4.0, -1.02775463, 3473.21954])
    _close(b.inverse(x), [4.0, -0.97389503, 4.14682344])
    _close(b.forward_log_det_jacobian(x, event_ndims=0), [0.0, 0.06250684, 8.42703824])
    _close(b.inverse_log_det_jacobian(x, event_ndims=0), [0.0, -0.06005395, -1.97211165])
    np.testing.assert_allclose(b.inverse(b.forward(x)).numpy(), x, rtol=1e-12)
    assert b._is_increasing() and b.forward_min_event_ndims == 0
    with pytest.raises(ValueError, match="`tailweight` must be non-negative"):
        tfp.bijectors.LambertWTail(0.0, 1.0, f64(-0.5), validate_args=True)


def test_lambertw_tail_log_dets_and_second_derivatives():
    from gradients import check_gradients
    b = tfp.bijectors.LambertWTail(f64(0.3), f64(2.0), f64(0.4))
    y = f64([-30.0, -1.0, 0.3, 2.0, 500.0])
    # the inverse's log-derivative against central differences of the inverse
    h = 1e-6
    fd = (b.inverse(y + h).numpy() - b.inverse(y - h).numpy()) / (2 * h)
    np.testing.assert_allclose(b.inverse_log_det_jacobian(y, event_ndims=0).numpy(), np.log(fd), rtol=1e-6, atol=1e-9)
    # through W (probability.math.lambertw) to second order, in y and in the tail weight
    check_gradients(lambda t, d: tfp.bijectors.LambertWTail(f64(0.3), f64(2.0), d).inverse_log_det_jacobian(
        t, event_ndims=0), [f64([-1.0, 0.3, 2.0]), f64(0.4)], order=2, modes=("rev",), jacobian=False,
        atol=1e-6, rtol=1e-5)


def test_lambertw_normal_matches_tfp():
    d = tfd.LambertWNormal(f64([0.5, -1.0]), f64([1.3, 0.7]), f64([0.2, 0.0]))
    x = f64([0.3, 2.2])
    _close(d.log_prob(x), [-1.20013764, -11.01124318])
    _close(d.cdf(x), [0.43900824, 0.99999758])
    _close(d.log_survival_function(x), [-0.57804906, -12.93089542])
    _close(d.quantile(f64(0.3)), [-0.20072785, -1.36708036])
    _close(d.variance(), [3.63630103, 0.49])
    _close(d.mode(), [0.5, -1.0])
    _missing(d, "entropy")
    assert d.experimental_default_event_space_bijector().__class__.__name__ == "Identity"
    d = tfd.LambertWNormal(f64([0.5, -1.0]), f64([1.3, 0.7]), f64([0.6, 0.45]))
    _close(d.mean(), [0.5, -1.0])
    _close(d.variance(), [np.inf, 15.49516053])
    _close(tfd.LambertWNormal(f64(0.0), f64(1.0), f64([0.5, 1.5])).mean(), [0.0, np.nan])
    assert float(tfd.LambertWNormal(f64(0.5), f64(1.3)).tailweight) == 0.0


def test_lambertw_distribution_matches_tfp():
    d = tfd.LambertWDistribution(tfd.StudentT(f64(5.0), f64(0.3), f64(2.0)), shift=f64(0.3), scale=f64(2.0),
                                 tailweight=f64([0.1, 0.3]))
    x = f64([4.0, -1.0])
    _close(d.log_prob(x), [-3.29512787, -2.04382333])
    _close(d.cdf(x), [0.91713238, 0.28296445])
    _close(d.log_survival_function(x), [-2.49051094, -0.33262986])
    _close(d.quantile(f64(0.3)), [-0.83650499, -0.87263564])
    assert isinstance(d, tfd.TransformedDistribution)
    _missing(d, "mean", "variance", "mode", "entropy")
    sub = d[1:]
    assert sub.batch_shape == (1,)
    _close(sub.log_prob(x[1:]), [-2.04382333])


def test_beta_quotient_matches_tfp():
    d = tfd.BetaQuotient(f64([3.0, 1.5]), f64([0.5, 2.0]), f64(2.0), f64([1.2, 4.0]))
    w = f64([[1.0], [1e-8], [1e6], [0.3], [2.2]])
    _close(d.log_prob(w), [[0.06119382, -0.85275171], [-37.97474014, -9.43448343], [-40.74768665, -39.88588583],
                           [-3.4016107, -0.97695234], [-1.77370907, -1.78564991]])
    _close(d.mean(), [1.88571429, 2.14285714])
    assert d.experimental_default_event_space_bijector().__class__.__name__ == "Exp"
    _missing(d, "variance", "mode", "entropy")
    with pytest.raises(NotImplementedError, match="cdf"):
        d.cdf(f64(1.0))


def test_beta_quotient_outside_and_at_one():
    # TFP 0.25 gives NaN below 0 and at w = 1 when b0 + b1 <= 1; the density there is 0 and infinite
    d = tfd.BetaQuotient(f64(0.3), f64(0.4), f64(0.5), f64(0.2))
    _close(d.log_prob(f64([-1.0, 0.0, 1.0, 0.5])), [-np.inf, -np.inf, np.inf, -0.97768555])


def test_beta_quotient_small_concentrations_against_scipy_hyp2f1():
    import scipy.special as sp
    a0, b0, a1, b1 = 0.05, 0.6, 0.08, 0.7
    w = np.array([1e-6, 0.2, 0.9, 1.3, 50.0])
    norm = -sp.betaln(a0, b0) - sp.betaln(a1, b1)
    want = np.where(w <= 1, norm + sp.betaln(a0 + a1, b1) + (a0 - 1) * np.log(w)
                    + np.log(sp.hyp2f1(a0 + a1, 1 - b0, a0 + a1 + b1, np.minimum(w, 1))),
                    norm + sp.betaln(a0 + a1, b0) - (a1 + 1) * np.log(w)
                    + np.log(sp.hyp2f1(a0 + a1, 1 - b1, a0 + a1 + b0, 1 / np.maximum(w, 1))))
    got = tfd.BetaQuotient(f64(a0), f64(b0), f64(a1), f64(b1)).log_prob(f64(w)).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-8)


def test_beta_quotient_draws_are_ratios_of_betas():
    import scipy.stats as st
    d = tfd.BetaQuotient(f64([3.0, 0.4]), f64([0.5, 0.7]), f64([2.0, 6.0]), f64([1.2, 0.45]))
    x = d.sample(4000, seed=8).numpy()
    rng = np.random.default_rng(0)
    ref = rng.beta([3.0, 0.4], [0.5, 0.7], size=(4000, 2)) / rng.beta([2.0, 6.0], [1.2, 0.45], size=(4000, 2))
    for j in range(2):
        assert st.ks_2samp(x[:, j], ref[:, j]).pvalue > 1e-3
