"""bfloat16 (ml_dtypes' NumPy dtype, as in TF and JAX): dtype, ops, printing and gradients.

Expected values are TF 2.21's (CPU), pinned here.
"""

import subprocess
import sys

import ml_dtypes
import numpy as np
import pytest

import workbench as wb

BF16 = np.dtype(ml_dtypes.bfloat16)


def bf(values):
    return wb.constant(values, wb.bfloat16)


def f32(t):
    return t.numpy().astype(np.float32)


# -- the dtype ----------------------------------------------------------------------------------

def test_dtype_properties_are_tfs():
    b = wb.bfloat16
    assert str(b) == "<dtype: 'bfloat16'>" and repr(b) == "wb.bfloat16" and b.name == "bfloat16"
    assert b.is_floating and not (b.is_integer or b.is_complex or b.is_unsigned or b.is_bool or b.is_quantized)
    assert b.size == 2 and b.as_numpy_dtype is ml_dtypes.bfloat16 and b.as_datatype_enum == 14
    assert b.real_dtype is b and b.is_numpy_compatible
    assert type(b.max) is ml_dtypes.bfloat16 and repr(b.max) == "3.38953e+38" and float(b.min) == -float(b.max)
    with pytest.raises(ValueError, match="does not have defined limits"):
        b.limits   # TF's too


def test_dtype_names_and_equality():
    b = wb.bfloat16
    assert wb.as_dtype("bfloat16") is b and wb.as_dtype("tf.bfloat16") is b and wb.as_dtype(14) is b
    assert wb.dtypes.bfloat16 is b and wb.as_dtype(ml_dtypes.bfloat16) is b and wb.as_dtype(BF16) is b
    assert b == BF16 and b == "bfloat16" and b != wb.float16 and hash(b) == hash(BF16)
    assert np.dtype(b) == BF16 and np.zeros(2, b).dtype == BF16
    assert bf([1.0]).dtype is b


def test_float8_names_cast_as_tf():
    e4, e5 = wb.dtypes.float8_e4m3fn, wb.dtypes.float8_e5m2
    assert (e4.as_datatype_enum, e5.as_datatype_enum) == (25, 24)
    assert wb.as_dtype("float8_e4m3fn") is e4 and wb.as_dtype(24) is e5
    assert e4.is_floating and e5.is_floating and e4.size == 1
    assert (float(e4.max), float(e5.max), float(e4.min)) == (448.0, 57344.0, -448.0)
    x = wb.cast(wb.constant([1.3, 500.0, -3.1]), e5)
    assert x.dtype is e5 and repr(x) == ("<wb.Tensor: shape=(3,), dtype=float8_e5m2, "
                                         "numpy=array([1.25, 512, -3], dtype=dtype(float8_e5m2))>")
    np.testing.assert_array_equal(wb.cast(x, wb.float32).numpy(), [1.25, 512.0, -3.0])


def test_importing_workbench_does_not_import_ml_dtypes():
    # its import registers many ufunc loops (about a second); it is paid on first use only
    code = ("import sys, workbench as wb; assert 'ml_dtypes' not in sys.modules; "
            "wb.bfloat16; assert 'ml_dtypes' in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


# -- printing -----------------------------------------------------------------------------------

@pytest.mark.parametrize("value, rep, text", [
    (1.1, "<wb.Tensor: shape=(), dtype=bfloat16, numpy=1.1015625>", "wb.Tensor(1.10156, shape=(), dtype=bfloat16)"),
    (3.0, "<wb.Tensor: shape=(), dtype=bfloat16, numpy=3.0>", "wb.Tensor(3, shape=(), dtype=bfloat16)"),
    (1e10, "<wb.Tensor: shape=(), dtype=bfloat16, numpy=9999220736.0>",
     "wb.Tensor(9.99922e+09, shape=(), dtype=bfloat16)"),
    ([1.0, 2.0], "<wb.Tensor: shape=(2,), dtype=bfloat16, numpy=array([1, 2], dtype=dtype(bfloat16))>",
     "wb.Tensor([1 2], shape=(2,), dtype=bfloat16)"),
    ([[1.1, 2.2], [3.3, 1e-4]],
     "<wb.Tensor: shape=(2, 2), dtype=bfloat16, numpy=\narray([[1.10156, 2.20312],\n"
     "       [3.29688, 0.000100136]], dtype=dtype(bfloat16))>",
     "wb.Tensor(\n[[1.10156 2.20312]\n [3.29688 0.000100136]], shape=(2, 2), dtype=bfloat16)"),
    ([], "<wb.Tensor: shape=(0,), dtype=bfloat16, numpy=array([], dtype=dtype(bfloat16))>",
     "wb.Tensor([], shape=(0,), dtype=bfloat16)"),
])
def test_printing_is_tfs(value, rep, text):
    x = bf(value)
    assert repr(x) == rep and str(x) == text


def test_variable_repr():
    v = wb.Variable([1.1, 2.2], dtype=wb.bfloat16)
    assert repr(v) == ("<wb.Variable 'Variable:0' shape=(2,) dtype=bfloat16, "
                       "numpy=array([1.10156, 2.20312], dtype=dtype(bfloat16))>")


# -- ops: bfloat16 in, bfloat16 out, with TF's values --------------------------------------------

X = [0.3, -1.7, 2.5, 4.1, -0.2, 1.0]
Y = [1.1, 0.6, -2.2, 3.3, 0.9, -0.5]
P = [0.3, 1.7, 2.5, 4.1, 0.2, 1.0]
M = [[1.1, 2.2, 0.3], [3.3, -4.4, 0.7]]
N = [[0.5, 1.5], [-2.5, 3.0], [1.25, 0.1]]

# name: (function of the bfloat16 tensors x, y, p, m, n; TF 2.21's result, bit for bit)
OPS = {
    "add": (lambda x, y, p, m, n: x + y, [1.40625, -1.1015625, 0.296875, 7.375, 0.69921875, 0.5]),
    "mul": (lambda x, y, p, m, n: x * y, [0.33203125, -1.0234375, -5.5, 13.5, -0.1796875, -0.5]),
    "div": (lambda x, y, p, m, n: x / y, [0.2734375, -2.828125, -1.1328125, 1.2421875, -0.22265625, -2.0]),
    "pow": (lambda x, y, p, m, n: p ** y, [0.265625, 1.375, 0.1328125, 104.5, 0.2353515625, 1.0]),
    "add_python_float": (lambda x, y, p, m, n: x + 1.5, [1.796875, -0.203125, 4.0, 5.59375, 1.296875, 2.5]),
    "rsub_python_float": (lambda x, y, p, m, n: 2.0 - x, [1.703125, 3.703125, -0.5, -2.09375, 2.203125, 1.0]),
    "exp": (lambda x, y, p, m, n: wb.exp(x), [1.3515625, 0.181640625, 12.1875, 60.0, 0.8203125, 2.71875]),
    "sqrt": (lambda x, y, p, m, n: wb.sqrt(p), [0.546875, 1.3046875, 1.578125, 2.015625, 0.447265625, 1.0]),
    "tanh": (lambda x, y, p, m, n: wb.tanh(x), [0.29296875, -0.9375, 0.98828125, 1.0, -0.197265625, 0.76171875]),
    "square": (lambda x, y, p, m, n: wb.square(x), [0.09033203125, 2.90625, 6.25, 16.75, 0.0400390625, 1.0]),
    "maximum": (lambda x, y, p, m, n: wb.maximum(x, y), [1.1015625, 0.6015625, 2.5, 4.09375, 0.8984375, 1.0]),
    "erf": (lambda x, y, p, m, n: wb.math.erf(x), [0.330078125, -0.984375, 1.0, 1.0, -0.22265625, 0.84375]),
    "floordiv": (lambda x, y, p, m, n: x // y, [0.0, -3.0, -2.0, 1.0, -1.0, -2.0]),
    "floormod": (lambda x, y, p, m, n: wb.math.floormod(x, y),
                 [0.30078125, 0.1015625, -1.90625, 0.796875, 0.69921875, 0.0]),
    "where": (lambda x, y, p, m, n: wb.where(x > 0, x, y), [0.30078125, 0.6015625, 2.5, 4.09375, 0.8984375, 1.0]),
    "clip_by_value": (lambda x, y, p, m, n: wb.clip_by_value(x, -1.0, 1.0),
                      [0.30078125, -1.0, 1.0, 1.0, -0.2001953125, 1.0]),
    "cumsum": (lambda x, y, p, m, n: wb.cumsum(x), [0.30078125, -1.40625, 1.09375, 5.1875, 5.0, 6.0]),
    "l2_normalize": (lambda x, y, p, m, n: wb.math.l2_normalize(x),
                     [0.057861328125, -0.328125, 0.48046875, 0.7890625, -0.03857421875, 0.1923828125]),
    "norm": (lambda x, y, p, m, n: wb.norm(x), 5.1875),
    "reduce_sum_axis0": (lambda x, y, p, m, n: wb.reduce_sum(m, axis=0), [4.40625, -2.203125, 1.0]),
    "reduce_mean_axis1": (lambda x, y, p, m, n: wb.reduce_mean(m, axis=1), [1.203125, -0.13671875]),
    "reduce_max": (lambda x, y, p, m, n: wb.reduce_max(m), 3.296875),
    "reduce_prod": (lambda x, y, p, m, n: wb.reduce_prod(x), 1.0546875),
    "reduce_logsumexp": (lambda x, y, p, m, n: wb.reduce_logsumexp(m, 1), [2.59375, 3.375]),
    "segment_sum": (lambda x, y, p, m, n: wb.math.segment_sum(x, [0, 0, 1, 1, 2, 2]),
                    [-1.40625, 6.59375, 0.80078125]),
    "unsorted_segment_max": (lambda x, y, p, m, n: wb.math.unsorted_segment_max(x, [0, 1, 0, 1, 0, 1], 2),
                             [2.5, 4.09375]),
    "one_hot": (lambda x, y, p, m, n: wb.one_hot([0, 2], 3, dtype=wb.bfloat16), [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]),
    # products accumulate in float32 and round once to bfloat16, as TF's
    "matmul": (lambda x, y, p, m, n: wb.matmul(m, n), [[-4.59375, 8.3125], [13.5625, -8.1875]]),
    "einsum": (lambda x, y, p, m, n: wb.einsum("ij,jk->ik", m, n), [[-4.59375, 8.3125], [13.5625, -8.1875]]),
    "matvec": (lambda x, y, p, m, n: wb.linalg.matvec(m, bf([1.0, 2.0, 3.0])), [6.40625, -3.421875]),
    "cast_from_float64": (lambda x, y, p, m, n: wb.cast(wb.constant([1.00390625, 1.01171875, 3.14159], wb.float64),
                                                        wb.bfloat16), [1.0, 1.015625, 3.140625]),   # to nearest even
}


@pytest.mark.parametrize("name", sorted(OPS))
def test_op_values_and_dtype_are_tfs(name):
    fn, want = OPS[name]
    out = fn(bf(X), bf(Y), bf(P), bf(M), bf(N))
    assert out.dtype is wb.bfloat16
    np.testing.assert_array_equal(f32(out), np.array(want, np.float32))


def test_sums_accumulate_in_float32():
    # a bfloat16 running sum of 1000 terms stalls (NumPy's own loop gives 131072); TF's kernels add
    # in float32 and round once
    x = wb.cast(wb.range(1000, dtype=wb.float32) / 3.0, wb.bfloat16)
    assert float(wb.reduce_sum(x)) == 166912.0 and float(wb.reduce_mean(x)) == 166.0


def test_softmax_and_cross_entropy_compute_in_float32():
    # TF's kernels compute these in float32 and round once; step by step in bfloat16 the smallest
    # softmax entry would come out 0.000425 instead of 0.0004196
    m = bf(M)
    out = wb.nn.softmax(m)
    assert out.dtype is wb.bfloat16
    np.testing.assert_array_equal(f32(out), [[0.224609375, 0.67578125, 0.1005859375],
                                             [0.9296875, 0.00041961669921875, 0.0693359375]])
    xent = wb.nn.softmax_cross_entropy_with_logits(bf([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]), m)
    assert xent.dtype is wb.bfloat16
    np.testing.assert_array_equal(f32(xent), [0.392578125, 0.072265625])


def test_conv_and_pool_stay_bfloat16():
    img = wb.cast(wb.reshape(wb.range(32, dtype=wb.float32) / 7.0, [1, 4, 4, 2]), wb.bfloat16)
    w = wb.cast(wb.reshape(wb.range(16, dtype=wb.float32) / 9.0 - 0.5, [2, 2, 2, 2]), wb.bfloat16)
    out = wb.nn.conv2d(img, w, 1, "SAME")
    assert out.dtype is wb.bfloat16
    np.testing.assert_array_equal(f32(out)[0, :2], [[[4.09375, 4.78125], [4.71875, 5.6875], [5.34375, 6.5625],
                                                     [1.375, 2.046875]],
                                                    [[6.625, 8.375], [7.28125, 9.25], [7.875, 10.125],
                                                     [1.625, 2.8125]]])
    pool = wb.nn.max_pool2d(img, 2, 2, "VALID")
    assert pool.dtype is wb.bfloat16
    np.testing.assert_array_equal(f32(pool), [[[[1.4296875, 1.5703125], [2.0, 2.140625]],
                                               [[3.71875, 3.859375], [4.28125, 4.4375]]]])


def test_comparisons_casts_and_indices():
    x, y = bf(X), bf(Y)
    np.testing.assert_array_equal((x > y).numpy(), [False, False, True, True, False, True])
    np.testing.assert_array_equal((x <= 1.0).numpy(), [True, True, False, False, True, True])
    np.testing.assert_array_equal(wb.cast(x, wb.int32).numpy(), [0, -1, 2, 4, 0, 1])
    assert wb.argmax(x).numpy() == 3 and wb.argmax(x).dtype is wb.int64
    assert wb.cast(x, wb.float32).dtype is wb.float32


def test_empty_max_and_min_are_infinities():
    e = wb.zeros([0], wb.bfloat16)
    assert float(wb.reduce_max(e)) == -np.inf and float(wb.reduce_min(e)) == np.inf
    assert wb.reduce_max(e).dtype is wb.bfloat16


def test_mixing_with_float32_is_refused():
    with pytest.raises(TypeError, match="bfloat16.*float32|float32.*bfloat16"):
        bf(X) + wb.constant(1.0)


# -- gradients and variables --------------------------------------------------------------------

def test_gradient_through_cast_to_bfloat16_is_float32():
    # TF: the float32 source gets a float32 gradient, the bfloat16 one rounded through the cast
    x = wb.Variable([0.3, -1.7, 2.5, 1.23456], dtype=wb.float32)
    with wb.GradientTape() as tape:
        y = wb.cast(x, wb.bfloat16)
        z = wb.reduce_sum(y * y * wb.constant(1.1, wb.bfloat16))
    g = tape.gradient(z, x)
    assert float(z) == 11.875 and g.dtype is wb.float32
    np.testing.assert_array_equal(g.numpy(), [0.6640625, -3.75, 5.5, 2.71875])


def test_gradient_from_float32_loss_into_bfloat16_and_back():
    x = wb.constant([1.001, 2.003, -3.007])
    with wb.GradientTape() as tape:
        tape.watch(x)
        y = wb.cast(wb.cast(x, wb.bfloat16) * wb.constant(3.0, wb.bfloat16), wb.float32)
        z = wb.reduce_sum(y * wb.constant([1.01, 1.003, 7.0001]))
    np.testing.assert_array_equal(tape.gradient(z, x).numpy(), [3.03125, 3.0, 21.0])


def test_bfloat16_variables_are_watched_and_get_bfloat16_gradients():
    v = wb.Variable([0.3, -1.7, 2.5], dtype=wb.bfloat16)
    with wb.GradientTape() as tape:
        loss = wb.reduce_sum(wb.exp(v) * v)
    g = tape.gradient(loss, v)
    assert g.dtype is wb.bfloat16
    np.testing.assert_array_equal(f32(g), [1.7578125, -0.126953125, 42.75])
    w = wb.Variable([[0.5, -0.25], [1.5, 2.0], [0.1, 0.2]], dtype=wb.bfloat16)
    with wb.GradientTape() as tape:
        out = wb.reduce_sum(wb.nn.relu(wb.matmul(bf([[1.1, 2.2, 3.3]]), w)))
    g = tape.gradient(out, w)
    assert g.dtype is wb.bfloat16
    np.testing.assert_array_equal(f32(g), [[1.1015625] * 2, [2.203125] * 2, [3.296875] * 2])


def test_variable_assign_rounds_to_bfloat16():
    v = wb.Variable([0.3, -1.7, 2.5], dtype=wb.bfloat16)
    v.assign([1.0, 2.0, 3.14159])
    assert v.dtype is wb.bfloat16
    np.testing.assert_array_equal(f32(v), [1.0, 2.0, 3.140625])
    v.assign_add(bf([0.1, 0.1, 0.1]))
    np.testing.assert_array_equal(f32(v), [1.1015625, 2.09375, 3.234375])


# -- Keras: "mixed_bfloat16" and "bfloat16" policies, floatx ------------------------------------

keras = wb.keras
XK = np.array([[1.1, 2.2, 3.3], [0.5, -0.25, 4.0]], np.float32)


@pytest.fixture
def keras_state():
    floatx, policy = keras.config.floatx(), keras.config.dtype_policy()
    yield
    keras.config.set_floatx(floatx)
    keras.config.set_dtype_policy(policy)


def test_policies_are_keras():
    p = keras.DTypePolicy("mixed_bfloat16")
    assert (p.name, p.compute_dtype, p.variable_dtype, p.is_mixed) == ("mixed_bfloat16", "bfloat16", "float32", True)
    p = keras.mixed_precision.Policy("bfloat16")
    assert (p.compute_dtype, p.variable_dtype) == ("bfloat16", "bfloat16")
    with pytest.raises(ValueError, match="Valid policies include 'mixed_float16', 'mixed_bfloat16', and"):
        keras.DTypePolicy("mixed_float8")
    with pytest.raises(ValueError, match="Unknown `floatx` value: float8_e4m3fn"):
        keras.config.set_floatx("float8_e4m3fn")


def test_mixed_bfloat16_dense_computes_in_bfloat16_with_float32_weights(keras_state):
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    layer = keras.layers.Dense(2, kernel_initializer="ones")
    y = layer(XK)
    assert y.dtype is wb.bfloat16 and layer.kernel.dtype is wb.float32
    np.testing.assert_array_equal(f32(y), [[6.59375, 6.59375], [4.25, 4.25]])   # TF 2.21 / Keras 3.15
    norm = keras.layers.BatchNormalization()
    out = norm(XK, training=True)   # computed in float32 (Keras upcasts), given in bfloat16
    assert out.dtype is wb.bfloat16 and all(w.dtype is wb.float32 for w in norm.weights)
    np.testing.assert_array_equal(f32(out), [[0.99609375, 1.0, -0.99609375], [-0.99609375, -1.0, 0.99609375]])


def test_mixed_bfloat16_model_trains_without_loss_scaling(keras_state):
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.compile(optimizer="sgd", loss="mse")
    assert type(model.optimizer).__name__ == "SGD"   # Keras wraps only mixed_float16's optimizer
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3)).astype(np.float32)
    t = x @ np.array([[1.0, 2.0], [0.5, -1.0], [0.3, 0.2]], np.float32)
    loss = model.fit(x, t, epochs=4, verbose=0).history["loss"]
    assert loss[-1] < loss[0] and model.layers[-1].kernel.dtype is wb.float32
    assert model.predict(x[:2], verbose=0).dtype == BF16


def test_floatx_bfloat16_makes_bfloat16_layers(keras_state):
    keras.config.set_floatx("bfloat16")
    keras.backend.clear_session()
    assert keras.config.floatx() == "bfloat16"
    layer = keras.layers.Dense(2, kernel_initializer="ones")
    y = layer(XK)
    assert layer.dtype_policy == keras.DTypePolicy("bfloat16") and layer.kernel.dtype is wb.bfloat16
    np.testing.assert_array_equal(f32(y), [[6.59375, 6.59375], [4.25, 4.25]])
    keras.backend.clear_session()


# -- devices ------------------------------------------------------------------------------------

def test_gpu_placement_is_refused_by_name():
    # CuPy has no bfloat16: the error names the dtype before any GPU is needed
    from workbench import backend
    with pytest.raises(TypeError, match="dtype bfloat16 cannot be placed on gpu:0: CuPy has no bfloat16"):
        backend.move(np.zeros(2, BF16), backend.Device("gpu:0"))
    from workbench.ops.elementwise import _cast_fwd

    class FakeCupy:   # the forward sees an array module other than NumPy
        pass
    with pytest.raises(TypeError, match="cast: dtype bfloat16 has no GPU arrays"):
        _cast_fwd(FakeCupy(), np.zeros(2, np.float32), BF16)


@pytest.mark.skipif(not wb.backend.gpu_available(), reason="needs a GPU")
def test_gpu_tensor_cast_to_bfloat16_raises():
    with wb.device("gpu:0"):
        x = wb.constant([1.0, 2.0])
        with pytest.raises(TypeError, match="cast: dtype bfloat16 has no GPU arrays"):
            wb.cast(x, wb.bfloat16)


# -- checkpoints, data, ragged, tnp -------------------------------------------------------------

def test_checkpoint_saves_and_restores_bfloat16_bits(tmp_path):
    v = wb.Variable([1.1, 2.2, 3.3, -1e30], dtype=wb.bfloat16)
    ckpt = wb.train.Checkpoint(v=v)
    path = ckpt.save(str(tmp_path / "ckpt"))
    saved = v.numpy().copy()
    v.assign([0.0, 0.0, 0.0, 0.0])
    ckpt.restore(path)
    assert v.dtype is wb.bfloat16
    np.testing.assert_array_equal(v.numpy().view(np.uint16), saved.view(np.uint16))
    value = wb.train.load_variable(path, "v/.ATTRIBUTES/VARIABLE_VALUE")
    assert value.dtype == BF16 and np.array_equal(value.view(np.uint16), saved.view(np.uint16))
    assert dict(wb.train.list_variables(path))["v/.ATTRIBUTES/VARIABLE_VALUE"] == [4]


def test_saved_model_round_trip(tmp_path):
    # the functions are ONNX graphs; onnxruntime's CPU provider has no bfloat16 arithmetic, so the
    # export is checked by the workbench's own ONNX interpreter, which also serves the loaded model
    m = wb.Module()
    m.v = wb.Variable([1.1, 2.2], dtype=wb.bfloat16)
    m.f = wb.function(lambda x: wb.reduce_sum(wb.matmul(x[None], wb.reshape(m.v, [2, 1])) * 1.5) + wb.exp(x),
                      input_signature=[wb.TensorSpec([2], wb.bfloat16)])
    m.g = wb.function(lambda x: wb.cast(wb.cast(x, wb.bfloat16) * 3.0, wb.float32),
                      input_signature=[wb.TensorSpec([3], wb.float32)])
    x = bf([2.0, 3.0])
    want = m.f(x)
    wb.saved_model.save(m, str(tmp_path / "sm"))
    loaded = wb.saved_model.load(str(tmp_path / "sm"))
    assert loaded.v.dtype is wb.bfloat16
    np.testing.assert_array_equal(loaded.v.numpy().view(np.uint16), m.v.numpy().view(np.uint16))
    got = loaded.f(x)
    assert got.dtype is wb.bfloat16 and f32(got).tolist() == f32(want).tolist() == [20.625, 33.5]
    np.testing.assert_array_equal(loaded.g(wb.constant([1.001, 2.003, -3.007])).numpy(), [3.0, 6.0, -9.0])


def test_ragged_tensors_of_bfloat16():
    import ragged
    r = ragged.constant([[1.1, 2.2], [3.3]], dtype=wb.bfloat16)
    assert r.dtype is wb.bfloat16 and r.flat_values.dtype is wb.bfloat16 and r.row_splits.dtype is wb.int64
    assert r.to_list() == [[1.1015625, 2.203125], [3.296875]]
    for got, want in ((wb.reduce_sum(r, axis=1), [3.3125, 3.296875]),
                      (wb.reduce_mean(r, axis=1), [1.65625, 3.296875]),
                      ((r * 2.0).flat_values, [2.203125, 4.40625, 6.59375]),
                      (wb.nn.softmax(r).flat_values, [0.25, 0.75390625, 1.0]),
                      (r.to_tensor(), [[1.1015625, 2.203125], [3.296875, 0.0]])):
        assert got.dtype is wb.bfloat16
        np.testing.assert_array_equal(f32(got), want)
    fv = bf([1.1, 2.2, 3.3])
    with wb.GradientTape() as tape:
        tape.watch(fv)
        rr = ragged.RaggedTensor.from_row_splits(fv, [0, 2, 3])
        s = wb.reduce_sum(wb.reduce_sum(rr * rr, axis=1))
    g = tape.gradient(s, fv)
    assert g.dtype is wb.bfloat16 and f32(g).tolist() == [2.203125, 4.40625, 6.59375]


def test_dataset_of_bfloat16():
    ds = wb.data.Dataset.from_tensor_slices(bf([[1.1, 2.2], [3.3, 4.4], [5.5, 6.6]]))
    assert ds.element_spec == wb.TensorSpec([2], wb.bfloat16)
    batches = list(ds.batch(2))
    assert all(b.dtype is wb.bfloat16 for b in batches)
    assert [f32(b).tolist() for b in batches] == [[[1.1015625, 2.203125], [3.296875, 4.40625]], [[5.5, 6.59375]]]
    assert [f32(x).tolist() for x in ds.map(lambda x: x * 2.0)] == [[2.203125, 4.40625], [6.59375, 8.8125],
                                                                     [11.0, 13.1875]]
    assert [a.dtype for a in wb.data.Dataset.from_tensor_slices(np.ones((2, 2), BF16)).as_numpy_iterator()] == [BF16] * 2


def test_tnp_of_bfloat16():
    from workbench.experimental import numpy as tnp
    a = tnp.asarray([1.1, 2.2], dtype=wb.bfloat16)
    assert a.dtype is wb.bfloat16 and f32(a + 1.0).tolist() == [2.09375, 3.203125]
    assert float(tnp.sum(a)) == 3.3125 and tnp.sum(a).dtype is wb.bfloat16


# -- random draws and Keras initializers --------------------------------------------------------

def test_random_uniform_draws_tfs_bfloat16_grid():
    # TF draws bfloat16 uniforms from 7 random mantissa bits: multiples of 2**-7 in [0, 1)
    u = f32(wb.random.uniform([20000], dtype=wb.bfloat16, seed=3))
    assert u.min() >= 0.0 and u.max() < 1.0 and np.all(u * 128 == np.floor(u * 128))
    assert len(np.unique(u)) == 128 and abs(u.mean() - 127 / 256) < 0.01
    s = wb.random.stateless_uniform([4], [1, 2], minval=2.0, maxval=5.0, dtype=wb.bfloat16)
    assert s.dtype is wb.bfloat16 and np.all((f32(s) >= 2.0) & (f32(s) < 5.0))


def test_random_normal_of_bfloat16():
    z = wb.random.Generator.from_seed(4).normal([20000], dtype=wb.bfloat16)
    assert z.dtype is wb.bfloat16
    assert abs(f32(z).mean()) < 0.03 and abs(f32(z).std() - 1.0) < 0.03
    t = f32(wb.random.truncated_normal([5000], dtype=wb.bfloat16, seed=1))
    assert np.abs(t).max() <= 2.0


def test_bfloat16_policy_layers_get_default_initializers(keras_state):
    layer = keras.layers.Dense(3, dtype="bfloat16")
    y = layer(XK)
    assert layer.kernel.dtype is wb.bfloat16 and layer.bias.dtype is wb.bfloat16 and y.dtype is wb.bfloat16
    limit = np.sqrt(6.0 / (3 + 3))   # glorot_uniform
    assert np.all(np.abs(f32(layer.kernel)) <= limit) and np.all(f32(layer.bias) == 0)


def test_set_floatx_bfloat16_in_a_fresh_process():
    # NumPy knows the name "bfloat16" only once ml_dtypes is imported; set_floatx imports it
    code = ("import numpy as np, workbench as wb; wb.keras.config.set_floatx('bfloat16'); "
            "l = wb.keras.layers.Dense(2); y = l(np.ones((1, 3), np.float32)); "
            "assert l.kernel.dtype == wb.bfloat16 and y.dtype == wb.bfloat16")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_keras_files_keep_bfloat16_weights_as_keras_does(tmp_path, keras_state):
    h5py = pytest.importorskip("h5py")
    init = keras.initializers.Constant([[1.5, 2.5], [3.5, -1.25], [0.75, 0.5]])
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, dtype="bfloat16", kernel_initializer=init,
                                                                    bias_initializer="ones")])
    path = str(tmp_path / "m.weights.h5")
    model.save_weights(path)
    with h5py.File(path, "r") as f:   # Keras 3's layout: opaque 2-byte values marked dtype=bfloat16
        kernel = f["layers/dense/vars/0"]
        assert kernel.dtype == np.dtype("V2") and kernel.attrs["dtype"] == "bfloat16"
    other = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, dtype="bfloat16")])
    other.load_weights(path)
    assert other.layers[0].kernel.dtype is wb.bfloat16
    np.testing.assert_array_equal(f32(other.layers[0].kernel), [[1.5, 2.5], [3.5, -1.25], [0.75, 0.5]])
    model.save(str(tmp_path / "m.keras"))
    loaded = keras.saving.load_model(str(tmp_path / "m.keras"))
    np.testing.assert_array_equal(f32(loaded.layers[0].bias), [1.0, 1.0])
    assert loaded.layers[0].dtype_policy == keras.DTypePolicy("bfloat16")


# -- TensorProto, saturate_cast, bitcast ----------------------------------------------------------

def test_tensor_proto_bytes_are_tfs():
    p = wb.make_tensor_proto(bf([1.5, 2.25]))
    assert p.SerializeToString().hex() == "080e1204120208022204c03f1040"   # TF 2.21's bytes
    p = wb.make_tensor_proto([1.5, 2.25, 3.0, 4.0, 5.0], dtype=wb.bfloat16)
    assert p.SerializeToString().hex() == "080e120412020805220ac03f104040408040a040"
    p = wb.make_tensor_proto(1.5, dtype=wb.bfloat16, shape=[3])
    assert list(p.half_val) == [16320]
    back = wb.make_ndarray(p)
    assert back.dtype == BF16 and back.astype(np.float32).tolist() == [1.5, 1.5, 1.5]


def test_saturate_cast_clamps_to_bfloat16_range():
    big = float(wb.bfloat16.max)
    for src in (wb.float64, wb.float32):
        out = wb.dtypes.saturate_cast(wb.constant([1e39, -1e39, 3.0], src), wb.bfloat16)
        assert out.dtype is wb.bfloat16 and f32(out).tolist() == [big, -big, 3.0]
    np.testing.assert_array_equal(wb.dtypes.saturate_cast(bf([3e38, 1.0]), wb.float16).numpy(), [65280.0, 1.0])
    np.testing.assert_array_equal(wb.dtypes.saturate_cast(bf([3e38, -300.0, 1.0]), wb.uint8).numpy(), [255, 0, 1])


def test_bitcast_as_tf():
    assert f32(wb.bitcast(wb.constant([16256, 49184], wb.uint16), wb.bfloat16)).tolist() == [1.0, -2.5]
    np.testing.assert_array_equal(wb.bitcast(bf([1.0, -2.5]), wb.int16).numpy(), [16256, -16352])
    assert f32(wb.bitcast(wb.constant([1.0]), wb.bfloat16)).tolist() == [[0.0, 1.0]]


def test_numpy_operands_and_assignments_take_the_tensors_dtype():
    # TF casts a NumPy operand to the tensor's dtype; a float32 tensor is refused
    x = bf([1.0])
    assert f32(x + np.array([2.0], np.float32)).tolist() == [3.0] and (x + np.float64(2.0)).dtype is wb.bfloat16
    v = wb.Variable([1.0, 2.0], dtype=wb.bfloat16)
    v.assign(np.array([1.5, 2.5], np.float32))
    assert v.dtype is wb.bfloat16 and f32(v).tolist() == [1.5, 2.5]
    with pytest.raises(TypeError, match="bfloat16"):
        v.assign(wb.constant([1.0, 2.0]))


def test_cast_to_integers_goes_through_float_as_tf():
    out = wb.cast(bf([float("nan"), 1e20, -1e20, -2.75, 300.0]), wb.int32)
    np.testing.assert_array_equal(out.numpy(), [-2**31, -2**31, -2**31, -2, 300])   # TF 2.21 on x86


def test_float8_e4m3fn_is_cast_only_as_tf():
    e4 = wb.dtypes.float8_e4m3fn
    x = wb.cast(wb.constant([1.3, 300.0]), e4)
    assert f32(wb.cast(x, wb.bfloat16)).tolist() == [1.25, 288.0]
    with pytest.raises(TypeError, match="float8_e4m3fn"):
        x * x


# -- golden cases of the gradient and ragged suites, in bfloat16 ---------------------------------

def test_float_predicates_on_bfloat16():
    x = bf([1.0, np.nan, np.inf, -np.inf])
    assert wb.math.is_finite(x).numpy().tolist() == [True, False, False, False]
    assert wb.math.is_nan(x).numpy().tolist() == [False, True, False, False]
    assert wb.math.is_inf(x).numpy().tolist() == [False, False, True, True]


def test_sigmoid_second_derivative_and_forward_mode():
    x = bf([1.0, -2.0])
    with wb.GradientTape() as outer:
        outer.watch(x)
        with wb.GradientTape() as inner:
            inner.watch(x)
            y = wb.sigmoid(x)
        g = inner.gradient(y, x, output_gradients=bf([0.25, 0.5]))
        s = wb.reduce_sum(g * bf([0.75, 1.0]))
    gg = outer.gradient(s, x)
    assert g.dtype is wb.bfloat16 and gg.dtype is wb.bfloat16
    assert f32(g).tolist() == [0.04931640625, 0.052490234375]   # TF 2.21
    # TF's bfloat16 SigmoidGrad kernel rounds its steps its own way: within one bfloat16 ulp of its
    # [-0.0169677734375, 0.0400390625]
    np.testing.assert_allclose(f32(gg), [-0.0169677734375, 0.0400390625], rtol=2 ** -7)
    with wb.autodiff.ForwardAccumulator(x, bf([0.5, 0.75])) as acc:
        y = wb.sigmoid(x)
        z = wb.exp(x) * x
    assert acc.jvp(y).dtype is wb.bfloat16
    assert f32(acc.jvp(y)).tolist() == [0.0986328125, 0.0791015625]
    assert f32(acc.jvp(z)).tolist() == [2.71875, -0.1015625]


@pytest.mark.parametrize("fn, want", [
    (wb.tanh, [0.9140625, 0.12109375, 0.0234375]),
    (wb.exp, [1.3515625, 5.5, 12.1875]),
    (lambda v: wb.math.log(v * v), [6.65625, 1.171875, 0.80078125]),
    (lambda v: wb.reduce_mean(v * v), [0.201171875, 1.140625, 1.671875]),
    (wb.nn.relu, [1.0, 1.0, 1.0]),
    (wb.square, [0.6015625, 3.40625, 5.0]),
    (lambda v: v / 3.0, [0.333984375, 0.333984375, 0.333984375]),
    (wb.math.rsqrt, [-3.0625, -0.224609375, -0.126953125]),
])
def test_first_derivatives_are_tfs(fn, want):
    v = bf([0.3, 1.7, 2.5])
    with wb.GradientTape() as tape:
        tape.watch(v)
        y = fn(v)
    g = tape.gradient(y, v)
    assert g.dtype is wb.bfloat16 and f32(g).tolist() == want


def test_strings_format_bfloat16_as_tf():
    import ragged
    assert wb.strings.format("{}", ragged.constant([[1, 2], [3]], dtype=wb.bfloat16)).numpy() == \
        b"[[1.000000, 2.000000], [3.000000]]"
    assert wb.strings.format("{}", bf([1.1, 2.2])).numpy() == b"[1.1015625 2.203125]"
    assert wb.strings.as_string(bf([1.1, 2.2])).numpy().tolist() == [b"1.101562", b"2.203125"]


def _train_steps(step_of, n=3):
    x = wb.cast(wb.reshape(wb.range(4096, dtype=wb.float32) / 1000.0, [64, 64]), wb.bfloat16)
    w = wb.Variable(wb.cast(wb.ones([64, 8]) * 0.01, wb.bfloat16))

    def step(x):
        with wb.GradientTape() as tape:
            h = wb.tanh(wb.matmul(x, w)) * 2.0 + 1.0
            loss = wb.reduce_mean(wb.exp(-h) * h)
        g = tape.gradient(loss, w)
        w.assign_sub(g * 0.1)
        return loss, g
    step = step_of(step)
    out = []
    for _ in range(n):
        loss, g = step(x)
        assert loss.dtype is wb.bfloat16 and g.dtype is wb.bfloat16
        out.append((float(loss), float(f32(g).sum())))
    return out


@pytest.mark.parametrize("step_of", [lambda f: f, wb.function], ids=["eager", "function"])
def test_training_steps_match_tf_bit_for_bit(step_of):
    # TF 2.21: losses 0.210938, 0.204102, 0.200195 and these gradient sums, eager and in tf.function
    got = _train_steps(step_of)
    np.testing.assert_array_equal([loss for loss, _ in got], np.array([0.210938, 0.204102, 0.200195], BF16)
                                  .astype(np.float32))
    np.testing.assert_array_equal([g for _, g in got], np.array([-5.9174805, -4.847168, -4.161621], np.float32))


@pytest.mark.parametrize("policy, want", [
    ("mixed_bfloat16", [[-1.2265625, 0.0, 1.2265625], [-0.494140625, -0.8984375, 1.3984375]]),
    ("mixed_float16", [[-1.2236328125, 0.0, 1.2236328125], [-0.494873046875, -0.89990234375, 1.39453125]]),
])
@pytest.mark.parametrize("make", [lambda: keras.layers.LayerNormalization(),
                                  lambda: keras.layers.GroupNormalization(groups=1)], ids=["layer", "group"])
def test_layer_and_group_normalization_take_float_inputs_as_they_come(keras_state, policy, want, make):
    # Keras 3 makes these layers with autocast=False: a float32 input is normalized in float32 and
    # only the result is cast (rounding the input to bfloat16 first would give 0.0029 for the 0)
    keras.mixed_precision.set_global_policy(policy)
    y = make()(XK)
    assert y.dtype.name == policy.removeprefix("mixed_")
    np.testing.assert_array_equal(y.numpy().astype(np.float32), want)   # TF 2.21 / Keras 3.15


def test_convolution_gradients_and_pools_accumulate_in_float32():
    # TF 2.21's values, bit for bit: conv2d's input and filter gradients, avg_pool, depthwise_conv2d
    # and conv2d_transpose all sum in float32 and round once
    img = wb.cast(wb.reshape(wb.range(32, dtype=wb.float32) / 7.0, [1, 4, 4, 2]), wb.bfloat16)
    w = wb.cast(wb.reshape(wb.range(16, dtype=wb.float32) / 9.0 - 0.5, [2, 2, 2, 2]), wb.bfloat16)
    with wb.GradientTape() as tape:
        tape.watch([img, w])
        y = wb.reduce_sum(wb.nn.conv2d(img, w, 1, "SAME") * img[..., :1])
    gi, gw = tape.gradient(y, [img, w])
    assert gi.dtype is wb.bfloat16 and gw.dtype is wb.bfloat16
    assert f32(gi).ravel()[:8].tolist() == [8.875, 0.0, 10.125, -0.126953125, 11.375, -0.126953125, 2.65625,
                                            -0.126953125]
    assert f32(gw).ravel().tolist() == [101.0, 101.0, 106.0, 106.0, 75.0, 75.0, 78.5, 78.5, 62.75, 62.75, 65.5,
                                        65.5, 45.0, 45.0, 47.0, 47.0]
    assert f32(wb.nn.avg_pool2d(img, 2, 2, "VALID")).ravel().tolist() == [0.71484375, 0.859375, 1.28125, 1.4296875,
                                                                           3.0, 3.140625, 3.5625, 3.71875]
    d = wb.nn.depthwise_conv2d(img, wb.cast(wb.ones([2, 2, 2, 1]) * 0.25, wb.bfloat16), [1, 1, 1, 1], "VALID")
    assert f32(d).ravel()[:8].tolist() == [0.71484375, 0.859375, 1.0, 1.140625, 1.28125, 1.4296875, 1.859375, 2.0]
    k = wb.cast(wb.reshape(wb.range(24, dtype=wb.float32) / 23.0, [2, 2, 3, 2]), wb.bfloat16)
    ct = wb.nn.conv2d_transpose(img, k, [1, 8, 8, 3], 2)
    assert ct.dtype is wb.bfloat16
    assert f32(ct).ravel()[:8].tolist() == [0.006195068359375, 0.0186767578125, 0.031005859375, 0.04345703125,
                                            0.0556640625, 0.068359375, 0.0185546875, 0.08056640625]


def test_long_reductions_round_where_tf_rounds():
    # TF 2.21: reductions sum in float32 (and so logsumexp), while segment sums and cumsum add in
    # bfloat16 step by step (they stall at 65536 and 131072 here)
    x = wb.cast(wb.range(1000, dtype=wb.float32) / 3.0, wb.bfloat16)
    ids = wb.constant([0] * 600 + [1] * 400)
    for got, want in ((wb.reduce_logsumexp(x / 100.0), [9.0]),
                      (wb.reduce_sum(wb.reshape(x, [10, 100]), axis=1)[:3], [1648.0, 4992.0, 8320.0]),
                      (wb.math.reduce_variance(x), [9280.0]), (wb.norm(x), [6080.0]),
                      (wb.reduce_mean(wb.square(x - 100.0)), [13696.0]), (wb.tensordot(x, x, 1), [36962304.0]),
                      (wb.math.segment_sum(x, ids), [65536.0, 131072.0]),
                      (wb.math.unsorted_segment_sum(x, ids, 2), [65536.0, 131072.0]),
                      (wb.math.segment_mean(x, ids), [109.0, 328.0]), (wb.cumsum(x)[-1:], [131072.0])):
        assert got.dtype is wb.bfloat16
        assert f32(got).ravel().tolist() == want


def test_add_n_adds_in_tfs_order():
    # TF's AddN: the first n % 8 inputs, then groups of 8 summed and added; each addition rounds
    v = bf([0.333984375, 1.1])
    got = [float(wb.add_n([v] * k)[0]) for k in (2, 3, 8, 9, 10, 16, 17, 24, 50)]
    assert got == [0.66796875, 1.0, 2.65625, 2.984375, 3.328125, 5.3125, 5.625, 7.96875, 16.5]   # TF 2.21
    assert wb.add_n([v] * 50).dtype is wb.bfloat16
