"""PERT at and beyond its support's ends, Blockwise with mixed dtypes, and HiddenMarkovModel's
posteriors, each pinned to TFP 0.25."""

import os

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


# -- HiddenMarkovModel -------------------------------------------------------------------------------

_HMM = os.path.join(os.path.dirname(__file__), "fixtures", "hmm_tfp025_posteriors.npz")


def _hmm_cases(w):
    """The models the fixture was made with (TFP 0.25, float64): name -> (model, mask or None)."""
    k, t = 3, 5
    init, trans, trans_tv, loc_tv = w["in_init"], w["in_trans"], w["in_trans_tv"], w["in_loc_tv"]
    loc, scale = f64([-1., 0.5, 2.]), f64([0.5, 1., 0.8])
    mask = w["in_mask"]
    cat = lambda **kw: tfd.Categorical(**{n: f64(v) for n, v in kw.items()})  # noqa: E731
    hmm = tfd.HiddenMarkovModel
    return {
        "tv_mask": (hmm(cat(logits=init), cat(logits=trans_tv), tfd.Normal(f64(loc_tv), scale), num_steps=t,
                        time_varying_transition_distribution=True, time_varying_observation_distribution=True), mask),
        "tv_trans_ctor_mask": (hmm(cat(logits=init), cat(logits=trans_tv), tfd.Normal(loc, scale), num_steps=t,
                                   time_varying_transition_distribution=True, mask=mask), None),
        "mvn_obs_mask": (hmm(cat(logits=init), cat(logits=trans), tfd.MultivariateNormalDiag(
            f64(w["in_mvn_loc"]), f64(np.ones((k, 2)) * 0.7)), num_steps=t), mask),
        "sparse": (hmm(cat(probs=[1 / 3] * 3), cat(probs=[[0.5, 0.5, 0.], [0., 0.6, 0.4], [0.3, 0., 0.7]]),
                       tfd.Normal(loc, scale), num_steps=t), None),
        "impossible": (hmm(cat(probs=[0.5, 0.5]), cat(probs=[[0.9, 0.1], [0.1, 0.9]]),
                           tfd.Uniform(f64([0., 1.]), f64([1., 2.])), num_steps=3), None),
        "all_masked": (hmm(cat(logits=init), cat(logits=trans), tfd.Normal(loc, scale), num_steps=t), np.ones(t, bool)),
        "one_step": (hmm(cat(logits=init), cat(logits=trans), tfd.Normal(loc, scale), num_steps=1), None),
        "cat_obs": (hmm(cat(logits=init), cat(logits=trans_tv), cat(logits=w["in_cat_logits"]), num_steps=t,
                        time_varying_transition_distribution=True, time_varying_observation_distribution=True), None),
        "pois_tv_obs": (hmm(cat(logits=init[0]), cat(logits=trans), tfd.Poisson(rate=f64(loc_tv ** 2 + 0.5)),
                            num_steps=t, time_varying_observation_distribution=True), None),
        "tie": (hmm(cat(probs=[0.5, 0.5]), cat(probs=[[0.5, 0.5], [0.5, 0.5]]),
                    tfd.Normal(f64([0., 0.]), f64([1., 1.])), num_steps=t), None),
    }


@pytest.mark.parametrize("name", ["tv_mask", "tv_trans_ctor_mask", "mvn_obs_mask", "sparse", "impossible",
                                  "all_masked", "one_step", "cat_obs", "pois_tv_obs", "tie"])
def test_hmm_posteriors_match_tfp(name):
    w = np.load(_HMM)
    model, mask = _hmm_cases(w)[name]
    x = w[name + "__x"]
    x = wb.constant(x.astype(np.int32)) if x.dtype.kind == "i" else f64(x)
    kw = {} if mask is None else {"mask": mask}
    np.testing.assert_allclose(model.log_prob(x, **kw).numpy(), w[name + "__log_prob"], rtol=1e-11, atol=1e-13)
    np.testing.assert_allclose(model.posterior_marginals(x, **kw).probs_parameter().numpy(), w[name + "__marg"],
                               rtol=1e-9, atol=1e-13)
    mode = model.posterior_mode(x, **kw)
    assert mode.dtype == w[name + "__mode"].dtype
    np.testing.assert_array_equal(mode.numpy(), w[name + "__mode"])
