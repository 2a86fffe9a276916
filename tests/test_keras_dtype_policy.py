"""Keras 3's dtype policies: float32 layers by default with autocast of floating inputs, a float64
policy, mixed_float16 (float16 computation, float32 weights read as float16 inside ``call``),
``LossScaleOptimizer`` and ``Model.fit`` under mixed precision. Values pinned from Keras 3.15
(TensorFlow backend)."""

import numpy as np
import pytest

import workbench as wb
from gradients import GradientTape

keras = wb.keras
X = np.array([[0.1, -0.7, 1.3], [2.5, 0.25, -1.1]])
KERNEL = [[0.3, -0.2], [0.11, 0.5], [-0.7, 0.9]]


@pytest.fixture(autouse=True)
def _restore_global_dtype_settings():
    floatx, policy = keras.config.floatx(), keras.config.dtype_policy()
    yield
    keras.config.set_floatx(floatx)
    keras.config.set_dtype_policy(policy)


@pytest.fixture
def mixed():
    keras.mixed_precision.set_global_policy("mixed_float16")


# -- the default policy -----------------------------------------------------------------------

def test_layers_default_to_float32_and_cast_floating_inputs_to_it():
    dense = keras.layers.Dense(2)
    assert dense(X).dtype == wb.float32                                   # a float64 array
    assert dense(wb.constant(X, dtype=wb.float64)).dtype == wb.float32
    assert (dense.dtype_policy, dense.compute_dtype, dense.variable_dtype) == (
        keras.DTypePolicy("float32"), "float32", "float32")
    assert dense.kernel.dtype == wb.float32 and dense.dtype == np.float32
    assert repr(dense.dtype_policy) == '<DTypePolicy "float32">'
    assert dense(wb.constant([[1, 2, 3]])).dtype == wb.float32            # Dense promotes integers
    ints = keras.layers.Flatten()(wb.constant(np.ones((2, 2, 2), np.int32)))
    assert ints.dtype == wb.int32                                         # integers are not cast


def test_a_float64_policy_casts_float32_inputs_up():
    dense = keras.layers.Dense(2, dtype="float64")
    assert dense(X.astype(np.float32)).dtype == wb.float64
    assert dense.kernel.dtype == wb.float64
    assert keras.layers.Dense(2, dtype=np.float64).dtype_policy == keras.DTypePolicy("float64")
    assert keras.layers.Dense(2, dtype=keras.DTypePolicy("float64")).compute_dtype == "float64"
    keras.config.set_dtype_policy("float64")
    assert keras.layers.Dense(2)(X.astype(np.float32)).dtype == wb.float64


def test_input_defaults_to_floatx():
    assert keras.Input((3,)).dtype == wb.float32


def test_the_compiled_loss_is_computed_in_floatx():
    # Keras 3: a float64 model's compiled loss comes out in float32
    keras.config.set_dtype_policy("float64")
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.compile("sgd", "mse")
    assert model(X).dtype == wb.float64
    assert model.compute_loss(X, np.zeros((2, 2)), model(X)).dtype == wb.float32


def test_loss_objects_compute_in_floatx_and_loss_functions_keep_the_dtype():
    # Keras 3.15: MeanSquaredError()(float64, float64) is float32; mean_squared_error keeps float64
    y64, p64 = wb.ones((2, 1), dtype=wb.float64), wb.constant([[0.5], [3.0]], dtype=wb.float64)
    loss = keras.losses.MeanSquaredError()(y64, p64)
    assert loss.dtype == wb.float32 and float(loss) == pytest.approx(2.125)
    assert keras.losses.mean_squared_error(y64, p64).dtype == wb.float64
    assert keras.losses.MeanSquaredError(dtype="float64")(y64, p64).dtype == wb.float64
    p16 = wb.cast(p64, wb.float16)
    assert keras.losses.BinaryCrossentropy()(y64, wb.nn.sigmoid(p16)).dtype == wb.float32


# -- DTypePolicy, floatx and the global policy ---------------------------------------------------

def test_dtype_policy_names_and_equality():
    policy = keras.DTypePolicy("mixed_float16")
    assert (policy.name, policy.compute_dtype, policy.variable_dtype) == ("mixed_float16", "float16", "float32")
    assert policy.get_config() == {"name": "mixed_float16"}
    assert keras.DTypePolicy.from_config(policy.get_config()) == policy
    assert keras.DTypePolicy("float64") == keras.DTypePolicy("float64") != policy
    assert keras.FloatDTypePolicy is keras.DTypePolicy
    assert keras.mixed_precision.Policy("float16").compute_dtype == "float16"
    assert keras.DTypePolicy().name == "float32"                          # the global policy's


def test_bad_policies_and_floatx_values_are_refused_by_name():
    with pytest.raises(ValueError, match="Cannot convert 'foo' to a mixed precision DTypePolicy"):
        keras.mixed_precision.set_global_policy("foo")
    with pytest.raises(ValueError, match="Cannot convert 'mixed_float8'"):
        keras.DTypePolicy("mixed_float8")
    with pytest.raises(TypeError, match="'name' must be a string"):
        keras.DTypePolicy(3)
    with pytest.raises(ValueError, match="Invalid `policy` argument"):
        keras.config.set_dtype_policy(3)
    with pytest.raises(ValueError, match="Unknown `floatx` value: int32"):
        keras.config.set_floatx("int32")
    with pytest.raises(TypeError, match="dtype must be a dtype name"):
        keras.layers.Dense(2, dtype=object())


def test_the_global_policy_follows_floatx_until_it_is_set_or_used():
    # Keras 3: the global policy is made from floatx() when first needed, and then stays
    keras.backend.clear_session()
    keras.config.set_floatx("float64")
    assert keras.layers.Dense(1).dtype_policy == keras.DTypePolicy("float64")
    keras.config.set_floatx("float32")
    assert keras.config.dtype_policy() == keras.DTypePolicy("float64")
    keras.backend.clear_session()                                         # forgets it
    assert keras.config.dtype_policy() == keras.DTypePolicy("float32")
    assert keras.backend.floatx() == keras.config.floatx() == "float32"


def test_layer_configs_carry_the_policy_name():
    dense = keras.layers.Dense(2, dtype="mixed_float16")
    config = dense.get_config()
    assert config["dtype"] == "mixed_float16"
    assert keras.layers.Dense.from_config(config).dtype_policy == keras.DTypePolicy("mixed_float16")
    keras_form = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float64"},
                  "registered_name": None}
    assert keras.layers.Dense(2, dtype=keras_form).compute_dtype == "float64"


def test_the_dtype_policy_can_be_set_on_a_layer():
    dense = keras.layers.Dense(2)
    dense.dtype_policy = "float64"
    assert dense(X.astype(np.float32)).dtype == wb.float64


# -- mixed_float16 --------------------------------------------------------------------------------

def _dense():
    return keras.layers.Dense(2, kernel_initializer=keras.initializers.Constant(KERNEL),
                              bias_initializer=keras.initializers.Constant([0.05, -0.1]), activation="softmax")


def test_mixed_float16_computes_in_float16_with_float32_weights(mixed):
    dense = _dense()
    y = dense(X)
    assert y.dtype == wb.float16 and dense.kernel.dtype == wb.float32
    assert (dense.compute_dtype, dense.variable_dtype, dense.dtype) == ("float16", "float32", np.float32)
    np.testing.assert_allclose(y.numpy(), [[0.167, 0.833], [0.955, 0.0447]], rtol=2e-3)   # Keras 3
    with GradientTape() as tape:
        loss = wb.reduce_sum(wb.cast(dense(X), wb.float32) * wb.constant([[1.0, 2.0], [3.0, -1.0]]))
    grads = tape.gradient(loss, dense.trainable_weights)
    assert [g.dtype for g in grads] == [wb.float32, wb.float32]
    np.testing.assert_allclose(grads[0].numpy(), [[0.4152832, -0.41308594], [0.14038086, -0.14013672],
                                                  [-0.3696289, 0.36865234]], atol=1e-3)
    np.testing.assert_allclose(grads[1].numpy(), [0.0324707, -0.03161621], atol=1e-3)


class _Probe(keras.layers.Layer):
    """Records the dtypes its call sees."""

    def build(self, input_shape):
        self.w = self.add_weight(shape=(3,), initializer="ones")
        self.u = self.add_weight(shape=(3,), initializer="ones", autocast=False)

    def call(self, x, y=None, z=None):
        self.seen = (self.w.dtype.name, self.u.dtype.name, None if y is None else y.dtype.name,
                     None if z is None else type(z).__name__)
        return x * self.w


def test_weights_read_in_the_compute_dtype_inside_call_and_keyword_tensors_are_cast(mixed):
    probe = _Probe()
    out = probe(X, y=np.ones(2), z=2.5)
    # Keras 3: ('float16', 'float32', 'float16', 'float')
    assert (out.dtype, probe.seen) == (wb.float16, ("float16", "float32", "float16", "float"))
    assert isinstance(probe.w, keras.Variable) and probe.w.dtype == wb.float32   # outside the call
    probe(X, y=wb.ones(2, dtype=wb.float64))
    assert probe.seen[2] == "float16"
    probe(X, y=np.ones(2, np.int32))
    assert probe.seen[2] == "int32"


def test_normalization_runs_in_float32_under_mixed_precision(mixed):
    bn = keras.layers.BatchNormalization()
    y = bn(X, training=True)
    assert y.dtype == wb.float16 and bn.gamma.dtype == bn.moving_mean.dtype == wb.float32
    assert not bn.gamma.autocast and not bn.moving_mean.autocast
    np.testing.assert_allclose(y.numpy(), [[-0.9995, -0.9976, 0.9995], [0.9995, 0.9976, -0.9995]], rtol=2e-3)
    np.testing.assert_allclose(bn.moving_mean.numpy(), [0.01299988, -0.00225098, 0.00100098], rtol=1e-5)
    np.testing.assert_allclose(bn.moving_variance.numpy(), [1.0044003, 0.9922572, 1.004393], rtol=1e-6)
    ln = keras.layers.LayerNormalization()
    np.testing.assert_allclose(ln(X).numpy(), [[-0.1621, -1.135, 1.297], [1.3125, -0.202, -1.111]],
                               rtol=2e-3, atol=1e-3)


def test_sublayers_keep_their_own_policies_under_mixed_precision(mixed):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2), keras.layers.Dense(2, dtype="float32")])
    assert model(X).dtype == wb.float32
    assert model.layers[0](X).dtype == wb.float16
    for layer in (keras.layers.LSTM(2), keras.layers.SimpleRNN(2), keras.layers.Conv1D(2, 2)):
        assert layer(np.ones((1, 3, 2))).dtype == wb.float16
    emb = keras.layers.Embedding(4, 2)
    assert emb(np.array([[1, 2]])).dtype == wb.float16 and emb.embeddings.dtype == wb.float32


# -- LossScaleOptimizer ------------------------------------------------------------------------------

def test_loss_scale_optimizer_skips_non_finite_steps_and_grows_the_scale():
    opt = keras.optimizers.LossScaleOptimizer(keras.optimizers.SGD(0.1))
    assert (opt.initial_scale, opt.dynamic_growth_steps, opt.name) == (32768.0, 2000, "loss_scale_optimizer")
    assert float(opt.scale_loss(wb.constant(2.0)).numpy()) == 65536.0
    v = keras.Variable(np.ones(2, np.float32))
    opt.apply([wb.constant([np.inf, 1.0])], [v])
    assert (v.numpy().tolist(), float(opt.dynamic_scale.numpy()), int(opt.iterations.numpy()),
            int(opt.step_counter.numpy())) == ([1.0, 1.0], 16384.0, 0, 0)
    opt.apply([wb.constant([16384.0, 16384.0])], [v])
    np.testing.assert_allclose(v.numpy(), [0.9, 0.9])
    assert (float(opt.dynamic_scale.numpy()), int(opt.iterations.numpy()), int(opt.step_counter.numpy())) == (
        16384.0, 1, 1)
    # Keras 3's sequence with initial_scale=4, dynamic_growth_steps=2: (scale, counter, iterations)
    opt = keras.mixed_precision.LossScaleOptimizer(keras.optimizers.SGD(0.1), initial_scale=4.0,
                                                   dynamic_growth_steps=2)
    seen = []
    for g in ([4.0, 4.0], [4.0, 4.0], [4.0, 4.0], [np.nan, 4.0]):
        opt.apply([wb.constant(g)], [v])
        seen.append((float(opt.dynamic_scale.numpy()), int(opt.step_counter.numpy()), int(opt.iterations.numpy())))
    assert seen == [(4.0, 1, 1), (8.0, 0, 2), (8.0, 1, 3), (4.0, 0, 3)]


def test_loss_scale_optimizer_config_and_arguments():
    opt = keras.optimizers.LossScaleOptimizer(keras.optimizers.SGD(0.1), initial_scale=8.0)
    config = opt.get_config()
    assert (config["name"], config["initial_scale"], config["dynamic_growth_steps"]) == (
        "loss_scale_optimizer", 8.0, 2000)
    again = keras.optimizers.LossScaleOptimizer.from_config(config)
    assert isinstance(again.inner_optimizer, keras.optimizers.SGD) and again.initial_scale == 8.0
    assert float(again.learning_rate.numpy()) == pytest.approx(0.1)
    again.learning_rate = 0.2
    assert float(again.inner_optimizer.learning_rate.numpy()) == pytest.approx(0.2)
    with pytest.raises(ValueError, match="no longer supports `dynamic=False`"):
        keras.optimizers.LossScaleOptimizer(keras.optimizers.SGD(), dynamic=False)
    with pytest.raises(ValueError, match="does not support `clipnorm`"):
        keras.optimizers.LossScaleOptimizer(keras.optimizers.SGD(), clipnorm=1.0)
    with pytest.raises(TypeError, match="inner_optimizer must be a wb.optimizers.Optimizer"):
        keras.optimizers.LossScaleOptimizer("sgd")


def test_loss_scale_optimizer_minimize_unscales_what_it_scaled():
    w = keras.Variable(np.array([1.0, -2.0], np.float32))
    opt = keras.optimizers.LossScaleOptimizer(keras.optimizers.SGD(0.5))
    opt.minimize(lambda: wb.reduce_sum(w * w), [w])
    np.testing.assert_allclose(w.numpy(), [0.0, 0.0])
    w.assign([1.0, -2.0])
    with GradientTape() as tape:
        loss = wb.reduce_sum(w * w)
    opt.minimize(loss, [w], tape=tape)
    np.testing.assert_allclose(w.numpy(), [0.0, 0.0])


# -- Model.fit under mixed_float16 ---------------------------------------------------------------------

def test_fit_under_mixed_float16_scales_the_loss_as_keras_does(mixed):
    xs = np.array([[0.1, -0.7, 1.3], [2.5, 0.25, -1.1], [0.3, 0.3, 0.3], [-1.0, 0.5, 0.2]])
    ys = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [0.0, 1.0]])
    model = keras.Sequential([
        keras.Input((3,)),
        keras.layers.Dense(4, activation="tanh",
                           kernel_initializer=keras.initializers.Constant(np.linspace(-0.5, 0.6, 12).reshape(3, 4))),
        keras.layers.Dense(2, activation="softmax",
                           kernel_initializer=keras.initializers.Constant(np.linspace(0.4, -0.3, 8).reshape(4, 2)))])
    model.compile(keras.optimizers.SGD(0.5), "categorical_crossentropy")
    assert isinstance(model.optimizer, keras.optimizers.LossScaleOptimizer)
    assert model.optimizer.name == "loss_scale_optimizer"
    assert model.compute_loss(xs, ys, model(xs)).dtype == wb.float32      # the loss in float32
    history = model.fit(xs, ys, epochs=3, batch_size=4, verbose=0, shuffle=False)
    # Keras 3.15: [0.6515028476715088, 0.6205625534057617, 0.5996898412704468]
    np.testing.assert_allclose(history.history["loss"], [0.6515028, 0.6205626, 0.5996898], rtol=5e-4)
    assert (float(model.optimizer.dynamic_scale.numpy()), int(model.optimizer.iterations.numpy())) == (32768.0, 3)
    np.testing.assert_allclose(model.layers[0].kernel.numpy(),
                               [[-0.4702072, -0.36879197, -0.26899797, -0.17121048],
                                [-0.11939011, -0.02130127, 0.0768219, 0.17488785],
                                [0.33209687, 0.43502274, 0.53764725, 0.6401955]], atol=1e-4)
    assert model.layers[0].kernel.dtype == wb.float32
    assert model.predict(xs, verbose=0).dtype == np.float16
    model.compile(keras.optimizers.SGD(0.5), "categorical_crossentropy", auto_scale_loss=False)
    assert isinstance(model.optimizer, keras.optimizers.SGD)
