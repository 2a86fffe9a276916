"""bfloat16 (ml_dtypes' NumPy dtype, as in TF and JAX): dtype, ops, printing and gradients.

Expected values are TF 2.21's (CPU), pinned here.
"""

import subprocess
import sys

import ml_dtypes
import numpy as np
import pytest

import workbench as wb

BF16 = np.dtype(ml_dtypes.bfloat16)


def bf(values):
    return wb.constant(values, wb.bfloat16)


def f32(t):
    return t.numpy().astype(np.float32)


# -- the dtype ----------------------------------------------------------------------------------

def test_dtype_properties_are_tfs():
    b = wb.bfloat16
    assert str(b) == "<dtype: 'bfloat16'>" and repr(b) == "wb.bfloat16" and b.name == "bfloat16"
    assert b.is_floating and not (b.is_integer or b.is_complex or b.is_unsigned or b.is_bool or b.is_quantized)
    assert b.size == 2 and b.as_numpy_dtype is ml_dtypes.bfloat16 and b.as_datatype_enum == 14
    assert b.real_dtype is b and b.is_numpy_compatible
    assert type(b.max) is ml_dtypes.bfloat16 and repr(b.max) == "3.38953e+38" and float(b.min) == -float(b.max)
    with pytest.raises(ValueError, match="does not have defined limits"):
        b.limits   # TF's too


def test_dtype_names_and_equality():
    b = wb.bfloat16
    assert wb.as_dtype("bfloat16") is b and wb.as_dtype("tf.bfloat16") is b and wb.as_dtype(14) is b
    assert wb.dtypes.bfloat16 is b and wb.as_dtype(ml_dtypes.bfloat16) is b and wb.as_dtype(BF16) is b
    assert b == BF16 and b == "bfloat16" and b != wb.float16 and hash(b) == hash(BF16)
    assert np.dtype(b) == BF16 and np.zeros(2, b).dtype == BF16
    assert bf([1.0]).dtype is b


def test_float8_names_cast_as_tf():
    e4, e5 = wb.dtypes.float8_e4m3fn, wb.dtypes.float8_e5m2
    assert (e4.as_datatype_enum, e5.as_datatype_enum) == (25, 24)
    assert wb.as_dtype("float8_e4m3fn") is e4 and wb.as_dtype(24) is e5
    assert e4.is_floating and e5.is_floating and e4.size == 1
    assert (float(e4.max), float(e5.max), float(e4.min)) == (448.0, 57344.0, -448.0)
    x = wb.cast(wb.constant([1.3, 500.0, -3.1]), e5)
    assert x.dtype is e5 and repr(x) == ("<wb.Tensor: shape=(3,), dtype=float8_e5m2, "
                                         "numpy=array([1.25, 512, -3], dtype=dtype(float8_e5m2))>")
    np.testing.assert_array_equal(wb.cast(x, wb.float32).numpy(), [1.25, 512.0, -3.0])


def test_importing_workbench_does_not_import_ml_dtypes():
    # its import registers many ufunc loops (about a second); it is paid on first use only
    code = ("import sys, workbench as wb; assert 'ml_dtypes' not in sys.modules; "
            "wb.bfloat16; assert 'ml_dtypes' in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


# -- printing -----------------------------------------------------------------------------------

@pytest.mark.parametrize("value, rep, text", [
    (1.1, "<wb.Tensor: shape=(), dtype=bfloat16, numpy=1.1015625>", "wb.Tensor(1.10156, shape=(), dtype=bfloat16)"),
    (3.0, "<wb.Tensor: shape=(), dtype=bfloat16, numpy=3.0>", "wb.Tensor(3, shape=(), dtype=bfloat16)"),
    (1e10, "<wb.Tensor: shape=(), dtype=bfloat16, numpy=9999220736.0>",
     "wb.Tensor(9.99922e+09, shape=(), dtype=bfloat16)"),
    ([1.0, 2.0], "<wb.Tensor: shape=(2,), dtype=bfloat16, numpy=array([1, 2], dtype=dtype(bfloat16))>",
     "wb.Tensor([1 2], shape=(2,), dtype=bfloat16)"),
    ([[1.1, 2.2], [3.3, 1e-4]],
     "<wb.Tensor: shape=(2, 2), dtype=bfloat16, numpy=\narray([[1.10156, 2.20312],\n"
     "       [3.29688, 0.000100136]], dtype=dtype(bfloat16))>",
     "wb.Tensor(\n[[1.10156 2.20312]\n [3.29688 0.000100136]], shape=(2, 2), dtype=bfloat16)"),
    ([], "<wb.Tensor: shape=(0,), dtype=bfloat16, numpy=array([], dtype=dtype(bfloat16))>",
     "wb.Tensor([], shape=(0,), dtype=bfloat16)"),
])
def test_printing_is_tfs(value, rep, text):
    x = bf(value)
    assert repr(x) == rep and str(x) == text


def test_variable_repr():
    v = wb.Variable([1.1, 2.2], dtype=wb.bfloat16)
    assert repr(v) == ("<wb.Variable 'Variable:0' shape=(2,) dtype=bfloat16, "
                       "numpy=array([1.10156, 2.20312], dtype=dtype(bfloat16))>")
