"""ONNX import (``wb.onnx.load``): exported models come back with the same outputs, their
gradients (inputs and initializers) match finite differences, they run inside
``wb.function`` and fine-tune; single operators match onnxruntime; what is not covered
fails when the model is loaded, naming the operator and the node."""

import numpy as np
import pytest

onnx = pytest.importorskip("onnx", reason="ONNX import needs the export extra: pip install "
                                          "'research-workbench[export]' (onnx, onnxruntime)")
ort = pytest.importorskip("onnxruntime", reason="the operator checks use onnxruntime: pip install "
                                                "'research-workbench[export]'")

from onnx import TensorProto, helper, numpy_helper  # noqa: E402

import workbench as wb  # noqa: E402
from workbench.onnx import OnnxModel, TensorSpec, UnsupportedError  # noqa: E402

from .test_onnx_export import LAYERS as EXPORT_LAYERS  # noqa: E402  (every layer the export covers)

L = wb.keras.layers
ATOL = 1e-5


# -- the models of test_onnx_export, exported and loaded back -------------------------------

def conv_net():
    model = wb.keras.Sequential([
        L.Conv2D(4, 3, padding="same", use_bias=False), L.BatchNormalization(), L.ReLU(), L.MaxPooling2D(2),
        L.Conv2D(4, 3), L.BatchNormalization(), L.Activation("relu"), L.GlobalAveragePooling2D(),
        L.Dropout(0.3), L.Dense(3)])
    x = np.random.default_rng(0).standard_normal((8, 8, 8, 2)).astype(np.float32)
    model.compile(optimizer="adam", loss=wb.keras.losses.MeanSquaredError())
    model.fit(x, np.zeros((8, 3), np.float32), epochs=1, batch_size=4, verbose=0)  # moving stats move
    return model, (8, 8, 2), "float32"


def residual_model():
    inp = wb.keras.Input((6,), name="features")
    h = L.Dense(8, activation="relu")(inp)
    r = L.Dense(8)(L.LayerNormalization()(h))
    h = L.Add()([h, r])
    h = L.Concatenate()([h, L.Dense(3, activation="gelu")(inp)])
    return wb.keras.Model(inp, L.Dense(3, activation="softmax")(h)), (6,), "float32"


def lstm_classifier():
    model = wb.keras.Sequential([L.Embedding(12, 4, mask_zero=True), L.LSTM(5), L.Dense(3, activation="softmax")])
    model(wb.constant(np.ones((2, 5), np.int32)))
    return model, (5,), "int32"


def attention_block():
    inp = wb.keras.Input((4, 6))
    att = L.MultiHeadAttention(num_heads=2, key_dim=3)(inp, inp)
    h = L.LayerNormalization()(L.Add()([inp, att]))
    ff = L.Dense(6)(L.Dense(8, activation="gelu")(h))
    h = L.LayerNormalization()(L.Add()([h, ff]))
    return wb.keras.Model(inp, L.Dense(2)(L.GlobalAveragePooling1D()(h))), (4, 6), "float32"


MODELS = {"conv_net_bn": conv_net, "residual": residual_model, "lstm_classifier": lstm_classifier,
          "attention": attention_block}


def sample(shape, dtype, batch, seed=1):
    rng = np.random.default_rng(seed)
    if np.dtype(dtype).kind == "f":
        return rng.standard_normal((batch,) + shape).astype(dtype)
    x = rng.integers(1, 12, (batch,) + shape).astype(dtype)
    x[0, 2:] = 0  # a padded sequence: the mask matters
    return x


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """Each model built once and exported once for the module: name -> (model, shape, dtype, path)."""
    folder = tmp_path_factory.mktemp("onnx_load")
    out = {}
    for name, build in MODELS.items():
        model, shape, dtype = build()
        path = folder / f"{name}.onnx"
        model.export(str(path), input_signature=[TensorSpec((None,) + shape, dtype)])
        out[name] = (model, shape, dtype, str(path))
    return out


@pytest.mark.parametrize("name", sorted(MODELS))
def test_round_trip_gives_the_same_outputs(name, exported):
    model, shape, dtype, path = exported[name]
    loaded = wb.onnx.load(path)
    assert isinstance(loaded, OnnxModel) and loaded.input_names == ["input_0"] and loaded.output_names == ["output_0"]
    for batch in (1, 5):
        x = sample(shape, dtype, batch)
        want = model(wb.constant(x), training=False).numpy()
        got = loaded(x)
        assert isinstance(got, wb.Tensor) and got.dtype == np.float32
        np.testing.assert_allclose(got.numpy(), want, atol=ATOL, rtol=ATOL)
        np.testing.assert_allclose(loaded(input_0=x).numpy(), want, atol=ATOL, rtol=ATOL)  # by name
    # the weights are the model's: trainable ones trainable, batch-norm statistics not
    trainable = {v.name for v in loaded.trainable_variables}
    assert trainable and not any(n.endswith(("moving_mean", "moving_variance")) for n in trainable)
    if name == "conv_net_bn":
        assert {v.path for v in loaded.non_trainable_variables} == {
            v.path for v in model.non_trainable_variables}


def _loss(m, x):
    y = m(x)
    return wb.reduce_sum(y * wb.cast(wb.reshape(wb.range(1, 1 + int(np.prod(y.shape))), y.shape), y.dtype))


def _directional(f, xs, directions, eps=1e-6):
    """Central finite differences of the scalar ``f()`` along ``directions`` for the variables ``xs``."""
    def shift(scale):
        for v, d in zip(xs, directions):
            v.assign_add(scale * d)
    shift(eps)
    up = float(f())
    shift(-2 * eps)
    down = float(f())
    shift(eps)
    return (up - down) / (2 * eps)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_gradients_match_finite_differences_in_float64(name, exported):
    model, shape, dtype, path = exported[name]
    m = wb.onnx.load(path, dtype="float64")
    x = sample(shape, dtype, 3)
    if np.dtype(dtype).kind == "f":
        x = x.astype(np.float64)
        np.testing.assert_allclose(m(x).numpy(), model(wb.constant(x.astype(np.float32))).numpy(), atol=1e-5)
    xv = wb.Variable(x, trainable=False) if x.dtype.kind == "f" else wb.constant(x)
    weights = m.trainable_variables
    assert all(v.dtype == np.float64 for v in weights)
    with wb.GradientTape() as tape:
        if x.dtype.kind == "f":
            tape.watch(xv)
        loss = _loss(m, xv)
    sources = list(weights) + ([xv] if x.dtype.kind == "f" else [])
    grads = tape.gradient(loss, sources)
    assert all(g is not None for g in grads)
    rng = np.random.default_rng(0)
    for _ in range(2):
        dirs = [rng.standard_normal(v.shape) for v in sources]
        want = _directional(lambda: _loss(m, xv), sources, dirs)
        got = sum(float(np.sum(g.numpy() * d)) for g, d in zip(grads, dirs))
        assert got == pytest.approx(want, rel=1e-6, abs=1e-7)
    # and they are the original model's gradients (float32)
    with wb.GradientTape() as tape:
        ref = _loss(lambda t: model(t, training=False), wb.constant(x.astype(dtype)))
    ref_grads = dict(zip([v.path for v in model.trainable_variables],
                         tape.gradient(ref, model.trainable_variables)))
    checked = 0
    for v, g in zip(weights, grads):
        r = ref_grads.get(v.path)
        if r is not None and r.shape == g.shape:  # convolution filters are stored transposed
            np.testing.assert_allclose(g.numpy(), r.numpy(), atol=2e-4, rtol=2e-3)
            checked += 1
    assert checked >= 2


@pytest.mark.parametrize("name", sorted(EXPORT_LAYERS))
def test_every_layer_export_covers_loads_back_with_gradients(name, tmp_path):
    """Each layer that test_onnx_export exports, loaded back: the same outputs in float32, and
    float64 gradients (input and weights) that match finite differences."""
    build, shape = EXPORT_LAYERS[name]
    model = build()
    model(wb.constant(np.zeros((2,) + shape, np.float32)))
    result = wb.onnx.export(model, [TensorSpec((None,) + shape)], str(tmp_path / "m.onnx"), verify=False)
    x = sample(shape, "float32", 3)
    np.testing.assert_allclose(wb.onnx.load(result.model)(x).numpy(), model(wb.constant(x), training=False).numpy(),
                               atol=ATOL, rtol=ATOL)
    m = wb.onnx.load(result.model, dtype="float64")
    xv = wb.Variable(x.astype(np.float64), trainable=False)
    sources = list(m.trainable_variables) + [xv]
    with wb.GradientTape() as tape:
        tape.watch(xv)
        loss = _loss(m, xv)
    grads = tape.gradient(loss, sources, unconnected_gradients="zero")
    rng = np.random.default_rng(0)
    dirs = [rng.standard_normal(v.shape) for v in sources]
    want = _directional(lambda: _loss(m, xv), sources, dirs)
    got = sum(float(np.sum(g.numpy() * d)) for g, d in zip(grads, dirs))
    assert got == pytest.approx(want, rel=1e-6, abs=1e-6)


def test_small_graph_gradients_with_the_gradient_checker():
    """Every reverse-mode product of a loaded Gemm/Conv/pool graph against the library's
    finite-difference checker (float64)."""
    rng = np.random.default_rng(0)
    w = rng.standard_normal((3, 2, 2, 2)).astype(np.float32)
    nodes = [helper.make_node("Conv", ["x", "w", "b"], ["c"], name="conv", pads=[1, 0, 0, 1]),
             helper.make_node("AveragePool", ["c"], ["p"], kernel_shape=[2, 2], pads=[0, 0, 1, 1], strides=[2, 2]),
             helper.make_node("Tanh", ["p"], ["t"]), helper.make_node("Flatten", ["t"], ["f"]),
             helper.make_node("Gemm", ["f", "g", "gb"], ["y"], transB=1, alpha=0.5)]
    inits = [numpy_helper.from_array(w, "w"), numpy_helper.from_array(np.ones(3, np.float32), "b"),
             numpy_helper.from_array(rng.standard_normal((2, 12)).astype(np.float32), "g"),
             numpy_helper.from_array(np.zeros(2, np.float32), "gb")]
    model = _model(nodes, [("x", [None, 2, 4, 3])], ["y"], inits)
    m = wb.onnx.load(model, dtype=np.float64)
    from gradients import check_gradients
    check_gradients(lambda x: m(x), [rng.standard_normal((2, 2, 4, 3))], order=1, modes=("rev",))


def test_runs_inside_wb_function_with_gradients(exported):
    model, shape, dtype, path = exported["residual"]
    m = wb.onnx.load(path)

    @wb.function
    def predict(x):
        return m(x)

    @wb.function
    def grads(x):
        with wb.GradientTape() as tape:
            loss = wb.reduce_sum(m(x) ** 2)
        return tape.gradient(loss, m.trainable_variables)

    for batch in (2, 4):
        x = sample(shape, dtype, batch)
        np.testing.assert_allclose(predict(wb.constant(x)).numpy(), m(x).numpy(), atol=1e-6)
        with wb.GradientTape() as tape:
            loss = wb.reduce_sum(m(x) ** 2)
        eager = tape.gradient(loss, m.trainable_variables)
        for a, b in zip(grads(wb.constant(x)), eager):
            np.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-6)


def test_fine_tuning_reduces_the_loss_and_keeps_statistics(exported, tmp_path):
    model, shape, dtype, path = exported["conv_net_bn"]
    m = wb.onnx.load(path)
    stats = {v.name: v.numpy().copy() for v in m.non_trainable_variables}
    assert stats
    rng = np.random.default_rng(3)
    x = rng.standard_normal((16,) + shape).astype(np.float32)
    y = m(x).numpy() + np.array([1.0, -1.0, 0.5], np.float32)  # a shift the weights can learn
    opt = wb.optimizers.SGD(0.05)
    losses = []
    for _ in range(12):   # halving takes 6 to 8 steps, as the random initial weights fall
        with wb.GradientTape() as tape:
            loss = wb.reduce_mean((m(x) - y) ** 2)
        opt.apply_gradients(zip(tape.gradient(loss, m.trainable_variables), m.trainable_variables))
        losses.append(float(loss))
    assert losses[-1] < 0.5 * losses[0], losses
    for v in m.non_trainable_variables:
        np.testing.assert_array_equal(v.numpy(), stats[v.name])
    # the fine-tuned weights leave again: as a checkpoint, and as ONNX (checked by onnxruntime)
    tuned = m(x).numpy()
    manager = wb.CheckpointManager(wb.Checkpoint(model=m), str(tmp_path / "ckpt"), max_to_keep=1)
    manager.save()
    fresh = wb.onnx.load(path)
    wb.Checkpoint(model=fresh).restore(manager.latest_checkpoint)
    np.testing.assert_allclose(fresh(x).numpy(), tuned, atol=1e-6)
    result = wb.onnx.export(m, m.input_signature, str(tmp_path / "tuned.onnx"))
    assert result.max_abs_diff <= ATOL
    session = ort.InferenceSession(result.path, providers=["CPUExecutionProvider"])
    np.testing.assert_allclose(session.run(None, {"input_0": x})[0], tuned, atol=ATOL)


def test_trainable_argument_and_repr(exported):
    _, _, _, path = exported["residual"]
    assert wb.onnx.load(path, trainable=False).trainable_variables == ()
    m = wb.onnx.load(path)
    first = m.trainable_variables[0].name
    only = wb.onnx.load(path, trainable=[first])
    assert [v.name for v in only.trainable_variables] == [first]
    assert first.endswith(":0") and [v.path for v in only.trainable_variables] == [first[:-2]]
    assert "opset 17" in repr(m) and "inputs ['input_0']" in repr(m)
    assert m.input_signature[0].shape == (None, 6)
    with pytest.raises(ValueError, match=r"trainable names \['nope'\] are not initializers"):
        wb.onnx.load(path, trainable=["nope"])


# -- single operators against onnxruntime ---------------------------------------------------

def _model(nodes, inputs, outputs, inits=(), opset=17):
    """A model of ``nodes``; ``inputs``: (name, shape, [dtype]) with None for an open dim."""
    def info(name, shape, dtype=TensorProto.FLOAT):
        return helper.make_tensor_value_info(name, dtype, None if shape is None else
                                             ["n" if d is None else d for d in shape])
    graph = helper.make_graph(nodes, "g", [info(*i) for i in inputs],
                              [helper.make_empty_tensor_value_info(o) for o in outputs],
                              list(inits))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 9
    return model


def _const(name, value):
    return numpy_helper.from_array(np.asarray(value), name)


R = np.random.default_rng(7)
F = lambda *shape: R.standard_normal(shape).astype(np.float32)  # noqa: E731
I64 = lambda *v: np.asarray(v, np.int64)  # noqa: E731

# name: (nodes, graph inputs {name: array}, initializers {name: array}, opset)
OPS = {
    "conv_group_strided": ([helper.make_node("Conv", ["x", "w", "b"], ["y"], group=2, strides=[2, 1],
                                             dilations=[1, 2], pads=[1, 2, 0, 1])],
                           {"x": F(2, 4, 7, 8)}, {"w": F(6, 2, 3, 2), "b": F(6)}, 17),
    "conv_depthwise_same": ([helper.make_node("Conv", ["x", "w"], ["y"], group=3, auto_pad="SAME_UPPER",
                                              strides=[2, 2])],
                            {"x": F(1, 3, 7, 6)}, {"w": F(6, 1, 3, 3)}, 17),
    "conv1d_conv3d": ([helper.make_node("Conv", ["x", "w"], ["y"], auto_pad="SAME_LOWER"),
                       helper.make_node("Conv", ["v", "w3"], ["z"], pads=[1, 0, 1, 0, 1, 0])],
                      {"x": F(2, 3, 8), "v": F(1, 2, 4, 4, 3)}, {"w": F(4, 3, 2), "w3": F(2, 2, 2, 2, 2)}, 17),
    "conv_transpose": ([helper.make_node("ConvTranspose", ["x", "w", "b"], ["y"], strides=[2, 2], pads=[1, 0, 0, 1],
                                         output_padding=[1, 0])],
                       {"x": F(2, 3, 4, 3)}, {"w": F(3, 2, 3, 3), "b": F(2)}, 17),
    "pools": ([helper.make_node("MaxPool", ["x"], ["a"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]),
               helper.make_node("MaxPool", ["x"], ["b"], kernel_shape=[2, 2], strides=[2, 2], ceil_mode=1),
               helper.make_node("AveragePool", ["x"], ["c"], kernel_shape=[3, 2], pads=[1, 0, 1, 1],
                                count_include_pad=1),
               helper.make_node("AveragePool", ["x"], ["d"], kernel_shape=[2, 2], auto_pad="SAME_UPPER"),
               helper.make_node("GlobalAveragePool", ["x"], ["e"]), helper.make_node("GlobalMaxPool", ["x"], ["f"])],
              {"x": F(2, 3, 7, 5)}, {}, 17),
    "normalizations": ([helper.make_node("BatchNormalization", ["x", "s", "b", "m", "v"], ["y"], epsilon=1e-3),
                        helper.make_node("LayerNormalization", ["x", "ls", "lb"], ["z"], axis=-2),
                        helper.make_node("InstanceNormalization", ["x", "s", "b"], ["w"])],
                       {"x": F(2, 3, 4, 5)},
                       {"s": F(3), "b": F(3), "m": F(3), "v": np.abs(F(3)) + 0.5, "ls": F(4, 5), "lb": F(5)}, 17),
    "shape_arithmetic": ([helper.make_node("Shape", ["x"], ["s"]),
                          helper.make_node("Gather", ["s", "scalar0"], ["n"], axis=0),
                          helper.make_node("Unsqueeze", ["n", "zero"], ["n1"]),
                          helper.make_node("Concat", ["n1", "minus"], ["shape"], axis=0),
                          helper.make_node("Reshape", ["x", "shape"], ["r"]),
                          helper.make_node("Constant", [], ["k"], value=numpy_helper.from_array(F(12, 4))),
                          helper.make_node("MatMul", ["r", "k"], ["m"]),
                          helper.make_node("Slice", ["m", "st", "en", "ax", "sp"], ["sl"]),
                          helper.make_node("Transpose", ["sl"], ["t"], perm=[1, 0]),
                          helper.make_node("Squeeze", ["u", "zero"], ["sq"]),
                          helper.make_node("Expand", ["sq", "eshape"], ["ex"]),
                          helper.make_node("Split", ["ex", "parts"], ["p1", "p2"], axis=1),
                          helper.make_node("Tile", ["p2", "reps"], ["tl"]),
                          helper.make_node("Pad", ["tl", "pads", "fill"], ["pd"]),
                          helper.make_node("Flatten", ["x"], ["fl"], axis=2)],
                         {"x": F(3, 2, 6), "u": F(1, 4)},
                         {"zero": I64(0), "scalar0": np.int64(0), "minus": I64(-1), "st": I64(3, -1), "en": I64(0, -10**9),
                          "ax": I64(1, 0), "sp": I64(-1, -2), "eshape": I64(3, 1), "parts": I64(1, 3),
                          "reps": I64(2, 1), "pads": I64(0, 1, 1, 0), "fill": np.float32(0.5)}, 17),
    "elementwise": ([helper.make_node("Gemm", ["x", "w", "c"], ["g"], transB=1, alpha=0.7, beta=0.3),
                     helper.make_node("Relu", ["g"], ["r"]), helper.make_node("Sigmoid", ["g"], ["s"]),
                     helper.make_node("Softmax", ["g"], ["sm"], axis=0),
                     helper.make_node("LogSoftmax", ["g"], ["ls"]),
                     helper.make_node("Erf", ["g"], ["e"]), helper.make_node("Clip", ["g", "lo", "hi"], ["cl"]),
                     helper.make_node("LeakyRelu", ["g"], ["lr"], alpha=0.3),
                     helper.make_node("Elu", ["g"], ["el"], alpha=0.7), helper.make_node("Selu", ["g"], ["se"]),
                     helper.make_node("HardSigmoid", ["g"], ["hs"]), helper.make_node("HardSwish", ["g"], ["hw"]),
                     helper.make_node("PRelu", ["g", "slope"], ["pr"]),
                     helper.make_node("Where", ["mask", "g", "s"], ["wh"]),
                     helper.make_node("Pow", ["s", "two"], ["pw"]),
                     helper.make_node("Sum", ["g", "s", "r"], ["sum"]), helper.make_node("Mean", ["g", "s"], ["mn"]),
                     helper.make_node("Max", ["g", "s"], ["mx"]),
                     helper.make_node("ReduceSum", ["g", "axis1"], ["rs"], keepdims=0),
                     helper.make_node("ReduceMean", ["g"], ["rm"], axes=[0]),
                     helper.make_node("ReduceL2", ["g"], ["l2"], axes=[1], keepdims=0),
                     helper.make_node("ArgMax", ["g"], ["am"], axis=1),
                     helper.make_node("CumSum", ["g", "axis1"], ["cs"], reverse=1),
                     helper.make_node("Cast", ["am"], ["amf"], to=TensorProto.FLOAT),
                     helper.make_node("Div", ["g", "s"], ["dv"]), helper.make_node("Sqrt", ["s"], ["sr"]),
                     helper.make_node("Einsum", ["x", "x"], ["es"], equation="ij,kj->ik")],
                    {"x": F(4, 5)},
                    {"w": F(3, 5), "c": F(3), "lo": np.float32(-0.5), "hi": np.float32(0.8), "slope": F(3),
                     "mask": R.random((4, 3)) > 0.5, "two": np.float32(2.0), "axis1": I64(1)}, 17),
    "math_and_logic": ([helper.make_node(op, ["p"], [op.lower()]) for op in (
                            "Abs", "Neg", "Exp", "Log", "Sqrt", "Reciprocal", "Cos", "Sin", "Tan", "Atan", "Asinh",
                            "Cosh", "Sinh", "Ceil", "Floor", "Round", "Sign", "Softplus", "Softsign", "Tanh")]
                       + [helper.make_node("Acos", ["h"], ["acos"]), helper.make_node("Asin", ["h"], ["asin"]),
                          helper.make_node("Atanh", ["h"], ["atanh"]), helper.make_node("Acosh", ["p"], ["acoshp"]),
                          helper.make_node("Mod", ["x", "d"], ["fmod"], fmod=1),
                          helper.make_node("Mod", ["i", "j"], ["imod"]),
                          helper.make_node("Div", ["i", "j"], ["idiv"]),
                          helper.make_node("Celu", ["x"], ["celu"], alpha=0.5),
                          helper.make_node("Min", ["x", "p"], ["min"]),
                          helper.make_node("ReduceProd", ["x"], ["prod"], axes=[1]),
                          helper.make_node("Less", ["x", "p"], ["lt"]),
                          helper.make_node("GreaterOrEqual", ["x", "p"], ["ge"]),
                          helper.make_node("Xor", ["lt", "ge"], ["xor"]),
                          helper.make_node("And", ["lt", "xor"], ["and"]), helper.make_node("Not", ["and"], ["not"]),
                          helper.make_node("IsNaN", ["x"], ["nan"]),
                          helper.make_node("IsInf", ["inf"], ["posinf"], detect_negative=0),
                          helper.make_node("Size", ["x"], ["size"]),
                          helper.make_node("Shape", ["x"], ["last"], start=-1),
                          helper.make_node("ConstantOfShape", ["last"], ["cos_"],
                                           value=numpy_helper.from_array(np.array([2.5], np.float32))),
                          helper.make_node("Range", ["r0", "size", "r2"], ["range"]),
                          helper.make_node("CastLike", ["range", "x"], ["rangef"]),
                          helper.make_node("Dropout", ["x"], ["drop"]),
                          helper.make_node("Mul", ["drop", "cos_"], ["scaled"]),
                          helper.make_node("ArgMin", ["x"], ["amin"], axis=0, keepdims=0)],
                       {"x": F(3, 4), "p": np.abs(F(3, 4)) + 1.1, "h": np.tanh(F(3, 4)) * 0.9,
                        "i": R.integers(-9, 9, (3, 4)), "inf": np.array([1.0, np.inf, -np.inf], np.float32)},
                       {"d": np.float32(-0.7), "j": np.array([3, -2, 5, -4]), "r0": np.int64(1), "r2": np.int64(3)}, 17),
    "lstm_peepholes_lengths": ([helper.make_node("LSTM", ["x", "w", "r", "b", "lens", "h0", "c0", "p"], ["y", "yh", "yc"],
                                                 hidden_size=3)],
                               {"x": F(5, 2, 4), "lens": np.array([5, 3], np.int32), "h0": F(1, 2, 3), "c0": F(1, 2, 3)},
                               {"w": F(1, 12, 4), "r": F(1, 12, 3), "b": F(1, 24), "p": F(1, 9)}, 17),
    "lstm_bidirectional": ([helper.make_node("LSTM", ["x", "w", "r", "b"], ["y", "yh", "yc"], hidden_size=3,
                                             direction="bidirectional")],
                           {"x": F(4, 2, 3)}, {"w": F(2, 12, 3), "r": F(2, 12, 3), "b": F(2, 24)}, 17),
    "lstm_reverse_lengths": ([helper.make_node("LSTM", ["x", "w", "r", "", "lens"], ["y", "yh"], hidden_size=2,
                                               direction="reverse")],
                             {"x": F(4, 3, 2), "lens": np.array([2, 4, 1], np.int32)},
                             {"w": F(1, 8, 2), "r": F(1, 8, 2)}, 17),
    "gru_bidirectional_lengths": ([helper.make_node("GRU", ["x", "w", "r", "b", "lens"], ["y", "yh"], hidden_size=3,
                                                    direction="bidirectional", linear_before_reset=1)],
                                  {"x": F(4, 2, 3), "lens": np.array([2, 4], np.int32)},
                                  {"w": F(2, 9, 3), "r": F(2, 9, 3), "b": F(2, 18)}, 17),
    "gru_and_rnn": ([helper.make_node("GRU", ["x", "w", "r", "b", "", "h0"], ["y", "yh"], hidden_size=3),
                     helper.make_node("RNN", ["x", "rw", "rr", "rb"], ["ry", "ryh"], hidden_size=2,
                                      direction="bidirectional", activations=["Relu", "Tanh"])],
                    {"x": F(4, 2, 3), "h0": F(1, 2, 3)},
                    {"w": F(1, 9, 3), "r": F(1, 9, 3), "b": F(1, 18), "rw": F(2, 2, 3), "rr": F(2, 2, 2),
                     "rb": F(2, 4)}, 17),
    "pads_splits_opset18": ([helper.make_node("Pad", ["x", "p1"], ["reflect"], mode="reflect"),
                             helper.make_node("Pad", ["x", "p2", "", "ax"], ["crop"]),
                             helper.make_node("Split", ["x"], ["s1", "s2", "s3"], axis=2, num_outputs=3),
                             helper.make_node("Squeeze", ["one"], ["sq"]),
                             helper.make_node("ReduceSum", ["x", "none"], ["same"], noop_with_empty_axes=1),
                             helper.make_node("ReduceMin", ["x"], ["all"], keepdims=0)],
                            {"x": F(2, 3, 7), "one": F(1, 3, 1)},
                            {"p1": I64(0, 1, 2, 0, 1, 3), "p2": I64(-1, 2, 1, -2), "ax": I64(1, 2),
                             "none": np.zeros(0, np.int64)}, 18),
    "gelu_opset20": ([helper.make_node("Gelu", ["x"], ["y"]), helper.make_node("Gelu", ["x"], ["z"], approximate="tanh")],
                     {"x": F(3, 4)}, {}, 20),
    "reduce_axes_input_opset18": ([helper.make_node("ReduceMax", ["x", "ax"], ["y"], keepdims=1),
                                   helper.make_node("ReduceLogSumExp", ["x", "ax"], ["z"], keepdims=0)],
                                  {"x": F(2, 3, 4)}, {"ax": I64(-1, 1)}, 18),
}


@pytest.mark.parametrize("name", sorted(OPS))
def test_operator_matches_onnxruntime(name):
    nodes, inputs, inits, opset = OPS[name]
    produced = [o for n in nodes for o in n.output]
    read = {i for n in nodes for i in n.input}
    outputs = [o for o in produced if o not in read] + [o for o in produced if o in read][-2:]
    model = _model(nodes, [(k, None, helper.np_dtype_to_tensor_dtype(v.dtype)) for k, v in inputs.items()], outputs,
                   [_const(k, v) for k, v in inits.items()], opset)
    feeds = dict(inputs)
    want = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"]).run(outputs, feeds)
    m = wb.onnx.load(model)
    got = m(**feeds)
    got = got if isinstance(got, list) else [got]
    assert m.output_names == outputs
    for o, g, w in zip(outputs, got, want):
        assert g.shape == w.shape, o
        np.testing.assert_allclose(g.numpy(), w, atol=2e-5, rtol=2e-5, err_msg=o)


def test_recurrent_batch_first_layout_and_gradients():
    """layout = 1 (batch first; onnxruntime's CPU kernels refuse it) gives the layout-0 results
    transposed; gradients through a bidirectional GRU with lengths match finite differences."""
    w, r, b = F(2, 12, 3), F(2, 12, 3), F(2, 24)
    inits = [_const("w", w), _const("r", r), _const("b", b)]

    def lstm(layout):
        node = helper.make_node("LSTM", ["x", "w", "r", "b"], ["y", "yh", "yc"], hidden_size=3,
                                direction="bidirectional", layout=layout)
        return wb.onnx.load(_model([node], [("x", None)], ["y", "yh", "yc"], inits))

    x = F(4, 2, 3)  # [steps, batch, features]
    y, yh, yc = lstm(0)(x)
    y1, yh1, yc1 = lstm(1)(np.transpose(x, (1, 0, 2)))
    np.testing.assert_allclose(y1.numpy(), np.transpose(y.numpy(), (2, 0, 1, 3)), atol=1e-6)
    np.testing.assert_allclose(yh1.numpy(), np.transpose(yh.numpy(), (1, 0, 2)), atol=1e-6)
    np.testing.assert_allclose(yc1.numpy(), np.transpose(yc.numpy(), (1, 0, 2)), atol=1e-6)
    gru = helper.make_node("GRU", ["x", "gw", "gr", "gb", "lens"], ["y", "yh"], hidden_size=2,
                           direction="bidirectional")
    model = _model([gru], [("x", None)], ["y", "yh"],
                   [_const("gw", F(2, 6, 3)), _const("gr", F(2, 6, 2)), _const("gb", F(2, 12)),
                    _const("lens", np.array([3, 1], np.int32))])
    m = wb.onnx.load(model, dtype="float64")
    from gradients import check_gradients
    check_gradients(lambda t: m(t), [R.standard_normal((3, 2, 3))], order=1, modes=("rev",))


# -- what is not covered, and bad calls ------------------------------------------------------

def _one(node, opset=17):
    return _model([node], [("x", [2, 3, 4, 4])], list(node.output), opset=opset)


def test_an_operator_outside_the_covered_set_fails_at_load_naming_it():
    model = _model([helper.make_node("Relu", ["x"], ["r"], name="first"),
                    helper.make_node("TopK", ["r", "k"], ["v", "i"], name="pick_best")],
                   [("x", [2, 5])], ["v"], [_const("k", I64(2))])
    with pytest.raises(UnsupportedError, match=r"operator 'TopK' in node 'pick_best' \(TopK\) is not covered"):
        wb.onnx.load(model)


def test_unsupported_attributes_and_domains_fail_at_load():
    with pytest.raises(UnsupportedError, match=r"'AveragePool' in node 'avg'.*ceil_mode = 1"):
        wb.onnx.load(_one(helper.make_node("AveragePool", ["x"], ["y"], name="avg", kernel_shape=[2, 2], ceil_mode=1)))
    with pytest.raises(UnsupportedError, match=r"'MaxPool' in node 'mp'.*dilations = \[2, 2\]"):
        wb.onnx.load(_one(helper.make_node("MaxPool", ["x"], ["y"], name="mp", kernel_shape=[2, 2], dilations=[2, 2])))
    with pytest.raises(UnsupportedError, match=r"attribute 'bogus' of operator 'Relu' in node 'r'"):
        wb.onnx.load(_one(helper.make_node("Relu", ["x"], ["y"], name="r", bogus=1)))
    with pytest.raises(UnsupportedError, match=r"'Pad' in node 'p'.*mode = 'edge'"):
        wb.onnx.load(_model([helper.make_node("Pad", ["x", "pads"], ["y"], name="p", mode="edge")],
                            [("x", [2, 3])], ["y"], [_const("pads", I64(0, 1, 0, 1))]))
    with pytest.raises(UnsupportedError, match=r"asks for 2 outputs; only the first 1"):
        wb.onnx.load(_one(helper.make_node("MaxPool", ["x"], ["y", "idx"], name="mp", kernel_shape=[2, 2])))
    fused = helper.make_node("FusedMatMul", ["x", "x"], ["y"], name="fm", domain="com.microsoft")
    model = _one(fused)
    model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    with pytest.raises(UnsupportedError, match=r"'FusedMatMul' of domain 'com.microsoft' in node 'fm'"):
        wb.onnx.load(model)
    with pytest.raises(UnsupportedError, match=r"opset 11 is not covered"):
        wb.onnx.load(_one(helper.make_node("Relu", ["x"], ["y"]), opset=11))


def test_bad_calls_name_the_input(exported, tmp_path):
    _, _, _, path = exported["residual"]
    m = wb.onnx.load(path)
    with pytest.raises(ValueError, match=r"input 'input_0' must have shape \['\?', 6\], got \[2, 5\]"):
        m(np.ones((2, 5), np.float32))
    with pytest.raises(TypeError, match=r"takes 1 input\(s\) \['input_0'\], got 2"):
        m(np.ones((2, 6), np.float32), np.ones((2, 6), np.float32))
    with pytest.raises(TypeError, match=r"unknown: \['features'\]"):
        m(features=np.ones((2, 6), np.float32))
    with pytest.raises(TypeError, match="has no training argument"):
        m(np.ones((2, 6), np.float32), training=True)
    with pytest.raises(FileNotFoundError, match="no file at"):
        wb.onnx.load(str(tmp_path / "missing.onnx"))
    with pytest.raises(TypeError, match="must be a path or an onnx.ModelProto"):
        wb.onnx.load(42)
    with pytest.raises(ValueError, match="dtype must be a floating dtype"):
        wb.onnx.load(path, dtype="int32")


# -- fit inside an Experiment logs the trained model as an MLflow (ONNX) model ----------------

@pytest.mark.slow  # a fresh SQLite store for MLflow takes seconds to create
def test_fit_in_an_experiment_logs_the_model_for_mlflow(tmp_path, monkeypatch):
    mlflow = pytest.importorskip("mlflow", reason="logging the model needs MLflow (the tracking extra)")
    from mlflow.tracking import MlflowClient

    for var in ("WORKBENCH_TRACKING_URI", "MLFLOW_TRACKING_URI", "WORKBENCH_PARENT_RUN_ID"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)
    store = f"sqlite:///{tmp_path}/mlflow.db"
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((32, 5)).astype(np.float32), rng.standard_normal((32, 2)).astype(np.float32)
    model = wb.keras.Sequential([L.Dense(8, activation="relu"), L.Dense(2)])
    model.compile(optimizer="adam", loss="mse")
    logger = wb.keras.callbacks.ExperimentLogger(log_model="onnx", registered_model_name="fit-mlp")
    with wb.Experiment("onnx-fit", tracking_uri=store, logdir=str(tmp_path / "runs"), system_metrics=False) as exp:
        model.fit(x, y, epochs=2, batch_size=8, verbose=0, callbacks=[logger])
        run_id = exp.run_id
    client = MlflowClient(store)
    files = {a.path for a in client.list_artifacts(run_id, "model")}
    assert {"model/MLmodel", "model/model.onnx"} <= files
    assert "loss" in client.get_run(run_id).data.metrics
    assert [str(v.version) for v in client.search_model_versions("name='fit-mlp'")] == ["1"]
    want = model(wb.constant(x)).numpy()
    mlflow.set_tracking_uri(store)
    try:
        got = mlflow.pyfunc.load_model(f"runs:/{run_id}/model").predict(x)
        got = got if isinstance(got, np.ndarray) else next(iter(got.values()))
        np.testing.assert_allclose(np.asarray(got), want, atol=ATOL)
        local = mlflow.artifacts.download_artifacts(f"runs:/{run_id}/model/model.onnx", dst_path=str(tmp_path / "dl"))
    finally:
        mlflow.set_tracking_uri(None)
    np.testing.assert_allclose(wb.onnx.load(local)(x).numpy(), want, atol=ATOL)  # and it imports back


def test_experiment_logger_log_model_values():
    with pytest.raises(ValueError, match=r"log_model must be True, False, 'keras' or 'onnx', got 'pb'"):
        wb.keras.callbacks.ExperimentLogger(log_model="pb")
    with pytest.raises(ValueError, match="registered_model_name needs log_model='onnx'"):
        wb.keras.callbacks.ExperimentLogger(registered_model_name="m")
