"""MixtureSameFamily and Mixture: stable log densities, moments, sampling, shapes."""

import numpy as np
import pytest
import scipy.stats as st
from scipy.special import logsumexp

import probability
import workbench as wb
from gradients import check_gradients

tfd = probability.distributions


def c64(x):
    return wb.constant(np.asarray(x, dtype=np.float64))


W = np.array([0.2, 0.5, 0.3])
LOC = np.array([-2.0, 0.0, 3.0])
SCALE = np.array([0.5, 1.0, 0.3])


def _gmm():
    return tfd.MixtureSameFamily(tfd.Categorical(probs=c64(W)), tfd.Normal(c64(LOC), c64(SCALE)))


def _gmm_logpdf(x):
    return logsumexp(np.log(W) + st.norm(LOC, SCALE).logpdf(np.asarray(x)[..., None]), axis=-1)


def test_log_prob_cdf_and_moments_match_numpy():
    d = _gmm()
    x = np.array([-2.5, 0.1, 3.0, 7.0])
    np.testing.assert_allclose(d.log_prob(c64(x)).numpy(), _gmm_logpdf(x), rtol=1e-12)
    np.testing.assert_allclose(d.cdf(c64(x)).numpy(), (W * st.norm(LOC, SCALE).cdf(x[:, None])).sum(-1), rtol=1e-12)
    mean = (W * LOC).sum()
    np.testing.assert_allclose(float(d.mean()), mean, rtol=1e-12)
    np.testing.assert_allclose(float(d.variance()), (W * (SCALE ** 2 + LOC ** 2)).sum() - mean ** 2, rtol=1e-12)


def test_log_prob_is_stable_far_from_every_component():
    x = c64([1e3, -1e3])
    lp = _gmm().log_prob(x).numpy()
    assert np.all(np.isfinite(lp))
    np.testing.assert_allclose(lp, _gmm_logpdf([1e3, -1e3]), rtol=1e-12)


def test_log_prob_gradients_in_every_parameter():
    def f(logits, loc, scale):
        d = tfd.MixtureSameFamily(tfd.Categorical(logits=logits), tfd.Normal(loc, scale))
        return d.log_prob(c64([-1.0, 0.5, 2.0]))
    check_gradients(f, [np.log(W), LOC, SCALE], order=2, modes=("rev",), jacobian=False)


def test_samples_follow_the_mixture():
    d = _gmm()
    x = d.sample(4000, seed=3).numpy()
    cdf = lambda v: (W * st.norm(LOC, SCALE).cdf(np.asarray(v)[..., None])).sum(-1)
    assert st.kstest(x, cdf).pvalue > 1e-4
    assert d.reparameterization_type is tfd.NOT_REPARAMETERIZED
    np.testing.assert_array_equal(d.sample(5, seed=(1, 2)).numpy(), d.sample(5, seed=(1, 2)).numpy())


def test_batched_mixture_of_mvns():
    # batch [2], 3 components, events [2]
    locs = np.array([[[0.0, 0.0], [1.0, 2.0], [-1.0, 0.5]], [[3.0, 3.0], [0.0, -1.0], [2.0, 0.0]]])
    scales = np.array([[1.0, 0.5], [0.3, 0.3], [2.0, 1.0]])
    w = np.array([[0.1, 0.6, 0.3], [0.3, 0.3, 0.4]])
    d = tfd.MixtureSameFamily(tfd.Categorical(probs=c64(w)),
                              tfd.MultivariateNormalDiag(loc=c64(locs), scale_diag=c64(scales)))
    assert d.batch_shape == (2,) and d.event_shape == (2,)
    x = np.array([[0.5, 1.0], [2.0, 0.0]])
    want = [logsumexp([np.log(w[b, k]) + st.multivariate_normal(locs[b, k], np.diag(scales[k] ** 2)).logpdf(x[b])
                       for k in range(3)]) for b in range(2)]
    np.testing.assert_allclose(d.log_prob(c64(x)).numpy(), want, rtol=1e-12)
    mean = (w[..., None] * locs).sum(1)
    np.testing.assert_allclose(d.mean().numpy(), mean, rtol=1e-12)
    dev = locs - mean[:, None, :]
    cov = (w[..., None, None] * (np.apply_along_axis(np.diag, -1, scales ** 2)[None]
                                 + dev[..., :, None] * dev[..., None, :])).sum(1)
    np.testing.assert_allclose(d.covariance().numpy(), cov, rtol=1e-12)
    np.testing.assert_allclose(d.variance().numpy(), np.diagonal(cov, axis1=-2, axis2=-1), rtol=1e-12)
    s = d.sample(4000, seed=2).numpy()
    assert s.shape == (4000, 2, 2)
    assert np.all(np.abs(s.mean(0) - mean) < 5 * np.sqrt(d.variance().numpy() / 4000))
    sub = d[1:]
    assert sub.batch_shape == (1,)
    np.testing.assert_allclose(sub.log_prob(c64(x[1:])).numpy(), want[1:], rtol=1e-12)


def test_batch_slicing_broadcasts_the_mixture_weights():
    d = tfd.MixtureSameFamily(tfd.Categorical(probs=c64(W)),
                              tfd.Normal(c64(np.stack([LOC, LOC + 1.0])), c64(SCALE)))
    assert d.batch_shape == (2,)
    x = d.sample(4000, seed=6).numpy()
    assert x.shape == (4000, 2)
    assert np.all(np.abs(x.mean(0) - d.mean().numpy()) < 5 * np.sqrt(d.variance().numpy() / 4000))
    np.testing.assert_allclose(d[1].log_prob(c64(0.7)).numpy(), _gmm_logpdf(np.array(-0.3)), rtol=1e-12)


def test_mixture_same_family_errors():
    with pytest.raises(ValueError, match="3 categories"):
        tfd.MixtureSameFamily(tfd.Categorical(probs=c64(W)), tfd.Normal(c64([0.0, 1.0]), c64(1.0)))
    with pytest.raises(TypeError, match="Categorical"):
        tfd.MixtureSameFamily(tfd.Normal(c64(0.0), c64(1.0)), tfd.Normal(c64(LOC), c64(SCALE)))
    with pytest.raises(NotImplementedError, match="reparameterize"):
        tfd.MixtureSameFamily(tfd.Categorical(probs=c64(W)), tfd.Normal(c64(LOC), c64(SCALE)), reparameterize=True)


def test_mixture_of_different_families_equals_the_same_family_version():
    comps = [tfd.Normal(c64(l), c64(s)) for l, s in zip(LOC, SCALE)]
    m = tfd.Mixture(cat=tfd.Categorical(probs=c64(W)), components=comps)
    x = c64([-2.5, 0.1, 3.0, 40.0])
    np.testing.assert_allclose(m.log_prob(x).numpy(), _gmm().log_prob(x).numpy(), rtol=1e-12)
    np.testing.assert_allclose(m.cdf(x).numpy(), _gmm().cdf(x).numpy(), rtol=1e-12)
    np.testing.assert_allclose(float(m.mean()), float(_gmm().mean()), rtol=1e-12)
    np.testing.assert_allclose(float(m.variance()), float(_gmm().variance()), rtol=1e-12)
    np.testing.assert_allclose(float(m.entropy_lower_bound()), (W * st.norm(LOC, SCALE).entropy()).sum(), rtol=1e-12)
    s = m.sample(4000, seed=5).numpy()
    assert st.kstest(s, lambda v: (W * st.norm(LOC, SCALE).cdf(np.asarray(v)[..., None])).sum(-1)).pvalue > 1e-4


def test_mixture_of_mixed_families_and_batches():
    cat = tfd.Categorical(logits=c64([0.0, 1.0]))
    m = tfd.Mixture(cat, [tfd.Normal(c64([0.0, 1.0]), c64(1.0)), tfd.Empirical(c64([0.3, 2.0, 2.0]))])
    assert m.batch_shape == (2,) and m.num_components == 2
    assert m.sample(3, seed=1).shape == (3, 2)
    want = np.logaddexp(np.log(1 / (1 + np.e)) + st.norm([0.0, 1.0], 1.0).logpdf(0.3),
                        np.log(np.e / (1 + np.e)) + np.log(1 / 3))
    np.testing.assert_allclose(m.log_prob(c64(0.3)).numpy(), want, rtol=1e-12)
    with pytest.raises(ValueError, match="2 categories"):
        tfd.Mixture(cat, [tfd.Normal(c64(0.0), c64(1.0))])
    with pytest.raises(ValueError, match="event shape"):
        tfd.Mixture(cat, [tfd.Normal(c64(0.0), c64(1.0)), tfd.MultivariateNormalDiag(loc=c64([0.0, 0.0]))])
