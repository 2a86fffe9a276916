"""wb.quantization against TF 2.21: values bit for bit, gradients (GradientTape), errors.

tests/fixtures/quantization_tf221.npz holds TF 2.21's outputs for the inputs it also holds
(made with tf.quantization in TF 2.21 on CPU)."""

import numpy as np
import pytest

import workbench as wb
from workbench.errors import InvalidArgumentError

q = wb.quantization
F = np.load("tests/fixtures/quantization_tf221.npz")
X, G = F["x"], F["g"]


def same(got, want):
    got = np.asarray(got)
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got, want)


FQ = [(-6., 6., 8, False), (-1.3, 2.7, 8, True), (0.1, 3., 4, False), (-5., -0.2, 3, True),
      (-0.37, 0.9, 16, False), (-3.3333, 7.12345, 16, False), (-100., 3., 16, True), (-2., 1., 2, False)]


@pytest.mark.parametrize("i", range(len(FQ)))
def test_fake_quant_args_and_vars_are_tfs_bit_for_bit(i):
    lo, hi, bits, narrow = FQ[i]
    same(q.fake_quant_with_min_max_args(X, lo, hi, bits, narrow).numpy(), F[f"fq_args{i}"])
    same(q.fake_quant_with_min_max_vars(X, lo, hi, bits, narrow).numpy(), F[f"fq_vars{i}"])


def test_fake_quant_vars_and_args_round_differently_as_tf():
    # TF's Vars kernel divides by the scale, Args multiplies by its inverse: at 16 bits some
    # inputs land one level apart
    a, v = F["fq_args6"], F["fq_vars6"]
    assert np.sum(a != v) == 3
    same(q.fake_quant_with_min_max_vars(X, -100., 3., 16, True).numpy(), v)
    same(q.fake_quant_with_min_max_args(X, -100., 3., 16, True).numpy(), a)


def test_fake_quant_vars_odd_ranges():
    for i, (lo, hi) in enumerate([(1., 0.), (0., 0.), (2., 2.5)]):
        same(q.fake_quant_with_min_max_vars(X, lo, hi).numpy(), F[f"fq_odd{i}"])
    assert not np.any(F["fq_odd1"])   # min == max == 0: zeros


def test_fake_quant_per_channel_is_tfs_bit_for_bit():
    xc = X.reshape(-1, 4)
    mn = np.array([-0.37, 0., -100., 0.2], np.float32)
    mx = np.array([0.9, 0., 3., 2.2], np.float32)
    same(q.fake_quant_with_min_max_vars_per_channel(xc, mn, mx, 16).numpy(), F["fq_pc16"])
    same(q.fake_quant_with_min_max_vars_per_channel(xc, mn, mx, 5, True).numpy(), F["fq_pc5"])


def test_fake_quant_docstring_example():
    got = q.fake_quant_with_min_max_args([-7.0, -6.0, 0.02, 0.5, 3.3, 6.0], min=-6.0, max=6.0).numpy()
    np.testing.assert_array_equal(got, np.array([-6.023529529571533, -5.976470470428467, 0.0,
                                                 0.5176470875740051, 3.2941176891326904, 5.976470470428467],
                                                np.float32))


def test_fake_quant_vars_gradients_match_tf():
    x, lo, hi = wb.constant(X), wb.Variable(-1.3), wb.Variable(2.7)
    with wb.GradientTape() as tape:
        tape.watch(x)
        y = q.fake_quant_with_min_max_vars(x, lo, hi, 6, True) * G
    gx, gmin, gmax = tape.gradient(y, [x, lo, hi])
    same(gx.numpy(), F["fq_gv_x"])
    # sums: TF's reduction order differs in the last bits
    np.testing.assert_allclose(gmin.numpy(), F["fq_gv_min"], rtol=1e-5)
    np.testing.assert_allclose(gmax.numpy(), F["fq_gv_max"], rtol=1e-5)


def test_fake_quant_per_channel_gradients_match_tf():
    mn = wb.Variable(np.array([-0.37, 0., -100., 0.2], np.float32))
    mx = wb.Variable(np.array([0.9, 0., 3., 2.2], np.float32))
    x = wb.constant(X.reshape(-1, 4))
    with wb.GradientTape() as tape:
        tape.watch(x)
        y = q.fake_quant_with_min_max_vars_per_channel(x, mn, mx) * G.reshape(-1, 4)
    gx, gmin, gmax = tape.gradient(y, [x, mn, mx])
    same(gx.numpy(), F["fq_gpc_x"])   # channel 1 (min == max == 0) passes everything
    np.testing.assert_allclose(gmin.numpy(), F["fq_gpc_min"], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(gmax.numpy(), F["fq_gpc_max"], rtol=1e-5, atol=1e-5)
    assert gmin.numpy()[1] == 0 and gmax.numpy()[1] == 0


def test_fake_quant_args_gradient_and_zero_range_gradient_match_tf():
    x = wb.constant(X)
    with wb.GradientTape() as tape:
        tape.watch(x)
        y = q.fake_quant_with_min_max_args(x, -0.37, 0.9, 16) * G
    same(tape.gradient(y, x).numpy(), F["fq_ga_x"])
    lo, hi = wb.Variable(0.), wb.Variable(0.)
    with wb.GradientTape() as tape:
        tape.watch(x)
        y = q.fake_quant_with_min_max_vars(x, lo, hi) * G
    gx, gmin, gmax = tape.gradient(y, [x, lo, hi])
    same(gx.numpy(), F["fq_gz_x"])
    assert gmin.numpy() == F["fq_gz_min"] == 0 and gmax.numpy() == F["fq_gz_max"] == 0


def test_fake_quant_gradient_functions_match_tf():
    # TF: FakeQuantWithMinMaxVarsGradient(backprops_wrt_input=[0, 2, 0], 2.0, 2.0)
    r = q.fake_quant_with_min_max_vars_gradient(wb.ones(3) * 2, [-3., 0., 3.], -1., 1.)
    assert type(r).__name__ == "FakeQuantWithMinMaxVarsGradient"
    np.testing.assert_array_equal(r.backprops_wrt_input.numpy(), [0., 2., 0.])
    assert r.backprop_wrt_min.numpy() == 2.0 and r.backprop_wrt_max.numpy() == 2.0
    got = q.fake_quant_with_min_max_args_gradient(wb.ones(3) * 2, [-3., 0., 3.], min=-1., max=1.)
    np.testing.assert_array_equal(got.numpy(), [0., 2., 0.])
    r = q.fake_quant_with_min_max_vars_per_channel_gradient(
        wb.ones([2, 2]), [[-3., 0.5], [0., 3.]], [-1., 0.], [1., 0.])
    np.testing.assert_array_equal(r.backprops_wrt_input.numpy(), [[0., 1.], [1., 1.]])
    np.testing.assert_array_equal(r.backprop_wrt_min.numpy(), [1., 0.])
    np.testing.assert_array_equal(r.backprop_wrt_max.numpy(), [0., 0.])


def test_fake_quant_forward_mode_and_inside_a_function():
    x = wb.constant(X[:50])
    with wb.autodiff.ForwardAccumulator(x, wb.ones_like(x)) as acc:
        y = q.fake_quant_with_min_max_vars(x, -1.3, 2.7)
    inside = (X[:50] >= -1.3 - 0.02) & (X[:50] <= 2.7 + 0.02)
    jvp = acc.jvp(y).numpy()
    assert set(np.unique(jvp)) <= {0.0, 1.0} and np.array_equal(jvp[inside & (abs(X[:50]) < 1.2)], np.ones(
        np.sum(inside & (abs(X[:50]) < 1.2)), np.float32))
    f = wb.function(lambda t: q.fake_quant_with_min_max_args(t, -6., 6.))
    same(f(wb.constant(X)).numpy(), F["fq_args0"])


def test_fake_quant_errors_name_the_argument():
    with pytest.raises(InvalidArgumentError, match="min has to be smaller than max"):
        q.fake_quant_with_min_max_args(X, min=0., max=0.)
    with pytest.raises(InvalidArgumentError, match="num_bits must be between 2 and 16"):
        q.fake_quant_with_min_max_args(X, num_bits=17)
    with pytest.raises(InvalidArgumentError, match="num_bits must be between 2 and 16"):
        q.fake_quant_with_min_max_vars(X, -1., 1., num_bits=1)
    with pytest.raises(InvalidArgumentError, match="inputs must be a float32 tensor, got dtype float64"):
        q.fake_quant_with_min_max_vars(wb.constant([1.], wb.float64), -1., 1.)
    with pytest.raises(InvalidArgumentError, match="`min` must be rank 0 but is rank 1"):
        q.fake_quant_with_min_max_vars(X, [-1.], 1.)
    with pytest.raises(InvalidArgumentError, match="min has incorrect size, expected 3"):
        q.fake_quant_with_min_max_vars_per_channel(wb.ones([2, 3]), [-1., 0.], [1., 0.])
    with pytest.raises(TypeError, match="num_bits must be an int"):
        q.fake_quant_with_min_max_args(X, num_bits=8.0)


# -- quantize_and_dequantize ------------------------------------------------------------------

QDQ = [dict(), dict(range_given=True), dict(signed_input=False, range_given=True),
       dict(narrow_range=True, range_given=True), dict(round_mode="HALF_UP", num_bits=3),
       dict(round_mode="HALF_UP", num_bits=3, range_given=True), dict(num_bits=20), dict(signed_input=False),
       dict(signed_input=False, num_bits=5, narrow_range=True)]
XQ = X[:600]


@pytest.mark.parametrize("i", range(len(QDQ)))
def test_quantize_and_dequantize_v2_is_tfs_bit_for_bit(i):
    for j, (lo, hi) in enumerate([(-1., 2.), (0.5, 2.), (-3., -1.), (0., 0.)]):
        same(q.quantize_and_dequantize_v2(XQ, lo, hi, **QDQ[i]).numpy(), F[f"qdq{i}_{j}"])


def test_quantize_and_dequantize_v2_float64_and_per_axis():
    x64 = F["x64"]
    same(q.quantize_and_dequantize_v2(x64, -1., 2., range_given=True, num_bits=12).numpy(), F["qdq64"])
    same(q.quantize_and_dequantize_v2(x64, -1., 2., num_bits=12, round_mode="HALF_UP").numpy(), F["qdq64b"])
    xa = XQ.reshape(20, 30)
    same(q.quantize_and_dequantize_v2(xa, wb.zeros(20), wb.zeros(20), axis=0).numpy(), F["qdq_ax0"])
    same(q.quantize_and_dequantize_v2(xa, wb.zeros(30), wb.zeros(30), axis=-1, signed_input=False,
                                      num_bits=4).numpy(), F["qdq_ax1"])


def test_quantize_and_dequantize_gradients_match_tf():
    g = G[:600]
    x, lo, hi = wb.constant(XQ), wb.constant(-1.2), wb.constant(2.5)
    with wb.GradientTape(persistent=True) as tape:
        tape.watch([x, lo, hi])
        y = q.quantize_and_dequantize_v2(x, lo, hi) * g   # range not given: the mask still uses lo, hi
        y1 = q.quantize_and_dequantize(x, lo, hi, range_given=True) * g
    gx, glo, ghi = tape.gradient(y, [x, lo, hi])
    same(gx.numpy(), F["qdq_g_x"])
    assert glo.numpy() == F["qdq_g_lo"] == 0 and ghi.numpy() == F["qdq_g_hi"] == 0
    same(tape.gradient(y1, x).numpy(), F["qdq1_g_x"])   # the deprecated form passes everything
    with pytest.warns(wb.errors.UnconnectedGradientWarning):
        assert tape.gradient(y1, [lo, hi]) == [None, None]
    same(q.quantize_and_dequantize(x, lo, hi, range_given=True).numpy(), F["qdq1"])
    xa, lo, hi = wb.constant(XQ.reshape(20, 30)), wb.linspace(-2., 0., 30), wb.linspace(0.5, 3., 30)
    with wb.GradientTape() as tape:
        tape.watch(xa)
        y = q.quantize_and_dequantize_v2(xa, lo, hi, axis=1) * g.reshape(20, 30)
    same(tape.gradient(y, xa).numpy(), F["qdq_g_ax"])


def test_quantize_and_dequantize_errors_as_tf():
    x = [-3., 0.3, 4.]
    with pytest.raises(InvalidArgumentError, match="num_bits is out of range: 62"):
        q.quantize_and_dequantize_v2(x, -1., 2., num_bits=62)
    q.quantize_and_dequantize_v2(x, -1., 2., num_bits=62, signed_input=False)   # TF: unsigned allows 62
    with pytest.raises(InvalidArgumentError, match="num_bits is out of range: 0"):
        q.quantize_and_dequantize_v2(x, -1., 2., num_bits=0)
    with pytest.raises(InvalidArgumentError, match="Invalid range: input_min 2.0 > input_max 1.0"):
        q.quantize_and_dequantize_v2(x, 2., 1., range_given=True)
    f = wb.function(lambda t, a, b: q.quantize_and_dequantize_v2(t, a, b, range_given=True))
    f(wb.constant(x), wb.constant(-1.), wb.constant(2.))
    with pytest.raises(InvalidArgumentError, match="Invalid range"):   # checked at each call, as TF's kernel
        f(wb.constant(x), wb.constant(2.), wb.constant(1.))
    with pytest.raises(ValueError, match="round_mode must be 'HALF_TO_EVEN' or 'HALF_UP', got 'X'"):
        q.quantize_and_dequantize_v2(x, -1., 2., round_mode="X")
    with pytest.raises(InvalidArgumentError, match="input_min must be a scalar"):   # as TF 2.21
        q.quantize_and_dequantize_v2(wb.ones([2, 3]), [-1., 0., 0.], [1., 1., 1.], axis=1, range_given=True)
    with pytest.raises(TypeError, match="input has dtype int32, expected float32 or float64"):
        q.quantize_and_dequantize_v2(wb.constant([1, 2]), 0, 3)


# -- quantize / dequantize ----------------------------------------------------------------------

QTYPES = ["qint8", "quint8", "qint16", "quint16", "qint32"]
RANGES = [(-1., 2.), (0.5, 2.), (-3., -1.), (0., 0.), (-1.234, 5.678), (-1e-3, 1e-3)]
XS = X[:120] * np.float32(0.7)


def _combos(mode):
    rounds = ["HALF_AWAY_FROM_ZERO", "HALF_TO_EVEN"] if mode == "SCALED" else ["HALF_AWAY_FROM_ZERO"]
    return [(t, r, rm, nr) for t in QTYPES for r in RANGES for rm in rounds for nr in (False, True)]


@pytest.mark.parametrize("mode", ["MIN_COMBINED", "MIN_FIRST", "SCALED"])
def test_quantize_is_tfs_bit_for_bit_and_dequantize_inverts_it_as_tf(mode):
    for n, (t, (lo, hi), rm, nr) in enumerate(_combos(mode)):
        r = q.quantize(XS, lo, hi, t, mode=mode, round_mode=rm, narrow_range=nr)
        assert type(r).__name__ == "QuantizeV2" and r.output.dtype == np.dtype(q._QTYPES[t])
        np.testing.assert_array_equal(r.output.numpy().astype(np.int64), F[f"qz_{mode}_out"][n], err_msg=str(n))
        assert r.output_min.numpy() == F[f"qz_{mode}_min"][n] and r.output_max.numpy() == F[f"qz_{mode}_max"][n]
        back = q.dequantize(r.output, r.output_min, r.output_max, mode=mode, narrow_range=nr).numpy()
        same(back, F[f"qz_{mode}_dq"][n])


def test_quantize_per_axis_and_ensure_minimum_range():
    xa = X[:24].reshape(4, 6)
    for mode in ("MIN_COMBINED", "SCALED"):
        r = q.quantize(xa, [-1., -2., 0., -5.], [1., 3., 0.5, -4.], wb.int8, mode=mode, axis=0)
        np.testing.assert_array_equal(r.output.numpy(), F[f"qz_axis_{mode}"])
        same(r.output_min.numpy(), F[f"qz_axis_{mode}_min"])
        same(r.output_max.numpy(), F[f"qz_axis_{mode}_max"])
        same(q.dequantize(r.output, r.output_min, r.output_max, mode=mode, axis=0).numpy(),
             F[f"qz_axis_{mode}_dq"])
    got = q.quantize(XS, -0.1, 0.1, "quint8", ensure_minimum_range=0.5).output.numpy()
    np.testing.assert_array_equal(got, F["qz_ensure"])


def test_quantize_and_dequantize_replay_in_a_function():
    f = wb.function(lambda t, a, b: q.dequantize(*q.quantize(t, a, b, "qint8")))
    for k, (lo, hi) in enumerate([(-1., 2.), (-2., 3.), (-0.5, 0.5)]):
        x = wb.constant(XS * (k + 1))
        same(f(x, wb.constant(lo), wb.constant(hi)).numpy(), q.dequantize(*q.quantize(x, lo, hi, "qint8")).numpy())
    with pytest.raises(InvalidArgumentError, match="input_max_range must be larger"):
        f(wb.constant(XS), wb.constant(2.), wb.constant(1.))


def test_quantize_errors_as_tf():
    with pytest.raises(InvalidArgumentError, match="Round mode 'HALF_TO_EVEN' only supported for mode 'SCALED'"):
        q.quantize(XS, -1., 1., "qint8", round_mode="HALF_TO_EVEN")
    with pytest.raises(ValueError, match="mode must be one of MIN_COMBINED, MIN_FIRST, SCALED, got 'X'"):
        q.quantize(XS, -1., 1., "qint8", mode="X")
    with pytest.raises(TypeError, match="T must be one of qint8"):
        q.quantize(XS, -1., 1., wb.float32)
    with pytest.raises(InvalidArgumentError, match="input_max_range must be larger than input_min_range"):
        q.quantize(XS, 1., -1., "qint8")
    with pytest.raises(InvalidArgumentError, match=r"min_range must have shape \[4\]"):
        q.quantize(X[:24].reshape(4, 6), [-1., 0.], [1., 1.], "qint8", axis=0)
    with pytest.raises(TypeError, match="dequantize: input must be a quantized"):
        q.dequantize(wb.constant([1.0]), -1., 1.)


@pytest.mark.parametrize("t,dtype", [("quint8", np.uint8), ("qint32", np.int32)])
def test_quantized_concat_requantizes_as_tf(t, dtype):
    ins = [F[f"qc_{t}_in{k}"].astype(dtype) for k in range(3)]
    r = q.quantized_concat(0, ins, [-1., 0.5, -3.25], [2., 4., 1.5])
    assert type(r).__name__ == "QuantizedConcat" and r.output.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(r.output.numpy(), F[f"qc_{t}"])
    assert r.output_min.numpy() == F[f"qc_{t}_min"] and r.output_max.numpy() == F[f"qc_{t}_max"]
    # one shared range: copied as they are for quint8; qint32's output range is symmetric, so requantized
    r = q.quantized_concat(1, [v.T for v in ins], [0., 0., 0.], [1., 1., 1.])
    np.testing.assert_array_equal(r.output.numpy(), F[f"qc_{t}_same"])


def test_quantized_concat_errors():
    a = np.zeros((2, 3), np.uint8)
    with pytest.raises(TypeError, match="values must be quint8 .* got int8"):
        q.quantized_concat(0, [a.astype(np.int8)], [0.], [1.])
    with pytest.raises(InvalidArgumentError, match="2 values need as many input_mins"):
        q.quantized_concat(0, [a, a], [0.], [1., 1.])
    with pytest.raises(InvalidArgumentError, match="differ outside concat_dim 0"):
        q.quantized_concat(0, [a, np.zeros((2, 4), np.uint8)], [0., 0.], [1., 2.])
