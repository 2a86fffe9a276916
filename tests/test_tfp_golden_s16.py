"""TFP 0.25 golden values, session 16: ordinary parameters and the tails the edge sweep found
off. Numbers are TFP 0.25's (CPU) unless a comment says scipy/mpmath: where TFP's value is off
the mathematics we pin the right value and say so."""

import numpy as np
import pytest
import scipy.stats as st

import gradients
import workbench as wb
from probability import distributions as tfd

NAN, INF = np.nan, np.inf


def arr(v, dtype=np.float64):
    return np.asarray(v, dtype=dtype)


def close(actual, expected, rtol=1e-6, atol=1e-12):
    actual = np.asarray(actual.numpy() if hasattr(actual, "numpy") else actual)
    np.testing.assert_allclose(actual, arr(expected, actual.dtype), rtol=rtol, atol=atol, equal_nan=True)


# -- StudentT with a huge df ---------------------------------------------------------------------

def test_student_t_quantile_huge_df_float32():
    d = tfd.StudentT(arr([1e10], np.float32), arr(0.0, np.float32), arr(1.0, np.float32))
    q = d.quantile(arr([[1e-6], [0.1], [0.5], [0.9]], np.float32))
    assert q.dtype == wb.float32
    close(q, [[-4.753424], [-1.2815517], [0.0], [1.2815515]], rtol=2e-6, atol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_student_t_quantile_large_df_matches_scipy(dtype):
    dfs = arr([1e4, 3e4, 2e3, 3.0, 1e7], dtype)
    d = tfd.StudentT(dfs, arr(0.5, dtype), arr(2.0, dtype))
    p = arr([[1e-6], [0.1], [0.3], [0.7], [0.9], [1 - 1e-6]], dtype)
    expected = st.t.ppf(p.astype(np.float64), dfs.astype(np.float64), 0.5, 2.0)
    close(d.quantile(p), expected, rtol=2e-6 if dtype == np.float32 else 1e-10)


def test_student_t_log_cdf_huge_df_far_tail():
    d = tfd.StudentT(arr([1e10]), arr(0.0), arr(1.0))
    close(d.log_cdf(arr([[-30.0], [-2.5], [0.7], [3.0]])),
          [[-454.32122366], [-5.081648276], [-0.2770239422879], [-1.350809968077e-03]], rtol=1e-6)


def test_student_t_float32_tails_large_df():
    # float32 works in float64 inside: values against scipy to float32 precision
    dfs = arr([1e4, 3e4, 2e3, 3.0], np.float32)
    d = tfd.StudentT(dfs, arr(0.0, np.float32), arr(1.0, np.float32))
    x = arr([[-3.0], [-2.1], [2.5]], np.float32)
    close(d.cdf(x), st.t.cdf(x.astype(np.float64), dfs.astype(np.float64)), rtol=1e-6)
    close(d.survival_function(x), st.t.sf(x.astype(np.float64), dfs.astype(np.float64)), rtol=1e-6)


# -- GeneralizedNormal's quantile in the tails (float32) -------------------------------------

def test_generalized_normal_quantile_small_p_float32():
    d = tfd.GeneralizedNormal(arr([0.0, 1.0, -2.0], np.float32), arr([1.0, 0.5, 3.0], np.float32),
                              arr([1.0, 2.0, 0.5], np.float32))
    q = d.quantile(arr([[1e-6], [0.1], [0.5]], np.float32))
    close(q, [[-13.122363, -0.68058932, -765.4751], [-1.6094378, 0.54690301, -28.897648],
              [0.0, 1.0, -2.0]], rtol=2e-6)


# -- ExponentiallyModifiedGaussian log-tails --------------------------------------------------

EMG = dict(loc=[0.0, 1.0, -2.0], scale=[1.0, 0.5, 3.0], rate=[1.0, 5.0, 0.2])
EMG_X = [[-30.0], [-2.5], [0.0], [3.0], [40.0]]


def test_emg_log_cdf_far_lower_tail_float64():
    d = tfd.ExponentiallyModifiedGaussian(**{k: arr(v) for k, v in EMG.items()})
    close(d.log_cdf(arr(EMG_X)),
          [[-4.577573380134e+02, -1.930297197332e+03, -4.954606111082e+01],
           [-6.477802217013e+00, -2.874399182197e+01, -1.962136086135e+00],
           [-1.433714290324e+00, -4.485323427243e+00, -1.124176430721e+00],
           [-8.508681426461e-02, -9.964334321086e-04, -5.537563143373e-01],
           [-7.004352026169e-18, -4.674619698418e-84, -2.692513097865e-04]], rtol=1e-9, atol=0)


def test_emg_log_cdf_float32_and_log_survival():
    d = tfd.ExponentiallyModifiedGaussian(**{k: arr(v, np.float32) for k, v in EMG.items()})
    close(d.log_cdf(arr(EMG_X, np.float32))[0], [-457.75656, -1930.2931, -49.545975], rtol=5e-6)
    # log survival: a log-sum of the two terms (mpmath values)
    d64 = tfd.ExponentiallyModifiedGaussian(**{k: arr(v) for k, v in EMG.items()})
    close(d64.log_survival_function(arr(EMG_X)),
          [[0.0, 0.0, -3.03682005999e-22],
           [-0.00153836805099, -3.28581391035e-13, -0.151471770365],
           [-0.27236229924, -0.0113372654689, -0.392924004456],
           [-2.50632496783, -6.91182639759, -0.855164284923],
           [-39.5, -191.875, -8.22]], rtol=1e-10, atol=1e-190)


# -- TruncatedNormal ---------------------------------------------------------------------------

TN = dict(loc=[0.0, 1.0, -2.0], scale=[1.0, 0.5, 3.0], low=[-1.0, 0.0, -10.0], high=[1.0, 5.0, 0.0])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_truncated_normal_quantile_reaches_the_bounds(dtype):
    # p = 1 gives high (TFP: inf in float32, 4.9958 in float64; scipy: high)
    d = tfd.TruncatedNormal(**{k: arr(v, dtype) for k, v in TN.items()})
    p = arr([[0.0], [0.1], [0.9], [1.0]], dtype)
    a = (arr(TN["low"]) - TN["loc"]) / arr(TN["scale"])
    b = (arr(TN["high"]) - TN["loc"]) / arr(TN["scale"])
    expected = st.truncnorm.ppf(p.astype(np.float64), a, b, TN["loc"], TN["scale"])
    close(d.quantile(p), expected, rtol=1e-6 if dtype == np.float32 else 1e-12, atol=1e-6)


def test_truncated_normal_cdf_gradient_off_the_support_is_zero():
    x = arr([[-2.5], [0.0], [0.7], [3.0]])
    with gradients.GradientTape() as tape:
        loc, scale, low, high = (wb.constant(arr(TN[k])) for k in ("loc", "scale", "low", "high"))
        for v in (loc, scale, low, high):
            tape.watch(v)
        total = wb.reduce_sum(tfd.TruncatedNormal(loc, scale, low, high).cdf(x))
    g = tape.gradient(total, [loc, scale, low, high])
    # TFP 0.25 (its NaN at x == low, a point where the CDF is 0 whatever loc is, is not followed)
    close(g[0].numpy()[[0, 2]], [-0.332881591627, -0.091406828879])
    close(g[1].numpy()[[0, 2]], [-0.052237894668, 0.07883749835])
    close(g[2].numpy(), [-0.220470624588, -0.082062357171, -0.002154588436])
    close(g[3].numpy(), [-4.884042806388e-01, -1.300046076797e-14, -2.259714099425e-01], atol=1e-12)


# -- Uniform: NaN in, NaN out; x-gradient zeros ----------------------------------------------

def test_uniform_log_prob_nan_and_x_gradient():
    x = wb.constant(arr([0.05, 0.3, NAN, 2.0]))
    with gradients.GradientTape() as tape:
        tape.watch(x)
        y = tfd.Uniform(arr(0.0), arr(1.0)).log_prob(x)
        total = wb.reduce_sum(y)
    close(y, [0.0, 0.0, NAN, -INF])
    close(tape.gradient(total, x), [0.0, 0.0, 1.0, 0.0])


# -- Skellam far from the mode: log of the scaled Bessel function (scipy) ----------------------

def test_skellam_log_prob_where_the_bessel_function_underflows():
    d = tfd.Skellam(arr([50.0, 1e4]), arr([1e-3, 1e4]))
    x = arr([[300.0], [-5.0], [1000.0]])
    expected = st.skellam.logpmf(x, [50.0, 1e4], [1e-3, 1e4])
    expected[2, 0] = -2050.10612310997  # mpmath (scipy's pmf underflows there)
    close(d.log_prob(x), expected, rtol=1e-9)


# -- Multinomial: log(probs) as given (TFP's gradient in probs is x / probs) -------------------

def test_multinomial_probs_gradient():
    with gradients.GradientTape() as tape:
        n = wb.constant(arr([4.0, 5.0]))
        probs = wb.constant(arr([[0.2, 0.3, 0.5], [0.6, 0.1, 0.3]]))
        tape.watch(n)
        tape.watch(probs)
        total = wb.reduce_sum(tfd.Multinomial(n, probs=probs).log_prob(arr([[1.0, 1.0, 2.0], [0.0, 4.0, 0.0]])))
    gn, gp = tape.gradient(total, [n, probs])
    close(gn, [1.506117668432, 1.706117668432])
    close(gp, [[5.0, 3.333333333333, 4.0], [0.0, 40.0, 0.0]])


# -- statistics TFP computes that were missing ---------------------------------------------------

def test_transformed_distribution_affine_mode_and_stddev():
    d = tfd.TransformedDistribution(tfd.Gamma(arr([2.0, 1.5]), arr([1.0, 2.0])), tfb_shift(1.0))
    close(d.mode(), [2.0, 1.25])
    close(d.stddev(), [1.41421356237, 0.61237243570])
    close(d.variance(), [2.0, 0.375])


def tfb_shift(v):
    from probability import bijectors as tfb
    return tfb.Shift(arr(v))


def test_lambertw_normal_stddev_from_its_variance():
    d = tfd.LambertWNormal(arr([0.0, 1.5, -2.0]), arr([1.0, 0.3, 2.5]), tailweight=arr([0.05, 0.1, 0.3]))
    close(d.stddev(), [1.082226384917, 0.354653103376, 4.970442054794])
    close(d.variance(), [1.171213948211, 0.125778823734, 24.705294220065])


def test_masked_and_batch_broadcast_quantile():
    p = arr([[0.1], [0.5], [0.9]], np.float32)
    m = tfd.Masked(tfd.Normal(arr([0.0, 1.0], np.float32), arr([1.0, 2.0], np.float32)), validity_mask=[True, False])
    q = m.quantile(p).numpy()
    close(q[:, 0], [-1.2815516, 0.0, 1.2815511], rtol=1e-6, atol=1e-6)
    # the masked member gives the safe value for every p (TFP's fixed draw)
    assert np.all(q[:, 1] == q[0, 1]) and np.all(q[:, 1] == m.mean().numpy()[1])
    b = tfd.BatchBroadcast(tfd.Normal(arr(0.0), arr(1.0)), [2])
    close(b.quantile(arr([[0.1], [0.5], [0.9]])), [[-1.28155157, -1.28155157], [0.0, 0.0], [1.28155157, 1.28155157]])


# -- Gaussian/Student-t process predictives: where TFP puts the jitter -------------------------

def _eq_kernel():
    from probability.math import psd_kernels
    return psd_kernels.ExponentiatedQuadratic(arr(1.0), arr(0.5))


def test_variational_gaussian_process_predictive_as_tfp():
    d = tfd.VariationalGaussianProcess(_eq_kernel(), arr([[0.2], [0.7]]), arr([[0.0], [1.0]]), arr([0.1, -0.3]),
                                       arr([[0.5, 0.0], [0.1, 0.4]]), observation_noise_variance=arr(0.1))
    close(d.log_prob(arr([[0.1, -0.2]])), [-0.885740021838], rtol=1e-9)
    close(d.variance(), [0.445586616989, 0.48000853607], rtol=1e-9)
    close(d.covariance(), [[0.445586616989, 0.257282563241], [0.257282563241, 0.48000853607]], rtol=1e-9)


def test_student_t_process_regression_model_entropy_as_tfp():
    d = tfd.StudentTProcessRegressionModel(arr(4.0), _eq_kernel(), arr([[0.2], [0.7]]), arr([[0.0], [0.5], [1.0]]),
                                           arr([0.1, 0.4, -0.2]), observation_noise_variance=arr(0.1))
    close(d.entropy(), 0.821125736211, rtol=1e-9)
    close(d.log_prob(arr([[0.1, -0.2]])), [-0.47229322409], rtol=1e-9)


def test_quantized_distribution_low_high_only_select():
    # TFP 0.25: no gradient reaches low/high (they select the end masses, evaluated at the value)
    with gradients.GradientTape() as tape:
        loc, scale, low, high = (wb.constant(arr(v)) for v in (0.5, 2.0, -3.0, 3.0))
        for v in (loc, scale, low, high):
            tape.watch(v)
        d = tfd.QuantizedDistribution(tfd.Normal(loc, scale), low=low, high=high)
        total = wb.reduce_sum(d.log_prob(arr([[0.0], [1.0], [-3.0], [2.0]])))
    g = tape.gradient(total, [loc, scale, low, high])
    close(g[0], -1.07687387, rtol=1e-7)
    close(g[1], 0.65524318, rtol=1e-7)
    assert g[2] is None and g[3] is None


# -- VonMises tails: the smaller tail integrated directly, the larger one minus it --------------

def test_von_mises_tails_large_concentration():
    # concentration 1e4 at x = -3 and 0.7: mpmath's -19903.48590759427 and -2356.662713971734
    # (TFP 0.25 gives -inf there)
    d = tfd.VonMises(arr([0.0, 0.0]), arr([0.0, 1e4]))
    x = arr([[-4.0], [-3.0], [0.0], [0.7], [3.0], [3.2]])
    close(d.log_cdf(x), [[NAN, -INF], [-3.792678046906, -19903.48590759427], [-0.69314718056, -0.69314718056],
                         [-0.491990032257, 0.0], [-0.022792968051, 0.0], [0.009252877683, 0.0]])
    close(d.log_survival_function(x), [[0.128058745795, 0.0], [-0.022792968051, 0.0],
                                       [-0.69314718056, -0.69314718056], [-0.945226513157, -2356.662713971734],
                                       [-3.792678046906, -19903.48590759427], [NAN, -INF]])


def test_von_mises_float32_tails():
    # TFP 0.25's float32 values where they are right (mpmath: -16.2647688394 at x = -3); mpmath's
    # -44.99396181280324 and -58.66850237202082 in the far tail, where TFP 0.25 gives -inf
    d = tfd.VonMises(arr([0.0, 1.0, -2.0], np.float32), arr([1.0, 0.01, 30.0], np.float32))
    x = arr([[-3.0], [0.0], [0.7], [3.0]], np.float32)
    close(d.log_survival_function(x)[:, [0, 2]],
          [[-6.5916255e-03, -8.6356692e-08], [-6.9314718e-01, -44.99396181280324],
           [-1.2780412e+00, -58.66850237202082], [-5.0252442e+00, -INF]], rtol=1e-5)
    close(d.log_cdf(arr([[-3.0]], np.float32))[0, 2], -16.2647688394, rtol=1e-6)


# -- TFP's lbeta (no cancellation of large lgammas) and the families built on it ---------------

def test_lbeta_large_arguments_float32():
    from probability import math as tfm
    v = tfm.lbeta(arr([1e-4, 2.0, 3e8 + 1, 0.5], np.float32), arr([1e4, 1e6, 7e8 + 1, 3.0], np.float32))
    close(v, [9.2093611e+00, -2.7631023e+01, -6.1086432e+08, 6.4538479e-02], rtol=2e-7)


def test_lbeta_gradient_at_equal_arguments():
    from probability import math as tfm
    with gradients.GradientTape() as tape:
        a, b = wb.constant(arr(3.0)), wb.constant(arr(3.0))
        tape.watch(a)
        tape.watch(b)
        y = tfm.lbeta(a, b)
    ga, gb = tape.gradient(y, [a, b])
    from scipy.special import digamma
    close(ga, digamma(3.0) - digamma(6.0))
    close(gb, digamma(3.0) - digamma(6.0))


def test_beta_extreme_float32_log_prob():
    d = tfd.Beta(arr([1e-4, 1e4], np.float32), arr([1e4, 1e-4], np.float32))
    lp = d.log_prob(arr([[1e-4], [0.999]], np.float32))
    close(lp[0, 0], -9.9989128e-01, rtol=2e-6)
    close(lp[1, 1], -1.2306158e+01, rtol=2e-6)


def test_negative_binomial_and_beta_binomial_large_counts_float32():
    nb = tfd.NegativeBinomial(arr(1e6, np.float32), probs=arr(1e-6, np.float32))
    close(nb.log_prob(arr([0.0, 1.0, 3.0], np.float32)), [-1.0000004, -0.99999905, -2.7917595], rtol=3e-6)
    bb = tfd.BetaBinomial(arr(1e6, np.float32), arr(1e-3, np.float32), arr(1e3, np.float32))
    close(bb.log_prob(arr([0.0, 1.0, 3.0], np.float32)), [-6.9088936e-03, -6.9156628e+00, -8.0147734e+00], rtol=2e-6)


def test_zero_inflated_negative_binomial_upper_tail():
    # (1 - pi) * NB survival (scipy); TFP's 1 - cdf gives -34.134 (float64) and -17.33 (float32)
    for dtype, rtol in ((np.float64, 1e-9), (np.float32, 2e-6)):
        d = tfd.ZeroInflatedNegativeBinomial(inflated_loc_probs=arr([0.3, 0.1], dtype), total_count=arr([1.0, 3.0], dtype),
                                             probs=arr([0.2, 0.5], dtype))
        x = arr([[3.0], [20.0]], dtype)
        p = arr([0.3, 0.1], dtype).astype(np.float64)
        expected = np.log1p(-p) + st.nbinom.logsf(x.astype(np.float64), arr([1.0, 3.0]),
                                                  1.0 - arr([0.2, 0.5], dtype).astype(np.float64))
        close(d.log_survival_function(x), expected, rtol=rtol)
        close(d.survival_function(x), np.exp(expected), rtol=rtol)


def test_covariance_of_a_scalar_distribution_is_refused_as_tfp():
    import probability as tfp
    tfd = tfp.distributions
    for d in (tfd.Normal(0.0, 1.0), tfd.Gamma(2.0, 1.0), tfd.Poisson(3.0), tfd.Bernoulli(probs=0.3),
              tfd.MixtureSameFamily(tfd.Categorical(probs=[0.5, 0.5]), tfd.Normal([0.0, 1.0], 1.0))):
        with pytest.raises(NotImplementedError, match=f"covariance is not implemented: {type(d).__name__}"):
            d.covariance()
    mvn = tfd.MultivariateNormalDiag([0.0, 1.0], [1.0, 2.0])
    np.testing.assert_allclose(mvn.covariance().numpy(), [[1.0, 0.0], [0.0, 4.0]])


def test_joint_distribution_statistics_as_tfp():
    jd = tfd.JointDistributionSequential([tfd.Normal(0.0, 1.0), lambda x: tfd.Normal(x, 1.0)])
    for method in ("mean", "variance", "stddev", "mode"):
        with pytest.raises(ValueError, match=f"Can only compute {method} when all distributions are independent; "):
            getattr(jd, method)()
    with pytest.raises(ValueError, match=r"Can only compute entropy when all distributions are independent\.$"):
        jd.entropy()
    seq = tfd.JointDistributionSequential([tfd.Normal(0.0, 1.0), tfd.Gamma(1.0, 1.0)])
    assert [float(v) for v in seq.mean()] == [0.0, 1.0]
    mode = seq.mode()
    assert float(mode[0]) == 0.0 and np.isnan(float(mode[1]))     # Gamma(1, 1) has no mode (NaN, as TFP)
    np.testing.assert_allclose(float(seq.entropy()), 2.4189386, rtol=1e-6)
    named = tfd.JointDistributionNamed(dict(a=tfd.Normal([0.0, 1.0], 1.0), b=tfd.Gamma(2.0, 1.0)))
    assert list(named.mean()) == ["b", "a"]                        # TFP's key order
    np.testing.assert_allclose(float(named.stddev()["b"]), 1.4142135, rtol=1e-6)
    np.testing.assert_allclose(named.entropy().numpy(), [2.9961543, 2.9961543], rtol=1e-6)
    auto = tfd.JointDistributionSequentialAutoBatched([tfd.Normal([0.0, 1.0], 1.0), tfd.Gamma(2.0, 1.0)])
    np.testing.assert_allclose(auto.entropy().numpy(), [2.9961543, 2.9961543], rtol=1e-6)
    root = tfd.JointDistributionCoroutine.Root

    def model():
        yield root(tfd.Normal(0.0, 1.0))
        yield root(tfd.Gamma(2.0, 1.0))

    for cls in (tfd.JointDistributionCoroutine, tfd.JointDistributionCoroutineAutoBatched):
        with pytest.raises(NotImplementedError, match=f"mean is not implemented: {cls.__name__}"):
            cls(model).mean()
