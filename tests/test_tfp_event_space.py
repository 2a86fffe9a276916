"""experimental_default_event_space_bijector: every family's (table-driven over the generic
distribution cases), the joint distributions' JointMap of their parts' bijectors (conditioned on
earlier parts, pinned models, AutoBatched models), and the vectorized AutoBatched sample."""

import numpy as np
import pytest
import scipy.stats as st

import probability as tfp
import workbench as wb
from tests.test_distributions import CASES

tfd, tfb = tfp.distributions, tfp.bijectors


def f64(v):
    return wb.constant(np.asarray(v, dtype=np.float64))


# families whose support has no default bijector here (spheres, sample sets, point masses, ...)
NO_BIJECTOR = {"SphericalUniform", "VonMisesFisher", "PowerSpherical", "Empirical", "Deterministic",
               "VectorDeterministic",
               "Autoregressive", "BatchReshape", "Mixture", "MixtureSameFamily"}


@pytest.mark.parametrize("case", CASES, ids=str)
def test_family_bijector_maps_the_reals_onto_the_support(case):
    d = case.make()
    if case.cls.__name__ in NO_BIJECTOR:
        with pytest.raises(NotImplementedError, match=case.cls.__name__):
            d.experimental_default_event_space_bijector()
        return
    b = d.experimental_default_event_space_bijector()
    if case.discrete or np.dtype(d.dtype).kind != "f":
        assert b is None
        return
    x = d.sample(3, seed=11)
    u = b.inverse(x)
    np.testing.assert_allclose(b.forward(u).numpy(), x.numpy(), rtol=1e-6, atol=1e-8)
    # any real input lands in the support: a finite density there
    rng = np.random.default_rng(0)
    z = f64(rng.normal(size=u.shape) * 2.0)
    y = b.forward(z)
    assert np.all(np.isfinite(d.log_prob(y).numpy()))
    ev = len(d.event_shape)
    uev = len(b.inverse_event_shape(d.event_shape))
    fldj = b.forward_log_det_jacobian(z, event_ndims=uev).numpy()
    ildj = b.inverse_log_det_jacobian(y, event_ndims=ev).numpy()
    np.testing.assert_allclose(fldj, -ildj, rtol=1e-6, atol=1e-8)
    if ev == 0:   # elementwise: the log-derivative against central differences
        h = 1e-6
        fd = (b.forward(f64(z.numpy() + h)).numpy() - b.forward(f64(z.numpy() - h)).numpy()) / (2 * h)
        np.testing.assert_allclose(fldj, np.log(np.abs(fd)), rtol=1e-5, atol=1e-6)


def test_bounded_families_use_their_bounds():
    z = f64(np.linspace(-30.0, 30.0, 7))
    y = tfd.Uniform(f64(-1.0), f64(3.0)).experimental_default_event_space_bijector().forward(z).numpy()
    assert np.all((y >= -1.0) & (y <= 3.0))
    y = tfd.Pareto(f64(2.0), f64(1.5)).experimental_default_event_space_bijector().forward(z).numpy()
    assert np.all(y >= 1.5)
    y = tfd.HalfCauchy(f64(2.0), f64(1.0)).experimental_default_event_space_bijector().forward(z).numpy()
    assert np.all(y >= 2.0)
    b = tfd.Independent(tfd.Gamma(f64([1.0, 2.0]), f64(1.0)), 1).experimental_default_event_space_bijector()
    assert isinstance(b, tfb.Softplus)
    td = tfd.TransformedDistribution(tfd.Gamma(f64(2.0), f64(1.0)), tfb.Shift(f64(3.0)))
    assert np.all(td.experimental_default_event_space_bijector().forward(z).numpy() >= 3.0)


def _dependent_model():
    # the second part's support depends on the first: (0, s)
    return tfd.JointDistributionSequential([
        tfd.Exponential(f64(1.0)),
        lambda s: tfd.Uniform(f64(0.0), s),
        lambda u, s: tfd.Dirichlet(f64([1.0, 2.0, 3.0]) * s[..., None]),
    ])


def test_joint_bijector_conditions_each_part_on_the_earlier_ones():
    jd = _dependent_model()
    b = jd.experimental_default_event_space_bijector()
    assert isinstance(b, tfb.JointMap)
    x = [f64([0.3, -1.0]), f64([-1.0, 2.0]), f64([[0.1, 0.2], [0.3, -0.4]])]
    y = b.forward(x)
    assert isinstance(y, list) and y[2].shape == (2, 3)
    s = np.log1p(np.exp(x[0].numpy()))
    np.testing.assert_allclose(y[0].numpy(), s)
    np.testing.assert_allclose(y[1].numpy(), s / (1 + np.exp(-x[1].numpy())))   # Sigmoid onto (0, s)
    assert np.all(np.isfinite(jd.log_prob(y).numpy()))
    for xi, back in zip(x, b.inverse(y)):
        np.testing.assert_allclose(back.numpy(), xi.numpy(), rtol=1e-8, atol=1e-10)
    fldj = b.forward_log_det_jacobian(x).numpy()
    np.testing.assert_allclose(fldj, -b.inverse_log_det_jacobian(y).numpy(), rtol=1e-8)
    # the log-det of the whole map for the first batch member against a finite-difference Jacobian
    def flat_forward(v):
        xs = [f64(v[0:1]), f64(v[1:2]), f64(v[2:4][None])]
        ys = b.forward(xs)
        return np.concatenate([ys[0].numpy(), ys[1].numpy(), ys[2].numpy()[0, :2]])   # 3rd part: 2 free coords
    v0 = np.array([0.3, -1.0, 0.1, 0.2])
    jac = np.empty((4, 4))
    for j in range(4):
        e = np.zeros(4)
        e[j] = 1e-6
        jac[:, j] = (flat_forward(v0 + e) - flat_forward(v0 - e)) / 2e-6
    # measured on the simplex part's first k - 1 coordinates; SoftmaxCentered adds TFP's 0.5 log(k)
    # (the simplex's volume element inside R^k)
    np.testing.assert_allclose(fldj[0], np.log(abs(np.linalg.det(jac))) + 0.5 * np.log(3.0), rtol=1e-5)


def test_named_and_coroutine_models_keep_their_structure():
    named = tfd.JointDistributionNamed(dict(s=tfd.Exponential(f64(1.0)), u=lambda s: tfd.Uniform(f64(0.0), s)))
    b = named.experimental_default_event_space_bijector()
    y = b.forward({"s": f64(0.0), "u": f64(0.0)})
    assert set(y) == {"s", "u"}
    np.testing.assert_allclose(y["u"].numpy(), np.log(2.0) / 2)

    def model():
        s = yield tfd.JointDistributionCoroutine.Root(tfd.Exponential(f64(1.0), name="s"))
        yield tfd.Uniform(f64(0.0), s, name="u")
    co = tfd.JointDistributionCoroutine(model)
    y = co.experimental_default_event_space_bijector().forward([f64(0.0), f64(0.0)])
    assert y._fields == ("s", "u")
    np.testing.assert_allclose(y.u.numpy(), np.log(2.0) / 2)


def test_pinned_models_transform_the_free_parts_only():
    jd = _dependent_model()
    obs = f64([0.2, 0.3, 0.5])
    assert [name for name, _ in jd.resolve_graph()] == ["s", "u", "x"]
    b = jd.experimental_pin(x=obs).experimental_default_event_space_bijector()
    same = jd.experimental_default_event_space_bijector(x=obs)
    y = b.forward([f64(0.0), f64(0.0)])
    # TFP 0.25: a pinned JointDistributionSequential's free parts stay a list
    assert isinstance(y, list) and len(y) == 2 and isinstance(same.forward([f64(0.0), f64(0.0)]), list)
    np.testing.assert_allclose(y[1].numpy(), np.log(2.0) / 2)
    lp = b.forward_log_det_jacobian([f64(0.0), f64(0.0)]).numpy()
    # softplus'(0) = 1/2; d/du of s * sigmoid(u) at u = 0 is s / 4
    np.testing.assert_allclose(lp, np.log(0.5) + np.log(np.log(2.0) / 4))
    with pytest.raises(ValueError, match="2 values"):
        b.forward([f64(0.0)])


def test_auto_batched_bijector_over_chains():
    def model():
        s = yield tfd.Exponential(f64(1.0), name="s")
        u = yield tfd.Uniform(f64(0.0), s * f64(np.ones(3)), name="u")
        yield tfd.Normal(u, f64(1.0), name="y")
    jd = tfd.JointDistributionCoroutineAutoBatched(model)
    b = jd.experimental_default_event_space_bijector(y=f64(np.zeros(3)))
    rng = np.random.default_rng(1)
    x = [f64(rng.normal(size=5)), f64(rng.normal(size=(5, 3)))]
    y = b.forward(x)
    assert y.s.shape == (5,) and y.u.shape == (5, 3)
    assert np.all((y.u.numpy() > 0) & (y.u.numpy() < y.s.numpy()[:, None]))
    fldj = b.forward_log_det_jacobian(x).numpy()
    assert fldj.shape == (5,)
    for k in range(5):   # each chain alone
        one = b.forward_log_det_jacobian([x[0][k], x[1][k]]).numpy()
        np.testing.assert_allclose(fldj[k], one, rtol=1e-10)
    for xi, back in zip(x, b.inverse(y)):
        np.testing.assert_allclose(back.numpy(), xi.numpy(), rtol=1e-8, atol=1e-10)


# -- the vectorized AutoBatched sample ------------------------------------------------------------
def _release_notes_model():
    @tfd.JointDistributionCoroutineAutoBatched
    def model():
        x = yield tfd.Normal(0.0, 1.0, name="x")
        y = x + 4.0
        yield tfd.Normal(y, 1.0, name="y")
    return model


def test_auto_batched_sample_runs_the_model_once_when_it_broadcasts():
    model = _release_notes_model()
    draw = model.sample(10_000, seed=3)
    assert model._vectorized == {(10_000,): True}
    x, y = draw.x.numpy(), draw.y.numpy()
    assert x.shape == (10_000,) and y.shape == (10_000,)
    assert st.kstest(x, "norm").pvalue > 1e-3
    assert st.kstest(y - x, st.norm(4.0, 1.0).cdf).pvalue > 1e-3
    lp = model.log_prob(draw).numpy()
    want = st.norm.logpdf(x) + st.norm.logpdf(y, x + 4.0, 1.0)
    np.testing.assert_allclose(lp, want, rtol=1e-5)


def test_auto_batched_falls_back_to_a_run_per_draw_when_the_model_indexes_draws():
    # x[0] in a one-draw model is the first coordinate; over all draws at once it would be the
    # first draw, which the per-draw comparison catches even where the shapes agree (3 draws of 3)
    def model():
        x = yield tfd.Normal(f64(np.zeros(3)), 1.0, name="x")
        yield tfd.Normal(x[0], f64(1.0), name="y")
    jd = tfd.JointDistributionCoroutineAutoBatched(model)
    draw = jd.sample(3, seed=2)
    assert jd._vectorized == {(3,): False}
    assert draw.x.shape == (3, 3) and draw.y.shape == (3,)
    lp = jd.log_prob(draw).numpy()
    xs, ys = draw.x.numpy(), draw.y.numpy()
    want = st.norm.logpdf(xs).sum(-1) + st.norm.logpdf(ys, xs[:, 0], 1.0)
    np.testing.assert_allclose(lp, want, rtol=1e-10)


def test_auto_batched_vectorized_log_prob_has_gradients():
    model = _release_notes_model()
    draw = model.sample(4, seed=1)
    x = wb.Variable(draw.x)
    with wb.GradientTape() as tape:
        lp = wb.reduce_sum(model.log_prob(x, draw.y))
    g = tape.gradient(lp, x).numpy()
    xv, yv = draw.x.numpy(), draw.y.numpy()
    np.testing.assert_allclose(g, -xv + (yv - xv - 4.0), rtol=1e-5)


def test_auto_batched_model_with_a_python_branch_on_a_value_runs_per_draw():
    def model():
        x = yield tfd.Normal(f64(0.0), 1.0, name="x")
        scale = f64(1.0) if float(x) > 0 else f64(2.0)     # needs one value: fails over all draws at once
        yield tfd.Normal(x, scale, name="y")
    jd = tfd.JointDistributionCoroutineAutoBatched(model)
    draw = jd.sample(6, seed=4)
    assert jd._vectorized == {(6,): False} and draw.y.shape == (6,)
    xs, ys = draw.x.numpy(), draw.y.numpy()
    want = st.norm.logpdf(xs) + st.norm.logpdf(ys, xs, np.where(xs > 0, 1.0, 2.0))
    np.testing.assert_allclose(jd.log_prob(draw).numpy(), want, rtol=1e-10)
