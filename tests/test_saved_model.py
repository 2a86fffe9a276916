"""wb.saved_model: save a module's variables and traced functions, load them without the code."""

import json
import os

import numpy as np
import pytest

import workbench as wb

pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")


class Dense(wb.Module):
    def __init__(self, n_in, n_out, seed, name=None):
        super().__init__(name=name)
        rng = np.random.default_rng(seed)
        self.w = wb.Variable(rng.standard_normal((n_in, n_out)).astype(np.float32), name="w")
        self.b = wb.Variable(np.full(n_out, 0.5, np.float32), name="b")

    def __call__(self, x):
        return wb.nn.relu(wb.matmul(x, self.w) + self.b)


class Sequential(wb.Module):
    def __init__(self, name=None):
        super().__init__(name=name)
        self.dense_1 = Dense(3, 3, seed=1)
        self.dense_2 = Dense(3, 2, seed=2)

    @wb.function
    def __call__(self, x):
        return self.dense_2(self.dense_1(x))


def test_a_traced_method_reloads_and_reads_the_reloaded_variable(tmp_path):
    class Multiply(wb.Module):
        def __init__(self, value):
            super().__init__()
            self.weight = wb.Variable(value)

        @wb.function
        def multiply(self, x):
            return x * self.weight

    mod = Multiply(3)
    np.testing.assert_array_equal(mod.multiply(wb.constant([1, 2, 3])).numpy(), [3, 6, 9])
    wb.saved_model.save(mod, str(tmp_path / "saved"))
    reloaded = wb.saved_model.load(str(tmp_path / "saved"))
    assert not isinstance(reloaded, Multiply)
    out = reloaded.multiply(wb.constant([1, 2, 3]))
    assert out.dtype == np.int32
    np.testing.assert_array_equal(out.numpy(), [3, 6, 9])
    reloaded.weight.assign(5)   # the loaded function reads the loaded variable, as in TF
    np.testing.assert_array_equal(reloaded.multiply(wb.constant([1, 2, 3])).numpy(), [5, 10, 15])
    np.testing.assert_array_equal(mod.multiply(wb.constant([1, 2, 3])).numpy(), [3, 6, 9])


def test_every_traced_signature_is_saved_and_calls_pick_theirs(tmp_path):
    model = Sequential(name="the_model")
    one = model(wb.constant([[2.0, 2.0, 2.0]]))
    two = model(wb.constant([[[2.0, 2.0, 2.0], [1.0, 0.0, -1.0]]]))
    listed = model([[2.0, 2.0, 2.0]])   # a Python list: a trace for that value, as TF's
    wb.saved_model.save(model, tmp_path / "m")
    loaded = wb.saved_model.load(tmp_path / "m")
    np.testing.assert_allclose(loaded(wb.constant([[2.0, 2.0, 2.0]])).numpy(), one.numpy(), rtol=1e-6)
    np.testing.assert_allclose(loaded(wb.constant([[[2.0, 2.0, 2.0], [1.0, 0.0, -1.0]]])).numpy(), two.numpy(),
                               rtol=1e-6)
    np.testing.assert_allclose(loaded([[2.0, 2.0, 2.0]]).numpy(), listed.numpy(), rtol=1e-6)
    # the variables sit at the attribute paths they had
    np.testing.assert_array_equal(loaded.dense_1.w.numpy(), model.dense_1.w.numpy())
    assert sorted(loaded.variables_by_path()) == sorted(model.variables_by_path())
    with pytest.raises(ValueError, match=r"no saved concrete function takes \(\[1, 5\] float32\); saved: \(x: \[1, 3\] float32\)"):
        loaded(wb.constant([[1.0, 2.0, 3.0, 4.0, 5.0]]))


def test_an_input_signature_with_a_none_batch_serves_every_batch(tmp_path):
    class Scale(wb.Module):
        def __init__(self):
            super().__init__()
            self.w = wb.Variable([1.0, 2.0, 3.0])

        @wb.function(input_signature=[wb.TensorSpec([None, 3], wb.float32)])
        def __call__(self, x):
            return {"scaled": x * self.w, "total": wb.reduce_sum(x * self.w, axis=1)}

    m = Scale()   # never called: the input_signature is what is saved
    wb.saved_model.save(m, tmp_path / "s", signatures=m.__call__)
    loaded = wb.saved_model.load(tmp_path / "s")
    for batch in (1, 4, 7):
        x = np.arange(batch * 3, dtype=np.float32).reshape(batch, 3)
        out = loaded(wb.constant(x))
        assert set(out) == {"scaled", "total"}
        np.testing.assert_allclose(out["scaled"].numpy(), x * [1, 2, 3])
        np.testing.assert_allclose(out["total"].numpy(), (x * [1, 2, 3]).sum(1), rtol=1e-6)
    served = loaded.signatures["serving_default"](x=wb.constant(np.ones((2, 3), np.float32)))
    np.testing.assert_allclose(served["total"].numpy(), [6.0, 6.0])
    with pytest.raises(TypeError, match="inputs by name must be"):
        loaded.signatures["serving_default"](y=wb.constant(np.ones((2, 3), np.float32)))


def test_a_concrete_function_as_signature_returns_output_names(tmp_path):
    model = Sequential()
    concrete = model.__call__.get_concrete_function(wb.TensorSpec([None, 3], wb.float32))
    wb.saved_model.save(model, tmp_path / "c", signatures={"serve": concrete})
    loaded = wb.saved_model.load(tmp_path / "c")
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    out = loaded.signatures["serve"](x=wb.constant(x))
    assert list(out) == ["output_0"]
    np.testing.assert_allclose(out["output_0"].numpy(), model(wb.constant(x)).numpy(), rtol=1e-5, atol=1e-6)


def test_untraced_functions_and_bad_arguments_are_clear(tmp_path):
    # TF 2.21 saves a module whose function was never traced; calling it after loading fails
    class Adder(wb.Module):
        @wb.function
        def add(self, x):
            return x + x
    wb.saved_model.save(Adder(), tmp_path / "adder")
    with pytest.raises(ValueError, match="Found zero restored functions for caller function"):
        wb.saved_model.load(tmp_path / "adder").add(1.0)
    wb.saved_model.save(wb.Module(), tmp_path / "empty")
    assert isinstance(wb.saved_model.load(tmp_path / "empty"), wb.Module)
    with pytest.raises(TypeError, match="export_dir must be a path"):
        wb.saved_model.save(Sequential(), 3)
    with pytest.raises(FileNotFoundError, match="no saved_model.json"):
        wb.saved_model.load(tmp_path)
    with pytest.raises(ValueError, match="signature 'serving_default' must be a wb.function with an input_signature"):
        wb.saved_model.save(Sequential(), tmp_path / "x", signatures=lambda x: x)


def _saved(tmp_path):
    model = Sequential()
    model(wb.constant([[1.0, 2.0, 3.0]]))
    folder = tmp_path / "saved"
    wb.saved_model.save(model, folder)
    return folder, json.loads((folder / "saved_model.json").read_text())


def _rewrite(folder, manifest):
    (folder / "saved_model.json").write_text(json.dumps(manifest))


def test_a_manifest_cannot_reach_outside_its_folder_or_set_special_attributes(tmp_path):
    folder, manifest = _saved(tmp_path)
    manifest["functions"]["__call__"][0]["file"] = "../elsewhere.onnx"
    _rewrite(folder, manifest)
    with pytest.raises(ValueError, match="outside"):
        wb.saved_model.load(folder)
    folder, manifest = _saved(tmp_path / "b")
    manifest["variables"][0]["path"] = "__class__"
    _rewrite(folder, manifest)
    with pytest.raises(ValueError, match="not one this loader sets"):
        wb.saved_model.load(folder)
    folder, manifest = _saved(tmp_path / "c")
    manifest["functions"]["__call__"][0]["variables"] = {"w": 99}
    _rewrite(folder, manifest)
    with pytest.raises(ValueError, match="does not exist"):
        wb.saved_model.load(folder)
    folder, manifest = _saved(tmp_path / "d")
    manifest["format"] = "something.else"
    _rewrite(folder, manifest)
    with pytest.raises(ValueError, match="not a workbench.saved_model manifest"):
        wb.saved_model.load(folder)


def test_variable_values_are_read_without_pickle(tmp_path):
    folder, _ = _saved(tmp_path)
    np.savez(folder / "variables.npz", v0=np.array([object()], dtype=object))
    with pytest.raises(ValueError, match="allow_pickle"):
        wb.saved_model.load(folder)
    assert os.path.exists(folder / "saved_model.json")


def test_a_keras_model_saves_its_inference_call_and_serving_signature(tmp_path):
    k = wb.keras
    a, b = k.Input((3,), name="a"), k.Input((2,), name="b")
    h = k.layers.Dense(4, activation="relu")(k.layers.Concatenate()([a, b]))
    model = k.Model([a, b], k.layers.Dropout(0.5)(k.layers.Dense(2)(h)))
    wb.saved_model.save(model, tmp_path / "keras")
    loaded = wb.saved_model.load(tmp_path / "keras")
    rng = np.random.default_rng(3)
    xa, xb = rng.standard_normal((6, 3)).astype(np.float32), rng.standard_normal((6, 2)).astype(np.float32)
    want = model([wb.constant(xa), wb.constant(xb)], training=False).numpy()   # no dropout when served
    np.testing.assert_allclose(loaded(wb.constant(xa), wb.constant(xb)).numpy(), want, rtol=1e-5, atol=1e-6)
    served = loaded.signatures["serving_default"](a=wb.constant(xa), b=wb.constant(xb))
    np.testing.assert_allclose(served["output_0"].numpy(), want, rtol=1e-5, atol=1e-6)
    assert len(loaded.trainable_variables) == len(model.trainable_variables)
