"""Keras 3's losses beyond the basics: names that ``get`` resolves, configs that round-trip, and
each loss against a NumPy computation of its formula (with finite-difference gradients)."""

import numpy as np
import pytest

import workbench as wb
from gradients import check_gradients
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


NEW_NAMES = {
    "mape": losses.MeanAbsolutePercentageError, "MAPE": losses.MeanAbsolutePercentageError,
    "mean_absolute_percentage_error": losses.MeanAbsolutePercentageError,
    "msle": losses.MeanSquaredLogarithmicError, "mean_squared_logarithmic_error": losses.MeanSquaredLogarithmicError,
    "log_cosh": losses.LogCosh, "logcosh": losses.LogCosh, "LogCosh": losses.LogCosh,
    "cosine_similarity": losses.CosineSimilarity, "hinge": losses.Hinge, "squared_hinge": losses.SquaredHinge,
    "categorical_hinge": losses.CategoricalHinge, "poisson": losses.Poisson,
    "binary_focal_crossentropy": losses.BinaryFocalCrossentropy,
    "categorical_focal_crossentropy": losses.CategoricalFocalCrossentropy, "dice": losses.Dice,
    "tversky": losses.Tversky, "Tversky": losses.Tversky,
}


@pytest.mark.parametrize("name", sorted(NEW_NAMES))
def test_get_resolves_the_new_names(name):
    assert type(losses.get(name)) is NEW_NAMES[name]


def val(x):
    return np.asarray(x.numpy() if hasattr(x, "numpy") else x, dtype=np.float64)


YT = [[0.0, 1.0], [0.0, 0.0]]
YP = [[0.6, 0.4], [0.4, 0.6]]


@pytest.mark.parametrize("loss,y_true,y_pred,expected", [
    # the examples in Keras' documentation
    (losses.Hinge(), YT, YP, 1.3),
    (losses.SquaredHinge(), YT, YP, 1.86),
    (losses.CategoricalHinge(), YT, YP, 1.4),
    (losses.Poisson(), [[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [0.0, 0.0]], 0.5),
    (losses.MeanAbsolutePercentageError(), [[2.0, 1.0], [2.0, 3.0]], [[1.0, 1.0], [1.0, 0.0]], 50.0),
    (losses.MeanSquaredLogarithmicError(), [[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [1.0, 0.0]], 0.240),
    (losses.LogCosh(), [[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [0.0, 0.0]], 0.108),
    (losses.CosineSimilarity(), [[0.0, 1.0], [1.0, 1.0]], [[1.0, 0.0], [1.0, 1.0]], -0.5),
    (losses.BinaryFocalCrossentropy(gamma=2, from_logits=True), [0.0, 1.0, 0.0, 0.0],
     [-18.6, 0.51, 2.94, -12.8], 0.691),
    (losses.BinaryFocalCrossentropy(apply_class_balancing=True, gamma=2, from_logits=True),
     [0.0, 1.0, 0.0, 0.0], [-18.6, 0.51, 2.94, -12.8], 0.51),
    (losses.BinaryFocalCrossentropy(gamma=3, from_logits=True), [[0.0, 1.0], [0.0, 0.0]],
     [[-18.6, 0.51], [2.94, -12.8]], 0.647),
    (losses.BinaryFocalCrossentropy(gamma=4, from_logits=True, reduction="sum"), [[0.0, 1.0], [0.0, 0.0]],
     [[-18.6, 0.51], [2.94, -12.8]], 1.222),
    (losses.BinaryFocalCrossentropy(apply_class_balancing=True, gamma=4, from_logits=True, reduction="sum"),
     [[0.0, 1.0], [0.0, 0.0]], [[-18.6, 0.51], [2.94, -12.8]], 0.914),
    (losses.CategoricalFocalCrossentropy(), [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]],
     [[0.05, 0.95, 0.0], [0.1, 0.8, 0.1]], 0.23315276),
    (losses.CategoricalFocalCrossentropy(reduction="sum"), [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]],
     [[0.05, 0.95, 0.0], [0.1, 0.8, 0.1]], 0.46631),
])
def test_keras_documented_values(loss, y_true, y_pred, expected):
    assert float(loss(y_true, y_pred)) == pytest.approx(expected, abs=1.5e-3)


def test_keras_documented_weighted_and_unreduced_values():
    yt, yp = [[0.0, 1.0], [0.0, 0.0]], [[-18.6, 0.51], [2.94, -12.8]]
    assert float(losses.BinaryFocalCrossentropy(gamma=3, from_logits=True)(yt, yp, sample_weight=[0.8, 0.2])) \
        == pytest.approx(0.133, abs=1e-3)
    np.testing.assert_allclose(val(losses.BinaryFocalCrossentropy(gamma=5, from_logits=True, reduction=None)(yt, yp)),
                               [0.0017, 1.1561], atol=1e-4)
    np.testing.assert_allclose(val(losses.BinaryFocalCrossentropy(apply_class_balancing=True, gamma=5,
                                                                  from_logits=True, reduction="none")(yt, yp)),
                               [0.0004, 0.8670], atol=1e-4)
    cfc = losses.CategoricalFocalCrossentropy(reduction="none")
    np.testing.assert_allclose(val(cfc([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]], [[0.05, 0.95, 0.0], [0.1, 0.8, 0.1]])),
                               [3.2058331e-05, 4.6627346e-01], rtol=1e-4)
    # Dice over axes (1, 2, 3) per example, and over everything by default
    yt = [[[[1.0], [1.0]], [[0.0], [0.0]]], [[[1.0], [1.0]], [[0.0], [0.0]]]]
    yp = [[[[0.0], [1.0]], [[0.0], [1.0]]], [[[0.4], [0.0]], [[0.0], [0.9]]]]
    np.testing.assert_allclose(val(losses.Dice(axis=(1, 2, 3), reduction=None)(yt, yp)), [0.5, 0.75757575], rtol=1e-5)
    assert float(losses.Dice()(yt, yp)) == pytest.approx(0.6164384, rel=1e-5)
    np.testing.assert_allclose(val(losses.cosine_similarity([[0.0, 1.0], [1.0, 1.0], [1.0, 1.0]],
                                                            [[1.0, 0.0], [1.0, 1.0], [-1.0, -1.0]])),
                               [0.0, -1.0, 1.0], atol=1e-6)


# NumPy references written from each loss's formula
EPS = 1e-7


def np_signed(t):
    return 2 * t - 1 if np.all((t == 0) | (t == 1)) else t


def np_bce(t, p):
    p = np.clip(p, EPS, 1 - EPS)
    return -(t * np.log(p) + (1 - t) * np.log(1 - p))


REFERENCES = {
    "mean_absolute_percentage_error": lambda t, p: 100 * np.mean(np.abs((t - p) / np.maximum(np.abs(t), EPS)), -1),
    "mean_squared_logarithmic_error": lambda t, p: np.mean((np.log(np.maximum(p, EPS) + 1)
                                                            - np.log(np.maximum(t, EPS) + 1)) ** 2, -1),
    "log_cosh": lambda t, p: np.mean(np.log(np.cosh(p - t)), -1),
    "cosine_similarity": lambda t, p: -np.sum(t * p, -1) / (np.linalg.norm(t, axis=-1) * np.linalg.norm(p, axis=-1)),
    "poisson": lambda t, p: np.mean(p - t * np.log(p + EPS), -1),
    "hinge": lambda t, p: np.mean(np.maximum(1 - np_signed(t) * p, 0), -1),
    "squared_hinge": lambda t, p: np.mean(np.maximum(1 - np_signed(t) * p, 0) ** 2, -1),
    "categorical_hinge": lambda t, p: np.maximum(np.max((1 - t) * p, -1) - np.sum(t * p, -1) + 1, 0),
    "binary_focal_crossentropy": lambda t, p: np.mean((1 - (t * p + (1 - t) * (1 - p))) ** 2 * np_bce(t, p), -1),
    "categorical_focal_crossentropy": lambda t, p: np.sum(
        0.25 * (1 - p / p.sum(-1, keepdims=True)) ** 2 * -t * np.log(p / p.sum(-1, keepdims=True)), -1),
    "dice": lambda t, p: 1 - 2 * np.sum(t * p) / (np.sum(t) + np.sum(p) + EPS),
    "tversky": lambda t, p: 1 - np.sum(t * p) / (np.sum(t * p) + 0.5 * np.sum((1 - t) * p)
                                                 + 0.5 * np.sum(t * (1 - p)) + EPS),
}
rng = np.random.default_rng(7)
PROBS = rng.uniform(0.1, 0.9, size=(4, 3))
ONEHOT = np.eye(3)[[0, 2, 1, 2]]
BINARY = (rng.uniform(size=(4, 3)) > 0.5).astype(np.float64)
INPUTS = {  # (y_true, y_pred) inside each loss's smooth region
    "mean_absolute_percentage_error": (rng.uniform(0.5, 2.0, (4, 3)), rng.uniform(0.5, 2.0, (4, 3))),
    "mean_squared_logarithmic_error": (rng.uniform(0.1, 2.0, (4, 3)), rng.uniform(0.1, 2.0, (4, 3))),
    "log_cosh": (rng.normal(size=(4, 3)), rng.normal(size=(4, 3))),
    "cosine_similarity": (rng.normal(size=(4, 3)), rng.normal(size=(4, 3))),
    "poisson": (rng.poisson(2.0, (4, 3)).astype(np.float64), rng.uniform(0.5, 3.0, (4, 3))),
    "hinge": (BINARY, rng.normal(size=(4, 3)) * 3),
    "squared_hinge": (np.where(BINARY > 0, 1.0, -1.0), rng.normal(size=(4, 3)) * 3),
    "categorical_hinge": (ONEHOT, rng.normal(size=(4, 3))),
    "binary_focal_crossentropy": (BINARY, PROBS),
    "categorical_focal_crossentropy": (ONEHOT, PROBS),
    "dice": (BINARY, PROBS),
    "tversky": (BINARY, PROBS),
}


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_function_matches_numpy_reference_and_gradients(name):
    fn = losses.builtin_function(name)
    t, p = INPUTS[name]
    np.testing.assert_allclose(val(fn(wb.constant(t), wb.constant(p))), REFERENCES[name](t, p), rtol=1e-6, atol=1e-9)
    # away from kinks (hinge at margin 1) the loss is smooth: check d/dy_pred against finite differences
    check_gradients(lambda yp: fn(wb.constant(t), yp), [wb.constant(p)], order=1)


def test_focal_from_logits_matches_probabilities_and_is_stable():
    logits = rng.normal(size=(4, 3)) * 2
    probs = 1 / (1 + np.exp(-logits))
    a = losses.binary_focal_crossentropy(BINARY, logits, from_logits=True, apply_class_balancing=True, alpha=0.3)
    b = losses.binary_focal_crossentropy(BINARY, probs, apply_class_balancing=True, alpha=0.3)
    np.testing.assert_allclose(val(a), val(b), rtol=1e-6)
    check_gradients(lambda x: losses.binary_focal_crossentropy(wb.constant(BINARY), x, from_logits=True, gamma=1.5),
                    [wb.constant(logits)], order=1)
    big = losses.binary_focal_crossentropy([[1.0, 0.0]], [[1e4, -1e4]], from_logits=True)
    assert np.isfinite(val(big)).all() and float(big[0]) == 0.0
    c = losses.categorical_focal_crossentropy(ONEHOT, logits, from_logits=True, gamma=0.0, alpha=1.0)
    np.testing.assert_allclose(val(c), val(losses.categorical_crossentropy(ONEHOT, logits, from_logits=True)),
                               rtol=1e-5)
    check_gradients(lambda x: losses.categorical_focal_crossentropy(wb.constant(ONEHOT), x, from_logits=True),
                    [wb.constant(logits)], order=1)


def test_log_cosh_does_not_overflow():
    got = losses.log_cosh([[0.0]], [[1000.0]])
    assert float(got[0]) == pytest.approx(1000.0 - np.log(2.0), rel=1e-6)


def test_hinge_keeps_signed_labels_and_maps_binary_ones():
    p = np.array([[0.3, -0.2, 2.0]])
    np.testing.assert_allclose(val(losses.hinge([[1.0, 0.0, 1.0]], p)), val(losses.hinge([[1.0, -1.0, 1.0]], p)))


def test_tversky_weights_and_dice_special_case():
    t, p = INPUTS["tversky"]
    np.testing.assert_allclose(val(losses.tversky(t, p)), val(losses.dice(t, p)), rtol=1e-6)
    tp, fp, fn = np.sum(t * p), np.sum((1 - t) * p), np.sum(t * (1 - p))
    np.testing.assert_allclose(val(losses.Tversky(alpha=0.7, beta=0.3)(t, p)),
                               1 - tp / (tp + 0.7 * fp + 0.3 * fn + EPS), rtol=1e-6)
    per_row = losses.Tversky(alpha=0.2, beta=0.8, axis=-1, reduction="none")(t, p)
    assert per_row.shape == (4,)


ALL_CLASSES = [losses.MeanSquaredError, losses.MeanAbsoluteError, losses.MeanAbsolutePercentageError,
               losses.MeanSquaredLogarithmicError, losses.CosineSimilarity, losses.Huber, losses.LogCosh,
               losses.Hinge, losses.SquaredHinge, losses.CategoricalHinge, losses.BinaryCrossentropy,
               losses.CategoricalCrossentropy, losses.SparseCategoricalCrossentropy, losses.BinaryFocalCrossentropy,
               losses.CategoricalFocalCrossentropy, losses.KLDivergence, losses.Poisson, losses.Dice, losses.Tversky]
NON_DEFAULT = {losses.CosineSimilarity: {"axis": 0}, losses.Huber: {"delta": 0.3},
               losses.BinaryFocalCrossentropy: {"apply_class_balancing": True, "alpha": 0.4, "gamma": 1.0,
                                                "from_logits": True, "label_smoothing": 0.1},
               losses.CategoricalFocalCrossentropy: {"alpha": 0.5, "gamma": 3.0, "label_smoothing": 0.2},
               losses.Dice: {"axis": [1]}, losses.Tversky: {"alpha": 0.3, "beta": 0.7, "axis": -1},
               losses.SparseCategoricalCrossentropy: {"ignore_class": 2, "from_logits": True}}


@pytest.mark.parametrize("cls", ALL_CLASSES, ids=lambda c: c.__name__)
def test_config_round_trip(cls):
    loss = cls(reduction="sum", name="mine", **NON_DEFAULT.get(cls, {}))
    config = loss.get_config()
    assert config["name"] == "mine" and config["reduction"] == "sum"
    for key, value in NON_DEFAULT.get(cls, {}).items():
        assert config[key] == value
    back = losses.deserialize(losses.serialize(loss))
    assert type(back) is cls and back.get_config() == config


def test_loss_function_wrapper_round_trips_and_reductions():
    wrapped = losses.LossFunctionWrapper(losses.tversky, alpha=0.9, beta=0.1, axis=-1, reduction="none")
    back = losses.deserialize(losses.serialize(wrapped))
    assert back.fn is losses.tversky and back.alpha == 0.9
    t, p = INPUTS["tversky"]
    np.testing.assert_allclose(val(back(t, p)), val(losses.tversky(t, p, alpha=0.9, beta=0.1, axis=-1)))
    mse = losses.MeanSquaredError(reduction="mean_with_sample_weight")
    got = mse([[1.0], [2.0], [3.0]], [[0.0], [0.0], [0.0]], sample_weight=[1.0, 3.0, 0.0])
    assert float(got) == pytest.approx((1 * 1 + 3 * 4) / 4)
    assert losses.MeanSquaredError(reduction="auto").reduction == "sum_over_batch_size"


def test_dtype_casts_both_inputs():
    loss = losses.MeanSquaredError(dtype="float64")
    assert loss([[1]], [[3]]).dtype == np.float64
    assert loss.get_config()["dtype"] == "float64"


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="alpha must be in"):
        losses.BinaryFocalCrossentropy(alpha=1.5)
    with pytest.raises(ValueError, match="gamma must be a non-negative"):
        losses.CategoricalFocalCrossentropy(gamma=-1)
    with pytest.raises(TypeError, match="axis must be an integer, a list of integers or None"):
        losses.Dice(axis="rows")
    with pytest.raises(ValueError, match="label_smoothing must be in"):
        losses.BinaryFocalCrossentropy(label_smoothing=2)
    with pytest.raises(ValueError, match="reduction must be one of"):
        losses.Poisson(reduction="average")
    with pytest.raises(TypeError, match="ignore_class must be an integer"):
        losses.SparseCategoricalCrossentropy(ignore_class="x")
    with pytest.raises(ValueError, match="same shape"):
        losses.hinge(np.zeros((2, 3)), np.zeros((2, 4)))


def test_tf_keras_upper_case_aliases_are_the_functions():
    # TF 2's tf.keras.losses.MSE (used by TF's basics guide) and friends
    y_true, y_pred = wb.constant([[0.0, 1.0], [1.0, 3.0]]), wb.constant([[1.0, 1.0], [1.0, 1.0]])
    np.testing.assert_allclose(losses.MSE(y_true, y_pred).numpy(), [0.5, 2.0])
    assert (losses.MAE, losses.MAPE, losses.MSLE, losses.KLD) == (
        losses.mean_absolute_error, losses.mean_absolute_percentage_error, losses.mean_squared_logarithmic_error,
        losses.kl_divergence)
