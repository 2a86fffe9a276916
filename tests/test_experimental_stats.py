"""tfp.experimental.stats: streaming mean, variance and covariance equal NumPy's batch results,
one sample at a time or in chunks; tfp.experimental.vi re-exports tfp.vi's builders."""

import numpy as np
import pytest

import probability as tfp
import workbench as wb

stats = tfp.experimental.stats


def test_running_covariance_one_sample_at_a_time_and_in_chunks():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 3, 2)) @ np.array([[1., 0.5], [0., 2.]])     # 50 draws, batch 3, event 2
    rv = stats.RunningCovariance.from_shape((3, 2), dtype=np.float64, event_ndims=1)
    for xi in x:
        rv = rv.update(wb.constant(xi))
    want = np.stack([np.cov(x[:, b].T, ddof=0) for b in range(3)])
    np.testing.assert_allclose(rv.covariance().numpy(), want, rtol=1e-10)
    np.testing.assert_allclose(rv.covariance(ddof=1).numpy(), want * 50 / 49, rtol=1e-10)
    np.testing.assert_allclose(rv.mean.numpy(), x.mean(0), rtol=1e-10)
    chunked = stats.RunningCovariance.from_shape((3, 2), dtype=np.float64, event_ndims=1)
    for part in (x[:7], x[7:30], x[30:]):
        chunked = chunked.update(wb.constant(np.moveaxis(part, 0, 1)), axis=1)   # samples along axis 1
    np.testing.assert_allclose(chunked.covariance().numpy(), want, rtol=1e-10)
    assert float(chunked.num_samples) == 50.


def test_running_covariance_over_all_dims_and_tfp_constructor():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(40, 2, 2))
    rv = stats.RunningCovariance.from_shape((2, 2), dtype=np.float64)       # event: both dims
    rv = rv.update(wb.constant(x), axis=0)
    flat = x.reshape(40, 4)
    np.testing.assert_allclose(rv.covariance().numpy().reshape(4, 4), np.cov(flat.T, ddof=0), rtol=1e-10)
    # as TFP's 0.12 release notebook builds it
    rv = stats.RunningCovariance(num_samples=0., mean=wb.zeros(2), sum_squared_residuals=wb.zeros((2, 2)),
                                 event_ndims=1)
    rv = rv.update(wb.constant([1., 2.])).update(wb.constant([3., 0.]))
    np.testing.assert_allclose(rv.covariance().numpy(), [[1., -1.], [-1., 1.]])
    with pytest.raises(ValueError, match="sum_squared_residuals"):
        stats.RunningCovariance(0., wb.zeros(2), wb.zeros(2), event_ndims=1)
    with pytest.raises(ValueError, match="axis"):
        stats.RunningCovariance.from_shape((2,)).update(wb.zeros([4, 2]), axis=1)


def test_running_variance_and_mean():
    x = np.random.default_rng(2).gamma(2., size=(30, 4))
    rv = stats.RunningVariance.from_shape((4,), dtype=np.float64)
    rm = stats.RunningMean.from_shape((4,), dtype=np.float64)
    for xi in x:
        rv, rm = rv.update(wb.constant(xi)), rm.update(wb.constant(xi))
    np.testing.assert_allclose(rv.variance(ddof=1).numpy(), x.var(0, ddof=1), rtol=1e-10)
    np.testing.assert_allclose(rm.mean.numpy(), x.mean(0), rtol=1e-10)
    rm2 = stats.RunningMean.from_shape((4,), dtype=np.float64).update(wb.constant(x), axis=0)
    np.testing.assert_allclose(rm2.mean.numpy(), x.mean(0), rtol=1e-10)


def test_experimental_vi_is_tfp_vi():
    assert tfp.experimental.vi.build_factored_surrogate_posterior is tfp.vi.build_factored_surrogate_posterior
    assert tfp.experimental.vi.build_asvi_surrogate_posterior is tfp.vi.build_asvi_surrogate_posterior
