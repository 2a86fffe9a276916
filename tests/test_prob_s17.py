"""Session 17 probability fixes, each pinned against TFP 0.25 (or mpmath where TFP's value is off)."""

import numpy as np
import pytest

import gradients
import workbench as wb
from probability import distributions as tfd

NAN, INF = np.nan, np.inf


def close(actual, expected, rtol=1e-6, atol=1e-12):
    actual = np.asarray(actual.numpy() if hasattr(actual, "numpy") else actual)
    np.testing.assert_allclose(actual, np.asarray(expected, actual.dtype), rtol=rtol, atol=atol, equal_nan=True)


# -- Masked draws the whole broadcast batch (TFP samples a BatchBroadcast) -----------------------

def test_masked_sample_draws_every_batch_member():
    d = tfd.Masked(tfd.Normal(wb.zeros([4]), 1.0),
                   validity_mask=[[True, False, True, True], [False, True, True, True]])
    assert d.batch_shape == (2, 4)
    # TFP 0.25's values for seed (1, 2); the masked members hold the all-zeros-seed draw
    close(d.sample(seed=(1, 2)), [[0.5441101, -0.4813767, 0.07356432, 0.04643455],
                                  [-1.697034, -0.9538565, 0.84172857, 1.9396868]])
    close(d.sample(2, seed=(1, 2)), [[[0.5441101, -0.4813767, 0.07356432, 0.04643455],
                                      [-1.697034, -0.9538565, 0.84172857, 1.9396868]],
                                     [[0.65125775, -0.4813767, 1.3746227, 1.148752],
                                      [-1.697034, 0.55104923, 0.07009614, 0.707385]]])


def test_masked_sample_rows_are_independent():
    d = tfd.Masked(tfd.Normal(wb.zeros([3]), 1.0), validity_mask=np.ones([400, 3], bool))
    x = d.sample(seed=(3, 4)).numpy()
    assert x.shape == (400, 3)
    assert abs(np.corrcoef(x[:-1, 0], x[1:, 0])[0, 1]) < 0.2
    assert 0.8 < x.std() < 1.2


# -- VonMises log tails far out --------------------------------------------------------------------

def test_von_mises_log_cdf_far_tail():
    # mpmath (50 digits): TFP 0.25's normal approximation gives -45.0127 at x = -2, concentration 30
    d = tfd.VonMises(np.float64(0.0), np.float64(30.0))
    close(d.log_cdf(np.float64(-2.0)), -44.99396181280324, rtol=1e-13)
    close(d.log_survival_function(np.float64(2.0)), -44.99396181280324, rtol=1e-13)
    d32 = tfd.VonMises(0.0, 30.0)
    close(d32.log_cdf([-2.0, -2.7]), [-44.99396181280324, -58.66850237202082], rtol=1e-6)
    close(d32.cdf([-2.0]), [np.exp(-44.99396181280324)], rtol=1e-5, atol=0.0)
    cases = [(-2.0, 1000.0, -1420.4241895880996629), (-1.0, 1000.0, -463.8987918266312981),
             (-3.1, 1e5, -199917.00444489573666), (-1.0, 1e5, -45976.272219585765648),
             (-3.0, 1.0, -5.025249884003181), (-1.0, 3.0, -2.820663773649318)]
    for y, c, expected in cases:
        close(tfd.VonMises(np.float64(0.0), np.float64(c)).log_cdf(np.float64(y)), expected, rtol=1e-13)


def test_von_mises_cdf_body_and_turns():
    # concentration 0 is uniform on [-pi, pi); TFP 0.25 (float64) at concentration 3; whole turns add one
    d = tfd.VonMises(np.float64(0.5), np.float64(0.0))
    close(d.cdf(np.float64([-2.5, 0.5, 1.5, 1.5 + 2 * np.pi])),
          [0.5 - 3 / (2 * np.pi), 0.5, 0.5 + 1 / (2 * np.pi), 1.5 + 1 / (2 * np.pi)], rtol=1e-14)
    close(tfd.VonMises(np.float64(0.0), np.float64(3.0)).cdf(np.float64([-1.0, 0.0, 1.0, 2.0])),
          [5.95663910e-02, 0.5, 1 - 5.95663910e-02, 9.96032271e-01], rtol=1e-8)


def test_von_mises_cdf_gradients_match_finite_differences():
    def f(x, loc, c):
        return tfd.VonMises(loc, c).log_cdf(x) + tfd.VonMises(loc, c).log_survival_function(x + 0.3)
    x = wb.constant(np.float64([-2.0, -0.4, 0.0, 1.1, 2.9]))
    loc = wb.constant(np.float64(0.2))
    c = wb.constant(np.float64([30.0, 2.0, 5.0, 0.3, 8.0]))
    gradients.check_gradients(f, [x, loc, c], order=1)


# -- JointDistributionSequential names parts as TFP does ---------------------------------------------

def test_jds_names_a_callable_part_by_its_distribution_name():
    # TFP 0.25: the explicit name= of the distribution a callable makes names its part
    m = tfd.JointDistributionSequential([tfd.Normal(0.0, 1.0),
                                         lambda scale: tfd.Normal(0.0, wb.exp(scale), name="observed")])
    assert m.resolve_graph() == (("scale", ()), ("observed", ("scale",)))
    close(m.experimental_pin(observed=1.0).log_prob(0.3), -2.457283, rtol=1e-6)
    ab = tfd.JointDistributionSequentialAutoBatched([tfd.Normal(0.0, 1.0),
                                                     lambda s: tfd.Normal(0.0, wb.exp(s), name="obs")])
    assert ab.resolve_graph() == (("s", ()), ("obs", ("s",)))


def test_jds_names_follow_tfp_rules():
    # resolve_graph lists a callable's own argument names ('_' too); default names go last part first
    m = tfd.JointDistributionSequential([tfd.Normal(0.0, 1.0, name="a"), lambda a: tfd.Normal(a, 1.0),
                                         tfd.Normal(0.0, 1.0), lambda z, _, a: tfd.Normal(a + z, 1.0)])
    assert m.resolve_graph() == (("a", ()), ("x1", ("a",)), ("z", ()), ("x", ("z", "_", "a")))
    m = tfd.JointDistributionSequential([tfd.Normal(0.0, 1.0), lambda x: tfd.Normal(x, 1.0, name="MyNormal"),
                                         tfd.Normal(0.0, 1.0, name="x1")])
    assert m.resolve_graph() == (("x", ()), ("x2", ("x",)), ("x1", ()))
    m = tfd.JointDistributionSequential([tfd.Normal(0.0, 1.0), tfd.Normal(0.0, 1.0, name="x"), tfd.Normal(0.0, 1.0)])
    assert m.resolve_graph() == (("x2", ()), ("x", ()), ("x1", ()))


@pytest.mark.parametrize("model, message", [
    (lambda: [tfd.Normal(0.0, 1.0, name="a"), lambda b: tfd.Normal(b, 1.0)],
     'Inconsistent names: component with name "a" was referred to by a different name "b".'),
    (lambda: [tfd.Normal(0.0, 1.0), lambda a: tfd.Normal(a, 1.0), lambda b: tfd.Normal(b, 1.0),
              lambda c, a: tfd.Normal(c, 1.0)],
     'Inconsistent names: component with name "b" was referred to by a different name "a".'),
    (lambda: [tfd.Normal(0.0, 1.0, name="a"), tfd.Normal(0.0, 1.0, name="a")],
     "Distribution names must be unique: ('a', 'a')"),
    (lambda: [tfd.Normal(0.0, 1.0, name="value")], 'Distribution name "value" is not allowed'),
])
def test_jds_name_errors_as_tfp(model, message):
    m = tfd.JointDistributionSequential(model())
    with pytest.raises(ValueError) as info:
        m.resolve_graph()
    assert message in str(info.value)


# -- tfp.math.betainc: the derivative in x in log space -----------------------------------------------

def test_betainc_x_derivative_keeps_its_digits_for_huge_shapes():
    from probability import math as tfm
    # mpmath (50 digits) of x**(a-1) (1-x)**(b-1) / B(a, b); TFP 0.25 agrees to 1e-14, tf.math.betainc
    # (and wb.math.betainc) lose about six digits at a = 5e9
    cases = [(5e9, 2.0, 0.9999999998, 1839397206.4090245), (5e9, 3.0, 1 - 2e-10, 919698679.66859534),
             (5e9, 5e9, 0.5, 79788.456078291824), (5e9, 5e9, 0.50001, 10798.193302564227),
             (5e9, 1e-3, 0.99999999, 1.9374253766281091e-17), (2.0, 5e9, 1e-10, 1516326649.6985734),
             (1e3, 2e3, 0.33, 43.206748127603204), (5e9, 1e9, 0.8333333, 82916.592577124536)]
    a, b, x, expected = (np.array(v, np.float64) for v in zip(*cases))
    x = wb.constant(x)
    with gradients.GradientTape() as tape:
        tape.watch(x)
        y = tfm.betainc(a, b, x)
    close(y, wb.math.betainc(a, b, x))
    close(tape.gradient(y, x), expected, rtol=1e-13)


def test_betainc_gradients_match_finite_differences():
    from probability import math as tfm
    a = wb.constant(np.float64([0.7, 3.0, 40.0, 60.0]))
    b = wb.constant(np.float64([2.5, 0.9, 35.0, 45.0]))
    x = wb.constant(np.float64([0.3, 0.6, 0.52, 0.6]))
    gradients.check_gradients(lambda x: tfm.betainc(a, b, x), [x], order=2)
    gradients.check_gradients(lambda a, b, x: tfm.betainc(a, b, x), [a, b, x], order=1, modes=("rev",))
    x32 = wb.constant(np.float32([0.3, 0.6]))
    with gradients.GradientTape() as tape:
        tape.watch(x32)
        y = tfm.betainc(np.float32([2.0, 3.0]), np.float32([3.0, 2.0]), x32)
    g = tape.gradient(y, x32)
    assert g.dtype == wb.float32
    close(g, [12 * 0.3 * 0.7 ** 2, 12 * 0.6 ** 2 * 0.4], rtol=1e-6)


# -- distributions and bijectors come out of a wb.function (TFP: they are CompositeTensors) -------------

def test_distribution_returned_from_function():
    @wb.function
    def make(x):
        return tfd.Normal(x, 2.0 * x)

    d = make(wb.constant([1.0, 2.0]))
    assert isinstance(d, tfd.Normal) and d.batch_shape == (2,)
    close(d.scale, [2.0, 4.0])
    close(d.log_prob(0.5), [-1.6433357, -2.3755455])
    d = make(wb.constant([3.0, 2.0]))      # a replay: new values, the same structure
    close(d.loc, [3.0, 2.0])
    close(d.scale, [6.0, 4.0])


def test_nested_distributions_and_bijectors_returned_from_function():
    from probability import bijectors as tfb
    from probability import experimental as tfe

    @wb.function
    def make(x):
        return (tfd.Independent(tfd.Normal(x, 1.0), 1),
                {"a": tfd.MultivariateNormalTriL(x, wb.eye(2) * x[0])},
                tfe.as_composite(tfd.TransformedDistribution(tfd.Normal(x[0], 1.0), tfb.Shift(x[1]))),
                tfb.Scale(x))

    for x in ([1.0, 2.0], [5.0, 2.0]):
        ind, mvn, td, scale = make(wb.constant(x))
        close(ind.distribution.loc, x)
        close(mvn["a"].scale_tril, np.eye(2) * x[0])
        close(td.mean(), x[0] + x[1])
        close(scale.forward(wb.ones([2])), x)
    # TFP 0.25 draws (seed (1, 2)) from the returned distributions
    close(ind.sample(seed=(1, 2)), [5.5441101, 2.2073803])


def test_as_composite_gives_components():
    from probability import experimental as tfe
    from workbench import core
    d = tfe.as_composite(tfd.Independent(tfd.Normal(wb.constant([1.0, 2.0]), 3.0), 1))
    assert isinstance(d, core.CompositeTensor) and isinstance(d, tfd.Independent)
    parts = d.components()
    close(parts[0], [1.0, 2.0])
    e = d.from_components([p * 2.0 for p in parts])
    close(e.distribution.loc, [2.0, 4.0])
    assert len(parts) == 1 and e.distribution.scale == 3.0    # a Python number is part of the structure
    assert not isinstance(tfd.Normal(0.0, 1.0), core.CompositeTensor)    # eager ones stay plain


# -- surrogate posteriors with one bijector over the whole structure ---------------------------------

@pytest.mark.parametrize("build", ["factored", "affine"])
def test_surrogate_with_a_whole_structure_bijector(build):
    from probability import bijectors as tfb
    from probability.experimental import vi
    fn = vi.build_factored_surrogate_posterior if build == "factored" else vi.build_affine_surrogate_posterior
    kw = {} if build == "factored" else {"operators": "diag"}
    jd = tfd.JointDistributionSequential([tfd.HalfNormal(1.0), tfd.Sample(tfd.Normal(0.0, 1.0), 2),
                                          tfd.Uniform(0.0, 5.0)])
    # TFP 0.25: the bijector maps the whole structure of factors (a TransformedDistribution)
    q = fn(event_shape=jd.event_shape, bijector=jd.experimental_default_event_space_bijector(), seed=(1, 2), **kw)
    assert isinstance(q, tfd.TransformedDistribution)
    assert [tuple(s) for s in q.event_shape] == [(), (2,), ()]
    assert len(q.trainable_variables) == (6 if build == "factored" else 2)
    x = q.sample(3, seed=(3, 4))
    assert [tuple(v.shape) for v in x] == [(3,), (3, 2), (3,)]
    assert np.all(x[0].numpy() > 0) and np.all((x[2].numpy() > 0) & (x[2].numpy() < 5))
    assert np.all(np.isfinite(q.log_prob(x).numpy()))
    q = fn(event_shape={"a": [2], "b": []}, bijector=tfb.JointMap({"a": tfb.Exp(), "b": tfb.Sigmoid()}), seed=(1, 2),
           **kw)
    assert isinstance(q, tfd.TransformedDistribution)
    x = q.sample(2, seed=(3, 4))
    assert x["a"].shape == (2, 2) and np.all(x["a"].numpy() > 0) and np.all((x["b"].numpy() > 0) & (x["b"].numpy() < 1))


# -- tfp.experimental.mcmc: Stan's initialization and the windowed samplers ----------------------------

def test_init_near_unconstrained_zero_and_retry_init_match_tfp():
    from probability.experimental import mcmc
    jd = tfd.JointDistributionNamed(dict(x=tfd.Independent(tfd.Normal(np.zeros(2, np.float32),
                                                                      np.float32([1.0, 10.0])), 1),
                                         s=tfd.HalfNormal(1.0), y=lambda s: tfd.Normal(0.0, s)))
    init = mcmc.init_near_unconstrained_zero(jd.experimental_pin(y=0.5))
    assert isinstance(init, tfd.TransformedDistribution)
    one = init.sample(seed=(1, 2))
    close(one["s"], 1.0634164810180664)
    close(one["x"], [-0.7567992210388184, -0.4603605270385742])
    three = init.sample(3, seed=(3, 4))
    close(three["s"], [1.5772881507873535, 1.614152193069458, 0.4228285849094391])
    jd2 = tfd.JointDistributionSequential([tfd.HalfNormal(1.0), tfd.Sample(tfd.Normal(0.0, 1.0), 2),
                                           tfd.Uniform(0.0, 5.0)])
    init = mcmc.init_near_unconstrained_zero(jd2)
    x = init.sample(2, seed=(3, 4))
    close(x[2], [4.20924186706543, 3.922106981277466])
    close(init.log_prob(x), [-4.9069138, -5.1554084], rtol=1e-5)
    # TFP 0.25: states whose first part is above 1 are drawn again, member by member
    got = mcmc.retry_init(init.sample, lambda v: wb.where(v[0] > 1.0, -np.inf, 0.0), sample_shape=[4], seed=(5, 6))
    close(got[0], [0.5310447216033936, 0.17749765515327454, 0.4393672049045563, 0.5823527574539185])
    close(got[1], [[-1.3361601829528809, 1.9767889976501465], [0.1734318733215332, 1.067263126373291],
                   [-1.1722760200500488, 0.8014044761657715], [-1.3842134475708008, 1.0845222473144531]])
    close(got[2], [0.8569356799125671, 2.0329222679138184, 0.9002844095230103, 2.154572010040283], rtol=2e-7)
    with pytest.raises(wb.errors.InvalidArgumentError, match="after 3 trials"):
        mcmc.retry_init(init.sample, lambda v: wb.zeros_like(v[0]) - np.inf, sample_shape=[2], max_trials=3, seed=1)


def test_windowed_samplers_have_tfp_signature_and_trace():
    from probability.experimental import mcmc
    jd = tfd.JointDistributionNamed(dict(x=tfd.Independent(tfd.Normal(np.zeros(2, np.float32),
                                                                      np.float32([1.0, 10.0])), 1),
                                         s=tfd.HalfNormal(1.0), y=lambda s: tfd.Normal(0.0, s)))
    states, trace = mcmc.windowed_adaptive_hmc(5, jd, num_leapfrog_steps=3, n_chains=3, num_adaptation_steps=20,
                                               dual_averaging_kwargs={"target_accept_prob": 0.9}, seed=(1, 2), y=0.5)
    assert states["x"].shape == (5, 3, 2) and states["s"].shape == (5, 3)
    assert {"step_size", "tune", "target_log_prob", "diverging", "log_acceptance_correction", "accept_ratio",
            "is_accepted"} <= set(trace)
    # TFP's keyword arguments beyond its own are pins: target_accept_prob is not a part of the model
    with pytest.raises(ValueError, match="not parts of the model"):
        mcmc.windowed_adaptive_hmc(5, jd, num_leapfrog_steps=3, n_chains=3, num_adaptation_steps=0,
                                   target_accept_prob=0.9, y=0.5)
    out = mcmc.windowed_adaptive_nuts(4, jd, n_chains=2, num_adaptation_steps=20, return_final_kernel_results=True,
                                      discard_tuning=False, seed=(1, 2), y=0.5)
    assert out._fields == ("all_states", "trace", "final_kernel_results")
    assert out.all_states["x"].shape == (24, 2, 2)
    assert {"step_size", "tune", "target_log_prob", "diverging", "accept_ratio", "n_steps",
            "is_accepted"} <= set(out.trace)


# -- auto-batched joint distributions: Gamma parts drawn as TFP draws them under vectorized_map ----------

def test_auto_batched_gamma_parts_match_tfp_vectorized_draws():
    # TFP 0.25 (use_vectorized_map=True, a pair seed): each draw runs the model on its own seed, and
    # its implementation selection picks the portable Gamma rejection kernel there
    d = tfd.JointDistributionSequentialAutoBatched([tfd.Gamma(2.0, 1.0), lambda g: tfd.Poisson(g),
                                                    lambda n, g: tfd.Beta(g, 2.0)])
    x = d.sample([2, 2], seed=(3, 4))
    close(x[0], [[2.6425249576568604, 0.21521015465259552], [3.530776262283325, 2.3763539791107178]], rtol=1e-6)
    b = tfd.JointDistributionSequentialAutoBatched([tfd.Gamma([2.0, 3.0], 1.0), lambda g: tfd.Poisson(g),
                                                    tfd.Uniform(-1.0, 1.0)])
    x = b.sample([2, 2], seed=(3, 4))
    close(x[0], np.reshape([2.6425249576568604, 2.0402934551239014, 0.21521015465259552, 3.8723535537719727,
                            3.530776262283325, 1.3834251165390015, 2.3763539791107178, 1.4433292150497437],
                           (2, 2, 2)), rtol=1e-6)
    close(x[2], [[0.610764741897583, 0.9232850074768066], [0.19295930862426758, -0.6923732757568359]])
    n = tfd.JointDistributionNamedAutoBatched(dict(r=tfd.Gamma(3.0, 2.0), s=lambda r: tfd.StudentT(4.0, 0.0, r),
                                                   d=tfd.Dirichlet([1.0, 2.0, 3.0])))
    x = n.sample([2, 2], seed=(3, 4))
    close(x["r"], [[1.9304455518722534, 0.30118146538734436], [2.449676752090454, 1.7709624767303467]], rtol=1e-6)
    close(x["s"], [[1.6956123113632202, 0.07005614042282104], [1.1022777557373047, 0.17721204459667206]],
          rtol=1e-5)


def test_vectorized_gamma_kernel_is_reparameterized():
    from probability.internal import samplers
    conc = wb.constant(np.float64([0.5, 2.0, 7.0]))
    with samplers.vectorized_draw():
        with gradients.GradientTape() as tape:
            tape.watch(conc)
            x = tfd.Gamma(conc, np.float64(1.5)).sample(seed=(1, 2))
        g = tape.gradient(x, conc)
    # implicit gradient -dF/dc / p, by finite differences of the CDF at the draw
    eps = 1e-6
    import scipy.special as sp
    xv, c = x.numpy(), conc.numpy()
    dF = (sp.gammainc(c + eps, 1.5 * xv) - sp.gammainc(c - eps, 1.5 * xv)) / (2 * eps)
    p = np.exp((c - 1) * np.log(xv) - 1.5 * xv + c * np.log(1.5) - sp.gammaln(c))
    close(g, -dF / p, rtol=1e-5)
