"""``wb.keras.ops`` on symbolic tensors (``wb.keras.Input``) as Keras 3.15's ops on KerasTensors:
each call records a graph node whose shape and dtype are Keras 3.15's (pinned from Keras 3.15.1
with the TF backend), models built from them run as the same ops run eagerly, save to and load
from .keras files in Keras 3.15's form (a file written by Keras 3.15 loads here), and train."""

import json
import pathlib
import zipfile

import numpy as np
import pytest

import workbench as wb

keras = wb.keras
ops = keras.ops
FIXTURES = pathlib.Path(__file__).parent / "fixtures"


def test_output_specs_are_keras_315s():
    x = keras.Input((4,))
    i = keras.Input((3,), dtype="int32")
    s = keras.Input((None, 6))
    cases = {
        "mean": (ops.mean(x, axis=1), (None,), "float32"),
        "sum_i": (ops.sum(i, axis=-1), (None,), "int32"),
        "mean_i": (ops.mean(i, axis=1), (None,), "float32"),
        "sqrt_i": (ops.sqrt(i), (None, 3), "float32"),
        "add_i_f": (ops.add(i, 2.5), (None, 3), "float32"),
        "argmax": (ops.argmax(x, axis=-1), (None,), "int32"),
        "reshape": (ops.reshape(x, (-1, 2, 2)), (None, 2, 2), "float32"),
        "expand": (ops.expand_dims(x, -1), (None, 4, 1), "float32"),
        "transpose": (ops.transpose(s, (0, 2, 1)), (None, 6, None), "float32"),
        "matmul": (ops.matmul(x, np.ones((4, 3), "float32")), (None, 3), "float32"),
        "stack": (ops.stack([x, x], axis=1), (None, 2, 4), "float32"),
        "one_hot": (ops.one_hot(i, 5), (None, 3, 5), "float32"),
        "cast": (ops.cast(x, "int32"), (None, 4), "int32"),
        "softmax": (ops.softmax(s, axis=-1), (None, None, 6), "float32"),
        "take": (ops.take(x, [0, 2], axis=1), (None, 2), "float32"),
        "cumsum": (ops.cumsum(s, axis=1), (None, None, 6), "float32"),
        "gt": (x > 0, (None, 4), "bool"),
        "and": ((x > 0) & (x < 1), (None, 4), "bool"),
        "seq_mean": (ops.mean(s, axis=1), (None, 6), "float32"),
        "einsum": (ops.einsum("bij,bkj->bik", s, s), (None, None, None), "float32"),
        "tile": (ops.tile(x, (1, 2)), (None, 8), "float32"),
        "pad": (ops.pad(s, ((0, 0), (1, 1), (0, 0))), (None, None, 6), "float32"),
        "norm": (ops.norm(x, axis=-1), (None,), "float32"),
        "round": (round(x), (None, 4), "float32"),
        "repeat": (ops.repeat(x, 2, axis=1), (None, 8), "float32"),
        "clip_i": (ops.clip(i, 0, 1), (None, 3), "int32"),
    }
    for name, (t, shape, dtype) in cases.items():
        assert (t.shape, str(t.dtype)) == (shape, dtype), name
    assert [t.shape for t in ops.split(x, 2, axis=1)] == [(None, 2), (None, 2)]
    # Keras 3 answers these from the spec, without a node
    assert ops.shape(s) == (None, None, 6)
    assert ops.is_tensor(x) is False
    assert ops.dtype(i) == "int32"


def _brief_model():
    x = keras.Input((4,))
    outs = [ops.concatenate([x, ops.square(x)], axis=-1), ops.mean(x, axis=1, keepdims=True),
            ops.reshape(x, (-1, 2, 2)), ops.expand_dims(x, 1), ops.where(x > 0, x, 0.0),
            ops.matmul(x, np.arange(12, dtype="float32").reshape(4, 3)), ops.relu(x),
            ops.einsum("bi,bj->bij", x, x), ops.linalg.inv(ops.reshape(ops.tile(x, (1, 1)), (-1, 2, 2)) + 3.0)]
    return x, outs


def test_model_outputs_equal_the_eager_ops():
    x, outs = _brief_model()
    model = keras.Model(x, outs)
    v = np.arange(8, dtype="float32").reshape(2, 4) - 3
    want = [ops.concatenate([v, ops.square(v)], axis=-1), ops.mean(v, axis=1, keepdims=True),
            ops.reshape(v, (-1, 2, 2)), ops.expand_dims(v, 1), ops.where(v > 0, v, 0.0),
            ops.matmul(v, np.arange(12, dtype="float32").reshape(4, 3)), ops.relu(v),
            ops.einsum("bi,bj->bij", v, v), ops.linalg.inv(ops.reshape(v, (-1, 2, 2)) + 3.0)]
    got = model(v)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g.numpy(), w.numpy(), rtol=1e-6)
    # Keras 3.15's values of the brief's model (keras.ops on a KerasTensor)
    np.testing.assert_allclose(got[0].numpy(), [[-3, -2, -1, 0, 9, 4, 1, 0], [1, 2, 3, 4, 1, 4, 9, 16]])
    np.testing.assert_allclose(got[4].numpy(), [[0, 0, 0, 0], [1, 2, 3, 4]])


def test_inputs_outputs_and_layers_as_keras_315():
    x = keras.Input((3,), dtype="int32")
    y = ops.mean(x, axis=1)
    one = keras.Model(x, y)
    assert one.inputs == [x] and one.outputs == [y]
    assert one.input is x and one.output is y
    listed = keras.Model([x], [y])
    assert listed.input is x and listed.output is y and listed.inputs == [x]
    d = {"b": keras.Input((2,), name="b"), "a": keras.Input((2,), name="a")}
    out = {"o": d["a"] * 2 + d["b"]}
    m = keras.Model(d, out)
    assert m.inputs == [d["a"], d["b"]] and m.outputs == [out["o"]]
    assert m.input is d and m.output is out
    # ops and operators are operations, not layers (Keras 3.15 lists only layers)
    z = keras.Input((4,))
    h = keras.layers.Dense(3)(ops.square(z))
    assert [type(l).__name__ for l in keras.Model(z, ops.mean(h, axis=1)).layers] == ["Dense"]


def test_summary_shapes():
    lines = []
    keras.backend.clear_session()   # Keras 3.15's names: square, concatenate, get_item, dense, ...
    x = keras.Input((4,), name="x")
    h = keras.layers.Dense(3)(ops.concatenate([x, ops.square(x)], axis=-1)[:, :4])
    y = ops.mean(ops.reshape(h * 2, (-1, 3, 1)), axis=1)
    keras.Model(x, y).summary(print_fn=lines.append)
    text = "\n".join(lines)
    # Keras 3.15's rows: square (Square) (None, 4), concatenate (None, 8), get_item (GetItem) (None, 4),
    # dense (None, 3) with 15 parameters, multiply (Multiply), reshape (None, 3, 1), mean (None, 1)
    for name, shape in [("square (Square)", "(None, 4)"), ("concatenate", "(None, 8)"),
                        ("get_item (GetItem)", "(None, 4)"), ("multiply (Multiply)", "(None, 3)"),
                        ("reshape (Reshape)", "(None, 3, 1)"), ("mean (Mean)", "(None, 1)")]:
        row = next(line for line in text.splitlines() if line.startswith(f"│ {name}"))
        assert shape in row, (name, row)
    assert "Total params: 15" in text


def test_save_load_round_trip_in_keras_315s_form(tmp_path):
    keras.backend.clear_session()   # the ops' names start afresh: mean, reshape, ...
    x, outs = _brief_model()
    model = keras.Model(x, outs)
    path = str(tmp_path / "ops.keras")
    model.save(path)
    config = json.loads(zipfile.ZipFile(path).read("config.json"))
    entries = {e["name"]: e for e in config["config"]["layers"]}
    mean = entries["mean"]
    assert (mean["module"], mean["class_name"], mean["config"]) == (
        "keras.src.ops.numpy", "Mean", {"name": "mean", "axis": 1, "keepdims": True})
    assert entries["reshape"]["config"] == {"name": "reshape", "newshape": [-1, 2, 2]}
    assert entries["inv"]["module"] == "keras.src.ops.linalg"
    assert entries["relu"]["module"] == "keras.src.ops.nn" and entries["relu"]["class_name"] == "Relu"
    constant = entries["matmul"]["inbound_nodes"][0]["args"][1]
    assert constant["class_name"] == "__numpy__" and constant["config"]["dtype"] == "float32"
    where = entries["where"]["inbound_nodes"][0]["args"]
    assert where[0]["config"]["keras_history"][0] == "greater" and where[2] == 0.0
    again = keras.models.load_model(path)
    v = np.linspace(-2, 2, 8, dtype="float32").reshape(2, 4)
    for g, h in zip(model(v), again(v)):
        np.testing.assert_allclose(g.numpy(), h.numpy(), rtol=1e-6)
    clone = keras.Model.from_config(model.get_config())
    for g, h in zip(model(v), clone(v)):
        np.testing.assert_allclose(g.numpy(), h.numpy(), rtol=1e-6)


def test_a_file_written_by_keras_315_loads():
    # Keras 3.15.1 wrote it for: x = Input((4,)); outputs concatenate([x, square(x)], -1), mean(., axis=1,
    # keepdims=True), reshape(x, (-1, 2, 2)), expand_dims(x, 1), where(x > 0, x, 0.0),
    # matmul(x, ones((4, 3))), keras.activations.relu(x)
    model = keras.models.load_model(str(FIXTURES / "keras_symbolic_s17_ops_keras315.keras"))
    v = np.arange(8, dtype="float32").reshape(2, 4) - 3
    got = [g.numpy() for g in model(v)]
    c = np.concatenate([v, v ** 2], axis=-1)
    want = [c, c.mean(axis=1, keepdims=True), v.reshape(-1, 2, 2), v[:, None], np.where(v > 0, v, 0.0),
            v @ np.ones((4, 3), "float32"), np.maximum(v, 0)]
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-6)


def test_fit_through_ops():
    x = keras.Input((4,))
    h = keras.layers.Dense(8, activation="relu")(ops.concatenate([x, ops.square(x)], axis=-1))
    y = ops.sum(keras.layers.Dense(2)(h), axis=-1, keepdims=True)
    model = keras.Model(x, y)
    model.compile(optimizer="adam", loss="mse")
    data = np.random.default_rng(0).normal(size=(64, 4)).astype("float32")
    target = (data ** 2).sum(axis=1, keepdims=True)
    before = model.evaluate(data, target, verbose=0)
    history = model.fit(data, target, epochs=5, batch_size=16, verbose=0)
    assert len(history.history["loss"]) == 5
    assert model.evaluate(data, target, verbose=0) < before


def test_eager_calls_are_unchanged_and_identities_hold():
    assert ops.nn.relu is ops.relu and ops.numpy.mean is ops.mean
    assert ops.core.convert_to_tensor is ops.numpy.convert_to_tensor
    np.testing.assert_allclose(ops.mean(np.ones((2, 3)), axis=1).numpy(), [1.0, 1.0])
    with pytest.raises(ValueError, match="no value"):
        ops.convert_to_numpy(keras.Input((2,)))


def test_operators_are_written_as_keras_315_ops(tmp_path):
    x = keras.Input((4,))
    y = keras.Input((4,))
    model = keras.Model([x, y], [x[..., None, 1], 2 - x, -x, abs(x), x[:, 1:3] * y[:, :2], x ** 2 / 3])
    path = str(tmp_path / "operators.keras")
    model.save(path)
    entries = json.loads(zipfile.ZipFile(path).read("config.json"))["config"]["layers"]
    by_class = {}
    for e in entries[2:]:
        assert e["module"] == "keras.src.ops.numpy"
        by_class.setdefault(e["class_name"], []).append(e["inbound_nodes"][0]["args"])
    assert sorted(by_class) == ["Absolute", "GetItem", "Multiply", "Negative", "Power", "Subtract", "TrueDivide"]
    first_key = by_class["GetItem"][0][1]   # Keras 3.15 writes x[..., None, 1] so
    assert first_key == [{"class_name": "__ellipsis__", "config": {}}, None, 1]
    assert by_class["Subtract"][0][0] == 2 and by_class["TrueDivide"][0][1] == 3
    a = np.linspace(-2, 2, 8, dtype="float32").reshape(2, 4)
    b = a[::-1].copy()
    again = keras.models.load_model(path)
    for g, h in zip(model([a, b]), again([a, b])):
        np.testing.assert_allclose(g.numpy(), h.numpy(), rtol=1e-6)


def test_a_keras_315_file_with_operators_loads():
    # Keras 3.15.1 wrote it for: x = Input((4,)); outputs x[..., None, 1], 2 - x, -x, abs(x)
    model = keras.models.load_model(str(FIXTURES / "keras_symbolic_s17_operators_keras315.keras"))
    v = np.linspace(-2, 2, 8, dtype="float32").reshape(2, 4)
    got = [g.numpy() for g in model(v)]
    for g, w in zip(got, [v[..., None, 1], 2 - v, -v, abs(v)]):
        np.testing.assert_allclose(g, w)


# -- keras.ops and keras.backend leftovers, values pinned from Keras 3.15.1 / tf.keras (TF 2.21) ------

REF = np.load(FIXTURES / "keras_symbolic_s17_keras315.npz")
STFT_CASES = [(8, 4, 8, "hann", True), (6, 3, 8, "hamming", False), (5, 2, 8, None, True)]


def _signal():
    return np.random.default_rng(0).normal(size=(2, 20))


def test_stft_istft_values():
    x = _signal()
    for i, (sl, st, fl, win, center) in enumerate(STFT_CASES):
        re, im = ops.stft(x, sl, st, fl, win, center)
        np.testing.assert_allclose(re.numpy(), REF[f"stft{i}_re"], atol=1e-12)
        np.testing.assert_allclose(im.numpy(), REF[f"stft{i}_im"], atol=1e-12)
        np.testing.assert_allclose(ops.istft((re, im), sl, st, fl, window=win, center=center).numpy(),
                                   REF[f"istft{i}"], atol=1e-12)
        np.testing.assert_allclose(ops.istft((re, im), sl, st, fl, length=15, window=win, center=center).numpy(),
                                   REF[f"istft{i}_len"], atol=1e-12)
    # a hann-windowed round trip gives the signal back
    np.testing.assert_allclose(ops.istft(ops.stft(x, 8, 4, 8), 8, 4, 8, length=20).numpy(), x, atol=1e-12)
    with pytest.raises(TypeError, match="float32 or float64"):
        ops.stft(np.arange(20), 8, 4, 8)
    with pytest.raises(ValueError, match="fft_length must be at least sequence_length"):
        ops.stft(x, 8, 4, 4)
    with pytest.raises(ValueError, match="window must be 'hann', 'hamming'"):
        ops.stft(x, 8, 4, 8, window="blackman")


def test_stft_istft_gradients():
    x = wb.constant(_signal()[:1, :12])
    wb.autodiff.check_gradients(lambda t: ops.stft(t, 6, 3, 8, "hann", True)[0], [x], order=1, modes=("rev",))
    spec = ops.stft(_signal()[:1, :12], 6, 3, 8)
    wb.autodiff.check_gradients(lambda re, im: ops.istft((re, im), 6, 3, 8), [spec[0], spec[1]], order=1,
                                modes=("rev",))


def test_ctc_decode_values():
    rng = np.random.default_rng(0)
    _signal_draw = rng.normal(size=(2, 20))  # noqa: F841 (the reference drew the signal first)
    logits = rng.normal(size=(2, 7, 4)).astype("float32")
    lengths = np.array([7, 5], "int32")
    for key, kwargs in [("ctc_g", {}), ("ctc_g2", {"merge_repeated": False, "mask_index": 3}),
                        ("ctc_b", {"strategy": "beam_search", "beam_width": 5, "top_paths": 2})]:
        decoded, scores = ops.ctc_decode(logits, lengths, **kwargs)
        assert decoded.dtype == wb.int32
        np.testing.assert_array_equal(decoded.numpy(), REF[f"{key}_dec"])
        np.testing.assert_allclose(scores.numpy(), REF[f"{key}_score"], rtol=1e-5)
    np.testing.assert_array_equal(REF["ctc_g_dec"][0, 1], [3, 2, 3, 3, -1, -1, -1])
    kb = keras.backend
    probs = wb.nn.softmax(logits)
    decoded, log_prob = kb.ctc_decode(probs, lengths)
    assert decoded[0].dtype == wb.int64
    np.testing.assert_array_equal(decoded[0].numpy(), REF["kb_dec0"])
    np.testing.assert_allclose(log_prob.numpy(), REF["kb_lp"], rtol=1e-5)
    decoded, log_prob = kb.ctc_decode(probs, lengths, greedy=False, beam_width=5, top_paths=2)
    np.testing.assert_array_equal(decoded[0].numpy(), REF["kb_bdec0"])
    np.testing.assert_array_equal(decoded[1].numpy(), REF["kb_bdec1"])
    np.testing.assert_allclose(log_prob.numpy(), REF["kb_blp"], rtol=1e-5)
    with pytest.raises(ValueError, match="strategy must be 'greedy' or 'beam_search'"):
        ops.ctc_decode(logits, lengths, strategy="prefix")


def test_unfold_fold_values_and_gradients():
    rng = np.random.default_rng(0)
    rng.normal(size=(2, 20)), rng.normal(size=(2, 7, 4))   # the reference's earlier draws
    img = rng.normal(size=(2, 3, 5, 6)).astype("float32")
    patches = ops.unfold(img, kernel_size=(2, 3), dilation=1, padding=1, stride=(2, 1))
    np.testing.assert_allclose(patches.numpy(), REF["unfold"])
    np.testing.assert_allclose(ops.fold(patches, output_size=(5, 6), kernel_size=(2, 3), padding=1,
                                        stride=(2, 1)).numpy(), REF["fold"], rtol=1e-6)
    patches = ops.unfold(img, kernel_size=2, dilation=2)
    np.testing.assert_allclose(patches.numpy(), REF["unfold2"])
    np.testing.assert_allclose(ops.fold(patches, output_size=(5, 6), kernel_size=2, dilation=2).numpy(),
                               REF["fold2"], rtol=1e-6)
    small = wb.constant(rng.normal(size=(1, 2, 3, 4)))
    wb.autodiff.check_gradients(lambda t: ops.unfold(t, 2, padding=1, stride=(1, 2)), [small], order=1,
                                modes=("rev",))
    cols = wb.constant(rng.normal(size=(1, 8, 12)))
    wb.autodiff.check_gradients(lambda t: ops.fold(t, (3, 4), 2, padding=1, stride=(1, 2)), [cols], order=1,
                                modes=("rev",))
    with pytest.raises(ValueError, match="must be 4-D"):
        ops.unfold(img[0], 2)


def test_rearrange_values_and_errors():
    rng = np.random.default_rng(0)
    rng.normal(size=(2, 20)), rng.normal(size=(2, 7, 4)), rng.normal(size=(2, 3, 5, 6))
    im = rng.normal(size=(2, 4, 6, 3)).astype("float32")
    np.testing.assert_array_equal(ops.rearrange(im, "b h w c -> b c h w").numpy(), REF["rearr1"])
    np.testing.assert_array_equal(ops.rearrange(im, "b h w c -> (b h) w c").numpy(), REF["rearr2"])
    np.testing.assert_array_equal(ops.rearrange(im, "b (h1 h) (w1 w) c -> (b h1 w1) h w c", h1=2, w1=3).numpy(),
                                  REF["rearr3"])
    np.testing.assert_array_equal(ops.rearrange(im, "b h w c -> b (c h w)").numpy(), REF["rearr4"])
    with pytest.raises(ValueError, match="must name the same axes"):
        ops.rearrange(im, "b h w c -> b h w")
    with pytest.raises(ValueError, match="cannot be split"):
        ops.rearrange(im, "b (h1 h) w c -> b h1 h w c", h1=3)


def test_jvp_and_vectorize():
    c = lambda v: wb.constant(v, wb.float64)  # noqa: E731
    out, tangent = ops.jvp(lambda a, b: ops.sin(a) * b, (c([0.5, 1.0]), c([2.0, 3.0])),
                           (c([1.0, 0.0]), c([0.5, 1.0])))
    np.testing.assert_allclose(out.numpy(), REF["jvp_p"])
    np.testing.assert_allclose(tangent.numpy(), REF["jvp_t"])
    out, tangent, aux = ops.jvp(lambda a: (a * a, "aux"), (c([3.0]),), (c([1.0]),), has_aux=True)
    assert tangent.numpy().tolist() == [6.0] and aux == "aux"
    # vectorize follows NumPy's (Keras 3.15's TF backend refuses every call of it)
    vf = ops.vectorize(lambda a, b: a * b + 1)
    assert vf(np.arange(4.0, dtype="float32"), 2.0).numpy().tolist() == [1.0, 3.0, 5.0, 7.0]
    vm = ops.vectorize(lambda m, v: ops.matmul(m, v), signature="(m,n),(n)->(m)")
    a, v = np.arange(24, dtype="float32").reshape(3, 2, 4), np.arange(4, dtype="float32")
    np.testing.assert_array_equal(vm(a, v).numpy(), a @ v)
    assert ops.vectorize(lambda x, p: x ** p, excluded={1})(np.arange(3.0), 2).numpy().tolist() == [0.0, 1.0, 4.0]


def test_backend_result_type_and_ctc_labels():
    kb = keras.backend
    # Keras 3.15's keras.backend.result_type (JAX's lattice, floatx for weak floats)
    assert kb.result_type("int32", "float16") == "float16"
    assert kb.result_type("int8", "uint8") == "int16"
    assert kb.result_type("int64", "float16") == "float16"
    assert kb.result_type("uint64", "int64") == "float32"
    assert kb.result_type("bool", "int8") == "int8"
    assert kb.result_type(int, "float16") == "float16" and kb.result_type(float, "int32") == "float32"
    assert kb.result_type(int, "uint8") == "uint8" and kb.result_type(bool, int) == "int32"
    assert kb.result_type("uint8", "uint64") == "uint32" and kb.result_type("float64", "complex64") == "complex64"
    assert kb.result_type() == "float32" and kb.result_type(int) == "int32"
    assert kb.result_type("int8", "uint8", "float16") == "float16"
    sp = kb.ctc_label_dense_to_sparse(np.array([[1, 2, 3], [4, 5, 0]], np.int32), np.array([3, 2]))
    assert sp.indices.numpy().tolist() == [[0, 0], [0, 1], [0, 2], [1, 0], [1, 1]]
    assert sp.values.numpy().tolist() == [1, 2, 3, 4, 5] and sp.dense_shape.numpy().tolist() == [2, 3]


def test_backend_rnn():
    kb = keras.backend
    x, w, u = REF["rnn_x"], REF["rnn_W"], REF["rnn_U"]
    h0 = np.zeros((2, 2), "float32")
    mask = np.array([[1, 1, 0, 1], [1, 0, 0, 0]], bool)

    def step(xt, states):
        h = wb.tanh(wb.matmul(xt, w) + wb.matmul(states[0], u))
        return h * 2, [h]
    cases = {"plain": {}, "back": {"go_backwards": True}, "mask": {"mask": mask},
             "maskz": {"mask": mask, "zero_output_for_mask": True}, "last": {"return_all_outputs": False},
             "tm": {"time_major": True}, "maskback": {"mask": mask, "go_backwards": True}}
    for name, kwargs in cases.items():
        xin = np.swapaxes(x, 0, 1) if name == "tm" else x
        last, outs, states = kb.rnn(step, wb.constant(xin), [wb.constant(h0)], **kwargs)
        np.testing.assert_allclose(last.numpy(), REF[f"rnn_{name}_last"], atol=2e-6)
        np.testing.assert_allclose(outs.numpy(), REF[f"rnn_{name}_outs"], atol=2e-6)
        np.testing.assert_allclose(states[0].numpy(), REF[f"rnn_{name}_state"], atol=2e-6)

    def with_constant(xt, states):
        h = wb.tanh(wb.matmul(xt, w) + wb.matmul(states[0], u)) + states[1]
        return h, [h]
    last, outs, _ = kb.rnn(with_constant, wb.constant(x), [wb.constant(h0)], constants=[wb.ones((2, 2))])
    np.testing.assert_allclose(outs.numpy(), REF["rnn_const_outs"], atol=2e-6)


def test_activations_on_symbolic_tensors(tmp_path):
    acts = keras.activations
    x = keras.Input((4,))
    outs = [acts.relu(x), acts.gelu(x), acts.mish(x), acts.softmax(x), acts.exponential(x), acts.swish(x),
            acts.celu(x), acts.leaky_relu(x, alpha=0.1), acts.gelu(x, approximate=True)]
    assert acts.linear(x) is x and all(o.shape == (None, 4) for o in outs)
    model = keras.Model(x, outs)
    v = np.linspace(-2, 2, 8, dtype="float32").reshape(2, 4)
    eager = [acts.relu(v), acts.gelu(v), acts.mish(v), acts.softmax(v), acts.exponential(v), acts.swish(v),
             acts.celu(v), acts.leaky_relu(v, alpha=0.1), acts.gelu(v, approximate=True)]
    for g, w in zip(model(v), eager):
        np.testing.assert_allclose(g.numpy(), w.numpy(), rtol=1e-6)
    path = str(tmp_path / "acts.keras")
    model.save(path)
    entries = json.loads(zipfile.ZipFile(path).read("config.json"))["config"]["layers"][1:]
    # as Keras 3.15 writes them: the ops the activations call (gelu's approximate=False spelled out),
    # mish as the activations module's own op
    assert [(e["module"].rsplit(".", 1)[-1], e["class_name"]) for e in entries[:3]] == [
        ("nn", "Relu"), ("nn", "Gelu"), ("activations", "Mish")]
    assert entries[1]["config"]["approximate"] is False and entries[7]["config"]["negative_slope"] == 0.1
    for g, h in zip(model(v), keras.models.load_model(path)(v)):
        np.testing.assert_allclose(g.numpy(), h.numpy(), rtol=1e-6)
    # the tables still name the plain functions
    assert acts.get("relu") is acts.relu and acts.serialize(wb.nn.relu) == "relu"
    assert keras.layers.Dense(2, activation=wb.nn.relu).get_config()["activation"] == "relu"


def test_value_dependent_sizes_are_unknown_and_random_ops_refuse_symbolic_tensors():
    x = keras.Input((3,))
    # Keras 3.15: nonzero gives (None,) twice, unique of a vector (None,)
    assert [t.shape for t in ops.nonzero(x)] == [(None,), (None,)]
    assert ops.unique(ops.reshape(x, (-1,))).shape == (None,)
    assert ops.sort(x).shape == (None, 3) and repr(ops.sum(x, axis=1)).startswith("<SymbolicTensor shape=(None,)")
    # Keras 3.15's keras.random ops refuse a KerasTensor with a ValueError
    for call in (lambda: keras.random.dropout(x, 0.5), lambda: keras.random.shuffle(x),
                 lambda: keras.random.categorical(x, 2)):
        with pytest.raises(ValueError, match="cannot be used as input"):
            call()


def test_a_keras_315_file_of_40_ops_loads_and_is_written_back(tmp_path):
    # tests/fixtures/keras_symbolic_s17_many_ops_make.py wrote the model and its outputs with Keras 3.15
    model = keras.models.load_model(str(FIXTURES / "keras_symbolic_s17_many_ops_keras315.keras"))
    ref = np.load(FIXTURES / "keras_symbolic_s17_many_ops_keras315.npz")
    inputs = [ref["vx"], ref["vi"], ref["vs"]]

    def check(m):
        got = m(inputs)
        assert len(got) == 40
        for k, g in enumerate(got):
            want = ref[f"o{k}"]
            assert g.shape == want.shape and g.numpy().dtype == want.dtype, k
            np.testing.assert_allclose(g.numpy().astype("f8"), want.astype("f8"), atol=1e-5, err_msg=str(k))
    check(model)
    path = str(tmp_path / "again.keras")   # written back in Keras 3.15's form (Keras 3.15 loads it too)
    model.save(path)
    check(keras.models.load_model(path))


def test_functional_input_and_output_shapes_as_keras():
    """Keras 3.15: one input's or output's shape is a tuple, several give a list of tuples."""
    x = wb.keras.Input((4,))
    m = wb.keras.Model(x, wb.keras.layers.Dense(2)(x))
    assert (m.input_shape, m.output_shape) == ((None, 4), (None, 2))
    a, b = wb.keras.Input((3,)), wb.keras.Input((3,))
    two = wb.keras.Model([a, b], [wb.keras.layers.Add()([a, b]), wb.keras.layers.Dense(1)(a)])
    assert two.output_shape == [(None, 3), (None, 1)] and two.input_shape == [(None, 3), (None, 3)]

    class Plain(wb.keras.Model):
        def call(self, inputs):
            return inputs

    with pytest.raises(AttributeError, match="not a functional model"):
        Plain().output_shape


def test_keras_relu_arguments_as_keras():
    """keras.activations.relu(x, negative_slope, max_value, threshold): Keras 3.15's values."""
    r = wb.keras.activations.relu
    x = np.array([-2.0, -0.5, 0.5, 3.0, 7.0])
    np.testing.assert_allclose(r(x, negative_slope=0.1, max_value=5.0, threshold=0.4).numpy(),
                               [-0.24, -0.09, 0.5, 3.0, 5.0])
    np.testing.assert_array_equal(r(x).numpy(), [0.0, 0.0, 0.5, 3.0, 7.0])
    np.testing.assert_array_equal(r(np.array([-2.0, 3.0, 7.0]), max_value=6.0).numpy(), [0.0, 3.0, 6.0])
    np.testing.assert_allclose(r(np.array([-2.0, 3.0]), negative_slope=0.2).numpy(), [-0.4, 3.0])
    out = r(np.array([-2.0, 0.3, 3.0]), threshold=0.5).numpy()
    np.testing.assert_array_equal(out, [0.0, 0.0, 3.0])
    assert not np.signbit(out).any()
    assert wb.keras.activations.get("relu") is r
    assert wb.keras.activations.serialize(wb.nn.relu) == "relu" == wb.keras.activations.serialize(r)
    assert wb.keras.layers.Dense(2, activation=wb.nn.relu).get_config()["activation"] == "relu"
