"""bfgs_minimize / lbfgs_minimize against TFP 0.25: converged, failed, num_iterations,
num_objective_evaluations (batched calls), positions and values, all pinned from TFP runs of the
same problems (the optimizers tutorial's quadratic, Rosenbrock in float64 and float32, batches,
tolerances, line searches that fail)."""

import numpy as np
import pytest

import workbench as wb
import probability as tfp

opt = tfp.optimizer


def _vg(f):
    return lambda x: tfp.math.value_and_gradient(f, x)


_rs = np.random.RandomState(12345)        # the tutorial's np.random.seed(12345)
_SCALES = np.exp(_rs.randn(10))
_QSTART = _rs.randn(10)
quad = _vg(lambda x: wb.reduce_sum(_SCALES * (x - 1.0) ** 2, axis=-1))
rosen = _vg(lambda x: wb.reduce_sum(100.0 * (x[..., 1:] - x[..., :-1] ** 2) ** 2 + (1.0 - x[..., :-1]) ** 2, axis=-1))
barrier = _vg(lambda x: wb.reduce_sum((x - 3.0) ** 2 - wb.sqrt(2.0 - x), axis=-1))   # NaN past x = 2


def wrong_gradient(x):   # the gradient's sign is flipped: no step meets the Wolfe conditions
    return wb.reduce_sum(x ** 2, axis=-1), -2.0 * x


R0 = np.array([-1.2, 1.0])
STARTS = np.array([[-1.2, 1.0], [2.0, 2.0], [0.0, 0.0], [1.0, 1.0], [-0.5, 3.0]])
B, L = opt.bfgs_minimize, opt.lbfgs_minimize
CASES = {   # name: (minimize, objective, start, kwargs)
    "quad_lbfgs": (L, quad, _QSTART, dict(tolerance=1e-10)),
    "quad_bfgs": (B, quad, _QSTART, dict(tolerance=1e-10)),
    "rosen64_bfgs": (B, rosen, R0, dict(max_iterations=100)),
    "rosen64_lbfgs": (L, rosen, R0, dict(max_iterations=100)),
    "rosen32_bfgs": (B, rosen, R0.astype(np.float32), dict(max_iterations=100)),
    "rosen32_lbfgs": (L, rosen, R0.astype(np.float32), dict(max_iterations=100)),
    "batch_bfgs": (B, rosen, STARTS, dict(max_iterations=100)),
    "batch_lbfgs": (L, rosen, STARTS, dict(max_iterations=100)),
    "batch_any_bfgs": (B, rosen, STARTS[[0, 2, 4]], dict(stopping_condition=opt.converged_any)),
    "batch_any_lbfgs": (L, rosen, STARTS[[0, 2, 4]], dict(stopping_condition=opt.converged_any)),
    "batch32_lbfgs": (L, rosen, STARTS[:4].reshape(2, 2, 2).astype(np.float32), {}),
    "batch32_bfgs": (B, rosen, STARTS[:4].reshape(2, 2, 2).astype(np.float32), {}),
    "wrong_bfgs": (B, wrong_gradient, np.array([[1.0, -2.0], [0.5, 0.5]]), {}),
    "wrong_lbfgs": (L, wrong_gradient, np.array([1.0, -2.0]), {}),
    "barrier_bfgs": (B, barrier, np.array([0.0, -1.0, 1.0]), {}),
    "barrier_lbfgs": (L, barrier, np.array([0.0, -1.0, 1.0]), {}),
    "lsmax_bfgs": (B, rosen, R0, dict(max_line_search_iterations=2)),
    "frel_bfgs": (B, rosen, R0, dict(f_relative_tolerance=0.05)),
    "frel_lbfgs": (L, rosen, R0, dict(f_relative_tolerance=0.05)),
    "xtol_bfgs": (B, rosen, R0, dict(x_tolerance=1e-3)),
    "xtol_lbfgs": (L, rosen, R0, dict(x_tolerance=1e-3)),
    "fabs_bfgs": (B, rosen, R0, dict(f_absolute_tolerance=1e-4)),
    "fabs_lbfgs": (L, rosen, R0, dict(f_absolute_tolerance=1e-4)),
    "maxit_bfgs": (B, rosen, R0, dict(max_iterations=7)),
    "maxit_lbfgs": (L, rosen, R0, dict(max_iterations=7)),
    "h0_bfgs": (B, rosen, R0, dict(initial_inverse_hessian_estimate=np.array([[0.01, 0.0], [0.0, 0.05]]))),
    "noscale_bfgs": (B, rosen, R0, dict(scale_initial_inverse_hessian=False)),
}
T, F = True, False
TFP = {   # TFP 0.25: converged, failed, num_iterations, num_objective_evaluations, position, objective_value
    "quad_lbfgs": (T, F, 10, 28, [1.0] * 10, 0.0),
    "quad_bfgs": (T, F, 10, 31, [1.0] * 10, 4.84974246e-28),
    "rosen64_bfgs": (T, F, 37, 107, [1.0, 1.0], 1.548139526e-29),
    "rosen64_lbfgs": (T, F, 29, 81, [1.0, 1.0], 5.965760596e-30),
    "rosen32_bfgs": (T, F, 33, 84, [1.0, 1.0], 0.0),
    "rosen32_lbfgs": (T, F, 32, 87, [1.0, 1.0], 0.0),
    "batch_bfgs": ([T] * 5, [F] * 5, 37, 160, [[1.0, 1.0]] * 4 + [[1.0, 0.9999999999]],
                   [9.654301625e-28, 2.653087729e-22, 3.137693186e-23, 0.0, 4.86689679e-21]),
    "batch_lbfgs": ([T] * 5, [F] * 5, 38, 145, [[1.0, 1.0]] * 4 + [[1.000000001, 1.000000002]],
                    [6.705317694e-30, 8.54502102e-23, 5.191703158e-27, 0.0, 8.323129597e-19]),
    "batch_any_bfgs": ([F, T, F], [F, F, F], 21, 108, [[0.4139174843, 0.154934389], [1.0, 1.0],
                                                       [0.7254277818, 0.5288993838]],
                       [0.3703667266, 3.137693186e-23, 0.07609423066]),
    "batch_any_lbfgs": ([F, T, F], [F, F, F], 24, 102, [[0.9938739222, 0.9864589195], [1.0, 1.0],
                                                        [0.6204742569, 0.3728534707]],
                        [0.0002134767772, 5.191703158e-27, 0.1587652064]),
    "batch32_lbfgs": ([[T, T], [T, T]], [[F, F], [F, F]], 32, 109, np.ones((2, 2, 2)), np.zeros((2, 2))),
    # float32 batches: TF's batched matvec rounds as fused multiply-adds (34 / 108; 33 / 104 without)
    "batch32_bfgs": ([[T, T], [T, T]], [[F, F], [F, F]], 34, 108, np.ones((2, 2, 2)), np.zeros((2, 2))),
    "wrong_bfgs": ([F, F], [F, F], 50, 3801, [[1.000025, -2.000050001], [0.5000125001, 0.5000125001]],
                   [5.000250006, 0.5000250006]),
    "wrong_lbfgs": (F, T, 2, 78, [1.0000005, -2.000001], 5.000005),
    "barrier_bfgs": (F, T, 1, 2, [0.0, -1.0, 1.0], 24.85373563),
    "barrier_lbfgs": (F, T, 1, 2, [0.0, -1.0, 1.0], 24.85373563),
    "lsmax_bfgs": (F, T, 3, 10, [-1.029090339, 1.062296665], 4.118276722),
    "frel_bfgs": (T, F, 3, 11, [-1.028730323, 1.056763648], 4.115978502),
    "frel_lbfgs": (T, F, 3, 11, [-1.027324587, 1.051917177], 4.111255069),
    "xtol_bfgs": (T, F, 35, 102, [0.9999989205, 0.9999978721], 1.262139571e-12),
    "xtol_lbfgs": (T, F, 27, 76, [0.9999989497, 0.9999979677], 1.569944833e-12),
    "fabs_bfgs": (T, F, 33, 96, [0.9981346052, 0.9962997122], 3.552717067e-06),
    "fabs_lbfgs": (T, F, 26, 73, [0.9998916996, 0.9997642658], 4.838240033e-08),
    "maxit_bfgs": (F, F, 7, 22, [-0.6138566492, 0.3193035346], 2.935347499),
    "maxit_lbfgs": (F, F, 7, 24, [-0.4433221042, 0.1595823726], 2.219724581),
    "h0_bfgs": (T, F, 30, 90, [1.0, 1.0], 7.031399513e-26),
    "noscale_bfgs": (T, F, 28, 86, [1.0, 1.0], 4.959869607e-20),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_counts_flags_and_positions_match_tfp(name):
    minimize, fn, start, kwargs = CASES[name]
    converged, failed, iterations, evaluations, position, value = TFP[name]
    r = minimize(fn, initial_position=wb.constant(start), **kwargs)
    assert r.position.dtype == wb.as_dtype(start.dtype) and r.position.shape == start.shape
    assert np.asarray(r.converged.numpy()).tolist() == converged
    assert np.asarray(r.failed.numpy()).tolist() == failed
    assert (int(r.num_iterations), int(r.num_objective_evaluations)) == (iterations, evaluations)
    atol = 1e-5 if start.dtype == np.float32 else 1e-8
    np.testing.assert_allclose(r.position.numpy(), position, atol=atol)
    np.testing.assert_allclose(r.objective_value.numpy(), value, rtol=1e-6, atol=1e-12)


def test_lbfgs_goes_on_from_previous_results_as_tfp():
    first = opt.lbfgs_minimize(rosen, wb.constant(R0), max_iterations=5)
    assert (int(first.num_iterations), bool(first.converged)) == (5, False)
    r = opt.lbfgs_minimize(rosen, None, previous_optimizer_results=first, max_iterations=100)
    # TFP: the same 29 iterations / 81 evaluations as one uninterrupted run
    assert (bool(r.converged), int(r.num_iterations), int(r.num_objective_evaluations)) == (True, 29, 81)
    np.testing.assert_allclose(r.position.numpy(), [1.0, 1.0], atol=1e-10)
    with pytest.raises(ValueError, match="exactly one"):
        opt.lbfgs_minimize(rosen, wb.constant(R0), previous_optimizer_results=first)
    with pytest.raises(NotImplementedError, match="initial_inverse_hessian_estimate"):
        opt.lbfgs_minimize(rosen, wb.constant(R0), initial_inverse_hessian_estimate=np.eye(2))


def test_the_objective_is_called_on_the_whole_batch():
    shapes = []

    def fn(x):
        shapes.append(tuple(x.shape))
        return rosen(x)
    r = opt.bfgs_minimize(fn, wb.constant(STARTS[:4].reshape(2, 2, 2)))
    assert set(shapes) == {(2, 2, 2)} and len(shapes) == int(r.num_objective_evaluations)
    assert r.inverse_hessian_estimate.shape == (2, 2, 2, 2) and r.converged.shape == (2, 2)


def test_initial_inverse_hessian_is_checked():
    with pytest.raises(wb.errors.InvalidArgumentError, match="not symmetric"):
        opt.bfgs_minimize(rosen, wb.constant(R0), initial_inverse_hessian_estimate=np.array([[1.0, 0.1], [0.0, 1.0]]))
    with pytest.raises(wb.errors.InvalidArgumentError, match="not positive definite"):
        opt.bfgs_minimize(rosen, wb.constant(R0), initial_inverse_hessian_estimate=np.array([[1.0, 2.0], [2.0, 1.0]]))
    with pytest.raises(ValueError, match="initial_inverse_hessian_estimate must broadcast"):
        opt.bfgs_minimize(rosen, wb.constant(R0), initial_inverse_hessian_estimate=np.eye(3))


_rosen_value = lambda x: wb.reduce_sum(100.0 * (x[..., 1:] - x[..., :-1] ** 2) ** 2 + (1.0 - x[..., :-1]) ** 2, axis=-1)
NM_CASES = {   # name: (start, kwargs) -> TFP 0.25's converged, num_iterations, evaluations, position, value
    "rosen64": (wb.constant(R0), dict(func_tolerance=1e-12, position_tolerance=1e-10, max_iterations=500),
                (True, 98, 184, [0.99999964, 0.99999933], 4.476877894389151e-13)),
    "rosen32": (wb.constant(R0.astype(np.float32)), dict(max_iterations=500),
                (True, 83, 156, [0.9999827742576599, 0.9999617338180542], 1.842238361859927e-09)),
    "rosen64_batch": (wb.constant(R0), dict(batch_evaluate_objective=True, max_iterations=500),
                      (True, 83, 156, [0.99997589, 0.9999541], 1.1229296793507722e-09)),
}


@pytest.mark.parametrize("name", sorted(NM_CASES))
def test_nelder_mead_matches_tfp(name):
    start, kwargs, (converged, iterations, evaluations, position, value) = NM_CASES[name]
    r = opt.nelder_mead_minimize(_rosen_value, initial_vertex=start, **kwargs)
    assert (bool(r.converged), int(r.num_iterations), int(r.num_objective_evaluations)) == (
        converged, iterations, evaluations)
    assert r.position.dtype == start.dtype
    np.testing.assert_allclose(r.position.numpy(), position, atol=1e-7)
    np.testing.assert_allclose(float(r.objective_value), value, rtol=1e-5)


def test_nelder_mead_on_the_tutorial_quadratic_matches_tfp():
    f = lambda x: wb.reduce_sum(_SCALES * (x - 1.0) ** 2, axis=-1)
    r = opt.nelder_mead_minimize(f, initial_vertex=wb.constant(_QSTART), func_tolerance=1e-12, max_iterations=5000)
    # TFP 0.25: converged after 1094 iterations and 1704 evaluations
    assert (bool(r.converged), int(r.num_iterations), int(r.num_objective_evaluations)) == (True, 1094, 1704)
    np.testing.assert_allclose(r.position.numpy(), [1.00000026, 0.99999991, 1.00000046, 1.00000006, 1.0000001,
                                                    0.9999998, 0.99999929, 0.99999951, 1.00000023, 1.00000021],
                               atol=1e-7)


_rosen2 = lambda a, b: (1 - a) ** 2 + 100 * (b - a * a) ** 2
_POP = np.array([[-1.2, 1.0], [0.0, 0.0], [2.0, 2.0], [0.5, -0.5], [1.5, 1.5], [-1.0, -1.0], [0.3, 0.8], [1.1, 0.2]])
DE_CASES = {   # TFP 0.25 in a fresh process: converged, failed, num_iterations, position, objective_value
    "population": (dict(objective_function=_rosen_value, initial_population=_POP, seed=(11, 12), max_iterations=50),
                   (False, False, 50, [1.000642222166, 1.001270573586], 4.3285027711406057e-07)),
    "position": (dict(objective_function=_rosen_value, initial_position=R0, population_size=20, seed=(13, 14),
                      max_iterations=300),
                 (False, False, 300, [0.471005625246, 0.216230567033], 0.28298869308915775)),
    "two_parts": (dict(objective_function=_rosen2, initial_position=[np.float64(0.5), np.float64(-0.5)],
                       population_size=16, seed=(15, 16), max_iterations=400, position_tolerance=1e-6),
                  (True, False, 80, [1.00000004596, 1.000000091035], 2.190516206636189e-15)),
    "int_seed": (dict(objective_function=_rosen_value, initial_position=R0, population_size=12, seed=17,
                      max_iterations=400),
                 (True, False, 316, [0.370901738187, 0.137568103594], 0.3957646230165791)),
}


@pytest.mark.parametrize("name", sorted(DE_CASES))
def test_differential_evolution_matches_tfp(name):
    kwargs, (converged, failed, iterations, position, value) = DE_CASES[name]
    kwargs = dict(kwargs)
    for key in ("initial_population", "initial_position"):
        if key in kwargs:
            v = kwargs[key]
            kwargs[key] = [wb.constant(p) for p in v] if isinstance(v, list) else wb.constant(v)
    wb.random.set_seed(None)   # TF's seeded ops as a fresh process starts them
    r = opt.differential_evolution_minimize(**kwargs)
    assert (bool(r.converged), bool(r.failed), int(r.num_iterations)) == (converged, failed, iterations)
    got = [float(p) for p in r.position] if isinstance(r.position, list) else r.position.numpy()
    np.testing.assert_allclose(got, position, rtol=1e-10)
    np.testing.assert_allclose(float(r.objective_value), value, rtol=1e-8)
