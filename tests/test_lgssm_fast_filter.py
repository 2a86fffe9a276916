"""LinearGaussianStateSpaceModel's Kalman filter on raw arrays: its values and its hand-written
reverse rule against the filter run op by op on the tape and against finite differences, with
time-varying pieces, a batch, sample dims, two observations per step and a mask."""

import os

import numpy as np
import pytest

import gradients
import workbench as wb
from probability import distributions as tfd
from probability.distributions import linear_gaussian_state_space_model as lgssm

f64 = lambda v: wb.constant(np.asarray(v, dtype=np.float64))  # noqa: E731

MASK = np.array([[False, True, False, False, True], [False, False, False, True, False]])
X = np.random.default_rng(0).normal(size=(3, 2, 5, 2))
THETA = np.array([0.15, 0.3, 0.25, 0.6, -0.2])


def _model(theta, mask=MASK):
    """Batch 2, latent 3, observations 2; A and the transition noise change with the step."""
    theta = wb.convert_to_tensor(theta)
    base = f64([[0.9, 0.1, 0.0], [0.0, 0.8, 0.2], [0.1, 0.0, 0.7]])
    swap = f64([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])

    def transition_matrix(t):
        return base + theta[0] * swap if int(t) % 2 else base

    def transition_noise(t):   # a fresh distribution at each step
        scale = wb.stack([theta[1], theta[2] * (1. + 0.1 * float(t)), f64(0.2)])
        return tfd.MultivariateNormalDiag(loc=wb.stack([theta[4], f64(0.), f64(0.1)]), scale_diag=scale)

    c = wb.stack([wb.stack([f64(1.0), theta[3], f64(0.0)]), f64([0.0, 0.5, 1.0])])
    r = tfd.MultivariateNormalTriL(loc=f64([0.1, -0.1]), scale_tril=wb.stack(
        [wb.stack([theta[1] + 0.2, f64(0.)]), wb.stack([f64(0.1), f64(0.4)])]))
    prior = tfd.MultivariateNormalDiag(loc=f64([[0.0, 1.0, 0.5], [1.0, -1.0, 0.0]]), scale_diag=f64([1.0, 2.0, 0.5]))
    return tfd.LinearGaussianStateSpaceModel(5, transition_matrix, transition_noise, c, r, prior, initial_step=1,
                                             mask=mask)


_W = [np.random.default_rng(k).normal(size=s) for k, s in enumerate(
    [(3, 2, 5), (3, 2, 5, 3), (2, 5, 3, 3), (3, 2, 5, 3), (2, 5, 3, 3), (3, 2, 5, 2), (2, 5, 2, 2)])]


def _all_outputs(theta, x):
    """One number from every output of the filter (fixed random weights)."""
    r = _model(theta).forward_filter(x)
    return sum(wb.reduce_sum(v * f64(w)) for v, w in zip(r, _W))


def _taped(monkeypatch):
    monkeypatch.setattr(lgssm, "_filter_fast", lgssm._filter_taped)


def test_fast_filter_values_match_the_taped_filter(monkeypatch):
    fast = _model(f64(THETA)).forward_filter(f64(X))
    _taped(monkeypatch)
    slow = _model(f64(THETA)).forward_filter(f64(X))
    for name, a, b in zip(fast._fields, fast, slow):
        assert a.shape == b.shape, name
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12, atol=1e-12, err_msg=name)
    assert np.all(fast.log_likelihoods.numpy()[:, MASK] == 0.)


def _gradient(theta, x):
    theta, x = f64(theta), f64(x)
    with wb.GradientTape() as tape:
        tape.watch([theta, x])
        y = _all_outputs(theta, x)
    return tape.gradient(y, [theta, x])   # outside the tape's context: the raw-array rule


def test_fast_filter_gradient_matches_finite_differences_and_the_tape(monkeypatch):
    g_theta, g_x = _gradient(THETA, X)
    eps = 1e-6
    num = [(float(_all_outputs(f64(THETA + eps * e), f64(X))) - float(_all_outputs(f64(THETA - eps * e), f64(X))))
           / (2 * eps) for e in np.eye(len(THETA))]
    np.testing.assert_allclose(g_theta.numpy(), num, rtol=1e-6, atol=1e-6)
    for idx in [(0, 0, 0, 0), (2, 1, 4, 1), (1, 0, 1, 1), (1, 1, 3, 0)]:   # (0, 0, 1) and (1, 1, 3) are masked
        d = np.zeros_like(X)
        d[idx] = eps
        fd = (float(_all_outputs(f64(THETA), f64(X + d))) - float(_all_outputs(f64(THETA), f64(X - d)))) / (2 * eps)
        np.testing.assert_allclose(g_x.numpy()[idx], fd, rtol=1e-6, atol=1e-7)
    assert g_x.numpy()[0, 0, 1, 0] == 0. and g_x.numpy()[1, 1, 3, 1] == 0.
    _taped(monkeypatch)
    t_theta, t_x = _gradient(THETA, X)
    np.testing.assert_allclose(g_theta.numpy(), t_theta.numpy(), rtol=1e-10)
    np.testing.assert_allclose(g_x.numpy(), t_x.numpy(), rtol=1e-10, atol=1e-12)


def test_masked_nan_observations_leave_values_and_gradients_finite():
    x = X.copy()
    x[:, MASK] = np.nan
    g_theta, g_x = _gradient(THETA, x)
    assert np.isfinite(g_theta.numpy()).all() and np.isfinite(g_x.numpy()).all()
    np.testing.assert_allclose(_model(f64(THETA)).log_prob(f64(x)).numpy(), _model(f64(THETA)).log_prob(f64(X)).numpy(),
                               rtol=1e-13)


def test_higher_order_and_forward_mode_run_on_the_tape():
    # check_gradients takes gradients inside its tapes: second order and forward mode use the
    # filter on the tape, and agree with finite differences of the first order
    gradients.check_gradients(lambda th: _model(th).log_prob(f64(X[0])), [THETA], order=2, rtol=1e-5, atol=1e-6)


def test_traced_function_uses_the_taped_filter():
    fn = wb.function(lambda th: _model(th).log_prob(f64(X)))
    want = _model(f64(THETA)).log_prob(f64(X)).numpy()
    np.testing.assert_allclose(fn(f64(THETA)).numpy(), want, rtol=1e-12)
    np.testing.assert_allclose(fn(f64(THETA + 0.01)).numpy(), _model(f64(THETA + 0.01)).log_prob(f64(X)).numpy(),
                               rtol=1e-12)

    @wb.function
    def value_and_gradient(th):
        with wb.GradientTape() as tape:
            tape.watch(th)
            y = _all_outputs(th, f64(X))
        return y, tape.gradient(y, th)

    y, g = value_and_gradient(f64(THETA))
    np.testing.assert_allclose(float(y), float(_all_outputs(f64(THETA), f64(X))), rtol=1e-12)
    np.testing.assert_allclose(g.numpy(), _gradient(THETA, X)[0].numpy(), rtol=1e-10)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_local_level_log_prob_gradient_per_dtype(dtype):
    scale = wb.Variable(np.asarray(0.3, dtype))
    y = wb.constant(np.linspace(0., 1., 7, dtype=dtype)[:, None])
    one = np.ones([1, 1], dtype)
    with wb.GradientTape() as tape:
        m = tfd.LinearGaussianStateSpaceModel(
            7, wb.constant(one), tfd.MultivariateNormalDiag(scale_diag=scale[None]), wb.constant(one),
            tfd.MultivariateNormalDiag(scale_diag=wb.constant(np.asarray([0.5], dtype))),
            tfd.MultivariateNormalDiag(scale_diag=wb.constant(np.asarray([1.0], dtype))))
        lp = m.log_prob(y)
    g = tape.gradient(lp, scale)
    assert lp.dtype == dtype and g.dtype == dtype
    e = 1e-5
    one64 = np.ones([1, 1])
    lp_at = lambda s: float(tfd.LinearGaussianStateSpaceModel(  # noqa: E731  (float64 for the differences)
        7, one64, tfd.MultivariateNormalDiag(scale_diag=np.array([s])), one64,
        tfd.MultivariateNormalDiag(scale_diag=np.array([0.5])),
        tfd.MultivariateNormalDiag(scale_diag=np.array([1.0]))).log_prob(np.linspace(0., 1., 7)[:, None]))
    np.testing.assert_allclose(float(g), (lp_at(0.3 + e) - lp_at(0.3 - e)) / (2 * e), rtol=1e-4 if dtype == np.float32
                               else 1e-7)


_WS = [np.random.default_rng(10 + k).normal(size=s) for k, s in enumerate([(3, 2, 5, 3), (2, 5, 3, 3)])]


def _smoothed(theta, x):
    means, covs = _model(theta).posterior_marginals(x)
    return wb.reduce_sum(means * f64(_WS[0])) + wb.reduce_sum(covs * f64(_WS[1]))


def _smoothed_gradient(theta, x):
    theta, x = f64(theta), f64(x)
    with wb.GradientTape() as tape:
        tape.watch([theta, x])
        y = _smoothed(theta, x)
    return tape.gradient(y, [theta, x])


def test_fast_smoother_matches_the_taped_smoother_and_finite_differences(monkeypatch):
    fast = _model(f64(THETA)).posterior_marginals(f64(X))
    g_theta, g_x = _smoothed_gradient(THETA, X)
    eps = 1e-6
    num = [(float(_smoothed(f64(THETA + eps * e), f64(X))) - float(_smoothed(f64(THETA - eps * e), f64(X))))
           / (2 * eps) for e in np.eye(len(THETA))]
    np.testing.assert_allclose(g_theta.numpy(), num, rtol=1e-6, atol=1e-6)
    monkeypatch.setattr(lgssm, "_smoother_fast", lgssm._smoother_taped)
    monkeypatch.setattr(lgssm, "_filter_fast", lgssm._filter_taped)
    slow = _model(f64(THETA)).posterior_marginals(f64(X))
    for a, b in zip(fast, slow):
        assert a.shape == b.shape
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-11, atol=1e-12)
    t_theta, t_x = _smoothed_gradient(THETA, X)
    np.testing.assert_allclose(g_theta.numpy(), t_theta.numpy(), rtol=1e-9)
    np.testing.assert_allclose(g_x.numpy(), t_x.numpy(), rtol=1e-9, atol=1e-11)


def test_smoother_second_order_runs_on_the_tape():
    gradients.check_gradients(lambda th: _smoothed(th, f64(X)), [THETA], order=2, modes=("rev",), rtol=1e-5,
                              atol=1e-6)


def test_singular_observation_covariance_is_an_invalid_argument():
    # no noise anywhere: the first step's observation covariance is zero
    eye = f64(np.eye(2))
    m = tfd.LinearGaussianStateSpaceModel(
        3, eye, tfd.MultivariateNormalDiag(scale_diag=f64([0.1, 0.1])), eye,
        tfd.MultivariateNormalDiag(scale_diag=f64([0., 0.])), tfd.MultivariateNormalDiag(scale_diag=f64([0., 0.])))
    with pytest.raises(wb.errors.InvalidArgumentError, match="forward_filter: an observation covariance"):
        m.log_prob(f64(np.zeros((3, 2))))


def test_filter_smoother_and_gradient_match_tfp():
    # TFP 0.25 (tests/fixtures/lgssm_tfp025_filter.npz): A and the transition noise change with the
    # step, two observations per step, batch 2, sample dims 4, a mask in the constructor
    w = np.load(os.path.join(os.path.dirname(__file__), "fixtures", "lgssm_tfp025_filter.npz"))

    def model(th):
        def transition_matrix(t):
            return wb.linalg.LinearOperatorFullMatrix(f64(w["in_a0"]) + wb.cast(t, wb.float64) * 0.05 * f64(w["in_a1"]))

        def transition_noise(t):
            return tfd.MultivariateNormalDiag(loc=f64([0.1, 0., -0.1]), scale_diag=wb.stack(
                [th[0], th[1], f64(0.2)]) * (1. + 0.1 * wb.cast(t, wb.float64)))
        return tfd.LinearGaussianStateSpaceModel(
            6, transition_matrix, transition_noise, f64(w["in_c"]),
            tfd.MultivariateNormalDiag(loc=f64([0.2, 0.]), scale_diag=wb.stack([th[2], f64(0.4)])),
            tfd.MultivariateNormalDiag(loc=f64([[0., 1., 0.5], [1., -1., 0.]]), scale_diag=f64([1., 2., 0.5])),
            initial_step=2, mask=w["in_mask"])

    th, x = f64(w["in_theta"]), f64(w["in_x"])
    with wb.GradientTape() as tape:
        tape.watch(th)
        m = model(th)
        lp = m.log_prob(x)
        total = wb.reduce_sum(lp)
    np.testing.assert_allclose(lp.numpy(), w["lp"], rtol=1e-12)
    np.testing.assert_allclose(tape.gradient(total, th).numpy(), w["g"], rtol=1e-11)
    r = m.forward_filter(x)
    for name, v in zip(r._fields, r):
        np.testing.assert_allclose(v.numpy(), w["ff_" + name], rtol=1e-9, atol=1e-12, err_msg=name)
    means, covs = m.posterior_marginals(x)
    np.testing.assert_allclose(means.numpy(), w["pm_mean"], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(covs.numpy(), w["pm_cov"], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(m.mean().numpy(), w["mean"], rtol=1e-12)
    np.testing.assert_allclose(m.variance().numpy(), w["var"], rtol=1e-12)
