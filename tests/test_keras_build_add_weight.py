"""Keras 3's ``Layer.add_weight`` (signature, names, the state lock, constraints) and
``Model.build`` / ``Sequential.build``, pinned against TF 2.21 + Keras 3.15 where they agree."""

import inspect
import warnings

import numpy as np
import pytest

import workbench as wb

keras = wb.keras
L = keras.layers


class Two(L.Layer):
    def build(self, input_shape):
        self.a = self.add_weight(shape=(2,), name="w")
        self.b = self.add_weight(shape=(2,), name="w")      # Keras 3 allows a repeated name
        self.c = self.add_weight(shape=(2,))
        self.d = self.add_weight(shape=(2,))

    def call(self, x):
        return x


# -- add_weight -----------------------------------------------------------------------------

def test_add_weight_signature_is_keras3s():
    params = list(inspect.signature(L.Layer.add_weight).parameters)
    assert params == ["self", "args", "shape", "initializer", "dtype", "trainable", "autocast", "regularizer",
                      "constraint", "aggregation", "overwrite_with_gradient", "name"]


def test_positional_shape_initializer_dtype():
    v = Two().add_weight((2,), "ones", "float64")
    assert v.dtype == wb.float64 and v.shape == (2,)
    np.testing.assert_array_equal(v.numpy(), [1.0, 1.0])
    v = Two().add_weight((3,), "zeros")
    assert v.dtype == wb.float32 and v.numpy().tolist() == [0.0, 0.0, 0.0]


def test_keyword_and_keras2_styles():
    layer = Two()
    v = layer.add_weight(name="k", shape=(2, 3), initializer="ones")
    assert (v.name, v.path, v.shape) == ("k", f"{layer.name}/k", (2, 3))
    legacy = layer.add_weight("old", (2,), initializer="zeros")   # (name, shape) positionally
    assert (legacy.name, legacy.shape) == ("old", (2,))
    assert layer.add_weight().shape == ()   # Keras 3: shape () when not given


def test_defaults_dtype_and_initializer():
    ints = Two().add_weight(shape=(2,), dtype="int32")
    assert ints.dtype == wb.int32 and ints.numpy().tolist() == [0, 0]
    assert ints.name.startswith("variable")   # Keras 3's default name


def test_repeated_and_default_names(tmp_path):
    layer = Two()
    layer.build((None, 3))
    assert [v.name for v in layer.weights][:2] == ["w", "w"]
    assert [v.path for v in layer.weights][:2] == [f"{layer.name}/w", f"{layer.name}/w"]
    assert all(v.name.startswith("variable") for v in layer.weights[2:])
    # each is held by its own attribute, which keys it in a checkpoint
    path = wb.train.Checkpoint(layer=layer).save(str(tmp_path / "ck"))
    assert [k for k, _ in wb.train.list_variables(path) if k.startswith("layer/")] == [
        f"layer/{a}/.ATTRIBUTES/VARIABLE_VALUE" for a in "abcd"]


def test_repeated_names_without_attributes_get_their_own_checkpoint_keys(tmp_path):
    class Listed(L.Layer):
        def build(self, input_shape):
            self.held = [self.add_weight(shape=(1,), name="w", initializer="ones"),
                         self.add_weight(shape=(1,), name="w", initializer="zeros")]

        def call(self, x):
            return x

    layer = Listed()
    layer.build((None, 1))
    path = wb.train.Checkpoint(layer=layer).save(str(tmp_path / "ck"))
    values = sorted(float(wb.train.load_checkpoint(path).get_tensor(k)[0])
                    for k, _ in wb.train.list_variables(path) if k.startswith("layer/"))
    assert values == [0.0, 1.0]


@pytest.mark.parametrize("call, error, match", [
    (lambda layer: layer.add_weight((2,), "zeros", "float32", True), TypeError,
     "takes at most 3 positional arguments but 4 were given"),
    (lambda layer: layer.add_weight((2,), shape=(3,)), ValueError,
     "`shape` was passed both positionally and as a keyword argument"),
    (lambda layer: layer.add_weight((2,), "ones", initializer="zeros"), ValueError,
     "`initializer` was passed both positionally"),
    (lambda layer: layer.add_weight(shape=(None, 2)), ValueError, "must be fully-defined"),
    (lambda layer: layer.add_weight(shape=2), ValueError, "shape must be a tuple of ints, got 2"),
    (lambda layer: layer.add_weight(shape=(2,), initializer="nope"), ValueError, "nope"),
    (lambda layer: layer.add_weight(shape=(2,), aggregation="bad"), ValueError, "aggregation"),
    (lambda layer: layer.add_weight(shape=(2,), constraint="nonneg"), ValueError, "constraint must be a constraint"),
    (lambda layer: layer.add_weight(shape=(2,), constraint=5), ValueError, "constraint must be a constraint"),
    (lambda layer: layer.add_weight(shape=(2,), name=""), ValueError, "name must be a non-empty string"),
])
def test_bad_arguments(call, error, match):
    with pytest.raises(error, match=match):
        call(Two())


LOCKED = "You cannot add new elements of state"


def test_built_layer_takes_no_new_weights():
    # Keras 3: building twice, or a weight made after the build or lazily in call, is refused
    dense = L.Dense(2)
    dense.build((None, 3))
    with pytest.raises(ValueError, match=LOCKED):
        dense.build((None, 3))
    with pytest.raises(ValueError, match=LOCKED):
        dense.add_weight(shape=(1,))

    class Lazy(L.Layer):
        def call(self, x):
            if not hasattr(self, "w"):
                self.w = self.add_weight(shape=(x.shape[-1],), initializer="ones")
            return x * self.w

    with pytest.raises(ValueError, match=LOCKED):
        Lazy()(wb.ones([2, 3]))


def test_build_then_call_does_not_build_again():
    # the tf.autodiff.ForwardAccumulator docstring: dense.build([None, 2]) then dense(x)
    dense = L.Dense(1)
    dense.build([None, 2])
    kernel = dense.kernel
    assert dense(wb.constant([[2.0, 3.0], [1.0, 4.0]])).shape == (2, 1)
    assert dense.kernel is kernel and len(dense.weights) == 2


def test_super_build_first_then_weights():
    class SuperFirst(L.Layer):
        def build(self, input_shape):
            super().build(input_shape)
            self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones")

        def call(self, x):
            return x * self.w

    layer = SuperFirst()
    assert layer(wb.ones([1, 3])).shape == (1, 3) and layer.built and len(layer.weights) == 1


def test_constraint_applies_after_each_update():
    class Clipped(L.Layer):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(3,), initializer="ones",
                                     constraint=lambda w: wb.clip_by_value(w, 0.0, 1.5))

        def call(self, x):
            return x * self.w

    layer = Clipped()
    layer.build((None, 3))
    opt = wb.keras.optimizers.SGD(1.0)
    opt.apply_gradients([(wb.constant([-1.0, 2.0, 0.25]), layer.w)])
    np.testing.assert_allclose(layer.w.numpy(), [1.5, 0.0, 0.75])


def test_named_constraint():
    layer = Two()
    w = layer.add_weight(shape=(2, 2), initializer="ones", constraint="non_neg")
    assert isinstance(w.constraint, keras.constraints.NonNeg)
    wb.keras.optimizers.SGD(1.0).apply_gradients([(wb.constant([[2.0, 0.5], [0.0, 3.0]]), w)])
    np.testing.assert_array_equal(w.numpy(), [[0.0, 0.5], [1.0, 0.0]])


# TF 2.21 + Keras 3.15 on w = [[1, -2, 0.5], [3, 0.25, -1]]
CONSTRAINT_CASES = [
    (lambda C: C.MaxNorm(), [[0.632455587387085, -1.9845558404922485, 0.5],
                             [1.8973666429519653, 0.24806949496269226, -0.9999998807907104]]),
    (lambda C: C.MaxNorm(1.5, axis=1), [[0.6546536087989807, -1.309307336807251, 0.32732680439949036],
                                        [1.4185986518859863, 0.11821659654378891, -0.4728662073612213]]),
    (lambda C: C.NonNeg(), [[1.0, 0.0, 0.5], [3.0, 0.25, 0.0]]),
    (lambda C: C.UnitNorm(), [[0.3162277936935425, -0.9922779202461243, 0.4472135901451111],
                              [0.9486833214759827, 0.12403470277786255, -0.8944271206855774]]),
    (lambda C: C.UnitNorm(axis=1), [[0.4364357888698578, -0.8728715181350708, 0.2182178944349289],
                                    [0.9457324743270874, 0.07881099730730057, -0.315244197845459]]),
    (lambda C: C.MinMaxNorm(0.5, 2.0, rate=0.7, axis=1), [[0.9110100865364075, -1.822020173072815, 0.45550501346588135],
                                                         [2.2240254878997803, 0.18533550202846527, -0.7413418292999268]]),
    (lambda C: C.MaxNorm(2.0, axis=[0, 1]), [[0.5111011862754822, -1.022202491760254, 0.2555505931377411],
                                             [1.5333037376403809, 0.12777529656887054, -0.5111011862754822]]),
]


@pytest.mark.parametrize("make, want", CONSTRAINT_CASES)
def test_constraints_match_keras3(make, want):
    w = wb.constant(np.array([[1.0, -2.0, 0.5], [3.0, 0.25, -1.0]], np.float32))
    got = make(keras.constraints)(w)
    assert got.dtype == wb.float32
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-6, atol=1e-7)
    assert not np.signbit(keras.constraints.NonNeg()(w).numpy()).any()


def test_constraints_names_and_configs():
    C = keras.constraints
    assert C.MaxNorm(3).get_config() == {"max_value": 3, "axis": 0}
    assert C.MinMaxNorm().get_config() == {"min_value": 0.0, "max_value": 1.0, "rate": 1.0, "axis": 0}
    assert C.serialize(C.MaxNorm(3)) == {"class_name": "MaxNorm", "config": {"max_value": 3, "axis": 0}}
    assert C.deserialize(C.serialize(C.UnitNorm(axis=1))).get_config() == {"axis": 1}
    for name, cls in (("max_norm", C.MaxNorm), ("MaxNorm", C.MaxNorm), ("non_neg", C.NonNeg),
                      ("unit_norm", C.UnitNorm), ("min_max_norm", C.MinMaxNorm)):
        assert type(C.get(name)) is cls
    assert C.get(None) is None
    with pytest.raises(ValueError, match="Could not interpret constraint identifier: maxnorm"):
        C.get("maxnorm")
    with pytest.raises(TypeError, match="max_value must be a number"):
        C.MaxNorm("big")


def test_dense_constraints_train_and_save(tmp_path):
    model = keras.Sequential([keras.Input((3,)),
                              L.Dense(2, kernel_constraint="non_neg", bias_constraint=keras.constraints.MaxNorm(0.5))])
    dense = model.layers[0]
    assert isinstance(dense.kernel.constraint, keras.constraints.NonNeg)
    model.compile(optimizer=keras.optimizers.SGD(0.5), loss="mse")
    x = np.array([[1.0, 2.0, 3.0], [-1.0, 0.5, 2.0]], np.float32)
    model.fit(x, np.array([[-5.0, 9.0], [-4.0, 7.0]], np.float32), epochs=3, verbose=0)
    assert dense.kernel.numpy().min() >= 0.0
    assert np.linalg.norm(dense.bias.numpy()) <= 0.5 + 1e-6
    config = dense.get_config()
    assert config["kernel_constraint"] == {"class_name": "NonNeg", "config": {}}
    assert config["bias_constraint"] == {"class_name": "MaxNorm", "config": {"max_value": 0.5, "axis": 0}}
    assert L.Dense(2).get_config()["kernel_constraint"] is None
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    assert isinstance(loaded.layers[0].kernel.constraint, keras.constraints.NonNeg)
    assert loaded.layers[0].bias_constraint.get_config() == {"max_value": 0.5, "axis": 0}
    with pytest.raises(ValueError, match="kernel_constraint must be a constraint"):
        L.Dense(2, kernel_constraint="nonneg")


@pytest.mark.parametrize("make, attr, weight", [
    (lambda: L.Conv2D(2, 3, kernel_constraint="non_neg", bias_constraint="non_neg"), "kernel_constraint", "kernel"),
    (lambda: L.Conv2DTranspose(2, 3, kernel_constraint="non_neg"), "kernel_constraint", "kernel"),
    (lambda: L.DepthwiseConv2D(3, depthwise_constraint="non_neg"), "depthwise_constraint", "kernel"),
    (lambda: L.SeparableConv2D(2, 3, pointwise_constraint="non_neg"), "pointwise_constraint", "pointwise_kernel"),
    (lambda: L.PReLU(alpha_initializer="ones", alpha_constraint="non_neg"), "alpha_constraint", "alpha"),
    (lambda: L.LayerNormalization(gamma_constraint="non_neg"), "gamma_constraint", "gamma"),
    (lambda: L.BatchNormalization(beta_constraint="non_neg"), "beta_constraint", "beta"),
    (lambda: L.GroupNormalization(groups=3, gamma_constraint="non_neg"), "gamma_constraint", "gamma"),
])
def test_layer_constraints_reach_their_weights(make, attr, weight):
    layer = make()
    x = wb.constant(np.linspace(-1, 1, 2 * 5 * 5 * 3, dtype=np.float32).reshape(2, 5, 5, 3))
    layer(x)
    assert isinstance(getattr(layer, weight).constraint, keras.constraints.NonNeg)
    assert layer.get_config()[attr] == {"class_name": "NonNeg", "config": {}}
    clone = type(layer).from_config(layer.get_config())
    assert isinstance(getattr(clone, attr), keras.constraints.NonNeg)
    w = getattr(layer, weight)
    wb.keras.optimizers.SGD(1.0).apply_gradients([(wb.ones_like(w) * 5.0, w)])
    assert w.numpy().min() >= 0.0


def test_embedding_constraint():
    layer = L.Embedding(5, 3, embeddings_constraint="unit_norm")
    layer(wb.constant([[1, 2]]))
    assert isinstance(layer.embeddings.constraint, keras.constraints.UnitNorm)
    assert layer.get_config()["embeddings_constraint"] == {"class_name": "UnitNorm", "config": {"axis": 0}}
    assert L.Embedding(5, 3).get_config()["embeddings_constraint"] is None


def test_overwrite_with_gradient():
    layer = Two()
    scale = layer.add_weight(shape=(2,), initializer="ones", overwrite_with_gradient=True)
    other = layer.add_weight(shape=(2,), initializer="ones")
    assert scale.overwrite_with_gradient and not other.overwrite_with_gradient
    opt = wb.keras.optimizers.Adam(0.1)
    opt.apply_gradients([(wb.constant([3.0, 4.0]), scale), (wb.constant([1.0, 1.0]), other)])
    np.testing.assert_array_equal(scale.numpy(), [3.0, 4.0])
    np.testing.assert_allclose(other.numpy(), [0.9, 0.9], rtol=1e-5)
    assert int(opt.iterations.numpy()) == 1


def test_metric_add_weight_keras3_signature():
    m = keras.metrics.Mean()
    v = m.add_weight(shape=(2,))
    assert v.shape == (2,) and v.numpy().tolist() == [0.0, 0.0] and not v.trainable
    w = m.add_weight((3,), "ones", name="ones")
    assert (w.name, w.numpy().tolist()) == ("ones", [1.0, 1.0, 1.0])
    assert m.add_weight("legacy", (1,)).name == "legacy"
    with pytest.raises(ValueError, match="`shape` was passed both"):
        m.add_weight((2,), shape=(2,))


# -- Sequential.build ----------------------------------------------------------------------

def _summary(model):
    lines = []
    model.summary(print_fn=lambda x, **kwargs: lines.append(x))
    return "\n".join(lines)


def test_sequential_build_makes_the_graph():
    model = keras.Sequential([L.Dense(4), L.Dense(2)])
    model.build((None, 3))
    # TF 2.21 + Keras 3.15
    assert [(v.path, tuple(v.shape)) for v in model.weights] == [
        (f"{model.name}/{model.layers[0].name}/kernel", (3, 4)), (f"{model.name}/{model.layers[0].name}/bias", (4,)),
        (f"{model.name}/{model.layers[1].name}/kernel", (4, 2)), (f"{model.name}/{model.layers[1].name}/bias", (2,))]
    assert model.built and model.input_shape == (None, 3) and model.output_shape == (None, 2)
    text = _summary(model)
    assert "(None, 4)" in text and "Total params: 26 (104.00 B)" in text
    assert model(wb.ones([5, 3])).shape == (5, 2)
    model.build((None, 3))   # the same shape again: nothing to do
    model.add(L.Dense(5))
    assert model.output_shape == (None, 5) and len(model.weights) == 6


def test_sequential_build_refusals():
    with pytest.raises(ValueError, match=r"cannot be built because it has no layers. Call `model.add\(layer\)`"):
        keras.Sequential().build((None, 3))
    model = keras.Sequential([L.Dense(2)])
    model.build([None, 3])
    with pytest.raises(ValueError, match=r"has already been configured to use input shape \(None, 3\). You cannot "
                                         r"build it with input_shape \(None, 5\)"):
        model.build((None, 5))
    configured = keras.Sequential([keras.Input((3,)), L.Dense(2)])
    with pytest.raises(ValueError, match="already been configured"):
        configured.build((None, 4))
    # Keras 3 builds nothing from no shape or several shapes, and raises nothing
    for shape in (None, [(None, 3), (None, 4)], "abc"):
        other = keras.Sequential([L.Dense(2)])
        other.build(shape)
        assert other.built and other.weights == []


# -- Model.build (subclassed) --------------------------------------------------------------

class Net(keras.Model):
    def __init__(self):
        super().__init__()
        self.d1 = L.Dense(4)
        self.d2 = L.Dense(2)

    def call(self, x, training=False):
        return self.d2(self.d1(x))


def test_subclassed_build_builds_every_layer():
    net = Net()
    net.build((None, 3))
    assert net.built
    assert [(v.path, tuple(v.shape)) for v in net.weights] == [
        (f"{net.name}/{net.d1.name}/kernel", (3, 4)), (f"{net.name}/{net.d1.name}/bias", (4,)),
        (f"{net.name}/{net.d2.name}/kernel", (4, 2)), (f"{net.name}/{net.d2.name}/bias", (2,))]
    text = _summary(net)
    assert "Total params: 26 (104.00 B)" in text and "unbuilt" not in text
    kernel = net.d1.kernel
    assert net(wb.ones([7, 3])).shape == (7, 2) and net.d1.kernel is kernel
    with pytest.raises(AttributeError):
        net.input   # the stand-in call is no call in a graph


def test_subclassed_build_with_a_list_and_a_dict():
    class Pair(keras.Model):
        def __init__(self):
            super().__init__()
            self.a, self.b = L.Dense(2), L.Dense(2)

        def call(self, xs):
            if isinstance(xs, dict):
                return self.a(xs["x"]) + self.b(xs["y"])
            return self.a(xs[0]) + self.b(xs[1])

    listed = Pair()
    listed.build([(None, 3), (None, 5)])
    assert [tuple(v.shape) for v in listed.weights] == [(3, 2), (2,), (5, 2), (2,)]
    keyed = Pair()
    keyed.build({"x": (None, 4), "y": (None, 6)})
    assert [tuple(v.shape) for v in keyed.weights] == [(4, 2), (2,), (6, 2), (2,)]


def test_subclassed_build_that_cannot_trace_warns_as_keras3():
    class TwoArgs(keras.Model):
        def __init__(self):
            super().__init__()
            self.d = L.Dense(2)

        def call(self, a, b):
            return self.d(a) + b

    model = TwoArgs()
    with pytest.warns(UserWarning, match="not able to trace the layer `call\\(\\)` in order to build it"):
        model.build((None, 3))
    assert model.built and model.weights == []
    assert model(wb.ones([1, 3]), wb.ones([1, 2])).shape == (1, 2)   # the first call builds it
    unbuilt = Net()
    with pytest.warns(UserWarning, match="does not have a `build\\(\\)` method implemented"):
        unbuilt.build()
    assert unbuilt.built and unbuilt.weights == []
    with pytest.raises(ValueError, match="input_shape must be a shape"):
        Net().build("abc")


def test_first_call_of_a_model_runs_call_once():
    calls = []

    class Counting(keras.Model):
        def __init__(self):
            super().__init__()
            self.d = L.Dense(2)

        def call(self, x):
            calls.append(1)
            return self.d(x)

    model = Counting()
    model(wb.ones([1, 3]))
    assert len(calls) == 1 and model.built


def test_functional_build_is_a_no_op():
    inp = keras.Input((3,))
    model = keras.Model(inp, L.Dense(2)(inp))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.build((None, 3))
    assert len(model.weights) == 2
