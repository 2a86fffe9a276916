"""``wb.keras`` mirrors Keras 3's namespace; ``wb.nn`` is TF's ``tf.nn`` (ops only)."""

import json
import subprocess
import sys

import numpy as np
import pytest

import workbench as wb

keras = wb.keras


def test_a_keras_script_ports_by_renaming_the_import():
    keras.utils.set_random_seed(0)
    inputs = keras.Input((4,))
    hidden = keras.layers.Dense(8, activation="relu")(inputs)
    model = keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(hidden))
    assert isinstance(model, keras.Model) and isinstance(model, wb.Module)
    out = model(wb.ones([2, 4]))
    assert out.shape == (2, 3)
    np.testing.assert_allclose(out.numpy().sum(axis=1), 1.0, rtol=1e-6)
    seq = keras.Sequential([keras.layers.Dense(2), keras.layers.Dense(1)])
    assert seq(wb.ones([5, 3])).shape == (5, 1)
    assert keras.optimizers is wb.optimizers
    assert wb.losses is keras.losses and wb.metrics is keras.metrics


def test_wb_nn_holds_tf_nn_ops_only():
    for name in ("relu", "softmax", "sparse_softmax_cross_entropy_with_logits", "conv2d", "dropout"):
        assert callable(getattr(wb.nn, name))
    for keras_name in ("layers", "Module", "Model", "Sequential", "losses", "metrics", "initializers"):
        assert not hasattr(wb.nn, keras_name), keras_name


def test_ragged_and_probability_do_not_load_keras():
    code = ("import sys, workbench as wb, ragged, probability\n"
            "rt = ragged.constant([[1.0, 2.0], [3.0]]); wb.reduce_sum(wb.nn.softmax(rt), axis=1)\n"
            "probability.distributions.Normal(0.0, 1.0).log_prob(0.5)\n"
            "print(sorted(m for m in sys.modules if m.startswith('workbench.keras') or m == 'workbench.module'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_activations_by_name_and_in_configs():
    acts = keras.activations
    assert acts.get("relu") is acts.relu and acts.get(None) is acts.linear
    assert acts.serialize(acts.get("swish")) == "swish"
    assert acts.deserialize("gelu") is acts.gelu
    x = wb.constant([-1.0, 0.0, 2.0])
    np.testing.assert_allclose(acts.softmax(x).numpy().sum(), 1.0, rtol=1e-6)
    with pytest.raises(ValueError, match="unknown activation 'relux'"):
        acts.get("relux")
    layer = keras.layers.Dense(2, activation="selu")
    assert keras.layers.deserialize(keras.layers.serialize(layer)).activation is acts.selu


def test_to_categorical_as_keras():
    np.testing.assert_array_equal(keras.utils.to_categorical([0, 2, 1]),
                                  np.array([[1, 0, 0], [0, 0, 1], [0, 1, 0]], np.float32))
    assert keras.utils.to_categorical([[1], [3]], num_classes=5).shape == (2, 5)
    assert keras.utils.to_categorical(np.array([0.0, 1.0])).dtype == np.float32
    with pytest.raises(ValueError, match=r"labels must be in \[0, 2\)"):
        keras.utils.to_categorical([0, 2], num_classes=2)
    with pytest.raises(TypeError, match="integer class labels"):
        keras.utils.to_categorical([0.5])


def test_set_random_seed_makes_initial_weights_repeat():
    def weights():
        keras.utils.set_random_seed(7)
        return keras.layers.Dense(3)(wb.ones([1, 4])).numpy()
    np.testing.assert_array_equal(weights(), weights())
    with pytest.raises((TypeError, ValueError), match="seed"):
        keras.utils.set_random_seed("7")


def test_clone_model_has_the_architecture_and_new_weights():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, name="d")])
    clone = keras.models.clone_model(model)
    assert json.dumps(clone.get_config()) == json.dumps(model.get_config())
    assert clone.layers[-1] is not model.layers[-1]
    assert not np.array_equal(clone.layers[-1].kernel.numpy(), model.layers[-1].kernel.numpy())
    with pytest.raises(TypeError, match="clone_model: model must be"):
        keras.models.clone_model(keras.layers.Dense(2))


def test_registered_objects_round_trip_through_keras_saving():
    @keras.saving.register_keras_serializable(package="namespace_test")
    def doubled(x):
        return x * 2.0

    assert keras.saving.get_registered_name(doubled) == "namespace_test>doubled"
    assert keras.saving.get_registered_object("namespace_test>doubled") is doubled
    layer = keras.layers.Dense(2, activation=doubled)
    assert keras.layers.deserialize(keras.layers.serialize(layer)).activation is doubled


def test_keras_backend_settings_and_clear_session():
    keras = wb.keras
    assert (keras.backend.floatx(), keras.backend.epsilon(), keras.backend.image_data_format()) == (
        "float32", 1e-7, "channels_last")
    keras.backend.clear_session()
    assert keras.layers.Dense(1).name == "dense"
    assert keras.layers.Dense(1).name == "dense_1"
    keras.backend.clear_session()
    assert keras.layers.Dense(1).name == "dense"
