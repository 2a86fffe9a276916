"""Bijectors: round trips, log-det-Jacobians against autodiff Jacobians, event_ndims
reduction, caching, shapes and errors (TFP semantics)."""

import gc
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hst

import probability
import workbench as wb
from tests.bijector_helpers import (assert_event_ndims_reduction, assert_fldj_is_minus_ildj, assert_fldj_matches,
                                    assert_round_trip, autodiff_jacobian, f64, fresh)

tfb = probability.bijectors


def _tril(rng, n):
    m = np.tril(rng.normal(size=(n, n)))
    m[np.diag_indices(n)] = np.abs(m[np.diag_indices(n)]) + 0.5
    return m


def _nvp(seed=0, shift_only=False, **kw):
    return tfb.RealNVP(shift_and_log_scale_fn=tfb.real_nvp_default_template([6], shift_only=shift_only, seed=seed,
                                                                            activation=wb.tanh), **kw)


# name, factory, x sampler (rng -> float64 array of shape (batch,) + event), event_ndims of x
R = np.random.default_rng(1)
CASES = [
    ("Identity", lambda: tfb.Identity(), lambda r: r.normal(size=(4, 3)), 1),
    ("Exp", lambda: tfb.Exp(), lambda r: r.normal(size=(4, 3)), 1),
    ("Log", lambda: tfb.Log(), lambda r: r.uniform(0.1, 3, size=(4, 3)), 1),
    ("Softplus", lambda: tfb.Softplus(), lambda r: r.normal(size=(4, 3)) * 3, 1),
    ("Softplus hinge low", lambda: tfb.Softplus(hinge_softness=0.5, low=1.0), lambda r: r.normal(size=(4, 3)), 1),
    ("Sigmoid", lambda: tfb.Sigmoid(), lambda r: r.normal(size=(4, 3)) * 3, 1),
    ("Sigmoid low high", lambda: tfb.Sigmoid(low=-2.0, high=5.0), lambda r: r.normal(size=(4, 3)), 1),
    ("Tanh", lambda: tfb.Tanh(), lambda r: r.normal(size=(4, 3)), 1),
    ("Shift", lambda: tfb.Shift(f64([1.0, -2.0, 0.5])), lambda r: r.normal(size=(4, 3)), 1),
    ("Scale", lambda: tfb.Scale(f64([2.0, -0.5, 3.0])), lambda r: r.normal(size=(4, 3)), 1),
    ("Scale log_scale", lambda: tfb.Scale(log_scale=f64([0.3, -1.0, 2.0])), lambda r: r.normal(size=(4, 3)), 1),
    ("Square", lambda: tfb.Square(), lambda r: r.uniform(0.1, 3, size=(4, 3)), 1),
    ("Power", lambda: tfb.Power(2.5), lambda r: r.uniform(0.1, 3, size=(4, 3)), 1),
    ("Power negative", lambda: tfb.Power(-1.5), lambda r: r.uniform(0.1, 3, size=(4, 3)), 1),
    ("ScaleMatvecTriL", lambda: tfb.ScaleMatvecTriL(f64(_tril(R, 3))), lambda r: r.normal(size=(4, 3)), 1),
    ("ScaleMatvecTriL adjoint", lambda: tfb.ScaleMatvecTriL(f64(_tril(R, 3)), adjoint=True),
     lambda r: r.normal(size=(4, 3)), 1),
    ("FillTriangular", lambda: tfb.FillTriangular(), lambda r: r.normal(size=(4, 6)), 1),
    ("FillTriangular upper", lambda: tfb.FillTriangular(upper=True), lambda r: r.normal(size=(4, 6)), 1),
    ("FillScaleTriL", lambda: tfb.FillScaleTriL(), lambda r: r.normal(size=(4, 6)), 1),
    ("FillScaleTriL exp", lambda: tfb.FillScaleTriL(diag_bijector=tfb.Exp(), diag_shift=None),
     lambda r: r.normal(size=(4, 3)), 1),
    ("TransformDiagonal", lambda: tfb.TransformDiagonal(tfb.Softplus()), lambda r: r.normal(size=(4, 3, 3)), 2),
    ("Reshape", lambda: tfb.Reshape(event_shape_out=[2, 3]), lambda r: r.normal(size=(4, 6)), 1),
    ("SoftmaxCentered", lambda: tfb.SoftmaxCentered(), lambda r: r.normal(size=(4, 3)), 1),
    ("Chain", lambda: tfb.Chain([tfb.Shift(1.0), tfb.Softplus(), tfb.Scale(2.0)]), lambda r: r.normal(size=(4, 3)), 1),
    ("Chain rank change", lambda: tfb.Chain([tfb.TransformDiagonal(tfb.Exp()), tfb.FillTriangular(), tfb.Tanh()]),
     lambda r: r.normal(size=(4, 3)), 1),
    ("Invert Softplus", lambda: tfb.Invert(tfb.Softplus()), lambda r: r.uniform(0.1, 3, size=(4, 3)), 1),
    ("RealNVP", lambda: _nvp(num_masked=2), lambda r: r.normal(size=(4, 5)), 1),
    ("RealNVP masked right", lambda: _nvp(fraction_masked=-0.4), lambda r: r.normal(size=(4, 5)), 1),
    ("RealNVP shift only", lambda: _nvp(shift_only=True, num_masked=1), lambda r: r.normal(size=(4, 3)), 1),
]
IDS = [c[0] for c in CASES]


@pytest.mark.parametrize("name,make,sampler,ev", CASES, ids=IDS)
def test_round_trip(name, make, sampler, ev):
    b = make()
    assert_round_trip(b, f64(sampler(np.random.default_rng(2))))


@pytest.mark.parametrize("name,make,sampler,ev", CASES, ids=IDS)
def test_fldj_matches_autodiff_jacobian(name, make, sampler, ev):
    b = make()
    x = f64(sampler(np.random.default_rng(3)))
    # the volume factor covers maps onto a surface as well as square maps
    assert_fldj_matches(b, x, ev, autodiff_jacobian(b, x), rtol=1e-7, atol=1e-8)


@pytest.mark.parametrize("name,make,sampler,ev", CASES, ids=IDS)
def test_fldj_is_minus_ildj_of_forward(name, make, sampler, ev):
    b = make()
    # computed from y's values (no cache) and from the cached pair
    fldj, y, ey = assert_fldj_is_minus_ildj(b, f64(sampler(np.random.default_rng(4))), ev)
    np.testing.assert_allclose(-b.inverse_log_det_jacobian(y, event_ndims=ey).numpy(), fldj.numpy(),
                               rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name,make,sampler,ev", CASES, ids=IDS)
def test_event_ndims_reduction(name, make, sampler, ev):
    b = make()
    x = f64(sampler(np.random.default_rng(5)))
    x2 = wb.stack([x, 2.0 * x if b.forward_min_event_ndims else x + 0.1 * wb.abs(x)], axis=-ev - 1)
    assert_event_ndims_reduction(b, x2, ev, rtol=1e-10, atol=0.0)


def test_constant_log_det_counts_each_element():
    b = tfb.Scale(2.0)
    x = wb.ones([4, 3])
    np.testing.assert_allclose(b.forward_log_det_jacobian(x, event_ndims=1).numpy(), 3 * math.log(2.0), rtol=1e-6)
    np.testing.assert_allclose(b.forward_log_det_jacobian(x, event_ndims=2).numpy(), 12 * math.log(2.0), rtol=1e-6)
    assert b.forward_log_det_jacobian(x, event_ndims=0).shape == ()
    assert b.is_constant_jacobian and not tfb.Exp().is_constant_jacobian


# ---------------------------------------------------------------------------
# caching


def test_cache_returns_the_original_objects():
    b = tfb.Softplus()
    x = f64([0.5, -1.0])
    y = b.forward(x)
    assert b.inverse(y) is x
    y2 = f64([1.0, 2.0])
    x2 = b.inverse(y2)
    assert b.forward(x2) is y2
    assert b.forward(x) is y          # same direction, no tape active


def test_cache_keeps_sigmoid_ildj_exact_at_saturation():
    b = tfb.Sigmoid()
    x = wb.constant(np.array([40.0, -3.0], dtype=np.float32))
    y = b.forward(x)
    assert y.numpy()[0] == 1.0        # rounded: the inverse from y alone is inf
    ildj = b.inverse_log_det_jacobian(y).numpy()
    fldj = b.forward_log_det_jacobian(x).numpy()
    assert np.all(np.isfinite(ildj))
    np.testing.assert_allclose(ildj, -fldj, rtol=1e-6)
    assert b.inverse(y) is x
    with np.errstate(divide="ignore"):     # from y alone: log1p(-1)
        assert not np.isfinite(b.inverse_log_det_jacobian(fresh(y)).numpy()[0])


def test_cache_entries_die_with_their_tensors():
    b = tfb.Exp()
    before = len(b._from_x), len(b._from_y)
    x = f64(np.ones(3))
    y = b.forward(x)
    assert len(b._from_x) == before[0] + 1
    del x
    gc.collect()
    x_id = id(b._from_y.get(y)[0])
    assert b.inverse(y).numpy().tolist() == [1.0, 1.0, 1.0] and id(b.inverse(y)) == x_id   # kept alive by y
    del y
    gc.collect()
    assert (len(b._from_x), len(b._from_y)) == before


def test_cache_does_not_hide_a_forward_from_a_tape():
    b = tfb.Exp()
    x = f64([0.5, 1.0])
    b.forward(x)                      # cached outside any tape
    with wb.GradientTape() as tape:
        tape.watch(x)
        total = wb.reduce_sum(b.forward(x))
    g = tape.gradient(total, x)
    np.testing.assert_allclose(g.numpy(), np.exp([0.5, 1.0]))


def test_variables_are_not_cached():
    b = tfb.Exp()
    v = wb.Variable(np.array([0.0, 1.0]))
    y0 = b.forward(v)
    v.assign(np.array([1.0, 2.0]))
    np.testing.assert_allclose(b.forward(v).numpy(), np.exp([1.0, 2.0]))
    np.testing.assert_allclose(y0.numpy(), np.exp([0.0, 1.0]))


# ---------------------------------------------------------------------------
# property tests for the elementwise bijectors

ELEMENTWISE = {
    "Exp": (tfb.Exp, hst.floats(-30, 30)),
    "Softplus": (tfb.Softplus, hst.floats(-30, 30)),
    "Sigmoid": (lambda: tfb.Sigmoid(low=-1.0, high=3.0), hst.floats(-30, 30)),
    "Tanh": (tfb.Tanh, hst.floats(-15, 15)),
    "Scale": (lambda: tfb.Scale(-1.7), hst.floats(-1e3, 1e3)),
    "Shift": (lambda: tfb.Shift(2.5), hst.floats(-1e3, 1e3)),
    "Square": (tfb.Square, hst.floats(1e-3, 1e3)),
    "Power": (lambda: tfb.Power(0.5), hst.floats(1e-3, 1e3)),
}


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_elementwise_properties(name):
    make, floats = ELEMENTWISE[name]

    @settings(max_examples=25, deadline=None)
    @given(hst.lists(floats, min_size=1, max_size=5))
    def check(values):
        b = make()
        x = f64(values)
        with wb.GradientTape() as tape:
            tape.watch(x)
            y = b.forward(x)
            total = wb.reduce_sum(y)
        dydx = tape.gradient(total, x).numpy()
        fldj = np.broadcast_to(b.forward_log_det_jacobian(x).numpy(), x.shape)
        assert np.all(np.isfinite(fldj))
        # where the map saturates, the autodiff derivative (1 - y**2, ...) loses the digits the
        # log-det formulas keep: compare where it is accurate (extremes: test_stable_log_dets_at_extremes)
        ok = np.abs(dydx) > 1e-6
        np.testing.assert_allclose(fldj[ok], np.log(np.abs(dydx[ok])), rtol=1e-7, atol=1e-7)
        y_new = fresh(y)
        if np.all(np.isfinite(y_new.numpy())):
            np.testing.assert_allclose(b.inverse(y_new).numpy()[ok], np.asarray(values)[ok], rtol=1e-6, atol=1e-6)
            ildj = np.broadcast_to(b.inverse_log_det_jacobian(y_new).numpy(), x.shape)
            np.testing.assert_allclose(-ildj[ok], fldj[ok], rtol=1e-6, atol=1e-6)
    check()


def test_stable_log_dets_at_extremes():
    x = f64([-800.0, -50.0, 0.0, 50.0, 800.0])
    for b in (tfb.Softplus(), tfb.Sigmoid(), tfb.Tanh()):
        ldj = b.forward_log_det_jacobian(x).numpy()
        assert np.all(np.isfinite(ldj)), (b.name, ldj)
    np.testing.assert_allclose(tfb.Sigmoid().forward_log_det_jacobian(x).numpy()[[0, 4]], [-800.0, -800.0])
    np.testing.assert_allclose(tfb.Tanh().forward_log_det_jacobian(x).numpy()[4], 2 * (math.log(2) - 800))
    # Softplus inverse log-det at tiny and huge y
    ildj = tfb.Softplus().inverse_log_det_jacobian(f64([1e-30, 1e3])).numpy()
    np.testing.assert_allclose(ildj, [-math.log(1e-30), 0.0], rtol=1e-10, atol=1e-12)


# ---------------------------------------------------------------------------
# structure, shapes, composition


def test_fill_triangular_uses_tfp_packing():
    v = f64([1, 2, 3, 4, 5, 6])
    np.testing.assert_array_equal(tfb.FillTriangular().forward(v).numpy(), [[4, 0, 0], [6, 5, 0], [3, 2, 1]])
    np.testing.assert_array_equal(tfb.FillTriangular(upper=True).forward(v).numpy(),
                                  [[1, 2, 3], [0, 5, 6], [0, 0, 4]])
    with pytest.raises(ValueError, match="triangular number"):
        tfb.FillTriangular().forward(f64(np.ones(5)))


def test_chain_order_event_ndims_and_call_composition():
    chain = tfb.Chain([tfb.Exp(), tfb.Shift(1.0)])
    np.testing.assert_allclose(chain.forward(f64([0.0])).numpy(), [math.e])
    composed = tfb.Exp()(tfb.Shift(1.0))
    assert isinstance(composed, tfb.Chain)
    np.testing.assert_allclose(composed.forward(f64([0.0])).numpy(), [math.e])
    assert len(tfb.Scale(2.0)(composed).bijectors) == 3      # chains flatten
    fst = tfb.FillScaleTriL()
    assert (fst.forward_min_event_ndims, fst.inverse_min_event_ndims) == (1, 2)
    assert fst.forward_event_shape([10]) == (4, 4) and fst.inverse_event_shape([3, 3]) == (6,)
    assert tfb.Chain([tfb.FillTriangular(), tfb.Exp()]).forward_min_event_ndims == 1
    assert tfb.Chain([tfb.ScaleMatvecTriL(f64(np.eye(2))), tfb.Exp()]).forward_min_event_ndims == 1
    assert tfb.Chain().forward(f64([3.0])).numpy().tolist() == [3.0]


def test_fill_scale_tril_gives_cholesky_factors():
    b = tfb.FillScaleTriL()
    L = b.forward(f64(np.random.default_rng(0).normal(size=(5, 6)) * 4)).numpy()
    assert np.allclose(L, np.tril(L)) and np.all(np.diagonal(L, axis1=-2, axis2=-1) > 0)
    np.testing.assert_allclose(np.linalg.cholesky(L @ np.swapaxes(L, -1, -2)), L, rtol=1e-8, atol=1e-10)


def test_invert_swaps_everything():
    b = tfb.Invert(tfb.FillTriangular())
    assert (b.forward_min_event_ndims, b.inverse_min_event_ndims) == (2, 1)
    assert b.forward_event_shape([3, 3]) == (6,)
    assert tfb.Log().forward(f64([1.0])).numpy().tolist() == [0.0]


def test_softmax_centered_maps_to_the_simplex():
    y = tfb.SoftmaxCentered().forward(f64(np.random.default_rng(0).normal(size=(4, 3)))).numpy()
    assert y.shape == (4, 4) and np.allclose(y.sum(-1), 1) and np.all(y > 0)


def test_reshape_shapes_and_errors():
    b = tfb.Reshape(event_shape_out=[-1, 2], event_shape_in=[3, 4])
    assert b.forward(wb.zeros([5, 3, 4])).shape == (5, 6, 2)
    assert b.forward_event_shape([3, 4]) == (6, 2) and b.inverse_event_shape([6, 2]) == (3, 4)
    with pytest.raises(ValueError, match="event_shape_in"):
        b.forward(wb.zeros([5, 4, 3]))


def test_batch_shape_of_parameters():
    assert tfb.Shift(f64([1.0, 2.0])).experimental_batch_shape() == (2,)
    assert tfb.Shift(f64([1.0, 2.0])).experimental_batch_shape(x_event_ndims=1) == ()
    assert tfb.ScaleMatvecTriL(f64(np.stack([np.eye(2)] * 3))).experimental_batch_shape() == (3,)
    assert tfb.Chain([tfb.Exp(), tfb.Scale(f64(np.ones((4, 1))))]).experimental_batch_shape() == (4, 1)


def test_python_number_parameters_follow_the_input_dtype():
    b = tfb.Chain([tfb.Shift(1.5), tfb.Scale(2.0), tfb.Softplus(hinge_softness=0.5)])
    for dt in (np.float32, np.float64):
        x = wb.constant(np.array([0.3], dtype=dt))
        assert b.forward(x).dtype == dt and b.forward_log_det_jacobian(x).dtype == dt
    with pytest.raises(TypeError, match="dtype"):
        tfb.Shift(f64([1.0])).forward(wb.constant(np.array([1.0], dtype=np.float32)))


def test_argument_errors():
    with pytest.raises(ValueError, match="exactly one"):
        tfb.Scale()
    with pytest.raises(ValueError, match="low.*high"):
        tfb.Sigmoid(low=0.0)
    with pytest.raises(ValueError, match="num_masked"):
        _nvp(num_masked=3).forward(f64(np.zeros((2, 3))))
    with pytest.raises(ValueError, match="rank"):
        tfb.ScaleMatvecTriL(f64(np.eye(2))).forward(f64(1.0))
    with pytest.raises(ValueError, match="power"):
        tfb.Power(0.0)


def test_names_parameters_repr_and_variables():
    b = tfb.Shift(f64([1.0, 2.0]), name="offset")
    assert b.name == "offset" and "shift" in b.parameters
    assert "Shift" in repr(b) and "batch_shape=[2]" in repr(b)
    v = wb.Variable(np.array([1.0, 2.0]))
    assert tfb.Chain([tfb.Scale(v), tfb.Exp()]).trainable_variables == (v,)
    nvp = _nvp(num_masked=1)
    assert nvp.trainable_variables == ()
    nvp.forward(f64(np.zeros((2, 3))))
    assert len(nvp.trainable_variables) == 4      # two dense layers, kernel and bias


def test_log_det_gradients_wrt_parameters():
    scale = wb.Variable(np.array([[2.0, 0.0], [0.5, 3.0]]))
    b = tfb.ScaleMatvecTriL(scale)
    with wb.GradientTape() as tape:
        ldj = b.forward_log_det_jacobian(f64(np.zeros(2)), event_ndims=1)
    np.testing.assert_allclose(tape.gradient(ldj, scale).numpy(), [[0.5, 0.0], [0.0, 1 / 3.0]])
