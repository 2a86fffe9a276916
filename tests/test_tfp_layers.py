"""probability.layers: TFP's Keras probabilistic layers on wb.keras (tfp.layers names and semantics)."""

import time

import numpy as np
import pytest
from scipy import stats

import gradients
import probability
import workbench as wb
from probability import distributions as tfd

tfpl = probability.layers
L = wb.keras.layers


def softplus(x):
    return np.log1p(np.exp(x))


def normal_kl(mu_q, s_q, mu_p, s_p):
    """KL(N(mu_q, s_q^2) || N(mu_p, s_p^2)), elementwise."""
    return np.log(s_p / s_q) + (s_q ** 2 + (mu_q - mu_p) ** 2) / (2 * s_p ** 2) - 0.5


# -- the tutorials' posterior and prior, written by the user (TFP's regression tutorial) -------------

def posterior_mean_field(kernel_size, bias_size=0, dtype=None):
    n = kernel_size + bias_size
    c = np.log(np.expm1(1.0))
    return wb.keras.Sequential([
        tfpl.VariableLayer(2 * n, dtype=dtype),
        tfpl.DistributionLambda(lambda t: tfd.Independent(
            tfd.Normal(loc=t[..., :n], scale=1e-5 + wb.nn.softplus(c + t[..., n:])), reinterpreted_batch_ndims=1),
            dtype=dtype),   # as in TFP with Keras: a layer without a dtype would cast to float32
    ])


def prior_trainable(kernel_size, bias_size=0, dtype=None):
    n = kernel_size + bias_size
    return wb.keras.Sequential([
        tfpl.VariableLayer(n, dtype=dtype),
        tfpl.DistributionLambda(lambda t: tfd.Independent(tfd.Normal(loc=t, scale=1.0), reinterpreted_batch_ndims=1),
                                dtype=dtype),
    ])


# -- shapes and params_size -------------------------------------------------------------------------

@pytest.mark.parametrize("layer,size,batch,event", [
    (lambda: tfpl.IndependentNormal([2, 3]), tfpl.IndependentNormal.params_size([2, 3]), (4,), (2, 3)),
    (lambda: tfpl.IndependentNormal(), tfpl.IndependentNormal.params_size(), (4,), ()),
    (lambda: tfpl.IndependentBernoulli(5), tfpl.IndependentBernoulli.params_size(5), (4,), (5,)),
    (lambda: tfpl.MultivariateNormalTriL(3), tfpl.MultivariateNormalTriL.params_size(3), (4,), (3,)),
    (lambda: tfpl.OneHotCategorical(6), tfpl.OneHotCategorical.params_size(6), (4,), (6,)),
    (lambda: tfpl.CategoricalMixtureOfOneHotCategorical(6, 3),
     tfpl.CategoricalMixtureOfOneHotCategorical.params_size(6, 3), (4,), (6,)),
])
def test_shapes_of_each_distribution_layer(layer, size, batch, event):
    d = layer()(wb.constant(np.random.default_rng(0).normal(size=batch + (size,)).astype(np.float32)))
    assert isinstance(d, tfd.Distribution)
    assert d.batch_shape == batch and d.event_shape == event
    assert d.sample().shape == batch + event           # the tensor it stands for: one draw
    assert d.shape == batch + event and d.dtype == np.float32
    assert d.log_prob(d.sample()).shape == batch


def test_params_size_values():
    assert tfpl.IndependentNormal.params_size([2, 3]) == 12
    assert tfpl.IndependentNormal.params_size() == 2
    assert tfpl.IndependentBernoulli.params_size([8, 8]) == 64
    assert tfpl.MultivariateNormalTriL.params_size(4) == 4 + 10
    assert tfpl.OneHotCategorical.params_size(7) == 7
    assert tfpl.CategoricalMixtureOfOneHotCategorical.params_size(5, 3) == 3 + 15


def test_independent_normal_log_prob_matches_scipy():
    rng = np.random.default_rng(1)
    params = rng.normal(size=(5, 2 * 3))
    y = rng.normal(size=(5, 3))
    d = tfpl.IndependentNormal(3, dtype="float64")(wb.constant(params))
    want = stats.norm(params[:, :3], softplus(params[:, 3:])).logpdf(y).sum(-1)
    np.testing.assert_allclose(d.log_prob(wb.constant(y)).numpy(), want, rtol=1e-10)
    np.testing.assert_allclose(d.mean().numpy(), params[:, :3])
    np.testing.assert_allclose(d.stddev().numpy(), softplus(params[:, 3:]), rtol=1e-12)


def test_multivariate_normal_tril_log_prob_matches_scipy():
    rng = np.random.default_rng(2)
    n = 3
    params = rng.normal(size=(4, tfpl.MultivariateNormalTriL.params_size(n)))
    y = rng.normal(size=(4, n))
    d = tfpl.MultivariateNormalTriL(n, dtype="float64")(wb.constant(params))
    # TFP's layer: the lower triangle filled by FillScaleTriL (softplus diagonal + 1e-5)
    scale_tril = probability.bijectors.FillScaleTriL(diag_shift=1e-5).forward(wb.constant(params[:, n:])).numpy()
    np.testing.assert_allclose(d.scale_tril.numpy(), scale_tril)
    for i in range(4):
        lower = scale_tril[i]
        assert np.allclose(lower, np.tril(lower)) and np.all(np.diag(lower) > 0)
        want = stats.multivariate_normal(params[i, :n], lower @ lower.T).logpdf(y[i])
        np.testing.assert_allclose(d.log_prob(wb.constant(y))[i].numpy(), want, rtol=1e-9)
    np.testing.assert_allclose(d.mean().numpy(), params[:, :n])


def test_independent_bernoulli_log_prob_matches_scipy():
    rng = np.random.default_rng(3)
    logits = rng.normal(size=(4, 6))
    y = rng.integers(0, 2, size=(4, 2, 3)).astype(np.float64)
    d = tfpl.IndependentBernoulli([2, 3], dtype="float64")(wb.constant(logits))
    p = 1 / (1 + np.exp(-logits.reshape(4, 2, 3)))
    want = stats.bernoulli(p).logpmf(y).sum((-2, -1))
    np.testing.assert_allclose(d.log_prob(wb.constant(y)).numpy(), want, rtol=1e-10)


# -- a distribution acting as a tensor ---------------------------------------------------------------

def test_convert_to_tensor_fn_and_one_cached_draw():
    x = wb.constant(np.arange(6, dtype=np.float32).reshape(3, 2))
    mean = tfpl.DistributionLambda(lambda t: tfd.Normal(t, 1.0), convert_to_tensor_fn="mean")(x)
    np.testing.assert_array_equal(wb.convert_to_tensor(mean).numpy(), x.numpy())
    np.testing.assert_array_equal((mean * 2.0).numpy(), 2 * x.numpy())
    mode = tfpl.DistributionLambda(lambda t: tfd.Normal(t, 1.0), convert_to_tensor_fn=tfd.Distribution.mode)(x)
    np.testing.assert_array_equal(np.asarray(mode), x.numpy())
    drawn = tfpl.DistributionLambda(lambda t: tfd.Normal(t, 1.0))(x)
    first = wb.convert_to_tensor(drawn).numpy()
    assert not np.allclose(first, x.numpy())
    np.testing.assert_array_equal(wb.convert_to_tensor(drawn).numpy(), first)   # the same draw again
    np.testing.assert_array_equal((drawn + 0.0).numpy(), first)
    assert isinstance(drawn, tfd.Normal)   # still the family (KL dispatch, isinstance)
    with pytest.raises(ValueError, match="convert_to_tensor_fn"):
        tfpl.DistributionLambda(lambda t: tfd.Normal(t, 1.0), convert_to_tensor_fn="median")
    with pytest.raises(TypeError, match="must return a Distribution"):
        tfpl.DistributionLambda(lambda t: t)(x)


def test_layers_after_a_distribution_and_a_log_prob_loss_train_with_fit():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(256, 2)).astype(np.float32)
    y = (x @ np.array([[1.0], [-2.0]]) + 0.5 + 0.3 * rng.normal(size=(256, 1))).astype(np.float32)
    wb.keras.utils.set_random_seed(4)
    model = wb.keras.Sequential([
        L.Input(shape=(2,)),
        L.Dense(tfpl.IndependentNormal.params_size(1), kernel_initializer="zeros"),
        tfpl.IndependentNormal(1),
    ])
    model.compile(optimizer=wb.optimizers.Adam(0.1), loss=lambda y, rv_y: -rv_y.log_prob(y))
    history = model.fit(x, y, epochs=300, batch_size=256, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    d = model(x)
    np.testing.assert_allclose(d.mean().numpy(), x @ np.array([[1.0], [-2.0]]) + 0.5, atol=0.1)
    assert abs(np.mean(d.stddev().numpy()) - 0.3) < 0.03
    # a dense layer after the distribution layer reads its draw
    follow = wb.keras.Sequential([L.Dense(tfpl.IndependentNormal.params_size(1)), tfpl.IndependentNormal(1),
                                  L.Dense(3)])
    assert follow(x[:5]).shape == (5, 3)


def test_functional_model_with_distribution_output_and_kl_add_loss():
    prior = tfd.MultivariateNormalDiag(loc=wb.zeros([3]))
    inputs = L.Input(shape=(4,))
    dense = L.Dense(tfpl.MultivariateNormalTriL.params_size(3))
    h = dense(inputs)
    q = tfpl.MultivariateNormalTriL(3, convert_to_tensor_fn="mean")(h)
    q = tfpl.KLDivergenceAddLoss(prior, use_exact_kl=True, weight=0.5)(q)
    model = wb.keras.Model(inputs, L.Dense(2)(q))
    x = np.random.default_rng(5).normal(size=(6, 4)).astype(np.float32)
    assert model(x).shape == (6, 2)
    [loss] = model.losses
    d = tfpl.MultivariateNormalTriL(3)(dense(x))
    cov = d.covariance().numpy()
    mu = d.mean().numpy()
    # analytic KL of N(mu, S) from N(0, I), summed over the batch and weighted
    kl = 0.5 * (np.trace(cov, axis1=-2, axis2=-1) + (mu ** 2).sum(-1) - 3 - np.linalg.slogdet(cov)[1])
    np.testing.assert_allclose(float(loss), 0.5 * kl.sum(), rtol=1e-4)


def test_kl_divergence_add_loss_monte_carlo_uses_the_layer_draw():
    x = wb.constant(np.random.default_rng(6).normal(size=(5, 2)).astype(np.float32))
    q = tfpl.DistributionLambda(lambda t: tfd.Independent(tfd.Normal(t, 0.5), 1))(x)
    prior = tfd.Independent(tfd.Normal(wb.zeros([2]), 1.0), 1)
    out = tfpl.KLDivergenceAddLoss(prior)(q)     # test_points_reduce_axis=None: the mean over the batch
    assert out is q
    z = wb.convert_to_tensor(q)
    want = np.mean(q.log_prob(z).numpy() - prior.log_prob(z).numpy())
    layer = tfpl.KLDivergenceAddLoss(prior)
    layer(q)
    np.testing.assert_allclose(float(layer.losses[0]), want, rtol=1e-5)
    with pytest.raises(TypeError, match="must be a distribution"):
        tfpl.KLDivergenceAddLoss(prior)(x)


def test_kl_divergence_regularizer_divides_by_the_batch():
    prior = tfd.Independent(tfd.Normal(wb.zeros([2]), 1.0), 1)
    layer = tfpl.IndependentNormal(2, activity_regularizer=tfpl.KLDivergenceRegularizer(
        prior, use_exact_kl=True, weight=2.0))
    params = np.random.default_rng(7).normal(size=(4, 4)).astype(np.float64)
    layer(wb.constant(params.astype(np.float32)))
    [loss] = layer.losses
    kl = normal_kl(params[:, :2], softplus(params[:, 2:]), 0.0, 1.0).sum()
    np.testing.assert_allclose(float(loss), 2.0 * kl / 4, rtol=1e-5)


def test_vae_tutorial_pattern_trains_with_fit():
    """TFP's "Variational Autoencoders with Tensorflow Probability Layers": a KL activity
    regularizer on the encoder's IndependentNormal, an IndependentBernoulli decoder read through
    ``tfd.Bernoulli.logits``, the two joined as one functional model."""
    from workbench.examples.data import load_digits

    images, _ = load_digits()
    x = (images.reshape(-1, 64)[:512] > 0.5).astype(np.float32)
    wb.keras.utils.set_random_seed(2)
    prior = tfd.Independent(tfd.Normal(loc=wb.zeros(4), scale=1.0), reinterpreted_batch_ndims=1)
    encoder = wb.keras.Sequential([
        L.InputLayer(shape=(64,)), L.Dense(32, activation="relu"),
        L.Dense(tfpl.IndependentNormal.params_size(4)),
        tfpl.IndependentNormal(4, activity_regularizer=tfpl.KLDivergenceRegularizer(prior, weight=1.0)),
    ])
    decoder = wb.keras.Sequential([
        L.InputLayer(shape=(4,)), L.Dense(32, activation="relu"),
        L.Dense(tfpl.IndependentBernoulli.params_size(64)),
        tfpl.IndependentBernoulli(64, tfd.Bernoulli.logits),
    ])
    vae = wb.keras.Model(inputs=encoder.inputs, outputs=decoder(encoder.outputs[0]))
    vae.compile(optimizer=wb.optimizers.Adam(learning_rate=3e-3), loss=lambda x, rv_x: -rv_x.log_prob(x))
    history = vae.fit(x, x, epochs=8, batch_size=64, verbose=0)
    assert history.history["loss"][-1] < 0.8 * history.history["loss"][0]
    q = encoder(x[:16])
    rv_x = decoder(q)
    np.testing.assert_allclose(wb.convert_to_tensor(rv_x).numpy(), rv_x.distribution.logits.numpy())
    [kl] = encoder.losses       # the regularizer's KL, a mean over the batch
    z = wb.convert_to_tensor(q)
    want = np.mean(q.log_prob(z).numpy() - prior.log_prob(z).numpy())
    np.testing.assert_allclose(float(kl), want, rtol=1e-5)


# -- VariableLayer and DenseVariational --------------------------------------------------------------

def test_variable_layer_ignores_its_input():
    layer = tfpl.VariableLayer([2, 3], initializer="ones", activation="relu")
    out = layer(wb.zeros([7, 5]))
    assert out.shape == (2, 3) and np.all(out.numpy() == 1)
    assert [v.shape for v in layer.trainable_variables] == [(2, 3)]
    again = tfpl.VariableLayer.from_config(layer.get_config())
    assert again(wb.zeros([1])).shape == (2, 3)


def test_dense_variational_exact_kl_in_losses():
    layer = tfpl.DenseVariational(3, posterior_mean_field, prior_trainable, kl_weight=0.25, kl_use_exact=True,
                                  dtype="float64")
    x = wb.constant(np.random.default_rng(8).normal(size=(5, 4)))
    assert layer(x).shape == (5, 3)
    post, prior = layer.trainable_variables
    post.assign(np.random.default_rng(9).normal(size=post.shape))
    prior.assign(np.random.default_rng(10).normal(size=prior.shape))
    layer(x)
    [loss] = layer.losses
    n = 4 * 3 + 3
    t = post.numpy()
    want = normal_kl(t[:n], 1e-5 + softplus(np.log(np.expm1(1.0)) + t[n:]), prior.numpy(), 1.0).sum()
    np.testing.assert_allclose(float(loss), 0.25 * want, rtol=1e-10)
    assert layer(x).shape == (5, 3) and len(layer.losses) == 1   # a new call replaces the loss


def test_dense_variational_penalty_matches_the_draw_used_for_the_output():
    # a posterior whose draw is deterministic given its variables shows which weights the call used
    layer = tfpl.DenseVariational(2, posterior_mean_field, prior_trainable, kl_weight=0.1, dtype="float64")
    x = wb.constant(np.random.default_rng(13).normal(size=(6, 4)))
    out = layer(x).numpy()
    xb = np.concatenate([x.numpy(), np.ones((6, 1))], 1)
    # solve for the kernel and bias: out = x @ K + b
    coef, *_ = np.linalg.lstsq(xb, out, rcond=None)
    w = np.concatenate([coef[:4].reshape(-1), coef[4]])
    post, prior = layer.trainable_variables
    n = w.size
    t = post.numpy()
    lq = stats.norm(t[:n], 1e-5 + softplus(np.log(np.expm1(1.0)) + t[n:])).logpdf(w).sum()
    lp = stats.norm(prior.numpy(), 1.0).logpdf(w).sum()
    np.testing.assert_allclose(float(layer.losses[0]), 0.1 * (lq - lp), rtol=1e-6)


def test_regression_tutorial_recovers_the_noise_scale():
    """TFP's "Probabilistic Layers Regression": aleatoric and epistemic uncertainty together."""
    rng = np.random.default_rng(0)
    n = 1000
    x = rng.uniform(-1, 1, (n, 1)).astype(np.float32)
    y = (1.5 * x + 0.3 + 0.4 * rng.standard_normal((n, 1))).astype(np.float32)
    wb.keras.utils.set_random_seed(0)
    model = wb.keras.Sequential([
        tfpl.DenseVariational(1 + 1, posterior_mean_field, prior_trainable, kl_weight=1 / n),
        tfpl.DistributionLambda(lambda t: tfd.Normal(loc=t[..., :1], scale=1e-3 + wb.nn.softplus(0.05 * t[..., 1:]))),
    ])
    model.compile(optimizer=wb.optimizers.Adam(learning_rate=0.05), loss=lambda y, rv_y: -rv_y.log_prob(y))
    model.fit(x, y, epochs=250, batch_size=250, verbose=0)
    grid = np.linspace(-1, 1, 5, dtype=np.float32)[:, None]
    draws = [model(grid) for _ in range(50)]                    # one posterior draw per call
    scale = np.mean([d.stddev().numpy() for d in draws])
    means = np.stack([d.mean().numpy() for d in draws])
    assert abs(scale - 0.4) < 0.06
    np.testing.assert_allclose(means.mean(0), 1.5 * grid + 0.3, atol=0.1)
    assert np.all(means.std(0) > 1e-3)                          # epistemic: the draws differ
    assert len(model.losses) == 1


def test_bnn_with_dense_variational_learns_the_digits():
    from workbench.examples.data import load_digits

    def posterior(kernel_size, bias_size=0, dtype=None):
        n = kernel_size + bias_size
        return wb.keras.Sequential([
            tfpl.VariableLayer(2 * n, dtype=dtype, initializer=wb.keras.initializers.RandomNormal(stddev=0.1)),
            tfpl.DistributionLambda(lambda t: tfd.Independent(
                tfd.Normal(loc=t[..., :n], scale=1e-5 + 0.1 * wb.nn.softplus(t[..., n:] - 2.0)), 1)),
        ])

    def prior(kernel_size, bias_size=0, dtype=None):
        n = kernel_size + bias_size
        return wb.keras.Sequential([
            tfpl.VariableLayer(n, dtype=dtype, trainable=False),
            tfpl.DistributionLambda(lambda t: tfd.Independent(tfd.Normal(loc=t, scale=1.0), 1)),
        ])

    began = time.perf_counter()
    images, labels = load_digits()
    x, y = images.reshape(-1, 64), labels.astype(np.int32)
    order = np.random.default_rng(0).permutation(len(x))
    x, y = x[order], y[order]
    x_train, y_train, x_val, y_val = x[:1400], y[:1400], x[1400:], y[1400:]
    wb.keras.utils.set_random_seed(0)
    model = wb.keras.Sequential([
        tfpl.DenseVariational(32, posterior, prior, kl_weight=1 / len(x_train), activation="relu"),
        tfpl.DenseVariational(10, posterior, prior, kl_weight=1 / len(x_train)),
        tfpl.DistributionLambda(lambda t: tfd.Categorical(logits=t), convert_to_tensor_fn="mode"),
    ])
    model.compile(optimizer=wb.optimizers.Adam(learning_rate=0.02),
                  loss=lambda y, rv_y: -rv_y.log_prob(wb.reshape(y, [-1])))
    history = model.fit(x_train, y_train, epochs=30, batch_size=100, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0] / 2
    probs = np.mean([model(x_val).probs_parameter().numpy() for _ in range(20)], axis=0)
    accuracy = np.mean(probs.argmax(-1) == y_val)
    assert accuracy > 0.9, accuracy
    assert len(model.losses) == 2          # one KL per variational layer
    assert time.perf_counter() - began < 60


# -- DenseReparameterization, DenseLocalReparameterization, DenseFlipout -----------------------------

VARIATIONAL_DENSE = [tfpl.DenseReparameterization, tfpl.DenseLocalReparameterization, tfpl.DenseFlipout]


@pytest.mark.parametrize("cls", VARIATIONAL_DENSE)
def test_variational_dense_kl_loss_and_its_gradient(cls):
    layer = cls(3, dtype="float64")
    x = wb.constant(np.random.default_rng(14).normal(size=(5, 4)))
    assert layer(x).shape == (5, 3)
    loc, rho, bias = layer.trainable_variables
    assert (loc.shape, rho.shape, bias.shape) == ((4, 3), (4, 3), (3,))
    rng = np.random.default_rng(15)
    loc.assign(rng.normal(size=(4, 3)))
    rho.assign(rng.normal(size=(4, 3)))

    def kl_term():
        layer(x)
        [kl] = layer.losses             # the kernel's; the default bias is a point (no prior)
        return kl

    want = normal_kl(loc.numpy(), np.finfo(np.float64).eps + softplus(rho.numpy()), 0.0, 1.0).sum()
    np.testing.assert_allclose(float(kl_term()), want, rtol=1e-12)
    with wb.GradientTape() as tape:
        kl = kl_term()
    g_loc, g_rho = tape.gradient(kl, [loc, rho])
    # central finite differences in float64
    for var, grad in ((loc, g_loc), (rho, g_rho)):
        base = np.array(var.numpy())
        fd = np.zeros_like(base)
        for idx in np.ndindex(base.shape):
            for sign in (1, -1):
                bumped = base.copy()
                bumped[idx] += sign * 1e-6
                var.assign(bumped)
                fd[idx] += sign * float(kl_term()) / 2e-6
        var.assign(base)
        np.testing.assert_allclose(grad.numpy(), fd, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("cls", VARIATIONAL_DENSE)
def test_variational_dense_output_gradients_reach_the_posterior(cls):
    layer = cls(2, dtype="float64", activation="tanh")
    x = wb.constant(np.random.default_rng(16).normal(size=(6, 3)))
    with wb.GradientTape() as tape:
        loss = wb.reduce_sum(layer(x) ** 2) + wb.add_n(layer.losses)
    grads = tape.gradient(loss, layer.trainable_variables)
    assert all(g is not None and np.all(np.isfinite(g.numpy())) and np.any(g.numpy() != 0) for g in grads)


@pytest.mark.parametrize("cls", VARIATIONAL_DENSE)
def test_variational_dense_output_moments(cls):
    # each example's output is Normal(x @ loc + b, x**2 @ scale**2) for all three estimators
    layer = cls(2, dtype="float64")
    x = wb.constant(np.array([[1.0, -2.0, 0.5], [0.3, 0.0, 2.0]]))
    layer(x)
    loc, rho, bias = layer.trainable_variables
    rng = np.random.default_rng(17)
    loc.assign(rng.normal(size=(3, 2)))
    rho.assign(rng.normal(size=(3, 2)) - 1.0)
    wb.random.set_seed(17)
    outs = np.stack([layer(x).numpy() for _ in range(800)])
    scale = np.finfo(np.float64).eps + softplus(rho.numpy())
    mean = x.numpy() @ loc.numpy() + bias.numpy()
    sd = np.sqrt(x.numpy() ** 2 @ scale ** 2)
    np.testing.assert_allclose(outs.mean(0), mean, atol=4 * sd.max() / np.sqrt(800))
    np.testing.assert_allclose(outs.std(0), sd, rtol=0.12)


def test_dense_flipout_needs_a_normal_posterior_and_decorrelates_examples():
    def point_posterior(dtype, shape, name, trainable, add_variable_fn):
        loc = add_variable_fn(name=name + "_loc", shape=shape, initializer="zeros", dtype=dtype, trainable=trainable)
        return tfd.Independent(tfd.Deterministic(loc), reinterpreted_batch_ndims=len(shape))

    with pytest.raises(TypeError, match="Independent\\(Normal\\)"):
        tfpl.DenseFlipout(2, kernel_posterior_fn=point_posterior, kernel_prior_fn=None)(wb.ones([3, 2]))
    # the same input twice in one batch: Flipout's perturbations differ per example, a shared
    # reparameterized kernel's do not
    x = wb.ones([2, 3])
    flip = tfpl.DenseFlipout(1, seed=3)
    rep = tfpl.DenseReparameterization(1)
    assert not np.allclose(*flip(x).numpy())
    np.testing.assert_allclose(*rep(x).numpy())


def test_custom_posterior_prior_and_divergence_functions():
    layer = tfpl.DenseReparameterization(
        2, kernel_posterior_fn=tfpl.default_mean_field_normal_fn(), kernel_prior_fn=tfpl.default_multivariate_normal_fn,
        kernel_divergence_fn=lambda q, p, w: 0.5 * wb.reduce_sum(q.log_prob(w) - p.log_prob(w)),
        bias_posterior_fn=tfpl.default_mean_field_normal_fn(), bias_prior_fn=tfpl.default_multivariate_normal_fn,
        bias_divergence_fn=None)
    layer(wb.ones([4, 3]))
    w = layer.kernel_posterior_tensor
    [loss] = layer.losses           # the bias's divergence is switched off
    want = 0.5 * (layer.kernel_posterior.log_prob(w) - layer.kernel_prior.log_prob(w))
    np.testing.assert_allclose(float(loss), float(want), rtol=1e-6)
    assert len(layer.trainable_variables) == 4
    nobias = tfpl.DenseFlipout(2, bias_posterior_fn=None)
    nobias(wb.ones([4, 3]))
    assert len(nobias.trainable_variables) == 2


# -- wb.function, serialization, errors --------------------------------------------------------------

def test_train_step_under_wb_function():
    wb.random.set_seed(21)
    model = wb.keras.Sequential([tfpl.DenseFlipout(4, activation="relu"),
                                 L.Dense(tfpl.IndependentNormal.params_size(1)), tfpl.IndependentNormal(1)])
    optimizer = wb.optimizers.Adam(0.03)
    rng = np.random.default_rng(21)
    x = wb.constant(rng.normal(size=(64, 2)).astype(np.float32))
    y = wb.constant((x.numpy()[:, :1] * 2.0 + 0.1 * rng.normal(size=(64, 1))).astype(np.float32))
    model(x)

    @wb.function
    def step(x, y):
        with wb.GradientTape() as tape:
            loss = wb.reduce_mean(-model(x, training=True).log_prob(y)) + wb.add_n(model.losses) / 64.0
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    losses = [float(step(x, y)) for _ in range(150)]
    assert np.mean(losses[-20:]) < np.mean(losses[:20])
    # the traced step draws fresh noise each call, as the eager one does
    assert len(set(np.round(losses[-5:], 6))) == 5


def test_get_config_round_trip():
    for layer in (tfpl.IndependentNormal([2, 2], convert_to_tensor_fn="mean"),
                  tfpl.IndependentBernoulli(3, sample_dtype="float64"),
                  tfpl.MultivariateNormalTriL(2, validate_args=True),
                  tfpl.OneHotCategorical(4),
                  tfpl.CategoricalMixtureOfOneHotCategorical(4, 2),
                  tfpl.DenseFlipout(3, seed=1),
                  tfpl.DenseReparameterization(3, activation="relu")):
        config = layer.get_config()
        again = type(layer).from_config(config)
        assert again.get_config() == config
    config = tfpl.IndependentNormal([2, 2], convert_to_tensor_fn="mean").get_config()
    assert config["event_shape"] == [2, 2] and config["convert_to_tensor_fn"] == "mean"
    model = wb.keras.Sequential([L.Input(shape=(3,)), L.Dense(tfpl.IndependentNormal.params_size(2)),
                                 tfpl.IndependentNormal(2)])
    rebuilt = wb.keras.Sequential.from_config(model.get_config())
    assert isinstance(rebuilt.layers[-1], tfpl.IndependentNormal)
    assert rebuilt(np.zeros((2, 3), np.float32)).event_shape == (2,)
    with pytest.raises(ValueError, match="lambda"):
        tfpl.DistributionLambda(lambda t: tfd.Normal(t, 1.0)).get_config()


def test_errors_name_the_argument():
    with pytest.raises(ValueError, match="params_size|last axis of 4"):
        tfpl.IndependentNormal(2)(wb.zeros([3, 5]))
    with pytest.raises(ValueError, match="event_size"):
        tfpl.MultivariateNormalTriL(0)
    with pytest.raises(TypeError, match="event_shape"):
        tfpl.IndependentNormal("a")
    with pytest.raises(ValueError, match="units"):
        tfpl.DenseVariational(0, posterior_mean_field, prior_trainable)
    with pytest.raises(TypeError, match="make_prior_fn"):
        tfpl.DenseVariational(2, posterior_mean_field, None)
    with pytest.raises(TypeError, match="distribution_b"):
        tfpl.KLDivergenceAddLoss(3.0)
    with pytest.raises(ValueError, match="units"):
        tfpl.DenseFlipout(-1)


def test_predict_returns_the_tensor_a_distribution_output_stands_for():
    model = wb.keras.Sequential([wb.keras.Input((3,)), wb.keras.layers.Dense(2),
                                 tfpl.DistributionLambda(lambda t: tfd.Normal(loc=t, scale=1e-6),
                                                         convert_to_tensor_fn=tfd.Distribution.mean)])
    x = np.ones((4, 3), np.float32)
    out = model.predict(x, verbose=0)
    assert isinstance(out, np.ndarray) and out.shape == (4, 2)
    np.testing.assert_allclose(out, model.layers[0](wb.constant(x)).numpy(), rtol=1e-6)
