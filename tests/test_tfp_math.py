"""probability.math (tfp.math): values against scipy.special, gradients against finite differences."""

import numpy as np
import pytest
import scipy.special as sp

import workbench as wb
import probability as tfp
from gradients import check_gradients

tfm = tfp.math


def _np(t):
    return np.asarray(t.numpy() if hasattr(t, "numpy") else t)


def test_log_add_exp_and_log_sub_exp_match_numpy():
    x = np.array([-800.0, 0.0, 3.0, 700.0, 2.0])
    y = np.array([-801.0, 0.0, -2.0, 699.0, 5.0])
    np.testing.assert_allclose(_np(tfm.log_add_exp(x, y)), np.logaddexp(x, y), rtol=1e-12)
    got, sign = tfm.log_sub_exp(x, y, return_sign=True)
    with np.errstate(divide="ignore"):
        want = np.where(x > y, x, y) + np.log(-np.expm1(-np.abs(x - y)))
    np.testing.assert_allclose(_np(got)[[0, 2, 3, 4]], want[[0, 2, 3, 4]], rtol=1e-12)
    assert _np(got)[1] == -np.inf
    np.testing.assert_array_equal(_np(sign), [1, 1, 1, 1, -1])
    check_gradients(lambda a, b: tfm.log_add_exp(a, b), [x[2:], y[2:]], order=2)
    check_gradients(lambda a, b: tfm.log_sub_exp(a, b), [x[2:], y[2:]], order=1)


def test_bessel_ive_kve_match_scipy_and_differentiate_in_z():
    v = np.array([0.0, 0.5, 1.5, 3.0])
    z = np.array([0.3, 2.0, 10.0, 40.0])
    np.testing.assert_allclose(_np(tfm.bessel_ive(v, z)), sp.ive(v, z), rtol=1e-12)
    np.testing.assert_allclose(_np(tfm.bessel_kve(v, z)), sp.kve(v, z), rtol=1e-12)
    whole = np.array([0.0, 1.0, 2.0, 3.0])   # integer orders are real for negative z
    np.testing.assert_allclose(_np(tfm.bessel_ive(whole, -z)), sp.ive(whole, -z), rtol=1e-12)
    check_gradients(lambda t: tfm.bessel_ive(wb.constant(v), t), [z], order=1, modes=("rev",))
    check_gradients(lambda t: tfm.bessel_ive(wb.constant(whole), t), [-z], order=1, modes=("rev",))
    check_gradients(lambda t: tfm.bessel_kve(wb.constant(v), t), [z], order=1, modes=("rev",))
    # a scalar order broadcasts against z
    np.testing.assert_allclose(_np(tfm.bessel_ive(1.0, z)), sp.ive(1.0, z), rtol=1e-12)


def test_owens_t_matches_scipy_with_gradients_in_both_arguments():
    h = np.array([-1.5, 0.0, 0.4, 2.0])
    a = np.array([0.3, 1.0, -2.0, 5.0])
    np.testing.assert_allclose(_np(tfm.owens_t(h, a)), sp.owens_t(h, a), rtol=1e-10)
    check_gradients(lambda s, t: tfm.owens_t(s, t), [h, a], order=1, modes=("rev",))


def test_erfcinv_ndtri_log_ndtr_lbeta_softplus_inverse_match_scipy():
    z = np.array([1e-10, 0.3, 1.0, 1.7])
    np.testing.assert_allclose(_np(tfm.erfcinv(z)), sp.erfcinv(z), rtol=1e-10, atol=1e-15)
    check_gradients(lambda t: tfm.erfcinv(t), [z[1:]], order=1)
    p = np.array([0.01, 0.5, 0.9])
    np.testing.assert_allclose(_np(tfm.ndtri(p)), sp.ndtri(p), rtol=1e-12)
    x = np.array([-30.0, -1.0, 2.0])
    np.testing.assert_allclose(_np(tfm.log_ndtr(x)), sp.log_ndtr(x), rtol=1e-12)
    np.testing.assert_allclose(_np(tfm.lbeta(np.array([2.0, 0.5]), np.array([3.0, 4.0]))),
                               sp.betaln([2.0, 0.5], [3.0, 4.0]), rtol=1e-12)
    y = np.array([1e-3, 1.0, 30.0])
    np.testing.assert_allclose(_np(tfm.softplus_inverse(y)), np.log(np.expm1(y)), rtol=1e-10)


def test_lambertw_matches_scipy_and_inverts_w_exp_w():
    z = np.array([-1 / np.e + 1e-6, -0.2, 0.0, 1.0, 50.0])
    w = _np(tfm.lambertw(z))
    np.testing.assert_allclose(w, sp.lambertw(z).real, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(w * np.exp(w), z, rtol=1e-9, atol=1e-12)
    check_gradients(lambda t: tfm.lambertw(t), [z[1:]], order=1, modes=("rev",))


def test_float32_stays_float32_and_bad_dtypes_are_named():
    assert tfm.owens_t(np.float32(0.5), np.float32(2.0)).dtype == wb.float32
    assert tfm.bessel_ive(1.0, np.array([1.0], np.float32)).dtype == wb.float32
    with pytest.raises(TypeError, match="bessel_kve"):
        tfm.bessel_kve(np.array([1], np.int32), np.array([1], np.int32))


def test_fill_triangular_follows_tfps_order_and_inverts():
    x = np.arange(1.0, 7.0)
    np.testing.assert_array_equal(_np(tfm.fill_triangular(x)), [[4, 0, 0], [6, 5, 0], [3, 2, 1]])
    np.testing.assert_array_equal(_np(tfm.fill_triangular(x, upper=True)), [[1, 2, 3], [0, 5, 6], [0, 0, 4]])
    batch = np.random.default_rng(0).normal(size=(2, 3, 10))
    for upper in (False, True):
        mat = _np(tfm.fill_triangular(batch, upper=upper))
        assert mat.shape == (2, 3, 4, 4)
        tri = np.triu if upper else np.tril
        np.testing.assert_array_equal(mat, tri(mat))
        np.testing.assert_array_equal(np.sort(mat[0, 0][tri(np.ones((4, 4))) > 0]), np.sort(batch[0, 0]))
        np.testing.assert_array_equal(_np(tfm.fill_triangular_inverse(mat, upper=upper)), batch)
    check_gradients(lambda t: tfm.fill_triangular(t), [batch[0]], order=1)
    with pytest.raises(ValueError, match="triangular number"):
        tfm.fill_triangular(np.ones(5))


def test_value_and_gradient_structures():
    y, g = tfm.value_and_gradient(lambda x: x * x, wb.constant(3.0, dtype=wb.float64))
    assert float(y) == 9.0 and float(g) == 6.0
    y, g = tfm.value_and_gradient(lambda a, b: a * b, [wb.constant(2.0), wb.constant(5.0)])
    assert isinstance(g, list) and [float(t) for t in g] == [5.0, 2.0]
    y, g = tfm.value_and_gradient(lambda a, b: a * b + b, wb.constant(2.0), wb.constant(5.0))
    assert isinstance(g, tuple) and [float(t) for t in g] == [5.0, 3.0]
    (y, aux), g = tfm.value_and_gradient(lambda a: (a ** 3, a + 1), wb.constant(2.0), has_aux=True)
    assert float(y) == 8.0 and float(aux) == 3.0 and float(g) == 12.0


def test_minimize_runs_the_optimizer_and_stacks_the_trace():
    x = wb.Variable(np.array([0.0, 5.0]))
    target = np.array([2.0, -1.0])
    trace = tfm.minimize(lambda: wb.reduce_sum((x - target) ** 2), num_steps=300,
                         optimizer=wb.optimizers.Adam(0.1),
                         trace_fn=lambda tq: (tq.loss, tq.step, tq.parameters[0]))
    loss, step, params = trace
    assert loss.shape == (300,) and params.shape == (300, 2)
    np.testing.assert_array_equal(_np(step), np.arange(1, 301))
    assert _np(loss)[-1] < 1e-4 < _np(loss)[0]
    np.testing.assert_allclose(x.numpy(), target, atol=1e-2)
    with pytest.raises(ValueError, match="num_steps"):
        tfm.minimize(lambda: x[0], num_steps=0, optimizer=wb.optimizers.SGD(0.1))


def test_minimize_passes_a_fresh_seed_each_step():
    x = wb.Variable(np.array(0.0))
    seen = []

    def loss_fn(seed):
        seen.append(tuple(np.asarray(seed.numpy() if hasattr(seed, "numpy") else seed).tolist()))
        return (x - wb.random.stateless_normal([], seed=seed, dtype=wb.float64)) ** 2
    trace = tfm.minimize(loss_fn, num_steps=4, optimizer=wb.optimizers.SGD(0.1), seed=(3, 0))
    assert trace.shape == (4,) and len(set(seen)) == 4
    again = []
    x.assign(0.0)
    tfm.minimize(lambda seed: again.append(tuple(np.asarray(seed.numpy() if hasattr(seed, "numpy") else seed)
                                                .tolist())) or (x - 1.0) ** 2,
                 num_steps=4, optimizer=wb.optimizers.SGD(0.1), seed=(3, 0))
    assert again == seen


def test_log_space_reductions_match_scipy():
    x = np.random.default_rng(3).normal(size=(4, 5)) * 10
    np.testing.assert_allclose(tfm.reduce_logmeanexp(x, axis=1).numpy(), sp.logsumexp(x, axis=1) - np.log(5),
                               rtol=1e-12)
    assert float(tfm.reduce_logmeanexp(np.full(3, 1000.0))) == 1000.0
    w = np.array([[1.0, -2.0, 0.5, 3.0, -1.0]] * 4)
    got, sign = tfm.reduce_weighted_logsumexp(x, w, axis=-1, return_sign=True)
    want, want_sign = sp.logsumexp(x, b=w, axis=-1, return_sign=True)
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-10)
    np.testing.assert_array_equal(sign.numpy(), want_sign)
    assert tfm.reduce_weighted_logsumexp(x, w, axis=-1, keep_dims=True).shape == (4, 1)
    check_gradients(lambda t: tfm.reduce_weighted_logsumexp(t, w[:, :3], axis=-1), [x[:, :3] / 10], order=1)
    np.testing.assert_allclose(float(tfm.log_combinations(10.0, [2.0, 3.0, 5.0])),
                               np.log(sp.factorial(10) / (sp.factorial(2) * sp.factorial(3) * sp.factorial(5))),
                               rtol=1e-6)


def test_minimize_stops_on_a_convergence_criterion_and_pads_the_trace():
    crit = tfp.optimizer.convergence_criteria
    x = wb.Variable(np.array(5.0))
    kw = dict(num_steps=2000, optimizer=wb.optimizers.SGD(0.1))
    full = tfm.minimize(lambda: (x - 1.0) ** 2, convergence_criterion=crit.LossNotDecreasing(atol=1e-6),
                        trace_fn=lambda tq: (tq.loss, tq.has_converged, tq.step), **kw)
    loss, converged, step = (_np(t) for t in full)
    assert loss.shape == (2000,)
    stop = int(np.argmax(converged))
    assert 20 <= stop < 200 and converged[stop:].all() and not converged[:stop].any()
    assert (loss[stop:] == loss[stop]).all() and (step[stop:] == step[stop]).all()
    # the moving average of the decrease, recomputed from the traced losses, crosses atol at the stop
    avg, avgs = 0.0, []
    for t in range(1, stop + 1):
        avg = (9 * avg + loss[t - 1] - loss[t]) / 10
        avgs.append(avg)
    assert avgs[-1] < 1e-6 and all(a >= 1e-6 for a in avgs[19:-1])
    x.assign(5.0)
    short = tfm.minimize(lambda: (x - 1.0) ** 2, convergence_criterion=crit.LossNotDecreasing(atol=1e-6),
                         return_full_length_trace=False, **kw)
    assert short.shape == (stop + 1,)
    x.assign(5.0)
    rel = tfm.minimize(lambda: (x - 1.0) ** 2, convergence_criterion=crit.LossNotDecreasing(rtol=0.01), **kw)
    assert 20 <= int(np.argmax(_np(rel) == _np(rel)[-1])) < stop
    with pytest.raises(ValueError, match="atol and rtol"):
        crit.LossNotDecreasing()


def test_soft_threshold():
    x = np.array([-3.0, -0.4, 0.0, 0.7, 2.5])
    got = tfp.math.soft_threshold(wb.constant(x), 1.0).numpy()
    np.testing.assert_array_equal(got, np.sign(x) * np.maximum(np.abs(x) - 1.0, 0.0))
    assert got[1] == 0.0 and got[3] == 0.0                 # inside the threshold: exactly zero
    # gradients away from the kinks at +-threshold, by finite differences in float64
    check_gradients(lambda t: tfp.math.soft_threshold(t, 0.5), [np.array([-2.0, -0.2, 0.3, 1.7])],
                    order=1, modes=("rev",), atol=1e-7, rtol=1e-6)
