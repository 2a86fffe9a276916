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


# -- Blockwise ---------------------------------------------------------------------------------------

def test_blockwise_dtype_override_of_mixed_float_parts_matches_tfp():
    parts = [tfd.Normal(np.float64(0.), np.float64(1.)), tfd.Normal(np.float32(1.), np.float32(2.))]
    d = tfd.Blockwise(parts, dtype_override=np.float32)
    x = wb.constant([[0.5, 2.0], [-1., 0.3]], dtype=wb.float32)
    lp = d.log_prob(x)
    # TFP 0.25: each part's log_prob cast to the override dtype, then summed
    assert lp.dtype == wb.float32
    np.testing.assert_allclose(lp.numpy(), [-2.781024217605591, -3.0922741889953613], rtol=1e-6)
    draws = d.sample(3, seed=1)
    assert draws.dtype == wb.float32 and draws.shape == (3, 2) and d.log_prob(draws).shape == (3,)
    assert d.entropy().dtype == wb.float32
    np.testing.assert_allclose(d.entropy().numpy(), 0.5 * np.log(2 * np.pi * np.e) * 2 + np.log(2.), rtol=1e-6)
    up = tfd.Blockwise(parts, dtype_override=np.float64)
    lp64 = up.log_prob(f64([[0.5, 2.0]]))
    assert lp64.dtype == wb.float64
    np.testing.assert_allclose(lp64.numpy(), [-2.781024233239768], rtol=1e-7)   # the float32 part's precision


def test_blockwise_dtype_override_vector_and_count_parts_match_tfp():
    d = tfd.Blockwise([tfd.Independent(tfd.Normal(np.zeros(2), np.float64(1.)), 1), tfd.Poisson(np.float32(3.))],
                      dtype_override=np.float32)
    lp = d.log_prob(wb.constant([[0.5, 0.1, 2.0]], dtype=wb.float32))
    assert lp.dtype == wb.float32
    np.testing.assert_allclose(lp.numpy(), [-3.463799476623535], rtol=1e-6)
    assert d.mean().dtype == wb.float32
    np.testing.assert_allclose(d.mean().numpy(), [0., 0., 3.])
