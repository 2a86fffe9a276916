"""Convolution, pooling, reshaping, activation, merging and noise layers (wb.keras.layers): config
round trips, shapes of eager and symbolic calls, gradients against finite differences (float64),
and each layer's Keras semantics pinned by values."""

import json

import numpy as np
import pytest

import workbench as wb
from gradients import GradientTape, check_gradients
from workbench.keras import layers as L


# checked against float64 references and finite differences: layers made without a dtype take
# a float64 global policy (Keras 3's default is float32; see conftest.float64_layers)
pytestmark = pytest.mark.usefixtures("float64_layers")


def f64(a):
    return wb.constant(np.asarray(a, dtype=np.float64))


def through_json(config):
    return json.loads(json.dumps(config))


_rng = np.random.default_rng(7)
X1 = _rng.standard_normal((2, 7, 3))           # [batch, steps, channels]
X2 = _rng.standard_normal((2, 6, 5, 3))        # [batch, height, width, channels]
X3 = _rng.standard_normal((2, 4, 3, 4, 2))     # [batch, depth, height, width, channels]
V = _rng.standard_normal((2, 4))               # [batch, features]
CF2 = X2.transpose(0, 3, 1, 2).copy()          # channels first
CF3 = X3.transpose(0, 4, 1, 2, 3).copy()

# class -> (a layer with non-default arguments, its input, its output shape)
CASES = {
    L.Conv1D: (lambda: L.Conv1D(4, 3, padding="causal", dilation_rate=2, activation="tanh"), X1, (2, 7, 4)),
    L.Conv2D: (lambda: L.Conv2D(6, (3, 2), strides=(2, 1), groups=3, data_format="channels_first",
                                kernel_regularizer="l2"), CF2, (2, 6, 2, 4)),
    L.Conv3D: (lambda: L.Conv3D(2, 2, strides=(1, 2, 1), padding="same", use_bias=False), X3, (2, 4, 2, 4, 2)),
    L.Conv1DTranspose: (lambda: L.Conv1DTranspose(2, 3, strides=2), X1, (2, 15, 2)),
    L.Conv2DTranspose: (lambda: L.Conv2DTranspose(2, 3, strides=2, padding="same", activation="relu"),
                        X2, (2, 12, 10, 2)),
    L.Conv3DTranspose: (lambda: L.Conv3DTranspose(2, 2, strides=2, output_padding=1, data_format="channels_first"),
                        CF3, (2, 2, 9, 7, 9)),
    L.DepthwiseConv1D: (lambda: L.DepthwiseConv1D(3, depth_multiplier=2, padding="same"), X1, (2, 7, 6)),
    L.DepthwiseConv2D: (lambda: L.DepthwiseConv2D((2, 3), strides=2, depthwise_initializer="he_normal"),
                        X2, (2, 3, 2, 3)),
    L.SeparableConv1D: (lambda: L.SeparableConv1D(4, 3, depth_multiplier=2, strides=2), X1, (2, 3, 4)),
    L.SeparableConv2D: (lambda: L.SeparableConv2D(4, 3, padding="same", data_format="channels_first"),
                        CF2, (2, 4, 6, 5)),
    L.MaxPooling1D: (lambda: L.MaxPooling1D(3, strides=2, padding="same"), X1, (2, 4, 3)),
    L.MaxPool2D: (lambda: L.MaxPool2D((2, 3), data_format="channels_first"), CF2, (2, 3, 3, 1)),
    L.MaxPooling3D: (lambda: L.MaxPooling3D(2, padding="same"), X3, (2, 2, 2, 2, 2)),
    L.AveragePooling1D: (lambda: L.AveragePooling1D(2, strides=1), X1, (2, 6, 3)),
    L.AvgPool2D: (lambda: L.AvgPool2D(2), X2, (2, 3, 2, 3)),
    L.AveragePooling3D: (lambda: L.AveragePooling3D((2, 1, 2), data_format="channels_first"), CF3, (2, 2, 2, 3, 2)),
    L.GlobalAveragePooling1D: (lambda: L.GlobalAveragePooling1D(keepdims=True), X1, (2, 1, 3)),
    L.GlobalAveragePooling2D: (lambda: L.GlobalAveragePooling2D(data_format="channels_first"), CF2, (2, 3)),
    L.GlobalAveragePooling3D: (lambda: L.GlobalAveragePooling3D(), X3, (2, 2)),
    L.GlobalMaxPooling1D: (lambda: L.GlobalMaxPooling1D(), X1, (2, 3)),
    L.GlobalMaxPooling2D: (lambda: L.GlobalMaxPooling2D(keepdims=True), X2, (2, 1, 1, 3)),
    L.GlobalMaxPooling3D: (lambda: L.GlobalMaxPooling3D(data_format="channels_first", keepdims=True), CF3,
                           (2, 2, 1, 1, 1)),
    L.UpSampling1D: (lambda: L.UpSampling1D(3), X1, (2, 21, 3)),
    L.UpSampling2D: (lambda: L.UpSampling2D((2, 3), interpolation="bilinear"), X2, (2, 12, 15, 3)),
    L.UpSampling3D: (lambda: L.UpSampling3D((1, 2, 1), data_format="channels_first"), CF3, (2, 2, 4, 6, 4)),
    L.ZeroPadding1D: (lambda: L.ZeroPadding1D((1, 2)), X1, (2, 10, 3)),
    L.ZeroPadding2D: (lambda: L.ZeroPadding2D(((1, 0), (2, 3))), X2, (2, 7, 10, 3)),
    L.ZeroPadding3D: (lambda: L.ZeroPadding3D(1, data_format="channels_first"), CF3, (2, 2, 6, 5, 6)),
    L.Cropping1D: (lambda: L.Cropping1D((2, 1)), X1, (2, 4, 3)),
    L.Cropping2D: (lambda: L.Cropping2D(((1, 0), (2, 1))), X2, (2, 5, 2, 3)),
    L.Cropping3D: (lambda: L.Cropping3D(((1, 0), (1, 1), (0, 2)), data_format="channels_first"), CF3,
                   (2, 2, 3, 1, 2)),
    L.ReLU: (lambda: L.ReLU(max_value=1.0, negative_slope=0.1, threshold=0.2), X1, (2, 7, 3)),
    L.LeakyReLU: (lambda: L.LeakyReLU(negative_slope=0.2), X1, (2, 7, 3)),
    L.PReLU: (lambda: L.PReLU(alpha_initializer="ones", shared_axes=[1]), X1, (2, 7, 3)),
    L.ELU: (lambda: L.ELU(alpha=0.5), X1, (2, 7, 3)),
    L.Softmax: (lambda: L.Softmax(axis=[1, 2]), X1, (2, 7, 3)),
    L.Permute: (lambda: L.Permute((2, 1)), X1, (2, 3, 7)),
    L.RepeatVector: (lambda: L.RepeatVector(3), V, (2, 3, 4)),
    L.Identity: (lambda: L.Identity(), X1, (2, 7, 3)),
    L.Masking: (lambda: L.Masking(mask_value=0.5), X1, (2, 7, 3)),
    L.Add: (lambda: L.Add(), [X1, X1[:, :1] * 2], (2, 7, 3)),
    L.Subtract: (lambda: L.Subtract(), [X1, X1 * 2], (2, 7, 3)),
    L.Multiply: (lambda: L.Multiply(), [X1, X1 * 2, X1 - 1], (2, 7, 3)),
    L.Average: (lambda: L.Average(), [X1, X1[:, 0] * 3], (2, 7, 3)),
    L.Maximum: (lambda: L.Maximum(), [X1, X1[::-1].copy()], (2, 7, 3)),
    L.Minimum: (lambda: L.Minimum(), [X1, X1[::-1].copy()], (2, 7, 3)),
    L.Concatenate: (lambda: L.Concatenate(axis=1), [X1, X1[:, :2]], (2, 9, 3)),
    L.Dot: (lambda: L.Dot(axes=(2, 1), normalize=True), [X1, X1[:, :3].transpose(0, 2, 1).copy()], (2, 7, 3)),
    L.SpatialDropout1D: (lambda: L.SpatialDropout1D(0.5, seed=3), X1, (2, 7, 3)),
    L.SpatialDropout2D: (lambda: L.SpatialDropout2D(0.4, data_format="channels_first", seed=3), CF2, (2, 3, 6, 5)),
    L.SpatialDropout3D: (lambda: L.SpatialDropout3D(0.3, seed=4), X3, (2, 4, 3, 4, 2)),
    L.GaussianNoise: (lambda: L.GaussianNoise(0.3, seed=5), X1, (2, 7, 3)),
    L.GaussianDropout: (lambda: L.GaussianDropout(0.2, seed=6), X1, (2, 7, 3)),
}

RANDOM = (L.SpatialDropout1D, L.SpatialDropout2D, L.SpatialDropout3D, L.GaussianNoise, L.GaussianDropout)


def _call(layer, x, **kwargs):
    if isinstance(x, list):
        return layer([f64(a) for a in x], **kwargs)
    return layer(f64(x), **kwargs)


@pytest.mark.parametrize("cls", list(CASES), ids=lambda c: c.__name__)
def test_round_trip_through_json_gives_the_same_layer(cls):
    make, x, _ = CASES[cls]
    layer = make()
    assert type(layer) is cls
    config = through_json(wb.keras.layers.serialize(layer))
    assert config["class_name"] == cls.__name__
    clone = wb.keras.layers.deserialize(config)
    assert type(clone) is cls and clone is not layer
    assert through_json(wb.keras.layers.serialize(clone)) == config          # a fixed point
    assert through_json(cls.from_config(config["config"]).get_config()) == config["config"]
    want = _call(layer, x)
    _call(clone, x)
    clone.set_weights(layer.get_weights())
    np.testing.assert_array_equal(_call(clone, x).numpy(), want.numpy())
    if cls in RANDOM:   # same seed, same noise
        np.testing.assert_array_equal(_call(make(), x, training=True).numpy(),
                                      _call(cls.from_config(config["config"]), x, training=True).numpy())


@pytest.mark.parametrize("cls", list(CASES), ids=lambda c: c.__name__)
def test_output_shapes_eager_and_symbolic(cls):
    make, x, shape = CASES[cls]
    assert _call(make(), x).shape == shape
    xs = x if isinstance(x, list) else [x]
    inputs = [wb.keras.Input(a.shape[1:], dtype="float64") for a in xs]
    layer = make()
    out = layer(inputs if isinstance(x, list) else inputs[0])
    assert tuple(out.shape) == (None,) + shape[1:]
    model = wb.keras.Model(inputs if isinstance(x, list) else inputs[0], out)
    got = model([f64(a) for a in x] if isinstance(x, list) else f64(x))
    np.testing.assert_allclose(got.numpy(), _call(layer, x).numpy(), rtol=1e-12, atol=1e-12)


def _small(a):
    """The first batch row only (keeps the finite differences cheap)."""
    return a[:1].copy()


@pytest.mark.parametrize("cls", list(CASES), ids=lambda c: c.__name__)
def test_gradients_match_finite_differences(cls):
    make, x, _ = CASES[cls]
    xs = [_small(a) for a in x] if isinstance(x, list) else [_small(x)]
    if cls in RANDOM:
        # a new layer per evaluation: the same seed, so the same noise in every evaluation
        def f(*args):
            return make()(list(args) if isinstance(x, list) else args[0], training=True)
        check_gradients(f, [f64(a) for a in xs], order=1)
        return
    layer = make()
    _call(layer, xs if isinstance(x, list) else xs[0])

    def f(*args):
        return layer(list(args) if isinstance(x, list) else args[0])
    check_gradients(f, [f64(a) for a in xs], order=1)
    _check_weight_gradients(layer, xs if isinstance(x, list) else xs[0])


def _check_weight_gradients(layer, x, eps=1e-6):
    """The tape's gradient of ``sum(u * layer(x))`` with respect to each weight against
    central differences."""
    weights = layer.trainable_weights
    if not weights:
        return
    y = _call(layer, x)
    u = f64(np.random.default_rng(1).standard_normal(y.shape))
    with GradientTape() as tape:
        loss = wb.reduce_sum(u * _call(layer, x))
    grads = tape.gradient(loss, weights)
    for w, g in zip(weights, grads):
        base = np.array(w.numpy())
        num = np.zeros_like(base)
        for i in range(base.size):
            for sign in (1, -1):
                v = base.copy()
                v.flat[i] += sign * eps
                w.assign(v)
                num.flat[i] += sign * float(wb.reduce_sum(u * _call(layer, x)).numpy()) / (2 * eps)
        w.assign(base)
        np.testing.assert_allclose(g.numpy(), num, rtol=1e-5, atol=1e-6, err_msg=w.name)


# ---------------------------------------------------------------------------
# semantics


def test_conv_layers_compute_the_ops_they_name():
    conv = L.Conv1D(4, 3, strides=2, padding="same")
    y = conv(f64(X1))
    want = wb.nn.conv1d(f64(X1), conv.kernel, 2, "SAME") + conv.bias
    np.testing.assert_allclose(y.numpy(), want.numpy(), rtol=1e-12)
    conv3 = L.Conv3D(2, (2, 1, 2), data_format="channels_first")
    y = conv3(f64(CF3))
    want = wb.nn.conv3d(f64(CF3), conv3.kernel, 1, "VALID", data_format="NCDHW")
    np.testing.assert_allclose(y.numpy(), want.numpy() + conv3.bias.numpy()[:, None, None, None], rtol=1e-12)


def test_causal_conv1d_sees_only_the_past():
    conv = L.Conv1D(2, 3, padding="causal", dilation_rate=2)
    x = X1.copy()
    y = conv(f64(x)).numpy()
    x[:, 5:] += 10.0                                        # change the future of step 4
    y2 = conv(f64(x)).numpy()
    np.testing.assert_array_equal(y2[:, :5], y[:, :5])
    assert not np.allclose(y2[:, 5:], y[:, 5:])


def test_grouped_conv_is_one_conv_per_group():
    conv = L.Conv2D(4, 2, groups=2, use_bias=False)
    x = f64(X2[..., :2].copy())
    y = conv(x).numpy()
    k = conv.kernel.numpy()
    for g in range(2):
        part = wb.nn.conv2d(x[..., g:g + 1], k[..., g * 2:(g + 1) * 2], 1, "VALID").numpy()
        np.testing.assert_allclose(y[..., g * 2:(g + 1) * 2], part, rtol=1e-12)
    with pytest.raises(ValueError, match="divisible by groups"):
        L.Conv2D(3, 2, groups=2)
    with pytest.raises(ValueError, match="input channels"):
        L.Conv2D(4, 2, groups=2)(f64(X2))


def test_conv_transpose_is_the_gradient_of_conv():
    up = L.Conv2DTranspose(2, 3, strides=2, padding="same", use_bias=False)
    x = f64(X2)
    y = up(x)
    # the transposed convolution is the input-gradient of a convolution with the same kernel
    z = wb.Variable(np.zeros(y.shape))
    with GradientTape() as tape:
        conv = wb.nn.conv2d(z, up.kernel, 2, "SAME")
        loss = wb.reduce_sum(conv * x)
    np.testing.assert_allclose(y.numpy(), tape.gradient(loss, z).numpy(), rtol=1e-12, atol=1e-12)


def test_conv_transpose_output_lengths_follow_keras():
    x = f64(np.ones((1, 5, 2)))
    assert L.Conv1DTranspose(1, 4, strides=3)(x).shape == (1, 16, 1)              # 5*3 + max(4-3, 0)
    assert L.Conv1DTranspose(1, 2, strides=3)(x).shape == (1, 15, 1)              # 5*3 + max(2-3, 0)
    assert L.Conv1DTranspose(1, 3, strides=2, padding="same")(x).shape == (1, 10, 1)
    assert L.Conv1DTranspose(1, 3, strides=2, padding="same", output_padding=1)(x).shape == (1, 10, 1)
    assert L.Conv1DTranspose(1, 3, strides=2, output_padding=0)(x).shape == (1, 11, 1)
    with pytest.raises(ValueError, match="output_padding"):
        L.Conv1DTranspose(1, 3, strides=2, output_padding=2)


def test_depthwise_and_separable_layers():
    dw = L.DepthwiseConv2D(2, depth_multiplier=2, use_bias=False)
    y = dw(f64(X2))
    np.testing.assert_allclose(y.numpy(), wb.nn.depthwise_conv2d(f64(X2), dw.kernel, 1, "VALID").numpy())
    sep = L.SeparableConv1D(3, 2, use_bias=False)
    y = sep(f64(X1)).numpy()
    depth = wb.nn.depthwise_conv2d(f64(X1[:, None]), sep.depthwise_kernel[None], 1, "VALID")
    want = wb.nn.conv2d(depth, sep.pointwise_kernel[None], 1, "VALID")[:, 0].numpy()
    np.testing.assert_allclose(y, want, rtol=1e-12)
    d1 = L.DepthwiseConv1D(2, use_bias=False)
    y = d1(f64(X1))
    want = wb.nn.depthwise_conv2d(f64(X1[:, None]), d1.kernel[None], 1, "VALID")
    np.testing.assert_allclose(y.numpy(), want[:, 0].numpy(), rtol=1e-12)


def test_pooling_layers():
    x = np.arange(12.0).reshape(1, 6, 2)
    np.testing.assert_array_equal(L.MaxPooling1D(2)(f64(x)).numpy()[0], [[2, 3], [6, 7], [10, 11]])
    np.testing.assert_array_equal(L.AveragePooling1D(3, strides=3)(f64(x)).numpy()[0], [[2, 3], [8, 9]])
    np.testing.assert_allclose(L.GlobalMaxPooling3D()(f64(X3)).numpy(), X3.max(axis=(1, 2, 3)))
    np.testing.assert_allclose(L.GlobalAveragePooling3D()(f64(X3)).numpy(), X3.mean(axis=(1, 2, 3)))
    np.testing.assert_allclose(L.GlobalMaxPooling1D(data_format="channels_first")(f64(X1)).numpy(), X1.max(axis=2))
    np.testing.assert_allclose(L.AveragePooling3D(2, padding="same")(f64(X3)).numpy(),
                               wb.nn.avg_pool3d(f64(X3), 2, 2, "SAME").numpy())
    mask = wb.constant([[True] * 4 + [False] * 3, [True] * 7])
    got = L.GlobalAveragePooling1D()(f64(X1), mask=mask).numpy()
    np.testing.assert_allclose(got, [X1[0, :4].mean(axis=0), X1[1].mean(axis=0)])


def test_upsampling():
    x = np.arange(4.0).reshape(1, 2, 2, 1)
    nearest = L.UpSampling2D(2)(f64(x)).numpy()[0, :, :, 0]
    np.testing.assert_array_equal(nearest, np.repeat(np.repeat(x[0, :, :, 0], 2, 0), 2, 1))
    # TF 2's bilinear resize (half-pixel centers): [0, 1] -> [0, 0.25, 0.75, 1]
    row = L.UpSampling2D((1, 2), interpolation="bilinear")(f64([[[[0.0], [1.0]]]])).numpy().ravel()
    np.testing.assert_allclose(row, [0.0, 0.25, 0.75, 1.0])
    three = L.UpSampling2D((1, 3), interpolation="bilinear")(f64([[[[0.0], [3.0]]]])).numpy().ravel()
    np.testing.assert_allclose(three, [0.0, 0.0, 1.0, 2.0, 3.0, 3.0])
    np.testing.assert_array_equal(L.UpSampling1D(2)(f64([[[1.0], [2.0]]])).numpy().ravel(), [1, 1, 2, 2])
    with pytest.raises(ValueError, match="interpolation"):
        L.UpSampling2D(interpolation="bicubic")


def test_padding_and_cropping():
    x = np.ones((1, 2, 2, 1))
    y = L.ZeroPadding2D(((1, 0), (0, 2)))(f64(x)).numpy()[0, :, :, 0]
    np.testing.assert_array_equal(y, [[0, 0, 0, 0], [1, 1, 0, 0], [1, 1, 0, 0]])
    assert L.ZeroPadding2D((1, 2)).get_config()["padding"] == [[1, 1], [2, 2]]
    np.testing.assert_array_equal(L.Cropping2D(((1, 0), (2, 1)))(f64(X2)).numpy(), X2[:, 1:, 2:-1])
    np.testing.assert_array_equal(L.Cropping1D(1)(f64(X1)).numpy(), X1[:, 1:-1])
    with pytest.raises(ValueError, match="removes all"):
        L.Cropping1D(4)(f64(X1))


def test_relu_variants_follow_keras():
    x = f64([-2.0, -0.5, 0.1, 0.5, 3.0])
    np.testing.assert_allclose(L.ReLU()(x).numpy(), [0, 0, 0.1, 0.5, 3.0])
    np.testing.assert_allclose(L.ReLU(max_value=1.0)(x).numpy(), [0, 0, 0.1, 0.5, 1.0])
    np.testing.assert_allclose(L.ReLU(threshold=0.2)(x).numpy(), [0, 0, 0, 0.5, 3.0])
    np.testing.assert_allclose(L.ReLU(negative_slope=0.1)(x).numpy(), [-0.2, -0.05, 0.1, 0.5, 3.0])
    np.testing.assert_allclose(L.ReLU(max_value=1.0, negative_slope=0.1, threshold=0.2)(x).numpy(),
                               [-0.22, -0.07, -0.01, 0.5, 1.0])
    with pytest.raises(ValueError, match="max_value"):
        L.ReLU(max_value=-1.0)
    np.testing.assert_allclose(L.LeakyReLU()(x).numpy(), [-0.6, -0.15, 0.1, 0.5, 3.0])
    with pytest.warns(UserWarning, match="alpha"):
        assert L.LeakyReLU(alpha=0.1).negative_slope == 0.1
    np.testing.assert_allclose(L.ELU(alpha=2.0)(x).numpy()[:2], 2.0 * np.expm1([-2.0, -0.5]))
    p = L.PReLU(alpha_initializer=wb.keras.initializers.Constant(0.25))
    np.testing.assert_allclose(p(x).numpy(), [-0.5, -0.125, 0.1, 0.5, 3.0])
    assert L.PReLU(shared_axes=[1, 2])(f64(X2)).shape == X2.shape
    assert [w.shape for w in L.PReLU(shared_axes=[1, 2]).weights] == []
    shared = L.PReLU(shared_axes=[1, 2])
    shared(f64(X2))
    assert shared.alpha.shape == (1, 1, 3)


def test_softmax_masks_like_keras():
    x = f64([[1.0, 2.0, 3.0]])
    mask = wb.constant([[True, False, True]])
    got = L.Softmax()(x, mask=mask).numpy()
    e = np.exp([1.0, 3.0])
    np.testing.assert_allclose(got, [[e[0] / e.sum(), 0.0, e[1] / e.sum()]])
    both = L.Softmax(axis=[0, 1])(f64([[0.0, 0.0], [0.0, 0.0]])).numpy()
    np.testing.assert_allclose(both, np.full((2, 2), 0.25))


def test_masking_feeds_an_lstm():
    x = X1.copy()
    x[0, 4:] = 0.0                                         # padding steps of the first row
    masking = L.Masking()
    np.testing.assert_array_equal(masking.compute_mask(f64(x)).numpy(), [[True] * 4 + [False] * 3, [True] * 7])
    inp = wb.keras.Input((7, 3), dtype="float64")
    lstm = L.LSTM(2)
    model = wb.keras.Model(inp, lstm(L.Masking()(inp)))
    got = model(f64(x)).numpy()
    np.testing.assert_allclose(got[0], lstm(f64(x[:1, :4])).numpy()[0], rtol=1e-10)
    np.testing.assert_allclose(got[1], lstm(f64(x[1:])).numpy()[0], rtol=1e-10)
    seq = wb.keras.Sequential([L.Masking(), lstm])
    np.testing.assert_allclose(seq(f64(x)).numpy(), got, rtol=1e-12)


def test_permute_repeat_identity():
    np.testing.assert_array_equal(L.Permute((2, 1))(f64(X1)).numpy(), X1.transpose(0, 2, 1))
    np.testing.assert_array_equal(L.RepeatVector(2)(f64(V)).numpy(), np.stack([V, V], axis=1))
    assert L.Identity()(f64(X1)).numpy().tolist() == X1.tolist()
    with pytest.raises(ValueError, match="permutation"):
        L.Permute((1, 3))


def test_merge_layers_follow_keras():
    a, b = X1, X1[::-1].copy()
    np.testing.assert_allclose(L.Subtract()([f64(a), f64(b)]).numpy(), a - b)
    np.testing.assert_allclose(L.Average()([f64(a), f64(b), f64(a)]).numpy(), (2 * a + b) / 3)
    np.testing.assert_allclose(L.Maximum()([f64(a), f64(b)]).numpy(), np.maximum(a, b))
    np.testing.assert_allclose(L.Minimum()([f64(a), f64(b)]).numpy(), np.minimum(a, b))
    # a lower-rank input gets axes after the batch axis
    np.testing.assert_allclose(L.Add()([f64(a), f64(a[:, 0])]).numpy(), a + a[:, :1])
    with pytest.raises(ValueError, match="exactly 2"):
        L.Subtract()([f64(a), f64(a), f64(a)])
    with pytest.raises(ValueError, match="incompatible shapes"):
        L.Add()([f64(a), f64(a[:, :2])])


def test_dot_follows_keras_batch_dot():
    x, y = _rng.standard_normal((2, 4)), _rng.standard_normal((2, 4))
    np.testing.assert_allclose(L.Dot(axes=1)([f64(x), f64(y)]).numpy(), (x * y).sum(1, keepdims=True))
    cos = L.Dot(axes=-1, normalize=True)([f64(x), f64(y)]).numpy()[:, 0]
    np.testing.assert_allclose(cos, (x * y).sum(1) / np.linalg.norm(x, axis=1) / np.linalg.norm(y, axis=1))
    p, q = _rng.standard_normal((2, 3, 4)), _rng.standard_normal((2, 5, 4))
    np.testing.assert_allclose(L.Dot(axes=2)([f64(p), f64(q)]).numpy(), np.einsum("bnd,bmd->bnm", p, q))
    r = _rng.standard_normal((2, 5, 3))
    np.testing.assert_allclose(L.Dot(axes=(1, 2))([f64(p), f64(r)]).numpy(), np.einsum("bnd,bmn->bdm", p, r))
    with pytest.raises(ValueError, match="batch axis"):
        L.Dot(axes=0)([f64(x), f64(y)])


def test_functional_merge_helpers():
    a, b = wb.keras.Input((3,), dtype="float64"), wb.keras.Input((3,), dtype="float64")
    outs = [L.add([a, b]), L.subtract([a, b]), L.multiply([a, b]), L.average([a, b]), L.maximum([a, b]),
            L.minimum([a, b]), L.concatenate([a, b]), L.dot([a, b], axes=1)]
    model = wb.keras.Model([a, b], outs)
    x, y = V[:, :3], V[:, 1:]
    got = [o.numpy() for o in model([f64(x), f64(y)])]
    want = [x + y, x - y, x * y, (x + y) / 2, np.maximum(x, y), np.minimum(x, y), np.concatenate([x, y], -1),
            (x * y).sum(1, keepdims=True)]
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w)
    assert [o.shape for o in outs][-2:] == [(None, 6), (None, 1)]


def test_concatenate_mask_is_any_over_the_last_axis():
    a, b = f64(np.ones((2, 3, 4))), f64(np.ones((2, 3, 4)))
    ma = wb.constant([[True, False, True], [False, False, True]])
    got = L.Concatenate(axis=1).compute_mask([a, b], [ma, None]).numpy()
    np.testing.assert_array_equal(got, [[True, False, True, True, True, True], [False, False, True, True, True, True]])
    last = L.Concatenate().compute_mask([a, b], [ma, None]).numpy()
    np.testing.assert_array_equal(last, np.ones((2, 3), bool))
    assert L.Add().compute_mask([a, b], [ma, wb.constant([[True] * 3, [True, False, True]])]).numpy().tolist() == \
        [[True, False, True], [False, False, True]]


def test_noise_layers_act_only_while_training():
    x = f64(np.ones((4, 5, 6)))
    for layer in (L.SpatialDropout1D(0.5), L.GaussianNoise(1.0), L.GaussianDropout(0.5)):
        np.testing.assert_array_equal(layer(x).numpy(), x.numpy())
        assert not np.array_equal(layer(x, training=True).numpy(), x.numpy())
    y = L.SpatialDropout1D(0.5, seed=0)(x, training=True).numpy()
    # whole channels: each (sample, channel) is all zeros or all 2 (scaled by 1 / (1 - rate))
    per_channel = y.transpose(0, 2, 1).reshape(24, 5)
    assert set(np.unique(per_channel)) <= {0.0, 2.0}
    assert all(len(set(row)) == 1 for row in per_channel.tolist())
    y2 = L.SpatialDropout2D(0.5, data_format="channels_first", seed=1)(f64(np.ones((3, 4, 5, 5))), training=True)
    assert all(len(set(m.ravel().tolist())) == 1 for m in y2.numpy().reshape(12, 25))
    layer = L.GaussianNoise(0.5, seed=2)
    first, second = layer(x, training=True).numpy(), layer(x, training=True).numpy()
    assert not np.array_equal(first, second)                 # a new draw each call
    np.testing.assert_array_equal(L.GaussianNoise(0.5, seed=2)(x, training=True).numpy(), first)
    big = L.GaussianDropout(0.2, seed=3)(f64(np.ones((200, 100))), training=True).numpy()
    assert abs(big.mean() - 1.0) < 0.02 and abs(big.std() - 0.5) < 0.02      # sqrt(0.2 / 0.8) = 0.5
    with pytest.raises(ValueError, match="GaussianDropout: rate"):
        L.GaussianDropout(1.0)
    with pytest.raises(ValueError, match="SpatialDropout2D: rate"):
        L.SpatialDropout2D(1.5)
    for bad in (-1.0, 5.0):
        with pytest.raises(ValueError, match="stddev"):
            L.GaussianNoise(bad)


def test_bad_arguments_name_the_argument():
    with pytest.raises(ValueError, match="padding"):
        L.Conv2D(2, 3, padding="causal")
    with pytest.raises(ValueError, match="data_format"):
        L.Conv1D(2, 3, data_format="NWC")
    with pytest.raises(ValueError, match="kernel_size"):
        L.Conv3D(2, (3, 3))
    with pytest.raises(ValueError, match="dilation_rate"):
        L.Conv2D(2, 3, strides=2, dilation_rate=2)
    with pytest.raises(ValueError, match="kernel_constraint"):
        L.Conv2D(2, 3, kernel_constraint="nonneg")
    with pytest.raises(ValueError, match="pool_size"):
        L.MaxPooling3D((2, 2))
    with pytest.raises(TypeError, match="size"):
        L.UpSampling1D("2")


# ---------------------------------------------------------------------------
# the wb.nn ops behind these layers


def _naive_conv(x, w, strides, dilations, pads):
    """Cross-correlation by loops over output positions and kernel taps (channels last)."""
    import itertools
    nd = w.ndim - 2
    xp = np.pad(x, [(0, 0)] + list(pads) + [(0, 0)])
    ks = w.shape[:nd]
    out = [(xp.shape[1 + i] - (ks[i] - 1) * dilations[i] - 1) // strides[i] + 1 for i in range(nd)]
    y = np.zeros((x.shape[0], *out, w.shape[-1]))
    for o in itertools.product(*map(range, out)):
        for t in itertools.product(*map(range, ks)):
            at = tuple(o[i] * strides[i] + t[i] * dilations[i] for i in range(nd))
            y[(slice(None),) + o] += xp[(slice(None),) + at] @ w[t]
    return y


def test_conv1d_and_conv3d_match_a_direct_sum():
    from workbench.ops.windows import same_pads
    x, w = _rng.standard_normal((2, 7, 5, 6, 3)), _rng.standard_normal((3, 2, 2, 3, 4))
    got = wb.nn.conv3d(f64(x), f64(w), [1, 2, 1, 2, 1], "SAME", dilations=[1, 1, 2]).numpy()
    pads = [same_pads(7, 3, 2, 1), same_pads(5, 2, 1, 1), same_pads(6, 2, 2, 2)]
    np.testing.assert_allclose(got, _naive_conv(x, w, (2, 1, 2), (1, 1, 2), pads), atol=1e-12)
    ncdhw = wb.nn.conv3d(f64(x.transpose(0, 4, 1, 2, 3)), f64(w), 1, "VALID", data_format="NCDHW").numpy()
    np.testing.assert_allclose(ncdhw.transpose(0, 2, 3, 4, 1), _naive_conv(x, w, (1,) * 3, (1,) * 3, [(0, 0)] * 3),
                               atol=1e-12)
    x1, w1 = _rng.standard_normal((2, 9, 3)), _rng.standard_normal((3, 3, 4))
    np.testing.assert_allclose(wb.nn.conv1d(f64(x1), f64(w1), 2, [[0, 0], [2, 1], [0, 0]], dilations=1).numpy(),
                               _naive_conv(x1, w1, (2,), (1,), [(2, 1)]), atol=1e-12)
    # conv1d is conv2d over a height of 1, as in TF
    np.testing.assert_allclose(wb.nn.conv1d(f64(x1), f64(w1), 2, "SAME").numpy(),
                               wb.nn.conv2d(f64(x1[:, None]), f64(w1[None]), [1, 2], "SAME").numpy()[:, 0])
    np.testing.assert_allclose(wb.nn.convolution(f64(x1), f64(w1), padding="SAME").numpy(),
                               wb.nn.conv1d(f64(x1), f64(w1), 1, "SAME").numpy())


def test_transposed_convolutions_are_input_gradients():
    for nd, fn in ((1, wb.nn.conv1d_transpose), (3, wb.nn.conv3d_transpose)):
        shape = (1,) + (5,) * nd + (2,)
        w = f64(_rng.standard_normal((3,) * nd + (2, 4)))
        z = wb.Variable(np.zeros(shape))
        with GradientTape() as tape:
            y = wb.nn.convolution(z, w, strides=2, padding="SAME")
        g = f64(_rng.standard_normal(y.shape))
        want = tape.gradient(y, z, output_gradients=g).numpy()
        np.testing.assert_allclose(fn(g, w, list(shape), 2, "SAME").numpy(), want, atol=1e-12)
        np.testing.assert_allclose(wb.nn.conv_transpose(g, w, list(shape), 2).numpy(), want, atol=1e-12)


def test_pooling_over_one_and_three_dims():
    x = _rng.standard_normal((2, 5, 6, 7, 3))
    got = wb.nn.max_pool3d(f64(x), [2, 3, 2], 2, "VALID").numpy()
    want = np.stack([np.stack([np.stack([x[:, i * 2:i * 2 + 2, j * 2:j * 2 + 3, k * 2:k * 2 + 2].max(axis=(1, 2, 3))
                                         for k in range(3)], 1) for j in range(2)], 1) for i in range(2)], 1)
    np.testing.assert_allclose(got, want)
    # SAME average pooling counts only the real elements of each window
    np.testing.assert_allclose(wb.nn.avg_pool1d(f64(np.arange(5.0).reshape(1, 5, 1)), 2, 2, "SAME").numpy().ravel(),
                               [0.5, 2.5, 4.0])
    assert wb.nn.max_pool(f64(x), 2, 2, "SAME").shape == (2, 3, 3, 4, 3)
    assert wb.nn.avg_pool(f64(x[:, 0]), 2, 1, "VALID", data_format="NCHW").shape == (2, 6, 6, 2)
    steps = x[:, :, 0, 0]
    shifted = np.pad(steps, [(0, 0), (1, 0), (0, 0)], constant_values=-np.inf)[:, :-1]   # padding is -inf
    np.testing.assert_allclose(wb.nn.max_pool1d(f64(steps), 2, 1, [[0, 0], [1, 0], [0, 0]]).numpy(),
                               np.maximum(shifted, steps))


def test_separable_conv2d_is_depthwise_then_pointwise():
    x, dw, pw = f64(X2), f64(_rng.standard_normal((3, 3, 3, 2))), f64(_rng.standard_normal((1, 1, 6, 4)))
    want = wb.nn.conv2d(wb.nn.depthwise_conv2d(x, dw, 1, "SAME"), pw, 1, "VALID")
    np.testing.assert_allclose(wb.nn.separable_conv2d(x, dw, pw, 1, "SAME").numpy(), want.numpy(), atol=1e-12)
    with pytest.raises(ValueError, match="pointwise_filter"):
        wb.nn.separable_conv2d(x, dw, f64(np.ones((1, 1, 5, 4))), 1, "SAME")


@pytest.mark.parametrize("call, error, match", [
    (lambda: wb.nn.conv1d(f64(X1), f64(np.ones((3, 3, 2))), 1, "SAME", data_format="NHWC"), ValueError,
     "conv1d: data_format must be 'NWC' or 'NCW'"),
    (lambda: wb.nn.conv3d(f64(X3), f64(np.ones((2, 2, 2, 2, 1))), [1, 1], "SAME"), ValueError,
     "conv3d: strides must be an int or a list of 1, 3 or 5 ints"),
    (lambda: wb.nn.conv3d(f64(X3), f64(np.ones((2, 2, 2, 3, 1))), 1, "SAME"), ValueError, "2 channels"),
    (lambda: wb.nn.conv1d(f64(X1), f64(np.ones((9, 3, 2))), 1, "VALID"), ValueError, "output would be empty"),
    (lambda: wb.nn.max_pool3d(f64(X3), 2, 2, [[0, 0]] * 5), ValueError,
     "max_pool3d: padding must be 'SAME' or 'VALID'"),
    (lambda: wb.nn.avg_pool1d(f64(X1), 2, 2, [[0, 0], [1, 1], [0, 0]]), ValueError, "avg_pool1d: padding"),
    (lambda: wb.nn.max_pool1d(f64(X2), 2, 2, "VALID"), ValueError, "max_pool1d: input must have rank 3"),
    (lambda: wb.nn.convolution(f64(X1), f64(np.ones((2,)))), ValueError,
     "convolution: filters must have rank 3, 4 or 5"),
    (lambda: wb.nn.conv1d_transpose(f64(X1), f64(np.ones((3, 2, 3))), [2, 9, 2], 1), ValueError, "does not fit"),
])
def test_bad_op_arguments_are_named(call, error, match):
    with pytest.raises(error, match=match):
        call()
