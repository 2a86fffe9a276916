"""PERT at and beyond its support's ends, Blockwise with mixed dtypes, and HiddenMarkovModel's
posteriors, each pinned to TFP 0.25."""

import numpy as np
import pytest

import workbench as wb
from probability import distributions as tfd

f64 = lambda v: wb.constant(np.asarray(v, dtype=np.float64))  # noqa: E731


# -- PERT -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("temperature,inside", [(4., -0.42100769), (1., -0.8264728), (0.5, -0.94396883)])
def test_pert_support_ends_and_outside_match_tfp(dtype, temperature, inside):
    d = tfd.PERT(dtype(1.), dtype(2.), dtype(4.), temperature=dtype(temperature))
    x = np.array([1., 4., 0.5, 4.5, 2.], dtype)
    # TFP 0.25: -inf (prob 0) at low and high, nan outside [low, high] (its docstring: "prob(0.)
    # returns nan when the input is outside the support"), cdf 0 and 1
    lp, p = d.log_prob(x).numpy(), d.prob(x).numpy()
    assert lp.dtype == dtype and np.all(np.isneginf(lp[:2])) and np.all(np.isnan(lp[2:4]))
    np.testing.assert_array_equal(p[:2], [0., 0.])
    assert np.all(np.isnan(p[2:4]))
    np.testing.assert_allclose(lp[4], inside, rtol=1e-5 if dtype == np.float32 else 1e-7)
    np.testing.assert_array_equal(d.cdf(x).numpy()[:4], [0., 1., 0., 1.])


def test_pert_tails_outside_the_support_match_tfp():
    d = tfd.PERT(f64(1.), f64(2.), f64(4.))
    x = f64([1., 4., 0.5, 4.5])
    np.testing.assert_array_equal(d.log_cdf(x).numpy(), [-np.inf, 0., -np.inf, 0.])
    np.testing.assert_array_equal(d.survival_function(x).numpy(), [1., 0., 1., 0.])
    np.testing.assert_array_equal(d.log_survival_function(x).numpy(), [0., -np.inf, 0., -np.inf])


def test_pert_validate_args_rejects_values_outside_the_support():
    d = tfd.PERT(f64(1.), f64(2.), f64(4.), validate_args=True)
    assert np.isneginf(d.log_prob(f64(1.)).numpy())          # the ends are in the support
    with pytest.raises(ValueError, match="greater than or equal to `low`"):
        d.log_prob(f64([1., 0.5]))
    with pytest.raises(ValueError, match="less than or equal to `high`"):
        d.prob(f64(4.5))
