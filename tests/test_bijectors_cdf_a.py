"""The CDF bijectors GeneralizedPareto, GeneralizedExtremeValueCDF, MoyalCDF, FrechetCDF, GompertzCDF and
ShiftedGompertzCDF: forward, inverse and log-det-Jacobians against TFP 0.25's values (printed by TFP 0.25
in float64, pinned here), against central differences, and their validate_args errors."""

import numpy as np
import pytest

import probability
import workbench as wb

tfb = probability.bijectors


def f64(a):
    return wb.constant(np.asarray(a, dtype=np.float64))


# name -> (factory, x, TFP's forward(x), TFP's forward_log_det_jacobian(x, event_ndims=0))
CASES = {
    "GeneralizedPareto": (
        lambda: tfb.GeneralizedPareto(loc=f64([0.5, -1.0, 0.0]), scale=f64([1.0, 2.0, 0.5]),
                                      concentration=f64([0.3, -0.5, 0.0])),
        [-2.0, 0.3, 1.7], [0.6269280110429725, 1.297770067246636, 1.867786029386266],
        [-2.1269280110429727, -0.022416127817163733, -0.16778602938626594]),
    "GeneralizedExtremeValueCDF": (
        lambda: tfb.GeneralizedExtremeValueCDF(loc=f64([0.5, -1.0, 0.0]), scale=f64([1.0, 2.0, 0.5]),
                                               concentration=f64([0.3, -0.5, 0.0])),
        [-1.0, 0.3, 1.7], [0.0006516697655498292, 0.6340515618580675, 0.9671774739046923],
        [-4.745345615630438, -1.5418147686695525, -2.7402260894003807]),
    "MoyalCDF": (
        lambda: tfb.MoyalCDF(loc=f64([0.5, -1.0, 0.0]), scale=f64([1.0, 2.0, 0.5])),
        [-1.0, 0.3, 1.7], [0.03425984638344942, 0.46997031415730983, 0.8550463441038353],
        [-2.409783068373705, -2.198108602145126, -1.9424779876248905]),
    "FrechetCDF": (
        lambda: tfb.FrechetCDF(loc=f64([0.5, -1.0, 0.0]), scale=f64([1.0, 2.0, 0.5]),
                               concentration=f64([0.7, 2.0, 4.0])),
        [1.0, 0.3, 1.7], [0.19700921144909112, 0.0937743508625086, 0.9925447810916715],
        [-0.8028295296992964, -1.0745151570480806, -4.046918764381557]),
    "GompertzCDF": (
        lambda: tfb.GompertzCDF(concentration=f64([0.7, 2.0, 4.0]), rate=f64([1.0, 0.5, 3.0])),
        [0.2, 1.3, 0.05], [0.1435693475641885, 0.8397598510413424, 0.4765621474042583],
        [-0.31165687465085135, -1.181081658027792, 1.9875696788748676]),
    "ShiftedGompertzCDF": (
        lambda: tfb.ShiftedGompertzCDF(concentration=f64([0.7, 2.0, 4.0]), rate=f64([1.0, 0.5, 3.0])),
        [0.2, 1.3, 0.05], [0.056281625627685995, 0.3681505921431644, 0.11232490669337651],
        [-1.1393325022165142, -1.3898839397332559, 0.7676656978571827]),
}


@pytest.mark.parametrize("name", CASES)
def test_matches_tfp(name):
    make, x, y, fldj = CASES[name]
    b = make()
    np.testing.assert_allclose(b.forward(f64(x)).numpy(), y, rtol=1e-12)
    np.testing.assert_allclose(b.inverse(f64(y)).numpy(), x, rtol=1e-10)
    np.testing.assert_allclose(b.forward_log_det_jacobian(f64(x), event_ndims=0).numpy(), fldj, rtol=1e-12)
    np.testing.assert_allclose(b.inverse_log_det_jacobian(f64(y), event_ndims=0).numpy(), np.negative(fldj),
                               rtol=1e-10)
    # a vector event: the log-dets summed over it
    np.testing.assert_allclose(b.forward_log_det_jacobian(f64(x), event_ndims=1).numpy(), np.sum(fldj), rtol=1e-12)


@pytest.mark.parametrize("name", CASES)
def test_log_det_matches_central_differences(name):
    make, x, y, _ = CASES[name]
    b = make()
    rng = np.random.default_rng(3)
    xs = b.inverse(f64(rng.uniform(0.05, 0.95, size=(5, 3)))).numpy()
    h = 1e-6 * np.maximum(1.0, np.abs(xs))
    fd = (b.forward(f64(xs + h)).numpy() - b.forward(f64(xs - h)).numpy()) / (2 * h)
    np.testing.assert_allclose(b.forward_log_det_jacobian(f64(xs), event_ndims=0).numpy(), np.log(fd),
                               rtol=1e-6, atol=1e-6)
    ys = b.forward(f64(xs))
    np.testing.assert_allclose(b.inverse(ys).numpy(), xs, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name", CASES)
def test_log_det_gradient_through_the_tape(name):
    # the log-det's derivative in x (through the tape) against differences of the log-det itself
    make, x, _, _ = CASES[name]
    b = make()
    xt = f64(x)
    with wb.GradientTape() as tape:
        tape.watch(xt)
        ldj = b.forward_log_det_jacobian(xt, event_ndims=0)
    g = tape.gradient(ldj, xt).numpy()
    h = 1e-6
    fd = (b.forward_log_det_jacobian(f64(np.add(x, h)), event_ndims=0).numpy()
          - b.forward_log_det_jacobian(f64(np.subtract(x, h)), event_ndims=0).numpy()) / (2 * h)
    np.testing.assert_allclose(g, fd, rtol=1e-5, atol=1e-6)


def test_generalized_pareto_support_follows_the_concentration():
    b = tfb.GeneralizedPareto(loc=f64([1.0, 1.0]), scale=f64([2.0, 2.0]), concentration=f64([0.5, -0.5]))
    y = b.forward(f64([[-40.0, -40.0], [40.0, 40.0]])).numpy()
    np.testing.assert_allclose(y[0], [1.0, 1.0], atol=1e-12)
    assert y[1, 0] > 30.0 and np.isclose(y[1, 1], 5.0)   # unbounded; bounded by loc + scale / |conc| = 5


def test_gev_cdf_zero_concentration_is_the_gumbel_cdf():
    x = f64([-1.0, 0.5, 3.0])
    got = tfb.GeneralizedExtremeValueCDF(loc=0.5, scale=2.0, concentration=0.0).forward(x).numpy()
    want = tfb.GumbelCDF(loc=0.5, scale=2.0).forward(x).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-14)


def test_defaults_and_names():
    assert tfb.MoyalCDF().name == "moyal_cdf" and tfb.FrechetCDF().name == "frechet_cdf"
    assert tfb.GeneralizedExtremeValueCDF().name == "generalizedextremevalue_cdf"
    assert tfb.GompertzCDF(1.0, 1.0).name == "gompertz_cdf"
    assert tfb.ShiftedGompertzCDF(1.0, 1.0).name == "shifted_gompertz_cdf"
    assert tfb.GeneralizedPareto(0.0, 1.0, 0.5).name == "generalized_pareto"
    np.testing.assert_allclose(tfb.FrechetCDF().forward(f64(1.0)).numpy(), np.exp(-1.0))


@pytest.mark.parametrize("make, arg", [
    (lambda: tfb.MoyalCDF(scale=f64(-1.0), validate_args=True), "scale"),
    (lambda: tfb.FrechetCDF(concentration=f64(0.0), validate_args=True), "concentration"),
    (lambda: tfb.GompertzCDF(concentration=f64(-1.0), rate=f64(1.0), validate_args=True), "concentration"),
    (lambda: tfb.ShiftedGompertzCDF(concentration=f64(1.0), rate=f64(0.0), validate_args=True), "rate"),
    (lambda: tfb.GeneralizedExtremeValueCDF(scale=f64(0.0), validate_args=True), "scale"),
    (lambda: tfb.GeneralizedPareto(0.0, f64(-2.0), 0.5, validate_args=True), "scale"),
])
def test_validate_args_names_the_parameter(make, arg):
    with pytest.raises(ValueError, match=f"`{arg}`"):
        make()
