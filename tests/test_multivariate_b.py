"""OrderedLogistic, StoppingRatioLogistic, PlackettLuce, FlatDirichlet, VectorDeterministic,
PowerSpherical, ...: what the generic cases do not cover (class tables, far tails, KL, sample
frequencies and moments, validate_args on values), against TFP 0.25's values pinned here."""

import numpy as np
import pytest
import scipy.stats as st

import probability as tfp
import workbench as wb
from tests.distribution_cases.multivariate_b import (ORD_CUTPOINTS, ORD_LOC, ORDERED_LOGISTIC_CLP, PL_SCORES,
                                                     PS_CONCENTRATION, PS_MU, STOPPING_RATIO_CLP)

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
    if cls is tfd.StoppingRatioLogistic:
        # TFP evaluates it as a Categorical: a class index outside [0, K] is an error, not -inf
        for bad in (-1.0, 4.0):
            with pytest.raises(wb.errors.InvalidArgumentError):
                d.log_prob(f64(bad))
        lp = np.concatenate([[[-np.inf, -np.inf]] * 2, d.log_prob(f64([[1.5]])).numpy()])
    else:
        lp = d.log_prob(f64([[-1.0], [4.0], [1.5]])).numpy()
    assert np.all(lp[:2] == -np.inf)
    np.testing.assert_allclose(lp[2], d.log_prob(1).numpy())   # truncated toward zero, as TFP
    np.testing.assert_array_equal(d.cdf(f64([[-1.0], [3.0], [4.0]])).numpy(), [[0, 0], [1, 1], [1, 1]])
    np.testing.assert_array_equal(d.survival_function(f64([[-1.0], [3.0]])).numpy(), [[1, 1], [0, 0]])
    checked = cls(f64([-1.0, 0.5, 2.0]), f64(0.0), validate_args=True)
    for bad in (-1.0, 1.5):   # TFP checks for non-negative integers (a class above K is -inf, as TFP)
        with pytest.raises(ValueError, match="non-negative integers"):
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


# -- PlackettLuce ------------------------------------------------------------------------------

def test_plackett_luce_mode_and_support():
    d = tfd.PlackettLuce(f64(PL_SCORES))
    np.testing.assert_array_equal(d.mode().numpy(), [[2, 1, 3, 0], [0, 2, 3, 1]])   # TFP 0.25
    assert d.mode().dtype == np.int32 and d.sample(1, seed=1).dtype == np.int32
    assert d.batch_shape == (2,) and d.event_shape == (4,)
    # a permutation broadcast against the batch, and TFP's 0/0 and 0 * log(0) with a zero score
    np.testing.assert_allclose(d.log_prob([2, 1, 0, 3]).numpy()[0], -3.3075553749005495, rtol=1e-12)
    lp = tfd.PlackettLuce(f64([0.0, 2.0, 1.0])).log_prob([[1, 2, 0], [0, 1, 2]]).numpy()
    assert np.isnan(lp[0]) and lp[1] == -np.inf
    with pytest.raises(ValueError, match="permutation"):
        tfd.PlackettLuce(f64(PL_SCORES), validate_args=True).log_prob([0, 1, 1, 2])
    with pytest.raises(ValueError, match="`scores`"):
        tfd.PlackettLuce(1.0)
    with pytest.raises(NotImplementedError, match="PlackettLuce"):
        d.entropy()
    assert d.experimental_default_event_space_bijector() is None


def test_plackett_luce_sample_frequencies():
    scores = np.array([0.5, 2.0, 1.0])
    d = tfd.PlackettLuce(f64(scores))
    n = 20000
    x = d.sample(n, seed=4).numpy()
    assert np.all(np.sort(x, -1) == np.arange(3))
    # every one of the 6 permutations against its probability
    perms = np.array([[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]])
    want = np.exp(d.log_prob(perms).numpy())
    np.testing.assert_allclose(want.sum(), 1.0, rtol=1e-12)
    counts = [(x == p).all(-1).sum() for p in perms]
    assert st.chisquare(counts, n * want).pvalue > 1e-4


# -- FlatDirichlet -----------------------------------------------------------------------------

def test_flat_dirichlet_is_the_flat_dirichlet():
    d = tfd.FlatDirichlet([2, 3], dtype=np.float64)
    assert d.batch_shape == (2,) and d.event_shape == (3,) and d.dtype == np.float64
    assert d.concentration_shape == (2, 3)
    np.testing.assert_array_equal(d.concentration.numpy(), np.ones((2, 3)))
    assert d.parameters["concentration_shape"] == [2, 3]
    kl = tfp.kl_divergence(d, tfd.Dirichlet(f64([1.0, 2.0, 3.0]))).numpy()
    np.testing.assert_allclose(kl, 1.0988026, rtol=1e-6)   # TFP 0.25
    x = f64([[0.2, 0.3, 0.5], [0.5, 0.6, -0.1], [0.2, 0.2, 0.2]])
    np.testing.assert_allclose(d.log_prob(x[:, None]).numpy(), np.full((3, 2), np.log(2.0)))
    forced = tfd.FlatDirichlet([2, 3], dtype=np.float64, force_probs_to_zero_outside_support=True)
    np.testing.assert_allclose(forced.log_prob(x[:, None]).numpy(), [[np.log(2.0)] * 2, [-np.inf] * 2,
                                                                     [-np.inf] * 2], rtol=1e-15)
    assert d[1:].batch_shape == (1,) and d[0].batch_shape == () and d[0].event_shape == (3,)
    assert np.all(np.isnan(d.mode().numpy()))
    with pytest.raises(ValueError, match="`concentration_shape`"):
        tfd.FlatDirichlet([])


def test_flat_dirichlet_samples_are_uniform_on_the_simplex():
    x = tfd.FlatDirichlet([4], dtype=np.float64).sample(5000, seed=6).numpy()
    np.testing.assert_allclose(x.sum(-1), 1.0, rtol=1e-12)
    assert np.all(x >= 0)
    for j in range(4):   # each coordinate of a flat Dirichlet on 4 classes is Beta(1, 3)
        assert st.kstest(x[:, j], st.beta(1, 3).cdf).pvalue > 1e-4


# -- VectorDeterministic -----------------------------------------------------------------------

def test_vector_deterministic_tolerances_and_kl():
    d = tfd.VectorDeterministic(f64([[0.0, 1.0], [2.0, 3.0]]), atol=f64([0.1, 0.0]))
    np.testing.assert_array_equal(d.log_prob(f64([[0.05, 1.0], [2.0, 3.01]])).numpy(), [0.0, -np.inf])
    np.testing.assert_array_equal(d.prob(f64([[0.05, 1.0], [2.0, 3.01]])).numpy(), [1.0, 0.0])
    d = tfd.VectorDeterministic(f64([1.0, -2.0]), rtol=0.1)
    np.testing.assert_array_equal(d.log_prob(f64([[1.09, -2.19], [1.11, -2.0]])).numpy(), [0.0, -np.inf])
    kl = tfp.kl_divergence(tfd.VectorDeterministic([0.0, 1.0]), tfd.MultivariateNormalDiag([0.0, 0.0], [1.0, 2.0]))
    np.testing.assert_allclose(kl.numpy(), 2.6560242, rtol=1e-6)   # TFP 0.25
    assert tfp.kl_divergence(tfd.VectorDeterministic([0.0, 1.0]), tfd.VectorDeterministic([0.0, 1.1])).numpy() \
        == np.inf
    for method in ("cdf", "covariance"):
        with pytest.raises(NotImplementedError, match="VectorDeterministic"):
            getattr(d, method)(f64([1.0, -2.0])) if method == "cdf" else d.covariance()
    with pytest.raises(ValueError, match="`loc` must be at least rank 1"):
        tfd.VectorDeterministic(0.0)


# -- PowerSpherical ----------------------------------------------------------------------------

def test_power_spherical_kl_as_tfp():
    d = tfd.PowerSpherical(f64(PS_MU), f64(PS_CONCENTRATION))
    kl = tfp.kl_divergence(d, tfd.SphericalUniform(3, dtype=np.float64)).numpy()
    np.testing.assert_allclose(kl, [[0.31629073187415591] * 2, [0.0] * 2, [1.2044415416798375] * 2],
                               rtol=1e-12, atol=1e-14)
    kl = tfp.kl_divergence(d, tfd.VonMisesFisher(f64([0.0, 0.0, 1.0]), f64(2.0))).numpy()
    np.testing.assert_allclose(kl, [[0.9115109239283785, 0.22579663821409268], [0.595220192054223] * 2,
                                    [1.7996617337340601, 0.5552172892896157]], rtol=1e-10)
    with pytest.raises(ValueError, match="event shapes"):
        tfp.kl_divergence(d, tfd.SphericalUniform(4, dtype=np.float64))


def test_power_spherical_other_dimensions_as_tfp():
    d = tfd.PowerSpherical(f64([0.0, 1.0]), f64(2.0))
    np.testing.assert_allclose(d.log_prob(f64([0.6, 0.8])).numpy(), -1.0677688447132714, rtol=1e-12)
    np.testing.assert_allclose(d.entropy().numpy(), 1.2963032023040668, rtol=1e-12)
    np.testing.assert_allclose(d.covariance().numpy(), [[0.4166666666666667, 0.0], [0.0, 0.1388888888888889]],
                               rtol=1e-12)
    assert d.log_prob(f64([0.0, -1.0])).numpy() == -np.inf
    # concentration 0 is uniform on the circle, also at -mean_direction
    np.testing.assert_allclose(tfd.PowerSpherical(f64([0.0, 1.0]), f64(0.0)).log_prob(f64([0.0, -1.0])).numpy(),
                               -np.log(2 * np.pi), rtol=1e-12)
    d = tfd.PowerSpherical(f64([0.0, 0.0, 0.0, 0.0, 1.0]), f64(3.0))
    np.testing.assert_allclose(d.log_prob(f64([0.0, 0.6, 0.0, 0.0, 0.8])).numpy(), -1.976932659249905, rtol=1e-12)
    np.testing.assert_allclose(d.entropy().numpy(), 2.760851112276426, rtol=1e-12)
    for method in ("variance", "mode"):
        with pytest.raises(NotImplementedError, match="PowerSpherical"):
            getattr(d, method)()


def test_power_spherical_sample_moments():
    d = tfd.PowerSpherical(f64(PS_MU), f64(PS_CONCENTRATION))
    n = 20000
    x = d.sample(n, seed=8).numpy()
    np.testing.assert_allclose(np.linalg.norm(x, axis=-1), 1.0, rtol=1e-12)
    mean, cov = d.mean().numpy(), d.covariance().numpy()
    se = np.sqrt(np.diagonal(cov, axis1=-2, axis2=-1) / n)
    assert np.all(np.abs(x.mean(0) - mean) <= 5 * se + 1e-12)
    xc = x - mean
    emp = np.einsum("nbci,nbcj->bcij", xc, xc) / n
    np.testing.assert_allclose(emp, cov, atol=0.012)
    # t = mu^T x is 2 Beta(a, b) - 1: a KS test per member
    t = np.sum(x * PS_MU, axis=-1)
    for i, k in enumerate(PS_CONCENTRATION[:, 0]):
        for j in range(2):
            assert st.kstest((t[:, i, j] + 1) / 2, st.beta(1.0 + k, 1.0).cdf).pvalue > 1e-4


def test_power_spherical_validation():
    with pytest.raises(ValueError, match="`mean_direction` must be unit-length"):
        tfd.PowerSpherical(f64([1.0, 1.0]), f64(1.0), validate_args=True)
    with pytest.raises(ValueError, match="`concentration` must be non-negative"):
        tfd.PowerSpherical(f64([1.0, 0.0]), f64(-1.0), validate_args=True)
    with pytest.raises(ValueError, match="d >= 2"):
        tfd.PowerSpherical(f64([1.0]), f64(1.0))
    with pytest.raises(ValueError, match="unit-length"):
        tfd.PowerSpherical(f64([1.0, 0.0]), f64(1.0), validate_args=True).log_prob(f64([1.0, 1.0]))


# -- MultivariateNormalDiagPlusLowRankCovariance -------------------------------------------------

def test_diag_plus_low_rank_covariance_equals_the_dense_normal():
    rng = np.random.default_rng(0)
    k, r = 60, 2
    diag, u, loc = rng.uniform(0.5, 2.0, k), rng.normal(size=(k, r)), rng.normal(size=k)
    d = tfd.MultivariateNormalDiagPlusLowRankCovariance(f64(loc), f64(diag), f64(u))
    dense = tfd.MultivariateNormalFullCovariance(f64(loc), f64(np.diag(diag) + u @ u.T))
    x = f64(rng.normal(size=(3, k)))
    np.testing.assert_allclose(d.log_prob(x).numpy(), dense.log_prob(x).numpy(), rtol=1e-10)
    np.testing.assert_allclose(d.entropy().numpy(), dense.entropy().numpy(), rtol=1e-12)
    other = tfd.MultivariateNormalDiag(f64(np.zeros(k)), f64(np.full(k, 1.5)))
    np.testing.assert_allclose(tfp.kl_divergence(d, other).numpy(), tfp.kl_divergence(dense, other).numpy(),
                               rtol=1e-10)
    assert isinstance(d.cov_operator, wb.linalg.LinearOperatorLowRankUpdate)
    np.testing.assert_allclose(d.cov_operator.to_dense().numpy(), d.covariance().numpy(), rtol=1e-12)


def test_diag_plus_low_rank_covariance_samples_and_arguments():
    d = tfd.MultivariateNormalDiagPlusLowRankCovariance(f64([1.0, 2.0, 0.0]), f64([1.0, 2.0, 0.5]),
                                                       f64([[1.0, 0.0], [0.5, 1.0], [0.0, -1.0]]))
    # TFP 0.25's values at [0.5, 1, 1]
    np.testing.assert_allclose(d.log_prob(f64([0.5, 1.0, 1.0])).numpy(), -4.16052457, rtol=1e-8)
    np.testing.assert_allclose(d.entropy().numpy(), 5.25586355, rtol=1e-8)
    x = d.sample(40000, seed=9).numpy()
    np.testing.assert_allclose(np.cov(x.T), d.covariance().numpy(), atol=0.06)
    with pytest.raises(ValueError, match="`cov_diag_factor`"):
        tfd.MultivariateNormalDiagPlusLowRankCovariance([0.0], cov_perturb_factor=[[1.0]])
    with pytest.raises(ValueError, match="`cov_perturb_factor`"):
        tfd.MultivariateNormalDiagPlusLowRankCovariance([0.0], [1.0])
    with pytest.raises(ValueError, match="event sizes differ"):
        tfd.MultivariateNormalDiagPlusLowRankCovariance([0.0, 1.0], [1.0, 1.0, 1.0], [[1.0], [1.0], [1.0]])


# -- MatrixNormalLinearOperator / MatrixTLinearOperator ------------------------------------------

LA = wb.linalg
ROW = np.array([[1.0, 0.0], [0.5, 2.0]])
COL = np.array([[1.0, 0.0, 0.0], [0.3, 0.7, 0.0], [-0.2, 0.1, 1.5]])
LOC23 = np.array([[1.0, 2.0, 0.0], [0.0, -1.0, 3.0]])
X23 = np.array([[0.5, 1.0, 1.0], [0.2, 0.0, 2.0]])


def _matrix_scales(row=ROW, col=COL):
    return LA.LinearOperatorLowerTriangular(f64(row)), LA.LinearOperatorLowerTriangular(f64(col))


def test_matrix_normal_as_tfp_and_as_the_normal_of_vec():
    d = tfd.MatrixNormalLinearOperator(f64(LOC23), *_matrix_scales())
    np.testing.assert_allclose(d.log_prob(f64(X23)).numpy(), -9.428483539768276, rtol=1e-12)   # TFP 0.25
    np.testing.assert_allclose(d.entropy().numpy(), 10.690653069246736, rtol=1e-12)
    np.testing.assert_allclose(d.stddev().numpy(), [[1.0, 0.76157731, 1.51657509], [2.06155281, 1.57003185,
                                                                                    3.12649964]], rtol=1e-8)
    with pytest.raises(NotImplementedError, match="MatrixNormalLinearOperator"):
        d.covariance()
    # KL between matrix normals is the KL between the normals of vec(X) = X^T.flatten()
    row2, col2 = np.array([[0.7, 0.0], [-0.4, 1.2]]), np.diag([0.5, 1.0, 2.0])
    loc2 = np.array([[0.0, 1.0, 1.0], [2.0, 0.0, 0.5]])
    e = tfd.MatrixNormalLinearOperator(f64(loc2), *_matrix_scales(row2, col2))

    def vec_normal(loc, row, col):
        return tfd.MultivariateNormalFullCovariance(f64(loc.T.ravel()), f64(np.kron(col @ col.T, row @ row.T)))
    want = tfp.kl_divergence(vec_normal(LOC23, ROW, COL), vec_normal(loc2, row2, col2)).numpy()
    np.testing.assert_allclose(tfp.kl_divergence(d, e).numpy(), want, rtol=1e-10)
    np.testing.assert_allclose(tfp.kl_divergence(d, d).numpy(), 0.0, atol=1e-12)
    x = d.sample(40000, seed=12).numpy()
    vec = np.swapaxes(x, -1, -2).reshape(len(x), -1)
    cov = np.kron(COL @ COL.T, ROW @ ROW.T)
    se = np.sqrt((np.outer(np.diag(cov), np.diag(cov)) + cov ** 2) / len(x))   # of a normal sample covariance
    assert np.all(np.abs(np.cov(vec.T) - cov) <= 5 * se)


def test_matrix_t_as_tfp():
    d = tfd.MatrixTLinearOperator(f64([0.8, 1.5, 5.0]), f64(LOC23), *_matrix_scales())
    # TFP 0.25
    np.testing.assert_allclose(d.log_prob(f64(X23)).numpy(), [-10.34481027, -10.04067137, -9.66907815], rtol=1e-8)
    np.testing.assert_allclose(d.entropy().numpy(), [16.99136873, 14.05056573, 11.76004496], rtol=1e-8)
    np.testing.assert_allclose(d.mean().numpy(), np.broadcast_to(LOC23, (3, 2, 3)))   # loc even for df <= 1
    var = d.variance().numpy()
    assert np.all(np.isnan(var[0])) and np.all(np.isinf(var[1]))
    np.testing.assert_allclose(var[2], [[1.66666667, 0.96666667, 3.83333333], [7.08333333, 4.10833333, 16.29166667]],
                               rtol=1e-8)
    with pytest.raises(ValueError, match="variance"):
        tfd.MatrixTLinearOperator(f64(0.8), f64(LOC23), *_matrix_scales(), allow_nan_stats=False).variance()
    with pytest.raises(NotImplementedError, match="MatrixTLinearOperator"):
        d.covariance()
    assert d[1:].batch_shape == (2,) and d[1:].df.numpy().tolist() == [1.5, 5.0]


def test_matrix_families_check_their_arguments():
    row, col = _matrix_scales()
    with pytest.raises(ValueError, match=r"`loc` must be \[..., n, p\] with n = 2"):
        tfd.MatrixNormalLinearOperator(f64(np.zeros((3, 3))), row, col)
    with pytest.raises(TypeError, match="`scale_row` must be a wb.linalg.LinearOperator"):
        tfd.MatrixNormalLinearOperator(f64(LOC23), f64(ROW), col)
    with pytest.raises(ValueError, match="`df` must be positive"):
        tfd.MatrixTLinearOperator(f64(0.0), f64(LOC23), row, col, validate_args=True)
    with pytest.raises(ValueError, match="do not broadcast"):
        tfd.MatrixTLinearOperator(f64([1.0, 2.0, 3.0]), f64(np.zeros((2, 2, 3))), row, col)


# -- WishartLinearOperator ---------------------------------------------------------------------

def test_wishart_linear_operator_as_tfp():
    from tests.distribution_cases.multivariate_b import WISHART_F, WISHART_X
    scale = LA.LinearOperatorFullMatrix(f64(WISHART_F))
    x = WISHART_X[0]
    for io in (False, True):
        d = tfd.WishartLinearOperator(f64([3.5, 6.0]), scale, input_output_cholesky=io)
        value = np.linalg.cholesky(x) if io else x
        # TFP 0.25
        np.testing.assert_allclose(d.log_prob(f64(value)).numpy(), [-10.30954309, -12.76182092], rtol=1e-8)
        np.testing.assert_allclose(d.entropy().numpy(), [13.42219769, 16.34715492], rtol=1e-8)
        mode = d.mode().numpy()
        assert np.all(np.isnan(mode[0]))   # df < k + 1
        if io:   # sqrt(df) scale and sqrt(df - k - 1) scale, as TFP (not the Cholesky factor of a full scale)
            np.testing.assert_allclose(d.mean().numpy()[1], np.sqrt(6.0) * WISHART_F, rtol=1e-12)
            np.testing.assert_allclose(mode[1], np.sqrt(2.0) * WISHART_F, rtol=1e-12)
        else:
            np.testing.assert_allclose(mode[1], 2.0 * WISHART_F @ WISHART_F.T, rtol=1e-12)
    d = tfd.WishartLinearOperator(f64(4.0), scale)
    np.testing.assert_allclose(d.mean_log_det().numpy(), 3.232536321301965, rtol=1e-12)
    np.testing.assert_allclose(d.log_normalization().numpy(), 8.297267945391761, rtol=1e-12)
    np.testing.assert_allclose(d.scale_matrix().numpy(), WISHART_F @ WISHART_F.T, rtol=1e-12)
    with pytest.raises(ValueError, match=r"`df` \(degrees of freedom\) cannot be less than the dimension"):
        tfd.WishartLinearOperator(f64(2.5), scale)
    with pytest.raises(NotImplementedError):
        tfp.kl_divergence(d, d)


def test_wishart_linear_operator_cholesky_samples():
    tril = np.array([[1.0, 0.0], [0.5, 2.0]])
    d = tfd.WishartLinearOperator(f64(5.0), LA.LinearOperatorLowerTriangular(f64(tril)), input_output_cholesky=True)
    chol = d.sample(20000, seed=13).numpy()
    np.testing.assert_array_equal(np.triu(chol, 1), 0.0)
    assert np.all(np.diagonal(chol, axis1=-2, axis2=-1) > 0)
    x = chol @ np.swapaxes(chol, -1, -2)
    full = tfd.WishartLinearOperator(f64(5.0), LA.LinearOperatorLowerTriangular(f64(tril)))
    mean, var = full.mean().numpy(), full.variance().numpy()
    assert np.all(np.abs(x.mean(0) - mean) <= 5 * np.sqrt(var / len(x)))
    np.testing.assert_allclose(d.log_prob(f64(chol[:3])).numpy(), full.log_prob(f64(x[:3])).numpy(), rtol=1e-10)


# -- DeterminantalPointProcess -----------------------------------------------------------------

def _subsets(n):
    return np.array([[(i >> j) & 1 for j in range(n)] for i in range(2 ** n)])


def test_dpp_is_normalized_and_matches_tfp_marginals():
    from tests.distribution_cases.multivariate_b import DPP_L, DPP_POINTS, _dpp_params
    params = _dpp_params()
    d = tfd.DeterminantalPointProcess(f64(params["eigenvalues"]), f64(params["eigenvectors"]))
    probs = np.exp(d.log_prob(_subsets(4)[:, None]).numpy())
    np.testing.assert_allclose(probs.sum(0), 1.0, rtol=1e-12)
    # TFP 0.25's marginal_log_prob
    np.testing.assert_allclose(d.marginal_log_prob(DPP_POINTS).numpy(),
                               [[-1.15921491, -0.70412355], [0.0, 0.0], [-2.31866926, -1.3688166],
                                [-0.43434944, -0.25225527]], rtol=1e-8, atol=1e-12)
    # marginal_log_prob(S) sums the probabilities of the supersets of S
    subsets = _subsets(4)
    for s in DPP_POINTS[:, 0]:
        supersets = np.all(subsets >= s, axis=-1)
        np.testing.assert_allclose(np.exp(d.marginal_log_prob(s).numpy()), probs[supersets].sum(0), rtol=1e-10)
    ell = DPP_L
    np.testing.assert_allclose(d.l_ensemble_matrix().numpy()[0], ell, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(d.marginal_kernel().numpy()[0], ell @ np.linalg.inv(np.eye(4) + ell), rtol=1e-10,
                               atol=1e-12)
    assert d.sample(1, seed=1).dtype == np.int32 and d.experimental_default_event_space_bijector() is None
    for method in ("mean", "entropy"):
        with pytest.raises(NotImplementedError, match="DeterminantalPointProcess"):
            getattr(d, method)()


def test_dpp_sample_frequencies():
    from tests.distribution_cases.multivariate_b import DPP_L
    lam, u = np.linalg.eigh(DPP_L[:3, :3])
    d = tfd.DeterminantalPointProcess(f64(lam), f64(u))
    n = 6000
    x = d.sample(n, seed=14).numpy()
    assert set(np.unique(x)) <= {0, 1}
    subsets = _subsets(3)
    want = np.exp(d.log_prob(subsets).numpy())
    counts = [(x == s).all(-1).sum() for s in subsets]
    assert st.chisquare(counts, n * want).pvalue > 1e-4
    with pytest.raises(ValueError, match="multi-hot"):
        tfd.DeterminantalPointProcess(f64(lam), f64(u), validate_args=True).log_prob([2, 0, 0])
    with pytest.raises(ValueError, match=r"`eigenvectors` must be \[..., n, n\] with n = 3"):
        tfd.DeterminantalPointProcess(f64(lam), f64(np.eye(2)))


# -- PoissonLogNormalQuadratureCompound ----------------------------------------------------------

def test_quadrature_schemes_as_tfp():
    loc, scale = f64([0.0, -0.5, 1.2]), f64(1.0)
    grid, probs = tfd.quadrature_scheme_lognormal_quantiles(loc, scale, 6)
    np.testing.assert_allclose(grid.numpy()[0], [0.41297122, 0.61827701, 0.86356887, 1.18762763, 1.66914318,
                                                 2.5611638], rtol=1e-8)   # TFP 0.25
    np.testing.assert_allclose(probs.numpy(), np.full(6, 1 / 6), rtol=1e-12)
    grid, probs = tfd.quadrature_scheme_lognormal_gauss_hermite(loc, scale, 6)
    np.testing.assert_allclose(grid.numpy()[2], [-2.12425743, -0.68917588, 0.58329341, 1.81670659, 3.08917588,
                                                 4.52425743], rtol=1e-8)
    np.testing.assert_allclose(probs.numpy(), [0.00255578, 0.08861575, 0.40882847, 0.40882847, 0.08861575,
                                               0.00255578], rtol=1e-5)


def test_poisson_lognormal_compound_approaches_the_integral():
    import scipy.integrate as si
    d = tfd.PoissonLogNormalQuadratureCompound(f64(0.3), f64(0.5), quadrature_size=40,
                                               quadrature_fn=tfd.quadrature_scheme_lognormal_gauss_hermite)
    for k in (0, 2, 5):
        want = si.quad(lambda z: st.norm.pdf(z) * st.poisson.pmf(k, np.exp(0.3 + 0.5 * z)), -12, 12)[0]
        np.testing.assert_allclose(np.exp(d.log_prob(f64(float(k))).numpy()), want, rtol=1e-8)
    np.testing.assert_allclose(d.mean().numpy(), np.exp(0.3 + 0.125), rtol=1e-10)


def test_poisson_lognormal_compound_values_and_samples():
    d = tfd.PoissonLogNormalQuadratureCompound(f64([0.0, -0.5, 1.2]), f64([[1.0], [0.3]]), quadrature_size=6)
    lp = d.log_prob(f64([[[1.5]], [[-1.0]]])).numpy()
    np.testing.assert_allclose(lp[0, 0], [-1.71857047, -1.39456638, -3.90199676], rtol=1e-8)   # TFP 0.25
    assert np.all(lp[1] == -np.inf)
    for method in ("cdf", "mode", "entropy"):
        with pytest.raises(NotImplementedError, match="PoissonLogNormalQuadratureCompound"):
            d.cdf(f64(1.0)) if method == "cdf" else getattr(d, method)()
    assert d.experimental_default_event_space_bijector() is None
    poisson, mixture = d.poisson_and_mixture_distributions()
    assert poisson.batch_shape == (2, 3, 6) and mixture.batch_shape == () and mixture.num_categories() == 6
    small = tfd.PoissonLogNormalQuadratureCompound(f64(0.2), f64(0.6), quadrature_size=5)
    n = 20000
    x = small.sample(n, seed=15).numpy()
    assert x.dtype == np.float64 and np.all(x == np.round(x))
    k = np.arange(8.0)
    want = np.exp(small.log_prob(f64(k)).numpy())
    counts = np.array([(x == v).sum() for v in k] + [(x >= 8).sum()])
    assert st.chisquare(counts, n * np.append(want, 1 - want.sum())).pvalue > 1e-4
    with pytest.raises(ValueError, match="`quadrature_size`"):
        tfd.PoissonLogNormalQuadratureCompound(0.0, 1.0, quadrature_size=0)


def test_ordinal_validation_inside_a_function_replays():
    import warnings

    @wb.function
    def f(c, l, x):
        return tfd.OrderedLogistic(c, l, validate_args=True).log_prob(x)

    c, l = f64([-1.0, 0.5, 2.0]), f64([0.3, -0.7])
    with warnings.catch_warnings():
        warnings.simplefilter("error")   # a function that reads values in Python warns that it runs eagerly
        np.testing.assert_allclose(f(c, l, f64([1.0, 2.0])).numpy(), [-1.0916297821400378, -1.7808084880400754],
                                   rtol=1e-12)
        with pytest.raises(ValueError, match="non-negative integers"):
            f(c, l, f64([1.0, -1.0]))
        with pytest.raises(ValueError, match="`cutpoints` must be non-decreasing"):
            f(f64([1.0, 0.5, 2.0]), l, f64([1.0, 2.0]))


def test_permutation_and_subset_validation_inside_a_function_replays():
    import warnings

    @wb.function
    def f(scores, perm, lam, subset):
        return (tfd.PlackettLuce(scores, validate_args=True).log_prob(perm)
                + tfd.DeterminantalPointProcess(lam, f64(np.eye(3)), validate_args=True).log_prob(subset))

    scores, lam = f64([0.5, 2.0, 1.0]), f64([1.0, 2.0, 0.5])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        want = (tfd.PlackettLuce(scores).log_prob([2, 0, 1]).numpy()
                + tfd.DeterminantalPointProcess(lam, f64(np.eye(3))).log_prob([1, 0, 1]).numpy())
        np.testing.assert_allclose(f(scores, wb.constant([2, 0, 1]), lam, wb.constant([1, 0, 1])).numpy(), want,
                                   rtol=1e-12)
        with pytest.raises(ValueError, match="permutation"):
            f(scores, wb.constant([2, 2, 1]), lam, wb.constant([1, 0, 1]))
        with pytest.raises(ValueError, match="multi-hot"):
            f(scores, wb.constant([2, 0, 1]), lam, wb.constant([1, 0, 2]))
