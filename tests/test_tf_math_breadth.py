"""More of TF's tf.math / tf.nn / tf.linalg names (count_nonzero, real/imag/angle,
cumulative_logsumexp, confusion_matrix, zeta, crelu, space_to_depth, lrn, moments helpers,
atrous_conv2d, normalize, cross, matrix_rank, ...) against TF 2.21's outputs for the same inputs
(tests/fixtures/tf221_breadth.npz, written by ``_compute`` run with TF; an ``_ERR`` entry
would hold an error TF raised). Gradients: tests/op_cases/tf_math_breadth.py."""

import pathlib

import numpy as np
import pytest

import workbench as wb
from gradients import GradientTape

FIXTURE = pathlib.Path(__file__).parent / "fixtures" / "tf221_breadth.npz"


def _compute(tf):
    out = {}

    def rec(k, f):
        try:
            v = f()
            if isinstance(v, (tuple, list)):
                for i, t in enumerate(v):
                    out[f"{k}_{i}"] = np.asarray(t)
            else:
                out[k] = np.asarray(v)
        except Exception as e:  # noqa: BLE001  (the fixture records TF's errors too)
            out[k + "_ERR"] = np.asarray(type(e).__name__ + ": " + str(e)[:100])
    def rec(k, f):
        try:
            v = f()
            if isinstance(v, (tuple, list)):
                for i, t in enumerate(v): out[f"{k}_{i}"] = np.asarray(t); 
            else: out[k] = np.asarray(v)
        except Exception as e:
            out[k + "_ERR"] = np.asarray(type(e).__name__ + ": " + str(e)[:100])
    x = np.array([[1.5, 0., -2.], [0., 3., 0.]], np.float32)
    rec("cnz", lambda: tf.math.count_nonzero(x))
    rec("cnz_ax", lambda: tf.math.count_nonzero(x, axis=1, keepdims=True, dtype=tf.int32))
    rec("cnz_int", lambda: tf.math.count_nonzero(tf.constant([1, 0, 3])))
    rec("cnz_bool", lambda: tf.math.count_nonzero(tf.constant([True, False, True])))
    rec("cnz_str", lambda: tf.math.count_nonzero(tf.constant(["a", "", "b"])))
    rec("real", lambda: tf.math.real(x))
    rec("imag", lambda: tf.math.imag(x))
    rec("angle", lambda: tf.math.angle(x))
    c = np.array([1 + 2j, -3 - 1j, 0j], np.complex64)
    rec("realc", lambda: tf.math.real(c)); rec("imagc", lambda: tf.math.imag(c)); rec("anglec", lambda: tf.math.angle(c))
    rec("rnn", lambda: tf.math.reciprocal_no_nan(x))
    rec("clse", lambda: tf.math.cumulative_logsumexp(x, axis=1))
    rec("clse_er", lambda: tf.math.cumulative_logsumexp(x, axis=0, exclusive=True, reverse=True))
    rec("clse_big", lambda: tf.math.cumulative_logsumexp(tf.constant([-1000., 0., 1000.])))
    rec("invp", lambda: tf.math.invert_permutation([3, 4, 0, 2, 1]))
    rec("cm", lambda: tf.math.confusion_matrix([1, 2, 4], [2, 2, 4]))
    rec("cm_w", lambda: tf.math.confusion_matrix([1, 2, 0], [2, 2, 1], num_classes=3, weights=[0.5, 1., 2.], dtype=tf.float32))
    rec("ussn", lambda: tf.math.unsorted_segment_sqrt_n(np.arange(8.).reshape(4, 2).astype(np.float32), [0, 2, 0, 0], 3))
    rec("zf", lambda: tf.math.zero_fraction(x)); rec("nnzf", lambda: tf.nn.zero_fraction(tf.constant([0, 1, 0, 0])))
    rec("nxt", lambda: tf.math.nextafter(tf.constant([1.0, 0.0], tf.float32), tf.constant([2.0, -1.0], tf.float32)))
    rec("zeta", lambda: tf.math.zeta(tf.constant([2.0, 3.0, 1.5]), tf.constant([1.0, 2.0, 0.5])))
    rec("msoft", lambda: tf.math.softmax(x)); rec("mlsoft", lambda: tf.math.log_softmax(x)); rec("msoftsign", lambda: tf.math.softsign(x))
    rec("nintop", lambda: tf.nn.in_top_k([1, 0], [[0.1, 0.9, 0.0], [0.3, 0.2, 0.5]], 2)); rec("ntopk", lambda: tf.nn.top_k([1., 3., 2.], 2))
    rec("l2loss", lambda: tf.nn.l2_loss(x)); rec("crelu", lambda: tf.nn.crelu(x)); rec("crelu0", lambda: tf.nn.crelu(x, axis=0))
    rec("ll2n", lambda: tf.linalg.l2_normalize(x, axis=1)); rec("lnorm", lambda: tf.linalg.normalize(x, axis=1)); rec("lnorm1", lambda: tf.linalg.normalize(x, ord=1))
    rec("tdiag", lambda: tf.linalg.tensor_diag([[1, 2], [3, 4]]))
    rec("cross", lambda: tf.linalg.cross(np.array([[1., 2, 3], [0, 1, 0]], np.float32), np.array([[4., 5, 6], [0, 0, 1]], np.float32)))
    rec("rank", lambda: tf.linalg.matrix_rank(np.array([[[1., 2], [2, 4]], [[1, 0], [0, 1]]], np.float32)))
    img = np.arange(2 * 4 * 4 * 3, dtype=np.float32).reshape(2, 4, 4, 3) / 10
    rec("s2d", lambda: tf.nn.space_to_depth(img, 2)); rec("d2s", lambda: tf.nn.depth_to_space(np.arange(2 * 2 * 2 * 8, dtype=np.float32).reshape(2, 2, 2, 8), 2))
    rec("lrn", lambda: tf.nn.local_response_normalization(img, depth_radius=1, bias=1.0, alpha=0.5, beta=0.75))
    rec("lrn_def", lambda: tf.nn.lrn(img))
    rec("suff", lambda: tf.nn.sufficient_statistics(x, [0]))
    rec("suffs", lambda: tf.nn.sufficient_statistics(x, [0, 1], shift=0.5, keepdims=True))
    rec("wmom", lambda: tf.nn.weighted_moments(x, [1], np.array([[1.], [2.]], np.float32)))
    rec("wmomk", lambda: tf.nn.weighted_moments(x, [0], np.array([1., 2., 3.], np.float32), keepdims=True))
    w = np.arange(2 * 2 * 3 * 2, dtype=np.float32).reshape(2, 2, 3, 2) / 10
    rec("atrous", lambda: tf.nn.atrous_conv2d(img, w, 2, "SAME")); rec("atrousv", lambda: tf.nn.atrous_conv2d(img, w, 2, "VALID"))
    rec("bngn", lambda: tf.nn.batch_norm_with_global_normalization(img, np.float32([.1, .2, .3]), np.float32([1, 2, 3]), np.float32([0, 1, 0]), np.float32([2, 1, .5]), 0.01, True))
    return out


def test_values_dtypes_and_shapes_match_tf():
    want = np.load(FIXTURE, allow_pickle=True)
    got = _compute(wb)
    assert sorted(got) == sorted(want.files)
    for key in want.files:
        w, g = want[key], got[key]
        if w.dtype == object:          # None (sufficient_statistics' shift when not given)
            assert g.dtype == object and g.item() is None, key
            continue
        assert (g.dtype, g.shape) == (w.dtype, w.shape), key
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6, err_msg=key)


def test_cumulative_logsumexp_gradient_where_terms_underflow():
    x = wb.constant([-1000.0, 0.0, 1000.0], wb.float64)
    with GradientTape() as tape:
        tape.watch(x)
        y = wb.reduce_sum(wb.math.cumulative_logsumexp(x) * [1.0, 2.0, 3.0])
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), [1.0, 2.0, 3.0])


@pytest.mark.filterwarnings("ignore:gradient")
def test_zeta_has_no_derivative_in_x():
    x, q = wb.constant([2.0, 3.0], wb.float64), wb.constant([1.0, 2.0], wb.float64)
    with GradientTape(persistent=True) as tape:
        tape.watch([x, q])
        y = wb.reduce_sum(wb.math.zeta(x, q))
    assert tape.gradient(y, x) is None
    np.testing.assert_allclose(tape.gradient(y, q).numpy(),
                               [-2 * 1.2020569031595942, -3 * (1.0823232337111381 - 1.0)],
                               rtol=1e-10)


def test_bad_arguments():
    with pytest.raises(wb.errors.InvalidArgumentError, match="once"):
        wb.math.invert_permutation([0, 0, 1])
    with pytest.raises(wb.errors.InvalidArgumentError, match="num_classes"):
        wb.math.confusion_matrix([0, 3], [0, 1], num_classes=2)
    with pytest.raises(TypeError, match="float32"):
        wb.math.nextafter(wb.constant([1.0]), wb.constant([1.0], wb.float64))
    with pytest.raises(wb.errors.InvalidArgumentError, match="multiples"):
        wb.nn.space_to_depth(wb.zeros([1, 3, 4, 1]), 2)
    with pytest.raises(ValueError, match="3-vectors"):
        wb.linalg.cross([1.0, 2.0], [3.0, 4.0])


def test_sobol_sample_matches_tf():
    # TF 2.21: tf.math.sobol_sample(40, 100, skip=7, dtype=tf.float64)
    want = np.load(pathlib.Path(__file__).parent / "fixtures" / "tf221_sobol.npy")
    got = wb.math.sobol_sample(40, 100, skip=7, dtype=wb.float64).numpy()
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(wb.math.sobol_sample(3, 2).numpy(), [[0.5] * 3, [0.75, 0.25, 0.25]])
    with pytest.raises(wb.errors.InvalidArgumentError, match="dim"):
        wb.math.sobol_sample(0, 3)


def test_atrous_conv2d_transpose_matches_tf():
    # TF 2.21's outputs for these inputs: tests/fixtures/tf221_atrous_transpose.npz
    want = np.load(pathlib.Path(__file__).parent / "fixtures" / "tf221_atrous_transpose.npz")
    rng = np.random.default_rng(9)
    x = rng.normal(size=(2, 4, 4, 3)).astype(np.float32)
    w = rng.normal(size=(3, 3, 2, 3)).astype(np.float32)
    same = wb.nn.atrous_conv2d_transpose(x, w, [2, 4, 4, 2], 2, "SAME").numpy()
    valid = wb.nn.atrous_conv2d_transpose(x, w, [2, 8, 8, 2], 2, "VALID").numpy()
    np.testing.assert_allclose(same, want["same"], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(valid, want["valid"], rtol=1e-4, atol=1e-5)


def test_space_to_batch_matches_tf():
    want = np.load(pathlib.Path(__file__).parent / "fixtures" / "tf221_space_to_batch.npy")
    x = np.arange(2 * 4 * 6 * 3).reshape(2, 4, 6, 3).astype(np.float32)
    np.testing.assert_array_equal(wb.nn.space_to_batch(x, [2, 3], [[0, 0], [1, 2]]).numpy(), want)
    np.testing.assert_array_equal(
        wb.nn.space_to_batch(np.arange(8).reshape(1, 8, 1), [4], [[1, 3]]).numpy()[..., 0],
        [[0, 3, 7], [0, 4, 0], [1, 5, 0], [2, 6, 0]])
    with pytest.raises(wb.errors.InvalidArgumentError, match="multiple"):
        wb.nn.space_to_batch(x, [3, 3], [[0, 0], [0, 0]])
    xt = wb.constant(x.astype(np.float64))
    with GradientTape() as tape:
        tape.watch(xt)
        y = wb.reduce_sum(wb.nn.space_to_batch(xt, [2, 3], [[0, 0], [1, 2]]) ** 2)
    np.testing.assert_allclose(tape.gradient(y, xt).numpy(), 2 * x)
