"""TFP 0.25 at the edges of the families: the support's boundaries and beyond, extreme
parameters, non-integer counts, undefined statistics and argument validation. Every number below
was printed by TFP 0.25 (float64 unless noted) on a CPU; the error classes are the ones it raises.

Where TFP's value is off the mathematics (Beta's quantile, Softfloor's inverse, GammaGamma's
variance, log-tails that underflow to -inf) we keep the right value; those are not pinned here."""

import numpy as np
import pytest

import gradients
import workbench as wb
from probability import bijectors as tfb
from probability import distributions as tfd

NAN, INF = np.nan, np.inf


def f64(v):
    return np.asarray(v, dtype=np.float64)


def close(actual, expected, rtol=1e-6, atol=1e-12):
    actual = np.asarray(actual.numpy() if hasattr(actual, "numpy") else actual)
    np.testing.assert_allclose(actual, f64(expected), rtol=rtol, atol=atol, equal_nan=True)


# -- error classes: validate_args and allow_nan_stats=False ------------------------------------

@pytest.mark.parametrize("make", [
    lambda: tfd.Normal(f64([0.0]), f64([-1.0]), validate_args=True),
    lambda: tfd.Gamma(f64([1.0]), f64([0.0]), validate_args=True),
    lambda: tfd.Bernoulli(probs=f64([1.5]), validate_args=True),
    lambda: tfd.Uniform(f64([1.0]), f64([1.0]), validate_args=True),
    lambda: tfd.Triangular(f64([0.0]), f64([1.0]), f64([2.0]), validate_args=True),
    lambda: tfd.TruncatedNormal(f64(0.0), f64(1.0), f64(1.0), f64(0.0), validate_args=True),
    lambda: tfd.NegativeBinomial(total_count=f64(1.5), probs=f64(0.5), validate_args=True),
])
def test_invalid_parameters_raise_invalid_argument_error(make):
    with pytest.raises(wb.errors.InvalidArgumentError):
        make()


@pytest.mark.parametrize("dist, x", [
    (lambda: tfd.Gamma(f64(1.0), f64(1.0), validate_args=True), -1.0),
    (lambda: tfd.Poisson(rate=f64(1.0), validate_args=True), 2.5),
    (lambda: tfd.Uniform(f64(0.0), f64(1.0), validate_args=True), 1.5),
    (lambda: tfd.Triangular(f64(0.0), f64(1.0), f64(0.5), validate_args=True), -0.1),
    (lambda: tfd.HalfStudentT(f64(3.0), f64(0.2), f64(1.0), validate_args=True), 0.0),
    (lambda: tfd.Pareto(f64(1.5), f64(1.0), validate_args=True), 0.5),
    (lambda: tfd.GeneralizedPareto(f64(0.0), f64(1.0), f64(-0.5), validate_args=True), 3.0),
    (lambda: tfd.GeneralizedExtremeValue(f64(0.0), f64(1.0), f64(0.5), validate_args=True), -3.0),
    (lambda: tfd.TruncatedNormal(f64(0.0), f64(1.0), f64(-1.0), f64(1.0), validate_args=True), 1.5),
    (lambda: tfd.TruncatedCauchy(f64(0.0), f64(1.0), f64(-1.0), f64(1.0), validate_args=True), -1.5),
    (lambda: tfd.Skellam(f64(1.0), f64(2.0), validate_args=True), 1.5),
    (lambda: tfd.OrderedLogistic(f64([-1.0, 1.0]), f64(0.0), validate_args=True), 2.5),
])
def test_values_off_the_support_raise_with_validate_args(dist, x):
    with pytest.raises(wb.errors.InvalidArgumentError):
        dist().log_prob(f64(x))


def test_values_on_the_support_pass_validate_args():
    close(tfd.Uniform(f64(0.0), f64(2.0), validate_args=True).log_prob(f64([0.0, 2.0])), [-np.log(2.0)] * 2)
    close(tfd.Skellam(f64(1.0), f64(2.0), validate_args=True).log_prob(f64(-2.0)), -1.6876117497473049)
    # TFP checks non-negative integers only: a class above K is -inf, not an error
    close(tfd.OrderedLogistic(f64([-1.0, 1.0]), f64(0.0), validate_args=True).log_prob(f64(3.0)), -INF)


def test_undefined_statistics_with_allow_nan_stats_false():
    # a batch-dependent check is a runtime InvalidArgumentError ...
    with pytest.raises(wb.errors.InvalidArgumentError):
        tfd.Gamma(f64([0.5, 3.0]), f64(1.0), allow_nan_stats=False).mode()
    with pytest.raises(wb.errors.InvalidArgumentError):
        tfd.Exponential(f64(2.0), allow_nan_stats=False).mode()
    with pytest.raises(wb.errors.InvalidArgumentError):
        tfd.Chi2(f64([2.0, 7.0]), allow_nan_stats=False).mode()
    # ... a statistic no member has is a static ValueError, not an InvalidArgumentError
    for stat in ("mean", "variance"):
        with pytest.raises(ValueError) as info:
            getattr(tfd.Cauchy(f64(0.0), f64(1.0), allow_nan_stats=False), stat)()
        assert not isinstance(info.value, wb.errors.InvalidArgumentError)
    with pytest.raises(ValueError):
        tfd.Horseshoe(f64([1.0, 2.0]), allow_nan_stats=False).variance()
    close(tfd.Horseshoe(f64([1.0, 2.0]), allow_nan_stats=False).mean(), [0.0, 0.0])


def test_categorical_class_index_out_of_range_raises():
    # TF's CPU sparse softmax cross-entropy refuses a label outside [0, K)
    for x in (-1.0, 3.0):
        with pytest.raises(wb.errors.InvalidArgumentError):
            tfd.Categorical(probs=f64([0.2, 0.5, 0.3])).log_prob(f64(x))
    with pytest.raises(wb.errors.InvalidArgumentError):
        tfd.StoppingRatioLogistic(f64([-1.0, 0.0, 2.0]), f64(0.5)).log_prob(f64(4.0))
    close(tfd.Categorical(probs=f64([0.2, 0.5, 0.3])).log_prob(f64(1.5)), np.log(0.5))  # cast to int
    close(tfd.Categorical(probs=f64([0.2, 0.5, 0.3]), force_probs_to_zero_outside_support=True)
          .log_prob(f64(3.0)), -INF)


# -- discrete families at non-integer points ------------------------------------------------------

def test_poisson_and_negative_binomial_tails_at_non_integer_points():
    # without force_probs_to_zero_outside_support the incomplete gamma / beta interpolates
    x = f64([-1.0, 0.0, 2.5, 3.0])
    close(tfd.Poisson(rate=f64([20.0, 1.5])).cdf(x[:, None]),
          [[0.0, 0.0], [2.0611536224385566e-09, 2.2313016014842982e-01],
           [1.2587903873713080e-06, 8.8500223164315062e-01], [3.2037197804769978e-06, 9.3435754562154993e-01]])
    close(tfd.Poisson(rate=f64(1.5), force_probs_to_zero_outside_support=True).survival_function(x),
          [1.0, 0.7768698398515702, 0.19115316946194186, 0.06564245437845008])
    close(tfd.NegativeBinomial(total_count=f64(3.0), probs=f64(0.4)).cdf(x),
          [0.0, 0.21599999999999978, 0.7597680907123288, 0.8208])


def test_bernoulli_with_infinite_logits():
    close(tfd.Bernoulli(logits=f64([-INF, INF])).log_prob(f64([[0.0], [1.0]])), [[0.0, -INF], [-INF, 0.0]])


# -- continuous families off their support: TFP's NaN ---------------------------------------------

def test_nan_off_the_support_where_tfp_takes_logs():
    x3 = f64([-1.0, 0.0, 2.0])
    close(tfd.LogNormal(f64(0.0), f64(1.0)).log_prob(x3), [NAN, -INF, -1.8523122207237188])
    close(tfd.LogNormal(f64(0.0), f64(1.0)).cdf(x3), [NAN, 0.0, 0.7558914042144173])
    close(tfd.InverseGamma(f64(1.5), f64(1.0)).log_prob(x3), [NAN, NAN, -2.112085713764618])
    close(tfd.InverseGamma(f64(1.5), f64(1.0)).cdf(x3), [NAN, 0.0, 0.8012519569012009])
    close(tfd.InverseGaussian(f64(1.0), f64(2.0)).log_prob(x3), [NAN, NAN, -2.1120857137646176])
    close(tfd.InverseGaussian(f64(1.0), f64(2.0)).survival_function(x3), [NAN, 1.0, 0.08495331867107103])
    close(tfd.LogLogistic(f64(0.0), f64(0.5)).log_survival_function(x3), [NAN, NAN, -1.6094379124341003])
    y = f64([-0.1, 0.0, 0.3, 1.0, 1.5])
    close(tfd.LogitNormal(f64(0.0), f64(1.0)).log_prob(y), [NAN, NAN, 0.2827523829516292, NAN, NAN])
    close(tfd.LogitNormal(f64(0.0), f64(1.0)).cdf(y), [NAN, 0.0, 0.19841455947264197, 1.0, NAN])
    close(tfd.Chi2(f64([0.5, 7.0])).cdf(f64([[-1.0], [0.0], [2.0]])),
          [[NAN, NAN], [0.0, 0.0], [0.9320788679898908, 0.04015963126989844]])
    close(tfd.Kumaraswamy(f64([0.5, 2.0]), f64([0.5, 3.0])).cdf(f64([[-0.1], [0.3], [1.5]])),
          [[NAN, 0.029701000000000012], [0.32748424368284584, 0.246429], [NAN, NAN]])


def test_chi_tails_are_even_in_x_and_its_density_nan_below_zero():
    close(tfd.Chi(f64([0.5, 7.0])).cdf(f64([[-1.0], [1.0]])),
          [[0.8464864041916774, 0.0051714634834845175]] * 2)
    close(tfd.Chi(f64([0.5, 7.0])).log_prob(f64([[-1.0], [1.0]])),
          [[NAN, NAN], [-1.2681621392781186, -3.4338415537469373]])


def test_exponential_mode_and_survival_below_zero():
    e = tfd.Exponential(rate=f64([0.5, 20.0]))
    close(e.mode(), [NAN, NAN])   # Gamma's mode, concentration 1
    close(e.survival_function(f64([[-1.0], [0.5]])), [[1.0, 1.0], [7.788007830714049e-01, 4.539992976249074e-05]])
    close(tfd.Chi2(f64([0.5, 2.0, 7.0])).mode(), [NAN, NAN, 5.0])


# -- quantiles at 0 and 1, extreme parameters -----------------------------------------------------

def test_gumbel_type_quantiles_are_finite_at_zero():
    close(tfd.Gumbel(f64(1.0), f64(2.0)).quantile(f64([0.0, 0.5, 1.0])),
          [-12.12600770036397, 1.7330258411633288, INF])
    close(tfd.Gumbel(np.float32(1.0), np.float32(2.0)).quantile(np.float32([0.0, 0.5])), [-7.939538, 1.7330258],
          rtol=1e-6)
    close(tfd.GeneralizedExtremeValue(f64(0.0), f64(1.0), f64([0.0, 0.2])).quantile(f64([[0.0], [0.5]])),
          [[-6.563003850181985, -3.6544038589584136], [0.36651292058166435, 0.3802804256950257]])


def test_student_t_nan_at_the_ends_and_for_infinite_df():
    close(tfd.StudentT(f64(3.0), f64(0.0), f64(1.0)).quantile(f64([0.0, 0.3, 1.0])), [NAN, -0.584389727439818, NAN])
    close(tfd.StudentT(f64([3.0, INF]), f64(0.0), f64(1.0)).cdf(f64(0.5)), [0.6742760175759248, NAN])


def test_continuous_bernoulli_at_probs_zero_and_one():
    d = tfd.ContinuousBernoulli(probs=f64([0.0, 1.0]))
    close(d.cdf(f64([[-0.1], [0.3], [1.5]])), [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0]])
    close(d.log_survival_function(f64([[-0.1], [0.3], [1.5]])), [[0.0, 0.0], [-INF, 0.0], [-INF, -INF]])
    close(d.quantile(f64([[0.0], [0.5], [1.0]])), [[0.0, 1.0], [0.0, 1.0], [1.0, 1.0]])


# -- KL divergences TFP registers ---------------------------------------------------------------

def test_kl_exp_gamma():
    kl = tfd.kl_divergence(tfd.ExpGamma(f64([0.5, 5.0]), rate=f64([1.0, 0.3])),
                           tfd.ExpGamma(f64([2.0, 1.0]), rate=f64([3.0, 0.3])))
    close(kl, [1.1756755187712145, 2.846416843379257])


def test_kl_weibull_gamma_and_its_gradient():
    params = [wb.constant(v) for v in (f64([0.5, 3.0]), f64([1.0, 2.0]), f64([2.0, 1.0]), f64([0.5, 1.0]))]

    def kl(k, s, c, r):
        return tfd.kl_divergence(tfd.Weibull(k, s), tfd.Gamma(c, rate=r))

    close(kl(*params), [2.424794175264544, 0.8066136879789745])
    with gradients.GradientTape() as tape:
        for p in params:
            tape.watch(p)
        total = wb.reduce_sum(kl(*params))
    grads = tape.gradient(total, params)
    h = 1e-6
    for i, g in enumerate(grads):
        for j in range(2):
            up = [p.numpy().copy() for p in params]
            down = [p.numpy().copy() for p in params]
            up[i][j] += h
            down[i][j] -= h
            fd = (kl(*map(wb.constant, up)).numpy().sum() - kl(*map(wb.constant, down)).numpy().sum()) / (2 * h)
            np.testing.assert_allclose(g.numpy()[j], fd, rtol=1e-5, atol=1e-7)


# -- bijectors ------------------------------------------------------------------------------------

def test_sinh_arcsinh_bijector_carries_tfps_output_multiplier():
    b = tfb.SinhArcsinh(skewness=f64(0.5), tailweight=f64(2.0))
    x = f64([-1.0, 0.0, 0.5, 2.0])
    close(b.forward(x), [-0.1875809569950072, 0.2627829756226434, 0.779944622137776, 5.451208050234278])
    close(b.inverse(x), [-2.379804963112968, -0.5210953054937474, 0.27561787953692396, 1.0900474045727229])
    close(b.forward_log_det_jacobian(x, event_ndims=0),
          [-0.8848818864265495, -0.37093812573402296, 0.3725384825095992, 1.5851060690266607])
    close(b.inverse(b.forward(x)), x)
    d = tfd.SinhArcsinh(f64(0.5), f64(2.0), skewness=f64(0.5), tailweight=f64(1.5))
    close(d.log_prob(x), [-2.7536047483113886, -1.5067929766872576, -1.2672905411190514, -1.8956850408032921])


def test_log_det_jacobians_off_the_domain_are_nan():
    close(tfb.Softplus().inverse_log_det_jacobian(f64([-1.0, 0.5, 40.0]), event_ndims=0),
          [NAN, 0.9327521295671886, 0.0])
    close(tfb.Square().forward_log_det_jacobian(f64([-1.0, 0.5]), event_ndims=0), [NAN, 0.0])


def test_kl_of_the_meta_distributions():
    c = wb.constant
    kl = tfd.kl_divergence
    close(kl(tfd.Sample(tfd.Normal(c(f64([0., 1.])), c(f64([1., 2.]))), 3),
             tfd.Sample(tfd.Normal(c(f64([0.5, 1.])), c(f64([1., 3.]))), 3)), [0.375, 0.38306199099115995])
    with pytest.raises(ValueError):
        kl(tfd.Sample(tfd.Normal(c(f64(0.)), c(f64(1.))), 3), tfd.Sample(tfd.Normal(c(f64(0.)), c(f64(1.))), 2))
    td = lambda loc, scale, bij: tfd.TransformedDistribution(tfd.Normal(c(f64(loc)), c(f64(scale))), bij)
    close(kl(td([0., 1.], [1., 2.], tfb.Exp()), td([0.5, 1.], [1., 3.], tfb.Exp())), [0.125, 0.12768733033038665])
    close(kl(td(0., 1., tfb.Scale(c(f64(2.)))), td(1., 2., tfb.Scale(c(f64(2.))))), 0.4431471805599453)
    for other in (tfb.Softplus(), tfb.Scale(c(f64(3.)))):
        with pytest.raises(NotImplementedError):
            kl(td(0., 1., tfb.Scale(c(f64(2.))) if isinstance(other, tfb.Scale) else tfb.Exp()), td(1., 2., other))
    close(kl(tfd.Masked(tfd.Normal(c(f64([0., 1., 2.])), c(f64([1., 2., 1.]))), validity_mask=[True, False, True]),
             tfd.Masked(tfd.Normal(c(f64([0.5, 1., 0.])), c(f64([1., 3., 1.]))), validity_mask=[True, False, False])),
          [0.125, 0.0, NAN])
    close(kl(tfd.JointDistributionSequential([tfd.Normal(c(f64(0.)), c(f64(1.))), tfd.Gamma(c(f64(2.)), c(f64(1.)))]),
             tfd.JointDistributionSequential([tfd.Normal(c(f64(0.5)), c(f64(2.))), tfd.Gamma(c(f64(1.)), c(f64(3.)))])),
          3.673569226990303)
    from probability.math import psd_kernels
    gp = tfd.GaussianProcess(psd_kernels.ExponentiatedQuadratic(c(f64(1.)), c(f64(0.5))), c(f64([[0.], [0.5], [1.]])),
                             observation_noise_variance=c(f64(0.1)))
    mvn = tfd.MultivariateNormalTriL(c(f64([0.1, 0., -0.1])), c(f64([[1., 0., 0.], [0.5, 1., 0.], [0.1, 0.2, 1.]])))
    close(kl(gp, mvn), 0.15068129403029226)
    close(kl(mvn, gp), 0.23734297717151265)


def test_masked_methods_give_tfps_sentinels():
    m = tfd.Masked(tfd.Normal(f64([0.0, 1.0, 2.0]), f64(1.0)), [True, False, True])
    x = f64([0.5, 0.5, 0.5])
    close(m.cdf(x), [0.69146246, 1.0, 0.0668072], rtol=1e-7)
    close(m.entropy(), [1.41893853, 0.0, 1.41893853], rtol=1e-8)
    close(m.variance(), [1.0, 0.0, 1.0])
    close(m.mean(), [0.0, 0.29888859, 2.0], rtol=1e-7)   # TFP's safe value: a draw with the zeros seed
    close(m.sample(5, seed=(1, 2)).numpy()[:, 1], [0.29888859] * 5, rtol=1e-7)
    close(m.log_survival_function(x)[1], -INF)


def _grads(f, *args):
    args = [wb.constant(f64(a)) for a in args]
    with gradients.GradientTape() as tape:
        for a in args:
            tape.watch(a)
        total = wb.reduce_sum(f(*args))
    return [g.numpy() for g in tape.gradient(total, args)]


def test_count_gradients_at_zero_counts_keep_the_log_parameter_term():
    # TF's multiply_no_nan: d/dx (x log rate) is log rate at x = 0 too
    dx, dr = _grads(lambda x, r: tfd.Poisson(rate=r).log_prob(x[:, None]), [0.0, 1.0, 3.0], [0.5, 20.0])
    close(dx, [3.45701642279711, 1.4570164227971105, -0.209650243869556])
    close(dr, [5.0, -2.7999999999999994])
    dx, dl = _grads(lambda x, l: tfd.NegativeBinomial(total_count=f64([1.0, 3.5]), logits=l).log_prob(x[:, None]),
                    [0.0, 1.0, 3.0], [-3.0, 2.0])
    close(dx, [-1.495143057069939, -2.209428771355653, -2.638721700648582])
    close(dl, [3.6680188877570328, -8.771557630679297])


def test_categorical_kl_gradient_with_a_zero_probability_class():
    kl = lambda la, lb: tfd.kl_divergence(tfd.Categorical(logits=la), tfd.Categorical(logits=lb))
    close(kl(wb.constant(f64([[0., 1., -INF]])), wb.constant(f64([[1., 0., 0.]]))), [0.7003001836738381])
    dla, dlb = _grads(kl, [[0., 1., -INF]], [[1., 0., 0.]])
    close(dla, [[-0.3932238664829637, 0.3932238664829637, 0.0]])
    close(dlb, [[0.307175463395834, -0.5191170210129195, 0.21194155761708544]])
    kl = lambda pa, pb: tfd.kl_divergence(tfd.Categorical(probs=pa), tfd.Categorical(probs=pb))
    dpa, dpb = _grads(kl, [[0.0, 0.5, 0.5]], [[0.2, 0.4, 0.4]])
    close(dpb, [[0.9999999999999999, -0.2500000000000001, -0.2500000000000001]])
    close(dpa[:, 1:], [[0.0, 0.0]])


def test_directional_covariances_and_batch_broadcast_tails():
    d = tfd.VonMisesFisher(f64([[0.6, 0.8], [1.0, 0.0]]), f64([2.0, 0.5]))
    close(d.covariance(), [[[0.28240824, -0.08863878], [-0.08863878, 0.23070228]],
                           [[0.4561947, 0.0], [0.0, 0.48499924]]], rtol=1e-6, atol=1e-7)   # TFP's float32
    close(d.mode(), [[0.6, 0.8], [1.0, 0.0]])
    close(tfd.SphericalUniform(2, batch_shape=[2], dtype=np.float64).covariance(), [np.eye(2) / 2] * 2)
    close(tfd.BatchBroadcast(tfd.Normal(f64(0.0), f64(1.0)), [2]).cdf(f64([[0.5], [-1.0]])),
          [[0.69146246, 0.69146246], [0.15865525, 0.15865525]], rtol=1e-7)


def test_weibull_below_zero_and_continuous_bernoulli_at_the_ends():
    w = tfd.Weibull(f64([0.5, 1.0, 3.0]), f64([2.0, 1.0, 0.5]))
    close(w.log_prob(f64([[-1.0], [0.5]])), [[NAN, 1.0, NAN], [-1.1931471805599454, -0.5, 0.7917594692280547]])
    close(w.cdf(f64([[-1.0], [0.5]])), [[NAN, 0.0, 0.0], [0.3934693402873666, 0.3934693402873666, 0.6321205588285577]])
    cb = tfd.ContinuousBernoulli(probs=f64([0.0, 1.0, 0.3]), dtype=np.float64)
    close(cb.cdf(f64([[0.0], [1.0]])), [[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]])


def test_chi_and_gamma_gamma_densities_off_the_support():
    close(tfd.Chi(f64([0.5, 2.0])).log_prob(f64([[-1.0], [0.0], [1.0]])),
          [[NAN, NAN], [NAN, -INF], [-1.26816214, -0.5]], rtol=1e-8)
    close(tfd.GammaGamma(f64([0.5, 3.0]), f64([2.0, 3.0]), f64([0.5, 2.0])).log_prob(f64([[-1.0], [1.0]])),
          [[NAN, NAN], [-2.6876392, -1.11103481]], rtol=1e-8)
