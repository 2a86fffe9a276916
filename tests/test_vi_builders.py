"""tfp.vi breadth: the surrogate-posterior builders (factored, affine, ASVI) and the Csiszar functions."""

import numpy as np
import pytest
from scipy import stats

import probability
import workbench as wb
from probability import distributions as tfd
from probability import vi

tfb = probability.bijectors


# -- Csiszar functions against their closed forms ----------------------------------------------------

_LOGU = np.linspace(-4.0, 4.0, 17)
_U = np.exp(_LOGU)
_LOG2 = np.log(2.0)

CLOSED_FORMS = [
    ("kl_reverse", lambda l: vi.kl_reverse(l), -_LOGU),
    ("kl_reverse self-normalized", lambda l: vi.kl_reverse(l, self_normalized=True), -_LOGU + _U - 1),
    ("kl_forward", lambda l: vi.kl_forward(l), _U * _LOGU),
    ("kl_forward self-normalized", lambda l: vi.kl_forward(l, self_normalized=True), _U * _LOGU - (_U - 1)),
    ("amari_alpha 0", lambda l: vi.amari_alpha(l, alpha=0.0), -_LOGU),
    ("amari_alpha 0 self-normalized", lambda l: vi.amari_alpha(l, alpha=0.0, self_normalized=True),
     -_LOGU + (_U - 1)),
    ("amari_alpha 1", lambda l: vi.amari_alpha(l, alpha=1.0), _U * _LOGU),
    ("amari_alpha 1 self-normalized", lambda l: vi.amari_alpha(l, alpha=1.0, self_normalized=True),
     _U * _LOGU - (_U - 1)),
    ("amari_alpha 0.5", lambda l: vi.amari_alpha(l, alpha=0.5), (_U ** 0.5 - 1) / (0.5 * -0.5)),
    ("amari_alpha 2 self-normalized", lambda l: vi.amari_alpha(l, alpha=2.0, self_normalized=True),
     ((_U ** 2 - 1) - 2 * (_U - 1)) / 2.0),
    ("arithmetic_geometric", lambda l: vi.arithmetic_geometric(l), (1 + _U) * np.log((1 + _U) / np.sqrt(_U))),
    ("arithmetic_geometric self-normalized", lambda l: vi.arithmetic_geometric(l, self_normalized=True),
     (1 + _U) * np.log((1 + _U) / np.sqrt(_U)) - (1 + _U) * _LOG2),
    ("chi_square", lambda l: vi.chi_square(l), _U ** 2 - 1),
    ("jeffreys", lambda l: vi.jeffreys(l), 0.5 * (_U * _LOGU - _LOGU)),
    ("jensen_shannon", lambda l: vi.jensen_shannon(l), _U * _LOGU - (1 + _U) * np.log1p(_U)),
    ("jensen_shannon self-normalized", lambda l: vi.jensen_shannon(l, self_normalized=True),
     _U * _LOGU - (1 + _U) * np.log1p(_U) + (_U + 1) * _LOG2),
    ("log1p_abs", lambda l: vi.log1p_abs(l), _U ** np.sign(_U - 1) - 1),
    ("modified_gan", lambda l: vi.modified_gan(l), np.log1p(_U) - _LOGU),
    ("modified_gan self-normalized", lambda l: vi.modified_gan(l, self_normalized=True),
     np.log1p(_U) - _LOGU + 0.5 * (_U - 1)),
    ("pearson", lambda l: vi.pearson(l), (_U - 1) ** 2),
    ("squared_hellinger", lambda l: vi.squared_hellinger(l), (np.sqrt(_U) - 1) ** 2),
    ("t_power 0.5", lambda l: vi.t_power(l, 0.5), -(_U ** 0.5 - 1)),
    ("t_power 0.5 self-normalized", lambda l: vi.t_power(l, 0.5, self_normalized=True),
     -(_U ** 0.5 - 1 - 0.5 * (_U - 1))),
    ("t_power 2", lambda l: vi.t_power(l, 2.0), _U ** 2 - 1),
    ("t_power -1 self-normalized", lambda l: vi.t_power(l, -1.0, self_normalized=True),
     _U ** -1 - 1 + (_U - 1)),
    ("total_variation", lambda l: vi.total_variation(l), 0.5 * np.abs(_U - 1)),
    ("triangular", lambda l: vi.triangular(l), (_U - 1) ** 2 / (1 + _U)),
    ("dual of kl_forward is kl_reverse", lambda l: vi.dual_csiszar_function(l, vi.kl_forward), -_LOGU),
    ("dual of pearson", lambda l: vi.dual_csiszar_function(l, vi.pearson), _U * (1 / _U - 1) ** 2),
    ("symmetrized kl_reverse is jeffreys", lambda l: vi.symmetrized_csiszar_function(l, vi.kl_reverse),
     0.5 * (_U * _LOGU - _LOGU)),
    ("symmetrized triangular", lambda l: vi.symmetrized_csiszar_function(l, vi.triangular),
     0.5 * ((_U - 1) ** 2 / (1 + _U) + _U * (1 / _U - 1) ** 2 / (1 + 1 / _U))),
]


@pytest.mark.parametrize("name,fn,expected", CLOSED_FORMS, ids=[c[0] for c in CLOSED_FORMS])
def test_csiszar_function_closed_form(name, fn, expected):
    got = fn(wb.constant(_LOGU))
    assert got.dtype == np.float64
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-12, atol=1e-12)
    if "self-normalized" in name:
        # f'(1) = 0: d f / d logu = u f'(u) vanishes at logu = 0
        x = wb.constant([0.0], dtype="float64")
        with wb.GradientTape() as tape:
            tape.watch(x)
            y = wb.reduce_sum(fn(x))
        np.testing.assert_allclose(tape.gradient(y, x).numpy(), [0.0], atol=1e-12)


@pytest.mark.parametrize("name,fn,expected", CLOSED_FORMS, ids=[c[0] for c in CLOSED_FORMS])
def test_csiszar_function_gradient_matches_finite_differences(name, fn, expected):
    x = wb.constant(_LOGU[1:-1:3] + 0.05)
    with wb.GradientTape() as tape:
        tape.watch(x)
        y = wb.reduce_sum(fn(x))
    grad = tape.gradient(y, x).numpy()
    eps = 1e-6
    num = (fn(wb.constant(x.numpy() + eps)).numpy() - fn(wb.constant(x.numpy() - eps)).numpy()) / (2 * eps)
    np.testing.assert_allclose(grad, num, rtol=1e-6, atol=1e-6)


def test_csiszar_functions_take_python_floats_and_keep_float32():
    assert vi.jensen_shannon(0.0).dtype == np.float32
    assert vi.pearson(wb.constant([0.5], dtype="float32")).dtype == np.float32
    with pytest.raises(TypeError, match="alpha"):
        vi.amari_alpha(wb.constant([0.0]), alpha=wb.constant(0.5))
    with pytest.raises(TypeError, match="csiszar_function"):
        vi.dual_csiszar_function(wb.constant([0.0]), "kl")


def test_csiszar_vimco_helper_against_brute_force():
    logu = np.random.default_rng(0).normal(size=(5, 3)) * 2
    log_avg, log_soo = vi.csiszar_vimco_helper(wb.constant(logu))
    np.testing.assert_allclose(log_avg.numpy(), np.log(np.exp(logu).mean(0)), rtol=1e-12)
    expect = np.empty_like(logu)
    for i in range(5):
        others = np.delete(logu, i, axis=0)
        expect[i] = np.log((np.exp(others).sum(0) + np.exp(others.mean(0))) / 5)
    np.testing.assert_allclose(log_soo.numpy(), expect, rtol=1e-12)
    with pytest.raises(ValueError, match="2 draws"):
        vi.csiszar_vimco_helper(wb.constant(logu[:1]))


def test_csiszar_vimco_value_and_gradient():
    loc = wb.Variable(wb.constant(0.3, dtype="float64"))
    p = tfd.Normal(wb.constant(1.0, dtype="float64"), 1.5)
    with wb.GradientTape() as tape:
        q = tfd.Normal(loc, wb.constant(1.0, dtype="float64"))
        value = vi.csiszar_vimco(vi.kl_reverse, p.log_prob, q, num_draws=6, num_batch_draws=4, seed=(3, 0))
    grad = tape.gradient(value, loc).numpy()
    # the same draws, by hand: the loss is the mean over groups of f(log mean u); its gradient is
    # d f(log_avg)/d loc + sum_i d log q(x_i)/d loc * (f(log_avg) - f(log_sooavg_i))
    x = tfd.Normal(wb.constant(0.3, dtype="float64"), wb.constant(1.0, dtype="float64")).sample((6, 4), seed=(3, 0)).numpy()
    logu = stats.norm(1.0, 1.5).logpdf(x) - stats.norm(0.3, 1.0).logpdf(x)
    log_avg = np.log(np.exp(logu).mean(0))
    soo = np.stack([np.log((np.exp(np.delete(logu, i, 0)).sum(0) + np.exp(np.delete(logu, i, 0).mean(0))) / 6)
                    for i in range(6)])
    np.testing.assert_allclose(value.numpy(), np.mean(-log_avg), rtol=1e-10)
    w = np.exp(logu) / np.exp(logu).sum(0)            # d log_avg / d logu_i
    dlogq = x - 0.3                                    # d log q(x) / d loc; d logu = -d log q
    direct = np.mean(np.sum(w * dlogq, axis=0))        # d(-log_avg)/d loc
    score = np.mean(np.sum(dlogq * (-log_avg[None] + soo), axis=0))
    np.testing.assert_allclose(grad, direct + score, rtol=1e-8)


# -- surrogate builders ------------------------------------------------------------------------------

# Normal-Normal: theta ~ N(0, 10^2), y_i ~ N(theta, 1), 20 observations: the posterior is Normal
_Y = np.random.default_rng(0).normal(1.5, 1.0, 20)
_POST_VAR = 1.0 / (1.0 / 100.0 + len(_Y))
_POST_MEAN = _POST_VAR * _Y.sum()


def _log_joint(theta):
    y = wb.constant(_Y.astype(np.float32))
    return -0.5 * theta ** 2 / 100.0 - 0.5 * wb.reduce_sum((y - theta[..., None]) ** 2, axis=-1)


def _watched(loss_fn):
    """The variables a fit would train: those read while computing the loss."""
    with wb.GradientTape() as tape:
        loss_fn()
    return list(tape.watched_variables())


def _fit(target, q, steps, lr, sample_size=16, seed=0):
    return vi.fit_surrogate_posterior(target, q, wb.optimizers.Adam(lr), num_steps=steps, sample_size=sample_size,
                                      seed=seed)


def test_factored_surrogate_structure_shapes_and_variables():
    q = vi.build_factored_surrogate_posterior(
        event_shape={"loc": [3], "scale": [], "corr": [2, 2]},
        bijector={"loc": None, "scale": tfb.Softplus(), "corr": None}, batch_shape=[5], seed=1)
    assert isinstance(q, tfd.JointDistributionNamed)
    draw = q.sample(7, seed=2)
    assert set(draw) == {"loc", "scale", "corr"}
    assert draw["loc"].shape == (7, 5, 3) and draw["scale"].shape == (7, 5) and draw["corr"].shape == (7, 5, 2, 2)
    assert np.all(draw["scale"].numpy() > 0)
    assert q.log_prob(draw).shape == (7, 5)
    variables = _watched(lambda: q.log_prob(q.sample(seed=3)))
    assert len(variables) == 6 and all(isinstance(v, wb.Variable) and v.trainable for v in variables)
    # loc starts uniform in (-2, 2) (seeded), scale at 1e-2 through Softplus (a TransformedVariable)
    again = vi.build_factored_surrogate_posterior(event_shape=[3], seed=(1, 0))
    same = vi.build_factored_surrogate_posterior(event_shape=[3], seed=(1, 0))
    np.testing.assert_array_equal(again.distribution.loc.numpy(), same.distribution.loc.numpy())
    assert np.all(np.abs(again.distribution.loc.numpy()) < 2)
    scale = again.distribution.scale
    assert isinstance(scale, probability.util.TransformedVariable)
    np.testing.assert_allclose(wb.convert_to_tensor(scale).numpy(), 1e-2, rtol=1e-5)
    listed = vi.build_factored_surrogate_posterior(event_shape=[[], [2]], bijector=[tfb.Exp(), None], seed=4)
    assert isinstance(listed, tfd.JointDistributionSequential) and len(listed.sample(seed=1)) == 2
    f64 = vi.build_factored_surrogate_posterior(event_shape=[], dtype="float64", seed=4)
    assert f64.sample(seed=1).dtype == np.float64


def test_builders_bad_arguments_are_named():
    with pytest.raises(ValueError, match="event_shape"):
        vi.build_factored_surrogate_posterior()
    with pytest.raises(ValueError, match="bijector"):
        vi.build_factored_surrogate_posterior(event_shape={"a": []}, bijector={"b": None})
    with pytest.raises(TypeError, match="bijector"):
        vi.build_factored_surrogate_posterior(event_shape=[2], bijector="softplus")
    with pytest.raises(ValueError, match="operator"):
        vi.build_affine_surrogate_posterior(event_shape=[2], operators="full")
    with pytest.raises(ValueError, match="one entry per variable"):
        vi.build_affine_surrogate_posterior(event_shape=[[2], [3]], operators=["diag"])
    with pytest.raises(TypeError, match="prior"):
        vi.build_asvi_surrogate_posterior(tfd.Normal(0.0, 1.0))
    with pytest.raises(ValueError, match="initial_prior_weight"):
        vi.build_asvi_surrogate_posterior(tfd.JointDistributionSequential([tfd.Normal(0.0, 1.0)]),
                                          initial_prior_weight=1.5)
    with pytest.raises(ValueError, match="Uniform"):
        vi.build_asvi_surrogate_posterior(tfd.JointDistributionSequential([tfd.Uniform(0.0, 1.0)]))


def test_factored_surrogate_fits_the_normal_normal_posterior():
    q = vi.build_factored_surrogate_posterior(event_shape=[], seed=2)
    losses = _fit(_log_joint, q, 300, 0.05, seed=1)
    _fit(_log_joint, q, 200, 0.005, seed=2)
    assert losses.numpy()[-30:].mean() < losses.numpy()[:30].mean()
    np.testing.assert_allclose(q.loc.numpy(), _POST_MEAN, atol=0.04)
    np.testing.assert_allclose(wb.convert_to_tensor(q.scale).numpy(), np.sqrt(_POST_VAR), rtol=0.15)


# a correlated 2-D Gaussian target: the full-covariance surrogate recovers it, the mean-field one
# recovers the mean and the conditional variances 1 / Lambda_ii (reverse KL's known answer)
_MEAN2 = np.array([1.0, -0.5])
_COV2 = np.array([[1.0, 0.8], [0.8, 1.0]]) * 0.25
_PREC2 = np.linalg.inv(_COV2)


def _log_gauss2(x):
    d = x - wb.constant(_MEAN2.astype(np.float32))
    prec = wb.constant(_PREC2.astype(np.float32))
    return -0.5 * wb.reduce_sum(d * wb.linalg.matvec(prec, d), axis=-1)


def _fit_affine(q, seed):
    _fit(_log_gauss2, q, 250, 0.05, seed=seed)
    _fit(_log_gauss2, q, 150, 0.01, seed=seed + 1)
    x = q.sample(20000, seed=9).numpy().astype(np.float64)
    return x.mean(0), np.cov(x.T)


def test_affine_surrogate_tril_recovers_the_full_covariance():
    q = vi.build_affine_surrogate_posterior(event_shape=[2], operators="tril", seed=3)
    variables = _watched(lambda: q.log_prob(q.sample(seed=1)))
    assert len(variables) == 2        # loc and the packed scale_tril
    mean, cov = _fit_affine(q, 10)
    np.testing.assert_allclose(mean, _MEAN2, atol=0.05)
    np.testing.assert_allclose(cov, _COV2, atol=0.03)


def test_affine_surrogate_diag_is_mean_field():
    q = vi.build_affine_surrogate_posterior(event_shape=[2], operators="diag", seed=3)
    mean, cov = _fit_affine(q, 20)
    np.testing.assert_allclose(mean, _MEAN2, atol=0.05)
    np.testing.assert_allclose(np.diag(cov), 1.0 / np.diag(_PREC2), rtol=0.15)
    assert abs(cov[0, 1]) < 0.01


def test_affine_surrogate_nested_with_constraints_and_blocks():
    q = vi.build_affine_surrogate_posterior(event_shape={"w": [2, 2], "s": []},
                                            bijector={"w": None, "s": tfb.Softplus()}, operators="tril",
                                            batch_shape=[3], seed=1)
    draw = q.sample(4, seed=2)
    assert draw["w"].shape == (4, 3, 2, 2) and draw["s"].shape == (4, 3) and np.all(draw["s"].numpy() > 0)
    assert q.log_prob(draw).shape == (4, 3)
    # log_prob against the flat Gaussian by hand: z = concat(w, softplus^-1(s)), plus the log-det
    flat = q._flat
    z = wb.concat([wb.reshape(draw["w"], (4, 3, 4)), tfb.Softplus().inverse(draw["s"])[..., None]], axis=-1)
    expect = flat.log_prob(z) + tfb.Softplus().inverse_log_det_jacobian(draw["s"])
    np.testing.assert_allclose(q.log_prob(draw).numpy(), expect.numpy(), rtol=1e-5)
    blocks = vi.build_affine_surrogate_posterior(event_shape=[[2], [3]], operators=["tril", "diag"], seed=1)
    x = blocks.sample(2, seed=3)
    assert [t.shape for t in x] == [(2, 2), (2, 3)] and blocks.log_prob(x).shape == (2,)


def test_affine_surrogate_fits_the_normal_normal_posterior_through_a_list():
    q = vi.build_affine_surrogate_posterior(event_shape=[[]], operators=["diag"], seed=5)
    _fit(lambda theta: _log_joint(theta), q, 250, 0.05, seed=3)
    _fit(lambda theta: _log_joint(theta), q, 150, 0.005, seed=4)
    (x,) = q.sample(20000, seed=2)
    np.testing.assert_allclose(x.numpy().mean(), _POST_MEAN, atol=0.04)
    np.testing.assert_allclose(x.numpy().std(), np.sqrt(_POST_VAR), rtol=0.15)


def _normal_normal_prior():
    return tfd.JointDistributionSequential([tfd.Normal(0.0, 10.0, name="theta")])


def test_asvi_fits_the_normal_normal_posterior():
    q = vi.build_asvi_surrogate_posterior(_normal_normal_prior(), seed=1)
    assert isinstance(q, tfd.JointDistributionSequential)
    variables = _watched(lambda: q.log_prob(q.sample(seed=1)))
    assert len(variables) == 4        # loc and scale: a free value and a prior weight each
    # the scale is w * 10 + (1 - w) * free: w must fall from 0.5 to about 0.02, so a larger step first
    _fit(_log_joint, q, 400, 0.1, seed=5)
    _fit(_log_joint, q, 200, 0.01, seed=6)
    (theta,) = q.sample(20000, seed=3)
    np.testing.assert_allclose(theta.numpy().mean(), _POST_MEAN, atol=0.04)
    np.testing.assert_allclose(theta.numpy().std(), np.sqrt(_POST_VAR), rtol=0.15)


def test_asvi_keeps_the_prior_structure():
    prior = tfd.JointDistributionNamed(dict(
        mu=tfd.Normal(0.0, 1.0),
        x=lambda mu: tfd.Independent(tfd.Normal(mu[..., None] * wb.ones([3]), 0.5), 1),
        s=tfd.HalfNormal(2.0)))
    q = vi.build_asvi_surrogate_posterior(prior, initial_prior_weight=0.5, seed=(2, 0))
    assert isinstance(q, tfd.JointDistributionNamed)
    draw = q.sample(5, seed=1)
    assert draw["x"].shape == (5, 3) and draw["mu"].shape == (5,) and np.all(draw["s"].numpy() > 0)
    # x's surrogate follows the surrogate's own draw of mu: loc = w mu + (1 - w) free, w = 0.5 at first,
    # free started at the prior's value at a prior draw
    dists, values = q.sample_distributions(seed=4)
    free = wb.convert_to_tensor(prior.sample_distributions(seed=(2, 0))[0]["x"].distribution.loc)
    np.testing.assert_allclose(dists["x"].distribution.loc.numpy(), 0.5 * values["mu"].numpy() + 0.5 * free.numpy(),
                               rtol=1e-5)
    # starting at w = 0.5 halfway to the prior; fitting the prior itself drives the loss to 0
    losses = _fit(lambda **v: prior.log_prob(v), q, 300, 0.05, seed=3)
    assert losses.numpy()[-30:].mean() < 0.1 < losses.numpy()[:10].mean()
    mean_field = vi.build_asvi_surrogate_posterior(prior, mean_field=True, seed=(2, 0))
    # free loc and scale for mu and x, free scale for s; no prior weights
    assert len(_watched(lambda: mean_field.log_prob(mean_field.sample(seed=1)))) == 5
    d2, v2 = mean_field.sample_distributions(seed=4)
    np.testing.assert_allclose(d2["x"].distribution.loc.numpy(), free.numpy(), rtol=1e-6)


def test_asvi_on_a_coroutine_with_sample_and_gamma_parts():
    Root = tfd.JointDistributionCoroutine.Root

    def model():
        rate = yield Root(tfd.Gamma(2.0, 2.0, name="rate"))
        yield tfd.Sample(tfd.Exponential(rate), sample_shape=[4], name="waits")

    prior = tfd.JointDistributionCoroutine(model)
    q = vi.build_asvi_surrogate_posterior(prior, seed=0)
    assert isinstance(q, tfd.JointDistributionCoroutine)
    draw = q.sample(6, seed=1)
    assert draw.rate.shape == (6,) and draw.waits.shape == (6, 4)
    assert q.log_prob(draw).shape == (6,)
    losses = _fit(lambda rate, waits: prior.log_prob([rate, waits]), q, 150, 0.05, seed=2)
    assert losses.numpy()[-20:].mean() < losses.numpy()[:20].mean()


def test_affine_surrogate_takes_linear_operator_classes_as_tfp():
    # TFP's operators list: one LinearOperator class per variable gives a block-diagonal scale
    ops = [wb.linalg.LinearOperatorFullMatrix, wb.linalg.LinearOperatorDiag, wb.linalg.LinearOperatorScaledIdentity]
    q = vi.build_affine_surrogate_posterior(event_shape=[[2], [3], [1]], operators=ops, dtype=np.float64, seed=1)
    names = [v.path.split("/")[2] for v in q.trainable_variables[1:]]
    assert names == ["scale_matrix", "scale_diag", "scale_multiplier"]
    full, diag, mult = q.trainable_variables[1:]
    full.assign(np.array([[1.0, 0.5], [-0.3, 2.0]]))                # a non-triangular block
    loc = q.trainable_variables[0].numpy()
    scale = np.zeros((6, 6))
    scale[:2, :2] = full.numpy()
    scale[2:5, 2:5] = np.diag(np.log1p(np.exp(diag.numpy())))
    scale[5, 5] = np.log1p(np.exp(mult.numpy()))[0]
    x = q.sample(5, seed=2)
    flat = np.concatenate([t.numpy() for t in x], axis=-1)
    want = stats.multivariate_normal(loc, scale @ scale.T).logpdf(flat)
    np.testing.assert_allclose(q.log_prob(x).numpy(), want, rtol=1e-8)
    # a fixed LinearOperator instance is a constant scale; nested lists name what is missing
    fixed = wb.linalg.LinearOperatorDiag(wb.constant([2.0, 3.0], dtype=wb.float64))
    q2 = vi.build_affine_surrogate_posterior(event_shape=[[2]], operators=[fixed], dtype=np.float64, seed=1)
    assert len(q2.trainable_variables) == 1
    with pytest.raises(ValueError, match="LinearOperatorDiag"):
        vi.build_affine_surrogate_posterior(event_shape=[[2]], operators=[wb.linalg.LinearOperatorKronecker])


def test_affine_surrogate_nested_operators_give_a_block_lower_triangular_scale():
    # TFP's nested operators: row i holds the diagonal block of variable i and its couplings to the earlier ones
    la = wb.linalg
    ops = [[la.LinearOperatorDiag], [la.LinearOperatorFullMatrix, la.LinearOperatorLowerTriangular],
           [None, la.LinearOperatorFullMatrix, "diag"]]
    q = vi.build_affine_surrogate_posterior(event_shape=[[2], [3], [1]], operators=ops, dtype=np.float64, seed=4)
    names = [v.path.split("/")[-1].split(":")[0] for v in q.trainable_variables]
    assert len(q.trainable_variables) == 6 and names[0] == "loc"   # loc, 3 diagonal blocks, 2 couplings
    loc = q.trainable_variables[0].numpy()
    scale_op = [b for b in _bijectors_of(q) if isinstance(b, tfb.ScaleMatvecLinearOperator)][0].scale
    assert isinstance(scale_op, la.LinearOperatorBlockLowerTriangular)
    coupling = scale_op.operators[1][0]
    np.testing.assert_array_equal(scale_op.operators[2][0].to_dense().numpy(), np.zeros((1, 2)))
    assert 0 < np.abs(coupling.to_dense().numpy()).max() < 0.1          # Normal(0, 1e-2) start
    for v in q.trainable_variables:                                     # move away from the start
        if v.shape == (3, 2):
            v.assign(np.arange(6.0).reshape(3, 2) / 10.0)
    scale = scale_op.to_dense().numpy()
    assert np.allclose(scale, np.tril(scale))
    np.testing.assert_allclose(scale[2:5, :2], np.arange(6.0).reshape(3, 2) / 10.0)   # the coupling block
    x = q.sample(5, seed=2)
    flat = np.concatenate([t.numpy() for t in x], axis=-1)
    want = stats.multivariate_normal(loc, scale @ scale.T).logpdf(flat)
    np.testing.assert_allclose(q.log_prob(x).numpy(), want, rtol=1e-8)
    with pytest.raises(ValueError, match=r"nested `operators\[1\]` must hold 2 entries"):
        vi.build_affine_surrogate_posterior(event_shape=[[2], [3]], operators=[["diag"], ["diag"]])
    with pytest.raises(ValueError, match="below the diagonal must be LinearOperatorFullMatrix"):
        vi.build_affine_surrogate_posterior(event_shape=[[2], [3]], operators=[["diag"], ["diag", "diag"]])


def _bijectors_of(q):
    """Every bijector inside a surrogate (through chains and transformed distributions)."""
    out, todo = [], [q]
    while todo:
        obj = todo.pop()
        for v in vars(obj).values():
            for w in (v if isinstance(v, (list, tuple)) else [v]):
                if isinstance(w, tfb.Bijector):
                    out.append(w)
                    todo.append(w)
                elif isinstance(w, tfd.Distribution):
                    todo.append(w)
    return out


@pytest.mark.slow
def test_affine_surrogate_block_lower_triangular_recovers_the_correlation_between_variables():
    # two scalar variables correlated with each other: only the coupling block can express it
    ops = [["diag"], [wb.linalg.LinearOperatorFullMatrix, "diag"]]
    q = vi.build_affine_surrogate_posterior(event_shape=[[], []], operators=ops, seed=3)
    assert len(_watched(lambda: q.log_prob(q.sample(seed=1)))) == 4     # loc, two diagonals, one coupling
    target = lambda a, b: _log_gauss2(wb.stack([a, b], axis=-1))  # noqa: E731
    _fit(target, q, 250, 0.05, seed=10)
    _fit(target, q, 150, 0.01, seed=11)
    x = np.stack([t.numpy() for t in q.sample(20000, seed=9)], axis=-1).astype(np.float64)
    np.testing.assert_allclose(x.mean(0), _MEAN2, atol=0.05)
    np.testing.assert_allclose(np.cov(x.T), _COV2, atol=0.03)
