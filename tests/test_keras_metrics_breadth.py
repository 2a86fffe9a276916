"""Keras 3's metrics beyond the basics: names that ``get`` resolves, configs that round-trip, and
each metric against a NumPy computation of its definition."""

import numpy as np
import pytest

import workbench as wb
from workbench.keras import losses, metrics

KERAS_NAMES = {
    "accuracy": metrics.Accuracy, "acc": metrics.Accuracy, "binary_accuracy": metrics.BinaryAccuracy,
    "categorical_accuracy": metrics.CategoricalAccuracy,
    "sparse_categorical_accuracy": metrics.SparseCategoricalAccuracy, "mse": metrics.MeanSquaredError,
    "mean_squared_error": metrics.MeanSquaredError, "mae": metrics.MeanAbsoluteError,
    "MAE": metrics.MeanAbsoluteError, "auc": metrics.AUC, "AUC": metrics.AUC, "precision": metrics.Precision,
    "recall": metrics.Recall, "Recall": metrics.Recall, "binary_crossentropy": metrics.BinaryCrossentropy,
    "bce": metrics.BinaryCrossentropy, "categorical_crossentropy": metrics.CategoricalCrossentropy,
    "sparse_categorical_crossentropy": metrics.SparseCategoricalCrossentropy, "mean": metrics.Mean,
    "sum": metrics.Sum,
}


@pytest.mark.parametrize("name", sorted(KERAS_NAMES))
def test_get_resolves_every_keras_name(name):
    m = metrics.get(name)
    assert type(m) is KERAS_NAMES[name]
    again = metrics.deserialize(metrics.serialize(m))
    assert type(again) is type(m) and again.get_config() == m.get_config()


def test_get_accepts_configs_instances_and_callables_and_refuses_the_rest():
    p = metrics.get({"class_name": "Precision", "config": {"thresholds": [0.3, 0.6], "top_k": 2}})
    assert isinstance(p, metrics.Precision) and p.top_k == 2
    np.testing.assert_allclose(p.thresholds, [0.3, 0.6])
    auc = metrics.AUC(curve="PR")
    assert metrics.get(auc) is auc
    assert metrics.get(losses.mean_absolute_error) is losses.mean_absolute_error
    assert metrics.get(None) is None
    with pytest.raises(ValueError, match=r"unknown metric 'acuracy'; known: \[.*'accuracy'"):
        metrics.get("acuracy")
    with pytest.raises(TypeError, match="as a metric"):
        metrics.get(1.5)


def test_configs_keep_arguments_and_start_with_fresh_state():
    m = metrics.BinaryAccuracy(threshold=0.3, name="ba")
    m.update_state([[1.0], [0.0]], [[0.4], [0.2]])
    back = metrics.deserialize(metrics.serialize(m))
    assert back.name == "ba" and back.get_config() == m.get_config()
    assert float(back.result()) == 0.0
    back.update_state([[1.0], [0.0]], [[0.4], [0.2]])
    assert float(back.result()) == 1.0


def test_mean_metric_wrapper_round_trips_a_library_loss_function():
    m = metrics.MeanMetricWrapper(losses.huber, name="h", delta=0.5)
    back = metrics.deserialize(metrics.serialize(m))
    assert back._fn is losses.huber and back.get_config()["delta"] == 0.5
