"""JointDistributionSequential and JointDistributionNamed: TFP's calling conventions, sample
shapes, log densities against hand-written hierarchical models, pinning and gradients."""

import numpy as np
import pytest
import scipy.stats as st

import probability
import workbench as wb

tfd, tfb = probability.distributions, probability.bijectors


def f64(a):
    return wb.constant(np.asarray(a, dtype=np.float64))


def test_sequential_passes_earlier_values_most_recent_first():
    seen = []

    def third(b, a):
        seen.append((b.numpy().copy(), a.numpy().copy()))
        return tfd.Normal(a + 10.0 * b, f64(1.0))
    jd = tfd.JointDistributionSequential([
        tfd.Normal(f64(0.0), f64(1.0)),
        lambda a: tfd.Normal(a, f64(2.0)),
        third,
    ])
    a, b, c = jd.sample(seed=3)
    np.testing.assert_array_equal(seen[-1][0], b.numpy())
    np.testing.assert_array_equal(seen[-1][1], a.numpy())
    want = st.norm(0, 1).logpdf(a.numpy()) + st.norm(a.numpy(), 2).logpdf(b.numpy()) \
        + st.norm(a.numpy() + 10 * b.numpy(), 1).logpdf(c.numpy())
    np.testing.assert_allclose(float(jd.log_prob([a, b, c])), want, rtol=1e-12)
    np.testing.assert_allclose(float(jd.log_prob(a, b, c)), want, rtol=1e-12)
    parts = jd.log_prob_parts([a, b, c])
    assert isinstance(parts, list) and len(parts) == 3
    np.testing.assert_allclose(sum(float(p) for p in parts), want, rtol=1e-12)
    assert jd.resolve_graph() == (("a", ()), ("b", ("a",)), ("x", ("b", "a")))


def test_sample_shape_applies_once():
    jd = tfd.JointDistributionSequential([
        tfd.Normal(f64(0.0), f64(1.0)),
        lambda x0: tfd.Independent(tfd.Normal(x0[..., None] * f64(np.ones(3)), f64(1.0)), 1),
        lambda: tfd.Independent(tfd.Normal(f64([0.0, 1.0]), f64(1.0)), 1),      # no dependencies: a root
    ])
    xs = jd.sample((4, 5), seed=1)
    assert [x.shape for x in xs] == [(4, 5), (4, 5, 3), (4, 5, 2)]
    assert jd.log_prob(xs).shape == (4, 5)
    assert jd.event_shape == [(), (3,), (2,)] and jd.batch_shape == [(), (), ()]
    assert jd.dtype == [np.float64] * 3


def test_sampling_is_deterministic_and_pinning_keeps_other_draws():
    jd = tfd.JointDistributionSequential([tfd.Normal(f64(0.0), f64(1.0)), tfd.Normal(f64(0.0), f64(1.0)),
                                          lambda b, a: tfd.Normal(a + b, f64(0.1))])
    x = jd.sample(6, seed=(9, 0))
    y = jd.sample(6, seed=(9, 0))
    for u, v in zip(x, y):
        np.testing.assert_array_equal(u.numpy(), v.numpy())
    pinned = jd.sample(6, seed=(9, 0), value=[None, f64(np.full(6, 100.0)), None])
    np.testing.assert_array_equal(pinned[0].numpy(), x[0].numpy())
    assert np.all(np.abs(pinned[2].numpy() - 100.0 - x[0].numpy()) < 1.0)
    dists, values = jd.sample_distributions(seed=2)
    assert all(isinstance(d, tfd.Normal) for d in dists)
    np.testing.assert_allclose(dists[2].loc.numpy(), (values[0] + values[1]).numpy())


def _eight_schools():
    y = np.array([28.0, 8.0, -3.0, 7.0, -1.0, 1.0, 18.0, 12.0])
    sigma = np.array([15.0, 10.0, 16.0, 11.0, 9.0, 11.0, 10.0, 18.0])
    model = tfd.JointDistributionSequential([
        tfd.Normal(loc=f64(0.0), scale=f64(10.0), name="avg_effect"),
        tfd.Normal(loc=f64(5.0), scale=f64(1.0), name="avg_stddev"),
        tfd.Independent(tfd.Normal(loc=f64(np.zeros(8)), scale=f64(np.ones(8)), name="school_effects_standard"),
                        reinterpreted_batch_ndims=1),
        lambda school_effects_standard, avg_stddev, avg_effect: tfd.Independent(
            tfd.Normal(loc=avg_effect[..., None] + wb.exp(avg_stddev[..., None]) * school_effects_standard,
                       scale=f64(sigma), name="treatment_effects"),
            reinterpreted_batch_ndims=1),
    ])
    return model, y, sigma


def _eight_schools_log_density(mu, log_tau, theta_std, y, sigma):
    mu, log_tau = np.asarray(mu), np.asarray(log_tau)
    theta = mu[..., None] + np.exp(log_tau)[..., None] * theta_std
    return (st.norm(0, 10).logpdf(mu) + st.norm(5, 1).logpdf(log_tau)
            + st.norm(0, 1).logpdf(theta_std).sum(-1) + st.norm(theta, sigma).logpdf(y).sum(-1))


def test_eight_schools_hierarchical_model():
    model, y, sigma = _eight_schools()
    draws = model.sample(10, seed=0)
    assert [d.shape for d in draws] == [(10,), (10,), (10, 8), (10, 8)]
    mu, log_tau, theta_std = (d.numpy() for d in draws[:3])
    lp = model.log_prob(draws[:3] + [f64(np.broadcast_to(y, (10, 8)))]).numpy()
    np.testing.assert_allclose(lp, _eight_schools_log_density(mu, log_tau, theta_std, y, sigma), rtol=1e-10)
    assert model.event_shape == [(), (), (8,), (8,)]

    # the unnormalized posterior and its gradient, as MCMC and VI use them
    state = [wb.Variable(np.array(1.0)), wb.Variable(np.array(2.0)), wb.Variable(np.linspace(-1, 1, 8))]
    with wb.GradientTape() as tape:
        target = model.log_prob(list(state) + [f64(y)])
    grads = tape.gradient(target, state)
    eps = 1e-6
    base = _eight_schools_log_density(1.0, 2.0, np.linspace(-1, 1, 8), y, sigma)
    num = (_eight_schools_log_density(1.0 + eps, 2.0, np.linspace(-1, 1, 8), y, sigma) - base) / eps
    np.testing.assert_allclose(float(grads[0]), num, rtol=1e-4)
    assert grads[2].shape == (8,)


def test_named_resolves_dependencies_by_argument_name():
    jd = tfd.JointDistributionNamed(dict(
        y=lambda log_scale, m: tfd.Normal(m, wb.exp(log_scale)),     # listed before its parents
        m=tfd.Normal(f64(0.0), f64(1.0)),
        log_scale=lambda m: tfd.Normal(m * 0.1, f64(0.3)),
    ))
    assert jd.resolve_graph() == (("m", ()), ("log_scale", ("m",)), ("y", ("log_scale", "m")))
    draw = jd.sample(7, seed=4)
    # TFP 0.25 returns the parts in its resolved order, not the model dict's
    assert list(draw) == ["m", "log_scale", "y"] and all(v.shape == (7,) for v in draw.values())
    m, s, yv = draw["m"].numpy(), draw["log_scale"].numpy(), draw["y"].numpy()
    want = st.norm(0, 1).logpdf(m) + st.norm(0.1 * m, 0.3).logpdf(s) + st.norm(m, np.exp(s)).logpdf(yv)
    np.testing.assert_allclose(jd.log_prob(draw).numpy(), want, rtol=1e-12)
    np.testing.assert_allclose(jd.log_prob(**draw).numpy(), want, rtol=1e-12)
    parts = jd.log_prob_parts(draw)
    assert set(parts) == {"y", "m", "log_scale"}
    np.testing.assert_allclose(parts["m"].numpy(), st.norm(0, 1).logpdf(m), rtol=1e-12)
    pinned = jd.sample(seed=4, m=f64(3.0))
    assert float(pinned["m"]) == 3.0
    assert jd.event_shape == {"y": (), "m": (), "log_scale": ()}


def test_model_errors_name_the_problem():
    with pytest.raises(ValueError, match="cycle"):
        tfd.JointDistributionNamed(dict(a=lambda b: tfd.Normal(b, 1.0), b=lambda a: tfd.Normal(a, 1.0)))
    with pytest.raises(ValueError, match="not parts of the model"):
        tfd.JointDistributionNamed(dict(a=lambda c: tfd.Normal(c, 1.0)))
    with pytest.raises(ValueError, match="takes 2 arguments"):
        tfd.JointDistributionSequential([tfd.Normal(0.0, 1.0), lambda a, b: tfd.Normal(a, 1.0)])
    jd = tfd.JointDistributionSequential([tfd.Normal(0.0, 1.0), lambda a: 3.0])
    with pytest.raises(TypeError, match="not a Distribution"):
        jd.sample(seed=1)
    good = tfd.JointDistributionSequential([tfd.Normal(0.0, 1.0), lambda a: tfd.Normal(a, 1.0)])
    with pytest.raises(ValueError, match="2 values"):
        good.log_prob([wb.constant(0.0)])
    with pytest.raises(ValueError, match="unknown part names"):
        tfd.JointDistributionNamed(dict(a=tfd.Normal(0.0, 1.0))).log_prob(b=0.0)


def test_transformed_parts_inside_a_joint_model():
    # a positive scale through a bijector, as in TFP's hierarchical examples
    jd = tfd.JointDistributionNamed(dict(
        scale=tfb.Exp()(tfd.Normal(f64(0.0), f64(0.5))),
        x=lambda scale: tfd.Normal(f64(0.0), scale),
    ))
    draw = jd.sample(5, seed=1)
    s, x = draw["scale"].numpy(), draw["x"].numpy()
    want = st.lognorm(0.5).logpdf(s) + st.norm(0, s).logpdf(x)
    np.testing.assert_allclose(jd.log_prob(draw).numpy(), want, rtol=1e-10)


def test_sample_with_values_for_the_first_parts_draws_the_rest():
    # TFP's sample(value=...) takes a shorter list: the first parts are pinned, the rest drawn
    # (Probabilistic PCA samples x from posterior draws of w and z this way)
    import probability
    tfd_ = probability.distributions

    def model():
        w = yield tfd_.Normal(np.zeros(2), 1.0, name="w")
        yield tfd_.Normal(w, 0.1, name="x")

    for jd in (tfd_.JointDistributionCoroutineAutoBatched(model),
               tfd_.JointDistributionSequential([tfd_.Normal(np.zeros(2), 1.0), lambda w: tfd_.Normal(w, 0.1)])):
        w = np.array([5.0, -5.0])
        draw = jd.sample(value=(w,), seed=2)
        np.testing.assert_array_equal(draw[0].numpy(), w)
        assert np.all(np.abs(draw[1].numpy() - w) < 1.0)
        with pytest.raises(ValueError, match="expected"):
            jd.log_prob((w,))


def test_auto_batched_sample_takes_the_sample_shape_of_pinned_draws():
    # model.sample(value=surrogate.sample(50)) in TFP's Probabilistic PCA: 50 posterior predictive draws
    import probability
    tfd_ = probability.distributions

    def model():
        w = yield tfd_.Normal(np.zeros(2), 1.0, name="w")
        yield tfd_.Normal(w, 0.1, name="x")

    jd = tfd_.JointDistributionCoroutineAutoBatched(model)
    w = np.random.default_rng(0).normal(size=(5, 2))
    draw = jd.sample(value=(w,), seed=3)
    assert draw.x.shape == (5, 2)
    np.testing.assert_array_equal(draw.w.numpy(), w)
    assert np.all(np.abs(draw.x.numpy() - w) < 1.0)
    with pytest.raises(ValueError, match="pinned values have sample shape"):
        jd.sample(4, value=(w,))
