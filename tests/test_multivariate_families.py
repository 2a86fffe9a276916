"""Multivariate families: MVN (Diag, TriL, FullCovariance), Dirichlet, Empirical."""

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


L = np.array([[1.0, 0.0, 0.0], [0.5, 2.0, 0.0], [-0.3, 0.2, 0.7]])


def _three_mvns():
    loc = np.array([0.5, -1.0, 2.0])
    cov = L @ L.T
    return (tfd.MultivariateNormalDiag(loc=c64(loc), scale_diag=c64([1.0, 2.0, 0.5])),
            tfd.MultivariateNormalTriL(loc=c64(-loc), scale_tril=c64(L)),
            tfd.MultivariateNormalFullCovariance(loc=c64(loc[::-1].copy()), covariance_matrix=c64(cov + np.eye(3))))


def _kl_closed_form(a, b):
    ma, mb, ca, cb = a.mean().numpy(), b.mean().numpy(), a.covariance().numpy(), b.covariance().numpy()
    ib = np.linalg.inv(cb)
    k = len(ma)
    return 0.5 * (np.trace(ib @ ca) + (mb - ma) @ ib @ (mb - ma) - k
                  + np.linalg.slogdet(cb)[1] - np.linalg.slogdet(ca)[1])


def test_kl_between_every_pair_of_mvn_families():
    ds = _three_mvns()
    for a in ds:
        for b in ds:
            kl = float(probability.kl_divergence(a, b))
            np.testing.assert_allclose(kl, _kl_closed_form(a, b), rtol=1e-9, atol=1e-12)
    a, b = ds[0], ds[1]
    x = a.sample(200_000, seed=(1, 2))
    ratio = (a.log_prob(x) - b.log_prob(x)).numpy()
    # the Monte Carlo mean within five of its standard errors
    assert abs(ratio.mean() - float(a.kl_divergence(b))) < 5 * ratio.std() / np.sqrt(ratio.size)


def test_kl_mvn_batches_broadcast():
    a = tfd.MultivariateNormalDiag(loc=c64(np.zeros((4, 2))), scale_diag=c64([1.0, 2.0]))
    b = tfd.MultivariateNormalTriL(scale_tril=c64([[1.0, 0.0], [0.3, 1.0]]))
    kl = probability.kl_divergence(a, b).numpy()
    assert kl.shape == (4,) and np.allclose(kl, kl[0])


def test_full_covariance_equals_tril_of_its_cholesky():
    cov = L @ L.T + 0.1 * np.eye(3)
    full = tfd.MultivariateNormalFullCovariance(covariance_matrix=c64(cov))
    tril = tfd.MultivariateNormalTriL(scale_tril=c64(np.linalg.cholesky(cov)))
    x = c64(np.random.default_rng(0).standard_normal((5, 3)))
    np.testing.assert_allclose(full.log_prob(x).numpy(), tril.log_prob(x).numpy(), rtol=1e-10)
    np.testing.assert_allclose(full.covariance().numpy(), cov, rtol=1e-10)
    assert isinstance(full, tfd.MultivariateNormalTriL)
    with pytest.raises(ValueError, match="covariance_matrix"):
        tfd.MultivariateNormalFullCovariance(covariance_matrix=c64([[1.0, 0.2], [0.3, 1.0]]), validate_args=True)


def test_tril_ignores_the_upper_triangle_and_covariance_has_batch_shape():
    junk = L + np.triu(np.full((3, 3), 9.0), 1)
    a, b = tfd.MultivariateNormalTriL(scale_tril=c64(L)), tfd.MultivariateNormalTriL(scale_tril=c64(junk))
    x = c64([0.3, -0.2, 1.0])
    np.testing.assert_allclose(a.log_prob(x).numpy(), b.log_prob(x).numpy(), rtol=1e-12)
    d = tfd.MultivariateNormalTriL(loc=c64(np.zeros((2, 3))), scale_tril=c64(L))
    assert d.covariance().shape == (2, 3, 3) and d.batch_shape == (2,) and d.event_shape == (3,)
    np.testing.assert_allclose(d.stddev().numpy()[0], np.sqrt(np.diag(L @ L.T)), rtol=1e-12)


def test_mvn_samples_are_loc_plus_scale_times_noise():
    loc = c64([1.0, -2.0, 0.5])
    scale = c64(L)
    with GradientTape() as tape:
        tape.watch([loc, scale])
        x = tfd.MultivariateNormalTriL(loc=loc, scale_tril=scale).sample(3, seed=(9, 0))
        y = wb.reduce_sum(x)
    g_loc, g_scale = tape.gradient(y, [loc, scale])
    np.testing.assert_allclose(g_loc.numpy(), [3.0, 3.0, 3.0])
    eps = wb.random.stateless_normal((3, 3), seed=(9, 0), dtype=wb.float64).numpy()
    np.testing.assert_allclose(x.numpy(), loc.numpy() + eps @ L.T, rtol=1e-12)
    np.testing.assert_allclose(g_scale.numpy(), np.tril(np.ones((3, 1)) * eps.sum(0)), rtol=1e-12)


def test_mvn_log_prob_at_tiny_and_huge_scales():
    for s in (1e-150, 1e150):
        d = tfd.MultivariateNormalDiag(loc=c64([0.0, 0.0]), scale_diag=c64([s, 1.0]))
        want = st.norm(0, s).logpdf(0.5 * s) + st.norm(0, 1).logpdf(0.5)
        np.testing.assert_allclose(float(d.log_prob(c64([0.5 * s, 0.5]))), want, rtol=1e-12)


# -- Dirichlet ----------------------------------------------------------------------

def test_kl_dirichlet_matches_scipy_entropy_identity_and_monte_carlo():
    a, b = tfd.Dirichlet(c64([1.5, 0.7, 3.0])), tfd.Dirichlet(c64([2.0, 2.0, 1.0]))
    kl = float(probability.kl_divergence(a, b))
    x = a.sample(200_000, seed=2)
    mc = float(wb.reduce_mean(a.log_prob(x) - b.log_prob(x)))
    assert abs(mc - kl) < 0.02
    np.testing.assert_allclose(float(a.kl_divergence(a)), 0.0, atol=1e-12)


@pytest.mark.parametrize("conc", [1e-3, 1e3])
def test_dirichlet_extreme_concentrations(conc):
    a = np.array([conc, conc, 2.0])
    d = tfd.Dirichlet(c64(a))
    x = d.sample(200, seed=3).numpy()
    assert np.all(np.isfinite(x)) and np.allclose(x.sum(-1), 1.0)
    point = np.array([0.25, 0.25, 0.5])
    np.testing.assert_allclose(float(d.log_prob(c64(point))), st.dirichlet(a).logpdf(point), rtol=1e-9)
    conc_t = c64(a)
    with GradientTape() as tape:
        tape.watch(conc_t)
        y = tfd.Dirichlet(conc_t).log_prob(c64(point)) + wb.reduce_sum(tfd.Dirichlet(conc_t).sample(8, seed=4))
    assert np.all(np.isfinite(tape.gradient(y, conc_t).numpy()))


def test_dirichlet_mode_is_undefined_when_a_concentration_is_at_most_one():
    d = tfd.Dirichlet(c64([[2.0, 3.0, 5.0], [0.5, 3.0, 5.0]]))
    mode = d.mode().numpy()
    np.testing.assert_allclose(mode[0], np.array([1.0, 2.0, 4.0]) / 7.0, rtol=1e-12)
    assert np.all(np.isnan(mode[1]))
    with pytest.raises(ValueError, match="mode"):
        tfd.Dirichlet(c64([0.5, 3.0]), allow_nan_stats=False).mode()


def test_dirichlet_log_prob_gradient_at_concentration_one():
    # d/da of (a - 1) log x is log x, also at a = 1 (TF's xlogy would give 0 there)
    conc = c64([1.0, 2.0])
    with GradientTape() as tape:
        tape.watch(conc)
        y = tfd.Dirichlet(conc).log_prob(c64([0.3, 0.7]))
    want = np.log([0.3, 0.7]) - sp.digamma([1.0, 2.0]) + sp.digamma(3.0)
    np.testing.assert_allclose(tape.gradient(y, conc).numpy(), want, rtol=1e-10)


# -- Empirical --------------------------------------------------------------------

def test_empirical_matches_tfp_documented_examples():
    d = tfd.Empirical(samples=[0.0, 1.0, 1.0, 2.0])
    assert float(d.cdf(1.0)) == 0.75
    np.testing.assert_allclose(d.prob([0.0, 1.0]).numpy(), [0.25, 0.5])
    d = tfd.Empirical(samples=[[0.0, 1.0], [1.0, 2.0]])
    np.testing.assert_allclose(d.cdf([0.0, 2.0]).numpy(), [0.5, 1.0])
    np.testing.assert_allclose(d.prob(0.0).numpy(), [0.5, 0.0])
    d = tfd.Empirical(samples=[[0.0, 0.0], [0.0, 1.0], [0.0, 1.0], [1.0, 2.0]], event_ndims=1)
    assert float(d.cdf([0.0, 1.0])) == 0.75
    np.testing.assert_allclose(d.prob([[0.0, 1.0], [1.0, 2.0]]).numpy(), [0.5, 0.25])
    assert d.event_shape == (2,) and d.batch_shape == () and d.num_samples == 4


def test_empirical_mode_entropy_and_reparameterized_draws():
    d = tfd.Empirical(samples=c64([[3.0, 1.0, 1.0, 3.0, 2.0], [4.0, 4.0, 4.0, 0.0, 0.0]]))
    np.testing.assert_array_equal(d.mode().numpy(), [3.0, 4.0])          # ties: the first value seen
    np.testing.assert_allclose(d.entropy().numpy(), [st.entropy([2, 2, 1]), st.entropy([3, 2])], rtol=1e-12)
    samples = c64([1.0, 2.0, 3.0])
    with GradientTape() as tape:
        tape.watch(samples)
        x = tfd.Empirical(samples).sample(50, seed=1)
        y = wb.reduce_sum(x)
    counts = np.array([(x.numpy() == v).sum() for v in (1.0, 2.0, 3.0)])
    np.testing.assert_array_equal(tape.gradient(y, samples).numpy(), counts)
