"""probability.math.psd_kernels and the Gaussian-process families: kernels against NumPy formulas,
batch shapes, kernel sums and products, GP posteriors against closed-form NumPy, marginal-likelihood
gradients against finite differences (float64), the variational GP's bound."""

import numpy as np
import pytest
import scipy.special as sp
import scipy.stats as st

import probability
import workbench as wb
from gradients import check_gradients
from probability.math import psd_kernels as tfpk

tfd = probability.distributions


def f64(a):
    return wb.constant(np.asarray(a, dtype=np.float64))


RNG = np.random.RandomState(0)
X1 = RNG.randn(5, 2)
X2 = RNG.randn(4, 2)
DIFF = X1[:, None, :] - X2[None, :, :]
R = np.sqrt(np.sum(DIFF ** 2, -1))

KERNEL_CASES = [
    ("ExponentiatedQuadratic", lambda: tfpk.ExponentiatedQuadratic(f64(1.5), f64(0.7)),
     1.5 ** 2 * np.exp(-R ** 2 / (2 * 0.49))),
    ("ExponentiatedQuadratic inverse", lambda: tfpk.ExponentiatedQuadratic(inverse_length_scale=f64(2.0)),
     np.exp(-R ** 2 * 2.0)),
    ("MaternOneHalf", lambda: tfpk.MaternOneHalf(f64(2.0), f64(0.5)), 4.0 * np.exp(-R / 0.5)),
    ("MaternThreeHalves", lambda: tfpk.MaternThreeHalves(f64(2.0), f64(0.5)),
     4.0 * (1 + np.sqrt(3) * R / 0.5) * np.exp(-np.sqrt(3) * R / 0.5)),
    ("MaternFiveHalves", lambda: tfpk.MaternFiveHalves(f64(2.0), f64(0.5)),
     4.0 * (1 + np.sqrt(5) * R / 0.5 + 5 * R ** 2 / (3 * 0.25)) * np.exp(-np.sqrt(5) * R / 0.5)),
    ("RationalQuadratic", lambda: tfpk.RationalQuadratic(f64(1.2), f64(0.8), f64(2.5)),
     1.44 * (1 + R ** 2 / (2 * 2.5 * 0.64)) ** -2.5),
    ("ExpSinSquared", lambda: tfpk.ExpSinSquared(f64(1.1), f64(0.9), f64(3.0)),
     1.21 * np.exp(-2 * np.sum(np.sin(np.pi * np.abs(DIFF) / 3.0) ** 2, -1) / 0.81)),
    ("Linear", lambda: tfpk.Linear(f64(0.5), f64(2.0), f64(0.3)),
     0.25 + 4.0 * np.sum((X1[:, None] - 0.3) * (X2[None] - 0.3), -1)),
    ("Polynomial", lambda: tfpk.Polynomial(f64(0.5), f64(2.0), f64(0.3), f64(3.0)),
     0.25 + 4.0 * np.sum((X1[:, None] - 0.3) * (X2[None] - 0.3), -1) ** 3),
    ("GeneralizedMatern", lambda: tfpk.GeneralizedMatern(f64(1.3), f64(2.0), f64(0.5)),
     4.0 * 2 ** (1 - 1.3) / sp.gamma(1.3) * (np.sqrt(2.6) * R / 0.5) ** 1.3 * sp.kv(1.3, np.sqrt(2.6) * R / 0.5)),
    ("Parabolic", lambda: tfpk.Parabolic(f64(2.0), f64(2.5)), 0.75 * 2.0 * np.maximum(0., 1 - (R / 2.5) ** 2)),
    ("FeatureScaled", lambda: tfpk.FeatureScaled(tfpk.ExponentiatedQuadratic(f64(1.0), f64(1.0)),
                                                  scale_diag=f64([0.5, 2.0])),
     np.exp(-0.5 * np.sum((DIFF / np.array([0.5, 2.0])) ** 2, -1))),
]


@pytest.mark.parametrize("name,make,want", KERNEL_CASES, ids=[c[0] for c in KERNEL_CASES])
def test_kernels_match_their_formulas(name, make, want):
    k = make()
    np.testing.assert_allclose(k.matrix(f64(X1), f64(X2)).numpy(), want, rtol=1e-10, atol=1e-12)
    # apply on pairs is the diagonal of the matrix of the same points
    np.testing.assert_allclose(k.apply(f64(X1[:4]), f64(X2)).numpy(), np.diag(want[:4]), rtol=1e-10, atol=1e-12)
    assert k.batch_shape == () and k.feature_ndims == 1


def test_generalized_matern_reduces_to_the_half_integer_materns_and_has_gradients():
    # TFP's 0.12 release notebook: df = 1/2, 3/2, 5/2 against the closed forms, with a batch of df
    gm = tfpk.GeneralizedMatern(df=f64([0.5, 1.5, 2.5]), length_scale=f64(1.0), amplitude=f64(0.5))
    x = f64(np.linspace(-1.5, 1.5, 31)[:, None])
    m = gm.matrix(f64([[0.]]), x).numpy()
    assert m.shape == (3, 1, 31)
    for i, k in enumerate([tfpk.MaternOneHalf(f64(0.5), f64(1.0)), tfpk.MaternThreeHalves(f64(0.5), f64(1.0)),
                           tfpk.MaternFiveHalves(f64(0.5), f64(1.0))]):
        np.testing.assert_allclose(m[i, 0], k.matrix(f64([[0.]]), x).numpy()[0], rtol=1e-10)
    # the diagonal (distance 0) is amplitude**2, with finite gradients there
    np.testing.assert_allclose(gm.apply(f64([0.2]), f64([0.2])).numpy(), 0.25)
    check_gradients(lambda ls, amp: tfpk.GeneralizedMatern(f64(1.3), amp, ls).matrix(f64(X1), f64(X2)),
                    [np.array(0.8), np.array(1.5)], order=1, modes=("rev",), atol=1e-6, rtol=1e-5)


def test_parabolic_integrates_to_one_with_compact_support():
    xs = np.linspace(-1.2, 1.2, 24001)
    k = tfpk.Parabolic(f64(1.0), f64(1.0)).matrix(f64([[0.]]), f64(xs[:, None])).numpy()[0]
    assert np.all(k[np.abs(xs) >= 1] == 0.)
    np.testing.assert_allclose(np.trapezoid(k, xs), 1.0, rtol=1e-6)


def test_sums_and_products_of_kernels():
    a = tfpk.ExponentiatedQuadratic(f64(1.5), f64(0.7))
    b = tfpk.Linear(f64(0.5), f64(2.0))
    c = tfpk.MaternOneHalf(f64(1.0), f64(2.0))
    ka, kb, kc = (k.matrix(f64(X1), f64(X2)).numpy() for k in (a, b, c))
    np.testing.assert_allclose((a + b).matrix(f64(X1), f64(X2)).numpy(), ka + kb, rtol=1e-12)
    np.testing.assert_allclose((a * b).matrix(f64(X1), f64(X2)).numpy(), ka * kb, rtol=1e-12)
    combo = a * b + c
    np.testing.assert_allclose(combo.matrix(f64(X1), f64(X2)).numpy(), ka * kb + kc, rtol=1e-12)
    assert len((a + b + c).kernels) == 3
    with pytest.raises(ValueError, match="feature_ndims"):
        a + tfpk.ExponentiatedQuadratic(f64(1.0), f64(1.0), feature_ndims=2)


def test_kernel_batch_shapes_broadcast():
    k = tfpk.ExponentiatedQuadratic(f64([1.0, 2.0, 3.0]), f64([[0.5], [1.0]]))
    assert k.batch_shape == (2, 3)
    m = k.matrix(f64(X1), f64(X2)).numpy()
    assert m.shape == (2, 3, 5, 4)
    np.testing.assert_allclose(m[1, 2], 9.0 * np.exp(-R ** 2 / 2), rtol=1e-12)
    # batched inputs broadcast against the kernel batch
    xb = np.stack([X1, X1 + 1.0])                                        # [2, 5, 2]
    mb = tfpk.MaternOneHalf(f64([[1.0], [2.0]])).matrix(f64(xb), f64(X2)).numpy()
    assert mb.shape == (2, 2, 5, 4)
    t = k.tensor(f64(X1), f64(X2[:, None, :]), 1, 2)
    assert t.shape == (2, 3, 5, 4, 1)
    with pytest.raises(ValueError, match="positive"):
        tfpk.ExponentiatedQuadratic(f64(-1.0), validate_args=True)
    with pytest.raises(ValueError, match="not both"):
        tfpk.MaternOneHalf(length_scale=1.0, inverse_length_scale=1.0)


OBS_X = np.linspace(-1.0, 2.0, 7)[:, None]
OBS_Y = np.sin(2 * OBS_X[:, 0]) + 0.1 * np.cos(7 * OBS_X[:, 0])
NEW_X = np.linspace(-1.5, 2.5, 5)[:, None]


def _posterior(kmat, noise, mean=lambda x: np.zeros(len(x))):
    k_oo = kmat(OBS_X, OBS_X) + (noise + 1e-6) * np.eye(len(OBS_X))
    k_xo = kmat(NEW_X, OBS_X)
    mu = mean(NEW_X) + k_xo @ np.linalg.solve(k_oo, OBS_Y - mean(OBS_X))
    return mu, kmat(NEW_X, NEW_X) - k_xo @ np.linalg.solve(k_oo, k_xo.T)


def test_gprm_posterior_matches_closed_form_with_batch_and_mean_fn():
    amps, ls, noise = np.array([0.8, 1.6]), 0.5, 0.05
    kernel = tfpk.MaternThreeHalves(f64(amps), f64(ls))
    mean_fn = lambda x: 0.3 * x[..., 0]  # noqa: E731
    gprm = tfd.GaussianProcessRegressionModel(kernel, f64(NEW_X), f64(OBS_X), f64(OBS_Y),
                                              observation_noise_variance=f64(noise), mean_fn=mean_fn)
    assert gprm.batch_shape == (2,) and gprm.event_shape == (5,)
    for b, amp in enumerate(amps):
        def kmat(a, c):
            z = np.sqrt(3) * np.abs(a - c.T) / ls
            return amp ** 2 * (1 + z) * np.exp(-z)
        mu, cov = _posterior(kmat, noise, mean=lambda x: 0.3 * x[:, 0])
        np.testing.assert_allclose(gprm.mean().numpy()[b], mu, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(gprm.covariance().numpy()[b], cov + noise * np.eye(5), rtol=1e-8, atol=1e-10)
        np.testing.assert_allclose(gprm.variance().numpy()[b], np.diag(cov) + noise, rtol=1e-8, atol=1e-10)
    # predictive_noise_variance=0: the latent function's posterior
    latent = tfd.GaussianProcessRegressionModel(kernel, f64(NEW_X), f64(OBS_X), f64(OBS_Y),
                                                observation_noise_variance=f64(noise),
                                                predictive_noise_variance=f64(0.0), mean_fn=mean_fn)
    np.testing.assert_allclose(latent.variance().numpy(), gprm.variance().numpy() - noise, rtol=1e-8, atol=1e-10)
    draws = latent.sample(3, seed=1)
    assert draws.shape == (3, 2, 5) and latent.log_prob(draws).shape == (3, 2)


def test_gp_interpolates_its_observations_without_noise():
    kernel = tfpk.ExponentiatedQuadratic(f64(1.0), f64(0.7))
    gprm = tfd.GaussianProcessRegressionModel(kernel, f64(OBS_X), f64(OBS_X), f64(OBS_Y), jitter=1e-10)
    np.testing.assert_allclose(gprm.mean().numpy(), OBS_Y, atol=1e-5)
    assert np.all(gprm.variance().numpy() < 1e-5)


def test_gp_log_prob_is_the_marginal_likelihood_and_its_gradients_match_finite_differences():
    def neg_mll(amplitude, length_scale, noise):
        gp = tfd.GaussianProcess(tfpk.MaternFiveHalves(amplitude, length_scale), index_points=f64(OBS_X),
                                 observation_noise_variance=noise)
        return -gp.log_prob(f64(OBS_Y))
    k = tfpk.MaternFiveHalves(f64(1.2), f64(0.4)).matrix(f64(OBS_X), f64(OBS_X)).numpy()
    want = -st.multivariate_normal(np.zeros(7), k + (0.1 + 1e-6) * np.eye(7)).logpdf(OBS_Y)
    np.testing.assert_allclose(float(neg_mll(f64(1.2), f64(0.4), f64(0.1))), want, rtol=1e-10)
    check_gradients(neg_mll, [np.array(1.2), np.array(0.4), np.array(0.1)], order=1, modes=("rev",),
                    jacobian=False, atol=1e-6, rtol=1e-5)

    def neg_mll_sum(amplitude, length_scale, period):
        kernel = tfpk.ExponentiatedQuadratic(amplitude, length_scale) + tfpk.ExpSinSquared(f64(0.5), f64(1.0), period)
        return -tfd.GaussianProcess(kernel, index_points=f64(OBS_X), observation_noise_variance=f64(0.1)).log_prob(
            f64(OBS_Y))
    check_gradients(neg_mll_sum, [np.array(0.9), np.array(0.6), np.array(1.7)], order=1, modes=("rev",),
                    jacobian=False, atol=1e-6, rtol=1e-5)


def test_student_t_process_against_scipy_and_tends_to_the_gp():
    kernel = tfpk.ExponentiatedQuadratic(f64(1.0), f64(0.6))
    k = kernel.matrix(f64(OBS_X), f64(OBS_X)).numpy() + (0.1 + 1e-6) * np.eye(7)
    for df in (3.0, 7.5):
        stp = tfd.StudentTProcess(f64(df), kernel, f64(OBS_X), observation_noise_variance=f64(0.1))
        want = st.multivariate_t(np.zeros(7), k * (df - 2) / df, df=df).logpdf(OBS_Y)
        np.testing.assert_allclose(float(stp.log_prob(f64(OBS_Y))), want, rtol=1e-10)
    big = tfd.StudentTProcess(f64(1e7), kernel, f64(OBS_X), observation_noise_variance=f64(0.1))
    gp = tfd.GaussianProcess(kernel, f64(OBS_X), observation_noise_variance=f64(0.1))
    np.testing.assert_allclose(float(big.log_prob(f64(OBS_Y))), float(gp.log_prob(f64(OBS_Y))), rtol=1e-5)
    with pytest.raises(ValueError, match="`df`"):
        tfd.StudentTProcess(f64(2.0), kernel, f64(OBS_X), validate_args=True)


def test_variational_gp_bound_is_tight_at_the_exact_posterior_and_below_otherwise():
    kernel = tfpk.ExponentiatedQuadratic(f64(1.1), f64(0.5))
    noise = 0.05
    k = kernel.matrix(f64(OBS_X), f64(OBS_X)).numpy() + 1e-6 * np.eye(7)
    post_cov = np.linalg.inv(np.linalg.inv(k) + np.eye(7) / noise)
    post_mean = post_cov @ OBS_Y / noise
    neg_log_evidence = -st.multivariate_normal(np.zeros(7), k + noise * np.eye(7)).logpdf(OBS_Y)

    def vgp(loc, scale, inducing=OBS_X):
        return tfd.VariationalGaussianProcess(kernel, f64(NEW_X), f64(inducing), f64(loc), f64(scale),
                                              observation_noise_variance=f64(noise))
    exact = vgp(post_mean, np.linalg.cholesky(post_cov))
    np.testing.assert_allclose(float(exact.variational_loss(f64(OBS_Y), observation_index_points=f64(OBS_X))),
                               neg_log_evidence, rtol=1e-5)
    # q(u) at the exact posterior predicts as the exact GP regression model
    gprm = tfd.GaussianProcessRegressionModel(kernel, f64(NEW_X), f64(OBS_X), f64(OBS_Y),
                                              observation_noise_variance=f64(noise), jitter=1e-6)
    np.testing.assert_allclose(exact.mean().numpy(), gprm.mean().numpy(), atol=1e-4)
    np.testing.assert_allclose(exact.variance().numpy(), gprm.variance().numpy(), atol=1e-4)
    worse = vgp(post_mean + 0.3, 0.5 * np.linalg.cholesky(post_cov))
    assert float(worse.variational_loss(f64(OBS_Y), observation_index_points=f64(OBS_X))) > neg_log_evidence
    fewer = vgp(np.zeros(3), np.eye(3), inducing=OBS_X[::3])
    assert float(fewer.variational_loss(f64(OBS_Y), observation_index_points=f64(OBS_X))) > neg_log_evidence

    def loss(loc, amplitude):
        v = tfd.VariationalGaussianProcess(tfpk.ExponentiatedQuadratic(amplitude, f64(0.5)), f64(NEW_X),
                                           f64(OBS_X[::2]), loc, f64(0.3 * np.eye(4)),
                                           observation_noise_variance=f64(noise))
        return v.variational_loss(f64(OBS_Y), observation_index_points=f64(OBS_X))
    check_gradients(loss, [np.array([0.1, 0.5, -0.2, 0.3]), np.array(1.1)], order=1, modes=("rev",), jacobian=False,
                    atol=1e-6, rtol=1e-5)


def test_gp_errors_name_the_argument():
    kernel = tfpk.ExponentiatedQuadratic(f64(1.0), f64(1.0))
    with pytest.raises(TypeError, match="`kernel`"):
        tfd.GaussianProcess("rbf", f64(OBS_X))
    with pytest.raises(ValueError, match="`index_points`"):
        tfd.GaussianProcess(kernel, f64([1.0, 2.0]))
    with pytest.raises(ValueError, match="both"):
        tfd.GaussianProcessRegressionModel(kernel, f64(NEW_X), observations=f64(OBS_Y))
    with pytest.raises(ValueError, match="`observations`"):
        tfd.GaussianProcessRegressionModel(kernel, f64(NEW_X), f64(OBS_X), f64(OBS_Y[:3]))
    with pytest.raises(ValueError, match="no `index_points`"):
        tfd.GaussianProcess(kernel).mean()


def test_methods_take_other_index_points():
    kernel = tfpk.ExponentiatedQuadratic(f64(1.0), f64(0.7))
    gprm = tfd.GaussianProcessRegressionModel(kernel, f64(NEW_X), f64(OBS_X), f64(OBS_Y),
                                              observation_noise_variance=f64(0.05))
    other = tfd.GaussianProcessRegressionModel(kernel, f64(OBS_X[:3]), f64(OBS_X), f64(OBS_Y),
                                               observation_noise_variance=f64(0.05))
    np.testing.assert_allclose(gprm.mean(index_points=f64(OBS_X[:3])).numpy(), other.mean().numpy(), rtol=1e-12)
    np.testing.assert_allclose(float(gprm.log_prob(f64(OBS_Y[:3]), index_points=f64(OBS_X[:3]))),
                               float(other.log_prob(f64(OBS_Y[:3]))), rtol=1e-12)
    assert gprm.sample(2, seed=1, index_points=f64(OBS_X[:3])).shape == (2, 3)
    gp = tfd.GaussianProcess(kernel, observation_noise_variance=f64(0.1))
    assert gp.variance(index_points=f64(OBS_X)).shape == (7,)
    marginal = gp.get_marginal_distribution(f64(OBS_X))
    np.testing.assert_allclose(float(marginal.log_prob(f64(OBS_Y))),
                               float(gp.log_prob(f64(OBS_Y), index_points=f64(OBS_X))), rtol=1e-10)


def test_student_t_process_marginal_and_entropy_as_tfp():
    # TFP 0.25: FULLY_REPARAMETERIZED; the marginal is a MultivariateStudentTLinearOperator with scale
    # cholesky(K (df - 2) / df + jitter I); entropy 4.160078673251425 for this process
    k = tfpk.ExponentiatedQuadratic(f64(1.2), f64(0.7))
    d = tfd.StudentTProcess(df=f64(5.0), kernel=k, index_points=f64([[0.0], [0.5], [1.3]]),
                            observation_noise_variance=f64(0.1))
    assert d.reparameterization_type == tfd.FULLY_REPARAMETERIZED
    np.testing.assert_allclose(d.entropy().numpy(), 4.160078673251425, rtol=1e-12)
    m = d.get_marginal_distribution()
    assert type(m).__name__ == "MultivariateStudentTLinearOperator" and float(m.df.numpy()) == 5.0
    np.testing.assert_allclose(m.scale.to_dense().numpy(), [[0.96124971, 0.0, 0.0], [0.69644707, 0.66254244, 0.0],
                                                            [0.160229, 0.51027356, 0.79871682]], rtol=1e-7)
    np.testing.assert_allclose(m.log_prob(f64([0.1, 0.2, -0.3])).numpy(), -2.1946646110021235, rtol=1e-12)
    np.testing.assert_allclose(d.log_prob(f64([0.1, 0.2, -0.3])).numpy(), -2.194663506335803, rtol=1e-12)
