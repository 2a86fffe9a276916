"""TransformedDistribution (change of variables, CDFs through monotone maps, affine moments),
Independent (event reinterpretation, KL), and a RealNVP flow that learns."""

import math

import numpy as np
import pytest
import scipy.integrate
import scipy.stats as st

import probability
import workbench as wb
from probability.distributions import FULLY_REPARAMETERIZED

tfd, tfb = probability.distributions, probability.bijectors


def f64(a):
    return wb.constant(np.asarray(a, dtype=np.float64))


def normal(loc, scale):
    return tfd.Normal(f64(loc), f64(scale))


# ---------------------------------------------------------------------------
# TransformedDistribution


def test_exp_of_normal_is_lognormal():
    mu, sigma = np.array([0.0, 0.5, -1.0]), np.array([1.0, 0.3, 2.0])
    d = tfb.Exp()(normal(mu, sigma))
    assert isinstance(d, tfd.TransformedDistribution)
    assert d.batch_shape == (3,) and d.event_shape == () and d.dtype == np.float64
    ref = st.lognorm(s=sigma, scale=np.exp(mu))
    y = np.array([0.2, 1.7, 5.0])
    np.testing.assert_allclose(d.log_prob(f64(y)).numpy(), ref.logpdf(y), rtol=1e-10)
    np.testing.assert_allclose(d.prob(f64(y)).numpy(), ref.pdf(y), rtol=1e-10)
    np.testing.assert_allclose(d.cdf(f64(y)).numpy(), ref.cdf(y), rtol=1e-10)
    np.testing.assert_allclose(d.log_cdf(f64(y)).numpy(), ref.logcdf(y), rtol=1e-10)
    np.testing.assert_allclose(d.survival_function(f64(y)).numpy(), ref.sf(y), rtol=1e-10)
    np.testing.assert_allclose(d.log_survival_function(f64(y)).numpy(), ref.logsf(y), rtol=1e-10)
    np.testing.assert_allclose(d.quantile(f64(0.3)).numpy(), ref.ppf(0.3), rtol=1e-10)
    x = d.sample(3000, seed=4).numpy()
    assert x.shape == (3000, 3)
    for j in range(3):
        assert st.kstest(x[:, j], st.lognorm(s=sigma[j], scale=np.exp(mu[j])).cdf).pvalue > 1e-4


def test_log_prob_of_own_samples_uses_the_cache():
    d = tfb.Exp()(normal(0.0, 1.0))
    y = d.sample(5, seed=1)
    np.testing.assert_allclose(d.log_prob(y).numpy(), st.lognorm(1.0).logpdf(y.numpy()), rtol=1e-10)
    # saturating sigmoid: the sample rounds to 1.0, its log_prob stays finite through the cache
    sat = tfb.Sigmoid()(tfd.Normal(wb.constant(40.0), wb.constant(1.0)))
    s = sat.sample(4, seed=0)
    assert np.all(s.numpy() == 1.0) and np.all(np.isfinite(sat.log_prob(s).numpy()))


def test_logit_normal_by_formula_and_integral():
    mu, sigma = 0.7, 1.3
    d = tfb.Sigmoid()(normal(mu, sigma))
    y = np.array([1e-4, 0.1, 0.5, 0.93, 1 - 1e-6])
    logit = np.log(y) - np.log1p(-y)
    want = -0.5 * ((logit - mu) / sigma) ** 2 - np.log(sigma * np.sqrt(2 * np.pi)) - np.log(y * (1 - y))
    np.testing.assert_allclose(d.log_prob(f64(y)).numpy(), want, rtol=1e-10)
    total, _ = scipy.integrate.quad(lambda v: float(d.prob(f64(v)).numpy()), 0, 1, limit=200)
    assert abs(total - 1.0) < 1e-7
    # cdf: the numerical integral of the density up to 0.4
    part, _ = scipy.integrate.quad(lambda v: float(d.prob(f64(v)).numpy()), 0, 0.4, limit=200)
    np.testing.assert_allclose(float(d.cdf(f64(0.4))), part, rtol=1e-8)


def test_decreasing_bijector_flips_cdf_and_quantile():
    # -2 X + 1 with X ~ N(1, 1) is N(-1, 2)
    d = tfb.Chain([tfb.Shift(1.0), tfb.Scale(-2.0)])(normal(1.0, 1.0))
    ref = st.norm(-1.0, 2.0)
    y = np.array([-3.0, -1.0, 2.5])
    np.testing.assert_allclose(d.log_prob(f64(y)).numpy(), ref.logpdf(y), rtol=1e-10)
    np.testing.assert_allclose(d.cdf(f64(y)).numpy(), ref.cdf(y), rtol=1e-10)
    np.testing.assert_allclose(d.log_survival_function(f64(y)).numpy(), ref.logsf(y), rtol=1e-10)
    np.testing.assert_allclose(d.quantile(f64(0.2)).numpy(), ref.ppf(0.2), rtol=1e-10)
    # direction per batch member
    mixed = tfb.Scale(f64([2.0, -2.0]))(normal(0.5, 1.0))
    np.testing.assert_allclose(mixed.cdf(f64([1.0, 1.0])).numpy(),
                               [st.norm(1.0, 2.0).cdf(1.0), st.norm(-1.0, 2.0).cdf(1.0)], rtol=1e-10)


def test_affine_moments_and_entropy():
    d = tfb.Shift(f64([1.0, -1.0]))(tfb.Scale(3.0)(normal(0.5, 2.0)))
    assert d.batch_shape == (2,)
    np.testing.assert_allclose(d.mean().numpy(), [2.5, 0.5])
    np.testing.assert_allclose(d.entropy().numpy(), st.norm(0, 6.0).entropy() * np.ones(2), rtol=1e-10)
    with pytest.raises(NotImplementedError, match="affine.*Exp"):
        tfb.Exp()(normal(0.0, 1.0)).mean()
    with pytest.raises(NotImplementedError, match="scalar events"):
        tfb.SoftmaxCentered()(tfd.Independent(normal(np.zeros(2), 1.0), 1)).cdf(f64([0.3, 0.3, 0.4]))


def test_multivariate_normal_from_affine_transform():
    rng = np.random.default_rng(0)
    L = np.tril(rng.normal(size=(3, 3)))
    L[np.diag_indices(3)] = np.abs(L[np.diag_indices(3)]) + 0.5
    mu = np.array([1.0, -2.0, 0.5])
    base = tfd.Independent(normal(np.zeros(3), np.ones(3)), reinterpreted_batch_ndims=1)
    mvn = tfb.Chain([tfb.Shift(f64(mu)), tfb.ScaleMatvecTriL(f64(L))])(base)
    assert mvn.event_shape == (3,) and mvn.batch_shape == ()
    y = rng.normal(size=(4, 3))
    ref = st.multivariate_normal(mu, L @ L.T)
    np.testing.assert_allclose(mvn.log_prob(f64(y)).numpy(), ref.logpdf(y), rtol=1e-10)
    np.testing.assert_allclose(mvn.mean().numpy(), mu)
    np.testing.assert_allclose(float(mvn.entropy()), ref.entropy(), rtol=1e-10)
    draws = mvn.sample(20000, seed=3).numpy()
    np.testing.assert_allclose(np.cov(draws.T), L @ L.T, atol=0.15)


def test_bijector_batch_shape_gives_independent_draws():
    d = tfb.Shift(f64([0.0, 0.0, 0.0]))(normal(0.0, 1.0))
    x = d.sample(2000, seed=2).numpy()
    assert x.shape == (2000, 3)
    assert abs(np.corrcoef(x.T)[0, 1]) < 0.1
    assert d.log_prob(f64(x)).shape == (2000, 3)


def test_event_rank_errors_and_slicing():
    # TFP builds a bijector over too few event dims and raises where a density or draw is asked for
    bad = tfb.ScaleMatvecTriL(f64(np.eye(2)))(normal(np.zeros(2), 1.0))
    with pytest.raises(ValueError, match="Independent"):
        bad.log_prob(f64([0.0, 1.0]))
    with pytest.raises(ValueError, match="Independent"):
        bad.sample(seed=1)
    d = tfb.Exp()(normal([0.0, 1.0, 2.0], 1.0))
    sub = d[1:]
    assert sub.batch_shape == (2,)
    y = f64([1.0, 2.0, 3.0])
    np.testing.assert_allclose(sub.log_prob(y[1:]).numpy(), d.log_prob(y).numpy()[1:])


def test_reparameterized_gradients_flow_through_the_bijector():
    loc = wb.Variable(np.array(0.3))
    d = tfb.Exp()(tfd.Normal(loc, f64(0.5)))
    assert d.reparameterization_type is FULLY_REPARAMETERIZED
    with wb.GradientTape() as tape:
        m = wb.reduce_mean(d.sample(200000, seed=1))
    # d/dloc E[exp(X)] = E[exp(X)] = exp(loc + s^2/2)
    np.testing.assert_allclose(float(tape.gradient(m, loc)), math.exp(0.3 + 0.125), rtol=1e-2)
    with wb.GradientTape() as tape:
        lp = d.log_prob(f64(2.0))
    # d/dloc log p(2) = (log 2 - loc) / s^2
    np.testing.assert_allclose(float(tape.gradient(lp, loc)), (math.log(2.0) - 0.3) / 0.25, rtol=1e-10)


# ---------------------------------------------------------------------------
# Independent


def test_independent_shapes_log_prob_and_entropy():
    loc, scale = np.zeros((2, 3, 4)), np.linspace(0.5, 2.0, 24).reshape(2, 3, 4)
    base = normal(loc, scale)
    d = tfd.Independent(base, reinterpreted_batch_ndims=2)
    assert d.batch_shape == (2,) and d.event_shape == (3, 4)
    assert tfd.Independent(base).event_shape == (2, 3, 4)       # None: every batch dim
    x = d.sample(5, seed=1)
    assert x.shape == (5, 2, 3, 4)
    lp = d.log_prob(x).numpy()
    np.testing.assert_allclose(lp, st.norm(loc, scale).logpdf(x.numpy()).sum((-1, -2)), rtol=1e-10)
    np.testing.assert_allclose(d.entropy().numpy(), st.norm(loc, scale).entropy().sum((-1, -2)), rtol=1e-10)
    np.testing.assert_allclose(d.mean().numpy(), loc)
    np.testing.assert_allclose(d.log_cdf(f64(np.zeros(4))).numpy(), np.full(2, 12 * math.log(0.5)), rtol=1e-10)
    # a value that broadcasts against the batch still counts once per member
    np.testing.assert_allclose(d.log_prob(f64(np.zeros(4))).numpy(),
                               st.norm(loc, scale).logpdf(0.0).sum((-1, -2)), rtol=1e-10)
    assert d[1:].batch_shape == (1,) and d[1:].event_shape == (3, 4)
    with pytest.raises(ValueError, match="reinterpreted_batch_ndims"):
        tfd.Independent(base, reinterpreted_batch_ndims=4)


def test_independent_kl():
    a = tfd.Independent(normal(np.zeros((2, 3)), np.ones((2, 3))), 1)
    b = tfd.Independent(normal(np.full((2, 3), 0.5), np.full((2, 3), 2.0)), 1)
    per = probability.kl_divergence(normal(0.0, 1.0), normal(0.5, 2.0)).numpy()
    np.testing.assert_allclose(probability.kl_divergence(a, b).numpy(), np.full(2, 3 * per), rtol=1e-10)
    x = a.sample(100000, seed=5)
    mc = wb.reduce_mean(a.log_prob(x) - b.log_prob(x), axis=0).numpy()
    np.testing.assert_allclose(mc, 3 * per, atol=0.03)
    with pytest.raises(NotImplementedError, match="event shapes"):
        probability.kl_divergence(a, tfd.Independent(normal(np.zeros((2, 3)), 1.0), 2))


# ---------------------------------------------------------------------------
# a normalizing flow


def test_real_nvp_flow_learns_a_banana():
    rng = np.random.default_rng(0)
    z = rng.normal(size=(512, 2)).astype(np.float32)
    data = wb.constant(np.stack([z[:, 0], 0.5 * z[:, 1] + 0.6 * z[:, 0] ** 2 - 0.6], axis=1))
    flow = tfb.Chain([
        tfb.RealNVP(num_masked=1, shift_and_log_scale_fn=tfb.real_nvp_default_template([16], seed=1,
                                                                                         activation=wb.tanh)),
        tfb.RealNVP(fraction_masked=-0.5, shift_and_log_scale_fn=tfb.real_nvp_default_template(
            [16], seed=2, activation=wb.tanh)),
    ])
    dist = flow(tfd.Independent(tfd.Normal(wb.zeros([2]), 1.0), reinterpreted_batch_ndims=1))

    def nll():
        return -wb.reduce_mean(dist.log_prob(data))
    start = float(nll())
    variables = dist.trainable_variables
    assert len(variables) == 8
    for _ in range(150):
        with wb.GradientTape() as tape:
            loss = nll()
        for v, g in zip(variables, tape.gradient(loss, variables)):
            v.assign_sub(0.05 * g)
    end = float(nll())
    assert np.isfinite(end) and end < start - 0.3, (start, end)
    assert dist.sample(7, seed=3).shape == (7, 2)
