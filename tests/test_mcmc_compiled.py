"""probability.mcmc's compiled steps: sample_chain replays a kernel's step as a wb.function program
(the draws are the eager draws), records the whole chain as one step inside a wb.function, and
falls back to eager steps where a step cannot be replayed; R-hat of a single chain."""

import warnings

import numpy as np
import pytest

import workbench as wb
from probability import bijectors as tfb
from probability import distributions as tfd
from probability import mcmc
from probability.mcmc.stepper import Stepper
from workbench.compiler import RetracingWarning, UnreplayableWarning


def _target(x, y):
    # x ~ N([1, -1], 1) per chain, y ~ N(3, 0.5^2): two parts, chains in front
    return (-0.5 * wb.reduce_sum((x - wb.constant([1.0, -1.0])) ** 2, axis=-1)
            - 0.5 * ((y - 3.0) / 0.5) ** 2)


def _positive_target(x, s):
    # s > 0 through a TransformedTransitionKernel: s ~ Gamma(3, 2)
    return -0.5 * wb.reduce_sum(x * x, axis=-1) + 2.0 * wb.math.log(s) - 2.0 * s


_KERNELS = {
    "hmc": lambda: mcmc.HamiltonianMonteCarlo(_target, step_size=[0.3, 0.15], num_leapfrog_steps=3),
    "rwm": lambda: mcmc.RandomWalkMetropolis(_target),
    "mala": lambda: mcmc.MetropolisAdjustedLangevinAlgorithm(_target, step_size=0.1),
    "simple_adaptation": lambda: mcmc.SimpleStepSizeAdaptation(
        mcmc.TransformedTransitionKernel(mcmc.HamiltonianMonteCarlo(_positive_target, 0.2, 3),
                                         [tfb.Identity(), tfb.Exp()]), num_adaptation_steps=12),
    "dual_averaging": lambda: mcmc.DualAveragingStepSizeAdaptation(
        mcmc.HamiltonianMonteCarlo(_target, 0.2, 2), num_adaptation_steps=12),
    "nuts": lambda: mcmc.NoUTurnSampler(_target, step_size=[0.4, 0.2], max_tree_depth=4),
}


def _init(name):
    return [wb.zeros([4, 2]), wb.ones([4]) if name == "simple_adaptation" else wb.zeros([4])]


def _chain(name, seed=(3, 4), n=20):
    kernel = _KERNELS[name]()
    (x, y), trace = mcmc.sample_chain(n, _init(name), kernel=kernel, num_burnin_steps=5, seed=seed,
                                      trace_fn=lambda _, kr: kr)
    return x.numpy(), y.numpy(), trace


@pytest.mark.parametrize("name", sorted(_KERNELS))
def test_compiled_steps_give_the_eager_draws(name):
    wb.config.run_functions_eagerly(True)
    try:
        eager = _chain(name)
    finally:
        wb.config.run_functions_eagerly(False)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnreplayableWarning)
        warnings.simplefilter("error", RetracingWarning)
        compiled = _chain(name)
    np.testing.assert_array_equal(compiled[0], eager[0])
    np.testing.assert_array_equal(compiled[1], eager[1])
    for a, b in zip(wb.nest.flatten(compiled[2]), wb.nest.flatten(eager[2])):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_the_step_is_compiled_except_where_the_kernel_reads_values():
    state = _init("hmc")
    for name, eager in [("hmc", False), ("dual_averaging", False), ("simple_adaptation", False), ("nuts", True)]:
        kernel = _KERNELS[name]()
        stepper = Stepper(kernel)
        parts = _init(name)
        kr = kernel.bootstrap_results(parts)
        for i in range(3):
            parts, kr = stepper(parts, kr, (i, 7))
        assert stepper.eager is eager, name
    assert state[0].shape == (4, 2)


def test_adaptation_stops_after_its_steps():
    kernel = mcmc.DualAveragingStepSizeAdaptation(mcmc.HamiltonianMonteCarlo(_target, 0.2, 2),
                                                  num_adaptation_steps=6)
    _, sizes = mcmc.sample_chain(12, _init("hmc"), kernel=kernel, seed=(1, 1),
                                 trace_fn=lambda _, kr: kr.new_step_size)
    sizes = sizes.numpy()   # one scalar step size per draw
    assert sizes.shape == (12,) and len(set(sizes[:6].tolist())) == 6   # a new size at each adaptation step
    assert np.all(sizes[5:] == sizes[5])                                  # then the averaged size, frozen


def test_a_target_that_reads_values_runs_eagerly_without_warnings():
    calls = []

    def target(x):
        calls.append(1)
        if float(wb.reduce_max(wb.abs(x))) > 1e6:   # a Python read of a computed value
            raise RuntimeError("diverged")
        return -0.5 * wb.reduce_sum(x * x, axis=-1)
    kernel = mcmc.HamiltonianMonteCarlo(target, step_size=0.5, num_leapfrog_steps=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x = mcmc.sample_chain(10, wb.zeros([3, 2]), kernel=kernel, seed=(1, 2), trace_fn=None)
    wb.config.run_functions_eagerly(True)
    try:
        expected = mcmc.sample_chain(10, wb.zeros([3, 2]), kernel=kernel, seed=(1, 2), trace_fn=None)
    finally:
        wb.config.run_functions_eagerly(False)
    np.testing.assert_array_equal(x.numpy(), expected.numpy())
    assert len(calls) >= 2 * 10 * 2   # the target ran at every leapfrog step of both chains


def test_sample_chain_inside_a_function_is_one_step_of_the_program():
    kernel = _KERNELS["hmc"]()

    @wb.function(autograph=False)
    def run(seed):
        (x, y), is_accepted = mcmc.sample_chain(120, _init("hmc"), kernel=kernel, num_burnin_steps=40,
                                                trace_fn=lambda _, kr: kr.is_accepted, seed=seed)
        return wb.reduce_mean(x, axis=[0, 1]), y, wb.reduce_mean(wb.cast(is_accepted, wb.float32))

    seed = wb.constant([5, 6])
    first = run(seed)
    ops = run.get_concrete_function(seed).ops
    assert len(ops) < 20, ops   # the chain, the means; not 160 traced steps
    again = run(seed)
    other = run(wb.constant([5, 7]))
    np.testing.assert_array_equal(first[1].numpy(), again[1].numpy())
    assert not np.array_equal(first[1].numpy(), other[1].numpy())
    (x, y), _ = mcmc.sample_chain(120, _init("hmc"), kernel=kernel, num_burnin_steps=40,
                                  trace_fn=lambda _, kr: kr.is_accepted, seed=wb.constant([5, 7]))
    np.testing.assert_array_equal(other[1].numpy(), y.numpy())
    np.testing.assert_allclose(other[0].numpy(), [1.0, -1.0], atol=0.2)
    assert 0.6 < float(other[2]) <= 1.0


def test_rhat_of_a_single_chain_splits_it():
    rng = np.random.default_rng(4)
    one = rng.normal(size=(1001, 1, 3))
    split = mcmc.potential_scale_reduction(wb.constant(one), split_chains=True).numpy()
    assert split.shape == (3,) and np.all(np.abs(split - 1.0) < 0.02)
    # the halves as two chains, the odd last draw dropped
    halves = np.concatenate([one[:500], one[500:1000]], axis=1)
    np.testing.assert_allclose(split, mcmc.potential_scale_reduction(wb.constant(halves)).numpy(), rtol=1e-12)
    drifting = one[:, :, 0] + np.linspace(0.0, 4.0, 1001)[:, None]
    assert mcmc.potential_scale_reduction(wb.constant(drifting), split_chains=True).numpy() > 1.5
    # without splitting, one chain has no between-chain variance: NaN, as TFP's formula gives
    assert np.all(np.isnan(mcmc.potential_scale_reduction(wb.constant(one)).numpy()))
    with pytest.raises(ValueError, match="at least 4 draws"):
        mcmc.potential_scale_reduction(wb.constant(one[:3]), split_chains=True)
    with pytest.raises(ValueError, match="at least 2 draws"):
        mcmc.potential_scale_reduction(wb.constant(one[:1]))


def test_windowed_adaptive_hmc_inside_a_function_matches_eager():
    jd = tfd.JointDistributionNamed(dict(x=tfd.Normal(np.zeros(2), [1.0, 10.0])))

    def run(seed):
        draws, trace = mcmc.windowed_adaptive_hmc(40, jd, num_leapfrog_steps=3, n_chains=4,
                                                  num_adaptation_steps=40, seed=seed)
        return draws["x"], trace["step_size"]

    traced = wb.function(run, autograph=False)
    x, step_size = traced(wb.constant([2, 3]))
    assert len(traced.get_concrete_function(wb.constant([2, 3])).ops) < 10
    x_eager, step_eager = run((2, 3))
    np.testing.assert_array_equal(x.numpy(), x_eager.numpy())
    np.testing.assert_array_equal(step_size.numpy(), step_eager.numpy())
    assert x.shape == (40, 4, 2) and not np.array_equal(traced(wb.constant([2, 4]))[0].numpy(), x.numpy())


def test_a_kernel_keeps_its_programs_across_chains_and_shapes():
    kernel = mcmc.HamiltonianMonteCarlo(_target, step_size=[0.3, 0.15], num_leapfrog_steps=2)
    for chains in (4, 2, 4, 2):
        mcmc.sample_chain(5, [wb.zeros([chains, 2]), wb.zeros([chains])], kernel=kernel, seed=(chains, 1),
                          trace_fn=None)
    stepper = Stepper.of(kernel)
    assert stepper is kernel._stepper and not stepper.eager
    # two traces per state shape (from the bootstrap results, then from a step's results)
    assert stepper._program.experimental_get_tracing_count() == 4


def test_one_step_in_a_function_called_step_by_step_replays():
    # the Linear Mixed Effects notebook's E-step: hmc.one_step in a tf.function, called from Python
    hmc = mcmc.HamiltonianMonteCarlo(_target, step_size=[0.3, 0.15], num_leapfrog_steps=3)
    state = _init("hmc")
    kr = hmc.bootstrap_results(state)

    @wb.function(autograph=False, jit_compile=True)
    def one_e_step(current_state, kernel_results):
        return hmc.one_step(current_state=current_state, previous_kernel_results=kernel_results)

    accepted, ys = 0.0, []
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnreplayableWarning)
        for _ in range(150):
            state, kr = one_e_step(state, kr)
            accepted += float(np.mean(kr.is_accepted.numpy()))
            ys.append(state[1].numpy())
    assert one_e_step.experimental_get_tracing_count() <= 2
    ys = np.array(ys[50:])
    assert accepted / 150 > 0.7
    assert abs(ys.mean() - 3.0) < 0.15 and abs(ys.std() - 0.5) < 0.12
    assert len(set(ys[:, 0].tolist())) > 20   # fresh momentum at every call (seed None)
