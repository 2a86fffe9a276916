"""probability.optimizer (tfp.optimizer) on Rosenbrock and quadratics, against scipy.optimize."""

import numpy as np
import pytest
import scipy.optimize as so

import workbench as wb
import probability as tfp

opt = tfp.optimizer


def rosen(x):
    return wb.reduce_sum(100.0 * (x[..., 1:] - x[..., :-1] ** 2) ** 2 + (1.0 - x[..., :-1]) ** 2, axis=-1)


def rosen_vg(x):
    return tfp.math.value_and_gradient(rosen, x)


@pytest.mark.parametrize("minimize", [opt.bfgs_minimize, opt.lbfgs_minimize])
def test_quasi_newton_on_rosenbrock_matches_scipy(minimize):
    starts = np.array([[-1.2, 1.0, 0.5, -0.3], [0.0, 0.0, 0.0, 0.0], [2.0, -1.0, 1.5, 1.0]])
    res = minimize(rosen_vg, starts, tolerance=1e-7, max_iterations=500)
    assert res.converged.numpy().all() and not res.failed.numpy().any()
    assert res.position.shape == (3, 4) and res.objective_value.shape == (3,)
    # from the first start TFP 0.25 (Hager-Zhang steps) ends, as this does, at the 4-D function's
    # other local minimum, f = 3.7014286; scipy's BFGS (a More-Thuente search) reaches the global one
    np.testing.assert_allclose(res.position.numpy()[0], [-0.77565923, 0.61309337, 0.38206285, 0.14597202],
                               atol=1e-6)
    np.testing.assert_allclose(res.objective_value.numpy()[0], 3.70142861, rtol=1e-7)
    for i, x0 in enumerate(starts[1:], 1):
        want = so.minimize(so.rosen, x0, jac=so.rosen_der, method="BFGS", options={"gtol": 1e-7})
        np.testing.assert_allclose(res.position.numpy()[i], want.x, atol=1e-5)
        assert res.objective_value.numpy()[i] < 1e-10
    # TFP's counts: bfgs 41 iterations / 119 evaluations, lbfgs 35 / 113
    want = {"bfgs_minimize": (41, 119), "lbfgs_minimize": (35, 113)}[minimize.__name__]
    assert (int(res.num_iterations), int(res.num_objective_evaluations)) == want
    assert np.max(np.abs(res.objective_gradient.numpy())) <= 1e-7


def test_bfgs_on_a_batch_of_quadratics_learns_the_inverse_hessian():
    rng = np.random.default_rng(0)
    m = rng.normal(size=(3, 3))
    a = m @ m.T + 3 * np.eye(3)
    targets = rng.normal(size=(2, 3))

    def vg(x):
        d = x - targets
        return 0.5 * wb.reduce_sum(d * wb.matmul(d, a), axis=-1), wb.matmul(d, a)
    res = opt.bfgs_minimize(vg, np.zeros((2, 3)), tolerance=1e-10, max_iterations=100)
    np.testing.assert_allclose(res.position.numpy(), targets, atol=1e-8)
    assert res.inverse_hessian_estimate.shape == (2, 3, 3)
    # TFP 0.25 stops after 3 iterations / 8 evaluations with this estimate (the scaled identity
    # after three updates, not yet inv(a))
    assert (int(res.num_iterations), int(res.num_objective_evaluations)) == (3, 8)
    np.testing.assert_allclose(res.inverse_hessian_estimate.numpy()[0],
                               [[0.2750173356, 0.0132303259, 0.0242872254], [0.0132303259, 0.2289533525, 0.016184244],
                                [0.0242872254, 0.016184244, 0.1659303953]], atol=1e-9)
    lres = opt.lbfgs_minimize(vg, np.zeros((2, 3)), num_correction_pairs=2, tolerance=1e-10)
    np.testing.assert_allclose(lres.position.numpy(), targets, atol=1e-8)
    assert lres.position_deltas.shape == (2, 2, 3) and lres.gradient_deltas.shape == (2, 2, 3)


def test_float32_positions_stay_float32_and_a_member_stops_once_converged():
    vg = lambda x: (wb.reduce_sum((x - 2.0) ** 2, axis=-1), 2.0 * (x - 2.0))
    res = opt.bfgs_minimize(vg, wb.constant([[2.0, 2.0], [0.0, 5.0]]))
    assert res.position.dtype == wb.float32 and res.objective_value.dtype == wb.float32
    np.testing.assert_allclose(res.position.numpy(), 2.0, atol=1e-5)
    res = opt.lbfgs_minimize(rosen_vg, np.array([[1.0, 1.0], [-1.2, 1.0]]), stopping_condition=opt.converged_any)
    assert res.converged.numpy().tolist() == [True, False] and int(res.num_iterations) == 0


def test_tolerances_stop_early_and_bad_input_is_named():
    res = opt.bfgs_minimize(rosen_vg, np.array([-1.2, 1.0]), max_iterations=3)
    assert int(res.num_iterations) == 3 and not bool(res.converged)
    res = opt.lbfgs_minimize(rosen_vg, np.array([-1.2, 1.0]), f_relative_tolerance=1e-2, max_iterations=200)
    assert bool(res.converged) and int(res.num_iterations) < 30
    with pytest.raises(TypeError, match="value_and_gradients_function"):
        opt.bfgs_minimize(rosen, np.array([0.0, 0.0]))   # returns a value, not (value, gradients)
    with pytest.raises(TypeError, match="initial_position"):
        opt.lbfgs_minimize(rosen_vg, np.array([1, 2]))
    with pytest.raises(ValueError, match="num_correction_pairs"):
        opt.lbfgs_minimize(rosen_vg, np.array([1.0, 2.0]), num_correction_pairs=0)


def test_nelder_mead_on_rosenbrock_and_a_quadratic_matches_scipy():
    res = opt.nelder_mead_minimize(rosen, initial_vertex=np.array([-1.2, 1.0]), func_tolerance=1e-14,
                                   position_tolerance=1e-10, max_iterations=2000)
    assert bool(res.converged)
    want = so.minimize(so.rosen, [-1.2, 1.0], method="Nelder-Mead", options={"xatol": 1e-10, "fatol": 1e-14})
    np.testing.assert_allclose(res.position.numpy(), want.x, atol=1e-6)
    assert res.final_simplex.shape == (3, 2) and res.final_objective_values.shape == (3,)
    assert float(res.objective_value) == res.final_objective_values.numpy().min()
    # TFP's default steps: 5% of each coordinate
    np.testing.assert_allclose(res.initial_simplex.numpy(), [[-1.2, 1.0], [-1.26, 1.0], [-1.2, 1.05]])
    assert int(res.num_objective_evaluations) > int(res.num_iterations)

    centre = np.array([[1.0, -2.0], [0.5, 3.0]])
    quad = lambda x: wb.reduce_sum((x - centre) ** 2 * np.array([[1.0, 4.0], [2.0, 0.5]]), axis=(-2, -1))
    simplex = np.stack([np.zeros((2, 2))] + [np.eye(4)[k].reshape(2, 2) for k in range(4)])
    batched = opt.nelder_mead_minimize(lambda xs: quad(xs), initial_simplex=simplex, batch_evaluate_objective=True,
                                       func_tolerance=1e-16, position_tolerance=1e-9, max_iterations=5000)
    assert bool(batched.converged) and batched.position.shape == (2, 2)
    np.testing.assert_allclose(batched.position.numpy(), centre, atol=1e-6)
    capped = opt.nelder_mead_minimize(rosen, initial_vertex=np.array([-1.2, 1.0]), max_iterations=5)
    assert int(capped.num_iterations) == 5 and not bool(capped.converged)
    with pytest.raises(ValueError, match="exactly one"):
        opt.nelder_mead_minimize(rosen)
