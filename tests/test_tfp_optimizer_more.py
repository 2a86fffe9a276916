"""probability.optimizer breadth: nelder_mead_one_step (TFP 0.25's simplices), differential
evolution, the SGLD and variational SGD optimizers; also tfp.random.rayleigh and
tfp.util.SeedStream / ParameterProperties (TFP's numbers)."""

import numpy as np
import pytest
import scipy.stats as ss

import workbench as wb
import probability as tfp

opt = tfp.optimizer


def _np(t):
    return np.asarray(t.numpy() if hasattr(t, "numpy") else t)


_COEFFS = dict(reflection=1.0, expansion=2.0, contraction=0.5, shrinkage=0.5)


def test_nelder_mead_one_step_pinned_to_tfp():
    f = lambda x: wb.reduce_sum((x - np.array([1.0, 2.0])) ** 2, axis=-1)
    s = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    conv, s1, v1, n = opt.nelder_mead_one_step(s, f(s), objective_function=f, batch_evaluate_objective=True,
                                               dim=2, func_tolerance=1e-8, position_tolerance=1e-8, **_COEFFS)
    assert not bool(_np(conv)) and int(_np(n)) == 2
    np.testing.assert_allclose(_np(s1), [[1.5, 1.5], [1.0, 0.0], [0.0, 1.0]])       # expanded in place
    np.testing.assert_allclose(_np(v1), [0.5, 4.0, 2.0])
    _, s2, v2, n = opt.nelder_mead_one_step(s1, v1, objective_function=f, batch_evaluate_objective=True, **_COEFFS)
    np.testing.assert_allclose(_np(s2), [[1.5, 1.5], [0.5, 2.5], [0.0, 1.0]])       # reflected
    assert int(_np(n)) == 1
    # 25 steps on a Rosenbrock valley (reflections, contractions, shrinks): TFP 0.25's simplex
    g = lambda x: (1 - x[..., 0]) ** 2 + 10 * (x[..., 1] - x[..., 0] ** 2) ** 2
    s = np.array([[-1.0, 1.0], [-0.5, 1.2], [-1.1, 0.4]])
    v, evaluations = g(s), 0
    for _ in range(25):
        conv, s, v, n = opt.nelder_mead_one_step(s, v, objective_function=g, batch_evaluate_objective=True,
                                                 func_tolerance=1e-3, position_tolerance=1e-8, **_COEFFS)
        evaluations += int(_np(n))
        assert not bool(_np(conv))
    np.testing.assert_allclose(_np(s), [[0.3596729623153785, 0.057081716880202985],
                                        [0.3116467647254449, 0.04696808010339794],
                                        [0.30482307858764945, 0.09107916578650539]], rtol=1e-12)
    np.testing.assert_allclose(_np(v), [0.4622669246782094, 0.49898604456747037, 0.483304732425723], rtol=1e-12)
    assert evaluations == 48


def test_nelder_mead_one_step_converged_and_errors():
    f = lambda x: wb.reduce_sum(x * x)
    s = np.array([[0.0, 0.0], [1e-9, 0.0], [0.0, 1e-9]])
    values = np.array([0.0, 1e-18, 1e-18])
    conv, s1, _, n = opt.nelder_mead_one_step(s, values, objective_function=f, func_tolerance=1e-12)
    assert bool(_np(conv)) and int(_np(n)) == 1   # TFP evaluates the reflected point first
    np.testing.assert_array_equal(_np(s1), s)
    with pytest.raises(ValueError, match="vertices"):
        opt.nelder_mead_one_step(s[:2], values[:2], objective_function=f, dim=2)


def test_differential_evolution_minimizes():
    r = opt.differential_evolution_minimize(lambda x: wb.reduce_sum((x - 3.0) ** 2, axis=-1),
                                            initial_position=wb.constant([0.0, 0.0]), seed=1)
    assert bool(_np(r.converged)) and not bool(_np(r.failed))
    np.testing.assert_allclose(_np(r.position), [3.0, 3.0], atol=1e-4)
    assert _np(r.final_population).shape == (50, 2)
    np.testing.assert_array_equal(_np(r.initial_population[0])[0], [0.0, 0.0])   # the start is a member
    rosen = lambda a, b: (1 - a) ** 2 + 100 * (b - a * a) ** 2
    r = opt.differential_evolution_minimize(rosen, initial_position=[wb.constant(0.0, wb.float64)] * 2,
                                            population_size=40, max_iterations=400, seed=(3, 4))
    np.testing.assert_allclose([float(_np(p)) for p in r.position], [1.0, 1.0], atol=1e-4)
    # as in TF, the seeded ops go on with their numbers on a second run; set_seed restarts them
    runs = []
    for _ in range(2):
        wb.random.set_seed(None)
        runs.append(opt.differential_evolution_minimize(rosen, initial_position=[wb.constant(0.0, wb.float64)] * 2,
                                                        population_size=40, max_iterations=400, seed=(3, 4)))
    assert int(_np(runs[0].num_iterations)) == int(_np(runs[1].num_iterations))
    np.testing.assert_array_equal(_np(runs[0].final_objective_values), _np(runs[1].final_objective_values))
    with pytest.raises(ValueError, match="exactly one"):
        opt.differential_evolution_minimize(rosen)


def test_differential_evolution_one_step_never_worsens_a_member():
    rng = np.random.RandomState(0)
    pop = rng.standard_normal((20, 3))
    f = lambda x: wb.reduce_sum(x * x, axis=-1)
    values = _np(f(pop))
    nxt, nxt_values = opt.differential_evolution_one_step(f, wb.constant(pop), seed=(5, 6))
    assert np.all(_np(nxt_values) <= values)
    np.testing.assert_allclose(_np(nxt_values), np.sum(_np(nxt) ** 2, axis=-1), rtol=1e-12)
    changed = np.any(_np(nxt) != pop, axis=1)
    assert changed.any() and np.all(_np(nxt_values)[changed] < values[changed])
    with pytest.raises(ValueError, match="at least 4"):
        opt.differential_evolution_one_step(f, wb.constant(pop[:3]))


def test_sgld_samples_the_posterior():
    wb.random.set_seed(0)
    n = 100.0
    v = wb.Variable(np.zeros(20, np.float32))
    sgld = opt.StochasticGradientLangevinDynamics(learning_rate=1e-4, data_size=n, burnin=50,
                                                  preconditioner_decay_rate=0.99)
    samples = []
    for i in range(1500):
        with wb.GradientTape() as tape:
            loss = 0.5 * wb.reduce_sum((v - 1.0) ** 2)           # per-point loss: posterior N(1, 1/n)
        sgld.apply_gradients([(tape.gradient(loss, v), v)])
        if i == 40:
            # before `burnin` steps there is no noise: every coordinate moved alike
            assert np.ptp(_np(v)) < 1e-6
        if i > 300:
            samples.append(_np(v).copy())
    s = np.array(samples)
    assert abs(s.mean() - 1.0) < 0.01
    np.testing.assert_allclose(s.var(0).mean(), 1 / n, rtol=0.2)
    with pytest.raises(ValueError, match="burnin"):
        opt.StochasticGradientLangevinDynamics(0.1, burnin=-1)


def _vsgd_reference(grads, batch_size, total, decay, burnin, max_lr, burnin_lr, w0):
    w, first, second = w0.copy(), np.zeros_like(w0), np.zeros_like(w0)
    for step, g in enumerate(grads):
        if step < 1:
            first = g.copy()
        else:
            d = g - first
            first += (1 - decay) * d
            second += (1 - decay) * (decay * d * d - second)
        rate = 2 * batch_size / (total * np.clip(second, 1e-12, 1e12) * batch_size)
        w -= g * np.clip(rate, 0, burnin_lr if step < burnin else max_lr)
    return w


def test_variational_sgd_follows_its_update_rule_and_converges():
    rng = np.random.RandomState(0)
    noise = rng.standard_normal((200, 2)) * 0.3
    v = wb.Variable(np.array([5.0, -3.0]))
    vsgd = opt.VariationalSGD(batch_size=10, total_num_examples=1000, burnin=5, max_learning_rate=0.5)
    grads = []
    for k in range(200):
        with wb.GradientTape() as tape:
            loss = 0.5 * wb.reduce_sum((v - 1.0 + noise[k]) ** 2)
        g = tape.gradient(loss, v)
        grads.append(_np(g).copy())
        vsgd.apply_gradients([(g, v)])
    want = _vsgd_reference(grads, 10, 1000, 0.95, 5, 0.5, 1e-6, np.array([5.0, -3.0]))
    np.testing.assert_allclose(_np(v), want, rtol=1e-10)
    assert np.all(np.abs(_np(v) - 1.0) < 0.6)


def test_rayleigh_draws_are_tfps_and_rayleigh_distributed():
    np.testing.assert_allclose(_np(tfp.random.rayleigh([3], scale=2.0, seed=(1, 2))),
                               [1.164581298828125, 3.633206605911255, 0.17398709058761597], rtol=1e-6)
    np.testing.assert_allclose(_np(tfp.random.rayleigh([2, 2], seed=(5, 6), dtype=wb.float64)),
                               [[2.1646653566173217, 1.493512121109746], [1.6704510339959815, 1.3404336578057778]],
                               rtol=1e-12)
    assert _np(tfp.random.rayleigh([4, 1], scale=[1.0, 3.0], seed=(1, 1))).shape == (4, 2)
    x = _np(tfp.random.rayleigh([20000], scale=1.5, seed=(7, 8), dtype=wb.float64))
    assert ss.kstest(x, ss.rayleigh(scale=1.5).cdf).pvalue > 0.01


def test_seed_stream_gives_tfps_seeds():
    s = tfp.util.SeedStream(42, salt="abc")
    assert s() == int("4983240068931614777322170211209366978998921622192421699210915554208474594277556017372697810"
                      "380608213482465089044288313145799595444752774122022618080636565")
    assert s() == int("9974896461625833554275013386991820490619333181813774736788890291027004773434673218104148697"
                      "255678644951121535641031469969054834199911845798921121562984904")
    child = tfp.util.SeedStream(s, salt="x")
    assert child.original_seed == 42 and child.salt == "x"
    assert tfp.util.SeedStream(None, salt="a")() is None
    assert tfp.util.ParameterProperties is tfp.distributions.Normal.parameter_properties()["loc"].__class__


def test_batched_component_properties_and_tfp_module_names():
    props = tfp.util.BatchedComponentProperties(event_ndims=1)
    assert isinstance(props, tfp.util.ParameterProperties)
    assert props.event_ndims == 1 and props.is_tensor is False and props.default_constraining_bijector_fn is None
    with pytest.raises(NotImplementedError, match="shape_fn"):
        props.shape_fn([2])
    assert tfp.mcmc.simple_step_size_adaptation.SimpleStepSizeAdaptation is tfp.mcmc.SimpleStepSizeAdaptation
    assert tfp.mcmc.dual_averaging_step_size_adaptation.DualAveragingStepSizeAdaptation is \
        tfp.mcmc.DualAveragingStepSizeAdaptation
    assert tfp.mcmc.diagnostic.effective_sample_size is tfp.mcmc.effective_sample_size
    assert tfp.mcmc.slice_sampler_kernel.SliceSampler is tfp.mcmc.SliceSampler
    assert tfp.mcmc.sample_halton_sequence_lib.sample_halton_sequence is tfp.mcmc.sample_halton_sequence
    assert tfp.mcmc.sample_annealed_importance.sample_annealed_importance_chain is \
        tfp.mcmc.sample_annealed_importance_chain


def _line(f):
    import collections
    point = collections.namedtuple("ValueAndGradient", ["x", "f", "df"])

    def fn(x):
        x = wb.convert_to_tensor(x, wb.float64)
        with wb.GradientTape() as tape:
            tape.watch(x)
            v = f(x)
        return point(x, v, tape.gradient(v, x))
    return fn


def test_hager_zhang_pinned_to_tfp():
    hz = opt.linesearch.hager_zhang
    cases = {   # (function, initial step): (func_evals, iterations, final step), all TFP 0.25's
        ("quartic", 0.01): (8, 5, 1.6616888407088397), ("quartic", 1.0): (9, 4, 1.8247693772148337),
        ("quartic", 20.0): (12, 5, 1.5696237731998426),
        ("steep", 0.01): (6, 4, 0.5681461028184391), ("steep", 1.0): (3, 1, 0.6260705709986626),
        ("steep", 20.0): (5, 2, 0.3007948000314032), ("far", 0.01): (9, 7, 100.0), ("far", 1.0): (6, 4, 100.0),
        ("far", 20.0): (4, 2, 100.0)}
    fns = {"quartic": lambda x: (x - 1.3) ** 2 * (x + 0.5) ** 2 - 2.0 * x,
           "steep": lambda x: wb.exp(2 * x) - 10 * x, "far": lambda x: (x - 100.0) ** 2}
    for (name, step), (evals, iterations, x) in cases.items():
        r = hz(_line(fns[name]), initial_step_size=np.float64(step))
        assert bool(_np(r.converged)) and not bool(_np(r.failed)), (name, step)
        assert int(_np(r.iterations)) == iterations, (name, step)
        if evals is not None:
            assert int(_np(r.func_evals)) == evals, (name, step)
        np.testing.assert_allclose(float(_np(r.left.x)), x, rtol=1e-12)
        np.testing.assert_allclose(float(_np(r.right.x)), x, rtol=1e-12)
        # the (approximate) Wolfe conditions hold at the step found
        zero = _line(fns[name])(wb.constant(0.0, wb.float64))
        f0, d0 = float(_np(zero.f)), float(_np(zero.df))
        fx, dx = float(_np(r.left.f)), float(_np(r.left.df))
        wolfe = fx - f0 <= 0.1 * x * d0 and dx >= 0.9 * d0
        approx = -0.8 * d0 >= dx >= 0.9 * d0 and fx <= f0 + 1e-6 * abs(f0)
        assert wolfe or approx, (name, step)
    # a batch of three lines (TFP: all converge at the exact minima after 2 iterations)
    r = hz(_line(lambda x: (x - wb.constant([1.0, 3.0, 0.2], wb.float64)) ** 2 - 2 * x),
           initial_step_size=np.array([1.0, 1.0, 1.0]))
    assert _np(r.converged).all() and _np(r.iterations).tolist() == [2, 2, 2]
    np.testing.assert_allclose(_np(r.left.x), [2.0, 4.0, 1.2], rtol=1e-12)
    np.testing.assert_allclose(_np(r.right.df), [0.0, 0.0, 0.0], atol=1e-12)
    # not a descent direction: failed at once, the bracket is [0, initial step]
    r = hz(_line(lambda x: wb.sin(3 * x) + 0.1 * x * x - 0.5 * x), initial_step_size=np.float64(1.0))
    assert bool(_np(r.failed)) and not bool(_np(r.converged)) and int(_np(r.func_evals)) == 2
    assert float(_np(r.left.x)) == 0.0 and float(_np(r.right.x)) == 1.0


def test_hager_zhang_batch_counts_batched_calls_as_tfp():
    import collections
    point = collections.namedtuple("P", ["x", "f", "df"])

    def fn(x):   # three different lines searched together
        a, b, c = x[0], x[1], x[2]
        v = wb.stack([(a - 1.3) ** 2 * (a + 0.5) ** 2 - 2.0 * a, wb.exp(2 * b) - 10 * b, (c - 100.0) ** 2])
        d = wb.stack([2 * (a - 1.3) * (a + 0.5) ** 2 + 2 * (a - 1.3) ** 2 * (a + 0.5) - 2.0, 2 * wb.exp(2 * b) - 10.0,
                      2 * (c - 100.0)])
        return point(x, v, d)
    steps = wb.constant([20.0, 0.01, 1.0], wb.float64)
    # TFP 0.25: 15 batched calls; iterations [5, 4, 4]; a member passed in as converged is not searched
    for converged, iterations, left in ((None, [5, 4, 4], [1.5696237731998424, 0.5681461028184391, 100.0]),
                                        ([False, True, False], [5, 0, 4], [1.5696237731998424, 0.0, 100.0])):
        r = opt.linesearch.hager_zhang(fn, initial_step_size=steps,
                                       converged=None if converged is None else wb.constant(converged))
        assert int(_np(r.func_evals)) == 15 and _np(r.iterations).tolist() == iterations
        assert _np(r.converged).all() and not _np(r.failed).any()
        np.testing.assert_allclose(_np(r.left.x), left, rtol=1e-12)
        np.testing.assert_allclose(_np(r.right.x), left, rtol=1e-12)
