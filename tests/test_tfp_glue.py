"""TFP model glue: JointDistributionCoroutine (Root, StructTuple, pinning), the AutoBatched joint
distributions, TransformedTransitionKernel, windowed adaptive NUTS/HMC and Eight Schools."""

import numpy as np
import pytest
import scipy.stats as st

import probability
import workbench as wb

tfd, tfb, mcmc = probability.distributions, probability.bijectors, probability.mcmc
Root = tfd.JointDistributionCoroutine.Root


def f64(a):
    return wb.constant(np.asarray(a, dtype=np.float64))


def _hierarchy():
    scale = yield Root(tfd.Exponential(f64(1.0), name="scale"))
    loc = yield Root(tfd.Normal(f64(0.0), f64(2.0), name="loc"))
    yield tfd.Independent(tfd.Normal(loc[..., None] * f64(np.ones(3)), scale[..., None]), 1, name="y")


def test_coroutine_sample_log_prob_against_scipy():
    jd = tfd.JointDistributionCoroutine(_hierarchy)
    draw = jd.sample(5, seed=(3, 0))
    assert type(draw).__name__ == "StructTuple" and draw._fields == ("scale", "loc", "y")
    assert draw.scale.shape == (5,) and draw.y.shape == (5, 3)
    s, m, y = (t.numpy() for t in draw)
    want = st.expon().logpdf(s) + st.norm(0, 2).logpdf(m) + st.norm(m[:, None], s[:, None]).logpdf(y).sum(-1)
    np.testing.assert_allclose(jd.log_prob(draw).numpy(), want, rtol=1e-10)
    np.testing.assert_allclose(jd.log_prob(*draw).numpy(), want, rtol=1e-10)
    np.testing.assert_allclose(jd.log_prob(scale=draw.scale, loc=draw.loc, y=draw.y).numpy(), want, rtol=1e-10)
    parts = jd.log_prob_parts(draw)
    np.testing.assert_allclose(parts.scale.numpy(), st.expon().logpdf(s), rtol=1e-10)
    np.testing.assert_array_equal(jd.sample(5, seed=(3, 0)).y.numpy(), y)
    assert jd.event_shape == (jd.event_shape._make([(), (), (3,)]))


def test_coroutine_sample_distributions_and_pinning():
    jd = tfd.JointDistributionCoroutine(_hierarchy)
    dists, values = jd.sample_distributions(seed=1)
    assert isinstance(dists.y, tfd.Independent)
    np.testing.assert_allclose(dists.y.distribution.loc.numpy(), np.full(3, float(values.loc)), rtol=1e-12)
    pinned = jd.sample(4, seed=2, y=f64([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(pinned.y.numpy(), [1.0, 2.0, 3.0])
    assert pinned.scale.shape == (4,)


def test_coroutine_unnamed_parts_and_errors():
    def model():
        a = yield Root(tfd.Normal(f64(0.0), f64(1.0)))
        yield tfd.Normal(a, f64(1.0))
    jd = tfd.JointDistributionCoroutine(model)
    assert jd.sample(seed=0)._fields == ("var0", "var1")
    with pytest.raises(ValueError, match="expected 2 values"):
        jd.log_prob([f64(0.0)])

    def bad():
        yield 3.0
    with pytest.raises(TypeError, match="yielded a float"):
        tfd.JointDistributionCoroutine(bad)
    with pytest.raises(TypeError, match="generator function"):
        tfd.JointDistributionCoroutine(tfd.Normal(0.0, 1.0))


def test_coroutine_log_prob_gradient():
    jd = tfd.JointDistributionCoroutine(_hierarchy)
    x = [f64(1.5), f64(0.2), f64([0.0, 1.0, -1.0])]
    with wb.GradientTape() as tape:
        tape.watch(x)
        lp = jd.log_prob(x)
    g = tape.gradient(lp, x[1]).numpy()
    # d/dloc: -loc/4 + sum(y - loc) / scale^2
    np.testing.assert_allclose(g, -0.2 / 4 + np.sum(np.array([0.0, 1.0, -1.0]) - 0.2) / 1.5 ** 2, rtol=1e-10)


@pytest.mark.parametrize("kind", ["sequential", "named", "coroutine"])
def test_auto_batched_models_need_no_sample_dimensions(kind):
    loc0 = f64(0.0)
    if kind == "sequential":
        jd = tfd.JointDistributionSequentialAutoBatched(
            [tfd.Normal(loc0, 1.0), lambda mu: tfd.Normal(mu, f64(np.ones(4)))])
    elif kind == "named":
        jd = tfd.JointDistributionNamedAutoBatched(
            dict(mu=tfd.Normal(loc0, 1.0), x=lambda mu: tfd.Normal(mu, f64(np.ones(4)))))
    else:
        def model():
            mu = yield tfd.Normal(loc0, 1.0, name="mu")
            yield tfd.Normal(mu, f64(np.ones(4)), name="x")
        jd = tfd.JointDistributionCoroutineAutoBatched(model)
    draws = jd.sample([2, 3], seed=4)
    mu, x = (draws["mu"], draws["x"]) if kind == "named" else (draws[0], draws[1])
    assert mu.shape == (2, 3) and x.shape == (2, 3, 4)
    assert jd.batch_shape == ()
    lp = jd.log_prob(draws)
    want = st.norm(0, 1).logpdf(mu.numpy()) + st.norm(mu.numpy()[..., None], 1).logpdf(x.numpy()).sum(-1)
    assert lp.shape == (2, 3)
    np.testing.assert_allclose(lp.numpy(), want, rtol=1e-10)
    # the plain joint distribution needs sample-aware models: its log_prob is per batch member
    one = jd.sample(seed=5)
    assert jd.log_prob(one).shape == ()


def test_auto_batched_batch_ndims_keeps_leading_dims():
    jd = tfd.JointDistributionSequentialAutoBatched(
        [tfd.Normal(f64(np.zeros(3)), 1.0), lambda a: tfd.Normal(a[:, None], f64(np.ones((3, 2))))], batch_ndims=1)
    draw = jd.sample(seed=1)
    assert jd.batch_shape == (3,) and jd.event_shape == [(), (2,)]
    a, b = (t.numpy() for t in draw)
    want = st.norm(0, 1).logpdf(a) + st.norm(a[:, None], 1).logpdf(b).sum(-1)
    np.testing.assert_allclose(jd.log_prob(draw).numpy(), want, rtol=1e-10)


def test_transformed_kernel_samples_a_positive_target():
    target = tfd.Gamma(f64(3.0), f64(2.0))
    kernel = mcmc.TransformedTransitionKernel(
        mcmc.HamiltonianMonteCarlo(target.log_prob, step_size=0.4, num_leapfrog_steps=4), tfb.Exp())
    samples, tlp = mcmc.sample_chain(300, f64(np.ones(16)), kernel=kernel, num_burnin_steps=100, seed=(2, 3),
                                     trace_fn=lambda _, kr: kr.inner_results.accepted_results.target_log_prob)
    x = samples.numpy()
    assert x.shape == (300, 16) and np.all(x > 0)
    # the inner target lives in log space: log p(exp(u)) + u
    u = np.log(x)
    np.testing.assert_allclose(tlp.numpy(), st.gamma(3, scale=0.5).logpdf(x) + u, rtol=1e-8)
    assert abs(x.mean() - 1.5) < 0.1 and abs(x.var() - 0.75) < 0.15


def test_transformed_kernel_under_step_size_adaptation_and_errors():
    kernel = mcmc.TransformedTransitionKernel(
        mcmc.NoUTurnSampler(tfd.HalfNormal(f64(1.0)).log_prob, step_size=1.0), tfb.Softplus())
    adaptive = mcmc.SimpleStepSizeAdaptation(kernel, num_adaptation_steps=20)
    kr = adaptive.bootstrap_results(f64(np.ones(4)))
    assert float(mcmc.hmc_like_step_size_getter_fn(kr.inner_results)) == 1.0
    state, kr = adaptive.one_step(f64(np.ones(4)), kr, seed=1)
    assert float(kr.new_step_size) != 1.0 and np.all(state.numpy() > 0)
    with pytest.raises(TypeError, match="TransitionKernel"):
        mcmc.TransformedTransitionKernel(lambda x: x, tfb.Exp())
    with pytest.raises(ValueError, match="exactly one"):
        kernel.bootstrap_results()


SCHOOLS_Y = np.array([28., 8., -3., 7., -1., 1., 18., 12.])
SCHOOLS_SIGMA = np.array([15., 10., 16., 11., 9., 11., 10., 18.])
# the non-centered model's posterior means (mu ~ N(0, 5), tau ~ HalfCauchy(0, 5); Stan and TFP's tutorial)
SCHOOLS_MU, SCHOOLS_TAU = 4.4, 3.6
SCHOOLS_THETA = np.array([6.2, 5.0, 3.9, 4.8, 3.6, 4.0, 6.3, 4.9])


@pytest.mark.slow
def test_eight_schools_nuts_through_transformed_kernel():
    def model():
        mu = yield Root(tfd.Normal(f64(0.0), 5.0, name="mu"))
        tau = yield Root(tfd.HalfCauchy(f64(0.0), 5.0, name="tau"))
        theta_prime = yield Root(tfd.Sample(tfd.Normal(f64(0.0), 1.0), 8, name="theta_prime"))
        yield tfd.Independent(tfd.Normal(mu[..., None] + tau[..., None] * theta_prime, SCHOOLS_SIGMA), 1, name="y")
    jd = tfd.JointDistributionCoroutine(model)

    def target(mu, tau, theta_prime):
        return jd.log_prob(mu, tau, theta_prime, f64(SCHOOLS_Y))
    chains = 8
    init = [f64(np.zeros(chains)), f64(np.ones(chains)), f64(np.zeros((chains, 8)))]
    # unconstrained coordinates of a similar scale: mu / 5 (its prior scale), log tau, theta_prime
    kernel = mcmc.TransformedTransitionKernel(mcmc.NoUTurnSampler(target, step_size=0.3, max_tree_depth=6),
                                              [tfb.Scale(f64(5.0)), tfb.Exp(), tfb.Identity()])
    kernel = mcmc.DualAveragingStepSizeAdaptation(kernel, num_adaptation_steps=200, target_accept_prob=0.8)
    mu, tau, tp = mcmc.sample_chain(400, init, kernel=kernel, num_burnin_steps=250, seed=(1, 2), trace_fn=None)
    theta = mu.numpy()[..., None] + tau.numpy()[..., None] * tp.numpy()
    rhat = mcmc.potential_scale_reduction([mu, tau, wb.constant(theta)])
    assert max(float(np.max(r.numpy())) for r in rhat) < 1.01, [r.numpy() for r in rhat]
    assert abs(mu.numpy().mean() - SCHOOLS_MU) < 0.6
    assert abs(tau.numpy().mean() - SCHOOLS_TAU) < 0.6
    np.testing.assert_allclose(theta.mean((0, 1)), SCHOOLS_THETA, atol=0.8)


@pytest.mark.slow
def test_windowed_adaptive_nuts_on_an_auto_batched_model():
    def model():
        mu = yield tfd.Normal(f64(0.0), 5.0, name="mu")
        tau = yield tfd.HalfNormal(f64(5.0), name="tau")
        theta_prime = yield tfd.Sample(tfd.Normal(f64(0.0), 1.0), 8, name="theta_prime")
        yield tfd.Independent(tfd.Normal(mu + tau * theta_prime, SCHOOLS_SIGMA), 1, name="y")
    jd = tfd.JointDistributionCoroutineAutoBatched(model)
    draws, trace = mcmc.windowed_adaptive_nuts(150, jd, n_chains=4, num_adaptation_steps=150, seed=(3, 4),
                                               y=f64(SCHOOLS_Y))
    assert draws._fields == ("mu", "tau", "theta_prime")
    assert draws.mu.shape == (150, 4) and draws.theta_prime.shape == (150, 4, 8)
    assert set(trace) >= {"step_size", "target_log_prob", "diverging", "accept_ratio", "n_steps", "tune"}
    assert np.all(draws.tau.numpy() > 0) and not np.any(trace["tune"].numpy())
    assert abs(draws.mu.numpy().mean() - SCHOOLS_MU) < 1.2
    assert float(np.max(mcmc.potential_scale_reduction(draws.mu).numpy())) < 1.05


def test_windowed_adaptive_hmc_on_a_gaussian():
    jd = tfd.JointDistributionNamed(dict(x=tfd.Normal(f64(np.zeros(2)), f64([1.0, 10.0]))))
    draws, trace = mcmc.windowed_adaptive_hmc(200, jd, num_leapfrog_steps=4, n_chains=8, num_adaptation_steps=120,
                                              seed=(5, 6), discard_tuning=False)
    x = draws["x"].numpy()
    assert x.shape == (320, 8, 2) and trace["tune"].numpy()[:120].all() and not trace["tune"].numpy()[120:].any()
    kept = x[120:].reshape(-1, 2)
    # the mass matrix adapts to the scales 1 and 10: both coordinates mix
    np.testing.assert_allclose(kept.std(0), [1.0, 10.0], rtol=0.25)
    with pytest.raises(ValueError, match="not parts of the model"):
        mcmc.windowed_adaptive_hmc(5, jd, num_leapfrog_steps=2, n_chains=2, num_adaptation_steps=0, z=1.0)


def test_batch_broadcast_draws_members_independently_and_checks_shapes():
    d = tfd.BatchBroadcast(tfd.Normal(f64([0.0, 1.0, 2.0]), f64(1.0)), with_shape=[2, 1])
    assert d.batch_shape == (2, 3)
    x = d.sample(3000, seed=1).numpy()
    assert abs(np.corrcoef(x[:, 0, 1], x[:, 1, 1])[0, 1]) < 0.08
    np.testing.assert_allclose(x.mean(0), [[0.0, 1.0, 2.0]] * 2, atol=0.1)
    assert d[1:, 1].batch_shape == (1,) and d[0].batch_shape == (3,)
    with pytest.raises(ValueError, match="to_shape"):
        tfd.BatchBroadcast(tfd.Normal(f64([0.0, 1.0]), f64(1.0)), to_shape=[3])
    with pytest.raises(ValueError, match="exactly one"):
        tfd.BatchBroadcast(tfd.Normal(f64(0.0), f64(1.0)))


def test_batch_reshape_and_masked():
    r = tfd.BatchReshape(tfd.Normal(f64(np.arange(6.0)), f64(1.0)), [2, -1])
    assert r.batch_shape == (2, 3) and r.sample(4, seed=1).shape == (4, 2, 3)
    np.testing.assert_array_equal(r[1].mean().numpy(), [3.0, 4.0, 5.0])
    with pytest.raises(ValueError, match="members"):
        tfd.BatchReshape(tfd.Normal(f64(np.zeros(6)), f64(1.0)), [4])
    m = tfd.Masked(tfd.Normal(f64([0.0, 1.0, 2.0]), f64(1.0)), [True, False, True])
    lp = m.log_prob(f64([0.0, 0.0, 0.0])).numpy()
    np.testing.assert_allclose(lp, [st.norm(0, 1).logpdf(0), 0.0, st.norm(2, 1).logpdf(0)], rtol=1e-12)
    draws = m.sample(5, seed=2).numpy()
    np.testing.assert_allclose(draws[:, 1], 0.29888859, rtol=1e-7)   # TFP's draw with the zeros seed
    with pytest.raises(TypeError, match="boolean"):
        tfd.Masked(tfd.Normal(f64(0.0), f64(1.0)), [1.0])


def test_mala_samples_a_gaussian_with_and_without_volatility():
    target = tfd.MultivariateNormalDiag(f64([1.0, -2.0]), f64([1.0, 3.0])).log_prob
    for volatility_fn in (None, lambda x: 1.0 + 0.1 * wb.square(x)):
        kernel = mcmc.MetropolisAdjustedLangevinAlgorithm(target, step_size=0.8, volatility_fn=volatility_fn)
        samples, accepted = mcmc.sample_chain(1000, f64(np.zeros((16, 2))), kernel=kernel, num_burnin_steps=200,
                                              seed=(1, 2), trace_fn=lambda _, kr: kr.is_accepted)
        x = samples.numpy().reshape(-1, 2)
        np.testing.assert_allclose(x.mean(0), [1.0, -2.0], atol=0.4)
        np.testing.assert_allclose(x.std(0), [1.0, 3.0], rtol=0.15)
        assert 0.3 < accepted.numpy().mean() < 1.0


def test_mala_proposal_correction_matches_the_gaussian_proposal_density():
    target = lambda x: -0.5 * wb.reduce_sum(x * x * x * x, axis=-1)  # noqa: E731
    kernel = mcmc.UncalibratedLangevin(target, step_size=0.3)
    x0 = f64([[0.5, -1.0]])
    x1, kr = kernel.one_step(x0, kernel.bootstrap_results(x0), seed=4)
    a, b = x0.numpy()[0], x1.numpy()[0]

    def log_q(to, frm):
        mean = frm + 0.3 * 0.5 * (-2.0 * frm ** 3)
        return np.sum(st.norm(mean, np.sqrt(0.3)).logpdf(to))
    np.testing.assert_allclose(float(kr.log_acceptance_correction[0]), log_q(a, b) - log_q(b, a), rtol=1e-10)


def test_replica_exchange_crosses_between_modes_where_hmc_does_not():
    mix = tfd.MixtureSameFamily(tfd.Categorical(probs=f64([0.5, 0.5])), tfd.Normal(f64([-5.0, 5.0]), f64([0.5, 0.5])))
    kernel = mcmc.ReplicaExchangeMC(mix.log_prob, [1.0, 0.3, 0.05],
                                    lambda fn: mcmc.HamiltonianMonteCarlo(fn, step_size=0.4, num_leapfrog_steps=3))
    samples, swaps = mcmc.sample_chain(400, f64(np.full(8, -5.0)), kernel=kernel, num_burnin_steps=50, seed=(1, 2),
                                       trace_fn=lambda _, kr: kr.is_swap_accepted_adjacent)
    assert swaps.shape == (400, 2, 8) and swaps.numpy().mean() > 0.1
    assert 0.05 < (samples.numpy() > 0).mean() < 0.95
    plain = mcmc.sample_chain(400, f64(np.full(8, -5.0)), kernel=mcmc.HamiltonianMonteCarlo(mix.log_prob, 0.4, 3),
                              seed=(1, 2), trace_fn=None)
    assert (plain.numpy() > 0).mean() == 0.0
    with pytest.raises(ValueError, match="positive"):
        mcmc.ReplicaExchangeMC(mix.log_prob, [1.0, 0.0], lambda fn: mcmc.HamiltonianMonteCarlo(fn, 0.4, 3))


def test_experimental_pin_conditions_on_observed_parts():
    jd = tfd.JointDistributionCoroutine(_hierarchy)
    y = f64([0.5, -0.3, 1.2])
    pinned = jd.experimental_pin(y=y)
    assert pinned.pins.keys() == {"y"}
    want = jd.log_prob(scale=f64(1.3), loc=f64(0.2), y=y)
    np.testing.assert_allclose(float(pinned.unnormalized_log_prob(f64(1.3), f64(0.2))), float(want), rtol=1e-12)
    np.testing.assert_allclose(float(pinned.unnormalized_log_prob(scale=f64(1.3), loc=f64(0.2))), float(want),
                               rtol=1e-12)
    draw = pinned.sample_unpinned(4, seed=1)
    assert draw._fields == ("scale", "loc") and draw.scale.shape == (4,)
    assert pinned.unnormalized_log_prob(draw).shape == (4,)
    parts = pinned.log_prob_parts(scale=f64(1.3), loc=f64(0.2))
    np.testing.assert_allclose(sum(float(p) for p in parts), float(want), rtol=1e-12)
    seq = tfd.JointDistributionPinned(tfd.JointDistributionSequentialAutoBatched(
        [tfd.Normal(f64(0.0), 1.0), lambda mu: tfd.Normal(mu, f64(np.ones(3)))]), x=y)
    np.testing.assert_allclose(float(seq.unnormalized_log_prob(f64(0.4))),
                               st.norm(0, 1).logpdf(0.4) + st.norm(0.4, 1).logpdf(y.numpy()).sum(), rtol=1e-12)
    with pytest.raises(ValueError, match="not parts of the model"):
        jd.experimental_pin(z=y)
    with pytest.raises(ValueError, match="missing"):
        pinned.unnormalized_log_prob(scale=f64(1.0))


def test_version_is_the_projects():
    import probability
    assert probability.__version__ == wb.__version__
