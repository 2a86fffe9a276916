"""Layer and model configs (Keras' get_config/from_config): JSON round trips of every layer class,
functional and Sequential graphs, and the named references that stand in for code."""

import json

import numpy as np
import pytest

import ragged
import workbench as wb
from workbench.keras import layers as L
from workbench.keras.functional import InputLayer, SymbolicOp
from workbench.keras.layers.base import Layer

from tests.test_keras_layers_a import CASES as LAYERS_A_CASES   # their round trips live there


def f64(a):
    return wb.constant(np.asarray(a, dtype=np.float64))


def through_json(config):
    return json.loads(json.dumps(config))


_rng = np.random.default_rng(0)
X2 = _rng.standard_normal((3, 4))
X3 = _rng.standard_normal((2, 5, 4))
X4 = _rng.standard_normal((2, 6, 6, 3))
IDS = np.array([[1, 4, 0], [2, 2, 3]])

# class -> (a layer with non-default arguments, its input)
CASES = {
    L.Dense: (lambda: L.Dense(3, activation="tanh", kernel_initializer="he_normal",
                              kernel_regularizer=wb.keras.regularizers.l1_l2(0.1, 0.2)), X2),
    L.EinsumDense: (lambda: L.EinsumDense("abc,cd->abd", (None, 3), bias_axes="d", activation="relu"), X3),
    L.Activation: (lambda: L.Activation("softmax"), X2),
    L.Flatten: (lambda: L.Flatten(), X4),
    L.Reshape: (lambda: L.Reshape((2, -1)), X2),
    L.Dropout: (lambda: L.Dropout(0.3, noise_shape=(3, 1), seed=2), X2),
    L.Lambda: (lambda: L.Lambda(wb.nn.relu), X2),
    L.Add: (lambda: L.Add(), [X2, X2 * 2]),
    L.Multiply: (lambda: L.Multiply(), [X2, X2 * 2]),
    L.Concatenate: (lambda: L.Concatenate(axis=0), [X2, X2 * 2]),
    L.Embedding: (lambda: L.Embedding(5, 2, mask_zero=True, embeddings_regularizer="l2"), IDS),
    L.Conv2D: (lambda: L.Conv2D(2, (3, 2), strides=2, padding="same", dilation_rate=1, activation="relu",
                                use_bias=False), X4),
    L.MaxPool2D: (lambda: L.MaxPool2D((3, 3), strides=1, padding="same"), X4),
    L.AvgPool2D: (lambda: L.AvgPool2D(2), X4),
    L.GlobalAveragePooling2D: (lambda: L.GlobalAveragePooling2D(keepdims=True), X4),
    L.LayerNormalization: (lambda: L.LayerNormalization(axis=[1, 2], epsilon=1e-5, center=False), X3),
    L.BatchNormalization: (lambda: L.BatchNormalization(momentum=0.9, scale=False,
                                                        moving_variance_initializer=wb.keras.initializers.Constant(2.0)),
                           X2),
    L.MultiHeadAttention: (lambda: L.MultiHeadAttention(2, 3, value_dim=2, dropout=0.1, output_shape=5, seed=1),
                           X3),
    L.GRU: (lambda: L.GRU(3, reset_after=False, dropout=0.1, recurrent_dropout=0.2, seed=4,
                          return_sequences=True, recurrent_initializer="glorot_normal"), X3),
    L.LSTM: (lambda: L.LSTM(3, unit_forget_bias=False, go_backwards=True, return_state=True,
                            activation="relu"), X3),
    L.Bidirectional: (lambda: L.Bidirectional(L.LSTM(2, return_sequences=True), merge_mode="ave"), X3),
    L.SimpleRNN: (lambda: L.SimpleRNN(3, dropout=0.1, seed=2, return_sequences=True), X3),
    L.RNN: (lambda: L.RNN([L.GRUCell(2), L.LSTMCell(3)], return_state=True, go_backwards=True), X3),
    L.SimpleRNNCell: (lambda: L.SimpleRNNCell(2, activation="relu"), None),
    L.GRUCell: (lambda: L.GRUCell(2, reset_after=False), None),
    L.LSTMCell: (lambda: L.LSTMCell(2, unit_forget_bias=False), None),
    L.StackedRNNCells: (lambda: L.StackedRNNCells([L.SimpleRNNCell(2), L.GRUCell(3)]), None),
    L.TimeDistributed: (lambda: L.TimeDistributed(L.Dense(2, activation="relu")), X4),
    L.GroupNormalization: (lambda: L.GroupNormalization(groups=3, epsilon=1e-5, scale=False), X4),
    L.UnitNormalization: (lambda: L.UnitNormalization(axis=[1, 2]), X3),
    L.Attention: (lambda: L.Attention(use_scale=True, score_mode="concat", dropout=0.1, seed=3), [X3, X3]),
    L.AdditiveAttention: (lambda: L.AdditiveAttention(use_scale=False, dropout=0.2), [X3, X3]),
    L.Normalization: (lambda: L.Normalization(mean=[0.0, 1.0, 2.0, 3.0], variance=[1.0, 2.0, 3.0, 4.0]), X2),
    L.Rescaling: (lambda: L.Rescaling(0.5, offset=[1.0, 2.0, 3.0, 4.0]), X2),
    L.Discretization: (lambda: L.Discretization(bin_boundaries=[-0.5, 0.5], output_mode="count"), X2),
    L.CategoryEncoding: (lambda: L.CategoryEncoding(num_tokens=5, output_mode="multi_hot"), IDS),
    L.Hashing: (lambda: L.Hashing(num_bins=3, mask_value=0, salt=7), IDS),
    L.IntegerLookup: (lambda: L.IntegerLookup(vocabulary=[1, 2, 3], num_oov_indices=2, output_mode="one_hot"), IDS),
    L.StringLookup: (lambda: L.StringLookup(vocabulary=["a", "b", "c"], num_oov_indices=2, mask_token="",
                                            output_mode="count"), np.array([["a", "q", ""], ["c", "c", "b"]])),
    L.TextVectorization: (lambda: L.TextVectorization(vocabulary=["a", "b"], ngrams=(1, 2), output_sequence_length=4),
                          np.array([["a b q"], ["B, a"]])),
    L.Resizing: (lambda: L.Resizing(3, 4, interpolation="nearest", crop_to_aspect_ratio=True), X4),
    L.CenterCrop: (lambda: L.CenterCrop(3, 2), X4),
    L.RandomFlip: (lambda: L.RandomFlip("vertical", seed=1), X4),
    L.RandomRotation: (lambda: L.RandomRotation((-0.1, 0.2), fill_mode="nearest", seed=2), X4),
    L.RandomZoom: (lambda: L.RandomZoom(0.2, width_factor=(0.1, 0.3), fill_mode="wrap"), X4),
    L.RandomTranslation: (lambda: L.RandomTranslation(0.1, 0.2, interpolation="nearest", fill_value=1.0), X4),
    L.RandomCrop: (lambda: L.RandomCrop(4, 4, seed=3), X4),
    L.RandomContrast: (lambda: L.RandomContrast(0.3, value_range=[0, 1], seed=4), X4),
    InputLayer: (lambda: wb.keras.Input((None, 4), dtype="float64", ragged=True, name="tokens").node.layer, None),
    SymbolicOp: (lambda: SymbolicOp("subtract", constant=[1.0, 2.0, 0.5, -1.0], constant_first=True), X2),
    wb.keras.Model: (lambda: _functional(), X2),
    wb.keras.Sequential: (lambda: wb.keras.Sequential([wb.keras.Input((4,)), L.Dense(3), L.Dropout(0.5)]), X2),
}


def _functional():
    x = wb.keras.Input((4,), name="features")
    h = L.Dense(5, activation="relu")(x)
    return wb.keras.Model(x, L.Add()([L.Dense(5)(h), h]))


def _public_layer_classes():
    """Every public Layer subclass defined in the library (a new one must get a case above)."""
    out, todo = set(), [Layer]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("workbench.") and not sub.__name__.startswith("_"):
                out.add(sub)
    return out


def test_every_layer_class_has_a_round_trip_case():
    missing = sorted(c.__name__ for c in _public_layer_classes() if c not in CASES and c not in LAYERS_A_CASES)
    assert not missing, f"layer classes without a config round-trip case: {missing}"


def _call(layer, x):
    if isinstance(layer, L.MultiHeadAttention):
        return layer(f64(x), f64(x))
    if isinstance(x, list):
        return layer([f64(a) for a in x])
    return layer(wb.constant(x) if x.dtype.kind in "iU" else f64(x))


@pytest.mark.parametrize("cls", list(CASES), ids=lambda c: c.__name__)
def test_round_trip_through_json_gives_the_same_layer(cls):
    make, x = CASES[cls]
    layer = make()
    assert type(layer) is cls
    config = through_json(wb.keras.layers.serialize(layer))
    assert config["config"]["name"] == layer.name
    clone = wb.keras.layers.deserialize(config)
    assert type(clone) is cls and clone is not layer
    assert through_json(wb.keras.layers.serialize(clone)) == config          # a fixed point
    assert through_json(cls.from_config(config["config"]).get_config()) == config["config"]
    if x is None:
        return
    want = _call(layer, x)
    _call(clone, x)
    clone.set_weights(layer.get_weights())
    got = _call(clone, x)
    for a, b in zip(wb.nest.flatten(want), wb.nest.flatten(got)):
        np.testing.assert_array_equal(b.numpy(), a.numpy())


def test_configs_follow_keras_names_and_forms():
    c = L.Dense(3, activation="relu", kernel_regularizer="l2").get_config()
    assert c["activation"] == "relu"
    assert c["kernel_initializer"] == {"class_name": "GlorotUniform", "config": {"seed": None}}
    assert c["kernel_regularizer"] == {"class_name": "L2", "config": {"l2": 0.01}}
    assert c["bias_regularizer"] is None and c["trainable"] is True
    conv = L.Conv2D(2, 3, padding="same").get_config()
    assert conv["kernel_size"] == [3, 3] and conv["padding"] == "same"
    assert L.Activation("silu").get_config()["activation"] == "swish"       # tf.keras' name
    frozen = L.Dense(2, trainable=False, name="head", dtype="float64")
    clone = L.Dense.from_config(frozen.get_config())
    assert (clone.name, clone.trainable, clone.dtype) == ("head", False, np.dtype("float64"))


def test_initializers_and_regularizers_round_trip():
    I, R = wb.keras.initializers, wb.keras.regularizers
    for name in sorted(I._BY_NAME):
        init = I.get(name)
        again = I.deserialize(through_json(I.serialize(init)))
        assert type(again) is type(init) and again.get_config() == init.get_config()
    seeded = I.deserialize(I.serialize(I.Orthogonal(gain=2.0, seed=3)))
    np.testing.assert_array_equal(seeded((3, 3)).numpy(), I.Orthogonal(gain=2.0, seed=3)((3, 3)).numpy())
    assert I.serialize(I.Constant([1.0, 2.0])) == {"class_name": "Constant", "config": {"value": [1.0, 2.0]}}
    for reg in (R.l1(0.3), R.l2(0.2), R.l1_l2(0.1, 0.4)):
        again = R.deserialize(through_json(R.serialize(reg)))
        assert type(again) is type(reg) and again.get_config() == reg.get_config()
    assert I.serialize(None) is None and R.serialize(None) is None


def test_functional_graph_round_trip_shared_layers_and_several_inputs():
    a = wb.keras.Input((4,), name="a")
    b = wb.keras.Input((4,), name="b")
    shared = L.Dense(3, activation="tanh", name="shared")
    ha, hb = shared(a), shared(b)                                      # one layer, two calls
    merged = L.Concatenate(name="cat")([ha, hb])
    seq = L.Reshape((2, 3), name="to_seq")(merged)
    att = L.MultiHeadAttention(2, 2, name="att")(seq, seq, use_causal_mask=True)
    inner = wb.keras.Sequential([L.Dense(2, name="inner_dense")], name="inner")
    out1 = inner(L.Flatten(name="flat")(att))
    model = wb.keras.Model({"a": a, "b": b}, [out1, hb], name="net")
    config = through_json(model.get_config())
    entry = {e["name"]: e for e in config["layers"]}
    assert len(entry["shared"]["inbound_nodes"]) == 2
    assert entry["att"]["inbound_nodes"][0]["kwargs"] == {"use_causal_mask": True}
    assert entry["inner"]["class_name"] == "Sequential"
    clone = wb.keras.Model.from_config(config)
    assert [l.name for l in clone.layers] == [l.name for l in model.layers]
    clone.set_weights(model.get_weights())
    feed = {"a": f64(X2), "b": f64(X2[::-1].copy())}
    for want, got in zip(model(feed), clone(feed)):
        np.testing.assert_array_equal(got.numpy(), want.numpy())
    assert clone.get_layer("shared") is not shared and wb.keras.layers.serialize(clone)["class_name"] == "Functional"


def test_ragged_input_model_round_trip():
    x = wb.keras.Input(shape=(None,), dtype="int64", ragged=True, name="ids")
    h = L.Embedding(8, 4)(x)
    model = wb.keras.Model(x, L.Dense(1)(L.GRU(3)(h)))
    clone = wb.keras.Model.from_config(through_json(model.get_config()))
    clone.set_weights(model.get_weights())
    ids = ragged.constant([[1, 2, 3], [4], [5, 6]])
    np.testing.assert_array_equal(clone(ids).numpy(), model(ids).numpy())


def test_sequential_without_input_round_trip():
    model = wb.keras.Sequential([L.Dense(4, activation="relu"), L.Dense(1)], name="mlp")
    model(f64(X2))
    clone = wb.keras.Sequential.from_config(through_json(model.get_config()))
    assert clone.name == "mlp" and not clone.built
    clone(f64(X2))
    clone.set_weights(model.get_weights())
    np.testing.assert_array_equal(clone(f64(X2)).numpy(), model(f64(X2)).numpy())


def scaled_tanh(x):
    return wb.nn.tanh(x) * 2.0


class Scale(Layer):
    def __init__(self, factor, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, inputs):
        return inputs * self.factor


class ConfiguredScale(Scale):
    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


def test_custom_objects_and_what_cannot_be_written():
    # a user's function is recorded by name; loading it needs it handed over
    config = through_json(wb.keras.layers.serialize(L.Dense(2, activation=scaled_tanh)))
    assert config["config"]["activation"]["config"] == "scaled_tanh"
    with pytest.raises(ValueError, match="custom_objects"):
        wb.keras.layers.deserialize(config)
    layer = wb.keras.layers.deserialize(config, custom_objects={"scaled_tanh": scaled_tanh})
    assert layer.activation is scaled_tanh
    # a custom layer class: by custom_objects, nested inside a model
    x = wb.keras.Input((2,))
    model = wb.keras.Model(x, ConfiguredScale(3.0, name="scale")(x))
    cfg = through_json(model.get_config())
    with pytest.raises(ValueError, match=r"config.layers\[1\]: unknown class 'ConfiguredScale'"):
        wb.keras.Model.from_config(cfg)
    clone = wb.keras.Model.from_config(cfg, custom_objects={"ConfiguredScale": ConfiguredScale})
    np.testing.assert_array_equal(clone(wb.ones([1, 2])).numpy(), [[3.0, 3.0]])
    # a subclass with its own arguments must write get_config, as in Keras
    with pytest.raises(NotImplementedError, match="must override get_config"):
        Scale(2.0).get_config()
    # a Lambda's Python lambda is written as Keras 3 writes it (bytecode), and never read back
    config = through_json(wb.keras.layers.serialize(L.Lambda(lambda t: t * 2)))
    dumped = config["config"]["function"]
    assert dumped["class_name"] == "__lambda__" and dumped["config"]["defaults"] is None
    assert isinstance(dumped["config"]["code"], str)
    with pytest.raises(ValueError, match="holds Python bytecode .a lambda., which is never run"):
        wb.keras.layers.deserialize(config)
    # a lambda holding a tensor, or a closure given to another layer, cannot be written at all
    captured = wb.ones([2])
    with pytest.raises(ValueError, match="defaults or closure hold values"):
        L.Lambda(lambda t, c=captured: t * c).get_config()
    with pytest.raises(ValueError, match="not lambdas"):
        L.Dense(2, activation=lambda t: t * 2).get_config()
    with pytest.raises(ValueError, match="cannot hold"):
        inp = wb.keras.Input((2,))
        wb.keras.Model(inp, L.Add()([inp, wb.ones([1, 2])])).get_config()


def test_registered_objects_load_without_custom_objects():
    @wb.keras.saving.register_keras_serializable(package="tests")
    class Doubler(Layer):
        def call(self, inputs):
            return inputs * 2.0

    config = through_json(wb.keras.layers.serialize(Doubler(name="dbl")))
    assert config["class_name"] == "tests>Doubler"
    again = wb.keras.layers.deserialize(config)
    assert isinstance(again, Doubler) and again.name == "dbl"


def test_registered_objects_do_not_shadow_built_ins_of_the_same_name():
    from workbench.keras.serialization import _REGISTRY
    before = dict(_REGISTRY)
    try:
        @wb.keras.saving.register_keras_serializable(package="mypkg")
        class Dense(Layer):
            def call(self, inputs):
                return inputs

        @wb.keras.saving.register_keras_serializable(package="mypkg")
        class L2(wb.keras.regularizers.Regularizer):
            def __call__(self, x):
                return wb.reduce_sum(x)

        @wb.keras.saving.register_keras_serializable(package="mypkg")
        class GlorotUniform(wb.keras.initializers.Initializer):
            def __call__(self, shape, dtype=None):
                return wb.zeros(shape)

        built_in = through_json(wb.keras.layers.serialize(L.Dense(3, kernel_regularizer="l2")))
        again = wb.keras.layers.deserialize(built_in)
        assert type(again) is L.Dense
        assert type(wb.keras.regularizers.get(again.kernel_regularizer)) is wb.keras.regularizers.L2
        assert type(wb.keras.initializers.get(again.kernel_initializer)) is wb.keras.initializers.GlorotUniform
        again.build((None, 2))
        assert np.abs(again.kernel.numpy()).sum() > 0 and len(again.losses) == 1
        # the registered classes still load by their full names
        assert wb.keras.layers.serialize(Dense())["class_name"] == "mypkg>Dense"
        assert type(wb.keras.layers.deserialize(wb.keras.layers.serialize(Dense()))) is Dense
        assert type(wb.keras.regularizers.deserialize(wb.keras.regularizers.serialize(L2()))) is L2
        assert type(wb.keras.initializers.deserialize({"class_name": "mypkg>GlorotUniform", "config": {}})) \
            is GlorotUniform
    finally:
        _REGISTRY.clear()
        _REGISTRY.update(before)
