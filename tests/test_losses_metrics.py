"""Losses and metrics against hand computations and the examples in Keras' documentation."""

import numpy as np
import pytest

import workbench as wb
from workbench.keras import losses, metrics

Y_TRUE = [[0.0, 1.0], [0.0, 0.0]]
Y_PRED = [[0.6, 0.4], [0.4, 0.6]]


def val(x):
    return np.asarray(x.numpy() if hasattr(x, "numpy") else x)


@pytest.mark.parametrize("cls,args,default,weighted,total,none", [
    (losses.MeanSquaredError, ([[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [1.0, 0.0]]), 0.5, 0.25, 1.0, [0.5, 0.5]),
    (losses.MeanAbsoluteError, ([[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [1.0, 0.0]]), 0.5, 0.25, 1.0, [0.5, 0.5]),
    (losses.BinaryCrossentropy, (Y_TRUE, Y_PRED), 0.815, 0.458, 1.630, [0.916, 0.714]),
    (losses.Huber, (Y_TRUE, Y_PRED), 0.155, 0.09, 0.31, [0.18, 0.13]),
    (losses.KLDivergence, (Y_TRUE, Y_PRED), 0.458, 0.366, 0.916, [0.916, -3.08e-06]),
])
def test_keras_documented_loss_values(cls, args, default, weighted, total, none):
    y_true, y_pred = (wb.constant(a) for a in args)
    sw = {losses.KLDivergence: [0.8, 0.2], losses.MeanSquaredError: [0.7, 0.3],
          losses.MeanAbsoluteError: [0.7, 0.3]}.get(cls, [1.0, 0.0])
    assert val(cls()(y_true, y_pred)) == pytest.approx(default, abs=1e-3)
    assert val(cls()(y_true, y_pred, sample_weight=wb.constant(sw))) == pytest.approx(weighted, abs=1e-3)
    assert val(cls(reduction="sum")(y_true, y_pred)) == pytest.approx(total, abs=1e-3)
    np.testing.assert_allclose(val(cls(reduction="none")(y_true, y_pred)), none, atol=1e-3)


def test_binary_crossentropy_from_logits_keras_example_and_stability():
    bce = losses.BinaryCrossentropy(from_logits=True)
    y_true = wb.constant([0.0, 1.0, 0.0, 0.0])
    y_pred = wb.constant([-18.6, 0.51, 2.94, -12.8])
    assert float(bce(y_true, y_pred)) == pytest.approx(0.865, abs=1e-3)
    big = bce(wb.constant([[1.0, 0.0]]), wb.constant([[1e4, -1e4]]))
    assert float(big) == 0.0
    huge = losses.binary_crossentropy(wb.constant([[0.0]]), wb.constant([[1e4]]), from_logits=True)
    assert float(huge[0]) == pytest.approx(1e4)
    with wb.GradientTape() as tape:
        x = wb.constant([[300.0, -300.0]])
        tape.watch(x)
        loss = bce(wb.constant([[0.0, 1.0]]), x)
    assert np.all(np.isfinite(tape.gradient(loss, x).numpy()))


def test_categorical_crossentropies():
    y_true = wb.constant([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    y_pred = wb.constant([[0.05, 0.95, 0.0], [0.1, 0.8, 0.1]])
    cce = losses.CategoricalCrossentropy()
    assert float(cce(y_true, y_pred)) == pytest.approx(1.177, abs=1e-3)
    assert float(cce(y_true, y_pred, sample_weight=wb.constant([0.3, 0.7]))) == pytest.approx(0.814, abs=1e-3)
    assert float(losses.CategoricalCrossentropy(reduction="sum")(y_true, y_pred)) == pytest.approx(2.354, abs=1e-3)
    np.testing.assert_allclose(losses.CategoricalCrossentropy(reduction="none")(y_true, y_pred).numpy(),
                               [0.0513, 2.303], atol=1e-3)
    scce = losses.SparseCategoricalCrossentropy()
    assert float(scce(wb.constant([1, 2]), y_pred)) == pytest.approx(1.177, abs=1e-3)
    assert float(scce(wb.constant([[1], [2]]), y_pred)) == pytest.approx(1.177, abs=1e-3)
    # from logits: -log_softmax at the label, stable for large logits
    logits = np.array([[1000.0, 0.0, -1000.0], [1.0, 2.0, 3.0]], np.float32)
    lsm = logits - logits.max(1, keepdims=True)
    lsm = lsm - np.log(np.exp(lsm).sum(1, keepdims=True))
    got = losses.SparseCategoricalCrossentropy(from_logits=True, reduction="none")(wb.constant([1, 0]),
                                                                                    wb.constant(logits))
    np.testing.assert_allclose(got.numpy(), [-lsm[0, 1], -lsm[1, 0]], rtol=1e-6)
    onehot = np.eye(3, dtype=np.float32)[[1, 0]]
    got2 = losses.CategoricalCrossentropy(from_logits=True, reduction="none")(wb.constant(onehot), wb.constant(logits))
    np.testing.assert_allclose(got2.numpy(), got.numpy(), rtol=1e-6)
    ignored = losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0, reduction="none")
    assert ignored(wb.constant([1, 0]), wb.constant(logits)).numpy()[1] == 0


def test_huber_delta_and_shape_errors():
    err = np.array([[0.5, 3.0]], np.float32)
    got = losses.Huber(delta=2.0, reduction="none")(wb.zeros([1, 2]), wb.constant(err))
    np.testing.assert_allclose(got.numpy(), [(0.5 * 0.25 + 2.0 * (3.0 - 1.0)) / 2])
    with pytest.raises(ValueError, match="same shape"):
        losses.MeanSquaredError()(wb.zeros([2, 3]), wb.zeros([2, 4]))
    with pytest.raises(ValueError, match="reduction"):
        losses.MeanSquaredError(reduction="average")
    mean = losses.MeanSquaredError(reduction="mean")   # Keras 3's synonym of the default
    assert float(mean(wb.zeros([2, 2]), wb.ones([2, 2]))) == 1.0 and mean.get_config()["reduction"] == "mean"
    assert isinstance(losses.get("mse"), losses.MeanSquaredError)


# ---------------------------------------------------------------------------
# metrics


def test_mean_and_sum():
    m = metrics.Mean()
    m.update_state([1, 3, 5, 7])
    assert float(m.result()) == 4.0
    m.reset_state()
    m.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])
    assert float(m.result()) == 2.0
    assert float(metrics.Sum()([1, 3, 5, 7])) == 16.0
    assert [v.trainable for v in m.variables] == [False, False]
    assert float(metrics.Mean().result()) == 0.0


@pytest.mark.parametrize("cls,y_true,y_pred,plain,sw,weighted", [
    (metrics.Accuracy, [[1], [2], [3], [4]], [[0], [2], [3], [4]], 0.75, [1, 1, 0, 0], 0.5),
    (metrics.BinaryAccuracy, [[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]], 0.75, [1, 0, 0, 1], 0.5),
    (metrics.CategoricalAccuracy, [[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]], 0.5, [0.7, 0.3], 0.3),
    (metrics.SparseCategoricalAccuracy, [[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]], 0.5, [0.7, 0.3], 0.3),
    (metrics.MeanSquaredError, [[0, 1], [0, 0]], [[1, 1], [0, 0]], 0.25, [1, 0], 0.5),
    (metrics.Precision, [0, 1, 1, 1], [1, 0, 1, 1], 2 / 3, [0, 0, 1, 0], 1.0),
    (metrics.Recall, [0, 1, 1, 1], [1, 0, 1, 1], 2 / 3, [0, 0, 1, 0], 1.0),
])
def test_keras_documented_metric_values(cls, y_true, y_pred, plain, sw, weighted):
    y_pred = np.asarray(y_pred, np.float32)
    m = cls()
    m.update_state(np.asarray(y_true, np.float32), y_pred)
    assert float(m.result()) == pytest.approx(plain, abs=1e-6)
    m.reset_state()
    m.update_state(np.asarray(y_true, np.float32), y_pred, sample_weight=np.asarray(sw, np.float32))
    assert float(m.result()) == pytest.approx(weighted, abs=1e-6)


@pytest.mark.parametrize("cls,y_pred", [
    (metrics.BinaryAccuracy, [[0.9], [0.1], [0.8], [0.2]]),
    (metrics.Accuracy, [[1.0], [0.0], [1.0], [0.0]]),
    (metrics.Precision, [[0.9], [0.1], [0.8], [0.2]]),
    (metrics.Recall, [[0.9], [0.1], [0.8], [0.2]]),
    (metrics.AUC, [[0.9], [0.1], [0.8], [0.2]]),
])
def test_rank_one_labels_meet_column_predictions_row_by_row(cls, y_pred):
    # Keras 3 squeezes or expands y_true and y_pred to one rank: labels (n,) against
    # predictions (n, 1) are compared row by row, not broadcast to (n, n)
    y_true = np.array([1, 0, 1, 0], np.float32)
    y_pred = np.asarray(y_pred, np.float32)
    for labels in (y_true, y_true[:, None]):
        m = cls()
        m.update_state(labels, y_pred)
        assert float(m.result()) == 1.0
        m.update_state(labels, y_pred, sample_weight=np.array([1, 0, 1, 0], np.float32))
        assert float(m.result()) == 1.0
    assert float(cls()(y_true[:, None], y_pred[:, 0])) == 1.0
    assert float(cls()(y_true, 1.0 - y_pred)) == 0.0


def test_binary_accuracy_is_elementwise_and_weighs_each_entry():
    # Keras 3 returns one value per entry, so a per-entry sample_weight weighs entries
    y_true = np.array([[1, 1, 0, 0], [1, 1, 0, 0]], np.float32)
    y_pred = np.array([[1, 1, 0, 0], [1, 1, 0, 1]], np.float32)
    assert metrics.binary_accuracy(y_true, y_pred).shape == (2, 4)
    assert float(metrics.BinaryAccuracy()(y_true, y_pred)) == pytest.approx(7 / 8)
    w = np.array([[1, 1, 1, 1], [0, 0, 0, 1]], np.float32)
    assert float(metrics.BinaryAccuracy()(y_true, y_pred, sample_weight=w)) == pytest.approx(4 / 5)
    assert float(metrics.BinaryAccuracy()(y_true, y_pred, sample_weight=[0.0, 1.0])) == pytest.approx(3 / 4)


def test_metrics_accumulate_across_batches():
    m = metrics.SparseCategoricalAccuracy()
    m.update_state([0, 1], [[0.9, 0.1], [0.8, 0.2]])
    m.update_state([1], [[0.1, 0.9]])
    assert float(m.result()) == pytest.approx(2 / 3)
    assert float(m([0], [[0.0, 1.0]])) == pytest.approx(0.5)


def test_auc_keras_example_and_trapezoid_rule():
    m = metrics.AUC(num_thresholds=3)
    m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
    assert m.thresholds == pytest.approx([-1e-7, 0.5, 1 + 1e-7])
    np.testing.assert_array_equal(m.true_positives.numpy(), [2, 1, 0])
    np.testing.assert_array_equal(m.false_positives.numpy(), [2, 0, 0])
    assert float(m.result()) == pytest.approx(0.75)
    m.reset_state()
    m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9], sample_weight=[1, 0, 0, 1])
    assert float(m.result()) == pytest.approx(1.0)
    # with many thresholds the ROC AUC approaches the rank statistic
    rng = np.random.default_rng(0)
    labels = rng.uniform(size=500) < 0.4
    scores = np.clip(rng.normal(0.5 + 0.2 * labels, 0.2), 0, 1).astype(np.float32)
    auc = metrics.AUC()
    auc.update_state(labels, scores)
    pos, neg = scores[labels], scores[~labels]
    rank = ((pos[:, None] > neg[None]).mean() + 0.5 * (pos[:, None] == neg[None]).mean())
    assert float(auc.result()) == pytest.approx(rank, abs=5e-3)
    assert metrics.AUC(summation_method="minoring")(labels, scores).numpy() <= float(auc.result())


def test_precision_recall_thresholds_top_k_class_id():
    p = metrics.Precision(thresholds=[0.3, 0.7])
    p.update_state([0, 1, 1, 1], [0.5, 0.2, 0.8, 0.6])
    np.testing.assert_allclose(p.result().numpy(), [2 / 3, 1.0])
    # Keras' examples: exactly top_k predictions per row count, ties to the first ones
    top = metrics.Precision(top_k=2)
    top.update_state([0, 0, 1, 1], [1, 1, 1, 1])
    assert float(top.result()) == 0.0
    top4 = metrics.Precision(top_k=4)
    top4.update_state([0, 0, 1, 1], [1, 1, 1, 1])
    assert float(top4.result()) == pytest.approx(0.5)
    cls = metrics.Recall(class_id=1)
    cls.update_state([[0, 1], [0, 1], [1, 0]], [[0.2, 0.8], [0.7, 0.3], [0.1, 0.9]])
    assert float(cls.result()) == pytest.approx(0.5)


# ---------------------------------------------------------------------------
# AUC of the precision-recall curve


def _counts(labels, scores, thresholds):
    pos = scores[None, :] > np.asarray(thresholds)[:, None]
    tp = (pos & labels[None]).sum(1).astype(float)
    fp = (pos & ~labels[None]).sum(1).astype(float)
    return tp, fp, labels.sum() - tp


def _pr_auc_numeric(tp, fp, fn, steps=20000):
    """Davis & Goadrich's interpolation integrated numerically: between neighbouring thresholds
    tp and fp move linearly, and precision = tp / (tp + fp) is summed over recall by the
    midpoint rule (independent of the closed form the metric uses)."""
    total = 0.0
    positives = tp[0] + fn[0]
    u = (np.arange(steps) + 0.5) / steps
    for i in range(len(tp) - 1):
        if tp[i] == tp[i + 1]:
            continue
        t = tp[i + 1] + u * (tp[i] - tp[i + 1])
        p = tp[i + 1] + fp[i + 1] + u * (tp[i] + fp[i] - tp[i + 1] - fp[i + 1])
        total += np.mean(t / p) * (tp[i] - tp[i + 1]) / positives
    return total


def test_pr_auc_small_example_by_hand():
    # thresholds [-eps, 0.5, 1 + eps]: tp = [2, 1, 0], fp = [2, 0, 0]; predicted positives [4, 1, 0].
    # Segment 1: precision (1 + (p - 1) / 3) / p over p in [1, 4], recall 1/2 -> 1:
    #   (1/3) (1 + (2/3) ln 4) / 2; segment 2: precision 1 over recall 0 -> 1/2: 1/2.
    want = (1 / 3) * (1 + (2 / 3) * np.log(4)) / 2 + 0.5
    m = metrics.AUC(num_thresholds=3, curve="PR")
    m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
    assert float(m.result()) == pytest.approx(want, rel=1e-6)
    assert want == pytest.approx(_pr_auc_numeric(np.array([2.0, 1, 0]), np.array([2.0, 0, 0]),
                                                 np.array([0.0, 1, 2])), rel=1e-6)
    # minoring/majoring: rectangles under precision [1/2, 1, 0] over recall [1, 1/2, 0]
    lo = metrics.AUC(num_thresholds=3, curve="PR", summation_method="minoring")
    hi = metrics.AUC(num_thresholds=3, curve="PR", summation_method="majoring")
    lo.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
    hi.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
    assert float(lo.result()) == pytest.approx(0.5 * 0.5 + 0.5 * 0.0)
    assert float(hi.result()) == pytest.approx(0.5 * 1.0 + 0.5 * 1.0)


@pytest.mark.parametrize("method", ["interpolation", "minoring", "majoring"])
def test_pr_auc_matches_a_numpy_reference(method):
    rng = np.random.default_rng(3)
    labels = rng.uniform(size=400) < 0.3
    # scores on a grid that the 101 thresholds separate (no score sits on a threshold)
    scores = np.clip(np.round(rng.normal(0.4 + 0.25 * labels, 0.2) * 50) / 50 + 0.005, 0.005, 0.995)
    m = metrics.AUC(num_thresholds=101, curve="PR", summation_method=method)
    for part in np.array_split(np.arange(400), 3):                    # streamed in batches
        m.update_state(labels[part], scores[part].astype(np.float32))
    thresholds = m.thresholds
    tp, fp, fn = _counts(labels, scores, thresholds)
    np.testing.assert_array_equal(m.true_positives.numpy(), tp)
    if method == "interpolation":
        want = _pr_auc_numeric(tp, fp, fn)
    else:
        recall = tp / (tp + fn)
        precision = np.divide(tp, tp + fp, out=np.zeros_like(tp), where=tp + fp > 0)
        pick = np.minimum if method == "minoring" else np.maximum
        want = np.sum((recall[:-1] - recall[1:]) * pick(precision[:-1], precision[1:]))
    assert float(m.result()) == pytest.approx(want, rel=1e-5)
    # a perfect ranking has PR-AUC 1; the interpolated area lies between the rectangles
    perfect = metrics.AUC(curve="PR")
    perfect.update_state([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9])
    assert float(perfect.result()) == pytest.approx(1.0)


def test_pr_auc_interpolation_lies_between_minoring_and_majoring():
    rng = np.random.default_rng(7)
    labels = rng.uniform(size=300) < 0.5
    scores = rng.uniform(size=300).astype(np.float32) * 0.5 + 0.5 * labels
    res = {}
    for method in ("minoring", "interpolation", "majoring"):
        m = metrics.AUC(num_thresholds=50, curve="PR", summation_method=method)
        m.update_state(labels, scores, sample_weight=rng.uniform(size=300))
        res[method] = float(m.result())
    assert res["minoring"] <= res["interpolation"] <= res["majoring"]
    with pytest.raises(ValueError, match="curve must be 'ROC' or 'PR'"):
        metrics.AUC(curve="DET")
