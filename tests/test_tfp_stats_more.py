"""probability.stats breadth (tfp.stats): moving, windowed, leave-one-out and rank statistics,
Brier scores, calibration by quantiles, count_integers; values pinned to TFP 0.25 or checked
against their definitions."""

import math

import numpy as np
import pytest
import scipy.stats as ss

import workbench as wb
import probability as tfp
from gradients import check_gradients

st = tfp.stats


def _np(t):
    return np.asarray(t.numpy() if hasattr(t, "numpy") else t)


LABELS = np.array([0, 2, 1, 1])
LOGITS = np.array([[1.0, 0.5, -1.0], [0.2, 0.3, 2.0], [0.0, 0.0, 0.0], [3.0, -1.0, 0.5]])


def test_brier_score_pinned_to_tfp():
    np.testing.assert_allclose(_np(st.brier_score(LABELS, LOGITS)),
                               [-0.6913216127482018, -0.8999542703950305, -0.3333333333333333, 0.7983970998633939],
                               rtol=1e-12)
    check_gradients(lambda lg: st.brier_score(wb.constant(LABELS), lg), [LOGITS], order=1)
    with pytest.raises(ValueError, match="labels has shape"):
        st.brier_score(LABELS[:3], LOGITS)


def test_brier_decomposition():
    unc, res, rel = st.brier_decomposition(LABELS, LOGITS)
    np.testing.assert_allclose(float(_np(unc)), -0.375, rtol=1e-12)                   # TFP 0.25
    np.testing.assert_allclose(float(_np(rel)), 0.3117242582664868, rtol=1e-12)       # TFP 0.25
    # resolution by its definition: sum_k w_k ||q_k - pbar||^2, predictions binned by argmax
    pred = LOGITS.argmax(-1)
    pbar = np.bincount(LABELS, minlength=3) / 4
    want = 0.0
    for k in range(3):
        sel = pred == k
        if sel.any():
            q = np.bincount(LABELS[sel], minlength=3) / sel.sum()
            want += sel.mean() * np.sum((q - pbar) ** 2)
    np.testing.assert_allclose(float(_np(res)), want, rtol=1e-12)
    # with predictions constant within each argmax bin the decomposition is exact
    probs = np.array([[0.7, 0.2, 0.1], [0.1, 0.6, 0.3], [0.25, 0.25, 0.5]])
    rng = np.random.RandomState(0)
    which = rng.randint(0, 3, 300)
    y = rng.randint(0, 3, 300)
    lg = np.log(probs[which])
    unc, res, rel = st.brier_decomposition(y, lg)
    score = float(np.mean(_np(st.brier_score(y, lg))))
    np.testing.assert_allclose(score, float(_np(unc)) - float(_np(res)) + float(_np(rel)), rtol=1e-10)


def test_ece_quantiles_tfp_docstring_example():
    label = np.array([0, 0, 1, 0, 1, 1], bool)
    log_pred = np.log(np.array([0.1, 0.05, 0.5, 0.2, 0.99, 0.99], np.float32))
    ece, acc, conf, cnt, edges, bucket = st.expected_calibration_error_quantiles(label, log_pred, num_buckets=3)
    np.testing.assert_allclose(float(_np(ece)), 0.145, rtol=1e-5)
    np.testing.assert_allclose(_np(acc), [0, 0, 1])
    np.testing.assert_allclose(_np(conf), [0.075, 0.2, 0.826665], rtol=1e-5)
    np.testing.assert_allclose(_np(cnt), [2, 1, 3])
    np.testing.assert_allclose(np.exp(_np(edges)), [0.05, 0.2, 0.5, 0.99], rtol=1e-6)
    np.testing.assert_array_equal(_np(bucket), [0, 0, 2, 1, 2, 2])
    # a batch along axis 1: the same numbers per column
    two = st.expected_calibration_error_quantiles(np.stack([label, label], 1), np.stack([log_pred, log_pred], 1),
                                                  num_buckets=3, axis=0)
    np.testing.assert_allclose(_np(two[0]), [0.145, 0.145], rtol=1e-5)
    assert _np(two[1]).shape == (3, 2)


def test_count_integers_pinned_to_tfp():
    assert _np(st.count_integers(np.array([1, 3, 3, 0, 5]))).tolist() == [1, 1, 0, 2, 0, 1]
    got = st.count_integers(np.array([[1, 3], [3, 0]]), weights=np.array([[0.5, 1.0], [2.0, 1.0]]),
                            minlength=6, axis=-1)
    np.testing.assert_allclose(_np(got), [[0.0, 1.0], [0.5, 0.0], [0.0, 0.0], [1.0, 2.0]])
    assert _np(st.count_integers(np.array([[1, 3], [3, 0]]), axis=-1)).tolist() == [[0, 1], [1, 0], [0, 0], [1, 1]]
    got = st.count_integers(np.array([1, 3, 3, 0, 5]), maxlength=3, dtype=wb.float32)
    assert got.dtype == wb.float32 and _np(got).tolist() == [1.0, 1.0, 0.0]
    assert _np(st.count_integers(np.array([1, 1]), minlength=4)).tolist() == [0, 2, 0, 0]
    with pytest.raises(ValueError, match="negative"):
        st.count_integers(np.array([1, -1]))


def test_cumulative_and_windowed_moments_pinned_to_tfp():
    x = np.array([[1.0, 2.0], [3.0, 5.0], [2.0, -1.0], [0.0, 4.0]])
    np.testing.assert_allclose(_np(st.cumulative_variance(x)),
                               [[0.0, 0.0], [1.0, 2.25], [0.6666666666666666, 6.0], [1.25, 5.25]],
                               rtol=1e-12, atol=1e-14)
    w = np.arange(10.0) ** 2
    np.testing.assert_allclose(_np(st.windowed_mean(w)),
                               [0.0, 1.0, 2.5, 6.5, 9.666666666666666, 16.666666666666668, 21.5, 31.5, 38.0, 51.0],
                               rtol=1e-12)
    np.testing.assert_allclose(_np(st.windowed_variance(w)),
                               [0.0, 0.0, 2.25, 6.25, 24.222222222222218, 42.888888888888935, 102.25, 152.25,
                                290.8, 394.8], rtol=1e-10, atol=1e-10)
    low, high = np.array([0, 2, 5]), np.array([3, 6, 10])
    np.testing.assert_allclose(_np(st.windowed_mean(w, low, high)), [1.6666666666666667, 13.5, 51.0], rtol=1e-12)
    np.testing.assert_allclose(_np(st.windowed_variance(w, low, high)), [2.888888888888889, 62.25, 394.8], rtol=1e-10)
    # along axis 1 of a batch, against numpy
    b = np.random.RandomState(0).standard_normal((3, 8))
    got = _np(st.windowed_variance(b, np.array([1, 0]), np.array([4, 8]), axis=1))
    np.testing.assert_allclose(got, np.stack([b[:, 1:4].var(1), b.var(1)], 1), rtol=1e-10)
    check_gradients(lambda t: st.windowed_variance(t, np.array([0, 2]), np.array([3, 6])), [w[:6] / 10], order=1)
    with pytest.raises(ValueError, match="both"):
        st.windowed_mean(w, low_indices=low)


LX = np.array([[0.0, 1.0, -2.0], [3.0, 3.0, 0.5]])


def test_leave_one_out_pinned_to_tfp():
    loo, total = st.log_loomean_exp(LX, axis=-1)
    np.testing.assert_allclose(_np(loo), [[0.355440171013797, -0.5662191695169728, 0.6201145069582777],
                                          [2.3857425537326042, 2.3857425537326042, 3.0]], rtol=1e-12)
    np.testing.assert_allclose(_np(total), [0.2503999281000766, 2.6347575061591018], rtol=1e-12)
    loo, total = st.log_loosum_exp(LX, axis=-1)
    np.testing.assert_allclose(_np(loo), [[1.0485873515737423, 0.12692801104297247, 1.313261687518223],
                                          [3.0788897342925496, 3.0788897342925496, 3.6931471805599454]], rtol=1e-12)
    loo, total = st.log_loosum_exp(LX)
    np.testing.assert_allclose(_np(loo)[0], [3.799378519927537, 3.7601560918277483, 3.8185488319340157], rtol=1e-12)
    np.testing.assert_allclose(float(_np(total)), 3.821516339290302, rtol=1e-12)
    soo, total = st.log_soomean_exp(LX, axis=-1)
    np.testing.assert_allclose(_np(soo), [[0.14269900798904733, -0.6910063242237294, 0.5816573819736248],
                                          [2.215168574669148, 2.215168574669148, 3.0]], rtol=1e-12)
    soo, total = st.log_soosum_exp(LX, axis=-1, keepdims=True)
    np.testing.assert_allclose(_np(soo), [[1.2413112966571571, 0.4076059644443803, 1.6802696706417346],
                                          [3.313780863337258, 3.313780863337258, 4.09861228866811]], rtol=1e-12)
    assert _np(total).shape == (2, 1)
    check_gradients(lambda t: st.log_loosum_exp(t, axis=-1)[0], [LX], order=1)
    check_gradients(lambda t: st.log_soomean_exp(t, axis=-1)[0], [LX], order=1)


def test_log_average_probs_pinned_to_tfp():
    np.testing.assert_allclose(_np(st.log_average_probs(LOGITS.astype(np.float32), sample_axis=0, event_axis=1)),
                               [-0.7242162823677063, -1.5681653022766113, -1.1813360452651978], rtol=1e-6)
    np.testing.assert_allclose(_np(st.log_average_probs(np.array([[-1.0, -2.0], [-0.5, -3.0]]), sample_axis=0)),
                               [-1.1293569803237915, -2.4851338863372803], rtol=1e-6)
    assert _np(st.log_average_probs(LOGITS, event_axis=-1, sample_axis=None, keepdims=True)).shape == (1, 3)
    with pytest.raises(ValueError, match="distinct"):
        st.log_average_probs(LOGITS, sample_axis=1, event_axis=1)


def test_kendalls_tau_matches_scipy_tau_b():
    a, b = np.array([1.0, 2.0, 2.0, 4.0, 5.0]), np.array([2.0, 1.0, 4.0, 4.0, 6.0])
    np.testing.assert_allclose(float(_np(st.kendalls_tau(a, b))), ss.kendalltau(a, b).statistic, rtol=1e-12)
    rng = np.random.RandomState(0)
    x, y = rng.randint(0, 5, 40).astype(float), rng.standard_normal(40)
    np.testing.assert_allclose(float(_np(st.kendalls_tau(x, y))), ss.kendalltau(x, y).statistic, rtol=1e-12)
    np.testing.assert_allclose(float(_np(st.kendalls_tau([1., 2., 3., 4., 5.], [2., 1., 4., 3., 6.]))), 0.6)


def test_quantile_auc_roc_pinned_and_pr_integrated():
    q0, q1 = np.array([0.1, 0.3, 0.5]), np.array([0.2, 0.6, 0.9])
    np.testing.assert_allclose(float(_np(st.quantile_auc(q0, 10, q1, 20))), 0.859375, rtol=1e-12)   # TFP 0.25
    # PR: against a fine numerical integral of precision d(recall) over the piecewise-linear survivals.
    # (TFP 0.25 gives 0.4357: it drops the pieces where no negative scores above k, precision 1.)
    k = np.linspace(0.0, 1.0, 400001)
    s0 = 1 - np.interp(k, q0, [0, 0.5, 1], left=0, right=1)
    s1 = 1 - np.interp(k, q1, [0, 0.5, 1], left=0, right=1)
    prec = np.where(s1 > 0, 20 * s1 / np.maximum(20 * s1 + 10 * s0, 1e-300), 0)
    want = np.sum(0.5 * (prec[1:] + prec[:-1]) * -np.diff(s1))
    np.testing.assert_allclose(float(_np(st.quantile_auc(q0, 10, q1, 20, curve="PR"))), want, rtol=1e-5)
    # a batch of two problems; identical distributions give ROC 1/2
    got = _np(st.quantile_auc(np.stack([q0, q0]), np.array([10.0, 5.0]), np.stack([q1, q0]), np.array([20.0, 5.0])))
    np.testing.assert_allclose(got, [0.859375, 0.5], rtol=1e-12)
    with pytest.raises(ValueError, match="curve"):
        st.quantile_auc(q0, 10, q1, 20, curve="DET")


def test_moving_mean_variance_pinned_to_tfp():
    mm, mv, zc = wb.Variable([0.0, 0.0]), wb.Variable([0.0, 0.0]), wb.Variable(0, dtype=wb.int64)
    for v in ([1.0, 2.0], [3.0, -1.0], [2.0, 2.0]):
        mean, var = st.assign_moving_mean_variance(wb.constant(v), mm, mv, zero_debias_count=zc, decay=0.9)
    np.testing.assert_allclose(_np(mean), [2.033210039138794, 1.0036900043487549], rtol=1e-6)
    np.testing.assert_allclose(_np(var), [1.4654954671859741, 4.594008922576904], rtol=1e-6)
    np.testing.assert_allclose(_np(mm), [0.5510001182556152, 0.2720000743865967], rtol=1e-6)
    np.testing.assert_allclose(_np(mv), [0.39714938402175903, 1.2449768781661987], rtol=1e-6)
    assert int(_np(zc)) == 3
    m2, v2 = st.moving_mean_variance_zero_debiased(mm, mv, zc, decay=0.9)
    np.testing.assert_allclose(_np(m2), _np(mean), rtol=1e-7)
    np.testing.assert_allclose(_np(v2), _np(var), rtol=1e-7)
    mm, mv = wb.Variable([0.0, 0.0]), wb.Variable([0.0, 0.0])
    for v in ([[1.0, 2.0], [0.0, 1.0]], [[3.0, -1.0], [1.0, 1.0]]):
        mean, var = st.assign_moving_mean_variance(wb.constant(v), mm, mv, decay=0.5, axis=0)
    np.testing.assert_allclose(_np(mean), [1.125, 0.375])
    np.testing.assert_allclose(_np(var), [1.078125, 0.703125])
    only_mean = st.assign_moving_mean_variance(wb.constant([1.0, 1.0]), wb.Variable([0.0, 0.0]), decay=0.5)
    np.testing.assert_allclose(_np(only_mean), [0.5, 0.5])
    with pytest.raises(TypeError, match="moving_mean"):
        st.assign_moving_mean_variance([1.0], wb.Variable([0]))


def test_assign_log_moving_mean_exp():
    m = wb.Variable([0.0, 0.0], dtype=wb.float64)
    for v in ([1.0, 2.0], [3.0, -1.0]):
        got = st.assign_log_moving_mean_exp(wb.constant(v, wb.float64), m, decay=0.9)
    want = np.zeros(2)
    for v in ([1.0, 2.0], [3.0, -1.0]):
        want = np.log(0.9 * np.exp(want) + 0.1 * np.exp(v))
    np.testing.assert_allclose(_np(got), want, rtol=1e-13)
    np.testing.assert_allclose(_np(m), want, rtol=1e-13)
    big = wb.Variable([800.0], dtype=wb.float64)
    np.testing.assert_allclose(_np(st.assign_log_moving_mean_exp(wb.constant([805.0], wb.float64), big, decay=0.5)),
                               [805.0 + math.log(0.5 + 0.5 * math.exp(-5.0))], rtol=1e-13)
    with pytest.raises(NotImplementedError, match="zero_debias_count"):
        st.assign_log_moving_mean_exp([1.0, 1.0], m, zero_debias_count=wb.Variable(0))
