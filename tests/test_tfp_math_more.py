"""probability.math breadth (tfp.math): special functions vs scipy.special or TFP 0.25's values
(pinned), root finding, interpolation, Cholesky helpers, reductions; gradients by finite differences."""

import math

import numpy as np
import pytest
import scipy.special as sp

import workbench as wb
import probability as tfp
from gradients import check_gradients

tfm = tfp.math


def _np(t):
    return np.asarray(t.numpy() if hasattr(t, "numpy") else t)


# --- elementwise special functions -------------------------------------------------------------

def test_elementary_functions_match_numpy_and_differentiate():
    x = np.array([-1e200, -30.0, -3.0, -0.5, 0.0, 1e-9, 0.2, 2.0, 1e200])
    with np.errstate(divide="ignore"):
        want = np.logaddexp(0.0, 2.0 * np.log(np.abs(x)))
    np.testing.assert_allclose(_np(tfm.log1psquare(x)), want, rtol=1e-14)
    assert np.isfinite(_np(tfm.log1psquare(np.float32(1e30))))
    np.testing.assert_allclose(_np(tfm.log_cosh(x[1:-1])), np.log(np.cosh(x[1:-1])), rtol=1e-14, atol=1e-300)
    np.testing.assert_allclose(_np(tfm.log_cosh(np.array([1e200]))), [1e200 - math.log(2)], rtol=1e-14)
    small = np.array([1e-12, -0.5, 3.0, 1e-300])
    np.testing.assert_allclose(_np(tfm.sqrt1pm1(small)), [5e-13 - 1.25e-25, math.sqrt(0.5) - 1, 1.0, 5e-301],
                               rtol=1e-14)
    a = np.array([3.0, -3.0, 0.5, 1e10])
    b = np.array([-2.0, 2.0, 0.25, -1e10])
    np.testing.assert_allclose(_np(tfm.atan_difference(a, b)), np.arctan(a) - np.arctan(b), rtol=1e-9)
    xs = np.array([-0.5, 0.3, 0.9])
    check_gradients(tfm.log1psquare, [np.array([-3.0, 0.4, 2.5])], order=2)
    check_gradients(tfm.log_cosh, [np.array([-3.0, 0.4, 2.5])], order=2)
    check_gradients(tfm.sqrt1pm1, [np.array([-0.3, 0.4, 2.5])], order=2)
    check_gradients(tfm.atan_difference, [a[:3], b[:3]], order=1)
    check_gradients(tfm.round_exponential_bump_function, [xs], order=1)
    check_gradients(tfm.smootherstep, [np.array([0.1, 0.5, 0.8])], order=2)


def test_bump_and_smootherstep_pinned_to_tfp():
    xs = np.array([-1.5, -0.999, -0.5, 0.0, 0.3, 0.99, 1.0, 2.0])
    np.testing.assert_allclose(_np(tfm.round_exponential_bump_function(xs)),
                               [0.0, 1.5080842205086039e-217, 0.7165313105737893, 1.0, 0.9058322914025682,
                                4.0780370786078555e-22, 0.0, 0.0], rtol=1e-10)
    np.testing.assert_allclose(_np(tfm.smootherstep(xs)),
                               [0.0, 0.0, 0.0, 0.0, 0.16308, 0.9999901494, 1.0, 1.0], rtol=1e-12)


def test_erfcx_logerfc_logerfcx_dawsn_match_scipy():
    x = np.array([-5.0, -0.5, 0.0, 0.5, 3.0, 30.0, 1e4])
    np.testing.assert_allclose(_np(tfm.erfcx(x)), sp.erfcx(x), rtol=1e-13)
    np.testing.assert_allclose(_np(tfm.logerfcx(x)), np.log(sp.erfcx(x)), rtol=1e-13)
    np.testing.assert_allclose(_np(tfm.logerfc(x)), np.log(sp.erfcx(x)) - x * x, rtol=1e-13)
    np.testing.assert_allclose(_np(tfm.dawsn(x[:-1])), sp.dawsn(x[:-1]), rtol=1e-12)
    # float32, pinned to TFP 0.25: finite far into the right tail
    x32 = np.array([-5.0, 0.0, 5.0, 30.0], np.float32)
    np.testing.assert_allclose(_np(tfm.logerfc(x32)), [0.6931472, 0.0, -27.20089, -903.9741], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(_np(tfm.logerfcx(x32)), [25.693148, 0.0, -2.2008896, -3.974117], rtol=1e-5, atol=1e-6)
    g = np.array([-2.0, -0.3, 0.4, 4.0])
    check_gradients(tfm.erfcx, [g], order=2)
    check_gradients(tfm.logerfc, [g], order=1)
    check_gradients(tfm.logerfcx, [g], order=1)


def test_incomplete_gamma_and_beta_inverses_match_scipy():
    a = np.array([0.5, 2.0, 7.5])
    p = np.array([0.1, 0.5, 0.95])
    np.testing.assert_allclose(_np(tfm.igammainv(a, p)), sp.gammaincinv(a, p), rtol=1e-10)
    np.testing.assert_allclose(_np(tfm.igammacinv(a, p)), sp.gammainccinv(a, p), rtol=1e-10)
    np.testing.assert_allclose(_np(tfm.betainc(a, a[::-1], p)), sp.betainc(a, a[::-1], p), rtol=1e-10)
    np.testing.assert_allclose(_np(tfm.betaincinv(a, a[::-1], p)), sp.betaincinv(a, a[::-1], p), rtol=1e-10)


def test_log_gamma_correction_and_difference():
    x = np.array([8.0, 10.0, 30.0, 1e3])
    want = sp.gammaln(x) - ((x - 0.5) * np.log(x) - x + 0.5 * math.log(2 * math.pi))
    np.testing.assert_allclose(_np(tfm.log_gamma_correction(x)), want, rtol=1e-8)
    np.testing.assert_allclose(_np(tfm.log_gamma_correction(x)),          # TFP 0.25
                               [0.010411265261972093, 0.00833056343336287, 0.002777674929752695,
                                8.333333055555633e-05], rtol=1e-9)
    a = np.array([0.5, 3.0, 100.0, 1e-3])
    b = np.array([2.0, 10.0, 1e4, 50.0])
    np.testing.assert_allclose(_np(tfm.log_gamma_difference(a, b)), sp.gammaln(b) - sp.gammaln(a + b), rtol=1e-11)
    # float32 with large y: the direct difference of two lgammas loses the digits, this does not
    a32 = np.array([0.5, 3.0, 100.0], np.float32)
    b32 = np.array([2e3, 1e5, 1e6], np.float32)
    exact = sp.gammaln(b32.astype(np.float64)) - sp.gammaln(a32.astype(np.float64) + b32)
    np.testing.assert_allclose(_np(tfm.log_gamma_difference(a32, b32)), exact, rtol=2e-6)
    check_gradients(tfm.log_gamma_difference, [np.array([0.5, 3.0]), np.array([2.0, 20.0])], order=1)


def test_bessel_ratio_and_log_bessel_functions_pinned_to_tfp():
    v = np.array([0.5, 1.0, 2.5, 50.0, 500.0, 3000.0])
    z = np.array([0.3, 2.0, 10.0, 1.0, 700.0, 1.0])
    # TFP 0.25's values; the last column under- or overflows scipy's ive/kve in float64
    np.testing.assert_allclose(_np(tfm.bessel_iv_ratio(v, z)),
                               [0.2913126124515909, 0.697774657964008, 0.8111111060218429,
                                0.009999019796335462, 0.5147431588087176, 0.00016666666203857998], rtol=1e-9)
    np.testing.assert_allclose(_np(tfm.log_bessel_ive(v, z)),
                               [-1.1128224993880247, -1.5358655264538408, -2.3849418282966486,
                                -184.13022425000764, -176.2302520377008, -23104.466311419816], rtol=1e-9)
    np.testing.assert_allclose(_np(tfm.log_bessel_kve(v, z)),
                               [0.827777754807695, 0.03292869743948523, -0.6403222516186328,
                                179.52485402408098, 168.7799020474635, 23095.76679661605], rtol=1e-9)
    with wb.GradientTape(persistent=True) as tape:
        zt = wb.constant(z)
        tape.watch(zt)
        r, li, lk = tfm.bessel_iv_ratio(v, zt), tfm.log_bessel_ive(v, zt), tfm.log_bessel_kve(v, zt)
    np.testing.assert_allclose(_np(tape.gradient(r, zt)),
                               [0.9151369618266292, 0.1642231977212077, 0.017654331279285562,
                                0.009997059765901706, 0.0004274581026108004, 0.00016666665278247672], rtol=1e-6)
    np.testing.assert_allclose(_np(tape.gradient(li, zt)),
                               [0.766071763655075, -0.06687257327768825, -0.01712327993562157, 49.0098029975388,
                                0.228430731551709, 2999.000166611125], rtol=1e-6)
    np.testing.assert_allclose(_np(tape.gradient(lk, zt)),
                               [-1.6666666666666672, -0.3143077587637924, -0.07706766917293219,
                                -49.01020299725151, -0.22937667706879863, -2999.0001667319475], rtol=1e-6)
    vs, zs = np.array([0.5, 2.5, 4.0]), np.array([0.7, 3.0, 12.0])
    check_gradients(lambda t: tfm.bessel_iv_ratio(wb.constant(vs), t), [zs], order=1, modes=("rev",))
    check_gradients(lambda t: tfm.log_bessel_ive(wb.constant(vs), t), [zs], order=1, modes=("rev",))
    check_gradients(lambda t: tfm.log_bessel_kve(wb.constant(vs), t), [zs], order=1, modes=("rev",))


def test_lambertw_winitzki_approx_pinned_to_tfp():
    z = np.array([-0.3, 0.0, 0.5, 3.0, 100.0])
    np.testing.assert_allclose(_np(tfm.lambertw_winitzki_approx(z)),
                               [-0.4524144659534534, 0.0, 0.3480926426606292, 1.0302361255918808,
                                3.411329911819482], rtol=1e-12)
    assert np.all(np.abs(_np(tfm.lambertw_winitzki_approx(z[2:])) - sp.lambertw(z[2:]).real) < 0.05)


def test_float_only_and_errors_name_the_function():
    with pytest.raises(TypeError, match="erfcx"):
        tfm.erfcx(wb.constant([1, 2]))
    with pytest.raises(TypeError, match="log_cosh"):
        tfm.log_cosh(wb.constant([1, 2]))
    assert tfm.logerfc(np.float32(1.0)).dtype == wb.float32


# --- reductions, scans ------------------------------------------------------------------------

def test_log_cumsum_exp_and_log_harmonic_mean():
    x = np.array([[-1.0, 700.0, 3.0], [0.0, 0.0, -800.0]])
    want = np.logaddexp.accumulate(x, axis=-1)
    np.testing.assert_allclose(_np(tfm.log_cumsum_exp(x)), want, rtol=1e-13)
    np.testing.assert_allclose(_np(tfm.log_cumsum_exp(x, axis=0)), np.logaddexp.accumulate(x, axis=0), rtol=1e-13)
    y = np.array([[0.1, 2.0, -1.0], [3.0, 3.0, 3.0]])
    np.testing.assert_allclose(_np(tfm.reduce_log_harmonic_mean_exp(y, axis=1)),
                               np.log(1.0 / np.mean(np.exp(-y), axis=1)), rtol=1e-13)
    assert _np(tfm.reduce_log_harmonic_mean_exp(y, axis=1, keepdims=True)).shape == (2, 1)
    check_gradients(lambda t: tfm.log_cumsum_exp(t), [y], order=1)


def test_reduce_kahan_sum_keeps_the_lost_digits():
    k = tfm.reduce_kahan_sum(np.array([[1.0, 1e-8, 1e-8, -1.0], [1e8, 1.0, -1e8, 3.0]], np.float32), axis=-1)
    np.testing.assert_allclose(_np(k.total) - _np(k.correction), [2e-8, 4.0], rtol=1e-6)
    x = np.random.RandomState(0).standard_normal((3, 1001)).astype(np.float32) * 1e3
    k = tfm.reduce_kahan_sum(x, axis=1)
    exact = np.array([math.fsum(map(float, row)) for row in x])
    compensated = _np(k.total).astype(np.float64) - _np(k.correction)
    assert np.all(np.abs(compensated - exact) < 1e-3 * np.abs(x.sum(1) - exact).max())
    k = tfm.reduce_kahan_sum(x, keepdims=True)
    assert _np(k.total).shape == (1, 1)
    np.testing.assert_allclose(float(_np(k.total)[0, 0]), math.fsum(map(float, x.ravel())), rtol=1e-7)
    v = wb.constant(x[:, :5].astype(np.float64))
    with wb.GradientTape() as tape:
        tape.watch(v)
        weighted = wb.reduce_sum(tfm.reduce_kahan_sum(v * v, axis=0).total * wb.constant([1.0, 2.0, 3.0, 4.0, 5.0],
                                                                                        wb.float64))
    np.testing.assert_allclose(_np(tape.gradient(weighted, v)), 2 * x[:, :5] * np.arange(1.0, 6.0), rtol=1e-12)


def test_scan_associative_matches_a_sequential_scan():
    x = np.arange(1.0, 12.0)
    np.testing.assert_allclose(_np(tfm.scan_associative(lambda a, b: a + b, wb.constant(x))), np.cumsum(x))
    m = np.random.RandomState(0).standard_normal((7, 2, 2))
    got = _np(tfm.scan_associative(lambda a, b: wb.matmul(a, b), wb.constant(m)))
    acc = m[0]
    for i in range(1, 7):
        acc = acc @ m[i]
        np.testing.assert_allclose(got[i], acc, rtol=1e-12)
    s, p = tfm.scan_associative(lambda a, b: (a[0] + b[0], a[1] * b[1]),
                                (wb.constant([[1.0, 2.0, 3.0]]), wb.constant([[2.0, 3.0, 4.0]])), axis=1)
    np.testing.assert_allclose(_np(s), [[1, 3, 6]])
    np.testing.assert_allclose(_np(p), [[2, 6, 24]])
    with pytest.raises(ValueError, match="lengths"):
        tfm.scan_associative(lambda a, b: a, (wb.zeros([3]), wb.zeros([4])))


def test_trapz_matches_numpy():
    y = np.array([[1.0, 2.0, 4.0], [0.0, 1.0, 0.0]])
    np.testing.assert_allclose(_np(tfm.trapz(y, x=np.array([0.0, 1.0, 3.0]))), [7.5, 1.5])
    np.testing.assert_allclose(_np(tfm.trapz(y, dx=0.5)), np.trapezoid(y, dx=0.5, axis=-1))
    np.testing.assert_allclose(_np(tfm.trapz(y, axis=0)), np.trapezoid(y, axis=0))
    xb = np.array([[0.0, 1.0, 2.0], [0.0, 2.0, 5.0]])
    np.testing.assert_allclose(_np(tfm.trapz(y, x=xb)), np.trapezoid(y, x=xb, axis=-1))


# --- gradients helpers ----------------------------------------------------------------------

def test_custom_gradient_and_clip_preserving_gradient():
    x = wb.constant([1.0, 2.0, 3.0])
    with wb.GradientTape(persistent=True) as tape:
        tape.watch(x)
        scalar = tfm.custom_gradient(wb.reduce_sum(x ** 2), 2.0 * x + 5.0, x)
        elementwise = tfm.custom_gradient(x ** 2, 7.0 * x, x)
        clipped = tfm.clip_by_value_preserve_gradient(x * x, 0.0, 4.0)
    assert float(_np(scalar)) == 14.0
    np.testing.assert_allclose(_np(tape.gradient(scalar, x)), [7, 9, 11])      # TFP 0.25
    np.testing.assert_allclose(_np(elementwise), [1, 4, 9])
    np.testing.assert_allclose(_np(tape.gradient(elementwise, x)), [7, 14, 21])
    np.testing.assert_allclose(_np(clipped), [1, 4, 4])
    np.testing.assert_allclose(_np(tape.gradient(clipped, x)), [2, 4, 6])
    with pytest.raises(ValueError, match="gx has 1 parts"):
        tfm.custom_gradient(x, [x], [x, x])


def test_diag_jacobian():
    x = wb.constant([[1.0, 2.0], [3.0, 4.0]])
    ys, jac = tfm.diag_jacobian([x], fn=lambda t: [t ** 3])
    np.testing.assert_allclose(_np(jac[0]), 3 * _np(x) ** 2)
    _, jac = tfm.diag_jacobian(x, fn=lambda t: wb.reverse(t, [1]) * t)
    np.testing.assert_allclose(_np(jac), [[2, 1], [4, 3]])
    with pytest.raises(ValueError, match="fn"):
        tfm.diag_jacobian(x)


def test_soft_sorting_matrix_pinned_to_tfp_and_sorts_when_cold():
    got = _np(tfm.soft_sorting_matrix(wb.constant([[0.3, -1.0, 2.0]]), 0.5))
    np.testing.assert_allclose(got, [[[3.2295018e-02, 1.3232396e-05, 9.6769172e-01],
                                      [9.0281487e-01, 6.7055255e-02, 3.0129895e-02],
                                      [6.9138281e-02, 9.3085921e-01, 2.5698926e-06]]], rtol=1e-5)
    x = np.array([0.3, -1.0, 2.0, 0.7])
    cold = _np(tfm.soft_sorting_matrix(x, 1e-3))
    np.testing.assert_allclose(cold @ x, np.sort(x)[::-1], atol=1e-6)


# --- root finding ----------------------------------------------------------------------------

def test_root_finders():
    f = lambda x: x ** 3 - 2.0
    r = tfm.find_root_chandrupatla(f, low=np.float64(0.0), high=np.float64(3.0))
    assert abs(float(_np(r.estimated_root)) - 2 ** (1 / 3)) < 1e-12
    assert int(_np(r.num_iterations)) == 8                                     # as TFP 0.25
    r = tfm.find_root_chandrupatla(f, low=np.array([0.0, -1.0]), high=np.array([3.0, 4.0]), position_tolerance=1e-4)
    np.testing.assert_allclose(_np(r.estimated_root), 2 ** (1 / 3), atol=1e-4)
    r = tfm.find_root_chandrupatla(f)                                          # bracketed by bracket_root
    assert r.estimated_root.dtype == wb.float32 and abs(float(_np(r.estimated_root)) - 1.259921) < 1e-6
    r = tfm.find_root_secant(lambda x: wb.exp(x) - wb.constant([2.0, 3.0], wb.float64), np.array([0.1, 1.0]))
    np.testing.assert_allclose(_np(r.estimated_root), np.log([2.0, 3.0]), rtol=1e-9)
    # with a zero start the default next position equals it: no step is taken, as in TFP
    r = tfm.secant_root(lambda x: x - 1.0, np.array([0.0]))
    assert int(_np(r.num_iterations)[0]) == 0
    low, high = tfm.bracket_root(lambda x: x ** 3 - 2e3, dtype=wb.float64)
    np.testing.assert_allclose([float(_np(low)), float(_np(high))], [3.6353639212339104, 61.15346517442707])
    low, high = tfm.bracket_root(lambda x: x - 0.3, dtype=wb.float64, num_points=8)
    np.testing.assert_allclose([float(_np(low)), float(_np(high))], [4.5399929762484854e-05, 7.182494585686257e+99])


# --- interpolation (TFP 0.25's values) --------------------------------------------------------

def test_interp_regular_1d_grid_pinned_to_tfp():
    y = np.array([[0.0, 1.0, 4.0, 9.0], [1.0, -1.0, 2.0, 0.0]])
    x = np.array([-1.0, 0.0, 0.5, 2.2, 3.0, 4.5, np.nan])
    want = {"constant_extension": [[0.0, 0.0, 0.5, 5.0, 9.0, 9.0, np.nan], [1.0, 1.0, 0.0, 1.6, 0.0, 0.0, np.nan]],
            "extrapolate": [[-1.0, 0.0, 0.5, 5.0, 9.0, 16.5, np.nan], [3.0, 1.0, 0.0, 1.6, 0.0, -3.0, np.nan]],
            -7.0: [[-7.0, 0.0, 0.5, 5.0, 9.0, -7.0, np.nan], [-7.0, 1.0, 0.0, 1.6, 0.0, -7.0, np.nan]]}
    for fill, w in want.items():
        np.testing.assert_allclose(_np(tfm.interp_regular_1d_grid(x, 0.0, 3.0, y, fill_value=fill)), w, rtol=1e-12)
    np.testing.assert_allclose(_np(tfm.interp_regular_1d_grid(x[:6], 0.0, 3.0, y, fill_value_below=-5.0,
                                                              fill_value_above=5.0)),
                               [[-5.0, 0.0, 0.5, 5.0, 9.0, 5.0], [-5.0, 1.0, 0.0, 1.6, 0.0, 5.0]], rtol=1e-12)
    np.testing.assert_allclose(_np(tfm.interp_regular_1d_grid(np.array([[0.5, 1.5], [2.5, 0.1]]), 0.0, 3.0, y.T,
                                                              axis=0)),
                               [[[0.5, 0.0], [2.5, 0.5]], [[6.5, 1.0], [0.1, 0.8]]], rtol=1e-12)
    np.testing.assert_allclose(_np(tfm.interp_regular_1d_grid(np.array([2.0, 5.0, 50.0]), 1.0, 100.0,
                                                              np.array([0.0, 1.0, 3.0]),
                                                              grid_regularizing_transform=wb.math.log)),
                               [0.30102999566398114, 0.6989700043360187, 2.3979400086720366], rtol=1e-12)
    np.testing.assert_allclose(_np(tfm.batch_interp_regular_1d_grid(np.array([[0.5, 2.9], [1.5, -1.0]]),
                                                                    np.array([0.0, 1.0]), np.array([3.0, 2.0]), y)),
                               [[0.5, 8.5], [0.5, 1.0]], rtol=1e-12)
    with pytest.raises(ValueError, match="fill_value"):
        tfm.interp_regular_1d_grid(x, 0.0, 3.0, y, fill_value="nearest")
    check_gradients(lambda t, yr: tfm.interp_regular_1d_grid(t, 0.0, 3.0, yr), [np.array([0.3, 1.7]), y[0]], order=1)


def test_nd_grid_interpolation_pinned_to_tfp():
    yy = np.arange(12.0).reshape(3, 4) ** 1.5
    x = np.array([[0.5, 0.5], [1.2, 2.7], [-1.0, 4.0], [2.0, 3.0]])
    reg = [5.045084971874737, 20.903579142229315, 5.196152422706632, 36.4828726939094]
    np.testing.assert_allclose(_np(tfm.batch_interp_regular_nd_grid(x, [0.0, 0.0], [2.0, 3.0], yy, axis=0)),
                               reg, rtol=1e-12)
    np.testing.assert_allclose(_np(tfm.batch_interp_regular_nd_grid(x, [0.0, 0.0], [2.0, 3.0], yy, axis=0,
                                                                    fill_value=-9.0)),
                               reg[:2] + [-9.0] + reg[3:], rtol=1e-12)
    grids = (np.array([0.0, 1.0, 4.0]), np.array([0.0, 0.5, 1.0, 3.0]))
    rect = [6.0901699437494745, 19.133900883388264, 5.196152422706632, 24.50779701627122]
    np.testing.assert_allclose(_np(tfm.batch_interp_rectilinear_nd_grid(x, grids, yy, axis=0)), rect, rtol=1e-12)
    np.testing.assert_allclose(_np(tfm.batch_interp_rectilinear_nd_grid(x, grids, yy, axis=0, fill_value=-9.0)),
                               rect[:2] + [-9.0] + rect[3:], rtol=1e-12)


# --- Cholesky helpers (TFP 0.25's values) -----------------------------------------------------

def _spd():
    a = np.random.RandomState(1).standard_normal((4, 4))
    return a, a @ a.T + 0.1 * np.eye(4)


def test_pivoted_and_low_rank_cholesky_pinned_to_tfp():
    a, m = _spd()
    want = [[0.866659791, 0.3602865007, 1.91365234], [3.1256702924, 0.0, 0.0],
            [1.5898448736, 2.0293605322, 0.0], [1.0942781595, 1.0726529885, -0.5446520259]]
    np.testing.assert_allclose(_np(tfm.pivoted_cholesky(m, 3)), want, rtol=1e-9, atol=1e-12)
    lr, order = tfm.pivoted_cholesky(m, 4, diag_rtol=0.3, return_pivoting_order=True)
    np.testing.assert_allclose(_np(lr)[:, :3], want, rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(_np(lr)[:, 3], 0.0)
    np.testing.assert_array_equal(_np(order), [1, 2, 0, 3])      # the rows pivoted on, in order
    lr, rank, resid = tfm.low_rank_cholesky(m, 3)
    np.testing.assert_allclose(_np(lr), want, rtol=1e-9, atol=1e-12)
    assert int(_np(rank)) == 3
    np.testing.assert_allclose(_np(resid), [0, 0, 0, 0.2019695959], atol=1e-9)
    assert int(_np(tfm.low_rank_cholesky(m, 4, trace_rtol=0.05)[1])) == 3
    assert int(_np(tfm.low_rank_cholesky(m, 4, trace_atol=1.0)[1])) == 3
    full = _np(tfm.pivoted_cholesky(m, 4, diag_rtol=0.0))
    np.testing.assert_allclose(full @ full.T, m, rtol=1e-12)
    check_gradients(lambda t: tfm.pivoted_cholesky(t @ wb.linalg.adjoint(t) + 0.1 * wb.eye(4, dtype=wb.float64), 2),
                    [a], order=1, modes=("rev",))


def test_cholesky_update_concat_and_gram_schmidt():
    a, m = _spd()
    chol = np.linalg.cholesky(m)
    for mult in (2.0, -0.05):
        np.testing.assert_allclose(_np(tfm.cholesky_update(chol, a[0], mult)),
                                   np.linalg.cholesky(m + mult * np.outer(a[0], a[0])), rtol=1e-12, atol=1e-14)
    batch = np.stack([chol, 2 * chol])
    np.testing.assert_allclose(_np(tfm.cholesky_update(batch, a[:2], 0.5))[1],
                               np.linalg.cholesky(4 * m + 0.5 * np.outer(a[1], a[1])), rtol=1e-12)
    check_gradients(lambda l, v: tfm.cholesky_update(l, v, 1.5), [chol, a[0]], order=1, modes=("rev",))
    np.testing.assert_allclose(_np(tfm.cholesky_concat(chol[:3, :3], m[:, 3:])), chol, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(_np(tfm.cholesky_concat(chol[:2, :2], m[:, 2:])), chol, rtol=1e-12, atol=1e-14)
    with pytest.raises(ValueError, match="cols"):
        tfm.cholesky_concat(chol[:2, :2], m[:, 3:])
    gs2 = _np(tfm.gram_schmidt(a, 2))                                # TFP 0.25
    np.testing.assert_allclose(gs2, [[0.8569187992, 0.3851749867, -0.3383752903, 0.0658975907],
                                     [0.4565433455, -0.8548229626, 0.6090965843, -0.0484258877],
                                     [0.1683081721, 0.0063210925, 0.5435649824, -0.8020490625],
                                     [-0.1700902834, -0.3476751013, 0.4680177602, -0.5916331146]], rtol=1e-8)
    q = _np(tfm.gram_schmidt(a))
    np.testing.assert_allclose(q.T @ q, np.eye(4), atol=1e-12)


def test_hpsd_solves():
    a, m = _spd()
    np.testing.assert_allclose(_np(tfm.hpsd_logdet(m)), np.linalg.slogdet(m)[1], rtol=1e-12)
    np.testing.assert_allclose(_np(tfm.hpsd_solve(m, a[:, :2])), np.linalg.solve(m, a[:, :2]), rtol=1e-10)
    np.testing.assert_allclose(_np(tfm.hpsd_solvevec(m, a[:, 0])), np.linalg.solve(m, a[:, 0]), rtol=1e-10)
    np.testing.assert_allclose(_np(tfm.hpsd_quadratic_form_solve(m, a[:, :2])),
                               [[0.7486513516, -0.2003721901], [-0.2003721901, 0.8072866523]], rtol=1e-9)
    np.testing.assert_allclose(_np(tfm.hpsd_quadratic_form_solvevec(m, a[:, 0], cholesky_matrix=np.linalg.cholesky(m))),
                               0.7486513516160077, rtol=1e-12)
    check_gradients(lambda t: tfm.hpsd_logdet(t @ wb.linalg.adjoint(t) + wb.eye(4, dtype=wb.float64)), [a], order=1)


def test_lu_helpers_take_tfps_arguments():
    _, m = _spd()
    lu, perm = wb.linalg.lu(m)
    np.testing.assert_allclose(_np(tfm.lu_reconstruct(lower_upper=lu, perm=perm)), m, rtol=1e-12)
    np.testing.assert_allclose(_np(tfm.lu_matrix_inverse(lu, perm)), np.linalg.inv(m), rtol=1e-10)
    np.testing.assert_allclose(_np(tfm.lu_solve(lu, perm, rhs=np.eye(4))), np.linalg.inv(m), rtol=1e-10)


# --- sparse ---------------------------------------------------------------------------------

def test_sparse_or_dense_products_and_dense_to_sparse():
    x = np.array([[0.0, 2.0, 0.0], [1.0, 0.0, 3.0]], np.float32)
    s = tfm.dense_to_sparse(x)
    np.testing.assert_array_equal(_np(s.indices), [[0, 1], [1, 0], [1, 2]])
    np.testing.assert_array_equal(_np(s.values), [2, 1, 3])
    np.testing.assert_array_equal(_np(s.dense_shape), [2, 3])
    b = np.arange(6, dtype=np.float32).reshape(3, 2)
    np.testing.assert_allclose(_np(tfm.sparse_or_dense_matmul(s, b)), x @ b)
    np.testing.assert_allclose(_np(tfm.sparse_or_dense_matmul(x, b)), x @ b)
    np.testing.assert_allclose(_np(tfm.sparse_or_dense_matvecmul(s, b[:, 0])), x @ b[:, 0])
    np.testing.assert_allclose(_np(tfm.sparse_or_dense_matvecmul(x, b[:, 1])), x @ b[:, 1])
    assert _np(tfm.dense_to_sparse(x, ignore_value=2.0).values).tolist() == [0, 0, 1, 0, 3]
    st = tfm.dense_to_sparse(wb.constant([["a", ""], ["", "b"]]))
    np.testing.assert_array_equal(_np(st.indices), [[0, 0], [1, 1]])


# --- minimize_stateless, hypergeometric ------------------------------------------------------

class _FunctionalSGD:
    """An optax-style transformation: updates are ``-0.1 * grads``; the state counts steps."""

    def init(self, params):
        return wb.constant(0)

    def update(self, grads, state, params=None):
        return wb.nest.map_structure(lambda g: -0.1 * g, grads), state + 1


def test_minimize_stateless_pinned_to_tfp():
    final, (loss, params, step, converged) = tfm.minimize_stateless(
        lambda x, y: (x - 2.0) ** 2 + (y + 1.0) ** 2, init=(wb.constant(0.0), wb.constant(0.0)), num_steps=5,
        optimizer=_FunctionalSGD(), trace_fn=lambda t: (t.loss, t.parameters, t.step, t.has_converged))
    np.testing.assert_allclose([float(_np(f)) for f in final], [1.34464, -0.67232], rtol=1e-6)
    np.testing.assert_allclose(_np(loss), [5.0, 3.2, 2.048, 1.31072, 0.83886063], rtol=1e-6)
    np.testing.assert_allclose(_np(params[0]), [0.4, 0.72, 0.976, 1.1808, 1.34464], rtol=1e-6)
    assert _np(step).tolist() == [0, 1, 2, 3, 4] and not _np(converged).any()
    final, losses = tfm.minimize_stateless(lambda x: wb.reduce_sum((x - 2.0) ** 2), init=wb.constant([0.0, 1.0]),
                                           num_steps=3, optimizer=_FunctionalSGD())
    np.testing.assert_allclose(_np(final), [0.976, 1.488], rtol=1e-6)
    np.testing.assert_allclose(_np(losses), [5.0, 3.2, 2.048], rtol=1e-6)
    final, losses = tfm.minimize_stateless(
        lambda x: (x - 2.0) ** 2, init=(wb.constant(0.0),), num_steps=50, optimizer=_FunctionalSGD(),
        convergence_criterion=tfp.optimizer.convergence_criteria.LossNotDecreasing(atol=0.01),
        return_full_length_trace=False)
    assert _np(losses).shape == (40,)                                  # TFP 0.25 stops there too
    np.testing.assert_allclose(float(_np(final[0])), 1.9997341632843018, rtol=1e-6)
    with pytest.raises(TypeError, match="optax"):
        tfm.minimize_stateless(lambda x: x, (wb.constant(0.0),), 3, wb.optimizers.SGD())


def test_hyp2f1_small_argument_matches_scipy_and_differentiates_in_z():
    h = tfm.hypergeometric.hyp2f1_small_argument
    a, b, c = np.array([0.5, 2.0, -1.5]), np.array([1.5, -1.0, 0.3]), np.array([3.0, 0.7, 2.5])
    z = np.array([0.9, -0.8, 0.35])
    np.testing.assert_allclose(_np(h(a, b, c, z)), sp.hyp2f1(a, b, c, z), rtol=1e-12)
    np.testing.assert_allclose(float(_np(h(1.0, 1.0, 2.0, -0.5))), math.log(1.5) / 0.5, rtol=1e-6)
    check_gradients(lambda t: h(wb.constant(a), wb.constant(b), wb.constant(c), t), [z * 0.9], order=2,
                    modes=("rev",))


# --- ode.DormandPrince ------------------------------------------------------------------------

def test_dormand_prince_float32_pinned_to_tfp():
    ode = tfm.ode
    r = ode.DormandPrince().solve(lambda t, y: -y, 0.0, wb.constant([1.0, 2.0]), solution_times=[0.5, 1.0, 2.0])
    np.testing.assert_allclose(_np(r.states), [[0.6058663129806519, 1.2117326259613037],
                                               [0.3681834936141968, 0.7363669872283936],
                                               [0.1356109231710434, 0.2712218463420868]], rtol=1e-5)
    assert int(_np(r.diagnostics.num_ode_fn_evaluations)) == 30 and int(_np(r.diagnostics.status)) == 0
    r = ode.DormandPrince().solve(lambda t, y: -y, 0.0, wb.constant([1.0, 2.0]),
                                  solution_times=ode.ChosenBySolver(2.0))
    np.testing.assert_allclose(_np(r.times), [0.0, 1e-3, 1.1e-2, 0.111, 1.111, 2.0], rtol=1e-6)
    np.testing.assert_allclose(_np(r.states)[:, 0], [1.0, 0.9990005, 0.9890603, 0.89493877, 0.32963598,
                                                     0.13561092], rtol=2e-5)
    f = lambda t, y: wb.stack([y[1], -wb.sin(y[0]) - 0.1 * y[1] + 0.3 * wb.cos(t)])
    r = ode.DormandPrince(rtol=1e-5, atol=1e-7).solve(f, 0.0, wb.constant([1.0, 0.0]),
                                                      solution_times=np.linspace(0.0, 10.0, 6).astype(np.float32))
    np.testing.assert_allclose(_np(r.states), [[1.0, 0.0], [0.04390280693769455, -0.8174610137939453],
                                               [-1.0880495309829712, -0.05283750593662262],
                                               [0.18710720539093018, 1.1076154708862305],
                                               [1.3860846757888794, -0.22187019884586334],
                                               [-0.7173510193824768, -1.3296144008636475]], rtol=2e-5, atol=2e-5)
    assert int(_np(r.diagnostics.num_ode_fn_evaluations)) == 246


def test_dormand_prince_float64_accuracy_structures_and_gradients():
    from scipy.integrate import solve_ivp
    ode = tfm.ode

    def pendulum(t, y):
        return [y[1], -wb.sin(y[0]) - 0.1 * y[1] + 0.3 * wb.cos(t)]

    times = np.linspace(0.0, 10.0, 6)
    r = ode.DormandPrince(rtol=1e-9, atol=1e-11).solve(
        pendulum, 0.0, [wb.constant(1.0, wb.float64), wb.constant(0.0, wb.float64)], solution_times=times)
    ref = solve_ivp(lambda t, y: [y[1], -np.sin(y[0]) - 0.1 * y[1] + 0.3 * np.cos(t)], (0, 10), [1.0, 0.0],
                    t_eval=times, rtol=1e-12, atol=1e-13, method="DOP853")
    assert isinstance(r.states, list) and _np(r.states[0]).shape == (6,)
    np.testing.assert_allclose(np.stack([_np(s) for s in r.states]), ref.y, atol=1e-7)
    # dy/dt = -k y with k passed as a constant: values and gradients against the closed form
    y0 = wb.constant([1.0, 2.0], wb.float64)
    k = wb.constant(0.7, wb.float64)
    with wb.GradientTape() as tape:
        tape.watch([y0, k])
        r = ode.DormandPrince(rtol=1e-8, atol=1e-10).solve(lambda t, y, k: -k * y, 0.0, y0, solution_times=[1.5],
                                                           constants={"k": k})
        total = wb.reduce_sum(r.states)
    np.testing.assert_allclose(_np(r.states)[0], np.array([1.0, 2.0]) * math.exp(-1.05), rtol=1e-8)
    d_y0, d_k = tape.gradient(total, [y0, k])
    np.testing.assert_allclose(_np(d_y0), [math.exp(-1.05)] * 2, rtol=1e-7)
    np.testing.assert_allclose(float(_np(d_k)), -1.5 * 3.0 * math.exp(-1.05), rtol=1e-7)
    # continuing from the internal state gives the same answer as one solve
    first = ode.DormandPrince().solve(lambda t, y: -y, 0.0, y0, solution_times=[1.0])
    more = ode.DormandPrince().solve(lambda t, y: -y, 1.0, y0, solution_times=[2.0],
                                     previous_solver_internal_state=first.solver_internal_state)
    whole = ode.DormandPrince().solve(lambda t, y: -y, 0.0, y0, solution_times=[1.0, 2.0])
    np.testing.assert_allclose(_np(more.states)[0], _np(whole.states)[1], rtol=1e-12)
    with pytest.raises(wb.errors.InvalidArgumentError, match="max_num_steps"):
        ode.DormandPrince(max_num_steps=3).solve(lambda t, y: -y, 0.0, y0, solution_times=[5.0])
    with pytest.raises(ValueError, match="non-decreasing"):
        ode.DormandPrince().solve(lambda t, y: -y, 0.0, y0, solution_times=[2.0, 1.0])


def test_bdf_solves_stiff_problems():
    from scipy.integrate import solve_ivp
    ode = tfm.ode

    def rober(t, y):
        return wb.stack([-0.04 * y[0] + 1e4 * y[1] * y[2], 0.04 * y[0] - 1e4 * y[1] * y[2] - 3e7 * y[1] ** 2,
                         3e7 * y[1] ** 2])

    times = [1e-2, 1.0, 100.0, 1e4]
    r = ode.BDF().solve(rober, 0.0, wb.constant([1.0, 0.0, 0.0], wb.float64), solution_times=times)
    ref = solve_ivp(lambda t, y: [-0.04 * y[0] + 1e4 * y[1] * y[2], 0.04 * y[0] - 1e4 * y[1] * y[2] - 3e7 * y[1] ** 2,
                                  3e7 * y[1] ** 2], (0, 1e4), [1, 0, 0], method="Radau", rtol=1e-10, atol=1e-14,
                    t_eval=times)
    np.testing.assert_allclose(_np(r.states), ref.y.T, rtol=5e-3, atol=1e-6)
    np.testing.assert_allclose(_np(r.times), times)
    # TFP 0.25's answer at t = 1e4 (rtol 1e-3): both within the tolerance of the reference
    np.testing.assert_allclose(_np(r.states)[-1, 0], 0.10719344699183796, rtol=5e-3)
    tight = ode.BDF(rtol=1e-7, atol=1e-12).solve(rober, 0.0, wb.constant([1.0, 0.0, 0.0], wb.float64),
                                                 solution_times=times)
    np.testing.assert_allclose(_np(tight.states), ref.y.T, rtol=2e-5, atol=1e-10)
    # a stiff linear problem with a closed form: y' = -1000 (y - cos t)
    lam = 1000.0

    def exact(t):
        return (lam ** 2 * np.cos(t) + lam * np.sin(t)) / (lam ** 2 + 1) - lam ** 2 / (lam ** 2 + 1) * np.exp(-lam * t)

    r = ode.BDF(rtol=1e-6, atol=1e-9).solve(lambda t, y: -lam * (y - wb.cos(t)), 0.0,
                                            wb.constant([0.0], wb.float64), solution_times=[0.5, 1.0, 3.0])
    np.testing.assert_allclose(_np(r.states)[:, 0], exact(np.array([0.5, 1.0, 3.0])), rtol=1e-5)
    assert int(_np(r.diagnostics.num_ode_fn_evaluations)) < 2000       # an explicit method needs ~10^4
    # a list state with a given Jacobian, ChosenBySolver, continuing from the internal state
    jac_calls = []

    def jacobian(t, y):
        jac_calls.append(t)
        return wb.constant([[-2.0, 1.0], [1.0, -2.0]], wb.float64)

    r = ode.BDF().solve(lambda t, y: [-2.0 * y[0] + y[1], y[0] - 2.0 * y[1]], 0.0,
                        [wb.constant(1.0, wb.float64), wb.constant(0.0, wb.float64)],
                        solution_times=ode.ChosenBySolver(1.0), jacobian_fn=jacobian)
    assert jac_calls and float(_np(r.times)[-1]) == 1.0 and _np(r.times)[0] > 0.0
    want = 0.5 * np.array([np.exp(-1.0) + np.exp(-3.0), np.exp(-1.0) - np.exp(-3.0)])
    np.testing.assert_allclose([float(_np(p)[-1]) for p in r.states], want, rtol=5e-3)
    later = ode.BDF().solve(lambda t, y: [-2.0 * y[0] + y[1], y[0] - 2.0 * y[1]], 1.0,
                            r.solver_internal_state.current_state,
                            solution_times=[2.0], previous_solver_internal_state=r.solver_internal_state)
    want = 0.5 * np.array([np.exp(-2.0) + np.exp(-6.0), np.exp(-2.0) - np.exp(-6.0)])
    np.testing.assert_allclose([float(_np(p)[0]) for p in later.states], want, rtol=5e-3)
    with pytest.raises(wb.errors.InvalidArgumentError, match="max_num_steps"):
        ode.BDF(max_num_steps=2).solve(rober, 0.0, wb.constant([1.0, 0.0, 0.0], wb.float64), solution_times=[1e4])
