"""OrderedLogistic, StoppingRatioLogistic, ...: what the generic cases do not cover (class tables,
far tails, KL, sample frequencies, validate_args on values), against TFP 0.25's values pinned here."""

import numpy as np
import pytest
import scipy.stats as st

import probability as tfp
import workbench as wb
from tests.distribution_cases.multivariate_b import (ORD_CUTPOINTS, ORD_LOC, ORDERED_LOGISTIC_CLP,
                                                     STOPPING_RATIO_CLP)

tfd = tfp.distributions


def f64(v):
    return wb.constant(np.asarray(v, dtype=np.float64))


# -- ordinal families -------------------------------------------------------------------------

@pytest.mark.parametrize("cls, table", [(tfd.OrderedLogistic, ORDERED_LOGISTIC_CLP),
                                        (tfd.StoppingRatioLogistic, STOPPING_RATIO_CLP)])
def test_ordinal_class_tables_match_tfp(cls, table):
    d = cls(f64(ORD_CUTPOINTS), f64(ORD_LOC))
    np.testing.assert_allclose(d.categorical_log_probs().numpy(), table, rtol=1e-12)
    np.testing.assert_allclose(d.categorical_probs().numpy(), np.exp(table), rtol=1e-12)
    np.testing.assert_array_equal(d.mode().numpy(), np.argmax(table, -1))
    assert d.mode().dtype == np.int32 and d.sample(2, seed=1).dtype == np.int32


def test_ordinal_far_tails_keep_their_log_probabilities():
    # TFP 0.25, cutpoints [-50, 0, 60], loc [0, 100, -100]
    cut, loc = f64([-50.0, 0.0, 60.0]), f64([0.0, 100.0, -100.0])
    ol = tfd.OrderedLogistic(cut, loc).categorical_log_probs().numpy()
    np.testing.assert_allclose(ol, [[-50.0, -0.6931471805599453, -0.6931471805599453, -60.0],
                                    [-150.0, -100.0, -40.0, -4.248354255291589e-18],
                                    [-1.9287498479639178e-22, -50.0, -100.0, -160.0]], rtol=1e-12)
    srl = tfd.StoppingRatioLogistic(cut, loc).categorical_log_probs().numpy()
    np.testing.assert_allclose(srl, [[-50.0, -0.6931471805599453, -0.6931471805599453, -60.69314718055995],
                                     [-150.0, -100.0, -40.0, -4.248354255291589e-18],
                                     [-1.9287498479639178e-22, -50.0, -150.0, -310.0]], rtol=1e-12)


def test_ordinal_docstring_values_as_tfp():
    d = tfd.OrderedLogistic(cutpoints=[-1.0, 0.0, 2.0], loc=0.0)
    np.testing.assert_allclose(d.prob([0, 3]).numpy(), [0.2689414, 0.11920291], rtol=1e-6)
    np.testing.assert_allclose(d.log_prob(1).numpy(), -1.4650838, rtol=1e-6)
    np.testing.assert_allclose(d.entropy().numpy(), 1.312902, rtol=1e-6)
    d = tfd.StoppingRatioLogistic(cutpoints=[-2.0, 0.0, 2.0], loc=0.0)
    np.testing.assert_allclose(d.prob([0, 3]).numpy(), [0.11920291, 0.05249681], rtol=1e-6)
    np.testing.assert_allclose(d.log_prob(1).numpy(), -0.82007515, rtol=1e-6)


@pytest.mark.parametrize("cls", [tfd.OrderedLogistic, tfd.StoppingRatioLogistic])
def test_ordinal_values_outside_the_support(cls):
    d = cls(f64([-1.0, 0.5, 2.0]), f64([0.3, -0.7]))
    lp = d.log_prob(f64([[-1.0], [4.0], [1.5]])).numpy()
    assert np.all(lp[:2] == -np.inf)
    np.testing.assert_allclose(lp[2], d.log_prob(1).numpy())   # truncated toward zero, as TFP
    np.testing.assert_array_equal(d.cdf(f64([[-1.0], [3.0], [4.0]])).numpy(), [[0, 0], [1, 1], [1, 1]])
    np.testing.assert_array_equal(d.survival_function(f64([[-1.0], [3.0]])).numpy(), [[1, 1], [0, 0]])
    checked = cls(f64([-1.0, 0.5, 2.0]), f64(0.0), validate_args=True)
    for bad in (-1.0, 4.0, 1.5):
        with pytest.raises(ValueError, match=r"integers in \[0, 3\]"):
            checked.log_prob(bad)
    with pytest.raises(NotImplementedError, match=cls.__name__):
        d.mean()


@pytest.mark.parametrize("cls", [tfd.OrderedLogistic, tfd.StoppingRatioLogistic])
def test_ordinal_log_tails(cls):
    d = cls(f64([[-1.0, 0.5, 2.0], [-30.0, 0.0, 25.0]]), f64([[0.3], [-0.7]]))
    x = f64([[[0.0]], [[1.0]], [[2.0]]])
    np.testing.assert_allclose(np.exp(d.log_cdf(x).numpy()), d.cdf(x).numpy(), rtol=1e-12)
    np.testing.assert_allclose(np.exp(d.log_survival_function(x).numpy()), d.survival_function(x).numpy(),
                               rtol=1e-12)
    np.testing.assert_allclose(d.cdf(x).numpy() + d.survival_function(x).numpy(), 1.0, rtol=1e-12)
    probs = d.categorical_probs().numpy()
    np.testing.assert_allclose(d.cdf(x).numpy(), np.moveaxis(np.cumsum(probs, -1)[..., :3], -1, 0), rtol=1e-12)


def test_ordinal_kl_as_tfp():
    a_args = (f64([-1.0, 0.5, 2.0]), f64([0.3, -0.7]))
    b_args = (f64([-0.5, 0.0, 1.0]), f64([1.0]))
    kl = tfp.kl_divergence(tfd.OrderedLogistic(*a_args), tfd.OrderedLogistic(*b_args)).numpy()
    np.testing.assert_allclose(kl, [0.3809537713828425, 0.6491686925144338], rtol=1e-10)
    kl = tfp.kl_divergence(tfd.StoppingRatioLogistic(*a_args), tfd.StoppingRatioLogistic(*b_args)).numpy()
    np.testing.assert_allclose(kl, [0.2336555092961813, 0.5292574092333479], rtol=1e-10)
    with pytest.raises(NotImplementedError, match="StoppingRatioLogistic"):
        tfd.StoppingRatioLogistic(*a_args).entropy()


@pytest.mark.parametrize("cls", [tfd.OrderedLogistic, tfd.StoppingRatioLogistic])
def test_ordinal_sample_frequencies(cls):
    d = cls(f64([-1.0, 0.5, 2.0]), f64([0.3, -0.7]))
    n = 20000
    x = d.sample(n, seed=3).numpy()
    probs = d.categorical_probs().numpy()
    for j in range(2):
        counts = np.bincount(x[:, j], minlength=4)
        assert st.chisquare(counts, n * probs[j]).pvalue > 1e-4


def test_ordinal_parameters_and_validation():
    props = tfd.OrderedLogistic.parameter_properties(num_classes=4)
    assert isinstance(props["cutpoints"].default_constraining_bijector_fn(), tfp.bijectors.Ascending)
    assert props["cutpoints"].shape_fn((2,)) == (2, 3) and props["cutpoints"].event_ndims == 1
    d = tfd.StoppingRatioLogistic(f64([[0.0, 1.0], [-1.0, 2.0]]), f64([0.0, 1.0, 2.0])[:, None])
    assert d.batch_shape == (3, 2) and d.event_shape == ()
    assert d[1:].batch_shape == (2, 2)
    with pytest.raises(ValueError, match="`cutpoints` must be non-decreasing"):
        tfd.OrderedLogistic([0.0, 1.0, 0.5], 0.0, validate_args=True)
    with pytest.raises(ValueError, match="`cutpoints`"):
        tfd.OrderedLogistic(1.0, 0.0)
    with pytest.raises(ValueError, match="do not broadcast"):
        tfd.OrderedLogistic([[0.0, 1.0]] * 3, [0.0, 1.0])
    assert tfd.OrderedLogistic([0.0], 0.0, dtype=np.float64).sample(1, seed=1).dtype == np.float64
