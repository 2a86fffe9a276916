"""tf.saved_model's signature keys, tags and serving method names, with TF 2.21's values."""

import workbench as wb

TF_VALUES = {
    "DEFAULT_SERVING_SIGNATURE_DEF_KEY": "serving_default", "SERVING": "serve", "TRAINING": "train", "GPU": "gpu",
    "TPU": "tpu", "PREDICT_METHOD_NAME": "tensorflow/serving/predict", "PREDICT_INPUTS": "inputs",
    "PREDICT_OUTPUTS": "outputs", "CLASSIFY_METHOD_NAME": "tensorflow/serving/classify", "CLASSIFY_INPUTS": "inputs",
    "CLASSIFY_OUTPUT_CLASSES": "classes", "CLASSIFY_OUTPUT_SCORES": "scores",
    "REGRESS_METHOD_NAME": "tensorflow/serving/regress", "REGRESS_INPUTS": "inputs", "REGRESS_OUTPUTS": "outputs",
}


def test_constants_as_tf():
    assert {k: getattr(wb.saved_model, k) for k in TF_VALUES} == TF_VALUES


def test_default_serving_key_names_the_signature(tmp_path):
    class Adder(wb.Module):
        @wb.function(input_signature=[wb.TensorSpec([], wb.float32)])
        def __call__(self, x):
            return {"output": x + 2}

    m = Adder()
    wb.saved_model.save(m, str(tmp_path), signatures={wb.saved_model.DEFAULT_SERVING_SIGNATURE_DEF_KEY: m.__call__})
    loaded = wb.saved_model.load(str(tmp_path))
    out = loaded.signatures["serving_default"](x=wb.constant(3.0))
    assert float(out["output"]) == 5.0


def test_a_method_called_only_inside_another_trace_is_saved(tmp_path):
    """TF's saved_model migration guide: a module's __call__ traced only inside the serving
    function's trace is a concrete function of the saved module (TF 2.21: loaded(5) gives 7.0)."""
    class MyModel(wb.Module):
        @wb.function
        def __call__(self, x):
            return x + 2

    model = MyModel()

    @wb.function
    def serving_default(x):
        return {"output": model(x)}

    @wb.function
    def doubled(x):
        return model(x) * 2

    concrete = serving_default.get_concrete_function(wb.TensorSpec(shape=[], dtype=wb.float32))
    doubled.get_concrete_function(wb.TensorSpec(shape=[None, 3], dtype=wb.float32))
    wb.saved_model.save(model, str(tmp_path), signatures={wb.saved_model.DEFAULT_SERVING_SIGNATURE_DEF_KEY: concrete})
    loaded = wb.saved_model.load(str(tmp_path))
    assert float(loaded(5)) == 7.0
    assert loaded(wb.constant([[1.0, 2.0, 3.0]] * 4)).numpy().tolist() == [[3.0, 4.0, 5.0]] * 4
    assert float(loaded.signatures["serving_default"](x=wb.constant(1.0))["output"]) == 3.0


def test_a_nested_call_record_does_not_keep_the_instance_alive():
    import gc
    import weakref

    class Adder(wb.Module):
        @wb.function
        def __call__(self, x):
            return x + 2

    model = Adder()

    @wb.function
    def outer(x):
        return model(x)

    outer.get_concrete_function(wb.TensorSpec([], wb.float32))
    alive = weakref.ref(model)
    del model, outer
    gc.collect()
    assert alive() is None
