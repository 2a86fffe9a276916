"""keras.saving.serialize_keras_object / deserialize_keras_object, Model.to_json and
keras.models.model_from_json, get_custom_objects, and the configs of custom layers that hold other
Keras objects (written as their configs, as Keras writes them)."""

import json

import numpy as np
import pytest

from workbench import keras


@pytest.mark.parametrize("obj,module,class_name", [
    (keras.regularizers.L1(0.005), "keras.regularizers", "L1"),
    (keras.regularizers.L1L2(l1=1e-5, l2=1e-4), "keras.regularizers", "L1L2"),
    (keras.initializers.GlorotUniform(seed=3), "keras.initializers", "GlorotUniform"),
    (keras.optimizers.Adam(learning_rate=0.1), "keras.optimizers", "Adam"),
    (keras.losses.MeanSquaredError(), "keras.losses", "MeanSquaredError"),
    (keras.metrics.AUC(), "keras.metrics", "AUC"),
    (keras.random.SeedGenerator(7), "keras.random", "SeedGenerator"),
])
def test_round_trip_of_keras_objects(obj, module, class_name):
    config = keras.saving.serialize_keras_object(obj)
    assert config["module"] == module and config["class_name"] == class_name and config["registered_name"] is None
    json.dumps(config)
    back = keras.saving.deserialize_keras_object(config)
    assert type(back) is type(obj) and back is not obj
    assert keras.saving.serialize_keras_object(back) == config


def test_plain_values_tuples_arrays_and_functions():
    value = {"a": (1, 2.5, "x"), "b": [None, True], "c": np.arange(3, dtype=np.int64), "d": np.float32(1.5)}
    config = keras.saving.serialize_keras_object(value)
    json.dumps(config)
    back = keras.saving.deserialize_keras_object(config)
    assert back["a"] == (1, 2.5, "x") and back["b"] == [None, True] and back["d"] == 1.5
    np.testing.assert_array_equal(back["c"], np.arange(3)) and back["c"].dtype == np.int64
    relu = keras.saving.serialize_keras_object(keras.activations.relu)
    assert relu == {"module": "keras.activations", "class_name": "function", "config": "relu", "registered_name": "relu"}
    assert keras.saving.deserialize_keras_object(relu) is keras.activations.relu


def test_registered_layer_holding_objects():
    keras.saving.get_custom_objects().pop("ObjTest>Holder", None)

    @keras.saving.register_keras_serializable(package="ObjTest", name="Holder")
    class HolderLayer(keras.layers.Layer):
        def __init__(self, inner=None, reg=None, **kwargs):
            super().__init__(**kwargs)
            self.inner = inner
            self.reg = reg

        def get_config(self):
            return {**super().get_config(), "inner": self.inner, "reg": self.reg}

        def call(self, x):
            return self.inner(x)

        @classmethod
        def from_config(cls, config):
            config["inner"] = keras.layers.deserialize(config["inner"]) if config["inner"] else None
            config["reg"] = keras.regularizers.get(config["reg"])
            return cls(**config)

    try:
        assert keras.saving.get_custom_objects()["ObjTest>Holder"] is HolderLayer
        layer = HolderLayer(inner=keras.layers.Dense(3, name="inner_dense"), reg=keras.regularizers.L2(0.5))
        ours = keras.layers.serialize(layer)
        assert ours["config"]["inner"]["config"]["units"] == 3 and ours["config"]["reg"]["class_name"] == "L2"
        json.dumps(ours)
        back = keras.layers.deserialize(ours)
        assert back.inner.units == 3 and back.reg.l2 == 0.5
        theirs = keras.saving.serialize_keras_object(layer)
        assert theirs["class_name"] == "HolderLayer" and theirs["registered_name"] == "ObjTest>Holder"
        assert theirs["config"]["inner"]["module"] == "keras.layers"
        back = keras.saving.deserialize_keras_object(theirs)
        assert isinstance(back, HolderLayer) and back.inner.units == 3

        inputs = keras.Input((4,))
        model = keras.Model(inputs, HolderLayer(inner=keras.layers.Dense(2))(inputs))
        rebuilt = keras.Model.from_config(model.get_config())
        assert rebuilt.predict(np.ones((1, 4)), verbose=0).shape == (1, 2)
    finally:
        keras.saving.get_custom_objects().pop("ObjTest>Holder", None)


def test_graph_refers_to_entry_names_when_a_config_leaves_the_name_out():
    class Scale(keras.layers.Layer):
        def __init__(self, factor):
            super().__init__()
            self.factor = factor

        def call(self, x):
            return x * self.factor

        def get_config(self):
            return {"factor": self.factor}

    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Dense(1)(Scale(2.0)(inputs)))
    rebuilt = keras.Model.from_config(model.get_config(), custom_objects={"Scale": Scale})
    rebuilt.set_weights(model.get_weights())
    x = np.random.random((2, 3))
    np.testing.assert_allclose(rebuilt.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)


def test_to_json_and_model_from_json():
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(4, activation="relu"), keras.layers.Dense(1)])
    text = model.to_json()
    assert json.loads(text)["class_name"] == "Sequential"
    new_model = keras.models.model_from_json(text)
    assert [tuple(w.shape) for w in new_model.weights] == [tuple(w.shape) for w in model.weights]
    inputs = keras.Input((5,), name="x")
    functional = keras.Model(inputs, keras.layers.Dense(2, name="out")(inputs))
    again = keras.models.model_from_json(functional.to_json(indent=2))
    assert [layer.name for layer in again.layers] == [layer.name for layer in functional.layers]
    with pytest.raises(ValueError, match="model_from_json: json_string is not JSON"):
        keras.models.model_from_json("{nope")
    with pytest.raises(TypeError, match="model_from_json: json_string must be a string"):
        keras.models.model_from_json({"class_name": "Sequential"})


def test_unknown_and_unsafe_configs_are_refused():
    with pytest.raises(ValueError, match="unknown class 'pkg>Mystery'"):
        keras.saving.deserialize_keras_object({"module": "my.mod", "class_name": "Mystery", "config": {},
                                               "registered_name": "pkg>Mystery"})
    lam = keras.Sequential([keras.Input((2,)), keras.layers.Lambda(keras.activations.relu)])
    with pytest.raises(ValueError, match="safe_mode"):
        keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(lam))
    with pytest.raises(TypeError, match="serialize_keras_object: cannot serialize"):
        keras.saving.serialize_keras_object(object())


def test_keras_3_names():
    assert keras.layers.Input is keras.Input and keras.layers.InputLayer is keras.InputLayer
    bar = keras.utils.Progbar(3, verbose=0)
    bar.update(3, values=[("loss", 1.0)])


def test_keras_2_train_step_helpers_warn_and_work():
    """compiled_loss / compiled_metrics, deprecated in Keras 3 but still there: compute_loss, and an
    update of every metric (a Mean such as the loss tracker takes y_pred, as Keras 3 does)."""
    import warnings

    inputs = keras.Input((2,))
    model = keras.Model(inputs, keras.layers.Dense(1, kernel_initializer="ones")(inputs))
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    x, y = np.ones((4, 2), np.float32), np.zeros((4, 1), np.float32)
    y_pred = model(x)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loss = model.compiled_loss(y, y_pred)
        model.compiled_metrics.update_state(y, y_pred)
    assert [str(w.message).split("`")[1] for w in caught] == ["model.compiled_loss()", "model.compiled_metrics()"]
    assert float(loss) == pytest.approx(4.0)
    results = model.get_metrics_result()
    assert float(results["mae"]) == pytest.approx(2.0) and float(results["loss"]) == pytest.approx(2.0)
