"""probability.mcmc: kernels recover known posteriors; adaptation, sample_chain, diagnostics (TFP semantics)."""

import collections
import warnings

import numpy as np
import pytest

import workbench as wb
from probability import internal, mcmc
from workbench.compiler import UnreplayableWarning

# --- conjugate models -----------------------------------------------------------------------

# Normal-Normal: theta ~ N(0, 10^2), y_i ~ N(theta, 1), 20 observations
_Y = np.random.default_rng(0).normal(1.5, 1.0, 20)
_NN_VAR = 1.0 / (1.0 / 100.0 + len(_Y))
_NN_MEAN = _NN_VAR * _Y.sum()


def normal_normal_log_prob(theta):
    y = wb.constant(_Y)
    return -0.5 * theta ** 2 / 100.0 - 0.5 * wb.reduce_sum((y - theta[..., None]) ** 2, axis=-1)


# Beta-Bernoulli: p ~ Beta(2, 3), 30 flips with 9 heads; sampled as z = logit(p) with the Jacobian
_A, _B, _N, _K = 2.0, 3.0, 30, 9
_POST_A, _POST_B = _A + _K, _B + _N - _K
_BB_MEAN = _POST_A / (_POST_A + _POST_B)
_BB_VAR = _POST_A * _POST_B / ((_POST_A + _POST_B) ** 2 * (_POST_A + _POST_B + 1))


def beta_bernoulli_log_prob(z):
    log_p, log_1mp = wb.math.log_sigmoid(z), wb.math.log_sigmoid(-z)
    # log p(z) = log Beta(p | A + K, B + N - K) + log |dp/dz|, and dp/dz = p (1 - p)
    return (_POST_A - 1.0) * log_p + (_POST_B - 1.0) * log_1mp + log_p + log_1mp


def _check_moments(samples, mean, var, ess_floor):
    """Posterior mean and variance within Monte-Carlo error, chains mixed (R-hat), ESS sane.

    The errors use the ESS of the draws (for the mean) and of their squared deviations
    (for the variance): HMC draws can be anti-correlated in x but not in x**2.
    """
    s = np.asarray(samples)
    ess = mcmc.effective_sample_size(wb.constant(s), cross_chain_dims=1).numpy()
    rhat = mcmc.potential_scale_reduction(wb.constant(s), split_chains=True).numpy()
    assert rhat < 1.05, rhat
    assert ess > ess_floor, ess
    assert abs(s.mean() - mean) < 4 * np.sqrt(var / ess), (s.mean(), mean, ess)
    sq = (s - mean) ** 2
    ess_sq = mcmc.effective_sample_size(wb.constant(sq), cross_chain_dims=1).numpy()
    assert ess_sq > ess_floor / 4, ess_sq
    assert abs(sq.mean() - var) < 4 * sq.std() / np.sqrt(ess_sq), (sq.mean(), var, ess_sq)


def test_hmc_normal_normal_posterior():
    kernel = mcmc.HamiltonianMonteCarlo(normal_normal_log_prob, step_size=0.1, num_leapfrog_steps=3)
    samples, is_accepted = mcmc.sample_chain(
        500, wb.constant(np.zeros(8)), kernel=kernel, num_burnin_steps=100,
        trace_fn=lambda _, kr: kr.is_accepted, seed=(1, 2))
    assert samples.shape == (500, 8) and is_accepted.shape == (500, 8)
    assert is_accepted.numpy().mean() > 0.8
    _check_moments(samples.numpy(), _NN_MEAN, _NN_VAR, ess_floor=800)


def test_nuts_normal_normal_posterior():
    kernel = mcmc.NoUTurnSampler(normal_normal_log_prob, step_size=0.15)
    samples, (leapfrogs, divergent) = mcmc.sample_chain(
        400, wb.constant(np.full(8, 5.0)), kernel=kernel, num_burnin_steps=100,
        trace_fn=lambda _, kr: (kr.leapfrogs_taken, kr.has_divergence), seed=(3, 4))
    assert samples.shape == (400, 8)
    assert not divergent.numpy().any()
    assert leapfrogs.numpy().min() >= 1
    _check_moments(samples.numpy(), _NN_MEAN, _NN_VAR, ess_floor=400)


@pytest.mark.parametrize("kind", ["hmc", "nuts"])
def test_beta_bernoulli_posterior_in_logit_space(kind):
    if kind == "hmc":
        kernel = mcmc.HamiltonianMonteCarlo(beta_bernoulli_log_prob, step_size=0.15, num_leapfrog_steps=4)
    else:
        kernel = mcmc.NoUTurnSampler(beta_bernoulli_log_prob, step_size=0.4)
    z, _ = mcmc.sample_chain(500, wb.constant(np.linspace(-2.0, 1.0, 8)), kernel=kernel, num_burnin_steps=100,
                             trace_fn=lambda _, kr: (), seed=(5, 6))
    p = 1.0 / (1.0 + np.exp(-z.numpy()))
    _check_moments(p, _BB_MEAN, _BB_VAR, ess_floor=500)


def test_random_walk_metropolis_1d_normal():
    kernel = mcmc.RandomWalkMetropolis(lambda x: -0.5 * ((x - 2.0) / 3.0) ** 2,
                                       new_state_fn=mcmc.random_walk_normal_fn(scale=6.0))
    samples, is_accepted = mcmc.sample_chain(
        1500, wb.constant(np.zeros(16)), kernel=kernel, num_burnin_steps=200,
        trace_fn=lambda _, kr: kr.is_accepted, seed=(7, 8))
    assert 0.2 < is_accepted.numpy().mean() < 0.6
    _check_moments(samples.numpy(), 2.0, 9.0, ess_floor=2000)


def test_random_walk_uniform_proposal_and_float32_state():
    kernel = mcmc.RandomWalkMetropolis(lambda x: -0.5 * x * x, new_state_fn=mcmc.random_walk_uniform_fn(2.0))
    samples = mcmc.sample_chain(1000, wb.zeros([16]), kernel=kernel, num_burnin_steps=100, trace_fn=None, seed=3)
    assert samples.dtype == np.float32 and samples.shape == (1000, 16)
    _check_moments(samples.numpy(), 0.0, 1.0, ess_floor=1500)


@pytest.mark.parametrize("kind", ["hmc", "nuts"])
def test_multi_part_state_and_independent_chains(kind):
    # x ~ N([1, -1], 1) (shape [2] per chain) and y ~ N(3, 0.5^2), chains batched in front
    def log_prob(x, y):
        return (-0.5 * wb.reduce_sum((x - wb.constant([1.0, -1.0])) ** 2, axis=-1)
                - 0.5 * ((y - 3.0) / 0.5) ** 2)

    if kind == "hmc":
        kernel = mcmc.HamiltonianMonteCarlo(log_prob, step_size=[0.3, 0.15], num_leapfrog_steps=4)
    else:
        kernel = mcmc.NoUTurnSampler(log_prob, step_size=[0.4, 0.2])
    n = 600 if kind == "hmc" else 300
    (xs, ys), _ = mcmc.sample_chain(n, [wb.zeros([8, 2]), wb.zeros([8])], kernel=kernel,
                                    num_burnin_steps=50, trace_fn=lambda _, kr: (), seed=11)
    assert xs.shape == (n, 8, 2) and ys.shape == (n, 8)
    np.testing.assert_allclose(xs.numpy().mean(axis=(0, 1)), [1.0, -1.0], atol=0.15)
    _check_moments(ys.numpy(), 3.0, 0.25, ess_floor=800)


# --- step-size adaptation --------------------------------------------------------------------


def _std_normal_2d(x):
    return -0.5 * wb.reduce_sum(x * x, axis=-1)


def test_simple_step_size_adaptation_reaches_target():
    # a 20-d Gaussian: the acceptance rate falls smoothly with the step size
    n_adapt = 300
    kernel = mcmc.SimpleStepSizeAdaptation(
        mcmc.HamiltonianMonteCarlo(_std_normal_2d, step_size=1.5, num_leapfrog_steps=5),
        num_adaptation_steps=n_adapt, target_accept_prob=0.75, adaptation_rate=0.02)
    _, (accept_ratio, step_size) = mcmc.sample_chain(
        n_adapt + 300, wb.constant(np.zeros((16, 20))), kernel=kernel,
        trace_fn=lambda _, kr: (kr.inner_results.log_accept_ratio, kr.new_step_size), seed=(9, 9))
    accept = np.exp(np.minimum(accept_ratio.numpy()[n_adapt:], 0.0)).mean()
    assert abs(accept - 0.75) < 0.06, accept
    sizes = step_size.numpy()
    assert sizes[n_adapt - 1] < 1.4                    # it moved down from the too-large start
    assert np.all(sizes[n_adapt:] == sizes[n_adapt])   # frozen after adaptation


def test_dual_averaging_with_nuts_reaches_target():
    n_adapt = 150
    kernel = mcmc.DualAveragingStepSizeAdaptation(
        mcmc.NoUTurnSampler(_std_normal_2d, step_size=0.5), num_adaptation_steps=n_adapt,
        target_accept_prob=0.8)
    _, (accept_ratio, step_size) = mcmc.sample_chain(
        n_adapt + 200, wb.constant(np.zeros((8, 2))), kernel=kernel,
        trace_fn=lambda _, kr: (kr.inner_results.log_accept_ratio, kr.new_step_size), seed=(2, 9))
    accept = np.exp(accept_ratio.numpy()[n_adapt:]).mean()
    assert abs(accept - 0.8) < 0.06, accept
    sizes = step_size.numpy()
    assert np.all(sizes[n_adapt:] == sizes[-1])        # the averaged step size, frozen


def test_dual_averaging_per_chain_step_sizes():
    # chains with different scales: a step size per chain ([C, 1]) adapts each chain alone
    scales = wb.constant(np.array([[0.1], [1.0], [10.0]]))

    def log_prob(x):
        return -0.5 * wb.reduce_sum((x / scales) ** 2, axis=-1)

    kernel = mcmc.DualAveragingStepSizeAdaptation(
        mcmc.HamiltonianMonteCarlo(log_prob, step_size=wb.constant(np.full((3, 1), 0.5)), num_leapfrog_steps=3),
        num_adaptation_steps=150)
    _, sizes = mcmc.sample_chain(150, wb.constant(np.zeros((3, 2))), kernel=kernel,
                                 trace_fn=lambda _, kr: kr.new_step_size, seed=4)
    final = sizes.numpy()[-1, :, 0]
    assert sizes.shape == (150, 3, 1)
    assert final[0] < final[1] < final[2]


# --- sample_chain semantics ---------------------------------------------------------------------

CountResults = collections.namedtuple("CountResults", ["steps", "target_log_prob"])


class _Counter(mcmc.TransitionKernel):
    """A deterministic kernel: the state counts the steps taken."""

    @property
    def is_calibrated(self):
        return True

    def bootstrap_results(self, init_state):
        return CountResults(steps=wb.constant(0), target_log_prob=wb.zeros_like(init_state))

    def one_step(self, current_state, previous_kernel_results, seed=None):
        return current_state + 1.0, previous_kernel_results._replace(steps=previous_kernel_results.steps + 1)


def test_sample_chain_burnin_and_thinning_follow_tfp():
    states, trace = mcmc.sample_chain(4, wb.constant(0.0), kernel=_Counter(), num_burnin_steps=3,
                                      num_steps_between_results=2)
    # first kept state after burnin + 1 steps, then every (thinning + 1) steps
    np.testing.assert_array_equal(states.numpy(), [4.0, 7.0, 10.0, 13.0])
    assert isinstance(trace, CountResults)
    np.testing.assert_array_equal(trace.steps.numpy(), [4, 7, 10, 13])


def test_sample_chain_return_structures():
    only_states = mcmc.sample_chain(3, wb.constant(0.0), kernel=_Counter(), trace_fn=None)
    assert only_states.shape == (3,)
    out = mcmc.sample_chain(3, wb.constant(0.0), kernel=_Counter(), return_final_kernel_results=True)
    assert isinstance(out, mcmc.CheckpointableStatesAndTrace)
    assert int(out.final_kernel_results.steps) == 3
    # resume from the final results and state
    more = mcmc.sample_chain(2, out.all_states[-1], kernel=_Counter(),
                             previous_kernel_results=out.final_kernel_results)
    np.testing.assert_array_equal(more.trace.steps.numpy(), [4, 5])


@pytest.mark.parametrize("make", [
    lambda f: mcmc.HamiltonianMonteCarlo(f, 0.3, 3),
    lambda f: mcmc.NoUTurnSampler(f, 0.3),
    lambda f: mcmc.RandomWalkMetropolis(f),
])
def test_same_seed_same_chain(make):
    kernel = make(_std_normal_2d)
    run = lambda seed: mcmc.sample_chain(20, wb.zeros([3, 2]), kernel=kernel, trace_fn=None, seed=seed).numpy()  # noqa: E731
    np.testing.assert_array_equal(run((5, 7)), run((5, 7)))
    assert not np.array_equal(run((5, 7)), run((5, 8)))


def test_sample_chain_without_a_seed_follows_the_global_seed():
    # TFP's rules: no seed draws the chain's seed from the stateful sequence
    run = lambda: mcmc.sample_chain(30, wb.zeros([2]), kernel=mcmc.RandomWalkMetropolis(_std_normal_2d),  # noqa: E731
                                    trace_fn=None).numpy()
    wb.random.set_seed(4)
    a, b = run(), run()
    assert not np.array_equal(a, b)
    wb.random.set_seed(4)
    np.testing.assert_array_equal(run(), a)


def test_sample_chain_without_a_seed_replays_fresh_draws():
    kernel = mcmc.RandomWalkMetropolis(_std_normal_2d)
    run = lambda: mcmc.sample_chain(30, wb.zeros([2]), kernel=kernel, trace_fn=None)  # noqa: E731
    traced = wb.function(run)
    wb.random.set_seed(3)
    # the ops without a seed take a function graph's op seeds (TF's rule): the eager reference
    # runs with the seeds and kernels of one
    seeds = wb.random.FunctionSeeds()
    eager = []
    for _ in range(3):
        with wb.random.function_graph(lambda: seeds):
            eager.append(run().numpy())
    wb.random.set_seed(3)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnreplayableWarning)
        replayed = [traced().numpy() for _ in range(3)]
    for e, r in zip(eager, replayed):
        np.testing.assert_array_equal(e, r)
    assert not np.array_equal(replayed[1], replayed[2])


def test_hmc_results_have_tfp_fields():
    kernel = mcmc.HamiltonianMonteCarlo(_std_normal_2d, step_size=0.5, num_leapfrog_steps=2)
    x0 = wb.zeros([4, 2])
    pkr = kernel.bootstrap_results(x0)
    x1, kr = kernel.one_step(x0, pkr, seed=1)
    assert kernel.is_calibrated and not kernel._impl.inner_kernel.is_calibrated
    assert kr.is_accepted.shape == (4,) and kr.log_accept_ratio.shape == (4,)
    acc = kr.accepted_results
    assert acc.target_log_prob.shape == (4,) and acc.grads_target_log_prob[0].shape == (4, 2)
    np.testing.assert_allclose(acc.target_log_prob.numpy(), _std_normal_2d(x1).numpy(), rtol=1e-5)
    np.testing.assert_allclose(acc.grads_target_log_prob[0].numpy(), -x1.numpy(), rtol=1e-5)
    # log_accept_ratio = -(energy change)
    h = lambda x, p: -_std_normal_2d(x).numpy() + 0.5 * (p ** 2).sum(-1)  # noqa: E731
    prop = kr.proposed_results
    np.testing.assert_allclose(kr.log_accept_ratio.numpy(),
                               h(x0, prop.initial_momentum[0].numpy()) - h(kr.proposed_state,
                                                                           prop.final_momentum[0].numpy()),
                               rtol=1e-4, atol=1e-5)


def test_nuts_flags_divergences_with_a_huge_step():
    kernel = mcmc.NoUTurnSampler(lambda x: -0.5 * wb.reduce_sum((x / 0.01) ** 2, axis=-1), step_size=5.0)
    x0 = wb.constant(np.full((4, 2), 0.01))
    x1, kr = kernel.one_step(x0, kernel.bootstrap_results(x0), seed=3)
    assert kr.has_divergence.numpy().all()
    assert not kr.is_accepted.numpy().any()
    np.testing.assert_array_equal(x1.numpy(), x0.numpy())


def test_nuts_stops_at_max_tree_depth():
    kernel = mcmc.NoUTurnSampler(_std_normal_2d, step_size=0.001, max_tree_depth=3)
    x0 = wb.constant(np.ones((2, 2)))
    _, kr = kernel.one_step(x0, kernel.bootstrap_results(x0), seed=0)
    assert kr.reach_max_depth.numpy().all()
    np.testing.assert_array_equal(kr.leapfrogs_taken.numpy(), [7, 7])


def test_target_errors_are_clear():
    bad_shape = mcmc.HamiltonianMonteCarlo(lambda x: wb.reduce_sum(x, axis=0), 0.1, 2)
    with pytest.raises(ValueError, match="one log-density per chain"):
        bad_shape.bootstrap_results(wb.zeros([4, 2]))
    ignores_part = mcmc.HamiltonianMonteCarlo(lambda x, y: -0.5 * x * x, 0.1, 2)
    with pytest.raises(ValueError, match="state part 1"):
        ignores_part.bootstrap_results([wb.zeros([4]), wb.zeros([4])])
    with pytest.raises(ValueError, match="step_size"):
        mcmc.HamiltonianMonteCarlo(lambda x, y: -x * x - y * y, [0.1, 0.2, 0.3], 2).bootstrap_results(
            [wb.zeros([4]), wb.zeros([4])])


# --- diagnostics ----------------------------------------------------------------------------------


def _ar1(phi, n, chains, seed):
    rng = np.random.default_rng(seed)
    x = np.empty((n, chains))
    x[0] = rng.normal(size=chains) / np.sqrt(1 - phi ** 2)
    noise = rng.normal(size=(n, chains))
    for t in range(1, n):
        x[t] = phi * x[t - 1] + noise[t]
    return x


@pytest.mark.parametrize("phi", [0.0, 0.5, 0.8])
def test_ess_matches_ar1_theory(phi):
    n, chains = 4000, 16
    x = _ar1(phi, n, chains, seed=int(phi * 10))
    theory = n * (1 - phi) / (1 + phi)
    per_chain = mcmc.effective_sample_size(wb.constant(x)).numpy()
    assert per_chain.shape == (chains,)
    np.testing.assert_allclose(per_chain.mean(), theory, rtol=0.1)
    geyer = mcmc.effective_sample_size(wb.constant(x), filter_threshold=None,
                                       filter_beyond_positive_pairs=True).numpy()
    np.testing.assert_allclose(geyer.mean(), theory, rtol=0.12)
    pooled = mcmc.effective_sample_size(wb.constant(x), cross_chain_dims=1).numpy()
    np.testing.assert_allclose(pooled, chains * theory, rtol=0.1)


def test_ess_of_list_states_and_lag_filter():
    x = _ar1(0.5, 2000, 4, seed=1)
    a, b = mcmc.effective_sample_size([wb.constant(x), wb.constant(x[:, :2])])
    assert a.shape == (4,) and b.shape == (2,)
    np.testing.assert_allclose(a.numpy()[:2], b.numpy())
    # truncating the sum at lag 0 counts every draw as independent
    np.testing.assert_allclose(mcmc.effective_sample_size(wb.constant(x), filter_beyond_lag=0).numpy(), 2000.0)


def _rhat_reference(x):
    n, m = x.shape
    w = x.var(axis=0, ddof=1).mean()
    b_div_n = x.mean(axis=0).var(ddof=1)
    sigma2 = (n - 1) / n * w + b_div_n
    return (m + 1) / m * sigma2 / w - (n - 1) / (m * n)


def test_rhat_well_mixed_and_separated_chains():
    rng = np.random.default_rng(0)
    mixed = rng.normal(size=(1000, 4))
    r = mcmc.potential_scale_reduction(wb.constant(mixed)).numpy()
    np.testing.assert_allclose(r, _rhat_reference(mixed), rtol=1e-10)
    assert abs(r - 1.0) < 0.01
    apart = mixed + np.array([0.0, 3.0, -3.0, 6.0])
    assert mcmc.potential_scale_reduction(wb.constant(apart)).numpy() > 5.0


def test_split_rhat_catches_drifting_chains():
    rng = np.random.default_rng(1)
    drift = rng.normal(size=(1001, 4)) + np.linspace(0.0, 4.0, 1001)[:, None]
    plain = mcmc.potential_scale_reduction(wb.constant(drift)).numpy()
    split = mcmc.potential_scale_reduction(wb.constant(drift), split_chains=True).numpy()
    assert plain < 1.02 and split > 1.5
    halves = np.concatenate([drift[:500], drift[500:1000]], axis=1)
    np.testing.assert_allclose(split, _rhat_reference(halves), rtol=1e-10)


def test_rhat_with_two_chain_dims_and_state_dims():
    x = np.random.default_rng(2).normal(size=(500, 2, 3, 5))
    r = mcmc.potential_scale_reduction(wb.constant(x), independent_chain_ndims=2)
    assert r.shape == (5,)
    np.testing.assert_allclose(r.numpy()[0], _rhat_reference(x[..., 0].reshape(500, 6)), rtol=1e-10)
