"""tfp.layers.VariationalGaussianProcess: weights, output distribution, variational_loss and
gradients pinned against TFP 0.25 (tf_keras, float64), and the regression tutorial's fit."""

import numpy as np
import pytest

import probability as tfp
import workbench as wb

tfpl, tfd = tfp.layers, tfp.distributions
keras = wb.keras


@pytest.fixture(autouse=True)
def _float64(float64_layers):
    # floatx and the global policy: in Keras 3 the policy stays what it was when first used, so
    # set_floatx alone does not reach layers once another test has made one
    before = keras.backend.floatx()
    keras.backend.set_floatx("float64")
    yield
    keras.backend.set_floatx(before)


class RBFKernelFn(keras.layers.Layer):
    """The tutorial's kernel provider: a layer holding the kernel's two variables."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._amplitude = self.add_variable(initializer=wb.constant_initializer(0), name="amplitude")
        self._length_scale = self.add_variable(initializer=wb.constant_initializer(0), name="length_scale")

    def call(self, x):
        return x

    @property
    def kernel(self):
        return tfp.math.psd_kernels.ExponentiatedQuadratic(amplitude=wb.nn.softplus(0.1 * self._amplitude),
                                                           length_scale=wb.nn.softplus(5.0 * self._length_scale))


X = np.array([[-0.5], [0.3], [1.1], [1.7]])
Y = np.array([[0.2], [1.0], [-0.3], [0.8]])
M = 5


def _layer():
    return tfpl.VariationalGaussianProcess(
        num_inducing_points=M, kernel_provider=RBFKernelFn(), event_shape=[1],
        inducing_index_points_initializer=wb.constant_initializer(np.linspace(-1, 2, M)[:, None]),
        unconstrained_observation_noise_variance_initializer=wb.constant_initializer(np.array(0.54)))


def test_default_weights_as_tfp():
    layer = tfpl.VariationalGaussianProcess(num_inducing_points=3, kernel_provider=RBFKernelFn(), event_shape=[2])
    d = layer(np.zeros([4, 1]))
    # TFP 0.25: variational_gaussian_process/{mean, observation_noise_variance, inducing_index_points,
    # variational_inducing_observations_loc, variational_inducing_observations_scale}, then the kernel's
    assert [(w.name, tuple(w.shape), w.trainable) for w in layer.weights] == [
        ("mean", (), True), ("observation_noise_variance", (), True), ("inducing_index_points", (2, 3, 1), True),
        ("variational_inducing_observations_loc", (2, 3), True),
        ("variational_inducing_observations_scale", (2, 3, 3), True), ("amplitude", (), True),
        ("length_scale", (), True)]
    assert all(w.dtype == "float64" for w in layer.weights)
    assert float(layer.weights[0].numpy()) == 0.0 and float(layer.weights[1].numpy()) == -10.0
    np.testing.assert_array_equal(layer.weights[3].numpy(), np.zeros([2, 3]))
    np.testing.assert_array_equal(layer.weights[4].numpy(), np.broadcast_to(1e-5 * np.eye(3), (2, 3, 3)))
    assert tuple(d.event_shape) == (4, 2) and tuple(d.batch_shape) == ()
    assert isinstance(d, tfd.TransformedDistribution)
    assert tuple(wb.convert_to_tensor(d).shape) == (4, 2)   # a sample, as the layers after it see it


def test_initial_forward_and_loss_vs_tfp():
    layer = _layer()
    d = layer(X)
    np.testing.assert_allclose(layer.weights[2].numpy().ravel(), np.linspace(-1, 2, M))
    assert float(layer.weights[1].numpy()) == 0.54
    np.testing.assert_array_equal(d.mean().numpy(), np.zeros([4, 1]))
    # TFP 0.25's stddev also holds the 1e-6 jitter on the marginal variance (rtol below covers it)
    np.testing.assert_allclose(d.stddev().numpy().ravel(), [1.003240241934255, 1.0014855413905064,
                                                             1.000898635411736, 1.0050483220411828], rtol=2e-6)
    np.testing.assert_allclose(d.variational_loss(Y).numpy(), [58.875158927132624], rtol=1e-7)
    np.testing.assert_allclose(d.variational_loss(Y, kl_weight=0.25).numpy(), [19.64793795726995], rtol=1e-7)
    np.testing.assert_allclose(d.surrogate_posterior_kl_divergence_prior().numpy(),
                               [(58.875158927132624 - 19.64793795726995) / 0.75], rtol=1e-7)


def _set_weights(layer):
    w = layer.weights
    w[0].assign(0.3)
    w[1].assign(-0.7)
    w[2].assign(np.linspace(-1.2, 2.3, M)[None, :, None])
    w[3].assign(np.sin(np.arange(M))[None] * 0.8)
    w[4].assign((np.tril(np.cos(np.arange(M * M).reshape(M, M)) * 0.2) + np.eye(M) * 0.6)[None])
    w[5].assign(0.4)
    w[6].assign(-0.1)


def test_forward_loss_and_gradients_at_given_weights_vs_tfp():
    layer = _layer()
    layer(X)
    _set_weights(layer)
    with wb.GradientTape() as tape:
        d = layer(X)
        loss = wb.reduce_sum(d.variational_loss(Y, kl_weight=0.25))
    grads = tape.gradient(loss, layer.trainable_weights)
    np.testing.assert_allclose(d.mean().numpy().ravel(), [0.5557425111509876, 0.7767934128963105,
                                                           0.3862264441956743, -0.1588882834721146], rtol=1e-9)
    np.testing.assert_allclose(d.stddev().numpy().ravel(), [1.0097591878736845, 0.9920515090471188,
                                                             0.9820122282279101, 0.9609540258509788], rtol=2e-6)
    np.testing.assert_allclose(float(loss), 9.002053630762068, rtol=1e-6)
    np.testing.assert_allclose(d.surrogate_posterior_kl_divergence_prior().numpy(), [1.4961786788055842], rtol=1e-9)
    np.testing.assert_allclose(float(d.log_prob(Y)), -4.703394609327674, rtol=1e-5)
    tfp_grads = {
        "mean": [0.3739478827311843],
        "observation_noise_variance": [-2.2787936907509243],
        "inducing_index_points": [-0.342528812113132, -0.9396686939975897, 0.9387854289640906, -0.2455091794194349,
                                  -1.576132665335224],
        "variational_inducing_observations_loc": [0.018827392905308105, 0.6926368517244105, 0.5401789705835762,
                                                  -0.6468773027665052, -1.3262603326052915],
        "variational_inducing_observations_scale": [
            0.1816541437744255, 0.2744864119259296, -0.08931636850966647, 0.02328295622692343,
            -0.005354996082427069, 0.3457706413387508, 1.9308276269339224, 0.24187714996375229,
            -0.08407618161321061, 0.02266915827094266, -0.5575449751287461, 0.1455033509353882,
            1.7465533807587754, 0.24034877963681833, -0.08796309597510323, -0.5257887712399473,
            -0.782865440246817, -0.09835831701645127, 2.197955194563988, 0.2937897227233669,
            0.025709577494955463, -0.12318711874681129, -0.25513753071939843, 0.1631970268815718,
            0.15367172045531155],
        "amplitude": [-0.005942988199323925],
        "length_scale": [3.3946171757550845],
    }
    for w, g in zip(layer.trainable_weights, grads):
        np.testing.assert_allclose(np.asarray(g.numpy()).ravel(), tfp_grads[w.name], rtol=1e-5, atol=1e-6,
                                   err_msg=w.name)


def test_loss_targets_of_rank_one_match_the_output_rank():
    # Keras gives the loss y [n] as [n, 1] against an [n, 1] output (the tutorial's y is [n])
    layer = _layer()
    d = layer(X)
    loss = keras.losses.LossFunctionWrapper(lambda y, rv_y: rv_y.variational_loss(y))
    np.testing.assert_allclose(float(loss(Y[:, 0], d)), 58.875158927132624, rtol=1e-7)
    mse = keras.losses.LossFunctionWrapper(lambda y, p: wb.reduce_mean(wb.square(y - p), axis=-1))
    assert float(mse(np.array([1.0, 2.0]), wb.constant([[1.0], [4.0]]))) == 2.0


def _tutorial_data(n=150):
    # the tutorial's synthetic data set
    w0, b0, x_range = 0.125, 5.0, [-20, 60]
    rng = np.random.RandomState(43)

    def s(x):
        g = (x - x_range[0]) / (x_range[1] - x_range[0])
        return 3 * (0.25 + g ** 2.)
    x = (x_range[1] - x_range[0]) * rng.rand(n) + x_range[0]
    eps = rng.randn(n) * s(x)
    y = (w0 * x * (1. + np.sin(x)) + b0) + eps
    return y, x[..., np.newaxis], x_range


def test_tutorial_fit_reduces_the_loss():
    y, x, x_range = _tutorial_data()
    num_inducing_points, batch_size = 40, 32
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.layers.InputLayer(shape=[1]),
        keras.layers.Dense(1, kernel_initializer="ones", use_bias=False),
        tfpl.VariationalGaussianProcess(
            num_inducing_points=num_inducing_points, kernel_provider=RBFKernelFn(), event_shape=[1],
            inducing_index_points_initializer=wb.constant_initializer(
                np.linspace(*x_range, num=num_inducing_points)[..., np.newaxis]),
            unconstrained_observation_noise_variance_initializer=wb.constant_initializer(np.array(0.54))),
    ])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01),
                  loss=lambda y, rv_y: rv_y.variational_loss(y, kl_weight=np.array(batch_size) / x.shape[0]))
    history = model.fit(x, y, batch_size=batch_size, epochs=15, verbose=0, shuffle=False)
    losses = history.history["loss"]
    assert losses[-1] < 0.7 * losses[0] and all(b < a for a, b in zip(losses, losses[1:])), losses
    yhat = model(x[:7])
    assert isinstance(yhat, tfd.Distribution) and tuple(yhat.event_shape) == (7, 1)
    assert len(model.trainable_weights) == 8   # Dense kernel, 5 GP weights, 2 kernel weights


def test_bad_arguments():
    with pytest.raises(ValueError, match="num_inducing_points"):
        tfpl.VariationalGaussianProcess(num_inducing_points=0, kernel_provider=RBFKernelFn())
    with pytest.raises(TypeError, match="kernel_provider"):
        tfpl.VariationalGaussianProcess(num_inducing_points=3, kernel_provider=keras.layers.Dense(1))
    with pytest.raises(ValueError, match="event_shape"):
        tfpl.VariationalGaussianProcess(num_inducing_points=3, kernel_provider=RBFKernelFn(), event_shape=[0])
