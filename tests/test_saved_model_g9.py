"""wb.saved_model with open sizes beyond the batch, unknown ranks, custom gradients and random
generators; the values are TF 2.21's, from its saved and loaded functions (scripts under /tmp)."""

import numpy as np
import pytest

import workbench as wb

pytest.importorskip("onnx")


class Model(wb.Module):
    def __init__(self):
        super().__init__()
        self.w = wb.Variable(1.5)
        self.k = wb.Variable(np.arange(8, dtype=np.float32).reshape(4, 2) / 4)

    @wb.function(input_signature=[wb.TensorSpec([None, None])])
    def rows(self, x):
        return wb.reduce_sum(x * self.w, axis=1) + wb.reduce_mean(x)

    @wb.function(input_signature=[wb.TensorSpec([None, None, 4])])
    def seq(self, x):
        return wb.nn.relu(wb.einsum("btf,fk->btk", x, self.k)) - wb.reduce_max(x, axis=1, keepdims=True)[..., :2]


A = np.arange(6, dtype=np.float32).reshape(2, 3)
B = (np.arange(28, dtype=np.float32).reshape(4, 7) - 9) / 10
S1 = np.sin(np.arange(24, dtype=np.float32)).reshape(2, 3, 4)
S2 = np.cos(np.arange(40, dtype=np.float32)).reshape(1, 10, 4)
# TF 2.21: the loaded functions of the same module
ROWS_A = [7.0, 20.5]
ROWS_B = [-5.849999904632568, 1.5000001192092896, 8.84999942779541, 16.200000762939453]
SEQ_1 = [[[0.5523547530174255, 1.1732139587402344], [-0.7627559900283813, -0.8414710164070129],
          [-0.9893582463264465, -0.8414710164070129]],
         [[1.2631773948669434, 1.7205893993377686], [-0.9129452705383301, -0.8366556167602539],
          [-0.9129452705383301, -0.8366556167602539]]]
SEQ_2 = [[[-1.0, -0.9912028312683105], [1.2328546047210693, 1.5776746273040771], [-1.0, -0.9912028312683105],
          [-1.0, -0.9912028312683105], [1.0057919025421143, 1.1186387538909912], [-1.0, -0.9912028312683105],
          [-0.2956874370574951, 0.15565037727355957], [0.1523362398147583, 0.0007159709930419922],
          [-1.0, -0.9912028312683105], [0.7377450466156006, 1.211333990097046]]]


def test_several_open_sizes_are_saved_open(tmp_path):
    wb.saved_model.save(Model(), str(tmp_path / "m"))
    loaded = wb.saved_model.load(str(tmp_path / "m"))
    np.testing.assert_allclose(loaded.rows(A).numpy(), ROWS_A, rtol=1e-6)
    np.testing.assert_allclose(loaded.rows(B).numpy(), ROWS_B, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(loaded.seq(S1).numpy(), SEQ_1, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(loaded.seq(S2).numpy(), SEQ_2, rtol=1e-6, atol=1e-6)
    import onnx
    graph = onnx.load(str(tmp_path / "m" / "functions" / "seq_0.onnx")).graph
    dims = [d.dim_param or d.dim_value for d in graph.input[0].type.tensor_type.shape.dim]
    assert dims == ["batch", "x_dim1", 4]
    out = [d.dim_param or d.dim_value for d in graph.output[0].type.tensor_type.shape.dim]
    assert out == ["batch", "x_dim1", 2]


def test_export_with_an_open_inner_size_runs_in_onnxruntime(tmp_path):
    def f(x):
        return wb.concat([x, x * 2.0], axis=1) - wb.reduce_mean(x, axis=1, keepdims=True)

    result = wb.onnx.export(f, [wb.onnx.TensorSpec((None, None))], str(tmp_path / "f.onnx"))
    assert result.max_abs_diff < 1e-5 and result.fixed == {}
    import onnxruntime as ort
    session = ort.InferenceSession(str(tmp_path / "f.onnx"), providers=["CPUExecutionProvider"])
    x = B
    got, = session.run(None, {"input_0": x})
    np.testing.assert_allclose(got, np.concatenate([x, 2 * x], 1) - x.mean(1, keepdims=True), rtol=1e-6)


def test_a_reshape_to_a_product_of_open_sizes_is_inferred_by_onnx_reshape(tmp_path):
    def f(x):
        return wb.reshape(x, [wb.shape(x)[0] * wb.shape(x)[1]])

    result = wb.onnx.export(f, [wb.onnx.TensorSpec((None, None))], str(tmp_path / "f.onnx"))
    assert result.fixed == {}
    import onnxruntime as ort
    session = ort.InferenceSession(str(tmp_path / "f.onnx"), providers=["CPUExecutionProvider"])
    x = np.arange(28, dtype=np.float32).reshape(4, 7)
    np.testing.assert_array_equal(session.run(None, {"input_0": x})[0], x.reshape(-1))


def test_a_product_of_open_sizes_is_refused_naming_them(tmp_path):
    def f(x):   # a broadcast's shape has no -1 to infer it with
        return wb.broadcast_to(wb.reshape(x, [-1])[:1], [wb.shape(x)[0] * wb.shape(x)[1]])

    with pytest.raises(wb.onnx.ExportError, match="product of open sizes"):
        wb.onnx.export(f, [wb.onnx.TensorSpec((None, None))], str(tmp_path / "f.onnx"))


def test_a_width_the_weights_fix_is_kept_and_other_widths_fail_clearly(tmp_path):
    # the quickstart guide's export: the function runs at one width only (TF's graph fails at run time
    # at any other)
    class Norm(wb.Module):
        def __init__(self):
            super().__init__()
            self.mean = wb.constant(np.arange(9, dtype=np.float32))

        @wb.function(input_signature=[wb.TensorSpec([None, None])])
        def __call__(self, x):
            oh = wb.one_hot(wb.cast(x[:, -1], wb.int32), 3)
            return wb.concat([x[:, :-1], oh], axis=1) - self.mean

    wb.saved_model.save(Norm(), str(tmp_path / "n"))
    loaded = wb.saved_model.load(str(tmp_path / "n"))
    x = np.ones((3, 7), np.float32)
    want = np.concatenate([x[:, :-1], np.eye(3, dtype=np.float32)[[1, 1, 1]]], 1) - np.arange(9)
    np.testing.assert_allclose(loaded(x).numpy(), want)
    with pytest.raises(wb.errors.InvalidArgumentError, match="dimension 1 is open in the signature, but the "
                                                             "saved function's ops run at size 7 alone"):
        loaded(np.ones((3, 8), np.float32))


def test_an_input_of_unknown_rank_is_saved_when_the_program_is_rank_agnostic(tmp_path):
    class AnyRank(wb.Module):
        def __init__(self):
            super().__init__()
            self.w = wb.Variable(1.5)

        @wb.function(input_signature=[wb.TensorSpec(None)])
        def anyrank(self, x):
            return x * self.w + 1.0

    wb.saved_model.save(AnyRank(), str(tmp_path / "m"))
    loaded = wb.saved_model.load(str(tmp_path / "m"))
    # TF 2.21's loaded function at three ranks
    assert loaded.anyrank(wb.constant(2.0)).numpy().tolist() == 4.0
    assert loaded.anyrank(wb.constant([1.0, 2.0])).numpy().tolist() == [2.5, 4.0]
    assert loaded.anyrank(wb.ones([2, 1, 2])).numpy().tolist() == [[[2.5, 2.5]], [[2.5, 2.5]]]
    import onnx
    graph = onnx.load(str(tmp_path / "m" / "functions" / "anyrank_0.onnx")).graph
    assert not graph.input[0].type.tensor_type.HasField("shape")
    assert not graph.output[0].type.tensor_type.HasField("shape")


def test_a_program_that_depends_on_the_rank_is_refused_naming_it(tmp_path):
    class Sum(wb.Module):
        @wb.function(input_signature=[wb.TensorSpec(None)])
        def f(self, x):
            return wb.reduce_sum(x)   # every axis at each rank: saved as a reduction over all

    wb.saved_model.save(Sum(), str(tmp_path / "sum"))
    loaded = wb.saved_model.load(str(tmp_path / "sum"))
    assert float(loaded.f(wb.constant(2.0))) == 2.0 and float(loaded.f(wb.ones([2, 3, 2]))) == 12.0

    class Transpose(wb.Module):
        @wb.function(input_signature=[wb.TensorSpec(None)])
        def f(self, x):
            return wb.transpose(x)   # TF saves it; here the traced permutation is one rank's

    class SumTwo(wb.Module):
        @wb.function(input_signature=[wb.TensorSpec(None)])
        def f(self, x):
            return wb.reduce_sum(x, axis=[0, 1])   # fails at rank 1

    for module in (Transpose(), SumTwo()):
        with pytest.raises(ValueError, match="rank of input 'x'"):
            wb.saved_model.save(module, str(tmp_path / type(module).__name__))


@wb.custom_gradient
def clip_gradients(y):
    def backward(dy):
        return wb.clip_by_norm(dy, 0.5)
    return y, backward


class Clipped(wb.Module):
    def __init__(self):
        super().__init__()
        self.w = wb.Variable(3.0)

    @wb.function(input_signature=[wb.TensorSpec(None)])
    def call_custom_grad(self, x):
        return clip_gradients(x)

    @wb.function(input_signature=[wb.TensorSpec([None])])
    def sq(self, x):
        return clip_gradients(x * x) * self.w


def _gradients(loaded):
    v = wb.Variable(2.0)
    with wb.GradientTape() as tape:
        out = loaded.call_custom_grad(v * v)
    v2 = wb.Variable([1.0, 2.0, -1.0])
    with wb.GradientTape() as tape2:
        o2 = wb.reduce_sum(loaded.sq(v2))
    return float(tape.gradient(out, v)), tape2.gradient(o2, v2).numpy().tolist()


@pytest.mark.parametrize("options", [None, wb.saved_model.SaveOptions(experimental_custom_gradients=True)],
                         ids=["default", "explicit"])
def test_custom_gradients_are_saved_and_the_loaded_gradient_uses_them(tmp_path, options):
    wb.saved_model.save(Clipped(), str(tmp_path / "m"), options=options)
    loaded = wb.saved_model.load(str(tmp_path / "m"))
    # TF 2.21 (advanced_autodiff guide): 2.0, the custom gradient clipping 4 to 2; and the gradient of
    # 3 * clip(x * x) (w = 3 here) with the clipped upstream gradient
    grad, grads = _gradients(loaded)
    assert grad == 2.0
    np.testing.assert_allclose(grads, [0.5773503184318542, 1.1547006368637085, -0.5773503184318542], rtol=1e-6)
    assert loaded.sq(wb.constant([1.0, 2.0])).numpy().tolist() == [3.0, 12.0]
    # the variable's gradient goes through the saved graph too: d/dw sum(w * clip(x^2)) = sum(x^2)
    with wb.GradientTape() as tape:
        y = wb.reduce_sum(loaded.sq(wb.constant([1.0, 2.0])))
    assert float(tape.gradient(y, loaded.w)) == 5.0


def test_without_the_option_the_gradient_fails_as_in_tf(tmp_path):
    wb.saved_model.save(Clipped(), str(tmp_path / "m"),
                        options=wb.saved_model.SaveOptions(experimental_custom_gradients=False))
    loaded = wb.saved_model.load(str(tmp_path / "m"))
    assert loaded.call_custom_grad(wb.constant(3.0)).numpy() == 3.0
    # TF 2.21, loaded in a fresh process: LookupError (no gradient for the op it saved)
    v = wb.Variable(2.0)
    with wb.GradientTape() as tape:
        out = loaded.call_custom_grad(v * v)
    with pytest.raises(LookupError, match="experimental_custom_gradients=False"):
        tape.gradient(out, v)


def test_two_inputs_of_unknown_rank_traced_by_get_concrete_function(tmp_path):
    # the extension_type guide's wrapper, with plain tensors
    class Weighted(wb.Module):
        def __init__(self):
            super().__init__()
            self.v = wb.Variable([3.0, 2.0, 8.0, 5.0])

        @wb.function
        def mean(self, values, mask):
            x = values * self.v
            return wb.reduce_sum(wb.where(mask, x, wb.zeros_like(x))) / wb.reduce_sum(wb.cast(mask, x.dtype))

    module = Weighted()
    module.mean.get_concrete_function(wb.TensorSpec(None, wb.float32), wb.TensorSpec(None, wb.bool))
    wb.saved_model.save(module, str(tmp_path / "w"))
    loaded = wb.saved_model.load(str(tmp_path / "w"))
    # TF 2.21: 12.0 and 6.75
    assert float(loaded.mean(wb.constant([1.0, 2.0, 3.0, 4.0]), wb.constant([False, True, False, True]))) == 12.0
    assert float(loaded.mean(wb.constant([[1.0, 2.0, 3.0, 4.0], [0.5, 1, 1, 1]]),
                             wb.constant([[False, True, False, True], [True] * 4]))) == 6.75


class Drawing(wb.Module):
    def __init__(self):
        super().__init__()
        self.g = wb.random.Generator.from_seed(0)

    @wb.function
    def __call__(self):
        return self.g.normal([])

    @wb.function
    def state(self):
        return self.g.state

    @wb.function(input_signature=[wb.TensorSpec([None])])
    def noisy(self, x):
        return x + self.g.uniform(wb.shape(x))


def test_a_generator_is_saved_and_the_loaded_functions_continue_its_stream(tmp_path):
    # TF 2.21's numbers (the random_numbers guide's module, with a draw of an open size)
    module = Drawing()
    assert float(module()) == pytest.approx(-1.3544159, abs=1e-7)
    assert module.state().numpy().tolist() == [256, 0, 0]
    np.testing.assert_allclose(module.noisy(wb.zeros([3])).numpy(),
                               [0.18097996711730957, 0.905347466468811, 0.6530880928039551], rtol=1e-7)
    wb.saved_model.save(module, str(tmp_path / "r"))
    # saving leaves the stream where it was
    assert float(module()) == pytest.approx(0.8638211, abs=1e-7)
    assert float(module()) == pytest.approx(-0.29839867, abs=1e-7)
    loaded = wb.saved_model.load(str(tmp_path / "r"))
    assert float(loaded()) == pytest.approx(0.8638211, abs=1e-7)
    assert loaded.state().numpy().tolist() == [1280, 0, 0]
    assert float(loaded()) == pytest.approx(-0.29839867, abs=1e-7)
    np.testing.assert_allclose(loaded.noisy(wb.zeros([2])).numpy(), [0.23566055297851562, 0.3461027145385742],
                               rtol=1e-7)
    assert loaded.state().numpy().tolist() == [2048, 0, 0]


def test_a_graph_with_draws_is_ours_to_run_and_other_draws_are_refused(tmp_path):
    import onnx
    module = Drawing()
    result = wb.onnx.export(lambda x: x + module.g.uniform(wb.shape(x)), [wb.onnx.TensorSpec((None,))],
                            str(tmp_path / "n.onnx"))
    domains = {n.domain for n in result.model.graph.node}
    assert "org.research-workbench.random" in domains   # onnxruntime has no kernel for it
    assert module.g.state.numpy().tolist() == [0, 0, 0]   # the export's traces left the stream alone
    onnx.checker.check_model(onnx.load(str(tmp_path / "n.onnx")))

    def seeded(x, seed):
        return x + wb.random.stateless_normal(wb.shape(x), seed=seed)

    with pytest.raises(wb.onnx.ExportError, match="a stateless draw with a computed seed"):
        wb.onnx.export(seeded, [wb.onnx.TensorSpec((3,)), wb.onnx.TensorSpec((2,), "int32")],
                       str(tmp_path / "s.onnx"))

    def global_seeded(x):
        return x + wb.random.normal([3], seed=4)

    with pytest.raises(wb.onnx.ExportError, match="not from a wb.random.Generator"):
        wb.onnx.export(global_seeded, [wb.onnx.TensorSpec((3,))], str(tmp_path / "g.onnx"))

    def truncated():
        return module.g.truncated_normal([2])

    with pytest.raises(wb.onnx.ExportError, match="stream's 'truncated_normal' has no ONNX form"):
        wb.onnx.export(truncated, [], str(tmp_path / "t.onnx"))


def test_a_stateless_draw_of_a_fixed_seed_is_saved_as_its_numbers(tmp_path):
    class Seeded(wb.Module):
        @wb.function(input_signature=[wb.TensorSpec([3])])
        def f(self, x):
            return x + wb.random.stateless_normal([3], seed=[1, 2])

    wb.saved_model.save(Seeded(), str(tmp_path / "s"))
    loaded = wb.saved_model.load(str(tmp_path / "s"))
    # TF 2.21's loaded function
    want = [0.544110119342804, 0.20738030970096588, 0.0735643208026886]
    np.testing.assert_allclose(loaded.f(wb.zeros([3])).numpy(), want, rtol=1e-6)
    np.testing.assert_allclose(loaded.f(wb.ones([3])).numpy(),
                               [1.5441100597381592, 1.2073802947998047, 1.0735642910003662], rtol=1e-6)
