"""Open-size export and static shapes of traced functions, as TF 2.21 gives them (session 17)."""

import numpy as np
import pytest

import workbench as wb


# -- saving a function whose open sizes meet in a product (mlp_core's ExportModule) -----------

class _Mlp(wb.Module):
    def __init__(self):
        super().__init__()
        self.w = wb.Variable(np.random.default_rng(0).standard_normal((784, 10)).astype(np.float32))

    @wb.function(input_signature=[wb.TensorSpec([None, None, None, None], wb.uint8)])
    def __call__(self, x):
        x = wb.reshape(x, [-1, 784]) / 255
        return wb.argmax(wb.nn.softmax(wb.matmul(x, self.w)), axis=1)


def test_a_reshape_of_four_open_sizes_to_784_columns_saves_and_loads(tmp_path):
    m = _Mlp()
    wb.saved_model.save(m, str(tmp_path / "m"))
    loaded = wb.saved_model.load(str(tmp_path / "m"))
    x = np.random.default_rng(1).integers(0, 256, (7, 28, 28, 1)).astype(np.uint8)
    want = np.argmax(x.reshape(7, 784).astype(np.float32) / 255 @ m.w.numpy(), axis=1)
    got = loaded(wb.constant(x)).numpy()
    np.testing.assert_array_equal(got, want)
    assert got.dtype == np.int64
    # any sizes whose product 784 divides, as TF's graph takes them
    np.testing.assert_array_equal(loaded(wb.constant(x.reshape(7, 784, 1, 1))).numpy(), want)
    np.testing.assert_array_equal(loaded(wb.constant(x.reshape(1, 7, 28, 28))).numpy(), want)
    with pytest.raises(Exception, match="784"):
        loaded(wb.constant(x[:, :27]))


def test_true_division_of_uint8_is_exported_in_float32(tmp_path):
    def f(x):
        return x / 255

    result = wb.onnx.export(f, [wb.onnx.TensorSpec((None, 3), np.uint8)], str(tmp_path / "f.onnx"))
    import onnxruntime as ort
    session = ort.InferenceSession(str(tmp_path / "f.onnx"), providers=["CPUExecutionProvider"])
    x = np.array([[0, 128, 255]], np.uint8)
    got, = session.run(None, {result.inputs[0]: x})
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, x / np.float32(255), rtol=1e-7)


def test_open_sizes_found_jointly_when_no_single_size_lets_the_function_run(tmp_path):
    # square images (x + its transpose) reshaped to 784 columns: with one inner size at 5, no
    # size of the other serves both; 28 and 28 together do
    def f(x):
        return wb.reduce_sum(wb.reshape(x + wb.transpose(x, [0, 2, 1]), [-1, 784]), axis=1)

    result = wb.onnx.export(f, [wb.onnx.TensorSpec((None, None, None))], str(tmp_path / "f.onnx"))
    assert result.fixed == {("input_0", 1): 28, ("input_0", 2): 28}
    import onnxruntime as ort
    session = ort.InferenceSession(str(tmp_path / "f.onnx"), providers=["CPUExecutionProvider"])
    x = np.random.default_rng(0).standard_normal((3, 28, 28)).astype(np.float32)
    got, = session.run(None, {"input_0": x})
    np.testing.assert_allclose(got, (x + x.transpose(0, 2, 1)).reshape(-1, 784).sum(1), rtol=1e-5, atol=1e-4)
