"""probability.stats (tfp.stats) against NumPy."""

import numpy as np
import pytest

import workbench as wb
import probability as tfp
from gradients import check_gradients

tfs = tfp.stats
RNG = np.random.default_rng(7)


@pytest.mark.parametrize("interpolation", ["nearest", "linear", "lower", "higher", "midpoint"])
@pytest.mark.parametrize("axis", [None, 0, 1, (0, 2)])
def test_percentile_matches_numpy(interpolation, axis):
    x = RNG.normal(size=(7, 4, 5))
    q = [0.0, 12.5, 50.0, 73.0, 100.0]
    got = tfs.percentile(x, q, axis=axis, interpolation=interpolation).numpy()
    np.testing.assert_allclose(got, np.percentile(x, q, axis=axis, method=interpolation), rtol=1e-12)
    got = tfs.percentile(x, 30.0, axis=axis, interpolation=interpolation, keepdims=True).numpy()
    np.testing.assert_allclose(got, np.percentile(x, 30.0, axis=axis, method=interpolation, keepdims=True),
                               rtol=1e-12)


def test_percentile_default_is_nearest_with_half_to_even_ties_and_gradients_flow():
    x = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    for q in (10.0, 30.0, 50.0, 90.0):
        assert float(tfs.percentile(x, q)) == np.percentile(x, q, method="nearest")
    check_gradients(lambda t: tfs.percentile(t, [25.0, 60.0], interpolation="linear"),
                    [RNG.normal(size=9)], order=1)
    with pytest.raises(ValueError, match="interpolation"):
        tfs.percentile(x, 50.0, interpolation="cubic")
    with pytest.raises(ValueError, match=r"\[0, 100\]"):
        tfs.percentile(x, 101.0)


def test_quantiles_are_percentiles_at_even_cuts():
    x = RNG.normal(size=(30, 2))
    got = tfs.quantiles(x, num_quantiles=4, axis=0, interpolation="linear").numpy()
    assert got.shape == (5, 2)
    np.testing.assert_allclose(got, np.percentile(x, [0, 25, 50, 75, 100], axis=0), rtol=1e-12)
    np.testing.assert_allclose(tfs.quantiles(x, 3).numpy(),
                               np.percentile(x, np.linspace(0, 100, 4), method="nearest"))


def test_histogram_matches_numpy_and_extends():
    x = RNG.normal(size=(200, 3))
    edges = [-1.0, -0.3, 0.0, 0.5, 1.0]
    got = tfs.histogram(x, edges, axis=0).numpy()
    assert got.shape == (4, 3)
    for j in range(3):
        np.testing.assert_array_equal(got[:, j], np.histogram(x[:, j], edges)[0])
    w = RNG.uniform(size=x.shape)
    np.testing.assert_allclose(tfs.histogram(x, edges, weights=w).numpy(),
                               np.histogram(x, edges, weights=w)[0], rtol=1e-12)
    ext = tfs.histogram(x, edges, extend_lower_interval=True, extend_upper_interval=True).numpy()
    assert ext.sum() == x.size
    assert ext[0] == np.sum(x < -0.3) and ext[-1] == np.sum(x >= 0.5)
    assert tfs.histogram([1.0], edges).numpy().tolist() == [0, 0, 0, 1]   # the last interval is closed


def test_covariance_correlation_cholesky_match_numpy():
    x = RNG.normal(size=(100, 2, 3))
    y = x + RNG.normal(size=x.shape)
    cov = tfs.covariance(x, y, sample_axis=0, event_axis=-1).numpy()
    assert cov.shape == (2, 3, 3)
    for i in range(2):
        full = np.cov(x[:, i].T, y[:, i].T, bias=True)
        np.testing.assert_allclose(cov[i], full[:3, 3:], rtol=1e-10, atol=1e-12)
    elementwise = tfs.covariance(x, y, event_axis=None).numpy()
    np.testing.assert_allclose(elementwise, ((x - x.mean(0)) * (y - y.mean(0))).mean(0), rtol=1e-10)
    assert tfs.covariance(x, sample_axis=0, event_axis=-1, keepdims=True).shape == (1, 2, 3, 3)
    corr = tfs.correlation(x[:, 0], event_axis=-1).numpy()
    np.testing.assert_allclose(corr, np.corrcoef(x[:, 0].T), rtol=1e-10, atol=1e-12)
    chol = tfs.cholesky_covariance(x[:, 1]).numpy()
    np.testing.assert_allclose(chol, np.linalg.cholesky(np.cov(x[:, 1].T, bias=True)), rtol=1e-10)
    check_gradients(lambda t: tfs.covariance(t), [x[:10, 0]], order=1)
    with pytest.raises(ValueError, match="overlap"):
        tfs.covariance(x, sample_axis=0, event_axis=0)


def test_auto_correlation_matches_direct_numpy():
    x = RNG.normal(size=(3, 40)).cumsum(axis=-1)
    got = tfs.auto_correlation(x, axis=-1, max_lags=10).numpy()
    assert got.shape == (3, 11)
    w = x - x.mean(-1, keepdims=True)
    want = np.stack([np.sum(w[:, m:] * w[:, :40 - m], -1) / (40 - m) for m in range(11)], -1)
    np.testing.assert_allclose(got, want / want[:, :1], rtol=1e-10)
    raw = tfs.auto_correlation(x.T, axis=0, max_lags=3, center=False, normalize=False).numpy()
    want = np.stack([np.sum(x[:, m:] * x[:, :40 - m], -1) / (40 - m) for m in range(4)], 0)
    np.testing.assert_allclose(raw, want, rtol=1e-10)
    assert tfs.auto_correlation(x).shape == (3, 40)


def test_expected_calibration_error_against_a_direct_count():
    logits = RNG.normal(size=(500, 4)) * 2
    labels = RNG.integers(0, 4, size=500)
    ece = float(tfs.expected_calibration_error(10, logits=logits, labels_true=labels))
    p = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    pred, conf = p.argmax(-1), p.max(-1)
    total = 0.0
    for b in range(10):
        m = (conf >= b / 10) & (conf < (b + 1) / 10)
        if m.any():
            total += m.mean() * abs((pred[m] == labels[m]).mean() - conf[m].mean())
    np.testing.assert_allclose(ece, total, rtol=1e-10)
    perfect = np.full((4, 2), [0.0, 0.0])   # confidence 0.5, half right: calibrated
    assert float(tfs.expected_calibration_error(2, logits=perfect, labels_true=[0, 1, 0, 1],
                                                labels_predicted=[0, 0, 0, 0])) == 0.0


def test_tfps_documented_examples_integer_x_and_nan_members():
    x = [1.0, 2.0, 3.0, 4.0]
    assert float(tfs.percentile(x, 30.0)) == 2.0
    np.testing.assert_allclose(float(tfs.percentile(x, 30.0, interpolation="linear")), 1.9, rtol=1e-6)
    assert tfs.percentile(x, [30.0, 70.0], interpolation="lower").numpy().tolist() == [1.0, 3.0]
    assert tfs.percentile([[1.0, 2.0], [3.0, 4.0]], 100.0, axis=[0]).numpy().tolist() == [3.0, 4.0]
    assert tfs.quantiles(np.arange(11.0), 4).numpy().tolist() == [0, 2, 5, 8, 10]
    assert tfs.quantiles(np.arange(11.0), 4, interpolation="lower").numpy().tolist() == [0, 2, 5, 7, 10]
    ints = tfs.percentile(np.array([5, 1, 4, 2]), 50.0, interpolation="higher")
    assert ints.dtype == wb.int64 and int(ints) == 4
    with pytest.raises(TypeError, match="floating"):
        tfs.percentile(np.array([5, 1, 4, 2]), 50.0, interpolation="linear")
    got = tfs.percentile(np.array([[1.0, np.nan], [2.0, 3.0]]), 50.0, axis=0).numpy()
    assert got[0] == 1.0 and np.isnan(got[1])


def test_find_bins_intervals_and_out_of_range_markers():
    edges = [0.0, 5.0, 10.0]
    got = tfs.find_bins([0.0, 4.9, 5.0, 10.0, 20.0, -1.0], edges).numpy()
    np.testing.assert_array_equal(got[:4], [0, 0, 1, 1])
    assert np.isnan(got[4]) and np.isnan(got[5])
    ints = tfs.find_bins([-1.0, 5.0, 20.0], edges, dtype=wb.int32).numpy()
    assert ints.tolist() == [-1, 1, 2]
    ext = tfs.find_bins([-1.0, 20.0], edges, extend_lower_interval=True, extend_upper_interval=True).numpy()
    assert ext.tolist() == [0, 1]
    x = RNG.uniform(-1, 11, size=50)
    np.testing.assert_array_equal(tfs.find_bins(x, edges, extend_lower_interval=True, extend_upper_interval=True)
                                  .numpy(), np.clip(np.digitize(x, edges) - 1, 0, 1))


def test_variance_and_stddev_divide_by_n():
    x = RNG.normal(size=(20, 3))
    np.testing.assert_allclose(tfs.variance(x).numpy(), x.var(axis=0), rtol=1e-12)
    np.testing.assert_allclose(tfs.stddev(x, sample_axis=None).numpy(), x.std(), rtol=1e-12)
    assert tfs.variance(x, keepdims=True).shape == (1, 3)
