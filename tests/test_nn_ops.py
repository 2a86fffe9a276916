"""``wb.nn`` ops against NumPy/SciPy references and TF 2's documented behaviour.
(Gradients against finite differences: tests/op_cases/nn.py.)"""

import numpy as np
import pytest
import scipy.signal
import scipy.special
import scipy.stats

import workbench as wb
from gradients import GradientTape
from workbench.errors import InvalidArgumentError

from tests.conftest import assert_close, f64


def grad(fn, *xs, output_gradients=None):
    xs = [wb.constant(x) if not isinstance(x, wb.Tensor) else x for x in xs]
    with GradientTape() as tape:
        tape.watch(xs)
        y = fn(*xs)
    gs = tape.gradient(y, xs, output_gradients=output_gradients)
    return [g.numpy() for g in gs] if len(gs) > 1 else gs[0].numpy()


X = np.linspace(-3, 3, 13)  # includes 0


# ---------------------------------------------------------------------------
# activations

SELU_ALPHA, SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946

ACTIVATIONS = {
    "relu": (wb.nn.relu, lambda x: np.maximum(x, 0)),
    "relu6": (wb.nn.relu6, lambda x: np.clip(x, 0, 6)),
    "elu": (wb.nn.elu, lambda x: np.where(x > 0, x, np.expm1(x))),
    "selu": (wb.nn.selu, lambda x: SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(x))),
    # TF 2.21: alpha is a float32 attribute, for float64 features too
    "leaky_relu": (wb.nn.leaky_relu, lambda x: np.where(x > 0, x, float(np.float32(0.2)) * x)),
    # TF 2.21: gelu's 0.7071067811865476 and 0.044715 are float32 constants cast to the features' dtype
    "gelu": (wb.nn.gelu, lambda x: 0.5 * x * scipy.special.erfc(-x * float(np.float32(np.sqrt(0.5))))),
    "gelu approximate": (lambda x: wb.nn.gelu(x, approximate=True),
                         lambda x: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + float(np.float32(0.044715)) * x ** 3)))),
    "silu": (wb.nn.silu, lambda x: x * scipy.special.expit(x)),
    "swish beta": (lambda x: wb.nn.swish(x, beta=2.0), lambda x: x * scipy.special.expit(2 * x)),
    "softsign": (wb.nn.softsign, lambda x: x / (1 + np.abs(x))),
}


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_values(name):
    fn, ref = ACTIVATIONS[name]
    assert_close(fn(f64(X)), ref(X), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_keeps_float32(name):
    fn, ref = ACTIVATIONS[name]
    y = fn(wb.constant(X.astype(np.float32)))
    assert y.dtype == np.float32
    assert_close(y, ref(X), rtol=1e-5, atol=1e-6)


def test_relu_gradient_at_zero_is_zero():
    # TF: relu'(0) = 0
    assert_close(grad(wb.nn.relu, f64([-1.0, 0.0, 2.0])), [0.0, 0.0, 1.0])


def test_kink_gradients_follow_tf():
    x = f64([0.0, 6.0, 3.0])
    assert_close(grad(wb.nn.relu6, x), [0.0, 0.0, 1.0])          # 1 strictly inside (0, 6)
    assert_close(grad(lambda v: wb.nn.leaky_relu(v, alpha=0.1), f64([0.0, -1.0, 1.0])), [0.1, 0.1, 1.0])
    assert_close(grad(wb.nn.elu, f64([0.0, -1.0])), [1.0, np.exp(-1.0)])
    assert_close(grad(wb.nn.selu, f64([0.0, -1.0])), [SELU_SCALE, SELU_SCALE * SELU_ALPHA * np.exp(-1.0)])


def test_gelu_gradient_is_normal_cdf_plus_density_term():
    # with TF's float32 constant c ~ 1/sqrt(2): 0.5 erfc(-c x) + c x exp(-(c x)^2) / sqrt(pi)
    z = X * float(np.float32(np.sqrt(0.5)))
    want = 0.5 * scipy.special.erfc(-z) + z * np.exp(-z * z) / np.sqrt(np.pi)
    assert_close(grad(wb.nn.gelu, f64(X)), want, rtol=1e-10, atol=1e-12)


def test_elu_and_selu_stay_finite_for_large_inputs():
    x = wb.constant([-1e4, 1e4, 80.0], wb.float32)
    for fn in (wb.nn.elu, wb.nn.selu, wb.nn.gelu, wb.nn.silu):
        y = fn(x)
        g = grad(fn, x)
        assert np.all(np.isfinite(y.numpy())) and np.all(np.isfinite(g)), fn


def test_relu_accepts_integers():
    y = wb.nn.relu(wb.constant([-2, 3]))
    assert y.dtype == np.int32 and y.numpy().tolist() == [0, 3]


def test_activation_rejects_integer_input_where_tf_does():
    with pytest.raises(TypeError, match="gelu: features has dtype int32"):
        wb.nn.gelu(wb.constant([1, 2]))


def test_bias_add():
    v = np.arange(24.0).reshape(2, 3, 2, 2)
    b = np.array([10.0, 20.0])
    assert_close(wb.nn.bias_add(f64(v), f64(b)), v + b)
    b3 = np.array([1.0, 2.0, 3.0])
    assert_close(wb.nn.bias_add(f64(v), f64(b3), data_format="NCHW"), v + b3[:, None, None])
    with pytest.raises(ValueError, match="bias has 3 elements but value"):
        wb.nn.bias_add(f64(v), f64(b3))


# ---------------------------------------------------------------------------
# softmax


def test_softmax_and_log_softmax_match_scipy():
    x = np.random.default_rng(0).normal(size=(3, 4, 5))
    for axis in (-1, 0, 1):
        assert_close(wb.nn.softmax(f64(x), axis=axis), scipy.special.softmax(x, axis=axis), rtol=1e-12)
        assert_close(wb.nn.log_softmax(f64(x), axis=axis), scipy.special.log_softmax(x, axis=axis),
                     rtol=1e-12)


def test_softmax_of_large_logits_is_finite():
    x = wb.constant([[1000.0, 1000.0, -1000.0], [1e30, 0.0, -1e30]], wb.float32)
    assert_close(wb.nn.softmax(x), [[0.5, 0.5, 0.0], [1.0, 0.0, 0.0]])
    ls = wb.nn.log_softmax(x).numpy()
    assert np.all(np.isfinite(ls))
    assert_close(ls[0, :2], [-np.log(2.0)] * 2, rtol=1e-6)
    assert np.all(np.isfinite(grad(lambda v: wb.nn.log_softmax(v)[:, 0], x)))


def test_softmax_axis_errors():
    with pytest.raises(ValueError, match="softmax: axis 2 is out of range"):
        wb.nn.softmax(f64(np.zeros((2, 2))), axis=2)


# ---------------------------------------------------------------------------
# cross-entropies


def test_sigmoid_cross_entropy_matches_definition_and_is_finite_at_extremes():
    z = np.array([0.0, 1.0, 0.3, 1.0, 0.0])
    x = np.array([-2.0, 0.5, 1.5, -3.0, 4.0])
    p = scipy.special.expit(x)
    want = -z * np.log(p) - (1 - z) * np.log(1 - p)
    got = wb.nn.sigmoid_cross_entropy_with_logits(labels=f64(z), logits=f64(x))
    assert_close(got, want, rtol=1e-12)
    big = wb.constant([1e4, -1e4, 1e30, -1e30], wb.float32)
    lab = wb.constant([0.0, 1.0, 1.0, 0.0], wb.float32)
    loss = wb.nn.sigmoid_cross_entropy_with_logits(labels=lab, logits=big)
    assert_close(loss, [1e4, 1e4, 0.0, 0.0], rtol=1e-6)
    g = grad(lambda v: wb.nn.sigmoid_cross_entropy_with_logits(labels=lab, logits=v), big)
    assert_close(g, [1.0, -1.0, 0.0, 0.0])


def test_sigmoid_cross_entropy_gradient_at_zero_logit():
    # d/dx = sigmoid(x) - z, also exactly at x = 0 (where max(x, 0) and |x| have kinks)
    z = f64([0.2])
    assert_close(grad(lambda v: wb.nn.sigmoid_cross_entropy_with_logits(labels=z, logits=v), f64([0.0])),
                 [0.3])


def test_sigmoid_cross_entropy_needs_matching_shapes():
    with pytest.raises(ValueError, match="same shape"):
        wb.nn.sigmoid_cross_entropy_with_logits(labels=f64([1.0, 0.0]), logits=f64([1.0]))


def test_weighted_cross_entropy():
    z = np.array([0.0, 1.0, 0.4])
    x = np.array([-1.0, 2.0, 0.3])
    p = scipy.special.expit(x)
    want = -2.5 * z * np.log(p) - (1 - z) * np.log(1 - p)
    assert_close(wb.nn.weighted_cross_entropy_with_logits(f64(z), f64(x), 2.5), want, rtol=1e-12)
    loss = wb.nn.weighted_cross_entropy_with_logits(wb.constant([1.0]), wb.constant([-1e4]), 3.0)
    assert_close(loss, [3e4], rtol=1e-6)


def test_softmax_cross_entropy_and_its_label_gradient():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(3, 5))
    p = scipy.special.softmax(rng.normal(size=(3, 5)), axis=-1)
    want = -np.sum(p * scipy.special.log_softmax(x, axis=-1), axis=-1)
    assert_close(wb.nn.softmax_cross_entropy_with_logits(f64(p), f64(x)), want, rtol=1e-12)
    gp, gx = grad(wb.nn.softmax_cross_entropy_with_logits, f64(p), f64(x))
    assert_close(gp, -scipy.special.log_softmax(x, axis=-1), rtol=1e-12)   # TF 2: labels get gradients
    assert_close(gx, scipy.special.softmax(x, axis=-1) - p, rtol=1e-10, atol=1e-12)
    got0 = wb.nn.softmax_cross_entropy_with_logits(f64(p.T), f64(x.T), axis=0)
    assert_close(got0, want, rtol=1e-12)


def test_softmax_cross_entropy_with_extreme_logits_is_finite():
    x = wb.constant([[1e30, -1e30, 0.0]], wb.float32)
    lab = wb.constant([[0.0, 1.0, 0.0]], wb.float32)
    loss = wb.nn.softmax_cross_entropy_with_logits(lab, x)
    assert_close(loss, [2e30], rtol=1e-6)
    assert np.all(np.isfinite(grad(lambda v: wb.nn.softmax_cross_entropy_with_logits(lab, v), x)))


def test_sparse_softmax_cross_entropy_equals_dense_with_one_hot():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(2, 3, 4))
    labels = np.array([[0, 3, 1], [2, 2, 0]])
    onehot = np.eye(4)[labels]
    want = -np.sum(onehot * scipy.special.log_softmax(x, axis=-1), axis=-1)
    assert_close(wb.nn.sparse_softmax_cross_entropy_with_logits(labels, f64(x)), want, rtol=1e-12)
    gx = grad(lambda v: wb.nn.sparse_softmax_cross_entropy_with_logits(labels, v), f64(x))
    assert_close(gx, scipy.special.softmax(x, axis=-1) - onehot, atol=1e-12)


def test_sparse_softmax_cross_entropy_rejects_out_of_range_labels():
    if wb.default_device().kind == "gpu":
        loss = wb.nn.sparse_softmax_cross_entropy_with_logits([0, 4], f64(np.zeros((2, 4))))
        assert np.isnan(loss.numpy()[1]) and np.isfinite(loss.numpy()[0])   # TF on a GPU
        return
    with pytest.raises(InvalidArgumentError, match=r"label value of 4 .*\[0, 4\)"):
        wb.nn.sparse_softmax_cross_entropy_with_logits([0, 4], f64(np.zeros((2, 4))))
    with pytest.raises(InvalidArgumentError, match="label value of -1"):
        wb.nn.sparse_softmax_cross_entropy_with_logits([-1, 0], f64(np.zeros((2, 4))))
    # a compiled step checks each call's labels, not only the traced call's
    step = wb.function(lambda y, z: wb.nn.sparse_softmax_cross_entropy_with_logits(y, z))
    z = f64(np.zeros((2, 4)))
    step(wb.constant([0, 3]), z)
    step(wb.constant([1, 2]), z)
    with pytest.raises(InvalidArgumentError, match="label value of 7"):
        step(wb.constant([7, 0]), z)


def test_sparse_softmax_cross_entropy_argument_errors():
    with pytest.raises(TypeError, match="labels must be integers"):
        wb.nn.sparse_softmax_cross_entropy_with_logits(f64([0.0, 1.0]), f64(np.zeros((2, 4))))
    with pytest.raises(ValueError, match="without the last"):
        wb.nn.sparse_softmax_cross_entropy_with_logits([0, 1, 2], f64(np.zeros((2, 4))))


def test_log_poisson_loss():
    t = np.array([0.0, 0.5, 1.0, 2.0, 7.0])
    c = np.array([0.3, -1.0, 0.0, 1.2, 2.0])
    base = np.exp(c) - c * t
    assert_close(wb.nn.log_poisson_loss(f64(t), f64(c)), base, rtol=1e-12)
    s = np.maximum(t, 1)
    stirling = np.where(t > 1, s * np.log(s) - s + 0.5 * np.log(2 * np.pi * s), 0)
    assert_close(wb.nn.log_poisson_loss(f64(t), f64(c), compute_full_loss=True), base + stirling, rtol=1e-12)


# ---------------------------------------------------------------------------
# moments and normalization


def test_moments_match_numpy():
    x = np.random.default_rng(3).normal(size=(4, 3, 2))
    mean, var = wb.nn.moments(f64(x), axes=[0, 2])
    assert mean.shape == (3,) and var.shape == (3,)
    assert_close(mean, x.mean(axis=(0, 2)), rtol=1e-12)
    assert_close(var, x.var(axis=(0, 2)), rtol=1e-12)
    mk, vk = wb.nn.moments(f64(x), axes=[1], keepdims=True)
    assert mk.shape == (4, 1, 2) and vk.shape == (4, 1, 2)
    assert_close(vk, x.var(axis=1, keepdims=True), rtol=1e-12)


def test_moments_of_float16_keep_their_dtype():
    x = wb.constant(np.array([1.0, 2.0, 3.0, 4.0], np.float16))
    m, v = wb.nn.moments(x, axes=[0])
    assert m.dtype == np.float16 and v.dtype == np.float16
    assert_close(v, 1.25)


def test_normalize_moments():
    x = np.array([1.0, 2.0, 4.0, 9.0])
    shift = 3.0
    mean, var = wb.nn.normalize_moments(4.0, f64(np.sum(x - shift)), f64(np.sum((x - shift) ** 2)), shift)
    assert_close(mean, x.mean(), rtol=1e-12)
    assert_close(var, x.var(), rtol=1e-12)


def test_batch_normalization():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(5, 3))
    m, v, o, s = x.mean(0), x.var(0), rng.normal(size=3), rng.uniform(0.5, 2, size=3)
    got = wb.nn.batch_normalization(f64(x), f64(m), f64(v), f64(o), f64(s), 1e-3)
    assert_close(got, s * (x - m) / np.sqrt(v + 1e-3) + o, rtol=1e-12)
    got = wb.nn.batch_normalization(f64(x), f64(m), f64(v), None, None, 1e-3)
    assert_close(got, (x - m) / np.sqrt(v + 1e-3), rtol=1e-12)


def test_l2_normalize():
    x = np.array([[3.0, 4.0], [0.0, 0.0]])
    assert_close(wb.nn.l2_normalize(f64(x), axis=1), [[0.6, 0.8], [0.0, 0.0]])
    assert_close(wb.nn.l2_normalize(f64(x)), x / 5.0)
    g = grad(lambda v: wb.nn.l2_normalize(v, axis=1), f64(x))
    assert np.all(np.isfinite(g))                       # epsilon keeps the zero row finite


# ---------------------------------------------------------------------------
# embedding lookup


def test_embedding_lookup_values_shards_and_gradient():
    table = np.arange(12.0).reshape(4, 3)
    ids = np.array([[3, 0], [3, 3]])
    assert_close(wb.nn.embedding_lookup(f64(table), ids), table[ids])
    shards = [f64(table[:2]), f64(table[2:3]), f64(table[3:])]
    assert_close(wb.nn.embedding_lookup(shards, ids), table[ids])
    g = grad(lambda p: wb.nn.embedding_lookup(p, ids), f64(table))
    assert_close(g, np.array([1, 0, 0, 3])[:, None] * np.ones((4, 3)))   # repeated ids add up
    assert_close(wb.nn.embedding_lookup(f64(table), 2), table[2])


def test_embedding_lookup_max_norm_clips_each_embedding():
    table = np.array([[3.0, 4.0], [0.3, 0.4], [0.0, 0.0]])
    got = wb.nn.embedding_lookup(f64(table), [0, 1, 2], max_norm=1.0)
    assert_close(got, [[0.6, 0.8], [0.3, 0.4], [0.0, 0.0]])
    g = grad(lambda p: wb.nn.embedding_lookup(p, [0, 1, 2], max_norm=1.0), f64(table))
    assert np.all(np.isfinite(g))


def test_embedding_lookup_errors():
    with pytest.raises(InvalidArgumentError, match=r"id 4 is not in \[0, 4\)"):
        wb.nn.embedding_lookup(f64(np.zeros((4, 2))), [1, 4])
    with pytest.raises(InvalidArgumentError, match="id -1"):
        wb.nn.embedding_lookup(f64(np.zeros((4, 2))), [-1])
    with pytest.raises(TypeError, match="ids must be integers"):
        wb.nn.embedding_lookup(f64(np.zeros((4, 2))), f64([1.0]))


# ---------------------------------------------------------------------------
# conv2d: a naive loop reference on tiny inputs


def same_pads(n, k, s, d=1):
    # TF's documented rule: output ceil(n / s), the extra padding at the end
    out = -(-n // s)
    total = max((out - 1) * s + (k - 1) * d + 1 - n, 0)
    return (total // 2, total - total // 2)


def ref_conv2d(x, w, strides, pads, dilations):
    (sh, sw), (dh, dw) = strides, dilations
    xp = np.pad(x, [(0, 0), pads[0], pads[1], (0, 0)])
    n, h, wd, c = xp.shape
    kh, kw, _, o = w.shape
    oh = (h - (kh - 1) * dh - 1) // sh + 1
    ow = (wd - (kw - 1) * dw - 1) // sw + 1
    out = np.zeros((n, oh, ow, o))
    for b in range(n):
        for i in range(oh):
            for j in range(ow):
                for a in range(kh):
                    for e in range(kw):
                        out[b, i, j] += xp[b, i * sh + a * dh, j * sw + e * dw] @ w[a, e]
    return out


CONV_SETTINGS = [
    ("VALID", 1, 1), ("SAME", 1, 1), ("VALID", 2, 1), ("SAME", 2, 1), ("SAME", 3, 1),
    ("VALID", 1, 2), ("SAME", 1, 2), ("SAME", 2, 2), ("explicit", 1, 1), ("explicit", 2, 2),
]


@pytest.mark.parametrize("padding,stride,dilation", CONV_SETTINGS)
def test_conv2d_matches_naive_reference(padding, stride, dilation):
    rng = np.random.default_rng(5)
    x = rng.normal(size=(2, 7, 6, 3))
    w = rng.normal(size=(3, 2, 3, 4))
    if padding == "explicit":
        pads = ((1, 2), (0, 1))
        arg = [[0, 0], list(pads[0]), list(pads[1]), [0, 0]]
    else:
        arg = padding
        pads = ((0, 0), (0, 0)) if padding == "VALID" else (
            same_pads(7, 3, stride, dilation), same_pads(6, 2, stride, dilation))
    got = wb.nn.conv2d(f64(x), f64(w), strides=stride, padding=arg, dilations=dilation)
    want = ref_conv2d(x, w, (stride, stride), pads, (dilation, dilation))
    assert got.shape == want.shape
    assert_close(got, want, rtol=1e-10, atol=1e-10)
    if padding == "SAME":
        assert got.shape[1:3] == (-(-7 // stride), -(-6 // stride))


def test_conv2d_matches_scipy_correlate():
    rng = np.random.default_rng(6)
    img, ker = rng.normal(size=(6, 5)), rng.normal(size=(3, 2))
    got = wb.nn.conv2d(f64(img[None, :, :, None]), f64(ker[:, :, None, None]), 1, "VALID")
    assert_close(got.numpy()[0, :, :, 0], scipy.signal.correlate(img, ker, mode="valid"), rtol=1e-10)


def test_conv2d_strides_and_dilations_in_tf_forms():
    rng = np.random.default_rng(7)
    x, w = f64(rng.normal(size=(1, 6, 6, 2))), f64(rng.normal(size=(2, 2, 2, 3)))
    a = wb.nn.conv2d(x, w, strides=[1, 2, 1, 1], padding="SAME", dilations=[1, 1, 2, 1])
    b = wb.nn.conv2d(x, w, strides=[2, 1], padding="SAME", dilations=[1, 2])
    assert_close(a, b)
    with pytest.raises(ValueError, match="batch and channel"):
        wb.nn.conv2d(x, w, strides=[2, 1, 1, 1], padding="SAME")


def test_conv2d_nchw_equals_nhwc():
    rng = np.random.default_rng(8)
    x, w = rng.normal(size=(2, 5, 4, 3)), rng.normal(size=(2, 3, 3, 2))
    nhwc = wb.nn.conv2d(f64(x), f64(w), 2, "SAME")
    nchw = wb.nn.conv2d(f64(x.transpose(0, 3, 1, 2)), f64(w), 2, "SAME", data_format="NCHW")
    assert_close(nchw.numpy().transpose(0, 2, 3, 1), nhwc.numpy(), rtol=1e-12)


def test_conv2d_extra_batch_dimensions():
    rng = np.random.default_rng(9)
    x, w = rng.normal(size=(2, 3, 4, 4, 2)), rng.normal(size=(2, 2, 2, 3))
    got = wb.nn.conv2d(f64(x), f64(w), 1, "SAME")
    flat = wb.nn.conv2d(f64(x.reshape(6, 4, 4, 2)), f64(w), 1, "SAME")
    assert_close(got.numpy().reshape(flat.shape), flat.numpy(), rtol=1e-12)


def test_conv2d_float32_in_float32_out():
    x = wb.ones((1, 4, 4, 2))
    w = wb.ones((2, 2, 2, 1))
    y = wb.nn.conv2d(x, w, 1, "VALID")
    assert y.dtype == np.float32
    assert_close(y, np.full((1, 3, 3, 1), 8.0))


def test_conv2d_errors_name_the_problem():
    x, w = f64(np.zeros((1, 4, 4, 2))), f64(np.zeros((2, 2, 3, 1)))
    with pytest.raises(ValueError, match="input has 2 channels but filters"):
        wb.nn.conv2d(x, w, 1, "SAME")
    with pytest.raises(ValueError, match="rank >= 4"):
        wb.nn.conv2d(f64(np.zeros((4, 4, 2))), w, 1, "SAME")
    with pytest.raises(ValueError, match="output would be empty"):
        wb.nn.conv2d(x, f64(np.zeros((5, 5, 2, 1))), 1, "VALID")
    with pytest.raises(ValueError, match="padding must be"):
        wb.nn.conv2d(x, f64(np.zeros((2, 2, 2, 1))), 1, "FULL")
    with pytest.raises(TypeError, match="must match"):
        wb.nn.conv2d(x, wb.zeros((2, 2, 2, 1)), 1, "SAME")


def test_conv2d_gradients_are_the_transposed_convolutions():
    # <conv(x, w), g> = <x, conv2d_transpose(g, w)>: the input gradient is conv2d_transpose
    rng = np.random.default_rng(10)
    x, w = rng.normal(size=(2, 5, 5, 3)), rng.normal(size=(3, 3, 3, 4))
    y = wb.nn.conv2d(f64(x), f64(w), 2, "SAME")
    g = rng.normal(size=y.shape)
    gx, gw = grad(lambda a, b: wb.nn.conv2d(a, b, 2, "SAME"), f64(x), f64(w), output_gradients=f64(g))
    assert_close(gx, wb.nn.conv2d_transpose(f64(g), f64(w), x.shape, 2, "SAME"), rtol=1e-12)
    # the filter gradient by the naive reference: d/dw of <ref_conv(x, w), g>
    xp = np.pad(x, [(0, 0), (1, 1), (1, 1), (0, 0)])
    want = np.zeros_like(w)
    for a in range(3):
        for e in range(3):
            want[a, e] = np.einsum("nhwc,nhwo->co", xp[:, a:a + 5:2, e:e + 5:2], g)
    assert_close(gw, want, rtol=1e-10)


@pytest.mark.parametrize("padding,stride,dilation", [("VALID", 1, 1), ("SAME", 2, 1), ("SAME", 1, 2)])
def test_depthwise_conv2d_matches_per_channel_reference(padding, stride, dilation):
    rng = np.random.default_rng(13)
    x, w = rng.normal(size=(2, 6, 5, 3)), rng.normal(size=(3, 2, 3, 2))
    got = wb.nn.depthwise_conv2d(f64(x), f64(w), [1, stride, stride, 1], padding, dilations=dilation)
    pads = ((0, 0), (0, 0)) if padding == "VALID" else (
        same_pads(6, 3, stride, dilation), same_pads(5, 2, stride, dilation))
    # output channel c * M + m is input channel c convolved with filter [:, :, c, m]
    want = np.stack([ref_conv2d(x[..., c:c + 1], w[:, :, c:c + 1, m:m + 1], (stride, stride), pads,
                                (dilation, dilation))[..., 0] for c in range(3) for m in range(2)], axis=-1)
    assert_close(got, want, rtol=1e-10, atol=1e-10)


def test_conv2d_transpose_checks_output_shape():
    with pytest.raises(ValueError, match="output_shape"):
        wb.nn.conv2d_transpose(f64(np.zeros((1, 2, 2, 3))), f64(np.zeros((2, 2, 1, 3))), [1, 7, 7, 1], 2)


# ---------------------------------------------------------------------------
# pooling


TF_DOC_IMAGE = np.arange(1.0, 13.0).reshape(1, 3, 4, 1)


def test_max_pool2d_tf_documented_examples():
    x = wb.constant(TF_DOC_IMAGE.astype(np.float32))
    assert_close(wb.nn.max_pool2d(x, (2, 2), (2, 2), "VALID")[0, :, :, 0], [[6.0, 8.0]])
    assert_close(wb.nn.max_pool2d(x, (2, 2), (2, 2), "SAME")[0, :, :, 0], [[6.0, 8.0], [10.0, 12.0]])
    explicit = wb.nn.max_pool2d(x, (2, 2), (2, 2), [[0, 0], [1, 1], [1, 1], [0, 0]])
    assert_close(explicit[0, :, :, 0], [[1.0, 3.0, 4.0], [9.0, 11.0, 12.0]])


def ref_pool(x, k, s, pads, reduce):
    n, h, w, c = x.shape
    oh = (h + sum(pads[0]) - k[0]) // s[0] + 1
    ow = (w + sum(pads[1]) - k[1]) // s[1] + 1
    out = np.zeros((n, oh, ow, c))
    for i in range(oh):
        for j in range(ow):
            r0, c0 = i * s[0] - pads[0][0], j * s[1] - pads[1][0]
            win = x[:, max(r0, 0):r0 + k[0], max(c0, 0):c0 + k[1]]   # real elements only
            out[:, i, j] = reduce(win, axis=(1, 2))
    return out


@pytest.mark.parametrize("padding,k,s", [("VALID", 2, 2), ("SAME", 2, 2), ("SAME", 3, 2), ("SAME", 3, 1),
                                         ("VALID", 3, 1)])
def test_pooling_matches_reference(padding, k, s):
    x = np.random.default_rng(11).normal(size=(2, 5, 7, 3))
    pads = ((0, 0), (0, 0)) if padding == "VALID" else (same_pads(5, k, s), same_pads(7, k, s))
    assert_close(wb.nn.max_pool2d(f64(x), k, s, padding), ref_pool(x, (k, k), (s, s), pads, np.max))
    # SAME average pooling averages over the real elements only (TF)
    assert_close(wb.nn.avg_pool2d(f64(x), k, s, padding), ref_pool(x, (k, k), (s, s), pads, np.mean),
                 rtol=1e-12)


def test_pooling_nchw_equals_nhwc():
    x = np.random.default_rng(12).normal(size=(1, 4, 6, 2))
    for pool in (wb.nn.max_pool2d, wb.nn.avg_pool2d):
        nhwc = pool(f64(x), [1, 2, 3, 1], [1, 2, 2, 1], "SAME")
        nchw = pool(f64(x.transpose(0, 3, 1, 2)), [1, 1, 2, 3], [1, 1, 2, 2], "SAME", data_format="NCHW")
        assert_close(nchw.numpy().transpose(0, 2, 3, 1), nhwc.numpy())


def test_max_pool_gradient_goes_to_the_first_maximum_on_ties():
    # the tie rule: the first maximum of each window in row-major order (top-left first), as TF's CPU kernel
    ones = np.ones((1, 2, 4, 1))
    g = grad(lambda v: wb.nn.max_pool2d(v, 2, 2, "VALID"), f64(ones))
    assert_close(g[0, :, :, 0], [[1, 0, 1, 0], [0, 0, 0, 0]])
    x = np.array([[0.0, 1.0], [1.0, 1.0]]).reshape(1, 2, 2, 1)
    g = grad(lambda v: wb.nn.max_pool2d(v, 2, 2, "VALID"), f64(x))
    assert_close(g[0, :, :, 0], [[0, 1], [0, 0]])


def test_max_pool_gradient_adds_over_overlapping_windows():
    x = np.zeros((1, 3, 3, 1))
    x[0, 1, 1, 0] = 5.0
    g = grad(lambda v: wb.nn.max_pool2d(v, 2, 1, "VALID"), f64(x))
    want = np.zeros((3, 3))
    want[1, 1] = 4.0
    assert_close(g[0, :, :, 0], want)


def test_avg_pool_gradient_spreads_over_real_elements():
    x = np.zeros((1, 3, 3, 1))
    g = grad(lambda v: wb.nn.avg_pool2d(v, 2, 2, "SAME"), f64(x))
    # windows: 2x2 (1/4 each), 2x1 and 1x2 (1/2 each), 1x1 (1)
    assert_close(g[0, :, :, 0], [[0.25, 0.25, 0.5], [0.25, 0.25, 0.5], [0.5, 0.5, 1.0]])


def test_pooling_errors():
    x = f64(np.zeros((1, 4, 4, 1)))
    with pytest.raises(ValueError, match="rank 4"):
        wb.nn.max_pool2d(f64(np.zeros((4, 4, 1))), 2, 2, "SAME")
    with pytest.raises(ValueError, match="'SAME' or 'VALID'"):
        wb.nn.avg_pool2d(x, 2, 2, [[0, 0], [1, 1], [1, 1], [0, 0]])
    with pytest.raises(ValueError, match="cannot be larger than the window"):
        wb.nn.max_pool2d(x, 2, 2, [[0, 0], [3, 0], [0, 0], [0, 0]])
    with pytest.raises(TypeError, match="avg_pool2d: input has dtype int32"):
        wb.nn.avg_pool2d(wb.zeros((1, 4, 4, 1), wb.int32), 2, 2, "SAME")
    assert wb.nn.max_pool2d(wb.constant(np.arange(16).reshape(1, 4, 4, 1)), 2, 2, "SAME").dtype == np.int64
