"""Special functions against SciPy, including the tails."""

import numpy as np
import pytest
import scipy.special as sp

import workbench as wb


@pytest.mark.parametrize("name, ref, x", [
    ("ndtr", sp.ndtr, np.linspace(-8, 8, 9)),
    ("log_ndtr", sp.log_ndtr, np.array([-40.0, -10.0, -1.0, 0.0, 3.0, 40.0])),
    ("ndtri", sp.ndtri, np.array([1e-10, 0.1, 0.5, 0.9, 1 - 1e-10])),
    ("erfinv", sp.erfinv, np.array([-0.999, -0.5, 0.0, 0.5, 0.999])),
])
def test_unary_against_scipy(name, ref, x):
    got = getattr(wb.math, name)(wb.constant(x)).numpy()
    np.testing.assert_allclose(got, ref(x), rtol=1e-12)


def test_incomplete_gamma_and_beta_against_scipy():
    a, x = np.array([0.5, 2.0, 10.0]), np.array([0.3, 2.0, 15.0])
    np.testing.assert_allclose(wb.math.igamma(wb.constant(a), wb.constant(x)).numpy(), sp.gammainc(a, x))
    np.testing.assert_allclose(wb.math.igammac(wb.constant(a), wb.constant(x)).numpy(), sp.gammaincc(a, x))
    b = np.array([1.5, 0.5, 3.0])
    p = np.array([0.1, 0.5, 0.9])
    np.testing.assert_allclose(wb.math.betainc(wb.constant(a), wb.constant(b), wb.constant(p)).numpy(),
                               sp.betainc(a, b, p))
    np.testing.assert_allclose(wb.math.lbeta(wb.constant(a), wb.constant(b)).numpy(), sp.betaln(a, b))
    np.testing.assert_allclose(wb.math.lbeta(wb.constant([[1.0, 2.0, 3.0]])).numpy(),
                               [sp.gammaln(1) + sp.gammaln(2) + sp.gammaln(3) - sp.gammaln(6)])


def test_log_ndtr_gradient_is_finite_far_in_the_tail():
    x = wb.constant(np.array([-40.0, -10.0]))
    with wb.GradientTape() as tape:
        tape.watch(x)
        y = wb.math.log_ndtr(x)
    g = tape.gradient(y, x).numpy()
    assert np.all(np.isfinite(g))
    np.testing.assert_allclose(g, [40.0249, 10.0981], rtol=1e-4)  # ~ -x for large -x


def test_log1mexp_and_softplus_inverse():
    x = np.array([1e-8, 0.1, 1.0, 50.0])
    np.testing.assert_allclose(wb.math.log1mexp(wb.constant(x)).numpy(), np.log(-np.expm1(-x)), rtol=1e-10,
                               atol=1e-20)  # exact: -exp(-50) where log(-expm1(-50)) rounds to 0
    y = np.array([1e-6, 0.5, 3.0, 30.0])
    back = wb.softplus(wb.math.softplus_inverse(wb.constant(y))).numpy()
    np.testing.assert_allclose(back, y, rtol=1e-9)


# ---------------------------------------------------------------------------
# inverses of the incomplete gamma and beta functions


def test_igammainv_and_igammacinv_against_scipy():
    a = np.array([1e-3, 0.05, 0.5, 1.0, 4.0, 50.0, 1e4])[:, None]
    p = np.array([0.0, 1e-30, 1e-8, 0.1, 0.5, 0.9, 1 - 1e-12, 1.0])
    got = wb.math.igammainv(wb.constant(a), wb.constant(p)).numpy()
    assert got.shape == (7, 8)
    np.testing.assert_allclose(got, sp.gammaincinv(a, p), rtol=1e-12, atol=0)
    assert np.all(got[:, 0] == 0) and np.all(got[:, -1] == np.inf)
    gotc = wb.math.igammacinv(wb.constant(a), wb.constant(p)).numpy()
    np.testing.assert_allclose(gotc, sp.gammainccinv(a, p), rtol=1e-12, atol=0)
    assert np.all(gotc[:, 0] == np.inf) and np.all(gotc[:, -1] == 0)
    # they invert igamma / igammac
    x = np.array([1e-5, 0.3, 2.0, 6.0])  # far right, P rounds towards 1: igammacinv's side
    a25 = wb.constant(np.float64(2.5))
    back = wb.math.igammainv(a25, wb.math.igamma(a25, wb.constant(x))).numpy()
    np.testing.assert_allclose(back, x, rtol=1e-10)


def test_igammacinv_keeps_the_right_tail():
    # Q = 1e-20 is lost by 1 - Q in igammainv; igammacinv keeps it
    q = wb.constant(np.array([1e-20]))
    x = wb.math.igammacinv(wb.constant(np.array([3.0])), q).numpy()
    np.testing.assert_allclose(sp.gammaincc(3.0, x), [1e-20], rtol=1e-10)


def test_betaincinv_against_scipy():
    a = np.array([1e-3, 0.2, 1.0, 3.0, 200.0])[:, None, None]
    b = np.array([0.5, 2.0, 50.0])[:, None]
    y = np.array([0.0, 1e-12, 0.05, 0.5, 0.95, 1.0])
    got = wb.math.betaincinv(wb.constant(a), wb.constant(b), wb.constant(y)).numpy()
    assert got.shape == (5, 3, 6)
    np.testing.assert_allclose(got, sp.betaincinv(a, b, y), rtol=1e-10, atol=1e-300)
    assert np.all(got[..., 0] == 0) and np.all(got[..., -1] == 1)


def test_inverses_in_float32():
    a32 = wb.constant(np.array([0.3, 1.5, 20.0], np.float32))
    p32 = wb.constant(np.array([0.001, 0.5, 0.999], np.float32))
    for got, want in [(wb.math.igammainv(a32, p32), sp.gammaincinv),
                      (wb.math.igammacinv(a32, p32), sp.gammainccinv)]:
        assert got.dtype == np.float32
        np.testing.assert_allclose(got.numpy(), want(a32.numpy().astype(np.float64), p32.numpy().astype(np.float64)),
                                   rtol=1e-6)
    got = wb.math.betaincinv(a32, a32, p32)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got.numpy(), sp.betaincinv(*(t.numpy().astype(np.float64) for t in (a32, a32, p32))),
                               rtol=1e-6)
    # Python numbers take the tensor's dtype
    assert wb.math.igammainv(2.0, p32).dtype == np.float32


def test_inverses_refuse_mixed_dtypes_and_integers():
    with pytest.raises(TypeError, match="igammainv"):
        wb.math.igammainv(wb.constant(np.array([1.0])), wb.constant(np.array([0.5], np.float32)))
    with pytest.raises(TypeError, match="betaincinv.*floating"):
        wb.math.betaincinv(wb.constant([1, 2]), wb.constant([1, 2]), wb.constant([0, 1]))


def _grads(f, *xs):
    xs = [wb.constant(np.asarray(x, np.float64)) for x in xs]
    with wb.GradientTape() as tape:
        tape.watch(xs)
        y = f(*xs)
    return [g.numpy() for g in tape.gradient(y, xs)]


def test_inverse_gradients_in_the_probability_are_one_over_the_density():
    a, p = np.array([0.5, 3.0]), np.array([0.2, 0.7])
    x = sp.gammaincinv(a, p)
    density = np.exp((a - 1) * np.log(x) - x - sp.gammaln(a))
    (gp,) = _grads(lambda p: wb.math.igammainv(wb.constant(a), p), p)
    np.testing.assert_allclose(gp, 1 / density, rtol=1e-10)
    (gq,) = _grads(lambda q: wb.math.igammacinv(wb.constant(a), q), 1 - p)
    np.testing.assert_allclose(gq, -1 / density, rtol=1e-10)
    b = np.array([2.0, 0.7])
    xb = sp.betaincinv(a, b, p)
    density_b = np.exp((a - 1) * np.log(xb) + (b - 1) * np.log1p(-xb) - sp.betaln(a, b))
    (gy,) = _grads(lambda y: wb.math.betaincinv(wb.constant(a), wb.constant(b), y), p)
    np.testing.assert_allclose(gy, 1 / density_b, rtol=1e-10)


def test_inverse_gradients_in_the_shapes_match_scipy_differences():
    a, b, p = np.array([0.3, 2.0, 12.0]), np.array([4.0, 0.8, 2.0]), np.array([0.05, 0.5, 0.97])
    h = 1e-6
    ga, = _grads(lambda a: wb.math.igammainv(a, wb.constant(p)), a)
    np.testing.assert_allclose(ga, (sp.gammaincinv(a + h, p) - sp.gammaincinv(a - h, p)) / (2 * h), rtol=1e-6)
    gca, = _grads(lambda a: wb.math.igammacinv(a, wb.constant(p)), a)
    np.testing.assert_allclose(gca, (sp.gammainccinv(a + h, p) - sp.gammainccinv(a - h, p)) / (2 * h), rtol=1e-6)
    gba, gbb = _grads(lambda a, b: wb.math.betaincinv(a, b, wb.constant(p)), a, b)
    np.testing.assert_allclose(gba, (sp.betaincinv(a + h, b, p) - sp.betaincinv(a - h, b, p)) / (2 * h), rtol=1e-6)
    np.testing.assert_allclose(gbb, (sp.betaincinv(a, b + h, p) - sp.betaincinv(a, b - h, p)) / (2 * h), rtol=1e-6)


def test_betainc_has_first_order_gradients_in_a_and_b():
    a, b, x = np.array([0.5, 3.0]), np.array([2.0, 0.4]), np.array([0.3, 0.999])
    h = 1e-6
    ga, gb = _grads(lambda a, b: wb.math.betainc(a, b, wb.constant(x)), a, b)
    np.testing.assert_allclose(ga, (sp.betainc(a + h, b, x) - sp.betainc(a - h, b, x)) / (2 * h), rtol=1e-6)
    np.testing.assert_allclose(gb, (sp.betainc(a, b + h, x) - sp.betainc(a, b - h, x)) / (2 * h), rtol=1e-6)
    # second order in the shapes (nested float64 differences); third order is refused loudly,
    # not answered with a silent zero
    av = wb.constant(a)
    with wb.GradientTape() as third:
        third.watch(av)
        with wb.GradientTape() as outer:
            outer.watch(av)
            with wb.GradientTape() as inner:
                inner.watch(av)
                y = wb.math.betainc(av, wb.constant(b), wb.constant(x))
            g = inner.gradient(y, av)
        gg = outer.gradient(g, av)
    h = 1e-4
    np.testing.assert_allclose(gg.numpy(), (sp.betainc(a + h, b, x) - 2 * sp.betainc(a, b, x)
                                            + sp.betainc(a - h, b, x)) / h ** 2, rtol=1e-5)
    with pytest.raises(NotImplementedError, match="third derivatives"):
        third.gradient(gg, av)


def test_inverse_gradients_at_the_ends_of_the_range():
    # p = 0 and p = 1 pin the answer at 0 / inf (0 / 1 for betaincinv) whatever the shape
    ga, = _grads(lambda a: wb.math.igammainv(a, wb.constant(np.array([0.0, 1.0]))), [2.0, 2.0])
    np.testing.assert_array_equal(ga, [0.0, 0.0])
    gb = _grads(lambda a, b: wb.math.betaincinv(a, b, wb.constant(np.array([0.0, 1.0]))), [2.0, 2.0], [3.0, 3.0])
    np.testing.assert_array_equal(gb, [[0.0, 0.0], [0.0, 0.0]])
