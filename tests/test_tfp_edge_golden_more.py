"""TFP 0.25 at the edges of NoncentralChi2, Binomial, Multinomial, BetaBinomial,
DirichletMultinomial, Zipf and Bates: quantiles at 0 and 1, values below the support, non-integer
counts, undefined statistics. Every number below was printed by TFP 0.25 (float64) on a CPU.

Where TFP's value is off the mathematics we keep the right value and check it against the
mathematics instead (said at each such test)."""

import numpy as np
import pytest

import gradients
import workbench as wb
from probability import distributions as tfd

NAN, INF = np.nan, np.inf


def f64(v):
    return np.asarray(v, dtype=np.float64)


def close(actual, expected, rtol=1e-9, atol=1e-14):
    actual = np.asarray(actual.numpy() if hasattr(actual, "numpy") else actual)
    np.testing.assert_allclose(actual, f64(expected), rtol=rtol, atol=atol, equal_nan=True)


# -- NoncentralChi2 ---------------------------------------------------------------------------------

def _ncx2(**kwargs):
    return tfd.NoncentralChi2(f64([0.5, 2.0, 7.0]), f64([0.0, 1.0, 5.0]), **kwargs)


def test_noncentral_chi2_quantile_ends_and_small_probabilities():
    p = f64([0.0, 1e-6, 0.1, 0.9, 1.0])[:, None]
    close(_ncx2().quantile(p), [[0.0, 0.0, 0.0],
                                [1.3499395786259817e-24, 3.297443900907683e-06, 0.15982885489653748],
                                [0.00013500124771267938, 0.3443432589313181, 5.288804569990638],
                                [1.5007857444736707, 6.7701302609530725, 19.836232534331376],
                                [INF, INF, INF]], rtol=1e-8)
    # off [0, 1]: NaN, whatever allow_nan_stats
    close(_ncx2(allow_nan_stats=False).quantile(f64([-0.5, 1.5])[:, None]), [[NAN] * 3] * 2)
    # float32 keeps the small quantile (TFP 0.25's float32 gives 1.5246e-24 for the exact 1.34994e-24)
    d32 = tfd.NoncentralChi2(np.float32([0.5, 2.0]), np.float32([0.0, 1.0]))
    close(d32.quantile(np.float32([1e-6, 1.0])[:, None]), [[1.3499395786259817e-24, 3.297443900907683e-06],
                                                            [INF, INF]], rtol=2e-6)


def test_noncentral_chi2_quantile_validate_args():
    d = _ncx2(validate_args=True)
    for p in (-0.1, 1.5):
        with pytest.raises(wb.errors.InvalidArgumentError, match="quantile"):
            d.quantile(f64(p))
    close(d.quantile(f64([[0.0], [1.0]])), [[0.0] * 3, [INF] * 3])


def test_noncentral_chi2_below_zero():
    # TFP's density is NaN below 0 (also with allow_nan_stats=False); its tails are 0 and 1 there
    for kwargs in ({}, {"allow_nan_stats": False}):
        d = _ncx2(**kwargs)
        close(d.log_prob(f64([-1.0])), [NAN] * 3)
        close(d.prob(f64([-1.0])), [NAN] * 3)
        close(d.cdf(f64([-1.0])), [0.0] * 3)
        close(d.survival_function(f64([-1.0])), [1.0] * 3)
    close(_ncx2().log_prob(f64(0.0)), [INF, -1.1931471805599454, -INF])
    with pytest.raises(wb.errors.InvalidArgumentError, match="log_prob"):
        _ncx2(validate_args=True).log_prob(f64(-1.0))
