"""ONNX export (``wb.onnx.export``, ``Model.export``): each covered layer and a few whole
models are written, checked by ``onnx.checker`` and run by onnxruntime against the
workbench, at batch sizes the export never traced."""

import numpy as np
import pytest

onnx = pytest.importorskip("onnx", reason="ONNX export needs the export extra: pip install "
                                          "'research-workbench[export]' (onnx, onnxruntime)")
ort = pytest.importorskip("onnxruntime", reason="ONNX export is checked with onnxruntime: pip install "
                                                "'research-workbench[export]'")

import workbench as wb  # noqa: E402
from workbench.onnx import ExportError, TensorSpec  # noqa: E402

L = wb.keras.layers
ATOL = 1e-5


def run_onnx(path, arrays):
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    names = [i.name for i in sess.get_inputs()]
    return sess.run(None, dict(zip(names, arrays)))


def check(model, shape, path, dtype="float32", batches=(1, 7), low=0, high=2):
    """Export ``model`` for inputs ``[None, *shape]``, then compare onnxruntime with the
    workbench at other batch sizes; returns the ExportResult."""
    result = wb.onnx.export(model, [TensorSpec((None,) + tuple(shape), dtype)], path)
    assert result.max_abs_diff is not None and result.max_abs_diff <= ATOL
    proto = onnx.load(str(path))
    onnx.checker.check_model(proto, full_check=True)
    assert proto.opset_import[0].version == 17
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    rng = np.random.default_rng(1)
    for batch in batches:
        if np.dtype(dtype).kind == "f":
            x = rng.standard_normal((batch,) + tuple(shape)).astype(dtype)
        else:
            x = rng.integers(low, high, (batch,) + tuple(shape)).astype(dtype)
        (got,) = run_onnx(path, [x])
        want = model(wb.constant(x), training=False).numpy()
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, atol=ATOL, rtol=ATOL)
    return result


def seq(*layers):
    return wb.keras.Sequential(list(layers))


LAYERS = {
    "dense_relu": (lambda: seq(L.Dense(5, activation="relu")), (4,)),
    "dense_3d_input": (lambda: seq(L.Dense(3)), (2, 4)),
    "einsum_dense": (lambda: seq(L.EinsumDense("abc,cd->abd", output_shape=(None, 3), bias_axes="d")), (2, 4)),
    "conv1d": (lambda: seq(L.Conv1D(4, 3, strides=2, padding="same")), (9, 3)),
    "conv1d_dilated_causal": (lambda: seq(L.Conv1D(4, 2, dilation_rate=2, padding="causal")), (8, 3)),
    "conv2d": (lambda: seq(L.Conv2D(4, 3, padding="valid", activation="tanh")), (6, 6, 2)),
    "conv2d_strided_same": (lambda: seq(L.Conv2D(3, (3, 2), strides=2, padding="same")), (7, 6, 2)),
    "conv3d": (lambda: seq(L.Conv3D(2, 2, padding="same")), (4, 4, 4, 2)),
    "conv1d_transpose": (lambda: seq(L.Conv1DTranspose(3, 3, strides=2, padding="same")), (5, 2)),
    "conv2d_transpose": (lambda: seq(L.Conv2DTranspose(3, 3, strides=2, padding="valid")), (4, 4, 2)),
    "conv2d_transpose_same": (lambda: seq(L.Conv2DTranspose(3, 4, strides=2, padding="same")), (3, 3, 2)),
    "conv3d_transpose": (lambda: seq(L.Conv3DTranspose(2, 2, strides=2)), (2, 3, 2, 2)),
    "depthwise_conv2d": (lambda: seq(L.DepthwiseConv2D(3, depth_multiplier=2, padding="same")), (5, 5, 3)),
    "depthwise_conv1d": (lambda: seq(L.DepthwiseConv1D(3)), (6, 2)),
    "separable_conv2d": (lambda: seq(L.SeparableConv2D(4, 3)), (6, 6, 2)),
    "max_pool1d": (lambda: seq(L.MaxPooling1D(2)), (7, 3)),
    "max_pool2d_same": (lambda: seq(L.MaxPooling2D(3, strides=2, padding="same")), (7, 7, 2)),
    "max_pool3d": (lambda: seq(L.MaxPooling3D(2)), (4, 4, 4, 1)),
    "avg_pool1d_same": (lambda: seq(L.AveragePooling1D(3, strides=2, padding="same")), (8, 2)),
    "avg_pool2d": (lambda: seq(L.AveragePooling2D(2)), (6, 6, 2)),
    "avg_pool3d": (lambda: seq(L.AveragePooling3D(2, padding="same")), (3, 4, 4, 1)),
    "global_avg_pool2d": (lambda: seq(L.GlobalAveragePooling2D()), (4, 4, 3)),
    "global_max_pool1d": (lambda: seq(L.GlobalMaxPooling1D()), (5, 3)),
    "batch_norm": (lambda: seq(L.BatchNormalization()), (5,)),
    "layer_norm": (lambda: seq(L.LayerNormalization()), (3, 6)),
    "group_norm": (lambda: seq(L.GroupNormalization(groups=2)), (4, 6)),
    "unit_norm": (lambda: seq(L.UnitNormalization()), (6,)),
    "gelu": (lambda: seq(L.Activation("gelu")), (6,)),
    "gelu_tanh": (lambda: seq(L.Lambda(lambda x: wb.nn.gelu(x, approximate=True))), (6,)),
    "activations": (lambda: seq(L.Dense(6, activation="elu"), L.Activation("selu"), L.Activation("softplus"),
                                L.Activation("softsign"), L.Activation("swish"), L.Activation("sigmoid"),
                                L.LeakyReLU(0.2), L.Activation("relu6"), L.Activation("exponential"),
                                L.Activation("log_softmax")), (4,)),
    "prelu": (lambda: seq(L.PReLU()), (5,)),
    "softmax": (lambda: seq(L.Softmax(axis=1)), (3, 4)),
    "lstm": (lambda: seq(L.LSTM(4)), (5, 3)),
    "lstm_sequences": (lambda: seq(L.LSTM(3, return_sequences=True)), (4, 2)),
    "gru": (lambda: seq(L.GRU(4)), (5, 3)),
    "simple_rnn": (lambda: seq(L.SimpleRNN(4)), (5, 3)),
    "bidirectional_lstm": (lambda: seq(L.Bidirectional(L.LSTM(3))), (4, 2)),
    "reshape_flatten": (lambda: seq(L.Reshape((3, 4)), L.Permute((2, 1)), L.Flatten()), (12,)),
    "zero_padding_cropping": (lambda: seq(L.ZeroPadding2D(1), L.Cropping2D(((0, 1), (1, 0)))), (3, 3, 2)),
    "rescaling": (lambda: seq(L.Rescaling(1 / 255, offset=-1)), (4,)),
    "dropout_off": (lambda: seq(L.Dense(6), L.Dropout(0.5), L.SpatialDropout1D(0.3)), (3, 4)),
    "gaussian_noise_off": (lambda: seq(L.GaussianNoise(1.0)), (4,)),
}


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layer_exports_and_matches_onnxruntime(name, tmp_path):
    build, shape = LAYERS[name]
    model = build()
    model(wb.constant(np.zeros((2,) + shape, np.float32)))
    if name == "batch_norm":  # inference uses the moving statistics: make them matter
        bn = model.layers[0]
        bn.moving_mean.assign(np.linspace(-1, 1, 5).astype(np.float32))
        bn.moving_variance.assign(np.linspace(0.5, 2, 5).astype(np.float32))
    check(model, shape, tmp_path / f"{name}.onnx")


def test_embedding_with_integer_ids(tmp_path):
    model = seq(L.Embedding(50, 4))
    check(model, (6,), tmp_path / "emb.onnx", dtype="int64", high=50)


def test_masked_lstm_classifier(tmp_path):
    """An LSTM classifier on padded ids: Embedding(mask_zero) masks the recurrence."""
    model = seq(L.Embedding(20, 8, mask_zero=True), L.LSTM(6), L.Dense(3, activation="softmax"))
    model(wb.constant(np.ones((2, 7), np.int32)))
    result = check(model, (7,), tmp_path / "lstm.onnx", dtype="int32", high=20)
    padded = np.array([[3, 4, 0, 0, 0, 0, 0], [5, 6, 7, 8, 9, 1, 2]], np.int32)
    (got,) = run_onnx(result.path, [padded])
    np.testing.assert_allclose(got, model(wb.constant(padded)).numpy(), atol=ATOL)


def test_conv_net_with_batch_norm(tmp_path):
    model = seq(L.Conv2D(8, 3, padding="same", use_bias=False), L.BatchNormalization(), L.ReLU(),
                L.MaxPooling2D(2), L.Conv2D(8, 3), L.BatchNormalization(), L.Activation("relu"),
                L.GlobalAveragePooling2D(), L.Dropout(0.3), L.Dense(10))
    x = np.random.default_rng(0).standard_normal((16, 10, 10, 3)).astype(np.float32)
    model.compile(optimizer="adam", loss=wb.keras.losses.MeanSquaredError())
    model.fit(x, np.zeros((16, 10), np.float32), epochs=1, batch_size=8, verbose=0)  # moving stats move
    check(model, (10, 10, 3), tmp_path / "convnet.onnx")


def test_residual_functional_model_via_model_export(tmp_path):
    inp = wb.keras.Input((12,), name="features")
    h = L.Dense(16, activation="relu")(inp)
    r = L.Dense(16)(L.LayerNormalization()(h))
    h = L.Add()([h, r])
    h = L.Concatenate()([h, L.Dense(4, activation="gelu")(inp)])
    out = L.Dense(3, activation="softmax")(h)
    model = wb.keras.Model(inp, out)
    path = tmp_path / "residual.onnx"
    result = model.export(str(path), format="onnx")
    assert result.inputs == ["features"] and result.max_abs_diff <= ATOL
    x = np.random.default_rng(0).standard_normal((9, 12)).astype(np.float32)
    (got,) = run_onnx(path, [x])
    np.testing.assert_allclose(got, model(wb.constant(x)).numpy(), atol=ATOL)


def test_two_input_model(tmp_path):
    a, b = wb.keras.Input((4,), name="a"), wb.keras.Input((3,), name="b")
    model = wb.keras.Model([a, b], L.Dense(2)(L.Concatenate()([L.Dense(3)(a), b])))
    path = tmp_path / "two.onnx"
    model.export(str(path))
    xa, xb = np.ones((5, 4), np.float32), np.full((5, 3), 2, np.float32)
    (got,) = run_onnx(path, [xa, xb])
    np.testing.assert_allclose(got, model([wb.constant(xa), wb.constant(xb)]).numpy(), atol=ATOL)


def test_dict_inputs_and_outputs(tmp_path):
    a, b = wb.keras.Input((4,), name="a"), wb.keras.Input((3,), name="b")
    model = wb.keras.Model({"b": b, "a": a}, {"y": L.Dense(2)(L.Concatenate()([a, b])), "z": L.Dense(1)(b)})
    path = tmp_path / "dict.onnx"
    result = model.export(str(path))
    assert result.inputs == ["a", "b"] and result.outputs == ["y", "z"]
    xa, xb = np.ones((2, 4), np.float32), np.full((2, 3), 0.5, np.float32)
    y, z = run_onnx(path, [xa, xb])
    want = model({"a": wb.constant(xa), "b": wb.constant(xb)})
    np.testing.assert_allclose(y, want["y"].numpy(), atol=ATOL)
    np.testing.assert_allclose(z, want["z"].numpy(), atol=ATOL)


def test_attention_block(tmp_path):
    inp = wb.keras.Input((6, 8))
    att = L.MultiHeadAttention(num_heads=2, key_dim=4)(inp, inp)
    h = L.LayerNormalization()(L.Add()([inp, att]))
    ff = L.Dense(8)(L.Dense(16, activation="gelu")(h))
    h = L.LayerNormalization()(L.Add()([h, ff]))
    h = L.Attention()([h, h])
    model = wb.keras.Model(inp, L.Dense(2)(L.GlobalAveragePooling1D()(h)))
    check(model, (6, 8), tmp_path / "attention.onnx")


def test_wb_function_and_plain_callable(tmp_path):
    w = wb.Variable(np.arange(6, dtype=np.float32).reshape(3, 2), name="w")

    @wb.function
    def f(x, y):
        z = wb.matmul(x, w) + wb.reduce_sum(y, axis=1, keepdims=True)
        return {"z": wb.nn.softmax(z), "m": wb.reduce_max(x, axis=-1)}

    path = tmp_path / "f.onnx"
    result = wb.onnx.export(f, [TensorSpec((None, 3)), TensorSpec((None, 4), name="y")], str(path))
    assert result.inputs == ["input_0", "y"] and result.outputs == ["m", "z"]
    proto = onnx.load(str(path))
    assert "w" in {i.name for i in proto.graph.initializer}  # weights are initializers
    x, y = np.ones((4, 3), np.float32), np.ones((4, 4), np.float32)
    m, z = run_onnx(path, [x, y])
    want = f(wb.constant(x), wb.constant(y))
    np.testing.assert_allclose(z, want["z"].numpy(), atol=ATOL)
    np.testing.assert_allclose(m, want["m"].numpy(), atol=ATOL)


def test_elementwise_math_reductions_and_slicing(tmp_path):
    def f(x):
        a = wb.abs(x) + 1.0
        parts = [wb.exp(-a), wb.math.log1p(a), wb.sqrt(a), wb.math.rsqrt(a), wb.square(x), x ** 3,
                 wb.maximum(x, 0.1), wb.minimum(x, 0.2), wb.math.floormod(x, 0.7),
                 wb.math.floordiv(x, 0.3), wb.where(x > 0, x, -x), wb.cos(x), wb.sin(x),
                 wb.math.erf(x), wb.cast(wb.cast(x * 3, wb.int32), wb.float32), wb.clip_by_value(x, -0.5, 0.5),
                 wb.math.divide_no_nan(x, wb.round(x)), wb.math.cumsum(x, axis=1),
                 wb.math.reduce_logsumexp(x, axis=1, keepdims=True) + 0 * x,
                 wb.reduce_mean(x, axis=1, keepdims=True) * wb.reduce_prod(a, axis=1, keepdims=True) + 0 * x]
        y = wb.concat(parts, axis=1)
        y = wb.transpose(wb.reshape(y, (-1, 4, 5 * len(parts))), (0, 2, 1))[:, 1::2, :3]
        y = wb.tile(y[:, :, None, :], (1, 1, 2, 1))[..., 0] - wb.reduce_min(x)
        top = wb.cast(wb.argmax(x, axis=1), wb.float32)[:, None, None]
        return wb.pad(y, [[0, 0], [1, 0], [0, 2]], constant_values=0.5) + top

    def g(x):
        a, b = wb.split(x, 2, axis=1)
        hot = wb.one_hot(wb.cast(wb.abs(x[:, 0]) * 2, wb.int32), 4)
        flag = wb.logical_and(wb.reduce_any(x > 1, axis=1), wb.reduce_all(x < 3, axis=1))
        return wb.concat([a * b, hot, wb.cast(flag, wb.float32)[:, None], wb.gather(x, [3, 0], axis=1)], 1)

    for k, fn in enumerate((f, g)):
        path = tmp_path / f"math{k}.onnx"
        res = wb.onnx.export(fn, [TensorSpec((None, 20))], str(path))
        assert res.max_abs_diff <= ATOL
        x = np.random.default_rng(k).standard_normal((3, 20)).astype(np.float32)
        (got,) = run_onnx(path, [x])
        np.testing.assert_allclose(got, fn(wb.constant(x)).numpy(), atol=ATOL, rtol=ATOL)


@pytest.mark.parametrize("opset", [18, 21])
def test_newer_opsets(opset, tmp_path):
    model = seq(L.LayerNormalization(), L.GlobalAveragePooling1D(), L.Dense(2))
    model(wb.ones((2, 3, 4)))
    res = wb.onnx.export(model, [TensorSpec((None, 3, 4))], str(tmp_path / "m.onnx"), opset=opset)
    assert res.opset == opset and onnx.load(res.path).opset_import[0].version == opset


def test_fixed_batch_signature(tmp_path):
    model = seq(L.Dense(2))
    res = wb.onnx.export(model, [TensorSpec((3, 4))], str(tmp_path / "m.onnx"))
    dim = onnx.load(res.path).graph.input[0].type.tensor_type.shape.dim[0]
    assert dim.dim_value == 3


def test_op_without_translation_names_op_and_layer(tmp_path):
    class Odd(L.Layer):
        def call(self, x):
            return wb.math.lgamma(wb.abs(x) + 1.0)

    model = seq(L.Dense(3), Odd(name="odd_layer"))
    model(wb.ones((1, 2)))
    path = tmp_path / "odd.onnx"
    with pytest.raises(ExportError, match=r"op 'lgamma'.*odd_layer"):
        model.export(str(path))
    assert not path.exists()


def test_function_reading_values_in_python_is_refused(tmp_path):
    def f(x):
        return x * 2 if float(wb.reduce_sum(x)) > 0 else x

    with pytest.raises(ExportError, match="cannot be exported"):
        wb.onnx.export(f, [TensorSpec((None, 2))], str(tmp_path / "f.onnx"))


def test_bad_arguments(tmp_path):
    model = seq(L.Dense(2))
    model(wb.ones((1, 3)))
    with pytest.raises(ValueError, match="format='tf_saved_model' is not supported"):
        model.export(str(tmp_path / "m"), format="tf_saved_model")
    with pytest.raises(ValueError, match="opset must be an int from 17"):
        wb.onnx.export(model, [TensorSpec((None, 3))], str(tmp_path / "m.onnx"), opset=11)
    # an open width the model's weights fix: the graph takes that width alone (TF's graph fails at run time at
    # any other)
    fixed = wb.onnx.export(model, [TensorSpec((None, None))], str(tmp_path / "m.onnx"))
    assert fixed.fixed == {("input_0", 1): 3}
    with pytest.raises(ValueError, match="not built"):
        seq(L.Dense(2)).export(str(tmp_path / "m.onnx"))


def test_a_signature_the_model_cannot_take_is_named(tmp_path):
    model = seq(L.Embedding(10, 4), L.LSTM(5))
    model(wb.constant(np.ones((2, 3), np.int32)))
    with pytest.raises(ExportError, match=r"(?s)input_0: \[None, 3\] float32.*int32 ids for an Embedding"):
        model.export(str(tmp_path / "e.onnx"))
    res = model.export(str(tmp_path / "e.onnx"), input_signature=[TensorSpec((None, 3), "int32")])
    assert res.max_abs_diff <= ATOL


def test_an_output_that_ignores_the_inputs_is_refused(tmp_path):
    def f(x):
        return wb.constant(np.ones((2, 2), np.float32)) * 3.0

    with pytest.raises(ExportError, match="does not follow the inputs"):
        wb.onnx.export(f, [TensorSpec((None, 2))], str(tmp_path / "c.onnx"))


def test_verify_false_skips_the_check(tmp_path):
    model = seq(L.Dense(2))
    model(wb.ones((1, 3)))
    res = model.export(str(tmp_path / "m.onnx"), verify=False)
    assert res.max_abs_diff is None


def test_a_wrong_translation_is_caught_and_not_written(tmp_path, monkeypatch):
    from workbench.onnx import ops
    monkeypatch.setitem(ops.TRANSLATIONS, "relu", lambda g, r: g.one("Sigmoid", g.value(r.args[0])))
    model = seq(L.Dense(3, activation="relu"))
    model(wb.ones((1, 2)))
    path = tmp_path / "wrong.onnx"
    with pytest.raises(ExportError, match="differ on output 'output_0'"):
        model.export(str(path))
    assert not path.exists()


# -- MLflow: Experiment.log_model ----------------------------------------------------------

@pytest.fixture(scope="module")
def mlflow_store(tmp_path_factory):
    """One SQLite store for the module, in its own folder (creating one takes seconds; MLflow
    puts artifacts under the working folder)."""
    pytest.importorskip("mlflow", reason="Experiment.log_model needs MLflow (the tracking extra)")
    folder = tmp_path_factory.mktemp("mlflow")
    with pytest.MonkeyPatch.context() as mp:
        for name in ("WORKBENCH_TRACKING_URI", "MLFLOW_TRACKING_URI", "WORKBENCH_PARENT_RUN_ID"):
            mp.delenv(name, raising=False)
        mp.chdir(folder)
        yield f"sqlite:///{folder}/mlflow.db"


def test_log_model_round_trip_through_mlflow_pyfunc(mlflow_store, tmp_path):
    import mlflow
    from workbench.examples.digits_classifier import build_model

    model = build_model("conv", 0.2)
    x = np.random.default_rng(0).random((4, 8, 8)).astype(np.float32)
    model(wb.constant(x[:1]))
    with wb.Experiment("onnx-models", tracking_uri=mlflow_store, logdir=str(tmp_path / "runs"),
                       system_metrics=False) as exp:
        uri = exp.log_model(model, "digits", registered_model_name="digits-conv", input_example=x[:2])
        run_id = exp.run_id
    assert uri == f"runs:/{run_id}/digits"
    mlflow.set_tracking_uri(mlflow_store)
    try:
        loaded = mlflow.pyfunc.load_model(uri)
        sig = loaded.metadata.signature
        assert sig.inputs.inputs[0].shape == (-1, 8, 8) and sig.outputs.inputs[0].shape == (-1, 10)
        got = loaded.predict(x)
        got = got if isinstance(got, np.ndarray) else next(iter(got.values()))
        np.testing.assert_allclose(np.asarray(got), model(wb.constant(x)).numpy(), atol=ATOL)
        registered = mlflow.pyfunc.load_model("models:/digits-conv/1")
        out = registered.predict(x[:1])
        out = out if isinstance(out, np.ndarray) else next(iter(out.values()))
        assert np.asarray(out).shape == (1, 10)
    finally:
        mlflow.set_tracking_uri(None)


def test_log_model_of_a_function_needs_a_signature(mlflow_store, tmp_path):
    with wb.Experiment("onnx-models", tracking_uri=mlflow_store, logdir=str(tmp_path / "runs"),
                       system_metrics=False) as exp:
        with pytest.raises(ValueError, match="input_signature is required"):
            exp.log_model(lambda x: wb.nn.relu(x), "relu")
        with pytest.raises(ValueError, match="relative artifact path"):
            exp.log_model(lambda x: x, "../up", input_example=np.ones((1, 2), np.float32))
        uri = exp.log_model(lambda x: wb.nn.relu(x) * 2.0, "relu", input_example=np.ones((3, 2), np.float32))
    assert uri.endswith("/relu")


@pytest.mark.slow
def test_mlflow_models_serve_answers_on_loopback(mlflow_store, tmp_path):
    """``mlflow models serve`` (local environment) serves a logged model over REST on 127.0.0.1."""
    import json
    import os
    import shutil
    import signal
    import socket
    import subprocess
    import time
    import urllib.request

    mlflow_cli = shutil.which("mlflow")
    if mlflow_cli is None:
        pytest.skip("the mlflow command is not on PATH")
    model = seq(L.Dense(4, activation="relu"), L.Dense(2))
    x = np.random.default_rng(0).standard_normal((3, 5)).astype(np.float32)
    model(wb.constant(x))
    with wb.Experiment("onnx-serve", tracking_uri=mlflow_store, logdir=str(tmp_path / "runs"),
                       system_metrics=False) as exp:
        uri = exp.log_model(model, "mlp")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, MLFLOW_TRACKING_URI=mlflow_store)
    server = subprocess.Popen([mlflow_cli, "models", "serve", "-m", uri, "--env-manager", "local",
                               "-h", "127.0.0.1", "-p", str(port)], env=env, cwd=tmp_path,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(base + "/ping", timeout=2).read()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"mlflow models serve did not answer (exit status {server.poll()})")
                time.sleep(0.5)
        request = urllib.request.Request(base + "/invocations", json.dumps({"inputs": x.tolist()}).encode(),
                                         {"Content-Type": "application/json"})
        answer = json.loads(urllib.request.urlopen(request, timeout=30).read())
        predictions = answer["predictions"]
        got = np.asarray(predictions["output_0"] if isinstance(predictions, dict) else predictions)
        np.testing.assert_allclose(got, model(wb.constant(x)).numpy(), atol=ATOL)
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # the server and the uvicorn worker it started
        server.wait(timeout=30)


def test_sample_inputs_replace_the_random_draws_and_are_checked(tmp_path):
    def gather_rows(x, ids):   # ids drawn here in range for every batch size
        return wb.gather(x, ids)

    seen = []

    def sample(batch, rng):
        seen.append(batch)
        return [rng.standard_normal((batch, 3)).astype(np.float32), np.arange(batch)[::-1].astype(np.int64)]

    specs = [TensorSpec((None, 3)), TensorSpec((None,), "int64", "ids")]
    res = wb.onnx.export(gather_rows, specs, str(tmp_path / "g.onnx"), sample_inputs=sample)
    assert seen == [2, 3, 5] and res.max_abs_diff == 0.0
    with pytest.raises(TypeError, match="sample_inputs must be a function"):
        wb.onnx.export(gather_rows, specs, str(tmp_path / "g.onnx"), sample_inputs=[1])
    with pytest.raises(ExportError, match=r"sample_inputs gave input 'ids' an array of shape \(3,\) and dtype "
                       r"int32; its spec wants \(2,\) int64"):
        wb.onnx.export(gather_rows, specs, str(tmp_path / "g.onnx"),
                       sample_inputs=lambda b, rng: [np.ones((b, 3), np.float32), np.zeros(3, np.int32)])
