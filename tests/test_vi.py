"""probability.vi: variational losses and fitting a surrogate posterior on the tape (TFP semantics)."""

import numpy as np
import pytest

import workbench as wb
from probability import distributions as tfd
from probability import vi

try:
    from workbench.optimizers import Adam
except ImportError:  # the optimizers package is optional here: a minimal Adam does the same job
    class Adam:
        def __init__(self, learning_rate):
            self.lr, self.t, self.m, self.v = learning_rate, 0, {}, {}

        def apply_gradients(self, grads_and_vars):
            self.t += 1
            for g, var in grads_and_vars:
                g = g.numpy()
                m = self.m[id(var)] = 0.9 * self.m.get(id(var), 0.0) + 0.1 * g
                v = self.v[id(var)] = 0.999 * self.v.get(id(var), 0.0) + 0.001 * g * g
                step = self.lr * (m / (1 - 0.9 ** self.t)) / (np.sqrt(v / (1 - 0.999 ** self.t)) + 1e-7)
                var.assign_sub(step.astype(var.dtype))

# Normal-Normal: theta ~ N(0, 10^2), y_i ~ N(theta, 1), 20 observations
_Y = np.random.default_rng(0).normal(1.5, 1.0, 20)
_POST_VAR = 1.0 / (1.0 / 100.0 + len(_Y))
_POST_MEAN = _POST_VAR * _Y.sum()


def log_joint(theta):
    y = wb.constant(_Y.astype(np.float32))
    return -0.5 * theta ** 2 / 100.0 - 0.5 * wb.reduce_sum((y - theta[..., None]) ** 2, axis=-1)


def test_fit_normal_surrogate_to_normal_normal_posterior():
    loc, raw_scale = wb.Variable(0.0), wb.Variable(0.0)
    surrogate = lambda: tfd.Normal(loc, wb.softplus(raw_scale))  # noqa: E731
    losses = vi.fit_surrogate_posterior(log_joint, surrogate, Adam(0.05), num_steps=400, sample_size=16,
                                        seed=(1, 2))
    assert losses.shape == (400,)
    assert losses.numpy()[-50:].mean() < losses.numpy()[:50].mean()
    # a smaller learning rate to settle within the Monte-Carlo noise
    losses = vi.fit_surrogate_posterior(log_joint, surrogate, Adam(0.005), num_steps=300, sample_size=16,
                                        seed=(1, 3))
    np.testing.assert_allclose(loc.numpy(), _POST_MEAN, atol=0.03)
    np.testing.assert_allclose(np.log1p(np.exp(raw_scale.numpy())), np.sqrt(_POST_VAR), rtol=0.1)
    # at the optimum the loss is -log p(y) up to Monte-Carlo noise: the log evidence of the model
    n = len(_Y)
    cov = np.eye(n) + 100.0
    log_evidence = -0.5 * (_Y @ np.linalg.solve(cov, _Y) + np.linalg.slogdet(cov)[1] + n * np.log(2 * np.pi))
    log_evidence += 0.5 * n * np.log(2 * np.pi) + 0.5 * np.log(2 * np.pi * 100.0)  # the target drops constants
    np.testing.assert_allclose(losses.numpy()[-100:].mean(), -log_evidence, atol=0.1)


def test_fit_with_variable_parameters_and_explicit_trainable_variables():
    loc, scale = wb.Variable(1.0), wb.Variable(0.5)
    q = tfd.Normal(loc=loc, scale=scale)
    frozen = wb.Variable(0.5)
    trace = vi.fit_surrogate_posterior(
        log_joint, q, Adam(0.02), num_steps=500, sample_size=16, trainable_variables=[loc, scale],
        trace_fn=lambda tq: (tq.loss, tq.parameters[0], tq.step), seed=3)
    losses, locs, steps = trace
    np.testing.assert_array_equal(steps.numpy(), np.arange(500))
    np.testing.assert_allclose(locs.numpy()[-1], loc.numpy())   # parameters are snapshots, not aliases
    assert locs.numpy()[0] != locs.numpy()[-1]
    vi.fit_surrogate_posterior(log_joint, q, Adam(0.003), num_steps=300, sample_size=16,
                               trainable_variables=[loc, scale], seed=4)
    np.testing.assert_allclose(loc.numpy(), _POST_MEAN, atol=0.03)
    np.testing.assert_allclose(scale.numpy(), np.sqrt(_POST_VAR), rtol=0.15)
    assert float(frozen.numpy()) == 0.5


def test_loss_is_zero_when_surrogate_equals_target():
    q = tfd.Normal(loc=0.3, scale=1.7)
    loss = vi.monte_carlo_variational_loss(q.log_prob, q, sample_size=50, seed=1)
    np.testing.assert_allclose(loss.numpy(), 0.0, atol=1e-5)


def test_loss_estimates_kl_divergences():
    p = tfd.Normal(loc=wb.constant(0.0, dtype=np.float64), scale=wb.constant(1.0, dtype=np.float64))
    q = tfd.Normal(loc=wb.constant(0.5, dtype=np.float64), scale=wb.constant(0.8, dtype=np.float64))
    reverse = vi.monte_carlo_variational_loss(p.log_prob, q, sample_size=40000, seed=2)
    np.testing.assert_allclose(reverse.numpy(), q.kl_divergence(p).numpy(), atol=0.01)
    forward = vi.monte_carlo_variational_loss(p.log_prob, q, sample_size=40000, seed=2,
                                              discrepancy_fn=vi.kl_forward)
    # the forward estimate's standard deviation is about 0.018 at this size: 3.4 of them
    np.testing.assert_allclose(forward.numpy(), p.kl_divergence(q).numpy(), atol=0.06)
    normalized = vi.monte_carlo_variational_loss(
        p.log_prob, q, sample_size=40000, seed=2, discrepancy_fn=lambda lu: vi.kl_reverse(lu, self_normalized=True))
    np.testing.assert_allclose(normalized.numpy(), q.kl_divergence(p).numpy(), atol=0.01)


@pytest.mark.parametrize("reparameterized", [True, False])
def test_gradient_estimators_agree_with_the_exact_kl_gradient(reparameterized):
    # KL(N(m, 1) || N(0, 1)) = m^2 / 2, so the gradient in m is m
    m = wb.Variable(np.float64(0.7))
    p = tfd.Normal(loc=wb.constant(0.0, dtype=np.float64), scale=wb.constant(1.0, dtype=np.float64))
    with wb.GradientTape() as tape:
        q = tfd.Normal(loc=m, scale=wb.constant(1.0, dtype=np.float64))
        loss = vi.monte_carlo_variational_loss(p.log_prob, q, sample_size=40000, seed=4,
                                               use_reparameterization=reparameterized)
    grad = tape.gradient(loss, m)
    np.testing.assert_allclose(grad.numpy(), 0.7, atol=0.02 if reparameterized else 0.05)


def test_importance_weighting_tightens_the_bound():
    q = tfd.Normal(loc=1.0, scale=0.5)
    single = vi.monte_carlo_variational_loss(log_joint, q, sample_size=2000, seed=5)
    weighted = vi.monte_carlo_variational_loss(log_joint, q, sample_size=2000, importance_sample_size=8, seed=5)
    assert weighted.numpy() < single.numpy() - 1.0


def test_same_seed_same_fit():
    def run(seed):
        loc, raw = wb.Variable(0.0), wb.Variable(0.0)
        return vi.fit_surrogate_posterior(log_joint, lambda: tfd.Normal(loc, wb.softplus(raw)), Adam(0.05),
                                          num_steps=20, seed=seed).numpy()
    np.testing.assert_array_equal(run((7, 0)), run((7, 0)))
    assert not np.array_equal(run((7, 0)), run((8, 0)))


def test_fit_errors_are_clear():
    with pytest.raises(ValueError, match="no trainable variables"):
        vi.fit_surrogate_posterior(log_joint, tfd.Normal(0.0, 1.0), Adam(0.1), num_steps=2, seed=1)
    with pytest.raises(TypeError, match="apply_gradients"):
        vi.fit_surrogate_posterior(log_joint, tfd.Normal(wb.Variable(0.0), 1.0), object(), num_steps=2)
    with pytest.raises(TypeError, match="distribution"):
        vi.monte_carlo_variational_loss(log_joint, 3.0)
