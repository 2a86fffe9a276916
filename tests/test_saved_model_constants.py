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
