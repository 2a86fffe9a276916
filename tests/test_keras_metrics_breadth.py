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


NEW_NAMES = {
    "top_k_categorical_accuracy": metrics.TopKCategoricalAccuracy,
    "sparse_top_k_categorical_accuracy": metrics.SparseTopKCategoricalAccuracy,
    "root_mean_squared_error": metrics.RootMeanSquaredError, "rmse": metrics.RootMeanSquaredError,
    "r2_score": metrics.R2Score, "R2Score": metrics.R2Score, "log_cosh_error": metrics.LogCoshError,
    "logcosh": metrics.LogCoshError, "cosine_similarity": metrics.CosineSimilarity, "hinge": metrics.Hinge,
    "squared_hinge": metrics.SquaredHinge, "categorical_hinge": metrics.CategoricalHinge,
    "kl_divergence": metrics.KLDivergence, "kld": metrics.KLDivergence, "poisson": metrics.Poisson,
    "mape": metrics.MeanAbsolutePercentageError, "msle": metrics.MeanSquaredLogarithmicError,
    "f1_score": metrics.F1Score, "fbeta_score": metrics.FBetaScore, "true_positives": metrics.TruePositives,
    "false_negatives": metrics.FalseNegatives, "binary_iou": metrics.BinaryIoU, "BinaryIoU": metrics.BinaryIoU,
}


@pytest.mark.parametrize("name", sorted(NEW_NAMES))
def test_get_resolves_the_new_names(name):
    assert type(metrics.get(name)) is NEW_NAMES[name]


def test_get_of_a_metric_with_required_arguments_says_what_is_missing():
    with pytest.raises(TypeError, match=r"metric 'mean_iou' needs arguments .*num_classes"):
        metrics.get("mean_iou")
    with pytest.raises(TypeError, match=r"PrecisionAtRecall.*recall"):
        metrics.get("PrecisionAtRecall")
    m = metrics.get({"class_name": "MeanIoU", "config": {"num_classes": 3}})
    assert isinstance(m, metrics.MeanIoU) and m.num_classes == 3


def val(x):
    return np.asarray(x.numpy() if hasattr(x, "numpy") else x, dtype=np.float64)


rng = np.random.default_rng(11)


# ---------------------------------------------------------------------------
# accuracy


def test_top_k_accuracy_against_sklearn_and_ties():
    from sklearn.metrics import top_k_accuracy_score
    scores = rng.normal(size=(40, 6))
    labels = rng.integers(0, 6, size=40)
    for k in (1, 2, 4):
        want = top_k_accuracy_score(labels, scores, k=k, labels=np.arange(6))
        assert float(metrics.SparseTopKCategoricalAccuracy(k=k)(labels, scores)) == pytest.approx(want)
        assert float(metrics.TopKCategoricalAccuracy(k=k)(np.eye(6)[labels], scores)) == pytest.approx(want)
    # Keras' documented example, and ties at the k-th score count as inside (TF's in_top_k)
    m = metrics.TopKCategoricalAccuracy(k=1)
    assert float(m([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])) == 0.5
    sparse = metrics.SparseTopKCategoricalAccuracy(k=1)
    assert float(sparse([[2], [1]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])) == 0.5
    assert float(metrics.sparse_top_k_categorical_accuracy([0], [[0.5, 0.5, 0.1]], k=1)[0]) == 1.0
    ids = metrics.SparseTopKCategoricalAccuracy(k=2, from_sorted_ids=True)
    assert float(ids([2, 0], [[2, 1, 0], [1, 2, 0]])) == 0.5
    with pytest.raises(ValueError, match="k must be a positive integer"):
        metrics.TopKCategoricalAccuracy(k=0)


# ---------------------------------------------------------------------------
# regression


def test_rmse_and_loss_means_against_numpy_with_weights():
    t, p = rng.normal(size=(6, 3)), rng.normal(size=(6, 3))
    w = rng.uniform(0.1, 1.0, size=6)
    m = metrics.RootMeanSquaredError()
    m.update_state(t[:3], p[:3], sample_weight=w[:3])
    m.update_state(t[3:], p[3:], sample_weight=w[3:])
    want = np.sqrt(np.sum(w[:, None] * (t - p) ** 2) / (3 * np.sum(w)))
    assert float(m.result()) == pytest.approx(want, rel=1e-5)
    assert float(metrics.RootMeanSquaredError()([[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [0.0, 0.0]])) == 0.5
    cases = [
        (metrics.LogCoshError(), lambda t, p: np.mean(np.log(np.cosh(p - t)), -1)),
        (metrics.CosineSimilarity(),
         lambda t, p: np.sum(t * p, -1) / np.linalg.norm(t, axis=-1) / np.linalg.norm(p, axis=-1)),
        (metrics.Hinge(), lambda t, p: np.mean(np.maximum(1 - t * p, 0), -1)),
        (metrics.SquaredHinge(), lambda t, p: np.mean(np.maximum(1 - t * p, 0) ** 2, -1)),
        (metrics.MeanAbsolutePercentageError(), lambda t, p: 100 * np.mean(np.abs((t - p) / t), -1)),
    ]
    for metric, ref in cases:
        metric.update_state(t, p, sample_weight=w)
        assert float(metric.result()) == pytest.approx(np.sum(w * ref(t, p)) / np.sum(w), rel=1e-5), metric.name
    probs_t = rng.dirichlet(np.ones(3), size=6)
    probs_p = rng.dirichlet(np.ones(3), size=6)
    kl = metrics.KLDivergence()(probs_t, probs_p)
    assert float(kl) == pytest.approx(np.mean(np.sum(probs_t * np.log(probs_t / probs_p), -1)), rel=1e-5)
    counts, rates = rng.poisson(2.0, size=(6, 3)), rng.uniform(0.5, 3.0, size=(6, 3))
    assert float(metrics.Poisson()(counts, rates)) == pytest.approx(np.mean(rates - counts * np.log(rates + 1e-7)),
                                                                    rel=1e-5)


def test_r2_score_against_sklearn_over_batches():
    from sklearn.metrics import r2_score
    t = rng.normal(size=(30, 3)) * [1.0, 3.0, 0.5]
    p = t + rng.normal(size=(30, 3)) * 0.7
    w = rng.uniform(0.2, 2.0, size=30)
    for aggregation, sk in (("uniform_average", "uniform_average"),
                            ("variance_weighted_average", "variance_weighted"), (None, "raw_values")):
        m = metrics.R2Score(class_aggregation=aggregation)
        for i in range(0, 30, 7):
            m.update_state(t[i:i + 7], p[i:i + 7], sample_weight=w[i:i + 7])
        np.testing.assert_allclose(val(m.result()), r2_score(t, p, sample_weight=w, multioutput=sk), rtol=1e-4)
    adjusted = metrics.R2Score(num_regressors=2)
    adjusted.update_state(t, p)
    r2 = r2_score(t, p)
    assert float(adjusted.result()) == pytest.approx(1 - (1 - r2) * (30 - 1) / (30 - 2 - 1), rel=1e-4)
    with pytest.warns(UserWarning, match="degrees of freedom"):
        few = metrics.R2Score(num_regressors=5)
        few.update_state(t[:4], p[:4])
        few.result()
    with pytest.raises(ValueError, match="class_aggregation"):
        metrics.R2Score(class_aggregation="mean")
    with pytest.raises(ValueError, match="expected 2-D"):
        metrics.R2Score().update_state([1.0, 2.0], [1.0, 2.0])


# ---------------------------------------------------------------------------
# confusion counts


def np_counts(labels, scores, thresholds, w=None):
    w = np.ones_like(scores) if w is None else w
    pos = scores[None, :] > np.asarray(thresholds)[:, None]
    lab = labels[None, :] > 0
    return [np.sum(w * c, axis=1) for c in (pos & lab, pos & ~lab, ~pos & ~lab, ~pos & lab)]


def test_count_metrics():
    labels = rng.integers(0, 2, size=50).astype(np.float64)
    scores = rng.uniform(size=50)
    w = rng.uniform(size=50)
    tp, fp, tn, fn = np_counts(labels, scores, [0.3, 0.5, 0.8], w)
    for cls, want in ((metrics.TruePositives, tp), (metrics.FalsePositives, fp), (metrics.TrueNegatives, tn),
                      (metrics.FalseNegatives, fn)):
        m = cls(thresholds=[0.3, 0.5, 0.8])
        np.testing.assert_allclose(val(m(labels, scores, sample_weight=w)), want, rtol=1e-5)
        assert float(cls()(labels, scores)) == np_counts(labels, scores, [0.5])[[metrics.TruePositives,
                                                                                  metrics.FalsePositives,
                                                                                  metrics.TrueNegatives,
                                                                                  metrics.FalseNegatives].index(cls)][0]


@pytest.mark.parametrize("cls,argument,constrained,dependent", [
    (metrics.PrecisionAtRecall, "recall", "recall", "precision"),
    (metrics.RecallAtPrecision, "precision", "precision", "recall"),
    (metrics.SensitivityAtSpecificity, "specificity", "specificity", "recall"),
    (metrics.SpecificityAtSensitivity, "sensitivity", "recall", "specificity"),
])
def test_rate_at_fixed_rate_against_a_threshold_sweep(cls, argument, constrained, dependent):
    labels = rng.integers(0, 2, size=200).astype(np.float64)
    scores = np.clip(labels * 0.3 + rng.uniform(size=200) * 0.7, 0, 1)
    w = rng.uniform(size=200)
    n = 50
    thresholds = [0.0] + [(i + 1) / (n - 1) for i in range(n - 2)] + [1.0]
    tp, fp, tn, fn = np_counts(labels, scores, np.float32(thresholds), w)
    with np.errstate(invalid="ignore", divide="ignore"):
        rates = {"recall": np.nan_to_num(tp / (tp + fn)), "precision": np.nan_to_num(tp / (tp + fp)),
                 "specificity": np.nan_to_num(tn / (tn + fp))}
    for value in (0.3, 0.8, 0.95):
        feasible = rates[constrained] >= value
        want = np.max(np.where(feasible, rates[dependent], 0.0))
        m = cls(value, num_thresholds=n)
        m.update_state(labels[:120], scores[:120], sample_weight=w[:120])
        m.update_state(labels[120:], scores[120:], sample_weight=w[120:])
        assert float(m.result()) == pytest.approx(want, rel=1e-5), value
        config = m.get_config()
        assert config[argument] == value and config["num_thresholds"] == n
        back = metrics.deserialize(metrics.serialize(m))
        assert type(back) is cls and back.get_config() == config
    with pytest.raises(ValueError, match=f"{argument} must be in"):
        cls(1.5)
    with pytest.raises(ValueError, match="num_thresholds must be an integer > 0"):
        cls(0.5, num_thresholds=0)


def test_rate_at_fixed_rate_keras_examples_and_class_id():
    m = metrics.SensitivityAtSpecificity(0.5)
    assert float(m([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8])) == pytest.approx(0.5)
    m = metrics.SpecificityAtSensitivity(0.5)
    assert float(m([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8])) == pytest.approx(0.66666667)
    m = metrics.PrecisionAtRecall(0.5)
    assert float(m([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8])) == pytest.approx(0.5)
    m = metrics.RecallAtPrecision(0.8)
    assert float(m([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])) == pytest.approx(0.5)
    # class_id: only the chosen column of one-hot labels and scores counts
    both = metrics.PrecisionAtRecall(0.5, class_id=1)
    both.update_state([[1, 0], [1, 0], [1, 0], [0, 1], [0, 1]],
                      [[0.1, 0.0], [0.2, 0.3], [0.9, 0.8], [0.1, 0.3], [0, 0.8]])
    assert float(both.result()) == pytest.approx(0.5)


# ---------------------------------------------------------------------------
# F-scores


def test_f_scores_keras_examples():
    y_true = [[1, 1, 1], [1, 0, 0], [1, 1, 0]]
    y_pred = [[0.2, 0.6, 0.7], [0.2, 0.6, 0.6], [0.6, 0.8, 0.0]]
    np.testing.assert_allclose(val(metrics.F1Score(threshold=0.5)(y_true, y_pred)), [0.5, 0.8, 0.6666667], rtol=1e-5)
    np.testing.assert_allclose(val(metrics.FBetaScore(beta=2.0, threshold=0.5)(y_true, y_pred)),
                               [0.3846154, 0.90909094, 0.8333334], rtol=1e-5)


@pytest.mark.parametrize("average", [None, "micro", "macro", "weighted"])
@pytest.mark.parametrize("beta", [1.0, 0.5, 2.0])
def test_f_scores_against_sklearn(average, beta):
    from sklearn.metrics import fbeta_score
    y_true = (rng.uniform(size=(60, 4)) > 0.5).astype(np.float64)
    scores = np.clip(y_true * 0.4 + rng.uniform(size=(60, 4)) * 0.6, 0, 1)
    w = rng.uniform(0.1, 1.0, size=60)
    m = metrics.FBetaScore(average=average, beta=beta, threshold=0.5)
    m.update_state(y_true[:25], scores[:25], sample_weight=w[:25])
    m.update_state(y_true[25:], scores[25:], sample_weight=w[25:])
    want = fbeta_score(y_true, scores > 0.5, beta=beta, average=average or None, sample_weight=w, zero_division=0)
    np.testing.assert_allclose(val(m.result()), want, rtol=1e-4)


def test_f1_without_threshold_marks_each_rows_top_score():
    from sklearn.metrics import f1_score
    labels = rng.integers(0, 3, size=40)
    scores = rng.uniform(size=(40, 3))
    m = metrics.F1Score(average="macro")
    got = float(m(np.eye(3)[labels], scores))
    assert got == pytest.approx(f1_score(labels, scores.argmax(-1), average="macro"), rel=1e-5)
    config = m.get_config()
    assert config["average"] == "macro" and "beta" not in config
    assert metrics.deserialize(metrics.serialize(m)).get_config() == config
    with pytest.raises(ValueError, match="average must be one of"):
        metrics.F1Score(average="samples")
    with pytest.raises(ValueError, match="threshold must be in"):
        metrics.F1Score(threshold=0.0)
    with pytest.raises(ValueError, match="beta must be > 0"):
        metrics.FBetaScore(beta=0.0)


# ---------------------------------------------------------------------------
# IoU


def test_iou_keras_examples():
    m = metrics.IoU(num_classes=2, target_class_ids=[0])
    assert float(m([0, 0, 1, 1], [0, 1, 0, 1])) == pytest.approx(1 / 3)
    m.reset_state()
    assert float(m([0, 0, 1, 1], [0, 1, 0, 1], sample_weight=[0.3, 0.3, 0.3, 0.1])) == pytest.approx(1 / 3)
    m = metrics.MeanIoU(num_classes=2)
    assert float(m([0, 0, 1, 1], [0, 1, 0, 1])) == pytest.approx(1 / 3)
    m.reset_state()
    assert float(m([0, 0, 1, 1], [0, 1, 0, 1], sample_weight=[0.3, 0.3, 0.3, 0.1])) == pytest.approx(0.23809525)
    b = metrics.BinaryIoU(target_class_ids=[0, 1], threshold=0.3)
    assert float(b([0, 1, 0, 1], [0.1, 0.2, 0.4, 0.7])) == pytest.approx(1 / 3)
    b.reset_state()
    assert float(b([0, 1, 0, 1], [0.1, 0.2, 0.4, 0.7], sample_weight=[0.2, 0.3, 0.4, 0.1])) \
        == pytest.approx(0.17361112, rel=1e-5)


def test_mean_iou_against_sklearn_with_ignore_class_and_dense_inputs():
    from sklearn.metrics import jaccard_score
    labels = rng.integers(0, 4, size=(8, 10))
    preds = rng.integers(0, 4, size=(8, 10))
    m = metrics.MeanIoU(num_classes=4)
    m.update_state(labels[:5], preds[:5])
    m.update_state(labels[5:], preds[5:])
    assert float(m.result()) == pytest.approx(jaccard_score(labels.ravel(), preds.ravel(), average="macro"), rel=1e-5)
    keep = labels.ravel() != 3
    ignoring = metrics.MeanIoU(num_classes=4, ignore_class=3)
    ignoring.update_state(labels, preds)
    per_class = jaccard_score(labels.ravel()[keep], preds.ravel()[keep], labels=[0, 1, 2, 3], average=None,
                              zero_division=0)
    # class 3 still occurs among the predictions of kept entries, so it stays in the mean
    assert float(ignoring.result()) == pytest.approx(per_class.mean(), rel=1e-5)
    dense = metrics.MeanIoU(num_classes=4, sparse_y_true=False, sparse_y_pred=False)
    dense.update_state(np.eye(4)[labels], np.eye(4)[preds] + 0.01)
    assert float(dense.result()) == pytest.approx(float(m.result()), rel=1e-6)
    one_hot = metrics.OneHotMeanIoU(num_classes=4)
    one_hot.update_state(np.eye(4)[labels], np.eye(4)[preds] * 0.9 + 0.02)
    assert float(one_hot.result()) == pytest.approx(float(m.result()), rel=1e-6)
    one_hot_subset = metrics.OneHotIoU(num_classes=4, target_class_ids=[0, 3])
    one_hot_subset.update_state(np.eye(4)[labels], np.eye(4)[preds])
    full_iou = jaccard_score(labels.ravel(), preds.ravel(), average=None)
    assert float(one_hot_subset.result()) == pytest.approx(full_iou[[0, 3]].mean(), rel=1e-5)
    subset = metrics.IoU(num_classes=4, target_class_ids=[1, 2])
    subset.update_state(labels, preds)
    full = jaccard_score(labels.ravel(), preds.ravel(), average=None)
    assert float(subset.result()) == pytest.approx(full[[1, 2]].mean(), rel=1e-5)
    with pytest.raises(ValueError, match=r"target_class_ids must be class ids in \[0, 4\)"):
        metrics.IoU(num_classes=4, target_class_ids=[4])
    for metric in (m, ignoring, dense, subset, one_hot, one_hot_subset, metrics.BinaryIoU(threshold=0.4)):
        back = metrics.deserialize(metrics.serialize(metric))
        assert type(back) is type(metric) and back.get_config() == metric.get_config()


# ---------------------------------------------------------------------------
# configs


@pytest.mark.parametrize("metric", [
    metrics.TopKCategoricalAccuracy(k=3, name="top3"), metrics.SparseTopKCategoricalAccuracy(k=2, from_sorted_ids=True),
    metrics.RootMeanSquaredError(), metrics.R2Score(class_aggregation=None, num_regressors=2), metrics.LogCoshError(),
    metrics.CosineSimilarity(axis=0), metrics.Hinge(), metrics.SquaredHinge(), metrics.CategoricalHinge(),
    metrics.KLDivergence(), metrics.Poisson(), metrics.MeanAbsolutePercentageError(),
    metrics.MeanSquaredLogarithmicError(), metrics.FBetaScore(average="weighted", beta=0.5, threshold=0.4),
    metrics.TruePositives(thresholds=[0.2, 0.6]), metrics.AUC(curve="PR", num_thresholds=50),
    metrics.Recall(class_id=1, top_k=2),
], ids=lambda m: type(m).__name__)
def test_config_round_trip(metric):
    back = metrics.deserialize(metrics.serialize(metric))
    assert type(back) is type(metric) and back.get_config() == metric.get_config()


def test_metric_state_is_checkpointable(tmp_path):
    m = metrics.FBetaScore(average="macro", threshold=0.5)
    y = (rng.uniform(size=(10, 3)) > 0.5).astype(np.float64)
    s = rng.uniform(size=(10, 3))
    m.update_state(y, s)
    ckpt = wb.Checkpoint(metric=m)
    path = ckpt.save(str(tmp_path / "m"))
    fresh = metrics.FBetaScore(average="macro", threshold=0.5)
    fresh.update_state(y[:1], s[:1])   # builds the state variables
    wb.Checkpoint(metric=fresh).restore(path)
    assert float(fresh.result()) == pytest.approx(float(m.result()))
