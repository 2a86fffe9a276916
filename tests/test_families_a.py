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


# -- JohnsonSU, Triangular, TruncatedCauchy, DoublesidedMaxwell --------------------------------------

def test_methods_tfp_does_not_implement():
    cases = [(tfd.JohnsonSU(0.0, 1.0, 0.0, 1.0), ("mode", "entropy")),
             (tfd.Triangular(), ("mode",)),
             (tfd.TruncatedCauchy(0.0, 1.0, -1.0, 1.0), ("entropy",)),
             (tfd.DoublesidedMaxwell(0.0, 1.0), ("mode", "entropy"))]
    for d, methods in cases:
        for m in methods:
            with pytest.raises(NotImplementedError, match=type(d).__name__):
                getattr(d, m)()
    with pytest.raises(NotImplementedError, match="Triangular"):
        tfd.Triangular().quantile(0.3)
    for m in ("cdf", "survival_function", "log_cdf"):
        with pytest.raises(NotImplementedError, match="DoublesidedMaxwell"):
            getattr(tfd.DoublesidedMaxwell(0.0, 1.0), m)(0.5)


def test_triangular_peak_at_an_end():
    # TFP 0.25 gives NaN at x = low = peak; the density there is its limit 2 / (high - low)
    d = tfd.Triangular(f64(0.0), f64(2.0), f64([0.0, 2.0]))
    np.testing.assert_allclose(d.prob(f64([0.0, 2.0])).numpy(), [1.0, 1.0])
    np.testing.assert_allclose(d.prob(f64([0.5, 0.5])).numpy(), [0.75, 0.25])
    np.testing.assert_allclose(d.cdf(f64([0.5, 0.5])).numpy(), st.triang([0.0, 1.0], 0.0, 2.0).cdf(0.5))
    x = d.sample(2000, seed=3).numpy()
    assert np.all((x >= 0) & (x <= 2))
    with pytest.raises(ValueError, match="`peak`"):
        tfd.Triangular(f64(0.0), f64(2.0), f64(3.0), validate_args=True)


def test_truncated_cauchy_matches_tfp_moments_and_outside_values():
    d = tfd.TruncatedCauchy(f64([0.0, 1.5, -2.0]), f64([1.0, 0.5, 3.0]), f64([-1.0, 2.0, -10.0]),
                            f64([1.0, 6.0, -1.0]))
    # printed by TFP 0.25
    np.testing.assert_allclose(d.mean().numpy(), [0.0, 2.8759251270815653, -3.944098168298665], atol=1e-12, rtol=1e-12)
    np.testing.assert_allclose(d.variance().numpy(), [0.2732395447351627, 0.8209305977002974, 4.824093456689046],
                               rtol=1e-12)
    np.testing.assert_allclose(d.mode().numpy(), [0.0, 2.0, -2.0])
    np.testing.assert_allclose(d.quantile(f64(0.3)).numpy(), [-0.3249197, 2.25823055, -4.80541461], rtol=1e-7)
    x = f64([-2.0, 7.0, 0.0])   # below, above, above
    assert np.all(np.isneginf(d.log_prob(x).numpy()))
    np.testing.assert_array_equal(d.cdf(x).numpy(), [0.0, 1.0, 1.0])
    np.testing.assert_array_equal(d.survival_function(x).numpy(), [1.0, 0.0, 0.0])
    # far in a tail the normalizer keeps its digits: atan(b) - atan(a) for a = 1e6, b = 2e6
    far = tfd.TruncatedCauchy(f64(0.0), f64(1.0), f64(1e6), f64(2e6))
    np.testing.assert_allclose(far.log_prob(f64(1.5e6)).numpy(),
                               -np.log1p(1.5e6 ** 2) - np.log(np.arctan(1e6 / (1 + 2e12))), rtol=1e-12)
    assert d.reparameterization_type is tfd.NOT_REPARAMETERIZED


def test_doublesided_maxwell_samples_are_maxwell_in_absolute_value():
    d = tfd.DoublesidedMaxwell(f64(1.0), f64(2.0))
    x = d.sample(4000, seed=5).numpy()
    assert st.kstest(np.abs(x - 1.0) / 2.0, st.maxwell.cdf).pvalue > 1e-3
    assert 0.45 < np.mean(x > 1.0) < 0.55


def test_tfp_names_of_batch_b():
    assert tfd.JohnsonSU(0.0, 1.0, 0.0, 1.0).name == "JohnsonSU"
    assert tfd.DoublesidedMaxwell(0.0, 1.0).name == "doublesided_maxwell"
    assert tfd.Triangular().dtype == np.float32 and tfd.Triangular().batch_shape == ()


# -- PERT, LogLogistic -------------------------------------------------------------------------------

def test_pert_matches_tfp():
    d = tfd.PERT(f64([0.0, -1.5]), f64([0.5, 0.0]), f64([2.0, 0.5]), temperature=f64([4.0, 2.0]))
    # printed by TFP 0.25
    np.testing.assert_allclose(d.mean().numpy(), [0.6666666666666666, -0.25], rtol=1e-12)
    np.testing.assert_allclose(d.variance().numpy(), [0.126984126984127, 0.1875], rtol=1e-12)
    np.testing.assert_allclose(d.entropy().numpy(), [0.33074824033928685, 0.5045437330760126], rtol=1e-12)
    np.testing.assert_allclose(d.quantile(f64(0.3)).numpy(), [0.4360538315264494, -0.48100517514331753], rtol=1e-10)
    x = f64([-1.0, 3.0])
    assert np.all(np.isnan(d.log_prob(x).numpy()))     # TFP 0.25: nan outside the support
    np.testing.assert_array_equal(d.cdf(x).numpy(), [0.0, 1.0])
    assert not d.allow_nan_stats and tfd.PERT(0.0, 0.5, 1.0).parameters["temperature"] == 4.0
    with pytest.raises(ValueError, match="`high`"):
        tfd.PERT(f64(0.0), f64(3.0), f64(2.0), validate_args=True)


def test_log_logistic_matches_tfp_and_undefined_moments():
    d = tfd.LogLogistic(f64([0.0, 1.5, -2.0]), f64([0.3, 0.6, 1.5]))
    # printed by TFP 0.25
    np.testing.assert_allclose(d.mean().numpy(), [1.16496662323528, 8.882526675004591, np.nan], rtol=1e-12)
    np.testing.assert_allclose(d.variance().numpy(), [0.6248123662642637, np.nan, np.nan], rtol=1e-12)
    np.testing.assert_allclose(d.mode().numpy(), [0.8305129454423401, 1.9507684723504426, 0.0], rtol=1e-12)
    np.testing.assert_allclose(d.entropy().numpy(), [0.7960271956740639, 2.9891743762340095, 0.4054651081081644],
                               rtol=1e-12)
    with pytest.raises(ValueError, match="mean"):
        tfd.LogLogistic(f64(0.0), f64(1.5), allow_nan_stats=False).mean()
    x = f64([-1.0, 0.0, 0.0])
    # TFP 0.25: NaN below 0 (its log(x)); at 0 the density's limit: 0 for scale < 1, inf for scale > 1
    np.testing.assert_array_equal(d.log_prob(x).numpy(), [np.nan, -np.inf, np.inf])
    np.testing.assert_array_equal(tfd.LogLogistic(f64(0.7), f64(1.0)).log_prob(f64(0.0)).numpy(), np.nan)
    np.testing.assert_array_equal(d.cdf(x).numpy(), [np.nan, 0.0, 0.0])   # TFP 0.25


# -- LogitNormal ---------------------------------------------------------------------------------------

def test_logit_normal_approximate_moments():
    d = tfd.LogitNormal(f64([0.0, 1.5, -2.0]), f64([1.0, 0.5, 3.0]))
    # TFP 0.25's Gauss-Hermite values (gauss_hermite_scale_limit=10., degree 20)
    np.testing.assert_allclose(d.mean_approx().numpy(), [0.5000000000000001, 0.8063092794229075, 0.28243654172871857],
                               rtol=1e-12)
    np.testing.assert_allclose(d.variance_approx().numpy(),
                               [0.04337903698621874, 0.005877289133209732, 0.10591439182654955], rtol=1e-10)
    # TFP's default probit-mixture approximation is within 3e-3 of these
    np.testing.assert_allclose(d.variance_approx().numpy(), [0.04337866656462375, 0.0058778777720909225,
                                                             0.10565614247828088], rtol=3e-3)
    np.testing.assert_allclose(d.stddev_approx().numpy(), np.sqrt(d.variance_approx().numpy()))
    # against adaptive quadrature of the density
    import scipy.integrate as si
    import scipy.special as sp
    m = si.quad(lambda x: sp.expit(x) * st.norm(1.5, 0.5).pdf(x), -np.inf, np.inf)[0]
    np.testing.assert_allclose(d.mean_approx().numpy()[1], m, rtol=1e-10)
    for method in ("mean", "variance", "mode", "entropy"):
        with pytest.raises(NotImplementedError, match="LogitNormal"):
            getattr(d, method)()


def test_logit_normal_kl_outside_values_and_arguments():
    a = tfd.LogitNormal(f64([0.0, 1.5, -2.0]), f64([1.0, 0.5, 3.0]))
    b = tfd.LogitNormal(f64([0.5, 1.0, 0.0]), f64([2.0, 0.7, 1.0]))
    np.testing.assert_allclose(probability.kl_divergence(a, b).numpy(),
                               [0.3493971805599453, 0.3466763182538659, 4.901387711331891], rtol=1e-12)   # TFP 0.25
    y = f64([0.0, 1.0, 1.5])
    np.testing.assert_array_equal(a.log_prob(y).numpy(), [np.nan, np.nan, np.nan])   # TFP 0.25 (its logit)
    np.testing.assert_array_equal(a.cdf(y).numpy(), [0.0, 1.0, np.nan])   # TFP 0.25
    with pytest.raises(ValueError, match="`num_probit_terms_approx`"):
        tfd.LogitNormal(0.0, 1.0, num_probit_terms_approx=9)
    c = a.copy(gauss_hermite_degree=10)
    assert c.gauss_hermite_degree == 10 and c.num_probit_terms_approx == 2
    assert isinstance(a.distribution, tfd.Normal)


# -- NoncentralChi2 ------------------------------------------------------------------------------------

def test_noncentral_chi2_matches_tfp():
    d = tfd.NoncentralChi2(f64([0.7, 3.0, 12.0]), f64([2.0, 0.5, 30.0]))
    x = f64([0.3, 2.5, 60.0])
    # printed by TFP 0.25
    np.testing.assert_allclose(d.log_prob(x).numpy(), [-1.1710435056892512, -1.7605101407950265, -4.621541536441034],
                               rtol=1e-10)
    np.testing.assert_allclose(d.cdf(x).numpy(), [0.2269624852001259, 0.45397375055555655, 0.9232695767002919],
                               rtol=1e-10)
    np.testing.assert_allclose(d.survival_function(x).numpy(), [0.773037514799874, 0.5460262494444434,
                                                                0.07673042329970814], rtol=1e-10)
    np.testing.assert_allclose(d.quantile(f64(0.3)).numpy(), [0.5760445776056707, 1.6748010968239975,
                                                              35.06557441165244], rtol=1e-9)
    # at 0: infinite for df < 2, exp(-nc / 2) / 2 for df = 2, 0 above
    np.testing.assert_allclose(d.log_prob(f64([0.0, 0.0, -1.0])).numpy(), [np.inf, -np.inf, np.nan])   # TFP: NaN below 0
    np.testing.assert_allclose(tfd.NoncentralChi2(f64(2.0), f64(1.0)).log_prob(f64(0.0)).numpy(), -1.1931471805599454)


def test_noncentral_chi2_limits_and_extremes():
    # zero noncentrality is the central chi-square; a large one keeps its digits (SciPy's ncx2)
    d = tfd.NoncentralChi2(f64([3.0, 5.0, 50.0]), f64([0.0, 1e4, 200.0]))
    x = np.array([1.5, 1.1e4, 100.0])
    want = [st.chi2(3.0).logpdf(1.5), st.ncx2(5.0, 1e4).logpdf(1.1e4), st.ncx2(50.0, 200.0).logpdf(100.0)]
    np.testing.assert_allclose(d.log_prob(f64(x)).numpy(), want, rtol=1e-9)
    want = [st.chi2(3.0).cdf(1.5), st.ncx2(5.0, 1e4).cdf(1.1e4), st.ncx2(50.0, 200.0).cdf(100.0)]
    np.testing.assert_allclose(d.cdf(f64(x)).numpy(), want, rtol=1e-8)
    np.testing.assert_allclose(d.quantile(f64(0.01)).numpy(),
                               [st.chi2(3.0).ppf(0.01), st.ncx2(5.0, 1e4).ppf(0.01), st.ncx2(50.0, 200.0).ppf(0.01)],
                               rtol=1e-9)
    assert d.reparameterization_type is tfd.NOT_REPARAMETERIZED
    for method in ("mode", "entropy"):
        with pytest.raises(NotImplementedError, match="NoncentralChi2"):
            getattr(d, method)()


# -- NormalInverseGaussian -----------------------------------------------------------------------------

_NIG = dict(loc=np.array([0.0, 1.5, -2.0]), scale=np.array([1.0, 0.5, 3.0]), tailweight=np.array([1.0, 2.5, 0.8]),
            skewness=np.array([0.0, 1.0, -0.6]))


def test_normal_inverse_gaussian_log_prob_gradients_in_every_parameter():
    from gradients import check_gradients
    names = list(_NIG)

    def f(*ps):
        return tfd.NormalInverseGaussian(*ps).log_prob(f64([0.3, 4.0, -5.0]))
    check_gradients(f, [_NIG[k] for k in names], order=2, modes=("rev",), jacobian=False, atol=1e-5, rtol=1e-4)


def test_normal_inverse_gaussian_sample_gradients_in_expectation():
    # d/dtheta E[X] and E[X**2] from the closed-form moments against the mean pathwise gradient
    params = {k: v[1:] for k, v in _NIG.items()}
    ts = {k: f64(v) for k, v in params.items()}
    with wb.GradientTape() as tape:
        tape.watch(list(ts.values()))
        x = tfd.NormalInverseGaussian(**ts).sample(40000, seed=(9, 0))
        m1, m2 = wb.reduce_mean(x, axis=0), wb.reduce_mean(wb.square(x), axis=0)
        target = wb.reduce_sum(m1) + 0.1 * wb.reduce_sum(m2)
    got = tape.gradient(target, list(ts.values()))

    def exact(p):
        d = tfd.NormalInverseGaussian(**{k: f64(v) for k, v in p.items()})
        mean, var = d.mean().numpy(), d.variance().numpy()
        return mean + 0.1 * (var + mean ** 2)
    for g, k in zip(got, ts):
        h = 1e-6
        up, down = dict(params), dict(params)
        up[k], down[k] = params[k] + h, params[k] - h
        want = (exact(up) - exact(down)) / (2 * h)
        np.testing.assert_allclose(g.numpy(), want, rtol=0.05, atol=0.02, err_msg=k)


def test_normal_inverse_gaussian_matches_tfp():
    d = tfd.NormalInverseGaussian(*(f64(v) for v in _NIG.values()))
    x = f64([0.3, 4.0, -5.0])
    np.testing.assert_allclose(d.log_prob(x).numpy(), [-0.7695378067416463, -5.2311708204753335, -2.0090124647500422],
                               rtol=1e-10)   # printed by TFP 0.25
    np.testing.assert_allclose(d.mean().numpy(), [0.0, 1.7182178902359924, -5.4016802570830444], rtol=1e-12)
    np.testing.assert_allclose(d.variance().numpy(), [1.0, 0.25978320266189575, 12.958781931744932], rtol=1e-12)
    with pytest.raises(ValueError, match="`skewness`"):
        tfd.NormalInverseGaussian(0.0, 1.0, f64(1.0), f64(-1.0), validate_args=True)
    for method in ("cdf", "quantile"):
        with pytest.raises(NotImplementedError, match="NormalInverseGaussian"):
            getattr(d, method)(f64(0.3))


# -- ContinuousBernoulli -------------------------------------------------------------------------------

def test_continuous_bernoulli_matches_tfp():
    a = tfd.ContinuousBernoulli(logits=f64([-3.0, 0.005, 0.7, 8.0]), dtype=np.float64)
    b = tfd.ContinuousBernoulli(logits=f64([1.0, -0.5, 0.7, 2.0]), dtype=np.float64)
    # printed by TFP 0.25 (float64)
    np.testing.assert_allclose(probability.kl_divergence(a, b).numpy(),
                               [0.5672557768554197, 0.010604425905300086, 0.0, 0.4932298733641529], rtol=1e-10)
    want = {"mean": [0.28093763684207734, 0.5004166664930555, 0.5578624350630348, 0.8753355752008409],
            "variance": [0.055970105609051336, 0.08333322916677, 0.08133069557133465, 0.015289312188443335],
            "entropy": [-0.3068685590845788, -1.0416660155554425e-06, -0.020169763413777186, -1.082461662194639],
            "mode": [0.0, 1.0, 1.0, 1.0]}
    for m, v in want.items():
        np.testing.assert_allclose(getattr(a, m)().numpy(), v, rtol=1e-8, err_msg=m)
    x = f64([0.3, 0.5, 0.95, 0.9])
    want = {"log_prob": [0.24968146961081084, -1.0416664497636674e-06, 0.2946660588696528, 1.2797770605879122],
            "cdf": [0.6245235362563352, 0.4993750003255208, 0.9316774341284187, 0.449144172573758],
            "survival_function": [0.3754764637436648, 0.5006249996744792, 0.06832256587158123, 0.5508558274262421]}
    for m, v in want.items():
        np.testing.assert_allclose(getattr(a, m)(x).numpy(), v, rtol=1e-8, err_msg=m)
    np.testing.assert_allclose(a.quantile(f64(0.3)).numpy(),
                               [0.11185402740763739, 0.30052534971496003, 0.37933277232915896, 0.8496012044524812],
                               rtol=1e-10)


def _cb_exact(l, x):
    """mean, variance, log_prob(x), cdf(x), entropy of ContinuousBernoulli(logits=l) in 60-digit decimals."""
    from decimal import Decimal, getcontext
    getcontext().prec = 60
    l, x = Decimal(float(l)), Decimal(float(x))
    em1 = l.exp() - 1
    mean = 1 / (1 - (-l).exp()) - 1 / l
    sinh = ((l / 2).exp() - (-l / 2).exp()) / 2
    log_base = (l / em1).ln()
    return [float(v) for v in (mean, 1 / l ** 2 - 1 / (4 * sinh ** 2), x * l + log_base, ((x * l).exp() - 1) / em1,
                               -(l * mean + log_base))]


@pytest.mark.parametrize("l", [-300.0, -20.0, -0.06, -0.02, -3e-3, -1e-6, 1e-9, 2e-5, 8e-3, 0.011, 0.049, 0.7, 35.0])
def test_continuous_bernoulli_precision_near_half_and_in_the_tails(l):
    d = tfd.ContinuousBernoulli(logits=f64(l), dtype=np.float64)
    x = f64(0.37)
    got = [d.mean(), d.variance(), d.log_prob(x), d.cdf(x), d.entropy()]
    for name, g, w, tol in zip(("mean", "variance", "log_prob", "cdf", "entropy"), got, _cb_exact(l, 0.37),
                               (1e-13, 1e-11, 1e-12, 1e-13, 1e-10)):
        np.testing.assert_allclose(g.numpy(), w, rtol=tol, err_msg=name)


def test_continuous_bernoulli_dtypes_and_arguments():
    d = tfd.ContinuousBernoulli(logits=f64([-1.0, 2.0]))   # TFP: dtype (of samples and mode) float32
    assert d.dtype == np.float32 and d.sample(3, seed=1).dtype == np.float32 and d.mode().dtype == np.float32
    assert d.mean().dtype == np.float64
    np.testing.assert_allclose(d.log_prob(np.float32([0.25, 0.75])).numpy(),
                               d.log_prob(f64([0.25, 0.75])).numpy(), rtol=1e-7)
    with pytest.raises(ValueError, match="exactly one"):
        tfd.ContinuousBernoulli()
    p = tfd.ContinuousBernoulli(probs=f64(0.5), dtype=np.float64)
    np.testing.assert_allclose([p.mean().numpy(), p.variance().numpy(), p.log_prob(f64(0.9)).numpy()],
                               [0.5, 1.0 / 12.0, 0.0], atol=1e-15)
    assert np.isneginf(p.log_prob(f64(1.5)).numpy())
