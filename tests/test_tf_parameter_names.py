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


# the names added for TF's asserts and helpers, each TF 2.21's whole parameter list
TF_SIGNATURES = {
    "Assert": ["condition", "data", "summarize", "name"],
    "assert_rank": ["x", "rank", "message", "name"],
    "debugging.Assert": ["condition", "data", "summarize", "name"],
    "debugging.assert_rank": ["x", "rank", "message", "name"],
    "debugging.assert_rank_at_least": ["x", "rank", "message", "name"],
    "debugging.assert_rank_in": ["x", "ranks", "message", "name"],
    "debugging.assert_scalar": ["tensor", "message", "name"],
    "debugging.assert_integer": ["x", "message", "name"],
    "debugging.assert_positive": ["x", "message", "summarize", "name"],
    "debugging.assert_negative": ["x", "message", "summarize", "name"],
    "debugging.assert_non_negative": ["x", "message", "summarize", "name"],
    "debugging.assert_non_positive": ["x", "message", "summarize", "name"],
    "debugging.assert_same_float_dtype": ["tensors", "dtype"],
    "debugging.assert_proper_iterable": ["values"],
    "debugging.is_numeric_tensor": ["tensor"],
}

TF_SIGNATURES.update({
    "case": ["pred_fn_pairs", "default", "exclusive", "strict", "name"],
    "no_op": ["name"],
    "tuple": ["tensors", "control_inputs", "name"],
    "identity_n": ["input", "name"],
    "guarantee_const": ["input", "name"],
    "grad_pass_through": ["f"],
    "no_gradient": ["op_type"],
    "realdiv": ["x", "y", "name"],
    "timestamp": ["name"],
    "parallel_stack": ["values", "name"],
    "unravel_index": ["indices", "dims", "name"],
    "get_current_name_scope": [],
    "is_symbolic_tensor": ["tensor"],
    "fingerprint": ["data", "method", "name"],
})


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


@pytest.mark.parametrize("path", sorted(TF_SIGNATURES))
def test_whole_signature_is_tf_s(path):
    assert list(inspect.signature(_lookup(path)).parameters) == TF_SIGNATURES[path]
