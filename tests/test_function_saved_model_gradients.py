"""Saving a wb.function that has a custom gradient (TF's advanced_autodiff guide): with
SaveOptions(experimental_custom_gradients=True), TF's default, the gradient's graph is saved
beside the function's and the loaded function's gradient uses it, as TF's does."""

import warnings

import pytest

import workbench as wb

pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")


@wb.custom_gradient
def clip_gradients(y):
    def backward(dy):
        return wb.clip_by_norm(dy, 0.5)
    return y, backward


class Clipped(wb.Module):
    @wb.function(input_signature=[wb.TensorSpec([])])
    def call_custom_grad(self, x):
        return clip_gradients(x)


class Plain(wb.Module):
    @wb.function(input_signature=[wb.TensorSpec([])])
    def square(self, x):
        return x * x


def _gradient(fn):
    v = wb.Variable(2.0)
    with wb.GradientTape() as tape:
        out = fn(v * v)
    return float(tape.gradient(out, v))


@pytest.mark.parametrize("options", [None, wb.saved_model.SaveOptions(),
                                     wb.saved_model.SaveOptions(experimental_custom_gradients=True)],
                         ids=["no-options", "default", "explicit"])
def test_saving_a_custom_gradient_keeps_it(tmp_path, options):
    model = Clipped()
    assert _gradient(model.call_custom_grad) == 2.0   # the custom gradient clips 4 to 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        wb.saved_model.save(model, str(tmp_path / "m"), options=options)
    loaded = wb.saved_model.load(str(tmp_path / "m"))
    assert _gradient(loaded.call_custom_grad) == 2.0   # TF 2.21: 2.0


def test_no_warning_when_asked_not_to_keep_them_or_when_there_are_none(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        wb.saved_model.save(Clipped(), str(tmp_path / "a"),
                            options=wb.saved_model.SaveOptions(experimental_custom_gradients=False))
        wb.saved_model.save(Plain(), str(tmp_path / "b"))
    assert _gradient(wb.saved_model.load(str(tmp_path / "b")).square) == 32.0   # d(v^4)/dv at 2


def test_an_unknown_rank_input_is_saved(tmp_path):
    class AnyRank(wb.Module):
        @wb.function(input_signature=[wb.TensorSpec(None)])
        def call_custom_grad(self, x):
            return clip_gradients(x)
    wb.saved_model.save(AnyRank(), str(tmp_path / "m"),
                        options=wb.saved_model.SaveOptions(experimental_custom_gradients=False))
    loaded = wb.saved_model.load(str(tmp_path / "m"))
    assert loaded.call_custom_grad(wb.ones([2, 3])).shape == (2, 3)
