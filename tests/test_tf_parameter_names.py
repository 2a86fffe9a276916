"""Parameter names and order as TF 2.21's signatures (inspect.signature of TF's functions), so
keyword calls bind each value where TF does: ``tf.math.atan2(y=..., x=...)``."""

import inspect

import numpy as np
import pytest

import workbench as wb

# TF 2.21's leading parameters of each function
TF_PARAMETERS = {
    "math.atan2": ["y", "x", "name"], "math.polygamma": ["a", "x", "name"], "math.softplus": ["features", "name"],
    "nn.softplus": ["features", "name"], "linspace": ["start", "stop", "num", "name", "axis"],
    "linalg.matrix_transpose": ["a", "name", "conjugate"], "zeros_like": ["input", "dtype", "name"],
    "ones_like": ["input", "dtype", "name"],
    "debugging.assert_none_equal": ["x", "y", "summarize", "message", "name"],
    "strings.to_number": ["input", "out_type", "name"], "strings.to_hash_bucket": ["input", "num_buckets", "name"],
    "signal.rfft": ["input_tensor", "fft_length", "name"], "signal.irfft3d": ["input_tensor", "fft_length", "name"],
    "as_dtype": ["type_value"], "nest.is_nested": ["seq"], "compat.dimension_value": ["dimension"],
    "test.is_cpu_target_available": ["target"],
}


def _lookup(path):
    obj = wb
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


@pytest.mark.parametrize("path", sorted(TF_PARAMETERS))
def test_parameters_are_tf_s(path):
    names = list(inspect.signature(_lookup(path)).parameters)
    assert names[:len(TF_PARAMETERS[path])] == TF_PARAMETERS[path]


def test_keyword_calls_bind_as_in_tf():
    # TF: atan2(y=1, x=0) = pi/2, polygamma(a=1, x=2) = 0.6449341
    np.testing.assert_allclose(wb.math.atan2(y=wb.constant(1.), x=wb.constant(0.)).numpy(), np.pi / 2, rtol=1e-6)
    np.testing.assert_allclose(wb.math.atan2(x=wb.constant(1.), y=wb.constant(0.)).numpy(), 0.0)
    np.testing.assert_allclose(wb.math.polygamma(a=wb.constant(1.), x=wb.constant(2.)).numpy(), 0.6449341, rtol=1e-6)
    np.testing.assert_allclose(wb.nn.softplus(features=wb.constant([0.])).numpy(), [np.log(2.)], rtol=1e-6)
    assert wb.strings.to_number(input=["1.5"]).numpy().tolist() == [1.5]
    assert wb.as_dtype(type_value="int32") == wb.int32
