"""Constant, ChangePoint, ExponentialCurve, FeatureTransformed, GammaExponential,
KumaraswamyTransformed, PointwiseExponential, SchurComplement and SpectralMixture: ``apply``,
``matrix`` and ``tensor`` against TFP 0.25's values for the same inputs
(tests/fixtures/tfp025_psd_kernels_more.npz, written by ``_compute`` run with TFP), against their
formulas, and their gradients against finite differences."""

import pathlib

import numpy as np
import pytest

import probability
import workbench as wb
from gradients import check_gradients
from probability.math import psd_kernels as tfpk
from tests.tf_fixtures import assert_matches_fixture

FIXTURE = pathlib.Path(__file__).parent / "fixtures" / "tfp025_psd_kernels_more.npz"


def f64(a):
    return wb.constant(np.asarray(a, dtype=np.float64))


def _kernels(tfpk):
    """name -> kernel, built the same way with TFP's module or ours."""
    d = np.float64
    eq = tfpk.ExponentiatedQuadratic(d(1.3), d(0.8))
    m12 = tfpk.MaternOneHalf(d(2.0), d(0.5))
    return {
        "constant": tfpk.Constant(d(2.5)),
        "constant_batch": tfpk.Constant(np.array([0.5, 1.5])),
        "exponential_curve": tfpk.ExponentialCurve(d(1.5), d(2.0)),
        "exponential_curve_batch": tfpk.ExponentialCurve(np.array([0.5, 3.0]), d(1.0)),
        "gamma_exponential": tfpk.GammaExponential(d(1.3), d(0.7), power=d(0.6)),
        "gamma_exponential_inverse": tfpk.GammaExponential(inverse_length_scale=d(2.0), power=np.array([0.3, 1.0])),
        "feature_transformed": tfpk.FeatureTransformed(eq, lambda x, f, e: x * x + 2.0 * x),
        "kumaraswamy": tfpk.KumaraswamyTransformed(eq, np.array([1.5, 2.0]), d(3.0)),
        "kumaraswamy_batch": tfpk.KumaraswamyTransformed(m12, np.array([[1.5, 2.0], [0.7, 1.0]]), np.array([[3.0], [0.5]])),
        "pointwise_exponential": tfpk.PointwiseExponential(eq),
        "change_point": tfpk.ChangePoint([eq, m12, tfpk.Constant(d(0.3))], locs=np.array([0.5, 2.0]),
                                         slopes=np.array([3.0, 1.5])),
        "change_point_weight_fn": tfpk.ChangePoint([eq, m12], locs=np.array([[0.1], [0.6]]), slopes=np.array([2.0]),
                                                   weight_fn=lambda x, f: x[..., 0] - x[..., 1]),
        "spectral_mixture": tfpk.SpectralMixture(np.array([0.5, -1.0]), np.array([[0.3, 1.0], [2.0, 0.5]]),
                                                 np.array([[0.2, 0.7], [1.0, 0.3]])),
        "spectral_mixture_batch": tfpk.SpectralMixture(np.array([[0.5, -1.0, 0.2], [0.0, 0.1, -0.3]]),
                                                       np.linspace(0.1, 1.2, 6).reshape(3, 2),
                                                       np.linspace(0.2, 0.5, 6).reshape(3, 2)),
        "schur": tfpk.SchurComplement(eq, np.array([[0.0, 0.1], [1.0, 0.5], [0.4, 1.2]])),
        "schur_shift": tfpk.SchurComplement(m12, np.array([[0.0, 0.1], [1.0, 0.5], [0.4, 1.2]]), diag_shift=d(0.1)),
        "schur_missing": tfpk.SchurComplement(eq, np.array([[0.0, 0.1], [1.0, 0.5], [0.4, 1.2]]),
                                              fixed_inputs_is_missing=np.array([False, True, False]),
                                              diag_shift=d(1e-3)),
        "schur_batch": tfpk.SchurComplement(eq, np.array([[[0.0, 0.1], [1.0, 0.5]], [[0.3, 0.3], [2.0, -1.0]]])),
    }


def _compute(tfpk):
    """Every value TFP's kernels give for these inputs (run with TFP to write the fixture)."""
    rng = np.random.default_rng(250)
    x1 = rng.uniform(0.05, 0.95, size=(3, 2))
    x2 = rng.uniform(0.05, 0.95, size=(4, 2))
    t1 = rng.uniform(0.05, 0.95, size=(2, 3, 2))
    out = {}
    for name, k in _kernels(tfpk).items():
        out[name + "/matrix"] = k.matrix(x1, x2).numpy()
        out[name + "/matrix_same"] = k.matrix(x1, x1).numpy()
        out[name + "/apply"] = k.apply(x1, x2[:3], example_ndims=1).numpy()
        out[name + "/tensor"] = k.tensor(t1, x2, 2, 1).numpy()
        if name != "feature_transformed":   # TFP cannot see transformation_fn's parameters: unknown rank
            out[name + "/batch_shape"] = np.array(list(k.batch_shape), dtype=np.int64)
    return out


def test_values_match_tfp():
    assert_matches_fixture(_compute(tfpk), FIXTURE, rtol=1e-10, atol=1e-12, check_dtype=False)


X1 = np.array([[0.1, 0.4], [0.8, 0.3], [0.5, 0.9]])
X2 = np.array([[0.2, 0.2], [0.7, 0.6], [0.1, 0.4], [0.9, 0.95]])
D = X1[:, None, :] - X2[None, :, :]
D2 = (D ** 2).sum(-1)


def test_kernels_match_their_formulas():
    k = tfpk.GammaExponential(f64(1.3), f64(0.7), power=f64(0.6)).matrix(f64(X1), f64(X2)).numpy()
    np.testing.assert_allclose(k, 1.69 * np.exp(-(D2 / (2 * 0.49)) ** 0.6), rtol=1e-13)
    # power None is the ExponentiatedQuadratic, as TFP documents (TFP 0.25's code drops the 1/2 and
    # the length scale there instead)
    np.testing.assert_allclose(tfpk.GammaExponential(f64(0.9), f64(0.5)).matrix(f64(X1), f64(X2)).numpy(),
                               tfpk.ExponentiatedQuadratic(f64(0.9), f64(0.5)).matrix(f64(X1), f64(X2)).numpy(),
                               rtol=1e-14)
    s1, s2 = X1.sum(-1)[:, None], X2.sum(-1)[None]
    np.testing.assert_allclose(tfpk.ExponentialCurve(f64(1.5), f64(2.0)).matrix(f64(X1), f64(X2)).numpy(),
                               (2.0 / (2.0 + s1 + s2)) ** 1.5, rtol=1e-13)
    logits, locs, scales = np.array([0.5, -1.0]), np.array([[0.3, 1.0], [2.0, 0.5]]), np.array([[0.2, 0.7], [1.0, 0.3]])
    want = sum(np.exp(logits[j]) * np.prod(np.exp(-2 * (np.pi * D * scales[j]) ** 2) * np.cos(2 * np.pi * D * locs[j]),
                                           -1) for j in range(2))
    np.testing.assert_allclose(tfpk.SpectralMixture(f64(logits), f64(locs), f64(scales)).matrix(f64(X1), f64(X2))
                               .numpy(), want, rtol=1e-12)
    eq = tfpk.ExponentiatedQuadratic(f64(1.3), f64(0.8))
    k_eq = eq.matrix(f64(X1), f64(X2)).numpy()
    np.testing.assert_allclose(tfpk.PointwiseExponential(eq).matrix(f64(X1), f64(X2)).numpy(), np.exp(k_eq),
                               rtol=1e-14)
    warp = lambda u: 1 - (1 - u ** np.array([1.5, 2.0])) ** 3.0   # noqa: E731  (the Kumaraswamy CDF)
    np.testing.assert_allclose(tfpk.KumaraswamyTransformed(eq, f64([1.5, 2.0]), f64(3.0)).matrix(f64(X1), f64(X2))
                               .numpy(), eq.matrix(f64(warp(X1)), f64(warp(X2))).numpy(), rtol=1e-12)
    ft = tfpk.FeatureTransformed(eq, lambda x, f, e: wb.exp(x))
    np.testing.assert_allclose(ft.matrix(f64(X1), f64(X2)).numpy(), eq.matrix(f64(np.exp(X1)), f64(np.exp(X2))).numpy(),
                               rtol=1e-14)
    assert ft.batch_shape == () and ft.kernel is eq
    np.testing.assert_array_equal(tfpk.Constant(f64([0.5, 1.5])).matrix(f64(X1), f64(X2)).numpy(),
                                  np.broadcast_to(np.array([0.5, 1.5])[:, None, None], (2, 3, 4)))


def test_change_point_switches_between_kernels():
    a, b = tfpk.ExponentiatedQuadratic(f64(1.0), f64(0.5)), tfpk.Constant(f64(0.3), feature_ndims=1)
    cp = tfpk.ChangePoint([a, b], locs=f64([0.0]), slopes=f64([50.0]))
    left, right = f64([[-2.0], [-1.5]]), f64([[1.5], [2.0]])
    np.testing.assert_allclose(cp.matrix(left, left).numpy(), a.matrix(left, left).numpy(), atol=1e-12)
    np.testing.assert_allclose(cp.matrix(right, right).numpy(), b.matrix(right, right).numpy(), atol=1e-12)
    np.testing.assert_allclose(cp.matrix(left, right).numpy(), 0.0, atol=1e-12)
    # the formula with two kernels, at a gentle slope
    cp = tfpk.ChangePoint([a, b], locs=f64([0.6]), slopes=f64([2.0]))
    s1, s2 = 1 / (1 + np.exp(-2.0 * (X1.sum(-1) - 0.6))), 1 / (1 + np.exp(-2.0 * (X2.sum(-1) - 0.6)))
    want = (1 - s1)[:, None] * a.matrix(f64(X1), f64(X2)).numpy() * (1 - s2)[None] + 0.3 * s1[:, None] * s2[None]
    np.testing.assert_allclose(cp.matrix(f64(X1), f64(X2)).numpy(), want, rtol=1e-13)
    assert tfpk.ChangePoint([a, b], locs=f64([[0.0], [1.0]]), slopes=f64([1.0])).batch_shape == (2,)


def test_schur_complement_is_the_gp_posterior_covariance():
    eq = tfpk.ExponentiatedQuadratic(f64(1.3), f64(0.8))
    z = np.array([[0.0, 0.1], [1.0, 0.5], [0.4, 1.2]])
    sc = tfpk.SchurComplement(eq, f64(z), cholesky_fn=wb.linalg.cholesky)
    kxz, kzz, kzy = (eq.matrix(f64(a), f64(b)).numpy() for a, b in ((X1, z), (z, z), (z, X2)))
    want = eq.matrix(f64(X1), f64(X2)).numpy() - kxz @ np.linalg.solve(kzz, kzy)
    np.testing.assert_allclose(sc.matrix(f64(X1), f64(X2)).numpy(), want, rtol=1e-10, atol=1e-13)
    # nothing is left at the fixed inputs themselves
    np.testing.assert_allclose(sc.matrix(f64(z), f64(z)).numpy(), 0.0, atol=1e-10)
    np.testing.assert_allclose(sc.divisor_matrix().numpy(), kzz, rtol=1e-14)
    # a missing point is as if it were not there
    missing = tfpk.SchurComplement(eq, f64(z), fixed_inputs_is_missing=[False, True, False],
                                   cholesky_fn=wb.linalg.cholesky)
    dropped = tfpk.SchurComplement(eq, f64(z[[0, 2]]), cholesky_fn=wb.linalg.cholesky)
    np.testing.assert_allclose(missing.matrix(f64(X1), f64(X2)).numpy(), dropped.matrix(f64(X1), f64(X2)).numpy(),
                               rtol=1e-12)
    pre = tfpk.SchurComplement.with_precomputed_divisor(eq, f64(z))
    np.testing.assert_allclose(pre.matrix(f64(X1), f64(X2)).numpy(),
                               tfpk.SchurComplement(eq, f64(z)).matrix(f64(X1), f64(X2)).numpy(), rtol=1e-14)
    # no fixed inputs: the base kernel
    for empty in (None, np.zeros((0, 2))):
        np.testing.assert_allclose(tfpk.SchurComplement(eq, empty).matrix(f64(X1), f64(X2)).numpy(),
                                   eq.matrix(f64(X1), f64(X2)).numpy(), rtol=1e-14)


@pytest.mark.parametrize("make", [
    lambda p: tfpk.GammaExponential(p, f64(0.7), power=f64(0.6)),
    lambda p: tfpk.ExponentialCurve(p, f64(2.0)),
    lambda p: tfpk.KumaraswamyTransformed(tfpk.MaternFiveHalves(f64(1.0), f64(0.4)), p * f64([1.0, 1.5]), f64(2.0)),
    lambda p: tfpk.ChangePoint([tfpk.ExponentiatedQuadratic(f64(1.0), p), tfpk.MaternOneHalf(f64(0.7), f64(0.3))],
                               locs=f64([0.8]), slopes=p * 3.0),
    lambda p: tfpk.SpectralMixture(f64([0.2, -0.4]), p * f64([[0.3, 1.0], [2.0, 0.5]]), f64([[0.2, 0.7], [1.0, 0.3]])),
    lambda p: tfpk.SchurComplement(tfpk.ExponentiatedQuadratic(f64(1.0), p), f64([[0.0, 0.1], [1.0, 0.5]]),
                                   diag_shift=f64(0.01)),
    lambda p: tfpk.PointwiseExponential(tfpk.MaternThreeHalves(p, f64(0.6))),
], ids=["GammaExponential", "ExponentialCurve", "KumaraswamyTransformed", "ChangePoint", "SpectralMixture",
        "SchurComplement", "PointwiseExponential"])
def test_gradients_match_finite_differences(make):
    check_gradients(lambda p: make(p).matrix(f64(X1), f64(X1)), [np.array(0.8)], order=1, modes=("rev",),
                    atol=1e-6, rtol=1e-5)


def test_matrices_are_positive_semidefinite():
    x = np.random.default_rng(0).uniform(0.05, 0.95, size=(12, 2))
    for name, k in _kernels(tfpk).items():
        m = k.matrix(x, x).numpy()
        assert np.linalg.eigvalsh(m).min() > -1e-8 * np.abs(m).max(), name


def test_bad_arguments_are_named():
    eq = tfpk.ExponentiatedQuadratic(f64(1.0), f64(1.0))
    with pytest.raises(ValueError, match="`constant`"):
        tfpk.Constant(f64(-1.0), validate_args=True)
    with pytest.raises(ValueError, match="`power`"):
        tfpk.GammaExponential(power=f64(1.5), validate_args=True)
    with pytest.raises(ValueError, match="`rate`"):
        tfpk.ExponentialCurve(f64(1.0), f64(0.0), validate_args=True)
    with pytest.raises(ValueError, match="`locs`"):
        tfpk.ChangePoint([eq, eq, eq], locs=f64([0.0, 1.0, 2.0]), slopes=f64([1.0, 1.0]))
    with pytest.raises(ValueError, match="ascending"):
        tfpk.ChangePoint([eq, eq, eq], locs=f64([1.0, 0.0]), slopes=f64([1.0, 1.0]), validate_args=True)
    with pytest.raises(ValueError, match="at least 2"):
        tfpk.ChangePoint([eq], locs=f64([0.0]), slopes=f64([1.0]))
    with pytest.raises(TypeError, match="`transformation_fn`"):
        tfpk.FeatureTransformed(eq, 3.0)
    with pytest.raises(TypeError, match="`kernel`"):
        tfpk.PointwiseExponential("eq")
    with pytest.raises(ValueError, match="`fixed_inputs`"):
        tfpk.SchurComplement(eq, f64([1.0, 2.0]))
    with pytest.raises(ValueError, match="`locs`"):
        tfpk.SpectralMixture(f64([0.0]), f64([1.0]), f64([[1.0]]))
    with pytest.raises(ValueError, match="`concentration1`"):
        tfpk.KumaraswamyTransformed(eq, f64([0.0, 1.0]), f64(1.0), validate_args=True)


def test_schur_complement_kernel_gives_the_gprm_covariance_and_drives_a_gp():
    tfd = probability.distributions
    kernel = tfpk.MaternThreeHalves(f64([0.8, 1.6]), f64(0.5))
    obs = np.array([[-0.5], [0.1], [0.7], [1.2]])
    new = np.linspace(-1.0, 1.5, 5)[:, None]
    noise = 0.05
    sc = tfpk.SchurComplement(kernel, f64(obs), diag_shift=f64(noise), cholesky_fn=wb.linalg.cholesky)
    assert sc.batch_shape == (2,)
    gprm = tfd.GaussianProcessRegressionModel(kernel, f64(new), f64(obs), f64(np.zeros(4)),
                                              observation_noise_variance=f64(noise), predictive_noise_variance=f64(0.0), jitter=0.0)
    np.testing.assert_allclose(sc.matrix(f64(new), f64(new)).numpy(), gprm.covariance().numpy(), rtol=1e-10, atol=1e-12)
    gp = tfd.GaussianProcess(sc, index_points=f64(new), jitter=1e-8)
    draws = gp.sample(2, seed=3)
    assert draws.shape == (2, 2, 5) and np.all(np.isfinite(gp.log_prob(draws).numpy()))
