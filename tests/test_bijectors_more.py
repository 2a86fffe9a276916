"""AbsoluteValue, Reciprocal, Sinh, Softsign, Softfloor, PowerTransform, Householder,
MatrixInverseTriL, UnitVector, DiscreteCosineTransform, RationalQuadraticSpline, Inline and
Composition: values against TFP 0.25's for the same inputs (tests/fixtures/tfp025_bijectors_more.npz,
written by ``_compute`` run with TFP; its UnitVector needs NumPy 2's ``np.reshape`` to take the old
``newshape`` keyword), round trips, log-det-Jacobians against central-difference
and autodiff Jacobians, forward/inverse consistency and event_ndims reduction."""

import pathlib

import numpy as np
import pytest

import probability
import workbench as wb
from tests.bijector_helpers import (assert_event_ndims_reduction, assert_fldj_is_minus_ildj, assert_fldj_matches,
                                    assert_round_trip, autodiff_jacobian, f64, numerical_jacobian)
from tests.tf_fixtures import assert_matches_fixture

tfb = probability.bijectors
FIXTURE = pathlib.Path(__file__).parent / "fixtures" / "tfp025_bijectors_more.npz"


def _spline_params(rng, batch=(3,), bins=5, total=2.0):
    w = rng.uniform(0.2, 1.0, size=batch + (bins,))
    h = rng.uniform(0.2, 1.0, size=batch + (bins,))
    return w / w.sum(-1, keepdims=True) * total, h / h.sum(-1, keepdims=True) * total, \
        rng.uniform(0.3, 2.0, size=batch + (bins - 1,))


def _compute(tfb):
    """Every value TFP's bijectors give for these inputs (run with TFP to write the fixture)."""
    rng = np.random.default_rng(25)
    out = {}

    def put(key, b, x, ev, inverse=True):
        y_in = b.forward(x).numpy()
        out[key + "/forward"] = np.asarray(b.forward(x).numpy())
        if inverse:
            out[key + "/inverse"] = np.asarray(b.inverse(y_in).numpy())
        out[key + "/fldj"] = np.asarray(b.forward_log_det_jacobian(x, event_ndims=ev).numpy())
        if inverse:
            out[key + "/ildj"] = np.asarray(
                b.inverse_log_det_jacobian(y_in, event_ndims=b.forward_event_ndims(ev)).numpy())
        out[key + "/props"] = np.array([b.forward_min_event_ndims, b.inverse_min_event_ndims, b.is_constant_jacobian])

    x = rng.normal(size=(3, 4)) * 2.0
    put("reciprocal", tfb.Reciprocal(), x, 1)
    put("sinh", tfb.Sinh(), np.concatenate([x, [[30.0, -40.0, 0.0, 1e-3]]]), 0)
    put("softsign", tfb.Softsign(), x, 1)
    # TFP 0.25's Softfloor.inverse does not undo its forward (off by up to 0.05 here) unless its cache
    # holds the pair: its inverse and inverse log-det are left out, ours is checked by the round trips below
    put("softfloor", tfb.Softfloor(np.float64(0.3)), x, 0, inverse=False)
    put("softfloor_batch", tfb.Softfloor(np.array([0.05, 0.5, 2.0, 50.0])), x, 1, inverse=False)
    put("power_transform", tfb.PowerTransform(np.float64(0.5)), np.abs(x) - 1.0, 1)
    put("power_transform_zero", tfb.PowerTransform(0.0), x, 0)
    put("householder", tfb.Householder(np.array([[1.0, -2.0, 0.5, 3.0], [0.3, 0.0, 1.0, -1.0], [0, 0, 0, 1.0]])), x, 1)
    tril = np.tril(rng.normal(size=(2, 3, 3)))
    tril[:, range(3), range(3)] += np.sign(tril[:, range(3), range(3)]) * 0.5
    put("matrix_inverse_tril", tfb.MatrixInverseTriL(), tril, 2)
    put("matrix_inverse_tril_ev3", tfb.MatrixInverseTriL(), tril, 3)
    put("unit_vector", tfb.UnitVector(), x[:, :3], 1)
    out["unit_vector/event_shapes"] = np.array([tfb.UnitVector().forward_event_shape([3])[0],
                                                tfb.UnitVector().inverse_event_shape([4])[0]])
    put("dct2", tfb.DiscreteCosineTransform(), x, 1)
    put("dct3", tfb.DiscreteCosineTransform(dct_type=3), x, 2)
    w, h, s = _spline_params(rng, batch=(4,))
    put("spline", tfb.RationalQuadraticSpline(w, h, s), x * 0.6, 1)
    put("spline_range", tfb.RationalQuadraticSpline(w[0] * 2, h[0] * 2, s[0], range_min=-1.5), x, 0)
    a = tfb.AbsoluteValue()
    out["absolute_value/forward"] = a.forward(x).numpy()
    out["absolute_value/inverse"] = np.stack([t.numpy() for t in a.inverse(np.abs(x))])
    return out


def test_values_match_tfp():
    # atol 1e-8: TFP's UnitVector log-det is 5.7e-9 off the exact n log(2 / (1 + |x|**2)) (a float32 constant)
    assert_matches_fixture(_compute(tfb), FIXTURE, rtol=1e-10, atol=1e-8, check_dtype=False)


class _Reversed(tfb.Composition):
    """A Composition applying its bijectors first to last (the opposite of Chain)."""

    def __init__(self, bijectors):
        super().__init__(bijectors, name="reversed", parameters={"bijectors": bijectors})

    def _walk_forward(self, step_fn, x, **kwargs):
        for b in self.bijectors:
            x = step_fn(b, x)
        return x

    def _walk_inverse(self, step_fn, y, **kwargs):
        for b in reversed(self.bijectors):
            y = step_fn(b, y)
        return y


def _cubic():
    """Inline with a forward log-det function: ``y = x**3 + x``, inverted by Newton steps."""
    def inverse(y):
        x = wb.zeros_like(y)
        for _ in range(60):
            x = x - (x * x * x + x - y) / (3.0 * x * x + 1.0)
        return x
    return tfb.Inline(forward_fn=lambda x: x * x * x + x, inverse_fn=inverse,
                      forward_log_det_jacobian_fn=lambda x: wb.math.log(3.0 * x * x + 1.0), forward_min_event_ndims=0)


_W, _H, _S = _spline_params(np.random.default_rng(1), batch=(3,))

# name, factory, x sampler (rng -> float64 array of shape (batch,) + event), event_ndims of x
CASES = [
    ("Reciprocal", tfb.Reciprocal, lambda r: r.choice([-1, 1], size=(4, 3)) * r.uniform(0.3, 3, size=(4, 3)), 1),
    ("Sinh", tfb.Sinh, lambda r: r.normal(size=(4, 3)) * 2, 1),
    ("Softsign", tfb.Softsign, lambda r: r.normal(size=(4, 3)) * 2, 1),
    ("Softfloor", lambda: tfb.Softfloor(f64([0.2, 1.0, 5.0])), lambda r: r.normal(size=(4, 3)) * 3, 1),
    ("PowerTransform", lambda: tfb.PowerTransform(f64(0.7)), lambda r: r.uniform(-1.2, 3, size=(4, 3)), 1),
    ("PowerTransform zero", lambda: tfb.PowerTransform(0.0), lambda r: r.normal(size=(4, 3)), 1),
    ("PowerTransform batch", lambda: tfb.PowerTransform(f64([0.0, 0.5, 2.0])),
     lambda r: r.uniform(-0.2, 3, size=(4, 3)), 1),
    ("Householder", lambda: tfb.Householder(f64([1.0, -2.0, 0.5])), lambda r: r.normal(size=(4, 3)), 1),
    ("Householder batch", lambda: tfb.Householder(f64([[1.0, -2.0, 0.5], [0.0, 0.0, 2.0], [1.0, 1.0, 1.0],
                                                       [0.2, 0.0, -3.0]])), lambda r: r.normal(size=(4, 3)), 1),
    ("UnitVector", tfb.UnitVector, lambda r: r.normal(size=(4, 3)), 1),
    ("DiscreteCosineTransform", tfb.DiscreteCosineTransform, lambda r: r.normal(size=(4, 5)), 1),
    ("DiscreteCosineTransform 3", lambda: tfb.DiscreteCosineTransform(dct_type=3), lambda r: r.normal(size=(4, 5)), 1),
    ("RationalQuadraticSpline", lambda: tfb.RationalQuadraticSpline(f64(_W), f64(_H), f64(_S)),
     lambda r: r.uniform(-1.3, 1.3, size=(4, 3)), 1),
    ("RationalQuadraticSpline range", lambda: tfb.RationalQuadraticSpline(f64(_W[0] * 3), f64(_H[0] * 3), f64(_S[0]),
                                                                           range_min=-2.0),
     lambda r: r.uniform(-3, 5, size=(4, 3)), 1),
    ("Inline", _cubic, lambda r: r.normal(size=(4, 3)), 1),
    ("Inline autodiff", lambda: tfb.Inline(forward_fn=wb.sinh, inverse_fn=wb.asinh, forward_min_event_ndims=0),
     lambda r: r.normal(size=(4, 3)), 1),
    ("Composition", lambda: _Reversed([tfb.Sinh(), tfb.Scale(f64([2.0, -0.5, 1.5])), tfb.Softsign()]),
     lambda r: r.normal(size=(4, 3)), 1),
    ("Composition rank change", lambda: _Reversed([tfb.UnitVector(), tfb.DiscreteCosineTransform()]),
     lambda r: r.normal(size=(4, 3)), 1),
]
IDS = [c[0] for c in CASES]


def _tril_coords(a):
    rows, cols = np.tril_indices(a.shape[-1])
    return a[..., rows, cols]


def _tril_sample(r):
    m = np.tril(r.normal(size=(4, 3, 3)))
    m[:, range(3), range(3)] = r.choice([-1, 1], size=(4, 3)) * r.uniform(0.5, 2, size=(4, 3))
    return m


ALL = CASES + [("MatrixInverseTriL", tfb.MatrixInverseTriL, _tril_sample, 2)]
ALL_IDS = [c[0] for c in ALL]


def _put_tril(base, v):
    rows, cols = np.tril_indices(base.shape[-1])
    m = np.zeros_like(base)
    m[..., rows, cols] = v
    return m


@pytest.mark.parametrize("name,make,sampler,ev", ALL, ids=ALL_IDS)
def test_round_trip_and_event_shapes(name, make, sampler, ev):
    b = make()
    x = f64(sampler(np.random.default_rng(2)))
    y = assert_round_trip(b, x)
    assert b.inverse(y) is x


@pytest.mark.parametrize("name,make,sampler,ev", ALL, ids=ALL_IDS)
def test_fldj_matches_numerical_jacobian(name, make, sampler, ev):
    b = make()
    x = sampler(np.random.default_rng(3))
    if name == "MatrixInverseTriL":
        jac = numerical_jacobian(b, x, x_coords=_tril_coords, x_put=_put_tril, y_coords=_tril_coords)
    else:
        jac = numerical_jacobian(b, x)
    # the volume factor covers embeddings (UnitVector) as well as square maps
    assert_fldj_matches(b, x, ev, jac, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name,make,sampler,ev", CASES, ids=IDS)
def test_fldj_matches_autodiff_jacobian(name, make, sampler, ev):
    b = make()
    x = f64(sampler(np.random.default_rng(6)))
    assert_fldj_matches(b, x, ev, autodiff_jacobian(b, x), rtol=1e-8, atol=1e-9)


@pytest.mark.parametrize("name,make,sampler,ev", ALL, ids=ALL_IDS)
def test_fldj_is_minus_ildj(name, make, sampler, ev):
    b = make()
    assert_fldj_is_minus_ildj(b, f64(sampler(np.random.default_rng(4))), ev)


@pytest.mark.parametrize("name,make,sampler,ev", ALL, ids=ALL_IDS)
def test_event_ndims_reduction(name, make, sampler, ev):
    b = make()
    x = sampler(np.random.default_rng(5))
    assert_event_ndims_reduction(b, f64(np.stack([x, x[::-1]], axis=-ev - 1)), ev)


def test_absolute_value_gives_both_preimages():
    b = tfb.AbsoluteValue()
    x = f64([-2.0, 0.5, 0.0])
    np.testing.assert_array_equal(b.forward(x).numpy(), [2.0, 0.5, 0.0])
    neg, pos = b.inverse(f64([[1.0, 2.0], [0.0, 3.0]]))
    np.testing.assert_array_equal(neg.numpy(), [[-1.0, -2.0], [0.0, -3.0]])
    np.testing.assert_array_equal(pos.numpy(), [[1.0, 2.0], [0.0, 3.0]])
    ldj = b.inverse_log_det_jacobian(f64([[1.0, 2.0], [0.0, 3.0]]), event_ndims=1)
    assert len(ldj) == 2 and all(t.shape == (2,) and not t.numpy().any() for t in ldj)
    assert not b.is_constant_jacobian and not b._is_injective
    with pytest.raises(NotImplementedError, match="non-injective"):
        b.forward_log_det_jacobian(x, event_ndims=0)
    with pytest.raises(ValueError, match="non-negative"):
        tfb.AbsoluteValue(validate_args=True).inverse(f64([1.0, -1.0]))


def test_absolute_value_of_a_normal_is_the_folded_normal():
    import scipy.stats as st   # the folded normal as a reference (symmetric in the sign of the mean)
    tfd = probability.distributions
    d = tfb.AbsoluteValue()(tfd.Normal(f64([0.3, -1.0]), f64([1.2, 0.5])))
    y = np.array([[0.1, 0.4], [2.0, 1.1], [0.0, 3.0]])
    want = st.foldnorm(c=np.array([0.3, 1.0]) / np.array([1.2, 0.5]), scale=np.array([1.2, 0.5])).logpdf(np.abs(y))
    np.testing.assert_allclose(d.log_prob(f64(y)).numpy(), want, rtol=1e-12)
    np.testing.assert_array_equal(d.sample(5, seed=1).numpy() >= 0, True)
    with pytest.raises(NotImplementedError, match="monotone"):
        d.cdf(f64(y))


def test_softfloor_tends_to_floor_and_to_the_identity():
    x = f64([-1.7, 0.3, 2.1, 3.2, 5.5])
    np.testing.assert_allclose(tfb.Softfloor(f64(1e-3)).forward(x).numpy(), np.floor(x.numpy()), atol=1e-12)
    np.testing.assert_allclose(tfb.Softfloor(f64(1e4)).forward(x).numpy(), x.numpy(), atol=1e-4)
    # a tiny temperature stays finite in both directions and in the log-det
    b = tfb.Softfloor(f64(1e-3))
    assert np.all(np.isfinite(b.forward_log_det_jacobian(x).numpy()))
    y = f64([0.2, 0.5, 1.7])
    np.testing.assert_allclose(b.forward(b.inverse(y)).numpy(), y.numpy(), atol=1e-12)
    with pytest.raises(ValueError, match="`temperature`"):
        tfb.Softfloor(f64(0.0), validate_args=True)


def test_power_transform_is_the_box_cox_inverse():
    x = np.array([-0.5, 0.0, 1.5])
    for c in (0.5, 1.0, 2.0):
        np.testing.assert_allclose(tfb.PowerTransform(np.float64(c)).forward(f64(x)).numpy(), (1 + c * x) ** (1 / c),
                                   rtol=1e-14)
    np.testing.assert_allclose(tfb.PowerTransform().forward(f64(x)).numpy(), np.exp(x), rtol=1e-14)
    assert tfb.PowerTransform(np.float64(0.5)).forward(f64(x)).dtype == np.float64
    with pytest.raises(ValueError, match="`power`"):
        tfb.PowerTransform(-1.0)


def test_householder_is_an_orthogonal_involution():
    v = np.array([1.0, 2.0, 2.0])
    b = tfb.Householder(f64(v))
    np.testing.assert_allclose(b.forward(f64([1.0, 0.0, 0.0])).numpy(), [7 / 9, -4 / 9, -4 / 9], rtol=1e-14)
    m = np.eye(3) - 2 * np.outer(v, v) / v.dot(v)
    x = np.random.default_rng(0).normal(size=(5, 3))
    np.testing.assert_allclose(b.forward(f64(x)).numpy(), x @ m.T, rtol=1e-13)
    np.testing.assert_allclose(b.forward(b.forward(f64(x))).numpy(), x, rtol=1e-13)
    assert b.is_constant_jacobian and b.experimental_batch_shape() == ()
    assert tfb.Householder(f64(np.ones((4, 3)))).experimental_batch_shape() == (4,)
    with pytest.raises(ValueError, match="`reflection_axis`"):
        tfb.Householder(f64(1.0))
    with pytest.raises(ValueError, match="`reflection_axis`"):
        tfb.Householder(f64([0.0, 0.0]), validate_args=True)
    with pytest.raises(ValueError, match="last dimension"):
        b.forward(f64([1.0, 2.0]))


def test_matrix_inverse_tril_matches_numpy():
    l = _tril_sample(np.random.default_rng(9))
    got = tfb.MatrixInverseTriL().forward(f64(l)).numpy()
    np.testing.assert_allclose(got, np.linalg.inv(l), rtol=1e-12, atol=1e-12)
    assert np.allclose(got, np.tril(got))
    with pytest.raises(ValueError, match="nonzero diagonal"):
        tfb.MatrixInverseTriL(validate_args=True).forward(f64([[1.0, 0.0], [2.0, 0.0]]))
    with pytest.raises(ValueError, match="lower triangular"):
        tfb.MatrixInverseTriL(validate_args=True).forward(f64([[1.0, 3.0], [2.0, 1.0]]))
    with pytest.raises(ValueError, match="square"):
        tfb.MatrixInverseTriL().forward(f64(np.ones((2, 3))))


def test_unit_vector_lands_on_the_sphere():
    b = tfb.UnitVector()
    y = b.forward(f64(np.random.default_rng(0).normal(size=(6, 4)) * 3)).numpy()
    np.testing.assert_allclose(np.linalg.norm(y, axis=-1), 1.0, rtol=1e-14)
    assert b.forward_event_shape([4]) == (5,) and b.inverse_event_shape([5]) == (4,)
    np.testing.assert_allclose(b.inverse(f64([0.6, 0.0, 0.8])).numpy(), [3.0, 0.0], rtol=1e-14)
    with pytest.raises(ValueError, match="unit norm"):
        tfb.UnitVector(validate_args=True).inverse(f64([1.0, 1.0]))


def test_dct_matches_scipy_and_checks_its_type():
    import scipy.fft   # a reference DCT
    x = np.random.default_rng(1).normal(size=(3, 6))
    for t in (2, 3):
        b = tfb.DiscreteCosineTransform(dct_type=t)
        np.testing.assert_allclose(b.forward(f64(x)).numpy(), scipy.fft.dct(x, type=t, norm="ortho"), rtol=1e-12,
                                   atol=1e-12)
        assert b.is_constant_jacobian and b.dct_type == t
    with pytest.raises(NotImplementedError, match="`dct_type`"):
        tfb.DiscreteCosineTransform(dct_type=1)


def test_rational_quadratic_spline_knots_slopes_and_tails():
    w, h, s = _W[0], _H[0], _S[0]
    b = tfb.RationalQuadraticSpline(f64(w), f64(h), f64(s))
    xk = -1 + np.concatenate([[0], np.cumsum(w)])
    yk = -1 + np.concatenate([[0], np.cumsum(h)])
    np.testing.assert_allclose(b.forward(f64(xk)).numpy(), yk, rtol=1e-12, atol=1e-14)
    # the slopes at the knots: 1 at the ends, knot_slopes inside
    np.testing.assert_allclose(np.exp(b.forward_log_det_jacobian(f64(xk)).numpy()), np.concatenate([[1], s, [1]]),
                               rtol=1e-10)
    outside = f64([-3.0, -1.0 - 1e-9, 1.0 + 1e-9, 7.0])
    np.testing.assert_array_equal(b.forward(outside).numpy(), outside.numpy())
    np.testing.assert_array_equal(b.forward_log_det_jacobian(outside).numpy(), 0.0)
    # a scalar or one-entry knot_slopes broadcasts over the interior knots, as TFP documents (TFP 0.25
    # itself fails to broadcast them)
    x = f64(np.linspace(-1.2, 1.2, 9))
    full = tfb.RationalQuadraticSpline(f64(w), f64(h), f64(np.full(4, 1.5))).forward(x).numpy()
    for slopes in (f64([1.5]), f64(1.5)):
        np.testing.assert_allclose(tfb.RationalQuadraticSpline(f64(w), f64(h), slopes).forward(x).numpy(), full,
                                   rtol=1e-14)
    # slopes of 1 everywhere with equal widths and heights: the identity
    same = tfb.RationalQuadraticSpline(f64(w), f64(w), 1.0)
    np.testing.assert_allclose(same.forward(x).numpy(), x.numpy(), rtol=1e-14)
    assert tfb.RationalQuadraticSpline(f64(_W), f64(_H), f64(_S)).experimental_batch_shape() == (3,)
    assert b.name == "RationalQuadraticSpline"   # TFP's default name, unlike its neighbours' snake case
    with pytest.raises(ValueError, match="`knot_slopes`"):
        tfb.RationalQuadraticSpline(f64(w), f64(h), f64(s[:2]))
    with pytest.raises(ValueError, match="`bin_widths`"):
        tfb.RationalQuadraticSpline(f64(-w), f64(h), f64(s), validate_args=True)
    with pytest.raises(ValueError, match="same total"):
        tfb.RationalQuadraticSpline(f64(w), f64(h * 2), f64(s), validate_args=True)


def test_rational_quadratic_spline_gradients_reach_the_parameters():
    w, h, s = wb.Variable(_W[0]), wb.Variable(_H[0]), wb.Variable(_S[0])
    x = f64([-0.7, 0.1, 0.6])

    def loss():
        return wb.reduce_sum(tfb.RationalQuadraticSpline(w, h, s).forward(x))
    with wb.GradientTape() as tape:
        out = loss()
    grads = tape.gradient(out, [w, h, s])
    eps = 1e-6
    for var, g in zip((w, h, s), grads):
        base = var.numpy().copy()
        num = []
        for j in range(base.size):
            e = np.zeros_like(base)
            e[j] = eps
            var.assign(base + e)
            up = loss().numpy()
            var.assign(base - e)
            num.append((up - loss().numpy()) / (2 * eps))
            var.assign(base)
        np.testing.assert_allclose(g.numpy(), num, rtol=1e-6, atol=1e-8)


def test_inline_takes_functions_and_shapes():
    b = tfb.Inline(forward_fn=wb.exp, inverse_fn=wb.math.log, inverse_log_det_jacobian_fn=lambda y: -wb.math.log(y),
                   forward_min_event_ndims=0, is_increasing=lambda: True, name="exp")
    x = f64([[0.5, 1.0], [2.0, -1.0]])
    np.testing.assert_allclose(b.forward_log_det_jacobian(x, event_ndims=1).numpy(), [1.5, 1.0], rtol=1e-14)
    assert b.name == "exp" and b._is_increasing() is True and not b.is_constant_jacobian
    dup = tfb.Inline(forward_fn=lambda x: wb.concat([x, x], -1), inverse_fn=lambda y: y[..., :y.shape[-1] // 2],
                     forward_event_shape_fn=lambda s: wb.TensorShape([2 * s[0]]),
                     inverse_event_shape_fn=lambda s: wb.TensorShape([s[0] // 2]), forward_min_event_ndims=1)
    assert dup.forward_event_shape([3]) == (6,) and dup.inverse_event_shape([6]) == (3,)
    assert dup.inverse_min_event_ndims == 1
    with pytest.raises(NotImplementedError, match="inverse_fn"):
        tfb.Inline(forward_fn=wb.exp, forward_min_event_ndims=0).inverse(f64(1.0))
    with pytest.raises(ValueError, match="forward_min_event_ndims"):
        tfb.Inline(forward_fn=wb.exp)
    with pytest.raises(TypeError, match="`forward_fn`"):
        tfb.Inline(forward_fn=3.0, forward_min_event_ndims=0)


def test_composition_walks_its_subclass_order():
    r = _Reversed([tfb.Shift(1.0), tfb.Scale(2.0)])
    assert float(r.forward(1.0)) == 4.0 and float(r.inverse(4.0)) == 1.0
    np.testing.assert_allclose(float(r.forward_log_det_jacobian(1.0, 0)), np.log(2.0), rtol=1e-6)
    assert r.is_constant_jacobian and r.forward_min_event_ndims == 0 and isinstance(r, tfb.Composition)
    # min event ndims inferred from the walk, as TFP's: a vector map first makes the whole a vector map
    r = _Reversed([tfb.Exp(), tfb.SoftmaxCentered()])
    assert (r.forward_min_event_ndims, r.inverse_min_event_ndims) == (1, 1)
    assert r.forward_event_shape([1]) == (2,)
    np.testing.assert_allclose(r.forward(f64([0.5])).numpy(), [0.83871815, 0.16128185], rtol=1e-7)
    np.testing.assert_allclose(float(r.forward_log_det_jacobian(f64([0.5]), 1)), -1.1539088057774682, rtol=1e-12)
    assert _Reversed([tfb.Scale(f64([1.0, 2.0])), tfb.Exp()]).experimental_batch_shape() == (2,)
    with pytest.raises(TypeError, match="not a Bijector"):
        _Reversed([tfb.Exp(), "exp"])
    # Chain is a Composition, as in TFP, and its walk applies the last bijector first
    chain = tfb.Chain([tfb.Shift(1.0), tfb.Scale(2.0)])
    assert isinstance(chain, tfb.Composition)
    assert float(chain._walk_forward(lambda b, v: b.forward(v), wb.constant(1.0))) == 3.0
    with pytest.raises(NotImplementedError, match="_walk_forward"):
        tfb.Composition([tfb.Exp()], name="c", parameters={})
