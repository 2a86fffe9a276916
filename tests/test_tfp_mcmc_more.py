"""probability.mcmc breadth: sample_halton_sequence (TFP 0.25's unrandomized values, randomized
uniformity), SliceSampler (moments and a KS test against the target), annealed importance sampling
(the normalizing constant)."""

import math

import numpy as np
import pytest
import scipy.stats as ss

import workbench as wb
import probability as tfp

mcmc = tfp.mcmc


def _np(t):
    return np.asarray(t.numpy() if hasattr(t, "numpy") else t)


def test_halton_unrandomized_pinned_to_tfp():
    got = _np(mcmc.sample_halton_sequence(3, num_results=5, randomized=False))
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, [[0.5, 0.3333333432674408, 0.20000000298023224],
                                     [0.25, 0.6666666865348816, 0.4000000059604645],
                                     [0.75, 0.1111111119389534, 0.6000000238418579],
                                     [0.125, 0.4444444477558136, 0.800000011920929],
                                     [0.625, 0.7777777910232544, 0.03999999910593033]], rtol=1e-7)
    got = _np(mcmc.sample_halton_sequence(2, sequence_indices=[0, 4, 10], randomized=False, dtype=wb.float64))
    np.testing.assert_allclose(got, [[0.5, 1 / 3], [0.625, 7 / 9], [0.8125, 19 / 27]], rtol=1e-15)
    # base 541 is the 100th prime: the first coordinate past it is 1/541
    np.testing.assert_allclose(_np(mcmc.sample_halton_sequence(100, num_results=1, randomized=False))[0, 99],
                               1 / 541, rtol=1e-6)


def test_halton_randomized_is_seeded_uniform_and_low_discrepancy():
    a = _np(mcmc.sample_halton_sequence(4, num_results=1024, seed=(1, 2), dtype=wb.float64))
    b = _np(mcmc.sample_halton_sequence(4, num_results=1024, seed=(1, 2), dtype=wb.float64))
    c = _np(mcmc.sample_halton_sequence(4, num_results=1024, seed=(3, 4), dtype=wb.float64))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert a.min() >= 0.0 and a.max() < 1.0
    for k in range(4):
        assert ss.kstest(a[:, k], "uniform").pvalue > 0.01
    # far more even than independent uniforms (centred L2 discrepancy)
    from scipy.stats import qmc
    assert qmc.discrepancy(a) < 0.1 * qmc.discrepancy(np.random.RandomState(0).rand(1024, 4))
    # the mean of a smooth function converges faster than Monte Carlo's 1/sqrt(n)
    est = np.mean(np.prod(1 + 0.5 * (a - 0.5), axis=1))
    assert abs(est - 1.0) < 1e-3


def test_halton_arguments_are_checked():
    with pytest.raises(ValueError, match="exactly one"):
        mcmc.sample_halton_sequence(2)
    with pytest.raises(ValueError, match="dim"):
        mcmc.sample_halton_sequence(0, num_results=3)


def test_slice_sampler_samples_the_target():
    scales = np.array([1.0, 2.0])
    kernel = mcmc.SliceSampler(lambda x: -0.5 * wb.reduce_sum(wb.square(x / scales), axis=-1),
                               step_size=1.0, max_doublings=5)
    samples, satisfied = mcmc.sample_chain(300, wb.zeros([16, 2], dtype=wb.float64), kernel=kernel,
                                           num_burnin_steps=30, trace_fn=lambda _, kr: kr.bounds_satisfied,
                                           seed=(1, 2))
    s = _np(samples).reshape(-1, 2)
    assert np.all(np.abs(s.mean(0)) < [0.15, 0.3])          # effective sizes of a few hundred
    np.testing.assert_allclose(s.std(0), scales, rtol=0.08)
    thinned = _np(samples)[::10].reshape(-1, 2)
    assert ss.kstest(thinned[:, 1] / 2.0, "norm").pvalue > 0.01
    assert _np(satisfied).mean() > 0.5


def test_slice_sampler_on_a_skewed_one_dimensional_target_and_seeds():
    target = tfp.distributions.Gamma(wb.constant(2.0, wb.float64), wb.constant(1.0, wb.float64))
    kernel = mcmc.SliceSampler(target.log_prob, step_size=0.5, max_doublings=6)
    samples = mcmc.sample_chain(200, wb.ones([32], dtype=wb.float64), kernel=kernel, num_burnin_steps=20,
                                trace_fn=None, seed=(5, 6))
    s = _np(samples)
    assert s.min() > 0.0
    assert ss.kstest(s[::8].ravel(), ss.gamma(2.0).cdf).pvalue > 0.01
    again = mcmc.sample_chain(5, wb.ones([3], dtype=wb.float64), kernel=kernel, trace_fn=None, seed=(5, 6))
    once_more = mcmc.sample_chain(5, wb.ones([3], dtype=wb.float64), kernel=kernel, trace_fn=None, seed=(5, 6))
    np.testing.assert_array_equal(_np(again), _np(once_more))
    results = kernel.bootstrap_results(wb.ones([3], dtype=wb.float64))
    assert set(results._fields) == {"target_log_prob", "bounds_satisfied", "direction", "upper_bounds",
                                    "lower_bounds", "seed"}


def test_slice_sampler_with_a_list_state():
    kernel = mcmc.SliceSampler(lambda a, b: -0.5 * (a * a + wb.reduce_sum(b * b, axis=-1)),
                               step_size=1.0, max_doublings=4)
    a, b = mcmc.sample_chain(150, [wb.zeros([8], dtype=wb.float64), wb.zeros([8, 2], dtype=wb.float64)],
                             kernel=kernel, num_burnin_steps=10, trace_fn=None, seed=(7, 8))
    assert _np(a).shape == (150, 8) and _np(b).shape == (150, 8, 2)
    np.testing.assert_allclose(np.var(np.concatenate([_np(a).ravel(), _np(b).ravel()])), 1.0, rtol=0.15)


def test_annealed_importance_sampling_estimates_the_normalizer():
    proposal = tfp.distributions.Normal(wb.constant(0.0, wb.float64), wb.constant(1.0, wb.float64))

    def target(x):                              # unnormalized N(2, 0.5^2): Z = sqrt(2 pi) * 0.5
        return -0.5 * wb.square((x - 2.0) / 0.5)

    x0 = proposal.sample(500, seed=(1, 2))
    state, weights, results = mcmc.sample_annealed_importance_chain(
        40, proposal.log_prob, target, x0,
        lambda fn: mcmc.HamiltonianMonteCarlo(fn, step_size=0.4, num_leapfrog_steps=3), seed=(3, 4))
    log_z = float(_np(tfp.math.reduce_logmeanexp(weights)))
    assert abs(log_z - math.log(math.sqrt(2 * math.pi) * 0.5)) < 0.05
    np.testing.assert_allclose(_np(state).mean(), 2.0, atol=0.08)
    np.testing.assert_allclose(_np(state).std(), 0.5, rtol=0.1)
    np.testing.assert_allclose(_np(results.target_log_prob), _np(target(state)))
    with pytest.raises(ValueError, match="num_steps"):
        mcmc.sample_annealed_importance_chain(0, proposal.log_prob, target, x0, None)


def test_even_odd_swap_proposals_follow_tfps_schedule():
    fn = mcmc.even_odd_swap_proposal_fn(1.0)
    assert _np(fn(4, step_count=0)).tolist() == [1, 0, 3, 2] and _np(fn(4, step_count=1)).tolist() == [0, 2, 1, 3]
    # TFP 0.25's permutations for 5 replicas, steps 0..6
    want = {1.0: [[1, 0, 3, 2, 4], [0, 2, 1, 4, 3]] * 3 + [[1, 0, 3, 2, 4]],
            0.5: [[1, 0, 3, 2, 4], [0, 1, 2, 3, 4], [0, 2, 1, 4, 3], [0, 1, 2, 3, 4], [1, 0, 3, 2, 4],
                  [0, 1, 2, 3, 4], [0, 2, 1, 4, 3]],
            0.3: [[1, 0, 3, 2, 4], [0, 1, 2, 3, 4], [0, 1, 2, 3, 4], [0, 1, 2, 3, 4], [0, 2, 1, 4, 3],
                  [0, 1, 2, 3, 4], [0, 1, 2, 3, 4]]}
    for freq, perms in want.items():
        fn = mcmc.even_odd_swap_proposal_fn(freq)
        assert [_np(fn(5, step_count=k)).tolist() for k in range(7)] == perms
    assert all(_np(mcmc.even_odd_swap_proposal_fn(0.0)(4, step_count=k)).tolist() == [0, 1, 2, 3] for k in range(5))
    with pytest.raises(ValueError, match="swap_frequency"):
        mcmc.even_odd_swap_proposal_fn(1.5)
    # it drives ReplicaExchangeMC: every proposed pair on a swap step, none between
    kernel = mcmc.ReplicaExchangeMC(
        lambda x: -0.5 * x * x, inverse_temperatures=wb.constant([1.0, 0.5, 0.25]),
        make_kernel_fn=lambda fn: mcmc.RandomWalkMetropolis(fn), swap_proposal_fn=mcmc.even_odd_swap_proposal_fn(0.5))
    _, proposed = mcmc.sample_chain(4, wb.zeros([2]), kernel=kernel,
                                    trace_fn=lambda _, kr: kr.is_swap_proposed_adjacent, seed=(1, 2))
    got = _np(proposed)[:, :, 0]
    np.testing.assert_array_equal(got, [[True, False], [False, False], [False, True], [False, False]])
